# The demo: two e100 NICs on one hub, told with the aggmon tool.
# eth0 (10.0.0.1) stays here; eth1 (10.0.0.2) moves into a network
# namespace of its own, so a ping from one to the other crosses the wire.
say() {
	echo
	echo "\$ $*"
}

# wait_for COMMAND: until it succeeds, 60 s at most.
wait_for() {
	i=0
	while ! eval "$1"; do
		i=$((i + 1))
		[ $i -ge 600 ] && { echo "gave up waiting for: $1"; return 1; }
		sleep 0.1
	done
}

# has_fd PID KIND: PID holds an aggmon file of KIND.
has_fd() {
	ls -l "/proc/$1/fd" 2>/dev/null | grep -q "\[aggmon_$2\]"
}

unshare -n sleep 100000 &
ns=$!
wait_for "[ \"\$(readlink /proc/$ns/ns/net)\" != \"\$(readlink /proc/self/ns/net)\" ]"
ip link set eth1 netns $ns || exit 1
nsenter -t $ns -n ip addr add 10.0.0.2/24 dev eth1
nsenter -t $ns -n ip link set eth1 up
ip addr add 10.0.0.1/24 dev eth0
ip link set eth0 up
wait_for "ping -c 1 -W 1 10.0.0.2 >/dev/null 2>&1" || exit 1
echo "eth0 10.0.0.1 here, eth1 10.0.0.2 in netns $ns: one hub between them"

say "aggmon gauge list | grep -e NAME -e net.e100"
aggmon gauge list | grep -e NAME -e net.e100 || exit 1

# Packets per interface and CPU while the flood runs, and a rate
# threshold on eth0's transmit packets: above 100 per 500 ms fires,
# down to 10 or less cancels (a TCG vCPU may stall for 100 ms).
aggmon agg run demo.eth0_tx net.e100.tx_packets:eth0 sum by cpu \
	>/tmp/eth0_tx 2>&1 &
a0=$!
aggmon agg run demo.eth1_tx net.e100.tx_packets:eth1 sum by cpu \
	>/tmp/eth1_tx 2>&1 &
a1=$!
say aggmon watch net.e100.tx_packets:eth0 rate period 500ms \
	above-cancel 100 cancel 10 count 2 '&'
aggmon watch net.e100.tx_packets:eth0 rate period 500ms \
	above-cancel 100 cancel 10 count 2 &
w=$!
wait_for "has_fd $w threshold && has_fd $a0 agg && has_fd $a1 agg" || exit 1
say "ping -A -q -w 3 10.0.0.2      # a flood for 3 s"
ping -A -q -w 3 10.0.0.2 | grep transmitted
wait $w || exit 1
kill -INT $a0 $a1
wait $a0 $a1

say aggmon agg run demo.eth0_tx net.e100.tx_packets:eth0 sum by cpu
cat /tmp/eth0_tx
say aggmon agg run demo.eth1_tx net.e100.tx_packets:eth1 sum by cpu
cat /tmp/eth1_tx

# The driver times its transmit path with a timing hook: one value per
# frame, keyed by ifindex.
say "aggmon agg dump name net.e100.xmit_ns    # key: ifindex"
echo "(eth0 is ifindex $(cat /sys/class/net/eth0/ifindex)," \
	"eth1 $(nsenter -t $ns -n ip -o link show eth1 | cut -d: -f1))"
aggmon agg dump name net.e100.xmit_ns || exit 1

say "cat /sys/class/net/eth0/statistics/tx_packets; aggmon gauge read net.e100.tx_packets:eth0"
cat /sys/class/net/eth0/statistics/tx_packets
aggmon gauge read net.e100.tx_packets:eth0 || exit 1

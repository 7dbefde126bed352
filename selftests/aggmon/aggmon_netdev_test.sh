#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# aggmon_netdev_test.sh - the core's net.dev.* gauges, for every driver
#
# Needs two e100 NICs (eth0, eth1) and a NIC of another driver (an
# e1000) on one wire (QEMU: one hub).  eth1 moves into a network
# namespace of its own; eth0 (10.0.0.1) pings it at 10.0.0.2 and the
# e1000 (10.0.1.3) at 10.0.1.2, with permanent neighbour entries so
# that no ARP frame (shorter than the 60 bytes the e1000 pads frames to,
# and counts so) is sent.  Then:
#  - eth1's gauges kept their ids through the move and are named
#    "INUM:eth1" there; the namespace's own lo has gauges "INUM:lo";
#  - every net.dev.* gauge of lo, eth0 and the e1000 here, and of eth1
#    and lo in the namespace, equals /sys/class/net/IF/statistics;
#  - eth0 in promiscuous mode counts the frames it sees for other hosts
#    in net.dev.rx_otherhost_dropped, as the kernel does;
#  - renaming the e1000 renames its gauges, keeping ids and values;
#  - when the namespace goes, eth1's gauges come back under "eth1" with
#    the same ids, and those of the namespace's lo are gone.
# Leaves the interfaces down, without addresses, all in this namespace.
# Needs busybox (sh, ip, ping, unshare, nsenter) and the aggmon tool in
# $AGGMON or PATH.  Prints TAP.

PLAN=14
KSFT_SKIP=4
PINGS=30
# The counters sysfs shows (rx_otherhost_dropped is only in netlink's).
FIELDS="rx_packets rx_bytes tx_packets tx_bytes rx_dropped tx_dropped rx_nohandler"

AGGMON=${AGGMON:-$(command -v aggmon)}
if [ -z "$AGGMON" ]; then
	echo "1..0 # SKIP needs the aggmon tool (AGGMON=)"
	exit $KSFT_SKIP
fi

# driver IF: the name of IF's driver, or nothing.
driver() {
	basename "$(readlink "/sys/class/net/$1/device/driver" 2>/dev/null)" 2>/dev/null
}

E0=eth0
E1=eth1
X=
for i in /sys/class/net/*; do
	[ "$(driver "${i##*/}")" = e1000 ] && X=${i##*/}
done
if [ "$(driver $E0)" != e100 ] || [ "$(driver $E1)" != e100 ] || [ -z "$X" ]; then
	echo "1..0 # SKIP needs two e100 NICs (eth0, eth1) and an e1000 on one wire"
	exit $KSFT_SKIP
fi

tmp=$(mktemp -d /tmp/aggmon_netdev_test.XXXXXX) || exit 1
. "$(dirname "$0")/aggmon_tap.sh"
nspid=

cleanup() {
	ip link set $E0 promisc off 2>/dev/null
	for i in $E0 $X; do
		ip addr flush dev $i 2>/dev/null
		ip link set $i down 2>/dev/null
	done
	[ -n "$nspid" ] && kill -KILL $nspid 2>/dev/null
	# eth1 comes home when its namespace is dismantled (a workqueue).
	wait_for "[ -e /sys/class/net/$E1 ]"
	ip link set $E1 down 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

# gauge_id NAME:ITEM: its id, or "none".
gauge_id() {
	"$AGGMON" -j gauge show "$1" 2>/dev/null |
		sed -n 's/.*"id": *\([0-9]*\).*/\1/p' | grep . || echo none
}

# stat NS IF FIELD: /sys/class/net/IF/statistics/FIELD, in the namespace
# if NS is "ns".
stat() {
	if [ "$1" = ns ]; then
		in_ns cat "/sys/class/net/$2/statistics/$3"
	else
		cat "/sys/class/net/$2/statistics/$3"
	fi
}

# counter NS IF FIELD: what the gauge should read: the statistic, and
# for lo's bytes 14 more per packet (loopback_xmit() counts after
# eth_type_trans() took the Ethernet header off; the core counts it).
counter() {
	case "$2:$3" in
	lo:rx_bytes | lo:tx_bytes)
		echo $(($(stat "$1" lo "$3") + 14 * $(stat "$1" lo "${3%_bytes}_packets"))) ;;
	*)
		stat "$1" "$2" "$3" ;;
	esac
}

# mismatches NS IF ITEM: "FIELD=GAUGE/COUNTER" for each field where the
# gauge differs from the counter, read as gauge, counter, gauge until the
# gauge holds still; nothing if all are equal.
mismatches() {
	local f g1 g2 k i

	for f in $FIELDS; do
		i=0
		while [ $i -lt 20 ]; do
			g1=$(gauge "net.dev.$f:$3")
			k=$(counter "$1" "$2" "$f")
			g2=$(gauge "net.dev.$f:$3")
			[ "$g1" = "$g2" ] && break
			i=$((i + 1))
		done
		[ "$g2" = "$k" ] || printf '%s ' "$f=$g2/$k"
	done
}

# mac NS IF
mac() {
	if [ "$1" = ns ]; then
		in_ns cat "/sys/class/net/$2/address"
	else
		cat "/sys/class/net/$2/address"
	fi
}

echo "1..$PLAN"

### eth1 moves into a namespace: its gauges follow, renamed

id1=$(gauge_id net.dev.rx_packets:$E1)
unshare -n -m sleep 100000 &
nspid=$!
wait_for "[ \"\$(readlink /proc/$nspid/ns/net)\" != \"\$(readlink /proc/self/ns/net)\" ]"
inum=$(readlink /proc/$nspid/ns/net | sed 's/^net:\[\([0-9]*\)\]$/\1/')
ip link set $E1 netns "$nspid"
in_ns mount -t sysfs none /sys
got="$(gauge_id net.dev.rx_packets:$inum:$E1) $(gauge_id net.dev.rx_packets:$E1)"
expect_eq "$id1 none" "$got" \
	"$E1's gauges keep their id ($id1) in the namespace, as $inum:$E1"
ok=pass
for f in $FIELDS; do
	[ "$(gauge "net.dev.$f:$inum:lo")" = 0 ] || ok=fail
done
report $ok "the namespace's lo has its own gauges ($inum:lo), at 0"

### traffic on every interface, without a frame shorter than 60 bytes

ip link set lo up
in_ns ip link set lo up
ip addr add 10.0.0.1/24 dev $E0
ip addr add 10.0.1.3/24 dev $X
in_ns ip addr add 10.0.0.2/24 dev $E1
in_ns ip addr add 10.0.1.2/24 dev $E1
ip link set $E0 up
ip link set $X up
in_ns ip link set $E1 up
m1=$(mac ns $E1)
# busybox's ip has no "neigh add": its arp sets permanent entries.
arp -i $E0 -s 10.0.0.2 "$m1"
arp -i $X -s 10.0.1.2 "$m1"
in_ns arp -i $E1 -s 10.0.0.1 "$(mac init $E0)"
in_ns arp -i $E1 -s 10.0.1.3 "$(mac init $X)"
wait_for "ping -c 1 -W 1 10.0.1.2 >/dev/null 2>&1 && ping -c 1 -W 1 10.0.0.2 >/dev/null 2>&1"

# eth0 sees the e1000's exchange with eth1 too, and drops it as not its own.
ip link set $E0 promisc on
a=$(ping -c $PINGS -A -q 10.0.0.2 2>&1 | sed -n 's/.* \([0-9]*\) packets received.*/\1/p')
b=$(ping -c $PINGS -A -q 10.0.1.2 2>&1 | sed -n 's/.* \([0-9]*\) packets received.*/\1/p')
ping -c 3 -q 127.0.0.1 >/dev/null 2>&1
in_ns ping -c 3 -q 127.0.0.1 >/dev/null 2>&1
ip link set $E0 promisc off
expect_eq "$PINGS $PINGS" "$a $b" "$PINGS pings answered through $E0 and through $X"

# settled: no frame in flight, so counters and gauges hold still
settled() {
	local a b

	a=$(cat /sys/class/net/$E0/statistics/rx_packets /sys/class/net/$X/statistics/rx_packets)
	sleep 0.2
	b=$(cat /sys/class/net/$E0/statistics/rx_packets /sys/class/net/$X/statistics/rx_packets)
	[ "$a" = "$b" ]
}
wait_for settled

### every gauge equals its counter, whatever the driver

for spec in "init lo lo" "init $E0 $E0" "init $X $X" "ns $E1 $inum:$E1" "ns lo $inum:lo"; do
	set -- $spec
	expect_eq "" "$(mismatches $1 $2 $3)" \
		"net.dev.*:$3 equal /sys/class/net/$2/statistics${1#init} ($(driver $2))"
done
expect_eq $((2 * PINGS)) "$(gauge net.dev.rx_otherhost_dropped:$E0)" \
	"promiscuous $E0 dropped the $PINGS requests and $PINGS replies between $X and $E1 as other hosts'"
tx=$(gauge net.dev.tx_packets:$X)
if [ "$tx" != none ] && [ "$tx" -ge $PINGS ]; then
	report pass "$X sent at least $PINGS packets ($tx)"
else
	report fail "$X sent at least $PINGS packets ($tx)"
fi

### a rename renames the gauges, keeping ids and values

idx=$(gauge_id net.dev.tx_packets:$X)
ip link set $X down
ip link set $X name aggmon0
got="$(gauge_id net.dev.tx_packets:aggmon0) $(gauge net.dev.tx_packets:aggmon0)"
got="$got $(gauge_id net.dev.tx_packets:$X)"
expect_eq "$idx $tx none" "$got" \
	"renamed to aggmon0, $X's gauges are aggmon0's, same id and value"
ip link set aggmon0 name $X
expect_eq "$idx none" "$(gauge_id net.dev.tx_packets:$X) $(gauge_id net.dev.tx_packets:aggmon0)" \
	"renamed back, they are $X's again"

### the namespace goes: eth1 comes home, its lo's gauges go

kill -KILL $nspid
wait $nspid 2>/dev/null
nspid=
wait_for "[ -e /sys/class/net/$E1 ]"
wait_for "[ \"\$(gauge_id net.dev.rx_packets:$inum:lo)\" = none ]"
got="$(gauge_id net.dev.rx_packets:$E1) $(gauge_id net.dev.rx_packets:$inum:$E1)"
expect_eq "$id1 none" "$got" \
	"$E1 back home: its gauges are $E1's again, same id"
expect_eq "none" "$(gauge_id net.dev.tx_packets:$inum:lo)" \
	"the namespace's lo unregistered: its gauges are gone"

tap_end $PLAN

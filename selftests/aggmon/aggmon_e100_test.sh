#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# aggmon_e100_test.sh - the instrumented e100 driver, end to end
#
# Needs two e100 NICs on one wire (QEMU: two i82557b on one hub).  The
# second is moved into its own network namespace, so that a ping from
# 10.0.0.1 (eth0) to 10.0.0.2 (eth1) really crosses the wire.  Then:
#  - after N pings each interface's aggmon gauges equal the kernel's own
#    counters in /sys/class/net/IF/statistics exactly (eth1's read in its
#    namespace, with a sysfs mounted there);
#  - net.e100.xmit_ns counts exactly eth0's transmitted packets, under
#    eth0's PCI address;
#  - a rate threshold on eth0's transmit packets fires during a ping flood
#    and is cancelled by time alone after it;
#  - renaming eth0 renames its gauges, keeping ids and values;
#  - unbinding eth0's PCI device while a statistic and thresholds watch
#    its gauges ends them with GONE events, and binding it again creates
#    fresh gauges (new ids, zero), while net.e100.xmit_ns counts on
#    under the same key and holds one key per NIC, none dropped.
# The kernel log is checked for splats by whoever runs the guest.
# Needs busybox (sh, ip, ping, unshare, nsenter) and the aggmon tool in
# $AGGMON or PATH.  Prints TAP.

PLAN=28
KSFT_SKIP=4
PINGS=50

AGGMON=${AGGMON:-$(command -v aggmon)}
if [ -z "$AGGMON" ]; then
	echo "1..0 # SKIP needs the aggmon tool (AGGMON=)"
	exit $KSFT_SKIP
fi
for i in eth0 eth1; do
	if [ "$(basename "$(readlink "/sys/class/net/$i/device/driver")")" != e100 ]; then
		echo "1..0 # SKIP needs two e100 NICs, eth0 and eth1, on one wire"
		exit $KSFT_SKIP
	fi
done

tmp=$(mktemp -d /tmp/aggmon_e100_test.XXXXXX) || exit 1
. "$(dirname "$0")/aggmon_tap.sh"
nspid=
bgpids=

cleanup() {
	for p in $bgpids $nspid; do
		kill -KILL "$p" 2>/dev/null
	done
	rm -rf "$tmp"
}
trap cleanup EXIT

# gauge_id NAME:ITEM: its id, or "none".
gauge_id() {
	local id

	id=$("$AGGMON" -j gauge show "$1" 2>/dev/null |
		sed -n 's/^{"id":\([0-9]*\),.*/\1/p')
	echo "${id:-none}"
}

# sysfs_stat IF FIELD: /sys/class/net/IF/statistics/FIELD, from eth1's
# namespace for eth1.
sysfs_stat() {
	if [ "$1" = eth1 ]; then
		in_ns cat "/sys/class/net/$1/statistics/$2"
	else
		cat "/sys/class/net/$1/statistics/$2"
	fi
}

# pci_key ADDRESS: the key of a NIC in net.e100.xmit_ns,
# domain << 16 | bus << 8 | device << 3 | function.
pci_key() {
	local dom bus dev fn rest

	dom=${1%%:*}
	rest=${1#*:}
	bus=${rest%%:*}
	rest=${rest#*:}
	dev=${rest%%.*}
	fn=${rest#*.}
	echo $((0x$dom << 16 | 0x$bus << 8 | 0x$dev << 3 | fn))
}

# xmit_keys: the keys net.e100.xmit_ns holds, sorted, on one line.
xmit_keys() {
	"$AGGMON" agg dump name net.e100.xmit_ns >"$tmp/dump" 2>"$tmp/dump.err" ||
		{ echo none; return; }
	awk '/^ *[0-9]+$/ { print $1 }' "$tmp/dump" | sort -n | tr '\n' ' '
}

# xmit_count KEY: the values net.e100.xmit_ns holds under KEY
# (the counts of its buckets summed), or "none".
xmit_count() {
	"$AGGMON" agg dump name net.e100.xmit_ns >"$tmp/dump" 2>"$tmp/dump.err" ||
		{ echo none; return; }
	awk -v want="$1" '
		/^ *[0-9]+$/ { key = $1; next }
		/\|/ && key == want { sum += $NF; seen = 1 }
		END { print seen ? sum : "none" }' "$tmp/dump"
}

# reap PID: wait for it (60 s at most, then SIGKILL); its status in $rc.
reap() {
	if wait_for "exited $1"; then
		wait "$1"
		rc=$?
	else
		kill -KILL "$1" 2>/dev/null
		wait "$1"
		rc=124
	fi
}

# events FILE: the TYPE and FLAGS of each event line of aggmon watch.
events() {
	awk 'NF >= 10 && $1 ~ /^[0-9.]+$/ { sub(/^flags=/, "", $9); print $6, $9 }' "$1"
}

echo "1..$PLAN"

### the wire: eth0 here, eth1 in a namespace of its own

unshare -n -m sleep 100000 &
nspid=$!
wait_for "[ \"\$(readlink /proc/$nspid/ns/net)\" != \"\$(readlink /proc/self/ns/net)\" ]"
ok=pass
ip link set eth1 netns "$nspid" || ok=fail
in_ns mount -t sysfs none /sys || ok=fail
in_ns ip link set lo up || ok=fail
in_ns ip addr add 10.0.0.2/24 dev eth1 || ok=fail
in_ns ip link set eth1 up || ok=fail
ip addr add 10.0.0.1/24 dev eth0 || ok=fail
ip link set eth0 up || ok=fail
[ -e /sys/class/net/eth1 ] && ok=fail
in_ns test -e /sys/class/net/eth1 || ok=fail
wait_for "ping -c 1 -W 1 10.0.0.2 >/dev/null 2>&1" || ok=fail
report $ok "eth1 in its own namespace; 10.0.0.1 on eth0 reaches 10.0.0.2 on eth1"

### every gauge equals the kernel's own counter

ping -c $PINGS -A -q 10.0.0.2 >"$tmp/ping" 2>&1
received=$(sed -n 's/.* \([0-9]*\) packets received.*/\1/p' "$tmp/ping")
expect_eq $PINGS "$received" "$PINGS pings answered"

# settled: no frame in flight, so counters and gauges hold still
settled() {
	local a b

	a=$(cat /sys/class/net/eth0/statistics/tx_packets \
		/sys/class/net/eth0/statistics/rx_packets)
	sleep 0.2
	b=$(cat /sys/class/net/eth0/statistics/tx_packets \
		/sys/class/net/eth0/statistics/rx_packets)
	[ "$a" = "$b" ]
}
wait_for settled

# same_as_sysfs IF FIELD: the gauge and the counter, read as gauge,
# counter, gauge until the gauge holds still across the counter's read
# (a neighbour's probe may pass at any time), as "GAUGE COUNTER".
same_as_sysfs() {
	local g1 g2 k i=0

	while [ $i -lt 20 ]; do
		g1=$(gauge net.e100.$2:$1)
		k=$(sysfs_stat $1 $2)
		g2=$(gauge net.e100.$2:$1)
		[ "$g1" = "$g2" ] && break
		i=$((i + 1))
	done
	echo "$g2 $k"
}

for i in eth0 eth1; do
	for f in tx_packets tx_bytes tx_errors rx_packets rx_bytes rx_errors; do
		set -- $(same_as_sysfs $i $f)
		expect_eq "$2" "$1" "net.e100.$f:$i equals /sys/class/net/$i/statistics/$f ($2)"
	done
done

tx=$(sysfs_stat eth0 tx_packets)
if [ "$tx" -ge $PINGS ] && [ "$(sysfs_stat eth1 tx_packets)" -ge $PINGS ]; then
	report pass "both interfaces sent at least $PINGS packets"
else
	report fail "both interfaces sent at least $PINGS packets"
fi

# xmit_vs_tx IFINDEX: "COUNT TX_PACKETS" of eth0, read as counter,
# aggregation, counter until the counter holds still.
xmit_vs_tx() {
	local t1 t2 c i=0

	while [ $i -lt 20 ]; do
		t1=$(cat /sys/class/net/eth0/statistics/tx_packets)
		c=$(xmit_count "$1")
		t2=$(cat /sys/class/net/eth0/statistics/tx_packets)
		[ "$t1" = "$t2" ] && break
		i=$((i + 1))
	done
	echo "$c $t2"
}

pci=$(basename "$(readlink /sys/class/net/eth0/device)")
key=$(pci_key "$pci")
set -- $(xmit_vs_tx "$key")
expect_eq "$2" "$1" \
	"net.e100.xmit_ns counts eth0's transmitted packets under its PCI address $pci (key $key)"

### a rate threshold fires during a flood and is cancelled after it

# 100 ms periods: the flood sends tens of packets in one even under
# QEMU's emulation, idle none; cancel 2 keeps a dip in the flood from
# cancelling it.
"$AGGMON" watch net.e100.tx_packets:eth0 rate period 100ms \
	above-cancel 20 cancel 2 count 2 >"$tmp/watch" 2>"$tmp/watch.err" &
wpid=$!
bgpids="$bgpids $wpid"
wait_for "has_fd $wpid threshold"
ping -A -q -w 2 10.0.0.2 >/dev/null 2>&1
reap $wpid
expect_eq "0" "$rc" "aggmon watch ends after its 2 events"
events "$tmp/watch" >"$tmp/ev"
expect_eq "fired -|cancelled TIMER|" "$(tr '\n' '|' <"$tmp/ev")" \
	"the threshold fired in the flood, then time alone cancelled it"
[ "$rc" -eq 0 ] || sed 's/^/# /' "$tmp/watch" "$tmp/watch.err"

### a rename renames the gauges, keeping ids and values

wait_for settled
id=$(gauge_id net.e100.tx_packets:eth0)
tx=$(gauge net.e100.tx_packets:eth0)
ip link set eth0 down
ip link set eth0 name e100x
got="$(gauge_id net.e100.tx_packets:e100x) $(gauge net.e100.tx_packets:e100x)"
got="$got $(gauge_id net.e100.tx_packets:eth0)"
expect_eq "$id $tx none" "$got" \
	"renamed to e100x, eth0's e100 gauges are e100x's, same id and value"
ip link set e100x name eth0
ip link set eth0 up
expect_eq "$id none" \
	"$(gauge_id net.e100.tx_packets:eth0) $(gauge_id net.e100.tx_packets:e100x)" \
	"renamed back, they are eth0's again"

### unbind: GONE to every watcher; bind: fresh gauges

old_id=$(gauge_id net.e100.tx_packets:eth0)
"$AGGMON" watch net.e100.tx_packets:eth0 absolute above 1000000000 \
	-- net.e100.rx_bytes:eth0 hwm below-cancel 0 \
	>"$tmp/gone" 2>"$tmp/gone.err" &
wpid=$!
bgpids="$bgpids $wpid"
"$AGGMON" stat read net.e100.tx_ring:eth0 lwm interval 50ms \
	>"$tmp/stat" 2>"$tmp/stat.err" &
spid=$!
bgpids="$bgpids $spid"
wait_for "has_fd $wpid threshold && has_fd $spid stat"
echo "$pci" >/sys/bus/pci/drivers/e100/unbind
reap $wpid
expect_eq "0" "$rc" "unbind: aggmon watch ends by itself"
expect_eq "gone -|gone -|" "$(events "$tmp/gone" | tr '\n' '|')" \
	"unbind: each threshold gets exactly one gone event"
kill -TERM $spid 2>/dev/null
reap $spid
expect_eq "none" "$(gauge net.e100.tx_packets:eth0)" \
	"unbind: net.e100.tx_packets:eth0 is gone"
expect_eq "0" "$("$AGGMON" gauge list | grep -c ':eth0\| eth0 ')" \
	"unbind: no gauge of eth0 is left"

# The NIC is gone: what net.e100.xmit_ns holds under its key stays.
before=$(xmit_count "$key")
echo "$pci" >/sys/bus/pci/drivers/e100/bind
wait_for "[ -e /sys/class/net/eth0 ]"
new_id=$("$AGGMON" -j gauge show net.e100.tx_packets:eth0 |
	sed -n 's/^{"id":\([0-9]*\),.*/\1/p')
if [ -n "$new_id" ] && [ "$new_id" != "$old_id" ]; then
	report pass "bind: net.e100.tx_packets:eth0 is back with a new id"
else
	echo "# old id '$old_id', new id '$new_id'"
	report fail "bind: net.e100.tx_packets:eth0 is back with a new id"
fi
expect_eq "0 0 0 0" "$("$AGGMON" gauge read net.e100.tx_packets:eth0 \
	net.e100.rx_packets:eth0 net.e100.tx_bytes:eth0 net.e100.rx_bytes:eth0)" \
	"bind: the fresh gauges start at 0"
ip addr add 10.0.0.1/24 dev eth0
ip link set eth0 up
wait_for "ping -c 1 -W 1 10.0.0.2 >/dev/null 2>&1"
wait_for settled
set -- $(xmit_vs_tx "$key")
expect_eq "$2" "$(($1 - before))" \
	"bind: net.e100.xmit_ns counts the new eth0's packets on under key $key (it held $before)"
# One key per NIC, whatever its ifindex or namespace: both NICs' keys
# (eth1's in its own namespace; eth0's after a bind gave it a new
# ifindex), and nothing dropped.
want=
for dev in /sys/bus/pci/drivers/e100/*:*; do
	want="$want$(pci_key "$(basename "$dev")")
"
done
want=$(printf '%s' "$want" | sort -n | tr '\n' ' ')
got=$(xmit_keys)
grep -q dropped "$tmp/dump.err" && got="$got; $(cat "$tmp/dump.err")"
expect_eq "$want" "$got" "net.e100.xmit_ns holds exactly one key per e100 NIC, none dropped"

tap_end $PLAN

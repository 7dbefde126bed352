#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Host tests of 'aggmon top' and 'aggmon monitor' over the in-memory fake
# kernel (tests/aggmon-fake): exact tables, JSON, sort orders, filters,
# the terminal mode, signals; the monitor's config file with its
# line-numbered errors, and its event log over the fake's statistics
# (AGGMON_FAKE_STATS, see tests/fake_stats.c).
# Prints TAP; exits 1 if a test fails.
#
# Usage: tests/test_top.sh [BUILD_DIR]	(default: the folder above tests/)

set -u
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/..}
fake=$build/tests/aggmon-fake
# TAP counters, $tmp, report and run.
. "$here/tap.sh"

# pycheck DESCRIPTION CODE: the last command succeeded and the Python CODE
# passes, with out the bytes of $tmp/out and docs its JSON documents,
# one a line.
pycheck() {
	if [ "$rc" -eq 0 ] && python3 -c '
import json, re, sys, time
out = open(sys.argv[1], "rb").read()
lines = out.split(b"\n")
assert lines.pop() == b"", "no newline at the end"
docs = [json.loads(l) for l in lines] if out.startswith(b"{\"") else []
'"$2" "$tmp/out" 2>"$tmp/pyerr"; then
		report pass "$1"
	else
		sed 's/^/# /' "$tmp/pyerr" | tail -n 3
		report fail "$1"
	fi
}

### aggmon top

expect 0 "" "top help exits 0" "$fake" top help
grep -q '^Usage: aggmon \[OPTIONS\] top \[interval DURATION\]' "$tmp/out" &&
	report pass "top help prints the usage" || report fail "top help prints the usage"
expect 0 "" "top --help exits 0" "$fake" top --help
expect 0 "" "top -h batch exits 0 with the help" "$fake" top batch -h
expect 2 "unknown argument 'bogus'" "top bogus exits 2" "$fake" top bogus
expect 2 "interval needs a DURATION" "top interval without value exits 2" \
	"$fake" top interval
nounit="give a unit, e.g. 500ms, 2s (ns, us, ms, s, min, h)"
expect 2 "invalid interval '0': $nounit" "top interval 0 (no unit) exits 2" \
	"$fake" top interval 0
expect 2 "invalid interval '1000': $nounit" "top interval 1000 (no unit) exits 2" \
	"$fake" top interval 1000
expect 2 "invalid interval '0ms': expected a DURATION from 1ms to 24h, such as 500ms" \
	"top interval 0ms exits 2" "$fake" top interval 0ms
expect 2 "invalid interval '10x': expected a DURATION from 1ms to 24h, such as 500ms" \
	"top interval 10x exits 2" "$fake" top interval 10x
expect 2 "invalid interval '25h': expected a DURATION from 1ms to 24h, such as 500ms" \
	"top interval 25h exits 2" "$fake" top interval 25h
expect 2 "invalid sort 'size': expected name, value or rate" \
	"top sort size exits 2" "$fake" top sort size
expect 2 "invalid count '0': expected a positive number" "top count 0 exits 2" \
	"$fake" top count 0
expect 2 "invalid count '-1': expected a positive number" "top count -1 exits 2" \
	"$fake" top count -1
expect 2 "count given twice" "top count 1 count 2 exits 2" \
	"$fake" top count 1 count 2
expect 2 "sort given twice" "top sort name sort rate exits 2" \
	"$fake" top sort name sort rate
expect 1 "this kernel has no aggmon system call (CONFIG_AGGMON=n?)" \
	"top exits 1 without the system call" \
	env AGGMON_FAKE_ERRNO=38 "$fake" top count 1

# The fake's gauges but sched.reads, which counts the reads.
cat >"$tmp/static" <<'EOF'
aggmon top: 4 gauges, sorted by name, every 10ms
ID  NAME                 ITEM       VALUE  RATE/s  UNIT
 5  mm.free_pages        -           4096       -  pages
 1  net.e100.tx_packets  eth0       12345       -  packets
 2  net.e100.tx_packets  eth1           0       -  packets
 7  user.test.temp       probe:1  -273150       -  m"C\

aggmon top: 4 gauges, sorted by name, every 10ms
ID  NAME                 ITEM       VALUE  RATE/s  UNIT
 5  mm.free_pages        -           4096     0.0  pages
 1  net.e100.tx_packets  eth0       12345     0.0  packets
 2  net.e100.tx_packets  eth1           0     0.0  packets
 7  user.test.temp       probe:1  -273150     0.0  m"C\
EOF
run "$fake" top batch count 2 interval 10ms filter net. filter mm. filter user.
same "$tmp/static" "top batch count 2 interval 10ms: two exact tables, rates from the second"
run "$fake" top count 2 interval 10ms filter net. filter mm. filter user.
same "$tmp/static" "top to a pipe is batch: the same tables, no escapes"

run "$fake" top batch count 2 interval 10ms
pycheck "top: sched.reads (read once a refresh) is 1, then 2 at about 100/s" '
t = out.decode().split("\n\n")
assert len(t) == 2
r1 = [l.split() for l in t[0].splitlines() if l.split()[0] == "1000"][0]
r2 = [l.split() for l in t[1].splitlines() if l.split()[0] == "1000"][0]
assert r1 == ["1000", "sched.reads", "-", "1", "-", "-"], r1
assert r2[:4] == ["1000", "sched.reads", "-", "2"] and r2[5] == "-", r2
assert 1 <= float(r2[4]) <= 101, r2
assert t[0].startswith("aggmon top: 5 gauges, sorted by name, every 10ms\n")'

cat >"$tmp/value" <<'EOF'
aggmon top: 4 gauges, sorted by value, every 1s
ID  NAME                 ITEM       VALUE  RATE/s  UNIT
 1  net.e100.tx_packets  eth0       12345       -  packets
 5  mm.free_pages        -           4096       -  pages
 2  net.e100.tx_packets  eth1           0       -  packets
 7  user.test.temp       probe:1  -273150       -  m"C\
EOF
run "$fake" top count 1 sort value filter net. filter mm. filter user.
same "$tmp/value" "top sort value: largest first"

run "$fake" top batch count 2 interval 10ms sort rate
pycheck "top sort rate: no rates by name first, then the largest rate first, ties by name" '
t = out.decode().split("\n\n")
ids = [[l.split()[0] for l in x.splitlines()[2:]] for x in t]
assert ids == [["5", "1", "2", "1000", "7"], ["1000", "5", "1", "2", "7"]], ids'

cat >"$tmp/filter" <<'EOF'
aggmon top: 2 gauges, sorted by name, every 1s
ID  NAME                 ITEM       VALUE  RATE/s  UNIT
 2  net.e100.tx_packets  eth1           0       -  packets
 7  user.test.temp       probe:1  -273150       -  m"C\
EOF
run "$fake" top count 1 filter net.e100.tx_packets:eth1 filter user.test.temp:pro
same "$tmp/filter" "top filter NAME:ITEM_PREFIX, two filters"
cat >"$tmp/none" <<'EOF'
aggmon top: 0 gauges, sorted by name, every 1s
ID  NAME  ITEM  VALUE  RATE/s  UNIT
EOF
run "$fake" top count 1 filter nothing.
same "$tmp/none" "top filter that matches nothing: an empty table"
run "$fake" top count 1 filter net.e100.tx_packets:eth
pycheck "top filter net.e100.tx_packets:eth keeps both items" '
assert out.decode().splitlines()[0] == "aggmon top: 2 gauges, sorted by name, every 1s"'

run env AGGMON_FAKE_GAUGES=3000 "$fake" top count 1 filter fake.gen sort value
pycheck "top over 3000 gauges (3 batches), sorted by value" '
rows = out.decode().splitlines()[2:]
assert len(rows) == 3000
assert [r.split()[3] for r in rows[:2]] == ["2999", "2998"], rows[:2]
assert rows[-1].split()[:4] == ["2000", "fake.gen", "g0", "0"], rows[-1]'

run "$fake" -j top count 2 interval 10ms
pycheck "top -j: one JSON document a refresh, rates null then numbers" '
assert len(docs) == 2
for d in docs:
	assert sorted(d) == ["gauges", "interval_ns", "sort", "time"], sorted(d)
	assert d["interval_ns"] == 10000000 and d["sort"] == "name"
	assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z", d["time"])
g0, g1 = ({g["id"]: g for g in d["gauges"]} for d in docs)
assert g0[7] == {"id": 7, "name": "user.test.temp", "item": "probe:1",
		 "unit": "m\"C\\", "kind": "user", "value": -273150, "rate": None}
assert all(g["rate"] is None for g in g0.values())
assert [g["rate"] for i, g in sorted(g1.items()) if i != 1000] == [0, 0, 0, 0]
assert g1[1000]["value"] == 2 and 1 <= g1[1000]["rate"] <= 101
assert [g["id"] for g in docs[0]["gauges"]] == [5, 1, 2, 1000, 7]
t0 = time.mktime(time.strptime(docs[0]["time"][:19], "%Y-%m-%dT%H:%M:%S"))
assert abs(t0 - time.timezone - time.time()) < 120'
run "$fake" top count 1 --pretty filter mm.
pycheck "top --pretty: an indented document" '
assert out.startswith(b"{\n")
d = json.loads(out)
assert d["gauges"][0]["name"] == "mm.free_pages" and d["sort"] == "name"'

# SIGINT stops a refreshing top, status 0, after a whole table.
"$fake" top batch interval 10ms filter mm. >"$tmp/out" 2>"$tmp/err" &
pid=$!
sleep 0.3
kill -INT "$pid"
wait "$pid"
rc=$?
pycheck "top without count stops at SIGINT, status 0, whole tables" '
t = out.decode().split("\n\n")
assert len(t) >= 2
assert all(len(x.rstrip("\n").splitlines()) == 3 for x in t), t'

# The terminal mode, in a pseudo-terminal of script(1).
if command -v script >/dev/null && command -v timeout >/dev/null; then
	run timeout 10 script -qec "'$fake' top count 2 interval 10ms filter mm.; stty -a" \
		/dev/null </dev/null
	pycheck "top on a terminal: home and clear, cursor hidden then shown, terminal restored" '
assert out.startswith(b"\033[?25l\033[H\033[2J\033[H"), out[:40]
assert out.count(b"\033[H") == 3 and b"\033[J" in out
assert b"\033[?25h" in out
assert b"aggmon top: 1 gauge, sorted by name, every 10ms\033[K" in out
s = out.split(b"\033[?25h")[1]
assert b" icanon" in s and b" echo " in s, s'
	start=$(date +%s)
	run timeout 10 script -qec "'$fake' top interval 10ms; echo" /dev/null \
		< <(sleep 0.5; printf q; sleep 8)
	pycheck "top on a terminal stops at the key q" '
assert b"sorted by name" in out
assert '"$(($(date +%s) - start))"' < 5, "did not stop at q"'
else
	for d in "top on a terminal" "top stops at q"; do
		n=$((n + 1))
		echo "ok $n - $d # SKIP no script(1) or timeout(1)"
	done
fi

### aggmon monitor: the command line

nosys="this kernel has no aggmon system call (CONFIG_AGGMON=n?)"
conf=$tmp/mon.conf

expect 0 "" "monitor help exits 0" "$fake" monitor help
expect 0 "" "monitor -c FILE --help exits 0" "$fake" monitor -c x --help
grep -q 'watch GAUGE \[STAT\] THRESHOLD' "$tmp/out" &&
	report pass "monitor help shows the file's grammar" ||
	report fail "monitor help shows the file's grammar"
expect 2 "monitor needs a config FILE" "monitor alone exits 2" "$fake" monitor
expect 2 "monitor needs a config FILE" "monitor -c without FILE exits 2" \
	"$fake" monitor -c
expect 2 "unknown monitor command 'bogus'" "monitor bogus exits 2" \
	"$fake" monitor bogus
expect 2 "unknown argument 'bogus'" "monitor -c FILE bogus exits 2" \
	"$fake" monitor -c "$conf" bogus
expect 2 "invalid count '0': expected a positive number" \
	"monitor count 0 exits 2" "$fake" monitor -c "$conf" count 0
expect 2 "invalid duration 'soon': expected a DURATION such as 10ms, 1s or 500us" \
	"monitor duration soon exits 2" "$fake" monitor -c "$conf" duration soon
expect 2 "invalid duration '30': $nounit" \
	"monitor duration 30 (no unit) exits 2" "$fake" monitor -c "$conf" duration 30
expect 2 "duration given twice" "monitor duration twice exits 2" \
	"$fake" monitor -c "$conf" duration 1s duration 2s
expect 1 "cannot open $tmp/none.conf: No such file or directory" \
	"monitor of a missing file exits 1" "$fake" monitor -c "$tmp/none.conf"

### aggmon monitor: errors in the file, with their line

# bad LINE MESSAGE: a file of two comment lines, a blank one and LINE is
# refused with "FILE:4: MESSAGE", status 2.
bad() {
	printf '# monitors\n   # indented comment\n\n%s\n' "$1" >"$conf"
	expect 2 "$conf:4: $2" "monitor file error: $2" \
		"$fake" monitor -c "$conf"
}

bad "watch 5 hwm abve 100" "unknown threshold kind 'abve'"
bad "wach 5 hwm above 100" \
	"unknown directive 'wach': expected watch, metrics, log, member, state or snapshot"
bad "watch" "watch needs a GAUGE first"
bad "watch hwm above 100" "watch needs a GAUGE first"
bad "watch 5" "watch needs a threshold: above, below, above-cancel or below-cancel"
bad "watch 5 hwm # no threshold" \
	"watch needs a threshold: above, below, above-cancel or below-cancel"
bad "watch 5 hmw above 1" "unknown statistic or threshold kind 'hmw'"
bad "watch 5 rate above 1" "rate needs period DURATION"
bad "watch 5 rate period 1x above 1" \
	"invalid period '1x': expected a DURATION from 1ms to 24h, such as 500ms"
bad "watch 5 rate period 10us above 1" \
	"invalid period '10us': expected a DURATION from 1ms to 24h, such as 500ms"
bad "watch 5 rate period 1000 above 1" "invalid period '1000': $nounit"
bad "watch 5 rate period 25h above 1" \
	"invalid period '25h': expected a DURATION from 1ms to 24h, such as 500ms"
bad "watch 5 rate period" "period needs a DURATION"
bad "watch 5 rate period 1s period 2s above 1" "period given twice"
bad "watch 5 hwm period 1s above 1" "period applies to rate and bucket only"
bad "watch 5 rate period 1s drain 3 above 1" "drain applies to bucket only"
bad "watch 5 bucket period 1s above 1" "bucket needs drain N"
bad "watch 5 bucket period 1s drain 0 above 1" "drain must be above 0, not 0"
bad "watch 5 above" "above needs a VALUE"
bad "watch 5 above 1k" "invalid value '1k' of above: expected an integer"
bad "watch 5 above 99999999999999999999" \
	"invalid value '99999999999999999999' of above: expected an integer"
bad "watch 5 above-cancel 500 cancel 600" \
	"cancel 600 of above-cancel 500 must be at most 500"
bad "watch 5 below 500 cancel 400" "cancel 400 of below 500 must be at least 500"
bad "watch 5 above 500 cancel 400 cancel 300" "cancel given twice"
bad "watch 5 above 500 hysteresis" "hysteresis needs cancel VALUE"
bad "watch 5 above 500 queue 0" "invalid queue '0': expected 1 to 4096"
bad "watch 5 above 500 queue 4097" "invalid queue '4097': expected 1 to 4096"
bad "watch 5 above 500 queue 8 queue 9" "queue given twice"
bad "watch 5 above 500 bogus" "unknown threshold option 'bogus'"
bad "watch 5 rate above 1 period 1s" "rate needs period DURATION"
bad "watch 5 hwm above 1 period 1s" "period must come before the thresholds"

printf '# nothing\n\n' >"$conf"
expect 2 "$conf: no monitors: expected lines such as 'watch GAUGE hwm above 100'" \
	"monitor of a file without monitors exits 2" "$fake" monitor -c "$conf"
printf 'watch 5 hwm above 1\nwatch nope.gauge above 1\n' >"$conf"
expect 1 "$conf:2: no such gauge: nope.gauge (see 'aggmon gauge list')" \
	"monitor of an unknown gauge exits 1, with its line" \
	"$fake" monitor -c "$conf"
printf 'watch net.e100.tx_packets:eth7 above 1\n' >"$conf"
expect 1 "$conf:1: no such gauge: net.e100.tx_packets:eth7 (see 'aggmon gauge list')" \
	"monitor of an unknown item exits 1" "$fake" monitor -c "$conf"

### aggmon monitor: a valid file

cat >"$conf" <<'EOF'
# The per-host monitors.
watch net.e100.tx_packets:eth0 rate period 1s above-cancel 1000 cancel 500
watch user.demo.queue hwm above 100
EOF
expect 1 "$conf:3: no such gauge: user.demo.queue (see 'aggmon gauge list')" \
	"monitor: the example file, user.demo.queue is not in the fake" \
	"$fake" monitor -c "$conf"

cat >"$conf" <<'EOF'
# The per-host monitors.
watch net.e100.tx_packets:eth0 rate period 1s above-cancel 1000 cancel 500
	watch mm.free_pages hwm above 100 hysteresis cancel 50 queue 8 # pages
watch 7	low-watermark below -300000 below-cancel -280000 cancel -270000
watch net.e100.tx_packets:eth1 leaky-bucket period 1min drain 5 above 10
watch sched.reads above 0x10
EOF
expect 1 "$nosys" "monitor: a valid file reaches the statistics: ENOSYS, exit 1" \
	"$fake" monitor -c "$conf"
cat >"$tmp/check" <<EOF
$conf:2: watch net.e100.tx_packets:eth0 (id 1) rate period 1s above-cancel 1000 cancel 500
$conf:3: watch mm.free_pages (id 5) hwm above 100 cancel 50 queue 8
$conf:4: watch user.test.temp:probe:1 (id 7) lwm below -300000 below-cancel -280000 cancel -270000
$conf:5: watch net.e100.tx_packets:eth1 (id 2) bucket period 1min drain 5 above 10
$conf:6: watch sched.reads (id 1000) absolute above 16
EOF
run "$fake" monitor config "$conf" check
same "$tmp/check" "monitor config FILE check: every monitor as it would be created"
run "$fake" -j monitor -c "$conf" check
pycheck "monitor -j ... check: the monitors as JSON" '
m = json.loads(out)
assert [x["line"] for x in m] == [2, 3, 4, 5, 6]
assert m[0] == {"line": 2, "gauge": "net.e100.tx_packets:eth0", "gauge_id": 1,
		"stat": "rate", "period_ns": 10**9, "drain": 0, "thresholds":
		[{"kind": "above-cancel", "value": 1000, "cancel": 500, "queue": 64}]}
assert [t["kind"] for t in m[2]["thresholds"]] == ["below", "below-cancel"]
assert m[3]["period_ns"] == 60 * 10**9 and m[3]["drain"] == 5'

### aggmon monitor: the event log, over the fake's statistics

printf 'watch mm.free_pages hwm above-cancel 5000 cancel 4000\n' >"$conf"
export AGGMON_FAKE_STATS=1
cat >"$tmp/log" <<'EOF'
fired mm.free_pages hwm above-cancel 5000 cancel 4000 value 6000 seq 1
cancelled mm.free_pages hwm above-cancel 5000 cancel 4000 value 3000 seq 2
fired mm.free_pages hwm above-cancel 5000 cancel 4000 value 7000 seq 3 timer
EOF
AGGMON_FAKE_SCRIPT=6000,4500,3000,t7000 AGGMON_FAKE_OPEN=1 \
	run "$fake" monitor -c "$conf" count 3
cut -d ' ' -f 2- "$tmp/out" >"$tmp/events"
iso='^[0-9]\{4\}-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]\.[0-9]\{9\}Z '
if [ "$rc" -eq 0 ] && cmp -s "$tmp/log" "$tmp/events" &&
   ! grep -qv "$iso" "$tmp/out"; then
	report pass "monitor count 3: three events, one line each, ISO 8601 times"
else
	diff -u "$tmp/log" "$tmp/events" | sed 's/^/# /'
	report fail "monitor count 3: three events, one line each, ISO 8601 times"
fi

AGGMON_FAKE_SCRIPT=6000,4500,3000,t7000 AGGMON_FAKE_OPEN=1 \
	run "$fake" -j monitor -c "$conf" count 2
pycheck "monitor -j: JSON Lines with time, member, seq, ids, value, flags" '
assert len(docs) == 2
d = docs[0]
assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z", d["time"])
t0 = time.mktime(time.strptime(d["time"][:19], "%Y-%m-%dT%H:%M:%S"))
assert abs(t0 - time.timezone - time.time()) < 120
assert d["member"] and d["seq"] == 1 and docs[1]["seq"] == 2
assert d["type"] == "fired" and docs[1]["type"] == "cancelled"
assert (d["gauge"], d["gauge_id"], d["stat"], d["threshold"],
	d["threshold_value"], d["value"], d["event_seq"], d["lost"],
	d["initial"], d["timer"], d["line"]) == ("mm.free_pages", 5, "hwm",
	"above-cancel", 5000, 6000, 1, 0, False, False, 1)
assert d["stat_id"] and d["threshold_id"] and d["stat_id"] != d["threshold_id"]
assert docs[1]["time"] > d["time"]'

printf 'watch mm.free_pages above 100 queue 1\n' >"$conf"
cat >"$tmp/log" <<'EOF'
fired mm.free_pages absolute above 100 value 4096 seq 1 initial
lost mm.free_pages absolute above 100 seq 3 lost 2
gone mm.free_pages absolute above 100 seq 4
EOF
AGGMON_FAKE_SCRIPT=0,200,0,300 AGGMON_FAKE_GONE=5 \
	run "$fake" monitor -c "$conf"
cut -d ' ' -f 2- "$tmp/out" >"$tmp/events"
desc="monitor: lost events logged and summed up, gone gauge, exit 1 when all are gone"
if [ "$rc" -eq 1 ] && cmp -s "$tmp/log" "$tmp/events" &&
   [ "$(cat "$tmp/err")" = "aggmon: every monitored gauge is gone
aggmon: 2 events were lost: the queues were full (see queue N)" ]; then
	report pass "$desc"
else
	diff -u "$tmp/log" "$tmp/events" | sed 's/^/# /'
	report fail "$desc"
fi

start=$(date +%s%N)
AGGMON_FAKE_OPEN=1 run "$fake" monitor -c "$conf" duration 300ms
ms=$((($(date +%s%N) - start) / 1000000))
if [ "$rc" -eq 0 ] && [ "$ms" -ge 300 ] && [ "$ms" -lt 3000 ] &&
   [ "$(wc -l <"$tmp/out")" -eq 1 ]; then
	report pass "monitor duration 300ms: stops after 300 ms, status 0 ($ms ms)"
else
	report fail "monitor duration 300ms: stops after 300 ms, status 0 ($ms ms, status $rc)"
fi

AGGMON_FAKE_OPEN=1 "$fake" monitor -c "$conf" >"$tmp/out" 2>"$tmp/err" &
pid=$!
sleep 0.3
kill -TERM "$pid"
wait "$pid"
rc=$?
if [ "$rc" -eq 0 ] && [ "$(wc -l <"$tmp/out")" -eq 1 ] && [ ! -s "$tmp/err" ]; then
	report pass "monitor stops at SIGTERM, status 0"
else
	report fail "monitor stops at SIGTERM, status 0 (status $rc)"
fi

printf 'watch mm.free_pages above 100\n' >"$conf"
expect 1 "$conf:1: cannot create the statistic absolute on mm.free_pages: Too many open files" \
	"monitor: a statistic that cannot be created, with its line" \
	env AGGMON_FAKE_STAT_ERRNO=24 "$fake" monitor -c "$conf"
expect 1 "$conf:1: cannot create the threshold above 100 on mm.free_pages: Invalid argument" \
	"monitor: a threshold that cannot be created, with its line" \
	env AGGMON_FAKE_THRESHOLD_ERRNO=22 "$fake" monitor -c "$conf"
expect 1 "$conf:1: gauge mm.free_pages was removed" \
	"monitor: a gauge removed before its threshold is created" \
	env AGGMON_FAKE_GONE=5 AGGMON_FAKE_GONE_EARLY=1 "$fake" monitor -c "$conf"
unset AGGMON_FAKE_STATS

echo "1..$n"
[ "$failed" -eq 0 ]

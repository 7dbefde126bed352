#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Host tests of 'aggmon stat', 'aggmon watch' and 'aggmon threshold' that
# need no aggmon kernel: the command line (usage errors, exact messages,
# exit 2), durations, help, and statistics and event streams over the fake
# kernel's statistics and thresholds (tests/fake_stats.c).
# Prints TAP; exits 1 if a test fails.
#
# Usage: tests/test_watch.sh [BUILD_DIR]	(default: the folder above tests/)

set -u
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/..}
aggmon=$build/aggmon
fake=$build/tests/aggmon-fake
# TAP counters, $tmp, report and run.
. "$here/tap.sh"

# check DESCRIPTION CONDITION...: passes if the shell condition holds.
check() {
	local desc=$1

	shift
	if "$@"; then
		report pass "$desc"
	else
		report fail "$desc"
	fi
}

# expect STATUS STDERR DESCRIPTION CMD...: the status; for a failure, the
# exact stderr "aggmon: STDERR" (and the usage hint for status 2) and no
# stdout; for a success, STDERR (if not empty) is a line of stdout.
expect() {
	local status=$1 text=$2 desc=$3 hint

	shift 3
	run "$@"
	if [ "$status" -eq 0 ]; then
		if [ "$rc" -eq 0 ] && { [ -z "$text" ] ||
		   grep -qxF -- "$text" "$tmp/out"; }; then
			report pass "$desc"
		else
			report fail "$desc (status $rc, expected 0)"
		fi
		return
	fi
	printf 'aggmon: %s\n' "$text" >"$tmp/want"
	if [ "$status" -eq 2 ]; then
		hint=$(sed -n 's/^Try .aggmon \([a-z]*\) help.*/\1/p' "$tmp/err")
		printf "Try 'aggmon %s help' for more information.\n" \
			"${hint:-?}" >>"$tmp/want"
	fi
	if [ "$rc" -eq "$status" ] && [ ! -s "$tmp/out" ] &&
	   cmp -s "$tmp/want" "$tmp/err"; then
		report pass "$desc"
	else
		diff -u "$tmp/want" "$tmp/err" | sed 's/^/# /'
		report fail "$desc (status $rc, expected $status)"
	fi
}

# usage OBJECT MESSAGE CMD_ARGS...: aggmon CMD_ARGS exits 2 with exactly
# MESSAGE and "Try 'aggmon OBJECT help'".
usage() {
	local object=$1 text=$2

	shift 2
	run "$aggmon" "$@"
	printf "aggmon: %s\nTry 'aggmon %s help' for more information.\n" \
		"$text" "$object" >"$tmp/want"
	if [ "$rc" -eq 2 ] && [ ! -s "$tmp/out" ] &&
	   cmp -s "$tmp/want" "$tmp/err"; then
		report pass "usage: aggmon $* -> $text"
	else
		diff -u "$tmp/want" "$tmp/err" | sed 's/^/# /'
		report fail "usage: aggmon $* (status $rc, expected 2)"
	fi
}

# same FILE DESCRIPTION: $tmp/out, its first column (the time) taken off,
# is exactly FILE, and every time is SECONDS.MICROSECONDS.
same() {
	if [ "$rc" -eq 0 ] &&
	   ! grep -v -E '^(-?[0-9]+\.[0-9]{6} |[0-9]+ events, )' "$tmp/out" |
	   grep -q . &&
	   sed -E 's/^-?[0-9]+\.[0-9]{6} //' "$tmp/out" | cmp -s "$1" -; then
		report pass "$2"
	else
		sed -E 's/^-?[0-9]+\.[0-9]{6} //' "$tmp/out" |
			diff -u "$1" - | sed 's/^/# /'
		report fail "$2"
	fi
}

# pycheck DESCRIPTION PYTHON: PYTHON runs with docs, the JSON documents of
# $tmp/out (a stream), and lines, its lines; it passes if it raises nothing.
pycheck() {
	if [ "$rc" -eq 0 ] && python3 -c '
import json, sys
text = open(sys.argv[1]).read()
lines = text.split("\n")
assert lines.pop() == ""
dec, docs, pos = json.JSONDecoder(), [], 0
while pos < len(text):
	while pos < len(text) and text[pos].isspace():
		pos += 1
	if pos < len(text):
		doc, pos = dec.raw_decode(text, pos)
		docs.append(doc)
exec(sys.argv[2])
' "$tmp/out" "$2" 2>"$tmp/pyerr"; then
		report pass "$1"
	else
		tail -n 3 "$tmp/pyerr" | sed 's/^/# /'
		report fail "$1"
	fi
}

### Help

expect 0 "" "aggmon stat help exits 0" "$aggmon" stat help
check "stat help shows the grammar" \
	grep -q 'aggmon stat read GAUGE KIND \[period DURATION\] \[drain N\]' "$tmp/out"
expect 0 "" "aggmon stat --help exits 0" "$aggmon" stat --help
expect 0 "" "aggmon stat read 1 rate -h exits 0" "$aggmon" stat read 1 rate -h
check "stat read -h prints the stat help" grep -q '^Usage: aggmon \[OPTIONS\] stat' "$tmp/out"
expect 0 "" "aggmon watch help exits 0" "$aggmon" watch help
check "watch help shows the grammar" \
	grep -q 'watch WATCH \[-- WATCH\]... \[count N\] \[duration DURATION\]' "$tmp/out"
check "watch help shows the THRESHOLD syntax" \
	grep -q 'THRESHOLD := { above | below | above-cancel | below-cancel } VALUE' "$tmp/out"
expect 0 "" "aggmon watch --help exits 0" "$aggmon" watch --help
expect 0 "" "aggmon watch 1 absolute above 1 --help exits 0 without watching" \
	"$aggmon" watch 1 absolute above 1 --help
check "watch ... --help prints the watch help" grep -q '^Usage: aggmon \[OPTIONS\] watch' "$tmp/out"
expect 0 "" "aggmon threshold help exits 0" "$aggmon" threshold help
check "threshold help explains cancel and hysteresis" \
	grep -q '^cancel VALUE  *hysteresis' "$tmp/out"
check "threshold help says it is an alias of watch" \
	grep -q "is 'aggmon watch GAUGE KIND ...'" "$tmp/out"
expect 0 "" "aggmon threshold -h exits 0" "$aggmon" threshold -h
expect 0 "" "aggmon help exits 0" "$aggmon" help
check "aggmon help lists stat, watch and threshold" \
	grep -qE 'OBJECT  := \{.*stat \| watch \| threshold' "$tmp/out"

### Usage errors: exact messages, exit 2, before any system call

kinds="expected absolute, hwm, lwm, rate or bucket"
thr="above, below, above-cancel or below-cancel"
dur="expected a DURATION such as 10ms, 1s or 500us"
range="expected a DURATION from 1ms to 24h, such as 500ms"
nounit="give a unit, e.g. 500ms, 2s (ns, us, ms, s, min, h)"
usage stat "missing GAUGE" stat read
usage stat "missing GAUGE" stat
usage stat "missing KIND after GAUGE '1' (absolute, hwm, lwm, rate or bucket)" stat read 1
usage stat "unknown statistic KIND 'avg': $kinds" stat read 1 avg
usage stat "unknown stat command 'bogus'" stat bogus
usage stat "rate needs period DURATION" stat read 1 rate
usage stat "period applies to rate and bucket only" stat read 1 absolute period 1s
usage stat "bucket needs drain N" stat read x:eth0 bucket period 1s
usage stat "drain applies to bucket only" stat read 1 hwm drain 5
usage stat "drain must be above 0, not 0" stat read 1 bucket period 1s drain 0
usage stat "drain must be above 0, not -3" stat read 1 bucket period 1s drain -3
usage stat "period given twice" stat read 1 rate period 1s period 2s
usage stat "period needs a DURATION" stat read 1 rate period
usage stat "invalid count '0': expected a positive number" stat read 1 absolute count 0
usage stat "invalid interval '0s': $range" stat read 1 absolute interval 0s
usage stat "invalid interval '0': $nounit" stat read 1 absolute interval 0
usage stat "invalid interval '1000': $nounit" stat read 1 absolute --interval 1000
usage stat "interval needs a DURATION" stat read 1 absolute --interval
usage stat "count given twice" stat read 1 absolute count 1 --count 2
usage stat "unknown keyword 'bogus' in 'stat read'" stat read 1 absolute bogus

# Durations: units, bounds, garbage; a plain number has no unit: refused.
for bad in 500us 999999ns 25h 0ms 10xs 1.5s ms -1s "" 10m \
	   99999999999999999999 18446744073709551615s; do
	usage stat "invalid period '$bad': $range" stat read 1 rate period "$bad"
done
for bad in 0 1 1000 1000000 86400000000000; do
	usage stat "invalid period '$bad': $nounit" stat read 1 rate period "$bad"
done

# WATCH has the words of a line of the monitor file, and its messages.
usage watch "watch needs a GAUGE first" watch
usage watch "watch needs a threshold: $thr" watch 1
usage watch "unknown statistic or threshold kind 'hmw'" watch 1 hmw above 5
usage watch "watch needs a threshold: $thr" watch 1 absolute
usage watch "watch needs a threshold: $thr" watch 1 absolute count 3
usage watch "above needs a VALUE" watch 1 absolute above
usage watch "invalid value 'x' of above: expected an integer" watch 1 absolute above x
usage watch "invalid value '9223372036854775808' of below: expected an integer" \
	watch 1 absolute below 9223372036854775808
usage watch "unknown threshold option 'bogus'" watch 1 absolute above 1 bogus
usage watch "unknown threshold kind 'cancel'" watch 1 absolute cancel 5 above 6
usage watch "unknown threshold kind 'queue'" \
	watch 1 absolute above 1 -- 5 absolute queue 3 below 1
usage watch "cancel 20 of above 10 must be at most 10" watch 1 absolute above 10 cancel 20
usage watch "cancel 5 of below-cancel 10 must be at least 10" \
	watch 1 absolute below-cancel 10 cancel 5
usage watch "cancel given twice" watch 1 absolute above 10 cancel 5 cancel 6
usage watch "hysteresis needs cancel VALUE" \
	watch 1 absolute above-cancel -5 hysteresis
usage watch "invalid queue '0': expected 1 to 4096" watch 1 absolute above 1 queue 0
usage watch "invalid queue '4097': expected 1 to 4096" watch 1 absolute above 1 queue 4097
usage watch "invalid count '0': expected a positive number" watch 1 absolute above 1 count 0
usage watch "count given twice" watch 1 absolute above 1 count 1 -- 5 absolute below 1 --count 2
usage watch "invalid duration '1x': $dur" watch 1 absolute above 1 duration 1x
usage watch "invalid duration '0s': $dur" watch 1 absolute above 1 duration 0s
usage watch "invalid duration '1': $nounit" watch 1 absolute above 1 duration 1
usage watch "invalid duration '5': $nounit" watch 1 absolute above 1 --duration 5
usage watch "duration needs a DURATION" watch 1 absolute above 1 --duration
usage watch "missing WATCH after '--'" watch 1 absolute above 1 --
usage watch "watch needs a GAUGE first" watch -- 1 absolute above 1
usage watch "watch needs a threshold: $thr" watch 1 absolute above 1 -- 5
usage watch "watch needs a threshold: $thr" \
	watch 1 absolute above 1 -- 5 absolute -- 7 absolute above 1
usage watch "bucket needs period DURATION" \
	watch 1 absolute above 1 -- 5 bucket drain 1 above 1
usage threshold "missing GAUGE" threshold
usage watch "watch needs a threshold: $thr" threshold 1 absolute

### Without the system call

nosys="this kernel has no aggmon system call (CONFIG_AGGMON=n?)"
run "$aggmon" stat read 1 absolute
if [ "$rc" -eq 0 ]; then
	n=$((n + 1))
	echo "ok $n - stat read without aggmon # SKIP this kernel has aggmon"
else
	expect 1 "$nosys" "stat read exits 1 without the system call" "$aggmon" stat read 1 absolute
fi
expect 1 "$nosys" "fake without statistics: watch says ENOSYS" "$fake" watch 1 absolute above 1

### stat read over the fake kernel

export AGGMON_FAKE_STATS=1

run "$fake" stat read net.e100.tx_packets:eth0 absolute
echo "net.e100.tx_packets:eth0 absolute value=12345 level=12345" >"$tmp/want"
same "$tmp/want" "fake: stat read NAME:ITEM absolute prints one sample"
run "$fake" stat read 5 lwm --count 3 --interval 1ms
printf 'mm.free_pages lwm value=4096 level=4096\n%.0s' 1 2 3 >"$tmp/want"
same "$tmp/want" "fake: stat read --count 3 --interval 1ms prints 3 samples"
run "$fake" stat read 1 rate period 20ms
echo "net.e100.tx_packets:eth0 rate value=0 level=12345" >"$tmp/want"
same "$tmp/want" "fake: stat read rate prints one sample"
check "fake: a rate is first read one period after the start" \
	awk '{ exit !($1 >= 0.020) }' "$tmp/out"
run "$fake" -j stat read 1 bucket period 2ms drain 7 count 2
pycheck "fake: -j stat read: one JSON object per sample and line" '
assert len(lines) == 2 and len(docs) == 2
for d in docs:
	assert set(d) == {"time", "gauge_id", "gauge", "item", "stat_id", "stat",
			  "period_ns", "drain", "value", "level"}, d
	assert (d["gauge_id"], d["gauge"], d["item"], d["stat"], d["period_ns"],
		d["drain"], d["value"], d["level"]) == \
	       (1, "net.e100.tx_packets", "eth0", "bucket", 2000000, 7, 0, 12345), d
assert 0.002 <= docs[0]["time"] < docs[1]["time"]
assert docs[0]["stat_id"] == docs[1]["stat_id"] > 0
'
run "$fake" -p stat read 1 hwm
pycheck "fake: -p stat read is indented JSON" '
assert len(docs) == 1 and len(lines) > 5 and docs[0]["value"] == 12345'

expect 1 "no such gauge: 99 (see 'aggmon gauge list')" \
	"fake: stat read of an unknown gauge exits 1" "$fake" stat read 99 absolute
expect 1 "gauge 1 was removed" "fake: ENODEV says the gauge was removed" \
	env AGGMON_FAKE_GONE=1 "$fake" stat read 1 absolute
expect 1 "too many statistics for this user: see kernel.aggmon_max_user_stats (or ulimit -n)" \
	"fake: EMFILE names kernel.aggmon_max_user_stats" \
	env AGGMON_FAKE_STAT_ERRNO=24 "$fake" stat read 1 absolute
expect 1 "permission denied: aggmon needs CAP_PERFMON or kernel.aggmon_paranoid <= 1" \
	"fake: EACCES says what permission is missing" \
	env AGGMON_FAKE_STAT_ERRNO=13 "$fake" stat read 1 absolute
cap_msg() {
	printf 'gauge %s holds its cap of 256 statistics and thresholds' "$1"
	printf ' for callers without CAP_PERFMON who do not own it'
}
expect 1 "$(cap_msg 1)" \
	"fake: ENOSPC names the per-gauge cap" \
	env AGGMON_FAKE_STAT_ERRNO=28 "$fake" stat read 1 absolute
expect 1 "a period under 10 ms needs CAP_PERFMON (gauge 1)" \
	"fake: EPERM says what the period needs" \
	env AGGMON_FAKE_STAT_ERRNO=1 "$fake" stat read 1 rate period 5ms
expect 1 "cannot create a statistic for gauge 1: Invalid argument" \
	"fake: other errors say what failed" \
	env AGGMON_FAKE_STAT_ERRNO=22 "$fake" stat read 1 absolute

### Durations, as the statistic's period_ns

for pair in 1000000ns:1000000 1500us:1500000 10ms:10000000 \
	    2s:2000000000 1min:60000000000 24h:86400000000000; do
	run "$fake" -j watch 5 rate period "${pair%%:*}" above -1
	pycheck "fake: period ${pair%%:*} is ${pair#*:} ns" "
assert docs[0]['period_ns'] == ${pair#*:}, docs[0]"
done

### watch over the fake kernel: event streams

# Gauge 1 is 12345, gauge 5 is 4096; the script moves every statistic.
export AGGMON_FAKE_SCRIPT=5000,100,t20000,12344,t1
run "$fake" watch 1 absolute above 12345 cancel 1000 hysteresis \
	-- mm.free_pages absolute below-cancel 200 above-cancel 20000 queue 1
cat >"$tmp/want" <<'EOF'
net.e100.tx_packets:eth0 absolute above 12345 fired value=12345 seq=1 flags=INITIAL lost=0
net.e100.tx_packets:eth0 absolute above 12345 fired value=20000 seq=2 flags=TIMER lost=0
mm.free_pages absolute below-cancel 200 fired value=100 seq=1 flags=- lost=0
mm.free_pages absolute below-cancel 200 cancelled value=20000 seq=2 flags=TIMER lost=0
mm.free_pages absolute below-cancel 200 fired value=1 seq=3 flags=TIMER lost=0
mm.free_pages absolute above-cancel 20000 fired value=20000 seq=1 flags=TIMER lost=0
mm.free_pages absolute above-cancel 20000 lost value=0 seq=2 flags=- lost=1
7 events, 1 lost
EOF
same "$tmp/want" "fake: watch prints each event and the summary, exactly"
check "fake: event times are relative to the start" \
	awk 'NR == 2 { exit !($1 >= 0.003 && $1 < 1) }' "$tmp/out"

run "$fake" -j watch 1 absolute above 12345 cancel 1000 \
	-- mm.free_pages absolute below-cancel 200 above-cancel 20000 queue 1
pycheck "fake: -j watch prints JSON Lines: the events, then the summary" '
assert len(lines) == len(docs) == 8
keys = {"time", "time_ns", "gauge_id", "gauge", "item", "stat_id", "stat",
	"period_ns", "drain", "threshold_id", "threshold", "threshold_value",
	"cancel", "type", "value", "seq", "flags", "lost"}
for d in docs[:7]:
	assert set(d) == keys, d
got = [(d["gauge_id"], d["item"], d["threshold"], d["threshold_value"],
	d["cancel"], d["type"], d["value"], d["seq"], d["flags"], d["lost"])
       for d in docs[:7]]
assert got == [
	(1, "eth0", "above", 12345, 1000, "fired", 12345, 1, ["INITIAL"], 0),
	(1, "eth0", "above", 12345, 1000, "fired", 20000, 2, ["TIMER"], 0),
	(5, "", "below-cancel", 200, None, "fired", 100, 1, [], 0),
	(5, "", "below-cancel", 200, None, "cancelled", 20000, 2, ["TIMER"], 0),
	(5, "", "below-cancel", 200, None, "fired", 1, 3, ["TIMER"], 0),
	(5, "", "above-cancel", 20000, None, "fired", 20000, 1, ["TIMER"], 0),
	(5, "", "above-cancel", 20000, None, "lost", 0, 2, [], 1)], got
assert docs[7] == {"type": "SUMMARY", "events": 7, "lost": 1}, docs[7]
assert abs(docs[1]["time"] - docs[0]["time"] -
	   (docs[1]["time_ns"] - docs[0]["time_ns"]) / 1e9) < 1e-9
assert docs[0]["stat_id"] != docs[2]["stat_id"]
assert len({d["threshold_id"] for d in docs[:7]}) == 3
'

run "$fake" -p watch 1 absolute above 12345
pycheck "fake: -p watch prints indented documents that parse" '
assert len(docs) == 3 and len(lines) > 20
assert [d["type"] for d in docs] == ["fired", "fired", "SUMMARY"]'

AGGMON_FAKE_SCRIPT=1,2,1,2,1,2,1,2 \
	run "$fake" threshold 5 hwm below-cancel 1 -- 1 rate period 1s above 0 count 2
cat >"$tmp/want" <<'EOF'
mm.free_pages hwm below-cancel 1 fired value=1 seq=1 flags=- lost=0
mm.free_pages hwm below-cancel 1 cancelled value=2 seq=2 flags=- lost=0
2 events, 0 lost
EOF
same "$tmp/want" "fake: threshold is watch; count 2 stops after two events"

AGGMON_FAKE_GONE=5 run "$fake" watch 5 absolute below 4096 -- 1 absolute below 1
cat >"$tmp/want" <<'EOF'
mm.free_pages absolute below 4096 fired value=4096 seq=1 flags=INITIAL lost=0
mm.free_pages absolute below 4096 fired value=100 seq=2 flags=- lost=0
mm.free_pages absolute below 4096 fired value=1 seq=3 flags=TIMER lost=0
mm.free_pages absolute below 4096 gone value=0 seq=4 flags=- lost=0
net.e100.tx_packets:eth0 absolute below 1 fired value=1 seq=1 flags=TIMER lost=0
5 events, 0 lost
EOF
same "$tmp/want" "fake: a removed gauge ends its thresholds with gone"

run "$fake" watch 1 absolute below 12345 queue 2 -- 1 absolute above 12346
cat >"$tmp/want" <<'EOF'
net.e100.tx_packets:eth0 absolute below 12345 fired value=12345 seq=1 flags=INITIAL lost=0
net.e100.tx_packets:eth0 absolute below 12345 fired value=12344 seq=2 flags=- lost=0
net.e100.tx_packets:eth0 absolute above 12346 fired value=20000 seq=1 flags=TIMER lost=0
3 events, 0 lost
EOF
same "$tmp/want" "fake: INITIAL only for a threshold already at its bound; re-armed past it"

AGGMON_FAKE_SCRIPT=$(seq -s, 1 2 81 | sed 's/\([0-9]*\),/\1,0,/g') \
	run "$fake" -j watch 5 absolute above-cancel 1 queue 5
pycheck "fake: a full queue loses events and says how many" '
assert [d["type"] for d in docs] == ["fired", "cancelled"] * 2 + ["fired", "lost", "SUMMARY"]
assert [d["seq"] for d in docs[:6]] == [1, 2, 3, 4, 5, 81]
assert docs[5]["lost"] == 76 and docs[5]["value"] == 0
assert docs[6] == {"type": "SUMMARY", "events": 6, "lost": 76}'

expect 1 "gauge 5 was removed" "fake: threshold on a removed gauge (ENODEV) exits 1" \
	env AGGMON_FAKE_GONE=5 AGGMON_FAKE_GONE_EARLY=1 "$fake" watch 5 absolute above 1
expect 1 "too many thresholds for this user: see kernel.aggmon_max_user_thresholds (or ulimit -n)" \
	"fake: EMFILE on a threshold names kernel.aggmon_max_user_thresholds" \
	env AGGMON_FAKE_THRESHOLD_ERRNO=24 "$fake" watch 5 absolute above 1
expect 1 "too many statistics for this user: see kernel.aggmon_max_user_stats (or ulimit -n)" \
	"fake: EMFILE on a statistic names kernel.aggmon_max_user_stats" \
	env AGGMON_FAKE_STAT_ERRNO=24 "$fake" watch 5 absolute above 1
expect 1 "$(cap_msg 5)" \
	"fake: ENOSPC on a threshold names the per-gauge cap" \
	env AGGMON_FAKE_THRESHOLD_ERRNO=28 "$fake" watch 5 absolute above 1
expect 1 "no such gauge: nope (see 'aggmon gauge list')" "fake: watch of an unknown gauge exits 1" \
	"$fake" watch 1 absolute above 1 -- nope absolute above 1

### Ends: duration, SIGINT, SIGTERM

unset AGGMON_FAKE_SCRIPT
export AGGMON_FAKE_OPEN=1
start=$(date +%s%N)
run "$fake" watch 1 absolute below 0 duration 300ms
end=$(date +%s%N)
echo "0 events, 0 lost" >"$tmp/want"
same "$tmp/want" "fake: duration 300ms ends the watch with the summary"
check "fake: duration 300ms lasts 300ms to 5s" \
	test $(((end - start) / 1000000)) -ge 300 -a $(((end - start) / 1000000)) -lt 5000

for sig in INT TERM; do
	"$fake" watch 1 absolute above 12345 >"$tmp/out" 2>"$tmp/err" &
	pid=$!
	sleep 0.3
	kill -"$sig" "$pid"
	wait "$pid"
	rc=$?
	fired="net.e100.tx_packets:eth0 absolute above 12345 fired value=12345 seq=1"
	printf '%s\n' "$fired flags=INITIAL lost=0" "1 events, 0 lost" >"$tmp/want"
	same "$tmp/want" "fake: SIG$sig stops the watch, exit 0, with the summary"
done
"$fake" stat read 1 absolute interval 10ms >"$tmp/out" 2>"$tmp/err" &
pid=$!
sleep 0.3
kill -INT "$pid"
wait "$pid"
rc=$?
check "fake: SIGINT stops stat read with exit 0" test "$rc" -eq 0 -a "$(wc -l <"$tmp/out")" -ge 5

echo "1..$n"
[ "$failed" -eq 0 ]

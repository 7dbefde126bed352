#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Host tests of 'aggmon agg' over the in-memory fake kernel
# (tests/aggmon-fake), whose canned kernel aggregations 101-108 are in
# tests/fake_aggs.c.  Prints TAP; exits 1 if a test fails.
#
# Usage: tests/test_agg.sh [BUILD_DIR]	(default: the folder above tests/)

set -u
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/..}
fake=$build/tests/aggmon-fake
# TAP counters, $tmp, report and run.
. "$here/tap.sh"

# expect STATUS STDERR DESCRIPTION CMD...: the status, and stderr exactly
# "aggmon: STDERR" (and the usage hint for status 2), nothing on stdout.
expect() {
	local status=$1 text=$2 desc=$3

	shift 3
	run "$@"
	{
		echo "aggmon: $text"
		if [ "$status" -eq 2 ]; then
			echo "Try 'aggmon agg help' for more information."
		fi
	} >"$tmp/experr"
	if [ "$rc" -eq "$status" ] && [ ! -s "$tmp/out" ] &&
	   cmp -s "$tmp/experr" "$tmp/err"; then
		report pass "$desc"
	else
		diff -u "$tmp/experr" "$tmp/err" | sed 's/^/# /'
		report fail "$desc (status $rc, expected $status)"
	fi
}

# same FILE DESCRIPTION: status 0, stdout exactly FILE, stderr empty
# unless $experr names the file it must be.
same() {
	local err=${experr:-/dev/null}

	if [ "$rc" -eq 0 ] && cmp -s "$1" "$tmp/out" &&
	   cmp -s "$err" "$tmp/err"; then
		report pass "$2"
	else
		diff -u "$1" "$tmp/out" | sed 's/^/# /'
		report fail "$2"
	fi
}

# json_same FILE DESCRIPTION: stdout parses to the same value as FILE.
json_same() {
	if [ "$rc" -eq 0 ] && python3 -c '
import json, sys
sys.exit(json.load(sys.stdin.buffer) != json.load(open(sys.argv[1], "rb")))
' "$1" <"$tmp/out" 2>"$tmp/pyerr"; then
		report pass "$2"
	else
		tail -n 1 "$tmp/pyerr" | sed 's/^/# /'
		report fail "$2"
	fi
}

# json_tool DESCRIPTION: stdout is one valid JSON document.
json_tool() {
	if [ "$rc" -eq 0 ] && python3 -m json.tool <"$tmp/out" >/dev/null 2>&1; then
		report pass "$1"
	else
		report fail "$1"
	fi
}

# json_lines COUNT EXPR DESCRIPTION: stdout is COUNT JSON documents, one
# a line, and the Python expression EXPR is true of each, as d.
json_lines() {
	if [ "$rc" -eq 0 ] && python3 -c '
import json, sys
lines = sys.stdin.buffer.read().split(b"\n")
assert lines.pop() == b"" and len(lines) == int(sys.argv[1])
for line in lines:
	d = json.loads(line)
	assert eval(sys.argv[2]), line
' "$1" "$2" <"$tmp/out" 2>"$tmp/pyerr"; then
		report pass "$3"
	else
		tail -n 1 "$tmp/pyerr" | sed 's/^/# /'
		report fail "$3"
	fi
}

# drawing: stdin, with the header and the rows of each distribution padded
# with blanks to 68 columns, as printa (like DTrace) prints them; the
# golden text of the distributions below carries no trailing blanks.
drawing() {
	awk '/ \|/ || /Distribution/ { $0 = sprintf("%-68s", $0) } 1'
}

### Help

for args in "agg help" "agg --help" "agg list --help" "agg run -h" "help"; do
	run "$fake" $args
	if [ "$rc" -eq 0 ] && grep -q 'agg' "$tmp/out" && [ ! -s "$tmp/err" ]; then
		report pass "aggmon $args exits 0 with the usage"
	else
		report fail "aggmon $args exits 0 with the usage"
	fi
done

### list

cat >"$tmp/list" <<'EOF'
 ID  NAME                   FUNCTION               SOURCE  KEYS      ENTRIES
101  aggmon.syscall_ns      quantize               kernel  arg          1024
102  fake.net.tx_bytes      sum                    kernel  comm,pid     1024
103  fake.sched.latency_us  lquantize(0,100,10)    kernel  cpu          1024
104  fake.io.size           llquantize(10,0,3,10)  kernel  -            1024
105  fake.rq.len            stddev                 kernel  -            1024
106  fake.rq.max            max                    kernel  cpu          1024
107  fake.gen.count         count                  kernel  arg          1024
108  fake.mem.alloc         avg                    kernel  uid          1024
EOF
run "$fake" agg list
same "$tmp/list" "agg list prints the table"
run "$fake" agg
same "$tmp/list" "agg alone lists"
run "$fake" -j agg list
json_tool "agg list -j is valid JSON (python3 -m json.tool)"
if [ "$rc" -eq 0 ] && python3 -c '
import json, sys
d = json.load(sys.stdin)
assert [a["id"] for a in d] == list(range(101, 109))
assert d[2] == {"id": 103, "name": "fake.sched.latency_us",
		"func": "lquantize", "low": 0, "high": 100, "step": 10,
		"source": "kernel", "keys": ["cpu"], "entries_per_cpu": 1024,
		"nr_cpus": 4, "owner_uid": 0, "gone": False, "key_slots": 1,
		"value_slots": 12, "record_size": 120}
assert d[3]["factor"] == 10 and d[1]["keys"] == ["comm", "pid"]
' <"$tmp/out"; then
	report pass "agg list -j: every aggregation, with its dictionary entry"
else
	report fail "agg list -j: every aggregation, with its dictionary entry"
fi
run "$fake" agg list --pretty
json_tool "agg list --pretty is valid JSON"

### show

cat >"$tmp/show" <<'EOF'
id:           103
name:         fake.sched.latency_us
function:     lquantize(0,100,10)
source:       kernel
gauge:        -
keys:         cpu
entries:      1024 per CPU
cpus:         4
owner uid:    0
state:        live
record size:  120 bytes (1 key and 12 value words)
EOF
run "$fake" agg show id 103
same "$tmp/show" "agg show id ID"
run "$fake" agg show name fake.sched.latency_us
same "$tmp/show" "agg show name NAME"
cat >"$tmp/show.json" <<'EOF'
{"id": 104, "name": "fake.io.size", "func": "llquantize", "factor": 10,
 "low": 0, "high": 3, "step": 10, "source": "kernel", "keys": [],
 "entries_per_cpu": 1024, "nr_cpus": 4, "owner_uid": 0, "gone": false,
 "key_slots": 0, "value_slots": 38, "record_size": 320}
EOF
run "$fake" -j agg show id 104
json_same "$tmp/show.json" "agg show -j"

### dump: printa's text, exactly

drawing >"$tmp/dump101" <<'EOF'

               11
           value  ------------- Distribution ------------- count
           32768 |                                         0
           65536 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@ 1
          131072 |                                         0

                0
           value  ------------- Distribution ------------- count
             256 |                                         0
             512 |@@@@@@@@@@@@@@@@@@@@                     1
            1024 |@@@@@@@@@@@@@@@@@@@@                     1
            2048 |                                         0

                2
           value  ------------- Distribution ------------- count
            1024 |                                         0
            2048 |@@@@@@@@@@                               1
            4096 |@@@@@@@@@@                               1
            8192 |@@@@@@@@@@@@@@@@@@@@                     2
           16384 |                                         0

EOF
echo "aggmon: dropped 3 values on CPU 2: buffer full" >"$tmp/drops"
run "$fake" agg dump id 101
experr=$tmp/drops same "$tmp/dump101" "agg dump of a quantize, with its drops on stderr"
run "$fake" agg dump name aggmon.syscall_ns clear
experr=$tmp/drops same "$tmp/dump101" "agg dump NAME clear"
run env AGGMON_FAKE_BATCH=1 "$fake" agg dump id 101
experr=$tmp/drops same "$tmp/dump101" "agg dump in batches of one record"

cat >"$tmp/dump102" <<'EOF'

  nginx                                                  1240              100
  sshd                                                    812             4500
  nginx                                                  1234            64000
EOF
run "$fake" agg dump id 102
same "$tmp/dump102" "agg dump of a sum keyed by comm, pid"

drawing >"$tmp/dump103" <<'EOF'

        0
           value  ------------- Distribution ------------- count
             < 0 |                                         0
               0 |@@@@@@@@@@                               1
              10 |@@@@@@@@@@@@@@@@@@@@                     2
              20 |                                         0
              30 |                                         0
              40 |                                         0
              50 |                                         0
              60 |                                         0
              70 |                                         0
              80 |                                         0
              90 |                                         0
          >= 100 |@@@@@@@@@@                               1

        1
           value  ------------- Distribution ------------- count
             < 0 |@@@@@@@@@@                               1
               0 |                                         0
              10 |                                         0
              20 |                                         0
              30 |                                         0
              40 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@           3
              50 |                                         0

EOF
run "$fake" agg dump id 103
same "$tmp/dump103" "agg dump of an lquantize keyed by cpu"

drawing >"$tmp/dump104" <<'EOF'


           value  ------------- Distribution ------------- count
             < 1 |@@@@@@                                   1
               1 |@@@@@@                                   1
               2 |                                         0
               3 |                                         0
               4 |                                         0
               5 |                                         0
               6 |                                         0
               7 |@@@@@@                                   1
               8 |                                         0
               9 |                                         0
              10 |                                         0
              20 |                                         0
              30 |@@@@@@                                   1
              40 |                                         0
              50 |                                         0
              60 |                                         0
              70 |                                         0
              80 |                                         0
              90 |                                         0
             100 |                                         0
             200 |                                         0
             300 |                                         0
             400 |                                         0
             500 |@@@@@@                                   1
             600 |                                         0
             700 |                                         0
             800 |                                         0
             900 |                                         0
            1000 |                                         0
            2000 |                                         0
            3000 |                                         0
            4000 |@@@@@@                                   1
            5000 |                                         0
            6000 |                                         0
            7000 |                                         0
            8000 |                                         0
            9000 |                                         0
        >= 10000 |@@@@@@                                   1

EOF
run "$fake" agg dump id 104
same "$tmp/dump104" "agg dump of an llquantize without key"

printf '\n                2\n' >"$tmp/dump105"
run "$fake" agg dump id 105
same "$tmp/dump105" "agg dump of a stddev"
printf '\n        3               -2\n        1                8\n        0               17\n' \
	>"$tmp/dump106"
run "$fake" agg dump id 106
same "$tmp/dump106" "agg dump of a max keyed by cpu"
printf '\n        0              150\n     1000 9223372036854775807\n' >"$tmp/dump108"
run "$fake" agg dump id 108
same "$tmp/dump108" "agg dump of an avg of INT64_MAX values"
printf '\n' >"$tmp/dump107"
run "$fake" agg dump id 107
same "$tmp/dump107" "agg dump of an empty aggregation"
run env AGGMON_FAKE_AGG_KEYS=3000 "$fake" agg dump id 107
if [ "$rc" -eq 0 ] && [ "$(wc -l <"$tmp/out")" -eq 3001 ] &&
   [ "$(tail -n 1 "$tmp/out")" = "             2995                8" ]; then
	report pass "agg dump of 3000 keys, sorted by value then key"
else
	report fail "agg dump of 3000 keys, sorted by value then key"
fi

cat >"$tmp/dump102.json" <<'EOF'
{"id": 102, "name": "fake.net.tx_bytes", "func": "sum", "source": "kernel",
 "keys": ["comm", "pid"], "gone": false,
 "entries": [{"key": ["nginx", 1240], "sum": 100},
	     {"key": ["sshd", 812], "sum": 4500},
	     {"key": ["nginx", 1234], "sum": 64000}]}
EOF
run "$fake" -j agg dump id 102
json_same "$tmp/dump102.json" "agg dump -j"
cat >"$tmp/dump105.json" <<'EOF'
{"id": 105, "name": "fake.rq.len", "func": "stddev", "source": "kernel",
 "keys": [], "gone": false,
 "entries": [{"key": [], "count": 8, "sum": 40, "avg": 5, "stddev": 2}]}
EOF
run "$fake" agg dump id 105 --pretty
json_same "$tmp/dump105.json" "agg dump --pretty"
run "$fake" -j agg dump id 101
json_lines 1 'd["id"] == 101 and len(d["entries"]) == 3' \
	"agg dump -j of a quantize is one JSON line"
if grep -qx "aggmon: dropped 3 values on CPU 2: buffer full" "$tmp/err"; then
	report pass "agg dump -j reports drops on stderr"
else
	report fail "agg dump -j reports drops on stderr"
fi

### run: user aggregations over the fake's gauges (ids from 208 on)

printf '\n' >"$tmp/empty"
run "$fake" agg run user.test.lat net.e100.tx_packets:eth0 quantize by cpu duration 1s
same "$tmp/empty" "agg run ... duration 1s prints the (empty) table once at the end"
run "$fake" -j agg run user.test.lat 5 lquantize 0 100 10 by cpu,comm source level \
	entries 64 interval 10ms count 3 clear
json_lines 3 'd == {"id": 208, "name": "user.test.lat", "func": "lquantize",
	"source": "gauge_level", "low": 0, "high": 100, "step": 10,
	"gauge_id": 5, "keys": ["cpu", "comm"], "gone": False, "entries": []}' \
	"agg run -j ... interval 10ms count 3 prints 3 reports, one a line"
run "$fake" -j agg run user.t mm.free_pages llquantize 10 0 6 20 interval 2s duration 1s
json_lines 1 'd["func"] == "llquantize" and d["source"] == "gauge_delta"' \
	"agg run with a duration shorter than the interval reports once"
t0=$(date +%s%N)
run "$fake" agg run user.t 1 count interval 100ms duration 350ms
ms=$((($(date +%s%N) - t0) / 1000000))
if [ "$rc" -eq 0 ] && [ "$ms" -ge 350 ] && [ "$ms" -lt 5000 ] &&
   [ "$(grep -c '^$' "$tmp/out")" -eq 4 ]; then
	report pass "agg run interval 100ms duration 350ms: 4 reports ($ms ms)"
else
	report fail "agg run interval 100ms duration 350ms: 4 reports ($ms ms, $rc)"
fi

for sig in INT TERM; do
	"$fake" -j agg run user.sig 1 count >"$tmp/out" 2>"$tmp/err" &
	pid=$!
	sleep 0.5
	kill -$sig $pid
	wait $pid
	rc=$?
	json_lines 1 'd["name"] == "user.sig" and d["entries"] == []' \
		"agg run prints the table once at SIG$sig and exits 0"
done

### Errors: what and what to do

expect 2 "unknown agg command 'bogus'" "agg bogus exits 2" "$fake" agg bogus
expect 2 "'agg list' takes no arguments, not 'x'" "agg list x exits 2" "$fake" agg list x
expect 2 "'agg show' needs an aggregation: id ID or name NAME" \
	"agg show without AGG exits 2" "$fake" agg show
expect 2 "'agg dump' needs an aggregation: id ID or name NAME" \
	"agg dump 101 exits 2" "$fake" agg dump 101
expect 2 "invalid aggregation id '0'" "agg show id 0 exits 2" "$fake" agg show id 0
expect 2 "invalid aggregation id 'x'" "agg show id x exits 2" "$fake" agg show id x
expect 2 "unexpected argument 'x' after id 101" "agg show id 101 x exits 2" \
	"$fake" agg show id 101 x
expect 2 "unexpected argument 'x' after id 101 clear" "agg dump id 101 clear x exits 2" \
	"$fake" agg dump id 101 clear x
expect 1 "no such aggregation: id 5 (see 'aggmon agg list')" \
	"agg show of an unknown id exits 1" "$fake" agg show id 5
expect 1 "no such aggregation: fake.nope (see 'aggmon agg list')" \
	"agg dump of an unknown name exits 1" "$fake" agg dump name fake.nope
long=$(printf 'x%.0s' {1..80})
expect 1 "no such aggregation: $long (see 'aggmon agg list')" \
	"agg show of a name too long is no such aggregation" "$fake" agg show name "$long"

expect 2 "'agg run' needs NAME GAUGE FUNC" "agg run NAME GAUGE exits 2" \
	"$fake" agg run user.x 1
msg="invalid aggregation name 'User.x': expected dot-separated segments of [a-z0-9_],"
expect 2 "$msg e.g. user.myapp.latency" \
	"agg run with a bad name exits 2" "$fake" agg run User.x 1 count
expect 2 "aggregation name '$long' is too long: at most 63 bytes" \
	"agg run with a name too long exits 2" "$fake" agg run "$long" 1 count
msg="unknown function 'bogus': expected count, sum, min, max, avg, stddev, quantize,"
expect 2 "$msg lquantize or llquantize" \
	"agg run with an unknown function exits 2" "$fake" agg run user.x 1 bogus
expect 2 "lquantize needs LOW HIGH STEP" "agg run lquantize without parameters exits 2" \
	"$fake" agg run user.x 1 lquantize 0 10
expect 2 "lquantize needs integers LOW HIGH STEP, not '0 x 1'" \
	"agg run lquantize with a non-number exits 2" "$fake" agg run user.x 1 lquantize 0 x 1
expect 2 "lquantize needs LOW < HIGH and STEP >= 1, with at most 4094 steps from LOW to HIGH" \
	"agg run lquantize with LOW >= HIGH exits 2" "$fake" agg run user.x 1 lquantize 10 0 1
expect 2 "lquantize needs LOW < HIGH and STEP >= 1, with at most 4094 steps from LOW to HIGH" \
	"agg run lquantize with STEP 0 exits 2" "$fake" agg run user.x 1 lquantize 0 10 0
msg="llquantize needs FACTOR 2 to 65535, 0 <= LOW < HIGH <= 65535, FACTOR^(LOW + 1) < 2^63,"
msg+=" and STEPS a multiple of FACTOR that divides a power of FACTOR, at most 65535"
expect 2 "$msg (e.g. 10 0 6 20)" \
	"agg run llquantize with STEPS not a multiple of FACTOR exits 2" \
	"$fake" agg run user.x 1 llquantize 10 0 3 7
msg="1024 entries of 32048 bytes do not fit the 4 MiB buffer of a CPU:"
expect 2 "$msg give 'entries N' with N at most 130" \
	"agg run with data sets beyond 4 MiB per CPU exits 2" \
	"$fake" agg run user.x 1 lquantize 0 4000 1 by comm
expect 2 "unknown key 'foo': expected gauge, cpu, pid, tgid, uid, comm or cgroup" \
	"agg run by an unknown key exits 2" "$fake" agg run user.x 1 count by cpu,foo
expect 2 "key 'cpu' comes twice" "agg run by cpu,cpu exits 2" \
	"$fake" agg run user.x 1 count by cpu,cpu
expect 2 "'by' needs KEY[,KEY...]" "agg run by , exits 2" "$fake" agg run user.x 1 count by ,
expect 2 "invalid source 'x': expected delta or level" "agg run source x exits 2" \
	"$fake" agg run user.x 1 count source x
# Durations need a unit: a plain number is refused, whatever it is.
nounit="give a unit, e.g. 500ms, 2s (ns, us, ms, s, min, h)"
expect 2 "invalid interval '1000': $nounit" "agg run interval 1000 (no unit) exits 2" \
	"$fake" agg run user.x 1 count interval 1000
expect 2 "invalid interval '0': $nounit" "agg run interval 0 (no unit) exits 2" \
	"$fake" agg run user.x 1 count interval 0
interval="expected a DURATION from 1ms to 24h, such as 500ms"
for bad in 0ms 999us 25h 10x 1.5s ""; do
	expect 2 "invalid interval '$bad': $interval" "agg run interval '$bad' exits 2" \
		"$fake" agg run user.x 1 count interval "$bad"
done
# FUNC count, then the keyword count.
expect 2 "invalid count '-1': expected a positive number" "agg run count -1 exits 2" \
	"$fake" agg run user.x 1 count \
	count -1
expect 2 "invalid entries '65537': expected 1 to 65536" "agg run entries 65537 exits 2" \
	"$fake" agg run user.x 1 count entries 65537
expect 2 "invalid duration '1': $nounit" "agg run duration 1 (no unit) exits 2" \
	"$fake" agg run user.x 1 count duration 1
duration="expected a DURATION from 1ms to 8784h, such as 500ms"
for bad in 0s 999999ns 8785h 1d soon; do
	expect 2 "invalid duration '$bad': $duration" "agg run duration '$bad' exits 2" \
		"$fake" agg run user.x 1 count duration "$bad"
done
expect 2 "'duration' needs a value" "agg run ... duration exits 2" \
	"$fake" agg run user.x 1 count duration
expect 2 "unknown 'agg run' argument 'zzz'" "agg run with an unknown word exits 2" \
	"$fake" agg run user.x 1 count zzz
expect 1 "no such gauge: 99 (see 'aggmon gauge list')" "agg run on an unknown gauge exits 1" \
	"$fake" agg run user.x 99 count duration 1s
expect 1 "no such gauge: net.nope:eth0 (see 'aggmon gauge list')" \
	"agg run on an unknown gauge name exits 1" "$fake" agg run user.x net.nope:eth0 count

expect 1 "permission denied: aggmon needs CAP_PERFMON or kernel.aggmon_paranoid <= 1" \
	"agg list: EACCES says what permission is missing" \
	env AGGMON_FAKE_ERRNO=13 "$fake" agg list
expect 1 "this kernel has no aggmon system call (CONFIG_AGGMON=n?)" \
	"agg dump: ENOSYS says the kernel lacks aggmon" \
	env AGGMON_FAKE_ERRNO=38 "$fake" agg dump id 101
expect 1 "cannot open aggregation id 101: Input/output error" \
	"agg show: other errors say what failed" \
	env AGGMON_FAKE_ERRNO=5 "$fake" agg show id 101

echo "1..$n"
[ "$failed" -eq 0 ]

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Host tests of aggmon that need no aggmon kernel: the JSON writer, the
# command line, and aggmon over an in-memory fake kernel (tests/aggmon-fake).
# Prints TAP; exits 1 if a test fails.
#
# Usage: tests/test_json.sh [BUILD_DIR]	(default: the folder above tests/)

set -u
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/..}
aggmon=$build/aggmon
static=$build/aggmon.static
fake=$build/tests/aggmon-fake
writer=$build/tests/test_json_writer
# TAP counters, $tmp, report and run.
. "$here/tap.sh"

# expect STATUS STDERR_TEXT DESCRIPTION CMD...: the status and, unless
# STDERR_TEXT is empty, that stderr contains it; stdout must be empty for
# a failure.
expect() {
	local status=$1 text=$2 desc=$3

	shift 3
	run "$@"
	if [ "$rc" -eq "$status" ] &&
	   { [ -z "$text" ] || grep -qF -- "$text" "$tmp/err"; } &&
	   { [ "$status" -eq 0 ] || [ ! -s "$tmp/out" ]; }; then
		report pass "$desc"
	else
		report fail "$desc (status $rc, expected $status)"
	fi
}

# has REGEX DESCRIPTION: a line of $tmp/out matches REGEX.
has() {
	if grep -q -- "$1" "$tmp/out"; then
		report pass "$2"
	else
		report fail "$2"
	fi
}

# json_same FILE DESCRIPTION: $tmp/out parses to the same value as FILE.
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

# json_lines COUNT DESCRIPTION: $tmp/out is COUNT JSON documents, one a line.
json_lines() {
	if [ "$rc" -eq 0 ] && python3 -c '
import json, sys
lines = sys.stdin.buffer.read().split(b"\n")
assert lines.pop() == b"" and len(lines) == int(sys.argv[1])
for line in lines:
	json.loads(line)
' "$1" <"$tmp/out" 2>/dev/null; then
		report pass "$2"
	else
		report fail "$2"
	fi
}

### The JSON writer

cat >"$tmp/doc.json" <<'JSON'
{
  "name": "aggmon",
  "escapes": "q\" b\\ s\/ n\n t\t r\r b\u0008 f\u000C c\u0001\u001F d\u007F \u00e9",
  "": "empty name",
  "key \"quoted\"": "",
  "s64_min": -9223372036854775808,
  "s64_max": 9223372036854775807,
  "u64_max": 18446744073709551615,
  "zero": 0, "yes": true, "no": false, "null": null,
  "empty_object": {}, "empty_array": [],
  "nested": {
    "list": [-1, "two", {"three": [3]}, [], [[]]],
    "deep": {"a": {"b": 1}}
  }
}
JSON

# One line: the here-document without its line breaks, and a newline.
{ tr -d '\n' <<'JSON'; echo; } >"$tmp/compact"
{"name":"aggmon",
"escapes":"q\" b\\ s/ n\n t\t r\r b\b f\f c\u0001\u001f d\u007f é",
"":"empty name","key \"quoted\"":"",
"s64_min":-9223372036854775808,"s64_max":9223372036854775807,
"u64_max":18446744073709551615,
"zero":0,"yes":true,"no":false,"null":null,
"empty_object":{},"empty_array":[],
"nested":{"list":[-1,"two",{"three":[3]},[],[[]]],"deep":{"a":{"b":1}}}}
JSON

cat >"$tmp/pretty" <<'JSON'
{
    "name": "aggmon",
    "escapes": "q\" b\\ s/ n\n t\t r\r b\b f\f c\u0001\u001f d\u007f é",
    "": "empty name",
    "key \"quoted\"": "",
    "s64_min": -9223372036854775808,
    "s64_max": 9223372036854775807,
    "u64_max": 18446744073709551615,
    "zero": 0,
    "yes": true,
    "no": false,
    "null": null,
    "empty_object": {},
    "empty_array": [],
    "nested": {
        "list": [
            -1,
            "two",
            {
                "three": [
                    3
                ]
            },
            [],
            [
                []
            ]
        ],
        "deep": {
            "a": {
                "b": 1
            }
        }
    }
}
JSON

run "$writer" compact
json_same "$tmp/doc.json" "json_writer: compact output parses back to the document"
same "$tmp/compact" "json_writer: compact output is exact"
run "$writer" pretty
json_same "$tmp/doc.json" "json_writer: pretty output parses back to the document"
same "$tmp/pretty" "json_writer: pretty output is exact"
run "$writer" stream
json_lines 4 "json_writer: top-level values are one per line"

### The command line, on this kernel

expect 0 "" "aggmon --help exits 0" "$aggmon" --help
has '^Usage: aggmon' "aggmon --help prints the usage"
expect 0 "" "aggmon -h exits 0" "$aggmon" -h
expect 0 "" "aggmon help exits 0" "$aggmon" help
expect 0 "" "aggmon -V exits 0" "$aggmon" -V
expect 0 "" "aggmon -j -V exits 0" "$aggmon" -j -V
echo '{"version": "0.1"}' >"$tmp/version.json"
json_same "$tmp/version.json" "aggmon -j -V prints the version as JSON"
expect 0 "" "aggmon gauge help exits 0" "$aggmon" gauge help
has 'aggmon gauge read GAUGE' "aggmon gauge help prints the gauge usage"
expect 0 "" "aggmon gauge --help exits 0" "$aggmon" gauge --help
expect 0 "" "aggmon gauge read --help exits 0" "$aggmon" gauge read --help
expect 2 "unknown object 'bogus'" "aggmon bogus exits 2" "$aggmon" bogus
expect 2 "missing OBJECT" "aggmon alone exits 2" "$aggmon"
expect 2 "invalid option '--bogus'" "aggmon --bogus exits 2" "$aggmon" --bogus
expect 2 "unknown gauge command 'bogus'" "aggmon gauge bogus exits 2" "$aggmon" gauge bogus
expect 2 "needs a GAUGE" "aggmon gauge show without GAUGE exits 2" "$aggmon" gauge show
expect 2 "takes one GAUGE" "aggmon gauge show 1 2 exits 2" "$aggmon" gauge show 1 2
expect 2 "takes no arguments" "aggmon gauge list x exits 2" "$aggmon" gauge list x
expect 2 "invalid gauge id '0'" "aggmon gauge show 0 exits 2" "$aggmon" gauge show 0
expect 2 "invalid --count '0'" "aggmon gauge read --count 0 exits 2" \
	"$aggmon" gauge read 1 --count 0
ival="expected milliseconds (1 to 86400000) or a DURATION from 1ms to 24h, such as 500ms"
for bad in x 0 0ms 999us 86400001 25h 1.5s; do
	expect 2 "invalid --interval '$bad': $ival" "aggmon gauge read --interval $bad exits 2" \
		"$aggmon" gauge read --interval "$bad" 1
done
expect 2 "--interval needs a value" "aggmon gauge read 1 --interval exits 2" \
	"$aggmon" gauge read 1 --interval

nosys="this kernel has no aggmon system call (CONFIG_AGGMON=n?)"
for bin in "$aggmon" "$static"; do
	run "$bin" gauge list
	if [ "$rc" -eq 0 ]; then
		n=$((n + 1))
		echo "ok $n - $(basename "$bin") gauge list without aggmon" \
		     "# SKIP this kernel has aggmon"
		continue
	fi
	expect 1 "$nosys" \
		"$(basename "$bin") gauge list exits 1 without the system call" \
		"$bin" gauge list
done
expect 1 "$nosys" "aggmon -j gauge read 1 exits 1 without the system call" "$aggmon" -j gauge read 1

### aggmon over the fake kernel

cat >"$tmp/list" <<'EOF'
  ID  NAME                 ITEM       VALUE  UNIT
   1  net.e100.tx_packets  eth0       12345  packets
   2  net.e100.tx_packets  eth1           0  packets
   5  mm.free_pages        -           4096  pages
   7  user.test.temp       probe:1  -273150  m"C\
1000  sched.reads          -              1  -
EOF
cat >"$tmp/list.json" <<'EOF'
[
 {"id": 1, "name": "net.e100.tx_packets", "item": "eth0", "unit": "packets",
  "kind": "kernel", "value": 12345},
 {"id": 2, "name": "net.e100.tx_packets", "item": "eth1", "unit": "packets",
  "kind": "kernel", "value": 0},
 {"id": 5, "name": "mm.free_pages", "item": "", "unit": "pages",
  "kind": "kernel", "value": 4096},
 {"id": 7, "name": "user.test.temp", "item": "probe:1", "unit": "m\"C\\",
  "kind": "user", "value": -273150},
 {"id": 1000, "name": "sched.reads", "item": "", "unit": "",
  "kind": "kernel", "value": 1}
]
EOF
cat >"$tmp/show" <<'EOF'
id:     5
name:   mm.free_pages
item:   -
unit:   pages
kind:   kernel
value:  4096
EOF

run "$fake" gauge list
same "$tmp/list" "fake: gauge list prints the table"
run "$fake" gauge
same "$tmp/list" "fake: gauge alone lists"
run "$fake" -j gauge list
json_same "$tmp/list.json" "fake: -j gauge list"
run "$fake" gauge list --pretty
json_same "$tmp/list.json" "fake: gauge list --pretty"
run "$fake" gauge show 5
same "$tmp/show" "fake: gauge show ID"
run "$fake" gauge show mm.free_pages
same "$tmp/show" "fake: gauge show NAME"
cat >"$tmp/show.json" <<'EOF'
{"id": 7, "name": "user.test.temp", "item": "probe:1", "unit": "m\"C\\",
 "kind": "user", "value": -273150}
EOF
run "$fake" -j gauge show user.test.temp:probe:1
json_same "$tmp/show.json" "fake: -j gauge show NAME:ITEM (an item with a colon)"
expect 1 "no such gauge: 99" "fake: gauge show of an unknown id exits 1" "$fake" gauge show 99
expect 1 "name one of: net.e100.tx_packets:eth0 net.e100.tx_packets:eth1" \
	"fake: gauge show NAME of a gauge with items lists them" \
	"$fake" gauge show net.e100.tx_packets
long=$(printf 'x%.0s' {1..80})
expect 1 "no such gauge: $long" "fake: a name too long is no such gauge" "$fake" gauge show "$long"

echo "12345 4096 -273150" >"$tmp/read"
run "$fake" gauge read 1 mm.free_pages 7
same "$tmp/read" "fake: gauge read prints the values in order"
echo '[{"id": 1, "value": 12345}, {"id": 5, "value": 4096}]' >"$tmp/read.json"
run "$fake" -j gauge read 1 mm.free_pages
json_same "$tmp/read.json" "fake: -j gauge read"
printf '1\n2\n3\n' >"$tmp/read3"
run "$fake" gauge read 1000 --count 3 --interval 1
same "$tmp/read3" "fake: gauge read --count 3 --interval 1"
run "$fake" -j gauge read --interval 1 1 --count 2 5
json_lines 2 "fake: -j gauge read --count 2 prints one array per line"
# --interval takes a DURATION too; a plain number stays milliseconds.
run "$fake" gauge read 1000 --count 3 --interval 2ms
same "$tmp/read3" "fake: gauge read --count 3 --interval 2ms"
t0=$(date +%s%N)
run "$fake" gauge read 1000 --count 3 --interval 100
ms=$((($(date +%s%N) - t0) / 1000000))
if [ "$rc" -eq 0 ] && [ "$ms" -ge 200 ]; then
	report pass "fake: gauge read --interval 100 waits 100 ms a read ($ms ms)"
else
	report fail "fake: gauge read --interval 100 waits 100 ms a read ($ms ms, $rc)"
fi
expect 1 "no such gauge: 42" "fake: gauge read of an unknown gauge exits 1" "$fake" gauge read 1 42

# User gauges are named per owner: NAME@UID names the owner's.
owners="env AGGMON_FAKE_OWNERS=1"
run $owners "$fake" gauge read user.shared.load@1001 user.shared.load@1000
expect_out "11 10" "fake: gauge read NAME@UID reads each owner's gauge of one name"
run $owners "$fake" gauge read user.app.rate user.app.rate@1000
expect_out "21 20" "fake: NAME alone is the caller's own gauge when another user has one too"
shared=user.shared.load
expect 1 "several users have a gauge $shared, you none: name its owner, $shared@UID, or its id" \
	"fake: ENOTUNIQ says how to name one gauge of several" \
	$owners "$fake" gauge show $shared
expect 1 "several users have a gauge user.app.rate, you none" \
	"fake: ENOTUNIQ for a caller without its own" \
	$owners AGGMON_FAKE_UID=5 "$fake" gauge read user.app.rate
expect 1 "no such gauge: $shared@1002" \
	"fake: NAME@UID of a user without one exits 1" \
	$owners "$fake" gauge read $shared@1002
expect 2 "invalid owner uid in '$shared@x'" \
	"fake: NAME@UID with a bad uid is a usage error" \
	$owners "$fake" gauge read $shared@x
expect 2 "invalid owner uid in '$shared@4294967295'" "fake: uid -1 is no owner" \
	$owners "$fake" gauge read $shared@4294967295

desc="fake: gauge list of 3005 gauges (3 batches), sorted"
run env AGGMON_FAKE_GAUGES=3000 "$fake" gauge list
if [ "$rc" -eq 0 ] && [ "$(wc -l <"$tmp/out")" -eq 3006 ] &&
   awk 'NR > 1 { print $1 }' "$tmp/out" | sort -n -c &&
   [ "$(tail -n 1 "$tmp/out" | awk '{ print $1, $3 }')" = "4999 g2999" ]; then
	report pass "$desc"
else
	report fail "$desc"
fi
desc="fake: gauge read of 3000 gauges (3 batches)"
run env AGGMON_FAKE_GAUGES=3000 "$fake" gauge read $(seq 2000 4999)
if [ "$rc" -eq 0 ] && [ "$(wc -w <"$tmp/out")" -eq 3000 ] &&
   [ "$(awk '{ print $1, $1024, $1025, $3000 }' "$tmp/out")" = "0 1023 1024 2999" ]; then
	report pass "$desc"
else
	report fail "$desc"
fi

expect 1 "cannot list the gauges: this user's aggmon memory is at kernel.aggmon_max_user_bytes" \
	"fake: EDQUOT names the memory quota" env AGGMON_FAKE_ERRNO=122 "$fake" gauge list
expect 1 "permission denied: aggmon needs CAP_PERFMON or kernel.aggmon_paranoid <= 1" \
	"fake: EACCES says what permission is missing" env AGGMON_FAKE_ERRNO=13 "$fake" gauge list
expect 1 "$nosys" "fake: ENOSYS says the kernel lacks aggmon" \
	env AGGMON_FAKE_ERRNO=38 "$fake" gauge list
expect 1 "cannot look up gauge x: Input/output error" "fake: other errors say what failed" \
	env AGGMON_FAKE_ERRNO=5 "$fake" gauge show x

echo "1..$n"
[ "$failed" -eq 0 ]

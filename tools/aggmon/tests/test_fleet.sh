#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Host tests of 'aggmon fleet query': three members' Journal Export
# Format streams, as 'aggmon monitor' writes them (log export), ingested
# by systemd-journal-remote into one directory; windows of time, the
# first and last ids, 'after' a cursor or MEMBER:SEQ, members, JSON, the
# counts by event type, and the errors.  The records have fixed times
# (from 2026-01-01T00:00:00Z) so that every answer is exact.
# Prints TAP; exits 1 if a test fails.
#
# Usage: tests/test_fleet.sh [BUILD_DIR]	(default: the folder above tests/)

set -u
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/..}
aggmon=$build/aggmon
journal_remote=/lib/systemd/systemd-journal-remote
. "$here/tap.sh"

base=1767225600		# 2026-01-01T00:00:00Z
dir=$tmp/remote
mkdir "$dir"

# rec MEMBER SEQ SECONDS EVENT GAUGE ITEM VALUE: one record of MEMBER's
# stream, as the monitor writes it ("-": no item, no value).
rec() {
	local t=$(( (base + $3) * 1000000000 + $2 ))

	printf '%s\n' "__REALTIME_TIMESTAMP=$((t / 1000))" \
		"__MONOTONIC_TIMESTAMP=$(( $3 * 1000000 ))" \
		"_BOOT_ID=$(printf '%032x' "$(cksum <<<"$1" | cut -d ' ' -f 1)")" \
		"_HOSTNAME=host-$1" "MESSAGE=$4 $5" PRIORITY=5 \
		SYSLOG_IDENTIFIER=aggmon "AGGMON_EVENT=$4" "AGGMON_SEQ=$2" \
		"AGGMON_MEMBER=$1" "AGGMON_TIME_NS=$t" \
		"AGGMON_MONOTONIC_NS=$(( $3 * 1000000000 ))" "AGGMON_GAUGE=$5"
	[ "$6" = - ] || echo "AGGMON_ITEM=$6"
	[ "$7" = - ] || echo "AGGMON_VALUE=$7"
	echo
}

{
	rec m1 1 10 fired mm.free_pages - 6000
	rec m1 2 20 cancelled mm.free_pages - 3000
	rec m1 3 30 snapshot mm.free_pages - 4096
	rec m1 4 45 fired mm.free_pages - 7000
} >"$tmp/m1.export"
{
	rec m2 1 15 fired net.e100.tx_packets eth0 12345
	rec m2 2 20 snapshot net.e100.tx_packets eth0 5
	rec m2 3 40 lost net.e100.tx_packets eth0 -
	rec m2 4 50 gone net.e100.tx_packets eth0 -
} >"$tmp/m2.export"
# m3 restarted: its ids go on from 7.  An entry of another program too.
{
	rec m3 8 12 fired kernel.tasks - 900
	printf '%s\n' "__REALTIME_TIMESTAMP=$(( (base + 13) * 1000000 ))" \
		"__MONOTONIC_TIMESTAMP=1" "_BOOT_ID=$(printf '%032x' 3)" \
		MESSAGE=other SYSLOG_IDENTIFIER=sshd ""
	rec m3 9 35 cancelled kernel.tasks - 100
} >"$tmp/m3.export"
for m in m1 m2 m3; do
	"$journal_remote" -o "$dir/$m.journal" - <"$tmp/$m.export" 2>"$tmp/jr.err" ||
		{ cat "$tmp/jr.err"; echo "Bail out! journal-remote failed"; exit 1; }
done

# cursor MEMBER SEQ: the journal's cursor of that record.
cursor() {
	journalctl -D "$dir" -o export --no-pager "AGGMON_MEMBER=$1" \
		"AGGMON_SEQ=$2" | sed -n 's/^__CURSOR=//p'
}

# answer CMD...: run the query, cursors of the first and last lines
# replaced by CURSOR, into $tmp/got.
answer() {
	run "$aggmon" fleet query "$@"
	sed 's/^\(first\|last\) s=[^ ]* /\1 CURSOR /' "$tmp/out" >"$tmp/got"
}

# same_answer DESCRIPTION: $tmp/got is $tmp/want.
same_answer() {
	if [ "$rc" -eq 0 ] && cmp -s "$tmp/want" "$tmp/got" && [ ! -s "$tmp/err" ]; then
		report pass "$1"
	else
		diff -u "$tmp/want" "$tmp/got" | sed 's/^/# /'
		report fail "$1"
	fi
}

T=2026-01-01T00:00
answer since "$T:12Z" until "$T:40Z" "$dir"
cat >"$tmp/want" <<EOF
$T:12.000000008Z m3 8 fired kernel.tasks - 900
$T:15.000000001Z m2 1 fired net.e100.tx_packets eth0 12345
$T:20.000000002Z m1 2 cancelled mm.free_pages - 3000
$T:20.000000002Z m2 2 snapshot net.e100.tx_packets eth0 5
$T:30.000000003Z m1 3 snapshot mm.free_pages - 4096
$T:35.000000009Z m3 9 cancelled kernel.tasks - 100
first CURSOR m3:8
last CURSOR m3:9
count m1 fired=0 cancelled=1 lost=0 gone=0 snapshot=1 dropped=0
count m2 fired=1 cancelled=0 lost=0 gone=0 snapshot=1 dropped=0
count m3 fired=1 cancelled=1 lost=0 gone=0 snapshot=0 dropped=0
EOF
same_answer "query since T1 until T2: [T1, T2) of three members, merged by time, exactly"
first=$(sed -n 's/^first \([^ ]*\) .*/\1/p' "$tmp/out")
last=$(sed -n 's/^last \([^ ]*\) .*/\1/p' "$tmp/out")
[ "$first" = "$(cursor m3 8)" ] && [ "$last" = "$(cursor m3 9)" ] &&
	report pass "first and last: the journal's cursors of m3:8 and m3:9" ||
	report fail "first and last: the journal's cursors of m3:8 and m3:9 ($first, $last)"

answer after "$last" "$dir"
cat >"$tmp/want" <<EOF
$T:40.000000003Z m2 3 lost net.e100.tx_packets eth0 -
$T:45.000000004Z m1 4 fired mm.free_pages - 7000
$T:50.000000004Z m2 4 gone net.e100.tx_packets eth0 -
first CURSOR m2:3
last CURSOR m2:4
count m1 fired=1 cancelled=0 lost=0 gone=0 snapshot=0 dropped=0
count m2 fired=0 cancelled=0 lost=1 gone=1 snapshot=0 dropped=0
EOF
same_answer "query after LAST: exactly the records after the window"

answer after m1:2 until "$T:45Z" "$dir"
cat >"$tmp/want" <<EOF
$T:20.000000002Z m2 2 snapshot net.e100.tx_packets eth0 5
$T:30.000000003Z m1 3 snapshot mm.free_pages - 4096
$T:35.000000009Z m3 9 cancelled kernel.tasks - 100
$T:40.000000003Z m2 3 lost net.e100.tx_packets eth0 -
first CURSOR m2:2
last CURSOR m2:3
count m1 fired=0 cancelled=0 lost=0 gone=0 snapshot=1 dropped=0
count m2 fired=0 cancelled=0 lost=1 gone=0 snapshot=1 dropped=0
count m3 fired=0 cancelled=1 lost=0 gone=0 snapshot=0 dropped=0
EOF
same_answer "query after MEMBER:SEQ until T2: the tie at 20s ordered by member"

answer since "$T:00Z" until "$T:59Z" member m3 member m1 "$dir"
cat >"$tmp/want" <<EOF
$T:10.000000001Z m1 1 fired mm.free_pages - 6000
$T:12.000000008Z m3 8 fired kernel.tasks - 900
$T:20.000000002Z m1 2 cancelled mm.free_pages - 3000
$T:30.000000003Z m1 3 snapshot mm.free_pages - 4096
$T:35.000000009Z m3 9 cancelled kernel.tasks - 100
$T:45.000000004Z m1 4 fired mm.free_pages - 7000
first CURSOR m1:1
last CURSOR m1:4
count m1 fired=2 cancelled=1 lost=0 gone=0 snapshot=1 dropped=0
count m3 fired=1 cancelled=1 lost=0 gone=0 snapshot=0 dropped=0
EOF
same_answer "query member m3 member m1: those two, not another program's entry"

answer since @"$((base + 51))" until @"$((base + 60))" "$dir"
printf '%s\n' "first -" "last -" >"$tmp/want"
same_answer "query of a window without records: first and last -"

run "$aggmon" -j fleet query since "$T:40Z" until @"$((base + 50)).000000004" "$dir"
desc="-j fleet query: records, first, last, counts; until @SECONDS.FRACTION is exclusive"
if [ "$rc" -eq 0 ] && python3 -c '
import json, sys
d = json.loads(open(sys.argv[1]).read())
assert [(r["member"], r["seq"], r["event"], r["value"]) for r in d["records"]] == \
	[("m2", 3, "lost", None), ("m1", 4, "fired", 7000)], d["records"]
r = d["records"][1]
assert r["time"] == "2026-01-01T00:00:45.000000004Z" and r["gauge"] == "mm.free_pages"
assert r["item"] == "" and r["time_ns"] == 1767225645000000004
assert d["first"]["member"] == "m2" and d["first"]["seq"] == 3
assert d["last"]["cursor"] == r["cursor"] and d["last"]["seq"] == 4
assert d["counts"]["m1"]["fired"] == 1 and d["counts"]["m2"]["lost"] == 1
assert list(d) == ["records", "first", "last", "counts"]
' "$tmp/out" 2>"$tmp/pyerr"; then
	report pass "$desc"
else
	sed 's/^/# /' "$tmp/pyerr" | tail -n 3
	report fail "$desc"
fi

# Two members through one stream, so one journal file (members behind one
# address), n2's clock 6 s behind n1's: the file's times go back and
# forth, and journalctl, which seeks and stops by them, must be asked
# past the window.
mixed=$tmp/mixed
mkdir "$mixed"
{
	rec n1 1 106 fired mm.free_pages - 6000
	rec n2 1 100 fired mm.free_pages - 6001
	rec n1 2 107 cancelled mm.free_pages - 3000
	rec n2 2 101 cancelled mm.free_pages - 3001
	rec n1 3 108 fired mm.free_pages - 6002
	rec n2 3 102 fired mm.free_pages - 6003
} >"$tmp/mixed.export"
"$journal_remote" -o "$mixed/both.journal" - <"$tmp/mixed.export" 2>"$tmp/jr.err" ||
	{ cat "$tmp/jr.err"; echo "Bail out! journal-remote failed"; exit 1; }
answer since @"$((base + 100))" until @"$((base + 104))" "$mixed"
cat >"$tmp/want" <<EOF
2026-01-01T00:01:40.000000001Z n2 1 fired mm.free_pages - 6001
2026-01-01T00:01:41.000000002Z n2 2 cancelled mm.free_pages - 3001
2026-01-01T00:01:42.000000003Z n2 3 fired mm.free_pages - 6003
first CURSOR n2:1
last CURSOR n2:3
count n2 fired=2 cancelled=1 lost=0 gone=0 snapshot=0 dropped=0
EOF
same_answer "query of one file of two members, clocks 6 s apart: the whole window"
answer after n2:1 until @"$((base + 107))" "$mixed"
cat >"$tmp/want" <<EOF
2026-01-01T00:01:41.000000002Z n2 2 cancelled mm.free_pages - 3001
2026-01-01T00:01:42.000000003Z n2 3 fired mm.free_pages - 6003
2026-01-01T00:01:46.000000001Z n1 1 fired mm.free_pages - 6000
first CURSOR n2:2
last CURSOR n1:1
count n1 fired=1 cancelled=0 lost=0 gone=0 snapshot=0 dropped=0
count n2 fired=1 cancelled=1 lost=0 gone=0 snapshot=0 dropped=0
EOF
same_answer "query after n2:1 in that file: the rest, merged by time"

### Errors

expect 2 "query needs since TIME until TIME, or after RECORD" \
	"fleet query alone exits 2" "$aggmon" fleet query "$dir"
expect 2 "query needs until TIME after since TIME" \
	"fleet query since without until exits 2" "$aggmon" fleet query since "$T:00Z"
expect 2 "invalid since '2026-01-01 00:00': expected YYYY-MM-DDTHH:MM:SS[.FRACTION]Z or @SECONDS" \
	"fleet query with a bad TIME exits 2" \
	"$aggmon" fleet query since "2026-01-01 00:00" until "$T:10Z"
expect 2 "until must come after since" "fleet query until before since exits 2" \
	"$aggmon" fleet query since "$T:10Z" until "$T:10Z"
expect 2 "since and after exclude each other" "fleet query since and after exits 2" \
	"$aggmon" fleet query since "$T:10Z" until "$T:20Z" after m1:1
expect 2 "unknown argument 'extra'" "fleet query with two DIRs exits 2" \
	"$aggmon" fleet query since "$T:10Z" until "$T:20Z" "$dir" extra
expect 2 "invalid RECORD 'm1': expected a journal cursor or MEMBER:SEQ" \
	"fleet query after a bad RECORD exits 2" "$aggmon" fleet query after m1 "$dir"
expect 1 "no such record in $dir: m9:1" "fleet query after a record not there exits 1" \
	"$aggmon" fleet query after m9:1 "$dir"
expect 1 "cannot read the journal directory $tmp/none: No such file or directory" \
	"fleet query of a missing DIR exits 1" \
	"$aggmon" fleet query since "$T:10Z" until "$T:20Z" "$tmp/none"
echo "not a journal" >"$tmp/file"
expect 1 "cannot read the journal directory $tmp/file: Not a directory" \
	"fleet query of a file exits 1" \
	"$aggmon" fleet query since "$T:10Z" until "$T:20Z" "$tmp/file"
expect 2 "fleet needs a command: query or help" "fleet alone exits 2" "$aggmon" fleet
expect 1 "this aggmon (a static build, for guests) has no 'fleet': run the host's" \
	"the static aggmon has no fleet" "$build/aggmon.static" fleet query

echo "1..$n"
[ "$failed" -eq 0 ]

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# aggmon_tool_test.sh - the aggmon tool against the real kernel
#
# Every object of tools/aggmon (gauge, stat, watch, threshold, agg, top,
# monitor) is run against the running kernel's aggmon() system call, and
# its output is compared exactly wherever it is deterministic: times, ids
# the kernel hands out and the host name are masked, nothing else.
#
# A user gauge, user.tooltest.level:q0 (unit "items"), is held by
# aggmon_tool_helper, which this script drives through a FIFO: it applies
# "add N" and "set N" in order and answers "sync WORD" once all before it
# are applied.  Commands that wait for events (watch, monitor, agg run,
# stat read with an interval) run in the background; the script feeds the
# gauge only once the command's threshold or aggregation file descriptor
# shows in /proc/PID/fd, so nothing depends on how fast the machine is.
# The one wait on time, stat read's second sample an interval after its
# first, is checked to come after the updates and tried again with a
# longer interval if it did not.
#
# Needs busybox sh at least; no bash, no python.  Finds the tool in
# $AGGMON or PATH, and the helper in $AGGMON_TOOL_HELPER, next to this
# script or in PATH.  Prints TAP.

PLAN=55
KSFT_SKIP=4

here=$(dirname "$0")
AGGMON=${AGGMON:-$(command -v aggmon)}
HELPER=${AGGMON_TOOL_HELPER:-}
if [ -z "$HELPER" ]; then
	if [ -x "$here/aggmon_tool_helper" ]; then
		HELPER=$here/aggmon_tool_helper
	else
		HELPER=$(command -v aggmon_tool_helper)
	fi
fi
if [ -z "$AGGMON" ] || [ -z "$HELPER" ]; then
	echo "1..0 # SKIP needs aggmon and aggmon_tool_helper (AGGMON=, AGGMON_TOOL_HELPER=)"
	exit $KSFT_SKIP
fi

tmp=$(mktemp -d /tmp/aggmon_tool_test.XXXXXX) || exit 1
G=user.tooltest.level
GI=$G:q0
NOGAUGE=user.tooltest.nosuch
. "$(dirname "$0")/aggmon_tap.sh"
hpid=
bgpids=
tok=0

cleanup() {
	exec 3>&-
	for p in $bgpids $hpid; do
		kill -KILL "$p" 2>/dev/null
	done
	rm -rf "$tmp"
}
trap cleanup EXIT

# Run aggmon: stdout in $tmp/out, stderr in $tmp/err, status in $rc.
run() {
	"$AGGMON" "$@" >"$tmp/out" 2>"$tmp/err" 3>&-
	rc=$?
}

# show_diff EXPECTED GOT: a diff as TAP comments.
show_diff() {
	diff -u "$1" "$2" | sed 's/^/# /'
}

# check STATUS EXPFILE GOTFILE DESCRIPTION: status $rc is STATUS, GOTFILE
# is EXPFILE exactly, and stderr ($tmp/err) is empty.
check() {
	if [ "$rc" -eq "$1" ] && cmp -s "$2" "$3" && [ ! -s "$tmp/err" ]; then
		report pass "$4"
	else
		echo "# status $rc, expected $1"
		show_diff "$2" "$3"
		sed 's/^/# stderr: /' "$tmp/err"
		report fail "$4"
	fi
}

# expect_err STATUS OBJECT MESSAGE DESCRIPTION ARGS...: aggmon ARGS exits
# with STATUS, prints nothing on stdout and exactly "aggmon: MESSAGE" on
# stderr, then for status 2 the hint to 'aggmon OBJECT help'.
expect_err() {
	local status=$1 object=$2 msg=$3 desc=$4

	shift 4
	run "$@"
	{
		echo "aggmon: $msg"
		if [ "$status" -eq 2 ]; then
			echo "Try 'aggmon ${object:+$object }help' for more information."
		fi
	} >"$tmp/experr"
	if [ "$rc" -eq "$status" ] && [ ! -s "$tmp/out" ] &&
	   cmp -s "$tmp/experr" "$tmp/err"; then
		report pass "$desc"
	else
		echo "# status $rc, expected $status"
		show_diff "$tmp/experr" "$tmp/err"
		sed 's/^/# stdout: /' "$tmp/out"
		report fail "$desc"
	fi
}

# Send a command to the helper.
h() {
	echo "$*" >&3
}

# Wait until the helper has applied every command sent so far.
hsync() {
	tok=$((tok + 1))
	h sync "s$tok"
	wait_for "grep -qx s$tok '$tmp/helper.out'" && return 0
	echo "# the helper did not answer sync s$tok"
	sed 's/^/# helper stderr: /' "$tmp/helper.err"
	return 1
}

# bg NAME ARGS...: aggmon ARGS in the background, stdout in $tmp/NAME.out,
# stderr in $tmp/NAME.err; its pid in $bgpid.
bg() {
	local name=$1

	shift
	"$AGGMON" "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" 3>&- &
	bgpid=$!
	bgpids="$bgpids $bgpid"
}

# attached PID KIND: wait until PID holds its aggmon file of KIND.
attached() {
	wait_for "has_fd $1 $2" && return 0
	echo "# pid $1 never opened an aggmon $2"
	return 1
}

# reap PID: wait for PID to exit (60 s at most, then SIGKILL); its
# status in $rc, 124 if it had to be killed.
reap() {
	if wait_for "exited $1"; then
		wait "$1"
		rc=$?
	else
		echo "# pid $1 did not exit: killed"
		kill -KILL "$1" 2>/dev/null
		wait "$1"
		rc=124
	fi
}

# squeeze FILE: blanks squeezed to one space, leading ones dropped.
squeeze() {
	tr -s ' ' <"$1" | sed 's/^ //'
}

# The masks: the seconds at the start of watch and stat lines; the ISO
# 8601 time of monitor lines.
mask_secs() {
	sed 's/^-*[0-9][0-9]*\.[0-9]\{6\} /T /' "$1"
}

ISO='[0-9]\{4\}-[0-9][0-9]-[0-9][0-9]T[0-9:]\{8\}\.[0-9]\{9\}Z'

mask_iso() {
	sed "s/^$ISO /TIME /" "$1"
}

# mask_ids FILE: the JSON fields of times and of ids the kernel hands out
# (stat, threshold) masked.
mask_ids() {
	sed 's/"time":[0-9][^,]*,/"time":T,/
	     s/"time_ns":[0-9]*,/"time_ns":N,/
	     s/"monotonic_ns":[0-9]*,/"monotonic_ns":M,/
	     s/"member":"[^"]*",/"member":"HOST",/
	     s/"stat_id":[0-9]*,/"stat_id":S,/
	     s/"threshold_id":[0-9]*,/"threshold_id":H,/' "$1"
}

# oneline: stdin with its newlines taken out, then one newline: for JSON
# expectations written over several lines.
oneline() {
	tr -d '\n'
	echo
}

echo "1..$PLAN"

### The helper and its gauge

mkfifo "$tmp/in" || exit 1
"$HELPER" "$G" q0 items 42 <"$tmp/in" >"$tmp/helper.out" 2>"$tmp/helper.err" &
hpid=$!
exec 3>"$tmp/in"
wait_for "[ -s '$tmp/helper.out' ]"
id=$(head -n 1 "$tmp/helper.out")
case $id in
'' | *[!0-9]*)
	sed 's/^/# helper stderr: /' "$tmp/helper.err"
	report fail "aggmon_tool_helper creates the user gauge $GI"
	echo "Bail out! no user gauge"
	exit 1
	;;
esac
report pass "aggmon_tool_helper creates the user gauge $GI (id $id)"

### gauge

cat >"$tmp/exp" <<EOF
id:     $id
name:   $G
item:   q0
unit:   items
kind:   user
value:  42
EOF
run gauge show "$GI"
check 0 "$tmp/exp" "$tmp/out" "gauge show NAME:ITEM prints every field"
run gauge show "$id"
check 0 "$tmp/exp" "$tmp/out" "gauge show ID prints the same"

echo 42 >"$tmp/exp"
run gauge read "$GI"
check 0 "$tmp/exp" "$tmp/out" "gauge read prints the value"

run gauge list
squeeze "$tmp/out" >"$tmp/sq"
{
	echo "ID NAME ITEM VALUE UNIT"
	echo "$id $G q0 42 items"
} >"$tmp/exp"
{
	head -n 1 "$tmp/sq"
	grep " $G " "$tmp/sq"
} >"$tmp/got"
check 0 "$tmp/exp" "$tmp/got" "gauge list: the header and the gauge's line (blanks squeezed)"

awk '$2 == "sample.ticks" && $5 == "ticks" && $4 ~ /^[0-9]+$/ { print $3 }' \
	"$tmp/sq" | sort >"$tmp/got"
printf 'hrtimer\ntimer\n' >"$tmp/exp"
check 0 "$tmp/exp" "$tmp/got" "gauge list shows the kernel's sample.ticks gauges"

h set 7
h add 43
hsync
echo 50 >"$tmp/exp"
run gauge read "$GI"
check 0 "$tmp/exp" "$tmp/out" "gauge read after set 7, add 43 prints 50"

printf '50 50\n50 50\n50 50\n' >"$tmp/exp"
run gauge read "$GI" "$id" --count 3 --interval 10ms
check 0 "$tmp/exp" "$tmp/out" "gauge read GAUGE GAUGE --count 3 --interval 10ms"

J="{\"id\":$id,\"name\":\"$G\",\"item\":\"q0\",\"unit\":\"items\",\"kind\":\"user\",\"value\":50}"
echo "$J" >"$tmp/exp"
run -j gauge show "$GI"
check 0 "$tmp/exp" "$tmp/out" "-j gauge show prints one JSON object"

echo "[{\"id\":$id,\"value\":50}]" >"$tmp/exp"
run gauge read "$GI" -j
check 0 "$tmp/exp" "$tmp/out" "gauge read -j prints [{id, value}]"

run -j gauge list
if [ "$rc" -eq 0 ] && [ "$(wc -l <"$tmp/out")" -eq 1 ] &&
   grep -q '^\[{"id":.*}\]$' "$tmp/out" &&
   grep -qF "$J" "$tmp/out" &&
   grep -qF '"name":"sample.ticks","item":"timer","unit":"ticks",' "$tmp/out" &&
   [ ! -s "$tmp/err" ]; then
	report pass "-j gauge list: one array on one line with the gauge's object"
else
	sed 's/^/# /' "$tmp/out" "$tmp/err"
	report fail "-j gauge list: one array on one line with the gauge's object"
fi

cat >"$tmp/exp" <<EOF
{
    "id": $id,
    "name": "$G",
    "item": "q0",
    "unit": "items",
    "kind": "user",
    "value": 50
}
EOF
run -p gauge show "$GI"
check 0 "$tmp/exp" "$tmp/out" "-p gauge show prints indented JSON"

cat >"$tmp/exp" <<EOF
id:     ID
name:   sample.ticks
item:   timer
unit:   ticks
kind:   kernel
value:  V
EOF
run gauge show sample.ticks:timer
sed 's/^id:     [0-9][0-9]*$/id:     ID/; s/^value:  [0-9][0-9]*$/value:  V/' \
	"$tmp/out" >"$tmp/got"
check 0 "$tmp/exp" "$tmp/got" "gauge show of a kernel gauge (id and value masked)"

### stat

h set 30
hsync
echo "T $GI hwm value=30 level=30" >"$tmp/exp"
run stat read "$GI" hwm
mask_secs "$tmp/out" >"$tmp/got"
check 0 "$tmp/exp" "$tmp/got" "stat read hwm: value and level"

echo "T $GI lwm value=30 level=30" >"$tmp/exp"
run stat read "$GI" low-watermark
mask_secs "$tmp/out" >"$tmp/got"
check 0 "$tmp/exp" "$tmp/got" "stat read low-watermark (prints lwm)"

oneline >"$tmp/exp" <<EOF
{"time":T,"gauge_id":$id,"gauge":"$G","item":"q0","stat_id":S,
"stat":"absolute","period_ns":0,"drain":0,"value":30,"level":30}
EOF
run -j stat read "$GI" absolute
mask_ids "$tmp/out" >"$tmp/got"
check 0 "$tmp/exp" "$tmp/got" "-j stat read absolute (time and stat id masked)"

# Two samples INTERVAL apart, the spike between them: the helper must have
# applied it before the second sample, which the script sees (one line
# out when the helper answers).  A slow machine (TCG, a loaded host) gets
# a longer interval and another go; the expected output never changes.
for secs in 5 15 45; do
	h set 30
	hsync
	bg st stat read "$GI" hwm interval "${secs}s" count 2
	wait_for "[ -s '$tmp/st.out' ]"
	h add 100
	h add -100
	h add 5
	hsync
	early=$(wc -l <"$tmp/st.out")
	reap "$bgpid"
	[ "$early" -eq 1 ] && break
	echo "# the second sample came before the spike: again, ${secs}s was too short"
done
{
	echo "T $GI hwm value=30 level=30"
	echo "T $GI hwm value=130 level=35"
} >"$tmp/exp"
mask_secs "$tmp/st.out" >"$tmp/got"
cp "$tmp/st.err" "$tmp/err"
check 0 "$tmp/exp" "$tmp/got" \
	"stat read hwm interval S count 2 keeps the high watermark of a spike"

### watch and threshold

h set 0
hsync
bg w watch "$GI" absolute above-cancel 100 count 2
wpid=$bgpid
attached "$wpid" threshold
h add 150
h add -150
hsync
reap "$wpid"
cat >"$tmp/exp" <<EOF
T $GI absolute above-cancel 100 fired value=150 seq=1 flags=- lost=0
T $GI absolute above-cancel 100 cancelled value=0 seq=2 flags=- lost=0
2 events, 0 lost
EOF
mask_secs "$tmp/w.out" >"$tmp/got"
cp "$tmp/w.err" "$tmp/err"
check 0 "$tmp/exp" "$tmp/got" "watch above-cancel 100 count 2: a spike to 150 fires and cancels"

bg w watch "$GI" absolute above 100 count 2
wpid=$bgpid
attached "$wpid" threshold
h add 150
h add -150
h add 120
h add -120
hsync
reap "$wpid"
cat >"$tmp/exp" <<EOF
T $GI absolute above 100 fired value=150 seq=1 flags=- lost=0
T $GI absolute above 100 fired value=120 seq=2 flags=- lost=0
2 events, 0 lost
EOF
mask_secs "$tmp/w.out" >"$tmp/got"
cp "$tmp/w.err" "$tmp/err"
check 0 "$tmp/exp" "$tmp/got" "watch above 100 count 2: two spikes fire twice"

bg w -j watch "$GI" hwm above 10 count 1
wpid=$bgpid
attached "$wpid" threshold
h add 25
hsync
reap "$wpid"
h add -25
{
	oneline <<EOF
{"time":T,"time_ns":N,"gauge_id":$id,"gauge":"$G","item":"q0",
"stat_id":S,"stat":"hwm","period_ns":0,"drain":0,"threshold_id":H,
"threshold":"above","threshold_value":10,"cancel":null,"type":"fired",
"value":25,"seq":1,"flags":[],"lost":0}
EOF
	echo '{"type":"SUMMARY","events":1,"lost":0}'
} >"$tmp/exp"
mask_ids "$tmp/w.out" >"$tmp/got"
cp "$tmp/w.err" "$tmp/err"
check 0 "$tmp/exp" "$tmp/got" "-j watch hwm above 10 count 1: JSON Lines, then the summary"

hsync
cat >"$tmp/exp" <<EOF
T $GI absolute below 0 fired value=0 seq=1 flags=INITIAL lost=0
1 events, 0 lost
EOF
run threshold "$GI" absolute below 0 count 1
mask_secs "$tmp/out" >"$tmp/got"
check 0 "$tmp/exp" "$tmp/got" "threshold below 0 at 0 fires at once with INITIAL"

### agg

run agg list
squeeze "$tmp/out" >"$tmp/sq"
{
	echo "ID NAME FUNCTION SOURCE KEYS ENTRIES"
	echo "aggmon.syscall_ns quantize kernel arg 14"
} >"$tmp/exp"
{
	head -n 1 "$tmp/sq"
	awk '$2 == "aggmon.syscall_ns" { print $2, $3, $4, $5, $6 }' "$tmp/sq"
} >"$tmp/got"
check 0 "$tmp/exp" "$tmp/got" "agg list lists aggmon.syscall_ns (blanks squeezed)"

cat >"$tmp/exp" <<EOF
id:           ID
name:         aggmon.syscall_ns
function:     quantize
source:       kernel
gauge:        -
keys:         arg
entries:      14 per CPU
cpus:         C
owner uid:    0
state:        live
record size:  1040 bytes (1 key and 127 value words)
EOF
run agg show name aggmon.syscall_ns
sed 's/^id:           [0-9][0-9]*$/id:           ID/
     s/^cpus:         [0-9][0-9]*$/cpus:         C/' "$tmp/out" >"$tmp/got"
check 0 "$tmp/exp" "$tmp/got" "agg show name aggmon.syscall_ns (id and CPUs masked)"

# The helper's GAUGE_CREATE (3) and GAUGE_UPDATE (4) were timed: their
# keys are there, each with its distribution.
run agg dump name aggmon.syscall_ns
head_line=$(printf '%16s %41s %-9s' value "------------- Distribution -------------" count)
nhead=$(grep -cxF "$head_line" "$tmp/out")
nkeys=$(grep -c '^ *[0-9][0-9]*$' "$tmp/out")
nbad=$(grep -v -x -e '' -e '^ *[0-9][0-9]*$' -e "$head_line" \
	-e '^ *[<>=]* *-*[0-9][0-9]* |@* * [0-9][0-9]* *$' "$tmp/out" | wc -l)
desc="agg dump name aggmon.syscall_ns: a quantize per command, keys 3 and 4 too"
if [ "$rc" -eq 0 ] && [ ! -s "$tmp/err" ] &&
   [ -z "$(head -n 1 "$tmp/out")" ] &&
   grep -qx "$(printf ' %16s' 3)" "$tmp/out" &&
   grep -qx "$(printf ' %16s' 4)" "$tmp/out" &&
   [ "$nhead" -ge 2 ] && [ "$nhead" -eq "$nkeys" ] && [ "$nbad" -eq 0 ]; then
	report pass "$desc"
else
	echo "# status $rc, $nhead headers, $nkeys keys, $nbad other lines"
	sed 's/^/# /' "$tmp/out" "$tmp/err" | head -60
	report fail "$desc"
fi

run -j agg dump name aggmon.syscall_ns
if [ "$rc" -eq 0 ] && [ ! -s "$tmp/err" ] && [ "$(wc -l <"$tmp/out")" -eq 1 ] &&
   grep -q '^{"id":[0-9]*,"name":"aggmon.syscall_ns","func":"quantize",' "$tmp/out" &&
   grep -q '"source":"kernel","keys":\["arg"\],"gone":false,"entries":\[{.*}\]}$' \
	"$tmp/out" &&
   grep -q '{"key":\[4\],"count":[1-9][0-9]*,"buckets":\[{"min":' "$tmp/out"; then
	report pass "-j agg dump: one object with the dictionary entry and the entries"
else
	sed 's/^/# /' "$tmp/out" "$tmp/err" | head -20
	report fail "-j agg dump: one object with the dictionary entry and the entries"
fi

# Four aggregations of the same updates, printed at SIGTERM.
h set 0
hsync
bg sum agg run user.tooltest.sum "$GI" sum
spid=$bgpid
bg cnt -j agg run user.tooltest.count "$GI" count
cpid=$bgpid
bg lq agg run user.tooltest.lq "$GI" lquantize 0 40 10
lpid=$bgpid
bg lvl agg run user.tooltest.lvl "$GI" max by gauge source level
vpid=$bgpid
for p in $spid $cpid $lpid $vpid; do
	attached "$p" agg
done
h add 5
h add 7
h add -2
h add 30
hsync
kill -TERM $spid $cpid $lpid $vpid

reap "$spid"
printf '\n %16s\n' 40 >"$tmp/exp"
cp "$tmp/sum.err" "$tmp/err"
check 0 "$tmp/exp" "$tmp/sum.out" "agg run sum of 5, 7, -2, 30 prints 40 at SIGTERM"

reap "$cpid"
oneline >"$tmp/exp" <<EOF
{"id":A,"name":"user.tooltest.count","func":"count","source":"gauge_delta",
"gauge_id":$id,"keys":[],"gone":false,"entries":[{"key":[],"count":4}]}
EOF
sed 's/^{"id":[0-9]*,/{"id":A,/' "$tmp/cnt.out" >"$tmp/got"
cp "$tmp/cnt.err" "$tmp/err"
check 0 "$tmp/exp" "$tmp/got" "-j agg run count: 4 updates (aggregation id masked)"

reap "$lpid"
{
	printf '\n\n%16s %41s %-9s\n' value "------------- Distribution -------------" count
	lq_row() {
		printf '%16s |%-40s %-9s\n' "$1" "$2" "$3"
	}
	lq_row "< 0" @@@@@@@@@@ 1
	lq_row 0 @@@@@@@@@@@@@@@@@@@@ 2
	lq_row 10 "" 0
	lq_row 20 "" 0
	lq_row 30 @@@@@@@@@@ 1
	lq_row ">= 40" "" 0
	echo
} >"$tmp/exp"
cp "$tmp/lq.err" "$tmp/err"
check 0 "$tmp/exp" "$tmp/lq.out" "agg run lquantize 0 40 10: the distribution of 5, 7, -2, 30"

reap "$vpid"
printf '\n %16s %16s\n' "$id" 40 >"$tmp/exp"
cp "$tmp/lvl.err" "$tmp/err"
check 0 "$tmp/exp" "$tmp/lvl.out" "agg run max by gauge source level: the highest level, 40"

printf '\n' >"$tmp/exp"
run agg run user.tooltest.idle "$GI" sum duration 1s
check 0 "$tmp/exp" "$tmp/out" "agg run duration 1s without updates prints an empty report"

### top

# The expected table of 'aggmon top' for the gauge alone, value $1 and
# rate $2, with the widths the tool computes.
top_table() {
	local wid=${#id} wv=${#1}

	[ "$wid" -lt 2 ] && wid=2
	[ "$wv" -lt 5 ] && wv=5
	printf "%${wid}s  %-19s  %-4s  %${wv}s  %6s  %s\n" ID NAME ITEM VALUE RATE/s UNIT
	printf "%${wid}s  %-19s  %-4s  %${wv}s  %6s  %s\n" "$id" "$G" q0 "$1" "$2" items
}

{
	echo "aggmon top: 1 gauge, sorted by name, every 1s"
	top_table 40 -
} >"$tmp/exp"
run top batch count 1 filter user.
check 0 "$tmp/exp" "$tmp/out" "top batch count 1 filter user. shows the gauge alone, exactly"

{
	echo "aggmon top: 1 gauge, sorted by value, every 200ms"
	top_table 40 -
	echo
	echo "aggmon top: 1 gauge, sorted by value, every 200ms"
	top_table 40 0.0
} >"$tmp/exp"
run top batch count 2 interval 200ms sort value filter "$GI"
check 0 "$tmp/exp" "$tmp/out" "top count 2 interval 200ms: rate - then 0.0 (filter NAME:ITEM)"

oneline >"$tmp/exp" <<EOF
{"time":"TIME","interval_ns":1000000000,"sort":"name","gauges":[{"id":$id,
"name":"$G","item":"q0","unit":"items","kind":"user","value":40,"rate":null}]}
EOF
run -j top count 1 filter user.tooltest
sed "s/^{\"time\":\"$ISO\",/{\"time\":\"TIME\",/" "$tmp/out" >"$tmp/got"
check 0 "$tmp/exp" "$tmp/got" "-j top count 1: one JSON document (time masked)"

### monitor

cat >"$tmp/mon.conf" <<EOF
# aggmon_tool_test.sh: a spike above 100
watch $GI absolute above-cancel 100
EOF
echo "$tmp/mon.conf:2: watch $GI (id $id) absolute above-cancel 100" >"$tmp/exp"
run monitor -c "$tmp/mon.conf" check
check 0 "$tmp/exp" "$tmp/out" "monitor -c FILE check prints the monitor"

h set 0
hsync
bg mon monitor -c "$tmp/mon.conf" count 2 duration 60s
mpid=$bgpid
attached "$mpid" threshold
h add 150
h add -150
hsync
reap "$mpid"
cat >"$tmp/exp" <<EOF
TIME fired $GI absolute above-cancel 100 value 150 seq 1
TIME cancelled $GI absolute above-cancel 100 value 0 seq 2
EOF
mask_iso "$tmp/mon.out" >"$tmp/got"
cp "$tmp/mon.err" "$tmp/err"
check 0 "$tmp/exp" "$tmp/got" "monitor -c FILE count 2 logs fired and cancelled (time masked)"

echo "watch $G:q0 absolute below 0" >"$tmp/mon0.conf"
echo "TIME fired $GI absolute below 0 value 0 seq 1 initial" >"$tmp/exp"
run monitor --config "$tmp/mon0.conf" duration 2s
mask_iso "$tmp/out" >"$tmp/got"
check 0 "$tmp/exp" "$tmp/got" \
	"monitor --config FILE duration 2s logs an initial fired line (NAME:ITEM)"

oneline >"$tmp/exp" <<EOF
{"time":"TIME","monotonic_ns":M,"member":"HOST","seq":1,"type":"fired","gauge":"$GI",
"gauge_id":$id,"stat":"absolute","stat_id":S,"threshold":"below",
"threshold_value":0,"threshold_id":H,"value":0,"event_seq":1,"lost":0,
"initial":true,"timer":false,"line":1}
EOF
run -j monitor config "$tmp/mon0.conf" count 1
sed "s/^{\"time\":\"$ISO\",/{\"time\":\"TIME\",/" "$tmp/out" >"$tmp/got"
mask_ids "$tmp/got" >"$tmp/got2"
mv "$tmp/got2" "$tmp/got"
check 0 "$tmp/exp" "$tmp/got" "-j monitor config FILE count 1: one JSON object per event"

### Errors: a missing gauge exits 1, a usage error 2

echo "watch $NOGAUGE above 1" >"$tmp/mon1.conf"
expect_err 1 "" "no such gauge: $NOGAUGE (see 'aggmon gauge list')" \
	"gauge show of a missing gauge exits 1" gauge show "$NOGAUGE"
expect_err 1 "" "no such gauge: $NOGAUGE:q0 (see 'aggmon gauge list')" \
	"gauge read of a missing gauge exits 1" gauge read "$NOGAUGE:q0"
expect_err 1 "" "no such gauge: $NOGAUGE (see 'aggmon gauge list')" \
	"stat read of a missing gauge exits 1" stat read "$NOGAUGE" hwm
expect_err 1 "" "no such gauge: $NOGAUGE (see 'aggmon gauge list')" \
	"watch of a missing gauge exits 1" watch "$NOGAUGE" absolute above 1
expect_err 1 "" "no such gauge: $NOGAUGE (see 'aggmon gauge list')" \
	"agg run on a missing gauge exits 1" agg run user.tooltest.x "$NOGAUGE" sum
expect_err 1 "" "no such aggregation: user.tooltest.nosuch (see 'aggmon agg list')" \
	"agg dump of a missing aggregation exits 1" agg dump name user.tooltest.nosuch
expect_err 1 "" "$tmp/mon1.conf:1: no such gauge: $NOGAUGE (see 'aggmon gauge list')" \
	"monitor of a missing gauge exits 1" monitor -c "$tmp/mon1.conf" duration 1s
expect_err 2 "" "missing OBJECT" "aggmon without an object exits 2"
expect_err 2 gauge "unknown gauge command 'bogus'" \
	"an unknown gauge command exits 2" gauge bogus
expect_err 2 gauge "invalid --count '0': expected a positive number" \
	"gauge read --count 0 exits 2" gauge read "$GI" --count 0
expect_err 2 stat "unknown statistic KIND 'bogus': expected absolute, hwm, lwm, rate or bucket" \
	"stat read with an unknown KIND exits 2" stat read "$GI" bogus
THR="above, below, above-cancel or below-cancel"
expect_err 2 watch "watch needs a threshold: $THR" \
	"watch without a threshold exits 2" watch "$GI" absolute
FUNCS="count, sum, min, max, avg, stddev, quantize, lquantize or llquantize"
expect_err 2 agg "unknown function 'bogus': expected $FUNCS" \
	"agg run with an unknown function exits 2" agg run user.tooltest.x "$GI" bogus
expect_err 2 top "unknown argument 'bogus'" "top with an unknown argument exits 2" top bogus
expect_err 2 monitor "monitor needs a config FILE" "monitor without a FILE exits 2" monitor

### The gauge goes with the helper

bg w watch "$GI" absolute above 1000
wpid=$bgpid
attached "$wpid" threshold
h quit
exec 3>&-
wait "$hpid"
hrc=$?
hpid=
reap "$wpid"
cat >"$tmp/exp" <<EOF
T $GI absolute above 1000 gone value=0 seq=1 flags=- lost=0
1 events, 0 lost
EOF
mask_secs "$tmp/w.out" >"$tmp/got"
cp "$tmp/w.err" "$tmp/err"
check 0 "$tmp/exp" "$tmp/got" "watch ends with gone when the helper exits and its gauge goes"

expect_err 1 "" "no such gauge: $GI (see 'aggmon gauge list')" \
	"gauge show of the gauge once the helper exited exits 1" gauge show "$GI"

if [ "$hrc" -eq 0 ] && [ ! -s "$tmp/helper.err" ]; then
	report pass "the helper exits 0 without an error"
else
	echo "# helper status $hrc"
	sed 's/^/# helper stderr: /' "$tmp/helper.err"
	report fail "the helper exits 0 without an error"
fi

tap_end $PLAN

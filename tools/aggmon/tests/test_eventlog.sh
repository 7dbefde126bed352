#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Host tests of the event log of 'aggmon monitor' over the in-memory fake
# kernel (tests/aggmon-fake): the records of threshold events and
# snapshots, their sequence ids across restarts (the state file), and
# their sinks: a Journal Export Format stream read back through
# systemd-journal-remote and journalctl, the journal's native protocol
# into a socket of the test's own (standing in for journald), text and
# JSON lines; records a sink cannot take are counted and said.
# Prints TAP; exits 1 if a test fails.
#
# Usage: tests/test_eventlog.sh [BUILD_DIR]	(default: the folder above tests/)

set -u
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/..}
fake=$build/tests/aggmon-fake
journal_remote=/lib/systemd/systemd-journal-remote
. "$here/tap.sh"

export AGGMON_FAKE_STATS=1
conf=$tmp/mon.conf
# The fake's statistics: 6000, 4500, 3000, then 7000 by time alone.
script=6000,4500,3000,t7000

# check DESCRIPTION CMD...: CMD succeeds.
check() {
	local desc=$1

	shift
	if "$@" >"$tmp/chk" 2>&1; then
		report pass "$desc"
	else
		sed 's/^/# /' "$tmp/chk" | tail -n 5
		report fail "$desc"
	fi
}

# monitor ARGS...: the fake's monitor over $conf, thresholds kept open.
monitor() {
	AGGMON_FAKE_SCRIPT=$script AGGMON_FAKE_OPEN=1 \
		run "$fake" monitor -c "$conf" "$@"
}

### The export stream, through systemd-journal-remote and journalctl

printf '%s\n' 'watch mm.free_pages hwm above-cancel 5000 cancel 4000' \
	'watch net.e100.tx_packets:eth0 above 100' 'member m1' \
	"state $tmp/m1.seq" 'snapshot interval 24h' "log export $tmp/m1.export" \
	>"$conf"
monitor duration 200ms
[ "$rc" -eq 0 ] && [ ! -s "$tmp/out" ] && [ ! -s "$tmp/err" ] &&
	report pass "monitor with log export FILE: nothing on stdout or stderr" ||
	report fail "monitor with log export FILE: nothing on stdout or stderr"
mkdir "$tmp/j"
check "systemd-journal-remote ingests the export stream" \
	"$journal_remote" -o "$tmp/j/m1.journal" - <"$tmp/m1.export"
journalctl -D "$tmp/j" -o json --no-pager >"$tmp/j.json" 2>"$tmp/err"
check "journalctl reads back each record with its fields, exactly" python3 -c '
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
keep = lambda r: {k: v for k, v in r.items()
		  if not k.startswith("__") and k not in
		  ("_BOOT_ID", "_HOSTNAME", "AGGMON_TIME_NS", "AGGMON_MONOTONIC_NS")}
common = {"SYSLOG_IDENTIFIER": "aggmon", "AGGMON_MEMBER": "m1"}
snap = lambda seq, gauge, item, stat, line, value, msg: dict(common,
	AGGMON_EVENT="snapshot", AGGMON_SEQ=str(seq), AGGMON_GAUGE=gauge,
	AGGMON_STAT=stat, AGGMON_VALUE=str(value), AGGMON_LINE=str(line),
	PRIORITY="6", MESSAGE=msg, **({"AGGMON_ITEM": item} if item else {}))
thr = "above-cancel 5000 cancel 4000"
ev = lambda seq, event, value, eseq, msg, prio, **more: dict(common,
	AGGMON_EVENT=event, AGGMON_SEQ=str(seq), AGGMON_GAUGE="mm.free_pages",
	AGGMON_STAT="hwm", AGGMON_THRESHOLD=thr, AGGMON_VALUE=str(value),
	AGGMON_EVENT_SEQ=str(eseq), AGGMON_LINE="1", PRIORITY=prio,
	MESSAGE=msg, **more)
want = [
	snap(1, "mm.free_pages", "", "hwm", 1, 4096,
	     "snapshot mm.free_pages hwm value 4096"),
	snap(2, "net.e100.tx_packets", "eth0", "absolute", 2, 12345,
	     "snapshot net.e100.tx_packets:eth0 absolute value 12345"),
	ev(3, "fired", 6000, 1, "fired mm.free_pages hwm " + thr + " value 6000 seq 1", "5"),
	ev(4, "cancelled", 3000, 2,
	   "cancelled mm.free_pages hwm " + thr + " value 3000 seq 2", "6"),
	ev(5, "fired", 7000, 3, "fired mm.free_pages hwm " + thr + " value 7000 seq 3 timer", "5",
	   AGGMON_TIMER="1"),
	dict(common, AGGMON_EVENT="fired", AGGMON_SEQ="6",
	     AGGMON_GAUGE="net.e100.tx_packets", AGGMON_ITEM="eth0",
	     AGGMON_STAT="absolute", AGGMON_THRESHOLD="above 100",
	     AGGMON_VALUE="12345", AGGMON_EVENT_SEQ="1", AGGMON_INITIAL="1",
	     AGGMON_LINE="2", PRIORITY="5",
	     MESSAGE="fired net.e100.tx_packets:eth0 absolute above 100 value 12345 seq 1 initial"),
]
got = sorted((keep(r) for r in recs), key=lambda r: int(r["AGGMON_SEQ"]))
for g, w in zip(got, want):
	assert g == w, (g, w)
assert len(got) == len(want), len(got)
boot_id = open("/proc/sys/kernel/random/boot_id").read().strip().replace("-", "")
for r in recs:
	t, m = int(r["AGGMON_TIME_NS"]), int(r["AGGMON_MONOTONIC_NS"])
	assert int(r["__REALTIME_TIMESTAMP"]) == t // 1000, r
	assert int(r["__MONOTONIC_TIMESTAMP"]) == m // 1000, r
	assert r["_BOOT_ID"] == boot_id
' "$tmp/j.json"
check "the state file holds the last sequence id" \
	test "$(cat "$tmp/m1.seq")" = 00000000000000000006

# A restart continues the sequence: ids 7 to 12, into the same stream.
monitor duration 200ms
check "a restart continues the sequence ids: 1 to 12, each once" python3 -c '
import re, sys
ids = [int(x) for x in re.findall(r"^AGGMON_SEQ=(\d+)$", open(sys.argv[1]).read(), re.M)]
assert sorted(ids) == list(range(1, 13)), ids' "$tmp/m1.export"

### Text and JSON lines into files, the machine id as the member

printf '%s\n' 'watch mm.free_pages hwm above-cancel 5000 cancel 4000' \
	"log text $tmp/t.log" "log json $tmp/j.log" >"$conf"
monitor count 3
member=$(head -n 1 /etc/machine-id 2>/dev/null || hostname)
cut -d ' ' -f 2- "$tmp/t.log" >"$tmp/t.cut"
printf '%s\n' "fired mm.free_pages hwm above-cancel 5000 cancel 4000 value 6000 seq 1" \
	"cancelled mm.free_pages hwm above-cancel 5000 cancel 4000 value 3000 seq 2" \
	"fired mm.free_pages hwm above-cancel 5000 cancel 4000 value 7000 seq 3 timer" \
	>"$tmp/want"
[ "$rc" -eq 0 ] && [ ! -s "$tmp/out" ] && cmp -s "$tmp/want" "$tmp/t.cut" &&
	report pass "log text FILE: the lines of the events, in the file" ||
	report fail "log text FILE: the lines of the events, in the file"
check "log json FILE: one object a line, the machine id as member, no state: ids from 1" \
	python3 -c '
import json, sys
docs = [json.loads(l) for l in open(sys.argv[1])]
assert [d["seq"] for d in docs] == [1, 2, 3]
assert all(d["member"] == sys.argv[2] for d in docs), docs[0]["member"]
assert [d["type"] for d in docs] == ["fired", "cancelled", "fired"]
assert docs[2]["timer"] and docs[0]["monotonic_ns"] < docs[1]["monotonic_ns"]
assert list(docs[0]) == ["time", "monotonic_ns", "member", "seq", "type",
	"gauge", "gauge_id", "stat", "stat_id", "threshold", "threshold_value",
	"threshold_id", "value", "event_seq", "lost", "initial", "timer", "line"]
' "$tmp/j.log" "$member"

### The native protocol, into a socket of the test's own

# listen SOCKET OUT SECONDS DELAY [COUNT]: after DELAY seconds without a
# socket, receive datagrams on SOCKET for SECONDS or until COUNT are in,
# one JSON object of their fields a line into OUT.
listen() {
	python3 -c '
import json, os, socket, sys, time
path, out, secs, delay = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
want = int(sys.argv[5]) if len(sys.argv) > 5 else 0
got = 0
time.sleep(delay)
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
open(out + ".ready", "w").close()
s.settimeout(0.05)
end = time.time() + secs
with open(out, "w") as f:
	while time.time() < end and (not want or got < want):
		try:
			d = s.recv(65536)
		except socket.timeout:
			continue
		fields = {}
		while d:
			line, _, rest = d.partition(b"\n")
			if b"=" in line:
				k, v = line.split(b"=", 1)
				d = rest
			else:
				n = int.from_bytes(rest[:8], "little")
				k, v, d = line, rest[8:8 + n], rest[9 + n:]
			fields[k.decode()] = v.decode()
		f.write(json.dumps(fields) + "\n")
		f.flush()
		got += 1
' "$@" &
	lpid=$!
}

listen "$tmp/journal.sock" "$tmp/native" 5 0 3
while [ ! -e "$tmp/native.ready" ]; do sleep 0.05; done
printf '%s\n' 'watch mm.free_pages hwm above-cancel 5000 cancel 4000' \
	'member m2' "log journal $tmp/journal.sock" >"$conf"
monitor count 3
wait "$lpid" 2>/dev/null
check "log journal SOCKET: the native protocol, one datagram a record" python3 -c '
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
assert [r["AGGMON_SEQ"] for r in recs] == ["1", "2", "3"], recs
r = recs[1]
assert {k: v for k, v in r.items() if not k.endswith("_NS")} == {
	"MESSAGE": "cancelled mm.free_pages hwm above-cancel 5000 cancel 4000 value 3000 seq 2",
	"PRIORITY": "6", "SYSLOG_IDENTIFIER": "aggmon", "AGGMON_EVENT": "cancelled",
	"AGGMON_SEQ": "2", "AGGMON_MEMBER": "m2", "AGGMON_GAUGE": "mm.free_pages",
	"AGGMON_STAT": "hwm", "AGGMON_THRESHOLD": "above-cancel 5000 cancel 4000",
	"AGGMON_VALUE": "3000", "AGGMON_EVENT_SEQ": "2", "AGGMON_LINE": "1"}, r
' "$tmp/native"

# No journal at first: the records are counted, then said, then written.
rm -f "$tmp/native.ready"
listen "$tmp/late.sock" "$tmp/late" 1.5 0.5
printf '%s\n' 'watch mm.free_pages hwm above 1' 'member m3' \
	'snapshot interval 50ms' "log journal $tmp/late.sock" >"$conf"
monitor duration 1500ms
wait "$lpid" 2>/dev/null
check "a journal that comes late: first a dropped record with the count, then every id" python3 -c '
import json, re, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
d = recs[0]
assert d["AGGMON_EVENT"] == "dropped" and d["AGGMON_FIRST_SEQ"] == "1", d
n, last = int(d["AGGMON_DROPPED"]), int(d["AGGMON_LAST_SEQ"])
assert n == last and n >= 2, d
ids = [int(r["AGGMON_SEQ"]) for r in recs[1:]]
assert ids == list(range(last + 1, last + 1 + len(ids))) and ids, ids
err = open(sys.argv[2]).read().splitlines()
assert err[0] == ("aggmon: cannot write to the journal log %s: No such file or directory"
		  " (counting the records dropped)" % sys.argv[3]), err
assert err[1] == ("aggmon: the journal log %s takes records again: %d were dropped,"
		  " sequence ids 1 to %d" % (sys.argv[3], n, n)), err
assert len(err) == 2, err
' "$tmp/late" "$tmp/err" "$tmp/late.sock"

# A sink that never takes a record: counted, said, exit status 1.
printf '%s\n' 'watch mm.free_pages hwm above-cancel 5000 cancel 4000' \
	'log export /dev/full' >"$conf"
monitor count 3
{ echo "aggmon: cannot write to the export log /dev/full: No space left on device" \
	"(counting the records dropped)"
  echo "aggmon: 3 records were never written to the export log /dev/full," \
	"sequence ids 1 to 3"; } >"$tmp/want"
[ "$rc" -eq 1 ] && cmp -s "$tmp/want" "$tmp/err" &&
	report pass "log export /dev/full: 3 records dropped, said, exit 1" ||
	{ diff -u "$tmp/want" "$tmp/err" | sed 's/^/# /'
	  report fail "log export /dev/full: 3 records dropped, said, exit 1"; }

### Errors in the file

bad() {
	printf '%s\n' 'watch mm.free_pages hwm above 1' "$1" >"$conf"
	expect 2 "$conf:2: $2" "monitor file error: $2" "$fake" monitor -c "$conf"
}
bad "log" "log needs text, json, journal or export"
bad "log syslog" "unknown log 'syslog': expected text, json, journal or export"
bad "log text a b" "unknown log option 'b'"
bad "member" "member needs an ID"
bad "member a b" "member takes only an ID"
bad "state" "state needs a FILE"
bad "snapshot" "snapshot needs interval DURATION"
bad "snapshot interval 0s" \
	"invalid interval '0s': expected a DURATION from 1ms to 24h, such as 500ms"
bad "snapshot interval 1s every" "unknown snapshot option 'every'"
printf '%s\n' 'member a' 'watch mm.free_pages hwm above 1' 'member b' >"$conf"
expect 2 "$conf:3: member given twice, first on line 1" \
	"monitor: member twice exits 2" "$fake" monitor -c "$conf"
echo "garbage" >"$tmp/bad.seq"
printf '%s\n' 'watch mm.free_pages hwm above 1' "state $tmp/bad.seq" >"$conf"
expect 1 "the state file $tmp/bad.seq holds no sequence id: remove it, or give another" \
	"monitor: a state file of garbage exits 1" "$fake" monitor -c "$conf"
printf '%s\n' 'watch mm.free_pages hwm above 1' "state $tmp/none/x.seq" >"$conf"
expect 1 "cannot open the state file $tmp/none/x.seq: No such file or directory" \
	"monitor: a state file that cannot be opened exits 1" "$fake" monitor -c "$conf"

echo "1..$n"
[ "$failed" -eq 0 ]

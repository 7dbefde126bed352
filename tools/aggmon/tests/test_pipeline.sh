#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The fleet's pipeline on one host, members over the in-memory fake kernel
# (tests/aggmon-fake) instead of guests: two members' monitors log into
# Journal Export Format streams and keep metrics files; one member's
# monitor is stopped and started again; systemd-journal-remote gathers
# the streams into one directory and 'aggmon fleet query' answers for a
# window; Prometheus, started here on 127.0.0.1, scrapes both members'
# files through python3's http.server and a PromQL query returns each
# member's gauge.  Every service is started by this script on 127.0.0.1
# and stopped by its PID.
# Prints TAP; exits 1 if a test fails.
#
# Usage: tests/test_pipeline.sh [BUILD_DIR]	(default: the folder above tests/)

set -u
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/..}
fake=$build/tests/aggmon-fake
aggmon=$build/aggmon
journal_remote=/lib/systemd/systemd-journal-remote
. "$here/tap.sh"

pids=
stop_all() {
	local p

	for p in $pids; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	rm -rf "$tmp"
}
trap stop_all EXIT

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

free_port() {
	python3 -c '
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

mkdir "$tmp/www" "$tmp/remote"
export AGGMON_FAKE_STATS=1 AGGMON_FAKE_OPEN=1

# member NAME DURATION: a monitor of member NAME, in the background; its
# statistic goes 6000, 4500, 3000, then 7000 by time alone: fired,
# cancelled, fired, with a snapshot every 100ms.
member() {
	printf '%s\n' 'watch mm.free_pages hwm above-cancel 5000 cancel 4000' \
		"member $1" "state $tmp/$1.seq" 'snapshot interval 100ms' \
		"log export $tmp/$1.export" \
		"metrics $tmp/www/$1.prom interval 100ms format prometheus" \
		>"$tmp/$1.conf"
	AGGMON_FAKE_SCRIPT=6000,4500,3000,t7000 \
		"$fake" monitor -c "$tmp/$1.conf" duration "$2" \
		>"$tmp/$1.out" 2>"$tmp/$1.err" &
	eval "pid_$1=\$!"
	pids="$pids $!"
}

start_ns=$(date +%s%N)
member m1 30s
member m2 30s
# m1 stopped (SIGTERM) and started again: its ids go on.
sleep 0.5
kill -TERM "$pid_m1"
wait "$pid_m1"
rc1=$?
member m1 30s

### Prometheus scrapes both members

http_port=$(free_port)
prom_port=$(free_port)
python3 -m http.server --bind 127.0.0.1 --directory "$tmp/www" "$http_port" \
	>"$tmp/http.log" 2>&1 &
pids="$pids $!"
cat >"$tmp/prometheus.yml" <<EOF
global:
  scrape_interval: 500ms
  scrape_timeout: 400ms
scrape_configs:
  - job_name: m1
    metrics_path: /m1.prom
    static_configs: [{targets: ['127.0.0.1:$http_port']}]
  - job_name: m2
    metrics_path: /m2.prom
    static_configs: [{targets: ['127.0.0.1:$http_port']}]
EOF
prometheus --config.file="$tmp/prometheus.yml" \
	--storage.tsdb.path="$tmp/tsdb" \
	--web.listen-address="127.0.0.1:$prom_port" >"$tmp/prom.log" 2>&1 &
pids="$pids $!"

# promql QUERY: the result of an instant query, one "job value" a line.
promql() {
	python3 -c '
import json, sys, urllib.parse, urllib.request
url = "http://127.0.0.1:%s/api/v1/query?query=%s" % (sys.argv[1],
	urllib.parse.quote(sys.argv[2]))
d = json.load(urllib.request.urlopen(url, timeout=2))
for r in sorted(d["data"]["result"], key=lambda r: r["metric"].get("job", "")):
	print(r["metric"].get("job", "-"), r["value"][1])
' "$prom_port" "$1" 2>/dev/null
}

for i in $(seq 100); do
	[ "$(promql 'up == 1' | wc -l)" = 2 ] && break
	sleep 0.2
done
printf '%s\n' "m1 1" "m2 1" >"$tmp/want"
promql up >"$tmp/got"
cmp -s "$tmp/want" "$tmp/got" &&
	report pass "Prometheus scrapes both members: up == 1" ||
	{ sed 's/^/# /' "$tmp/got" "$tmp/prom.log" | tail -n 5
	  report fail "Prometheus scrapes both members: up == 1"; }
printf '%s\n' "m1 4096" "m2 4096" >"$tmp/want"
promql aggmon_mm_free_pages >"$tmp/got"
cmp -s "$tmp/want" "$tmp/got" &&
	report pass "PromQL: each member's gauge as the member reads it" ||
	{ sed 's/^/# /' "$tmp/got"
	  report fail "PromQL: each member's gauge as the member reads it"; }
for m in m1 m2; do
	grep "^aggmon_monitor_events_total{.*type=\"fired\"}" "$tmp/www/$m.prom" |
		sed "s/.* /$m /"
done >"$tmp/want"
promql 'aggmon_monitor_events_total{type="fired"}' >"$tmp/got"
cmp -s "$tmp/want" "$tmp/got" &&
	report pass "PromQL: the monitors' fired events, as their files say" ||
	{ sed 's/^/# /' "$tmp/want" "$tmp/got"
	  report fail "PromQL: the monitors' fired events, as their files say"; }

### The events, gathered and queried

kill -TERM "$pid_m1" "$pid_m2"
wait "$pid_m1"
rc1b=$?
wait "$pid_m2"
rc2=$?
end_ns=$(date +%s%N)
check "the monitors stop at SIGTERM, status 0, nothing on stderr" \
	test "$rc1$rc1b$rc2" = 000 -a ! -s "$tmp/m1.err" -a ! -s "$tmp/m2.err"
for m in m1 m2; do
	"$journal_remote" -o "$tmp/remote/$m.journal" - <"$tmp/$m.export" \
		>"$tmp/jr.log" 2>&1 || cat "$tmp/jr.log"
done
since=@$((start_ns / 1000000000 - 1))
until=@$((end_ns / 1000000000 + 1))
run "$aggmon" -j fleet query since "$since" until "$until" "$tmp/remote"
check "every record of every member once, sequence ids without gaps across m1's restart" \
	python3 -c '
import json, re, sys
d = json.loads(open(sys.argv[1]).read())
for m in ("m1", "m2"):
	seqs = [r["seq"] for r in d["records"] if r["member"] == m]
	assert sorted(seqs) == list(range(1, len(seqs) + 1)), (m, seqs)
	logged = [int(x) for x in re.findall(r"^AGGMON_SEQ=(\d+)$",
					     open(sys.argv[2] + "/" + m + ".export").read(), re.M)]
	assert sorted(logged) == sorted(seqs), m
	assert int(open(sys.argv[2] + "/" + m + ".seq").read()) == len(seqs)
	c = d["counts"][m]
	fired = 4 if m == "m1" else 2
	assert (c["fired"], c["cancelled"]) == (fired, fired // 2), (m, c)
keys = [(r["time_ns"], r["member"], r["seq"]) for r in d["records"]]
assert keys == sorted(keys)
assert d["first"]["cursor"] == d["records"][0]["cursor"]
assert d["last"]["cursor"] == d["records"][-1]["cursor"]
' "$tmp/out" "$tmp"
mid=$(python3 -c '
import json, sys
r = json.loads(open(sys.argv[1]).read())["records"]
print("%s:%d" % (r[len(r) // 2]["member"], r[len(r) // 2]["seq"]))' "$tmp/out")
run "$aggmon" -j fleet query after "$mid" "$tmp/remote"
cp "$tmp/out" "$tmp/after.json"
run "$aggmon" -j fleet query since "$since" until "$until" "$tmp/remote"
check "after MEMBER:SEQ from the middle: exactly the rest of the answer" python3 -c '
import json, sys
whole = json.loads(open(sys.argv[1]).read())["records"]
rest = json.loads(open(sys.argv[2]).read())["records"]
assert rest == whole[len(whole) // 2 + 1:], (len(whole), len(rest))
' "$tmp/out" "$tmp/after.json"

echo "1..$n"
[ "$failed" -eq 0 ]

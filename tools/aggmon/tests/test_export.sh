#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Host tests of 'aggmon export' and of the metrics file of 'aggmon
# monitor', over the in-memory fake kernel (tests/aggmon-fake): the exact
# text (golden files in tests/golden/), and the text as Prometheus' own
# tools read it: promtool check metrics (the classic format) and the
# strict OpenMetrics parser of python3-prometheus-client, for every
# statistic kind and every aggregation function, with negative and empty
# histograms (AGGMON_FAKE_EXPORT adds them to the fake's aggregations).
# Prints TAP; exits 1 if a test fails.
#
# Usage: tests/test_export.sh [BUILD_DIR]	(default: the folder above tests/)

set -u
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/..}
fake=$build/tests/aggmon-fake
golden=$here/golden
# Debian's python3, which python3-prometheus-client installs into.
syspython=/usr/bin/python3
. "$here/tap.sh"

export AGGMON_FAKE_EXPORT=1 AGGMON_FAKE_AGG_KEYS=3

# openmetrics FILE DESCRIPTION [CODE]: FILE passes the strict parser, and
# the Python CODE over fams, {name: family}.
openmetrics() {
	if "$syspython" -c '
import sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families
fams = {f.name: f for f in text_string_to_metric_families(open(sys.argv[1]).read())}
'"${3:-}" "$1" >"$tmp/pyout" 2>&1; then
		report pass "$2"
	else
		tail -n 3 "$tmp/pyout" | sed 's/^/# /'
		report fail "$2"
	fi
}

# promtool FILE DESCRIPTION: promtool check metrics finds nothing in FILE.
promcheck() {
	if promtool check metrics <"$1" >"$tmp/promout" 2>&1 &&
	   [ ! -s "$tmp/promout" ]; then
		report pass "$2"
	else
		sed 's/^/# /' "$tmp/promout" | head -10
		report fail "$2"
	fi
}

### The command line

run "$fake" export help
if [ "$rc" -eq 0 ] && grep -q '^Usage: aggmon export' "$tmp/out"; then
	report pass "export help exits 0 with the usage"
else
	report fail "export help exits 0 with the usage"
fi
run "$fake" export --help
[ "$rc" -eq 0 ] && grep -q '^Usage: aggmon export' "$tmp/out" &&
	report pass "export --help exits 0 with the usage" ||
	report fail "export --help exits 0 with the usage"
expect 2 "invalid format 'json': expected openmetrics or prometheus" \
	"export format json exits 2" "$fake" export format json
expect 2 "format given twice" "export format twice exits 2" \
	"$fake" export format prometheus --format openmetrics
expect 2 "format needs openmetrics or prometheus" \
	"export format without a value exits 2" "$fake" export format
expect 2 "output needs a FILE" "export output without a FILE exits 2" \
	"$fake" export output
expect 2 "unknown argument 'bogus'" "export bogus exits 2" "$fake" export bogus
expect 2 "export prints metrics, not JSON: leave out -j" \
	"export -j exits 2" "$fake" -j export
expect 1 "this kernel has no aggmon system call (CONFIG_AGGMON=n?)" \
	"export without the system call exits 1" "$build/aggmon" export
expect 1 "cannot write $tmp/none/x.prom: No such file or directory" \
	"export output into a missing folder exits 1" \
	"$fake" export output "$tmp/none/x.prom"

### The text

run "$fake" export
same "$golden/export.om" "export: OpenMetrics text, exactly (golden/export.om)"
cp "$tmp/out" "$tmp/export.om"
run "$fake" export format prometheus
same "$golden/export.prom" \
	"export format prometheus: the classic text, exactly (golden/export.prom)"
cp "$tmp/out" "$tmp/export.prom"
run "$fake" export --format openmetrics output "$tmp/x.prom"
if [ "$rc" -eq 0 ] && [ ! -s "$tmp/out" ] && cmp -s "$tmp/export.om" "$tmp/x.prom" &&
   [ ! -e "$tmp/x.prom.tmp" ]; then
	report pass "export output FILE: the same text in FILE, no FILE.tmp left"
else
	report fail "export output FILE: the same text in FILE, no FILE.tmp left"
fi

### As Prometheus reads it

promcheck "$tmp/export.prom" "promtool check metrics: the classic text, no problem"
openmetrics "$tmp/export.om" "the strict OpenMetrics parser reads every family" '
want = {
	"aggmon_mm_free_pages": ("gauge", "pages"),
	"aggmon_net_e100_tx_packets": ("gauge", "packets"),
	"aggmon_sched_reads": ("gauge", ""),
	"aggmon_user_test_temp": ("gauge", ""),
	"aggmon_agg_aggmon_syscall_seconds": ("histogram", "seconds"),
	"aggmon_agg_fake_net_tx_bytes": ("counter", "bytes"),
	"aggmon_agg_fake_sched_latency_seconds": ("histogram", "seconds"),
	"aggmon_agg_fake_io_size": ("histogram", ""),
	"aggmon_agg_fake_rq_len": ("gauge", ""),
	"aggmon_agg_fake_rq_max": ("gauge", ""),
	"aggmon_agg_fake_gen_count": ("counter", ""),
	"aggmon_agg_fake_mem_alloc": ("gauge", ""),
	"aggmon_agg_fake_lat_min_seconds": ("gauge", "seconds"),
	"aggmon_agg_fake_temp_delta": ("histogram", ""),
	"aggmon_agg_fake_empty_latency_seconds": ("histogram", "seconds"),
	"aggmon_agg_fake_balance": ("gauge", ""),
	"aggmon_agg_dropped": ("counter", ""),
}
got = {n: (f.type, f.unit) for n, f in fams.items()}
assert got == want, got'
openmetrics "$tmp/export.om" "every function: count, sum, min, max, avg, stddev as values" '
def s(name, **labels):
	return [x.value for x in fams[name].samples if x.labels == labels]
assert s("aggmon_agg_fake_gen_count", arg="0") == [2]
assert s("aggmon_agg_fake_gen_count", arg="2") == [4]
assert s("aggmon_agg_fake_net_tx_bytes", comm="sshd", pid="812") == [4500]
assert s("aggmon_agg_fake_lat_min_seconds", cpu="0") == [2e-07]
assert s("aggmon_agg_fake_rq_max", cpu="3") == [-2]
assert s("aggmon_agg_fake_mem_alloc", uid="0") == [150]
assert s("aggmon_agg_fake_rq_len") == [2]
assert s("aggmon_agg_fake_balance", arg="1") == [-100]
assert s("aggmon_agg_dropped", agg="aggmon.syscall_ns") == [3]
assert s("aggmon_net_e100_tx_packets", item="eth0") == [12345]'
openmetrics "$tmp/export.om" "histograms: cumulative, +Inf last, no _sum, negative and empty" '
def buckets(name, **labels):
	return [(x.labels["le"], x.value) for x in fams[name].samples
		if {k: v for k, v in x.labels.items() if k != "le"} == labels]
neg = buckets("aggmon_agg_fake_temp_delta")
assert len(neg) == 127 and neg[-1] == ("+Inf", 4), neg[-1]
assert [b for b in neg if b[0] in ("-4", "-1", "0", "3")] == \
	[("-4", 1), ("-1", 2), ("0", 3), ("3", 4)]
lq = buckets("aggmon_agg_fake_sched_latency_seconds", cpu="1")
assert lq[0] == ("-1e-06", 1) and lq[-1] == ("+Inf", 4) and len(lq) == 12, lq
io = buckets("aggmon_agg_fake_io_size")
assert io[0] == ("0", 1) and io[-1] == ("+Inf", 7)
assert fams["aggmon_agg_fake_empty_latency_seconds"].samples == []
for f in fams.values():
	assert not any(x.name.endswith(("_sum", "_count")) for x in f.samples), f.name
	if f.type == "histogram":
		vals = [x.value for x in f.samples]
		assert all(x.name.endswith("_bucket") for x in f.samples)'
if "$syspython" -c '
import sys
from prometheus_client.parser import text_string_to_metric_families
n = len(list(text_string_to_metric_families(open(sys.argv[1]).read())))
assert n == 17, n' "$tmp/export.prom" 2>"$tmp/pyout"; then
	report pass "the classic parser of prometheus_client reads the 17 families"
else
	sed 's/^/# /' "$tmp/pyout" | tail -n 3
	report fail "the classic parser of prometheus_client reads the 17 families"
fi

### The metrics file of aggmon monitor

export AGGMON_FAKE_STATS=1
conf=$tmp/mon.conf
printf '%s\n' 'watch mm.free_pages hwm above-cancel 5000 cancel 4000' \
	'watch net.e100.tx_packets:eth0 above 100' \
	"metrics $tmp/m.prom interval 24h" >"$conf"
AGGMON_FAKE_SCRIPT=6000,4500,3000,t7000 AGGMON_FAKE_OPEN=1 \
	run "$fake" monitor -c "$conf" duration 300ms
grep '^aggmon_monitor_\|^# [A-Z]* aggmon_monitor_' "$tmp/m.prom" >"$tmp/mon" 2>&1
labels1='line="1",gauge="mm.free_pages",stat="hwm",threshold="above-cancel 5000 cancel 4000"'
labels2='line="2",gauge="net.e100.tx_packets:eth0",stat="absolute",threshold="above 100"'
help_state="aggmon monitor: 1 where the statistic is past the threshold"
help_state="$help_state (fired, for the -cancel kinds)"
cat >"$tmp/want" <<EOF
# HELP aggmon_monitor_stat aggmon monitor: the value of the statistic of a watch line
# TYPE aggmon_monitor_stat gauge
aggmon_monitor_stat{line="1",gauge="mm.free_pages",stat="hwm"} 4096
aggmon_monitor_stat{line="2",gauge="net.e100.tx_packets:eth0",stat="absolute"} 12345
# HELP aggmon_monitor_threshold_state $help_state
# TYPE aggmon_monitor_threshold_state gauge
aggmon_monitor_threshold_state{$labels1} 1
aggmon_monitor_threshold_state{$labels2} 1
# HELP aggmon_monitor_events aggmon monitor: the events of a threshold, by type
# TYPE aggmon_monitor_events counter
aggmon_monitor_events_total{$labels1,type="fired"} 2
aggmon_monitor_events_total{$labels1,type="cancelled"} 1
aggmon_monitor_events_total{$labels1,type="lost"} 0
aggmon_monitor_events_total{$labels1,type="gone"} 0
aggmon_monitor_events_total{$labels2,type="fired"} 1
aggmon_monitor_events_total{$labels2,type="cancelled"} 0
aggmon_monitor_events_total{$labels2,type="lost"} 0
aggmon_monitor_events_total{$labels2,type="gone"} 0
# HELP aggmon_monitor_events_lost aggmon monitor: the events a threshold lost, its queue full
# TYPE aggmon_monitor_events_lost counter
aggmon_monitor_events_lost_total{$labels1} 0
aggmon_monitor_events_lost_total{$labels2} 0
EOF
if [ "$rc" -eq 0 ] && cmp -s "$tmp/want" "$tmp/mon" && [ ! -s "$tmp/err" ] &&
   [ ! -e "$tmp/m.prom.tmp" ]; then
	report pass "monitor metrics FILE: statistics, threshold states, event counters, exactly"
else
	diff -u "$tmp/want" "$tmp/mon" | sed 's/^/# /'
	report fail "monitor metrics FILE: statistics, threshold states, event counters, exactly"
fi
desc="monitor metrics FILE: the strict OpenMetrics parser reads it,"
desc="$desc with the gauges and aggregations"
openmetrics "$tmp/m.prom" "$desc" '
assert len(fams) == 4 + 17, sorted(fams)'
sed -i "s/interval 24h/interval 24h format prometheus/" "$conf"
AGGMON_FAKE_SCRIPT=6000 AGGMON_FAKE_OPEN=1 \
	run "$fake" monitor -c "$conf" duration 100ms
promcheck "$tmp/m.prom" "monitor metrics FILE format prometheus: promtool finds nothing"

# A file that cannot be written: said once, counted, the count said at the end.
printf '%s\n' 'watch mm.free_pages hwm above 1' \
	"metrics $tmp/none/m.prom interval 24h" >"$conf"
AGGMON_FAKE_OPEN=1 run "$fake" monitor -c "$conf" duration 100ms
{ echo "aggmon: cannot write the metrics file $tmp/none/m.prom: No such file or directory" \
	"(counting the failures)"
  echo "aggmon: 2 writes of the metrics file $tmp/none/m.prom failed"; } >"$tmp/want"
if [ "$rc" -eq 0 ] && cmp -s "$tmp/want" "$tmp/err"; then
	report pass "monitor metrics FILE that cannot be written: said once, then counted"
else
	diff -u "$tmp/want" "$tmp/err" | sed 's/^/# /'
	report fail "monitor metrics FILE that cannot be written: said once, then counted"
fi

printf '%s\n' 'watch mm.free_pages hwm above 1' 'metrics a.prom' \
	'metrics b.prom' >"$conf"
expect 2 "$conf:3: metrics given twice, first on line 2" \
	"monitor: metrics twice exits 2" "$fake" monitor -c "$conf"
printf 'metrics\n' >"$conf"
expect 2 "$conf:1: metrics needs a FILE" "monitor: metrics without a FILE exits 2" \
	"$fake" monitor -c "$conf"
printf 'metrics m.prom interval 0s\n' >"$conf"
expect 2 "$conf:1: invalid interval '0s': expected a DURATION from 1ms to 24h, such as 500ms" \
	"monitor: metrics interval 0s exits 2" "$fake" monitor -c "$conf"
printf 'metrics m.prom every 1s\n' >"$conf"
expect 2 "$conf:1: unknown metrics option 'every'" \
	"monitor: an unknown metrics option exits 2" "$fake" monitor -c "$conf"
printf 'metrics m.prom format text\n' >"$conf"
expect 2 "$conf:1: invalid format 'text': expected openmetrics or prometheus" \
	"monitor: metrics format text exits 2" "$fake" monitor -c "$conf"

echo "1..$n"
[ "$failed" -eq 0 ]

# The update-path benchmark: its table goes to the kernel log; then the
# crossing-to-wake latency against eventfd, the cost of an aggregation
# snapshot per entry against copy_to_user, and what the core gauges cost
# the paths they count (open/close, a pipe round trip, fork/exit/wait),
# unwatched and watched, from userspace.  The last exits 4 (KSFT_SKIP)
# on a kernel without the core gauges, which this one must have.
insmod /lib/aggmon/aggmon_bench.ko run=1 || exit 1
rmmod aggmon_bench
dmesg | grep 'aggmon_bench'
aggmon_wake_bench 2000 || exit 1
aggmon_agg_bench 4096 200 || exit 1
aggmon_core_bench 9 10000 || exit 1

# The peers: an ftrace hist trigger on the benchmark module's tracepoint,
# timed by the module beside aggmon_aggregate() on the same keys, then
# BPF maps, the export of both against a snapshot.
mount -t tracefs nodev /sys/kernel/tracing || exit 1
insmod /lib/aggmon/aggmon_bench.ko || exit 1
event=/sys/kernel/tracing/events/aggmon_bench/aggmon_bench_hit
hist='hist:keys=key:vals=value:size=8192'
echo "$hist" >"$event/trigger" || exit 1
echo 1 >/sys/module/aggmon_bench/parameters/peer_run || exit 1
dmesg | grep 'aggmon_bench_peer_json'
aggmon_peer_bench "$event/hist" || exit 1
echo "!$hist" >"$event/trigger"
rmmod aggmon_bench

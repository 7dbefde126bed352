# Run the aggmon kselftests; each prints TAP.
cd /tests
rc=0
# The KUnit test the kernel ran at boot (scripts/qemu-run.sh): its KTAP,
# from the kernel log, up to the suite's result.
echo "AGGMON-TEST-BEGIN kunit"
dmesg | sed 's/^\[[^]]*\] //' >/tmp/kunit.log
if grep -q '^KTAP version' /tmp/kunit.log; then
	awk '/^KTAP version/ { on = 1 } on { print } on && /^(not )?ok [0-9]/ { exit }' \
		/tmp/kunit.log
	grep -q '^ok 1 aggmon_gauge' /tmp/kunit.log || rc=1
else
	echo "1..1"
	echo "not ok 1 - no KUnit result in the kernel log"
	rc=1
fi
echo "AGGMON-TEST-END kunit"
# aggmon_module_test runs in the leaks job, where its leak test can.
# Each block ends with its time, where make check's minutes go.
for t in aggmon_base_test aggmon_gauge_test aggmon_stat_test \
	 aggmon_watch_test aggmon_agg_test aggmon_core_test; do
	echo "AGGMON-TEST-BEGIN $t"
	t0=$(date +%s)
	./$t || rc=1
	echo "# $t: $(($(date +%s) - t0)) s"
	echo "AGGMON-TEST-END $t"
done
# The aggmon tool against this kernel, the core's net.dev.* gauges of
# every NIC, then the e100 driver end to end (last: it unbinds and
# rebinds a NIC): busybox sh, TAP too.
for t in aggmon_tool_test.sh aggmon_netdev_test.sh aggmon_e100_test.sh; do
	echo "AGGMON-TEST-BEGIN $t"
	t0=$(date +%s)
	sh ./$t || rc=1
	echo "# $t: $(($(date +%s) - t0)) s"
	echo "AGGMON-TEST-END $t"
done
# The syscall fuzzer, 10^5 calls from 4 threads as root and 4 as an
# unprivileged user (make fuzz runs more): the kernel must stay quiet.
echo "AGGMON-TEST-BEGIN aggmon_fuzz"
t0=$(date +%s)
aggmon_fuzz -n 100000 -t 4 || rc=1
echo "# aggmon_fuzz: $(($(date +%s) - t0)) s"
echo "AGGMON-TEST-END aggmon_fuzz"
exit $rc

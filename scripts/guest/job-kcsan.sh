# make kcsan: the selftests that race, on the KCSAN kernel: the watch
# test made smaller (aggmon_watch_kcsan_test: updates from every CPU
# across thresholds, attach storms, hotplug), the statistics test (its
# model test with concurrent updates), the aggregation test (updates from
# every CPU under snapshots), the module test (removal under watchers)
# and the fuzzer.
cd /tests
rc=0
for t in aggmon_watch_kcsan_test aggmon_stat_test aggmon_agg_test \
	 aggmon_module_test; do
	echo "AGGMON-TEST-BEGIN $t"
	./$t || rc=1
	echo "AGGMON-TEST-END $t"
done
echo "AGGMON-TEST-BEGIN aggmon_fuzz"
aggmon_fuzz -n 100000 -t 4 || rc=1
echo "AGGMON-TEST-END aggmon_fuzz"
# What KCSAN did meanwhile (watchpoints set up, races seen): proof that
# it ran, whatever it found.
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
echo "AGGMON-KCSAN-STATS"
cat /sys/kernel/debug/kcsan 2>&1 | head -20
echo "AGGMON-KCSAN-STATS-END"
exit $rc

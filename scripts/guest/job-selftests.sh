# Run the aggmon kselftests; each prints TAP.
cd /tests
rc=0
for t in aggmon_base_test aggmon_gauge_test aggmon_stat_test \
	 aggmon_watch_test aggmon_agg_test aggmon_core_test; do
	echo "AGGMON-TEST-BEGIN $t"
	./$t || rc=1
	echo "AGGMON-TEST-END $t"
done
# The aggmon tool against this kernel, the core's net.dev.* gauges of
# every NIC, then the e100 driver end to end (last: it unbinds and
# rebinds a NIC): busybox sh, TAP too.
for t in aggmon_tool_test.sh aggmon_netdev_test.sh aggmon_e100_test.sh; do
	echo "AGGMON-TEST-BEGIN $t"
	sh ./$t || rc=1
	echo "AGGMON-TEST-END $t"
done
exit $rc

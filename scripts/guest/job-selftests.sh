# Run the aggmon kselftests; each prints TAP.
cd /tests
rc=0
for t in aggmon_base_test aggmon_gauge_test aggmon_stat_test aggmon_agg_test; do
	echo "AGGMON-TEST-BEGIN $t"
	./$t || rc=1
	echo "AGGMON-TEST-END $t"
done
# The aggmon tool against this kernel: busybox sh, TAP too.
t=aggmon_tool_test.sh
echo "AGGMON-TEST-BEGIN $t"
sh ./$t || rc=1
echo "AGGMON-TEST-END $t"
exit $rc

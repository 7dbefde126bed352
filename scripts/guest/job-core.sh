# Run the core gauges' tests alone (scripts/qemu-run.sh test core): the
# kernel's gauges against its own counters, thresholds on them, and
# net.dev.* of every NIC.
cd /tests
rc=0
echo "AGGMON-TEST-BEGIN aggmon_core_test"
./aggmon_core_test || rc=1
echo "AGGMON-TEST-END aggmon_core_test"
echo "AGGMON-TEST-BEGIN aggmon_netdev_test.sh"
sh ./aggmon_netdev_test.sh || rc=1
echo "AGGMON-TEST-END aggmon_netdev_test.sh"
exit $rc

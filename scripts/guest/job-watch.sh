# Run the watch kselftest alone (scripts/qemu-run.sh test watch): the
# budgets, the attach storm, the per-gauge caps and CPU hotplug.
cd /tests
echo "AGGMON-TEST-BEGIN aggmon_watch_test"
./aggmon_watch_test
rc=$?
echo "AGGMON-TEST-END aggmon_watch_test"
exit $rc

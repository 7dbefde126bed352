# The leaks job: the kernel booted with kmemleak=on (scripts/qemu-run.sh)
# checks e100's failed init, runs the tests that create and remove the
# most kinds of objects, the module test (whose last test scans for what
# its removals leaked) and 10^4 fuzzer calls, then one scan over
# everything.
cd /tests
rc=0
# e100's error path: booted with aggmon_e100_squat.on=1 (qemu-run.sh), so
# its pci_register_driver() failed with -EBUSY, after it had created
# net.e100.xmit_ns; the aggregation must be gone (and, below, nothing it
# held leaked).  aggmon.syscall_ns shows the list is the kernel's.
echo "AGGMON-TEST-BEGIN e100_init_failed"
echo "1..2"
if dmesg | grep -q "Driver 'e100' is already registered"; then
	echo "ok 1 e100's PCI driver registration failed, its name taken"
else
	echo "not ok 1 e100's PCI driver registration failed, its name taken"
	rc=1
fi
aggmon agg list >/tmp/aggs 2>&1
if grep -q 'aggmon\.syscall_ns' /tmp/aggs && ! grep -q 'net\.e100' /tmp/aggs; then
	echo "ok 2 e100's failed init destroyed net.e100.xmit_ns"
else
	sed 's/^/# /' /tmp/aggs
	echo "not ok 2 e100's failed init destroyed net.e100.xmit_ns"
	rc=1
fi
echo "AGGMON-TEST-END e100_init_failed"
for t in aggmon_module_test aggmon_gauge_test aggmon_agg_test; do
	echo "AGGMON-TEST-BEGIN $t"
	./$t || rc=1
	echo "AGGMON-TEST-END $t"
done
echo "AGGMON-TEST-BEGIN aggmon_fuzz"
aggmon_fuzz -n 10000 -t 4 || rc=1
echo "AGGMON-TEST-END aggmon_fuzz"
# Last, kmemleak over the whole job: no object allocated through aggmon
# may be left unreferenced by the tests above.  It reports only objects
# older than 5 s, hence the wait.
echo "AGGMON-TEST-BEGIN kmemleak"
echo "1..1"
leak=/sys/kernel/debug/kmemleak
[ -e $leak ] || mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
if [ -w $leak ]; then
	sleep 6
	echo scan >$leak
	awk '/^unreferenced object/ { head = $0; ours = 0 }
	     /\[</ && /aggmon/ && !ours { ours = 1; n++; print "# " head; print "# " $0 }
	     END { exit n > 0 }' $leak >/tmp/leaks
	if [ $? -eq 0 ]; then
		echo "ok 1 kmemleak: no unreferenced aggmon object after the tests above"
	else
		cat /tmp/leaks
		echo "not ok 1 kmemleak: unreferenced aggmon objects after the tests above"
		rc=1
	fi
else
	# scripts/config/test.config has it: its absence is a regression.
	echo "not ok 1 kmemleak: no $leak (CONFIG_DEBUG_KMEMLEAK)"
	rc=1
fi
echo "AGGMON-TEST-END kmemleak"
exit $rc

# make fuzz: the syscall fuzzer, as many calls and threads as
# aggmon.fuzz_calls= and aggmon.fuzz_threads= say (scripts/fuzz.sh), with
# the seed of aggmon.fuzz_seed= if given.
arg() {
	sed -n "s/.*aggmon\.$1=\([0-9]*\).*/\1/p" /proc/cmdline
}
calls=$(arg fuzz_calls)
threads=$(arg fuzz_threads)
seed=$(arg fuzz_seed)
echo "AGGMON-TEST-BEGIN aggmon_fuzz"
aggmon_fuzz -n "${calls:-1000000}" -t "${threads:-4}" ${seed:+-s "$seed"}
rc=$?
echo "AGGMON-TEST-END aggmon_fuzz"
exit $rc

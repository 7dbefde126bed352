#!/usr/bin/env bash
# make fuzz: the syscall fuzzer (selftests/aggmon/aggmon_fuzz.c) in QEMU
# on the debug kernel, 10^6 calls by default.  Prints its table (calls
# and errno counts per command, calls per second) and fails if a call
# returned what aggmon does not document, if a quota count did not come
# back, or if the kernel reported anything (scripts/qemu-run.sh).
# Usage: scripts/fuzz.sh [CALLS [THREADS [SEED]]]
set -euo pipefail
. "$(dirname "$0")/lib.sh"

calls=${1:-1000000}
threads=${2:-4}
seed=${3:-}
"$TOP/scripts/prepare-guest.sh" test
export AGGMON_QEMU_ARGS="aggmon.fuzz_calls=$calls aggmon.fuzz_threads=$threads${seed:+ aggmon.fuzz_seed=$seed}"
set +e
"$TOP/scripts/qemu-run.sh" test fuzz 3600
rc=$?
set -e
sed -n '/^AGGMON-TEST-BEGIN aggmon_fuzz/,/^AGGMON-TEST-END aggmon_fuzz/p' \
	"$BUILD/qemu-fuzz.log" | sed '1d;$d'
exit $rc

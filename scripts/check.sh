#!/usr/bin/env bash
# make check: every test and static check, counted.
#   KUnit under UML; the tool's host tests; the kselftests in QEMU (TCG,
#   4 CPUs, lockdep/KASAN/UBSAN kernel) with the kernel log checked for
#   splats; the fleet end to end (three QEMU members, journal-remote and
#   Prometheus on 127.0.0.1); e100.o with CONFIG_AGGMON=n against the
#   unpatched one; the exported series; the static checks.
# Full logs in build/logs.  The last line is "N passed, N failed".
# Usage: scripts/check.sh
set -uo pipefail
. "$(dirname "$0")/lib.sh"

logs=$BUILD/logs
mkdir -p "$logs"
total_pass=0 total_fail=0
summary=()
# Where the time goes: seconds since the previous stage was recorded.
stage_start=$SECONDS

# record STAGE PASSED FAILED
record() {
	local secs=$((SECONDS - stage_start))

	stage_start=$SECONDS
	summary+=("$(printf '%-40s %6d %6d %6d' "$1" "$2" "$3" "$secs")")
	total_pass=$((total_pass + $2))
	total_fail=$((total_fail + $3))
	log "$1: $2 passed, $3 failed ($secs s)"
}

# tap_counts FILE: "passed failed" from TAP "ok"/"not ok" lines.  A test
# that a plan ("1..N") announced but that never reported counts as
# failed.  So does a skip, of one test or of a whole program ("1..0 #
# SKIP"): setup installs everything the tests need and the guests have
# the hardware, so a skip here is a missing piece, not a pass.  (The one
# stage whose tests must skip, run_foreign_syscall, counts its own.)
tap_counts() {
	local ok notok skip planned
	ok=$(grep -E '^ok [0-9]+' "$1" | grep -cv '# SKIP')
	skip=$(grep -E '^ok [0-9]+' "$1" | grep -c '# SKIP')
	notok=$(grep -cE '^not ok [0-9]+' "$1")
	planned=$(sed -nE 's/^1\.\.([0-9]+)$/\1/p' "$1" | awk '{ s += $1 } END { print s + 0 }')
	[ "$planned" -gt $((ok + notok + skip)) ] && notok=$((planned - ok - skip))
	skip=$((skip + $(grep -cE '^1\.\.0 *# *SKIP' "$1")))
	grep -E '# SKIP' "$1" | sed 's/^/skipped, counted as failed: /' >&2
	echo "$ok $((notok + skip))"
}

run_kunit() {
	local line p f
	"$TOP/scripts/kunit.sh" >"$logs/kunit.log" 2>&1
	line=$(grep -E 'Testing complete\. Ran [0-9]+ tests' "$logs/kunit.log" | tail -n1)
	if [ -z "$line" ]; then
		record "kunit (UML)" 0 1
		tail -20 "$logs/kunit.log" >&2
		return
	fi
	p=$(sed -nE 's/.*passed: ([0-9]+).*/\1/p' <<<"$line")
	f=$(sed -nE 's/.*failed: ([0-9]+).*/\1/p' <<<"$line")
	record "kunit (UML)" "${p:-0}" "${f:-0}"
}

run_tool_tests() {
	make -C "$TOP/tools/aggmon" OUTPUT="$BUILD/user/tool" test \
		>"$logs/tool.log" 2>&1
	local rc=$? counts
	counts=$(tap_counts "$logs/tool.log")
	[ $rc -eq 0 ] || [ "${counts#* }" != 0 ] || counts="${counts% *} 1"
	record "aggmon tool host tests" $counts
}

run_selftests() {
	local counts
	"$TOP/scripts/qemu-run.sh" test selftests 1500 >"$logs/qemu.log" 2>&1
	sed -n '/^AGGMON-TEST-BEGIN/,/^AGGMON-TEST-END/p' "$BUILD/qemu-selftests.log" \
		>"$logs/selftests.tap"
	counts=$(tap_counts "$logs/selftests.tap")
	record "kselftests (QEMU, 4 CPUs)" $counts
	# The run as a whole: finished in time, no kernel splat.
	if grep -qE 'kernel reported a problem|time limit|did not finish' "$logs/qemu.log"; then
		record "guest run clean (no splat, in time)" 0 1
		cat "$logs/qemu.log" >&2
	else
		record "guest run clean (no splat, in time)" 1 0
	fi
}

# The leaks job: the test kernel with kmemleak on (scripts/guest/job-leaks.sh).
run_leaks() {
	local counts
	"$TOP/scripts/qemu-run.sh" test leaks 900 >"$logs/qemu-leaks.log" 2>&1
	sed -n '/^AGGMON-TEST-BEGIN/,/^AGGMON-TEST-END/p' "$BUILD/qemu-leaks.log" \
		>"$logs/leaks.tap"
	counts=$(tap_counts "$logs/leaks.tap")
	grep -qE 'kernel reported a problem|time limit|did not finish' \
		"$logs/qemu-leaks.log" && counts="${counts% *} $((${counts#* } + 1))"
	grep '^not ok' -A12 "$logs/leaks.tap" >&2
	record "kmemleak job (QEMU, 4 CPUs)" $counts
}

# The fleet end to end: three QEMU members, systemd-journal-remote and
# Prometheus on 127.0.0.1, the fleet query (scripts/fleet-e2e.sh).
run_fleet() {
	local rc counts

	if ! "$TOP/scripts/initramfs.sh" fleet >>"$logs/user.log" 2>&1; then
		record "fleet end to end (3 QEMU members)" 0 1
		return
	fi
	"$TOP/scripts/fleet-e2e.sh" >"$logs/fleet-e2e.tap" 2>"$logs/fleet-e2e.log"
	rc=$?
	counts=$(tap_counts "$logs/fleet-e2e.tap")
	[ $rc -eq 0 ] || [ "${counts#* }" != 0 ] || counts="${counts% *} 1"
	grep '^not ok' -A12 "$logs/fleet-e2e.tap" >&2
	record "fleet end to end (3 QEMU members)" $counts
}

run_static() {
	local counts
	"$TOP/scripts/static-checks.sh" >"$logs/static.tap" 2>&1
	counts=$(tap_counts "$logs/static.tap")
	grep '^not ok' -A12 "$logs/static.tap" >&2
	record "static checks" $counts
}

"$TOP/scripts/setup.sh" || { echo "0 passed, 1 failed"; exit 1; }
if ! "$TOP/scripts/assemble.sh" >"$logs/assemble.log" 2>&1; then
	cat "$logs/assemble.log" >&2
	echo "0 passed, 1 failed"
	exit 1
fi
log "setup and assembly: $((SECONDS - stage_start)) s"
stage_start=$SECONDS

# Where __NR_aggmon is not aggmon() (this host: a kernel without the
# series, where it is nothing or setxattrat(); or a number no kernel
# has), a selftest program skips before its first test, saying why.
run_foreign_syscall() {
	local bin out rc p=0 f=0
	for bin in aggmon_base_test aggmon_base_test_nosys; do
		out=$("$BUILD/user/$bin" 2>&1)
		rc=$?
		if [ $rc -eq 4 ] && grep -q 'is not aggmon() on this kernel' <<<"$out"; then
			p=$((p + 1))
		else
			f=$((f + 1))
			printf '%s on the host: rc %d\n%s\n' "$bin" $rc "$out" | head -20 >&2
		fi
	done
	record "selftests skip where 463 is not aggmon()" $p $f
}

run_kunit
if "$TOP/scripts/build-user.sh" >"$logs/user.log" 2>&1; then
	record "userland build (-Wall -Wextra -Werror)" 1 0
	run_tool_tests
	run_foreign_syscall
	user_ok=1
else
	record "userland build (-Wall -Wextra -Werror)" 0 1
	cat "$logs/user.log" >&2
	user_ok=0
fi
if "$TOP/scripts/build-kernel.sh" test >"$logs/kernel-test.log" 2>&1; then
	record "QEMU test kernel build" 1 0
	if [ $user_ok = 1 ] && "$TOP/scripts/initramfs.sh" test >>"$logs/user.log" 2>&1; then
		run_selftests
		run_leaks
	else
		record "kselftests (QEMU, 4 CPUs)" 0 1
		record "kmemleak job (QEMU, 4 CPUs)" 0 1
	fi
	if [ $user_ok = 1 ]; then
		run_fleet
	else
		record "fleet end to end (3 QEMU members)" 0 1
	fi
	kernel_ok=1
else
	record "QEMU test kernel build" 0 1
	tail -30 "$logs/kernel-test.log" >&2
	kernel_ok=0
fi
run_e100_size() {
	local counts
	"$TOP/scripts/e100-size.sh" >"$logs/e100-size.tap" 2>"$logs/e100-size.log"
	counts=$(tap_counts "$logs/e100-size.tap")
	grep '^not ok' -A12 "$logs/e100-size.tap" >&2
	record "e100.o with CONFIG_AGGMON=n unchanged" $counts
}

run_e100_size
if "$TOP/scripts/series.sh" >"$logs/series.log" 2>&1; then
	record "series export" 1 0
	[ $kernel_ok = 1 ] && run_static
else
	record "series export" 0 1
	cat "$logs/series.log" >&2
fi

echo
printf '%-40s %6s %6s %6s\n' "stage" "passed" "failed" "s"
printf '%s\n' "${summary[@]}"
echo
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]

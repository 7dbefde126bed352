#!/usr/bin/env bash
# make kcsan: the selftests that race (scripts/guest/job-kcsan.sh) in
# QEMU on a KCSAN kernel (scripts/config/kcsan.config, build/kernel-kcsan).
# Prints the tests' summary lines and every distinct data race KCSAN
# reported, those in aggmon first.  Fails if a test failed, if the
# kernel reported anything but a data race, or if a data race involves
# aggmon (kernel/aggmon, the sample modules, the e100 hooks).
# Usage: scripts/kcsan.sh
set -euo pipefail
. "$(dirname "$0")/lib.sh"

"$TOP/scripts/setup.sh"
"$TOP/scripts/assemble.sh"
"$TOP/scripts/build-kernel.sh" kcsan
"$TOP/scripts/build-user.sh"
"$TOP/scripts/initramfs.sh" kcsan
set +e
"$TOP/scripts/qemu-run.sh" kcsan kcsan 3000 >/dev/null 2>&1
set -e
logf=$BUILD/qemu-kcsan.log
rc=$(sed -n 's/^AGGMON-JOB-END rc=\([0-9]*\).*/\1/p' "$logf" | tail -n1)

echo "tests:"
{ grep -E '^# (PASSED|FAILED|Totals)|^(not )?ok [0-9]+ every' "$logf" || echo "none: see $logf"; } |
	sed 's/^/  /'
# Each report: "BUG: KCSAN: data-race in A / B", then its stacks, up to
# a line of "=".  A race is ours if a frame names aggmon or e100.
awk '
	/BUG: KCSAN:/ { sub(/^\[[^]]*\] /, ""); head = $0; ours = 0; on = 1; next }
	on && /aggmon|e100/ { ours = 1 }
	on && /^\[[^]]*\] =+$/ { on = 0; print (ours ? "aggmon " : "other  ") head }
' "$logf" | sort | uniq -c | sort -k2,2 -k1,1nr >"$BUILD/kcsan-races.txt"
echo "data races KCSAN reported (count, whose, where):"
sed 's/^/  /' "$BUILD/kcsan-races.txt"
[ -s "$BUILD/kcsan-races.txt" ] || echo "  none"
other=$(grep -E "$SPLAT_RE" "$logf" | grep -v 'KCSAN' | grep -cvE '^\[ *[0-9.]+\] =+$' || true)
ours=$(grep -c ' aggmon BUG' "$BUILD/kcsan-races.txt" || true)
echo "kernel reports other than data races: $other"
echo "KCSAN's counters at the end:"
sed -n '/^AGGMON-KCSAN-STATS$/,/^AGGMON-KCSAN-STATS-END$/p' "$logf" | sed '1d;$d;s/^/  /'
[ "${rc:-1}" = 0 ] && [ "$other" = 0 ] && [ "$ours" = 0 ]

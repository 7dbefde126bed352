#!/usr/bin/env bash
# make bench: the update-path benchmark under UML (native speed, 1 CPU)
# and in QEMU (TCG, 4 CPUs, production-like kernel), and the core gauges'
# paths in QEMU again on that kernel built with CONFIG_AGGMON=n, the A/B
# baseline.  Prints a table and writes build/bench/bench.json.  It never
# fails on a timing.
# Usage: scripts/bench.sh
set -euo pipefail
. "$(dirname "$0")/lib.sh"

out=$BUILD/bench
mkdir -p "$out"
"$TOP/scripts/setup.sh"
"$TOP/scripts/assemble.sh"

log "UML run (builds build/uml-bench)"
(cd "$SRC" && ./tools/testing/kunit/kunit.py run \
	--kunitconfig="$TOP/scripts/config/uml-bench.kunitconfig" \
	--build_dir="$BUILD/uml-bench" --jobs="$JOBS" --timeout=900 \
	--kernel_args=aggmon_bench.run=1 --raw_output=all) >"$out/uml.log" 2>&1 ||
	log "kunit.py returned non-zero; see $out/uml.log"

log "QEMU run (builds build/kernel-bench)"
"$TOP/scripts/prepare-guest.sh" bench >"$out/prepare.log" 2>&1
"$TOP/scripts/qemu-run.sh" bench bench 900 || log "guest run failed; see $BUILD/qemu-bench.log"
cp "$BUILD/qemu-bench.log" "$out/qemu.log"

# The A/B baseline: the core gauges' paths on the same kernel built with
# CONFIG_AGGMON=n, so that their hooks compile to nothing.
log "QEMU A/B baseline (builds build/kernel-unpatched)"
if "$TOP/scripts/build-kernel.sh" unpatched >"$out/unpatched-build.log" 2>&1; then
	AGGMON_QEMU_KERNEL=unpatched "$TOP/scripts/qemu-run.sh" bench corebench 900 ||
		log "baseline guest run failed; see $BUILD/qemu-corebench.log"
	cp "$BUILD/qemu-corebench.log" "$out/qemu-unpatched.log"
else
	log "baseline kernel build failed; see $out/unpatched-build.log"
	: >"$out/qemu-unpatched.log"
fi

# Kernel reports (stalls, lockups, warnings) in a run's log, beside the
# table: timings taken while a CPU stalled are not to be trusted.
report_splats() {
	local name=$1 logf=$2
	if grep -Eq "$SPLAT_RE" "$logf"; then
		echo "$name: kernel reports during the run (timings suspect):"
		grep -E -A3 "$SPLAT_RE" "$logf" | head -40 | sed 's/^/  /'
	else
		echo "$name: no kernel reports"
	fi
}

rc=0
python3 "$TOP/scripts/bench-table.py" "$out/bench.json" \
	"UML (native, 1 CPU)=$out/uml.log" \
	"QEMU TCG (production-like kernel)=$out/qemu.log" \
	"--unpatched=QEMU TCG (production-like kernel)=$out/qemu-unpatched.log" || rc=$?
report_splats "UML (native, 1 CPU)" "$out/uml.log"
report_splats "QEMU TCG (production-like kernel)" "$out/qemu.log"
report_splats "QEMU TCG, CONFIG_AGGMON=n" "$out/qemu-unpatched.log"
exit $rc

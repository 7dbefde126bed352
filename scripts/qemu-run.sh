#!/usr/bin/env bash
# Boot a QEMU kernel (TCG, 4 CPUs, two i82557b NICs and an e1000 on one
# hub) and run one guest job.  The whole console goes to
# build/qemu-JOB.log.
# Fails if the job fails, if the time limit passes, or if the kernel
# logged an oops, BUG, WARNING, KASAN, UBSAN or lockdep report.
# Usage: scripts/qemu-run.sh test|bench JOB [seconds]
#   AGGMON_QEMU_KERNEL=unpatched boots build/kernel-unpatched instead of
#   the flavour's kernel, with the flavour's initramfs.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

flavour=${1:?usage: qemu-run.sh test|bench JOB [seconds]}
job=${2:?usage: qemu-run.sh test|bench JOB [seconds]}
limit=${3:-900}
logf=$BUILD/qemu-$job.log

# tsc=reliable: TCG's TSC follows the host's clock, but a busy host delays
# the vCPUs enough that the clocksource watchdog calls it unstable; then
# local_clock() turns coarse and the kernel's timing aggregations see
# durations of 0 ns (aggmon_agg_test's kernel_agg_timing did, once).
# The selftests job also runs the one KUnit test that needs this kernel's
# CPUs, preemption and KASAN (scripts/config/test.config); other boots
# run none.
kargs="console=ttyS0 aggmon.job=$job panic=-1 loglevel=6 tsc=reliable"
# The leaks job runs with kmemleak (scripts/config/test.config), and
# with the PCI driver name e100 taken before the e100 driver registers
# (samples/aggmon/aggmon_e100_squat.c), so that it checks e100's error
# path too.
[ "$job" = leaks ] && kargs="$kargs kmemleak=on aggmon_e100_squat.on=1"
if [ "$job" = selftests ]; then
	kargs="$kargs kunit.filter_glob=aggmon_gauge.aggmon_test_static_race"
else
	kargs="$kargs kunit.enable=0"
fi
# AGGMON_QEMU_ARGS: more for the job to read from /proc/cmdline.
kargs="$kargs ${AGGMON_QEMU_ARGS:-}"
qemu=(qemu-system-x86_64 -machine pc -accel tcg,thread=multi -smp 4 -m 2G
	-kernel "$BUILD/kernel-${AGGMON_QEMU_KERNEL:-$flavour}/arch/x86/boot/bzImage"
	-initrd "$BUILD/initramfs-$flavour.cpio.gz"
	-append "$kargs"
	-netdev hubport,id=nic0,hubid=0 -device i82557b,netdev=nic0
	-netdev hubport,id=nic1,hubid=0 -device i82557b,netdev=nic1
	-netdev hubport,id=nic2,hubid=0 -device e1000,netdev=nic2
	-no-reboot -display none)

if [ "$job" = shell ]; then
	exec "${qemu[@]}" -serial mon:stdio
fi

log "booting $flavour kernel for job $job (limit ${limit}s, log $logf)"
set +e
timeout --foreground "$limit" "${qemu[@]}" -serial stdio </dev/null >"$logf" 2>&1
qrc=$?
set -e
tr -d '\r' <"$logf" >"$logf.tmp" && mv "$logf.tmp" "$logf"

if [ $qrc -eq 124 ]; then
	log "time limit of ${limit}s reached"
	exit 1
fi
if grep -Eq "$SPLAT_RE" "$logf"; then
	log "kernel reported a problem:"
	grep -E -A3 "$SPLAT_RE" "$logf" | head -40 >&2
	exit 1
fi
rc=$(sed -n 's/^AGGMON-JOB-END rc=\([0-9]*\).*/\1/p' "$logf" | tail -n1)
if [ -z "$rc" ]; then
	log "the guest did not finish its job"
	tail -20 "$logf" >&2
	exit 1
fi
exit "$rc"

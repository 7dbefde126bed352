#!/usr/bin/env bash
# Static checks on the aggmon sources, one TAP line each:
#   W=1 and sparse (C=2) on kernel/aggmon and samples/aggmon, no warning
#   in the test kernel's build of a file the series patches, kernel-doc,
#   the UAPI header compiled on its own (C90 and C++), the aggmon pages
#   built by Sphinx (docs-check.sh), and
#   checkpatch.pl --strict on every patch of the exported series.
# Usage: scripts/static-checks.sh   (after build-kernel.sh test and series.sh)
set -uo pipefail
. "$(dirname "$0")/lib.sh"

obj=$BUILD/kernel-test
tmp=$BUILD/static
mkdir -p "$tmp"
n=0 failed=0

# check NAME COMMAND...: run COMMAND, whose output must be empty.
check() {
	local name=$1 out
	shift
	n=$((n + 1))
	out=$("$@" 2>&1)
	if [ $? -eq 0 ] && [ -z "$out" ]; then
		echo "ok $n - $name"
	else
		echo "not ok $n - $name"
		printf '%s\n' "$out" | head -30 | sed 's/^/#   /'
		failed=$((failed + 1))
	fi
}

# aggmon() is in every syscall table that has mseal(), the last call
# 6.12 added, as mseal() was wired up everywhere at once.
syscall_tables() {
	local t
	grep -lw sys_mseal "$SRC"/arch/*/kernel/syscalls/*.tbl \
		"$SRC"/arch/*/tools/*.tbl "$SRC"/arch/*/entry/syscalls/*.tbl \
		"$SRC"/scripts/syscall.tbl |
	while read -r t; do
		grep -qw sys_aggmon "$t" || echo "no aggmon() in ${t#"$SRC"/}"
	done
}

# Rebuild the aggmon objects with extra checking; print only what the
# compiler or sparse says about aggmon's own files.
aggmon_objects() {
	touch "$SRC"/kernel/aggmon/*.c "$SRC"/samples/aggmon/*.c
	make -s -C "$SRC" O="$obj" -j"$JOBS" "$@" kernel/aggmon/ samples/aggmon/ 2>&1 |
		grep -E 'aggmon' | grep -E 'warning|error' || true
}

# The series' changes to existing files build without a warning in the
# test kernel's last build (all of it, in make check from a clean tree):
# W=1 above covers only aggmon's own directories.
patched_files_warnings() {
	sed -n 's|^+++ b/||p' "$TOP"/patches/*.patch | sort -u | sed "s|^|$SRC/|" |
		grep -F -f - "$obj/build.log" | grep -E 'warning:|error:' || true
}

uapi_standalone() {
	make -s -C "$SRC" O="$obj" headers >/dev/null || return 1
	echo '#include <linux/aggmon.h>' >"$tmp/uapi.c"
	gcc -std=c90 -Wall -Wextra -Werror -I"$obj/usr/include" -c "$tmp/uapi.c" -o /dev/null &&
	g++ -x c++ -std=c++98 -Wall -Wextra -Werror -I"$obj/usr/include" -c "$tmp/uapi.c" -o /dev/null
}

kernel_doc() {
	"$SRC/scripts/kernel-doc" -none -Wall \
		"$SRC"/kernel/aggmon/*.[ch] "$SRC"/include/linux/aggmon.h \
		"$SRC"/include/linux/aggmon_gauge.h \
		"$SRC"/include/uapi/linux/aggmon.h "$SRC"/samples/aggmon/*.c
}

# With CONFIG_AGGMON=n, instrumentation compiles to nothing: a function
# that creates, updates and destroys a gauge is as large as an empty one,
# and the class's strings are not in the object.
compiled_out() {
	local dir=$tmp/off sizes
	mkdir -p "$dir"
	cat >"$dir/aggmon_off.c" <<'EOC'
#undef CONFIG_AGGMON
#include <linux/aggmon.h>
#include <linux/module.h>

DEFINE_AGGMON_CLASS(off_class, "off.class_name", "off_units");
DEFINE_AGGMON_GAUGE(off_global_gauge);
DEFINE_STATIC_AGGMON_GAUGE(off_static_gauge);

struct off_device {
	struct aggmon_gauge packets;
};

noinline void aggmon_off_instrumented(struct off_device *dev)
{
	/* Compiled out, a gauge takes no room in the driver's structure. */
	BUILD_BUG_ON(sizeof(struct off_device) != 0);
	if (aggmon_gauge_init(&dev->packets, &off_class, "off_item"))
		return;
	aggmon_gauge_inc(&dev->packets);
	aggmon_gauge_dec(&dev->packets);
	aggmon_gauge_add(&dev->packets, 5);
	aggmon_gauge_set(&dev->packets, aggmon_gauge_read(&dev->packets) + 7);
	aggmon_gauge_destroy(&dev->packets);
	/* Static gauges: no shares, no gauge, no code. */
	aggmon_gauge_inc(&off_global_gauge);
	aggmon_gauge_dec(&off_static_gauge);
	if (!aggmon_gauge_init(&off_global_gauge, &off_class, NULL))
		aggmon_gauge_destroy(&off_global_gauge);
}
EXPORT_SYMBOL_GPL(aggmon_off_instrumented);

noinline void aggmon_off_empty(struct off_device *dev)
{
}
EXPORT_SYMBOL_GPL(aggmon_off_empty);
MODULE_DESCRIPTION("aggmon compiled-out check");
MODULE_LICENSE("GPL");
EOC
	echo 'obj-m := aggmon_off.o' >"$dir/Makefile"
	make -s -C "$SRC" O="$obj" M="$dir" modules >/dev/null 2>&1 ||
		{ echo "external module build failed"; return 1; }
	sizes=$(nm -S "$dir/aggmon_off.o" | awk '$4 ~ /^aggmon_off_(instrumented|empty)$/ { print $4, $2 }')
	[ "$(awk '{ print $2 }' <<<"$sizes" | sort -u | wc -l)" -eq 1 ] ||
		echo "function sizes differ: $sizes"
	! grep -aq -e off.class_name -e off_units -e off_item "$dir/aggmon_off.o" ||
		echo "class strings left in the object"
	! nm "$dir/aggmon_off.o" | grep -e _gauge -e __aggmon_shares ||
		echo "static gauges left in the object"
}

# The guest-log check must catch every kind of report and nothing else.
splat_detector() {
	local line
	while IFS= read -r line; do
		grep -Eq "$SPLAT_RE" <<<"$line" || echo "missed: $line"
	done <<'EOL'
[   12.345678] BUG: KASAN: slab-use-after-free in aggmon_gauge_read+0x1/0x2
[    3.100000] WARNING: CPU: 1 PID: 77 at kernel/aggmon/gauge.c:10 f+0x1/0x2
[    4.000000] Oops: general protection fault, probably for non-canonical address
[    5.000000] Kernel panic - not syncing: Fatal exception
[    6.000000] UBSAN: shift-out-of-bounds in kernel/aggmon/gauge.c:1:2
[    7.000000] ============================================
[    7.000001] WARNING: possible recursive locking detected
[    7.000002] INFO: possible circular locking dependency detected
[    8.000000] BUG: sleeping function called from invalid context at mm/slub.c:1
[    9.000000] DEBUG_LOCKS_WARN_ON(1)
[   10.000000] rcu: INFO: rcu_sched detected stalls on CPUs/tasks:
[   11.000000] watchdog: BUG: soft lockup - CPU#2 stuck for 22s! [aggmon_bench:81]
[   12.000000] rcu: INFO: rcu_preempt self-detected stall on CPU
[   13.000000] INFO: task kworker/0:1:12 blocked for more than 120 seconds.
[   14.000000] NMI watchdog: Watchdog detected hard LOCKUP on cpu 1
[   15.000000] kernel BUG at mm/slub.c:123!
[   16.000000] kmemleak: 2 new suspected memory leaks (see /sys/kernel/debug/kmemleak)
EOL
	while IFS= read -r line; do
		grep -Eq "$SPLAT_RE" <<<"$line" && echo "false alarm: $line"
	done <<'EOL'
ok 12 paranoid.level2_unprivileged
#  RUN           global.create ...
[    1.000000] e100: Intel(R) PRO/100 Network Driver
[    0.100000] rcu: Hierarchical RCU implementation.
[    0.200000] rcu: 	RCU calculated value of scheduler-enlistment delay is 100 jiffies.
[    2.000000] NMI watchdog: Enabled. Permanently consumes one hw-PMU counter.
AGGMON-JOB-END rc=0
EOL
	return 0
}

# checkpatch.pl runs spdxcheck.py, which needs Debian's python3 (with
# python3-ply), not whatever python3 comes first in PATH.  Every patch
# adds files that patch 2's MAINTAINERS entry already covers, so
# FILE_PATH_CHANGES is noise.  Userland patches (tools/, selftests/) also
# skip checks that misread userland C: _Static_assert and PRId64 taken
# for CamelCase, kselftest's FIXTURE_DATA(x) *self for bad spacing,
# ENOSYS for a system call that is missing (which is what it means
# there), and a __printf define where no kernel header provides one.
checkpatch() {
	local ignore=FILE_PATH_CHANGES
	case $(basename "$1") in
	*-selftests-* | *-tools-*)
		ignore=$ignore,CAMELCASE,SPACING,ENOSYS,PREFER_DEFINED_ATTRIBUTE_MACRO ;;
	esac
	(cd "$SRC" && PATH=/usr/bin:$PATH scripts/checkpatch.pl --strict --quiet \
		--ignore "$ignore" "$1") | grep -v '^total:' | grep -v '^$' || true
}

check "W=1 build of kernel/aggmon and samples/aggmon" aggmon_objects W=1
check "sparse (C=2) on kernel/aggmon and samples/aggmon" aggmon_objects C=2
check "no compiler warning in a file the series patches" patched_files_warnings
check "kernel-doc -Wall on the aggmon sources" kernel_doc
check "sphinx: aggmon docs build without warnings" "$TOP/scripts/docs-check.sh" sphinx
check "guest-log splat detector catches each kind of report" splat_detector
check "aggmon() is in every architecture's syscall table" syscall_tables
check "UAPI header compiles on its own (C90, C++98)" uapi_standalone
check "CONFIG_AGGMON=n: instrumentation compiles to nothing" compiled_out
for p in "$BUILD"/series/0*.patch; do
	case $p in */0000-cover-letter.patch) continue ;; esac
	check "checkpatch --strict $(basename "$p")" checkpatch "$p"
done
echo "# static checks: $((n - failed)) passed, $failed failed"
[ $failed -eq 0 ]

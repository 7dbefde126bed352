# Shared settings for the scripts in this folder; sourced, never run.
# shellcheck shell=bash
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${AGGMON_BUILD:-$TOP/build}
SRC=$BUILD/src
TARBALL=${AGGMON_TARBALL:-/usr/src/linux-source-6.12.tar.xz}
JOBS=${JOBS:-$(nproc)}

# Repository path -> kernel tree path, for everything the overlay adds.
OVERLAY=(
	"kernel/aggmon:kernel/aggmon"
	"include/uapi/linux/aggmon.h:include/uapi/linux/aggmon.h"
	"include/linux/aggmon.h:include/linux/aggmon.h"
	"include/linux/aggmon_gauge.h:include/linux/aggmon_gauge.h"
	"samples/aggmon:samples/aggmon"
	"tools/aggmon:tools/aggmon"
	"selftests/aggmon:tools/testing/selftests/aggmon"
	"Documentation:Documentation"
)

AUTHOR_NAME="aggmon developers"
AUTHOR_EMAIL="aggmon-devel@lists.example.org"
# A kernel report in a console log with printk times: oops, BUG (and
# "kernel BUG at"), WARNING, panic, UBSAN, lockdep (its "=====" banners
# and INFO lines), KASAN, RCU stalls ("rcu: INFO: rcu_sched detected
# stalls", "rcu_preempt self-detected stall on CPU"), soft and hard
# lockups, hung tasks ("INFO: task ... blocked for more than") and
# kmemleak's "suspected memory leaks".
SPLAT_RE='^\[ *[0-9.]+\] (BUG|WARNING|Oops|Kernel panic|UBSAN|INFO: (possible|trying|inconsistent|suspicious|task .* blocked for more than)|=+$)|KASAN|DEBUG_LOCKS_WARN_ON|lockdep|detected stalls|self-detected stall|soft lockup|hard LOCKUP|kernel BUG at|suspected memory leak'

git_src() { git -C "$SRC" -c user.name="$AUTHOR_NAME" -c user.email="$AUTHOR_EMAIL" "$@"; }
log() { printf '%s: %s\n' "$(basename "$0" .sh)" "$*" >&2; }

#!/usr/bin/env bash
# make demo: build, boot a patched kernel in QEMU, show aggmon working.
# It reuses the debug test kernel when make check has configured one;
# otherwise it builds the production-like bench kernel, which builds in
# half the time (no KASAN, no lockdep).
# Usage: scripts/demo.sh
set -euo pipefail
. "$(dirname "$0")/lib.sh"

flavour=bench
[ -f "$BUILD/kernel-test/.config" ] && flavour=test
"$TOP/scripts/prepare-guest.sh" $flavour
rc=0
"$TOP/scripts/qemu-run.sh" $flavour demo 600 || rc=$?
# The job's own output, without the kernel's console lines.
sed -n '/^AGGMON-JOB-BEGIN/,/^AGGMON-JOB-END/p' "$BUILD/qemu-demo.log" |
	grep -v -e '^AGGMON-JOB-' -e '^\[ *[0-9.]*\] '
exit $rc

#!/usr/bin/env bash
# make demo: build, boot the test kernel in QEMU, show aggmon working.
# Usage: scripts/demo.sh
set -euo pipefail
. "$(dirname "$0")/lib.sh"

"$TOP/scripts/prepare-guest.sh" test
rc=0
"$TOP/scripts/qemu-run.sh" test demo 600 || rc=$?
# The job's own output, without the kernel's console lines.
sed -n '/^AGGMON-JOB-BEGIN/,/^AGGMON-JOB-END/p' "$BUILD/qemu-demo.log" |
	grep -v -e '^AGGMON-JOB-' -e '^\[ *[0-9.]*\] '
exit $rc

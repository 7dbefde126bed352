#!/usr/bin/env bash
# make shell: boot the test kernel to an interactive guest shell.
# Usage: scripts/shell.sh   (leave with "exit", or Ctrl-a x)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

"$TOP/scripts/prepare-guest.sh" test
exec "$TOP/scripts/qemu-run.sh" test shell

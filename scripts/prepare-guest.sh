#!/usr/bin/env bash
# Everything a guest run needs: packages, the assembled tree, a QEMU
# kernel, the static userland and the initramfs.
# Usage: scripts/prepare-guest.sh test|bench
set -euo pipefail
. "$(dirname "$0")/lib.sh"

flavour=${1:?usage: prepare-guest.sh test|bench}
"$TOP/scripts/setup.sh"
"$TOP/scripts/assemble.sh"
"$TOP/scripts/build-kernel.sh" "$flavour"
"$TOP/scripts/build-user.sh"
"$TOP/scripts/initramfs.sh" "$flavour"

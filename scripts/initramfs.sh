#!/usr/bin/env bash
# Pack the guest's initramfs: busybox-static, the guest scripts, the
# kselftests, the aggmon tool and the kernel's aggmon modules.  The fleet
# flavour, for the fleet's members (scripts/fleet-e2e.sh, which boots
# the test kernel), is small: busybox, the scripts, the tool and the
# helper that makes a user gauge.
# Usage: scripts/initramfs.sh test|bench|fleet -> build/initramfs-FLAVOUR.cpio.gz
set -euo pipefail
. "$(dirname "$0")/lib.sh"

flavour=${1:?usage: initramfs.sh test|bench|fleet}
kernel=$BUILD/kernel-$flavour
root=$BUILD/initramfs-$flavour
rm -rf "$root"
mkdir -p "$root"/{bin,dev,proc,sys,tmp,jobs}
cp /bin/busybox "$root/bin/busybox"
cp "$TOP/scripts/guest/init" "$root/init"
cp "$TOP"/scripts/guest/job-*.sh "$root/jobs/"
cp "$BUILD/user/aggmon_tool_helper" "$root/bin/aggmon_tool_helper"
cp "$BUILD/user/tool/aggmon.static" "$root/bin/aggmon"
if [ "$flavour" != fleet ]; then
	mkdir -p "$root"/{tests,lib/aggmon}
	cp "$BUILD"/user/aggmon_*_test "$root/tests/"
	cp "$TOP"/selftests/aggmon/aggmon_*_test.sh "$root/tests/"
	cp "$TOP/selftests/aggmon/aggmon_tap.sh" "$root/tests/"
	cp "$BUILD/user/aggmon_wake_bench" "$root/bin/aggmon_wake_bench"
	cp "$BUILD/user/aggmon_agg_bench" "$root/bin/aggmon_agg_bench"
	cp "$BUILD/user/aggmon_peer_bench" "$root/bin/aggmon_peer_bench"
	cp "$BUILD/user/aggmon_core_bench" "$root/bin/aggmon_core_bench"
	cp "$BUILD/user/aggmon_fuzz" "$root/bin/aggmon_fuzz"
	find "$kernel" -name '*.ko' -path '*aggmon*' -exec cp {} "$root/lib/aggmon/" \;
fi
chmod +x "$root/init" "$root"/jobs/*.sh
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$root.cpio.gz"

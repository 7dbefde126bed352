#!/usr/bin/env bash
# Build a QEMU kernel from the assembled tree, out of tree.
# Usage: scripts/build-kernel.sh test|bench
#   test:  tinyconfig + base.config + test.config  -> build/kernel-test
#   bench: tinyconfig + base.config + bench.config -> build/kernel-bench
# The config is regenerated only when a fragment changes, so rebuilds
# after an edit are incremental.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

flavour=${1:?usage: build-kernel.sh test|bench}
out=$BUILD/kernel-$flavour
frags=("$TOP/scripts/config/base.config" "$TOP/scripts/config/$flavour.config")
mkdir -p "$out"

stamp=$(cat "${frags[@]}" | sha1sum | cut -d' ' -f1)
if [ ! -f "$out/.config" ] || [ "$(cat "$out/.aggmon-config" 2>/dev/null)" != "$stamp" ]; then
	log "configuring $flavour kernel"
	make -s -C "$SRC" O="$out" tinyconfig >/dev/null
	"$SRC/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" "${frags[@]}" >/dev/null
	make -s -C "$SRC" O="$out" olddefconfig >/dev/null
	# Every option a fragment asks for must have survived olddefconfig.
	bad=0
	while IFS= read -r line; do
		case "$line" in
		CONFIG_*=n) opt=${line%=n}; grep -q "^$opt=" "$out/.config" && { log "$opt is set, wanted n"; bad=1; } ;;
		CONFIG_*) grep -qx "$line" "$out/.config" || { log "$line did not stick"; bad=1; } ;;
		esac
	done < <(cat "${frags[@]}")
	[ $bad -eq 0 ] || exit 1
	echo "$stamp" >"$out/.aggmon-config"
fi

log "building $flavour kernel in $out"
make -s -C "$SRC" O="$out" -j"$JOBS" bzImage modules 2>&1 | tee "$out/build.log" >&2
test "${PIPESTATUS[0]}" -eq 0

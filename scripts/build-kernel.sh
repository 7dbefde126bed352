#!/usr/bin/env bash
# Build a QEMU kernel from the assembled tree, out of tree.
# Usage: scripts/build-kernel.sh test|bench|unpatched
#   test:  tinyconfig + base.config + test.config  -> build/kernel-test
#   bench: tinyconfig + base.config + bench.config -> build/kernel-bench
#   unpatched: the bench kernel + unpatched.config (CONFIG_AGGMON=n), the
#          baseline of make bench's A/B    -> build/kernel-unpatched
# A later fragment overrides an earlier one.
# The config is regenerated only when a fragment changes, so rebuilds
# after an edit are incremental.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

flavour=${1:?usage: build-kernel.sh test|bench|unpatched}
out=$BUILD/kernel-$flavour
frags=("$TOP/scripts/config/base.config")
[ "$flavour" = unpatched ] && frags+=("$TOP/scripts/config/bench.config")
frags+=("$TOP/scripts/config/$flavour.config")

# Each option's last setting in the fragments, in order.
wanted() {
	grep -h '^CONFIG_' "${frags[@]}" |
		awk -F= '{ v[$1] = $0; if (!($1 in seen)) { seen[$1] = 1; o[n++] = $1 } }
			 END { for (i = 0; i < n; i++) print v[o[i]] }'
}
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
	done < <(wanted)
	[ $bad -eq 0 ] || exit 1
	echo "$stamp" >"$out/.aggmon-config"
fi

log "building $flavour kernel in $out"
make -s -C "$SRC" O="$out" -j"$JOBS" bzImage modules 2>&1 | tee "$out/build.log" >&2
test "${PIPESTATUS[0]}" -eq 0

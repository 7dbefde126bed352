#!/usr/bin/env bash
# With CONFIG_AGGMON=n the instrumented e100 driver must compile to what
# the unpatched one does.  Both e100.c files, the pristine one and the
# assembled one, are compiled the same way (as external modules against
# one CONFIG_AGGMON=n kernel configuration) and their objects compared:
# section sizes (size -A) and the bytes of every code and data section.
# Prints TAP.
# Usage: scripts/e100-size.sh   (after scripts/assemble.sh)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

out=$BUILD/kernel-noaggmon
work=$BUILD/e100-size
file=drivers/net/ethernet/intel/e100.c

configure() {
	local stamp
	stamp=$(cat "$TOP/scripts/config/base.config" | sha1sum | cut -d' ' -f1)
	[ "$(cat "$out/.aggmon-config" 2>/dev/null)" = "$stamp" ] && return
	mkdir -p "$out"
	make -s -C "$SRC" O="$out" tinyconfig >/dev/null
	grep -v -e AGGMON -e SAMPLES "$TOP/scripts/config/base.config" >"$out/frag.config"
	printf '%s\n' "# CONFIG_AGGMON is not set" "CONFIG_E100=m" >>"$out/frag.config"
	"$SRC/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" \
		"$out/frag.config" >/dev/null 2>&1
	make -s -C "$SRC" O="$out" olddefconfig >/dev/null
	if grep -q '^CONFIG_AGGMON=y' "$out/.config"; then
		log "CONFIG_AGGMON is still set"
		exit 1
	fi
	make -s -C "$SRC" O="$out" -j"$JOBS" modules_prepare >/dev/null
	echo "$stamp" >"$out/.aggmon-config"
}

# compile NAME: $work/NAME/e100.c (already there) -> $work/NAME/e100.o
compile() {
	echo 'obj-m := e100.o' >"$work/$1/Kbuild"
	make -s -C "$SRC" O="$out" M="$work/$1" e100.o >/dev/null
}

# sections OBJ: "name size" per allocated section
sections() {
	size -A "$1" | awk 'NR > 2 && $1 != "Total" && NF == 3 { print $1, $2 }'
}

configure
rm -rf "$work"
mkdir -p "$work/pristine" "$work/patched"
git_src show "pristine:$file" >"$work/pristine/e100.c"
git_src show "aggmon:$file" >"$work/patched/e100.c"
if cmp -s "$work/pristine/e100.c" "$work/patched/e100.c"; then
	echo "1..1"
	echo "not ok 1 - e100.c is not patched: nothing to compare"
	exit 1
fi
compile pristine
compile patched

echo "1..2"
n=1 rc=0
if diff <(sections "$work/pristine/e100.o") <(sections "$work/patched/e100.o") >"$work/size.diff"; then
	echo "ok $n - e100.o with CONFIG_AGGMON=n: every section the size of the unpatched one"
else
	echo "not ok $n - e100.o with CONFIG_AGGMON=n: section sizes differ"
	sed 's/^/# /' "$work/size.diff"
	rc=1
fi
n=$((n + 1))
for o in pristine patched; do
	objcopy -O binary --only-section=.text --only-section='.text.*' \
		--only-section=.data --only-section=.rodata --only-section='.rodata.*' \
		"$work/$o/e100.o" "$work/$o/bytes"
done
if cmp -s "$work/pristine/bytes" "$work/patched/bytes"; then
	echo "ok $n - e100.o with CONFIG_AGGMON=n: code and data bytes identical"
else
	echo "not ok $n - e100.o with CONFIG_AGGMON=n: code or data bytes differ"
	rc=1
fi
size "$work/pristine/e100.o" "$work/patched/e100.o" | sed 's/^/# /'
exit $rc

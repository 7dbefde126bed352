#!/usr/bin/env bash
# Static checks on the aggmon sources, one TAP line each:
#   W=1 and sparse (C=2) on kernel/aggmon and samples/aggmon, kernel-doc,
#   the UAPI header compiled on its own (C90 and C++), and
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

# Rebuild the aggmon objects with extra checking; print only what the
# compiler or sparse says about aggmon's own files.
aggmon_objects() {
	touch "$SRC"/kernel/aggmon/*.c "$SRC"/samples/aggmon/*.c
	make -s -C "$SRC" O="$obj" -j"$JOBS" "$@" kernel/aggmon/ samples/aggmon/ 2>&1 |
		grep -E 'aggmon' | grep -E 'warning|error' || true
}

uapi_standalone() {
	make -s -C "$SRC" O="$obj" headers >/dev/null || return 1
	echo '#include <linux/aggmon.h>' >"$tmp/uapi.c"
	gcc -std=c90 -pedantic -Wall -Wextra -Werror -I"$obj/usr/include" -c "$tmp/uapi.c" -o /dev/null &&
	g++ -x c++ -std=c++98 -Wall -Wextra -Werror -I"$obj/usr/include" -c "$tmp/uapi.c" -o /dev/null
}

kernel_doc() {
	"$SRC/scripts/kernel-doc" -none -Wall \
		"$SRC"/kernel/aggmon/*.[ch] "$SRC"/include/linux/aggmon.h \
		"$SRC"/include/uapi/linux/aggmon.h "$SRC"/samples/aggmon/*.c
}

checkpatch() {
	(cd "$SRC" && scripts/checkpatch.pl --strict --quiet --no-signoff "$1") |
		grep -v '^total:' | grep -v '^$' || true
}

check "W=1 build of kernel/aggmon and samples/aggmon" aggmon_objects W=1
check "sparse (C=2) on kernel/aggmon and samples/aggmon" aggmon_objects C=2
check "kernel-doc -Wall on the aggmon sources" kernel_doc
check "UAPI header compiles on its own (C90, C++98)" uapi_standalone
for p in "$BUILD"/series/0*.patch; do
	case $p in */0000-cover-letter.patch) continue ;; esac
	check "checkpatch --strict $(basename "$p")" checkpatch "$p"
done
echo "# static checks: $((n - failed)) passed, $failed failed"
[ $failed -eq 0 ]

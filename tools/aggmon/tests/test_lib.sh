#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Host tests of libaggmon that need no aggmon kernel: tests/test_lib (merge
# math, buckets, sorting, printa output, events, the system call wrappers
# over the fake kernel), its JSON checked by Python's json module, and the
# libraries as installed: exported symbols, soname, pkg-config file, and a
# program built against the installed header and shared library.
# Prints TAP; exits 1 if a test fails.
#
# Usage: tests/test_lib.sh [BUILD_DIR]	(default: the folder above tests/)

set -u
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
build=$(cd "${1:-$here/..}" && pwd)
lib=$build/tests/test_lib
. "$here/tap.sh"

# check DESCRIPTION CMD...: passes if CMD succeeds; its stderr is shown if not.
check() {
	local desc=$1

	shift
	if "$@" >"$tmp/out" 2>"$tmp/err"; then
		report pass "$desc"
	else
		report fail "$desc"
	fi
}

### test_lib: its own TAP lines, numbered on from here

"$lib" >"$tmp/lib.tap" 2>"$tmp/err"
rc=$?
while IFS= read -r line; do
	if [[ $line =~ ^ok\ [0-9]+\ -\ (.*)$ ]]; then
		n=$((n + 1))
		echo "ok $n - ${BASH_REMATCH[1]}"
	elif [[ $line =~ ^not\ ok\ [0-9]+\ -\ (.*)$ ]]; then
		n=$((n + 1))
		failed=$((failed + 1))
		echo "not ok $n - ${BASH_REMATCH[1]}"
	else
		echo "$line"
	fi
done <"$tmp/lib.tap"
if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
	report fail "test_lib exits 0 (it exited $rc)"
fi

### JSON

"$lib" json >"$tmp/aggs.json" 2>"$tmp/err"
check "json: every aggregation of the fake kernel is a JSON document, one a line" \
	python3 -c '
import json, sys
lines = open(sys.argv[1], "rb").read().split(b"\n")
assert lines.pop() == b"", "no newline at the end"
assert len(lines) == 8, "%d documents" % len(lines)
for line in lines:
	json.loads(line)
' "$tmp/aggs.json"

# json_check DESCRIPTION EXPR: the Python expression EXPR is true, with
# aggs the documents by name and entries(name) their entries.
json_check() {
	check "$1" python3 -c '
import json, sys
aggs = {}
for line in open(sys.argv[1], "rb"):
	doc = json.loads(line)
	aggs[doc["name"]] = doc
def entries(name):
	return aggs[name]["entries"]
ok = ('"$2"')
assert ok
' "$tmp/aggs.json"
}

json_check "json: a quantize's entries sorted by total, buckets with their bounds" '
	[e["key"] for e in entries("aggmon.syscall_ns")] == [[11], [0], [2]] and
	entries("aggmon.syscall_ns")[2]["buckets"] == [
		{"min": 2048, "max": 4095, "count": 1},
		{"min": 4096, "max": 8191, "count": 1},
		{"min": 8192, "max": 16383, "count": 2}]'
json_check "json: comm and pid keys as a string and a number" '
	entries("fake.net.tx_bytes") == [
		{"key": ["nginx", 1240], "sum": 100},
		{"key": ["sshd", 812], "sum": 4500},
		{"key": ["nginx", 1234], "sum": 64000}]'
json_check "json: an lquantize has its parameters, and '< low' from INT64_MIN" '
	[aggs["fake.sched.latency_us"][p] for p in ("low", "high", "step")] ==
	[0, 100, 10] and
	entries("fake.sched.latency_us")[1]["buckets"][0] ==
	{"min": -2**63, "max": -1, "count": 1}'
json_check "json: an llquantize's overflow bucket reaches INT64_MAX" '
	aggs["fake.io.size"]["factor"] == 10 and
	entries("fake.io.size")[0]["count"] == 7 and
	entries("fake.io.size")[0]["buckets"][-1] ==
	{"min": 10000, "max": 2**63 - 1, "count": 1}'
json_check "json: stddev with count, exact sum, avg and stddev" '
	entries("fake.rq.len") ==
	[{"key": [], "count": 8, "sum": 40, "avg": 5, "stddev": 2}]'
json_check "json: an avg's 128-bit sum is written exactly" '
	entries("fake.mem.alloc")[1]["sum"] == 2**64 - 2 and
	entries("fake.mem.alloc")[1]["avg"] == 9.223372036854776e18 and
	entries("fake.mem.alloc")[0]["avg"] == 150'
json_check "json: max by value, with its count" '
	entries("fake.rq.max") == [
		{"key": [3], "count": 1, "max": -2},
		{"key": [1], "count": 1, "max": 8},
		{"key": [0], "count": 2, "max": 17}]'
json_check "json: 100 generated keys, each with its merged count" '
	sorted((e["key"][0], e["count"]) for e in entries("fake.gen.count")) ==
	[(k, k % 7 + 2) for k in range(100)]'

"$lib" json-pretty >"$tmp/pretty.json" 2>"$tmp/err"
check "json: the pretty form is one valid document" \
	python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); assert d["id"] == 102' \
	"$tmp/pretty.json"

### The libraries

so=$build/lib/libaggmon.so
# The functions and data libaggmon.so defines, without their version.
exports() {
	nm -D --defined-only "$so" | awk '$2 ~ /^[TDBR]$/ { sub(/@.*/, "", $3); print $3 }'
}
check "libaggmon.so exports only aggmon_* functions, versioned LIBAGGMON_0" \
	bash -c '[ "$(grep -vc "^aggmon_" <<<"$1")" = 0 ] &&
		 grep -qx aggmon_print_agg <<<"$1" &&
		 nm -D --defined-only "$2" | grep -q " aggmon_agg_snapshot_all@@LIBAGGMON_0$"' \
	_ "$(exports)" "$so"
check "libaggmon.so has the soname libaggmon.so.0" \
	bash -c 'readelf -d "$1" | grep -q "SONAME.*\[libaggmon.so.0\]"' _ "$so"
check "libaggmon.a holds the library and the JSON writer" \
	bash -c 'nm "$1" | grep -q " T aggmon_agg_snapshot_all$" &&
		 nm "$1" | grep -q " T jsonw_new$"' _ "$build/lib/libaggmon.a"

dest=$tmp/dest
# PREFIX is the default, so that the build's libaggmon.pc stays as it is.
check "make install-lib DESTDIR=..." \
	make -s -C "$src" OUTPUT="$build" DESTDIR="$dest" install-lib
check "installed: header, UAPI header, libraries, symlinks, pkg-config file" \
	test -f "$dest/usr/local/include/aggmon/libaggmon.h" \
	-a -f "$dest/usr/local/include/aggmon/linux/aggmon.h" \
	-a -f "$dest/usr/local/lib/libaggmon.a" \
	-a -f "$dest/usr/local/lib/libaggmon.so.0.1.0" \
	-a -L "$dest/usr/local/lib/libaggmon.so.0" \
	-a -L "$dest/usr/local/lib/libaggmon.so" \
	-a -f "$dest/usr/local/lib/pkgconfig/libaggmon.pc"
check "the installed libaggmon.pc names the prefix it was installed for" \
	grep -qx 'prefix=/usr/local' "$dest/usr/local/lib/pkgconfig/libaggmon.pc"

check "libaggmon.pc follows PREFIX and libdir" \
	bash -c 'make -s -C "$1" OUTPUT="$2" PREFIX=/opt/agg libdir=/opt/agg/lib64 \
			"$2/lib/libaggmon.pc" &&
		 grep -qx "prefix=/opt/agg" "$2/lib/libaggmon.pc" &&
		 grep -qx "libdir=/opt/agg/lib64" "$2/lib/libaggmon.pc" &&
		 grep -qx "includedir=/opt/agg/include" "$2/lib/libaggmon.pc"' \
	_ "$src" "$tmp/pc"

# A program against the installed files only, with the flags the .pc file
# gives (its prefix moved under DESTDIR).
cat >"$tmp/user.c" <<'EOF'
#include <libaggmon.h>
#include <string.h>

int main(void)
{
	struct aggmon_agg_info info;
	char label[24];

	memset(&info, 0, sizeof(info));
	info.func = AGGMON_AGG_LQUANTIZE;
	info.high = 100;
	info.step = 10;
	info.value_slots = 12;
	info.record_size = 16 + 8 * 12;
	if (aggmon_agg_bucket_format(&info, 11, label, sizeof(label)) < 0)
		return 1;
	return strcmp(label, ">= 100") != 0;
}
EOF
pcflags() {
	sed -e "s|^prefix=.*|prefix=$dest/usr/local|" \
		-e "s|^libdir=.*|libdir=$dest/usr/local/lib|" \
		-e "s|^includedir=.*|includedir=$dest/usr/local/include|" \
		"$dest/usr/local/lib/pkgconfig/libaggmon.pc" >"$tmp/libaggmon.pc"
	if command -v pkg-config >/dev/null; then
		PKG_CONFIG_PATH=$tmp pkg-config "$@" libaggmon
	else
		case $1 in
		--cflags) echo "-I$dest/usr/local/include/aggmon" ;;
		--libs) echo "-L$dest/usr/local/lib -laggmon" ;;
		esac
	fi
}
check "a C99 program builds with -Werror against the installed header and libaggmon.so" \
	bash -c 'cc -std=c99 -Wall -Wextra -Werror $1 -o "$2" "$3" $4' _ \
	"$(pcflags --cflags)" "$tmp/user" "$tmp/user.c" "$(pcflags --libs)"
check "... and runs with the installed libaggmon.so.0" \
	env LD_LIBRARY_PATH="$dest/usr/local/lib" "$tmp/user"
check "... and links statically with libaggmon.a" \
	bash -c 'cc -std=c99 -Werror $1 -o "$2" "$3" "$4" && "$2"' _ \
	"$(pcflags --cflags)" "$tmp/user-static" "$tmp/user.c" \
	"$dest/usr/local/lib/libaggmon.a"

echo "1..$n"
[ "$failed" -eq 0 ]

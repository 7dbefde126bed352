#!/usr/bin/env bash
# The aggmon documentation builds cleanly:
#   kernel-doc -Wall on the in-kernel API, the UAPI header and kernel/aggmon;
#   Sphinx, with the kernel's own conf.py and extensions (kerneldoc,
#   automarkup, the C domain, ...), on the three aggmon pages, laid out as
#   in the kernel tree.
# Both read this repository's files (pages, headers, kernel/aggmon) through
# build/docs/tree, a kernel-tree view of the overlay, and take
# scripts/kernel-doc, conf.py and the Sphinx extensions from build/src; so
# they check the working copy, assembled or not.
# Usage: scripts/docs-check.sh [kernel-doc | sphinx]
#   With no argument, run both checks and print a TAP line each.  With
#   one, run that check alone and print only what it finds (nothing when
#   clean), as static-checks.sh's check() wants.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

PAGES=(userspace-api/aggmon.rst driver-api/aggmon.rst admin-guide/aggmon.rst)
out=$BUILD/docs
tree=$out/tree

# The overlay at its kernel-tree paths, and the kernel's scripts/.
make_tree() {
	local m to
	if [ ! -x "$SRC/scripts/kernel-doc" ] || [ ! -f "$SRC/Documentation/conf.py" ]; then
		echo "no kernel tree in $SRC: run scripts/assemble.sh"
		return 1
	fi
	rm -rf "$tree"
	mkdir -p "$tree"
	ln -s "$SRC/scripts" "$tree/scripts"
	for m in "${OVERLAY[@]}"; do
		to=$tree/${m#*:}
		mkdir -p "$(dirname "$to")"
		ln -s "$TOP/${m%%:*}" "$to"
	done
}

kernel_doc() {
	make_tree || return 1
	"$tree/scripts/kernel-doc" -none -Wall \
		"$tree"/include/linux/aggmon.h "$tree"/include/linux/aggmon_gauge.h \
		"$tree"/include/uapi/linux/aggmon.h \
		"$tree"/kernel/aggmon/*.[ch]
}

# What Sphinx says, less what it says about this machine: kfigure warns
# once that graphviz is missing, which no aggmon page needs.
sphinx() {
	local page rc
	command -v sphinx-build >/dev/null ||
		{ echo "sphinx-build not found: run scripts/setup.sh"; return 1; }
	make_tree || return 1
	rm -rf "$out/src" "$out/html" "$out/doctrees"
	mkdir -p "$out/src"
	{
		echo "======================"
		echo "aggmon documentation"
		echo "======================"
		echo
		echo ".. toctree::"
		echo "   :maxdepth: 1"
		echo
		for page in "${PAGES[@]}"; do
			echo "   ${page%.rst}"
		done
	} >"$out/src/index.rst"
	for page in "${PAGES[@]}"; do
		mkdir -p "$out/src/$(dirname "$page")"
		cp "$TOP/Documentation/$page" "$out/src/$page" || return 1
	done
	# As Documentation/Makefile runs it for SPHINXDIRS: the kernel's conf.py.
	sphinx-build -E -q -b html -c "$SRC/Documentation" \
		-D kerneldoc_srctree="$tree" -D kerneldoc_bin="$tree/scripts/kernel-doc" \
		-d "$out/doctrees" -w "$out/warnings.log" \
		"$out/src" "$out/html" >"$out/sphinx.log" 2>&1
	rc=$?
	grep -v 'dot(1) not found' "$out/warnings.log"
	if [ $rc -ne 0 ]; then
		echo "sphinx-build failed ($rc):"
		tail -20 "$out/sphinx.log"
		return 1
	fi
	! grep -qv 'dot(1) not found' "$out/warnings.log"
}

case ${1:-} in
kernel-doc) kernel_doc; exit ;;
sphinx) sphinx; exit ;;
'') ;;
*) echo "usage: $0 [kernel-doc | sphinx]" >&2; exit 2 ;;
esac

n=0 failed=0
tap() {
	local name=$1 res
	shift
	n=$((n + 1))
	res=$("$@" 2>&1)
	if [ $? -eq 0 ] && [ -z "$res" ]; then
		echo "ok $n - $name"
	else
		echo "not ok $n - $name"
		printf '%s\n' "$res" | head -30 | sed 's/^/#   /'
		failed=$((failed + 1))
	fi
}

tap "kernel-doc -Wall: include/linux/aggmon.h, the UAPI header, kernel/aggmon" kernel_doc
tap "sphinx: aggmon docs build without warnings" sphinx
echo "# docs: $((n - failed)) passed, $failed failed (HTML in ${out#"$TOP"/}/html)"
[ $failed -eq 0 ]

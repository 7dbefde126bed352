#!/usr/bin/env bash
# Assemble the kernel tree in build/src: pristine 6.12 + overlay + patches/series.
#
# The pristine tree is extracted once and committed on branch "pristine".
# Each run builds the assembled tree as a commit in a private index (no
# work tree is touched while it is built), then checks it out: git only
# rewrites files whose content changed, so O= builds stay incremental.
# Usage: scripts/assemble.sh
set -euo pipefail
. "$(dirname "$0")/lib.sh"

extract_pristine() {
	local stamp
	stamp=$(stat -c '%s %Y' "$TARBALL")
	if [ -f "$SRC/.git/aggmon-tarball" ] &&
	   [ "$(cat "$SRC/.git/aggmon-tarball")" = "$stamp" ]; then
		return
	fi
	log "extracting $TARBALL (once)"
	rm -rf "$SRC"
	mkdir -p "$SRC"
	tar -xf "$TARBALL" -C "$SRC" --strip-components=1
	git_src init -q -b pristine
	git_src add -A -f
	git_src commit -q -m "pristine $(basename "$TARBALL")"
	echo "$stamp" >"$SRC/.git/aggmon-tarball"
}

# Add one overlay file or folder to the private index.
stage_overlay() {
	local from=$1 to=$2 f rel blob
	if [ -f "$TOP/$from" ]; then
		blob=$(git_src hash-object -w "$TOP/$from")
		git_src update-index --add --cacheinfo "100644,$blob,$to"
		return
	fi
	while IFS= read -r -d '' f; do
		rel=${f#"$TOP/$from"/}
		blob=$(git_src hash-object -w "$f")
		git_src update-index --add --cacheinfo "100644,$blob,$to/$rel"
	done < <(find "$TOP/$from" -type f ! -name '*.o' ! -name '*~' -print0)
}

apply_series() {
	local p
	grep -v -e '^#' -e '^[[:space:]]*$' "$TOP/patches/series" | while read -r p; do
		git_src apply --cached --whitespace=error-all "$TOP/patches/$p" ||
			{ log "patch $p does not apply"; exit 1; }
	done
}

extract_pristine
export GIT_INDEX_FILE="$SRC/.git/aggmon-index"
rm -f "$GIT_INDEX_FILE"
git_src read-tree pristine
for m in "${OVERLAY[@]}"; do
	stage_overlay "${m%%:*}" "${m#*:}"
done
apply_series
tree=$(git_src write-tree)
unset GIT_INDEX_FILE

head=$(git_src rev-parse -q --verify aggmon 2>/dev/null || true)
if [ -n "$head" ] && [ "$(git_src rev-parse "$head^{tree}")" = "$tree" ]; then
	git_src checkout -q aggmon
	log "tree unchanged"
	exit 0
fi
commit=$(git_src commit-tree "$tree" -p pristine -m "aggmon: assembled overlay and patches")
git_src checkout -q -f -B aggmon "$commit"
log "assembled $(git_src rev-parse --short HEAD)"

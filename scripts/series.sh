#!/usr/bin/env bash
# Export the work as a mailing-list series: build/series/*.patch.
#
# Each patches/export/NN-*.txt is one patch: its commit message, then
# "X-Files:" (kernel-tree paths taken from the assembled tree, and
# patches/*.patch applied as they are) and "X-Kconfig:" (the symbols of
# kernel/aggmon/Kconfig that patch introduces; earlier patches get the
# Kconfig without them, so every patch builds with any config).  The
# last patch must leave exactly the assembled tree.
# Usage: scripts/series.sh   (after scripts/assemble.sh)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

out=$BUILD/series
stages=("$TOP"/patches/export/[0-9]*.txt)
kconfig=kernel/aggmon/Kconfig

# The symbols introduced by the stages after stage $1.
later_symbols() {
	local i
	for ((i = $1 + 1; i < ${#stages[@]}; i++)); do
		sed -n 's/^X-Kconfig: //p' "${stages[$i]}"
	done
}

# kernel/aggmon/Kconfig of the assembled tree without the config blocks
# of the symbols given.
kconfig_without() {
	git_src show "aggmon:$kconfig" | awk -v drop=" $* " '
		/^config / { skip = index(drop, " " $2 " ") > 0 }
		!skip { lines[n++] = $0 }
		END { while (n > 0 && lines[n - 1] == "") n--
		      for (i = 0; i < n; i++) print lines[i] }'
}

stage_file() {
	local path=$1 mode type blob p
	if [[ $path == patches/* ]]; then
		git_src apply --cached "$TOP/$path"
		return
	fi
	git_src ls-tree -r aggmon -- "$path" | grep -q . ||
		{ log "$path is not in the assembled tree"; exit 1; }
	git_src ls-tree -r aggmon -- "$path" | while read -r mode type blob p; do
		git_src update-index --add --cacheinfo "$mode,$blob,$p"
	done
}

export GIT_INDEX_FILE=$SRC/.git/aggmon-series-index
rm -f "$GIT_INDEX_FILE"
git_src read-tree pristine
parent=$(git_src rev-parse pristine)
for i in "${!stages[@]}"; do
	for f in $(sed -n 's/^X-Files: //p' "${stages[$i]}"); do
		stage_file "$f"
	done
	if git_src ls-files --error-unmatch "$kconfig" >/dev/null 2>&1; then
		blob=$(kconfig_without $(later_symbols "$i") | git_src hash-object -w --stdin)
		git_src update-index --cacheinfo "100644,$blob,$kconfig"
	fi
	msg=$(grep -v '^X-' "${stages[$i]}"; printf '\nSigned-off-by: %s <%s>\n' "$AUTHOR_NAME" "$AUTHOR_EMAIL")
	parent=$(git_src commit-tree "$(git_src write-tree)" -p "$parent" -m "$msg")
done
unset GIT_INDEX_FILE

if ! git_src diff --quiet "$parent" aggmon; then
	log "the series does not add up to the assembled tree:"
	git_src diff --stat "$parent" aggmon >&2
	exit 1
fi
git_src update-ref refs/heads/series "$parent"
git_src config branch.series.description "$(cat "$TOP/patches/export/cover.txt")"
rm -rf "$out"
git_src format-patch -q --cover-letter --cover-from-description=subject \
	-o "$out" pristine..series
ls "$out"

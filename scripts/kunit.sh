#!/usr/bin/env bash
# Run the aggmon KUnit suites under User-Mode Linux.
# Usage: scripts/kunit.sh [extra kunit.py run arguments]
# Writes build/kunit.log; prints kunit.py's summary.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

cd "$SRC"
./tools/testing/kunit/kunit.py run \
	--kunitconfig=kernel/aggmon/.kunitconfig \
	--build_dir="$BUILD/uml" --jobs="$JOBS" "$@" 2>&1 |
	tee "$BUILD/kunit.log"

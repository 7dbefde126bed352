# SPDX-License-Identifier: GPL-2.0
#
# What the tool's TAP test scripts share; sourced, never run.  Sets up
# $tmp (removed on exit) and the counters n and failed, and defines
# report (one TAP line, with the last command's output on failure) and
# run (a command's stdout, stderr and status into $tmp/out, $tmp/err
# and $rc).  Each script prints its own plan, "1..$n", at the end.
# shellcheck shell=bash

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
failed=0

# pass|fail DESCRIPTION
report() {
	n=$((n + 1))
	if [ "$1" = pass ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=$((failed + 1))
		sed 's/^/# stdout: /' "$tmp/out" 2>/dev/null | head -20
		sed 's/^/# stderr: /' "$tmp/err" 2>/dev/null | head -20
	fi
}

# Run a command: stdout in $tmp/out, stderr in $tmp/err, status in $rc.
run() {
	"$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
}

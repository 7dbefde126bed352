# SPDX-License-Identifier: GPL-2.0
#
# What the tool's TAP test scripts share; sourced, never run.  Sets up
# $tmp (removed on exit) and the counters n and failed, and defines
# report (one TAP line: a pass, a skip with its reason, or a failure with
# the last command's output) and run (a command's stdout, stderr and
# status into $tmp/out, $tmp/err and $rc), expect (a status and the first
# line of stderr), same (the exact stdout, against a file) and expect_out
# (against a string).  Each script prints its own plan, "1..$n", at the
# end.
# shellcheck shell=bash

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
failed=0

# report pass|fail|skip DESCRIPTION [DETAIL]: a failure shows DETAIL, or
# else the last command's output; a skip says DETAIL as its reason.
report() {
	n=$((n + 1))
	case $1 in
	pass)	echo "ok $n - $2" ;;
	skip)	echo "ok $n - $2 # SKIP $3" ;;
	*)	echo "not ok $n - $2"
		failed=$((failed + 1))
		if [ -n "${3:-}" ]; then
			printf '%s\n' "$3" | sed 's/^/# /'
		else
			sed 's/^/# stdout: /' "$tmp/out" 2>/dev/null | head -20
			sed 's/^/# stderr: /' "$tmp/err" 2>/dev/null | head -20
		fi ;;
	esac
}

# Run a command: stdout in $tmp/out, stderr in $tmp/err, status in $rc.
run() {
	"$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
}

# expect STATUS STDERR DESCRIPTION CMD...: the status, and stderr exactly
# "aggmon: STDERR" on its first line (unless STDERR is empty); stdout must
# be empty for a failure.
expect() {
	local status=$1 text=$2 desc=$3

	shift 3
	run "$@"
	if [ "$rc" -eq "$status" ] &&
	   { [ -z "$text" ] || [ "$(head -n 1 "$tmp/err")" = "aggmon: $text" ]; } &&
	   { [ "$status" -eq 0 ] || [ ! -s "$tmp/out" ]; }; then
		report pass "$desc"
	else
		report fail "$desc (status $rc, expected $status)"
	fi
}

# same FILE DESCRIPTION: the last command succeeded and $tmp/out is FILE.
same() {
	if [ "$rc" -eq 0 ] && cmp -s "$1" "$tmp/out"; then
		report pass "$2"
	else
		diff -u "$1" "$tmp/out" | sed 's/^/# /'
		report fail "$2"
	fi
}

# expect_out TEXT DESCRIPTION: the last command succeeded and printed TEXT.
expect_out() {
	if [ "$rc" -eq 0 ] && [ "$(cat "$tmp/out")" = "$1" ]; then
		report pass "$2"
	else
		echo "# got '$(cat "$tmp/out")', status $rc: $(head -n 1 "$tmp/err")"
		report fail "$2"
	fi
}

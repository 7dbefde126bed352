#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Tests of the bash completion of aggmon (bash-completion/aggmon): sources
# it and calls _aggmon with COMP_WORDS as bash splits a command line,
# objects, commands, keywords and options, and the gauge and aggregation
# names that it asks the fake-kernel aggmon (tests/aggmon-fake) for.  The
# cases run with plain bash, and again over bash-completion's
# _init_completion where /usr/share/bash-completion/bash_completion is
# installed (else one skipped line).
# Prints TAP; exits 1 if a test fails.
#
# Usage: tests/test_completion.sh [BUILD_DIR]	(default: the folder above tests/)

here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/..}
fake=$build/tests/aggmon-fake
script=$here/../bash-completion/aggmon
bash_completion=${BASH_COMPLETION:-/usr/share/bash-completion/bash_completion}
. "$here/tap.sh"

# Split LINE as bash does for completion: words at blanks, and ':' a
# word of its own (it is in COMP_WORDBREAKS); a trailing blank starts an
# empty word.  Sets COMP_WORDS, COMP_CWORD, COMP_LINE and COMP_POINT.
split_line() {
	local line=$1 w part rest

	COMP_WORDS=()
	for w in $line; do
		rest=$w
		while [[ $rest == *:* ]]; do
			part=${rest%%:*}
			[ -n "$part" ] && COMP_WORDS+=("$part")
			COMP_WORDS+=(":")
			rest=${rest#*:}
		done
		[ -n "$rest" ] && COMP_WORDS+=("$rest")
	done
	[[ $line == *" " ]] && COMP_WORDS+=("")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMP_LINE=$line
	COMP_POINT=${#line}
}

# complete CMD LINE: the completions of LINE, sorted, one a line, with
# aggmon CMD; stderr in $tmp/err.
complete_line() {
	local cmd=$1

	split_line "$2"
	COMPREPLY=()
	_aggmon "$cmd" "${COMP_WORDS[COMP_CWORD]}" \
		"${COMP_WORDS[COMP_CWORD - 1]}" 2>"$tmp/err"
	printf '%s\n' "${COMPREPLY[@]}" | sed '/^$/d' | sort
}

# check DESCRIPTION LINE EXPECTED [CMD]: the completions of LINE are the
# words of EXPECTED (any order), and nothing went to stderr.
check() {
	local desc=$1 line=$2 expected got

	expected=$(printf '%s\n' $3 | sed '/^$/d' | sort)
	got=$(complete_line "${4:-aggmon}" "$line")
	if [ "$got" = "$expected" ] && [ ! -s "$tmp/err" ]; then
		report pass "$desc"
	else
		report fail "$desc" "line: '$line'
expected: $(echo $expected)
got:      $(echo $got)
stderr:   $(cat "$tmp/err")"
	fi
}

# fake_check DESCRIPTION LINE EXPECTED [CMD]: check with the fake-kernel
# aggmon (or CMD, which runs it).
fake_check() {
	if [ -x "$fake" ]; then
		check "$1" "$2" "$3" "${4:-$fake}"
	else
		report skip "$1" "no $fake (make tests/aggmon-fake)"
	fi
}

gauges='net.e100.tx_packets:eth0 net.e100.tx_packets:eth1 mm.free_pages
	user.test.temp:probe:1 sched.reads'
objects='help gauge agg stat watch threshold top monitor export fleet'
options='--json --pretty --help --version -j -p -h -V'
thr='above below above-cancel below-cancel'

cases() {
	local mode=$1

	check "$mode: objects" "aggmon " "$objects"
	check "$mode: an object by its prefix" "aggmon st" "stat"
	check "$mode: options" "aggmon -" "$options"
	check "$mode: objects after an option" "aggmon -j t" "threshold top"
	check "$mode: gauge commands" "aggmon gauge " "list show read help"
	check "$mode: gauge list takes nothing" "aggmon gauge list " ""
	fake_check "$mode: gauge show: the gauges of aggmon -p gauge list" \
		"aggmon gauge show " "$gauges"
	fake_check "$mode: gauge show NAME:ITEM across COMP_WORDBREAKS' ':'" \
		"aggmon gauge show net.e100.tx_packets:e" "eth0 eth1"
	fake_check "$mode: an abbreviated command, a late option" \
		"aggmon g read -p mm" "mm.free_pages"
	check "$mode: gauge read options" "aggmon gauge read 5 --c" "--count"
	check "$mode: no gauges from a missing aggmon, silently" \
		"aggmon gauge show " "" "$tmp/no-such-aggmon"
	fake_check "$mode: no gauges without permission, silently" \
		"aggmon gauge show " "" "$tmp/denied"
	check "$mode: stat commands" "aggmon stat " "read help"
	check "$mode: stat kinds" "aggmon stat read 5 " \
		"absolute hwm lwm rate bucket"
	check "$mode: stat read rate keywords" "aggmon stat read 5 rate " \
		"period interval count"
	check "$mode: stat read bucket, period given" \
		"aggmon stat read 5 bucket period 1s " "drain interval count"
	check "$mode: no keyword where a value is due" \
		"aggmon stat read 5 rate period " ""
	check "$mode: watch: a KIND or a THRESHOLD after GAUGE" "aggmon watch 5 " \
		"absolute hwm lwm rate bucket $thr"
	check "$mode: watch: KIND left out" "aggmon watch 5 above 1 " \
		"cancel queue count duration -- $thr"
	check "$mode: watch: threshold kinds" "aggmon watch 5 hwm " "$thr"
	check "$mode: watch: rate needs a period first" \
		"aggmon watch 5 rate " "period $thr"
	check "$mode: watch: after a threshold" "aggmon watch 5 hwm above 100 " \
		"cancel queue count duration -- $thr"
	check "$mode: watch: after cancel" \
		"aggmon watch 5 hwm above 100 cancel 50 " \
		"hysteresis queue count duration -- $thr"
	fake_check "$mode: watch: a second WATCH after --" \
		"aggmon watch 5 hwm above 100 -- " "$gauges"
	check "$mode: watch: count given once" \
		"aggmon watch 5 hwm above 1 count 3 -- 1 lwm below 2 queue 4 " \
		"cancel duration -- $thr"
	check "$mode: watch: no options for a negative VALUE" \
		"aggmon watch 5 hwm above -" ""
	check "$mode: threshold is watch" "aggmon threshold 5 bucket " \
		"period drain $thr"
	check "$mode: agg commands" "aggmon agg " "list show dump run help"
	check "$mode: agg functions" "aggmon agg run user.x 5 " \
		"count sum min max avg stddev quantize lquantize llquantize"
	check "$mode: agg run: no keyword among lquantize's numbers" \
		"aggmon agg run user.x 5 lquantize 0 100 " ""
	check "$mode: agg run keywords" "aggmon agg run user.x 5 lquantize 0 100 10 " \
		"by source entries interval clear count duration"
	check "$mode: agg run: keys" "aggmon agg run user.x 5 sum by " \
		"gauge cpu pid tgid uid comm cgroup"
	check "$mode: agg run: the next key of a list" \
		"aggmon agg run user.x 5 sum by pid,c" "pid,cpu pid,comm pid,cgroup"
	check "$mode: agg run: sources, keywords once" \
		"aggmon agg run user.x 5 sum by cpu source " "delta level"
	check "$mode: agg run: keywords not given yet" \
		"aggmon agg run user.x 5 sum by cpu clear " \
		"source entries interval count duration"
	check "$mode: agg show: id or name" "aggmon agg show " "id name"
	fake_check "$mode: agg dump: the names of aggmon -p agg list" \
		"aggmon agg dump name fake.rq" "fake.rq.len fake.rq.max"
	fake_check "$mode: agg dump: the ids" "aggmon agg dump id 10" \
		"101 102 103 104 105 106 107 108"
	check "$mode: agg dump: clear" "aggmon agg dump id 105 " "clear"
	check "$mode: top keywords" "aggmon top " \
		"help interval sort filter count batch"
	check "$mode: top sort orders" "aggmon top sort " "name value rate"
	check "$mode: top: keywords once, filter again" \
		"aggmon top filter net. batch " "interval sort filter count"
	check "$mode: export keywords" "aggmon export " "help format output"
	check "$mode: export formats" "aggmon export format " \
		"openmetrics prometheus"
	check "$mode: export: format given once" \
		"aggmon export format prometheus " "output"
	check "$mode: fleet commands" "aggmon fleet " "query help"
	check "$mode: fleet query keywords" "aggmon fleet query since x " \
		"until after member"
	check "$mode: monitor commands" "aggmon monitor " "config help"
	check "$mode: monitor options" "aggmon monitor -" "-c --config $options"
	check "$mode: monitor FILE" "aggmon monitor -c $tmp/conf/" \
		"$tmp/conf/host.conf $tmp/conf/test.conf"
	check "$mode: monitor keywords" "aggmon monitor config x.conf check " \
		"count duration"
	check "$mode: help takes nothing" "aggmon help " ""
}

mkdir -p "$tmp/conf"
: >"$tmp/conf/host.conf"
: >"$tmp/conf/test.conf"
# An aggmon that the kernel refuses.
printf '#!/bin/sh\nAGGMON_FAKE_ERRNO=1 exec "%s" "$@"\n' "$fake" >"$tmp/denied"
chmod +x "$tmp/denied"

if bash -n "$script"; then
	report pass "bash -n bash-completion/aggmon"
else
	report fail "bash -n bash-completion/aggmon"
fi

# Plain bash: the script's own word splitting.
(
	source "$script"
	complete -p aggmon >/dev/null && report pass "plain: complete -F _aggmon aggmon" ||
		report fail "plain: complete -F _aggmon aggmon"
	cases plain
	echo "$n $failed" >"$tmp/count"
)
read -r n failed <"$tmp/count"

# bash-completion's _init_completion, where it is installed.
if [ -r "$bash_completion" ]; then
	(
		source "$bash_completion"
		source "$script"
		cases bash-completion
		echo "$n $failed" >"$tmp/count"
	)
	read -r n failed <"$tmp/count"
else
	report skip "bash-completion: the cases over _init_completion" \
		"no $bash_completion"
fi

echo "1..$n"
[ "$failed" -eq 0 ]

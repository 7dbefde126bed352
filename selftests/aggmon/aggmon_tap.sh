# SPDX-License-Identifier: GPL-2.0
#
# aggmon_tap.sh - what the aggmon shell selftests share; sourced, never run
#
# Busybox sh is enough.  Sets the TAP counters n and failed and defines:
#   report pass|fail DESCRIPTION   one TAP line
#   expect_eq EXPECTED GOT DESC    report whether GOT is EXPECTED
#   tap_end PLAN                   the status: 0 if PLAN tests ran and
#                                  passed
#   wait_for COMMAND               poll COMMAND, 60 s at most
#   exited PID, has_fd PID KIND    a process's state and aggmon files
#   in_ns COMMAND...               run in the network and mount
#                                  namespaces of process $nspid
#   gauge NAME:ITEM                a gauge's value through $AGGMON
# Each script prints its own plan, "1..PLAN", first.

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
	fi
}

# expect_eq EXPECTED GOT DESCRIPTION
expect_eq() {
	if [ "$1" = "$2" ]; then
		report pass "$3"
	else
		echo "# expected '$1', got '$2'"
		report fail "$3"
	fi
}

# tap_end PLAN: 0 if exactly PLAN tests ran and none failed.
tap_end() {
	if [ "$n" -ne "$1" ]; then
		echo "# planned $1 tests, ran $n"
		return 1
	fi
	[ "$failed" -eq 0 ]
}

# wait_for COMMAND: until COMMAND succeeds, up to 60 s; 1 if it never does.
wait_for() {
	local i=0

	while ! eval "$1"; do
		i=$((i + 1))
		if [ $i -ge 600 ]; then
			echo "# gave up waiting for: $1"
			return 1
		fi
		sleep 0.1
	done
	return 0
}

# exited PID: whether PID has exited (gone, or a zombie).
exited() {
	local state

	[ -r "/proc/$1/stat" ] || return 0
	state=$(sed 's/^.*) \(.\).*$/\1/' "/proc/$1/stat" 2>/dev/null)
	[ -z "$state" ] || [ "$state" = Z ]
}

# has_fd PID KIND: PID holds an aggmon file of KIND (threshold, stat, ...).
has_fd() {
	ls -l "/proc/$1/fd" 2>/dev/null | grep -q "\[aggmon_$2\]"
}

# in_ns COMMAND...: run COMMAND in the network and mount namespaces of
# process $nspid.
in_ns() {
	nsenter -t "$nspid" -n -m "$@"
}

# gauge NAME:ITEM: its value, or "none".
gauge() {
	"$AGGMON" gauge read "$1" 2>/dev/null || echo none
}

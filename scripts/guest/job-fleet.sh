# One member of the fleet end to end (scripts/fleet-e2e.sh boots three).
# The kernel command line names the member and what it does:
#   aggmon.member=ID	the member id
#   aggmon.port=PORT	systemd-journal-remote's raw port on the host
#			(10.0.2.2, user-mode networking)
#   aggmon.cycles=N	times the gauge crosses the threshold and back
#   aggmon.restart=K	kill -9 the monitor after K cycles and start it
#			again (0: never)
#   aggmon.value=V	the gauge's last value, for Prometheus to read
# A user gauge, user.fleet.load:q, driven by aggmon_tool_helper; one
# `aggmon monitor` with an above-cancel threshold on it, its Journal
# Export Format stream piped to the host by nc, its own JSON log and its
# metrics file served by busybox httpd on port 80 (with killed.json, the
# log when the first monitor was killed).  The console gets
# FLEET-* lines for the host; once its monitor runs, the job waits for
# the host to fetch /cgi-bin/go (so that the members' events interleave),
# and once done, for /cgi-bin/stop; then it stops the monitor and ends.

arg() {
	sed -n "s/.*aggmon\.$1=\([^ ]*\).*/\1/p" /proc/cmdline
}

member=$(arg member)
port=$(arg port)
cycles=$(arg cycles)
restart=$(arg restart)
value=$(arg value)

fail() {
	echo "FLEET-FAIL $member: $*"
	for f in /tmp/monitor*.err /tmp/nc*.err /tmp/helper.err; do
		[ -s "$f" ] && sed "s|^|$f: |" "$f"
	done
	exit 1
}

# wait_for COMMAND [TENTHS]: until it succeeds, 60 s (or TENTHS/10 s) at most.
wait_for() {
	i=0
	while ! eval "$1"; do
		i=$((i + 1))
		[ $i -ge "${2:-600}" ] && return 1
		sleep 0.1
	done
}

# has_fd PID KIND: PID holds an aggmon file of KIND.
has_fd() {
	ls -l "/proc/$1/fd" 2>/dev/null | grep -q "\[aggmon_$2\]"
}

records() {
	if [ -f /www/events.json ]; then
		wc -l </www/events.json
	else
		echo 0
	fi
}

ip link set lo up
ip addr add 10.0.2.15/24 dev eth0 || fail "no eth0"
ip link set eth0 up

# The metrics file and the JSON log, and the host's go and stop.
mkdir -p /www/cgi-bin /etc
echo '.om:application/openmetrics-text; version=1.0.0; charset=utf-8' \
	>/etc/httpd.conf
for word in go stop; do
	cat >/www/cgi-bin/$word <<EOF
#!/bin/sh
touch /tmp/$word
printf 'Content-Type: text/plain\r\n\r\n$word\n'
EOF
	chmod +x /www/cgi-bin/$word
done
httpd -p 80 -h /www -c /etc/httpd.conf || fail "httpd did not start"

# The gauge.
mkfifo /tmp/in
aggmon_tool_helper user.fleet.load q </tmp/in >/tmp/helper.out \
	2>/tmp/helper.err &
helper=$!
exec 3>/tmp/in
wait_for "[ -s /tmp/helper.out ]" || fail "the helper made no gauge"

cat >/etc/aggmon.conf <<EOF
watch user.fleet.load:q above-cancel 100 cancel 50 queue 64
member $member
state /tmp/seq
log export -
log json /www/events.json
metrics /www/metrics.om interval 500ms
EOF

# start_monitor N: the monitor, its export stream piped to the host;
# its PID in $mon, nc's in $nc.
start_monitor() {
	sh -c 'echo $$ >/tmp/monitor.pid; exec aggmon monitor -c /etc/aggmon.conf' \
		2>"/tmp/monitor$1.err" 3>&- |
		nc 10.0.2.2 "$port" 2>"/tmp/nc$1.err" 3>&- &
	nc=$!
	wait_for "[ -s /tmp/monitor.pid ]" || fail "no monitor"
	mon=$(cat /tmp/monitor.pid)
	rm /tmp/monitor.pid
	wait_for "has_fd $mon threshold" || fail "the monitor made no threshold"
}

# drive N: the gauge above the threshold and back below, N times; wait
# for the monitor to log the 2N events.
drive() {
	want=$(($(records) + 2 * $1))
	j=0
	while [ $j -lt "$1" ]; do
		printf 'set 150\nsleep 150\nset 20\nsleep 150\n' >&3
		j=$((j + 1))
	done
	echo "sync d$want" >&3
	wait_for "grep -qx d$want /tmp/helper.out" 600 ||
		fail "the helper did not answer"
	wait_for "[ \$(records) -ge $want ]" 100 ||
		fail "$(records) records logged, $want expected"
	[ "$(records)" -eq "$want" ] ||
		fail "$(records) records logged, $want expected"
}

start_monitor 1
# The members drive their gauges at the same time, when the host says go.
echo "FLEET-READY $member"
wait_for "[ -f /tmp/go ]" 1500 || fail "the host never said go"
if [ "$restart" -gt 0 ]; then
	drive "$restart"
	kill -KILL "$mon"
	wait "$nc" || fail "nc failed"
	cp /www/events.json /www/killed.json
	echo "FLEET-RESTART $member after seq $(records)"
	start_monitor 2
	drive $((cycles - restart))
else
	drive "$cycles"
fi
echo "set $value" >&3
echo "sync v" >&3
wait_for "grep -qx v /tmp/helper.out" || fail "the helper did not answer"
echo "FLEET-VALUE $member $(aggmon gauge read user.fleet.load:q)"
echo "FLEET-DONE $member records $(records)"

# The host has what it needs: stop.
wait_for "[ -f /tmp/stop ]" 3000 || fail "the host never said stop"
kill -TERM "$mon"
wait "$nc" || fail "nc failed"
echo quit >&3
wait "$helper" || fail "the helper failed"
for f in /tmp/monitor*.err /tmp/nc*.err /tmp/helper.err; do
	[ -s "$f" ] && fail "$f is not empty"
done
echo "FLEET-STOP $member"
exit 0

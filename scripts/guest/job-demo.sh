# The demo: aggmon on this machine right now, told with the aggmon tool.
# The sample module ticks sample.ticks:timer from softirq (every jiffy)
# and sample.ticks:hrtimer from hardirq (every millisecond).
say() {
	echo
	echo "\$ $*"
}

say aggmon gauge list
aggmon gauge list || exit 1

say aggmon stat read sample.ticks:hrtimer rate period 1s
aggmon stat read sample.ticks:hrtimer rate period 1s || exit 1

# A threshold 300 ticks ahead: it fires in the update that crosses it,
# about 0.3 s from now, without any polling.
now=$(aggmon gauge read sample.ticks:hrtimer) || exit 1
say aggmon watch sample.ticks:hrtimer hwm above $((now + 300)) count 1
aggmon watch sample.ticks:hrtimer hwm above $((now + 300)) count 1 || exit 1

say aggmon agg run demo.ticks_by_cpu sample.ticks:hrtimer count by cpu duration 1s
aggmon agg run demo.ticks_by_cpu sample.ticks:hrtimer count by cpu \
	duration 1s || exit 1

# aggmon times its own system call with a timing hook: a distribution
# of durations in ns per command (here, 2 is AGGMON_GAUGE_READ).
say aggmon agg list
aggmon agg list || exit 1

say aggmon top batch count 1 filter sample.
aggmon top batch count 1 filter sample. || exit 1

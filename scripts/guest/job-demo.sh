# The demo: what aggmon shows on this machine right now.
echo "== aggmon gauge list"
aggmon gauge list || exit 1
sleep 1
echo
echo "== one second later: the sample gauges tick from softirq and hardirq"
aggmon gauge list || exit 1
echo
echo "== aggmon -p gauge show sample.ticks:hrtimer"
aggmon -p gauge show sample.ticks:hrtimer

# The update-path benchmark: its table goes to the kernel log; then the
# crossing-to-wake latency against eventfd, and the cost of an aggregation
# snapshot per entry against copy_to_user, from userspace.
insmod /lib/aggmon/aggmon_bench.ko run=1 || exit 1
rmmod aggmon_bench
dmesg | grep 'aggmon_bench'
aggmon_wake_bench 2000 || exit 1
aggmon_agg_bench 4096 200 || exit 1

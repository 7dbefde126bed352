# The update-path benchmark, then unload it.
insmod /lib/aggmon/aggmon_bench.ko run=1 || exit 1
rmmod aggmon_bench

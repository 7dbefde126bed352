# The update-path benchmark: its table goes to the kernel log.
insmod /lib/aggmon/aggmon_bench.ko run=1 || exit 1
rmmod aggmon_bench
dmesg | grep 'aggmon_bench'

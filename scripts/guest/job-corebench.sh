# make bench's A/B baseline: the core gauges' paths alone, on a kernel
# built with CONFIG_AGGMON=n (aggmon_core_bench times them and exits 4,
# KSFT_SKIP, for want of aggmon).
aggmon_core_bench 9 10000
rc=$?
[ $rc -eq 0 ] || [ $rc -eq 4 ]

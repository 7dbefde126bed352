#!/usr/bin/env bash
# Build the userland that goes into the guest, statically linked:
# the kselftests and the aggmon tool, into build/user.
# Usage: scripts/build-user.sh
set -euo pipefail
. "$(dirname "$0")/lib.sh"

out=$BUILD/user
mkdir -p "$out"
cflags=(-static -O2 -Wall -Wextra -Werror -pthread
	-I"$SRC/tools/testing/selftests" -I"$TOP/include/uapi")
for t in aggmon_base_test aggmon_gauge_test aggmon_stat_test aggmon_watch_test \
	 aggmon_agg_test aggmon_core_test aggmon_module_test; do
	gcc "${cflags[@]}" -o "$out/$t" "$TOP/selftests/aggmon/$t.c"
done
# make check runs one on the host, whose kernel has no aggmon(), also
# built for a number no kernel has: each must skip, saying why.
gcc "${cflags[@]}" -D__NR_aggmon=1023 -o "$out/aggmon_base_test_nosys" \
	"$TOP/selftests/aggmon/aggmon_base_test.c"
# make kcsan's watch test: a fifth of the updates and attach cycles, a
# quarter of the hotplug rounds, so that it fits its timeouts on the
# slower KCSAN kernel.
gcc "${cflags[@]}" -DBUDGET_MODEL_UPDATES=200000L -DSTORM_CYCLES=2000L \
	-DHOTPLUG_ROUNDS=5 -o "$out/aggmon_watch_kcsan_test" \
	"$TOP/selftests/aggmon/aggmon_watch_test.c"
# The syscall fuzzer: make check's selftests job and make fuzz (guest: /bin).
gcc "${cflags[@]}" -o "$out/aggmon_fuzz" "$TOP/selftests/aggmon/aggmon_fuzz.c"
# The user gauge that aggmon_tool_test.sh drives (guest: /bin).
gcc "${cflags[@]}" -o "$out/aggmon_tool_helper" \
	"$TOP/selftests/aggmon/aggmon_tool_helper.c"
gcc "${cflags[@]}" -o "$out/aggmon_wake_bench" \
	"$TOP/tools/aggmon/bench/aggmon_wake_bench.c"
gcc "${cflags[@]}" -o "$out/aggmon_agg_bench" \
	"$TOP/tools/aggmon/bench/aggmon_agg_bench.c"
# BPF maps, the peers of a keyed aggregation (guest: /bin).
gcc "${cflags[@]}" -o "$out/aggmon_peer_bench" \
	"$TOP/tools/aggmon/bench/aggmon_peer_bench.c"
# What the core gauges cost the paths they count (guest: /bin).
gcc "${cflags[@]}" -o "$out/aggmon_core_bench" \
	"$TOP/selftests/aggmon/aggmon_core_bench.c"
make -s -C "$TOP/tools/aggmon" OUTPUT="$out/tool" "$out/tool/aggmon.static"

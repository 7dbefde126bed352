/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * aggmon - the benchmark's tracepoint, for the peer it is measured
 * against: an ftrace hist trigger keyed as aggmon_aggregate() is keyed
 * in the agg_key_present row (bench.c).
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM aggmon_bench

#if !defined(_AGGMON_BENCH_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _AGGMON_BENCH_TRACE_H

#include <linux/tracepoint.h>

TRACE_EVENT(aggmon_bench_hit,
	    TP_PROTO(u64 key, u64 value),
	    TP_ARGS(key, value),
	    TP_STRUCT__entry(__field(u64, key)
			     __field(u64, value)),
	    TP_fast_assign(__entry->key = key;
			   __entry->value = value;),
	    TP_printk("key=%llu value=%llu", __entry->key, __entry->value)
);

#endif /* _AGGMON_BENCH_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE bench_trace
#include <trace/define_trace.h>

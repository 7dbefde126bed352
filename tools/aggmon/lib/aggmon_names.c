// SPDX-License-Identifier: GPL-2.0
/*
 * libaggmon - the names of the UAPI's enums, as the aggmon command and
 * its logs write them.  One table per enum; each function returns NULL
 * for a value it does not know (a hole, or past the end), so that a
 * reader of names walks the values from 0 and skips the NULLs.
 */
#include "aggmon_priv.h"

static const char *const gauge_kind_names[] = {
	[AGGMON_GAUGE_KERNEL] = "kernel",
	[AGGMON_GAUGE_USER] = "user",
};

static const char *const stat_kind_names[] = {
	[AGGMON_STAT_ABSOLUTE] = "absolute",
	[AGGMON_STAT_HIGH_WATERMARK] = "hwm",
	[AGGMON_STAT_LOW_WATERMARK] = "lwm",
	[AGGMON_STAT_RATE] = "rate",
	[AGGMON_STAT_LEAKY_BUCKET] = "bucket",
};

static const char *const threshold_kind_names[] = {
	[AGGMON_THRESHOLD_ABOVE] = "above",
	[AGGMON_THRESHOLD_BELOW] = "below",
	[AGGMON_THRESHOLD_ABOVE_CANCEL] = "above-cancel",
	[AGGMON_THRESHOLD_BELOW_CANCEL] = "below-cancel",
};

static const char *const event_type_names[] = {
	[AGGMON_EVENT_FIRED] = "fired",
	[AGGMON_EVENT_CANCELLED] = "cancelled",
	[AGGMON_EVENT_LOST] = "lost",
	[AGGMON_EVENT_GONE] = "gone",
};

static const char *const func_names[] = {
	[AGGMON_AGG_COUNT] = "count",
	[AGGMON_AGG_SUM] = "sum",
	[AGGMON_AGG_MIN] = "min",
	[AGGMON_AGG_MAX] = "max",
	[AGGMON_AGG_AVG] = "avg",
	[AGGMON_AGG_STDDEV] = "stddev",
	[AGGMON_AGG_QUANTIZE] = "quantize",
	[AGGMON_AGG_LQUANTIZE] = "lquantize",
	[AGGMON_AGG_LLQUANTIZE] = "llquantize",
};

static const char *const source_names[] = {
	[AGGMON_AGG_SRC_GAUGE_DELTA] = "gauge_delta",
	[AGGMON_AGG_SRC_GAUGE_LEVEL] = "gauge_level",
	[AGGMON_AGG_SRC_KERNEL] = "kernel",
};

static const char *const key_names[] = {
	[AGGMON_KEY_GAUGE] = "gauge",
	[AGGMON_KEY_CPU] = "cpu",
	[AGGMON_KEY_PID] = "pid",
	[AGGMON_KEY_TGID] = "tgid",
	[AGGMON_KEY_UID] = "uid",
	[AGGMON_KEY_COMM] = "comm",
	[AGGMON_KEY_CGROUP] = "cgroup",
	[AGGMON_KEY_ARG] = "arg",
};

/* @table[@v] of the @n names, NULL past them or where none. */
static const char *name_in(const char *const *table, size_t n, __u32 v)
{
	return v < n ? table[v] : NULL;
}

const char *aggmon_gauge_kind_name(__u32 kind)
{
	return name_in(gauge_kind_names, ARRAY_SIZE(gauge_kind_names), kind);
}

const char *aggmon_stat_kind_name(__u32 kind)
{
	return name_in(stat_kind_names, ARRAY_SIZE(stat_kind_names), kind);
}

const char *aggmon_threshold_kind_name(__u32 kind)
{
	return name_in(threshold_kind_names, ARRAY_SIZE(threshold_kind_names), kind);
}

const char *aggmon_event_type_name(__u32 type)
{
	return name_in(event_type_names, ARRAY_SIZE(event_type_names), type);
}

const char *aggmon_agg_func_name(__u32 func)
{
	return name_in(func_names, ARRAY_SIZE(func_names), func);
}

const char *aggmon_agg_source_name(__u32 source)
{
	return name_in(source_names, ARRAY_SIZE(source_names), source);
}

const char *aggmon_key_field_name(__u32 field)
{
	return name_in(key_names, ARRAY_SIZE(key_names), field);
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * aggmon - every limit in one place
 */
#ifndef _AGGMON_LIMITS_H
#define _AGGMON_LIMITS_H

#include <linux/limits.h>

/* Gauge ids are allocated cyclically in [1, AGGMON_GAUGE_ID_MAX]. */
#define AGGMON_GAUGE_ID_MAX		U32_MAX

/* Defaults of kernel.aggmon_max_user_{gauges,stats,thresholds,aggs}. */
#define AGGMON_USER_GAUGES_DEFAULT	1024
#define AGGMON_USER_STATS_DEFAULT	1024
#define AGGMON_USER_THRESHOLDS_DEFAULT	4096
#define AGGMON_USER_AGGS_DEFAULT	256
/* The most any of them may be set to. */
#define AGGMON_USER_QUOTA_LIMIT		1048576

/*
 * Default of kernel.aggmon_max_user_bytes: the memory one user's
 * aggregation buffers, threshold queues and snapshots may take; at most
 * INT_MAX, as /proc/sys/user/max_aggmon_bytes.
 */
#define AGGMON_USER_BYTES_DEFAULT	(256L << 20)

/* A rate is measured in this many slots per period. */
#define AGGMON_RATE_SLOTS		10

/* Default of kernel.aggmon_paranoid (see perm.c). */
#define AGGMON_PARANOID_DEFAULT		2

#endif /* _AGGMON_LIMITS_H */

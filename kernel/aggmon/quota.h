/* SPDX-License-Identifier: GPL-2.0 */
/*
 * aggmon - per-user caps on the objects users create
 */
#ifndef _AGGMON_QUOTA_H
#define _AGGMON_QUOTA_H

#include <linux/types.h>

struct ucounts;

/**
 * enum aggmon_quota - what a uid's objects are counted as
 * @AGGMON_QUOTA_GAUGES: user gauges (kernel.aggmon_max_user_gauges)
 * @AGGMON_QUOTA_STATS: statistics (kernel.aggmon_max_user_stats)
 * @AGGMON_QUOTA_THRESHOLDS: thresholds (kernel.aggmon_max_user_thresholds)
 * @AGGMON_QUOTA_AGGS: aggregations (kernel.aggmon_max_user_aggs)
 * @AGGMON_NR_QUOTAS: the number of quotas
 */
enum aggmon_quota {
	AGGMON_QUOTA_GAUGES,
	AGGMON_QUOTA_STATS,
	AGGMON_QUOTA_THRESHOLDS,
	AGGMON_QUOTA_AGGS,
	AGGMON_NR_QUOTAS,
};

struct ucounts *aggmon_quota_charge(enum aggmon_quota quota);
void aggmon_quota_uncharge(enum aggmon_quota quota, struct ucounts *ucounts);
unsigned long aggmon_quota_held(enum aggmon_quota quota,
				const struct ucounts *ucounts);
long *aggmon_quota_max_ptr(enum aggmon_quota quota);
unsigned long aggmon_quota_max(enum aggmon_quota quota);
int aggmon_quota_charge_bytes(struct ucounts *ucounts, size_t bytes);
void aggmon_quota_uncharge_bytes(struct ucounts *ucounts, size_t bytes);
unsigned long aggmon_quota_bytes_held(const struct ucounts *ucounts);
long *aggmon_quota_bytes_max_ptr(void);

#endif /* _AGGMON_QUOTA_H */

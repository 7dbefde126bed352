// SPDX-License-Identifier: GPL-2.0-only
/*
 * aggmon - permissions and limits set through sysctl
 *
 * kernel.aggmon_paranoid works like kernel.perf_event_paranoid:
 *
 *   2  only CAP_PERFMON (or CAP_SYS_ADMIN) may list and read gauges and
 *      create user gauges, statistics and thresholds (the default);
 *   1  everyone may;
 *   0  as 1 (later objects that reveal other users' tasks will tell
 *      the two apart).
 *
 * Using an object a process already holds as a file descriptor (updating
 * its user gauge, reading or resetting its statistic, reading its
 * threshold's events) needs no further check: the descriptor is the
 * permission.  Creating a threshold on a statistic one holds is checked,
 * as creating anything is.
 *
 * kernel.aggmon_max_user_gauges, _stats, _thresholds, _aggs and _bytes
 * cap what one user holds (quota.c): they are the initial user
 * namespace's ucount_max[] of aggmon's five ucounts, which each namespace
 * also has as /proc/sys/user/max_aggmon_*.
 */

#include <linux/capability.h>
#include <linux/init.h>
#include <linux/sysctl.h>
#include <linux/user_namespace.h>

#include "limits.h"
#include "perm.h"

static int aggmon_paranoid = AGGMON_PARANOID_DEFAULT;
static const long aggmon_quota_defaults[AGGMON_NR_QUOTAS] = {
	[AGGMON_QUOTA_GAUGES]		= AGGMON_USER_GAUGES_DEFAULT,
	[AGGMON_QUOTA_STATS]		= AGGMON_USER_STATS_DEFAULT,
	[AGGMON_QUOTA_THRESHOLDS]	= AGGMON_USER_THRESHOLDS_DEFAULT,
	[AGGMON_QUOTA_AGGS]		= AGGMON_USER_AGGS_DEFAULT,
};

static long aggmon_quota_min = 1;
static long aggmon_quota_limit = AGGMON_USER_QUOTA_LIMIT;
static long aggmon_bytes_limit = INT_MAX;

/**
 * aggmon_may_observe() - may current list and read gauges?
 *
 * Return: true if kernel.aggmon_paranoid allows it or current has
 * CAP_PERFMON.
 */
bool aggmon_may_observe(void)
{
	return READ_ONCE(aggmon_paranoid) < 2 || perfmon_capable();
}

/**
 * aggmon_quota_max() - how many objects of a type one uid may hold
 * @quota: the type
 *
 * Return: the current value of the sysctl that caps @quota.
 */
unsigned long aggmon_quota_max(enum aggmon_quota quota)
{
	return READ_ONCE(*aggmon_quota_max_ptr(quota));
}

#define AGGMON_QUOTA_SYSCTL(_name, _ucount)				\
	{								\
		.procname	= _name,				\
		.data		= &init_user_ns.ucount_max[_ucount],	\
		.maxlen		= sizeof(long),				\
		.mode		= 0644,					\
		.proc_handler	= proc_doulongvec_minmax,		\
		.extra1		= &aggmon_quota_min,			\
		.extra2		= &aggmon_quota_limit,			\
	}

static struct ctl_table aggmon_sysctls[] = {
	{
		.procname	= "aggmon_paranoid",
		.data		= &aggmon_paranoid,
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= proc_dointvec_minmax,
		.extra1		= SYSCTL_ZERO,
		.extra2		= SYSCTL_TWO,
	},
	AGGMON_QUOTA_SYSCTL("aggmon_max_user_gauges", UCOUNT_AGGMON_GAUGES),
	AGGMON_QUOTA_SYSCTL("aggmon_max_user_stats", UCOUNT_AGGMON_STATS),
	AGGMON_QUOTA_SYSCTL("aggmon_max_user_thresholds",
			    UCOUNT_AGGMON_THRESHOLDS),
	AGGMON_QUOTA_SYSCTL("aggmon_max_user_aggs", UCOUNT_AGGMON_AGGS),
	{
		.procname	= "aggmon_max_user_bytes",
		.data		= &init_user_ns.ucount_max[UCOUNT_AGGMON_BYTES],
		.maxlen		= sizeof(long),
		.mode		= 0644,
		.proc_handler	= proc_doulongvec_minmax,
		.extra1		= &aggmon_quota_min,
		.extra2		= &aggmon_bytes_limit,
	},
};

/* Before any user can create anything: fork_init() set them all alike. */
static int __init aggmon_sysctl_init(void)
{
	enum aggmon_quota quota;

	for (quota = 0; quota < AGGMON_NR_QUOTAS; quota++)
		*aggmon_quota_max_ptr(quota) = aggmon_quota_defaults[quota];
	*aggmon_quota_bytes_max_ptr() = AGGMON_USER_BYTES_DEFAULT;
	register_sysctl_init("kernel", aggmon_sysctls);
	return 0;
}
subsys_initcall(aggmon_sysctl_init);

// SPDX-License-Identifier: GPL-2.0-only
/*
 * aggmon - permissions and limits set through sysctl
 *
 * kernel.aggmon_paranoid works like kernel.perf_event_paranoid:
 *
 *   2  only CAP_PERFMON (or CAP_SYS_ADMIN) may list and read gauges and
 *      create user gauges (the default);
 *   1  everyone may;
 *   0  as 1 (later objects that reveal other users' tasks will tell
 *      the two apart).
 *
 * An object a process already holds as a file descriptor needs no
 * further check: the descriptor is the permission.
 *
 * kernel.aggmon_max_user_gauges caps the user gauges one uid holds.
 */

#include <linux/capability.h>
#include <linux/init.h>
#include <linux/sysctl.h>

#include "limits.h"
#include "perm.h"

static int aggmon_paranoid = AGGMON_PARANOID_DEFAULT;
static int aggmon_max_user_gauges = AGGMON_USER_GAUGES_DEFAULT;
static int aggmon_user_gauges_limit = AGGMON_USER_GAUGES_LIMIT;

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
 * aggmon_user_gauges_max() - how many user gauges one uid may hold
 *
 * Return: the current value of kernel.aggmon_max_user_gauges.
 */
unsigned int aggmon_user_gauges_max(void)
{
	return READ_ONCE(aggmon_max_user_gauges);
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
	{
		.procname	= "aggmon_max_user_gauges",
		.data		= &aggmon_max_user_gauges,
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= proc_dointvec_minmax,
		.extra1		= SYSCTL_ONE,
		.extra2		= &aggmon_user_gauges_limit,
	},
};

static int __init aggmon_sysctl_init(void)
{
	register_sysctl_init("kernel", aggmon_sysctls);
	return 0;
}
subsys_initcall(aggmon_sysctl_init);

// SPDX-License-Identifier: GPL-2.0-only
/*
 * aggmon - who may do what: kernel.aggmon_paranoid
 *
 * kernel.aggmon_paranoid works as kernel.perf_event_paranoid does: at 2
 * (the default) only CAP_PERFMON (or CAP_SYS_ADMIN) may run the commands
 * that look at gauges or aggregations or create anything; at 1 and 0
 * everyone may.  The commands on an object the caller holds as a file
 * descriptor are not checked: the descriptor is the permission.  The
 * caps that hold whatever the sysctl says (task-revealing keys, short
 * periods, the per-gauge cap) are checked where those objects are made.
 * Documentation/admin-guide/aggmon.rst, "Permissions", is the reference.
 *
 * What one user may hold is quota.c's: kernel.aggmon_max_user_* live
 * there.
 */

#include <linux/capability.h>
#include <linux/init.h>
#include <linux/sysctl.h>
#include <uapi/linux/aggmon.h>

#include "limits.h"
#include "perm.h"

static int aggmon_paranoid = AGGMON_PARANOID_DEFAULT;

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
 * aggmon_may_cmd() - may current run an aggmon() command?
 * @cmd: the command
 *
 * Commands that look at gauges other than the caller's own, or create
 * anything, need aggmon_may_observe().  The others act on an object the
 * caller holds as a file descriptor, which is the permission.
 *
 * Return: true if current may run @cmd.
 */
bool aggmon_may_cmd(unsigned int cmd)
{
	switch (cmd) {
	case AGGMON_GAUGE_UPDATE:
	case AGGMON_STAT_INFO:
	case AGGMON_STAT_RESET:
	case AGGMON_AGG_INFO:
	case AGGMON_AGG_SNAPSHOT:
		return true;
	default:
		return aggmon_may_observe();
	}
}

static struct ctl_table aggmon_perm_sysctls[] = {
	{
		.procname	= "aggmon_paranoid",
		.data		= &aggmon_paranoid,
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= proc_dointvec_minmax,
		.extra1		= SYSCTL_ZERO,
		.extra2		= SYSCTL_TWO,
	},
};

static int __init aggmon_perm_sysctl_init(void)
{
	register_sysctl_init("kernel", aggmon_perm_sysctls);
	return 0;
}
subsys_initcall(aggmon_perm_sysctl_init);

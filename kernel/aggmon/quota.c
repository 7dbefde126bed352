// SPDX-License-Identifier: GPL-2.0-only
/*
 * aggmon - per-user caps on user gauges, statistics, thresholds and
 * aggregations, through ucounts
 *
 * Each object a process creates is counted in the ucounts of its real uid
 * in its user namespace and, as inotify instances are, in those of the
 * creator of each user namespace above it, up to the initial one
 * (kernel/ucount.c): a user who maps a range of subordinate uids into a
 * container holds, across all of them, no more than that user's cap in
 * the namespace above.  Each namespace's caps are its ucount_max[], set
 * through /proc/sys/user/max_aggmon_{gauges,stats,thresholds,aggs} in it;
 * the initial namespace's are also kernel.aggmon_max_user_* (below).
 * New namespaces start unlimited, so the caps that hold are those of the
 * namespaces above.
 *
 * A charge is one atomic increment per namespace level, and may allocate
 * the uid's ucounts the first time: no lock of aggmon's.  Lowering a cap
 * below what a user holds keeps what it holds and refuses new objects.
 *
 * Memory is counted the same way, in bytes, in a fifth ucount: an
 * aggregation's buffers against its creator (kernel.aggmon_max_user_bytes,
 * /proc/sys/user/max_aggmon_bytes), as they are allocated and as its
 * totals grow; a threshold's queue against its creator; the memory a file
 * descriptor keeps a snapshot in against whoever opened it.  The cap is a
 * limit on what one user can pin, whatever the number of CPUs; the memory
 * is also charged to the memory cgroup (GFP_KERNEL_ACCOUNT).
 */

#include <linux/cred.h>
#include <linux/err.h>
#include <linux/init.h>
#include <linux/limits.h>
#include <linux/sysctl.h>
#include <linux/user_namespace.h>

#include "limits.h"
#include "quota.h"

static const enum ucount_type aggmon_ucount_types[AGGMON_NR_QUOTAS] = {
	[AGGMON_QUOTA_GAUGES]		= UCOUNT_AGGMON_GAUGES,
	[AGGMON_QUOTA_STATS]		= UCOUNT_AGGMON_STATS,
	[AGGMON_QUOTA_THRESHOLDS]	= UCOUNT_AGGMON_THRESHOLDS,
	[AGGMON_QUOTA_AGGS]		= UCOUNT_AGGMON_AGGS,
};

/**
 * aggmon_quota_charge() - count one more object against the current user
 * @quota: the type of object
 *
 * The real uid, as the quotas always counted and the docs say, where
 * inotify charges the effective one: a set-user-ID program's objects
 * count against whoever ran it.
 *
 * Context: process context, may sleep.
 * Return: the ucounts charged, to pass to aggmon_quota_uncharge(), or
 * ERR_PTR(-EMFILE) if the user, or the creator of a user namespace it is
 * in, holds its cap already (or its ucounts could not be allocated).
 */
struct ucounts *aggmon_quota_charge(enum aggmon_quota quota)
{
	struct ucounts *ucounts;

	ucounts = inc_ucount(current_user_ns(), current_uid(),
			     aggmon_ucount_types[quota]);
	return ucounts ?: ERR_PTR(-EMFILE);
}

/**
 * aggmon_quota_uncharge() - count one object less
 * @quota: the type of object
 * @ucounts: what aggmon_quota_charge() returned for it
 *
 * Context: any context that may free memory.
 */
void aggmon_quota_uncharge(enum aggmon_quota quota, struct ucounts *ucounts)
{
	dec_ucount(ucounts, aggmon_ucount_types[quota]);
}

/**
 * aggmon_quota_held() - how many objects @ucounts holds in its namespace
 * @quota: the type of object
 * @ucounts: a user in a user namespace
 *
 * Return: the count.
 */
unsigned long aggmon_quota_held(enum aggmon_quota quota,
				const struct ucounts *ucounts)
{
	return atomic_long_read(&ucounts->ucount[aggmon_ucount_types[quota]]);
}

/*
 * Add @add to @v unless that takes it past @max, as inc_ucount() does
 * for one: a charge that fails never shows, so it cannot make another
 * user's charge, or this user's smaller one, fail meanwhile.
 */
static bool aggmon_add_below(atomic_long_t *v, long add, long max)
{
	long c = atomic_long_read(v);

	do {
		if (c > max - add)
			return false;
	} while (!atomic_long_try_cmpxchg(v, &c, c + add));
	return true;
}

/**
 * aggmon_quota_charge_bytes() - count memory against a user
 * @ucounts: the user: what aggmon_quota_charge() returned for the object
 *	the memory is for, or the opener's cred->ucounts
 * @bytes: how much
 *
 * Charged at @ucounts' level and at that of each user namespace's creator
 * above it, as objects are.
 *
 * Context: any.
 * Return: 0, or -EDQUOT if a level would go past its cap (nothing is
 * charged then).
 */
int aggmon_quota_charge_bytes(struct ucounts *ucounts, size_t bytes)
{
	struct ucounts *iter, *bad;
	long max;

	if (bytes > INT_MAX)
		return -EDQUOT;
	for (iter = ucounts; iter; iter = iter->ns->ucounts) {
		max = READ_ONCE(iter->ns->ucount_max[UCOUNT_AGGMON_BYTES]);
		if (!aggmon_add_below(&iter->ucount[UCOUNT_AGGMON_BYTES], bytes,
				      max)) {
			bad = iter;
			goto undo;
		}
	}
	return 0;
undo:
	for (iter = ucounts; iter != bad; iter = iter->ns->ucounts)
		atomic_long_sub(bytes, &iter->ucount[UCOUNT_AGGMON_BYTES]);
	return -EDQUOT;
}

/**
 * aggmon_quota_uncharge_bytes() - count memory freed
 * @ucounts: as charged
 * @bytes: as charged
 *
 * Context: any.
 */
void aggmon_quota_uncharge_bytes(struct ucounts *ucounts, size_t bytes)
{
	struct ucounts *iter;

	for (iter = ucounts; iter; iter = iter->ns->ucounts)
		atomic_long_sub(bytes, &iter->ucount[UCOUNT_AGGMON_BYTES]);
}

/**
 * aggmon_quota_bytes_held() - the memory @ucounts holds in its namespace
 * @ucounts: a user in a user namespace
 *
 * Return: the bytes.
 */
unsigned long aggmon_quota_bytes_held(const struct ucounts *ucounts)
{
	return atomic_long_read(&ucounts->ucount[UCOUNT_AGGMON_BYTES]);
}

/**
 * aggmon_quota_bytes_max_ptr() - the initial namespace's cap of memory
 *
 * Return: where the cap lives, for kernel.aggmon_max_user_bytes.
 */
long *aggmon_quota_bytes_max_ptr(void)
{
	return &init_user_ns.ucount_max[UCOUNT_AGGMON_BYTES];
}

/**
 * aggmon_quota_max_ptr() - the initial namespace's cap of @quota
 * @quota: the type of object
 *
 * Return: where the cap lives, for the kernel.aggmon_max_user_* sysctls.
 */
long *aggmon_quota_max_ptr(enum aggmon_quota quota)
{
	return &init_user_ns.ucount_max[aggmon_ucount_types[quota]];
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

static const long aggmon_quota_defaults[AGGMON_NR_QUOTAS] = {
	[AGGMON_QUOTA_GAUGES]		= AGGMON_USER_GAUGES_DEFAULT,
	[AGGMON_QUOTA_STATS]		= AGGMON_USER_STATS_DEFAULT,
	[AGGMON_QUOTA_THRESHOLDS]	= AGGMON_USER_THRESHOLDS_DEFAULT,
	[AGGMON_QUOTA_AGGS]		= AGGMON_USER_AGGS_DEFAULT,
};

static long aggmon_quota_min = 1;
static long aggmon_quota_limit = AGGMON_USER_QUOTA_LIMIT;
static long aggmon_bytes_limit = INT_MAX;

#define AGGMON_QUOTA_SYSCTL(_name, _ucount, _limit)			\
	{								\
		.procname	= _name,				\
		.data		= &init_user_ns.ucount_max[_ucount],	\
		.maxlen		= sizeof(long),				\
		.mode		= 0644,					\
		.proc_handler	= proc_doulongvec_minmax,		\
		.extra1		= &aggmon_quota_min,			\
		.extra2		= _limit,				\
	}

/* The initial namespace's caps, as kernel.aggmon_max_user_*. */
static struct ctl_table aggmon_quota_sysctls[] = {
	AGGMON_QUOTA_SYSCTL("aggmon_max_user_gauges", UCOUNT_AGGMON_GAUGES,
			    &aggmon_quota_limit),
	AGGMON_QUOTA_SYSCTL("aggmon_max_user_stats", UCOUNT_AGGMON_STATS,
			    &aggmon_quota_limit),
	AGGMON_QUOTA_SYSCTL("aggmon_max_user_thresholds",
			    UCOUNT_AGGMON_THRESHOLDS, &aggmon_quota_limit),
	AGGMON_QUOTA_SYSCTL("aggmon_max_user_aggs", UCOUNT_AGGMON_AGGS,
			    &aggmon_quota_limit),
	AGGMON_QUOTA_SYSCTL("aggmon_max_user_bytes", UCOUNT_AGGMON_BYTES,
			    &aggmon_bytes_limit),
};

/* Before any user can create anything: fork_init() set them all alike. */
static int __init aggmon_quota_sysctl_init(void)
{
	enum aggmon_quota quota;

	for (quota = 0; quota < AGGMON_NR_QUOTAS; quota++)
		*aggmon_quota_max_ptr(quota) = aggmon_quota_defaults[quota];
	*aggmon_quota_bytes_max_ptr() = AGGMON_USER_BYTES_DEFAULT;
	register_sysctl_init("kernel", aggmon_quota_sysctls);
	return 0;
}
subsys_initcall(aggmon_quota_sysctl_init);

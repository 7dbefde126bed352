// SPDX-License-Identifier: GPL-2.0-only
/*
 * aggmon - per-uid caps on user gauges, statistics and thresholds
 *
 * Each quota counts, per uid, the objects of one type the uid holds, in
 * an xarray of values indexed by uid: a uid costs memory only while it
 * holds something.  The caps are sysctls (perm.c); lowering one below
 * what a uid holds keeps what it holds and refuses new objects.
 */

#include <linux/bug.h>
#include <linux/errno.h>
#include <linux/mutex.h>
#include <linux/xarray.h>

#include "perm.h"
#include "quota.h"

static struct xarray aggmon_quota_counts[AGGMON_NR_QUOTAS] = {
	[AGGMON_QUOTA_GAUGES] =
		XARRAY_INIT(aggmon_quota_counts[AGGMON_QUOTA_GAUGES], 0),
	[AGGMON_QUOTA_STATS] =
		XARRAY_INIT(aggmon_quota_counts[AGGMON_QUOTA_STATS], 0),
	[AGGMON_QUOTA_THRESHOLDS] =
		XARRAY_INIT(aggmon_quota_counts[AGGMON_QUOTA_THRESHOLDS], 0),
	[AGGMON_QUOTA_AGGS] =
		XARRAY_INIT(aggmon_quota_counts[AGGMON_QUOTA_AGGS], 0),
};

static DEFINE_MUTEX(aggmon_quota_mutex);

/**
 * aggmon_quota_charge() - count one more object against @uid
 * @quota: the type of object
 * @uid: the uid that creates it
 *
 * Context: process context, may sleep.
 * Return: 0, -EMFILE if @uid holds its cap already, or -ENOMEM.
 */
int aggmon_quota_charge(enum aggmon_quota quota, kuid_t uid)
{
	struct xarray *counts = &aggmon_quota_counts[quota];
	unsigned long key = __kuid_val(uid);
	unsigned long held;
	int err;

	mutex_lock(&aggmon_quota_mutex);
	held = xa_to_value(xa_load(counts, key));
	if (held >= aggmon_quota_max(quota))
		err = -EMFILE;
	else
		err = xa_err(xa_store(counts, key, xa_mk_value(held + 1),
				      GFP_KERNEL));
	mutex_unlock(&aggmon_quota_mutex);
	return err;
}

/**
 * aggmon_quota_uncharge() - count one object less against @uid
 * @quota: the type of object
 * @uid: the uid charged for it
 *
 * Context: process context, may sleep.
 */
void aggmon_quota_uncharge(enum aggmon_quota quota, kuid_t uid)
{
	struct xarray *counts = &aggmon_quota_counts[quota];
	unsigned long key = __kuid_val(uid);
	unsigned long held;

	mutex_lock(&aggmon_quota_mutex);
	held = xa_to_value(xa_load(counts, key));
	if (held > 1)	/* replacing a present entry allocates nothing */
		xa_store(counts, key, xa_mk_value(held - 1), GFP_KERNEL);
	else if (!WARN_ON_ONCE(!held))
		xa_erase(counts, key);
	mutex_unlock(&aggmon_quota_mutex);
}

/**
 * aggmon_quota_held() - how many objects @uid holds
 * @quota: the type of object
 * @uid: the uid
 *
 * Return: the count; 0 also means the uid has no entry at all.
 */
unsigned long aggmon_quota_held(enum aggmon_quota quota, kuid_t uid)
{
	return xa_to_value(xa_load(&aggmon_quota_counts[quota],
				   __kuid_val(uid)));
}

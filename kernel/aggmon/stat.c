// SPDX-License-Identifier: GPL-2.0-only
/*
 * aggmon - statistics on gauges
 *
 * A statistic follows the exact sequence of a gauge's values that its
 * watch (watch.c) delivers: every update that can change it, in the
 * watch's order, with the gauge's value after it (updates far from the
 * statistic's bounds, aggmon_stat_band(), reach it as one catch-up of
 * the level, aggmon_stat_follow()).  From that sequence:
 *
 *   absolute        the value;
 *   high watermark  the highest value since creation or reset;
 *   low watermark   the lowest;
 *   rate            the change over the last period, measured from the
 *                   slot boundary (a slot is a tenth of the period) that
 *                   lies between one period and one period plus a slot
 *                   before now;
 *   leaky bucket    raised by every increase of the gauge, drained by a
 *                   fixed amount at the end of every period, never below
 *                   zero.
 *
 * Rate and leaky bucket also move with time alone.  The model below is
 * lazy: an update or a read first brings the statistic to "now" (fills
 * the rate's ring of slot boundaries with the value the gauge held
 * meanwhile, drains the bucket for the periods that ended), then applies
 * the update.  So that thresholds see changes that time alone makes, a
 * timer visits the next instant at which the value can change by time
 * (a slot boundary whose ring entry differs from the one before, or the
 * end of a period while the bucket is not empty), and only while there is
 * one: a gauge that stopped moving arms nothing once its rate is 0.
 *
 * The model takes the time as an argument, so KUnit drives it with a
 * fake clock; the plumbing reads CLOCK_MONOTONIC.
 */

#include <linux/anon_inodes.h>
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/overflow.h>
#include <linux/seq_file.h>
#include <linux/slab.h>

#include "core.h"
#include "gauge.h"
#include "quota.h"
#include "stat.h"
#include "watch.h"

#define AGGMON_RATE_RING	(AGGMON_RATE_SLOTS + 1)

/**
 * aggmon_stat_check() - are these the parameters of a statistic?
 * @kind: an &enum aggmon_stat_kind
 * @period_ns: period, for a rate or leaky bucket only
 * @drain: drain per period, for a leaky bucket only
 *
 * Return: 0 or -EINVAL.
 */
int aggmon_stat_check(u32 kind, u64 period_ns, s64 drain)
{
	bool timed = kind == AGGMON_STAT_RATE ||
		     kind == AGGMON_STAT_LEAKY_BUCKET;

	if (kind > AGGMON_STAT_LEAKY_BUCKET)
		return -EINVAL;
	if (timed && (period_ns < AGGMON_PERIOD_MIN_NS ||
		      period_ns > AGGMON_PERIOD_MAX_NS))
		return -EINVAL;
	if (!timed && period_ns)
		return -EINVAL;
	if (kind == AGGMON_STAT_LEAKY_BUCKET ? drain <= 0 : drain != 0)
		return -EINVAL;
	return 0;
}

static u64 aggmon_rate_slot_ns(const struct aggmon_stat *stat)
{
	return stat->period_ns / AGGMON_RATE_SLOTS;
}

/* Slots are counted from AGGMON_RATE_SLOTS so that slot - SLOTS >= 0. */
static u64 aggmon_rate_slot_at(const struct aggmon_stat *stat, u64 now)
{
	if (now <= stat->start)
		return AGGMON_RATE_SLOTS;
	return AGGMON_RATE_SLOTS + (now - stat->start) / aggmon_rate_slot_ns(stat);
}

/* The gauge's value at boundary @slot, the future included. */
static s64 aggmon_rate_boundary(const struct aggmon_stat *stat, u64 slot)
{
	return slot <= stat->slot ? stat->ring[slot % AGGMON_RATE_RING] :
				    stat->level;
}

static s64 aggmon_rate_value(const struct aggmon_stat *stat)
{
	u64 base = stat->ring[(stat->slot - AGGMON_RATE_SLOTS) %
			      AGGMON_RATE_RING];

	return (u64)stat->level - base;
}

/**
 * aggmon_stat_start() - start (or restart) a statistic
 * @stat: the statistic
 * @level: the gauge's value now
 * @now: the time, in ns
 */
void aggmon_stat_start(struct aggmon_stat *stat, s64 level, u64 now)
{
	unsigned int i;

	stat->level = level;
	stat->start = now;
	stat->slot = AGGMON_RATE_SLOTS;
	stat->drained = 0;
	for (i = 0; i < AGGMON_RATE_RING; i++)
		stat->ring[i] = level;
	switch (stat->kind) {
	case AGGMON_STAT_RATE:
	case AGGMON_STAT_LEAKY_BUCKET:
		stat->value = 0;
		break;
	default:
		stat->value = level;
	}
}

static void aggmon_rate_advance(struct aggmon_stat *stat, u64 now)
{
	u64 slot = aggmon_rate_slot_at(stat, now);
	u64 j;

	if (slot <= stat->slot)
		return;
	/* The gauge held stat->level at every boundary since it last moved. */
	for (j = max(stat->slot + 1, slot - AGGMON_RATE_SLOTS); j <= slot; j++)
		stat->ring[j % AGGMON_RATE_RING] = stat->level;
	stat->slot = slot;
	stat->value = aggmon_rate_value(stat);
}

static void aggmon_bucket_advance(struct aggmon_stat *stat, u64 now)
{
	u64 periods = now > stat->start ?
		      (now - stat->start) / stat->period_ns : 0;
	u64 ended = periods - stat->drained;

	if (periods <= stat->drained)
		return;
	stat->drained = periods;
	if (ended > (u64)stat->value / (u64)stat->drain)
		stat->value = 0;
	else
		stat->value -= ended * stat->drain;
}

/**
 * aggmon_stat_advance() - bring a statistic to @now
 * @stat: the statistic
 * @now: the time, in ns, not before the last call
 */
void aggmon_stat_advance(struct aggmon_stat *stat, u64 now)
{
	if (stat->kind == AGGMON_STAT_RATE)
		aggmon_rate_advance(stat, now);
	else if (stat->kind == AGGMON_STAT_LEAKY_BUCKET)
		aggmon_bucket_advance(stat, now);
}

/**
 * aggmon_stat_apply() - apply an update of the gauge at @now
 * @stat: the statistic
 * @delta: what the update changed (the new value minus the old, mod 2^64)
 * @level: the gauge's value after the update
 * @now: the time, in ns, not before the last call; only rates and leaky
 *	buckets look at it
 */
void aggmon_stat_apply(struct aggmon_stat *stat, s64 delta, s64 level,
		       u64 now)
{
	aggmon_stat_advance(stat, now);
	stat->level = level;
	switch (stat->kind) {
	case AGGMON_STAT_ABSOLUTE:
		stat->value = level;
		break;
	case AGGMON_STAT_HIGH_WATERMARK:
		stat->value = max(stat->value, level);
		break;
	case AGGMON_STAT_LOW_WATERMARK:
		stat->value = min(stat->value, level);
		break;
	case AGGMON_STAT_RATE:
		stat->value = aggmon_rate_value(stat);
		break;
	case AGGMON_STAT_LEAKY_BUCKET:
		if (delta > 0 && check_add_overflow(stat->value, delta,
						    &stat->value))
			stat->value = S64_MAX;
		break;
	}
}

/**
 * aggmon_stat_next_tick() - when can time alone change the value next?
 * @stat: the statistic, advanced to the last update or tick
 *
 * Return: the time in ns, or 0 if time alone cannot change it.
 */
u64 aggmon_stat_next_tick(const struct aggmon_stat *stat)
{
	u64 k;

	if (stat->kind == AGGMON_STAT_LEAKY_BUCKET)
		return stat->value > 0 ?
		       stat->start + (stat->drained + 1) * stat->period_ns : 0;
	if (stat->kind != AGGMON_STAT_RATE)
		return 0;
	/* The value at slot k is level - boundary(k - SLOTS). */
	for (k = stat->slot + 1; k <= stat->slot + AGGMON_RATE_RING; k++)
		if (aggmon_rate_boundary(stat, k - AGGMON_RATE_SLOTS) !=
		    aggmon_rate_boundary(stat, k - AGGMON_RATE_RING))
			return stat->start +
			       (k - AGGMON_RATE_SLOTS) * aggmon_rate_slot_ns(stat);
	return 0;
}

static void aggmon_stat_arm(struct aggmon_stat *stat)
{
	u64 next;

	if (stat->timer_armed || stat->dying || stat->gone || !stat->watch)
		return;
	next = aggmon_stat_next_tick(stat);
	if (!next)
		return;
	stat->timer_armed = true;
	hrtimer_start(&stat->timer, ns_to_ktime(next), HRTIMER_MODE_ABS_SOFT);
}

static void aggmon_stat_evaluate(struct aggmon_stat *stat, u64 now, u32 flags)
{
	if (aggmon_bounds_hit(&stat->bounds, stat->value))
		aggmon_thresholds_evaluate(&stat->bounds, stat->value, now,
					   flags);
}

/* Time alone moves the statistic to @now; thresholds see that. */
static void aggmon_stat_time_passes(struct aggmon_stat *stat, u64 now)
{
	aggmon_stat_advance(stat, now);
	aggmon_stat_evaluate(stat, now, AGGMON_EVENT_F_TIMER);
}

static bool aggmon_stat_timed(const struct aggmon_stat *stat)
{
	return stat->kind == AGGMON_STAT_RATE ||
	       stat->kind == AGGMON_STAT_LEAKY_BUCKET;
}

/* The time of the update, read from the clock the first time it is needed. */
static u64 aggmon_update_time(u64 *now)
{
	if (!*now)
		*now = aggmon_now();
	return *now;
}

/**
 * aggmon_stat_update() - feed an update of the gauge to a statistic
 * @stat: the statistic
 * @delta: what the update changed
 * @level: the gauge's value after it
 * @now: the time of the update in ns, or 0 if nobody read it yet: the
 *	clock is read only for a time-driven statistic or an event, and
 *	then once per update
 *
 * Context: the watch's lock held.
 */
void aggmon_stat_update(struct aggmon_stat *stat, s64 delta, s64 level,
			u64 *now)
{
	/* What time alone did before the update is reported first. */
	if (aggmon_stat_timed(stat))
		aggmon_stat_time_passes(stat, aggmon_update_time(now));
	aggmon_stat_apply(stat, delta, level, *now);
	if (aggmon_bounds_hit(&stat->bounds, stat->value))
		aggmon_thresholds_evaluate(&stat->bounds, stat->value,
					   aggmon_update_time(now), 0);
	if (aggmon_stat_timed(stat))
		aggmon_stat_arm(stat);
}

/**
 * aggmon_stat_band() - narrow the band in which a statistic stays put
 * @stat: the statistic, up to date with the watch's level
 * @hi: in: the lowest level at which something changes above the level;
 *	out: lowered to where this statistic or a threshold on it changes
 * @lo: the same below the level, raised
 *
 * An absolute statistic changes at every update but acts only at its
 * thresholds' bounds; a high watermark changes when the gauge rises
 * above it, a low watermark when it falls below, whatever their
 * thresholds (which lie beyond).  The watch hands out budgets inside the
 * band (budget.c).
 *
 * Context: the watch's lock held.
 * Return: false if the statistic needs every update: a rate or a leaky
 * bucket, which follow time and the sum of rises.
 */
bool aggmon_stat_band(const struct aggmon_stat *stat, s64 *hi, s64 *lo)
{
	switch (stat->kind) {
	case AGGMON_STAT_ABSOLUTE:
		*hi = min(*hi, stat->bounds.hi);
		*lo = max(*lo, stat->bounds.lo);
		return true;
	case AGGMON_STAT_HIGH_WATERMARK:
		if (stat->value < S64_MAX)
			*hi = min(*hi, stat->value + 1);
		return true;
	case AGGMON_STAT_LOW_WATERMARK:
		if (stat->value > S64_MIN)
			*lo = max(*lo, stat->value - 1);
		return true;
	default:
		return false;
	}
}

/**
 * aggmon_stat_follow() - the level moved inside the statistic's band
 * @stat: the statistic
 * @level: the gauge's value after a recall of the budgets
 *
 * Inside the band nothing acts and no watermark moves: only the level,
 * and the value of an absolute statistic, follow.
 *
 * Context: the watch's lock held.
 */
void aggmon_stat_follow(struct aggmon_stat *stat, s64 level)
{
	stat->level = level;
	if (stat->kind == AGGMON_STAT_ABSOLUTE)
		stat->value = level;
}

static enum hrtimer_restart aggmon_stat_tick(struct hrtimer *timer)
{
	struct aggmon_stat *stat = container_of(timer, struct aggmon_stat,
						timer);
	struct aggmon_watch *watch = stat->watch;
	enum hrtimer_restart restart = HRTIMER_NORESTART;
	unsigned long flags;
	u64 next = 0;

	flags = aggmon_watch_lock(watch);
	if (!stat->gone && !stat->dying) {
		aggmon_stat_time_passes(stat, aggmon_now());
		next = aggmon_stat_next_tick(stat);
	}
	if (next) {
		hrtimer_set_expires(timer, ns_to_ktime(next));
		restart = HRTIMER_RESTART;
	} else {
		stat->timer_armed = false;
	}
	aggmon_watch_unlock(watch, flags);
	return restart;
}

static struct aggmon_stat *aggmon_stat_alloc(u32 kind, u64 period_ns,
					     s64 drain, gfp_t gfp)
{
	struct aggmon_stat *stat;

	stat = kzalloc(sizeof(*stat), gfp);
	if (!stat)
		return NULL;
	stat->kind = kind;
	stat->period_ns = period_ns;
	stat->drain = drain;
	aggmon_bounds_init(&stat->bounds);
	INIT_LIST_HEAD(&stat->thresholds);
	INIT_LIST_HEAD(&stat->node);
	hrtimer_init(&stat->timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS_SOFT);
	stat->timer.function = aggmon_stat_tick;
	kref_init(&stat->ref);
	stat->id = aggmon_object_id();
	return stat;
}

/* Free a statistic that is not, or no longer, attached. */
static void aggmon_stat_free(struct aggmon_stat *stat)
{
	if (stat->ucounts)
		aggmon_quota_uncharge(AGGMON_QUOTA_STATS, stat->ucounts);
	kfree(stat);
}

/**
 * aggmon_stat_put() - drop a reference to a statistic
 * @stat: the statistic
 *
 * The last reference detaches it from its gauge and frees it.
 *
 * Context: process context, may sleep.
 */
void aggmon_stat_put(struct aggmon_stat *stat)
{
	struct aggmon_watch *watch = stat->watch;
	unsigned long flags;
	bool last;

	mutex_lock(&aggmon_watch_mutex);
	last = refcount_dec_and_test(&stat->ref.refcount);
	if (last && watch) {
		/* No tick re-arms from here; wait for one that runs. */
		flags = aggmon_watch_lock(watch);
		stat->dying = true;
		aggmon_watch_unlock(watch, flags);
		hrtimer_cancel(&stat->timer);
		aggmon_watch_detach(stat);
	}
	mutex_unlock(&aggmon_watch_mutex);
	if (last)
		aggmon_stat_free(stat);
}

/* @user: a caller through the system call, who may be capped. */
static int aggmon_stat_attach(struct aggmon_gauge_entry *entry,
			      struct aggmon_stat *stat, bool user)
{
	if (!entry)
		return -ENOENT;
	return aggmon_watch_attach(entry, stat,
				   user && aggmon_watch_capped(entry));
}

/**
 * aggmon_stat_create() - attach a statistic to a gauge
 * @gauge: the gauge
 * @kind: an &enum aggmon_stat_kind
 * @period_ns: for a rate or leaky bucket, the period; else 0
 * @drain: for a leaky bucket, what drains per period; else 0
 *
 * The caller must not destroy @gauge meanwhile, unless it is a static
 * gauge, which may be unregistered at any time.
 *
 * Context: process context, may sleep.
 * Return: the statistic, or an ERR_PTR(): -EINVAL for bad parameters,
 * -ENODEV for a gauge whose aggmon_gauge_init() failed or that is not
 * registered, -ENOMEM.
 */
struct aggmon_stat *aggmon_stat_create(struct aggmon_gauge *gauge,
				       enum aggmon_stat_kind kind,
				       u64 period_ns, s64 drain)
{
	struct aggmon_gauge_entry *entry;
	struct aggmon_stat *stat;
	int err;

	err = aggmon_stat_check(kind, period_ns, drain);
	if (err)
		return ERR_PTR(err);
	if (!rcu_access_pointer(gauge->entry))
		return ERR_PTR(-ENODEV);
	stat = aggmon_stat_alloc(kind, period_ns, drain, GFP_KERNEL);
	if (!stat)
		return ERR_PTR(-ENOMEM);
	/*
	 * A static gauge may be destroyed meanwhile; its entry is freed only
	 * after aggmon_watch_gone() has run under this mutex.
	 */
	mutex_lock(&aggmon_watch_mutex);
	entry = rcu_dereference_protected(gauge->entry,
					  lockdep_is_held(&aggmon_watch_mutex));
	err = entry ? aggmon_stat_attach(entry, stat, false) : -ENODEV;
	mutex_unlock(&aggmon_watch_mutex);
	if (err) {
		aggmon_stat_free(stat);
		return ERR_PTR(err);
	}
	return stat;
}
EXPORT_SYMBOL_GPL(aggmon_stat_create);

/**
 * aggmon_stat_destroy() - remove a statistic made by aggmon_stat_create()
 * @stat: the statistic; its thresholds keep it until they are destroyed
 *
 * Context: process context, may sleep.
 */
void aggmon_stat_destroy(struct aggmon_stat *stat)
{
	aggmon_stat_put(stat);
}
EXPORT_SYMBOL_GPL(aggmon_stat_destroy);

/* Bring @stat to now and read it; -ENODEV once the gauge is gone. */
static int aggmon_stat_read(struct aggmon_stat *stat, s64 *value,
			    s64 *level)
{
	struct aggmon_watch *watch = stat->watch;
	unsigned long flags;
	int err = -ENODEV;

	flags = aggmon_watch_lock(watch);
	if (!stat->gone) {
		aggmon_stat_time_passes(stat, aggmon_now());
		*value = stat->value;
		*level = stat->level;
		err = 0;
	}
	aggmon_watch_unlock(watch, flags);
	return err;
}

/**
 * aggmon_stat_value() - the current value of a statistic
 * @stat: the statistic
 * @value: receives the value
 *
 * Context: any but NMI; not from a threshold callback on the same gauge.
 * Return: 0, or -ENODEV once the gauge is gone.
 */
int aggmon_stat_value(struct aggmon_stat *stat, s64 *value)
{
	s64 level;

	return aggmon_stat_read(stat, value, &level);
}
EXPORT_SYMBOL_GPL(aggmon_stat_value);

static int aggmon_stat_release(struct inode *inode, struct file *file)
{
	aggmon_stat_put(file->private_data);
	return 0;
}

static void aggmon_stat_show_fdinfo(struct seq_file *m, struct file *file)
{
	struct aggmon_stat *stat = file->private_data;

	seq_printf(m, "aggmon-stat-id:\t%llu\n", stat->id);
	seq_printf(m, "aggmon-gauge-id:\t%llu\n", stat->gauge_id);
	seq_printf(m, "aggmon-stat-kind:\t%u\n", stat->kind);
	seq_printf(m, "aggmon-period-ns:\t%llu\n", stat->period_ns);
	seq_printf(m, "aggmon-drain:\t%lld\n", stat->drain);
}

static const struct file_operations aggmon_stat_fops = {
	.release	= aggmon_stat_release,
	.show_fdinfo	= aggmon_stat_show_fdinfo,
	.llseek		= noop_llseek,
};

/**
 * aggmon_stat_from_file() - the statistic a file owns
 * @file: any file
 *
 * Return: the statistic, or NULL if @file is not a statistic's.
 */
struct aggmon_stat *aggmon_stat_from_file(struct file *file)
{
	return file->f_op == &aggmon_stat_fops ? file->private_data : NULL;
}

/**
 * aggmon_stat_file_create() - create a statistic and the file owning it
 * @attr: what userspace asked for; flags and id already checked
 * @id: receives the statistic's id
 *
 * Return: the file, or an ERR_PTR(): -EINVAL for bad parameters, -EPERM
 * for a period below %AGGMON_PERIOD_MIN_UNPRIV_NS without CAP_PERFMON,
 * -ENOENT for an unknown gauge, -EMFILE when the uid holds its cap,
 * -ENOSPC when the gauge holds its cap for the caller
 * (aggmon_watch_capped()), -ENOMEM.
 */
struct file *aggmon_stat_file_create(const struct aggmon_stat_create_attr *attr,
				     u64 *id)
{
	struct aggmon_gauge_entry *entry;
	struct aggmon_stat *stat;
	kuid_t uid = current_uid();
	struct ucounts *ucounts;
	struct file *file;
	int err;

	err = aggmon_stat_check(attr->kind, attr->period_ns, attr->drain);
	if (err)
		return ERR_PTR(err);
	/* Each slot of a timed statistic arms a timer: a tenth of a period. */
	if (attr->period_ns && attr->period_ns < AGGMON_PERIOD_MIN_UNPRIV_NS &&
	    !perfmon_capable())
		return ERR_PTR(-EPERM);
	ucounts = aggmon_quota_charge(AGGMON_QUOTA_STATS);
	if (IS_ERR(ucounts))
		return ERR_CAST(ucounts);
	stat = aggmon_stat_alloc(attr->kind, attr->period_ns, attr->drain,
				 GFP_KERNEL_ACCOUNT);
	if (!stat) {
		aggmon_quota_uncharge(AGGMON_QUOTA_STATS, ucounts);
		return ERR_PTR(-ENOMEM);
	}
	stat->owner = uid;
	stat->ucounts = ucounts;

	/* The gauge cannot go while the mutex is held (watch.c). */
	mutex_lock(&aggmon_watch_mutex);
	scoped_guard(rcu)
		entry = aggmon_gauge_find(attr->gauge_id);
	err = aggmon_stat_attach(entry, stat, true);
	mutex_unlock(&aggmon_watch_mutex);
	if (err) {
		aggmon_stat_free(stat);
		return ERR_PTR(err);
	}

	file = anon_inode_getfile("[aggmon_stat]", &aggmon_stat_fops, stat,
				  O_RDWR);
	if (IS_ERR(file)) {
		aggmon_stat_put(stat);
		return file;
	}
	*id = stat->id;
	return file;
}

/**
 * aggmon_stat_info() - describe a statistic and read its value
 * @file: the statistic's file
 * @info: filled in; @fd and @flags are left alone
 *
 * Return: 0, -EINVAL if @file is not a statistic's, or -ENODEV, with all
 * but @value and @level filled in, once the gauge is gone.
 */
int aggmon_stat_info(struct file *file, struct aggmon_stat_info *info)
{
	struct aggmon_stat *stat = aggmon_stat_from_file(file);
	int err;

	if (!stat)
		return -EINVAL;
	info->id = stat->id;
	info->gauge_id = stat->gauge_id;
	info->kind = stat->kind;
	info->period_ns = stat->period_ns;
	info->drain = stat->drain;
	err = aggmon_stat_read(stat, &info->value, &info->level);
	info->state = err ? AGGMON_STAT_GONE : 0;
	return err;
}

/**
 * aggmon_stat_reset() - restart a statistic from the gauge's value
 * @file: the statistic's file
 *
 * Return: 0, -EINVAL if @file is not a statistic's, -EOPNOTSUPP for an
 * absolute statistic, or -ENODEV once the gauge is gone.
 */
int aggmon_stat_reset(struct file *file)
{
	struct aggmon_stat *stat = aggmon_stat_from_file(file);
	struct aggmon_watch *watch;
	unsigned long flags;
	int err = -ENODEV;
	u64 now;

	if (!stat)
		return -EINVAL;
	if (stat->kind == AGGMON_STAT_ABSOLUTE)
		return -EOPNOTSUPP;
	watch = stat->watch;
	flags = aggmon_watch_lock(watch);
	if (!stat->gone) {
		now = aggmon_now();
		aggmon_stat_time_passes(stat, now);
		aggmon_stat_start(stat, watch->level, now);
		aggmon_stat_evaluate(stat, now, 0);
		aggmon_stat_arm(stat);
		err = 0;
	}
	aggmon_watch_unlock(watch, flags);
	return err;
}

#ifdef CONFIG_AGGMON_KUNIT_TEST
#include "tests/stat_kunit.h"
#endif

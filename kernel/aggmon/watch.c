// SPDX-License-Identifier: GPL-2.0-only
/*
 * aggmon - what watches a gauge: the exact stream of its updates
 *
 * A gauge's value lives in per-CPU shares, which no one can read as one
 * consistent number while other CPUs update them.  Statistics need more:
 * the exact sequence of values, so that a high watermark is a value the
 * gauge really held and a threshold fires at the update that crossed it,
 * never missing a spike that rose and fell between two reads and never
 * inventing one.  So the first statistic on a gauge attaches a watch: it
 * sets the gauge's @watched flag, after
 * which every update of that gauge, having added to its share, also
 * takes the watch's raw spinlock and folds its delta into @level.  The
 * lock orders the updates; @level is the gauge's value in that order,
 * and each statistic sees every value of the sequence.  Thresholds cost
 * the update two comparisons per statistic when nothing is crossed
 * (threshold.c), however many there are.
 *
 * Gauges that nobody watches keep their per-CPU speed; a watched gauge
 * updated from many CPUs at once contends on the lock.  That is the
 * price of exactness chosen here; a per-CPU error band, as in
 * __percpu_counter_compare(), would keep updates far from every bound
 * off the lock.
 *
 * Start: the watch starts from the sum of the shares, read under its lock
 * after the flag is set.  An update that runs on another CPU while the
 * first statistic attaches (it added to its share before the read but
 * saw the flag after) is counted in the start and delivered once more;
 * one that saw the flag clear is in neither.  Only those few updates,
 * racing with the attachment of a gauge's first statistic, can make
 * @level differ from the shares; the selftests' gauges are quiet then.
 *
 * Lifetime: attaching, detaching and the removal of a gauge are
 * serialised by aggmon_watch_mutex, which aggmon_gauge_unregister()
 * takes before it unpublishes a gauge: under it a gauge found in the
 * registry stays there.  Updaters find the watch under RCU; it is freed
 * after a grace period once its last statistic is gone.  When the gauge
 * goes first, the watch stays for its statistics, which are marked gone
 * and stop changing, and every threshold gets a "gone" event.
 */

#include <linux/atomic.h>
#include <linux/ktime.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "agg.h"
#include "gauge.h"
#include "stat.h"
#include "watch.h"

/* See "Lifetime" above: attach, detach and gauge removal. */
DEFINE_MUTEX(aggmon_watch_mutex);

/* Non-zero while a threshold's direct callback runs on this CPU. */
DEFINE_PER_CPU(unsigned int, aggmon_in_callback);
static atomic64_t aggmon_last_object_id = ATOMIC64_INIT(0);

/**
 * aggmon_object_id() - a new id for a statistic or threshold
 *
 * Return: an id never handed out before (64 bits do not wrap).
 */
u64 aggmon_object_id(void)
{
	return atomic64_inc_return(&aggmon_last_object_id);
}

/**
 * aggmon_watch_now() - the time statistics and events use
 *
 * Return: CLOCK_MONOTONIC, in ns.
 */
u64 aggmon_watch_now(void)
{
	return ktime_get_ns();
}

static struct aggmon_watch *aggmon_watch_of(struct aggmon_gauge_entry *entry)
{
	return rcu_dereference_protected(entry->watch,
					 lockdep_is_held(&aggmon_watch_mutex));
}

/*
 * Updates of a gauge take the slow path while it has a watch or delta
 * aggregations.  Under aggmon_watch_mutex.
 */
static void aggmon_gauge_rewatch(struct aggmon_gauge_entry *entry)
{
	WRITE_ONCE(entry->gauge->watched,
		   rcu_access_pointer(entry->watch) ||
		   !hlist_empty(&entry->aggs));
}

static struct aggmon_watch *aggmon_watch_get(struct aggmon_gauge_entry *entry)
{
	struct aggmon_watch *watch = aggmon_watch_of(entry);
	unsigned long flags;

	if (watch)
		return watch;
	/* One per watched gauge, bounded by the gauges: not charged. */
	watch = kzalloc(sizeof(*watch), GFP_KERNEL);
	if (!watch)
		return NULL;
	raw_spin_lock_init(&watch->lock);
	INIT_LIST_HEAD(&watch->stats);
	INIT_LIST_HEAD(&watch->aggs);
	watch->entry = entry;
	watch->gauge_id = entry->id;

	rcu_assign_pointer(entry->watch, watch);
	aggmon_gauge_rewatch(entry);
	/* Updates that see the flag reach the watch after this read. */
	smp_mb();
	raw_spin_lock_irqsave(&watch->lock, flags);
	watch->level = aggmon_entry_read(entry);
	watch->live = true;
	raw_spin_unlock_irqrestore(&watch->lock, flags);
	return watch;
}

/* Updates stop reaching @watch; updaters that found it may still run. */
static void aggmon_watch_unhook(struct aggmon_watch *watch)
{
	struct aggmon_gauge_entry *entry = watch->entry;
	unsigned long flags;

	if (!entry)
		return;
	/* A set that still finds the watch must not trust its level. */
	raw_spin_lock_irqsave(&watch->lock, flags);
	watch->live = false;
	raw_spin_unlock_irqrestore(&watch->lock, flags);
	RCU_INIT_POINTER(entry->watch, NULL);
	aggmon_gauge_rewatch(entry);
	watch->entry = NULL;
}

/**
 * aggmon_watch_attach() - start feeding a gauge's updates to a statistic
 * @entry: the gauge
 * @stat: the statistic, not yet attached
 *
 * Context: process context, aggmon_watch_mutex held.
 * Return: 0 or -ENOMEM.
 */
int aggmon_watch_attach(struct aggmon_gauge_entry *entry,
			struct aggmon_stat *stat)
{
	struct aggmon_watch *watch;
	unsigned long flags;

	lockdep_assert_held(&aggmon_watch_mutex);
	watch = aggmon_watch_get(entry);
	if (!watch)
		return -ENOMEM;
	stat->watch = watch;
	stat->gauge_id = watch->gauge_id;
	raw_spin_lock_irqsave(&watch->lock, flags);
	aggmon_stat_start(stat, watch->level, aggmon_watch_now());
	list_add_tail(&stat->node, &watch->stats);
	raw_spin_unlock_irqrestore(&watch->lock, flags);
	watch->nr_users++;
	return 0;
}

/* The last user of a watch takes it away. */
static void aggmon_watch_put(struct aggmon_watch *watch)
{
	if (--watch->nr_users)
		return;
	aggmon_watch_unhook(watch);
	kfree_rcu(watch, rcu);
}

/**
 * aggmon_watch_detach() - stop feeding updates to a statistic
 * @stat: the statistic
 *
 * The last statistic of a gauge takes the watch away.
 *
 * Context: process context, aggmon_watch_mutex held.
 */
void aggmon_watch_detach(struct aggmon_stat *stat)
{
	struct aggmon_watch *watch = stat->watch;
	unsigned long flags;

	lockdep_assert_held(&aggmon_watch_mutex);
	raw_spin_lock_irqsave(&watch->lock, flags);
	list_del(&stat->node);
	raw_spin_unlock_irqrestore(&watch->lock, flags);
	aggmon_watch_put(watch);
}

/**
 * aggmon_watch_attach_agg() - start feeding a gauge's updates to an
 *	aggregation
 * @entry: the gauge
 * @agg: the aggregation, with its source set, not yet attached
 *
 * A delta aggregation takes each update's delta on the updater's CPU,
 * without the watch: its buffers are per CPU.  A level aggregation needs
 * the gauge's exact sequence of values, so it goes on the watch.
 *
 * Context: process context, aggmon_watch_mutex held.
 * Return: 0 or -ENOMEM.
 */
int aggmon_watch_attach_agg(struct aggmon_gauge_entry *entry,
			    struct aggmon_agg *agg)
{
	struct aggmon_watch *watch;
	unsigned long flags;

	lockdep_assert_held(&aggmon_watch_mutex);
	if (agg->source == AGGMON_AGG_SRC_GAUGE_DELTA) {
		hlist_add_head_rcu(&agg->gauge_node, &entry->aggs);
		agg->entry = entry;
		aggmon_gauge_rewatch(entry);
		return 0;
	}
	watch = aggmon_watch_get(entry);
	if (!watch)
		return -ENOMEM;
	raw_spin_lock_irqsave(&watch->lock, flags);
	list_add_tail(&agg->watch_node, &watch->aggs);
	raw_spin_unlock_irqrestore(&watch->lock, flags);
	agg->watch = watch;
	watch->nr_users++;
	return 0;
}

/**
 * aggmon_watch_detach_agg() - stop feeding updates to an aggregation
 * @agg: the aggregation; nothing happens if it is not attached
 *
 * Updaters that found it may still be folding into it until a grace
 * period has passed.
 *
 * Context: process context, aggmon_watch_mutex held.
 */
void aggmon_watch_detach_agg(struct aggmon_agg *agg)
{
	struct aggmon_watch *watch = agg->watch;
	unsigned long flags;

	lockdep_assert_held(&aggmon_watch_mutex);
	if (agg->entry) {
		hlist_del_rcu(&agg->gauge_node);
		aggmon_gauge_rewatch(agg->entry);
		agg->entry = NULL;
	}
	if (!watch)
		return;
	raw_spin_lock_irqsave(&watch->lock, flags);
	list_del(&agg->watch_node);
	raw_spin_unlock_irqrestore(&watch->lock, flags);
	agg->watch = NULL;
	aggmon_watch_put(watch);
}

/**
 * aggmon_watch_gone() - a watched gauge is being removed
 * @entry: the gauge, already out of the registry
 *
 * Its statistics stop changing and its thresholds get a "gone" event.
 *
 * Context: process context, aggmon_watch_mutex held.
 */
void aggmon_watch_gone(struct aggmon_gauge_entry *entry)
{
	struct aggmon_watch *watch = aggmon_watch_of(entry);
	struct aggmon_threshold *threshold;
	struct hlist_node *next;
	struct aggmon_stat *stat;
	struct aggmon_agg *agg;
	unsigned long flags;
	u64 now;

	lockdep_assert_held(&aggmon_watch_mutex);
	hlist_for_each_entry_safe(agg, next, &entry->aggs, gauge_node) {
		WRITE_ONCE(agg->gone, true);
		aggmon_watch_detach_agg(agg);
	}
	if (!watch)
		return;
	aggmon_watch_unhook(watch);
	raw_spin_lock_irqsave(&watch->lock, flags);
	list_for_each_entry(stat, &watch->stats, node)
		stat->gone = true;
	list_for_each_entry(agg, &watch->aggs, watch_node)
		WRITE_ONCE(agg->gone, true);
	raw_spin_unlock_irqrestore(&watch->lock, flags);

	/* Nothing changes a gone statistic: the lists are the mutex's. */
	now = aggmon_watch_now();
	list_for_each_entry(stat, &watch->stats, node) {
		hrtimer_cancel(&stat->timer);
		list_for_each_entry(threshold, &stat->thresholds, stat_node)
			aggmon_threshold_gone(threshold, now);
	}
}

/*
 * Fold @delta into @watch's level and feed the new level to statistics
 * and level aggregations.
 */
static void aggmon_watch_fold(struct aggmon_watch *watch, s64 delta)
{
	struct aggmon_stat *stat;
	struct aggmon_agg *agg;
	u64 now = 0;	/* read when first needed */

	lockdep_assert_held(&watch->lock);
	watch->level = (u64)watch->level + delta;
	list_for_each_entry(stat, &watch->stats, node)
		if (!stat->gone && !stat->dying)
			aggmon_stat_update(stat, delta, watch->level, &now);
	list_for_each_entry(agg, &watch->aggs, watch_node)
		if (!agg->gone)
			aggmon_agg_fold(agg, watch->level, NULL);
}

/* Feed an update's delta to the gauge's delta aggregations. */
static void aggmon_gauge_fold_aggs(struct aggmon_gauge_entry *entry,
				   s64 delta)
{
	struct aggmon_agg *agg;

	hlist_for_each_entry_rcu(agg, &entry->aggs, gauge_node)
		aggmon_agg_fold(agg, delta, NULL);
}

static void aggmon_watch_update(struct aggmon_watch *watch, s64 delta)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&watch->lock, flags);
	aggmon_watch_fold(watch, delta);
	raw_spin_unlock_irqrestore(&watch->lock, flags);
}

/**
 * aggmon_watch_set() - set a watched gauge, in the order of its watch
 * @entry: the gauge
 * @value: the new value
 *
 * An add that races with a set on another CPU is folded before or after
 * it, never half: the set takes the difference from the watch's level
 * under the watch's lock and adds it to the shares there, so the level
 * and the shares move together and the sequence of values the
 * statistics see holds exactly @value at the set.
 *
 * Context: any but NMI.
 * Return: false if nothing watches the gauge: the caller sets it itself.
 */
bool aggmon_watch_set(struct aggmon_gauge_entry *entry, s64 value)
{
	struct aggmon_watch *watch;
	unsigned long flags;
	s64 delta;

	guard(rcu)();
	watch = rcu_dereference(entry->watch);
	if (!watch)
		return false;
	raw_spin_lock_irqsave(&watch->lock, flags);
	if (!watch->live) {
		/* Not started yet, or unhooked: the caller sets the shares. */
		raw_spin_unlock_irqrestore(&watch->lock, flags);
		return false;
	}
	delta = (u64)value - (u64)watch->level;
	this_cpu_add(*entry->pcpu, delta);
	aggmon_watch_fold(watch, delta);
	raw_spin_unlock_irqrestore(&watch->lock, flags);
	aggmon_gauge_fold_aggs(entry, delta);
	return true;
}

/**
 * __aggmon_gauge_watched() - the slow path of an update
 * @gauge: the gauge
 * @delta: what was added
 *
 * Taken only while @gauge->watched is set: feeds the update to the
 * gauge's statistics.
 *
 * Context: any but NMI.
 */
void __aggmon_gauge_watched(struct aggmon_gauge *gauge, s64 delta)
{
	struct aggmon_gauge_entry *entry;
	struct aggmon_watch *watch;

	/* It would take a watch lock inside the one the callback runs under. */
	if (WARN_ON_ONCE(raw_cpu_read(aggmon_in_callback)))
		return;
	guard(rcu)();
	/* Under RCU: a static gauge may be destroyed while it is updated. */
	entry = READ_ONCE(gauge->entry);
	if (!entry)
		return;
	aggmon_gauge_fold_aggs(entry, delta);
	watch = rcu_dereference(entry->watch);
	if (watch)
		aggmon_watch_update(watch, delta);
}
EXPORT_SYMBOL_GPL(__aggmon_gauge_watched);

// SPDX-License-Identifier: GPL-2.0-only
/*
 * aggmon - what watches a gauge: the exact stream of its updates
 *
 * A gauge's value lives in per-CPU shares, which no one can read as one
 * consistent number while other CPUs update them.  Statistics need more:
 * the exact sequence of values, so that a high watermark is a value the
 * gauge really held and a threshold fires at the update that crossed it,
 * never missing a spike that rose and fell between two reads and never
 * inventing one.  The first statistic on a gauge attaches a watch, which
 * sets the gauge's @watched flag: from then on every update of that
 * gauge goes through __aggmon_gauge_watched().
 *
 * Two paths.  Far from every bound (stat.c says what a statistic's
 * bounds are: its thresholds' next bounds, a watermark's current value)
 * an update spends from its CPU's budget (budget.c) and adds to its
 * share: one atomic on the CPU's own cache line, no lock.  Budgets are
 * sized so that no combination of them reaches a bound, so no statistic
 * can change meanwhile but the absolute value, which a read recalls.
 * An update that does not fit its budget takes the watch's raw spinlock
 * with interrupts off (aggmon_watch_lock()), which recalls every budget
 * into @level, so @level is exact there; the update is folded into
 * @level and every statistic sees the new value, in the lock's order;
 * then aggmon_watch_unlock() grants new budgets from the new distance to
 * the nearest bound, or none while the gauge is near one (it stays
 * serialised: every update takes the lock, as the statistics need).
 * Rate and leaky-bucket statistics and level aggregations need every
 * update, so they keep their gauge serialised.
 *
 * Why no crossing is missed or invented: the sequence of values the
 * statistics see is that of a serial execution in which each budget
 * spend takes effect at its compare-and-exchange and each other update
 * at its fold under the lock.  A spend succeeds only between a grant and
 * the next recall, both under the lock, so every value the gauge takes
 * between them is the level at the grant plus what each CPU spent, each
 * within its budget: strictly inside the band, where no statistic but
 * the absolute value changes and no threshold acts.  The recall makes
 * @level equal to that value before anything under the lock looks at
 * it, and the absolute statistics follow it then.  Outside budgets the
 * path is the serial one.  So every threshold event carries the value
 * at which the serial model raises it, in the same order.
 *
 * Start: the watch starts from the sum of the shares, read under its lock
 * after a grace period that follows setting the flag.  The inline update
 * (include/linux/aggmon.h) tests the flag and then adds to its share,
 * with preemption disabled between the two: an RCU read-side critical
 * section.  So once the grace period has passed, every update that saw
 * the flag clear has added to its share, and is in the sum; every later
 * one adds to its share under the watch's lock (or from a budget, which
 * is granted only after the start) and is counted once, in the sum if
 * it took the lock before the start, folded if after.  Nothing is lost
 * or counted twice, whatever preempts or interrupts an update.
 *
 * Lifetime: attaching, detaching and the removal of a gauge are
 * serialised by aggmon_watch_mutex, which aggmon_gauge_unregister()
 * takes before it unpublishes a gauge: under it a gauge found in the
 * registry stays there.  Updaters find the watch under RCU; it is freed
 * after a grace period once its last statistic is gone.  When the gauge
 * goes first, the watch stays for its statistics, which are marked gone
 * and stop changing, and every threshold gets a "gone" event.
 *
 * The most work one update does with interrupts off, in one place: a
 * recall (one atomic exchange per CPU granted a budget), the fold (per
 * statistic a few comparisons, for each threshold it crosses an rbtree
 * erase and insert, an event push and an irq_work queueing, for each
 * level aggregation a fold) and a grant (a pass over the statistics and
 * one store per online CPU).  Callers without CAP_PERFMON may attach at
 * most %AGGMON_WATCH_UNPRIV_MAX statistics, thresholds and level
 * aggregations together to a gauge they do not own, so they cannot make
 * anyone else's updates do more than that under the lock; a threshold
 * acts at most once per update.  (Delta aggregations fold on the
 * updater's CPU without the lock; the per-uid cap on aggregations bounds
 * them.)
 */

#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/slab.h>

#include "agg.h"
#include "core.h"
#include "gauge.h"
#include "stat.h"
#include "watch.h"

/* See "Lifetime" above: attach, detach and gauge removal. */
DEFINE_MUTEX(aggmon_watch_mutex);

/* Non-zero while a threshold's direct callback runs on this CPU. */
DEFINE_PER_CPU(unsigned int, aggmon_in_callback);

static struct aggmon_watch *aggmon_watch_of(struct aggmon_gauge_entry *entry)
{
	return rcu_dereference_protected(entry->watch,
					 lockdep_is_held(&aggmon_watch_mutex));
}

/* Take back every budget; the level is exact afterwards. */
static void aggmon_watch_recall(struct aggmon_watch *watch)
{
	struct aggmon_stat *stat;
	s64 spent;

	if (!aggmon_budget_out(&watch->budget))
		return;
	spent = aggmon_budget_recall(&watch->budget);
	if (!spent)
		return;
	watch->level = (u64)watch->level + spent;
	list_for_each_entry(stat, &watch->stats, node)
		if (!stat->gone && !stat->dying)
			aggmon_stat_follow(stat, watch->level);
}

/*
 * Hand out budgets for the band around the level, if it is wide enough.
 * A serialised update that finds it is not waits AGGMON_WATCH_REGRANT
 * updates before it looks again: near a bound, the walk over the
 * statistics would otherwise double what each update does under the lock.
 */
static void aggmon_watch_grant(struct aggmon_watch *watch)
{
	struct aggmon_stat *stat;
	s64 hi = S64_MAX;
	s64 lo = S64_MIN;

	watch->regrant_in = 0;
	if (!watch->live || !list_empty(&watch->aggs))
		return;
	list_for_each_entry(stat, &watch->stats, node)
		if (!stat->gone && !stat->dying &&
		    !aggmon_stat_band(stat, &hi, &lo))
			goto serialised;
	if (aggmon_budget_grant(&watch->budget, watch->level, hi, lo))
		return;
serialised:
	watch->regrant_in = AGGMON_WATCH_REGRANT;
}

/**
 * aggmon_watch_lock() - take a watch's lock, with its level exact
 * @watch: the watch
 *
 * Recalls every CPU's budget, so that @watch->level is the gauge's value
 * and the statistics follow it, and updates take the lock until
 * aggmon_watch_unlock().  Everything that reads or changes a statistic or
 * threshold of the watch does so between the two.
 *
 * Context: any but NMI; not under the lock of a watch.
 * Return: the interrupt flags for aggmon_watch_unlock().
 */
unsigned long aggmon_watch_lock(struct aggmon_watch *watch)
	__acquires(&watch->lock)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&watch->lock, flags);
	aggmon_watch_recall(watch);
	return flags;
}

/**
 * aggmon_watch_unlock() - grant new budgets and drop a watch's lock
 * @watch: the watch
 * @flags: from aggmon_watch_lock()
 */
void aggmon_watch_unlock(struct aggmon_watch *watch, unsigned long flags)
	__releases(&watch->lock)
{
	aggmon_watch_grant(watch);
	raw_spin_unlock_irqrestore(&watch->lock, flags);
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

static void aggmon_watch_free_rcu(struct rcu_head *rcu)
{
	struct aggmon_watch *watch = container_of(rcu, struct aggmon_watch,
						  rcu);

	aggmon_budget_free(&watch->budget);
	kfree(watch);
}

/* See "Start" above. */
static void aggmon_watch_start(struct aggmon_watch *watch)
{
	unsigned long flags;

	synchronize_rcu();
	flags = aggmon_watch_lock(watch);
	watch->level = aggmon_entry_read(watch->entry);
	watch->live = true;
	aggmon_watch_unlock(watch, flags);
}

static struct aggmon_watch *aggmon_watch_get(struct aggmon_gauge_entry *entry)
{
	struct aggmon_watch *watch = aggmon_watch_of(entry);

	if (watch)
		return watch;
	/* One per watched gauge, bounded by the gauges: not charged. */
	watch = kzalloc(sizeof(*watch), GFP_KERNEL);
	if (!watch)
		return NULL;
	if (aggmon_budget_init(&watch->budget, GFP_KERNEL)) {
		kfree(watch);
		return NULL;
	}
	raw_spin_lock_init(&watch->lock);
	INIT_LIST_HEAD(&watch->stats);
	INIT_LIST_HEAD(&watch->aggs);
	watch->entry = entry;
	watch->gauge_id = entry->id;

	rcu_assign_pointer(entry->watch, watch);
	aggmon_gauge_rewatch(entry);
	aggmon_watch_start(watch);
	return watch;
}

/* Updates stop reaching @watch; updaters that found it may still run. */
static void aggmon_watch_unhook(struct aggmon_watch *watch)
{
	struct aggmon_gauge_entry *entry = watch->entry;
	unsigned long flags;

	if (!entry)
		return;
	/* Budgets come back; a set that still finds the watch sets alone. */
	flags = aggmon_watch_lock(watch);
	watch->live = false;
	aggmon_watch_unlock(watch, flags);
	RCU_INIT_POINTER(entry->watch, NULL);
	aggmon_gauge_rewatch(entry);
	watch->entry = NULL;
}

/* The last user of a watch takes it away. */
static void aggmon_watch_put(struct aggmon_watch *watch)
{
	if (--watch->nr_users)
		return;
	aggmon_watch_unhook(watch);
	call_rcu(&watch->rcu, aggmon_watch_free_rcu);
}

/**
 * aggmon_watch_capped() - does the per-gauge cap apply to current?
 * @entry: the gauge
 *
 * Return: true unless current has CAP_PERFMON or owns @entry (a user
 * gauge it created): only those may make others' updates of @entry do
 * more work than %AGGMON_WATCH_UNPRIV_MAX statistics and thresholds.
 */
bool aggmon_watch_capped(const struct aggmon_gauge_entry *entry)
{
	if (entry->kind == AGGMON_GAUGE_USER &&
	    uid_eq(entry->owner, current_uid()))
		return false;
	return !perfmon_capable();
}

/**
 * aggmon_watch_reserve() - count a capped statistic or threshold
 * @watch: the watch it goes on
 * @capped: whether the cap applies; nothing is counted if not
 *
 * Context: aggmon_watch_mutex held.
 * Return: 0, or -ENOSPC when @watch holds %AGGMON_WATCH_UNPRIV_MAX of
 * them already.
 */
int aggmon_watch_reserve(struct aggmon_watch *watch, bool capped)
{
	lockdep_assert_held(&aggmon_watch_mutex);
	if (!capped)
		return 0;
	if (watch->nr_capped >= AGGMON_WATCH_UNPRIV_MAX)
		return -ENOSPC;
	watch->nr_capped++;
	return 0;
}

/**
 * aggmon_watch_unreserve() - uncount what aggmon_watch_reserve() counted
 * @watch: the watch
 * @capped: as given to aggmon_watch_reserve()
 *
 * Context: aggmon_watch_mutex held.
 */
void aggmon_watch_unreserve(struct aggmon_watch *watch, bool capped)
{
	lockdep_assert_held(&aggmon_watch_mutex);
	if (capped)
		watch->nr_capped--;
}

/*
 * The gauge's watch, started if it had none, with room counted for one
 * more capped object.  Only a watch that was there already can be full,
 * so a refusal leaves nothing to undo.
 */
static struct aggmon_watch *aggmon_watch_join(struct aggmon_gauge_entry *entry,
					      bool capped)
{
	struct aggmon_watch *watch = aggmon_watch_get(entry);
	int err;

	if (!watch)
		return ERR_PTR(-ENOMEM);
	err = aggmon_watch_reserve(watch, capped);
	return err ? ERR_PTR(err) : watch;
}

/**
 * aggmon_watch_attach() - start feeding a gauge's updates to a statistic
 * @entry: the gauge
 * @stat: the statistic, not yet attached
 * @capped: the per-gauge cap applies to it (aggmon_watch_capped())
 *
 * The first statistic of a gauge waits for an RCU grace period.
 *
 * Context: process context, aggmon_watch_mutex held.
 * Return: 0, -ENOSPC if @capped and the gauge holds its cap, or -ENOMEM.
 */
int aggmon_watch_attach(struct aggmon_gauge_entry *entry,
			struct aggmon_stat *stat, bool capped)
{
	struct aggmon_watch *watch;
	unsigned long flags;

	lockdep_assert_held(&aggmon_watch_mutex);
	watch = aggmon_watch_join(entry, capped);
	if (IS_ERR(watch))
		return PTR_ERR(watch);
	stat->capped = capped;
	stat->watch = watch;
	stat->gauge_id = watch->gauge_id;
	flags = aggmon_watch_lock(watch);
	aggmon_stat_start(stat, watch->level, aggmon_now());
	list_add_tail(&stat->node, &watch->stats);
	aggmon_watch_unlock(watch, flags);
	watch->nr_users++;
	return 0;
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
	flags = aggmon_watch_lock(watch);
	list_del(&stat->node);
	aggmon_watch_unlock(watch, flags);
	aggmon_watch_unreserve(watch, stat->capped);
	aggmon_watch_put(watch);
}

/**
 * aggmon_watch_attach_agg() - start feeding a gauge's updates to an
 *	aggregation
 * @entry: the gauge
 * @agg: the aggregation, with its source set, not yet attached
 * @capped: the per-gauge cap applies to it (aggmon_watch_capped()); only
 *	a level aggregation counts, as it works under the watch's lock
 *
 * A delta aggregation takes each update's delta on the updater's CPU,
 * without the watch: its buffers are per CPU.  A level aggregation needs
 * the gauge's exact sequence of values, so it goes on the watch and keeps
 * the gauge serialised.
 *
 * Context: process context, aggmon_watch_mutex held.
 * Return: 0, -ENOSPC if a capped level aggregation finds the gauge at its
 * cap, or -ENOMEM.
 */
int aggmon_watch_attach_agg(struct aggmon_gauge_entry *entry,
			    struct aggmon_agg *agg, bool capped)
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
	watch = aggmon_watch_join(entry, capped);
	if (IS_ERR(watch))
		return PTR_ERR(watch);
	agg->capped = capped;
	flags = aggmon_watch_lock(watch);
	list_add_tail(&agg->watch_node, &watch->aggs);
	aggmon_watch_unlock(watch, flags);
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
	flags = aggmon_watch_lock(watch);
	list_del(&agg->watch_node);
	aggmon_watch_unlock(watch, flags);
	aggmon_watch_unreserve(watch, agg->capped);
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
	flags = aggmon_watch_lock(watch);
	list_for_each_entry(stat, &watch->stats, node)
		stat->gone = true;
	list_for_each_entry(agg, &watch->aggs, watch_node)
		WRITE_ONCE(agg->gone, true);
	aggmon_watch_unlock(watch, flags);

	/* Nothing changes a gone statistic: the lists are the mutex's. */
	now = aggmon_now();
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

/* The update left its budget: add to the share and fold, in order. */
static void aggmon_watch_update(struct aggmon_watch *watch,
				s64 __percpu *shares, s64 delta)
{
	unsigned long flags = aggmon_watch_lock(watch);

	this_cpu_add(*shares, delta);
	if (watch->live)
		aggmon_watch_fold(watch, delta);
	/* See aggmon_watch_grant(); everything else looks at once. */
	if (watch->regrant_in) {
		watch->regrant_in--;
		raw_spin_unlock_irqrestore(&watch->lock, flags);
		return;
	}
	aggmon_watch_unlock(watch, flags);
}

/**
 * aggmon_watch_set() - set a watched gauge, in the order of its watch
 * @entry: the gauge
 * @value: the new value
 *
 * An add that races with a set on another CPU is folded before or after
 * it, never half: the set takes the difference from the watch's level,
 * exact under its lock, and adds it to the shares there, so the level
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
	flags = aggmon_watch_lock(watch);
	if (!watch->live) {
		/* Not started yet, or unhooked: the caller sets the shares. */
		aggmon_watch_unlock(watch, flags);
		return false;
	}
	delta = (u64)value - (u64)watch->level;
	this_cpu_add(*entry->pcpu, delta);
	aggmon_watch_fold(watch, delta);
	aggmon_watch_unlock(watch, flags);
	aggmon_gauge_fold_aggs(entry, delta);
	return true;
}

/**
 * __aggmon_gauge_watched() - an update of a watched gauge
 * @gauge: the gauge
 * @delta: what to add
 *
 * Taken instead of the plain per-CPU add while @gauge->watched is set:
 * adds @delta to this CPU's share, from this CPU's budget if it fits,
 * else in the order of the watch's lock, and feeds it to the gauge's
 * delta aggregations.
 *
 * Context: any but NMI, preemption disabled (aggmon_gauge_add()).
 */
void __aggmon_gauge_watched(struct aggmon_gauge *gauge, s64 delta)
{
	struct aggmon_gauge_entry *entry;
	struct aggmon_watch *watch;

	/*
	 * The caller's preempt-off region is an RCU reader: a static gauge
	 * may be destroyed, and its entry freed, while it is updated.
	 */
	entry = rcu_dereference_sched(gauge->entry);
	if (!entry) {
		this_cpu_add(*gauge->pcpu, delta);
		return;
	}
	aggmon_gauge_fold_aggs(entry, delta);
	watch = rcu_dereference_sched(entry->watch);
	if (!watch || aggmon_budget_spend(&watch->budget, delta) ||
	    /* A callback's update would take a watch lock inside its own. */
	    WARN_ON_ONCE(raw_cpu_read(aggmon_in_callback))) {
		this_cpu_add(*gauge->pcpu, delta);
		return;
	}
	aggmon_watch_update(watch, gauge->pcpu, delta);
}
EXPORT_SYMBOL_GPL(__aggmon_gauge_watched);

#ifdef CONFIG_AGGMON_KUNIT_TEST
#include "tests/watch_kunit.h"
#endif

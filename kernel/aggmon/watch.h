/* SPDX-License-Identifier: GPL-2.0 */
/*
 * aggmon - what watches a gauge: the exact stream of its updates
 */
#ifndef _AGGMON_WATCH_H
#define _AGGMON_WATCH_H

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>
#include <linux/types.h>

#include "budget.h"

struct aggmon_agg;
struct aggmon_gauge_entry;
struct aggmon_stat;

/**
 * struct aggmon_watch - the statistics of one gauge
 * @lock: orders the gauge's updates that leave their CPU's budget;
 *	protects @level, @budget's grant, @stats and every statistic and
 *	threshold on them.  Taken through aggmon_watch_lock() only.
 * @level: the gauge's value, as the sum of the updates in @lock's order
 *	plus what the CPUs spent from their budgets: exact once recalled
 * @live: @level has been started from the gauge's shares and the watch is
 *	still hooked to the gauge: a set may compute from @level
 * @budget: what each CPU may move the gauge by without @lock
 * @regrant_in: serialised updates to go before one looks for a band again
 * @stats: the statistics
 * @aggs: the aggregations of the gauge's level
 * @entry: the gauge; NULL once it is gone
 * @gauge_id: its id
 * @nr_users: statistics and aggregations attached, under
 *	aggmon_watch_mutex
 * @nr_capped: statistics, thresholds and level aggregations attached by
 *	callers without CAP_PERFMON who do not own the gauge, under
 *	aggmon_watch_mutex; at most %AGGMON_WATCH_UNPRIV_MAX
 * @rcu: frees the watch after updaters that found it are done
 */
struct aggmon_watch {
	raw_spinlock_t lock;
	s64 level;
	bool live;
	struct aggmon_budget budget;
	unsigned int regrant_in;
	struct list_head stats;
	struct list_head aggs;
	struct aggmon_gauge_entry *entry;
	u64 gauge_id;
	unsigned int nr_users;
	unsigned int nr_capped;
	struct rcu_head rcu;
};

/* A serialised gauge looks for a band once in this many updates. */
#define AGGMON_WATCH_REGRANT	15

/* Serialises attaching, detaching and the removal of watched gauges. */
extern struct mutex aggmon_watch_mutex;

/* Non-zero while a threshold's direct callback runs on this CPU. */
DECLARE_PER_CPU(unsigned int, aggmon_in_callback);

unsigned long aggmon_watch_lock(struct aggmon_watch *watch)
	__acquires(&watch->lock);
void aggmon_watch_unlock(struct aggmon_watch *watch, unsigned long flags)
	__releases(&watch->lock);

bool aggmon_watch_capped(const struct aggmon_gauge_entry *entry);
int aggmon_watch_reserve(struct aggmon_watch *watch, bool capped);
void aggmon_watch_unreserve(struct aggmon_watch *watch, bool capped);

int aggmon_watch_attach(struct aggmon_gauge_entry *entry,
			struct aggmon_stat *stat, bool capped);
void aggmon_watch_detach(struct aggmon_stat *stat);
void aggmon_watch_gone(struct aggmon_gauge_entry *entry);
int aggmon_watch_attach_agg(struct aggmon_gauge_entry *entry,
			    struct aggmon_agg *agg, bool capped);
void aggmon_watch_detach_agg(struct aggmon_agg *agg);
bool aggmon_watch_set(struct aggmon_gauge_entry *entry, s64 value);

#endif /* _AGGMON_WATCH_H */

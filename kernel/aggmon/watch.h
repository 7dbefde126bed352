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

struct aggmon_agg;
struct aggmon_gauge_entry;
struct aggmon_stat;

/**
 * struct aggmon_watch - the statistics of one gauge
 * @lock: orders the gauge's watched updates; protects @level, @stats and
 *	every statistic and threshold on them
 * @level: the gauge's value, as the sum of the updates in @lock's order
 * @live: @level has been started from the gauge's shares and the watch is
 *	still hooked to the gauge: a set may compute from @level
 * @stats: the statistics
 * @aggs: the aggregations of the gauge's level
 * @entry: the gauge; NULL once it is gone
 * @gauge_id: its id
 * @nr_users: statistics and aggregations attached, under
 *	aggmon_watch_mutex
 * @rcu: frees the watch after updaters that found it are done
 */
struct aggmon_watch {
	raw_spinlock_t lock;
	s64 level;
	bool live;
	struct list_head stats;
	struct list_head aggs;
	struct aggmon_gauge_entry *entry;
	u64 gauge_id;
	unsigned int nr_users;
	struct rcu_head rcu;
};

/* Serialises attaching, detaching and the removal of watched gauges. */
extern struct mutex aggmon_watch_mutex;

/* Non-zero while a threshold's direct callback runs on this CPU. */
DECLARE_PER_CPU(unsigned int, aggmon_in_callback);

int aggmon_watch_attach(struct aggmon_gauge_entry *entry,
			struct aggmon_stat *stat);
void aggmon_watch_detach(struct aggmon_stat *stat);
void aggmon_watch_gone(struct aggmon_gauge_entry *entry);
int aggmon_watch_attach_agg(struct aggmon_gauge_entry *entry,
			    struct aggmon_agg *agg);
void aggmon_watch_detach_agg(struct aggmon_agg *agg);
bool aggmon_watch_set(struct aggmon_gauge_entry *entry, s64 value);
u64 aggmon_watch_now(void);
u64 aggmon_object_id(void);

#endif /* _AGGMON_WATCH_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * aggmon - statistics on gauges
 */
#ifndef _AGGMON_STAT_H
#define _AGGMON_STAT_H

#include <linux/aggmon.h>
#include <linux/hrtimer.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/uidgid.h>

#include "limits.h"
#include "threshold.h"

struct aggmon_watch;

/**
 * struct aggmon_stat - a statistic on a gauge
 * @kind: an &enum aggmon_stat_kind
 * @value: the current value
 * @level: the gauge's value as last seen
 * @period_ns: period of a rate or leaky bucket
 * @drain: what a leaky bucket loses per period
 * @start: when the current windows began (creation or reset)
 * @slot: a rate's current slot, counted from %AGGMON_RATE_SLOTS at @start
 * @ring: a rate's gauge values at the last %AGGMON_RATE_SLOTS + 1 slot
 *	boundaries, indexed by slot modulo the ring's size
 * @drained: periods a leaky bucket has drained for since @start
 * @bounds: the thresholds on the statistic
 * @thresholds: the same, as a list
 * @id: the id events carry
 * @gauge_id: the id of the gauge
 * @watch: the gauge's watch, which delivers its updates
 * @node: in @watch's list of statistics
 * @timer: moves a rate or leaky bucket with time while it can move
 * @timer_armed: @timer is queued or its callback will re-queue it
 * @gone: the gauge was removed; @value no longer changes
 * @dying: being freed; @timer must not re-arm
 * @ref: the file (or kernel user) and each threshold hold one
 * @owner: the uid that created it through the system call
 * @ucounts: the user charged for it, or NULL (created by kernel code)
 * @capped: counts against its gauge's %AGGMON_WATCH_UNPRIV_MAX
 *
 * Every field but the plumbing at the end is protected by the watch's
 * lock.
 */
struct aggmon_stat {
	u32 kind;
	s64 value;
	s64 level;
	u64 period_ns;
	s64 drain;
	u64 start;
	u64 slot;
	s64 ring[AGGMON_RATE_SLOTS + 1];
	u64 drained;
	struct aggmon_bounds bounds;
	struct list_head thresholds;

	u64 id;
	u64 gauge_id;
	struct aggmon_watch *watch;
	struct list_head node;
	struct hrtimer timer;
	bool timer_armed;
	bool gone;
	bool dying;
	struct kref ref;
	kuid_t owner;
	struct ucounts *ucounts;
	bool capped;
};

int aggmon_stat_check(u32 kind, u64 period_ns, s64 drain);
void aggmon_stat_start(struct aggmon_stat *stat, s64 level, u64 now);
void aggmon_stat_advance(struct aggmon_stat *stat, u64 now);
void aggmon_stat_apply(struct aggmon_stat *stat, s64 delta, s64 level,
		       u64 now);
u64 aggmon_stat_next_tick(const struct aggmon_stat *stat);
void aggmon_stat_update(struct aggmon_stat *stat, s64 delta, s64 level,
			u64 *now);
bool aggmon_stat_band(const struct aggmon_stat *stat, s64 *hi, s64 *lo);
void aggmon_stat_follow(struct aggmon_stat *stat, s64 level);
void aggmon_stat_put(struct aggmon_stat *stat);

struct file *aggmon_stat_file_create(const struct aggmon_stat_create_attr *attr,
				     u64 *id);
struct aggmon_stat *aggmon_stat_from_file(struct file *file);
int aggmon_stat_info(struct file *file, struct aggmon_stat_info *info);
int aggmon_stat_reset(struct file *file);

#endif /* _AGGMON_STAT_H */

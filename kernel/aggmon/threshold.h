/* SPDX-License-Identifier: GPL-2.0 */
/*
 * aggmon - thresholds on statistics
 */
#ifndef _AGGMON_THRESHOLD_H
#define _AGGMON_THRESHOLD_H

#include <linux/aggmon.h>
#include <linux/irq_work.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/rbtree.h>
#include <linux/uidgid.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "event.h"

/**
 * struct aggmon_bounds - the thresholds of one statistic, by next bound
 * @up: thresholds that act when the value rises to their bound or above,
 *	lowest bound first
 * @down: thresholds that act when the value falls to their bound or
 *	below, highest bound first
 * @hi: the lowest bound in @up, S64_MAX if none
 * @lo: the highest bound in @down, S64_MIN if none
 *
 * After every evaluation at value v, @lo < v < @hi: an update that keeps
 * the value strictly between them changes nothing, which it finds out
 * with two comparisons however many thresholds there are.
 */
struct aggmon_bounds {
	struct rb_root_cached up;
	struct rb_root_cached down;
	s64 hi;
	s64 lo;
};

/**
 * struct aggmon_threshold - a threshold on a statistic
 * @node: in @stat's bounds (@up or @down), unless @parked
 * @bound: the value at which it acts next
 * @waits_up: @node is in the @up tree
 * @parked: it can never act again (its cancel bound is past S64_MIN or
 *	S64_MAX) and is in no tree
 * @fired: between firing and being cancelled or re-armed
 * @kind: an &enum aggmon_threshold_kind
 * @value: the value that fires it
 * @cancel: the value that cancels or re-arms it
 * @id: the id events carry
 * @seq: number of the last event it raised
 * @stat: the statistic it watches; holds a reference
 * @stat_node: in @stat's list of thresholds
 * @fn: callback, or NULL for a threshold read through its file
 * @data: argument of @fn
 * @flags: %AGGMON_THRESHOLD_DEFERRED or 0
 * @queue: events waiting for the reader or the deferred callback
 * @wait: readers of the file wait here
 * @wake: wakes readers and queues @work, from any context
 * @work: runs a deferred callback in process context
 * @read_mutex: serialises readers of the file
 * @owner: the uid that created it through the system call
 * @ucounts: the user charged for it, or NULL (created by kernel code)
 * @capped: counts against its gauge's %AGGMON_WATCH_UNPRIV_MAX
 */
struct aggmon_threshold {
	struct rb_node node;
	s64 bound;
	bool waits_up;
	bool parked;
	bool fired;
	u32 kind;
	s64 value;
	s64 cancel;
	u64 id;
	u64 seq;
	struct aggmon_stat *stat;
	struct list_head stat_node;
	aggmon_threshold_fn fn;
	void *data;
	unsigned int flags;
	struct aggmon_event_queue queue;
	wait_queue_head_t wait;
	struct irq_work wake;
	struct work_struct work;
	struct mutex read_mutex;	/* one reader at a time */
	kuid_t owner;
	struct ucounts *ucounts;
	bool capped;
};

void aggmon_bounds_init(struct aggmon_bounds *bounds);

/**
 * aggmon_bounds_hit() - might @value make a threshold act?
 * @bounds: the statistic's thresholds
 * @value: the statistic's new value
 *
 * Return: false if no threshold acts at @value.
 */
static inline bool aggmon_bounds_hit(const struct aggmon_bounds *bounds,
				     s64 value)
{
	return value >= bounds->hi || value <= bounds->lo;
}

int aggmon_threshold_check(u32 kind, s64 value, s64 cancel, u32 flags);
void aggmon_threshold_setup(struct aggmon_threshold *threshold, u32 kind,
			    s64 value, s64 cancel);
void aggmon_threshold_insert(struct aggmon_bounds *bounds,
			     struct aggmon_threshold *threshold, s64 value,
			     u64 now);
void aggmon_threshold_remove(struct aggmon_bounds *bounds,
			     struct aggmon_threshold *threshold);
void aggmon_thresholds_evaluate(struct aggmon_bounds *bounds, s64 value,
				u64 now, u32 flags);
void aggmon_threshold_gone(struct aggmon_threshold *threshold, u64 now);

struct file *aggmon_threshold_file_create(struct file *stat_file,
					  const struct aggmon_threshold_create_attr *attr,
					  u64 *id);

#endif /* _AGGMON_THRESHOLD_H */

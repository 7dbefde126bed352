// SPDX-License-Identifier: GPL-2.0-only
/*
 * aggmon - thresholds on statistics
 *
 * A threshold is always waiting for one thing: the statistic rising to a
 * bound or above, or falling to a bound or below.  An armed ABOVE
 * threshold waits for the value to rise to @value; once fired it waits
 * for the value to fall below @cancel (to @cancel - 1 or below), then it
 * is armed again (reporting the cancellation for the _CANCEL kinds).
 * BELOW thresholds are the mirror image.  With hysteresis @cancel lies
 * on the far side of @value, so a value that hovers around @value does
 * not flap.
 *
 * A statistic keeps its thresholds in two red-black trees keyed by that
 * bound: those waiting to rise (lowest bound first) and those waiting to
 * fall (highest first), with the nearest bound of each cached in
 * &struct aggmon_bounds, as memcg-v1 keeps its sorted threshold array
 * with a cursor.  After every evaluation at value v all rising bounds
 * are above v and all falling bounds below it, so an update that stays
 * strictly between the two cached bounds acts on nothing, whatever the
 * number of thresholds: two comparisons.  An update that reaches a bound
 * takes the thresholds off the front of the tree in bound order, acts on
 * each and puts it back in the other tree; a threshold acts at most once
 * per update, since its new bound lies behind the value.
 *
 * Delivery: a threshold read through a file queues its events
 * (event.c); a threshold with a callback calls it at once in the
 * updater's context, or queues the event and calls it later from a
 * workqueue (%AGGMON_THRESHOLD_DEFERRED).  Waking readers and queueing
 * that work happen from an irq_work, because the update runs under the
 * watch's raw spinlock, possibly in hardirq context, where a wait queue's
 * lock (a sleeping lock on PREEMPT_RT) may not be taken.
 */

#include <linux/anon_inodes.h>
#include <linux/cred.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/poll.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "core.h"
#include "quota.h"
#include "stat.h"
#include "watch.h"

#define AGGMON_THRESHOLD_FLAGS	AGGMON_THRESHOLD_HYSTERESIS

static struct aggmon_threshold *aggmon_node_threshold(const struct rb_node *node)
{
	return rb_entry(node, struct aggmon_threshold, node);
}

static bool aggmon_rises_first(struct rb_node *a, const struct rb_node *b)
{
	return aggmon_node_threshold(a)->bound < aggmon_node_threshold(b)->bound;
}

static bool aggmon_falls_first(struct rb_node *a, const struct rb_node *b)
{
	return aggmon_node_threshold(a)->bound > aggmon_node_threshold(b)->bound;
}

static bool aggmon_kind_above(u32 kind)
{
	return kind == AGGMON_THRESHOLD_ABOVE ||
	       kind == AGGMON_THRESHOLD_ABOVE_CANCEL;
}

static bool aggmon_kind_cancels(u32 kind)
{
	return kind == AGGMON_THRESHOLD_ABOVE_CANCEL ||
	       kind == AGGMON_THRESHOLD_BELOW_CANCEL;
}

/**
 * aggmon_bounds_init() - a statistic without thresholds
 * @bounds: the statistic's bounds
 */
void aggmon_bounds_init(struct aggmon_bounds *bounds)
{
	bounds->up = RB_ROOT_CACHED;
	bounds->down = RB_ROOT_CACHED;
	bounds->hi = S64_MAX;
	bounds->lo = S64_MIN;
}

static void aggmon_bounds_refresh(struct aggmon_bounds *bounds)
{
	struct rb_node *node;

	node = rb_first_cached(&bounds->up);
	bounds->hi = node ? aggmon_node_threshold(node)->bound : S64_MAX;
	node = rb_first_cached(&bounds->down);
	bounds->lo = node ? aggmon_node_threshold(node)->bound : S64_MIN;
}

static void aggmon_threshold_wait(struct aggmon_bounds *bounds,
				  struct aggmon_threshold *threshold,
				  bool rise, s64 bound)
{
	threshold->waits_up = rise;
	threshold->bound = bound;
	threshold->parked = false;
	if (rise)
		rb_add_cached(&threshold->node, &bounds->up, aggmon_rises_first);
	else
		rb_add_cached(&threshold->node, &bounds->down,
			      aggmon_falls_first);
}

/* Put @threshold in the tree its state waits in. */
static void aggmon_threshold_place(struct aggmon_bounds *bounds,
				   struct aggmon_threshold *threshold)
{
	bool above = aggmon_kind_above(threshold->kind);

	if (!threshold->fired)
		aggmon_threshold_wait(bounds, threshold, above,
				      threshold->value);
	else if (above && threshold->cancel != S64_MIN)
		aggmon_threshold_wait(bounds, threshold, false,
				      threshold->cancel - 1);
	else if (!above && threshold->cancel != S64_MAX)
		aggmon_threshold_wait(bounds, threshold, true,
				      threshold->cancel + 1);
	else
		threshold->parked = true;	/* no value can cancel it */
}

/* The threshold's next event: it takes the next sequence number. */
static struct aggmon_event aggmon_threshold_event(struct aggmon_threshold *threshold,
						  u32 type, s64 value, u64 now,
						  u32 flags)
{
	return (struct aggmon_event) {
		.seq = ++threshold->seq,
		.time_ns = now,
		.gauge_id = threshold->stat->gauge_id,
		.stat_id = threshold->stat->id,
		.threshold_id = threshold->id,
		.value = value,
		.type = type,
		.flags = flags,
	};
}

/* Its callback runs at once, instead of reading events from a queue. */
static bool aggmon_threshold_direct(const struct aggmon_threshold *threshold)
{
	return threshold->fn && !(threshold->flags & AGGMON_THRESHOLD_DEFERRED);
}

static void aggmon_threshold_emit(struct aggmon_threshold *threshold,
				  u32 type, s64 value, u64 now, u32 flags)
{
	struct aggmon_event event = aggmon_threshold_event(threshold, type,
							   value, now, flags);

	if (aggmon_threshold_direct(threshold)) {
		/* Interrupts are off: the callback stays on this CPU. */
		__this_cpu_inc(aggmon_in_callback);
		threshold->fn(&event, threshold->data);
		__this_cpu_dec(aggmon_in_callback);
		return;
	}
	aggmon_event_push(&threshold->queue, &event);
	irq_work_queue(&threshold->wake);
}

/* @threshold, out of its tree, has reached its bound at @value. */
static void aggmon_threshold_act(struct aggmon_bounds *bounds,
				 struct aggmon_threshold *threshold,
				 s64 value, u64 now, u32 flags)
{
	threshold->fired = !threshold->fired;
	if (threshold->fired)
		aggmon_threshold_emit(threshold, AGGMON_EVENT_FIRED, value,
				      now, flags);
	else if (aggmon_kind_cancels(threshold->kind))
		aggmon_threshold_emit(threshold, AGGMON_EVENT_CANCELLED, value,
				      now, flags);
	aggmon_threshold_place(bounds, threshold);
}

/**
 * aggmon_thresholds_evaluate() - act on the thresholds @value reaches
 * @bounds: the statistic's thresholds
 * @value: the statistic's new value
 * @now: the time of the change, in ns
 * @flags: flags for the events (%AGGMON_EVENT_F_TIMER)
 *
 * Thresholds act in the order of their bounds, nearest first.
 *
 * Context: the watch's lock held.
 */
void aggmon_thresholds_evaluate(struct aggmon_bounds *bounds, s64 value,
				u64 now, u32 flags)
{
	struct rb_node *node;

	while ((node = rb_first_cached(&bounds->up)) &&
	       aggmon_node_threshold(node)->bound <= value) {
		rb_erase_cached(node, &bounds->up);
		aggmon_threshold_act(bounds, aggmon_node_threshold(node),
				     value, now, flags);
	}
	while ((node = rb_first_cached(&bounds->down)) &&
	       aggmon_node_threshold(node)->bound >= value) {
		rb_erase_cached(node, &bounds->down);
		aggmon_threshold_act(bounds, aggmon_node_threshold(node),
				     value, now, flags);
	}
	aggmon_bounds_refresh(bounds);
}

/**
 * aggmon_threshold_check() - are these the parameters of a threshold?
 * @kind: an &enum aggmon_threshold_kind
 * @value: the value that fires it
 * @cancel: the value that cancels it, with %AGGMON_THRESHOLD_HYSTERESIS
 * @flags: %AGGMON_THRESHOLD_HYSTERESIS or 0
 *
 * Return: 0 or -EINVAL.
 */
int aggmon_threshold_check(u32 kind, s64 value, s64 cancel, u32 flags)
{
	if (kind > AGGMON_THRESHOLD_BELOW_CANCEL ||
	    (flags & ~AGGMON_THRESHOLD_FLAGS))
		return -EINVAL;
	if (!(flags & AGGMON_THRESHOLD_HYSTERESIS))
		return cancel ? -EINVAL : 0;
	if (aggmon_kind_above(kind) ? cancel > value : cancel < value)
		return -EINVAL;
	return 0;
}

/**
 * aggmon_threshold_setup() - set a threshold's parameters
 * @threshold: the threshold, zeroed
 * @kind: an &enum aggmon_threshold_kind
 * @value: the value that fires it
 * @cancel: the value that cancels it (@value without hysteresis)
 */
void aggmon_threshold_setup(struct aggmon_threshold *threshold, u32 kind,
			    s64 value, s64 cancel)
{
	threshold->kind = kind;
	threshold->value = value;
	threshold->cancel = cancel;
	threshold->id = aggmon_object_id();
}

/**
 * aggmon_threshold_insert() - start a threshold at the statistic's value
 * @bounds: the statistic's thresholds
 * @threshold: the threshold, set up
 * @value: the statistic's value
 * @now: the time, in ns
 *
 * A threshold already crossed at @value fires at once, with
 * %AGGMON_EVENT_F_INITIAL.
 *
 * Context: the watch's lock held.
 */
void aggmon_threshold_insert(struct aggmon_bounds *bounds,
			     struct aggmon_threshold *threshold, s64 value,
			     u64 now)
{
	bool above = aggmon_kind_above(threshold->kind);

	threshold->fired = above ? value >= threshold->value :
				   value <= threshold->value;
	if (threshold->fired)
		aggmon_threshold_emit(threshold, AGGMON_EVENT_FIRED, value, now,
				      AGGMON_EVENT_F_INITIAL);
	aggmon_threshold_place(bounds, threshold);
	aggmon_bounds_refresh(bounds);
}

/**
 * aggmon_threshold_remove() - take a threshold off its statistic
 * @bounds: the statistic's thresholds
 * @threshold: the threshold
 *
 * Context: the watch's lock held.
 */
void aggmon_threshold_remove(struct aggmon_bounds *bounds,
			     struct aggmon_threshold *threshold)
{
	if (!threshold->parked)
		rb_erase_cached(&threshold->node, threshold->waits_up ?
				&bounds->up : &bounds->down);
	threshold->parked = true;
	aggmon_bounds_refresh(bounds);
}

/**
 * aggmon_threshold_gone() - report that the gauge is gone
 * @threshold: a threshold of a statistic that no longer changes
 * @now: the time, in ns
 *
 * Context: process context, aggmon_watch_mutex held.
 */
void aggmon_threshold_gone(struct aggmon_threshold *threshold, u64 now)
{
	struct aggmon_event event = aggmon_threshold_event(threshold,
							   AGGMON_EVENT_GONE,
							   0, now, 0);

	if (aggmon_threshold_direct(threshold)) {
		threshold->fn(&event, threshold->data);
		return;
	}
	aggmon_event_push_gone(&threshold->queue, &event);
	irq_work_queue(&threshold->wake);
}

static void aggmon_threshold_wake(struct irq_work *work)
{
	struct aggmon_threshold *threshold =
		container_of(work, struct aggmon_threshold, wake);

	wake_up_all(&threshold->wait);
	if (threshold->fn)
		schedule_work(&threshold->work);
}

/* Calls a deferred callback for every queued event, in process context. */
static void aggmon_threshold_deferred(struct work_struct *work)
{
	struct aggmon_threshold *threshold =
		container_of(work, struct aggmon_threshold, work);
	struct aggmon_event event;

	while (aggmon_event_peek(&threshold->queue, &event)) {
		aggmon_event_consume(&threshold->queue);
		threshold->fn(&event, threshold->data);
	}
}

static struct aggmon_threshold *
aggmon_threshold_alloc(u32 kind, s64 value, s64 cancel, u32 flags,
		       u32 queue_len, gfp_t gfp)
{
	struct aggmon_threshold *threshold;

	threshold = kzalloc(sizeof(*threshold), gfp);
	if (!threshold)
		return NULL;
	if (aggmon_event_queue_init(&threshold->queue, queue_len, gfp)) {
		kfree(threshold);
		return NULL;
	}
	aggmon_threshold_setup(threshold, kind, value,
			       flags & AGGMON_THRESHOLD_HYSTERESIS ?
			       cancel : value);
	threshold->parked = true;
	INIT_LIST_HEAD(&threshold->stat_node);
	init_waitqueue_head(&threshold->wait);
	init_irq_work(&threshold->wake, aggmon_threshold_wake);
	INIT_WORK(&threshold->work, aggmon_threshold_deferred);
	mutex_init(&threshold->read_mutex);
	return threshold;
}

/* The memory of @threshold's queue, as charged to its user. */
static size_t aggmon_threshold_bytes(const struct aggmon_threshold *threshold)
{
	return (size_t)threshold->queue.size * sizeof(*threshold->queue.ring);
}

static void aggmon_threshold_free(struct aggmon_threshold *threshold)
{
	if (threshold->ucounts) {
		aggmon_quota_uncharge_bytes(threshold->ucounts,
					    aggmon_threshold_bytes(threshold));
		aggmon_quota_uncharge(AGGMON_QUOTA_THRESHOLDS,
				      threshold->ucounts);
	}
	aggmon_event_queue_free(&threshold->queue);
	mutex_destroy(&threshold->read_mutex);
	kfree(threshold);
}

/*
 * Start @threshold on @stat; it holds a reference to @stat from here.
 * @user: a caller through the system call, who may be capped.
 */
static int aggmon_threshold_attach(struct aggmon_stat *stat,
				   struct aggmon_threshold *threshold,
				   bool user)
{
	struct aggmon_watch *watch = stat->watch;
	unsigned long flags;
	int err;
	u64 now;

	guard(mutex)(&aggmon_watch_mutex);
	if (stat->gone)
		return -ENODEV;
	threshold->capped = user && aggmon_watch_capped(watch->entry);
	err = aggmon_watch_reserve(watch, threshold->capped);
	if (err)
		return err;
	kref_get(&stat->ref);
	threshold->stat = stat;
	flags = aggmon_watch_lock(watch);
	now = aggmon_now();
	aggmon_stat_advance(stat, now);
	aggmon_thresholds_evaluate(&stat->bounds, stat->value, now,
				   AGGMON_EVENT_F_TIMER);
	list_add_tail(&threshold->stat_node, &stat->thresholds);
	aggmon_threshold_insert(&stat->bounds, threshold, stat->value, now);
	aggmon_watch_unlock(watch, flags);
	return 0;
}

static void aggmon_threshold_detach(struct aggmon_threshold *threshold)
{
	struct aggmon_stat *stat = threshold->stat;
	struct aggmon_watch *watch = stat->watch;
	unsigned long flags;

	mutex_lock(&aggmon_watch_mutex);
	flags = aggmon_watch_lock(watch);
	aggmon_threshold_remove(&stat->bounds, threshold);
	list_del(&threshold->stat_node);
	aggmon_watch_unlock(watch, flags);
	aggmon_watch_unreserve(watch, threshold->capped);
	mutex_unlock(&aggmon_watch_mutex);
	/* Nothing queues the irq_work now; it may still queue the work. */
	irq_work_sync(&threshold->wake);
	cancel_work_sync(&threshold->work);
	aggmon_stat_put(stat);
}

/**
 * aggmon_threshold_create() - attach a threshold with a callback
 * @stat: the statistic, from aggmon_stat_create()
 * @kind: an &enum aggmon_threshold_kind
 * @value: the value that fires it
 * @cancel: with %AGGMON_THRESHOLD_HYSTERESIS, the value that cancels it:
 *	at most @value for the ABOVE kinds, at least @value for the BELOW
 *	kinds; else 0
 * @flags: %AGGMON_THRESHOLD_HYSTERESIS, %AGGMON_THRESHOLD_DEFERRED
 * @fn: the callback (see &typedef aggmon_threshold_fn for its context)
 * @data: its argument
 *
 * A threshold that @stat has already crossed fires at once, from here.
 *
 * Context: process context, may sleep.
 * Return: the threshold, or an ERR_PTR(): -EINVAL for bad parameters or
 * no @fn, -ENODEV if the gauge is gone, -ENOMEM.
 */
struct aggmon_threshold *
aggmon_threshold_create(struct aggmon_stat *stat,
			enum aggmon_threshold_kind kind, s64 value,
			s64 cancel, unsigned int flags,
			aggmon_threshold_fn fn, void *data)
{
	struct aggmon_threshold *threshold;
	int err;

	err = aggmon_threshold_check(kind, value, cancel,
				     flags & ~AGGMON_THRESHOLD_DEFERRED);
	if (err || !fn)
		return ERR_PTR(-EINVAL);
	threshold = aggmon_threshold_alloc(kind, value, cancel, flags,
					   AGGMON_QUEUE_LEN_DEFAULT,
					   GFP_KERNEL);
	if (!threshold)
		return ERR_PTR(-ENOMEM);
	threshold->fn = fn;
	threshold->data = data;
	threshold->flags = flags & AGGMON_THRESHOLD_DEFERRED;
	err = aggmon_threshold_attach(stat, threshold, false);
	if (err) {
		aggmon_threshold_free(threshold);
		return ERR_PTR(err);
	}
	return threshold;
}
EXPORT_SYMBOL_GPL(aggmon_threshold_create);

/**
 * aggmon_threshold_destroy() - remove a threshold
 * @threshold: from aggmon_threshold_create()
 *
 * Once this returns the callback is not running and will not run again.
 *
 * Context: process context, may sleep.
 */
void aggmon_threshold_destroy(struct aggmon_threshold *threshold)
{
	aggmon_threshold_detach(threshold);
	aggmon_threshold_free(threshold);
}
EXPORT_SYMBOL_GPL(aggmon_threshold_destroy);

static ssize_t aggmon_threshold_read(struct file *file, char __user *buf,
				     size_t count, loff_t *ppos)
{
	struct aggmon_threshold *threshold = file->private_data;
	struct aggmon_event_queue *queue = &threshold->queue;
	struct aggmon_event event;
	ssize_t done = 0;
	int err = 0;

	if (count < sizeof(event))
		return -EINVAL;
	/* Another reader may be asleep holding the mutex. */
	if (file->f_flags & O_NONBLOCK) {
		if (!mutex_trylock(&threshold->read_mutex))
			return -EAGAIN;
	} else if (mutex_lock_interruptible(&threshold->read_mutex)) {
		return -ERESTARTSYS;
	}
	while (!done && !err) {
		while (done + sizeof(event) <= count &&
		       aggmon_event_peek(queue, &event)) {
			if (copy_to_user(buf + done, &event, sizeof(event))) {
				err = -EFAULT;
				break;
			}
			aggmon_event_consume(queue);
			done += sizeof(event);
		}
		if (done || err)
			break;
		if (aggmon_event_finished(queue))
			err = -ENODEV;
		else if (file->f_flags & O_NONBLOCK)
			err = -EAGAIN;
		else
			err = wait_event_interruptible(threshold->wait,
						       aggmon_event_readable(queue) ||
						       aggmon_event_finished(queue));
	}
	mutex_unlock(&threshold->read_mutex);
	return done ?: err;
}

static __poll_t aggmon_threshold_poll(struct file *file,
				      struct poll_table_struct *wait)
{
	struct aggmon_threshold *threshold = file->private_data;
	__poll_t mask = 0;

	poll_wait(file, &threshold->wait, wait);
	if (aggmon_event_readable(&threshold->queue))
		mask |= EPOLLIN | EPOLLRDNORM;
	if (READ_ONCE(threshold->queue.gone))
		mask |= EPOLLHUP;
	return mask;
}

static int aggmon_threshold_release(struct inode *inode, struct file *file)
{
	aggmon_threshold_destroy(file->private_data);
	return 0;
}

static void aggmon_threshold_show_fdinfo(struct seq_file *m,
					 struct file *file)
{
	struct aggmon_threshold *threshold = file->private_data;

	seq_printf(m, "aggmon-threshold-id:\t%llu\n", threshold->id);
	seq_printf(m, "aggmon-stat-id:\t%llu\n", threshold->stat->id);
	seq_printf(m, "aggmon-threshold-kind:\t%u\n", threshold->kind);
	seq_printf(m, "aggmon-value:\t%lld\n", threshold->value);
	seq_printf(m, "aggmon-cancel:\t%lld\n", threshold->cancel);
	seq_printf(m, "aggmon-queue-len:\t%u\n", threshold->queue.size);
}

static const struct file_operations aggmon_threshold_fops = {
	.read		= aggmon_threshold_read,
	.poll		= aggmon_threshold_poll,
	.release	= aggmon_threshold_release,
	.show_fdinfo	= aggmon_threshold_show_fdinfo,
	.llseek		= noop_llseek,
};

/**
 * aggmon_threshold_file_create() - create a threshold read through a file
 * @stat_file: the statistic's file
 * @attr: what userspace asked for; id already checked
 * @id: receives the threshold's id
 *
 * Return: the file, or an ERR_PTR(): -EINVAL if @stat_file is not a
 * statistic's or for bad parameters, -ENODEV if the gauge is gone,
 * -EMFILE when the uid holds its cap, -EDQUOT when the queue would take
 * it past its memory quota, -ENOSPC when the gauge holds its cap for the
 * caller (aggmon_watch_capped()), -ENOMEM.
 */
struct file *aggmon_threshold_file_create(struct file *stat_file,
					  const struct aggmon_threshold_create_attr *attr,
					  u64 *id)
{
	struct aggmon_stat *stat = aggmon_stat_from_file(stat_file);
	struct aggmon_threshold *threshold;
	kuid_t uid = current_uid();
	struct ucounts *ucounts;
	struct file *file;
	int err;

	if (!stat || attr->queue_len > AGGMON_QUEUE_LEN_MAX)
		return ERR_PTR(-EINVAL);
	err = aggmon_threshold_check(attr->kind, attr->value, attr->cancel,
				     attr->flags);
	if (err)
		return ERR_PTR(err);
	ucounts = aggmon_quota_charge(AGGMON_QUOTA_THRESHOLDS);
	if (IS_ERR(ucounts))
		return ERR_CAST(ucounts);
	threshold = aggmon_threshold_alloc(attr->kind, attr->value,
					   attr->cancel, attr->flags,
					   attr->queue_len ?:
					   AGGMON_QUEUE_LEN_DEFAULT,
					   GFP_KERNEL_ACCOUNT);
	if (!threshold) {
		aggmon_quota_uncharge(AGGMON_QUOTA_THRESHOLDS, ucounts);
		return ERR_PTR(-ENOMEM);
	}
	threshold->owner = uid;
	err = aggmon_quota_charge_bytes(ucounts,
					aggmon_threshold_bytes(threshold));
	if (err) {
		aggmon_threshold_free(threshold);
		aggmon_quota_uncharge(AGGMON_QUOTA_THRESHOLDS, ucounts);
		return ERR_PTR(err);
	}
	threshold->ucounts = ucounts;
	err = aggmon_threshold_attach(stat, threshold, true);
	if (err) {
		aggmon_threshold_free(threshold);
		return ERR_PTR(err);
	}
	file = anon_inode_getfile("[aggmon_threshold]", &aggmon_threshold_fops,
				  threshold, O_RDONLY);
	if (IS_ERR(file)) {
		aggmon_threshold_destroy(threshold);
		return file;
	}
	*id = threshold->id;
	return file;
}

#ifdef CONFIG_AGGMON_KUNIT_TEST
#include "tests/threshold_kunit.h"
#endif

// SPDX-License-Identifier: GPL-2.0-only
/*
 * aggmon sample: thresholds with callbacks
 *
 * "sample.queue" stands for the depth of a device's request queues,
 * items "a" and "b".  A timer plays the device: every 10 ms it enqueues
 * or dequeues requests, so that each depth rises from 0 to its top and
 * falls back, as a driver's submission and completion paths would move
 * it.
 *
 * A statistic on queue a (its absolute value) carries two thresholds:
 *
 *   high  ABOVE_CANCEL at 80, cancelled below 60: the hysteresis keeps a
 *         depth that hovers around 80 from firing at every request.  Its
 *         callback runs at once, in the context of the update that
 *         crossed it: here the timer's softirq, with interrupts off and
 *         the gauge's watch lock held.  It must not sleep, update a gauge
 *         or read a statistic, so it only counts.
 *   full  ABOVE at 100, deferred: its callback runs later from the
 *         system workqueue, in process context, and may sleep.  That is
 *         where a driver acts on an event (throttles the producer, grows
 *         the queue, tells someone); this one logs, at most once a
 *         minute.
 *
 * The thresholds attach while the queues run and detach while they still
 * run, as monitoring would on a live device.  The counts of events go to
 * the log at unload.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/aggmon.h>
#include <linux/jiffies.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/module.h>
#include <linux/ratelimit.h>
#include <linux/timer.h>

DEFINE_AGGMON_CLASS(sample_queue_class, "sample.queue", "requests");

#define SAMPLE_PERIOD		msecs_to_jiffies(10)
#define SAMPLE_HIGH		80
#define SAMPLE_HIGH_CANCEL	60
#define SAMPLE_FULL		100

struct sample_queue {
	struct aggmon_gauge depth;
	const char *item;
	int len;	/* the driver's own count of queued requests */
	int top;	/* the depth at which the pattern turns down */
	int step;	/* requests enqueued (> 0) or dequeued per tick */
};

static struct sample_queue sample_queues[] = {
	{ .item = "a", .top = SAMPLE_FULL, .step = 1 },	/* a wave in ~2 s */
	{ .item = "b", .top = 40, .step = 2 },		/* unwatched */
};

static struct timer_list sample_timer;
static struct aggmon_stat *sample_stat;
static struct aggmon_threshold *sample_high;
static struct aggmon_threshold *sample_full;

struct sample_counts {
	unsigned int fired;
	unsigned int cancelled;
	unsigned int gone;
	u64 lost;
};

/*
 * Each is written only by its threshold's callback, which never runs
 * twice at once, and read at unload, once the callback cannot run.
 */
static struct sample_counts sample_high_counts;
static struct sample_counts sample_full_counts;

/* At most one line a minute, however fast the queue fills. */
static DEFINE_RATELIMIT_STATE(sample_full_ratelimit, 60 * HZ, 1);

/* Enqueue or dequeue, turning at the top and at 0. */
static void sample_queue_tick(struct sample_queue *q)
{
	if (q->len + q->step > q->top || q->len + q->step < 0)
		q->step = -q->step;
	q->len += q->step;
	aggmon_gauge_add(&q->depth, q->step);
}

static void sample_timer_fn(struct timer_list *timer)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sample_queues); i++)
		sample_queue_tick(&sample_queues[i]);
	mod_timer(timer, jiffies + SAMPLE_PERIOD);
}

/*
 * Called in the updater's context (for an AGGMON_EVENT_F_INITIAL event,
 * that of aggmon_threshold_create()'s caller), with interrupts off and
 * the gauge's watch lock held: no sleeping, no gauge updates, and no
 * aggmon_stat_value(), which takes that lock.  Count and return.
 */
static void sample_high_fn(const struct aggmon_event *event, void *data)
{
	struct sample_counts *counts = data;

	switch (event->type) {
	case AGGMON_EVENT_FIRED:
		counts->fired++;
		break;
	case AGGMON_EVENT_CANCELLED:
		counts->cancelled++;
		break;
	case AGGMON_EVENT_GONE:
		/*
		 * The gauge was destroyed while this threshold watched it;
		 * nothing follows.  It comes from aggmon_gauge_destroy()'s
		 * caller, in process context but under the lock that
		 * serialises creation and removal, so the threshold cannot
		 * be destroyed from here: its owner still does that.
		 */
		counts->gone++;
		break;
	}
}

/*
 * Called from the system workqueue, in process context, some time after
 * the update: it may sleep.  Events wait for it in a queue of
 * AGGMON_QUEUE_LEN_DEFAULT records; those that did not fit are counted
 * in @lost of the next record, or of an AGGMON_EVENT_LOST record that
 * reports nothing else.
 */
static void sample_full_fn(const struct aggmon_event *event, void *data)
{
	struct sample_counts *counts = data;

	might_sleep();	/* checked with CONFIG_DEBUG_ATOMIC_SLEEP */
	counts->lost += event->lost;
	switch (event->type) {
	case AGGMON_EVENT_FIRED:
		counts->fired++;
		if (__ratelimit(&sample_full_ratelimit))
			pr_info("queue a full (%lld), handled %llu us later\n",
				event->value,
				div_u64(ktime_get_ns() - event->time_ns,
					NSEC_PER_USEC));
		break;
	case AGGMON_EVENT_GONE:
		/*
		 * As for the high threshold, but later, and only if the
		 * threshold still exists when the work runs:
		 * aggmon_threshold_destroy() drops the events still
		 * queued.  A deferred callback must not destroy its own
		 * threshold either.
		 */
		counts->gone++;
		break;
	}
}

static int sample_watch_start(struct aggmon_gauge *gauge)
{
	int err;

	sample_stat = aggmon_stat_create(gauge, AGGMON_STAT_ABSOLUTE, 0, 0);
	if (IS_ERR(sample_stat))
		return PTR_ERR(sample_stat);

	sample_high = aggmon_threshold_create(sample_stat,
					      AGGMON_THRESHOLD_ABOVE_CANCEL,
					      SAMPLE_HIGH, SAMPLE_HIGH_CANCEL,
					      AGGMON_THRESHOLD_HYSTERESIS,
					      sample_high_fn,
					      &sample_high_counts);
	err = PTR_ERR_OR_ZERO(sample_high);
	if (err)
		goto destroy_stat;

	sample_full = aggmon_threshold_create(sample_stat,
					      AGGMON_THRESHOLD_ABOVE,
					      SAMPLE_FULL, 0,
					      AGGMON_THRESHOLD_DEFERRED,
					      sample_full_fn,
					      &sample_full_counts);
	err = PTR_ERR_OR_ZERO(sample_full);
	if (err)
		goto destroy_high;
	return 0;

destroy_high:
	aggmon_threshold_destroy(sample_high);
destroy_stat:
	aggmon_stat_destroy(sample_stat);
	return err;
}

/*
 * Thresholds first: once aggmon_threshold_destroy() returns, the callback
 * is not running and never will again (a deferred one's work is cancelled
 * or waited for), so its counts are final and the module's code may go.
 * The timer may go on updating the gauge meanwhile: destroy takes back
 * every CPU's budget and orders itself with the updates under the watch
 * lock, so a driver can stop monitoring a device without stopping the
 * device.
 *
 * Then the statistic: the thresholds held references to it, so destroying
 * it first would only have put off its end.  With the gauge's last
 * statistic gone, updates of the gauge are back on the unwatched path.
 */
static void sample_watch_stop(void)
{
	aggmon_threshold_destroy(sample_full);
	aggmon_threshold_destroy(sample_high);
	aggmon_stat_destroy(sample_stat);
}

/*
 * Then the updater, then the gauges: aggmon_gauge_destroy() frees the
 * per-CPU shares that an update adds to, so nothing may update a gauge
 * from then on.  Had the gauges gone while still watched, the thresholds
 * would have got AGGMON_EVENT_GONE and would still need destroying.
 */
static void sample_queues_stop(void)
{
	unsigned int i;

	timer_shutdown_sync(&sample_timer);
	for (i = 0; i < ARRAY_SIZE(sample_queues); i++)
		aggmon_gauge_destroy(&sample_queues[i].depth);
}

static int __init aggmon_threshold_sample_init(void)
{
	unsigned int i;
	int err;

	/* A gauge that failed to set up is still safe to update. */
	for (i = 0; i < ARRAY_SIZE(sample_queues); i++) {
		err = aggmon_gauge_init(&sample_queues[i].depth,
					&sample_queue_class,
					sample_queues[i].item);
		if (err)
			pr_warn("no gauge for queue %s: %d\n",
				sample_queues[i].item, err);
	}
	timer_setup(&sample_timer, sample_timer_fn, 0);
	mod_timer(&sample_timer, jiffies + SAMPLE_PERIOD);

	/* Without its thresholds this sample has nothing to show. */
	err = sample_watch_start(&sample_queues[0].depth);
	if (err) {
		pr_warn("no thresholds on queue a: %d\n", err);
		sample_queues_stop();
	}
	return err;
}

static void __exit aggmon_threshold_sample_exit(void)
{
	sample_watch_stop();
	sample_queues_stop();
	pr_info("high: %u fired, %u cancelled, %u gone; full: %u fired, %llu lost, %u gone\n",
		sample_high_counts.fired, sample_high_counts.cancelled,
		sample_high_counts.gone, sample_full_counts.fired,
		sample_full_counts.lost, sample_full_counts.gone);
}

module_init(aggmon_threshold_sample_init);
module_exit(aggmon_threshold_sample_exit);
MODULE_DESCRIPTION("aggmon sample: threshold callbacks, direct and deferred");
MODULE_LICENSE("GPL");

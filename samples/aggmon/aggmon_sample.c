// SPDX-License-Identifier: GPL-2.0-only
/*
 * aggmon sample: a gauge class with two items
 *
 * "sample.ticks" counts timer callbacks: item "timer" from a timer_list
 * every 10 ms (softirq context) and item "hrtimer" from an hrtimer every
 * millisecond (hardirq context).  This is the whole pattern a driver
 * follows: define the class once, embed a gauge per instance in the
 * instance's structure, set it up when the instance appears, update it
 * from wherever the event happens, destroy it when the instance goes
 * away.  A gauge whose set-up failed is still safe to update, so a
 * driver need not fail because its monitoring did.
 */

#include <linux/aggmon.h>
#include <linux/hrtimer.h>
#include <linux/jiffies.h>
#include <linux/module.h>
#include <linux/timer.h>

DEFINE_AGGMON_CLASS(sample_ticks, "sample.ticks", "ticks");

static struct {
	struct timer_list timer;
	struct aggmon_gauge ticks;
} sample_timer;

static struct {
	struct hrtimer timer;
	struct aggmon_gauge ticks;
} sample_hrtimer;

#define SAMPLE_TIMER_PERIOD	msecs_to_jiffies(10)
#define SAMPLE_HRTIMER_PERIOD	ms_to_ktime(1)

static void sample_timer_fn(struct timer_list *timer)
{
	aggmon_gauge_inc(&sample_timer.ticks);
	mod_timer(timer, jiffies + SAMPLE_TIMER_PERIOD);
}

static enum hrtimer_restart sample_hrtimer_fn(struct hrtimer *timer)
{
	aggmon_gauge_inc(&sample_hrtimer.ticks);
	hrtimer_forward_now(timer, SAMPLE_HRTIMER_PERIOD);
	return HRTIMER_RESTART;
}

static int __init aggmon_sample_init(void)
{
	int err;

	err = aggmon_gauge_init(&sample_timer.ticks, &sample_ticks, "timer");
	if (err)
		pr_warn("aggmon sample: no timer gauge: %d\n", err);
	err = aggmon_gauge_init(&sample_hrtimer.ticks, &sample_ticks, "hrtimer");
	if (err)
		pr_warn("aggmon sample: no hrtimer gauge: %d\n", err);

	timer_setup(&sample_timer.timer, sample_timer_fn, 0);
	mod_timer(&sample_timer.timer, jiffies + SAMPLE_TIMER_PERIOD);
	hrtimer_init(&sample_hrtimer.timer, CLOCK_MONOTONIC,
		     HRTIMER_MODE_REL_HARD);
	sample_hrtimer.timer.function = sample_hrtimer_fn;
	hrtimer_start(&sample_hrtimer.timer, SAMPLE_HRTIMER_PERIOD,
		      HRTIMER_MODE_REL_HARD);
	return 0;
}

static void __exit aggmon_sample_exit(void)
{
	/* Stop the updaters before the gauges go. */
	hrtimer_cancel(&sample_hrtimer.timer);
	timer_shutdown_sync(&sample_timer.timer);
	aggmon_gauge_destroy(&sample_hrtimer.ticks);
	aggmon_gauge_destroy(&sample_timer.ticks);
}

module_init(aggmon_sample_init);
module_exit(aggmon_sample_exit);
MODULE_DESCRIPTION("aggmon sample: gauges updated from softirq and hardirq");
MODULE_LICENSE("GPL");

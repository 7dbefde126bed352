// SPDX-License-Identifier: GPL-2.0-only
/*
 * aggmon sample: a gauge class with two items
 *
 * "sample.ticks" counts timer callbacks: item "timer" from a timer_list
 * every 10 ms (softirq context) and item "hrtimer" from an hrtimer every
 * millisecond (hardirq context).  This is the whole pattern a driver
 * follows: define the class once, create an item per instance when the
 * instance appears, update it from wherever the event happens, destroy
 * it when the instance goes away.
 */

#include <linux/aggmon.h>
#include <linux/hrtimer.h>
#include <linux/jiffies.h>
#include <linux/module.h>
#include <linux/timer.h>

DEFINE_AGGMON_CLASS(sample_ticks, "sample.ticks", "ticks");

static struct aggmon_gauge *timer_ticks;
static struct aggmon_gauge *hrtimer_ticks;
static struct timer_list sample_timer;
static struct hrtimer sample_hrtimer;

#define SAMPLE_TIMER_PERIOD	msecs_to_jiffies(10)
#define SAMPLE_HRTIMER_PERIOD	ms_to_ktime(1)

static void sample_timer_fn(struct timer_list *timer)
{
	aggmon_gauge_inc(timer_ticks);
	mod_timer(timer, jiffies + SAMPLE_TIMER_PERIOD);
}

static enum hrtimer_restart sample_hrtimer_fn(struct hrtimer *timer)
{
	aggmon_gauge_inc(hrtimer_ticks);
	hrtimer_forward_now(timer, SAMPLE_HRTIMER_PERIOD);
	return HRTIMER_RESTART;
}

static int __init aggmon_sample_init(void)
{
	timer_ticks = aggmon_gauge_create(&sample_ticks, "timer");
	if (IS_ERR(timer_ticks))
		return PTR_ERR(timer_ticks);
	hrtimer_ticks = aggmon_gauge_create(&sample_ticks, "hrtimer");
	if (IS_ERR(hrtimer_ticks)) {
		aggmon_gauge_destroy(timer_ticks);
		return PTR_ERR(hrtimer_ticks);
	}

	timer_setup(&sample_timer, sample_timer_fn, 0);
	mod_timer(&sample_timer, jiffies + SAMPLE_TIMER_PERIOD);
	hrtimer_init(&sample_hrtimer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
	sample_hrtimer.function = sample_hrtimer_fn;
	hrtimer_start(&sample_hrtimer, SAMPLE_HRTIMER_PERIOD,
		      HRTIMER_MODE_REL_HARD);
	return 0;
}

static void __exit aggmon_sample_exit(void)
{
	/* Stop the updaters before the gauges go. */
	hrtimer_cancel(&sample_hrtimer);
	timer_shutdown_sync(&sample_timer);
	aggmon_gauge_destroy(hrtimer_ticks);
	aggmon_gauge_destroy(timer_ticks);
}

module_init(aggmon_sample_init);
module_exit(aggmon_sample_exit);
MODULE_DESCRIPTION("aggmon sample: gauges updated from softirq and hardirq");
MODULE_LICENSE("GPL");

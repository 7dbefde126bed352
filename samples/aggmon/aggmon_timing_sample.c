// SPDX-License-Identifier: GPL-2.0-only
/*
 * aggmon sample: timing a section of code
 *
 * Four work items stand for a driver's requests.  Every 100 ms each one
 * busy-waits for a time that grows with its number: udelay() of 0 to
 * 100 us.  AGGMON_TIME_START() and AGGMON_TIME_END() time that wait into
 * the kernel aggregation "sample.work_ns", a power-of-two histogram
 * (quantize) of nanoseconds for each work item, the item's number being
 * the explicit key.  The delay asked for goes into "sample.work_delay_us",
 * a linear histogram (lquantize) in steps of 10 us, through
 * aggmon_aggregate() itself.  "aggmon agg dump name sample.work_ns" shows
 * one histogram per work item.
 *
 * The hooks cost the timed code one clock read; the value is folded into
 * this CPU's buffer, allocated at creation, after the second read.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/aggmon.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/module.h>
#include <linux/random.h>
#include <linux/workqueue.h>

#define SAMPLE_WORKS		4
#define SAMPLE_PERIOD		msecs_to_jiffies(100)
#define SAMPLE_SPREAD_US	25	/* item n waits n * 25 us, up to 25 more */

static const struct aggmon_agg_def sample_work_ns_def = {
	.name = "sample.work_ns",
	.func = AGGMON_AGG_QUANTIZE,
	.nkeys = 1,
	.keys = { AGGMON_KEY_ARG },
	/* Per CPU, a data set for each work item: keys beyond are dropped. */
	.entries = SAMPLE_WORKS,
};

static const struct aggmon_agg_def sample_delay_us_def = {
	.name = "sample.work_delay_us",
	.func = AGGMON_AGG_LQUANTIZE,
	.low = 0,
	.high = SAMPLE_WORKS * SAMPLE_SPREAD_US,
	.step = 10,
	/* No key: one data set per CPU, which readers merge. */
	.entries = 1,
};

static struct aggmon_agg *sample_work_ns;
static struct aggmon_agg *sample_delay_us;

static struct sample_work {
	struct delayed_work dwork;
	unsigned int nr;
} sample_works[SAMPLE_WORKS];

static void sample_work_fn(struct work_struct *work)
{
	struct sample_work *sw = container_of(to_delayed_work(work),
					      struct sample_work, dwork);
	/* One u64 per AGGMON_KEY_ARG of the key, in order. */
	u64 args[] = { sw->nr };
	unsigned int us;
	u64 stamp;

	us = sw->nr * SAMPLE_SPREAD_US +
	     get_random_u32_below(SAMPLE_SPREAD_US);

	/*
	 * system_wq runs a work item on a worker bound to one CPU, so both
	 * stamps read the same CPU's clock, as an exact duration needs.
	 */
	AGGMON_TIME_START(stamp);
	udelay(us);
	AGGMON_TIME_END(sample_work_ns, stamp, args);

	aggmon_aggregate(sample_delay_us, us, NULL);
	schedule_delayed_work(&sw->dwork, SAMPLE_PERIOD);
}

static int __init aggmon_timing_sample_init(void)
{
	unsigned int i;

	/*
	 * aggmon_aggregate(), the timing hooks and aggmon_agg_destroy()
	 * ignore an aggregation that could not be created, so a driver
	 * need not fail, nor check at every call, because monitoring did.
	 */
	sample_work_ns = aggmon_agg_create(&sample_work_ns_def);
	if (IS_ERR(sample_work_ns))
		pr_warn("no %s: %pe\n", sample_work_ns_def.name, sample_work_ns);
	sample_delay_us = aggmon_agg_create(&sample_delay_us_def);
	if (IS_ERR(sample_delay_us))
		pr_warn("no %s: %pe\n", sample_delay_us_def.name,
			sample_delay_us);

	for (i = 0; i < SAMPLE_WORKS; i++) {
		sample_works[i].nr = i;
		INIT_DELAYED_WORK(&sample_works[i].dwork, sample_work_fn);
		schedule_delayed_work(&sample_works[i].dwork, SAMPLE_PERIOD);
	}
	return 0;
}

static void __exit aggmon_timing_sample_exit(void)
{
	unsigned int i;

	/*
	 * The work first: nothing may feed an aggregation once
	 * aggmon_agg_destroy() is called.  cancel_delayed_work_sync()
	 * stops a work item that queues itself again, and waits for it.
	 */
	for (i = 0; i < SAMPLE_WORKS; i++)
		cancel_delayed_work_sync(&sample_works[i].dwork);

	/* A reader that has one open keeps it, marked gone. */
	aggmon_agg_destroy(sample_delay_us);
	aggmon_agg_destroy(sample_work_ns);
}

module_init(aggmon_timing_sample_init);
module_exit(aggmon_timing_sample_exit);
MODULE_DESCRIPTION("aggmon sample: a section timed into an aggregation");
MODULE_LICENSE("GPL");

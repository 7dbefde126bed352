/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KUnit tests of the watch's two paths, included at the end of watch.c:
 * budgets far from every bound, the lock near one, the switch between
 * them, and crossings reached through budgets.
 */
#include <kunit/test.h>

struct aggmon_test_watch {
	struct aggmon_gauge_entry *entry;
	struct aggmon_gauge *gauge;
	s64 fired[8];
	unsigned int nr_fired;
};

static void aggmon_test_watch_record(const struct aggmon_event *event,
				     void *data)
{
	struct aggmon_test_watch *tw = data;

	if (event->type == AGGMON_EVENT_FIRED &&
	    tw->nr_fired < ARRAY_SIZE(tw->fired))
		tw->fired[tw->nr_fired++] = event->value;
}

static void aggmon_test_watch_init(struct kunit *test,
				   struct aggmon_test_watch *tw,
				   const char *item)
{
	memset(tw, 0, sizeof(*tw));
	tw->entry = aggmon_gauge_register(NULL, "test.watch", item, NULL,
					  AGGMON_GAUGE_KERNEL, 0);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, tw->entry);
	tw->gauge = tw->entry->gauge;
}

static struct aggmon_stat *aggmon_test_watch_stat(struct kunit *test,
						  struct aggmon_test_watch *tw,
						  enum aggmon_stat_kind kind,
						  u64 period_ns, s64 drain)
{
	struct aggmon_stat *stat;

	stat = aggmon_stat_create(tw->gauge, kind, period_ns, drain);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, stat);
	return stat;
}

static struct aggmon_threshold *
aggmon_test_watch_threshold(struct kunit *test, struct aggmon_test_watch *tw,
			    struct aggmon_stat *stat,
			    enum aggmon_threshold_kind kind, s64 value)
{
	struct aggmon_threshold *threshold;

	threshold = aggmon_threshold_create(stat, kind, value, 0, 0,
					    aggmon_test_watch_record, tw);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, threshold);
	return threshold;
}

static struct aggmon_watch *aggmon_test_watch_of(struct aggmon_test_watch *tw)
{
	return rcu_access_pointer(tw->entry->watch);
}

/* Whether budgets are out: under the raw lock, which recalls nothing. */
static bool aggmon_test_budgets_out(struct aggmon_test_watch *tw)
{
	struct aggmon_watch *watch = aggmon_test_watch_of(tw);
	unsigned long flags;
	bool out;

	raw_spin_lock_irqsave(&watch->lock, flags);
	out = aggmon_budget_out(&watch->budget);
	raw_spin_unlock_irqrestore(&watch->lock, flags);
	return out;
}

static s64 aggmon_test_stat_value(struct kunit *test, struct aggmon_stat *stat)
{
	s64 value = 0;

	KUNIT_EXPECT_EQ(test, aggmon_stat_value(stat, &value), 0);
	return value;
}

/*
 * Far from a threshold, updates spend from the budget: the statistic's
 * own copy of the level lags until a read recalls, which makes it exact.
 */
static void aggmon_test_watch_far(struct kunit *test)
{
	struct aggmon_test_watch tw;
	struct aggmon_threshold *threshold;
	struct aggmon_stat *stat;
	int i;

	aggmon_test_watch_init(test, &tw, "far");
	stat = aggmon_test_watch_stat(test, &tw, AGGMON_STAT_ABSOLUTE, 0, 0);
	threshold = aggmon_test_watch_threshold(test, &tw, stat,
						AGGMON_THRESHOLD_ABOVE,
						1000000);
	KUNIT_EXPECT_TRUE(test, aggmon_test_budgets_out(&tw));
	for (i = 0; i < 100; i++)
		aggmon_gauge_add(tw.gauge, i & 1 ? -3 : 5);
	/* 50 * 5 - 50 * 3: spent from the budget, not folded. */
	KUNIT_EXPECT_EQ(test, stat->level, 0);
	KUNIT_EXPECT_EQ(test, aggmon_test_stat_value(test, stat), 100);
	KUNIT_EXPECT_EQ(test, stat->level, 100);
	KUNIT_EXPECT_EQ(test, aggmon_gauge_read(tw.gauge), 100);
	KUNIT_EXPECT_EQ(test, tw.nr_fired, 0);

	aggmon_threshold_destroy(threshold);
	aggmon_stat_destroy(stat);
	aggmon_gauge_unregister(tw.entry);
}

/*
 * Near a threshold the gauge is serialised: each update is folded at
 * once.  Moving away hands out budgets again; coming back takes them.
 */
static void aggmon_test_watch_switch(struct kunit *test)
{
	s64 near = 10 * num_online_cpus();
	struct aggmon_threshold *above, *below;
	struct aggmon_test_watch tw;
	struct aggmon_stat *stat;

	aggmon_test_watch_init(test, &tw, "switch");
	stat = aggmon_test_watch_stat(test, &tw, AGGMON_STAT_ABSOLUTE, 0, 0);
	KUNIT_EXPECT_TRUE(test, aggmon_test_budgets_out(&tw));
	/* Fewer than AGGMON_BUDGET_MIN per CPU either way: serialised. */
	above = aggmon_test_watch_threshold(test, &tw, stat,
					    AGGMON_THRESHOLD_ABOVE, near);
	below = aggmon_test_watch_threshold(test, &tw, stat,
					    AGGMON_THRESHOLD_BELOW, -near);
	KUNIT_EXPECT_FALSE(test, aggmon_test_budgets_out(&tw));
	aggmon_gauge_add(tw.gauge, 1);
	KUNIT_EXPECT_EQ(test, stat->level, 1);	/* folded at once */

	/* Room below but not above: still serialised. */
	aggmon_threshold_destroy(below);
	KUNIT_EXPECT_FALSE(test, aggmon_test_budgets_out(&tw));
	aggmon_gauge_add(tw.gauge, -2);
	KUNIT_EXPECT_EQ(test, stat->level, -1);
	/* Room both ways once the ABOVE bound goes too. */
	aggmon_threshold_destroy(above);
	KUNIT_EXPECT_TRUE(test, aggmon_test_budgets_out(&tw));
	aggmon_gauge_add(tw.gauge, -3);
	KUNIT_EXPECT_EQ(test, stat->level, -1);	/* spent, not folded */
	KUNIT_EXPECT_EQ(test, aggmon_test_stat_value(test, stat), -4);

	/* Back near both bounds: the budgets are taken back. */
	above = aggmon_test_watch_threshold(test, &tw, stat,
					    AGGMON_THRESHOLD_ABOVE, near);
	below = aggmon_test_watch_threshold(test, &tw, stat,
					    AGGMON_THRESHOLD_BELOW, -near);
	KUNIT_EXPECT_FALSE(test, aggmon_test_budgets_out(&tw));
	KUNIT_EXPECT_EQ(test, tw.nr_fired, 0);

	/* Far below: BELOW fires with the value set, then budgets again. */
	aggmon_gauge_set(tw.gauge, -1000000);
	KUNIT_ASSERT_EQ(test, tw.nr_fired, 1);
	KUNIT_EXPECT_EQ(test, tw.fired[0], -1000000);
	KUNIT_EXPECT_TRUE(test, aggmon_test_budgets_out(&tw));
	KUNIT_EXPECT_EQ(test, aggmon_test_stat_value(test, stat), -1000000);

	aggmon_threshold_destroy(above);
	aggmon_threshold_destroy(below);
	aggmon_stat_destroy(stat);
	aggmon_gauge_unregister(tw.entry);
}

/*
 * A crossing reached through budgets carries the exact value, once: the
 * update that would leave the band takes the lock.
 */
static void aggmon_test_watch_cross(struct kunit *test)
{
	struct aggmon_threshold *up, *down;
	struct aggmon_test_watch tw;
	struct aggmon_stat *stat;
	int i;

	aggmon_test_watch_init(test, &tw, "cross");
	stat = aggmon_test_watch_stat(test, &tw, AGGMON_STAT_ABSOLUTE, 0, 0);
	up = aggmon_test_watch_threshold(test, &tw, stat,
					 AGGMON_THRESHOLD_ABOVE, 5000);
	down = aggmon_test_watch_threshold(test, &tw, stat,
					   AGGMON_THRESHOLD_BELOW, -7000);
	for (i = 0; i < 4999; i++)
		aggmon_gauge_inc(tw.gauge);
	KUNIT_EXPECT_EQ(test, tw.nr_fired, 0);
	aggmon_gauge_inc(tw.gauge);
	KUNIT_ASSERT_EQ(test, tw.nr_fired, 1);
	KUNIT_EXPECT_EQ(test, tw.fired[0], 5000);
	for (i = 0; i < 11999; i++)
		aggmon_gauge_dec(tw.gauge);
	KUNIT_EXPECT_EQ(test, tw.nr_fired, 1);
	aggmon_gauge_add(tw.gauge, -5);		/* -6999 - 5 */
	KUNIT_ASSERT_EQ(test, tw.nr_fired, 2);
	KUNIT_EXPECT_EQ(test, tw.fired[1], -7004);
	KUNIT_EXPECT_EQ(test, aggmon_gauge_read(tw.gauge), -7004);

	aggmon_threshold_destroy(up);
	aggmon_threshold_destroy(down);
	aggmon_stat_destroy(stat);
	aggmon_gauge_unregister(tw.entry);
}

/*
 * Watermarks: a rise above the high watermark and a fall below the low
 * one take the lock, so each is a value the gauge held.
 */
static void aggmon_test_watch_watermarks(struct kunit *test)
{
	unsigned int cpus = num_online_cpus();
	/* Far enough for a budget on any number of CPUs. */
	s64 m = 100 * (s64)cpus * max(cpus, AGGMON_BUDGET_MIN);
	struct aggmon_stat *high, *low;
	struct aggmon_test_watch tw;
	int i;

	aggmon_test_watch_init(test, &tw, "marks");
	high = aggmon_test_watch_stat(test, &tw, AGGMON_STAT_HIGH_WATERMARK,
				      0, 0);
	aggmon_gauge_add(tw.gauge, m);
	aggmon_gauge_add(tw.gauge, -m);
	low = aggmon_test_watch_stat(test, &tw, AGGMON_STAT_LOW_WATERMARK,
				     0, 0);
	/* The level is 0 between the marks m and 0: room up only. */
	KUNIT_EXPECT_FALSE(test, aggmon_test_budgets_out(&tw));
	aggmon_gauge_add(tw.gauge, m / 2);
	/* A serialised update looks again later; a read looks at once. */
	KUNIT_EXPECT_FALSE(test, aggmon_test_budgets_out(&tw));
	KUNIT_EXPECT_EQ(test, aggmon_test_stat_value(test, low), 0);
	KUNIT_EXPECT_TRUE(test, aggmon_test_budgets_out(&tw));
	aggmon_gauge_add(tw.gauge, -m / 2);
	for (i = 0; i < 10; i++)
		aggmon_gauge_add(tw.gauge, i & 1 ? -40 : 50);
	KUNIT_EXPECT_EQ(test, aggmon_test_stat_value(test, high), m);
	KUNIT_EXPECT_EQ(test, aggmon_test_stat_value(test, low), 0);
	aggmon_gauge_add(tw.gauge, m + 1 - 50);
	KUNIT_EXPECT_EQ(test, aggmon_test_stat_value(test, high), m + 1);
	aggmon_gauge_add(tw.gauge, -(m + 2));
	KUNIT_EXPECT_EQ(test, aggmon_test_stat_value(test, low), -1);
	aggmon_stat_destroy(high);
	aggmon_stat_destroy(low);
	aggmon_gauge_unregister(tw.entry);
}

/* Rate and leaky bucket keep their gauge serialised. */
static void aggmon_test_watch_timed_serial(struct kunit *test)
{
	struct aggmon_stat *abs, *timed;
	struct aggmon_test_watch tw;

	aggmon_test_watch_init(test, &tw, "timed");
	abs = aggmon_test_watch_stat(test, &tw, AGGMON_STAT_ABSOLUTE, 0, 0);
	KUNIT_EXPECT_TRUE(test, aggmon_test_budgets_out(&tw));
	timed = aggmon_test_watch_stat(test, &tw, AGGMON_STAT_RATE,
				       AGGMON_PERIOD_MAX_NS, 0);
	KUNIT_EXPECT_FALSE(test, aggmon_test_budgets_out(&tw));
	aggmon_gauge_add(tw.gauge, 3);
	KUNIT_EXPECT_EQ(test, abs->level, 3);	/* folded at once */
	aggmon_stat_destroy(timed);
	KUNIT_EXPECT_TRUE(test, aggmon_test_budgets_out(&tw));
	timed = aggmon_test_watch_stat(test, &tw, AGGMON_STAT_LEAKY_BUCKET,
				       AGGMON_PERIOD_MAX_NS, 1);
	KUNIT_EXPECT_FALSE(test, aggmon_test_budgets_out(&tw));
	aggmon_stat_destroy(timed);
	aggmon_stat_destroy(abs);
	aggmon_gauge_unregister(tw.entry);
}

/*
 * Attach and detach while the gauge moves: the level equals the shares
 * at every attach, and a set then a read returns the set value.
 */
static void aggmon_test_watch_reattach(struct kunit *test)
{
	struct aggmon_test_watch tw;
	struct aggmon_stat *stat;
	int i;

	aggmon_test_watch_init(test, &tw, "reattach");
	for (i = 0; i < 20; i++) {
		aggmon_gauge_add(tw.gauge, 7);
		stat = aggmon_test_watch_stat(test, &tw, AGGMON_STAT_ABSOLUTE,
					      0, 0);
		aggmon_gauge_add(tw.gauge, -2);
		KUNIT_EXPECT_EQ(test, aggmon_test_stat_value(test, stat),
				5 * (i + 1));
		aggmon_stat_destroy(stat);
	}
	stat = aggmon_test_watch_stat(test, &tw, AGGMON_STAT_ABSOLUTE, 0, 0);
	aggmon_gauge_set(tw.gauge, 42);
	KUNIT_EXPECT_EQ(test, aggmon_gauge_read(tw.gauge), 42);
	KUNIT_EXPECT_EQ(test, aggmon_test_stat_value(test, stat), 42);
	aggmon_stat_destroy(stat);
	KUNIT_EXPECT_FALSE(test, READ_ONCE(tw.gauge->watched));
	aggmon_gauge_unregister(tw.entry);
}

static struct kunit_case aggmon_watch_test_cases[] = {
	KUNIT_CASE(aggmon_test_watch_far),
	KUNIT_CASE(aggmon_test_watch_switch),
	KUNIT_CASE(aggmon_test_watch_cross),
	KUNIT_CASE(aggmon_test_watch_watermarks),
	KUNIT_CASE(aggmon_test_watch_timed_serial),
	KUNIT_CASE(aggmon_test_watch_reattach),
	{}
};

static struct kunit_suite aggmon_watch_test_suite = {
	.name = "aggmon_watch",
	.test_cases = aggmon_watch_test_cases,
};

kunit_test_suite(aggmon_watch_test_suite);

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KUnit tests of the statistics model, driven by a fake clock (the time
 * is an argument of every model function).  Included at the end of
 * stat.c.
 */
#include <kunit/test.h>

#define MS	1000000ULL
/* An arbitrary start, so that no test relies on windows starting at 0. */
#define T0	(123 * MS + 4567)

static struct aggmon_stat *aggmon_test_stat(struct kunit *test, u32 kind,
					    u64 period_ns, s64 drain,
					    s64 level)
{
	struct aggmon_stat *stat = kunit_kzalloc(test, sizeof(*stat),
						 GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, stat);
	KUNIT_ASSERT_EQ(test, aggmon_stat_check(kind, period_ns, drain), 0);
	stat->kind = kind;
	stat->period_ns = period_ns;
	stat->drain = drain;
	aggmon_bounds_init(&stat->bounds);
	INIT_LIST_HEAD(&stat->thresholds);
	aggmon_stat_start(stat, level, T0);
	return stat;
}

/* Apply an add of @delta to a gauge at *@level, at @now. */
static void aggmon_test_add(struct aggmon_stat *stat, s64 *level, s64 delta,
			    u64 now)
{
	*level += delta;
	aggmon_stat_apply(stat, delta, *level, now);
}

static void aggmon_test_stat_check(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, aggmon_stat_check(AGGMON_STAT_ABSOLUTE, 0, 0), 0);
	KUNIT_EXPECT_EQ(test, aggmon_stat_check(AGGMON_STAT_ABSOLUTE, MS, 0),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, aggmon_stat_check(AGGMON_STAT_HIGH_WATERMARK, 0,
						1), -EINVAL);
	KUNIT_EXPECT_EQ(test, aggmon_stat_check(AGGMON_STAT_RATE, 0, 0),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, aggmon_stat_check(AGGMON_STAT_RATE,
						AGGMON_PERIOD_MIN_NS - 1, 0),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, aggmon_stat_check(AGGMON_STAT_RATE,
						AGGMON_PERIOD_MIN_NS, 0), 0);
	KUNIT_EXPECT_EQ(test, aggmon_stat_check(AGGMON_STAT_RATE,
						AGGMON_PERIOD_MAX_NS, 0), 0);
	KUNIT_EXPECT_EQ(test, aggmon_stat_check(AGGMON_STAT_RATE,
						AGGMON_PERIOD_MAX_NS + 1, 0),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, aggmon_stat_check(AGGMON_STAT_RATE, MS, 1),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, aggmon_stat_check(AGGMON_STAT_LEAKY_BUCKET, MS,
						0), -EINVAL);
	KUNIT_EXPECT_EQ(test, aggmon_stat_check(AGGMON_STAT_LEAKY_BUCKET, MS,
						-1), -EINVAL);
	KUNIT_EXPECT_EQ(test, aggmon_stat_check(AGGMON_STAT_LEAKY_BUCKET, MS,
						1), 0);
	KUNIT_EXPECT_EQ(test, aggmon_stat_check(AGGMON_STAT_LEAKY_BUCKET + 1,
						0, 0), -EINVAL);
}

static void aggmon_test_watermarks(struct kunit *test)
{
	struct aggmon_stat *hwm, *lwm, *abs;
	static const s64 deltas[] = { 3, -10, 4, 20, -30, 1 };
	s64 l1 = 5, l2 = 5, l3 = 5;
	unsigned int i;

	hwm = aggmon_test_stat(test, AGGMON_STAT_HIGH_WATERMARK, 0, 0, 5);
	lwm = aggmon_test_stat(test, AGGMON_STAT_LOW_WATERMARK, 0, 0, 5);
	abs = aggmon_test_stat(test, AGGMON_STAT_ABSOLUTE, 0, 0, 5);
	KUNIT_EXPECT_EQ(test, hwm->value, 5);
	KUNIT_EXPECT_EQ(test, lwm->value, 5);
	/* 5 8 -2 2 22 -8 -7 */
	for (i = 0; i < ARRAY_SIZE(deltas); i++) {
		aggmon_test_add(hwm, &l1, deltas[i], T0 + i);
		aggmon_test_add(lwm, &l2, deltas[i], T0 + i);
		aggmon_test_add(abs, &l3, deltas[i], T0 + i);
	}
	KUNIT_EXPECT_EQ(test, hwm->value, 22);
	KUNIT_EXPECT_EQ(test, lwm->value, -8);
	KUNIT_EXPECT_EQ(test, abs->value, -7);
	/* A reset restarts at the current value. */
	aggmon_stat_start(hwm, l1, T0 + 100);
	KUNIT_EXPECT_EQ(test, hwm->value, -7);
	aggmon_test_add(hwm, &l1, -1, T0 + 101);
	KUNIT_EXPECT_EQ(test, hwm->value, -7);
	/* Extremes. */
	aggmon_test_add(hwm, &l1, S64_MAX, T0 + 102);
	KUNIT_EXPECT_EQ(test, hwm->value, S64_MAX - 8);
	/* No time-driven change for these kinds. */
	KUNIT_EXPECT_EQ(test, aggmon_stat_next_tick(hwm), 0);
	KUNIT_EXPECT_EQ(test, aggmon_stat_next_tick(abs), 0);
}

static void aggmon_test_rate(struct kunit *test)
{
	/* Period 10 ms: slots of 1 ms from T0. */
	struct aggmon_stat *rate = aggmon_test_stat(test, AGGMON_STAT_RATE,
						    10 * MS, 0, 100);
	s64 level = 100;

	KUNIT_EXPECT_EQ(test, rate->value, 0);
	KUNIT_EXPECT_EQ(test, aggmon_stat_next_tick(rate), 0);
	aggmon_test_add(rate, &level, 5, T0 + MS / 2);
	KUNIT_EXPECT_EQ(test, rate->value, 5);
	/* The change leaves the window at boundary 11 (T0 + 11 ms). */
	KUNIT_EXPECT_EQ(test, aggmon_stat_next_tick(rate), T0 + 11 * MS);
	aggmon_test_add(rate, &level, 3, T0 + 4 * MS);
	KUNIT_EXPECT_EQ(test, rate->value, 8);
	KUNIT_EXPECT_EQ(test, aggmon_stat_next_tick(rate), T0 + 11 * MS);

	aggmon_stat_advance(rate, T0 + 11 * MS - 1);
	KUNIT_EXPECT_EQ(test, rate->value, 8);
	aggmon_stat_advance(rate, T0 + 11 * MS);
	KUNIT_EXPECT_EQ(test, rate->value, 3);
	KUNIT_EXPECT_EQ(test, aggmon_stat_next_tick(rate), T0 + 15 * MS);
	aggmon_stat_advance(rate, T0 + 15 * MS);
	KUNIT_EXPECT_EQ(test, rate->value, 0);
	KUNIT_EXPECT_EQ(test, aggmon_stat_next_tick(rate), 0);

	/* Negative rates, and a jump over many windows at once. */
	aggmon_test_add(rate, &level, -50, T0 + 20 * MS + 1);
	KUNIT_EXPECT_EQ(test, rate->value, -50);
	aggmon_test_add(rate, &level, 7, T0 + 1000 * MS);
	KUNIT_EXPECT_EQ(test, rate->value, 7);
	KUNIT_EXPECT_EQ(test, aggmon_stat_next_tick(rate), T0 + 1011 * MS);

	/* Reset: reads 0 and forgets the window. */
	aggmon_stat_start(rate, level, T0 + 1002 * MS);
	KUNIT_EXPECT_EQ(test, rate->value, 0);
	KUNIT_EXPECT_EQ(test, aggmon_stat_next_tick(rate), 0);
}

static void aggmon_test_rate_wraps(struct kunit *test)
{
	struct aggmon_stat *rate = aggmon_test_stat(test, AGGMON_STAT_RATE,
						    10 * MS, 0, S64_MAX);
	s64 level = S64_MAX;

	/* A gauge that wraps reads as a plain s64 would: the rate is +1. */
	level = (s64)((u64)level + 1);
	aggmon_stat_apply(rate, 1, level, T0 + 1);
	KUNIT_EXPECT_EQ(test, rate->value, 1);
}

static void aggmon_test_leaky_bucket(struct kunit *test)
{
	struct aggmon_stat *bucket;
	s64 level = 0;

	bucket = aggmon_test_stat(test, AGGMON_STAT_LEAKY_BUCKET, 10 * MS, 3, 0);
	KUNIT_EXPECT_EQ(test, aggmon_stat_next_tick(bucket), 0);
	aggmon_test_add(bucket, &level, 10, T0 + MS);
	KUNIT_EXPECT_EQ(test, bucket->value, 10);
	/* Decreases of the gauge do not lower the bucket. */
	aggmon_test_add(bucket, &level, -4, T0 + 2 * MS);
	KUNIT_EXPECT_EQ(test, bucket->value, 10);
	KUNIT_EXPECT_EQ(test, aggmon_stat_next_tick(bucket), T0 + 10 * MS);
	aggmon_stat_advance(bucket, T0 + 10 * MS - 1);
	KUNIT_EXPECT_EQ(test, bucket->value, 10);
	aggmon_stat_advance(bucket, T0 + 10 * MS);
	KUNIT_EXPECT_EQ(test, bucket->value, 7);
	KUNIT_EXPECT_EQ(test, aggmon_stat_next_tick(bucket), T0 + 20 * MS);
	/* Two periods at once: 7 - 6. */
	aggmon_stat_advance(bucket, T0 + 35 * MS);
	KUNIT_EXPECT_EQ(test, bucket->value, 1);
	/* Never below zero, and then no timer. */
	aggmon_stat_advance(bucket, T0 + 40 * MS);
	KUNIT_EXPECT_EQ(test, bucket->value, 0);
	KUNIT_EXPECT_EQ(test, aggmon_stat_next_tick(bucket), 0);
	/* An update after idle periods drains nothing it did not hold. */
	aggmon_test_add(bucket, &level, 5, T0 + 95 * MS);
	KUNIT_EXPECT_EQ(test, bucket->value, 5);
	KUNIT_EXPECT_EQ(test, aggmon_stat_next_tick(bucket), T0 + 100 * MS);
	/* Saturates instead of wrapping. */
	aggmon_test_add(bucket, &level, S64_MAX, T0 + 96 * MS);
	KUNIT_EXPECT_EQ(test, bucket->value, S64_MAX);

	/* Periods x drain would overflow: the bucket empties all the same. */
	bucket = aggmon_test_stat(test, AGGMON_STAT_LEAKY_BUCKET, 10 * MS,
				  S64_MAX / 2, 0);
	level = 0;
	aggmon_test_add(bucket, &level, S64_MAX, T0 + 1);
	aggmon_stat_advance(bucket, T0 + 20 * MS);
	KUNIT_EXPECT_EQ(test, bucket->value, 1);
	aggmon_stat_advance(bucket, T0 + 50 * MS);
	KUNIT_EXPECT_EQ(test, bucket->value, 0);
}

static struct kunit_case aggmon_stat_test_cases[] = {
	KUNIT_CASE(aggmon_test_stat_check),
	KUNIT_CASE(aggmon_test_watermarks),
	KUNIT_CASE(aggmon_test_rate),
	KUNIT_CASE(aggmon_test_rate_wraps),
	KUNIT_CASE(aggmon_test_leaky_bucket),
	{}
};

static struct kunit_suite aggmon_stat_test_suite = {
	.name = "aggmon_stat",
	.test_cases = aggmon_stat_test_cases,
};

kunit_test_suite(aggmon_stat_test_suite);

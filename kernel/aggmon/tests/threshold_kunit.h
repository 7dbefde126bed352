/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KUnit tests of thresholds: every kind's state machine, the sorted
 * bounds with their cached cursor, the event queue, and the in-kernel
 * API end to end on a kernel gauge.  Included at the end of threshold.c.
 */
#include <kunit/test.h>

#define AGGMON_TEST_MAX_EVENTS	64

struct aggmon_test_log {
	unsigned int n;
	struct aggmon_event events[AGGMON_TEST_MAX_EVENTS];
};

static void aggmon_test_record(const struct aggmon_event *event, void *data)
{
	struct aggmon_test_log *log = data;

	if (log->n < AGGMON_TEST_MAX_EVENTS)
		log->events[log->n] = *event;
	log->n++;
}

static struct aggmon_test_log *aggmon_test_log(struct kunit *test)
{
	struct aggmon_test_log *log = kunit_kzalloc(test, sizeof(*log),
						    GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, log);
	return log;
}

/* A statistic that is nothing but its bounds, for the model tests. */
static struct aggmon_stat *aggmon_test_bare_stat(struct kunit *test)
{
	struct aggmon_stat *stat = kunit_kzalloc(test, sizeof(*stat),
						 GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, stat);
	aggmon_bounds_init(&stat->bounds);
	stat->id = 7;
	stat->gauge_id = 3;
	return stat;
}

static struct aggmon_threshold *
aggmon_test_threshold(struct kunit *test, struct aggmon_stat *stat,
		      u32 kind, s64 value, s64 cancel, s64 now_value,
		      struct aggmon_test_log *log)
{
	struct aggmon_threshold *threshold;

	threshold = kunit_kzalloc(test, sizeof(*threshold), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, threshold);
	aggmon_threshold_setup(threshold, kind, value, cancel);
	threshold->stat = stat;
	threshold->fn = aggmon_test_record;
	threshold->data = log;
	aggmon_threshold_insert(&stat->bounds, threshold, now_value, 1);
	return threshold;
}

/* Feed @n values; expect the events in @types/@values, in that order. */
static void aggmon_test_feed(struct kunit *test, struct aggmon_stat *stat,
			     struct aggmon_test_log *log, const s64 *feed,
			     unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (aggmon_bounds_hit(&stat->bounds, feed[i]))
			aggmon_thresholds_evaluate(&stat->bounds, feed[i],
						   100 + i, 0);
}

static void aggmon_test_expect(struct kunit *test,
			       const struct aggmon_test_log *log,
			       const u32 *types, const s64 *values,
			       unsigned int n)
{
	unsigned int i;

	KUNIT_ASSERT_EQ(test, log->n, n);
	for (i = 0; i < n; i++) {
		KUNIT_EXPECT_EQ(test, log->events[i].type, types[i]);
		KUNIT_EXPECT_EQ(test, log->events[i].value, values[i]);
		KUNIT_EXPECT_EQ(test, log->events[i].seq, i + 1);
	}
}

#define F AGGMON_EVENT_FIRED
#define C AGGMON_EVENT_CANCELLED

static void aggmon_test_above(struct kunit *test)
{
	static const s64 feed[] = { 9, 10, 11, 9, 10, 20, 0 };
	static const u32 types[] = { F, F };
	static const s64 values[] = { 10, 10 };
	struct aggmon_stat *stat = aggmon_test_bare_stat(test);
	struct aggmon_test_log *log = aggmon_test_log(test);

	aggmon_test_threshold(test, stat, AGGMON_THRESHOLD_ABOVE, 10, 10, 0,
			      log);
	KUNIT_EXPECT_EQ(test, stat->bounds.hi, 10);
	aggmon_test_feed(test, stat, log, feed, ARRAY_SIZE(feed));
	aggmon_test_expect(test, log, types, values, ARRAY_SIZE(types));
	KUNIT_EXPECT_EQ(test, log->events[0].gauge_id, 3);
	KUNIT_EXPECT_EQ(test, log->events[0].stat_id, 7);
	KUNIT_EXPECT_EQ(test, log->events[0].time_ns, 101);
	KUNIT_EXPECT_EQ(test, log->events[0].flags, 0);
}

static void aggmon_test_above_cancel_hysteresis(struct kunit *test)
{
	/* Fire at 10, cancel below 5. */
	static const s64 feed[] = { 10, 7, 5, 4, 9, 12, 100, -100 };
	static const u32 types[] = { F, C, F, C };
	static const s64 values[] = { 10, 4, 12, -100 };
	struct aggmon_stat *stat = aggmon_test_bare_stat(test);
	struct aggmon_test_log *log = aggmon_test_log(test);

	aggmon_test_threshold(test, stat, AGGMON_THRESHOLD_ABOVE_CANCEL, 10, 5,
			      0, log);
	aggmon_test_feed(test, stat, log, feed, ARRAY_SIZE(feed));
	aggmon_test_expect(test, log, types, values, ARRAY_SIZE(types));
}

static void aggmon_test_below(struct kunit *test)
{
	static const s64 feed[] = { 1, 0, -1, 1, 0, 5, -5 };
	static const u32 types[] = { F, F, F };
	static const s64 values[] = { 0, 0, -5 };
	struct aggmon_stat *stat = aggmon_test_bare_stat(test);
	struct aggmon_test_log *log = aggmon_test_log(test);

	aggmon_test_threshold(test, stat, AGGMON_THRESHOLD_BELOW, 0, 0, 3,
			      log);
	aggmon_test_feed(test, stat, log, feed, ARRAY_SIZE(feed));
	aggmon_test_expect(test, log, types, values, ARRAY_SIZE(types));
}

static void aggmon_test_below_cancel(struct kunit *test)
{
	/* Fire at -10 or below, cancel above -10 (no hysteresis). */
	static const s64 feed[] = { -10, -9, -11, -10, -9, 50 };
	static const u32 types[] = { F, C, F, C };
	static const s64 values[] = { -10, -9, -11, -9 };
	struct aggmon_stat *stat = aggmon_test_bare_stat(test);
	struct aggmon_test_log *log = aggmon_test_log(test);

	aggmon_test_threshold(test, stat, AGGMON_THRESHOLD_BELOW_CANCEL, -10,
			      -10, 0, log);
	aggmon_test_feed(test, stat, log, feed, ARRAY_SIZE(feed));
	aggmon_test_expect(test, log, types, values, ARRAY_SIZE(types));
}

static void aggmon_test_initially_crossed(struct kunit *test)
{
	struct aggmon_stat *stat = aggmon_test_bare_stat(test);
	struct aggmon_test_log *log = aggmon_test_log(test);
	static const s64 feed[] = { 2, 8 };

	aggmon_test_threshold(test, stat, AGGMON_THRESHOLD_ABOVE_CANCEL, 5, 5,
			      6, log);
	KUNIT_ASSERT_EQ(test, log->n, 1);
	KUNIT_EXPECT_EQ(test, log->events[0].type, AGGMON_EVENT_FIRED);
	KUNIT_EXPECT_EQ(test, log->events[0].flags, AGGMON_EVENT_F_INITIAL);
	KUNIT_EXPECT_EQ(test, log->events[0].value, 6);
	aggmon_test_feed(test, stat, log, feed, ARRAY_SIZE(feed));
	KUNIT_ASSERT_EQ(test, log->n, 3);
	KUNIT_EXPECT_EQ(test, log->events[1].type, AGGMON_EVENT_CANCELLED);
	KUNIT_EXPECT_EQ(test, log->events[2].type, AGGMON_EVENT_FIRED);
	KUNIT_EXPECT_EQ(test, log->events[2].flags, 0);

	/* Not crossed: nothing at creation. */
	log->n = 0;
	aggmon_test_threshold(test, stat, AGGMON_THRESHOLD_BELOW, 5, 5, 6,
			      log);
	KUNIT_EXPECT_EQ(test, log->n, 0);
}

static void aggmon_test_parked(struct kunit *test)
{
	struct aggmon_stat *stat = aggmon_test_bare_stat(test);
	struct aggmon_test_log *log = aggmon_test_log(test);
	struct aggmon_threshold *threshold;
	static const s64 feed[] = { 0, S64_MIN, S64_MAX };

	/* Nothing is below S64_MIN: once fired it stays fired. */
	threshold = aggmon_test_threshold(test, stat,
					  AGGMON_THRESHOLD_ABOVE_CANCEL, 1,
					  S64_MIN, 0, log);
	aggmon_test_feed(test, stat, log, feed, ARRAY_SIZE(feed));
	KUNIT_EXPECT_EQ(test, log->n, 1);
	KUNIT_EXPECT_TRUE(test, threshold->parked);
	KUNIT_EXPECT_EQ(test, stat->bounds.hi, S64_MAX);
	KUNIT_EXPECT_EQ(test, stat->bounds.lo, S64_MIN);
	aggmon_threshold_remove(&stat->bounds, threshold);
}

/* Many thresholds: the cursor stays on the nearest bounds. */
static void aggmon_test_cursor(struct kunit *test)
{
	struct aggmon_stat *stat = aggmon_test_bare_stat(test);
	struct aggmon_threshold **thresholds;
	struct aggmon_test_log *log = aggmon_test_log(test);
	unsigned int i;

	thresholds = kunit_kcalloc(test, 1000, sizeof(*thresholds),
				   GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, thresholds);
	/* Inserted in an order unrelated to their values. */
	for (i = 0; i < 1000; i++)
		thresholds[i] = aggmon_test_threshold(test, stat,
						      AGGMON_THRESHOLD_ABOVE,
						      (i * 389) % 1000 + 1,
						      (i * 389) % 1000 + 1, 0,
						      log);
	KUNIT_EXPECT_EQ(test, stat->bounds.hi, 1);
	KUNIT_EXPECT_EQ(test, stat->bounds.lo, S64_MIN);
	KUNIT_EXPECT_FALSE(test, aggmon_bounds_hit(&stat->bounds, 0));

	/* One jump fires 1..500 in order of value. */
	aggmon_thresholds_evaluate(&stat->bounds, 500, 2, 0);
	KUNIT_ASSERT_EQ(test, log->n, 500);
	for (i = 0; i < AGGMON_TEST_MAX_EVENTS; i++)
		KUNIT_EXPECT_EQ(test, log->events[i].threshold_id,
				thresholds[(i * 509) % 1000]->id);
	KUNIT_EXPECT_EQ(test, stat->bounds.hi, 501);
	/* Fired ABOVE thresholds wait for the value to fall below them. */
	KUNIT_EXPECT_EQ(test, stat->bounds.lo, 499);
	KUNIT_EXPECT_FALSE(test, aggmon_bounds_hit(&stat->bounds, 500));
	KUNIT_EXPECT_TRUE(test, aggmon_bounds_hit(&stat->bounds, 501));
	KUNIT_EXPECT_TRUE(test, aggmon_bounds_hit(&stat->bounds, 499));

	/* Falling to 0 re-arms all of them, silently. */
	aggmon_thresholds_evaluate(&stat->bounds, 0, 3, 0);
	KUNIT_EXPECT_EQ(test, log->n, 500);
	KUNIT_EXPECT_EQ(test, stat->bounds.hi, 1);
	KUNIT_EXPECT_EQ(test, stat->bounds.lo, S64_MIN);

	for (i = 0; i < 1000; i++)
		aggmon_threshold_remove(&stat->bounds, thresholds[i]);
	KUNIT_EXPECT_EQ(test, stat->bounds.hi, S64_MAX);
	KUNIT_EXPECT_TRUE(test, RB_EMPTY_ROOT(&stat->bounds.up.rb_root));
	KUNIT_EXPECT_TRUE(test, RB_EMPTY_ROOT(&stat->bounds.down.rb_root));
}

static void aggmon_test_threshold_check(struct kunit *test)
{
	const u32 h = AGGMON_THRESHOLD_HYSTERESIS;

	KUNIT_EXPECT_EQ(test, aggmon_threshold_check(0, 5, 0, 0), 0);
	KUNIT_EXPECT_EQ(test, aggmon_threshold_check(0, 5, 1, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, aggmon_threshold_check(4, 5, 0, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, aggmon_threshold_check(0, 5, 0, 2), -EINVAL);
	KUNIT_EXPECT_EQ(test, aggmon_threshold_check(AGGMON_THRESHOLD_ABOVE,
						     5, 5, h), 0);
	KUNIT_EXPECT_EQ(test, aggmon_threshold_check(AGGMON_THRESHOLD_ABOVE,
						     5, 6, h), -EINVAL);
	KUNIT_EXPECT_EQ(test,
			aggmon_threshold_check(AGGMON_THRESHOLD_ABOVE_CANCEL,
					       5, S64_MIN, h), 0);
	KUNIT_EXPECT_EQ(test, aggmon_threshold_check(AGGMON_THRESHOLD_BELOW,
						     5, 4, h), -EINVAL);
	KUNIT_EXPECT_EQ(test,
			aggmon_threshold_check(AGGMON_THRESHOLD_BELOW_CANCEL,
					       5, 9, h), 0);
}

static struct aggmon_event aggmon_test_event(u64 seq)
{
	return (struct aggmon_event) { .seq = seq, .type = F, .value = seq };
}

static void aggmon_test_queue(struct kunit *test)
{
	struct aggmon_event_queue queue;
	struct aggmon_event event;
	unsigned int i;

	KUNIT_ASSERT_EQ(test, aggmon_event_queue_init(&queue, 2, GFP_KERNEL),
			0);
	KUNIT_EXPECT_FALSE(test, aggmon_event_peek(&queue, &event));
	for (i = 1; i <= 5; i++) {
		event = aggmon_test_event(i);
		aggmon_event_push(&queue, &event);
	}
	/* 1 and 2 queued, 3..5 lost. */
	KUNIT_ASSERT_TRUE(test, aggmon_event_peek(&queue, &event));
	KUNIT_EXPECT_EQ(test, event.seq, 1);
	/* Peeking twice returns the same record. */
	KUNIT_ASSERT_TRUE(test, aggmon_event_peek(&queue, &event));
	KUNIT_EXPECT_EQ(test, event.seq, 1);
	aggmon_event_consume(&queue);
	/* Room again: the next event carries the loss. */
	event = aggmon_test_event(6);
	aggmon_event_push(&queue, &event);
	KUNIT_ASSERT_TRUE(test, aggmon_event_peek(&queue, &event));
	KUNIT_EXPECT_EQ(test, event.seq, 2);
	KUNIT_EXPECT_EQ(test, event.lost, 0);
	aggmon_event_consume(&queue);
	KUNIT_ASSERT_TRUE(test, aggmon_event_peek(&queue, &event));
	KUNIT_EXPECT_EQ(test, event.seq, 6);
	KUNIT_EXPECT_EQ(test, event.lost, 3);
	aggmon_event_consume(&queue);

	/* A loss the reader drains to is reported in a record of its own. */
	for (i = 7; i <= 10; i++) {
		event = aggmon_test_event(i);
		aggmon_event_push(&queue, &event);
	}
	aggmon_event_consume(&queue);
	aggmon_event_consume(&queue);
	KUNIT_ASSERT_TRUE(test, aggmon_event_peek(&queue, &event));
	KUNIT_EXPECT_EQ(test, event.type, AGGMON_EVENT_LOST);
	KUNIT_EXPECT_EQ(test, event.lost, 2);
	KUNIT_EXPECT_EQ(test, event.seq, 10);
	/* A producer between peek and consume does not lose its event. */
	event = aggmon_test_event(11);
	aggmon_event_push(&queue, &event);
	aggmon_event_consume(&queue);
	KUNIT_ASSERT_TRUE(test, aggmon_event_peek(&queue, &event));
	KUNIT_EXPECT_EQ(test, event.seq, 11);
	KUNIT_EXPECT_EQ(test, event.lost, 0);

	/* Gone comes last, even with a full ring, and only once. */
	event = aggmon_test_event(12);
	aggmon_event_push(&queue, &event);
	event = aggmon_test_event(13);
	event.type = AGGMON_EVENT_GONE;
	aggmon_event_push_gone(&queue, &event);
	aggmon_event_push_gone(&queue, &event);
	KUNIT_EXPECT_FALSE(test, aggmon_event_finished(&queue));
	for (i = 11; i <= 13; i++) {
		KUNIT_ASSERT_TRUE(test, aggmon_event_peek(&queue, &event));
		KUNIT_EXPECT_EQ(test, event.seq, i);
		aggmon_event_consume(&queue);
	}
	KUNIT_EXPECT_EQ(test, event.type, AGGMON_EVENT_GONE);
	KUNIT_EXPECT_FALSE(test, aggmon_event_peek(&queue, &event));
	KUNIT_EXPECT_TRUE(test, aggmon_event_finished(&queue));
	aggmon_event_queue_free(&queue);
}

DEFINE_AGGMON_CLASS(aggmon_test_class, "kunit.threshold", "things");

/* The in-kernel API: a driver's gauge, statistic, callbacks, removal. */
static void aggmon_test_threshold_api(struct kunit *test)
{
	struct aggmon_test_log *now_log = aggmon_test_log(test);
	struct aggmon_test_log *later_log = aggmon_test_log(test);
	struct aggmon_threshold *now, *later;
	struct aggmon_gauge gauge;
	struct aggmon_stat *stat;
	s64 value;

	KUNIT_ASSERT_EQ(test, aggmon_gauge_init(&gauge, &aggmon_test_class,
						"api"), 0);
	aggmon_gauge_add(&gauge, 4);
	stat = aggmon_stat_create(&gauge, AGGMON_STAT_HIGH_WATERMARK, 0, 0);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, stat);
	KUNIT_EXPECT_EQ(test, READ_ONCE(gauge.watched), 1);
	KUNIT_EXPECT_EQ(test, PTR_ERR(aggmon_threshold_create(stat, 0, 1, 1, 0,
							      NULL, NULL)),
			-EINVAL);
	now = aggmon_threshold_create(stat, AGGMON_THRESHOLD_ABOVE, 10, 0, 0,
				      aggmon_test_record, now_log);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, now);
	later = aggmon_threshold_create(stat, AGGMON_THRESHOLD_ABOVE, 20, 0,
					AGGMON_THRESHOLD_DEFERRED,
					aggmon_test_record, later_log);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, later);

	aggmon_gauge_add(&gauge, 6);
	/* The direct callback ran inside the update. */
	KUNIT_ASSERT_EQ(test, now_log->n, 1);
	KUNIT_EXPECT_EQ(test, now_log->events[0].value, 10);
	KUNIT_EXPECT_EQ(test, now_log->events[0].gauge_id,
			aggmon_gauge_id(&gauge));
	aggmon_gauge_set(&gauge, 25);
	aggmon_gauge_add(&gauge, -20);
	KUNIT_EXPECT_EQ(test, aggmon_stat_value(stat, &value), 0);
	KUNIT_EXPECT_EQ(test, value, 25);
	/* The deferred one runs from a workqueue. */
	irq_work_sync(&later->wake);
	flush_work(&later->work);
	KUNIT_ASSERT_EQ(test, later_log->n, 1);
	KUNIT_EXPECT_EQ(test, later_log->events[0].value, 25);

	/* The gauge goes: GONE to both, the statistic stops. */
	aggmon_gauge_destroy(&gauge);
	KUNIT_EXPECT_EQ(test, READ_ONCE(gauge.watched), 0);
	KUNIT_ASSERT_EQ(test, now_log->n, 2);
	KUNIT_EXPECT_EQ(test, now_log->events[1].type, AGGMON_EVENT_GONE);
	irq_work_sync(&later->wake);
	flush_work(&later->work);
	KUNIT_ASSERT_EQ(test, later_log->n, 2);
	KUNIT_EXPECT_EQ(test, later_log->events[1].type, AGGMON_EVENT_GONE);
	KUNIT_EXPECT_EQ(test, aggmon_stat_value(stat, &value), -ENODEV);
	KUNIT_EXPECT_EQ(test, PTR_ERR(aggmon_threshold_create(stat, 0, 1, 0, 0,
							      aggmon_test_record,
							      now_log)),
			-ENODEV);
	aggmon_threshold_destroy(now);
	aggmon_threshold_destroy(later);
	aggmon_stat_destroy(stat);
}

#undef F
#undef C

static struct kunit_case aggmon_threshold_test_cases[] = {
	KUNIT_CASE(aggmon_test_above),
	KUNIT_CASE(aggmon_test_above_cancel_hysteresis),
	KUNIT_CASE(aggmon_test_below),
	KUNIT_CASE(aggmon_test_below_cancel),
	KUNIT_CASE(aggmon_test_initially_crossed),
	KUNIT_CASE(aggmon_test_parked),
	KUNIT_CASE(aggmon_test_cursor),
	KUNIT_CASE(aggmon_test_threshold_check),
	KUNIT_CASE(aggmon_test_queue),
	KUNIT_CASE(aggmon_test_threshold_api),
	{}
};

static struct kunit_suite aggmon_threshold_test_suite = {
	.name = "aggmon_threshold",
	.test_cases = aggmon_threshold_test_cases,
};

kunit_test_suite(aggmon_threshold_test_suite);

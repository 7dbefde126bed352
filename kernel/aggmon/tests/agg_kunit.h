/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KUnit tests of aggregations through the in-kernel API: kernel
 * aggregations fed by aggmon_aggregate() and timing hooks, the registry's
 * names and ids, and snapshots taken as AGGMON_AGG_SNAPSHOT takes them.
 * Included at the end of agg.c.
 */
#include <kunit/test.h>
#include <linux/delay.h>

KUNIT_DEFINE_ACTION_WRAPPER(aggmon_test_agg_destroy, aggmon_agg_destroy,
			    struct aggmon_agg *);

/* A kernel aggregation keyed by @nargs arguments, destroyed as the test ends. */
static struct aggmon_agg *aggmon_test_agg(struct kunit *test,
					  const char *name, u32 func,
					  unsigned int nargs,
					  unsigned int entries)
{
	struct aggmon_agg_def def = {
		.name = name, .func = func, .nkeys = nargs, .entries = entries,
	};
	struct aggmon_agg *agg;
	unsigned int i;

	for (i = 0; i < nargs; i++)
		def.keys[i] = AGGMON_KEY_ARG;
	agg = aggmon_agg_create(&def);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, agg);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							aggmon_test_agg_destroy,
							agg), 0);
	return agg;
}

/* The snapshot the tests take, as a file descriptor would hold it. */
static struct aggmon_snapshot aggmon_test_snap = {
	.lock = __MUTEX_INITIALIZER(aggmon_test_snap.lock),
};

static void aggmon_test_snapshot(struct kunit *test, struct aggmon_agg *agg,
				 bool clear)
{
	guard(mutex)(&aggmon_test_snap.lock);
	KUNIT_ASSERT_EQ(test, aggmon_snapshot_take(agg, &aggmon_test_snap,
						   clear), 0);
}

static void aggmon_test_agg_exit(struct kunit *test)
{
	aggmon_snapshot_free(&aggmon_test_snap);
	aggmon_test_snap.generation = 0;
}

/* The record of @key from @cpu in the snapshot, or NULL. */
static struct aggmon_agg_record *aggmon_test_record(struct aggmon_agg *agg,
						    unsigned int cpu, u64 key)
{
	size_t rsize = aggmon_aggbuf_record_size(&agg->bufs);
	struct aggmon_snapshot *snap = &aggmon_test_snap;
	struct aggmon_agg_record *record;
	u32 i;

	for (i = 0; i < snap->counts[cpu]; i++) {
		record = snap->records[cpu] + i * rsize;
		if (record->data[0] == key)
			return record;
	}
	return NULL;
}

static void aggmon_test_agg_keys(struct kunit *test)
{
	struct aggmon_agg *agg = aggmon_test_agg(test, "kunit.sum", AGGMON_AGG_SUM,
						 1, 0);
	struct aggmon_agg_record *record;
	u64 five = 5, seven = 7;
	unsigned int cpu;

	/* The values go to one CPU's buffer; its records are compared. */
	cpu = get_cpu();
	aggmon_aggregate(agg, 1, &five);
	aggmon_aggregate(agg, 2, &five);
	aggmon_aggregate(agg, -10, &seven);
	put_cpu();
	aggmon_test_snapshot(test, agg, false);

	record = aggmon_test_record(agg, cpu, 5);
	KUNIT_ASSERT_NOT_NULL(test, record);
	KUNIT_EXPECT_EQ(test, record->agg_id, agg->id);
	KUNIT_EXPECT_EQ(test, record->data[1], 3);
	record = aggmon_test_record(agg, cpu, 7);
	KUNIT_ASSERT_NOT_NULL(test, record);
	KUNIT_EXPECT_EQ(test, (s64)record->data[1], -10);
	KUNIT_EXPECT_EQ(test, aggmon_test_snap.total, 2);
	KUNIT_EXPECT_EQ(test, aggmon_test_snap.generation, 1);
}

/* A full buffer drops new keys, counts them, and a clear starts over. */
static void aggmon_test_agg_drops(struct kunit *test)
{
	struct aggmon_agg *agg = aggmon_test_agg(test, "kunit.count",
						 AGGMON_AGG_COUNT, 1, 2);
	unsigned int cpu;
	u64 key;

	cpu = get_cpu();
	for (key = 1; key <= 5; key++)
		aggmon_aggregate(agg, 0, &key);
	key = 1;
	aggmon_aggregate(agg, 0, &key);
	put_cpu();
	aggmon_test_snapshot(test, agg, true);
	KUNIT_EXPECT_EQ(test, aggmon_test_snap.counts[cpu], 2);
	KUNIT_EXPECT_EQ(test, aggmon_test_snap.drops[cpu], 3);
	KUNIT_ASSERT_NOT_NULL(test, aggmon_test_record(agg, cpu, 1));
	KUNIT_ASSERT_NOT_NULL(test, aggmon_test_record(agg, cpu, 2));
	KUNIT_EXPECT_EQ(test, aggmon_test_record(agg, cpu, 1)->data[1], 2);
	KUNIT_EXPECT_EQ(test, aggmon_test_record(agg, cpu, 2)->data[1], 1);
	KUNIT_EXPECT_NULL(test, aggmon_test_record(agg, cpu, 3));

	/* Cleared: empty, drops gone, and a new key fits again. */
	key = 3;
	cpu = get_cpu();
	aggmon_aggregate(agg, 0, &key);
	put_cpu();
	aggmon_test_snapshot(test, agg, false);
	KUNIT_EXPECT_EQ(test, aggmon_test_snap.total, 1);
	KUNIT_EXPECT_EQ(test, aggmon_test_snap.drops[cpu], 0);
	KUNIT_ASSERT_NOT_NULL(test, aggmon_test_record(agg, cpu, 3));
	KUNIT_EXPECT_EQ(test, aggmon_test_record(agg, cpu, 3)->data[1], 1);
}

/*
 * A snapshot takes the CPU's active buffer and leaves it an empty one: the
 * IPI switches buffers and does nothing else, the data go to the totals,
 * which keep adding up between snapshots (without a clear) and drop a key
 * that finds them full with all its values.  A snapshot that finds the
 * active buffer empty leaves it as it is.
 */
static void aggmon_test_agg_switch(struct kunit *test)
{
	struct aggmon_agg *agg = aggmon_test_agg(test, "kunit.switch",
						 AGGMON_AGG_SUM, 1, 4);
	struct aggmon_aggbuf *before, *spare;
	unsigned int cpu;
	u64 key;

	cpu = get_cpu();
	for (key = 1; key <= 3; key++)
		aggmon_aggregate(agg, 10 * key, &key);
	put_cpu();
	before = per_cpu_ptr(agg->bufs.pcpu, cpu)->active;
	spare = agg->bufs.spare;
	aggmon_test_snapshot(test, agg, false);
	KUNIT_EXPECT_PTR_EQ(test, per_cpu_ptr(agg->bufs.pcpu, cpu)->active,
			    spare);
	KUNIT_EXPECT_PTR_EQ(test, agg->bufs.spare, before);
	KUNIT_EXPECT_EQ(test, before->nused, 0);
	KUNIT_EXPECT_EQ(test, spare->nused, 0);
	KUNIT_EXPECT_EQ(test, agg->bufs.totals[cpu].nused, 3);
	KUNIT_EXPECT_EQ(test, aggmon_test_snap.counts[cpu], 3);

	/* Nothing new: no switch, the same records. */
	aggmon_test_snapshot(test, agg, false);
	KUNIT_EXPECT_PTR_EQ(test, per_cpu_ptr(agg->bufs.pcpu, cpu)->active,
			    spare);
	KUNIT_EXPECT_EQ(test, aggmon_test_snap.counts[cpu], 3);
	KUNIT_EXPECT_EQ(test, aggmon_test_record(agg, cpu, 2)->data[1], 20);

	/* Key 2 adds up; 4 fits; 5 and 6 find the totals full: 3 values. */
	cpu = get_cpu();
	for (key = 2; key <= 6; key++)
		aggmon_aggregate(agg, 1, &key);
	key = 6;
	aggmon_aggregate(agg, 1, &key);
	put_cpu();
	aggmon_test_snapshot(test, agg, false);
	KUNIT_EXPECT_EQ(test, aggmon_test_snap.counts[cpu], 4);
	KUNIT_EXPECT_EQ(test, aggmon_test_snap.drops[cpu], 3);
	KUNIT_EXPECT_EQ(test, aggmon_test_record(agg, cpu, 2)->data[1], 21);
	KUNIT_EXPECT_EQ(test, aggmon_test_record(agg, cpu, 4)->data[1], 1);
	KUNIT_EXPECT_NULL(test, aggmon_test_record(agg, cpu, 5));

	/* A clear hands it all out and empties the totals. */
	aggmon_test_snapshot(test, agg, true);
	KUNIT_EXPECT_EQ(test, aggmon_test_snap.counts[cpu], 4);
	KUNIT_EXPECT_EQ(test, aggmon_test_snap.drops[cpu], 3);
	KUNIT_EXPECT_EQ(test, agg->bufs.totals[cpu].nused, 0);
	KUNIT_EXPECT_EQ(test, agg->bufs.totals[cpu].drops, 0);
}

/*
 * A CPU online without a buffer (as when its user's bytes were used up as
 * it came up) counts its values as lost; the next snapshot hands them over
 * as drops and gives the CPU a buffer, which holds what comes next.  The
 * CPU's buffer is taken away here as its dead callback takes it.
 */
static void aggmon_test_agg_no_buffer(struct kunit *test)
{
	struct aggmon_agg *agg = aggmon_test_agg(test, "kunit.nobuf",
						 AGGMON_AGG_SUM, 1, 4);
	struct aggmon_agg_record *record;
	struct aggmon_aggbuf_cpu *cpu_bufs;
	u64 key = 1, lost, sum = 0, drops = 0;
	struct aggmon_aggbuf *taken;
	unsigned int cpu;

	migrate_disable();
	cpu = smp_processor_id();
	cpu_bufs = per_cpu_ptr(agg->bufs.pcpu, cpu);
	aggmon_aggregate(agg, 5, &key);
	taken = aggmon_aggbuf_switch(cpu_bufs, NULL, &lost);
	aggmon_aggbuf_merge(&agg->bufs, &agg->bufs.totals[cpu], taken,
			    &agg->fn);
	aggmon_aggbuf_free_charged(&agg->bufs, taken);
	aggmon_aggregate(agg, 7, &key);
	aggmon_aggregate(agg, 7, &key);
	migrate_enable();
	KUNIT_EXPECT_EQ(test, lost, 0);
	KUNIT_EXPECT_EQ(test, cpu_bufs->lost, 2);

	aggmon_test_snapshot(test, agg, false);
	KUNIT_EXPECT_NOT_NULL(test, cpu_bufs->active);
	KUNIT_EXPECT_EQ(test, cpu_bufs->lost, 0);
	KUNIT_EXPECT_EQ(test, aggmon_test_snap.counts[cpu], 1);
	KUNIT_EXPECT_EQ(test, aggmon_test_snap.drops[cpu], 2);
	KUNIT_EXPECT_EQ(test, aggmon_test_record(agg, cpu, 1)->data[1], 5);

	/* Wherever it runs now: every online CPU has a buffer. */
	aggmon_aggregate(agg, 9, &key);
	aggmon_test_snapshot(test, agg, false);
	for_each_possible_cpu(cpu) {
		record = aggmon_test_record(agg, cpu, 1);
		sum += record ? record->data[1] : 0;
		drops += aggmon_test_snap.drops[cpu];
	}
	KUNIT_EXPECT_EQ(test, sum, 14);
	KUNIT_EXPECT_EQ(test, drops, 2);
}

/* Kernel names are unique; ids that collide move on to the next one. */
static void aggmon_test_agg_names(struct kunit *test)
{
	static const struct aggmon_func count = { .func = AGGMON_AGG_COUNT };
	struct aggmon_agg *agg = aggmon_test_agg(test, "kunit.name",
						 AGGMON_AGG_COUNT, 0, 0);
	struct aggmon_agg_def def = { .name = "kunit.name",
				      .func = AGGMON_AGG_COUNT };
	struct aggmon_agg *twin;

	KUNIT_EXPECT_EQ(test, agg->id,
			(jhash("kunit.name", 10, 0) & AGGMON_AGG_ID_MASK) ?: 1);
	KUNIT_EXPECT_EQ(test, PTR_ERR(aggmon_agg_create(&def)), -EEXIST);
	def.name = "Kunit";
	KUNIT_EXPECT_EQ(test, PTR_ERR(aggmon_agg_create(&def)), -EINVAL);
	def.name = "kunit.keys";
	def.nkeys = 1;
	def.keys[0] = AGGMON_KEY_GAUGE;
	KUNIT_EXPECT_EQ(test, PTR_ERR(aggmon_agg_create(&def)), -EINVAL);

	/* A user's aggregation may share the name: it takes the next id. */
	twin = aggmon_agg_alloc("kunit.name", &count, NULL, 0, 0, false,
				GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, twin);
	twin->source = AGGMON_AGG_SRC_GAUGE_DELTA;
	KUNIT_ASSERT_EQ(test, aggmon_agg_publish(twin), 0);
	KUNIT_EXPECT_EQ(test, twin->id, agg->id + 1);
	aggmon_agg_unpublish(twin);
	aggmon_agg_free(twin);
}

/*
 * A timing hook records one duration, not negative (UML's clock may not
 * move over a short delay; the selftests check durations > 0 in QEMU);
 * NULL is ignored.
 */
static void aggmon_test_agg_timing_hook(struct kunit *test)
{
	struct aggmon_agg *agg = aggmon_test_agg(test, "kunit.time",
						 AGGMON_AGG_QUANTIZE, 0, 0);
	struct aggmon_agg_record *record;
	unsigned int cpu;
	u64 n = 0, start;
	int i;

	cpu = get_cpu();
	AGGMON_TIME_START(start);
	udelay(2);
	AGGMON_TIME_END(agg, start, NULL);
	AGGMON_TIME_END((struct aggmon_agg *)NULL, 0, NULL);
	put_cpu();
	aggmon_test_snapshot(test, agg, false);

	KUNIT_ASSERT_EQ(test, aggmon_test_snap.total, 1);
	record = aggmon_test_snap.records[cpu];
	for (i = 0; i < AGGMON_QUANTIZE_ZERO; i++)
		KUNIT_EXPECT_EQ(test, record->data[i], 0);
	for (i = 0; i < AGGMON_QUANTIZE_BUCKETS; i++)
		n += record->data[i];
	KUNIT_EXPECT_EQ(test, n, 1);
}

static struct kunit_case aggmon_agg_test_cases[] = {
	KUNIT_CASE(aggmon_test_agg_keys),
	KUNIT_CASE(aggmon_test_agg_drops),
	KUNIT_CASE(aggmon_test_agg_switch),
	KUNIT_CASE(aggmon_test_agg_no_buffer),
	KUNIT_CASE(aggmon_test_agg_names),
	KUNIT_CASE(aggmon_test_agg_timing_hook),
	{}
};

static struct kunit_suite aggmon_agg_test_suite = {
	.name = "aggmon_agg",
	.exit = aggmon_test_agg_exit,
	.test_cases = aggmon_agg_test_cases,
};

kunit_test_suite(aggmon_agg_test_suite);

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KUnit tests of the per-CPU aggregation buffers, included at the end of
 * aggbuf.c so that the hash and the chains are visible.  Each test works
 * on this CPU's buffer with migration disabled, and calls find, copy and
 * clear with interrupts disabled, as their Context asks; the buffers are
 * the test's own, so nothing else touches them meanwhile.
 */
#include <kunit/test.h>

#define AGGMON_TEST_SEED	0x5eed1e55

static void aggmon_test_bufs_free(void *bufs)
{
	aggmon_aggbufs_free(bufs);
}

/* Buffers freed when the test ends, however it ends. */
static struct aggmon_aggbufs *aggmon_test_bufs(struct kunit *test,
					       unsigned int key_words,
					       unsigned int value_words,
					       unsigned int capacity)
{
	struct aggmon_aggbufs *bufs = kunit_kzalloc(test, sizeof(*bufs),
						    GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, bufs);
	KUNIT_ASSERT_EQ(test, aggmon_aggbufs_init(bufs, key_words, value_words,
						  capacity, AGGMON_TEST_SEED,
						  GFP_KERNEL), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							aggmon_test_bufs_free,
							bufs), 0);
	return bufs;
}

static u64 *aggmon_test_find(const struct aggmon_aggbufs *bufs,
			     struct aggmon_aggbuf *buf, const u64 *key)
{
	unsigned long flags;
	u64 *value;

	local_irq_save(flags);
	value = aggmon_aggbuf_find(bufs, buf, key);
	local_irq_restore(flags);
	return value;
}

static unsigned int aggmon_test_copy(const struct aggmon_aggbufs *bufs,
				     struct aggmon_aggbuf *buf, u64 agg_id,
				     void *records)
{
	unsigned long flags;
	unsigned int n;

	local_irq_save(flags);
	n = aggmon_aggbuf_copy(bufs, buf, agg_id, smp_processor_id(), records);
	local_irq_restore(flags);
	return n;
}

static void aggmon_test_clear(const struct aggmon_aggbufs *bufs,
			      struct aggmon_aggbuf *buf)
{
	unsigned long flags;

	local_irq_save(flags);
	aggmon_aggbuf_clear(bufs, buf);
	local_irq_restore(flags);
}

/* Data sets on the chain of hash bucket @bucket. */
static unsigned int aggmon_test_chain_len(const struct aggmon_aggbufs *bufs,
					  const struct aggmon_aggbuf *buf,
					  u32 bucket)
{
	unsigned int n = 0;
	u32 link;

	for (link = buf->heads[bucket]; link && n <= bufs->capacity; n++)
		link = SET_LINK(aggmon_aggbuf_set(bufs, buf, link - 1)[0]);
	return n;
}

static void aggmon_test_aggbuf_init(struct kunit *test)
{
	struct aggmon_aggbufs *bufs;
	struct aggmon_aggbuf *buf;
	unsigned int cpu, i;

	bufs = aggmon_test_bufs(test, 1, 3, 5);
	KUNIT_EXPECT_EQ(test, bufs->seed, AGGMON_TEST_SEED);
	KUNIT_EXPECT_EQ(test, bufs->key_words, 1);
	KUNIT_EXPECT_EQ(test, bufs->value_words, 3);
	KUNIT_EXPECT_EQ(test, bufs->set_words, 5);
	KUNIT_EXPECT_EQ(test, bufs->capacity, 5);
	KUNIT_EXPECT_EQ(test, bufs->hash_mask, 7);
	KUNIT_EXPECT_EQ(test, aggmon_aggbuf_record_size(bufs), 16 + 4 * 8);
	for_each_possible_cpu(cpu) {
		buf = per_cpu_ptr(bufs->pcpu, cpu);
		KUNIT_EXPECT_NOT_NULL(test, buf->heads);
		KUNIT_EXPECT_NOT_NULL(test, buf->sets);
		KUNIT_EXPECT_EQ(test, buf->nused, 0);
		KUNIT_EXPECT_EQ(test, buf->drops, 0);
		KUNIT_EXPECT_EQ(test, buf->nmi_drops, 0);
		for (i = 0; i <= bufs->hash_mask; i++)
			KUNIT_EXPECT_EQ(test, buf->heads[i], 0);
	}

	bufs = aggmon_test_bufs(test, 2, 1, 4);
	KUNIT_EXPECT_EQ(test, bufs->set_words, 4);
	KUNIT_EXPECT_EQ(test, bufs->hash_mask, 3);
	KUNIT_EXPECT_EQ(test, aggmon_aggbuf_record_size(bufs), 16 + 3 * 8);

	/* No key: one data set per CPU, in a single bucket. */
	bufs = aggmon_test_bufs(test, 0, 6, 1);
	KUNIT_EXPECT_EQ(test, bufs->set_words, 7);
	KUNIT_EXPECT_EQ(test, bufs->hash_mask, 0);
	KUNIT_EXPECT_EQ(test, aggmon_aggbuf_record_size(bufs), 16 + 6 * 8);

	/* Freeing twice is harmless: the second sees no buffers. */
	aggmon_aggbufs_free(bufs);
	KUNIT_EXPECT_NULL(test, bufs->pcpu);
	aggmon_aggbufs_free(bufs);
	KUNIT_EXPECT_NULL(test, bufs->pcpu);
}

static void aggmon_test_aggbuf_find(struct kunit *test)
{
	struct aggmon_aggbufs *bufs = aggmon_test_bufs(test, 2, 2, 8);
	u64 a[2] = { 1, 2 }, b[2] = { 1, 3 }, c[2] = { 2, 2 };
	u64 *va, *vb, *vc, *again;
	struct aggmon_aggbuf *buf;
	unsigned int cpu;

	migrate_disable();
	buf = this_cpu_ptr(bufs->pcpu);

	/* A new key starts from a zero value, its key words before it. */
	va = aggmon_test_find(bufs, buf, a);
	KUNIT_ASSERT_NOT_NULL(test, va);
	KUNIT_EXPECT_EQ(test, va[0], 0);
	KUNIT_EXPECT_EQ(test, va[1], 0);
	KUNIT_EXPECT_EQ(test, buf->nused, 1);
	KUNIT_EXPECT_PTR_EQ(test, va, buf->sets + 1 + 2);
	KUNIT_EXPECT_EQ(test, va[-2], 1);
	KUNIT_EXPECT_EQ(test, va[-1], 2);
	KUNIT_EXPECT_EQ(test, SET_HASH(buf->sets[0]),
			aggmon_aggbuf_hash(bufs, a));
	va[0] = 42;
	va[1] = U64_MAX;

	/* The same key finds the same data set, value kept. */
	again = aggmon_test_find(bufs, buf, a);
	KUNIT_EXPECT_PTR_EQ(test, again, va);
	KUNIT_EXPECT_EQ(test, again[0], 42);
	KUNIT_EXPECT_EQ(test, again[1], U64_MAX);
	KUNIT_EXPECT_EQ(test, buf->nused, 1);

	/* Keys that differ in either word are distinct data sets. */
	vb = aggmon_test_find(bufs, buf, b);
	vc = aggmon_test_find(bufs, buf, c);
	KUNIT_ASSERT_NOT_NULL(test, vb);
	KUNIT_ASSERT_NOT_NULL(test, vc);
	KUNIT_EXPECT_PTR_NE(test, vb, va);
	KUNIT_EXPECT_PTR_NE(test, vc, va);
	KUNIT_EXPECT_PTR_NE(test, vc, vb);
	KUNIT_EXPECT_EQ(test, vb[0], 0);
	KUNIT_EXPECT_EQ(test, vc[0], 0);
	KUNIT_EXPECT_EQ(test, buf->nused, 3);
	KUNIT_EXPECT_PTR_EQ(test, aggmon_test_find(bufs, buf, b), vb);
	KUNIT_EXPECT_PTR_EQ(test, aggmon_test_find(bufs, buf, c), vc);
	KUNIT_EXPECT_PTR_EQ(test, aggmon_test_find(bufs, buf, a), va);
	KUNIT_EXPECT_EQ(test, va[0], 42);
	KUNIT_EXPECT_EQ(test, buf->nused, 3);
	KUNIT_EXPECT_EQ(test, buf->drops, 0);

	/* Other CPUs' buffers are untouched. */
	for_each_possible_cpu(cpu)
		if (per_cpu_ptr(bufs->pcpu, cpu) != buf)
			KUNIT_EXPECT_EQ(test,
					per_cpu_ptr(bufs->pcpu, cpu)->nused, 0);
	migrate_enable();
}

/* Without a key, every find is the one data set. */
static void aggmon_test_aggbuf_no_key(struct kunit *test)
{
	struct aggmon_aggbufs *bufs = aggmon_test_bufs(test, 0, 2, 1);
	struct aggmon_aggbuf *buf;
	u64 none = 0, *value;

	migrate_disable();
	buf = this_cpu_ptr(bufs->pcpu);
	value = aggmon_test_find(bufs, buf, &none);
	KUNIT_ASSERT_NOT_NULL(test, value);
	KUNIT_EXPECT_PTR_EQ(test, value, buf->sets + 1);
	KUNIT_EXPECT_EQ(test, value[0], 0);
	KUNIT_EXPECT_EQ(test, value[1], 0);
	value[0] = 7;
	KUNIT_EXPECT_PTR_EQ(test, aggmon_test_find(bufs, buf, &none), value);
	KUNIT_EXPECT_PTR_EQ(test, aggmon_test_find(bufs, buf, &none), value);
	KUNIT_EXPECT_EQ(test, value[0], 7);
	KUNIT_EXPECT_EQ(test, buf->nused, 1);
	KUNIT_EXPECT_EQ(test, buf->drops, 0);
	migrate_enable();
}

/*
 * Keys whose hashes share a bucket make one chain, newest first, and each
 * is still found; a bucket of 4 with capacity 4, then 24 keys on one chain
 * of a 64-bucket buffer.
 */
static void aggmon_test_aggbuf_chains(struct kunit *test)
{
	struct aggmon_aggbufs *bufs;
	struct aggmon_aggbuf *buf;
	u64 keys[24], key, *values[24];
	unsigned int n, i;
	u32 bucket;

	bufs = aggmon_test_bufs(test, 1, 1, 4);
	KUNIT_ASSERT_EQ(test, bufs->hash_mask, 3);
	key = 1000;
	bucket = aggmon_aggbuf_hash(bufs, &key) & bufs->hash_mask;
	for (n = 0, key = 1000; n < 4; key++)
		if ((aggmon_aggbuf_hash(bufs, &key) & bufs->hash_mask) == bucket)
			keys[n++] = key;

	migrate_disable();
	buf = this_cpu_ptr(bufs->pcpu);
	for (i = 0; i < 4; i++) {
		values[i] = aggmon_test_find(bufs, buf, &keys[i]);
		if (values[i])
			values[i][0] = keys[i] * 3;
	}
	KUNIT_EXPECT_EQ(test, buf->nused, 4);
	KUNIT_EXPECT_EQ(test, buf->heads[bucket], 4);
	KUNIT_EXPECT_EQ(test, aggmon_test_chain_len(bufs, buf, bucket), 4);
	for (i = 0; i < 4; i++) {
		KUNIT_EXPECT_NOT_NULL(test, values[i]);
		KUNIT_EXPECT_PTR_EQ(test,
				    aggmon_test_find(bufs, buf, &keys[i]),
				    values[i]);
	}
	for (i = 0; i < 4; i++)
		if (values[i])
			KUNIT_EXPECT_EQ(test, values[i][0], keys[i] * 3);
	for (i = 0; i <= bufs->hash_mask; i++)
		if (i != bucket)
			KUNIT_EXPECT_EQ(test, buf->heads[i], 0);
	KUNIT_EXPECT_EQ(test, buf->drops, 0);
	migrate_enable();

	bufs = aggmon_test_bufs(test, 1, 1, 64);
	KUNIT_ASSERT_EQ(test, bufs->hash_mask, 63);
	key = 0;
	bucket = aggmon_aggbuf_hash(bufs, &key) & bufs->hash_mask;
	for (n = 0, key = 0; n < ARRAY_SIZE(keys); key++)
		if ((aggmon_aggbuf_hash(bufs, &key) & bufs->hash_mask) == bucket)
			keys[n++] = key;

	migrate_disable();
	buf = this_cpu_ptr(bufs->pcpu);
	/* Other keys in between, in buckets of their own or not. */
	for (i = 0; i < ARRAY_SIZE(keys); i++) {
		key = U64_MAX - i;
		KUNIT_EXPECT_NOT_NULL(test, aggmon_test_find(bufs, buf, &key));
		values[i] = aggmon_test_find(bufs, buf, &keys[i]);
		if (values[i])
			values[i][0] = ~keys[i];
	}
	KUNIT_EXPECT_EQ(test, buf->nused, 2 * ARRAY_SIZE(keys));
	KUNIT_EXPECT_GE(test, aggmon_test_chain_len(bufs, buf, bucket),
			ARRAY_SIZE(keys));
	for (i = 0; i < ARRAY_SIZE(keys); i++) {
		KUNIT_EXPECT_NOT_NULL(test, values[i]);
		KUNIT_EXPECT_PTR_EQ(test,
				    aggmon_test_find(bufs, buf, &keys[i]),
				    values[i]);
		if (values[i])
			KUNIT_EXPECT_EQ(test, values[i][0], ~keys[i]);
	}
	KUNIT_EXPECT_EQ(test, buf->nused, 2 * ARRAY_SIZE(keys));
	migrate_enable();
}

/*
 * Two keys with the same 32-bit hash under AGGMON_TEST_SEED (found by
 * search): the hash matches, the key words decide.  As u32 words, so that
 * jhash2() sees the same input whatever the byte order.
 */
static void aggmon_test_aggbuf_same_hash(struct kunit *test)
{
	static const u32 words[2][2] = {
		{ 173306, 0xa66e0a66 }, { 195230, 0xa66e0a66 },
	};
	struct aggmon_aggbufs *bufs = aggmon_test_bufs(test, 1, 1, 4);
	struct aggmon_aggbuf *buf;
	u64 keys[2], *v0, *v1;

	memcpy(&keys[0], words[0], sizeof(keys[0]));
	memcpy(&keys[1], words[1], sizeof(keys[1]));
	KUNIT_ASSERT_EQ(test, aggmon_aggbuf_hash(bufs, &keys[0]),
			aggmon_aggbuf_hash(bufs, &keys[1]));

	migrate_disable();
	buf = this_cpu_ptr(bufs->pcpu);
	v0 = aggmon_test_find(bufs, buf, &keys[0]);
	v1 = aggmon_test_find(bufs, buf, &keys[1]);
	KUNIT_EXPECT_NOT_NULL(test, v0);
	KUNIT_EXPECT_NOT_NULL(test, v1);
	KUNIT_EXPECT_PTR_NE(test, v0, v1);
	KUNIT_EXPECT_EQ(test, buf->nused, 2);
	KUNIT_EXPECT_PTR_EQ(test, aggmon_test_find(bufs, buf, &keys[0]), v0);
	KUNIT_EXPECT_PTR_EQ(test, aggmon_test_find(bufs, buf, &keys[1]), v1);
	KUNIT_EXPECT_EQ(test, buf->nused, 2);
	migrate_enable();
}

/*
 * A full buffer drops new keys and counts them; its keys go on updating.
 * A clear empties it: no data sets, no drops, old keys start from zero.
 */
static void aggmon_test_aggbuf_full_clear(struct kunit *test)
{
	enum { CAPACITY = 6 };
	struct aggmon_aggbufs *bufs = aggmon_test_bufs(test, 1, 1, CAPACITY);
	u64 *values[CAPACITY], *value, key;
	struct aggmon_aggbuf *buf;
	unsigned int i, cpu;

	migrate_disable();
	buf = this_cpu_ptr(bufs->pcpu);
	for (key = 0; key < CAPACITY + 5; key++) {
		value = aggmon_test_find(bufs, buf, &key);
		if (key < CAPACITY) {
			KUNIT_EXPECT_NOT_NULL(test, value);
			values[key] = value;
			if (value)
				value[0] = 100 + key;
		} else {
			KUNIT_EXPECT_NULL(test, value);
		}
	}
	KUNIT_EXPECT_EQ(test, buf->nused, CAPACITY);
	KUNIT_EXPECT_EQ(test, buf->drops, 5);

	/* Known keys still update; a dropped key is dropped again. */
	for (key = 0; key < CAPACITY; key++) {
		value = aggmon_test_find(bufs, buf, &key);
		KUNIT_EXPECT_PTR_EQ(test, value, values[key]);
		if (value)
			value[0]++;
	}
	for (key = 0; key < CAPACITY; key++)
		if (values[key])
			KUNIT_EXPECT_EQ(test, values[key][0], 101 + key);
	KUNIT_EXPECT_EQ(test, buf->drops, 5);
	key = CAPACITY;
	KUNIT_EXPECT_NULL(test, aggmon_test_find(bufs, buf, &key));
	KUNIT_EXPECT_EQ(test, buf->drops, 6);
	KUNIT_EXPECT_EQ(test, buf->nused, CAPACITY);

	aggmon_test_clear(bufs, buf);
	KUNIT_EXPECT_EQ(test, buf->nused, 0);
	KUNIT_EXPECT_EQ(test, buf->drops, 0);
	for (i = 0; i <= bufs->hash_mask; i++)
		KUNIT_EXPECT_EQ(test, buf->heads[i], 0);

	/* Keys come back from zero, in the order they come. */
	for (key = CAPACITY - 1; key < CAPACITY + 5; key++) {
		value = aggmon_test_find(bufs, buf, &key);
		if (key < 2 * CAPACITY - 1) {
			KUNIT_EXPECT_NOT_NULL(test, value);
			if (value)
				KUNIT_EXPECT_EQ(test, value[0], 0);
		} else {
			KUNIT_EXPECT_NULL(test, value);
		}
	}
	KUNIT_EXPECT_PTR_EQ(test, buf->sets + 2, values[0]);
	key = CAPACITY - 1;
	KUNIT_EXPECT_PTR_EQ(test, aggmon_test_find(bufs, buf, &key),
			    values[0]);
	KUNIT_EXPECT_EQ(test, buf->nused, CAPACITY);
	KUNIT_EXPECT_EQ(test, buf->drops, 0);

	/* Other CPUs' buffers neither fill nor drop. */
	for_each_possible_cpu(cpu) {
		if (per_cpu_ptr(bufs->pcpu, cpu) == buf)
			continue;
		KUNIT_EXPECT_EQ(test, per_cpu_ptr(bufs->pcpu, cpu)->nused, 0);
		KUNIT_EXPECT_EQ(test, per_cpu_ptr(bufs->pcpu, cpu)->drops, 0);
	}
	migrate_enable();
}

/* Records: agg_id, cpu, 0, key then value words, in insertion order. */
static void aggmon_test_aggbuf_copy(struct kunit *test)
{
	enum { KEYS = 3, KW = 2, VW = 3 };
	static const u64 agg_id = 0x1122334455667788ULL;
	struct aggmon_aggbufs *bufs = aggmon_test_bufs(test, KW, VW, 8);
	size_t rsize = aggmon_aggbuf_record_size(bufs);
	struct aggmon_agg_record *record;
	struct aggmon_aggbuf *buf;
	unsigned int i, j, cpu;
	u64 key[KW], *value;
	u8 *records;

	KUNIT_ASSERT_EQ(test, rsize, sizeof(*record) + (KW + VW) * 8);
	records = kunit_kmalloc(test, (KEYS + 1) * rsize, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, records);
	memset(records, 0xa5, (KEYS + 1) * rsize);

	migrate_disable();
	buf = this_cpu_ptr(bufs->pcpu);
	cpu = smp_processor_id();
	KUNIT_EXPECT_EQ(test, aggmon_test_copy(bufs, buf, agg_id, records), 0);
	KUNIT_EXPECT_EQ(test, records[0], 0xa5);

	for (i = 0; i < KEYS; i++) {
		key[0] = 10 * i + 1;
		key[1] = ~key[0];
		value = aggmon_test_find(bufs, buf, key);
		KUNIT_ASSERT_NOT_NULL(test, value);
		for (j = 0; j < VW; j++)
			value[j] = 100 * i + j;
	}
	/* A repeat changes a value, not the number of records. */
	key[0] = 1;
	key[1] = ~1ULL;
	value = aggmon_test_find(bufs, buf, key);
	KUNIT_ASSERT_NOT_NULL(test, value);
	value[2] = S64_MIN;

	KUNIT_EXPECT_EQ(test, aggmon_test_copy(bufs, buf, agg_id, records),
			KEYS);
	migrate_enable();

	for (i = 0; i < KEYS; i++) {
		record = (void *)(records + i * rsize);
		KUNIT_EXPECT_EQ(test, record->agg_id, agg_id);
		KUNIT_EXPECT_EQ(test, record->cpu, cpu);
		KUNIT_EXPECT_EQ(test, record->__reserved, 0);
		KUNIT_EXPECT_EQ(test, record->data[0], 10 * i + 1);
		KUNIT_EXPECT_EQ(test, record->data[1], ~(10ULL * i + 1));
		for (j = 0; j < VW; j++)
			KUNIT_EXPECT_EQ(test, record->data[KW + j],
					i || j != 2 ? 100 * i + j : 1ULL << 63);
	}
	/* Nothing past the last record. */
	for (i = KEYS * rsize; i < (KEYS + 1) * rsize; i++)
		KUNIT_EXPECT_EQ(test, records[i], 0xa5);
}

static struct kunit_case aggmon_aggbuf_test_cases[] = {
	KUNIT_CASE(aggmon_test_aggbuf_init),
	KUNIT_CASE(aggmon_test_aggbuf_find),
	KUNIT_CASE(aggmon_test_aggbuf_no_key),
	KUNIT_CASE(aggmon_test_aggbuf_chains),
	KUNIT_CASE(aggmon_test_aggbuf_same_hash),
	KUNIT_CASE(aggmon_test_aggbuf_full_clear),
	KUNIT_CASE(aggmon_test_aggbuf_copy),
	{}
};

static struct kunit_suite aggmon_aggbuf_test_suite = {
	.name = "aggmon_aggbuf",
	.test_cases = aggmon_aggbuf_test_cases,
};

kunit_test_suite(aggmon_aggbuf_test_suite);

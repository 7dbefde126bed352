/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KUnit tests of the per-CPU aggregation buffers, included at the end of
 * aggbuf.c so that the hash and the chains are visible.  Each test works
 * on this CPU's buffer with migration disabled, and calls find, copy and
 * clear with interrupts disabled, as their Context asks; the buffers are
 * the test's own, so nothing else touches them meanwhile.
 */
#include <kunit/test.h>
#include <linux/sort.h>
#include <linux/user_namespace.h>

/* A fixed hash key, so that every run hashes alike. */
static const hsiphash_key_t aggmon_test_hash_key = {
	{ 0x5eed1e55c0ffee00UL, 0x0123456789abcdefUL }
};

static void aggmon_test_bufs_free(void *bufs)
{
	aggmon_aggbufs_free(bufs);
}

/*
 * Buffers freed when the test ends, however it ends.  Hotplug merges add
 * their values word by word, as a count's or a sum's are.
 */
static struct aggmon_aggbufs *aggmon_test_bufs(struct kunit *test,
					       unsigned int key_words,
					       unsigned int value_words,
					       unsigned int capacity)
{
	struct aggmon_aggbufs *bufs = kunit_kzalloc(test, sizeof(*bufs),
						    GFP_KERNEL);
	struct aggmon_func *fn = kunit_kzalloc(test, sizeof(*fn), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, bufs);
	KUNIT_ASSERT_NOT_NULL(test, fn);
	fn->func = AGGMON_AGG_SUM;
	fn->nslots = value_words;
	KUNIT_ASSERT_EQ(test, aggmon_aggbufs_init(bufs, key_words, value_words,
						  capacity, fn,
						  &aggmon_test_hash_key,
						  GFP_KERNEL, NULL), 0);
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
				     unsigned int cpu, void *records)
{
	unsigned long flags;
	unsigned int n;

	local_irq_save(flags);
	n = aggmon_aggbuf_copy(bufs, buf, records);
	local_irq_restore(flags);
	aggmon_aggbuf_stamp(bufs, records, n, agg_id, cpu);
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
	KUNIT_EXPECT_MEMEQ(test, &bufs->hash_key, &aggmon_test_hash_key,
			   sizeof(bufs->hash_key));
	KUNIT_EXPECT_EQ(test, bufs->key_words, 1);
	KUNIT_EXPECT_EQ(test, bufs->value_words, 3);
	KUNIT_EXPECT_EQ(test, bufs->set_words, 6);
	KUNIT_EXPECT_EQ(test, bufs->capacity, 5);
	KUNIT_EXPECT_EQ(test, bufs->hash_mask, 7);
	KUNIT_EXPECT_EQ(test, aggmon_aggbuf_record_size(bufs), 16 + 4 * 8);
	for_each_online_cpu(cpu) {
		buf = per_cpu_ptr(bufs->pcpu, cpu)->active;
		KUNIT_ASSERT_NOT_NULL(test, buf);
		KUNIT_EXPECT_NOT_NULL(test, buf->heads);
		KUNIT_EXPECT_NOT_NULL(test, buf->sets);
		KUNIT_EXPECT_EQ(test, buf->nused, 0);
		KUNIT_EXPECT_EQ(test, buf->room, 5);
		KUNIT_EXPECT_EQ(test, buf->hash_mask, 7);
		KUNIT_EXPECT_EQ(test, buf->drops, 0);
		KUNIT_EXPECT_EQ(test, per_cpu_ptr(bufs->pcpu, cpu)->lost, 0);
		for (i = 0; i <= bufs->hash_mask; i++)
			KUNIT_EXPECT_EQ(test, buf->heads[i], 0);
		/* The totals take memory only when data comes. */
		KUNIT_EXPECT_EQ(test, bufs->totals[cpu].room, 0);
		KUNIT_EXPECT_NULL(test, bufs->totals[cpu].sets);
	}
	KUNIT_EXPECT_EQ(test, bufs->spare->room, 5);
	KUNIT_EXPECT_EQ(test, bufs->spare->nused, 0);

	bufs = aggmon_test_bufs(test, 2, 1, 4);
	KUNIT_EXPECT_EQ(test, bufs->set_words, 5);
	KUNIT_EXPECT_EQ(test, bufs->hash_mask, 3);
	KUNIT_EXPECT_EQ(test, aggmon_aggbuf_record_size(bufs), 16 + 3 * 8);

	/* No key: one data set per CPU, in a single bucket. */
	bufs = aggmon_test_bufs(test, 0, 6, 1);
	KUNIT_EXPECT_EQ(test, bufs->set_words, 8);
	KUNIT_EXPECT_EQ(test, bufs->hash_mask, 0);
	KUNIT_EXPECT_EQ(test, aggmon_aggbuf_record_size(bufs), 16 + 6 * 8);

	/* Freeing twice is harmless: the second sees no buffers. */
	aggmon_aggbufs_free(bufs);
	KUNIT_EXPECT_TRUE(test, !bufs->pcpu && !bufs->spare && !bufs->totals);
	aggmon_aggbufs_free(bufs);
	KUNIT_EXPECT_TRUE(test, !bufs->pcpu);
}

/* Run @fn on this CPU's buffer of @bufs, with migration disabled. */
static void aggmon_test_here(struct kunit *test, struct aggmon_aggbufs *bufs,
			     void (*fn)(struct kunit *test,
					const struct aggmon_aggbufs *bufs,
					struct aggmon_aggbuf *buf))
{
	migrate_disable();
	fn(test, bufs, this_cpu_read(bufs->pcpu->active));
	migrate_enable();
}

/* Other CPUs' buffers of @bufs are still empty. */
static void aggmon_test_others_empty(struct kunit *test,
				     const struct aggmon_aggbufs *bufs,
				     const struct aggmon_aggbuf *buf)
{
	const struct aggmon_aggbuf *other;
	unsigned int cpu;

	for_each_online_cpu(cpu) {
		other = per_cpu_ptr(bufs->pcpu, cpu)->active;
		if (other == buf)
			continue;
		KUNIT_EXPECT_EQ(test, other->nused, 0);
		KUNIT_EXPECT_EQ(test, other->drops, 0);
	}
}

static void aggmon_test_find_here(struct kunit *test,
				  const struct aggmon_aggbufs *bufs,
				  struct aggmon_aggbuf *buf)
{
	u64 a[2] = { 1, 2 }, b[2] = { 1, 3 }, c[2] = { 2, 2 };
	u64 *va, *vb, *vc, *again;

	/* A new key starts from a zero value, its key words before it. */
	va = aggmon_test_find(bufs, buf, a);
	KUNIT_EXPECT_NOT_NULL(test, va);
	if (!va)
		return;
	KUNIT_EXPECT_EQ(test, va[0], 0);
	KUNIT_EXPECT_EQ(test, va[1], 0);
	KUNIT_EXPECT_EQ(test, buf->nused, 1);
	KUNIT_EXPECT_PTR_EQ(test, va, buf->sets + AGGMON_AGGBUF_HEADER_WORDS + 2);
	KUNIT_EXPECT_EQ(test, va[-2], 1);
	KUNIT_EXPECT_EQ(test, va[-1], 2);
	KUNIT_EXPECT_EQ(test, SET_HASH(buf->sets[0]),
			aggmon_aggbuf_hash(bufs, a));
	KUNIT_EXPECT_EQ(test, SET_LINK(buf->sets[0]), 0);
	va[0] = 42;
	va[1] = U64_MAX;

	/* The same key finds the same data set, value kept. */
	again = aggmon_test_find(bufs, buf, a);
	KUNIT_EXPECT_PTR_EQ(test, again, va);
	KUNIT_EXPECT_EQ(test, va[0], 42);
	KUNIT_EXPECT_EQ(test, va[1], U64_MAX);
	KUNIT_EXPECT_EQ(test, buf->nused, 1);

	/* Keys that differ in either word are distinct data sets. */
	vb = aggmon_test_find(bufs, buf, b);
	vc = aggmon_test_find(bufs, buf, c);
	KUNIT_EXPECT_NOT_NULL(test, vb);
	KUNIT_EXPECT_NOT_NULL(test, vc);
	if (!vb || !vc)
		return;
	KUNIT_EXPECT_PTR_NE(test, vb, va);
	KUNIT_EXPECT_PTR_NE(test, vc, va);
	KUNIT_EXPECT_PTR_NE(test, vc, vb);
	KUNIT_EXPECT_EQ(test, vb[0], 0);
	KUNIT_EXPECT_EQ(test, vb[1], 0);
	KUNIT_EXPECT_EQ(test, vc[0], 0);
	KUNIT_EXPECT_EQ(test, vc[1], 0);
	KUNIT_EXPECT_EQ(test, buf->nused, 3);
	KUNIT_EXPECT_PTR_EQ(test, aggmon_test_find(bufs, buf, b), vb);
	KUNIT_EXPECT_PTR_EQ(test, aggmon_test_find(bufs, buf, c), vc);
	KUNIT_EXPECT_PTR_EQ(test, aggmon_test_find(bufs, buf, a), va);
	KUNIT_EXPECT_EQ(test, va[0], 42);
	KUNIT_EXPECT_EQ(test, buf->nused, 3);
	KUNIT_EXPECT_EQ(test, buf->drops, 0);
	aggmon_test_others_empty(test, bufs, buf);
}

static void aggmon_test_aggbuf_find(struct kunit *test)
{
	aggmon_test_here(test, aggmon_test_bufs(test, 2, 2, 8),
			 aggmon_test_find_here);
}

static void aggmon_test_no_key_here(struct kunit *test,
				    const struct aggmon_aggbufs *bufs,
				    struct aggmon_aggbuf *buf)
{
	u64 none = 0, *value;

	value = aggmon_test_find(bufs, buf, &none);
	KUNIT_EXPECT_NOT_NULL(test, value);
	if (!value)
		return;
	KUNIT_EXPECT_PTR_EQ(test, value, buf->sets + AGGMON_AGGBUF_HEADER_WORDS);
	KUNIT_EXPECT_EQ(test, value[0], 0);
	KUNIT_EXPECT_EQ(test, value[1], 0);
	value[0] = 7;
	KUNIT_EXPECT_PTR_EQ(test, aggmon_test_find(bufs, buf, &none), value);
	KUNIT_EXPECT_PTR_EQ(test, aggmon_test_find(bufs, buf, &none), value);
	KUNIT_EXPECT_EQ(test, value[0], 7);
	KUNIT_EXPECT_EQ(test, buf->nused, 1);
	KUNIT_EXPECT_EQ(test, buf->drops, 0);
}

/* Without a key, every find is the one data set. */
static void aggmon_test_aggbuf_no_key(struct kunit *test)
{
	aggmon_test_here(test, aggmon_test_bufs(test, 0, 2, 1),
			 aggmon_test_no_key_here);
}

/*
 * Find @n keys from @keys that all hash to one bucket, each after a key
 * from @filler on (if any), and check that all of them are found again.
 */
static void aggmon_test_chain(struct kunit *test,
			      const struct aggmon_aggbufs *bufs,
			      struct aggmon_aggbuf *buf, const u64 *keys,
			      unsigned int n, u64 filler)
{
	u32 bucket = aggmon_aggbuf_hash(bufs, keys) & bufs->hash_mask;
	unsigned int i, before = buf->nused;
	u64 *values[32], *value, key;

	for (i = 0; i < n; i++) {
		if (filler) {
			key = filler - i;
			value = aggmon_test_find(bufs, buf, &key);
			KUNIT_EXPECT_NOT_NULL(test, value);
		}
		values[i] = aggmon_test_find(bufs, buf, &keys[i]);
		KUNIT_EXPECT_NOT_NULL(test, values[i]);
		if (!values[i])
			return;
		values[i][0] = ~keys[i];
		/* The newest data set heads the chain. */
		KUNIT_EXPECT_EQ(test, buf->heads[bucket], buf->nused);
	}
	KUNIT_EXPECT_EQ(test, buf->nused, before + (filler ? 2 : 1) * n);
	KUNIT_EXPECT_GE(test, aggmon_test_chain_len(bufs, buf, bucket), n);
	for (i = 0; i < n; i++) {
		KUNIT_EXPECT_PTR_EQ(test, aggmon_test_find(bufs, buf, &keys[i]),
				    values[i]);
		KUNIT_EXPECT_EQ(test, values[i][0], ~keys[i]);
	}
	KUNIT_EXPECT_EQ(test, buf->nused, before + (filler ? 2 : 1) * n);
	KUNIT_EXPECT_EQ(test, buf->drops, 0);
}

/* @n keys from @key on whose hashes fall in one bucket of @bufs. */
static void aggmon_test_colliding(const struct aggmon_aggbufs *bufs, u64 key,
				  u64 *keys, unsigned int n)
{
	u32 bucket = aggmon_aggbuf_hash(bufs, &key) & bufs->hash_mask;
	unsigned int i = 0;

	for (; i < n; key++)
		if ((aggmon_aggbuf_hash(bufs, &key) & bufs->hash_mask) ==
		    bucket)
			keys[i++] = key;
}

static void aggmon_test_chain4_here(struct kunit *test,
				    const struct aggmon_aggbufs *bufs,
				    struct aggmon_aggbuf *buf)
{
	u64 keys[4];
	u32 bucket, i;

	aggmon_test_colliding(bufs, 1000, keys, 4);
	aggmon_test_chain(test, bufs, buf, keys, 4, 0);
	/* One chain of four: the other buckets stay empty. */
	bucket = aggmon_aggbuf_hash(bufs, keys) & bufs->hash_mask;
	KUNIT_EXPECT_EQ(test, aggmon_test_chain_len(bufs, buf, bucket), 4);
	for (i = 0; i <= bufs->hash_mask; i++)
		if (i != bucket)
			KUNIT_EXPECT_EQ(test, buf->heads[i], 0);
}

static void aggmon_test_chain12_here(struct kunit *test,
				     const struct aggmon_aggbufs *bufs,
				     struct aggmon_aggbuf *buf)
{
	u64 keys[12];

	aggmon_test_colliding(bufs, 0, keys, ARRAY_SIZE(keys));
	aggmon_test_chain(test, bufs, buf, keys, ARRAY_SIZE(keys), U64_MAX);
}

/*
 * Keys whose hashes share a bucket make one chain, newest first, and each
 * is still found: four keys in one bucket of a buffer of capacity 4 (four
 * buckets), then 12 in one of 64 buckets, amid 12 other keys.
 */
static void aggmon_test_aggbuf_chains(struct kunit *test)
{
	struct aggmon_aggbufs *bufs;

	bufs = aggmon_test_bufs(test, 1, 1, 4);
	KUNIT_EXPECT_EQ(test, bufs->hash_mask, 3);
	aggmon_test_here(test, bufs, aggmon_test_chain4_here);
	bufs = aggmon_test_bufs(test, 1, 1, 64);
	KUNIT_EXPECT_EQ(test, bufs->hash_mask, 63);
	aggmon_test_here(test, bufs, aggmon_test_chain12_here);
}

/* Two one-word keys with the same 32-bit hash, found once per boot. */
static u64 aggmon_test_pair[2];

static int aggmon_test_cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/*
 * Among 2^18 keys two share a 32-bit hash with probability 1 - e^-8;
 * sorted as (hash, key) pairs they lie side by side.  The hash key is
 * fixed, so the search finds the same pair every run.
 */
#define AGGMON_TEST_BIRTHDAY	BIT(18)

static bool aggmon_test_find_same_hash(const struct aggmon_aggbufs *bufs)
{
	u64 *pairs, key;
	bool found = false;
	u32 i;

	pairs = kvmalloc_array(AGGMON_TEST_BIRTHDAY, sizeof(*pairs), GFP_KERNEL);
	if (!pairs)
		return false;
	for (i = 0; i < AGGMON_TEST_BIRTHDAY; i++) {
		key = i;
		pairs[i] = (u64)aggmon_aggbuf_hash(bufs, &key) << 32 | i;
	}
	sort(pairs, AGGMON_TEST_BIRTHDAY, sizeof(*pairs), aggmon_test_cmp_u64,
	     NULL);
	for (i = 1; i < AGGMON_TEST_BIRTHDAY && !found; i++) {
		if (upper_32_bits(pairs[i]) != upper_32_bits(pairs[i - 1]))
			continue;
		aggmon_test_pair[0] = lower_32_bits(pairs[i - 1]);
		aggmon_test_pair[1] = lower_32_bits(pairs[i]);
		found = true;
	}
	kvfree(pairs);
	return found;
}

static void aggmon_test_same_hash_here(struct kunit *test,
				       const struct aggmon_aggbufs *bufs,
				       struct aggmon_aggbuf *buf)
{
	u64 *keys = aggmon_test_pair, *v0, *v1;

	v0 = aggmon_test_find(bufs, buf, &keys[0]);
	v1 = aggmon_test_find(bufs, buf, &keys[1]);
	KUNIT_EXPECT_NOT_NULL(test, v0);
	KUNIT_EXPECT_NOT_NULL(test, v1);
	KUNIT_EXPECT_PTR_NE(test, v0, v1);
	KUNIT_EXPECT_EQ(test, buf->nused, 2);
	KUNIT_EXPECT_PTR_EQ(test, aggmon_test_find(bufs, buf, &keys[0]), v0);
	KUNIT_EXPECT_PTR_EQ(test, aggmon_test_find(bufs, buf, &keys[1]), v1);
	KUNIT_EXPECT_EQ(test, buf->nused, 2);
}

static void aggmon_test_chain_max_here(struct kunit *test,
				       const struct aggmon_aggbufs *bufs,
				       struct aggmon_aggbuf *buf)
{
	u64 keys[AGGMON_AGGBUF_CHAIN_MAX + 1], other, *value;
	u32 bucket;
	unsigned int i;

	aggmon_test_colliding(bufs, 0, keys, ARRAY_SIZE(keys));
	bucket = aggmon_aggbuf_hash(bufs, keys) & bufs->hash_mask;
	for (i = 0; i < AGGMON_AGGBUF_CHAIN_MAX; i++)
		KUNIT_EXPECT_NOT_NULL(test, aggmon_test_find(bufs, buf, &keys[i]));
	KUNIT_EXPECT_EQ(test, aggmon_test_chain_len(bufs, buf, bucket),
			AGGMON_AGGBUF_CHAIN_MAX);

	/* One more in that chain is dropped and counted, twice over. */
	KUNIT_EXPECT_NULL(test, aggmon_test_find(bufs, buf, &keys[i]));
	KUNIT_EXPECT_NULL(test, aggmon_test_find(bufs, buf, &keys[i]));
	KUNIT_EXPECT_EQ(test, buf->drops, 2);
	KUNIT_EXPECT_EQ(test, buf->nused, AGGMON_AGGBUF_CHAIN_MAX);

	/* The chain's keys still update; other buckets still take keys. */
	for (i = 0; i < AGGMON_AGGBUF_CHAIN_MAX; i++)
		KUNIT_EXPECT_NOT_NULL(test, aggmon_test_find(bufs, buf, &keys[i]));
	for (other = 0; (aggmon_aggbuf_hash(bufs, &other) & bufs->hash_mask) ==
			bucket; other++)
		;
	value = aggmon_test_find(bufs, buf, &other);
	KUNIT_EXPECT_NOT_NULL(test, value);
	KUNIT_EXPECT_EQ(test, buf->nused, AGGMON_AGGBUF_CHAIN_MAX + 1);
	KUNIT_EXPECT_EQ(test, buf->drops, 2);
}

/*
 * No chain grows past AGGMON_AGGBUF_CHAIN_MAX, whatever the keys: the
 * time an update spends with interrupts off is bounded.
 */
static void aggmon_test_aggbuf_chain_max(struct kunit *test)
{
	aggmon_test_here(test, aggmon_test_bufs(test, 1, 1, 64),
			 aggmon_test_chain_max_here);
}

static void aggmon_test_flood_here(struct kunit *test,
				   const struct aggmon_aggbufs *bufs,
				   struct aggmon_aggbuf *buf)
{
	unsigned int i, longest = 0;
	u64 key;

	for (i = 0; i < 64; i++) {
		key = (u64)i << 48;
		KUNIT_EXPECT_NOT_NULL(test, aggmon_test_find(bufs, buf, &key));
	}
	for (i = 0; i <= bufs->hash_mask; i++)
		longest = max(longest, aggmon_test_chain_len(bufs, buf, i));
	KUNIT_EXPECT_EQ(test, buf->nused, 64);
	KUNIT_EXPECT_EQ(test, buf->drops, 0);
	KUNIT_EXPECT_LE(test, longest, 6);
}

/*
 * Keys that differ only in their high bits, which a multiplicative hash
 * of (key ^ seed) puts in one bucket whatever the seed, spread out: 64
 * of them in 64 buckets make no chain longer than 6 (the longest of 64
 * random keys exceeds 6 with probability about 1 in 200; the hash key
 * is fixed, so this holds every run or never).
 */
static void aggmon_test_aggbuf_flood(struct kunit *test)
{
	aggmon_test_here(test, aggmon_test_bufs(test, 1, 1, 64),
			 aggmon_test_flood_here);
}

/* The hash matches, the key words decide. */
static void aggmon_test_aggbuf_same_hash(struct kunit *test)
{
	struct aggmon_aggbufs *bufs = aggmon_test_bufs(test, 1, 1, 4);
	u64 *keys = aggmon_test_pair;

	KUNIT_ASSERT_TRUE(test, aggmon_test_find_same_hash(bufs));
	KUNIT_ASSERT_NE(test, keys[0], keys[1]);
	KUNIT_ASSERT_EQ(test, aggmon_aggbuf_hash(bufs, &keys[0]),
			aggmon_aggbuf_hash(bufs, &keys[1]));
	aggmon_test_here(test, bufs, aggmon_test_same_hash_here);
}

#define AGGMON_TEST_CAPACITY	6

static void aggmon_test_full_clear_here(struct kunit *test,
					const struct aggmon_aggbufs *bufs,
					struct aggmon_aggbuf *buf)
{
	u64 *values[AGGMON_TEST_CAPACITY], *value, key;
	unsigned int i;

	for (key = 0; key < AGGMON_TEST_CAPACITY; key++) {
		values[key] = aggmon_test_find(bufs, buf, &key);
		KUNIT_EXPECT_NOT_NULL(test, values[key]);
		if (!values[key])
			return;
		values[key][0] = 100 + key;
	}
	for (; key < AGGMON_TEST_CAPACITY + 5; key++)
		KUNIT_EXPECT_NULL(test, aggmon_test_find(bufs, buf, &key));
	KUNIT_EXPECT_EQ(test, buf->nused, AGGMON_TEST_CAPACITY);
	KUNIT_EXPECT_EQ(test, buf->drops, 5);

	/* Known keys still update; a dropped key is dropped again. */
	for (key = 0; key < AGGMON_TEST_CAPACITY; key++) {
		value = aggmon_test_find(bufs, buf, &key);
		KUNIT_EXPECT_PTR_EQ(test, value, values[key]);
		values[key][0]++;
	}
	for (key = 0; key < AGGMON_TEST_CAPACITY; key++)
		KUNIT_EXPECT_EQ(test, values[key][0], 101 + key);
	KUNIT_EXPECT_EQ(test, buf->drops, 5);
	key = AGGMON_TEST_CAPACITY;
	KUNIT_EXPECT_NULL(test, aggmon_test_find(bufs, buf, &key));
	KUNIT_EXPECT_EQ(test, buf->drops, 6);
	KUNIT_EXPECT_EQ(test, buf->nused, AGGMON_TEST_CAPACITY);

	aggmon_test_clear(bufs, buf);
	KUNIT_EXPECT_EQ(test, buf->nused, 0);
	KUNIT_EXPECT_EQ(test, buf->drops, 0);
	for (i = 0; i <= bufs->hash_mask; i++)
		KUNIT_EXPECT_EQ(test, buf->heads[i], 0);

	/*
	 * Keys start from zero again, old (5) or new, in the data sets from
	 * the first on; the buffer fills and drops as before.
	 */
	for (key = AGGMON_TEST_CAPACITY - 1; key < 2 * AGGMON_TEST_CAPACITY - 1;
	     key++) {
		value = aggmon_test_find(bufs, buf, &key);
		KUNIT_EXPECT_NOT_NULL(test, value);
		if (!value)
			return;
		KUNIT_EXPECT_EQ(test, value[0], 0);
		KUNIT_EXPECT_EQ(test, value[-1], key);
	}
	KUNIT_EXPECT_NULL(test, aggmon_test_find(bufs, buf, &key));
	KUNIT_EXPECT_EQ(test, buf->drops, 1);
	KUNIT_EXPECT_EQ(test, buf->nused, AGGMON_TEST_CAPACITY);
	key = AGGMON_TEST_CAPACITY - 1;
	KUNIT_EXPECT_PTR_EQ(test, aggmon_test_find(bufs, buf, &key), values[0]);
	aggmon_test_others_empty(test, bufs, buf);
}

/*
 * A full buffer drops new keys and counts them; its keys go on updating.
 * A clear empties it: no data sets, no drops, old keys start from zero.
 */
static void aggmon_test_aggbuf_full_clear(struct kunit *test)
{
	aggmon_test_here(test, aggmon_test_bufs(test, 1, 1,
						AGGMON_TEST_CAPACITY),
			 aggmon_test_full_clear_here);
}

#define AGGMON_TEST_KW		2
#define AGGMON_TEST_VW		3
#define AGGMON_TEST_KEYS	3
#define AGGMON_TEST_AGG_ID	0x1122334455667788ULL

/*
 * Where aggmon_test_copy_here() copies to, and from which CPU; @other is
 * a copy that names CPU 0xabcd, to see the number go through.
 */
struct aggmon_test_copy_ctx {
	u8 *records;
	u8 *other;
	unsigned int cpu;
};

/* Fill @buf and copy it as test->priv says. */
static void aggmon_test_copy_here(struct kunit *test,
				  const struct aggmon_aggbufs *bufs,
				  struct aggmon_aggbuf *buf)
{
	struct aggmon_test_copy_ctx *ctx = test->priv;
	u8 *records = ctx->records;
	u64 key[AGGMON_TEST_KW], *value;
	unsigned int i, j;

	ctx->cpu = smp_processor_id();

	KUNIT_EXPECT_EQ(test, aggmon_test_copy(bufs, buf, AGGMON_TEST_AGG_ID,
					       ctx->cpu, records), 0);
	KUNIT_EXPECT_EQ(test, records[0], 0xa5);
	for (i = 0; i < AGGMON_TEST_KEYS; i++) {
		key[0] = 10 * i + 1;
		key[1] = ~key[0];
		value = aggmon_test_find(bufs, buf, key);
		KUNIT_EXPECT_NOT_NULL(test, value);
		if (!value)
			return;
		for (j = 0; j < AGGMON_TEST_VW; j++)
			value[j] = 100 * i + j;
	}
	/* A repeat changes a value, not the number of records. */
	key[0] = 1;
	key[1] = ~1ULL;
	value = aggmon_test_find(bufs, buf, key);
	KUNIT_EXPECT_NOT_NULL(test, value);
	if (!value)
		return;
	value[2] = S64_MIN;
	KUNIT_EXPECT_EQ(test, aggmon_test_copy(bufs, buf, AGGMON_TEST_AGG_ID,
					       ctx->cpu, records),
			AGGMON_TEST_KEYS);
	KUNIT_EXPECT_EQ(test, aggmon_test_copy(bufs, buf, 1, 0xabcd,
					       ctx->other), AGGMON_TEST_KEYS);
}

/* Records: agg_id, cpu, 0, key then value words, in insertion order. */
static void aggmon_test_aggbuf_copy(struct kunit *test)
{
	struct aggmon_aggbufs *bufs = aggmon_test_bufs(test, AGGMON_TEST_KW,
						       AGGMON_TEST_VW, 8);
	size_t rsize = aggmon_aggbuf_record_size(bufs);
	struct aggmon_test_copy_ctx ctx = { .cpu = UINT_MAX };
	struct aggmon_agg_record *record;
	unsigned int i, j;
	u8 *records;
	u64 want;

	KUNIT_ASSERT_EQ(test, rsize, sizeof(*record) +
			(AGGMON_TEST_KW + AGGMON_TEST_VW) * sizeof(u64));
	records = kunit_kmalloc(test, (AGGMON_TEST_KEYS + 1) * rsize,
				GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, records);
	memset(records, 0xa5, (AGGMON_TEST_KEYS + 1) * rsize);
	ctx.records = records;
	ctx.other = kunit_kzalloc(test, AGGMON_TEST_KEYS * rsize, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx.other);
	test->priv = &ctx;
	aggmon_test_here(test, bufs, aggmon_test_copy_here);
	test->priv = NULL;
	KUNIT_ASSERT_LT(test, ctx.cpu, nr_cpu_ids);

	for (i = 0; i < AGGMON_TEST_KEYS; i++) {
		record = (void *)(records + i * rsize);
		KUNIT_EXPECT_EQ(test, record->agg_id, AGGMON_TEST_AGG_ID);
		KUNIT_EXPECT_EQ(test, record->cpu, ctx.cpu);
		KUNIT_EXPECT_EQ(test, record->__reserved, 0);
		KUNIT_EXPECT_EQ(test, record->data[0], 10 * i + 1);
		KUNIT_EXPECT_EQ(test, record->data[1], ~(10ULL * i + 1));
		for (j = 0; j < AGGMON_TEST_VW; j++) {
			want = i || j != 2 ? 100 * i + j : 1ULL << 63;
			KUNIT_EXPECT_EQ(test, record->data[AGGMON_TEST_KW + j],
					want);
		}
	}
	record = (void *)(ctx.other + (AGGMON_TEST_KEYS - 1) * rsize);
	KUNIT_EXPECT_EQ(test, record->agg_id, 1);
	KUNIT_EXPECT_EQ(test, record->cpu, 0xabcd);
	KUNIT_EXPECT_EQ(test, record->data[0], 10 * (AGGMON_TEST_KEYS - 1) + 1);

	/* Nothing past the last record. */
	for (i = AGGMON_TEST_KEYS * rsize; i < (AGGMON_TEST_KEYS + 1) * rsize;
	     i++)
		KUNIT_EXPECT_EQ(test, records[i], 0xa5);
}

/* @count values of @key into @buf, each @value, as updates fold them. */
static void aggmon_test_fold(struct kunit *test,
			     const struct aggmon_aggbufs *bufs,
			     struct aggmon_aggbuf *buf,
			     const struct aggmon_func *fn, u64 key,
			     unsigned int count, s64 value)
{
	u64 *slots;

	while (count--) {
		slots = aggmon_test_find(bufs, buf, &key);
		if (slots)
			aggmon_func_apply(fn, slots, value);
	}
}

/* The data set of @key in @buf, found through its chain, or NULL. */
static const u64 *aggmon_test_lookup(const struct aggmon_aggbufs *bufs,
				     const struct aggmon_aggbuf *buf, u64 key)
{
	u32 hash = aggmon_aggbuf_hash(bufs, &key);
	const u64 *set;
	u32 link;

	if (!buf->room)
		return NULL;
	for (link = buf->heads[hash & buf->hash_mask]; link;
	     link = SET_LINK(set[0])) {
		set = aggmon_aggbuf_set(bufs, buf, link - 1);
		if (SET_KEY(set)[0] == key)
			return set;
	}
	return NULL;
}

#define AGGMON_TEST_MERGE_CAP	48

/* Fill this CPU's buffer, take it as a snapshot does, merge it. */
static void aggmon_test_merge_here(struct kunit *test,
				   const struct aggmon_aggbufs *unused,
				   struct aggmon_aggbuf *buf)
{
	/* The same buffers, which merges may grow and charge. */
	struct aggmon_aggbufs *bufs = test->priv;
	struct aggmon_aggbuf *totals = &bufs->totals[0], *taken;
	struct aggmon_func fn = { .func = AGGMON_AGG_SUM };
	struct aggmon_aggbuf_cpu cpu_bufs = { .active = buf, .lost = 3 };
	const u64 *set;
	u64 nmi, key;

	KUNIT_ASSERT_EQ(test, aggmon_func_init(&fn), 0);
	/* Keys 1..48, twice each: the totals grow 16, 32, 48. */
	for (key = 1; key <= AGGMON_TEST_MERGE_CAP; key++)
		aggmon_test_fold(test, bufs, buf, &fn, key, 2, key);
	taken = aggmon_aggbuf_switch(&cpu_bufs, bufs->spare, &nmi);
	KUNIT_EXPECT_PTR_EQ(test, taken, buf);
	KUNIT_EXPECT_PTR_EQ(test, cpu_bufs.active, bufs->spare);
	KUNIT_EXPECT_EQ(test, nmi, 3);
	KUNIT_EXPECT_EQ(test, cpu_bufs.lost, 0);
	aggmon_aggbuf_merge(bufs, totals, taken, &fn);
	KUNIT_EXPECT_EQ(test, totals->nused, AGGMON_TEST_MERGE_CAP);
	KUNIT_EXPECT_EQ(test, totals->room, AGGMON_TEST_MERGE_CAP);
	KUNIT_EXPECT_EQ(test, totals->hash_mask, 63);
	KUNIT_EXPECT_EQ(test, totals->drops, 0);
	for (key = 1; key <= AGGMON_TEST_MERGE_CAP; key++) {
		set = aggmon_test_lookup(bufs, totals, key);
		KUNIT_ASSERT_NOT_NULL(test, set);
		KUNIT_EXPECT_EQ(test, SET_COUNT(set), 2);
		KUNIT_EXPECT_EQ(test, SET_KEY(set)[1], 2 * key);
	}
	/* In the order the keys came, as one buffer would hold them. */
	KUNIT_EXPECT_EQ(test, SET_KEY(aggmon_aggbuf_set(bufs, totals, 47))[0],
			48);

	/*
	 * Keys 41..60 three times each and a drop of the buffer's own: 41..48
	 * add up, 49..60 find the totals full and are dropped, three values
	 * each, and the buffer's drop comes along.
	 */
	aggmon_aggbuf_clear(bufs, taken);
	for (key = 41; key <= 60; key++)
		aggmon_test_fold(test, bufs, taken, &fn, key, 3, 1);
	taken->drops = 1;
	aggmon_aggbuf_merge(bufs, totals, taken, &fn);
	KUNIT_EXPECT_EQ(test, totals->nused, AGGMON_TEST_MERGE_CAP);
	KUNIT_EXPECT_EQ(test, totals->drops, 12 * 3 + 1);
	set = aggmon_test_lookup(bufs, totals, 41);
	KUNIT_ASSERT_NOT_NULL(test, set);
	KUNIT_EXPECT_EQ(test, SET_COUNT(set), 5);
	KUNIT_EXPECT_EQ(test, SET_KEY(set)[1], 82 + 3);
	KUNIT_EXPECT_NULL(test, aggmon_test_lookup(bufs, totals, 49));
	/* The taken buffer is left as it was, for the caller to clear. */
	KUNIT_EXPECT_EQ(test, taken->nused, 20);
	aggmon_aggbuf_clear(bufs, taken);
	aggmon_aggbuf_clear(bufs, totals);
	KUNIT_EXPECT_EQ(test, totals->nused, 0);
	KUNIT_EXPECT_EQ(test, totals->drops, 0);
	KUNIT_EXPECT_NULL(test, aggmon_test_lookup(bufs, totals, 1));
}

/*
 * A switch hands over the active buffer and the lost values; a merge adds
 * up keys the totals hold, grows them up to the capacity (relinking every
 * chain), and drops, with all their values, keys that do not fit.
 */
static void aggmon_test_aggbuf_merge(struct kunit *test)
{
	struct aggmon_aggbufs *bufs = aggmon_test_bufs(test, 1, 1,
						       AGGMON_TEST_MERGE_CAP);

	test->priv = bufs;
	aggmon_test_here(test, bufs, aggmon_test_merge_here);
	test->priv = NULL;
}

/*
 * A user's buffers are charged to it: the online CPUs' active buffers
 * and the spare at creation, or -EDQUOT and nothing allocated; the totals as they grow,
 * or not at all past the cap (their keys then dropped and counted); and
 * all of it given back when they are freed.
 */
KUNIT_DEFINE_ACTION_WRAPPER(aggmon_test_put_ucounts, put_ucounts,
			    struct ucounts *);

/* A uid's ucounts, put as the test ends; the cap restored then too. */
static struct ucounts *aggmon_test_ucounts(struct kunit *test, uid_t uid)
{
	struct ucounts *ucounts = alloc_ucounts(&init_user_ns, KUIDT_INIT(uid));

	KUNIT_ASSERT_NOT_NULL(test, ucounts);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							aggmon_test_put_ucounts,
							ucounts), 0);
	return ucounts;
}

static void aggmon_test_restore_bytes_max(void *saved)
{
	WRITE_ONCE(*aggmon_quota_bytes_max_ptr(), (long)saved);
}

/* The byte cap, as it is now, back when the test ends. */
static void aggmon_test_save_bytes_max(struct kunit *test)
{
	void *saved = (void *)READ_ONCE(*aggmon_quota_bytes_max_ptr());

	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							aggmon_test_restore_bytes_max,
							saved), 0);
}

static void aggmon_test_aggbuf_charged(struct kunit *test)
{
	struct aggmon_func fn = { .func = AGGMON_AGG_COUNT };
	struct ucounts *ucounts;
	long *max = aggmon_quota_bytes_max_ptr();
	/* 64 buckets and data sets of 4 words: 2304 bytes a buffer. */
	size_t buffer = 64 * 4 + 64 * 32, at_init;
	struct aggmon_aggbufs *bufs;
	struct aggmon_aggbuf src = {};
	unsigned int cpu;
	u64 key, *value;

	aggmon_test_save_bytes_max(test);
	ucounts = aggmon_test_ucounts(test, 4245);
	bufs = kunit_kzalloc(test, sizeof(*bufs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, bufs);
	KUNIT_ASSERT_EQ(test, aggmon_func_init(&fn), 0);
	at_init = (num_online_cpus() + 1) * buffer;
	WRITE_ONCE(*max, at_init - 1);
	KUNIT_EXPECT_EQ(test, aggmon_aggbufs_init(bufs, 1, 1, 64, &fn,
						  &aggmon_test_hash_key,
						  GFP_KERNEL, ucounts),
			-EDQUOT);
	KUNIT_EXPECT_EQ(test, aggmon_quota_bytes_held(ucounts), 0);
	KUNIT_EXPECT_TRUE(test, !bufs->pcpu);

	/* Room for the buffers and totals of 16 data sets, not 32. */
	WRITE_ONCE(*max, at_init + 16 * 4 + 16 * 32);
	KUNIT_ASSERT_EQ(test, aggmon_aggbufs_init(bufs, 1, 1, 64, &fn,
						  &aggmon_test_hash_key,
						  GFP_KERNEL, ucounts), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							aggmon_test_bufs_free,
							bufs), 0);
	KUNIT_EXPECT_EQ(test, aggmon_quota_bytes_held(ucounts), at_init);
	KUNIT_EXPECT_EQ(test, bufs->charged, at_init);
	src = *bufs->spare;
	for (key = 1; key <= 20; key++) {
		value = aggmon_test_find(bufs, &src, &key);
		KUNIT_ASSERT_NOT_NULL(test, value);
		aggmon_func_apply(&fn, value, 0);
	}
	cpu = raw_smp_processor_id();
	aggmon_aggbuf_merge(bufs, &bufs->totals[cpu], &src, &fn);
	KUNIT_EXPECT_EQ(test, bufs->totals[cpu].room, 16);
	KUNIT_EXPECT_EQ(test, bufs->totals[cpu].nused, 16);
	KUNIT_EXPECT_EQ(test, bufs->totals[cpu].drops, 4);
	KUNIT_EXPECT_EQ(test, aggmon_quota_bytes_held(ucounts),
			at_init + 16 * 4 + 16 * 32);
	aggmon_aggbuf_clear(bufs, &src);
	*bufs->spare = src;
	kunit_release_action(test, aggmon_test_bufs_free, bufs);
	KUNIT_EXPECT_EQ(test, aggmon_quota_bytes_held(ucounts), 0);
}

/*
 * CPU hotplug, its callbacks called by hand (on this CPU's buffer, which
 * only this test uses): a dead CPU's buffer goes into its totals, with
 * its lost values, and its bytes back to the user; a CPU coming online
 * gets a buffer if the user may have one more, none otherwise, and keeps
 * the one it has.
 */
static void aggmon_test_aggbuf_hotplug(struct kunit *test)
{
	struct aggmon_func fn = { .func = AGGMON_AGG_COUNT };
	struct ucounts *ucounts;
	long *max = aggmon_quota_bytes_max_ptr();
	size_t buffer = 64 * 4 + 64 * 32, totals = 16 * 4 + 16 * 32, held;
	struct aggmon_aggbufs *bufs;
	struct aggmon_aggbuf_cpu *cpu_bufs;
	struct aggmon_aggbuf *buf;
	unsigned int cpu = raw_smp_processor_id();
	const u64 *set;
	u64 key, *value;

	aggmon_test_save_bytes_max(test);
	ucounts = aggmon_test_ucounts(test, 4246);
	bufs = kunit_kzalloc(test, sizeof(*bufs), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, bufs);
	KUNIT_ASSERT_EQ(test, aggmon_func_init(&fn), 0);
	KUNIT_ASSERT_EQ(test, aggmon_aggbufs_init(bufs, 1, 1, 64, &fn,
						  &aggmon_test_hash_key,
						  GFP_KERNEL, ucounts), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test,
							aggmon_test_bufs_free,
							bufs), 0);
	held = (num_online_cpus() + 1) * buffer;
	KUNIT_EXPECT_EQ(test, aggmon_quota_bytes_held(ucounts), held);
	KUNIT_EXPECT_FALSE(test, hlist_unhashed(&bufs->cpuhp_node));
	cpu_bufs = per_cpu_ptr(bufs->pcpu, cpu);
	buf = cpu_bufs->active;
	KUNIT_ASSERT_NOT_NULL(test, buf);

	/* 20 keys, twice each; 2 lost.  The totals take 16 of them. */
	WRITE_ONCE(*max, held + totals);
	for (key = 1; key <= 20; key++) {
		value = aggmon_test_find(bufs, buf, &key);
		KUNIT_ASSERT_NOT_NULL(test, value);
		aggmon_func_apply(&fn, value, 0);
		value = aggmon_test_find(bufs, buf, &key);
		aggmon_func_apply(&fn, value, 0);
	}
	cpu_bufs->lost = 2;
	aggmon_aggbufs_cpu_dead(cpu, &bufs->cpuhp_node);
	KUNIT_EXPECT_NULL(test, cpu_bufs->active);
	KUNIT_EXPECT_EQ(test, cpu_bufs->lost, 0);
	KUNIT_EXPECT_EQ(test, bufs->totals[cpu].nused, 16);
	KUNIT_EXPECT_EQ(test, bufs->totals[cpu].drops, 4 * 2 + 2);
	set = aggmon_test_lookup(bufs, &bufs->totals[cpu], 16);
	KUNIT_ASSERT_NOT_NULL(test, set);
	KUNIT_EXPECT_EQ(test, SET_COUNT(set), 2);
	KUNIT_EXPECT_NULL(test, aggmon_test_lookup(bufs, &bufs->totals[cpu],
						   17));
	held = held - buffer + totals;
	KUNIT_EXPECT_EQ(test, aggmon_quota_bytes_held(ucounts), held);
	KUNIT_EXPECT_EQ(test, bufs->charged, held);

	/* One byte short of a buffer: none, and the CPU still comes up. */
	WRITE_ONCE(*max, held + buffer - 1);
	KUNIT_EXPECT_EQ(test, aggmon_aggbufs_cpu_prepare(cpu, &bufs->cpuhp_node),
			0);
	KUNIT_EXPECT_NULL(test, cpu_bufs->active);
	KUNIT_EXPECT_EQ(test, aggmon_quota_bytes_held(ucounts), held);

	WRITE_ONCE(*max, held + buffer);
	KUNIT_EXPECT_EQ(test, aggmon_aggbufs_cpu_prepare(cpu, &bufs->cpuhp_node),
			0);
	buf = cpu_bufs->active;
	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_EXPECT_EQ(test, buf->nused, 0);
	KUNIT_EXPECT_EQ(test, buf->room, 64);
	KUNIT_EXPECT_EQ(test, aggmon_quota_bytes_held(ucounts), held + buffer);
	WRITE_ONCE(*max, held + buffer + 1);
	KUNIT_EXPECT_EQ(test, aggmon_aggbufs_cpu_prepare(cpu, &bufs->cpuhp_node),
			0);
	KUNIT_EXPECT_PTR_EQ(test, cpu_bufs->active, buf);
	KUNIT_EXPECT_EQ(test, aggmon_quota_bytes_held(ucounts), held + buffer);

	kunit_release_action(test, aggmon_test_bufs_free, bufs);
	KUNIT_EXPECT_TRUE(test, hlist_unhashed(&bufs->cpuhp_node));
	KUNIT_EXPECT_EQ(test, aggmon_quota_bytes_held(ucounts), 0);
}

static struct kunit_case aggmon_aggbuf_test_cases[] = {
	KUNIT_CASE(aggmon_test_aggbuf_init),
	KUNIT_CASE(aggmon_test_aggbuf_find),
	KUNIT_CASE(aggmon_test_aggbuf_no_key),
	KUNIT_CASE(aggmon_test_aggbuf_chains),
	KUNIT_CASE(aggmon_test_aggbuf_same_hash),
	KUNIT_CASE(aggmon_test_aggbuf_chain_max),
	KUNIT_CASE(aggmon_test_aggbuf_flood),
	KUNIT_CASE(aggmon_test_aggbuf_full_clear),
	KUNIT_CASE(aggmon_test_aggbuf_copy),
	KUNIT_CASE(aggmon_test_aggbuf_merge),
	KUNIT_CASE(aggmon_test_aggbuf_charged),
	KUNIT_CASE(aggmon_test_aggbuf_hotplug),
	{}
};

static struct kunit_suite aggmon_aggbuf_test_suite = {
	.name = "aggmon_aggbuf",
	.test_cases = aggmon_aggbuf_test_cases,
};

kunit_test_suite(aggmon_aggbuf_test_suite);

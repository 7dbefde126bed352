// SPDX-License-Identifier: GPL-2.0-only
/*
 * aggmon - per-CPU aggregation buffers: data sets in hash chains
 *
 * The DTrace aggregation buffer: each CPU folds values into its own
 * buffer, so an update shares no lock and no cache line with other CPUs.
 * A data set (key, value) is found by hashing its key to a bucket and
 * walking the bucket's chain; a key not found takes the next free data
 * set, is linked at the head of the chain and starts from a zero value.
 * All memory is allocated when the aggregation is created: data sets are
 * handed out in order from one array and only a clear gives them back, so
 * a full buffer drops new keys (and counts them) while the keys it holds
 * keep updating.
 *
 * Keys may come from users, who could otherwise pick keys that share a
 * chain and make every update walk it with interrupts off.  So keys hash
 * with hsiphash() under a secret key drawn for each aggregation, and no
 * chain grows past AGGMON_AGGBUF_CHAIN_MAX data sets: a new key for a
 * full chain is dropped and counted, as one for a full buffer is.  With
 * at least as many buckets as data sets, chain lengths are at most
 * Poisson with mean 1, and a bucket's chain reaches 16 with probability
 * below 2 * 10^-14: the bound drops nothing in practice, and caps an
 * update at 16 key comparisons.
 *
 * Links are 32-bit indexes, not pointers; a data set
 * costs 16 bytes more than its key and value, the size of a snapshot
 * record's header, so that a snapshot copies a buffer in one go.
 *
 * The caller keeps the buffer to itself: the update path runs on the
 * buffer's CPU with interrupts disabled, and a snapshot copies it from
 * that CPU in the same way (agg.c), so neither sees the other half-done.
 */

#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/topology.h>
#include <uapi/linux/aggmon.h>

#include "aggbuf.h"

#define SET_LINK(word)		lower_32_bits(word)
#define SET_HASH(word)		upper_32_bits(word)
#define SET_KEY(set)		((set) + AGGMON_AGGBUF_HEADER_WORDS)

static u64 *aggmon_aggbuf_set(const struct aggmon_aggbufs *bufs,
			      const struct aggmon_aggbuf *buf, u32 index)
{
	return buf->sets + (size_t)index * bufs->set_words;
}

/*
 * A key of one word, the common case (a CPU, a pid, a driver's index),
 * takes hsiphash's two-word entry point, which skips the length loop.
 */
static u32 aggmon_aggbuf_hash(const struct aggmon_aggbufs *bufs,
			      const u64 *key)
{
	if (bufs->key_words == 1)
		return hsiphash_2u32(lower_32_bits(key[0]), upper_32_bits(key[0]),
				     &bufs->hash_key);
	return hsiphash(key, bufs->key_words * sizeof(u64), &bufs->hash_key);
}

static bool aggmon_aggbuf_key_eq(const u64 *a, const u64 *b,
				 unsigned int words)
{
	while (words--)
		if (*a++ != *b++)
			return false;
	return true;
}

/**
 * aggmon_aggbuf_find() - the value of @key's data set, created if need be
 * @bufs: the aggregation's buffers
 * @buf: this CPU's buffer
 * @key: @bufs->key_words words
 *
 * Context: on @buf's CPU, interrupts disabled.
 * Return: the value words, or NULL if @key is new and @buf, or its chain,
 *	is full (the drop is counted).
 */
u64 *aggmon_aggbuf_find(const struct aggmon_aggbufs *bufs,
			struct aggmon_aggbuf *buf, const u64 *key)
{
	u32 hash = aggmon_aggbuf_hash(bufs, key);
	u32 *head = &buf->heads[hash & bufs->hash_mask];
	unsigned int len = 0;
	u32 link;
	u64 *set;

	for (link = *head; link; link = SET_LINK(set[0]), len++) {
		set = aggmon_aggbuf_set(bufs, buf, link - 1);
		if (SET_HASH(set[0]) == hash &&
		    aggmon_aggbuf_key_eq(SET_KEY(set), key, bufs->key_words))
			return SET_KEY(set) + bufs->key_words;
	}
	if (buf->nused == bufs->capacity || len == AGGMON_AGGBUF_CHAIN_MAX) {
		/* Snapshots read it from other CPUs to skip empty buffers. */
		WRITE_ONCE(buf->drops, buf->drops + 1);
		return NULL;
	}
	set = aggmon_aggbuf_set(bufs, buf, buf->nused);
	set[0] = (u64)hash << 32 | *head;
	memcpy(SET_KEY(set), key, bufs->key_words * sizeof(u64));
	memset(SET_KEY(set) + bufs->key_words, 0,
	       bufs->value_words * sizeof(u64));
	WRITE_ONCE(buf->nused, buf->nused + 1);
	*head = buf->nused;
	return SET_KEY(set) + bufs->key_words;
}

/**
 * aggmon_aggbuf_copy() - copy a buffer's data sets out, as they are
 * @bufs: the aggregation's buffers
 * @buf: the buffer
 * @records: room for @buf->nused data sets
 *
 * One copy of the used part of the array, so that the interrupts the
 * caller disabled are off for as short a time as can be; the headers are
 * made records by aggmon_aggbuf_stamp() afterwards.
 *
 * Context: on @buf's CPU with interrupts disabled, or with the CPU
 *	offline.
 * Return: the number of data sets copied.
 */
unsigned int aggmon_aggbuf_copy(const struct aggmon_aggbufs *bufs,
				const struct aggmon_aggbuf *buf, void *records)
{
	u32 n = buf->nused;

	memcpy(records, buf->sets, (size_t)n * aggmon_aggbuf_record_size(bufs));
	return n;
}

/**
 * aggmon_aggbuf_stamp() - turn copied data sets into snapshot records
 * @bufs: the aggregation's buffers
 * @records: @count data sets from aggmon_aggbuf_copy()
 * @count: their number
 * @agg_id: the aggregation's id
 * @cpu: the CPU whose buffer they were copied from
 *
 * Context: any.
 */
void aggmon_aggbuf_stamp(const struct aggmon_aggbufs *bufs, void *records,
			 unsigned int count, u64 agg_id, unsigned int cpu)
{
	size_t rsize = aggmon_aggbuf_record_size(bufs);
	struct aggmon_agg_record *record;
	unsigned int i;

	for (i = 0; i < count; i++) {
		record = records + i * rsize;
		record->agg_id = agg_id;
		record->cpu = cpu;
		record->__reserved = 0;
	}
}

/**
 * aggmon_aggbuf_clear() - empty a buffer and its drop count
 * @bufs: the aggregation's buffers
 * @buf: the buffer
 *
 * Context: as aggmon_aggbuf_copy().
 */
void aggmon_aggbuf_clear(const struct aggmon_aggbufs *bufs,
			 struct aggmon_aggbuf *buf)
{
	u32 i;

	/* Only the buckets in use: the time with interrupts off is O(nused). */
	for (i = 0; i < buf->nused; i++)
		buf->heads[SET_HASH(*aggmon_aggbuf_set(bufs, buf, i)) &
			   bufs->hash_mask] = 0;
	WRITE_ONCE(buf->nused, 0);
	WRITE_ONCE(buf->drops, 0);
}

/**
 * aggmon_aggbufs_init() - allocate every possible CPU's buffer
 * @bufs: the buffers to set up
 * @key_words: words of a key (may be 0)
 * @value_words: words of a value
 * @capacity: data sets per CPU
 * @hash_key: the secret key of the keys' hash
 * @gfp: GFP_KERNEL, or GFP_KERNEL_ACCOUNT for a user's aggregation
 *
 * Each CPU gets a hash bucket per data set (a power of two), on its node.
 *
 * Context: process context.
 * Return: 0 or -ENOMEM.
 */
int aggmon_aggbufs_init(struct aggmon_aggbufs *bufs, unsigned int key_words,
			unsigned int value_words, unsigned int capacity,
			const hsiphash_key_t *hash_key, gfp_t gfp)
{
	unsigned int nbuckets = roundup_pow_of_two(capacity);
	unsigned int cpu;

	bufs->hash_key = *hash_key;
	bufs->key_words = key_words;
	bufs->value_words = value_words;
	bufs->set_words = AGGMON_AGGBUF_HEADER_WORDS + key_words + value_words;
	bufs->capacity = capacity;
	bufs->hash_mask = nbuckets - 1;
	bufs->pcpu = alloc_percpu_gfp(struct aggmon_aggbuf, gfp | __GFP_ZERO);
	if (!bufs->pcpu)
		return -ENOMEM;
	for_each_possible_cpu(cpu) {
		struct aggmon_aggbuf *buf = per_cpu_ptr(bufs->pcpu, cpu);
		int node = cpu_to_node(cpu);

		buf->heads = kvcalloc_node(nbuckets, sizeof(*buf->heads),
					   gfp, node);
		buf->sets = kvmalloc_node(array3_size(capacity,
						      bufs->set_words,
						      sizeof(u64)),
					  gfp, node);
		if (!buf->heads || !buf->sets) {
			aggmon_aggbufs_free(bufs);
			return -ENOMEM;
		}
	}
	return 0;
}

/**
 * aggmon_aggbufs_free() - free what aggmon_aggbufs_init() allocated
 * @bufs: the buffers; nothing may use them any more
 *
 * Context: process context.
 */
void aggmon_aggbufs_free(struct aggmon_aggbufs *bufs)
{
	unsigned int cpu;

	if (!bufs->pcpu)
		return;
	for_each_possible_cpu(cpu) {
		struct aggmon_aggbuf *buf = per_cpu_ptr(bufs->pcpu, cpu);

		kvfree(buf->heads);
		kvfree(buf->sets);
	}
	free_percpu(bufs->pcpu);
	bufs->pcpu = NULL;
}

#ifdef CONFIG_AGGMON_KUNIT_TEST
#include "tests/aggbuf_kunit.h"
#endif

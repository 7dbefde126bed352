/* SPDX-License-Identifier: GPL-2.0 */
/*
 * aggmon - per-CPU aggregation buffers: data sets in hash chains
 */
#ifndef _AGGMON_AGGBUF_H
#define _AGGMON_AGGBUF_H

#include <linux/list.h>
#include <linux/percpu.h>
#include <linux/siphash.h>
#include <linux/types.h>

struct aggmon_func;

/**
 * struct aggmon_aggbuf - a buffer of data sets
 * @heads: per hash bucket, 1 + the index of the first data set of its
 *	chain, or 0 for an empty chain
 * @sets: the data sets, each &struct aggmon_aggbufs.set_words words: a
 *	word of chain link (low half: 1 + index of the next, or 0) and hash
 *	(high half), a word counting the values folded into it, the key
 *	words, then the value words: the size and layout of a snapshot
 *	record, so that a snapshot copies the whole array at once
 * @nused: data sets in use, from the start of @sets
 * @room: data sets @sets has room for
 * @hash_mask: hash buckets, minus one
 * @drops: values dropped because their key was new and @sets was full,
 *	or their chain was at %AGGMON_AGGBUF_CHAIN_MAX
 */
struct aggmon_aggbuf {
	u32 *heads;
	u64 *sets;
	u32 nused;
	u32 room;
	u32 hash_mask;
	u64 drops;
};

/**
 * struct aggmon_aggbuf_cpu - what a CPU's updates use
 * @active: the buffer its updates go to; a snapshot switches it for an
 *	empty one (aggmon_aggbuf_switch()).  NULL while the CPU is offline,
 *	and while it is online without one (its user's bytes were used up)
 * @lost: values dropped before they reached a buffer: in NMI context,
 *	which may interrupt an update of @active, or with @active NULL;
 *	only this_cpu ops and xchg() touch it
 */
struct aggmon_aggbuf_cpu {
	struct aggmon_aggbuf *active;
	unsigned long lost;
};

/**
 * struct aggmon_aggbufs - the buffers of one aggregation
 * @pcpu: each CPU's active buffer
 * @spare: an empty buffer, switched for a CPU's active one
 * @totals: per CPU (nr_cpu_ids), what its active buffers held before
 *	their switches, since the last clear; grown as keys arrive
 * @fn: the aggregation's function, which merges fold with
 * @cpuhp_node: on the CPU hotplug state that gives a CPU coming online a
 *	buffer and takes a dead CPU's into its totals; unhashed when not
 * @hash_key: the secret key of the keys' hash
 * @key_words: words of a key
 * @value_words: words of a value
 * @set_words: words of a data set
 * @capacity: data sets per CPU
 * @hash_mask: hash buckets of a full buffer, minus one
 * @gfp: how the buffers are allocated
 * @ucounts: the user their memory is charged to (quota.c), or NULL
 * @charged: the bytes charged: the buckets and data sets of every buffer
 *
 * Updates use @pcpu only, on their CPU with interrupts disabled; @spare
 * and @totals belong to whoever drains the buffers (snapshot.c), one at
 * a time and under cpus_read_lock(), and to the hotplug callbacks, which
 * run under the hotplug lock held for writing.
 */
struct aggmon_aggbufs {
	struct aggmon_aggbuf_cpu __percpu *pcpu;
	struct aggmon_aggbuf *spare;
	struct aggmon_aggbuf *totals;
	const struct aggmon_func *fn;
	struct hlist_node cpuhp_node;
	hsiphash_key_t hash_key;
	unsigned int key_words;
	unsigned int value_words;
	unsigned int set_words;
	unsigned int capacity;
	u32 hash_mask;
	gfp_t gfp;
	struct ucounts *ucounts;
	size_t charged;
};

int aggmon_aggbufs_init(struct aggmon_aggbufs *bufs, unsigned int key_words,
			unsigned int value_words, unsigned int capacity,
			const struct aggmon_func *fn,
			const hsiphash_key_t *hash_key, gfp_t gfp,
			struct ucounts *ucounts);
void aggmon_aggbufs_unplug(struct aggmon_aggbufs *bufs);
void aggmon_aggbufs_free(struct aggmon_aggbufs *bufs);
void aggmon_aggbufs_uncharge_all(struct aggmon_aggbufs *bufs);
struct aggmon_aggbuf *aggmon_aggbuf_new_active(struct aggmon_aggbufs *bufs,
					       unsigned int cpu);
u64 *aggmon_aggbuf_find(const struct aggmon_aggbufs *bufs,
			struct aggmon_aggbuf *buf, const u64 *key);
struct aggmon_aggbuf *aggmon_aggbuf_switch(struct aggmon_aggbuf_cpu *cpu_bufs,
					   struct aggmon_aggbuf *in, u64 *lost);
void aggmon_aggbuf_free_charged(struct aggmon_aggbufs *bufs,
				struct aggmon_aggbuf *buf);
void aggmon_aggbuf_merge(struct aggmon_aggbufs *bufs,
			 struct aggmon_aggbuf *dst,
			 const struct aggmon_aggbuf *src,
			 const struct aggmon_func *fn);
unsigned int aggmon_aggbuf_copy(const struct aggmon_aggbufs *bufs,
				const struct aggmon_aggbuf *buf, void *records);
void aggmon_aggbuf_stamp(const struct aggmon_aggbufs *bufs, void *records,
			 unsigned int count, u64 agg_id, unsigned int cpu);
void aggmon_aggbuf_clear(const struct aggmon_aggbufs *bufs,
			 struct aggmon_aggbuf *buf);

/* The longest chain: an update compares a key with at most this many. */
#define AGGMON_AGGBUF_CHAIN_MAX		16

/* Words of a data set's header: link and hash, values folded. */
#define AGGMON_AGGBUF_HEADER_WORDS	2

/* Data sets a CPU's totals start with; they double from there. */
#define AGGMON_AGGBUF_TOTALS_MIN	16

/* Bytes of a data set of @bufs, and of its snapshot record. */
static inline size_t aggmon_aggbuf_record_size(const struct aggmon_aggbufs *bufs)
{
	return (size_t)bufs->set_words * sizeof(u64);
}

#endif /* _AGGMON_AGGBUF_H */

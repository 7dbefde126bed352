// SPDX-License-Identifier: GPL-2.0-only
/*
 * aggmon - per-CPU aggregation buffers: data sets in hash chains
 *
 * The DTrace aggregation buffer: each CPU folds values into its own
 * buffer, so an update shares no lock and no cache line with other CPUs.
 * A data set (key, value) is found by hashing its key to a bucket and
 * walking the bucket's chain; a key not found takes the next free data
 * set, is linked at the head of the chain and starts from a zero value.
 * A CPU's active buffer is allocated before updates can use it, so that
 * an update never allocates: data sets are handed out in order from one
 * array, and a full buffer drops new keys (and counts them) while the
 * keys it holds keep updating.
 *
 * Only online CPUs have active buffers.  Those online when the
 * aggregation is created get theirs then; a CPU coming online gets one in
 * a CPU hotplug state's prepare step, before it runs; a dead CPU's buffer
 * is merged into its totals and freed, after it stopped.  Each is charged
 * to the aggregation's user (quota.c).  A CPU that comes online when its
 * buffer would take that user past the cap gets none, and its values are
 * counted as lost (drops), for a monitor must not stop a CPU from coming
 * up; each snapshot tries again to give it one.
 *
 * Active and inactive buffers, as DTrace has them: a snapshot switches a
 * CPU's active buffer for an empty one, on that CPU, and that is all the
 * work the CPU does for it (aggmon_aggbuf_switch(): a few loads and
 * stores with interrupts off, whatever the buffer holds).  The buffer
 * taken is then the snapshot's alone: it is merged into the CPU's totals
 * with interrupts on, elsewhere, emptied, and becomes the next empty one.
 * The totals keep what every switch took since the last clear, so that a
 * snapshot without a clear still sees everything: they live in process
 * context and grow, doubling from %AGGMON_AGGBUF_TOTALS_MIN data sets up
 * to the capacity, as keys arrive.  A key that finds the totals full (or
 * the memory to grow them missing) is dropped there, with every value it
 * held: each data set counts the values folded into it, so that a drop
 * count is always of values, wherever the drop happened.  A key is held
 * by the totals, or dropped, as it would have been by one buffer that was
 * never switched: the totals hold the first keys up to the capacity.
 *
 * Keys may come from users, who could otherwise pick keys that share a
 * chain and make every update walk it with interrupts off.  So keys hash
 * with hsiphash() under a secret key drawn for each aggregation, and no
 * chain grows past AGGMON_AGGBUF_CHAIN_MAX data sets: a new key for a
 * full chain is dropped and counted, as one for a full buffer is.  With
 * at least as many buckets as data sets, chain lengths are at most
 * Poisson with mean 1, and a bucket's chain reaches 16 with probability
 * below 2 * 10^-14: the bound drops nothing in practice, and caps an
 * update at 16 key comparisons.  Totals that grow relink their data sets
 * into twice the buckets: each new chain is part of an old one, so none
 * grows past the bound.
 *
 * Links are 32-bit indexes, not pointers, so that an array copied
 * elsewhere keeps its chains; a data set costs 16 bytes more than its key
 * and value, the size of a snapshot record's header, so that a snapshot
 * copies the totals in one go.
 */

#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/init.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/topology.h>
#include <uapi/linux/aggmon.h>

#include "aggbuf.h"
#include "aggfunc.h"
#include "quota.h"

#define SET_LINK(word)		lower_32_bits(word)
#define SET_HASH(word)		upper_32_bits(word)
#define SET_COUNT(set)		((set)[1])
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

/*
 * The data set of @key (of hash @hash) in @buf, a new zero one if @key is
 * not there yet; NULL if it is new and @buf, or its chain, is full.
 */
static u64 *aggmon_aggbuf_get(const struct aggmon_aggbufs *bufs,
			      struct aggmon_aggbuf *buf, const u64 *key,
			      u32 hash)
{
	u32 *head = &buf->heads[hash & buf->hash_mask];
	unsigned int len = 0;
	u32 link;
	u64 *set;

	for (link = *head; link; link = SET_LINK(set[0]), len++) {
		set = aggmon_aggbuf_set(bufs, buf, link - 1);
		if (SET_HASH(set[0]) == hash &&
		    aggmon_aggbuf_key_eq(SET_KEY(set), key, bufs->key_words))
			return set;
	}
	if (buf->nused == buf->room || len == AGGMON_AGGBUF_CHAIN_MAX)
		return NULL;
	set = aggmon_aggbuf_set(bufs, buf, buf->nused);
	set[0] = (u64)hash << 32 | *head;
	SET_COUNT(set) = 0;
	memcpy(SET_KEY(set), key, bufs->key_words * sizeof(u64));
	memset(SET_KEY(set) + bufs->key_words, 0,
	       bufs->value_words * sizeof(u64));
	/* Snapshots read it from other CPUs to skip empty buffers. */
	WRITE_ONCE(buf->nused, buf->nused + 1);
	*head = buf->nused;
	return set;
}

/**
 * aggmon_aggbuf_find() - the value of @key's data set, for one more value
 * @bufs: the aggregation's buffers
 * @buf: this CPU's active buffer
 * @key: @bufs->key_words words
 *
 * Counts the value the caller is about to fold into the data set.
 *
 * Context: on @buf's CPU, interrupts disabled.
 * Return: the value words, created zero if @key is new, or NULL if it is
 *	new and @buf, or its chain, is full (the drop is counted).
 */
u64 *aggmon_aggbuf_find(const struct aggmon_aggbufs *bufs,
			struct aggmon_aggbuf *buf, const u64 *key)
{
	u64 *set = aggmon_aggbuf_get(bufs, buf, key,
				     aggmon_aggbuf_hash(bufs, key));

	if (!set) {
		WRITE_ONCE(buf->drops, buf->drops + 1);
		return NULL;
	}
	SET_COUNT(set)++;
	return SET_KEY(set) + bufs->key_words;
}

/**
 * aggmon_aggbuf_switch() - make @in a CPU's active buffer
 * @cpu_bufs: the CPU's
 * @in: an empty buffer, or NULL for a CPU without one that gets none
 * @lost: receives the values the CPU lost before they reached a buffer,
 *	which are then zero
 *
 * The whole of what a snapshot costs the CPU: once it returns, no update
 * touches the buffer it returns.
 *
 * Context: on the CPU with interrupts disabled, or with the CPU offline.
 * Return: the buffer that was active, or NULL.
 */
struct aggmon_aggbuf *aggmon_aggbuf_switch(struct aggmon_aggbuf_cpu *cpu_bufs,
					   struct aggmon_aggbuf *in, u64 *lost)
{
	struct aggmon_aggbuf *taken = cpu_bufs->active;

	cpu_bufs->active = in;
	*lost = xchg(&cpu_bufs->lost, 0);
	return taken;
}

/* Link data set @index of @buf at the head of its chain. */
static void aggmon_aggbuf_link(const struct aggmon_aggbufs *bufs,
			       struct aggmon_aggbuf *buf, u32 index)
{
	u64 *set = aggmon_aggbuf_set(bufs, buf, index);
	u32 *head = &buf->heads[SET_HASH(set[0]) & buf->hash_mask];

	set[0] = (u64)SET_HASH(set[0]) << 32 | *head;
	*head = index + 1;
}

/* The bytes of a buffer's buckets and data sets, as charged. */
static size_t aggmon_aggbuf_bytes(const struct aggmon_aggbufs *bufs,
				  u32 nbuckets, u32 room)
{
	return (size_t)nbuckets * sizeof(u32) +
	       (size_t)room * aggmon_aggbuf_record_size(bufs);
}

/* Charge @bytes more to the buffers' user, if they have one. */
static int aggmon_aggbufs_charge(struct aggmon_aggbufs *bufs, size_t bytes)
{
	int err = 0;

	if (bufs->ucounts)
		err = aggmon_quota_charge_bytes(bufs->ucounts, bytes);
	if (!err)
		bufs->charged += bytes;
	return err;
}

static void aggmon_aggbufs_uncharge(struct aggmon_aggbufs *bufs,
				    size_t bytes)
{
	if (bufs->ucounts)
		aggmon_quota_uncharge_bytes(bufs->ucounts, bytes);
	bufs->charged -= bytes;
}

/*
 * Room for twice the data sets (at least the minimum, at most the
 * capacity) and as many buckets, the sets relinked; false, @buf as it
 * was, without the memory or its user's quota of it.
 */
static bool aggmon_aggbuf_grow(struct aggmon_aggbufs *bufs,
			       struct aggmon_aggbuf *buf)
{
	u32 room = min(max(2 * buf->room, AGGMON_AGGBUF_TOTALS_MIN),
		       bufs->capacity);
	u32 nbuckets = roundup_pow_of_two(room);
	size_t old = buf->room ? aggmon_aggbuf_bytes(bufs, buf->hash_mask + 1,
						     buf->room) : 0;
	size_t more = aggmon_aggbuf_bytes(bufs, nbuckets, room) - old;
	u32 *heads;
	u64 *sets;
	u32 i;

	if (room <= buf->room || aggmon_aggbufs_charge(bufs, more))
		return false;
	heads = kvcalloc(nbuckets, sizeof(*heads), bufs->gfp);
	sets = kvmalloc_array(room, aggmon_aggbuf_record_size(bufs),
			      bufs->gfp);
	if (!heads || !sets) {
		kvfree(heads);
		kvfree(sets);
		aggmon_aggbufs_uncharge(bufs, more);
		return false;
	}
	if (buf->nused)
		memcpy(sets, buf->sets,
		       (size_t)buf->nused * aggmon_aggbuf_record_size(bufs));
	kvfree(buf->heads);
	kvfree(buf->sets);
	buf->heads = heads;
	buf->sets = sets;
	buf->room = room;
	buf->hash_mask = nbuckets - 1;
	for (i = 0; i < buf->nused; i++)
		aggmon_aggbuf_link(bufs, buf, i);
	return true;
}

/**
 * aggmon_aggbuf_merge() - fold a buffer's data sets into a CPU's totals
 * @bufs: the aggregation's buffers
 * @dst: the totals; they grow, up to the capacity, for new keys
 * @src: a buffer taken by aggmon_aggbuf_switch(), left as it is
 * @fn: the aggregation's function
 *
 * A key that does not fit is dropped with all the values it held, and
 * counted so; @src's drop count is added to @dst's.
 *
 * Context: process context (it may allocate), with both buffers to
 *	itself.
 */
void aggmon_aggbuf_merge(struct aggmon_aggbufs *bufs,
			 struct aggmon_aggbuf *dst,
			 const struct aggmon_aggbuf *src,
			 const struct aggmon_func *fn)
{
	unsigned int kw = bufs->key_words;
	const u64 *from;
	u64 *to;
	u32 i;

	for (i = 0; i < src->nused; i++) {
		from = aggmon_aggbuf_set(bufs, src, i);
		to = dst->room ? aggmon_aggbuf_get(bufs, dst, SET_KEY(from),
						   SET_HASH(from[0])) : NULL;
		/* A new key for full totals: room for it, if they may grow. */
		if (!to && dst->nused == dst->room &&
		    aggmon_aggbuf_grow(bufs, dst))
			to = aggmon_aggbuf_get(bufs, dst, SET_KEY(from),
					       SET_HASH(from[0]));
		if (!to) {
			dst->drops += SET_COUNT(from);
			continue;
		}
		SET_COUNT(to) += SET_COUNT(from);
		aggmon_func_merge(fn, SET_KEY(to) + kw, SET_KEY(from) + kw);
	}
	dst->drops += src->drops;
}

/**
 * aggmon_aggbuf_copy() - copy a buffer's data sets out, as they are
 * @bufs: the aggregation's buffers
 * @buf: the buffer
 * @records: room for @buf->nused data sets
 *
 * One copy of the used part of the array; the headers are made records
 * by aggmon_aggbuf_stamp() afterwards.
 *
 * Context: with @buf to itself.
 * Return: the number of data sets copied.
 */
unsigned int aggmon_aggbuf_copy(const struct aggmon_aggbufs *bufs,
				const struct aggmon_aggbuf *buf, void *records)
{
	u32 n = buf->nused;

	if (n)
		memcpy(records, buf->sets,
		       (size_t)n * aggmon_aggbuf_record_size(bufs));
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
 * Context: with @buf to itself, or on its CPU with interrupts disabled.
 */
void aggmon_aggbuf_clear(const struct aggmon_aggbufs *bufs,
			 struct aggmon_aggbuf *buf)
{
	u32 i;

	/* Only the buckets in use: the time it takes is O(nused). */
	for (i = 0; i < buf->nused; i++)
		buf->heads[SET_HASH(*aggmon_aggbuf_set(bufs, buf, i)) &
			   buf->hash_mask] = 0;
	WRITE_ONCE(buf->nused, 0);
	WRITE_ONCE(buf->drops, 0);
}

/* A full, empty buffer: capacity data sets, a bucket each, on @node. */
static struct aggmon_aggbuf *aggmon_aggbuf_alloc(const struct aggmon_aggbufs *bufs,
						 int node)
{
	struct aggmon_aggbuf *buf;

	buf = kzalloc_node(sizeof(*buf), bufs->gfp, node);
	if (!buf)
		return NULL;
	buf->heads = kvcalloc_node(bufs->hash_mask + 1, sizeof(*buf->heads),
				   bufs->gfp, node);
	buf->sets = kvmalloc_node(array_size(bufs->capacity,
					     aggmon_aggbuf_record_size(bufs)),
				  bufs->gfp, node);
	buf->room = bufs->capacity;
	buf->hash_mask = bufs->hash_mask;
	if (buf->heads && buf->sets)
		return buf;
	kvfree(buf->heads);
	kvfree(buf->sets);
	kfree(buf);
	return NULL;
}

static void aggmon_aggbuf_free(struct aggmon_aggbuf *buf)
{
	if (!buf)
		return;
	kvfree(buf->heads);
	kvfree(buf->sets);
	kfree(buf);
}

/* The bytes of a full buffer, as charged. */
static size_t aggmon_aggbuf_full_bytes(const struct aggmon_aggbufs *bufs)
{
	return aggmon_aggbuf_bytes(bufs, bufs->hash_mask + 1, bufs->capacity);
}

/* A full, empty buffer on @node, charged: 0, -EDQUOT or -ENOMEM. */
static int aggmon_aggbuf_new(struct aggmon_aggbufs *bufs, int node,
			     struct aggmon_aggbuf **bufp)
{
	size_t bytes = aggmon_aggbuf_full_bytes(bufs);

	if (aggmon_aggbufs_charge(bufs, bytes))
		return -EDQUOT;
	*bufp = aggmon_aggbuf_alloc(bufs, node);
	if (*bufp)
		return 0;
	aggmon_aggbufs_uncharge(bufs, bytes);
	return -ENOMEM;
}

/**
 * aggmon_aggbuf_new_active() - a buffer for CPU @cpu, if its user may have one
 * @bufs: the aggregation's buffers
 * @cpu: the CPU, whose node the buffer goes on
 *
 * Context: process context, under cpus_read_lock() and the drain lock, or
 *	in a hotplug callback.
 * Return: an empty buffer, charged, or NULL if it would take the user past
 *	its cap or there is no memory.
 */
struct aggmon_aggbuf *aggmon_aggbuf_new_active(struct aggmon_aggbufs *bufs,
					       unsigned int cpu)
{
	struct aggmon_aggbuf *buf = NULL;

	aggmon_aggbuf_new(bufs, cpu_to_node(cpu), &buf);
	return buf;
}

/**
 * aggmon_aggbuf_free_charged() - free a buffer from aggmon_aggbuf_new_active()
 * @bufs: the aggregation's buffers
 * @buf: the buffer, or NULL
 *
 * Context: as aggmon_aggbuf_new_active().
 */
void aggmon_aggbuf_free_charged(struct aggmon_aggbufs *bufs,
				struct aggmon_aggbuf *buf)
{
	if (!buf)
		return;
	aggmon_aggbuf_free(buf);
	aggmon_aggbufs_uncharge(bufs, aggmon_aggbuf_full_bytes(bufs));
}

/* The CPU hotplug state of all aggregations' buffers. */
static int aggmon_aggbufs_hp_state = -1;

/*
 * A CPU coming online, before it runs: a buffer, or none, never an error,
 * which would stop the CPU from coming up.
 */
static int aggmon_aggbufs_cpu_prepare(unsigned int cpu, struct hlist_node *node)
{
	struct aggmon_aggbufs *bufs = hlist_entry(node, struct aggmon_aggbufs,
						  cpuhp_node);
	struct aggmon_aggbuf_cpu *cpu_bufs = per_cpu_ptr(bufs->pcpu, cpu);

	if (!cpu_bufs->active)
		cpu_bufs->active = aggmon_aggbuf_new_active(bufs, cpu);
	return 0;
}

/* A dead CPU: what its buffer holds goes into its totals; free it. */
static int aggmon_aggbufs_cpu_dead(unsigned int cpu, struct hlist_node *node)
{
	struct aggmon_aggbufs *bufs = hlist_entry(node, struct aggmon_aggbufs,
						  cpuhp_node);
	struct aggmon_aggbuf_cpu *cpu_bufs = per_cpu_ptr(bufs->pcpu, cpu);
	struct aggmon_aggbuf *totals = &bufs->totals[cpu];
	struct aggmon_aggbuf *taken;
	u64 lost;

	taken = aggmon_aggbuf_switch(cpu_bufs, NULL, &lost);
	totals->drops += lost;
	if (taken)
		aggmon_aggbuf_merge(bufs, totals, taken, bufs->fn);
	aggmon_aggbuf_free_charged(bufs, taken);
	return 0;
}

static int __init aggmon_aggbufs_hotplug_init(void)
{
	int state = cpuhp_setup_state_multi(CPUHP_BP_PREPARE_DYN,
					    "aggmon/aggbuf:prepare",
					    aggmon_aggbufs_cpu_prepare,
					    aggmon_aggbufs_cpu_dead);

	if (state < 0)
		return state;
	aggmon_aggbufs_hp_state = state;
	return 0;
}

/* Before any aggregation: kernel code creates them from device_initcall. */
core_initcall(aggmon_aggbufs_hotplug_init);

/* Each online CPU's active buffer, and hotplug to follow: under cpus lock. */
static int aggmon_aggbufs_plug(struct aggmon_aggbufs *bufs)
{
	unsigned int cpu;
	int err;

	lockdep_assert_cpus_held();
	for_each_online_cpu(cpu) {
		err = aggmon_aggbuf_new(bufs, cpu_to_node(cpu),
					&per_cpu_ptr(bufs->pcpu, cpu)->active);
		if (err)
			return err;
	}
	if (aggmon_aggbufs_hp_state < 0)
		return -ENODEV;
	return cpuhp_state_add_instance_nocalls_cpuslocked(aggmon_aggbufs_hp_state,
							   &bufs->cpuhp_node);
}

/**
 * aggmon_aggbufs_unplug() - stop following CPU hotplug
 * @bufs: the buffers; CPUs keep the buffers they have
 *
 * Before the buffers' user is uncharged: the hotplug callbacks charge it.
 * Calling it again does nothing.
 *
 * Context: process context, not under cpus_read_lock().
 */
void aggmon_aggbufs_unplug(struct aggmon_aggbufs *bufs)
{
	if (hlist_unhashed(&bufs->cpuhp_node))
		return;
	cpuhp_state_remove_instance_nocalls(aggmon_aggbufs_hp_state,
					    &bufs->cpuhp_node);
	INIT_HLIST_NODE(&bufs->cpuhp_node);
}

/**
 * aggmon_aggbufs_init() - allocate the buffers of the online CPUs
 * @bufs: the buffers to set up
 * @key_words: words of a key (may be 0)
 * @value_words: words of a value
 * @capacity: data sets per CPU
 * @fn: the aggregation's function, for merges
 * @hash_key: the secret key of the keys' hash
 * @gfp: GFP_KERNEL, or GFP_KERNEL_ACCOUNT for a user's aggregation
 * @ucounts: the user to charge the buffers' memory to, or NULL
 *
 * Each online CPU's active buffer gets a hash bucket per data set (a power
 * of two), on its node; so does the spare.  The totals start empty.  From
 * here on, CPUs that come online get a buffer and dead ones give theirs
 * back, until aggmon_aggbufs_unplug().
 *
 * Context: process context, not under cpus_read_lock().
 * Return: 0, -EDQUOT if the buffers are more than @ucounts may have,
 * -ENOMEM, or -ENODEV if the hotplug state could not be set up at boot.
 */
int aggmon_aggbufs_init(struct aggmon_aggbufs *bufs, unsigned int key_words,
			unsigned int value_words, unsigned int capacity,
			const struct aggmon_func *fn,
			const hsiphash_key_t *hash_key, gfp_t gfp,
			struct ucounts *ucounts)
{
	int err = -ENOMEM;

	bufs->hash_key = *hash_key;
	bufs->key_words = key_words;
	bufs->value_words = value_words;
	bufs->set_words = AGGMON_AGGBUF_HEADER_WORDS + key_words + value_words;
	bufs->capacity = capacity;
	bufs->hash_mask = roundup_pow_of_two(capacity) - 1;
	bufs->fn = fn;
	bufs->gfp = gfp;
	bufs->ucounts = ucounts;
	bufs->charged = 0;
	bufs->spare = NULL;
	INIT_HLIST_NODE(&bufs->cpuhp_node);
	bufs->pcpu = alloc_percpu_gfp(struct aggmon_aggbuf_cpu,
				      gfp | __GFP_ZERO);
	bufs->totals = kcalloc(nr_cpu_ids, sizeof(*bufs->totals), gfp);
	if (bufs->pcpu && bufs->totals)
		err = aggmon_aggbuf_new(bufs, NUMA_NO_NODE, &bufs->spare);
	if (!err) {
		cpus_read_lock();
		err = aggmon_aggbufs_plug(bufs);
		cpus_read_unlock();
	}
	if (err)
		aggmon_aggbufs_free(bufs);
	return err;
}

/**
 * aggmon_aggbufs_free() - free what aggmon_aggbufs_init() allocated
 * @bufs: the buffers; nothing may use them any more
 *
 * Context: process context, not under cpus_read_lock().
 */
void aggmon_aggbufs_free(struct aggmon_aggbufs *bufs)
{
	unsigned int cpu;

	aggmon_aggbufs_unplug(bufs);
	if (bufs->pcpu) {
		for_each_possible_cpu(cpu)
			aggmon_aggbuf_free(per_cpu_ptr(bufs->pcpu, cpu)->active);
		free_percpu(bufs->pcpu);
	}
	if (bufs->totals) {
		for (cpu = 0; cpu < nr_cpu_ids; cpu++) {
			kvfree(bufs->totals[cpu].heads);
			kvfree(bufs->totals[cpu].sets);
		}
		kfree(bufs->totals);
	}
	aggmon_aggbuf_free(bufs->spare);
	bufs->pcpu = NULL;
	bufs->totals = NULL;
	bufs->spare = NULL;
	aggmon_aggbufs_uncharge_all(bufs);
}

/**
 * aggmon_aggbufs_uncharge_all() - give the buffers' memory back to their
 *	user's quota, ahead of freeing it
 * @bufs: the buffers; they grow no more
 *
 * For the last reference to an aggregation, which uncharges its user at
 * once, while the memory waits for readers under RCU: the user's
 * reference to its ucounts goes with it.
 *
 * Context: any.
 */
void aggmon_aggbufs_uncharge_all(struct aggmon_aggbufs *bufs)
{
	if (bufs->ucounts && bufs->charged)
		aggmon_quota_uncharge_bytes(bufs->ucounts, bufs->charged);
	bufs->ucounts = NULL;
	bufs->charged = 0;
}

#ifdef CONFIG_AGGMON_KUNIT_TEST
#include "tests/aggbuf_kunit.h"
#endif

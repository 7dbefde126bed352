// SPDX-License-Identifier: GPL-2.0-only
/*
 * aggmon - snapshots of aggregations: what AGGMON_AGG_SNAPSHOT copies out
 *
 * A snapshot takes each CPU in turn.  Its active buffer is switched for
 * an empty one on that CPU, in a function call IPI, so that the switch
 * falls between two of its updates: an update goes either into what this
 * snapshot takes or into the next, never into neither.  The IPI does
 * nothing else, so what a snapshot costs a monitored CPU is one IPI with
 * a few stores in it, whatever its buffer holds; a CPU whose buffer is
 * empty, or that is offline (its buffer went into its totals as it died,
 * aggbuf.c), gets none.  The snapshotting task then merges the buffer
 * taken into the CPU's totals, with interrupts on, and keeps it, emptied,
 * as the next spare; it copies the totals and, with
 * AGGMON_SNAPSHOT_CLEAR, empties them.
 *
 * The copy is held by the file descriptor (struct aggmon_snapshot) until
 * its next snapshot and handed out in batches; readers with file
 * descriptors of their own do not disturb each other's batches (though a
 * clear empties the totals for all).  The copy's memory is charged to
 * whoever opened the file descriptor (quota.c).
 *
 * Locking: a file descriptor's snapshots are serialised by its lock; the
 * drains of one aggregation, by its drain_lock, inside cpus_read_lock(),
 * which keeps CPUs from coming and going meanwhile (core.c has the whole
 * order).
 */

#include <linux/capability.h>
#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/cred.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/sched/clock.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/uaccess.h>
#include <linux/user_namespace.h>

#include "agg.h"
#include "quota.h"
#include "snapshot.h"

/**
 * aggmon_snapshot_init() - a file descriptor's empty snapshot
 * @snap: the snapshot, zeroed
 *
 * Its records will count against the current user, who opens the file
 * descriptor.
 *
 * Context: process context.
 * Return: 0, or -ENOMEM.
 */
int aggmon_snapshot_init(struct aggmon_snapshot *snap)
{
	snap->ucounts = get_ucounts(current_ucounts());
	if (!snap->ucounts)
		return -ENOMEM;
	mutex_init(&snap->lock);
	return 0;
}

/**
 * aggmon_snapshot_exit() - free a file descriptor's snapshot
 * @snap: from aggmon_snapshot_init()
 *
 * Context: process context.
 */
void aggmon_snapshot_exit(struct aggmon_snapshot *snap)
{
	aggmon_snapshot_free(snap);
	put_ucounts(snap->ucounts);
	mutex_destroy(&snap->lock);
}

/**
 * aggmon_snapshot_free() - free a snapshot's records, give their bytes back
 * @snap: the snapshot; it may be taken again
 *
 * Context: process context.
 */
void aggmon_snapshot_free(struct aggmon_snapshot *snap)
{
	unsigned int cpu;

	if (snap->records)
		for_each_possible_cpu(cpu)
			kvfree(snap->records[cpu]);
	if (snap->charged)
		aggmon_quota_uncharge_bytes(snap->ucounts, snap->charged);
	snap->charged = 0;
	kfree(snap->records);
	kfree(snap->rooms);
	kfree(snap->counts);
	kfree(snap->drops);
	snap->records = NULL;
	snap->rooms = NULL;
	snap->counts = NULL;
	snap->drops = NULL;
	snap->total = 0;
}

static int aggmon_snapshot_alloc(struct aggmon_snapshot *snap)
{
	snap->records = kcalloc(nr_cpu_ids, sizeof(*snap->records),
				GFP_KERNEL_ACCOUNT);
	snap->rooms = kcalloc(nr_cpu_ids, sizeof(*snap->rooms),
			      GFP_KERNEL_ACCOUNT);
	snap->counts = kcalloc(nr_cpu_ids, sizeof(*snap->counts),
			       GFP_KERNEL_ACCOUNT);
	snap->drops = kcalloc(nr_cpu_ids, sizeof(*snap->drops),
			      GFP_KERNEL_ACCOUNT);
	if (snap->records && snap->rooms && snap->counts && snap->drops)
		return 0;
	aggmon_snapshot_free(snap);
	return -ENOMEM;
}

/**
 * struct aggmon_switch - one CPU's buffer switch
 * @bufs: the aggregation's buffers
 * @in: the buffer that goes in: the spare, a new one for a CPU that had
 *	none, or NULL
 * @taken: out: the CPU's active buffer until then, or NULL
 * @lost: out: the values the CPU lost before a buffer since
 * @irqs_off_ns: out: for the benchmark, how long the switch took
 */
struct aggmon_switch {
	struct aggmon_aggbufs *bufs;
	struct aggmon_aggbuf *in;
	struct aggmon_aggbuf *taken;
	u64 lost;
#if IS_ENABLED(CONFIG_AGGMON_BENCH)
	u64 irqs_off_ns;
#endif
};

/* On a CPU, interrupts off: switch its active buffer for the spare. */
static void aggmon_agg_switch_here(void *data)
{
	struct aggmon_switch *sw = data;

	sw->taken = aggmon_aggbuf_switch(this_cpu_ptr(sw->bufs->pcpu), sw->in,
					 &sw->lost);
}

/*
 * Move what CPU @cpu's active buffer holds into its totals: switch the
 * buffer for the spare, on the CPU, merge it with interrupts on, and keep
 * it, emptied, as the next spare.  A buffer that holds nothing is empty as
 * of now and is left alone: an update racing with this read belongs after
 * the snapshot.  An online CPU without a buffer (its user's bytes were
 * used up when it came online) is offered a new one in the switch, and
 * hands over the values it lost.  Offline CPUs have no buffer: their dead
 * callback took it (aggbuf.c), and under cpus_read_lock() none comes or
 * goes.
 */
static int __aggmon_agg_drain_cpu(struct aggmon_agg *agg, unsigned int cpu,
				  smp_call_func_t switch_here,
				  struct aggmon_switch *sw)
{
	struct aggmon_aggbufs *bufs = &agg->bufs;
	struct aggmon_aggbuf_cpu *cpu_bufs = per_cpu_ptr(bufs->pcpu, cpu);
	struct aggmon_aggbuf *active = cpu_bufs->active;
	struct aggmon_aggbuf *totals = &bufs->totals[cpu];

	lockdep_assert_cpus_held();
	lockdep_assert_held(&agg->drain_lock);
	if (!cpu_online(cpu))
		return 0;
	if (active) {
		if (!READ_ONCE(active->nused) && !READ_ONCE(active->drops) &&
		    !READ_ONCE(cpu_bufs->lost))
			return 0;
		sw->in = bufs->spare;
	} else {
		sw->in = aggmon_aggbuf_new_active(bufs, cpu);
		if (!sw->in && !READ_ONCE(cpu_bufs->lost))
			return 0;
	}
	sw->bufs = bufs;
	if (WARN_ON_ONCE(smp_call_function_single(cpu, switch_here, sw, 1))) {
		if (!active)
			aggmon_aggbuf_free_charged(bufs, sw->in);
		return -EAGAIN;
	}
	totals->drops += sw->lost;
	if (!sw->taken)
		return 0;
	aggmon_aggbuf_merge(bufs, totals, sw->taken, &agg->fn);
	aggmon_aggbuf_clear(bufs, sw->taken);
	bufs->spare = sw->taken;
	return 0;
}

static int aggmon_agg_drain_cpu(struct aggmon_agg *agg, unsigned int cpu)
{
	struct aggmon_switch sw;

	return __aggmon_agg_drain_cpu(agg, cpu, aggmon_agg_switch_here, &sw);
}

/* Make room for @want records of CPU @cpu, keeping what is big enough. */
static int aggmon_snapshot_room(struct aggmon_agg *agg,
				struct aggmon_snapshot *snap, unsigned int cpu,
				u32 want)
{
	size_t rsize = aggmon_aggbuf_record_size(&agg->bufs);
	u32 room = min(want + want / 8 + 16, agg->bufs.capacity);
	int err;

	if (snap->rooms[cpu] >= want)
		return 0;
	kvfree(snap->records[cpu]);
	snap->records[cpu] = NULL;
	aggmon_quota_uncharge_bytes(snap->ucounts, snap->rooms[cpu] * rsize);
	snap->charged -= snap->rooms[cpu] * rsize;
	snap->rooms[cpu] = 0;
	err = aggmon_quota_charge_bytes(snap->ucounts, room * rsize);
	if (err)
		return err;
	snap->records[cpu] = kvmalloc_array(room, rsize, GFP_KERNEL_ACCOUNT);
	if (!snap->records[cpu]) {
		aggmon_quota_uncharge_bytes(snap->ucounts, room * rsize);
		return -ENOMEM;
	}
	snap->charged += room * rsize;
	snap->rooms[cpu] = room;
	return 0;
}

/*
 * Copy CPU @cpu's totals into the snapshot and, with @clear, empty them;
 * without the memory for the copy, they stay as they are.
 */
static int aggmon_snapshot_cpu(struct aggmon_agg *agg,
			       struct aggmon_snapshot *snap, unsigned int cpu,
			       bool clear)
{
	struct aggmon_aggbuf *totals = &agg->bufs.totals[cpu];
	u32 count;
	int err;

	if (!totals->nused && !totals->drops)
		return 0;
	err = aggmon_snapshot_room(agg, snap, cpu, totals->nused);
	if (err)
		return err;
	count = aggmon_aggbuf_copy(&agg->bufs, totals, snap->records[cpu]);
	aggmon_aggbuf_stamp(&agg->bufs, snap->records[cpu], count, agg->id,
			    cpu);
	snap->counts[cpu] = count;
	snap->drops[cpu] = totals->drops;
	snap->total += count;
	if (clear)
		aggmon_aggbuf_clear(&agg->bufs, totals);
	return 0;
}

/*
 * Replace @snap by a new snapshot of @agg, under @snap->lock: drain every
 * CPU's active buffer into its totals, then copy the totals.  Should it
 * fail half-way, what it copied (and cleared) is kept as the snapshot and
 * the generation moves on, and what it drained stays in the totals; only
 * when no snapshot could be started does the generation stay.
 * Return: 0, -ENOMEM, -EDQUOT if the records would take the opener past
 * its memory quota, or -EAGAIN if a CPU could not be reached.
 */
int aggmon_snapshot_take(struct aggmon_agg *agg, struct aggmon_snapshot *snap,
			 bool clear)
{
	unsigned int cpu;
	int err = 0;

	lockdep_assert_held(&snap->lock);
	if (!snap->records && aggmon_snapshot_alloc(snap))
		return -ENOMEM;
	memset(snap->counts, 0, nr_cpu_ids * sizeof(*snap->counts));
	memset(snap->drops, 0, nr_cpu_ids * sizeof(*snap->drops));
	snap->total = 0;
	/* A CPU that is offline now stays so, and updates nothing. */
	cpus_read_lock();
	mutex_lock(&agg->drain_lock);
	for_each_possible_cpu(cpu) {
		err = aggmon_agg_drain_cpu(agg, cpu);
		err = err ?: aggmon_snapshot_cpu(agg, snap, cpu, clear);
		if (err)
			break;
		/* Up to 4 MiB merged and copied per CPU, on many CPUs. */
		cond_resched();
	}
	mutex_unlock(&agg->drain_lock);
	cpus_read_unlock();
	snap->generation++;
	return err;
}

#if IS_ENABLED(CONFIG_AGGMON_BENCH)
/* aggmon_agg_switch_here(), timed. */
static void aggmon_agg_switch_timed(void *data)
{
	struct aggmon_switch *sw = data;
	u64 start = local_clock();

	aggmon_agg_switch_here(data);
	sw->irqs_off_ns = local_clock() - start;
}

/**
 * struct aggmon_agg_copy_timed - a copy of a CPU's buffer in an IPI
 * @agg: the aggregation
 * @records: room for the buffer's data sets
 * @irqs_off_ns: out: how long the copy took
 */
struct aggmon_agg_copy_timed {
	struct aggmon_agg *agg;
	void *records;
	u64 irqs_off_ns;
};

/* On a CPU, interrupts off: copy its buffer, as snapshots used to. */
static void aggmon_agg_copy_here(void *data)
{
	struct aggmon_agg_copy_timed *copy = data;
	struct aggmon_aggbufs *bufs = &copy->agg->bufs;
	struct aggmon_aggbuf *active = this_cpu_read(bufs->pcpu->active);
	u64 start = local_clock();

	if (active)
		aggmon_aggbuf_copy(bufs, active, copy->records);
	copy->irqs_off_ns = local_clock() - start;
}

/**
 * aggmon_agg_bench_irqs_off() - what a snapshot costs a CPU, timed
 * @agg: an aggregation whose buffer on @cpu holds data sets
 * @cpu: an online CPU
 * @copy_ns: out: interrupts-off time of a copy of @cpu's buffer in an IPI,
 *	what a snapshot did on each CPU until it switched buffers
 * @switch_ns: out: interrupts-off time of a snapshot's IPI on @cpu now
 *
 * Then drains @cpu's buffer into its totals, as a snapshot does: fill it
 * again to time it again.  For the benchmark module (bench.c).
 *
 * Context: process context.
 * Return: 0, -ENOMEM, -EINVAL if @cpu is offline or its buffer empty, or
 * -EAGAIN if @cpu could not be reached.
 */
int aggmon_agg_bench_irqs_off(struct aggmon_agg *agg, unsigned int cpu,
			      u64 *copy_ns, u64 *switch_ns)
{
	struct aggmon_agg_copy_timed copy = { .agg = agg };
	struct aggmon_switch sw = { .irqs_off_ns = 0 };
	struct aggmon_aggbuf *active;
	int err = -EINVAL;

	copy.records = kvmalloc_array(agg->bufs.capacity,
				      aggmon_aggbuf_record_size(&agg->bufs),
				      GFP_KERNEL);
	if (!copy.records)
		return -ENOMEM;
	cpus_read_lock();
	mutex_lock(&agg->drain_lock);
	active = per_cpu_ptr(agg->bufs.pcpu, cpu)->active;
	if (cpu_online(cpu) && active && READ_ONCE(active->nused)) {
		err = smp_call_function_single(cpu, aggmon_agg_copy_here,
					       &copy, 1);
		err = err ?: __aggmon_agg_drain_cpu(agg, cpu,
						    aggmon_agg_switch_timed,
						    &sw);
	}
	mutex_unlock(&agg->drain_lock);
	cpus_read_unlock();
	kvfree(copy.records);
	*copy_ns = copy.irqs_off_ns;
	*switch_ns = sw.irqs_off_ns;
	return err;
}
EXPORT_SYMBOL_NS_GPL(aggmon_agg_bench_irqs_off, AGGMON_BENCH);
#endif

/* Copy records [@cursor, @cursor + @count) of the snapshot to @ubuf. */
static int aggmon_snapshot_copy_out(struct aggmon_agg *agg,
				    struct aggmon_snapshot *snap, u64 cursor,
				    u64 count, void __user *ubuf)
{
	size_t rsize = aggmon_aggbuf_record_size(&agg->bufs);
	unsigned int cpu;

	for_each_possible_cpu(cpu) {
		u64 n;

		if (!count)
			break;
		if (cursor >= snap->counts[cpu]) {
			cursor -= snap->counts[cpu];
			continue;
		}
		n = min(count, snap->counts[cpu] - cursor);
		if (copy_to_user(ubuf, snap->records[cpu] + cursor * rsize,
				 n * rsize))
			return -EFAULT;
		ubuf += n * rsize;
		count -= n;
		cursor = 0;
	}
	return 0;
}

/**
 * aggmon_snapshot_read() - take or continue a snapshot, copy a batch out
 * @agg: the aggregation
 * @snap: the snapshot its file descriptor holds
 * @attr: the request, see &struct aggmon_agg_snapshot_attr; its outputs
 *	are set, and worth copying out, whenever the call fails after a
 *	snapshot was taken (-ENOSPC, -EFAULT, -ENOMEM half-way), so that
 *	what a clear took is not lost
 *
 * Context: process context.
 * Return: 0; -EINVAL for bad arguments; -EACCES to clear a kernel aggregation without CAP_PERFMON;
 * -ESTALE if @attr->generation is not the held snapshot; -ENOSPC if not
 * even one record fits; -EFAULT; -ENOMEM; -EDQUOT; -EAGAIN.
 */
int aggmon_snapshot_read(struct aggmon_agg *agg, struct aggmon_snapshot *snap,
			 struct aggmon_agg_snapshot_attr *attr)
{
	size_t rsize = aggmon_aggbuf_record_size(&agg->bufs);
	int err = 0;
	u64 count;

	if (attr->flags & ~AGGMON_SNAPSHOT_CLEAR ||
	    (attr->generation && attr->flags) ||
	    (!attr->generation && attr->cursor) ||
	    (attr->drops && attr->nr_cpus < nr_cpu_ids))
		return -EINVAL;

	/* Others read the kernel's aggregations too: only CAP_PERFMON clears. */
	if (attr->flags & AGGMON_SNAPSHOT_CLEAR &&
	    agg->source == AGGMON_AGG_SRC_KERNEL && !perfmon_capable())
		return -EACCES;

	guard(mutex)(&snap->lock);
	if (!attr->generation) {
		u64 before = snap->generation;

		err = aggmon_snapshot_take(agg, snap, attr->flags);
		if (err && snap->generation == before)
			return err;
	} else if (attr->generation != snap->generation) {
		return -ESTALE;
	} else if (attr->cursor > snap->total) {
		return -EINVAL;
	}

	attr->generation = snap->generation;
	attr->total = snap->total;
	attr->nr_cpus = nr_cpu_ids;
	attr->size_needed = (snap->total - attr->cursor) * rsize;
	attr->count = 0;
	if (err)
		return err;
	count = min(snap->total - attr->cursor, attr->buf_size / rsize);
	if (attr->drops &&
	    copy_to_user(u64_to_user_ptr(attr->drops), snap->drops,
			 nr_cpu_ids * sizeof(*snap->drops)))
		return -EFAULT;
	if (!count && attr->size_needed)
		return -ENOSPC;
	err = aggmon_snapshot_copy_out(agg, snap, attr->cursor, count,
				       u64_to_user_ptr(attr->buf));
	if (err)
		return err;
	attr->count = count;
	attr->cursor += count;
	return 0;
}

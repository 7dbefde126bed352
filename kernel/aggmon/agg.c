// SPDX-License-Identifier: GPL-2.0-only
/*
 * aggmon - aggregations: named, keyed, per-CPU folds of values
 *
 * An aggregation is DTrace's: a value arrives with the fields of its key
 * (chosen at creation: gauge, CPU, task ids, comm, cgroup, or keys the
 * kernel caller passes), and the data set of that key in the current
 * CPU's buffer takes it through the aggregation's function (aggfunc.c,
 * aggbuf.c).  Values come from a gauge's updates (watch.c hands them
 * over) or from kernel code calling aggmon_aggregate(), timing hooks
 * included.
 *
 * Names and ids: the id is a hash of the name, so that a reader can
 * tell records of different aggregations apart and find each in the
 * dictionary (AGGMON_AGG_INFO).  Two aggregations may hash to the same
 * id, or share a name (users choose names freely); the second then takes
 * the next free id.  Kernel aggregations, which the tool opens by name,
 * have unique names.
 *
 * Snapshots (snapshot.c) switch each CPU's buffer for an empty one and
 * copy the CPUs' totals for a file descriptor; a file descriptor of an
 * aggregation holds its last snapshot.
 *
 * Lifetime: a reference per file and, for a kernel aggregation, the
 * kernel's.  Updates find gauge-fed aggregations under RCU; the last put
 * detaches one from its gauge and frees it after a grace period.
 */

#include <linux/anon_inodes.h>
#include <linux/cgroup.h>
#include <linux/cred.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/hardirq.h>
#include <linux/init.h>
#include <linux/jhash.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/string.h>
#include <linux/user_namespace.h>
#include <linux/xarray.h>

#include "agg.h"
#include "gauge.h"
#include "quota.h"
#include "snapshot.h"
#include "watch.h"

/* Ids are 31-bit hashes of names, never 0. */
#define AGGMON_AGG_ID_MASK	0x7fffffffU

static DEFINE_XARRAY(aggmon_aggs);
/* Serialises publishing and unpublishing aggregations. */
static DEFINE_MUTEX(aggmon_agg_mutex);

static const struct file_operations aggmon_agg_fops;

static u64 aggmon_current_cgroup_id(void)
{
#ifdef CONFIG_CGROUPS
	guard(rcu)();
	return cgroup_id(task_dfl_cgroup(current));
#else
	return 0;
#endif
}

/* Build the key of a value coming in now; @args feeds AGGMON_KEY_ARG. */
static void aggmon_agg_key(const struct aggmon_agg *agg, u64 *key,
			   const u64 *args)
{
	unsigned int i;

	for (i = 0; i < agg->nkeys; i++) {
		switch (agg->keys[i]) {
		case AGGMON_KEY_GAUGE:
			*key++ = agg->gauge_id;
			break;
		case AGGMON_KEY_CPU:
			*key++ = smp_processor_id();
			break;
		case AGGMON_KEY_PID:
			*key++ = task_pid_nr(current);
			break;
		case AGGMON_KEY_TGID:
			*key++ = task_tgid_nr(current);
			break;
		case AGGMON_KEY_UID:
			*key++ = from_kuid_munged(&init_user_ns, current_uid());
			break;
		case AGGMON_KEY_COMM:
			/* comm is NUL-padded (__set_task_comm()). */
			BUILD_BUG_ON(sizeof(current->comm) != 2 * sizeof(*key));
			memcpy(key, current->comm, 2 * sizeof(*key));
			key += 2;
			break;
		case AGGMON_KEY_CGROUP:
			*key++ = aggmon_current_cgroup_id();
			break;
		case AGGMON_KEY_ARG:
			*key++ = args ? *args++ : 0;
			break;
		}
	}
}

/**
 * aggmon_agg_fold() - fold a value into this CPU's buffer
 * @agg: the aggregation
 * @value: the value
 * @args: the explicit keys, one per %AGGMON_KEY_ARG field
 *
 * Context: any.  In NMI context the value is dropped and counted: an NMI
 * may interrupt an update of the same buffer.
 */
void aggmon_agg_fold(struct aggmon_agg *agg, s64 value, const u64 *args)
{
	u64 key[AGGMON_AGG_KEY_WORDS_MAX];
	struct aggmon_aggbuf *buf;
	unsigned long flags;
	u64 *slots;

	if (unlikely(in_nmi())) {
		this_cpu_inc(agg->bufs.pcpu->lost);
		return;
	}
	local_irq_save(flags);
	buf = this_cpu_read(agg->bufs.pcpu->active);
	if (unlikely(!buf)) {
		/* Online without a buffer: over its user's quota (aggbuf.c). */
		this_cpu_inc(agg->bufs.pcpu->lost);
	} else {
		aggmon_agg_key(agg, key, args);
		slots = aggmon_aggbuf_find(&agg->bufs, buf, key);
		if (slots)
			aggmon_func_apply(&agg->fn, slots, value);
	}
	local_irq_restore(flags);
}

/**
 * aggmon_aggregate() - fold a value into a kernel aggregation
 * @agg: the aggregation, from aggmon_agg_create(); NULL or an error
 *	pointer is ignored, so that a failed creation needs no checks here
 * @value: the value
 * @args: the explicit keys, one per %AGGMON_KEY_ARG field of the key, in
 *	order; may be NULL if there are none
 *
 * The key's other fields are read now: the CPU, the current task.
 *
 * Context: any.  NMI values are dropped and counted.  Not after
 * aggmon_agg_destroy() has been called.
 */
void aggmon_aggregate(struct aggmon_agg *agg, s64 value, const u64 *args)
{
	if (!IS_ERR_OR_NULL(agg))
		aggmon_agg_fold(agg, value, args);
}
EXPORT_SYMBOL_GPL(aggmon_aggregate);

/* Words of the key, or -EINVAL for a bad field or a field twice. */
static int aggmon_agg_key_words(const u32 *keys, unsigned int nkeys,
				bool kernel)
{
	unsigned long seen = 0;
	unsigned int i;
	int words = 0;

	if (nkeys > AGGMON_AGG_KEYS_MAX)
		return -EINVAL;
	for (i = 0; i < nkeys; i++) {
		u32 field = keys[i];

		if (field < AGGMON_KEY_GAUGE || field > AGGMON_KEY_ARG)
			return -EINVAL;
		/* Only kernel callers pass explicit keys; they have no gauge. */
		if (field == (kernel ? AGGMON_KEY_GAUGE : AGGMON_KEY_ARG))
			return -EINVAL;
		if (field != AGGMON_KEY_ARG && __test_and_set_bit(field, &seen))
			return -EINVAL;
		words += field == AGGMON_KEY_COMM ? 2 : 1;
	}
	return words;
}

/* Fields that tell what other users' tasks do. */
static bool aggmon_agg_keys_observe_tasks(const struct aggmon_agg *agg)
{
	unsigned int i;

	for (i = 0; i < agg->nkeys; i++)
		switch (agg->keys[i]) {
		case AGGMON_KEY_PID:
		case AGGMON_KEY_TGID:
		case AGGMON_KEY_UID:
		case AGGMON_KEY_COMM:
		case AGGMON_KEY_CGROUP:
			return true;
		}
	return false;
}

/**
 * aggmon_agg_alloc() - an aggregation without its buffers, not published
 * @name: its name
 * @fn: its function, parameters set
 * @keys: the key fields
 * @nkeys: their number
 * @entries: data sets per CPU, 0 for the default
 * @kernel: created by the kernel: explicit keys allowed, gauge key not
 * @gfp: GFP_KERNEL, or GFP_KERNEL_ACCOUNT for a user's
 *
 * Return: the aggregation, -ENAMETOOLONG for a name that does not fit,
 * -EINVAL for bad parameters, or -ENOMEM.  Free it with aggmon_agg_free()
 * until it is published or attached.
 */
static struct aggmon_agg *aggmon_agg_alloc(const char *name,
					   const struct aggmon_func *fn,
					   const u32 *keys, unsigned int nkeys,
					   unsigned int entries, bool kernel,
					   gfp_t gfp)
{
	struct aggmon_agg *agg;
	int key_words, err;

	if (strnlen(name, AGGMON_NAME_LEN) == AGGMON_NAME_LEN)
		return ERR_PTR(-ENAMETOOLONG);
	if (!aggmon_valid_name(name))
		return ERR_PTR(-EINVAL);
	key_words = aggmon_agg_key_words(keys, nkeys, kernel);
	if (key_words < 0)
		return ERR_PTR(key_words);
	agg = kzalloc(sizeof(*agg), gfp);
	if (!agg)
		return ERR_PTR(-ENOMEM);
	agg->fn = *fn;
	err = aggmon_func_init(&agg->fn);
	if (err)
		goto free;
	if (!entries)
		entries = AGGMON_AGG_ENTRIES_DEFAULT;
	err = -EINVAL;
	if (entries > AGGMON_AGG_ENTRIES_MAX ||
	    (u64)entries * (AGGMON_AGGBUF_HEADER_WORDS + key_words +
			    agg->fn.nslots) * sizeof(u64) >
	    AGGMON_AGG_BUFFER_MAX)
		goto free;

	kref_init(&agg->ref);
	mutex_init(&agg->drain_lock);
	strscpy(agg->name, name);
	agg->nkeys = nkeys;
	memcpy(agg->keys, keys, nkeys * sizeof(*keys));
	INIT_HLIST_NODE(&agg->gauge_node);
	INIT_LIST_HEAD(&agg->watch_node);
	agg->id = jhash(name, strlen(name), 0) & AGGMON_AGG_ID_MASK;
	/* Sized here; aggmon_agg_alloc_buffers() allocates them. */
	agg->bufs.key_words = key_words;
	agg->bufs.capacity = entries;
	return agg;
free:
	kfree(agg);
	return ERR_PTR(err);
}

/*
 * The buffers, once everything else is checked: they may be large.  The
 * hash key is secret so that no one can choose keys that share a chain.
 */
static int aggmon_agg_alloc_buffers(struct aggmon_agg *agg, gfp_t gfp)
{
	hsiphash_key_t hash_key;

	get_random_bytes(&hash_key, sizeof(hash_key));
	return aggmon_aggbufs_init(&agg->bufs, agg->bufs.key_words,
				   agg->fn.nslots, agg->bufs.capacity, &agg->fn,
				   &hash_key, gfp, agg->ucounts);
}

static void aggmon_agg_free(struct aggmon_agg *agg)
{
	aggmon_aggbufs_free(&agg->bufs);
	mutex_destroy(&agg->drain_lock);
	kfree(agg);
}

static void aggmon_agg_free_work(struct work_struct *work)
{
	aggmon_agg_free(container_of(to_rcu_work(work), struct aggmon_agg,
				     free_work));
}

/* A kernel aggregation of this name, under aggmon_agg_mutex. */
static struct aggmon_agg *aggmon_agg_find_kernel(const char *name)
{
	struct aggmon_agg *agg;
	unsigned long id;

	lockdep_assert_held(&aggmon_agg_mutex);
	xa_for_each(&aggmon_aggs, id, agg)
		if (agg->source == AGGMON_AGG_SRC_KERNEL &&
		    !strcmp(agg->name, name))
			return agg;
	return NULL;
}

/*
 * Publish @agg under the id its name hashes to, or the next free one:
 * a collision moves the id on, never fails (ids are plenty for what the
 * quotas allow).
 */
static int aggmon_agg_publish(struct aggmon_agg *agg)
{
	u32 id = agg->id;
	int err;

	guard(mutex)(&aggmon_agg_mutex);
	if (agg->source == AGGMON_AGG_SRC_KERNEL &&
	    aggmon_agg_find_kernel(agg->name))
		return -EEXIST;
	for (;;) {
		id = id & AGGMON_AGG_ID_MASK ?: 1;
		err = xa_insert(&aggmon_aggs, id, agg, GFP_KERNEL);
		if (err != -EBUSY)
			break;
		id++;
	}
	if (err)
		return err;
	agg->id = id;
	agg->published = true;
	return 0;
}

static void aggmon_agg_unpublish(struct aggmon_agg *agg)
{
	guard(mutex)(&aggmon_agg_mutex);
	if (agg->published)
		xa_erase(&aggmon_aggs, agg->id);
	agg->published = false;
}

/* The last reference: detach, unpublish, free after a grace period. */
static void aggmon_agg_release(struct kref *ref)
{
	struct aggmon_agg *agg = container_of(ref, struct aggmon_agg, ref);

	aggmon_agg_unpublish(agg);
	/* Before the uncharge: a CPU coming online charges the user. */
	aggmon_aggbufs_unplug(&agg->bufs);
	if (agg->source != AGGMON_AGG_SRC_KERNEL) {
		mutex_lock(&aggmon_watch_mutex);
		aggmon_watch_detach_agg(agg);
		mutex_unlock(&aggmon_watch_mutex);
		aggmon_aggbufs_uncharge_all(&agg->bufs);
		aggmon_quota_uncharge(AGGMON_QUOTA_AGGS, agg->ucounts);
	}
	INIT_RCU_WORK(&agg->free_work, aggmon_agg_free_work);
	queue_rcu_work(system_wq, &agg->free_work);
}

static void aggmon_agg_put(struct aggmon_agg *agg)
{
	might_sleep();
	kref_put(&agg->ref, aggmon_agg_release);
}

/**
 * aggmon_agg_create() - create a kernel aggregation
 * @def: what it folds and how
 *
 * Feed it with aggmon_aggregate() or a timing hook; userspace opens it by
 * name.  Its memory is allocated here: updates never allocate.
 *
 * Context: process context.
 * Return: the aggregation, or an ERR_PTR(): -EINVAL for a bad definition,
 * -ENAMETOOLONG for a name longer than %AGGMON_NAME_LEN - 1, -EEXIST if
 * a kernel aggregation has the name, -ENOMEM.
 */
struct aggmon_agg *aggmon_agg_create(const struct aggmon_agg_def *def)
{
	struct aggmon_func fn = {
		.func = def->func, .factor = def->factor, .low = def->low,
		.high = def->high, .step = def->step,
	};
	u32 keys[AGGMON_AGG_KEYS_MAX];
	struct aggmon_agg *agg;
	unsigned int i;
	int err;

	if (!def->name || def->nkeys > AGGMON_AGG_KEYS_MAX)
		return ERR_PTR(-EINVAL);
	for (i = 0; i < def->nkeys; i++)
		keys[i] = def->keys[i];
	agg = aggmon_agg_alloc(def->name, &fn, keys, def->nkeys, def->entries,
			       true, GFP_KERNEL);
	if (IS_ERR(agg))
		return agg;
	agg->source = AGGMON_AGG_SRC_KERNEL;
	agg->owner = GLOBAL_ROOT_UID;
	err = aggmon_agg_alloc_buffers(agg, GFP_KERNEL);
	err = err ?: aggmon_agg_publish(agg);
	if (err) {
		aggmon_agg_free(agg);
		return ERR_PTR(err);
	}
	return agg;
}
EXPORT_SYMBOL_GPL(aggmon_agg_create);

/**
 * aggmon_agg_destroy() - remove a kernel aggregation
 * @agg: the aggregation, or NULL or an error pointer (ignored)
 *
 * Nothing may call aggmon_aggregate() on it any more.  Files that have it
 * open can still read it, marked %AGGMON_AGG_GONE.
 *
 * Context: process context.
 */
void aggmon_agg_destroy(struct aggmon_agg *agg)
{
	if (IS_ERR_OR_NULL(agg))
		return;
	WRITE_ONCE(agg->gone, true);
	aggmon_agg_unpublish(agg);
	aggmon_agg_put(agg);
}
EXPORT_SYMBOL_GPL(aggmon_agg_destroy);

/**
 * struct aggmon_agg_file - what a file descriptor of an aggregation holds
 * @agg: the aggregation, referenced
 * @snap: the file descriptor's last snapshot
 */
struct aggmon_agg_file {
	struct aggmon_agg *agg;
	struct aggmon_snapshot snap;
};

/* A file holding @agg's reference; on failure the reference is dropped. */
static struct file *aggmon_agg_file(struct aggmon_agg *agg)
{
	struct aggmon_agg_file *af;
	struct file *file;

	af = kzalloc(sizeof(*af), GFP_KERNEL_ACCOUNT);
	/* Its snapshots' memory counts against whoever opened it. */
	if (!af || aggmon_snapshot_init(&af->snap)) {
		kfree(af);
		aggmon_agg_put(agg);
		return ERR_PTR(-ENOMEM);
	}
	af->agg = agg;
	file = anon_inode_getfile("[aggmon_agg]", &aggmon_agg_fops, af,
				  O_RDONLY);
	if (IS_ERR(file)) {
		aggmon_snapshot_exit(&af->snap);
		kfree(af);
		aggmon_agg_put(agg);
	}
	return file;
}

/* Attach a user's new aggregation to its gauge. */
static int aggmon_agg_attach_gauge(struct aggmon_agg *agg)
{
	struct aggmon_gauge_entry *entry;
	int err;

	/* The gauge cannot go while the mutex is held (watch.c). */
	guard(mutex)(&aggmon_watch_mutex);
	scoped_guard(rcu)
		entry = aggmon_gauge_find(agg->gauge_id);
	if (!entry)
		return -ENOENT;
	err = aggmon_watch_attach_agg(entry, agg, aggmon_watch_capped(entry));
	return err;
}

/**
 * aggmon_agg_file_create() - create a user's aggregation of a gauge
 * @attr: what userspace asked for; flags and id already checked
 * @id: receives the aggregation's id
 *
 * Return: the file owning it, or an ERR_PTR(): -EINVAL for bad
 * parameters, -ENAMETOOLONG for a name without its NUL, -EACCES for task
 * keys without CAP_PERFMON, -ENOENT for an unknown gauge, -EMFILE when
 * the uid holds its cap, -EDQUOT when the buffers would take it past its
 * memory quota, -ENOSPC when a level aggregation finds its gauge at the
 * cap for the caller (aggmon_watch_capped()), -ENOMEM.
 */
struct file *aggmon_agg_file_create(const struct aggmon_agg_create_attr *attr,
				    u64 *id)
{
	struct aggmon_func fn = {
		.func = attr->func, .factor = attr->factor, .low = attr->low,
		.high = attr->high, .step = attr->step,
	};
	kuid_t uid = current_uid();
	struct aggmon_agg *agg;
	struct file *file;
	int err;

	if (attr->source != AGGMON_AGG_SRC_GAUGE_DELTA &&
	    attr->source != AGGMON_AGG_SRC_GAUGE_LEVEL)
		return ERR_PTR(-EINVAL);
	agg = aggmon_agg_alloc(attr->name, &fn, attr->keys, attr->nkeys,
			       attr->entries, false, GFP_KERNEL_ACCOUNT);
	if (IS_ERR(agg))
		return ERR_CAST(agg);
	agg->source = attr->source;
	agg->gauge_id = attr->gauge_id;
	agg->owner = uid;
	err = -EACCES;
	if (aggmon_agg_keys_observe_tasks(agg) && !perfmon_capable())
		goto free;
	agg->ucounts = aggmon_quota_charge(AGGMON_QUOTA_AGGS);
	err = PTR_ERR_OR_ZERO(agg->ucounts);
	if (err)
		goto free;
	err = aggmon_agg_alloc_buffers(agg, GFP_KERNEL_ACCOUNT);
	if (err)
		goto uncharge;

	/* Attached, then published: no one opens it before it works. */
	err = aggmon_agg_attach_gauge(agg);
	err = err ?: aggmon_agg_publish(agg);
	if (err) {
		/* The release path undoes all of it. */
		aggmon_agg_put(agg);
		return ERR_PTR(err);
	}
	file = aggmon_agg_file(agg);
	if (!IS_ERR(file))
		*id = agg->id;
	return file;
uncharge:
	aggmon_quota_uncharge(AGGMON_QUOTA_AGGS, agg->ucounts);
free:
	aggmon_agg_free(agg);
	return ERR_PTR(err);
}

/**
 * aggmon_agg_file_open() - open an existing aggregation
 * @attr: by id, or a kernel aggregation by name; checked
 *
 * Return: a new file on it, or an ERR_PTR(): -ENOENT, -EACCES for another
 * uid's aggregation or, without CAP_PERFMON, one keyed by task, -ENOMEM.
 */
struct file *aggmon_agg_file_open(const struct aggmon_agg_open_attr *attr)
{
	struct aggmon_agg *agg;
	int err = 0;

	scoped_guard(mutex, &aggmon_agg_mutex) {
		if (attr->id)
			agg = attr->id <= AGGMON_AGG_ID_MASK ?
			      xa_load(&aggmon_aggs, attr->id) : NULL;
		else
			agg = aggmon_agg_find_kernel(attr->name);
		/* Its last reference may be going: it waits for the mutex. */
		if (!agg || !kref_get_unless_zero(&agg->ref))
			return ERR_PTR(-ENOENT);
		if ((agg->source != AGGMON_AGG_SRC_KERNEL &&
		     !uid_eq(agg->owner, current_uid())) ||
		    (aggmon_agg_keys_observe_tasks(agg) && !perfmon_capable()))
			err = -EACCES;
	}
	if (err) {
		aggmon_agg_put(agg);
		return ERR_PTR(err);
	}
	return aggmon_agg_file(agg);
}

static struct aggmon_agg_file *aggmon_agg_from_file(struct file *file)
{
	return file->f_op == &aggmon_agg_fops ? file->private_data : NULL;
}

/**
 * aggmon_agg_info() - the dictionary entry of an aggregation
 * @file: the aggregation's file
 * @info: filled in; @fd and @flags are left alone
 *
 * Return: 0, or -EINVAL if @file is not an aggregation's.
 */
int aggmon_agg_info(struct file *file, struct aggmon_agg_info *info)
{
	struct aggmon_agg_file *af = aggmon_agg_from_file(file);
	struct aggmon_agg *agg;

	if (!af)
		return -EINVAL;
	agg = af->agg;
	info->id = agg->id;
	strscpy_pad(info->name, agg->name);
	info->func = agg->fn.func;
	info->source = agg->source;
	info->low = agg->fn.low;
	info->high = agg->fn.high;
	info->step = agg->fn.step;
	info->factor = agg->fn.factor;
	info->state = READ_ONCE(agg->gone) ? AGGMON_AGG_GONE : 0;
	info->nkeys = agg->nkeys;
	memset(info->keys, 0, sizeof(info->keys));
	memcpy(info->keys, agg->keys, agg->nkeys * sizeof(*agg->keys));
	info->key_slots = agg->bufs.key_words;
	info->value_slots = agg->bufs.value_words;
	info->record_size = aggmon_aggbuf_record_size(&agg->bufs);
	info->entries = agg->bufs.capacity;
	info->nr_cpus = nr_cpu_ids;
	info->owner_uid = agg->source == AGGMON_AGG_SRC_KERNEL ? 0 :
			  from_kuid_munged(current_user_ns(), agg->owner);
	info->__reserved = 0;
	info->gauge_id = agg->gauge_id;
	return 0;
}

/**
 * aggmon_agg_snapshot() - take or continue a snapshot, copy a batch out
 * @file: the aggregation's file
 * @attr: the request: see aggmon_snapshot_read()
 *
 * Return: -EINVAL for a file that is not an aggregation's, else as
 * aggmon_snapshot_read().
 */
int aggmon_agg_snapshot(struct file *file,
			struct aggmon_agg_snapshot_attr *attr)
{
	struct aggmon_agg_file *af = aggmon_agg_from_file(file);

	if (!af)
		return -EINVAL;
	return aggmon_snapshot_read(af->agg, &af->snap, attr);
}

/**
 * aggmon_agg_list() - ids of aggregations, in ascending order
 * @cursor: in: the smallest id to return; out: where to go on from
 * @ids: receives the ids
 * @count: room in @ids
 *
 * Return: the number of ids written.
 */
unsigned int aggmon_agg_list(u64 *cursor, u64 *ids, unsigned int count)
{
	unsigned long index = min_t(u64, *cursor, ULONG_MAX);
	struct aggmon_agg *agg;
	unsigned int n = 0;

	if (*cursor > AGGMON_AGG_ID_MASK)
		return 0;
	guard(mutex)(&aggmon_agg_mutex);
	xa_for_each_start(&aggmon_aggs, index, agg, index) {
		if (n == count)
			break;
		ids[n++] = index;
		*cursor = index + 1;
	}
	return n;
}

static int aggmon_agg_file_release(struct inode *inode, struct file *file)
{
	struct aggmon_agg_file *af = file->private_data;

	aggmon_snapshot_exit(&af->snap);
	aggmon_agg_put(af->agg);
	kfree(af);
	return 0;
}

static const struct file_operations aggmon_agg_fops = {
	.release	= aggmon_agg_file_release,
	.llseek		= noop_llseek,
};

#ifdef CONFIG_AGGMON_KUNIT_TEST
#include "tests/agg_kunit.h"
#endif

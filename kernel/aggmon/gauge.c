// SPDX-License-Identifier: GPL-2.0-only
/*
 * aggmon - gauges and their registry
 *
 * The value of a gauge is the sum of per-CPU shares.  An update adds to
 * the share of the CPU it runs on with one this_cpu_add(), which is a
 * single instruction on x86 and irq-safe everywhere, so updates from
 * process, softirq and hardirq context never lose each other and never
 * touch a cache line another CPU writes.  A read sums the shares of every
 * possible CPU (offline CPUs keep theirs), so once updates stop a read is
 * exact.  A read that runs alongside updates returns the sum of shares
 * each taken at some instant during the read; it includes every update
 * that completed before the read began.
 *
 * Setting a gauge is an add of the difference between the new value and
 * the current one, serialised against other sets by a per-gauge raw
 * spinlock.  A set is exact when no add runs on another CPU meanwhile;
 * an add that races with it may end up counted or not, each such add on
 * its own, so a level gauge should be only set, by one writer at a time.
 * A watched gauge is set in the order of its watch instead (watch.c),
 * which makes a set and racing adds exact.
 *
 * Shares are s64 and sums wrap modulo 2^64, so a gauge that wraps reads
 * back exactly what a plain s64 would have held.
 *
 * A gauge is embedded in the structure it measures, as a percpu_counter
 * is, so an update loads the per-CPU pointer from memory the caller is
 * already touching.  The registry keeps its own copy of that pointer and
 * never reads the caller's structure, which may be freed as soon as
 * aggmon_gauge_destroy() returns.
 *
 * Static gauges (DEFINE_AGGMON_GAUGE()) count from boot in per-CPU
 * shares of their own, before aggmon_gauge_init() can run.  Registering
 * one adopts those shares, and the value counted so far, instead of
 * allocating; removing one leaves them alone, and a gauge whose
 * registration failed or that is no longer registered keeps counting in
 * them rather than in the sink.  Because a static gauge may be updated,
 * set and read while it is destroyed, the gauge's pointer to its entry
 * is an RCU pointer: updates follow it with preemption disabled, sets,
 * reads and aggmon_gauge_id() under rcu_read_lock(), and the entry is
 * freed a grace period after it was unpublished.
 *
 * Registry: gauges live in an allocating xarray indexed by id.  Ids are
 * handed out cyclically from 1 so a stale id does not name a new gauge
 * soon after the old one is gone.  Readers (the syscall) look gauges up
 * under rcu_read_lock(); removal erases the id and frees the gauge after
 * a grace period.  Registration is serialised by a mutex that also keeps
 * (name, item) pairs unique.
 *
 * Names: every registered gauge is also in a hash table of
 * AGGMON_NAME_BUCKETS buckets by (name, item), so a lookup by name (each
 * GAUGE_INFO by name, each registration) compares the entries of one
 * bucket rather than every gauge: n / AGGMON_NAME_BUCKETS on average for
 * n gauges.  The hash is siphash under a key drawn at the first
 * registration (early in boot, when the key may be weaker than later),
 * so distinct names that users choose are not easily aimed at one
 * bucket.  The owner is not hashed: the user gauges of one name, one per
 * owner, share a bucket, which the per-user quotas bound (a user's
 * subordinate uids share its quota).  Readers walk a bucket under RCU;
 * the registry's mutex serialises the writers.
 *
 * User gauges are named per owner: (name, item) is unique among the user
 * gauges of one real uid, so no user can take another's names before it
 * (squatting them).  A lookup by name finds the caller's own gauge, or
 * the one user gauge of that name if only one user has it, and fails
 * with -ENOTUNIQ if several others do; a lookup for an owner finds that
 * owner's.  Kernel gauges, outside "user.", are unique by name alone.
 *
 * An item may be renamed in place (a network interface that is renamed,
 * or moved to another namespace), keeping the gauge's id, value and
 * watchers.  Renames are rare, so readers that copy or compare an item
 * under RCU alone retry on a sequence count that the rename bumps under
 * the registry's mutex, rather than taking a lock.
 */

#include <linux/ctype.h>
#include <linux/cred.h>
#include <linux/export.h>
#include <linux/hashtable.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/random.h>
#include <linux/seqlock.h>
#include <linux/siphash.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/xarray.h>
#include <asm/sections.h>

#include "gauge.h"
#include "limits.h"
#include "watch.h"

/* Where updates of a gauge go while it is not registered. */
static DEFINE_PER_CPU(s64, aggmon_sink);

static DEFINE_XARRAY_ALLOC1(aggmon_gauges);
static DEFINE_MUTEX(aggmon_register_mutex);
/*
 * Renames, under aggmon_register_mutex.  A plain seqcount, not one tied
 * to the mutex: readers are under rcu_read_lock(), where PREEMPT_RT's
 * seqcount_mutex_t readers would take the mutex to wait out a writer.
 * The writer disables preemption instead, so a reader spins briefly.
 */
static seqcount_t aggmon_item_seq = SEQCNT_ZERO(aggmon_item_seq);
static u32 aggmon_next_id;

#define AGGMON_NAME_HASH_BITS	10
#define AGGMON_NAME_BUCKETS	BIT(AGGMON_NAME_HASH_BITS)
static DEFINE_HASHTABLE(aggmon_names, AGGMON_NAME_HASH_BITS);
static siphash_key_t aggmon_name_key;

/**
 * aggmon_valid_name() - is @name a dotted name?
 * @name: NUL-terminated string
 *
 * Return: true if @name is one or more segments of [a-z0-9_]
 * separated by single dots.
 */
bool aggmon_valid_name(const char *name)
{
	bool segment_empty = true;

	for (; *name; name++) {
		if (*name == '.') {
			if (segment_empty)
				return false;
			segment_empty = true;
		} else if ((*name >= 'a' && *name <= 'z') ||
			   (*name >= '0' && *name <= '9') || *name == '_') {
			segment_empty = false;
		} else {
			return false;
		}
	}
	return !segment_empty;
}

/**
 * aggmon_valid_item() - is @item a valid item name?
 * @item: NUL-terminated string
 *
 * Return: true if @item is made of [A-Za-z0-9_.:-] (or is empty).
 */
bool aggmon_valid_item(const char *item)
{
	for (; *item; item++)
		if (!isascii(*item) ||
		    (!isalnum(*item) && !strchr("_.:-", *item)))
			return false;
	return true;
}

/**
 * aggmon_valid_unit() - is @unit printable ASCII?
 * @unit: NUL-terminated string
 *
 * Return: true if every character of @unit is printable ASCII.
 */
bool aggmon_valid_unit(const char *unit)
{
	for (; *unit; unit++)
		if (*unit < 0x20 || *unit > 0x7e)
			return false;
	return true;
}

/**
 * aggmon_check_strings() - check the strings that name a gauge
 * @name: dotted class name
 * @item: item name, "" for none
 * @unit: unit, "" for none
 *
 * Return: 0, -ENAMETOOLONG if a string does not fit its UAPI field, or
 * -EINVAL if it has characters it may not have.
 */
int aggmon_check_strings(const char *name, const char *item, const char *unit)
{
	if (strnlen(name, AGGMON_NAME_LEN) == AGGMON_NAME_LEN ||
	    strnlen(item, AGGMON_ITEM_LEN) == AGGMON_ITEM_LEN ||
	    strnlen(unit, AGGMON_UNIT_LEN) == AGGMON_UNIT_LEN)
		return -ENAMETOOLONG;
	if (!aggmon_valid_name(name) || !aggmon_valid_item(item) ||
	    !aggmon_valid_unit(unit))
		return -EINVAL;
	return 0;
}

/*
 * Whether @gauge came from DEFINE_AGGMON_GAUGE().  Its flag says so, but
 * aggmon_gauge_init() also takes gauges in memory that nobody zeroed (the
 * stack, kmalloc()), where the flag may hold anything; a defined gauge
 * is an initialised variable of the kernel or of a module, so the flag
 * is only read there.
 */
static bool aggmon_gauge_is_static(const struct aggmon_gauge *gauge)
{
	unsigned long addr = (unsigned long)gauge;

	if (!is_kernel_core_data(addr) && !is_module_address(addr))
		return false;
	return READ_ONCE(gauge->static_shares);
}

/* @shares: a static gauge's shares to adopt, or NULL to allocate them */
static struct aggmon_gauge_entry *
aggmon_gauge_alloc(const char *name, const char *item, const char *unit,
		   enum aggmon_gauge_kind kind, s64 initial,
		   s64 __percpu *shares)
{
	/* User gauges are charged to their creator; kernel ones are not. */
	gfp_t gfp = kind == AGGMON_GAUGE_USER ? GFP_KERNEL_ACCOUNT : GFP_KERNEL;
	struct aggmon_gauge_entry *entry;

	entry = kzalloc(sizeof(*entry), gfp);
	if (!entry)
		return NULL;
	if (shares) {
		entry->pcpu = shares;
		entry->static_shares = true;
	} else {
		entry->pcpu = alloc_percpu_gfp(s64, gfp);
		if (!entry->pcpu) {
			kfree(entry);
			return NULL;
		}
		*per_cpu_ptr(entry->pcpu,
			     cpumask_first(cpu_possible_mask)) = initial;
	}
	raw_spin_lock_init(&entry->set_lock);
	entry->kind = kind;
	if (kind == AGGMON_GAUGE_USER)
		entry->owner = current_uid();
	strscpy(entry->name, name);
	strscpy(entry->item, item);
	strscpy(entry->unit, unit);
	return entry;
}

static void aggmon_gauge_free(struct aggmon_gauge_entry *entry)
{
	if (!entry->static_shares)
		free_percpu(entry->pcpu);
	kfree(entry);
}

static void aggmon_gauge_free_rcu(struct rcu_head *rcu)
{
	aggmon_gauge_free(container_of(rcu, struct aggmon_gauge_entry, rcu));
}

/*
 * The hash of (@name, @item), both NUL-padded to their UAPI sizes so that
 * "ab" + "c" and "a" + "bc" differ.  The strings have been checked to fit.
 */
static u32 aggmon_name_hash(const char *name, const char *item)
{
	struct {
		char name[AGGMON_NAME_LEN];
		char item[AGGMON_ITEM_LEN];
	} key;

	get_random_once(&aggmon_name_key, sizeof(aggmon_name_key));
	strscpy_pad(key.name, name);
	strscpy_pad(key.item, item);
	return siphash(&key, sizeof(key), &aggmon_name_key) &
	       (AGGMON_NAME_BUCKETS - 1);
}

static struct hlist_head *aggmon_name_bucket(const char *name, const char *item)
{
	return &aggmon_names[aggmon_name_hash(name, item)];
}

/*
 * The gauge (@name, @item): a kernel gauge, or the user gauge of @owner;
 * for a NULL @owner, the caller's own user gauge, else the only one, else
 * ERR_PTR(-ENOTUNIQ).  The registry's mutex or rcu_read_lock() held.
 */
static struct aggmon_gauge_entry *__aggmon_gauge_find_name(const char *name,
							   const char *item,
							   const kuid_t *owner)
{
	struct aggmon_gauge_entry *entry, *found = NULL;

	hlist_for_each_entry_rcu(entry, aggmon_name_bucket(name, item),
				 name_node,
				 lockdep_is_held(&aggmon_register_mutex)) {
		if (strcmp(entry->name, name) || strcmp(entry->item, item))
			continue;
		if (entry->kind != AGGMON_GAUGE_USER ||
		    uid_eq(entry->owner, owner ? *owner : current_uid()))
			return entry;
		if (!owner)
			found = found ? ERR_PTR(-ENOTUNIQ) : entry;
	}
	return found;
}

/* Publishes @entry under its name; the registry's mutex held. */
static void aggmon_name_add(struct aggmon_gauge_entry *entry)
{
	hlist_add_head_rcu(&entry->name_node,
			   aggmon_name_bucket(entry->name, entry->item));
}

/**
 * aggmon_gauge_register() - create a gauge and publish it
 * @gauge: the updaters' handle to set up, or NULL to use the entry's own
 * @name: dotted class name
 * @item: item name, or NULL for none
 * @unit: unit, or NULL for none
 * @kind: kernel or user gauge
 * @initial: the first value; ignored for a static @gauge, which keeps its
 *	shares and their value
 *
 * Context: process context, may sleep.
 * Return: the new entry, or an ERR_PTR(): -ENAMETOOLONG if a string does
 * not fit, -EINVAL if it has characters it may not have or if @name is
 * under "user." for a kernel gauge or outside it for a user one, -EEXIST if
 * (@name, @item) is taken, -ENOMEM, or -EBUSY when no id is free.
 */
struct aggmon_gauge_entry *aggmon_gauge_register(struct aggmon_gauge *gauge,
						 const char *name,
						 const char *item,
						 const char *unit,
						 enum aggmon_gauge_kind kind,
						 s64 initial)
{
	struct aggmon_gauge_entry *entry;
	bool user_name, user_kind;
	int err;

	item = item ?: "";
	unit = unit ?: "";
	err = aggmon_check_strings(name, item, unit);
	if (err)
		return ERR_PTR(err);
	/* "user." belongs to user gauges, so a name there says who made it. */
	user_name = str_has_prefix(name, AGGMON_USER_PREFIX);
	user_kind = kind == AGGMON_GAUGE_USER;
	if (user_name != user_kind)
		return ERR_PTR(-EINVAL);
	entry = aggmon_gauge_alloc(name, item, unit, kind, initial,
				   gauge && gauge->static_shares ?
				   gauge->pcpu : NULL);
	if (!entry)
		return ERR_PTR(-ENOMEM);
	entry->gauge = gauge ?: &entry->user_gauge;

	mutex_lock(&aggmon_register_mutex);
	/* A user gauge's name is taken only by the same owner's. */
	err = __aggmon_gauge_find_name(name, item,
				       user_kind ? &entry->owner : NULL) ?
	      -EEXIST : 0;
	if (!err) {
		/* The xarray writes entry->id before it publishes entry. */
		err = xa_alloc_cyclic(&aggmon_gauges, &entry->id, entry,
				      XA_LIMIT(1, AGGMON_GAUGE_ID_MAX),
				      &aggmon_next_id, GFP_KERNEL);
	}
	if (err >= 0)
		aggmon_name_add(entry);
	mutex_unlock(&aggmon_register_mutex);
	if (err < 0) {
		aggmon_gauge_free(entry);
		return ERR_PTR(err);
	}
	/* Readers of the registry use entry->pcpu, so this may come last. */
	entry->gauge->pcpu = entry->pcpu;
	rcu_assign_pointer(entry->gauge->entry, entry);
	return entry;
}

/**
 * aggmon_gauge_unregister() - unpublish a gauge and free it
 * @entry: the gauge
 *
 * Readers that found the gauge under rcu_read_lock() may still use it
 * until they unlock; it is freed after that.  Statistics watching it stop
 * changing and their thresholds report that the gauge is gone.
 *
 * Context: process context: the registry's lock is taken with interrupts
 * enabled.
 */
void aggmon_gauge_unregister(struct aggmon_gauge_entry *entry)
{
	might_sleep();
	/* Its name is free from here; the id goes with its watchers. */
	mutex_lock(&aggmon_register_mutex);
	hlist_del_rcu(&entry->name_node);
	mutex_unlock(&aggmon_register_mutex);
	mutex_lock(&aggmon_watch_mutex);
	xa_erase(&aggmon_gauges, entry->id);
	aggmon_watch_gone(entry);
	mutex_unlock(&aggmon_watch_mutex);
	call_rcu(&entry->rcu, aggmon_gauge_free_rcu);
}

/**
 * aggmon_gauge_find() - look a gauge up by id
 * @id: the id
 *
 * Context: rcu_read_lock() held.
 * Return: the gauge, or NULL.
 */
struct aggmon_gauge_entry *aggmon_gauge_find(u64 id)
{
	if (!id || id > AGGMON_GAUGE_ID_MAX)
		return NULL;
	return xa_load(&aggmon_gauges, id);
}

/**
 * aggmon_gauge_find_name() - look a gauge up by name and item
 * @name: dotted class name
 * @item: item name, "" for none
 * @owner: for a user gauge, whose; NULL for the caller's own, or else
 *	the only user gauge of that name
 *
 * Context: rcu_read_lock() held.
 * Return: the gauge, NULL if there is none, or ERR_PTR(-ENOTUNIQ) if
 * @owner is NULL, the caller has no such user gauge and several other
 * users have one.
 */
struct aggmon_gauge_entry *aggmon_gauge_find_name(const char *name,
						  const char *item,
						  const kuid_t *owner)
{
	struct aggmon_gauge_entry *entry;
	unsigned int seq;

	do {
		seq = read_seqcount_begin(&aggmon_item_seq);
		entry = __aggmon_gauge_find_name(name, item, owner);
	} while (read_seqcount_retry(&aggmon_item_seq, seq));
	return entry;
}

/**
 * aggmon_entry_item() - copy a registered gauge's item name
 * @entry: the gauge, found under rcu_read_lock()
 * @item: receives the item, NUL-padded
 *
 * A rename may change the item meanwhile; the copy is one or the other.
 */
void aggmon_entry_item(const struct aggmon_gauge_entry *entry,
		       char item[AGGMON_ITEM_LEN])
{
	unsigned int seq;

	do {
		seq = read_seqcount_begin(&aggmon_item_seq);
		strscpy_pad(item, entry->item, AGGMON_ITEM_LEN);
	} while (read_seqcount_retry(&aggmon_item_seq, seq));
}

/**
 * aggmon_gauge_list() - collect gauge ids in ascending order
 * @cursor: in: smallest id wanted; out: last id returned + 1
 * @ids: receives up to @count ids
 * @count: capacity of @ids
 *
 * Return: the number of ids written; 0 at the end, @cursor unchanged.
 */
unsigned int aggmon_gauge_list(u64 *cursor, u64 *ids, unsigned int count)
{
	struct aggmon_gauge_entry *entry;
	unsigned long id;
	unsigned int n = 0;

	if (!count || *cursor > AGGMON_GAUGE_ID_MAX)
		return 0;
	xa_for_each_start(&aggmon_gauges, id, entry, *cursor) {
		ids[n++] = id;
		if (n == count)
			break;
	}
	if (n)
		*cursor = ids[n - 1] + 1;
	return n;
}

/**
 * aggmon_gauge_prepare() - make a gauge safe to update before it is set up
 * @gauge: the gauge, in memory that is zeroed or uninitialised
 *
 * A gauge embedded in a structure that exists before aggmon_gauge_init()
 * may run (a runqueue at boot, a network device before it registers) is
 * updated from the first instruction.  After this, those updates go to a
 * per-CPU sink nobody reads, as those of a gauge whose initialisation
 * failed do: whoever then calls aggmon_gauge_init() sets the gauge's
 * value if it must match something counted meanwhile.
 *
 * Context: any; not concurrently with updates of @gauge.
 */
void aggmon_gauge_prepare(struct aggmon_gauge *gauge)
{
	gauge->pcpu = &aggmon_sink;
	gauge->static_shares = false;
	gauge->watched = 0;
	RCU_INIT_POINTER(gauge->entry, NULL);
}
EXPORT_SYMBOL_GPL(aggmon_gauge_prepare);

/**
 * aggmon_gauge_init() - set up @gauge as the gauge of @class for @item
 * @gauge: the gauge, embedded in the caller's structure
 * @class: the class, usually from DEFINE_AGGMON_CLASS()
 * @item: the instance ("eth0"), or NULL for a class with a single gauge
 *
 * The gauge starts at 0 and is listed by the aggmon() system call until
 * aggmon_gauge_destroy().  If this fails, @gauge may still be updated,
 * read and destroyed: its updates go to a per-CPU sink nobody reads, so
 * a driver need not fail because its monitoring did.
 *
 * A gauge from DEFINE_AGGMON_GAUGE() is registered with the shares it
 * has counted in since boot and keeps its value; if this fails it goes on
 * counting there, unregistered, and may be initialised again later.
 *
 * Context: process context, may sleep; not concurrently with another
 * aggmon_gauge_init() or aggmon_gauge_destroy() of @gauge.
 * Return: 0, or -ENAMETOOLONG if a string does not fit, -EINVAL if it has
 * characters it may not have, -EEXIST if (@class, @item) is taken,
 * -ENOMEM, -EBUSY when no id is free, or -EALREADY if @gauge is a
 * static gauge that is registered already (it stays as it was).
 */
int aggmon_gauge_init(struct aggmon_gauge *gauge,
		      const struct aggmon_class *class, const char *item)
{
	struct aggmon_gauge_entry *entry;

	if (aggmon_gauge_is_static(gauge)) {
		if (rcu_access_pointer(gauge->entry))
			return -EALREADY;
		gauge->watched = 0;
	} else {
		aggmon_gauge_prepare(gauge);
	}
	entry = aggmon_gauge_register(gauge, class->name, item, class->unit,
				      AGGMON_GAUGE_KERNEL, 0);
	return PTR_ERR_OR_ZERO(entry);
}
EXPORT_SYMBOL_GPL(aggmon_gauge_init);

/**
 * aggmon_gauge_destroy() - remove a gauge
 * @gauge: the gauge; one whose aggmon_gauge_init() failed is ignored
 *
 * The caller must have stopped updating @gauge.  Readers in the aggmon
 * core that still see it are waited for with RCU before its shares are
 * freed.  A static gauge (DEFINE_AGGMON_GAUGE()) is only unregistered,
 * and may go on being updated meanwhile and after: its shares stay, keep
 * counting and keep its value for a later aggmon_gauge_init().
 *
 * Context: process context, as aggmon_gauge_init().
 */
void aggmon_gauge_destroy(struct aggmon_gauge *gauge)
{
	struct aggmon_gauge_entry *entry;

	/* The caller serialises init, rename and destroy of @gauge. */
	entry = rcu_dereference_protected(gauge->entry, 1);
	if (!entry)
		return;
	/* Updaters' slow path finds the entry under RCU: unpublish it first. */
	RCU_INIT_POINTER(gauge->entry, NULL);
	aggmon_gauge_unregister(entry);
	if (!gauge->static_shares)
		gauge->pcpu = &aggmon_sink;
}
EXPORT_SYMBOL_GPL(aggmon_gauge_destroy);

/**
 * aggmon_gauge_rename() - give a gauge another item name
 * @gauge: the gauge
 * @item: the new item name, or NULL for none
 *
 * The gauge keeps its id, its value and everything that watches it;
 * lookups by name find it under @item from now on.
 *
 * Context: process context, may sleep; not concurrently with
 * aggmon_gauge_init() or aggmon_gauge_destroy() of @gauge.
 * Return: 0 (also when @gauge's initialisation failed: nobody sees it),
 * -ENAMETOOLONG or -EINVAL as aggmon_gauge_init() for @item, or -EEXIST
 * if another gauge of the class has that item; the name stays as it was.
 */
int aggmon_gauge_rename(struct aggmon_gauge *gauge, const char *item)
{
	struct aggmon_gauge_entry *entry, *found;
	int err;

	/* The caller serialises init, rename and destroy of @gauge. */
	entry = rcu_dereference_protected(gauge->entry, 1);
	item = item ?: "";
	if (!entry)
		return 0;
	err = aggmon_check_strings(entry->name, item, "");
	if (err)
		return err;
	mutex_lock(&aggmon_register_mutex);
	/* Kernel gauges only: their names are unique without an owner. */
	found = __aggmon_gauge_find_name(entry->name, item, NULL);
	/* Renaming a gauge to the name it has is no error. */
	if (found && found != entry) {
		err = -EEXIST;
	} else if (!found) {
		/*
		 * A reader on this entry may follow it into its new bucket
		 * and miss the gauge it wants: the sequence count makes it
		 * look again.
		 */
		preempt_disable();
		write_seqcount_begin(&aggmon_item_seq);
		hlist_del_rcu(&entry->name_node);
		strscpy_pad(entry->item, item);
		aggmon_name_add(entry);
		write_seqcount_end(&aggmon_item_seq);
		preempt_enable();
	}
	mutex_unlock(&aggmon_register_mutex);
	return err;
}
EXPORT_SYMBOL_GPL(aggmon_gauge_rename);

static s64 aggmon_sum(s64 __percpu *pcpu)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += READ_ONCE(*per_cpu_ptr(pcpu, cpu));
	return sum;
}

/**
 * aggmon_entry_read() - the current value of a registered gauge
 * @entry: the gauge, found under rcu_read_lock()
 *
 * Return: the value.
 */
s64 aggmon_entry_read(const struct aggmon_gauge_entry *entry)
{
	return aggmon_sum(entry->pcpu);
}

/**
 * aggmon_gauge_read() - the current value of a gauge
 * @gauge: the gauge
 *
 * Sums the shares of all possible CPUs: O(nr_cpu_ids).
 *
 * Context: any.
 * Return: the value; 0 for a gauge whose aggmon_gauge_init() failed.
 */
s64 aggmon_gauge_read(const struct aggmon_gauge *gauge)
{
	struct aggmon_gauge_entry *entry;

	/* A static gauge may be destroyed meanwhile: see aggmon_gauge_set(). */
	guard(rcu)();
	entry = rcu_dereference(gauge->entry);
	return entry ? aggmon_sum(entry->pcpu) : 0;
}
EXPORT_SYMBOL_GPL(aggmon_gauge_read);

/**
 * aggmon_gauge_set() - set a gauge to @value
 * @gauge: the gauge
 * @value: the new value
 *
 * Costs a read of all CPUs' shares: meant for level gauges that are set
 * now and then, not for counters.
 *
 * Context: any but NMI.
 */
void aggmon_gauge_set(struct aggmon_gauge *gauge, s64 value)
{
	struct aggmon_gauge_entry *entry;
	unsigned long flags;

	/*
	 * A static gauge may be destroyed, and its entry freed after a grace
	 * period, while it is set: hold RCU from loading the entry until
	 * the set is done with it.
	 */
	guard(rcu)();
	entry = rcu_dereference(gauge->entry);
	/* Under a watch lock, set_lock would nest the other way round. */
	if (!entry || WARN_ON_ONCE(raw_cpu_read(aggmon_in_callback)))
		return;
	raw_spin_lock_irqsave(&entry->set_lock, flags);
	if (!READ_ONCE(gauge->watched) || !aggmon_watch_set(entry, value))
		aggmon_gauge_add(gauge, (u64)value - (u64)aggmon_sum(entry->pcpu));
	raw_spin_unlock_irqrestore(&entry->set_lock, flags);
}
EXPORT_SYMBOL_GPL(aggmon_gauge_set);

/**
 * aggmon_gauge_id() - the id under which userspace sees a gauge
 * @gauge: the gauge
 *
 * Return: the id; 0 for a gauge whose aggmon_gauge_init() failed.
 */
u64 aggmon_gauge_id(const struct aggmon_gauge *gauge)
{
	struct aggmon_gauge_entry *entry;

	/* A static gauge may be destroyed meanwhile: see aggmon_gauge_set(). */
	guard(rcu)();
	entry = rcu_dereference(gauge->entry);
	return entry ? entry->id : 0;
}
EXPORT_SYMBOL_GPL(aggmon_gauge_id);

#ifdef CONFIG_AGGMON_KUNIT_TEST
#include "tests/gauge_kunit.h"
#endif

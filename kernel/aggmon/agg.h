/* SPDX-License-Identifier: GPL-2.0 */
/*
 * aggmon - aggregations: named, keyed, per-CPU folds of values
 */
#ifndef _AGGMON_AGG_H
#define _AGGMON_AGG_H

#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/uidgid.h>
#include <linux/workqueue.h>
#include <uapi/linux/aggmon.h>

#include "aggbuf.h"
#include "aggfunc.h"

struct aggmon_gauge_entry;
struct aggmon_watch;
struct file;

/* Words of the longest key: every field once, COMM taking two. */
#define AGGMON_AGG_KEY_WORDS_MAX	(AGGMON_AGG_KEYS_MAX + 1)

/**
 * struct aggmon_agg - an aggregation
 * @ref: references: each file, and the kernel's for a kernel aggregation
 * @id: the id, derived from @name
 * @source: an &enum aggmon_agg_source
 * @gone: its gauge was removed, or its kernel code destroyed it
 * @published: in the registry
 * @owner: the uid that created it; for a kernel aggregation, root
 * @ucounts: the user charged for it; NULL for a kernel aggregation
 * @fn: the function
 * @nkeys: fields of @keys
 * @keys: the key fields, &enum aggmon_key_field values
 * @gauge_id: the gauge of a gauge source
 * @bufs: the per-CPU buffers
 * @drain_lock: serialises snapshots' drains of @bufs (its spare and
 *	totals), taken inside cpus_read_lock()
 * @gauge_node: on the gauge's delta aggregations (watch.c)
 * @watch_node: on its watch's level aggregations (watch.c)
 * @capped: a level aggregation that counts against its gauge's
 *	%AGGMON_WATCH_UNPRIV_MAX
 * @entry: the gauge while a delta source is attached
 * @watch: the watch while a level source is attached
 * @free_work: frees the aggregation after updaters that found it are done
 * @name: the name
 */
struct aggmon_agg {
	struct kref ref;
	u64 id;
	u32 source;
	bool gone;
	bool published;
	kuid_t owner;
	struct ucounts *ucounts;
	struct aggmon_func fn;
	unsigned int nkeys;
	u32 keys[AGGMON_AGG_KEYS_MAX];
	u64 gauge_id;
	struct aggmon_aggbufs bufs;
	struct mutex drain_lock;	/* serialises drains of @bufs */
	struct hlist_node gauge_node;
	struct list_head watch_node;
	bool capped;
	struct aggmon_gauge_entry *entry;
	struct aggmon_watch *watch;
	struct rcu_work free_work;
	char name[AGGMON_NAME_LEN];
};

void aggmon_agg_fold(struct aggmon_agg *agg, s64 value, const u64 *args);
struct file *aggmon_agg_file_create(const struct aggmon_agg_create_attr *attr,
				    u64 *id);
struct file *aggmon_agg_file_open(const struct aggmon_agg_open_attr *attr);
int aggmon_agg_info(struct file *file, struct aggmon_agg_info *info);
int aggmon_agg_snapshot(struct file *file,
			struct aggmon_agg_snapshot_attr *attr);
unsigned int aggmon_agg_list(u64 *cursor, u64 *ids, unsigned int count);

#endif /* _AGGMON_AGG_H */

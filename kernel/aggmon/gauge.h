/* SPDX-License-Identifier: GPL-2.0 */
/*
 * aggmon - the gauge registry, shared by the files of the core
 */
#ifndef _AGGMON_GAUGE_H
#define _AGGMON_GAUGE_H

#include <linux/aggmon.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>
#include <linux/uidgid.h>

struct aggmon_watch;

/* The namespace of user gauges, and of nothing else. */
#define AGGMON_USER_PREFIX "user."

/**
 * struct aggmon_gauge_entry - a registered gauge
 * @pcpu: the per-CPU shares; readers in the core use this, never @gauge
 * @gauge: the updaters' handle: embedded in a driver's structure for a
 *	kernel gauge, @user_gauge for a user gauge
 * @user_gauge: the handle of a user gauge
 * @set_lock: serialises aggmon_gauge_set() against itself
 * @id: stable id, never 0
 * @kind: an &enum aggmon_gauge_kind
 * @owner: for user gauges, the uid that created it
 * @ucounts: for user gauges, the user charged for it
 * @static_shares: @pcpu are a static gauge's own shares, never freed
 * @watch: what feeds its updates to statistics, NULL while none watch it
 * @aggs: the aggregations of its deltas, under RCU for updaters
 * @name_node: its place in the registry's hash of names
 * @rcu: frees the entry and @pcpu (unless static) after readers of the
 *	registry are done
 * @name: dotted class name
 * @item: item name, empty for a gauge without items; a reader under RCU
 *	copies it with aggmon_entry_item(), as a rename may change it
 * @unit: unit, may be empty
 */
struct aggmon_gauge_entry {
	s64 __percpu *pcpu;
	struct aggmon_gauge *gauge;
	struct aggmon_gauge user_gauge;
	raw_spinlock_t set_lock;
	u32 id;
	u32 kind;
	kuid_t owner;
	struct ucounts *ucounts;
	bool static_shares;
	struct aggmon_watch __rcu *watch;
	struct hlist_head aggs;
	struct hlist_node name_node;
	struct rcu_head rcu;
	char name[AGGMON_NAME_LEN];
	char item[AGGMON_ITEM_LEN];
	char unit[AGGMON_UNIT_LEN];
};

bool aggmon_valid_name(const char *name);
bool aggmon_valid_item(const char *item);
bool aggmon_valid_unit(const char *unit);
int aggmon_check_strings(const char *name, const char *item, const char *unit);

struct aggmon_gauge_entry *aggmon_gauge_register(struct aggmon_gauge *gauge,
						 const char *name,
						 const char *item,
						 const char *unit,
						 enum aggmon_gauge_kind kind,
						 s64 initial);
s64 aggmon_entry_read(const struct aggmon_gauge_entry *entry);
void aggmon_gauge_unregister(struct aggmon_gauge_entry *entry);

/* Lookups return entries that stay valid until rcu_read_unlock(). */
struct aggmon_gauge_entry *aggmon_gauge_find(u64 id);
struct aggmon_gauge_entry *aggmon_gauge_find_name(const char *name,
						  const char *item,
						  const kuid_t *owner);
void aggmon_entry_item(const struct aggmon_gauge_entry *entry,
		       char item[AGGMON_ITEM_LEN]);
unsigned int aggmon_gauge_list(u64 *cursor, u64 *ids, unsigned int count);

#endif /* _AGGMON_GAUGE_H */

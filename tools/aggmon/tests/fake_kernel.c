// SPDX-License-Identifier: GPL-2.0
/*
 * An in-memory aggmon() for testing aggmon without an aggmon kernel; it
 * replaces the system call in lib/aggmon_sys.c built with -DAGGMON_FAKE.
 *
 * AGGMON_FAKE_GAUGES=N adds N gauges "fake.gen:gI" with ids 2000 + I.
 * AGGMON_FAKE_ERRNO=E makes every call fail with errno E.
 * Gauge 1000 counts the AGGMON_GAUGE_READ calls.
 *
 * Aggregations (tests/fake_aggs.c): kernel aggregations with canned data
 * sets, listed, opened, described and snapshotted as the kernel does, and
 * user aggregations created over the gauges, which stay empty.
 * Statistics and thresholds (tests/fake_stats.c): ENOSYS, unless
 * AGGMON_FAKE_STATS is set.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libaggmon.h"
#include "fake_kernel.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

struct fake_gauge {
	__u64 id;
	__u32 kind;
	const char *name, *item, *unit;
	__s64 value;
	__u32 owner;		/* a user gauge's creator */
};

/*
 * With AGGMON_FAKE_OWNERS set, two users' gauges of one name, and one of
 * the caller's (AGGMON_FAKE_UID, default 0) of a name another user has.
 */
static const struct fake_gauge owned[] = {
	{ 3000, AGGMON_GAUGE_USER, "user.shared.load", "", "", 10, 1000 },
	{ 3001, AGGMON_GAUGE_USER, "user.shared.load", "", "", 11, 1001 },
	{ 3002, AGGMON_GAUGE_USER, "user.app.rate", "", "", 20, 1000 },
	{ 3003, AGGMON_GAUGE_USER, "user.app.rate", "", "", 21, 0 },
};

static const struct fake_gauge fixed[] = {
	{ 1, AGGMON_GAUGE_KERNEL, "net.e100.tx_packets", "eth0", "packets", 12345, 0 },
	{ 2, AGGMON_GAUGE_KERNEL, "net.e100.tx_packets", "eth1", "packets", 0, 0 },
	{ 5, AGGMON_GAUGE_KERNEL, "mm.free_pages", "", "pages", 4096, 0 },
	{ 7, AGGMON_GAUGE_USER, "user.test.temp", "probe:1", "m\"C\\", -273150, 0 },
	{ 1000, AGGMON_GAUGE_KERNEL, "sched.reads", "", "", 0, 0 },
};

static struct fake_gauge *gauges;
static size_t nr_gauges;
static __s64 reads;

static void fake_init(void)
{
	const char *env = getenv("AGGMON_FAKE_GAUGES");
	size_t i, extra = env ? strtoul(env, NULL, 10) : 0;
	size_t nowned = getenv("AGGMON_FAKE_OWNERS") ? ARRAY_SIZE(owned) : 0;
	static char items[1 << 16][8];

	if (gauges)
		return;
	if (extra > ARRAY_SIZE(items))
		extra = ARRAY_SIZE(items);
	nr_gauges = ARRAY_SIZE(fixed) + nowned + extra;
	gauges = calloc(nr_gauges, sizeof(*gauges));
	if (!gauges)
		abort();
	memcpy(gauges, fixed, sizeof(fixed));
	memcpy(gauges + ARRAY_SIZE(fixed), owned, nowned * sizeof(*owned));
	for (i = 0; i < extra; i++) {
		snprintf(items[i], sizeof(items[i]), "g%zu", i);
		gauges[i + ARRAY_SIZE(fixed) + nowned] =
			(struct fake_gauge){ 2000 + i, AGGMON_GAUGE_KERNEL,
					     "fake.gen", items[i], "", i, 0 };
	}
}

static struct fake_gauge *find(__u64 id)
{
	size_t i;

	for (i = 0; i < nr_gauges; i++)
		if (gauges[i].id == id)
			return &gauges[i];
	return NULL;
}

static long fail(int err)
{
	errno = err;
	return -1;
}

static long gauge_list(struct aggmon_gauge_list_attr *attr)
{
	__u64 *ids = (__u64 *)(uintptr_t)attr->ids;
	__u32 n = 0;
	size_t i;

	if (!attr->count || attr->count > AGGMON_BATCH_MAX || attr->flags)
		return fail(EINVAL);
	for (i = 0; i < nr_gauges && n < attr->count; i++)
		if (gauges[i].id >= attr->cursor)
			ids[n++] = gauges[i].id;
	attr->count = n;
	if (n)
		attr->cursor = ids[n - 1] + 1;
	return 0;
}

static const struct fake_gauge not_unique;

/*
 * As the kernel: a kernel gauge by name; a user gauge of @owner; unless
 * @exact, else the only user gauge of the name, or &not_unique.
 */
static const struct fake_gauge *find_name(const char *name, const char *item,
					  __u32 owner, bool exact)
{
	const struct fake_gauge *found = NULL;
	size_t i;

	for (i = 0; i < nr_gauges; i++) {
		const struct fake_gauge *g = &gauges[i];

		if (strcmp(g->name, name) || strcmp(g->item, item))
			continue;
		if (g->kind != AGGMON_GAUGE_USER || g->owner == owner)
			return g;
		if (!exact)
			found = found ? &not_unique : g;
	}
	return found;
}

static long gauge_info(struct aggmon_gauge_info *info)
{
	const char *env = getenv("AGGMON_FAKE_UID");
	__u32 caller = env ? strtoul(env, NULL, 10) : 0;
	bool by_owner = info->flags & AGGMON_GAUGE_INFO_F_OWNER;
	const struct fake_gauge *g = NULL;

	if (info->flags & ~AGGMON_GAUGE_INFO_F_OWNER || (by_owner && info->id))
		return fail(EINVAL);
	if (info->id) {
		g = find(info->id);
	} else {
		if (!memchr(info->name, 0, sizeof(info->name)) ||
		    !memchr(info->item, 0, sizeof(info->item)))
			return fail(EINVAL);
		g = find_name(info->name, info->item,
			      by_owner ? info->owner_uid : caller, by_owner);
		if (g == &not_unique)
			return fail(ENOTUNIQ);
	}
	if (!g)
		return fail(ENOENT);
	memset(info, 0, sizeof(*info));
	info->id = g->id;
	info->kind = g->kind;
	info->owner_uid = g->owner;
	snprintf(info->name, sizeof(info->name), "%s", g->name);
	snprintf(info->item, sizeof(info->item), "%s", g->item);
	snprintf(info->unit, sizeof(info->unit), "%s", g->unit);
	return 0;
}

static long gauge_read(struct aggmon_gauge_read_attr *attr)
{
	const __u64 *ids = (const __u64 *)(uintptr_t)attr->ids;
	__s64 *values = (__s64 *)(uintptr_t)attr->values;
	struct fake_gauge *g;
	__u32 i;

	if (!attr->count || attr->count > AGGMON_BATCH_MAX || attr->flags)
		return fail(EINVAL);
	for (i = 0; i < attr->count; i++) {
		if (!find(ids[i])) {
			attr->count = i;
			return fail(ENOENT);
		}
	}
	g = find(1000);
	g->value = ++reads;
	for (i = 0; i < attr->count; i++)
		values[i] = find(ids[i])->value;
	return 0;
}

long fake_aggmon(unsigned int cmd, void *attr, unsigned int size)
{
	const char *env = getenv("AGGMON_FAKE_ERRNO");

	fake_init();
	if (env)
		return fail(atoi(env));
	switch (cmd) {
	case AGGMON_GAUGE_LIST:
		if (size != sizeof(struct aggmon_gauge_list_attr))
			return fail(EINVAL);
		return gauge_list(attr);
	case AGGMON_GAUGE_INFO:
		if (size != sizeof(struct aggmon_gauge_info))
			return fail(EINVAL);
		return gauge_info(attr);
	case AGGMON_GAUGE_READ:
		if (size != sizeof(struct aggmon_gauge_read_attr))
			return fail(EINVAL);
		return gauge_read(attr);
	case AGGMON_AGG_CREATE ... AGGMON_AGG_OPEN:
		return fake_agg_cmd(cmd, attr, size);
	case AGGMON_STAT_CREATE ... AGGMON_THRESHOLD_CREATE:
		return fake_stat_cmd(cmd, attr, size);
	}
	return fail(EINVAL);
}

bool fake_gauge_exists(__u64 id)
{
	fake_init();
	return find(id);
}

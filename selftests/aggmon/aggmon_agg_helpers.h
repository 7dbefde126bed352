/* SPDX-License-Identifier: GPL-2.0 */
/*
 * aggmon selftests - helpers for aggregations
 *
 * Like the helpers of aggmon_helpers.h, the wrappers of the commands
 * return what the system call returns: -1 with errno set on failure, so
 * that tests can check the exact errno.  agg_snapshot_all() reads a whole
 * snapshot in batches and agg_merge() folds its records over CPUs, key by
 * key, as a consumer of the records would.
 */
#ifndef AGGMON_AGG_HELPERS_H
#define AGGMON_AGG_HELPERS_H

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aggmon_helpers.h"

#ifndef AGGMON_MAX_AGGS_SYSCTL
#define AGGMON_MAX_AGGS_SYSCTL	"/proc/sys/kernel/aggmon_max_user_aggs"
#endif

/* Bytes of a record's header, before its key and value words. */
#define AGG_RECORD_HDR		sizeof(struct aggmon_agg_record)

/* Record and data set sizes for @words key and value words. */
#define AGG_RECORD_SIZE(words)	(16 + 8 * (words))
#define AGG_SET_SIZE(words)	(16 + 8 * (words))

/* A valid attr: @func without parameters, no key, default entries. */
static inline void agg_attr_init(struct aggmon_agg_create_attr *attr,
				 const char *name, __u32 func, __u32 source,
				 __u64 gauge_id)
{
	memset(attr, 0, sizeof(*attr));
	aggmon_strcpy(attr->name, sizeof(attr->name), name);
	attr->func = func;
	attr->source = source;
	attr->gauge_id = gauge_id;
}

/* Sets the key of @attr to the @nkeys fields at @keys. */
static inline void agg_attr_keys(struct aggmon_agg_create_attr *attr,
				 __u32 nkeys, const __u32 *keys)
{
	memset(attr->keys, 0, sizeof(attr->keys));
	attr->nkeys = nkeys;
	if (nkeys)
		memcpy(attr->keys, keys, nkeys * sizeof(*keys));
}

/* Creates an aggregation: returns its fd, and its id in @attr->id. */
static inline int agg_create(struct aggmon_agg_create_attr *attr)
{
	return sys_aggmon(AGGMON_AGG_CREATE, attr, sizeof(*attr));
}

/* Fills *@info, the dictionary entry of the aggregation behind @fd. */
static inline long agg_info(int fd, struct aggmon_agg_info *info)
{
	memset(info, 0, sizeof(*info));
	info->fd = (__u32)fd;
	return sys_aggmon(AGGMON_AGG_INFO, info, sizeof(*info));
}

static inline long agg_snapshot(struct aggmon_agg_snapshot_attr *attr)
{
	return sys_aggmon(AGGMON_AGG_SNAPSHOT, attr, sizeof(*attr));
}

/* Opens an aggregation by @id, or a kernel one by @name (id 0). */
static inline int agg_open(__u64 id, const char *name)
{
	struct aggmon_agg_open_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.id = id;
	if (name)
		aggmon_strcpy(attr.name, sizeof(attr.name), name);
	return sys_aggmon(AGGMON_AGG_OPEN, &attr, sizeof(attr));
}

/* One AGG_LIST call: returns the count written, or -1. */
static inline long agg_list(__u64 *ids, __u32 count, __u64 *cursor)
{
	struct aggmon_agg_list_attr attr = {
		.ids = aggmon_ptr(ids),
		.count = count,
		.cursor = *cursor,
	};

	if (sys_aggmon(AGGMON_AGG_LIST, &attr, sizeof(attr)))
		return -1;
	*cursor = attr.cursor;
	return attr.count;
}

/*
 * The number of possible CPUs as the kernel counts them (nr_cpu_ids): one
 * more than the highest in /sys/devices/system/cpu/possible.  -1 on error.
 */
static inline int agg_possible_cpus(void)
{
	char buf[256], *p;
	long n, max = -1;
	ssize_t len;
	int fd;

	fd = open("/sys/devices/system/cpu/possible", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return -1;
	buf[len] = '\0';
	for (p = buf; *p; ) {
		if (*p < '0' || *p > '9') {
			p++;
			continue;
		}
		n = strtol(p, &p, 10);
		if (n > max)
			max = n;
	}
	return max < 0 ? -1 : (int)(max + 1);
}

/*
 * A whole snapshot as agg_snapshot_all() read it.
 * @info: the aggregation's dictionary entry, read just before
 * @recs: @nrec records of @info.record_size bytes, in the order returned
 * @generation, @total: as the calls returned them
 * @nr_cpus: the nr_cpus the calls returned
 * @drops: @info.nr_cpus drop counts, as the first call that returned
 *	records (or the end) wrote them
 * @calls: the calls that returned records (or the end)
 */
struct agg_snap {
	struct aggmon_agg_info info;
	unsigned char *recs;
	size_t nrec;
	__u64 generation;
	__u64 total;
	__u32 nr_cpus;
	__u64 *drops;
	unsigned int calls;
};

static inline struct aggmon_agg_record *agg_rec(const struct agg_snap *s,
						size_t i)
{
	return (struct aggmon_agg_record *)(s->recs +
					    i * s->info.record_size);
}

static inline void agg_snap_free(struct agg_snap *s)
{
	free(s->recs);
	free(s->drops);
	s->recs = NULL;
	s->drops = NULL;
}

/*
 * Takes a new snapshot of @fd (with @flags, e.g. AGGMON_SNAPSHOT_CLEAR)
 * and reads it all: batches of at most @batch bytes (0: 64 KiB) until the
 * cursor reaches the total.  A batch buffer that holds not even one
 * record (ENOSPC) grows to what size_needed says, and the same snapshot
 * goes on: the failed call returned its generation.  The drop counts
 * are asked for until a call succeeds, not from the calls after it.
 *
 * Checks what every call must hold, and fails with EPROTO if one does
 * not: the same generation (non-zero), total and nr_cpus on every call;
 * size_needed is the bytes of the records from the cursor on; count is at
 * most what remains and what fits, at least one while some remain; the
 * cursor moves by count.  Returns 0, or -1 with errno set.
 */
static inline int agg_snapshot_all(int fd, __u32 flags, size_t batch,
				   struct agg_snap *s)
{
	struct aggmon_agg_snapshot_attr attr;
	unsigned char *buf = NULL, *recs;
	__u64 cursor = 0, remaining;
	size_t rs, cap;
	bool first = true, want_drops = true;
	int err = EPROTO;
	long ret;

	memset(s, 0, sizeof(*s));
	if (agg_info(fd, &s->info))
		return -1;
	rs = s->info.record_size;
	if (rs < AGG_RECORD_HDR || !s->info.nr_cpus)
		goto fail;
	s->drops = calloc(s->info.nr_cpus, sizeof(*s->drops));
	cap = batch ? batch : 65536;
	buf = malloc(cap ? cap : 1);
	if (!s->drops || !buf) {
		err = ENOMEM;
		goto fail;
	}
	for (;;) {
		memset(&attr, 0, sizeof(attr));
		attr.fd = (__u32)fd;
		attr.buf = aggmon_ptr(buf);
		attr.buf_size = cap;
		if (want_drops) {
			attr.drops = aggmon_ptr(s->drops);
			attr.nr_cpus = s->info.nr_cpus;
		}
		if (first) {
			attr.flags = flags;
		} else {
			attr.generation = s->generation;
			attr.cursor = cursor;
		}
		ret = agg_snapshot(&attr);
		if (ret && errno != ENOSPC) {
			err = errno;
			goto fail;
		}
		if (!attr.generation ||
		    (!first && (attr.generation != s->generation ||
				attr.total != s->total)) ||
		    attr.nr_cpus != s->info.nr_cpus || cursor > attr.total)
			goto fail;
		s->generation = attr.generation;
		s->total = attr.total;
		s->nr_cpus = attr.nr_cpus;
		first = false;
		remaining = attr.total - cursor;
		if (attr.size_needed != remaining * rs)
			goto fail;
		if (ret) {
			/* ENOSPC: only when not even one record fits. */
			if (!remaining || cap >= rs)
				goto fail;
			cap = attr.size_needed;
			free(buf);
			buf = malloc(cap);
			if (!buf) {
				err = ENOMEM;
				goto fail;
			}
			continue;
		}
		if (attr.count > remaining || attr.count > cap / rs ||
		    (remaining && !attr.count) ||
		    attr.cursor != cursor + attr.count)
			goto fail;
		s->calls++;
		want_drops = false;
		if (attr.count) {
			recs = realloc(s->recs, (s->nrec + attr.count) * rs);
			if (!recs) {
				err = ENOMEM;
				goto fail;
			}
			s->recs = recs;
			memcpy(s->recs + s->nrec * rs, buf, attr.count * rs);
			s->nrec += attr.count;
		}
		cursor = attr.cursor;
		if (cursor == attr.total)
			break;
	}
	free(buf);
	return 0;
fail:
	free(buf);
	agg_snap_free(s);
	errno = err;
	return -1;
}

/* Adds the @n-word two's complement integer at @src to the one at @dst. */
static inline void agg_add_words(__u64 *dst, const __u64 *src, unsigned int n)
{
	__u64 carry = 0, sum;
	unsigned int i;

	for (i = 0; i < n; i++) {
		sum = dst[i] + src[i];
		dst[i] = sum + carry;
		carry = (sum < src[i]) + (dst[i] < sum);
	}
}

/*
 * Folds the value @src of a data set into @dst, as if the values of both
 * had gone into one: counts, sums and buckets add up (sums wrap as the
 * kernel's do), min and max keep the extreme of those that have one, the
 * wide sums of avg and stddev add with carries.
 */
static inline void agg_value_merge(__u32 func, unsigned int vs, __u64 *dst,
				   const __u64 *src)
{
	unsigned int i;

	switch (func) {
	case AGGMON_AGG_MIN:
	case AGGMON_AGG_MAX:
		if (!src[0])
			break;
		if (!dst[0] ||
		    (func == AGGMON_AGG_MIN ? (__s64)src[1] < (__s64)dst[1] :
					      (__s64)src[1] > (__s64)dst[1]))
			dst[1] = src[1];
		dst[0] += src[0];
		break;
	case AGGMON_AGG_AVG:
		dst[0] += src[0];
		agg_add_words(dst + 1, src + 1, 2);
		break;
	case AGGMON_AGG_STDDEV:
		dst[0] += src[0];
		agg_add_words(dst + 1, src + 1, 2);
		agg_add_words(dst + 3, src + 3, 3);
		break;
	default:
		for (i = 0; i < vs; i++)
			dst[i] += src[i];
		break;
	}
}

/*
 * A snapshot merged over CPUs: @n rows, one per distinct key, each @ks
 * key words then @vs value words, in the order the keys first appeared.
 */
struct agg_merged {
	__u32 func;
	unsigned int ks, vs;
	size_t n;
	__u64 *rows;
};

static inline __u64 *agg_merged_row(const struct agg_merged *m, size_t i)
{
	return m->rows + i * (m->ks + m->vs);
}

/* The value words of @key's row, or NULL; @key may be NULL if no key. */
static inline __u64 *agg_merged_find(const struct agg_merged *m,
				     const __u64 *key)
{
	unsigned int j;
	size_t i;

	for (i = 0; i < m->n; i++) {
		__u64 *row = agg_merged_row(m, i);

		for (j = 0; j < m->ks && row[j] == key[j]; j++)
			;
		if (j == m->ks)
			return row + m->ks;
	}
	return NULL;
}

/* Sums the records of @s per key over CPUs.  0, or -1 (ENOMEM). */
static inline int agg_merge(const struct agg_snap *s, struct agg_merged *m)
{
	unsigned int words = s->info.key_slots + s->info.value_slots;
	size_t i;

	m->func = s->info.func;
	m->ks = s->info.key_slots;
	m->vs = s->info.value_slots;
	m->n = 0;
	m->rows = calloc(s->nrec ? s->nrec : 1, words * sizeof(__u64));
	if (!m->rows) {
		errno = ENOMEM;
		return -1;
	}
	for (i = 0; i < s->nrec; i++) {
		const __u64 *data = agg_rec(s, i)->data;
		__u64 *value = agg_merged_find(m, data);

		if (!value) {
			value = agg_merged_row(m, m->n++);
			memcpy(value, data, m->ks * sizeof(*data));
			value += m->ks;
		}
		agg_value_merge(m->func, m->vs, value, data + m->ks);
	}
	return 0;
}

static inline void agg_merged_free(struct agg_merged *m)
{
	free(m->rows);
	m->rows = NULL;
	m->n = 0;
}

#endif /* AGGMON_AGG_HELPERS_H */

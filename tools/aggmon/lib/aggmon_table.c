// SPDX-License-Identifier: GPL-2.0
/*
 * libaggmon - the user-level dictionary and table.
 *
 * The kernel keeps each CPU's data sets apart and hands them out as
 * snapshot records; merging the records of one key is the reader's job,
 * as it is DTrace's consumer's.  The table does it in a hash table keyed
 * by (aggregation id, key words), open addressing with linear probing:
 * an entry is one allocation, and the table an array of pointers to them,
 * so that entries keep their address while the table grows.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "aggmon_priv.h"

#define TABLE_MIN_SLOTS	64

struct aggmon_dict {
	/* Each entry on its own, so that pointers to it stay valid. */
	struct aggmon_agg_info **infos;
	size_t count, cap;
};

struct aggmon_table {
	struct aggmon_dict *dict;
	struct aggmon_entry **slots;	/* cap pointers, NULL where free */
	size_t cap, count;
};

/*
 * The dictionary
 * --------------
 */

int aggmon_dict_new(struct aggmon_dict **dict)
{
	*dict = calloc(1, sizeof(**dict));
	return *dict ? 0 : -ENOMEM;
}

void aggmon_dict_free(struct aggmon_dict *dict)
{
	size_t i;

	if (!dict)
		return;
	for (i = 0; i < dict->count; i++)
		free(dict->infos[i]);
	free(dict->infos);
	free(dict);
}

const struct aggmon_agg_info *aggmon_dict_find(const struct aggmon_dict *dict,
					       __u64 id)
{
	size_t i;

	for (i = 0; i < dict->count; i++)
		if (dict->infos[i]->id == id)
			return dict->infos[i];
	return NULL;
}

/* What the records of an aggregation look like and how they merge. */
static bool same_layout(const struct aggmon_agg_info *a,
			const struct aggmon_agg_info *b)
{
	return a->func == b->func && a->low == b->low && a->high == b->high &&
	       a->step == b->step && a->factor == b->factor &&
	       a->nkeys == b->nkeys &&
	       !memcmp(a->keys, b->keys, sizeof(a->keys)) &&
	       a->key_slots == b->key_slots &&
	       a->value_slots == b->value_slots &&
	       a->record_size == b->record_size;
}

int aggmon_dict_add(struct aggmon_dict *dict,
		    const struct aggmon_agg_info *info)
{
	struct aggmon_agg_info *old, *copy, **infos;
	int err = aggmon_agg_check(info);

	if (err)
		return err;
	old = (struct aggmon_agg_info *)aggmon_dict_find(dict, info->id);
	if (old) {
		if (!same_layout(old, info))
			return -EEXIST;
		/* In place: tables point at it. */
		*old = *info;
		old->name[AGGMON_NAME_LEN - 1] = '\0';
		return 0;
	}
	if (dict->count == dict->cap) {
		size_t cap = dict->cap ? 2 * dict->cap : 8;

		infos = realloc(dict->infos, cap * sizeof(*infos));
		if (!infos)
			return -ENOMEM;
		dict->infos = infos;
		dict->cap = cap;
	}
	copy = malloc(sizeof(*copy));
	if (!copy)
		return -ENOMEM;
	*copy = *info;
	copy->name[AGGMON_NAME_LEN - 1] = '\0';
	dict->infos[dict->count++] = copy;
	return 0;
}

int aggmon_dict_add_fd(struct aggmon_dict *dict, int fd,
		       struct aggmon_agg_info *info)
{
	struct aggmon_agg_info tmp;
	int err = aggmon_agg_info(fd, &tmp);

	if (!err)
		err = aggmon_dict_add(dict, &tmp);
	if (!err && info)
		*info = tmp;
	return err;
}

/*
 * The table
 * ---------
 */

int aggmon_table_new(struct aggmon_dict *dict, struct aggmon_table **table)
{
	struct aggmon_table *t = calloc(1, sizeof(*t));

	if (!t)
		return -ENOMEM;
	t->dict = dict;
	*table = t;
	return 0;
}

void aggmon_table_clear(struct aggmon_table *table)
{
	size_t i;

	for (i = 0; i < table->cap; i++) {
		free(table->slots[i]);
		table->slots[i] = NULL;
	}
	table->count = 0;
}

void aggmon_table_free(struct aggmon_table *table)
{
	if (!table)
		return;
	aggmon_table_clear(table);
	free(table->slots);
	free(table);
}

size_t aggmon_table_size(const struct aggmon_table *table)
{
	return table->count;
}

/* splitmix64's finalizer: every input bit moves every output bit. */
static __u64 mix64(__u64 x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static __u64 key_hash(__u64 agg_id, const __u64 *key, __u32 nwords)
{
	__u64 h = mix64(agg_id);
	__u32 i;

	for (i = 0; i < nwords; i++)
		h = mix64(h ^ key[i]);
	return h;
}

static bool entry_is(const struct aggmon_entry *e, __u64 hash,
		     const struct aggmon_agg_info *info, const __u64 *key)
{
	return e->hash == hash && e->info->id == info->id &&
	       !memcmp(e->words, key, info->key_slots * sizeof(*key));
}

/* The slot of (@info, @key): where it is, or the free one it would take. */
static size_t table_probe(const struct aggmon_table *t, __u64 hash,
			  const struct aggmon_agg_info *info, const __u64 *key)
{
	size_t mask = t->cap - 1, i = hash & mask;

	while (t->slots[i] && !entry_is(t->slots[i], hash, info, key))
		i = (i + 1) & mask;
	return i;
}

static int table_grow(struct aggmon_table *t)
{
	size_t cap = t->cap ? 2 * t->cap : TABLE_MIN_SLOTS, i, j;
	struct aggmon_entry **slots = calloc(cap, sizeof(*slots));

	if (!slots)
		return -ENOMEM;
	for (i = 0; i < t->cap; i++) {
		if (!t->slots[i])
			continue;
		for (j = t->slots[i]->hash & (cap - 1); slots[j];
		     j = (j + 1) & (cap - 1))
			;
		slots[j] = t->slots[i];
	}
	free(t->slots);
	t->slots = slots;
	t->cap = cap;
	return 0;
}

/* The entry of (@info, @key), created with a zero value if new. */
static struct aggmon_entry *table_get(struct aggmon_table *t,
				      const struct aggmon_agg_info *info,
				      const __u64 *key)
{
	__u64 hash = key_hash(info->id, key, info->key_slots);
	size_t words = info->key_slots + info->value_slots, i;
	struct aggmon_entry *e;

	/* Keep the load under 3/4, so that probes stay short. */
	if (4 * (t->count + 1) > 3 * t->cap && table_grow(t))
		return NULL;
	i = table_probe(t, hash, info, key);
	if (t->slots[i])
		return t->slots[i];
	e = calloc(1, sizeof(*e) + words * sizeof(__u64));
	if (!e)
		return NULL;
	e->info = info;
	e->hash = hash;
	memcpy(e->words, key, info->key_slots * sizeof(*key));
	t->slots[i] = e;
	t->count++;
	return e;
}

const struct aggmon_agg_info *aggmon_table_info(const struct aggmon_table *table,
						__u64 agg_id)
{
	return aggmon_dict_find(table->dict, agg_id);
}

const struct aggmon_entry *aggmon_table_find(const struct aggmon_table *table,
					     __u64 agg_id, const __u64 *key)
{
	const struct aggmon_agg_info *info = aggmon_dict_find(table->dict,
							      agg_id);
	__u64 hash;
	size_t i;

	if (!info || !table->cap)
		return NULL;
	hash = key_hash(agg_id, key, info->key_slots);
	i = table_probe(table, hash, info, key);
	return table->slots[i];
}

/* The dictionary entry of @rec, with a one-entry cache: snapshots are runs. */
static const struct aggmon_agg_info *
record_info(const struct aggmon_dict *dict, const struct aggmon_agg_record *rec,
	    const struct aggmon_agg_info **cache)
{
	if (!*cache || (*cache)->id != rec->agg_id)
		*cache = aggmon_dict_find(dict, rec->agg_id);
	return *cache;
}

int aggmon_table_merge(struct aggmon_table *table, const void *records,
		       size_t nrecords)
{
	const struct aggmon_agg_info *info = NULL;
	const struct aggmon_agg_record *rec;
	const char *p = records;
	struct aggmon_entry *e;
	size_t i;

	/* Every record's layout first, so that a failure merges nothing. */
	for (i = 0; i < nrecords; i++, p += info->record_size) {
		rec = (const void *)p;
		if (!record_info(table->dict, rec, &info))
			return -ENOENT;
	}
	for (i = 0, p = records; i < nrecords; i++, p += info->record_size) {
		rec = (const void *)p;
		record_info(table->dict, rec, &info);
		e = table_get(table, info, rec->data);
		if (!e)
			return -ENOMEM;
		agg_merge(info, e->words + info->key_slots,
			  rec->data + info->key_slots);
		e->records++;
	}
	return 0;
}

int aggmon_table_read(struct aggmon_table *table, int fd, __u32 flags,
		      __u64 *drops)
{
	void *records = NULL;
	__u64 *cpu_drops = NULL, sum = 0;
	size_t nrecords;
	__u32 nr_cpus, i;
	int err;

	err = aggmon_dict_add_fd(table->dict, fd, NULL);
	if (err)
		return err;
	err = aggmon_agg_snapshot_all(fd, flags, &records, &nrecords,
				      drops ? &cpu_drops : NULL, &nr_cpus);
	if (err)
		return err;
	err = aggmon_table_merge(table, records, nrecords);
	if (!err && drops) {
		for (i = 0; i < nr_cpus; i++)
			sum += cpu_drops[i];
		*drops = sum;
	}
	free(records);
	free(cpu_drops);
	return err;
}

/*
 * Sorting
 * -------
 *
 * A merge sort of the entry pointers, so that the comparison can take the
 * order as an argument without qsort_r(), which not every libc has.
 */

static int entry_cmp(const struct aggmon_entry *a, const struct aggmon_entry *b,
		     int sort)
{
	int r;

	/* Aggregations in ascending id whatever the order within each. */
	if (a->info->id != b->info->id)
		return a->info->id < b->info->id ? -1 : 1;
	if ((sort & ~AGGMON_SORT_DESC) == AGGMON_SORT_VALUE) {
		r = entry_cmp_value(a, b);
		if (!r)
			r = entry_cmp_key(a, b);
	} else {
		r = entry_cmp_key(a, b);
		if (!r)
			r = entry_cmp_value(a, b);
	}
	return sort & AGGMON_SORT_DESC ? -r : r;
}

static void merge_sort(const struct aggmon_entry **v,
		       const struct aggmon_entry **tmp, size_t n, int sort)
{
	size_t mid = n / 2, i = 0, j = mid, k = 0;

	if (n < 2)
		return;
	merge_sort(v, tmp, mid, sort);
	merge_sort(v + mid, tmp, n - mid, sort);
	while (i < mid && j < n)
		tmp[k++] = entry_cmp(v[j], v[i], sort) < 0 ? v[j++] : v[i++];
	while (i < mid)
		tmp[k++] = v[i++];
	while (j < n)
		tmp[k++] = v[j++];
	memcpy(v, tmp, n * sizeof(*v));
}

int aggmon_table_entries(const struct aggmon_table *table, __u64 agg_id,
			 int sort, const struct aggmon_entry ***entries,
			 size_t *count)
{
	const struct aggmon_entry **v = NULL, **tmp;
	size_t i, n = 0;
	int order = sort & ~AGGMON_SORT_DESC;

	if (order != AGGMON_SORT_VALUE && order != AGGMON_SORT_KEY)
		return -EINVAL;
	if (table->count) {
		v = malloc(2 * table->count * sizeof(*v));
		if (!v)
			return -ENOMEM;
	}
	for (i = 0; i < table->cap; i++) {
		const struct aggmon_entry *e = table->slots[i];

		if (e && (!agg_id || e->info->id == agg_id))
			v[n++] = e;
	}
	tmp = v ? v + table->count : NULL;
	merge_sort(v, tmp, n, sort);
	if (!n) {
		free(v);
		v = NULL;
	}
	*entries = v;
	*count = n;
	return 0;
}

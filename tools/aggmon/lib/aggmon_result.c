// SPDX-License-Identifier: GPL-2.0
/*
 * libaggmon - the results of merged data sets: count, sum, min, max, avg,
 * stddev and buckets, exact where DTrace prints integers, and how entries
 * compare when sorted.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "aggmon_priv.h"

#define COMM_LEN	16

__u64 aggmon_entry_agg_id(const struct aggmon_entry *entry)
{
	return entry->info->id;
}

const struct aggmon_agg_info *aggmon_entry_info(const struct aggmon_entry *entry)
{
	return entry->info;
}

const __u64 *aggmon_entry_key(const struct aggmon_entry *entry)
{
	return entry->words;
}

const __u64 *aggmon_entry_value(const struct aggmon_entry *entry)
{
	return entry_value(entry);
}

__u64 aggmon_entry_records(const struct aggmon_entry *entry)
{
	return entry->records;
}

/* The first key word of field @index, or NULL. */
static const __u64 *key_field(const struct aggmon_entry *entry, __u32 index)
{
	const struct aggmon_agg_info *info = entry->info;
	__u32 i, off = 0;

	if (index >= info->nkeys)
		return NULL;
	for (i = 0; i < index; i++)
		off += aggmon_key_field_slots(info->keys[i]);
	return entry->words + off;
}

int aggmon_entry_key_format(const struct aggmon_entry *entry, __u32 index,
			    char *buf, size_t size)
{
	const __u64 *w = key_field(entry, index);
	char comm[COMM_LEN + 1];
	int i, len;

	if (!w)
		return -EINVAL;
	switch (entry->info->keys[index]) {
	case AGGMON_KEY_COMM:
		/* The two words in memory order are the char[16]. */
		memcpy(comm, w, COMM_LEN);
		comm[COMM_LEN] = '\0';
		for (i = 0; comm[i]; i++)
			if (comm[i] < ' ' || comm[i] > '~')
				comm[i] = '?';
		len = snprintf(buf, size, "%s", comm);
		break;
	case AGGMON_KEY_ARG:
		len = snprintf(buf, size, "%lld", (long long)*w);
		break;
	default:
		len = snprintf(buf, size, "%llu", (unsigned long long)*w);
		break;
	}
	return len < 0 || (size_t)len >= size ? -ENOSPC : len;
}

static bool is_func(const struct aggmon_entry *entry, __u32 a, __u32 b)
{
	return entry->info->func == a || entry->info->func == b;
}

static __u64 dist_total(const struct aggmon_entry *entry)
{
	const __u64 *v = entry_value(entry);
	__u64 total = 0;
	__u32 i;

	for (i = 0; i < entry->info->value_slots; i++)
		total += v[i];
	return total;
}

int aggmon_entry_count(const struct aggmon_entry *entry, __u64 *count)
{
	const __u64 *v = entry_value(entry);

	switch (entry->info->func) {
	case AGGMON_AGG_SUM:
		return -EINVAL;
	case AGGMON_AGG_QUANTIZE:
	case AGGMON_AGG_LQUANTIZE:
	case AGGMON_AGG_LLQUANTIZE:
		*count = dist_total(entry);
		return 0;
	default:
		/* count's only slot, and the n of the others. */
		*count = v[0];
		return 0;
	}
}

/* The 128-bit sum of an avg or stddev: magnitude in @mag, sign returned. */
static bool sum128(const struct aggmon_entry *entry, __u64 mag[2])
{
	const __u64 *v = entry_value(entry);
	bool negative = (__s64)v[SLOT_SUM_HI] < 0;

	mag[0] = v[SLOT_SUM_LO];
	mag[1] = v[SLOT_SUM_HI];
	if (negative)
		wide_neg(mag, 2);
	return negative;
}

int aggmon_entry_sum(const struct aggmon_entry *entry, __s64 *sum)
{
	const __u64 *v = entry_value(entry);
	__u64 lo;

	if (entry->info->func == AGGMON_AGG_SUM) {
		*sum = (__s64)v[0];
		return 0;
	}
	if (!is_func(entry, AGGMON_AGG_AVG, AGGMON_AGG_STDDEV))
		return -EINVAL;
	lo = v[SLOT_SUM_LO];
	/* It fits if the high word only extends the sign of the low one. */
	if (v[SLOT_SUM_HI] != ((__s64)lo < 0 ? ~0ULL : 0))
		return -ERANGE;
	*sum = (__s64)lo;
	return 0;
}

int aggmon_entry_sum_format(const struct aggmon_entry *entry, char *buf,
			    size_t size)
{
	__u64 mag[2];
	bool negative;
	int len;

	if (entry->info->func == AGGMON_AGG_SUM) {
		len = snprintf(buf, size, "%lld",
			       (long long)entry_value(entry)[0]);
		return len < 0 || (size_t)len >= size ? -ENOSPC : len;
	}
	if (!is_func(entry, AGGMON_AGG_AVG, AGGMON_AGG_STDDEV))
		return -EINVAL;
	negative = sum128(entry, mag);
	return wide_format(mag, 2, negative, buf, size);
}

static int minmax(const struct aggmon_entry *entry, __u32 func, __s64 *val)
{
	const __u64 *v = entry_value(entry);

	if (entry->info->func != func)
		return -EINVAL;
	if (!v[SLOT_N])
		return -ENODATA;
	*val = (__s64)v[SLOT_MINMAX];
	return 0;
}

int aggmon_entry_min(const struct aggmon_entry *entry, __s64 *min)
{
	return minmax(entry, AGGMON_AGG_MIN, min);
}

int aggmon_entry_max(const struct aggmon_entry *entry, __s64 *max)
{
	return minmax(entry, AGGMON_AGG_MAX, max);
}

/* n of an avg or stddev: -EINVAL for other functions, -ENODATA for 0. */
static int avg_n(const struct aggmon_entry *entry, __u64 *n)
{
	if (!is_func(entry, AGGMON_AGG_AVG, AGGMON_AGG_STDDEV))
		return -EINVAL;
	*n = entry_value(entry)[SLOT_N];
	return *n ? 0 : -ENODATA;
}

int aggmon_entry_avg(const struct aggmon_entry *entry, long double *avg)
{
	__u64 n, mag[2];
	bool negative;
	int err = avg_n(entry, &n);

	if (err)
		return err;
	negative = sum128(entry, mag);
	*avg = wide_to_ld(mag, 2) / (long double)n;
	if (negative)
		*avg = -*avg;
	return 0;
}

int aggmon_entry_avg_int(const struct aggmon_entry *entry, __s64 *avg)
{
	__u64 n, mag[2];
	bool negative;
	int err = avg_n(entry, &n);

	if (err == -ENODATA)
		*avg = 0;
	if (err)
		return err;
	negative = sum128(entry, mag);
	/* |sum| / n rounds toward 0, as C's division does in DTrace. */
	wide_div64(mag, 2, n);
	if (mag[1] || mag[0] > (__u64)INT64_MAX + negative)
		return -ERANGE;
	*avg = negative ? (__s64)-mag[0] : (__s64)mag[0];
	return 0;
}

/*
 * n * sumsq - sum^2 of a stddev, exactly, in 256 bits: 64 times 192 bits,
 * and the square of a 128-bit magnitude.  Never negative for data sets the
 * kernel made; clamped to 0 if it were.
 */
static int stddev_radicand(const struct aggmon_entry *entry, __u64 *n,
			   __u64 x[4])
{
	const __u64 *v = entry_value(entry);
	__u64 mag[2], sq[4];
	int err;

	if (entry->info->func != AGGMON_AGG_STDDEV)
		return -EINVAL;
	err = avg_n(entry, n);
	if (err)
		return err;
	wide_mul(n, 1, &v[SLOT_SQ0], 3, x);
	sum128(entry, mag);
	wide_mul(mag, 2, mag, 2, sq);
	if (wide_sub(x, sq, 4))
		memset(x, 0, 4 * sizeof(*x));
	return 0;
}

int aggmon_entry_stddev_int(const struct aggmon_entry *entry, __u64 *stddev)
{
	__u64 n, x[4], root[2];
	int err = stddev_radicand(entry, &n, x);

	if (err)
		return err;
	/* floor(sqrt(x) / n) == floor(floor(sqrt(x)) / n) for whole n. */
	wide_isqrt(x, 4, root);
	wide_div64(root, 2, n);
	*stddev = root[0];
	return root[1] ? -ERANGE : 0;
}

int aggmon_entry_stddev(const struct aggmon_entry *entry, double *stddev)
{
	long double s, r, y, xl;
	__u64 n, x[4], root[2], sq[4];
	int err = stddev_radicand(entry, &n, x), i;

	if (err)
		return err;
	/*
	 * s = floor(sqrt(x)) exactly, and r = x - s^2; s + r / 2s is within
	 * 1 / 2s of sqrt(x), and Newton's steps on x in long double take it
	 * to full precision without libm.
	 */
	wide_isqrt(x, 4, root);
	wide_mul(root, 2, root, 2, sq);
	wide_sub(x, sq, 4);
	s = wide_to_ld(root, 2);
	r = wide_to_ld(x, 4);
	wide_add(x, sq, 4);
	xl = wide_to_ld(x, 4);
	y = s ? s + r / (2 * s) : 0;
	for (i = 0; y && i < 3; i++)
		y = (y + xl / y) / 2;
	*stddev = (double)(y / (long double)n);
	return 0;
}

int aggmon_entry_buckets(const struct aggmon_entry *entry,
			 const __u64 **buckets, __u32 *nbuckets)
{
	if (!agg_is_dist(entry->info->func))
		return -EINVAL;
	*buckets = entry_value(entry);
	*nbuckets = entry->info->value_slots;
	return 0;
}

/*
 * Sorting
 * -------
 */

static int cmp_u64(__u64 a, __u64 b)
{
	return a < b ? -1 : a > b;
}

static int cmp_s64(__s64 a, __s64 b)
{
	return a < b ? -1 : a > b;
}

static int cmp_ld(long double a, long double b)
{
	return a < b ? -1 : a > b;
}

/* Entries without a value (n = 0) sort before those with one. */
static int cmp_have(__u64 na, __u64 nb)
{
	return cmp_u64(na != 0, nb != 0);
}

static int cmp_avg(const struct aggmon_entry *a, const struct aggmon_entry *b)
{
	long double x = 0, y = 0;
	int r = cmp_have(entry_value(a)[SLOT_N], entry_value(b)[SLOT_N]);

	if (r)
		return r;
	aggmon_entry_avg(a, &x);
	aggmon_entry_avg(b, &y);
	return cmp_ld(x, y);
}

static int cmp_stddev(const struct aggmon_entry *a,
		      const struct aggmon_entry *b)
{
	double x = 0, y = 0;
	int r = cmp_have(entry_value(a)[SLOT_N], entry_value(b)[SLOT_N]);

	if (r)
		return r;
	aggmon_entry_stddev(a, &x);
	aggmon_entry_stddev(b, &y);
	return cmp_ld(x, y);
}

int entry_cmp_value(const struct aggmon_entry *a, const struct aggmon_entry *b)
{
	const __u64 *va = entry_value(a), *vb = entry_value(b);
	int r;

	switch (a->info->func) {
	case AGGMON_AGG_COUNT:
		return cmp_u64(va[0], vb[0]);
	case AGGMON_AGG_SUM:
		return cmp_s64(va[0], vb[0]);
	case AGGMON_AGG_MIN:
	case AGGMON_AGG_MAX:
		r = cmp_have(va[SLOT_N], vb[SLOT_N]);
		return r ? r : cmp_s64(va[SLOT_MINMAX], vb[SLOT_MINMAX]);
	case AGGMON_AGG_AVG:
		return cmp_avg(a, b);
	case AGGMON_AGG_STDDEV:
		return cmp_stddev(a, b);
	default:
		return cmp_u64(dist_total(a), dist_total(b));
	}
}

int entry_cmp_key(const struct aggmon_entry *a, const struct aggmon_entry *b)
{
	const struct aggmon_agg_info *info = a->info;
	const __u64 *ka = a->words, *kb = b->words;
	__u32 i;
	int r;

	for (i = 0; i < info->nkeys; i++) {
		switch (info->keys[i]) {
		case AGGMON_KEY_COMM:
			/* NUL-padded: memcmp() orders as strcmp() does. */
			r = memcmp(ka, kb, COMM_LEN);
			r = cmp_s64(r, 0);
			ka += 2;
			kb += 2;
			break;
		case AGGMON_KEY_ARG:
			r = cmp_s64(*ka, *kb);
			ka++;
			kb++;
			break;
		default:
			r = cmp_u64(*ka, *kb);
			ka++;
			kb++;
			break;
		}
		if (r)
			return r;
	}
	return 0;
}

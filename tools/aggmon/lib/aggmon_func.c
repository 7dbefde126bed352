// SPDX-License-Identifier: GPL-2.0
/*
 * libaggmon - aggregating functions: value slots, buckets, folding and
 * merging, as the kernel's kernel/aggmon/aggfunc.c computes them.
 *
 * The bucket functions mirror the kernel's so that a reader can label
 * the buckets of a snapshot, and tests can fold values the way the kernel
 * does without a kernel.  Keep them in step with aggfunc.c.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "aggmon_priv.h"

unsigned int aggmon_key_field_slots(__u32 field)
{
	if (!aggmon_key_field_name(field))
		return 0;
	return field == AGGMON_KEY_COMM ? 2 : 1;
}

/* Index of the highest bit set, from 1; 0 for 0 (the kernel's fls64()). */
static unsigned int fls64(__u64 x)
{
	return x ? 64 - __builtin_clzll(x) : 0;
}

/*
 * quantize
 * --------
 */

static unsigned int quantize_bucket(__s64 value)
{
	unsigned int bits;

	if (value >= 0)
		return AGGMON_QUANTIZE_ZERO + fls64(value);
	bits = fls64(-(__u64)value) - 1;
	return AGGMON_QUANTIZE_ZERO - 1 - (bits < 62 ? bits : 62);
}

/* Slot 63 + k holds [2^(k-1), 2^k), slot 63 - k (-2^k, -2^(k-1)]. */
static int quantize_range(__u32 slot, __s64 *min, __s64 *max, __s64 *label)
{
	unsigned int k;

	if (slot >= AGGMON_QUANTIZE_BUCKETS)
		return -EINVAL;
	if (slot == AGGMON_QUANTIZE_ZERO) {
		*min = *max = *label = 0;
	} else if (slot > AGGMON_QUANTIZE_ZERO) {
		k = slot - AGGMON_QUANTIZE_ZERO;
		*min = *label = (__s64)(1ULL << (k - 1));
		*max = (__s64)((1ULL << k) - 1);
	} else {
		k = AGGMON_QUANTIZE_ZERO - slot;
		*max = *label = -(__s64)(1ULL << (k - 1));
		/* The first slot also takes everything below. */
		*min = k == 63 ? INT64_MIN : -(__s64)((1ULL << k) - 1);
	}
	return AGGMON_BUCKET_VALUE;
}

/*
 * lquantize
 * ---------
 */

/* Buckets between low and high, or 0 if the parameters are not valid. */
static __u64 lquantize_levels(const struct aggmon_agg_info *info)
{
	__u64 levels;

	if (info->factor || !info->step || info->high <= info->low)
		return 0;
	levels = ((__u64)info->high - (__u64)info->low) / info->step;
	return levels <= AGGMON_AGG_BUCKETS_MAX - 2 ? levels : 0;
}

static unsigned int lquantize_bucket(const struct aggmon_agg_info *info,
				     __s64 value)
{
	__u64 levels = lquantize_levels(info), level;

	if (value < info->low)
		return 0;
	level = ((__u64)value - (__u64)info->low) / info->step;
	return level < levels ? level + 1 : levels + 1;
}

static int lquantize_range(const struct aggmon_agg_info *info, __u32 slot,
			   __s64 *min, __s64 *max, __s64 *label)
{
	__u64 levels = lquantize_levels(info);

	if (slot > levels + 1)
		return -EINVAL;
	if (slot == 0) {
		*label = info->low;
		*min = INT64_MIN;
		*max = info->low == INT64_MIN ? INT64_MIN : info->low - 1;
		return AGGMON_BUCKET_BELOW;
	}
	/* Bounds up to low + levels * step, which is at most high. */
	*min = *label = (__s64)((__u64)info->low + (slot - 1) * info->step);
	if (slot == levels + 1) {
		*max = INT64_MAX;
		return AGGMON_BUCKET_ABOVE;
	}
	*max = (__s64)((__u64)*min + info->step - 1);
	return AGGMON_BUCKET_VALUE;
}

/*
 * llquantize
 * ----------
 *
 * Bucket 0 takes what lies below factor^low; each order of magnitude m,
 * [factor^m, factor^(m+1)), has min(factor^(m+1), step) linear buckets of
 * which the first 1/factor would overlap the order below and are not
 * counted; the last bucket takes what lies from factor^(high+1).  Where
 * factor^(m+2) would overflow, order m's top bucket takes every larger
 * value and is the last.
 */

/* One order of magnitude: [@last, @this), @count buckets of @width. */
struct llq_order {
	__s64 last, this, width;
	__u64 count;
	bool top;	/* the last order: factor^(m+2) overflows */
};

static bool llquantize_valid(const struct aggmon_agg_info *info)
{
	__s64 v = 1;
	__s64 order;

	if (info->factor < 2 || info->factor > UINT16_MAX || info->low < 0 ||
	    info->low >= info->high || info->high > UINT16_MAX ||
	    info->step < info->factor || info->step > UINT16_MAX)
		return false;
	for (order = 0; order <= info->low; order++)
		if (__builtin_mul_overflow(v, (__s64)info->factor, &v))
			return false;
	for (v = info->factor; (__u64)v < info->step; v *= info->factor)
		;
	return !(v % info->step) && !(info->step % info->factor);
}

static __s64 llq_power(__u32 factor, __s64 exp)
{
	__s64 v = 1;

	while (exp--)
		v *= factor;
	return v;
}

/* The order after @o (or the first, with @o->this 0). */
static void llq_next(const struct aggmon_agg_info *info, struct llq_order *o)
{
	__s64 nbuckets, next;

	if (!o->this) {
		o->last = llq_power(info->factor, info->low);
		o->this = o->last * info->factor;
	} else {
		o->last = o->this;
		/* Not reached past an order with top set. */
		o->this *= info->factor;
	}
	nbuckets = o->this < (__s64)info->step ? o->this : (__s64)info->step;
	o->width = o->this / nbuckets;
	o->count = nbuckets - nbuckets / info->factor;
	o->top = __builtin_mul_overflow(o->this, (__s64)info->factor, &next);
}

static unsigned int llquantize_bucket(const struct aggmon_agg_info *info,
				      __s64 value)
{
	struct llq_order o = { 0 };
	unsigned int base = 1;
	__s64 order;

	llq_next(info, &o);
	if (value < o.last)
		return 0;
	for (order = info->low; order <= info->high; order++) {
		if (order > info->low)
			llq_next(info, &o);
		if (o.top && value >= o.this)
			value = o.this - 1;
		if (value < o.this)
			return base + (value - o.last) / o.width;
		base += o.count;
	}
	return base;
}

static int llquantize_range(const struct aggmon_agg_info *info, __u32 slot,
			    __s64 *min, __s64 *max, __s64 *label)
{
	struct llq_order o = { 0 };
	__u64 base = 1, j;
	__s64 order;

	llq_next(info, &o);
	if (slot == 0) {
		*min = INT64_MIN;
		*max = o.last - 1;
		*label = o.last;
		return AGGMON_BUCKET_BELOW;
	}
	for (order = info->low; order <= info->high; order++) {
		if (order > info->low)
			llq_next(info, &o);
		if (slot < base + o.count) {
			j = slot - base;
			*min = *label = o.last + (__s64)j * o.width;
			*max = o.top && j == o.count - 1 ? INT64_MAX :
			       *min + o.width - 1;
			return AGGMON_BUCKET_VALUE;
		}
		if (o.top)
			return -EINVAL;
		base += o.count;
	}
	if (slot != base)
		return -EINVAL;
	*min = *label = o.this;
	*max = INT64_MAX;
	return AGGMON_BUCKET_ABOVE;
}

/*
 * The function as a whole
 * -----------------------
 */

static bool has_params(const struct aggmon_agg_info *info)
{
	return info->low || info->high || info->step || info->factor;
}

int aggmon_agg_value_slots(const struct aggmon_agg_info *info)
{
	static const unsigned int slots[] = {
		[AGGMON_AGG_COUNT] = 1, [AGGMON_AGG_SUM] = 1,
		[AGGMON_AGG_MIN] = 2, [AGGMON_AGG_MAX] = 2,
		[AGGMON_AGG_AVG] = 3, [AGGMON_AGG_STDDEV] = STDDEV_SLOTS,
		[AGGMON_AGG_QUANTIZE] = AGGMON_QUANTIZE_BUCKETS,
	};
	unsigned int n;

	switch (info->func) {
	case AGGMON_AGG_LQUANTIZE:
		n = lquantize_levels(info);
		return n ? (int)n + 2 : -EINVAL;
	case AGGMON_AGG_LLQUANTIZE:
		if (!llquantize_valid(info))
			return -EINVAL;
		n = llquantize_bucket(info, INT64_MAX) + 1;
		return n <= AGGMON_AGG_BUCKETS_MAX ? (int)n : -EINVAL;
	case AGGMON_AGG_COUNT ... AGGMON_AGG_QUANTIZE:
		return has_params(info) ? -EINVAL : (int)slots[info->func];
	default:
		return -EOPNOTSUPP;
	}
}

int aggmon_agg_check(const struct aggmon_agg_info *info)
{
	unsigned int i, key_slots = 0, n;
	int value_slots = aggmon_agg_value_slots(info);

	if (value_slots < 0)
		return value_slots;
	if (info->nkeys > AGGMON_AGG_KEYS_MAX)
		return -EINVAL;
	for (i = 0; i < info->nkeys; i++) {
		n = aggmon_key_field_slots(info->keys[i]);
		if (!n)
			return -EOPNOTSUPP;
		key_slots += n;
	}
	if (info->key_slots != key_slots ||
	    info->value_slots != (__u32)value_slots ||
	    info->record_size != RECORD_HEADER +
				 8 * (key_slots + (__u32)value_slots))
		return -EINVAL;
	return 0;
}

int aggmon_agg_bucket(const struct aggmon_agg_info *info, __s64 value)
{
	if (aggmon_agg_check(info))
		return -EINVAL;
	switch (info->func) {
	case AGGMON_AGG_QUANTIZE:
		return quantize_bucket(value);
	case AGGMON_AGG_LQUANTIZE:
		return lquantize_bucket(info, value);
	case AGGMON_AGG_LLQUANTIZE:
		return llquantize_bucket(info, value);
	}
	return -EINVAL;
}

static int bucket_range(const struct aggmon_agg_info *info, __u32 slot,
			__s64 *min, __s64 *max, __s64 *label)
{
	if (aggmon_agg_check(info))
		return -EINVAL;
	switch (info->func) {
	case AGGMON_AGG_QUANTIZE:
		return quantize_range(slot, min, max, label);
	case AGGMON_AGG_LQUANTIZE:
		return lquantize_range(info, slot, min, max, label);
	case AGGMON_AGG_LLQUANTIZE:
		return llquantize_range(info, slot, min, max, label);
	}
	return -EINVAL;
}

int aggmon_agg_bucket_range(const struct aggmon_agg_info *info, __u32 slot,
			    __s64 *min, __s64 *max)
{
	__s64 label;

	return bucket_range(info, slot, min, max, &label);
}

int aggmon_agg_bucket_label(const struct aggmon_agg_info *info, __u32 slot,
			    __s64 *label)
{
	__s64 min, max;

	return bucket_range(info, slot, &min, &max, label);
}

int aggmon_agg_bucket_format(const struct aggmon_agg_info *info, __u32 slot,
			     char *buf, size_t size)
{
	static const char *const prefix[] = {
		[AGGMON_BUCKET_VALUE] = "",
		[AGGMON_BUCKET_BELOW] = "< ",
		[AGGMON_BUCKET_ABOVE] = ">= ",
	};
	__s64 label;
	int kind = aggmon_agg_bucket_label(info, slot, &label), len;

	if (kind < 0)
		return kind;
	len = snprintf(buf, size, "%s%lld", prefix[kind], (long long)label);
	return len < 0 || (size_t)len >= size ? -ENOSPC : len;
}

/* Add @value, sign-extended, to the 128-bit integer at @sum. */
static void add_s128(__u64 *sum, __s64 value)
{
	__u64 v[2] = { (__u64)value, value < 0 ? ~0ULL : 0 };

	wide_add(sum, v, 2);
}

/* Add @value squared to the 192-bit integer at @sq. */
static void add_square(__u64 *sq, __s64 value)
{
	__u64 a = value < 0 ? -(__u64)value : (__u64)value;
	__u64 v[3] = { 0, 0, 0 };

	wide_mul64(a, a, v);
	wide_add(sq, v, 3);
}

int aggmon_agg_fold(const struct aggmon_agg_info *info, __u64 *slots,
		    __s64 value)
{
	if (aggmon_agg_check(info))
		return -EINVAL;
	switch (info->func) {
	case AGGMON_AGG_COUNT:
		slots[0]++;
		break;
	case AGGMON_AGG_SUM:
		slots[0] += (__u64)value;
		break;
	case AGGMON_AGG_MIN:
		if (!slots[SLOT_N]++ || value < (__s64)slots[SLOT_MINMAX])
			slots[SLOT_MINMAX] = value;
		break;
	case AGGMON_AGG_MAX:
		if (!slots[SLOT_N]++ || value > (__s64)slots[SLOT_MINMAX])
			slots[SLOT_MINMAX] = value;
		break;
	case AGGMON_AGG_STDDEV:
		add_square(&slots[SLOT_SQ0], value);
		fallthrough;
	case AGGMON_AGG_AVG:
		slots[SLOT_N]++;
		add_s128(&slots[SLOT_SUM_LO], value);
		break;
	default:
		slots[aggmon_agg_bucket(info, value)]++;
		break;
	}
	return 0;
}

/* Merge a min or max: n adds, the value is that of a side with n > 0. */
static void merge_minmax(__u64 *dst, const __u64 *src, bool is_min)
{
	__s64 d = dst[SLOT_MINMAX], s = src[SLOT_MINMAX];

	if (src[SLOT_N] &&
	    (!dst[SLOT_N] || (is_min ? s < d : s > d)))
		dst[SLOT_MINMAX] = src[SLOT_MINMAX];
	dst[SLOT_N] += src[SLOT_N];
}

/* aggmon_agg_merge_slots() of an @info already checked. */
void agg_merge(const struct aggmon_agg_info *info, __u64 *dst,
	       const __u64 *src)
{
	__u32 i;

	switch (info->func) {
	case AGGMON_AGG_MIN:
	case AGGMON_AGG_MAX:
		merge_minmax(dst, src, info->func == AGGMON_AGG_MIN);
		break;
	case AGGMON_AGG_STDDEV:
		wide_add(&dst[SLOT_SQ0], &src[SLOT_SQ0], 3);
		fallthrough;
	case AGGMON_AGG_AVG:
		dst[SLOT_N] += src[SLOT_N];
		wide_add(&dst[SLOT_SUM_LO], &src[SLOT_SUM_LO], 2);
		break;
	default:
		/* count and sum (modulo 2^64) and every bucket: add. */
		for (i = 0; i < info->value_slots; i++)
			dst[i] += src[i];
		break;
	}
}

int aggmon_agg_merge_slots(const struct aggmon_agg_info *info, __u64 *dst,
			   const __u64 *src)
{
	if (aggmon_agg_check(info))
		return -EINVAL;
	agg_merge(info, dst, src);
	return 0;
}

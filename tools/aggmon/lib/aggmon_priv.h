/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libaggmon internals shared by its source files; not installed.
 */
#ifndef __AGGMON_PRIV_H
#define __AGGMON_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "libaggmon.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define fallthrough	__attribute__((__fallthrough__))

/* Value slots of min, max, avg and stddev, as the kernel lays them out. */
enum {
	SLOT_N		= 0,
	SLOT_MINMAX	= 1,
	SLOT_SUM_LO	= 1,
	SLOT_SUM_HI	= 2,
	SLOT_SQ0	= 3,
	STDDEV_SLOTS	= 6,
};

/* Bytes of a record before its key and value words. */
#define RECORD_HEADER	sizeof(struct aggmon_agg_record)

static inline bool agg_is_dist(__u32 func)
{
	return func == AGGMON_AGG_QUANTIZE || func == AGGMON_AGG_LQUANTIZE ||
	       func == AGGMON_AGG_LLQUANTIZE;
}

/*
 * Wide unsigned integers: arrays of 64-bit words, lowest first, as the
 * kernel stores the sums of avg and stddev.  Portable C, without
 * __int128, so that 32-bit builds of the tool compute the same.
 */
void wide_mul64(__u64 a, __u64 b, __u64 out[2]);
/* @out (@na + @nb words) = @a * @b. */
void wide_mul(const __u64 *a, unsigned int na, const __u64 *b,
	      unsigned int nb, __u64 *out);
/* @a += @b over @n words; returns the carry out. */
__u64 wide_add(__u64 *a, const __u64 *b, unsigned int n);
/* @a -= @b over @n words; returns the borrow out. */
__u64 wide_sub(__u64 *a, const __u64 *b, unsigned int n);
int wide_cmp(const __u64 *a, const __u64 *b, unsigned int n);
bool wide_is_zero(const __u64 *a, unsigned int n);
/* @a = -@a (two's complement) over @n words. */
void wide_neg(__u64 *a, unsigned int n);
/* @a /= @d over @n words (@d not 0); returns the remainder. */
__u64 wide_div64(__u64 *a, unsigned int n, __u64 d);
/* @root (@n / 2 words) = floor(sqrt(@a)), @a of @n words (n even, <= 4). */
void wide_isqrt(const __u64 *a, unsigned int n, __u64 *root);
long double wide_to_ld(const __u64 *a, unsigned int n);
/* Decimal digits of @a (@n <= 4 words) into @buf; returns the length. */
int wide_format(const __u64 *a, unsigned int n, bool negative, char *buf,
		size_t size);

/*
 * A data set of the user-level table: the merge of the records of one
 * (aggregation id, key).  @words holds info->key_slots words of key, then
 * info->value_slots words of value.
 */
struct aggmon_entry {
	const struct aggmon_agg_info *info;
	__u64 hash;
	__u64 records;
	__u64 words[];
};

static inline const __u64 *entry_value(const struct aggmon_entry *entry)
{
	return entry->words + entry->info->key_slots;
}

/* aggmon_agg_merge_slots() of an @info that aggmon_agg_check() passed. */
void agg_merge(const struct aggmon_agg_info *info, __u64 *dst,
	       const __u64 *src);

/* Compare the values of two entries of one aggregation, as printa sorts. */
int entry_cmp_value(const struct aggmon_entry *a, const struct aggmon_entry *b);
/* Compare the keys of two entries of one aggregation, field by field. */
int entry_cmp_key(const struct aggmon_entry *a, const struct aggmon_entry *b);

#endif /* __AGGMON_PRIV_H */

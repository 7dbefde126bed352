// SPDX-License-Identifier: GPL-2.0-only
/*
 * aggmon - aggregating functions: how a data set's value takes a new value
 *
 * DTrace's functions with DTrace's semantics and bucket boundaries
 * (dtrace_aggregate_*() in usr/src/uts/common/dtrace/dtrace.c), on 64-bit
 * values where DTrace's lquantize truncates to 32 bits.  Every value
 * starts as zeroes: a min or max whose count is 0 has no value yet.  Sums
 * that DTrace keeps in 64 bits are wider here where an average or a
 * standard deviation would otherwise overflow: 128 bits of sum and 192 of
 * sum of squares cannot, whatever 2^64 values of 64 bits they take.
 */

#include <linux/bitops.h>
#include <linux/errno.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/overflow.h>
#include <linux/wordpart.h>
#include <uapi/linux/aggmon.h>

#include "aggfunc.h"

enum {
	AVG_N, AVG_SUM_LO, AVG_SUM_HI,
	STDDEV_SQ0 = 3, STDDEV_SQ1, STDDEV_SQ2,
	STDDEV_SLOTS
};

/*
 * The power-of-two bucket of @value: DTrace's loop over
 * DTRACE_QUANTIZE_BUCKETVAL() in closed form.  Negative values go to the
 * first bucket whose value (-2^k) they do not exceed, others to the last
 * bucket whose value (0, then 2^k) they reach.
 */
unsigned int aggmon_quantize_bucket(s64 value)
{
	u64 magnitude;

	if (value >= 0)
		return AGGMON_QUANTIZE_ZERO + fls64(value);
	magnitude = -(u64)value;
	return AGGMON_QUANTIZE_ZERO - 1 - min(fls64(magnitude) - 1, 62);
}

unsigned int aggmon_lquantize_bucket(const struct aggmon_func *fn, s64 value)
{
	u64 level;

	if (value < fn->low)
		return 0;
	level = div64_u64((u64)value - (u64)fn->low, fn->step);
	return level < fn->levels ? level + 1 : fn->levels + 1;
}

/*
 * dtrace_aggregate_llquantize_bucket(): bucket 0 takes what lies below
 * factor^low; each order of magnitude [factor^m, factor^(m+1)) then has
 * min(factor^(m+1), step) linear buckets, of which the first 1/factor
 * would overlap the order below and are not counted; the last bucket takes
 * what lies from factor^(high+1).  Where factor^(m+2) would overflow,
 * order m takes every larger value in its top bucket.  DTrace differs
 * only there: it puts the whole of order m in that bucket, and its test
 * for the overflow (next < this after wrapping) misses it for some
 * factors (7, 11, 12, ...); values below factor^m land as in DTrace.
 */
unsigned int aggmon_llquantize_bucket(const struct aggmon_func *fn,
				      s64 value)
{
	s64 this = 1, last, next;
	unsigned int base = 1;
	u64 order;

	for (order = 0; order < fn->low; order++)
		this *= fn->factor;
	last = this;
	if (value < last)
		return 0;
	this *= fn->factor;
	for (; order <= fn->high; order++) {
		s64 nbuckets = min_t(s64, this, fn->step);

		if (check_mul_overflow(this, (s64)fn->factor, &next))
			value = min(value, this - 1);
		if (value < this)
			return base + div64_s64(value - last, this / nbuckets);
		base += nbuckets - nbuckets / fn->factor;
		last = this;
		this = next;
	}
	return base;
}

/* DTrace's checks of llquantize()'s arguments, and factor^(low+1) fits. */
static int aggmon_llquantize_check(const struct aggmon_func *fn)
{
	s64 v = 1;
	u64 order;

	if (fn->factor < 2 || fn->factor > U16_MAX || fn->low < 0 ||
	    fn->low >= fn->high || fn->high > U16_MAX ||
	    fn->step < fn->factor || fn->step > U16_MAX)
		return -EINVAL;
	for (order = 0; order <= fn->low; order++)
		if (check_mul_overflow(v, (s64)fn->factor, &v))
			return -EINVAL;
	for (v = fn->factor; v < fn->step; v *= fn->factor)
		;
	if (v % fn->step || fn->step % fn->factor)
		return -EINVAL;
	return 0;
}

static int aggmon_lquantize_check(struct aggmon_func *fn)
{
	if (fn->factor || !fn->step || fn->high <= fn->low)
		return -EINVAL;
	fn->levels = div64_u64((u64)fn->high - (u64)fn->low, fn->step);
	if (!fn->levels || fn->levels > AGGMON_AGG_BUCKETS_MAX - 2)
		return -EINVAL;
	fn->nslots = fn->levels + 2;
	return 0;
}

static bool aggmon_func_has_params(const struct aggmon_func *fn)
{
	return fn->factor || fn->low || fn->high || fn->step;
}

/**
 * aggmon_func_init() - check a function's parameters and size its value
 * @fn: the function, with @func and the parameters it takes set and the
 *	others zero
 *
 * Return: 0, with @fn->nslots set, or -EINVAL.
 */
int aggmon_func_init(struct aggmon_func *fn)
{
	static const unsigned int slots[] = {
		[AGGMON_AGG_COUNT] = 1, [AGGMON_AGG_SUM] = 1,
		[AGGMON_AGG_MIN] = 2, [AGGMON_AGG_MAX] = 2,
		[AGGMON_AGG_AVG] = 3, [AGGMON_AGG_STDDEV] = STDDEV_SLOTS,
		[AGGMON_AGG_QUANTIZE] = AGGMON_QUANTIZE_BUCKETS,
	};
	int err;

	fn->levels = 0;
	switch (fn->func) {
	case AGGMON_AGG_LQUANTIZE:
		return aggmon_lquantize_check(fn);
	case AGGMON_AGG_LLQUANTIZE:
		err = aggmon_llquantize_check(fn);
		if (err)
			return err;
		fn->nslots = aggmon_llquantize_bucket(fn, S64_MAX) + 1;
		return fn->nslots <= AGGMON_AGG_BUCKETS_MAX ? 0 : -EINVAL;
	case AGGMON_AGG_COUNT ... AGGMON_AGG_QUANTIZE:
		if (aggmon_func_has_params(fn))
			return -EINVAL;
		fn->nslots = slots[fn->func];
		return 0;
	default:
		return -EINVAL;
	}
}

/* Add @value, sign-extended, to the 128-bit integer at @sum (low word first). */
static void aggmon_add_s128(u64 *sum, s64 value)
{
	u64 lo = sum[0] + (u64)value;

	sum[1] += (lo < sum[0]) + (value < 0 ? ~0ULL : 0);
	sum[0] = lo;
}

/* Add @value squared to the 192-bit integer at @sq (low word first). */
static void aggmon_add_square(u64 *sq, s64 value)
{
	u64 a = value < 0 ? -(u64)value : value;
	u64 a_lo = lower_32_bits(a), a_hi = upper_32_bits(a);
	/* a <= 2^63, so a_hi <= 2^31 and twice a_lo * a_hi fits. */
	u64 mid = 2 * a_lo * a_hi;
	u64 lo = a_lo * a_lo + (mid << 32);
	u64 hi = a_hi * a_hi + (mid >> 32) + (lo < (mid << 32));
	u64 old;

	/* a^2 <= 2^126: hi and hi plus a carry cannot overflow. */
	sq[0] += lo;
	hi += sq[0] < lo;
	old = sq[1];
	sq[1] += hi;
	sq[2] += sq[1] < old;
}

/**
 * aggmon_func_apply() - fold @value into a data set's value
 * @fn: the function
 * @slots: the value's @fn->nslots words, zero when the data set is new
 * @value: the new value
 */
void aggmon_func_apply(const struct aggmon_func *fn, u64 *slots, s64 value)
{
	switch (fn->func) {
	case AGGMON_AGG_COUNT:
		slots[0]++;
		break;
	case AGGMON_AGG_SUM:
		slots[0] += value;
		break;
	case AGGMON_AGG_MIN:
		if (!slots[0]++ || value < (s64)slots[1])
			slots[1] = value;
		break;
	case AGGMON_AGG_MAX:
		if (!slots[0]++ || value > (s64)slots[1])
			slots[1] = value;
		break;
	case AGGMON_AGG_STDDEV:
		aggmon_add_square(&slots[STDDEV_SQ0], value);
		fallthrough;
	case AGGMON_AGG_AVG:
		slots[AVG_N]++;
		aggmon_add_s128(&slots[AVG_SUM_LO], value);
		break;
	case AGGMON_AGG_QUANTIZE:
		slots[aggmon_quantize_bucket(value)]++;
		break;
	case AGGMON_AGG_LQUANTIZE:
		slots[aggmon_lquantize_bucket(fn, value)]++;
		break;
	case AGGMON_AGG_LLQUANTIZE:
		slots[aggmon_llquantize_bucket(fn, value)]++;
		break;
	}
}

/* Add each of @n words at @src to its word at @dst. */
static void aggmon_add_words_each(u64 *dst, const u64 *src, unsigned int n)
{
	while (n--)
		*dst++ += *src++;
}

/* Add the @n-word integer at @src to the one at @dst (low word first). */
static void aggmon_add_words(u64 *dst, const u64 *src, unsigned int n)
{
	u64 carry = 0, add;
	unsigned int i;

	for (i = 0; i < n; i++) {
		add = src[i] + carry;
		carry = add < carry;
		dst[i] += add;
		carry += dst[i] < add;
	}
}

/**
 * aggmon_func_merge() - fold one data set's value into another's
 * @fn: the function of both
 * @dst: a value, zero for a data set that is new
 * @src: a value of the same key, from another interval of time
 *
 * @dst becomes what it would be had it taken @src's values too: counts,
 * sums (in two's complement, as aggmon_func_apply() keeps them), squares
 * and buckets add up; a minimum or maximum is the lower or higher of
 * the two that have values.
 */
void aggmon_func_merge(const struct aggmon_func *fn, u64 *dst, const u64 *src)
{
	switch (fn->func) {
	case AGGMON_AGG_MIN:
		if (src[0] && (!dst[0] || (s64)src[1] < (s64)dst[1]))
			dst[1] = src[1];
		dst[0] += src[0];
		break;
	case AGGMON_AGG_MAX:
		if (src[0] && (!dst[0] || (s64)src[1] > (s64)dst[1]))
			dst[1] = src[1];
		dst[0] += src[0];
		break;
	case AGGMON_AGG_STDDEV:
		aggmon_add_words(&dst[STDDEV_SQ0], &src[STDDEV_SQ0], 3);
		fallthrough;
	case AGGMON_AGG_AVG:
		dst[AVG_N] += src[AVG_N];
		aggmon_add_words(&dst[AVG_SUM_LO], &src[AVG_SUM_LO], 2);
		break;
	default:
		/* count, sum and the buckets of the quantizes */
		aggmon_add_words_each(dst, src, fn->nslots);
		break;
	}
}

#ifdef CONFIG_AGGMON_KUNIT_TEST
#include "tests/aggfunc_kunit.h"
#endif

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * aggmon - aggregating functions: how a data set's value takes a new value
 */
#ifndef _AGGMON_AGGFUNC_H
#define _AGGMON_AGGFUNC_H

#include <linux/types.h>

/**
 * struct aggmon_func - an aggregating function and its parameters
 * @func: an &enum aggmon_agg_func
 * @factor: llquantize's factor
 * @low: lquantize's low bound, llquantize's low magnitude
 * @high: lquantize's high bound, llquantize's high magnitude
 * @step: lquantize's bucket width, llquantize's steps per magnitude
 * @levels: lquantize: buckets between @low and @high
 * @nslots: 64-bit words of a value, set by aggmon_func_init()
 */
struct aggmon_func {
	u32 func;
	u32 factor;
	s64 low;
	s64 high;
	u64 step;
	u64 levels;
	unsigned int nslots;
};

int aggmon_func_init(struct aggmon_func *fn);
unsigned int aggmon_quantize_bucket(s64 value);
unsigned int aggmon_lquantize_bucket(const struct aggmon_func *fn, s64 value);
unsigned int aggmon_llquantize_bucket(const struct aggmon_func *fn,
				      s64 value);
void aggmon_func_apply(const struct aggmon_func *fn, u64 *slots, s64 value);
void aggmon_func_merge(const struct aggmon_func *fn, u64 *dst, const u64 *src);

#endif /* _AGGMON_AGGFUNC_H */

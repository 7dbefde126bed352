/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KUnit tests of the aggregating functions, included at the end of
 * aggfunc.c.
 *
 * The bucket functions are checked against models of DTrace's own code in
 * illumos (illumos/illumos-gate, usr/src/uts/common/dtrace/dtrace.c):
 * dtrace_aggregate_quantize() with DTRACE_QUANTIZE_BUCKETVAL() (from
 * usr/src/uts/common/sys/dtrace.h), dtrace_aggregate_lquantize(),
 * dtrace_aggregate_llquantize_bucket(), and the llquantize() argument
 * checks of dtrace_ecb_aggregation_create(); FreeBSD has the same code in
 * sys/cddl/contrib/opensolaris/uts/common/dtrace/dtrace.c.  Each model
 * takes DTrace's steps in DTrace's order and returns the bucket DTrace
 * adds to; they are rewritten for the kernel rather than copied.
 *
 * llquantize() departs from DTrace's model in one place, on purpose: in
 * the order of magnitude factor^m whose factor^(m + 2) overflows 64 bits,
 * DTrace moves every value to the order's top bucket, and it tests for
 * the overflow by wrapping (factor^(m + 2) < factor^(m + 1)), which misses
 * some factors (7, 11, 12, 22, ...).  aggmon keeps values below
 * factor^(m + 1) in their own buckets and detects every overflow; the
 * models are compared below factor^m, and aggmon_test_llquantize_top()
 * pins what aggmon does above it.
 */
#include <kunit/test.h>

/* DTrace's quantize() geometry, for 64-bit values. */
#define AGGMON_TEST_DT_ZERO		(64 - 1)
#define AGGMON_TEST_DT_NBUCKETS		((64 - 1) * 2 + 1)

/* Counts a comparison's mismatches; reports the first one in full. */
struct aggmon_test_tally {
	struct kunit *test;
	const char *what;
	unsigned long checked;
	unsigned long failed;
};

static void aggmon_test_tally(struct aggmon_test_tally *t, s64 value,
			      unsigned int got, unsigned int want)
{
	t->checked++;
	if (got != want && !t->failed++)
		KUNIT_FAIL(t->test, "%s of %lld: bucket %u, expected %u",
			   t->what, value, got, want);
}

/* xorshift64: the same values on every run. */
static u64 aggmon_test_rand(u64 *state)
{
	u64 x = *state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*state = x;
	return x;
}

/* A value of any magnitude and either sign. */
static s64 aggmon_test_rand_value(u64 *state)
{
	u64 r = aggmon_test_rand(state);
	s64 v = (s64)(aggmon_test_rand(state) >> (r & 63));

	return r & 64 ? ~v : v;
}

/* DTRACE_QUANTIZE_BUCKETVAL(): the value that names quantize bucket @b. */
static s64 aggmon_test_dt_bucketval(int b)
{
	if (b < AGGMON_TEST_DT_ZERO)
		return -(s64)(1ULL << (AGGMON_TEST_DT_ZERO - 1 - b));
	if (b == AGGMON_TEST_DT_ZERO)
		return 0;
	return (s64)(1ULL << (b - AGGMON_TEST_DT_ZERO - 1));
}

/* dtrace_aggregate_quantize(): a linear search of the bucket values. */
static unsigned int aggmon_test_dt_quantize(s64 val)
{
	int i;

	if (val < 0) {
		for (i = 0; i < AGGMON_TEST_DT_ZERO; i++)
			if (val <= aggmon_test_dt_bucketval(i))
				return i;
		/* DTrace asserts that this is not reached. */
		return AGGMON_TEST_DT_NBUCKETS;
	}
	for (i = AGGMON_TEST_DT_ZERO + 1; i < AGGMON_TEST_DT_NBUCKETS; i++)
		if (val < aggmon_test_dt_bucketval(i))
			return i - 1;
	return AGGMON_TEST_DT_NBUCKETS - 1;
}

/*
 * dtrace_aggregate_lquantize() on 64 bits.  DTrace truncates the value and
 * the base to int32_t; here both are s64, and val - base, never negative
 * once val >= base, is taken in u64, where it cannot overflow as a signed
 * difference would (S64_MAX - (-1)).
 */
static unsigned int aggmon_test_dt_lquantize(s64 base, u64 step, u64 levels,
					     s64 val)
{
	u64 level;

	if (val < base)
		return 0;
	level = div64_u64((u64)val - (u64)base, step);
	if (level < levels)
		return level + 1;
	return levels + 1;
}

/* DTrace's int64_t product: wraps where it overflows. */
static s64 aggmon_test_wrap_mul(s64 a, u32 b)
{
	return (s64)((u64)a * b);
}

/*
 * dtrace_aggregate_llquantize_bucket(), in DTrace's wrapping arithmetic.
 * Exact as long as the orders it visits have factor^(order + 2) below
 * 2^63 (see aggmon_test_ll_exact_max()).
 */
static unsigned int aggmon_test_dt_llquantize(u16 factor, u16 low, u16 high,
					      u16 nsteps, s64 value)
{
	s64 this = 1, last, next;
	int base = 1, order;

	for (order = 0; order < low; order++)
		this = aggmon_test_wrap_mul(this, factor);
	last = this;
	if (value < last)
		return 0;
	this = aggmon_test_wrap_mul(this, factor);
	for (; order <= high; order++) {
		int nbuckets = this > nsteps ? nsteps : this;

		next = aggmon_test_wrap_mul(this, factor);
		if (next < this)
			value = this - 1;
		if (value < this)
			return base + div64_s64(value - last, this / nbuckets);
		base += nbuckets - nbuckets / factor;
		last = this;
		this = next;
	}
	return base;
}

/* dtrace_ecb_aggregation_create()'s checks of llquantize()'s arguments. */
static bool aggmon_test_dt_llquantize_ok(u16 factor, u16 low, u16 high,
					 u16 nsteps)
{
	s64 v;

	if (factor < 2 || low >= high || nsteps < factor)
		return false;
	v = factor;
	while (v < nsteps)
		v *= factor;
	return !(v % nsteps) && !(nsteps % factor);
}

static unsigned int aggmon_test_dt_ll(const struct aggmon_func *fn, s64 value)
{
	return aggmon_test_dt_llquantize(fn->factor, fn->low, fn->high,
					 fn->step, value);
}

/*
 * The largest value up to which DTrace's llquantize() and aggmon's agree:
 * all values if no order up to @fn->high has factor^(order + 2) overflow,
 * else those below factor^m, m the first order that has.
 */
static s64 aggmon_test_ll_exact_max(const struct aggmon_func *fn)
{
	s64 square = (s64)fn->factor * fn->factor, p = 1, q;
	u64 m = 0;

	while (!check_mul_overflow(p, square, &q)) {
		p *= fn->factor;
		m++;
	}
	return m > fn->high ? S64_MAX : p - 1;
}

/*
 * Whether DTrace's this * factor < this catches the first overflow of a
 * power of @factor; where it does not (7, 11, 12, 22, ...), DTrace goes on
 * with the wrapped power as if it were the next order.
 */
static bool aggmon_test_dt_sees_overflow(u32 factor)
{
	s64 p = 1, q;

	while (!check_mul_overflow(p, (s64)factor, &q))
		p = q;
	return aggmon_test_wrap_mul(p, factor) < p;
}

/*
 * What aggmon_func_init() should make of llquantize(@factor, @low, @high,
 * @step), for arguments that fit DTrace's 16-bit fields and orders where
 * DTrace's arithmetic is exact: DTrace's checks, then factor^(low + 1) in
 * 64 bits and DTrace's number of buckets up to AGGMON_AGG_BUCKETS_MAX.
 * Return: nslots, or 0 for -EINVAL.
 */
static unsigned int aggmon_test_ll_want(u32 factor, s64 low, s64 high,
					u64 step)
{
	unsigned int nslots;
	s64 order, p = 1;

	if (!aggmon_test_dt_llquantize_ok(factor, low, high, step))
		return 0;
	for (order = 0; order <= low; order++)
		if (check_mul_overflow(p, (s64)factor, &p))
			return 0;
	nslots = aggmon_test_dt_llquantize(factor, low, high, step,
					   S64_MAX) + 1;
	return nslots <= AGGMON_AGG_BUCKETS_MAX ? nslots : 0;
}

static struct aggmon_func aggmon_test_fn(u32 func, u32 factor, s64 low,
					 s64 high, u64 step)
{
	struct aggmon_func fn = {
		.func = func, .factor = factor, .low = low, .high = high,
		.step = step,
	};

	return fn;
}

static int aggmon_test_init(u32 func, u32 factor, s64 low, s64 high,
			    u64 step)
{
	struct aggmon_func fn = aggmon_test_fn(func, factor, low, high, step);

	return aggmon_func_init(&fn);
}

/* nslots of a function that must initialize. */
static unsigned int aggmon_test_nslots(struct kunit *test, u32 func,
				       u32 factor, s64 low, s64 high, u64 step)
{
	struct aggmon_func fn = aggmon_test_fn(func, factor, low, high, step);

	KUNIT_EXPECT_EQ(test, aggmon_func_init(&fn), 0);
	return fn.nslots;
}

static void aggmon_test_quantize_buckets(struct kunit *test)
{
	unsigned int k;

	KUNIT_EXPECT_EQ(test, aggmon_quantize_bucket(0), 63);
	KUNIT_EXPECT_EQ(test, aggmon_quantize_bucket(1), 64);
	KUNIT_EXPECT_EQ(test, aggmon_quantize_bucket(2), 65);
	KUNIT_EXPECT_EQ(test, aggmon_quantize_bucket(3), 65);
	KUNIT_EXPECT_EQ(test, aggmon_quantize_bucket(4), 66);
	KUNIT_EXPECT_EQ(test, aggmon_quantize_bucket(-1), 62);
	KUNIT_EXPECT_EQ(test, aggmon_quantize_bucket(-2), 61);
	KUNIT_EXPECT_EQ(test, aggmon_quantize_bucket(-3), 61);
	KUNIT_EXPECT_EQ(test, aggmon_quantize_bucket(-4), 60);
	KUNIT_EXPECT_EQ(test, aggmon_quantize_bucket(-5), 60);
	KUNIT_EXPECT_EQ(test, aggmon_quantize_bucket(S64_MIN), 0);
	KUNIT_EXPECT_EQ(test, aggmon_quantize_bucket(S64_MIN + 1), 0);
	KUNIT_EXPECT_EQ(test, aggmon_quantize_bucket(-(1LL << 62) - 1), 0);
	KUNIT_EXPECT_EQ(test, aggmon_quantize_bucket(-(1LL << 62)), 0);
	KUNIT_EXPECT_EQ(test, aggmon_quantize_bucket(-(1LL << 62) + 1), 1);
	KUNIT_EXPECT_EQ(test, aggmon_quantize_bucket((1LL << 62) - 1), 125);
	KUNIT_EXPECT_EQ(test, aggmon_quantize_bucket(1LL << 62), 126);
	KUNIT_EXPECT_EQ(test, aggmon_quantize_bucket(S64_MAX - 1), 126);
	KUNIT_EXPECT_EQ(test, aggmon_quantize_bucket(S64_MAX), 126);

	/* Bucket 63 + k: [2^(k-1), 2^k); bucket 63 - k: (-2^k, -2^(k-1)]. */
	for (k = 0; k < 63; k++) {
		KUNIT_EXPECT_EQ(test, aggmon_quantize_bucket(1LL << k), 64 + k);
		KUNIT_EXPECT_EQ(test, aggmon_quantize_bucket(-(1LL << k)),
				62 - k);
		if (!k)
			continue;
		KUNIT_EXPECT_EQ(test, aggmon_quantize_bucket((1LL << k) - 1),
				63 + k);
		KUNIT_EXPECT_EQ(test, aggmon_quantize_bucket(-(1LL << k) + 1),
				63 - k);
	}
}

static void aggmon_test_quantize_dtrace(struct kunit *test)
{
	static const s64 edges[] = {
		0, 1, -1, S64_MIN, S64_MIN + 1, S64_MAX, S64_MAX - 1,
	};
	struct aggmon_test_tally t = { .test = test, .what = "quantize" };
	u64 seed = 0x9e3779b97f4a7c15ULL;
	unsigned int i, k;
	s64 v;

	KUNIT_EXPECT_EQ(test, AGGMON_QUANTIZE_ZERO, AGGMON_TEST_DT_ZERO);
	KUNIT_EXPECT_EQ(test, AGGMON_QUANTIZE_BUCKETS, AGGMON_TEST_DT_NBUCKETS);
	for (i = 0; i < ARRAY_SIZE(edges); i++) {
		v = edges[i];
		aggmon_test_tally(&t, v, aggmon_quantize_bucket(v),
				  aggmon_test_dt_quantize(v));
	}
	for (k = 0; k < 63; k++) {
		for (v = (1LL << k) - 1; v <= (1LL << k) + 1; v++) {
			aggmon_test_tally(&t, v, aggmon_quantize_bucket(v),
					  aggmon_test_dt_quantize(v));
			aggmon_test_tally(&t, -v, aggmon_quantize_bucket(-v),
					  aggmon_test_dt_quantize(-v));
		}
	}
	for (i = 0; i < 100000; i++) {
		v = aggmon_test_rand_value(&seed);
		aggmon_test_tally(&t, v, aggmon_quantize_bucket(v),
				  aggmon_test_dt_quantize(v));
	}
	KUNIT_EXPECT_GT(test, t.checked, 100000);
	KUNIT_EXPECT_EQ(test, t.failed, 0);
}

static void aggmon_test_lquantize_buckets(struct kunit *test)
{
	struct aggmon_func fn;

	fn = aggmon_test_fn(AGGMON_AGG_LQUANTIZE, 0, 0, 100, 10);
	KUNIT_ASSERT_EQ(test, aggmon_func_init(&fn), 0);
	KUNIT_EXPECT_EQ(test, fn.levels, 10);
	KUNIT_EXPECT_EQ(test, fn.nslots, 12);
	KUNIT_EXPECT_EQ(test, aggmon_lquantize_bucket(&fn, S64_MIN), 0);
	KUNIT_EXPECT_EQ(test, aggmon_lquantize_bucket(&fn, -1), 0);
	KUNIT_EXPECT_EQ(test, aggmon_lquantize_bucket(&fn, 0), 1);
	KUNIT_EXPECT_EQ(test, aggmon_lquantize_bucket(&fn, 9), 1);
	KUNIT_EXPECT_EQ(test, aggmon_lquantize_bucket(&fn, 10), 2);
	KUNIT_EXPECT_EQ(test, aggmon_lquantize_bucket(&fn, 99), 10);
	KUNIT_EXPECT_EQ(test, aggmon_lquantize_bucket(&fn, 100), 11);
	KUNIT_EXPECT_EQ(test, aggmon_lquantize_bucket(&fn, S64_MAX), 11);

	/* val - low above S64_MAX: DTrace's signed difference would wrap. */
	fn = aggmon_test_fn(AGGMON_AGG_LQUANTIZE, 0, -10, 100, 10);
	KUNIT_ASSERT_EQ(test, aggmon_func_init(&fn), 0);
	KUNIT_EXPECT_EQ(test, fn.nslots, 13);
	KUNIT_EXPECT_EQ(test, aggmon_lquantize_bucket(&fn, S64_MIN), 0);
	KUNIT_EXPECT_EQ(test, aggmon_lquantize_bucket(&fn, -11), 0);
	KUNIT_EXPECT_EQ(test, aggmon_lquantize_bucket(&fn, -10), 1);
	KUNIT_EXPECT_EQ(test, aggmon_lquantize_bucket(&fn, -1), 1);
	KUNIT_EXPECT_EQ(test, aggmon_lquantize_bucket(&fn, 0), 2);
	KUNIT_EXPECT_EQ(test, aggmon_lquantize_bucket(&fn, 99), 11);
	KUNIT_EXPECT_EQ(test, aggmon_lquantize_bucket(&fn, 100), 12);
	KUNIT_EXPECT_EQ(test, aggmon_lquantize_bucket(&fn, S64_MAX), 12);

	/* The whole 64-bit range in buckets of 2^62. */
	fn = aggmon_test_fn(AGGMON_AGG_LQUANTIZE, 0, S64_MIN, S64_MAX,
			    1ULL << 62);
	KUNIT_ASSERT_EQ(test, aggmon_func_init(&fn), 0);
	KUNIT_EXPECT_EQ(test, fn.levels, 3);
	KUNIT_EXPECT_EQ(test, fn.nslots, 5);
	KUNIT_EXPECT_EQ(test, aggmon_lquantize_bucket(&fn, S64_MIN), 1);
	KUNIT_EXPECT_EQ(test, aggmon_lquantize_bucket(&fn, -(1LL << 62) - 1),
			1);
	KUNIT_EXPECT_EQ(test, aggmon_lquantize_bucket(&fn, -(1LL << 62)), 2);
	KUNIT_EXPECT_EQ(test, aggmon_lquantize_bucket(&fn, -1), 2);
	KUNIT_EXPECT_EQ(test, aggmon_lquantize_bucket(&fn, 0), 3);
	KUNIT_EXPECT_EQ(test, aggmon_lquantize_bucket(&fn, (1LL << 62) - 1),
			3);
	KUNIT_EXPECT_EQ(test, aggmon_lquantize_bucket(&fn, 1LL << 62), 4);
	KUNIT_EXPECT_EQ(test, aggmon_lquantize_bucket(&fn, S64_MAX), 4);

	/* high - low not a multiple of step: the rest goes to the top. */
	fn = aggmon_test_fn(AGGMON_AGG_LQUANTIZE, 0, -5, 5, 3);
	KUNIT_ASSERT_EQ(test, aggmon_func_init(&fn), 0);
	KUNIT_EXPECT_EQ(test, fn.levels, 3);
	KUNIT_EXPECT_EQ(test, aggmon_lquantize_bucket(&fn, -6), 0);
	KUNIT_EXPECT_EQ(test, aggmon_lquantize_bucket(&fn, -5), 1);
	KUNIT_EXPECT_EQ(test, aggmon_lquantize_bucket(&fn, 3), 3);
	KUNIT_EXPECT_EQ(test, aggmon_lquantize_bucket(&fn, 4), 4);
	KUNIT_EXPECT_EQ(test, aggmon_lquantize_bucket(&fn, 5), 4);
}

/* Compare one lquantize() with the model around every bucket boundary. */
static void aggmon_test_lquantize_cmp(struct aggmon_test_tally *t,
				      const struct aggmon_func *fn, u64 *seed)
{
	static const s64 edges[] = {
		0, 1, -1, S64_MIN, S64_MIN + 1, S64_MAX, S64_MAX - 1,
	};
	unsigned int i;
	s64 v;
	u64 b;

	for (i = 0; i < ARRAY_SIZE(edges); i++)
		aggmon_test_tally(t, edges[i],
				  aggmon_lquantize_bucket(fn, edges[i]),
				  aggmon_test_dt_lquantize(fn->low, fn->step,
							   fn->levels,
							   edges[i]));
	for (b = 0; b <= fn->levels + 1; b++) {
		/* May wrap past S64_MAX at the top: any value will do. */
		u64 start = (u64)fn->low + b * fn->step;

		for (i = 0; i < 3; i++) {
			v = (s64)(start + i - 1);
			aggmon_test_tally(t, v, aggmon_lquantize_bucket(fn, v),
					  aggmon_test_dt_lquantize(fn->low,
								   fn->step,
								   fn->levels,
								   v));
		}
	}
	for (i = 0; i < 200; i++) {
		v = aggmon_test_rand_value(seed);
		aggmon_test_tally(t, v, aggmon_lquantize_bucket(fn, v),
				  aggmon_test_dt_lquantize(fn->low, fn->step,
							   fn->levels, v));
	}
}

static void aggmon_test_lquantize_dtrace(struct kunit *test)
{
	static const struct {
		s64 low, high;
		u64 step;
	} params[] = {
		{ 0, 100, 10 }, { -10, 100, 10 }, { -1000, 1000, 1 },
		{ -5, 5, 3 }, { 0, 1, 1 }, { -7, 29, 36 },
		{ S64_MIN, S64_MAX, 1ULL << 62 }, { S64_MIN, 0, 1ULL << 52 },
		{ S64_MAX - 100, S64_MAX, 7 }, { S64_MIN, S64_MIN + 4094, 1 },
		{ 1000000, 2000000000, 1000000 },
	};
	struct aggmon_test_tally t = { .test = test, .what = "lquantize" };
	u64 seed = 0x2545f4914f6cdd1dULL;
	struct aggmon_func fn;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(params); i++) {
		fn = aggmon_test_fn(AGGMON_AGG_LQUANTIZE, 0, params[i].low,
				    params[i].high, params[i].step);
		KUNIT_ASSERT_EQ(test, aggmon_func_init(&fn), 0);
		aggmon_test_lquantize_cmp(&t, &fn, &seed);
	}
	/* Random ranges of every width, most of them valid. */
	for (i = 0; i < 300; i++) {
		u64 r = aggmon_test_rand(&seed);
		s64 low = aggmon_test_rand_value(&seed);

		fn = aggmon_test_fn(AGGMON_AGG_LQUANTIZE, 0, low, 0,
				    1 + (aggmon_test_rand(&seed) >> (r & 63)));
		fn.high = (s64)((u64)low + fn.step * (1 + (r >> 8) % 5000));
		if (aggmon_func_init(&fn))
			continue;
		aggmon_test_lquantize_cmp(&t, &fn, &seed);
	}
	KUNIT_EXPECT_GT(test, t.checked, 10000);
	KUNIT_EXPECT_EQ(test, t.failed, 0);
}

struct aggmon_test_bucket {
	s64 value;
	unsigned int bucket;
};

/*
 * Check llquantize(@factor, @low, @high, @step)'s nslots and the buckets
 * of @cases, and DTrace's model's buckets too where @dtrace.
 */
static void aggmon_test_ll_cases(struct kunit *test, u32 factor, s64 low,
				 s64 high, u64 step, unsigned int nslots,
				 const struct aggmon_test_bucket *cases,
				 unsigned int n, bool dtrace)
{
	struct aggmon_func fn = aggmon_test_fn(AGGMON_AGG_LLQUANTIZE, factor,
					       low, high, step);
	unsigned int i;
	s64 v;

	KUNIT_ASSERT_EQ(test, aggmon_func_init(&fn), 0);
	KUNIT_EXPECT_EQ(test, fn.nslots, nslots);
	for (i = 0; i < n; i++) {
		v = cases[i].value;
		KUNIT_EXPECT_EQ_MSG(test, aggmon_llquantize_bucket(&fn, v),
				    cases[i].bucket,
				    "llquantize(%u, %lld, %lld, %llu) of %lld",
				    factor, low, high, step, v);
		if (dtrace)
			KUNIT_EXPECT_EQ_MSG(test, aggmon_test_dt_ll(&fn, v),
					    cases[i].bucket,
					    "DTrace's, of %lld", v);
	}
}

static void aggmon_test_llquantize_buckets(struct kunit *test)
{
	/* llquantize(10, 0, 6, 20): 1 to 9, then 20 steps a magnitude. */
	static const struct aggmon_test_bucket ten[] = {
		{ S64_MIN, 0 }, { -1, 0 }, { 0, 0 },
		{ 1, 1 }, { 2, 2 }, { 9, 9 },		/* 1 to 9 by 1 */
		{ 10, 10 }, { 14, 10 }, { 15, 11 },	/* 10 to 95 by 5 */
		{ 99, 27 },
		{ 100, 28 }, { 149, 28 }, { 150, 29 },	/* 100 by 50 */
		{ 999, 45 },
		{ 1000, 46 }, { 1499, 46 }, { 1500, 47 }, { 9999, 63 },
		{ 10000, 64 }, { 99999, 81 }, { 100000, 82 }, { 999999, 99 },
		{ 1000000, 100 }, { 1499999, 100 }, { 1500000, 101 },
		{ 9999999, 117 },
		{ 10000000, 118 }, { S64_MAX, 118 },	/* from 10^7 */
	};
	/*
	 * llquantize(2, 1, 3, 4): four steps of each [0, 2^(m + 1)), the
	 * two above 2^m counted: below 2; 2, 3; 4 to 7 by 2; 8 to 15 by 4;
	 * from 16.
	 */
	static const struct aggmon_test_bucket two[] = {
		{ 1, 0 }, { 2, 1 }, { 3, 2 }, { 4, 3 }, { 5, 3 }, { 6, 4 },
		{ 7, 4 }, { 8, 5 }, { 11, 5 }, { 12, 6 }, { 15, 6 }, { 16, 7 },
		{ S64_MAX, 7 },
	};

	aggmon_test_ll_cases(test, 10, 0, 6, 20, 119, ten, ARRAY_SIZE(ten),
			     true);
	aggmon_test_ll_cases(test, 2, 1, 3, 4, 8, two, ARRAY_SIZE(two), true);
}

/* Compare one llquantize() with the model around every bucket boundary. */
static void aggmon_test_llquantize_cmp(struct kunit *test,
				       struct aggmon_test_tally *t,
				       const struct aggmon_func *fn, u64 *seed)
{
	static const s64 edges[] = {
		0, 1, -1, S64_MIN, S64_MIN + 1, S64_MAX, S64_MAX - 1,
	};
	s64 exact = aggmon_test_ll_exact_max(fn);
	s64 last = 1, this, width, start, v;
	unsigned int i, k, ours, over = 0;
	u64 b, nbuckets;

	for (i = 0; i < ARRAY_SIZE(edges); i++) {
		ours = aggmon_llquantize_bucket(fn, edges[i]);
		over += ours >= fn->nslots;
		if (edges[i] <= exact)
			aggmon_test_tally(t, edges[i], ours,
					  aggmon_test_dt_ll(fn, edges[i]));
	}
	for (k = 0; k < 63; k++) {
		for (v = (1LL << k) - 1; v <= (1LL << k) + 1; v++) {
			ours = aggmon_llquantize_bucket(fn, v);
			over += ours >= fn->nslots;
			if (v <= exact)
				aggmon_test_tally(t, v, ours,
						  aggmon_test_dt_ll(fn, v));
		}
	}
	/* Every bucket of every order that fits in 64 bits, and its ends. */
	while (!check_mul_overflow(last, (s64)fn->factor, &this)) {
		nbuckets = min_t(u64, this, fn->step);
		width = div64_s64(this, nbuckets);
		for (b = 0; b < nbuckets; b++) {
			start = last + b * width;
			if (start >= this)
				break;
			for (v = start - 1; v <= start + 1; v++) {
				ours = aggmon_llquantize_bucket(fn, v);
				over += ours >= fn->nslots;
				if (v <= exact)
					aggmon_test_tally(t, v, ours,
							  aggmon_test_dt_ll(fn,
									    v));
			}
		}
		last = this;
	}
	for (i = 0; i < 500; i++) {
		v = aggmon_test_rand_value(seed);
		ours = aggmon_llquantize_bucket(fn, v);
		over += ours >= fn->nslots;
		if (v <= exact)
			aggmon_test_tally(t, v, ours, aggmon_test_dt_ll(fn, v));
	}
	KUNIT_EXPECT_EQ_MSG(test, over, 0,
			    "llquantize(%u, %lld, %lld, %llu): bucket >= %u",
			    fn->factor, fn->low, fn->high, fn->step,
			    fn->nslots);
}

static void aggmon_test_llquantize_dtrace(struct kunit *test)
{
	static const struct {
		u32 factor;
		s64 low, high;
		u64 step;
	} params[] = {
		{ 10, 0, 6, 20 }, { 2, 0, 1, 2 }, { 2, 1, 3, 4 },
		{ 2, 0, 64, 2 }, { 2, 3, 40, 64 }, { 2, 1, 37, 256 },
		{ 2, 61, 62, 2 }, { 3, 1, 30, 9 }, { 4, 0, 31, 16 },
		{ 7, 0, 20, 49 }, { 7, 0, 22, 7 }, { 10, 2, 18, 100 },
		{ 10, 0, 18, 10 }, { 10, 0, U16_MAX, 10 }, { 12, 0, 40, 144 },
		{ 16, 0, 15, 256 }, { 256, 0, 8, 256 }, { 1000, 0, 3, 1000 },
		{ 2048, 0, 1, 2048 }, { 40, 5, 6, 1600 },
	};
	struct aggmon_test_tally t = { .test = test, .what = "llquantize" };
	u64 seed = 0xd1b54a32d192ed03ULL;
	struct aggmon_func fn;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(params); i++) {
		fn = aggmon_test_fn(AGGMON_AGG_LLQUANTIZE, params[i].factor,
				    params[i].low, params[i].high,
				    params[i].step);
		KUNIT_ASSERT_EQ(test, aggmon_func_init(&fn), 0);
		KUNIT_EXPECT_TRUE(test, aggmon_test_dt_llquantize_ok(fn.factor,
								     fn.low,
								     fn.high,
								     fn.step));
		/* DTrace sizes the value by the bucket of INT64_MAX too. */
		if (aggmon_test_ll_exact_max(&fn) == S64_MAX ||
		    aggmon_test_dt_sees_overflow(fn.factor))
			KUNIT_EXPECT_EQ(test, fn.nslots,
					aggmon_test_dt_ll(&fn, S64_MAX) + 1);
		aggmon_test_llquantize_cmp(test, &t, &fn, &seed);
	}
	KUNIT_EXPECT_GT(test, t.checked, 10000);
	KUNIT_EXPECT_EQ(test, t.failed, 0);
}

/*
 * Where DTrace's model is not followed: the order factor^m whose
 * factor^(m + 2) overflows keeps its own buckets for values below
 * factor^(m + 1) and takes all larger ones in its top bucket.
 */
static void aggmon_test_llquantize_top(struct kunit *test)
{
	/*
	 * llquantize(10, 0, 18, 10): 10^17 is order m.  DTrace puts every
	 * value from 10^17 in bucket 162; aggmon steps by 10^17 up to 10^18.
	 */
	static const struct aggmon_test_bucket ten[] = {
		{ 99999999999999999LL, 153 }, { 100000000000000000LL, 154 },
		{ 199999999999999999LL, 154 }, { 200000000000000000LL, 155 },
		{ 899999999999999999LL, 161 }, { 900000000000000000LL, 162 },
		{ 1000000000000000000LL, 162 }, { S64_MAX, 162 },
	};
	/*
	 * llquantize(7, 0, 22, 7): 7^23 wraps to 8922003266371364727, above
	 * 7^22, so DTrace misses the overflow and counts values from 7^22 in
	 * four more buckets (137 in all); aggmon takes them in bucket 132.
	 */
	static const struct aggmon_test_bucket seven[] = {
		{ 558545864083284006LL, 126 }, { 558545864083284007LL, 127 },
		{ 3909821048582988048LL, 132 }, { 3909821048582988049LL, 132 },
		{ S64_MAX, 132 },
	};
	/* llquantize(2, 61, 62, 2): one order, the last that fits. */
	static const struct aggmon_test_bucket two[] = {
		{ (1LL << 61) - 1, 0 }, { 1LL << 61, 1 }, { S64_MAX, 1 },
	};
	struct aggmon_func fn;

	aggmon_test_ll_cases(test, 10, 0, 18, 10, 163, ten, ARRAY_SIZE(ten),
			     false);
	fn = aggmon_test_fn(AGGMON_AGG_LLQUANTIZE, 10, 0, 18, 10);
	KUNIT_EXPECT_EQ(test, aggmon_test_dt_ll(&fn, 99999999999999999LL), 153);
	KUNIT_EXPECT_EQ(test, aggmon_test_dt_ll(&fn, 100000000000000000LL),
			162);

	aggmon_test_ll_cases(test, 7, 0, 22, 7, 133, seven, ARRAY_SIZE(seven),
			     false);
	fn = aggmon_test_fn(AGGMON_AGG_LLQUANTIZE, 7, 0, 22, 7);
	KUNIT_EXPECT_EQ(test, aggmon_test_dt_ll(&fn, 3909821048582988048LL),
			132);
	KUNIT_EXPECT_EQ(test, aggmon_test_dt_ll(&fn, S64_MAX), 136);
	KUNIT_EXPECT_FALSE(test, aggmon_test_dt_sees_overflow(7));
	KUNIT_EXPECT_FALSE(test, aggmon_test_dt_sees_overflow(11));
	KUNIT_EXPECT_TRUE(test, aggmon_test_dt_sees_overflow(2));
	KUNIT_EXPECT_TRUE(test, aggmon_test_dt_sees_overflow(10));

	aggmon_test_ll_cases(test, 2, 61, 62, 2, 2, two, ARRAY_SIZE(two), true);
}

/*
 * A function's parameters and what the table expects of them: the value
 * slots it takes (aggmon_test_nslots_cases) or what aggmon_func_init()
 * returns (aggmon_test_init_cases).
 */
struct aggmon_test_fn_case {
	u32 func;
	u32 factor;
	s64 low;
	s64 high;
	u64 step;
	int want;
};

static void aggmon_test_fn_case_desc(const struct aggmon_test_fn_case *c,
				     char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "func %u (%u, %lld, %lld, %llu)",
		 c->func, c->factor, c->low, c->high, c->step);
}

/* Functions that initialize, and the value slots each takes. */
static const struct aggmon_test_fn_case aggmon_test_nslots_cases[] = {
	{ AGGMON_AGG_SUM, 0, 0, 0, 0, 1 },
	{ AGGMON_AGG_MIN, 0, 0, 0, 0, 2 },
	{ AGGMON_AGG_MAX, 0, 0, 0, 0, 2 },
	{ AGGMON_AGG_AVG, 0, 0, 0, 0, 3 },
	{ AGGMON_AGG_STDDEV, 0, 0, 0, 0, 6 },
	{ AGGMON_AGG_QUANTIZE, 0, 0, 0, 0, 127 },
	{ AGGMON_AGG_LQUANTIZE, 0, 0, 100, 10, 12 },
	{ AGGMON_AGG_LQUANTIZE, 0, -1, 0, 1, 3 },
	/* The most levels: 4094 and the two outer buckets. */
	{ AGGMON_AGG_LQUANTIZE, 0, -4094, 0, 1, 4096 },
	{ AGGMON_AGG_LQUANTIZE, 0, 0, 4094 * 3 + 2, 3, 4096 },
	{ AGGMON_AGG_LLQUANTIZE, 10, 0, 6, 20, 119 },
	/* The most buckets an llquantize may have, exactly. */
	{ AGGMON_AGG_LLQUANTIZE, 2, 1, 37, 256, 4096 },
	{ AGGMON_AGG_LLQUANTIZE, 2048, 0, 1, 2048, 4096 },
	/* The highest magnitude DTrace's 16-bit field takes. */
	{ AGGMON_AGG_LLQUANTIZE, 2, 0, U16_MAX, 2, 63 },
};

KUNIT_ARRAY_PARAM(aggmon_test_nslots_cases, aggmon_test_nslots_cases,
		  aggmon_test_fn_case_desc);

static void aggmon_test_func_nslots(struct kunit *test)
{
	const struct aggmon_test_fn_case *c = test->param_value;

	KUNIT_EXPECT_EQ(test, aggmon_test_nslots(test, c->func, c->factor,
						 c->low, c->high, c->step),
			c->want);
}

static void aggmon_test_func_init(struct kunit *test)
{
	struct aggmon_func fn = { .func = AGGMON_AGG_COUNT, .levels = 7 };

	KUNIT_EXPECT_EQ(test, aggmon_func_init(&fn), 0);
	KUNIT_EXPECT_EQ(test, fn.nslots, 1);
	KUNIT_EXPECT_EQ(test, fn.levels, 0);
	/* An llquantize has DTrace's buckets and the one below them. */
	KUNIT_EXPECT_EQ(test, aggmon_test_nslots(test, AGGMON_AGG_LLQUANTIZE,
						 10, 0, 6, 20),
			aggmon_test_dt_llquantize(10, 0, 6, 20, S64_MAX) + 1);
}

/* Parameters of functions that take them, and what aggmon_func_init() says. */
static const struct aggmon_test_fn_case aggmon_test_init_cases[] = {
	/* No such function. */
	{ 0, 0, 0, 0, 0, -EINVAL },
	{ AGGMON_AGG_LLQUANTIZE + 1, 0, 0, 0, 0, -EINVAL },
	{ U32_MAX, 0, 0, 0, 0, -EINVAL },
	/* lquantize(): a step, high above low, 1 to 4094 levels, no factor. */
	{ AGGMON_AGG_LQUANTIZE, 0, 0, 100, 0, -EINVAL },
	{ AGGMON_AGG_LQUANTIZE, 0, 100, 100, 1, -EINVAL },
	{ AGGMON_AGG_LQUANTIZE, 0, 100, 0, 1, -EINVAL },
	{ AGGMON_AGG_LQUANTIZE, 0, S64_MAX, S64_MIN, 1, -EINVAL },
	{ AGGMON_AGG_LQUANTIZE, 0, 0, 5, 10, -EINVAL },
	{ AGGMON_AGG_LQUANTIZE, 0, 0, 9, 10, -EINVAL },
	{ AGGMON_AGG_LQUANTIZE, 0, 0, 10, 10, 0 },
	{ AGGMON_AGG_LQUANTIZE, 0, 0, AGGMON_AGG_BUCKETS_MAX - 1, 1, -EINVAL },
	{ AGGMON_AGG_LQUANTIZE, 0, 0, AGGMON_AGG_BUCKETS_MAX - 2, 1, 0 },
	{ AGGMON_AGG_LQUANTIZE, 0, S64_MIN, S64_MAX, 1, -EINVAL },
	{ AGGMON_AGG_LQUANTIZE, 10, 0, 100, 10, -EINVAL },
	/* llquantize(): DTrace's checks, ... */
	{ AGGMON_AGG_LLQUANTIZE, 0, 0, 6, 20, -EINVAL },
	{ AGGMON_AGG_LLQUANTIZE, 1, 0, 6, 20, -EINVAL },
	{ AGGMON_AGG_LLQUANTIZE, 10, 6, 6, 20, -EINVAL },
	{ AGGMON_AGG_LLQUANTIZE, 10, 7, 6, 20, -EINVAL },
	{ AGGMON_AGG_LLQUANTIZE, 10, 0, 6, 5, -EINVAL },
	{ AGGMON_AGG_LLQUANTIZE, 10, 0, 6, 0, -EINVAL },
	/* 25 is no multiple of 10; 30 divides no power of 10. */
	{ AGGMON_AGG_LLQUANTIZE, 10, 0, 6, 25, -EINVAL },
	{ AGGMON_AGG_LLQUANTIZE, 10, 0, 6, 30, -EINVAL },
	{ AGGMON_AGG_LLQUANTIZE, 10, 0, 6, 50, 0 },
	{ AGGMON_AGG_LLQUANTIZE, 4, 0, 6, 8, 0 },
	{ AGGMON_AGG_LLQUANTIZE, 4, 0, 6, 12, -EINVAL },
	/* ... DTrace's 16-bit fields, ... */
	{ AGGMON_AGG_LLQUANTIZE, 2, -1, 6, 2, -EINVAL },
	{ AGGMON_AGG_LLQUANTIZE, 2, 0, U16_MAX + 1, 2, -EINVAL },
	{ AGGMON_AGG_LLQUANTIZE, 2, 0, U16_MAX, 2, 0 },
	{ AGGMON_AGG_LLQUANTIZE, 2, 0, 1, U16_MAX + 1, -EINVAL },
	{ AGGMON_AGG_LLQUANTIZE, 2, 0, 1, 1 << 15, 0 },
	{ AGGMON_AGG_LLQUANTIZE, U16_MAX + 1, 0, 1, U16_MAX + 1, -EINVAL },
	/* ... factor^(low + 1) in 64 bits, ... */
	{ AGGMON_AGG_LLQUANTIZE, 2, 62, 63, 2, -EINVAL },
	{ AGGMON_AGG_LLQUANTIZE, 2, 63, 64, 2, -EINVAL },
	{ AGGMON_AGG_LLQUANTIZE, 10, 18, 19, 10, -EINVAL },
	{ AGGMON_AGG_LLQUANTIZE, 10, 17, 19, 10, 0 },
	/* ... and at most AGGMON_AGG_BUCKETS_MAX buckets. */
	{ AGGMON_AGG_LLQUANTIZE, 2, 0, 37, 256, -EINVAL },
	{ AGGMON_AGG_LLQUANTIZE, 2, 0, 20, 4096, -EINVAL },
	{ AGGMON_AGG_LLQUANTIZE, 2049, 0, 1, 2049, -EINVAL },
	{ AGGMON_AGG_LLQUANTIZE, U16_MAX, 0, 1, U16_MAX, -EINVAL },
};

KUNIT_ARRAY_PARAM(aggmon_test_init_cases, aggmon_test_init_cases,
		  aggmon_test_fn_case_desc);

static void aggmon_test_func_init_case(struct kunit *test)
{
	const struct aggmon_test_fn_case *c = test->param_value;

	KUNIT_EXPECT_EQ(test, aggmon_test_init(c->func, c->factor, c->low,
					       c->high, c->step), c->want);
}

static void aggmon_test_func_init_errors(struct kunit *test)
{
	static const u32 plain[] = {
		AGGMON_AGG_COUNT, AGGMON_AGG_SUM, AGGMON_AGG_MIN,
		AGGMON_AGG_MAX, AGGMON_AGG_AVG, AGGMON_AGG_STDDEV,
		AGGMON_AGG_QUANTIZE,
	};
	unsigned int i;

	/* Functions without parameters take none. */
	for (i = 0; i < ARRAY_SIZE(plain); i++) {
		KUNIT_EXPECT_EQ(test, aggmon_test_init(plain[i], 2, 0, 0, 0),
				-EINVAL);
		KUNIT_EXPECT_EQ(test, aggmon_test_init(plain[i], 0, 1, 0, 0),
				-EINVAL);
		KUNIT_EXPECT_EQ(test, aggmon_test_init(plain[i], 0, S64_MIN, 0,
						       0), -EINVAL);
		KUNIT_EXPECT_EQ(test, aggmon_test_init(plain[i], 0, 0, -1, 0),
				-EINVAL);
		KUNIT_EXPECT_EQ(test, aggmon_test_init(plain[i], 0, 0, 0, 1),
				-EINVAL);
		KUNIT_EXPECT_EQ(test, aggmon_test_init(plain[i], 0, 0, 0, 0),
				0);
	}
}

/*
 * aggmon_func_init() takes an llquantize() exactly when DTrace does, its
 * first order fits in 64 bits and its buckets in AGGMON_AGG_BUCKETS_MAX,
 * over every small factor and step.
 */
static void aggmon_test_llquantize_init_dtrace(struct kunit *test)
{
	static const struct {
		s64 low, high;
	} mags[] = {
		{ 0, 1 }, { 0, 6 }, { 1, 0 }, { 3, 3 }, { 2, 9 }, { 5, 4 },
		{ 8, 9 },
	};
	unsigned long accepted = 0, failed = 0;
	unsigned int i, got, want;
	struct aggmon_func fn;
	u32 factor;
	u64 step;

	for (factor = 0; factor <= 40; factor++) {
		for (step = 0; step <= 300; step++) {
			for (i = 0; i < ARRAY_SIZE(mags); i++) {
				fn = aggmon_test_fn(AGGMON_AGG_LLQUANTIZE,
						    factor, mags[i].low,
						    mags[i].high, step);
				got = aggmon_func_init(&fn) ? 0 : fn.nslots;
				want = aggmon_test_ll_want(factor, mags[i].low,
							   mags[i].high, step);
				accepted += got != 0;
				if (got == want || failed++)
					continue;
				KUNIT_FAIL(test,
					   "llquantize(%u, %lld, %lld, %llu): %u buckets, expected %u",
					   factor, mags[i].low, mags[i].high,
					   step, got, want);
			}
		}
	}
	KUNIT_EXPECT_GT(test, accepted, 500);
	KUNIT_EXPECT_EQ(test, failed, 0);
}

static void aggmon_test_apply_count_sum(struct kunit *test)
{
	struct aggmon_func fn = { .func = AGGMON_AGG_COUNT };
	u64 slots[1] = { 0 };

	KUNIT_ASSERT_EQ(test, aggmon_func_init(&fn), 0);
	aggmon_func_apply(&fn, slots, 5);
	aggmon_func_apply(&fn, slots, S64_MIN);
	aggmon_func_apply(&fn, slots, 0);
	KUNIT_EXPECT_EQ(test, slots[0], 3);

	fn.func = AGGMON_AGG_SUM;
	KUNIT_ASSERT_EQ(test, aggmon_func_init(&fn), 0);
	slots[0] = 0;
	aggmon_func_apply(&fn, slots, 5);
	aggmon_func_apply(&fn, slots, -7);
	KUNIT_EXPECT_EQ(test, (s64)slots[0], -2);
	/* Wraps at 64 bits, as DTrace's sum() does. */
	slots[0] = 0;
	aggmon_func_apply(&fn, slots, S64_MAX);
	aggmon_func_apply(&fn, slots, 1);
	KUNIT_EXPECT_EQ(test, slots[0], 1ULL << 63);
	aggmon_func_apply(&fn, slots, S64_MIN);
	KUNIT_EXPECT_EQ(test, slots[0], 0);
	aggmon_func_apply(&fn, slots, -1);
	KUNIT_EXPECT_EQ(test, slots[0], U64_MAX);
}

static void aggmon_test_apply_min_max(struct kunit *test)
{
	struct aggmon_func fn = { .func = AGGMON_AGG_MIN };
	u64 slots[2] = { 0, 0 };

	/* n = 0: no value yet, so the first value is the minimum, even 100. */
	KUNIT_ASSERT_EQ(test, aggmon_func_init(&fn), 0);
	aggmon_func_apply(&fn, slots, 100);
	KUNIT_EXPECT_EQ(test, slots[0], 1);
	KUNIT_EXPECT_EQ(test, (s64)slots[1], 100);
	aggmon_func_apply(&fn, slots, 200);
	KUNIT_EXPECT_EQ(test, (s64)slots[1], 100);
	aggmon_func_apply(&fn, slots, -5);
	KUNIT_EXPECT_EQ(test, (s64)slots[1], -5);
	aggmon_func_apply(&fn, slots, S64_MIN);
	aggmon_func_apply(&fn, slots, S64_MAX);
	KUNIT_EXPECT_EQ(test, slots[0], 5);
	KUNIT_EXPECT_EQ(test, (s64)slots[1], S64_MIN);
	slots[0] = 0;
	slots[1] = 0;
	aggmon_func_apply(&fn, slots, S64_MAX);
	KUNIT_EXPECT_EQ(test, (s64)slots[1], S64_MAX);

	/* Likewise the first maximum, even -100. */
	fn.func = AGGMON_AGG_MAX;
	KUNIT_ASSERT_EQ(test, aggmon_func_init(&fn), 0);
	slots[0] = 0;
	slots[1] = 0;
	aggmon_func_apply(&fn, slots, -100);
	KUNIT_EXPECT_EQ(test, slots[0], 1);
	KUNIT_EXPECT_EQ(test, (s64)slots[1], -100);
	aggmon_func_apply(&fn, slots, -200);
	KUNIT_EXPECT_EQ(test, (s64)slots[1], -100);
	aggmon_func_apply(&fn, slots, 0);
	KUNIT_EXPECT_EQ(test, (s64)slots[1], 0);
	aggmon_func_apply(&fn, slots, S64_MAX);
	aggmon_func_apply(&fn, slots, S64_MIN);
	KUNIT_EXPECT_EQ(test, slots[0], 5);
	KUNIT_EXPECT_EQ(test, (s64)slots[1], S64_MAX);
	slots[0] = 0;
	slots[1] = 0;
	aggmon_func_apply(&fn, slots, S64_MIN);
	KUNIT_EXPECT_EQ(test, (s64)slots[1], S64_MIN);
}

static void aggmon_test_apply_avg(struct kunit *test)
{
	struct aggmon_func fn = { .func = AGGMON_AGG_AVG };
	u64 slots[3] = { 0, 0, 0 };

	KUNIT_ASSERT_EQ(test, aggmon_func_init(&fn), 0);
	/* 2 * (2^63 - 1) = 2^64 - 2: a carry-less 128-bit sum. */
	aggmon_func_apply(&fn, slots, S64_MAX);
	aggmon_func_apply(&fn, slots, S64_MAX);
	KUNIT_EXPECT_EQ(test, slots[0], 2);
	KUNIT_EXPECT_EQ(test, slots[1], 0xfffffffffffffffeULL);
	KUNIT_EXPECT_EQ(test, slots[2], 0);
	/* Two more: 2^65 - 4. */
	aggmon_func_apply(&fn, slots, S64_MAX);
	aggmon_func_apply(&fn, slots, S64_MAX);
	KUNIT_EXPECT_EQ(test, slots[0], 4);
	KUNIT_EXPECT_EQ(test, slots[1], 0xfffffffffffffffcULL);
	KUNIT_EXPECT_EQ(test, slots[2], 1);

	/* 2 * -2^63 = -2^64: low word 0, high word -1. */
	memset(slots, 0, sizeof(slots));
	aggmon_func_apply(&fn, slots, S64_MIN);
	KUNIT_EXPECT_EQ(test, slots[1], 1ULL << 63);
	KUNIT_EXPECT_EQ(test, slots[2], U64_MAX);
	aggmon_func_apply(&fn, slots, S64_MIN);
	KUNIT_EXPECT_EQ(test, slots[0], 2);
	KUNIT_EXPECT_EQ(test, slots[1], 0);
	KUNIT_EXPECT_EQ(test, slots[2], U64_MAX);
	/* + 2^63 - 1: -2^63 - 1; + 2^63 - 1 + 2: 0, through carries. */
	aggmon_func_apply(&fn, slots, S64_MAX);
	KUNIT_EXPECT_EQ(test, slots[1], (u64)S64_MAX);
	KUNIT_EXPECT_EQ(test, slots[2], U64_MAX);
	aggmon_func_apply(&fn, slots, S64_MAX);
	aggmon_func_apply(&fn, slots, 2);
	KUNIT_EXPECT_EQ(test, slots[0], 5);
	KUNIT_EXPECT_EQ(test, slots[1], 0);
	KUNIT_EXPECT_EQ(test, slots[2], 0);

	/* Small values: -1 is all ones in both words. */
	aggmon_func_apply(&fn, slots, -3);
	aggmon_func_apply(&fn, slots, 2);
	KUNIT_EXPECT_EQ(test, slots[1], U64_MAX);
	KUNIT_EXPECT_EQ(test, slots[2], U64_MAX);
	aggmon_func_apply(&fn, slots, 10);
	KUNIT_EXPECT_EQ(test, slots[0], 8);
	KUNIT_EXPECT_EQ(test, slots[1], 9);
	KUNIT_EXPECT_EQ(test, slots[2], 0);
}

static void aggmon_test_apply_stddev(struct kunit *test)
{
	struct aggmon_func fn = { .func = AGGMON_AGG_STDDEV };
	u64 slots[6] = { 0 };
	unsigned int i;

	KUNIT_ASSERT_EQ(test, aggmon_func_init(&fn), 0);
	/* (-2^63)^2 = 2^126. */
	aggmon_func_apply(&fn, slots, S64_MIN);
	KUNIT_EXPECT_EQ(test, slots[0], 1);
	KUNIT_EXPECT_EQ(test, slots[1], 1ULL << 63);
	KUNIT_EXPECT_EQ(test, slots[2], U64_MAX);
	KUNIT_EXPECT_EQ(test, slots[3], 0);
	KUNIT_EXPECT_EQ(test, slots[4], 1ULL << 62);
	KUNIT_EXPECT_EQ(test, slots[5], 0);
	/* Four of them: 2^128, a carry into the third word; sum -2^65. */
	for (i = 0; i < 3; i++)
		aggmon_func_apply(&fn, slots, S64_MIN);
	KUNIT_EXPECT_EQ(test, slots[0], 4);
	KUNIT_EXPECT_EQ(test, slots[1], 0);
	KUNIT_EXPECT_EQ(test, slots[2], (u64)-2);
	KUNIT_EXPECT_EQ(test, slots[3], 0);
	KUNIT_EXPECT_EQ(test, slots[4], 0);
	KUNIT_EXPECT_EQ(test, slots[5], 1);

	/* (2^63 - 1)^2 = 2^126 - 2^64 + 1. */
	memset(slots, 0, sizeof(slots));
	aggmon_func_apply(&fn, slots, S64_MAX);
	KUNIT_EXPECT_EQ(test, slots[1], (u64)S64_MAX);
	KUNIT_EXPECT_EQ(test, slots[2], 0);
	KUNIT_EXPECT_EQ(test, slots[3], 1);
	KUNIT_EXPECT_EQ(test, slots[4], (1ULL << 62) - 1);
	KUNIT_EXPECT_EQ(test, slots[5], 0);
	/* Four of them: 2^128 - 2^66 + 4; sum 2^65 - 4. */
	for (i = 0; i < 3; i++)
		aggmon_func_apply(&fn, slots, S64_MAX);
	KUNIT_EXPECT_EQ(test, slots[0], 4);
	KUNIT_EXPECT_EQ(test, slots[1], 0xfffffffffffffffcULL);
	KUNIT_EXPECT_EQ(test, slots[2], 1);
	KUNIT_EXPECT_EQ(test, slots[3], 4);
	KUNIT_EXPECT_EQ(test, slots[4], 0xfffffffffffffffcULL);
	KUNIT_EXPECT_EQ(test, slots[5], 0);

	/* 3, -4, 5: n 3, sum 4, squares 50. */
	memset(slots, 0, sizeof(slots));
	aggmon_func_apply(&fn, slots, 3);
	aggmon_func_apply(&fn, slots, -4);
	aggmon_func_apply(&fn, slots, 5);
	KUNIT_EXPECT_EQ(test, slots[0], 3);
	KUNIT_EXPECT_EQ(test, slots[1], 4);
	KUNIT_EXPECT_EQ(test, slots[2], 0);
	KUNIT_EXPECT_EQ(test, slots[3], 50);
	KUNIT_EXPECT_EQ(test, slots[4], 0);
	KUNIT_EXPECT_EQ(test, slots[5], 0);
	/*
	 * + (2^32 + 1)^2 = 2^64 + 2^33 + 1, the cross term carried out of
	 * the low word, and + (-(2^32 - 1))^2 = 2^64 - 2^33 + 1: squares
	 * 2^65 + 52, sum 4 + 2 = 6.
	 */
	aggmon_func_apply(&fn, slots, (1LL << 32) + 1);
	KUNIT_EXPECT_EQ(test, slots[3], 50 + (1ULL << 33) + 1);
	KUNIT_EXPECT_EQ(test, slots[4], 1);
	aggmon_func_apply(&fn, slots, -(1LL << 32) + 1);
	KUNIT_EXPECT_EQ(test, slots[0], 5);
	KUNIT_EXPECT_EQ(test, slots[1], 6);
	KUNIT_EXPECT_EQ(test, slots[2], 0);
	KUNIT_EXPECT_EQ(test, slots[3], 52);
	KUNIT_EXPECT_EQ(test, slots[4], 2);
	KUNIT_EXPECT_EQ(test, slots[5], 0);
	/* + 3037000499^2 = 9223372030926249001, below 2^63: no carry. */
	aggmon_func_apply(&fn, slots, -3037000499LL);
	KUNIT_EXPECT_EQ(test, slots[1], (u64)(6 - 3037000499LL));
	KUNIT_EXPECT_EQ(test, slots[2], U64_MAX);
	KUNIT_EXPECT_EQ(test, slots[3], 52 + 9223372030926249001ULL);
	KUNIT_EXPECT_EQ(test, slots[4], 2);
}

static void aggmon_test_apply_quantize(struct kunit *test)
{
	static const s64 values[] = {
		0, 1, -1, S64_MIN, S64_MAX, 1000, 1000, -1000,
	};
	struct aggmon_func fn = { .func = AGGMON_AGG_QUANTIZE };
	u64 *slots;
	unsigned int i;

	KUNIT_ASSERT_EQ(test, aggmon_func_init(&fn), 0);
	slots = kunit_kcalloc(test, fn.nslots, sizeof(*slots), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, slots);
	for (i = 0; i < ARRAY_SIZE(values); i++)
		aggmon_func_apply(&fn, slots, values[i]);
	KUNIT_EXPECT_EQ(test, slots[63], 1);
	KUNIT_EXPECT_EQ(test, slots[64], 1);
	KUNIT_EXPECT_EQ(test, slots[62], 1);
	KUNIT_EXPECT_EQ(test, slots[0], 1);
	KUNIT_EXPECT_EQ(test, slots[126], 1);
	KUNIT_EXPECT_EQ(test, slots[63 + 10], 2);	/* [512, 1024) */
	KUNIT_EXPECT_EQ(test, slots[63 - 10], 1);	/* (-1024, -512] */

	fn = aggmon_test_fn(AGGMON_AGG_LQUANTIZE, 0, 0, 100, 10);
	KUNIT_ASSERT_EQ(test, aggmon_func_init(&fn), 0);
	memset(slots, 0, fn.nslots * sizeof(*slots));
	for (i = 0; i < ARRAY_SIZE(values); i++)
		aggmon_func_apply(&fn, slots, values[i]);
	KUNIT_EXPECT_EQ(test, slots[0], 3);
	KUNIT_EXPECT_EQ(test, slots[1], 2);
	KUNIT_EXPECT_EQ(test, slots[11], 3);

	fn = aggmon_test_fn(AGGMON_AGG_LLQUANTIZE, 10, 0, 6, 20);
	KUNIT_ASSERT_EQ(test, aggmon_func_init(&fn), 0);
	memset(slots, 0, fn.nslots * sizeof(*slots));
	for (i = 0; i < ARRAY_SIZE(values); i++)
		aggmon_func_apply(&fn, slots, values[i]);
	KUNIT_EXPECT_EQ(test, slots[0], 4);
	KUNIT_EXPECT_EQ(test, slots[1], 1);
	KUNIT_EXPECT_EQ(test, slots[46], 2);
	KUNIT_EXPECT_EQ(test, slots[118], 1);
}

/* Each function, with parameters where it takes them. */
static const struct aggmon_func aggmon_test_merge_fns[] = {
	{ .func = AGGMON_AGG_COUNT },
	{ .func = AGGMON_AGG_SUM },
	{ .func = AGGMON_AGG_MIN },
	{ .func = AGGMON_AGG_MAX },
	{ .func = AGGMON_AGG_AVG },
	{ .func = AGGMON_AGG_STDDEV },
	{ .func = AGGMON_AGG_QUANTIZE },
	{ .func = AGGMON_AGG_LQUANTIZE, .low = -1000, .high = 1000, .step = 10 },
	{ .func = AGGMON_AGG_LLQUANTIZE, .factor = 10, .low = 0, .high = 6,
	  .step = 10 },
};

/*
 * Values split between two data sets, merged, come to the data set that
 * took them all: random values of every magnitude and sign (sums wrap,
 * squares carry), splits with either side empty, and merges of empties.
 */
static void aggmon_test_merge(struct kunit *test)
{
	static const unsigned int splits[][2] = {
		{ 0, 0 }, { 0, 5 }, { 5, 0 }, { 1, 1 }, { 7, 13 }, { 200, 300 },
	};
	size_t size = AGGMON_AGG_BUCKETS_MAX * sizeof(u64);
	u64 *a, *b, *all, state = 0x5eed;
	struct aggmon_func fn;
	unsigned int f, i, j;
	s64 v;

	a = kunit_kmalloc(test, size, GFP_KERNEL);
	b = kunit_kmalloc(test, size, GFP_KERNEL);
	all = kunit_kmalloc(test, size, GFP_KERNEL);
	KUNIT_ASSERT_TRUE(test, a && b && all);
	for (f = 0; f < ARRAY_SIZE(aggmon_test_merge_fns); f++) {
		fn = aggmon_test_merge_fns[f];
		KUNIT_ASSERT_EQ(test, aggmon_func_init(&fn), 0);
		for (i = 0; i < ARRAY_SIZE(splits); i++) {
			memset(a, 0, size);
			memset(b, 0, size);
			memset(all, 0, size);
			for (j = 0; j < splits[i][0] + splits[i][1]; j++) {
				v = aggmon_test_rand_value(&state);
				aggmon_func_apply(&fn, j < splits[i][0] ? a : b,
						  v);
				aggmon_func_apply(&fn, all, v);
			}
			aggmon_func_merge(&fn, a, b);
			KUNIT_EXPECT_MEMEQ_MSG(test, a, all,
					       fn.nslots * sizeof(u64),
					       "func %u, %u + %u values",
					       fn.func, splits[i][0],
					       splits[i][1]);
		}
	}
}

static struct kunit_case aggmon_aggfunc_test_cases[] = {
	KUNIT_CASE(aggmon_test_quantize_buckets),
	KUNIT_CASE(aggmon_test_quantize_dtrace),
	KUNIT_CASE(aggmon_test_lquantize_buckets),
	KUNIT_CASE(aggmon_test_lquantize_dtrace),
	KUNIT_CASE(aggmon_test_llquantize_buckets),
	KUNIT_CASE(aggmon_test_llquantize_dtrace),
	KUNIT_CASE(aggmon_test_llquantize_top),
	KUNIT_CASE(aggmon_test_func_init),
	KUNIT_CASE(aggmon_test_func_init_errors),
	KUNIT_CASE_PARAM(aggmon_test_func_init_case,
			 aggmon_test_init_cases_gen_params),
	KUNIT_CASE_PARAM(aggmon_test_func_nslots,
			 aggmon_test_nslots_cases_gen_params),
	KUNIT_CASE(aggmon_test_llquantize_init_dtrace),
	KUNIT_CASE(aggmon_test_apply_count_sum),
	KUNIT_CASE(aggmon_test_apply_min_max),
	KUNIT_CASE(aggmon_test_apply_avg),
	KUNIT_CASE(aggmon_test_apply_stddev),
	KUNIT_CASE(aggmon_test_apply_quantize),
	KUNIT_CASE(aggmon_test_merge),
	{}
};

static struct kunit_suite aggmon_aggfunc_test_suite = {
	.name = "aggmon_aggfunc",
	.test_cases = aggmon_aggfunc_test_cases,
};

kunit_test_suite(aggmon_aggfunc_test_suite);

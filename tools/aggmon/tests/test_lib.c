// SPDX-License-Identifier: GPL-2.0
/*
 * Host tests of libaggmon, without an aggmon kernel: bucket bounds, merge
 * math against hand-computed results, the table and its sorting, printa
 * output against golden text, the event set over pipes, and the system
 * call wrappers over the fake kernel (tests/fake_kernel.c).
 *
 * Usage: test_lib		TAP lines, one per check, without a plan
 *				(tests/test_lib.sh numbers on and plans)
 *        test_lib json		every fake aggregation as compact JSON,
 *				one document per line
 *        test_lib json-pretty	one aggregation as indented JSON
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libaggmon.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define P62		0x4000000000000000LL

static int tap_n, tap_failed;

static __attribute__((format(printf, 2, 3))) bool
check(bool cond, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", cond ? "" : "not ", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	if (!cond)
		tap_failed++;
	return cond;
}

/* Each line of @text as a TAP comment. */
static void diag(const char *what, const char *text)
{
	const char *p = text, *nl;

	printf("# %s:\n", what);
	while (*p) {
		nl = strchr(p, '\n');
		if (!nl)
			nl = p + strlen(p);
		printf("#   '%.*s'\n", (int)(nl - p), p);
		p = *nl ? nl + 1 : nl;
	}
}

static void check_text(const char *got, const char *want, const char *desc)
{
	if (!check(got && !strcmp(got, want), "%s", desc)) {
		diag("want", want);
		diag("got", got ? got : "(nothing)");
	}
}

/*
 * Dictionary entries and records
 * ==============================
 */

static struct aggmon_agg_info mkinfo(__u64 id, __u32 func, __s64 low,
				     __s64 high, __u64 step, __u32 factor,
				     __u32 nkeys, const __u32 *keys)
{
	struct aggmon_agg_info info;
	__u32 i;

	memset(&info, 0, sizeof(info));
	info.id = id;
	snprintf(info.name, sizeof(info.name), "test.agg%llu",
		 (unsigned long long)id);
	info.func = func;
	info.source = AGGMON_AGG_SRC_GAUGE_DELTA;
	info.low = low;
	info.high = high;
	info.step = step;
	info.factor = factor;
	info.nkeys = nkeys;
	for (i = 0; i < nkeys; i++) {
		info.keys[i] = keys[i];
		info.key_slots += aggmon_key_field_slots(keys[i]);
	}
	info.value_slots = aggmon_agg_value_slots(&info);
	info.record_size = sizeof(struct aggmon_agg_record) +
			   8 * (info.key_slots + info.value_slots);
	info.nr_cpus = 4;
	return info;
}

static struct aggmon_agg_info simple(__u64 id, __u32 func, __u32 nkeys,
				     const __u32 *keys)
{
	return mkinfo(id, func, 0, 0, 0, 0, nkeys, keys);
}

/* A buffer of snapshot records, as AGGMON_AGG_SNAPSHOT writes them. */
struct recs {
	char *buf;
	size_t n, bytes;
};

/* A new zeroed record of @info: its value slots, to fill in. */
static __u64 *rec_add(struct recs *r, const struct aggmon_agg_info *info,
		      __u32 cpu, const __u64 *key)
{
	struct aggmon_agg_record *rec;

	r->buf = realloc(r->buf, r->bytes + info->record_size);
	if (!r->buf)
		abort();
	rec = (void *)(r->buf + r->bytes);
	memset(rec, 0, info->record_size);
	rec->agg_id = info->id;
	rec->cpu = cpu;
	if (info->key_slots)
		memcpy(rec->data, key, info->key_slots * 8);
	r->bytes += info->record_size;
	r->n++;
	return rec->data + info->key_slots;
}

/* A record of @info on @cpu that folded @n values. */
static void rec_fold(struct recs *r, const struct aggmon_agg_info *info,
		     __u32 cpu, const __u64 *key, const __s64 *v, size_t n)
{
	__u64 *slots = rec_add(r, info, cpu, key);
	size_t i;

	for (i = 0; i < n; i++)
		aggmon_agg_fold(info, slots, v[i]);
}

static void recs_free(struct recs *r)
{
	free(r->buf);
	memset(r, 0, sizeof(*r));
}

/* A dictionary and table holding @n entries. */
struct tab {
	struct aggmon_dict *dict;
	struct aggmon_table *table;
};

static void tab_new(struct tab *t, const struct aggmon_agg_info *infos,
		    size_t n)
{
	size_t i;

	if (aggmon_dict_new(&t->dict) || aggmon_table_new(t->dict, &t->table))
		abort();
	for (i = 0; i < n; i++)
		if (aggmon_dict_add(t->dict, &infos[i]))
			abort();
}

static void tab_free(struct tab *t)
{
	aggmon_table_free(t->table);
	aggmon_dict_free(t->dict);
}

/* The entry of @info without key (or with @key) after merging @r. */
static const struct aggmon_entry *merged(struct tab *t,
					 const struct aggmon_agg_info *info,
					 struct recs *r, const __u64 *key)
{
	static const __u64 none[1];

	if (aggmon_table_merge(t->table, r->buf, r->n))
		return NULL;
	return aggmon_table_find(t->table, info->id, key ? key : none);
}

/* Output written to a memory stream, for golden text. */
struct capture {
	FILE *f;
	char *buf;
	size_t len;
};

static FILE *capture_start(struct capture *c)
{
	c->buf = NULL;
	c->f = open_memstream(&c->buf, &c->len);
	if (!c->f)
		abort();
	return c->f;
}

static char *capture_end(struct capture *c)
{
	fclose(c->f);
	return c->buf;
}

/*
 * Buckets
 * =======
 */

struct bucket_case {
	__s64 value;
	int slot;
};

static bool buckets_are(const struct aggmon_agg_info *info,
			const struct bucket_case *c, size_t n)
{
	bool ok = true;
	size_t i;
	int got;

	for (i = 0; i < n; i++) {
		got = aggmon_agg_bucket(info, c[i].value);
		if (got != c[i].slot) {
			printf("# value %lld: bucket %d, want %d\n",
			       (long long)c[i].value, got, c[i].slot);
			ok = false;
		}
	}
	return ok;
}

struct label_case {
	__u32 slot;
	const char *label;
};

static bool labels_are(const struct aggmon_agg_info *info,
		       const struct label_case *c, size_t n)
{
	char buf[32];
	bool ok = true;
	size_t i;

	for (i = 0; i < n; i++) {
		aggmon_agg_bucket_format(info, c[i].slot, buf, sizeof(buf));
		if (strcmp(buf, c[i].label)) {
			printf("# slot %u: label '%s', want '%s'\n",
			       c[i].slot, buf, c[i].label);
			ok = false;
		}
	}
	return ok;
}

/*
 * Every bucket's range is the values that go to it: they tile the 64-bit
 * values from INT64_MIN to INT64_MAX in slot order, and the label is the
 * lower bound for linear and log-linear buckets.
 */
static bool ranges_tile(const struct aggmon_agg_info *info)
{
	__s64 min, max, prev_max = 0, label;
	__u32 slot;
	int kind;

	for (slot = 0; slot < info->value_slots; slot++) {
		kind = aggmon_agg_bucket_range(info, slot, &min, &max);
		aggmon_agg_bucket_label(info, slot, &label);
		if (kind < 0 || min > max ||
		    aggmon_agg_bucket(info, min) != (int)slot ||
		    aggmon_agg_bucket(info, max) != (int)slot ||
		    (slot == 0 && min != INT64_MIN) ||
		    (slot > 0 && min != prev_max + 1) ||
		    (slot > 0 && info->func != AGGMON_AGG_QUANTIZE &&
		     label != min)) {
			printf("# slot %u: [%lld, %lld] kind %d\n", slot,
			       (long long)min, (long long)max, kind);
			return false;
		}
		prev_max = max;
	}
	return prev_max == INT64_MAX &&
	       aggmon_agg_bucket_range(info, slot, &min, &max) == -EINVAL;
}

static void test_quantize_buckets(void)
{
	static const struct bucket_case cases[] = {
		{ 0, 63 }, { 1, 64 }, { 2, 65 }, { 3, 65 }, { 4, 66 },
		{ 7, 66 }, { 8, 67 }, { -1, 62 }, { -2, 61 }, { -3, 61 },
		{ -4, 60 }, { P62 - 1, 125 }, { P62, 126 },
		{ INT64_MAX, 126 }, { -P62 + 1, 1 }, { -P62, 0 },
		{ INT64_MIN, 0 },
	};
	static const struct label_case labels[] = {
		{ 63, "0" }, { 64, "1" }, { 65, "2" }, { 66, "4" },
		{ 126, "4611686018427387904" }, { 62, "-1" }, { 61, "-2" },
		{ 60, "-4" }, { 0, "-4611686018427387904" },
	};
	struct aggmon_agg_info q = simple(1, AGGMON_AGG_QUANTIZE, 0, NULL);
	__s64 min, max;

	check(q.value_slots == 127 && !aggmon_agg_check(&q),
	      "quantize: 127 value slots");
	check(buckets_are(&q, cases, ARRAY_SIZE(cases)),
	      "quantize: values go to DTrace's power-of-two buckets");
	check(labels_are(&q, labels, ARRAY_SIZE(labels)),
	      "quantize: labels are the bound nearest to 0");
	check(aggmon_agg_bucket_range(&q, 61, &min, &max) ==
	      AGGMON_BUCKET_VALUE && min == -3 && max == -2,
	      "quantize: slot 61 holds -3 to -2");
	check(ranges_tile(&q), "quantize: bucket ranges tile the 64-bit values");
}

static void test_lquantize_buckets(void)
{
	static const struct bucket_case c100[] = {
		{ -1, 0 }, { INT64_MIN, 0 }, { 0, 1 }, { 9, 1 }, { 10, 2 },
		{ 99, 10 }, { 100, 11 }, { INT64_MAX, 11 },
	};
	static const struct label_case l100[] = {
		{ 0, "< 0" }, { 1, "0" }, { 2, "10" }, { 10, "90" },
		{ 11, ">= 100" },
	};
	static const struct bucket_case c25[] = {
		{ 19, 2 }, { 20, 3 }, { 24, 3 }, { 25, 3 },
	};
	static const struct label_case lneg[] = {
		{ 0, "< -10" }, { 1, "-10" }, { 2, "-5" }, { 3, "0" },
		{ 4, "5" }, { 5, ">= 10" },
	};
	static const struct bucket_case cneg[] = {
		{ -11, 0 }, { -10, 1 }, { -6, 1 }, { -5, 2 }, { 9, 4 },
		{ 10, 5 },
	};
	struct aggmon_agg_info a = mkinfo(1, AGGMON_AGG_LQUANTIZE, 0, 100, 10,
					  0, 0, NULL);
	struct aggmon_agg_info b = mkinfo(1, AGGMON_AGG_LQUANTIZE, 0, 25, 10,
					  0, 0, NULL);
	struct aggmon_agg_info c = mkinfo(1, AGGMON_AGG_LQUANTIZE, -10, 10, 5,
					  0, 0, NULL);
	struct aggmon_agg_info bad = mkinfo(1, AGGMON_AGG_LQUANTIZE, 0, 100, 0,
					    0, 0, NULL);
	char buf[32];

	check(a.value_slots == 12 && buckets_are(&a, c100, ARRAY_SIZE(c100)),
	      "lquantize(0, 100, 10): 12 slots, values in their buckets");
	check(labels_are(&a, l100, ARRAY_SIZE(l100)),
	      "lquantize(0, 100, 10): labels '< 0', '0', ..., '>= 100'");
	aggmon_agg_bucket_format(&b, 3, buf, sizeof(buf));
	check(b.value_slots == 4 && buckets_are(&b, c25, ARRAY_SIZE(c25)) &&
	      !strcmp(buf, ">= 20"),
	      "lquantize(0, 25, 10): the overflow bucket starts at 20");
	check(c.value_slots == 6 && buckets_are(&c, cneg, ARRAY_SIZE(cneg)) &&
	      labels_are(&c, lneg, ARRAY_SIZE(lneg)),
	      "lquantize(-10, 10, 5): negative bounds");
	check(ranges_tile(&a) && ranges_tile(&b) && ranges_tile(&c),
	      "lquantize: bucket ranges tile the 64-bit values");
	check(aggmon_agg_value_slots(&bad) == -EINVAL,
	      "lquantize: step 0 is invalid");
}

static void test_llquantize_buckets(void)
{
	static const struct bucket_case c10[] = {
		{ 0, 0 }, { -5, 0 }, { INT64_MIN, 0 }, { 1, 1 }, { 9, 9 },
		{ 10, 10 }, { 19, 10 }, { 20, 11 }, { 99, 18 }, { 100, 19 },
		{ 199, 19 }, { 999, 27 }, { 1000, 28 }, { INT64_MAX, 28 },
	};
	static const struct label_case l10[] = {
		{ 0, "< 1" }, { 1, "1" }, { 9, "9" }, { 10, "10" },
		{ 18, "90" }, { 19, "100" }, { 27, "900" }, { 28, ">= 1000" },
	};
	static const struct bucket_case c2[] = {
		{ 0, 0 }, { 1, 1 }, { 2, 2 }, { 3, 3 }, { 5, 4 }, { 6, 5 },
		{ 12, 7 }, { 31, 9 }, { 32, 10 },
	};
	static const struct label_case l2[] = {
		{ 4, "4" }, { 5, "6" }, { 7, "12" }, { 9, "24" },
		{ 10, ">= 32" },
	};
	static const struct bucket_case ctop[] = {
		{ 899999999999999999LL, 161 }, { 900000000000000000LL, 162 },
		{ 999999999999999999LL, 162 }, { 1000000000000000000LL, 162 },
		{ INT64_MAX, 162 },
	};
	struct aggmon_agg_info a = mkinfo(1, AGGMON_AGG_LLQUANTIZE, 0, 2, 10,
					  10, 0, NULL);
	struct aggmon_agg_info b = mkinfo(1, AGGMON_AGG_LLQUANTIZE, 0, 4, 4,
					  2, 0, NULL);
	struct aggmon_agg_info top = mkinfo(1, AGGMON_AGG_LLQUANTIZE, 0, 20, 10,
					    10, 0, NULL);
	struct aggmon_agg_info more[] = {
		mkinfo(1, AGGMON_AGG_LLQUANTIZE, 0, 70, 4, 2, 0, NULL),
		mkinfo(1, AGGMON_AGG_LLQUANTIZE, 1, 30, 49, 7, 0, NULL),
		mkinfo(1, AGGMON_AGG_LLQUANTIZE, 3, 20, 100, 10, 0, NULL),
		mkinfo(1, AGGMON_AGG_LLQUANTIZE, 0, 2, 2, 2, 0, NULL),
	};
	__s64 min, max;
	bool ok;
	size_t i;

	check(a.value_slots == 29 && buckets_are(&a, c10, ARRAY_SIZE(c10)),
	      "llquantize(10, 0, 2, 10): 29 slots, values in their buckets");
	check(labels_are(&a, l10, ARRAY_SIZE(l10)),
	      "llquantize(10, 0, 2, 10): labels '< 1', 1..9, 10..90, 100..900, '>= 1000'");
	check(b.value_slots == 11 && buckets_are(&b, c2, ARRAY_SIZE(c2)) &&
	      labels_are(&b, l2, ARRAY_SIZE(l2)),
	      "llquantize(2, 0, 4, 4): widths 1, 1, 2, 4, 8 as DTrace's");
	ok = top.value_slots == 163 &&
	     buckets_are(&top, ctop, ARRAY_SIZE(ctop)) &&
	     aggmon_agg_bucket_range(&top, 162, &min, &max) ==
	     AGGMON_BUCKET_VALUE && min == 900000000000000000LL &&
	     max == INT64_MAX;
	check(ok, "llquantize(10, 0, 20, 10): the top bucket of order 17 takes all above");
	ok = ranges_tile(&a) && ranges_tile(&b) && ranges_tile(&top);
	for (i = 0; i < ARRAY_SIZE(more); i++)
		ok = ok && !aggmon_agg_check(&more[i]) && ranges_tile(&more[i]);
	check(ok, "llquantize: bucket ranges tile the 64-bit values (7 parameter sets)");
}

static void test_check(void)
{
	static const __u32 keys[] = { AGGMON_KEY_COMM, AGGMON_KEY_PID };
	static const __u32 bad_key[] = { 99 };
	struct aggmon_agg_info i = simple(1, AGGMON_AGG_SUM, 2, keys);
	struct aggmon_agg_info t;
	struct { __u32 f; __s64 lo, hi; __u64 st; __u32 fa; } bad[] = {
		{ AGGMON_AGG_LLQUANTIZE, 0, 2, 15, 10 },   /* step % factor */
		{ AGGMON_AGG_LLQUANTIZE, 2, 2, 10, 10 },   /* low >= high */
		{ AGGMON_AGG_LLQUANTIZE, 0, 2, 10, 1 },    /* factor < 2 */
		{ AGGMON_AGG_LLQUANTIZE, 18, 20, 10, 10 }, /* 10^19 */
		{ AGGMON_AGG_LLQUANTIZE, 0, 2, 6, 3 },     /* 6 does not divide 9 */
		{ AGGMON_AGG_LQUANTIZE, 0, 100, 10, 2 },   /* factor */
		{ AGGMON_AGG_LQUANTIZE, 0, 100000, 1, 0 }, /* too many levels */
		{ AGGMON_AGG_COUNT, 0, 0, 1, 0 },          /* parameters */
	};
	bool ok = true;
	size_t k;

	check(!aggmon_agg_check(&i) && i.key_slots == 3 &&
	      i.record_size == 16 + 8 * 4,
	      "check: sum keyed by comm and pid takes 3 key slots, 48-byte records");
	for (k = 0; k < ARRAY_SIZE(bad); k++) {
		t = mkinfo(1, bad[k].f, bad[k].lo, bad[k].hi, bad[k].st,
			   bad[k].fa, 0, NULL);
		if (aggmon_agg_value_slots(&t) != -EINVAL) {
			printf("# bad parameters %zu accepted\n", k);
			ok = false;
		}
	}
	check(ok, "check: invalid parameters of DTrace's functions are -EINVAL");
	t = i;
	t.value_slots = 2;
	ok = aggmon_agg_check(&t) == -EINVAL;
	t = i;
	t.record_size += 8;
	ok = ok && aggmon_agg_check(&t) == -EINVAL;
	t = i;
	t.key_slots = 2;
	check(ok && aggmon_agg_check(&t) == -EINVAL,
	      "check: slots or record size that do not follow are -EINVAL");
	t = i;
	t.func = 99;
	ok = aggmon_agg_check(&t) == -EOPNOTSUPP;
	t = simple(1, AGGMON_AGG_COUNT, 1, bad_key);
	check(ok && aggmon_agg_check(&t) == -EOPNOTSUPP,
	      "check: an unknown function or key field is -EOPNOTSUPP");
	check(!strcmp(aggmon_agg_func_name(AGGMON_AGG_LLQUANTIZE), "llquantize") &&
	      !aggmon_agg_func_name(0) && !aggmon_agg_func_name(10) &&
	      !strcmp(aggmon_key_field_name(AGGMON_KEY_CGROUP), "cgroup") &&
	      !aggmon_key_field_name(9) &&
	      !strcmp(aggmon_agg_source_name(AGGMON_AGG_SRC_KERNEL), "kernel") &&
	      aggmon_key_field_slots(AGGMON_KEY_COMM) == 2 &&
	      aggmon_key_field_slots(AGGMON_KEY_ARG) == 1 &&
	      !aggmon_key_field_slots(0),
	      "names of functions, sources and key fields");
	check(!strcmp(aggmon_gauge_kind_name(AGGMON_GAUGE_USER), "user") &&
	      !aggmon_gauge_kind_name(2) &&
	      !strcmp(aggmon_stat_kind_name(AGGMON_STAT_LEAKY_BUCKET), "bucket") &&
	      !aggmon_stat_kind_name(5) &&
	      !strcmp(aggmon_threshold_kind_name(AGGMON_THRESHOLD_BELOW_CANCEL),
		      "below-cancel") &&
	      !aggmon_threshold_kind_name(4) &&
	      !aggmon_event_type_name(0) &&
	      !strcmp(aggmon_event_type_name(AGGMON_EVENT_FIRED), "fired") &&
	      !strcmp(aggmon_event_type_name(AGGMON_EVENT_GONE), "gone") &&
	      !aggmon_event_type_name(5),
	      "names of gauge kinds, statistic and threshold kinds, event types");
}

/*
 * Merge math
 * ==========
 */

static void test_count_sum(void)
{
	struct aggmon_agg_info c = simple(1, AGGMON_AGG_COUNT, 0, NULL);
	struct aggmon_agg_info s = simple(2, AGGMON_AGG_SUM, 0, NULL);
	struct aggmon_agg_info infos[] = { c, s };
	const struct aggmon_entry *e;
	struct recs r = { 0 };
	struct tab t;
	__u64 n = 0;
	__s64 sum = 0;
	char buf[48];

	tab_new(&t, infos, 2);
	rec_add(&r, &c, 0, NULL)[0] = 3;
	rec_add(&r, &c, 1, NULL)[0] = 4;
	e = merged(&t, &c, &r, NULL);
	check(e && !aggmon_entry_count(e, &n) && n == 7 &&
	      aggmon_entry_records(e) == 2 && aggmon_entry_sum(e, &sum) == -EINVAL,
	      "count: 3 + 4 from two CPUs is 7");
	recs_free(&r);
	rec_add(&r, &s, 0, NULL)[0] = INT64_MAX;
	rec_add(&r, &s, 3, NULL)[0] = 1;
	e = merged(&t, &s, &r, NULL);
	check(e && !aggmon_entry_sum(e, &sum) && sum == INT64_MIN &&
	      aggmon_entry_sum_format(e, buf, sizeof(buf)) == 20 &&
	      !strcmp(buf, "-9223372036854775808") &&
	      aggmon_entry_count(e, &n) == -EINVAL,
	      "sum: INT64_MAX + 1 wraps modulo 2^64, as the kernel's sum");
	recs_free(&r);
	rec_add(&r, &s, 1, NULL)[0] = (__u64)-5LL;
	rec_add(&r, &s, 2, NULL)[0] = (__u64)-7LL;
	aggmon_table_clear(t.table);
	e = merged(&t, &s, &r, NULL);
	check(e && !aggmon_entry_sum(e, &sum) && sum == -12,
	      "sum: -5 + -7 is -12");
	recs_free(&r);
	tab_free(&t);
}

/* A min or max record: n values, the extreme @v (meaningless when n = 0). */
static void rec_minmax(struct recs *r, const struct aggmon_agg_info *info,
		       __u32 cpu, __u64 n, __s64 v)
{
	__u64 *slots = rec_add(r, info, cpu, NULL);

	slots[0] = n;
	slots[1] = (__u64)v;
}

static void test_min_max(void)
{
	struct aggmon_agg_info mi = simple(1, AGGMON_AGG_MIN, 0, NULL);
	struct aggmon_agg_info ma = simple(2, AGGMON_AGG_MAX, 0, NULL);
	struct aggmon_agg_info infos[] = { mi, ma };
	const struct aggmon_entry *e;
	struct recs r = { 0 };
	struct tab t;
	__s64 v = 0;
	__u64 n = 0;

	tab_new(&t, infos, 2);
	rec_minmax(&r, &mi, 0, 0, -999);
	rec_minmax(&r, &mi, 1, 2, 5);
	rec_minmax(&r, &mi, 2, 1, 7);
	e = merged(&t, &mi, &r, NULL);
	check(e && !aggmon_entry_min(e, &v) && v == 5 &&
	      !aggmon_entry_count(e, &n) && n == 3,
	      "min: a data set with n = 0 has no value: min(5, 7) of 3 values");
	recs_free(&r);
	aggmon_table_clear(t.table);
	rec_minmax(&r, &mi, 0, 2, 5);
	rec_minmax(&r, &mi, 1, 0, -999);
	e = merged(&t, &mi, &r, NULL);
	check(e && !aggmon_entry_min(e, &v) && v == 5,
	      "min: a data set with n = 0 merged after one with a value");
	recs_free(&r);
	aggmon_table_clear(t.table);
	rec_minmax(&r, &mi, 0, 0, 3);
	rec_minmax(&r, &mi, 1, 0, 4);
	e = merged(&t, &mi, &r, NULL);
	check(e && aggmon_entry_min(e, &v) == -ENODATA &&
	      !aggmon_entry_count(e, &n) && n == 0,
	      "min: no value at all is -ENODATA");
	recs_free(&r);
	rec_minmax(&r, &ma, 0, 0, 1000);
	rec_minmax(&r, &ma, 1, 1, -5);
	rec_minmax(&r, &ma, 2, 2, -3);
	e = merged(&t, &ma, &r, NULL);
	check(e && !aggmon_entry_max(e, &v) && v == -3 &&
	      !aggmon_entry_count(e, &n) && n == 3 &&
	      aggmon_entry_min(e, &v) == -EINVAL,
	      "max: max(-5, -3) of 3 values, a data set with n = 0 ignored");
	recs_free(&r);
	tab_free(&t);
}

static void test_avg(void)
{
	long double avg = 0;
	struct aggmon_agg_info a = simple(1, AGGMON_AGG_AVG, 0, NULL);
	static const __s64 max1[] = { INT64_MAX }, min1[] = { INT64_MIN };
	static const __s64 neg[] = { -1, -2 };
	const struct aggmon_entry *e;
	struct recs r = { 0 };
	struct tab t;
	__s64 v = 0;
	__u64 n = 0;
	char buf[48];

	tab_new(&t, &a, 1);
	rec_fold(&r, &a, 0, NULL, max1, 1);
	rec_fold(&r, &a, 1, NULL, max1, 1);
	e = merged(&t, &a, &r, NULL);
	check(e && aggmon_entry_sum(e, &v) == -ERANGE &&
	      aggmon_entry_sum_format(e, buf, sizeof(buf)) > 0 &&
	      !strcmp(buf, "18446744073709551614") &&
	      !aggmon_entry_count(e, &n) && n == 2,
	      "avg: INT64_MAX twice sums to 2^64 - 2 in 128 bits");
	check(e && !aggmon_entry_avg_int(e, &v) && v == INT64_MAX &&
	      !aggmon_entry_avg(e, &avg) && avg == 9223372036854775807.0L,
	      "avg: of INT64_MAX twice is INT64_MAX, exactly");
	recs_free(&r);
	aggmon_table_clear(t.table);
	rec_fold(&r, &a, 2, NULL, min1, 1);
	rec_fold(&r, &a, 3, NULL, min1, 1);
	e = merged(&t, &a, &r, NULL);
	check(e && aggmon_entry_sum_format(e, buf, sizeof(buf)) > 0 &&
	      !strcmp(buf, "-18446744073709551616") &&
	      !aggmon_entry_avg_int(e, &v) && v == INT64_MIN,
	      "avg: INT64_MIN twice sums to -2^64, averages to INT64_MIN");
	recs_free(&r);
	aggmon_table_clear(t.table);
	rec_fold(&r, &a, 0, NULL, neg, 2);
	e = merged(&t, &a, &r, NULL);
	check(e && !aggmon_entry_avg_int(e, &v) && v == -1 &&
	      !aggmon_entry_avg(e, &avg) && avg == -1.5L &&
	      !aggmon_entry_sum(e, &v) && v == -3,
	      "avg: of -1 and -2 is -1.5, -1 rounded toward 0 as DTrace prints");
	recs_free(&r);
	aggmon_table_clear(t.table);
	rec_add(&r, &a, 0, NULL);
	e = merged(&t, &a, &r, NULL);
	v = 42;
	check(e && aggmon_entry_avg_int(e, &v) == -ENODATA && v == 0 &&
	      aggmon_entry_avg(e, &avg) == -ENODATA,
	      "avg: n = 0 has no average (DTrace prints 0)");
	recs_free(&r);
	tab_free(&t);
}

/* The stddev entry of @info after merging @v spread over 4 CPUs. */
static const struct aggmon_entry *stddev_of(struct tab *t,
					    const struct aggmon_agg_info *info,
					    const __s64 *v, size_t n)
{
	const struct aggmon_entry *e;
	struct recs r = { 0 };
	size_t i;

	for (i = 0; i < n; i++)
		rec_fold(&r, info, i % 4, NULL, &v[i], 1);
	aggmon_table_clear(t->table);
	e = merged(t, info, &r, NULL);
	recs_free(&r);
	return e;
}

static void test_stddev(void)
{
	long double avg = 0;
	struct aggmon_agg_info sd = simple(1, AGGMON_AGG_STDDEV, 0, NULL);
	static const __s64 classic[] = { 2, 4, 4, 4, 5, 5, 7, 9 };
	static const __s64 half[] = { 1, 2 };
	static const __s64 near[] = { 1000000, 1000003 };
	static const __s64 ends[] = { INT64_MAX, INT64_MIN };
	static const __s64 same[] = { INT64_MAX, INT64_MAX, INT64_MAX };
	const struct aggmon_entry *e;
	struct recs r = { 0 };
	__s64 many[1000];
	double d = -1;
	__u64 u = 1, *slots;
	struct tab t;
	size_t i;

	tab_new(&t, &sd, 1);
	e = stddev_of(&t, &sd, classic, ARRAY_SIZE(classic));
	check(e && !aggmon_entry_stddev_int(e, &u) && u == 2 &&
	      !aggmon_entry_stddev(e, &d) && d == 2.0 &&
	      !aggmon_entry_avg(e, &avg) && avg == 5.0L,
	      "stddev: of 2 4 4 4 5 5 7 9 over 4 CPUs is 2, mean 5");
	e = stddev_of(&t, &sd, half, ARRAY_SIZE(half));
	check(e && !aggmon_entry_stddev_int(e, &u) && u == 0 &&
	      !aggmon_entry_stddev(e, &d) && d == 0.5,
	      "stddev: of 1 and 2 is 0.5, 0 rounded down (DTrace prints 1)");
	e = stddev_of(&t, &sd, near, ARRAY_SIZE(near));
	check(e && !aggmon_entry_stddev_int(e, &u) && u == 1 &&
	      !aggmon_entry_stddev(e, &d) && d == 1.5,
	      "stddev: of 1000000 and 1000003 is 1.5, 1 rounded down (DTrace prints 1000)");
	e = stddev_of(&t, &sd, ends, ARRAY_SIZE(ends));
	check(e && !aggmon_entry_stddev_int(e, &u) &&
	      u == 9223372036854775807ULL &&
	      !aggmon_entry_stddev(e, &d) && d == 9223372036854775808.0,
	      "stddev: of INT64_MAX and INT64_MIN is 2^63 - 1/2, from a 256-bit radicand");
	e = stddev_of(&t, &sd, same, ARRAY_SIZE(same));
	check(e && !aggmon_entry_stddev_int(e, &u) && u == 0 &&
	      !aggmon_entry_stddev(e, &d) && d == 0.0,
	      "stddev: of INT64_MAX three times is exactly 0");
	for (i = 0; i < ARRAY_SIZE(many); i++)
		many[i] = i;
	e = stddev_of(&t, &sd, many, ARRAY_SIZE(many));
	check(e && !aggmon_entry_stddev_int(e, &u) && u == 288 &&
	      !aggmon_entry_stddev(e, &d) && d > 288.674990257209 &&
	      d < 288.674990257210,
	      "stddev: of 0..999 is sqrt(999999 / 12) = 288.67499025720...");
	/* 2^32 values of +-2^62, half each: sum 0, sum of squares 2^156. */
	aggmon_table_clear(t.table);
	slots = rec_add(&r, &sd, 0, NULL);
	slots[0] = 1ULL << 32;
	slots[5] = 1ULL << 28;
	e = merged(&t, &sd, &r, NULL);
	check(e && !aggmon_entry_stddev_int(e, &u) && u == (1ULL << 62) &&
	      !aggmon_entry_stddev(e, &d) && d == 4611686018427387904.0,
	      "stddev: 2^32 values of +-2^62 (192-bit sum of squares) is 2^62");
	/* The same values all positive: sum 2^94, stddev 0. */
	slots[2] = 1ULL << 30;
	aggmon_table_clear(t.table);
	e = merged(&t, &sd, &r, NULL);
	check(e && !aggmon_entry_stddev_int(e, &u) && u == 0 &&
	      !aggmon_entry_stddev(e, &d) && d == 0.0 &&
	      !aggmon_entry_avg_int(e, &many[0]) && many[0] == P62,
	      "stddev: 2^32 values of 2^62 (128-bit sum 2^94) is 0, mean 2^62");
	recs_free(&r);
	tab_free(&t);
}

static void test_dist_merge(void)
{
	struct aggmon_agg_info q = simple(1, AGGMON_AGG_QUANTIZE, 0, NULL);
	struct aggmon_agg_info l = mkinfo(2, AGGMON_AGG_LQUANTIZE, 0, 100, 10,
					  0, 0, NULL);
	struct aggmon_agg_info ll = mkinfo(3, AGGMON_AGG_LLQUANTIZE, 0, 2, 10,
					   10, 0, NULL);
	struct aggmon_agg_info infos[] = { q, l, ll };
	static const __s64 a[] = { 1, 2, 3 }, b[] = { 3, 100 };
	static const __s64 la[] = { -5, 15 }, lb[] = { 15, 250 };
	static const __s64 lla[] = { 3, 1000 }, llb[] = { 3, 0 };
	const struct aggmon_entry *e;
	const __u64 *bk = NULL;
	struct recs r = { 0 };
	__u32 nb = 0;
	__u64 n = 0;
	struct tab t;

	tab_new(&t, infos, 3);
	rec_fold(&r, &q, 0, NULL, a, 3);
	rec_fold(&r, &q, 1, NULL, b, 2);
	e = merged(&t, &q, &r, NULL);
	check(e && !aggmon_entry_buckets(e, &bk, &nb) && nb == 127 &&
	      bk[64] == 1 && bk[65] == 3 && bk[70] == 1 &&
	      !aggmon_entry_count(e, &n) && n == 5,
	      "quantize: buckets add: {1, 2, 3} + {3, 100}");
	recs_free(&r);
	rec_fold(&r, &l, 0, NULL, la, 2);
	rec_fold(&r, &l, 2, NULL, lb, 2);
	e = merged(&t, &l, &r, NULL);
	check(e && !aggmon_entry_buckets(e, &bk, &nb) && nb == 12 &&
	      bk[0] == 1 && bk[2] == 2 && bk[11] == 1 &&
	      !aggmon_entry_count(e, &n) && n == 4,
	      "lquantize: buckets add: {-5, 15} + {15, 250}");
	recs_free(&r);
	rec_fold(&r, &ll, 1, NULL, lla, 2);
	rec_fold(&r, &ll, 3, NULL, llb, 2);
	e = merged(&t, &ll, &r, NULL);
	check(e && !aggmon_entry_buckets(e, &bk, &nb) && nb == 29 &&
	      bk[0] == 1 && bk[3] == 2 && bk[28] == 1 &&
	      aggmon_entry_min(e, (__s64 *)&n) == -EINVAL,
	      "llquantize: buckets add: {3, 1000} + {3, 0}");
	recs_free(&r);
	tab_free(&t);
}

static void comm_key(__u64 *key, const char *comm, __u64 pid)
{
	memset(key, 0, 16);
	memcpy(key, comm, strnlen(comm, 16));
	key[2] = pid;
}

static void test_keys(void)
{
	static const __u32 keys[] = { AGGMON_KEY_COMM, AGGMON_KEY_PID };
	struct aggmon_agg_info s = simple(7, AGGMON_AGG_SUM, 2, keys);
	struct aggmon_agg_info c = simple(8, AGGMON_AGG_COUNT, 0, NULL);
	struct aggmon_agg_info infos[] = { s, c };
	const struct aggmon_entry *e;
	struct recs r = { 0 };
	__u64 k[3], n;
	__s64 v = 0;
	char buf[24];
	struct tab t;
	size_t before;

	tab_new(&t, infos, 2);
	comm_key(k, "sshd", 1);
	rec_add(&r, &s, 0, k)[0] = 10;
	rec_add(&r, &c, 0, NULL)[0] = 2;
	rec_add(&r, &s, 1, k)[0] = 5;
	comm_key(k, "bash", 1);
	rec_add(&r, &s, 0, k)[0] = 1;
	comm_key(k, "sshd", 2);
	rec_add(&r, &s, 2, k)[0] = 7;
	rec_add(&r, &c, 3, NULL)[0] = 3;
	check(!aggmon_table_merge(t.table, r.buf, r.n) &&
	      aggmon_table_size(t.table) == 4,
	      "table: records of two aggregations of different sizes in one buffer");
	comm_key(k, "sshd", 1);
	e = aggmon_table_find(t.table, 7, k);
	check(e && !aggmon_entry_sum(e, &v) && v == 15 &&
	      aggmon_entry_agg_id(e) == 7 && aggmon_entry_info(e)->id == 7 &&
	      !memcmp(aggmon_entry_key(e), k, sizeof(k)),
	      "table: (sshd, 1) merged over CPUs 0 and 1: 15");
	e = aggmon_table_find(t.table, 8, k);
	check(e && !aggmon_entry_count(e, &n) && n == 5 &&
	      !aggmon_table_find(t.table, 9, k),
	      "table: the count of the other aggregation: 2 + 3");
	comm_key(k, "sshd", 2);
	e = aggmon_table_find(t.table, 7, k);
	check(e && aggmon_entry_key_format(e, 0, buf, sizeof(buf)) == 4 &&
	      !strcmp(buf, "sshd") &&
	      aggmon_entry_key_format(e, 1, buf, sizeof(buf)) == 1 &&
	      !strcmp(buf, "2") &&
	      aggmon_entry_key_format(e, 2, buf, sizeof(buf)) == -EINVAL &&
	      aggmon_entry_key_format(e, 0, buf, 4) == -ENOSPC,
	      "table: key fields formatted: comm as a string, pid in decimal");
	before = aggmon_table_size(t.table);
	check(!aggmon_table_merge(t.table, r.buf, r.n) &&
	      aggmon_table_size(t.table) == before &&
	      (e = aggmon_table_find(t.table, 7, k)) &&
	      !aggmon_entry_sum(e, &v) && v == 14 &&
	      aggmon_entry_records(e) == 2,
	      "table: a second snapshot merges into the same entries");
	recs_free(&r);
	r.buf = NULL;
	c.id = 99;
	rec_add(&r, &s, 0, k)[0] = 1;
	rec_add(&r, &c, 0, NULL)[0] = 1;
	check(aggmon_table_merge(t.table, r.buf, r.n) == -ENOENT &&
	      aggmon_entry_sum(aggmon_table_find(t.table, 7, k), &v) == 0 &&
	      v == 14,
	      "table: a record of an unknown aggregation: -ENOENT, nothing merged");
	aggmon_table_clear(t.table);
	check(aggmon_table_size(t.table) == 0 &&
	      !aggmon_table_find(t.table, 7, k),
	      "table: clear empties it");
	recs_free(&r);
	tab_free(&t);
}

static void test_growth(void)
{
	static const __u32 keys[] = { AGGMON_KEY_ARG };
	struct aggmon_agg_info c = simple(5, AGGMON_AGG_COUNT, 1, keys);
	const struct aggmon_entry *e;
	struct recs r = { 0 };
	struct tab t;
	__u64 k, n;
	bool ok = true;

	tab_new(&t, &c, 1);
	for (k = 0; k < 5000; k++) {
		rec_add(&r, &c, 0, &k)[0] = 1;
		rec_add(&r, &c, 1, &k)[0] = k;
	}
	ok = !aggmon_table_merge(t.table, r.buf, r.n) &&
	     aggmon_table_size(t.table) == 5000;
	for (k = 0; k < 5000 && ok; k++) {
		e = aggmon_table_find(t.table, 5, &k);
		ok = e && !aggmon_entry_count(e, &n) && n == k + 1;
	}
	check(ok, "table: 5000 keys from 2 CPUs, each merged right as the table grows");
	recs_free(&r);
	tab_free(&t);
}

static void test_dict(void)
{
	struct aggmon_agg_info c = simple(5, AGGMON_AGG_COUNT, 0, NULL);
	struct aggmon_agg_info s = simple(5, AGGMON_AGG_SUM, 0, NULL);
	struct aggmon_agg_info bad = c;
	const struct aggmon_agg_info *p = NULL;
	struct aggmon_dict *d;

	bad.id = 6;
	bad.value_slots = 2;
	if (aggmon_dict_new(&d))
		abort();
	check(!aggmon_dict_add(d, &c) && (p = aggmon_dict_find(d, 5)) &&
	      p->func == AGGMON_AGG_COUNT && !aggmon_dict_find(d, 6),
	      "dict: add and find");
	snprintf(c.name, sizeof(c.name), "renamed");
	c.state = AGGMON_AGG_GONE;
	check(!aggmon_dict_add(d, &c) && aggmon_dict_find(d, 5) == p &&
	      !strcmp(p->name, "renamed") && p->state == AGGMON_AGG_GONE,
	      "dict: the same id and layout is updated in place");
	check(aggmon_dict_add(d, &s) == -EEXIST &&
	      aggmon_dict_find(d, 5)->func == AGGMON_AGG_COUNT,
	      "dict: the same id with another layout is -EEXIST");
	check(aggmon_dict_add(d, &bad) == -EINVAL && !aggmon_dict_find(d, 6),
	      "dict: an inconsistent entry is -EINVAL");
	aggmon_dict_free(d);
}

/*
 * Sorting
 * =======
 */

/* The first key word of each of the @n entries, in order, as "a b c". */
static void key_list(const struct aggmon_entry **v, size_t n, char *buf,
		     size_t size)
{
	size_t i, len = 0;

	buf[0] = '\0';
	for (i = 0; i < n; i++) {
		len += snprintf(buf + len, size - len, "%s", i ? " " : "");
		aggmon_entry_key_format(v[i], 0, buf + len, size - len);
		len = strlen(buf);
	}
}

static bool sorted_as(const struct aggmon_table *table, __u64 id, int sort,
		      const char *want)
{
	const struct aggmon_entry **v;
	char got[256];
	size_t n;

	if (aggmon_table_entries(table, id, sort, &v, &n))
		return false;
	key_list(v, n, got, sizeof(got));
	free(v);
	if (strcmp(got, want))
		printf("# sort %#x: '%s', want '%s'\n", sort, got, want);
	return !strcmp(got, want);
}

static void test_sort(void)
{
	static const __u32 arg[] = { AGGMON_KEY_ARG };
	static const __u32 comm[] = { AGGMON_KEY_COMM };
	static const __u32 cpu[] = { AGGMON_KEY_CPU };
	struct aggmon_agg_info infos[] = {
		simple(1, AGGMON_AGG_COUNT, 1, arg),
		simple(2, AGGMON_AGG_SUM, 1, comm),
		simple(3, AGGMON_AGG_MIN, 1, cpu),
		simple(4, AGGMON_AGG_QUANTIZE, 1, cpu),
		simple(5, AGGMON_AGG_AVG, 1, cpu),
	};
	static const struct { __s64 key; __u64 count; } counts[] = {
		{ -5, 3 }, { 7, 1 }, { 2, 3 }, { 10, 2 },
	};
	static const __s64 q0[] = { 1, 2, 3, 4, 5 }, q1[] = { 9 },
			   q2[] = { 7, 7, 7 };
	static const __s64 a0[] = { 1, 2 }, a1[] = { 1, 1, 1, 2 },
			   a2[] = { -3 };
	const struct aggmon_entry **v;
	struct recs r = { 0 };
	struct tab t;
	__u64 k[3], *slots;
	size_t i, n;
	bool ok;

	tab_new(&t, infos, ARRAY_SIZE(infos));
	for (i = 0; i < ARRAY_SIZE(counts); i++)
		rec_add(&r, &infos[0], 0, (const __u64 *)&counts[i].key)[0] =
			counts[i].count;
	comm_key(k, "zsh", 0);
	rec_add(&r, &infos[1], 0, k)[0] = 5;
	comm_key(k, "bash", 0);
	rec_add(&r, &infos[1], 0, k)[0] = 5;
	comm_key(k, "awk", 0);
	rec_add(&r, &infos[1], 0, k)[0] = 9;
	for (k[0] = 0; k[0] < 3; k[0]++) {
		slots = rec_add(&r, &infos[2], 0, k);
		slots[0] = k[0] ? 1 : 0;
		slots[1] = k[0] == 1 ? 10 : (__u64)-4LL;
	}
	k[0] = 0;
	rec_fold(&r, &infos[3], 0, k, q0, ARRAY_SIZE(q0));
	k[0] = 1;
	rec_fold(&r, &infos[3], 0, k, q1, ARRAY_SIZE(q1));
	k[0] = 2;
	rec_fold(&r, &infos[3], 0, k, q2, ARRAY_SIZE(q2));
	k[0] = 0;
	rec_fold(&r, &infos[4], 0, k, a0, ARRAY_SIZE(a0));
	k[0] = 1;
	rec_fold(&r, &infos[4], 0, k, a1, ARRAY_SIZE(a1));
	k[0] = 2;
	rec_fold(&r, &infos[4], 0, k, a2, ARRAY_SIZE(a2));
	if (aggmon_table_merge(t.table, r.buf, r.n))
		abort();

	check(sorted_as(t.table, 1, AGGMON_SORT_VALUE, "7 10 -5 2"),
	      "sort: by value, ties by key (ARG signed): 1, 2, 3 (-5), 3 (2)");
	check(sorted_as(t.table, 1, AGGMON_SORT_VALUE | AGGMON_SORT_DESC,
			"2 -5 10 7"),
	      "sort: by value descending is the exact reverse");
	check(sorted_as(t.table, 1, AGGMON_SORT_KEY, "-5 2 7 10") &&
	      sorted_as(t.table, 1, AGGMON_SORT_KEY | AGGMON_SORT_DESC,
			"10 7 2 -5"),
	      "sort: by key, ascending and descending");
	check(sorted_as(t.table, 2, AGGMON_SORT_VALUE, "bash zsh awk") &&
	      sorted_as(t.table, 2, AGGMON_SORT_KEY, "awk bash zsh"),
	      "sort: COMM keys compare as strings");
	check(sorted_as(t.table, 3, AGGMON_SORT_VALUE, "0 2 1"),
	      "sort: a min without value first, then -4, then 10");
	check(sorted_as(t.table, 4, AGGMON_SORT_VALUE, "1 2 0") &&
	      sorted_as(t.table, 4, AGGMON_SORT_VALUE | AGGMON_SORT_DESC,
			"0 2 1"),
	      "sort: quantize by total count: 1, 3, 5");
	check(sorted_as(t.table, 5, AGGMON_SORT_VALUE, "2 1 0"),
	      "sort: avg by its value: -3, 1.25, 1.5");
	ok = !aggmon_table_entries(t.table, 0, AGGMON_SORT_KEY |
				   AGGMON_SORT_DESC, &v, &n) && n == 16;
	for (i = 1; ok && i < n; i++)
		ok = aggmon_entry_agg_id(v[i - 1]) <= aggmon_entry_agg_id(v[i]);
	free(v);
	check(ok, "sort: every aggregation (id 0): 16 entries grouped by ascending id");
	check(aggmon_table_entries(t.table, 1, 7, &v, &n) == -EINVAL &&
	      !aggmon_table_entries(t.table, 77, 0, &v, &n) && !n && !v,
	      "sort: a bad order is -EINVAL, an aggregation without entries none");
	recs_free(&r);
	tab_free(&t);
}

/*
 * printa
 * ======
 */

/* Print aggregation @info->id of the records of @r as printa does. */
static char *printa(const struct aggmon_agg_info *info, struct recs *r,
		    int sort)
{
	struct capture c;
	struct tab t;
	int err;

	tab_new(&t, info, 1);
	err = aggmon_table_merge(t.table, r->buf, r->n);
	if (!err)
		err = aggmon_print_agg(capture_start(&c), t.table, info->id,
				       sort);
	else
		capture_start(&c);
	tab_free(&t);
	recs_free(r);
	if (err)
		fprintf(c.f, "error %d", err);
	return capture_end(&c);
}

#define NL	"\n"
#define HDR	"\n           value  ------------- Distribution ------------- count    " NL
#define BAR0	"|                                        "
#define BAR8	"|@@@@@@@@                                "
#define BAR10	"|@@@@@@@@@@                              "
#define BAR13	"|@@@@@@@@@@@@@                           "
#define BAR16	"|@@@@@@@@@@@@@@@@                        "
#define BAR20	"|@@@@@@@@@@@@@@@@@@@@                    "
#define BAR27	"|@@@@@@@@@@@@@@@@@@@@@@@@@@@             "
#define BAR40	"|@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@"

static void test_print_quantize(void)
{
	struct aggmon_agg_info q = simple(1, AGGMON_AGG_QUANTIZE, 0, NULL);
	static const __s64 v[] = { 8, 8, 16, 16 };
	struct recs r = { 0 };
	char *out;

	rec_fold(&r, &q, 0, NULL, v, 2);
	rec_fold(&r, &q, 1, NULL, v + 2, 2);
	out = printa(&q, &r, AGGMON_SORT_VALUE);
	check_text(out,
		   "\n"
		   HDR
		   "               4 " BAR0  " 0        " NL
		   "               8 " BAR20 " 2        " NL
		   "              16 " BAR20 " 2        " NL
		   "              32 " BAR0  " 0        " NL
		   "\n",
		   "printa: quantize of 8, 8, 16, 16 as DTrace draws it");
	free(out);

	rec_add(&r, &q, 0, NULL);
	out = printa(&q, &r, AGGMON_SORT_VALUE);
	check_text(out,
		   "\n"
		   HDR
		   "              -1 " BAR0 " 0        " NL
		   "               0 " BAR0 " 0        " NL
		   "               1 " BAR0 " 0        " NL
		   "\n",
		   "printa: an empty quantize shows the buckets around 0");
	free(out);
}

static void test_print_lquantize(void)
{
	struct aggmon_agg_info l = mkinfo(1, AGGMON_AGG_LQUANTIZE, 0, 100, 10,
					  0, 0, NULL);
	static const __s64 v[] = { -5, 0, 15, 15, 250 }, w[] = { 42 };
	struct recs r = { 0 };
	char *out;

	rec_fold(&r, &l, 0, NULL, v, ARRAY_SIZE(v));
	out = printa(&l, &r, AGGMON_SORT_VALUE);
	check_text(out,
		   "\n"
		   HDR
		   "             < 0 " BAR8  " 1        " NL
		   "               0 " BAR8  " 1        " NL
		   "              10 " BAR16 " 2        " NL
		   "              20 " BAR0  " 0        " NL
		   "              30 " BAR0  " 0        " NL
		   "              40 " BAR0  " 0        " NL
		   "              50 " BAR0  " 0        " NL
		   "              60 " BAR0  " 0        " NL
		   "              70 " BAR0  " 0        " NL
		   "              80 " BAR0  " 0        " NL
		   "              90 " BAR0  " 0        " NL
		   "          >= 100 " BAR8  " 1        " NL
		   "\n",
		   "printa: lquantize(0, 100, 10) with '< 0' and '>= 100'");
	free(out);

	rec_fold(&r, &l, 0, NULL, w, 1);
	out = printa(&l, &r, AGGMON_SORT_VALUE);
	check_text(out,
		   "\n"
		   HDR
		   "              30 " BAR0  " 0        " NL
		   "              40 " BAR40 " 1        " NL
		   "              50 " BAR0  " 0        " NL
		   "\n",
		   "printa: lquantize of one value: one bucket on each side");
	free(out);
}

static void test_print_llquantize(void)
{
	struct aggmon_agg_info a = mkinfo(1, AGGMON_AGG_LLQUANTIZE, 0, 2, 10,
					  10, 0, NULL);
	struct aggmon_agg_info b = mkinfo(1, AGGMON_AGG_LLQUANTIZE, 0, 2, 2,
					  2, 0, NULL);
	static const __s64 v[] = { 3, 3, 4 }, w[] = { 0, 1, 3, 3, 9 };
	struct recs r = { 0 };
	char *out;

	rec_fold(&r, &a, 0, NULL, v, ARRAY_SIZE(v));
	out = printa(&a, &r, AGGMON_SORT_VALUE);
	check_text(out,
		   "\n"
		   HDR
		   "               2 " BAR0  " 0        " NL
		   "               3 " BAR27 " 2        " NL
		   "               4 " BAR13 " 1        " NL
		   "               5 " BAR0  " 0        " NL
		   "\n",
		   "printa: llquantize(10, 0, 2, 10) of 3, 3, 4 (bars rounded)");
	free(out);

	rec_fold(&r, &b, 0, NULL, w, ARRAY_SIZE(w));
	out = printa(&b, &r, AGGMON_SORT_VALUE);
	check_text(out,
		   "\n"
		   HDR
		   "             < 1 " BAR8  " 1        " NL
		   "               1 " BAR8  " 1        " NL
		   "               2 " BAR16 " 2        " NL
		   "               4 " BAR0  " 0        " NL
		   "            >= 8 " BAR8  " 1        " NL
		   "\n",
		   "printa: llquantize(2, 0, 2, 2) with '< 1' and '>= 8'");
	free(out);
}

static void test_print_scalar(void)
{
	static const __u32 keys[] = { AGGMON_KEY_COMM, AGGMON_KEY_PID };
	static const __u32 arg[] = { AGGMON_KEY_ARG };
	struct aggmon_agg_info s = simple(1, AGGMON_AGG_SUM, 2, keys);
	struct aggmon_agg_info c = simple(2, AGGMON_AGG_COUNT, 0, NULL);
	struct aggmon_agg_info q = simple(3, AGGMON_AGG_QUANTIZE, 1, arg);
	struct aggmon_agg_info m = simple(4, AGGMON_AGG_MAX, 1, arg);
	struct aggmon_agg_info d = simple(5, AGGMON_AGG_STDDEV, 0, NULL);
	struct aggmon_agg_info sd = simple(6, AGGMON_AGG_STDDEV, 1, arg);
	static const __s64 dv[] = { 2, 4, 4, 4, 5, 5, 7, 9 }, one[] = { 1 };
	static const __s64 half[] = { 1, 2 }, near[] = { 1000000, 1000003 };
	struct recs r = { 0 };
	__u64 k[3], *slots;
	char *out;

	comm_key(k, "nginx", 1234);
	rec_add(&r, &s, 0, k)[0] = 64000;
	comm_key(k, "sshd", 812);
	rec_add(&r, &s, 0, k)[0] = 1500;
	rec_add(&r, &s, 1, k)[0] = 3000;
	comm_key(k, "nginx", 1240);
	rec_add(&r, &s, 2, k)[0] = (__u64)-100LL;
	out = printa(&s, &r, AGGMON_SORT_VALUE);
	check_text(out,
		   "\n"
		   "  nginx                                                  1240             -100\n"
		   "  sshd                                                    812             4500\n"
		   "  nginx                                                  1234            64000\n",
		   "printa: sum keyed by comm and pid, sorted by value");
	free(out);

	rec_add(&r, &c, 0, NULL)[0] = 7;
	out = printa(&c, &r, AGGMON_SORT_VALUE);
	check_text(out, "\n                7\n", "printa: a count without key");
	free(out);

	k[0] = (__u64)-2LL;
	rec_fold(&r, &q, 0, k, one, 1);
	k[0] = 3;
	rec_fold(&r, &q, 0, k, dv, 2);
	out = printa(&q, &r, AGGMON_SORT_VALUE);
	check_text(out,
		   "\n"
		   "               -2"
		   HDR
		   "               0 " BAR0  " 0        " NL
		   "               1 " BAR40 " 1        " NL
		   "               2 " BAR0  " 0        " NL
		   "\n"
		   "                3"
		   HDR
		   "               1 " BAR0  " 0        " NL
		   "               2 " BAR20 " 1        " NL
		   "               4 " BAR20 " 1        " NL
		   "               8 " BAR0  " 0        " NL
		   "\n",
		   "printa: quantize keyed by arg: each key, then its drawing");
	free(out);

	k[0] = 5;
	slots = rec_add(&r, &m, 0, k);
	slots[0] = 0;
	k[0] = 6;
	slots = rec_add(&r, &m, 0, k);
	slots[0] = 1;
	slots[1] = (__u64)-9LL;
	out = printa(&m, &r, AGGMON_SORT_KEY | AGGMON_SORT_DESC);
	check_text(out,
		   "\n"
		   "                6               -9\n"
		   "                5                -\n",
		   "printa: max by key descending, '-' where there is no value");
	free(out);

	rec_fold(&r, &d, 0, NULL, dv, ARRAY_SIZE(dv));
	out = printa(&d, &r, AGGMON_SORT_VALUE);
	check_text(out, "\n                2\n", "printa: stddev as an integer");
	free(out);

	/*
	 * The examples of "Differences from DTrace" in the userspace-api
	 * guide, each value on a CPU of its own: DTrace prints 1 and 1000.
	 */
	k[0] = 1;
	rec_fold(&r, &sd, 0, k, half, 1);
	rec_fold(&r, &sd, 1, k, half + 1, 1);
	k[0] = 2;
	rec_fold(&r, &sd, 0, k, near, 1);
	rec_fold(&r, &sd, 1, k, near + 1, 1);
	out = printa(&sd, &r, AGGMON_SORT_VALUE);
	check_text(out,
		   "\n"
		   "                1                0\n"
		   "                2                1\n",
		   "printa: stddev of {1, 2} is 0 and of {1000000, 1000003} 1, exact rounded down");
	free(out);
}

/*
 * Events
 * ======
 */

struct seen {
	char log[2048];
	size_t len;
	int stop_after;		/* stop with 7 after this many, 0: never */
	int count;
};

/* Log each record as "cookie:seq/type/lost " and maybe stop. */
static int on_event(const struct aggmon_event *ev, void *cookie, void *arg)
{
	struct seen *s = arg;

	s->len += snprintf(s->log + s->len, sizeof(s->log) - s->len,
			   "%s:%llu/%u/%llu ", (const char *)cookie,
			   (unsigned long long)ev->seq, ev->type,
			   (unsigned long long)ev->lost);
	s->count++;
	return s->stop_after && s->count == s->stop_after ? 7 : 0;
}

static void put_event(int fd, __u64 seq, __u32 type, __u64 lost)
{
	struct aggmon_event ev = {
		.seq = seq, .type = type, .lost = lost,
		.threshold_id = 1, .time_ns = seq * 1000,
	};

	if (write(fd, &ev, sizeof(ev)) != sizeof(ev))
		abort();
}

static void seen_reset(struct seen *s, int stop_after)
{
	memset(s, 0, sizeof(*s));
	s->stop_after = stop_after;
}

static void test_events(void)
{
	struct aggmon_event_set *set;
	int a[2], b[2], c[2], ret, i;
	struct seen s;
	__u64 lost = 1;
	bool ok;

	if (aggmon_event_set_new(&set) || pipe(a) || pipe(b) || pipe(c))
		abort();
	check(!aggmon_event_set_add(set, a[0], "A") &&
	      !aggmon_event_set_add(set, b[0], "B") &&
	      aggmon_event_set_add(set, a[0], "A") == -EEXIST &&
	      aggmon_event_set_add(set, -1, "X") == -EBADF &&
	      aggmon_event_set_size(set) == 2 &&
	      (fcntl(a[0], F_GETFL) & O_NONBLOCK),
	      "events: add two descriptors (made non-blocking), a third twice fails");
	seen_reset(&s, 0);
	check(aggmon_event_set_wait(set, 0, on_event, &s) == 0 && !s.count,
	      "events: nothing queued: a wait of 0 ms returns 0");
	put_event(a[1], 1, AGGMON_EVENT_FIRED, 0);
	put_event(a[1], 2, AGGMON_EVENT_CANCELLED, 0);
	put_event(a[1], 3, AGGMON_EVENT_FIRED, 0);
	put_event(b[1], 1, AGGMON_EVENT_FIRED, 0);
	ret = aggmon_event_set_wait(set, 1000, on_event, &s);
	ok = ret == 4 && (strstr(s.log, "A:1/1/0 A:2/2/0 A:3/1/0 ") &&
			  strstr(s.log, "B:1/1/0 "));
	if (!check(ok, "events: every record of every ready descriptor, in order"))
		printf("# returned %d: %s\n", ret, s.log);
	seen_reset(&s, 0);
	put_event(a[1], 6, AGGMON_EVENT_FIRED, 2);
	put_event(a[1], 9, AGGMON_EVENT_LOST, 3);
	ret = aggmon_event_set_wait(set, 1000, on_event, &s);
	check(ret == 2 && !strcmp(s.log, "A:6/1/2 A:9/3/3 ") &&
	      aggmon_event_set_lost(set) == 5 &&
	      !aggmon_event_set_fd_lost(set, a[0], &lost) && lost == 5 &&
	      !aggmon_event_set_fd_lost(set, b[0], &lost) && lost == 0,
	      "events: lost counts of records and of a LOST record add up: 5");
	seen_reset(&s, 2);
	for (i = 2; i <= 6; i++)
		put_event(b[1], i, AGGMON_EVENT_FIRED, 0);
	ret = aggmon_event_set_wait(set, 1000, on_event, &s);
	check(ret == 7 && s.count == 2, "events: a callback that returns 7 stops the wait with 7");
	seen_reset(&s, 0);
	ret = aggmon_event_set_wait(set, 1000, on_event, &s);
	check(ret == 3 && !strcmp(s.log, "B:4/1/0 B:5/1/0 B:6/1/0 "),
	      "events: the next wait hands out the records left, first");
	seen_reset(&s, 0);
	for (i = 1; i <= 150; i++)
		put_event(a[1], 9 + i, AGGMON_EVENT_FIRED, 0);
	ret = aggmon_event_set_wait(set, 1000, on_event, &s);
	check(ret == 150, "events: 150 queued records (several reads) in one wait");
	seen_reset(&s, 0);
	put_event(b[1], 7, AGGMON_EVENT_GONE, 0);
	close(b[1]);
	ret = aggmon_event_set_wait(set, 1000, on_event, &s);
	check(ret == 1 && !strcmp(s.log, "B:7/4/0 ") &&
	      aggmon_event_set_size(set) == 1 &&
	      !aggmon_event_set_fd_lost(set, b[0], &lost),
	      "events: after GONE and the end of the file, the descriptor leaves the set");
	check(!aggmon_event_set_add(set, c[0], "C") &&
	      write(c[1], "short", 5) == 5 &&
	      aggmon_event_set_wait(set, 1000, on_event, &s) == -EIO,
	      "events: a short record is -EIO");
	check(!aggmon_event_set_remove(set, a[0]) &&
	      aggmon_event_set_remove(set, a[0]) == -ENOENT &&
	      !aggmon_event_set_remove(set, c[0]) &&
	      aggmon_event_set_size(set) == 0 &&
	      aggmon_event_set_fd_lost(set, a[0], &lost) == -ENOENT,
	      "events: remove, and remove again is -ENOENT");
	aggmon_event_set_free(set);
	close(a[0]);
	close(a[1]);
	close(b[0]);
	close(c[0]);
	close(c[1]);
}

/*
 * System calls, over the fake kernel
 * ==================================
 */

static void test_sys_stat(void)
{
	struct aggmon_stat_info si;

	check(aggmon_stat_create(1, AGGMON_STAT_ABSOLUTE, 0, 0, NULL) == -ENOSYS &&
	      aggmon_threshold_create(-1, 0, 0, 0, 0, 0, NULL) == -EBADF &&
	      aggmon_stat_reset(-1) == -EBADF &&
	      aggmon_stat_info(-1, &si) == -EBADF,
	      "sys: statistics are not in the fake (-ENOSYS); bad fds are -EBADF");
}

static void test_sys_list_open(void)
{
	char longname[80];
	__u64 *ids = NULL, cursor = 0, batch[3];
	__u32 cnt = 3;
	size_t n = 0;
	int fd;

	check(!aggmon_agg_list_all(&ids, &n) && n == 8 && ids[0] == 101 &&
	      ids[7] == 108,
	      "sys: agg list_all: the 8 aggregations of the fake, ascending");
	free(ids);
	check(!aggmon_agg_list(&cursor, batch, &cnt) && cnt == 3 &&
	      batch[2] == 103 && cursor == 104,
	      "sys: agg list of 3 moves the cursor past the last");
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	check(aggmon_agg_open_name("no.such") == -ENOENT &&
	      aggmon_agg_open_name("") == -EINVAL &&
	      aggmon_agg_open_name(longname) == -ENAMETOOLONG &&
	      aggmon_agg_open_id(0) == -EINVAL &&
	      aggmon_agg_open_id(999) == -ENOENT,
	      "sys: agg open errors: -ENOENT, -EINVAL, -ENAMETOOLONG");
	fd = aggmon_agg_open_id(102);
	check(fd >= 0 && close(fd) == 0, "sys: agg open by id");
}

static void test_sys_snapshot(void)
{
	const struct aggmon_agg_record *rec;
	struct aggmon_agg_info info;
	__u64 *drops = NULL;
	void *records = NULL;
	size_t n = 0, i;
	__u32 nr_cpus = 0;
	bool ok;
	int fd = aggmon_agg_open_name("aggmon.syscall_ns");

	check(fd >= 0 && !aggmon_agg_info(fd, &info) && info.id == 101 &&
	      info.func == AGGMON_AGG_QUANTIZE && info.key_slots == 1 &&
	      info.value_slots == 127 && info.record_size == 1040 &&
	      info.nr_cpus == 4 && !strcmp(info.name, "aggmon.syscall_ns"),
	      "sys: agg info of aggmon.syscall_ns opened by name");
	ok = !aggmon_agg_snapshot_all(fd, 0, &records, &n, &drops, &nr_cpus) &&
	     n == 5 && nr_cpus == 4 && drops[2] == 3 && drops[0] == 0;
	for (i = 1; ok && i < n; i++) {
		rec = (const void *)((char *)records + i * 1040);
		ok = rec->cpu >= ((const struct aggmon_agg_record *)
				  ((char *)records + (i - 1) * 1040))->cpu;
	}
	check(ok, "sys: snapshot_all: 5 records in CPU order, drops of CPU 2");
	free(records);
	free(drops);
	setenv("AGGMON_FAKE_BATCH", "2", 1);
	check(!aggmon_agg_snapshot_all(fd, 0, &records, &n, NULL, NULL) &&
	      n == 5,
	      "sys: snapshot_all in batches of 2 records");
	free(records);
	setenv("AGGMON_FAKE_ESTALE", "2", 1);
	check(!aggmon_agg_snapshot_all(fd, 0, &records, &n, NULL, NULL) &&
	      n == 5,
	      "sys: snapshot_all starts again after ESTALE");
	free(records);
	unsetenv("AGGMON_FAKE_BATCH");
	unsetenv("AGGMON_FAKE_ESTALE");
	close(fd);
	check(aggmon_agg_snapshot_all(-1, 0, &records, &n, NULL, NULL) == -EBADF &&
	      aggmon_agg_snapshot_all(0, 0, &records, &n, NULL, NULL) == -EINVAL,
	      "sys: snapshot_all of a bad fd (-EBADF) or not an aggregation (-EINVAL)");
}

/* fake.gen.count: 100 keys, 200 records, beyond the first buffer. */
static void test_sys_grow(void)
{
	static const __u32 arg[] = { AGGMON_KEY_ARG };
	const struct aggmon_entry *e;
	struct tab t;
	__u64 k, cnt = 0, drops = 1;
	bool ok;
	int fd = aggmon_agg_open_name("fake.gen.count");
	struct aggmon_agg_info info = simple(107, AGGMON_AGG_COUNT, 1, arg);

	tab_new(&t, &info, 1);
	ok = fd >= 0 && !aggmon_table_read(t.table, fd, 0, &drops) &&
	     drops == 0 && aggmon_table_size(t.table) == 100;
	for (k = 0; ok && k < 100; k++) {
		e = aggmon_table_find(t.table, 107, &k);
		ok = e && !aggmon_entry_count(e, &cnt) && cnt == k % 7 + 2;
	}
	check(ok, "sys: table_read of 200 records (the buffer grows on ENOSPC), merged per key");
	tab_free(&t);
	close(fd);
}

static void test_sys_clear(void)
{
	void *records = NULL;
	size_t n = 0;
	int fd = aggmon_agg_open_name("fake.rq.max");

	check(fd >= 0 &&
	      !aggmon_agg_snapshot_all(fd, AGGMON_SNAPSHOT_CLEAR, &records, &n,
				       NULL, NULL) && n == 3,
	      "sys: snapshot_all with AGGMON_SNAPSHOT_CLEAR returns the data sets");
	free(records);
	check(!aggmon_agg_snapshot_all(fd, 0, &records, &n, NULL, NULL) &&
	      n == 0 && !records,
	      "sys: the next snapshot is empty");
	close(fd);
}

static void test_sys_read_print(void)
{
	struct capture c;
	struct tab t;
	__u64 drops = 0;
	char *out;
	int fd = aggmon_agg_open_name("aggmon.syscall_ns"), err = -1;

	tab_new(&t, NULL, 0);
	if (fd >= 0 && !aggmon_table_read(t.table, fd, 0, &drops))
		err = aggmon_print_agg(capture_start(&c), t.table, 101,
				       AGGMON_SORT_VALUE);
	else
		capture_start(&c);
	out = capture_end(&c);
	check_text(!err && drops == 3 ? out : "",
		   "\n"
		   "               11"
		   HDR
		   "           32768 " BAR0  " 0        " NL
		   "           65536 " BAR40 " 1        " NL
		   "          131072 " BAR0  " 0        " NL
		   "\n"
		   "                0"
		   HDR
		   "             256 " BAR0  " 0        " NL
		   "             512 " BAR20 " 1        " NL
		   "            1024 " BAR20 " 1        " NL
		   "            2048 " BAR0  " 0        " NL
		   "\n"
		   "                2"
		   HDR
		   "            1024 " BAR0  " 0        " NL
		   "            2048 " BAR10 " 1        " NL
		   "            4096 " BAR10 " 1        " NL
		   "            8192 " BAR20 " 2        " NL
		   "           16384 " BAR0  " 0        " NL
		   "\n",
		   "sys: aggmon.syscall_ns read from the fake kernel, printed as printa");
	free(out);
	tab_free(&t);
	close(fd);
}

static void test_sys_create(void)
{
	struct aggmon_agg_create_attr attr = {
		.name = "user.test.lat",
		.func = AGGMON_AGG_LQUANTIZE,
		.low = 0, .high = 1000, .step = 100,
		.source = AGGMON_AGG_SRC_GAUGE_DELTA,
		.nkeys = 1, .keys = { AGGMON_KEY_CPU },
		.gauge_id = 1,
		.id = 12345,
	};
	struct aggmon_agg_info info;
	void *records = NULL;
	__u64 id = 0;
	size_t n = 1;
	int fd = aggmon_agg_create(&attr, &id);

	check(fd >= 0 && id >= 200 && !aggmon_agg_info(fd, &info) &&
	      info.id == id && info.value_slots == 12 &&
	      info.source == AGGMON_AGG_SRC_GAUGE_DELTA && info.gauge_id == 1 &&
	      !aggmon_agg_snapshot_all(fd, 0, &records, &n, NULL, NULL) && !n,
	      "sys: agg create (its id field ignored) returns an empty aggregation");
	close(fd);
	attr.keys[0] = AGGMON_KEY_ARG;
	check(aggmon_agg_create(&attr, NULL) == -EINVAL,
	      "sys: agg create with an ARG key is -EINVAL");
	attr.keys[0] = AGGMON_KEY_CPU;
	attr.gauge_id = 4242;
	check(aggmon_agg_create(&attr, NULL) == -ENOENT,
	      "sys: agg create over no gauge is -ENOENT");
}

/*
 * JSON
 * ====
 */

/* Every aggregation of the fake kernel, as JSON. */
static int print_json(bool pretty)
{
	struct tab t;
	__u64 *ids;
	size_t n, i;
	int fd, err;

	tab_new(&t, NULL, 0);
	err = aggmon_agg_list_all(&ids, &n);
	for (i = 0; !err && i < n; i++) {
		fd = aggmon_agg_open_id(ids[i]);
		err = fd < 0 ? fd : aggmon_table_read(t.table, fd, 0, NULL);
		if (fd >= 0)
			close(fd);
		if (!err && (!pretty || ids[i] == 102))
			err = aggmon_print_json(stdout, t.table, ids[i],
						AGGMON_SORT_VALUE, pretty);
	}
	if (!err)
		err = aggmon_print_json(stdout, t.table, 4242, 0, false);
	free(ids);
	tab_free(&t);
	return err == -ENOENT ? 0 : 1;
}

int main(int argc, char **argv)
{
	/* Lines out as they come, so that a crash shows where. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* Before the fake kernel's first call, which reads it. */
	setenv("AGGMON_FAKE_AGG_KEYS", "100", 1);
	if (argc == 2 && !strcmp(argv[1], "json"))
		return print_json(false);
	if (argc == 2 && !strcmp(argv[1], "json-pretty"))
		return print_json(true);
	if (argc != 1)
		return 2;
	test_quantize_buckets();
	test_lquantize_buckets();
	test_llquantize_buckets();
	test_check();
	test_count_sum();
	test_min_max();
	test_avg();
	test_stddev();
	test_dist_merge();
	test_keys();
	test_growth();
	test_dict();
	test_sort();
	test_print_quantize();
	test_print_lquantize();
	test_print_llquantize();
	test_print_scalar();
	test_events();
	test_sys_stat();
	test_sys_list_open();
	test_sys_snapshot();
	test_sys_grow();
	test_sys_clear();
	test_sys_read_print();
	test_sys_create();
	return tap_failed ? 1 : 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * libaggmon - printing a table as DTrace's printa() does, and as JSON.
 *
 * The layout follows illumos libdtrace's dt_consume.c, trailing blanks
 * included, so that eyes and scripts used to DTrace's output read
 * aggmon's: keys with the widths of their D types (dt_print_datum()),
 * values as " %16lld", distributions drawn by dt_print_quantize(),
 * dt_print_lquantize() and dt_print_llquantize() (40 columns of '@'
 * scaled to the total of the lines shown, rounded to the nearest).  The
 * numbers are not always DTrace's: a standard deviation, for one, is
 * exact where dt_stddev() is not.  "Differences from DTrace" in
 * Documentation/userspace-api/aggmon.rst lists where they differ.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "aggmon_priv.h"
#include "json_writer.h"

#define BAR_LEN		40

static const char ats[] = "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@";
static const char spaces[] = "                                        ";

_Static_assert(sizeof(ats) == BAR_LEN + 1 && sizeof(spaces) == BAR_LEN + 1,
	       "bar strings");

static int out_err(FILE *out)
{
	return ferror(out) ? -EIO : 0;
}

/*
 * Distributions
 * -------------
 */

/* The buckets DTrace shows: one beyond the non-zero ones on each side. */
static void dist_span(const struct aggmon_agg_info *info, const __u64 *b,
		      __u32 *first, __u32 *last)
{
	__u32 n = info->value_slots, lo = 0, hi = n - 1;

	while (lo < n && !b[lo])
		lo++;
	if (lo == n) {
		/* Nothing counted: the buckets around 0, or the first ones. */
		if (info->func == AGGMON_AGG_QUANTIZE) {
			*first = AGGMON_QUANTIZE_ZERO - 1;
			*last = AGGMON_QUANTIZE_ZERO + 1;
		} else {
			*first = 0;
			*last = info->func == AGGMON_AGG_LQUANTIZE ? 2 : 1;
		}
		return;
	}
	if (lo > 0)
		lo--;
	while (hi > 0 && !b[hi])
		hi--;
	if (hi < n - 1)
		hi++;
	*first = lo;
	*last = hi;
}

/* dt_print_quantline() for counts, which are never negative. */
static void print_bar(FILE *out, __u64 count, long double total)
{
	unsigned int depth = 0;

	if (total > 0)
		depth = (unsigned int)((long double)count * BAR_LEN / total +
				       0.5L);
	if (depth > BAR_LEN)
		depth = BAR_LEN;
	fprintf(out, "|%s%s %-9llu\n", ats + BAR_LEN - depth, spaces + depth,
		(unsigned long long)count);
}

int aggmon_print_buckets(FILE *out, const struct aggmon_agg_info *info,
			 const __u64 *buckets)
{
	long double total = 0;
	__u32 first, last, i;
	char label[32];

	if (!agg_is_dist(info->func) || aggmon_agg_check(info))
		return -EINVAL;
	dist_span(info, buckets, &first, &last);
	for (i = first; i <= last; i++)
		total += buckets[i];
	fprintf(out, "\n%16s %41s %-9s\n", "value",
		"------------- Distribution -------------", "count");
	for (i = first; i <= last; i++) {
		aggmon_agg_bucket_format(info, i, label, sizeof(label));
		fprintf(out, "%16s ", label);
		print_bar(out, buckets[i], total);
	}
	return out_err(out);
}

/*
 * printa
 * ------
 */

/* A key field with the width DTrace gives its D type. */
static void print_key_field(FILE *out, const struct aggmon_entry *entry,
			    __u32 index)
{
	char buf[24];

	aggmon_entry_key_format(entry, index, buf, sizeof(buf));
	switch (entry->info->keys[index]) {
	case AGGMON_KEY_COMM:
		/* A string: dt_print_bytes() at width -50. */
		fprintf(out, "  %-50s", buf);
		break;
	case AGGMON_KEY_CPU:
	case AGGMON_KEY_PID:
	case AGGMON_KEY_TGID:
	case AGGMON_KEY_UID:
		/* processorid_t, pid_t, uid_t: 32 bits. */
		fprintf(out, " %8s", buf);
		break;
	default:
		fprintf(out, " %16s", buf);
		break;
	}
}

/* The value of a scalar function, as dt_print_datum() prints it. */
static void print_scalar(FILE *out, const struct aggmon_entry *entry)
{
	const __u64 *v = entry_value(entry);
	__s64 s = 0;
	__u64 u = 0;

	switch (entry->info->func) {
	case AGGMON_AGG_COUNT:
		fprintf(out, " %16llu", (unsigned long long)v[0]);
		break;
	case AGGMON_AGG_SUM:
		fprintf(out, " %16lld", (long long)v[0]);
		break;
	case AGGMON_AGG_MIN:
	case AGGMON_AGG_MAX:
		if (v[SLOT_N])
			fprintf(out, " %16lld", (long long)v[SLOT_MINMAX]);
		else
			fprintf(out, " %16s", "-");
		break;
	case AGGMON_AGG_AVG:
		/* 0 without values, as DTrace prints. */
		aggmon_entry_avg_int(entry, &s);
		fprintf(out, " %16lld", (long long)s);
		break;
	case AGGMON_AGG_STDDEV:
		aggmon_entry_stddev_int(entry, &u);
		fprintf(out, " %16llu", (unsigned long long)u);
		break;
	}
}

int aggmon_print_entry(FILE *out, const struct aggmon_entry *entry)
{
	__u32 i;
	int err;

	for (i = 0; i < entry->info->nkeys; i++)
		print_key_field(out, entry, i);
	if (!agg_is_dist(entry->info->func)) {
		print_scalar(out, entry);
		putc('\n', out);
		return out_err(out);
	}
	err = aggmon_print_buckets(out, entry->info, entry_value(entry));
	putc('\n', out);
	return err ? err : out_err(out);
}

int aggmon_print_agg(FILE *out, const struct aggmon_table *table,
		     __u64 agg_id, int sort)
{
	const struct aggmon_entry **entries;
	size_t n, i;
	int err;

	if (!agg_id || !aggmon_table_info(table, agg_id))
		return -ENOENT;
	err = aggmon_table_entries(table, agg_id, sort, &entries, &n);
	if (err)
		return err;
	putc('\n', out);
	for (i = 0; i < n && !err; i++)
		err = aggmon_print_entry(out, entries[i]);
	free(entries);
	return err ? err : out_err(out);
}

/*
 * JSON
 * ----
 */

static void json_key(struct json_writer *w, const struct aggmon_entry *entry)
{
	const struct aggmon_agg_info *info = entry->info;
	const __u64 *k = entry->words;
	char buf[24];
	__u32 i;

	jsonw_name(w, "key");
	jsonw_start_array(w);
	for (i = 0; i < info->nkeys; i++) {
		switch (info->keys[i]) {
		case AGGMON_KEY_COMM:
			aggmon_entry_key_format(entry, i, buf, sizeof(buf));
			jsonw_string(w, buf);
			k += 2;
			break;
		case AGGMON_KEY_ARG:
			jsonw_s64(w, (__s64)*k++);
			break;
		default:
			jsonw_u64(w, *k++);
			break;
		}
	}
	jsonw_end_array(w);
}

static void json_minmax(struct json_writer *w, const struct aggmon_entry *e)
{
	const __u64 *v = entry_value(e);

	jsonw_u64_field(w, "count", v[SLOT_N]);
	jsonw_name(w, e->info->func == AGGMON_AGG_MIN ? "min" : "max");
	if (v[SLOT_N])
		jsonw_s64(w, (__s64)v[SLOT_MINMAX]);
	else
		jsonw_null(w);
}

static void json_avg(struct json_writer *w, const struct aggmon_entry *e)
{
	long double avg;
	double sd;
	char buf[48];

	jsonw_u64_field(w, "count", entry_value(e)[SLOT_N]);
	aggmon_entry_sum_format(e, buf, sizeof(buf));
	jsonw_name(w, "sum");
	jsonw_number(w, buf);
	jsonw_name(w, "avg");
	if (aggmon_entry_avg(e, &avg))
		jsonw_null(w);
	else
		jsonw_double(w, (double)avg);
	if (e->info->func != AGGMON_AGG_STDDEV)
		return;
	jsonw_name(w, "stddev");
	if (aggmon_entry_stddev(e, &sd))
		jsonw_null(w);
	else
		jsonw_double(w, sd);
}

static void json_buckets(struct json_writer *w, const struct aggmon_entry *e)
{
	const __u64 *b = entry_value(e);
	__u64 total = 0;
	__s64 min, max;
	__u32 i;

	aggmon_entry_count(e, &total);
	jsonw_u64_field(w, "count", total);
	jsonw_name(w, "buckets");
	jsonw_start_array(w);
	for (i = 0; i < e->info->value_slots; i++) {
		if (!b[i])
			continue;
		aggmon_agg_bucket_range(e->info, i, &min, &max);
		jsonw_start_object(w);
		jsonw_s64_field(w, "min", min);
		jsonw_s64_field(w, "max", max);
		jsonw_u64_field(w, "count", b[i]);
		jsonw_end_object(w);
	}
	jsonw_end_array(w);
}

static void json_entry(struct json_writer *w, const struct aggmon_entry *e)
{
	const __u64 *v = entry_value(e);

	jsonw_start_object(w);
	json_key(w, e);
	switch (e->info->func) {
	case AGGMON_AGG_COUNT:
		jsonw_u64_field(w, "count", v[0]);
		break;
	case AGGMON_AGG_SUM:
		jsonw_s64_field(w, "sum", (__s64)v[0]);
		break;
	case AGGMON_AGG_MIN:
	case AGGMON_AGG_MAX:
		json_minmax(w, e);
		break;
	case AGGMON_AGG_AVG:
	case AGGMON_AGG_STDDEV:
		json_avg(w, e);
		break;
	default:
		json_buckets(w, e);
		break;
	}
	jsonw_end_object(w);
}

/* The dictionary entry: what the entries' fields mean. */
static void json_info(struct json_writer *w, const struct aggmon_agg_info *info)
{
	const char *source = aggmon_agg_source_name(info->source);
	__u32 i;

	jsonw_u64_field(w, "id", info->id);
	jsonw_string_field(w, "name", info->name);
	jsonw_string_field(w, "func", aggmon_agg_func_name(info->func));
	jsonw_string_field(w, "source", source ? source : "unknown");
	if (info->func == AGGMON_AGG_LLQUANTIZE)
		jsonw_u64_field(w, "factor", info->factor);
	if (info->func == AGGMON_AGG_LQUANTIZE ||
	    info->func == AGGMON_AGG_LLQUANTIZE) {
		jsonw_s64_field(w, "low", info->low);
		jsonw_s64_field(w, "high", info->high);
		jsonw_u64_field(w, "step", info->step);
	}
	if (info->gauge_id)
		jsonw_u64_field(w, "gauge_id", info->gauge_id);
	jsonw_name(w, "keys");
	jsonw_start_array(w);
	for (i = 0; i < info->nkeys; i++)
		jsonw_string(w, aggmon_key_field_name(info->keys[i]));
	jsonw_end_array(w);
	jsonw_bool_field(w, "gone", info->state & AGGMON_AGG_GONE);
}

int aggmon_table_json(struct json_writer *w, const struct aggmon_table *table,
		      __u64 agg_id, int sort)
{
	const struct aggmon_agg_info *info;
	const struct aggmon_entry **entries;
	size_t n, i;
	int err;

	info = agg_id ? aggmon_table_info(table, agg_id) : NULL;
	if (!info)
		return -ENOENT;
	err = aggmon_table_entries(table, agg_id, sort, &entries, &n);
	if (err)
		return err;
	jsonw_start_object(w);
	json_info(w, info);
	jsonw_name(w, "entries");
	jsonw_start_array(w);
	for (i = 0; i < n; i++)
		json_entry(w, entries[i]);
	jsonw_end_array(w);
	jsonw_end_object(w);
	free(entries);
	return 0;
}

int aggmon_print_json(FILE *out, const struct aggmon_table *table,
		      __u64 agg_id, int sort, bool pretty)
{
	struct json_writer *w = jsonw_new(out);
	int err;

	if (!w)
		return -ENOMEM;
	jsonw_pretty(w, pretty);
	err = aggmon_table_json(w, table, agg_id, sort);
	jsonw_destroy(&w);
	return err ? err : out_err(out);
}

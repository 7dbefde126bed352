// SPDX-License-Identifier: GPL-2.0
/*
 * aggmon export: the gauges and the aggregations as metrics, in the text
 * formats Prometheus scrapes, OpenMetrics 1.0 (the default) or the classic
 * Prometheus format.
 *
 * The model:
 * - a gauge is a gauge: one family per gauge NAME, "aggmon_gauge_NAME"
 *   with its unit as a suffix and in "# UNIT", one sample per item, the
 *   item as the label "item";
 * - an aggregation is one family "aggmon_agg_NAME", its keys as labels
 *   named after their fields (cpu, pid, comm, ...): count and sum are
 *   counters (a sum that is negative somewhere is a gauge: a counter
 *   cannot be), min, max, avg and stddev gauges, and quantize, lquantize
 *   and llquantize histograms: every bucket of the distribution,
 *   cumulative, "le" its largest value, the overflow bucket le="+Inf",
 *   the underflow bucket the first.  The kernel keeps no sum of a
 *   distribution, and OpenMetrics wants none where buckets are negative,
 *   so there is no _sum, and then no _count either (the +Inf bucket is
 *   the count);
 * - the values that aggregations dropped for want of room are the
 *   counter aggmon_agg_dropped_total{agg="NAME"}.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "export.h"
#include "libaggmon.h"

/*
 * Writing
 * =======
 */

static void om_printf(struct om_writer *w, const char *fmt, ...)
	__printf(2, 3);

static void om_printf(struct om_writer *w, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (vfprintf(w->f, fmt, ap) < 0 && !w->err)
		w->err = errno ? -errno : -EIO;
	va_end(ap);
}

/* @s with backslash, newline (and double quote if @quote) escaped. */
static void om_escaped(struct om_writer *w, const char *s, bool quote)
{
	for (; *s; s++) {
		if (*s == '\\')
			om_printf(w, "\\\\");
		else if (*s == '\n')
			om_printf(w, "\\n");
		else if (*s == '"' && quote)
			om_printf(w, "\\\"");
		else
			om_printf(w, "%c", *s);
	}
}

static const char *const type_names[] = {
	[OM_GAUGE]	= "gauge",
	[OM_COUNTER]	= "counter",
	[OM_HISTOGRAM]	= "histogram",
};

void om_family(struct om_writer *w, const char *name, enum om_type type,
	       const char *unit, const char *help)
{
	/* The classic format names a counter as its samples are named. */
	const char *total = !w->openmetrics && type == OM_COUNTER ?
			    "_total" : "";

	om_printf(w, "# HELP %s%s ", name, total);
	/* OpenMetrics escapes '"' in HELP, the classic format does not. */
	om_escaped(w, help, w->openmetrics);
	om_printf(w, "\n# TYPE %s%s %s\n", name, total, type_names[type]);
	if (unit && w->openmetrics)
		om_printf(w, "# UNIT %s %s\n", name, unit);
}

void om_labels_init(struct om_labels *l)
{
	l->text[0] = '\0';
	l->len = 0;
}

void om_label(struct om_labels *l, const char *key, const char *value)
{
	size_t room = sizeof(l->text) - 4;	/* '}', '\0' and one escape */

	if (l->len >= room)
		return;
	l->text[l->len ? l->len - 1 : 0] = l->len ? ',' : '{';
	l->len = l->len ? l->len : 1;
	l->len += snprintf(l->text + l->len, room - l->len, "%s=\"", key);
	for (; *value && l->len < room; value++) {
		if (*value == '\\' || *value == '"' || *value == '\n')
			l->text[l->len++] = '\\';
		l->text[l->len++] = *value == '\n' ? 'n' : *value;
	}
	l->text[l->len++] = '"';
	l->text[l->len++] = '}';
	l->text[l->len] = '\0';
}

void om_sample(struct om_writer *w, const char *name, const char *suffix,
	       const struct om_labels *l, const char *value)
{
	om_printf(w, "%s%s%s %s\n", name, suffix, l ? l->text : "", value);
}

void om_sample_s64(struct om_writer *w, const char *name, const char *suffix,
		   const struct om_labels *l, __s64 value)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%lld", (long long)value);
	om_sample(w, name, suffix, l, buf);
}

void om_sample_u64(struct om_writer *w, const char *name, const char *suffix,
		   const struct om_labels *l, __u64 value)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)value);
	om_sample(w, name, suffix, l, buf);
}

void om_end(struct om_writer *w)
{
	if (w->openmetrics)
		om_printf(w, "# EOF\n");
	if (fflush(w->f) && !w->err)
		w->err = errno ? -errno : -EIO;
}

static bool valid_unit(const char *unit)
{
	const char *p;

	for (p = unit; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_'))
			return false;
	return *unit;
}

/*
 * Units that Prometheus wants in their base unit: times in seconds (the
 * values divided by the scale), bytes spelt out.
 */
static const struct {
	const char *unit, *base;
	double scale;
} base_units[] = {
	{ "ns",		"seconds",	1e9 },
	{ "us",		"seconds",	1e6 },
	{ "ms",		"seconds",	1e3 },
	{ "s",		"seconds",	1 },
	{ "sec",	"seconds",	1 },
	{ "seconds",	"seconds",	1 },
	{ "b",		"bytes",	1 },
	{ "bytes",	"bytes",	1 },
};

static int base_unit(const char *unit)
{
	size_t i;

	for (i = 0; unit && i < ARRAY_SIZE(base_units); i++)
		if (!strcmp(unit, base_units[i].unit))
			return i;
	return -1;
}

void om_metric_name(struct om_name *m, const char *prefix, const char *name,
		    const char *unit, bool unit_in_name)
{
	size_t len, ulen;
	char *p, *last;
	int b;

	len = snprintf(m->name, sizeof(m->name), "%s%s", prefix, name);
	for (p = m->name + strlen(prefix); *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_' || *p == ':'))
			*p = '_';
	m->unit = NULL;
	m->scale = 1;
	/* "syscall_ns": the unit is the last word of the name. */
	last = strrchr(m->name + strlen(prefix), '_');
	b = unit_in_name && last && !unit ? base_unit(last + 1) : -1;
	if (b >= 0) {
		len = last - m->name;
		len += snprintf(last, sizeof(m->name) - len, "_%s",
				base_units[b].base);
		m->unit = base_units[b].base;
		m->scale = base_units[b].scale;
		return;
	}
	if (!unit || !valid_unit(unit))
		return;
	b = base_unit(unit);
	m->unit = b >= 0 ? base_units[b].base : unit;
	m->scale = b >= 0 ? base_units[b].scale : 1;
	if (b >= 0 && last && base_unit(last + 1) >= 0 &&
	    base_units[base_unit(last + 1)].scale == m->scale)
		len = last - m->name;	/* "x_ns" in ns: "x_seconds" */
	ulen = strlen(m->unit);
	if (len > ulen + 1 && m->name[len - ulen - 1] == '_' &&
	    !strncmp(m->name + len - ulen, m->unit, ulen))
		m->name[len] = '\0';
	else
		snprintf(m->name + len, sizeof(m->name) - len, "_%s", m->unit);
}

/* @v divided by @scale, the shortest decimal that reads back the same. */
static void scaled(char *buf, size_t size, long double v, double scale)
{
	double d = (double)(v / scale);
	int prec;

	if (scale == 1 && v == (long double)(long long)v) {
		snprintf(buf, size, "%lld", (long long)v);
		return;
	}
	for (prec = 1; prec < 17; prec++) {
		snprintf(buf, size, "%.*g", prec, d);
		if (strtod(buf, NULL) == d)
			return;
	}
	snprintf(buf, size, "%.17g", d);
}

const char *seen_add(struct seen *s, const char *metric,
		     const char *owner, int *err)
{
	size_t i;
	void *p;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->names[i], metric))
			return s->owners[i];
	p = realloc(s->names, (s->n + 1) * sizeof(*s->names));
	if (p)
		s->names = p;
	p = p ? realloc(s->owners, (s->n + 1) * sizeof(*s->owners)) : NULL;
	if (!p) {
		*err = -ENOMEM;
		return NULL;
	}
	s->owners = p;
	snprintf(s->names[s->n], sizeof(s->names[s->n]), "%s", metric);
	snprintf(s->owners[s->n], sizeof(s->owners[s->n]), "%s", owner);
	s->n++;
	return NULL;
}

void seen_free(struct seen *s)
{
	free(s->names);
	free(s->owners);
}

/*
 * Gauges
 * ======
 */

struct gauge_row {
	struct aggmon_gauge_info info;
	__s64 value;
};

static int row_cmp(const void *a, const void *b)
{
	const struct aggmon_gauge_info *x = &((const struct gauge_row *)a)->info;
	const struct aggmon_gauge_info *y = &((const struct gauge_row *)b)->info;

	return strcmp(x->name, y->name) ?: strcmp(x->item, y->item) ?:
	       (x->id > y->id) - (x->id < y->id);
}

static int write_gauges(struct om_writer *w, struct gauge_row *rows, size_t n,
			struct seen *seen)
{
	char help[AGGMON_NAME_LEN * 2 + 32], value[32];
	struct om_labels l;
	struct om_name m;
	const char *owner;
	size_t i, j;
	int err = 0;

	for (i = 0; i < n; i = j) {
		const struct aggmon_gauge_info *g = &rows[i].info;

		for (j = i + 1; j < n && !strcmp(rows[j].info.name, g->name); j++)
			;
		om_metric_name(&m, "aggmon_", g->name, *g->unit ? g->unit : NULL,
			       true);
		owner = seen_add(seen, m.name, g->name, &err);
		if (err)
			break;
		if (owner) {
			p_err("%s and gauge %s make one metric name %s: %s left out",
			      owner, g->name, m.name, g->name);
			err = EXIT_FAILURE;
			continue;
		}
		if (m.unit || !*g->unit)
			snprintf(help, sizeof(help), "aggmon gauge %s", g->name);
		else
			snprintf(help, sizeof(help), "aggmon gauge %s, in %s",
				 g->name, g->unit);
		om_family(w, m.name, OM_GAUGE, m.unit, help);
		for (; i < j; i++) {
			om_labels_init(&l);
			if (rows[i].info.item[0])
				om_label(&l, "item", rows[i].info.item);
			scaled(value, sizeof(value), rows[i].value, m.scale);
			om_sample(w, m.name, "", &l, value);
		}
	}
	if (err == -ENOMEM) {
		p_err("out of memory");
		err = EXIT_FAILURE;
	}
	return err;
}

int export_gauges(struct om_writer *w, struct seen *seen)
{
	struct gauge_row *rows = NULL;
	__s64 *values = NULL;
	size_t n, i, k = 0;
	__u64 *ids;
	__u32 cnt;
	int err;

	err = aggmon_gauge_list_all(&ids, &n);
	if (err)
		return p_sys_err(err, NULL, "cannot list the gauges");
	rows = calloc(n ?: 1, sizeof(*rows));
	values = calloc(n ?: 1, sizeof(*values));
	if (!rows || !values) {
		p_err("out of memory");
		err = EXIT_FAILURE;
		goto out;
	}
	/* A gauge removed since the list is no longer a metric. */
	for (i = 0; i < n; i++) {
		err = aggmon_gauge_info_by_id(ids[i], &rows[k].info);
		if (err == -ENOENT)
			continue;
		if (err) {
			err = p_sys_err(err, NULL, "cannot look up gauge %llu",
					(unsigned long long)ids[i]);
			goto out;
		}
		ids[k++] = ids[i];
	}
	cnt = k;
	err = k ? aggmon_gauge_read(ids, values, &cnt) : 0;
	if (err) {
		err = p_sys_err(err, NULL, "cannot read the gauges");
		goto out;
	}
	for (i = 0; i < k; i++)
		rows[i].value = values[i];
	qsort(rows, k, sizeof(*rows), row_cmp);
	err = write_gauges(w, rows, k, seen);
out:
	free(values);
	free(rows);
	free(ids);
	return err;
}

/*
 * Aggregations
 * ============
 */

/* The labels of an entry's key fields: "cpu", "pid"; "arg0", "arg1" if repeated. */
static void key_labels(const struct aggmon_entry *e, struct om_labels *l)
{
	const struct aggmon_agg_info *info = aggmon_entry_info(e);
	char name[32], value[32];
	__u32 i, j, same;

	om_labels_init(l);
	for (i = 0; i < info->nkeys; i++) {
		const char *field = name_of(aggmon_key_field_name,
					    info->keys[i]);

		for (j = same = 0; j < info->nkeys; j++)
			same += info->keys[j] == info->keys[i];
		if (same > 1)
			snprintf(name, sizeof(name), "%s%u", field, i);
		else
			snprintf(name, sizeof(name), "%s", field);
		if (aggmon_entry_key_format(e, i, value, sizeof(value)) < 0)
			snprintf(value, sizeof(value), "?");
		om_label(l, name, value);
	}
}

static bool is_dist(__u32 func)
{
	return func == AGGMON_AGG_QUANTIZE || func == AGGMON_AGG_LQUANTIZE ||
	       func == AGGMON_AGG_LLQUANTIZE;
}

/* The cumulative buckets of a distribution entry, then +Inf. */
static void write_buckets(struct om_writer *w, const struct om_name *m,
			  const struct aggmon_entry *e, struct om_labels *keys)
{
	const char *metric = m->name;
	const struct aggmon_agg_info *info = aggmon_entry_info(e);
	const __u64 *b;
	__u64 total = 0;
	__s64 min, max = 0;
	struct om_labels l;
	__u32 n, i;
	char le[32];

	if (aggmon_entry_buckets(e, &b, &n))
		return;
	for (i = 0; i < n; i++) {
		total += b[i];
		if (aggmon_agg_bucket_range(info, i, &min, &max) < 0)
			break;
		if (max == INT64_MAX)
			snprintf(le, sizeof(le), "+Inf");
		else
			scaled(le, sizeof(le), max, m->scale);
		l = *keys;
		om_label(&l, "le", le);
		om_sample_u64(w, metric, "_bucket", &l, total);
	}
	if (max != INT64_MAX) {
		l = *keys;
		om_label(&l, "le", "+Inf");
		om_sample_u64(w, metric, "_bucket", &l, total);
	}
}

/* The sample of a count, sum, min, max, avg or stddev entry; none without a value. */
static void write_value(struct om_writer *w, const struct om_name *m,
			const char *suffix, const struct aggmon_entry *e,
			const struct om_labels *l)
{
	long double v;
	char buf[48];
	double sd;
	__s64 s;
	__u64 u;
	int err = -EINVAL;

	switch (aggmon_entry_info(e)->func) {
	case AGGMON_AGG_COUNT:
		err = aggmon_entry_count(e, &u);
		v = u;
		break;
	case AGGMON_AGG_SUM:
		/* Exact, even beyond 64 bits. */
		if (aggmon_entry_sum_format(e, buf, sizeof(buf)) > 0)
			err = 0;
		v = strtold(buf, NULL);
		if (!err && m->scale == 1) {
			om_sample(w, m->name, suffix, l, buf);
			return;
		}
		break;
	case AGGMON_AGG_MIN:
		err = aggmon_entry_min(e, &s);
		v = s;
		break;
	case AGGMON_AGG_MAX:
		err = aggmon_entry_max(e, &s);
		v = s;
		break;
	case AGGMON_AGG_AVG:
		err = aggmon_entry_avg(e, &v);
		break;
	case AGGMON_AGG_STDDEV:
		err = aggmon_entry_stddev(e, &sd);
		v = sd;
		break;
	}
	if (err)
		return;		/* no value: n is 0 */
	scaled(buf, sizeof(buf), v, m->scale);
	om_sample(w, m->name, suffix, l, buf);
}

/* Whether a sum entry is below 0 (a counter cannot be). */
static bool negative_sum(const struct aggmon_entry *e)
{
	char buf[48];

	return aggmon_entry_sum_format(e, buf, sizeof(buf)) > 0 && *buf == '-';
}

static enum om_type agg_type(const struct aggmon_agg_info *info,
			     const struct aggmon_entry **ents, size_t n)
{
	size_t i;

	if (is_dist(info->func))
		return OM_HISTOGRAM;
	if (info->func == AGGMON_AGG_COUNT)
		return OM_COUNTER;
	if (info->func != AGGMON_AGG_SUM)
		return OM_GAUGE;
	for (i = 0; i < n; i++)
		if (negative_sum(ents[i]))
			return OM_GAUGE;
	return OM_COUNTER;
}

static void agg_help(const struct aggmon_agg_info *info, char *buf,
		     size_t size)
{
	size_t len;
	__u32 i;

	len = snprintf(buf, size, "aggmon aggregation %s: %s", info->name,
		       name_of(aggmon_agg_func_name, info->func));
	if (info->func == AGGMON_AGG_LQUANTIZE)
		len += snprintf(buf + len, size - len, " %lld %lld %llu",
				(long long)info->low, (long long)info->high,
				(unsigned long long)info->step);
	else if (info->func == AGGMON_AGG_LLQUANTIZE)
		len += snprintf(buf + len, size - len, " %u %lld %lld %llu",
				info->factor, (long long)info->low,
				(long long)info->high,
				(unsigned long long)info->step);
	for (i = 0; i < info->nkeys && len < size; i++)
		len += snprintf(buf + len, size - len, "%s%s", i ? "," : " by ",
				name_of(aggmon_key_field_name, info->keys[i]));
}

static int write_agg(struct om_writer *w, const struct aggmon_table *table,
		     __u64 id, struct seen *seen)
{
	const struct aggmon_agg_info *info = aggmon_table_info(table, id);
	const struct aggmon_entry **ents;
	struct om_labels l;
	struct om_name m;
	enum om_type type;
	const char *owner;
	char help[256];
	size_t n, i;
	int err = 0;

	/* A count counts, whatever the unit of what it counts. */
	om_metric_name(&m, "aggmon_agg_", info->name, NULL,
		       info->func != AGGMON_AGG_COUNT);
	owner = seen_add(seen, m.name, info->name, &err);
	if (err)
		return err;
	if (owner) {
		p_err("%s and aggregation %s make one metric name %s: %s left out",
		      owner, info->name, m.name, info->name);
		return EXIT_FAILURE;
	}
	err = aggmon_table_entries(table, id, AGGMON_SORT_KEY, &ents, &n);
	if (err)
		return err;
	type = agg_type(info, ents, n);
	agg_help(info, help, sizeof(help));
	om_family(w, m.name, type, m.unit, help);
	for (i = 0; i < n; i++) {
		key_labels(ents[i], &l);
		if (type == OM_HISTOGRAM)
			write_buckets(w, &m, ents[i], &l);
		else
			write_value(w, &m, type == OM_COUNTER ? "_total" : "",
				    ents[i], &l);
	}
	free(ents);
	return 0;
}

struct agg_read {
	__u64 id;
	__u64 drops;
	bool read;
};

/* Read every aggregation into @table; @aggs[i].read for those read. */
static int read_aggs(struct aggmon_table *table, struct agg_read **aggs,
		     size_t *n)
{
	__u64 *ids;
	size_t i;
	int fd, err;

	err = aggmon_agg_list_all(&ids, n);
	if (err)
		return p_sys_err(err, NULL, "cannot list the aggregations");
	*aggs = calloc(*n ?: 1, sizeof(**aggs));
	if (!*aggs) {
		free(ids);
		p_err("out of memory");
		return EXIT_FAILURE;
	}
	for (i = 0; i < *n; i++) {
		(*aggs)[i].id = ids[i];
		fd = aggmon_agg_open_id(ids[i]);
		if (fd == -ENOENT)	/* gone since the list */
			continue;
		if (fd < 0) {
			err = p_sys_err(fd, NULL, "cannot open aggregation %llu",
					(unsigned long long)ids[i]);
			break;
		}
		err = aggmon_table_read(table, fd, 0, &(*aggs)[i].drops);
		close(fd);
		if (err == -EOPNOTSUPP) {
			p_err("aggregation %llu has a function or key this aggmon does not know: update aggmon",
			      (unsigned long long)ids[i]);
			err = EXIT_FAILURE;
			break;
		}
		if (err) {
			err = p_sys_err(err, NULL, "cannot read aggregation %llu",
					(unsigned long long)ids[i]);
			break;
		}
		(*aggs)[i].read = true;
	}
	free(ids);
	return err;
}

int export_aggs(struct om_writer *w, struct seen *seen)
{
	struct aggmon_table *table = NULL;
	struct aggmon_dict *dict = NULL;
	struct agg_read *aggs = NULL;
	struct om_labels l;
	size_t n = 0, i;
	int err, ret = 0;

	err = aggmon_dict_new(&dict);
	if (!err)
		err = aggmon_table_new(dict, &table);
	if (err) {
		p_err("out of memory");
		ret = EXIT_FAILURE;
		goto out;
	}
	ret = read_aggs(table, &aggs, &n);
	for (i = 0; !ret && i < n; i++) {
		if (!aggs[i].read)
			continue;
		err = write_agg(w, table, aggs[i].id, seen);
		if (err == EXIT_FAILURE) {
			ret = err;
		} else if (err) {
			p_err("out of memory");
			ret = EXIT_FAILURE;
		}
	}
	if (!ret && n && seen_add(seen, "aggmon_agg_dropped", "drops", &err)) {
		p_err("an aggregation makes the metric name aggmon_agg_dropped: the drop counts left out");
		ret = EXIT_FAILURE;
	} else if (!ret && n) {
		om_family(w, "aggmon_agg_dropped", OM_COUNTER, NULL,
			  "aggmon values an aggregation dropped: its buffer was full");
		for (i = 0; i < n; i++) {
			if (!aggs[i].read)
				continue;
			om_labels_init(&l);
			om_label(&l, "agg",
				 aggmon_table_info(table, aggs[i].id)->name);
			om_sample_u64(w, "aggmon_agg_dropped", "_total", &l,
				      aggs[i].drops);
		}
	}
out:
	free(aggs);
	aggmon_table_free(table);
	aggmon_dict_free(dict);
	return ret;
}

int export_all(struct om_writer *w, struct seen *seen)
{
	int err = export_gauges(w, seen);

	if (!err)
		err = export_aggs(w, seen);
	if (!err)
		om_end(w);
	return err ?: w->err;
}

/*
 * The file
 * ========
 */

int metrics_file_replace(const char *path, int (*write)(FILE *f, void *arg),
			 void *arg)
{
	char tmp[4096];
	FILE *f;
	int err;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	f = fopen(tmp, "w");
	if (!f)
		return -errno;
	err = write(f, arg);
	if (!err && (fflush(f) || fsync(fileno(f))))
		err = -errno;
	if (fclose(f) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}

/*
 * aggmon export
 * =============
 */

static int do_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("Usage: aggmon export [format { openmetrics | prometheus }] [output FILE]\n"
	       "       aggmon export help\n"
	       "\n"
	       "Prints every gauge and every aggregation as metrics that Prometheus\n"
	       "scrapes: OpenMetrics 1.0 text (the default, ending with # EOF), or the\n"
	       "classic Prometheus text format with 'format prometheus'.\n"
	       "  aggmon_gauge_NAME[_UNIT]{item=\"ITEM\"}   gauge, one family per NAME\n"
	       "  aggmon_agg_NAME{KEY=\"...\"}             count, sum: counter (_total; a\n"
	       "                                         sum below 0 somewhere: gauge);\n"
	       "                                         min, max, avg, stddev: gauge;\n"
	       "                                         quantize, lquantize, llquantize:\n"
	       "                                         histogram, cumulative _bucket\n"
	       "                                         with le=\"+Inf\", no _sum\n"
	       "  aggmon_agg_dropped_total{agg=\"NAME\"}    values dropped, buffer full\n"
	       "output FILE writes FILE.tmp and renames it to FILE, so that a reader\n"
	       "(node_exporter's textfile collector: FILE in its directory, named\n"
	       "*.prom) sees a whole file.  'aggmon monitor' can keep such a file too.\n");
	return EXIT_SUCCESS;
}

int take_format(struct words *ws, bool *has_format, bool *prometheus)
{
	const char *arg;

	if (*has_format)
		return parse_err(ws, "format given twice");
	*has_format = true;
	arg = take_arg(ws, "openmetrics or prometheus");
	if (!arg)
		return EXIT_USAGE;
	if (strcmp(arg, "openmetrics") && strcmp(arg, "prometheus"))
		return parse_err(ws, "invalid format '%s': expected openmetrics or prometheus",
				 arg);
	*prometheus = !strcmp(arg, "prometheus");
	return 0;
}

struct export_opts {
	bool openmetrics;
	const char *output;
};

static int write_all(FILE *f, void *arg)
{
	const struct export_opts *o = arg;
	struct om_writer w = { .f = f, .openmetrics = o->openmetrics };
	struct seen seen = { 0 };
	int err = export_all(&w, &seen);

	seen_free(&seen);
	return err;
}

static int export_parse(int argc, char **argv, struct export_opts *o)
{
	struct words ws = { argv, argc, 0, NULL, "export" };
	bool has_format = false, prometheus;

	o->openmetrics = true;
	while (peek(&ws)) {
		if (at_keyword(&ws, "format")) {
			if (take_format(&ws, &has_format, &prometheus))
				return EXIT_USAGE;
			o->openmetrics = !prometheus;
		} else if (at_keyword(&ws, "output")) {
			if (o->output)
				return parse_err(&ws, "output given twice");
			o->output = take_arg(&ws, "a FILE");
			if (!o->output)
				return EXIT_USAGE;
		} else {
			return parse_err(&ws, "unknown argument '%s'", peek(&ws));
		}
	}
	if (json_output)
		return parse_err(&ws, "export prints metrics, not JSON: leave out -j");
	return 0;
}

/* The arguments of 'aggmon export', for cmd_select(), which takes none. */
static int export_argc;
static char **export_argv;

static int do_run(int argc, char **argv)
{
	struct export_opts o = { 0 };
	int err;

	(void)argc;
	(void)argv;
	err = export_parse(export_argc, export_argv, &o);
	if (err)
		return err;
	if (!o.output) {
		err = write_all(stdout, &o);
		if (err < 0)
			return p_sys_err(err, NULL, "cannot write the metrics");
		return err;
	}
	err = metrics_file_replace(o.output, write_all, &o);
	if (err < 0)
		return p_sys_err(err, NULL, "cannot write %s", o.output);
	return err;
}

static const struct cmd cmds[] = {
	{ "run",	do_run },
	{ NULL,		NULL },
};

int do_export(int argc, char **argv)
{
	if (argc == 1 && !strcmp(argv[0], "help"))
		return do_help(argc, argv);
	/* cmd_select() answers --help; otherwise the arguments are ours. */
	export_argc = argc;
	export_argv = argv;
	return cmd_select(cmds, 0, argv, "export", do_help);
}

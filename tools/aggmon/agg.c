// SPDX-License-Identifier: GPL-2.0
/*
 * aggmon agg: list, show, dump and run aggregations.
 *
 * A report is what DTrace's consumer does with an aggregation: take a
 * snapshot of every CPU's buffer, merge the data sets of each key in a
 * user-level table (libaggmon's aggmon_table) and print the table as
 * printa() prints it, or as JSON.  'run' creates a user aggregation over
 * a gauge, owned by its file descriptor, so that it goes away with the
 * command.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "libaggmon.h"

#define LIST_COLS		6
#define CELL_LEN		96
/* duration: 1ms to 366 days (8784h). */
#define MIN_DURATION_NS		NSEC_PER_MSEC
#define MAX_DURATION_NS		(366ULL * 24 * 3600 * NSEC_PER_SEC)

static int do_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("Usage: aggmon [OPTIONS] agg { list | show | dump | run | help }\n"
	       "       aggmon agg list\n"
	       "       aggmon agg show AGG\n"
	       "       aggmon agg dump AGG [clear]\n"
	       "       aggmon agg run NAME GAUGE FUNC [by KEY[,KEY...]] [source { delta | level }]\n"
	       "                      [entries N] [interval DURATION] [clear] [count N]\n"
	       "                      [duration DURATION]\n"
	       "       aggmon agg help\n"
	       "\n"
	       "       AGG      := { id ID | name NAME }\n"
	       "       GAUGE    := { ID | NAME[:ITEM] }, as 'aggmon gauge' takes it\n"
	       "       FUNC     := { count | sum | min | max | avg | stddev | quantize |\n"
	       "                     lquantize LOW HIGH STEP |\n"
	       "                     llquantize FACTOR LOW HIGH STEPS }\n"
	       "       KEY      := { gauge | cpu | pid | tgid | uid | comm | cgroup }\n"
	       "       DURATION := NUMBER{ns|us|ms|s|min|h}, e.g. 500ms, 2s (a unit is needed)\n"
	       "\n"
	       "list  prints one line per aggregation, by id: ID NAME FUNCTION SOURCE KEYS\n"
	       "      ENTRIES (data sets per CPU); a line of \"-\" is one this user may not\n"
	       "      open (another user's, or keyed by tasks without CAP_PERFMON).\n"
	       "show  prints the dictionary entry of one aggregation.\n"
	       "dump  takes one snapshot, merges the CPUs' data sets and prints them as\n"
	       "      DTrace's printa() does; 'clear' empties the buffers as it reads.\n"
	       "run   creates aggregation NAME of the updates of GAUGE (source delta,\n"
	       "      the default: by how much it changed; level: its new value), keyed\n"
	       "      by the KEYs (none: one data set per CPU), and prints it once when\n"
	       "      it ends, at SIGINT or SIGTERM or after 'duration' (1ms to 8784h),\n"
	       "      as dtrace does; with 'interval' (1ms to 24h), at every interval\n"
	       "      and at the end, or until 'count' N reports are out ('count'\n"
	       "      alone: every second); with 'clear', each report holds only the\n"
	       "      values since the one before.  'entries' N: data sets per CPU\n"
	       "      (default 1024).\n"
	       "      Keys pid, tgid, uid, comm and cgroup need CAP_PERFMON.\n"
	       "Values dropped because a CPU's buffer was full are reported on stderr.\n"
	       "With -j, list prints an array of objects as show prints one ({\"id\",\"name\",\n"
	       "\"func\",\"source\",\"keys\",\"entries_per_cpu\",...}), and dump and run print\n"
	       "each report as one object {\"id\",\"name\",\"func\",...,\"entries\": [data sets]},\n"
	       "one per line unless --pretty.\n");
	return EXIT_SUCCESS;
}

/*
 * Text
 * ----
 */

static const char *or_dash(const char *s)
{
	return s && *s ? s : "-";
}

/* The function and its parameters: "quantize", "lquantize(0,100,10)". */
static void func_text(const struct aggmon_agg_info *info, char *buf,
		      size_t size)
{
	const char *name = or_dash(aggmon_agg_func_name(info->func));

	if (info->func == AGGMON_AGG_LQUANTIZE)
		snprintf(buf, size, "%s(%lld,%lld,%llu)", name,
			 (long long)info->low, (long long)info->high,
			 (unsigned long long)info->step);
	else if (info->func == AGGMON_AGG_LLQUANTIZE)
		snprintf(buf, size, "%s(%u,%lld,%lld,%llu)", name,
			 info->factor, (long long)info->low,
			 (long long)info->high, (unsigned long long)info->step);
	else
		snprintf(buf, size, "%s", name);
}

/* The key fields separated by commas, or "-". */
static void keys_text(const struct aggmon_agg_info *info, char *buf,
		      size_t size)
{
	size_t len = 0;
	__u32 i;

	snprintf(buf, size, "-");
	for (i = 0; i < info->nkeys && i < AGGMON_AGG_KEYS_MAX && len < size;
	     i++)
		len += snprintf(buf + len, size - len, "%s%s", i ? "," : "",
				or_dash(aggmon_key_field_name(info->keys[i])));
}

static const char *source_text(const struct aggmon_agg_info *info)
{
	return or_dash(aggmon_agg_source_name(info->source));
}

/*
 * Numbers
 * -------
 */

/* @s as an unsigned decimal in @min..@max. */
static bool parse_unsigned(const char *s, __u64 min, __u64 max, __u64 *val)
{
	unsigned long long v;
	char *end;

	if (!*s || s[strspn(s, "0123456789")])
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || v < min || v > max)
		return false;
	*val = v;
	return true;
}

static bool parse_signed(const char *s, __s64 *val)
{
	const char *digits = *s == '-' ? s + 1 : s;
	long long v;

	if (!*digits || digits[strspn(digits, "0123456789")])
		return false;
	errno = 0;
	v = strtoll(s, NULL, 10);
	if (errno)
		return false;
	*val = v;
	return true;
}

/*
 * Finding and opening aggregations
 * --------------------------------
 */

/* AGG as the command line names it: "id ID" or "name NAME". */
struct agg_spec {
	__u64 id;
	const char *name;
	char text[AGGMON_NAME_LEN + 32];
};

/* Take AGG from the front of @argc and @argv; 0 or EXIT_USAGE, reported. */
static int parse_spec(int *argc, char ***argv, const char *cmd,
		      struct agg_spec *spec)
{
	char **av = *argv;

	memset(spec, 0, sizeof(*spec));
	if (*argc < 2 || (strcmp(av[0], "id") && strcmp(av[0], "name")))
		return p_usage("agg", "'agg %s' needs an aggregation: id ID or name NAME",
			       cmd);
	if (!strcmp(av[0], "id")) {
		if (!parse_unsigned(av[1], 1, ~0ULL, &spec->id))
			return p_usage("agg", "invalid aggregation id '%s'",
				       av[1]);
		snprintf(spec->text, sizeof(spec->text), "id %s", av[1]);
	} else {
		if (!*av[1])
			return p_usage("agg", "empty aggregation name");
		spec->name = av[1];
		snprintf(spec->text, sizeof(spec->text), "%s", av[1]);
	}
	*argc -= 2;
	*argv += 2;
	return 0;
}

/* Report the failure -@err about aggregation @what; EXIT_FAILURE. */
static int agg_err(int err, const char *what, const char *doing)
{
	if (err == -ENOENT) {
		p_err("no such aggregation: %s (see 'aggmon agg list')", what);
		return EXIT_FAILURE;
	}
	return p_sys_err(err, NULL, "cannot %s aggregation %s", doing, what);
}

/* Whether the aggregation of id @id is named @name: its fd if so, or -1. */
static int open_if_named(__u64 id, const char *name)
{
	struct aggmon_agg_info info;
	int fd = aggmon_agg_open_id(id);

	if (fd < 0)
		return -1;
	if (!aggmon_agg_info(fd, &info) && !strcmp(info.name, name))
		return fd;
	close(fd);
	return -1;
}

/*
 * User aggregations have no name the kernel finds: look for the one
 * aggregation this user may open that has the name.  A file descriptor,
 * -ENOENT, -ENOTUNIQ (more than one), or the error of the list.
 */
static int open_by_listed_name(const char *name)
{
	int fd, found = -ENOENT;
	size_t i, n;
	__u64 *ids;
	int err;

	err = aggmon_agg_list_all(&ids, &n);
	if (err)
		return err;
	for (i = 0; i < n; i++) {
		fd = open_if_named(ids[i], name);
		if (fd < 0)
			continue;
		if (found >= 0) {
			close(fd);
			close(found);
			found = -ENOTUNIQ;
			break;
		}
		found = fd;
	}
	free(ids);
	return found;
}

/* Open the aggregation of @spec into *@fd; 0 or an exit status, reported. */
static int open_spec(const struct agg_spec *spec, int *fd)
{
	int ret;

	if (spec->id) {
		ret = aggmon_agg_open_id(spec->id);
	} else {
		ret = aggmon_agg_open_name(spec->name);
		if (ret == -ENAMETOOLONG)
			ret = -ENOENT;
		else if (ret == -ENOENT)
			ret = open_by_listed_name(spec->name);
	}
	if (ret == -ENOTUNIQ) {
		p_err("more than one aggregation is named %s: name one by id (see 'aggmon agg list')",
		      spec->name);
		return EXIT_FAILURE;
	}
	if (ret < 0)
		return agg_err(ret, spec->text, "open");
	*fd = ret;
	return 0;
}

/*
 * list and show
 * -------------
 */

static void json_params(const struct aggmon_agg_info *info)
{
	if (info->func == AGGMON_AGG_LLQUANTIZE)
		jsonw_u64_field(json_wtr, "factor", info->factor);
	if (info->func == AGGMON_AGG_LQUANTIZE ||
	    info->func == AGGMON_AGG_LLQUANTIZE) {
		jsonw_s64_field(json_wtr, "low", info->low);
		jsonw_s64_field(json_wtr, "high", info->high);
		jsonw_u64_field(json_wtr, "step", info->step);
	}
}

/* The dictionary entry, with the field names of aggmon_table_json(). */
static void json_info(const struct aggmon_agg_info *info)
{
	__u32 i;

	jsonw_start_object(json_wtr);
	jsonw_u64_field(json_wtr, "id", info->id);
	jsonw_string_field(json_wtr, "name", info->name);
	jsonw_string_field(json_wtr, "func",
			   or_dash(aggmon_agg_func_name(info->func)));
	json_params(info);
	jsonw_string_field(json_wtr, "source", source_text(info));
	if (info->gauge_id)
		jsonw_u64_field(json_wtr, "gauge_id", info->gauge_id);
	jsonw_name(json_wtr, "keys");
	jsonw_start_array(json_wtr);
	for (i = 0; i < info->nkeys && i < AGGMON_AGG_KEYS_MAX; i++)
		jsonw_string(json_wtr,
			     or_dash(aggmon_key_field_name(info->keys[i])));
	jsonw_end_array(json_wtr);
	jsonw_u64_field(json_wtr, "entries_per_cpu", info->entries);
	jsonw_u64_field(json_wtr, "nr_cpus", info->nr_cpus);
	jsonw_u64_field(json_wtr, "owner_uid", info->owner_uid);
	jsonw_bool_field(json_wtr, "gone", info->state & AGGMON_AGG_GONE);
	jsonw_u64_field(json_wtr, "key_slots", info->key_slots);
	jsonw_u64_field(json_wtr, "value_slots", info->value_slots);
	jsonw_u64_field(json_wtr, "record_size", info->record_size);
	jsonw_end_object(json_wtr);
}

/* One aggregation of the list: its entry, or why it could not be opened. */
struct agg_row {
	__u64 id;
	int err;
	struct aggmon_agg_info info;
};

/* Describe listed aggregation @id: 0, or -ENOENT if it is gone. */
static int describe(__u64 id, struct agg_row *row)
{
	int fd = aggmon_agg_open_id(id);

	row->id = id;
	row->err = fd < 0 ? fd : aggmon_agg_info(fd, &row->info);
	if (fd >= 0)
		close(fd);
	return row->err == -ENOENT ? -ENOENT : 0;
}

static void row_cells(const struct agg_row *row, char cell[][CELL_LEN])
{
	const struct aggmon_agg_info *info = &row->info;
	int i;

	snprintf(cell[0], CELL_LEN, "%llu", (unsigned long long)row->id);
	for (i = 1; i < LIST_COLS; i++)
		snprintf(cell[i], CELL_LEN, "-");
	if (row->err)
		return;
	snprintf(cell[1], CELL_LEN, "%s", info->name);
	func_text(info, cell[2], CELL_LEN);
	snprintf(cell[3], CELL_LEN, "%s", source_text(info));
	keys_text(info, cell[4], CELL_LEN);
	snprintf(cell[5], CELL_LEN, "%u", info->entries);
}

static void print_row(char cell[][CELL_LEN], const int *width)
{
	printf("%*s  %-*s  %-*s  %-*s  %-*s  %*s\n", width[0], cell[0],
	       width[1], cell[1], width[2], cell[2], width[3], cell[3],
	       width[4], cell[4], width[5], cell[5]);
}

static int print_list(const struct agg_row *rows, size_t n)
{
	static const char *const head[LIST_COLS] = {
		"ID", "NAME", "FUNCTION", "SOURCE", "KEYS", "ENTRIES"
	};
	char (*cells)[LIST_COLS][CELL_LEN];
	char hcell[LIST_COLS][CELL_LEN];
	int width[LIST_COLS], c;
	size_t i;

	cells = calloc(n ? n : 1, sizeof(*cells));
	if (!cells) {
		p_err("out of memory");
		return EXIT_FAILURE;
	}
	for (c = 0; c < LIST_COLS; c++) {
		snprintf(hcell[c], CELL_LEN, "%s", head[c]);
		width[c] = (int)strlen(head[c]);
	}
	for (i = 0; i < n; i++) {
		row_cells(&rows[i], cells[i]);
		for (c = 0; c < LIST_COLS; c++)
			if ((int)strlen(cells[i][c]) > width[c])
				width[c] = (int)strlen(cells[i][c]);
	}
	print_row(hcell, width);
	for (i = 0; i < n; i++)
		print_row(cells[i], width);
	free(cells);
	return EXIT_SUCCESS;
}

static void json_list(const struct agg_row *rows, size_t n)
{
	size_t i;

	jsonw_start_array(json_wtr);
	for (i = 0; i < n; i++) {
		if (!rows[i].err) {
			json_info(&rows[i].info);
			continue;
		}
		jsonw_start_object(json_wtr);
		jsonw_u64_field(json_wtr, "id", rows[i].id);
		jsonw_string_field(json_wtr, "error", strerror(-rows[i].err));
		jsonw_end_object(json_wtr);
	}
	jsonw_end_array(json_wtr);
}

static int do_list(int argc, char **argv)
{
	struct agg_row *rows;
	size_t i, n, m = 0;
	int err, ret;
	__u64 *ids;

	if (argc)
		return p_usage("agg", "'agg list' takes no arguments, not '%s'",
			       argv[0]);
	err = aggmon_agg_list_all(&ids, &n);
	if (err)
		return p_sys_err(err, NULL, "cannot list the aggregations");
	rows = calloc(n ? n : 1, sizeof(*rows));
	if (!rows) {
		free(ids);
		p_err("out of memory");
		return EXIT_FAILURE;
	}
	/* Aggregations can go away at any time: skip those that did. */
	for (i = 0; i < n; i++)
		if (!describe(ids[i], &rows[m]))
			m++;
	ret = EXIT_SUCCESS;
	if (json_output)
		json_list(rows, m);
	else
		ret = print_list(rows, m);
	free(rows);
	free(ids);
	return ret;
}

static void print_info(const struct aggmon_agg_info *info)
{
	char buf[CELL_LEN];

	printf("id:           %llu\n", (unsigned long long)info->id);
	printf("name:         %s\n", info->name);
	func_text(info, buf, sizeof(buf));
	printf("function:     %s\n", buf);
	printf("source:       %s\n", source_text(info));
	if (info->gauge_id)
		printf("gauge:        %llu\n", (unsigned long long)info->gauge_id);
	else
		printf("gauge:        -\n");
	keys_text(info, buf, sizeof(buf));
	printf("keys:         %s\n", buf);
	printf("entries:      %u per CPU\n", info->entries);
	printf("cpus:         %u\n", info->nr_cpus);
	printf("owner uid:    %u\n", info->owner_uid);
	printf("state:        %s\n",
	       info->state & AGGMON_AGG_GONE ? "gone" : "live");
	printf("record size:  %u bytes (%u key and %u value words)\n",
	       info->record_size, info->key_slots, info->value_slots);
}

static int do_show(int argc, char **argv)
{
	struct aggmon_agg_info info;
	struct agg_spec spec;
	int fd, err;

	err = parse_spec(&argc, &argv, "show", &spec);
	if (err)
		return err;
	if (argc)
		return p_usage("agg", "unexpected argument '%s' after %s",
			       argv[0], spec.text);
	err = open_spec(&spec, &fd);
	if (err)
		return err;
	err = aggmon_agg_info(fd, &info);
	close(fd);
	if (err)
		return agg_err(err, spec.text, "describe");
	if (json_output)
		json_info(&info);
	else
		print_info(&info);
	return EXIT_SUCCESS;
}

/*
 * Reports: snapshot, merge, print
 * -------------------------------
 */

struct reader {
	int fd;
	__u64 id;
	__u32 flags;		/* 0 or AGGMON_SNAPSHOT_CLEAR */
	const char *what;	/* the aggregation, for messages */
	struct aggmon_dict *dict;
	struct aggmon_table *table;
	__u64 *seen;		/* drops reported so far, per CPU */
	__u32 nr_cpus;
	bool gone;
};

static int reader_init(struct reader *r, int fd, __u32 flags,
		       const char *what)
{
	struct aggmon_agg_info info;
	int err;

	memset(r, 0, sizeof(*r));
	r->fd = fd;
	r->flags = flags;
	r->what = what;
	err = aggmon_dict_new(&r->dict);
	if (!err)
		err = aggmon_table_new(r->dict, &r->table);
	if (!err)
		err = aggmon_dict_add_fd(r->dict, fd, &info);
	if (err == -EOPNOTSUPP) {
		p_err("aggregation %s has a function or key this aggmon does not know: update aggmon",
		      what);
		return EXIT_FAILURE;
	}
	if (err)
		return agg_err(err, what, "read");
	r->id = info.id;
	r->nr_cpus = info.nr_cpus;
	r->seen = calloc(info.nr_cpus ? info.nr_cpus : 1, sizeof(*r->seen));
	if (!r->seen) {
		p_err("out of memory");
		return EXIT_FAILURE;
	}
	return 0;
}

static void reader_free(struct reader *r)
{
	aggmon_table_free(r->table);
	aggmon_dict_free(r->dict);
	free(r->seen);
}

/* Tell the values dropped since the last report, CPU by CPU. */
static void report_drops(struct reader *r, const __u64 *drops, __u32 nr_cpus)
{
	__u64 d;
	__u32 c;

	for (c = 0; c < nr_cpus && c < r->nr_cpus; c++) {
		/* Fewer than seen: someone else cleared the buffers. */
		d = drops[c] >= r->seen[c] ? drops[c] - r->seen[c] : drops[c];
		if (d)
			p_err("dropped %llu values on CPU %u: buffer full",
			      (unsigned long long)d, c);
		r->seen[c] = r->flags & AGGMON_SNAPSHOT_CLEAR ? 0 : drops[c];
	}
}

static int snapshot_err(const struct reader *r, int err)
{
	if (err == -EACCES && (r->flags & AGGMON_SNAPSHOT_CLEAR)) {
		p_err("permission denied: clearing a kernel aggregation needs CAP_PERFMON (dump it without 'clear')");
		return EXIT_FAILURE;
	}
	return agg_err(err, r->what, "read");
}

/* A new snapshot, merged into the emptied table. */
static int read_table(struct reader *r)
{
	struct aggmon_agg_info info;
	__u64 *drops = NULL;
	void *records = NULL;
	size_t nrecords;
	__u32 nr_cpus;
	int err;

	err = aggmon_dict_add_fd(r->dict, r->fd, &info);
	if (err)
		return agg_err(err, r->what, "describe");
	r->gone = info.state & AGGMON_AGG_GONE;
	err = aggmon_agg_snapshot_all(r->fd, r->flags, &records, &nrecords,
				      &drops, &nr_cpus);
	if (err)
		return snapshot_err(r, err);
	aggmon_table_clear(r->table);
	err = aggmon_table_merge(r->table, records, nrecords);
	free(records);
	if (!err)
		report_drops(r, drops, nr_cpus);
	free(drops);
	if (err)
		return agg_err(err, r->what, "merge");
	return 0;
}

/* One report: the table, printed as printa() prints or as JSON. */
static int report(struct reader *r)
{
	int err;

	err = read_table(r);
	if (err)
		return err;
	if (json_output)
		err = aggmon_table_json(json_wtr, r->table, r->id,
					AGGMON_SORT_VALUE);
	else
		err = aggmon_print_agg(stdout, r->table, r->id,
				       AGGMON_SORT_VALUE);
	if (err)
		return agg_err(err, r->what, "print");
	fflush(stdout);
	return 0;
}

static int do_dump(int argc, char **argv)
{
	struct agg_spec spec;
	struct reader r;
	__u32 flags = 0;
	int fd, err;

	err = parse_spec(&argc, &argv, "dump", &spec);
	if (err)
		return err;
	if (argc && !strcmp(argv[0], "clear")) {
		flags = AGGMON_SNAPSHOT_CLEAR;
		argc--;
		argv++;
	}
	if (argc)
		return p_usage("agg", "unexpected argument '%s' after %s%s",
			       argv[0], spec.text, flags ? " clear" : "");
	err = open_spec(&spec, &fd);
	if (err)
		return err;
	err = reader_init(&r, fd, flags, spec.text);
	if (!err)
		err = report(&r);
	reader_free(&r);
	close(fd);
	return err;
}

/*
 * run: the command line
 * ---------------------
 */

struct run_opts {
	struct aggmon_agg_create_attr attr;
	const char *gauge;
	__u64 interval_ns, count, duration_ns;
	__u32 flags;
};

/* A name as the kernel takes it: dot-separated segments of [a-z0-9_]. */
static int check_name(const char *name, char *out)
{
	const char *p;

	if (strlen(name) >= AGGMON_NAME_LEN)
		return p_usage("agg", "aggregation name '%s' is too long: at most %d bytes",
			       name, AGGMON_NAME_LEN - 1);
	for (p = name; *p; p++)
		if (*p == '.' ? p == name || p[1] == '.' || !p[1] :
		    !(*p == '_' || (*p >= 'a' && *p <= 'z') ||
		      (*p >= '0' && *p <= '9')))
			break;
	if (!*name || *p)
		return p_usage("agg",
			       "invalid aggregation name '%s': expected dot-separated segments of [a-z0-9_], e.g. user.myapp.latency",
			       name);
	memcpy(out, name, strlen(name) + 1);
	return 0;
}

static int parse_lquantize(char **av, struct aggmon_agg_create_attr *a)
{
	if (!parse_signed(av[0], &a->low) || !parse_signed(av[1], &a->high) ||
	    !parse_unsigned(av[2], 0, ~0ULL, (__u64 *)&a->step))
		return p_usage("agg", "lquantize needs integers LOW HIGH STEP, not '%s %s %s'",
			       av[0], av[1], av[2]);
	return 0;
}

static int parse_llquantize(char **av, struct aggmon_agg_create_attr *a)
{
	__u64 factor;

	if (!parse_unsigned(av[0], 0, UINT32_MAX, &factor) ||
	    !parse_signed(av[1], &a->low) || !parse_signed(av[2], &a->high) ||
	    !parse_unsigned(av[3], 0, ~0ULL, (__u64 *)&a->step))
		return p_usage("agg",
			       "llquantize needs integers FACTOR LOW HIGH STEPS, not '%s %s %s %s'",
			       av[0], av[1], av[2], av[3]);
	a->factor = factor;
	return 0;
}

/* Check the parameters as the kernel will, for a precise message. */
static int check_params(const struct aggmon_agg_create_attr *a)
{
	struct aggmon_agg_info info = {
		.func = a->func, .low = a->low, .high = a->high,
		.step = a->step, .factor = a->factor,
	};

	if (aggmon_agg_value_slots(&info) >= 0)
		return 0;
	if (a->func == AGGMON_AGG_LQUANTIZE)
		return p_usage("agg",
			       "lquantize needs LOW < HIGH and STEP >= 1, with at most %d steps from LOW to HIGH",
			       AGGMON_AGG_BUCKETS_MAX - 2);
	return p_usage("agg",
		       "llquantize needs FACTOR 2 to 65535, 0 <= LOW < HIGH <= 65535, FACTOR^(LOW + 1) < 2^63, and STEPS a multiple of FACTOR that divides a power of FACTOR, at most 65535 (e.g. 10 0 6 20)");
}

/* FUNC and its parameters from the front of @argc and @argv. */
static int parse_func(int *argc, char ***argv, struct aggmon_agg_create_attr *a)
{
	char **av = *argv;
	int need, err;

	err = name_lookup(aggmon_agg_func_name, av[0]);
	a->func = err > 0 ? err : 0;
	if (!a->func)
		return p_usage("agg",
			       "unknown function '%s': expected count, sum, min, max, avg, stddev, quantize, lquantize or llquantize",
			       av[0]);
	need = a->func == AGGMON_AGG_LQUANTIZE ? 3 :
	       a->func == AGGMON_AGG_LLQUANTIZE ? 4 : 0;
	if (*argc - 1 < need)
		return p_usage("agg", "%s needs %s", av[0], need == 3 ?
			       "LOW HIGH STEP" : "FACTOR LOW HIGH STEPS");
	err = 0;
	if (need == 3)
		err = parse_lquantize(av + 1, a);
	else if (need == 4)
		err = parse_llquantize(av + 1, a);
	if (!err)
		err = check_params(a);
	*argc -= need + 1;
	*argv += need + 1;
	return err;
}

static int parse_keys(char *list, struct aggmon_agg_create_attr *a)
{
	char *key, *save = NULL;
	__u32 field, i;

	a->nkeys = 0;
	for (key = strtok_r(list, ",", &save); key;
	     key = strtok_r(NULL, ",", &save)) {
		field = name_lookup(aggmon_key_field_name, key);
		/* arg is for the keys of aggmon_aggregate()'s callers. */
		if ((int)field <= 0 || field == AGGMON_KEY_ARG)
			return p_usage("agg",
				       "unknown key '%s': expected gauge, cpu, pid, tgid, uid, comm or cgroup",
				       key);
		for (i = 0; i < a->nkeys; i++)
			if (a->keys[i] == field)
				return p_usage("agg", "key '%s' comes twice",
					       key);
		a->keys[a->nkeys++] = field;
	}
	if (!a->nkeys)
		return p_usage("agg", "'by' needs KEY[,KEY...]");
	return 0;
}

static int parse_source(const char *s, struct aggmon_agg_create_attr *a)
{
	if (!strcmp(s, "delta"))
		a->source = AGGMON_AGG_SRC_GAUGE_DELTA;
	else if (!strcmp(s, "level"))
		a->source = AGGMON_AGG_SRC_GAUGE_LEVEL;
	else
		return p_usage("agg", "invalid source '%s': expected delta or level",
			       s);
	return 0;
}

/* interval DURATION or duration DURATION, in ns. */
static int parse_time_opt(const char *kw, const char *val, struct run_opts *o)
{
	if (!strcmp(kw, "interval"))
		return duration_arg("agg", NULL, kw, val, INTERVAL_MIN_NS,
				    INTERVAL_MAX_NS, &o->interval_ns);
	return duration_arg("agg", NULL, kw, val, MIN_DURATION_NS,
			    MAX_DURATION_NS, &o->duration_ns);
}

/* A keyword that takes a value: entries, interval, count, duration. */
static int parse_value_opt(const char *kw, const char *val,
			   struct run_opts *o)
{
	__u64 v;

	if (!strcmp(kw, "interval") || !strcmp(kw, "duration"))
		return parse_time_opt(kw, val, o);
	if (!strcmp(kw, "entries")) {
		if (!parse_unsigned(val, 1, AGGMON_AGG_ENTRIES_MAX, &v))
			return p_usage("agg", "invalid entries '%s': expected 1 to %d",
				       val, AGGMON_AGG_ENTRIES_MAX);
		o->attr.entries = v;
	} else if (!parse_unsigned(val, 1, ~0ULL, &o->count)) {
		return p_usage("agg", "invalid count '%s': expected a positive number",
			       val);
	}
	return 0;
}

static bool takes_value(const char *kw)
{
	static const char *const kws[] = {
		"by", "source", "entries", "interval", "count", "duration",
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(kws); i++)
		if (!strcmp(kw, kws[i]))
			return true;
	return false;
}

/* The keywords after FUNC. */
static int parse_run_opts(int argc, char **argv, struct run_opts *o)
{
	int i = 0, err;

	while (i < argc) {
		if (!strcmp(argv[i], "clear")) {
			o->flags = AGGMON_SNAPSHOT_CLEAR;
			i++;
			continue;
		}
		if (!takes_value(argv[i]))
			return p_usage("agg", "unknown 'agg run' argument '%s'",
				       argv[i]);
		if (i + 1 == argc)
			return p_usage("agg", "'%s' needs a value", argv[i]);
		if (!strcmp(argv[i], "by"))
			err = parse_keys(argv[i + 1], &o->attr);
		else if (!strcmp(argv[i], "source"))
			err = parse_source(argv[i + 1], &o->attr);
		else
			err = parse_value_opt(argv[i], argv[i + 1], o);
		if (err)
			return err;
		i += 2;
	}
	return 0;
}

/* A CPU's data sets must fit AGGMON_AGG_BUFFER_MAX, as the kernel checks. */
static int check_entries(const struct aggmon_agg_create_attr *a)
{
	struct aggmon_agg_info info = {
		.func = a->func, .low = a->low, .high = a->high,
		.step = a->step, .factor = a->factor,
	};
	__u64 words = 2 + aggmon_agg_value_slots(&info), entries, most;
	__u32 i;

	for (i = 0; i < a->nkeys; i++)
		words += aggmon_key_field_slots(a->keys[i]);
	entries = a->entries ? a->entries : AGGMON_AGG_ENTRIES_DEFAULT;
	most = AGGMON_AGG_BUFFER_MAX / (words * 8);
	if (entries <= most)
		return 0;
	return p_usage("agg",
		       "%llu entries of %llu bytes do not fit the %u MiB buffer of a CPU: give 'entries N' with N at most %llu",
		       (unsigned long long)entries,
		       (unsigned long long)words * 8,
		       AGGMON_AGG_BUFFER_MAX >> 20, (unsigned long long)most);
}

static int parse_run(int argc, char **argv, struct run_opts *o)
{
	int err;

	memset(o, 0, sizeof(*o));
	o->attr.source = AGGMON_AGG_SRC_GAUGE_DELTA;
	if (argc < 3)
		return p_usage("agg", "'agg run' needs NAME GAUGE FUNC");
	err = check_name(argv[0], o->attr.name);
	if (err)
		return err;
	o->gauge = argv[1];
	argc -= 2;
	argv += 2;
	err = parse_func(&argc, &argv, &o->attr);
	if (!err)
		err = parse_run_opts(argc, argv, o);
	if (!err)
		err = check_entries(&o->attr);
	if (err)
		return err;
	/* 'count' alone reports every second, as 'gauge read' reads. */
	if (o->count && !o->interval_ns)
		o->interval_ns = NSEC_PER_SEC;
	return 0;
}

/*
 * run: the loop
 * -------------
 *
 * The stop signals are blocked and waited for (common.c), so that one
 * that comes between two reports is not missed and a second ^C does not
 * cut the output.
 */

struct schedule {
	__u64 next, deadline;		/* deadline 0: none */
	__u64 interval_ns;
};

static void schedule_init(struct schedule *s, const struct run_opts *o)
{
	__u64 now = now_ns();

	s->interval_ns = o->interval_ns;
	s->next = now + o->interval_ns;
	s->deadline = o->duration_ns ? now + o->duration_ns : 0;
}

/* Wait for the next report; true if it is the last one. */
static bool schedule_wait(struct schedule *s)
{
	__u64 when = s->interval_ns ? s->next : 0, now;

	if (s->deadline && (!when || s->deadline < when))
		when = s->deadline;
	if (!sleep_until(when))
		return true;
	now = now_ns();
	if (s->deadline && now >= s->deadline)
		return true;
	/* Late (a slow terminal, a stopped process): catch up. */
	s->next += s->interval_ns;
	if (s->next < now)
		s->next = now + s->interval_ns;
	return false;
}

static int run_loop(struct reader *r, const struct run_opts *o)
{
	struct schedule s;
	__u64 reports = 0;
	bool last;
	int err;

	schedule_init(&s, o);
	do {
		last = schedule_wait(&s);
		err = report(r);
		if (err)
			return err;
		if (r->gone) {
			p_err("the gauge of aggregation %s is gone: stopping",
			      o->attr.name);
			return EXIT_FAILURE;
		}
	} while (!last && (!o->count || ++reports < o->count));
	return EXIT_SUCCESS;
}

static bool has_task_keys(const struct aggmon_agg_create_attr *a)
{
	__u32 i;

	for (i = 0; i < a->nkeys; i++)
		if (a->keys[i] != AGGMON_KEY_GAUGE && a->keys[i] != AGGMON_KEY_CPU)
			return true;
	return false;
}

/* Create the aggregation; its fd, or an exit status (negated), reported. */
static int create_agg(struct run_opts *o)
{
	struct aggmon_gauge_info gauge;
	int fd, err;

	err = gauge_lookup(o->gauge, &gauge);
	if (err)
		return -err;
	o->attr.gauge_id = gauge.id;
	fd = aggmon_agg_create(&o->attr, NULL);
	if (fd >= 0)
		return fd;
	if (fd == -EACCES && has_task_keys(&o->attr)) {
		p_err("permission denied: keys pid, tgid, uid, comm and cgroup need CAP_PERFMON");
		return -EXIT_FAILURE;
	}
	if (fd == -EMFILE) {
		p_err("cannot create aggregation %s: too many aggregations (kernel.aggmon_max_user_aggs) or open files",
		      o->attr.name);
		return -EXIT_FAILURE;
	}
	return -p_sys_err(fd, o->gauge, "cannot create aggregation %s",
			  o->attr.name);
}

static int do_run(int argc, char **argv)
{
	struct run_opts o;
	struct reader r;
	int fd, err;

	err = parse_run(argc, argv, &o);
	if (err)
		return err;
	block_stop_signals();
	fd = create_agg(&o);
	if (fd < 0)
		return -fd;
	err = reader_init(&r, fd, o.flags, o.attr.name);
	if (!err)
		err = run_loop(&r, &o);
	reader_free(&r);
	close(fd);
	return err;
}

static const struct cmd cmds[] = {
	{ "list",	do_list },
	{ "show",	do_show },
	{ "dump",	do_dump },
	{ "run",	do_run },
	{ "help",	do_help },
	{ NULL,		NULL },
};

int do_agg(int argc, char **argv)
{
	return cmd_select(cmds, argc, argv, "agg", do_help);
}

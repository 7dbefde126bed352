// SPDX-License-Identifier: GPL-2.0
/*
 * aggmon top: the gauges, refreshed, with their rates of change.
 *
 * On a terminal the view is redrawn in place (ANSI home and clear, no
 * curses) and keys are read in non-canonical mode; otherwise, or with
 * 'batch', each refresh prints a plain table after the previous one.
 */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include "common.h"
#include "libaggmon.h"

#define DEFAULT_INTERVAL_NS	NSEC_PER_SEC
#define MAX_FILTERS		32
/* Lines of the screen besides the gauges: the header and the titles. */
#define SCREEN_EXTRA		3

static int do_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("Usage: aggmon [OPTIONS] top [interval DURATION] [sort { name | value | rate }]\n"
	       "                           [filter PREFIX]... [count N] [batch]\n"
	       "       aggmon top help\n"
	       "\n"
	       "       DURATION := NUMBER{ns|us|ms|s|min|h}, e.g. 500ms, 2s (a unit is needed)\n"
	       "\n"
	       "Shows the gauges every DURATION (default 1s, 1ms to 24h): ID NAME ITEM\n"
	       "VALUE RATE/s UNIT, where RATE/s is the change per second since the\n"
	       "previous refresh (\"-\" on the first one and for new gauges).\n"
	       "sort    name (the default: name, then item), value or rate (largest\n"
	       "        first, then by name).\n"
	       "filter  only the gauges whose NAME[:ITEM] starts with PREFIX; several\n"
	       "        filters show the gauges of any of them.\n"
	       "count   stop after N refreshes.\n"
	       "batch   print each refresh as a plain table after the previous one, with\n"
	       "        a blank line between them (also when stdout is not a terminal).\n"
	       "On a terminal, q quits and n, v, r sort by name, value, rate.  SIGINT,\n"
	       "SIGTERM and SIGHUP stop too (exit status 0).\n"
	       "With -j, each refresh is one JSON document on its own line:\n"
	       "{\"time\", \"interval_ns\", \"sort\", \"gauges\": [{\"id\", \"name\", \"item\",\n"
	       "\"unit\", \"kind\", \"value\", \"rate\"}]}, rate null where there is none.\n");
	return EXIT_SUCCESS;
}

enum top_sort { SORT_NAME, SORT_VALUE, SORT_RATE };

static const char * const sort_names[] = {
	[SORT_NAME]	= "name",
	[SORT_VALUE]	= "value",
	[SORT_RATE]	= "rate",
};

struct top_opts {
	__u64 interval_ns;
	enum top_sort sort;
	const char *filters[MAX_FILTERS];
	int nr_filters;
	__u64 count;
	bool batch;
	bool has_interval, has_sort;
};

struct row {
	struct aggmon_gauge_info info;
	__s64 value;
	double rate;
	bool has_rate;
};

/* A refresh: rows by ascending id, and when they were read. */
struct sample {
	struct row *rows;
	size_t n;
	__u64 time_ns;			/* CLOCK_MONOTONIC */
	__u64 real_ns;			/* CLOCK_REALTIME */
};

/*
 * The command line
 * ================
 */

static int take_interval(struct top_opts *o, const char *arg)
{
	if (o->has_interval)
		return p_usage("top", "interval given twice");
	o->has_interval = true;
	return duration_arg("top", NULL, "interval", arg, INTERVAL_MIN_NS,
			    INTERVAL_MAX_NS, &o->interval_ns);
}

static int take_sort(struct top_opts *o, const char *arg)
{
	unsigned int i;

	if (o->has_sort)
		return p_usage("top", "sort given twice");
	o->has_sort = true;
	for (i = 0; i < ARRAY_SIZE(sort_names); i++) {
		if (!strcmp(arg, sort_names[i])) {
			o->sort = i;
			return 0;
		}
	}
	return p_usage("top", "invalid sort '%s': expected name, value or rate",
		       arg);
}

static int top_count(struct top_opts *o, const char *arg)
{
	if (o->count)
		return p_usage("top", "count given twice");
	if (parse_count(arg, UINT64_MAX, &o->count))
		return p_usage("top", "invalid count '%s': expected a positive number",
			       arg);
	return 0;
}

static int take_filter(struct top_opts *o, const char *arg)
{
	if (o->nr_filters == MAX_FILTERS)
		return p_usage("top", "too many filters: at most %d",
			       MAX_FILTERS);
	o->filters[o->nr_filters++] = arg;
	return 0;
}

static int parse_opts(int argc, char **argv, struct top_opts *o)
{
	static const struct {
		const char *name;
		int (*take)(struct top_opts *o, const char *arg);
		const char *what;
	} keys[] = {
		{ "interval",	take_interval,	"a DURATION" },
		{ "sort",	take_sort,	"name, value or rate" },
		{ "filter",	take_filter,	"a PREFIX" },
		{ "count",	top_count,	"a number" },
	};
	unsigned int k;
	int i, err;

	o->interval_ns = DEFAULT_INTERVAL_NS;
	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "batch")) {
			o->batch = true;
			continue;
		}
		for (k = 0; k < ARRAY_SIZE(keys); k++)
			if (!strcmp(argv[i], keys[k].name))
				break;
		if (k == ARRAY_SIZE(keys))
			return p_usage("top", "unknown argument '%s'", argv[i]);
		if (i + 1 == argc)
			return p_usage("top", "%s needs %s", argv[i],
				       keys[k].what);
		err = keys[k].take(o, argv[++i]);
		if (err)
			return err;
	}
	return 0;
}

/*
 * Sampling
 * ========
 */

static bool row_matches(const struct top_opts *o,
			const struct aggmon_gauge_info *info)
{
	size_t name_len = strlen(info->name), len;
	int i;

	if (!o->nr_filters)
		return true;
	for (i = 0; i < o->nr_filters; i++) {
		len = strlen(o->filters[i]);
		/* A prefix of NAME, or NAME:ITEM_PREFIX. */
		if (!strncmp(info->name, o->filters[i],
			     len < name_len ? len : name_len) &&
		    (len <= name_len ||
		     (o->filters[i][name_len] == ':' &&
		      !strncmp(info->item, o->filters[i] + name_len + 1,
			       len - name_len - 1))))
			return true;
	}
	return false;
}

/* The row of @id in @prev (ascending ids), or NULL. */
static const struct row *prev_row(const struct sample *prev, __u64 id)
{
	size_t lo = 0, hi = prev->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (prev->rows[mid].info.id == id)
			return &prev->rows[mid];
		if (prev->rows[mid].info.id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* The rows of the gauges of @ids that the filters keep, described. */
static int describe_rows(const struct top_opts *o, const struct sample *prev,
			 const __u64 *ids, size_t n, struct sample *s)
{
	const struct row *p;
	struct row *r;
	size_t i;
	int err;

	for (i = 0; i < n; i++) {
		r = &s->rows[s->n];
		p = prev_row(prev, ids[i]);
		if (p) {
			r->info = p->info;
		} else {
			err = aggmon_gauge_info_by_id(ids[i], &r->info);
			if (err == -ENOENT)	/* gone since the list */
				continue;
			if (err)
				return p_sys_err(err, NULL, "cannot describe gauge %llu",
						 (unsigned long long)ids[i]);
		}
		if (row_matches(o, &r->info))
			s->n++;
	}
	return 0;
}

/* Read the values of @s's rows, dropping the gauges that went away. */
static int read_values(struct sample *s, __u64 *ids, __s64 *values)
{
	size_t i;
	__u32 cnt;
	int err;

	for (i = 0; i < s->n; i++)
		ids[i] = s->rows[i].info.id;
	while (s->n) {
		cnt = (__u32)s->n;
		err = aggmon_gauge_read(ids, values, &cnt);
		if (!err)
			break;
		if (err != -ENOENT || cnt >= s->n)
			return p_sys_err(err, NULL, "cannot read the gauges");
		s->n--;
		memmove(&ids[cnt], &ids[cnt + 1], (s->n - cnt) * sizeof(*ids));
		memmove(&s->rows[cnt], &s->rows[cnt + 1],
			(s->n - cnt) * sizeof(*s->rows));
	}
	s->time_ns = now_ns();
	s->real_ns = realtime_ns();
	for (i = 0; i < s->n; i++)
		s->rows[i].value = values[i];
	return 0;
}

static void compute_rates(const struct sample *prev, struct sample *s)
{
	double dt = (double)(__s64)(s->time_ns - prev->time_ns) / NSEC_PER_SEC;
	const struct row *p;
	size_t i;

	for (i = 0; i < s->n; i++) {
		p = prev_row(prev, s->rows[i].info.id);
		s->rows[i].has_rate = p && dt > 0;
		if (s->rows[i].has_rate)
			s->rows[i].rate = ((double)s->rows[i].value -
					   (double)p->value) / dt;
	}
}

/* Take sample @s of the gauges, with rates since @prev. */
static int take_sample(const struct top_opts *o, const struct sample *prev,
		       struct sample *s)
{
	__s64 *values = NULL;
	__u64 *ids = NULL;
	size_t n;
	int err;

	err = aggmon_gauge_list_all(&ids, &n);
	if (err)
		return p_sys_err(err, NULL, "cannot list the gauges");
	s->n = 0;
	s->rows = calloc(n ? n : 1, sizeof(*s->rows));
	values = calloc(n ? n : 1, sizeof(*values));
	if (!s->rows || !values) {
		p_err("out of memory");
		err = EXIT_FAILURE;
	}
	if (!err)
		err = describe_rows(o, prev, ids, n, s);
	if (!err)
		err = read_values(s, ids, values);
	if (!err)
		compute_rates(prev, s);
	free(values);
	free(ids);
	return err;
}

/*
 * Output
 * ======
 */

static int cmp_name(const struct row *a, const struct row *b)
{
	int c = strcmp(a->info.name, b->info.name);

	if (!c)
		c = strcmp(a->info.item, b->info.item);
	return c ? c : (a->info.id > b->info.id) - (a->info.id < b->info.id);
}

static int cmp_by_name(const void *a, const void *b)
{
	return cmp_name(a, b);
}

static int cmp_by_value(const void *a, const void *b)
{
	const struct row *x = a, *y = b;

	if (x->value != y->value)
		return x->value < y->value ? 1 : -1;
	return cmp_name(x, y);
}

/* Largest rate first; rows without a rate last. */
static int cmp_by_rate(const void *a, const void *b)
{
	const struct row *x = a, *y = b;

	if (x->has_rate != y->has_rate)
		return x->has_rate ? -1 : 1;
	if (x->has_rate && x->rate != y->rate)
		return x->rate < y->rate ? 1 : -1;
	return cmp_name(x, y);
}

static void sort_rows(struct row *rows, size_t n, enum top_sort sort)
{
	static int (* const cmp[])(const void *, const void *) = {
		[SORT_NAME]	= cmp_by_name,
		[SORT_VALUE]	= cmp_by_value,
		[SORT_RATE]	= cmp_by_rate,
	};

	qsort(rows, n, sizeof(*rows), cmp[sort]);
}

static const char *or_dash(const char *s)
{
	return *s ? s : "-";
}

static void format_rate(const struct row *r, char *buf, size_t size)
{
	if (r->has_rate)
		snprintf(buf, size, "%.1f", r->rate);
	else
		snprintf(buf, size, "-");
}

static int max_int(int a, int b)
{
	return a > b ? a : b;
}

struct widths {
	int id, name, item, value, rate;
};

static void measure(const struct row *rows, size_t n, struct widths *w)
{
	char buf[64];
	size_t i;

	*w = (struct widths){ 2, 4, 4, 5, 6 };
	for (i = 0; i < n; i++) {
		snprintf(buf, sizeof(buf), "%llu",
			 (unsigned long long)rows[i].info.id);
		w->id = max_int(w->id, strlen(buf));
		w->name = max_int(w->name, strlen(rows[i].info.name));
		w->item = max_int(w->item, strlen(or_dash(rows[i].info.item)));
		snprintf(buf, sizeof(buf), "%lld", (long long)rows[i].value);
		w->value = max_int(w->value, strlen(buf));
		format_rate(&rows[i], buf, sizeof(buf));
		w->rate = max_int(w->rate, strlen(buf));
	}
}

/* The table of @rows; @max_rows (0: all) of them, for the screen. */
static void print_table(const struct top_opts *o, const struct row *rows,
			size_t n, size_t max_rows, const char *eol)
{
	char interval[24], rate[64];
	struct widths w;
	size_t i;

	duration_format(o->interval_ns, interval, sizeof(interval));
	printf("aggmon top: %zu gauge%s, sorted by %s, every %s%s\n", n,
	       n == 1 ? "" : "s", sort_names[o->sort], interval, eol);
	if (max_rows && n > max_rows)
		n = max_rows;
	measure(rows, n, &w);
	printf("%*s  %-*s  %-*s  %*s  %*s  %s%s\n", w.id, "ID", w.name, "NAME",
	       w.item, "ITEM", w.value, "VALUE", w.rate, "RATE/s", "UNIT",
	       eol);
	for (i = 0; i < n; i++) {
		format_rate(&rows[i], rate, sizeof(rate));
		printf("%*llu  %-*s  %-*s  %*lld  %*s  %s%s\n", w.id,
		       (unsigned long long)rows[i].info.id, w.name,
		       rows[i].info.name, w.item, or_dash(rows[i].info.item),
		       w.value, (long long)rows[i].value, w.rate, rate,
		       or_dash(rows[i].info.unit), eol);
	}
}

static void print_json_row(const struct row *r)
{
	jsonw_start_object(json_wtr);
	jsonw_u64_field(json_wtr, "id", r->info.id);
	jsonw_string_field(json_wtr, "name", r->info.name);
	jsonw_string_field(json_wtr, "item", r->info.item);
	jsonw_string_field(json_wtr, "unit", r->info.unit);
	jsonw_string_field(json_wtr, "kind", name_of(aggmon_gauge_kind_name, r->info.kind));
	jsonw_s64_field(json_wtr, "value", r->value);
	jsonw_name(json_wtr, "rate");
	if (r->has_rate)
		jsonw_double(json_wtr, r->rate);
	else
		jsonw_null(json_wtr);
	jsonw_end_object(json_wtr);
}

static void print_json(const struct top_opts *o, const struct sample *s,
		       const struct row *rows)
{
	char time[48];
	size_t i;

	realtime_format(s->real_ns, time, sizeof(time));
	jsonw_start_object(json_wtr);
	jsonw_string_field(json_wtr, "time", time);
	jsonw_u64_field(json_wtr, "interval_ns", o->interval_ns);
	jsonw_string_field(json_wtr, "sort", sort_names[o->sort]);
	jsonw_name(json_wtr, "gauges");
	jsonw_start_array(json_wtr);
	for (i = 0; i < s->n; i++)
		print_json_row(&rows[i]);
	jsonw_end_array(json_wtr);
	jsonw_end_object(json_wtr);
}

/* The screen's rows for gauges (0: unknown, no limit). */
static size_t screen_rows(void)
{
	struct winsize ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) || ws.ws_row <= SCREEN_EXTRA)
		return 0;
	return ws.ws_row - SCREEN_EXTRA;
}

/* Print sample @s: @nr is the number of the refresh, from 0. */
static int print_sample(const struct top_opts *o, const struct sample *s,
			bool screen, unsigned long long nr)
{
	struct row *rows = malloc((s->n ? s->n : 1) * sizeof(*rows));

	if (!rows) {
		p_err("out of memory");
		return EXIT_FAILURE;
	}
	memcpy(rows, s->rows, s->n * sizeof(*rows));
	sort_rows(rows, s->n, o->sort);
	if (json_output) {
		print_json(o, s, rows);
	} else if (screen) {
		/* Home, each line cleared to its end, the rest cleared. */
		fputs("\033[H", stdout);
		print_table(o, rows, s->n, screen_rows(), "\033[K");
		fputs("\033[J", stdout);
	} else {
		if (nr)
			putchar('\n');
		print_table(o, rows, s->n, 0, "");
	}
	free(rows);
	fflush(stdout);
	return 0;
}

/*
 * The terminal and the clock
 * ==========================
 */

struct term {
	bool screen;		/* redraw in place */
	bool keys;		/* stdin is a terminal in non-canonical mode */
	struct termios saved;
};

static void term_start(struct term *t, const struct top_opts *o)
{
	struct termios raw;

	t->screen = !o->batch && !json_output && isatty(STDOUT_FILENO);
	t->keys = false;
	if (!t->screen)
		return;
	if (isatty(STDIN_FILENO) && !tcgetattr(STDIN_FILENO, &t->saved)) {
		raw = t->saved;
		raw.c_lflag &= ~(ICANON | ECHO);
		raw.c_cc[VMIN] = 1;
		raw.c_cc[VTIME] = 0;
		t->keys = !tcsetattr(STDIN_FILENO, TCSANOW, &raw);
	}
	/* Hide the cursor, clear the screen. */
	fputs("\033[?25l\033[H\033[2J", stdout);
}

static void term_end(struct term *t)
{
	if (t->keys)
		tcsetattr(STDIN_FILENO, TCSANOW, &t->saved);
	if (t->screen)
		fputs("\033[?25h", stdout);
	fflush(stdout);
}

/* Handle key @c: true to quit. */
static bool key(struct top_opts *o, char c)
{
	switch (c) {
	case 'q':
	case 'Q':
		return true;
	case 'n':
		o->sort = SORT_NAME;
		break;
	case 'v':
		o->sort = SORT_VALUE;
		break;
	case 'r':
		o->sort = SORT_RATE;
		break;
	}
	return false;
}

/* Wait until @next, reading keys; true to quit. */
static bool wait_until(struct top_opts *o, const struct term *t, __u64 next)
{
	struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };
	__u64 now;
	char c;

	if (!t->keys)
		return !sleep_until(next);
	while (!stop_requested() && (now = now_ns()) < next) {
		if (poll(&pfd, 1, wait_slice_ms(next)) == 1 &&
		    read(STDIN_FILENO, &c, 1) == 1 && key(o, c))
			return true;
	}
	return stop_requested();
}

/*
 * The loop
 * ========
 */

static int top_loop(struct top_opts *o, const struct term *t)
{
	struct sample prev = { 0 }, s;
	__u64 next;
	unsigned long long nr;
	int err = 0;

	next = now_ns();
	for (nr = 0; !o->count || nr < o->count; nr++) {
		if (nr && wait_until(o, t, next))
			break;
		if (now_ns() > next)	/* late: start again from now */
			next = now_ns();
		next += o->interval_ns;
		s = (struct sample){ 0 };
		err = take_sample(o, &prev, &s);
		if (!err)
			err = print_sample(o, &s, t->screen, nr);
		free(prev.rows);
		prev = s;
		if (err)
			break;
	}
	free(prev.rows);
	return err;
}

static int top_run(int argc, char **argv)
{
	struct top_opts o = { 0 };
	struct term t;
	int err;

	err = parse_opts(argc, argv, &o);
	if (err)
		return err;
	block_stop_signals();
	term_start(&t, &o);
	err = top_loop(&o, &t);
	term_end(&t);
	return err;
}

/* The arguments of 'aggmon top', for cmd_select(), which takes none. */
static int top_argc;
static char **top_argv;

static int do_run(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return top_run(top_argc, top_argv);
}

static const struct cmd cmds[] = {
	{ "run",	do_run },
	{ NULL,		NULL },
};

int do_top(int argc, char **argv)
{
	if (argc == 1 && !strcmp(argv[0], "help"))
		return do_help(argc, argv);
	/* cmd_select() answers --help; otherwise the arguments are ours. */
	top_argc = argc;
	top_argv = argv;
	return cmd_select(cmds, 0, argv, "top", do_help);
}

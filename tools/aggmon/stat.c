// SPDX-License-Identifier: GPL-2.0
/*
 * aggmon stat: attach a statistic to a gauge and read it.
 *
 * The statistic lives as long as its file descriptor, that is as long as
 * the command runs: 'aggmon stat read' is a one-liner that creates one,
 * samples it and lets it go.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stat.h"

/*
 * The words
 * =========
 */

/* The long spellings of the kinds. */
static const struct {
	const char *name;
	__u32 kind;
} stat_long_names[] = {
	{ "high-watermark",	AGGMON_STAT_HIGH_WATERMARK },
	{ "low-watermark",	AGGMON_STAT_LOW_WATERMARK },
	{ "leaky-bucket",	AGGMON_STAT_LEAKY_BUCKET },
};

int stat_kind_word(const char *word)
{
	size_t i;

	for (i = 0; word && i < ARRAY_SIZE(stat_long_names); i++)
		if (!strcmp(word, stat_long_names[i].name))
			return stat_long_names[i].kind;
	return name_lookup(aggmon_stat_kind_name, word);
}

int thr_kind_word(const char *word)
{
	return name_lookup(aggmon_threshold_kind_name, word);
}

static bool has_period(__u32 kind)
{
	return kind == AGGMON_STAT_RATE || kind == AGGMON_STAT_LEAKY_BUCKET;
}

int stat_option(struct words *ws, struct stat_words *st)
{
	if (at_keyword(ws, "period")) {
		if (st->period_ns)
			return parse_err(ws, "period given twice");
		return take_duration(ws, AGGMON_PERIOD_MIN_NS,
				     AGGMON_PERIOD_MAX_NS, &st->period_ns);
	}
	if (at_keyword(ws, "drain")) {
		if (st->has_drain)
			return parse_err(ws, "drain given twice");
		if (take_s64(ws, &st->drain))
			return EXIT_USAGE;
		if (st->drain <= 0)
			return parse_err(ws, "drain must be above 0, not %lld",
					 (long long)st->drain);
		st->has_drain = true;
		return 0;
	}
	return 1;
}

int stat_finish(const struct words *ws, const struct stat_words *st)
{
	if (!has_period(st->kind) && st->period_ns)
		return parse_err(ws, "period applies to rate and bucket only");
	if (st->kind != AGGMON_STAT_LEAKY_BUCKET && st->has_drain)
		return parse_err(ws, "drain applies to bucket only");
	if (has_period(st->kind) && !st->period_ns)
		return parse_err(ws, "%s needs period DURATION",
				 aggmon_stat_kind_name(st->kind));
	if (st->kind == AGGMON_STAT_LEAKY_BUCKET && !st->has_drain)
		return parse_err(ws, "bucket needs drain N");
	return 0;
}

int parse_stat(struct words *ws, struct stat_words *st)
{
	int kind = stat_kind_word(peek(ws)), err = 0;

	memset(st, 0, sizeof(*st));
	if (kind < 0)
		return 0;
	st->kind = kind;
	ws->pos++;
	while (peek(ws) && !(err = stat_option(ws, st)))
		;
	return err == EXIT_USAGE ? err : stat_finish(ws, st);
}

static int threshold_finish(const struct words *ws, const struct thr_words *t)
{
	const char *name = aggmon_threshold_kind_name(t->kind);
	bool above = t->kind == AGGMON_THRESHOLD_ABOVE ||
		     t->kind == AGGMON_THRESHOLD_ABOVE_CANCEL;

	if (t->hysteresis && !t->has_cancel)
		return parse_err(ws, "hysteresis needs cancel VALUE");
	if (!t->has_cancel)
		return 0;
	if (above && t->cancel > t->value)
		return parse_err(ws, "cancel %lld of %s %lld must be at most %lld",
				 (long long)t->cancel, name,
				 (long long)t->value, (long long)t->value);
	if (!above && t->cancel < t->value)
		return parse_err(ws, "cancel %lld of %s %lld must be at least %lld",
				 (long long)t->cancel, name,
				 (long long)t->value, (long long)t->value);
	return 0;
}

/* One option of a threshold at the cursor; 1 if the word is none. */
static int threshold_option(struct words *ws, struct thr_words *t)
{
	__u64 n;

	if (at_keyword(ws, "cancel")) {
		if (t->has_cancel)
			return parse_err(ws, "cancel given twice");
		t->has_cancel = true;
		return take_s64(ws, &t->cancel);
	}
	if (at_keyword(ws, "hysteresis")) {
		t->hysteresis = true;
		ws->pos++;
		return 0;
	}
	if (at_keyword(ws, "queue")) {
		if (t->queue_len)
			return parse_err(ws, "queue given twice");
		if (take_count(ws, AGGMON_QUEUE_LEN_MAX, &n))
			return EXIT_USAGE;
		t->queue_len = n;
		return 0;
	}
	return 1;
}

int parse_threshold(struct words *ws, struct thr_words *t,
		    bool (*stop)(const char *word))
{
	const char *word = peek(ws);
	int kind = thr_kind_word(word), err;

	memset(t, 0, sizeof(*t));
	if (kind < 0)
		return parse_err(ws, "unknown threshold kind '%s'", word);
	t->kind = kind;
	if (take_s64(ws, &t->value))
		return EXIT_USAGE;
	while ((word = peek(ws)) && thr_kind_word(word) < 0 &&
	       !(stop && stop(word))) {
		err = threshold_option(ws, t);
		if (err == 1 && (at_keyword(ws, "period") ||
				 at_keyword(ws, "drain")))
			return parse_err(ws, "%s must come before the thresholds",
					 keyword(word));
		if (err == 1)
			return parse_err(ws, "unknown threshold option '%s'",
					 word);
		if (err)
			return err;
	}
	return threshold_finish(ws, t);
}

static int add_threshold(struct watch_words *w, const struct thr_words *t)
{
	struct thr_words *thr;

	thr = realloc(w->thr, (w->nr_thr + 1) * sizeof(*thr));
	if (!thr) {
		p_err("out of memory");
		return EXIT_FAILURE;
	}
	w->thr = thr;
	thr[w->nr_thr++] = *t;
	return 0;
}

int parse_watch(struct words *ws, struct watch_words *w,
		bool (*stop)(const char *word))
{
	const char *word = peek(ws);
	struct thr_words t;
	int start, err;

	memset(w, 0, sizeof(*w));
	if (!word || (stop && stop(word)) || stat_kind_word(word) >= 0 ||
	    thr_kind_word(word) >= 0)
		return parse_err(ws, "watch needs a GAUGE first");
	w->gauge = word;
	start = ++ws->pos;
	err = parse_stat(ws, &w->stat);
	if (err)
		return err;
	word = peek(ws);
	if (!word || (stop && stop(word)))
		return parse_err(ws,
				 "watch needs a threshold: above, below, above-cancel or below-cancel");
	if (ws->pos == start && thr_kind_word(word) < 0)
		return parse_err(ws, "unknown statistic or threshold kind '%s'",
				 word);
	while ((word = peek(ws)) && !(stop && stop(word))) {
		err = parse_threshold(ws, &t, stop);
		if (!err)
			err = add_threshold(w, &t);
		if (err)
			return err;
	}
	return 0;
}

void stat_format(const struct stat_words *st, char *buf, size_t size)
{
	char period[24];
	int len;

	len = snprintf(buf, size, "%s", name_of(aggmon_stat_kind_name, st->kind));
	if (st->period_ns) {
		duration_format(st->period_ns, period, sizeof(period));
		len += snprintf(buf + len, size - len, " period %s", period);
	}
	if (st->has_drain)
		snprintf(buf + len, size - len, " drain %lld",
			 (long long)st->drain);
}

void threshold_format(const struct thr_words *t, bool queue, char *buf,
		      size_t size)
{
	int len;

	len = snprintf(buf, size, "%s %lld",
		       name_of(aggmon_threshold_kind_name, t->kind),
		       (long long)t->value);
	if (t->has_cancel)
		len += snprintf(buf + len, size - len, " cancel %lld",
				(long long)t->cancel);
	if (queue && t->queue_len)
		snprintf(buf + len, size - len, " queue %u", t->queue_len);
}

/*
 * Creating
 * ========
 */

int stat_err(int err, const struct stat_spec *s, const char *what)
{
	if (err == -ENODEV) {
		p_err("gauge %s was removed", s->gauge);
		return EXIT_FAILURE;
	}
	if (err == -EMFILE) {
		p_err("too many statistics for this user: see kernel.aggmon_max_user_stats (or ulimit -n)");
		return EXIT_FAILURE;
	}
	if (err == -ENOSPC) {
		p_err("gauge %s holds its cap of %d statistics and thresholds for callers without CAP_PERFMON who do not own it",
		      s->gauge, AGGMON_WATCH_UNPRIV_MAX);
		return EXIT_FAILURE;
	}
	if (err == -EPERM) {
		p_err("a period under %llu ms needs CAP_PERFMON (gauge %s)",
		      (unsigned long long)(AGGMON_PERIOD_MIN_UNPRIV_NS / 1000000),
		      s->gauge);
		return EXIT_FAILURE;
	}
	return p_sys_err(err, s->gauge, "cannot %s for gauge %s", what,
			 s->gauge);
}

int stat_spec_open(struct stat_spec *s, const char *where)
{
	int ret = gauge_lookup_at(where, s->gauge, &s->info);

	if (ret)
		return ret;
	gauge_label(&s->info, s->label, sizeof(s->label));
	ret = aggmon_stat_create(s->info.id, s->w.kind, s->w.period_ns,
				 s->w.drain, &s->id);
	if (ret < 0)
		return stat_err(ret, s, "create a statistic");
	s->fd = ret;
	return 0;
}

void stat_spec_close(struct stat_spec *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

/*
 * aggmon stat read
 * ================
 */

struct stat_read {
	struct stat_spec stat;
	__u64 interval_ns;	/* 0: not given */
	__u64 count;		/* 0: not given */
	__u64 start_ns;
};

static int do_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("Usage: aggmon [OPTIONS] stat { read | help }\n"
	       "       aggmon stat read GAUGE KIND [period DURATION] [drain N]\n"
	       "                        [interval DURATION] [count N]\n"
	       "       aggmon stat help\n"
	       "\n"
	       "       GAUGE    := { ID | NAME[:ITEM] }, as 'aggmon gauge' takes it\n"
	       "       KIND     := { absolute | hwm | lwm | rate | bucket }\n"
	       "       DURATION := NUMBER{ns|us|ms|s|min|h}, e.g. 500us, 10ms, 1s;\n"
	       "                   the unit is needed: a plain NUMBER is an error\n"
	       "\n"
	       "read  attaches a statistic of KIND to GAUGE, prints its value and the\n"
	       "      gauge's level as the statistic saw it, and removes it on exit:\n"
	       "        absolute  the gauge's value\n"
	       "        hwm, lwm  the highest (lowest) value since the start\n"
	       "        rate      the change over the last period (needs period)\n"
	       "        bucket    a level raised by the gauge's increases and lowered\n"
	       "                  by N at the end of every period (needs period, drain)\n"
	       "      A rate or bucket is first read one period after the start, the\n"
	       "      others at once; then every interval (default: the period, or 1s)\n"
	       "      until count samples are out (default 1 without interval, else\n"
	       "      until SIGINT or SIGTERM).  The long kind names high-watermark,\n"
	       "      low-watermark and leaky-bucket, and --interval, --count, work too.\n"
	       "Each sample is a line: SECONDS GAUGE KIND value=V level=L, SECONDS since\n"
	       "the start.  With -j, one object per sample and line: {\"time\", \"gauge_id\",\n"
	       "\"gauge\", \"item\", \"stat_id\", \"stat\", \"period_ns\", \"drain\", \"value\",\n"
	       "\"level\"}.\n");
	return EXIT_SUCCESS;
}

/* interval DURATION or count N; 1 if the word is neither. */
static int read_option(struct words *ws, struct stat_read *r)
{
	if (at_keyword(ws, "interval")) {
		if (r->interval_ns)
			return parse_err(ws, "interval given twice");
		return take_duration(ws, INTERVAL_MIN_NS, INTERVAL_MAX_NS,
				     &r->interval_ns);
	}
	if (at_keyword(ws, "count")) {
		if (r->count)
			return parse_err(ws, "count given twice");
		return take_count(ws, UINT64_MAX, &r->count);
	}
	return 1;
}

/* GAUGE KIND [period D] [drain N] [interval D] [count N], in any order after KIND. */
static int read_parse(struct stat_read *r, int argc, char **argv)
{
	struct words ws = { argv, argc, 0, NULL, "stat" };
	int kind, err = 0;

	r->stat.fd = -1;
	if (argc < 1)
		return parse_err(&ws, "missing GAUGE");
	r->stat.gauge = argv[0];
	kind = stat_kind_word(argc > 1 ? argv[1] : NULL);
	if (argc < 2)
		return parse_err(&ws,
				 "missing KIND after GAUGE '%s' (absolute, hwm, lwm, rate or bucket)",
				 argv[0]);
	if (kind < 0)
		return parse_err(&ws,
				 "unknown statistic KIND '%s': expected absolute, hwm, lwm, rate or bucket",
				 argv[1]);
	r->stat.w.kind = kind;
	for (ws.pos = 2; !err && peek(&ws); ) {
		err = stat_option(&ws, &r->stat.w);
		if (err == 1)
			err = read_option(&ws, r);
		if (err == 1)
			err = parse_err(&ws, "unknown keyword '%s' in 'stat read'",
					peek(&ws));
	}
	return err ?: stat_finish(&ws, &r->stat.w);
}

static void print_sample(const struct stat_read *r,
			 const struct aggmon_stat_info *si, __u64 now)
{
	const struct stat_spec *s = &r->stat;
	double t = (double)(now - r->start_ns) / NSEC_PER_SEC;

	if (!json_output) {
		printf("%.6f %s %s value=%lld level=%lld\n", t, s->label,
		       name_of(aggmon_stat_kind_name, si->kind),
		       (long long)si->value,
		       (long long)si->level);
		fflush(stdout);
		return;
	}
	jsonw_start_object(json_wtr);
	jsonw_name(json_wtr, "time");
	jsonw_double(json_wtr, t);
	jsonw_u64_field(json_wtr, "gauge_id", si->gauge_id);
	jsonw_string_field(json_wtr, "gauge", s->info.name);
	jsonw_string_field(json_wtr, "item", s->info.item);
	jsonw_u64_field(json_wtr, "stat_id", si->id);
	jsonw_string_field(json_wtr, "stat",
			   name_of(aggmon_stat_kind_name, si->kind));
	jsonw_u64_field(json_wtr, "period_ns", si->period_ns);
	jsonw_s64_field(json_wtr, "drain", si->drain);
	jsonw_s64_field(json_wtr, "value", si->value);
	jsonw_s64_field(json_wtr, "level", si->level);
	jsonw_end_object(json_wtr);
	fflush(stdout);
}

static int read_loop(struct stat_read *r)
{
	struct aggmon_stat_info si;
	__u64 next = r->start_ns, n;
	int err;

	if (has_period(r->stat.w.kind))
		next += r->stat.w.period_ns;
	for (n = 0; !r->count || n < r->count; n++) {
		if (!sleep_until(next))
			break;
		err = aggmon_stat_info(r->stat.fd, &si);
		if (err)
			return stat_err(err, &r->stat, "read the statistic");
		print_sample(r, &si, now_ns());
		next += r->interval_ns;
	}
	return EXIT_SUCCESS;
}

static int do_read(int argc, char **argv)
{
	struct stat_read r = { 0 };
	int ret = read_parse(&r, argc, argv);

	if (ret)
		return ret;
	if (!r.count && !r.interval_ns)
		r.count = 1;
	if (!r.interval_ns)
		r.interval_ns = r.stat.w.period_ns ?: NSEC_PER_SEC;
	block_stop_signals();
	r.start_ns = now_ns();
	ret = stat_spec_open(&r.stat, NULL);
	if (!ret)
		ret = read_loop(&r);
	stat_spec_close(&r.stat);
	return ret;
}

static const struct cmd cmds[] = {
	{ "read",	do_read },
	{ "help",	do_help },
	{ NULL,		NULL },
};

int do_stat(int argc, char **argv)
{
	return cmd_select(cmds, argc, argv, "stat", do_help);
}

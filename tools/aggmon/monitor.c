// SPDX-License-Identifier: GPL-2.0
/*
 * aggmon monitor: the per-host collector.  Reads a file of monitors (a
 * gauge, a statistic on it and thresholds on the statistic), creates them,
 * and logs their events, one line each, until a signal, a count of events
 * or a duration.
 *
 * The words of a statistic and of a threshold are those of 'aggmon
 * watch': the parsers below take a cursor over words and report errors
 * with the place of the words (FILE:LINE), so that a command line can use
 * them as well.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "main.h"
#include "libaggmon.h"
#include "stat.h"

#define NSEC_PER_SEC		1000000000ULL
/* The longest wait, so that a signal just before a wait is seen soon. */
#define MAX_WAIT_MS		1000

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static int do_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("Usage: aggmon [OPTIONS] monitor { -c | --config | config } FILE\n"
	       "                               [count N] [duration DURATION] [check]\n"
	       "       aggmon monitor help\n"
	       "\n"
	       "FILE holds one monitor per line; '#' starts a comment:\n"
	       "\n"
	       "       watch GAUGE [STAT] THRESHOLD...\n"
	       "       GAUGE     := { ID | NAME[:ITEM] | NAME/ITEM }\n"
	       "       STAT      := { absolute | hwm | lwm | rate period DURATION |\n"
	       "                      bucket period DURATION drain N }\n"
	       "       THRESHOLD := { above | below | above-cancel | below-cancel } VALUE\n"
	       "                    [cancel VALUE] [hysteresis] [queue N]\n"
	       "       DURATION  := NUMBER{ns|us|ms|s|min|h}, e.g. 500ms, 2s (a unit is needed)\n"
	       "\n"
	       "e.g.   watch net.e100.tx_packets:eth0 rate period 1s above-cancel 1000 cancel 500\n"
	       "       watch user.demo.queue hwm above 100\n"
	       "\n"
	       "STAT is absolute when left out; a period is 1ms to 24h; hwm, lwm and\n"
	       "bucket may be written high-watermark, low-watermark, leaky-bucket.\n"
	       "cancel VALUE is where the threshold re-arms (the\n"
	       "_cancel kinds report it): at most VALUE for above kinds, at least VALUE\n"
	       "for below kinds; hysteresis only says so again.  queue N: 1 to %u events\n"
	       "queued before they are counted as lost (default %u).\n"
	       "\n"
	       "Each event is logged on one line of stdout (a JSON object with -j):\n"
	       "TIME TYPE GAUGE STAT THRESHOLD [value V] seq S [lost L] [initial] [timer],\n"
	       "TIME in UTC, ISO 8601, TYPE one of fired, cancelled, lost, gone.  Lost\n"
	       "events are reported on the line that follows them and at the end.\n"
	       "The monitor stops on SIGINT, SIGTERM or SIGHUP, after count N events or\n"
	       "after DURATION.  check only reads FILE, finds the gauges and prints the\n"
	       "monitors as they would be created.\n"
	       "Exit status: 0 success, 1 failure, 2 an error in the command line or FILE.\n",
	       AGGMON_QUEUE_LEN_MAX, AGGMON_QUEUE_LEN_DEFAULT);
	return EXIT_SUCCESS;
}

/*
 * Durations and times, also used by 'aggmon top'
 * ==============================================
 */

static const struct {
	const char *name;
	uint64_t ns;
} units[] = {
	{ "h",		3600 * NSEC_PER_SEC },
	{ "min",	60 * NSEC_PER_SEC },
	{ "s",		NSEC_PER_SEC },
	{ "ms",		1000000 },
	{ "us",		1000 },
	{ "ns",		1 },
};

void duration_format(uint64_t ns, char *buf, size_t size)
{
	unsigned int i;

	/* The largest unit that divides it, as parse_duration() reads it. */
	for (i = 0; i < ARRAY_SIZE(units) - 1; i++)
		if (ns && !(ns % units[i].ns))
			break;
	snprintf(buf, size, "%llu%s", (unsigned long long)(ns / units[i].ns),
		 units[i].name);
}

void realtime_format(const struct timespec *ts, char *buf, size_t size)
{
	struct tm tm;
	size_t len;

	gmtime_r(&ts->tv_sec, &tm);
	len = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + len, size - len, ".%09ldZ", ts->tv_nsec);
}

/*
 * Statistic and threshold words
 * =============================
 */

static const char * const stat_names[] = {
	[AGGMON_STAT_ABSOLUTE]		= "absolute",
	[AGGMON_STAT_HIGH_WATERMARK]	= "hwm",
	[AGGMON_STAT_LOW_WATERMARK]	= "lwm",
	[AGGMON_STAT_RATE]		= "rate",
	[AGGMON_STAT_LEAKY_BUCKET]	= "bucket",
};

static const char * const threshold_names[] = {
	[AGGMON_THRESHOLD_ABOVE]	= "above",
	[AGGMON_THRESHOLD_BELOW]	= "below",
	[AGGMON_THRESHOLD_ABOVE_CANCEL]	= "above-cancel",
	[AGGMON_THRESHOLD_BELOW_CANCEL]	= "below-cancel",
};

struct mon_stat {
	__u32 kind;
	__u64 period_ns;	/* 0: not given */
	__s64 drain;
	bool has_drain;
};

struct mon_threshold {
	__u32 kind;
	__s64 value;
	__s64 cancel;
	bool has_cancel;
	bool hysteresis;
	__u32 queue_len;	/* 0: the default */
};

/* A cursor over the words of one line; @where names it ("FILE:3"). */
struct words {
	char **word;
	int count, pos;
	const char *where;
	const char *object;	/* of the usage hint */
};

static __printf(2, 3) int parse_err(const struct words *ws,
				    const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (ws->where)
		return p_usage(ws->object, "%s: %s", ws->where, msg);
	return p_usage(ws->object, "%s", msg);
}

static const char *peek(const struct words *ws)
{
	return ws->pos < ws->count ? ws->word[ws->pos] : NULL;
}

static int lookup_word(const char * const *names, size_t n, const char *word)
{
	size_t i;

	for (i = 0; word && i < n; i++)
		if (names[i] && !strcmp(word, names[i]))
			return i;
	return -1;
}

/* The long spellings of 'aggmon stat' too. */
static const char * const stat_long_names[] = {
	[AGGMON_STAT_HIGH_WATERMARK]	= "high-watermark",
	[AGGMON_STAT_LOW_WATERMARK]	= "low-watermark",
	[AGGMON_STAT_LEAKY_BUCKET]	= "leaky-bucket",
};

static int stat_kind(const char *word)
{
	int kind = lookup_word(stat_names, ARRAY_SIZE(stat_names), word);

	if (kind < 0 && word && *word)
		kind = lookup_word(stat_long_names, ARRAY_SIZE(stat_long_names),
				   word);
	return kind;
}

static int threshold_kind(const char *word)
{
	return lookup_word(threshold_names, ARRAY_SIZE(threshold_names), word);
}

/* The argument of keyword @key, or NULL once reported. */
static const char *take_arg(struct words *ws, const char *key,
			    const char *what)
{
	if (ws->pos + 1 >= ws->count) {
		parse_err(ws, "%s needs %s", key, what);
		return NULL;
	}
	ws->pos += 2;
	return ws->word[ws->pos - 1];
}

static int take_value(struct words *ws, const char *key, __s64 *value)
{
	const char *arg = take_arg(ws, key, "a VALUE");
	char *end;

	if (!arg)
		return EXIT_USAGE;
	errno = 0;
	*value = strtoll(arg, &end, 0);
	if (errno || end == arg || *end)
		return parse_err(ws, "invalid value '%s' of %s: expected an integer",
				 arg, key);
	return 0;
}

static int take_count(struct words *ws, const char *key,
		      unsigned long long max, unsigned long long *n)
{
	const char *arg = take_arg(ws, key, "a number");
	char *end;

	if (!arg)
		return EXIT_USAGE;
	errno = 0;
	*n = strtoull(arg, &end, 10);
	if (!isdigit((unsigned char)*arg) || errno || *end || !*n || *n > max)
		return max == ~0ULL ?
		       parse_err(ws, "invalid %s '%s': expected a positive number",
				 key, arg) :
		       parse_err(ws, "invalid %s '%s': expected 1 to %llu",
				 key, arg, max);
	return 0;
}

static int take_period(struct words *ws, struct mon_stat *st)
{
	const char *arg;
	int err;

	if (st->period_ns)
		return parse_err(ws, "period given twice");
	arg = take_arg(ws, "period", "a DURATION");
	if (!arg)
		return EXIT_USAGE;
	err = parse_duration(arg, &st->period_ns);
	if (err == DURATION_NO_UNIT)
		return parse_err(ws, DURATION_NO_UNIT_MSG, "period", arg);
	if (err)
		return parse_err(ws,
				 "invalid period '%s': expected a DURATION such as 10ms, 1s or 500us",
				 arg);
	if (st->period_ns < AGGMON_PERIOD_MIN_NS ||
	    st->period_ns > AGGMON_PERIOD_MAX_NS)
		return parse_err(ws, "invalid period '%s': expected 1ms to 24h",
				 arg);
	return 0;
}

static int take_drain(struct words *ws, struct mon_stat *st)
{
	if (st->has_drain)
		return parse_err(ws, "drain given twice");
	if (take_value(ws, "drain", &st->drain))
		return EXIT_USAGE;
	if (st->drain <= 0)
		return parse_err(ws, "drain must be above 0, not %lld",
				 (long long)st->drain);
	st->has_drain = true;
	return 0;
}

/* Check a statistic once its words are read, and fill in the defaults. */
static int stat_finish(const struct words *ws, struct mon_stat *st)
{
	bool timed = st->kind == AGGMON_STAT_RATE ||
		     st->kind == AGGMON_STAT_LEAKY_BUCKET;

	if (!timed && st->period_ns)
		return parse_err(ws, "period applies to rate and bucket only");
	if (st->kind != AGGMON_STAT_LEAKY_BUCKET && st->has_drain)
		return parse_err(ws, "drain applies to bucket only");
	if (st->kind == AGGMON_STAT_LEAKY_BUCKET && !st->has_drain)
		return parse_err(ws, "bucket needs drain N");
	if (timed && !st->period_ns)
		return parse_err(ws, "%s needs period DURATION",
				 stat_names[st->kind]);
	return 0;
}

/*
 * STAT at the cursor (absolute if the word is not a statistic kind):
 * KIND [period DURATION] [drain N].  Stops at the first other word.
 */
static int parse_stat(struct words *ws, struct mon_stat *st)
{
	int kind = stat_kind(peek(ws));
	const char *word;
	int err = 0;

	memset(st, 0, sizeof(*st));
	if (kind < 0)
		return 0;
	st->kind = kind;
	ws->pos++;
	while (!err && (word = peek(ws))) {
		if (!strcmp(word, "period"))
			err = take_period(ws, st);
		else if (!strcmp(word, "drain"))
			err = take_drain(ws, st);
		else
			break;
	}
	return err ? err : stat_finish(ws, st);
}

static int threshold_finish(const struct words *ws,
			    const struct mon_threshold *t)
{
	const char *name = threshold_names[t->kind];
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
static int threshold_option(struct words *ws, struct mon_threshold *t)
{
	const char *word = peek(ws);
	unsigned long long n;

	if (!strcmp(word, "cancel")) {
		if (t->has_cancel)
			return parse_err(ws, "cancel given twice");
		t->has_cancel = true;
		return take_value(ws, "cancel", &t->cancel);
	}
	if (!strcmp(word, "hysteresis")) {
		t->hysteresis = true;
		ws->pos++;
		return 0;
	}
	if (!strcmp(word, "queue")) {
		if (t->queue_len)
			return parse_err(ws, "queue given twice");
		if (take_count(ws, "queue", AGGMON_QUEUE_LEN_MAX, &n))
			return EXIT_USAGE;
		t->queue_len = n;
		return 0;
	}
	return 1;
}

/*
 * THRESHOLD at the cursor: KIND VALUE [cancel VALUE] [hysteresis]
 * [queue N].  Stops at the next threshold kind or the end; any other
 * word is an error.
 */
static int parse_threshold(struct words *ws, struct mon_threshold *t)
{
	const char *word = peek(ws);
	int kind = threshold_kind(word), err;

	memset(t, 0, sizeof(*t));
	if (kind < 0)
		return parse_err(ws, "unknown threshold kind '%s'", word);
	t->kind = kind;
	if (take_value(ws, word, &t->value))
		return EXIT_USAGE;
	while ((word = peek(ws)) && threshold_kind(word) < 0) {
		err = threshold_option(ws, t);
		if (err == 1 && (!strcmp(word, "period") ||
				 !strcmp(word, "drain")))
			return parse_err(ws, "%s must come before the thresholds",
					 word);
		if (err == 1)
			return parse_err(ws, "unknown threshold option '%s'",
					 word);
		if (err)
			return err;
	}
	return threshold_finish(ws, t);
}

/*
 * The monitors of a file
 * ======================
 */

struct monitor;

struct threshold {
	struct mon_threshold spec;
	struct monitor *mon;
	int fd;
	__u64 id;
};

struct monitor {
	unsigned int line;
	char *gauge;			/* as written */
	struct mon_stat stat;
	struct threshold *thr;
	size_t nr_thr;
	struct aggmon_gauge_info info;
	char label[AGGMON_NAME_LEN + AGGMON_ITEM_LEN];	/* NAME[:ITEM] */
	int stat_fd;
	__u64 stat_id;
};

struct config {
	const char *file;
	struct monitor *mon;
	size_t nr_mon;
};

static void monitor_free(struct monitor *m)
{
	size_t i;

	for (i = 0; i < m->nr_thr; i++)
		if (m->thr[i].fd >= 0)
			close(m->thr[i].fd);
	if (m->stat_fd >= 0)
		close(m->stat_fd);
	free(m->thr);
	free(m->gauge);
}

static void config_free(struct config *cfg)
{
	size_t i;

	for (i = 0; i < cfg->nr_mon; i++)
		monitor_free(&cfg->mon[i]);
	free(cfg->mon);
}

static int add_threshold(struct monitor *m, const struct mon_threshold *t)
{
	struct threshold *thr;

	thr = realloc(m->thr, (m->nr_thr + 1) * sizeof(*thr));
	if (!thr) {
		p_err("out of memory");
		return EXIT_FAILURE;
	}
	m->thr = thr;
	thr[m->nr_thr++] = (struct threshold){ .spec = *t, .fd = -1 };
	return 0;
}

/* "watch GAUGE [STAT] THRESHOLD..." into @m. */
static int parse_watch(struct words *ws, struct monitor *m)
{
	struct mon_threshold t;
	const char *word = peek(ws);
	int err;

	if (strcmp(word, "watch"))
		return parse_err(ws, "unknown directive '%s': expected watch",
				 word);
	ws->pos++;
	word = peek(ws);
	if (!word || stat_kind(word) >= 0 || threshold_kind(word) >= 0)
		return parse_err(ws, "watch needs a GAUGE first");
	m->gauge = strdup(word);
	if (!m->gauge) {
		p_err("out of memory");
		return EXIT_FAILURE;
	}
	ws->pos++;
	err = parse_stat(ws, &m->stat);
	if (err)
		return err;
	word = peek(ws);
	if (!word)
		return parse_err(ws,
				 "watch needs a threshold: above, below, above-cancel or below-cancel");
	if (m->stat.kind == AGGMON_STAT_ABSOLUTE && ws->pos == 2 &&
	    threshold_kind(word) < 0)
		return parse_err(ws, "unknown statistic or threshold kind '%s'",
				 word);
	while (peek(ws)) {
		err = parse_threshold(ws, &t);
		if (!err)
			err = add_threshold(m, &t);
		if (err)
			return err;
	}
	return 0;
}

/* Split @line into words, up to a word that starts with '#'. */
static int split_words(char *line, struct words *ws)
{
	char *save = NULL, *w, **word;

	ws->count = 0;
	for (w = strtok_r(line, " \t\r\n\v\f", &save); w && *w != '#';
	     w = strtok_r(NULL, " \t\r\n\v\f", &save)) {
		word = realloc(ws->word, (ws->count + 1) * sizeof(*word));
		if (!word) {
			p_err("out of memory");
			return EXIT_FAILURE;
		}
		ws->word = word;
		ws->word[ws->count++] = w;
	}
	return 0;
}

static int parse_line(struct config *cfg, char *line, unsigned int nr,
		      struct words *ws)
{
	struct monitor *m;
	char where[PATH_MAX + 16];
	int err;

	err = split_words(line, ws);
	if (err || !ws->count)
		return err;
	m = realloc(cfg->mon, (cfg->nr_mon + 1) * sizeof(*m));
	if (!m) {
		p_err("out of memory");
		return EXIT_FAILURE;
	}
	cfg->mon = m;
	m = &cfg->mon[cfg->nr_mon++];
	memset(m, 0, sizeof(*m));
	m->line = nr;
	m->stat_fd = -1;
	snprintf(where, sizeof(where), "%s:%u", cfg->file, nr);
	ws->where = where;
	ws->pos = 0;
	err = parse_watch(ws, m);
	ws->where = NULL;
	return err;
}

static int config_read(struct config *cfg)
{
	struct words ws = { .object = "monitor" };
	FILE *f = fopen(cfg->file, "r");
	unsigned int nr = 0;
	size_t cap = 0;
	char *line = NULL;
	int err = 0;

	if (!f) {
		p_err("cannot open %s: %s", cfg->file, strerror(errno));
		return EXIT_FAILURE;
	}
	while (!err && getline(&line, &cap, f) >= 0)
		err = parse_line(cfg, line, ++nr, &ws);
	if (!err && ferror(f)) {
		p_err("cannot read %s: %s", cfg->file, strerror(errno));
		err = EXIT_FAILURE;
	}
	fclose(f);
	free(line);
	free(ws.word);
	if (!err && !cfg->nr_mon)
		err = p_usage("monitor",
			      "%s: no monitors: expected lines such as 'watch GAUGE hwm above 100'",
			      cfg->file);
	return err;
}

/*
 * Gauges, statistics and thresholds
 * =================================
 */

/* Find the gauge of @m: ID, NAME, NAME:ITEM or NAME/ITEM. */
static int gauge_find(const struct config *cfg, struct monitor *m)
{
	const char *spec = m->gauge, *sep = spec + strcspn(spec, ":/");
	char name[AGGMON_NAME_LEN];
	size_t len = sep - spec;
	int err = -ENOENT;

	if (!spec[strspn(spec, "0123456789")]) {
		err = aggmon_gauge_info_by_id(strtoull(spec, NULL, 10),
					      &m->info);
	} else if (len && len < sizeof(name)) {
		memcpy(name, spec, len);
		name[len] = '\0';
		err = aggmon_gauge_info_by_name(name, *sep ? sep + 1 : NULL,
						&m->info);
	}
	if (err == -ENOENT || err == -EINVAL || err == -ENAMETOOLONG) {
		p_err("%s:%u: no such gauge: %s (see 'aggmon gauge list')",
		      cfg->file, m->line, spec);
		return EXIT_FAILURE;
	}
	if (err)
		return p_sys_err(err, spec, "%s:%u: cannot look up gauge %s",
				 cfg->file, m->line, spec);
	snprintf(m->label, sizeof(m->label), "%s%s%s", m->info.name,
		 m->info.item[0] ? ":" : "", m->info.item);
	return 0;
}

/* "rate period 1s", "bucket period 1s drain 5", "hwm". */
static void stat_format(const struct mon_stat *st, char *buf, size_t size)
{
	char period[24];
	int len;

	len = snprintf(buf, size, "%s", stat_names[st->kind]);
	if (st->period_ns) {
		duration_format(st->period_ns, period, sizeof(period));
		len += snprintf(buf + len, size - len, " period %s", period);
	}
	if (st->has_drain)
		snprintf(buf + len, size - len, " drain %lld",
			 (long long)st->drain);
}

/* "above 100 cancel 50", and " queue N" if @queue. */
static void threshold_format(const struct mon_threshold *t, bool queue,
			     char *buf, size_t size)
{
	int len;

	len = snprintf(buf, size, "%s %lld", threshold_names[t->kind],
		       (long long)t->value);
	if (t->has_cancel)
		len += snprintf(buf + len, size - len, " cancel %lld",
				(long long)t->cancel);
	if (queue && t->queue_len)
		snprintf(buf + len, size - len, " queue %u", t->queue_len);
}

static int threshold_create(const struct config *cfg, struct monitor *m,
			    struct threshold *thr,
			    struct aggmon_event_set *set)
{
	const struct mon_threshold *t = &thr->spec;
	char what[64];
	int fd, err;

	fd = aggmon_threshold_create(m->stat_fd, t->kind, t->value,
				     t->has_cancel ? t->cancel : 0,
				     t->has_cancel ?
				     AGGMON_THRESHOLD_HYSTERESIS : 0,
				     t->queue_len, &thr->id);
	if (fd == -ENODEV) {
		p_err("%s:%u: gauge %s was removed", cfg->file, m->line,
		      m->label);
		return EXIT_FAILURE;
	}
	if (fd < 0) {
		threshold_format(t, true, what, sizeof(what));
		return p_sys_err(fd, m->label, "%s:%u: cannot create the threshold %s on %s",
				 cfg->file, m->line, what, m->label);
	}
	thr->fd = fd;
	thr->mon = m;
	err = aggmon_event_set_add(set, fd, thr);
	if (err)
		return p_sys_err(err, NULL, "cannot watch threshold %llu",
				 (unsigned long long)thr->id);
	return 0;
}

static int monitor_create(const struct config *cfg, struct monitor *m,
			  struct aggmon_event_set *set)
{
	const struct mon_stat *st = &m->stat;
	char what[64];
	size_t i;
	int fd, err;

	fd = aggmon_stat_create(m->info.id, st->kind, st->period_ns,
				st->drain, &m->stat_id);
	if (fd < 0) {
		stat_format(st, what, sizeof(what));
		return p_sys_err(fd, m->label, "%s:%u: cannot create the statistic %s on %s",
				 cfg->file, m->line, what, m->label);
	}
	m->stat_fd = fd;
	for (i = 0; i < m->nr_thr; i++) {
		err = threshold_create(cfg, m, &m->thr[i], set);
		if (err)
			return err;
	}
	return 0;
}

static int config_resolve(const struct config *cfg)
{
	size_t i;
	int err;

	for (i = 0; i < cfg->nr_mon; i++) {
		err = gauge_find(cfg, &cfg->mon[i]);
		if (err)
			return err;
	}
	return 0;
}

static void check_print_json(const struct monitor *m)
{
	const struct mon_stat *st = &m->stat;
	size_t i;

	jsonw_start_object(json_wtr);
	jsonw_u64_field(json_wtr, "line", m->line);
	jsonw_string_field(json_wtr, "gauge", m->label);
	jsonw_u64_field(json_wtr, "gauge_id", m->info.id);
	jsonw_string_field(json_wtr, "stat", stat_names[st->kind]);
	jsonw_u64_field(json_wtr, "period_ns", st->period_ns);
	jsonw_s64_field(json_wtr, "drain", st->drain);
	jsonw_name(json_wtr, "thresholds");
	jsonw_start_array(json_wtr);
	for (i = 0; i < m->nr_thr; i++) {
		const struct mon_threshold *t = &m->thr[i].spec;

		jsonw_start_object(json_wtr);
		jsonw_string_field(json_wtr, "kind", threshold_names[t->kind]);
		jsonw_s64_field(json_wtr, "value", t->value);
		jsonw_name(json_wtr, "cancel");
		if (t->has_cancel)
			jsonw_s64(json_wtr, t->cancel);
		else
			jsonw_null(json_wtr);
		jsonw_u64_field(json_wtr, "queue", t->queue_len ?
				t->queue_len : AGGMON_QUEUE_LEN_DEFAULT);
		jsonw_end_object(json_wtr);
	}
	jsonw_end_array(json_wtr);
	jsonw_end_object(json_wtr);
}

/* What 'check' prints: each monitor as it would be created. */
static void check_print(const struct config *cfg)
{
	char stat[64], thr[64];
	size_t i, j;

	if (json_output)
		jsonw_start_array(json_wtr);
	for (i = 0; i < cfg->nr_mon; i++) {
		const struct monitor *m = &cfg->mon[i];

		if (json_output) {
			check_print_json(m);
			continue;
		}
		stat_format(&m->stat, stat, sizeof(stat));
		printf("%s:%u: watch %s (id %llu) %s", cfg->file, m->line,
		       m->label, (unsigned long long)m->info.id, stat);
		for (j = 0; j < m->nr_thr; j++) {
			threshold_format(&m->thr[j].spec, true, thr, sizeof(thr));
			printf(" %s", thr);
		}
		putchar('\n');
	}
	if (json_output)
		jsonw_end_array(json_wtr);
}

/*
 * The event log
 * =============
 */

/* The signal that asks to stop, set by its handler: lock-free, so async-signal-safe. */
static atomic_int stop_signal;
_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "stop_signal must be lock-free");

static void on_signal(int sig)
{
	atomic_store(&stop_signal, sig);
}

static void catch_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

struct log_state {
	unsigned long long count, logged;
	__u64 seq;
	char member[256];
	bool done;
};

static const char *event_type(__u32 type)
{
	switch (type) {
	case AGGMON_EVENT_FIRED:
		return "fired";
	case AGGMON_EVENT_CANCELLED:
		return "cancelled";
	case AGGMON_EVENT_LOST:
		return "lost";
	case AGGMON_EVENT_GONE:
		return "gone";
	}
	return "unknown";
}

static bool event_has_value(const struct aggmon_event *ev)
{
	return ev->type == AGGMON_EVENT_FIRED ||
	       ev->type == AGGMON_EVENT_CANCELLED;
}

/* The CLOCK_REALTIME time of CLOCK_MONOTONIC @mono_ns. */
static void event_time(__u64 mono_ns, char *buf, size_t size)
{
	struct timespec real, mono;
	__s64 ns;

	clock_gettime(CLOCK_REALTIME, &real);
	clock_gettime(CLOCK_MONOTONIC, &mono);
	ns = (__s64)real.tv_sec * NSEC_PER_SEC + real.tv_nsec -
	     ((__s64)mono.tv_sec * NSEC_PER_SEC + mono.tv_nsec - (__s64)mono_ns);
	real.tv_sec = ns / (__s64)NSEC_PER_SEC;
	real.tv_nsec = ns % (__s64)NSEC_PER_SEC;
	realtime_format(&real, buf, size);
}

static void log_json(const struct log_state *ls, const struct threshold *thr,
		     const struct aggmon_event *ev, const char *time)
{
	const struct monitor *m = thr->mon;

	jsonw_start_object(json_wtr);
	jsonw_string_field(json_wtr, "time", time);
	jsonw_string_field(json_wtr, "member", ls->member);
	jsonw_u64_field(json_wtr, "seq", ls->seq);
	jsonw_string_field(json_wtr, "type", event_type(ev->type));
	jsonw_string_field(json_wtr, "gauge", m->label);
	jsonw_u64_field(json_wtr, "gauge_id", ev->gauge_id);
	jsonw_string_field(json_wtr, "stat", stat_names[m->stat.kind]);
	jsonw_u64_field(json_wtr, "stat_id", ev->stat_id);
	jsonw_string_field(json_wtr, "threshold",
			   threshold_names[thr->spec.kind]);
	jsonw_s64_field(json_wtr, "threshold_value", thr->spec.value);
	jsonw_u64_field(json_wtr, "threshold_id", ev->threshold_id);
	jsonw_name(json_wtr, "value");
	if (event_has_value(ev))
		jsonw_s64(json_wtr, ev->value);
	else
		jsonw_null(json_wtr);
	jsonw_u64_field(json_wtr, "event_seq", ev->seq);
	jsonw_u64_field(json_wtr, "lost", ev->lost);
	jsonw_bool_field(json_wtr, "initial", ev->flags & AGGMON_EVENT_F_INITIAL);
	jsonw_bool_field(json_wtr, "timer", ev->flags & AGGMON_EVENT_F_TIMER);
	jsonw_u64_field(json_wtr, "line", m->line);
	jsonw_end_object(json_wtr);
}

static void log_text(const struct threshold *thr,
		     const struct aggmon_event *ev, const char *time)
{
	const struct monitor *m = thr->mon;
	char stat[64], t[64];

	stat_format(&m->stat, stat, sizeof(stat));
	threshold_format(&thr->spec, false, t, sizeof(t));
	printf("%s %s %s %s %s", time, event_type(ev->type), m->label, stat, t);
	if (event_has_value(ev))
		printf(" value %lld", (long long)ev->value);
	printf(" seq %llu", (unsigned long long)ev->seq);
	if (ev->lost)
		printf(" lost %llu", (unsigned long long)ev->lost);
	if (ev->flags & AGGMON_EVENT_F_INITIAL)
		printf(" initial");
	if (ev->flags & AGGMON_EVENT_F_TIMER)
		printf(" timer");
	putchar('\n');
}

static int log_event(const struct aggmon_event *ev, void *cookie, void *arg)
{
	struct log_state *ls = arg;
	char time[48];

	event_time(ev->time_ns, time, sizeof(time));
	ls->seq++;
	if (json_output)
		log_json(ls, cookie, ev, time);
	else
		log_text(cookie, ev, time);
	fflush(stdout);
	if (ls->count && ++ls->logged >= ls->count) {
		ls->done = true;
		return 1;
	}
	return 0;
}

/* Log events until a signal, @count events or @duration_ns (0: none). */
static int log_events(struct aggmon_event_set *set, unsigned long long count,
		      __u64 duration_ns)
{
	struct log_state ls = { .count = count };
	__u64 end = duration_ns ? now_ns() + duration_ns : 0, now;
	int timeout, ret, status = EXIT_SUCCESS;

	if (gethostname(ls.member, sizeof(ls.member) - 1))
		snprintf(ls.member, sizeof(ls.member), "localhost");
	catch_signals();
	while (!atomic_load(&stop_signal) && !ls.done) {
		timeout = MAX_WAIT_MS;
		if (end) {
			now = now_ns();
			if (now >= end)
				break;
			if ((end - now) / 1000000 < MAX_WAIT_MS)
				timeout = (end - now + 999999) / 1000000;
		}
		ret = aggmon_event_set_wait(set, timeout, log_event, &ls);
		if (ret < 0 && ret != -EINTR)
			return p_sys_err(ret, NULL, "cannot read the events");
		if (!aggmon_event_set_size(set) && !ls.done) {
			p_err("every monitored gauge is gone");
			status = EXIT_FAILURE;
			break;
		}
	}
	if (aggmon_event_set_lost(set))
		p_err("%llu events were lost: the queues were full (see queue N)",
		      (unsigned long long)aggmon_event_set_lost(set));
	return status;
}

static int config_run(const struct config *cfg, unsigned long long count,
		      __u64 duration_ns)
{
	struct aggmon_event_set *set;
	size_t i;
	int err;

	err = aggmon_event_set_new(&set);
	if (err)
		return p_sys_err(err, NULL, "cannot create an event set");
	for (i = 0; !err && i < cfg->nr_mon; i++)
		err = monitor_create(cfg, &cfg->mon[i], set);
	if (!err)
		err = log_events(set, count, duration_ns);
	aggmon_event_set_free(set);
	return err;
}

/*
 * The command line
 * ================
 */

struct run_opts {
	unsigned long long count;
	__u64 duration_ns;
	bool check;
};

static int take_duration(struct words *ws, __u64 *ns)
{
	const char *arg;
	int err;

	if (*ns)
		return parse_err(ws, "duration given twice");
	arg = take_arg(ws, "duration", "a DURATION");
	if (!arg)
		return EXIT_USAGE;
	err = parse_duration(arg, ns);
	if (err == DURATION_NO_UNIT)
		return parse_err(ws, DURATION_NO_UNIT_MSG, "duration", arg);
	if (err || !*ns)
		return parse_err(ws,
				 "invalid duration '%s': expected a DURATION such as 30s or 10min",
				 arg);
	return 0;
}

static int take_flag(struct words *ws, bool *flag)
{
	if (*flag)
		return parse_err(ws, "%s given twice", peek(ws));
	*flag = true;
	ws->pos++;
	return 0;
}

static int parse_run_opts(struct words *ws, struct run_opts *o)
{
	const char *word;
	int err = 0;

	while (!err && (word = peek(ws))) {
		if (!strcmp(word, "count") && o->count)
			err = parse_err(ws, "count given twice");
		else if (!strcmp(word, "count"))
			err = take_count(ws, "count", ~0ULL, &o->count);
		else if (!strcmp(word, "duration"))
			err = take_duration(ws, &o->duration_ns);
		else if (!strcmp(word, "check"))
			err = take_flag(ws, &o->check);
		else
			err = parse_err(ws, "unknown argument '%s'", word);
	}
	return err;
}

static int do_config(int argc, char **argv)
{
	struct words ws = { argv + 1, argc - 1, 0, NULL, "monitor" };
	struct config cfg = { .file = argc ? argv[0] : NULL };
	struct run_opts o = { 0 };
	int err;

	if (!argc)
		return p_usage("monitor", "monitor needs a config FILE");
	err = parse_run_opts(&ws, &o);
	if (!err)
		err = config_read(&cfg);
	if (!err)
		err = config_resolve(&cfg);
	if (!err && o.check)
		check_print(&cfg);
	else if (!err)
		err = config_run(&cfg, o.count, o.duration_ns);
	config_free(&cfg);
	return err;
}

static const struct cmd cmds[] = {
	{ "config",	do_config },
	{ "help",	do_help },
	{ NULL,		NULL },
};

int do_monitor(int argc, char **argv)
{
	/* Lives until cmd_select() returns, the last use of argv[0]. */
	char config_word[] = "config";

	/* "-c FILE" and "--config FILE" are "config FILE". */
	if (argc && (!strcmp(argv[0], "-c") || !strcmp(argv[0], "--config")))
		argv[0] = config_word;
	return cmd_select(cmds, argc, argv, "monitor", do_help);
}

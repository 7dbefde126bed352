// SPDX-License-Identifier: GPL-2.0
/*
 * aggmon monitor: the per-host collector.  Reads a file of monitors (a
 * gauge, a statistic on it and thresholds on the statistic), creates them,
 * and logs their events, one line each, until a signal, a count of events
 * or a duration.
 *
 * A line is "watch WATCH", and WATCH is parsed by the code that parses
 * 'aggmon watch' (stat.c), with the place of the words (FILE:LINE).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "eventlog.h"
#include "export.h"
#include "stat.h"

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
	       "       metrics PATH [interval DURATION] [format { openmetrics | prometheus }]\n"
	       "       log { text | json | export } [FILE | -]\n"
	       "       log journal [SOCKET]\n"
	       "       member ID\n"
	       "       state FILE\n"
	       "       snapshot interval DURATION\n"
	       "       GAUGE     := { ID | NAME[:ITEM] }\n"
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
	       "The words after watch are those of 'aggmon watch'.  With a metrics line,\n"
	       "PATH is kept current (every 15s by default; PATH.tmp renamed) with what\n"
	       "'aggmon export' prints and each watch's statistic, threshold states and\n"
	       "event counts, for node_exporter's textfile collector.\n"
	       "The log: each event and snapshot (of each watch's statistic, every\n"
	       "interval) is a record with a sequence id (kept across restarts in the\n"
	       "state FILE, or $STATE_DIRECTORY/seq) and the member (ID, else\n"
	       "/etc/machine-id); the records go to each log line's sink: text or JSON\n"
	       "lines, the journal (native protocol), a Journal Export Format stream\n"
	       "for systemd-journal-remote; records a sink cannot take are counted\n"
	       "and said.  See aggmon(8).\n"
	       "The monitor stops on SIGINT, SIGTERM or SIGHUP, after count N events or\n"
	       "after DURATION.  check only reads FILE, finds the gauges and prints the\n"
	       "monitors as they would be created.\n"
	       "Exit status: 0 success, 1 failure, 2 an error in the command line or FILE.\n",
	       AGGMON_QUEUE_LEN_MAX, AGGMON_QUEUE_LEN_DEFAULT);
	return EXIT_SUCCESS;
}

/*
 * The monitors of a file
 * ======================
 */

struct monitor;

struct threshold {
	struct thr_words spec;
	struct monitor *mon;
	int fd;
	__u64 id;
	/* For the metrics: events by type, events lost, the last event. */
	__u64 events[AGGMON_EVENT_GONE + 1];
	__u64 lost;
	__u32 last;
};

struct monitor {
	unsigned int line;
	char where[PATH_MAX + 16];	/* FILE:LINE */
	char *text;			/* the line, split into words */
	char **words;
	struct watch_words w;
	struct threshold *thr;
	size_t nr_thr;
	struct stat_spec stat;
};

/* "metrics FILE [interval DURATION] [format F]": the file kept current. */
struct metrics {
	char *path;			/* NULL: none */
	unsigned int line;
	__u64 interval_ns;
	bool prometheus;		/* the classic format */
	__u64 next_ns;
	__u64 failures;			/* writes failed since the last one done */
};

#define METRICS_INTERVAL_NS	(15 * NSEC_PER_SEC)

struct config {
	const char *file;
	struct monitor *mon;
	size_t nr_mon;
	struct metrics metrics;
	struct event_log log;
	char *member;			/* NULL: the machine id */
	char *state;			/* NULL: $STATE_DIRECTORY/seq, or none */
	__u64 snapshot_ns;		/* 0: no snapshots */
	__u64 next_snapshot_ns;
	unsigned int member_line, state_line, snapshot_line;
};

static void monitor_free(struct monitor *m)
{
	size_t i;

	for (i = 0; i < m->nr_thr; i++)
		if (m->thr[i].fd >= 0)
			close(m->thr[i].fd);
	stat_spec_close(&m->stat);
	free(m->thr);
	free(m->w.thr);
	free(m->words);
	free(m->text);
}

static void config_free(struct config *cfg)
{
	size_t i;

	for (i = 0; i < cfg->nr_mon; i++)
		monitor_free(&cfg->mon[i]);
	free(cfg->mon);
	free(cfg->metrics.path);
	free(cfg->member);
	free(cfg->state);
}

/* "watch WATCH" into @m. */
static int parse_line_words(struct words *ws, struct monitor *m)
{
	size_t i;
	int err;

	if (strcmp(peek(ws), "watch"))
		return parse_err(ws,
				 "unknown directive '%s': expected watch, metrics, log, member, state or snapshot",
				 peek(ws));
	ws->pos++;
	err = parse_watch(ws, &m->w, NULL);
	if (err)
		return err;
	m->stat.gauge = m->w.gauge;
	m->stat.w = m->w.stat;
	m->thr = calloc(m->w.nr_thr, sizeof(*m->thr));
	if (!m->thr) {
		p_err("out of memory");
		return EXIT_FAILURE;
	}
	for (i = 0; i < m->w.nr_thr; i++)
		m->thr[i] = (struct threshold){
			.spec = m->w.thr[i], .mon = m, .fd = -1,
		};
	m->nr_thr = m->w.nr_thr;
	return 0;
}

/* "metrics FILE [interval DURATION] [format { openmetrics | prometheus }]" */
static int parse_metrics(struct words *ws, struct metrics *mt,
			 unsigned int line)
{
	bool has_format = false;

	if (mt->path)
		return parse_err(ws, "metrics given twice, first on line %u",
				 mt->line);
	mt->line = line;
	ws->pos++;
	if (!peek(ws))
		return parse_err(ws, "metrics needs a FILE");
	mt->path = strdup(peek(ws));
	if (!mt->path) {
		p_err("out of memory");
		return EXIT_FAILURE;
	}
	ws->pos++;
	while (peek(ws)) {
		if (at_keyword(ws, "interval")) {
			if (mt->interval_ns)
				return parse_err(ws, "interval given twice");
			if (take_duration(ws, INTERVAL_MIN_NS, INTERVAL_MAX_NS,
					  &mt->interval_ns))
				return EXIT_USAGE;
		} else if (at_keyword(ws, "format")) {
			if (take_format(ws, &has_format, &mt->prometheus))
				return EXIT_USAGE;
		} else {
			return parse_err(ws, "unknown metrics option '%s'",
					 peek(ws));
		}
	}
	if (!mt->interval_ns)
		mt->interval_ns = METRICS_INTERVAL_NS;
	return 0;
}

/* "NAME VALUE", once: *@value, a copy of VALUE, and *@line. */
static int parse_once(struct words *ws, char **value, unsigned int *line,
		      unsigned int nr, const char *what)
{
	const char *name = peek(ws);

	if (*value)
		return parse_err(ws, "%s given twice, first on line %u", name,
				 *line);
	if (ws->count != 2)
		return parse_err(ws, ws->count < 2 ? "%s needs %s" :
				 "%s takes only %s", name, what);
	*value = strdup(ws->word[1]);
	if (!*value) {
		p_err("out of memory");
		return EXIT_FAILURE;
	}
	*line = nr;
	return 0;
}

/* "snapshot interval DURATION" */
static int parse_snapshot(struct words *ws, struct config *cfg,
			  unsigned int nr)
{
	if (cfg->snapshot_ns)
		return parse_err(ws, "snapshot given twice, first on line %u",
				 cfg->snapshot_line);
	ws->pos++;
	if (!at_keyword(ws, "interval"))
		return parse_err(ws, "snapshot needs interval DURATION");
	if (take_duration(ws, INTERVAL_MIN_NS, INTERVAL_MAX_NS,
			  &cfg->snapshot_ns))
		return EXIT_USAGE;
	if (peek(ws))
		return parse_err(ws, "unknown snapshot option '%s'", peek(ws));
	cfg->snapshot_line = nr;
	return 0;
}

/*
 * The lines that are not a watch: metrics, log, member, state, snapshot;
 * 1 if @ws is none of them.
 */
static int parse_directive(struct config *cfg, struct words *ws,
			   unsigned int nr)
{
	const char *name = peek(ws);
	char msg[256];

	if (!strcmp(name, "metrics"))
		return parse_metrics(ws, &cfg->metrics, nr);
	if (!strcmp(name, "log")) {
		if (log_sink_parse(&cfg->log, ws->word + 1, ws->count - 1, msg,
				   sizeof(msg)))
			return parse_err(ws, "%s", msg);
		return 0;
	}
	if (!strcmp(name, "member"))
		return parse_once(ws, &cfg->member, &cfg->member_line, nr,
				  "an ID");
	if (!strcmp(name, "state"))
		return parse_once(ws, &cfg->state, &cfg->state_line, nr,
				  "a FILE");
	if (!strcmp(name, "snapshot"))
		return parse_snapshot(ws, cfg, nr);
	return 1;
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

static int parse_line(struct config *cfg, const char *line, unsigned int nr)
{
	struct words ws = { .object = "monitor" };
	struct monitor *m;
	char *text = strdup(line);
	int err;

	if (!text) {
		p_err("out of memory");
		return EXIT_FAILURE;
	}
	err = split_words(text, &ws);
	if (!err && ws.count) {
		char where[PATH_MAX + 16];

		snprintf(where, sizeof(where), "%s:%u", cfg->file, nr);
		ws.where = where;
		err = parse_directive(cfg, &ws, nr);
		if (err != 1) {
			free(ws.word);
			free(text);
			return err;
		}
		err = 0;
	}
	if (err || !ws.count) {
		free(ws.word);
		free(text);
		return err;
	}
	m = realloc(cfg->mon, (cfg->nr_mon + 1) * sizeof(*m));
	if (!m) {
		free(ws.word);
		free(text);
		p_err("out of memory");
		return EXIT_FAILURE;
	}
	cfg->mon = m;
	m = &cfg->mon[cfg->nr_mon++];
	memset(m, 0, sizeof(*m));
	m->line = nr;
	m->text = text;
	m->words = ws.word;
	m->stat.fd = -1;
	snprintf(m->where, sizeof(m->where), "%s:%u", cfg->file, nr);
	ws.where = m->where;
	return parse_line_words(&ws, m);
}

static int config_read(struct config *cfg)
{
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
		err = parse_line(cfg, line, ++nr);
	if (!err && ferror(f)) {
		p_err("cannot read %s: %s", cfg->file, strerror(errno));
		err = EXIT_FAILURE;
	}
	fclose(f);
	free(line);
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

/* Find the gauge of @m, GAUGE as everywhere. */
static int gauge_find(struct monitor *m)
{
	int err = gauge_lookup_at(m->where, m->stat.gauge, &m->stat.info);

	if (!err)
		gauge_label(&m->stat.info, m->stat.label,
			    sizeof(m->stat.label));
	return err;
}

static int threshold_create(struct monitor *m, struct threshold *thr,
			    struct aggmon_event_set *set)
{
	const struct thr_words *t = &thr->spec;
	char what[64];
	int fd, err;

	fd = aggmon_threshold_create(m->stat.fd, t->kind, t->value,
				     t->has_cancel ? t->cancel : 0,
				     t->has_cancel ?
				     AGGMON_THRESHOLD_HYSTERESIS : 0,
				     t->queue_len, &thr->id);
	if (fd == -ENODEV) {
		p_err("%s: gauge %s was removed", m->where, m->stat.label);
		return EXIT_FAILURE;
	}
	if (fd < 0) {
		threshold_format(t, true, what, sizeof(what));
		return p_sys_err(fd, m->stat.label, "%s: cannot create the threshold %s on %s",
				 m->where, what, m->stat.label);
	}
	thr->fd = fd;
	thr->mon = m;
	err = aggmon_event_set_add(set, fd, thr);
	if (err)
		return p_sys_err(err, NULL, "cannot watch threshold %llu",
				 (unsigned long long)thr->id);
	return 0;
}

static int monitor_create(struct monitor *m, struct aggmon_event_set *set)
{
	const struct stat_words *st = &m->stat.w;
	char what[64];
	size_t i;
	int fd, err;

	fd = aggmon_stat_create(m->stat.info.id, st->kind, st->period_ns,
				st->drain, &m->stat.id);
	if (fd < 0) {
		stat_format(st, what, sizeof(what));
		return p_sys_err(fd, m->stat.label, "%s: cannot create the statistic %s on %s",
				 m->where, what, m->stat.label);
	}
	m->stat.fd = fd;
	for (i = 0; i < m->nr_thr; i++) {
		err = threshold_create(m, &m->thr[i], set);
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
		err = gauge_find(&cfg->mon[i]);
		if (err)
			return err;
	}
	return 0;
}

static void check_print_json(const struct monitor *m)
{
	const struct stat_words *st = &m->stat.w;
	size_t i;

	jsonw_start_object(json_wtr);
	jsonw_u64_field(json_wtr, "line", m->line);
	jsonw_string_field(json_wtr, "gauge", m->stat.label);
	jsonw_u64_field(json_wtr, "gauge_id", m->stat.info.id);
	jsonw_string_field(json_wtr, "stat",
			   name_of(aggmon_stat_kind_name, st->kind));
	jsonw_u64_field(json_wtr, "period_ns", st->period_ns);
	jsonw_s64_field(json_wtr, "drain", st->drain);
	jsonw_name(json_wtr, "thresholds");
	jsonw_start_array(json_wtr);
	for (i = 0; i < m->nr_thr; i++) {
		const struct thr_words *t = &m->thr[i].spec;

		jsonw_start_object(json_wtr);
		jsonw_string_field(json_wtr, "kind",
				   name_of(aggmon_threshold_kind_name, t->kind));
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
		stat_format(&m->stat.w, stat, sizeof(stat));
		printf("%s: watch %s (id %llu) %s", m->where, m->stat.label,
		       (unsigned long long)m->stat.info.id, stat);
		for (j = 0; j < m->nr_thr; j++) {
			threshold_format(&m->thr[j].spec, true, thr, sizeof(thr));
			printf(" %s", thr);
		}
		putchar('\n');
	}
	if (json_output)
		jsonw_end_array(json_wtr);
	if (cfg->metrics.path && !json_output) {
		duration_format(cfg->metrics.interval_ns, stat, sizeof(stat));
		printf("%s:%u: metrics %s interval %s format %s\n", cfg->file,
		       cfg->metrics.line, cfg->metrics.path, stat,
		       cfg->metrics.prometheus ? "prometheus" : "openmetrics");
	}
}

/*
 * The metrics file
 * ================
 *
 * Besides every gauge and aggregation ('aggmon export'), per watch line:
 *   aggmon_monitor_stat{line, gauge, stat}		the statistic's value
 *   aggmon_monitor_threshold_state{..., threshold}	1 past the threshold
 *	(for the -cancel kinds: fired and not cancelled), 0 not, absent
 *	once its gauge is gone
 *   aggmon_monitor_events_total{..., type}		events by type
 *   aggmon_monitor_events_lost_total{...}		events lost, queue full
 */

static void monitor_labels(const struct monitor *m, struct om_labels *l)
{
	char line[16], stat[64];

	snprintf(line, sizeof(line), "%u", m->line);
	stat_format(&m->stat.w, stat, sizeof(stat));
	om_labels_init(l);
	om_label(l, "line", line);
	om_label(l, "gauge", m->stat.label);
	om_label(l, "stat", stat);
}

static void threshold_labels(const struct threshold *t, struct om_labels *l)
{
	char thr[64];

	monitor_labels(t->mon, l);
	threshold_format(&t->spec, false, thr, sizeof(thr));
	om_label(l, "threshold", thr);
}

/* 1 past the threshold, 0 not, -1 unknown (gone, or not read). */
static int threshold_state(const struct threshold *t, bool has_value,
			   __s64 value)
{
	bool above = t->spec.kind == AGGMON_THRESHOLD_ABOVE ||
		     t->spec.kind == AGGMON_THRESHOLD_ABOVE_CANCEL;
	bool cancel = t->spec.kind == AGGMON_THRESHOLD_ABOVE_CANCEL ||
		      t->spec.kind == AGGMON_THRESHOLD_BELOW_CANCEL;

	if (t->last == AGGMON_EVENT_GONE)
		return -1;
	if (cancel)
		return t->last == AGGMON_EVENT_FIRED;
	if (!has_value)
		return -1;
	return above ? value >= t->spec.value : value <= t->spec.value;
}

static int write_monitor_metrics(struct om_writer *w, const struct config *cfg,
				 struct seen *seen)
{
	static const char *const families[] = {
		"aggmon_monitor_stat", "aggmon_monitor_threshold_state",
		"aggmon_monitor_events", "aggmon_monitor_events_lost",
	};
	struct aggmon_stat_info si;
	struct om_labels l, lt;
	bool *has_value;
	__s64 *values;
	size_t i, j, f;
	__u32 type;
	int err = 0, state;

	for (f = 0; f < ARRAY_SIZE(families); f++)
		if (seen_add(seen, families[f], "aggmon monitor", &err) || err)
			return err ?: EXIT_FAILURE;
	has_value = calloc(cfg->nr_mon ?: 1, sizeof(*has_value));
	values = calloc(cfg->nr_mon ?: 1, sizeof(*values));
	if (!has_value || !values) {
		free(has_value);
		free(values);
		return -ENOMEM;
	}
	om_family(w, "aggmon_monitor_stat", OM_GAUGE, NULL,
		  "aggmon monitor: the value of the statistic of a watch line");
	for (i = 0; i < cfg->nr_mon; i++) {
		if (aggmon_stat_info(cfg->mon[i].stat.fd, &si))
			continue;	/* gone */
		has_value[i] = true;
		values[i] = si.value;
		monitor_labels(&cfg->mon[i], &l);
		om_sample_s64(w, "aggmon_monitor_stat", "", &l, si.value);
	}
	om_family(w, "aggmon_monitor_threshold_state", OM_GAUGE, NULL,
		  "aggmon monitor: 1 where the statistic is past the threshold (fired, for the -cancel kinds)");
	for (i = 0; i < cfg->nr_mon; i++)
		for (j = 0; j < cfg->mon[i].nr_thr; j++) {
			const struct threshold *t = &cfg->mon[i].thr[j];

			state = threshold_state(t, has_value[i], values[i]);
			if (state < 0)
				continue;
			threshold_labels(t, &l);
			om_sample_s64(w, "aggmon_monitor_threshold_state", "",
				      &l, state);
		}
	om_family(w, "aggmon_monitor_events", OM_COUNTER, NULL,
		  "aggmon monitor: the events of a threshold, by type");
	for (i = 0; i < cfg->nr_mon; i++)
		for (j = 0; j < cfg->mon[i].nr_thr; j++) {
			const struct threshold *t = &cfg->mon[i].thr[j];

			threshold_labels(t, &l);
			for (type = AGGMON_EVENT_FIRED; type <= AGGMON_EVENT_GONE;
			     type++) {
				lt = l;
				om_label(&lt, "type", aggmon_event_type_name(type));
				om_sample_u64(w, "aggmon_monitor_events",
					      "_total", &lt, t->events[type]);
			}
		}
	om_family(w, "aggmon_monitor_events_lost", OM_COUNTER, NULL,
		  "aggmon monitor: the events a threshold lost, its queue full");
	for (i = 0; i < cfg->nr_mon; i++)
		for (j = 0; j < cfg->mon[i].nr_thr; j++) {
			threshold_labels(&cfg->mon[i].thr[j], &l);
			om_sample_u64(w, "aggmon_monitor_events_lost", "_total",
				      &l, cfg->mon[i].thr[j].lost);
		}
	free(has_value);
	free(values);
	return 0;
}

static int write_metrics(FILE *f, void *arg)
{
	const struct config *cfg = arg;
	struct om_writer w = { .f = f, .openmetrics = !cfg->metrics.prometheus };
	struct seen seen = { 0 };
	int err;

	err = write_monitor_metrics(&w, cfg, &seen);
	if (!err)
		err = export_all(&w, &seen);
	seen_free(&seen);
	return err;
}

/*
 * Write the metrics file if it is due.  A write that fails is said once
 * and counted; the count is said when a write works again.
 */
static void metrics_update(struct config *cfg, bool now)
{
	struct metrics *mt = &cfg->metrics;
	__u64 t = now_ns();
	int err;

	if (!mt->path || (!now && t < mt->next_ns))
		return;
	mt->next_ns = t + mt->interval_ns;
	err = metrics_file_replace(mt->path, write_metrics, cfg);
	if (err) {
		if (!mt->failures++) {
			if (err < 0)
				p_err("cannot write the metrics file %s: %s (counting the failures)",
				      mt->path, strerror(-err));
			else
				p_err("cannot write the metrics file %s (counting the failures)",
				      mt->path);
		}
		return;
	}
	if (mt->failures)
		p_err("wrote the metrics file %s again, after %llu failed writes",
		      mt->path, (unsigned long long)mt->failures);
	mt->failures = 0;
}

/*
 * The event log
 * =============
 */

struct log_state {
	struct config *cfg;
	unsigned long long count, logged;
	bool done;
};

static bool event_has_value(const struct aggmon_event *ev)
{
	return ev->type == AGGMON_EVENT_FIRED ||
	       ev->type == AGGMON_EVENT_CANCELLED;
}

/* The record of @m: its gauge and statistic; the caller adds the rest. */
static void record_init(struct log_record *r, const struct monitor *m,
			char *stat, size_t size)
{
	memset(r, 0, sizeof(*r));
	stat_format(&m->stat.w, stat, size);
	r->gauge = m->stat.label;
	r->name = m->stat.info.name;
	r->item = m->stat.info.item;
	r->gauge_id = m->stat.info.id;
	r->stat_id = m->stat.id;
	r->stat = stat;
	r->stat_kind = name_of(aggmon_stat_kind_name, m->stat.w.kind);
	r->line = m->line;
}

static int log_event(const struct aggmon_event *ev, void *cookie, void *arg)
{
	struct log_state *ls = arg;
	struct threshold *thr = cookie;
	struct log_record r;
	char stat[64], t[64];

	if (ev->type <= AGGMON_EVENT_GONE) {
		thr->events[ev->type]++;
		thr->last = ev->type == AGGMON_EVENT_LOST ? thr->last : ev->type;
	}
	thr->lost += ev->lost;
	record_init(&r, thr->mon, stat, sizeof(stat));
	threshold_format(&thr->spec, false, t, sizeof(t));
	r.realtime_ns = mono_to_realtime_ns(ev->time_ns);
	r.monotonic_ns = ev->time_ns;
	r.event = name_of(aggmon_event_type_name, ev->type);
	r.threshold = t;
	r.threshold_kind = name_of(aggmon_threshold_kind_name, thr->spec.kind);
	r.threshold_value = thr->spec.value;
	r.threshold_id = ev->threshold_id;
	r.has_value = event_has_value(ev);
	r.value = ev->value;
	r.event_seq = ev->seq;
	r.lost = ev->lost;
	r.initial = ev->flags & AGGMON_EVENT_F_INITIAL;
	r.timer = ev->flags & AGGMON_EVENT_F_TIMER;
	r.seq = event_log_next_seq(&ls->cfg->log);
	event_log_write(&ls->cfg->log, &r);
	if (ls->count && ++ls->logged >= ls->count) {
		ls->done = true;
		return 1;
	}
	return 0;
}

/* A snapshot record of each watch line's statistic, if one is due. */
static void snapshot_update(struct config *cfg)
{
	struct aggmon_stat_info si;
	struct log_record r;
	__u64 now = now_ns();
	char stat[64];
	size_t i;

	if (!cfg->snapshot_ns || now < cfg->next_snapshot_ns)
		return;
	cfg->next_snapshot_ns += cfg->snapshot_ns;
	if (cfg->next_snapshot_ns <= now)	/* late: catch up */
		cfg->next_snapshot_ns = now + cfg->snapshot_ns;
	for (i = 0; i < cfg->nr_mon; i++) {
		if (aggmon_stat_info(cfg->mon[i].stat.fd, &si))
			continue;	/* gone: its thresholds said so */
		record_init(&r, &cfg->mon[i], stat, sizeof(stat));
		r.realtime_ns = realtime_ns();
		r.monotonic_ns = now_ns();
		r.event = "snapshot";
		r.has_value = true;
		r.value = si.value;
		r.seq = event_log_next_seq(&cfg->log);
		event_log_write(&cfg->log, &r);
	}
}

/* Log events until a signal, @count events or @duration_ns (0: none). */
static int log_events(struct config *cfg, struct aggmon_event_set *set,
		      unsigned long long count, __u64 duration_ns)
{
	struct log_state ls = { .cfg = cfg, .count = count };
	__u64 end = duration_ns ? now_ns() + duration_ns : 0;
	int timeout, ret, status = EXIT_SUCCESS;

	cfg->next_snapshot_ns = now_ns();
	snapshot_update(cfg);
	metrics_update(cfg, true);
	while (!stop_requested() && !ls.done) {
		timeout = wait_slice_ms(end);
		if (!timeout)
			break;
		ret = aggmon_event_set_wait(set, timeout, log_event, &ls);
		snapshot_update(cfg);
		metrics_update(cfg, false);
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
	/* The last state, with the events of the end. */
	metrics_update(cfg, true);
	if (cfg->metrics.failures)
		p_err("%llu writes of the metrics file %s failed",
		      (unsigned long long)cfg->metrics.failures,
		      cfg->metrics.path);
	return status;
}

/*
 * The sinks (text, or JSON with -j, on stdout when the file names none),
 * the member, and the state file: "state FILE", else
 * $STATE_DIRECTORY/seq where systemd gives a StateDirectory=, else none
 * (sequence ids from 1, not kept).
 */
static int event_log_start(struct config *cfg)
{
	char path[PATH_MAX], msg[64];
	char *word = json_output ? "json" : "text";
	const char *dir = getenv("STATE_DIRECTORY");

	if (!cfg->log.nr_sinks &&
	    log_sink_parse(&cfg->log, &word, 1, msg, sizeof(msg))) {
		p_err("%s", msg);
		return EXIT_FAILURE;
	}
	if (cfg->state) {
		cfg->log.state_path = cfg->state;
	} else if (dir && *dir) {
		snprintf(path, sizeof(path), "%.*s/seq",
			 (int)strcspn(dir, ":"), dir);
		cfg->state = strdup(path);
		if (!cfg->state) {
			p_err("out of memory");
			return EXIT_FAILURE;
		}
		cfg->log.state_path = cfg->state;
	}
	return event_log_open(&cfg->log, cfg->member);
}

static int config_run(struct config *cfg, unsigned long long count,
		      __u64 duration_ns)
{
	struct aggmon_event_set *set;
	size_t i;
	int err;

	err = event_log_start(cfg);
	if (err)
		return err;
	err = aggmon_event_set_new(&set);
	if (err) {
		event_log_close(&cfg->log);
		return p_sys_err(err, NULL, "cannot create an event set");
	}
	block_stop_signals();
	for (i = 0; !err && i < cfg->nr_mon; i++)
		err = monitor_create(&cfg->mon[i], set);
	if (!err)
		err = log_events(cfg, set, count, duration_ns);
	aggmon_event_set_free(set);
	return event_log_close(&cfg->log) ?: err;
}

/*
 * The command line
 * ================
 */

struct run_opts {
	__u64 count;
	__u64 duration_ns;
	bool check;
};

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
		if (at_keyword(ws, "count") && o->count)
			err = parse_err(ws, "count given twice");
		else if (at_keyword(ws, "count"))
			err = take_count(ws, UINT64_MAX, &o->count);
		else if (at_keyword(ws, "duration") && o->duration_ns)
			err = parse_err(ws, "duration given twice");
		else if (at_keyword(ws, "duration"))
			err = take_duration(ws, 1, UINT64_MAX, &o->duration_ns);
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

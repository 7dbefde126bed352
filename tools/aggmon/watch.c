// SPDX-License-Identifier: GPL-2.0
/*
 * aggmon watch (and its alias aggmon threshold): attach statistics and
 * thresholds to gauges and stream the thresholds' events.
 *
 * Everything it creates lives as long as its file descriptors, that is
 * as long as the command runs, so it works as a one-liner tracer.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stat.h"

/* What the callback returns to stop a wait once --count events are out. */
#define STOP_WAIT	(-ECANCELED)

struct watch_spec;

struct thr_spec {
	struct watch_spec *w;
	struct thr_words t;
	int fd;
	__u64 id;
};

struct watch_spec {
	struct stat_spec stat;
	struct watch_words words;
};

struct watch {
	struct watch_spec *ws;
	size_t nws;
	struct thr_spec *ts;
	size_t nts;
	__u64 count;		/* 0: no --count */
	__u64 duration_ns;	/* 0: no --duration */
	__u64 start_ns;
	__u64 events;
	struct aggmon_event_set *set;
};

static int print_threshold_syntax(void)
{
	return printf("       THRESHOLD := { above | below | above-cancel | below-cancel } VALUE\n"
		      "                    [cancel VALUE] [hysteresis] [queue N]\n");
}

static void print_threshold_help(void)
{
	printf("above VALUE         fires when the statistic rises to VALUE or above;\n"
	       "                    ready again once it is below VALUE (below the\n"
	       "                    cancel value, if given).\n"
	       "below VALUE         fires when it falls to VALUE or below; ready again\n"
	       "                    once it is above VALUE (or the cancel value).\n"
	       "above-cancel, below-cancel\n"
	       "                    as above and below, and also report cancelled\n"
	       "                    when the statistic comes back.\n"
	       "cancel VALUE        hysteresis: the value that re-arms (and cancels)\n"
	       "                    the threshold, at most VALUE for the above kinds,\n"
	       "                    at least VALUE for the below kinds.  'hysteresis'\n"
	       "                    may follow to say so; it needs 'cancel VALUE'.\n"
	       "queue N             events queued before they are counted as lost,\n"
	       "                    1 to 4096 (default 64).\n"
	       "A threshold that the statistic is already at or past when it is\n"
	       "created fires at once, with the flag INITIAL.\n");
}

static int do_threshold_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("Usage: aggmon [OPTIONS] threshold { GAUGE KIND ... | help }\n"
	       "\n");
	print_threshold_syntax();
	printf("\n");
	print_threshold_help();
	printf("'aggmon threshold GAUGE KIND ...' is 'aggmon watch GAUGE KIND ...':\n"
	       "thresholds exist while the command runs; see 'aggmon watch help'.\n");
	return EXIT_SUCCESS;
}

static int do_watch_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("Usage: aggmon [OPTIONS] watch WATCH [-- WATCH]... [count N] [duration DURATION]\n"
	       "       aggmon watch help\n"
	       "\n"
	       "       WATCH     := GAUGE [KIND [period DURATION] [drain N]]\n"
	       "                    THRESHOLD [THRESHOLD]...\n");
	print_threshold_syntax();
	printf("       GAUGE     := { ID | NAME[:ITEM] }, as 'aggmon gauge' takes it\n"
	       "       KIND      := { absolute | hwm | lwm | rate | bucket }, as in\n"
	       "                    'aggmon stat help'\n"
	       "       DURATION  := NUMBER{ns|us|ms|s|min|h}, e.g. 500ms, 2s (a unit is needed)\n"
	       "\n"
	       "Attaches a statistic of KIND (absolute if left out) to each GAUGE and\n"
	       "the thresholds to it, then prints their events as they come, until\n"
	       "SIGINT, SIGTERM or SIGHUP, count events, the duration, or the end of\n"
	       "every threshold (its gauge removed); then a summary line: N events,\n"
	       "L lost.  Statistics and thresholds go away with the command.  count\n"
	       "and duration may also be written --count, --duration.\n"
	       "\n");
	print_threshold_help();
	printf("\n"
	       "Each event is a line:\n"
	       "  SECONDS GAUGE KIND THRESHOLD VALUE TYPE value=V seq=S flags=F lost=L\n"
	       "SECONDS since the start, TYPE one of fired, cancelled, lost (L events\n"
	       "were dropped from a full queue) and gone (the gauge was removed), F\n"
	       "INITIAL, TIMER (time alone moved a rate or bucket), both or -.  With -j,\n"
	       "one object per event and line (JSON Lines) with the same fields, then\n"
	       "{\"type\": \"SUMMARY\", \"events\": N, \"lost\": L}.\n"
	       "The words of a WATCH are those of a line of 'aggmon monitor'.\n"
	       "Example: aggmon watch net.e100.tx_packets:eth0 rate period 1s above 1000\n"
	       "         cancel 800 -- mm.free_pages absolute below 1000 duration 1h\n");
	return EXIT_SUCCESS;
}

/*
 * Whether -h or --help followed the object: cmd_select() runs @help then,
 * and otherwise the first command, which says "not asked" with -1.
 */
static int not_asked(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return -1;
}

static int help_asked(const char *object, int (*help)(int argc, char **argv))
{
	static const struct cmd none[] = {
		{ "",	not_asked },
		{ NULL,	NULL },
	};

	return cmd_select(none, 0, NULL, object, help);
}

/*
 * Parsing
 * =======
 */

/* The words that end a WATCH: "--" and the limits of the command. */
static bool watch_stop(const char *word)
{
	const char *kw = keyword(word);

	return !strcmp(word, "--") || !strcmp(kw, "count") ||
	       !strcmp(kw, "duration");
}

/* count N or duration D at the cursor, for the whole command. */
static int parse_limit(struct words *ws, struct watch *wt)
{
	if (at_keyword(ws, "count")) {
		if (wt->count)
			return parse_err(ws, "count given twice");
		return take_count(ws, UINT64_MAX, &wt->count);
	}
	if (wt->duration_ns)
		return parse_err(ws, "duration given twice");
	return take_duration(ws, 1, UINT64_MAX, &wt->duration_ns);
}

/* The thresholds of the WATCH @w as thresholds to create. */
static int add_thresholds(struct watch *wt, struct watch_spec *w)
{
	struct thr_spec *ts;
	size_t i;

	ts = realloc(wt->ts, (wt->nts + w->words.nr_thr) * sizeof(*ts));
	if (!ts) {
		p_err("out of memory");
		return EXIT_FAILURE;
	}
	wt->ts = ts;
	for (i = 0; i < w->words.nr_thr; i++)
		ts[wt->nts++] = (struct thr_spec){
			.w = w, .t = w->words.thr[i], .fd = -1,
		};
	return 0;
}

/* WATCH [-- WATCH]... with the limits after any of them. */
static int parse(struct watch *wt, int argc, char **argv)
{
	struct words ws = { argv, argc, 0, NULL, "watch" };
	struct watch_spec *w;
	int err;

	/* Each WATCH has two words at least. */
	wt->ws = calloc(argc / 2 + 1, sizeof(*wt->ws));
	if (!wt->ws) {
		p_err("out of memory");
		return EXIT_FAILURE;
	}
	for (;;) {
		w = &wt->ws[wt->nws++];
		w->stat.fd = -1;
		err = parse_watch(&ws, &w->words, watch_stop);
		if (err)
			return err;
		w->stat.gauge = w->words.gauge;
		w->stat.w = w->words.stat;
		err = add_thresholds(wt, w);
		while (!err && peek(&ws) && strcmp(peek(&ws), "--"))
			err = parse_limit(&ws, wt);
		if (err || !peek(&ws))
			return err;
		ws.pos++;
		if (!peek(&ws))
			return parse_err(&ws, "missing WATCH after '--'");
	}
}

/*
 * Creating
 * ========
 */

static int threshold_err(int err, const struct thr_spec *t)
{
	if (err == -EMFILE) {
		p_err("too many thresholds for this user: see kernel.aggmon_max_user_thresholds (or ulimit -n)");
		return EXIT_FAILURE;
	}
	if (err == -EINVAL) {
		p_err("the kernel refused '%s %lld' on gauge %s: Invalid argument",
		      name_of(aggmon_threshold_kind_name, t->t.kind),
		      (long long)t->t.value, t->w->stat.gauge);
		return EXIT_FAILURE;
	}
	return stat_err(err, &t->w->stat, "create a threshold");
}

static int create_all(struct watch *wt)
{
	struct thr_spec *t;
	size_t i;
	int ret;

	for (i = 0; i < wt->nws; i++) {
		ret = stat_spec_open(&wt->ws[i].stat, NULL);
		if (ret)
			return ret;
	}
	for (i = 0; i < wt->nts; i++) {
		t = &wt->ts[i];
		ret = aggmon_threshold_create(t->w->stat.fd, t->t.kind,
					      t->t.value, t->t.cancel,
					      t->t.has_cancel ?
					      AGGMON_THRESHOLD_HYSTERESIS : 0,
					      t->t.queue_len, &t->id);
		if (ret < 0)
			return threshold_err(ret, t);
		t->fd = ret;
		ret = aggmon_event_set_add(wt->set, t->fd, t);
		if (ret)
			return p_sys_err(ret, NULL, "cannot watch a threshold");
	}
	return 0;
}

static void destroy_all(struct watch *wt)
{
	size_t i;

	for (i = 0; i < wt->nts; i++)
		if (wt->ts[i].fd >= 0)
			close(wt->ts[i].fd);
	for (i = 0; i < wt->nws; i++) {
		stat_spec_close(&wt->ws[i].stat);
		free(wt->ws[i].words.thr);
	}
	aggmon_event_set_free(wt->set);
	free(wt->ts);
	free(wt->ws);
}

/*
 * Events
 * ======
 */

static void flags_text(__u32 flags, char *buf, size_t size)
{
	snprintf(buf, size, "%s%s%s",
		 flags & AGGMON_EVENT_F_INITIAL ? "INITIAL" : "",
		 (flags & AGGMON_EVENT_F_INITIAL) &&
		 (flags & AGGMON_EVENT_F_TIMER) ? "," : "",
		 flags & AGGMON_EVENT_F_TIMER ? "TIMER" : "");
	if (!*buf)
		snprintf(buf, size, "-");
}

static void json_flags(__u32 flags)
{
	jsonw_name(json_wtr, "flags");
	jsonw_start_array(json_wtr);
	if (flags & AGGMON_EVENT_F_INITIAL)
		jsonw_string(json_wtr, "INITIAL");
	if (flags & AGGMON_EVENT_F_TIMER)
		jsonw_string(json_wtr, "TIMER");
	jsonw_end_array(json_wtr);
}

static void json_event(const struct thr_spec *t, const struct aggmon_event *ev,
		       double secs)
{
	const struct stat_spec *s = &t->w->stat;

	jsonw_start_object(json_wtr);
	jsonw_name(json_wtr, "time");
	jsonw_double(json_wtr, secs);
	jsonw_u64_field(json_wtr, "time_ns", ev->time_ns);
	jsonw_u64_field(json_wtr, "gauge_id", ev->gauge_id);
	jsonw_string_field(json_wtr, "gauge", s->info.name);
	jsonw_string_field(json_wtr, "item", s->info.item);
	jsonw_u64_field(json_wtr, "stat_id", ev->stat_id);
	jsonw_string_field(json_wtr, "stat",
			   name_of(aggmon_stat_kind_name, s->w.kind));
	jsonw_u64_field(json_wtr, "period_ns", s->w.period_ns);
	jsonw_s64_field(json_wtr, "drain", s->w.drain);
	jsonw_u64_field(json_wtr, "threshold_id", ev->threshold_id);
	jsonw_string_field(json_wtr, "threshold",
			   name_of(aggmon_threshold_kind_name, t->t.kind));
	jsonw_s64_field(json_wtr, "threshold_value", t->t.value);
	jsonw_name(json_wtr, "cancel");
	if (t->t.has_cancel)
		jsonw_s64(json_wtr, t->t.cancel);
	else
		jsonw_null(json_wtr);
	jsonw_string_field(json_wtr, "type",
			   name_of(aggmon_event_type_name, ev->type));
	jsonw_s64_field(json_wtr, "value", ev->value);
	jsonw_u64_field(json_wtr, "seq", ev->seq);
	json_flags(ev->flags);
	jsonw_u64_field(json_wtr, "lost", ev->lost);
	jsonw_end_object(json_wtr);
}

static int on_event(const struct aggmon_event *ev, void *cookie, void *arg)
{
	const struct thr_spec *t = cookie;
	struct watch *wt = arg;
	double secs = (double)(__s64)(ev->time_ns - wt->start_ns) /
		      NSEC_PER_SEC;
	char flags[32];

	if (json_output) {
		json_event(t, ev, secs);
	} else {
		flags_text(ev->flags, flags, sizeof(flags));
		printf("%.6f %s %s %s %lld %s value=%lld seq=%llu flags=%s lost=%llu\n",
		       secs, t->w->stat.label,
		       name_of(aggmon_stat_kind_name, t->w->stat.w.kind),
		       name_of(aggmon_threshold_kind_name, t->t.kind),
		       (long long)t->t.value,
		       name_of(aggmon_event_type_name, ev->type),
		       (long long)ev->value,
		       (unsigned long long)ev->seq, flags,
		       (unsigned long long)ev->lost);
	}
	fflush(stdout);
	wt->events++;
	return wt->count && wt->events >= wt->count ? STOP_WAIT : 0;
}

static int event_loop(struct watch *wt)
{
	int ret, ms;

	while (!stop_requested() && aggmon_event_set_size(wt->set)) {
		ms = wait_slice_ms(wt->duration_ns ?
				   wt->start_ns + wt->duration_ns : 0);
		if (!ms)
			break;
		ret = aggmon_event_set_wait(wt->set, ms, on_event, wt);
		if (ret == STOP_WAIT)
			break;
		if (ret < 0 && ret != -EINTR)
			return p_sys_err(ret, NULL, "cannot read the events");
	}
	return 0;
}

static void print_summary(const struct watch *wt)
{
	__u64 lost = aggmon_event_set_lost(wt->set);

	if (!json_output) {
		printf("%llu events, %llu lost\n",
		       (unsigned long long)wt->events,
		       (unsigned long long)lost);
		return;
	}
	jsonw_start_object(json_wtr);
	jsonw_string_field(json_wtr, "type", "SUMMARY");
	jsonw_u64_field(json_wtr, "events", wt->events);
	jsonw_u64_field(json_wtr, "lost", lost);
	jsonw_end_object(json_wtr);
}

static int run_watch(struct watch *wt)
{
	int err = aggmon_event_set_new(&wt->set);

	if (err)
		return p_sys_err(err, NULL, "cannot create an event set");
	block_stop_signals();
	wt->start_ns = now_ns();
	err = create_all(wt);
	if (!err)
		err = event_loop(wt);
	if (!err)
		print_summary(wt);
	return err;
}

int do_watch(int argc, char **argv)
{
	struct watch wt = { 0 };
	int ret = help_asked("watch", do_watch_help);

	if (ret >= 0)
		return ret;
	if (argc == 1 && !strcmp(argv[0], "help"))
		return do_watch_help(argc, argv);
	ret = parse(&wt, argc, argv);
	if (!ret)
		ret = run_watch(&wt);
	destroy_all(&wt);
	return ret;
}

int do_threshold(int argc, char **argv)
{
	int ret = help_asked("threshold", do_threshold_help);

	if (ret >= 0)
		return ret;
	if (!argc)
		return p_usage("threshold", "missing GAUGE");
	if (argc == 1 && !strcmp(argv[0], "help"))
		return do_threshold_help(argc, argv);
	return do_watch(argc, argv);
}

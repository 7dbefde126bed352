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

#include "main.h"
#include "stat.h"

#define NSEC_PER_SEC	1000000000ULL
#define NSEC_PER_MSEC	1000000ULL
/* Longest wait between two looks at the signals and the duration. */
#define WAIT_SLICE_MS	100
/* What the callback returns to stop a wait once --count events are out. */
#define STOP_WAIT	(-ECANCELED)

struct watch_spec;

struct thr_spec {
	struct watch_spec *w;
	__u32 kind;		/* enum aggmon_threshold_kind */
	__s64 value;
	__s64 cancel;
	__u32 flags;		/* AGGMON_THRESHOLD_HYSTERESIS with cancel */
	bool hysteresis;	/* the word was given */
	__u32 queue;		/* 0: the kernel's default */
	int fd;
	__u64 id;
};

struct watch_spec {
	struct stat_spec stat;
	size_t nthr;		/* thresholds on it */
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

static const char *const thr_kinds[] = {
	[AGGMON_THRESHOLD_ABOVE]	= "above",
	[AGGMON_THRESHOLD_BELOW]	= "below",
	[AGGMON_THRESHOLD_ABOVE_CANCEL]	= "above-cancel",
	[AGGMON_THRESHOLD_BELOW_CANCEL]	= "below-cancel",
};

static const char *const event_types[] = {
	[AGGMON_EVENT_FIRED]		= "FIRED",
	[AGGMON_EVENT_CANCELLED]	= "CANCELLED",
	[AGGMON_EVENT_LOST]		= "LOST",
	[AGGMON_EVENT_GONE]		= "GONE",
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
	       "                    as above and below, and also report CANCELLED\n"
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
	       "       WATCH     := GAUGE KIND [period DURATION] [drain N]\n"
	       "                    THRESHOLD [THRESHOLD]...\n");
	print_threshold_syntax();
	printf("       GAUGE     := { ID | NAME[:ITEM] }, as 'aggmon gauge' takes it\n"
	       "       KIND      := { absolute | hwm | lwm | rate | bucket }, as in\n"
	       "                    'aggmon stat help'\n"
	       "       DURATION  := NUMBER{ns|us|ms|s|min|h}, e.g. 500ms, 2s (a unit is needed)\n"
	       "\n"
	       "Attaches a statistic of KIND to each GAUGE and the thresholds to it, then\n"
	       "prints their events as they come, until SIGINT or SIGTERM, count events,\n"
	       "the duration, or the end of every threshold (its gauge removed); then a\n"
	       "summary line: N events, L lost.  Statistics and thresholds go away with\n"
	       "the command.  count and duration may also be written --count, --duration.\n"
	       "\n");
	print_threshold_help();
	printf("\n"
	       "Each event is a line:\n"
	       "  SECONDS GAUGE KIND THRESHOLD VALUE TYPE value=V seq=S flags=F lost=L\n"
	       "SECONDS since the start, TYPE one of FIRED, CANCELLED, LOST (L events\n"
	       "were dropped from a full queue) and GONE (the gauge was removed), F\n"
	       "INITIAL, TIMER (time alone moved a rate or bucket), both or -.  With -j,\n"
	       "one object per event and line (JSON Lines) with the same fields, then\n"
	       "{\"type\": \"SUMMARY\", \"events\": N, \"lost\": L}.\n"
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

static int thr_kind(const char *word)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(thr_kinds); i++)
		if (!strcmp(word, thr_kinds[i]))
			return i;
	return -1;
}

static bool is_above(__u32 kind)
{
	return kind == AGGMON_THRESHOLD_ABOVE ||
	       kind == AGGMON_THRESHOLD_ABOVE_CANCEL;
}

/* "KIND VALUE" at argv[*i]: a new threshold of @w. */
static int parse_threshold(struct watch *wt, struct watch_spec *w, int argc,
			   char **argv, int *i)
{
	struct thr_spec *t = &wt->ts[wt->nts];

	if (*i + 1 >= argc)
		return p_usage("watch", "%s needs a VALUE", argv[*i]);
	memset(t, 0, sizeof(*t));
	t->w = w;
	t->kind = thr_kind(argv[*i]);
	t->fd = -1;
	(*i)++;
	if (parse_s64(argv[*i], &t->value))
		return p_usage("watch", "invalid %s VALUE '%s': expected a 64-bit integer",
			       argv[*i - 1], argv[*i]);
	wt->nts++;
	w->nthr++;
	return 0;
}

static int parse_cancel(struct thr_spec *t, int argc, char **argv, int *i)
{
	if (*i + 1 >= argc)
		return p_usage("watch", "cancel needs a VALUE");
	if (t->flags)
		return p_usage("watch", "cancel given twice for '%s %lld'",
			       thr_kinds[t->kind], (long long)t->value);
	(*i)++;
	if (parse_s64(argv[*i], &t->cancel))
		return p_usage("watch", "invalid cancel VALUE '%s': expected a 64-bit integer",
			       argv[*i]);
	t->flags = AGGMON_THRESHOLD_HYSTERESIS;
	return 0;
}

static int parse_queue(struct thr_spec *t, int argc, char **argv, int *i)
{
	__u64 n;

	if (*i + 1 >= argc)
		return p_usage("watch", "queue needs a value");
	(*i)++;
	if (parse_count(argv[*i], AGGMON_QUEUE_LEN_MAX, &n))
		return p_usage("watch", "invalid queue '%s': expected 1 to %u",
			       argv[*i], AGGMON_QUEUE_LEN_MAX);
	t->queue = n;
	return 0;
}

/* cancel, hysteresis or queue: about the last threshold given. */
static int parse_modifier(struct watch *wt, struct watch_spec *w, int argc,
			  char **argv, int *i)
{
	const char *kw = keyword(argv[*i]);
	struct thr_spec *t = wt->nts ? &wt->ts[wt->nts - 1] : NULL;

	if (!t || t->w != w)
		return p_usage("watch",
			       "'%s' must follow a THRESHOLD (above, below, above-cancel or below-cancel VALUE)",
			       kw);
	if (!strcmp(kw, "cancel"))
		return parse_cancel(t, argc, argv, i);
	if (!strcmp(kw, "queue"))
		return parse_queue(t, argc, argv, i);
	t->hysteresis = true;
	return 0;
}

/* count N or duration D, for the whole command. */
static int parse_limit(struct watch *wt, int argc, char **argv, int *i)
{
	const char *kw = keyword(argv[*i]);
	bool count = !strcmp(kw, "count");
	int err;

	if (*i + 1 >= argc)
		return p_usage("watch", "%s needs a value", kw);
	if ((count && wt->count) || (!count && wt->duration_ns))
		return p_usage("watch", "%s given twice", kw);
	(*i)++;
	if (count) {
		if (parse_count(argv[*i], UINT64_MAX, &wt->count))
			return p_usage("watch", "invalid count '%s': expected a positive number",
				       argv[*i]);
		return 0;
	}
	err = parse_duration(argv[*i], &wt->duration_ns);
	if (err == DURATION_NO_UNIT)
		return p_usage("watch", DURATION_NO_UNIT_MSG, kw, argv[*i]);
	if (err || !wt->duration_ns)
		return p_usage("watch",
			       "invalid duration '%s': expected a DURATION such as 10ms, 1s or 500us",
			       argv[*i]);
	return 0;
}

static bool is_word(const char *arg, const char *const *words)
{
	const char *kw = keyword(arg);

	for (; *words; words++)
		if (!strcmp(kw, *words))
			return true;
	return false;
}

/* One word after "GAUGE KIND" of @w. */
static int parse_word(struct watch *wt, struct watch_spec *w, int argc,
		      char **argv, int *i)
{
	static const char *const modifiers[] = {
		"cancel", "hysteresis", "queue", NULL
	};
	static const char *const limits[] = { "count", "duration", NULL };
	int ret = stat_spec_option(&w->stat, argc, argv, i, "watch");

	if (ret)
		return ret == 1 ? 0 : ret;
	if (thr_kind(argv[*i]) >= 0)
		return parse_threshold(wt, w, argc, argv, i);
	if (is_word(argv[*i], modifiers))
		return parse_modifier(wt, w, argc, argv, i);
	if (is_word(argv[*i], limits))
		return parse_limit(wt, argc, argv, i);
	return p_usage("watch",
		       "unknown keyword '%s': expected a THRESHOLD (above, below, above-cancel or below-cancel VALUE)",
		       argv[*i]);
}

static int check_thresholds(const struct watch *wt, const struct watch_spec *w)
{
	const struct thr_spec *t;
	size_t i;

	if (!w->nthr)
		return p_usage("watch",
			       "GAUGE '%s' needs a THRESHOLD (above, below, above-cancel or below-cancel VALUE)",
			       w->stat.gauge);
	for (i = wt->nts - w->nthr; i < wt->nts; i++) {
		t = &wt->ts[i];
		if (t->hysteresis && !t->flags)
			return p_usage("watch", "hysteresis of '%s %lld' needs 'cancel VALUE'",
				       thr_kinds[t->kind], (long long)t->value);
		if (t->flags && is_above(t->kind) && t->cancel > t->value)
			return p_usage("watch",
				       "cancel %lld of '%s %lld' must be at most the VALUE",
				       (long long)t->cancel, thr_kinds[t->kind],
				       (long long)t->value);
		if (t->flags && !is_above(t->kind) && t->cancel < t->value)
			return p_usage("watch",
				       "cancel %lld of '%s %lld' must be at least the VALUE",
				       (long long)t->cancel, thr_kinds[t->kind],
				       (long long)t->value);
	}
	return 0;
}

/* One WATCH from argv[*i] up to "--" or the end. */
static int parse_watch(struct watch *wt, int argc, char **argv, int *i)
{
	struct watch_spec *w = &wt->ws[wt->nws++];
	int ret = stat_spec_init(&w->stat, argc - *i, argv + *i, "watch");

	for (*i += 2; !ret && *i < argc && strcmp(argv[*i], "--"); (*i)++)
		ret = parse_word(wt, w, argc, argv, i);
	if (!ret)
		ret = stat_spec_check(&w->stat, "watch");
	return ret ?: check_thresholds(wt, w);
}

static int parse(struct watch *wt, int argc, char **argv)
{
	int i = 0, ret;

	/* Each WATCH has two words at least, each THRESHOLD two. */
	wt->ws = calloc(argc / 2 + 1, sizeof(*wt->ws));
	wt->ts = calloc(argc / 2 + 1, sizeof(*wt->ts));
	if (!wt->ws || !wt->ts) {
		p_err("out of memory");
		return EXIT_FAILURE;
	}
	for (;;) {
		ret = parse_watch(wt, argc, argv, &i);
		if (ret || i >= argc)
			return ret;
		if (++i >= argc)
			return p_usage("watch", "missing WATCH after '--'");
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
		      thr_kinds[t->kind], (long long)t->value, t->w->stat.gauge);
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
		ret = stat_spec_open(&wt->ws[i].stat);
		if (ret)
			return ret;
	}
	for (i = 0; i < wt->nts; i++) {
		t = &wt->ts[i];
		ret = aggmon_threshold_create(t->w->stat.fd, t->kind, t->value,
					      t->cancel, t->flags, t->queue,
					      &t->id);
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
	for (i = 0; i < wt->nws; i++)
		stat_spec_close(&wt->ws[i].stat);
	aggmon_event_set_free(wt->set);
	free(wt->ts);
	free(wt->ws);
}

/*
 * Events
 * ======
 */

static const char *type_name(__u32 type)
{
	if (type < ARRAY_SIZE(event_types) &&
	    event_types[type])
		return event_types[type];
	return "UNKNOWN";
}

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
	jsonw_string_field(json_wtr, "stat", stat_kind_name(s->kind));
	jsonw_u64_field(json_wtr, "period_ns", s->period_ns);
	jsonw_s64_field(json_wtr, "drain", s->drain);
	jsonw_u64_field(json_wtr, "threshold_id", ev->threshold_id);
	jsonw_string_field(json_wtr, "threshold", thr_kinds[t->kind]);
	jsonw_s64_field(json_wtr, "threshold_value", t->value);
	jsonw_name(json_wtr, "cancel");
	if (t->flags)
		jsonw_s64(json_wtr, t->cancel);
	else
		jsonw_null(json_wtr);
	jsonw_string_field(json_wtr, "type", type_name(ev->type));
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
		       secs, t->w->stat.label, stat_kind_name(t->w->stat.kind),
		       thr_kinds[t->kind], (long long)t->value,
		       type_name(ev->type), (long long)ev->value,
		       (unsigned long long)ev->seq, flags,
		       (unsigned long long)ev->lost);
	}
	fflush(stdout);
	wt->events++;
	return wt->count && wt->events >= wt->count ? STOP_WAIT : 0;
}

/* Milliseconds to wait now; 0 once the duration is over. */
static int wait_ms(const struct watch *wt)
{
	__u64 now = now_ns(), end = wt->start_ns + wt->duration_ns;

	if (!wt->duration_ns)
		return WAIT_SLICE_MS;
	if (now >= end)
		return 0;
	if (end - now >= WAIT_SLICE_MS * NSEC_PER_MSEC)
		return WAIT_SLICE_MS;
	return (end - now + NSEC_PER_MSEC - 1) / NSEC_PER_MSEC;
}

static int event_loop(struct watch *wt)
{
	int ret, ms;

	while (!stop_requested() && aggmon_event_set_size(wt->set)) {
		ms = wait_ms(wt);
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
	catch_stop_signals();
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

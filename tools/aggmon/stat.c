// SPDX-License-Identifier: GPL-2.0
/*
 * aggmon stat: attach a statistic to a gauge and read it.
 *
 * The statistic lives as long as its file descriptor, that is as long as
 * the command runs: 'aggmon stat read' is a one-liner that creates one,
 * samples it and lets it go.
 */
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "main.h"
#include "stat.h"

#define NSEC_PER_SEC	1000000000ULL

static const struct {
	const char *name;
	__u32 kind;
} stat_kinds[] = {
	{ "absolute",		AGGMON_STAT_ABSOLUTE },
	{ "hwm",		AGGMON_STAT_HIGH_WATERMARK },
	{ "lwm",		AGGMON_STAT_LOW_WATERMARK },
	{ "rate",		AGGMON_STAT_RATE },
	{ "bucket",		AGGMON_STAT_LEAKY_BUCKET },
	/* Long spellings. */
	{ "high-watermark",	AGGMON_STAT_HIGH_WATERMARK },
	{ "low-watermark",	AGGMON_STAT_LOW_WATERMARK },
	{ "leaky-bucket",	AGGMON_STAT_LEAKY_BUCKET },
};

static const struct {
	const char *unit;
	__u64 ns;
} units[] = {
	{ "ns",		1 },
	{ "us",		1000 },
	{ "ms",		1000000 },
	{ "s",		NSEC_PER_SEC },
	{ "min",	60 * NSEC_PER_SEC },
	{ "h",		3600 * NSEC_PER_SEC },
};

/* Set by the signal handler: lock-free, so async-signal-safe. */
static atomic_bool stop;
_Static_assert(ATOMIC_BOOL_LOCK_FREE == 2, "the stop flag must be lock-free");

int parse_duration(const char *s, __u64 *ns)
{
	size_t digits = strspn(s, "0123456789"), i;
	unsigned long long val;

	if (!digits || digits > 20)
		return -1;
	errno = 0;
	val = strtoull(s, NULL, 10);
	if (errno)
		return -1;
	if (!s[digits])
		return DURATION_NO_UNIT;
	for (i = 0; i < ARRAY_SIZE(units); i++) {
		if (strcmp(s + digits, units[i].unit))
			continue;
		if (val > UINT64_MAX / units[i].ns)
			return -1;
		*ns = val * units[i].ns;
		return 0;
	}
	return -1;
}

int parse_s64(const char *s, __s64 *val)
{
	const char *digits = s + (*s == '-' || *s == '+');
	char *end;
	long long v;

	if (!*digits || digits[strspn(digits, "0123456789")])
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end)
		return -1;
	*val = v;
	return 0;
}

int parse_count(const char *s, __u64 max, __u64 *val)
{
	unsigned long long v;

	if (!*s || s[strspn(s, "0123456789")])
		return -1;
	errno = 0;
	v = strtoull(s, NULL, 10);
	if (errno || !v || v > max)
		return -1;
	*val = v;
	return 0;
}

const char *keyword(const char *arg)
{
	return !strncmp(arg, "--", 2) && arg[2] ? arg + 2 : arg;
}

const char *stat_kind_name(__u32 kind)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(stat_kinds); i++)
		if (stat_kinds[i].kind == kind)
			return stat_kinds[i].name;
	return "unknown";
}

static bool has_period(__u32 kind)
{
	return kind == AGGMON_STAT_RATE || kind == AGGMON_STAT_LEAKY_BUCKET;
}

int stat_spec_init(struct stat_spec *s, int argc, char **argv,
		   const char *object)
{
	size_t i;

	memset(s, 0, sizeof(*s));
	s->fd = -1;
	if (argc < 1 || !strcmp(argv[0], "--"))
		return p_usage(object, "missing GAUGE");
	if (argc < 2 || !strcmp(argv[1], "--"))
		return p_usage(object,
			       "missing KIND after GAUGE '%s' (absolute, hwm, lwm, rate or bucket)",
			       argv[0]);
	s->gauge = argv[0];
	s->kind_arg = argv[1];
	for (i = 0; i < ARRAY_SIZE(stat_kinds); i++) {
		if (!strcmp(argv[1], stat_kinds[i].name)) {
			s->kind = stat_kinds[i].kind;
			return 0;
		}
	}
	return p_usage(object,
		       "unknown statistic KIND '%s': expected absolute, hwm, lwm, rate or bucket",
		       argv[1]);
}

static int parse_period(struct stat_spec *s, const char *arg,
			const char *object)
{
	__u64 ns;
	int err = parse_duration(arg, &ns);

	if (err == DURATION_NO_UNIT)
		return p_usage(object, DURATION_NO_UNIT_MSG, "period", arg);
	if (err)
		return p_usage(object,
			       "invalid period '%s': expected a DURATION such as 10ms, 1s or 500us",
			       arg);
	if (ns < AGGMON_PERIOD_MIN_NS || ns > AGGMON_PERIOD_MAX_NS)
		return p_usage(object, "invalid period '%s': expected 1ms to 24h",
			       arg);
	s->period_ns = ns;
	return 0;
}

int stat_spec_option(struct stat_spec *s, int argc, char **argv, int *i,
		     const char *object)
{
	const char *kw = keyword(argv[*i]);
	bool period = !strcmp(kw, "period");

	if (!period && strcmp(kw, "drain"))
		return 0;
	if (*i + 1 >= argc)
		return p_usage(object, "%s needs a value", kw);
	if ((period && s->period_ns) || (!period && s->drain))
		return p_usage(object, "%s given twice for GAUGE '%s'", kw,
			       s->gauge);
	(*i)++;
	if (period)
		return parse_period(s, argv[*i], object) ?: 1;
	if (parse_s64(argv[*i], &s->drain) || s->drain <= 0)
		return p_usage(object, "invalid drain '%s': expected a positive number",
			       argv[*i]);
	return 1;
}

int stat_spec_check(struct stat_spec *s, const char *object)
{
	if (has_period(s->kind) && !s->period_ns)
		return p_usage(object, "KIND %s needs 'period DURATION' (GAUGE '%s')",
			       s->kind_arg, s->gauge);
	if (!has_period(s->kind) && s->period_ns)
		return p_usage(object, "KIND %s takes no period (GAUGE '%s')",
			       s->kind_arg, s->gauge);
	if (s->kind == AGGMON_STAT_LEAKY_BUCKET && !s->drain)
		return p_usage(object, "KIND %s needs 'drain N' (GAUGE '%s')",
			       s->kind_arg, s->gauge);
	if (s->kind != AGGMON_STAT_LEAKY_BUCKET && s->drain)
		return p_usage(object, "KIND %s takes no drain, only bucket does (GAUGE '%s')",
			       s->kind_arg, s->gauge);
	return 0;
}

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

int stat_spec_open(struct stat_spec *s)
{
	int ret = gauge_lookup(s->gauge, &s->info);

	if (ret)
		return ret;
	snprintf(s->label, sizeof(s->label), "%s%s%s", s->info.name,
		 s->info.item[0] ? ":" : "", s->info.item);
	ret = aggmon_stat_create(s->info.id, s->kind, s->period_ns, s->drain,
				 &s->id);
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

__u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

static void on_stop_signal(int sig)
{
	(void)sig;
	atomic_store(&stop, true);
}

void catch_stop_signals(void)
{
	struct sigaction sa = { .sa_handler = on_stop_signal };

	/* No SA_RESTART: a signal interrupts the sleep or the wait. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

bool stop_requested(void)
{
	return atomic_load(&stop);
}

bool sleep_until(__u64 deadline_ns)
{
	struct timespec ts = {
		.tv_sec = deadline_ns / NSEC_PER_SEC,
		.tv_nsec = deadline_ns % NSEC_PER_SEC,
	};

	while (!atomic_load(&stop) &&
	       clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts,
			       NULL) == EINTR)
		;
	return !atomic_load(&stop);
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

static int read_option(struct stat_read *r, int argc, char **argv, int *i)
{
	const char *kw = keyword(argv[*i]);
	int ret = stat_spec_option(&r->stat, argc, argv, i, "stat");

	if (ret)
		return ret == 1 ? 0 : ret;
	if (strcmp(kw, "interval") && strcmp(kw, "count"))
		return p_usage("stat", "unknown keyword '%s' in 'stat read'",
			       argv[*i]);
	if (*i + 1 >= argc)
		return p_usage("stat", "%s needs a value", kw);
	(*i)++;
	if (!strcmp(kw, "count")) {
		if (parse_count(argv[*i], UINT64_MAX, &r->count))
			return p_usage("stat", "invalid count '%s': expected a positive number",
				       argv[*i]);
		return 0;
	}
	ret = parse_duration(argv[*i], &r->interval_ns);
	if (ret == DURATION_NO_UNIT)
		return p_usage("stat", DURATION_NO_UNIT_MSG, kw, argv[*i]);
	if (ret || !r->interval_ns)
		return p_usage("stat",
			       "invalid interval '%s': expected a DURATION such as 10ms, 1s or 500us",
			       argv[*i]);
	return 0;
}

static int read_parse(struct stat_read *r, int argc, char **argv)
{
	int i, ret = stat_spec_init(&r->stat, argc, argv, "stat");

	for (i = 2; !ret && i < argc; i++)
		ret = read_option(r, argc, argv, &i);
	return ret ?: stat_spec_check(&r->stat, "stat");
}

static void print_sample(const struct stat_read *r,
			 const struct aggmon_stat_info *si, __u64 now)
{
	const struct stat_spec *s = &r->stat;
	double t = (double)(now - r->start_ns) / NSEC_PER_SEC;

	if (!json_output) {
		printf("%.6f %s %s value=%lld level=%lld\n", t, s->label,
		       stat_kind_name(si->kind), (long long)si->value,
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
	jsonw_string_field(json_wtr, "stat", stat_kind_name(si->kind));
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

	if (has_period(r->stat.kind))
		next += r->stat.period_ns;
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
		r.interval_ns = r.stat.period_ns ?: NSEC_PER_SEC;
	catch_stop_signals();
	r.start_ns = now_ns();
	ret = stat_spec_open(&r.stat);
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

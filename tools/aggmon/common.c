// SPDX-License-Identifier: GPL-2.0
/*
 * The aggmon command's common ground: durations, clocks and waits, stop
 * signals, the names of enums, and the cursor over words that every
 * command line and the monitor file go through (see common.h).
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "libaggmon.h"

/*
 * Durations
 * =========
 */

static const struct {
	const char *name;
	__u64 ns;
} units[] = {
	{ "h",		3600 * NSEC_PER_SEC },
	{ "min",	60 * NSEC_PER_SEC },
	{ "s",		NSEC_PER_SEC },
	{ "ms",		NSEC_PER_MSEC },
	{ "us",		1000 },
	{ "ns",		1 },
};

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
		if (strcmp(s + digits, units[i].name))
			continue;
		if (val > UINT64_MAX / units[i].ns)
			return -1;
		*ns = val * units[i].ns;
		return 0;
	}
	return -1;
}

void duration_format(__u64 ns, char *buf, size_t size)
{
	unsigned int i;

	/* The largest unit that divides it. */
	for (i = 0; i < ARRAY_SIZE(units) - 1; i++)
		if (ns && !(ns % units[i].ns))
			break;
	snprintf(buf, size, "%llu%s", (unsigned long long)(ns / units[i].ns),
		 units[i].name);
}

int duration_arg(const char *object, const char *where, const char *key,
		 const char *arg, __u64 min, __u64 max, __u64 *ns)
{
	const struct words ws = { .where = where, .object = object };
	char lo[24], hi[24];
	__u64 val;
	int err = parse_duration(arg, &val);

	if (err == DURATION_NO_UNIT)
		return parse_err(&ws,
				 "invalid %s '%s': give a unit, e.g. 500ms, 2s (ns, us, ms, s, min, h)",
				 key, arg);
	if (max == UINT64_MAX) {
		if (err || !val)
			return parse_err(&ws,
					 "invalid %s '%s': expected a DURATION such as 10ms, 1s or 500us",
					 key, arg);
	} else if (err || val < min || val > max) {
		duration_format(min, lo, sizeof(lo));
		duration_format(max, hi, sizeof(hi));
		return parse_err(&ws,
				 "invalid %s '%s': expected a DURATION from %s to %s, such as 500ms",
				 key, arg, lo, hi);
	}
	*ns = val;
	return 0;
}

/*
 * Clocks and waits
 * ================
 */

static __u64 clock_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (__u64)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

__u64 now_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

__u64 realtime_ns(void)
{
	return clock_ns(CLOCK_REALTIME);
}

__u64 mono_to_realtime_ns(__u64 mono_ns)
{
	__u64 real = realtime_ns(), mono = now_ns();

	return real - (mono - mono_ns);
}

void realtime_format(__u64 ns, char *buf, size_t size)
{
	time_t sec = ns / NSEC_PER_SEC;
	struct tm tm;
	size_t len;

	gmtime_r(&sec, &tm);
	len = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + len, size - len, ".%09lluZ",
		 (unsigned long long)(ns % NSEC_PER_SEC));
}

static sigset_t stop_set;
static int stop_sig;

void block_stop_signals(void)
{
	sigemptyset(&stop_set);
	sigaddset(&stop_set, SIGINT);
	sigaddset(&stop_set, SIGTERM);
	sigaddset(&stop_set, SIGHUP);
	sigprocmask(SIG_BLOCK, &stop_set, NULL);
}

/* Take a stop signal, waiting at most @ts (NULL: forever). */
static int take_stop_signal(const struct timespec *ts)
{
	int sig;

	if (stop_sig)
		return stop_sig;
	do
		sig = sigtimedwait(&stop_set, NULL, ts);
	while (sig < 0 && errno == EINTR);
	if (sig > 0)
		stop_sig = sig;
	return stop_sig;
}

int stop_signal(void)
{
	static const struct timespec zero;

	return take_stop_signal(&zero);
}

bool sleep_until(__u64 deadline_ns)
{
	struct timespec rel;
	__u64 now;

	for (;;) {
		if (!deadline_ns)
			return !take_stop_signal(NULL);
		now = now_ns();
		if (now >= deadline_ns)
			return !stop_signal();
		rel.tv_sec = (deadline_ns - now) / NSEC_PER_SEC;
		rel.tv_nsec = (deadline_ns - now) % NSEC_PER_SEC;
		if (take_stop_signal(&rel))
			return false;
	}
}

int wait_slice_ms(__u64 end_ns)
{
	__u64 now;

	if (!end_ns)
		return WAIT_SLICE_MS;
	now = now_ns();
	if (now >= end_ns)
		return 0;
	if (end_ns - now >= WAIT_SLICE_MS * NSEC_PER_MSEC)
		return WAIT_SLICE_MS;
	return (end_ns - now + NSEC_PER_MSEC - 1) / NSEC_PER_MSEC;
}

/*
 * Names
 * =====
 */

#define NAME_VALUES	64

int name_lookup(const char *(*name)(__u32 value), const char *word)
{
	const char *n;
	__u32 v;

	for (v = 0; word && v < NAME_VALUES; v++) {
		n = name(v);
		if (n && !strcmp(n, word))
			return v;
	}
	return -1;
}

const char *name_of(const char *(*name)(__u32 value), __u32 value)
{
	return name(value) ?: "unknown";
}

/*
 * Words
 * =====
 */

int parse_err(const struct words *ws, const char *fmt, ...)
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

const char *peek(const struct words *ws)
{
	return ws->pos < ws->count ? ws->word[ws->pos] : NULL;
}

const char *keyword(const char *arg)
{
	return !strncmp(arg, "--", 2) && arg[2] ? arg + 2 : arg;
}

bool at_keyword(const struct words *ws, const char *key)
{
	const char *word = peek(ws);

	return word && !strcmp(keyword(word), key);
}

const char *take_arg(struct words *ws, const char *what)
{
	const char *key = keyword(ws->word[ws->pos]);

	if (ws->pos + 1 >= ws->count) {
		parse_err(ws, "%s needs %s", key, what);
		return NULL;
	}
	ws->pos += 2;
	return ws->word[ws->pos - 1];
}

int parse_s64(const char *s, __s64 *val)
{
	const char *digits = s + (*s == '-' || *s == '+');
	bool hex = !strncmp(digits, "0x", 2);
	char *end;
	long long v;

	digits += hex ? 2 : 0;
	if (!*digits ||
	    digits[strspn(digits, hex ? "0123456789abcdefABCDEF" : "0123456789")])
		return -1;
	errno = 0;
	v = strtoll(s, &end, hex ? 16 : 10);
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

int take_s64(struct words *ws, __s64 *value)
{
	const char *key = keyword(ws->word[ws->pos]);
	const char *arg = take_arg(ws, "a VALUE");

	if (!arg)
		return EXIT_USAGE;
	if (parse_s64(arg, value))
		return parse_err(ws, "invalid value '%s' of %s: expected an integer",
				 arg, key);
	return 0;
}

int take_count(struct words *ws, __u64 max, __u64 *n)
{
	const char *key = keyword(ws->word[ws->pos]);
	const char *arg = take_arg(ws, "a number");

	if (!arg)
		return EXIT_USAGE;
	if (!parse_count(arg, max, n))
		return 0;
	if (max == UINT64_MAX)
		return parse_err(ws, "invalid %s '%s': expected a positive number",
				 key, arg);
	return parse_err(ws, "invalid %s '%s': expected 1 to %llu", key, arg,
			 (unsigned long long)max);
}

int take_duration(struct words *ws, __u64 min, __u64 max, __u64 *ns)
{
	const char *key = keyword(ws->word[ws->pos]);
	const char *arg = take_arg(ws, "a DURATION");

	if (!arg)
		return EXIT_USAGE;
	return duration_arg(ws->object, ws->where, key, arg, min, max, ns);
}

void gauge_label(const struct aggmon_gauge_info *info, char *buf, size_t size)
{
	snprintf(buf, size, "%s%s%s", info->name, info->item[0] ? ":" : "",
		 info->item);
}

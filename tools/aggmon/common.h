/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The aggmon command's common ground, as bpftool's main.h and common.c
 * hold theirs: time (durations, intervals, the clocks, waits), the
 * signals that stop a command, the names of the UAPI's enums as words,
 * and the cursor over words with which every command line and the
 * monitor file are parsed (so that both say the same thing the same way).
 */
#ifndef __AGGMON_COMMON_H
#define __AGGMON_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <linux/types.h>

#include "main.h"

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif
#define NSEC_PER_SEC	1000000000ULL
#define NSEC_PER_MSEC	1000000ULL

/* The interval of a command that repeats: 1ms to 24h. */
#define INTERVAL_MIN_NS	NSEC_PER_MSEC
#define INTERVAL_MAX_NS	(24 * 3600 * NSEC_PER_SEC)
/* The longest wait between two looks at the stop signals. */
#define WAIT_SLICE_MS	100

/* The environment, for the commands the tool runs (posix_spawnp()). */
extern char **environ;

/*
 * Durations
 * =========
 *
 * DURATION := NUMBER{ns|us|ms|s|min|h}; the unit is needed.
 */

/*
 * Parse a DURATION.  Returns 0; DURATION_NO_UNIT if @s is a number
 * without a unit; or -1 if @s is not a duration or overflows 64 bits of
 * ns.
 */
int parse_duration(const char *s, __u64 *ns);
#define DURATION_NO_UNIT	(-2)

/* @ns as parse_duration() reads it, in its largest unit ("10ms"). */
void duration_format(__u64 ns, char *buf, size_t size);

/*
 * Parse @arg, the DURATION of keyword @key, from @min to @max ns (@max
 * UINT64_MAX: any but 0): 0, or EXIT_USAGE once reported about @object
 * (the object of the usage hint) and @where (NULL, or "FILE:LINE").
 */
int duration_arg(const char *object, const char *where, const char *key,
		 const char *arg, __u64 min, __u64 max, __u64 *ns);

/*
 * Clocks and waits
 * ================
 */

/* CLOCK_MONOTONIC now, in ns. */
__u64 now_ns(void);
/* CLOCK_REALTIME now, in ns since the epoch. */
__u64 realtime_ns(void);
/* The CLOCK_REALTIME time, in ns, of CLOCK_MONOTONIC @mono_ns. */
__u64 mono_to_realtime_ns(__u64 mono_ns);
/* CLOCK_REALTIME @ns in ISO 8601, UTC, to the ns ("...T02:00:00.000000001Z"). */
void realtime_format(__u64 ns, char *buf, size_t size);

/*
 * Stop signals: SIGINT, SIGTERM and SIGHUP end every command that runs
 * until stopped.  They are blocked from block_stop_signals() on, so that
 * none is lost between two looks and none cuts an output in half; waits
 * take them.
 */
void block_stop_signals(void);
/* The stop signal taken (or pending now, then taken), or 0. */
int stop_signal(void);
static inline bool stop_requested(void)
{
	return stop_signal() != 0;
}

/*
 * Wait until CLOCK_MONOTONIC @deadline_ns (0: until a stop signal);
 * false if a stop signal came first.
 */
bool sleep_until(__u64 deadline_ns);

/*
 * Milliseconds to wait for events now, at most WAIT_SLICE_MS, so that a
 * stop signal is seen within a slice; 0 once @end_ns (0: none) is past.
 */
int wait_slice_ms(__u64 end_ns);

/*
 * Names
 * =====
 */

/*
 * The value whose name @name() gives is @word, -1 if none (@name is one
 * of libaggmon's aggmon_*_name(), values 0 to 63).
 */
int name_lookup(const char *(*name)(__u32 value), const char *word);
/* @name(@value), or "unknown". */
const char *name_of(const char *(*name)(__u32 value), __u32 value);

/*
 * Words
 * =====
 *
 * A cursor over the words of a command line or of a line of the monitor
 * file.  A keyword may be written with a leading "--" ("--count").
 */
struct words {
	char **word;
	int count, pos;
	const char *where;	/* NULL, or "FILE:LINE" */
	const char *object;	/* of the usage hint */
};

/* A usage error at @ws: "WHERE: MESSAGE"; returns EXIT_USAGE. */
int parse_err(const struct words *ws, const char *fmt, ...) __printf(2, 3);
/* The word at the cursor, NULL at the end. */
const char *peek(const struct words *ws);
/* The keyword of @arg (a leading "--" dropped: "--count" is "count"). */
const char *keyword(const char *arg);
/* Whether the word at the cursor is the keyword @key. */
bool at_keyword(const struct words *ws, const char *key);
/* The argument of the keyword at the cursor (@what it is), NULL once reported. */
const char *take_arg(struct words *ws, const char *what);
/* The keyword's VALUE, an __s64 as parse_s64() reads it: 0 or EXIT_USAGE. */
int take_s64(struct words *ws, __s64 *value);
/* The keyword's N, 1 to @max: 0 or EXIT_USAGE. */
int take_count(struct words *ws, __u64 max, __u64 *n);
/* The keyword's DURATION, @min to @max ns: 0 or EXIT_USAGE. */
int take_duration(struct words *ws, __u64 min, __u64 max, __u64 *ns);

/* Parse an __s64, decimal or 0x hex, a leading '-' or '+' allowed: 0 or -1. */
int parse_s64(const char *s, __s64 *val);
/* Parse a count 1..@max, digits only: 0 or -1. */
int parse_count(const char *s, __u64 max, __u64 *val);

/*
 * Gauges
 * ======
 */

struct aggmon_gauge_info;

/*
 * Find the gauge GAUGE := { ID | NAME[:ITEM] } that @spec names: 0, or
 * an exit status once reported about @where (NULL, or "FILE:LINE").
 */
int gauge_lookup_at(const char *where, const char *spec,
		    struct aggmon_gauge_info *info);
static inline int gauge_lookup(const char *spec,
			       struct aggmon_gauge_info *info)
{
	return gauge_lookup_at(NULL, spec, info);
}

/* NAME[:ITEM] of @info into @buf. */
void gauge_label(const struct aggmon_gauge_info *info, char *buf, size_t size);

#endif /* __AGGMON_COMMON_H */

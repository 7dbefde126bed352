/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Statistics on the command line, shared by 'aggmon stat' (stat.c) and
 * 'aggmon watch' (watch.c): durations, kinds, "GAUGE KIND [period D]
 * [drain N]", creating the statistic and reporting its errors.
 */
#ifndef __AGGMON_STAT_H
#define __AGGMON_STAT_H

#include <stdbool.h>
#include <stddef.h>

#include "libaggmon.h"

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

/* A statistic as the command line describes it, then as created. */
struct stat_spec {
	const char *gauge;		/* GAUGE as given */
	const char *kind_arg;		/* KIND as given */
	__u32 kind;			/* enum aggmon_stat_kind */
	__u64 period_ns;		/* 0: not given */
	__s64 drain;			/* 0: not given */
	struct aggmon_gauge_info info;	/* set by stat_spec_open() */
	char label[AGGMON_NAME_LEN + AGGMON_ITEM_LEN];	/* NAME[:ITEM] */
	int fd;				/* -1 until created */
	__u64 id;
};

/*
 * Parse a DURATION: digits and a unit, ns, us, ms, s, min or h.  Returns
 * 0; DURATION_NO_UNIT if @s is a number without a unit, which is refused
 * everywhere (report it with DURATION_NO_UNIT_MSG); or -1 if @s is not a
 * duration or overflows 64 bits of ns.
 */
int parse_duration(const char *s, __u64 *ns);

#define DURATION_NO_UNIT	(-2)
/* The usage error of a DURATION without a unit: the keyword and the value. */
#define DURATION_NO_UNIT_MSG \
	"invalid %s '%s': give a unit, e.g. 500ms, 2s (ns, us, ms, s, min, h)"

/* Parse a decimal __s64 (a leading '-' or '+' allowed): 0 or -1. */
int parse_s64(const char *s, __s64 *val);

/* Parse a count 1..@max, digits only: 0 or -1. */
int parse_count(const char *s, __u64 max, __u64 *val);

/* The keyword of @argv (a leading "--" dropped: "--count" is "count"). */
const char *keyword(const char *arg);

/* Name of an enum aggmon_stat_kind as the command line writes it. */
const char *stat_kind_name(__u32 kind);

/*
 * Start @s from "GAUGE KIND" at @argv[0] and @argv[1] (@argc of them);
 * 0, or EXIT_USAGE once reported, about @object.
 */
int stat_spec_init(struct stat_spec *s, int argc, char **argv,
		   const char *object);

/*
 * If @argv[*@i] is "period D" or "drain N" of @s, take it (advancing *@i
 * past it) and return 1; 0 if it is another word; EXIT_USAGE once
 * reported.
 */
int stat_spec_option(struct stat_spec *s, int argc, char **argv, int *i,
		     const char *object);

/* Check that @s has the parameters its kind needs: 0 or EXIT_USAGE. */
int stat_spec_check(struct stat_spec *s, const char *object);

/* Look up the gauge and create the statistic: 0, or an exit status. */
int stat_spec_open(struct stat_spec *s);

/* Close the statistic of @s, if open. */
void stat_spec_close(struct stat_spec *s);

/*
 * Report the failure -@err of @what (a statistic's creation or read) for
 * the gauge of @s, with advice for the errors a user can act on; returns
 * EXIT_FAILURE.
 */
int stat_err(int err, const struct stat_spec *s, const char *what);

/* CLOCK_MONOTONIC now, in ns. */
__u64 now_ns(void);

/* Stop at SIGINT and SIGTERM: stop_requested() says when one came. */
void catch_stop_signals(void);
bool stop_requested(void);

/*
 * Sleep until CLOCK_MONOTONIC time @deadline_ns; false if a stop signal
 * came first.
 */
bool sleep_until(__u64 deadline_ns);

#endif /* __AGGMON_STAT_H */

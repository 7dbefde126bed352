/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Statistics and thresholds in words, one grammar for 'aggmon stat',
 * 'aggmon watch' and the lines of the monitor file:
 *
 *   WATCH     := GAUGE [STAT] THRESHOLD...
 *   STAT      := KIND [period DURATION] [drain N]	(absolute if left out)
 *   THRESHOLD := TKIND VALUE [cancel VALUE] [hysteresis] [queue N]
 *
 * parsed over a struct words (common.h), so that an error names the
 * word's place the same way wherever it was written; then creating the
 * statistic and reporting its errors.
 */
#ifndef __AGGMON_STAT_H
#define __AGGMON_STAT_H

#include <stdbool.h>
#include <stddef.h>

#include "common.h"
#include "libaggmon.h"

/* STAT as written. */
struct stat_words {
	__u32 kind;			/* enum aggmon_stat_kind */
	__u64 period_ns;		/* 0: not given */
	__s64 drain;
	bool has_drain;
};

/* THRESHOLD as written. */
struct thr_words {
	__u32 kind;			/* enum aggmon_threshold_kind */
	__s64 value;
	__s64 cancel;
	bool has_cancel;
	bool hysteresis;
	__u32 queue_len;		/* 0: the default */
};

/* The kind that @word names (also high-watermark, ...), or -1. */
int stat_kind_word(const char *word);
/* The threshold kind that @word names, or -1. */
int thr_kind_word(const char *word);

/* "period D" or "drain N" at the cursor: 1 if it was neither, else 0 or EXIT_USAGE. */
int stat_option(struct words *ws, struct stat_words *st);
/* Check a statistic once its words are read: 0 or EXIT_USAGE. */
int stat_finish(const struct words *ws, const struct stat_words *st);
/*
 * STAT at the cursor, absolute if the word is not a statistic kind.
 * Stops at the first other word.
 */
int parse_stat(struct words *ws, struct stat_words *st);

/*
 * THRESHOLD at the cursor.  Stops at the next threshold kind, the end,
 * or a word for which @stop() is true; any other word is an error.
 */
int parse_threshold(struct words *ws, struct thr_words *t,
		    bool (*stop)(const char *word));

/* WATCH as written. */
struct watch_words {
	const char *gauge;
	struct stat_words stat;
	struct thr_words *thr;		/* malloc()ed */
	size_t nr_thr;
};

/*
 * WATCH at the cursor, up to the end or a word for which @stop() is true
 * (NULL: none); @w->thr to free() even on error.
 */
int parse_watch(struct words *ws, struct watch_words *w,
		bool (*stop)(const char *word));

/* "rate period 1s", "bucket period 1s drain 5", "hwm". */
void stat_format(const struct stat_words *st, char *buf, size_t size);
/* "above 100 cancel 50", and " queue N" if @queue. */
void threshold_format(const struct thr_words *t, bool queue, char *buf,
		      size_t size);

/* A statistic on a gauge, then as created. */
struct stat_spec {
	const char *gauge;		/* GAUGE as given */
	struct stat_words w;
	struct aggmon_gauge_info info;	/* set by stat_spec_open() */
	char label[AGGMON_NAME_LEN + AGGMON_ITEM_LEN];	/* NAME[:ITEM] */
	int fd;				/* -1 until created */
	__u64 id;
};

/* Look up the gauge (about @where) and create the statistic: 0, or an exit status. */
int stat_spec_open(struct stat_spec *s, const char *where);

/* Close the statistic of @s, if open. */
void stat_spec_close(struct stat_spec *s);

/*
 * Report the failure -@err of @what (a statistic's creation or read) for
 * the gauge of @s, with advice for the errors a user can act on; returns
 * EXIT_FAILURE.
 */
int stat_err(int err, const struct stat_spec *s, const char *what);

#endif /* __AGGMON_STAT_H */

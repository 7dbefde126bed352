/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The event log of 'aggmon monitor' (SPEC M1): one record per threshold
 * event and per snapshot of a watched value, written to any number of
 * sinks: text or JSON lines, the local journal through its native
 * protocol, or a Journal Export Format stream that systemd-journal-remote
 * ingests.  A record has the time (realtime and monotonic), the event
 * type, a sequence id unique on the member and increasing across restarts
 * (kept in a state file), the member id, the gauge, the statistic, the
 * threshold and the value.  A record that a sink cannot take is counted;
 * when the sink takes records again, it first gets a record "dropped"
 * with the count and the ids, and the count is said on stderr.
 */
#ifndef __AGGMON_EVENTLOG_H
#define __AGGMON_EVENTLOG_H

#include <stdbool.h>
#include <stdio.h>

#include <linux/types.h>

/* What a record is about. */
struct log_record {
	__u64 realtime_ns, monotonic_ns;
	const char *event;		/* fired, cancelled, lost, gone, snapshot */
	__u64 seq;			/* the member's sequence id */
	const char *gauge;		/* NAME:ITEM */
	const char *name, *item;
	__u64 gauge_id, stat_id, threshold_id;
	const char *stat;		/* "rate period 1s" */
	const char *stat_kind;		/* "rate" */
	const char *threshold;		/* "above 100 cancel 50"; NULL: snapshot */
	const char *threshold_kind;	/* "above" */
	__s64 threshold_value;
	bool has_value;
	__s64 value;
	__u64 event_seq, lost;		/* the threshold's own */
	bool initial, timer;
	unsigned int line;		/* of the monitor file */
};

enum log_kind { LOG_TEXT, LOG_JSON, LOG_JOURNAL, LOG_EXPORT };

struct log_sink {
	enum log_kind kind;
	char *path;			/* "-": stdout; journal: the socket */
	FILE *f;
	int fd;				/* journal: the datagram socket */
	__u64 dropped;			/* records not taken since the last one */
	__u64 first_dropped, last_dropped;	/* their sequence ids */
	__u64 dropped_total;
	int err;			/* of the first drop */
};

/* The log: sinks, member, sequence ids. */
struct event_log {
	struct log_sink *sinks;
	size_t nr_sinks;
	char member[256];
	char hostname[256];
	char boot_id[33];
	const char *state_path;		/* NULL: ids from 1, not kept */
	int state_fd;
	__u64 seq;			/* the last one handed out */
	__u64 state_failures;
};

/*
 * "log { text | json | export } [FILE | -]" or "log journal [SOCKET]"
 * into a new sink of @log: the words after "log" at @words, @n of them.
 * Returns 0, or a message in @msg (a usage error).
 */
int log_sink_parse(struct event_log *log, char **words, int n, char *msg,
		   size_t size);

/*
 * Open the sinks, read the member id (@member, else /etc/machine-id, else
 * the host name) and the last sequence id of the state file.  0, or an
 * exit status once reported.
 */
int event_log_open(struct event_log *log, const char *member);

/* Hand out the next sequence id, kept in the state file first. */
__u64 event_log_next_seq(struct event_log *log);

/* Write @r to every sink; a sink that fails counts it. */
void event_log_write(struct event_log *log, const struct log_record *r);

/* Report what was not written, close the sinks; 0 or EXIT_FAILURE. */
int event_log_close(struct event_log *log);

#endif /* __AGGMON_EVENTLOG_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Metrics in the text formats Prometheus scrapes: OpenMetrics 1.0 and
 * the classic Prometheus text format (0.0.4).  export.c writes families
 * and samples for 'aggmon export' and for the metrics file that 'aggmon
 * monitor' keeps; metric names, types, units, labels and escaping are
 * decided here, once.
 */
#ifndef __AGGMON_EXPORT_H
#define __AGGMON_EXPORT_H

#include <stdbool.h>
#include <stdio.h>

#include <linux/types.h>

#include "linux/aggmon.h"

/* Where the metrics go, in which format; the first write error. */
struct om_writer {
	FILE *f;
	bool openmetrics;	/* else the classic Prometheus format */
	int err;		/* 0, or -errno of the first failed write */
};

enum om_type { OM_GAUGE, OM_COUNTER, OM_HISTOGRAM };

/* A family's metadata: @name without the counter's "_total"; @unit may be NULL. */
void om_family(struct om_writer *w, const char *name, enum om_type type,
	       const char *unit, const char *help);

/* Labels of a sample, built with om_label(): "" or "{k=\"v\",...}". */
struct om_labels {
	char text[1024];
	size_t len;
};

void om_labels_init(struct om_labels *l);
/* Add label @key="@value", the value escaped as both formats want. */
void om_label(struct om_labels *l, const char *key, const char *value);

/* One sample: @name@suffix@labels @value. */
void om_sample(struct om_writer *w, const char *name, const char *suffix,
	       const struct om_labels *l, const char *value);
void om_sample_s64(struct om_writer *w, const char *name, const char *suffix,
		   const struct om_labels *l, __s64 value);
void om_sample_u64(struct om_writer *w, const char *name, const char *suffix,
		   const struct om_labels *l, __u64 value);

/* The end: "# EOF" in OpenMetrics. */
void om_end(struct om_writer *w);

/* A metric name, its unit (NULL: none) and the scale of its values. */
struct om_name {
	char name[AGGMON_NAME_LEN * 2];
	const char *unit;
	double scale;		/* values are divided by it: 1e9 for ns */
};

/*
 * @prefix and @name made a metric name ([a-zA-Z_:][a-zA-Z0-9_:]*, other
 * bytes as '_') with its unit as a suffix: @unit if it is one (a time in
 * seconds, "b" as bytes), else, if @unit_in_name, the last word of @name
 * if it is a unit ("syscall_ns": "syscall_seconds", values / 1e9).
 */
void om_metric_name(struct om_name *m, const char *prefix, const char *name,
		    const char *unit, bool unit_in_name);

/*
 * Family names already written, to refuse two gauges or aggregations
 * whose names make one metric name ("a.b" and "a_b").
 */
struct seen {
	char (*names)[AGGMON_NAME_LEN * 2];
	char (*owners)[AGGMON_NAME_LEN];
	size_t n;
};

/*
 * NULL if @metric is new (now seen, for @owner), else the owner it has
 * (valid until the next call); *@err = -ENOMEM if it cannot be added.
 */
const char *seen_add(struct seen *s, const char *metric, const char *owner,
		     int *err);
void seen_free(struct seen *s);

/* Every gauge, one family per name; 0 or an exit status once reported. */
int export_gauges(struct om_writer *w, struct seen *seen);
/* Every aggregation this user may read; 0 or an exit status. */
int export_aggs(struct om_writer *w, struct seen *seen);
/* Both, then the end: 0, an exit status once reported, or -errno of a write. */
int export_all(struct om_writer *w, struct seen *seen);

struct words;
/*
 * "format { openmetrics | prometheus }" at the cursor (once: *@has_format
 * says if it was given): 0, or EXIT_USAGE once reported.
 */
int take_format(struct words *ws, bool *has_format, bool *prometheus);

/*
 * Write @path anew through @write(@f, @arg) into "@path.tmp" and an
 * atomic rename, so that a reader (node_exporter's textfile collector)
 * sees the old file or the new one, whole.  0, or -errno (the old file
 * stays).
 */
int metrics_file_replace(const char *path, int (*write)(FILE *f, void *arg),
			 void *arg);

#endif /* __AGGMON_EXPORT_H */

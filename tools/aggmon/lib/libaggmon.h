/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libaggmon - the userspace library of the aggmon() system call.
 *
 *   - typed wrappers over every command of the system call;
 *   - an event set that reads the events of many thresholds with epoll;
 *   - a user-level dictionary of aggregations (AGGMON_AGG_INFO) and a
 *     user-level table that merges the records of snapshots by
 *     (aggregation id, key), as DTrace's consumer does;
 *   - results of the merged data sets, bucket bounds and labels;
 *   - output as DTrace's printa() prints, and as JSON.
 *
 * Conventions: every function that can fail returns 0 (or a count, or a
 * file descriptor) on success and a negative errno on failure, never
 * through errno (which the C library under them may change).  Output
 * arguments are written only on success unless a comment says otherwise.
 * Memory that a function hands out is malloc()'d and the caller frees it
 * with free().  Nothing here is thread-safe on a shared object (a set, a
 * dictionary, a table); distinct objects may be used from distinct
 * threads.
 *
 * Link with -laggmon (pkg-config --libs libaggmon).
 */
#ifndef __LIBAGGMON_H
#define __LIBAGGMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>		/* FILE, of the output functions */
#include <linux/types.h>
#include "linux/aggmon.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Gauges
 * ======
 */

/*
 * List gauge ids from *@cursor on, in ascending order.  @count: in, the
 * capacity of @ids (1 to AGGMON_BATCH_MAX); out, the ids written, 0 at the
 * end.  *@cursor is advanced for the next call.
 * Errors: -EINVAL (bad @count), -EFAULT, -ENOSYS (no aggmon in the kernel),
 * -EACCES (kernel.aggmon_paranoid), -EIO (the kernel wrote more than
 * asked).
 */
int aggmon_gauge_list(__u64 *cursor, __u64 *ids, __u32 *count);

/*
 * All gauge ids, ascending, in a malloc'd array *@ids of *@count ids that
 * the caller frees.  Errors: as aggmon_gauge_list(), -ENOMEM.
 */
int aggmon_gauge_list_all(__u64 **ids, size_t *count);

/*
 * Describe a gauge by id (not 0), or by name and item (NULL for none):
 * a user gauge found by name is the caller's own, else the only one of
 * that name; by_owner looks for the one of @owner_uid.
 * Errors: -ENOENT (no such gauge), -EINVAL (id 0), -ENAMETOOLONG,
 * -ENOTUNIQ (by name: several users have one, the caller none).
 */
int aggmon_gauge_info_by_id(__u64 id, struct aggmon_gauge_info *info);
int aggmon_gauge_info_by_name(const char *name, const char *item,
			      struct aggmon_gauge_info *info);
int aggmon_gauge_info_by_owner(const char *name, const char *item,
			       __u32 owner_uid,
			       struct aggmon_gauge_info *info);

/*
 * Read the values of *@count gauges, in batches of AGGMON_BATCH_MAX.  On
 * -ENOENT, *@count is set to the index of the first unknown id (values of
 * earlier batches may have been written).
 */
int aggmon_gauge_read(const __u64 *ids, __s64 *values, __u32 *count);

/*
 * Create a user gauge (@name under "user."); returns its close-on-exec
 * file descriptor, and its id in *@id (if @id is not NULL).  The gauge
 * lives as long as the file descriptor.
 * Errors: -EINVAL (bad name), -ENAMETOOLONG, -EEXIST, -EMFILE, -ENOMEM.
 */
int aggmon_gauge_create(const char *name, const char *item, const char *unit,
			__s64 initial, __u64 *id);

/* Change a user gauge: @op is an enum aggmon_update_op.  -EBADF, -EINVAL. */
int aggmon_gauge_update(int fd, __u32 op, __s64 value);

/*
 * Statistics and thresholds
 * =========================
 */

/*
 * Attach a statistic of @kind (enum aggmon_stat_kind) to gauge @gauge_id;
 * @period_ns is the period of a rate or a leaky bucket (0 for the other
 * kinds), @drain what a leaky bucket drains per period (0 otherwise).
 * Returns the statistic's close-on-exec file descriptor, and its id in
 * *@id (if @id is not NULL).
 * Errors: -EINVAL (bad kind or parameters), -ENOENT (no such gauge),
 * -EMFILE (kernel.aggmon_max_user_stats or RLIMIT_NOFILE), -ENOMEM.
 */
int aggmon_stat_create(__u64 gauge_id, __u32 kind, __u64 period_ns,
		       __s64 drain, __u64 *id);

/*
 * Describe the statistic of file descriptor @fd and read its value into
 * *@info.  On -ENODEV (the gauge is gone) *@info is filled in too, but for
 * value and level, and state is AGGMON_STAT_GONE.
 * Errors: -EBADF, -EINVAL (not a statistic), -ENODEV.
 */
int aggmon_stat_info(int fd, struct aggmon_stat_info *info);

/*
 * Restart the statistic of @fd from the gauge's current value.
 * Errors: -EBADF, -EINVAL, -EOPNOTSUPP (an absolute statistic), -ENODEV.
 */
int aggmon_stat_reset(int fd);

/*
 * Attach a threshold of @kind (enum aggmon_threshold_kind) at @value to
 * the statistic of @stat_fd.  With AGGMON_THRESHOLD_HYSTERESIS in @flags,
 * @cancel is the value that re-arms it (otherwise pass 0).  @queue_len
 * is the length of its event queue, 0 for AGGMON_QUEUE_LEN_DEFAULT.
 * Returns the threshold's close-on-exec file descriptor, from which
 * struct aggmon_event records are read (see aggmon_event_set below), and
 * its id in *@id (if @id is not NULL).
 * Errors: -EBADF, -EINVAL, -ENODEV (the gauge is gone), -EMFILE, -ENOMEM.
 */
int aggmon_threshold_create(int stat_fd, __u32 kind, __s64 value,
			    __s64 cancel, __u32 flags, __u32 queue_len,
			    __u64 *id);

/*
 * Aggregations: system calls
 * ==========================
 */

/*
 * Create a user aggregation as *@attr describes (its id field is
 * ignored: the library passes 0).  Returns its close-on-exec file
 * descriptor, and its id in *@id (if @id is not NULL).
 * Errors: -EINVAL (bad name, function, parameters, keys or entries),
 * -ENAMETOOLONG, -EACCES (a key that needs CAP_PERFMON), -ENOENT (no such
 * gauge), -EMFILE, -ENOMEM.
 */
int aggmon_agg_create(const struct aggmon_agg_create_attr *attr, __u64 *id);

/*
 * The dictionary entry of the aggregation of @fd.  The name is
 * NUL-terminated on return.  Errors: -EBADF, -EINVAL (not an aggregation).
 */
int aggmon_agg_info(int fd, struct aggmon_agg_info *info);

/*
 * List aggregation ids from *@cursor on, as aggmon_gauge_list() lists
 * gauges; aggmon_agg_list_all() returns them all in a malloc'd array.
 */
int aggmon_agg_list(__u64 *cursor, __u64 *ids, __u32 *count);
int aggmon_agg_list_all(__u64 **ids, size_t *count);

/*
 * Open an aggregation by id (any listed one), or a kernel aggregation by
 * name; returns a close-on-exec file descriptor that holds no snapshot.
 * Errors: -ENOENT, -EACCES (another user's aggregation, or a key that
 * needs CAP_PERFMON), -EINVAL (id 0 or empty name), -ENAMETOOLONG,
 * -EMFILE, -ENOMEM.
 */
int aggmon_agg_open_id(__u64 id);
int aggmon_agg_open_name(const char *name);

/*
 * One AGGMON_AGG_SNAPSHOT call, @attr as the UAPI describes it (fd is set
 * from @fd).  The kernel's write-backs are in *@attr on success and on
 * -ENOSPC, -EFAULT and -ENOMEM alike.  Errors: see the UAPI; -EIO if the
 * kernel wrote back a cursor past the total.
 */
int aggmon_agg_snapshot(int fd, struct aggmon_agg_snapshot_attr *attr);

/*
 * Take a whole snapshot of the aggregation of @fd: a new snapshot
 * (@flags: 0 or AGGMON_SNAPSHOT_CLEAR), read in as many batches as it
 * needs, growing the buffer to the size the kernel says it needs, and
 * started again if another snapshot through the same open file replaces
 * it (ESTALE).  With AGGMON_SNAPSHOT_CLEAR, the values that a replaced
 * snapshot took out of the buffers are lost then: a reader that clears
 * should have an open file of its own, as the UAPI documentation says.
 *
 * *@records: malloc'd, *@nrecords records of the aggregation's
 * record_size bytes (NULL when there are none).  *@drops, if @drops is not
 * NULL: malloc'd, *@nr_cpus per-CPU drop counts.  *@nr_cpus (if not
 * NULL): the aggregation's number of CPU buffers.
 * Errors: as aggmon_agg_info() and aggmon_agg_snapshot(); -ENOMEM;
 * -ESTALE if the snapshot was replaced too many times in a row.
 */
int aggmon_agg_snapshot_all(int fd, __u32 flags, void **records,
			    size_t *nrecords, __u64 **drops, __u32 *nr_cpus);

/*
 * Aggregating functions: slots, buckets and values
 * ================================================
 *
 * These take the dictionary entry (struct aggmon_agg_info) of an
 * aggregation and compute what the kernel computes, from the function
 * and its parameters.
 */

/*
 * Check that @info is a layout this library can interpret: a known
 * function with valid parameters, known key fields, and key_slots,
 * value_slots and record_size as they follow from them.
 * Returns 0, -EOPNOTSUPP (a function or key field this library does not
 * know: a newer kernel) or -EINVAL (inconsistent).
 */
int aggmon_agg_check(const struct aggmon_agg_info *info);

/*
 * The number of value slots of @info's function and parameters (the
 * number of buckets of a distribution), or -EINVAL / -EOPNOTSUPP.
 */
int aggmon_agg_value_slots(const struct aggmon_agg_info *info);

/*
 * The names of the UAPI's enums, as the aggmon command writes and reads
 * them, or NULL for a value this library does not know.
 */
/* enum aggmon_gauge_kind: "kernel", "user". */
const char *aggmon_gauge_kind_name(__u32 kind);
/* enum aggmon_stat_kind: "absolute", "hwm", "lwm", "rate", "bucket". */
const char *aggmon_stat_kind_name(__u32 kind);
/* enum aggmon_threshold_kind: "above", "below", "above-cancel", ... */
const char *aggmon_threshold_kind_name(__u32 kind);
/* enum aggmon_event_type: "fired", "cancelled", "lost", "gone". */
const char *aggmon_event_type_name(__u32 type);
/* Name of an enum aggmon_agg_func ("quantize"), or NULL if unknown. */
const char *aggmon_agg_func_name(__u32 func);
/* Name of an enum aggmon_agg_source ("gauge_delta"), or NULL. */
const char *aggmon_agg_source_name(__u32 source);
/* Name of an enum aggmon_key_field ("pid"), or NULL. */
const char *aggmon_key_field_name(__u32 field);
/* Slots of a key field: 2 for AGGMON_KEY_COMM, 1 for the others, 0 if unknown. */
unsigned int aggmon_key_field_slots(__u32 field);

/*
 * The bucket (value slot) of a distribution that @value goes to, as the
 * kernel computes it; -EINVAL if @info is not a quantize, lquantize or
 * llquantize (checked with aggmon_agg_check()).
 */
int aggmon_agg_bucket(const struct aggmon_agg_info *info, __s64 value);

/* What a bucket's label means (returned by the bucket functions). */
enum aggmon_bucket_kind {
	AGGMON_BUCKET_VALUE	= 0,	/* the label is a value of the bucket */
	AGGMON_BUCKET_BELOW	= 1,	/* the bucket holds values < label */
	AGGMON_BUCKET_ABOVE	= 2,	/* the bucket holds values >= label */
};

/*
 * The range of values of bucket @slot of a distribution: *@min to *@max,
 * both included (INT64_MIN and INT64_MAX at the ends).  Returns an enum
 * aggmon_bucket_kind, or -EINVAL (not a distribution, or @slot past the
 * last bucket).
 */
int aggmon_agg_bucket_range(const struct aggmon_agg_info *info, __u32 slot,
			    __s64 *min, __s64 *max);

/*
 * The label DTrace prints for bucket @slot: for quantize, the bound
 * nearest to 0 (slot 63 is 0, 63 + k is 2^(k-1), 63 - k is -2^(k-1));
 * for lquantize and llquantize the bucket's lower bound, with
 * AGGMON_BUCKET_BELOW for the first bucket ("< low") and
 * AGGMON_BUCKET_ABOVE for the overflow bucket (">= bound").  Returns the
 * enum aggmon_bucket_kind, or -EINVAL.
 */
int aggmon_agg_bucket_label(const struct aggmon_agg_info *info, __u32 slot,
			    __s64 *label);

/*
 * The label of bucket @slot as DTrace writes it ("16", "< 0", ">= 100")
 * into @buf of @size bytes.  Returns its length, or -EINVAL, or -ENOSPC
 * if @size is too small (24 bytes are always enough).
 */
int aggmon_agg_bucket_format(const struct aggmon_agg_info *info, __u32 slot,
			     char *buf, size_t size);

/*
 * Fold @value into the value slots @slots (value_slots words, zero for a
 * new data set) as the kernel's function does.  For tests, and for
 * programs that aggregate in user space what they then merge and print
 * with the functions below.  -EINVAL if aggmon_agg_check() fails.
 */
int aggmon_agg_fold(const struct aggmon_agg_info *info, __u64 *slots,
		    __s64 value);

/*
 * Merge the value slots @src of a data set into @dst, both of @info's
 * function: count and sum add; min and max add n and keep the smallest
 * (largest) value of those whose n is not 0; avg and stddev add n and
 * their 128-bit sums (and 192-bit sums of squares); distributions add
 * bucket by bucket.  -EINVAL if aggmon_agg_check() fails.
 */
int aggmon_agg_merge_slots(const struct aggmon_agg_info *info, __u64 *dst,
			   const __u64 *src);

/*
 * The user-level dictionary
 * =========================
 *
 * The dictionary entries (AGGMON_AGG_INFO) of the aggregations whose
 * records a table merges, by aggregation id.
 */
struct aggmon_dict;

/* A new, empty dictionary in *@dict.  -ENOMEM. */
int aggmon_dict_new(struct aggmon_dict **dict);

/* Free @dict (NULL is fine).  Tables that use it must be freed first. */
void aggmon_dict_free(struct aggmon_dict *dict);

/*
 * Add (a copy of) @info, checked with aggmon_agg_check().  An id already
 * present is updated in place (its name, state, ...) if its layout
 * (function, parameters, keys) is the same, and fails with -EEXIST if not
 * (an id reused by another aggregation: merge it in another table).
 * Errors: -EINVAL, -EOPNOTSUPP, -EEXIST, -ENOMEM.
 */
int aggmon_dict_add(struct aggmon_dict *dict,
		    const struct aggmon_agg_info *info);

/*
 * aggmon_agg_info() of @fd, added with aggmon_dict_add(); the entry is
 * copied to *@info too if @info is not NULL.
 */
int aggmon_dict_add_fd(struct aggmon_dict *dict, int fd,
		       struct aggmon_agg_info *info);

/* The entry of aggregation @id, or NULL.  Valid until the dict is freed. */
const struct aggmon_agg_info *aggmon_dict_find(const struct aggmon_dict *dict,
					       __u64 id);

/*
 * The user-level table
 * ====================
 *
 * A hash table of merged data sets, keyed by (aggregation id, key words),
 * that takes the records of any number of snapshots, of any aggregations
 * of its dictionary: the data sets of one key from several CPUs, or from
 * successive snapshots taken with AGGMON_SNAPSHOT_CLEAR, merge as
 * aggmon_agg_merge_slots() says.
 */
struct aggmon_table;
struct aggmon_entry;

/* A new, empty table over @dict in *@table.  -ENOMEM. */
int aggmon_table_new(struct aggmon_dict *dict, struct aggmon_table **table);

/* Free @table and its entries (NULL is fine); the dictionary stays. */
void aggmon_table_free(struct aggmon_table *table);

/* Remove every entry (for interval reports); the dictionary stays. */
void aggmon_table_clear(struct aggmon_table *table);

/* The number of entries (distinct (aggregation id, key) pairs). */
size_t aggmon_table_size(const struct aggmon_table *table);

/*
 * Merge @nrecords snapshot records at @records into the table.  Each
 * record is struct aggmon_agg_record of its aggregation's record_size;
 * records of several aggregations may follow each other.
 * Errors: -ENOENT if a record's aggregation is not in the dictionary (then
 * nothing is merged), -ENOMEM (then the records before are merged).
 */
int aggmon_table_merge(struct aggmon_table *table, const void *records,
		       size_t nrecords);

/*
 * Read the aggregation of @fd into the table: its dictionary entry
 * (aggmon_dict_add_fd()), a whole snapshot (aggmon_agg_snapshot_all(),
 * @flags 0 or AGGMON_SNAPSHOT_CLEAR), merged.  *@drops (if not NULL) is
 * set to the sum of the per-CPU drop counts of the snapshot.
 * Errors: those of the functions named.
 */
int aggmon_table_read(struct aggmon_table *table, int fd, __u32 flags,
		      __u64 *drops);

/* The dictionary entry of @agg_id in the table's dictionary, or NULL. */
const struct aggmon_agg_info *aggmon_table_info(const struct aggmon_table *table,
						__u64 agg_id);

/* The entry of (@agg_id, @key: key_slots words), or NULL. */
const struct aggmon_entry *aggmon_table_find(const struct aggmon_table *table,
					     __u64 agg_id, const __u64 *key);

/* Orders of aggmon_table_entries(). */
enum aggmon_sort {
	AGGMON_SORT_VALUE	= 0,	/* by value, then by key, as printa */
	AGGMON_SORT_KEY		= 1,	/* by key, then by value */
	AGGMON_SORT_DESC	= 0x100,	/* flag: the reverse order */
};

/*
 * The entries of aggregation @agg_id (0: of every aggregation, grouped by
 * ascending id), sorted as @sort says (enum aggmon_sort, optionally ORed
 * with AGGMON_SORT_DESC), in a malloc'd array *@entries of *@count
 * pointers (NULL when empty) that the caller frees; the entries stay
 * valid until the table is changed.  Values compare as the function's
 * result: count, sum, min, max, avg, stddev (an entry with no value
 * first); distributions by their total count.  Keys compare field by
 * field: numbers as numbers (ARG signed, others unsigned), COMM as a
 * string.  -EINVAL (bad @sort), -ENOMEM.
 */
int aggmon_table_entries(const struct aggmon_table *table, __u64 agg_id,
			 int sort, const struct aggmon_entry ***entries,
			 size_t *count);

/* The aggregation id of an entry, and its dictionary entry. */
__u64 aggmon_entry_agg_id(const struct aggmon_entry *entry);
const struct aggmon_agg_info *aggmon_entry_info(const struct aggmon_entry *entry);

/* The key_slots words of an entry's key, and its value_slots merged words. */
const __u64 *aggmon_entry_key(const struct aggmon_entry *entry);
const __u64 *aggmon_entry_value(const struct aggmon_entry *entry);

/* The number of records merged into an entry. */
__u64 aggmon_entry_records(const struct aggmon_entry *entry);

/*
 * Key field @index (0 to nkeys - 1) of an entry as text: COMM as the
 * string (bytes outside printable ASCII as '?'), the others in decimal
 * (ARG signed).  Returns the length, -EINVAL (no such field) or -ENOSPC
 * (@size too small; 24 bytes are always enough).
 */
int aggmon_entry_key_format(const struct aggmon_entry *entry, __u32 index,
			    char *buf, size_t size);

/*
 * Results of an entry.  Each returns -EINVAL for a function that has no
 * such result and -ENODATA where n is 0 (no value).
 *
 * aggmon_entry_count(): the number of values: count's value, min's, max's,
 *	avg's and stddev's n, a distribution's total (sum's: -EINVAL).
 * aggmon_entry_sum(): sum's value, or avg's or stddev's 128-bit sum
 *	(-ERANGE if it does not fit 64 bits: see aggmon_entry_sum_format()).
 * aggmon_entry_sum_format(): the exact sum in decimal into @buf (42 bytes
 *	are always enough); returns the length, or -ENOSPC.
 * aggmon_entry_min(), aggmon_entry_max(): the value (-ENODATA if n is 0).
 * aggmon_entry_avg(): sum / n of avg or stddev, in long double.
 * aggmon_entry_avg_int(): sum / n rounded toward 0, exact: what DTrace
 *	prints while its 64-bit sum does not wrap (0 when n is 0, as DTrace
 *	prints, with -ENODATA).
 * aggmon_entry_stddev(): the population standard deviation,
 *	sqrt(n * sumsq - sum^2) / n, the radicand computed exactly in 256 bits.
 * aggmon_entry_stddev_int(): the same rounded down, exact: what
 *	aggmon_print_agg() prints, where DTrace's dt_stddev() prints other
 *	numbers ("Differences from DTrace" in
 *	Documentation/userspace-api/aggmon.rst).
 * aggmon_entry_buckets(): a distribution's value slots, *@nbuckets of them.
 */
int aggmon_entry_count(const struct aggmon_entry *entry, __u64 *count);
int aggmon_entry_sum(const struct aggmon_entry *entry, __s64 *sum);
int aggmon_entry_sum_format(const struct aggmon_entry *entry, char *buf,
			    size_t size);
int aggmon_entry_min(const struct aggmon_entry *entry, __s64 *min);
int aggmon_entry_max(const struct aggmon_entry *entry, __s64 *max);
int aggmon_entry_avg(const struct aggmon_entry *entry, long double *avg);
int aggmon_entry_avg_int(const struct aggmon_entry *entry, __s64 *avg);
int aggmon_entry_stddev(const struct aggmon_entry *entry, double *stddev);
int aggmon_entry_stddev_int(const struct aggmon_entry *entry, __u64 *stddev);
int aggmon_entry_buckets(const struct aggmon_entry *entry,
			 const __u64 **buckets, __u32 *nbuckets);

/*
 * Output
 * ======
 */

/*
 * Print aggregation @agg_id of @table as DTrace's printa(@agg) prints it:
 * a blank line, then each entry in @sort order (AGGMON_SORT_VALUE is
 * printa's), see aggmon_print_entry().  Returns 0, -ENOENT (not in the
 * dictionary), -ENOMEM, or -EIO (a write failed).
 */
int aggmon_print_agg(FILE *out, const struct aggmon_table *table,
		     __u64 agg_id, int sort);

/*
 * Print one entry as printa does: its key fields (COMM as "  %-50s",
 * CPU, PID, TGID and UID as " %8u", GAUGE, CGROUP and ARG as " %16llu"/
 * " %16lld"), then for count, sum, min, max, avg and stddev the value as
 * " %16lld" and a newline ("-" for a min or max without value), for a
 * distribution a newline and its drawing (aggmon_print_buckets()) and a
 * blank line.  -EIO if a write failed.
 */
int aggmon_print_entry(FILE *out, const struct aggmon_entry *entry);

/*
 * Draw the distribution @buckets (value_slots counts) of @info's function
 * as DTrace does: the header, then one line per bucket from the bucket
 * below the first non-zero one to the one above the last, each with its
 * label, a bar of up to 40 '@' scaled to the total of the lines, and its
 * count; the three buckets around 0 (the first three of lquantize, the
 * first two of llquantize) when all are zero.  -EINVAL, -EIO.
 */
int aggmon_print_buckets(FILE *out, const struct aggmon_agg_info *info,
			 const __u64 *buckets);

/*
 * Write aggregation @agg_id of @table as one JSON document on a line of
 * its own (@pretty: indented):
 *
 *   {"id": 101, "name": "aggmon.syscall_ns", "func": "quantize",
 *    "source": "kernel", "keys": ["arg"], "gone": false,
 *    "entries": [{"key": [2], "count": 6,
 *                 "buckets": [{"min": 4, "max": 7, "count": 2}, ...]}]}
 *
 * An lquantize or llquantize has "low", "high", "step" (and "factor");
 * entries have "count", "sum", "min", "max", "avg", "stddev" or
 * "buckets" (the non-zero ones) as their function has them, null where
 * there is no value; a sum beyond 64 bits is written exactly.
 * Returns 0, -ENOENT, -ENOMEM, -EIO.
 */
int aggmon_print_json(FILE *out, const struct aggmon_table *table,
		      __u64 agg_id, int sort, bool pretty);

/*
 * The same object, written with a writer of tools/aggmon/json_writer.h
 * into a document of the caller's (the aggmon command's --json output).
 */
struct json_writer;
int aggmon_table_json(struct json_writer *w, const struct aggmon_table *table,
		      __u64 agg_id, int sort);

/*
 * Events
 * ======
 *
 * An event set reads the struct aggmon_event records of any number of
 * threshold file descriptors through one epoll instance.
 */
struct aggmon_event_set;

/*
 * Called for each record read, oldest first per file descriptor, with
 * the @cookie given to aggmon_event_set_add() and the @arg given to
 * aggmon_event_set_wait().  Returns 0 to go on; anything else stops the
 * wait, which returns it; records read but not yet handed out are handed
 * out first by the next wait.  It must not add or remove file descriptors
 * of the set.
 */
typedef int (*aggmon_event_fn)(const struct aggmon_event *event,
			       void *cookie, void *arg);

/* A new, empty event set in *@set.  -EMFILE, -ENOMEM. */
int aggmon_event_set_new(struct aggmon_event_set **set);

/* Free @set (NULL is fine); the file descriptors are not closed. */
void aggmon_event_set_free(struct aggmon_event_set *set);

/*
 * Watch threshold file descriptor @fd, handing its records to the
 * callback with @cookie.  @fd is made non-blocking (O_NONBLOCK is a flag
 * of the open file, so its duplicates become non-blocking too); the
 * caller keeps it open while it is in the set and closes it.
 * Errors: -EEXIST (already in the set), -EBADF, -EPERM (a file that
 * epoll cannot watch), -ENOMEM.
 */
int aggmon_event_set_add(struct aggmon_event_set *set, int fd, void *cookie);

/* Stop watching @fd; records read but not handed out are dropped.  -ENOENT. */
int aggmon_event_set_remove(struct aggmon_event_set *set, int fd);

/*
 * Wait up to @timeout_ms milliseconds (-1: without limit, 0: not at all)
 * until a watched file descriptor has records, then read every record
 * available on every ready one and hand each to @fn.  A file descriptor
 * whose threshold is gone (AGGMON_EVENT_GONE read, then ENODEV or end of
 * file) leaves the set by itself.  Records left from a stopped wait are
 * handed out first, without waiting.
 *
 * Lost events are never silent: a record of type AGGMON_EVENT_LOST, or
 * any record whose lost field is not 0, reports them to @fn, and the set
 * keeps the running totals (aggmon_event_set_lost()).
 * Returns the number of records handed out (0 on timeout), what @fn
 * returned if it stopped the wait, or -EINTR, -EIO (a short record).
 */
int aggmon_event_set_wait(struct aggmon_event_set *set, int timeout_ms,
			  aggmon_event_fn fn, void *arg);

/* The number of file descriptors still watched. */
size_t aggmon_event_set_size(const struct aggmon_event_set *set);

/* The sum of the lost fields of every record handed out so far. */
__u64 aggmon_event_set_lost(const struct aggmon_event_set *set);

/*
 * The lost events of the records of @fd handed out so far, in *@lost.
 * Still answers after @fd left the set by itself.  -ENOENT.
 */
int aggmon_event_set_fd_lost(const struct aggmon_event_set *set, int fd,
			     __u64 *lost);

#ifdef __cplusplus
}
#endif

#endif /* __LIBAGGMON_H */

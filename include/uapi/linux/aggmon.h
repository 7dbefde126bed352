/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * aggmon - real-time kernel resource monitor: userspace API
 *
 * One system call, aggmon(cmd, attr, size), in the style of bpf(2) and the
 * extensible-struct calls: @attr points at the struct that belongs to @cmd
 * and @size is the size of that struct as userspace knows it.  Structs only
 * grow at their end; a kernel that knows a larger struct treats the missing
 * tail as zero, and a kernel that knows a smaller one accepts a larger
 * struct only if the part it does not know is zero (E2BIG otherwise).
 */
#ifndef _UAPI_LINUX_AGGMON_H
#define _UAPI_LINUX_AGGMON_H

#include <linux/types.h>

/**
 * enum aggmon_cmd - commands of the aggmon() system call
 *
 * @AGGMON_GAUGE_LIST: list gauge ids in ascending order, in batches;
 *	attr is &struct aggmon_gauge_list_attr.
 * @AGGMON_GAUGE_INFO: describe one gauge, found by id or by name and
 *	item; attr is &struct aggmon_gauge_info.
 * @AGGMON_GAUGE_READ: read the values of a batch of gauges;
 *	attr is &struct aggmon_gauge_read_attr.
 * @AGGMON_GAUGE_CREATE: create a user gauge, owned by the returned file
 *	descriptor; attr is &struct aggmon_gauge_create_attr.
 * @AGGMON_GAUGE_UPDATE: change the value of a user gauge through its file
 *	descriptor; attr is &struct aggmon_gauge_update_attr.
 * @AGGMON_STAT_CREATE: attach a statistic to a gauge, owned by the returned
 *	file descriptor; attr is &struct aggmon_stat_create_attr.
 * @AGGMON_STAT_INFO: read a statistic's value and parameters through its
 *	file descriptor; attr is &struct aggmon_stat_info.
 * @AGGMON_STAT_RESET: restart a statistic from the gauge's current value;
 *	attr is &struct aggmon_stat_reset_attr.
 * @AGGMON_THRESHOLD_CREATE: attach a threshold to a statistic, owned by the
 *	returned file descriptor, which delivers &struct aggmon_event records;
 *	attr is &struct aggmon_threshold_create_attr.
 * @AGGMON_AGG_CREATE: create an aggregation of a gauge's updates, owned by
 *	the returned file descriptor; attr is &struct aggmon_agg_create_attr.
 * @AGGMON_AGG_INFO: describe an aggregation (the kernel's dictionary entry
 *	for it) through its file descriptor; attr is &struct aggmon_agg_info.
 * @AGGMON_AGG_SNAPSHOT: copy an aggregation's per-CPU data sets out, in
 *	batches, optionally clearing them; attr is
 *	&struct aggmon_agg_snapshot_attr.
 * @AGGMON_AGG_LIST: list aggregation ids in ascending order, in batches;
 *	attr is &struct aggmon_agg_list_attr.
 * @AGGMON_AGG_OPEN: open an aggregation the kernel or the caller's uid
 *	created, found by id or by name, as a file descriptor; attr is
 *	&struct aggmon_agg_open_attr.
 */
enum aggmon_cmd {
	AGGMON_GAUGE_LIST	= 0,
	AGGMON_GAUGE_INFO	= 1,
	AGGMON_GAUGE_READ	= 2,
	AGGMON_GAUGE_CREATE	= 3,
	AGGMON_GAUGE_UPDATE	= 4,
	AGGMON_STAT_CREATE	= 5,
	AGGMON_STAT_INFO	= 6,
	AGGMON_STAT_RESET	= 7,
	AGGMON_THRESHOLD_CREATE	= 8,
	AGGMON_AGG_CREATE	= 9,
	AGGMON_AGG_INFO		= 10,
	AGGMON_AGG_SNAPSHOT	= 11,
	AGGMON_AGG_LIST		= 12,
	AGGMON_AGG_OPEN		= 13,
};

/* Sizes of fixed strings, terminating NUL included. */
#define AGGMON_NAME_LEN		64
#define AGGMON_ITEM_LEN		32
#define AGGMON_UNIT_LEN		16

/* Most ids one AGGMON_GAUGE_LIST or AGGMON_GAUGE_READ call handles. */
#define AGGMON_BATCH_MAX	1024

/**
 * struct aggmon_gauge_list_attr - attr of %AGGMON_GAUGE_LIST
 *
 * @ids: user pointer to an array of @count __u64 that receives gauge ids.
 * @count: in: capacity of @ids, 1 to %AGGMON_BATCH_MAX;
 *	out: number of ids written, 0 once the end is reached.
 * @flags: must be 0.
 * @cursor: in: smallest id to return (0 to start);
 *	out: where the next call starts (last id returned + 1).
 */
struct aggmon_gauge_list_attr {
	__aligned_u64 ids;
	__u32 count;
	__u32 flags;
	__aligned_u64 cursor;
};

#define AGGMON_GAUGE_LIST_SIZE_VER0	24

/**
 * enum aggmon_gauge_kind - who owns a gauge
 * @AGGMON_GAUGE_KERNEL: published by the kernel or a module.
 * @AGGMON_GAUGE_USER: created by a process through %AGGMON_GAUGE_CREATE.
 */
enum aggmon_gauge_kind {
	AGGMON_GAUGE_KERNEL	= 0,
	AGGMON_GAUGE_USER	= 1,
};

/**
 * struct aggmon_gauge_info - attr of %AGGMON_GAUGE_INFO
 *
 * @id: in: the gauge to describe, or 0 to find it by @name and @item;
 *	out: the gauge's id.
 * @flags: 0, or %AGGMON_GAUGE_INFO_F_OWNER (with @id 0) to find the user
 *	gauge of @owner_uid by @name and @item (a kernel gauge, outside
 *	"user.", is found by name alone either way).  Without it, a user gauge
 *	found by name is the caller's own or, if the caller has none, the
 *	only one of that name (several: ENOTUNIQ): user gauges are named
 *	per owner.
 * @kind: out: an &enum aggmon_gauge_kind.
 * @name: in (when @id is 0) and out: dotted class name, for example
 *	"net.e100.tx_packets".
 * @item: in (when @id is 0) and out: the instance, for example "eth0";
 *	empty for a gauge without items.
 * @unit: out: unit of the value, for example "packets"; may be empty.
 * @owner_uid: in, with %AGGMON_GAUGE_INFO_F_OWNER: the owner to look
 *	for; out: for a user gauge, the uid of its creator as the caller's
 *	user namespace sees it; 0 for a kernel gauge.
 * @__reserved: out: 0.
 */
struct aggmon_gauge_info {
	__aligned_u64 id;
	__u32 flags;
	__u32 kind;
	char name[AGGMON_NAME_LEN];
	char item[AGGMON_ITEM_LEN];
	char unit[AGGMON_UNIT_LEN];
	__u32 owner_uid;
	__u32 __reserved;
};

#define AGGMON_GAUGE_INFO_SIZE_VER0	136

/* Find the user gauge of owner_uid by name (struct aggmon_gauge_info). */
#define AGGMON_GAUGE_INFO_F_OWNER	(1U << 0)

/**
 * struct aggmon_gauge_read_attr - attr of %AGGMON_GAUGE_READ
 *
 * @ids: user pointer to @count __u64 gauge ids.
 * @values: user pointer to @count __s64 that receive the values, in the
 *	order of @ids.  If any id is unknown the call fails with ENOENT,
 *	writes nothing to @values and sets @count to the index of the first
 *	unknown id.
 * @count: number of ids, 1 to %AGGMON_BATCH_MAX.
 * @flags: must be 0.
 */
struct aggmon_gauge_read_attr {
	__aligned_u64 ids;
	__aligned_u64 values;
	__u32 count;
	__u32 flags;
};

#define AGGMON_GAUGE_READ_SIZE_VER0	24

/**
 * struct aggmon_gauge_create_attr - attr of %AGGMON_GAUGE_CREATE
 *
 * @name: dotted name; user gauges live under "user.", so the name must
 *	start with it.  Segments are ``[a-z0-9_]+``.
 * @item: instance name, ``[a-zA-Z0-9_.:-]*``, may be empty.
 * @unit: unit of the value, printable, may be empty.
 * @initial: the gauge's first value.
 * @flags: must be 0.
 * @__reserved: must be 0.
 * @id: out: the new gauge's id; must be 0 on input.
 *
 * The call returns a close-on-exec file descriptor; the gauge goes away
 * when the last reference to that file is closed.
 */
struct aggmon_gauge_create_attr {
	char name[AGGMON_NAME_LEN];
	char item[AGGMON_ITEM_LEN];
	char unit[AGGMON_UNIT_LEN];
	__s64 initial;
	__u32 flags;
	__u32 __reserved;
	__aligned_u64 id;
};

#define AGGMON_GAUGE_CREATE_SIZE_VER0	136

/**
 * enum aggmon_update_op - how %AGGMON_GAUGE_UPDATE changes a value
 * @AGGMON_UPDATE_ADD: add @value (negative to subtract).
 * @AGGMON_UPDATE_SET: set to @value.
 */
enum aggmon_update_op {
	AGGMON_UPDATE_ADD	= 0,
	AGGMON_UPDATE_SET	= 1,
};

/**
 * struct aggmon_gauge_update_attr - attr of %AGGMON_GAUGE_UPDATE
 *
 * @fd: file descriptor returned by %AGGMON_GAUGE_CREATE.
 * @op: an &enum aggmon_update_op.
 * @value: operand of @op.
 * @flags: must be 0.
 * @__reserved: must be 0.
 */
struct aggmon_gauge_update_attr {
	__u32 fd;
	__u32 op;
	__s64 value;
	__u32 flags;
	__u32 __reserved;
};

#define AGGMON_GAUGE_UPDATE_SIZE_VER0	24

/**
 * enum aggmon_stat_kind - what a statistic computes from its gauge
 * @AGGMON_STAT_ABSOLUTE: the gauge's value.
 * @AGGMON_STAT_HIGH_WATERMARK: the highest value the gauge held since the
 *	statistic was created or reset.
 * @AGGMON_STAT_LOW_WATERMARK: the lowest value the gauge held since the
 *	statistic was created or reset.
 * @AGGMON_STAT_RATE: the change of the gauge over the last period
 *	(@period_ns), measured in tenths of a period: from the tenth-period
 *	boundary that lies between one period and one period plus a tenth
 *	before now.  Falls to 0 by time alone when the gauge stops changing.
 * @AGGMON_STAT_LEAKY_BUCKET: a level that every increase of the gauge
 *	raises by the increase and that drains by @drain at the end of
 *	every period (@period_ns), never below 0.  Decreases of the gauge do
 *	not lower it.
 */
enum aggmon_stat_kind {
	AGGMON_STAT_ABSOLUTE		= 0,
	AGGMON_STAT_HIGH_WATERMARK	= 1,
	AGGMON_STAT_LOW_WATERMARK	= 2,
	AGGMON_STAT_RATE		= 3,
	AGGMON_STAT_LEAKY_BUCKET	= 4,
};

/* Bounds of @period_ns of the time-driven statistics. */
#define AGGMON_PERIOD_MIN_NS	1000000ULL		/* 1 ms */
#define AGGMON_PERIOD_MAX_NS	86400000000000ULL	/* one day */
/* The shortest period a caller without CAP_PERFMON may ask for. */
#define AGGMON_PERIOD_MIN_UNPRIV_NS	10000000ULL	/* 10 ms */
/*
 * Statistics and thresholds that callers without CAP_PERFMON may attach
 * to one gauge they do not own, together; more get ENOSPC.
 */
#define AGGMON_WATCH_UNPRIV_MAX	256

/**
 * struct aggmon_stat_create_attr - attr of %AGGMON_STAT_CREATE
 *
 * @gauge_id: the gauge to watch.
 * @kind: an &enum aggmon_stat_kind.
 * @flags: must be 0.
 * @period_ns: for %AGGMON_STAT_RATE and %AGGMON_STAT_LEAKY_BUCKET, the
 *	period, %AGGMON_PERIOD_MIN_NS to %AGGMON_PERIOD_MAX_NS; must be 0
 *	for the other kinds.
 * @drain: for %AGGMON_STAT_LEAKY_BUCKET, what drains per period, > 0;
 *	must be 0 for the other kinds.
 * @id: out: the statistic's id, which events carry; must be 0 on input.
 *
 * The call returns a close-on-exec file descriptor; the statistic goes
 * away when the last reference to that file and the last threshold on the
 * statistic are closed.
 */
struct aggmon_stat_create_attr {
	__aligned_u64 gauge_id;
	__u32 kind;
	__u32 flags;
	__aligned_u64 period_ns;
	__s64 drain;
	__aligned_u64 id;
};

#define AGGMON_STAT_CREATE_SIZE_VER0	40

/* The statistic's gauge was removed; the statistic no longer changes. */
#define AGGMON_STAT_GONE	(1U << 0)

/**
 * struct aggmon_stat_info - attr of %AGGMON_STAT_INFO
 *
 * @fd: in: file descriptor returned by %AGGMON_STAT_CREATE.
 * @flags: in: must be 0.
 * @id: out: the statistic's id.
 * @gauge_id: out: the id of the gauge it watches.
 * @kind: out: an &enum aggmon_stat_kind.
 * @state: out: %AGGMON_STAT_GONE or 0.
 * @period_ns: out: the period, 0 for kinds without one.
 * @drain: out: the drain per period, 0 for kinds without one.
 * @value: out: the statistic's current value.
 * @level: out: the gauge's value as the statistic last saw it.
 *
 * Fails with ENODEV, after filling in everything but @value and @level,
 * once the gauge is gone.
 */
struct aggmon_stat_info {
	__u32 fd;
	__u32 flags;
	__aligned_u64 id;
	__aligned_u64 gauge_id;
	__u32 kind;
	__u32 state;
	__aligned_u64 period_ns;
	__s64 drain;
	__s64 value;
	__s64 level;
};

#define AGGMON_STAT_INFO_SIZE_VER0	64

/**
 * struct aggmon_stat_reset_attr - attr of %AGGMON_STAT_RESET
 *
 * @fd: file descriptor returned by %AGGMON_STAT_CREATE.
 * @flags: must be 0.
 *
 * Watermarks restart at the gauge's current value, a rate restarts its
 * window (it reads 0), a leaky bucket empties.  An absolute statistic
 * has nothing to reset: EOPNOTSUPP.  Thresholds on the statistic see the
 * new value as they would see an update.
 */
struct aggmon_stat_reset_attr {
	__u32 fd;
	__u32 flags;
};

#define AGGMON_STAT_RESET_SIZE_VER0	8

/**
 * enum aggmon_threshold_kind - when a threshold fires
 * @AGGMON_THRESHOLD_ABOVE: fires when the statistic goes from below
 *	@value to @value or above.  It is ready to fire again once the
 *	statistic is below @cancel again.
 * @AGGMON_THRESHOLD_BELOW: fires when the statistic goes from above
 *	@value to @value or below.  It is ready to fire again once the
 *	statistic is above @cancel again.
 * @AGGMON_THRESHOLD_ABOVE_CANCEL: as %AGGMON_THRESHOLD_ABOVE, and reports
 *	%AGGMON_EVENT_CANCELLED when the statistic goes below @cancel.
 * @AGGMON_THRESHOLD_BELOW_CANCEL: as %AGGMON_THRESHOLD_BELOW, and reports
 *	%AGGMON_EVENT_CANCELLED when the statistic goes above @cancel.
 */
enum aggmon_threshold_kind {
	AGGMON_THRESHOLD_ABOVE		= 0,
	AGGMON_THRESHOLD_BELOW		= 1,
	AGGMON_THRESHOLD_ABOVE_CANCEL	= 2,
	AGGMON_THRESHOLD_BELOW_CANCEL	= 3,
};

/* @cancel holds a hysteresis value; without it @cancel is @value. */
#define AGGMON_THRESHOLD_HYSTERESIS	(1U << 0)

/* Default and bounds of @queue_len. */
#define AGGMON_QUEUE_LEN_DEFAULT	64
#define AGGMON_QUEUE_LEN_MAX		4096

/**
 * struct aggmon_threshold_create_attr - attr of %AGGMON_THRESHOLD_CREATE
 *
 * @stat_fd: file descriptor returned by %AGGMON_STAT_CREATE.
 * @kind: an &enum aggmon_threshold_kind.
 * @value: the value that fires the threshold.
 * @cancel: with %AGGMON_THRESHOLD_HYSTERESIS, the value that cancels
 *	(re-arms) it: at most @value for the ABOVE kinds, at least @value
 *	for the BELOW kinds.  Must be 0 without the flag.
 * @flags: 0 or %AGGMON_THRESHOLD_HYSTERESIS.
 * @queue_len: events the file descriptor queues before it counts them
 *	as lost, 1 to %AGGMON_QUEUE_LEN_MAX; 0 means
 *	%AGGMON_QUEUE_LEN_DEFAULT.
 * @id: out: the threshold's id, which events carry; must be 0 on input.
 *
 * A threshold created while the statistic is already at or past @value
 * fires at once, with %AGGMON_EVENT_F_INITIAL.  The call returns a close-on-exec
 * file descriptor: poll() reports EPOLLIN while events are queued and
 * read() returns whole &struct aggmon_event records (O_NONBLOCK:
 * EAGAIN when none is queued).
 */
struct aggmon_threshold_create_attr {
	__u32 stat_fd;
	__u32 kind;
	__s64 value;
	__s64 cancel;
	__u32 flags;
	__u32 queue_len;
	__aligned_u64 id;
};

#define AGGMON_THRESHOLD_CREATE_SIZE_VER0	40

/**
 * enum aggmon_event_type - what an event reports
 * @AGGMON_EVENT_FIRED: the threshold fired.
 * @AGGMON_EVENT_CANCELLED: a threshold of a _CANCEL kind was cancelled.
 * @AGGMON_EVENT_LOST: nothing happened but the loss of @lost events,
 *	reported when no later event could carry the count.  Its @seq and
 *	@time_ns are those of the last event lost, so the events lost are
 *	numbered @seq - @lost + 1 to @seq; @value is 0.
 * @AGGMON_EVENT_GONE: the gauge was removed; the threshold will not fire
 *	again and reads after this record fail with ENODEV.
 */
enum aggmon_event_type {
	AGGMON_EVENT_FIRED	= 1,
	AGGMON_EVENT_CANCELLED	= 2,
	AGGMON_EVENT_LOST	= 3,
	AGGMON_EVENT_GONE	= 4,
};

/* The event was raised when the threshold was created. */
#define AGGMON_EVENT_F_INITIAL	(1U << 0)
/* Time alone moved the statistic (rate, leaky bucket), not an update. */
#define AGGMON_EVENT_F_TIMER	(1U << 1)

/**
 * struct aggmon_event - a record read from a threshold's file descriptor
 *
 * @seq: the event's number on this threshold, from 1; lost events use up
 *	numbers too, so a gap of @lost numbers precedes this one (see
 *	%AGGMON_EVENT_LOST for the record that reports a loss alone).
 * @time_ns: CLOCK_MONOTONIC time of the update (or timer) that raised it.
 * @gauge_id: the gauge.
 * @stat_id: the statistic.
 * @threshold_id: the threshold.
 * @value: the statistic's value that raised the event.
 * @lost: events dropped since the previous record because the queue was
 *	full.
 * @type: an &enum aggmon_event_type.
 * @flags: %AGGMON_EVENT_F_INITIAL, %AGGMON_EVENT_F_TIMER.
 */
struct aggmon_event {
	__aligned_u64 seq;
	__aligned_u64 time_ns;
	__aligned_u64 gauge_id;
	__aligned_u64 stat_id;
	__aligned_u64 threshold_id;
	__s64 value;
	__aligned_u64 lost;
	__u32 type;
	__u32 flags;
};

/**
 * enum aggmon_agg_func - how an aggregation folds values, as DTrace does
 * @AGGMON_AGG_COUNT: number of values; one value slot.
 * @AGGMON_AGG_SUM: their sum, wrapping at 64 bits; one slot.
 * @AGGMON_AGG_MIN: slots {n, min}: n = 0 means no value yet.
 * @AGGMON_AGG_MAX: slots {n, max}: n = 0 means no value yet.
 * @AGGMON_AGG_AVG: slots {n, sum low 64 bits, sum high 64 bits}: the sum
 *	is a signed 128-bit integer, so it cannot overflow.
 * @AGGMON_AGG_STDDEV: slots {n, sum low, sum high, sum of squares bits
 *	0-63, 64-127, 128-191}: a signed 128-bit sum and an unsigned 192-bit
 *	sum of squares, neither of which can overflow.
 * @AGGMON_AGG_QUANTIZE: %AGGMON_QUANTIZE_BUCKETS power-of-two buckets:
 *	slot 63 counts 0, slot 63 + k counts [2^(k-1), 2^k) (the last also
 *	everything above), slot 63 - k counts (-2^k, -2^(k-1)] (the first
 *	also everything below).
 * @AGGMON_AGG_LQUANTIZE: linear buckets of @step from @low to @high:
 *	slot 0 counts values below @low, slot 1 + i counts
 *	[@low + i * @step, @low + (i + 1) * @step) for i < levels, where
 *	levels = (@high - @low) / @step, and slot levels + 1 the rest.
 * @AGGMON_AGG_LLQUANTIZE: log-linear buckets, DTrace's llquantize(@factor,
 *	@low, @high, @step): each order of magnitude @factor ^ m, @low <= m
 *	<= @high, is split into @step linear buckets; slot 0 counts values
 *	below @factor ^ @low and the last slot values from
 *	@factor ^ (@high + 1) (where @factor ^ (m + 2) would overflow, order
 *	m's top bucket takes all above).
 */
enum aggmon_agg_func {
	AGGMON_AGG_COUNT	= 1,
	AGGMON_AGG_SUM		= 2,
	AGGMON_AGG_MIN		= 3,
	AGGMON_AGG_MAX		= 4,
	AGGMON_AGG_AVG		= 5,
	AGGMON_AGG_STDDEV	= 6,
	AGGMON_AGG_QUANTIZE	= 7,
	AGGMON_AGG_LQUANTIZE	= 8,
	AGGMON_AGG_LLQUANTIZE	= 9,
};

#define AGGMON_QUANTIZE_BUCKETS		127
#define AGGMON_QUANTIZE_ZERO		63
/* The most value slots an lquantize or llquantize may have. */
#define AGGMON_AGG_BUCKETS_MAX		4096

/**
 * enum aggmon_agg_source - what feeds an aggregation
 * @AGGMON_AGG_SRC_GAUGE_DELTA: each change of a gauge, by the amount it
 *	changed: an add's operand; for a set, the new value minus the old.
 * @AGGMON_AGG_SRC_GAUGE_LEVEL: each update or set of a gauge, the gauge's
 *	new value, in the exact order statistics see.
 * @AGGMON_AGG_SRC_KERNEL: calls of aggmon_aggregate() by kernel code; only
 *	the kernel creates such aggregations.
 */
enum aggmon_agg_source {
	AGGMON_AGG_SRC_GAUGE_DELTA	= 1,
	AGGMON_AGG_SRC_GAUGE_LEVEL	= 2,
	AGGMON_AGG_SRC_KERNEL		= 3,
};

/**
 * enum aggmon_key_field - a field of an aggregation's key
 * @AGGMON_KEY_GAUGE: the gauge's id; one slot.
 * @AGGMON_KEY_CPU: the CPU the value came from; one slot.
 * @AGGMON_KEY_PID: the current task's pid (thread id) in the initial pid
 *	namespace; one slot.  Needs CAP_PERFMON.
 * @AGGMON_KEY_TGID: its thread-group id (process id), likewise; one slot.
 *	Needs CAP_PERFMON.
 * @AGGMON_KEY_UID: its real uid in the initial user namespace; one slot.
 *	Needs CAP_PERFMON.
 * @AGGMON_KEY_COMM: its command name, NUL-padded; two slots (16 bytes).
 *	Needs CAP_PERFMON.
 * @AGGMON_KEY_CGROUP: the id of its cgroup on the unified hierarchy (0
 *	without cgroups); one slot.  Needs CAP_PERFMON.
 * @AGGMON_KEY_ARG: the next explicit key the kernel caller passes to
 *	aggmon_aggregate(); one slot.  Only in kernel aggregations.
 *
 * In hard or soft interrupt context the current task is whichever task was
 * interrupted.
 */
enum aggmon_key_field {
	AGGMON_KEY_GAUGE	= 1,
	AGGMON_KEY_CPU		= 2,
	AGGMON_KEY_PID		= 3,
	AGGMON_KEY_TGID		= 4,
	AGGMON_KEY_UID		= 5,
	AGGMON_KEY_COMM		= 6,
	AGGMON_KEY_CGROUP	= 7,
	AGGMON_KEY_ARG		= 8,
};

#define AGGMON_AGG_KEYS_MAX		8
/* Default and largest number of data sets (distinct keys) per CPU. */
#define AGGMON_AGG_ENTRIES_DEFAULT	1024
#define AGGMON_AGG_ENTRIES_MAX		65536
/* The largest per-CPU buffer, in bytes of data sets. */
#define AGGMON_AGG_BUFFER_MAX		(4U << 20)

/**
 * struct aggmon_agg_create_attr - attr of %AGGMON_AGG_CREATE
 *
 * @name: the aggregation's name, dot-separated segments of
 *	``[a-z0-9_]``, as a gauge class's; its id is derived from it by a
 *	hash (two aggregations of the same name get different ids: a
 *	collision moves the id on).
 * @func: an &enum aggmon_agg_func.
 * @flags: must be 0.
 * @low: lquantize: the lowest bucket's bound; llquantize: the lowest order
 *	of magnitude (0 to 65534).  Otherwise 0.
 * @high: lquantize: the upper bound (greater than @low); llquantize: the
 *	highest order of magnitude (above @low, at most 65535).  Otherwise 0.
 * @step: lquantize: the width of a bucket (at least 1); llquantize: buckets
 *	per order of magnitude (at least @factor, a multiple of it, and a
 *	divisor of the smallest power of @factor that is at least @step, at
 *	most 65535).  Otherwise 0.
 * @factor: llquantize: the base of the magnitudes, 2 to 65535, such that
 *	@factor ^ (@low + 1) fits in 63 bits.  Otherwise 0.
 * @source: %AGGMON_AGG_SRC_GAUGE_DELTA or %AGGMON_AGG_SRC_GAUGE_LEVEL.
 * @nkeys: number of key fields in @keys, 0 to %AGGMON_AGG_KEYS_MAX (0: one
 *	data set per CPU).
 * @keys: the key, as &enum aggmon_key_field values, each at most once
 *	(%AGGMON_KEY_ARG is for kernel aggregations only, and may repeat
 *	there; %AGGMON_KEY_GAUGE is for gauge sources only); the fields past
 *	the first @nkeys must be 0.
 * @gauge_id: the gauge whose updates are aggregated.
 * @entries: data sets per CPU, 1 to %AGGMON_AGG_ENTRIES_MAX and at most
 *	%AGGMON_AGG_BUFFER_MAX bytes of them; 0 for
 *	%AGGMON_AGG_ENTRIES_DEFAULT.
 * @id: out: the aggregation's id.
 */
struct aggmon_agg_create_attr {
	char name[AGGMON_NAME_LEN];
	__u32 func;
	__u32 flags;
	__s64 low;
	__s64 high;
	__aligned_u64 step;
	__u32 factor;
	__u32 source;
	__u32 nkeys;
	__u32 keys[AGGMON_AGG_KEYS_MAX];
	__u32 entries;
	__aligned_u64 gauge_id;
	__aligned_u64 id;
};

#define AGGMON_AGG_CREATE_SIZE_VER0	160

/* The aggregation's gauge, or the kernel code feeding it, has gone. */
#define AGGMON_AGG_GONE		(1U << 0)

/**
 * struct aggmon_agg_info - attr of %AGGMON_AGG_INFO: the dictionary entry
 *
 * @fd: in: the aggregation's file descriptor.
 * @flags: must be 0.
 * @id: out: the aggregation's id, as every record of it carries.
 * @name: out: its name.
 * @func: out: an &enum aggmon_agg_func.
 * @source: out: an &enum aggmon_agg_source.
 * @low: out: as created.
 * @high: out: as created.
 * @step: out: as created.
 * @factor: out: as created.
 * @state: out: %AGGMON_AGG_GONE or 0.
 * @nkeys: out: number of key fields.
 * @keys: out: the key fields, &enum aggmon_key_field values.
 * @key_slots: out: 64-bit words of a record's key: one per field, two for
 *	%AGGMON_KEY_COMM, in the order of @keys.
 * @value_slots: out: 64-bit words of a record's value (see
 *	&enum aggmon_agg_func).
 * @record_size: out: bytes of a snapshot record, &struct aggmon_agg_record
 *	and its key and value words.
 * @entries: out: data sets per CPU.
 * @nr_cpus: out: number of per-CPU buffers (CPU numbers are below it): the
 *	length of a snapshot's drop counts.
 * @owner_uid: out: the creator's uid as the caller's user namespace sees
 *	it; 0 for a kernel aggregation.
 * @__reserved: out: 0.
 * @gauge_id: out: the gauge of a gauge source, else 0.
 */
struct aggmon_agg_info {
	__u32 fd;
	__u32 flags;
	__aligned_u64 id;
	char name[AGGMON_NAME_LEN];
	__u32 func;
	__u32 source;
	__s64 low;
	__s64 high;
	__aligned_u64 step;
	__u32 factor;
	__u32 state;
	__u32 nkeys;
	__u32 keys[AGGMON_AGG_KEYS_MAX];
	__u32 key_slots;
	__u32 value_slots;
	__u32 record_size;
	__u32 entries;
	__u32 nr_cpus;
	__u32 owner_uid;
	__u32 __reserved;
	__aligned_u64 gauge_id;
};

#define AGGMON_AGG_INFO_SIZE_VER0	192

/**
 * struct aggmon_agg_record - a data set in a snapshot
 * @agg_id: the aggregation's id.
 * @cpu: the CPU whose buffer held it.
 * @__reserved: 0.
 * @data: key_slots words of key, then value_slots words of value (see
 *	&struct aggmon_agg_info).
 */
struct aggmon_agg_record {
	__aligned_u64 agg_id;
	__u32 cpu;
	__u32 __reserved;
	__aligned_u64 data[];
};

/* Empty every CPU's data sets, and its drop count, as they are copied. */
#define AGGMON_SNAPSHOT_CLEAR	(1U << 0)

/**
 * struct aggmon_agg_snapshot_attr - attr of %AGGMON_AGG_SNAPSHOT
 *
 * A snapshot copies each CPU's data sets as of one instant of that CPU
 * (its buffer is switched for an empty one on the CPU itself, between
 * two of its updates) into memory the file descriptor holds; calls then
 * return it in batches.  A call with @generation 0 takes a new snapshot;
 * a call with the @generation a previous call returned continues that
 * snapshot from @cursor.
 *
 * @fd: in: the aggregation's file descriptor.
 * @flags: in: %AGGMON_SNAPSHOT_CLEAR, or 0; only with @generation 0.
 * @buf: in: user pointer to the records, &struct aggmon_agg_record each
 *	record_size bytes long.
 * @buf_size: in: bytes at @buf.
 * @drops: in: user pointer to @nr_cpus __u64 that receive, per CPU, the
 *	values dropped since creation or the last clear: values of a new key
 *	when the CPU's buffer, or its totals, were full, and values that came
 *	in NMI context;
 *	0 for none.
 * @nr_cpus: in: length of @drops, at least the aggregation's nr_cpus when
 *	@drops is set; out: the aggregation's nr_cpus.
 * @count: out: records written.
 * @generation: in: 0, or the snapshot to continue; out: this snapshot's.
 * @cursor: in: with a non-zero @generation, the index of the first record
 *	to return; out: the index after the last returned.
 * @total: out: records in the snapshot; it is complete when @cursor
 *	reaches @total.
 * @size_needed: out: bytes needed for the records from @cursor (in) to the
 *	end; when @buf_size holds not even one, the call fails with ENOSPC.
 */
struct aggmon_agg_snapshot_attr {
	__u32 fd;
	__u32 flags;
	__aligned_u64 buf;
	__aligned_u64 buf_size;
	__aligned_u64 drops;
	__u32 nr_cpus;
	__u32 count;
	__aligned_u64 generation;
	__aligned_u64 cursor;
	__aligned_u64 total;
	__aligned_u64 size_needed;
};

#define AGGMON_AGG_SNAPSHOT_SIZE_VER0	72

/**
 * struct aggmon_agg_list_attr - attr of %AGGMON_AGG_LIST
 *
 * @ids: user pointer to an array of @count __u64 that receives ids.
 * @count: in: capacity of @ids, 1 to %AGGMON_BATCH_MAX;
 *	out: number of ids written, 0 once the end is reached.
 * @flags: must be 0.
 * @cursor: in: smallest id to return (0 to start);
 *	out: where the next call starts.
 */
struct aggmon_agg_list_attr {
	__aligned_u64 ids;
	__u32 count;
	__u32 flags;
	__aligned_u64 cursor;
};

#define AGGMON_AGG_LIST_SIZE_VER0	24

/**
 * struct aggmon_agg_open_attr - attr of %AGGMON_AGG_OPEN
 *
 * @id: in: the aggregation, or 0 to find a kernel aggregation by @name.
 * @flags: must be 0.
 * @__reserved: must be 0.
 * @name: in, when @id is 0: the name of a kernel aggregation.
 */
struct aggmon_agg_open_attr {
	__aligned_u64 id;
	__u32 flags;
	__u32 __reserved;
	char name[AGGMON_NAME_LEN];
};

#define AGGMON_AGG_OPEN_SIZE_VER0	80

#endif /* _UAPI_LINUX_AGGMON_H */

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
 * @flags: must be 0.
 * @kind: out: an &enum aggmon_gauge_kind.
 * @name: in (when @id is 0) and out: dotted class name, for example
 *	"net.e100.tx_packets".
 * @item: in (when @id is 0) and out: the instance, for example "eth0";
 *	empty for a gauge without items.
 * @unit: out: unit of the value, for example "packets"; may be empty.
 * @owner_uid: out: for a user gauge, the uid of its creator as the
 *	caller's user namespace sees it; 0 for a kernel gauge.
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
 *	start with it.  Segments are [a-z0-9_]+.
 * @item: instance name, [a-zA-Z0-9_.:-]*, may be empty.
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

#endif /* _UAPI_LINUX_AGGMON_H */

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
 */
enum aggmon_cmd {
	AGGMON_GAUGE_LIST	= 0,
	AGGMON_GAUGE_INFO	= 1,
	AGGMON_GAUGE_READ	= 2,
	AGGMON_GAUGE_CREATE	= 3,
	AGGMON_GAUGE_UPDATE	= 4,
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

#endif /* _UAPI_LINUX_AGGMON_H */

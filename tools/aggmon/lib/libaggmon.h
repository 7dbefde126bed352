/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libaggmon - typed wrappers over the aggmon() system call.
 *
 * Every function returns 0 (or a file descriptor) on success and a
 * negative errno on failure; none of them sets errno.
 */
#ifndef __LIBAGGMON_H
#define __LIBAGGMON_H

#include <stddef.h>
#include <linux/types.h>
#include "linux/aggmon.h"

/*
 * List gauge ids from *@cursor on, in ascending order.  @count: in, the
 * capacity of @ids (1 to AGGMON_BATCH_MAX); out, the ids written, 0 at the
 * end.  *@cursor is advanced for the next call.
 */
int aggmon_gauge_list(__u64 *cursor, __u64 *ids, __u32 *count);

/* All gauge ids, ascending, in a malloc'd array the caller frees. */
int aggmon_gauge_list_all(__u64 **ids, size_t *count);

/* Describe a gauge by id (not 0), or by name and item (NULL for none). */
int aggmon_gauge_info_by_id(__u64 id, struct aggmon_gauge_info *info);
int aggmon_gauge_info_by_name(const char *name, const char *item,
			      struct aggmon_gauge_info *info);

/*
 * Read the values of *@count gauges, in batches of AGGMON_BATCH_MAX.  On
 * -ENOENT, *@count is set to the index of the first unknown id (values of
 * earlier batches may have been written).
 */
int aggmon_gauge_read(const __u64 *ids, __s64 *values, __u32 *count);

/* Create a user gauge; returns its close-on-exec file descriptor. */
int aggmon_gauge_create(const char *name, const char *item, const char *unit,
			__s64 initial, __u64 *id);

/* Change a user gauge: @op is an enum aggmon_update_op. */
int aggmon_gauge_update(int fd, __u32 op, __s64 value);

#endif /* __LIBAGGMON_H */

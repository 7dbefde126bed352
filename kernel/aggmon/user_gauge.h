/* SPDX-License-Identifier: GPL-2.0 */
/*
 * aggmon - gauges owned by a process through a file descriptor
 */
#ifndef _AGGMON_USER_GAUGE_H
#define _AGGMON_USER_GAUGE_H

#include <linux/types.h>
#include <uapi/linux/aggmon.h>

struct file;

struct file *aggmon_user_gauge_create(const struct aggmon_gauge_create_attr *attr,
				      u64 *id);
int aggmon_user_gauge_update(int fd, u32 op, s64 value);

#endif /* _AGGMON_USER_GAUGE_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The in-memory aggmon() of tests/fake_kernel.c, which lib/aggmon_sys.c
 * calls instead of the system call when built with -DAGGMON_FAKE.
 */
#ifndef __AGGMON_FAKE_KERNEL_H
#define __AGGMON_FAKE_KERNEL_H

#include <stdbool.h>
#include <linux/types.h>

/* Like the system call: 0 or a file descriptor, or -1 and errno. */
long fake_aggmon(unsigned int cmd, void *attr, unsigned int size);

/* tests/fake_aggs.c: the aggregation commands, as fake_aggmon(). */
long fake_agg_cmd(unsigned int cmd, void *attr, unsigned int size);

/* tests/fake_stats.c: statistics and thresholds, as fake_aggmon(). */
long fake_stat_cmd(unsigned int cmd, void *attr, unsigned int size);

/* Whether the fake has a gauge of id @id. */
bool fake_gauge_exists(__u64 id);

#endif /* __AGGMON_FAKE_KERNEL_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * aggmon - snapshots of aggregations
 */
#ifndef _AGGMON_SNAPSHOT_H
#define _AGGMON_SNAPSHOT_H

#include <linux/mutex.h>
#include <linux/types.h>
#include <uapi/linux/aggmon.h>

struct aggmon_agg;
struct ucounts;

/**
 * struct aggmon_snapshot - the copy of the buffers a file descriptor holds
 * @lock: serialises the snapshots of the file descriptor
 * @ucounts: the user who opened it, charged for @records (quota.c)
 * @charged: the bytes of @records charged
 * @generation: its number, from 1; 0 before the first
 * @total: records in it
 * @records: per CPU, that CPU's records; kept for the next snapshot
 * @rooms: per CPU, how many records @records has room for
 * @counts: per CPU, the number of @records in this snapshot
 * @drops: per CPU, the drop count copied with the records
 */
struct aggmon_snapshot {
	struct mutex lock;	/* one snapshot at a time per file */
	struct ucounts *ucounts;
	size_t charged;
	u64 generation;
	u64 total;
	void **records;
	u32 *rooms;
	u32 *counts;
	u64 *drops;
};

int aggmon_snapshot_init(struct aggmon_snapshot *snap);
void aggmon_snapshot_exit(struct aggmon_snapshot *snap);
void aggmon_snapshot_free(struct aggmon_snapshot *snap);
int aggmon_snapshot_take(struct aggmon_agg *agg, struct aggmon_snapshot *snap,
			 bool clear);
int aggmon_snapshot_read(struct aggmon_agg *agg, struct aggmon_snapshot *snap,
			 struct aggmon_agg_snapshot_attr *attr);
#if IS_ENABLED(CONFIG_AGGMON_BENCH)
int aggmon_agg_bench_irqs_off(struct aggmon_agg *agg, unsigned int cpu,
			      u64 *copy_ns, u64 *switch_ns);
#endif

#endif /* _AGGMON_SNAPSHOT_H */

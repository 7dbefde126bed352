/* SPDX-License-Identifier: GPL-2.0 */
/*
 * aggmon - the bounded queue of events behind a threshold
 */
#ifndef _AGGMON_EVENT_H
#define _AGGMON_EVENT_H

#include <linux/spinlock.h>
#include <linux/types.h>
#include <uapi/linux/aggmon.h>

/**
 * struct aggmon_event_queue - a ring of events with a count of losses
 * @lock: serialises the producer (an update) against the reader
 * @ring: @size records
 * @size: capacity
 * @head: index of the oldest record
 * @count: records queued
 * @lost: events dropped since the last record that was queued
 * @last_lost: the last event dropped: a LOST record takes its number,
 *	time and ids
 * @gone: the gauge is gone; @gone_event is the last thing to read
 * @gone_queued: @gone_event went into the ring
 * @gone_event: the record that reports the gauge's removal
 */
struct aggmon_event_queue {
	raw_spinlock_t lock;
	struct aggmon_event *ring;
	u32 size;
	u32 head;
	u32 count;
	u64 lost;
	struct aggmon_event last_lost;
	bool gone;
	bool gone_queued;
	struct aggmon_event gone_event;
};

int aggmon_event_queue_init(struct aggmon_event_queue *queue, u32 size,
			    gfp_t gfp);
void aggmon_event_queue_free(struct aggmon_event_queue *queue);
void aggmon_event_push(struct aggmon_event_queue *queue,
		       const struct aggmon_event *event);
void aggmon_event_push_gone(struct aggmon_event_queue *queue,
			    const struct aggmon_event *event);
bool aggmon_event_peek(struct aggmon_event_queue *queue,
		       struct aggmon_event *event);
void aggmon_event_consume(struct aggmon_event_queue *queue);
bool aggmon_event_readable(struct aggmon_event_queue *queue);
bool aggmon_event_finished(struct aggmon_event_queue *queue);

#endif /* _AGGMON_EVENT_H */

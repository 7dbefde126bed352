// SPDX-License-Identifier: GPL-2.0-only
/*
 * aggmon - the bounded queue of events behind a threshold
 *
 * Events are produced by updates, in any context, and consumed by one
 * reader (read() on the threshold's file, or the work item of a deferred
 * callback).  The ring is allocated when the threshold is created, so
 * producing never allocates.  When the ring is full a new event is
 * dropped and counted; the count travels in the next record that is
 * queued, or, when the reader empties the ring first, in a record of its
 * own (%AGGMON_EVENT_LOST).  A ring of one record therefore still reports
 * every loss.  The removal of the gauge is kept apart from
 * the ring (%AGGMON_EVENT_GONE) so a full ring cannot drop it; it is
 * read after everything else.
 *
 * The reader copies a record out before it consumes it (peek, copy,
 * consume), so a fault while copying loses nothing.
 */

#include <linux/slab.h>

#include "event.h"

/**
 * aggmon_event_queue_init() - set up an empty queue
 * @queue: the queue
 * @size: capacity in records, at least 1
 * @gfp: how to allocate the ring
 *
 * Return: 0 or -ENOMEM.
 */
int aggmon_event_queue_init(struct aggmon_event_queue *queue, u32 size,
			    gfp_t gfp)
{
	memset(queue, 0, sizeof(*queue));
	raw_spin_lock_init(&queue->lock);
	/* Up to 256 KiB: need not be contiguous. */
	queue->ring = kvcalloc(size, sizeof(*queue->ring), gfp);
	if (!queue->ring)
		return -ENOMEM;
	queue->size = size;
	return 0;
}

/**
 * aggmon_event_queue_free() - free the ring
 * @queue: the queue, no longer used by anyone
 */
void aggmon_event_queue_free(struct aggmon_event_queue *queue)
{
	kvfree(queue->ring);
	queue->ring = NULL;
}

/**
 * aggmon_event_push() - queue an event, or count it as lost
 * @queue: the queue
 * @event: the event; its @lost field is filled in here
 *
 * Context: any but NMI.
 */
void aggmon_event_push(struct aggmon_event_queue *queue,
		       const struct aggmon_event *event)
{
	struct aggmon_event *slot;
	unsigned long flags;

	raw_spin_lock_irqsave(&queue->lock, flags);
	if (queue->count == queue->size) {
		queue->lost++;
		queue->last_lost = *event;
	} else {
		slot = &queue->ring[(queue->head + queue->count) % queue->size];
		*slot = *event;
		slot->lost = queue->lost;
		queue->lost = 0;
		queue->count++;
	}
	raw_spin_unlock_irqrestore(&queue->lock, flags);
}

/**
 * aggmon_event_push_gone() - report that the gauge is gone, once
 * @queue: the queue
 * @event: the %AGGMON_EVENT_GONE record, read after all others
 */
void aggmon_event_push_gone(struct aggmon_event_queue *queue,
			    const struct aggmon_event *event)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&queue->lock, flags);
	if (!queue->gone) {
		queue->gone = true;
		queue->gone_event = *event;
	}
	raw_spin_unlock_irqrestore(&queue->lock, flags);
}

/*
 * A loss or the removal the reader is due to read goes into the ring, as
 * an ordinary record, once the ring is empty: the reader then consumes
 * exactly the record it peeked, whatever producers do meanwhile.
 */
static void aggmon_event_materialise(struct aggmon_event_queue *queue)
{
	if (queue->count)
		return;
	if (queue->lost) {
		queue->ring[queue->head] = queue->last_lost;
		queue->ring[queue->head].type = AGGMON_EVENT_LOST;
		queue->ring[queue->head].flags = 0;
		queue->ring[queue->head].value = 0;
		queue->ring[queue->head].lost = queue->lost;
		queue->lost = 0;
		queue->count = 1;
	} else if (queue->gone && !queue->gone_queued) {
		queue->ring[queue->head] = queue->gone_event;
		queue->gone_queued = true;
		queue->count = 1;
	}
}

/**
 * aggmon_event_peek() - copy the next record without consuming it
 * @queue: the queue
 * @event: receives the record
 *
 * Return: true if there was one.
 */
bool aggmon_event_peek(struct aggmon_event_queue *queue,
		       struct aggmon_event *event)
{
	unsigned long flags;
	bool found;

	raw_spin_lock_irqsave(&queue->lock, flags);
	aggmon_event_materialise(queue);
	found = queue->count;
	if (found)
		*event = queue->ring[queue->head];
	raw_spin_unlock_irqrestore(&queue->lock, flags);
	return found;
}

/**
 * aggmon_event_consume() - drop the record aggmon_event_peek() returned
 * @queue: the queue; only its one reader calls this
 */
void aggmon_event_consume(struct aggmon_event_queue *queue)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&queue->lock, flags);
	if (!WARN_ON_ONCE(!queue->count)) {
		queue->head = (queue->head + 1) % queue->size;
		queue->count--;
	}
	raw_spin_unlock_irqrestore(&queue->lock, flags);
}

/**
 * aggmon_event_readable() - is there a record to read?
 * @queue: the queue
 *
 * Return: true if aggmon_event_peek() would find one.
 */
bool aggmon_event_readable(struct aggmon_event_queue *queue)
{
	struct aggmon_event event;

	return aggmon_event_peek(queue, &event);
}

/**
 * aggmon_event_finished() - has the reader read the gauge's removal?
 * @queue: the queue
 *
 * Return: true once nothing more can ever be read.
 */
bool aggmon_event_finished(struct aggmon_event_queue *queue)
{
	unsigned long flags;
	bool finished;

	raw_spin_lock_irqsave(&queue->lock, flags);
	finished = queue->gone_queued && !queue->count;
	raw_spin_unlock_irqrestore(&queue->lock, flags);
	return finished;
}

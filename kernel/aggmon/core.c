// SPDX-License-Identifier: GPL-2.0-only
/*
 * aggmon - what every object of the core shares: its clock, its ids and
 * the order of its locks
 *
 * Statistics, thresholds and their events all read one clock,
 * CLOCK_MONOTONIC, so that the times in events compare with each other
 * and with clock_gettime() in userspace.  Statistics and thresholds take
 * their ids from one 64-bit sequence, which never wraps, so an id names
 * one object for the life of the system.
 *
 * Lock ordering in aggmon (a lock is taken only while those above it on
 * its branch may be held; the mutexes are never nested in each other):
 *
 *   aggmon_watch_mutex                 (watch.c: attach, detach, gauge
 *                                       removal; the first attach to a
 *                                       gauge waits for a grace period)
 *     xa_lock of the gauge registry    (gauge.c)
 *   aggmon_register_mutex              (gauge.c: registration, the name
 *                                       hash, renames, and the first
 *                                       step of a gauge's removal)
 *     xa_lock of the gauge registry
 *   aggmon_agg_mutex                   (agg.c: the aggregation registry)
 *   threshold->read_mutex              (threshold.c: one reader at a time)
 *   snapshot lock                      (snapshot.c: one snapshot at a
 *                                       time per file descriptor)
 *     cpus_read_lock
 *       agg->drain_lock                (snapshot.c: one drain of the
 *                                       buffers at a time per
 *                                       aggregation)
 *   cpus_read_lock, cpuhp state mutex  (aggbuf.c: an aggregation's
 *                                       buffers start and stop following
 *                                       CPU hotplug, at its creation
 *                                       and its last put)
 *
 * The CPU hotplug callbacks of aggregation buffers (aggbuf.c) run under
 * the hotplug lock held for writing and take no lock of aggmon's: that
 * lock keeps them from every drain.
 *
 *   entry->set_lock                    (raw, irqs off: one set at a time)
 *     watch->lock                      (raw, irqs off: the order of a
 *                                       watched gauge's slow updates)
 *       aggmon_event_queue->lock       (raw: a threshold's events)
 *       hrtimer base lock              (arming a rate's or bucket's tick)
 *       irq_work queueing              (the wakeup of readers)
 *
 * The raw locks are taken under any of the mutexes (creating a statistic
 * or threshold takes watch->lock under aggmon_watch_mutex) and never the
 * other way round.
 *
 * A threshold's direct callback runs under watch->lock and may take none
 * of these: it may not update, set or read a gauge's watchers (a WARN
 * catches an update).  Nothing in aggmon takes a lock of the code that
 * updates a gauge, so a gauge may be updated under any lock its driver
 * holds: the scheduler's run-queue locks, tasklist_lock, a driver's
 * spinlocks.
 */

#include <linux/atomic.h>
#include <linux/ktime.h>

#include "core.h"

static atomic64_t aggmon_last_object_id = ATOMIC64_INIT(0);

/**
 * aggmon_object_id() - a new id for a statistic or threshold
 *
 * Return: an id never handed out before (64 bits do not wrap).
 */
u64 aggmon_object_id(void)
{
	return atomic64_inc_return(&aggmon_last_object_id);
}

/**
 * aggmon_now() - the time statistics and events use
 *
 * Return: CLOCK_MONOTONIC, in ns.
 */
u64 aggmon_now(void)
{
	return ktime_get_ns();
}

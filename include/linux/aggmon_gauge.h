/* SPDX-License-Identifier: GPL-2.0 */
/*
 * aggmon - a gauge and its update, for headers that embed one
 *
 * struct net_device and struct rq embed gauges, and netdev_start_xmit()
 * updates them inline.  This is all that such widely included headers
 * need; <linux/aggmon.h> has the rest of the API, and the UAPI
 * definitions with it.
 */
#ifndef _LINUX_AGGMON_GAUGE_H
#define _LINUX_AGGMON_GAUGE_H

#include <linux/compiler.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/types.h>

struct aggmon_gauge_entry;

#ifdef CONFIG_AGGMON

/**
 * struct aggmon_gauge - a gauge, embedded in the structure it measures
 * @pcpu: per-CPU shares; the value is the sum of all shares
 * @watched: non-zero while anything watches the updates
 * @static_shares: @pcpu is static per-CPU data from DEFINE_AGGMON_GAUGE():
 *	valid from boot, kept while the gauge is not registered, never freed
 * @entry: the gauge's registration in the aggmon core; freed after a grace
 *	period, and a static gauge may lose it while it is updated
 *
 * Embed one in the driver's own structure, as a struct percpu_counter
 * is, and set it up with aggmon_gauge_init(): an update then costs what
 * an update of the driver's own per-CPU counter would.  Code that counts
 * before any allocator runs defines one with DEFINE_AGGMON_GAUGE()
 * instead.  The fields are the core's; use the functions below.
 */
struct aggmon_gauge {
	s64 __percpu *pcpu;
	unsigned int watched;
	bool static_shares;
	struct aggmon_gauge_entry __rcu *entry;
};

void aggmon_gauge_prepare(struct aggmon_gauge *gauge);
void __aggmon_gauge_watched(struct aggmon_gauge *gauge, s64 delta);

/**
 * aggmon_gauge_add() - add @delta to a gauge
 * @gauge: the gauge
 * @delta: the amount, negative to subtract
 *
 * Context: any but NMI.  While nothing watches the gauge this is a load
 * of @gauge->watched, a branch predicted not taken and one per-CPU add,
 * with preemption disabled around the two (free without
 * CONFIG_PREEMPT_COUNT): the first statistic on a gauge waits for a
 * grace period after setting the flag, and so knows that every update
 * that missed it has reached its share (kernel/aggmon/watch.c).  A
 * watched gauge's update stays on its CPU while it is far from every
 * threshold and watermark.  No static key guards the branch: attaching
 * the first statistic in the system would then patch every update site
 * with IPIs to all CPUs, at any user's request.
 */
static inline void aggmon_gauge_add(struct aggmon_gauge *gauge, s64 delta)
{
	preempt_disable_notrace();
	if (unlikely(READ_ONCE(gauge->watched)))
		__aggmon_gauge_watched(gauge, delta);
	else
		this_cpu_add(*gauge->pcpu, delta);
	preempt_enable_notrace();
}

#else /* !CONFIG_AGGMON */

/* Empty: a gauge embedded in a driver's structure takes no room. */
struct aggmon_gauge {
};

static inline void aggmon_gauge_prepare(struct aggmon_gauge *gauge) { }
static inline void aggmon_gauge_add(struct aggmon_gauge *gauge, s64 delta) { }

#endif /* CONFIG_AGGMON */

/**
 * aggmon_gauge_inc() - add one to a gauge
 * @gauge: the gauge
 *
 * Context: any but NMI.
 */
static inline void aggmon_gauge_inc(struct aggmon_gauge *gauge)
{
	aggmon_gauge_add(gauge, 1);
}

/**
 * aggmon_gauge_dec() - subtract one from a gauge
 * @gauge: the gauge
 *
 * Context: any but NMI.
 */
static inline void aggmon_gauge_dec(struct aggmon_gauge *gauge)
{
	aggmon_gauge_add(gauge, -1);
}

#endif /* _LINUX_AGGMON_GAUGE_H */

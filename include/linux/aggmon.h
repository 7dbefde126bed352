/* SPDX-License-Identifier: GPL-2.0 */
/*
 * aggmon - real-time kernel resource monitor: in-kernel API
 *
 * A gauge is a named 64-bit signed value that code raises, lowers or sets
 * from any context but NMI.  A gauge class names what is measured
 * ("net.e100.tx_packets") and its unit; each instance of the class is an
 * item ("eth0", "eth1") with its own id and value.
 *
 * With CONFIG_AGGMON=n every function here is an empty inline and every
 * class definition an unused constant: instrumented code compiles to what
 * it was before.
 */
#ifndef _LINUX_AGGMON_H
#define _LINUX_AGGMON_H

#include <linux/aggmon_gauge.h>
#include <linux/bits.h>
#include <linux/err.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/sched/clock.h>
#include <linux/types.h>
#include <uapi/linux/aggmon.h>

/**
 * struct aggmon_class - what a family of gauges measures
 * @name: dotted name, segments of ``[a-z0-9_]``, for example
 *	"net.e100.tx_packets"
 * @unit: unit of the value, for example "packets"; may be NULL
 *
 * Define one with DEFINE_AGGMON_CLASS() and set up a gauge per item with
 * aggmon_gauge_init().
 */
struct aggmon_class {
	const char *name;
	const char *unit;
};

/**
 * DEFINE_AGGMON_CLASS() - define a gauge class
 * @_var: name of the static variable
 * @_name: dotted class name (a string literal)
 * @_unit: unit (a string literal), or NULL
 */
#define DEFINE_AGGMON_CLASS(_var, _name, _unit)			\
	static const struct aggmon_class _var __maybe_unused = {	\
		.name = _name,						\
		.unit = _unit,						\
	}

struct aggmon_gauge_entry;
struct aggmon_stat;
struct aggmon_threshold;

/**
 * typedef aggmon_threshold_fn - a threshold's callback
 * @event: what happened; valid only during the call
 * @data: the pointer given to aggmon_threshold_create()
 *
 * Without %AGGMON_THRESHOLD_DEFERRED (a *direct* callback) it is called by
 * whatever changed the statistic, with interrupts disabled and the
 * gauge's watch lock (a raw spinlock) held: for an update, in the
 * updater's context (process, softirq or hardirq); for a change by time
 * alone, from the statistic's timer (an %HRTIMER_MODE_ABS_SOFT timer, so
 * in softirq context), or from aggmon_stat_value() or
 * aggmon_threshold_create() in their caller's context when they bring
 * the statistic to the current time first.  A threshold its statistic
 * has already crossed fires at once, with %AGGMON_EVENT_F_INITIAL, from
 * aggmon_threshold_create() before it returns: the callback must not
 * rely on the pointer that call returns.  Its events are never queued,
 * so their @lost is always 0.
 *
 * So a direct callback must not sleep, and must not read, change, create
 * or destroy anything that watches a gauge: it would wait for the lock it
 * runs under.  Every update of the gauge waits for it, even one far from
 * every bound (taking the lock recalls every CPU's budget): keep it
 * short.  It must not update or set any gauge either: whether a gauge is
 * watched is up to userspace, and a watch's lock would nest inside the
 * one the callback holds; a WARN catches such an update, which the watch
 * then does not see.  Core gauges make that wider than it looks: forking,
 * opening or closing a file, waking a task, allocating pages or sending a
 * packet may update one, and a callback on one runs under the locks of
 * the path that updates it: Documentation/driver-api/aggmon.rst ("Direct
 * callbacks and the core gauges") says what that forbids.  Its
 * %AGGMON_EVENT_GONE comes from the context that removes the gauge (the
 * caller of aggmon_gauge_destroy(), or the release of a user gauge's last
 * file descriptor), in process context with interrupts enabled but the
 * lock that serialises creation and removal held: it must not create or
 * destroy statistics or thresholds, and aggmon_gauge_destroy() must not
 * be called with a lock held that the callback takes.
 *
 * With %AGGMON_THRESHOLD_DEFERRED it is called later from the system
 * workqueue, in process context, once per record and in order, and may
 * sleep, but must not destroy its own threshold, as
 * aggmon_threshold_destroy() waits for it.  Events wait for it in a queue
 * of %AGGMON_QUEUE_LEN_DEFAULT records, with a file descriptor's
 * accounting of losses: it may see %AGGMON_EVENT_LOST and non-zero @lost,
 * and gets %AGGMON_EVENT_GONE after every other record.  Anything that
 * needs to sleep, take a mutex, update a gauge, wake a task or log at
 * length belongs here.
 *
 * Either way, once aggmon_threshold_destroy() returns the callback is not
 * running and will not run again: destroy the thresholds before the data
 * their callbacks use is freed.
 */
typedef void (*aggmon_threshold_fn)(const struct aggmon_event *event,
				    void *data);

/* Call the callback from a workqueue, in process context. */
#define AGGMON_THRESHOLD_DEFERRED	BIT(16)

struct aggmon_agg;

/**
 * struct aggmon_agg_def - what a kernel aggregation folds, and how
 * @name: its name, ``[a-z0-9_.]``, unique among kernel aggregations; the
 *	tool finds it by this name
 * @func: the function, an &enum aggmon_agg_func
 * @low: lquantize's low bound, llquantize's low magnitude
 * @high: lquantize's high bound, llquantize's high magnitude
 * @step: lquantize's bucket width, llquantize's steps per magnitude
 * @factor: llquantize's factor
 * @nkeys: fields in @keys
 * @keys: the key, &enum aggmon_key_field values; each %AGGMON_KEY_ARG
 *	takes the next of the explicit keys given to aggmon_aggregate()
 * @entries: data sets (distinct keys) per CPU; 0 for the default
 *
 * The fields mean what those of &struct aggmon_agg_create_attr do.
 */
struct aggmon_agg_def {
	const char *name;
	enum aggmon_agg_func func;
	s64 low;
	s64 high;
	u64 step;
	u32 factor;
	unsigned int nkeys;
	enum aggmon_key_field keys[AGGMON_AGG_KEYS_MAX];
	unsigned int entries;
};

/**
 * DECLARE_AGGMON_GAUGE() - declare a gauge defined with DEFINE_AGGMON_GAUGE()
 * @_var: name of the gauge
 *
 * A header that only declares the gauge may do without this file:
 * "struct aggmon_gauge; extern struct aggmon_gauge _var;" is the same.
 */
#define DECLARE_AGGMON_GAUGE(_var)	extern struct aggmon_gauge _var

#ifdef CONFIG_AGGMON

/*
 * A flag rather than is_kernel_percpu_address(): that knows only the
 * kernel image's static per-CPU area, not a module's, always says no on
 * !SMP, and takes an address where we hold a per-CPU pointer.  The flag
 * sits in the padding after @watched, so a gauge does not grow.
 */
#define __DEFINE_AGGMON_GAUGE(_var, _storage)				\
	static DEFINE_PER_CPU(s64, __aggmon_shares_##_var);		\
	_storage struct aggmon_gauge _var = {				\
		.pcpu = &__aggmon_shares_##_var,			\
		.static_shares = true,					\
	}

/**
 * DEFINE_AGGMON_GAUGE() - define a gauge that counts from the first instruction
 * @_var: name of the gauge, a global variable
 *
 * Defines @_var, at file scope, with static per-CPU shares, so that
 * updates are valid before any initcall: core counters start counting
 * at boot, long before per-CPU memory can be allocated.  They must not
 * start before setup_per_cpu_areas(), though: until then an update lands
 * in the template that is copied to every CPU.  aggmon_gauge_init()
 * registers the gauge under a class and item without allocating and
 * keeps the value counted so far; aggmon_gauge_destroy() unregisters it
 * and leaves the shares, which go on counting, alone.
 *
 * Declare the gauge elsewhere with DECLARE_AGGMON_GAUGE(); use
 * DEFINE_STATIC_AGGMON_GAUGE() for a gauge of one file.  The shares are
 * named after @_var, which must therefore be unique in the kernel (some
 * architectures make per-CPU variables weak symbols).  With
 * CONFIG_AGGMON=n the gauge is only declared: the functions that take it
 * are empty inlines, so nothing refers to it and nothing is emitted.
 */
#define DEFINE_AGGMON_GAUGE(_var)	__DEFINE_AGGMON_GAUGE(_var, /* global */)

/**
 * DEFINE_STATIC_AGGMON_GAUGE() - DEFINE_AGGMON_GAUGE() for one file
 * @_var: name of the gauge, a static variable
 */
#define DEFINE_STATIC_AGGMON_GAUGE(_var)	__DEFINE_AGGMON_GAUGE(_var, static)

int aggmon_gauge_init(struct aggmon_gauge *gauge,
		      const struct aggmon_class *class, const char *item);
int aggmon_gauge_rename(struct aggmon_gauge *gauge, const char *item);
void aggmon_gauge_destroy(struct aggmon_gauge *gauge);
s64 aggmon_gauge_read(const struct aggmon_gauge *gauge);
void aggmon_gauge_set(struct aggmon_gauge *gauge, s64 value);
u64 aggmon_gauge_id(const struct aggmon_gauge *gauge);

struct aggmon_stat *aggmon_stat_create(struct aggmon_gauge *gauge,
				       enum aggmon_stat_kind kind,
				       u64 period_ns, s64 drain);
int aggmon_stat_value(struct aggmon_stat *stat, s64 *value);
void aggmon_stat_destroy(struct aggmon_stat *stat);
struct aggmon_threshold *
aggmon_threshold_create(struct aggmon_stat *stat,
			enum aggmon_threshold_kind kind, s64 value,
			s64 cancel, unsigned int flags,
			aggmon_threshold_fn fn, void *data);
void aggmon_threshold_destroy(struct aggmon_threshold *threshold);

struct aggmon_agg *aggmon_agg_create(const struct aggmon_agg_def *def);
void aggmon_agg_destroy(struct aggmon_agg *agg);
void aggmon_aggregate(struct aggmon_agg *agg, s64 value, const u64 *args);

/**
 * aggmon_time_stamp() - a timing hook's clock
 *
 * Return: local_clock(), in ns: cheap, and monotonic on one CPU.
 */
static inline u64 aggmon_time_stamp(void)
{
	return local_clock();
}

#else /* !CONFIG_AGGMON */

/* Not defined: only the empty inlines below take its address. */
#define DEFINE_AGGMON_GAUGE(_var)	extern struct aggmon_gauge _var
/* Unused, empty and static: the compiler emits nothing for it. */
#define DEFINE_STATIC_AGGMON_GAUGE(_var)				\
	static struct aggmon_gauge _var __maybe_unused = { }

static inline int aggmon_gauge_init(struct aggmon_gauge *gauge,
				    const struct aggmon_class *class,
				    const char *item)
{
	return 0;
}

static inline int aggmon_gauge_rename(struct aggmon_gauge *gauge,
				      const char *item)
{
	return 0;
}

static inline void aggmon_gauge_destroy(struct aggmon_gauge *gauge) { }
static inline s64 aggmon_gauge_read(const struct aggmon_gauge *gauge)
{
	return 0;
}

static inline void aggmon_gauge_set(struct aggmon_gauge *gauge, s64 value) { }
static inline u64 aggmon_gauge_id(const struct aggmon_gauge *gauge)
{
	return 0;
}

static inline struct aggmon_stat *
aggmon_stat_create(struct aggmon_gauge *gauge, enum aggmon_stat_kind kind,
		   u64 period_ns, s64 drain)
{
	return ERR_PTR(-EOPNOTSUPP);
}

static inline int aggmon_stat_value(struct aggmon_stat *stat, s64 *value)
{
	return -EOPNOTSUPP;
}

static inline void aggmon_stat_destroy(struct aggmon_stat *stat) { }

static inline struct aggmon_threshold *
aggmon_threshold_create(struct aggmon_stat *stat,
			enum aggmon_threshold_kind kind, s64 value,
			s64 cancel, unsigned int flags,
			aggmon_threshold_fn fn, void *data)
{
	return ERR_PTR(-EOPNOTSUPP);
}

static inline void aggmon_threshold_destroy(struct aggmon_threshold *threshold) { }

static inline struct aggmon_agg *
aggmon_agg_create(const struct aggmon_agg_def *def)
{
	return ERR_PTR(-EOPNOTSUPP);
}

static inline void aggmon_agg_destroy(struct aggmon_agg *agg) { }
static inline void aggmon_aggregate(struct aggmon_agg *agg, s64 value,
				    const u64 *args) { }
static inline u64 aggmon_time_stamp(void)
{
	return 0;
}

#endif /* CONFIG_AGGMON */

/**
 * AGGMON_TIME_START() - a timing hook's start: take a time stamp
 * @_stamp: a local u64 variable that keeps it
 *
 * With AGGMON_TIME_END() it records the duration of the code between the
 * two into an aggregation: the stamp stays on the stack and the value is
 * only aggregated at the end, so the timed code pays for one clock read.  Both compile
 * to nothing with CONFIG_AGGMON=n.
 */
#define AGGMON_TIME_START(_stamp)	((_stamp) = aggmon_time_stamp())

/**
 * AGGMON_TIME_END() - a timing hook's end: aggregate the time since start
 * @_agg: the aggregation, from aggmon_agg_create()
 * @_stamp: the variable AGGMON_TIME_START() set
 * @_args: explicit keys for the aggregation's %AGGMON_KEY_ARG fields, or
 *	NULL if it has none
 *
 * Context: as aggmon_aggregate(); on the CPU of the start for an exact
 * duration (local_clock() of two CPUs may differ slightly).
 */
#ifdef CONFIG_AGGMON
#define AGGMON_TIME_END(_agg, _stamp, _args)				\
	aggmon_aggregate(_agg, aggmon_time_stamp() - (_stamp), _args)
#else
/*
 * @_agg and @_args are not evaluated, only checked (sizeof): even a dead
 * load of @_agg changes how the compiler lays out the caller's code, and
 * a driver must compile to what it was without aggmon.
 */
#define AGGMON_TIME_END(_agg, _stamp, _args)				\
	((void)(_stamp), (void)sizeof(_agg), (void)sizeof(_args))
#endif

#endif /* _LINUX_AGGMON_H */

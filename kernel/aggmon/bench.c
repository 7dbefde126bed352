// SPDX-License-Identifier: GPL-2.0-only
/*
 * aggmon - update-path benchmark
 *
 * In the style of kernel/rcu/refscale.c: every operation is timed over
 * @iterations back-to-back calls in a kthread bound to a CPU, first on
 * one CPU and then on every online CPU at once; operations and modes are
 * interleaved within each of @samples rounds so that drift in the
 * machine's speed hits all of them alike, and the median round is
 * reported.  Baselines are measured in the same run:
 *
 *   this_cpu_add               the floor: one per-CPU add
 *   atomic64_add (private)     one atomic per CPU, each on its own line
 *   atomic64_add (shared)      one atomic all CPUs hit
 *   percpu_counter_add_batch   the kernel's per-CPU counter
 *   aggmon_gauge_add           a gauge with nothing attached, while no
 *                              gauge in the system is watched
 *
 * and then, once the gauges below are watched:
 *
 *   gauge_add_others_watched   the same unwatched gauge (no global state
 *                              changes its path: the two should agree)
 *
 * Far from every bound of its statistics an update of a watched gauge
 * stays within its CPU's budget: one cmpxchg on a per-CPU word and the
 * share add, no lock.  The gauges of these rows sit below their high
 * watermark (raised once to BENCH_FAR / 2 and brought back to 0 before
 * any timing, so that every CPU's budget is the cap, 2^31 - 1, both
 * ways) and go +1/-1:
 *
 *   gauge_add_hwm              a high-watermark statistic, no threshold
 *   gauge_add_hwm_1far         the same with one threshold far away
 *   gauge_add_hwm_10kfar       the same with 10000 thresholds far away
 *
 * Serialised: every update takes the watch lock and runs with interrupts
 * off; where budgets are out it recalls them all (an atomic exchange per
 * online CPU, whichever CPUs run the loop) and grants them again.
 *
 *   gauge_add_hwm_rising       +1 forever on a high-watermark statistic:
 *                              a counter at its watermark, which no
 *                              budget lets rise
 *   gauge_add_near             +1/-1 oscillating within the band of a
 *                              threshold (serialised): an absolute
 *                              statistic between an ABOVE threshold at
 *                              online CPUs + 1 and a BELOW one at
 *                              -(online CPUs + 1), never crossed and too
 *                              near for a budget either way (< 16)
 *   gauge_add_crossing         +1/-1 across an ABOVE_CANCEL threshold
 *                              whose callback does nothing: every
 *                              update fires or cancels it
 *   gauge_add_recall           +/-BENCH_JUMP (2^32) on an absolute
 *                              statistic whose one threshold, ABOVE at
 *                              BENCH_FAR, is never reached: every update
 *                              exceeds the cap on a CPU's budget, so it
 *                              recalls and re-grants every CPU's budget
 *                              and crosses nothing.  Less gauge_add_near
 *                              (which holds no budget): what a recall and
 *                              re-grant of all CPUs' words cost
 *   gauge_add_cross_K          K = 1, 64 and 256 (BENCH_CROSS_MAX): an
 *                              absolute statistic with K ABOVE thresholds
 *                              at 1 whose callback does nothing, +1/-1
 *                              from 0.  On one CPU every +1 fires K and
 *                              every -1 re-arms K (no event), serialised
 *                              (no budget at a bound): the 1 CPU column is
 *                              the time with interrupts off per update,
 *                              and (K = 256 less K = 1) / 255 that of one
 *                              threshold.  With all CPUs at once the
 *                              level wanders over 0..CPUs and they
 *                              contend: that column is no cost per K.
 *
 * Each thread makes @iterations calls per row, but a tenth in the
 * serialised rows, which contend, and a tenth divided by K in
 * gauge_add_cross_K.
 *
 * and aggregations (kernel aggregations keyed by one explicit key, as a
 * driver's would be), against the lookup of a hash table in the kernel:
 *
 *   jhash2_rhashtable_hit      jhash2() over a 64-bit key, then an
 *                              rhashtable_lookup_fast() hit in a table
 *                              of BENCH_KEYS objects
 *   agg_key_present            aggmon_aggregate() (sum), the key cycling
 *                              over BENCH_KEYS keys already present
 *   agg_new_key                every call a new key (a fresh aggregation
 *                              of BENCH_CHUNK data sets per chunk)
 *   agg_one_key                one key; all CPUs at once against one
 *                              CPU shows that CPUs share nothing
 *
 * Loaded with run=1 (or booted with aggmon_bench.run=1 when built in),
 * it prints a table, one "aggmon_bench_json:" line and one
 * "aggmon_bench_op_json:" line per operation for scripts; it never fails
 * on a timing.
 *
 * and what a snapshot keeps interrupts off for on a monitored CPU, per
 * CPU and snapshot, a quantize keyed by one explicit key with every CPU's
 * buffer full (BENCH_SNAP_SIZES data sets; 1040 bytes each): the copy of
 * the buffer in an IPI that snapshots did until they switched buffers,
 * against the switch they do now.  Printed as one
 * "aggmon_bench_snapshot_json:" line per size: medians over @samples
 * rounds of every online CPU.
 *
 * The peer run, for an ftrace hist trigger on this module's tracepoint
 * aggmon_bench:aggmon_bench_hit (bench_trace.h): once the trigger is set
 * (hist:keys=key:vals=value), writing 1 to the module's peer_run
 * parameter times, interleaved in the same rounds,
 *
 *   agg_key_present            as above
 *   trace_hist_hit             trace_aggmon_bench_hit() on the same keys:
 *                              the trigger builds the event's record and
 *                              adds value to the key's entry of its
 *                              tracing_map, which all CPUs share
 *
 * (a tenth of @iterations each), prints them as "aggmon_bench_peer_json:"
 * lines and then hits BENCH_PEER_KEYS keys once each, so that reading
 * the hist file can be timed against a snapshot of as many entries
 * (tools/aggmon/bench/aggmon_peer_bench.c, which also times BPF maps).
 */

#include <linux/aggmon.h>
#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/jhash.h>
#include <linux/percpu_counter.h>
#include <linux/rhashtable.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/timekeeping.h>

#define CREATE_TRACE_POINTS
#include "bench_trace.h"
#include "agg.h"
#include "snapshot.h"

static bool run;
module_param(run, bool, 0444);
MODULE_PARM_DESC(run, "Run the benchmark when loaded");
static unsigned int iterations = 1000000;
module_param(iterations, uint, 0444);
MODULE_PARM_DESC(iterations, "Calls per timed loop (at least 1000000)");
static unsigned int samples = 11;
module_param(samples, uint, 0444);
MODULE_PARM_DESC(samples, "Rounds; the median is reported (at least 10)");
/* Set at the end of aggmon_bench_init(): peer_run needs bench.done. */
static bool bench_loaded;

enum bench_op {
	OP_THIS_CPU_ADD,
	OP_ATOMIC_PRIVATE,
	OP_ATOMIC_SHARED,
	OP_PERCPU_COUNTER,
	OP_GAUGE_ADD,
	OP_GAUGE_ADD_KEY_ON,
	OP_GAUGE_HWM,
	OP_GAUGE_HWM_FAR1,
	OP_GAUGE_HWM_FAR10K,
	OP_GAUGE_HWM_RISING,
	OP_GAUGE_NEAR,
	OP_GAUGE_CROSSING,
	OP_GAUGE_RECALL,
	OP_GAUGE_CROSS1,
	OP_GAUGE_CROSS64,
	OP_GAUGE_CROSS256,
	OP_JHASH_RHT,
	OP_AGG_NEW,
	OP_AGG_ONE_KEY,
	OP_AGG_PRESENT,
	/* The peer run (peer_run=1) measures these two, side by side. */
	OP_TRACE_HIT,
	NR_OPS,
};

/* The last op of the run at load time; OP_TRACE_HIT needs a hist trigger. */
#define OP_LAST_MAIN	OP_AGG_PRESENT

#define NR_WATCHED	(OP_GAUGE_CROSS256 + 1 - OP_GAUGE_HWM)
#define BENCH_KEYS	1024
/* Entries of the hist the peer run leaves, as aggmon_agg_bench's table. */
#define BENCH_PEER_KEYS	4096
#define BENCH_FAR	((s64)BIT_ULL(62))
#define BENCH_MANY	10000
#define BENCH_CHUNK	10000U
/* Above the cap of a CPU's budget (2^31 - 1), far below BENCH_FAR. */
#define BENCH_JUMP	((s64)BIT_ULL(32))
/* The most an unprivileged caller may attach to one gauge: rename the row. */
#define BENCH_CROSS_MAX	256
static_assert(BENCH_CROSS_MAX == AGGMON_WATCH_UNPRIV_MAX);
/* 1far, 10kfar, near (2), crossing, recall, cross_1, _64 and _256. */
#define BENCH_THRESHOLDS	(1 + BENCH_MANY + 2 + 1 + 1 + \
				 1 + 64 + BENCH_CROSS_MAX)

/* K of gauge_add_cross_K, from OP_GAUGE_CROSS1 on. */
static const unsigned int bench_cross_k[] = { 1, 64, BENCH_CROSS_MAX };

static const char * const bench_op_names[NR_OPS] = {
	[OP_THIS_CPU_ADD]	= "this_cpu_add",
	[OP_ATOMIC_PRIVATE]	= "atomic64_add_private",
	[OP_ATOMIC_SHARED]	= "atomic64_add_shared",
	[OP_PERCPU_COUNTER]	= "percpu_counter_add_batch",
	[OP_GAUGE_ADD]		= "aggmon_gauge_add",
	[OP_GAUGE_ADD_KEY_ON]	= "gauge_add_others_watched",
	[OP_GAUGE_HWM]		= "gauge_add_hwm",
	[OP_GAUGE_HWM_FAR1]	= "gauge_add_hwm_1far",
	[OP_GAUGE_HWM_FAR10K]	= "gauge_add_hwm_10kfar",
	[OP_GAUGE_HWM_RISING]	= "gauge_add_hwm_rising",
	[OP_GAUGE_NEAR]		= "gauge_add_near",
	[OP_GAUGE_CROSSING]	= "gauge_add_crossing",
	[OP_GAUGE_RECALL]	= "gauge_add_recall",
	[OP_GAUGE_CROSS1]	= "gauge_add_cross_1",
	[OP_GAUGE_CROSS64]	= "gauge_add_cross_64",
	[OP_GAUGE_CROSS256]	= "gauge_add_cross_256",
	[OP_JHASH_RHT]		= "jhash2_rhashtable_hit",
	[OP_AGG_PRESENT]	= "agg_key_present",
	[OP_AGG_NEW]		= "agg_new_key",
	[OP_AGG_ONE_KEY]	= "agg_one_key",
	[OP_TRACE_HIT]		= "trace_hist_hit",
};

struct bench_object {
	u64 key;
	u64 value;
	struct rhash_head node;
};

static const struct rhashtable_params bench_ht_params = {
	.key_len	= sizeof(u64),
	.key_offset	= offsetof(struct bench_object, key),
	.head_offset	= offsetof(struct bench_object, node),
};

/* This CPU's aggregation for the current chunk of agg_new_key. */
static DEFINE_PER_CPU(struct aggmon_agg *, bench_new_agg);

enum bench_mode { MODE_ONE_CPU, MODE_ALL_CPUS, NR_MODES };

DEFINE_AGGMON_CLASS(bench_class, "bench.gauge_add", "ops");
DEFINE_AGGMON_CLASS(bench_watched_class, "bench.watched", "ops");

static struct {
	s64 __percpu *counter;
	atomic64_t __percpu *private;
	atomic64_t shared ____cacheline_aligned_in_smp;
	struct percpu_counter pcc;
	struct aggmon_gauge gauge;
	struct aggmon_gauge watched[NR_WATCHED];
	struct aggmon_stat *stats[NR_WATCHED];
	struct aggmon_threshold **thresholds;
	unsigned int nr_thresholds;
	struct rhashtable ht;
	struct bench_object *objects;
	struct aggmon_agg *agg;
	struct aggmon_agg *one_key_agg;
	u64 sink;
	/* one run */
	enum bench_op op;
	bool go;
	atomic_t running;
	atomic64_t total_ns;
	struct completion done;
} bench;

/*
 * Serialised updates take a lock: on a slow (emulated) machine with every
 * CPU contending, a million calls would take minutes, so they make a
 * tenth, and a tenth divided by K when each fires or re-arms K
 * thresholds.  Always an even number, so that +1/-1 ends where it began.
 */
static unsigned int bench_iterations(enum bench_op op)
{
	unsigned int n = iterations;

	if (op >= OP_GAUGE_HWM_RISING && op <= OP_GAUGE_CROSS256)
		n /= 10;
	if (op >= OP_GAUGE_CROSS1 && op <= OP_GAUGE_CROSS256)
		n /= bench_cross_k[op - OP_GAUGE_CROSS1];
	/* A hist trigger hit builds an event record: slow under emulation. */
	if (op == OP_TRACE_HIT)
		n /= 10;
	return n & ~1U;
}

/* The baseline: hash a key, and find it in a hash table. */
static void bench_jhash_rht(unsigned int n)
{
	struct bench_object *object;
	u64 sink = 0, key;
	unsigned int i;

	for (i = 0; i < n; i++) {
		key = i & (BENCH_KEYS - 1);
		sink += jhash2((u32 *)&key, 2, 0);
		object = rhashtable_lookup_fast(&bench.ht, &key,
						bench_ht_params);
		sink += object->value;
	}
	WRITE_ONCE(bench.sink, sink);
}

/* @mask: keys cycle over [0, @mask]; ~0 for a new key every call. */
static void bench_aggregate(struct aggmon_agg *agg, unsigned int n,
			    unsigned int mask)
{
	unsigned int i;
	u64 key;

	for (i = 0; i < n; i++) {
		key = i & mask;
		aggmon_aggregate(agg, 1, &key);
	}
}

/* Time @n calls of @op on the current CPU. */
static u64 bench_loop(enum bench_op op, unsigned int n)
{
	atomic64_t *private = raw_cpu_ptr(bench.private);
	unsigned int i;
	/* Not local_clock(): on UML it ticks in jiffies. */
	u64 start = ktime_get_ns();

	switch (op) {
	case OP_THIS_CPU_ADD:
		for (i = 0; i < n; i++)
			this_cpu_add(*bench.counter, 1);
		break;
	case OP_ATOMIC_PRIVATE:
		for (i = 0; i < n; i++)
			atomic64_add(1, private);
		break;
	case OP_ATOMIC_SHARED:
		for (i = 0; i < n; i++)
			atomic64_add(1, &bench.shared);
		break;
	case OP_PERCPU_COUNTER:
		for (i = 0; i < n; i++)
			/* percpu_counter_add_batch() with the default batch */
			percpu_counter_add(&bench.pcc, 1);
		break;
	case OP_GAUGE_ADD:
	case OP_GAUGE_ADD_KEY_ON:
		for (i = 0; i < n; i++)
			aggmon_gauge_add(&bench.gauge, 1);
		break;
	case OP_GAUGE_HWM ... OP_GAUGE_HWM_FAR10K:
	case OP_GAUGE_NEAR ... OP_GAUGE_CROSSING:
	case OP_GAUGE_CROSS1 ... OP_GAUGE_CROSS256:
		for (i = 0; i < n; i++)
			aggmon_gauge_add(&bench.watched[op - OP_GAUGE_HWM],
					 i & 1 ? -1 : 1);
		break;
	case OP_GAUGE_HWM_RISING:
		for (i = 0; i < n; i++)
			aggmon_gauge_add(&bench.watched[op - OP_GAUGE_HWM], 1);
		break;
	case OP_GAUGE_RECALL:
		for (i = 0; i < n; i++)
			aggmon_gauge_add(&bench.watched[op - OP_GAUGE_HWM],
					 i & 1 ? -BENCH_JUMP : BENCH_JUMP);
		break;
	case OP_JHASH_RHT:
		bench_jhash_rht(n);
		break;
	case OP_AGG_PRESENT:
		bench_aggregate(bench.agg, n, BENCH_KEYS - 1);
		break;
	case OP_AGG_NEW:
		bench_aggregate(raw_cpu_read(bench_new_agg), n, ~0U);
		break;
	case OP_AGG_ONE_KEY:
		bench_aggregate(bench.one_key_agg, n, 0);
		break;
	case OP_TRACE_HIT:
		for (i = 0; i < n; i++)
			trace_aggmon_bench_hit(i & (BENCH_KEYS - 1), 1);
		break;
	default:
		break;
	}
	return ktime_get_ns() - start;
}

/* An empty aggregation for this CPU's next chunk of new keys. */
static int bench_new_agg_start(void)
{
	char name[AGGMON_NAME_LEN];
	struct aggmon_agg_def def = {
		.name = name, .func = AGGMON_AGG_SUM, .nkeys = 1,
		.keys = { AGGMON_KEY_ARG }, .entries = BENCH_CHUNK,
	};
	struct aggmon_agg *agg;

	snprintf(name, sizeof(name), "bench.agg_new.%u", raw_smp_processor_id());
	agg = aggmon_agg_create(&def);
	if (IS_ERR(agg))
		return PTR_ERR(agg);
	this_cpu_write(bench_new_agg, agg);
	return 0;
}

static int bench_thread(void *unused)
{
	unsigned int n, total = bench_iterations(bench.op);
	u64 ns = 0;

	/*
	 * Start together: spin until every thread has been woken.  Pairs
	 * with the release in bench_run(), so bench.op is the new one.
	 */
	while (!smp_load_acquire(&bench.go))
		cond_resched();
	/* Chunks, with a chance to schedule between them (not timed). */
	for (n = 0; n < total; n += BENCH_CHUNK) {
		if (bench.op == OP_AGG_NEW && bench_new_agg_start())
			break;
		ns += bench_loop(bench.op, min(total - n, BENCH_CHUNK));
		if (bench.op == OP_AGG_NEW)
			aggmon_agg_destroy(this_cpu_xchg(bench_new_agg, NULL));
		cond_resched();
	}
	atomic64_add(ns, &bench.total_ns);
	if (atomic_dec_and_test(&bench.running))
		complete(&bench.done);
	return 0;
}

/* Run @op on every CPU of @cpus at once; return the mean ps per call. */
static u64 bench_run(enum bench_op op, const struct cpumask *cpus)
{
	struct task_struct *task;
	unsigned int cpu, nr = 0;

	bench.op = op;
	WRITE_ONCE(bench.go, false);
	atomic64_set(&bench.total_ns, 0);
	atomic_set(&bench.running, cpumask_weight(cpus));
	reinit_completion(&bench.done);
	for_each_cpu(cpu, cpus) {
		task = kthread_run_on_cpu(bench_thread, NULL, cpu,
					  "aggmon_bench/%u");
		if (IS_ERR(task)) {
			/* Account for the thread that never ran. */
			if (atomic_dec_and_test(&bench.running))
				complete(&bench.done);
			continue;
		}
		nr++;
	}
	/* Pairs with the acquire in bench_thread(): the run is set up. */
	smp_store_release(&bench.go, true);
	wait_for_completion(&bench.done);
	if (!nr)
		return 0;
	return div64_u64(atomic64_read(&bench.total_ns) * 1000,
			 (u64)nr * bench_iterations(op));
}

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static u64 median(u64 *v, unsigned int n)
{
	sort(v, n, sizeof(*v), cmp_u64, NULL);
	return v[n / 2];
}

static void bench_ratio(u64 result[NR_OPS][NR_MODES], enum bench_op op,
			enum bench_op base, const char *target)
{
	int mode;

	for (mode = 0; mode < NR_MODES; mode++) {
		u64 num = result[op][mode];
		u64 den = max(result[base][mode], 1ULL);

		pr_info("aggmon_bench: ratio %s %s/%s %llu.%02llu (target %s)\n",
			mode ? "all" : "one", bench_op_names[op],
			bench_op_names[base], num / den, num * 100 / den % 100,
			target);
	}
}

/* (@op all CPUs / one CPU) / (this_cpu_add all CPUs / one CPU) */
static void bench_scaling(u64 result[NR_OPS][NR_MODES], enum bench_op op,
			  const char *target)
{
	u64 num = result[op][MODE_ALL_CPUS] *
		  result[OP_THIS_CPU_ADD][MODE_ONE_CPU];
	u64 den = max(result[op][MODE_ONE_CPU] *
		      result[OP_THIS_CPU_ADD][MODE_ALL_CPUS], 1ULL);

	pr_info("aggmon_bench: scaling %s all/one over this_cpu_add all/one %llu.%02llu (target %s)\n",
		bench_op_names[op], num / den, num * 100 / den % 100, target);
}

/*
 * For scripts: a JSON line of the run, then one per operation.  One line
 * for all would pass the 1024 bytes of a printk record, which cuts it.
 */
static void bench_json(u64 result[NR_OPS][NR_MODES], unsigned int cpus)
{
	int op;

	pr_info("aggmon_bench_json: {\"iterations\": %u, \"samples\": %u, \"cpus\": %u, \"unit\": \"ps/op\"}\n",
		iterations, samples, cpus);
	for (op = 0; op <= OP_LAST_MAIN; op++)
		pr_info("aggmon_bench_op_json: {\"op\": \"%s\", \"one_cpu\": %llu, \"all_cpus\": %llu}\n",
			bench_op_names[op], result[op][MODE_ONE_CPU],
			result[op][MODE_ALL_CPUS]);
}

static void bench_report(u64 result[NR_OPS][NR_MODES], unsigned int cpus)
{
	int op;

	pr_info("aggmon_bench: %u iterations x %u samples (median), %u CPUs, ns/op\n",
		iterations, samples, cpus);
	pr_info("aggmon_bench: %-26s %10s %10s\n", "operation", "1 CPU",
		"all CPUs");
	for (op = 0; op <= OP_LAST_MAIN; op++) {
		u64 one = result[op][MODE_ONE_CPU];
		u64 all = result[op][MODE_ALL_CPUS];

		/* ps to ns with two decimals */
		pr_info("aggmon_bench: %-26s %5llu.%02llu    %5llu.%02llu\n",
			bench_op_names[op], one / 1000, one % 1000 / 10,
			all / 1000, all % 1000 / 10);
	}
	bench_ratio(result, OP_GAUGE_ADD, OP_THIS_CPU_ADD, "<= 1.50");
	bench_ratio(result, OP_GAUGE_ADD, OP_PERCPU_COUNTER, "<= 1.00");
	bench_ratio(result, OP_GAUGE_ADD_KEY_ON, OP_THIS_CPU_ADD, "none");
	bench_ratio(result, OP_GAUGE_HWM_FAR1, OP_THIS_CPU_ADD,
		    IS_ENABLED(CONFIG_UML) ? "<= 1.50" : "<= 2.00");
	bench_scaling(result, OP_GAUGE_HWM_FAR1, "<= 1.20");
	bench_ratio(result, OP_GAUGE_HWM_FAR10K, OP_GAUGE_HWM_FAR1, "<= 1.10");
	bench_ratio(result, OP_AGG_NEW, OP_AGG_PRESENT, "<= 3.00");
	bench_json(result, cpus);
}

static void bench_nothing(const struct aggmon_event *event, void *data)
{
}

/* Attach @count thresholds at @value, @value + @step, ... to @op's stat. */
static int bench_add_thresholds(enum bench_op op, enum aggmon_threshold_kind kind,
				s64 value, s64 step, unsigned int count)
{
	struct aggmon_threshold *threshold;
	unsigned int n;

	for (n = 0; n < count; n++) {
		if (WARN_ON_ONCE(bench.nr_thresholds == BENCH_THRESHOLDS))
			return -ENOSPC;
		threshold = aggmon_threshold_create(bench.stats[op - OP_GAUGE_HWM],
						    kind, value + n * step, 0,
						    0, bench_nothing, NULL);
		if (IS_ERR(threshold))
			return PTR_ERR(threshold);
		bench.thresholds[bench.nr_thresholds++] = threshold;
	}
	return 0;
}

static void bench_unwatch(void)
{
	unsigned int i;

	while (bench.nr_thresholds)
		aggmon_threshold_destroy(bench.thresholds[--bench.nr_thresholds]);
	kfree(bench.thresholds);
	for (i = 0; i < NR_WATCHED; i++) {
		if (!IS_ERR_OR_NULL(bench.stats[i]))
			aggmon_stat_destroy(bench.stats[i]);
		aggmon_gauge_destroy(&bench.watched[i]);
	}
}

/* The watched gauges; high watermarks before gauge_add_near, then absolute. */
static int bench_watch_gauges(void)
{
	static const char * const items[NR_WATCHED] = {
		"hwm", "hwm_1far", "hwm_10kfar", "hwm_rising", "near",
		"crossing", "recall", "cross_1", "cross_64", "cross_256",
	};
	unsigned int i;
	int err;

	for (i = 0; i < NR_WATCHED; i++) {
		err = aggmon_gauge_init(&bench.watched[i], &bench_watched_class,
					items[i]);
		if (err)
			return err;
		bench.stats[i] = aggmon_stat_create(&bench.watched[i],
						    i < OP_GAUGE_NEAR - OP_GAUGE_HWM ?
						    AGGMON_STAT_HIGH_WATERMARK :
						    AGGMON_STAT_ABSOLUTE, 0, 0);
		if (IS_ERR(bench.stats[i]))
			return PTR_ERR(bench.stats[i]);
	}
	return 0;
}

/* Every op's thresholds, in the order of BENCH_THRESHOLDS. */
static int bench_watch_thresholds(void)
{
	/* Beyond what +1/-1 from all CPUs reaches, too near for a budget. */
	s64 near = num_online_cpus() + 1;
	unsigned int k;
	int err;

	err = bench_add_thresholds(OP_GAUGE_HWM_FAR1, AGGMON_THRESHOLD_ABOVE,
				   BENCH_FAR, 1, 1);
	err = err ?: bench_add_thresholds(OP_GAUGE_HWM_FAR10K,
					  AGGMON_THRESHOLD_ABOVE, BENCH_FAR, 1,
					  BENCH_MANY);
	err = err ?: bench_add_thresholds(OP_GAUGE_NEAR, AGGMON_THRESHOLD_ABOVE,
					  near, 0, 1);
	err = err ?: bench_add_thresholds(OP_GAUGE_NEAR, AGGMON_THRESHOLD_BELOW,
					  -near, 0, 1);
	err = err ?: bench_add_thresholds(OP_GAUGE_CROSSING,
					  AGGMON_THRESHOLD_ABOVE_CANCEL, 1, 0, 1);
	err = err ?: bench_add_thresholds(OP_GAUGE_RECALL, AGGMON_THRESHOLD_ABOVE,
					  BENCH_FAR, 0, 1);
	for (k = 0; k < ARRAY_SIZE(bench_cross_k) && !err; k++)
		err = bench_add_thresholds(OP_GAUGE_CROSS1 + k,
					   AGGMON_THRESHOLD_ABOVE, 1, 0,
					   bench_cross_k[k]);
	return err;
}

/*
 * Raise the high watermarks of the budget rows' gauges far above 0 and
 * come back to 0: their +1/-1 then stays far below the watermark (and the
 * far thresholds), where every CPU gets the largest budget.
 */
static void bench_watch_prime(void)
{
	enum bench_op op;

	for (op = OP_GAUGE_HWM; op <= OP_GAUGE_HWM_FAR10K; op++) {
		aggmon_gauge_add(&bench.watched[op - OP_GAUGE_HWM], BENCH_FAR / 2);
		aggmon_gauge_add(&bench.watched[op - OP_GAUGE_HWM], -BENCH_FAR / 2);
	}
}

/* The watched gauges, their statistics and thresholds. */
static int bench_watch(void)
{
	int err;

	bench.thresholds = kcalloc(BENCH_THRESHOLDS, sizeof(*bench.thresholds),
				   GFP_KERNEL);
	if (!bench.thresholds)
		return -ENOMEM;
	err = bench_watch_gauges();
	err = err ?: bench_watch_thresholds();
	if (!err)
		bench_watch_prime();
	return err;
}

/* Leaves nothing behind: the peer run may set up again later. */
static void bench_unhash(void)
{
	aggmon_agg_destroy(bench.agg);
	aggmon_agg_destroy(bench.one_key_agg);
	if (bench.objects)
		rhashtable_destroy(&bench.ht);
	kfree(bench.objects);
	bench.agg = NULL;
	bench.one_key_agg = NULL;
	bench.objects = NULL;
}

/* The hash table baseline and the aggregations, each of BENCH_KEYS keys. */
static int bench_hash(void)
{
	struct aggmon_agg_def def = {
		.name = "bench.agg", .func = AGGMON_AGG_SUM, .nkeys = 1,
		.keys = { AGGMON_KEY_ARG }, .entries = BENCH_KEYS,
	};
	unsigned int i;
	int err;

	bench.agg = aggmon_agg_create(&def);
	if (IS_ERR(bench.agg))
		return PTR_ERR(bench.agg);
	def.name = "bench.agg_one_key";
	bench.one_key_agg = aggmon_agg_create(&def);
	if (IS_ERR(bench.one_key_agg))
		return PTR_ERR(bench.one_key_agg);
	bench.objects = kcalloc(BENCH_KEYS, sizeof(*bench.objects), GFP_KERNEL);
	if (!bench.objects)
		return -ENOMEM;
	err = rhashtable_init(&bench.ht, &bench_ht_params);
	if (err) {
		kfree(bench.objects);
		bench.objects = NULL;
		return err;
	}
	for (i = 0; i < BENCH_KEYS && !err; i++) {
		bench.objects[i].key = i;
		bench.objects[i].value = i;
		err = rhashtable_insert_fast(&bench.ht, &bench.objects[i].node,
					     bench_ht_params);
	}
	return err;
}

/* Measure ops @first to @last into @result. */
static int bench_measure(u64 result[NR_OPS][NR_MODES], int first, int last)
{
	const struct cpumask *masks[NR_MODES] = {
		cpumask_of(cpumask_first(cpu_online_mask)), cpu_online_mask,
	};
	int n = last - first + 1;
	int op, mode, s;
	u64 *ps;

	ps = kcalloc(n * NR_MODES * samples, sizeof(*ps), GFP_KERNEL);
	if (!ps)
		return -ENOMEM;
	for (s = 0; s < samples; s++)
		for (op = 0; op < n; op++)
			for (mode = 0; mode < NR_MODES; mode++)
				ps[(op * NR_MODES + mode) * samples + s] =
					bench_run(first + op, masks[mode]);
	for (op = 0; op < n; op++)
		for (mode = 0; mode < NR_MODES; mode++)
			result[first + op][mode] =
				median(ps + (op * NR_MODES + mode) * samples,
				       samples);
	kfree(ps);
	return 0;
}

/* Unwatched first, with nothing watched; then with watched gauges. */
static int bench_all(void)
{
	u64 result[NR_OPS][NR_MODES];
	int err;

	err = bench_measure(result, 0, OP_GAUGE_ADD);
	err = err ?: bench_watch();
	err = err ?: bench_measure(result, OP_GAUGE_ADD_KEY_ON,
				   OP_GAUGE_CROSS256);
	bench_unwatch();
	err = err ?: bench_hash();
	err = err ?: bench_measure(result, OP_JHASH_RHT, OP_LAST_MAIN);
	bench_unhash();
	if (!err)
		bench_report(result, cpumask_weight(cpu_online_mask));
	return err;
}

static void bench_peer_report(u64 result[NR_OPS][NR_MODES])
{
	enum bench_op op;

	for (op = OP_AGG_PRESENT; op <= OP_TRACE_HIT; op++)
		pr_info("aggmon_bench_peer_json: {\"op\": \"%s\", \"one_cpu\": %llu, \"all_cpus\": %llu, \"cpus\": %u, \"unit\": \"ps/op\"}\n",
			bench_op_names[op], result[op][MODE_ONE_CPU],
			result[op][MODE_ALL_CPUS], num_online_cpus());
}

/* agg_key_present against a hist trigger hit on the same keys. */
static int bench_peer(void)
{
	u64 result[NR_OPS][NR_MODES];
	unsigned int key;
	int err;

	if (!trace_aggmon_bench_hit_enabled()) {
		pr_err("aggmon_bench: peer_run: set a hist trigger on aggmon_bench:aggmon_bench_hit first\n");
		return -ENOENT;
	}
	err = bench_hash();
	err = err ?: bench_measure(result, OP_AGG_PRESENT, OP_TRACE_HIT);
	bench_unhash();
	if (err)
		return err;
	bench_peer_report(result);
	for (key = 0; key < BENCH_PEER_KEYS; key++)
		trace_aggmon_bench_hit(key, 1);
	return 0;
}

static int bench_peer_run_set(const char *val, const struct kernel_param *kp)
{
	bool go;
	int err;

	err = kstrtobool(val, &go);
	if (err || !go)
		return err;
	/* Not as a load parameter: the trigger can only be set after. */
	if (!READ_ONCE(bench_loaded))
		return -EINVAL;
	return bench_peer();
}

static const struct kernel_param_ops bench_peer_run_ops = {
	.set = bench_peer_run_set,
};
module_param_cb(peer_run, &bench_peer_run_ops, NULL, 0200);
MODULE_PARM_DESC(peer_run, "Write 1 to time a hist trigger on aggmon_bench_hit");

/* Data sets per CPU of the snapshot rows: about 1 MiB and 4 MiB. */
static const unsigned int bench_snap_sizes[] = { 1008, 4032 };

/* On each CPU: keys 0 .. entries - 1, one value each. */
static void bench_snap_fill(void *data)
{
	struct aggmon_agg *agg = data;

	bench_aggregate(agg, agg->bufs.capacity, ~0U);
}

/*
 * Interrupts-off time of a snapshot on each online CPU, with its buffer
 * full: a copy in the IPI (what snapshots did) against the switch.
 */
static int bench_snapshot(unsigned int entries)
{
	struct aggmon_agg_def def = {
		.name = "aggmon_bench.snapshot", .func = AGGMON_AGG_QUANTIZE,
		.nkeys = 1, .keys = { AGGMON_KEY_ARG }, .entries = entries,
	};
	unsigned int n = samples * num_online_cpus(), i = 0, cpu, s;
	u64 *copy_ns, *switch_ns;
	struct aggmon_agg *agg;
	int err = 0;

	copy_ns = kcalloc(n, sizeof(*copy_ns), GFP_KERNEL);
	switch_ns = kcalloc(n, sizeof(*switch_ns), GFP_KERNEL);
	agg = aggmon_agg_create(&def);
	if (!copy_ns || !switch_ns || IS_ERR(agg)) {
		err = IS_ERR(agg) ? PTR_ERR(agg) : -ENOMEM;
		goto out;
	}
	/* The CPUs are not brought up or down while the benchmark runs. */
	for (s = 0; s < samples && !err; s++) {
		on_each_cpu(bench_snap_fill, agg, 1);
		for_each_online_cpu(cpu) {
			if (i == n)
				break;
			err = aggmon_agg_bench_irqs_off(agg, cpu, &copy_ns[i],
							&switch_ns[i]);
			if (err)
				break;
			i++;
		}
	}
	if (!err)
		pr_info("aggmon_bench_snapshot_json: {\"entries\": %u, \"record_size\": %zu, \"cpus\": %u, \"samples\": %u, \"copy_ns\": %llu, \"switch_ns\": %llu}\n",
			entries, aggmon_aggbuf_record_size(&agg->bufs),
			num_online_cpus(), samples, median(copy_ns, i),
			median(switch_ns, i));
out:
	if (!IS_ERR(agg))
		aggmon_agg_destroy(agg);
	kfree(copy_ns);
	kfree(switch_ns);
	return err;
}

static int bench_snapshots(void)
{
	unsigned int i;
	int err = 0;

	for (i = 0; i < ARRAY_SIZE(bench_snap_sizes) && !err; i++)
		err = bench_snapshot(bench_snap_sizes[i]);
	return err;
}

static int __init aggmon_bench_init(void)
{
	int err = -ENOMEM;

	iterations = max(iterations, 1000000U);
	samples = max(samples, 10U);
	init_completion(&bench.done);
	if (!run)
		goto loaded;
	bench.counter = alloc_percpu(s64);
	bench.private = alloc_percpu(atomic64_t);
	if (!bench.counter || !bench.private)
		goto out;
	err = percpu_counter_init(&bench.pcc, 0, GFP_KERNEL);
	if (err)
		goto out;
	err = aggmon_gauge_init(&bench.gauge, &bench_class, NULL);
	if (!err) {
		err = bench_all();
		aggmon_gauge_destroy(&bench.gauge);
	}
	if (!err)
		err = bench_snapshots();
	percpu_counter_destroy(&bench.pcc);
out:
	free_percpu(bench.private);
	free_percpu(bench.counter);
	if (err)
		return err;
loaded:
	WRITE_ONCE(bench_loaded, true);
	return 0;
}

static void __exit aggmon_bench_exit(void)
{
}

module_init(aggmon_bench_init);
module_exit(aggmon_bench_exit);
MODULE_DESCRIPTION("aggmon update-path benchmark");
MODULE_IMPORT_NS(AGGMON_BENCH);
MODULE_LICENSE("GPL");

// SPDX-License-Identifier: GPL-2.0
/*
 * aggmon selftests - the watch of a gauge without a global lock: per-CPU
 * budgets, the first attach and last detach racing with updates, CPU
 * hotplug, and the caps on what unprivileged callers may attach.
 *
 * A watched gauge (one with a statistic attached) gives each CPU a budget
 * while its value is far from every bound (threshold and cancel values,
 * the current watermarks): updates within the budget stay on the CPU, an
 * update that leaves it takes the watch lock, recalls every budget,
 * applies itself in order and grants budgets again.  Rate and
 * leaky-bucket statistics keep the gauge serialised.  What each test
 * proves:
 *
 * budget_model: 4 threads pinned to CPUs 0-3 make BUDGET_MODEL_UPDATES
 *	(10^6) +1/-1 steps in rounds, drifting so that the sum sweeps
 *	-6000..+6000 again and again across thresholds of every kind far
 *	apart.  For a third of the rounds a rate and a leaky bucket
 *	(attached and detached while the threads run) serialise the gauge.
 *	At every round's end: the gauge and the ABSOLUTE statistic are the
 *	exact sum of the steps; the watermarks lie between every value seen
 *	and the most any order of the steps can reach; every event is exact
 *	whatever the order (FIRED at the threshold's value, CANCELLED one
 *	step past the cancel value, strict alternation, seq without a gap,
 *	nothing lost) and the threshold's state agrees with the value the
 *	gauge holds; a watermark threshold fired iff the watermark reached
 *	it.  Every threshold the sweep crosses fired, several times.
 *
 * attach_storm: 4 threads pinned to CPUs 0-3 add random deltas in
 *	[-10, 10] while the main thread makes STORM_CYCLES (10^4) attach or
 *	detach steps (0 to 3 statistics, some with a far threshold), so that
 *	the first attach and the last detach race with updates thousands of
 *	times.  While it runs every value read lies in the envelope of what
 *	the threads may have added and no far threshold fires; afterwards
 *	the gauge, and a new ABSOLUTE statistic, are the exact sum, SET is
 *	exact, and single updates from each CPU in turn give exact values,
 *	watermarks and events.
 *
 * caps_unprivileged: at kernel.aggmon_paranoid=1, a caller without
 *	CAP_PERFMON who does not own the gauge attaches at most
 *	AGGMON_WATCH_UNPRIV_MAX (256) statistics and thresholds to it, the
 *	next statistic or threshold gets ENOSPC and closing one lets one
 *	more in; what the owner (uid 0 without capabilities) and root attach
 *	does not count, and neither is capped; a process's objects stop
 *	counting when it exits; an unprivileged owner attaches more than 256
 *	to its own gauge; a kernel gauge (owned by nobody) caps both uid 0
 *	without capabilities and uid 65534 at 256.  The count is checked the
 *	same whether it is per gauge or per caller (one unprivileged
 *	non-owner at a time).  Without CAP_PERFMON a rate or leaky-bucket
 *	period below AGGMON_PERIOD_MIN_UNPRIV_NS (10 ms) is EPERM, owner or
 *	not; below AGGMON_PERIOD_MIN_NS (1 ms) it stays EINVAL; root may
 *	use 1 ms.
 *
 * hotplug: 4 unpinned threads update a gauge with ABSOLUTE, HWM and LWM
 *	statistics and far thresholds while CPUs 1-3 go offline and online
 *	HOTPLUG_ROUNDS times (skipped where cpu1 cannot go offline).  No
 *	update is lost or counted twice: the gauge and the ABSOLUTE
 *	statistic are the exact sum with CPUs offline and online again, the
 *	watermarks stay in the envelope, no far threshold fires, and SET and
 *	updates from every CPU are exact afterwards.  The CPUs are always
 *	put back online (FIXTURE_TEARDOWN_PARENT).
 *
 * AGGMON_SEED=<number> replays the random choices of a run.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "aggmon_stat_helpers.h"

/* Both come with the watch rework in <linux/aggmon.h>. */
#ifndef AGGMON_WATCH_UNPRIV_MAX
#define AGGMON_WATCH_UNPRIV_MAX		256
#endif
#ifndef AGGMON_PERIOD_MIN_UNPRIV_NS
#define AGGMON_PERIOD_MIN_UNPRIV_NS	10000000ULL	/* 10 ms */
#endif

#define GAUGE_NAME	"user.kselftest.watch"
#define DEFAULT_SEED	0x2545f4914f6cdd1dULL
#define NR_TEST_CPUS	4

/* A thread's generator: never 0, different per @i. */
static __u64 seed_for(__u64 seed, int i)
{
	__u64 s = seed ^ (0x9e3779b97f4a7c15ULL * (__u64)(i + 1));

	return s ? s : 1;
}

static __u64 test_seed(struct __test_metadata *_metadata)
{
	const char *env = getenv("AGGMON_SEED");
	__u64 seed = env ? strtoull(env, NULL, 0) : DEFAULT_SEED;

	if (!seed)
		seed = DEFAULT_SEED;
	TH_LOG("seed %#llx (set AGGMON_SEED to replay)",
	       (unsigned long long)seed);
	return seed;
}

/* CPUs 0..@n-1 are online and in this process's affinity. */
static bool have_cpus(int n)
{
	cpu_set_t set;
	int cpu;

	if (sysconf(_SC_NPROCESSORS_ONLN) < n)
		return false;
	if (sched_getaffinity(0, sizeof(set), &set))
		return false;
	for (cpu = 0; cpu < n; cpu++)
		if (!CPU_ISSET(cpu, &set))
			return false;
	return true;
}

/* Pins the calling thread to @cpu: 0, or an errno. */
static int pin_self(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		return errno;
	return sched_getcpu() == cpu ? 0 : EXDEV;
}

static void nap_ms(long ms)
{
	sleep_until_ns(now_ns() + (__u64)ms * NSEC_PER_MSEC);
}

/* The value and level of a statistic. */
static void stat_get(struct __test_metadata *_metadata, int fd, __s64 *value,
		     __s64 *level)
{
	struct aggmon_stat_info info;

	ASSERT_EQ(0, stat_info(fd, &info)) TH_LOG("%s", strerror(errno));
	ASSERT_EQ(0u, info.state);
	*value = info.value;
	if (level)
		*level = info.level;
}

static __s64 stat_val(struct __test_metadata *_metadata, int fd)
{
	__s64 v;

	stat_get(_metadata, fd, &v, NULL);
	return v;
}

/*
 * Reads records from a non-blocking fd until EAGAIN or @max of them:
 * how many, or -1 with errno set.
 */
static int drain_fd(int fd, struct aggmon_event *buf, int max)
{
	ssize_t r;
	int n = 0;

	while (n < max) {
		r = read_events(fd, buf + n, max - n);
		if (r < 0)
			return errno == EAGAIN ? n : -1;
		if (r == 0 || r % sizeof(*buf)) {
			errno = EPROTO;	/* only whole records */
			return -1;
		}
		n += r / sizeof(*buf);
	}
	return n;
}

static void log_record(struct __test_metadata *_metadata,
		       const struct aggmon_event *e)
{
	TH_LOG("record: seq %llu type %u flags %#x value %lld lost %llu",
	       (unsigned long long)e->seq, e->type, e->flags,
	       (long long)e->value, (unsigned long long)e->lost);
	TH_LOG("record: time %llu ids %llu/%llu/%llu",
	       (unsigned long long)e->time_ns,
	       (unsigned long long)e->gauge_id,
	       (unsigned long long)e->stat_id,
	       (unsigned long long)e->threshold_id);
}

/* Nothing is queued on the non-blocking threshold fd @fd. */
static void check_quiet(struct __test_metadata *_metadata, int fd)
{
	struct aggmon_event e;

	memset(&e, 0, sizeof(e));
	ASSERT_EQ(-1, read_events(fd, &e, 1)) log_record(_metadata, &e);
	ASSERT_EQ(EAGAIN, errno);
}

/*
 * Thresholds whose events are checked.  The statistic is one of S_*; the
 * first three follow the gauge's exact values, so their events are exact
 * whatever the order of unit steps; the rate and the bucket depend on
 * time, so only what holds for any value is checked for them.
 */
enum { S_ABS, S_HWM, S_LWM, S_RATE, S_BUCKET, NR_S };

struct wdef {
	int stat;
	__u32 kind;
	__s64 value;
	__s64 cancel;
	__u32 flags;
};

struct wthr {
	struct wdef d;
	int fd;
	__u64 id;
	__u64 stat_id;
	__u64 gauge_id;
	__u64 seq;		/* of the last record read */
	bool fired;		/* cancel kinds: fired and not cancelled */
	long fired_n;
	long cancelled_n;
};

static __s64 cancel_of(const struct wdef *d)
{
	return d->flags & HYST ? d->cancel : d->value;
}

static bool exact_stat(int stat)
{
	return stat == S_ABS || stat == S_HWM || stat == S_LWM;
}

/* The value @x is at or past the threshold's firing value. */
static bool is_past(const struct wdef *d, __s64 x)
{
	return is_above(d->kind) ? x >= d->value : x <= d->value;
}

/* The value @x is beyond the threshold's cancel value. */
static bool is_back(const struct wdef *d, __s64 x)
{
	__s64 c = cancel_of(d);

	return is_above(d->kind) ? x < c : x > c;
}

/* Creates a threshold on a statistic; its fd is left O_NONBLOCK. */
static void wthr_open(struct __test_metadata *_metadata, struct wthr *t,
		      const struct wdef *d, int stat_fd, __u64 stat_id,
		      __u64 gauge_id, __u32 queue_len)
{
	memset(t, 0, sizeof(*t));
	t->d = *d;
	t->fd = threshold_create(stat_fd, d->kind, d->value, d->cancel,
				 d->flags, queue_len, &t->id);
	ASSERT_LE(0, t->fd) {
		TH_LOG("THRESHOLD_CREATE stat %d kind %u value %lld: %s",
		       d->stat, d->kind, (long long)d->value,
		       strerror(errno));
	}
	ASSERT_NE(0ULL, t->id);
	ASSERT_EQ(0, set_nonblock(t->fd, 1));
	t->stat_id = stat_id;
	t->gauge_id = gauge_id;
}

/*
 * Checks one record of @t against what holds for every order of unit
 * steps, and moves @t's state on; false (and a log) if it cannot be.
 */
static bool wthr_record(struct __test_metadata *_metadata, struct wthr *t,
			const struct aggmon_event *e, __u64 now)
{
	bool exact = exact_stat(t->d.stat), above = is_above(t->d.kind);
	__u32 flags_ok = exact ? 0 : F_TIMER;
	__s64 c = cancel_of(&t->d);
	bool ok;

	/* Time-driven thresholds are created while the gauge moves. */
	if (!exact && e->seq == 1 && e->type == FIRED)
		flags_ok |= F_INITIAL;
	ok = e->seq == t->seq + 1 && !e->lost && !(e->flags & ~flags_ok) &&
	     e->gauge_id == t->gauge_id && e->stat_id == t->stat_id &&
	     e->threshold_id == t->id && e->time_ns <= now;
	switch (e->type) {
	case AGGMON_EVENT_FIRED:
		if (is_cancel_kind(t->d.kind) && t->fired)
			ok = false;
		if (exact) {
			/* Unit steps reach the value exactly. */
			if (e->value != t->d.value)
				ok = false;
			/* A watermark never moves back: it fires once. */
			if (t->d.stat != S_ABS && t->fired_n)
				ok = false;
		} else if (!is_past(&t->d, e->value)) {
			ok = false;
		}
		t->fired = true;
		t->fired_n++;
		break;
	case AGGMON_EVENT_CANCELLED:
		if (!is_cancel_kind(t->d.kind) || !t->fired)
			ok = false;
		if (exact) {
			/* One step beyond the cancel value, on the gauge. */
			if (t->d.stat != S_ABS ||
			    e->value != (above ? c - 1 : c + 1))
				ok = false;
		} else if (!is_back(&t->d, e->value)) {
			ok = false;
		}
		t->fired = false;
		t->cancelled_n++;
		break;
	default:
		ok = false;
		break;
	}
	if (t->d.stat == S_BUCKET && e->value < 0)
		ok = false;
	if (!ok) {
		TH_LOG("threshold %llu (stat %d kind %u value %lld cancel %lld):",
		       (unsigned long long)t->id, t->d.stat, t->d.kind,
		       (long long)t->d.value, (long long)c);
		TH_LOG("impossible record after seq %llu",
		       (unsigned long long)t->seq);
		log_record(_metadata, e);
	}
	t->seq = e->seq;
	return ok;
}

/*
 * Reads what is queued on @t (at most @cap records may be) and checks
 * every record; *@lo and *@hi collect the values of ABSOLUTE events.
 */
static bool wthr_drain(struct __test_metadata *_metadata, struct wthr *t,
		       struct aggmon_event *buf, int cap, __s64 *lo,
		       __s64 *hi)
{
	__u64 now;
	int n, j;

	n = drain_fd(t->fd, buf, cap + 1);
	now = now_ns();
	if (n < 0 || n > cap) {
		TH_LOG("threshold %llu: %d records (%s)",
		       (unsigned long long)t->id, n,
		       n < 0 ? strerror(errno) : "more than can be queued");
		return false;
	}
	for (j = 0; j < n; j++) {
		if (!wthr_record(_metadata, t, &buf[j], now))
			return false;
		if (t->d.stat == S_ABS) {
			if (buf[j].value > *hi)
				*hi = buf[j].value;
			if (buf[j].value < *lo)
				*lo = buf[j].value;
		}
	}
	return true;
}

/*
 * One fixture for all: FIXTURE_TEARDOWN_PARENT restores
 * kernel.aggmon_paranoid and puts back online the CPUs that hotplug took
 * offline, also when the test failed or crashed.
 */
FIXTURE(watch) {
	long saved_paranoid;
	int hp_cpus[NR_TEST_CPUS];
	int hp_n;
};

FIXTURE_SETUP(watch)
{
	ASSERT_EQ(0, aggmon_sysctl_read(AGGMON_PARANOID_SYSCTL,
					&self->saved_paranoid));
	self->hp_n = 0;
}

FIXTURE_TEARDOWN_PARENT(watch)
{
	int i;

	for (i = 0; i < self->hp_n; i++)
		EXPECT_EQ(0, aggmon_cpu_set_online(self->hp_cpus[i], true))
			TH_LOG("cpu%d: %s", self->hp_cpus[i], strerror(errno));
	EXPECT_EQ(0, aggmon_sysctl_write_long(AGGMON_PARANOID_SYSCTL,
					      self->saved_paranoid));
}

/*
 * budget_model.  BM_THREADS threads pinned to CPUs 0..3 make unit steps
 * in rounds of BM_ROUND each behind barriers; at the end of a round the
 * main thread reads every threshold fd.  One update raises at most one
 * event per threshold, and a timer at most one per tenth of a period, so
 * a round cannot overflow a queue of BM_QUEUE.
 *
 * Thread i's own sum drifts towards +BM_TARGET or -BM_TARGET (3 steps in
 * 4 towards it), turning every BM_PHASE of its steps; the threads make the
 * same number of steps per round, so together they sweep the gauge between
 * about -4 * BM_TARGET and +4 * BM_TARGET, BM_UPDATES / (8 * BM_PHASE)
 * times each way.
 */
#define BM_THREADS		NR_TEST_CPUS
#ifndef BUDGET_MODEL_UPDATES
#define BUDGET_MODEL_UPDATES	1000000L
#endif
#define BM_ROUND		500L	/* steps per thread and round */
#define BM_TARGET		1500L	/* per thread: the sum sweeps +-6000 */
#define BM_PHASE		8000L	/* steps per thread between turns */
#define BM_QUEUE		AGGMON_QUEUE_LEN_MAX
#define BM_PERIOD_NS		(100 * NSEC_PER_MSEC)
#define BM_DRAIN		500

_Static_assert(BM_THREADS * BM_ROUND + 1024 <= BM_QUEUE,
	       "a round and its timers must not overflow a queue");
_Static_assert(BUDGET_MODEL_UPDATES / BM_THREADS >= 6 * BM_PHASE,
	       "the sum must sweep each way three times at least");
/* Thread i reaches its target within a phase: 3000 at a drift of 1/2. */
_Static_assert(BM_PHASE / 2 >= 5 * BM_TARGET / 2,
	       "a half phase must reach the target");

/*
 * The gauge, ABSOLUTE, HWM and LWM statistics: thresholds of every kind,
 * far apart (at least 500, so each of 4 CPUs may get 125 of room).
 */
static const struct wdef bm_defs[] = {
	{ S_ABS, ABOVE_C, 0, -1500, HYST },	/* crossed at creation */
	{ S_ABS, ABOVE, 2000, 0, 0 },
	{ S_ABS, BELOW, -2000, 0, 0 },
	{ S_ABS, ABOVE_C, 3500, 2500, HYST },
	{ S_ABS, BELOW_C, -3500, -2500, HYST },
	{ S_ABS, ABOVE, 4500, 1000, HYST },
	{ S_ABS, BELOW, -4500, -1000, HYST },
	{ S_ABS, ABOVE_C, 5000, 0, 0 },
	{ S_ABS, BELOW_C, -5000, 0, 0 },
	{ S_HWM, ABOVE_C, 3000, 0, 0 },
	{ S_HWM, ABOVE, 5000, 4000, HYST },
	{ S_HWM, ABOVE_C, 7000, 0, 0 },		/* beyond the sweep */
	{ S_LWM, BELOW_C, -3000, 0, 0 },
	{ S_LWM, BELOW, -5000, -4000, HYST },
	{ S_LWM, BELOW_C, -7000, 0, 0 },	/* beyond the sweep */
};

/* The rate and the bucket, attached for the middle third of the rounds. */
static const struct wdef bm_timed_defs[] = {
	{ S_RATE, ABOVE_C, 200, 0, 0 },
	{ S_RATE, BELOW_C, -200, 0, 0 },
	{ S_RATE, ABOVE, 400, 50, HYST },
	{ S_RATE, BELOW, -400, -50, HYST },
	{ S_BUCKET, ABOVE_C, 1000, 0, 0 },
	{ S_BUCKET, ABOVE, 2000, 500, HYST },
	{ S_BUCKET, BELOW_C, 10, 100, HYST },	/* crossed at creation */
};

#define BM_NDEFS	ARRAY_SIZE(bm_defs)
#define BM_NTIMED	ARRAY_SIZE(bm_timed_defs)

struct bm_shared {
	pthread_barrier_t start, end;
	int gfd;
	int stop;
};

struct bm_worker {
	pthread_t thread;
	struct bm_shared *sh;
	int cpu;
	__u64 rng;
	long steps;
	__s64 sum, max, min;	/* its own partial sums */
	int err;
};

struct bm {
	struct bm_shared sh;
	struct bm_worker w[BM_THREADS];
	int gfd;
	__u64 gid;
	int sfd[NR_S];
	__u64 sid[NR_S];
	struct wthr t[BM_NDEFS];
	struct wthr tt[BM_NTIMED];
	bool timed;		/* the rate and the bucket are attached */
	long timed_rounds;
	struct aggmon_event *buf;
	__s64 seen_lo, seen_hi;	/* values the gauge was seen at */
	__s64 hwm, lwm;
	__s64 sum;		/* the gauge at the last round's end */
};

static void bm_step(struct bm_worker *w)
{
	long p = (w->steps + BM_PHASE / 2) % (2 * BM_PHASE);
	__s64 target = p < BM_PHASE ? BM_TARGET : -BM_TARGET;
	unsigned int r = xorshift64(&w->rng) & 3;
	__s64 d;
	bool up;

	if (w->sum < target)
		up = r != 0;
	else if (w->sum > target)
		up = r == 0;
	else
		up = r & 1;
	d = up ? 1 : -1;
	if (aggmon_update(w->sh->gfd, AGGMON_UPDATE_ADD, d)) {
		w->err = errno;
		return;
	}
	w->steps++;
	w->sum += d;
	if (w->sum > w->max)
		w->max = w->sum;
	if (w->sum < w->min)
		w->min = w->sum;
}

static void *bm_worker_fn(void *arg)
{
	struct bm_worker *w = arg;
	struct bm_shared *sh = w->sh;
	long i;

	w->err = pin_self(w->cpu);
	for (;;) {
		pthread_barrier_wait(&sh->start);
		if (__atomic_load_n(&sh->stop, __ATOMIC_ACQUIRE))
			break;
		for (i = 0; !w->err && i < BM_ROUND; i++)
			bm_step(w);
		pthread_barrier_wait(&sh->end);
	}
	return NULL;
}

static void bm_open_stat(struct __test_metadata *_metadata, struct bm *m,
			 int s, __u32 kind, __u64 period_ns, __s64 drain)
{
	m->sfd[s] = stat_create(m->gid, kind, period_ns, drain, &m->sid[s]);
	ASSERT_LE(0, m->sfd[s])
		TH_LOG("STAT_CREATE kind %u: %s", kind, strerror(errno));
}

/* Attaches the rate, the bucket and their thresholds. */
static void bm_attach_timed(struct __test_metadata *_metadata, struct bm *m)
{
	size_t k;

	bm_open_stat(_metadata, m, S_RATE, RATE, BM_PERIOD_NS, 0);
	bm_open_stat(_metadata, m, S_BUCKET, BUCKET, BM_PERIOD_NS, BM_DRAIN);
	for (k = 0; k < BM_NTIMED; k++) {
		int s = bm_timed_defs[k].stat;

		wthr_open(_metadata, &m->tt[k], &bm_timed_defs[k], m->sfd[s],
			  m->sid[s], m->gid, BM_QUEUE);
	}
	m->timed = true;
}

/* Reads and checks the events of the time-driven thresholds. */
static bool bm_drain_timed(struct __test_metadata *_metadata, struct bm *m)
{
	size_t k;

	for (k = 0; k < BM_NTIMED; k++)
		if (!wthr_drain(_metadata, &m->tt[k], m->buf, BM_QUEUE,
				&m->seen_lo, &m->seen_hi))
			return false;
	return true;
}

/* Detaches them, after a last read of their events. */
static bool bm_detach_timed(struct __test_metadata *_metadata, struct bm *m)
{
	bool ok = bm_drain_timed(_metadata, m);
	size_t k;

	for (k = 0; k < BM_NTIMED; k++) {
		TH_LOG("rate/bucket threshold %zu: %ld FIRED, %ld CANCELLED",
		       k, m->tt[k].fired_n, m->tt[k].cancelled_n);
		close(m->tt[k].fd);
	}
	close(m->sfd[S_RATE]);
	close(m->sfd[S_BUCKET]);
	m->timed = false;
	return ok;
}

/*
 * At a round's end, all threads parked: the exact values, every record,
 * and the thresholds' states against the value the gauge holds.
 */
static bool bm_check_round(struct __test_metadata *_metadata, struct bm *m,
			   long r)
{
	__s64 sum = 0, hi = 0, lo = 0, x = 0, v, level;
	struct aggmon_stat_info info;
	size_t k;
	int i;

	for (i = 0; i < BM_THREADS; i++) {
		sum += m->w[i].sum;
		hi += m->w[i].max;
		lo += m->w[i].min;
	}
	if (aggmon_read1(m->gid, &x) || stat_info(m->sfd[S_ABS], &info)) {
		TH_LOG("round %ld: READ or STAT_INFO: %s", r, strerror(errno));
		return false;
	}
	if (x != sum || info.value != sum || info.level != sum) {
		TH_LOG("round %ld: READ %lld, ABSOLUTE %lld level %lld; the steps add up to %lld",
		       r, (long long)x, (long long)info.value,
		       (long long)info.level, (long long)sum);
		return false;
	}
	m->sum = sum;
	if (x > m->seen_hi)
		m->seen_hi = x;
	if (x < m->seen_lo)
		m->seen_lo = x;
	for (k = 0; k < BM_NDEFS; k++)
		if (!wthr_drain(_metadata, &m->t[k], m->buf, BM_QUEUE,
				&m->seen_lo, &m->seen_hi))
			return false;
	if (m->timed && !bm_drain_timed(_metadata, m))
		return false;

	/*
	 * The watermarks: at least every value seen, never back, and never
	 * beyond what some order of the steps reaches (each thread at its
	 * own extreme at once).
	 */
	if (stat_info(m->sfd[S_HWM], &info))
		return false;
	v = info.value;
	level = m->hwm;
	m->hwm = v;
	if (v < m->seen_hi || v < level || v > hi) {
		TH_LOG("round %ld: HWM %lld, was %lld, seen up to %lld, bound %lld",
		       r, (long long)v, (long long)level,
		       (long long)m->seen_hi, (long long)hi);
		return false;
	}
	if (stat_info(m->sfd[S_LWM], &info))
		return false;
	v = info.value;
	level = m->lwm;
	m->lwm = v;
	if (v > m->seen_lo || v > level || v < lo) {
		TH_LOG("round %ld: LWM %lld, was %lld, seen down to %lld, bound %lld",
		       r, (long long)v, (long long)level,
		       (long long)m->seen_lo, (long long)lo);
		return false;
	}

	for (k = 0; k < BM_NDEFS; k++) {
		struct wthr *t = &m->t[k];
		bool bad = false;

		switch (t->d.stat) {
		case S_HWM:
			/* Watermarks move by 1: fired iff they got there. */
			bad = t->fired_n != (long)is_past(&t->d, m->hwm);
			break;
		case S_LWM:
			bad = t->fired_n != (long)is_past(&t->d, m->lwm);
			break;
		default:
			/* The events of each update are queued when it returns. */
			bad = is_past(&t->d, x) && !t->fired;
			if (is_cancel_kind(t->d.kind) && is_back(&t->d, x) &&
			    t->fired)
				bad = true;
			break;
		}
		if (bad) {
			TH_LOG("round %ld: threshold %zu (stat %d kind %u value %lld)",
			       r, k, t->d.stat, t->d.kind,
			       (long long)t->d.value);
			TH_LOG("fired %ld cancelled %ld; gauge %lld, hwm %lld, lwm %lld",
			       t->fired_n, t->cancelled_n, (long long)x,
			       (long long)m->hwm, (long long)m->lwm);
			return false;
		}
	}
	return true;
}

TEST_F_TIMEOUT(watch, budget_model, 300)
{
	const long rounds = BUDGET_MODEL_UPDATES / (BM_THREADS * BM_ROUND);
	const long attach_round = rounds / 3, detach_round = 2 * rounds / 3;
	struct aggmon_event e[2];
	char item[AGGMON_ITEM_LEN];
	long r, steps = 0;
	__u64 seed, t0;
	struct bm *m;
	bool ok = true;
	size_t k;
	int i;

	if (!have_cpus(BM_THREADS))
		SKIP(return, "needs CPUs 0-%d online", BM_THREADS - 1);
	seed = test_seed(_metadata);
	m = calloc(1, sizeof(*m));
	ASSERT_NE(NULL, m);
	m->buf = calloc(BM_QUEUE + 1, sizeof(*m->buf));
	ASSERT_NE(NULL, m->buf);

	aggmon_pid_item(item, "_budget");
	m->gfd = aggmon_create(GAUGE_NAME, item, "", 0, &m->gid);
	ASSERT_LE(0, m->gfd);
	bm_open_stat(_metadata, m, S_ABS, ABSOLUTE, 0, 0);
	bm_open_stat(_metadata, m, S_HWM, HWM, 0, 0);
	bm_open_stat(_metadata, m, S_LWM, LWM, 0, 0);

	/* At 0 only the thresholds crossed at creation fire, at once. */
	t0 = now_ns();
	for (k = 0; k < BM_NDEFS; k++) {
		struct wthr *t = &m->t[k];

		wthr_open(_metadata, t, &bm_defs[k], m->sfd[bm_defs[k].stat],
			  m->sid[bm_defs[k].stat], m->gid, BM_QUEUE);
		if (!is_past(&t->d, 0)) {
			check_quiet(_metadata, t->fd);
			continue;
		}
		ASSERT_EQ((ssize_t)sizeof(e[0]), read_events(t->fd, e, 2));
		ASSERT_EQ(1ULL, e[0].seq);
		ASSERT_EQ(FIRED, e[0].type);
		ASSERT_EQ(F_INITIAL, e[0].flags);
		ASSERT_EQ(0, e[0].value);
		ASSERT_EQ(0ULL, e[0].lost);
		ASSERT_EQ(t->id, e[0].threshold_id);
		ASSERT_LE(t0, e[0].time_ns);
		ASSERT_GE(now_ns(), e[0].time_ns);
		t->seq = 1;
		t->fired = true;
		t->fired_n = 1;
	}

	m->sh.gfd = m->gfd;
	ASSERT_EQ(0, pthread_barrier_init(&m->sh.start, NULL, BM_THREADS + 1));
	ASSERT_EQ(0, pthread_barrier_init(&m->sh.end, NULL, BM_THREADS + 1));
	for (i = 0; i < BM_THREADS; i++) {
		m->w[i].sh = &m->sh;
		m->w[i].cpu = i;
		m->w[i].rng = seed_for(seed, i);
		ASSERT_EQ(0, pthread_create(&m->w[i].thread, NULL,
					    bm_worker_fn, &m->w[i]));
	}

	for (r = 0; ok && r < rounds; r++) {
		pthread_barrier_wait(&m->sh.start);
		/* The rate and the bucket come and go while the steps run. */
		if (r == attach_round)
			bm_attach_timed(_metadata, m);
		if (r == detach_round)
			ok = bm_detach_timed(_metadata, m);
		pthread_barrier_wait(&m->sh.end);
		m->timed_rounds += m->timed;
		for (i = 0; i < BM_THREADS; i++) {
			if (m->w[i].err) {
				TH_LOG("round %ld, thread %d: %s", r, i,
				       strerror(m->w[i].err));
				ok = false;
			}
		}
		if (ok)
			ok = bm_check_round(_metadata, m, r);
	}
	__atomic_store_n(&m->sh.stop, 1, __ATOMIC_RELEASE);
	pthread_barrier_wait(&m->sh.start);
	for (i = 0; i < BM_THREADS; i++)
		ASSERT_EQ(0, pthread_join(m->w[i].thread, NULL));
	ASSERT_TRUE(ok) TH_LOG("round %ld of %ld", r, rounds);
	for (i = 0; i < BM_THREADS; i++)
		steps += m->w[i].steps;
	ASSERT_EQ(rounds * BM_THREADS * BM_ROUND, steps);
	ASSERT_LE(BUDGET_MODEL_UPDATES - BM_THREADS * BM_ROUND, steps);
	ASSERT_EQ(detach_round - attach_round, m->timed_rounds);

	/* No dry run: the sweep went past every crossing, several times. */
	ASSERT_LE(5000, m->hwm);
	ASSERT_GE(-5000, m->lwm);
	for (k = 0; k < BM_NDEFS; k++) {
		struct wthr *t = &m->t[k];

		if (t->d.stat != S_ABS)
			continue;
		ASSERT_LE(3, t->fired_n) TH_LOG("threshold %zu", k);
		if (is_cancel_kind(t->d.kind))
			ASSERT_LE(2, t->cancelled_n) TH_LOG("threshold %zu", k);
	}
	for (k = 0; k < BM_NDEFS; k++)
		TH_LOG("threshold %zu (stat %d kind %u value %lld): %ld FIRED, %ld CANCELLED",
		       k, bm_defs[k].stat, bm_defs[k].kind,
		       (long long)bm_defs[k].value, m->t[k].fired_n,
		       m->t[k].cancelled_n);
	TH_LOG("%ld steps in %ld rounds (%ld with a rate and a bucket)",
	       steps, rounds, m->timed_rounds);
	TH_LOG("gauge %lld, seen %lld..%lld, hwm %lld, lwm %lld",
	       (long long)m->sum, (long long)m->seen_lo,
	       (long long)m->seen_hi, (long long)m->hwm, (long long)m->lwm);

	for (k = 0; k < BM_NDEFS; k++)
		close(m->t[k].fd);
	for (i = 0; i < S_RATE; i++)
		close(m->sfd[i]);
	close(m->gfd);
	free(m->buf);
	free(m);
}

/*
 * Threads that update a gauge until told to stop, for attach_storm and
 * hotplug.  Each publishes the extremes its own partial sum may have
 * reached before it makes the update, so that the main thread, which
 * reads them after it read the kernel, can bound any value the gauge may
 * hold: between base + the sum of the minima and base + the sum of the
 * maxima, whatever the order the updates take.
 */
enum { WALK_STORM, WALK_HOTPLUG };

#define STORM_WALK	1000	/* own sums turn back beyond +-1000 */
#define HP_WALK		250
#define HP_K		25	/* the largest +k/-k */

struct walk_shared {
	int gfd;
	int mode;
	int stop;
};

struct walker {
	pthread_t thread;
	struct walk_shared *sh;
	int cpu;		/* pinned there, or -1 */
	__u64 rng;
	__s64 sum;		/* of the updates that returned */
	__s64 max, min;		/* published before each update */
	long updates;		/* published after each update */
	int err;
};

static __s64 walk_delta(struct walker *w)
{
	__u64 r = xorshift64(&w->rng);
	__s64 d, bound;

	if (w->sh->mode == WALK_STORM) {
		d = (__s64)(r % 21) - 10;
		bound = STORM_WALK;
	} else {
		/* +1/-1 half of the time, else +k/-k, 2 <= k <= HP_K. */
		d = r & 1 ? 1 : 2 + (__s64)((r >> 8) % (HP_K - 1));
		if (r & 2)
			d = -d;
		bound = HP_WALK;
	}
	if ((w->sum > bound && d > 0) || (w->sum < -bound && d < 0))
		d = -d;
	return d;
}

static void *walker_fn(void *arg)
{
	struct walker *w = arg;
	__s64 d, next;

	if (w->cpu >= 0)
		w->err = pin_self(w->cpu);
	while (!w->err && !__atomic_load_n(&w->sh->stop, __ATOMIC_ACQUIRE)) {
		d = walk_delta(w);
		next = w->sum + d;
		if (next > w->max)
			__atomic_store_n(&w->max, next, __ATOMIC_SEQ_CST);
		if (next < w->min)
			__atomic_store_n(&w->min, next, __ATOMIC_SEQ_CST);
		if (aggmon_update(w->sh->gfd, AGGMON_UPDATE_ADD, d)) {
			w->err = errno;
			break;
		}
		w->sum = next;
		__atomic_store_n(&w->updates, w->updates + 1,
				 __ATOMIC_RELEASE);
	}
	return NULL;
}

static long walk_updates(struct walker *w, int n)
{
	long sum = 0;
	int i;

	for (i = 0; i < n; i++)
		sum += __atomic_load_n(&w[i].updates, __ATOMIC_ACQUIRE);
	return sum;
}

/* Starts @n walkers and waits until each has made an update. */
static void walk_start(struct __test_metadata *_metadata,
		       struct walk_shared *sh, struct walker *w, int n,
		       bool pinned, __u64 seed)
{
	__u64 deadline;
	int i;

	for (i = 0; i < n; i++) {
		memset(&w[i], 0, sizeof(w[i]));
		w[i].sh = sh;
		w[i].cpu = pinned ? i : -1;
		w[i].rng = seed_for(seed, i);
		ASSERT_EQ(0, pthread_create(&w[i].thread, NULL, walker_fn,
					    &w[i]));
	}
	deadline = now_ns() + 60000 * NSEC_PER_MSEC;
	for (i = 0; i < n; i++) {
		while (!__atomic_load_n(&w[i].updates, __ATOMIC_ACQUIRE)) {
			ASSERT_EQ(0, __atomic_load_n(&w[i].err,
						     __ATOMIC_RELAXED))
				TH_LOG("walker %d: %s", i,
				       strerror(w[i].err));
			ASSERT_GT(deadline, now_ns())
				TH_LOG("walker %d made no update", i);
			sched_yield();
		}
	}
}

/* Stops and joins the walkers: the sum of what they added. */
static __s64 walk_stop(struct __test_metadata *_metadata,
		       struct walk_shared *sh, struct walker *w, int n)
{
	__s64 sum = 0;
	int i;

	__atomic_store_n(&sh->stop, 1, __ATOMIC_RELEASE);
	for (i = 0; i < n; i++)
		ASSERT_EQ(0, pthread_join(w[i].thread, NULL));
	for (i = 0; i < n; i++) {
		ASSERT_EQ(0, w[i].err) TH_LOG("walker %d: %s", i,
					      strerror(w[i].err));
		sum += w[i].sum;
	}
	return sum;
}

/* What the gauge may hold now or before: [*lo, *hi]. */
static void walk_envelope(struct walker *w, int n, __s64 base, __s64 *lo,
			  __s64 *hi)
{
	int i;

	*lo = *hi = base;
	for (i = 0; i < n; i++) {
		*hi += __atomic_load_n(&w[i].max, __ATOMIC_SEQ_CST);
		*lo += __atomic_load_n(&w[i].min, __ATOMIC_SEQ_CST);
	}
}

/* A value read from the kernel while the walkers run lies in the envelope. */
#define CHECK_IN_ENVELOPE(w, n, base, value, what)			\
	do {								\
		const char *__what = (what);				\
		__s64 __lo, __hi, __v = (value);			\
									\
		walk_envelope((w), (n), (base), &__lo, &__hi);		\
		ASSERT_LE(__lo, __v) TH_LOG("%s", __what);		\
		ASSERT_GE(__hi, __v) TH_LOG("%s", __what);		\
	} while (0)

/*
 * Single updates from each CPU in turn, quiescent, so their order is
 * known: after each, the gauge and @abs_fd are the exact value, an
 * ABOVE_CANCEL threshold at base + 500 raises exactly the model's event,
 * and after each CPU's turn the watermarks @hwm_fd and @lwm_fd (created
 * at @base) are exact.  From the second turn on, each turn starts 500
 * below the threshold and 150 above the low watermark, room for budgets
 * on 4 CPUs, and leaves them 50 at a time.
 */
static const __s64 cpu_steps[] = {
	50, 50, 50, 50, 50, 50, 50, 50, 50, 50, 50, 50,
	-50, -50, -50, -50, -50, -50, -50, -50, -50, -50, -50, -50,
	-30, -30, -30, -30, -30, 30, 30, 30, 30, 30,
};

static void per_cpu_exact(struct __test_metadata *_metadata, int gfd,
			  __u64 gid, const int *cpus, int ncpus, __s64 base,
			  int abs_fd, int hwm_fd, int lwm_fd, struct wthr *t)
{
	__s64 x = base, hwm = base, lwm = base, g;
	struct aggmon_event e[2];
	size_t j;
	int c, err;

	for (c = 0; c < ncpus; c++) {
		err = pin_self(cpus[c]);
		ASSERT_EQ(0, err) TH_LOG("cpu %d: %s", cpus[c], strerror(err));
		for (j = 0; j < ARRAY_SIZE(cpu_steps); j++) {
			__u32 type = 0;

			ASSERT_EQ(0, aggmon_update(gfd, AGGMON_UPDATE_ADD,
						   cpu_steps[j]));
			x += cpu_steps[j];
			if (x > hwm)
				hwm = x;
			if (x < lwm)
				lwm = x;
			ASSERT_EQ(0, aggmon_read1(gid, &g));
			ASSERT_EQ(x, g) TH_LOG("cpu %d step %zu", cpus[c], j);
			ASSERT_EQ(x, stat_val(_metadata, abs_fd))
				TH_LOG("cpu %d step %zu", cpus[c], j);
			if (!t->fired && is_past(&t->d, x))
				type = FIRED;
			else if (t->fired && is_back(&t->d, x))
				type = CANCELLED;
			if (!type) {
				check_quiet(_metadata, t->fd);
				continue;
			}
			ASSERT_EQ((ssize_t)sizeof(e[0]),
				  read_events(t->fd, e, 2))
				TH_LOG("cpu %d step %zu", cpus[c], j);
			ASSERT_EQ(t->seq + 1, e[0].seq);
			ASSERT_EQ(type, e[0].type);
			ASSERT_EQ(x, e[0].value);
			ASSERT_EQ(0u, e[0].flags);
			ASSERT_EQ(0ULL, e[0].lost);
			t->seq++;
			t->fired = type == FIRED;
			if (type == FIRED)
				t->fired_n++;
			else
				t->cancelled_n++;
		}
		ASSERT_EQ(hwm, stat_val(_metadata, hwm_fd))
			TH_LOG("after cpu %d", cpus[c]);
		ASSERT_EQ(lwm, stat_val(_metadata, lwm_fd))
			TH_LOG("after cpu %d", cpus[c]);
	}
	/* Each turn went up past the threshold and back. */
	ASSERT_EQ((long)ncpus, t->fired_n);
	ASSERT_EQ((long)ncpus, t->cancelled_n);
}

/*
 * Ends with the exact checks that follow a run of walkers: the gauge is
 * @expect; a new ABSOLUTE statistic starts there; SET is exact; then
 * per_cpu_exact() on @cpus.
 */
static void exact_after(struct __test_metadata *_metadata, int gfd,
			__u64 gid, __s64 expect, __s64 set_to, const int *cpus,
			int ncpus)
{
	/* The threshold of per_cpu_exact(), 500 above @set_to. */
	const struct wdef def = { S_ABS, ABOVE_C, set_to + 500, 0, 0 };
	int afd, hfd, lfd;
	__s64 v, level;
	struct wthr t;
	__u64 id = 0;

	ASSERT_EQ(0, aggmon_read1(gid, &v));
	ASSERT_EQ(expect, v);
	afd = stat_create(gid, ABSOLUTE, 0, 0, &id);
	ASSERT_LE(0, afd);
	stat_get(_metadata, afd, &v, &level);
	ASSERT_EQ(expect, v);
	ASSERT_EQ(expect, level);

	ASSERT_EQ(0, aggmon_update(gfd, AGGMON_UPDATE_SET, set_to));
	ASSERT_EQ(0, aggmon_read1(gid, &v));
	ASSERT_EQ(set_to, v);
	ASSERT_EQ(set_to, stat_val(_metadata, afd));

	hfd = stat_create(gid, HWM, 0, 0, NULL);
	ASSERT_LE(0, hfd);
	lfd = stat_create(gid, LWM, 0, 0, NULL);
	ASSERT_LE(0, lfd);
	ASSERT_EQ(set_to, stat_val(_metadata, hfd));
	ASSERT_EQ(set_to, stat_val(_metadata, lfd));
	wthr_open(_metadata, &t, &def, afd, id, gid, 0);
	check_quiet(_metadata, t.fd);
	per_cpu_exact(_metadata, gfd, gid, cpus, ncpus, set_to, afd, hfd,
		      lfd, &t);
	close(t.fd);
	close(lfd);
	close(hfd);
	close(afd);
}

/*
 * attach_storm.  The main thread holds 0 to STORM_SLOTS statistics; in
 * each cycle it attaches one (from 0 always, from 1 with probability 1/2,
 * from 2 with 1/3) or detaches one.  It spends about a fifth of the
 * cycles at 0, so the first attach and the last detach each happen about
 * STORM_CYCLES / 5 times.
 */
#define STORM_THREADS	NR_TEST_CPUS
#ifndef STORM_CYCLES
#define STORM_CYCLES	10000L
#endif
#define STORM_SLOTS	3
#define STORM_INITIAL	1000000LL
#define STORM_FAR	1000000LL	/* the walk stays within +-4040 */

_Static_assert(STORM_THREADS * (STORM_WALK + 10) * 2 < STORM_FAR,
	       "the far thresholds must be out of reach");

struct slot {
	int sfd;
	__u64 sid;
	__u32 kind;
	int tfd;		/* a far threshold, or -1 */
};

/* A statistic of the storm: its value is one the gauge may have held. */
static void storm_check_slot(struct __test_metadata *_metadata,
			     struct walker *w, const struct slot *s)
{
	__s64 v = stat_val(_metadata, s->sfd);

	CHECK_IN_ENVELOPE(w, STORM_THREADS, STORM_INITIAL, v,
			  "a statistic of the storm");
	if (s->tfd >= 0)
		check_quiet(_metadata, s->tfd);
}

static void storm_attach(struct __test_metadata *_metadata,
			 struct walker *w, __u64 gid, struct slot *s,
			 __u64 r)
{
	static const __u32 kinds[] = { ABSOLUTE, HWM, LWM };
	bool above;

	s->kind = kinds[(r >> 8) % 3];
	s->tfd = -1;
	s->sfd = stat_create(gid, s->kind, 0, 0, &s->sid);
	ASSERT_LE(0, s->sfd) TH_LOG("STAT_CREATE: %s", strerror(errno));
	if ((r >> 16) & 3) {
		storm_check_slot(_metadata, w, s);
		return;
	}
	above = s->kind == HWM || (s->kind == ABSOLUTE && (r >> 20) & 1);
	s->tfd = threshold_create(s->sfd, above ? ABOVE : BELOW,
				  STORM_INITIAL + (above ? STORM_FAR :
						   -STORM_FAR), 0, 0, 1,
				  NULL);
	ASSERT_LE(0, s->tfd) TH_LOG("THRESHOLD_CREATE: %s", strerror(errno));
	ASSERT_EQ(0, set_nonblock(s->tfd, 1));
	storm_check_slot(_metadata, w, s);
}

static void storm_detach(struct __test_metadata *_metadata,
			 struct walker *w, struct slot *s)
{
	storm_check_slot(_metadata, w, s);
	if (s->tfd >= 0)
		ASSERT_EQ(0, close(s->tfd));
	ASSERT_EQ(0, close(s->sfd));
}

TEST_F_TIMEOUT(watch, attach_storm, 300)
{
	static const int cpus[] = { 0, 1, 2, 3 };
	struct walker w[STORM_THREADS];
	struct slot slots[STORM_SLOTS];
	long c, firsts = 0, lasts = 0, thresholds = 0, raced = 0, before;
	long during, u;
	char item[AGGMON_ITEM_LEN];
	struct walk_shared sh;
	__s64 sum, expect, v;
	int gfd, n = 0, i;
	__u64 gid = 0, rng;

	if (!have_cpus(STORM_THREADS))
		SKIP(return, "needs CPUs 0-%d online", STORM_THREADS - 1);
	rng = seed_for(test_seed(_metadata), 99);
	aggmon_pid_item(item, "_storm");
	gfd = aggmon_create(GAUGE_NAME, item, "", STORM_INITIAL, &gid);
	ASSERT_LE(0, gfd);

	memset(&sh, 0, sizeof(sh));
	sh.gfd = gfd;
	sh.mode = WALK_STORM;
	walk_start(_metadata, &sh, w, STORM_THREADS, true, rng);
	before = walk_updates(w, STORM_THREADS);
	for (c = 0; c < STORM_CYCLES; c++) {
		__u64 r = xorshift64(&rng);
		unsigned int p = r & 255;
		bool attach;

		attach = n == 0 ||
			 (n == 1 && p < 128) || (n == 2 && p < 85);
		if (attach) {
			u = walk_updates(w, STORM_THREADS);
			storm_attach(_metadata, w, gid, &slots[n], r);
			/* Updates returned while the first one attached. */
			if (n == 0)
				raced += walk_updates(w, STORM_THREADS) != u;
			thresholds += slots[n].tfd >= 0;
			firsts += n == 0;
			n++;
		} else {
			i = (int)((r >> 8) % (__u64)n);
			storm_detach(_metadata, w, &slots[i]);
			slots[i] = slots[--n];
			lasts += n == 0;
		}
		if (!(c & 63)) {
			ASSERT_EQ(0, aggmon_read1(gid, &v));
			CHECK_IN_ENVELOPE(w, STORM_THREADS, STORM_INITIAL, v,
					  "READ during the storm");
		}
	}
	during = walk_updates(w, STORM_THREADS) - before;
	sum = walk_stop(_metadata, &sh, w, STORM_THREADS);
	expect = STORM_INITIAL + sum;

	/* No update lost or counted twice, whatever was attached. */
	ASSERT_EQ(0, aggmon_read1(gid, &v));
	ASSERT_EQ(expect, v);
	for (i = 0; i < n; i++) {
		__s64 level, lo, hi;

		stat_get(_metadata, slots[i].sfd, &v, &level);
		walk_envelope(w, STORM_THREADS, STORM_INITIAL, &lo, &hi);
		if (slots[i].kind == ABSOLUTE) {
			ASSERT_EQ(expect, v);
			ASSERT_EQ(expect, level);
		} else if (slots[i].kind == HWM) {
			ASSERT_LE(expect, v);
			ASSERT_GE(hi, v);
		} else {
			ASSERT_GE(expect, v);
			ASSERT_LE(lo, v);
		}
		storm_detach(_metadata, w, &slots[i]);
	}
	TH_LOG("%ld cycles: %ld first attaches, %ld with updates meanwhile",
	       (long)STORM_CYCLES, firsts, raced);
	TH_LOG("%ld last detaches, %ld far thresholds, %ld updates",
	       lasts, thresholds, during);
	TH_LOG("sum %lld, %d statistics left attached", (long long)sum, n);
	/* It was a storm: the transitions raced with updates, often. */
	ASSERT_LE(STORM_CYCLES / 10, firsts);
	ASSERT_LE(STORM_CYCLES / 10, lasts);
	ASSERT_LE(STORM_CYCLES / 2, during);
	ASSERT_LT(0, raced);

	exact_after(_metadata, gfd, gid, expect, -STORM_INITIAL, cpus,
		    ARRAY_SIZE(cpus));
	close(gfd);
}

/*
 * caps_unprivileged.  The children talk to the parent through pipes: a
 * byte when they reach a point, a byte back to go on.  A child whose
 * parent is gone reads EOF and exits.
 */
#define CAP_MAX		AGGMON_WATCH_UNPRIV_MAX
#define CAP_MORE	300	/* more than CAP_MAX, far below the quotas */
#define CAP_FAR		1000000000000LL

_Static_assert(CAP_MORE > CAP_MAX, "CAP_MORE must pass the cap");
_Static_assert(2 * CAP_MORE + 3 * CAP_MAX < 4096,
	       "one uid's thresholds must stay below its quota");

struct chan {
	int down[2];	/* parent -> child */
	int up[2];	/* child -> parent */
};

static int chan_open(struct chan *ch)
{
	if (pipe(ch->down))
		return -1;
	if (pipe(ch->up)) {
		close(ch->down[0]);
		close(ch->down[1]);
		return -1;
	}
	return 0;
}

/* Keeps the ends of the side it is called on. */
static void chan_keep(struct chan *ch, bool child)
{
	close(child ? ch->down[1] : ch->down[0]);
	close(child ? ch->up[0] : ch->up[1]);
}

/* Closes the parent's ends, in a child that does not use @ch. */
static void chan_drop_parent(struct chan *ch)
{
	close(ch->down[1]);
	close(ch->up[0]);
}

static int chan_send(int fd, char m)
{
	return write(fd, &m, 1) == 1 ? 0 : -1;
}

static int chan_recv(int fd, char want)
{
	ssize_t n;
	char m = 0;

	do
		n = read(fd, &m, 1);
	while (n < 0 && errno == EINTR);
	return n == 1 && m == want ? 0 : -1;
}

/*
 * A pile on a gauge: one ABSOLUTE statistic and thresholds on it, each
 * too far to fire, each with a queue of one.
 */
struct pile {
	int sfd;
	int tfd[CAP_MORE];
	int nt;
};

/*
 * Attaches a pile of @n objects (the statistic and @n - 1 thresholds):
 * how many it attached, @n unless one failed (errno says why).
 */
static int pile_attach(struct pile *p, __u64 gid, int n)
{
	int fd;

	p->nt = 0;
	p->sfd = stat_create(gid, ABSOLUTE, 0, 0, NULL);
	if (p->sfd < 0)
		return 0;
	while (1 + p->nt < n) {
		fd = threshold_create(p->sfd, p->nt & 1 ? BELOW : ABOVE,
				      p->nt & 1 ? -CAP_FAR - p->nt :
						  CAP_FAR + p->nt,
				      0, 0, 1, NULL);
		if (fd < 0)
			break;
		p->tfd[p->nt++] = fd;
	}
	return 1 + p->nt;
}

static void pile_close(struct pile *p)
{
	while (p->nt)
		close(p->tfd[--p->nt]);
	close(p->sfd);
}

/* Both a statistic and a threshold on @sfd get ENOSPC. */
static void expect_full(struct __test_metadata *_metadata, __u64 gid,
			int sfd, int line)
{
	EXPECT_EQ(-1, stat_create(gid, LWM, 0, 0, NULL))
		TH_LOG("line %d", line);
	EXPECT_EQ(ENOSPC, errno) TH_LOG("line %d", line);
	EXPECT_EQ(-1, stat_create(gid, RATE, AGGMON_PERIOD_MIN_UNPRIV_NS, 0,
				  NULL))
		TH_LOG("line %d", line);
	EXPECT_EQ(ENOSPC, errno) TH_LOG("line %d", line);
	EXPECT_EQ(-1, threshold_create(sfd, BELOW, -CAP_FAR, 0, 0, 1, NULL))
		TH_LOG("line %d", line);
	EXPECT_EQ(ENOSPC, errno) TH_LOG("line %d", line);
}

#define EXPECT_FULL(gid, sfd)	expect_full(_metadata, (gid), (sfd), __LINE__)

/*
 * The periods without CAP_PERFMON, on a gauge where the caller is not
 * capped: below 10 ms EPERM, below 1 ms EINVAL, from 10 ms fine.
 */
static void expect_unpriv_periods(struct __test_metadata *_metadata,
				  __u64 gid)
{
	static const struct {
		__u32 kind;
		__u64 period_ns;
		__s64 drain;
		int err;
	} cases[] = {
		{ RATE, AGGMON_PERIOD_MIN_NS, 0, EPERM },
		{ RATE, 5 * NSEC_PER_MSEC, 0, EPERM },
		{ RATE, AGGMON_PERIOD_MIN_UNPRIV_NS - 1, 0, EPERM },
		{ RATE, AGGMON_PERIOD_MIN_UNPRIV_NS, 0, 0 },
		{ RATE, AGGMON_PERIOD_MIN_NS - 1, 0, EINVAL },
		{ RATE, 0, 0, EINVAL },
		{ BUCKET, AGGMON_PERIOD_MIN_NS, 1, EPERM },
		{ BUCKET, 5 * NSEC_PER_MSEC, 1, EPERM },
		{ BUCKET, AGGMON_PERIOD_MIN_UNPRIV_NS, 1, 0 },
		{ BUCKET, AGGMON_PERIOD_MIN_NS - 1, 1, EINVAL },
	};
	size_t i;
	int fd;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		fd = stat_create(gid, cases[i].kind, cases[i].period_ns,
				 cases[i].drain, NULL);
		if (!cases[i].err) {
			EXPECT_LE(0, fd) TH_LOG("case %zu: %s", i,
						strerror(errno));
			if (fd >= 0)
				close(fd);
			continue;
		}
		EXPECT_EQ(-1, fd) TH_LOG("case %zu", i);
		EXPECT_EQ(cases[i].err, errno) TH_LOG("case %zu", i);
	}
}

/*
 * A kernel gauge is nobody's: CAP_MAX objects, then full.  Closed again,
 * since the cap counts every such caller's objects on the gauge.  Nothing
 * to do where the kernel has no core gauge (@kernel_gid 0).
 */
static void expect_capped_on_kernel_gauge(struct __test_metadata *_metadata,
					  __u64 kernel_gid)
{
	static struct pile kern;

	if (!kernel_gid)
		return;
	EXPECT_EQ(CAP_MAX, pile_attach(&kern, kernel_gid, CAP_MAX))
		TH_LOG("on a kernel gauge: %s", strerror(errno));
	CHILD_BAIL();
	EXPECT_FULL(kernel_gid, kern.sfd);
	pile_close(&kern);
}

/* A kernel gauge (owner: nobody), or 0 if this kernel has none of them. */
static __u64 find_kernel_gauge(void)
{
	static const char *const names[] = { "fs.files", "kernel.tasks" };
	struct aggmon_gauge_info info;
	size_t i;
	__u64 id;

	for (i = 0; i < ARRAY_SIZE(names); i++)
		if (!aggmon_find(names[i], "", &id) && !aggmon_info(id, &info) &&
		    info.kind == AGGMON_GAUGE_KERNEL)
			return id;
	return 0;
}

/*
 * The owner: uid 0 without a capability.  Its objects are not capped
 * (CAP_MORE of them) and do not count against others; its periods are,
 * and so is what it attaches to a kernel gauge.
 */
static void caps_owner_child(struct __test_metadata *_metadata, __u64 gid,
			     __u64 kernel_gid, struct chan *ch)
{
	static struct pile p;
	int fd;

	EXPECT_EQ(0, aggmon_drop_caps()) TH_LOG("%s", strerror(errno));
	CHILD_BAIL();
	EXPECT_EQ(0, (int)getuid());
	EXPECT_EQ(CAP_MORE, pile_attach(&p, gid, CAP_MORE))
		TH_LOG("the owner: %s", strerror(errno));
	CHILD_BAIL();
	expect_unpriv_periods(_metadata, gid);
	CHILD_BAIL();
	/*
	 * uid 0 owns no kernel gauge: capped there.  Closed again before
	 * nobody comes, which counts on the same gauge.
	 */
	expect_capped_on_kernel_gauge(_metadata, kernel_gid);
	CHILD_BAIL();
	EXPECT_EQ(0, chan_send(ch->up[1], 'R'));
	EXPECT_EQ(0, chan_recv(ch->down[0], 'G'));
	CHILD_BAIL();
	/* With the others' objects on the gauge, still not capped. */
	fd = threshold_create(p.sfd, ABOVE, CAP_FAR, 0, 0, 1, NULL);
	EXPECT_LE(0, fd) TH_LOG("%s", strerror(errno));
	CHILD_EXIT();
}

/*
 * uid 65534 on root's gauge: CAP_MAX objects exactly, then ENOSPC for
 * both kinds; closing one lets exactly one more in.  On its own gauge it
 * is the owner, and on a kernel gauge capped again.
 */
static void caps_nobody_child(struct __test_metadata *_metadata, __u64 gid,
			      __u64 kernel_gid, struct chan *ch)
{
	static struct pile p, own;
	char item[AGGMON_ITEM_LEN];
	int s1, fd, ogfd;
	__u64 ogid = 0;

	EXPECT_EQ(0, aggmon_drop_privileges()) TH_LOG("%s", strerror(errno));
	CHILD_BAIL();
	/* The owner's CAP_MORE and root's objects leave it all CAP_MAX. */
	EXPECT_EQ(CAP_MAX - 1, pile_attach(&p, gid, CAP_MAX - 1))
		TH_LOG("on root's gauge: %s", strerror(errno));
	CHILD_BAIL();
	s1 = stat_create(gid, HWM, 0, 0, NULL);
	EXPECT_LE(0, s1) TH_LOG("object %d: %s", CAP_MAX, strerror(errno));
	CHILD_BAIL();
	EXPECT_FULL(gid, p.sfd);
	EXPECT_EQ(-1, threshold_create(s1, ABOVE, CAP_FAR, 0, 0, 1, NULL));
	EXPECT_EQ(ENOSPC, errno);
	CHILD_BAIL();

	/* Root attaches CAP_MORE meanwhile. */
	EXPECT_EQ(0, chan_send(ch->up[1], 'F'));
	EXPECT_EQ(0, chan_recv(ch->down[0], 'G'));
	CHILD_BAIL();
	EXPECT_FULL(gid, p.sfd);

	/* A threshold closed: one threshold more, then full again. */
	close(p.tfd[0]);
	p.tfd[0] = threshold_create(p.sfd, ABOVE, CAP_FAR, 0, 0, 1, NULL);
	EXPECT_LE(0, p.tfd[0]) TH_LOG("after a close: %s", strerror(errno));
	EXPECT_FULL(gid, p.sfd);
	/* A statistic closed: one statistic more, then full again. */
	close(s1);
	s1 = stat_create(gid, HWM, 0, 0, NULL);
	EXPECT_LE(0, s1) TH_LOG("after a close: %s", strerror(errno));
	EXPECT_FULL(gid, p.sfd);
	CHILD_BAIL();

	/* Its own gauge: the owner is not capped, but its periods are. */
	aggmon_pid_item(item, "_nobody");
	ogfd = aggmon_create(GAUGE_NAME, item, "", 0, &ogid);
	EXPECT_LE(0, ogfd) TH_LOG("%s", strerror(errno));
	CHILD_BAIL();
	EXPECT_EQ(CAP_MORE, pile_attach(&own, ogid, CAP_MORE))
		TH_LOG("on its own gauge: %s", strerror(errno));
	fd = threshold_create(own.sfd, BELOW, -CAP_FAR, 0, 0, 1, NULL);
	EXPECT_LE(0, fd) TH_LOG("%s", strerror(errno));
	expect_unpriv_periods(_metadata, ogid);
	CHILD_BAIL();

	/* A kernel gauge is nobody's: capped. */
	expect_capped_on_kernel_gauge(_metadata, kernel_gid);
	CHILD_EXIT();
}

/* A fresh uid 65534 process: CAP_MAX again on root's gauge, no more. */
static void caps_again_child(struct __test_metadata *_metadata, __u64 gid)
{
	static struct pile p;

	EXPECT_EQ(0, aggmon_drop_privileges()) TH_LOG("%s", strerror(errno));
	CHILD_BAIL();
	EXPECT_EQ(CAP_MAX, pile_attach(&p, gid, CAP_MAX))
		TH_LOG("%s", strerror(errno));
	CHILD_BAIL();
	EXPECT_FULL(gid, p.sfd);
	CHILD_EXIT();
}

TEST_F_TIMEOUT(watch, caps_unprivileged, 180)
{
	static struct pile root_pile;
	struct chan owner, nobody;
	char item[AGGMON_ITEM_LEN];
	pid_t opid, npid, pid;
	__u64 gid = 0, kernel_gid;
	int gfd, sfd, tfd, fd;

	signal(SIGPIPE, SIG_IGN);	/* a dead child: EPIPE, not death */
	ASSERT_EQ(0, aggmon_sysctl_write_long(AGGMON_PARANOID_SYSCTL, 1));
	kernel_gid = find_kernel_gauge();
	if (!kernel_gid)
		TH_LOG("no kernel gauge: the cap on one is not checked");

	/* Root's gauge, with root's objects on it first. */
	aggmon_pid_item(item, "_caps");
	gfd = aggmon_create(GAUGE_NAME, item, "", 0, &gid);
	ASSERT_LE(0, gfd);
	sfd = stat_create(gid, ABSOLUTE, 0, 0, NULL);
	ASSERT_LE(0, sfd);
	tfd = threshold_create(sfd, ABOVE, CAP_FAR, 0, 0, 1, NULL);
	ASSERT_LE(0, tfd);
	/* CAP_PERFMON: 1 ms is the floor, as before. */
	fd = stat_create(gid, RATE, AGGMON_PERIOD_MIN_NS, 0, NULL);
	ASSERT_LE(0, fd) TH_LOG("%s", strerror(errno));
	close(fd);
	fd = stat_create(gid, BUCKET, AGGMON_PERIOD_MIN_NS, 1, NULL);
	ASSERT_LE(0, fd) TH_LOG("%s", strerror(errno));
	close(fd);
	ASSERT_EQ(-1, stat_create(gid, RATE, AGGMON_PERIOD_MIN_NS - 1, 0,
				  NULL));
	ASSERT_EQ(EINVAL, errno);

	/* The owner without capabilities piles CAP_MORE on and waits. */
	ASSERT_EQ(0, chan_open(&owner));
	opid = fork();
	ASSERT_LE(0, opid);
	if (opid == 0) {
		chan_keep(&owner, true);
		caps_owner_child(_metadata, gid, kernel_gid, &owner);
	}
	chan_keep(&owner, false);
	ASSERT_EQ(0, chan_recv(owner.up[0], 'R')) TH_LOG("the owner failed");

	/* Nobody fills its CAP_MAX and waits. */
	ASSERT_EQ(0, chan_open(&nobody));
	npid = fork();
	ASSERT_LE(0, npid);
	if (npid == 0) {
		chan_drop_parent(&owner);
		chan_keep(&nobody, true);
		caps_nobody_child(_metadata, gid, kernel_gid, &nobody);
	}
	chan_keep(&nobody, false);
	ASSERT_EQ(0, chan_recv(nobody.up[0], 'F')) TH_LOG("nobody failed");

	/* Root is not capped, beyond nobody's CAP_MAX and the owner's. */
	ASSERT_EQ(CAP_MORE, pile_attach(&root_pile, gid, CAP_MORE))
		TH_LOG("root: %s", strerror(errno));
	ASSERT_EQ(0, chan_send(nobody.down[1], 'G'));
	ASSERT_EQ(0, aggmon_wait_child(npid)) TH_LOG("nobody failed");
	ASSERT_EQ(0, chan_send(owner.down[1], 'G'));
	ASSERT_EQ(0, aggmon_wait_child(opid)) TH_LOG("the owner failed");

	/* Nobody's objects went with it; root's still do not count. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		chan_drop_parent(&owner);
		chan_drop_parent(&nobody);
		caps_again_child(_metadata, gid);
	}
	ASSERT_EQ(0, aggmon_wait_child(pid)) TH_LOG("the second nobody failed");

	pile_close(&root_pile);
	close(tfd);
	close(sfd);
	close(gfd);
	chan_drop_parent(&owner);
	chan_drop_parent(&nobody);
}

/*
 * hotplug.  Unpinned walkers (+1/-1 and +k/-k) while CPUs 1-3 go offline
 * and online.  The walk keeps the gauge within +-4 * (HP_WALK + HP_K) =
 * +-1100, so thresholds at +-HP_FAR leave room for budgets and never fire.
 */
#define HP_THREADS	NR_TEST_CPUS
#ifndef HOTPLUG_ROUNDS
#define HOTPLUG_ROUNDS	20
#endif
#define HP_FAR		3000

_Static_assert(HP_THREADS * (HP_WALK + HP_K) < HP_FAR,
	       "the far thresholds must be out of reach");

TEST_F_TIMEOUT(watch, hotplug, 300)
{
	static const struct wdef defs[] = {
		{ S_ABS, ABOVE, HP_FAR, 0, 0 },
		{ S_ABS, BELOW, -HP_FAR, 0, 0 },
		{ S_HWM, ABOVE_C, HP_FAR, 0, 0 },
		{ S_LWM, BELOW_C, -HP_FAR, 0, 0 },
	};
	int sfd[S_RATE], cpus[NR_TEST_CPUS], ncpus = 1, gfd, i, r, c;
	struct wthr t[ARRAY_SIZE(defs)];
	struct walker w[HP_THREADS];
	char item[AGGMON_ITEM_LEN];
	long before, during, offlines = 0;
	__s64 sum, v, level, lo, hi;
	struct walk_shared sh;
	__u64 sid[S_RATE], gid = 0;
	size_t k;

	if (!aggmon_cpu_hotpluggable(1))
		SKIP(return, "cpu1 cannot go offline: %s", strerror(errno));
	/* CPUs 1-3 that can go offline; all online to begin with. */
	for (c = 1; c < NR_TEST_CPUS; c++) {
		if (!aggmon_cpu_hotpluggable(c))
			continue;
		self->hp_cpus[self->hp_n++] = c;
		ASSERT_EQ(0, aggmon_cpu_set_online(c, true))
			TH_LOG("cpu%d: %s", c, strerror(errno));
	}
	cpus[0] = 0;
	for (i = 0; i < self->hp_n; i++)
		cpus[ncpus++] = self->hp_cpus[i];

	aggmon_pid_item(item, "_hotplug");
	gfd = aggmon_create(GAUGE_NAME, item, "", 0, &gid);
	ASSERT_LE(0, gfd);
	for (i = 0; i < S_RATE; i++) {
		static const __u32 kinds[] = { ABSOLUTE, HWM, LWM };

		sfd[i] = stat_create(gid, kinds[i], 0, 0, &sid[i]);
		ASSERT_LE(0, sfd[i]);
	}
	for (k = 0; k < ARRAY_SIZE(defs); k++) {
		wthr_open(_metadata, &t[k], &defs[k], sfd[defs[k].stat],
			  sid[defs[k].stat], gid, 1);
		check_quiet(_metadata, t[k].fd);
	}

	memset(&sh, 0, sizeof(sh));
	sh.gfd = gfd;
	sh.mode = WALK_HOTPLUG;
	walk_start(_metadata, &sh, w, HP_THREADS, false,
		   seed_for(test_seed(_metadata), 7));
	before = walk_updates(w, HP_THREADS);
	for (r = 0; r < HOTPLUG_ROUNDS; r++) {
		int a = self->hp_cpus[r % self->hp_n];
		int b = self->hp_cpus[(r + 1) % self->hp_n];
		bool two = self->hp_n > 1 && (r & 1);

		ASSERT_EQ(0, aggmon_cpu_set_online(a, false))
			TH_LOG("round %d, cpu%d: %s", r, a, strerror(errno));
		offlines++;
		nap_ms(5);
		if (two) {
			ASSERT_EQ(0, aggmon_cpu_set_online(b, false))
				TH_LOG("round %d, cpu%d: %s", r, b,
				       strerror(errno));
			offlines++;
			nap_ms(5);
		}
		/*
		 * Only the watermarks: they change under the watch lock,
		 * with every budget recalled.  A READ racing with threads
		 * that migrate may sum per-CPU counts of different moments.
		 */
		CHECK_IN_ENVELOPE(w, HP_THREADS, 0,
				  stat_val(_metadata, sfd[S_HWM]),
				  "HWM, CPUs offline");
		CHECK_IN_ENVELOPE(w, HP_THREADS, 0,
				  stat_val(_metadata, sfd[S_LWM]),
				  "LWM, CPUs offline");
		ASSERT_EQ(0, aggmon_cpu_set_online(a, true))
			TH_LOG("round %d, cpu%d: %s", r, a, strerror(errno));
		if (two)
			ASSERT_EQ(0, aggmon_cpu_set_online(b, true))
				TH_LOG("round %d, cpu%d: %s", r, b,
				       strerror(errno));
		nap_ms(5);
	}
	/* The last updates with only CPU 0 online, then stop there. */
	for (i = 0; i < self->hp_n; i++)
		ASSERT_EQ(0, aggmon_cpu_set_online(self->hp_cpus[i], false));
	nap_ms(20);
	during = walk_updates(w, HP_THREADS) - before;
	sum = walk_stop(_metadata, &sh, w, HP_THREADS);
	walk_envelope(w, HP_THREADS, 0, &lo, &hi);

	/* Nothing lost or counted twice by the CPUs that went away. */
	ASSERT_EQ(0, aggmon_read1(gid, &v));
	ASSERT_EQ(sum, v);
	stat_get(_metadata, sfd[S_ABS], &v, &level);
	ASSERT_EQ(sum, v);
	ASSERT_EQ(sum, level);
	v = stat_val(_metadata, sfd[S_HWM]);
	ASSERT_LE(sum, v);
	ASSERT_GE(hi, v);
	v = stat_val(_metadata, sfd[S_LWM]);
	ASSERT_GE(sum, v);
	ASSERT_LE(lo, v);
	/* ...nor by the CPUs that came back. */
	for (i = 0; i < self->hp_n; i++)
		ASSERT_EQ(0, aggmon_cpu_set_online(self->hp_cpus[i], true));
	ASSERT_EQ(0, aggmon_read1(gid, &v));
	ASSERT_EQ(sum, v);
	ASSERT_EQ(sum, stat_val(_metadata, sfd[S_ABS]));
	for (k = 0; k < ARRAY_SIZE(defs); k++) {
		check_quiet(_metadata, t[k].fd);
		close(t[k].fd);
	}
	TH_LOG("%d rounds, %ld offlines, %ld updates meanwhile, sum %lld, envelope %lld..%lld",
	       HOTPLUG_ROUNDS, offlines, during, (long long)sum,
	       (long long)lo, (long long)hi);
	ASSERT_LE((long)HOTPLUG_ROUNDS, during);

	/* Exact afterwards, from every CPU that came back. */
	exact_after(_metadata, gfd, gid, sum, 321, cpus, ncpus);
	for (i = 0; i < S_RATE; i++)
		close(sfd[i]);
	close(gfd);
}

TEST_HARNESS_MAIN

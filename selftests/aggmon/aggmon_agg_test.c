// SPDX-License-Identifier: GPL-2.0
/*
 * aggmon selftests - aggregations: every function fed known values from
 * a user gauge (deltas and levels), exact to the last word and bucket;
 * keys and per-CPU records under concurrent updates; full buffers and
 * their drop counts; snapshots and clears, batch by batch; the kernel's
 * own timing aggregation; every errno; permissions and the quota.
 *
 * The values come from user gauges the tests update, so that every
 * record is known exactly.  Single-threaded tests run pinned to one CPU:
 * an aggregation without key fields then holds exactly one record, that
 * CPU's.  Threaded tests pin one thread to each of CPUs 0-3.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "aggmon_agg_helpers.h"

/* VER0 sizes are the sizes of the structs in this header. */
_Static_assert(sizeof(struct aggmon_agg_create_attr) ==
	       AGGMON_AGG_CREATE_SIZE_VER0, "agg create attr size");
_Static_assert(sizeof(struct aggmon_agg_info) ==
	       AGGMON_AGG_INFO_SIZE_VER0, "agg info size");
_Static_assert(sizeof(struct aggmon_agg_snapshot_attr) ==
	       AGGMON_AGG_SNAPSHOT_SIZE_VER0, "agg snapshot attr size");
_Static_assert(sizeof(struct aggmon_agg_list_attr) ==
	       AGGMON_AGG_LIST_SIZE_VER0, "agg list attr size");
_Static_assert(sizeof(struct aggmon_agg_open_attr) ==
	       AGGMON_AGG_OPEN_SIZE_VER0, "agg open attr size");
_Static_assert(sizeof(struct aggmon_agg_record) == 16, "record header");

/* Short names, so that the tables below fit in 80 columns. */
#define COUNT		((__u32)AGGMON_AGG_COUNT)
#define SUM		((__u32)AGGMON_AGG_SUM)
#define MIN		((__u32)AGGMON_AGG_MIN)
#define MAX		((__u32)AGGMON_AGG_MAX)
#define AVG		((__u32)AGGMON_AGG_AVG)
#define STDDEV		((__u32)AGGMON_AGG_STDDEV)
#define QUANT		((__u32)AGGMON_AGG_QUANTIZE)
#define LQUANT		((__u32)AGGMON_AGG_LQUANTIZE)
#define LLQUANT		((__u32)AGGMON_AGG_LLQUANTIZE)
#define DELTA		((__u32)AGGMON_AGG_SRC_GAUGE_DELTA)
#define LEVEL		((__u32)AGGMON_AGG_SRC_GAUGE_LEVEL)
#define KERNEL		((__u32)AGGMON_AGG_SRC_KERNEL)
#define K_GAUGE		((__u32)AGGMON_KEY_GAUGE)
#define K_CPU		((__u32)AGGMON_KEY_CPU)
#define K_PID		((__u32)AGGMON_KEY_PID)
#define K_TGID		((__u32)AGGMON_KEY_TGID)
#define K_UID		((__u32)AGGMON_KEY_UID)
#define K_COMM		((__u32)AGGMON_KEY_COMM)
#define K_CGROUP	((__u32)AGGMON_KEY_CGROUP)
#define K_ARG		((__u32)AGGMON_KEY_ARG)
#define ADD		((__u32)AGGMON_UPDATE_ADD)
#define SET		((__u32)AGGMON_UPDATE_SET)
#define CLEAR		((__u32)AGGMON_SNAPSHOT_CLEAR)
#define S64_MAX		INT64_MAX
#define S64_MIN		INT64_MIN
#define ALL_ONES	UINT64_MAX

#define GAUGE_NAME	"user.kselftest.agg"
#define AGG_NAME	"kselftest.agg"
#define KERNEL_AGG	"aggmon.syscall_ns"
#define ZERO_BUCKET	AGGMON_QUANTIZE_ZERO

/*
 * AGG_CREATE with a name that has no NUL within its 64 bytes: EINVAL as
 * specified for aggregation names (the general rule for strings given to
 * aggmon, and gauge names, is ENAMETOOLONG).
 */
#define NAME_NO_NUL_ERR	ENAMETOOLONG

/* Bytes of a comm, NUL included. */
#define COMM_LEN	16

/* A number that is no open fd. */
static int closed_fd(struct __test_metadata *_metadata)
{
	int fd = dup(0);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, close(fd));
	return fd;
}

/* 1 if @fd is close-on-exec, 0 if not, -1 on error. */
static int is_cloexec(int fd)
{
	int fl = fcntl(fd, F_GETFD);

	if (fl < 0)
		return -1;
	return !!(fl & FD_CLOEXEC);
}

/* Pins the calling thread to @cpu: 0, or an errno. */
static int pin_cpu(int cpu)
{
	cpu_set_t set;
	int err;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	err = pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	if (err)
		return err;
	return sched_getcpu() == cpu ? 0 : EXDEV;
}

/* The lowest CPU this thread may run on, or -1. */
static int first_allowed_cpu(void)
{
	cpu_set_t set;
	int cpu;

	if (sched_getaffinity(0, sizeof(set), &set))
		return -1;
	for (cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (CPU_ISSET(cpu, &set))
			return cpu;
	return -1;
}

/* Pins the calling thread to the lowest CPU it may use; returns it. */
static int pin_first_cpu(struct __test_metadata *_metadata)
{
	int cpu = first_allowed_cpu();

	ASSERT_LE(0, cpu);
	ASSERT_EQ(0, pin_cpu(cpu));
	return cpu;
}

/* The two key words of a comm: the name, NUL-padded to 16 bytes. */
static void comm_words(__u64 words[2], const char *name)
{
	char buf[COMM_LEN];

	memset(buf, 0, sizeof(buf));
	memcpy(buf, name, strnlen(name, COMM_LEN - 1));
	memcpy(words, buf, COMM_LEN);
}

static void set_comm(struct __test_metadata *_metadata, const char *name)
{
	ASSERT_EQ(0, prctl(PR_SET_NAME, name, 0, 0, 0)) {
		TH_LOG("PR_SET_NAME %s: %s", name, strerror(errno));
	}
}

static void get_comm(struct __test_metadata *_metadata, char name[COMM_LEN])
{
	memset(name, 0, COMM_LEN);
	ASSERT_EQ(0, prctl(PR_GET_NAME, name, 0, 0, 0));
}

static void update(struct __test_metadata *_metadata, int gfd, __u32 op,
		   __s64 value)
{
	ASSERT_EQ(0, aggmon_update(gfd, op, value)) {
		TH_LOG("GAUGE_UPDATE op %u value %lld: %s", op,
		       (long long)value, strerror(errno));
	}
}

/*
 * The reference model: an independent implementation of each function,
 * on 128 bits where the kernel needs carries.  Its bucket functions are
 * checked against tables worked out by hand (buckets_by_hand).
 */
struct fdef {
	__u32 func;
	__s64 low, high;
	__u64 step;
	__u32 factor;
	unsigned int nslots;	/* value slots, worked out by hand */
};

enum {
	F_COUNT, F_SUM, F_MIN, F_MAX, F_AVG, F_STDDEV, F_QUANT,
	F_LQ_SYM, F_LQ_ODD, F_LQ_HIGH, F_LLQ_10, F_LLQ_2, F_LLQ_10_20,
	NR_FDEFS
};

static const struct fdef fdefs[NR_FDEFS] = {
	[F_COUNT]	= { COUNT, 0, 0, 0, 0, 1 },
	[F_SUM]		= { SUM, 0, 0, 0, 0, 1 },
	[F_MIN]		= { MIN, 0, 0, 0, 0, 2 },
	[F_MAX]		= { MAX, 0, 0, 0, 0, 2 },
	[F_AVG]		= { AVG, 0, 0, 0, 0, 3 },
	[F_STDDEV]	= { STDDEV, 0, 0, 0, 0, 6 },
	[F_QUANT]	= { QUANT, 0, 0, 0, 0, AGGMON_QUANTIZE_BUCKETS },
	/* [-10, 10) by 5: 4 levels. */
	[F_LQ_SYM]	= { LQUANT, -10, 10, 5, 0, 6 },
	/* [0, 10) by 3: 3 levels, so 9 already overflows. */
	[F_LQ_ODD]	= { LQUANT, 0, 10, 3, 0, 5 },
	[F_LQ_HIGH]	= { LQUANT, 1000, 2000, 100, 0, 12 },
	/* llquantize(10, 0, 2, 10): 1-9, 10-99 by 10, 100-999 by 100. */
	[F_LLQ_10]	= { LLQUANT, 0, 2, 10, 10, 29 },
	/* llquantize(2, 0, 3, 4). */
	[F_LLQ_2]	= { LLQUANT, 0, 3, 4, 2, 9 },
	/* llquantize(10, 1, 3, 20): 20 steps per order from 10. */
	[F_LLQ_10_20]	= { LLQUANT, 1, 3, 20, 10, 56 },
};

static unsigned int fls64_u(__u64 x)
{
	return x ? 64 - __builtin_clzll(x) : 0;
}

/* 63 + fls64(v) for v >= 0; mirrored below 63 for v < 0, down to 0. */
static unsigned int ref_quantize(__s64 v)
{
	unsigned int k;

	if (v >= 0)
		return ZERO_BUCKET + fls64_u((__u64)v);
	k = fls64_u((__u64)0 - (__u64)v);
	return k >= ZERO_BUCKET ? 0 : ZERO_BUCKET - k;
}

static __int128_t ref_levels(const struct fdef *d)
{
	return ((__int128_t)d->high - d->low) / (__int128_t)d->step;
}

static unsigned int ref_lquantize(const struct fdef *d, __s64 v)
{
	__int128_t levels = ref_levels(d), level;

	if (v < d->low)
		return 0;
	level = ((__int128_t)v - d->low) / (__int128_t)d->step;
	return level < levels ? 1 + (unsigned int)level :
				(unsigned int)levels + 1;
}

/*
 * DTrace's dtrace_aggregate_llquantize_bucket(), on 128 bits.  Where
 * factor^(m+2) would not fit in 64 bits, order m takes what lies above
 * it in its top bucket (no test uses such parameters).
 */
static unsigned int ref_llquantize(const struct fdef *d, __s64 v)
{
	__int128_t value = v, this = 1, last, next, nbuckets;
	__int128_t step = d->step;
	unsigned int base = 1;
	__s64 order;

	for (order = 0; order < d->low; order++)
		this *= d->factor;
	last = this;
	if (value < last)
		return 0;
	this *= d->factor;
	for (; order <= d->high; order++) {
		nbuckets = this < step ? this : step;
		next = this * d->factor;
		if (next > S64_MAX && value >= this)
			value = this - 1;
		if (value < this)
			return base + (unsigned int)((value - last) /
						     (this / nbuckets));
		base += (unsigned int)(nbuckets - nbuckets / d->factor);
		last = this;
		this = next;
	}
	return base;
}

static unsigned int ref_bucket(const struct fdef *d, __s64 v)
{
	switch (d->func) {
	case QUANT:
		return ref_quantize(v);
	case LQUANT:
		return ref_lquantize(d, v);
	default:
		return ref_llquantize(d, v);
	}
}

static unsigned int ref_nslots(const struct fdef *d)
{
	switch (d->func) {
	case COUNT:
	case SUM:
		return 1;
	case MIN:
	case MAX:
		return 2;
	case AVG:
		return 3;
	case STDDEV:
		return 6;
	case QUANT:
		return AGGMON_QUANTIZE_BUCKETS;
	case LQUANT:
		return (unsigned int)ref_levels(d) + 2;
	default:
		return ref_llquantize(d, S64_MAX) + 1;
	}
}

struct ref {
	const struct fdef *d;
	unsigned int nslots;
	__u64 *s;
};

static void ref_init(struct __test_metadata *_metadata, struct ref *r,
		     const struct fdef *d)
{
	r->d = d;
	r->nslots = ref_nslots(d);
	r->s = calloc(r->nslots, sizeof(*r->s));
	ASSERT_NE(NULL, r->s);
}

/* Adds @v, sign-extended, to the 128-bit integer at @w. */
static void ref_add_s128(__u64 *w, __s64 v)
{
	__uint128_t x = ((__uint128_t)w[1] << 64) | w[0];

	x += (__uint128_t)(__int128_t)v;
	w[0] = (__u64)x;
	w[1] = (__u64)(x >> 64);
}

/* Adds @v squared to the 192-bit integer at @w. */
static void ref_add_square(__u64 *w, __s64 v)
{
	__uint128_t sq = (__uint128_t)((__int128_t)v * v);
	__uint128_t lo = ((__uint128_t)w[1] << 64) | w[0];
	__uint128_t sum = lo + sq;

	w[2] += sum < lo;
	w[0] = (__u64)sum;
	w[1] = (__u64)(sum >> 64);
}

static void ref_apply(struct ref *r, __s64 v)
{
	__u64 *s = r->s;

	switch (r->d->func) {
	case COUNT:
		s[0]++;
		break;
	case SUM:
		s[0] += (__u64)v;
		break;
	case MIN:
		if (!s[0] || v < (__s64)s[1])
			s[1] = (__u64)v;
		s[0]++;
		break;
	case MAX:
		if (!s[0] || v > (__s64)s[1])
			s[1] = (__u64)v;
		s[0]++;
		break;
	case AVG:
		s[0]++;
		ref_add_s128(&s[1], v);
		break;
	case STDDEV:
		s[0]++;
		ref_add_s128(&s[1], v);
		ref_add_square(&s[3], v);
		break;
	default:
		s[ref_bucket(r->d, v)]++;
		break;
	}
}

/* An aggregation under test, with its dictionary entry and its model. */
struct tagg {
	int fd;
	__u64 id;
	struct aggmon_agg_info info;
	struct ref ref;
};

/* Creates @t; checks the id and the slots the dictionary reports. */
static void tagg_open(struct __test_metadata *_metadata, struct tagg *t,
		      const char *name, const struct fdef *d, __u32 source,
		      __u64 gauge_id, __u32 nkeys, const __u32 *keys,
		      __u32 entries)
{
	struct aggmon_agg_create_attr attr;

	agg_attr_init(&attr, name, d->func, source, gauge_id);
	attr.low = d->low;
	attr.high = d->high;
	attr.step = d->step;
	attr.factor = d->factor;
	attr.entries = entries;
	agg_attr_keys(&attr, nkeys, keys);
	t->fd = agg_create(&attr);
	ASSERT_LE(0, t->fd) {
		TH_LOG("AGG_CREATE %s func %u source %u: %s", name, d->func,
		       source, strerror(errno));
	}
	t->id = attr.id;
	ASSERT_NE(0ULL, t->id);
	ASSERT_EQ(0, agg_info(t->fd, &t->info));
	ASSERT_EQ(t->id, t->info.id);
	ref_init(_metadata, &t->ref, d);
	ASSERT_EQ(d->nslots, t->ref.nslots);
	ASSERT_EQ(t->ref.nslots, t->info.value_slots) {
		TH_LOG("func %u", d->func);
	}
}

static void tagg_close(struct tagg *t)
{
	close(t->fd);
	free(t->ref.s);
	t->ref.s = NULL;
}

/*
 * Reads a whole snapshot of @fd into @s and checks every record's
 * header: the aggregation's id, a CPU below nr_cpus, __reserved 0; and
 * that the snapshot holds as many records as its total says.
 */
static void take(struct __test_metadata *_metadata, int where, int fd,
		 __u32 flags, struct agg_snap *s)
{
	size_t i;

	ASSERT_EQ(0, agg_snapshot_all(fd, flags, 0, s)) {
		TH_LOG("line %d: snapshot: %s", where, strerror(errno));
	}
	ASSERT_NE(0ULL, s->generation);
	ASSERT_EQ(s->total, (__u64)s->nrec);
	ASSERT_EQ(s->info.nr_cpus, s->nr_cpus);
	for (i = 0; i < s->nrec; i++) {
		const struct aggmon_agg_record *r = agg_rec(s, i);

		ASSERT_EQ(s->info.id, r->agg_id) TH_LOG("line %d", where);
		ASSERT_GT(s->info.nr_cpus, r->cpu) TH_LOG("line %d", where);
		ASSERT_EQ(0u, r->__reserved) TH_LOG("line %d", where);
	}
}

#define TAKE(fd, flags, s)	take(_metadata, __LINE__, (fd), (flags), (s))

/* The value words of a record of @s. */
static const __u64 *rec_value(const struct agg_snap *s, size_t i)
{
	return agg_rec(s, i)->data + s->info.key_slots;
}

/*
 * @t holds exactly one record, from @cpu, with the key @key (key_slots
 * words, unless NULL) and the value of its reference model.
 */
static void check_tagg(struct __test_metadata *_metadata, int where,
		       struct tagg *t, unsigned int cpu, const __u64 *key)
{
	struct agg_snap s;
	const __u64 *value;
	unsigned int i;

	take(_metadata, where, t->fd, 0, &s);
	ASSERT_EQ((size_t)1, s.nrec) {
		TH_LOG("line %d: func %u source %u", where, t->info.func,
		       t->info.source);
	}
	ASSERT_EQ(cpu, agg_rec(&s, 0)->cpu);
	for (i = 0; key && i < s.info.key_slots; i++)
		ASSERT_EQ(key[i], agg_rec(&s, 0)->data[i]);
	value = rec_value(&s, 0);
	for (i = 0; i < t->ref.nslots; i++) {
		ASSERT_EQ(t->ref.s[i], value[i]) {
			TH_LOG("line %d: func %u source %u: slot %u", where,
			       t->info.func, t->info.source, i);
			TH_LOG("parameters %lld %lld %llu %u",
			       (long long)t->info.low, (long long)t->info.high,
			       (unsigned long long)t->info.step,
			       t->info.factor);
		}
	}
	agg_snap_free(&s);
}

/* A gauge of this test and the CPU the test runs pinned to. */
FIXTURE(one_cpu) {
	int gfd;
	__u64 gid;
	int nr_cpus;
	int cpu;
	char comm[COMM_LEN];
};

FIXTURE_SETUP(one_cpu)
{
	char item[AGGMON_ITEM_LEN];

	self->nr_cpus = agg_possible_cpus();
	ASSERT_LT(0, self->nr_cpus);
	aggmon_pid_item(item, "");
	self->gfd = aggmon_create(GAUGE_NAME, item, "", 0, &self->gid);
	ASSERT_LE(0, self->gfd);
	self->cpu = pin_first_cpu(_metadata);
	get_comm(_metadata, self->comm);
}

FIXTURE_TEARDOWN(one_cpu)
{
	prctl(PR_SET_NAME, self->comm, 0, 0, 0);
	if (self->gfd >= 0)
		close(self->gfd);
}

/*
 * AGG_CREATE returns an fd and a non-zero id; AGG_INFO gives the
 * dictionary entry: everything as created, the slots of the key and the
 * value, the record size, the default of 1024 entries, nr_cpus (the
 * possible CPUs), the creator's uid and the gauge.  Ids of aggregations
 * alive together differ, even under one name.  A new aggregation's
 * snapshot is empty.
 */
TEST_F(one_cpu, create_info)
{
	static const __u32 all_keys[] = {
		K_GAUGE, K_CPU, K_PID, K_TGID, K_UID, K_COMM, K_CGROUP,
	};
	static const struct {
		unsigned int f;
		__u32 source;
		__u32 nkeys;
		__u32 keys[AGGMON_AGG_KEYS_MAX];
		__u32 entries;
		__u32 key_slots;
		__u32 exp_entries;
	} cases[] = {
		{ F_COUNT, DELTA, 0, { 0 }, 0, 0, 1024 },
		{ F_SUM, LEVEL, 1, { K_GAUGE }, 1, 1, 1 },
		{ F_MIN, DELTA, 1, { K_CPU }, 7, 1, 7 },
		{ F_MAX, LEVEL, 2, { K_COMM, K_CPU }, 0, 3, 1024 },
		{ F_AVG, DELTA, 3, { K_PID, K_TGID, K_UID }, 100, 3, 100 },
		/* 58254 sets of 16 + 8 * 7 bytes: just under 4 MiB. */
		{ F_STDDEV, LEVEL, 1, { K_CGROUP }, 58254, 1, 58254 },
		{ F_QUANT, DELTA, 7, { K_GAUGE, K_CPU, K_PID, K_TGID, K_UID,
				       K_COMM, K_CGROUP }, 0, 8, 1024 },
		{ F_LQ_SYM, LEVEL, 0, { 0 }, 0, 0, 1024 },
		{ F_LQ_ODD, DELTA, 1, { K_COMM }, 2, 2, 2 },
		{ F_LQ_HIGH, LEVEL, 1, { K_UID }, 0, 1, 1024 },
		{ F_LLQ_10, DELTA, 1, { K_TGID }, 0, 1, 1024 },
		{ F_LLQ_2, LEVEL, 2, { K_CPU, K_GAUGE }, 3, 2, 3 },
		{ F_LLQ_10_20, DELTA, 0, { 0 }, 0, 0, 1024 },
	};
	struct aggmon_agg_create_attr attr;
	struct aggmon_agg_info info;
	int fds[ARRAY_SIZE(cases)];
	__u64 ids[ARRAY_SIZE(cases)];
	char name[AGGMON_NAME_LEN];
	int fd, same[2];
	__u64 same_id[2];
	struct agg_snap s;
	size_t i, j;

	ASSERT_EQ(ARRAY_SIZE(all_keys), (size_t)7);
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct fdef *d = &fdefs[cases[i].f];

		snprintf(name, sizeof(name), AGG_NAME ".info_%zu", i);
		agg_attr_init(&attr, name, d->func, cases[i].source,
			      self->gid);
		attr.low = d->low;
		attr.high = d->high;
		attr.step = d->step;
		attr.factor = d->factor;
		attr.entries = cases[i].entries;
		agg_attr_keys(&attr, cases[i].nkeys, cases[i].keys);
		fds[i] = agg_create(&attr);
		ASSERT_LE(0, fds[i]) {
			TH_LOG("case %zu: %s", i, strerror(errno));
		}
		ids[i] = attr.id;
		ASSERT_NE(0ULL, ids[i]);
		ASSERT_EQ(1, is_cloexec(fds[i]));
		for (j = 0; j < i; j++)
			ASSERT_NE(ids[j], ids[i]);

		ASSERT_EQ(0, agg_info(fds[i], &info));
		ASSERT_EQ(ids[i], info.id);
		ASSERT_STREQ(name, info.name);
		ASSERT_EQ(d->func, info.func);
		ASSERT_EQ(cases[i].source, info.source);
		ASSERT_EQ(d->low, info.low);
		ASSERT_EQ(d->high, info.high);
		ASSERT_EQ(d->step, info.step);
		ASSERT_EQ(d->factor, info.factor);
		ASSERT_EQ(0u, info.state);
		ASSERT_EQ(cases[i].nkeys, info.nkeys);
		for (j = 0; j < cases[i].nkeys; j++)
			ASSERT_EQ(cases[i].keys[j], info.keys[j]);
		ASSERT_EQ(cases[i].key_slots, info.key_slots);
		ASSERT_EQ(d->nslots, info.value_slots) TH_LOG("case %zu", i);
		ASSERT_EQ(ref_nslots(d), info.value_slots);
		ASSERT_EQ(16 + 8 * (cases[i].key_slots + d->nslots),
			  info.record_size);
		ASSERT_EQ(cases[i].exp_entries, info.entries);
		ASSERT_EQ((__u32)self->nr_cpus, info.nr_cpus);
		ASSERT_EQ((__u32)getuid(), info.owner_uid);
		ASSERT_EQ(0u, info.__reserved);
		ASSERT_EQ(self->gid, info.gauge_id);
	}

	/* Nothing was fed: the snapshot is empty, nothing dropped. */
	TAKE(fds[0], 0, &s);
	ASSERT_EQ((size_t)0, s.nrec);
	ASSERT_EQ(0ULL, s.total);
	ASSERT_EQ(1u, s.calls);
	for (i = 0; i < (size_t)self->nr_cpus; i++)
		ASSERT_EQ(0ULL, s.drops[i]);
	agg_snap_free(&s);

	/* One name, two aggregations, two ids. */
	for (i = 0; i < 2; i++) {
		agg_attr_init(&attr, AGG_NAME ".same", COUNT, DELTA, self->gid);
		same[i] = agg_create(&attr);
		ASSERT_LE(0, same[i]);
		same_id[i] = attr.id;
		ASSERT_EQ(0, agg_info(same[i], &info));
		ASSERT_STREQ(AGG_NAME ".same", info.name);
		ASSERT_EQ(same_id[i], info.id);
		for (j = 0; j < ARRAY_SIZE(cases); j++)
			ASSERT_NE(ids[j], same_id[i]);
	}
	ASSERT_NE(same_id[0], same_id[1]);

	/* Names of one character and of 63. */
	memset(name, 'a', AGGMON_NAME_LEN - 1);
	name[AGGMON_NAME_LEN - 1] = '\0';
	agg_attr_init(&attr, name, COUNT, DELTA, self->gid);
	fd = agg_create(&attr);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, agg_info(fd, &info));
	ASSERT_STREQ(name, info.name);
	ASSERT_EQ(0, close(fd));
	agg_attr_init(&attr, "z", COUNT, DELTA, self->gid);
	fd = agg_create(&attr);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, close(fd));

	for (i = 0; i < ARRAY_SIZE(cases); i++)
		ASSERT_EQ(0, close(fds[i]));
	close(same[0]);
	close(same[1]);
}

/*
 * The limits of a buffer: AGGMON_AGG_ENTRIES_MAX data sets, at most
 * AGGMON_AGG_BUFFER_MAX bytes of them (a data set is 16 bytes of link,
 * hash and padding, and 8 per key and value word: a record's size),
 * AGGMON_AGG_BUCKETS_MAX value slots.
 * Each bound is taken exactly, and one past it is EINVAL.
 */
TEST_F(one_cpu, create_limits)
{
	const unsigned int lq_slots = AGGMON_AGG_BUCKETS_MAX;
	const __u32 lq_fit = AGGMON_AGG_BUFFER_MAX / AGG_SET_SIZE(lq_slots);
	const __u32 q_fit = AGGMON_AGG_BUFFER_MAX /
			    AGG_SET_SIZE(AGGMON_QUANTIZE_BUCKETS);
	const struct {
		__u32 func;
		__s64 low, high;
		__u64 step;
		__u32 entries;
		int err;	/* 0: created, with these entries */
		__u32 slots;
	} cases[] = {
		{ COUNT, 0, 0, 0, 1, 0, 1 },
		{ COUNT, 0, 0, 0, AGGMON_AGG_ENTRIES_MAX, 0, 1 },
		{ COUNT, 0, 0, 0, AGGMON_AGG_ENTRIES_MAX + 1, EINVAL, 0 },
		{ COUNT, 0, 0, 0, UINT32_MAX, EINVAL, 0 },
		/* 1032-byte sets: 4064 fit in 4 MiB. */
		{ QUANT, 0, 0, 0, q_fit, 0, AGGMON_QUANTIZE_BUCKETS },
		{ QUANT, 0, 0, 0, q_fit + 1, EINVAL, 0 },
		{ QUANT, 0, 0, 0, AGGMON_AGG_ENTRIES_MAX, EINVAL, 0 },
		/* 4094 levels: 4096 slots, the most. */
		{ LQUANT, 0, lq_slots - 2, 1, lq_fit, 0, lq_slots },
		{ LQUANT, 0, lq_slots - 2, 1, lq_fit + 1, EINVAL, 0 },
		/* entries 0 is 1024 of them: 32 MiB. */
		{ LQUANT, 0, lq_slots - 2, 1, 0, EINVAL, 0 },
		/* 4095 levels: one slot too many. */
		{ LQUANT, 0, lq_slots - 1, 1, 1, EINVAL, 0 },
		{ LQUANT, -5, 5 * (lq_slots - 3), 5, 1, 0, lq_slots },
	};
	struct aggmon_agg_create_attr attr;
	struct aggmon_agg_info info;
	size_t i;
	int fd;

	ASSERT_EQ(4064u, q_fit);
	ASSERT_EQ(127u, lq_fit);
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		agg_attr_init(&attr, AGG_NAME ".limits", cases[i].func, DELTA,
			      self->gid);
		attr.low = cases[i].low;
		attr.high = cases[i].high;
		attr.step = cases[i].step;
		attr.entries = cases[i].entries;
		fd = agg_create(&attr);
		if (cases[i].err) {
			ASSERT_EQ(-1, fd) TH_LOG("case %zu was created", i);
			ASSERT_EQ(cases[i].err, errno) {
				TH_LOG("case %zu: %s", i, strerror(errno));
			}
			continue;
		}
		ASSERT_LE(0, fd) TH_LOG("case %zu: %s", i, strerror(errno));
		ASSERT_EQ(0, agg_info(fd, &info));
		ASSERT_EQ(cases[i].entries, info.entries);
		ASSERT_EQ(cases[i].slots, info.value_slots);
		ASSERT_EQ(16 + 8 * cases[i].slots, info.record_size);
		/* It works: one value lands in one record. */
		update(_metadata, self->gfd, ADD, 1);
		{
			struct agg_snap s;

			TAKE(fd, 0, &s);
			ASSERT_EQ((size_t)1, s.nrec);
			agg_snap_free(&s);
		}
		ASSERT_EQ(0, close(fd));
	}
}

/*
 * The bucket of each value, worked out by hand from the definitions
 * (enum aggmon_agg_func; DTrace's llquantize): each function is fed the
 * values of its table and its buckets must hold exactly the table's
 * counts.  The reference model must agree with every row too.
 */
struct spot {
	__s64 v;
	unsigned int bucket;
};

static const struct spot quant_spots[] = {
	{ 0, 63 }, { 1, 64 }, { 2, 65 }, { 3, 65 }, { 4, 66 }, { 7, 66 },
	{ 8, 67 }, { 1023, 73 }, { 1024, 74 }, { (1LL << 62) - 1, 125 },
	{ 1LL << 62, 126 }, { S64_MAX, 126 },
	{ -1, 62 }, { -2, 61 }, { -3, 61 }, { -4, 60 }, { -7, 60 },
	{ -8, 59 }, { -1023, 53 }, { -1024, 52 }, { -1025, 52 },
	{ -(1LL << 62) + 1, 1 }, { -(1LL << 62), 0 }, { S64_MIN + 1, 0 },
	{ S64_MIN, 0 },
};

static const struct spot lq_sym_spots[] = {
	{ S64_MIN, 0 }, { -11, 0 }, { -10, 1 }, { -6, 1 }, { -5, 2 },
	{ -1, 2 }, { 0, 3 }, { 4, 3 }, { 5, 4 }, { 9, 4 }, { 10, 5 },
	{ S64_MAX, 5 },
};

static const struct spot lq_odd_spots[] = {
	{ -1, 0 }, { 0, 1 }, { 2, 1 }, { 3, 2 }, { 5, 2 }, { 6, 3 },
	{ 8, 3 }, { 9, 4 }, { 10, 4 }, { S64_MAX, 4 },
};

static const struct spot lq_high_spots[] = {
	{ S64_MIN, 0 }, { 0, 0 }, { 999, 0 }, { 1000, 1 }, { 1099, 1 },
	{ 1100, 2 }, { 1999, 10 }, { 2000, 11 }, { S64_MAX, 11 },
};

static const struct spot llq_10_spots[] = {
	{ S64_MIN, 0 }, { -5, 0 }, { 0, 0 }, { 1, 1 }, { 9, 9 },
	{ 10, 10 }, { 19, 10 }, { 20, 11 }, { 99, 18 }, { 100, 19 },
	{ 199, 19 }, { 200, 20 }, { 999, 27 }, { 1000, 28 }, { S64_MAX, 28 },
};

static const struct spot llq_2_spots[] = {
	{ -1, 0 }, { 0, 0 }, { 1, 1 }, { 2, 2 }, { 3, 3 }, { 4, 4 },
	{ 5, 4 }, { 6, 5 }, { 7, 5 }, { 8, 6 }, { 11, 6 }, { 12, 7 },
	{ 15, 7 }, { 16, 8 }, { S64_MAX, 8 },
};

static const struct spot llq_10_20_spots[] = {
	{ 0, 0 }, { 9, 0 }, { 10, 1 }, { 14, 1 }, { 15, 2 }, { 99, 18 },
	{ 100, 19 }, { 149, 19 }, { 150, 20 }, { 999, 36 }, { 1000, 37 },
	{ 9999, 54 }, { 10000, 55 }, { S64_MAX, 55 },
};

TEST_F(one_cpu, buckets_by_hand)
{
	static const struct {
		unsigned int f;
		const struct spot *spots;
		size_t n;
	} tables[] = {
		{ F_QUANT, quant_spots, ARRAY_SIZE(quant_spots) },
		{ F_LQ_SYM, lq_sym_spots, ARRAY_SIZE(lq_sym_spots) },
		{ F_LQ_ODD, lq_odd_spots, ARRAY_SIZE(lq_odd_spots) },
		{ F_LQ_HIGH, lq_high_spots, ARRAY_SIZE(lq_high_spots) },
		{ F_LLQ_10, llq_10_spots, ARRAY_SIZE(llq_10_spots) },
		{ F_LLQ_2, llq_2_spots, ARRAY_SIZE(llq_2_spots) },
		{ F_LLQ_10_20, llq_10_20_spots, ARRAY_SIZE(llq_10_20_spots) },
	};
	__u64 expected[AGGMON_AGG_BUCKETS_MAX];
	struct agg_snap s;
	struct tagg t;
	size_t i, j;

	for (i = 0; i < ARRAY_SIZE(tables); i++) {
		const struct fdef *d = &fdefs[tables[i].f];

		tagg_open(_metadata, &t, AGG_NAME ".buckets", d, DELTA,
			  self->gid, 0, NULL, 0);
		memset(expected, 0, sizeof(expected));
		for (j = 0; j < tables[i].n; j++) {
			const struct spot *sp = &tables[i].spots[j];

			ASSERT_GT(d->nslots, sp->bucket);
			ASSERT_EQ(sp->bucket, ref_bucket(d, sp->v)) {
				TH_LOG("reference: table %zu value %lld", i,
				       (long long)sp->v);
			}
			expected[sp->bucket]++;
			update(_metadata, self->gfd, ADD, sp->v);
		}
		TAKE(t.fd, 0, &s);
		ASSERT_EQ((size_t)1, s.nrec);
		ASSERT_EQ((__u32)self->cpu, agg_rec(&s, 0)->cpu);
		for (j = 0; j < d->nslots; j++) {
			ASSERT_EQ(expected[j], rec_value(&s, 0)[j]) {
				TH_LOG("table %zu (func %u): bucket %zu", i,
				       d->func, j);
			}
		}
		agg_snap_free(&s);
		tagg_close(&t);
	}
}

/* Values that cross every bucket boundary of the tables above. */
static const __s64 feed_values[] = {
	5, 0, 1, -1, 2, 3, -2, -3, 4, 7, 8, -4, -7, -8, 9, 10, 11, 14, 15,
	16, 19, 20, 99, 100, 149, 150, 199, 200, 999, 1000, 1099, 1100,
	1999, 2000, 9999, 10000, 1023, 1024, -1023, -1024, -1025, -5, -6,
	-10, -11, 12345, 65535, 65536, 1LL << 40, -(1LL << 40), 6, 12, 13,
	1LL << 62, -(1LL << 62), 42,
};

/*
 * Every function, fed the values above through a user gauge: once with
 * an aggregation without key fields and once keyed by the gauge.
 * @source DELTA adds each value, LEVEL sets the gauge to each (no two in
 * a row are equal, so every set changes the gauge).
 */
static void values_test(struct __test_metadata *_metadata,
			FIXTURE_DATA(one_cpu) *self, __u32 source)
{
	static const __u32 gauge_key[] = { K_GAUGE };
	struct tagg t[NR_FDEFS][2];
	size_t i, f, k;

	for (f = 0; f < NR_FDEFS; f++)
		for (k = 0; k < 2; k++)
			tagg_open(_metadata, &t[f][k], AGG_NAME ".values",
				  &fdefs[f], source, self->gid, k,
				  k ? gauge_key : NULL, 0);
	for (i = 0; i < ARRAY_SIZE(feed_values); i++) {
		update(_metadata, self->gfd, source == DELTA ? ADD : SET,
		       feed_values[i]);
		for (f = 0; f < NR_FDEFS; f++)
			for (k = 0; k < 2; k++)
				ref_apply(&t[f][k].ref, feed_values[i]);
	}
	for (f = 0; f < NR_FDEFS; f++) {
		check_tagg(_metadata, __LINE__, &t[f][0], self->cpu, NULL);
		check_tagg(_metadata, __LINE__, &t[f][1], self->cpu,
			   &self->gid);
		tagg_close(&t[f][0]);
		tagg_close(&t[f][1]);
	}
}

TEST_F(one_cpu, values_delta)
{
	values_test(_metadata, self, DELTA);
}

TEST_F(one_cpu, values_level)
{
	values_test(_metadata, self, LEVEL);
}

/*
 * Adds and sets mixed, on a gauge that had a value and an update before
 * the aggregations came: DELTA sees an add's operand and a set's new
 * value minus the old; LEVEL sees each new value.
 */
TEST_F(one_cpu, values_mixed)
{
	static const struct {
		__u32 op;
		__s64 v;
		__s64 delta, level;	/* what the sources see */
	} ops[] = {
		{ SET, 1, -1006, 1 },
		{ ADD, 5, 5, 6 },
		{ ADD, -3, -3, 3 },
		{ SET, 10, 7, 10 },
		{ SET, -4, -14, -4 },
		{ ADD, 1000, 1000, 996 },
		{ SET, 2000, 1004, 2000 },
		{ ADD, -2001, -2001, -1 },
		{ SET, 64, 65, 64 },
		{ ADD, 1LL << 40, 1LL << 40, (1LL << 40) + 64 },
		{ SET, -(1LL << 40), -(1LL << 41) - 64, -(1LL << 40) },
	};
	struct tagg td[NR_FDEFS], tl[NR_FDEFS];
	char item[AGGMON_ITEM_LEN];
	__s64 value = 1000;
	__u64 gid = 0;
	size_t i, f;
	int gfd;

	aggmon_pid_item(item, "_mixed");
	gfd = aggmon_create(GAUGE_NAME, item, "", 1000, &gid);
	ASSERT_LE(0, gfd);
	/* Before the aggregations: seen by none of them. */
	update(_metadata, gfd, ADD, 7);
	value += 7;

	for (f = 0; f < NR_FDEFS; f++) {
		tagg_open(_metadata, &td[f], AGG_NAME ".mixed_delta",
			  &fdefs[f], DELTA, gid, 0, NULL, 0);
		tagg_open(_metadata, &tl[f], AGG_NAME ".mixed_level",
			  &fdefs[f], LEVEL, gid, 0, NULL, 0);
	}
	for (i = 0; i < ARRAY_SIZE(ops); i++) {
		__s64 next = ops[i].op == ADD ? value + ops[i].v : ops[i].v;

		/* The table agrees with the definitions. */
		ASSERT_EQ(next - value, ops[i].delta) TH_LOG("op %zu", i);
		ASSERT_EQ(next, ops[i].level) TH_LOG("op %zu", i);
		value = next;
		update(_metadata, gfd, ops[i].op, ops[i].v);
		for (f = 0; f < NR_FDEFS; f++) {
			ref_apply(&td[f].ref, ops[i].delta);
			ref_apply(&tl[f].ref, ops[i].level);
		}
	}
	{
		__s64 now = 0;

		ASSERT_EQ(0, aggmon_read1(gid, &now));
		ASSERT_EQ(value, now);
	}
	for (f = 0; f < NR_FDEFS; f++) {
		check_tagg(_metadata, __LINE__, &td[f], self->cpu, NULL);
		check_tagg(_metadata, __LINE__, &tl[f], self->cpu, NULL);
		tagg_close(&td[f]);
		tagg_close(&tl[f]);
	}
	close(gfd);
}

/*
 * An add of 0 and a set to the value the gauge holds are updates too:
 * DELTA sees 0 for each, LEVEL sees the unchanged value.
 */
TEST_F(one_cpu, values_noop_updates)
{
	struct tagg dc, ds, lc, lm;
	char item[AGGMON_ITEM_LEN];
	__u64 gid = 0;
	int gfd;

	aggmon_pid_item(item, "_noop");
	gfd = aggmon_create(GAUGE_NAME, item, "", 5, &gid);
	ASSERT_LE(0, gfd);
	tagg_open(_metadata, &dc, AGG_NAME ".noop", &fdefs[F_COUNT], DELTA,
		  gid, 0, NULL, 0);
	tagg_open(_metadata, &ds, AGG_NAME ".noop", &fdefs[F_SUM], DELTA,
		  gid, 0, NULL, 0);
	tagg_open(_metadata, &lc, AGG_NAME ".noop", &fdefs[F_COUNT], LEVEL,
		  gid, 0, NULL, 0);
	tagg_open(_metadata, &lm, AGG_NAME ".noop", &fdefs[F_MIN], LEVEL,
		  gid, 0, NULL, 0);
	update(_metadata, gfd, ADD, 0);
	update(_metadata, gfd, SET, 5);
	update(_metadata, gfd, SET, 6);
	dc.ref.s[0] = 3;
	ds.ref.s[0] = 1;
	lc.ref.s[0] = 3;
	lm.ref.s[0] = 3;
	lm.ref.s[1] = 5;
	check_tagg(_metadata, __LINE__, &dc, self->cpu, NULL);
	check_tagg(_metadata, __LINE__, &ds, self->cpu, NULL);
	check_tagg(_metadata, __LINE__, &lc, self->cpu, NULL);
	check_tagg(_metadata, __LINE__, &lm, self->cpu, NULL);
	tagg_close(&dc);
	tagg_close(&ds);
	tagg_close(&lc);
	tagg_close(&lm);
	close(gfd);
}

/*
 * Extreme values, with every word worked out by hand: sums that need
 * the 128 bits of avg and stddev (negative ones included) and sums of
 * squares that need all 192.  Deltas are adds of the values; levels are
 * sets to them (consecutive values differ).
 */
TEST_F(one_cpu, values_extreme)
{
	static const struct {
		__s64 v[5];
		unsigned int n;
		__u64 sum;		/* SUM: wraps at 64 bits */
		__s64 min, max;
		__u64 avg[2];		/* the 128-bit sum */
		__u64 sq[3];		/* the 192-bit sum of squares */
		unsigned int qb[2];	/* quantize buckets... */
		__u64 qc[2];		/* ...and their counts */
	} cases[] = {
		/* 2 * (2^63 - 1) = 2^64 - 2; squares 2^127 - 2^65 + 2. */
		{ { S64_MAX, 0, S64_MAX }, 3, 0xfffffffffffffffeULL, 0,
		  S64_MAX, { 0xfffffffffffffffeULL, 0 },
		  { 2, 0x7ffffffffffffffeULL, 0 }, { 126, 63 }, { 2, 1 } },
		/* -5 * 2^63 + 2; squares 5 * 2^126 - 2^65 + 2. */
		{ { S64_MIN, S64_MIN + 1, S64_MIN, S64_MIN + 1, S64_MIN }, 5,
		  0x8000000000000002ULL, S64_MIN, S64_MIN + 1,
		  { 0x8000000000000002ULL, 0xfffffffffffffffdULL },
		  { 2, 0x3ffffffffffffffeULL, 1 }, { 0, 0 }, { 5, 0 } },
		/* -2^64; squares 2^127. */
		{ { S64_MIN, 0, S64_MIN }, 3, 0, S64_MIN, 0,
		  { 0, ALL_ONES }, { 0, 0x8000000000000000ULL, 0 },
		  { 0, 63 }, { 2, 1 } },
		/* -2; squares 2^128 - 2^65 + 2. */
		{ { S64_MAX, S64_MIN, S64_MAX, S64_MIN }, 4,
		  0xfffffffffffffffeULL, S64_MIN, S64_MAX,
		  { 0xfffffffffffffffeULL, ALL_ONES },
		  { 2, 0xfffffffffffffffeULL, 0 }, { 126, 0 }, { 2, 2 } },
	};
	static const unsigned int funcs[] = {
		F_COUNT, F_SUM, F_MIN, F_MAX, F_AVG, F_STDDEV, F_QUANT,
	};
	struct tagg t[2][ARRAY_SIZE(funcs)];
	char item[AGGMON_ITEM_LEN];
	int gfd[2];
	__u64 gid[2];
	size_t c, f, i;
	int src;

	for (src = 0; src < 2; src++) {
		aggmon_pid_item(item, src ? "_xlevel" : "_xdelta");
		gfd[src] = aggmon_create(GAUGE_NAME, item, "", 0, &gid[src]);
		ASSERT_LE(0, gfd[src]);
	}
	for (c = 0; c < ARRAY_SIZE(cases); c++) {
		/* Not seen: a level that no case starts with. */
		update(_metadata, gfd[1], SET, 1);
		for (src = 0; src < 2; src++)
			for (f = 0; f < ARRAY_SIZE(funcs); f++)
				tagg_open(_metadata, &t[src][f],
					  AGG_NAME ".extreme", &fdefs[funcs[f]],
					  src ? LEVEL : DELTA, gid[src], 0,
					  NULL, 0);
		for (i = 0; i < cases[c].n; i++) {
			update(_metadata, gfd[0], ADD, cases[c].v[i]);
			update(_metadata, gfd[1], SET, cases[c].v[i]);
			for (src = 0; src < 2; src++)
				for (f = 0; f < ARRAY_SIZE(funcs); f++)
					ref_apply(&t[src][f].ref,
						  cases[c].v[i]);
		}
		for (src = 0; src < 2; src++) {
			struct tagg *a = t[src];
			__u64 q[AGGMON_QUANTIZE_BUCKETS];

			/* The model agrees with the words by hand... */
			ASSERT_EQ(cases[c].n, a[F_COUNT].ref.s[0]);
			ASSERT_EQ(cases[c].sum, a[F_SUM].ref.s[0]);
			ASSERT_EQ(cases[c].n, a[F_MIN].ref.s[0]);
			ASSERT_EQ(cases[c].min, (__s64)a[F_MIN].ref.s[1]);
			ASSERT_EQ(cases[c].max, (__s64)a[F_MAX].ref.s[1]);
			for (i = 0; i < 2; i++) {
				ASSERT_EQ(cases[c].avg[i],
					  a[F_AVG].ref.s[1 + i]);
				ASSERT_EQ(cases[c].avg[i],
					  a[F_STDDEV].ref.s[1 + i]);
			}
			for (i = 0; i < 3; i++)
				ASSERT_EQ(cases[c].sq[i],
					  a[F_STDDEV].ref.s[3 + i]);
			memset(q, 0, sizeof(q));
			for (i = 0; i < 2; i++)
				q[cases[c].qb[i]] += cases[c].qc[i];
			ASSERT_EQ(0, memcmp(q, a[F_QUANT].ref.s, sizeof(q)));
			/* ...and so must the kernel. */
			for (f = 0; f < ARRAY_SIZE(funcs); f++) {
				check_tagg(_metadata, __LINE__, &a[f],
					   self->cpu, NULL);
				tagg_close(&a[f]);
			}
		}
	}
	close(gfd[0]);
	close(gfd[1]);
}

/*
 * A full buffer: entries 8, keyed by comm, fed 20 comms from one CPU.
 * The first 8 keys take the 8 data sets and the other 12 are dropped and
 * counted for that CPU; the keys held still update, new ones are still
 * dropped; a clear returns the counts with the data and then empties
 * both, after which a new key fits again.
 */
TEST_F(one_cpu, capacity)
{
	static const __u32 comm_key[] = { K_COMM };
	__u64 key[2], *drops;
	char name[COMM_LEN];
	struct agg_merged m;
	struct agg_snap s;
	struct tagg t;
	int i, cpu;

	tagg_open(_metadata, &t, AGG_NAME ".capacity", &fdefs[F_COUNT],
		  DELTA, self->gid, 1, comm_key, 8);
	ASSERT_EQ(8u, t.info.entries);
	for (i = 0; i < 20; i++) {
		snprintf(name, sizeof(name), "aggc_%02d", i);
		set_comm(_metadata, name);
		update(_metadata, self->gfd, ADD, 1);
	}

	TAKE(t.fd, 0, &s);
	ASSERT_EQ((size_t)8, s.nrec);
	ASSERT_EQ(0, agg_merge(&s, &m));
	ASSERT_EQ((size_t)8, m.n);
	for (i = 0; i < 8; i++) {
		snprintf(name, sizeof(name), "aggc_%02d", i);
		comm_words(key, name);
		ASSERT_NE(NULL, agg_merged_find(&m, key)) TH_LOG("%s", name);
		ASSERT_EQ(1ULL, agg_merged_find(&m, key)[0]);
	}
	for (i = 0; i < (int)s.nrec; i++)
		ASSERT_EQ((__u32)self->cpu, agg_rec(&s, i)->cpu);
	drops = s.drops;
	for (cpu = 0; cpu < self->nr_cpus; cpu++)
		ASSERT_EQ(cpu == self->cpu ? 12ULL : 0ULL, drops[cpu]) {
			TH_LOG("cpu %d", cpu);
		}
	agg_merged_free(&m);
	agg_snap_free(&s);

	/* Held keys update; a new one is dropped. */
	set_comm(_metadata, "aggc_03");
	for (i = 0; i < 5; i++)
		update(_metadata, self->gfd, ADD, 1);
	set_comm(_metadata, "aggc_19");
	update(_metadata, self->gfd, ADD, 1);
	TAKE(t.fd, 0, &s);
	ASSERT_EQ((size_t)8, s.nrec);
	ASSERT_EQ(0, agg_merge(&s, &m));
	comm_words(key, "aggc_03");
	ASSERT_EQ(6ULL, agg_merged_find(&m, key)[0]);
	comm_words(key, "aggc_19");
	ASSERT_EQ(NULL, agg_merged_find(&m, key));
	ASSERT_EQ(13ULL, s.drops[self->cpu]);
	agg_merged_free(&m);
	agg_snap_free(&s);

	/* The clear hands out what it empties, drop counts included. */
	TAKE(t.fd, CLEAR, &s);
	ASSERT_EQ((size_t)8, s.nrec);
	ASSERT_EQ(13ULL, s.drops[self->cpu]);
	agg_snap_free(&s);
	TAKE(t.fd, 0, &s);
	ASSERT_EQ((size_t)0, s.nrec);
	for (cpu = 0; cpu < self->nr_cpus; cpu++)
		ASSERT_EQ(0ULL, s.drops[cpu]);
	agg_snap_free(&s);

	/* Room again. */
	update(_metadata, self->gfd, ADD, 1);
	TAKE(t.fd, 0, &s);
	ASSERT_EQ((size_t)1, s.nrec);
	ASSERT_EQ(0, memcmp(agg_rec(&s, 0)->data, key, sizeof(key)));
	ASSERT_EQ(1ULL, rec_value(&s, 0)[0]);
	ASSERT_EQ(0ULL, s.drops[self->cpu]);
	agg_snap_free(&s);
	tagg_close(&t);
}

/* One raw AGG_SNAPSHOT call into @buf of @size bytes. */
static long snap_call(int fd, __u64 generation, __u64 cursor, void *buf,
		      __u64 size, struct aggmon_agg_snapshot_attr *attr)
{
	memset(attr, 0, sizeof(*attr));
	attr->fd = (__u32)fd;
	attr->generation = generation;
	attr->cursor = cursor;
	attr->buf = aggmon_ptr(buf);
	attr->buf_size = size;
	return agg_snapshot(attr);
}

/*
 * Batches: 11 records of 40 bytes (a comm key, a sum) read through a
 * buffer with room for 3: counts 3, 3, 3, 2, the cursor and size_needed
 * exact at each step; at the end a call returns nothing.  Any part can
 * be read again.  A buffer without room for one record is ENOSPC with
 * size_needed filled in.  The snapshot does not change with later
 * updates; a new snapshot on the fd makes the old generation ESTALE.
 */
#define BATCH_NAMES	11
#define BATCH_RS	40

TEST_F(one_cpu, batches)
{
	static const __u32 comm_key[] = { K_COMM };
	unsigned char all[(BATCH_NAMES + 1) * BATCH_RS];
	unsigned char again[sizeof(all)], buf[4 * BATCH_RS];
	struct aggmon_agg_snapshot_attr a;
	char name[COMM_LEN];
	bool seen[BATCH_NAMES];
	__u64 gen, gen2, cursor;
	struct tagg t;
	int i, j;

	tagg_open(_metadata, &t, AGG_NAME ".batches", &fdefs[F_SUM], DELTA,
		  self->gid, 1, comm_key, 0);
	ASSERT_EQ((__u32)BATCH_RS, t.info.record_size);
	for (i = 0; i < BATCH_NAMES; i++) {
		snprintf(name, sizeof(name), "aggb_%02d", i);
		set_comm(_metadata, name);
		update(_metadata, self->gfd, ADD, i + 1);
	}

	/* A new snapshot, first batch. */
	ASSERT_EQ(0, snap_call(t.fd, 0, 0, buf, 3 * BATCH_RS, &a));
	gen = a.generation;
	ASSERT_NE(0ULL, gen);
	ASSERT_EQ((__u64)BATCH_NAMES, a.total);
	ASSERT_EQ(3u, a.count);
	ASSERT_EQ(3ULL, a.cursor);
	ASSERT_EQ((__u64)BATCH_NAMES * BATCH_RS, a.size_needed);
	ASSERT_EQ((__u32)self->nr_cpus, a.nr_cpus);
	memcpy(all, buf, 3 * BATCH_RS);
	for (cursor = 3; cursor < BATCH_NAMES; cursor = a.cursor) {
		__u64 expect = BATCH_NAMES - cursor < 3 ?
			       BATCH_NAMES - cursor : 3;

		ASSERT_EQ(0, snap_call(t.fd, gen, cursor, buf, 3 * BATCH_RS,
				       &a));
		ASSERT_EQ(gen, a.generation);
		ASSERT_EQ((__u64)BATCH_NAMES, a.total);
		ASSERT_EQ(expect, (__u64)a.count) {
			TH_LOG("cursor %llu", (unsigned long long)cursor);
		}
		ASSERT_EQ(cursor + expect, a.cursor);
		ASSERT_EQ((BATCH_NAMES - cursor) * BATCH_RS, a.size_needed);
		ASSERT_EQ((__u32)self->nr_cpus, a.nr_cpus);
		memcpy(all + cursor * BATCH_RS, buf, a.count * BATCH_RS);
	}
	/* At the end: nothing more, nothing needed. */
	ASSERT_EQ(0, snap_call(t.fd, gen, BATCH_NAMES, buf, 3 * BATCH_RS, &a));
	ASSERT_EQ(0u, a.count);
	ASSERT_EQ((__u64)BATCH_NAMES, a.cursor);
	ASSERT_EQ(0ULL, a.size_needed);

	/* Every comm once, with its value, from this CPU. */
	memset(seen, 0, sizeof(seen));
	for (i = 0; i < BATCH_NAMES; i++) {
		const struct aggmon_agg_record *r =
			(const void *)(all + i * BATCH_RS);
		__u64 key[2];

		ASSERT_EQ(t.id, r->agg_id);
		ASSERT_EQ((__u32)self->cpu, r->cpu);
		ASSERT_EQ(0u, r->__reserved);
		for (j = 0; j < BATCH_NAMES; j++) {
			snprintf(name, sizeof(name), "aggb_%02d", j);
			comm_words(key, name);
			if (!memcmp(r->data, key, sizeof(key)))
				break;
		}
		ASSERT_GT(BATCH_NAMES, j) TH_LOG("record %d: unknown comm", i);
		ASSERT_FALSE(seen[j]);
		seen[j] = true;
		ASSERT_EQ((__u64)j + 1, r->data[2]);
	}

	/* Read again: from the start, all at once; from the middle. */
	ASSERT_EQ(0, snap_call(t.fd, gen, 0, again, sizeof(again), &a));
	ASSERT_EQ((__u32)BATCH_NAMES, a.count);
	ASSERT_EQ(0, memcmp(all, again, BATCH_NAMES * BATCH_RS));
	ASSERT_EQ(0, snap_call(t.fd, gen, 4, again, 2 * BATCH_RS, &a));
	ASSERT_EQ(2u, a.count);
	ASSERT_EQ(6ULL, a.cursor);
	ASSERT_EQ(0, memcmp(all + 4 * BATCH_RS, again, 2 * BATCH_RS));

	/* Room for 3 records and a part of a fourth: 3 records. */
	ASSERT_EQ(0, snap_call(t.fd, gen, 0, buf, 4 * BATCH_RS - 1, &a));
	ASSERT_EQ(3u, a.count);
	ASSERT_EQ(3ULL, a.cursor);

	/* No room for one: ENOSPC, and the size needed from the cursor. */
	ASSERT_EQ(-1, snap_call(t.fd, gen, 5, buf, BATCH_RS - 1, &a));
	ASSERT_EQ(ENOSPC, errno);
	ASSERT_EQ((__u64)(BATCH_NAMES - 5) * BATCH_RS, a.size_needed);
	ASSERT_EQ((__u64)BATCH_NAMES, a.total);
	ASSERT_EQ(gen, a.generation);
	ASSERT_EQ(0u, a.count);
	ASSERT_EQ(5ULL, a.cursor);
	ASSERT_EQ(-1, snap_call(t.fd, gen, 0, NULL, 0, &a));
	ASSERT_EQ(ENOSPC, errno);
	ASSERT_EQ((__u64)BATCH_NAMES * BATCH_RS, a.size_needed);
	/* ENOSPC did not end the snapshot. */
	ASSERT_EQ(0, snap_call(t.fd, gen, 10, buf, BATCH_RS, &a));
	ASSERT_EQ(1u, a.count);
	ASSERT_EQ(0, memcmp(all + 10 * BATCH_RS, buf, BATCH_RS));

	/* Later updates do not change a snapshot taken. */
	set_comm(_metadata, "aggb_00");
	update(_metadata, self->gfd, ADD, 100);
	set_comm(_metadata, "aggb_new");
	update(_metadata, self->gfd, ADD, 1000);
	ASSERT_EQ(0, snap_call(t.fd, gen, 0, again, sizeof(again), &a));
	ASSERT_EQ((__u64)BATCH_NAMES, a.total);
	ASSERT_EQ((__u32)BATCH_NAMES, a.count);
	ASSERT_EQ(0, memcmp(all, again, BATCH_NAMES * BATCH_RS));

	/* A new snapshot sees them, and the old generation is stale. */
	ASSERT_EQ(0, snap_call(t.fd, 0, 0, again, sizeof(again), &a));
	gen2 = a.generation;
	ASSERT_NE(0ULL, gen2);
	ASSERT_NE(gen, gen2);
	ASSERT_EQ((__u64)BATCH_NAMES + 1, a.total);
	ASSERT_EQ((__u32)BATCH_NAMES + 1, a.count);
	ASSERT_EQ(-1, snap_call(t.fd, gen, 0, buf, sizeof(buf), &a));
	ASSERT_EQ(ESTALE, errno);
	ASSERT_EQ(-1, snap_call(t.fd, gen, 3, buf, sizeof(buf), &a));
	ASSERT_EQ(ESTALE, errno);
	ASSERT_EQ(0, snap_call(t.fd, gen2, 11, buf, sizeof(buf), &a));
	ASSERT_EQ(1u, a.count);

	/* A new snapshot into no room: ENOSPC, size for all of it. */
	ASSERT_EQ(-1, snap_call(t.fd, 0, 0, NULL, 0, &a));
	ASSERT_EQ(ENOSPC, errno);
	ASSERT_EQ((__u64)(BATCH_NAMES + 1) * BATCH_RS, a.size_needed);
	ASSERT_EQ((__u64)BATCH_NAMES + 1, a.total);
	tagg_close(&t);
}

/*
 * The gauge goes (its fd is closed): the aggregations on it are GONE
 * (AGG_INFO still succeeds and shows everything else as before), and
 * their snapshots still hold what was aggregated.
 */
TEST_F(one_cpu, gauge_gone)
{
	static const __u32 gauge_key[] = { K_GAUGE };
	struct aggmon_agg_create_attr attr;
	struct aggmon_agg_info info;
	char item[AGGMON_ITEM_LEN];
	struct tagg d, l;
	struct agg_snap s;
	__u64 gid;
	int gfd;

	aggmon_pid_item(item, "_gone");
	gfd = aggmon_create(GAUGE_NAME, item, "", 0, &gid);
	ASSERT_LE(0, gfd);
	tagg_open(_metadata, &d, AGG_NAME ".gone", &fdefs[F_COUNT], DELTA,
		  gid, 0, NULL, 0);
	tagg_open(_metadata, &l, AGG_NAME ".gone", &fdefs[F_MAX], LEVEL,
		  gid, 1, gauge_key, 0);
	update(_metadata, gfd, ADD, 5);
	update(_metadata, gfd, SET, 3);
	ASSERT_EQ(0, close(gfd));

	ASSERT_EQ(0, agg_info(d.fd, &info));
	ASSERT_EQ((__u32)AGGMON_AGG_GONE, info.state);
	ASSERT_EQ(d.id, info.id);
	ASSERT_EQ(gid, info.gauge_id);
	ASSERT_EQ(COUNT, info.func);
	ASSERT_EQ(DELTA, info.source);
	ASSERT_EQ(0, agg_info(l.fd, &info));
	ASSERT_EQ((__u32)AGGMON_AGG_GONE, info.state);
	ASSERT_EQ(gid, info.gauge_id);

	d.ref.s[0] = 2;
	l.ref.s[0] = 2;
	l.ref.s[1] = 5;
	check_tagg(_metadata, __LINE__, &d, self->cpu, NULL);
	check_tagg(_metadata, __LINE__, &l, self->cpu, &gid);
	/* Clearing still works, and empties it. */
	TAKE(d.fd, CLEAR, &s);
	ASSERT_EQ((size_t)1, s.nrec);
	agg_snap_free(&s);
	TAKE(d.fd, 0, &s);
	ASSERT_EQ((size_t)0, s.nrec);
	agg_snap_free(&s);

	/* No new aggregation on the gauge that is gone. */
	agg_attr_init(&attr, AGG_NAME ".gone", COUNT, DELTA, gid);
	ASSERT_EQ(-1, agg_create(&attr));
	ASSERT_EQ(ENOENT, errno);
	tagg_close(&d);
	tagg_close(&l);
}

/* AGG_CREATE with one thing wrong: the exact errno. */
enum { G_OWN, G_BAD, G_GONE };

TEST_F(one_cpu, create_errors)
{
	static const struct {
		const char *what;
		const char *name;	/* NULL: a valid one */
		bool no_nul;		/* name: 64 letters, no NUL */
		__u32 func, flags;
		__s64 low, high;
		__u64 step;
		__u32 factor, source, nkeys;
		__u32 keys[AGGMON_AGG_KEYS_MAX];
		__u32 entries;
		int gauge;
		__u64 id;
		int err;
	} cases[] = {
		{ "flag 0", .func = COUNT, .source = DELTA, .flags = 1,
		  .err = EINVAL },
		{ "flag 31", .func = COUNT, .source = DELTA, .flags = 1u << 31,
		  .err = EINVAL },
		{ "id", .func = COUNT, .source = DELTA, .id = 1,
		  .err = EINVAL },
		/* Key slots past nkeys are zero. */
		{ "key past nkeys", .func = COUNT, .source = DELTA, .nkeys = 1,
		  .keys = { AGGMON_KEY_CPU, AGGMON_KEY_GAUGE }, .err = EINVAL },
		{ "key with nkeys 0", .func = COUNT, .source = DELTA,
		  .keys = { [7] = AGGMON_KEY_CPU }, .err = EINVAL },
		{ "empty name", .name = "", .func = COUNT, .source = DELTA,
		  .err = EINVAL },
		{ "uppercase", .name = "kselftest.Agg", .func = COUNT,
		  .source = DELTA, .err = EINVAL },
		{ "slash", .name = "kselftest/agg", .func = COUNT,
		  .source = DELTA, .err = EINVAL },
		{ "dash", .name = "kselftest-agg", .func = COUNT,
		  .source = DELTA, .err = EINVAL },
		{ "space", .name = "kselftest agg", .func = COUNT,
		  .source = DELTA, .err = EINVAL },
		{ "no NUL", .no_nul = true, .func = COUNT, .source = DELTA,
		  .err = NAME_NO_NUL_ERR },
		{ "func 0", .func = 0, .source = DELTA, .err = EINVAL },
		{ "func 10", .func = 10, .source = DELTA, .err = EINVAL },
		{ "func max", .func = UINT32_MAX, .source = DELTA,
		  .err = EINVAL },
		/* Parameters for functions that take none. */
		{ "count low", .func = COUNT, .source = DELTA, .low = 1,
		  .err = EINVAL },
		{ "sum high", .func = SUM, .source = DELTA, .high = 1,
		  .err = EINVAL },
		{ "min step", .func = MIN, .source = DELTA, .step = 1,
		  .err = EINVAL },
		{ "max factor", .func = MAX, .source = DELTA, .factor = 2,
		  .err = EINVAL },
		{ "avg low", .func = AVG, .source = DELTA, .low = -1,
		  .err = EINVAL },
		{ "stddev high", .func = STDDEV, .source = LEVEL, .high = -5,
		  .err = EINVAL },
		{ "quantize step", .func = QUANT, .source = DELTA, .step = 1,
		  .err = EINVAL },
		{ "quantize lq", .func = QUANT, .source = DELTA, .low = 0,
		  .high = 10, .step = 1, .err = EINVAL },
		/* lquantize. */
		{ "lq step 0", .func = LQUANT, .source = DELTA, .low = 0,
		  .high = 10, .step = 0, .err = EINVAL },
		{ "lq high = low", .func = LQUANT, .source = DELTA, .low = 5,
		  .high = 5, .step = 1, .err = EINVAL },
		{ "lq high < low", .func = LQUANT, .source = DELTA, .low = 10,
		  .high = 0, .step = 1, .err = EINVAL },
		{ "lq factor", .func = LQUANT, .source = DELTA, .low = 0,
		  .high = 10, .step = 1, .factor = 2, .err = EINVAL },
		{ "lq no level", .func = LQUANT, .source = DELTA, .low = 0,
		  .high = 10, .step = 11, .err = EINVAL },
		{ "lq 4097 slots", .func = LQUANT, .source = DELTA, .low = 0,
		  .high = AGGMON_AGG_BUCKETS_MAX - 1, .step = 1, .entries = 1,
		  .err = EINVAL },
		/* llquantize: factor, low, high, step. */
		{ "llq factor 1", .func = LLQUANT, .source = DELTA,
		  .factor = 1, .low = 0, .high = 2, .step = 1, .err = EINVAL },
		{ "llq factor 0", .func = LLQUANT, .source = DELTA,
		  .factor = 0, .low = 0, .high = 2, .step = 10, .err = EINVAL },
		{ "llq factor 65536", .func = LLQUANT, .source = DELTA,
		  .factor = 65536, .low = 0, .high = 1, .step = 65536,
		  .err = EINVAL },
		{ "llq low < 0", .func = LLQUANT, .source = DELTA,
		  .factor = 10, .low = -1, .high = 2, .step = 10,
		  .err = EINVAL },
		{ "llq low = high", .func = LLQUANT, .source = DELTA,
		  .factor = 10, .low = 2, .high = 2, .step = 10,
		  .err = EINVAL },
		{ "llq low > high", .func = LLQUANT, .source = DELTA,
		  .factor = 10, .low = 3, .high = 2, .step = 10,
		  .err = EINVAL },
		{ "llq high 65536", .func = LLQUANT, .source = DELTA,
		  .factor = 2, .low = 0, .high = 65536, .step = 2,
		  .err = EINVAL },
		{ "llq step < factor", .func = LLQUANT, .source = DELTA,
		  .factor = 10, .low = 0, .high = 2, .step = 5, .err = EINVAL },
		{ "llq step not a multiple", .func = LLQUANT, .source = DELTA,
		  .factor = 4, .low = 0, .high = 2, .step = 6, .err = EINVAL },
		{ "llq step divides no power", .func = LLQUANT,
		  .source = DELTA, .factor = 2, .low = 0, .high = 2, .step = 6,
		  .err = EINVAL },
		{ "llq step 65536", .func = LLQUANT, .source = DELTA,
		  .factor = 2, .low = 0, .high = 2, .step = 65536,
		  .err = EINVAL },
		{ "llq 10^20", .func = LLQUANT, .source = DELTA, .factor = 10,
		  .low = 19, .high = 20, .step = 10, .err = EINVAL },
		{ "llq too many slots", .func = LLQUANT, .source = DELTA,
		  .factor = 10, .low = 0, .high = 5, .step = 10000,
		  .err = EINVAL },
		/* Sources. */
		{ "source 0", .func = COUNT, .source = 0, .err = EINVAL },
		{ "source kernel", .func = COUNT, .source = KERNEL,
		  .err = EINVAL },
		{ "source 4", .func = COUNT, .source = 4, .err = EINVAL },
		{ "source max", .func = COUNT, .source = UINT32_MAX,
		  .err = EINVAL },
		/* Keys. */
		{ "nkeys 9", .func = COUNT, .source = DELTA, .nkeys = 9,
		  .keys = { K_GAUGE, K_CPU, K_PID, K_TGID, K_UID, K_COMM,
			    K_CGROUP }, .err = EINVAL },
		{ "nkeys max", .func = COUNT, .source = DELTA,
		  .nkeys = UINT32_MAX, .err = EINVAL },
		{ "key 0", .func = COUNT, .source = DELTA, .nkeys = 1,
		  .keys = { 0 }, .err = EINVAL },
		{ "key 9", .func = COUNT, .source = DELTA, .nkeys = 1,
		  .keys = { 9 }, .err = EINVAL },
		{ "key arg", .func = COUNT, .source = DELTA, .nkeys = 1,
		  .keys = { K_ARG }, .err = EINVAL },
		{ "key cpu 0", .func = COUNT, .source = DELTA, .nkeys = 2,
		  .keys = { K_CPU, 0 }, .err = EINVAL },
		{ "key gauge arg", .func = COUNT, .source = DELTA, .nkeys = 2,
		  .keys = { K_GAUGE, K_ARG }, .err = EINVAL },
		{ "key cpu twice", .func = COUNT, .source = DELTA, .nkeys = 2,
		  .keys = { K_CPU, K_CPU }, .err = EINVAL },
		{ "key comm twice", .func = COUNT, .source = DELTA,
		  .nkeys = 3, .keys = { K_COMM, K_GAUGE, K_COMM },
		  .err = EINVAL },
		{ "8 keys", .func = COUNT, .source = DELTA, .nkeys = 8,
		  .keys = { K_GAUGE, K_CPU, K_PID, K_TGID, K_UID, K_COMM,
			    K_CGROUP, K_CPU }, .err = EINVAL },
		/* Entries. */
		{ "entries max + 1", .func = COUNT, .source = DELTA,
		  .entries = AGGMON_AGG_ENTRIES_MAX + 1, .err = EINVAL },
		{ "entries u32 max", .func = COUNT, .source = DELTA,
		  .entries = UINT32_MAX, .err = EINVAL },
		{ "quantize 65536", .func = QUANT, .source = DELTA,
		  .entries = 65536, .err = EINVAL },
		/* Gauges. */
		{ "no gauge", .func = COUNT, .source = DELTA, .gauge = G_BAD,
		  .err = ENOENT },
		{ "gauge gone", .func = COUNT, .source = LEVEL,
		  .gauge = G_GONE, .err = ENOENT },
	};
	struct aggmon_agg_create_attr attr;
	char item[AGGMON_ITEM_LEN];
	__u64 gone_id = 0;
	size_t i;
	int fd;

	aggmon_pid_item(item, "_cegone");
	fd = aggmon_create(GAUGE_NAME, item, "", 0, &gone_id);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, close(fd));

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		const __u64 gids[] = { self->gid, AGGMON_BAD_ID, gone_id };
		const char *name = cases[i].name;

		if (!name)
			name = AGG_NAME ".errors";
		agg_attr_init(&attr, name, cases[i].func, cases[i].source,
			      gids[cases[i].gauge]);
		if (cases[i].no_nul)
			memset(attr.name, 'a', sizeof(attr.name));
		attr.flags = cases[i].flags;
		attr.low = cases[i].low;
		attr.high = cases[i].high;
		attr.step = cases[i].step;
		attr.factor = cases[i].factor;
		attr.nkeys = cases[i].nkeys;
		memcpy(attr.keys, cases[i].keys, sizeof(attr.keys));
		attr.entries = cases[i].entries;
		attr.id = cases[i].id;
		fd = agg_create(&attr);
		if (fd >= 0)
			close(fd);
		ASSERT_EQ(-1, fd) TH_LOG("%s: created", cases[i].what);
		ASSERT_EQ(cases[i].err, errno) {
			TH_LOG("%s: %s", cases[i].what, strerror(errno));
		}
	}
}

/*
 * Sizes of every aggregation command: below VER0 EINVAL; above a page
 * E2BIG, even with a zero tail; a non-zero byte in a tail E2BIG; a zero
 * tail works as the exact size does; a NULL attr EFAULT.
 */
static long sizes_call(int cmd, unsigned char *buf, unsigned int ver0,
		       unsigned int size, int afd, __u64 aid, __u64 gid,
		       void *space)
{
	long ret;

	/* A valid attr in the first @ver0 bytes; the tail is the caller's. */
	memset(buf, 0, ver0);
	switch (cmd) {
	case AGGMON_AGG_CREATE:
		agg_attr_init((void *)buf, AGG_NAME ".sizes", COUNT, DELTA,
			      gid);
		break;
	case AGGMON_AGG_INFO:
		((struct aggmon_agg_info *)buf)->fd = (__u32)afd;
		break;
	case AGGMON_AGG_SNAPSHOT: {
		struct aggmon_agg_snapshot_attr *a = (void *)buf;

		a->fd = (__u32)afd;
		a->buf = aggmon_ptr(space);
		a->buf_size = 4096;
		break;
	}
	case AGGMON_AGG_LIST: {
		struct aggmon_agg_list_attr *a = (void *)buf;

		a->ids = aggmon_ptr(space);
		a->count = 16;
		break;
	}
	case AGGMON_AGG_OPEN:
		((struct aggmon_agg_open_attr *)buf)->id = aid;
		break;
	}
	ret = sys_aggmon(cmd, buf, size);
	if (ret >= 0 && (cmd == AGGMON_AGG_CREATE || cmd == AGGMON_AGG_OPEN)) {
		close(ret);
		ret = 0;
	}
	return ret;
}

TEST_F(one_cpu, attr_sizes)
{
	static const struct {
		int cmd;
		unsigned int size;
	} cmds[] = {
		{ AGGMON_AGG_CREATE, AGGMON_AGG_CREATE_SIZE_VER0 },
		{ AGGMON_AGG_INFO, AGGMON_AGG_INFO_SIZE_VER0 },
		{ AGGMON_AGG_SNAPSHOT, AGGMON_AGG_SNAPSHOT_SIZE_VER0 },
		{ AGGMON_AGG_LIST, AGGMON_AGG_LIST_SIZE_VER0 },
		{ AGGMON_AGG_OPEN, AGGMON_AGG_OPEN_SIZE_VER0 },
	};
	long page = sysconf(_SC_PAGESIZE);
	static __u64 space[512];
	struct aggmon_agg_create_attr attr;
	unsigned char *buf;
	size_t i, j;
	__u64 aid;
	int afd;

	ASSERT_LT(0, page);
	buf = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, buf);
	agg_attr_init(&attr, AGG_NAME ".sizes", COUNT, DELTA, self->gid);
	afd = agg_create(&attr);
	ASSERT_LE(0, afd);
	aid = attr.id;

/* The command of this round with a valid attr, @sz bytes of it. */
#define SIZES_CALL(sz) \
	sizes_call(cmd, buf, size, (sz), afd, aid, self->gid, space)
	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		const unsigned int size = cmds[i].size;
		const unsigned int small[] = { 0, 1, 8, size - 1 };
		const unsigned int big[] = {
			page + 1, 2 * page, UINT32_MAX,
		};
		const int cmd = cmds[i].cmd;

		memset(buf, 0, 2 * page);
		ASSERT_EQ(0, SIZES_CALL(size)) {
			TH_LOG("cmd %d: %s", cmd, strerror(errno));
		}
		for (j = 0; j < ARRAY_SIZE(small); j++) {
			ASSERT_EQ(-1, SIZES_CALL(small[j]));
			ASSERT_EQ(EINVAL, errno) {
				TH_LOG("cmd %d size %u", cmd, small[j]);
			}
		}
		for (j = 0; j < ARRAY_SIZE(big); j++) {
			memset(buf, 0, 2 * page);
			ASSERT_EQ(-1, SIZES_CALL(big[j]));
			ASSERT_EQ(E2BIG, errno) {
				TH_LOG("cmd %d size %u", cmd, big[j]);
			}
		}
		/* A zero tail: up to a page. */
		memset(buf, 0, 2 * page);
		ASSERT_EQ(0, SIZES_CALL(size + 8)) TH_LOG("cmd %d", cmd);
		ASSERT_EQ(0, SIZES_CALL(page)) TH_LOG("cmd %d", cmd);
		if (cmd == AGGMON_AGG_INFO)
			ASSERT_EQ(aid, ((struct aggmon_agg_info *)buf)->id);
		/* A non-zero byte in the tail. */
		buf[size] = 1;
		ASSERT_EQ(-1, SIZES_CALL(size + 8));
		ASSERT_EQ(E2BIG, errno) TH_LOG("cmd %d", cmd);
		buf[size] = 0;
		buf[size + 7] = 0x80;
		ASSERT_EQ(-1, SIZES_CALL(size + 8));
		ASSERT_EQ(E2BIG, errno) TH_LOG("cmd %d", cmd);
		buf[size + 7] = 0;
		buf[page - 1] = 1;
		ASSERT_EQ(-1, SIZES_CALL(page));
		ASSERT_EQ(E2BIG, errno) TH_LOG("cmd %d", cmd);
		buf[page - 1] = 0;
		/* No attr at all. */
		ASSERT_EQ(-1, sys_aggmon(cmd, NULL, size));
		ASSERT_EQ(EFAULT, errno) TH_LOG("cmd %d", cmd);
	}
#undef SIZES_CALL
	close(afd);
	munmap(buf, 2 * page);
}

/*
 * AGG_INFO: an fd that is not open is EBADF; an open fd that is no
 * aggregation (a gauge, /dev/null) is EINVAL; so is a flag.
 */
TEST_F(one_cpu, info_errors)
{
	struct aggmon_agg_info info;
	struct tagg t;
	int null_fd;

	tagg_open(_metadata, &t, AGG_NAME ".info_errors", &fdefs[F_COUNT],
		  DELTA, self->gid, 0, NULL, 0);
	null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, null_fd);

	ASSERT_EQ(-1, agg_info(closed_fd(_metadata), &info));
	ASSERT_EQ(EBADF, errno);
	ASSERT_EQ(-1, agg_info(-1, &info));
	ASSERT_EQ(EBADF, errno);
	ASSERT_EQ(-1, agg_info(self->gfd, &info));
	ASSERT_EQ(EINVAL, errno);
	ASSERT_EQ(-1, agg_info(null_fd, &info));
	ASSERT_EQ(EINVAL, errno);

	memset(&info, 0, sizeof(info));
	info.fd = (__u32)t.fd;
	info.flags = 1;
	ASSERT_EQ(-1, sys_aggmon(AGGMON_AGG_INFO, &info, sizeof(info)));
	ASSERT_EQ(EINVAL, errno);
	info.flags = 1u << 31;
	ASSERT_EQ(-1, sys_aggmon(AGGMON_AGG_INFO, &info, sizeof(info)));
	ASSERT_EQ(EINVAL, errno);

	ASSERT_EQ(0, agg_info(t.fd, &info));
	close(null_fd);
	tagg_close(&t);
}

/*
 * AGG_SNAPSHOT: fds as for AGG_INFO; unknown flags; CLEAR with a
 * generation; a cursor past the total; drop counts with nr_cpus short of
 * the aggregation's; a generation that is not the fd's snapshot.  None
 * of the failures with a generation disturbs that snapshot.
 */
TEST_F(one_cpu, snapshot_errors)
{
	static const __u32 bad_flags[] = { 2, 1u << 31, UINT32_MAX };
	struct aggmon_agg_snapshot_attr a;
	unsigned char buf[256];
	__u64 *drops;
	struct tagg t;
	int null_fd, n = self->nr_cpus;
	__u64 gen;
	size_t i;

	tagg_open(_metadata, &t, AGG_NAME ".snap_errors", &fdefs[F_COUNT],
		  DELTA, self->gid, 0, NULL, 0);
	ASSERT_GE(sizeof(buf), (size_t)t.info.record_size);
	update(_metadata, self->gfd, ADD, 1);
	null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, null_fd);
	drops = calloc(n + 3, sizeof(*drops));
	ASSERT_NE(NULL, drops);

	ASSERT_EQ(-1, snap_call(closed_fd(_metadata), 0, 0, buf, sizeof(buf),
				&a));
	ASSERT_EQ(EBADF, errno);
	ASSERT_EQ(-1, snap_call(self->gfd, 0, 0, buf, sizeof(buf), &a));
	ASSERT_EQ(EINVAL, errno);
	ASSERT_EQ(-1, snap_call(null_fd, 0, 0, buf, sizeof(buf), &a));
	ASSERT_EQ(EINVAL, errno);
	for (i = 0; i < ARRAY_SIZE(bad_flags); i++) {
		memset(&a, 0, sizeof(a));
		a.fd = (__u32)t.fd;
		a.flags = bad_flags[i];
		a.buf = aggmon_ptr(buf);
		a.buf_size = sizeof(buf);
		ASSERT_EQ(-1, agg_snapshot(&a));
		ASSERT_EQ(EINVAL, errno) TH_LOG("flags %#x", bad_flags[i]);
	}
	/* Drop counts with room for fewer CPUs than the aggregation's. */
	memset(&a, 0, sizeof(a));
	a.fd = (__u32)t.fd;
	a.buf = aggmon_ptr(buf);
	a.buf_size = sizeof(buf);
	a.drops = aggmon_ptr(drops);
	a.nr_cpus = n - 1;
	ASSERT_EQ(-1, agg_snapshot(&a));
	ASSERT_EQ(EINVAL, errno);
	a.nr_cpus = 0;
	ASSERT_EQ(-1, agg_snapshot(&a));
	ASSERT_EQ(EINVAL, errno);
	/* More room than needed is fine. */
	for (i = 0; i < (size_t)n + 3; i++)
		drops[i] = ALL_ONES;
	a.nr_cpus = n + 3;
	ASSERT_EQ(0, agg_snapshot(&a));
	ASSERT_EQ((__u32)n, a.nr_cpus);
	for (i = 0; i < (size_t)n; i++)
		ASSERT_EQ(0ULL, drops[i]);
	gen = a.generation;
	ASSERT_NE(0ULL, gen);
	ASSERT_EQ(1ULL, a.total);

	/* With the generation: */
	memset(&a, 0, sizeof(a));
	a.fd = (__u32)t.fd;
	a.buf = aggmon_ptr(buf);
	a.buf_size = sizeof(buf);
	a.generation = gen;
	a.flags = CLEAR;
	ASSERT_EQ(-1, agg_snapshot(&a));
	ASSERT_EQ(EINVAL, errno);
	for (i = 0; i < ARRAY_SIZE(bad_flags); i++) {
		a.flags = bad_flags[i];
		ASSERT_EQ(-1, agg_snapshot(&a));
		ASSERT_EQ(EINVAL, errno);
	}
	a.flags = 0;
	a.cursor = 2;
	ASSERT_EQ(-1, agg_snapshot(&a));
	ASSERT_EQ(EINVAL, errno);
	a.cursor = ALL_ONES;
	ASSERT_EQ(-1, agg_snapshot(&a));
	ASSERT_EQ(EINVAL, errno);
	a.cursor = 0;
	a.drops = aggmon_ptr(drops);
	a.nr_cpus = n - 1;
	ASSERT_EQ(-1, agg_snapshot(&a));
	ASSERT_EQ(EINVAL, errno);
	ASSERT_EQ(-1, snap_call(t.fd, gen + 1000, 0, buf, sizeof(buf), &a));
	ASSERT_EQ(ESTALE, errno);

	/* The snapshot is still there. */
	ASSERT_EQ(0, snap_call(t.fd, gen, 0, buf, sizeof(buf), &a));
	ASSERT_EQ(1u, a.count);
	ASSERT_EQ(1ULL, a.cursor);
	ASSERT_EQ(1ULL, ((struct aggmon_agg_record *)buf)->data[0]);
	ASSERT_EQ(0, snap_call(t.fd, gen, 1, buf, sizeof(buf), &a));
	ASSERT_EQ(0u, a.count);

	free(drops);
	close(null_fd);
	tagg_close(&t);
}

/*
 * Each file descriptor holds its own snapshot: a snapshot taken through
 * another fd of the same aggregation does not make this fd's generation
 * stale, and an fd that took none has no generation to continue.
 */
TEST_F(one_cpu, snapshot_per_fd)
{
	static const __u32 comm_key[] = { K_COMM };
	struct aggmon_agg_snapshot_attr a;
	unsigned char buf[2][256];
	__u64 g1, g2;
	struct tagg t;
	int fd2, fd3;

	tagg_open(_metadata, &t, AGG_NAME ".per_fd", &fdefs[F_COUNT], DELTA,
		  self->gid, 1, comm_key, 0);
	set_comm(_metadata, "aggfd_a");
	update(_metadata, self->gfd, ADD, 1);
	set_comm(_metadata, "aggfd_b");
	update(_metadata, self->gfd, ADD, 1);
	fd2 = agg_open(t.id, NULL);
	ASSERT_LE(0, fd2);
	fd3 = agg_open(t.id, NULL);
	ASSERT_LE(0, fd3);

	/* fd 1: the first of two records. */
	ASSERT_EQ(0, snap_call(t.fd, 0, 0, buf[0], t.info.record_size, &a));
	g1 = a.generation;
	ASSERT_EQ(2ULL, a.total);
	ASSERT_EQ(1u, a.count);
	/* fd 2: a snapshot of its own, all of it. */
	ASSERT_EQ(0, snap_call(fd2, 0, 0, buf[1], sizeof(buf[1]), &a));
	g2 = a.generation;
	ASSERT_NE(0ULL, g2);
	ASSERT_EQ(2ULL, a.total);
	ASSERT_EQ(2u, a.count);
	/* fd 1 goes on with its own. */
	ASSERT_EQ(0, snap_call(t.fd, g1, 1, buf[0] + t.info.record_size,
			       t.info.record_size, &a)) {
		TH_LOG("fd 1, after fd 2 took a snapshot: %s",
		       strerror(errno));
	}
	ASSERT_EQ(1u, a.count);
	ASSERT_EQ(0, memcmp(buf[0], buf[1], 2 * t.info.record_size));
	if (g1 != g2) {
		ASSERT_EQ(-1, snap_call(fd2, g1, 0, buf[1], sizeof(buf[1]),
					&a));
		ASSERT_EQ(ESTALE, errno);
	}
	/* fd 3 took none. */
	ASSERT_EQ(-1, snap_call(fd3, g1, 0, buf[1], sizeof(buf[1]), &a));
	ASSERT_EQ(ESTALE, errno);
	ASSERT_EQ(-1, snap_call(fd3, g2, 0, buf[1], sizeof(buf[1]), &a));
	ASSERT_EQ(ESTALE, errno);
	close(fd2);
	close(fd3);
	tagg_close(&t);
}

/* Walks AGG_LIST in batches of @batch: the ids, ascending, in @ids. */
static size_t list_all(struct __test_metadata *_metadata, __u32 batch,
		       __u64 *ids, size_t max)
{
	__u64 cursor = 0, buf[AGGMON_BATCH_MAX];
	size_t n = 0;
	long count;
	long i;

	for (;;) {
		__u64 from = cursor;

		count = agg_list(buf, batch, &cursor);
		ASSERT_LE(0, count) TH_LOG("AGG_LIST: %s", strerror(errno));
		ASSERT_GE((long)batch, count);
		if (!count)
			break;
		for (i = 0; i < count; i++) {
			ASSERT_LE(from, buf[i]);
			if (n)
				ASSERT_LT(ids[n - 1], buf[i]);
			ASSERT_GT(max, n);
			ids[n++] = buf[i];
		}
		ASSERT_LT(buf[count - 1], cursor);
	}
	return n;
}

static bool in_list(const __u64 *ids, size_t n, __u64 id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (ids[i] == id)
			return true;
	return false;
}

/*
 * AGG_LIST: every aggregation, the kernel's included, in ascending
 * order from the cursor, in batches of any size; an aggregation closed
 * is no longer listed.
 */
#define LIST_MAX	4096

TEST_F(one_cpu, list)
{
	static const __u32 batches[] = { 1, 2, 3, AGGMON_BATCH_MAX };
	static __u64 ids[ARRAY_SIZE(batches)][LIST_MAX];
	struct aggmon_agg_info info;
	size_t n[ARRAY_SIZE(batches)], i, b;
	__u64 cursor, buf[4];
	struct tagg t[3];
	int kfd;

	for (i = 0; i < 3; i++)
		tagg_open(_metadata, &t[i], AGG_NAME ".list", &fdefs[F_COUNT],
			  DELTA, self->gid, 0, NULL, 0);
	kfd = agg_open(0, KERNEL_AGG);
	ASSERT_LE(0, kfd) TH_LOG("open %s: %s", KERNEL_AGG, strerror(errno));
	ASSERT_EQ(0, agg_info(kfd, &info));

	for (b = 0; b < ARRAY_SIZE(batches); b++) {
		n[b] = list_all(_metadata, batches[b], ids[b], LIST_MAX);
		ASSERT_LE((size_t)4, n[b]);
		for (i = 0; i < 3; i++)
			ASSERT_TRUE(in_list(ids[b], n[b], t[i].id));
		ASSERT_TRUE(in_list(ids[b], n[b], info.id));
		ASSERT_EQ(n[0], n[b]);
		ASSERT_EQ(0, memcmp(ids[0], ids[b], n[b] * sizeof(__u64)));
	}

	/* From an id on: that id first; from the one after: beyond it. */
	for (i = 0; i < 3; i++) {
		cursor = t[i].id;
		ASSERT_LT(0, agg_list(buf, 4, &cursor));
		ASSERT_EQ(t[i].id, buf[0]);
		cursor = t[i].id + 1;
		if (agg_list(buf, 1, &cursor) == 1)
			ASSERT_LT(t[i].id, buf[0]);
	}
	/* From beyond the last: nothing. */
	cursor = ids[0][n[0] - 1] + 1;
	ASSERT_EQ(0, agg_list(buf, 4, &cursor));

	/* Closed, gone from the list (and from AGG_OPEN). */
	tagg_close(&t[1]);
	n[0] = list_all(_metadata, AGGMON_BATCH_MAX, ids[0], LIST_MAX);
	ASSERT_FALSE(in_list(ids[0], n[0], t[1].id));
	ASSERT_TRUE(in_list(ids[0], n[0], t[0].id));
	ASSERT_TRUE(in_list(ids[0], n[0], t[2].id));
	ASSERT_EQ(-1, agg_open(t[1].id, NULL));
	ASSERT_EQ(ENOENT, errno);

	close(kfd);
	tagg_close(&t[0]);
	tagg_close(&t[2]);
}

/* AGG_LIST: a flag, a count of 0 or above AGGMON_BATCH_MAX: EINVAL. */
TEST_F(one_cpu, list_errors)
{
	static __u64 ids[AGGMON_BATCH_MAX + 1];
	struct aggmon_agg_list_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.ids = aggmon_ptr(ids);
	attr.count = 1;
	attr.flags = 1;
	ASSERT_EQ(-1, sys_aggmon(AGGMON_AGG_LIST, &attr, sizeof(attr)));
	ASSERT_EQ(EINVAL, errno);
	attr.flags = 1u << 31;
	ASSERT_EQ(-1, sys_aggmon(AGGMON_AGG_LIST, &attr, sizeof(attr)));
	ASSERT_EQ(EINVAL, errno);
	attr.flags = 0;
	attr.count = 0;
	ASSERT_EQ(-1, sys_aggmon(AGGMON_AGG_LIST, &attr, sizeof(attr)));
	ASSERT_EQ(EINVAL, errno);
	attr.count = AGGMON_BATCH_MAX + 1;
	ASSERT_EQ(-1, sys_aggmon(AGGMON_AGG_LIST, &attr, sizeof(attr)));
	ASSERT_EQ(EINVAL, errno);
	attr.count = UINT32_MAX;
	ASSERT_EQ(-1, sys_aggmon(AGGMON_AGG_LIST, &attr, sizeof(attr)));
	ASSERT_EQ(EINVAL, errno);
	attr.count = AGGMON_BATCH_MAX;
	ASSERT_EQ(0, sys_aggmon(AGGMON_AGG_LIST, &attr, sizeof(attr)));
	ASSERT_LT(0u, attr.count);
}

/*
 * AGG_OPEN by id: a new fd on the same aggregation, whose dictionary
 * entry and data are those of the creator's fd; the aggregation lives
 * on while either is open.  By name: the kernel's aggregation (and by
 * its id, too).  Every fd is close-on-exec.
 */
TEST_F(one_cpu, open)
{
	static const __u32 cpu_key[] = { K_CPU };
	struct aggmon_agg_info info, info2;
	struct agg_snap s;
	struct tagg t;
	int fd2, fd3, kfd, kfd2;
	__u64 cpu = self->cpu;

	tagg_open(_metadata, &t, AGG_NAME ".open", &fdefs[F_COUNT], DELTA,
		  self->gid, 1, cpu_key, 0);
	fd2 = agg_open(t.id, NULL);
	ASSERT_LE(0, fd2) TH_LOG("AGG_OPEN: %s", strerror(errno));
	ASSERT_NE(t.fd, fd2);
	ASSERT_EQ(1, is_cloexec(t.fd));
	ASSERT_EQ(1, is_cloexec(fd2));
	ASSERT_EQ(0, agg_info(fd2, &info));
	info.fd = t.info.fd;
	ASSERT_EQ(0, memcmp(&t.info, &info, sizeof(info)));

	update(_metadata, self->gfd, ADD, 1);
	update(_metadata, self->gfd, ADD, 1);
	update(_metadata, self->gfd, ADD, 1);
	t.ref.s[0] = 3;
	TAKE(fd2, 0, &s);
	ASSERT_EQ((size_t)1, s.nrec);
	ASSERT_EQ(cpu, agg_rec(&s, 0)->data[0]);
	ASSERT_EQ(3ULL, rec_value(&s, 0)[0]);
	agg_snap_free(&s);
	check_tagg(_metadata, __LINE__, &t, self->cpu, &cpu);

	kfd = agg_open(0, KERNEL_AGG);
	ASSERT_LE(0, kfd) TH_LOG("open %s: %s", KERNEL_AGG, strerror(errno));
	ASSERT_EQ(1, is_cloexec(kfd));
	ASSERT_EQ(0, agg_info(kfd, &info));
	ASSERT_STREQ(KERNEL_AGG, info.name);
	ASSERT_EQ(KERNEL, info.source);
	kfd2 = agg_open(info.id, NULL);
	ASSERT_LE(0, kfd2);
	ASSERT_EQ(0, agg_info(kfd2, &info2));
	ASSERT_EQ(info.id, info2.id);
	ASSERT_STREQ(KERNEL_AGG, info2.name);
	close(kfd);
	close(kfd2);

	/* The creator's fd closed, the opened one keeps it all. */
	tagg_close(&t);
	update(_metadata, self->gfd, ADD, 1);
	ASSERT_EQ(0, agg_info(fd2, &info));
	ASSERT_EQ(t.id, info.id);
	ASSERT_EQ(0u, info.state);
	fd3 = agg_open(t.id, NULL);
	ASSERT_LE(0, fd3) TH_LOG("reopen: %s", strerror(errno));
	ASSERT_EQ(0, close(fd3));
	TAKE(fd2, 0, &s);
	ASSERT_EQ((size_t)1, s.nrec);
	ASSERT_EQ(4ULL, rec_value(&s, 0)[0]);
	agg_snap_free(&s);
	/* The last fd closed, it is gone. */
	ASSERT_EQ(0, close(fd2));
	ASSERT_EQ(-1, agg_open(t.id, NULL));
	ASSERT_EQ(ENOENT, errno);
}

/*
 * AGG_OPEN errors: no aggregation of the id (ENOENT); no kernel
 * aggregation of the name (ENOENT), a user aggregation's name included;
 * both an id and a name, a flag, __reserved (EINVAL).
 */
TEST_F(one_cpu, open_errors)
{
	struct aggmon_agg_create_attr c;
	struct aggmon_agg_open_attr attr;
	__u64 gone_id;
	struct tagg t;
	int fd;

	tagg_open(_metadata, &t, AGG_NAME ".open_errors", &fdefs[F_COUNT],
		  DELTA, self->gid, 0, NULL, 0);
	agg_attr_init(&c, AGG_NAME ".open_gone", COUNT, DELTA, self->gid);
	fd = agg_create(&c);
	ASSERT_LE(0, fd);
	gone_id = c.id;
	ASSERT_EQ(0, close(fd));

	ASSERT_EQ(-1, agg_open(AGGMON_BAD_ID, NULL));
	ASSERT_EQ(ENOENT, errno);
	ASSERT_EQ(-1, agg_open(ALL_ONES, NULL));
	ASSERT_EQ(ENOENT, errno);
	ASSERT_EQ(-1, agg_open(gone_id, NULL));
	ASSERT_EQ(ENOENT, errno);
	ASSERT_EQ(-1, agg_open(0, "kselftest.no_such_agg"));
	ASSERT_EQ(ENOENT, errno);
	/* By name: kernel aggregations only. */
	ASSERT_EQ(-1, agg_open(0, AGG_NAME ".open_errors"));
	ASSERT_EQ(ENOENT, errno);

	ASSERT_EQ(-1, agg_open(t.id, KERNEL_AGG));
	ASSERT_EQ(EINVAL, errno);
	memset(&attr, 0, sizeof(attr));
	attr.id = t.id;
	attr.flags = 1;
	ASSERT_EQ(-1, sys_aggmon(AGGMON_AGG_OPEN, &attr, sizeof(attr)));
	ASSERT_EQ(EINVAL, errno);
	attr.flags = 0;
	attr.__reserved = 1;
	ASSERT_EQ(-1, sys_aggmon(AGGMON_AGG_OPEN, &attr, sizeof(attr)));
	ASSERT_EQ(EINVAL, errno);
	attr.__reserved = 0;
	/* With an id, the name is all zero, past its first byte too. */
	attr.name[5] = 'x';
	ASSERT_EQ(-1, sys_aggmon(AGGMON_AGG_OPEN, &attr, sizeof(attr)));
	ASSERT_EQ(EINVAL, errno);
	attr.name[5] = 0;
	fd = sys_aggmon(AGGMON_AGG_OPEN, &attr, sizeof(attr));
	ASSERT_LE(0, fd);
	close(fd);
	tagg_close(&t);
}

/*
 * Threads: NR_THREADS threads, one pinned to each of CPUs 0..3, started
 * behind a barrier, add to one gauge.
 */
#define NR_THREADS	4
#define MAX_NAMES	16

struct worker {
	pthread_t thread;
	pthread_barrier_t *barrier;
	int cpu;
	int gfd;
	/* Fixed work: per_name adds under each name (or without names). */
	unsigned int nnames;
	char names[MAX_NAMES][COMM_LEN];
	long per_name;
	bool value_by_name;	/* add j + 1 under name j, else 1 */
	/* Open-ended work: adds until *stop and at least min_adds. */
	int *stop;
	long min_adds;
	/* Results. */
	__u64 tid;
	long adds;
	int err;
};

static void *worker_fn(void *arg)
{
	struct worker *w = arg;
	struct aggmon_gauge_update_attr attr = {
		.fd = (__u32)w->gfd,
		.op = AGGMON_UPDATE_ADD,
		.value = 1,
	};
	unsigned int j, rounds = w->nnames ? w->nnames : 1;
	long i;

	w->tid = (__u64)syscall(SYS_gettid);
	w->err = pin_cpu(w->cpu);
	pthread_barrier_wait(w->barrier);
	if (w->stop) {
		while (!w->err &&
		       (w->adds < w->min_adds ||
			!__atomic_load_n(w->stop, __ATOMIC_ACQUIRE))) {
			if (sys_aggmon(AGGMON_GAUGE_UPDATE, &attr,
				       sizeof(attr)))
				w->err = errno;
			else
				w->adds++;
		}
	}
	for (j = 0; !w->stop && !w->err && j < rounds; j++) {
		if (w->nnames &&
		    prctl(PR_SET_NAME, w->names[j], 0, 0, 0)) {
			w->err = errno;
			break;
		}
		attr.value = w->value_by_name ? (__s64)j + 1 : 1;
		for (i = 0; !w->err && i < w->per_name; i++) {
			if (sys_aggmon(AGGMON_GAUGE_UPDATE, &attr,
				       sizeof(attr)))
				w->err = errno;
			else
				w->adds++;
		}
	}
	if (!w->err && sched_getcpu() != w->cpu)
		w->err = EXDEV;
	return NULL;
}

FIXTURE(threads) {
	int gfd;
	__u64 gid;
	int nr_cpus;
	struct worker w[NR_THREADS];
	pthread_barrier_t barrier;
	int stop;
};

FIXTURE_SETUP(threads)
{
	char item[AGGMON_ITEM_LEN];
	cpu_set_t set;
	int cpu;

	if (sysconf(_SC_NPROCESSORS_ONLN) < NR_THREADS)
		SKIP(return, "needs %d online CPUs", NR_THREADS);
	ASSERT_EQ(0, sched_getaffinity(0, sizeof(set), &set));
	for (cpu = 0; cpu < NR_THREADS; cpu++)
		if (!CPU_ISSET(cpu, &set))
			SKIP(return, "CPU %d not available", cpu);
	self->nr_cpus = agg_possible_cpus();
	ASSERT_LE(NR_THREADS, self->nr_cpus);
	aggmon_pid_item(item, "_threads");
	self->gfd = aggmon_create(GAUGE_NAME, item, "", 0, &self->gid);
	ASSERT_LE(0, self->gfd);
	memset(self->w, 0, sizeof(self->w));
	for (cpu = 0; cpu < NR_THREADS; cpu++) {
		self->w[cpu].barrier = &self->barrier;
		self->w[cpu].cpu = cpu;
		self->w[cpu].gfd = self->gfd;
	}
}

FIXTURE_TEARDOWN(threads)
{
	close(self->gfd);
}

/* Starts the workers and releases them. */
static void start_workers(struct __test_metadata *_metadata,
			  FIXTURE_DATA(threads) *self)
{
	int i;

	ASSERT_EQ(0, pthread_barrier_init(&self->barrier, NULL,
					  NR_THREADS + 1));
	for (i = 0; i < NR_THREADS; i++)
		ASSERT_EQ(0, pthread_create(&self->w[i].thread, NULL,
					    worker_fn, &self->w[i]));
	pthread_barrier_wait(&self->barrier);
}

/* Joins the workers; each must have done its work on its CPU. */
static void join_workers(struct __test_metadata *_metadata,
			 FIXTURE_DATA(threads) *self)
{
	int i;

	for (i = 0; i < NR_THREADS; i++) {
		ASSERT_EQ(0, pthread_join(self->w[i].thread, NULL));
		EXPECT_EQ(0, self->w[i].err) {
			TH_LOG("thread %d: %s", i, strerror(self->w[i].err));
		}
	}
	pthread_barrier_destroy(&self->barrier);
	ASSERT_EQ(0, _metadata->exit_code);
}

/* The key CGROUP of this process's threads: 0 without cgroups. */
static bool have_cgroups(void)
{
	return access("/proc/self/cgroup", F_OK) == 0;
}

/*
 * THR_UPDATES adds of 1 from each thread, under two comms (the first
 * half under "aggw<cpu>_a", the rest under "aggw<cpu>_b"): no update is
 * lost anywhere.  Without key fields each CPU's buffer holds one record
 * with that CPU's count; keyed by the gauge, the same, with the gauge's
 * id; keyed by CPU, the key is the record's CPU.  Keyed by every field,
 * each (CPU, comm) is a record whose fields are the thread's.
 */
#define THR_UPDATES	100000L

TEST_F_TIMEOUT(threads, one_key, 600)
{
	static const __u32 gauge_key[] = { K_GAUGE };
	static const __u32 cpu_key[] = { K_CPU };
	static const __u32 every_key[] = {
		K_CPU, K_COMM, K_PID, K_TGID, K_UID, K_GAUGE, K_CGROUP,
	};
	struct tagg a_none, a_gauge, a_cpu, a_every, a_sd;
	bool seen_cpu[NR_THREADS], seen[NR_THREADS][2];
	const __u64 total = NR_THREADS * THR_UPDATES;
	const __u64 sd_expect[6] = { total, total, 0, total, 0, 0 };
	const __u64 *sd;
	__u64 cgroup = 0;
	struct agg_merged m;
	struct agg_snap s;
	size_t i;
	int c, h;

	tagg_open(_metadata, &a_none, AGG_NAME ".one_key", &fdefs[F_COUNT],
		  DELTA, self->gid, 0, NULL, 0);
	tagg_open(_metadata, &a_gauge, AGG_NAME ".one_key", &fdefs[F_SUM],
		  DELTA, self->gid, 1, gauge_key, 0);
	tagg_open(_metadata, &a_cpu, AGG_NAME ".one_key", &fdefs[F_COUNT],
		  DELTA, self->gid, 1, cpu_key, 0);
	tagg_open(_metadata, &a_every, AGG_NAME ".one_key",
		  &fdefs[F_COUNT], DELTA, self->gid, ARRAY_SIZE(every_key),
		  every_key, 0);
	ASSERT_EQ(8u, a_every.info.key_slots);
	tagg_open(_metadata, &a_sd, AGG_NAME ".one_key", &fdefs[F_STDDEV],
		  DELTA, self->gid, 1, gauge_key, 0);
	for (c = 0; c < NR_THREADS; c++) {
		self->w[c].nnames = 2;
		snprintf(self->w[c].names[0], COMM_LEN, "aggw%d_a", c);
		snprintf(self->w[c].names[1], COMM_LEN, "aggw%d_b", c);
		self->w[c].per_name = THR_UPDATES / 2;
	}
	start_workers(_metadata, self);
	join_workers(_metadata, self);
	for (c = 0; c < NR_THREADS; c++)
		ASSERT_EQ(THR_UPDATES, self->w[c].adds);

	/* No key: one record per CPU, each with its thread's count. */
	TAKE(a_none.fd, 0, &s);
	ASSERT_EQ((size_t)NR_THREADS, s.nrec);
	memset(seen_cpu, 0, sizeof(seen_cpu));
	for (i = 0; i < s.nrec; i++) {
		c = agg_rec(&s, i)->cpu;
		ASSERT_GT(NR_THREADS, c);
		ASSERT_FALSE(seen_cpu[c]);
		seen_cpu[c] = true;
		ASSERT_EQ((__u64)THR_UPDATES, rec_value(&s, i)[0]);
	}
	ASSERT_EQ(0, agg_merge(&s, &m));
	ASSERT_EQ((size_t)1, m.n);
	ASSERT_EQ(total, agg_merged_find(&m, NULL)[0]);
	agg_merged_free(&m);
	agg_snap_free(&s);

	/* Keyed by the gauge. */
	TAKE(a_gauge.fd, 0, &s);
	ASSERT_EQ((size_t)NR_THREADS, s.nrec);
	for (i = 0; i < s.nrec; i++) {
		ASSERT_EQ(self->gid, agg_rec(&s, i)->data[0]);
		ASSERT_EQ((__u64)THR_UPDATES, rec_value(&s, i)[0]);
	}
	ASSERT_EQ(0, agg_merge(&s, &m));
	ASSERT_EQ((size_t)1, m.n);
	ASSERT_EQ(total, agg_merged_find(&m, &self->gid)[0]);
	agg_merged_free(&m);
	agg_snap_free(&s);

	/* Keyed by CPU: the key is the CPU of the update. */
	TAKE(a_cpu.fd, 0, &s);
	ASSERT_EQ((size_t)NR_THREADS, s.nrec);
	for (i = 0; i < s.nrec; i++) {
		ASSERT_EQ((__u64)agg_rec(&s, i)->cpu, agg_rec(&s, i)->data[0]);
		ASSERT_EQ((__u64)THR_UPDATES, rec_value(&s, i)[0]);
	}
	ASSERT_EQ(0, agg_merge(&s, &m));
	ASSERT_EQ((size_t)NR_THREADS, m.n);
	agg_merged_free(&m);
	agg_snap_free(&s);

	/* Keyed by everything: 2 records per thread. */
	TAKE(a_every.fd, 0, &s);
	ASSERT_EQ((size_t)2 * NR_THREADS, s.nrec);
	memset(seen, 0, sizeof(seen));
	for (i = 0; i < s.nrec; i++) {
		const struct aggmon_agg_record *r = agg_rec(&s, i);
		const __u64 *k = r->data;
		__u64 comm[2];
		struct worker *w;

		c = (int)k[0];
		ASSERT_EQ((__u64)r->cpu, k[0]);
		ASSERT_GT(NR_THREADS, c);
		w = &self->w[c];
		for (h = 0; h < 2; h++) {
			comm_words(comm, w->names[h]);
			if (!memcmp(comm, &k[1], sizeof(comm)))
				break;
		}
		ASSERT_GT(2, h) TH_LOG("record %zu: comm %.16s", i,
				       (const char *)&k[1]);
		ASSERT_FALSE(seen[c][h]);
		seen[c][h] = true;
		ASSERT_EQ(w->tid, k[3]);
		ASSERT_EQ((__u64)getpid(), k[4]);
		ASSERT_EQ((__u64)getuid(), k[5]);
		ASSERT_EQ(self->gid, k[6]);
		if (!have_cgroups())
			ASSERT_EQ(0ULL, k[7]);
		if (i)
			ASSERT_EQ(cgroup, k[7]);
		cgroup = k[7];
		ASSERT_EQ((__u64)THR_UPDATES / 2, rec_value(&s, i)[0]);
	}
	agg_snap_free(&s);

	/* A stddev of all ones: n, sum and sum of squares are the count. */
	TAKE(a_sd.fd, 0, &s);
	ASSERT_EQ(0, agg_merge(&s, &m));
	ASSERT_EQ((size_t)1, m.n);
	sd = agg_merged_find(&m, &self->gid);
	ASSERT_NE(NULL, sd);
	for (i = 0; i < 6; i++)
		ASSERT_EQ(sd_expect[i], sd[i]) TH_LOG("slot %zu", i);
	agg_merged_free(&m);
	agg_snap_free(&s);

	tagg_close(&a_none);
	tagg_close(&a_gauge);
	tagg_close(&a_cpu);
	tagg_close(&a_every);
	tagg_close(&a_sd);
}

/*
 * Many keys: every thread goes through the same MAX_NAMES comms, adding
 * MANY_PER_NAME times j + 1 under comm j.  Keyed by comm, each CPU holds
 * MAX_NAMES records and the merge over CPUs gives each comm's totals;
 * keyed by (CPU, comm), every record is one thread's share.
 */
#define MANY_PER_NAME	2000L

TEST_F_TIMEOUT(threads, many_keys, 600)
{
	static const __u32 comm_key[] = { K_COMM };
	static const __u32 cpu_comm_key[] = { K_CPU, K_COMM };
	static const __u32 comm_cpu_key[] = { K_COMM, K_CPU };
	struct tagg a_count, a_sum, a_cc, a_max;
	const __u64 n = NR_THREADS * MANY_PER_NAME;
	struct agg_merged m;
	struct agg_snap s;
	__u64 key[3];
	size_t i;
	int c, j, per_cpu[NR_THREADS];

	tagg_open(_metadata, &a_count, AGG_NAME ".many", &fdefs[F_COUNT],
		  DELTA, self->gid, 1, comm_key, 0);
	tagg_open(_metadata, &a_sum, AGG_NAME ".many", &fdefs[F_SUM], DELTA,
		  self->gid, 1, comm_key, 0);
	tagg_open(_metadata, &a_cc, AGG_NAME ".many", &fdefs[F_COUNT],
		  DELTA, self->gid, 2, cpu_comm_key, 0);
	tagg_open(_metadata, &a_max, AGG_NAME ".many", &fdefs[F_MAX], DELTA,
		  self->gid, 2, comm_cpu_key, 0);
	for (c = 0; c < NR_THREADS; c++) {
		self->w[c].nnames = MAX_NAMES;
		for (j = 0; j < MAX_NAMES; j++)
			snprintf(self->w[c].names[j], COMM_LEN, "aggm_%02d", j);
		self->w[c].per_name = MANY_PER_NAME;
		self->w[c].value_by_name = true;
	}
	start_workers(_metadata, self);
	join_workers(_metadata, self);

	TAKE(a_count.fd, 0, &s);
	ASSERT_EQ((size_t)NR_THREADS * MAX_NAMES, s.nrec);
	memset(per_cpu, 0, sizeof(per_cpu));
	for (i = 0; i < s.nrec; i++) {
		ASSERT_GT(NR_THREADS, (int)agg_rec(&s, i)->cpu);
		per_cpu[agg_rec(&s, i)->cpu]++;
		ASSERT_EQ((__u64)MANY_PER_NAME, rec_value(&s, i)[0]);
	}
	for (c = 0; c < NR_THREADS; c++)
		ASSERT_EQ(MAX_NAMES, per_cpu[c]);
	ASSERT_EQ(0, agg_merge(&s, &m));
	ASSERT_EQ((size_t)MAX_NAMES, m.n);
	for (j = 0; j < MAX_NAMES; j++) {
		comm_words(key, self->w[0].names[j]);
		ASSERT_NE(NULL, agg_merged_find(&m, key));
		ASSERT_EQ(n, agg_merged_find(&m, key)[0]);
	}
	agg_merged_free(&m);
	agg_snap_free(&s);

	TAKE(a_sum.fd, 0, &s);
	ASSERT_EQ(0, agg_merge(&s, &m));
	ASSERT_EQ((size_t)MAX_NAMES, m.n);
	for (j = 0; j < MAX_NAMES; j++) {
		comm_words(key, self->w[0].names[j]);
		ASSERT_EQ(n * (j + 1), agg_merged_find(&m, key)[0]);
	}
	agg_merged_free(&m);
	agg_snap_free(&s);

	TAKE(a_cc.fd, 0, &s);
	ASSERT_EQ((size_t)NR_THREADS * MAX_NAMES, s.nrec);
	ASSERT_EQ(0, agg_merge(&s, &m));
	ASSERT_EQ((size_t)NR_THREADS * MAX_NAMES, m.n);
	for (c = 0; c < NR_THREADS; c++) {
		for (j = 0; j < MAX_NAMES; j++) {
			key[0] = c;
			comm_words(&key[1], self->w[c].names[j]);
			ASSERT_NE(NULL, agg_merged_find(&m, key));
			ASSERT_EQ((__u64)MANY_PER_NAME,
				  agg_merged_find(&m, key)[0]);
		}
	}
	agg_merged_free(&m);
	agg_snap_free(&s);

	TAKE(a_max.fd, 0, &s);
	ASSERT_EQ((size_t)NR_THREADS * MAX_NAMES, s.nrec);
	for (i = 0; i < s.nrec; i++)
		ASSERT_EQ((__u64)agg_rec(&s, i)->cpu, agg_rec(&s, i)->data[2]);
	ASSERT_EQ(0, agg_merge(&s, &m));
	for (c = 0; c < NR_THREADS; c++) {
		for (j = 0; j < MAX_NAMES; j++) {
			const __u64 *v;

			comm_words(key, self->w[c].names[j]);
			key[2] = c;
			v = agg_merged_find(&m, key);
			ASSERT_NE(NULL, v);
			ASSERT_EQ((__u64)MANY_PER_NAME, v[0]);
			ASSERT_EQ((__u64)j + 1, v[1]);
		}
	}
	agg_merged_free(&m);
	agg_snap_free(&s);

	tagg_close(&a_count);
	tagg_close(&a_sum);
	tagg_close(&a_cc);
	tagg_close(&a_max);
}

/*
 * Snapshot-and-clear in a loop while the threads add 1 at a time: an
 * update goes into exactly one interval, so the counts of all intervals
 * and of a final snapshot add up to the adds made, CPU by CPU.
 */
#define CLEAR_LOOPS	200
#define CLEAR_MIN_ADDS	20000L

TEST_F_TIMEOUT(threads, clear_loop, 600)
{
	static const __u32 cpu_key[] = { K_CPU };
	__u64 counts[NR_THREADS], sums[NR_THREADS], total = 0, seen = 0;
	struct tagg a_count, a_sum;
	int loop, busy = 0, c;
	struct agg_snap s;
	size_t i;

	tagg_open(_metadata, &a_count, AGG_NAME ".clear", &fdefs[F_COUNT],
		  DELTA, self->gid, 0, NULL, 0);
	tagg_open(_metadata, &a_sum, AGG_NAME ".clear", &fdefs[F_SUM], DELTA,
		  self->gid, 1, cpu_key, 0);
	memset(counts, 0, sizeof(counts));
	memset(sums, 0, sizeof(sums));
	for (c = 0; c < NR_THREADS; c++) {
		self->w[c].stop = &self->stop;
		self->w[c].min_adds = CLEAR_MIN_ADDS;
	}
	start_workers(_metadata, self);

	for (loop = 0; loop <= CLEAR_LOOPS; loop++) {
		/* The last round, after the threads stopped, does not clear. */
		__u32 flags = loop < CLEAR_LOOPS ? CLEAR : 0;
		__u64 interval = 0;

		if (loop == CLEAR_LOOPS) {
			__atomic_store_n(&self->stop, 1, __ATOMIC_RELEASE);
			join_workers(_metadata, self);
		}
		TAKE(a_count.fd, flags, &s);
		for (i = 0; i < s.nrec; i++) {
			c = agg_rec(&s, i)->cpu;
			ASSERT_GT(NR_THREADS, c);
			counts[c] += rec_value(&s, i)[0];
			interval += rec_value(&s, i)[0];
		}
		for (c = 0; c < (int)s.info.nr_cpus; c++)
			ASSERT_EQ(0ULL, s.drops[c]);
		agg_snap_free(&s);
		busy += interval != 0;

		TAKE(a_sum.fd, flags, &s);
		for (i = 0; i < s.nrec; i++) {
			c = agg_rec(&s, i)->cpu;
			ASSERT_EQ((__u64)c, agg_rec(&s, i)->data[0]);
			sums[c] += rec_value(&s, i)[0];
		}
		agg_snap_free(&s);
	}

	for (c = 0; c < NR_THREADS; c++) {
		ASSERT_LE(CLEAR_MIN_ADDS, self->w[c].adds);
		ASSERT_EQ((__u64)self->w[c].adds, counts[c]) {
			TH_LOG("cpu %d", c);
		}
		ASSERT_EQ((__u64)self->w[c].adds, sums[c]) TH_LOG("cpu %d", c);
		total += self->w[c].adds;
		seen += counts[c];
	}
	ASSERT_EQ(total, seen);
	TH_LOG("%llu adds over %d intervals, %d of them with adds",
	       (unsigned long long)total, CLEAR_LOOPS + 1, busy);
	/* The clears did run while the threads added. */
	ASSERT_LT(1, busy);
	tagg_close(&a_count);
	tagg_close(&a_sum);
}

/*
 * The kernel's own aggregation, "aggmon.syscall_ns": the duration of
 * each aggmon() call in ns, a power-of-two distribution keyed by the
 * command.  Opened by name, it is a kernel aggregation of quantize with
 * one explicit key.
 */
TEST(kernel_agg_info)
{
	struct aggmon_agg_info info;
	__u64 ids[LIST_MAX];
	size_t n;
	int fd;

	fd = agg_open(0, KERNEL_AGG);
	ASSERT_LE(0, fd) TH_LOG("open %s: %s", KERNEL_AGG, strerror(errno));
	ASSERT_EQ(0, agg_info(fd, &info));
	ASSERT_NE(0ULL, info.id);
	ASSERT_STREQ(KERNEL_AGG, info.name);
	ASSERT_EQ(QUANT, info.func);
	ASSERT_EQ(KERNEL, info.source);
	ASSERT_EQ(0u, info.state);
	ASSERT_EQ(1u, info.nkeys);
	ASSERT_EQ(K_ARG, info.keys[0]);
	ASSERT_EQ(1u, info.key_slots);
	ASSERT_EQ((__u32)AGGMON_QUANTIZE_BUCKETS, info.value_slots);
	ASSERT_EQ(16u + 8 * (1 + AGGMON_QUANTIZE_BUCKETS), info.record_size);
	ASSERT_LT(0u, info.entries);
	ASSERT_EQ((__u32)agg_possible_cpus(), info.nr_cpus);
	ASSERT_EQ(0u, info.owner_uid);
	ASSERT_EQ(0ULL, info.gauge_id);
	n = list_all(_metadata, AGGMON_BATCH_MAX, ids, LIST_MAX);
	ASSERT_TRUE(in_list(ids, n, info.id));
	close(fd);
}

/*
 * Cleared, then exactly TIMED_READS AGGMON_GAUGE_READ calls from one
 * thread: the key AGGMON_GAUGE_READ counts exactly that many durations,
 * all of them positive (none in the zero bucket or below).
 */
#define TIMED_READS	1000

TEST(kernel_agg_timing)
{
	__u64 key = AGGMON_GAUGE_READ, id = 0, sum = 0;
	char item[AGGMON_ITEM_LEN];
	struct agg_merged m;
	struct agg_snap s;
	const __u64 *v;
	__s64 value;
	int fd, gfd, i, cpu;

	cpu = pin_first_cpu(_metadata);
	aggmon_pid_item(item, "_timing");
	gfd = aggmon_create(GAUGE_NAME, item, "", 0, &id);
	ASSERT_LE(0, gfd);
	fd = agg_open(0, KERNEL_AGG);
	ASSERT_LE(0, fd) TH_LOG("open %s: %s", KERNEL_AGG, strerror(errno));

	TAKE(fd, CLEAR, &s);
	agg_snap_free(&s);
	for (i = 0; i < TIMED_READS; i++)
		ASSERT_EQ(0, aggmon_read1(id, &value));
	TAKE(fd, 0, &s);
	for (cpu = 0; cpu < (int)s.info.nr_cpus; cpu++)
		ASSERT_EQ(0ULL, s.drops[cpu]);
	ASSERT_EQ(0, agg_merge(&s, &m));
	v = agg_merged_find(&m, &key);
	ASSERT_NE(NULL, v) TH_LOG("no record of AGGMON_GAUGE_READ");
	for (i = 0; i < AGGMON_QUANTIZE_BUCKETS; i++) {
		if (i <= ZERO_BUCKET)
			ASSERT_EQ(0ULL, v[i]) TH_LOG("bucket %d", i);
		sum += v[i];
	}
	ASSERT_EQ((__u64)TIMED_READS, sum);
	agg_merged_free(&m);
	agg_snap_free(&s);
	close(fd);
	close(gfd);
}

/*
 * Memory by bytes: kernel.aggmon_max_user_bytes caps what one user's
 * aggregation buffers, threshold queues and snapshots take.  The parent
 * (root) owns a gauge and sets the cap and kernel.aggmon_paranoid 1; a
 * child as uid 65534, which holds nothing else, creates against the cap.
 * The parent restores both.
 */
#define AGGMON_MAX_BYTES_SYSCTL	"/proc/sys/kernel/aggmon_max_user_bytes"
#define BYTES_ENTRIES		64
#define BYTES_SLACK		100

FIXTURE(bytes) {
	long saved_paranoid, saved_bytes;
	int gfd;
	__u64 gid;
	long per_agg;		/* what one aggregation's buffers take */
	size_t record_size;
	int nr_cpus;
	int offline_cpu;	/* a CPU the test took offline, or -1 */
};

/* COUNT keyed by the gauge, of @entries: 32-byte data sets. */
static int bytes_agg_of(__u64 gid, __u32 entries)
{
	static const __u32 gauge_key[] = { K_GAUGE };
	struct aggmon_agg_create_attr attr;

	agg_attr_init(&attr, AGG_NAME ".bytes", COUNT, DELTA, gid);
	agg_attr_keys(&attr, 1, gauge_key);
	attr.entries = entries;
	return agg_create(&attr);
}

static int bytes_agg(__u64 gid)
{
	return bytes_agg_of(gid, BYTES_ENTRIES);
}

FIXTURE_SETUP(bytes)
{
	struct aggmon_agg_info info;
	char item[AGGMON_ITEM_LEN];
	int fd;

	ASSERT_EQ(0, aggmon_sysctl_read(AGGMON_PARANOID_SYSCTL,
					&self->saved_paranoid));
	ASSERT_EQ(0, aggmon_sysctl_read(AGGMON_MAX_BYTES_SYSCTL,
					&self->saved_bytes));
	aggmon_pid_item(item, "_bytes");
	self->gfd = aggmon_create(GAUGE_NAME, item, "", 0, &self->gid);
	ASSERT_LE(0, self->gfd);
	fd = bytes_agg(self->gid);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, agg_info(fd, &info));
	ASSERT_EQ(0, close(fd));
	/*
	 * An active buffer per online CPU (nr_cpus, here where CPUs
	 * 0..nr_cpus - 1 are online) and a spare, each of 64 buckets of 4
	 * bytes and 64 data sets.
	 */
	self->offline_cpu = -1;
	self->nr_cpus = (int)info.nr_cpus;
	ASSERT_EQ(sysconf(_SC_NPROCESSORS_ONLN), self->nr_cpus);
	self->record_size = info.record_size;
	ASSERT_EQ(32u, info.record_size);
	self->per_agg = (info.nr_cpus + 1L) *
			(BYTES_ENTRIES * 4 + BYTES_ENTRIES * info.record_size);
}

FIXTURE_TEARDOWN_PARENT(bytes)
{
	if (self->offline_cpu >= 0)
		EXPECT_EQ(0, aggmon_cpu_set_online(self->offline_cpu, true));
	EXPECT_EQ(0, aggmon_sysctl_write_long(AGGMON_PARANOID_SYSCTL,
					      self->saved_paranoid));
	EXPECT_EQ(0, aggmon_sysctl_write_long(AGGMON_MAX_BYTES_SYSCTL,
					      self->saved_bytes));
}

/* 256 MiB by default; 1 to INT_MAX, anything else EINVAL. */
TEST_F(bytes, sysctl)
{
	ASSERT_EQ(256L << 20, self->saved_bytes);
	aggmon_check_sysctl_range(_metadata, AGGMON_MAX_BYTES_SYSCTL, 1,
				  2147483647L, 1);
}

/* As uid 65534: THRESHOLD_CREATE of a queue of @queue_len; fd or -1. */
static int bytes_threshold(int stat_fd, __u32 queue_len)
{
	struct aggmon_threshold_create_attr attr = {
		.stat_fd = (__u32)stat_fd,
		.kind = AGGMON_THRESHOLD_ABOVE,
		.value = 1000,
		.queue_len = queue_len,
	};

	return sys_aggmon(AGGMON_THRESHOLD_CREATE, &attr, sizeof(attr));
}

/*
 * With room for two aggregations, the totals of one CPU (16 data sets
 * and buckets: 576 bytes) and 100 bytes: a third aggregation is EDQUOT
 * until one is closed, which gives its bytes back at once; a snapshot
 * whose records (17 of room: 544 bytes) do not fit is EDQUOT, and goes
 * through once they do; a threshold's queue of 4096 records (256 KiB) is
 * EDQUOT, of 64 (4 KiB) is not.
 */
TEST_F(bytes, cap)
{
	long totals = 16 * 4 + 16 * self->record_size;
	struct aggmon_stat_create_attr sattr;
	pid_t pid;

	ASSERT_EQ(0, aggmon_sysctl_write_long(AGGMON_PARANOID_SYSCTL, 1));
	ASSERT_EQ(0, aggmon_sysctl_write_long(AGGMON_MAX_BYTES_SYSCTL,
					      2 * self->per_agg + totals +
					      BYTES_SLACK));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct agg_merged m;
		struct agg_snap s;
		int a1, a2, a3, sfd, tfd;

		EXPECT_EQ(0, aggmon_drop_privileges());
		CHILD_BAIL();
		a1 = bytes_agg(self->gid);
		a2 = bytes_agg(self->gid);
		EXPECT_LE(0, a1);
		EXPECT_LE(0, a2);
		CHILD_BAIL();
		EXPECT_EQ(-1, bytes_agg(self->gid));
		EXPECT_EQ(EDQUOT, errno);
		EXPECT_EQ(0, close(a1));
		a3 = bytes_agg(self->gid);
		EXPECT_LE(0, a3) TH_LOG("after a close: %s", strerror(errno));
		CHILD_BAIL();

		/* The totals fit; the snapshot's records do not. */
		EXPECT_EQ(0, aggmon_update(self->gfd, AGGMON_UPDATE_ADD, 1));
		EXPECT_EQ(-1, agg_snapshot_all(a2, 0, 0, &s));
		EXPECT_EQ(EDQUOT, errno);
		CHILD_BAIL();
		EXPECT_EQ(0, close(a3));
		EXPECT_EQ(0, agg_snapshot_all(a2, 0, 0, &s));
		CHILD_BAIL();
		EXPECT_EQ(0, agg_merge(&s, &m));
		CHILD_BAIL();
		EXPECT_EQ((size_t)1, m.n);
		EXPECT_EQ(1ULL, agg_merged_find(&m, &self->gid)[0]);
		agg_merged_free(&m);
		agg_snap_free(&s);

		/* Queues: 256 KiB is more than is left, 4 KiB is not. */
		memset(&sattr, 0, sizeof(sattr));
		sattr.gauge_id = self->gid;
		sattr.kind = AGGMON_STAT_ABSOLUTE;
		sfd = sys_aggmon(AGGMON_STAT_CREATE, &sattr, sizeof(sattr));
		EXPECT_LE(0, sfd);
		CHILD_BAIL();
		EXPECT_EQ(-1, bytes_threshold(sfd, AGGMON_QUEUE_LEN_MAX));
		EXPECT_EQ(EDQUOT, errno);
		tfd = bytes_threshold(sfd, 64);
		EXPECT_LE(0, tfd) TH_LOG("queue of 64: %s", strerror(errno));
		CHILD_EXIT();
	}
	ASSERT_EQ(0, aggmon_wait_child(pid));
}

/* The count of the gauge's key that CPU @cpu's records hold. */
static __u64 bytes_count_on(const struct agg_snap *s, __u64 gid, int cpu)
{
	__u64 count = 0;
	size_t i;

	for (i = 0; i < s->nrec; i++)
		if (agg_rec(s, i)->cpu == (__u32)cpu &&
		    agg_rec(s, i)->data[0] == gid)
			count += agg_rec(s, i)->data[1];
	return count;
}

/* Pins this thread to @cpu and adds 1 to the gauge @n times there. */
static void bytes_updates_on(struct __test_metadata *_metadata, int gfd,
			     int cpu, int n)
{
	ASSERT_EQ(0, pin_cpu(cpu));
	while (n--)
		update(_metadata, gfd, AGGMON_UPDATE_ADD, 1);
}

#define HP_ENTRIES	128

/*
 * Only online CPUs have buffers, charged as they come and go.  As root,
 * whose quota this test alone uses, with aggregations of 128 entries
 * (4608-byte buffers), the last CPU offline and room for two
 * aggregations' buffers (the online CPUs' and a spare each), the totals
 * and records of two CPUs and 100 bytes, less than one more buffer:
 * - both aggregations are created; with a buffer for every possible CPU
 *   the second would not fit;
 * - the last CPU comes online without a buffer in either, and its values
 *   are lost and counted as drops;
 * - closing one makes room, and the next snapshot of the other gives the
 *   CPU a buffer, which holds what comes next;
 * - the CPU going offline merges its buffer into its totals, which a
 *   snapshot then shows, and gives its bytes back: a third aggregation
 *   fits in them.
 */
TEST_F(bytes, hotplug)
{
	long buf = HP_ENTRIES * 4 + HP_ENTRIES * (long)self->record_size;
	long extra = 2 * (16 * 4 + 16 * (long)self->record_size) +
		     2 * 17 * (long)self->record_size + BYTES_SLACK;
	int last = self->nr_cpus - 1, a, b;
	struct agg_snap s;

	if (last < 1 || !aggmon_cpu_hotpluggable(last))
		SKIP(return, "needs a CPU other than 0 that can go offline");
	ASSERT_LT(extra, buf);
	ASSERT_EQ(0, aggmon_cpu_set_online(last, false));
	self->offline_cpu = last;
	ASSERT_EQ(0, aggmon_sysctl_write_long(AGGMON_MAX_BYTES_SYSCTL,
					      2 * self->nr_cpus * buf +
					      extra));
	a = bytes_agg_of(self->gid, HP_ENTRIES);
	ASSERT_LE(0, a) TH_LOG("first: %s", strerror(errno));
	b = bytes_agg_of(self->gid, HP_ENTRIES);
	ASSERT_LE(0, b) TH_LOG("second, cpu%d offline: %s", last,
			       strerror(errno));

	ASSERT_EQ(0, aggmon_cpu_set_online(last, true));
	bytes_updates_on(_metadata, self->gfd, last, 3);
	bytes_updates_on(_metadata, self->gfd, 0, 2);
	ASSERT_EQ(0, close(b));
	ASSERT_EQ(0, agg_snapshot_all(a, 0, 0, &s));
	EXPECT_EQ(2ULL, bytes_count_on(&s, self->gid, 0));
	EXPECT_EQ(0ULL, bytes_count_on(&s, self->gid, last));
	EXPECT_EQ(0ULL, s.drops[0]);
	EXPECT_EQ(3ULL, s.drops[last]);
	agg_snap_free(&s);

	bytes_updates_on(_metadata, self->gfd, last, 5);
	ASSERT_EQ(0, agg_snapshot_all(a, 0, 0, &s));
	EXPECT_EQ(5ULL, bytes_count_on(&s, self->gid, last));
	EXPECT_EQ(3ULL, s.drops[last]);
	agg_snap_free(&s);

	bytes_updates_on(_metadata, self->gfd, last, 4);
	ASSERT_EQ(0, pin_cpu(0));
	ASSERT_EQ(0, aggmon_cpu_set_online(last, false));
	b = bytes_agg_of(self->gid, HP_ENTRIES);
	EXPECT_LE(0, b) TH_LOG("after cpu%d went offline: %s", last,
			       strerror(errno));
	ASSERT_EQ(0, agg_snapshot_all(a, 0, 0, &s));
	EXPECT_EQ(2ULL, bytes_count_on(&s, self->gid, 0));
	EXPECT_EQ(9ULL, bytes_count_on(&s, self->gid, last));
	EXPECT_EQ(3ULL, s.drops[last]);
	agg_snap_free(&s);
	EXPECT_EQ(0, aggmon_cpu_set_online(last, true));
	close(a);
	close(b);
}

/*
 * Permissions.  The parent (root) sets kernel.aggmon_paranoid and owns a
 * gauge and an aggregation of it; a forked child drops to uid/gid 65534,
 * which clears all capabilities.  The parent restores the level.
 */
FIXTURE(perm) {
	long saved;
	int gfd;
	__u64 gid;
	int afd;
	__u64 aid;
};

FIXTURE_SETUP(perm)
{
	struct aggmon_agg_create_attr attr;
	char item[AGGMON_ITEM_LEN];

	ASSERT_EQ(0, aggmon_sysctl_read(AGGMON_PARANOID_SYSCTL, &self->saved));
	aggmon_pid_item(item, "_perm");
	self->gfd = aggmon_create(GAUGE_NAME, item, "", 0, &self->gid);
	ASSERT_LE(0, self->gfd);
	agg_attr_init(&attr, AGG_NAME ".perm", COUNT, DELTA, self->gid);
	self->afd = agg_create(&attr);
	ASSERT_LE(0, self->afd);
	self->aid = attr.id;
}

FIXTURE_TEARDOWN_PARENT(perm)
{
	EXPECT_EQ(0, aggmon_sysctl_write_long(AGGMON_PARANOID_SYSCTL,
					      self->saved));
}

/* In a child: AGG_CREATE of @nkeys fields @keys on @gid; fd or -1. */
static int child_create(__u64 gid, __u32 nkeys, const __u32 *keys)
{
	struct aggmon_agg_create_attr attr;

	agg_attr_init(&attr, AGG_NAME ".perm_child", COUNT, DELTA, gid);
	agg_attr_keys(&attr, nkeys, keys);
	return agg_create(&attr);
}

/*
 * Level 2 (the default): without CAP_PERFMON, AGG_CREATE is EACCES (and
 * so are AGG_LIST and AGG_OPEN, which look at aggregations the caller
 * does not hold); an inherited aggregation fd is the permission to
 * describe and read it.
 */
TEST_F(perm, level2_unprivileged)
{
	pid_t pid;

	ASSERT_EQ(0, aggmon_sysctl_write_long(AGGMON_PARANOID_SYSCTL, 2));
	ASSERT_EQ(0, aggmon_update(self->gfd, AGGMON_UPDATE_ADD, 1));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		static const __u32 cpu_key[] = { K_CPU };
		struct aggmon_agg_info info;
		struct agg_merged m;
		struct agg_snap s;
		__u64 ids[4], cursor = 0;

		EXPECT_EQ(0, aggmon_drop_privileges());
		CHILD_BAIL();
		EXPECT_EQ(-1, child_create(self->gid, 0, NULL));
		EXPECT_EQ(EACCES, errno);
		EXPECT_EQ(-1, child_create(self->gid, 1, cpu_key));
		EXPECT_EQ(EACCES, errno);
		EXPECT_EQ(-1, agg_list(ids, 4, &cursor));
		EXPECT_EQ(EACCES, errno);
		EXPECT_EQ(-1, agg_open(self->aid, NULL));
		EXPECT_EQ(EACCES, errno);
		EXPECT_EQ(-1, agg_open(0, KERNEL_AGG));
		EXPECT_EQ(EACCES, errno);
		/* The inherited fd. */
		EXPECT_EQ(0, agg_info(self->afd, &info));
		EXPECT_EQ(self->aid, info.id);
		EXPECT_EQ(0, agg_snapshot_all(self->afd, 0, 0, &s));
		CHILD_BAIL();
		EXPECT_EQ(0, agg_merge(&s, &m));
		CHILD_BAIL();
		EXPECT_EQ((size_t)1, m.n);
		CHILD_BAIL();
		EXPECT_EQ(1ULL, agg_merged_find(&m, NULL)[0]);
		CHILD_EXIT();
	}
	ASSERT_EQ(0, aggmon_wait_child(pid));
}

/*
 * Level 1: an unprivileged child may aggregate root's gauge with keys
 * of gauge and CPU, or none; keys that tell what tasks do (pid, tgid,
 * uid, comm, cgroup) still need CAP_PERFMON.  It may open its own
 * aggregation by id, not root's, and read the kernel's but not clear it.
 */
TEST_F(perm, level1_keys)
{
	pid_t pid;

	ASSERT_EQ(0, aggmon_sysctl_write_long(AGGMON_PARANOID_SYSCTL, 1));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		static const struct {
			__u32 nkeys;
			__u32 keys[2];
			int err;
		} cases[] = {
			{ 0, { 0 }, 0 },
			{ 1, { K_CPU }, 0 },
			{ 1, { K_GAUGE }, 0 },
			{ 2, { K_CPU, K_GAUGE }, 0 },
			{ 2, { K_GAUGE, K_CPU }, 0 },
			{ 1, { K_PID }, EACCES },
			{ 1, { K_TGID }, EACCES },
			{ 1, { K_UID }, EACCES },
			{ 1, { K_COMM }, EACCES },
			{ 1, { K_CGROUP }, EACCES },
			{ 2, { K_CPU, K_PID }, EACCES },
			{ 2, { K_GAUGE, K_COMM }, EACCES },
		};
		struct aggmon_agg_info info;
		struct agg_merged m;
		struct agg_snap s;
		__u64 own = 0;
		size_t i;
		int fd;

		EXPECT_EQ(0, aggmon_drop_privileges());
		CHILD_BAIL();
		for (i = 0; i < ARRAY_SIZE(cases); i++) {
			fd = child_create(self->gid, cases[i].nkeys,
					  cases[i].keys);
			if (cases[i].err) {
				EXPECT_EQ(-1, fd) TH_LOG("case %zu", i);
				EXPECT_EQ(cases[i].err, errno) {
					TH_LOG("case %zu", i);
				}
				CHILD_BAIL();
				continue;
			}
			EXPECT_LE(0, fd) TH_LOG("case %zu: %s", i,
						strerror(errno));
			CHILD_BAIL();
			EXPECT_EQ(0, agg_info(fd, &info));
			EXPECT_EQ((__u32)AGGMON_NOBODY, info.owner_uid);
			EXPECT_EQ(0, aggmon_update(self->gfd, AGGMON_UPDATE_ADD,
						   1));
			EXPECT_EQ(0, agg_snapshot_all(fd, 0, 0, &s));
			CHILD_BAIL();
			EXPECT_EQ(0, agg_merge(&s, &m));
			CHILD_BAIL();
			EXPECT_EQ((size_t)1, m.n);
			CHILD_BAIL();
			EXPECT_EQ(1ULL, agg_rec(&s, 0)->data[s.info.key_slots]);
			agg_merged_free(&m);
			agg_snap_free(&s);
			if (!own) {
				own = info.id;
				continue;	/* kept open */
			}
			close(fd);
		}
		fd = agg_open(own, NULL);
		EXPECT_LE(0, fd) TH_LOG("own: %s", strerror(errno));
		CHILD_BAIL();
		EXPECT_EQ(0, agg_info(fd, &info));
		EXPECT_EQ(own, info.id);
		EXPECT_EQ(-1, agg_open(self->aid, NULL));
		EXPECT_EQ(EACCES, errno);

		/* The kernel's aggregations: read, yes; clear, no. */
		fd = agg_open(0, KERNEL_AGG);
		EXPECT_LE(0, fd) TH_LOG("kernel: %s", strerror(errno));
		CHILD_BAIL();
		{
			struct aggmon_agg_snapshot_attr a = {
				.fd = fd, .flags = AGGMON_SNAPSHOT_CLEAR,
			};

			EXPECT_EQ(-1, sys_aggmon(AGGMON_AGG_SNAPSHOT, &a,
						 sizeof(a)));
			EXPECT_EQ(EACCES, errno);
		}
		EXPECT_EQ(0, agg_snapshot_all(fd, 0, 0, &s));
		CHILD_BAIL();
		EXPECT_LT(0ULL, (unsigned long long)s.total);
		agg_snap_free(&s);
		CHILD_EXIT();
	}
	ASSERT_EQ(0, aggmon_wait_child(pid));
}

/*
 * The quota: kernel.aggmon_max_user_aggs (and aggmon_paranoid, lowered
 * to 1 so that uid 65534 may create), saved and restored by the parent.
 * The test process (root) holds no other aggregation while it runs.
 */
#define QUOTA	3

FIXTURE(quota) {
	long saved_max;
	long saved_paranoid;
	int gfd;
	__u64 gid;
};

FIXTURE_SETUP(quota)
{
	char item[AGGMON_ITEM_LEN];

	ASSERT_EQ(0, aggmon_sysctl_read(AGGMON_MAX_AGGS_SYSCTL,
					&self->saved_max));
	ASSERT_EQ(0, aggmon_sysctl_read(AGGMON_PARANOID_SYSCTL,
					&self->saved_paranoid));
	aggmon_pid_item(item, "_quota");
	self->gfd = aggmon_create(GAUGE_NAME, item, "", 0, &self->gid);
	ASSERT_LE(0, self->gfd);
}

FIXTURE_TEARDOWN_PARENT(quota)
{
	EXPECT_EQ(0, aggmon_sysctl_write_long(AGGMON_MAX_AGGS_SYSCTL,
					      self->saved_max));
	EXPECT_EQ(0, aggmon_sysctl_write_long(AGGMON_PARANOID_SYSCTL,
					      self->saved_paranoid));
}

TEST_F(quota, default_max)
{
	ASSERT_EQ(256, self->saved_max);
}

/* The cap can be set from 1 to 1048576; anything else is EINVAL. */
TEST_F(quota, sysctl_range)
{
	aggmon_check_sysctl_range(_metadata, AGGMON_MAX_AGGS_SYSCTL, 1,
				  1048576, QUOTA);
}

/* Creates an aggregation on @gid: its fd, or -1. */
static int quota_create(__u64 gid, int i)
{
	struct aggmon_agg_create_attr attr;
	char name[AGGMON_NAME_LEN];

	snprintf(name, sizeof(name), AGG_NAME ".quota_%d", i);
	agg_attr_init(&attr, name, i % 2 ? SUM : COUNT, i % 3 ? DELTA : LEVEL,
		      gid);
	return agg_create(&attr);
}

/*
 * QUOTA aggregations per uid, then EMFILE; closing one frees exactly one
 * slot.  Another uid has a quota of its own.
 */
TEST_F(quota, aggs)
{
	int fds[QUOTA], fd, i;
	pid_t pid;

	ASSERT_EQ(0, aggmon_sysctl_write_long(AGGMON_MAX_AGGS_SYSCTL, QUOTA));
	ASSERT_EQ(0, aggmon_sysctl_write_long(AGGMON_PARANOID_SYSCTL, 1));
	for (i = 0; i < QUOTA; i++) {
		fds[i] = quota_create(self->gid, i);
		ASSERT_LE(0, fds[i]) TH_LOG("agg %d: %s", i, strerror(errno));
	}
	ASSERT_EQ(-1, quota_create(self->gid, QUOTA));
	ASSERT_EQ(EMFILE, errno);

	ASSERT_EQ(0, close(fds[0]));
	fd = quota_create(self->gid, QUOTA + 1);
	ASSERT_LE(0, fd);
	ASSERT_EQ(-1, quota_create(self->gid, QUOTA + 2));
	ASSERT_EQ(EMFILE, errno);

	/* uid 65534 holds none while root holds QUOTA. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int cfds[QUOTA], j;

		EXPECT_EQ(0, aggmon_drop_privileges());
		CHILD_BAIL();
		for (j = 0; j < QUOTA; j++) {
			cfds[j] = quota_create(self->gid, j);
			EXPECT_LE(0, cfds[j]) TH_LOG("child agg %d: %s", j,
						     strerror(errno));
			CHILD_BAIL();
		}
		EXPECT_EQ(-1, quota_create(self->gid, QUOTA));
		EXPECT_EQ(EMFILE, errno);
		CHILD_EXIT();
	}
	ASSERT_EQ(0, aggmon_wait_child(pid));

	close(fd);
	for (i = 1; i < QUOTA; i++)
		close(fds[i]);
}

TEST_HARNESS_MAIN

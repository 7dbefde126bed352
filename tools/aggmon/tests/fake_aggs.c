// SPDX-License-Identifier: GPL-2.0
/*
 * Aggregations of the in-memory aggmon() (tests/fake_kernel.c).
 *
 * Kernel aggregations with canned data sets, folded with libaggmon's
 * aggmon_agg_fold() as the kernel folds, on four CPUs:
 *
 *   101 aggmon.syscall_ns      quantize [arg]
 *   102 fake.net.tx_bytes      sum [comm, pid]
 *   103 fake.sched.latency_us  lquantize(0, 100, 10) [cpu]
 *   104 fake.io.size           llquantize(10, 0, 3, 10) []
 *   105 fake.rq.len            stddev []
 *   106 fake.rq.max            max [cpu]
 *   107 fake.gen.count         count [arg]: AGGMON_FAKE_AGG_KEYS=N keys
 *   108 fake.mem.alloc         avg [uid]
 *
 * User aggregations created over the fake's gauges get ids from 200 on and
 * stay empty.  File descriptors are real ones, of /dev/null.
 *
 * AGGMON_FAKE_BATCH=N returns at most N records per snapshot call.
 * AGGMON_FAKE_ESTALE=K fails the K-th call that continues a snapshot with
 * ESTALE, once, as if another snapshot through the file had replaced it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "libaggmon.h"
#include "fake_kernel.h"

#define FAKE_CPUS		4
#define MAX_AGGS	64
#define MAX_FDS		1024
#define USER_AGG_ID	200

struct fake_agg {
	struct aggmon_agg_info info;
	char *records;		/* data sets, info.record_size bytes each */
	size_t nrecords;
	__u64 drops[FAKE_CPUS];
};

struct fake_fd {
	struct fake_agg *agg;
	__u64 generation;
	char *snap;		/* the snapshot this file holds */
	__u64 total;
	__u64 drops[FAKE_CPUS];
};

static struct fake_agg aggs[MAX_AGGS];
static unsigned int nr_aggs;
static struct fake_fd fds[MAX_FDS];

static long fail(int err)
{
	errno = err;
	return -1;
}

static struct fake_agg *new_agg(__u64 id, const char *name, __u32 func,
				__s64 low, __s64 high, __u64 step,
				__u32 factor, __u32 nkeys, const __u32 *keys)
{
	struct fake_agg *a = &aggs[nr_aggs++];
	struct aggmon_agg_info *info = &a->info;
	__u32 i;

	memset(a, 0, sizeof(*a));
	info->id = id;
	snprintf(info->name, sizeof(info->name), "%s", name);
	info->func = func;
	info->source = AGGMON_AGG_SRC_KERNEL;
	info->low = low;
	info->high = high;
	info->step = step;
	info->factor = factor;
	info->nkeys = nkeys;
	for (i = 0; i < nkeys; i++) {
		info->keys[i] = keys[i];
		info->key_slots += aggmon_key_field_slots(keys[i]);
	}
	info->value_slots = aggmon_agg_value_slots(info);
	info->record_size = sizeof(struct aggmon_agg_record) +
			    8 * (info->key_slots + info->value_slots);
	info->entries = AGGMON_AGG_ENTRIES_DEFAULT;
	info->nr_cpus = FAKE_CPUS;
	if (aggmon_agg_check(info))
		abort();
	return a;
}

/* The data set of (@cpu, @key) of @a, created if new. */
static struct aggmon_agg_record *data_set(struct fake_agg *a, __u32 cpu,
					  const __u64 *key)
{
	size_t rs = a->info.record_size, i;
	struct aggmon_agg_record *r;
	char *p;

	for (i = 0; i < a->nrecords; i++) {
		r = (void *)(a->records + i * rs);
		if (r->cpu == cpu &&
		    !memcmp(r->data, key, a->info.key_slots * 8))
			return r;
	}
	p = realloc(a->records, (a->nrecords + 1) * rs);
	if (!p)
		abort();
	a->records = p;
	r = (void *)(p + a->nrecords++ * rs);
	memset(r, 0, rs);
	r->agg_id = a->info.id;
	r->cpu = cpu;
	memcpy(r->data, key, a->info.key_slots * 8);
	return r;
}

static void fold(struct fake_agg *a, __u32 cpu, const __u64 *key,
		 __s64 value)
{
	struct aggmon_agg_record *r = data_set(a, cpu, key);

	aggmon_agg_fold(&a->info, r->data + a->info.key_slots, value);
}

/* A value of an aggregation without key. */
static void fold0(struct fake_agg *a, __u32 cpu, __s64 value)
{
	static const __u64 none[1];

	fold(a, cpu, none, value);
}

static void fold1(struct fake_agg *a, __u32 cpu, __u64 key, __s64 value)
{
	fold(a, cpu, &key, value);
}

/* A COMM and PID key: the name as the char[16] of two words, the pid. */
static void fold_comm(struct fake_agg *a, __u32 cpu, const char *comm,
		      __u64 pid, __s64 value)
{
	__u64 key[3] = { 0, 0, pid };

	memcpy(key, comm, strnlen(comm, 16));
	fold(a, cpu, key, value);
}

static void canned_aggs(void)
{
	static const __u32 arg[] = { AGGMON_KEY_ARG };
	static const __u32 comm_pid[] = { AGGMON_KEY_COMM, AGGMON_KEY_PID };
	static const __u32 cpu[] = { AGGMON_KEY_CPU };
	struct fake_agg *a;

	a = new_agg(101, "aggmon.syscall_ns", AGGMON_AGG_QUANTIZE,
		    0, 0, 0, 0, 1, arg);
	fold1(a, 0, 2, 4000);
	fold1(a, 0, 2, 5000);
	fold1(a, 1, 2, 9000);
	fold1(a, 1, 2, 12000);
	fold1(a, 1, 0, 800);
	fold1(a, 3, 0, 1500);
	fold1(a, 3, 11, 70000);
	a->drops[2] = 3;

	a = new_agg(102, "fake.net.tx_bytes", AGGMON_AGG_SUM,
		    0, 0, 0, 0, 2, comm_pid);
	fold_comm(a, 0, "sshd", 812, 1500);
	fold_comm(a, 1, "sshd", 812, 3000);
	fold_comm(a, 0, "nginx", 1234, 64000);
	fold_comm(a, 2, "nginx", 1240, 100);

	a = new_agg(103, "fake.sched.latency_us", AGGMON_AGG_LQUANTIZE,
		    0, 100, 10, 0, 1, cpu);
	fold1(a, 0, 0, 5);
	fold1(a, 0, 0, 12);
	fold1(a, 0, 0, 15);
	fold1(a, 0, 0, 250);
	fold1(a, 1, 1, -3);
	fold1(a, 1, 1, 45);
	fold1(a, 1, 1, 45);
	fold1(a, 1, 1, 45);

	a = new_agg(104, "fake.io.size", AGGMON_AGG_LLQUANTIZE,
		    0, 3, 10, 10, 0, NULL);
	fold0(a, 0, 1);
	fold0(a, 0, 7);
	fold0(a, 0, 30);
	fold0(a, 0, 512);
	fold0(a, 2, 4096);
	fold0(a, 2, 20000);
	fold0(a, 2, 0);

	a = new_agg(105, "fake.rq.len", AGGMON_AGG_STDDEV,
		    0, 0, 0, 0, 0, NULL);
	fold0(a, 0, 2);
	fold0(a, 0, 4);
	fold0(a, 0, 4);
	fold0(a, 0, 4);
	fold0(a, 1, 5);
	fold0(a, 1, 5);
	fold0(a, 3, 7);
	fold0(a, 3, 9);

	a = new_agg(106, "fake.rq.max", AGGMON_AGG_MAX, 0, 0, 0, 0, 1, cpu);
	fold1(a, 0, 0, 3);
	fold1(a, 0, 0, 17);
	fold1(a, 1, 1, 8);
	fold1(a, 3, 3, -2);
}

/* 107: key i counted i % 7 + 1 times on CPU i % 2, and once on CPU 3. */
static void generated_agg(void)
{
	static const __u32 arg[] = { AGGMON_KEY_ARG };
	const char *env = getenv("AGGMON_FAKE_AGG_KEYS");
	unsigned long n = env ? strtoul(env, NULL, 10) : 0, i, j;
	struct fake_agg *a;

	a = new_agg(107, "fake.gen.count", AGGMON_AGG_COUNT,
		    0, 0, 0, 0, 1, arg);
	for (i = 0; i < n && i < 100000; i++) {
		for (j = 0; j <= i % 7; j++)
			fold1(a, i % 2, i, 0);
		fold1(a, 3, i, 0);
	}
}

static void avg_agg(void)
{
	static const __u32 uid[] = { AGGMON_KEY_UID };
	struct fake_agg *a;

	a = new_agg(108, "fake.mem.alloc", AGGMON_AGG_AVG, 0, 0, 0, 0, 1, uid);
	fold1(a, 0, 0, 100);
	fold1(a, 0, 0, 200);
	fold1(a, 1, 1000, INT64_MAX);
	fold1(a, 2, 1000, INT64_MAX);
}

/*
 * With AGGMON_FAKE_EXPORT, what 'aggmon export' must also map: a min, a
 * quantize of negative values, an lquantize without data, a sum below 0.
 */
static void export_aggs(void)
{
	static const __u32 cpu[] = { AGGMON_KEY_CPU };
	static const __u32 arg[] = { AGGMON_KEY_ARG };
	struct fake_agg *a;

	if (!getenv("AGGMON_FAKE_EXPORT"))
		return;
	a = new_agg(109, "fake.lat.min_ns", AGGMON_AGG_MIN, 0, 0, 0, 0, 1, cpu);
	fold1(a, 0, 0, 500);
	fold1(a, 0, 0, 200);
	fold1(a, 1, 1, 7);
	a = new_agg(110, "fake.temp.delta", AGGMON_AGG_QUANTIZE,
		    0, 0, 0, 0, 0, NULL);
	fold0(a, 0, -5);
	fold0(a, 1, -1);
	fold0(a, 1, 0);
	fold0(a, 2, 3);
	new_agg(111, "fake.empty.latency_us", AGGMON_AGG_LQUANTIZE,
		0, 100, 10, 0, 1, cpu);
	a = new_agg(112, "fake.balance", AGGMON_AGG_SUM, 0, 0, 0, 0, 1, arg);
	fold1(a, 0, 1, -100);
	fold1(a, 1, 2, 50);
}

static void fake_aggs_init(void)
{
	if (nr_aggs)
		return;
	canned_aggs();
	generated_agg();
	avg_agg();
	export_aggs();
}

static struct fake_agg *agg_by_id(__u64 id)
{
	unsigned int i;

	for (i = 0; i < nr_aggs; i++)
		if (aggs[i].info.id == id)
			return &aggs[i];
	return NULL;
}

/* A new file descriptor for @a: EMFILE past MAX_FDS. */
static long open_fd(struct fake_agg *a)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	if (fd >= MAX_FDS) {
		close(fd);
		return fail(EMFILE);
	}
	free(fds[fd].snap);
	memset(&fds[fd], 0, sizeof(fds[fd]));
	fds[fd].agg = a;
	return fd;
}

/* The file of @fd: EBADF if it is not open, EINVAL if not ours. */
static struct fake_fd *fd_get(__u32 fd)
{
	if (fd < MAX_FDS && fds[fd].agg && fcntl(fd, F_GETFD) >= 0)
		return &fds[fd];
	fail(fcntl(fd, F_GETFD) < 0 ? EBADF : EINVAL);
	return NULL;
}

/* A dotted name: segments of [a-z0-9_] between single dots. */
static bool valid_name(const char *name)
{
	const char *p;

	if (!*name || *name == '.')
		return false;
	for (p = name; *p; p++) {
		if (*p == '.' && (p[1] == '.' || !p[1]))
			return false;
		if (*p != '.' && *p != '_' && !(*p >= 'a' && *p <= 'z') &&
		    !(*p >= '0' && *p <= '9'))
			return false;
	}
	return true;
}

static bool valid_keys(const struct aggmon_agg_create_attr *attr)
{
	__u32 i, j;

	if (attr->nkeys > AGGMON_AGG_KEYS_MAX)
		return false;
	for (i = 0; i < attr->nkeys; i++) {
		if (!aggmon_key_field_slots(attr->keys[i]) ||
		    attr->keys[i] == AGGMON_KEY_ARG)
			return false;
		for (j = 0; j < i; j++)
			if (attr->keys[j] == attr->keys[i])
				return false;
	}
	return true;
}

static long agg_create(struct aggmon_agg_create_attr *attr)
{
	struct fake_agg *a;
	long fd;

	if (!memchr(attr->name, 0, sizeof(attr->name)))
		return fail(ENAMETOOLONG);
	if (attr->id || attr->flags || !valid_name(attr->name) ||
	    (attr->source != AGGMON_AGG_SRC_GAUGE_DELTA &&
	     attr->source != AGGMON_AGG_SRC_GAUGE_LEVEL) ||
	    !valid_keys(attr) || attr->entries > AGGMON_AGG_ENTRIES_MAX)
		return fail(EINVAL);
	if (!fake_gauge_exists(attr->gauge_id))
		return fail(ENOENT);
	if (nr_aggs == MAX_AGGS)
		return fail(EMFILE);
	a = &aggs[nr_aggs];
	memset(a, 0, sizeof(*a));
	a->info.func = attr->func;
	a->info.low = attr->low;
	a->info.high = attr->high;
	a->info.step = attr->step;
	a->info.factor = attr->factor;
	if (aggmon_agg_value_slots(&a->info) < 0)
		return fail(EINVAL);
	a = new_agg(USER_AGG_ID + nr_aggs, attr->name, attr->func, attr->low,
		    attr->high, attr->step, attr->factor, attr->nkeys,
		    attr->keys);
	a->info.source = attr->source;
	a->info.gauge_id = attr->gauge_id;
	a->info.owner_uid = getuid();
	if (attr->entries)
		a->info.entries = attr->entries;
	fd = open_fd(a);
	if (fd >= 0)
		attr->id = a->info.id;
	return fd;
}

static long agg_info(struct aggmon_agg_info *info)
{
	struct fake_fd *f;
	__u32 fd = info->fd;

	if (info->flags)
		return fail(EINVAL);
	f = fd_get(fd);
	if (!f)
		return -1;
	*info = f->agg->info;
	info->fd = fd;
	info->flags = 0;
	return 0;
}

static long agg_list(struct aggmon_agg_list_attr *attr)
{
	__u64 *ids = (__u64 *)(uintptr_t)attr->ids, best;
	__u32 n = 0;
	unsigned int i;

	if (!attr->count || attr->count > AGGMON_BATCH_MAX || attr->flags)
		return fail(EINVAL);
	/* Ids ascending: the smallest not yet listed, again and again. */
	while (n < attr->count) {
		best = 0;
		for (i = 0; i < nr_aggs; i++) {
			__u64 id = aggs[i].info.id;

			if (id >= attr->cursor && (!best || id < best))
				best = id;
		}
		if (!best)
			break;
		ids[n++] = best;
		attr->cursor = best + 1;
	}
	attr->count = n;
	return 0;
}

static long agg_open(struct aggmon_agg_open_attr *attr)
{
	struct fake_agg *a = NULL;
	unsigned int i;

	if (attr->flags || attr->__reserved)
		return fail(EINVAL);
	if (!memchr(attr->name, 0, sizeof(attr->name)))
		return fail(ENAMETOOLONG);
	if (!attr->id == !attr->name[0])
		return fail(EINVAL);
	if (attr->id) {
		a = agg_by_id(attr->id);
	} else {
		for (i = 0; i < nr_aggs && !a; i++)
			if (aggs[i].info.source == AGGMON_AGG_SRC_KERNEL &&
			    !strcmp(aggs[i].info.name, attr->name))
				a = &aggs[i];
	}
	if (!a)
		return fail(ENOENT);
	return open_fd(a);
}

/* A new snapshot of @f's aggregation, CPU after CPU, as the kernel takes. */
static int take_snapshot(struct fake_fd *f, bool clear)
{
	struct fake_agg *a = f->agg;
	size_t rs = a->info.record_size, i, n = 0;
	__u32 cpu;

	free(f->snap);
	f->snap = malloc(a->nrecords * rs + 1);
	if (!f->snap)
		return -ENOMEM;
	for (cpu = 0; cpu < FAKE_CPUS; cpu++) {
		for (i = 0; i < a->nrecords; i++) {
			const char *r = a->records + i * rs;

			if (((const struct aggmon_agg_record *)r)->cpu == cpu)
				memcpy(f->snap + n++ * rs, r, rs);
		}
	}
	f->total = n;
	memcpy(f->drops, a->drops, sizeof(f->drops));
	f->generation++;
	if (clear) {
		a->nrecords = 0;
		memset(a->drops, 0, sizeof(a->drops));
	}
	return 0;
}

/* AGGMON_FAKE_ESTALE: whether this continuation is the one to fail. */
static bool inject_estale(void)
{
	static unsigned long calls;
	static bool done;
	const char *env = getenv("AGGMON_FAKE_ESTALE");

	if (!env || done || ++calls != strtoul(env, NULL, 10))
		return false;
	done = true;
	return true;
}

static long write_batch(struct fake_fd *f, struct aggmon_agg_snapshot_attr *attr)
{
	size_t rs = f->agg->info.record_size;
	const char *env = getenv("AGGMON_FAKE_BATCH");
	__u64 left = f->total - attr->cursor, n = attr->buf_size / rs;

	if (n > left)
		n = left;
	if (env && n > strtoul(env, NULL, 10))
		n = strtoul(env, NULL, 10);
	attr->nr_cpus = FAKE_CPUS;
	attr->generation = f->generation;
	attr->total = f->total;
	attr->size_needed = left * rs;
	attr->count = 0;
	if (attr->drops)
		memcpy((void *)(uintptr_t)attr->drops, f->drops,
		       sizeof(f->drops));
	if (left && !n)
		return fail(ENOSPC);
	memcpy((void *)(uintptr_t)attr->buf, f->snap + attr->cursor * rs,
	       n * rs);
	attr->count = n;
	attr->cursor += n;
	return 0;
}

static long agg_snapshot(struct aggmon_agg_snapshot_attr *attr)
{
	struct fake_fd *f = fd_get(attr->fd);

	if (!f)
		return -1;
	if ((attr->flags & ~AGGMON_SNAPSHOT_CLEAR) ||
	    (attr->generation && attr->flags) ||
	    (!attr->generation && attr->cursor) ||
	    (attr->drops && attr->nr_cpus < FAKE_CPUS))
		return fail(EINVAL);
	if (attr->generation) {
		if (attr->generation != f->generation || inject_estale()) {
			if (attr->generation == f->generation)
				f->generation++;
			return fail(ESTALE);
		}
		if (attr->cursor > f->total)
			return fail(EINVAL);
	} else if (take_snapshot(f, attr->flags & AGGMON_SNAPSHOT_CLEAR)) {
		return fail(ENOMEM);
	}
	return write_batch(f, attr);
}

long fake_agg_cmd(unsigned int cmd, void *attr, unsigned int size)
{
	static const unsigned int sizes[] = {
		[AGGMON_AGG_CREATE] = sizeof(struct aggmon_agg_create_attr),
		[AGGMON_AGG_INFO] = sizeof(struct aggmon_agg_info),
		[AGGMON_AGG_SNAPSHOT] = sizeof(struct aggmon_agg_snapshot_attr),
		[AGGMON_AGG_LIST] = sizeof(struct aggmon_agg_list_attr),
		[AGGMON_AGG_OPEN] = sizeof(struct aggmon_agg_open_attr),
	};

	fake_aggs_init();
	if (size != sizes[cmd])
		return fail(EINVAL);
	switch (cmd) {
	case AGGMON_AGG_CREATE:
		return agg_create(attr);
	case AGGMON_AGG_INFO:
		return agg_info(attr);
	case AGGMON_AGG_SNAPSHOT:
		return agg_snapshot(attr);
	case AGGMON_AGG_LIST:
		return agg_list(attr);
	default:
		return agg_open(attr);
	}
}

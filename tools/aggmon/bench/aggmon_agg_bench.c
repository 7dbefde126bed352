// SPDX-License-Identifier: GPL-2.0
/*
 * aggmon_agg_bench - cost of an aggregation snapshot per data set, against
 * a plain copy_to_user() of the same bytes measured in the same run.
 *
 * One thread pinned to CPU 0 fills a COUNT aggregation keyed by the
 * command name with N distinct keys (it renames itself before each
 * update of a user gauge), checks that a snapshot returns exactly those
 * N records, and then times, in alternation so that drift in the
 * machine's speed hits all alike:
 *  - AGGMON_AGG_SNAPSHOT of the whole table (generation 0, one call, a
 *    buffer that holds every record);
 *  - pread() of the same number of bytes from a memfd whose pages are
 *    in the page cache: the copy_page_to_iter() path, copy_to_user()
 *    and little else;
 *  - AGGMON_AGG_INFO, the fixed cost of an aggmon() call;
 *  - AGGMON_AGG_SNAPSHOT of an empty aggregation, the fixed cost of a
 *    snapshot (visiting every CPU).
 * Prints a table and one "aggmon_agg_json:" line; never fails on a
 * timing, only on an error.
 * Usage: aggmon_agg_bench [entries [repetitions]]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <linux/aggmon.h>

#include "aggmon_bench_sys.h"

/* AGGMON_AGG_INFO calls per timed sample: one is too short to time. */
#define INFO_BATCH	100

static int entries = 4096;
static int reps = 200;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void die(const char *what)
{
	fprintf(stderr, "aggmon_agg_bench: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void __attribute__((format(printf, 1, 2))) fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "aggmon_agg_bench: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	exit(1);
}

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		die("sched_setaffinity");
}

static int make_gauge(__u64 *id)
{
	struct aggmon_gauge_create_attr gauge = { .initial = 0 };
	int fd;

	snprintf(gauge.name, sizeof(gauge.name), "user.bench.agg");
	snprintf(gauge.item, sizeof(gauge.item), "p%d", (int)getpid());
	fd = sys_aggmon(AGGMON_GAUGE_CREATE, &gauge, sizeof(gauge));
	if (fd < 0)
		die("create gauge");
	*id = gauge.id;
	return fd;
}

/* COUNT of the gauge's deltas, keyed by the command name. */
static int make_agg(__u64 gauge_id, const char *name, int nr)
{
	struct aggmon_agg_create_attr attr = {
		.func = AGGMON_AGG_COUNT, .source = AGGMON_AGG_SRC_GAUGE_DELTA,
		.nkeys = 1, .keys = { AGGMON_KEY_COMM }, .entries = nr,
		.gauge_id = gauge_id,
	};
	int fd;

	snprintf(attr.name, sizeof(attr.name), "%s", name);
	fd = sys_aggmon(AGGMON_AGG_CREATE, &attr, sizeof(attr));
	if (fd < 0)
		die("create aggregation");
	return fd;
}

static void agg_info(int fd, struct aggmon_agg_info *out)
{
	*out = (struct aggmon_agg_info){ .fd = fd };
	if (sys_aggmon(AGGMON_AGG_INFO, out, sizeof(*out)))
		die("AGGMON_AGG_INFO");
}

/* A new snapshot of @fd, in one call; returns the records written. */
static unsigned int snapshot(int fd, void *buf, size_t size, __u64 *drops,
			     unsigned int nr_cpus, __u64 *total)
{
	struct aggmon_agg_snapshot_attr attr = {
		.fd = fd, .buf = (uintptr_t)buf, .buf_size = size,
		.drops = (uintptr_t)drops, .nr_cpus = drops ? nr_cpus : 0,
	};

	if (sys_aggmon(AGGMON_AGG_SNAPSHOT, &attr, sizeof(attr)))
		die("snapshot");
	if (total)
		*total = attr.total;
	return attr.count;
}

static void update(int gauge_fd)
{
	struct aggmon_gauge_update_attr attr = {
		.fd = gauge_fd, .op = AGGMON_UPDATE_ADD, .value = 1,
	};

	if (sys_aggmon(AGGMON_GAUGE_UPDATE, &attr, sizeof(attr)))
		die("update");
}

/* The first snapshot: N records, one per key, each counted once on CPU 0. */
static void check(int agg_fd, const struct aggmon_agg_info *ai, void *buf,
		  size_t size, __u64 *drops)
{
	unsigned int count, i, cpu;
	char *seen = calloc(entries, 1);
	__u64 total;

	if (!seen)
		die("calloc");
	memset(drops, 0xff, ai->nr_cpus * sizeof(*drops));
	count = snapshot(agg_fd, buf, size, drops, ai->nr_cpus, &total);
	if (count != (unsigned int)entries || total != (__u64)entries)
		fail("snapshot returned %u of %llu records, expected %d",
		     count, (unsigned long long)total, entries);
	for (cpu = 0; cpu < ai->nr_cpus; cpu++)
		if (drops[cpu])
			fail("CPU %u dropped %llu data sets", cpu,
			     (unsigned long long)drops[cpu]);
	for (i = 0; i < count; i++) {
		const struct aggmon_agg_record *rec =
			(const void *)((char *)buf + (size_t)i * ai->record_size);
		char comm[17] = "";
		int k = -1, n = 0;

		memcpy(comm, rec->data, 16);
		if (rec->agg_id != ai->id || rec->cpu != 0)
			fail("record %u: aggregation %llu (expected %llu), CPU %u",
			     i, (unsigned long long)rec->agg_id,
			     (unsigned long long)ai->id, rec->cpu);
		if (sscanf(comm, "k%d%n", &k, &n) != 1 || comm[n] ||
		    k < 0 || k >= entries || seen[k])
			fail("record %u: unexpected or repeated key \"%s\"",
			     i, comm);
		if (rec->data[2] != 1)
			fail("record %u: count %llu, expected 1",
			     i, (unsigned long long)rec->data[2]);
		seen[k] = 1;
	}
	free(seen);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t median(uint64_t *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_u64);
	return v[(n - 1) / 2];
}

int main(int argc, char **argv)
{
	uint64_t *t_snap, *t_pread, *t_info, *t_empty, start;
	struct aggmon_agg_info ai, scratch;
	int gauge_fd, agg_fd, empty_fd, mfd, i, j;
	double snap_pe, pread_pe, info_ns, empty_ns;
	__u64 gauge_id, *drops;
	char name[16];
	size_t bytes;
	void *buf;

	aggmon_bench_check_syscall(argv[0]);
	if (argc > 1)
		entries = atoi(argv[1]);
	if (argc > 2)
		reps = atoi(argv[2]);
	if (entries < 1 || entries > AGGMON_AGG_ENTRIES_MAX)
		entries = 4096;
	if (reps < 10)
		reps = 10;
	pin(0);

	gauge_fd = make_gauge(&gauge_id);
	agg_fd = make_agg(gauge_id, "bench_agg", entries);
	agg_info(agg_fd, &ai);
	if (ai.key_slots != 2 || ai.value_slots != 1 ||
	    ai.record_size < sizeof(struct aggmon_agg_record) +
			     3 * sizeof(__u64))
		fail("unexpected record layout: %u bytes, %u + %u words",
		     ai.record_size, ai.key_slots, ai.value_slots);
	bytes = (size_t)entries * ai.record_size;
	buf = malloc(bytes);
	drops = calloc(ai.nr_cpus, sizeof(*drops));
	if (!buf || !drops)
		die("malloc");
	memset(buf, 0, bytes);		/* fault the pages in */

	for (i = 0; i < entries; i++) {
		snprintf(name, sizeof(name), "k%05d", i);
		if (prctl(PR_SET_NAME, name))
			die("prctl");
		update(gauge_fd);
	}
	if (prctl(PR_SET_NAME, "aggmon_agg_benc"))
		die("prctl");
	check(agg_fd, &ai, buf, bytes, drops);
	/* Made after the last update: it never holds a data set. */
	empty_fd = make_agg(gauge_id, "bench_agg_empty", 1);

	/* The baseline's source: as many bytes, in the page cache. */
	mfd = memfd_create("aggmon_agg_bench", 0);
	if (mfd < 0)
		die("memfd_create");
	if (ftruncate(mfd, bytes))
		die("ftruncate");
	if (write(mfd, buf, bytes) != (ssize_t)bytes)
		die("write memfd");

	t_snap = calloc(reps, sizeof(uint64_t));
	t_pread = calloc(reps, sizeof(uint64_t));
	t_info = calloc(reps, sizeof(uint64_t));
	t_empty = calloc(reps, sizeof(uint64_t));
	if (!t_snap || !t_pread || !t_info || !t_empty)
		die("calloc");
	for (i = 0; i < reps; i++) {
		start = now_ns();
		if (snapshot(agg_fd, buf, bytes, NULL, 0, NULL) !=
		    (unsigned int)entries)
			fail("snapshot %d: not %d records", i, entries);
		t_snap[i] = now_ns() - start;

		start = now_ns();
		if (pread(mfd, buf, bytes, 0) != (ssize_t)bytes)
			die("pread");
		t_pread[i] = now_ns() - start;

		start = now_ns();
		for (j = 0; j < INFO_BATCH; j++)
			agg_info(agg_fd, &scratch);
		t_info[i] = now_ns() - start;

		start = now_ns();
		if (snapshot(empty_fd, buf, bytes, NULL, 0, NULL))
			fail("snapshot %d of the empty aggregation: records", i);
		t_empty[i] = now_ns() - start;
	}
	snap_pe = (double)median(t_snap, reps) / entries;
	pread_pe = (double)median(t_pread, reps) / entries;
	info_ns = (double)median(t_info, reps) / INFO_BATCH;
	empty_ns = (double)median(t_empty, reps);

	printf("aggmon_agg_bench: %d entries of %u bytes, %d repetitions, ",
	       entries, ai.record_size, reps);
	printf("%u CPUs, on CPU 0, median ns\n", ai.nr_cpus);
	printf("aggmon_agg_bench: %-34s %12s %10s\n", "operation", "per call",
	       "per entry");
	printf("aggmon_agg_bench: %-34s %12.0f %10.2f\n", "AGG_SNAPSHOT, whole table",
	       snap_pe * entries, snap_pe);
	printf("aggmon_agg_bench: %-34s %12.0f %10.2f\n", "pread of as many bytes (memfd)",
	       pread_pe * entries, pread_pe);
	printf("aggmon_agg_bench: %-34s %12.0f %10s\n", "AGG_SNAPSHOT, empty aggregation",
	       empty_ns, "-");
	printf("aggmon_agg_bench: %-34s %12.0f %10s\n", "AGG_INFO (empty syscall)",
	       info_ns, "-");
	printf("aggmon_agg_bench: snapshot / pread per entry %.2f\n",
	       snap_pe / (pread_pe > 0 ? pread_pe : 1));
	printf("aggmon_agg_json: {\"entries\": %d, \"record_size\": %u, ",
	       entries, ai.record_size);
	printf("\"reps\": %d, \"cpus\": %u, \"unit\": \"ns\", ",
	       reps, ai.nr_cpus);
	printf("\"snapshot_ns_per_entry\": %.3f, \"pread_ns_per_entry\": %.3f, ",
	       snap_pe, pread_pe);
	printf("\"syscall_ns\": %.1f, \"snapshot_empty_ns\": %.1f}\n",
	       info_ns, empty_ns);
	return 0;
}

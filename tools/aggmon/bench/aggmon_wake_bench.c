// SPDX-License-Identifier: GPL-2.0
/*
 * aggmon_wake_bench - crossing-to-wake latency of a threshold, against
 * an eventfd ping-pong baseline measured in the same run.
 *
 * An updater thread on one CPU takes a CLOCK_MONOTONIC stamp and then
 * either updates a user gauge across an ABOVE threshold or writes an
 * eventfd; a waiter thread on another CPU, asleep in epoll_wait() on the
 * threshold's (or the eventfd's) file descriptor, takes a stamp when it
 * wakes.  The difference is one sample.  The two kinds of rounds
 * alternate so that drift in the machine's speed hits both alike.
 * Prints a table and one "aggmon_wake_json:" line; never fails on a
 * timing.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <linux/aggmon.h>

#include "aggmon_bench_sys.h"

enum { KIND_EVENTFD, KIND_AGGMON, NR_KINDS };
static const char *const kind_names[NR_KINDS] = { "eventfd", "aggmon" };

static int rounds = 2000;
static int fds[NR_KINDS];
static int gauge_fd;
static _Atomic int turn = -1;	/* kind the waiter waits for, -1: none */
static _Atomic int woken;
static uint64_t wake_ns;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void die(const char *what)
{
	fprintf(stderr, "aggmon_wake_bench: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static void update(__s64 delta)
{
	struct aggmon_gauge_update_attr attr = {
		.fd = gauge_fd, .op = AGGMON_UPDATE_ADD, .value = delta,
	};

	if (sys_aggmon(AGGMON_GAUGE_UPDATE, &attr, sizeof(attr)))
		die("update");
}

/* The threshold: a user gauge at 0, an absolute statistic, ABOVE 1. */
static int make_threshold(void)
{
	struct aggmon_gauge_create_attr gauge = { .initial = 0 };
	struct aggmon_stat_create_attr stat = { .kind = AGGMON_STAT_ABSOLUTE };
	struct aggmon_threshold_create_attr threshold = {
		.kind = AGGMON_THRESHOLD_ABOVE, .value = 1,
		.queue_len = AGGMON_QUEUE_LEN_MAX,
	};
	int stat_fd;

	snprintf(gauge.name, sizeof(gauge.name), "user.bench.wake");
	snprintf(gauge.item, sizeof(gauge.item), "p%d", (int)getpid());
	gauge_fd = sys_aggmon(AGGMON_GAUGE_CREATE, &gauge, sizeof(gauge));
	if (gauge_fd < 0)
		die("create gauge");
	stat.gauge_id = gauge.id;
	stat_fd = sys_aggmon(AGGMON_STAT_CREATE, &stat, sizeof(stat));
	if (stat_fd < 0)
		die("create statistic");
	threshold.stat_fd = stat_fd;
	return sys_aggmon(AGGMON_THRESHOLD_CREATE, &threshold,
			  sizeof(threshold));
}

static void drain(int kind)
{
	struct aggmon_event events[16];
	uint64_t count;

	if (kind == KIND_EVENTFD) {
		if (read(fds[kind], &count, sizeof(count)) != sizeof(count))
			die("read eventfd");
	} else if (read(fds[kind], events, sizeof(events)) <
		   (ssize_t)sizeof(events[0])) {
		die("read threshold");
	}
}

static void *waiter(void *arg)
{
	int epfd[NR_KINDS], kind;
	struct epoll_event ev;

	pin(*(int *)arg);
	for (kind = 0; kind < NR_KINDS; kind++) {
		epfd[kind] = epoll_create1(0);
		ev = (struct epoll_event){ .events = EPOLLIN };
		if (epoll_ctl(epfd[kind], EPOLL_CTL_ADD, fds[kind], &ev))
			die("epoll_ctl");
	}
	for (;;) {
		while ((kind = atomic_load(&turn)) < 0)
			;
		if (kind >= NR_KINDS)
			return NULL;
		if (epoll_wait(epfd[kind], &ev, 1, -1) != 1)
			die("epoll_wait");
		wake_ns = now_ns();
		drain(kind);
		atomic_store(&turn, -1);
		atomic_store(&woken, 1);
	}
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t pct(uint64_t *v, int n, int p)
{
	return v[(int64_t)(n - 1) * p / 100];
}

int main(int argc, char **argv)
{
	int cpus = sysconf(_SC_NPROCESSORS_ONLN), wcpu = cpus > 1 ? 1 : 0;
	uint64_t *lat[NR_KINDS], start, one = 1;
	pthread_t thread;
	int i, kind;

	aggmon_bench_check_syscall(argv[0]);
	if (argc > 1)
		rounds = atoi(argv[1]);
	if (rounds < 100)
		rounds = 100;
	fds[KIND_EVENTFD] = eventfd(0, 0);
	fds[KIND_AGGMON] = make_threshold();
	if (fds[KIND_EVENTFD] < 0 || fds[KIND_AGGMON] < 0)
		die("create file descriptors");
	for (kind = 0; kind < NR_KINDS; kind++)
		lat[kind] = calloc(rounds, sizeof(uint64_t));
	pin(0);
	if (pthread_create(&thread, NULL, waiter, &wcpu))
		die("pthread_create");

	for (i = 0; i < rounds; i++) {
		for (kind = 0; kind < NR_KINDS; kind++) {
			atomic_store(&woken, 0);
			atomic_store(&turn, kind);
			/* Let the waiter fall asleep in epoll_wait(). */
			usleep(1000);
			start = now_ns();
			if (kind == KIND_EVENTFD) {
				if (write(fds[kind], &one, sizeof(one)) != 8)
					die("write eventfd");
			} else {
				update(1);	/* crosses 1: fires */
			}
			while (!atomic_load(&woken))
				;
			lat[kind][i] = wake_ns - start;
			if (kind == KIND_AGGMON)
				update(-1);	/* re-arms, silently */
		}
	}
	atomic_store(&turn, NR_KINDS);
	pthread_join(thread, NULL);

	printf("aggmon_wake_bench: %d rounds, updater on CPU 0, waiter on CPU %d, ns\n",
	       rounds, wcpu);
	printf("aggmon_wake_bench: %-10s %10s %10s\n", "wake by", "p50", "p99");
	for (kind = 0; kind < NR_KINDS; kind++) {
		qsort(lat[kind], rounds, sizeof(uint64_t), cmp_u64);
		printf("aggmon_wake_bench: %-10s %10llu %10llu\n",
		       kind_names[kind],
		       (unsigned long long)pct(lat[kind], rounds, 50),
		       (unsigned long long)pct(lat[kind], rounds, 99));
	}
	printf("aggmon_wake_json: {\"rounds\": %d, \"unit\": \"ns\"", rounds);
	for (kind = 0; kind < NR_KINDS; kind++)
		printf(", \"%s\": {\"p50\": %llu, \"p99\": %llu}",
		       kind_names[kind],
		       (unsigned long long)pct(lat[kind], rounds, 50),
		       (unsigned long long)pct(lat[kind], rounds, 99));
	printf("}\n");
	return 0;
}

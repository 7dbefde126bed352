/* SPDX-License-Identifier: GPL-2.0 */
/*
 * aggmon selftests - helpers for statistics and thresholds
 *
 * Like the helpers of aggmon_helpers.h, every wrapper returns what the
 * system call returns: -1 with errno set on failure, so that tests can
 * check the exact errno.
 */
#ifndef AGGMON_STAT_HELPERS_H
#define AGGMON_STAT_HELPERS_H

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "aggmon_helpers.h"

#ifndef AGGMON_MAX_STATS_SYSCTL
#define AGGMON_MAX_STATS_SYSCTL	"/proc/sys/kernel/aggmon_max_user_stats"
#endif
#ifndef AGGMON_MAX_THRESHOLDS_SYSCTL
#define AGGMON_MAX_THRESHOLDS_SYSCTL \
	"/proc/sys/kernel/aggmon_max_user_thresholds"
#endif

#define NSEC_PER_MSEC		1000000ULL

/* Short names for the kinds and events the tests spell out. */
#define ABSOLUTE	((__u32)AGGMON_STAT_ABSOLUTE)
#define HWM		((__u32)AGGMON_STAT_HIGH_WATERMARK)
#define LWM		((__u32)AGGMON_STAT_LOW_WATERMARK)
#define RATE		((__u32)AGGMON_STAT_RATE)
#define BUCKET		((__u32)AGGMON_STAT_LEAKY_BUCKET)
#define ABOVE		((__u32)AGGMON_THRESHOLD_ABOVE)
#define BELOW		((__u32)AGGMON_THRESHOLD_BELOW)
#define ABOVE_C		((__u32)AGGMON_THRESHOLD_ABOVE_CANCEL)
#define BELOW_C		((__u32)AGGMON_THRESHOLD_BELOW_CANCEL)
#define HYST		AGGMON_THRESHOLD_HYSTERESIS
#define FIRED		((__u32)AGGMON_EVENT_FIRED)
#define CANCELLED	((__u32)AGGMON_EVENT_CANCELLED)
#define LOST		((__u32)AGGMON_EVENT_LOST)
#define GONE		((__u32)AGGMON_EVENT_GONE)
#define F_INITIAL	((__u32)AGGMON_EVENT_F_INITIAL)
#define F_TIMER		((__u32)AGGMON_EVENT_F_TIMER)

/* An ABOVE kind: fires rising to its value. */
static inline bool is_above(__u32 kind)
{
	return kind == ABOVE || kind == ABOVE_C;
}

/* A kind that reports its cancellation. */
static inline bool is_cancel_kind(__u32 kind)
{
	return kind == ABOVE_C || kind == BELOW_C;
}

/* The tests' random numbers: xorshift64, never 0 from a non-0 seed. */
static inline __u64 xorshift64(__u64 *s)
{
	__u64 x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*s = x;
	return x;
}

/* Creates a statistic: returns its fd and stores its id in *@id. */
static inline int stat_create(__u64 gauge_id, __u32 kind, __u64 period_ns,
			      __s64 drain, __u64 *id)
{
	struct aggmon_stat_create_attr attr = {
		.gauge_id = gauge_id,
		.kind = kind,
		.period_ns = period_ns,
		.drain = drain,
	};
	long ret;

	ret = sys_aggmon(AGGMON_STAT_CREATE, &attr, sizeof(attr));
	if (ret >= 0 && id)
		*id = attr.id;
	return ret;
}

/* Fills *@info for the statistic behind @fd (on ENODEV too). */
static inline long stat_info(int fd, struct aggmon_stat_info *info)
{
	memset(info, 0, sizeof(*info));
	info->fd = (__u32)fd;
	return sys_aggmon(AGGMON_STAT_INFO, info, sizeof(*info));
}

static inline long stat_reset(int fd)
{
	struct aggmon_stat_reset_attr attr = { .fd = (__u32)fd };

	return sys_aggmon(AGGMON_STAT_RESET, &attr, sizeof(attr));
}

/* Creates a threshold: returns its fd and stores its id in *@id. */
static inline int threshold_create(int stat_fd, __u32 kind, __s64 value,
				   __s64 cancel, __u32 flags, __u32 queue_len,
				   __u64 *id)
{
	struct aggmon_threshold_create_attr attr = {
		.stat_fd = (__u32)stat_fd,
		.kind = kind,
		.value = value,
		.cancel = cancel,
		.flags = flags,
		.queue_len = queue_len,
	};
	long ret;

	ret = sys_aggmon(AGGMON_THRESHOLD_CREATE, &attr, sizeof(attr));
	if (ret >= 0 && id)
		*id = attr.id;
	return ret;
}

/* One read() of at most @max records: returns read()'s byte count. */
static inline ssize_t read_events(int fd, struct aggmon_event *buf,
				  size_t max)
{
	return read(fd, buf, max * sizeof(*buf));
}

/* Sets or clears O_NONBLOCK; returns fcntl()'s result. */
static inline int set_nonblock(int fd, int on)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0)
		return -1;
	fl = on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK;
	return fcntl(fd, F_SETFL, fl);
}

/* 1 if @fd is close-on-exec, 0 if not, -1 on error. */
static inline int is_cloexec(int fd)
{
	int fl = fcntl(fd, F_GETFD);

	if (fl < 0)
		return -1;
	return !!(fl & FD_CLOEXEC);
}

/* CLOCK_MONOTONIC in ns: the clock of aggmon_event.time_ns. */
static inline __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + (__u64)ts.tv_nsec;
}

/* Sleeps until CLOCK_MONOTONIC reaches @ns. */
static inline void sleep_until_ns(__u64 ns)
{
	struct timespec ts = {
		.tv_sec = (time_t)(ns / 1000000000ULL),
		.tv_nsec = (long)(ns % 1000000000ULL),
	};

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) ==
	       EINTR)
		;
}

#endif /* AGGMON_STAT_HELPERS_H */

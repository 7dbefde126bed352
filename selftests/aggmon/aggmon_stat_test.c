// SPDX-License-Identifier: GPL-2.0
/*
 * aggmon selftests - statistics and thresholds: the errno of every bad
 * input, the values of each statistic kind, the exact events of each
 * threshold kind, the event queue, poll, gauge removal, permissions and
 * quotas, and a randomized model test with concurrent updates.
 *
 * All tests watch user gauges, whose values the tests set, so that every
 * value and every event is known exactly.  Updates are evaluated as they
 * happen: the events an update raises are queued when the update returns,
 * so tests read them at once with O_NONBLOCK.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "aggmon_stat_helpers.h"

/* VER0 sizes are the sizes of the structs in this header. */
_Static_assert(sizeof(struct aggmon_stat_create_attr) ==
	       AGGMON_STAT_CREATE_SIZE_VER0, "stat create attr size");
_Static_assert(sizeof(struct aggmon_stat_info) ==
	       AGGMON_STAT_INFO_SIZE_VER0, "stat info size");
_Static_assert(sizeof(struct aggmon_stat_reset_attr) ==
	       AGGMON_STAT_RESET_SIZE_VER0, "stat reset attr size");
_Static_assert(sizeof(struct aggmon_threshold_create_attr) ==
	       AGGMON_THRESHOLD_CREATE_SIZE_VER0, "threshold attr size");
_Static_assert(sizeof(struct aggmon_event) == 64, "event record size");

#define GAUGE_NAME	"user.kselftest.stat"

/* A statistic under test. */
struct st {
	int fd;
	__u64 id;
	__u64 gauge_id;
	__u32 kind;
};

/* A threshold under test, and the seq of the last record read from it. */
struct th {
	int fd;
	__u64 id;
	__u64 stat_id;
	__u64 gauge_id;
	__u64 seq;
};

/*
 * Helpers assert, and say where they were called from: @where > 0 is a
 * line of this file, @where <= 0 is step -@where of a script (0: the
 * creation of the thresholds).
 */
static void log_where(struct __test_metadata *_metadata, int where)
{
	if (where > 0)
		TH_LOG("checked at line %d", where);
	else
		TH_LOG("checked at script step %d", -where);
}

static void log_ev(struct __test_metadata *_metadata, int where,
		   const struct aggmon_event *e)
{
	log_where(_metadata, where);
	TH_LOG("record: seq %llu type %u flags %#x value %lld lost %llu",
	       (unsigned long long)e->seq, e->type, e->flags,
	       (long long)e->value, (unsigned long long)e->lost);
	TH_LOG("record: time %llu ids %llu/%llu/%llu",
	       (unsigned long long)e->time_ns,
	       (unsigned long long)e->gauge_id,
	       (unsigned long long)e->stat_id,
	       (unsigned long long)e->threshold_id);
}

static void open_stat(struct __test_metadata *_metadata, struct st *s,
		      __u64 gauge_id, __u32 kind, __u64 period_ns, __s64 drain)
{
	s->id = 0;
	s->fd = stat_create(gauge_id, kind, period_ns, drain, &s->id);
	ASSERT_LE(0, s->fd) {
		TH_LOG("STAT_CREATE kind %u: %s", kind, strerror(errno));
	}
	ASSERT_NE(0ULL, s->id);
	ASSERT_EQ(1, is_cloexec(s->fd));
	s->gauge_id = gauge_id;
	s->kind = kind;
}

/* Creates a threshold on @s; its fd is left O_NONBLOCK. */
static void open_thr(struct __test_metadata *_metadata, struct th *t,
		     const struct st *s, __u32 kind, __s64 value,
		     __s64 cancel, __u32 flags, __u32 queue_len)
{
	t->id = 0;
	t->fd = threshold_create(s->fd, kind, value, cancel, flags, queue_len,
				 &t->id);
	ASSERT_LE(0, t->fd) {
		TH_LOG("THRESHOLD_CREATE kind %u value %lld: %s", kind,
		       (long long)value, strerror(errno));
	}
	ASSERT_NE(0ULL, t->id);
	ASSERT_EQ(1, is_cloexec(t->fd));
	ASSERT_EQ(0, set_nonblock(t->fd, 1));
	t->stat_id = s->id;
	t->gauge_id = s->gauge_id;
	t->seq = 0;
}

/* STAT_INFO of @s succeeds and shows @value and the gauge at @level. */
static void check_stat(struct __test_metadata *_metadata, int where,
		       const struct st *s, __s64 value, __s64 level)
{
	struct aggmon_stat_info info;

	ASSERT_EQ(0, stat_info(s->fd, &info)) {
		log_where(_metadata, where);
		TH_LOG("STAT_INFO: %s", strerror(errno));
	}
	ASSERT_EQ(s->id, info.id);
	ASSERT_EQ(s->gauge_id, info.gauge_id);
	ASSERT_EQ(s->kind, info.kind);
	ASSERT_EQ(0u, info.state);
	ASSERT_EQ(value, info.value) log_where(_metadata, where);
	ASSERT_EQ(level, info.level) log_where(_metadata, where);
}

#define CHECK_STAT(s, value, level) \
	check_stat(_metadata, __LINE__, (s), (value), (level))

/* The value of a statistic, for tests that cannot know it in advance. */
static __s64 stat_value(struct __test_metadata *_metadata, const struct st *s)
{
	struct aggmon_stat_info info;

	ASSERT_EQ(0, stat_info(s->fd, &info));
	return info.value;
}

/*
 * @e is the next record of @t: seq is the next one, no loss, the ids of
 * @t, and @type, @value, @flags; and lo <= time_ns <= hi unless hi is 0.
 */
static void check_ev(struct __test_metadata *_metadata, int where,
		     struct th *t, const struct aggmon_event *e, __u32 type,
		     __s64 value, __u32 flags, __u64 lo, __u64 hi)
{
	t->seq++;
	ASSERT_EQ(t->seq, e->seq) log_ev(_metadata, where, e);
	ASSERT_EQ(type, e->type) log_ev(_metadata, where, e);
	ASSERT_EQ(value, e->value) log_ev(_metadata, where, e);
	ASSERT_EQ(flags, e->flags) log_ev(_metadata, where, e);
	ASSERT_EQ(0ULL, e->lost) log_ev(_metadata, where, e);
	ASSERT_EQ(t->gauge_id, e->gauge_id) log_ev(_metadata, where, e);
	ASSERT_EQ(t->stat_id, e->stat_id) log_ev(_metadata, where, e);
	ASSERT_EQ(t->id, e->threshold_id) log_ev(_metadata, where, e);
	if (hi) {
		ASSERT_LE(lo, e->time_ns) log_ev(_metadata, where, e);
		ASSERT_GE(hi, e->time_ns) log_ev(_metadata, where, e);
	}
}

/* Nothing is queued on @t: read() is EAGAIN (the fd is O_NONBLOCK). */
static void check_no_ev(struct __test_metadata *_metadata, int where,
			struct th *t)
{
	struct aggmon_event e;

	ASSERT_EQ(-1, read_events(t->fd, &e, 1)) log_ev(_metadata, where, &e);
	ASSERT_EQ(EAGAIN, errno) log_where(_metadata, where);
}

/* Exactly one record is queued on @t, and it is as check_ev() says. */
static void check_one_ev(struct __test_metadata *_metadata, int where,
			 struct th *t, __u32 type, __s64 value, __u32 flags,
			 __u64 lo, __u64 hi)
{
	struct aggmon_event e[2];

	memset(e, 0, sizeof(e));
	ASSERT_EQ((ssize_t)sizeof(e[0]), read_events(t->fd, e, 2)) {
		log_where(_metadata, where);
		TH_LOG("threshold %llu: %s", (unsigned long long)t->id,
		       strerror(errno));
	}
	check_ev(_metadata, where, t, &e[0], type, value, flags, lo, hi);
}

#define CHECK_EV(t, type, value, flags, lo, hi) \
	check_one_ev(_metadata, __LINE__, (t), (type), (value), (flags), \
		     (lo), (hi))
#define CHECK_NO_EV(t)	check_no_ev(_metadata, __LINE__, (t))

/*
 * Reads records from a non-blocking fd until EAGAIN (or ENODEV once the
 * GONE record was read) or @max records:
 * returns how many, or -1 with read()'s errno.
 */
static int drain_events(int fd, struct aggmon_event *buf, int max)
{
	ssize_t r;
	int n = 0;

	while (n < max) {
		r = read_events(fd, buf + n, max - n);
		/* Nothing more now, or ever (ENODEV follows GONE). */
		if (r < 0)
			return errno == EAGAIN || (errno == ENODEV && n) ?
			       n : -1;
		if (r == 0 || r % sizeof(*buf)) {
			errno = EPROTO;	/* only whole records */
			return -1;
		}
		n += r / sizeof(*buf);
	}
	return n;
}

/* poll() of one fd with no wait: its revents. */
static short poll_now(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	if (poll(&p, 1, 0) < 0)
		return -1;
	return p.revents;
}

/* A gauge of this test process; its fd and id. */
FIXTURE(stat) {
	int gfd;
	__u64 gid;
};

FIXTURE_SETUP(stat)
{
	char item[AGGMON_ITEM_LEN];

	aggmon_pid_item(item, "");
	self->gfd = aggmon_create(GAUGE_NAME, item, "", 0, &self->gid);
	ASSERT_LE(0, self->gfd);
}

FIXTURE_TEARDOWN(stat)
{
	if (self->gfd >= 0)
		close(self->gfd);
}

/* A number that is no open fd. */
static int closed_fd(struct __test_metadata *_metadata)
{
	int fd = dup(0);

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, close(fd));
	return fd;
}

/*
 * STAT_CREATE of every kind: a close-on-exec fd and a new non-zero id;
 * STAT_INFO gives the parameters back, state 0, and the value the kind
 * starts with: the gauge's value for ABSOLUTE and the watermarks (taken
 * when the statistic is created, not earlier), 0 for RATE and the
 * bucket.  Both ends of the period range are accepted.
 */
TEST_F(stat, create_info)
{
	static const struct {
		__u32 kind;
		__u64 period_ns;
		__s64 drain;
		__s64 value;
	} cases[] = {
		{ ABSOLUTE, 0, 0, 42 },
		{ HWM, 0, 0, 42 },
		{ LWM, 0, 0, 42 },
		{ RATE, AGGMON_PERIOD_MIN_NS, 0, 0 },
		{ RATE, AGGMON_PERIOD_MAX_NS, 0, 0 },
		{ BUCKET, AGGMON_PERIOD_MIN_NS, 1, 0 },
		{ BUCKET, AGGMON_PERIOD_MAX_NS, INT64_MAX, 0 },
	};
	struct st s[ARRAY_SIZE(cases)];
	struct aggmon_stat_info info;
	size_t i, j;

	/* The watermarks must not remember values from before creation. */
	ASSERT_EQ(0, aggmon_update(self->gfd, AGGMON_UPDATE_SET, 1000));
	ASSERT_EQ(0, aggmon_update(self->gfd, AGGMON_UPDATE_SET, -1000));
	ASSERT_EQ(0, aggmon_update(self->gfd, AGGMON_UPDATE_SET, 42));
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		open_stat(_metadata, &s[i], self->gid, cases[i].kind,
			  cases[i].period_ns, cases[i].drain);
		for (j = 0; j < i; j++)
			ASSERT_NE(s[j].id, s[i].id);
		ASSERT_EQ(0, stat_info(s[i].fd, &info));
		ASSERT_EQ((__u32)s[i].fd, info.fd);
		ASSERT_EQ(0u, info.flags);
		ASSERT_EQ(s[i].id, info.id);
		ASSERT_EQ(self->gid, info.gauge_id);
		ASSERT_EQ(cases[i].kind, info.kind);
		ASSERT_EQ(0u, info.state);
		ASSERT_EQ(cases[i].period_ns, info.period_ns);
		ASSERT_EQ(cases[i].drain, info.drain);
		ASSERT_EQ(cases[i].value, info.value);
		ASSERT_EQ(42, info.level);
	}
	for (i = 0; i < ARRAY_SIZE(cases); i++)
		ASSERT_EQ(0, close(s[i].fd));
}

/* STAT_CREATE with one thing wrong: the exact errno, and no fd. */
TEST_F(stat, create_errors)
{
	const __u64 pmin = AGGMON_PERIOD_MIN_NS, pmax = AGGMON_PERIOD_MAX_NS;
	const struct {
		__u64 gauge_id;
		__u32 kind;
		__u32 flags;
		__u64 period_ns;
		__s64 drain;
		int err;
	} cases[] = {
		/* Kinds beyond LEAKY_BUCKET. */
		{ self->gid, 5, 0, 0, 0, EINVAL },
		{ self->gid, UINT32_MAX, 0, 0, 0, EINVAL },
		/* Any flag. */
		{ self->gid, ABSOLUTE, 1, 0, 0, EINVAL },
		{ self->gid, ABSOLUTE, 1u << 31, 0, 0, EINVAL },
		{ self->gid, RATE, 1, pmin, 0, EINVAL },
		/* No such gauge. */
		{ AGGMON_BAD_ID, ABSOLUTE, 0, 0, 0, ENOENT },
		{ AGGMON_BAD_ID, RATE, 0, pmin, 0, ENOENT },
		/* The time-driven kinds need a period in range. */
		{ self->gid, RATE, 0, 0, 0, EINVAL },
		{ self->gid, RATE, 0, pmin - 1, 0, EINVAL },
		{ self->gid, RATE, 0, pmax + 1, 0, EINVAL },
		{ self->gid, RATE, 0, UINT64_MAX, 0, EINVAL },
		{ self->gid, BUCKET, 0, 0, 1, EINVAL },
		{ self->gid, BUCKET, 0, pmin - 1, 1, EINVAL },
		{ self->gid, BUCKET, 0, pmax + 1, 1, EINVAL },
		/* The others take none. */
		{ self->gid, ABSOLUTE, 0, 1, 0, EINVAL },
		{ self->gid, HWM, 0, pmin, 0, EINVAL },
		{ self->gid, LWM, 0, pmax, 0, EINVAL },
		/* The bucket needs a drain > 0... */
		{ self->gid, BUCKET, 0, pmin, 0, EINVAL },
		{ self->gid, BUCKET, 0, pmin, -1, EINVAL },
		{ self->gid, BUCKET, 0, pmin, INT64_MIN, EINVAL },
		/* ...and the others take none. */
		{ self->gid, RATE, 0, pmin, 1, EINVAL },
		{ self->gid, RATE, 0, pmin, -1, EINVAL },
		{ self->gid, ABSOLUTE, 0, 0, 1, EINVAL },
		{ self->gid, HWM, 0, 0, -1, EINVAL },
		{ self->gid, LWM, 0, 0, 1, EINVAL },
	};
	struct aggmon_stat_create_attr attr;
	char item[AGGMON_ITEM_LEN];
	__u64 gone_id = 0;
	size_t i;
	int fd;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		memset(&attr, 0, sizeof(attr));
		attr.gauge_id = cases[i].gauge_id;
		attr.kind = cases[i].kind;
		attr.flags = cases[i].flags;
		attr.period_ns = cases[i].period_ns;
		attr.drain = cases[i].drain;
		ASSERT_EQ(-1, sys_aggmon(AGGMON_STAT_CREATE, &attr,
					 sizeof(attr))) {
			TH_LOG("case %zu created a statistic", i);
		}
		ASSERT_EQ(cases[i].err, errno) {
			TH_LOG("case %zu: %s", i, strerror(errno));
		}
	}

	/* An id on input. */
	memset(&attr, 0, sizeof(attr));
	attr.gauge_id = self->gid;
	attr.id = 1;
	ASSERT_EQ(-1, sys_aggmon(AGGMON_STAT_CREATE, &attr, sizeof(attr)));
	ASSERT_EQ(EINVAL, errno);

	/* The id of a gauge that existed and is gone. */
	aggmon_pid_item(item, "_gone");
	fd = aggmon_create(GAUGE_NAME, item, "", 0, &gone_id);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, close(fd));
	ASSERT_EQ(-1, stat_create(gone_id, ABSOLUTE, 0, 0, NULL));
	ASSERT_EQ(ENOENT, errno);
}

/*
 * Sizes: below VER0 EINVAL; larger with a zero tail works; larger with a
 * non-zero tail E2BIG.  Checked for all four commands.
 */
TEST_F(stat, attr_sizes)
{
	struct {
		union {
			struct aggmon_stat_create_attr create;
			struct aggmon_stat_info info;
			struct aggmon_stat_reset_attr reset;
			struct aggmon_threshold_create_attr thr;
		};
		__u64 tail[2];
	} buf;
	struct {
		unsigned int cmd;
		unsigned int size;
	} cmds[] = {
		{ AGGMON_STAT_CREATE, AGGMON_STAT_CREATE_SIZE_VER0 },
		{ AGGMON_STAT_INFO, AGGMON_STAT_INFO_SIZE_VER0 },
		{ AGGMON_STAT_RESET, AGGMON_STAT_RESET_SIZE_VER0 },
		{ AGGMON_THRESHOLD_CREATE, AGGMON_THRESHOLD_CREATE_SIZE_VER0 },
	};
	struct st hwm;
	size_t i;
	long ret;

	open_stat(_metadata, &hwm, self->gid, HWM, 0, 0);
	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		const unsigned int small[] = { 0, 1, cmds[i].size - 1 };
		const unsigned int size = cmds[i].size;
		size_t j;

		memset(&buf, 0, sizeof(buf));
		switch (cmds[i].cmd) {
		case AGGMON_STAT_CREATE:
			buf.create.gauge_id = self->gid;
			buf.create.kind = ABSOLUTE;
			break;
		case AGGMON_STAT_INFO:
			buf.info.fd = hwm.fd;
			break;
		case AGGMON_STAT_RESET:
			buf.reset.fd = hwm.fd;
			break;
		case AGGMON_THRESHOLD_CREATE:
			buf.thr.stat_fd = hwm.fd;
			buf.thr.kind = ABOVE;
			buf.thr.value = 100;
			break;
		}
		for (j = 0; j < ARRAY_SIZE(small); j++) {
			ASSERT_EQ(-1, sys_aggmon(cmds[i].cmd, &buf, small[j]));
			ASSERT_EQ(EINVAL, errno) {
				TH_LOG("cmd %u size %u", cmds[i].cmd, small[j]);
			}
		}

		/* A non-zero byte just past the struct, then at the end. */
		((unsigned char *)&buf)[size] = 1;
		ASSERT_EQ(-1, sys_aggmon(cmds[i].cmd, &buf, size + 8));
		ASSERT_EQ(E2BIG, errno);
		((unsigned char *)&buf)[size] = 0;
		((unsigned char *)&buf)[size + 7] = 0x80;
		ASSERT_EQ(-1, sys_aggmon(cmds[i].cmd, &buf, size + 8));
		ASSERT_EQ(E2BIG, errno);
		((unsigned char *)&buf)[size + 7] = 0;

		/* A zero tail is fine; outputs are still written. */
		ret = sys_aggmon(cmds[i].cmd, &buf, size + 8);
		ASSERT_LE(0, ret) {
			TH_LOG("cmd %u, zero tail: %s", cmds[i].cmd,
			       strerror(errno));
		}
		switch (cmds[i].cmd) {
		case AGGMON_STAT_CREATE:
			ASSERT_NE(0ULL, buf.create.id);
			ASSERT_NE(hwm.id, buf.create.id);
			ASSERT_EQ(0, close(ret));
			break;
		case AGGMON_STAT_INFO:
			ASSERT_EQ(0, ret);
			ASSERT_EQ(hwm.id, buf.info.id);
			ASSERT_EQ(HWM, buf.info.kind);
			break;
		case AGGMON_STAT_RESET:
			ASSERT_EQ(0, ret);
			break;
		case AGGMON_THRESHOLD_CREATE:
			ASSERT_NE(0ULL, buf.thr.id);
			ASSERT_EQ(0, close(ret));
			break;
		}
	}
}

/*
 * STAT_INFO: an fd that is not open is EBADF; an open fd that is no
 * statistic (a gauge, a threshold, /dev/null) is EINVAL; so is a flag.
 */
TEST_F(stat, info_errors)
{
	struct aggmon_stat_info info;
	struct st s;
	struct th t;
	int null_fd;

	open_stat(_metadata, &s, self->gid, HWM, 0, 0);
	open_thr(_metadata, &t, &s, ABOVE, 100, 0, 0, 0);
	null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, null_fd);

	ASSERT_EQ(-1, stat_info(closed_fd(_metadata), &info));
	ASSERT_EQ(EBADF, errno);
	ASSERT_EQ(-1, stat_info(self->gfd, &info));
	ASSERT_EQ(EINVAL, errno);
	ASSERT_EQ(-1, stat_info(t.fd, &info));
	ASSERT_EQ(EINVAL, errno);
	ASSERT_EQ(-1, stat_info(null_fd, &info));
	ASSERT_EQ(EINVAL, errno);

	memset(&info, 0, sizeof(info));
	info.fd = s.fd;
	info.flags = 1;
	ASSERT_EQ(-1, sys_aggmon(AGGMON_STAT_INFO, &info, sizeof(info)));
	ASSERT_EQ(EINVAL, errno);
	info.flags = 1u << 31;
	ASSERT_EQ(-1, sys_aggmon(AGGMON_STAT_INFO, &info, sizeof(info)));
	ASSERT_EQ(EINVAL, errno);

	CHECK_STAT(&s, 0, 0);
	close(null_fd);
}

/*
 * STAT_RESET: as STAT_INFO for fds and flags; an ABSOLUTE statistic has
 * nothing to reset (EOPNOTSUPP) and keeps its value.
 */
TEST_F(stat, reset_errors)
{
	struct aggmon_stat_reset_attr attr;
	struct st abs, hwm;
	struct th t;
	int null_fd;

	ASSERT_EQ(0, aggmon_update(self->gfd, AGGMON_UPDATE_SET, 7));
	open_stat(_metadata, &abs, self->gid, ABSOLUTE, 0, 0);
	open_stat(_metadata, &hwm, self->gid, HWM, 0, 0);
	open_thr(_metadata, &t, &hwm, ABOVE, 100, 0, 0, 0);
	null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, null_fd);

	ASSERT_EQ(-1, stat_reset(closed_fd(_metadata)));
	ASSERT_EQ(EBADF, errno);
	ASSERT_EQ(-1, stat_reset(self->gfd));
	ASSERT_EQ(EINVAL, errno);
	ASSERT_EQ(-1, stat_reset(t.fd));
	ASSERT_EQ(EINVAL, errno);
	ASSERT_EQ(-1, stat_reset(null_fd));
	ASSERT_EQ(EINVAL, errno);

	attr.fd = hwm.fd;
	attr.flags = 1;
	ASSERT_EQ(-1, sys_aggmon(AGGMON_STAT_RESET, &attr, sizeof(attr)));
	ASSERT_EQ(EINVAL, errno);

	ASSERT_EQ(-1, stat_reset(abs.fd));
	ASSERT_EQ(EOPNOTSUPP, errno);
	CHECK_STAT(&abs, 7, 7);
	ASSERT_EQ(0, stat_reset(hwm.fd));
	CHECK_STAT(&hwm, 7, 7);
	CHECK_NO_EV(&t);
	close(null_fd);
}

/* THRESHOLD_CREATE with one thing wrong: the exact errno, and no fd. */
TEST_F(stat, threshold_errors)
{
	static const struct {
		__u32 kind;
		__s64 value;
		__s64 cancel;
		__u32 flags;
		__u32 queue_len;
		int err;	/* 0: must work */
	} cases[] = {
		/* Kinds beyond BELOW_CANCEL. */
		{ 4, 0, 0, 0, 0, EINVAL },
		{ UINT32_MAX, 0, 0, 0, 0, EINVAL },
		/* Flags other than HYSTERESIS. */
		{ ABOVE, 0, 0, 2, 0, EINVAL },
		{ ABOVE, 0, 0, HYST | 2, 0, EINVAL },
		{ ABOVE, 0, 0, 1u << 31, 0, EINVAL },
		/* A cancel without the flag, even equal to the value. */
		{ ABOVE, 10, 5, 0, 0, EINVAL },
		{ BELOW, 10, 10, 0, 0, EINVAL },
		{ ABOVE_C, 0, -1, 0, 0, EINVAL },
		/* With it, a cancel on the wrong side of the value. */
		{ ABOVE, 10, 11, HYST, 0, EINVAL },
		{ ABOVE_C, 10, INT64_MAX, HYST, 0, EINVAL },
		{ BELOW, 10, 9, HYST, 0, EINVAL },
		{ BELOW_C, -10, INT64_MIN, HYST, 0, EINVAL },
		/* Queue longer than the maximum. */
		{ ABOVE, 0, 0, 0, AGGMON_QUEUE_LEN_MAX + 1, EINVAL },
		{ ABOVE, 0, 0, 0, UINT32_MAX, EINVAL },
		/* The edges that work. */
		{ ABOVE, 10, 10, HYST, 0, 0 },
		{ ABOVE_C, 10, INT64_MIN, HYST, 0, 0 },
		{ BELOW, 10, 10, HYST, 0, 0 },
		{ BELOW_C, -10, INT64_MAX, HYST, 0, 0 },
		{ ABOVE, INT64_MAX, 0, 0, 1, 0 },
		{ BELOW, INT64_MIN, 0, 0, AGGMON_QUEUE_LEN_MAX, 0 },
	};
	struct aggmon_threshold_create_attr attr;
	struct st s, s2;
	struct th t;
	int fd, null_fd, ep;
	__u64 id;
	size_t i;

	open_stat(_metadata, &s, self->gid, ABSOLUTE, 0, 0);
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		id = 0;
		fd = threshold_create(s.fd, cases[i].kind, cases[i].value,
				      cases[i].cancel, cases[i].flags,
				      cases[i].queue_len, &id);
		if (!cases[i].err) {
			ASSERT_LE(0, fd) {
				TH_LOG("case %zu: %s", i, strerror(errno));
			}
			ASSERT_NE(0ULL, id);
			ASSERT_EQ(0, close(fd));
			continue;
		}
		ASSERT_EQ(-1, fd) {
			TH_LOG("case %zu created a threshold", i);
		}
		ASSERT_EQ(cases[i].err, errno) {
			TH_LOG("case %zu: %s", i, strerror(errno));
		}
	}

	/* An id on input. */
	memset(&attr, 0, sizeof(attr));
	attr.stat_fd = s.fd;
	attr.value = 1;
	attr.id = 1;
	ASSERT_EQ(-1, sys_aggmon(AGGMON_THRESHOLD_CREATE, &attr,
				 sizeof(attr)));
	ASSERT_EQ(EINVAL, errno);

	/* stat_fd: not open, or open but no statistic. */
	open_stat(_metadata, &s2, self->gid, HWM, 0, 0);
	open_thr(_metadata, &t, &s2, ABOVE, 100, 0, 0, 0);
	null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	ASSERT_LE(0, null_fd);
	ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_LE(0, ep);
	ASSERT_EQ(-1, threshold_create(closed_fd(_metadata), ABOVE, 1, 0, 0,
				       0, &id));
	ASSERT_EQ(EBADF, errno);
	ASSERT_EQ(-1, threshold_create(self->gfd, ABOVE, 1, 0, 0, 0, &id));
	ASSERT_EQ(EINVAL, errno);
	ASSERT_EQ(-1, threshold_create(t.fd, ABOVE, 1, 0, 0, 0, &id));
	ASSERT_EQ(EINVAL, errno);
	ASSERT_EQ(-1, threshold_create(null_fd, ABOVE, 1, 0, 0, 0, &id));
	ASSERT_EQ(EINVAL, errno);
	ASSERT_EQ(-1, threshold_create(ep, ABOVE, 1, 0, 0, 0, &id));
	ASSERT_EQ(EINVAL, errno);
	close(null_fd);
	close(ep);
}

/*
 * read() of a threshold fd: a buffer smaller than one record is EINVAL
 * and consumes nothing; only whole records are returned (127 bytes give
 * one); nothing queued is EAGAIN with O_NONBLOCK; poll() shows POLLIN
 * exactly while a record is queued.
 */
TEST_F(stat, read_semantics)
{
	struct aggmon_event e[2];
	__u64 lo, hi;
	struct st s;
	struct th t;

	open_stat(_metadata, &s, self->gid, ABSOLUTE, 0, 0);
	open_thr(_metadata, &t, &s, ABOVE_C, 1, 0, 0, 0);
	CHECK_NO_EV(&t);
	ASSERT_EQ(0, poll_now(t.fd));

	lo = now_ns();
	ASSERT_EQ(0, aggmon_update(self->gfd, AGGMON_UPDATE_SET, 1));
	ASSERT_EQ(0, aggmon_update(self->gfd, AGGMON_UPDATE_SET, 0));
	hi = now_ns();
	ASSERT_EQ(POLLIN, poll_now(t.fd));

	ASSERT_EQ(-1, read(t.fd, e, sizeof(e[0]) - 1));
	ASSERT_EQ(EINVAL, errno);
	ASSERT_EQ(-1, read(t.fd, e, 1));
	ASSERT_EQ(EINVAL, errno);
	ASSERT_EQ(POLLIN, poll_now(t.fd));

	/* 127 bytes: room for one whole record only. */
	ASSERT_EQ((ssize_t)sizeof(e[0]), read(t.fd, e, 2 * sizeof(e[0]) - 1));
	check_ev(_metadata, __LINE__, &t, &e[0], FIRED, 1, 0, lo, hi);
	ASSERT_EQ(POLLIN, poll_now(t.fd));
	CHECK_EV(&t, CANCELLED, 0, 0, lo, hi);
	ASSERT_EQ(0, poll_now(t.fd));
	CHECK_NO_EV(&t);
}

/* A blocking read() waits for the event that an update raises later. */
struct later_update {
	int fd;
	__s64 value;
	__u64 delay_ns;
	__u64 before;	/* when the update was made */
	int err;
};

static void *later_update_fn(void *arg)
{
	struct later_update *u = arg;

	sleep_until_ns(now_ns() + u->delay_ns);
	u->before = now_ns();
	if (aggmon_update(u->fd, AGGMON_UPDATE_SET, u->value))
		u->err = errno;
	return NULL;
}

TEST_F(stat, blocking_read)
{
	struct later_update u = {
		.fd = self->gfd,
		.value = 5,
		.delay_ns = 100 * NSEC_PER_MSEC,
	};
	struct aggmon_event e;
	pthread_t thread;
	__u64 start;
	struct st s;
	struct th t;

	open_stat(_metadata, &s, self->gid, ABSOLUTE, 0, 0);
	open_thr(_metadata, &t, &s, ABOVE, 5, 0, 0, 0);
	ASSERT_EQ(0, set_nonblock(t.fd, 0));
	start = now_ns();
	ASSERT_EQ(0, pthread_create(&thread, NULL, later_update_fn, &u));
	ASSERT_EQ((ssize_t)sizeof(e), read_events(t.fd, &e, 1));
	ASSERT_EQ(0, pthread_join(thread, NULL));
	ASSERT_EQ(0, u.err);
	/* The read returned the update made 100 ms after it started. */
	ASSERT_LE(start + u.delay_ns, u.before);
	check_ev(_metadata, __LINE__, &t, &e, FIRED, 5, 0, u.before,
		 now_ns());
}

/*
 * ABSOLUTE, HIGH_WATERMARK and LOW_WATERMARK through ADDs, SETs and
 * resets: exact values, and the gauge's value as level.
 */
TEST_F(stat, values)
{
	enum { ADD, SET, RESET_H, RESET_L, RESET_A };
	static const struct {
		int op;
		__s64 arg;
		__s64 abs, hwm, lwm;
	} steps[] = {
		{ ADD, 3, 8, 8, 5 },
		{ ADD, -10, -2, 8, -2 },
		{ SET, 100, 100, 100, -2 },
		{ SET, 50, 50, 100, -2 },
		{ ADD, 0, 50, 100, -2 },
		{ RESET_A, 0, 50, 100, -2 },	/* EOPNOTSUPP */
		{ RESET_H, 0, 50, 50, -2 },
		{ RESET_L, 0, 50, 50, 50 },
		{ ADD, -1, 49, 50, 49 },
		{ SET, 60, 60, 60, 49 },
		{ RESET_H, 0, 60, 60, 49 },
		{ SET, INT64_MAX, INT64_MAX, INT64_MAX, 49 },
		{ SET, INT64_MIN + 1, INT64_MIN + 1, INT64_MAX, INT64_MIN + 1 },
		{ SET, 0, 0, INT64_MAX, INT64_MIN + 1 },
		{ RESET_L, 0, 0, INT64_MAX, 0 },
		{ RESET_H, 0, 0, 0, 0 },
		{ ADD, -7, -7, 0, -7 },
	};
	struct st abs, hwm, lwm;
	size_t i;

	ASSERT_EQ(0, aggmon_update(self->gfd, AGGMON_UPDATE_SET, 5));
	open_stat(_metadata, &abs, self->gid, ABSOLUTE, 0, 0);
	open_stat(_metadata, &hwm, self->gid, HWM, 0, 0);
	open_stat(_metadata, &lwm, self->gid, LWM, 0, 0);
	/* The creation value counts: a gauge at 5 gives 5, 5 and 5. */
	CHECK_STAT(&abs, 5, 5);
	CHECK_STAT(&hwm, 5, 5);
	CHECK_STAT(&lwm, 5, 5);

	for (i = 0; i < ARRAY_SIZE(steps); i++) {
		switch (steps[i].op) {
		case ADD:
			ASSERT_EQ(0, aggmon_update(self->gfd, AGGMON_UPDATE_ADD,
						   steps[i].arg));
			break;
		case SET:
			ASSERT_EQ(0, aggmon_update(self->gfd, AGGMON_UPDATE_SET,
						   steps[i].arg));
			break;
		case RESET_H:
			ASSERT_EQ(0, stat_reset(hwm.fd));
			break;
		case RESET_L:
			ASSERT_EQ(0, stat_reset(lwm.fd));
			break;
		case RESET_A:
			ASSERT_EQ(-1, stat_reset(abs.fd));
			ASSERT_EQ(EOPNOTSUPP, errno);
			break;
		}
		check_stat(_metadata, __LINE__, &abs, steps[i].abs,
			   steps[i].abs);
		check_stat(_metadata, __LINE__, &hwm, steps[i].hwm,
			   steps[i].abs);
		check_stat(_metadata, __LINE__, &lwm, steps[i].lwm,
			   steps[i].abs);
	}
}

/*
 * One step of a statistic's table: an update of the gauge (or a reset of
 * the statistic), then the statistic's exact value and the gauge's level,
 * and the one event (or none) a threshold on the statistic raises.
 */
struct value_step {
	int op;		/* AGGMON_UPDATE_ADD, _SET, or -1: reset */
	__s64 arg;
	__s64 value, level;
	__u32 ev;
};

static void run_value_steps(struct __test_metadata *_metadata, int gfd,
			    struct st *s, struct th *t,
			    const struct value_step *steps, size_t n)
{
	__u64 lo, hi;
	size_t i;

	for (i = 0; i < n; i++) {
		int where = -(int)(i + 1);	/* failures name the step */

		lo = now_ns();
		if (steps[i].op < 0) {
			ASSERT_EQ(0, stat_reset(s->fd));
		} else {
			ASSERT_EQ(0, aggmon_update(gfd, steps[i].op,
						   steps[i].arg));
		}
		hi = now_ns();
		check_stat(_metadata, where, s, steps[i].value,
			   steps[i].level);
		if (steps[i].ev)
			check_one_ev(_metadata, where, t, steps[i].ev,
				     steps[i].value, 0, lo, hi);
		else
			check_no_ev(_metadata, where, t);
	}
}

/*
 * RATE with a period of a day: for the whole test the window reaches back
 * before creation, so the rate is exactly the change since creation (or
 * reset), negative too.  A threshold on it sees each change at once, and
 * the reset as an update.
 */
TEST_F(stat, rate_values)
{
	static const struct value_step steps[] = {
		{ AGGMON_UPDATE_ADD, 50, 50, 150, FIRED },
		{ AGGMON_UPDATE_ADD, -20, 30, 130, CANCELLED },
		{ AGGMON_UPDATE_SET, 0, -100, 0, 0 },
		{ AGGMON_UPDATE_ADD, 145, 45, 145, FIRED },
		{ -1, 0, 0, 145, CANCELLED },
		{ AGGMON_UPDATE_ADD, 7, 7, 152, 0 },
		{ AGGMON_UPDATE_SET, 100, -45, 100, 0 },
		{ AGGMON_UPDATE_SET, 200, 55, 200, FIRED },
	};
	struct st s;
	struct th t;

	ASSERT_EQ(0, aggmon_update(self->gfd, AGGMON_UPDATE_SET, 100));
	open_stat(_metadata, &s, self->gid, RATE, AGGMON_PERIOD_MAX_NS, 0);
	CHECK_STAT(&s, 0, 100);
	open_thr(_metadata, &t, &s, ABOVE_C, 40, 0, 0, 0);
	CHECK_NO_EV(&t);
	run_value_steps(_metadata, self->gfd, &s, &t, steps, ARRAY_SIZE(steps));
}

/*
 * LEAKY_BUCKET with a period of a day (no drain during the test): it
 * starts at 0 whatever the gauge, rises by every increase (ADD > 0, or a
 * SET above the gauge), ignores decreases, and a reset empties it.
 */
TEST_F(stat, bucket_values)
{
	static const struct value_step steps[] = {
		{ AGGMON_UPDATE_ADD, 10, 10, 110, 0 },
		{ AGGMON_UPDATE_ADD, -4, 10, 106, 0 },
		{ AGGMON_UPDATE_SET, 110, 14, 110, FIRED },
		{ AGGMON_UPDATE_SET, 50, 14, 50, 0 },
		{ AGGMON_UPDATE_SET, 50, 14, 50, 0 },
		{ AGGMON_UPDATE_ADD, 0, 14, 50, 0 },
		{ AGGMON_UPDATE_ADD, 6, 20, 56, 0 },
		{ -1, 0, 0, 56, CANCELLED },
		{ AGGMON_UPDATE_ADD, 3, 3, 59, 0 },
		{ AGGMON_UPDATE_SET, -1000, 3, -1000, 0 },
		{ AGGMON_UPDATE_SET, -900, 103, -900, FIRED },
	};
	struct st s;
	struct th t;

	ASSERT_EQ(0, aggmon_update(self->gfd, AGGMON_UPDATE_SET, 100));
	open_stat(_metadata, &s, self->gid, BUCKET, AGGMON_PERIOD_MAX_NS, 1);
	CHECK_STAT(&s, 0, 100);
	open_thr(_metadata, &t, &s, ABOVE_C, 12, 0, 0, 0);
	CHECK_NO_EV(&t);
	run_value_steps(_metadata, self->gfd, &s, &t, steps, ARRAY_SIZE(steps));
}

/*
 * Scripts: a gauge, one statistic of each of ABSOLUTE, HIGH_WATERMARK
 * and LOW_WATERMARK on it, thresholds on them, and steps.  After each
 * step every statistic must hold its value (the watermarks follow the
 * gauge here; a reset restarts them at the gauge) and each threshold must
 * have queued exactly the event the step's string says: '.' none, 'F'
 * FIRED, 'C' CANCELLED, with the value of its statistic after the step,
 * no flags, and a time within the step.  At creation 'F' is a FIRED with
 * F_INITIAL.
 */
enum { S_ABS, S_HWM, S_LWM, NR_S };
enum { OP_ADD, OP_SET, OP_RESET };

struct tdef {
	int stat;	/* S_ABS, S_HWM or S_LWM */
	__u32 kind;
	__s64 value;
	__s64 cancel;
	__u32 flags;
};

struct step {
	int op;
	__s64 arg;	/* OP_RESET: S_HWM or S_LWM */
	__s64 gauge;	/* the gauge after the step, to check the table */
	const char *ev;
};

#define SCRIPT_MAX_THR	12

static void script_ev(struct __test_metadata *_metadata, int where,
		      struct th *t, char c, __s64 value, __u32 flags,
		      __u64 lo, __u64 hi)
{
	switch (c) {
	case '.':
		check_no_ev(_metadata, where, t);
		break;
	case 'F':
		check_one_ev(_metadata, where, t, FIRED, value, flags, lo, hi);
		break;
	case 'C':
		check_one_ev(_metadata, where, t, CANCELLED, value, flags, lo,
			     hi);
		break;
	default:
		ASSERT_TRUE(false) TH_LOG("bad script character '%c'", c);
	}
}

static void run_script(struct __test_metadata *_metadata, int gfd, __u64 gid,
		       __s64 initial, const struct tdef *defs, size_t nthr,
		       const char *initial_ev, const struct step *steps,
		       size_t nsteps)
{
	static const __u32 kinds[NR_S] = { ABSOLUTE, HWM, LWM };
	struct th t[SCRIPT_MAX_THR];
	struct st s[NR_S];
	__s64 v[NR_S], g = initial;
	__u64 lo, hi;
	size_t i, j;

	ASSERT_GE((size_t)SCRIPT_MAX_THR, nthr);
	ASSERT_EQ(nthr, strlen(initial_ev));
	ASSERT_EQ(0, aggmon_update(gfd, AGGMON_UPDATE_SET, initial));
	for (j = 0; j < NR_S; j++) {
		open_stat(_metadata, &s[j], gid, kinds[j], 0, 0);
		v[j] = initial;
		check_stat(_metadata, 0, &s[j], v[j], g);
	}
	for (i = 0; i < nthr; i++) {
		lo = now_ns();
		open_thr(_metadata, &t[i], &s[defs[i].stat], defs[i].kind,
			 defs[i].value, defs[i].cancel, defs[i].flags, 0);
		hi = now_ns();
		script_ev(_metadata, 0, &t[i], initial_ev[i],
			  v[defs[i].stat], F_INITIAL, lo, hi);
	}

	for (i = 0; i < nsteps; i++) {
		const struct step *step = &steps[i];
		int where = -(int)(i + 1);

		ASSERT_EQ(nthr, strlen(step->ev));
		lo = now_ns();
		switch (step->op) {
		case OP_ADD:
			ASSERT_EQ(0, aggmon_update(gfd, AGGMON_UPDATE_ADD,
						   step->arg));
			g += step->arg;
			break;
		case OP_SET:
			ASSERT_EQ(0, aggmon_update(gfd, AGGMON_UPDATE_SET,
						   step->arg));
			g = step->arg;
			break;
		case OP_RESET:
			ASSERT_EQ(0, stat_reset(s[step->arg].fd));
			v[step->arg] = g;
			break;
		}
		hi = now_ns();
		ASSERT_EQ(step->gauge, g) log_where(_metadata, where);
		v[S_ABS] = g;
		if (step->op != OP_RESET) {
			if (g > v[S_HWM])
				v[S_HWM] = g;
			if (g < v[S_LWM])
				v[S_LWM] = g;
		}
		for (j = 0; j < NR_S; j++)
			check_stat(_metadata, where, &s[j], v[j], g);
		for (j = 0; j < nthr; j++)
			script_ev(_metadata, where, &t[j], step->ev[j],
				  v[defs[j].stat], 0, lo, hi);
	}
	for (i = 0; i < nthr; i++)
		close(t[i].fd);
	for (j = 0; j < NR_S; j++)
		close(s[j].fd);
}

/*
 * The four kinds on ABSOLUTE, without and with hysteresis (cancel 5 for
 * the ABOVE kinds at 10, cancel 8 for the BELOW kinds at 3).  ABOVE fires
 * from < value to >= value and re-arms silently below cancel;
 * ABOVE_CANCEL reports that as CANCELLED; BELOW mirrors.  Equal values
 * fire, equal values do not cancel, and updates that change nothing
 * raise nothing.
 */
TEST_F(stat, threshold_kinds)
{
	static const struct tdef defs[] = {
		{ S_ABS, ABOVE, 10, 0, 0 },
		{ S_ABS, ABOVE_C, 10, 0, 0 },
		{ S_ABS, ABOVE_C, 10, 5, HYST },
		{ S_ABS, ABOVE, 10, 5, HYST },
		{ S_ABS, BELOW, 3, 0, 0 },
		{ S_ABS, BELOW_C, 3, 0, 0 },
		{ S_ABS, BELOW_C, 3, 8, HYST },
		{ S_ABS, BELOW, 3, 8, HYST },
	};
	static const struct step steps[] = {
		{ OP_SET, 10, 10, "FFFF...." },
		{ OP_ADD, -3, 7, ".C......" },
		{ OP_ADD, -3, 4, "..C....." },
		{ OP_ADD, 5, 9, "........" },
		{ OP_ADD, 3, 12, "FFFF...." },
		{ OP_ADD, -1, 11, "........" },
		{ OP_SET, 2, 2, ".CC.FFFF" },
		{ OP_ADD, 2, 4, ".....C.." },
		{ OP_ADD, -1, 3, "....FF.." },
		{ OP_ADD, 5, 8, ".....C.." },
		{ OP_ADD, 1, 9, "......C." },
		{ OP_ADD, 0, 9, "........" },
		{ OP_SET, 9, 9, "........" },
		{ OP_SET, -100, -100, "....FFFF" },
		{ OP_SET, 100, 100, "FFFF.CC." },
		{ OP_ADD, -90, 10, "........" },
		{ OP_ADD, -1, 9, ".C......" },
		{ OP_ADD, 1, 10, "FF......" },
		{ OP_ADD, -6, 4, ".CC....." },
		{ OP_ADD, -1, 3, "....FFFF" },
	};

	run_script(_metadata, self->gfd, self->gid, 6, defs,
		   ARRAY_SIZE(defs), "........", steps, ARRAY_SIZE(steps));
}

/*
 * Thresholds on the watermarks: a high watermark never falls, so its
 * ABOVE_CANCEL threshold is cancelled only by a reset (which restarts it
 * at the gauge and is seen as an update); the low watermark mirrors.
 * The BELOW threshold on the high watermark and the ABOVE one on the low
 * watermark are crossed at creation.
 */
TEST_F(stat, watermark_thresholds)
{
	static const struct tdef defs[] = {
		{ S_HWM, ABOVE_C, 10, 0, 0 },
		{ S_HWM, BELOW_C, 5, 7, HYST },
		{ S_LWM, BELOW_C, -10, 0, 0 },
		{ S_LWM, ABOVE_C, -5, 0, 0 },
	};
	static const struct step steps[] = {
		{ OP_ADD, 6, 6, "...." },
		{ OP_ADD, 6, 12, "FC.." },
		{ OP_SET, 3, 3, "...." },
		{ OP_SET, 20, 20, "...." },
		{ OP_SET, -11, -11, "..FC" },
		{ OP_SET, 4, 4, "...." },
		{ OP_RESET, S_HWM, 4, "CF.." },
		{ OP_RESET, S_LWM, 4, "..CF" },
		{ OP_ADD, 2, 6, "...." },
		{ OP_ADD, 2, 8, ".C.." },
		{ OP_SET, 0, 0, "...." },
		{ OP_SET, -10, -10, "..FC" },
		{ OP_SET, 50, 50, "F..." },
		{ OP_RESET, S_HWM, 50, "...." },
		{ OP_SET, -50, -50, "...." },
	};

	run_script(_metadata, self->gfd, self->gid, 0, defs,
		   ARRAY_SIZE(defs), ".F.F", steps, ARRAY_SIZE(steps));
}

/*
 * Creation while crossed fires at once with F_INITIAL and the current
 * value (equality counts); creation while not crossed, hysteresis band
 * included, raises nothing.  Afterwards each behaves as if it had seen
 * the crossing.
 */
TEST_F(stat, initial)
{
	static const struct tdef defs[] = {
		{ S_ABS, ABOVE, 10, 0, 0 },
		{ S_ABS, ABOVE, 20, 0, 0 },
		{ S_ABS, ABOVE, 21, 0, 0 },
		{ S_ABS, ABOVE_C, 20, 10, HYST },
		{ S_ABS, ABOVE_C, 25, 15, HYST },
		{ S_ABS, BELOW, 20, 0, 0 },
		{ S_ABS, BELOW, 19, 0, 0 },
		{ S_ABS, BELOW_C, 30, 0, 0 },
		{ S_ABS, BELOW_C, 15, 25, HYST },
		{ S_HWM, ABOVE_C, 20, 0, 0 },
		{ S_LWM, BELOW_C, 20, 0, 0 },
		{ S_LWM, BELOW_C, 19, 0, 0 },
	};
	static const struct step steps[] = {
		{ OP_SET, 5, 5, "...C..F.F..F" },
		{ OP_SET, 20, 20, "FF.F........" },
		{ OP_SET, 22, 22, "..F........." },
		{ OP_RESET, S_HWM, 22, "............" },
		{ OP_SET, 26, 26, "....F...C..." },
		{ OP_SET, 31, 31, ".......C...." },
	};

	run_script(_metadata, self->gfd, self->gid, 20, defs,
		   ARRAY_SIZE(defs), "FF.F.F.F.FF.", steps, ARRAY_SIZE(steps));
}

/*
 * One update that jumps over several thresholds fires each of them, on
 * its own fd, with the value it jumped to.
 */
TEST_F(stat, jump_fires_all)
{
	static const struct tdef defs[] = {
		{ S_ABS, ABOVE, 10, 0, 0 },
		{ S_ABS, ABOVE, 20, 0, 0 },
		{ S_ABS, ABOVE_C, 30, 0, 0 },
		{ S_ABS, ABOVE, 36, 0, 0 },
		{ S_HWM, ABOVE_C, 35, 0, 0 },
		{ S_ABS, BELOW_C, -10, 0, 0 },
		{ S_ABS, BELOW, -35, 0, 0 },
		{ S_LWM, BELOW, -30, 0, 0 },
	};
	static const struct step steps[] = {
		{ OP_ADD, 35, 35, "FFF.F..." },
		{ OP_SET, -35, -35, "..C..FFF" },
		{ OP_SET, 36, 36, "FFFF.C.." },
	};

	run_script(_metadata, self->gfd, self->gid, 0, defs,
		   ARRAY_SIZE(defs), "........", steps, ARRAY_SIZE(steps));
}

/*
 * A spike that no reader could see (+100 then -100 at once) is still
 * reported: every update is evaluated, so the ABOVE_CANCEL threshold
 * gives FIRED with the peak then CANCELLED, and the high watermark keeps
 * the peak.
 */
TEST_F(stat, spike)
{
	struct st abs, hwm;
	struct th up, up_once, down, peak;
	__u64 lo, hi;

	open_stat(_metadata, &abs, self->gid, ABSOLUTE, 0, 0);
	open_stat(_metadata, &hwm, self->gid, HWM, 0, 0);
	open_thr(_metadata, &up, &abs, ABOVE_C, 50, 0, 0, 0);
	open_thr(_metadata, &up_once, &abs, ABOVE, 50, 0, 0, 0);
	open_thr(_metadata, &down, &abs, BELOW_C, -50, 0, 0, 0);
	open_thr(_metadata, &peak, &hwm, ABOVE_C, 50, 0, 0, 0);

	lo = now_ns();
	ASSERT_EQ(0, aggmon_update(self->gfd, AGGMON_UPDATE_ADD, 100));
	ASSERT_EQ(0, aggmon_update(self->gfd, AGGMON_UPDATE_ADD, -100));
	hi = now_ns();
	CHECK_STAT(&abs, 0, 0);
	CHECK_STAT(&hwm, 100, 0);
	{
		struct aggmon_event e[3];

		ASSERT_EQ(2, drain_events(up.fd, e, 3));
		check_ev(_metadata, __LINE__, &up, &e[0], FIRED, 100, 0,
			 lo, hi);
		check_ev(_metadata, __LINE__, &up, &e[1], CANCELLED, 0, 0,
			 lo, hi);
		ASSERT_LE(e[0].time_ns, e[1].time_ns);
	}
	CHECK_EV(&up_once, FIRED, 100, 0, lo, hi);
	CHECK_NO_EV(&down);
	CHECK_EV(&peak, FIRED, 100, 0, lo, hi);

	/* Downwards, with SETs: only the BELOW_CANCEL threshold. */
	lo = now_ns();
	ASSERT_EQ(0, aggmon_update(self->gfd, AGGMON_UPDATE_SET, -1000));
	ASSERT_EQ(0, aggmon_update(self->gfd, AGGMON_UPDATE_SET, 0));
	hi = now_ns();
	CHECK_STAT(&abs, 0, 0);
	{
		struct aggmon_event e[3];

		ASSERT_EQ(2, drain_events(down.fd, e, 3));
		check_ev(_metadata, __LINE__, &down, &e[0], FIRED, -1000, 0,
			 lo, hi);
		check_ev(_metadata, __LINE__, &down, &e[1], CANCELLED, 0, 0,
			 lo, hi);
	}
	CHECK_NO_EV(&up);
	CHECK_NO_EV(&up_once);
	CHECK_NO_EV(&peak);
}

/*
 * The leaky bucket drains by time: P = 200 ms, D = 10, filled with 35
 * just after creation.  Read at the middle of each period it holds 25,
 * 15, 5, then 0; an ABOVE_CANCEL threshold at 30 is cancelled by the
 * first drain and a BELOW_CANCEL one at 5 fires at the third, both with
 * F_TIMER and the time of the period's end.  Mid-period reads leave
 * P/2 for timer lateness; if the guest is slower than that around a
 * read, the values of both periods it straddles are accepted.
 */
#define LB_PERIOD_NS	(200 * NSEC_PER_MSEC)
#define LB_SLACK_NS	(10 * NSEC_PER_MSEC)

static __s64 bucket_at(__s64 filled, int k)
{
	__s64 v = filled - 10 * k;

	return v > 0 ? v : 0;
}

TEST_F_TIMEOUT(stat, bucket_drain, 30)
{
	__u64 c0, c1, r0, r1, seen[5], lo, hi;
	struct th above, below;
	__s64 value;
	struct st s;
	int k, k_lo, k_hi;

	ASSERT_EQ(0, aggmon_update(self->gfd, AGGMON_UPDATE_SET, 100));
	c0 = now_ns();
	open_stat(_metadata, &s, self->gid, BUCKET, LB_PERIOD_NS, 10);
	c1 = now_ns();
	CHECK_STAT(&s, 0, 100);
	ASSERT_EQ(0, aggmon_update(self->gfd, AGGMON_UPDATE_ADD, 30));
	CHECK_STAT(&s, 30, 130);
	ASSERT_EQ(0, aggmon_update(self->gfd, AGGMON_UPDATE_ADD, -5));
	CHECK_STAT(&s, 30, 125);
	ASSERT_EQ(0, aggmon_update(self->gfd, AGGMON_UPDATE_SET, 130));
	CHECK_STAT(&s, 35, 130);
	ASSERT_EQ(0, aggmon_update(self->gfd, AGGMON_UPDATE_SET, 0));
	CHECK_STAT(&s, 35, 0);
	open_thr(_metadata, &below, &s, BELOW_C, 5, 0, 0, 0);
	CHECK_NO_EV(&below);
	lo = now_ns();
	open_thr(_metadata, &above, &s, ABOVE_C, 30, 0, 0, 0);
	hi = now_ns();
	CHECK_EV(&above, FIRED, 35, F_INITIAL, lo, hi);
	/* All of that before the first drain, or the values are off. */
	ASSERT_GT(c0 + LB_PERIOD_NS / 2, now_ns());

	for (k = 1; k <= 4; k++) {
		sleep_until_ns(c1 + k * LB_PERIOD_NS + LB_PERIOD_NS / 2);
		r0 = now_ns();
		value = stat_value(_metadata, &s);
		r1 = now_ns();
		seen[k] = r1;
		k_lo = (r0 - c1) / LB_PERIOD_NS;
		k_hi = (r1 - c0) / LB_PERIOD_NS;
		ASSERT_LE(value, bucket_at(35, k_lo)) {
			TH_LOG("period %d (read in %d..%d)", k, k_lo, k_hi);
		}
		ASSERT_GE(value, bucket_at(35, k_hi)) {
			TH_LOG("period %d (read in %d..%d)", k, k_lo, k_hi);
		}
		ASSERT_EQ(0, value % 5);
		if (k_lo != k_hi)
			TH_LOG("guest slow: read %d straddles a drain", k);
	}

	/* The drains that crossed them, at their period ends. */
	CHECK_EV(&above, CANCELLED, 25, F_TIMER,
		 c0 + LB_PERIOD_NS - LB_SLACK_NS, seen[1]);
	CHECK_EV(&below, FIRED, 5, F_TIMER,
		 c0 + 3 * LB_PERIOD_NS - LB_SLACK_NS, seen[3]);
	CHECK_NO_EV(&above);
	CHECK_NO_EV(&below);
	CHECK_STAT(&s, 0, 0);

	/* Updates and the reset count as such: no F_TIMER. */
	lo = now_ns();
	ASSERT_EQ(0, aggmon_update(self->gfd, AGGMON_UPDATE_ADD, 20));
	hi = now_ns();
	CHECK_STAT(&s, 20, 20);
	CHECK_EV(&below, CANCELLED, 20, 0, lo, hi);
	lo = now_ns();
	ASSERT_EQ(0, stat_reset(s.fd));
	hi = now_ns();
	CHECK_STAT(&s, 0, 20);
	CHECK_EV(&below, FIRED, 0, 0, lo, hi);
	CHECK_NO_EV(&above);
}

/*
 * A rate falls to 0 by time alone.  P = 100 ms: after one ADD of 50 the
 * rate is 50 until the slot boundary one period plus at most a tenth
 * after the add has passed, then 0 by a timer.  A BELOW threshold at 0
 * created while the rate is 50 fires then, with F_TIMER, and the
 * ABOVE_CANCEL one at 50 that the add fired is cancelled.  The fall may
 * come from 90 ms (slot granularity) to 110 ms after the add, plus 60 ms
 * for timer lateness under emulation.
 */
#define RATE_PERIOD_NS	(100 * NSEC_PER_MSEC)

TEST_F_TIMEOUT(stat, rate_falls, 30)
{
	struct pollfd p;
	__u64 a0, a1;
	struct st s;
	struct th up, zero;

	ASSERT_EQ(0, aggmon_update(self->gfd, AGGMON_UPDATE_SET, 1000));
	open_stat(_metadata, &s, self->gid, RATE, RATE_PERIOD_NS, 0);
	CHECK_STAT(&s, 0, 1000);
	open_thr(_metadata, &up, &s, ABOVE_C, 50, 0, 0, 0);
	CHECK_NO_EV(&up);

	a0 = now_ns();
	ASSERT_EQ(0, aggmon_update(self->gfd, AGGMON_UPDATE_ADD, 50));
	a1 = now_ns();
	CHECK_STAT(&s, 50, 1050);
	CHECK_EV(&up, FIRED, 50, 0, a0, a1);
	open_thr(_metadata, &zero, &s, BELOW, 0, 0, 0, 0);
	CHECK_NO_EV(&zero);
	ASSERT_GT(a0 + RATE_PERIOD_NS / 2, now_ns());

	p = (struct pollfd){ .fd = zero.fd, .events = POLLIN };
	ASSERT_EQ(1, poll(&p, 1, 2000));
	CHECK_EV(&zero, FIRED, 0, F_TIMER, a0 + 90 * NSEC_PER_MSEC,
		 a1 + 170 * NSEC_PER_MSEC);
	CHECK_EV(&up, CANCELLED, 0, F_TIMER, a0 + 90 * NSEC_PER_MSEC,
		 a1 + 170 * NSEC_PER_MSEC);
	CHECK_STAT(&s, 0, 1050);

	/* It stays 0, and nothing more is raised. */
	usleep(300 * 1000);
	CHECK_STAT(&s, 0, 1050);
	CHECK_NO_EV(&zero);
	CHECK_NO_EV(&up);
}

/*
 * The queue: an ABOVE_CANCEL threshold at 1 with queue_len 4, and 10
 * times (+1, -1), 20 events, none read.  The 4 first are queued and 16
 * lost: reading gives them (seq 1..4), then a LOST record with lost 16
 * and seq 20 (the last lost one); the next event has seq 21 and lost 0.
 */
static void flip(struct __test_metadata *_metadata, int gfd, int times)
{
	int i;

	for (i = 0; i < times; i++) {
		ASSERT_EQ(0, aggmon_update(gfd, AGGMON_UPDATE_ADD, 1));
		ASSERT_EQ(0, aggmon_update(gfd, AGGMON_UPDATE_ADD, -1));
	}
}

/* @e is a LOST record of @t for @lost events, the last one @seq. */
static void check_lost(struct __test_metadata *_metadata, int where,
		       struct th *t, const struct aggmon_event *e,
		       __u64 lost, __u64 seq)
{
	ASSERT_EQ(LOST, e->type) log_ev(_metadata, where, e);
	ASSERT_EQ(lost, e->lost) log_ev(_metadata, where, e);
	ASSERT_EQ(seq, e->seq) log_ev(_metadata, where, e);
	ASSERT_EQ(0, e->value) log_ev(_metadata, where, e);
	ASSERT_EQ(t->gauge_id, e->gauge_id) log_ev(_metadata, where, e);
	ASSERT_EQ(t->stat_id, e->stat_id) log_ev(_metadata, where, e);
	ASSERT_EQ(t->id, e->threshold_id) log_ev(_metadata, where, e);
	t->seq = seq;
}

TEST_F(stat, queue_overflow)
{
	struct aggmon_event e[8];
	__u64 lo, hi;
	struct st s;
	struct th t;
	int i;

	open_stat(_metadata, &s, self->gid, ABSOLUTE, 0, 0);
	open_thr(_metadata, &t, &s, ABOVE_C, 1, 0, 0, 4);
	lo = now_ns();
	flip(_metadata, self->gfd, 10);
	hi = now_ns();
	ASSERT_EQ(POLLIN, poll_now(t.fd));

	ASSERT_EQ(5, drain_events(t.fd, e, 8));
	for (i = 0; i < 4; i++)
		check_ev(_metadata, __LINE__, &t, &e[i],
			 i & 1 ? CANCELLED : FIRED, i & 1 ? 0 : 1, 0, lo, hi);
	check_lost(_metadata, __LINE__, &t, &e[4], 16, 20);
	ASSERT_EQ(0, poll_now(t.fd));
	CHECK_NO_EV(&t);

	lo = now_ns();
	ASSERT_EQ(0, aggmon_update(self->gfd, AGGMON_UPDATE_ADD, 1));
	hi = now_ns();
	CHECK_EV(&t, FIRED, 1, 0, lo, hi);
	ASSERT_EQ(21ULL, t.seq);
}

/*
 * A loss that is pending when the next event gets queued is carried by
 * that event (lost 16, seq 21): no LOST record then.
 */
TEST_F(stat, queue_loss_carried)
{
	struct aggmon_event e[8];
	__u64 lo, hi;
	struct st s;
	struct th t;
	int i;

	open_stat(_metadata, &s, self->gid, ABSOLUTE, 0, 0);
	open_thr(_metadata, &t, &s, ABOVE_C, 1, 0, 0, 4);
	lo = now_ns();
	flip(_metadata, self->gfd, 10);
	hi = now_ns();

	/* Two of the four, leaving room for two. */
	ASSERT_EQ((ssize_t)(2 * sizeof(e[0])), read_events(t.fd, e, 2));
	check_ev(_metadata, __LINE__, &t, &e[0], FIRED, 1, 0, lo, hi);
	check_ev(_metadata, __LINE__, &t, &e[1], CANCELLED, 0, 0, lo, hi);

	ASSERT_EQ(0, aggmon_update(self->gfd, AGGMON_UPDATE_ADD, 1));
	hi = now_ns();
	ASSERT_EQ(3, drain_events(t.fd, e, 8));
	for (i = 0; i < 2; i++)
		check_ev(_metadata, __LINE__, &t, &e[i],
			 i & 1 ? CANCELLED : FIRED, i & 1 ? 0 : 1, 0, lo, hi);
	ASSERT_EQ(21ULL, e[2].seq) log_ev(_metadata, __LINE__, &e[2]);
	ASSERT_EQ(16ULL, e[2].lost) log_ev(_metadata, __LINE__, &e[2]);
	ASSERT_EQ(FIRED, e[2].type);
	ASSERT_EQ(1, e[2].value);
	ASSERT_EQ(0, poll_now(t.fd));
	CHECK_NO_EV(&t);
}

/*
 * queue_len 0 is 64: 80 events give 64 records and a LOST of 16 (seq
 * 80); queue_len 1: 3 events give one record and a LOST of 2 (seq 3).
 */
TEST_F(stat, queue_lengths)
{
	struct aggmon_event *e;
	struct th t64, t1;
	__u64 lo, hi;
	struct st s;
	int i;

	e = calloc(128, sizeof(*e));
	ASSERT_NE(NULL, e);
	open_stat(_metadata, &s, self->gid, ABSOLUTE, 0, 0);
	open_thr(_metadata, &t64, &s, ABOVE_C, 1, 0, 0, 0);
	open_thr(_metadata, &t1, &s, ABOVE_C, 1, 0, 0, 1);

	lo = now_ns();
	ASSERT_EQ(0, aggmon_update(self->gfd, AGGMON_UPDATE_ADD, 1));
	ASSERT_EQ(0, aggmon_update(self->gfd, AGGMON_UPDATE_ADD, -1));
	ASSERT_EQ(0, aggmon_update(self->gfd, AGGMON_UPDATE_ADD, 1));
	hi = now_ns();
	ASSERT_EQ(2, drain_events(t1.fd, e, 128));
	check_ev(_metadata, __LINE__, &t1, &e[0], FIRED, 1, 0, lo, hi);
	check_lost(_metadata, __LINE__, &t1, &e[1], 2, 3);

	ASSERT_EQ(0, aggmon_update(self->gfd, AGGMON_UPDATE_ADD, -1));
	flip(_metadata, self->gfd, 38);
	hi = now_ns();
	ASSERT_EQ(AGGMON_QUEUE_LEN_DEFAULT + 1, drain_events(t64.fd, e, 128));
	for (i = 0; i < AGGMON_QUEUE_LEN_DEFAULT; i++)
		check_ev(_metadata, __LINE__, &t64, &e[i],
			 i & 1 ? CANCELLED : FIRED, i & 1 ? 0 : 1, 0, lo, hi);
	check_lost(_metadata, __LINE__, &t64, &e[i], 16, 80);
	free(e);
}

/*
 * epoll over NR_EPOLL thresholds: threshold i is ABOVE i + 1 for even i
 * and BELOW -(i + 1) for odd i, each on its own statistic or all on one.
 * Exactly the crossed ones are ready, with EPOLLIN, and stop being ready
 * once read.
 */
#define NR_EPOLL	200

static void epoll_expect(struct __test_metadata *_metadata, int ep,
			 struct th *t, bool (*crossed)(int i, __s64 g),
			 __s64 g)
{
	struct epoll_event ev[NR_EPOLL + 1];
	bool seen[NR_EPOLL] = { false };
	int n, i, want = 0;

	for (i = 0; i < NR_EPOLL; i++)
		want += crossed(i, g);
	n = epoll_wait(ep, ev, NR_EPOLL + 1, 0);
	ASSERT_EQ(want, n) TH_LOG("gauge at %lld", (long long)g);
	for (i = 0; i < n; i++) {
		int idx = ev[i].data.u32;

		ASSERT_GT(NR_EPOLL, idx);
		ASSERT_FALSE(seen[idx]);
		seen[idx] = true;
		ASSERT_TRUE(crossed(idx, g)) TH_LOG("threshold %d ready", idx);
		ASSERT_EQ((__u32)EPOLLIN, ev[i].events & (EPOLLIN | EPOLLHUP));
	}
	for (i = 0; i < NR_EPOLL; i++) {
		if (!seen[i])
			continue;
		check_one_ev(_metadata, __LINE__, &t[i], FIRED, g, 0, 0, 0);
	}
	ASSERT_EQ(0, epoll_wait(ep, ev, NR_EPOLL + 1, 0));
}

/* Threshold i fires when the gauge first reaches @g (from 0 or back). */
static bool epoll_crossed_up(int i, __s64 g)
{
	return !(i & 1) && g >= i + 1;
}

static bool epoll_crossed_down(int i, __s64 g)
{
	return (i & 1) && g <= -(i + 1);
}

static void epoll_many(struct __test_metadata *_metadata, int gfd,
		       __u64 gid, bool one_stat)
{
	struct th *t = calloc(NR_EPOLL, sizeof(*t));
	struct st *s = calloc(NR_EPOLL, sizeof(*s));
	struct epoll_event ev;
	int ep, i;

	ASSERT_NE(NULL, t);
	ASSERT_NE(NULL, s);
	ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_LE(0, ep);
	for (i = 0; i < NR_EPOLL; i++) {
		struct st *si = &s[one_stat ? 0 : i];

		if (!one_stat || i == 0)
			open_stat(_metadata, si, gid, ABSOLUTE, 0, 0);
		if (i & 1)
			open_thr(_metadata, &t[i], si, BELOW, -(i + 1), 0, 0,
				 0);
		else
			open_thr(_metadata, &t[i], si, ABOVE, i + 1, 0, 0, 0);
		ev.events = EPOLLIN;
		ev.data.u64 = 0;
		ev.data.u32 = i;
		ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, t[i].fd, &ev));
	}
	ASSERT_EQ(0, epoll_wait(ep, &ev, 1, 0));

	ASSERT_EQ(0, aggmon_update(gfd, AGGMON_UPDATE_SET, 60));
	epoll_expect(_metadata, ep, t, epoll_crossed_up, 60);
	/* The ABOVE ones re-arm silently on the way down. */
	ASSERT_EQ(0, aggmon_update(gfd, AGGMON_UPDATE_SET, -60));
	epoll_expect(_metadata, ep, t, epoll_crossed_down, -60);
	ASSERT_EQ(0, aggmon_update(gfd, AGGMON_UPDATE_SET, 1000));
	epoll_expect(_metadata, ep, t, epoll_crossed_up, 1000);
	ASSERT_EQ(0, aggmon_update(gfd, AGGMON_UPDATE_SET, -1000));
	epoll_expect(_metadata, ep, t, epoll_crossed_down, -1000);

	for (i = 0; i < NR_EPOLL; i++)
		close(t[i].fd);
	for (i = 0; i < (one_stat ? 1 : NR_EPOLL); i++)
		close(s[i].fd);
	close(ep);
	free(t);
	free(s);
}

TEST_F(stat, epoll_many_stats)
{
	epoll_many(_metadata, self->gfd, self->gid, false);
}

TEST_F(stat, epoll_one_stat)
{
	epoll_many(_metadata, self->gfd, self->gid, true);
}

/* @e is the GONE record of @t. */
static void check_gone(struct __test_metadata *_metadata, int where,
		       struct th *t, const struct aggmon_event *e)
{
	ASSERT_EQ(GONE, e->type) log_ev(_metadata, where, e);
	ASSERT_EQ(t->seq + 1, e->seq) log_ev(_metadata, where, e);
	ASSERT_EQ(0ULL, e->lost) log_ev(_metadata, where, e);
	ASSERT_EQ(t->gauge_id, e->gauge_id) log_ev(_metadata, where, e);
	ASSERT_EQ(t->stat_id, e->stat_id) log_ev(_metadata, where, e);
	ASSERT_EQ(t->id, e->threshold_id) log_ev(_metadata, where, e);
	t->seq++;
}

/* After its GONE record: read() is ENODEV, poll() EPOLLHUP, no EPOLLIN. */
static void check_dead(struct __test_metadata *_metadata, struct th *t)
{
	struct aggmon_event e;
	short revents;

	ASSERT_EQ(-1, read_events(t->fd, &e, 1))
		log_ev(_metadata, __LINE__, &e);
	ASSERT_EQ(ENODEV, errno);
	revents = poll_now(t->fd);
	ASSERT_EQ(POLLHUP, revents & (POLLHUP | POLLIN));
	/* Blocking reads do not wait for what cannot come. */
	ASSERT_EQ(0, set_nonblock(t->fd, 0));
	ASSERT_EQ(-1, read_events(t->fd, &e, 1));
	ASSERT_EQ(ENODEV, errno);
	ASSERT_EQ(0, set_nonblock(t->fd, 1));
}

/*
 * Closing the gauge while statistics and thresholds watch it: each
 * threshold gets, after the events it had queued, one GONE record; then
 * read() fails with ENODEV and poll() says EPOLLHUP.  The statistics say
 * ENODEV with state GONE, and no threshold can be put on them.
 */
TEST_F(stat, gauge_gone)
{
	struct aggmon_event e[4];
	struct aggmon_stat_info info;
	struct aggmon_gauge_info ginfo;
	struct th fired, quiet, one;
	struct st abs, hwm;
	__u64 lo, hi, id;
	int ep;
	struct epoll_event ev = { .events = EPOLLIN };

	open_stat(_metadata, &abs, self->gid, ABSOLUTE, 0, 0);
	open_stat(_metadata, &hwm, self->gid, HWM, 0, 0);
	open_thr(_metadata, &fired, &abs, ABOVE_C, 10, 0, 0, 0);
	open_thr(_metadata, &quiet, &abs, BELOW, -100, 0, 0, 0);
	open_thr(_metadata, &one, &hwm, ABOVE, 10, 0, 0, 0);
	ep = epoll_create1(EPOLL_CLOEXEC);
	ASSERT_LE(0, ep);
	ev.data.u32 = 1;
	ASSERT_EQ(0, epoll_ctl(ep, EPOLL_CTL_ADD, quiet.fd, &ev));

	lo = now_ns();
	ASSERT_EQ(0, aggmon_update(self->gfd, AGGMON_UPDATE_SET, 15));
	hi = now_ns();
	ASSERT_EQ(0, close(self->gfd));
	self->gfd = -1;

	/* The gauge itself is gone, whatever watches it. */
	ASSERT_EQ(-1, aggmon_info(self->gid, &ginfo));
	ASSERT_EQ(ENOENT, errno);
	ASSERT_EQ(-1, stat_create(self->gid, ABSOLUTE, 0, 0, &id));
	ASSERT_EQ(ENOENT, errno);

	/* A pending GONE is readable. */
	ASSERT_EQ(POLLIN, poll_now(quiet.fd) & POLLIN);
	ASSERT_EQ(1, epoll_wait(ep, &ev, 1, 0));
	ASSERT_EQ((__u32)EPOLLIN, ev.events & EPOLLIN);

	ASSERT_EQ(2, drain_events(fired.fd, e, 4));
	check_ev(_metadata, __LINE__, &fired, &e[0], FIRED, 15, 0, lo, hi);
	check_gone(_metadata, __LINE__, &fired, &e[1]);
	check_dead(_metadata, &fired);

	ASSERT_EQ(1, drain_events(quiet.fd, e, 4));
	check_gone(_metadata, __LINE__, &quiet, &e[0]);
	ASSERT_EQ(1ULL, e[0].seq);
	check_dead(_metadata, &quiet);
	ASSERT_EQ(1, epoll_wait(ep, &ev, 1, 0));
	ASSERT_EQ((__u32)EPOLLHUP, ev.events & (EPOLLHUP | EPOLLIN));

	/* One record per read: the event, then GONE, then ENODEV. */
	ASSERT_EQ((ssize_t)sizeof(e[0]), read_events(one.fd, e, 1));
	check_ev(_metadata, __LINE__, &one, &e[0], FIRED, 15, 0, lo, hi);
	ASSERT_EQ((ssize_t)sizeof(e[0]), read_events(one.fd, e, 1));
	check_gone(_metadata, __LINE__, &one, &e[0]);
	check_dead(_metadata, &one);

	/* STAT_INFO: ENODEV, with what describes the statistic filled in. */
	memset(&info, 0xa5, sizeof(info));
	info.fd = abs.fd;
	info.flags = 0;
	ASSERT_EQ(-1, sys_aggmon(AGGMON_STAT_INFO, &info, sizeof(info)));
	ASSERT_EQ(ENODEV, errno);
	ASSERT_EQ(abs.id, info.id);
	ASSERT_EQ(self->gid, info.gauge_id);
	ASSERT_EQ(ABSOLUTE, info.kind);
	ASSERT_EQ(AGGMON_STAT_GONE, info.state);
	ASSERT_EQ(-1, stat_info(hwm.fd, &info));
	ASSERT_EQ(ENODEV, errno);
	ASSERT_EQ(hwm.id, info.id);
	ASSERT_EQ(HWM, info.kind);
	ASSERT_EQ(AGGMON_STAT_GONE, info.state);

	ASSERT_EQ(-1, threshold_create(abs.fd, ABOVE, 1, 0, 0, 0, &id));
	ASSERT_EQ(ENODEV, errno);
	ASSERT_EQ(-1, threshold_create(hwm.fd, BELOW, 1, 0, 0, 0, &id));
	ASSERT_EQ(ENODEV, errno);
	close(ep);
}

/* A reader blocked in read() is woken by the removal and gets GONE. */
struct blocked_read {
	int fd;
	ssize_t ret;
	int err;
	struct aggmon_event e;
};

static void *blocked_read_fn(void *arg)
{
	struct blocked_read *b = arg;

	ssize_t ret = read_events(b->fd, &b->e, 1);

	b->err = errno;
	__atomic_store_n(&b->ret, ret, __ATOMIC_RELEASE);
	return NULL;
}

TEST_F(stat, gone_wakes_reader)
{
	struct blocked_read b = { .ret = -2 };
	pthread_t thread;
	struct st s;
	struct th t;

	open_stat(_metadata, &s, self->gid, LWM, 0, 0);
	open_thr(_metadata, &t, &s, BELOW, -1, 0, 0, 0);
	ASSERT_EQ(0, set_nonblock(t.fd, 0));
	b.fd = t.fd;
	ASSERT_EQ(0, pthread_create(&thread, NULL, blocked_read_fn, &b));
	usleep(100 * 1000);
	/* Still blocked: nothing happened yet. */
	ASSERT_EQ(-2, __atomic_load_n(&b.ret, __ATOMIC_ACQUIRE));
	ASSERT_EQ(0, close(self->gfd));
	self->gfd = -1;
	ASSERT_EQ(0, pthread_join(thread, NULL));
	ASSERT_EQ((ssize_t)sizeof(b.e), b.ret) {
		TH_LOG("read: %s", strerror(b.err));
	}
	check_gone(_metadata, __LINE__, &t, &b.e);
	ASSERT_EQ(0, set_nonblock(t.fd, 1));
	check_dead(_metadata, &t);
}

/*
 * Closing the statistic's fd while a threshold on it is open keeps the
 * statistic: the threshold still fires and cancels with its id, and
 * still gets GONE when the gauge goes.
 */
TEST_F(stat, threshold_keeps_stat)
{
	struct aggmon_stat_info info;
	struct aggmon_event e;
	__u64 lo, hi;
	struct st s;
	struct th t;

	open_stat(_metadata, &s, self->gid, HWM, 0, 0);
	open_thr(_metadata, &t, &s, ABOVE_C, 10, 0, 0, 0);
	ASSERT_EQ(0, close(s.fd));
	ASSERT_EQ(-1, stat_info(s.fd, &info));
	ASSERT_EQ(EBADF, errno);

	lo = now_ns();
	ASSERT_EQ(0, aggmon_update(self->gfd, AGGMON_UPDATE_SET, 10));
	hi = now_ns();
	CHECK_EV(&t, FIRED, 10, 0, lo, hi);
	ASSERT_EQ(0, aggmon_update(self->gfd, AGGMON_UPDATE_SET, 30));
	ASSERT_EQ(0, aggmon_update(self->gfd, AGGMON_UPDATE_SET, 0));
	CHECK_NO_EV(&t);

	ASSERT_EQ(0, close(self->gfd));
	self->gfd = -1;
	ASSERT_EQ((ssize_t)sizeof(e), read_events(t.fd, &e, 1));
	check_gone(_metadata, __LINE__, &t, &e);
	check_dead(_metadata, &t);
}

/*
 * Permissions.  The parent (root) sets kernel.aggmon_paranoid and owns a
 * gauge, a statistic and a threshold; a forked child drops to uid/gid
 * 65534, which clears all capabilities.  The parent restores the level.
 */
FIXTURE(perm) {
	long saved;
	int gfd;
	__u64 gid;
	struct st s;
	struct th t;
};

FIXTURE_SETUP(perm)
{
	char item[AGGMON_ITEM_LEN];

	ASSERT_EQ(0, aggmon_sysctl_read(AGGMON_PARANOID_SYSCTL, &self->saved));
	aggmon_pid_item(item, "_perm");
	self->gfd = aggmon_create(GAUGE_NAME, item, "", 0, &self->gid);
	ASSERT_LE(0, self->gfd);
	open_stat(_metadata, &self->s, self->gid, ABSOLUTE, 0, 0);
	open_thr(_metadata, &self->t, &self->s, ABOVE, 5, 0, 0, 0);
}

FIXTURE_TEARDOWN_PARENT(perm)
{
	EXPECT_EQ(0, aggmon_sysctl_write_long(AGGMON_PARANOID_SYSCTL,
					      self->saved));
}

/*
 * Level 2 (the default): without CAP_PERFMON, STAT_CREATE and
 * THRESHOLD_CREATE are EACCES, even on a statistic the child holds; the
 * fds it inherited are the permission to read them.
 */
TEST_F(perm, level2_unprivileged)
{
	pid_t pid;

	ASSERT_EQ(0, aggmon_sysctl_write_long(AGGMON_PARANOID_SYSCTL, 2));
	ASSERT_EQ(0, aggmon_update(self->gfd, AGGMON_UPDATE_SET, 5));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct aggmon_stat_info info;
		struct aggmon_event e;
		__u64 id = 0;

		EXPECT_EQ(0, aggmon_drop_privileges());
		CHILD_BAIL();
		EXPECT_EQ(-1, stat_create(self->gid, ABSOLUTE, 0, 0, &id));
		EXPECT_EQ(EACCES, errno);
		EXPECT_EQ(-1, stat_create(self->gid, HWM, 0, 0, &id));
		EXPECT_EQ(EACCES, errno);
		EXPECT_EQ(-1, threshold_create(self->s.fd, ABOVE, 1, 0, 0, 0,
					       &id));
		EXPECT_EQ(EACCES, errno);
		EXPECT_EQ(0, stat_info(self->s.fd, &info));
		EXPECT_EQ(5, info.value);
		EXPECT_EQ((ssize_t)sizeof(e), read_events(self->t.fd, &e, 1));
		EXPECT_EQ(FIRED, e.type);
		EXPECT_EQ(5, e.value);
		CHILD_EXIT();
	}
	ASSERT_EQ(0, aggmon_wait_child(pid));
}

/*
 * Levels 1 and 0: the unprivileged child may put statistics and
 * thresholds on root's gauge, and they work.
 */
static void perm_allowed(struct __test_metadata *_metadata,
			 FIXTURE_DATA(perm) *self, long level)
{
	pid_t pid;

	ASSERT_EQ(0, aggmon_sysctl_write_long(AGGMON_PARANOID_SYSCTL, level));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct aggmon_event e;
		__u64 sid = 0, tid = 0;
		int sfd, tfd;

		EXPECT_EQ(0, aggmon_drop_privileges());
		CHILD_BAIL();
		sfd = stat_create(self->gid, HWM, 0, 0, &sid);
		EXPECT_LE(0, sfd);
		CHILD_BAIL();
		tfd = threshold_create(sfd, ABOVE_C, 3, 0, 0, 0, &tid);
		EXPECT_LE(0, tfd);
		CHILD_BAIL();
		EXPECT_EQ(0, aggmon_update(self->gfd, AGGMON_UPDATE_ADD, 3));
		EXPECT_EQ((ssize_t)sizeof(e), read_events(tfd, &e, 1));
		EXPECT_EQ(FIRED, e.type);
		EXPECT_EQ(3, e.value);
		EXPECT_EQ(sid, e.stat_id);
		EXPECT_EQ(tid, e.threshold_id);
		CHILD_EXIT();
	}
	ASSERT_EQ(0, aggmon_wait_child(pid));
}

TEST_F(perm, level1_unprivileged)
{
	perm_allowed(_metadata, self, 1);
}

TEST_F(perm, level0_unprivileged)
{
	perm_allowed(_metadata, self, 0);
}

/*
 * Quotas: kernel.aggmon_max_user_stats and aggmon_max_user_thresholds,
 * saved and restored by the parent.  The test process (root) holds no
 * other statistic or threshold while it runs.
 */
#define QUOTA	3

FIXTURE(quota) {
	long saved_stats;
	long saved_thresholds;
	int gfd;
	__u64 gid;
};

FIXTURE_SETUP(quota)
{
	char item[AGGMON_ITEM_LEN];

	ASSERT_EQ(0, aggmon_sysctl_read(AGGMON_MAX_STATS_SYSCTL,
					&self->saved_stats));
	ASSERT_EQ(0, aggmon_sysctl_read(AGGMON_MAX_THRESHOLDS_SYSCTL,
					&self->saved_thresholds));
	aggmon_pid_item(item, "_quota");
	self->gfd = aggmon_create(GAUGE_NAME, item, "", 0, &self->gid);
	ASSERT_LE(0, self->gfd);
}

FIXTURE_TEARDOWN_PARENT(quota)
{
	EXPECT_EQ(0, aggmon_sysctl_write_long(AGGMON_MAX_STATS_SYSCTL,
					      self->saved_stats));
	EXPECT_EQ(0, aggmon_sysctl_write_long(AGGMON_MAX_THRESHOLDS_SYSCTL,
					      self->saved_thresholds));
}

TEST_F(quota, defaults)
{
	ASSERT_EQ(1024, self->saved_stats);
	ASSERT_EQ(4096, self->saved_thresholds);
}

/* Both can be set from 1 to 1048576; anything else is EINVAL. */
TEST_F(quota, sysctl_range)
{
	aggmon_check_sysctl_range(_metadata, AGGMON_MAX_STATS_SYSCTL, 1,
				  1048576, QUOTA);
	aggmon_check_sysctl_range(_metadata, AGGMON_MAX_THRESHOLDS_SYSCTL, 1,
				  1048576, QUOTA);
}

/* QUOTA statistics, then EMFILE; closing one frees exactly one slot. */
TEST_F(quota, stats)
{
	int fds[QUOTA], fd, i;
	__u64 id;

	ASSERT_EQ(0, aggmon_sysctl_write_long(AGGMON_MAX_STATS_SYSCTL, QUOTA));
	for (i = 0; i < QUOTA; i++) {
		fds[i] = stat_create(self->gid, i % 3, 0, 0, &id);
		ASSERT_LE(0, fds[i]) TH_LOG("stat %d: %s", i, strerror(errno));
	}
	ASSERT_EQ(-1, stat_create(self->gid, ABSOLUTE, 0, 0, &id));
	ASSERT_EQ(EMFILE, errno);
	ASSERT_EQ(-1, stat_create(self->gid, RATE, AGGMON_PERIOD_MIN_NS, 0,
				  &id));
	ASSERT_EQ(EMFILE, errno);

	ASSERT_EQ(0, close(fds[0]));
	fd = stat_create(self->gid, HWM, 0, 0, &id);
	ASSERT_LE(0, fd);
	ASSERT_EQ(-1, stat_create(self->gid, ABSOLUTE, 0, 0, &id));
	ASSERT_EQ(EMFILE, errno);
	close(fd);
	for (i = 1; i < QUOTA; i++)
		close(fds[i]);
}

/* QUOTA thresholds, then EMFILE; closing one frees exactly one slot. */
TEST_F(quota, thresholds)
{
	int fds[QUOTA], fd, i;
	struct st s;
	__u64 id;

	open_stat(_metadata, &s, self->gid, ABSOLUTE, 0, 0);
	ASSERT_EQ(0, aggmon_sysctl_write_long(AGGMON_MAX_THRESHOLDS_SYSCTL,
					      QUOTA));
	for (i = 0; i < QUOTA; i++) {
		fds[i] = threshold_create(s.fd, ABOVE, i + 1, 0, 0, 0, &id);
		ASSERT_LE(0, fds[i]) TH_LOG("threshold %d: %s", i,
					    strerror(errno));
	}
	ASSERT_EQ(-1, threshold_create(s.fd, BELOW, 1, 0, 0, 0, &id));
	ASSERT_EQ(EMFILE, errno);

	ASSERT_EQ(0, close(fds[1]));
	fd = threshold_create(s.fd, BELOW, 1, 0, 0, 0, &id);
	ASSERT_LE(0, fd);
	ASSERT_EQ(-1, threshold_create(s.fd, ABOVE, 9, 0, 0, 0, &id));
	ASSERT_EQ(EMFILE, errno);
	close(fd);
	close(fds[0]);
	close(fds[2]);
}

/*
 * The model test.  MODEL_THREADS threads, pinned to CPUs 0..3, update one
 * gauge watched by ABSOLUTE, HIGH_WATERMARK and LOW_WATERMARK statistics
 * with thresholds of every kind.  They run in rounds behind barriers; at
 * the end of each round the main thread reads every threshold fd.  One
 * update raises at most one event per threshold, so a round of fewer
 * updates than MODEL_QUEUE cannot overflow a queue: no event may be lost.
 *
 * serialised: random ADDs, SETs and watermark resets, each made inside a
 * mutex and appended to a log inside it, so that the log order is the
 * kernel's order.  A reference model replays the log and predicts every
 * event of every threshold exactly (type, value, seq, flags).
 *
 * unit_steps: +1/-1 ADDs without the mutex, in whatever order the kernel
 * takes them; checks what holds for every order: FIRED exactly at the
 * threshold's value, CANCELLED exactly one step past its cancel value,
 * strict alternation, the final values, and that the watermark
 * thresholds fired iff the final watermark is past them.
 */
#define MODEL_THREADS		4
#define MODEL_QUEUE		AGGMON_QUEUE_LEN_MAX
#ifndef MODEL_SERIAL_UPDATES
#define MODEL_SERIAL_UPDATES	200000L
#endif
#ifndef MODEL_UNIT_UPDATES
#define MODEL_UNIT_UPDATES	800000L
#endif
#define MODEL_SERIAL_ROUND	500L	/* per thread */
#define MODEL_UNIT_ROUND	1000L	/* per thread */
#define MODEL_DEFAULT_SEED	0x2545f4914f6cdd1dULL

_Static_assert(MODEL_THREADS * MODEL_SERIAL_ROUND < MODEL_QUEUE,
	       "a round must not overflow a queue");
_Static_assert(MODEL_THREADS * MODEL_UNIT_ROUND < MODEL_QUEUE,
	       "a round must not overflow a queue");

enum { LOG_ADD, LOG_SET, LOG_RESET_H, LOG_RESET_L };

struct log_entry {
	int op;
	__s64 arg;
};

struct model_shared {
	pthread_mutex_t lock;
	pthread_barrier_t start, end;
	int gfd, hfd, lfd;
	bool serialised;
	int stop;
	long per_round;
	struct log_entry *log;
	size_t nlog;
};

struct model_worker {
	pthread_t thread;
	struct model_shared *sh;
	int cpu;
	__u64 rng;
	__s64 sum;	/* unit_steps: what this thread added */
	long updates;
	int err;
};

/* One random update of the serialised test, made and logged in the lock. */
static void serialised_update(struct model_worker *w)
{
	struct model_shared *sh = w->sh;
	__u64 r = xorshift64(&w->rng);
	unsigned int sel = r & 255;
	struct log_entry e;
	long ret;

	r >>= 8;
	if (sel < 2)
		e = (struct log_entry){ LOG_RESET_H, 0 };
	else if (sel < 4)
		e = (struct log_entry){ LOG_RESET_L, 0 };
	else if (sel < 6)	/* far out, so the watermarks jump */
		e = (struct log_entry){ LOG_SET,
					(__s64)(r % 1801) - 900 };
	else if (sel < 40)
		e = (struct log_entry){ LOG_SET, (__s64)(r % 201) - 100 };
	else
		e = (struct log_entry){ LOG_ADD, (__s64)(r % 21) - 10 };

	pthread_mutex_lock(&sh->lock);
	switch (e.op) {
	case LOG_ADD:
		ret = aggmon_update(sh->gfd, AGGMON_UPDATE_ADD, e.arg);
		break;
	case LOG_SET:
		ret = aggmon_update(sh->gfd, AGGMON_UPDATE_SET, e.arg);
		break;
	case LOG_RESET_H:
		ret = stat_reset(sh->hfd);
		break;
	default:
		ret = stat_reset(sh->lfd);
		break;
	}
	if (ret)
		w->err = errno;
	else
		sh->log[sh->nlog++] = e;
	pthread_mutex_unlock(&sh->lock);
}

/*
 * One +1 or -1, leaning back towards 0 once this thread's own sum is
 * beyond 8, so that the global value stays near the thresholds.
 */
static void unit_step(struct model_worker *w)
{
	__u64 r = xorshift64(&w->rng) & 3;
	bool up;

	if (w->sum > 8)
		up = r == 0;
	else if (w->sum < -8)
		up = r != 0;
	else
		up = r & 1;
	if (aggmon_update(w->sh->gfd, AGGMON_UPDATE_ADD, up ? 1 : -1))
		w->err = errno;
	else
		w->sum += up ? 1 : -1;
}

static void *model_worker_fn(void *arg)
{
	struct model_worker *w = arg;
	struct model_shared *sh = w->sh;
	cpu_set_t set;
	long i;

	CPU_ZERO(&set);
	CPU_SET(w->cpu, &set);
	w->err = pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	for (;;) {
		pthread_barrier_wait(&sh->start);
		if (__atomic_load_n(&sh->stop, __ATOMIC_ACQUIRE))
			break;
		if (!w->err && sched_getcpu() != w->cpu)
			w->err = EXDEV;
		for (i = 0; !w->err && i < sh->per_round; i++) {
			if (sh->serialised)
				serialised_update(w);
			else
				unit_step(w);
			w->updates += !w->err;
		}
		pthread_barrier_wait(&sh->end);
	}
	return NULL;
}

/* The state of one threshold in the model, and what it has read. */
struct mthr {
	struct tdef d;
	struct th t;
	bool fired;
	__u64 last_time;
	long fired_n, cancelled_n;
	/* serialised: the events the round must have raised */
	__u32 *exp_type;
	__s64 *exp_value;
	size_t nexp;
};

static __s64 cancel_of(const struct tdef *d)
{
	return d->flags & HYST ? d->cancel : d->value;
}

/* The threshold sees statistic value @x: the event it raises, or 0. */
static __u32 model_eval(struct mthr *m, __s64 x)
{
	bool above = is_above(m->d.kind);
	__s64 c = cancel_of(&m->d);

	if (!m->fired) {
		if (above ? x >= m->d.value : x <= m->d.value) {
			m->fired = true;
			return FIRED;
		}
		return 0;
	}
	if (above ? x < c : x > c) {
		m->fired = false;
		return is_cancel_kind(m->d.kind) ? CANCELLED : 0;
	}
	return 0;
}

FIXTURE(model) {
	int gfd;
	__u64 gid;
	struct st s[NR_S];
	struct model_shared sh;
	struct model_worker w[MODEL_THREADS];
	struct mthr *m;
	size_t nm;
	struct aggmon_event *buf;
	__u64 seed;
	__u64 start;
};

FIXTURE_SETUP(model)
{
	static const __u32 kinds[NR_S] = { ABSOLUTE, HWM, LWM };
	char item[AGGMON_ITEM_LEN];
	const char *env;
	cpu_set_t set;
	int cpu, i;

	if (sysconf(_SC_NPROCESSORS_ONLN) < MODEL_THREADS)
		SKIP(return, "needs %d online CPUs", MODEL_THREADS);
	ASSERT_EQ(0, sched_getaffinity(0, sizeof(set), &set));
	for (cpu = 0; cpu < MODEL_THREADS; cpu++)
		if (!CPU_ISSET(cpu, &set))
			SKIP(return, "CPU %d not available", cpu);

	/* AGGMON_SEED=<number> replays a run. */
	env = getenv("AGGMON_SEED");
	self->seed = env ? strtoull(env, NULL, 0) : MODEL_DEFAULT_SEED;
	if (!self->seed)
		self->seed = MODEL_DEFAULT_SEED;
	TH_LOG("seed %#llx (set AGGMON_SEED to replay)",
	       (unsigned long long)self->seed);

	aggmon_pid_item(item, "_model");
	self->gfd = aggmon_create(GAUGE_NAME, item, "", 0, &self->gid);
	ASSERT_LE(0, self->gfd);
	for (i = 0; i < NR_S; i++)
		open_stat(_metadata, &self->s[i], self->gid, kinds[i], 0, 0);
	self->buf = calloc(MODEL_QUEUE + 1, sizeof(*self->buf));
	ASSERT_NE(NULL, self->buf);
	ASSERT_EQ(0, pthread_mutex_init(&self->sh.lock, NULL));
	ASSERT_EQ(0, pthread_barrier_init(&self->sh.start, NULL,
					  MODEL_THREADS + 1));
	ASSERT_EQ(0, pthread_barrier_init(&self->sh.end, NULL,
					  MODEL_THREADS + 1));
	self->sh.gfd = self->gfd;
	self->sh.hfd = self->s[S_HWM].fd;
	self->sh.lfd = self->s[S_LWM].fd;
}

FIXTURE_TEARDOWN(model)
{
	close(self->gfd);
}

/*
 * Creates the thresholds at gauge value 0 and checks their initial
 * events: FIRED with F_INITIAL and value 0 exactly for those whose model
 * is crossed at 0.
 */
static void model_open(struct __test_metadata *_metadata,
		       FIXTURE_DATA(model) *self, const struct tdef *defs,
		       size_t n, size_t exp_cap)
{
	size_t i;

	self->m = calloc(n, sizeof(*self->m));
	ASSERT_NE(NULL, self->m);
	self->nm = n;
	self->start = now_ns();
	for (i = 0; i < n; i++) {
		struct mthr *m = &self->m[i];
		__u32 type;

		m->d = defs[i];
		open_thr(_metadata, &m->t, &self->s[m->d.stat], m->d.kind,
			 m->d.value, m->d.cancel, m->d.flags, MODEL_QUEUE);
		type = model_eval(m, 0);
		if (type)
			check_one_ev(_metadata, __LINE__, &m->t, type, 0,
				     F_INITIAL, self->start, now_ns());
		else
			check_no_ev(_metadata, __LINE__, &m->t);
		if (type)
			m->fired_n++;
		m->last_time = self->start;
		if (exp_cap) {
			m->exp_type = calloc(exp_cap, sizeof(*m->exp_type));
			m->exp_value = calloc(exp_cap, sizeof(*m->exp_value));
			ASSERT_NE(NULL, m->exp_type);
			ASSERT_NE(NULL, m->exp_value);
		}
	}
}

/* Starts the workers, parked at the start barrier. */
static void model_start(struct __test_metadata *_metadata,
			FIXTURE_DATA(model) *self, bool serialised,
			long per_round, size_t log_cap)
{
	int i;

	self->sh.serialised = serialised;
	self->sh.per_round = per_round;
	if (log_cap) {
		self->sh.log = calloc(log_cap, sizeof(*self->sh.log));
		ASSERT_NE(NULL, self->sh.log);
	}
	for (i = 0; i < MODEL_THREADS; i++) {
		struct model_worker *w = &self->w[i];

		w->sh = &self->sh;
		w->cpu = i;
		w->rng = self->seed ^ (0x9e3779b97f4a7c15ULL * (i + 1));
		if (!w->rng)
			w->rng = 1;
		ASSERT_EQ(0, pthread_create(&w->thread, NULL, model_worker_fn,
					    w));
	}
}

/* Runs one round; false if a worker failed. */
static bool model_round(struct __test_metadata *_metadata,
			FIXTURE_DATA(model) *self)
{
	bool ok = true;
	int i;

	pthread_barrier_wait(&self->sh.start);
	pthread_barrier_wait(&self->sh.end);
	for (i = 0; i < MODEL_THREADS; i++) {
		if (self->w[i].err) {
			TH_LOG("thread %d: %s", i, strerror(self->w[i].err));
			ok = false;
		}
	}
	return ok;
}

/* Stops and joins the workers. */
static void model_stop(struct __test_metadata *_metadata,
		       FIXTURE_DATA(model) *self)
{
	int i;

	__atomic_store_n(&self->sh.stop, 1, __ATOMIC_RELEASE);
	pthread_barrier_wait(&self->sh.start);
	for (i = 0; i < MODEL_THREADS; i++)
		ASSERT_EQ(0, pthread_join(self->w[i].thread, NULL));
}

/*
 * Checks what every record of a round must satisfy: the next seq, no
 * loss, the ids, no flags, FIRED or CANCELLED, and a time after the
 * previous record's and before @now.
 */
static bool model_common(struct __test_metadata *_metadata, size_t k,
			 struct mthr *m, const struct aggmon_event *e,
			 __u64 now, bool ordered)
{
	if (e->seq != m->t.seq + 1 || e->lost || e->flags ||
	    e->gauge_id != m->t.gauge_id || e->stat_id != m->t.stat_id ||
	    e->threshold_id != m->t.id ||
	    (e->type != FIRED && e->type != CANCELLED) ||
	    e->time_ns > now || e->time_ns < (ordered ? m->last_time : 0)) {
		TH_LOG("threshold %zu (kind %u value %lld cancel %lld): bad record after seq %llu",
		       k, m->d.kind, (long long)m->d.value,
		       (long long)cancel_of(&m->d),
		       (unsigned long long)m->t.seq);
		log_ev(_metadata, __LINE__, e);
		return false;
	}
	m->t.seq++;
	m->last_time = e->time_ns;
	return true;
}

static void model_log_stats(struct __test_metadata *_metadata,
			    FIXTURE_DATA(model) *self)
{
	long fired = 0, cancelled = 0;
	size_t k;

	for (k = 0; k < self->nm; k++) {
		fired += self->m[k].fired_n;
		cancelled += self->m[k].cancelled_n;
	}
	TH_LOG("%zu thresholds: %ld FIRED, %ld CANCELLED checked", self->nm,
	       fired, cancelled);
}

static const struct tdef serial_defs[] = {
	{ S_ABS, ABOVE, 0, 0, 0 },		/* crossed at creation */
	{ S_ABS, ABOVE, 37, 0, 0 },
	{ S_ABS, ABOVE_C, 20, 0, 0 },
	{ S_ABS, ABOVE_C, -15, -40, HYST },	/* crossed at creation */
	{ S_ABS, ABOVE, 50, 45, HYST },
	{ S_ABS, ABOVE_C, 0, 0, HYST },		/* crossed at creation */
	{ S_ABS, BELOW, 0, 0, 0 },		/* crossed at creation */
	{ S_ABS, BELOW, -37, 0, 0 },
	{ S_ABS, BELOW_C, -20, 0, 0 },
	{ S_ABS, BELOW_C, 15, 40, HYST },	/* crossed at creation */
	{ S_ABS, BELOW, -50, -45, HYST },
	{ S_HWM, ABOVE_C, 60, 0, 0 },
	{ S_HWM, ABOVE, 90, 30, HYST },
	{ S_HWM, BELOW_C, 10, 0, 0 },		/* crossed at creation */
	{ S_LWM, BELOW_C, -60, 0, 0 },
	{ S_LWM, BELOW, -90, -30, HYST },
	{ S_LWM, ABOVE_C, -10, 0, 0 },		/* crossed at creation */
};

/*
 * Replays log[from..to) in the model (@v: gauge, hwm, lwm... indexed by
 * S_*, with v[S_ABS] the gauge) and compares each threshold's records
 * with what the model predicts.
 */
static bool serial_check(struct __test_metadata *_metadata,
			 FIXTURE_DATA(model) *self, __s64 *v, size_t from,
			 size_t to)
{
	__u64 now;
	size_t i, k;
	int n, j;

	for (k = 0; k < self->nm; k++)
		self->m[k].nexp = 0;
	for (i = from; i < to; i++) {
		const struct log_entry *e = &self->sh.log[i];

		switch (e->op) {
		case LOG_ADD:
			v[S_ABS] += e->arg;
			break;
		case LOG_SET:
			v[S_ABS] = e->arg;
			break;
		case LOG_RESET_H:
			v[S_HWM] = v[S_ABS];
			break;
		case LOG_RESET_L:
			v[S_LWM] = v[S_ABS];
			break;
		}
		if (e->op == LOG_ADD || e->op == LOG_SET) {
			if (v[S_ABS] > v[S_HWM])
				v[S_HWM] = v[S_ABS];
			if (v[S_ABS] < v[S_LWM])
				v[S_LWM] = v[S_ABS];
		}
		for (k = 0; k < self->nm; k++) {
			struct mthr *m = &self->m[k];
			__u32 type = model_eval(m, v[m->d.stat]);

			if (type) {
				m->exp_type[m->nexp] = type;
				m->exp_value[m->nexp] = v[m->d.stat];
				m->nexp++;
			}
		}
	}

	now = now_ns();
	for (k = 0; k < self->nm; k++) {
		struct mthr *m = &self->m[k];

		n = drain_events(m->t.fd, self->buf, MODEL_QUEUE + 1);
		if (n != (int)m->nexp) {
			TH_LOG("threshold %zu, updates %zu..%zu: %d records, model %zu (%s)",
			       k, from, to, n, m->nexp,
			       n < 0 ? strerror(errno) : "count");
			return false;
		}
		for (j = 0; j < n; j++) {
			const struct aggmon_event *e = &self->buf[j];

			if (!model_common(_metadata, k, m, e, now, true))
				return false;
			if (e->type != m->exp_type[j] ||
			    e->value != m->exp_value[j]) {
				TH_LOG("threshold %zu, updates %zu..%zu, record %d: model %u %lld",
				       k, from, to, j, m->exp_type[j],
				       (long long)m->exp_value[j]);
				log_ev(_metadata, __LINE__, e);
				return false;
			}
			if (e->type == FIRED)
				m->fired_n++;
			else
				m->cancelled_n++;
		}
	}
	return true;
}

TEST_F_TIMEOUT(model, serialised, 300)
{
	const long rounds = MODEL_SERIAL_UPDATES /
			    (MODEL_THREADS * MODEL_SERIAL_ROUND);
	const size_t per_round = MODEL_THREADS * MODEL_SERIAL_ROUND;
	__s64 v[NR_S] = { 0, 0, 0 };
	size_t done = 0;
	long r, updates = 0;
	bool ok = true;
	__s64 g;
	int i;

	model_open(_metadata, self, serial_defs, ARRAY_SIZE(serial_defs),
		   per_round);
	model_start(_metadata, self, true, MODEL_SERIAL_ROUND,
		    rounds * per_round);
	for (r = 0; ok && r < rounds; r++) {
		ok = model_round(_metadata, self);
		if (ok)
			ok = serial_check(_metadata, self, v, done,
					  self->sh.nlog);
		done = self->sh.nlog;
	}
	model_stop(_metadata, self);
	ASSERT_TRUE(ok) TH_LOG("round %ld of %ld", r, rounds);
	for (i = 0; i < MODEL_THREADS; i++)
		updates += self->w[i].updates;
	ASSERT_EQ(rounds * (long)per_round, updates);
	ASSERT_EQ((size_t)updates, self->sh.nlog);

	/* The statistics end where the model does. */
	ASSERT_EQ(0, aggmon_read1(self->gid, &g));
	ASSERT_EQ(v[S_ABS], g);
	for (i = 0; i < NR_S; i++)
		CHECK_STAT(&self->s[i], v[i], v[S_ABS]);
	/* Every threshold fired more than once: the run was no dry one. */
	for (i = 0; i < (int)self->nm && self->m[i].fired_n > 1; i++)
		;
	ASSERT_EQ((int)self->nm, i) TH_LOG("threshold %d fired < 2 times", i);
	model_log_stats(_metadata, self);
	TH_LOG("%ld updates in %ld rounds, final gauge %lld, hwm %lld, lwm %lld",
	       updates, rounds, (long long)v[S_ABS], (long long)v[S_HWM],
	       (long long)v[S_LWM]);
}

static const struct tdef unit_defs[] = {
	{ S_ABS, ABOVE, 3, 0, 0 },
	{ S_ABS, ABOVE, -4, 0, 0 },		/* crossed at creation */
	{ S_ABS, ABOVE_C, 5, 0, 0 },
	{ S_ABS, ABOVE_C, -2, 0, 0 },		/* crossed at creation */
	{ S_ABS, ABOVE_C, 8, 4, HYST },
	{ S_ABS, ABOVE, 6, 1, HYST },
	{ S_ABS, BELOW, -3, 0, 0 },
	{ S_ABS, BELOW, 4, 0, 0 },		/* crossed at creation */
	{ S_ABS, BELOW_C, -5, 0, 0 },
	{ S_ABS, BELOW_C, 2, 0, 0 },		/* crossed at creation */
	{ S_ABS, BELOW_C, -8, -4, HYST },
	{ S_ABS, BELOW, -6, -1, HYST },
	{ S_HWM, ABOVE, 8, 0, 0 },
	{ S_HWM, ABOVE_C, 16, 0, 0 },
	{ S_HWM, ABOVE, 24, 2, HYST },
	{ S_HWM, ABOVE_C, 48, 0, 0 },
	{ S_LWM, BELOW, -8, 0, 0 },
	{ S_LWM, BELOW_C, -16, 0, 0 },
	{ S_LWM, BELOW, -24, -2, HYST },
	{ S_LWM, BELOW_C, -48, 0, 0 },
};

/*
 * Reads a round's records and checks them against what any order of
 * unit steps allows; *@lo and *@hi collect the values the gauge was seen
 * at (events of the ABSOLUTE thresholds).
 */
static bool unit_check(struct __test_metadata *_metadata,
		       FIXTURE_DATA(model) *self, __s64 *lo, __s64 *hi)
{
	__u64 now = now_ns();
	size_t k;
	int n, j;

	for (k = 0; k < self->nm; k++) {
		struct mthr *m = &self->m[k];
		bool above = is_above(m->d.kind);
		__s64 c = cancel_of(&m->d);

		n = drain_events(m->t.fd, self->buf, MODEL_QUEUE + 1);
		if (n < 0 || n > MODEL_THREADS * MODEL_UNIT_ROUND) {
			TH_LOG("threshold %zu: %d records (%s)", k, n,
			       n < 0 ? strerror(errno) : "too many");
			return false;
		}
		for (j = 0; j < n; j++) {
			const struct aggmon_event *e = &self->buf[j];
			bool ok;

			/*
			 * Records of one threshold come in the kernel's
			 * order, but the times of concurrent updates need
			 * not: only bound them by now.
			 */
			if (!model_common(_metadata, k, m, e, now, false))
				return false;
			if (e->type == FIRED) {
				ok = e->value == m->d.value &&
				     (!is_cancel_kind(m->d.kind) ||
				      !m->fired);
				/* A watermark cannot fire twice. */
				if (m->d.stat != S_ABS && m->fired_n)
					ok = false;
				m->fired = true;
				m->fired_n++;
			} else {
				ok = is_cancel_kind(m->d.kind) && m->fired &&
				     e->value == (above ? c - 1 : c + 1) &&
				     m->d.stat == S_ABS;
				m->fired = false;
				m->cancelled_n++;
			}
			if (!ok) {
				TH_LOG("threshold %zu (%u %lld/%lld): impossible record",
				       k, m->d.kind, (long long)m->d.value,
				       (long long)c);
				log_ev(_metadata, __LINE__, e);
				return false;
			}
			if (m->d.stat == S_ABS) {
				if (e->value > *hi)
					*hi = e->value;
				if (e->value < *lo)
					*lo = e->value;
			}
		}
	}
	return true;
}

TEST_F_TIMEOUT(model, unit_steps, 300)
{
	const long rounds = MODEL_UNIT_UPDATES /
			    (MODEL_THREADS * MODEL_UNIT_ROUND);
	__s64 sum = 0, lo = 0, hi = 0, g, x;
	struct aggmon_stat_info info;
	long r, updates = 0;
	bool ok = true;
	size_t k;
	int i;

	model_open(_metadata, self, unit_defs, ARRAY_SIZE(unit_defs), 0);
	model_start(_metadata, self, false, MODEL_UNIT_ROUND, 0);
	for (r = 0; ok && r < rounds; r++) {
		ok = model_round(_metadata, self);
		if (ok)
			ok = unit_check(_metadata, self, &lo, &hi);
	}
	model_stop(_metadata, self);
	ASSERT_TRUE(ok) TH_LOG("round %ld of %ld", r, rounds);
	for (i = 0; i < MODEL_THREADS; i++) {
		updates += self->w[i].updates;
		sum += self->w[i].sum;
	}
	ASSERT_EQ(rounds * MODEL_THREADS * MODEL_UNIT_ROUND, updates);

	/* No update lost: the gauge and ABSOLUTE are the exact sum. */
	ASSERT_EQ(0, aggmon_read1(self->gid, &g));
	ASSERT_EQ(sum, g);
	CHECK_STAT(&self->s[S_ABS], sum, sum);
	if (sum > hi)
		hi = sum;
	if (sum < lo)
		lo = sum;
	ASSERT_EQ(0, stat_info(self->s[S_HWM].fd, &info));
	ASSERT_LE(hi, info.value);
	ASSERT_EQ(0, stat_info(self->s[S_LWM].fd, &info));
	ASSERT_GE(lo, info.value);

	for (k = 0; k < self->nm; k++) {
		struct mthr *m = &self->m[k];
		bool above = is_above(m->d.kind), past, back;
		__s64 c = cancel_of(&m->d);

		x = m->d.stat == S_ABS ? sum : 0;
		if (m->d.stat == S_HWM) {
			ASSERT_EQ(0, stat_info(self->s[S_HWM].fd, &info));
			x = info.value;
		} else if (m->d.stat == S_LWM) {
			ASSERT_EQ(0, stat_info(self->s[S_LWM].fd, &info));
			x = info.value;
		}
		/* Watermarks move by 1: fired once iff x reached them. */
		if (m->d.stat != S_ABS) {
			ASSERT_EQ((long)(above ? x >= m->d.value :
					 x <= m->d.value), m->fired_n)
				TH_LOG("threshold %zu, watermark %lld", k,
				       (long long)x);
			continue;
		}
		/* The walk crossed each of them, again and again. */
		ASSERT_LT(1, m->fired_n) TH_LOG("threshold %zu", k);
		if (!is_cancel_kind(m->d.kind))
			continue;
		/* FIRED minus CANCELLED says where the value ended. */
		ASSERT_EQ(m->fired_n - (long)m->fired, m->cancelled_n);
		past = above ? x >= m->d.value : x <= m->d.value;
		back = above ? x < c : x > c;
		ASSERT_TRUE(!past || m->fired) TH_LOG("threshold %zu", k);
		ASSERT_TRUE(!back || !m->fired) TH_LOG("threshold %zu", k);
	}
	model_log_stats(_metadata, self);
	TH_LOG("%ld unit updates in %ld rounds, final %lld, seen %lld..%lld",
	       updates, rounds, (long long)sum, (long long)lo, (long long)hi);
}

TEST_HARNESS_MAIN

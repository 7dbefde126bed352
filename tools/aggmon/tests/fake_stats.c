// SPDX-License-Identifier: GPL-2.0
/*
 * Statistics and thresholds of the fake kernel (tests/fake_kernel.c), for
 * the tests of 'aggmon stat' and 'aggmon watch'; only with
 * AGGMON_FAKE_STATS set (the library's tests expect ENOSYS without).
 *
 * A statistic is a file descriptor of /dev/null with a record here; its
 * value is the gauge's value (0 for a rate or a bucket).  A threshold is
 * the read end of a pipe into which its events are written at creation,
 * after which the write end is closed: a reader sees the events, then the
 * end of the file.  The events follow the statistic through the values of
 * AGGMON_FAKE_SCRIPT, "V1,V2,..." (a "t" before a value: time alone moved
 * it, AGGMON_EVENT_F_TIMER), 1 ms apart from the creation, as the kernel
 * evaluates thresholds; those that do not fit queue_len are lost and
 * reported in an AGGMON_EVENT_LOST record.  AGGMON_FAKE_GONE=ID: gauge ID
 * is gone once the script is played (GONE record; STAT_INFO fails with
 * ENODEV; with AGGMON_FAKE_GONE_EARLY too, THRESHOLD_CREATE fails with
 * ENODEV).  AGGMON_FAKE_STAT_ERRNO=E and AGGMON_FAKE_THRESHOLD_ERRNO=E make
 * STAT_CREATE and THRESHOLD_CREATE fail with E.  AGGMON_FAKE_OPEN keeps the
 * write ends open: the thresholds never end.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "libaggmon.h"
#include "fake_kernel.h"

#define MAX_STATS	64
#define MAX_SCRIPT	256
#define MAX_RECORDS	(MAX_SCRIPT + 3)

struct fake_stat {
	int fd;
	__u64 id, gauge_id;
	__u32 kind;
	__u64 period_ns;
	__s64 drain;
};

struct fake_thr {
	const struct aggmon_threshold_create_attr *attr;
	const struct fake_stat *stat;
	bool fired;
	__u64 seq, lost, time_ns, lost_ns;
	struct aggmon_event rec[MAX_RECORDS];
	unsigned int nrec;
};

static struct fake_stat stats[MAX_STATS];
static unsigned int nr_stats;
static __u64 next_id = 1;

static long fail(int err)
{
	errno = err;
	return -1;
}

static long env_errno(const char *name)
{
	const char *env = getenv(name);

	return env ? fail(atoi(env)) : 0;
}

static bool gone(__u64 gauge_id)
{
	const char *env = getenv("AGGMON_FAKE_GONE");

	return env && strtoull(env, NULL, 10) == gauge_id;
}

static struct fake_stat *find_stat(__u32 fd)
{
	unsigned int i;

	for (i = 0; i < nr_stats; i++)
		if (stats[i].fd == (int)fd)
			return &stats[i];
	return NULL;
}

static bool has_period(__u32 kind)
{
	return kind == AGGMON_STAT_RATE || kind == AGGMON_STAT_LEAKY_BUCKET;
}

static bool bad_params(const struct aggmon_stat_create_attr *a)
{
	if (a->flags || a->id || a->kind > AGGMON_STAT_LEAKY_BUCKET)
		return true;
	if (has_period(a->kind) != !!a->period_ns)
		return true;
	if (a->period_ns && (a->period_ns < AGGMON_PERIOD_MIN_NS ||
			     a->period_ns > AGGMON_PERIOD_MAX_NS))
		return true;
	if (a->kind == AGGMON_STAT_LEAKY_BUCKET)
		return a->drain <= 0;
	return a->drain;
}

static long stat_create(struct aggmon_stat_create_attr *a)
{
	struct fake_stat *s;

	if (env_errno("AGGMON_FAKE_STAT_ERRNO"))
		return -1;
	if (bad_params(a))
		return fail(EINVAL);
	if (!fake_gauge_exists(a->gauge_id))
		return fail(ENOENT);
	if (nr_stats == MAX_STATS)
		return fail(EMFILE);
	s = &stats[nr_stats];
	s->fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (s->fd < 0)
		return -1;
	nr_stats++;
	s->id = next_id++;
	a->id = s->id;
	s->gauge_id = a->gauge_id;
	s->kind = a->kind;
	s->period_ns = a->period_ns;
	s->drain = a->drain;
	return s->fd;
}

static __s64 stat_value(const struct fake_stat *s, __s64 *level)
{
	struct aggmon_gauge_read_attr r = {
		.ids = (__u64)(uintptr_t)&s->gauge_id,
		.values = (__u64)(uintptr_t)level,
		.count = 1,
	};

	*level = 0;
	fake_aggmon(AGGMON_GAUGE_READ, &r, sizeof(r));
	return has_period(s->kind) ? 0 : *level;
}

static long stat_info(struct aggmon_stat_info *info)
{
	const struct fake_stat *s = find_stat(info->fd);

	if (info->flags)
		return fail(EINVAL);
	if (!s)
		return fail(fcntl(info->fd, F_GETFD) < 0 ? EBADF : EINVAL);
	info->id = s->id;
	info->gauge_id = s->gauge_id;
	info->kind = s->kind;
	info->period_ns = s->period_ns;
	info->drain = s->drain;
	info->state = gone(s->gauge_id) ? AGGMON_STAT_GONE : 0;
	if (info->state)
		return fail(ENODEV);
	info->value = stat_value(s, &info->level);
	return 0;
}

/* Queue a record, or count it as lost once the queue is full. */
static void raise_event(struct fake_thr *t, __u32 type, __s64 value,
			__u32 flags)
{
	struct aggmon_event *ev = &t->rec[t->nrec];

	t->seq++;
	if (t->nrec >= (t->attr->queue_len ?: AGGMON_QUEUE_LEN_DEFAULT)) {
		t->lost++;
		t->lost_ns = t->time_ns;
		return;
	}
	*ev = (struct aggmon_event){
		.seq = t->seq,
		.time_ns = t->time_ns,
		.gauge_id = t->stat->gauge_id,
		.stat_id = t->stat->id,
		.threshold_id = t->attr->id,
		.value = value,
		.type = type,
		.flags = flags,
	};
	t->nrec++;
}

static bool is_above(__u32 kind)
{
	return kind == AGGMON_THRESHOLD_ABOVE ||
	       kind == AGGMON_THRESHOLD_ABOVE_CANCEL;
}

/* The threshold sees the statistic's new value @v. */
static void step(struct fake_thr *t, __s64 v, __u32 flags)
{
	const struct aggmon_threshold_create_attr *a = t->attr;
	__s64 cancel = a->flags ? a->cancel : a->value;
	bool above = is_above(a->kind);

	if (!t->fired && (above ? v >= a->value : v <= a->value)) {
		t->fired = true;
		raise_event(t, AGGMON_EVENT_FIRED, v, flags);
	} else if (t->fired && (above ? v < cancel : v > cancel)) {
		t->fired = false;
		if (a->kind >= AGGMON_THRESHOLD_ABOVE_CANCEL)
			raise_event(t, AGGMON_EVENT_CANCELLED, v, flags);
	}
}

static void play_script(struct fake_thr *t)
{
	const char *p = getenv("AGGMON_FAKE_SCRIPT");
	unsigned int n;
	__u32 flags;
	char *end;
	__s64 v;

	for (n = 0; p && *p && n < MAX_SCRIPT; n++) {
		flags = *p == 't' ? AGGMON_EVENT_F_TIMER : 0;
		p += !!flags;
		v = strtoll(p, &end, 10);
		p = *end == ',' ? end + 1 : end;
		t->time_ns += 1000000;
		step(t, v, flags);
	}
}

static void finish(struct fake_thr *t)
{
	if (t->lost)
		t->rec[t->nrec++] = (struct aggmon_event){
			.seq = t->seq, .time_ns = t->lost_ns,
			.gauge_id = t->stat->gauge_id,
			.stat_id = t->stat->id,
			.threshold_id = t->attr->id,
			.lost = t->lost, .type = AGGMON_EVENT_LOST,
		};
	if (gone(t->stat->gauge_id))
		t->rec[t->nrec++] = (struct aggmon_event){
			.seq = ++t->seq, .time_ns = t->time_ns,
			.gauge_id = t->stat->gauge_id,
			.stat_id = t->stat->id,
			.threshold_id = t->attr->id,
			.type = AGGMON_EVENT_GONE,
		};
}

static bool bad_threshold(const struct aggmon_threshold_create_attr *a)
{
	if (a->id || a->kind > AGGMON_THRESHOLD_BELOW_CANCEL ||
	    a->flags & ~AGGMON_THRESHOLD_HYSTERESIS ||
	    a->queue_len > AGGMON_QUEUE_LEN_MAX)
		return true;
	if (!a->flags)
		return a->cancel;
	return is_above(a->kind) ? a->cancel > a->value : a->cancel < a->value;
}

static long write_events(struct fake_thr *t)
{
	size_t size = t->nrec * sizeof(t->rec[0]);
	int p[2];

	if (pipe2(p, O_CLOEXEC))
		return -1;
	if (write(p[1], t->rec, size) != (ssize_t)size) {
		close(p[0]);
		close(p[1]);
		return fail(EIO);
	}
	/* AGGMON_FAKE_OPEN: no end of file, as a threshold that lives on. */
	if (!getenv("AGGMON_FAKE_OPEN"))
		close(p[1]);
	return p[0];
}

static long threshold_create(struct aggmon_threshold_create_attr *a)
{
	struct fake_thr t = { .attr = a };
	struct timespec ts;
	__s64 level;

	if (env_errno("AGGMON_FAKE_THRESHOLD_ERRNO"))
		return -1;
	t.stat = find_stat(a->stat_fd);
	if (!t.stat)
		return fail(fcntl(a->stat_fd, F_GETFD) < 0 ? EBADF : EINVAL);
	if (bad_threshold(a))
		return fail(EINVAL);
	if (gone(t.stat->gauge_id) && getenv("AGGMON_FAKE_GONE_EARLY"))
		return fail(ENODEV);
	a->id = next_id++;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	t.time_ns = (__u64)ts.tv_sec * 1000000000 + ts.tv_nsec;
	step(&t, stat_value(t.stat, &level), AGGMON_EVENT_F_INITIAL);
	play_script(&t);
	finish(&t);
	return write_events(&t);
}

long fake_stat_cmd(unsigned int cmd, void *attr, unsigned int size)
{
	if (!getenv("AGGMON_FAKE_STATS"))
		return fail(ENOSYS);
	switch (cmd) {
	case AGGMON_STAT_CREATE:
		if (size != sizeof(struct aggmon_stat_create_attr))
			return fail(EINVAL);
		return stat_create(attr);
	case AGGMON_STAT_INFO:
		if (size != sizeof(struct aggmon_stat_info))
			return fail(EINVAL);
		return stat_info(attr);
	case AGGMON_THRESHOLD_CREATE:
		if (size != sizeof(struct aggmon_threshold_create_attr))
			return fail(EINVAL);
		return threshold_create(attr);
	}
	return fail(ENOSYS);
}

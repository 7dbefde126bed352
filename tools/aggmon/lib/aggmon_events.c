// SPDX-License-Identifier: GPL-2.0
/*
 * libaggmon - reading the events of many thresholds through one epoll.
 *
 * Each threshold file descriptor is non-blocking, so that a wait can read
 * everything queued without knowing how much there is: read until EAGAIN.
 * Records are read in batches into a buffer per file descriptor and
 * handed out one by one; a callback that stops the wait leaves the rest
 * in that buffer for the next wait, so that stopping loses nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>

#include "aggmon_priv.h"

/* Records read at once; the kernel's default queue holds 64. */
#define EVENT_BATCH	64
/* Ready file descriptors taken from epoll at once. */
#define WAIT_BATCH	32

struct event_member {
	int fd;
	void *cookie;
	bool watched;	/* in the epoll set; false once the threshold is gone */
	__u64 lost;
	unsigned int pos, len;	/* records of @buf not handed out yet */
	struct aggmon_event buf[EVENT_BATCH];
};

struct aggmon_event_set {
	int epfd;
	struct event_member **members;
	size_t count, cap;
	size_t watched;
	__u64 lost;
};

int aggmon_event_set_new(struct aggmon_event_set **set)
{
	struct aggmon_event_set *s = calloc(1, sizeof(*s));

	if (!s)
		return -ENOMEM;
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (s->epfd < 0) {
		int err = -errno;

		free(s);
		return err;
	}
	*set = s;
	return 0;
}

void aggmon_event_set_free(struct aggmon_event_set *set)
{
	size_t i;

	if (!set)
		return;
	for (i = 0; i < set->count; i++)
		free(set->members[i]);
	free(set->members);
	close(set->epfd);
	free(set);
}

static struct event_member *find_member(const struct aggmon_event_set *set,
					int fd, size_t *index)
{
	size_t i;

	for (i = 0; i < set->count; i++) {
		if (set->members[i]->fd == fd) {
			if (index)
				*index = i;
			return set->members[i];
		}
	}
	return NULL;
}

static int set_nonblock(int fd)
{
	int flags = fcntl(fd, F_GETFL);

	if (flags < 0)
		return -errno;
	if (flags & O_NONBLOCK)
		return 0;
	return fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0 ? -errno : 0;
}

static int grow_members(struct aggmon_event_set *set)
{
	struct event_member **v;
	size_t cap = set->cap ? 2 * set->cap : 8;

	if (set->count < set->cap)
		return 0;
	v = realloc(set->members, cap * sizeof(*v));
	if (!v)
		return -ENOMEM;
	set->members = v;
	set->cap = cap;
	return 0;
}

int aggmon_event_set_add(struct aggmon_event_set *set, int fd, void *cookie)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct event_member *m;
	int err;

	if (fd < 0)
		return -EBADF;
	if (find_member(set, fd, NULL))
		return -EEXIST;
	err = grow_members(set);
	if (!err)
		err = set_nonblock(fd);
	if (err)
		return err;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->fd = fd;
	m->cookie = cookie;
	ev.data.ptr = m;
	if (epoll_ctl(set->epfd, EPOLL_CTL_ADD, fd, &ev)) {
		err = -errno;
		free(m);
		return err;
	}
	m->watched = true;
	set->members[set->count++] = m;
	set->watched++;
	return 0;
}

/* The threshold is gone (or the file at its end): stop polling it. */
static void unwatch(struct aggmon_event_set *set, struct event_member *m)
{
	if (!m->watched)
		return;
	epoll_ctl(set->epfd, EPOLL_CTL_DEL, m->fd, NULL);
	m->watched = false;
	set->watched--;
}

int aggmon_event_set_remove(struct aggmon_event_set *set, int fd)
{
	size_t i;
	struct event_member *m = find_member(set, fd, &i);

	if (!m)
		return -ENOENT;
	unwatch(set, m);
	set->members[i] = set->members[--set->count];
	free(m);
	return 0;
}

size_t aggmon_event_set_size(const struct aggmon_event_set *set)
{
	return set->watched;
}

__u64 aggmon_event_set_lost(const struct aggmon_event_set *set)
{
	return set->lost;
}

int aggmon_event_set_fd_lost(const struct aggmon_event_set *set, int fd,
			     __u64 *lost)
{
	const struct event_member *m = find_member(set, fd, NULL);

	if (!m)
		return -ENOENT;
	*lost = m->lost;
	return 0;
}

/*
 * Hand out the buffered records of @m; *@delivered counts them.  Returns
 * 0 once the buffer is empty, or what the callback stopped with.
 */
static int deliver(struct aggmon_event_set *set, struct event_member *m,
		   aggmon_event_fn fn, void *arg, int *delivered)
{
	const struct aggmon_event *ev;
	int ret;

	while (m->pos < m->len) {
		ev = &m->buf[m->pos++];
		/* Counted as handed out, so that totals match what fn saw. */
		m->lost += ev->lost;
		set->lost += ev->lost;
		(*delivered)++;
		ret = fn(ev, m->cookie, arg);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * Fill @m's buffer with one read: 1 if records came, 0 if none are
 * queued, or a negative errno.  The end of the threshold (ENODEV after
 * its AGGMON_EVENT_GONE record, or end of file) takes it out of the set.
 */
static int refill(struct aggmon_event_set *set, struct event_member *m)
{
	ssize_t n = read(m->fd, m->buf, sizeof(m->buf));

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n == 0 || (n < 0 && errno == ENODEV)) {
		unwatch(set, m);
		return 0;
	}
	if (n < 0)
		return -errno;
	if (n % sizeof(struct aggmon_event))
		return -EIO;
	m->pos = 0;
	m->len = n / sizeof(struct aggmon_event);
	return 1;
}

/* Read and hand out every record @m has queued. */
static int drain(struct aggmon_event_set *set, struct event_member *m,
		 aggmon_event_fn fn, void *arg, int *delivered)
{
	int ret;

	for (;;) {
		ret = deliver(set, m, fn, arg, delivered);
		if (ret)
			return ret;
		if (!m->watched)
			return 0;
		ret = refill(set, m);
		if (ret <= 0)
			return ret;
	}
}

/* Records left by a stopped wait; true if there were any. */
static bool has_pending(const struct aggmon_event_set *set)
{
	size_t i;

	for (i = 0; i < set->count; i++)
		if (set->members[i]->pos < set->members[i]->len)
			return true;
	return false;
}

static int deliver_pending(struct aggmon_event_set *set, aggmon_event_fn fn,
			   void *arg)
{
	int delivered = 0, ret;
	size_t i;

	for (i = 0; i < set->count; i++) {
		ret = deliver(set, set->members[i], fn, arg, &delivered);
		if (ret)
			return ret;
	}
	return delivered;
}

int aggmon_event_set_wait(struct aggmon_event_set *set, int timeout_ms,
			  aggmon_event_fn fn, void *arg)
{
	struct epoll_event evs[WAIT_BATCH];
	int n, i, ret, delivered = 0;

	if (has_pending(set))
		return deliver_pending(set, fn, arg);
	n = epoll_wait(set->epfd, evs, WAIT_BATCH, timeout_ms);
	if (n < 0)
		return -errno;
	for (i = 0; i < n; i++) {
		ret = drain(set, evs[i].data.ptr, fn, arg, &delivered);
		if (ret)
			return ret;
	}
	return delivered;
}

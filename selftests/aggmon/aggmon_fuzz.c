// SPDX-License-Identifier: GPL-2.0
/*
 * aggmon_fuzz - random aggmon() calls from several threads, as root and
 * as an unprivileged user, with the quotas checked afterwards
 *
 * Usage: aggmon_fuzz [-n CALLS] [-t THREADS] [-s SEED] [-v]
 *
 * THREADS threads (default 4) in this process, running as root, and as
 * many in a child that has become uid/gid 65534 without capabilities,
 * share CALLS calls (default 100000) between them.  Each call is drawn at
 * random:
 *
 *  - an aggmon() command, one of the 14 or a number beyond them, with an
 *    attr that is, three times in four, well formed for the command (ids
 *    and file descriptors from earlier calls, names that may exist,
 *    buffers that may fit) and then perhaps damaged in a field or two,
 *    else built word by word from values that matter (0, small numbers,
 *    -1, ids, fds, pointers to a buffer, to its guard page, to the
 *    kernel, misaligned, random).  The size passed is mostly the
 *    command's, sometimes shorter, longer with a zeroed or a non-zero
 *    tail, 0 or a page; the attr pointer is sometimes bad;
 *  - or a read(), poll() or close() of a descriptor it holds, a write()
 *    to one, or a change of kernel.aggmon_paranoid (root only).
 *
 * Descriptors are kept in a pool per process (POOL_MAX); a full pool
 * closes one at random.  The quota caps are lowered for the run
 * (FUZZ_CAPS), so that the caps are hit, memory stays bounded and the
 * EMFILE paths run.
 *
 * Every call must return 0, a new descriptor (for the commands that
 * create or open), or -1 with an errno that aggmon documents; any other
 * result fails the run.  Afterwards, with every descriptor closed, each
 * uid must be able to create exactly as many objects of each kind as
 * before the run (headroom under a cap of HEADROOM_CAP): a count the
 * kernel forgot to give back would show there.
 *
 * Prints, per command, the calls, the successes and the count of each
 * errno, then calls per second, and TAP results.  Exit status 0 when
 * both checks pass.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The helpers come with the harness, whose runner this program does not use. */
#pragma GCC diagnostic ignored "-Wunused-function"
#include "aggmon_helpers.h"

#define NR_CMDS		14		/* AGGMON_GAUGE_LIST .. AGGMON_AGG_OPEN */
#define CMD_SLOTS	(NR_CMDS + 1)	/* the last counts unknown commands */
#define OP_READ		CMD_SLOTS
#define OP_POLL		(CMD_SLOTS + 1)
#define OP_WRITE	(CMD_SLOTS + 2)
#define OP_CLOSE	(CMD_SLOTS + 3)
#define OP_PARANOID	(CMD_SLOTS + 4)
#define NR_OPS		(CMD_SLOTS + 5)
#define MAX_ERRNO	134

#define MAX_THREADS	16
#define POOL_MAX	48
#define ID_POOL		64
#define SCRATCH		(64 * 1024)
#define PAGE		4096
#define HEADROOM_CAP	16

/* The quota caps during the run: gauges, stats, thresholds, aggs. */
static const long fuzz_caps[4] = { 64, 64, 64, 8 };
static const char * const cap_sysctls[4] = {
	"/proc/sys/kernel/aggmon_max_user_gauges",
	"/proc/sys/kernel/aggmon_max_user_stats",
	"/proc/sys/kernel/aggmon_max_user_thresholds",
	"/proc/sys/kernel/aggmon_max_user_aggs",
};

static const char * const op_names[NR_OPS] = {
	"GAUGE_LIST", "GAUGE_INFO", "GAUGE_READ", "GAUGE_CREATE",
	"GAUGE_UPDATE", "STAT_CREATE", "STAT_INFO", "STAT_RESET",
	"THRESHOLD_CREATE", "AGG_CREATE", "AGG_INFO", "AGG_SNAPSHOT",
	"AGG_LIST", "AGG_OPEN", "(unknown cmd)",
	"read", "poll", "write", "close", "paranoid",
};

static const unsigned int attr_sizes[NR_CMDS] = {
	AGGMON_GAUGE_LIST_SIZE_VER0, AGGMON_GAUGE_INFO_SIZE_VER0,
	AGGMON_GAUGE_READ_SIZE_VER0, AGGMON_GAUGE_CREATE_SIZE_VER0,
	AGGMON_GAUGE_UPDATE_SIZE_VER0, AGGMON_STAT_CREATE_SIZE_VER0,
	AGGMON_STAT_INFO_SIZE_VER0, AGGMON_STAT_RESET_SIZE_VER0,
	AGGMON_THRESHOLD_CREATE_SIZE_VER0, AGGMON_AGG_CREATE_SIZE_VER0,
	AGGMON_AGG_INFO_SIZE_VER0, AGGMON_AGG_SNAPSHOT_SIZE_VER0,
	AGGMON_AGG_LIST_SIZE_VER0, AGGMON_AGG_OPEN_SIZE_VER0,
};

/* What a call may fail with: every errno aggmon(2) and its fds document. */
static const int documented[] = {
	EINVAL, E2BIG, EFAULT, ENOENT, EEXIST, ENAMETOOLONG, EPERM, EACCES,
	EMFILE, ENFILE, ENOMEM, ENOSPC, ENODEV, EBADF, EAGAIN, EBUSY, ESTALE,
	EOPNOTSUPP, ENOTUNIQ, EDQUOT,
};

struct op_stats {
	unsigned long calls, ok, unexpected;
	unsigned long err[MAX_ERRNO];
};

/* Per process: shared with the parent, which prints both. */
struct proc_stats {
	struct op_stats ops[NR_OPS];
	char first_bad[160];
};

static struct proc_stats *stats;	/* [2]: root, unprivileged */
static unsigned int nr_cpus;		/* possible CPUs: drops' length */

/* A process's descriptors and the ids it has seen. */
static struct {
	pthread_mutex_t lock;
	int fds[POOL_MAX];
	unsigned int kinds[POOL_MAX];	/* the command that made each */
	unsigned int nfds;
	__u64 ids[2][ID_POOL];		/* gauge ids, aggregation ids */
	unsigned int nids[2];
	int pipe_fd;
} pool = { .lock = PTHREAD_MUTEX_INITIALIZER };

struct thread {
	int last_fd[NR_CMDS];	/* the last fd each command made here */
	__u64 last_gauge;	/* the id of the last gauge made here */
	pthread_t tid;
	__u64 rng;
	unsigned long calls;
	unsigned char *buf;	/* SCRATCH bytes, then a PROT_NONE page */
	struct proc_stats *st;
	bool root;
};

static __u64 rnd(struct thread *t)
{
	__u64 x = t->rng;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	t->rng = x;
	return x;
}

static unsigned int below(struct thread *t, unsigned int n)
{
	return rnd(t) % n;
}

static bool one_in(struct thread *t, unsigned int n)
{
	return below(t, n) == 0;
}

static void pool_add_fd(int fd, unsigned int kind)
{
	unsigned int i;
	int victim = -1;

	pthread_mutex_lock(&pool.lock);
	if (pool.nfds == POOL_MAX) {
		i = (unsigned int)fd % POOL_MAX;
		victim = pool.fds[i];
	} else {
		i = pool.nfds++;
	}
	pool.fds[i] = fd;
	pool.kinds[i] = kind;
	pthread_mutex_unlock(&pool.lock);
	if (victim >= 0)
		close(victim);
}

/* @agg: an aggregation's id, else a gauge's. */
static void pool_add_id(__u64 id, bool agg)
{
	pthread_mutex_lock(&pool.lock);
	pool.ids[agg][pool.nids[agg]++ % ID_POOL] = id;
	pthread_mutex_unlock(&pool.lock);
}

/* Some descriptor: one held (maybe closed by now), or a foreign one. */
static int any_fd(struct thread *t)
{
	int fd = -1;

	switch (below(t, 10)) {
	case 0:
		return below(t, 3);		/* stdin, stdout, stderr */
	case 1:
		return pool.pipe_fd;
	case 2:
		return one_in(t, 2) ? -1 : 1000 + (int)below(t, 50000);
	default:
		pthread_mutex_lock(&pool.lock);
		if (pool.nfds)
			fd = pool.fds[below(t, pool.nfds)];
		pthread_mutex_unlock(&pool.lock);
		return fd;
	}
}

/* Mostly an id of the kind asked for (@agg or a gauge's) seen so far. */
static __u64 id_of(struct thread *t, bool agg)
{
	unsigned int n;
	__u64 id = 0;

	switch (below(t, 10)) {
	case 0:
		return below(t, 300);
	case 1:
		return rnd(t);
	case 2:
		agg = !agg;
		break;
	case 3: case 4: case 5:
		if (!agg && t->last_gauge)
			return t->last_gauge;
		break;
	}
	pthread_mutex_lock(&pool.lock);
	n = pool.nids[agg] < ID_POOL ? pool.nids[agg] : ID_POOL;
	if (n)
		id = pool.ids[agg][below(t, n)];
	pthread_mutex_unlock(&pool.lock);
	return id;
}

static __u64 any_id(struct thread *t)
{
	return id_of(t, one_in(t, 2));
}

/*
 * Mostly a descriptor made by one of the commands @a or @b: this
 * thread's last (likely still open), or one from the pool.
 */
static int fd_of(struct thread *t, unsigned int a, unsigned int b)
{
	unsigned int i, start;
	int fd = -1;

	if (one_in(t, 4))
		return any_fd(t);
	if (one_in(t, 2)) {
		fd = t->last_fd[one_in(t, 2) ? a : b];
		if (fd >= 0)
			return fd;
	}
	pthread_mutex_lock(&pool.lock);
	if (pool.nfds) {
		start = below(t, pool.nfds);
		for (i = 0; i < pool.nfds; i++) {
			unsigned int j = (start + i) % pool.nfds;

			if (pool.kinds[j] == a || pool.kinds[j] == b) {
				fd = pool.fds[j];
				break;
			}
		}
	}
	pthread_mutex_unlock(&pool.lock);
	return fd >= 0 ? fd : any_fd(t);
}

/* A user pointer: mostly into the scratch buffer, sometimes not. */
static __u64 any_ptr(struct thread *t)
{
	switch (below(t, 12)) {
	case 0:
		return 0;
	case 1:
		return (uintptr_t)(t->buf + SCRATCH);	/* the guard page */
	case 2:
		return (uintptr_t)(t->buf + SCRATCH - 8 * below(t, 8));
	case 3:
		return 0xffffffff81000000ULL;		/* the kernel */
	case 4:
		return (uintptr_t)(t->buf + 1 + below(t, 7)); /* misaligned */
	default:
		return (uintptr_t)(t->buf + 8 * below(t, SCRATCH / 16));
	}
}

static __u64 any_word(struct thread *t)
{
	switch (below(t, 10)) {
	case 0: case 1: case 2:
		return 0;
	case 3:
		return below(t, 17);
	case 4:
		return (__u64)-1;
	case 5:
		return any_id(t);
	case 6:
		return (__u32)any_fd(t);
	case 7:
		return any_ptr(t);
	case 8:
		return 1ULL << below(t, 64);
	default:
		return rnd(t);
	}
}

static void any_string(struct thread *t, char *dst, size_t size,
		       const char *const *choices, unsigned int n)
{
	if (one_in(t, 8)) {		/* full, no NUL, or odd bytes */
		memset(dst, one_in(t, 2) ? 'a' : 0x80 | below(t, 128), size);
		return;
	}
	/* The first three choices are valid: half the time, one of them. */
	aggmon_strcpy(dst, size, choices[below(t, one_in(t, 2) ? 3 : n)]);
}

static const char * const gauge_names[] = {
	"user.fuzz.a", "user.fuzz.b", "user.fuzz", "fuzz.kernel", "user.",
	"user..x", "sample.queue", "net.dev.rx_packets", "", "user.fuzz.A",
};

static const char * const items[] = {
	"", "a", "b", "eth0", "lo", "x:y", "a/b", "0", "timer",
};

static const char * const agg_names[] = {
	"fuzz.a", "fuzz.b", "aggmon.syscall_ns", "sample.work_ns", "",
	"Fuzz", "fuzz..x",
};

/* A well-formed attr for @cmd in @a (zeroed, @size bytes). */
static void build_attr(struct thread *t, unsigned int cmd, void *a)
{
	unsigned int i;

	switch (cmd) {
	case AGGMON_GAUGE_LIST:
	case AGGMON_AGG_LIST: {
		struct aggmon_gauge_list_attr *l = a;

		l->ids = any_ptr(t);
		l->count = one_in(t, 4) ? below(t, 2 * AGGMON_BATCH_MAX) :
			   1 + below(t, 64);
		l->cursor = one_in(t, 2) ? 0 : any_id(t);
		break;
	}
	case AGGMON_GAUGE_INFO: {
		struct aggmon_gauge_info *g = a;

		if (one_in(t, 2)) {
			g->id = id_of(t, false);
		} else {
			any_string(t, g->name, sizeof(g->name), gauge_names, 10);
			any_string(t, g->item, sizeof(g->item), items, 9);
		}
		break;
	}
	case AGGMON_GAUGE_READ: {
		struct aggmon_gauge_read_attr *r = a;
		__u64 *ids = (__u64 *)(t->buf + SCRATCH / 2);

		r->count = 1 + below(t, 8);
		for (i = 0; i < r->count; i++)
			ids[i] = id_of(t, false);
		r->ids = one_in(t, 8) ? any_ptr(t) : (uintptr_t)ids;
		r->values = any_ptr(t);
		break;
	}
	case AGGMON_GAUGE_CREATE: {
		struct aggmon_gauge_create_attr *c = a;

		any_string(t, c->name, sizeof(c->name), gauge_names, 10);
		any_string(t, c->item, sizeof(c->item), items, 9);
		aggmon_strcpy(c->unit, sizeof(c->unit), "things");
		c->initial = (__s64)any_word(t);
		break;
	}
	case AGGMON_GAUGE_UPDATE: {
		struct aggmon_gauge_update_attr *u = a;

		u->fd = fd_of(t, AGGMON_GAUGE_CREATE, AGGMON_GAUGE_CREATE);
		u->op = below(t, 3);
		u->value = (__s64)any_word(t);
		break;
	}
	case AGGMON_STAT_CREATE: {
		struct aggmon_stat_create_attr *s = a;

		s->gauge_id = id_of(t, false);
		s->kind = below(t, 6);
		/* Mostly what the kind takes: a period, a drain, or neither. */
		if (s->kind == AGGMON_STAT_RATE ||
		    s->kind == AGGMON_STAT_LEAKY_BUCKET || one_in(t, 8))
			s->period_ns = 10000000ULL * (1 + below(t, 20));
		if (s->kind == AGGMON_STAT_LEAKY_BUCKET || one_in(t, 8))
			s->drain = 1 + below(t, 100);
		break;
	}
	case AGGMON_STAT_INFO:
	case AGGMON_STAT_RESET:
		*(__u32 *)a = fd_of(t, AGGMON_STAT_CREATE, AGGMON_STAT_CREATE);
		break;
	case AGGMON_AGG_INFO:
		*(__u32 *)a = fd_of(t, AGGMON_AGG_CREATE, AGGMON_AGG_OPEN);
		break;
	case AGGMON_THRESHOLD_CREATE: {
		struct aggmon_threshold_create_attr *h = a;

		h->stat_fd = fd_of(t, AGGMON_STAT_CREATE, AGGMON_STAT_CREATE);
		h->kind = below(t, 5);
		h->value = (__s64)below(t, 64) - 32;
		h->cancel = (__s64)below(t, 64) - 32;
		h->flags = one_in(t, 2) ? 0 : below(t, 4);
		h->queue_len = one_in(t, 2) ? 0 : below(t, 2 * AGGMON_QUEUE_LEN_MAX);
		break;
	}
	case AGGMON_AGG_CREATE: {
		struct aggmon_agg_create_attr *c = a;

		unsigned int first = below(t, 7);

		any_string(t, c->name, sizeof(c->name), agg_names, 7);
		c->func = one_in(t, 8) ? below(t, 11) : 1 + below(t, 9);
		/* Mostly the parameters the function takes, and sound. */
		if (c->func == AGGMON_AGG_LQUANTIZE || one_in(t, 16)) {
			c->low = (__s64)below(t, 100) - 50;
			c->step = 1 + below(t, 10);
			c->high = c->low + c->step * (1 + below(t, 100));
		} else if (c->func == AGGMON_AGG_LLQUANTIZE) {
			c->factor = 10;
			c->high = 2 + below(t, 3);
			c->step = one_in(t, 2) ? 10 : 100;
		}
		c->source = one_in(t, 8) ? below(t, 5) : 1 + below(t, 2);
		/* Distinct fields from GAUGE to CGROUP, or anything. */
		c->nkeys = below(t, 4) ? below(t, 3) :
			   below(t, AGGMON_AGG_KEYS_MAX + 2);
		for (i = 0; i < AGGMON_AGG_KEYS_MAX && i < c->nkeys; i++)
			c->keys[i] = one_in(t, 16) ? below(t, 11) :
				     1 + (first + i) % 7;
		c->entries = one_in(t, 2) ? 0 : one_in(t, 8) ?
			     below(t, 2 * AGGMON_AGG_ENTRIES_MAX) :
			     below(t, 256);
		c->gauge_id = id_of(t, false);
		break;
	}
	case AGGMON_AGG_SNAPSHOT: {
		struct aggmon_agg_snapshot_attr *s = a;

		s->fd = fd_of(t, AGGMON_AGG_CREATE, AGGMON_AGG_OPEN);
		s->flags = below(t, 3);
		/* The batch buffer: from 2 pages on, up to the last 256 B. */
		s->buf = one_in(t, 4) ? any_ptr(t) :
			 (uintptr_t)(t->buf + 2 * PAGE);
		s->buf_size = one_in(t, 4) ? any_word(t) :
			      below(t, SCRATCH - 2 * PAGE - 256);
		if (one_in(t, 2)) {
			s->drops = one_in(t, 4) ? any_ptr(t) :
				   (uintptr_t)(t->buf + SCRATCH - 256);
			s->nr_cpus = one_in(t, 2) ? nr_cpus : below(t, 16);
		}
		if (one_in(t, 3)) {
			s->generation = below(t, 4) + 1;
			s->cursor = below(t, 64);
		}
		break;
	}
	case AGGMON_AGG_OPEN: {
		struct aggmon_agg_open_attr *o = a;

		if (one_in(t, 2))
			o->id = id_of(t, true);
		else
			any_string(t, o->name, sizeof(o->name), agg_names, 7);
		break;
	}
	}
}

static bool is_documented(int err)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(documented); i++)
		if (documented[i] == err)
			return true;
	return false;
}

static void count(struct thread *t, unsigned int op, long ret, int err,
		  bool ok)
{
	struct op_stats *s = &t->st->ops[op];

	__atomic_add_fetch(&s->calls, 1, __ATOMIC_RELAXED);
	if (ret >= 0 && ok) {
		__atomic_add_fetch(&s->ok, 1, __ATOMIC_RELAXED);
		return;
	}
	if (ret == -1 && err > 0 && err < MAX_ERRNO)
		__atomic_add_fetch(&s->err[err], 1, __ATOMIC_RELAXED);
	if (ret == -1 && is_documented(err))
		return;
	if (!__atomic_fetch_add(&s->unexpected, 1, __ATOMIC_RELAXED))
		snprintf(t->st->first_bad, sizeof(t->st->first_bad),
			 "%s returned %ld (%s)", op_names[op], ret,
			 ret == -1 ? strerror(err) : "-");
}

static bool creates_fd(unsigned int cmd)
{
	return cmd == AGGMON_GAUGE_CREATE || cmd == AGGMON_STAT_CREATE ||
	       cmd == AGGMON_THRESHOLD_CREATE || cmd == AGGMON_AGG_CREATE ||
	       cmd == AGGMON_AGG_OPEN;
}

/* One aggmon() call, drawn as the file's comment says. */
static void fuzz_call(struct thread *t)
{
	unsigned int cmd = below(t, NR_CMDS + 1), size, i, words;
	unsigned char *a = t->buf;
	__u64 attr_ptr;
	long ret;
	int err;

	memset(a, 0, PAGE + 16);
	if (cmd >= NR_CMDS) {
		cmd = one_in(t, 2) ? NR_CMDS + below(t, 100) : (unsigned int)-1;
		size = below(t, 256);
	} else {
		size = attr_sizes[cmd];
		if (!one_in(t, 4))
			build_attr(t, cmd, a);
		else
			for (i = 0; i < size / 8; i++)
				((__u64 *)a)[i] = any_word(t);
		words = one_in(t, 4) ? 1 + below(t, 2) : 0;
		for (i = 0; i < words; i++)
			((__u64 *)a)[below(t, size / 8)] = any_word(t);
		switch (below(t, 32)) {
		case 0:
			size = below(t, size);
			break;
		case 1:				/* a zeroed tail */
			size += 8;
			break;
		case 2:				/* a tail that is not */
			a[size + below(t, 8)] = 1;
			size += 8;
			break;
		case 3:
			size = PAGE;
			break;
		case 4:
			size = PAGE + 1 + below(t, PAGE);
			break;
		}
	}
	attr_ptr = (uintptr_t)a;
	if (one_in(t, 40))
		attr_ptr = any_ptr(t);
	ret = syscall(__NR_aggmon, cmd, attr_ptr, size);
	err = errno;
	if (cmd >= NR_CMDS) {
		count(t, NR_CMDS, ret, err, false);
		return;
	}
	if (ret >= 0 && creates_fd(cmd)) {
		count(t, cmd, ret, err, true);
		pool_add_fd(ret, cmd);
		t->last_fd[cmd] = ret;
		if (cmd == AGGMON_GAUGE_CREATE) {
			t->last_gauge =
				((struct aggmon_gauge_create_attr *)a)->id;
			pool_add_id(t->last_gauge, false);
		}
		if (cmd == AGGMON_AGG_CREATE)
			pool_add_id(((struct aggmon_agg_create_attr *)a)->id,
				    true);
		return;
	}
	count(t, cmd, ret, err, ret == 0);
}

/* A read(), poll(), write() or close() of some descriptor. */
static void fuzz_fd_op(struct thread *t)
{
	int fd = fd_of(t, AGGMON_THRESHOLD_CREATE, AGGMON_THRESHOLD_CREATE);
	int err;
	struct pollfd p;
	long ret;

	switch (below(t, 4)) {
	case 0: {
		static const size_t sizes[] = { 0, 1, 63, 64, 65, 640, 4096 };
		size_t len = sizes[below(t, 7)];

		if (fd >= 0 && fd <= 2)	/* stdin would block */
			fd = pool.pipe_fd;
		fcntl(fd, F_SETFL, O_NONBLOCK);
		ret = read(fd, one_in(t, 8) ? (void *)(uintptr_t)any_ptr(t) :
			       t->buf, len);
		err = errno;
		count(t, OP_READ, ret, err, true);
		break;
	}
	case 1:
		p.fd = fd;
		p.events = POLLIN | POLLOUT | POLLPRI;
		ret = poll(&p, 1, 0);
		count(t, OP_POLL, ret, errno, true);
		break;
	case 2:
		if (fd >= 0 && fd <= 2)	/* keep the console clean */
			fd = pool.pipe_fd;
		ret = write(fd, t->buf, below(t, 128));
		err = errno;
		/*
		 * aggmon's fds take no write (EINVAL); the pipe does, and so
		 * may a number that a root thread's sysctl write opened
		 * meanwhile: a write that succeeds was to no aggmon fd.
		 */
		count(t, OP_WRITE, ret, err, true);
		break;
	default:
		pthread_mutex_lock(&pool.lock);
		if (pool.nfds) {
			unsigned int i = below(t, pool.nfds);

			fd = pool.fds[i];
			pool.fds[i] = pool.fds[--pool.nfds];
		} else {
			fd = -1;
		}
		pthread_mutex_unlock(&pool.lock);
		/* Nothing held: close what is probably nothing (EBADF). */
		ret = close(fd >= 0 ? fd : 1000 + (int)below(t, 50000));
		count(t, OP_CLOSE, ret, errno, true);
		break;
	}
}

/* Now and then level 2, which shuts the unprivileged process out; else 1 or 0. */
static void fuzz_paranoid(struct thread *t)
{
	long ret = aggmon_sysctl_write_long(AGGMON_PARANOID_SYSCTL,
					    one_in(t, 4) ? 2 : below(t, 2));

	count(t, OP_PARANOID, ret, errno, true);
}

static void *fuzz_thread(void *arg)
{
	struct thread *t = arg;
	unsigned long i;

	for (i = 0; i < t->calls; i++) {
		if (t->root && one_in(t, 2000))
			fuzz_paranoid(t);
		else if (one_in(t, 5))
			fuzz_fd_op(t);
		else
			fuzz_call(t);
	}
	/* The unprivileged process may still run: let it observe again. */
	if (t->root)
		aggmon_sysctl_write_long(AGGMON_PARANOID_SYSCTL, 1);
	return NULL;
}

static void pool_close_all(void)
{
	while (pool.nfds)
		close(pool.fds[--pool.nfds]);
}

/* Runs @n threads of @calls calls in all, seeded from @seed. */
static int fuzz_process(struct proc_stats *st, bool root, unsigned int n,
			unsigned long calls, __u64 seed)
{
	struct thread th[MAX_THREADS];
	int pipefd[2];
	unsigned int i;

	__u64 ids[ID_POOL / 2];
	struct aggmon_gauge_list_attr list = {
		.ids = aggmon_ptr(ids), .count = ID_POOL / 2,
	};

	if (pipe2(pipefd, O_CLOEXEC | O_NONBLOCK))
		return -1;
	pool.pipe_fd = pipefd[1];
	/* The kernel's gauges, where this uid may list them. */
	if (!sys_aggmon(AGGMON_GAUGE_LIST, &list, sizeof(list)))
		for (i = 0; i < list.count; i++)
			pool_add_id(ids[i], false);
	for (i = 0; i < n; i++) {
		memset(&th[i], 0, sizeof(th[i]));
		th[i].rng = seed * 0x9e3779b97f4a7c15ULL + i + 1 + (root ? 0 : 1000);
		th[i].calls = calls / n + (i < calls % n);
		th[i].st = st;
		th[i].root = root;
		memset(th[i].last_fd, -1, sizeof(th[i].last_fd));
		th[i].buf = mmap(NULL, SCRATCH + PAGE, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (th[i].buf == MAP_FAILED ||
		    mprotect(th[i].buf + SCRATCH, PAGE, PROT_NONE))
			return -1;
		if (pthread_create(&th[i].tid, NULL, fuzz_thread, &th[i]))
			return -1;
	}
	for (i = 0; i < n; i++)
		pthread_join(th[i].tid, NULL);
	pool_close_all();
	close(pipefd[0]);
	close(pipefd[1]);
	return 0;
}

/* Closes the first @n of @fds. */
static void close_all(int *fds, unsigned int n)
{
	while (n)
		close(fds[--n]);
}

/*
 * How many more objects of each kind this uid may create now: gauges,
 * statistics of the first gauge, thresholds of the first statistic and
 * aggregations of the gauge, each until EMFILE (the caps are
 * HEADROOM_CAP).  Everything is closed again.  0, or -1 if something
 * failed otherwise.
 */
static int quota_room(long room[4])
{
	struct aggmon_agg_create_attr agg;
	char item[AGGMON_ITEM_LEN];
	int fds[4 * (HEADROOM_CAP + 1)], nfd = 0, fd, sfd = -1, k;
	__u64 gid = 0, id;

	memset(room, 0, 4 * sizeof(*room));
	for (k = 0; k < 4; k++) {
		for (;;) {
			if (nfd == (int)ARRAY_SIZE(fds))
				goto fail;
			snprintf(item, sizeof(item), "h%d_%ld", (int)getpid(),
				 room[k]);
			switch (k) {
			case 0:
				fd = aggmon_create("user.fuzz.headroom", item,
						   "", 0, gid ? &id : &gid);
				break;
			case 1:
				fd = sys_aggmon(AGGMON_STAT_CREATE,
						&(struct aggmon_stat_create_attr)
						{ .gauge_id = gid },
						AGGMON_STAT_CREATE_SIZE_VER0);
				if (sfd < 0)
					sfd = fd;
				break;
			case 2:
				fd = sys_aggmon(AGGMON_THRESHOLD_CREATE,
						&(struct aggmon_threshold_create_attr)
						{ .stat_fd = sfd, .value = 1 },
						AGGMON_THRESHOLD_CREATE_SIZE_VER0);
				break;
			default:
				memset(&agg, 0, sizeof(agg));
				snprintf(agg.name, sizeof(agg.name), "fuzz.%s",
					 item);
				agg.func = AGGMON_AGG_COUNT;
				agg.source = AGGMON_AGG_SRC_GAUGE_DELTA;
				agg.gauge_id = gid;
				fd = sys_aggmon(AGGMON_AGG_CREATE, &agg,
						sizeof(agg));
				break;
			}
			if (fd < 0)
				break;
			fds[nfd++] = fd;
			room[k]++;
		}
		if (errno != EMFILE)
			goto fail;
	}
	close_all(fds, nfd);
	return 0;
fail:
	fprintf(stderr, "# quota room: kind %d after %ld: %s\n", k,
		k < 4 ? room[k] : -1L, strerror(errno));
	close_all(fds, nfd);
	return -1;
}

/* Sets the four caps to @caps; -1 on error. */
static int set_caps(const long caps[4])
{
	int k;

	for (k = 0; k < 4; k++)
		if (aggmon_sysctl_write_long(cap_sysctls[k], caps[k]))
			return -1;
	return 0;
}

/*
 * Runs @fn in a child that has become uid 65534 without capabilities;
 * its results come back through @shared.  0 if it exited with 0.
 */
static int as_nobody(int (*fn)(void *), void *shared)
{
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (!pid)
		_exit(aggmon_drop_privileges() || fn(shared) ? 1 : 0);
	return aggmon_wait_child(pid);
}

static int headroom_fn(void *room)
{
	return quota_room(room);
}

struct fuzz_args {
	unsigned int threads;
	unsigned long calls;
	__u64 seed;
};

static struct fuzz_args args = { .threads = 4, .calls = 100000 };

static int fuzz_nobody(void *st)
{
	return fuzz_process(st, false, args.threads, args.calls / 2,
			    args.seed);
}

/* Both uids' headroom, root's in @room[0], nobody's in @room[1]. */
static int headroom_both(long (*room)[4], long *shared)
{
	if (quota_room(room[0]) || as_nobody(headroom_fn, shared))
		return -1;
	memcpy(room[1], shared, sizeof(room[1]));
	return 0;
}

static void print_stats(const struct proc_stats *st, const char *who)
{
	unsigned int op, e;

	printf("# %s:\n", who);
	printf("#   %-18s %9s %9s  errnos\n", "call", "calls", "ok");
	for (op = 0; op < NR_OPS; op++) {
		const struct op_stats *s = &st->ops[op];

		if (!s->calls)
			continue;
		printf("#   %-18s %9lu %9lu ", op_names[op], s->calls, s->ok);
		for (e = 1; e < MAX_ERRNO; e++)
			if (s->err[e])
				printf(" %s:%lu", strerrorname_np(e), s->err[e]);
		if (s->unexpected)
			printf("  UNEXPECTED:%lu", s->unexpected);
		printf("\n");
	}
}

static unsigned long total(const struct proc_stats *st, bool bad)
{
	unsigned long n = 0;
	unsigned int op;

	for (op = 0; op < NR_OPS; op++)
		n += bad ? st->ops[op].unexpected : st->ops[op].calls;
	return n;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	static const long headroom_caps[4] = {
		HEADROOM_CAP, HEADROOM_CAP, HEADROOM_CAP, HEADROOM_CAP
	};
	long saved_caps[4], saved_paranoid, before[2][4], after[2][4];
	long *shared_room;
	unsigned long calls, bad;
	bool room_ok;
	double t0, secs;
	pid_t pid;
	int opt, k, rc = 0;

	args.seed = (__u64)time(NULL);
	nr_cpus = sysconf(_SC_NPROCESSORS_CONF);
	while ((opt = getopt(argc, argv, "n:t:s:")) != -1) {
		switch (opt) {
		case 'n':
			args.calls = strtoul(optarg, NULL, 0);
			break;
		case 't':
			args.threads = strtoul(optarg, NULL, 0);
			break;
		case 's':
			args.seed = strtoull(optarg, NULL, 0);
			break;
		default:
			fprintf(stderr, "usage: %s [-n calls] [-t threads] [-s seed]\n",
				argv[0]);
			return 2;
		}
	}
	if (!args.threads || args.threads > MAX_THREADS || !args.calls) {
		fprintf(stderr, "threads: 1 to %d; calls: at least 1\n",
			MAX_THREADS);
		return 2;
	}
	if (geteuid()) {
		printf("1..0 # SKIP aggmon_fuzz runs as root (it also drops to uid %d)\n",
		       AGGMON_NOBODY);
		return 4;
	}
	stats = mmap(NULL, 2 * sizeof(*stats), PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	shared_room = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
			   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (stats == MAP_FAILED || shared_room == MAP_FAILED)
		return 1;
	memset(stats, 0, 2 * sizeof(*stats));
	for (k = 0; k < 4; k++)
		if (aggmon_sysctl_read(cap_sysctls[k], &saved_caps[k]))
			return 1;
	if (aggmon_sysctl_read(AGGMON_PARANOID_SYSCTL, &saved_paranoid))
		return 1;

	printf("TAP version 13\n1..2\n");
	printf("# seed %llu, %lu calls, %u threads as root and %u as uid %d\n",
	       (unsigned long long)args.seed, args.calls, args.threads,
	       args.threads, AGGMON_NOBODY);
	fflush(stdout);
	if (aggmon_sysctl_write_long(AGGMON_PARANOID_SYSCTL, 1) ||
	    set_caps(headroom_caps) || headroom_both(before, shared_room)) {
		printf("Bail out! cannot measure the quotas' headroom\n");
		rc = 1;
		goto restore;
	}

	set_caps(fuzz_caps);
	t0 = now_s();
	pid = fork();
	if (pid == 0)
		_exit(aggmon_drop_privileges() ||
		      fuzz_nobody(&stats[1]) ? 1 : 0);
	if (pid < 0 ||
	    fuzz_process(&stats[0], true, args.threads,
			 args.calls - args.calls / 2, args.seed) ||
	    aggmon_wait_child(pid)) {
		printf("Bail out! a fuzzing process failed\n");
		rc = 1;
		goto restore;
	}
	secs = now_s() - t0;

	aggmon_sysctl_write_long(AGGMON_PARANOID_SYSCTL, 1);
	set_caps(headroom_caps);
	room_ok = !headroom_both(after, shared_room) &&
		  !memcmp(before, after, sizeof(before));

	print_stats(&stats[0], "as root");
	print_stats(&stats[1], "as uid 65534");
	calls = total(&stats[0], false) + total(&stats[1], false);
	bad = total(&stats[0], true) + total(&stats[1], true);
	printf("# %lu calls in %.1f s: %.0f calls/s\n", calls, secs,
	       calls / secs);
	if (bad)
		printf("# first: %s\n", stats[0].first_bad[0] ?
		       stats[0].first_bad : stats[1].first_bad);
	printf("%sok 1 every call returned 0, a new fd or a documented errno (%lu did not)\n",
	       bad ? "not " : "", bad);
	for (k = 0; k < 4; k++)
		printf("# headroom of %s before/after: root %ld/%ld, uid %d %ld/%ld\n",
		       cap_sysctls[k] + 17, before[0][k], after[0][k],
		       AGGMON_NOBODY, before[1][k], after[1][k]);
	printf("%sok 2 every quota count is back where it started\n",
	       room_ok ? "" : "not ");
	rc = bad || !room_ok;
restore:
	set_caps(saved_caps);
	aggmon_sysctl_write_long(AGGMON_PARANOID_SYSCTL, saved_paranoid);
	return rc;
}

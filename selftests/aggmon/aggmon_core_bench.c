// SPDX-License-Identifier: GPL-2.0
/*
 * aggmon_core_bench - what the core gauges cost the paths they count.
 *
 * Each core gauge is updated in a path of its own; this times, from
 * userspace, one operation of each path:
 *  - open_close: open() and close() of /dev/null, two updates of fs.files
 *    (alloc_empty_file() and file_free());
 *  - pipe_pingpong: a round trip of one byte between two processes on
 *    one CPU over two pipes, an update of that CPU's sched.nr_running at
 *    every wakeup and every sleep;
 *  - fork_exit_wait: fork(), _exit() in the child and waitpid(), two
 *    updates of kernel.tasks (copy_process() and __unhash_process());
 *  - mmap_touch_unmap: 16384 pages (64 MiB) mapped, written and unmapped,
 *    updates of mm.free_pages when the per-CPU page lists, which hold
 *    fewer, refill from the zones and drain back to them;
 *  - udp_loopback: a datagram sent to 127.0.0.1 and received, an update
 *    of four net.dev.*:lo gauges (packets and bytes, out and in).
 * Everything runs on one CPU, the first this process may use.
 *
 * Each round times every path with nothing watching its gauges, then
 * again with a statistic (a high watermark) and a threshold far above it
 * on each gauge, which keeps every update on its CPU's budget.  The
 * median of the rounds is reported, with their spread, (max - min) /
 * median: a difference between kernels smaller than that cannot be told
 * from noise by this benchmark.  Before the rounds, a COUNT aggregation
 * of each path's first gauge's changes counts the updates one operation
 * makes (nominal counts where it cannot).
 *
 * make bench runs it on the benchmark kernel and on the same kernel
 * built with CONFIG_AGGMON=n (which times the paths only), and puts the
 * three columns side by side in scripts/bench-table.py.
 *
 * Prints a table and one "aggmon_core_json:" line.  Without aggmon, or
 * without some core gauge, it still times the paths and says why the
 * rest is missing; without aggmon it exits with KSFT_SKIP (4).  It fails
 * (1) only on an error.  It checks for aggmon before any aggmon() call: on kernels since
 * 6.13 the number aggmon uses here is setxattrat().
 * Usage: aggmon_core_bench [rounds [repetitions]]
 *   rounds: at least 3 (default 9); repetitions of open_close per round
 *   (default 20000), a quarter of that of pipe_pingpong and a fortieth of
 *   fork_exit_wait.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The helpers come with the harness, whose runner this does not use. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
/* It also runs on the CONFIG_AGGMON=n kernel, the A/B's baseline. */
#define AGGMON_SYSCALL_OPTIONAL
#include "aggmon_agg_helpers.h"
#include "aggmon_stat_helpers.h"
#pragma GCC diagnostic pop

#define MAX_ROUNDS	101
#define MAX_GAUGES	4
#define MMAP_PAGES	16384
/* A threshold no update comes near: watched, the gauge stays on budgets. */
#define FAR_LEVEL	(INT64_MAX / 2)

struct path {
	const char *name;
	const char *gauge;		/* what the table says */
	const char *gauges[MAX_GAUGES];	/* NAME:ITEM; %d: the CPU */
	int nominal;			/* updates per operation, in theory */
	int divisor;			/* of the repetitions */
	void (*setup)(void);
	void (*run)(long n);
	void (*teardown)(void);
	long reps;
	__u64 gauge_id;			/* the first gauge's; 0: not found */
	__u64 ids[MAX_GAUGES];
	double updates;			/* per operation, measured or nominal */
	bool measured;
	double off[MAX_ROUNDS];		/* ns per operation, per round */
	double on[MAX_ROUNDS];
};

static const char *why_skip;
static bool no_aggmon;
static int bench_cpu;
static int pp_to[2], pp_from[2];
static int udp_fd = -1;
static struct sockaddr_in udp_addr;
static pid_t pp_child = -1;

static void __attribute__((format(printf, 1, 2))) fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "aggmon_core_bench: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
	va_end(ap);
	if (pp_child > 0)
		kill(pp_child, SIGKILL);
	exit(1);
}

/* Pins this process, and what it forks, to the first CPU it may use. */
static int pin_first_cpu(void)
{
	cpu_set_t set;
	int cpu;

	if (sched_getaffinity(0, sizeof(set), &set))
		fail("sched_getaffinity: %s", strerror(errno));
	for (cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (CPU_ISSET(cpu, &set))
			break;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		fail("sched_setaffinity: %s", strerror(errno));
	return cpu;
}

static void open_close(long n)
{
	long i;
	int fd;

	for (i = 0; i < n; i++) {
		fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			fail("open /dev/null: %s", strerror(errno));
		close(fd);
	}
}

/* The echoing end: a byte back for every byte, until 'q'. */
static void pingpong_child(void)
{
	char c;

	for (;;) {
		if (read(pp_to[0], &c, 1) != 1 || c == 'q')
			_exit(0);
		if (write(pp_from[1], &c, 1) != 1)
			_exit(1);
	}
}

static void pingpong_setup(void)
{
	if (pipe(pp_to) || pipe(pp_from))
		fail("pipe: %s", strerror(errno));
	pp_child = fork();
	if (pp_child < 0)
		fail("fork: %s", strerror(errno));
	if (!pp_child) {
		close(pp_to[1]);
		close(pp_from[0]);
		pingpong_child();
	}
	close(pp_to[0]);
	close(pp_from[1]);
}

static void pingpong(long n)
{
	char c = 'p';
	long i;

	for (i = 0; i < n; i++)
		if (write(pp_to[1], &c, 1) != 1 || read(pp_from[0], &c, 1) != 1)
			fail("pipe round trip: %s", strerror(errno));
}

static void pingpong_teardown(void)
{
	char c = 'q';
	int status;

	if (write(pp_to[1], &c, 1) != 1)
		fail("pipe: %s", strerror(errno));
	if (waitpid(pp_child, &status, 0) != pp_child || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		fail("the pipe_pingpong child failed");
	pp_child = -1;
	close(pp_to[1]);
	close(pp_from[0]);
}

static void fork_exit_wait(long n)
{
	int status;
	long i;
	pid_t pid;

	for (i = 0; i < n; i++) {
		pid = fork();
		if (pid < 0)
			fail("fork: %s", strerror(errno));
		if (!pid)
			_exit(0);
		if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
			fail("waitpid: %s", strerror(errno));
	}
}

static void mmap_touch_munmap(long n)
{
	long page = sysconf(_SC_PAGESIZE), i, j;
	char *p;

	for (i = 0; i < n; i++) {
		p = mmap(NULL, MMAP_PAGES * page, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			fail("mmap: %s", strerror(errno));
		for (j = 0; j < MMAP_PAGES; j++)
			p[j * page] = 1;
		munmap(p, MMAP_PAGES * page);
	}
}

/* lo must be up for 127.0.0.1; a guest's init may have left it down. */
static void udp_setup(void)
{
	struct ifreq ifr = { .ifr_name = "lo" };
	socklen_t len = sizeof(udp_addr);

	udp_fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (udp_fd < 0)
		fail("socket: %s", strerror(errno));
	if (ioctl(udp_fd, SIOCGIFFLAGS, &ifr) == 0 && !(ifr.ifr_flags & IFF_UP)) {
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(udp_fd, SIOCSIFFLAGS, &ifr))
			fail("bringing lo up: %s", strerror(errno));
	}
	udp_addr.sin_family = AF_INET;
	udp_addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	udp_addr.sin_port = 0;
	if (bind(udp_fd, (struct sockaddr *)&udp_addr, sizeof(udp_addr)) ||
	    getsockname(udp_fd, (struct sockaddr *)&udp_addr, &len))
		fail("bind 127.0.0.1: %s", strerror(errno));
}

static void udp_loopback(long n)
{
	char buf[64] = "aggmon";
	long i;

	for (i = 0; i < n; i++)
		if (sendto(udp_fd, buf, sizeof(buf), 0,
			   (struct sockaddr *)&udp_addr, sizeof(udp_addr)) < 0 ||
		    recv(udp_fd, buf, sizeof(buf), 0) < 0)
			fail("udp over lo: %s", strerror(errno));
}

static void udp_teardown(void)
{
	close(udp_fd);
	udp_fd = -1;
}

static struct path paths[] = {
	{
		.name = "open_close", .gauge = "fs.files",
		.gauges = { "fs.files" },
		.nominal = 2, .divisor = 1, .run = open_close,
	},
	{
		.name = "pipe_pingpong", .gauge = "sched.nr_running",
		.gauges = { "sched.nr_running:cpu%d" },
		.nominal = 4, .divisor = 4, .setup = pingpong_setup,
		.run = pingpong, .teardown = pingpong_teardown,
	},
	{
		.name = "fork_exit_wait", .gauge = "kernel.tasks",
		.gauges = { "kernel.tasks" },
		.nominal = 2, .divisor = 40, .run = fork_exit_wait,
	},
	{
		.name = "mmap_touch_unmap", .gauge = "mm.free_pages",
		.gauges = { "mm.free_pages" },
		.nominal = 2, .divisor = 2000, .run = mmap_touch_munmap,
	},
	{
		.name = "udp_loopback", .gauge = "net.dev.*:lo",
		.gauges = { "net.dev.tx_packets:lo", "net.dev.tx_bytes:lo",
			    "net.dev.rx_packets:lo", "net.dev.rx_bytes:lo" },
		.nominal = 1, .divisor = 2, .setup = udp_setup,
		.run = udp_loopback, .teardown = udp_teardown,
	},
};

#define NR_PATHS	ARRAY_SIZE(paths)

/* Runs @p @n times; returns ns per operation. */
static double timed(struct path *p, long n)
{
	__u64 start;

	if (p->setup)
		p->setup();
	start = now_ns();
	p->run(n);
	start = now_ns() - start;
	if (p->teardown)
		p->teardown();
	return (double)start / n;
}

/*
 * Counts @p's updates of its gauge with a COUNT aggregation of the
 * gauge's changes, over @n operations; the process forked for the ping
 * pong is in the count, and so is anything else that updates the gauge
 * meanwhile, which on an idle machine is little.
 */
static bool count_updates(struct path *p, long n, double *per_op)
{
	struct aggmon_agg_create_attr attr;
	struct agg_snap snap;
	__u64 total = 0;
	char name[32];
	size_t i;
	int fd;

	snprintf(name, sizeof(name), "core_bench_p%d", (int)getpid());
	agg_attr_init(&attr, name, AGGMON_AGG_COUNT,
		      AGGMON_AGG_SRC_GAUGE_DELTA, p->gauge_id);
	fd = agg_create(&attr);
	if (fd < 0) {
		fprintf(stderr, "aggmon_core_bench: %s: no aggregation (%s)\n",
			p->gauge, strerror(errno));
		return false;
	}
	if (p->setup)
		p->setup();
	p->run(n);
	if (p->teardown)
		p->teardown();
	if (agg_snapshot_all(fd, 0, 0, &snap))
		fail("%s: snapshot: %s", p->gauge, strerror(errno));
	/* No key: the count is each CPU's record's first value word. */
	for (i = 0; i < snap.nrec; i++)
		total += agg_rec(&snap, i)->data[snap.info.key_slots];
	agg_snap_free(&snap);
	close(fd);
	*per_op = (double)total / n;
	return true;
}

/* Whether this kernel has aggmon at all, before any aggmon() call. */
static bool have_aggmon(void)
{
	struct stat st;

	return !stat(AGGMON_PARANOID_SYSCTL, &st);
}

/* Finds gauge NAME[:ITEM] (%d in the item: this benchmark's CPU). */
static bool find_gauge(const char *spec, __u64 *id)
{
	char buf[AGGMON_NAME_LEN + AGGMON_ITEM_LEN], *colon;

	snprintf(buf, sizeof(buf), spec, bench_cpu);
	colon = strchr(buf, ':');
	if (colon)
		*colon++ = '\0';
	if (!aggmon_find(buf, colon ? colon : "", id))
		return true;
	if (errno != ENOENT)
		fail("find gauge %s: %s", spec, strerror(errno));
	*id = 0;
	return false;
}

static void find_gauges(void)
{
	static char why[128];
	unsigned int i, missing = 0;

	if (!have_aggmon()) {
		why_skip = "this kernel has no aggmon (no " AGGMON_PARANOID_SYSCTL ")";
		no_aggmon = true;
		return;
	}
	for (i = 0; i < NR_PATHS; i++) {
		struct path *p = &paths[i];
		unsigned int g;

		for (g = 0; g < MAX_GAUGES && p->gauges[g]; g++) {
			if (find_gauge(p->gauges[g], &p->ids[g]))
				continue;
			memset(p->ids, 0, sizeof(p->ids));
			missing++;
			break;
		}
		p->gauge_id = p->ids[0];
	}
	if (missing) {
		snprintf(why, sizeof(why),
			 "%u of the core gauges are missing (a kernel without their patches?)",
			 missing);
		why_skip = why;
	}
}

/* A high watermark and a threshold far above it on each of @p's gauges. */
static void watch_path(struct path *p, int *fds)
{
	unsigned int g;

	for (g = 0; g < 2 * MAX_GAUGES; g++)
		fds[g] = -1;
	for (g = 0; g < MAX_GAUGES && p->ids[g]; g++) {
		fds[2 * g] = stat_create(p->ids[g], AGGMON_STAT_HIGH_WATERMARK,
					 0, 0, NULL);
		if (fds[2 * g] < 0)
			fail("statistic on %s: %s", p->gauges[g],
			     strerror(errno));
		fds[2 * g + 1] = threshold_create(fds[2 * g],
						  AGGMON_THRESHOLD_ABOVE,
						  FAR_LEVEL, 0, 0, 1, NULL);
		if (fds[2 * g + 1] < 0)
			fail("threshold on %s: %s", p->gauges[g],
			     strerror(errno));
	}
}

static void unwatch_path(int *fds)
{
	unsigned int g;

	for (g = 0; g < 2 * MAX_GAUGES; g++)
		if (fds[g] >= 0)
			close(fds[g]);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median of @v[0..@n), and (max - min) / median in *@spread. */
static double median(const double *v, int n, double *spread)
{
	double s[MAX_ROUNDS], m;

	memcpy(s, v, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_double);
	m = s[(n - 1) / 2];
	*spread = m > 0 ? (s[n - 1] - s[0]) / m : 0;
	return m;
}

static void json_rounds(const double *v, int n)
{
	int i;

	printf("[");
	for (i = 0; i < n; i++)
		printf("%s%.1f", i ? ", " : "", v[i]);
	printf("]");
}

int main(int argc, char **argv)
{
	int rounds = 9, cpu, r, fds[NR_PATHS][2 * MAX_GAUGES];
	long reps = 20000;
	double m_off[NR_PATHS], s_off[NR_PATHS], m_on[NR_PATHS], s_on[NR_PATHS];
	bool watched = false;
	unsigned int i;

	if (argc > 1)
		rounds = atoi(argv[1]);
	if (argc > 2)
		reps = atol(argv[2]);
	if (rounds < 3 || rounds > MAX_ROUNDS)
		rounds = 9;
	if (reps < 40)
		reps = 20000;
	setvbuf(stdout, NULL, _IOLBF, 0);
	cpu = pin_first_cpu();
	bench_cpu = cpu;
	find_gauges();
	for (i = 0; i < NR_PATHS; i++) {
		paths[i].reps = reps / paths[i].divisor;
		if (paths[i].gauge_id)
			watched = true;
	}
	if (why_skip)
		printf("aggmon_core_bench: %s: timing those paths unwatched only\n",
		       why_skip);

	/* Warm up (page cache, slab, the child's binary), and count. */
	for (i = 0; i < NR_PATHS; i++) {
		struct path *p = &paths[i];

		timed(p, p->reps / 10 + 1);
		p->updates = p->nominal;
		if (p->gauge_id)
			p->measured = count_updates(p, p->reps / 10 + 1,
						    &p->updates);
	}

	for (r = 0; r < rounds; r++) {
		for (i = 0; i < NR_PATHS; i++)
			paths[i].off[r] = timed(&paths[i], paths[i].reps);
		if (!watched)
			continue;
		for (i = 0; i < NR_PATHS; i++)
			watch_path(&paths[i], fds[i]);
		for (i = 0; i < NR_PATHS; i++)
			paths[i].on[r] = timed(&paths[i], paths[i].reps);
		for (i = 0; i < NR_PATHS; i++)
			unwatch_path(fds[i]);
	}

	printf("aggmon_core_bench: %d rounds on CPU %d, median ns per operation; ",
	       rounds, cpu);
	printf("spread = (max - min) / median of the rounds\n");
	printf("aggmon_core_bench: %-16s %-17s %7s %10s %7s %10s %7s %10s\n",
	       "path", "gauge", "reps", "unwatched", "spread", "watched",
	       "spread", "updates/op");
	for (i = 0; i < NR_PATHS; i++) {
		struct path *p = &paths[i];
		char on[16] = "n/a", son[16] = "n/a";

		m_off[i] = median(p->off, rounds, &s_off[i]);
		if (watched && p->gauge_id) {
			m_on[i] = median(p->on, rounds, &s_on[i]);
			snprintf(on, sizeof(on), "%.1f", m_on[i]);
			snprintf(son, sizeof(son), "%.1f%%", 100 * s_on[i]);
		}
		printf("aggmon_core_bench: %-16s %-17s %7ld %10.1f %6.1f%% %10s %7s %9.2f%s\n",
		       p->name, p->gauge, p->reps, m_off[i], 100 * s_off[i],
		       on, son, p->updates, p->measured ? "" : "*");
	}
	printf("aggmon_core_bench: * nominal, not measured\n");

	printf("aggmon_core_json: {\"rounds\": %d, \"cpu\": %d, \"unit\": \"ns\", \"skipped\": ",
	       rounds, cpu);
	if (why_skip)
		printf("\"%s\"", why_skip);
	else
		printf("null");
	printf(", \"paths\": {");
	for (i = 0; i < NR_PATHS; i++) {
		struct path *p = &paths[i];

		printf("%s\"%s\": {\"gauge\": \"%s\", \"reps\": %ld, ",
		       i ? ", " : "", p->name, p->gauge, p->reps);
		printf("\"updates_per_op\": %.3f, \"updates_measured\": %s, ",
		       p->updates, p->measured ? "true" : "false");
		printf("\"unwatched_ns\": %.2f, \"unwatched_spread\": %.4f, ",
		       m_off[i], s_off[i]);
		if (watched && p->gauge_id)
			printf("\"watched_ns\": %.2f, \"watched_spread\": %.4f, ",
			       m_on[i], s_on[i]);
		else
			printf("\"watched_ns\": null, \"watched_spread\": null, ");
		printf("\"rounds_unwatched\": ");
		json_rounds(p->off, rounds);
		printf(", \"rounds_watched\": ");
		if (watched && p->gauge_id)
			json_rounds(p->on, rounds);
		else
			printf("null");
		printf("}");
	}
	printf("}}\n");
	return no_aggmon ? KSFT_SKIP : 0;
}

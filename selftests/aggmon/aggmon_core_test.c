// SPDX-License-Identifier: GPL-2.0
/*
 * aggmon_core_test - the core kernel's gauges against the kernel's own
 * counters, and thresholds on them firing at the update that crosses.
 *
 *  - every core gauge is listed from boot: fs.files, kernel.tasks,
 *    mm.free_pages, sched.nr_running:cpuN for every possible CPU and
 *    net.dev.*:lo;
 *  - each equals its counterpart read the kernel's way: kernel.tasks and
 *    the sum of sched.nr_running against /proc/loadavg, mm.free_pages
 *    against MemFree after vm.stat_refresh, net.dev.*:lo against
 *    /sys/class/net/lo/statistics (whose bytes leave out the Ethernet
 *    header: loopback_xmit() counts after eth_type_trans()).  Other
 *    tasks may change a counter between two reads, so each is read as
 *    gauge, counter, gauge until the gauge holds still (a quiet system
 *    gets there at once; a wrong gauge never does).  /proc/sys/fs/file-nr
 *    reads nr_files without its per-CPU deltas, so fs.files is within
 *    the counter's batch per possible CPU of it, not equal;
 *  - a threshold on each fires at its crossing update: forks past a level
 *    (kernel.tasks, value exactly the level: it moves by one), opens past
 *    a level (fs.files, the same), runnable tasks on one CPU past a level
 *    (the same), an allocation past a level (mm.free_pages moves by at
 *    most a block of 2^MAX_PAGE_ORDER pages), a loopback flood past a
 *    rate (net.dev.tx_packets:lo).
 */

#define _GNU_SOURCE
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include "aggmon_helpers.h"
#include "aggmon_stat_helpers.h"

#define TRIES		50
/* The largest step of NR_FREE_PAGES: one block of MAX_PAGE_ORDER (10). */
#define MAX_FREE_STEP	1024

static const char *const netdev_classes[] = {
	"net.dev.rx_packets", "net.dev.rx_bytes", "net.dev.tx_packets",
	"net.dev.tx_bytes", "net.dev.rx_dropped", "net.dev.tx_dropped",
	"net.dev.rx_nohandler", "net.dev.rx_otherhost_dropped",
};

/* The value of gauge NAME:ITEM, or -1 (and a failed check) if missing. */
static __s64 gauge_value(const char *name, const char *item)
{
	__s64 value;
	__u64 id;

	if (aggmon_find(name, item, &id) || aggmon_read1(id, &value))
		return -1;
	return value;
}

/* Possible CPUs, from /sys: "0-3" or "0". */
static int possible_cpus(void)
{
	int first = 0, last = -1;
	FILE *f = fopen("/sys/devices/system/cpu/possible", "r");

	if (!f)
		return -1;
	if (fscanf(f, "%d-%d", &first, &last) < 1)
		last = -2;
	fclose(f);
	return last == -1 ? first + 1 : last + 1;
}

static __s64 nr_running_sum(void)
{
	char item[16];
	__s64 sum = 0, v;
	int cpu, n = possible_cpus();

	for (cpu = 0; cpu < n; cpu++) {
		snprintf(item, sizeof(item), "cpu%d", cpu);
		v = gauge_value("sched.nr_running", item);
		if (v < 0)
			return -1;
		sum += v;
	}
	return sum;
}

/* /proc/loadavg's "RUNNING/THREADS" field: one of the two. */
static long loadavg_field(int threads)
{
	long running, total;
	FILE *f = fopen("/proc/loadavg", "r");
	int n;

	if (!f)
		return -1;
	n = fscanf(f, "%*s %*s %*s %ld/%ld", &running, &total);
	fclose(f);
	if (n != 2)
		return -1;
	return threads ? total : running;
}

static long loadavg_threads(void) { return loadavg_field(1); }
static long loadavg_running(void) { return loadavg_field(0); }
static __s64 tasks_gauge(void) { return gauge_value("kernel.tasks", ""); }
static __s64 files_gauge(void) { return gauge_value("fs.files", ""); }
static __s64 free_gauge(void) { return gauge_value("mm.free_pages", ""); }

static long file_nr(void)
{
	long files;
	FILE *f = fopen("/proc/sys/fs/file-nr", "r");

	if (!f)
		return -1;
	if (fscanf(f, "%ld", &files) != 1)
		files = -1;
	fclose(f);
	return files;
}

/* MemFree in pages, with vmstat's per-CPU deltas folded first. */
static long memfree_pages(void)
{
	char line[128];
	long kb = -1;
	FILE *f;

	if (aggmon_sysctl_write("/proc/sys/vm/stat_refresh", "1"))
		return -1;
	f = fopen("/proc/meminfo", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemFree: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb < 0 ? -1 : kb / (sysconf(_SC_PAGESIZE) / 1024);
}

/*
 * Read gauge, counter, gauge until the gauge holds still across the
 * counter's read; return the counter and store the gauge in *@gauge.
 */
static long settle(__s64 (*gauge)(void), long (*counter)(void), __s64 *g)
{
	__s64 g1, g2 = -1;
	long k = -1;
	int i;

	for (i = 0; i < TRIES; i++) {
		g1 = gauge();
		k = counter();
		g2 = gauge();
		if (g1 == g2 && g1 == k)
			break;
		usleep(20000);
	}
	*g = g2;
	return k;
}

TEST(listed_from_boot)
{
	char item[16];
	unsigned int i;
	int cpu, n = possible_cpus();

	ASSERT_GT(n, 0);
	EXPECT_GE(tasks_gauge(), 1);
	EXPECT_GE(files_gauge(), 1);
	EXPECT_GT(free_gauge(), 0);
	for (cpu = 0; cpu < n; cpu++) {
		snprintf(item, sizeof(item), "cpu%d", cpu);
		EXPECT_GE(gauge_value("sched.nr_running", item), 0)
			TH_LOG("sched.nr_running:%s", item);
	}
	/* One past the last possible CPU has none. */
	snprintf(item, sizeof(item), "cpu%d", n);
	EXPECT_EQ(gauge_value("sched.nr_running", item), -1);
	for (i = 0; i < ARRAY_SIZE(netdev_classes); i++)
		EXPECT_GE(gauge_value(netdev_classes[i], "lo"), 0)
			TH_LOG("net.dev class %u on lo", i);
}

TEST(tasks_equal_loadavg_threads)
{
	__s64 g;

	EXPECT_EQ(settle(tasks_gauge, loadavg_threads, &g), g);
	EXPECT_GE(g, 2);
}

TEST(nr_running_equals_loadavg_running)
{
	__s64 g;

	/* This test is running: at least 1 in both. */
	EXPECT_EQ(settle(nr_running_sum, loadavg_running, &g), g);
	EXPECT_GE(g, 1);
}

/*
 * file-nr is percpu_counter_read_positive(&nr_files): each CPU keeps up
 * to a batch (max(32, 2 * online CPUs)) of changes to itself.
 */
TEST(files_near_file_nr)
{
	long n = possible_cpus(), batch = 2 * sysconf(_SC_NPROCESSORS_ONLN);
	__s64 g1, g2 = -1;
	long k = -1;
	int i;

	if (batch < 32)
		batch = 32;
	for (i = 0; i < TRIES; i++) {
		g1 = files_gauge();
		k = file_nr();
		g2 = files_gauge();
		if (g1 == g2 && llabs(g1 - k) < batch * n)
			break;
		usleep(20000);
	}
	EXPECT_LT(llabs(g2 - k), batch * n)
		TH_LOG("fs.files %lld, file-nr %ld", (long long)g2, k);
	EXPECT_GE(g2, 3);
}

TEST(free_pages_equal_memfree)
{
	__s64 g;

	EXPECT_EQ(settle(free_gauge, memfree_pages, &g), g);
	EXPECT_GT(g, 0);
}

/*
 * An absolute statistic on NAME:ITEM and a threshold of @kind at @level
 * on it; returns the threshold's fd, the statistic's in *@stat_fd.
 */
static int watch_level(const char *name, const char *item, __u32 stat_kind,
		       __u64 period, __u32 kind, __s64 level, int *stat_fd)
{
	__u64 gid, sid, tid;
	int fd;

	if (aggmon_find(name, item, &gid))
		return -1;
	*stat_fd = stat_create(gid, stat_kind, period, 0, &sid);
	if (*stat_fd < 0)
		return -1;
	fd = threshold_create(*stat_fd, kind, level, 0, 0, 16, &tid);
	if (fd < 0)
		close(*stat_fd);
	return fd;
}

/* The first event of @fd within 10 s, or type ~0 if none came. */
static struct aggmon_event first_event(int fd)
{
	struct aggmon_event ev = { .type = ~0U };
	struct pollfd p = { .fd = fd, .events = POLLIN };

	if (poll(&p, 1, 10000) == 1 && read_events(fd, &ev, 1) != sizeof(ev))
		ev.type = ~0U;
	return ev;
}

/* @n children that wait for the pipe to close; their pids in @pids. */
static int spawn_waiters(pid_t *pids, int n, int spin)
{
	int p[2], i;
	char c;

	if (pipe(p))
		return -1;
	for (i = 0; i < n; i++) {
		pids[i] = fork();
		if (pids[i] < 0)
			return -1;
		if (pids[i] == 0) {
			close(p[1]);
			if (spin)
				for (;;)
					;
			(void)!read(p[0], &c, 1);
			_exit(0);
		}
	}
	close(p[0]);
	return p[1];
}

static void reap(pid_t *pids, int n, int pipe_fd)
{
	int i;

	close(pipe_fd);
	for (i = 0; i < n; i++) {
		kill(pids[i], SIGKILL);
		waitpid(pids[i], NULL, 0);
	}
}

TEST(tasks_threshold_fires_at_the_fork)
{
	pid_t pids[8];
	struct aggmon_event ev;
	__s64 level = tasks_gauge() + 4;
	int sfd, fd, pfd;

	fd = watch_level("kernel.tasks", "", ABSOLUTE, 0, ABOVE, level, &sfd);
	ASSERT_GE(fd, 0);
	pfd = spawn_waiters(pids, 8, 0);
	ASSERT_GE(pfd, 0);
	ev = first_event(fd);
	reap(pids, 8, pfd);
	EXPECT_EQ(ev.type, FIRED);
	EXPECT_EQ(ev.flags, 0U);
	/* The count moves by one: the crossing update makes it the level. */
	EXPECT_EQ(ev.value, level);
	close(fd);
	close(sfd);
}

TEST(files_threshold_fires_at_the_open)
{
	struct aggmon_event ev;
	__s64 level = files_gauge() + 5;
	int sfd, fd, fds[10], i;

	fd = watch_level("fs.files", "", ABSOLUTE, 0, ABOVE, level, &sfd);
	ASSERT_GE(fd, 0);
	for (i = 0; i < 10; i++)
		fds[i] = open("/dev/null", O_RDONLY);
	ev = first_event(fd);
	for (i = 0; i < 10; i++)
		close(fds[i]);
	EXPECT_EQ(ev.type, FIRED);
	EXPECT_EQ(ev.flags, 0U);
	EXPECT_EQ(ev.value, level);
	close(fd);
	close(sfd);
}

TEST(nr_running_threshold_fires_on_its_cpu)
{
	int cpu = sysconf(_SC_NPROCESSORS_ONLN) - 1, sfd, fd, pfd;
	struct aggmon_event ev;
	char item[16];
	cpu_set_t set;
	pid_t pids[4];

	snprintf(item, sizeof(item), "cpu%d", cpu);
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	ASSERT_EQ(sched_setaffinity(0, sizeof(set), &set), 0);
	/* Four spinners on one CPU: its run queue passes 3 going up. */
	fd = watch_level("sched.nr_running", item, ABSOLUTE, 0, ABOVE, 3, &sfd);
	ASSERT_GE(fd, 0);
	pfd = spawn_waiters(pids, 4, 1);
	ASSERT_GE(pfd, 0);
	ev = first_event(fd);
	reap(pids, 4, pfd);
	EXPECT_EQ(ev.type, FIRED);
	EXPECT_EQ(ev.flags, 0U);
	EXPECT_EQ(ev.value, 3);
	close(fd);
	close(sfd);
}

TEST(free_pages_threshold_fires_at_the_allocation)
{
	size_t size = 64 << 20;
	long page = sysconf(_SC_PAGESIZE);
	__s64 level = free_gauge() - (32 << 20) / page;
	struct aggmon_event ev;
	int sfd, fd;
	void *p;

	fd = watch_level("mm.free_pages", "", ABSOLUTE, 0, BELOW, level, &sfd);
	ASSERT_GE(fd, 0);
	p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	ASSERT_NE(p, MAP_FAILED);
	ev = first_event(fd);
	munmap(p, size);
	EXPECT_EQ(ev.type, FIRED);
	EXPECT_EQ(ev.flags, 0U);
	/* At or below the level, by less than the largest step. */
	EXPECT_LE(ev.value, level);
	EXPECT_GT(ev.value, level - MAX_FREE_STEP);
	close(fd);
	close(sfd);
}

static int lo_up(void)
{
	struct ifreq ifr = { .ifr_name = "lo" };
	int s = socket(AF_INET, SOCK_DGRAM, 0), ret = -1;

	if (s < 0)
		return -1;
	if (!ioctl(s, SIOCGIFFLAGS, &ifr)) {
		ifr.ifr_flags |= IFF_UP;
		ret = ioctl(s, SIOCSIFFLAGS, &ifr);
	}
	close(s);
	return ret;
}

/* Sends @n datagrams of @len bytes from and to 127.0.0.1. */
static int udp_flood(int n, size_t len)
{
	struct sockaddr_in a = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	socklen_t alen = sizeof(a);
	char buf[1024] = { 0 };
	int s = socket(AF_INET, SOCK_DGRAM, 0), i;

	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) ||
	    getsockname(s, (struct sockaddr *)&a, &alen))
		return -1;
	for (i = 0; i < n; i++) {
		if (sendto(s, buf, len, 0, (struct sockaddr *)&a, alen) < 0)
			break;
		/* Keep the socket's queue from filling: read back. */
		(void)!recv(s, buf, sizeof(buf), MSG_DONTWAIT);
	}
	close(s);
	return i;
}

static const char *lo_field;
static __s64 lo_gauge(void)
{
	char name[64];

	snprintf(name, sizeof(name), "net.dev.%s", lo_field);
	return gauge_value(name, "lo");
}

static long lo_stat(const char *field)
{
	char path[128];
	long v;

	snprintf(path, sizeof(path), "/sys/class/net/lo/statistics/%s", field);
	return aggmon_sysctl_read(path, &v) ? -1 : v;
}

/* lo's counter, its bytes with the header the gauge counts (14 each). */
static long lo_counter(void)
{
	if (!strcmp(lo_field, "rx_bytes"))
		return lo_stat("rx_bytes") + 14 * lo_stat("rx_packets");
	if (!strcmp(lo_field, "tx_bytes"))
		return lo_stat("tx_bytes") + 14 * lo_stat("tx_packets");
	return lo_stat(lo_field);
}

TEST(loopback_flood_passes_a_rate_and_counts_as_lo)
{
	static const char *const fields[] = {
		"rx_packets", "rx_bytes", "tx_packets", "tx_bytes",
		"rx_dropped", "tx_dropped", "rx_nohandler",
	};
	struct aggmon_event ev;
	unsigned int i;
	int sfd, fd;
	__s64 g;

	ASSERT_EQ(lo_up(), 0);
	/* 200 packets in 100 ms is a flood under TCG, idle lo none. */
	fd = watch_level("net.dev.tx_packets", "lo", RATE, 100 * NSEC_PER_MSEC,
			 ABOVE, 200, &sfd);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(udp_flood(20000, 100), 20000);
	ev = first_event(fd);
	EXPECT_EQ(ev.type, FIRED);
	EXPECT_GE(ev.value, 200);
	close(fd);
	close(sfd);

	for (i = 0; i < ARRAY_SIZE(fields); i++) {
		lo_field = fields[i];
		EXPECT_EQ(settle(lo_gauge, lo_counter, &g), g)
			TH_LOG("net.dev.%s:lo", fields[i]);
	}
	lo_field = "tx_packets";
	EXPECT_GE(lo_gauge(), 20000);
}

TEST_HARNESS_MAIN

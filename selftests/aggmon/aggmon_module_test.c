// SPDX-License-Identifier: GPL-2.0
/*
 * aggmon selftests - a module removed while it is watched
 *
 * The sample modules (samples/aggmon) publish gauges and kernel
 * aggregations and update them from a timer and from work items.  Each
 * test loads one, watches what it publishes from userspace (statistics,
 * thresholds, aggregations of its gauge, an open kernel aggregation),
 * removes the module while all that is open, and checks what every
 * watcher sees: each threshold gets its events and then one GONE record,
 * the statistics and aggregations say GONE, the aggregations keep what
 * they had gathered, and nothing of the module answers by name or id.
 * Loading the module again publishes fresh gauges under new ids, which
 * the old watchers do not follow.
 *
 * With kmemleak in the kernel (the QEMU test kernel has it), the last
 * test repeats the cycle and then asks kmemleak for objects that were
 * allocated by aggmon and are no longer referenced.
 *
 * The modules are looked for in AGGMON_MODULE_DIR (default /lib/aggmon,
 * where scripts/initramfs.sh puts them); without them the tests skip.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "aggmon_stat_helpers.h"
#include "aggmon_agg_helpers.h"

#define QUEUE_MOD	"aggmon_threshold_sample"
#define TIMING_MOD	"aggmon_timing_sample"
#define QUEUE_GAUGE	"sample.queue"
#define WORK_AGG	"sample.work_ns"
#define KMEMLEAK	"/sys/kernel/debug/kmemleak"

/* Cycles of the leak test: each loads, watches and removes the module. */
#define LEAK_CYCLES	8

/* How long to wait for a sample's timer to move its gauges. */
#define WAIT_MS		5000

static const char *module_dir(void)
{
	const char *dir = getenv("AGGMON_MODULE_DIR");

	return dir ? dir : "/lib/aggmon";
}

/* finit_module(): 0, or -1 with errno. */
static int load_module(const char *name)
{
	char path[256];
	int fd, ret, err;

	snprintf(path, sizeof(path), "%s/%s.ko", module_dir(), name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ret = syscall(SYS_finit_module, fd, "", 0);
	err = errno;
	close(fd);
	errno = err;
	return ret;
}

static int unload_module(const char *name)
{
	return syscall(SYS_delete_module, name, O_NONBLOCK);
}

static void load_ok(struct __test_metadata *_metadata, const char *name)
{
	ASSERT_EQ(0, load_module(name))
		TH_LOG("load %s: %s", name, strerror(errno));
}

static void unload_ok(struct __test_metadata *_metadata, const char *name)
{
	ASSERT_EQ(0, unload_module(name))
		TH_LOG("remove %s: %s", name, strerror(errno));
}

static bool have_module(const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s.ko", module_dir(), name);
	return access(path, R_OK) == 0;
}

/* Waits until a snapshot of the aggregation @fd has a record. */
static void wait_for_records(struct __test_metadata *_metadata, int fd)
{
	struct agg_snap s;
	size_t nrec;
	int i;

	for (i = 0; i < WAIT_MS / 20; i++) {
		ASSERT_EQ(0, agg_snapshot_all(fd, 0, 0, &s));
		nrec = s.nrec;
		agg_snap_free(&s);
		if (nrec)
			return;
		usleep(20 * 1000);
	}
	ASSERT_LT(0u, nrec) TH_LOG("nothing aggregated in %d ms", WAIT_MS);
}

/* Everything one cycle watches on the queue sample's gauge "a". */
struct watchers {
	__u64 gid;
	int abs, hwm;		/* statistics */
	__u64 abs_id, hwm_id;
	int above, below;	/* thresholds on abs and hwm */
	__u64 above_id, below_id;
	int count;		/* an aggregation of the gauge's changes */
};

static void watch_queue(struct __test_metadata *_metadata, struct watchers *w)
{
	struct aggmon_agg_create_attr attr;
	struct pollfd pfd;

	ASSERT_EQ(0, aggmon_find(QUEUE_GAUGE, "a", &w->gid))
		TH_LOG("%s:a: %s", QUEUE_GAUGE, strerror(errno));
	w->abs = stat_create(w->gid, ABSOLUTE, 0, 0, &w->abs_id);
	ASSERT_LE(0, w->abs);
	w->hwm = stat_create(w->gid, HWM, 0, 0, &w->hwm_id);
	ASSERT_LE(0, w->hwm);
	/* Queue a goes up and down between 0 and 100, a step each 10 ms. */
	w->above = threshold_create(w->abs, ABOVE, 2, 0, 0, 0, &w->above_id);
	ASSERT_LE(0, w->above);
	/* Never crossed: only GONE will come. */
	w->below = threshold_create(w->hwm, BELOW, -1, 0, 0, 0, &w->below_id);
	ASSERT_LE(0, w->below);
	ASSERT_EQ(0, set_nonblock(w->above, 1));
	ASSERT_EQ(0, set_nonblock(w->below, 1));
	agg_attr_init(&attr, "kselftest.module", AGGMON_AGG_COUNT,
		      AGGMON_AGG_SRC_GAUGE_DELTA, w->gid);
	w->count = agg_create(&attr);
	ASSERT_LE(0, w->count) TH_LOG("agg: %s", strerror(errno));

	/* The module's timer crosses the threshold: the gauge is live. */
	pfd.fd = w->above;
	pfd.events = POLLIN;
	ASSERT_EQ(1, poll(&pfd, 1, WAIT_MS));
	/* And the aggregation has counted a change (the timer's next). */
	wait_for_records(_metadata, w->count);
}

/* Reads every record of @fd; the last must be GONE, then ENODEV. */
static void check_gone_after(struct __test_metadata *_metadata, int fd,
			     __u64 gid, __u64 stat_id, __u64 threshold_id,
			     unsigned int min_events)
{
	struct aggmon_event e[64];
	unsigned int n = 0, i, got;
	bool gone = false;
	ssize_t len;

	while (!gone) {
		len = read_events(fd, e, 64);
		ASSERT_LT(0, len) TH_LOG("read: %s after %u records",
					 strerror(errno), n);
		ASSERT_EQ(0, len % (ssize_t)sizeof(e[0]));
		got = len / sizeof(e[0]);
		for (i = 0; i < got; i++, n++) {
			ASSERT_FALSE(gone) TH_LOG("a record after GONE");
			ASSERT_EQ(gid, e[i].gauge_id);
			ASSERT_EQ(stat_id, e[i].stat_id);
			ASSERT_EQ(threshold_id, e[i].threshold_id);
			ASSERT_EQ(n + 1, e[i].seq);
			gone = e[i].type == GONE;
		}
	}
	ASSERT_LE(min_events + 1, n) TH_LOG("%u records", n);
	ASSERT_EQ(-1, read_events(fd, e, 1));
	ASSERT_EQ(ENODEV, errno);
}

/* Checks what @w sees once the module is gone, and closes it. */
static void check_watchers_gone(struct __test_metadata *_metadata,
				struct watchers *w)
{
	struct aggmon_gauge_info ginfo;
	struct aggmon_stat_info sinfo;
	struct agg_snap s;
	__u64 id;

	ASSERT_EQ(-1, aggmon_info(w->gid, &ginfo));
	ASSERT_EQ(ENOENT, errno);
	check_gone_after(_metadata, w->above, w->gid, w->abs_id, w->above_id, 1);
	check_gone_after(_metadata, w->below, w->gid, w->hwm_id, w->below_id, 0);
	ASSERT_EQ(-1, stat_info(w->abs, &sinfo));
	ASSERT_EQ(ENODEV, errno);
	ASSERT_EQ(AGGMON_STAT_GONE, sinfo.state);
	ASSERT_EQ(w->gid, sinfo.gauge_id);
	ASSERT_EQ(-1, stat_info(w->hwm, &sinfo));
	ASSERT_EQ(ENODEV, errno);
	ASSERT_EQ(-1, threshold_create(w->abs, ABOVE, 1, 0, 0, 0, &id));
	ASSERT_EQ(ENODEV, errno);

	/* The aggregation is GONE and keeps the changes it counted. */
	ASSERT_EQ(0, agg_snapshot_all(w->count, 0, 0, &s));
	ASSERT_EQ((__u32)AGGMON_AGG_GONE, s.info.state);
	ASSERT_EQ(w->gid, s.info.gauge_id);
	ASSERT_LE(1u, s.nrec);
	agg_snap_free(&s);

	close(w->above);
	close(w->below);
	close(w->abs);
	close(w->hwm);
	close(w->count);
}

/*
 * The queue sample removed under statistics, thresholds and an
 * aggregation of its gauge; loaded again, its gauges are new ones.
 */
TEST(queue_sample_removed_while_watched)
{
	struct watchers w;
	__u64 gid_b, again, id;
	int fd;

	if (!have_module(QUEUE_MOD))
		SKIP(return, "no %s/%s.ko", module_dir(), QUEUE_MOD);
	unload_module(QUEUE_MOD);
	load_ok(_metadata, QUEUE_MOD);
	watch_queue(_metadata, &w);
	ASSERT_EQ(0, aggmon_find(QUEUE_GAUGE, "b", &gid_b));

	/* Removal does not wait for the watchers, nor fail for them. */
	unload_ok(_metadata, QUEUE_MOD);
	ASSERT_EQ(-1, aggmon_find(QUEUE_GAUGE, "a", &id));
	ASSERT_EQ(ENOENT, errno);
	ASSERT_EQ(0, aggmon_listed(w.gid));
	ASSERT_EQ(0, aggmon_listed(gid_b));
	check_watchers_gone(_metadata, &w);

	/* Again: fresh gauges, which a new statistic can watch. */
	load_ok(_metadata, QUEUE_MOD);
	ASSERT_EQ(0, aggmon_find(QUEUE_GAUGE, "a", &again));
	ASSERT_NE(w.gid, again);
	ASSERT_NE(gid_b, again);
	fd = stat_create(again, ABSOLUTE, 0, 0, &id);
	ASSERT_LE(0, fd);
	unload_ok(_metadata, QUEUE_MOD);
	close(fd);
}

/*
 * The timing sample's kernel aggregation, open in userspace when the
 * module goes: it stays readable, marked GONE, with what it gathered,
 * and neither its name nor its id opens it again.  The next load's
 * aggregation is another one, found by name; its id is the hash of the
 * name again (agg.c), so only the state tells the two apart.
 */
TEST(timing_sample_removed_while_open)
{
	struct aggmon_agg_info info;
	struct agg_snap s;
	__u64 old_id;
	int fd, fd2;

	if (!have_module(TIMING_MOD))
		SKIP(return, "no %s/%s.ko", module_dir(), TIMING_MOD);
	unload_module(TIMING_MOD);
	load_ok(_metadata, TIMING_MOD);
	fd = agg_open(0, WORK_AGG);
	ASSERT_LE(0, fd) TH_LOG("open %s: %s", WORK_AGG, strerror(errno));
	ASSERT_EQ(0, agg_info(fd, &info));
	ASSERT_EQ(0u, info.state);
	old_id = info.id;
	/* Work items run every 100 ms: wait for one to be timed. */
	wait_for_records(_metadata, fd);

	unload_ok(_metadata, TIMING_MOD);
	ASSERT_EQ(0, agg_snapshot_all(fd, 0, 0, &s));
	ASSERT_EQ((__u32)AGGMON_AGG_GONE, s.info.state);
	ASSERT_EQ(old_id, s.info.id);
	ASSERT_LT(0u, s.nrec);
	agg_snap_free(&s);
	ASSERT_EQ(-1, agg_open(0, WORK_AGG));
	ASSERT_EQ(ENOENT, errno);
	ASSERT_EQ(-1, agg_open(old_id, NULL));
	ASSERT_EQ(ENOENT, errno);

	load_ok(_metadata, TIMING_MOD);
	fd2 = agg_open(0, WORK_AGG);
	ASSERT_LE(0, fd2);
	ASSERT_EQ(0, agg_info(fd2, &info));
	ASSERT_EQ(0u, info.state);
	ASSERT_EQ(0, agg_info(fd, &info));
	ASSERT_EQ((__u32)AGGMON_AGG_GONE, info.state);
	unload_ok(_metadata, TIMING_MOD);
	ASSERT_EQ(0, agg_info(fd2, &info));
	ASSERT_EQ((__u32)AGGMON_AGG_GONE, info.state);
	close(fd2);
	close(fd);
}

/* Writes @cmd to kmemleak's file. */
static int kmemleak_cmd(const char *cmd)
{
	return aggmon_sysctl_write(KMEMLEAK, cmd);
}

/*
 * The suspects kmemleak reports now whose allocation went through aggmon
 * (a frame of its backtrace names an aggmon function: not the comm
 * line, which names this test); each is logged.  -1 on error.
 */
static int kmemleak_aggmon_suspects(struct __test_metadata *_metadata)
{
	char line[512], first[512] = "";
	bool ours = false;
	int n = 0;
	FILE *f;

	f = fopen(KMEMLEAK, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "unreferenced object", 19)) {
			n += ours;
			ours = false;
			snprintf(first, sizeof(first), "%s", line);
		} else if (strstr(line, "[<") && strstr(line, "aggmon") &&
			   !ours) {
			ours = true;
			TH_LOG("%s  %s", first, line);
		}
	}
	n += ours;
	fclose(f);
	return n;
}

/*
 * LEAK_CYCLES loads and removals, each watched as the tests above watch
 * them, then one kmemleak scan: no object that aggmon allocated is left
 * unreferenced.  Suspects from before the test are cleared first.
 * kmemleak reports only objects older than 5 s: the test waits that out.
 * Two scans of a debug kernel's memory under TCG take tens of seconds
 * when the host is busy: the test has 180 s, not the harness's 30.
 */
FIXTURE(leaks) {};

FIXTURE_SETUP(leaks)
{
}

FIXTURE_TEARDOWN(leaks)
{
}

TEST_F_TIMEOUT(leaks, no_leak_after_removals, 180)
{
	struct watchers w;
	int i, fd;

	if (!have_module(QUEUE_MOD) || !have_module(TIMING_MOD))
		SKIP(return, "no sample modules in %s", module_dir());
	if (access(KMEMLEAK, F_OK))
		mount("debugfs", "/sys/kernel/debug", "debugfs", 0, NULL);
	if (access(KMEMLEAK, W_OK))
		SKIP(return, "no %s (CONFIG_DEBUG_KMEMLEAK)", KMEMLEAK);
	ASSERT_EQ(0, kmemleak_cmd("scan"));
	ASSERT_EQ(0, kmemleak_cmd("clear"));

	unload_module(QUEUE_MOD);
	unload_module(TIMING_MOD);
	for (i = 0; i < LEAK_CYCLES; i++) {
		load_ok(_metadata, QUEUE_MOD);
		load_ok(_metadata, TIMING_MOD);
		watch_queue(_metadata, &w);
		fd = agg_open(0, WORK_AGG);
		ASSERT_LE(0, fd);
		unload_ok(_metadata, TIMING_MOD);
		unload_ok(_metadata, QUEUE_MOD);
		check_watchers_gone(_metadata, &w);
		close(fd);
	}
	sleep(6);
	ASSERT_EQ(0, kmemleak_cmd("scan"));
	ASSERT_EQ(0, kmemleak_aggmon_suspects(_metadata));
}

TEST_HARNESS_MAIN

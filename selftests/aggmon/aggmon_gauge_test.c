// SPDX-License-Identifier: GPL-2.0
/*
 * aggmon selftests - user gauge lifecycle, the kernel sample gauges,
 * permissions, the per-user limit and concurrent updates.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "aggmon_helpers.h"

#define ASSERT_VALUE(id, expected)					\
	do {								\
		__s64 __v = 0;						\
		ASSERT_EQ(0, aggmon_read1((id), &__v));			\
		ASSERT_EQ((__s64)(expected), __v);			\
	} while (0)

#define ASSERT_GONE(id)							\
	do {								\
		struct aggmon_gauge_info __info;			\
		ASSERT_EQ(-1, aggmon_info((id), &__info));		\
		ASSERT_EQ(ENOENT, errno);				\
	} while (0)

/* A name of this process, so that runs in parallel do not collide. */
static void pid_name(char name[AGGMON_NAME_LEN], const char *prefix)
{
	snprintf(name, AGGMON_NAME_LEN, "%s.p%d", prefix, (int)getpid());
}

/*
 * CREATE returns a close-on-exec fd and a new non-zero id; the gauge is
 * described by INFO (kind USER), listed by LIST and read by READ.
 */
TEST(create)
{
	struct aggmon_gauge_info info;
	char name[AGGMON_NAME_LEN];
	__u64 id = 0;
	int fd, flags;

	pid_name(name, "user.kselftest.create");
	fd = aggmon_create(name, "eth0", "packets", 12345, &id);
	ASSERT_LE(0, fd);
	ASSERT_NE(0ULL, id);
	flags = fcntl(fd, F_GETFD);
	ASSERT_LE(0, flags);
	ASSERT_EQ(FD_CLOEXEC, flags & FD_CLOEXEC);

	ASSERT_EQ(0, aggmon_info(id, &info));
	ASSERT_EQ(id, info.id);
	ASSERT_EQ((__u32)AGGMON_GAUGE_USER, info.kind);
	ASSERT_STREQ(name, info.name);
	ASSERT_STREQ("eth0", info.item);
	ASSERT_STREQ("packets", info.unit);
	ASSERT_EQ(1, aggmon_listed(id));
	ASSERT_VALUE(id, 12345);
	ASSERT_EQ(0, close(fd));
}

/* The initial value is read back exactly, extremes included. */
TEST(initial_values)
{
	static const __s64 values[] = {
		0, 1, -1, -123456789012LL, INT64_MIN + 1, INT64_MAX,
	};
	char name[AGGMON_NAME_LEN], item[AGGMON_ITEM_LEN];
	__u64 id = 0;
	size_t i;
	int fd;

	pid_name(name, "user.kselftest.initial");
	for (i = 0; i < ARRAY_SIZE(values); i++) {
		snprintf(item, sizeof(item), "v%zu", i);
		fd = aggmon_create(name, item, "", values[i], &id);
		ASSERT_LE(0, fd);
		ASSERT_VALUE(id, values[i]);
		ASSERT_EQ(0, close(fd));
	}
}

/*
 * The same name and item twice while the first is open: EEXIST; another
 * item, or the same item under another name, is fine.
 */
TEST(exists)
{
	char name[AGGMON_NAME_LEN], other[AGGMON_NAME_LEN];
	__u64 id1 = 0, id2 = 0, id3 = 0, id = 0;
	int fd1, fd2, fd3;

	pid_name(name, "user.kselftest.exists");
	pid_name(other, "user.kselftest.exists_other");
	fd1 = aggmon_create(name, "a", "", 1, &id1);
	ASSERT_LE(0, fd1);
	ASSERT_EQ(-1, aggmon_create(name, "a", "", 2, &id));
	ASSERT_EQ(EEXIST, errno);
	ASSERT_EQ(-1, aggmon_create(name, "a", "other_unit", 2, &id));
	ASSERT_EQ(EEXIST, errno);

	fd2 = aggmon_create(name, "b", "", 2, &id2);
	ASSERT_LE(0, fd2);
	fd3 = aggmon_create(other, "a", "", 3, &id3);
	ASSERT_LE(0, fd3);
	ASSERT_NE(id1, id2);
	ASSERT_NE(id1, id3);
	ASSERT_NE(id2, id3);

	/* The failed creations did not touch the first gauge. */
	ASSERT_VALUE(id1, 1);
	ASSERT_EQ(0, aggmon_find(name, "a", &id));
	ASSERT_EQ(id1, id);
	ASSERT_EQ(0, close(fd1));
	ASSERT_EQ(0, close(fd2));
	ASSERT_EQ(0, close(fd3));
}

/*
 * Once closed, a name can be created again; the new gauge gets a higher id
 * (ids are not reused soon) and the old id stays unknown.
 */
TEST(recreate)
{
	char name[AGGMON_NAME_LEN];
	__u64 id1 = 0, id2 = 0, id = 0;
	int fd;

	pid_name(name, "user.kselftest.recreate");
	fd = aggmon_create(name, "x", "", 1, &id1);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, close(fd));
	ASSERT_GONE(id1);

	fd = aggmon_create(name, "x", "", 2, &id2);
	ASSERT_LE(0, fd);
	ASSERT_LT(id1, id2);
	ASSERT_GONE(id1);
	ASSERT_VALUE(id2, 2);
	ASSERT_EQ(0, aggmon_find(name, "x", &id));
	ASSERT_EQ(id2, id);
	ASSERT_EQ(0, close(fd));
}

/* ADD adds (negative too) and SET sets: exact values after each step. */
TEST(update_sequence)
{
	static const struct {
		__u32 op;
		__s64 value;
		__s64 expected;
	} steps[] = {
		{ AGGMON_UPDATE_ADD, 10, 15 },
		{ AGGMON_UPDATE_ADD, -20, -5 },
		{ AGGMON_UPDATE_SET, 100, 100 },
		{ AGGMON_UPDATE_ADD, 1, 101 },
		{ AGGMON_UPDATE_ADD, 0, 101 },
		{ AGGMON_UPDATE_SET, INT64_MAX, INT64_MAX },
		{ AGGMON_UPDATE_ADD, -INT64_MAX, 0 },
		{ AGGMON_UPDATE_SET, INT64_MIN + 1, INT64_MIN + 1 },
		{ AGGMON_UPDATE_SET, -7, -7 },
	};
	char name[AGGMON_NAME_LEN];
	__u64 id = 0;
	size_t i;
	int fd;

	pid_name(name, "user.kselftest.update");
	fd = aggmon_create(name, "", "", 5, &id);
	ASSERT_LE(0, fd);
	ASSERT_VALUE(id, 5);
	for (i = 0; i < ARRAY_SIZE(steps); i++) {
		ASSERT_EQ(0, aggmon_update(fd, steps[i].op, steps[i].value));
		ASSERT_VALUE(id, steps[i].expected);
	}
	ASSERT_EQ(0, close(fd));
}

/*
 * Closing the fd removes the gauge: INFO, READ and the name lookup give
 * ENOENT, LIST no longer shows it, and UPDATE through the old fd number
 * is EBADF.
 */
TEST(close_removes)
{
	char name[AGGMON_NAME_LEN];
	__u64 id = 0, found = 0;
	__s64 value = 77;
	int fd;

	pid_name(name, "user.kselftest.close");
	fd = aggmon_create(name, "", "", 1, &id);
	ASSERT_LE(0, fd);
	ASSERT_EQ(1, aggmon_listed(id));
	ASSERT_EQ(0, close(fd));

	ASSERT_GONE(id);
	ASSERT_EQ(-1, aggmon_read1(id, &value));
	ASSERT_EQ(ENOENT, errno);
	ASSERT_EQ(77, value);
	ASSERT_EQ(-1, aggmon_find(name, "", &found));
	ASSERT_EQ(ENOENT, errno);
	ASSERT_EQ(0, aggmon_listed(id));
	ASSERT_EQ(-1, aggmon_update(fd, AGGMON_UPDATE_ADD, 1));
	ASSERT_EQ(EBADF, errno);
}

/* A dup()ed fd keeps the gauge alive, and updatable, until both are closed. */
TEST(dup_keeps_alive)
{
	char name[AGGMON_NAME_LEN];
	__u64 id = 0;
	int fd, fd2;

	pid_name(name, "user.kselftest.dup");
	fd = aggmon_create(name, "", "", 10, &id);
	ASSERT_LE(0, fd);
	fd2 = dup(fd);
	ASSERT_LE(0, fd2);

	ASSERT_EQ(0, aggmon_update(fd2, AGGMON_UPDATE_ADD, 1));
	ASSERT_EQ(0, close(fd));
	ASSERT_VALUE(id, 11);
	ASSERT_EQ(1, aggmon_listed(id));
	ASSERT_EQ(0, aggmon_update(fd2, AGGMON_UPDATE_ADD, 1));
	ASSERT_VALUE(id, 12);

	ASSERT_EQ(0, close(fd2));
	ASSERT_GONE(id);
	ASSERT_EQ(0, aggmon_listed(id));
}

/*
 * A gauge created by a child that exits without closing its fd is there
 * while the child lives and gone once waitpid() returns.
 */
TEST(child_exit_removes)
{
	struct aggmon_gauge_info info;
	int to_parent[2], to_child[2];
	char name[AGGMON_NAME_LEN];
	__u64 id = 0;
	char c = 0;
	pid_t pid;

	pid_name(name, "user.kselftest.child");
	ASSERT_EQ(0, pipe2(to_parent, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(to_child, O_CLOEXEC));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		int fd = aggmon_create(name, "", "", 99, &id);

		if (fd < 0)
			id = 0;
		if (write(to_parent[1], &id, sizeof(id)) != sizeof(id))
			_exit(1);
		/* Wait for the parent, then exit with the fd still open. */
		if (read(to_child[0], &c, 1) != 1)
			_exit(1);
		_exit(fd < 0);
	}
	close(to_parent[1]);
	close(to_child[0]);

	ASSERT_EQ((ssize_t)sizeof(id), read(to_parent[0], &id, sizeof(id)));
	ASSERT_NE(0ULL, id);
	ASSERT_EQ(0, aggmon_info(id, &info));
	ASSERT_STREQ(name, info.name);
	ASSERT_VALUE(id, 99);

	ASSERT_EQ(1, write(to_child[1], &c, 1));
	ASSERT_EQ(0, aggmon_wait_child(pid));
	ASSERT_GONE(id);
	ASSERT_EQ(0, aggmon_listed(id));
	close(to_parent[0]);
	close(to_child[1]);
}

/* Finds a kernel sample gauge and checks its description. */
static __u64 sample_gauge(struct __test_metadata *_metadata, const char *item)
{
	struct aggmon_gauge_info info;
	__u64 id = 0;

	ASSERT_EQ(0, aggmon_find("sample.ticks", item, &id)) {
		TH_LOG("sample.ticks/%s: %s (CONFIG_SAMPLE_AGGMON?)",
		       item, strerror(errno));
	}
	ASSERT_NE(0ULL, id);
	ASSERT_EQ(0, aggmon_info(id, &info));
	ASSERT_EQ(id, info.id);
	ASSERT_EQ((__u32)AGGMON_GAUGE_KERNEL, info.kind);
	ASSERT_STREQ("sample.ticks", info.name);
	ASSERT_STREQ(item, info.item);
	ASSERT_STREQ("ticks", info.unit);
	ASSERT_EQ(1, aggmon_listed(id));
	return id;
}

/*
 * The sample module's "sample.ticks" gauges, "timer" (timer_list, 10 ms)
 * and "hrtimer" (1 ms), are kernel gauges in ticks and both strictly
 * increase within 200 ms.
 */
TEST(kernel_samples)
{
	__u64 ids[2];
	__s64 before[2] = { 0, 0 }, after[2] = { 0, 0 };
	struct aggmon_gauge_read_attr attr = {
		.ids = aggmon_ptr(ids),
		.count = 2,
	};
	int i;

	ids[0] = sample_gauge(_metadata, "timer");
	ids[1] = sample_gauge(_metadata, "hrtimer");
	ASSERT_NE(ids[0], ids[1]);

	attr.values = aggmon_ptr(before);
	ASSERT_EQ(0, sys_aggmon(AGGMON_GAUGE_READ, &attr, sizeof(attr)));
	usleep(200 * 1000);
	attr.values = aggmon_ptr(after);
	ASSERT_EQ(0, sys_aggmon(AGGMON_GAUGE_READ, &attr, sizeof(attr)));
	for (i = 0; i < 2; i++) {
		ASSERT_LT(before[i], after[i]) {
			TH_LOG("%s: %lld -> %lld", i ? "hrtimer" : "timer",
			       (long long)before[i], (long long)after[i]);
		}
	}
}

/*
 * Permissions.  The parent (root) sets kernel.aggmon_paranoid and owns a
 * gauge; a forked child drops to uid/gid 65534, which clears all
 * capabilities.  The original level is restored by the parent.
 */
#define PERM_NAME	"user.kselftest.perm"

FIXTURE(paranoid) {
	long saved;
	int fd;
	__u64 id;
	char item[AGGMON_ITEM_LEN];
};

FIXTURE_SETUP(paranoid)
{
	ASSERT_EQ(0, aggmon_sysctl_read(AGGMON_PARANOID_SYSCTL, &self->saved));
	aggmon_pid_item(self->item, "");
	self->fd = aggmon_create(PERM_NAME, self->item, "perms", 100,
				 &self->id);
	ASSERT_LE(0, self->fd);
}

/* In the parent: runs even when the test (or one of its children) dies. */
FIXTURE_TEARDOWN_PARENT(paranoid)
{
	EXPECT_EQ(0, aggmon_sysctl_write_long(AGGMON_PARANOID_SYSCTL,
					      self->saved));
}

static void set_paranoid(struct __test_metadata *_metadata, long level)
{
	long now = -1;

	ASSERT_EQ(0, aggmon_sysctl_write_long(AGGMON_PARANOID_SYSCTL, level));
	ASSERT_EQ(0, aggmon_sysctl_read(AGGMON_PARANOID_SYSCTL, &now));
	ASSERT_EQ(level, now);
}

/* The default level is 2. */
TEST_F(paranoid, default_level)
{
	ASSERT_EQ(2, self->saved);
}

/* Only 0, 1 and 2 can be written: 3 or -1 fail with EINVAL on write(). */
TEST_F(paranoid, sysctl_range)
{
	set_paranoid(_metadata, 1);
	aggmon_check_sysctl_range(_metadata, AGGMON_PARANOID_SYSCTL, 0, 2, 2);
}

/*
 * Level 2: without CAP_PERFMON and CAP_SYS_ADMIN, LIST, INFO (by id and by
 * name), READ and CREATE are EACCES; UPDATE through an fd the process
 * already holds still works.
 */
TEST_F(paranoid, level2_unprivileged)
{
	pid_t pid;

	set_paranoid(_metadata, 2);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct aggmon_gauge_list_attr list = { .count = 1 };
		struct aggmon_gauge_info info;
		__u64 ids[1], id = 0;
		__s64 value = 0;

		EXPECT_EQ(0, aggmon_drop_privileges());
		CHILD_BAIL();
		list.ids = aggmon_ptr(ids);
		EXPECT_EQ(-1, sys_aggmon(AGGMON_GAUGE_LIST, &list, sizeof(list)));
		EXPECT_EQ(EACCES, errno);
		EXPECT_EQ(-1, aggmon_info(self->id, &info));
		EXPECT_EQ(EACCES, errno);
		EXPECT_EQ(-1, aggmon_find(PERM_NAME, self->item, &id));
		EXPECT_EQ(EACCES, errno);
		EXPECT_EQ(-1, aggmon_read1(self->id, &value));
		EXPECT_EQ(EACCES, errno);
		EXPECT_EQ(-1, aggmon_create("user.kselftest.perm_child",
					    self->item, "", 0, &id));
		EXPECT_EQ(EACCES, errno);
		/* The inherited fd is the permission. */
		EXPECT_EQ(0, aggmon_update(self->fd, AGGMON_UPDATE_ADD, 5));
		EXPECT_EQ(0, aggmon_update(self->fd, AGGMON_UPDATE_ADD, 2));
		CHILD_EXIT();
	}
	ASSERT_EQ(0, aggmon_wait_child(pid));
	ASSERT_VALUE(self->id, 107);
}

/* Level 2: root may LIST, INFO, READ, CREATE and UPDATE. */
TEST_F(paranoid, level2_root)
{
	struct aggmon_gauge_list_attr list = { .count = 1 };
	struct aggmon_gauge_info info;
	__u64 ids[1], id = 0;
	int fd;

	set_paranoid(_metadata, 2);
	list.ids = aggmon_ptr(ids);
	ASSERT_EQ(0, sys_aggmon(AGGMON_GAUGE_LIST, &list, sizeof(list)));
	ASSERT_EQ(1u, list.count);
	ASSERT_EQ(0, aggmon_info(self->id, &info));
	ASSERT_STREQ(PERM_NAME, info.name);
	ASSERT_EQ(0, aggmon_find(PERM_NAME, self->item, &id));
	ASSERT_EQ(self->id, id);
	ASSERT_VALUE(self->id, 100);
	fd = aggmon_create("user.kselftest.perm_root", self->item, "", 3, &id);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, aggmon_update(fd, AGGMON_UPDATE_SET, 4));
	ASSERT_VALUE(id, 4);
	ASSERT_EQ(0, close(fd));
}

/*
 * Levels 1 and 0: the unprivileged child may LIST (and sees root's gauge),
 * INFO, READ (user and kernel gauges) and CREATE its own gauge.
 */
static void unprivileged_allowed(struct __test_metadata *_metadata,
				 FIXTURE_DATA(paranoid) *self, long level)
{
	pid_t pid;

	set_paranoid(_metadata, level);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		struct aggmon_gauge_info info;
		__u64 id = 0, ticks = 0;
		__s64 value = 0;
		int fd;

		EXPECT_EQ(0, aggmon_drop_privileges());
		CHILD_BAIL();
		EXPECT_EQ(1, aggmon_listed(self->id));
		EXPECT_EQ(0, aggmon_info(self->id, &info));
		EXPECT_STREQ(PERM_NAME, info.name);
		EXPECT_STREQ("perms", info.unit);
		EXPECT_EQ(0, aggmon_find(PERM_NAME, self->item, &id));
		EXPECT_EQ(self->id, id);
		EXPECT_EQ(0, aggmon_read1(self->id, &value));
		EXPECT_EQ(100, value);
		EXPECT_EQ(0, aggmon_find("sample.ticks", "timer", &ticks));
		EXPECT_EQ(0, aggmon_read1(ticks, &value));

		fd = aggmon_create("user.kselftest.perm_child", self->item,
				   "", -3, &id);
		EXPECT_LE(0, fd);
		CHILD_BAIL();
		EXPECT_EQ(0, aggmon_info(id, &info));
		EXPECT_EQ((__u32)AGGMON_GAUGE_USER, info.kind);
		EXPECT_EQ(0, aggmon_update(fd, AGGMON_UPDATE_ADD, 10));
		EXPECT_EQ(0, aggmon_read1(id, &value));
		EXPECT_EQ(7, value);
		EXPECT_EQ(0, close(fd));
		CHILD_EXIT();
	}
	ASSERT_EQ(0, aggmon_wait_child(pid));
}

TEST_F(paranoid, level1_unprivileged)
{
	unprivileged_allowed(_metadata, self, 1);
}

TEST_F(paranoid, level0_unprivileged)
{
	unprivileged_allowed(_metadata, self, 0);
}

/*
 * Per-user limit: kernel.aggmon_max_user_gauges lowered to 4 (and
 * aggmon_paranoid to 1 so that uid 65534 may create); both restored by the
 * parent.
 */
#define LIMIT	4

FIXTURE(limit) {
	long saved_max;
	long saved_paranoid;
};

FIXTURE_SETUP(limit)
{
	ASSERT_EQ(0, aggmon_sysctl_read(AGGMON_MAX_USER_SYSCTL,
					&self->saved_max));
	ASSERT_EQ(0, aggmon_sysctl_read(AGGMON_PARANOID_SYSCTL,
					&self->saved_paranoid));
	ASSERT_EQ(0, aggmon_sysctl_write_long(AGGMON_MAX_USER_SYSCTL, LIMIT));
	ASSERT_EQ(0, aggmon_sysctl_write_long(AGGMON_PARANOID_SYSCTL, 1));
}

FIXTURE_TEARDOWN_PARENT(limit)
{
	EXPECT_EQ(0, aggmon_sysctl_write_long(AGGMON_MAX_USER_SYSCTL,
					      self->saved_max));
	EXPECT_EQ(0, aggmon_sysctl_write_long(AGGMON_PARANOID_SYSCTL,
					      self->saved_paranoid));
}

/* The default limit is 1024. */
TEST_F(limit, default_max)
{
	ASSERT_EQ(1024, self->saved_max);
}

/* The limit can be set from 1 to 1048576; anything else is EINVAL. */
TEST_F(limit, sysctl_range)
{
	aggmon_check_sysctl_range(_metadata, AGGMON_MAX_USER_SYSCTL, 1,
				  1048576, LIMIT);
}

/*
 * As uid 65534, creates LIMIT gauges, checks that one more is EMFILE, that
 * closing one allows one more, and exits (closing them all).
 */
static void limit_child(struct __test_metadata *_metadata)
{
	struct aggmon_gauge_info info;
	char item[AGGMON_ITEM_LEN];
	int fds[LIMIT], fd, i;
	__u64 id = 0;

	EXPECT_EQ(0, aggmon_drop_privileges());
	CHILD_BAIL();
	for (i = 0; i < LIMIT; i++) {
		snprintf(item, sizeof(item), "u%d", i);
		fds[i] = aggmon_create("user.kselftest.limit", item, "", i, &id);
		EXPECT_LE(0, fds[i]) {
			TH_LOG("gauge %d: %s", i, strerror(errno));
		}
		CHILD_BAIL();
	}
	EXPECT_EQ(-1, aggmon_create("user.kselftest.limit", "more", "", 0, &id));
	EXPECT_EQ(EMFILE, errno);
	CHILD_BAIL();

	/* Closing one frees its slot, and only one. */
	EXPECT_EQ(0, close(fds[0]));
	fd = aggmon_create("user.kselftest.limit", "more", "", 0, &id);
	EXPECT_LE(0, fd);
	/* INFO names the uid that created a user gauge. */
	EXPECT_EQ(0, aggmon_info(id, &info));
	EXPECT_EQ((__u32)AGGMON_NOBODY, info.owner_uid);
	EXPECT_EQ((__u32)AGGMON_GAUGE_USER, info.kind);
	EXPECT_EQ(-1, aggmon_create("user.kselftest.limit", "again", "", 0,
				    &id));
	EXPECT_EQ(EMFILE, errno);
	CHILD_EXIT();
}

/*
 * Each uid holds at most LIMIT gauges: root holding LIMIT gauges does not
 * count against uid 65534, and the gauges of an exited child no longer
 * count.
 */
TEST_F(limit, per_user)
{
	char item[AGGMON_ITEM_LEN];
	int fds[LIMIT], i, round;
	__u64 id = 0;
	pid_t pid;

	for (i = 0; i < LIMIT; i++) {
		snprintf(item, sizeof(item), "p%d_%d", (int)getpid(), i);
		fds[i] = aggmon_create("user.kselftest.limit_root", item, "", 0,
				       &id);
		ASSERT_LE(0, fds[i]);
	}
	for (round = 0; round < 2; round++) {
		pid = fork();
		ASSERT_LE(0, pid);
		if (pid == 0)
			limit_child(_metadata);
		ASSERT_EQ(0, aggmon_wait_child(pid));
	}
	for (i = 0; i < LIMIT; i++)
		ASSERT_EQ(0, close(fds[i]));
}

/*
 * User gauges are named per owner, so that no user can take another's
 * names first.  Root and uid 65534 each create (OWNED_NAME, item): both
 * succeed, each finds its own by name, a third uid (65533) finds neither
 * by name alone (ENOTUNIQ) but each by owner.  Once one is gone, the
 * other is the only one, which anyone finds.
 */
#define OWNED_NAME	"user.kselftest.owned"
#define THIRD_UID	65533

/* As uid @uid: looks OWNED_NAME:@item up, by @owner if >= 0. */
static long find_as_owner(const char *item, long owner, __u64 *id)
{
	struct aggmon_gauge_info info;
	long ret;

	memset(&info, 0, sizeof(info));
	aggmon_strcpy(info.name, sizeof(info.name), OWNED_NAME);
	aggmon_strcpy(info.item, sizeof(info.item), item);
	if (owner >= 0) {
		info.flags = AGGMON_GAUGE_INFO_F_OWNER;
		info.owner_uid = owner;
	}
	ret = sys_aggmon(AGGMON_GAUGE_INFO, &info, sizeof(info));
	if (!ret)
		*id = info.id;
	return ret;
}

/* Becomes @uid, without capabilities; 0 or -1. */
static int become(uid_t uid)
{
	if (setgroups(0, NULL) || setresgid(uid, uid, uid) ||
	    setresuid(uid, uid, uid))
		return -1;
	return aggmon_check_no_caps();
}

/* The third uid's view, given root's and uid 65534's ids (0: none). */
static void third_uid(struct __test_metadata *_metadata, const char *item,
		      __u64 root_id, __u64 nobody_id)
{
	__u64 id = 0;

	EXPECT_EQ(0, become(THIRD_UID));
	CHILD_BAIL();
	if (root_id && nobody_id) {
		EXPECT_EQ(-1, find_as_owner(item, -1, &id));
		EXPECT_EQ(ENOTUNIQ, errno);
	} else {
		EXPECT_EQ(0, find_as_owner(item, -1, &id));
		EXPECT_EQ(root_id ?: nobody_id, id);
	}
	if (root_id) {
		EXPECT_EQ(0, find_as_owner(item, 0, &id));
		EXPECT_EQ(root_id, id);
	}
	if (nobody_id) {
		EXPECT_EQ(0, find_as_owner(item, AGGMON_NOBODY, &id));
		EXPECT_EQ(nobody_id, id);
	}
	EXPECT_EQ(-1, find_as_owner(item, THIRD_UID, &id));
	EXPECT_EQ(ENOENT, errno);
	CHILD_EXIT();
}

static void run_third_uid(struct __test_metadata *_metadata,
			  const char *item, __u64 root_id, __u64 nobody_id)
{
	pid_t pid = fork();

	ASSERT_LE(0, pid);
	if (!pid)
		third_uid(_metadata, item, root_id, nobody_id);
	ASSERT_EQ(0, aggmon_wait_child(pid));
}

TEST_F(limit, names_per_owner)
{
	struct aggmon_gauge_info info;
	char item[AGGMON_ITEM_LEN], c;
	int ready[2], release[2], fd;
	__u64 root_id = 0, nobody_id = 0, id = 0;
	pid_t pid;

	aggmon_pid_item(item, "_owned");
	fd = aggmon_create(OWNED_NAME, item, "", 1, &root_id);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, pipe(release));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		int own;

		/* Root's gauge must go when root closes it. */
		close(fd);
		close(release[1]);
		EXPECT_EQ(0, aggmon_drop_privileges());
		CHILD_BAIL();
		/* Root's name does not stop another user. */
		own = aggmon_create(OWNED_NAME, item, "", 2, &id);
		EXPECT_LE(0, own);
		CHILD_BAIL();
		EXPECT_EQ(-1, aggmon_create(OWNED_NAME, item, "", 3, NULL));
		EXPECT_EQ(EEXIST, errno);
		EXPECT_EQ(0, find_as_owner(item, -1, &id));
		EXPECT_EQ(0, aggmon_info(id, &info));
		EXPECT_EQ((__u32)AGGMON_NOBODY, info.owner_uid);
		EXPECT_EQ(0, find_as_owner(item, 0, &id));
		EXPECT_EQ(root_id, id);
		EXPECT_EQ(0, find_as_owner(item, -1, &id));
		EXPECT_EQ((ssize_t)sizeof(id), write(ready[1], &id, sizeof(id)));
		EXPECT_EQ(0, read(release[0], &c, 1));
		CHILD_EXIT();
	}
	close(release[0]);
	ASSERT_EQ((ssize_t)sizeof(nobody_id),
		  read(ready[0], &nobody_id, sizeof(nobody_id)));
	ASSERT_NE(root_id, nobody_id);
	ASSERT_EQ(0, find_as_owner(item, -1, &id));
	ASSERT_EQ(root_id, id);
	ASSERT_EQ(0, find_as_owner(item, AGGMON_NOBODY, &id));
	ASSERT_EQ(nobody_id, id);
	run_third_uid(_metadata, item, root_id, nobody_id);

	/* The flag is for lookups by name, of a valid uid. */
	memset(&info, 0, sizeof(info));
	info.id = root_id;
	info.flags = AGGMON_GAUGE_INFO_F_OWNER;
	ASSERT_EQ(-1, sys_aggmon(AGGMON_GAUGE_INFO, &info, sizeof(info)));
	ASSERT_EQ(EINVAL, errno);
	ASSERT_EQ(-1, find_as_owner(item, 0xffffffffL, &id));
	ASSERT_EQ(EINVAL, errno);
	info.id = 0;
	info.flags = 2;
	ASSERT_EQ(-1, sys_aggmon(AGGMON_GAUGE_INFO, &info, sizeof(info)));
	ASSERT_EQ(EINVAL, errno);

	/* Root's gone: uid 65534's is the only one. */
	ASSERT_EQ(0, close(fd));
	run_third_uid(_metadata, item, 0, nobody_id);
	close(release[1]);
	ASSERT_EQ(0, aggmon_wait_child(pid));
	close(ready[0]);
	close(ready[1]);
}

/*
 * User namespaces.  A child drops to uid 65534 and creates a user
 * namespace; the parent (root) maps NS_UIDS uids of it, from NS_BASE on,
 * as newuidmap would for a container with subordinate uids.  Inside,
 * NS_USERS processes, each as a uid of its own, create gauges until
 * EMFILE and hold them.  Their namespace's creator is uid 65534, so all
 * their gauges count against its cap in the initial namespace: LIMIT in
 * all, not LIMIT each.  Meanwhile uid 65534 itself, outside, may create
 * none.
 */
#define NS_BASE		200000
#define NS_UIDS		1000
#define NS_USERS	5

/* Writes @map to /proc/@pid/@file; 0 or -1. */
static int write_map(pid_t pid, const char *file, const char *map)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	return aggmon_sysctl_write(path, map);
}

/*
 * A process of the namespace as uid @uid: creates gauges until EMFILE
 * (at most LIMIT + 1), writes how many to @result, then holds them until
 * @release reaches its end.
 */
static void ns_user(struct __test_metadata *_metadata, uid_t uid,
		    int result, int release)
{
	char item[AGGMON_ITEM_LEN], c;
	unsigned char n = 0;
	int fd;

	EXPECT_EQ(0, setresgid(uid, uid, uid));
	EXPECT_EQ(0, setresuid(uid, uid, uid));
	CHILD_BAIL();
	for (;;) {
		snprintf(item, sizeof(item), "ns%d_%u", (int)getpid(), n);
		fd = aggmon_create("user.kselftest.userns", item, "", 0, NULL);
		if (fd < 0)
			break;
		if (++n > LIMIT)
			break;
	}
	EXPECT_EQ(EMFILE, fd < 0 ? errno : 0)
		TH_LOG("uid %u: %s", uid, strerror(errno));
	EXPECT_EQ(1, write(result, &n, 1));
	EXPECT_EQ(0, read(release, &c, 1));
	CHILD_EXIT();
}

/* The namespace's first process: waits for its maps, then the users. */
static void ns_child(struct __test_metadata *_metadata, int mapped,
		     int result, int release)
{
	pid_t pids[NS_USERS];
	char c;
	int i;

	EXPECT_EQ(0, aggmon_drop_privileges());
	EXPECT_EQ(0, unshare(CLONE_NEWUSER));
	CHILD_BAIL();
	EXPECT_EQ(1, write(result, "u", 1));	/* ready to be mapped */
	EXPECT_EQ(1, read(mapped, &c, 1));
	CHILD_BAIL();
	for (i = 0; i < NS_USERS; i++) {
		pids[i] = fork();
		if (!pids[i])
			ns_user(_metadata, i, result, release);
		EXPECT_LT(0, pids[i]);
	}
	for (i = 0; i < NS_USERS; i++)
		EXPECT_EQ(0, aggmon_wait_child(pids[i]));
	CHILD_EXIT();
}

TEST_F(limit, user_namespace)
{
	int mapped[2], result[2], release[2], total = 0, i;
	char map[64], item[AGGMON_ITEM_LEN];
	unsigned char n;
	pid_t pid, outside;

	ASSERT_EQ(0, pipe(mapped));
	ASSERT_EQ(0, pipe(result));
	ASSERT_EQ(0, pipe(release));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		close(release[1]);
		ns_child(_metadata, mapped[0], result[1], release[0]);
	}
	close(release[0]);
	close(result[1]);
	ASSERT_EQ(1, read(result[0], &n, 1)) TH_LOG("no user namespace");
	snprintf(map, sizeof(map), "0 %d %d\n", NS_BASE, NS_UIDS);
	ASSERT_EQ(0, write_map(pid, "uid_map", map));
	ASSERT_EQ(0, write_map(pid, "gid_map", map));
	ASSERT_EQ(1, write(mapped[1], "m", 1));

	for (i = 0; i < NS_USERS; i++) {
		ASSERT_EQ(1, read(result[0], &n, 1));
		total += n;
	}
	/* All the users of the namespace together: the creator's cap. */
	ASSERT_EQ(LIMIT, total);

	/* uid 65534 outside holds its cap through them. */
	outside = fork();
	ASSERT_LE(0, outside);
	if (!outside) {
		EXPECT_EQ(0, aggmon_drop_privileges());
		snprintf(item, sizeof(item), "p%d", (int)getpid());
		EXPECT_EQ(-1, aggmon_create("user.kselftest.userns", item, "",
					    0, NULL));
		EXPECT_EQ(EMFILE, errno);
		CHILD_EXIT();
	}
	ASSERT_EQ(0, aggmon_wait_child(outside));

	close(release[1]);
	ASSERT_EQ(0, aggmon_wait_child(pid));
	close(result[0]);
	close(mapped[1]);
	close(mapped[0]);
}

/*
 * Concurrency: NR_THREADS threads, pinned to CPUs 0..NR_THREADS-1 and
 * started behind a barrier, each do NR_UPDATES ADDs on one shared gauge;
 * no update may be lost.
 */
#ifndef NR_THREADS
#define NR_THREADS	4
#endif
#define NR_UPDATES	1000000L

struct worker {
	pthread_t thread;
	pthread_barrier_t *barrier;
	int *done;
	int cpu;
	int fd;
	__s64 add_even;	/* added by updates 0, 2, 4, ... */
	__s64 add_odd;	/* added by updates 1, 3, 5, ... */
	long failures;
	int err;
};

static void *worker_fn(void *arg)
{
	struct worker *w = arg;
	struct aggmon_gauge_update_attr attr = {
		.fd = (__u32)w->fd,
		.op = AGGMON_UPDATE_ADD,
	};
	cpu_set_t set;
	long i;

	CPU_ZERO(&set);
	CPU_SET(w->cpu, &set);
	w->err = pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	pthread_barrier_wait(w->barrier);
	if (!w->err && sched_getcpu() != w->cpu)
		w->err = EXDEV;
	for (i = 0; !w->err && i < NR_UPDATES; i++) {
		attr.value = (i & 1) ? w->add_odd : w->add_even;
		if (sys_aggmon(AGGMON_GAUGE_UPDATE, &attr, sizeof(attr))) {
			w->failures++;
			w->err = errno;
		}
	}
	__atomic_add_fetch(w->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

FIXTURE(threads) {
	int fd;
	__u64 id;
};

FIXTURE_SETUP(threads)
{
	char name[AGGMON_NAME_LEN];
	cpu_set_t set;
	int cpu;

	if (sysconf(_SC_NPROCESSORS_ONLN) < NR_THREADS)
		SKIP(return, "needs %d online CPUs", NR_THREADS);
	ASSERT_EQ(0, sched_getaffinity(0, sizeof(set), &set));
	for (cpu = 0; cpu < NR_THREADS; cpu++)
		if (!CPU_ISSET(cpu, &set))
			SKIP(return, "CPU %d not available", cpu);
	pid_name(name, "user.kselftest.threads");
	self->fd = aggmon_create(name, "", "", 0, &self->id);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(threads)
{
	close(self->fd);
}

/*
 * Runs the workers from @initial and checks the final value; while they
 * run, if @monotonic, values read must never go down nor out of range.
 */
static void run_workers(struct __test_metadata *_metadata,
			FIXTURE_DATA(threads) *self, __s64 initial,
			__s64 add_even, __s64 add_odd, bool monotonic)
{
	const __s64 per_thread = (NR_UPDATES / 2) * (add_even + add_odd);
	const __s64 expected = initial + NR_THREADS * per_thread;
	struct worker workers[NR_THREADS];
	pthread_barrier_t barrier;
	__s64 last = initial, value;
	int done = 0, i;

	ASSERT_EQ(0, NR_UPDATES % 2);
	ASSERT_EQ(0, aggmon_update(self->fd, AGGMON_UPDATE_SET, initial));
	ASSERT_EQ(0, pthread_barrier_init(&barrier, NULL, NR_THREADS + 1));
	for (i = 0; i < NR_THREADS; i++) {
		workers[i] = (struct worker) {
			.barrier = &barrier,
			.done = &done,
			.cpu = i,
			.fd = self->fd,
			.add_even = add_even,
			.add_odd = add_odd,
		};
		ASSERT_EQ(0, pthread_create(&workers[i].thread, NULL,
					    worker_fn, &workers[i]));
	}
	pthread_barrier_wait(&barrier);

	while (__atomic_load_n(&done, __ATOMIC_ACQUIRE) < NR_THREADS) {
		ASSERT_EQ(0, aggmon_read1(self->id, &value));
		if (monotonic) {
			ASSERT_LE(last, value);
			ASSERT_GE(expected, value);
			last = value;
		}
		usleep(1000);
	}

	for (i = 0; i < NR_THREADS; i++) {
		ASSERT_EQ(0, pthread_join(workers[i].thread, NULL));
		EXPECT_EQ(0, workers[i].err) {
			TH_LOG("thread %d: %s", i, strerror(workers[i].err));
		}
		EXPECT_EQ(0, workers[i].failures);
	}
	pthread_barrier_destroy(&barrier);
	ASSERT_VALUE(self->id, expected);
}

/* +1 each time: the final value is exactly the number of updates. */
TEST_F_TIMEOUT(threads, add_one, 300)
{
	run_workers(_metadata, self, 0, 1, 1, true);
}

/*
 * Alternating +3 and -1 from 17: 17 + NR_THREADS * (NR_UPDATES / 2) * 2,
 * exact only if no add is lost or applied twice.
 */
TEST_F_TIMEOUT(threads, add_three_sub_one, 300)
{
	run_workers(_metadata, self, 17, 3, -1, false);
}

/*
 * Registry churn: two threads create and close user gauges while two
 * others list, read and describe whatever is listed.  Readers may find a
 * listed gauge gone (ENOENT) and nothing else; every create succeeds;
 * afterwards none of the churned gauges is left.  Under KASAN this is
 * also the test that removal is safe against concurrent readers.
 */
#define CHURN_ROUNDS	5000

struct churner {
	pthread_t thread;
	pthread_barrier_t *barrier;
	int *creators_left;
	int cpu;
	bool creator;
	long rounds;
	long vanished;
	int err;
};

static void churn_create(struct churner *c)
{
	char name[AGGMON_NAME_LEN];
	__u64 id;
	int fd;

	snprintf(name, sizeof(name), "user.kselftest.churn.p%d_%d",
		 (int)getpid(), c->cpu);
	for (c->rounds = 0; c->rounds < CHURN_ROUNDS; c->rounds++) {
		fd = aggmon_create(name, "", "", c->rounds, &id);
		if (fd < 0) {
			c->err = errno;
			break;
		}
		close(fd);
	}
	__atomic_sub_fetch(c->creators_left, 1, __ATOMIC_RELEASE);
}

static void churn_read(struct churner *c)
{
	struct aggmon_gauge_list_attr list;
	struct aggmon_gauge_info info;
	__u64 ids[64];
	__s64 value;
	__u32 i;

	while (__atomic_load_n(c->creators_left, __ATOMIC_ACQUIRE) && !c->err) {
		memset(&list, 0, sizeof(list));
		list.ids = aggmon_ptr(ids);
		list.count = 64;
		do {
			list.count = 64;
			if (sys_aggmon(AGGMON_GAUGE_LIST, &list, sizeof(list))) {
				c->err = errno;
				return;
			}
			for (i = 0; i < list.count; i++) {
				if (aggmon_read1(ids[i], &value) ||
				    aggmon_info(ids[i], &info)) {
					if (errno != ENOENT) {
						c->err = errno;
						return;
					}
					c->vanished++;
				}
			}
		} while (list.count);
		c->rounds++;
	}
}

static void *churn_fn(void *arg)
{
	struct churner *c = arg;
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(c->cpu, &set);
	c->err = pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	pthread_barrier_wait(c->barrier);
	if (c->creator)
		churn_create(c);
	else if (!c->err)
		churn_read(c);
	return NULL;
}

FIXTURE(registry) {};
FIXTURE_SETUP(registry) {}
FIXTURE_TEARDOWN(registry) {}

TEST_F_TIMEOUT(registry, churn, 300)
{
	struct churner c[4];
	pthread_barrier_t barrier;
	char name[AGGMON_NAME_LEN];
	int creators_left = 2, i;
	__u64 id;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 4)
		SKIP(return, "needs 4 online CPUs");
	ASSERT_EQ(0, pthread_barrier_init(&barrier, NULL, 4));
	for (i = 0; i < 4; i++) {
		c[i] = (struct churner){
			.barrier = &barrier,
			.creators_left = &creators_left,
			.cpu = i,
			.creator = i < 2,
		};
		ASSERT_EQ(0, pthread_create(&c[i].thread, NULL, churn_fn, &c[i]));
	}
	for (i = 0; i < 4; i++) {
		ASSERT_EQ(0, pthread_join(c[i].thread, NULL));
		EXPECT_EQ(0, c[i].err) {
			TH_LOG("thread %d: %s", i, strerror(c[i].err));
		}
	}
	pthread_barrier_destroy(&barrier);
	EXPECT_EQ(CHURN_ROUNDS, c[0].rounds);
	EXPECT_EQ(CHURN_ROUNDS, c[1].rounds);
	/* The readers did look while the creators churned. */
	EXPECT_LT(0, c[2].rounds + c[3].rounds);
	TH_LOG("reader passes %ld, listed gauges gone before read %ld",
	       c[2].rounds + c[3].rounds, c[2].vanished + c[3].vanished);
	for (i = 0; i < 2; i++) {
		snprintf(name, sizeof(name), "user.kselftest.churn.p%d_%d",
			 (int)getpid(), i);
		EXPECT_EQ(-1, aggmon_find(name, "", &id));
		EXPECT_EQ(ENOENT, errno);
	}
}

TEST_HARNESS_MAIN

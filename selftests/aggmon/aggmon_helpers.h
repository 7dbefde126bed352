/* SPDX-License-Identifier: GPL-2.0 */
/*
 * aggmon selftests - common helpers
 *
 * Every helper returns what the system call returns: -1 with errno set on
 * failure, so that tests can check the exact errno.
 */
#ifndef AGGMON_HELPERS_H
#define AGGMON_HELPERS_H

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/aggmon.h>
#include <linux/capability.h>

/*
 * -Wextra warnings that the harness itself triggers: unused parameters (TEST()
 * wrappers, the SIGALRM handler) and locals that -Wclobbered flags because
 * test bodies are inlined into the wrapper that calls setjmp() (the harness's
 * own "child" included).  Keep -Wextra -Werror builds quiet about those.
 */
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wclobbered"

/* In the kernel tree the harness is one folder up; elsewhere use -I. */
#if __has_include("../kselftest_harness.h")
#include "../kselftest_harness.h"
#else
#include "kselftest_harness.h"
#endif

/* In the kernel tree the tool is three folders up; in aggmon's, two. */
#if __has_include("../../../aggmon/lib/aggmon_syscall.h")
#include "../../../aggmon/lib/aggmon_syscall.h"
#else
#include "../../tools/aggmon/lib/aggmon_syscall.h"
#endif

#ifndef AGGMON_PARANOID_SYSCTL
#define AGGMON_PARANOID_SYSCTL	"/proc/sys/kernel/aggmon_paranoid"
#endif
#ifndef AGGMON_MAX_USER_SYSCTL
#define AGGMON_MAX_USER_SYSCTL	"/proc/sys/kernel/aggmon_max_user_gauges"
#endif

/* uid and gid of "nobody": unprivileged, no capabilities. */
#define AGGMON_NOBODY		65534

/* An id that no gauge has. */
#define AGGMON_BAD_ID		0xffffffffffULL

static inline long sys_aggmon(unsigned int cmd, void *attr, unsigned int size)
{
	return aggmon_syscall(cmd, attr, size);
}

/*
 * Each test program checks that __NR_aggmon is aggmon() before its first
 * test (aggmon_syscall.h), and skips saying why instead of failing every
 * test with a foreign errno.  A program that also runs without aggmon()
 * defines AGGMON_SYSCALL_OPTIONAL.
 */
#ifndef AGGMON_SYSCALL_OPTIONAL
static void __attribute__((constructor)) aggmon_check_syscall(void)
{
	int err = aggmon_syscall_foreign();

	if (!err)
		return;
	ksft_print_header();
	ksft_exit_skip("system call %d is not aggmon() on this kernel (%s)\n",
		       __NR_aggmon, strerror(err));
}
#endif

static inline __u64 aggmon_ptr(const void *p)
{
	return (__u64)(uintptr_t)p;
}

/* Copies @src into a fixed string field, always NUL terminated. */
static inline void aggmon_strcpy(char *dst, size_t size, const char *src)
{
	size_t len = strlen(src);

	if (len >= size)
		len = size - 1;
	memcpy(dst, src, len);
	dst[len] = '\0';
}

/* An item unique to this process: "p<pid>" then @suffix. */
static inline void aggmon_pid_item(char item[AGGMON_ITEM_LEN],
				   const char *suffix)
{
	snprintf(item, AGGMON_ITEM_LEN, "p%d%s", (int)getpid(), suffix);
}

/* Creates a user gauge: returns its fd and stores its id in *@id. */
static inline int aggmon_create(const char *name, const char *item,
				const char *unit, __s64 initial, __u64 *id)
{
	struct aggmon_gauge_create_attr attr;
	long ret;

	memset(&attr, 0, sizeof(attr));
	aggmon_strcpy(attr.name, sizeof(attr.name), name);
	aggmon_strcpy(attr.item, sizeof(attr.item), item);
	aggmon_strcpy(attr.unit, sizeof(attr.unit), unit);
	attr.initial = initial;
	ret = sys_aggmon(AGGMON_GAUGE_CREATE, &attr, sizeof(attr));
	if (ret >= 0 && id)
		*id = attr.id;
	return ret;
}

/* Reads the value of one gauge into *@value. */
static inline long aggmon_read1(__u64 id, __s64 *value)
{
	struct aggmon_gauge_read_attr attr = {
		.ids = aggmon_ptr(&id),
		.values = aggmon_ptr(value),
		.count = 1,
	};

	return sys_aggmon(AGGMON_GAUGE_READ, &attr, sizeof(attr));
}

static inline long aggmon_update(int fd, __u32 op, __s64 value)
{
	struct aggmon_gauge_update_attr attr = {
		.fd = (__u32)fd,
		.op = op,
		.value = value,
	};

	return sys_aggmon(AGGMON_GAUGE_UPDATE, &attr, sizeof(attr));
}

static inline long aggmon_info(__u64 id, struct aggmon_gauge_info *info)
{
	memset(info, 0, sizeof(*info));
	info->id = id;
	return sys_aggmon(AGGMON_GAUGE_INFO, info, sizeof(*info));
}

/* Finds a gauge by name and item; stores its id in *@id. */
static inline long aggmon_find(const char *name, const char *item, __u64 *id)
{
	struct aggmon_gauge_info info;
	long ret;

	memset(&info, 0, sizeof(info));
	aggmon_strcpy(info.name, sizeof(info.name), name);
	aggmon_strcpy(info.item, sizeof(info.item), item);
	ret = sys_aggmon(AGGMON_GAUGE_INFO, &info, sizeof(info));
	if (ret == 0)
		*id = info.id;
	return ret;
}

/* Walks the whole list: 1 if @id is in it, 0 if not, -1 on error. */
static inline int aggmon_listed(__u64 id)
{
	__u64 ids[64];
	struct aggmon_gauge_list_attr attr = { .ids = aggmon_ptr(ids) };
	__u64 cursor;
	__u32 i;

	for (;;) {
		cursor = attr.cursor;
		attr.count = 64;
		if (sys_aggmon(AGGMON_GAUGE_LIST, &attr, sizeof(attr)))
			return -1;
		if (!attr.count)
			return 0;
		if (attr.cursor <= cursor) {
			errno = EPROTO;	/* the cursor must move on */
			return -1;
		}
		for (i = 0; i < attr.count; i++)
			if (ids[i] == id)
				return 1;
	}
}

/* Reads a numeric sysctl. */
static inline int aggmon_sysctl_read(const char *path, long *value)
{
	char buf[32];
	ssize_t n;
	int fd, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	err = errno;
	close(fd);
	if (n <= 0) {
		errno = n < 0 ? err : EIO;
		return -1;
	}
	buf[n] = '\0';
	*value = strtol(buf, NULL, 10);
	return 0;
}

/* Writes @str to a sysctl in one write(); -1 with write()'s errno. */
static inline int aggmon_sysctl_write(const char *path, const char *str)
{
	size_t len = strlen(str);
	ssize_t n;
	int fd, err;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = write(fd, str, len);
	err = errno;
	close(fd);
	if (n < 0) {
		errno = err;
		return -1;
	}
	if ((size_t)n != len) {
		errno = EIO;
		return -1;
	}
	return 0;
}

static inline int aggmon_sysctl_write_long(const char *path, long value)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%ld\n", value);
	return aggmon_sysctl_write(path, buf);
}

/*
 * A cap's sysctl takes @min to @max and nothing else: @min, @max and then
 * @keep read back as written; @min - 1, -1 and @max + 1 fail with EINVAL
 * and leave @keep.
 */
static inline void aggmon_check_sysctl_range(struct __test_metadata *_metadata,
					     const char *path, long min,
					     long max, long keep)
{
	const long good[] = { min, max, keep };
	const long bad[] = { min - 1, -1, max + 1 };
	long value;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(good); i++) {
		ASSERT_EQ(0, aggmon_sysctl_write_long(path, good[i]));
		ASSERT_EQ(0, aggmon_sysctl_read(path, &value));
		ASSERT_EQ(good[i], value);
	}
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		ASSERT_EQ(-1, aggmon_sysctl_write_long(path, bad[i]))
			TH_LOG("%s took %ld", path, bad[i]);
		ASSERT_EQ(EINVAL, errno);
		ASSERT_EQ(0, aggmon_sysctl_read(path, &value));
		ASSERT_EQ(keep, value);
	}
}

#define AGGMON_CPU_ONLINE_FMT	"/sys/devices/system/cpu/cpu%d/online"

/* Whether CPU @cpu can go offline: root may write its online file. */
static inline bool aggmon_cpu_hotpluggable(int cpu)
{
	char path[64];

	snprintf(path, sizeof(path), AGGMON_CPU_ONLINE_FMT, cpu);
	return !access(path, W_OK);
}

/* Takes CPU @cpu offline or brings it online: 0, or -1 with errno. */
static inline int aggmon_cpu_set_online(int cpu, bool on)
{
	char path[64];

	snprintf(path, sizeof(path), AGGMON_CPU_ONLINE_FMT, cpu);
	return aggmon_sysctl_write(path, on ? "1" : "0");
}

/*
 * Checks that this process has no capability left, CAP_PERFMON and
 * CAP_SYS_ADMIN included.  Returns 0, or -1 with errno set (EPERM if one
 * is left).
 */
static inline int aggmon_check_no_caps(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];

	memset(data, 0xff, sizeof(data));
	if (syscall(SYS_capget, &hdr, data))
		return -1;
	if (data[0].effective || data[1].effective ||
	    data[0].permitted || data[1].permitted) {
		errno = EPERM;
		return -1;
	}
	return 0;
}

/*
 * Drops every capability but keeps the uid (0 stays 0: the owner of
 * what root created, without CAP_PERFMON).  Returns 0, or -1 with errno
 * set.
 */
static inline int aggmon_drop_caps(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];

	memset(data, 0, sizeof(data));
	if (syscall(SYS_capset, &hdr, data))
		return -1;
	return aggmon_check_no_caps();
}

/*
 * Becomes uid/gid 65534 with no supplementary groups.  Changing every uid
 * from 0 clears all capabilities; check it.  Returns 0, or -1 with errno
 * set.
 */
static inline int aggmon_drop_privileges(void)
{
	if (setgroups(0, NULL))
		return -1;
	if (setresgid(AGGMON_NOBODY, AGGMON_NOBODY, AGGMON_NOBODY))
		return -1;
	if (setresuid(AGGMON_NOBODY, AGGMON_NOBODY, AGGMON_NOBODY))
		return -1;
	return aggmon_check_no_caps();
}

/*
 * Forked children must not use ASSERT_*(): its longjmp() lands in the
 * harness, which may then take the child for the test process and run the
 * fixture teardown there (as an unprivileged user, unable to restore the
 * sysctls).  Children check with EXPECT_*(), stop at the first failure with
 * CHILD_BAIL() and end with CHILD_EXIT(); the parent checks the exit status.
 */
#define CHILD_BAIL()							\
	do {								\
		if (_metadata->exit_code)				\
			_exit(1);					\
	} while (0)
#define CHILD_EXIT()	_exit(_metadata->exit_code ? 1 : 0)

/* Waits for a child: 0 if it exited with status 0, -1 otherwise. */
static inline int aggmon_wait_child(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid)
		return -1;
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		return -1;
	return 0;
}

#endif /* AGGMON_HELPERS_H */

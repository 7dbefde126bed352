// SPDX-License-Identifier: GPL-2.0
/*
 * libaggmon - typed wrappers over the aggmon() system call.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>

#include "libaggmon.h"
#ifdef AGGMON_FAKE
/* tests/fake_kernel.c: an in-memory aggmon() for tests without a kernel. */
#include "tests/fake_kernel.h"
#endif

#if !defined(__NR_aggmon) && defined(__x86_64__) && !defined(__ILP32__)
#define __NR_aggmon 463
#endif

_Static_assert(sizeof(struct aggmon_gauge_list_attr) ==
	       AGGMON_GAUGE_LIST_SIZE_VER0, "list attr size");
_Static_assert(sizeof(struct aggmon_gauge_info) ==
	       AGGMON_GAUGE_INFO_SIZE_VER0, "info attr size");
_Static_assert(sizeof(struct aggmon_gauge_read_attr) ==
	       AGGMON_GAUGE_READ_SIZE_VER0, "read attr size");
_Static_assert(sizeof(struct aggmon_gauge_create_attr) ==
	       AGGMON_GAUGE_CREATE_SIZE_VER0, "create attr size");
_Static_assert(sizeof(struct aggmon_gauge_update_attr) ==
	       AGGMON_GAUGE_UPDATE_SIZE_VER0, "update attr size");

static __u64 ptr_to_u64(const void *ptr)
{
	return (__u64)(uintptr_t)ptr;
}

/* The system call itself: -1 and errno on failure. */
static long raw_aggmon(unsigned int cmd, void *attr, unsigned int size)
{
#if defined(AGGMON_FAKE)
	return fake_aggmon(cmd, attr, size);
#elif defined(__NR_aggmon)
	/* Zero the unused argument registers: see aggmon_missing(). */
	return syscall(__NR_aggmon, cmd, attr, size, 0UL, 0UL, 0UL);
#else
	(void)cmd;
	(void)attr;
	(void)size;
	errno = ENOSYS;
	return -1;
#endif
}

/*
 * x86_64 kernels from 6.13 on have setxattrat() at 463; the aggmon series
 * is for 6.12, where 463 is free.  Called with our arguments, setxattrat()
 * always fails with EINVAL (its usize, the zeroed sixth argument, is too
 * small), while aggmon() never fails a well-formed AGGMON_GAUGE_LIST with
 * EINVAL: so if that fails with EINVAL, 463 is not aggmon().
 */
static bool aggmon_missing(void)
{
	static int missing = -1;
	__u64 id;
	struct aggmon_gauge_list_attr attr = {
		.ids = ptr_to_u64(&id),
		.count = 1,
	};

	if (missing < 0) {
		missing = raw_aggmon(AGGMON_GAUGE_LIST, &attr, sizeof(attr));
		missing = missing < 0 && (errno == EINVAL || errno == ENOSYS);
	}
	return missing;
}

/* aggmon() returns 0, a file descriptor or a negative errno. */
static int sys_aggmon(unsigned int cmd, void *attr, unsigned int size)
{
	long ret = raw_aggmon(cmd, attr, size);
	int err = errno;

	if (ret >= 0)
		return (int)ret;
	if (err == EINVAL && aggmon_missing())
		return -ENOSYS;
	return -err;
}

/* Copy @src into the fixed-size @dst; fail if it does not fit. */
static int copy_str(char *dst, size_t size, const char *src)
{
	size_t len = src ? strlen(src) : 0;

	if (len >= size)
		return -ENAMETOOLONG;
	if (len)
		memcpy(dst, src, len);
	dst[len] = '\0';
	return 0;
}

int aggmon_gauge_list(__u64 *cursor, __u64 *ids, __u32 *count)
{
	struct aggmon_gauge_list_attr attr = {
		.ids = ptr_to_u64(ids),
		.count = *count,
		.cursor = *cursor,
	};
	int ret;

	ret = sys_aggmon(AGGMON_GAUGE_LIST, &attr, sizeof(attr));
	if (ret < 0)
		return ret;
	if (attr.count > *count)
		return -EIO;
	*count = attr.count;
	*cursor = attr.cursor;
	return 0;
}

int aggmon_gauge_list_all(__u64 **ids_out, size_t *count_out)
{
	__u64 *ids = NULL, *tmp, cursor = 0, prev;
	size_t n = 0, cap = 0;
	__u32 cnt;
	int err;

	for (;;) {
		if (cap - n < AGGMON_BATCH_MAX) {
			cap = 2 * cap + AGGMON_BATCH_MAX;
			tmp = realloc(ids, cap * sizeof(*ids));
			if (!tmp) {
				err = -ENOMEM;
				goto err;
			}
			ids = tmp;
		}
		cnt = AGGMON_BATCH_MAX;
		prev = cursor;
		err = aggmon_gauge_list(&cursor, ids + n, &cnt);
		if (err)
			goto err;
		if (!cnt)
			break;
		n += cnt;
		/* The cursor wraps after the largest possible id. */
		if (cursor <= prev)
			break;
	}
	*ids_out = ids;
	*count_out = n;
	return 0;
err:
	free(ids);
	return err;
}

static int gauge_info(struct aggmon_gauge_info *info)
{
	int ret = sys_aggmon(AGGMON_GAUGE_INFO, info, sizeof(*info));

	if (ret < 0)
		return ret;
	info->name[AGGMON_NAME_LEN - 1] = '\0';
	info->item[AGGMON_ITEM_LEN - 1] = '\0';
	info->unit[AGGMON_UNIT_LEN - 1] = '\0';
	return 0;
}

int aggmon_gauge_info_by_id(__u64 id, struct aggmon_gauge_info *info)
{
	if (!id)
		return -EINVAL;
	memset(info, 0, sizeof(*info));
	info->id = id;
	return gauge_info(info);
}

int aggmon_gauge_info_by_name(const char *name, const char *item,
			      struct aggmon_gauge_info *info)
{
	int err;

	memset(info, 0, sizeof(*info));
	err = copy_str(info->name, sizeof(info->name), name);
	if (!err)
		err = copy_str(info->item, sizeof(info->item), item);
	if (err)
		return err;
	return gauge_info(info);
}

int aggmon_gauge_read(const __u64 *ids, __s64 *values, __u32 *count)
{
	__u32 done, n;
	int ret;

	for (done = 0; done < *count; done += n) {
		struct aggmon_gauge_read_attr attr = {
			.ids = ptr_to_u64(ids + done),
			.values = ptr_to_u64(values + done),
		};

		n = *count - done;
		if (n > AGGMON_BATCH_MAX)
			n = AGGMON_BATCH_MAX;
		attr.count = n;
		ret = sys_aggmon(AGGMON_GAUGE_READ, &attr, sizeof(attr));
		if (ret < 0) {
			/* Past the end (a confused kernel) means "unknown". */
			if (ret == -ENOENT && attr.count < n)
				*count = done + attr.count;
			return ret;
		}
	}
	return 0;
}

int aggmon_gauge_create(const char *name, const char *item, const char *unit,
			__s64 initial, __u64 *id)
{
	struct aggmon_gauge_create_attr attr;
	int ret;

	memset(&attr, 0, sizeof(attr));
	if (copy_str(attr.name, sizeof(attr.name), name) ||
	    copy_str(attr.item, sizeof(attr.item), item) ||
	    copy_str(attr.unit, sizeof(attr.unit), unit))
		return -ENAMETOOLONG;
	attr.initial = initial;
	ret = sys_aggmon(AGGMON_GAUGE_CREATE, &attr, sizeof(attr));
	if (ret < 0)
		return ret;
	if (id)
		*id = attr.id;
	return ret;
}

int aggmon_gauge_update(int fd, __u32 op, __s64 value)
{
	struct aggmon_gauge_update_attr attr = {
		.op = op,
		.value = value,
	};

	if (fd < 0)
		return -EBADF;
	attr.fd = fd;
	return sys_aggmon(AGGMON_GAUGE_UPDATE, &attr, sizeof(attr));
}

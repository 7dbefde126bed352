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

#include "aggmon_syscall.h"
#include "libaggmon.h"
#ifdef AGGMON_FAKE
/* tests/fake_kernel.c: an in-memory aggmon() for tests without a kernel. */
#include "tests/fake_kernel.h"
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
_Static_assert(sizeof(struct aggmon_stat_create_attr) ==
	       AGGMON_STAT_CREATE_SIZE_VER0, "stat create attr size");
_Static_assert(sizeof(struct aggmon_stat_info) ==
	       AGGMON_STAT_INFO_SIZE_VER0, "stat info attr size");
_Static_assert(sizeof(struct aggmon_stat_reset_attr) ==
	       AGGMON_STAT_RESET_SIZE_VER0, "stat reset attr size");
_Static_assert(sizeof(struct aggmon_threshold_create_attr) ==
	       AGGMON_THRESHOLD_CREATE_SIZE_VER0, "threshold attr size");
_Static_assert(sizeof(struct aggmon_agg_create_attr) ==
	       AGGMON_AGG_CREATE_SIZE_VER0, "agg create attr size");
_Static_assert(sizeof(struct aggmon_agg_info) ==
	       AGGMON_AGG_INFO_SIZE_VER0, "agg info attr size");
_Static_assert(sizeof(struct aggmon_agg_snapshot_attr) ==
	       AGGMON_AGG_SNAPSHOT_SIZE_VER0, "agg snapshot attr size");
_Static_assert(sizeof(struct aggmon_agg_list_attr) ==
	       AGGMON_AGG_LIST_SIZE_VER0, "agg list attr size");
_Static_assert(sizeof(struct aggmon_agg_open_attr) ==
	       AGGMON_AGG_OPEN_SIZE_VER0, "agg open attr size");
_Static_assert(sizeof(struct aggmon_event) == 64, "event record size");

static __u64 ptr_to_u64(const void *ptr)
{
	return (__u64)(uintptr_t)ptr;
}

/* The system call itself: -1 and errno on failure. */
static long raw_aggmon(unsigned int cmd, void *attr, unsigned int size)
{
#if defined(AGGMON_FAKE)
	return fake_aggmon(cmd, attr, size);
#else
	return aggmon_syscall(cmd, attr, size);
#endif
}

/* Whether __NR_aggmon is not aggmon() here: the probe of aggmon_syscall.h. */
static bool aggmon_missing(void)
{
	static int missing = -1;
	struct aggmon_gauge_list_attr attr;
	__u64 id = 0;
	long ret;

	if (missing < 0) {
		attr = aggmon_probe_attr(&id);
		ret = raw_aggmon(AGGMON_GAUGE_LIST, &attr, sizeof(attr));
		missing = aggmon_probe_foreign(ret, errno);
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

/* One batch of ids: aggmon_gauge_list() or aggmon_agg_list(). */
typedef int (*list_fn)(__u64 *cursor, __u64 *ids, __u32 *count);

static int list_all(list_fn list, __u64 **ids_out, size_t *count_out)
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
		err = list(&cursor, ids + n, &cnt);
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

int aggmon_gauge_list_all(__u64 **ids_out, size_t *count_out)
{
	return list_all(aggmon_gauge_list, ids_out, count_out);
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

static int gauge_info_named(const char *name, const char *item, __u32 flags,
			    __u32 owner_uid, struct aggmon_gauge_info *info)
{
	int err;

	memset(info, 0, sizeof(*info));
	err = copy_str(info->name, sizeof(info->name), name);
	if (!err)
		err = copy_str(info->item, sizeof(info->item), item);
	if (err)
		return err;
	info->flags = flags;
	info->owner_uid = owner_uid;
	return gauge_info(info);
}

int aggmon_gauge_info_by_name(const char *name, const char *item,
			      struct aggmon_gauge_info *info)
{
	return gauge_info_named(name, item, 0, 0, info);
}

int aggmon_gauge_info_by_owner(const char *name, const char *item,
			       __u32 owner_uid,
			       struct aggmon_gauge_info *info)
{
	return gauge_info_named(name, item, AGGMON_GAUGE_INFO_F_OWNER,
				owner_uid, info);
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

/*
 * Statistics and thresholds
 */

int aggmon_stat_create(__u64 gauge_id, __u32 kind, __u64 period_ns,
		       __s64 drain, __u64 *id)
{
	struct aggmon_stat_create_attr attr = {
		.gauge_id = gauge_id,
		.kind = kind,
		.period_ns = period_ns,
		.drain = drain,
	};
	int ret = sys_aggmon(AGGMON_STAT_CREATE, &attr, sizeof(attr));

	if (ret >= 0 && id)
		*id = attr.id;
	return ret;
}

int aggmon_stat_info(int fd, struct aggmon_stat_info *info)
{
	if (fd < 0)
		return -EBADF;
	memset(info, 0, sizeof(*info));
	info->fd = fd;
	/* On ENODEV the kernel still fills in all but value and level. */
	return sys_aggmon(AGGMON_STAT_INFO, info, sizeof(*info));
}

int aggmon_stat_reset(int fd)
{
	struct aggmon_stat_reset_attr attr = { 0 };

	if (fd < 0)
		return -EBADF;
	attr.fd = fd;
	return sys_aggmon(AGGMON_STAT_RESET, &attr, sizeof(attr));
}

int aggmon_threshold_create(int stat_fd, __u32 kind, __s64 value,
			    __s64 cancel, __u32 flags, __u32 queue_len,
			    __u64 *id)
{
	struct aggmon_threshold_create_attr attr = {
		.kind = kind,
		.value = value,
		.cancel = cancel,
		.flags = flags,
		.queue_len = queue_len,
	};
	int ret;

	if (stat_fd < 0)
		return -EBADF;
	attr.stat_fd = stat_fd;
	ret = sys_aggmon(AGGMON_THRESHOLD_CREATE, &attr, sizeof(attr));
	if (ret >= 0 && id)
		*id = attr.id;
	return ret;
}

/*
 * Aggregations
 */

int aggmon_agg_create(const struct aggmon_agg_create_attr *attr, __u64 *id)
{
	struct aggmon_agg_create_attr copy = *attr;
	int ret;

	copy.id = 0;
	ret = sys_aggmon(AGGMON_AGG_CREATE, &copy, sizeof(copy));
	if (ret >= 0 && id)
		*id = copy.id;
	return ret;
}

int aggmon_agg_info(int fd, struct aggmon_agg_info *info)
{
	int ret;

	if (fd < 0)
		return -EBADF;
	memset(info, 0, sizeof(*info));
	info->fd = fd;
	ret = sys_aggmon(AGGMON_AGG_INFO, info, sizeof(*info));
	if (ret < 0)
		return ret;
	info->name[AGGMON_NAME_LEN - 1] = '\0';
	return 0;
}

int aggmon_agg_list(__u64 *cursor, __u64 *ids, __u32 *count)
{
	struct aggmon_agg_list_attr attr = {
		.ids = ptr_to_u64(ids),
		.count = *count,
		.cursor = *cursor,
	};
	int ret;

	ret = sys_aggmon(AGGMON_AGG_LIST, &attr, sizeof(attr));
	if (ret < 0)
		return ret;
	if (attr.count > *count)
		return -EIO;
	*count = attr.count;
	*cursor = attr.cursor;
	return 0;
}

int aggmon_agg_list_all(__u64 **ids_out, size_t *count_out)
{
	return list_all(aggmon_agg_list, ids_out, count_out);
}

static int agg_open(struct aggmon_agg_open_attr *attr)
{
	return sys_aggmon(AGGMON_AGG_OPEN, attr, sizeof(*attr));
}

int aggmon_agg_open_id(__u64 id)
{
	struct aggmon_agg_open_attr attr = { .id = id };

	if (!id)
		return -EINVAL;
	return agg_open(&attr);
}

int aggmon_agg_open_name(const char *name)
{
	struct aggmon_agg_open_attr attr;

	memset(&attr, 0, sizeof(attr));
	if (!name || !*name)
		return -EINVAL;
	if (copy_str(attr.name, sizeof(attr.name), name))
		return -ENAMETOOLONG;
	return agg_open(&attr);
}

int aggmon_agg_snapshot(int fd, struct aggmon_agg_snapshot_attr *attr)
{
	int ret;

	if (fd < 0)
		return -EBADF;
	attr->fd = fd;
	ret = sys_aggmon(AGGMON_AGG_SNAPSHOT, attr, sizeof(*attr));
	if (ret < 0 && ret != -ENOSPC && ret != -EFAULT && ret != -ENOMEM)
		return ret;
	/* A kernel that returns more than it holds is not to be believed. */
	if (attr->cursor > attr->total)
		return -EIO;
	return ret;
}

/* Give up a snapshot that other snapshots replace this many times. */
#define SNAPSHOT_RETRIES	64
/* Records the first batch of a snapshot makes room for. */
#define SNAPSHOT_FIRST_RECORDS	64

/* The growing buffer of one snapshot: @n records of @rsize bytes so far. */
struct snap_buf {
	char *buf;
	size_t cap, n, rsize;
	__u64 *drops;
	__u32 nr_cpus;
};

/* Make room for @need bytes in all. */
static int snap_reserve(struct snap_buf *sb, __u64 need)
{
	char *tmp;

	if (need <= sb->cap)
		return 0;
	if (need > SIZE_MAX)
		return -ENOMEM;
	tmp = realloc(sb->buf, need);
	if (!tmp)
		return -ENOMEM;
	sb->buf = tmp;
	sb->cap = need;
	return 0;
}

/* One snapshot, batch after batch: 0, -ESTALE to start again, or an error. */
static int snap_pass(int fd, __u32 flags, struct snap_buf *sb)
{
	struct aggmon_agg_snapshot_attr attr;
	__u64 generation = 0, in;
	int err;

	sb->n = 0;
	for (;;) {
		memset(&attr, 0, sizeof(attr));
		in = sb->n;
		attr.flags = generation ? 0 : flags;
		attr.generation = generation;
		attr.cursor = generation ? in : 0;
		attr.buf = ptr_to_u64(sb->buf + in * sb->rsize);
		attr.buf_size = sb->cap - in * sb->rsize;
		if (sb->drops) {
			attr.drops = ptr_to_u64(sb->drops);
			attr.nr_cpus = sb->nr_cpus;
		}
		err = aggmon_agg_snapshot(fd, &attr);
		if (err && err != -ENOSPC)
			return err;
		/* Checked, so that a confused kernel cannot make us loop. */
		if (!attr.generation || attr.cursor != in + attr.count ||
		    (__u64)attr.count * sb->rsize > attr.buf_size ||
		    attr.size_needed % sb->rsize ||
		    (!err && !attr.count && attr.cursor < attr.total))
			return -EIO;
		generation = attr.generation;
		sb->n = attr.cursor;
		if (sb->n == attr.total)
			return 0;
		/* size_needed counts the records from the cursor passed in. */
		err = snap_reserve(sb, in * sb->rsize + attr.size_needed);
		if (err)
			return err;
	}
}

int aggmon_agg_snapshot_all(int fd, __u32 flags, void **records,
			    size_t *nrecords, __u64 **drops, __u32 *nr_cpus)
{
	struct snap_buf sb = { 0 };
	struct aggmon_agg_info info;
	int err, tries = 0;

	err = aggmon_agg_info(fd, &info);
	if (err)
		return err;
	sb.rsize = info.record_size;
	if (sb.rsize < sizeof(struct aggmon_agg_record) || sb.rsize % 8)
		return -EIO;
	sb.nr_cpus = info.nr_cpus;
	if (drops) {
		sb.drops = calloc(sb.nr_cpus ? sb.nr_cpus : 1, sizeof(__u64));
		if (!sb.drops)
			return -ENOMEM;
	}
	err = snap_reserve(&sb, SNAPSHOT_FIRST_RECORDS * sb.rsize);
	while (!err) {
		err = snap_pass(fd, flags, &sb);
		/* Another snapshot through this open file replaced ours. */
		if (err != -ESTALE || ++tries > SNAPSHOT_RETRIES)
			break;
		err = 0;
	}
	if (err) {
		free(sb.buf);
		free(sb.drops);
		return err;
	}
	if (!sb.n) {
		free(sb.buf);
		sb.buf = NULL;
	}
	*records = sb.buf;
	*nrecords = sb.n;
	if (drops)
		*drops = sb.drops;
	if (nr_cpus)
		*nr_cpus = sb.nr_cpus;
	return 0;
}

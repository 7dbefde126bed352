// SPDX-License-Identifier: GPL-2.0-only
/*
 * aggmon - the aggmon() system call
 *
 * Marshalling only: check the size, flags and reserved fields of each
 * command's attr, copy in, call the model, copy out.  Every command has
 * its own extensible struct (include/uapi/linux/aggmon.h), copied with
 * copy_struct_from_user() so that old and new binaries keep working.
 */

#include <linux/file.h>
#include <linux/fcntl.h>
#include <linux/cred.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/syscalls.h>
#include <linux/uaccess.h>

#include "agg.h"
#include "gauge.h"
#include "perm.h"
#include "stat.h"
#include "threshold.h"
#include "user_gauge.h"

/*
 * Copy a command's attr in.  Shorter than the first version of the struct
 * is -EINVAL, larger than a page -E2BIG; copy_struct_from_user() zeroes a
 * missing tail and refuses a non-zero unknown one with -E2BIG.
 */
static int aggmon_copy_attr(void *attr, size_t ksize, size_t ver0,
			    const void __user *uattr, unsigned int usize)
{
	if (usize < ver0)
		return -EINVAL;
	if (usize > PAGE_SIZE)
		return -E2BIG;
	return copy_struct_from_user(attr, ksize, uattr, usize);
}

/* Copy a command's attr back out, as much of it as userspace knows. */
static int aggmon_copy_attr_out(void __user *uattr, const void *attr,
				size_t ksize, unsigned int usize)
{
	if (copy_to_user(uattr, attr, min_t(size_t, ksize, usize)))
		return -EFAULT;
	return 0;
}

#define AGGMON_COPY_ATTR(attr, uattr, usize, VER0)			\
	aggmon_copy_attr(&(attr), sizeof(attr), VER0, uattr, usize)

/*
 * The two list commands, whose attrs are alike (aggmon_build_check_abi()):
 * a batch of the ids @list hands out from the attr's cursor on.
 */
static int aggmon_list_cmd(void __user *uattr, unsigned int usize,
			   unsigned int (*list)(u64 *cursor, u64 *ids,
						unsigned int count))
{
	struct aggmon_gauge_list_attr attr;
	u64 *ids;
	int err;

	err = AGGMON_COPY_ATTR(attr, uattr, usize, AGGMON_GAUGE_LIST_SIZE_VER0);
	if (err)
		return err;
	if (attr.flags || !attr.count || attr.count > AGGMON_BATCH_MAX)
		return -EINVAL;

	ids = kmalloc_array(attr.count, sizeof(*ids), GFP_KERNEL);
	if (!ids)
		return -ENOMEM;
	attr.count = list(&attr.cursor, ids, attr.count);
	if (copy_to_user(u64_to_user_ptr(attr.ids), ids,
			 attr.count * sizeof(*ids)))
		err = -EFAULT;
	else
		err = aggmon_copy_attr_out(uattr, &attr, sizeof(attr), usize);
	kfree(ids);
	return err;
}

static void aggmon_fill_info(struct aggmon_gauge_info *info,
			     const struct aggmon_gauge_entry *entry)
{
	info->id = entry->id;
	info->kind = entry->kind;
	info->__reserved = 0;
	info->owner_uid = entry->kind == AGGMON_GAUGE_USER ?
		from_kuid_munged(current_user_ns(), entry->owner) : 0;
	strscpy_pad(info->name, entry->name);
	aggmon_entry_item(entry, info->item);
	strscpy_pad(info->unit, entry->unit);
}

static int aggmon_gauge_info_cmd(void __user *uattr, unsigned int usize)
{
	struct aggmon_gauge_entry *entry;
	struct aggmon_gauge_info info;
	bool by_owner;
	kuid_t owner;
	int err;

	err = AGGMON_COPY_ATTR(info, uattr, usize, AGGMON_GAUGE_INFO_SIZE_VER0);
	if (err)
		return err;
	by_owner = info.flags & AGGMON_GAUGE_INFO_F_OWNER;
	owner = make_kuid(current_user_ns(), info.owner_uid);
	if ((info.flags & ~AGGMON_GAUGE_INFO_F_OWNER) ||
	    (by_owner && (info.id || !uid_valid(owner))))
		return -EINVAL;
	if (!info.id &&
	    (strnlen(info.name, sizeof(info.name)) == sizeof(info.name) ||
	     strnlen(info.item, sizeof(info.item)) == sizeof(info.item)))
		return -ENAMETOOLONG;

	rcu_read_lock();
	if (info.id)
		entry = aggmon_gauge_find(info.id);
	else
		entry = aggmon_gauge_find_name(info.name, info.item,
					       by_owner ? &owner : NULL);
	if (!IS_ERR_OR_NULL(entry))
		aggmon_fill_info(&info, entry);
	rcu_read_unlock();
	if (IS_ERR(entry))
		return PTR_ERR(entry);
	if (!entry)
		return -ENOENT;
	return aggmon_copy_attr_out(uattr, &info, sizeof(info), usize);
}

/*
 * Read @count gauges; on an unknown id return its index + 1, else 0.
 * Each read walks every possible CPU, so take RCU per gauge and let the
 * scheduler in between.
 */
static unsigned int aggmon_read_values(const u64 *ids, s64 *values,
				       unsigned int count)
{
	struct aggmon_gauge_entry *entry;
	unsigned int i;

	for (i = 0; i < count; i++) {
		scoped_guard(rcu) {
			entry = aggmon_gauge_find(ids[i]);
			if (entry)
				values[i] = aggmon_entry_read(entry);
		}
		if (!entry)
			return i + 1;
		cond_resched();
	}
	return 0;
}

static int aggmon_gauge_read_cmd(void __user *uattr, unsigned int usize)
{
	struct aggmon_gauge_read_attr attr;
	unsigned int missing;
	u64 *ids;
	s64 *values;
	int err;

	err = AGGMON_COPY_ATTR(attr, uattr, usize, AGGMON_GAUGE_READ_SIZE_VER0);
	if (err)
		return err;
	if (attr.flags || !attr.count || attr.count > AGGMON_BATCH_MAX)
		return -EINVAL;

	ids = memdup_array_user(u64_to_user_ptr(attr.ids), attr.count,
				sizeof(*ids));
	if (IS_ERR(ids))
		return PTR_ERR(ids);
	values = kmalloc_array(attr.count, sizeof(*values), GFP_KERNEL);
	if (!values) {
		err = -ENOMEM;
		goto out;
	}

	missing = aggmon_read_values(ids, values, attr.count);
	if (missing) {
		attr.count = missing - 1;
		err = aggmon_copy_attr_out(uattr, &attr, sizeof(attr), usize);
		err = err ?: -ENOENT;
	} else if (copy_to_user(u64_to_user_ptr(attr.values), values,
				attr.count * sizeof(*values))) {
		err = -EFAULT;
	}
out:
	kfree(values);
	kfree(ids);
	return err;
}

static int aggmon_gauge_create_cmd(void __user *uattr, unsigned int usize)
{
	struct aggmon_gauge_create_attr attr;
	struct file *file;
	int fd, err;

	err = AGGMON_COPY_ATTR(attr, uattr, usize,
			       AGGMON_GAUGE_CREATE_SIZE_VER0);
	if (err)
		return err;
	/* id is an output: zero on input keeps it free to mean more later. */
	if (attr.flags || attr.__reserved || attr.id)
		return -EINVAL;

	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0)
		return fd;
	file = aggmon_user_gauge_create(&attr, &attr.id);
	if (IS_ERR(file)) {
		put_unused_fd(fd);
		return PTR_ERR(file);
	}
	err = aggmon_copy_attr_out(uattr, &attr, sizeof(attr), usize);
	if (err) {
		fput(file);
		put_unused_fd(fd);
		return err;
	}
	fd_install(fd, file);
	return fd;
}

static int aggmon_gauge_update_cmd(void __user *uattr, unsigned int usize)
{
	struct aggmon_gauge_update_attr attr;
	int err;

	err = AGGMON_COPY_ATTR(attr, uattr, usize,
			       AGGMON_GAUGE_UPDATE_SIZE_VER0);
	if (err)
		return err;
	if (attr.flags || attr.__reserved)
		return -EINVAL;
	return aggmon_user_gauge_update(attr.fd, attr.op, attr.value);
}

/* Install @file as a new close-on-exec fd once @uattr has its output. */
static int aggmon_install_file(struct file *file, void __user *uattr,
			       const void *attr, size_t ksize,
			       unsigned int usize)
{
	int fd, err;

	if (IS_ERR(file))
		return PTR_ERR(file);
	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0) {
		fput(file);
		return fd;
	}
	err = aggmon_copy_attr_out(uattr, attr, ksize, usize);
	if (err) {
		put_unused_fd(fd);
		fput(file);
		return err;
	}
	fd_install(fd, file);
	return fd;
}

static int aggmon_stat_create_cmd(void __user *uattr, unsigned int usize)
{
	struct aggmon_stat_create_attr attr;
	struct file *file;
	int err;

	err = AGGMON_COPY_ATTR(attr, uattr, usize, AGGMON_STAT_CREATE_SIZE_VER0);
	if (err)
		return err;
	if (attr.flags || attr.id)
		return -EINVAL;
	file = aggmon_stat_file_create(&attr, &attr.id);
	return aggmon_install_file(file, uattr, &attr, sizeof(attr), usize);
}

static int aggmon_stat_info_cmd(void __user *uattr, unsigned int usize)
{
	struct aggmon_stat_info info;
	int err, copied;

	err = AGGMON_COPY_ATTR(info, uattr, usize, AGGMON_STAT_INFO_SIZE_VER0);
	if (err)
		return err;
	if (info.flags)
		return -EINVAL;

	CLASS(fd, f)(info.fd);
	if (fd_empty(f))
		return -EBADF;
	err = aggmon_stat_info(fd_file(f), &info);
	if (err && err != -ENODEV)
		return err;
	/* A gone statistic still says what it was. */
	copied = aggmon_copy_attr_out(uattr, &info, sizeof(info), usize);
	return copied ?: err;
}

static int aggmon_stat_reset_cmd(void __user *uattr, unsigned int usize)
{
	struct aggmon_stat_reset_attr attr;
	int err;

	err = AGGMON_COPY_ATTR(attr, uattr, usize, AGGMON_STAT_RESET_SIZE_VER0);
	if (err)
		return err;
	if (attr.flags)
		return -EINVAL;

	CLASS(fd, f)(attr.fd);
	if (fd_empty(f))
		return -EBADF;
	return aggmon_stat_reset(fd_file(f));
}

static int aggmon_threshold_create_cmd(void __user *uattr, unsigned int usize)
{
	struct aggmon_threshold_create_attr attr;
	struct file *file;
	int err;

	err = AGGMON_COPY_ATTR(attr, uattr, usize,
			       AGGMON_THRESHOLD_CREATE_SIZE_VER0);
	if (err)
		return err;
	if (attr.id)
		return -EINVAL;

	CLASS(fd, f)(attr.stat_fd);
	if (fd_empty(f))
		return -EBADF;
	file = aggmon_threshold_file_create(fd_file(f), &attr, &attr.id);
	return aggmon_install_file(file, uattr, &attr, sizeof(attr), usize);
}

static int aggmon_agg_create_cmd(void __user *uattr, unsigned int usize)
{
	struct aggmon_agg_create_attr attr;
	struct file *file;
	int err;

	err = AGGMON_COPY_ATTR(attr, uattr, usize, AGGMON_AGG_CREATE_SIZE_VER0);
	if (err)
		return err;
	/* Unused key slots are zero: they may mean something one day. */
	if (attr.flags || attr.id || attr.nkeys > AGGMON_AGG_KEYS_MAX ||
	    memchr_inv(&attr.keys[attr.nkeys], 0,
		       (AGGMON_AGG_KEYS_MAX - attr.nkeys) * sizeof(attr.keys[0])))
		return -EINVAL;
	file = aggmon_agg_file_create(&attr, &attr.id);
	return aggmon_install_file(file, uattr, &attr, sizeof(attr), usize);
}

static int aggmon_agg_info_cmd(void __user *uattr, unsigned int usize)
{
	struct aggmon_agg_info info;
	int err;

	err = AGGMON_COPY_ATTR(info, uattr, usize, AGGMON_AGG_INFO_SIZE_VER0);
	if (err)
		return err;
	if (info.flags)
		return -EINVAL;

	CLASS(fd, f)(info.fd);
	if (fd_empty(f))
		return -EBADF;
	err = aggmon_agg_info(fd_file(f), &info);
	return err ?: aggmon_copy_attr_out(uattr, &info, sizeof(info), usize);
}

static int aggmon_agg_snapshot_cmd(void __user *uattr, unsigned int usize)
{
	struct aggmon_agg_snapshot_attr attr;
	int err, copied;

	err = AGGMON_COPY_ATTR(attr, uattr, usize,
			       AGGMON_AGG_SNAPSHOT_SIZE_VER0);
	if (err)
		return err;

	CLASS(fd, f)(attr.fd);
	if (fd_empty(f))
		return -EBADF;
	err = aggmon_agg_snapshot(fd_file(f), &attr);
	/* Outputs are set, with a generation, once a snapshot is held. */
	if (err && ((err != -ENOSPC && err != -EFAULT && err != -ENOMEM &&
		     err != -EDQUOT && err != -EAGAIN) || !attr.generation))
		return err;
	/*
	 * A buffer too small learns the size it needs; a snapshot taken by a
	 * call that failed is held, and can be read on.
	 */
	copied = aggmon_copy_attr_out(uattr, &attr, sizeof(attr), usize);
	return copied ?: err;
}

static int aggmon_agg_open_cmd(void __user *uattr, unsigned int usize)
{
	struct aggmon_agg_open_attr attr;
	struct file *file;
	int err;

	err = AGGMON_COPY_ATTR(attr, uattr, usize, AGGMON_AGG_OPEN_SIZE_VER0);
	if (err)
		return err;
	if (attr.flags || attr.__reserved ||
	    (attr.id ? !!memchr_inv(attr.name, 0, sizeof(attr.name)) :
		       !attr.name[0]))
		return -EINVAL;
	if (strnlen(attr.name, sizeof(attr.name)) == sizeof(attr.name))
		return -ENAMETOOLONG;
	file = aggmon_agg_file_open(&attr);
	return aggmon_install_file(file, uattr, &attr, sizeof(attr), usize);
}

/*
 * The UAPI's sizes never change: a struct grows only as a new version,
 * with a new _SIZE_VER constant.  Checked at build time, as landlock does.
 */
static void aggmon_build_check_abi(void)
{
	BUILD_BUG_ON(sizeof(struct aggmon_gauge_list_attr) !=
		     AGGMON_GAUGE_LIST_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct aggmon_gauge_info) !=
		     AGGMON_GAUGE_INFO_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct aggmon_gauge_read_attr) !=
		     AGGMON_GAUGE_READ_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct aggmon_gauge_create_attr) !=
		     AGGMON_GAUGE_CREATE_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct aggmon_gauge_update_attr) !=
		     AGGMON_GAUGE_UPDATE_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct aggmon_stat_create_attr) !=
		     AGGMON_STAT_CREATE_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct aggmon_stat_info) !=
		     AGGMON_STAT_INFO_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct aggmon_stat_reset_attr) !=
		     AGGMON_STAT_RESET_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct aggmon_threshold_create_attr) !=
		     AGGMON_THRESHOLD_CREATE_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct aggmon_event) != 64);
	BUILD_BUG_ON(sizeof(struct aggmon_agg_create_attr) !=
		     AGGMON_AGG_CREATE_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct aggmon_agg_info) !=
		     AGGMON_AGG_INFO_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct aggmon_agg_record) != 16);
	BUILD_BUG_ON(sizeof(struct aggmon_agg_snapshot_attr) !=
		     AGGMON_AGG_SNAPSHOT_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct aggmon_agg_list_attr) !=
		     AGGMON_AGG_LIST_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct aggmon_agg_open_attr) !=
		     AGGMON_AGG_OPEN_SIZE_VER0);
	/* aggmon_list_cmd() serves both list commands with one type. */
	BUILD_BUG_ON(sizeof(struct aggmon_agg_list_attr) !=
		     sizeof(struct aggmon_gauge_list_attr));
	BUILD_BUG_ON(offsetof(struct aggmon_agg_list_attr, ids) !=
		     offsetof(struct aggmon_gauge_list_attr, ids));
	BUILD_BUG_ON(offsetof(struct aggmon_agg_list_attr, count) !=
		     offsetof(struct aggmon_gauge_list_attr, count));
	BUILD_BUG_ON(offsetof(struct aggmon_agg_list_attr, flags) !=
		     offsetof(struct aggmon_gauge_list_attr, flags));
	BUILD_BUG_ON(offsetof(struct aggmon_agg_list_attr, cursor) !=
		     offsetof(struct aggmon_gauge_list_attr, cursor));
	BUILD_BUG_ON(AGGMON_AGG_LIST_SIZE_VER0 != AGGMON_GAUGE_LIST_SIZE_VER0);
}

static long aggmon_cmd(unsigned int cmd, void __user *uattr,
		       unsigned int size)
{
	aggmon_build_check_abi();
	if (!aggmon_may_cmd(cmd))
		return -EACCES;

	switch (cmd) {
	case AGGMON_GAUGE_LIST:
		return aggmon_list_cmd(uattr, size, aggmon_gauge_list);
	case AGGMON_GAUGE_INFO:
		return aggmon_gauge_info_cmd(uattr, size);
	case AGGMON_GAUGE_READ:
		return aggmon_gauge_read_cmd(uattr, size);
	case AGGMON_GAUGE_CREATE:
		return aggmon_gauge_create_cmd(uattr, size);
	case AGGMON_GAUGE_UPDATE:
		return aggmon_gauge_update_cmd(uattr, size);
	case AGGMON_STAT_CREATE:
		return aggmon_stat_create_cmd(uattr, size);
	case AGGMON_STAT_INFO:
		return aggmon_stat_info_cmd(uattr, size);
	case AGGMON_STAT_RESET:
		return aggmon_stat_reset_cmd(uattr, size);
	case AGGMON_THRESHOLD_CREATE:
		return aggmon_threshold_create_cmd(uattr, size);
	case AGGMON_AGG_CREATE:
		return aggmon_agg_create_cmd(uattr, size);
	case AGGMON_AGG_INFO:
		return aggmon_agg_info_cmd(uattr, size);
	case AGGMON_AGG_SNAPSHOT:
		return aggmon_agg_snapshot_cmd(uattr, size);
	case AGGMON_AGG_LIST:
		return aggmon_list_cmd(uattr, size, aggmon_agg_list);
	case AGGMON_AGG_OPEN:
		return aggmon_agg_open_cmd(uattr, size);
	}
	return -EINVAL;
}

/*
 * aggmon times itself with a timing hook: the duration of every command,
 * keyed by command, as a power-of-two distribution in ns.
 */
static struct aggmon_agg *aggmon_syscall_agg;

static int __init aggmon_syscall_agg_init(void)
{
	static const struct aggmon_agg_def def = {
		.name = "aggmon.syscall_ns",
		.func = AGGMON_AGG_QUANTIZE,
		.nkeys = 1,
		.keys = { AGGMON_KEY_ARG },
		.entries = AGGMON_AGG_OPEN + 1,
	};

	aggmon_syscall_agg = aggmon_agg_create(&def);
	return PTR_ERR_OR_ZERO(aggmon_syscall_agg);
}
late_initcall(aggmon_syscall_agg_init);

SYSCALL_DEFINE3(aggmon, unsigned int, cmd, void __user *, uattr,
		unsigned int, size)
{
	u64 key = cmd, start;
	long ret;

	if (cmd > AGGMON_AGG_OPEN)
		return -EINVAL;

	AGGMON_TIME_START(start);
	ret = aggmon_cmd(cmd, uattr, size);
	AGGMON_TIME_END(aggmon_syscall_agg, start, &key);
	return ret;
}

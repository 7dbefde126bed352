// SPDX-License-Identifier: GPL-2.0-only
/*
 * aggmon - user gauges
 *
 * A process creates a gauge under "user." and gets a file descriptor for
 * it; the gauge lives as long as the file does and is updated through
 * the descriptor.  Each uid holds at most kernel.aggmon_max_user_gauges
 * of them (quota.c).
 */

#include <linux/anon_inodes.h>
#include <linux/cred.h>
#include <linux/err.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/seq_file.h>

#include "gauge.h"
#include "perm.h"
#include "quota.h"
#include "user_gauge.h"

static int aggmon_user_gauge_release(struct inode *inode, struct file *file)
{
	struct aggmon_gauge_entry *entry = file->private_data;
	struct ucounts *ucounts = entry->ucounts;

	aggmon_gauge_unregister(entry);
	aggmon_quota_uncharge(AGGMON_QUOTA_GAUGES, ucounts);
	return 0;
}

static void aggmon_user_gauge_show_fdinfo(struct seq_file *m, struct file *file)
{
	struct aggmon_gauge_entry *entry = file->private_data;

	seq_printf(m, "aggmon-gauge-id:\t%u\n", entry->id);
	seq_printf(m, "aggmon-gauge-name:\t%s\n", entry->name);
	seq_printf(m, "aggmon-gauge-item:\t%s\n", entry->item);
	seq_printf(m, "aggmon-gauge-value:\t%lld\n",
		   aggmon_entry_read(entry));
}

static const struct file_operations aggmon_user_gauge_fops = {
	.release	= aggmon_user_gauge_release,
	.show_fdinfo	= aggmon_user_gauge_show_fdinfo,
	.llseek		= noop_llseek,
};

/**
 * aggmon_user_gauge_create() - create a user gauge and the file owning it
 * @attr: what userspace asked for; strings may be unterminated
 * @id: receives the new gauge's id
 *
 * Return: the file, or an ERR_PTR(): -ENAMETOOLONG, -EINVAL for a name
 * outside "user." or bad characters, -EMFILE when the uid holds its
 * limit, -EEXIST, -ENOMEM.
 */
struct file *aggmon_user_gauge_create(const struct aggmon_gauge_create_attr *attr,
				      u64 *id)
{
	struct aggmon_gauge_entry *entry;
	struct ucounts *ucounts;
	struct file *file;
	int err;

	/* Checks the fields' lengths before anything calls strlen(). */
	err = aggmon_check_strings(attr->name, attr->item, attr->unit);
	if (err)
		return ERR_PTR(err);
	if (!str_has_prefix(attr->name, AGGMON_USER_PREFIX))
		return ERR_PTR(-EINVAL);

	ucounts = aggmon_quota_charge(AGGMON_QUOTA_GAUGES);
	if (IS_ERR(ucounts))
		return ERR_CAST(ucounts);
	entry = aggmon_gauge_register(NULL, attr->name, attr->item,
				      attr->unit, AGGMON_GAUGE_USER,
				      attr->initial);
	if (IS_ERR(entry)) {
		aggmon_quota_uncharge(AGGMON_QUOTA_GAUGES, ucounts);
		return ERR_CAST(entry);
	}
	entry->ucounts = ucounts;

	file = anon_inode_getfile("[aggmon_gauge]", &aggmon_user_gauge_fops,
				  entry, O_RDWR);
	if (IS_ERR(file)) {
		aggmon_gauge_unregister(entry);
		aggmon_quota_uncharge(AGGMON_QUOTA_GAUGES, ucounts);
		return file;
	}
	*id = entry->id;
	return file;
}

/**
 * aggmon_user_gauge_update() - change a user gauge through its descriptor
 * @fd: descriptor from aggmon_user_gauge_create()
 * @op: an &enum aggmon_update_op
 * @value: operand of @op
 *
 * Return: 0, -EBADF if @fd is not open, -EINVAL if it is not a user gauge
 * or @op is unknown.
 */
int aggmon_user_gauge_update(int fd, u32 op, s64 value)
{
	struct aggmon_gauge_entry *entry;

	CLASS(fd, f)(fd);
	if (fd_empty(f))
		return -EBADF;
	if (fd_file(f)->f_op != &aggmon_user_gauge_fops)
		return -EINVAL;
	entry = fd_file(f)->private_data;

	switch (op) {
	case AGGMON_UPDATE_ADD:
		aggmon_gauge_add(entry->gauge, value);
		return 0;
	case AGGMON_UPDATE_SET:
		aggmon_gauge_set(entry->gauge, value);
		return 0;
	default:
		return -EINVAL;
	}
}

#ifdef CONFIG_AGGMON_KUNIT_TEST
#include "tests/user_gauge_kunit.h"
#endif

// SPDX-License-Identifier: GPL-2.0
/*
 * aggmon selftests - the ABI: struct sizes, flags and bad input of every
 * command, each with its exact errno.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "aggmon_helpers.h"

/* VER0 sizes are the sizes of the structs in this header. */
_Static_assert(sizeof(struct aggmon_gauge_list_attr) ==
	       AGGMON_GAUGE_LIST_SIZE_VER0, "list attr size");
_Static_assert(sizeof(struct aggmon_gauge_info) ==
	       AGGMON_GAUGE_INFO_SIZE_VER0, "info size");
_Static_assert(sizeof(struct aggmon_gauge_read_attr) ==
	       AGGMON_GAUGE_READ_SIZE_VER0, "read attr size");
_Static_assert(sizeof(struct aggmon_gauge_create_attr) ==
	       AGGMON_GAUGE_CREATE_SIZE_VER0, "create attr size");
_Static_assert(sizeof(struct aggmon_gauge_update_attr) ==
	       AGGMON_GAUGE_UPDATE_SIZE_VER0, "update attr size");

#define SENTINEL_ID	0x5a5a5a5a5a5a5a5aULL
#define SENTINEL_VALUE	((__s64)0x5a5a5a5a5a5a5a5aLL)

/* Unknown commands are EINVAL, whatever the size. */
TEST(unknown_cmd)
{
	static const unsigned int cmds[] = {
		AGGMON_AGG_OPEN + 1, 99, 0x80000000u, UINT32_MAX,
	};
	__u64 buf[64];
	size_t i;

	memset(buf, 0, sizeof(buf));
	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		ASSERT_EQ(-1, sys_aggmon(cmds[i], buf, 24));
		ASSERT_EQ(EINVAL, errno);
		ASSERT_EQ(-1, sys_aggmon(cmds[i], buf, sizeof(buf)));
		ASSERT_EQ(EINVAL, errno);
	}
}

/*
 * Generic attr checks, run once per command: a valid attr is built in a
 * two-page buffer, then one thing is broken.  Failed calls must leave no
 * trace (see ASSERT_UNTOUCHED()).
 */
#define ABI_NAME	"user.kselftest.abi"
#define ABI_NEW_NAME	"user.kselftest.abi_new"
#define ABI_INITIAL	42

FIXTURE(attr) {
	long page_size;
	unsigned char *buf;
	int fd;
	__u64 id;
	__u64 ids[8];
	__s64 values[8];
	char item[AGGMON_ITEM_LEN];
};

FIXTURE_VARIANT(attr) {
	unsigned int cmd;
	unsigned int size;
	size_t flags_off;
};

FIXTURE_VARIANT_ADD(attr, list) {
	.cmd = AGGMON_GAUGE_LIST,
	.size = AGGMON_GAUGE_LIST_SIZE_VER0,
	.flags_off = offsetof(struct aggmon_gauge_list_attr, flags),
};

FIXTURE_VARIANT_ADD(attr, info) {
	.cmd = AGGMON_GAUGE_INFO,
	.size = AGGMON_GAUGE_INFO_SIZE_VER0,
	.flags_off = offsetof(struct aggmon_gauge_info, flags),
};

FIXTURE_VARIANT_ADD(attr, read) {
	.cmd = AGGMON_GAUGE_READ,
	.size = AGGMON_GAUGE_READ_SIZE_VER0,
	.flags_off = offsetof(struct aggmon_gauge_read_attr, flags),
};

FIXTURE_VARIANT_ADD(attr, create) {
	.cmd = AGGMON_GAUGE_CREATE,
	.size = AGGMON_GAUGE_CREATE_SIZE_VER0,
	.flags_off = offsetof(struct aggmon_gauge_create_attr, flags),
};

FIXTURE_VARIANT_ADD(attr, update) {
	.cmd = AGGMON_GAUGE_UPDATE,
	.size = AGGMON_GAUGE_UPDATE_SIZE_VER0,
	.flags_off = offsetof(struct aggmon_gauge_update_attr, flags),
};

FIXTURE_SETUP(attr)
{
	self->page_size = sysconf(_SC_PAGESIZE);
	ASSERT_LT(0, self->page_size);
	self->buf = mmap(NULL, 2 * self->page_size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->buf);
	aggmon_pid_item(self->item, "");
	self->fd = aggmon_create(ABI_NAME, self->item, "", ABI_INITIAL,
				 &self->id);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(attr)
{
	close(self->fd);
	munmap(self->buf, 2 * self->page_size);
}

/* Zeroes both pages and writes a valid attr for the command at the start. */
static void fill_valid(FIXTURE_DATA(attr) *self,
		       const FIXTURE_VARIANT(attr) *variant)
{
	memset(self->buf, 0, 2 * self->page_size);
	switch (variant->cmd) {
	case AGGMON_GAUGE_LIST: {
		struct aggmon_gauge_list_attr *a = (void *)self->buf;

		a->ids = aggmon_ptr(self->ids);
		a->count = ARRAY_SIZE(self->ids);
		break;
	}
	case AGGMON_GAUGE_INFO: {
		struct aggmon_gauge_info *a = (void *)self->buf;

		a->id = self->id;
		break;
	}
	case AGGMON_GAUGE_READ: {
		struct aggmon_gauge_read_attr *a = (void *)self->buf;

		self->ids[0] = self->id;
		a->ids = aggmon_ptr(self->ids);
		a->values = aggmon_ptr(self->values);
		a->count = 1;
		break;
	}
	case AGGMON_GAUGE_CREATE: {
		struct aggmon_gauge_create_attr *a = (void *)self->buf;

		aggmon_strcpy(a->name, sizeof(a->name), ABI_NEW_NAME);
		aggmon_strcpy(a->item, sizeof(a->item), self->item);
		a->initial = 7;
		break;
	}
	case AGGMON_GAUGE_UPDATE: {
		struct aggmon_gauge_update_attr *a = (void *)self->buf;

		a->fd = self->fd;
		a->op = AGGMON_UPDATE_ADD;
		a->value = 1;
		break;
	}
	}
}

/* Calls the command on self->buf; success is 0 (a created fd is closed). */
static long call(FIXTURE_DATA(attr) *self,
		 const FIXTURE_VARIANT(attr) *variant, unsigned int size)
{
	long ret = sys_aggmon(variant->cmd, self->buf, size);

	if (ret >= 0 && variant->cmd == AGGMON_GAUGE_CREATE) {
		close(ret);
		return 0;
	}
	return ret;
}

/* The fixture gauge kept its value and no gauge was created. */
#define ASSERT_UNTOUCHED()						\
	do {								\
		__s64 __v = 0;						\
		__u64 __id = 0;						\
		ASSERT_EQ(0, aggmon_read1(self->id, &__v));		\
		ASSERT_EQ(ABI_INITIAL, __v);				\
		ASSERT_EQ(-1, aggmon_find(ABI_NEW_NAME, self->item, &__id)); \
		ASSERT_EQ(ENOENT, errno);				\
	} while (0)

/* The valid attr works with the exact size: the base of all other tests. */
TEST_F(attr, exact_size)
{
	fill_valid(self, variant);
	ASSERT_EQ(0, call(self, variant, variant->size));
}

/* Sizes below *_SIZE_VER0, 0 included: EINVAL. */
TEST_F(attr, size_too_small)
{
	const unsigned int sizes[] = { 0, 1, 8, variant->size - 1 };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		fill_valid(self, variant);
		ASSERT_EQ(-1, call(self, variant, sizes[i]));
		ASSERT_EQ(EINVAL, errno);
	}
	ASSERT_UNTOUCHED();
}

/* Sizes above PAGE_SIZE: E2BIG, even with an all-zero tail. */
TEST_F(attr, size_too_big)
{
	const unsigned int sizes[] = {
		self->page_size + 1, 2 * self->page_size, UINT32_MAX,
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		fill_valid(self, variant);
		ASSERT_EQ(-1, call(self, variant, sizes[i]));
		ASSERT_EQ(E2BIG, errno);
	}
	ASSERT_UNTOUCHED();
}

/* A larger size with an all-zero tail works as the exact size does. */
TEST_F(attr, size_zero_tail)
{
	fill_valid(self, variant);
	ASSERT_EQ(0, call(self, variant, variant->size + 8));
	fill_valid(self, variant);
	ASSERT_EQ(0, call(self, variant, self->page_size));

	/* Outputs are still written: INFO's name, CREATE's id. */
	if (variant->cmd == AGGMON_GAUGE_INFO) {
		struct aggmon_gauge_info *a = (void *)self->buf;

		ASSERT_EQ(self->id, a->id);
		ASSERT_STREQ(ABI_NAME, a->name);
		ASSERT_STREQ(self->item, a->item);
	}
	if (variant->cmd == AGGMON_GAUGE_CREATE) {
		struct aggmon_gauge_create_attr *a = (void *)self->buf;

		ASSERT_NE(0ULL, a->id);
		ASSERT_NE(self->id, a->id);
	}
}

/* A larger size with any non-zero byte in the tail: E2BIG. */
TEST_F(attr, size_nonzero_tail)
{
	const struct {
		unsigned int size;
		size_t off;
	} cases[] = {
		{ variant->size + 8, variant->size },
		{ variant->size + 8, variant->size + 7 },
		{ self->page_size, self->page_size - 1 },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		fill_valid(self, variant);
		self->buf[cases[i].off] = 0x80;
		ASSERT_EQ(-1, call(self, variant, cases[i].size));
		ASSERT_EQ(E2BIG, errno);
	}
	ASSERT_UNTOUCHED();
}

/* A NULL attr with a valid size: EFAULT. */
TEST_F(attr, null_attr)
{
	ASSERT_EQ(-1, sys_aggmon(variant->cmd, NULL, variant->size));
	ASSERT_EQ(EFAULT, errno);
	ASSERT_EQ(-1, sys_aggmon(variant->cmd, NULL, variant->size + 8));
	ASSERT_EQ(EFAULT, errno);
	ASSERT_UNTOUCHED();
}

/* Any bit in flags: EINVAL. */
TEST_F(attr, flags)
{
	static const __u32 bits[] = { 1u << 0, 1u << 31, UINT32_MAX };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bits); i++) {
		fill_valid(self, variant);
		memcpy(self->buf + variant->flags_off, &bits[i], sizeof(bits[i]));
		ASSERT_EQ(-1, call(self, variant, variant->size));
		ASSERT_EQ(EINVAL, errno);
	}
	ASSERT_UNTOUCHED();
}

/*
 * Three user gauges, "user.kselftest.three" with items p<pid>_0..2, for the
 * LIST, INFO and READ tests.
 */
#define THREE_NAME	"user.kselftest.three"
#define THREE_UNIT	"things"

static const __s64 three_values[3] = { 11, -22, 33 };

FIXTURE(three) {
	int fd[3];
	__u64 id[3];
	char item[3][AGGMON_ITEM_LEN];
};

FIXTURE_SETUP(three)
{
	char suffix[8];
	int i;

	for (i = 0; i < 3; i++) {
		snprintf(suffix, sizeof(suffix), "_%d", i);
		aggmon_pid_item(self->item[i], suffix);
		self->fd[i] = aggmon_create(THREE_NAME, self->item[i],
					    THREE_UNIT, three_values[i],
					    &self->id[i]);
		ASSERT_LE(0, self->fd[i]);
		ASSERT_NE(0ULL, self->id[i]);
	}
}

FIXTURE_TEARDOWN(three)
{
	int i;

	for (i = 0; i < 3; i++)
		close(self->fd[i]);
}

/* LIST: count must be 1..AGGMON_BATCH_MAX. */
TEST_F(three, list_count)
{
	static const __u32 bad[] = { 0, AGGMON_BATCH_MAX + 1, UINT32_MAX };
	__u64 *ids = calloc(AGGMON_BATCH_MAX + 1, sizeof(*ids));
	struct aggmon_gauge_list_attr attr;
	size_t i;

	ASSERT_NE(NULL, ids);
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		memset(&attr, 0, sizeof(attr));
		attr.ids = aggmon_ptr(ids);
		attr.count = bad[i];
		ASSERT_EQ(-1, sys_aggmon(AGGMON_GAUGE_LIST, &attr, sizeof(attr)));
		ASSERT_EQ(EINVAL, errno);
	}

	memset(&attr, 0, sizeof(attr));
	attr.ids = aggmon_ptr(ids);
	attr.count = AGGMON_BATCH_MAX;
	ASSERT_EQ(0, sys_aggmon(AGGMON_GAUGE_LIST, &attr, sizeof(attr)));
	ASSERT_LE(3u, attr.count);
	ASSERT_GE((__u32)AGGMON_BATCH_MAX, attr.count);
	free(ids);
}

/* LIST: an unwritable ids pointer, with gauges to write: EFAULT. */
TEST_F(three, list_fault)
{
	struct aggmon_gauge_list_attr attr = { .ids = 1, .count = 8 };

	ASSERT_EQ(-1, sys_aggmon(AGGMON_GAUGE_LIST, &attr, sizeof(attr)));
	ASSERT_EQ(EFAULT, errno);
}

/*
 * Lists everything in batches of @batch and checks each call: ids strictly
 * ascending and >= cursor, nothing written past count, cursor out = last
 * id + 1, and at the end count 0 with the cursor unchanged.
 */
static __u64 *list_walk(struct __test_metadata *_metadata, __u32 batch,
			size_t *n)
{
	__u64 *buf = calloc(batch + 1, sizeof(*buf));
	__u64 *all = NULL, cursor = 0;
	size_t len = 0, cap = 0;
	__u32 i;

	ASSERT_NE(NULL, buf);
	for (;;) {
		struct aggmon_gauge_list_attr attr = {
			.ids = aggmon_ptr(buf),
			.count = batch,
			.cursor = cursor,
		};

		for (i = 0; i <= batch; i++)
			buf[i] = SENTINEL_ID;
		ASSERT_EQ(0, sys_aggmon(AGGMON_GAUGE_LIST, &attr, sizeof(attr)));
		ASSERT_GE(batch, attr.count);
		if (!attr.count) {
			ASSERT_EQ(cursor, attr.cursor);
			break;
		}
		for (i = 0; i < attr.count; i++) {
			ASSERT_LE(cursor, buf[i]);
			if (i)
				ASSERT_LT(buf[i - 1], buf[i]);
		}
		for (i = attr.count; i <= batch; i++)
			ASSERT_EQ(SENTINEL_ID, buf[i]);
		ASSERT_EQ(buf[attr.count - 1] + 1, attr.cursor);
		cursor = attr.cursor;

		ASSERT_GT(1u << 22, len + attr.count);
		if (len + attr.count > cap) {
			cap = 2 * (len + attr.count);
			all = realloc(all, cap * sizeof(*all));
			ASSERT_NE(NULL, all);
		}
		memcpy(all + len, buf, attr.count * sizeof(*buf));
		len += attr.count;
	}
	free(buf);
	*n = len;
	return all;
}

static bool id_in(const __u64 *ids, size_t n, __u64 id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (ids[i] == id)
			return true;
	return false;
}

/*
 * LIST: the walk invariants hold for any batch size, and batches of 1, 2
 * and 7 visit exactly the ids that batches of AGGMON_BATCH_MAX visit.
 */
TEST_F(three, list_order)
{
	static const __u32 batches[] = { 1, 2, 7 };
	__u64 *big, *small;
	size_t n_big, n_small, i;

	big = list_walk(_metadata, AGGMON_BATCH_MAX, &n_big);
	ASSERT_LE(3u, n_big);
	for (i = 0; i < 3; i++)
		ASSERT_TRUE(id_in(big, n_big, self->id[i]));

	for (i = 0; i < ARRAY_SIZE(batches); i++) {
		small = list_walk(_metadata, batches[i], &n_small);
		ASSERT_EQ(n_big, n_small);
		ASSERT_EQ(0, memcmp(big, small, n_big * sizeof(*big)));
		free(small);
	}
	free(big);
}

/*
 * LIST: the cursor is the smallest id returned; a full batch stops at its
 * capacity; past the last id, count is 0 and the cursor stays.
 */
TEST_F(three, list_cursor)
{
	__u64 ids[4], last, *all;
	struct aggmon_gauge_list_attr attr;
	size_t n, i;

	for (i = 0; i < 3; i++) {
		memset(&attr, 0, sizeof(attr));
		attr.ids = aggmon_ptr(ids);
		attr.count = 1;
		attr.cursor = self->id[i];
		ASSERT_EQ(0, sys_aggmon(AGGMON_GAUGE_LIST, &attr, sizeof(attr)));
		ASSERT_EQ(1u, attr.count);
		ASSERT_EQ(self->id[i], ids[0]);
		ASSERT_EQ(self->id[i] + 1, attr.cursor);
	}

	/* Capacity 2 with at least 3 gauges: exactly 2, ids[2] untouched. */
	ids[2] = SENTINEL_ID;
	memset(&attr, 0, sizeof(attr));
	attr.ids = aggmon_ptr(ids);
	attr.count = 2;
	ASSERT_EQ(0, sys_aggmon(AGGMON_GAUGE_LIST, &attr, sizeof(attr)));
	ASSERT_EQ(2u, attr.count);
	ASSERT_LT(ids[0], ids[1]);
	ASSERT_EQ(ids[1] + 1, attr.cursor);
	ASSERT_EQ(SENTINEL_ID, ids[2]);

	all = list_walk(_metadata, AGGMON_BATCH_MAX, &n);
	ASSERT_LT(0u, n);
	last = all[n - 1];
	free(all);
	for (i = 0; i < 2; i++) {
		const __u64 cursor = i ? UINT64_MAX : last + 1;

		ids[0] = SENTINEL_ID;
		memset(&attr, 0, sizeof(attr));
		attr.ids = aggmon_ptr(ids);
		attr.count = 4;
		attr.cursor = cursor;
		ASSERT_EQ(0, sys_aggmon(AGGMON_GAUGE_LIST, &attr, sizeof(attr)));
		ASSERT_EQ(0u, attr.count);
		ASSERT_EQ(cursor, attr.cursor);
		ASSERT_EQ(SENTINEL_ID, ids[0]);
	}
}

/* INFO by id: name, item, unit and kind come back; the id stays. */
TEST_F(three, info_by_id)
{
	struct aggmon_gauge_info info;
	int i;

	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, aggmon_info(self->id[i], &info));
		ASSERT_EQ(self->id[i], info.id);
		ASSERT_EQ(0u, info.flags);
		ASSERT_EQ((__u32)AGGMON_GAUGE_USER, info.kind);
		ASSERT_STREQ(THREE_NAME, info.name);
		ASSERT_STREQ(self->item[i], info.item);
		ASSERT_STREQ(THREE_UNIT, info.unit);
		ASSERT_EQ(getuid(), info.owner_uid);
		ASSERT_EQ(0u, info.__reserved);
	}
}

/* INFO with id 0: found by name and item, its id and metadata come back. */
TEST_F(three, info_by_name)
{
	struct aggmon_gauge_info info;
	int i;

	for (i = 0; i < 3; i++) {
		memset(&info, 0, sizeof(info));
		aggmon_strcpy(info.name, sizeof(info.name), THREE_NAME);
		aggmon_strcpy(info.item, sizeof(info.item), self->item[i]);
		ASSERT_EQ(0, sys_aggmon(AGGMON_GAUGE_INFO, &info, sizeof(info)));
		ASSERT_EQ(self->id[i], info.id);
		ASSERT_EQ((__u32)AGGMON_GAUGE_USER, info.kind);
		ASSERT_STREQ(THREE_NAME, info.name);
		ASSERT_STREQ(self->item[i], info.item);
		ASSERT_STREQ(THREE_UNIT, info.unit);
		ASSERT_EQ(getuid(), info.owner_uid);
		ASSERT_EQ(0u, info.__reserved);
	}
}

/* INFO: __reserved is out only: whatever the caller left there, 0 comes back. */
TEST_F(three, info_reserved_zeroed)
{
	struct aggmon_gauge_info info;

	memset(&info, 0, sizeof(info));
	info.id = self->id[0];
	info.__reserved = 0xdeadbeef;
	ASSERT_EQ(0, sys_aggmon(AGGMON_GAUGE_INFO, &info, sizeof(info)));
	ASSERT_EQ(self->id[0], info.id);
	ASSERT_EQ(0u, info.__reserved);
}

/* INFO: an unknown id, an unknown name, or a known name with an unknown item: ENOENT. */
TEST_F(three, info_unknown)
{
	struct aggmon_gauge_info info;
	__u64 id = 0;

	ASSERT_EQ(-1, aggmon_info(AGGMON_BAD_ID, &info));
	ASSERT_EQ(ENOENT, errno);
	ASSERT_EQ(-1, aggmon_find("user.kselftest.no_such_gauge",
				  self->item[0], &id));
	ASSERT_EQ(ENOENT, errno);
	ASSERT_EQ(-1, aggmon_find(THREE_NAME, "no_such_item", &id));
	ASSERT_EQ(ENOENT, errno);
}

/* INFO with id 0 and a name without NUL in AGGMON_NAME_LEN: ENAMETOOLONG. */
TEST_F(three, info_name_too_long)
{
	struct aggmon_gauge_info info;

	memset(&info, 0, sizeof(info));
	memcpy(info.name, "user.", 5);
	memset(info.name + 5, 'a', sizeof(info.name) - 5);
	ASSERT_EQ(-1, sys_aggmon(AGGMON_GAUGE_INFO, &info, sizeof(info)));
	ASSERT_EQ(ENAMETOOLONG, errno);
}

/* READ: count must be 1..AGGMON_BATCH_MAX; AGGMON_BATCH_MAX ids work. */
TEST_F(three, read_count)
{
	static const __u32 bad[] = { 0, AGGMON_BATCH_MAX + 1, UINT32_MAX };
	__u64 *ids = calloc(AGGMON_BATCH_MAX + 1, sizeof(*ids));
	__s64 *values = calloc(AGGMON_BATCH_MAX + 1, sizeof(*values));
	struct aggmon_gauge_read_attr attr;
	size_t i;

	ASSERT_NE(NULL, ids);
	ASSERT_NE(NULL, values);
	for (i = 0; i <= AGGMON_BATCH_MAX; i++)
		ids[i] = self->id[i % 3];

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		memset(&attr, 0, sizeof(attr));
		attr.ids = aggmon_ptr(ids);
		attr.values = aggmon_ptr(values);
		attr.count = bad[i];
		ASSERT_EQ(-1, sys_aggmon(AGGMON_GAUGE_READ, &attr, sizeof(attr)));
		ASSERT_EQ(EINVAL, errno);
	}

	memset(&attr, 0, sizeof(attr));
	attr.ids = aggmon_ptr(ids);
	attr.values = aggmon_ptr(values);
	attr.count = AGGMON_BATCH_MAX;
	values[AGGMON_BATCH_MAX] = SENTINEL_VALUE;
	ASSERT_EQ(0, sys_aggmon(AGGMON_GAUGE_READ, &attr, sizeof(attr)));
	for (i = 0; i < AGGMON_BATCH_MAX; i++)
		ASSERT_EQ(three_values[i % 3], values[i]);
	ASSERT_EQ(SENTINEL_VALUE, values[AGGMON_BATCH_MAX]);
	free(ids);
	free(values);
}

/* READ: values come back in the order of the ids. */
TEST_F(three, read_order)
{
	__u64 ids[3] = { self->id[2], self->id[0], self->id[1] };
	__s64 values[3] = { 0, 0, 0 };
	struct aggmon_gauge_read_attr attr = {
		.ids = aggmon_ptr(ids),
		.values = aggmon_ptr(values),
		.count = 3,
	};

	ASSERT_EQ(0, sys_aggmon(AGGMON_GAUGE_READ, &attr, sizeof(attr)));
	ASSERT_EQ(three_values[2], values[0]);
	ASSERT_EQ(three_values[0], values[1]);
	ASSERT_EQ(three_values[1], values[2]);
}

/*
 * READ with an unknown id: ENOENT, no value written, and count set to the
 * index of the first unknown id.
 */
TEST_F(three, read_unknown)
{
	const struct {
		__u64 ids[4];
		__u32 first_bad;
	} cases[] = {
		{ { self->id[0], self->id[1], AGGMON_BAD_ID, self->id[2] }, 2 },
		{ { AGGMON_BAD_ID, self->id[0], self->id[1], self->id[2] }, 0 },
		{ { self->id[0], self->id[1], self->id[2], AGGMON_BAD_ID }, 3 },
		{ { self->id[0], 0, AGGMON_BAD_ID, self->id[2] }, 1 },
	};
	__u64 ids[4];
	__s64 values[4];
	size_t i, j;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		struct aggmon_gauge_read_attr attr = {
			.ids = aggmon_ptr(ids),
			.values = aggmon_ptr(values),
			.count = 4,
		};

		memcpy(ids, cases[i].ids, sizeof(ids));
		for (j = 0; j < 4; j++)
			values[j] = SENTINEL_VALUE;
		ASSERT_EQ(-1, sys_aggmon(AGGMON_GAUGE_READ, &attr, sizeof(attr)));
		ASSERT_EQ(ENOENT, errno);
		ASSERT_EQ(cases[i].first_bad, attr.count);
		for (j = 0; j < 4; j++)
			ASSERT_EQ(SENTINEL_VALUE, values[j]);
	}
}

/* READ: unreadable ids or unwritable values: EFAULT. */
TEST_F(three, read_fault)
{
	__u64 ids[1] = { self->id[0] };
	__s64 values[1];
	struct aggmon_gauge_read_attr attr = {
		.ids = 1,
		.values = aggmon_ptr(values),
		.count = 1,
	};

	ASSERT_EQ(-1, sys_aggmon(AGGMON_GAUGE_READ, &attr, sizeof(attr)));
	ASSERT_EQ(EFAULT, errno);

	attr.ids = aggmon_ptr(ids);
	attr.values = 1;
	attr.count = 1;
	ASSERT_EQ(-1, sys_aggmon(AGGMON_GAUGE_READ, &attr, sizeof(attr)));
	ASSERT_EQ(EFAULT, errno);
}

/* Fills a create attr with @name and an item unique to this process. */
static void create_attr(struct aggmon_gauge_create_attr *attr,
			const char *name)
{
	memset(attr, 0, sizeof(*attr));
	aggmon_strcpy(attr->name, sizeof(attr->name), name);
	aggmon_pid_item(attr->item, "");
}

/* CREATE: names other than "user." then [a-z0-9_]+ segments joined by '.': EINVAL. */
TEST(create_bad_name)
{
	static const char *const names[] = {
		"", "user", "user.", "user..x", "user.x.", "user.x..y",
		".user.x", "user.X", "user.a b", "user.a-b", "user.a/b",
		"user.a:b", "foo.bar", "users.x", "User.x", "user.\xc3\xa9",
		/* Latin-1 letters, which the kernel's ctype calls letters */
		"user.caf\xe9", "user.\xdf", "user.\xff",
	};
	struct aggmon_gauge_create_attr attr;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(names); i++) {
		create_attr(&attr, names[i]);
		ASSERT_EQ(-1, sys_aggmon(AGGMON_GAUGE_CREATE, &attr,
					 sizeof(attr))) {
			TH_LOG("name \"%s\"", names[i]);
		}
		ASSERT_EQ(EINVAL, errno) {
			TH_LOG("name \"%s\"", names[i]);
		}
	}
}

/* CREATE: good names, up to AGGMON_NAME_LEN - 1 characters. */
TEST(create_good_name)
{
	static const char *const names[] = {
		"user.a", "user.0", "user._", "user.a_b.c9.d", "user.x.y.z",
	};
	struct aggmon_gauge_create_attr attr;
	struct aggmon_gauge_info info;
	size_t i;
	int fd;

	for (i = 0; i <= ARRAY_SIZE(names); i++) {
		if (i < ARRAY_SIZE(names)) {
			create_attr(&attr, names[i]);
		} else {
			create_attr(&attr, "user.");
			memset(attr.name + 5, 'a', sizeof(attr.name) - 6);
		}
		fd = sys_aggmon(AGGMON_GAUGE_CREATE, &attr, sizeof(attr));
		ASSERT_LE(0, fd) {
			TH_LOG("name \"%s\": %s", attr.name, strerror(errno));
		}
		ASSERT_EQ(0, aggmon_info(attr.id, &info));
		ASSERT_STREQ(attr.name, info.name);
		ASSERT_EQ(0, close(fd));
	}
}

/* CREATE: a name or an item without NUL in its field: ENAMETOOLONG. */
TEST(create_too_long)
{
	struct aggmon_gauge_create_attr attr;

	create_attr(&attr, "user.");
	memset(attr.name + 5, 'a', sizeof(attr.name) - 5);
	ASSERT_EQ(-1, sys_aggmon(AGGMON_GAUGE_CREATE, &attr, sizeof(attr)));
	ASSERT_EQ(ENAMETOOLONG, errno);

	create_attr(&attr, "user.kselftest.too_long");
	memset(attr.item, 'a', sizeof(attr.item));
	ASSERT_EQ(-1, sys_aggmon(AGGMON_GAUGE_CREATE, &attr, sizeof(attr)));
	ASSERT_EQ(ENAMETOOLONG, errno);
}

/* CREATE: items are [A-Za-z0-9_.:-]*, empty and 31 characters included. */
TEST(create_item)
{
	static const char *const bad[] = {
		"a/b", "a b", "a\tb", "a*", "a\x7f", "\xc3\xa9", "a,b",
		"\xc9t", "\xe9",
	};
	static const char *const good[] = {
		"", "eth0", "A-Z_a.z:0-9", "...", "-",
		"0123456789abcdefghijABCDEFGHIJ_",
	};
	struct aggmon_gauge_create_attr attr;
	char name[AGGMON_NAME_LEN];
	size_t i;
	int fd;

	/* A name of this process: items alone need not be unique. */
	snprintf(name, sizeof(name), "user.kselftest.item.p%d", (int)getpid());
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		create_attr(&attr, name);
		aggmon_strcpy(attr.item, sizeof(attr.item), bad[i]);
		ASSERT_EQ(-1, sys_aggmon(AGGMON_GAUGE_CREATE, &attr,
					 sizeof(attr))) {
			TH_LOG("item \"%s\"", bad[i]);
		}
		ASSERT_EQ(EINVAL, errno);
	}
	for (i = 0; i < ARRAY_SIZE(good); i++) {
		create_attr(&attr, name);
		aggmon_strcpy(attr.item, sizeof(attr.item), good[i]);
		fd = sys_aggmon(AGGMON_GAUGE_CREATE, &attr, sizeof(attr));
		ASSERT_LE(0, fd) {
			TH_LOG("item \"%s\": %s", good[i], strerror(errno));
		}
		ASSERT_EQ(0, close(fd));
	}
}

/* CREATE: a non-zero __reserved: EINVAL, and nothing is created. */
TEST(create_reserved)
{
	static const __u32 bits[] = { 1u << 0, 1u << 31 };
	struct aggmon_gauge_create_attr attr;
	__u64 id = 0;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bits); i++) {
		create_attr(&attr, "user.kselftest.reserved");
		attr.__reserved = bits[i];
		ASSERT_EQ(-1, sys_aggmon(AGGMON_GAUGE_CREATE, &attr,
					 sizeof(attr)));
		ASSERT_EQ(EINVAL, errno);
	}
	/* id is an output: it must be 0 on input. */
	create_attr(&attr, "user.kselftest.reserved");
	attr.id = 1;
	ASSERT_EQ(-1, sys_aggmon(AGGMON_GAUGE_CREATE, &attr, sizeof(attr)));
	ASSERT_EQ(EINVAL, errno);
	ASSERT_EQ(-1, aggmon_find("user.kselftest.reserved", attr.item, &id));
	ASSERT_EQ(ENOENT, errno);
}

/*
 * Gauge for the UPDATE tests: every failed update must leave its value
 * alone.
 */
FIXTURE(upd) {
	int fd;
	__u64 id;
};

FIXTURE_SETUP(upd)
{
	char item[AGGMON_ITEM_LEN];

	aggmon_pid_item(item, "");
	self->fd = aggmon_create("user.kselftest.update", item, "", 1000,
				 &self->id);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(upd)
{
	close(self->fd);
}

#define ASSERT_VALUE(expected)						\
	do {								\
		__s64 __v = 0;						\
		ASSERT_EQ(0, aggmon_read1(self->id, &__v));		\
		ASSERT_EQ((__s64)(expected), __v);			\
	} while (0)

/*
 * UPDATE: fd -1, a closed fd or an fd number not in use: EBADF; an open fd
 * that is not a user gauge: EINVAL.
 */
TEST_F(upd, bad_fd)
{
	int fd;

	ASSERT_EQ(-1, aggmon_update(-1, AGGMON_UPDATE_ADD, 1));
	ASSERT_EQ(EBADF, errno);

	fd = dup(self->fd);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, close(fd));
	ASSERT_EQ(-1, aggmon_update(fd, AGGMON_UPDATE_ADD, 1));
	ASSERT_EQ(EBADF, errno);

	ASSERT_EQ(-1, aggmon_update(0x7ffffff0, AGGMON_UPDATE_ADD, 1));
	ASSERT_EQ(EBADF, errno);

	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(-1, aggmon_update(fd, AGGMON_UPDATE_ADD, 1));
	ASSERT_EQ(EINVAL, errno);
	ASSERT_EQ(-1, aggmon_update(fd, AGGMON_UPDATE_SET, 1));
	ASSERT_EQ(EINVAL, errno);
	ASSERT_EQ(0, close(fd));

	ASSERT_VALUE(1000);
}

/* UPDATE: an op other than ADD and SET: EINVAL. */
TEST_F(upd, bad_op)
{
	static const __u32 ops[] = { 2, 3, 0x80000000u, UINT32_MAX };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(ops); i++) {
		ASSERT_EQ(-1, aggmon_update(self->fd, ops[i], 5));
		ASSERT_EQ(EINVAL, errno);
	}
	ASSERT_VALUE(1000);
}

/* UPDATE: a non-zero __reserved: EINVAL. */
TEST_F(upd, reserved)
{
	static const __u32 bits[] = { 1u << 0, 1u << 31 };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bits); i++) {
		struct aggmon_gauge_update_attr attr = {
			.fd = self->fd,
			.op = AGGMON_UPDATE_SET,
			.value = 5,
			.__reserved = bits[i],
		};

		ASSERT_EQ(-1, sys_aggmon(AGGMON_GAUGE_UPDATE, &attr,
					 sizeof(attr)));
		ASSERT_EQ(EINVAL, errno);
	}
	ASSERT_VALUE(1000);
}

/* UPDATE: both ops work (the reference for the failures above). */
TEST_F(upd, good_ops)
{
	ASSERT_EQ(0, aggmon_update(self->fd, AGGMON_UPDATE_ADD, -1));
	ASSERT_VALUE(999);
	ASSERT_EQ(0, aggmon_update(self->fd, AGGMON_UPDATE_SET, -5));
	ASSERT_VALUE(-5);
}

TEST_HARNESS_MAIN

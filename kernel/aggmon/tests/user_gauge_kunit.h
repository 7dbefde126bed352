/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KUnit tests of user gauges: the per-uid limit and the file that owns a
 * gauge.  Included at the end of user_gauge.c.
 */
#include <kunit/test.h>

static void aggmon_test_user_limit(struct kunit *test)
{
	kuid_t uid = KUIDT_INIT(4242);
	unsigned int max = aggmon_quota_max(AGGMON_QUOTA_GAUGES);
	unsigned int i;

	for (i = 0; i < max; i++)
		KUNIT_ASSERT_EQ(test, aggmon_quota_charge(AGGMON_QUOTA_GAUGES, uid), 0);
	KUNIT_EXPECT_EQ(test, aggmon_quota_charge(AGGMON_QUOTA_GAUGES, uid), -EMFILE);
	/* Another uid has its own allowance. */
	KUNIT_EXPECT_EQ(test, aggmon_quota_charge(AGGMON_QUOTA_GAUGES, KUIDT_INIT(4243)), 0);
	aggmon_quota_uncharge(AGGMON_QUOTA_GAUGES, KUIDT_INIT(4243));

	aggmon_quota_uncharge(AGGMON_QUOTA_GAUGES, uid);
	KUNIT_EXPECT_EQ(test, aggmon_quota_charge(AGGMON_QUOTA_GAUGES, uid), 0);
	for (i = 0; i < max; i++)
		aggmon_quota_uncharge(AGGMON_QUOTA_GAUGES, uid);
	/* A uid that holds nothing costs nothing. */
	KUNIT_EXPECT_EQ(test, aggmon_quota_held(AGGMON_QUOTA_GAUGES, uid), 0);
}

static void aggmon_test_user_create(struct kunit *test)
{
	struct aggmon_gauge_create_attr attr = {
		.name = "user.kunit.level",
		.item = "q0",
		.unit = "items",
		.initial = -3,
	};
	struct aggmon_gauge_entry *entry;
	struct file *file;
	u64 id = 0;

	file = aggmon_user_gauge_create(&attr, &id);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, file);
	KUNIT_EXPECT_NE(test, id, 0);
	entry = file->private_data;
	KUNIT_EXPECT_EQ(test, (u64)entry->id, id);
	KUNIT_EXPECT_EQ(test, entry->kind, AGGMON_GAUGE_USER);
	KUNIT_EXPECT_PTR_EQ(test, entry->gauge, &entry->user_gauge);
	KUNIT_EXPECT_TRUE(test, uid_eq(entry->owner, current_uid()));
	KUNIT_EXPECT_EQ(test, aggmon_entry_read(entry), -3);

	/* Only names under "user." */
	strscpy(attr.name, "net.kunit");
	KUNIT_EXPECT_EQ(test, PTR_ERR(aggmon_user_gauge_create(&attr, &id)),
			-EINVAL);
	memset(attr.item, 'x', sizeof(attr.item));
	strscpy(attr.name, "user.kunit.level");
	KUNIT_EXPECT_EQ(test, PTR_ERR(aggmon_user_gauge_create(&attr, &id)),
			-ENAMETOOLONG);
	strscpy(attr.item, "q0");
	KUNIT_EXPECT_EQ(test, PTR_ERR(aggmon_user_gauge_create(&attr, &id)),
			-EEXIST);

	/* Release now, not from delayed fput: a rerun must not see EEXIST. */
	__fput_sync(file);
}

static struct kunit_case aggmon_user_gauge_test_cases[] = {
	KUNIT_CASE(aggmon_test_user_limit),
	KUNIT_CASE(aggmon_test_user_create),
	{}
};

static struct kunit_suite aggmon_user_gauge_test_suite = {
	.name = "aggmon_user_gauge",
	.test_cases = aggmon_user_gauge_test_cases,
};

kunit_test_suite(aggmon_user_gauge_test_suite);

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KUnit tests of user gauges: the per-uid limit and the file that owns a
 * gauge.  Included at the end of user_gauge.c.
 */
#include <kunit/test.h>
#include <linux/cred.h>

/* Charges one gauge as @uid; the ucounts, or the error. */
static struct ucounts *aggmon_test_charge_as(kuid_t uid)
{
	const struct cred *old;
	struct ucounts *ucounts;
	struct cred *cred;

	cred = prepare_creds();
	if (!cred)
		return ERR_PTR(-ENOMEM);
	cred->uid = uid;
	old = override_creds(cred);
	ucounts = aggmon_quota_charge(AGGMON_QUOTA_GAUGES);
	revert_creds(old);
	put_cred(cred);
	return ucounts;
}

#define AGGMON_TEST_CAP	3

/*
 * The cap holds per user: with kernel.aggmon_max_user_gauges at 3, a uid
 * gets three charges and then -EMFILE; another uid has its own three; a
 * charge given back can be taken again.
 */
static void aggmon_test_user_limit(struct kunit *test)
{
	long *max = aggmon_quota_max_ptr(AGGMON_QUOTA_GAUGES);
	struct ucounts *held[AGGMON_TEST_CAP], *other, *again;
	long saved = READ_ONCE(*max);
	kuid_t uid = KUIDT_INIT(4242);
	unsigned int i;

	WRITE_ONCE(*max, AGGMON_TEST_CAP);
	KUNIT_EXPECT_EQ(test, aggmon_quota_max(AGGMON_QUOTA_GAUGES),
			AGGMON_TEST_CAP);
	for (i = 0; i < AGGMON_TEST_CAP; i++) {
		held[i] = aggmon_test_charge_as(uid);
		KUNIT_ASSERT_FALSE(test, IS_ERR(held[i]));
	}
	KUNIT_EXPECT_EQ(test, aggmon_quota_held(AGGMON_QUOTA_GAUGES, held[0]),
			AGGMON_TEST_CAP);
	KUNIT_EXPECT_PTR_EQ(test, aggmon_test_charge_as(uid), ERR_PTR(-EMFILE));
	/* Another uid has its own allowance. */
	other = aggmon_test_charge_as(KUIDT_INIT(4243));
	KUNIT_ASSERT_FALSE(test, IS_ERR(other));
	KUNIT_EXPECT_EQ(test, aggmon_quota_held(AGGMON_QUOTA_GAUGES, other), 1);
	aggmon_quota_uncharge(AGGMON_QUOTA_GAUGES, other);

	aggmon_quota_uncharge(AGGMON_QUOTA_GAUGES, held[0]);
	again = aggmon_test_charge_as(uid);
	KUNIT_ASSERT_FALSE(test, IS_ERR(again));
	KUNIT_EXPECT_EQ(test, aggmon_quota_held(AGGMON_QUOTA_GAUGES, again),
			AGGMON_TEST_CAP);
	aggmon_quota_uncharge(AGGMON_QUOTA_GAUGES, again);
	for (i = 1; i < AGGMON_TEST_CAP; i++)
		aggmon_quota_uncharge(AGGMON_QUOTA_GAUGES, held[i]);
	WRITE_ONCE(*max, saved);
}

#define AGGMON_TEST_BYTES	1000

/*
 * Memory is capped per user in bytes: up to the cap exactly, then
 * -EDQUOT, which charges nothing; what is given back can be taken again.
 */
static void aggmon_test_user_bytes(struct kunit *test)
{
	long *max = aggmon_quota_bytes_max_ptr();
	long saved = READ_ONCE(*max);
	struct ucounts *ucounts;

	ucounts = aggmon_test_charge_as(KUIDT_INIT(4244));
	KUNIT_ASSERT_FALSE(test, IS_ERR(ucounts));
	WRITE_ONCE(*max, AGGMON_TEST_BYTES);
	KUNIT_EXPECT_EQ(test, aggmon_quota_charge_bytes(ucounts, 600), 0);
	KUNIT_EXPECT_EQ(test, aggmon_quota_charge_bytes(ucounts, 401), -EDQUOT);
	KUNIT_EXPECT_EQ(test, aggmon_quota_bytes_held(ucounts), 600);
	KUNIT_EXPECT_EQ(test, aggmon_quota_charge_bytes(ucounts, 400), 0);
	KUNIT_EXPECT_EQ(test, aggmon_quota_bytes_held(ucounts),
			AGGMON_TEST_BYTES);
	KUNIT_EXPECT_EQ(test, aggmon_quota_charge_bytes(ucounts, 1), -EDQUOT);
	aggmon_quota_uncharge_bytes(ucounts, 600);
	KUNIT_EXPECT_EQ(test, aggmon_quota_charge_bytes(ucounts, 600), 0);
	aggmon_quota_uncharge_bytes(ucounts, AGGMON_TEST_BYTES);
	KUNIT_EXPECT_EQ(test, aggmon_quota_bytes_held(ucounts), 0);
	WRITE_ONCE(*max, saved);
	aggmon_quota_uncharge(AGGMON_QUOTA_GAUGES, ucounts);
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
	KUNIT_CASE(aggmon_test_user_bytes),
	KUNIT_CASE(aggmon_test_user_create),
	{}
};

static struct kunit_suite aggmon_user_gauge_test_suite = {
	.name = "aggmon_user_gauge",
	.test_cases = aggmon_user_gauge_test_cases,
};

kunit_test_suite(aggmon_user_gauge_test_suite);

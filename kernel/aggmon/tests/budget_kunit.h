/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KUnit tests of per-CPU budgets, included at the end of budget.c.
 */
#include <kunit/test.h>

/* Each CPU gets a share of the room short of each bound. */
static void aggmon_test_budget_size(struct kunit *test)
{
	u32 up, down;

	KUNIT_EXPECT_TRUE(test, aggmon_budget_size(0, 101, -201, 4, &up,
						   &down));
	KUNIT_EXPECT_EQ(test, up, 25);		/* 100 / 4 */
	KUNIT_EXPECT_EQ(test, down, 50);	/* 200 / 4 */
	/* Four CPUs at their limit stop one short: 0 + 4 * 25 = 100. */
	KUNIT_EXPECT_LT(test, 4 * (s64)up, 101);

	/* Off-centre level, one CPU: everything short of the bounds. */
	KUNIT_EXPECT_TRUE(test, aggmon_budget_size(-50, 0, -100, 1, &up,
						   &down));
	KUNIT_EXPECT_EQ(test, up, 49);
	KUNIT_EXPECT_EQ(test, down, 49);
}

/* At a bound the room that way is 0; past it too. */
static void aggmon_test_budget_at_bound(struct kunit *test)
{
	u32 up, down;

	/* A high watermark equal to the level: hi = level + 1. */
	KUNIT_EXPECT_FALSE(test, aggmon_budget_size(7, 8, S64_MIN, 2, &up,
						    &down));
	/* A low watermark equal to the level: lo = level - 1. */
	KUNIT_EXPECT_FALSE(test, aggmon_budget_size(7, S64_MAX, 6, 2, &up,
						    &down));
	/* Both: nothing to grant. */
	KUNIT_EXPECT_FALSE(test, aggmon_budget_size(7, 8, 6, 1, &up, &down));
	/* Bounds on the wrong side give no room, never a huge one. */
	KUNIT_EXPECT_FALSE(test, aggmon_budget_size(7, 3, 9, 1, &up, &down));
}

/* Under AGGMON_BUDGET_MIN in either direction: stay serialised. */
static void aggmon_test_budget_minimum(struct kunit *test)
{
	u32 up, down;

	/* 16 * 4 = 64 fits short of 65, not of 64. */
	KUNIT_EXPECT_TRUE(test, aggmon_budget_size(0, 65, -65, 4, &up,
						   &down));
	KUNIT_EXPECT_EQ(test, up, AGGMON_BUDGET_MIN);
	KUNIT_EXPECT_FALSE(test, aggmon_budget_size(0, 64, -64, 4, &up,
						    &down));
	/* One way only is not enough: each update the other way recalls. */
	KUNIT_EXPECT_FALSE(test, aggmon_budget_size(0, 2, -1000, 4, &up,
						    &down));
	KUNIT_EXPECT_FALSE(test, aggmon_budget_size(0, 1000, -64, 4, &up,
						    &down));
	KUNIT_EXPECT_TRUE(test, aggmon_budget_size(0, 1000, -65, 4, &up,
						   &down));
	KUNIT_EXPECT_EQ(test, up, 249);
	KUNIT_EXPECT_EQ(test, down, AGGMON_BUDGET_MIN);
}

/* No bound: capped, and never up to S64_MAX itself (no wrap). */
static void aggmon_test_budget_extremes(struct kunit *test)
{
	u32 up, down;

	KUNIT_EXPECT_TRUE(test, aggmon_budget_size(0, S64_MAX, S64_MIN, 1,
						   &up, &down));
	KUNIT_EXPECT_EQ(test, up, AGGMON_BUDGET_MAX);
	KUNIT_EXPECT_EQ(test, down, AGGMON_BUDGET_MAX);
	KUNIT_EXPECT_TRUE(test, aggmon_budget_size(S64_MAX - 20, S64_MAX,
						   S64_MIN, 1, &up, &down));
	KUNIT_EXPECT_EQ(test, up, 19);
	KUNIT_EXPECT_EQ(test, down, AGGMON_BUDGET_MAX);
	KUNIT_EXPECT_TRUE(test, aggmon_budget_size(S64_MIN + 20, S64_MAX,
						   S64_MIN, 1, &up, &down));
	KUNIT_EXPECT_EQ(test, down, 19);
	/* Past 16 CPUs, a CPU needs as many as there are CPUs. */
	KUNIT_EXPECT_FALSE(test, aggmon_budget_size(0, 32 * 31 + 1,
						    -32 * 32 - 1, 32, &up,
						    &down));
	KUNIT_EXPECT_TRUE(test, aggmon_budget_size(0, 32 * 32 + 1,
						   -32 * 32 - 1, 32, &up,
						   &down));
	KUNIT_EXPECT_EQ(test, up, 32);
	/* cpus == 0 is taken as 1, not a division by zero. */
	KUNIT_EXPECT_TRUE(test, aggmon_budget_size(0, 100, -100, 0, &up,
						   &down));
	KUNIT_EXPECT_EQ(test, up, 99);
}

/* Spend on this CPU, then recall what was spent, exactly. */
static void aggmon_test_budget_spend_recall(struct kunit *test)
{
	struct aggmon_budget budget;
	bool ok[6];
	s64 cpus;
	s64 spent;

	KUNIT_ASSERT_EQ(test, aggmon_budget_init(&budget, GFP_KERNEL), 0);
	KUNIT_EXPECT_FALSE(test, aggmon_budget_out(&budget));
	cpus = num_online_cpus();
	KUNIT_ASSERT_TRUE(test, aggmon_budget_grant(&budget, 0,
						    1 + 100 * cpus,
						    -1 - 50 * cpus));
	KUNIT_EXPECT_TRUE(test, aggmon_budget_out(&budget));
	KUNIT_EXPECT_EQ(test, budget.up, 100);

	preempt_disable();
	ok[0] = aggmon_budget_spend(&budget, 60);
	ok[1] = aggmon_budget_spend(&budget, 41);	/* 101 > 100 */
	ok[2] = aggmon_budget_spend(&budget, 40);	/* exactly 100 */
	ok[3] = aggmon_budget_spend(&budget, -150);	/* 100 up again */
	ok[4] = aggmon_budget_spend(&budget, -1);	/* past -50 */
	ok[5] = aggmon_budget_spend(&budget, 0);
	preempt_enable();
	KUNIT_EXPECT_TRUE(test, ok[0]);
	KUNIT_EXPECT_FALSE(test, ok[1]);
	KUNIT_EXPECT_TRUE(test, ok[2]);
	KUNIT_EXPECT_TRUE(test, ok[3]);
	KUNIT_EXPECT_FALSE(test, ok[4]);
	KUNIT_EXPECT_TRUE(test, ok[5]);

	spent = aggmon_budget_recall(&budget);
	KUNIT_EXPECT_EQ(test, spent, -50);
	KUNIT_EXPECT_FALSE(test, aggmon_budget_out(&budget));
	/* Recalled: every spend fails until the next grant, even of 0. */
	preempt_disable();
	ok[0] = aggmon_budget_spend(&budget, 1);
	ok[1] = aggmon_budget_spend(&budget, 0);
	preempt_enable();
	KUNIT_EXPECT_FALSE(test, ok[0]);
	KUNIT_EXPECT_FALSE(test, ok[1]);
	KUNIT_EXPECT_EQ(test, aggmon_budget_recall(&budget), 0);
	aggmon_budget_free(&budget);
}

/*
 * Hotplug hand-back: a recall takes back the words of every CPU the
 * grant went to, online or not, and only theirs.
 */
static void aggmon_test_budget_hand_back(struct kunit *test)
{
	struct aggmon_budget budget;
	s64 expect = 0;
	int cpu, k = 1;

	KUNIT_ASSERT_EQ(test, aggmon_budget_init(&budget, GFP_KERNEL), 0);
	/* As a grant to every possible CPU, each then spending k, 2k, ... */
	cpumask_copy(budget.granted, cpu_possible_mask);
	budget.up = 1 << 20;
	for_each_possible_cpu(cpu) {
		atomic64_set(per_cpu_ptr(budget.words, cpu),
			     aggmon_budget_word((1 << 20) - k, (1 << 20) + k));
		expect += k++;
	}
	KUNIT_EXPECT_EQ(test, aggmon_budget_recall(&budget), expect);
	for_each_possible_cpu(cpu)
		KUNIT_EXPECT_EQ(test,
				atomic64_read(per_cpu_ptr(budget.words, cpu)),
				0);
	/* A CPU outside the grant keeps its (stray) word: not counted. */
	atomic64_set(per_cpu_ptr(budget.words, 0), aggmon_budget_word(1, 1));
	KUNIT_EXPECT_EQ(test, aggmon_budget_recall(&budget), 0);
	aggmon_budget_free(&budget);
}

static struct kunit_case aggmon_budget_test_cases[] = {
	KUNIT_CASE(aggmon_test_budget_size),
	KUNIT_CASE(aggmon_test_budget_at_bound),
	KUNIT_CASE(aggmon_test_budget_minimum),
	KUNIT_CASE(aggmon_test_budget_extremes),
	KUNIT_CASE(aggmon_test_budget_spend_recall),
	KUNIT_CASE(aggmon_test_budget_hand_back),
	{}
};

static struct kunit_suite aggmon_budget_test_suite = {
	.name = "aggmon_budget",
	.test_cases = aggmon_budget_test_cases,
};

kunit_test_suite(aggmon_budget_test_suite);

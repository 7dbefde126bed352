/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KUnit tests of gauges and their registry, included at the end of
 * gauge.c so that static helpers are testable.
 */
#include <kunit/test.h>
#include <linux/cred.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/stat.h>
#include <linux/sched/task.h>
#include <linux/stop_machine.h>
#include <linux/vmstat.h>

/* A test owns the gauges it looks into: no one registers them meanwhile. */
static struct aggmon_gauge_entry *
aggmon_test_entry(const struct aggmon_gauge *g)
{
	return rcu_dereference_protected(g->entry, true);
}

/* Per-CPU pointers compared as the addresses they are. */
#define AGGMON_TEST_ADDR(p)	((__force const void *)(p))

static struct aggmon_gauge_entry *aggmon_test_register(struct kunit *test,
						       const char *name,
						       const char *item,
						       s64 initial)
{
	struct aggmon_gauge_entry *entry;

	entry = aggmon_gauge_register(NULL, name, item, "things",
				      AGGMON_GAUGE_KERNEL, initial);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, entry);
	return entry;
}

/* Register a gauge that must not register; return the error. */
static long aggmon_test_register_err(const char *name, const char *item)
{
	struct aggmon_gauge_entry *entry;

	entry = aggmon_gauge_register(NULL, name, item, NULL,
				      AGGMON_GAUGE_KERNEL, 0);
	if (!IS_ERR(entry)) {
		aggmon_gauge_unregister(entry);
		return 0;
	}
	return PTR_ERR(entry);
}

static void aggmon_test_names(struct kunit *test)
{
	KUNIT_EXPECT_TRUE(test, aggmon_valid_name("net"));
	KUNIT_EXPECT_TRUE(test, aggmon_valid_name("net.e100.tx_packets"));
	KUNIT_EXPECT_TRUE(test, aggmon_valid_name("a.b2.c_3"));
	KUNIT_EXPECT_FALSE(test, aggmon_valid_name(""));
	KUNIT_EXPECT_FALSE(test, aggmon_valid_name("."));
	KUNIT_EXPECT_FALSE(test, aggmon_valid_name("net."));
	KUNIT_EXPECT_FALSE(test, aggmon_valid_name(".net"));
	KUNIT_EXPECT_FALSE(test, aggmon_valid_name("net..tx"));
	KUNIT_EXPECT_FALSE(test, aggmon_valid_name("Net.tx"));
	KUNIT_EXPECT_FALSE(test, aggmon_valid_name("net.tx-packets"));
	KUNIT_EXPECT_FALSE(test, aggmon_valid_name("net tx"));
	/* ASCII only, whatever the kernel's ctype says of Latin-1. */
	KUNIT_EXPECT_FALSE(test, aggmon_valid_name("caf\xe9"));
	KUNIT_EXPECT_FALSE(test, aggmon_valid_name("\xdf"));

	KUNIT_EXPECT_TRUE(test, aggmon_valid_item(""));
	KUNIT_EXPECT_TRUE(test, aggmon_valid_item("eth0"));
	KUNIT_EXPECT_TRUE(test, aggmon_valid_item("0000:00:03.0-rx_0"));
	KUNIT_EXPECT_FALSE(test, aggmon_valid_item("a/b"));
	KUNIT_EXPECT_FALSE(test, aggmon_valid_item("a b"));
	KUNIT_EXPECT_FALSE(test, aggmon_valid_item("\xc9t"));

	KUNIT_EXPECT_TRUE(test, aggmon_valid_unit("bytes per second"));
	KUNIT_EXPECT_FALSE(test, aggmon_valid_unit("a\tb"));
	KUNIT_EXPECT_FALSE(test, aggmon_valid_unit("\x80"));
}

static void aggmon_test_arithmetic(struct kunit *test)
{
	struct aggmon_gauge_entry *entry;
	struct aggmon_gauge *g;

	entry = aggmon_test_register(test, "test.arith", NULL, -7);
	g = entry->gauge;
	KUNIT_EXPECT_EQ(test, aggmon_gauge_read(g), -7);
	aggmon_gauge_add(g, 10);
	aggmon_gauge_inc(g);
	aggmon_gauge_dec(g);
	aggmon_gauge_dec(g);
	KUNIT_EXPECT_EQ(test, aggmon_gauge_read(g), 2);
	aggmon_gauge_set(g, -1000);
	KUNIT_EXPECT_EQ(test, aggmon_gauge_read(g), -1000);
	aggmon_gauge_set(g, S64_MAX);
	KUNIT_EXPECT_EQ(test, aggmon_gauge_read(g), S64_MAX);
	aggmon_gauge_set(g, S64_MIN);
	KUNIT_EXPECT_EQ(test, aggmon_gauge_read(g), S64_MIN);
	/* Wraps like an s64 would, in both directions. */
	aggmon_gauge_dec(g);
	KUNIT_EXPECT_EQ(test, aggmon_gauge_read(g), S64_MAX);
	aggmon_gauge_inc(g);
	KUNIT_EXPECT_EQ(test, aggmon_gauge_read(g), S64_MIN);
	aggmon_gauge_unregister(entry);
}

/*
 * The value is the sum of every possible CPU's share, whichever CPU made
 * them: write shares the way updates on other CPUs would leave them.
 */
static void aggmon_test_percpu_shares(struct kunit *test)
{
	struct aggmon_gauge_entry *entry;
	s64 expected = 0;
	int cpu;

	entry = aggmon_test_register(test, "test.shares", NULL, 0);
	for_each_possible_cpu(cpu) {
		*per_cpu_ptr(entry->pcpu, cpu) += 1000 + cpu;
		expected += 1000 + cpu;
	}
	KUNIT_EXPECT_EQ(test, aggmon_gauge_read(entry->gauge), expected);
	/* A set folds all shares into one value. */
	aggmon_gauge_set(entry->gauge, 5);
	KUNIT_EXPECT_EQ(test, aggmon_gauge_read(entry->gauge), 5);
	aggmon_gauge_unregister(entry);
}

static void aggmon_test_register_lookup(struct kunit *test)
{
	struct aggmon_gauge_entry *a, *b, *c;

	a = aggmon_test_register(test, "test.lookup", "eth0", 1);
	b = aggmon_test_register(test, "test.lookup", "eth1", 2);
	c = aggmon_test_register(test, "test.lookup_single", NULL, 3);
	KUNIT_EXPECT_NE(test, a->id, 0);
	KUNIT_EXPECT_NE(test, a->id, b->id);
	KUNIT_EXPECT_STREQ(test, c->item, "");
	KUNIT_EXPECT_STREQ(test, a->unit, "things");

	rcu_read_lock();
	KUNIT_EXPECT_PTR_EQ(test, aggmon_gauge_find(a->id), a);
	KUNIT_EXPECT_PTR_EQ(test, aggmon_gauge_find(b->id), b);
	KUNIT_EXPECT_PTR_EQ(test, aggmon_gauge_find_name("test.lookup", "eth1", NULL), b);
	KUNIT_EXPECT_PTR_EQ(test, aggmon_gauge_find_name("test.lookup_single", "", NULL), c);
	KUNIT_EXPECT_NULL(test, aggmon_gauge_find_name("test.lookup", "", NULL));
	KUNIT_EXPECT_NULL(test, aggmon_gauge_find_name("test.lookup", "eth2", NULL));
	KUNIT_EXPECT_NULL(test, aggmon_gauge_find(0));
	KUNIT_EXPECT_NULL(test, aggmon_gauge_find((u64)AGGMON_GAUGE_ID_MAX + 1));
	rcu_read_unlock();

	aggmon_gauge_unregister(b);
	rcu_read_lock();
	KUNIT_EXPECT_NULL(test, aggmon_gauge_find(b->id));
	KUNIT_EXPECT_NULL(test, aggmon_gauge_find_name("test.lookup", "eth1", NULL));
	KUNIT_EXPECT_PTR_EQ(test, aggmon_gauge_find(a->id), a);
	rcu_read_unlock();
	aggmon_gauge_unregister(a);
	aggmon_gauge_unregister(c);
}

static void aggmon_test_register_errors(struct kunit *test)
{
	char long_name[AGGMON_NAME_LEN + 1];
	struct aggmon_gauge_entry *a, *again;

	a = aggmon_test_register(test, "test.dup", "x", 0);
	KUNIT_EXPECT_EQ(test, aggmon_test_register_err("test.dup", "x"), -EEXIST);
	KUNIT_EXPECT_EQ(test, aggmon_test_register_err("test..dup", "x"), -EINVAL);
	KUNIT_EXPECT_EQ(test, aggmon_test_register_err("test.dup", "x/y"), -EINVAL);
	/* "user." is for user gauges only. */
	KUNIT_EXPECT_EQ(test, aggmon_test_register_err("user.dup", "x"), -EINVAL);
	memset(long_name, 'a', AGGMON_NAME_LEN);
	long_name[AGGMON_NAME_LEN] = '\0';
	KUNIT_EXPECT_EQ(test, aggmon_test_register_err(long_name, NULL),
			-ENAMETOOLONG);
	/* One character less fits. */
	long_name[AGGMON_NAME_LEN - 1] = '\0';
	again = aggmon_test_register(test, long_name, NULL, 0);
	aggmon_gauge_unregister(again);

	/* A name is free again once its gauge is gone; the id is not reused. */
	aggmon_gauge_unregister(a);
	again = aggmon_test_register(test, "test.dup", "x", 0);
	KUNIT_EXPECT_GT(test, again->id, a->id);
	aggmon_gauge_unregister(again);
}

static void aggmon_test_list(struct kunit *test)
{
	struct aggmon_gauge_entry *g[5];
	u64 ids[8], cursor, first;
	unsigned int i, n, seen = 0;

	for (i = 0; i < ARRAY_SIZE(g); i++) {
		char item[8];

		snprintf(item, sizeof(item), "i%u", i);
		g[i] = aggmon_test_register(test, "test.list", item, i);
	}
	first = g[0]->id;

	/* Batches of two from the first test gauge: ascending, no gaps. */
	cursor = first;
	while ((n = aggmon_gauge_list(&cursor, ids, 2))) {
		KUNIT_ASSERT_LE(test, n, 2);
		for (i = 0; i < n && seen < ARRAY_SIZE(g); i++, seen++)
			KUNIT_EXPECT_EQ(test, ids[i], (u64)g[seen]->id);
		KUNIT_EXPECT_EQ(test, cursor, ids[n - 1] + 1);
	}
	KUNIT_EXPECT_EQ(test, seen, ARRAY_SIZE(g));

	/* Past the end: nothing, cursor untouched. */
	cursor = (u64)g[4]->id + 1;
	KUNIT_EXPECT_EQ(test, aggmon_gauge_list(&cursor, ids, 8), 0);
	KUNIT_EXPECT_EQ(test, cursor, (u64)g[4]->id + 1);
	cursor = (u64)AGGMON_GAUGE_ID_MAX + 1;
	KUNIT_EXPECT_EQ(test, aggmon_gauge_list(&cursor, ids, 8), 0);

	/* A removed gauge drops out of the list. */
	aggmon_gauge_unregister(g[2]);
	cursor = first;
	n = aggmon_gauge_list(&cursor, ids, 4);
	KUNIT_ASSERT_EQ(test, n, 4);
	KUNIT_EXPECT_EQ(test, ids[1], (u64)g[1]->id);
	KUNIT_EXPECT_EQ(test, ids[2], (u64)g[3]->id);
	for (i = 0; i < ARRAY_SIZE(g); i++)
		if (i != 2)
			aggmon_gauge_unregister(g[i]);
}

static void aggmon_test_kernel_api(struct kunit *test)
{
	DEFINE_AGGMON_CLASS(test_class, "test.api", "packets");
	DEFINE_AGGMON_CLASS(bad_class, "test..api", NULL);
	struct aggmon_gauge g, twin;

	KUNIT_ASSERT_EQ(test, aggmon_gauge_init(&g, &test_class, "eth0"), 0);
	KUNIT_EXPECT_EQ(test, aggmon_gauge_read(&g), 0);
	aggmon_gauge_add(&g, 41);
	aggmon_gauge_inc(&g);
	KUNIT_EXPECT_EQ(test, aggmon_gauge_read(&g), 42);
	KUNIT_EXPECT_EQ(test, aggmon_test_entry(&g)->kind, AGGMON_GAUGE_KERNEL);
	KUNIT_EXPECT_PTR_EQ(test, aggmon_test_entry(&g)->gauge, &g);
	KUNIT_EXPECT_STREQ(test, aggmon_test_entry(&g)->unit, "packets");
	rcu_read_lock();
	KUNIT_EXPECT_PTR_EQ(test, aggmon_gauge_find(aggmon_gauge_id(&g)),
			    aggmon_test_entry(&g));
	KUNIT_EXPECT_EQ(test, aggmon_entry_read(aggmon_test_entry(&g)), 42);
	rcu_read_unlock();

	/*
	 * A gauge whose init failed stays safe to use: updates go to the
	 * sink, reads and ids are 0, destroy does nothing.
	 */
	KUNIT_EXPECT_EQ(test, aggmon_gauge_init(&twin, &test_class, "eth0"),
			-EEXIST);
	KUNIT_EXPECT_EQ(test, aggmon_gauge_init(&twin, &bad_class, NULL),
			-EINVAL);
	KUNIT_EXPECT_PTR_EQ(test, AGGMON_TEST_ADDR(twin.pcpu),
			    AGGMON_TEST_ADDR((s64 __percpu *)&aggmon_sink));
	aggmon_gauge_add(&twin, 5);
	aggmon_gauge_set(&twin, 9);
	KUNIT_EXPECT_EQ(test, aggmon_gauge_read(&twin), 0);
	KUNIT_EXPECT_EQ(test, aggmon_gauge_id(&twin), 0);
	aggmon_gauge_destroy(&twin);
	KUNIT_EXPECT_EQ(test, aggmon_gauge_read(&g), 42);

	/* Destroy unregisters; a second destroy is harmless. */
	aggmon_gauge_destroy(&g);
	KUNIT_EXPECT_NULL(test, aggmon_test_entry(&g));
	aggmon_gauge_destroy(&g);
	rcu_read_lock();
	KUNIT_EXPECT_NULL(test, aggmon_gauge_find_name("test.api", "eth0", NULL));
	rcu_read_unlock();
}

/* A gauge that counts from boot, as a core counter's does. */
DEFINE_STATIC_AGGMON_GAUGE(aggmon_test_static);

/* Its shares, as the core sees them (0 before the test, and after). */
static s64 aggmon_test_static_sum(void)
{
	return aggmon_sum(aggmon_test_static.pcpu);
}

static void aggmon_test_static_gauge(struct kunit *test)
{
	DEFINE_AGGMON_CLASS(test_class, "test.static", "tasks");
	DEFINE_AGGMON_CLASS(other_class, "test.static_other", NULL);
	s64 __percpu *shares = &__aggmon_shares_aggmon_test_static;
	struct aggmon_gauge *g = &aggmon_test_static;
	struct aggmon_gauge_entry *entry;

	KUNIT_ASSERT_PTR_EQ(test, AGGMON_TEST_ADDR(g->pcpu),
			    AGGMON_TEST_ADDR(shares));
	KUNIT_ASSERT_TRUE(test, g->static_shares);
	KUNIT_ASSERT_NULL(test, aggmon_test_entry(g));
	KUNIT_ASSERT_EQ(test, aggmon_test_static_sum(), 0);

	/* Updates before registration count, in the gauge's own shares. */
	aggmon_gauge_add(g, 5);
	aggmon_gauge_inc(g);
	KUNIT_EXPECT_EQ(test, aggmon_test_static_sum(), 6);
	KUNIT_EXPECT_EQ(test, aggmon_gauge_read(g), 0);
	KUNIT_EXPECT_EQ(test, aggmon_gauge_id(g), 0);

	/* Registration adopts them and the value counted so far. */
	KUNIT_ASSERT_EQ(test, aggmon_gauge_init(g, &test_class, NULL), 0);
	entry = aggmon_test_entry(g);
	KUNIT_ASSERT_NOT_NULL(test, entry);
	KUNIT_EXPECT_PTR_EQ(test, AGGMON_TEST_ADDR(g->pcpu),
			    AGGMON_TEST_ADDR(shares));
	KUNIT_EXPECT_PTR_EQ(test, AGGMON_TEST_ADDR(entry->pcpu),
			    AGGMON_TEST_ADDR(shares));
	KUNIT_EXPECT_TRUE(test, entry->static_shares);
	KUNIT_EXPECT_PTR_EQ(test, entry->gauge, g);
	KUNIT_EXPECT_STREQ(test, entry->unit, "tasks");
	KUNIT_EXPECT_EQ(test, aggmon_gauge_read(g), 6);
	aggmon_gauge_add(g, -2);
	rcu_read_lock();
	KUNIT_EXPECT_PTR_EQ(test, aggmon_gauge_find_name("test.static", "", NULL), entry);
	KUNIT_EXPECT_EQ(test, aggmon_entry_read(entry), 4);
	rcu_read_unlock();

	/* Registered already: refused, under any name, and nothing changes. */
	KUNIT_EXPECT_EQ(test, aggmon_gauge_init(g, &test_class, NULL),
			-EALREADY);
	KUNIT_EXPECT_EQ(test, aggmon_gauge_init(g, &other_class, "x"),
			-EALREADY);
	KUNIT_EXPECT_PTR_EQ(test, aggmon_test_entry(g), entry);
	KUNIT_EXPECT_PTR_EQ(test, AGGMON_TEST_ADDR(g->pcpu),
			    AGGMON_TEST_ADDR(shares));
	KUNIT_EXPECT_EQ(test, aggmon_gauge_read(g), 4);
	rcu_read_lock();
	KUNIT_EXPECT_NULL(test, aggmon_gauge_find_name("test.static_other", "x", NULL));
	rcu_read_unlock();

	/*
	 * Destroy unregisters and leaves the shares alone, also once the
	 * entry is freed after a grace period: they keep the value and go
	 * on counting, for a later registration.
	 */
	aggmon_gauge_destroy(g);
	KUNIT_EXPECT_NULL(test, aggmon_test_entry(g));
	KUNIT_EXPECT_PTR_EQ(test, AGGMON_TEST_ADDR(g->pcpu),
			    AGGMON_TEST_ADDR(shares));
	rcu_barrier();
	rcu_read_lock();
	KUNIT_EXPECT_NULL(test, aggmon_gauge_find_name("test.static", "", NULL));
	rcu_read_unlock();
	KUNIT_EXPECT_EQ(test, aggmon_test_static_sum(), 4);
	aggmon_gauge_add(g, 3);
	KUNIT_EXPECT_EQ(test, aggmon_test_static_sum(), 7);
	KUNIT_EXPECT_EQ(test, aggmon_gauge_read(g), 0);
	aggmon_gauge_destroy(g);
	KUNIT_ASSERT_EQ(test, aggmon_gauge_init(g, &test_class, NULL), 0);
	KUNIT_EXPECT_EQ(test, aggmon_gauge_read(g), 7);
	KUNIT_EXPECT_NE(test, aggmon_gauge_id(g), 0);
	aggmon_gauge_destroy(g);
	aggmon_gauge_add(g, -7);
	KUNIT_EXPECT_EQ(test, aggmon_test_static_sum(), 0);
}

/* A static gauge that is registered and destroyed while others use it. */
DEFINE_STATIC_AGGMON_GAUGE(aggmon_test_race_gauge);

#define AGGMON_TEST_RACE_ROUNDS	200

/* What one thread saw: the smallest and largest ids, and its calls. */
struct aggmon_test_race {
	u64 min_id;
	u64 max_id;
	unsigned long calls;
};

/* Sets, reads and asks the id of the gauge until told to stop. */
static int aggmon_test_race_user(void *data)
{
	struct aggmon_test_race *r = data;
	struct aggmon_gauge *g = &aggmon_test_race_gauge;
	u64 id;

	while (!kthread_should_stop()) {
		aggmon_gauge_set(g, 100);
		aggmon_gauge_read(g);
		id = aggmon_gauge_id(g);
		if (id) {
			r->min_id = min(r->min_id, id);
			r->max_id = max(r->max_id, id);
		}
		r->calls++;
		cond_resched();
	}
	return 0;
}

/*
 * aggmon_gauge_set(), aggmon_gauge_read() and aggmon_gauge_id() on a
 * static gauge from one thread per CPU while it is registered and
 * destroyed over and over: each follows the entry under RCU, so none
 * touches one that was freed (KASAN and PROVE_RCU watch that on a debug
 * kernel), and each id it sees is one the gauge had.  Once the threads
 * stop, a set is exact again.
 */
static void aggmon_test_static_race(struct kunit *test)
{
	DEFINE_AGGMON_CLASS(race_class, "test.static_race", NULL);
	struct aggmon_gauge *g = &aggmon_test_race_gauge;
	struct aggmon_test_race *seen;
	struct task_struct **tasks;
	unsigned int nr = 0, i;
	u64 first_id, last_id;
	int cpu;

	seen = kunit_kcalloc(test, nr_cpu_ids, sizeof(*seen), GFP_KERNEL);
	tasks = kunit_kcalloc(test, nr_cpu_ids, sizeof(*tasks), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, seen);
	KUNIT_ASSERT_NOT_NULL(test, tasks);
	KUNIT_ASSERT_EQ(test, aggmon_gauge_init(g, &race_class, NULL), 0);
	first_id = aggmon_gauge_id(g);
	last_id = first_id;
	aggmon_gauge_destroy(g);

	for_each_online_cpu(cpu) {
		seen[nr].min_id = U64_MAX;
		tasks[nr] = kthread_create(aggmon_test_race_user, &seen[nr],
					   "aggmon_race/%d", cpu);
		if (IS_ERR(tasks[nr]))
			break;
		kthread_bind(tasks[nr], cpu);
		get_task_struct(tasks[nr]);
		wake_up_process(tasks[nr++]);
	}
	KUNIT_EXPECT_EQ(test, nr, num_online_cpus());
	for (i = 0; i < AGGMON_TEST_RACE_ROUNDS; i++) {
		if (aggmon_gauge_init(g, &race_class, NULL) == 0)
			last_id = aggmon_gauge_id(g);
		usleep_range(20, 50);
		aggmon_gauge_destroy(g);
		usleep_range(20, 50);
	}
	for (i = 0; i < nr; i++) {
		kthread_stop(tasks[i]);
		put_task_struct(tasks[i]);
		KUNIT_EXPECT_GT(test, seen[i].calls, 0);
		/* Ids are cyclic: each registration's is above the last. */
		if (seen[i].max_id) {
			KUNIT_EXPECT_GE(test, seen[i].min_id, first_id);
			KUNIT_EXPECT_LE(test, seen[i].max_id, last_id);
		}
	}
	KUNIT_EXPECT_GT(test, last_id, first_id);

	KUNIT_ASSERT_EQ(test, aggmon_gauge_init(g, &race_class, NULL), 0);
	aggmon_gauge_set(g, 7);
	KUNIT_EXPECT_EQ(test, aggmon_gauge_read(g), 7);
	aggmon_gauge_destroy(g);
	rcu_barrier();
	aggmon_gauge_add(g, -7);
	KUNIT_EXPECT_EQ(test, aggmon_sum(g->pcpu), 0);
}

/* A static gauge whose registration fails counts on, unregistered. */
static void aggmon_test_static_gauge_errors(struct kunit *test)
{
	DEFINE_AGGMON_CLASS(test_class, "test.static_err", NULL);
	DEFINE_AGGMON_CLASS(bad_class, "test..static_err", NULL);
	s64 __percpu *shares = &__aggmon_shares_aggmon_test_static;
	struct aggmon_gauge *g = &aggmon_test_static;
	struct aggmon_gauge_entry *taken;

	KUNIT_ASSERT_NULL(test, aggmon_test_entry(g));
	KUNIT_ASSERT_EQ(test, aggmon_test_static_sum(), 0);
	taken = aggmon_test_register(test, "test.static_err", "", 0);

	KUNIT_EXPECT_EQ(test, aggmon_gauge_init(g, &bad_class, NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, aggmon_gauge_init(g, &test_class, NULL), -EEXIST);
	KUNIT_EXPECT_NULL(test, aggmon_test_entry(g));
	KUNIT_EXPECT_PTR_EQ(test, AGGMON_TEST_ADDR(g->pcpu),
			    AGGMON_TEST_ADDR(shares));
	aggmon_gauge_add(g, 2);
	KUNIT_EXPECT_EQ(test, aggmon_test_static_sum(), 2);
	KUNIT_EXPECT_EQ(test, aggmon_gauge_read(g), 0);
	/* A destroy of the unregistered gauge changes nothing either. */
	aggmon_gauge_destroy(g);
	KUNIT_EXPECT_PTR_EQ(test, AGGMON_TEST_ADDR(g->pcpu),
			    AGGMON_TEST_ADDR(shares));

	/* Once the name is free it registers with what it counted. */
	aggmon_gauge_unregister(taken);
	KUNIT_ASSERT_EQ(test, aggmon_gauge_init(g, &test_class, NULL), 0);
	KUNIT_EXPECT_EQ(test, aggmon_gauge_read(g), 2);
	aggmon_gauge_destroy(g);
	aggmon_gauge_add(g, -2);
	KUNIT_EXPECT_EQ(test, aggmon_test_static_sum(), 0);
}

/*
 * Only a defined gauge is static: one in memory nobody zeroed may hold
 * anything in its flag and pointer, and gets shares of its own.
 */
static void aggmon_test_static_flag_ignored(struct kunit *test)
{
	DEFINE_AGGMON_CLASS(test_class, "test.not_static", NULL);
	s64 __percpu *garbage = (s64 __percpu *)&aggmon_test_static;
	struct aggmon_gauge g = {
		.pcpu = garbage,
		.static_shares = true,
		.entry = NULL,
	};

	KUNIT_ASSERT_EQ(test, aggmon_gauge_init(&g, &test_class, NULL), 0);
	KUNIT_EXPECT_FALSE(test, g.static_shares);
	KUNIT_EXPECT_PTR_NE(test, AGGMON_TEST_ADDR(g.pcpu),
			    AGGMON_TEST_ADDR(garbage));
	KUNIT_EXPECT_FALSE(test, aggmon_test_entry(&g)->static_shares);
	aggmon_gauge_add(&g, 3);
	KUNIT_EXPECT_EQ(test, aggmon_gauge_read(&g), 3);
	aggmon_gauge_destroy(&g);
	KUNIT_EXPECT_PTR_EQ(test, AGGMON_TEST_ADDR(g.pcpu),
			    AGGMON_TEST_ADDR((s64 __percpu *)&aggmon_sink));
}

/*
 * A rename keeps the id, the value and the watchers' view of the gauge,
 * and moves lookups by name; a taken or invalid item changes nothing.
 */
static void aggmon_test_rename(struct kunit *test)
{
	DEFINE_AGGMON_CLASS(test_class, "test.rename", "packets");
	char item[AGGMON_ITEM_LEN];
	struct aggmon_gauge g, other;
	u64 id;

	KUNIT_ASSERT_EQ(test, aggmon_gauge_init(&g, &test_class, "eth0"), 0);
	KUNIT_ASSERT_EQ(test, aggmon_gauge_init(&other, &test_class, "eth1"), 0);
	id = aggmon_gauge_id(&g);
	aggmon_gauge_add(&g, 7);

	KUNIT_EXPECT_EQ(test, aggmon_gauge_rename(&g, "ens3"), 0);
	KUNIT_EXPECT_EQ(test, aggmon_gauge_id(&g), id);
	KUNIT_EXPECT_EQ(test, aggmon_gauge_read(&g), 7);
	rcu_read_lock();
	KUNIT_EXPECT_PTR_EQ(test, aggmon_gauge_find_name("test.rename", "ens3", NULL),
			    aggmon_test_entry(&g));
	KUNIT_EXPECT_NULL(test, aggmon_gauge_find_name("test.rename", "eth0", NULL));
	aggmon_entry_item(aggmon_test_entry(&g), item);
	rcu_read_unlock();
	KUNIT_EXPECT_STREQ(test, item, "ens3");
	/* The copy is padded: GAUGE_INFO hands out no stale bytes. */
	KUNIT_EXPECT_EQ(test, item[AGGMON_ITEM_LEN - 1], 0);
	KUNIT_EXPECT_EQ(test, item[4], 0);

	/* Its own name is no conflict; another gauge's is. */
	KUNIT_EXPECT_EQ(test, aggmon_gauge_rename(&g, "ens3"), 0);
	KUNIT_EXPECT_EQ(test, aggmon_gauge_rename(&g, "eth1"), -EEXIST);
	KUNIT_EXPECT_EQ(test, aggmon_gauge_rename(&g, "a/b"), -EINVAL);
	memset(item, 'x', sizeof(item));
	item[AGGMON_ITEM_LEN - 1] = '\0';
	KUNIT_EXPECT_EQ(test, aggmon_gauge_rename(&g, item), 0);
	/* One character more does not fit (strnlen() stops at the end). */
	memset(item, 'x', sizeof(item));
	KUNIT_EXPECT_EQ(test, aggmon_gauge_rename(&g, item), -ENAMETOOLONG);
	KUNIT_EXPECT_EQ(test, aggmon_gauge_rename(&g, "ens3"), 0);
	rcu_read_lock();
	KUNIT_EXPECT_PTR_EQ(test, aggmon_gauge_find_name("test.rename", "ens3", NULL),
			    aggmon_test_entry(&g));
	rcu_read_unlock();

	aggmon_gauge_destroy(&other);
	/* The freed name may be taken now; a removed gauge renames nothing. */
	KUNIT_EXPECT_EQ(test, aggmon_gauge_rename(&g, "eth1"), 0);
	aggmon_gauge_destroy(&g);
	KUNIT_EXPECT_EQ(test, aggmon_gauge_rename(&g, "eth2"), 0);
	rcu_read_lock();
	KUNIT_EXPECT_NULL(test, aggmon_gauge_find_name("test.rename", "eth1", NULL));
	KUNIT_EXPECT_NULL(test, aggmon_gauge_find_name("test.rename", "eth2", NULL));
	rcu_read_unlock();
}

/* The length of the longest chain of the name hash. */
static unsigned int aggmon_test_longest_chain(void)
{
	struct aggmon_gauge_entry *entry;
	unsigned int bkt, len, longest = 0;

	guard(mutex)(&aggmon_register_mutex);
	for (bkt = 0; bkt < AGGMON_NAME_BUCKETS; bkt++) {
		len = 0;
		hlist_for_each_entry(entry, &aggmon_names[bkt], name_node)
			len++;
		longest = max(longest, len);
	}
	return longest;
}

static bool aggmon_test_in_bucket(const struct aggmon_gauge_entry *entry,
				  const char *name, const char *item)
{
	struct aggmon_gauge_entry *pos;

	guard(mutex)(&aggmon_register_mutex);
	hlist_for_each_entry(pos, aggmon_name_bucket(name, item), name_node)
		if (pos == entry)
			return true;
	return false;
}

#define AGGMON_TEST_NAMES	AGGMON_NAME_BUCKETS

/*
 * Lookups by name look in one bucket.  As many gauges as buckets, of one
 * class, their items "q0", "q1", ...: each is found, and no chain holds
 * more than 16 (for a random hash the longest is about 6; 17 or more
 * happens with probability below 1e-10).  A rename moves the gauge to
 * its new name's bucket; a removal takes it out.
 */
static void aggmon_test_name_hash(struct kunit *test)
{
	struct aggmon_gauge_entry **g;
	char item[AGGMON_ITEM_LEN];
	unsigned int i;

	g = kunit_kcalloc(test, AGGMON_TEST_NAMES, sizeof(*g), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, g);
	for (i = 0; i < AGGMON_TEST_NAMES; i++) {
		snprintf(item, sizeof(item), "q%u", i);
		g[i] = aggmon_test_register(test, "test.hash", item, i);
	}
	KUNIT_EXPECT_LE(test, aggmon_test_longest_chain(), 16);
	rcu_read_lock();
	for (i = 0; i < AGGMON_TEST_NAMES; i++) {
		snprintf(item, sizeof(item), "q%u", i);
		KUNIT_EXPECT_PTR_EQ(test,
				    aggmon_gauge_find_name("test.hash", item, NULL),
				    g[i]);
	}
	rcu_read_unlock();

	KUNIT_EXPECT_EQ(test, aggmon_gauge_rename(g[0]->gauge, "moved"), 0);
	KUNIT_EXPECT_TRUE(test, aggmon_test_in_bucket(g[0], "test.hash", "moved"));
	rcu_read_lock();
	KUNIT_EXPECT_PTR_EQ(test, aggmon_gauge_find_name("test.hash", "moved", NULL),
			    g[0]);
	KUNIT_EXPECT_NULL(test, aggmon_gauge_find_name("test.hash", "q0", NULL));
	rcu_read_unlock();

	for (i = 0; i < AGGMON_TEST_NAMES; i++)
		aggmon_gauge_unregister(g[i]);
	KUNIT_EXPECT_FALSE(test, aggmon_test_in_bucket(g[0], "test.hash", "moved"));
	rcu_read_lock();
	KUNIT_EXPECT_NULL(test, aggmon_gauge_find_name("test.hash", "q1", NULL));
	rcu_read_unlock();
}

/* Runs as real uid @uid from here until aggmon_test_uid_end(). */
static const struct cred *aggmon_test_uid_begin(struct kunit *test, u32 uid)
{
	struct cred *cred = prepare_creds();

	KUNIT_ASSERT_NOT_NULL(test, cred);
	cred->uid = KUIDT_INIT(uid);
	return override_creds(cred);
}

static void aggmon_test_uid_end(const struct cred *old)
{
	const struct cred *cred = current_cred();

	revert_creds(old);
	put_cred(cred);
}

/* A user gauge of @uid; the entry, or the error. */
static struct aggmon_gauge_entry *
aggmon_test_user_gauge(struct kunit *test, u32 uid, const char *item)
{
	const struct cred *old = aggmon_test_uid_begin(test, uid);
	struct aggmon_gauge_entry *entry;

	entry = aggmon_gauge_register(NULL, "user.test.owned", item, NULL,
				      AGGMON_GAUGE_USER, 0);
	aggmon_test_uid_end(old);
	return entry;
}

/* Looks (user.test.owned, @item) up as @uid, for @owner or NULL. */
static struct aggmon_gauge_entry *
aggmon_test_find_as(struct kunit *test, u32 uid, const char *item,
		    const kuid_t *owner)
{
	const struct cred *old = aggmon_test_uid_begin(test, uid);
	struct aggmon_gauge_entry *entry;

	rcu_read_lock();
	entry = aggmon_gauge_find_name("user.test.owned", item, owner);
	rcu_read_unlock();
	aggmon_test_uid_end(old);
	return entry;
}

/*
 * User gauges are named per owner: two uids may each have
 * (user.test.owned, x), one uid only one.  A lookup finds the caller's
 * own, or the only one, or says -ENOTUNIQ; one for an owner finds that
 * owner's.
 */
static void aggmon_test_user_names(struct kunit *test)
{
	const kuid_t a_uid = KUIDT_INIT(5001), b_uid = KUIDT_INIT(5002);
	const kuid_t none = KUIDT_INIT(5009);
	struct aggmon_gauge_entry *a, *b;

	a = aggmon_test_user_gauge(test, 5001, "x");
	KUNIT_ASSERT_FALSE(test, IS_ERR(a));
	KUNIT_EXPECT_TRUE(test, uid_eq(a->owner, a_uid));
	/* Before b has one, anyone finds a's. */
	KUNIT_EXPECT_PTR_EQ(test, aggmon_test_find_as(test, 5003, "x", NULL), a);
	b = aggmon_test_user_gauge(test, 5002, "x");
	KUNIT_ASSERT_FALSE(test, IS_ERR(b));
	KUNIT_EXPECT_PTR_EQ(test, aggmon_test_user_gauge(test, 5001, "x"),
			    ERR_PTR(-EEXIST));

	KUNIT_EXPECT_PTR_EQ(test, aggmon_test_find_as(test, 5001, "x", NULL), a);
	KUNIT_EXPECT_PTR_EQ(test, aggmon_test_find_as(test, 5002, "x", NULL), b);
	KUNIT_EXPECT_PTR_EQ(test, aggmon_test_find_as(test, 5003, "x", NULL),
			    ERR_PTR(-ENOTUNIQ));
	KUNIT_EXPECT_PTR_EQ(test, aggmon_test_find_as(test, 5003, "x", &a_uid), a);
	KUNIT_EXPECT_PTR_EQ(test, aggmon_test_find_as(test, 5001, "x", &b_uid), b);
	KUNIT_EXPECT_NULL(test, aggmon_test_find_as(test, 5003, "x", &none));
	KUNIT_EXPECT_NULL(test, aggmon_test_find_as(test, 5003, "y", NULL));

	aggmon_gauge_unregister(a);
	KUNIT_EXPECT_PTR_EQ(test, aggmon_test_find_as(test, 5003, "x", NULL), b);
	aggmon_gauge_unregister(b);
}

/* A prepared gauge takes updates before init, and starts at 0 there. */
static void aggmon_test_prepare(struct kunit *test)
{
	DEFINE_AGGMON_CLASS(test_class, "test.prepare", NULL);
	struct aggmon_gauge g;

	memset(&g, 0x5a, sizeof(g));
	aggmon_gauge_prepare(&g);
	aggmon_gauge_add(&g, 5);
	KUNIT_EXPECT_EQ(test, aggmon_gauge_read(&g), 0);
	KUNIT_EXPECT_EQ(test, aggmon_gauge_id(&g), 0);
	KUNIT_ASSERT_EQ(test, aggmon_gauge_init(&g, &test_class, NULL), 0);
	KUNIT_EXPECT_EQ(test, aggmon_gauge_read(&g), 0);
	aggmon_gauge_set(&g, 3);
	KUNIT_EXPECT_EQ(test, aggmon_gauge_read(&g), 3);
	aggmon_gauge_destroy(&g);
	aggmon_gauge_add(&g, 1);
	KUNIT_EXPECT_EQ(test, aggmon_gauge_read(&g), 0);
}

static struct kunit_case aggmon_gauge_test_cases[] = {
	KUNIT_CASE(aggmon_test_names),
	KUNIT_CASE(aggmon_test_arithmetic),
	KUNIT_CASE(aggmon_test_percpu_shares),
	KUNIT_CASE(aggmon_test_register_lookup),
	KUNIT_CASE(aggmon_test_register_errors),
	KUNIT_CASE(aggmon_test_list),
	KUNIT_CASE(aggmon_test_kernel_api),
	KUNIT_CASE(aggmon_test_static_gauge),
	KUNIT_CASE(aggmon_test_static_gauge_errors),
	KUNIT_CASE(aggmon_test_static_race),
	KUNIT_CASE(aggmon_test_static_flag_ignored),
	KUNIT_CASE(aggmon_test_rename),
	KUNIT_CASE(aggmon_test_name_hash),
	KUNIT_CASE(aggmon_test_user_names),
	KUNIT_CASE(aggmon_test_prepare),
	{}
};

static struct kunit_suite aggmon_gauge_test_suite = {
	.name = "aggmon_gauge",
	.test_cases = aggmon_gauge_test_cases,
};

/*
 * The core gauges equal the counters they shadow, exactly.  They come in
 * later patches than these tests, which skip where a gauge is missing.
 * fs.files has no test here: nr_files is private to fs/file_table.c.
 */
static u64 aggmon_test_core_id(const char *name)
{
	struct aggmon_gauge_entry *entry;
	u64 id;

	rcu_read_lock();
	entry = aggmon_gauge_find_name(name, "", NULL);
	id = entry ? entry->id : 0;
	rcu_read_unlock();
	return id;
}

/* The gauge @id, or -1 if it is gone. */
static s64 aggmon_test_core_read(u64 id)
{
	struct aggmon_gauge_entry *entry;
	s64 value = -1;

	rcu_read_lock();
	entry = aggmon_gauge_find(id);
	if (entry)
		value = aggmon_entry_read(entry);
	rcu_read_unlock();
	return value;
}

static int aggmon_test_thread(void *data)
{
	return 0;
}

/* kernel.tasks against nr_threads: both change under tasklist_lock. */
static void aggmon_test_core_tasks(struct kunit *test)
{
	u64 id = aggmon_test_core_id("kernel.tasks");
	struct task_struct *task;
	int nr, i;
	s64 gauge;

	if (!id)
		kunit_skip(test, "no kernel.tasks gauge in this kernel");

	/*
	 * A thread forked and reaped: the gauge went up and down with it.
	 * Stopped before it ever ran, its function never runs.
	 */
	task = kthread_create(aggmon_test_thread, NULL, "aggmon_test");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, task);
	get_task_struct(task);
	KUNIT_EXPECT_EQ(test, kthread_stop(task), -EINTR);
	/* kthreadd's children are reaped as they exit; wait for it. */
	for (i = 0; i < 50 && pid_alive(task); i++)
		msleep(20);
	KUNIT_EXPECT_FALSE(test, pid_alive(task));
	put_task_struct(task);

	read_lock(&tasklist_lock);
	gauge = aggmon_test_core_read(id);
	nr = nr_threads;
	read_unlock(&tasklist_lock);
	/* At least init, kthreadd and this test's thread. */
	KUNIT_EXPECT_GE(test, nr, 3);
	KUNIT_EXPECT_EQ(test, gauge, (s64)nr);
}

/* The gauges of sched.nr_running, one per possible CPU, and their sum. */
struct aggmon_test_nr_running {
	u64 ids[NR_CPUS];
	s64 gauge;
	unsigned int nr;
};

static int aggmon_test_read_nr_running(void *data)
{
	struct aggmon_test_nr_running *r = data;
	int cpu;

	r->gauge = 0;
	for_each_possible_cpu(cpu)
		r->gauge += aggmon_test_core_read(r->ids[cpu]);
	r->nr = nr_running();
	return 0;
}

/*
 * sched.nr_running's items against nr_running(), read while every CPU
 * waits in stop_machine() with interrupts off, so no runqueue changes
 * between the reads.  The stoppers themselves are runnable, and counted
 * in both.
 */
static void aggmon_test_core_nr_running(struct kunit *test)
{
	struct aggmon_gauge_entry *entry;
	struct aggmon_test_nr_running *r;
	char item[16];
	int cpu;

	r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, r);
	for_each_possible_cpu(cpu) {
		snprintf(item, sizeof(item), "cpu%d", cpu);
		rcu_read_lock();
		entry = aggmon_gauge_find_name("sched.nr_running", item, NULL);
		r->ids[cpu] = entry ? entry->id : 0;
		rcu_read_unlock();
		if (!r->ids[cpu])
			kunit_skip(test, "no sched.nr_running:%s in this kernel",
				   item);
	}
	KUNIT_ASSERT_EQ(test, stop_machine(aggmon_test_read_nr_running, r,
					   NULL), 0);
	KUNIT_EXPECT_GE(test, r->nr, 1);
	KUNIT_EXPECT_EQ(test, r->gauge, (s64)r->nr);
}

struct aggmon_test_free_pages {
	u64 id;
	s64 gauge;
	s64 nr;
};

static int aggmon_test_read_free_pages(void *data)
{
	struct aggmon_test_free_pages *r = data;
	struct zone *zone;

	r->gauge = aggmon_test_core_read(r->id);
	r->nr = 0;
	for_each_populated_zone(zone)
		r->nr += zone_page_state_snapshot(zone, NR_FREE_PAGES);
	return 0;
}

/*
 * mm.free_pages against NR_FREE_PAGES with vmstat's per-CPU deltas
 * (zone_page_state_snapshot()), with every CPU stopped: exactly equal.
 * A page allocated and freed in between moves both.
 */
static void aggmon_test_core_free_pages(struct kunit *test)
{
	struct aggmon_test_free_pages r = {
		.id = aggmon_test_core_id("mm.free_pages"),
	};
	struct page *page;

	if (!r.id)
		kunit_skip(test, "no mm.free_pages gauge in this kernel");
	page = alloc_pages(GFP_KERNEL, 4);
	KUNIT_ASSERT_NOT_NULL(test, page);
	KUNIT_ASSERT_EQ(test, stop_machine(aggmon_test_read_free_pages, &r,
					   NULL), 0);
	KUNIT_EXPECT_GT(test, r.nr, 0);
	KUNIT_EXPECT_EQ(test, r.gauge, r.nr);
	__free_pages(page, 4);
	KUNIT_ASSERT_EQ(test, stop_machine(aggmon_test_read_free_pages, &r,
					   NULL), 0);
	KUNIT_EXPECT_EQ(test, r.gauge, r.nr);
}

static struct kunit_case aggmon_core_gauge_test_cases[] = {
	KUNIT_CASE(aggmon_test_core_tasks),
	KUNIT_CASE(aggmon_test_core_nr_running),
	KUNIT_CASE(aggmon_test_core_free_pages),
	{}
};

static struct kunit_suite aggmon_core_gauge_test_suite = {
	.name = "aggmon_core_gauges",
	.test_cases = aggmon_core_gauge_test_cases,
};

kunit_test_suites(&aggmon_gauge_test_suite, &aggmon_core_gauge_test_suite);

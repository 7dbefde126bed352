/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The KUnit case of sched.nr_running, kept with its deferred patch
 * (README): in make check it could only skip.  When the gauge comes
 * back, paste it into kernel/aggmon/tests/gauge_kunit.h after
 * aggmon_test_core_read(), with
 * KUNIT_CASE(aggmon_test_core_nr_running) in
 * aggmon_core_gauge_test_cases[], and include <linux/stop_machine.h>
 * there again.
 */

struct aggmon_test_nr_running {
	u64 id;
	s64 gauge;
	unsigned int nr;
};

static int aggmon_test_read_nr_running(void *data)
{
	struct aggmon_test_nr_running *r = data;

	r->gauge = aggmon_test_core_read(r->id);
	r->nr = nr_running();
	return 0;
}

/*
 * sched.nr_running against nr_running(), read while every CPU waits in
 * stop_machine() with interrupts off, so no runqueue changes between the
 * two reads.  The stoppers themselves are runnable, and counted in both.
 */
static void aggmon_test_core_nr_running(struct kunit *test)
{
	struct aggmon_test_nr_running r = {
		.id = aggmon_test_core_id("sched.nr_running"),
	};

	if (!r.id)
		kunit_skip(test, "no sched.nr_running gauge in this kernel");
	KUNIT_ASSERT_EQ(test, stop_machine(aggmon_test_read_nr_running, &r,
					   NULL), 0);
	KUNIT_EXPECT_GE(test, r.nr, 1);
	KUNIT_EXPECT_EQ(test, r.gauge, (s64)r.nr);
}

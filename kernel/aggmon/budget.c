// SPDX-License-Identifier: GPL-2.0-only
/*
 * aggmon - per-CPU budgets of a watched gauge (escrow)
 *
 * A watched gauge's statistics need its exact sequence of values only
 * near a bound: a threshold's next bound, a watermark that the next
 * value would move, the level at which anything would change.  Between
 * the nearest bound above and the nearest below, no statistic changes
 * but the absolute value, which nobody sees until it is read.  So while
 * the gauge is far from every bound, the watch (watch.c) hands each
 * online CPU a budget: how far that CPU's updates may move the gauge up
 * and down before it must ask again.  The budgets are sized so that all
 * CPUs spending all of theirs in the same direction stop one short of
 * the nearest bound: then every value the gauge can take meanwhile lies
 * strictly inside the band, and no update within a budget can cross
 * anything or change a watermark.
 *
 * Each CPU's budget is one 64-bit word, the room left up in its upper
 * half and down in its lower half, as perfbook's exact limit counters
 * pack a count and its limit in one word.  An update spends from its
 * CPU's word with one atomic compare-and-exchange on that CPU's own
 * cache line: it writes nothing another CPU reads.  An update that does
 * not fit, or finds the word empty, takes the watch's lock instead.
 * A recall, under the lock, takes every granted CPU's word with an
 * atomic exchange and adds what each spent (the room up it got minus
 * the room up it has left) to the watch's level; from that exchange on
 * the CPU's next spend fails and waits for the lock.  A spend and a
 * recall are atomic operations on the same word, so each update is
 * counted exactly once: in the recall if its exchange came first, under
 * the lock otherwise.
 *
 * Why not this_cpu_cmpxchg(), which costs less: on x86 it has no lock
 * prefix, so a recall's exchange from another CPU may land between its
 * read and its write and be overwritten.  Any scheme that lets a CPU
 * spend with plain stores needs the recaller to wait for the spenders,
 * which it cannot do under a raw spinlock that those spenders' own
 * interrupts may be spinning on.
 *
 * CPU hotplug: a grant goes to the CPUs online at the time, remembered
 * in @granted; a CPU that comes online later has an empty word and takes
 * the lock until the next grant includes it.  A CPU that goes offline
 * keeps its word, which nothing spends any more, and the next recall
 * takes it back with the others: nothing is lost and nothing needs a
 * hotplug callback.  Its share of the gauge, like every offline CPU's,
 * stays in the sum.
 *
 * Cost: a spend is one load and one compare-and-exchange.  A recall is
 * one exchange per granted CPU and a grant one store per online CPU,
 * both under the watch's lock with interrupts off: O(nr_cpu_ids), and
 * at most one of each per update that leaves its budget.
 */

#include <linux/math64.h>
#include <linux/minmax.h>

#include "budget.h"

/**
 * aggmon_budget_init() - a budget with nothing granted
 * @budget: the budget
 * @gfp: how to allocate the words
 *
 * Return: 0 or -ENOMEM.
 */
int aggmon_budget_init(struct aggmon_budget *budget, gfp_t gfp)
{
	budget->words = alloc_percpu_gfp(atomic64_t, gfp);
	if (!budget->words)
		return -ENOMEM;
	if (!zalloc_cpumask_var(&budget->granted, gfp)) {
		free_percpu(budget->words);
		return -ENOMEM;
	}
	budget->up = 0;
	return 0;
}

/**
 * aggmon_budget_free() - free a budget nobody can spend from any more
 * @budget: the budget
 *
 * Context: any but NMI (free_percpu() may be called from atomic context).
 */
void aggmon_budget_free(struct aggmon_budget *budget)
{
	free_percpu(budget->words);
	free_cpumask_var(budget->granted);
}

/*
 * The room between @level and the nearest bound on one side: how far the
 * gauge may move and stay strictly short of it.  0 if it is not short.
 */
static u64 aggmon_budget_room(s64 level, s64 bound, bool up)
{
	if (up)
		return bound > level ? (u64)bound - (u64)level - 1 : 0;
	return bound < level ? (u64)level - (u64)bound - 1 : 0;
}

/**
 * aggmon_budget_size() - each CPU's budget in a band
 * @level: the gauge's exact value
 * @hi: the lowest value at which anything watching the gauge changes
 *	above @level (S64_MAX if none: a budget never lets the gauge wrap)
 * @lo: the highest such value below @level (S64_MIN if none)
 * @cpus: how many CPUs share the band
 * @up: receives each CPU's room up, if the return is true
 * @down: receives each CPU's room down, if the return is true
 *
 * @cpus times either room stays short of its bound.  Each is at most
 * %AGGMON_BUDGET_MAX, so the two fit one word together.  A serialised
 * update asks this each time: it divides only when it grants.
 *
 * Return: true if a budget is worth granting: at least
 * %AGGMON_BUDGET_MIN, and at least @cpus, in both directions, so that one
 * CPU spending alone pays for the O(@cpus) recall and grant with as many
 * updates.  With room one way only, every
 * update the other way would recall and re-grant all CPUs' words, which
 * costs more than the lock alone: a counter at its high watermark, or a
 * gauge just under a threshold, stays serialised.
 */
bool aggmon_budget_size(s64 level, s64 hi, s64 lo, unsigned int cpus,
			u32 *up, u32 *down)
{
	u64 room_up = aggmon_budget_room(level, hi, true);
	u64 room_down = aggmon_budget_room(level, lo, false);
	u64 least;

	cpus = max(cpus, 1U);
	/* At least as many updates as a recall and a grant touch CPUs. */
	least = (u64)max(AGGMON_BUDGET_MIN, cpus) * cpus;
	if (room_up < least || room_down < least)
		return false;
	*up = min_t(u64, div_u64(room_up, cpus), AGGMON_BUDGET_MAX);
	*down = min_t(u64, div_u64(room_down, cpus), AGGMON_BUDGET_MAX);
	return true;
}

/**
 * aggmon_budget_grant() - hand every online CPU its share of a band
 * @budget: the budget, recalled
 * @level: the gauge's exact value
 * @hi: see aggmon_budget_size()
 * @lo: see aggmon_budget_size()
 *
 * Context: the watch's lock held, nothing out (aggmon_budget_out() false).
 * Return: true if budgets were granted; false leaves the gauge serialised.
 */
bool aggmon_budget_grant(struct aggmon_budget *budget, s64 level, s64 hi,
			 s64 lo)
{
	u32 up, down;
	int cpu;

	/* Most serialised updates stop here, without a copy of the mask. */
	if (!aggmon_budget_size(level, hi, lo, num_online_cpus(), &up, &down))
		return false;
	/* A CPU that comes online after this copy gets nothing: safe. */
	cpumask_copy(budget->granted, cpu_online_mask);
	if (!aggmon_budget_size(level, hi, lo,
				cpumask_weight(budget->granted), &up, &down)) {
		cpumask_clear(budget->granted);
		return false;
	}
	budget->up = up;
	for_each_cpu(cpu, budget->granted)
		atomic64_set(per_cpu_ptr(budget->words, cpu),
			     aggmon_budget_word(up, down));
	return true;
}

/**
 * aggmon_budget_recall() - take every CPU's budget back
 * @budget: the budget
 *
 * Context: the watch's lock held.
 * Return: what the CPUs spent since the grant, in total (modulo 2^64):
 * the caller adds it to the level.
 */
s64 aggmon_budget_recall(struct aggmon_budget *budget)
{
	u64 spent = 0;
	s64 word;
	int cpu;

	for_each_cpu(cpu, budget->granted) {
		word = atomic64_xchg(per_cpu_ptr(budget->words, cpu), 0);
		/* Room up went down by what the CPU added. */
		spent += (s64)budget->up - (s64)((u64)word >> 32);
	}
	cpumask_clear(budget->granted);
	return spent;
}

#ifdef CONFIG_AGGMON_KUNIT_TEST
#include "tests/budget_kunit.h"
#endif

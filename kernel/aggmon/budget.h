/* SPDX-License-Identifier: GPL-2.0 */
/*
 * aggmon - per-CPU budgets of a watched gauge
 */
#ifndef _AGGMON_BUDGET_H
#define _AGGMON_BUDGET_H

#include <linux/atomic.h>
#include <linux/cpumask.h>
#include <linux/gfp.h>
#include <linux/percpu.h>
#include <linux/types.h>

/* A CPU's budget in either direction: room up and down share one word. */
#define AGGMON_BUDGET_MAX	S32_MAX
/*
 * A smaller budget in either direction (or one under the number of CPUs)
 * leaves the gauge serialised: a gauge near a bound would recall and
 * re-grant at almost every update.
 */
#define AGGMON_BUDGET_MIN	16

/**
 * struct aggmon_budget - what the CPUs of a watched gauge may move it by
 * @words: per CPU, the room left up (bits 63-32) and down (bits 31-0)
 * @granted: the CPUs whose word was set by the last grant
 * @up: the room up each of them got
 *
 * @granted and @up belong to the watch's lock; @words are spent without
 * it.
 */
struct aggmon_budget {
	atomic64_t __percpu *words;
	cpumask_var_t granted;
	u32 up;
};

int aggmon_budget_init(struct aggmon_budget *budget, gfp_t gfp);
void aggmon_budget_free(struct aggmon_budget *budget);
bool aggmon_budget_size(s64 level, s64 hi, s64 lo, unsigned int cpus,
			u32 *up, u32 *down);
bool aggmon_budget_grant(struct aggmon_budget *budget, s64 level, s64 hi,
			 s64 lo);
s64 aggmon_budget_recall(struct aggmon_budget *budget);

/**
 * aggmon_budget_word() - a CPU's word with this room left
 * @up: room up
 * @down: room down
 *
 * Return: the word; 0 means no room either way.
 */
static inline s64 aggmon_budget_word(u32 up, u32 down)
{
	return (s64)(((u64)up << 32) | down);
}

/**
 * aggmon_budget_out() - has any CPU a budget to spend?
 * @budget: the budget
 *
 * Context: the watch's lock held.
 * Return: true between a grant and the next recall.
 */
static inline bool aggmon_budget_out(const struct aggmon_budget *budget)
{
	return !cpumask_empty(budget->granted);
}

/**
 * aggmon_budget_spend() - move this CPU's share within its budget
 * @budget: the budget
 * @delta: the update
 *
 * The word is read and replaced with one atomic compare-and-exchange, so
 * a recall on another CPU either takes the word before the spend (which
 * then fails and the update goes to the watch's lock) or after it (and
 * counts @delta): no update is lost or counted twice.
 *
 * Context: any but NMI, preemption disabled.
 * Return: true if @delta fitted: the caller adds it to its share and is
 * done; false if the update must take the watch's lock.
 */
static inline bool aggmon_budget_spend(struct aggmon_budget *budget,
				       s64 delta)
{
	atomic64_t *word = this_cpu_ptr(budget->words);
	s64 old = atomic64_read(word);
	u32 up, down;
	s64 new;

	do {
		if (!old)
			return false;	/* serialised, or recalled */
		up = (u64)old >> 32;
		down = (u32)old;
		if (delta >= 0 ? (u64)delta > up : -(u64)delta > down)
			return false;
		if (!delta)
			return true;
		/* Room moves from one direction to the other: no carry. */
		new = aggmon_budget_word(up - (u32)delta, down + (u32)delta);
	} while (!atomic64_try_cmpxchg(word, &old, new));
	return true;
}

#endif /* _AGGMON_BUDGET_H */

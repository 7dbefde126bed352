/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The system call as make bench's programs make it, checked first: a
 * benchmark that timed the wrong system call would print nonsense
 * (aggmon_syscall.h).
 */
#ifndef AGGMON_BENCH_SYS_H
#define AGGMON_BENCH_SYS_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/aggmon.h>

#include "../lib/aggmon_syscall.h"

static inline long sys_aggmon(unsigned int cmd, void *attr, unsigned int size)
{
	return aggmon_syscall(cmd, attr, size);
}

/* Exits with a message unless __NR_aggmon is aggmon() here. */
static inline void aggmon_bench_check_syscall(const char *prog)
{
	int err = aggmon_syscall_foreign();

	if (!err)
		return;
	fprintf(stderr, "%s: system call %d is not aggmon() on this kernel (%s)\n",
		prog, __NR_aggmon, strerror(err));
	exit(1);
}

#endif /* AGGMON_BENCH_SYS_H */

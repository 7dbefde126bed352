/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The system call as make bench's programs make it, checked first.
 *
 * __NR_aggmon is aggmon() only on a kernel with the aggmon series: a
 * kernel without it answers ENOSYS, and mainline gave 463 to setxattrat()
 * in 6.13.  setxattrat() fails every call made with these arguments with
 * EINVAL (its usize, the zeroed sixth argument, is too small), and
 * aggmon() never fails a well-formed AGGMON_GAUGE_LIST with EINVAL: a
 * benchmark that timed the wrong system call would print nonsense.
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

#ifndef __NR_aggmon
#define __NR_aggmon 463
#endif

static inline long sys_aggmon(unsigned int cmd, void *attr, unsigned int size)
{
	return syscall(__NR_aggmon, cmd, attr, size);
}

/* Exits with a message unless __NR_aggmon is aggmon() here. */
static inline void aggmon_bench_check_syscall(const char *prog)
{
	__u64 id = 0;
	struct aggmon_gauge_list_attr attr = {
		.ids = (__u64)(uintptr_t)&id,
		.count = 1,
	};

	if (syscall(__NR_aggmon, AGGMON_GAUGE_LIST, &attr, sizeof(attr),
		    0UL, 0UL, 0UL) == 0 || (errno != ENOSYS && errno != EINVAL))
		return;
	fprintf(stderr, "%s: system call %d is not aggmon() on this kernel (%s)\n",
		prog, __NR_aggmon, strerror(errno));
	exit(1);
}

#endif /* AGGMON_BENCH_SYS_H */

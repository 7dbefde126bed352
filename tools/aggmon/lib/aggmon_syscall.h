/* SPDX-License-Identifier: GPL-2.0 */
/*
 * aggmon_syscall.h - the aggmon() system call, and whether this kernel has
 * it, for every userland caller: libaggmon, the selftests, the benchmarks
 * and the tool test's helper.  Header only.
 *
 * __NR_aggmon is aggmon() only on a kernel with the aggmon series: a
 * kernel without it answers ENOSYS, and mainline gave 463 to setxattrat()
 * in 6.13.  Called with aggmon()'s arguments and the other argument
 * registers zeroed, setxattrat() fails every call with EINVAL (its usize,
 * the sixth argument, is too small), while aggmon() never fails a
 * well-formed AGGMON_GAUGE_LIST with EINVAL.  So a probe, a list of one
 * gauge, tells them apart, and a caller can say so instead of printing a
 * foreign errno, or timing the wrong system call.
 */
#ifndef AGGMON_SYSCALL_H
#define AGGMON_SYSCALL_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "linux/aggmon.h"	/* -iquote or -I: the UAPI header */

/* Installed headers define it per architecture; 463 is x86-64's. */
#if !defined(__NR_aggmon) && defined(__x86_64__) && !defined(__ILP32__)
#define __NR_aggmon 463
#endif

/* aggmon(): its result, or -1 and errno (ENOSYS without a number here). */
static inline long aggmon_syscall(unsigned int cmd, void *attr,
				  unsigned int size)
{
#ifdef __NR_aggmon
	/* The unused argument registers zeroed: see the probe. */
	return syscall(__NR_aggmon, cmd, attr, size, 0UL, 0UL, 0UL);
#else
	(void)cmd;
	(void)attr;
	(void)size;
	errno = ENOSYS;
	return -1;
#endif
}

/* The probe's arguments: a list of at most one gauge, into *@id. */
static inline struct aggmon_gauge_list_attr aggmon_probe_attr(__u64 *id)
{
	struct aggmon_gauge_list_attr attr = {
		.ids = (__u64)(uintptr_t)id,
		.count = 1,
	};

	return attr;
}

/* Whether the probe's result, @ret and @err, says it is not aggmon(). */
static inline bool aggmon_probe_foreign(long ret, int err)
{
	return ret < 0 && (err == ENOSYS || err == EINVAL);
}

/*
 * The probe on this kernel: 0 if __NR_aggmon is aggmon(), else the errno
 * that says it is not.
 */
static inline int aggmon_syscall_foreign(void)
{
	__u64 id = 0;
	struct aggmon_gauge_list_attr attr = aggmon_probe_attr(&id);
	long ret = aggmon_syscall(AGGMON_GAUGE_LIST, &attr, sizeof(attr));
	int err = errno;

	return aggmon_probe_foreign(ret, err) ? err : 0;
}

#endif /* AGGMON_SYSCALL_H */

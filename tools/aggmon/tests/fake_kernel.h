/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The in-memory aggmon() of tests/fake_kernel.c, which lib/aggmon_sys.c
 * calls instead of the system call when built with -DAGGMON_FAKE.
 */
#ifndef __AGGMON_FAKE_KERNEL_H
#define __AGGMON_FAKE_KERNEL_H

/* Like the system call: 0 or a file descriptor, or -1 and errno. */
long fake_aggmon(unsigned int cmd, void *attr, unsigned int size);

#endif /* __AGGMON_FAKE_KERNEL_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * aggmon - who may do what, and the sysctls that say so
 */
#ifndef _AGGMON_PERM_H
#define _AGGMON_PERM_H

#include <linux/types.h>

#include "quota.h"

bool aggmon_may_observe(void);
unsigned long aggmon_quota_max(enum aggmon_quota quota);

#endif /* _AGGMON_PERM_H */

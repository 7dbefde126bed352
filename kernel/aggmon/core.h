/* SPDX-License-Identifier: GPL-2.0 */
/*
 * aggmon - what every object of the core shares: its clock and its ids
 */
#ifndef _AGGMON_CORE_H
#define _AGGMON_CORE_H

#include <linux/types.h>

u64 aggmon_now(void);
u64 aggmon_object_id(void);

#endif /* _AGGMON_CORE_H */

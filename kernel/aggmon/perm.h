/* SPDX-License-Identifier: GPL-2.0 */
/*
 * aggmon - who may do what: kernel.aggmon_paranoid
 */
#ifndef _AGGMON_PERM_H
#define _AGGMON_PERM_H

#include <linux/types.h>

bool aggmon_may_observe(void);
bool aggmon_may_cmd(unsigned int cmd);

#endif /* _AGGMON_PERM_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * aggmon - every limit in one place
 */
#ifndef _AGGMON_LIMITS_H
#define _AGGMON_LIMITS_H

#include <linux/limits.h>

/* Gauge ids are allocated cyclically in [1, AGGMON_GAUGE_ID_MAX]. */
#define AGGMON_GAUGE_ID_MAX		U32_MAX

/* Default and bounds of kernel.aggmon_max_user_gauges (per uid). */
#define AGGMON_USER_GAUGES_DEFAULT	1024
#define AGGMON_USER_GAUGES_LIMIT	1048576

/* Default of kernel.aggmon_paranoid (see perm.c). */
#define AGGMON_PARANOID_DEFAULT		2

#endif /* _AGGMON_LIMITS_H */

/* SPDX-License-Identifier: GPL-2.0 */
#ifndef __AGGMON_MAIN_H
#define __AGGMON_MAIN_H

#include <stdbool.h>

#include "json_writer.h"

#define AGGMON_VERSION	"0.1"

/* Exit statuses besides EXIT_SUCCESS and EXIT_FAILURE. */
#define EXIT_USAGE	2

#define __printf(a, b)	__attribute__((format(printf, a, b)))

struct cmd {
	const char *name;
	int (*func)(int argc, char **argv);
};

extern bool json_output;
/* While set, every message starts with it: "FILE:LINE: ...". */
extern const char *err_where;
extern struct json_writer *json_wtr;

/*
 * Run the command of @cmds that argv[0] names (or a prefix of it), with
 * the arguments after it; the first command when there is none.
 */
int cmd_select(const struct cmd *cmds, int argc, char **argv,
	       const char *object, int (*help)(int argc, char **argv));

void p_err(const char *fmt, ...) __printf(1, 2);
/* Report a usage error about @object (NULL: the command line); EXIT_USAGE. */
int p_usage(const char *object, const char *fmt, ...) __printf(2, 3);
/*
 * Report the failure -@err of what @fmt describes, about gauge @gauge
 * (or NULL); returns EXIT_FAILURE.
 */
int p_sys_err(int err, const char *gauge, const char *fmt, ...)
	__printf(3, 4);

int do_gauge(int argc, char **argv);
int do_agg(int argc, char **argv);
int do_stat(int argc, char **argv);
int do_watch(int argc, char **argv);
int do_threshold(int argc, char **argv);
int do_top(int argc, char **argv);
int do_monitor(int argc, char **argv);
int do_export(int argc, char **argv);
/* Host-only (fleet.c): weak, NULL in the static guest build. */
int do_fleet(int argc, char **argv) __attribute__((weak));

#endif /* __AGGMON_MAIN_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * aggmon - inspect the kernel's gauges through the aggmon() system call.
 *
 * Usage: aggmon [OPTIONS] OBJECT COMMAND [ARGS]
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "main.h"

bool json_output;
const char *err_where;
struct json_writer *json_wtr;

static bool pretty_output;
static bool help_requested;

/* One write per message, so that messages do not interleave. */
static __printf(1, 0) void vp_err(const char *fmt, va_list ap,
				   const char *tail)
{
	char msg[2048];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	fprintf(stderr, "aggmon: %s%s%s\n%s", err_where ?: "",
		err_where ? ": " : "", msg, tail);
}

void p_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vp_err(fmt, ap, "");
	va_end(ap);
}

int p_usage(const char *object, const char *fmt, ...)
{
	char tail[80];
	va_list ap;

	snprintf(tail, sizeof(tail),
		 "Try 'aggmon %s%shelp' for more information.\n",
		 object ? object : "", object ? " " : "");
	va_start(ap, fmt);
	vp_err(fmt, ap, tail);
	va_end(ap);
	return EXIT_USAGE;
}

int p_sys_err(int err, const char *gauge, const char *fmt, ...)
{
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);

	if (err == -ENOENT && gauge)
		p_err("no such gauge: %s (see 'aggmon gauge list')", gauge);
	else if (err == -EACCES || err == -EPERM)
		p_err("permission denied: aggmon needs CAP_PERFMON or kernel.aggmon_paranoid <= 1");
	else if (err == -ENOSYS)
		p_err("this kernel has no aggmon system call (CONFIG_AGGMON=n?)");
	else if (err == -EDQUOT)
		p_err("%s: this user's aggmon memory is at kernel.aggmon_max_user_bytes",
		      what);
	else
		p_err("%s: %s", what, strerror(-err));
	return EXIT_FAILURE;
}

static bool is_prefix(const char *pfx, const char *str)
{
	size_t len = strlen(pfx);

	return len && len <= strlen(str) && !memcmp(str, pfx, len);
}

int cmd_select(const struct cmd *cmds, int argc, char **argv,
	       const char *object, int (*help)(int argc, char **argv))
{
	unsigned int i;

	if (help_requested && object)
		return help(argc, argv);
	if (argc < 1)
		return cmds[0].func(argc, argv);
	for (i = 0; cmds[i].name; i++) {
		if (!is_prefix(argv[0], cmds[i].name))
			continue;
		if (!cmds[i].func) {
			p_err("this aggmon (a static build, for guests) has no '%s': run the host's",
			      cmds[i].name);
			return EXIT_FAILURE;
		}
		return cmds[i].func(argc - 1, argv + 1);
	}
	if (object)
		return p_usage(object, "unknown %s command '%s'", object,
			       argv[0]);
	return p_usage(NULL, "unknown object '%s'", argv[0]);
}

static int do_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("Usage: aggmon [OPTIONS] OBJECT { COMMAND | help }\n"
	       "       aggmon help\n"
	       "\n"
	       "       OBJECT  := { gauge | agg | stat | watch | threshold | top | monitor |\n"
	       "                    export | fleet }\n"
	       "       OPTIONS := { -j|--json | -p|--pretty | -h|--help | -V|--version }\n"
	       "\n"
	       "Show the kernel's gauges (aggmon system call, Linux with CONFIG_AGGMON).\n"
	       "  -j, --json     print JSON\n"
	       "  -p, --pretty   print indented JSON (implies --json)\n"
	       "  -h, --help     print this help, or the help of OBJECT\n"
	       "  -V, --version  print the version\n"
	       "Options may also follow OBJECT and COMMAND.  Run 'aggmon OBJECT help'\n"
	       "for the commands of an object.\n"
	       "Exit status: 0 success, 1 failure, 2 usage error.\n");
	return EXIT_SUCCESS;
}

static int do_version(void)
{
	if (json_output) {
		jsonw_start_object(json_wtr);
		jsonw_string_field(json_wtr, "version", AGGMON_VERSION);
		jsonw_end_object(json_wtr);
	} else {
		printf("aggmon v%s\n", AGGMON_VERSION);
	}
	return EXIT_SUCCESS;
}

static const struct cmd objects[] = {
	{ "help",	do_help },
	{ "gauge",	do_gauge },
	{ "agg",	do_agg },
	{ "stat",	do_stat },
	{ "watch",	do_watch },
	{ "threshold",	do_threshold },
	{ "top",	do_top },
	{ "monitor",	do_monitor },
	{ "export",	do_export },
	{ "fleet",	do_fleet },
	{ NULL,		NULL },
};

/*
 * Take out the global options that follow OBJECT (-j, -p, -h), so that
 * "aggmon gauge list -j" works; stop at "--".  Returns the new argc.
 */
static int take_late_options(int argc, char **argv)
{
	int i, n = 0;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--")) {
			while (i < argc)
				argv[n++] = argv[i++];
			break;
		}
		if (!strcmp(argv[i], "-j") || !strcmp(argv[i], "--json")) {
			json_output = true;
		} else if (!strcmp(argv[i], "-p") ||
			   !strcmp(argv[i], "--pretty")) {
			json_output = true;
			pretty_output = true;
		} else if (!strcmp(argv[i], "-h") ||
			   !strcmp(argv[i], "--help")) {
			help_requested = true;
		} else {
			argv[n++] = argv[i];
		}
	}
	argv[n] = NULL;
	return n;
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "json",	no_argument,	NULL,	'j' },
		{ "pretty",	no_argument,	NULL,	'p' },
		{ "help",	no_argument,	NULL,	'h' },
		{ "version",	no_argument,	NULL,	'V' },
		{ NULL,		0,		NULL,	0 }
	};
	bool version = false;
	int opt, ret;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, "+jphV", options, NULL)) >= 0) {
		switch (opt) {
		case 'j':
			json_output = true;
			break;
		case 'p':
			json_output = true;
			pretty_output = true;
			break;
		case 'h':
			return do_help(0, NULL);
		case 'V':
			version = true;
			break;
		default:
			/* A bad short option, or a bad long one. */
			if (optopt && strncmp(argv[optind - 1], "--", 2))
				return p_usage(NULL, "invalid option '-%c'",
					       optopt);
			return p_usage(NULL, "invalid option '%s'",
				       argv[optind - 1]);
		}
	}
	argc = take_late_options(argc - optind, argv + optind);
	argv += optind;

	if (json_output) {
		json_wtr = jsonw_new(stdout);
		if (!json_wtr) {
			p_err("out of memory");
			return EXIT_FAILURE;
		}
		jsonw_pretty(json_wtr, pretty_output);
	}

	if (version)
		ret = do_version();
	else if (argc < 1)
		ret = p_usage(NULL, "missing OBJECT");
	else
		ret = cmd_select(objects, argc, argv, NULL, do_help);

	if (json_wtr)
		jsonw_destroy(&json_wtr);
	if (fflush(stdout) || ferror(stdout)) {
		p_err("cannot write the output: %s", strerror(errno));
		ret = EXIT_FAILURE;
	}
	return ret;
}

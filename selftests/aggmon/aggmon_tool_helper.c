// SPDX-License-Identifier: GPL-2.0
/*
 * aggmon_tool_helper - a user gauge that a shell script drives, for
 * aggmon_tool_test.sh
 *
 * Usage: aggmon_tool_helper NAME [ITEM [UNIT [INITIAL]]]
 *
 * Creates the user gauge NAME (it must start with "user."), prints its id
 * on a line of its own, then reads commands from stdin, one a line:
 *
 *	add N		add N to the gauge (negative to subtract)
 *	set N		set the gauge to N
 *	sleep MS	sleep MS milliseconds
 *	sync WORD	print WORD on a line of its own: every command before
 *			it has been applied
 *	quit		exit, which removes the gauge (so does the end of stdin)
 *
 * stdout is flushed after every line.  Any error is reported on stderr and
 * ends the helper with status 1 (the gauge goes with it).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/aggmon.h>

/* In the kernel tree the tool is three folders up; in aggmon's, two. */
#if __has_include("../../../aggmon/lib/aggmon_syscall.h")
#include "../../../aggmon/lib/aggmon_syscall.h"
#else
#include "../../tools/aggmon/lib/aggmon_syscall.h"
#endif

static long sys_aggmon(unsigned int cmd, void *attr, unsigned int size)
{
	return aggmon_syscall(cmd, attr, size);
}

static void copy_field(char *dst, size_t size, const char *src,
		       const char *what)
{
	size_t len = strlen(src);

	if (len >= size) {
		fprintf(stderr, "aggmon_tool_helper: %s '%s' is too long\n",
			what, src);
		exit(1);
	}
	memcpy(dst, src, len + 1);
}

static int parse_s64(const char *s, long long *val)
{
	char *end;

	if (!*s)
		return -1;
	errno = 0;
	*val = strtoll(s, &end, 10);
	return errno || *end ? -1 : 0;
}

static void update(int fd, __u32 op, long long value)
{
	struct aggmon_gauge_update_attr attr = {
		.fd = (__u32)fd,
		.op = op,
		.value = value,
	};

	if (sys_aggmon(AGGMON_GAUGE_UPDATE, &attr, sizeof(attr))) {
		fprintf(stderr, "aggmon_tool_helper: cannot change the gauge: %s\n",
			strerror(errno));
		exit(1);
	}
}

static void sleep_ms(long long ms)
{
	struct timespec ts = {
		.tv_sec = ms / 1000,
		.tv_nsec = (ms % 1000) * 1000000,
	};

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

int main(int argc, char **argv)
{
	struct aggmon_gauge_create_attr attr;
	char line[256], arg[200], cmd[16];
	long long value = 0;
	int fd, n;

	if (argc < 2 || argc > 5) {
		fprintf(stderr, "usage: aggmon_tool_helper NAME [ITEM [UNIT [INITIAL]]]\n");
		return 2;
	}
	memset(&attr, 0, sizeof(attr));
	copy_field(attr.name, sizeof(attr.name), argv[1], "name");
	if (argc > 2)
		copy_field(attr.item, sizeof(attr.item), argv[2], "item");
	if (argc > 3)
		copy_field(attr.unit, sizeof(attr.unit), argv[3], "unit");
	if (argc > 4 && parse_s64(argv[4], &value)) {
		fprintf(stderr, "aggmon_tool_helper: bad INITIAL '%s'\n",
			argv[4]);
		return 2;
	}
	attr.initial = value;
	fd = sys_aggmon(AGGMON_GAUGE_CREATE, &attr, sizeof(attr));
	if (fd < 0) {
		fprintf(stderr, "aggmon_tool_helper: cannot create %s: %s\n",
			argv[1], strerror(errno));
		return 1;
	}
	printf("%llu\n", (unsigned long long)attr.id);
	fflush(stdout);

	while (fgets(line, sizeof(line), stdin)) {
		arg[0] = '\0';
		n = sscanf(line, "%15s %199s", cmd, arg);
		if (n < 1)
			continue;
		if (!strcmp(cmd, "quit"))
			break;
		if (!strcmp(cmd, "sync")) {
			printf("%s\n", arg);
			fflush(stdout);
			continue;
		}
		if (n != 2 || parse_s64(arg, &value)) {
			fprintf(stderr, "aggmon_tool_helper: bad command '%s'\n",
				strtok(line, "\n"));
			return 1;
		}
		if (!strcmp(cmd, "add")) {
			update(fd, AGGMON_UPDATE_ADD, value);
		} else if (!strcmp(cmd, "set")) {
			update(fd, AGGMON_UPDATE_SET, value);
		} else if (!strcmp(cmd, "sleep") && value >= 0) {
			sleep_ms(value);
		} else {
			fprintf(stderr, "aggmon_tool_helper: bad command '%s'\n",
				strtok(line, "\n"));
			return 1;
		}
	}
	close(fd);
	return 0;
}

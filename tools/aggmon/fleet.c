// SPDX-License-Identifier: GPL-2.0
/*
 * aggmon fleet query: one answer, across the members of a fleet, to "what
 * happened between T1 and T2?" (SPEC M3).
 *
 * The members' monitors log their records into the journal (aggmon
 * monitor's 'log journal' or 'log export'); systemd-journal-remote gathers
 * them into one directory, and this command reads that directory through
 * journalctl, the journal's own reader, which selects the fields and the
 * time range and merges the members' files.  Its output format is the
 * Journal Export Format (-o export), the same framing the monitor writes,
 * so that no JSON parser is needed here; the records are then ordered by
 * (event time, member, sequence id), one total order in which the first
 * and the last record of an answer are well defined, and 'after ID'
 * answers with exactly the records that come after ID in that order.
 *
 * A window is half-open, [T1, T2), so that two adjacent windows share
 * no record.  A host-only command: the static guest build leaves it out.
 */
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "common.h"

#define DEFAULT_DIR	"/var/log/journal/remote"
#define MAX_MEMBERS	64
/*
 * How far past a window (and before an anchor) journalctl is asked to
 * look.  It seeks and stops by the journal's realtime in the order the
 * entries were written, and a file that gathers several members (behind
 * one address, as journal-remote names its files) has them in the order
 * they arrived: one member's clock seconds behind another's makes the
 * times go back and forth.  keep() takes exactly the window.
 */
#define MARGIN_NS	(60 * NSEC_PER_SEC)

static const char *const event_names[] = {
	"fired", "cancelled", "lost", "gone", "snapshot", "dropped",
};

struct record {
	__u64 time_ns;
	__u64 seq;		/* 0: none (a dropped record) */
	char *member, *event, *gauge, *item, *value, *cursor;
};

struct query {
	const char *dir;
	__u64 since_ns, until_ns;	/* until 0: none */
	bool has_since;
	const char *after;		/* ID */
	const char *members[MAX_MEMBERS];
	int nr_members;
	struct record *recs;
	size_t n, cap;
};

static int do_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("Usage: aggmon [OPTIONS] fleet query since TIME until TIME [member ID]... [DIR]\n"
	       "       aggmon [OPTIONS] fleet query after RECORD [until TIME] [member ID]... [DIR]\n"
	       "       aggmon fleet help\n"
	       "\n"
	       "       TIME   := { YYYY-MM-DDTHH:MM:SS[.FRACTION]Z | @SECONDS[.FRACTION] }\n"
	       "       RECORD := { CURSOR | MEMBER:SEQ }, as the first and last lines print them\n"
	       "\n"
	       "Reads the aggmon records that systemd-journal-remote gathered from the\n"
	       "members into DIR (default " DEFAULT_DIR "), through\n"
	       "journalctl, and prints those of [since, until) (or after RECORD), of\n"
	       "the members given (default all), merged by time: one line each,\n"
	       "  TIME MEMBER SEQ EVENT GAUGE ITEM VALUE\n"
	       "(\"-\" for no item or value), then the first and the last record as\n"
	       "  first CURSOR MEMBER:SEQ\n"
	       "  last CURSOR MEMBER:SEQ\n"
	       "('after' takes either form), then per member the records by event:\n"
	       "  count MEMBER fired=N cancelled=N lost=N gone=N snapshot=N dropped=N\n"
	       "With -j, one object {\"records\": [...], \"first\", \"last\", \"counts\"}.\n"
	       "Records are ordered by event time, then member, then sequence id;\n"
	       "'after RECORD' gives exactly those that come after RECORD.\n"
	       "Exit status: 0 (also with no record), 1 journalctl failed, 2 usage.\n");
	return EXIT_SUCCESS;
}

/*
 * Times
 * =====
 */

/* TIME into ns since the epoch: 0 or -1. */
static int parse_time(const char *s, __u64 *ns)
{
	unsigned long long sec, frac = 0;
	const char *p;
	struct tm tm = { 0 };
	char *end;
	int digits = 0;

	if (*s == '@') {
		if (!s[1] || s[1] == '-' || s[1] == '+')
			return -1;
		errno = 0;
		sec = strtoull(s + 1, &end, 10);
		if (errno || end == s + 1)
			return -1;
		p = end;
	} else {
		p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
		if (!p)
			return -1;
		sec = timegm(&tm);
	}
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++, digits++)
			if (digits < 9)
				frac = frac * 10 + (*p - '0');
		if (!digits)
			return -1;
		for (; digits < 9; digits++)
			frac *= 10;
	}
	if (*s != '@' && *p++ != 'Z')
		return -1;
	if (*p || sec > UINT64_MAX / NSEC_PER_SEC - 1)
		return -1;
	*ns = sec * NSEC_PER_SEC + frac;
	return 0;
}

/*
 * Reading journalctl's export output
 * ==================================
 */

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

struct entry {
	char *field[8];	/* the fields we keep, by index below */
};

enum { F_CURSOR, F_TIME, F_SEQ, F_MEMBER, F_EVENT, F_GAUGE, F_ITEM, F_VALUE };

static const char *const kept[] = {
	[F_CURSOR]	= "__CURSOR",
	[F_TIME]	= "AGGMON_TIME_NS",
	[F_SEQ]		= "AGGMON_SEQ",
	[F_MEMBER]	= "AGGMON_MEMBER",
	[F_EVENT]	= "AGGMON_EVENT",
	[F_GAUGE]	= "AGGMON_GAUGE",
	[F_ITEM]	= "AGGMON_ITEM",
	[F_VALUE]	= "AGGMON_VALUE",
};

static void entry_clear(struct entry *e)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(e->field); i++) {
		free(e->field[i]);
		e->field[i] = NULL;
	}
}

static void entry_set(struct entry *e, const char *name, const char *value,
		      size_t len)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(kept); i++) {
		if (strcmp(name, kept[i]))
			continue;
		free(e->field[i]);
		e->field[i] = strndup(value, len);
		return;
	}
}

/* The entry as a record; 1 if it is none (not an aggmon record). */
static int entry_record(const struct entry *e, struct record *r)
{
	char *end;

	memset(r, 0, sizeof(*r));
	if (!e->field[F_TIME] || !e->field[F_MEMBER] || !e->field[F_EVENT] ||
	    !e->field[F_CURSOR])
		return 1;
	r->time_ns = strtoull(e->field[F_TIME], &end, 10);
	if (*end)
		return 1;
	r->seq = e->field[F_SEQ] ? strtoull(e->field[F_SEQ], NULL, 10) : 0;
	r->member = strdup(e->field[F_MEMBER]);
	r->event = strdup(e->field[F_EVENT]);
	r->gauge = dup_or_null(e->field[F_GAUGE]);
	r->item = dup_or_null(e->field[F_ITEM]);
	r->value = dup_or_null(e->field[F_VALUE]);
	r->cursor = strdup(e->field[F_CURSOR]);
	return 0;
}

static void record_free(struct record *r)
{
	free(r->member);
	free(r->event);
	free(r->gauge);
	free(r->item);
	free(r->value);
	free(r->cursor);
}

/*
 * Read the entries of @f (journalctl -o export) and hand each record to
 * @fn; stop when it returns non-zero.  0, -EIO for a broken stream, or
 * the -errno @fn returned.
 */
static int read_export(FILE *f, int (*fn)(struct record *r, void *arg),
		       void *arg)
{
	struct entry e = { { 0 } };
	char *line = NULL, *eq, *bin = NULL;
	size_t cap = 0;
	ssize_t len;
	struct record r;
	__u64 n;
	int i, c, stop = 0;

	while (!stop && (len = getline(&line, &cap, f)) >= 0) {
		if (len && line[len - 1] == '\n')
			line[--len] = '\0';
		if (!len) {	/* the end of an entry */
			if (!entry_record(&e, &r))
				stop = fn(&r, arg);
			entry_clear(&e);
			continue;
		}
		eq = strchr(line, '=');
		if (eq) {
			*eq = '\0';
			entry_set(&e, line, eq + 1, len - (eq + 1 - line));
			continue;
		}
		/* Binary: NAME, a 64-bit little-endian size, the data, '\n'. */
		for (n = 0, i = 0; i < 8 && (c = getc(f)) != EOF; i++)
			n |= (__u64)c << (8 * i);
		if (i < 8 || n > (1 << 24)) {
			stop = -EIO;
			break;
		}
		free(bin);
		bin = malloc(n + 1);
		if (!bin || fread(bin, 1, n, f) != n || getc(f) != '\n') {
			stop = -EIO;
			break;
		}
		entry_set(&e, line, bin, n);
	}
	if (!stop && !entry_record(&e, &r))	/* no blank line at the end */
		fn(&r, arg);
	entry_clear(&e);
	free(line);
	free(bin);
	return stop < 0 ? stop : 0;
}

/*
 * Run journalctl -D @dir -o export with @extra arguments and the match
 * of the members, reading its output with read_export().  0, or an exit
 * status once reported.
 */
static int run_journalctl(const struct query *q, const char *const *extra,
			  int (*fn)(struct record *r, void *arg), void *arg)
{
	const char *argv[16 + MAX_MEMBERS];
	char matches[MAX_MEMBERS][300];
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none;
	int pipefd[2], argc = 0, i, err, status;
	pid_t pid;
	FILE *f;

	argv[argc++] = "journalctl";
	argv[argc++] = "-D";
	argv[argc++] = q->dir;
	argv[argc++] = "-o";
	argv[argc++] = "export";
	argv[argc++] = "--no-pager";
	argv[argc++] = "-q";
	for (i = 0; extra[i]; i++)
		argv[argc++] = extra[i];
	argv[argc++] = "SYSLOG_IDENTIFIER=aggmon";
	for (i = 0; i < q->nr_members; i++) {
		snprintf(matches[i], sizeof(matches[i]), "AGGMON_MEMBER=%s",
			 q->members[i]);
		argv[argc++] = matches[i];
	}
	argv[argc] = NULL;

	if (pipe(pipefd))
		return p_sys_err(-errno, NULL, "cannot create a pipe");
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDOUT_FILENO);
	posix_spawn_file_actions_addclose(&fa, pipefd[0]);
	posix_spawn_file_actions_addclose(&fa, pipefd[1]);
	/* journalctl gets the signals back, whatever we blocked. */
	posix_spawnattr_init(&attr);
	sigemptyset(&none);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
	err = posix_spawnp(&pid, "journalctl", &fa, &attr, (char **)argv,
			   environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	close(pipefd[1]);
	if (err) {
		close(pipefd[0]);
		p_err("cannot run journalctl: %s (install systemd)",
		      strerror(err));
		return EXIT_FAILURE;
	}
	f = fdopen(pipefd[0], "r");
	if (!f) {
		close(pipefd[0]);
		kill(pid, SIGTERM);
		waitpid(pid, NULL, 0);
		return p_sys_err(-errno, NULL, "cannot read journalctl");
	}
	err = read_export(f, fn, arg);
	fclose(f);	/* a journalctl not done gets SIGPIPE */
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (err == -ENOMEM) {
		p_err("out of memory");
		return EXIT_FAILURE;
	}
	if (err) {
		p_err("journalctl -D %s wrote a broken export stream", q->dir);
		return EXIT_FAILURE;
	}
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGPIPE)
		return 0;
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		p_err("journalctl -D %s failed (status %d): is it a journal directory?",
		      q->dir, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		return EXIT_FAILURE;
	}
	return 0;
}

/*
 * The answer
 * ==========
 */

static int record_cmp(const void *a, const void *b)
{
	const struct record *x = a, *y = b;

	if (x->time_ns != y->time_ns)
		return x->time_ns < y->time_ns ? -1 : 1;
	return strcmp(x->member, y->member) ?:
	       (x->seq > y->seq) - (x->seq < y->seq);
}

/* The record the query keeps, if it is in the window; 1 stops on ENOMEM. */
static struct record anchor;
static bool has_anchor;

static int keep(struct record *r, void *arg)
{
	struct query *q = arg;
	struct record *recs;

	if ((q->has_since && r->time_ns < q->since_ns) ||
	    (q->until_ns && r->time_ns >= q->until_ns) ||
	    (has_anchor && record_cmp(r, &anchor) <= 0) ||
	    !r->member || !r->event || !r->cursor) {
		record_free(r);
		return 0;
	}
	if (q->n == q->cap) {
		recs = realloc(q->recs, (q->cap * 2 + 64) * sizeof(*recs));
		if (!recs) {
			record_free(r);
			return -ENOMEM;
		}
		q->recs = recs;
		q->cap = q->cap * 2 + 64;
	}
	q->recs[q->n++] = *r;
	return 0;
}

static int take_first(struct record *r, void *arg)
{
	struct record *first = arg;

	*first = *r;
	return 1;
}

/* Find the record of ID (a cursor, or MEMBER:SEQ) into anchor. */
static int find_anchor(struct query *q)
{
	char cursor_arg[512], seq_arg[64], member_arg[300];
	const char *extra[4] = { NULL };
	const char *colon = strrchr(q->after, ':');
	struct query one = *q;
	int err;

	one.nr_members = 0;
	if (strstr(q->after, "s=") && strchr(q->after, ';')) {
		snprintf(cursor_arg, sizeof(cursor_arg), "--cursor=%s", q->after);
		extra[0] = cursor_arg;
	} else if (colon && colon > q->after && colon[1] &&
		   !colon[1 + strspn(colon + 1, "0123456789")]) {
		snprintf(member_arg, sizeof(member_arg), "AGGMON_MEMBER=%.*s",
			 (int)(colon - q->after), q->after);
		snprintf(seq_arg, sizeof(seq_arg), "AGGMON_SEQ=%s", colon + 1);
		extra[0] = member_arg;
		extra[1] = seq_arg;
	} else {
		return p_usage("fleet",
			       "invalid RECORD '%s': expected a journal cursor or MEMBER:SEQ",
			       q->after);
	}
	err = run_journalctl(&one, extra, take_first, &anchor);
	if (err)
		return err;
	if (!anchor.cursor) {
		p_err("no such record in %s: %s", q->dir, q->after);
		return EXIT_FAILURE;
	}
	has_anchor = true;
	return 0;
}

static const char *or_dash(const char *s)
{
	return s && *s ? s : "-";
}

static void print_id(const char *what, const struct record *r)
{
	if (json_output) {
		jsonw_name(json_wtr, what);
		if (!r) {
			jsonw_null(json_wtr);
			return;
		}
		jsonw_start_object(json_wtr);
		jsonw_string_field(json_wtr, "cursor", r->cursor);
		jsonw_string_field(json_wtr, "member", r->member);
		jsonw_u64_field(json_wtr, "seq", r->seq);
		jsonw_end_object(json_wtr);
	} else if (r) {
		printf("%s %s %s:%llu\n", what, r->cursor, r->member,
		       (unsigned long long)r->seq);
	} else {
		printf("%s -\n", what);
	}
}

/* The members in order of first appearance, and their counts by event. */
struct counts {
	const char *member;
	__u64 n[ARRAY_SIZE(event_names)];
};

static size_t count(const struct query *q, struct counts *c, size_t max)
{
	size_t nr = 0, i, j, k;

	for (i = 0; i < q->n; i++) {
		for (j = 0; j < nr && strcmp(c[j].member, q->recs[i].member); j++)
			;
		if (j == nr) {
			if (nr == max)
				continue;
			memset(&c[nr], 0, sizeof(c[nr]));
			c[nr++].member = q->recs[i].member;
		}
		for (k = 0; k < ARRAY_SIZE(event_names); k++)
			if (!strcmp(q->recs[i].event, event_names[k]))
				c[j].n[k]++;
	}
	return nr;
}

static int counts_cmp(const void *a, const void *b)
{
	return strcmp(((const struct counts *)a)->member,
		      ((const struct counts *)b)->member);
}

static void print_record(const struct record *r)
{
	char time[48];

	realtime_format(r->time_ns, time, sizeof(time));
	if (!json_output) {
		printf("%s %s %llu %s %s %s %s\n", time, r->member,
		       (unsigned long long)r->seq, r->event, or_dash(r->gauge),
		       or_dash(r->item), or_dash(r->value));
		return;
	}
	jsonw_start_object(json_wtr);
	jsonw_string_field(json_wtr, "time", time);
	jsonw_u64_field(json_wtr, "time_ns", r->time_ns);
	jsonw_string_field(json_wtr, "member", r->member);
	jsonw_u64_field(json_wtr, "seq", r->seq);
	jsonw_string_field(json_wtr, "event", r->event);
	jsonw_string_field(json_wtr, "gauge", r->gauge ?: "");
	jsonw_string_field(json_wtr, "item", r->item ?: "");
	jsonw_name(json_wtr, "value");
	if (r->value && *r->value)
		jsonw_number(json_wtr, r->value);
	else
		jsonw_null(json_wtr);
	jsonw_string_field(json_wtr, "cursor", r->cursor);
	jsonw_end_object(json_wtr);
}

static void print_answer(const struct query *q)
{
	struct counts c[MAX_MEMBERS * 4];
	size_t i, k, nr;

	if (json_output) {
		jsonw_start_object(json_wtr);
		jsonw_name(json_wtr, "records");
		jsonw_start_array(json_wtr);
	}
	for (i = 0; i < q->n; i++)
		print_record(&q->recs[i]);
	if (json_output)
		jsonw_end_array(json_wtr);
	print_id("first", q->n ? &q->recs[0] : NULL);
	print_id("last", q->n ? &q->recs[q->n - 1] : NULL);
	nr = count(q, c, ARRAY_SIZE(c));
	qsort(c, nr, sizeof(*c), counts_cmp);
	if (json_output) {
		jsonw_name(json_wtr, "counts");
		jsonw_start_object(json_wtr);
	}
	for (i = 0; i < nr; i++) {
		if (json_output) {
			jsonw_name(json_wtr, c[i].member);
			jsonw_start_object(json_wtr);
			for (k = 0; k < ARRAY_SIZE(event_names); k++)
				jsonw_u64_field(json_wtr, event_names[k], c[i].n[k]);
			jsonw_end_object(json_wtr);
			continue;
		}
		printf("count %s", c[i].member);
		for (k = 0; k < ARRAY_SIZE(event_names); k++)
			printf(" %s=%llu", event_names[k],
			       (unsigned long long)c[i].n[k]);
		putchar('\n');
	}
	if (json_output) {
		jsonw_end_object(json_wtr);
		jsonw_end_object(json_wtr);
	}
}

/*
 * The command line
 * ================
 */

static int take_time(struct words *ws, __u64 *ns)
{
	const char *key = keyword(peek(ws));
	const char *arg = take_arg(ws, "a TIME");

	if (!arg)
		return EXIT_USAGE;
	if (parse_time(arg, ns))
		return parse_err(ws,
				 "invalid %s '%s': expected YYYY-MM-DDTHH:MM:SS[.FRACTION]Z or @SECONDS",
				 key, arg);
	return 0;
}

static int query_parse(struct query *q, int argc, char **argv)
{
	struct words ws = { argv, argc, 0, NULL, "fleet" };
	bool has_until = false;
	const char *arg;

	q->dir = NULL;
	while (peek(&ws)) {
		if (at_keyword(&ws, "since")) {
			if (q->has_since)
				return parse_err(&ws, "since given twice");
			if (take_time(&ws, &q->since_ns))
				return EXIT_USAGE;
			q->has_since = true;
		} else if (at_keyword(&ws, "until")) {
			if (has_until)
				return parse_err(&ws, "until given twice");
			if (take_time(&ws, &q->until_ns))
				return EXIT_USAGE;
			has_until = true;
		} else if (at_keyword(&ws, "after")) {
			if (q->after)
				return parse_err(&ws, "after given twice");
			q->after = take_arg(&ws, "a RECORD");
			if (!q->after)
				return EXIT_USAGE;
		} else if (at_keyword(&ws, "member")) {
			if (q->nr_members == MAX_MEMBERS)
				return parse_err(&ws, "too many members: at most %d",
						 MAX_MEMBERS);
			arg = take_arg(&ws, "an ID");
			if (!arg)
				return EXIT_USAGE;
			q->members[q->nr_members++] = arg;
		} else if (!q->dir && !ws.word[ws.pos][0]) {
			return parse_err(&ws, "an empty DIR");
		} else if (!q->dir) {
			q->dir = ws.word[ws.pos++];
		} else {
			return parse_err(&ws, "unknown argument '%s'", peek(&ws));
		}
	}
	if (q->after && q->has_since)
		return parse_err(&ws, "since and after exclude each other");
	if (!q->after && !q->has_since)
		return parse_err(&ws, "query needs since TIME until TIME, or after RECORD");
	if (!q->after && !has_until)
		return parse_err(&ws, "query needs until TIME after since TIME");
	if (has_until && q->has_since && q->until_ns <= q->since_ns)
		return parse_err(&ws, "until must come after since");
	if (!q->dir)
		q->dir = DEFAULT_DIR;
	return 0;
}

/* --since/--until for journalctl, MARGIN_NS wider than the window. */
static void range_args(const struct query *q, char *since, char *until,
		       size_t size, const char **extra)
{
	int n = 0;

	if (q->has_since) {
		snprintf(since, size, "--since=@%llu",
			 (unsigned long long)(q->since_ns > MARGIN_NS ?
					      (q->since_ns - MARGIN_NS) / NSEC_PER_SEC : 0));
		extra[n++] = since;
	}
	if (q->until_ns) {
		snprintf(until, size, "--until=@%llu",
			 (unsigned long long)((q->until_ns + MARGIN_NS) / NSEC_PER_SEC + 1));
		extra[n++] = until;
	}
	extra[n] = NULL;
}

static int do_query(int argc, char **argv)
{
	struct query q = { 0 };
	char since[48], until[48];
	struct stat st;
	const char *extra[3];
	size_t i;
	int err;

	err = query_parse(&q, argc, argv);
	if (err)
		return err;
	err = stat(q.dir, &st) ? errno : 0;
	if (!err && !S_ISDIR(st.st_mode))
		err = ENOTDIR;
	if (!err && access(q.dir, R_OK | X_OK))
		err = errno;
	if (err) {
		p_err("cannot read the journal directory %s: %s", q.dir,
		      strerror(err));
		return EXIT_FAILURE;
	}
	if (q.after) {
		err = find_anchor(&q);
		if (err)
			return err;
		/* The records after it in time; range_args() looks back. */
		q.has_since = true;
		q.since_ns = anchor.time_ns;
	}
	range_args(&q, since, until, sizeof(since), extra);
	err = run_journalctl(&q, extra, keep, &q);
	if (!err) {
		qsort(q.recs, q.n, sizeof(*q.recs), record_cmp);
		print_answer(&q);
	}
	for (i = 0; i < q.n; i++)
		record_free(&q.recs[i]);
	free(q.recs);
	if (has_anchor)
		record_free(&anchor);
	return err;
}

static const struct cmd cmds[] = {
	{ "query",	do_query },
	{ "help",	do_help },
	{ NULL,		NULL },
};

int do_fleet(int argc, char **argv)
{
	if (!argc)
		return p_usage("fleet", "fleet needs a command: query or help");
	return cmd_select(cmds, argc, argv, "fleet", do_help);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The event log of 'aggmon monitor': records, their sequence ids and
 * their sinks (see eventlog.h).
 *
 * The journal's native protocol and its export format are written here,
 * without libsystemd: both are small, documented and stable
 * (systemd.io/JOURNAL_NATIVE_PROTOCOL, systemd.io/JOURNAL_EXPORT_FORMATS),
 * the static build of the guests has no libsystemd, and a socket path of
 * our own lets the tests stand in for journald.  Each field is NAME=value
 * on a line, or, where the value holds a newline, NAME, a newline, the
 * length as 64-bit little endian, the value and a newline.
 *
 * Sequence ids: the state file holds the last id handed out, written
 * before the record that carries it, so that a monitor killed at any
 * point never hands out an id twice (it may skip the one it died with).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "common.h"
#include "eventlog.h"
#include "json_writer.h"

#define JOURNAL_SOCKET	"/run/systemd/journal/socket"
#define MAX_FIELDS	32
#define VALUE_LEN	320

/*
 * Sinks
 * =====
 */

static const char *const kind_names[] = {
	[LOG_TEXT]	= "text",
	[LOG_JSON]	= "json",
	[LOG_JOURNAL]	= "journal",
	[LOG_EXPORT]	= "export",
};

int log_sink_parse(struct event_log *log, char **words, int n, char *msg,
		   size_t size)
{
	struct log_sink *s;
	size_t k;

	if (n < 1) {
		snprintf(msg, size, "log needs text, json, journal or export");
		return -1;
	}
	for (k = 0; k < ARRAY_SIZE(kind_names); k++)
		if (!strcmp(words[0], kind_names[k]))
			break;
	if (k == ARRAY_SIZE(kind_names)) {
		snprintf(msg, size, "unknown log '%s': expected text, json, journal or export",
			 words[0]);
		return -1;
	}
	if (n > 2) {
		snprintf(msg, size, "unknown log option '%s'", words[2]);
		return -1;
	}
	s = realloc(log->sinks, (log->nr_sinks + 1) * sizeof(*s));
	if (!s) {
		snprintf(msg, size, "out of memory");
		return -1;
	}
	log->sinks = s;
	s = &log->sinks[log->nr_sinks++];
	memset(s, 0, sizeof(*s));
	s->kind = k;
	s->fd = -1;
	s->path = strdup(n > 1 ? words[1] : k == LOG_JOURNAL ? JOURNAL_SOCKET : "-");
	if (!s->path) {
		snprintf(msg, size, "out of memory");
		return -1;
	}
	return 0;
}

static int sink_open(struct log_sink *s)
{
	if (s->kind == LOG_JOURNAL) {
		s->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (s->fd < 0)
			return p_sys_err(-errno, NULL, "cannot create a socket for the journal");
		return 0;
	}
	if (!strcmp(s->path, "-")) {
		s->f = stdout;
		return 0;
	}
	/* Logs grow: append, as a journal-remote or a tail -f wants. */
	s->f = fopen(s->path, "a");
	if (!s->f)
		return p_sys_err(-errno, NULL, "cannot open the log %s", s->path);
	return 0;
}

/*
 * The member, the boot, the state
 * ===============================
 */

/* The first line of @path into @buf, without blanks: 0 or -1. */
static int read_line(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");
	size_t len;

	if (!f)
		return -1;
	if (!fgets(buf, size, f)) {
		fclose(f);
		return -1;
	}
	fclose(f);
	len = strcspn(buf, " \t\r\n");
	buf[len] = '\0';
	return len ? 0 : -1;
}

static int state_open(struct event_log *log)
{
	char buf[32] = "";
	ssize_t n;

	log->state_fd = open(log->state_path, O_RDWR | O_CREAT | O_CLOEXEC,
			     0644);
	if (log->state_fd < 0)
		return p_sys_err(-errno, NULL, "cannot open the state file %s",
				 log->state_path);
	n = pread(log->state_fd, buf, sizeof(buf) - 1, 0);
	if (n < 0)
		return p_sys_err(-errno, NULL, "cannot read the state file %s",
				 log->state_path);
	buf[n] = '\0';
	if (n && (buf[0] == '\n' || buf[strspn(buf, "0123456789")] != '\n')) {
		p_err("the state file %s holds no sequence id: remove it, or give another",
		      log->state_path);
		return EXIT_FAILURE;
	}
	if (n)
		log->seq = strtoull(buf, NULL, 10);
	return 0;
}

int event_log_open(struct event_log *log, const char *member)
{
	char boot[64];
	size_t i, j;
	int err;

	log->state_fd = -1;
	if (member)
		snprintf(log->member, sizeof(log->member), "%s", member);
	else if (read_line("/etc/machine-id", log->member, sizeof(log->member)) &&
		 gethostname(log->member, sizeof(log->member) - 1))
		snprintf(log->member, sizeof(log->member), "localhost");
	if (gethostname(log->hostname, sizeof(log->hostname) - 1))
		snprintf(log->hostname, sizeof(log->hostname), "localhost");
	if (read_line("/proc/sys/kernel/random/boot_id", boot, sizeof(boot)))
		snprintf(boot, sizeof(boot), "00000000000000000000000000000001");
	for (i = j = 0; boot[i] && j < sizeof(log->boot_id) - 1; i++)
		if (boot[i] != '-')
			log->boot_id[j++] = boot[i];
	log->boot_id[j] = '\0';
	if (log->state_path) {
		err = state_open(log);
		if (err)
			return err;
	}
	for (i = 0; i < log->nr_sinks; i++) {
		err = sink_open(&log->sinks[i]);
		if (err)
			return err;
	}
	return 0;
}

__u64 event_log_next_seq(struct event_log *log)
{
	char buf[32];
	int len;

	log->seq++;
	if (log->state_fd < 0)
		return log->seq;
	len = snprintf(buf, sizeof(buf), "%020llu\n",
		       (unsigned long long)log->seq);
	if (pwrite(log->state_fd, buf, len, 0) != len &&
	    !log->state_failures++)
		p_err("cannot keep sequence id %llu in the state file %s: %s (counting the failures)",
		      (unsigned long long)log->seq, log->state_path,
		      strerror(errno ?: EIO));
	return log->seq;
}

/*
 * Records as fields
 * =================
 */

struct field {
	const char *name;
	char value[VALUE_LEN];
};

struct fields {
	struct field f[MAX_FIELDS];
	size_t n;
};

static void add(struct fields *fs, const char *name, const char *fmt, ...)
	__printf(3, 4);

static void add(struct fields *fs, const char *name, const char *fmt, ...)
{
	va_list ap;

	if (fs->n == MAX_FIELDS)
		return;
	fs->f[fs->n].name = name;
	va_start(ap, fmt);
	vsnprintf(fs->f[fs->n].value, VALUE_LEN, fmt, ap);
	va_end(ap);
	fs->n++;
}

static int priority(const char *event)
{
	if (!strcmp(event, "lost") || !strcmp(event, "dropped"))
		return 4;	/* warning */
	if (!strcmp(event, "fired"))
		return 5;	/* notice */
	return 6;		/* info */
}

/* "fired net.e100.tx_packets:eth0 rate period 1s above 1000 value 1200 seq 3" */
static void message(const struct log_record *r, char *buf, size_t size)
{
	int len;

	len = snprintf(buf, size, "%s %s %s", r->event, r->gauge, r->stat);
	if (r->threshold)
		len += snprintf(buf + len, size - len, " %s", r->threshold);
	if (r->has_value)
		len += snprintf(buf + len, size - len, " value %lld",
				(long long)r->value);
	if (r->threshold)
		len += snprintf(buf + len, size - len, " seq %llu",
				(unsigned long long)r->event_seq);
	if (r->lost)
		len += snprintf(buf + len, size - len, " lost %llu",
				(unsigned long long)r->lost);
	if (r->initial)
		len += snprintf(buf + len, size - len, " initial");
	if (r->timer)
		snprintf(buf + len, size - len, " timer");
}

static void record_fields(const struct event_log *log,
			  const struct log_record *r, struct fields *fs)
{
	fs->n = 0;
	add(fs, "MESSAGE", "%s", "");
	message(r, fs->f[0].value, VALUE_LEN);
	add(fs, "PRIORITY", "%d", priority(r->event));
	add(fs, "SYSLOG_IDENTIFIER", "aggmon");
	add(fs, "AGGMON_EVENT", "%s", r->event);
	add(fs, "AGGMON_SEQ", "%llu", (unsigned long long)r->seq);
	add(fs, "AGGMON_MEMBER", "%s", log->member);
	add(fs, "AGGMON_TIME_NS", "%llu", (unsigned long long)r->realtime_ns);
	add(fs, "AGGMON_MONOTONIC_NS", "%llu",
	    (unsigned long long)r->monotonic_ns);
	add(fs, "AGGMON_GAUGE", "%s", r->name);
	if (*r->item)
		add(fs, "AGGMON_ITEM", "%s", r->item);
	add(fs, "AGGMON_STAT", "%s", r->stat);
	if (r->threshold)
		add(fs, "AGGMON_THRESHOLD", "%s", r->threshold);
	if (r->has_value)
		add(fs, "AGGMON_VALUE", "%lld", (long long)r->value);
	if (r->threshold)
		add(fs, "AGGMON_EVENT_SEQ", "%llu",
		    (unsigned long long)r->event_seq);
	if (r->lost)
		add(fs, "AGGMON_LOST", "%llu", (unsigned long long)r->lost);
	if (r->initial)
		add(fs, "AGGMON_INITIAL", "1");
	if (r->timer)
		add(fs, "AGGMON_TIMER", "1");
	add(fs, "AGGMON_LINE", "%u", r->line);
}

/* The record that says what a sink could not take. */
static void dropped_fields(const struct event_log *log,
			   const struct log_sink *s, __u64 realtime_ns,
			   __u64 monotonic_ns, struct fields *fs)
{
	fs->n = 0;
	add(fs, "MESSAGE",
	    "dropped %llu records, sequence ids %llu to %llu, that this %s log could not take",
	    (unsigned long long)s->dropped,
	    (unsigned long long)s->first_dropped,
	    (unsigned long long)s->last_dropped, kind_names[s->kind]);
	add(fs, "PRIORITY", "%d", priority("dropped"));
	add(fs, "SYSLOG_IDENTIFIER", "aggmon");
	add(fs, "AGGMON_EVENT", "dropped");
	add(fs, "AGGMON_MEMBER", "%s", log->member);
	add(fs, "AGGMON_TIME_NS", "%llu", (unsigned long long)realtime_ns);
	add(fs, "AGGMON_MONOTONIC_NS", "%llu", (unsigned long long)monotonic_ns);
	add(fs, "AGGMON_DROPPED", "%llu", (unsigned long long)s->dropped);
	add(fs, "AGGMON_FIRST_SEQ", "%llu", (unsigned long long)s->first_dropped);
	add(fs, "AGGMON_LAST_SEQ", "%llu", (unsigned long long)s->last_dropped);
}

/* The fields in the native protocol's and the export format's framing. */
static size_t frame(const struct fields *fs, char *buf, size_t size)
{
	size_t len = 0, vlen, i, k;
	__u64 n;

	for (i = 0; i < fs->n; i++) {
		vlen = strlen(fs->f[i].value);
		if (len + strlen(fs->f[i].name) + vlen + 12 > size)
			break;
		if (!strchr(fs->f[i].value, '\n')) {
			len += snprintf(buf + len, size - len, "%s=%s\n",
					fs->f[i].name, fs->f[i].value);
			continue;
		}
		len += snprintf(buf + len, size - len, "%s\n", fs->f[i].name);
		for (n = vlen, k = 0; k < 8; k++, n >>= 8)
			buf[len++] = n & 0xff;
		memcpy(buf + len, fs->f[i].value, vlen);
		len += vlen;
		buf[len++] = '\n';
	}
	return len;
}

/*
 * Writing
 * =======
 */

static int write_journal(struct log_sink *s, const struct fields *fs)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char buf[MAX_FIELDS * (VALUE_LEN + 48)];
	size_t len = frame(fs, buf, sizeof(buf));

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", s->path);
	if (sendto(s->fd, buf, len, MSG_NOSIGNAL, (struct sockaddr *)&sa,
		   sizeof(sa)) < 0)
		return -errno;
	return 0;
}

static int write_export(const struct event_log *log, struct log_sink *s,
			const struct fields *fs, __u64 realtime_ns,
			__u64 monotonic_ns)
{
	char buf[MAX_FIELDS * (VALUE_LEN + 48) + 256];
	size_t len;

	len = snprintf(buf, sizeof(buf),
		       "__REALTIME_TIMESTAMP=%llu\n__MONOTONIC_TIMESTAMP=%llu\n_BOOT_ID=%s\n_HOSTNAME=%s\n",
		       (unsigned long long)(realtime_ns / 1000),
		       (unsigned long long)(monotonic_ns / 1000), log->boot_id,
		       log->hostname);
	len += frame(fs, buf + len, sizeof(buf) - len - 1);
	buf[len++] = '\n';
	if (fwrite(buf, 1, len, s->f) != len || fflush(s->f))
		return -(errno ?: EIO);
	return 0;
}

static void write_text(const struct log_record *r, FILE *f)
{
	char time[48], msg[VALUE_LEN];

	realtime_format(r->realtime_ns, time, sizeof(time));
	message(r, msg, sizeof(msg));
	fprintf(f, "%s %s\n", time, msg);
}

static void write_json(const struct event_log *log, const struct log_record *r,
		       struct json_writer *w)
{
	char time[48];

	realtime_format(r->realtime_ns, time, sizeof(time));
	jsonw_start_object(w);
	jsonw_string_field(w, "time", time);
	jsonw_u64_field(w, "monotonic_ns", r->monotonic_ns);
	jsonw_string_field(w, "member", log->member);
	jsonw_u64_field(w, "seq", r->seq);
	jsonw_string_field(w, "type", r->event);
	jsonw_string_field(w, "gauge", r->gauge);
	jsonw_u64_field(w, "gauge_id", r->gauge_id);
	jsonw_string_field(w, "stat", r->stat_kind);
	jsonw_u64_field(w, "stat_id", r->stat_id);
	if (r->threshold) {
		jsonw_string_field(w, "threshold", r->threshold_kind);
		jsonw_s64_field(w, "threshold_value", r->threshold_value);
		jsonw_u64_field(w, "threshold_id", r->threshold_id);
	}
	jsonw_name(w, "value");
	if (r->has_value)
		jsonw_s64(w, r->value);
	else
		jsonw_null(w);
	if (r->threshold) {
		jsonw_u64_field(w, "event_seq", r->event_seq);
		jsonw_u64_field(w, "lost", r->lost);
		jsonw_bool_field(w, "initial", r->initial);
		jsonw_bool_field(w, "timer", r->timer);
	}
	jsonw_u64_field(w, "line", r->line);
	jsonw_end_object(w);
}

/* The JSON writer of a sink: -j's own for stdout, so that -p holds. */
static struct json_writer *sink_json(struct log_sink *s)
{
	return s->f == stdout && json_wtr ? json_wtr : NULL;
}

static int write_lines(const struct event_log *log, struct log_sink *s,
		       const struct log_record *r, const struct fields *dropped)
{
	struct json_writer *w = sink_json(s), *own = NULL;
	char time[48];

	if (dropped && s->kind == LOG_TEXT) {
		realtime_format(r->realtime_ns, time, sizeof(time));
		fprintf(s->f, "%s %s\n", time, dropped->f[0].value);
	} else if (dropped) {
		fprintf(s->f,
			"{\"type\":\"dropped\",\"member\":\"%s\",\"dropped\":%llu,\"first_seq\":%llu,\"last_seq\":%llu}\n",
			log->member, (unsigned long long)s->dropped,
			(unsigned long long)s->first_dropped,
			(unsigned long long)s->last_dropped);
	} else if (s->kind == LOG_TEXT) {
		write_text(r, s->f);
	} else {
		if (!w) {
			own = jsonw_new(s->f);
			w = own;
		}
		if (!w)
			return -ENOMEM;
		write_json(log, r, w);
		if (own)
			jsonw_destroy(&own);
	}
	if (fflush(s->f) || ferror(s->f)) {
		clearerr(s->f);
		return -(errno ?: EIO);
	}
	return 0;
}

static int sink_write(const struct event_log *log, struct log_sink *s,
		      const struct log_record *r, const struct fields *fs,
		      const struct fields *dropped)
{
	const struct fields *what = dropped ?: fs;

	switch (s->kind) {
	case LOG_JOURNAL:
		return write_journal(s, what);
	case LOG_EXPORT:
		return write_export(log, s, what, r->realtime_ns,
				    r->monotonic_ns);
	default:
		return write_lines(log, s, r, dropped);
	}
}

static const char *sink_name(const struct log_sink *s, char *buf, size_t size)
{
	snprintf(buf, size, "%s log %s", kind_names[s->kind],
		 strcmp(s->path, "-") ? s->path : "on stdout");
	return buf;
}

void event_log_write(struct event_log *log, const struct log_record *r)
{
	struct fields fs, dropped;
	struct log_sink *s;
	char name[512];
	size_t i;
	int err;

	record_fields(log, r, &fs);
	for (i = 0; i < log->nr_sinks; i++) {
		s = &log->sinks[i];
		/* First what was dropped, then this record. */
		if (s->dropped) {
			dropped_fields(log, s, r->realtime_ns, r->monotonic_ns,
				       &dropped);
			if (!sink_write(log, s, r, &fs, &dropped)) {
				p_err("the %s takes records again: %llu were dropped, sequence ids %llu to %llu",
				      sink_name(s, name, sizeof(name)),
				      (unsigned long long)s->dropped,
				      (unsigned long long)s->first_dropped,
				      (unsigned long long)s->last_dropped);
				s->dropped = 0;
			}
		}
		err = s->dropped ? -EAGAIN : sink_write(log, s, r, &fs, NULL);
		if (!err)
			continue;
		if (!s->dropped++) {
			s->first_dropped = r->seq;
			if (!s->dropped_total)
				p_err("cannot write to the %s: %s (counting the records dropped)",
				      sink_name(s, name, sizeof(name)),
				      strerror(-err));
		}
		s->last_dropped = r->seq;
		s->dropped_total++;
	}
}

int event_log_close(struct event_log *log)
{
	struct log_sink *s;
	char name[512];
	int ret = 0;
	size_t i;

	for (i = 0; i < log->nr_sinks; i++) {
		s = &log->sinks[i];
		if (s->dropped) {
			p_err("%llu records were never written to the %s, sequence ids %llu to %llu",
			      (unsigned long long)s->dropped,
			      sink_name(s, name, sizeof(name)),
			      (unsigned long long)s->first_dropped,
			      (unsigned long long)s->last_dropped);
			ret = EXIT_FAILURE;
		}
		if (s->f && s->f != stdout)
			fclose(s->f);
		if (s->fd >= 0)
			close(s->fd);
		free(s->path);
	}
	free(log->sinks);
	if (log->state_failures) {
		p_err("%llu sequence ids could not be kept in the state file %s",
		      (unsigned long long)log->state_failures, log->state_path);
		ret = EXIT_FAILURE;
	}
	if (log->state_fd >= 0)
		close(log->state_fd);
	return ret;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * aggmon gauge: list, show and read gauges.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "libaggmon.h"

#define MAX_INTERVAL_MS	(INTERVAL_MAX_NS / NSEC_PER_MSEC)
#define MAX_HINTS	8

static int do_help(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printf("Usage: aggmon [OPTIONS] gauge { list | show | read | help }\n"
	       "       aggmon gauge list\n"
	       "       aggmon gauge show GAUGE\n"
	       "       aggmon gauge read GAUGE... [--interval { MS | DURATION }] [--count N]\n"
	       "       aggmon gauge help\n"
	       "\n"
	       "       GAUGE := { ID | NAME[:ITEM] }, e.g. 7, net.e100.tx_packets:eth0\n"
	       "\n"
	       "list  prints one line per gauge, by id: ID NAME ITEM VALUE UNIT, with\n"
	       "      \"-\" for an empty item or unit.  'aggmon gauge' alone lists too.\n"
	       "show  prints all the fields of one gauge.\n"
	       "read  prints the values of the gauges on one line, in the order given.\n"
	       "      --interval reads again every interval (1ms to 24h), until\n"
	       "      interrupted or --count N lines are out; --count alone reads every\n"
	       "      second.  The interval is a DURATION, e.g. 500ms, 2s (ns, us, ms, s,\n"
	       "      min, h), or, for compatibility, a plain number of milliseconds.\n"
	       "A GAUGE of digits only is an id; write NAME: for a name of digits only.\n"
	       "With -j, list prints an array of {\"id\",\"name\",\"item\",\"unit\",\"kind\",\"value\"},\n"
	       "show one such object, and read one array of {\"id\",\"value\"} per sample,\n"
	       "each on its own line.\n");
	return EXIT_SUCCESS;
}

static const char *or_dash(const char *s)
{
	return *s ? s : "-";
}

/*
 * Parse @s if it is made of digits only (else return 0): 1 if it is in
 * @min..@max, -1 if not.
 */
static int parse_range(const char *s, unsigned long long min,
		       unsigned long long max, unsigned long long *val)
{
	if (!*s || s[strspn(s, "0123456789")])
		return 0;
	errno = 0;
	*val = strtoull(s, NULL, 10);
	return errno || *val < min || *val > max ? -1 : 1;
}

/* A count or an id: parse_range() from 1. */
static int parse_number(const char *s, unsigned long long max,
			unsigned long long *val)
{
	return parse_range(s, 1, max, val);
}

/* Tell which items a gauge NAME given without one has. */
static void hint_items(const char *name)
{
	struct aggmon_gauge_info info;
	size_t i, n, found = 0;
	char hint[1024] = "";
	int len = 0;
	__u64 *ids;

	if (aggmon_gauge_list_all(&ids, &n))
		return;
	for (i = 0; i < n; i++) {
		if (aggmon_gauge_info_by_id(ids[i], &info) ||
		    strcmp(info.name, name) || !info.item[0])
			continue;
		if (found++ < MAX_HINTS && len < (int)sizeof(hint))
			len += snprintf(hint + len, sizeof(hint) - len, " %s:%s",
					name, info.item);
	}
	free(ids);
	if (found)
		p_err("%s has items; name one of:%s%s", name, hint,
		      found > MAX_HINTS ? " ..." : "");
}

/*
 * The owner of "NAME[:ITEM]@UID": 1 and *@uid if @s (after the '@') is a
 * uid, -1 if not.  '@' is in no name or item, so it cannot be one's.
 */
static int parse_owner(const char *s, __u32 *uid)
{
	unsigned long long val;

	/* From root's 0; (uid_t)-1 is no one's. */
	if (parse_range(s, 0, (__u32)-2, &val) != 1)
		return -1;
	*uid = val;
	return 1;
}

/* Copy @len bytes of @s to @buf of @size, NUL-terminated, if they fit. */
static bool copy_part(char *buf, size_t size, const char *s, size_t len)
{
	if (len >= size)
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	return true;
}

static int lookup(const char *spec, struct aggmon_gauge_info *info)
{
	const char *at = strchr(spec, '@');
	size_t end = at ? (size_t)(at - spec) : strlen(spec);
	const char *colon = memchr(spec, ':', end);
	char name[AGGMON_NAME_LEN], item[AGGMON_ITEM_LEN];
	unsigned long long id;
	__u32 owner = 0;
	size_t len;
	int err;

	switch (at ? 0 : parse_number(spec, ~0ULL, &id)) {
	case 1:
		err = aggmon_gauge_info_by_id(id, info);
		if (err)
			return p_sys_err(err, spec, "cannot look up gauge %s",
					 spec);
		return 0;
	case -1:
		return p_usage("gauge", "invalid gauge id '%s'", spec);
	}
	if (at && parse_owner(at + 1, &owner) < 0)
		return p_usage("gauge", "invalid owner uid in '%s'", spec);

	len = colon ? (size_t)(colon - spec) : end;
	if (!len)
		return p_usage("gauge", "missing the gauge name in '%s'", spec);
	if (!copy_part(name, sizeof(name), spec, len) ||
	    !copy_part(item, sizeof(item), colon ? colon + 1 : "",
		       colon ? end - len - 1 : 0))
		return p_sys_err(-ENOENT, spec, "name too long");
	if (at)
		err = aggmon_gauge_info_by_owner(name, item, owner, info);
	else
		err = aggmon_gauge_info_by_name(name, item, info);
	if (err == -ENAMETOOLONG)
		err = -ENOENT;
	if (err == -ENOTUNIQ) {
		p_err("several users have a gauge %s, you none: name its owner, %s@UID, or its id",
		      spec, spec);
		return EXIT_FAILURE;
	}
	if (err) {
		p_sys_err(err, spec, "cannot look up gauge %s", spec);
		if (err == -ENOENT && !colon && !at)
			hint_items(name);
		return EXIT_FAILURE;
	}
	return 0;
}

int gauge_lookup_at(const char *where, const char *spec,
		    struct aggmon_gauge_info *info)
{
	const char *saved = err_where;
	int ret;

	err_where = where;
	ret = lookup(spec, info);
	err_where = saved;
	return ret;
}

static void json_gauge(const struct aggmon_gauge_info *info, __s64 value)
{
	jsonw_start_object(json_wtr);
	jsonw_u64_field(json_wtr, "id", info->id);
	jsonw_string_field(json_wtr, "name", info->name);
	jsonw_string_field(json_wtr, "item", info->item);
	jsonw_string_field(json_wtr, "unit", info->unit);
	jsonw_string_field(json_wtr, "kind", name_of(aggmon_gauge_kind_name, info->kind));
	jsonw_s64_field(json_wtr, "value", value);
	jsonw_end_object(json_wtr);
}

static int cmp_u64(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return x < y ? -1 : x > y;
}

static void print_table(const struct aggmon_gauge_info *infos,
			const __s64 *values, size_t n)
{
	int w_id = 2, w_name = 4, w_item = 4, w_value = 5, w;
	char buf[32];
	size_t i;

	for (i = 0; i < n; i++) {
		w = snprintf(buf, sizeof(buf), "%llu",
			     (unsigned long long)infos[i].id);
		if (w > w_id)
			w_id = w;
		w = (int)strlen(infos[i].name);
		if (w > w_name)
			w_name = w;
		w = (int)strlen(or_dash(infos[i].item));
		if (w > w_item)
			w_item = w;
		w = snprintf(buf, sizeof(buf), "%lld", (long long)values[i]);
		if (w > w_value)
			w_value = w;
	}
	printf("%*s  %-*s  %-*s  %*s  %s\n", w_id, "ID", w_name, "NAME",
	       w_item, "ITEM", w_value, "VALUE", "UNIT");
	for (i = 0; i < n; i++)
		printf("%*llu  %-*s  %-*s  %*lld  %s\n",
		       w_id, (unsigned long long)infos[i].id,
		       w_name, infos[i].name, w_item, or_dash(infos[i].item),
		       w_value, (long long)values[i], or_dash(infos[i].unit));
}

static int do_list(int argc, char **argv)
{
	struct aggmon_gauge_info *infos = NULL;
	__s64 *values = NULL;
	__u64 *ids = NULL;
	size_t i, n, m = 0;
	int err, ret = EXIT_FAILURE;
	__u32 cnt;

	if (argc)
		return p_usage("gauge", "'gauge list' takes no arguments, not '%s'",
			       argv[0]);
	err = aggmon_gauge_list_all(&ids, &n);
	if (err)
		return p_sys_err(err, NULL, "cannot list the gauges");
	qsort(ids, n, sizeof(*ids), cmp_u64);

	infos = calloc(n ? n : 1, sizeof(*infos));
	values = calloc(n ? n : 1, sizeof(*values));
	if (!infos || !values) {
		p_err("out of memory");
		goto out;
	}
	/* Gauges can go away at any time: skip those that did. */
	for (i = 0; i < n; i++) {
		err = aggmon_gauge_info_by_id(ids[i], &infos[m]);
		if (err == -ENOENT)
			continue;
		if (err) {
			p_sys_err(err, NULL, "cannot describe gauge %llu",
				  (unsigned long long)ids[i]);
			goto out;
		}
		ids[m++] = ids[i];
	}
	while (m) {
		cnt = (__u32)m;
		err = aggmon_gauge_read(ids, values, &cnt);
		if (!err)
			break;
		if (err != -ENOENT || cnt >= m) {
			p_sys_err(err, NULL, "cannot read the gauges");
			goto out;
		}
		m--;
		memmove(&ids[cnt], &ids[cnt + 1], (m - cnt) * sizeof(*ids));
		memmove(&infos[cnt], &infos[cnt + 1],
			(m - cnt) * sizeof(*infos));
	}

	if (json_output) {
		jsonw_start_array(json_wtr);
		for (i = 0; i < m; i++)
			json_gauge(&infos[i], values[i]);
		jsonw_end_array(json_wtr);
	} else {
		print_table(infos, values, m);
	}
	ret = EXIT_SUCCESS;
out:
	free(values);
	free(infos);
	free(ids);
	return ret;
}

static int do_show(int argc, char **argv)
{
	struct aggmon_gauge_info info;
	__u32 cnt = 1;
	__s64 value;
	int err;

	if (argc != 1)
		return p_usage("gauge", "'gauge show' %s", argc ?
			       "takes one GAUGE" : "needs a GAUGE");
	err = gauge_lookup(argv[0], &info);
	if (err)
		return err;
	err = aggmon_gauge_read(&info.id, &value, &cnt);
	if (err)
		return p_sys_err(err, argv[0], "cannot read gauge %s", argv[0]);

	if (json_output) {
		json_gauge(&info, value);
		return EXIT_SUCCESS;
	}
	printf("id:     %llu\n", (unsigned long long)info.id);
	printf("name:   %s\n", info.name);
	printf("item:   %s\n", or_dash(info.item));
	printf("unit:   %s\n", or_dash(info.unit));
	printf("kind:   %s\n", name_of(aggmon_gauge_kind_name, info.kind));
	printf("value:  %lld\n", (long long)value);
	return EXIT_SUCCESS;
}

static void print_sample(const __u64 *ids, const __s64 *values, __u32 n)
{
	__u32 i;

	if (json_output) {
		jsonw_start_array(json_wtr);
		for (i = 0; i < n; i++) {
			jsonw_start_object(json_wtr);
			jsonw_u64_field(json_wtr, "id", ids[i]);
			jsonw_s64_field(json_wtr, "value", values[i]);
			jsonw_end_object(json_wtr);
		}
		jsonw_end_array(json_wtr);
	} else {
		for (i = 0; i < n; i++)
			printf("%s%lld", i ? " " : "", (long long)values[i]);
		putchar('\n');
	}
	fflush(stdout);
}

/*
 * --interval: a DURATION, or a plain number of milliseconds, as it always
 * was here, 1ms to 24h.  0 or -1.
 */
static int parse_interval(const char *s, unsigned long long *ns)
{
	unsigned long long ms;
	__u64 val;
	int err;

	err = parse_duration(s, &val);
	if (err == DURATION_NO_UNIT) {
		if (parse_number(s, MAX_INTERVAL_MS, &ms) != 1)
			return -1;
		val = ms * NSEC_PER_MSEC;
	} else if (err || val < INTERVAL_MIN_NS || val > INTERVAL_MAX_NS) {
		return -1;
	}
	*ns = val;
	return 0;
}

static int do_read(int argc, char **argv)
{
	unsigned long long interval = 0, count = 0, sample, *opt;
	__u64 next, now;
	struct aggmon_gauge_info info;
	__s64 *values = NULL;
	__u64 *ids = NULL;
	int i, n = 0, err, ret = EXIT_FAILURE;
	__u32 cnt;

	/* Keep the GAUGE arguments at the front of argv. */
	for (i = 0; i < argc; i++) {
		if (argv[i][0] != '-') {
			argv[n++] = argv[i];
			continue;
		}
		if (!strcmp(argv[i], "--interval"))
			opt = &interval;
		else if (!strcmp(argv[i], "--count"))
			opt = &count;
		else
			return p_usage("gauge", "unknown option '%s'", argv[i]);
		if (i + 1 == argc)
			return p_usage("gauge", "%s needs a value", argv[i]);
		if (opt == &interval && parse_interval(argv[i + 1], opt))
			return p_usage("gauge",
				       "invalid --interval '%s': expected milliseconds (1 to 86400000) or a DURATION from 1ms to 24h, such as 500ms",
				       argv[i + 1]);
		if (opt == &count && parse_number(argv[i + 1], ~0ULL, opt) != 1)
			return p_usage("gauge", "invalid --count '%s': expected a positive number",
				       argv[i + 1]);
		i++;
	}
	if (!n)
		return p_usage("gauge", "'gauge read' needs a GAUGE");
	if (!count && !interval)
		count = 1;
	if (!interval)
		interval = NSEC_PER_SEC;

	ids = calloc(n, sizeof(*ids));
	values = calloc(n, sizeof(*values));
	if (!ids || !values) {
		p_err("out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		ret = gauge_lookup(argv[i], &info);
		if (ret)
			goto out;
		ids[i] = info.id;
	}

	block_stop_signals();
	next = now_ns();
	for (sample = 0; !count || sample < count; sample++) {
		if (!sleep_until(next))
			break;
		now = now_ns();
		if (now > next)		/* late: catch up */
			next = now;
		next += interval;
		cnt = n;
		err = aggmon_gauge_read(ids, values, &cnt);
		if (err) {
			ret = p_sys_err(err, cnt < (__u32)n ? argv[cnt] : NULL,
					"cannot read the gauges");
			goto out;
		}
		print_sample(ids, values, n);
	}
	ret = EXIT_SUCCESS;
out:
	free(values);
	free(ids);
	return ret;
}

static const struct cmd cmds[] = {
	{ "list",	do_list },
	{ "show",	do_show },
	{ "read",	do_read },
	{ "help",	do_help },
	{ NULL,		NULL },
};

int do_gauge(int argc, char **argv)
{
	return cmd_select(cmds, argc, argv, "gauge", do_help);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * Streaming JSON writer, after the one in tools/bpf/bpftool.
 */
#include <assert.h>
#include <inttypes.h>
#include <stdlib.h>

#include "json_writer.h"

struct json_writer {
	FILE		*out;
	unsigned int	depth;	/* open objects and arrays */
	bool		pretty;
	bool		first;	/* nothing written yet in the open container */
	bool		named;	/* a member name waits for its value */
};

struct json_writer *jsonw_new(FILE *out)
{
	struct json_writer *self = calloc(1, sizeof(*self));

	if (self)
		self->out = out;
	return self;
}

void jsonw_destroy(struct json_writer **self_p)
{
	struct json_writer *self = *self_p;

	assert(self->depth == 0);
	fflush(self->out);
	free(self);
	*self_p = NULL;
}

void jsonw_pretty(struct json_writer *self, bool on)
{
	self->pretty = on;
}

/* In pretty mode, start a new line indented to the current depth. */
static void jsonw_eol(struct json_writer *self)
{
	unsigned int i;

	if (!self->pretty)
		return;
	putc('\n', self->out);
	for (i = 0; i < self->depth; i++)
		fputs("    ", self->out);
}

/* Separate a value (or a member) from the one before it. */
static void jsonw_begin_value(struct json_writer *self)
{
	if (self->named) {
		self->named = false;
		return;
	}
	if (!self->depth)
		return;
	if (!self->first)
		putc(',', self->out);
	self->first = false;
	jsonw_eol(self);
}

static void jsonw_end_value(struct json_writer *self)
{
	if (!self->depth)
		putc('\n', self->out);
}

static void jsonw_puts(struct json_writer *self, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	putc('"', self->out);
	for (; *s; s++) {
		switch (*s) {
		case '"':
			fputs("\\\"", self->out);
			break;
		case '\\':
			fputs("\\\\", self->out);
			break;
		case '\b':
			fputs("\\b", self->out);
			break;
		case '\f':
			fputs("\\f", self->out);
			break;
		case '\n':
			fputs("\\n", self->out);
			break;
		case '\r':
			fputs("\\r", self->out);
			break;
		case '\t':
			fputs("\\t", self->out);
			break;
		default:
			if (*s < 0x20 || *s == 0x7f)
				fprintf(self->out, "\\u%04x", *s);
			else
				putc(*s, self->out);
		}
	}
	putc('"', self->out);
}

void jsonw_name(struct json_writer *self, const char *name)
{
	assert(self->depth > 0 && !self->named);
	jsonw_begin_value(self);
	jsonw_puts(self, name);
	fputs(self->pretty ? ": " : ":", self->out);
	self->named = true;
}

void jsonw_string(struct json_writer *self, const char *val)
{
	jsonw_begin_value(self);
	jsonw_puts(self, val);
	jsonw_end_value(self);
}

void jsonw_s64(struct json_writer *self, int64_t val)
{
	jsonw_begin_value(self);
	fprintf(self->out, "%" PRId64, val);
	jsonw_end_value(self);
}

void jsonw_u64(struct json_writer *self, uint64_t val)
{
	jsonw_begin_value(self);
	fprintf(self->out, "%" PRIu64, val);
	jsonw_end_value(self);
}

void jsonw_bool(struct json_writer *self, bool val)
{
	jsonw_begin_value(self);
	fputs(val ? "true" : "false", self->out);
	jsonw_end_value(self);
}

void jsonw_null(struct json_writer *self)
{
	jsonw_begin_value(self);
	fputs("null", self->out);
	jsonw_end_value(self);
}

void jsonw_double(struct json_writer *self, double val)
{
	char buf[32];
	int prec;

	/* Infinities and NaNs have no JSON form: x - x is 0 for the rest. */
	if (val - val != 0) {
		jsonw_null(self);
		return;
	}
	for (prec = 15; prec < 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*g", prec, val);
		if (strtod(buf, NULL) == val)
			break;
	}
	snprintf(buf, sizeof(buf), "%.*g", prec, val);
	jsonw_number(self, buf);
}

void jsonw_number(struct json_writer *self, const char *text)
{
	jsonw_begin_value(self);
	fputs(text, self->out);
	jsonw_end_value(self);
}

void jsonw_string_field(struct json_writer *self, const char *name,
			const char *val)
{
	jsonw_name(self, name);
	jsonw_string(self, val);
}

void jsonw_s64_field(struct json_writer *self, const char *name, int64_t val)
{
	jsonw_name(self, name);
	jsonw_s64(self, val);
}

void jsonw_u64_field(struct json_writer *self, const char *name, uint64_t val)
{
	jsonw_name(self, name);
	jsonw_u64(self, val);
}

void jsonw_bool_field(struct json_writer *self, const char *name, bool val)
{
	jsonw_name(self, name);
	jsonw_bool(self, val);
}

static void jsonw_open(struct json_writer *self, int c)
{
	jsonw_begin_value(self);
	putc(c, self->out);
	self->depth++;
	self->first = true;
}

static void jsonw_close(struct json_writer *self, int c)
{
	assert(self->depth > 0 && !self->named);
	self->depth--;
	if (!self->first)
		jsonw_eol(self);
	putc(c, self->out);
	self->first = false;
	jsonw_end_value(self);
}

void jsonw_start_object(struct json_writer *self)
{
	jsonw_open(self, '{');
}

void jsonw_end_object(struct json_writer *self)
{
	jsonw_close(self, '}');
}

void jsonw_start_array(struct json_writer *self)
{
	jsonw_open(self, '[');
}

void jsonw_end_array(struct json_writer *self)
{
	jsonw_close(self, ']');
}

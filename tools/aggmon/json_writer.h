/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Streaming JSON writer, after the one in tools/bpf/bpftool.
 *
 * It takes care of commas, of escaping strings and, in pretty mode, of
 * indentation.  Every top-level value ends with a newline, so a stream
 * of compact documents is one document per line.
 */
#ifndef __AGGMON_JSON_WRITER_H
#define __AGGMON_JSON_WRITER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct json_writer;

struct json_writer *jsonw_new(FILE *out);
void jsonw_destroy(struct json_writer **self_p);
void jsonw_pretty(struct json_writer *self, bool on);

/* Name of the next member of an object. */
void jsonw_name(struct json_writer *self, const char *name);

void jsonw_string(struct json_writer *self, const char *val);
void jsonw_s64(struct json_writer *self, int64_t val);
void jsonw_u64(struct json_writer *self, uint64_t val);
void jsonw_bool(struct json_writer *self, bool val);
void jsonw_null(struct json_writer *self);
/* The shortest decimal that reads back as @val; null if not finite. */
void jsonw_double(struct json_writer *self, double val);
/* A number the caller formatted (the digits of a wide integer). */
void jsonw_number(struct json_writer *self, const char *text);

void jsonw_string_field(struct json_writer *self, const char *name,
			const char *val);
void jsonw_s64_field(struct json_writer *self, const char *name, int64_t val);
void jsonw_u64_field(struct json_writer *self, const char *name, uint64_t val);
void jsonw_bool_field(struct json_writer *self, const char *name, bool val);

void jsonw_start_object(struct json_writer *self);
void jsonw_end_object(struct json_writer *self);
void jsonw_start_array(struct json_writer *self);
void jsonw_end_array(struct json_writer *self);

#endif /* __AGGMON_JSON_WRITER_H */

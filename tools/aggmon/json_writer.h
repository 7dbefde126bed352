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

typedef struct json_writer json_writer_t;

json_writer_t *jsonw_new(FILE *out);
void jsonw_destroy(json_writer_t **self_p);
void jsonw_pretty(json_writer_t *self, bool on);

/* Name of the next member of an object. */
void jsonw_name(json_writer_t *self, const char *name);

void jsonw_string(json_writer_t *self, const char *val);
void jsonw_s64(json_writer_t *self, int64_t val);
void jsonw_u64(json_writer_t *self, uint64_t val);
void jsonw_bool(json_writer_t *self, bool val);
void jsonw_null(json_writer_t *self);

void jsonw_string_field(json_writer_t *self, const char *name,
			const char *val);
void jsonw_s64_field(json_writer_t *self, const char *name, int64_t val);
void jsonw_u64_field(json_writer_t *self, const char *name, uint64_t val);
void jsonw_bool_field(json_writer_t *self, const char *name, bool val);

void jsonw_start_object(json_writer_t *self);
void jsonw_end_object(json_writer_t *self);
void jsonw_start_array(json_writer_t *self);
void jsonw_end_array(json_writer_t *self);

#endif /* __AGGMON_JSON_WRITER_H */

// SPDX-License-Identifier: GPL-2.0
/*
 * Write a JSON document that exercises the writer: nesting, empty
 * containers, escapes, extreme numbers.
 *
 * Usage: test_json_writer { compact | pretty | stream }
 *   stream writes four compact documents, one per line.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "json_writer.h"

static void write_doc(struct json_writer *w)
{
	jsonw_start_object(w);
	jsonw_string_field(w, "name", "aggmon");
	jsonw_string_field(w, "escapes",
			   "q\" b\\ s/ n\n t\t r\r b\b f\f c\001\037 d\177 \xc3\xa9");
	jsonw_string_field(w, "", "empty name");
	jsonw_string_field(w, "key \"quoted\"", "");
	jsonw_s64_field(w, "s64_min", INT64_MIN);
	jsonw_s64_field(w, "s64_max", INT64_MAX);
	jsonw_u64_field(w, "u64_max", UINT64_MAX);
	jsonw_s64_field(w, "zero", 0);
	jsonw_bool_field(w, "yes", true);
	jsonw_bool_field(w, "no", false);
	jsonw_name(w, "null");
	jsonw_null(w);
	jsonw_name(w, "empty_object");
	jsonw_start_object(w);
	jsonw_end_object(w);
	jsonw_name(w, "empty_array");
	jsonw_start_array(w);
	jsonw_end_array(w);
	jsonw_name(w, "nested");
	jsonw_start_object(w);
	jsonw_name(w, "list");
	jsonw_start_array(w);
	jsonw_s64(w, -1);
	jsonw_string(w, "two");
	jsonw_start_object(w);
	jsonw_name(w, "three");
	jsonw_start_array(w);
	jsonw_u64(w, 3);
	jsonw_end_array(w);
	jsonw_end_object(w);
	jsonw_start_array(w);
	jsonw_end_array(w);
	jsonw_start_array(w);
	jsonw_start_array(w);
	jsonw_end_array(w);
	jsonw_end_array(w);
	jsonw_end_array(w);
	jsonw_name(w, "deep");
	jsonw_start_object(w);
	jsonw_name(w, "a");
	jsonw_start_object(w);
	jsonw_u64_field(w, "b", 1);
	jsonw_end_object(w);
	jsonw_end_object(w);
	jsonw_end_object(w);
	jsonw_end_object(w);
}

int main(int argc, char **argv)
{
	struct json_writer *w = jsonw_new(stdout);
	int i;

	if (!w || argc != 2)
		return 2;
	if (!strcmp(argv[1], "stream")) {
		for (i = 0; i < 3; i++) {
			jsonw_start_array(w);
			jsonw_start_object(w);
			jsonw_s64_field(w, "id", i);
			jsonw_end_object(w);
			jsonw_end_array(w);
		}
		jsonw_s64(w, 42);
	} else {
		jsonw_pretty(w, !strcmp(argv[1], "pretty"));
		write_doc(w);
	}
	jsonw_destroy(&w);
	return 0;
}

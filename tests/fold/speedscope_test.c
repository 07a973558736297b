// SPDX-License-Identifier: Apache-2.0
/* Unit tests of fold/speedscope.c: output checked against speedscope's file format schema. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fold/export.h"
#include "fold/fold.h"
#include "fold/profile.h"
#include "lib/err.h"
#include "json_test_parse.h"

static struct profile *folded(const char *text)
{
	struct profile *p = profile_new();
	assert_non_null(p);
	assert_int_equal(fold_read_mem(FOLD_TEXT_FOLDED, text, strlen(text), p, NULL, NULL, NULL), 0);
	return p;
}

static struct jt *write_and_parse(const struct profile *p, uint32_t value, const char *name)
{
	char *data = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&data, &len);
	assert_int_equal(profile_write_speedscope(p, f, value, name, NULL), 0);
	fclose(f);
	const char *error = NULL;
	struct jt *v = jt_parse(data, len, &error);
	if (!v)
		fail_msg("invalid JSON (%s): %.200s", error, data);
	free(data);
	return v;
}

static bool is_int(const struct jt *v)
{
	return v && v->type == JT_NUM && v->num == (double)(long long)v->num;
}

/*
 * The parts of https://www.speedscope.app/file-format-schema.json a sampled
 * profile must satisfy (FileFormat.File, Frame, SampledProfile, ValueUnit):
 * required keys and types, the unit enum, frame indices in range, one weight
 * per sample. Returns the number of frames.
 */
static size_t check_schema(const struct jt *file)
{
	static const char *const units[] = { "none", "nanoseconds", "microseconds", "milliseconds", "seconds", "bytes" };
	assert_int_equal(file->type, JT_OBJ);
	struct jt *schema = jt_get(file, "$schema");
	assert_non_null(schema);
	assert_string_equal(schema->str, "https://www.speedscope.app/file-format-schema.json");
	struct jt *shared = jt_get(file, "shared"), *frames = jt_get(shared, "frames");
	assert_non_null(frames);
	assert_int_equal(frames->type, JT_ARR);
	for (size_t i = 0; i < frames->n; i++) {
		struct jt *fr = frames->kids[i];
		assert_int_equal(fr->type, JT_OBJ);
		assert_int_equal(jt_get(fr, "name")->type, JT_STR);
		if (jt_get(fr, "file"))
			assert_int_equal(jt_get(fr, "file")->type, JT_STR);
		if (jt_get(fr, "line"))
			assert_true(is_int(jt_get(fr, "line")));
		for (size_t k = 0; k < fr->n; k++)
			assert_true(!strcmp(fr->keys[k], "name") || !strcmp(fr->keys[k], "file") ||
				    !strcmp(fr->keys[k], "line") || !strcmp(fr->keys[k], "col"));
	}
	struct jt *profiles = jt_get(file, "profiles");
	assert_non_null(profiles);
	assert_int_equal(profiles->type, JT_ARR);
	assert_true(profiles->n >= 1);
	if (jt_get(file, "activeProfileIndex"))
		assert_true(is_int(jt_get(file, "activeProfileIndex")) &&
			    jt_get(file, "activeProfileIndex")->num < (double)profiles->n);
	if (jt_get(file, "name"))
		assert_int_equal(jt_get(file, "name")->type, JT_STR);
	if (jt_get(file, "exporter"))
		assert_int_equal(jt_get(file, "exporter")->type, JT_STR);
	for (size_t i = 0; i < profiles->n; i++) {
		struct jt *pr = profiles->kids[i];
		assert_string_equal(jt_get(pr, "type")->str, "sampled");
		assert_int_equal(jt_get(pr, "name")->type, JT_STR);
		const char *unit = jt_get(pr, "unit")->str;
		bool known = false;
		for (size_t u = 0; u < sizeof(units) / sizeof(units[0]); u++)
			known |= strcmp(unit, units[u]) == 0;
		assert_true(known);
		struct jt *start = jt_get(pr, "startValue"), *end = jt_get(pr, "endValue");
		assert_true(start && start->type == JT_NUM && end && end->type == JT_NUM && end->num >= start->num);
		struct jt *samples = jt_get(pr, "samples"), *weights = jt_get(pr, "weights");
		assert_int_equal(samples->type, JT_ARR);
		assert_int_equal(weights->type, JT_ARR);
		assert_int_equal(samples->n, weights->n);
		double sum = 0;
		for (size_t s = 0; s < samples->n; s++) {
			assert_int_equal(samples->kids[s]->type, JT_ARR);
			for (size_t k = 0; k < samples->kids[s]->n; k++) {
				struct jt *ix = samples->kids[s]->kids[k];
				assert_true(is_int(ix) && ix->num >= 0 && ix->num < (double)frames->n);
			}
			assert_int_equal(weights->kids[s]->type, JT_NUM);
			sum += weights->kids[s]->num;
		}
		assert_true(end->num - start->num == sum);
	}
	return frames->n;
}

/* Names of sample `s` of profile 0, root first, joined by ';'. */
static void sample_stack(const struct jt *file, size_t s, char *out, size_t cap)
{
	struct jt *frames = jt_get(jt_get(file, "shared"), "frames");
	struct jt *sample = jt_get(jt_get(file, "profiles")->kids[0], "samples")->kids[s];
	out[0] = 0;
	for (size_t k = 0; k < sample->n; k++) {
		if (k)
			strncat(out, ";", cap - strlen(out) - 1);
		strncat(out, jt_get(frames->kids[(size_t)sample->kids[k]->num], "name")->str, cap - strlen(out) - 1);
	}
}

static void test_speedscope_schema_and_stacks(void **state)
{
	(void)state;
	struct profile *p = folded("main;a;x 3\nmain;b 5\nzero 0\n");
	struct jt *f = write_and_parse(p, 0, "cpu of \"app\"");
	assert_int_equal(check_schema(f), 4); /* main a x b: the zero stack's frame is left out */
	assert_string_equal(jt_get(f, "name")->str, "cpu of \"app\"");
	struct jt *pr = jt_get(f, "profiles")->kids[0];
	assert_string_equal(jt_get(pr, "unit")->str, "none");
	assert_true(jt_get(pr, "endValue")->num == 8);
	char stack[256];
	struct jt *samples = jt_get(pr, "samples"), *weights = jt_get(pr, "weights");
	assert_int_equal(samples->n, 2);
	bool seen_x = false, seen_b = false;
	for (size_t s = 0; s < samples->n; s++) {
		sample_stack(f, s, stack, sizeof(stack));
		if (!strcmp(stack, "main;a;x")) {
			seen_x = true;
			assert_true(weights->kids[s]->num == 3);
		} else if (!strcmp(stack, "main;b")) {
			seen_b = true;
			assert_true(weights->kids[s]->num == 5);
		}
	}
	assert_true(seen_x && seen_b);
	jt_free(f);
	profile_free(p);
}

static void test_speedscope_units_and_locations(void **state)
{
	(void)state;
	struct profile *p = profile_new();
	profile_add_value_type(p, "off-cpu", "nanoseconds");
	struct frame fr = { .name = (uint32_t)profile_intern(p, "handle", 6),
			    .file = (uint32_t)profile_intern(p, "src/app.c", 9), .line = 42 };
	struct frame kern = { .name = (uint32_t)profile_intern(p, "schedule", 8),
			      .module = (uint32_t)profile_intern(p, "[kernel.kallsyms]", 17), .kind = FRAME_KERNEL };
	uint32_t s[2] = { (uint32_t)profile_frame(p, &fr), (uint32_t)profile_frame(p, &kern) };
	profile_add_sample(p, s, 2, 0, 1500);
	struct jt *f = write_and_parse(p, 0, NULL);
	check_schema(f);
	struct jt *pr = jt_get(f, "profiles")->kids[0];
	assert_string_equal(jt_get(pr, "unit")->str, "nanoseconds");
	assert_string_equal(jt_get(pr, "name")->str, "off-cpu");
	struct jt *frames = jt_get(jt_get(f, "shared"), "frames");
	assert_string_equal(jt_get(frames->kids[0], "file")->str, "src/app.c");
	assert_true(jt_get(frames->kids[0], "line")->num == 42);
	assert_string_equal(jt_get(frames->kids[1], "file")->str, "[kernel.kallsyms]");
	jt_free(f);
	profile_free(p);
}

static void test_speedscope_hostile_names(void **state)
{
	(void)state;
	struct profile *p = profile_new();
	profile_add_value_type(p, "samples", "count");
	const char raw[] = "\"}]},{\\\x01\xff</script>";
	uint32_t fid = (uint32_t)profile_frame_named(p, raw, sizeof(raw) - 1, FRAME_USER);
	profile_add_sample(p, &fid, 1, 0, 2);
	struct jt *f = write_and_parse(p, 0, "\xff\"");
	check_schema(f);
	struct jt *frames = jt_get(jt_get(f, "shared"), "frames");
	assert_int_equal(frames->n, 1);
	assert_string_equal(jt_get(frames->kids[0], "name")->str, "\"}]},{\\\x01\xef\xbf\xbd</script>");
	jt_free(f);
	profile_free(p);
	struct errbuf err;
	errbuf_init(&err);
	p = folded("a 1\n");
	assert_int_equal(profile_write_speedscope(p, stdout, 3, NULL, &err), -EINVAL);
	profile_free(p);
	errbuf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_speedscope_schema_and_stacks),
		cmocka_unit_test(test_speedscope_units_and_locations),
		cmocka_unit_test(test_speedscope_hostile_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: Apache-2.0
/* Unit tests of fold/json.c: the d3-flame-graph tree parses back with the right shape, values and names. */
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
#include "lib/buf.h"
#include "lib/err.h"
#include "json_test_parse.h"

static struct profile *folded(const char *text)
{
	struct profile *p = profile_new();
	assert_non_null(p);
	assert_int_equal(fold_read_mem(FOLD_TEXT_FOLDED, text, strlen(text), p, NULL, NULL, NULL), 0);
	return p;
}

static struct jt *write_and_parse(const struct profile *p, uint32_t value, int before)
{
	char *data = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&data, &len);
	assert_int_equal(profile_write_json(p, f, value, before, NULL), 0);
	fclose(f);
	const char *error = NULL;
	struct jt *v = jt_parse(data, len, &error);
	if (!v)
		fail_msg("invalid JSON (%s): %.200s", error, data);
	free(data);
	return v;
}

static const char *name_of(const struct jt *n)
{
	struct jt *s = jt_get(n, "name");
	assert_non_null(s);
	assert_int_equal(s->type, JT_STR);
	return s->str;
}

static double value_of(const struct jt *n)
{
	struct jt *v = jt_get(n, "value");
	assert_non_null(v);
	return v->num;
}

static struct jt *child(const struct jt *n, size_t i)
{
	struct jt *c = jt_get(n, "children");
	assert_non_null(c);
	assert_int_equal(c->type, JT_ARR);
	assert_true(i < c->n);
	return c->kids[i];
}

static size_t nchildren(const struct jt *n)
{
	struct jt *c = jt_get(n, "children");
	assert_non_null(c);
	return c->n;
}

static void test_json_tree_shape(void **state)
{
	(void)state;
	struct profile *p = folded("main;a;x 3\nmain;b 5\nmain;a;y 2\nmain 1\nother 4\nzero;z 0\n");
	struct jt *root = write_and_parse(p, 0, -1);
	assert_string_equal(name_of(root), "root");
	assert_true(value_of(root) == 15);
	assert_int_equal(nchildren(root), 2);
	struct jt *m = child(root, 0);
	assert_string_equal(name_of(m), "main");
	assert_true(value_of(m) == 11); /* inclusive: its own 1 and its children's 10 */
	assert_int_equal(nchildren(m), 2);
	struct jt *a = child(m, 0);
	assert_string_equal(name_of(a), "a");
	assert_true(value_of(a) == 5);
	assert_string_equal(name_of(child(a, 0)), "x");
	assert_true(value_of(child(a, 0)) == 3);
	assert_string_equal(name_of(child(a, 1)), "y");
	assert_int_equal(nchildren(child(a, 1)), 0);
	assert_string_equal(name_of(child(m, 1)), "b");
	assert_string_equal(name_of(child(root, 1)), "other");
	assert_null(jt_get(m, "delta"));
	assert_null(jt_get(m, "kind"));
	jt_free(root);
	profile_free(p);
}

static void test_json_escapes_hostile_names(void **state)
{
	(void)state;
	static const struct {
		const char *raw;
		size_t len;
		const char *decoded;
	} cases[] = {
		{ "q\"uote\\", 8, "q\"uote\\" },
		{ "</script><b>&", 13, "</script><b>&" },
		{ "ctl\x01\x1f\n\t", 7, "ctl\x01\x1f\n\t" },
		{ "bad\xff\xc0\xaf", 6, "bad\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },
		{ "sur\xed\xa0\x80", 6, "sur\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },
		{ "ls\xe2\x80\xa8ps\xe2\x80\xa9", 10, "ls\xe2\x80\xa8ps\xe2\x80\xa9" },
		{ "nul\0x", 5, "nul" }, /* the decoded C string stops at the NUL it holds */
		{ "ok\xc3\xa9\xf0\x9f\x94\xa5", 8, "ok\xc3\xa9\xf0\x9f\x94\xa5" },
	};
	struct profile *p = profile_new();
	profile_add_value_type(p, "samples", "count");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint32_t f = (uint32_t)profile_frame_named(p, cases[i].raw, cases[i].len, FRAME_USER);
		profile_add_sample(p, &f, 1, 0, (int64_t)i + 1);
	}
	struct jt *root = write_and_parse(p, 0, -1);
	assert_int_equal(nchildren(root), sizeof(cases) / sizeof(cases[0]));
	size_t found = 0;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		for (size_t k = 0; k < nchildren(root); k++) {
			struct jt *c = child(root, k);
			if (value_of(c) == (double)(i + 1)) {
				assert_string_equal(name_of(c), cases[i].decoded);
				found++;
			}
		}
	}
	assert_int_equal(found, sizeof(cases) / sizeof(cases[0]));
	jt_free(root);
	profile_free(p);

	struct buf b = BUF_INIT;
	assert_int_equal(json_escape(&b, "a\"b\x02\xe2\x80\xa8", 7), 0);
	assert_string_equal(b.data, "a\\\"b\\u0002\\u2028");
	buf_release(&b);
}

static void test_json_diff_and_kinds(void **state)
{
	(void)state;
	struct profile *p = folded("main;a 10 20\nmain;b 10 5\nmain;gone 3 0\n");
	struct jt *root = write_and_parse(p, 1, 0);
	assert_true(value_of(root) == 25);
	struct jt *m = child(root, 0);
	assert_int_equal(nchildren(m), 2); /* "gone" has no width in the after profile */
	assert_true(jt_get(child(m, 0), "delta")->num == 10);
	assert_true(jt_get(child(m, 1), "delta")->num == -5);
	assert_true(jt_get(m, "delta")->num == 0);
	jt_free(root);
	profile_free(p);

	p = profile_new();
	profile_add_value_type(p, "samples", "count");
	uint32_t s[2] = { (uint32_t)profile_frame_named(p, "main", 4, FRAME_USER),
			  (uint32_t)profile_frame_named(p, "sys_read", 8, FRAME_KERNEL) };
	profile_add_sample(p, s, 2, 0, 1);
	root = write_and_parse(p, 0, -1);
	assert_string_equal(jt_get(child(child(root, 0), 0), "kind")->str, "kernel");
	jt_free(root);
	profile_free(p);
}

static void test_json_deep_stack(void **state)
{
	(void)state;
	struct profile *p = profile_new();
	profile_add_value_type(p, "samples", "count");
	uint32_t frames[3000];
	for (int i = 0; i < 3000; i++) {
		char name[16];
		int n = snprintf(name, sizeof(name), "f%d", i);
		frames[i] = (uint32_t)profile_frame_named(p, name, (size_t)n, FRAME_USER);
	}
	profile_add_sample(p, frames, 3000, 0, 7);
	struct jt *root = write_and_parse(p, 0, -1);
	const struct jt *n = root;
	for (int i = 0; i < 3000; i++)
		n = child(n, 0);
	assert_string_equal(name_of(n), "f2999");
	assert_true(value_of(n) == 7);
	jt_free(root);
	profile_free(p);
}

static void test_json_errors(void **state)
{
	(void)state;
	struct profile *p = folded("a;b 1\n");
	struct errbuf err;
	errbuf_init(&err);
	assert_int_equal(profile_write_json(p, stdout, 5, -1, &err), -EINVAL);
	errbuf_release(&err);
	errbuf_init(&err);
	char small[8];
	FILE *f = fmemopen(small, sizeof(small), "w");
	setvbuf(f, NULL, _IONBF, 0);
	assert_int_equal(profile_write_json(p, f, 0, -1, &err), -EIO);
	fclose(f);
	errbuf_release(&err);
	profile_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_tree_shape),
		cmocka_unit_test(test_json_escapes_hostile_names),
		cmocka_unit_test(test_json_diff_and_kinds),
		cmocka_unit_test(test_json_deep_stack),
		cmocka_unit_test(test_json_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

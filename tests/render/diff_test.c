// SPDX-License-Identifier: Apache-2.0
/* Unit tests of render/diff.c: the differential profile gives difffolded.pl's columns. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fold/fold.h"
#include "fold/profile.h"
#include "lib/err.h"
#include "render/flamegraph.h"

static struct profile *folded(const char *text)
{
	struct profile *p = profile_new();
	assert_non_null(p);
	assert_int_equal(fold_read_mem(FOLD_TEXT_FOLDED, text, strlen(text), p, NULL, NULL, NULL), 0);
	return p;
}

/* The differential profile as sorted "stack A B" lines. */
static char *lines_of(const struct profile *d)
{
	char *data = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&data, &len);
	struct folded_write_opts wo = { .value = 0, .differential = true, .value2 = 1 };
	assert_int_equal(folded_write(d, f, &wo, NULL), 0);
	fclose(f);
	return data;
}

static const char A[] = "a;0x1234 3\nb 5\nc;0xdeadBEEF;d 2\nx0x1;z 7\n";
static const char B[] = "a;0x9999 4\nb 1\ne 6\n";

/* Expected outputs: `difffolded.pl [-n] [-s] A B | sort` (FlameGraph 41fee1f). */
static void check(bool normalize, bool strip, const char *want)
{
	struct profile *a = folded(A), *b = folded(B);
	struct errbuf err;
	errbuf_init(&err);
	struct profile *d = flame_diff_profile(a, b, 0, normalize, strip, &err);
	assert_non_null(d);
	assert_int_equal(profile_value_count(d), 2);
	assert_string_equal(profile_str(d, profile_value_type(d, 0).type), FOLDED_DIFF_BEFORE);
	assert_string_equal(profile_str(d, profile_value_type(d, 1).type), FOLDED_DIFF_AFTER);
	char *got = lines_of(d);
	assert_string_equal(got, want);
	free(got);
	profile_free(d);
	profile_free(a);
	profile_free(b);
	errbuf_release(&err);
}

static void test_diff_plain(void **state)
{
	(void)state;
	check(false, false,
	      "a;0x1234 3 0\na;0x9999 0 4\nb 5 1\nc;0xdeadBEEF;d 2 0\ne 0 6\nx0x1;z 7 0\n");
}

static void test_diff_strip_hex(void **state)
{
	(void)state;
	check(false, true, "a;0x... 3 4\nb 5 1\nc;0x...;d 2 0\ne 0 6\nx0x...;z 7 0\n");
}

static void test_diff_normalize(void **state)
{
	(void)state;
	check(true, false, "a;0x1234 1 0\na;0x9999 0 4\nb 3 1\nc;0xdeadBEEF;d 1 0\ne 0 6\nx0x1;z 4 0\n");
	check(true, true, "a;0x... 1 4\nb 3 1\nc;0x...;d 1 0\ne 0 6\nx0x...;z 4 0\n");
}

static void test_diff_missing_value(void **state)
{
	(void)state;
	struct profile *a = folded(A), *b = folded(B);
	struct errbuf err;
	errbuf_init(&err);
	assert_null(flame_diff_profile(a, b, 2, false, false, &err));
	assert_int_equal(err.code, -EINVAL);
	errbuf_release(&err);
	profile_free(a);
	profile_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_diff_plain),
		cmocka_unit_test(test_diff_strip_hex),
		cmocka_unit_test(test_diff_normalize),
		cmocka_unit_test(test_diff_missing_value),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: Apache-2.0
/* Unit tests of the streaming text reader core (fold/reader.c): kind detection, chunking, line limits, misuse. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fold/fold.h"
#include "fold/profile.h"
#include "lib/err.h"

static void test_reader_detect(void **state)
{
	(void)state;
	const char script[] = "# ========\n# captured on: x\n#\n"
			      "java 12688 [002] 6544038.708352: 235 cpu-clock:\n\tffff f ([kernel.kallsyms])\n\n";
	const char script_no_g[] = "app 1 [000] 1.0: 1 cpu-clock:  ffff f ([kernel.kallsyms])\n";
	const char folded[] = "main;a 10\nmain;b 2\n";
	const char diff[] = "main;a 10 12\n";
	assert_int_equal(fold_text_detect(script, sizeof(script) - 1), FOLD_TEXT_PERF_SCRIPT);
	assert_int_equal(fold_text_detect(script_no_g, sizeof(script_no_g) - 1), FOLD_TEXT_PERF_SCRIPT);
	assert_int_equal(fold_text_detect(folded, sizeof(folded) - 1), FOLD_TEXT_FOLDED);
	assert_int_equal(fold_text_detect(diff, sizeof(diff) - 1), FOLD_TEXT_FOLDED);
	assert_int_equal(fold_text_detect("", 0), FOLD_TEXT_UNKNOWN);
	assert_int_equal(fold_text_detect("# only\n# comments\n", 18), FOLD_TEXT_UNKNOWN);
	/* a head cut mid-line still decides */
	assert_int_equal(fold_text_detect(script, 90), FOLD_TEXT_PERF_SCRIPT);
	assert_int_equal(fold_text_detect(folded, 12), FOLD_TEXT_FOLDED);
	/* blank lines before any other line say nothing (perf script's end a sample) */
	assert_int_equal(fold_text_detect("\nmain;work 3\n", 13), FOLD_TEXT_FOLDED);
	assert_int_equal(fold_text_detect("\n\n\nmain;work 3\n", 15), FOLD_TEXT_FOLDED);
}

/* Fold `in` fed in chunks of `chunk` bytes; returns the folded text. */
static char *fold_chunked(enum fold_text_kind kind, const char *in, size_t len, size_t chunk, struct fold_read_stats *st)
{
	struct profile *p = profile_new();
	struct errbuf err;
	errbuf_init(&err);
	struct fold_reader *r = fold_reader_new(kind, p, NULL);
	assert_non_null(r);
	for (size_t off = 0; off < len; off += chunk)
		assert_int_equal(fold_reader_feed(r, in + off, len - off < chunk ? len - off : chunk, &err), 0);
	assert_int_equal(fold_reader_finish(r, &err), 0);
	if (st)
		*st = *fold_reader_stats(r);
	fold_reader_free(r);
	char *text = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&text, &n);
	if (profile_value_count(p))
		assert_int_equal(folded_write(p, f, NULL, &err), 0);
	fclose(f);
	profile_free(p);
	errbuf_release(&err);
	return text;
}

static void test_reader_chunks_do_not_matter(void **state)
{
	(void)state;
	const char in[] = "app 1 1.0: 3 cycles:\n\t1 leaf (m)\n\t2 main (m)\n\n"
			  "app 1 1.1: 4 cycles:\n\t1 other (m)\n\t2 main (m)\n\nbad\n"
			  "app 1 1.2: 5 cycles:\n\t1 leaf (m)\n\t2 main (m)\n\n";
	char *whole = fold_chunked(FOLD_TEXT_PERF_SCRIPT, in, sizeof(in) - 1, sizeof(in), NULL);
	assert_string_equal(whole, "app;main;leaf 8\napp;main;other 4\n");
	for (size_t chunk = 1; chunk < 40; chunk++) {
		struct fold_read_stats st;
		char *got = fold_chunked(FOLD_TEXT_PERF_SCRIPT, in, sizeof(in) - 1, chunk, &st);
		assert_string_equal(got, whole);
		assert_int_equal(st.malformed, 1);
		assert_int_equal(st.lines, 13);
		free(got);
	}
	free(whole);
	const char folded[] = "a;b 1\nc 2\na;b 3";
	for (size_t chunk = 1; chunk < 8; chunk++) {
		char *got = fold_chunked(FOLD_TEXT_FOLDED, folded, sizeof(folded) - 1, chunk, NULL);
		assert_string_equal(got, "a;b 4\nc 2\n");
		free(got);
	}
}

static int warned;
static size_t warned_len;
static void on_warn(void *arg, uint64_t line, const char *reason, const char *text, size_t len)
{
	(void)arg;
	(void)text;
	assert_int_equal(line, 2);
	assert_non_null(strstr(reason, "longer than"));
	warned++;
	warned_len = len;
}

static void test_reader_overlong_line(void **state)
{
	(void)state;
	/* a line past FOLD_LINE_MAX is skipped without holding it in memory */
	struct profile *p = profile_new();
	struct errbuf err;
	struct fold_read_opts o = { .warn = on_warn };
	errbuf_init(&err);
	struct fold_reader *r = fold_reader_new(FOLD_TEXT_FOLDED, p, &o);
	assert_non_null(r);
	size_t chunk = 1 << 20;
	char *junk = malloc(chunk);
	assert_non_null(junk);
	memset(junk, 'x', chunk);
	warned = 0;
	assert_int_equal(fold_reader_feed(r, "a 1\n", 4, &err), 0);
	for (size_t sent = 0; sent <= FOLD_LINE_MAX; sent += chunk)
		assert_int_equal(fold_reader_feed(r, junk, chunk, &err), 0);
	assert_int_equal(fold_reader_feed(r, " 5\nb 2\n", 7, &err), 0);
	assert_int_equal(fold_reader_finish(r, &err), 0);
	const struct fold_read_stats *st = fold_reader_stats(r);
	assert_int_equal(st->lines, 3);
	assert_int_equal(st->malformed, 1);
	assert_int_equal(st->samples, 2);
	assert_int_equal(warned, 1);
	assert_true(warned_len <= 256);
	/* finishing twice, or feeding after the end, is refused */
	assert_int_equal(fold_reader_finish(r, &err), -EINVAL);
	assert_int_equal(fold_reader_feed(r, "c 1\n", 4, &err), -EINVAL);
	fold_reader_free(r);
	fold_reader_free(NULL);
	free(junk);
	profile_free(p);
	errbuf_release(&err);
}

static void test_reader_bad_kind(void **state)
{
	(void)state;
	struct profile *p = profile_new();
	errno = 0;
	assert_null(fold_reader_new(FOLD_TEXT_UNKNOWN, p, NULL));
	assert_int_equal(errno, EINVAL);
	struct errbuf err;
	errbuf_init(&err);
	assert_true(fold_read_mem(FOLD_TEXT_UNKNOWN, "a 1\n", 4, p, NULL, NULL, &err) < 0);
	assert_true(err.msg.len > 0);
	errbuf_release(&err);
	profile_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reader_detect),
		cmocka_unit_test(test_reader_chunks_do_not_matter),
		cmocka_unit_test(test_reader_overlong_line),
		cmocka_unit_test(test_reader_bad_kind),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

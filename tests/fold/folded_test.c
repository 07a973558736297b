// SPDX-License-Identifier: Apache-2.0
/* Unit tests of folded text (fold/folded.c): the reader (flamegraph.pl's line format), the sorted writer, bad input. */
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

static int setup(void **state)
{
	*state = profile_new();
	return *state ? 0 : -1;
}

static int teardown(void **state)
{
	profile_free(*state);
	return 0;
}

static void read_into(struct profile *p, const char *in, size_t len, const struct fold_read_opts *o,
		      struct fold_read_stats *st)
{
	struct errbuf err;
	errbuf_init(&err);
	assert_int_equal(fold_read_mem(FOLD_TEXT_FOLDED, in, len, p, o, st, &err), 0);
	errbuf_release(&err);
}

/* The folded text of `p` (caller frees); its length in `*len`. */
static char *write_text(const struct profile *p, const struct folded_write_opts *o, size_t *len)
{
	struct errbuf err;
	char *text = NULL;
	size_t n = 0;
	errbuf_init(&err);
	FILE *f = open_memstream(&text, &n);
	assert_non_null(f);
	assert_int_equal(folded_write(p, f, o, &err), 0);
	fclose(f);
	errbuf_release(&err);
	if (len)
		*len = n;
	return text;
}

static void expect_roundtrip(struct profile *p, const char *in, const char *want)
{
	read_into(p, in, strlen(in), NULL, NULL);
	char *got = write_text(p, NULL, NULL);
	assert_string_equal(got, want);
	free(got);
}

static void test_folded_sums_and_sorts(void **state)
{
	/* stackcollapse-perf.pl sorts with Perl's cmp: byte order, a prefix first */
	expect_roundtrip(*state, "main;b 2\nmain;a 1\nmain;b 3\nmain 4\nZ 1\nmain;a;x 1\n",
			 "Z 1\nmain 4\nmain;a 1\nmain;a;x 1\nmain;b 5\n");
	struct profile *p = *state;
	assert_int_equal(profile_total(p, 0), 12);
	struct value_type t = profile_value_type(p, 0);
	assert_string_equal(profile_str(p, t.type), "samples");
	assert_string_equal(profile_str(p, t.unit), "count");
}

static void test_folded_high_bytes_sort_last(void **state)
{
	expect_roundtrip(*state, "\xc3\xa9t\xc3\xa9 1\nzz 1\n", "zz 1\n\xc3\xa9t\xc3\xa9 1\n");
}

static void test_folded_prefix_names_sort(void **state)
{
	/* byte order of the joined text (as LC_ALL=C sort): "f1 x" < "f10" < "f1;x" */
	static const char want[] = "f! 1\nf1 2\nf1 x 3\nf10 4\nf1;x 5\nf1;x;y 6\n";
	expect_roundtrip(*state, "f1;x;y 6\nf10 4\nf1;x 5\nf1 x 3\nf1 2\nf! 1\n", want);
	/* the same when a name holds a ';' (written ':', the text is then the sort key: "f1:" < "f1;") */
	struct profile *p = *state;
	uint32_t semi = (uint32_t)profile_frame_named(p, "z;z", 3, FRAME_USER);
	uint32_t f1 = (uint32_t)profile_frame_named(p, "f1;q", 4, FRAME_USER);
	assert_true(profile_add_sample(p, &semi, 1, 0, 7) >= 0);
	assert_true(profile_add_sample(p, &f1, 1, 0, 8) >= 0);
	char *got = write_text(p, NULL, NULL);
	assert_string_equal(got, "f! 1\nf1 2\nf1 x 3\nf10 4\nf1:q 8\nf1;x 5\nf1;x;y 6\nz:z 7\n");
	free(got);
}

static void test_folded_line_format(void **state)
{
	/*
	 * /^(.*)\s+?(\d+(?:\.\d*)?)$/: the count is the last word; the stack keeps
	 * other blanks; split(";") drops trailing empty frames, keeps the others.
	 */
	expect_roundtrip(*state, "a b;c d 7\na;;b 1\na;b; 2\n;x 1\ntab\t3\ncrlf;x 4\r\n# comment 1\n\n",
			 ";x 1\na b;c d 7\na;;b 1\na;b 2\ncrlf;x 4\ntab 3\n");
}

static void test_folded_frame_kinds(void **state)
{
	struct profile *p = *state;
	read_into(p, "k_[k];j_[j];i_[i];u 1\n", 21, NULL, NULL);
	struct profile_stack s = profile_stack_get(p, 0);
	assert_int_equal(s.depth, 4);
	assert_int_equal(profile_frame_get(p, s.frames[0])->kind, FRAME_KERNEL);
	assert_int_equal(profile_frame_get(p, s.frames[1])->kind, FRAME_JIT);
	assert_int_equal(profile_frame_get(p, s.frames[2])->kind, FRAME_INLINED);
	assert_int_equal(profile_frame_get(p, s.frames[3])->kind, FRAME_USER);
	/* names keep their annotation, so output is what came in */
	assert_string_equal(profile_str(p, profile_frame_get(p, s.frames[0])->name), "k_[k]");
}

static int warned;
static uint64_t warned_lines[8];
static void on_warn(void *arg, uint64_t line, const char *reason, const char *text, size_t len)
{
	(void)arg;
	(void)text;
	(void)len;
	assert_true(strlen(reason) > 0);
	if (warned < 8)
		warned_lines[warned] = line;
	warned++;
}

static void test_folded_malformed(void **state)
{
	struct profile *p = *state;
	struct fold_read_opts o = { .warn = on_warn };
	struct fold_read_stats st;
	const char in[] = "a;b 3\n"
			  "no count\n"           /* 2 */
			  "a;b 2\n"
			  "x 1.5.5\n"            /* 4 */
			  "x -3\n"               /* 5 */
			  "x 99999999999999999999999\n" /* 6: does not fit */
			  " 5\n"                 /* 7: no frames */
			  "123\n"                /* 8: a count with no stack */
			  "c 7";                 /* no final newline */
	warned = 0;
	read_into(p, in, sizeof(in) - 1, &o, &st);
	assert_int_equal(st.lines, 9);
	assert_int_equal(st.malformed, 6);
	assert_int_equal(st.samples, 3);
	assert_int_equal(warned, 6);
	uint64_t want[] = { 2, 4, 5, 6, 7, 8 };
	for (int i = 0; i < 6; i++)
		assert_int_equal(warned_lines[i], want[i]);
	uint64_t n;
	assert_string_equal(profile_loss_get(p, 0, &n), FOLD_LOSS_MALFORMED);
	assert_int_equal(n, 6);
	char *got = write_text(p, NULL, NULL);
	assert_string_equal(got, "a;b 5\nc 7\n");
	free(got);
}

static void test_folded_fractions_round(void **state)
{
	struct profile *p = *state;
	struct fold_read_stats st;
	read_into(p, "a 1.5\nb 2.49\nc 3.\n", 18, NULL, &st);
	assert_int_equal(st.rounded, 2); /* "3." has no fraction digits */
	char *got = write_text(p, NULL, NULL);
	assert_string_equal(got, "a 2\nb 2\nc 3\n");
	free(got);
}

static void test_folded_differential(void **state)
{
	struct profile *p = *state;
	struct fold_read_stats st;
	const char in[] = "main;a 10 20\nmain;b 5 0\nmain;a 1 1\nmain;c 7\n";
	read_into(p, in, sizeof(in) - 1, NULL, &st);
	assert_true(st.differential);
	assert_true(folded_is_differential(p));
	assert_int_equal(profile_value_count(p), 2);
	assert_string_equal(profile_str(p, profile_value_type(p, 0).type), FOLDED_DIFF_BEFORE);
	assert_string_equal(profile_str(p, profile_value_type(p, 1).type), FOLDED_DIFF_AFTER);
	struct folded_write_opts o = { .value = 0, .differential = true, .value2 = 1 };
	char *got = write_text(p, &o, NULL);
	/* a one-count line in a differential file has no change: both columns */
	assert_string_equal(got, "main;a 11 21\nmain;b 5 0\nmain;c 7 7\n");
	free(got);
	o = (struct folded_write_opts){ .value = 1 };
	got = write_text(p, &o, NULL);
	assert_string_equal(got, "main;a 21\nmain;b 0\nmain;c 7\n");
	free(got);
	o.skip_zero = true;
	got = write_text(p, &o, NULL);
	assert_string_equal(got, "main;a 21\nmain;c 7\n");
	free(got);
}

static void test_folded_single_column_stays_single(void **state)
{
	/* once the first line set one column, a frame ending in " 12" is just a name */
	expect_roundtrip(*state, "a;b 3\nlib 12 5\n", "a;b 3\nlib 12 5\n");
	assert_false(folded_is_differential(*state));
}

static void test_folded_merge_into_existing(void **state)
{
	struct profile *p = *state;
	/* a second input adds to value type 0 of the first */
	assert_int_equal(profile_add_value_type(p, "cpu", "nanoseconds"), 0);
	read_into(p, "a 5\n", 4, NULL, NULL);
	read_into(p, "a 6\nb 1\n", 8, NULL, NULL);
	assert_int_equal(profile_value_count(p), 1);
	char *got = write_text(p, NULL, NULL);
	assert_string_equal(got, "a 11\nb 1\n");
	free(got);
}

static void test_folded_writer_merges_same_text(void **state)
{
	struct profile *p = *state;
	/* frame "a;b" (a ';' in a name, from a symbolizer) prints "a:b", as stackcollapse-perf.pl tidies
	   names, so it stays one frame; frames "a","b" print "a;b" */
	assert_int_equal(profile_add_value_type(p, "samples", "count"), 0);
	uint32_t ab = (uint32_t)profile_frame_named(p, "a;b", 3, FRAME_USER);
	uint32_t two[] = { (uint32_t)profile_frame_named(p, "a", 1, FRAME_USER),
			   (uint32_t)profile_frame_named(p, "b", 1, FRAME_USER) };
	uint32_t k = (uint32_t)profile_frame_named(p, "a", 1, FRAME_KERNEL);
	assert_true(profile_add_sample(p, &ab, 1, 0, 2) >= 0);
	assert_true(profile_add_sample(p, two, 2, 0, 3) >= 0);
	assert_true(profile_add_sample(p, &k, 1, 0, 4) >= 0);
	assert_true(profile_add_sample(p, two, 1, 0, 5) >= 0);
	struct folded_lines l;
	struct errbuf err;
	errbuf_init(&err);
	assert_int_equal(folded_lines_build(p, NULL, &l, &err), 0);
	assert_int_equal(l.count, 3);
	assert_string_equal(l.lines[0].stack, "a");
	assert_int_equal(l.lines[0].value, 9);
	assert_string_equal(l.lines[1].stack, "a:b");
	assert_int_equal(l.lines[1].value, 2);
	assert_string_equal(l.lines[2].stack, "a;b");
	assert_int_equal(l.lines[2].len, 3);
	assert_int_equal(l.lines[2].value, 3);
	folded_lines_release(&l);
	folded_lines_release(NULL);
	/* a value type that does not exist */
	struct folded_write_opts o = { .value = 3 };
	assert_int_equal(folded_lines_build(p, &o, &l, &err), -EINVAL);
	errbuf_release(&err);
}

static void test_folded_write_error(void **state)
{
	struct profile *p = *state;
	read_into(p, "a 1\n", 4, NULL, NULL);
	FILE *f = fopen("/dev/full", "w");
	if (!f)
		skip();
	setvbuf(f, NULL, _IONBF, 0);
	struct errbuf err;
	errbuf_init(&err);
	assert_true(folded_write(p, f, NULL, &err) < 0);
	assert_true(err.msg.len > 0);
	errbuf_release(&err);
	fclose(f);
}

static void test_folded_empty(void **state)
{
	struct profile *p = *state;
	read_into(p, "", 0, NULL, NULL);
	assert_int_equal(profile_value_count(p), 0); /* nothing read, no type chosen */
	assert_int_equal(profile_add_value_type(p, "samples", "count"), 0);
	size_t n;
	char *got = write_text(p, NULL, &n);
	assert_int_equal(n, 0);
	free(got);
}

static void test_folded_deep_and_long(void **state)
{
	struct profile *p = *state;
	enum { DEPTH = 10000, LONG = 1 << 20 };
	size_t cap = (size_t)DEPTH * 8 + LONG + 32, n = 0;
	char *in = malloc(cap);
	assert_non_null(in);
	for (int i = 0; i < DEPTH; i++)
		n += (size_t)sprintf(in + n, "f%d;", i % 1000);
	memset(in + n, 'y', LONG);
	n += LONG;
	n += (size_t)sprintf(in + n, " 42\n");
	read_into(p, in, n, NULL, NULL);
	struct profile_stack s = profile_stack_get(p, 0);
	assert_int_equal(s.depth, DEPTH + 1);
	assert_int_equal(profile_str_len(p, profile_frame_get(p, s.frames[DEPTH])->name), LONG);
	size_t len;
	char *got = write_text(p, NULL, &len);
	assert_int_equal(len, n);
	assert_memory_equal(got, in, n);
	free(got);
	free(in);
}

static void test_folded_hostile_names(void **state)
{
	struct profile *p = *state;
	const char in[] = "a\0b;<script>&\"]]>;\x01\x1b[2J;\xff\xfe\xc3 3\n";
	read_into(p, in, sizeof(in) - 1, NULL, NULL);
	size_t n;
	char *got = write_text(p, NULL, &n);
	assert_int_equal(n, sizeof(in) - 1);
	assert_memory_equal(got, in, n);
	free(got);
}

/* Frames shared with the previous line reuse its ids: a frame that only starts like the previous one must not. */
static void test_folded_shared_prefixes(void **state)
{
	expect_roundtrip(*state,
			 "a;bc 1\na;bd 2\na;b 4\na;b;c 8\na;b;cd 16\nab;b 32\na 64\na;b;c 128\n;x 256\n;;x 512\n",
			 ";;x 512\n;x 256\na 64\na;b 4\na;b;c 136\na;b;cd 16\na;bc 1\na;bd 2\nab;b 32\n");
	/* the kinds follow the text, also when the text is reused */
	struct profile *p = *state;
	size_t kernel = 0;
	for (size_t i = 0; i < profile_frame_count(p); i++)
		kernel += profile_frame_get(p, (uint32_t)i)->kind == FRAME_KERNEL;
	assert_int_equal(kernel, 0);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_folded_sums_and_sorts),
		T(test_folded_shared_prefixes),
		T(test_folded_high_bytes_sort_last),
		T(test_folded_prefix_names_sort),
		T(test_folded_line_format),
		T(test_folded_frame_kinds),
		T(test_folded_malformed),
		T(test_folded_fractions_round),
		T(test_folded_differential),
		T(test_folded_single_column_stays_single),
		T(test_folded_merge_into_existing),
		T(test_folded_writer_merges_same_text),
		T(test_folded_write_error),
		T(test_folded_empty),
		T(test_folded_deep_and_long),
		T(test_folded_hostile_names),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}

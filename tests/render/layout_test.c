// SPDX-License-Identifier: Apache-2.0
/* Unit tests of render/layout.c: flamegraph.pl's sort order and merging, minwidth, reverse, flame charts, diffs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "fold/fold.h"
#include "fold/profile.h"
#include "lib/err.h"
#include "render/flamegraph.h"
#include "render/internal.h"

static struct profile *folded(const char *text)
{
	struct profile *p = profile_new();
	assert_non_null(p);
	assert_int_equal(fold_read_mem(FOLD_TEXT_FOLDED, text, strlen(text), p, NULL, NULL, NULL), 0);
	return p;
}

/* The drawn frame called `name` starting at `start`, or NULL. */
static const struct flame_node *node(const struct profile *p, const struct flame_layout *l, const char *name,
				     int64_t start)
{
	for (size_t i = 0; i < l->count; i++)
		if (strcmp(profile_str(p, l->nodes[i].name), name) == 0 && l->nodes[i].start == start)
			return &l->nodes[i];
	return NULL;
}

static void layout(struct flame_layout *l, const struct profile *p, const struct flame_opts *o)
{
	struct errbuf err;
	errbuf_init(&err);
	assert_int_equal(flame_layout_build(l, p, o, &err), 0);
	errbuf_release(&err);
}

/*
 * flamegraph.pl sorts whole lines, so "b" followed by ' ' or ';' sorts around
 * "b!x" and "b2": its output (FlameGraph 41fee1f, --minwidth 0) for these four
 * lines is b@0, b!x@1, b2@2, b@3 with c@3 above the second b.
 */
static void test_layout_sorts_lines_like_flamegraph_pl(void **state)
{
	(void)state;
	struct profile *p = folded("a;b2 1\na;b;c 1\na;b 1\na;b!x 1\n");
	struct flame_opts o;
	struct flame_layout l;
	flame_opts_init(&o);
	o.minwidth = 0;
	layout(&l, p, &o);
	assert_int_equal(l.time, 4);
	assert_int_equal(l.count, 7); /* all, a, b, b!x, b2, b, c */
	assert_non_null(node(p, &l, "b", 0));
	assert_int_equal(node(p, &l, "b", 0)->end, 1);
	assert_non_null(node(p, &l, "b!x", 1));
	assert_non_null(node(p, &l, "b2", 2));
	assert_non_null(node(p, &l, "b", 3));
	assert_int_equal(node(p, &l, "c", 3)->depth, 3);
	assert_int_equal(l.nodes[0].depth, 0);
	assert_int_equal(l.nodes[0].end, 4);
	assert_int_equal(l.max_depth, 3);
	flame_layout_release(&l);
	profile_free(p);
}

static void test_layout_merges_common_prefixes(void **state)
{
	(void)state;
	struct profile *p = folded("main;a;x 3\nmain;b 5\nmain;a;y 2\nmain 1\n");
	struct flame_opts o;
	struct flame_layout l;
	flame_opts_init(&o);
	layout(&l, p, &o);
	const struct flame_node *m = node(p, &l, "main", 0);
	assert_non_null(m);
	assert_int_equal(m->end, 11);
	/* lines sort as "main 1" < "main;a;x 3" < "main;a;y 2" < "main;b 5": main's own sample first */
	assert_non_null(node(p, &l, "a", 1));
	assert_int_equal(node(p, &l, "a", 1)->end, 6); /* a;x and a;y merged */
	assert_non_null(node(p, &l, "x", 1));
	assert_int_equal(node(p, &l, "x", 1)->end, 4);
	assert_non_null(node(p, &l, "y", 4));
	assert_int_equal(node(p, &l, "y", 4)->end, 6);
	assert_non_null(node(p, &l, "b", 6));
	assert_int_equal(node(p, &l, "b", 6)->end, 11);
	/* pre-order: each frame's subtree follows it */
	for (size_t i = 1; i < l.count; i++)
		assert_true(l.nodes[i].depth <= l.nodes[i - 1].depth + 1);
	assert_true(l.width_per_time > 107.2 && l.width_per_time < 107.3); /* 1180 px / 11 */
	flame_layout_release(&l);
	profile_free(p);
}

static void test_layout_minwidth_prunes_subtrees(void **state)
{
	(void)state;
	/* 1180 px for 10000: the 1-sample stack is 0.118 px wide, under 0.1 px only with minwidth 0.2 */
	struct profile *p = folded("main;big;deep;deeper 9999\nmain;tiny;t1;t2;t3 1\n");
	struct flame_opts o;
	struct flame_layout l;
	flame_opts_init(&o);
	layout(&l, p, &o);
	assert_non_null(node(p, &l, "t3", 9999));
	flame_layout_release(&l);
	o.minwidth = 0.2;
	layout(&l, p, &o);
	assert_null(node(p, &l, "tiny", 9999));
	assert_null(node(p, &l, "t3", 9999));
	assert_int_equal(l.count, 5); /* all, main, big, deep, deeper */
	flame_layout_release(&l);
	/* percent of the total: 0.01% keeps nothing narrower than 1 sample of 10000 */
	o.minwidth = 0.02;
	o.minwidth_percent = true;
	layout(&l, p, &o);
	assert_null(node(p, &l, "tiny", 9999));
	assert_int_equal(l.max_depth, 4);
	flame_layout_release(&l);
	profile_free(p);
}

static void test_layout_reverse_merges_from_the_leaf(void **state)
{
	(void)state;
	struct profile *p = folded("a;b;leaf 2\nc;leaf 3\n");
	struct flame_opts o;
	struct flame_layout l;
	flame_opts_init(&o);
	o.reverse = true;
	layout(&l, p, &o);
	const struct flame_node *leaf = node(p, &l, "leaf", 0);
	assert_non_null(leaf);
	assert_int_equal(leaf->depth, 1);
	assert_int_equal(leaf->end, 5);
	assert_int_equal(node(p, &l, "b", 0)->depth, 2);
	assert_int_equal(node(p, &l, "c", 2)->depth, 2);
	flame_layout_release(&l);
	profile_free(p);
}

static void test_layout_flamechart_keeps_input_order(void **state)
{
	(void)state;
	struct profile *p = folded("z;one 1\na;two 1\nz;three 1\n");
	struct flame_opts o;
	struct flame_layout l;
	flame_opts_init(&o);
	o.flamechart = true;
	layout(&l, p, &o);
	assert_non_null(node(p, &l, "z", 0));
	assert_non_null(node(p, &l, "a", 1));
	assert_non_null(node(p, &l, "z", 2)); /* not merged with the first z: time order */
	flame_layout_release(&l);
	profile_free(p);
}

static void test_layout_diff_colours_own_change(void **state)
{
	(void)state;
	/* difffolded.pl columns: before after; widths from "after" */
	struct profile *p = folded("main;a 10 20\nmain;a;b 5 1\nmain;gone 7 0\n");
	struct flame_opts o;
	struct flame_layout l;
	flame_opts_init(&o);
	o.diff = true;
	o.diff_before = 0;
	o.diff_after = 1;
	layout(&l, p, &o);
	assert_int_equal(l.time, 21);
	assert_true(l.has_delta);
	assert_int_equal(l.max_delta, 10); /* |20-10|; the vanished stack's 7 counts too, but is smaller */
	assert_int_equal(node(p, &l, "a", 0)->delta, 10);
	assert_int_equal(node(p, &l, "b", 20)->delta, -4);
	assert_int_equal(node(p, &l, "main", 0)->delta, 0);
	assert_null(node(p, &l, "gone", 21));
	flame_layout_release(&l);
	profile_free(p);
}

static void test_layout_value_mix_picks_dominant_value(void **state)
{
	(void)state;
	struct profile *p = profile_new();
	int cpu = profile_add_value_type(p, "cpu", "nanoseconds");
	int off = profile_add_value_type(p, "off-cpu", "nanoseconds");
	uint32_t f[3];
	f[0] = (uint32_t)profile_frame_named(p, "main", 4, FRAME_USER);
	f[1] = (uint32_t)profile_frame_named(p, "compute", 7, FRAME_USER);
	f[2] = (uint32_t)profile_frame_named(p, "futex_wait", 10, FRAME_KERNEL);
	uint32_t s1[2] = { f[0], f[1] }, s2[2] = { f[0], f[2] };
	assert_true(profile_add_sample(p, s1, 2, (size_t)cpu, 300) >= 0);
	assert_true(profile_add_sample(p, s2, 2, (size_t)off, 700) >= 0);
	struct flame_opts o;
	struct flame_layout l;
	flame_opts_init(&o);
	o.value_mask = 3;
	o.value_palettes[cpu] = FLAME_PAL_HOT;
	o.value_palettes[off] = FLAME_PAL_BLUE;
	layout(&l, p, &o);
	assert_int_equal(l.time, 1000);
	assert_int_equal(node(p, &l, "compute", 0)->dominant, cpu);
	assert_int_equal(node(p, &l, "futex_wait", 300)->dominant, off);
	assert_int_equal(node(p, &l, "futex_wait", 300)->kind, FRAME_KERNEL);
	assert_int_equal(node(p, &l, "main", 0)->dominant, off);
	flame_layout_release(&l);
	/* one value only: the other stack has no width */
	o.value_mask = 0;
	o.value_index = (uint32_t)off;
	layout(&l, p, &o);
	assert_int_equal(l.time, 700);
	assert_null(node(p, &l, "compute", 0));
	flame_layout_release(&l);
	profile_free(p);
}

static void test_layout_total_and_empty(void **state)
{
	(void)state;
	struct profile *p = folded("a 5\n");
	struct flame_opts o;
	struct flame_layout l;
	struct errbuf err;
	flame_opts_init(&o);
	o.total = 20;
	layout(&l, p, &o);
	assert_true(l.timemax == 20);
	assert_true(l.width_per_time == 59); /* 1180 / 20 */
	flame_layout_release(&l);
	o.total = 0;
	o.value_index = 3;
	errbuf_init(&err);
	assert_int_equal(flame_layout_build(&l, p, &o, &err), -EINVAL);
	errbuf_release(&err);
	profile_free(p);

	p = profile_new();
	profile_add_value_type(p, "samples", "count");
	errbuf_init(&err);
	o.value_index = 0;
	assert_int_equal(flame_layout_build(&l, p, &o, &err), -ENODATA);
	assert_string_equal(err.msg.data, "no stack counts found");
	flame_layout_release(&l);
	errbuf_release(&err);
	profile_free(p);
}

static void test_stack_cmp_separators(void **state)
{
	(void)state;
	struct profile *p = profile_new();
	uint32_t b = (uint32_t)profile_intern(p, "b", 1), b2 = (uint32_t)profile_intern(p, "b2", 2);
	uint32_t bang = (uint32_t)profile_intern(p, "b!", 2), c = (uint32_t)profile_intern(p, "c", 1);
	uint32_t s_b[1] = { b }, s_bc[2] = { b, c }, s_b2[1] = { b2 }, s_bang[1] = { bang };
	assert_true(flame_stack_cmp(p, s_b, 1, s_bang, 1) < 0); /* "b " < "b!" */
	assert_true(flame_stack_cmp(p, s_bang, 1, s_b2, 1) < 0);
	assert_true(flame_stack_cmp(p, s_b2, 1, s_bc, 2) < 0);  /* "b2" < "b;" */
	assert_true(flame_stack_cmp(p, s_b, 1, s_bc, 2) < 0);   /* "b " < "b;" */
	assert_int_equal(flame_stack_cmp(p, s_bc, 2, s_bc, 2), 0);
	profile_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout_sorts_lines_like_flamegraph_pl),
		cmocka_unit_test(test_layout_merges_common_prefixes),
		cmocka_unit_test(test_layout_minwidth_prunes_subtrees),
		cmocka_unit_test(test_layout_reverse_merges_from_the_leaf),
		cmocka_unit_test(test_layout_flamechart_keeps_input_order),
		cmocka_unit_test(test_layout_diff_colours_own_change),
		cmocka_unit_test(test_layout_value_mix_picks_dominant_value),
		cmocka_unit_test(test_layout_total_and_empty),
		cmocka_unit_test(test_stack_cmp_separators),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: Apache-2.0
/* Unit tests of render/svg.c: document structure, titles, text fitting, options, value and kind colouring. */
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
#include "render/internal.h"

static struct profile *folded(const char *text)
{
	struct profile *p = profile_new();
	assert_non_null(p);
	assert_int_equal(fold_read_mem(FOLD_TEXT_FOLDED, text, strlen(text), p, NULL, NULL, NULL), 0);
	return p;
}

/* Render `p` with `o` into a malloc()ed string; `*rc` gets the return code. */
static char *render(const struct profile *p, const struct flame_opts *o, int *rc)
{
	char *data = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&data, &len);
	struct errbuf err;
	errbuf_init(&err);
	*rc = flame_render_svg(f, p, o, &err);
	fclose(f);
	errbuf_release(&err);
	return data;
}

static int count(const char *s, const char *needle)
{
	int n = 0;
	for (const char *q = s; (q = strstr(q, needle)); q += strlen(needle))
		n++;
	return n;
}

/* The fill of the frame whose <title> starts with `name (`. */
static void fill_of(const char *svg, const char *name, unsigned *r, unsigned *g, unsigned *b)
{
	char key[256];
	snprintf(key, sizeof(key), "<title>%s (", name);
	const char *t = strstr(svg, key);
	assert_non_null(t);
	const char *f = strstr(t, "fill=\"rgb(");
	assert_non_null(f);
	assert_int_equal(sscanf(f, "fill=\"rgb(%u,%u,%u)", r, g, b), 3);
}

static void test_svg_structure(void **state)
{
	(void)state;
	struct profile *p = folded("main;a 3\nmain;b 1\n");
	struct flame_opts o;
	int rc;
	flame_opts_init(&o);
	char *s = render(p, &o, &rc);
	assert_int_equal(rc, 0);
	assert_true(strncmp(s, "<?xml version=\"1.0\"", 19) == 0);
	assert_int_equal(count(s, "<script"), 1);
	assert_int_equal(count(s, "<g>\n<title>"), 4);
	assert_non_null(strstr(s, "<title>all (4 samples, 100%)</title>"));
	assert_non_null(strstr(s, "<title>a (3 samples, 75.00%)</title>"));
	assert_non_null(strstr(s, ">Flame Graph</text>"));
	assert_non_null(strstr(s, "<text id=\"cfg-countname\">samples</text>"));
	assert_non_null(strstr(s, "<text id=\"cfg-nametype\">Function:</text>"));
	/* flamegraph.pl's geometry: height = (depth + 1) * 16 + 36 + 34 */
	assert_non_null(strstr(s, "height=\"118\""));
	assert_non_null(strstr(s, "</svg>\n"));
	free(s);
	profile_free(p);
}

static void test_svg_titles(void **state)
{
	(void)state;
	struct profile *p = folded("a 1\n");
	struct flame_opts o;
	int rc;
	flame_opts_init(&o);
	o.inverted = true;
	char *s = render(p, &o, &rc);
	assert_non_null(strstr(s, ">Icicle Graph</text>"));
	free(s);
	o.inverted = false;
	o.flamechart = true;
	s = render(p, &o, &rc);
	assert_non_null(strstr(s, ">Flame Chart</text>"));
	free(s);
	o.title = "<b>&\"mine\"";
	o.subtitle = "sub";
	s = render(p, &o, &rc);
	assert_non_null(strstr(s, ">&lt;b&gt;&amp;&quot;mine&quot;</text>"));
	assert_non_null(strstr(s, "id=\"subtitle\""));
	free(s);
	profile_free(p);
}

/* flamegraph.pl fits int(width / (fontsize * fontwidth)) characters, ".." replacing the last two. */
static void test_svg_text_fits_width(void **state)
{
	(void)state;
	char line[400];
	memset(line, 'x', 300);
	memcpy(line + 300, " 1\n", 4);
	struct profile *p = folded(line);
	struct flame_opts o;
	int rc;
	flame_opts_init(&o);
	char *s = render(p, &o, &rc);
	/* 1180 px / 7.08 px = 166 characters: 164 x and ".." */
	char want[200];
	memset(want, 'x', 164);
	memcpy(want + 164, "..</text>", 10);
	const char *t = strstr(s, want);
	assert_non_null(t);
	assert_true(t[-1] == '>');
	free(s);
	o.fontsize = 24; /* half as many */
	s = render(p, &o, &rc);
	memset(want, 'x', 81);
	memcpy(want + 81, "..</text>", 10);
	assert_non_null(strstr(s, want));
	free(s);
	profile_free(p);
}

static void test_svg_empty_profile(void **state)
{
	(void)state;
	struct profile *p = profile_new();
	profile_add_value_type(p, "samples", "count");
	struct flame_opts o;
	int rc;
	flame_opts_init(&o);
	char *s = render(p, &o, &rc);
	assert_int_equal(rc, -ENODATA);
	assert_non_null(strstr(s, "ERROR: No valid input"));
	assert_non_null(strstr(s, "</svg>"));
	free(s);
	profile_free(p);
}

static void test_svg_rejects_bad_options(void **state)
{
	(void)state;
	struct profile *p = folded("a 1\n");
	struct flame_opts o;
	int rc;
	char *s;
	flame_opts_init(&o);
	o.fonttype = "x;}</style><script>";
	s = render(p, &o, &rc);
	assert_int_equal(rc, -EINVAL);
	free(s);
	flame_opts_init(&o);
	o.bgcolors = "#fff\" onload=\"x";
	s = render(p, &o, &rc);
	assert_int_equal(rc, -EINVAL);
	free(s);
	flame_opts_init(&o);
	o.width = 5;
	s = render(p, &o, &rc);
	assert_int_equal(rc, -EINVAL);
	free(s);
	flame_opts_init(&o);
	o.factor = 0;
	s = render(p, &o, &rc);
	assert_int_equal(rc, -EINVAL);
	free(s);
	assert_true(flame_fonttype_valid("Verdana, 'DejaVu Sans', sans-serif"));
	assert_false(flame_fonttype_valid("a<b"));
	assert_false(flame_fonttype_valid(""));
	profile_free(p);
}

/* record --mode wall: on-CPU and off-CPU time in one graph, off-CPU frames in their own palette. */
static void test_svg_value_mix_offcpu_palette(void **state)
{
	(void)state;
	struct profile *p = profile_new();
	int cpu = profile_add_value_type(p, "cpu", "nanoseconds");
	int off = profile_add_value_type(p, "off-cpu", "nanoseconds");
	uint32_t m = (uint32_t)profile_frame_named(p, "main", 4, FRAME_USER);
	uint32_t c = (uint32_t)profile_frame_named(p, "compute", 7, FRAME_USER);
	uint32_t w = (uint32_t)profile_frame_named(p, "futex_wait", 10, FRAME_KERNEL);
	uint32_t s1[2] = { m, c }, s2[2] = { m, w };
	profile_add_sample(p, s1, 2, (size_t)cpu, 400);
	profile_add_sample(p, s2, 2, (size_t)off, 600);
	struct flame_opts o;
	int rc;
	unsigned r, g, b;
	flame_opts_init(&o);
	o.value_mask = 3;
	o.value_palettes[cpu] = FLAME_PAL_HOT;
	o.value_palettes[off] = FLAME_PAL_BLUE;
	o.countname = "nanoseconds";
	char *s = render(p, &o, &rc);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(s, "<title>all (1,000 nanoseconds, 100%)</title>"));
	fill_of(s, "futex_wait", &r, &g, &b);
	assert_true(r == g && b >= 205); /* blue */
	fill_of(s, "compute", &r, &g, &b);
	assert_true(r >= 205 && b <= 55); /* hot */
	free(s);
	profile_free(p);
}

/* record --mode wall --wakeup: off-CPU in the chain palette, so the waker above "--" is aqua, the blocked stack blue. */
static void test_svg_value_mix_wakeup_chain(void **state)
{
	(void)state;
	struct profile *p = profile_new();
	int cpu = profile_add_value_type(p, "cpu", "nanoseconds");
	int off = profile_add_value_type(p, "off-cpu", "nanoseconds");
	uint32_t m = (uint32_t)profile_frame_named(p, "main", 4, FRAME_USER);
	uint32_t c = (uint32_t)profile_frame_named(p, "compute", 7, FRAME_USER);
	uint32_t w = (uint32_t)profile_frame_named(p, "pipe_read", 9, FRAME_KERNEL);
	uint32_t sep = (uint32_t)profile_frame_named(p, "--", 2, FRAME_SYNTHETIC);
	uint32_t k = (uint32_t)profile_frame_named(p, "pipe_write", 10, FRAME_KERNEL);
	uint32_t x = (uint32_t)profile_frame_named(p, "writer_fn", 9, FRAME_USER);
	uint32_t s1[2] = { m, c }, s2[5] = { m, w, sep, k, x };
	profile_add_sample(p, s1, 2, (size_t)cpu, 400);
	profile_add_sample(p, s2, 5, (size_t)off, 600);
	struct flame_opts o;
	int rc;
	unsigned r, g, b;
	flame_opts_init(&o);
	o.value_mask = 3;
	o.value_palettes[cpu] = FLAME_PAL_HOT;
	o.value_palettes[off] = FLAME_PAL_CHAIN;
	char *s = render(p, &o, &rc);
	assert_int_equal(rc, 0);
	fill_of(s, "pipe_read", &r, &g, &b);
	assert_true(r == g && b >= 205); /* blocked: blue */
	fill_of(s, "writer_fn", &r, &g, &b);
	assert_true(g == b && r < g); /* waker: aqua */
	fill_of(s, "pipe_write", &r, &g, &b);
	assert_true(g == b && r < g);
	fill_of(s, "compute", &r, &g, &b);
	assert_true(r >= 205 && b <= 55); /* on-CPU: hot */
	free(s);
	profile_free(p);
}

static void test_svg_palette_map_is_used_and_extended(void **state)
{
	(void)state;
	struct profile *p = folded("main;a 3\n");
	struct palette_map *map = palette_map_new();
	struct flame_opts o;
	int rc;
	unsigned r, g, b;
	palette_map_put(map, "main", 4, "rgb(1,2,3)");
	flame_opts_init(&o);
	o.palette_map = map;
	char *s = render(p, &o, &rc);
	fill_of(s, "main", &r, &g, &b);
	assert_true(r == 1 && g == 2 && b == 3);
	free(s);
	char want[40];
	const char *known = palette_map_get(map, "a", 1);
	assert_non_null(known);
	o.palette_map = NULL;
	s = render(p, &o, &rc);
	fill_of(s, "a", &r, &g, &b);
	snprintf(want, sizeof(want), "rgb(%u,%u,%u)", r, g, b);
	assert_string_equal(known, want);
	free(s);
	palette_map_free(map);
	profile_free(p);
}

static void test_svg_diff_info_and_icicle_subtitle(void **state)
{
	(void)state;
	struct profile *p = folded("main;a 10 20\nmain;b 10 5\n");
	struct flame_opts o;
	int rc;
	flame_opts_init(&o);
	o.diff = true;
	o.diff_before = 0;
	o.diff_after = 1;
	char *s = render(p, &o, &rc);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(s, "<title>a (20 samples, 80.00%; +40.00%)</title>"));
	assert_non_null(strstr(s, "<title>b (5 samples, 20.00%; -20.00%)</title>"));
	free(s);
	flame_opts_init(&o);
	o.inverted = true;
	o.subtitle = "s";
	s = render(p, &o, &rc);
	/* icicle rows start below the subtitle: 36 + 24 */
	assert_non_null(strstr(s, "<title>all (20 samples, 100%)</title><rect x=\"10.0\" y=\"60\""));
	free(s);
	profile_free(p);
}

static void test_svg_write_error(void **state)
{
	(void)state;
	struct profile *p = folded("main;a 3\n");
	struct flame_opts o;
	struct errbuf err;
	char small[64];
	FILE *f = fmemopen(small, sizeof(small), "w");
	setvbuf(f, NULL, _IONBF, 0);
	flame_opts_init(&o);
	errbuf_init(&err);
	assert_int_equal(flame_render_svg(f, p, &o, &err), -EIO);
	assert_non_null(strstr(err.msg.data, "cannot write"));
	fclose(f);
	errbuf_release(&err);
	profile_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_svg_structure),
		cmocka_unit_test(test_svg_titles),
		cmocka_unit_test(test_svg_text_fits_width),
		cmocka_unit_test(test_svg_empty_profile),
		cmocka_unit_test(test_svg_rejects_bad_options),
		cmocka_unit_test(test_svg_value_mix_offcpu_palette),
		cmocka_unit_test(test_svg_value_mix_wakeup_chain),
		cmocka_unit_test(test_svg_palette_map_is_used_and_extended),
		cmocka_unit_test(test_svg_diff_info_and_icicle_subtitle),
		cmocka_unit_test(test_svg_write_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

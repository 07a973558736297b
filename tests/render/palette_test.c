// SPDX-License-Identifier: Apache-2.0
/* Unit tests of render/palette.c: colours equal to flamegraph.pl's, differential scale, backgrounds, palette maps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/err.h"
#include "render/flamegraph.h"
#include "render/internal.h"

/* A fixture of tests/fixtures/render/, found from the repo root or from this file's directory. */
static FILE *open_fixture(const char *name)
{
	char path[512];
	snprintf(path, sizeof(path), "tests/fixtures/render/%s", name);
	FILE *f = fopen(path, "r");
	if (!f) {
		const char *here = __FILE__;
		const char *slash = strrchr(here, '/');
		snprintf(path, sizeof(path), "%.*s/../fixtures/render/%s", slash ? (int)(slash - here) : 1,
			 slash ? here : ".", name);
		f = fopen(path, "r");
	}
	return f;
}

/* Perl's rand() after srand(sum of code points), printed by perl 5.36 with %.17g. */
static void test_name_seed_is_perls_drand48(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		double v;
	} cases[] = {
		{ "main", 0.77859998431904742 },
		{ "", 0.17082803610628972 },
		{ "java", 0.16619305832228193 },
		{ "a_[k]", 0.76834312158553431 },
		{ "Ljava/lang/Thread;::run", 0.013327024485082717 },
		{ "\xc3\xa9\xe6\x97\xa5", 0.94598749706438312 }, /* perl -CA: code points, as flamegraph.pl reads UTF-8 */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_true(flame_name_seed(cases[i].name, strlen(cases[i].name)) == cases[i].v);
}

/*
 * Every palette (and --hash) against flamegraph.pl's own output for the names
 * of palette.folded (tests/fixtures/render/palette-flamegraph-pl.tsv, made by
 * scripts/regen-render-fixtures.sh with FlameGraph 41fee1f).
 */
static void test_palettes_match_flamegraph_pl(void **state)
{
	(void)state;
	FILE *f = open_fixture("palette-flamegraph-pl.tsv");
	assert_non_null(f);
	char line[1024];
	int n = 0, palettes_seen = 0;
	char last[32] = "";
	while (fgets(line, sizeof(line), f)) {
		char *pal = strtok(line, "\t"), *name = strtok(NULL, "\t"), *fill = strtok(NULL, "\t\n");
		assert_non_null(fill);
		enum flame_color_mode mode = FLAME_COLOR_NAME;
		enum flame_palette p = flame_palette_from_name(pal);
		if (strcmp(pal, "hash") == 0) {
			mode = FLAME_COLOR_HASH;
			p = FLAME_PAL_HOT;
		}
		assert_int_not_equal(p, FLAME_PAL_NONE);
		if (strcmp(pal, last) != 0) {
			palettes_seen++;
			snprintf(last, sizeof(last), "%s", pal);
		}
		char got[32];
		size_t len = strlen(name);
		if (strcmp(name, "--") == 0) {
			snprintf(got, sizeof(got), "rgb(160,160,160)"); /* drawn grey by svg.c, before palettes */
		} else if (strcmp(name, "-") == 0) {
			snprintf(got, sizeof(got), "rgb(200,200,200)");
		} else {
			/* chain: palette.folded has "...;-;--;--;w1;w2", so the frames after the first "--" wake */
			bool waker = p == FLAME_PAL_CHAIN && (strcmp(name, "w1") == 0 || strcmp(name, "w2") == 0);
			struct rgb c = flame_color(p, mode, name, len, FRAME_USER, waker, NULL);
			snprintf(got, sizeof(got), "rgb(%u,%u,%u)", c.r, c.g, c.b);
		}
		if (strcmp(got, fill) != 0)
			fail_msg("palette %s, name '%s': got %s, flamegraph.pl drew %s", pal, name, got, fill);
		n++;
	}
	fclose(f);
	assert_true(n >= 250);
	assert_int_equal(palettes_seen, 16);
}

/* Frame kinds stand for perf's annotations: a kernel frame is orange in the java palette. */
static void test_kinds_act_as_annotations(void **state)
{
	(void)state;
	struct rgb k = flame_color(FLAME_PAL_JAVA, FLAME_COLOR_NAME, "sys_read", 8, FRAME_KERNEL, false, NULL);
	struct rgb a = flame_color(FLAME_PAL_JAVA, FLAME_COLOR_NAME, "sys_read_[k]", 12, FRAME_USER, false, NULL);
	assert_int_equal(k.b, 0); /* orange: rgb(190+x, 90+y, 0) */
	assert_int_equal(a.b, 0);
	assert_true(k.r >= 190 && k.g >= 90);
	struct rgb j = flame_color(FLAME_PAL_JAVA, FLAME_COLOR_NAME, "foo", 3, FRAME_JIT, false, NULL);
	assert_true(j.g >= 200 && j.r == j.b); /* green */
	struct rgb i = flame_color(FLAME_PAL_JAVA, FLAME_COLOR_NAME, "foo", 3, FRAME_INLINED, false, NULL);
	assert_true(i.g == i.b && i.r < i.g); /* aqua */
	struct rgb w = flame_color(FLAME_PAL_CHAIN, FLAME_COLOR_NAME, "foo", 3, FRAME_USER, true, NULL);
	assert_true(w.g == w.b && w.r < w.g); /* waker frames aqua, the rest blue */
	struct rgb o = flame_color(FLAME_PAL_CHAIN, FLAME_COLOR_NAME, "foo", 3, FRAME_USER, false, NULL);
	assert_true(o.r == o.g && o.b >= 205);
	/* a sampler's "[lost stack]" is grey whatever the palette; a folded "[unknown]" (user) is not */
	struct rgb s = flame_color(FLAME_PAL_HOT, FLAME_COLOR_NAME, "[lost stack]", 12, FRAME_SYNTHETIC, false, NULL);
	assert_true(s.r == s.g && s.g == s.b && s.r >= 170);
	struct rgb u = flame_color(FLAME_PAL_HOT, FLAME_COLOR_NAME, "[unknown]", 9, FRAME_USER, false, NULL);
	assert_true(u.r >= 205 && u.b <= 55);
}

static void test_random_mode_varies(void **state)
{
	(void)state;
	uint64_t rng = 42;
	struct rgb a = flame_color(FLAME_PAL_HOT, FLAME_COLOR_RANDOM, "x", 1, FRAME_USER, false, &rng);
	struct rgb b = flame_color(FLAME_PAL_HOT, FLAME_COLOR_RANDOM, "x", 1, FRAME_USER, false, &rng);
	assert_true(a.r >= 205 && b.r >= 205);
	assert_true(a.g != b.g || a.b != b.b || a.r != b.r);
}

/* flamegraph.pl's color_scale(): white at 0, red for growth, blue for decline, --negate swaps. */
static void test_delta_scale(void **state)
{
	(void)state;
	struct rgb c = flame_color_delta(0, 10, false);
	assert_true(c.r == 255 && c.g == 255 && c.b == 255);
	c = flame_color_delta(10, 10, false);
	assert_true(c.r == 255 && c.g == 0 && c.b == 0);
	c = flame_color_delta(5, 10, false);
	assert_true(c.r == 255 && c.g == 105 && c.b == 105);
	c = flame_color_delta(-5, 10, false);
	assert_true(c.r == 105 && c.g == 105 && c.b == 255);
	c = flame_color_delta(-5, 10, true);
	assert_true(c.r == 255 && c.g == 105 && c.b == 105);
}

static void test_bgcolors(void **state)
{
	(void)state;
	char a[8], b[8];
	assert_int_equal(flame_bgcolors(NULL, FLAME_PAL_HOT, a, b), 0);
	assert_string_equal(b, "#eeeeb0");
	assert_int_equal(flame_bgcolors(NULL, FLAME_PAL_MEM, a, b), 0);
	assert_string_equal(b, "#e0ffe0");
	assert_int_equal(flame_bgcolors(NULL, FLAME_PAL_IO, a, b), 0);
	assert_string_equal(b, "#e0e0ff");
	assert_int_equal(flame_bgcolors(NULL, FLAME_PAL_RED, a, b), 0);
	assert_string_equal(a, "#f8f8f8");
	assert_int_equal(flame_bgcolors("#12abEF", FLAME_PAL_HOT, a, b), 0);
	assert_string_equal(a, "#12abEF");
	assert_true(flame_bgcolors_valid("grey"));
	assert_false(flame_bgcolors_valid("#12345"));
	assert_false(flame_bgcolors_valid("#12345g"));
	assert_false(flame_bgcolors_valid("#123456\" onload=\"x"));
	assert_false(flame_bgcolors_valid("pink"));
}

static void test_palette_map_roundtrip(void **state)
{
	(void)state;
	char path[] = "/tmp/scorch-palette-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	const char *text = "zeta->rgb(1,2,3)\nfoo->bar->rgb(10,20,30)\n\nalpha->rgb(255,0,0)\n";
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	struct errbuf err;
	errbuf_init(&err);
	struct palette_map *m = palette_map_new();
	assert_int_equal(palette_map_load(m, path, &err), 0);
	assert_string_equal(palette_map_get(m, "foo->bar", 8), "rgb(10,20,30)");
	assert_null(palette_map_get(m, "nope", 4));
	assert_int_equal(palette_map_put(m, "beta", 4, "rgb(4,5,6)"), 0);
	assert_int_equal(palette_map_save(m, path, &err), 0);
	palette_map_free(m);

	FILE *f = fopen(path, "r");
	char buf[256] = "";
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	assert_string_equal(buf, "alpha->rgb(255,0,0)\nbeta->rgb(4,5,6)\nfoo->bar->rgb(10,20,30)\nzeta->rgb(1,2,3)\n");

	/* a colour that could break out of the fill attribute is refused with its line number */
	f = fopen(path, "w");
	fputs("ok->rgb(1,2,3)\nx->rgb(1,2,3)\" onload=\"alert(1)\n", f);
	fclose(f);
	m = palette_map_new();
	assert_int_equal(palette_map_load(m, path, &err), -EINVAL);
	assert_non_null(strstr(err.msg.data, "line 2"));
	palette_map_free(m);
	unlink(path);

	/* a missing file is an empty map */
	errbuf_release(&err);
	errbuf_init(&err);
	m = palette_map_new();
	assert_int_equal(palette_map_load(m, "/nonexistent/palette.map", &err), 0);
	palette_map_free(m);
	errbuf_release(&err);
}

static void test_palette_names(void **state)
{
	(void)state;
	assert_int_equal(flame_palette_from_name("hot"), FLAME_PAL_HOT);
	assert_int_equal(flame_palette_from_name("orange"), FLAME_PAL_ORANGE);
	assert_int_equal(flame_palette_from_name("none"), FLAME_PAL_NONE);
	assert_int_equal(flame_palette_from_name("Hot"), FLAME_PAL_NONE);
	assert_string_equal(flame_palette_name(FLAME_PAL_CHAIN), "chain");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name_seed_is_perls_drand48),
		cmocka_unit_test(test_palettes_match_flamegraph_pl),
		cmocka_unit_test(test_kinds_act_as_annotations),
		cmocka_unit_test(test_random_mode_varies),
		cmocka_unit_test(test_delta_scale),
		cmocka_unit_test(test_bgcolors),
		cmocka_unit_test(test_palette_map_roundtrip),
		cmocka_unit_test(test_palette_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

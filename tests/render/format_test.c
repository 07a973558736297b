// SPDX-License-Identifier: Apache-2.0
/* Unit tests of render/format.c: our fast number formatting must print exactly what printf prints. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "render/internal.h"

static void check_fixed(double x, int decimals)
{
	char want[64];
	struct buf b = BUF_INIT;
	snprintf(want, sizeof(want), "%.*f", decimals, x);
	assert_int_equal(fmt_fixed(&b, x, decimals), 0);
	if (strcmp(b.data, want) != 0)
		fail_msg("%.17g with %d decimals: got %s, printf %s", x, decimals, b.data, want);
	buf_release(&b);
	if (decimals == 1) {
		double back = strtod(want, NULL);
		if (round_1dp(x) != back)
			fail_msg("round_1dp(%.17g) = %.17g, strtod(\"%s\") = %.17g", x, round_1dp(x), want, back);
	}
}

/* Ties and near-ties are where a naive floor(x * 10 + 0.5) differs from printf. */
static void test_fixed_matches_printf_on_ties(void **state)
{
	(void)state;
	static const double cases[] = { 0,     0.05,   0.15,   0.25,    0.35,   1.005,	 2.675, 10.45,
					1180,  1179.95, 605.45, 0.125,  0.375,	0.0499999, 1e-9, 123456.789,
					-0.25, -1.45,  5e14,   0.95,   99.995, 1.0000000000000002 };
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		check_fixed(cases[i], 1);
		check_fixed(cases[i], 2);
	}
}

/* Layout-like values: x = 10 + t * 1180 / total over many totals. */
static void test_fixed_matches_printf_on_layouts(void **state)
{
	(void)state;
	for (int total = 1; total < 400; total++)
		for (int t = 0; t <= total; t++) {
			double x = 10 + t * (1180.0 / total);
			check_fixed(x, 1);
			check_fixed(x + 3, 2);
			check_fixed(100.0 * t / total, 2);
		}
	srand(7);
	for (int i = 0; i < 200000; i++) {
		double x = (double)rand() / RAND_MAX * 20000;
		check_fixed(x, 1);
		check_fixed(x, 2);
	}
}

static void test_perl_numbers(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	static const double cases[] = { 0, 16, 1157, 1157.5, -3, 1e20, 0.1 + 0.2, 31.25, 1.0 / 3 };
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char want[64];
		snprintf(want, sizeof(want), "%.15g", cases[i]);
		buf_reset(&b);
		fmt_perl_num(&b, cases[i]);
		assert_string_equal(b.data, want);
	}
	buf_release(&b);
}

static void test_commas(void **state)
{
	(void)state;
	static const struct {
		int64_t v;
		const char *s;
	} cases[] = { { 0, "0" }, { 999, "999" }, { 1000, "1,000" }, { 1234567, "1,234,567" },
		      { -1234, "-1,234" }, { INT64_MAX, "9,223,372,036,854,775,807" } };
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		buf_reset(&b);
		fmt_commas(&b, cases[i].v);
		assert_string_equal(b.data, cases[i].s);
	}
	buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixed_matches_printf_on_ties),
		cmocka_unit_test(test_fixed_matches_printf_on_layouts),
		cmocka_unit_test(test_perl_numbers),
		cmocka_unit_test(test_commas),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

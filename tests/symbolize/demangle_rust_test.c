// SPDX-License-Identifier: Apache-2.0
/* Unit tests of the Rust v0 demangler: hostile and malformed names fail cleanly and fast (valid names: tests/golden/symbolize_demangle.sh). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/buf.h"
#include "symbolize/symbolize.h"

/* Far above any real name, at the demangler's output cap (256 KiB). */
#define MAX_OUT (256u << 10)

/* Valid names from the golden corpus (tests/golden/data/rust_v0), each exercising other productions. */
static const char *const valid[] = {
	/* generic args, const generics (negative i32), instantiating crate */
	"_RINvCscIBPRuDlBTi_8generics6signedKln7_EB2_",
	"_RINvCscIBPRuDlBTi_8generics4flagKb0_Kce9_EB2_",
	/* punycode in a trait impl */
	"_RNvXs_NtNtCslQGJUbIGrcw_6panics5outer5innerNtB4_u9Zhler_graNtNtCsgEmfK2I1SDS_4core3fmt5Debug3fmt",
	/* dyn with a binder, assoc type binding, tuples, refs with bound lifetimes */
	"_RINvNtCsgEmfK2I1SDS_4core3ptr13drop_in_placeINtNtCslNYArtu3iFV_5alloc5boxed3BoxDG0_INtNtNtB4_3ops8"
	"function2FnTRL1_INtNtCsjrHSEGnQ3l9_3std5panic13PanicHookInfoL0_EEEp6OutputuNtNtB4_6marker4SyncNtB2N_"
	"4SendEL_EEB1T_",
	/* shim, closures, many backrefs, a never type */
	"_RNSNvYNCINvMs0_NtNtCsjrHSEGnQ3l9_3std4sync4onceNtBd_4Once15call_once_forceNCINvMNtBf_9once_lockINtB1g_"
	"8OnceLockNtNtBh_2fs4FileE10initializeNCNvNtNtNtBh_3sys6random5linux9getrandom0NtNtNtBh_2io5error5ErrorE"
	"0E0INtNtNtCsgEmfK2I1SDS_4core3ops8function6FnOnceTRNtBd_9OnceStateEE9call_once6vtableBh_",
	/* a .llvm. suffix */
	"_RINvNtCsgEmfK2I1SDS_4core3ptr13drop_in_placeINtNtCslNYArtu3iFV_5alloc3vec3VecIBH_hEEECslo5MIg6scOY_"
	"5iters.llvm.5598910415029629982",
	/* fn pointers with an ABI and a variadic, arrays with const lengths, structural consts */
	"_RINvC3foo3barFUK8C_unwindEuFKClvElAAhj2_j3_E",
	"_RIC0KVNtC3foo3BarS1sRe616263_2chc78_5sliceRAh1_h2_h3_EEE",
};

/* An exact-size heap copy, so ASan sees any read past the terminator. */
static char *exact_copy(const char *s, size_t n)
{
	char *c = malloc(n + 1);
	assert_non_null(c);
	memcpy(c, s, n);
	c[n] = 0;
	return c;
}

/* Both entry points on `name`: NULL or a bounded string, and for Rust both forms are the same path. */
static void demangle_bounded(const char *name)
{
	char *full = sym_demangle(name), *brief = sym_demangle_short(name);
	assert_true((full == NULL) == (brief == NULL));
	if (full) {
		assert_true(strlen(full) <= MAX_OUT);
		assert_string_equal(full, brief);
	}
	free(full);
	free(brief);
}

static void test_valid_names_demangle(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(valid) / sizeof(valid[0]); i++) {
		char *d = sym_demangle(valid[i]);
		assert_non_null(d);
		assert_true(strncmp(d, "_R", 2) != 0);
		free(d);
		demangle_bounded(valid[i]);
	}
	/* The one spelling checked here, from llvm-cxxfilt 14 (and binutils c++filt, hash cut). */
	char *d = sym_demangle(valid[2]);
	assert_non_null(d);
	assert_string_equal(d, "<panics::outer::inner::Z\xc3\xa4hler as core::fmt::Debug>::fmt");
	free(d);
}

static void test_truncated_at_every_byte(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(valid) / sizeof(valid[0]); i++) {
		size_t n = strlen(valid[i]);
		for (size_t k = 0; k <= n; k++) {
			char *c = exact_copy(valid[i], k);
			demangle_bounded(c);
			free(c);
		}
	}
	/* Cut inside the path: never a name (a cut in the suffix or instantiating crate may still be one). */
	char *c = exact_copy(valid[0], 20);
	assert_null(sym_demangle(c));
	free(c);
}

/* Every single-byte change of the valid names: the parser never trusts what a byte says. */
static void test_mutated_bytes(void **state)
{
	(void)state;
	static const char bytes[] = "BCEGIKLMNQRSTUXY_0123456789szpuv\x80.$ ";
	for (size_t i = 0; i < sizeof(valid) / sizeof(valid[0]); i++) {
		size_t n = strlen(valid[i]);
		char *c = exact_copy(valid[i], n);
		for (size_t k = 2; k < n; k++) {
			char saved = c[k];
			for (const char *b = bytes; *b; b++) {
				c[k] = *b;
				demangle_bounded(c);
			}
			c[k] = saved;
		}
		free(c);
	}
}

static void test_garbage(void **state)
{
	(void)state;
	static const char alphabet[] = "_RABCDEFGIKLMNOPQSTUVXYZabcdefghijklmnopqrstuvwxyz0123456789";
	uint64_t x = 88172645463325252ull;
	char name[64];
	for (int iter = 0; iter < 200000; iter++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		size_t n = 3 + x % 60;
		name[0] = '_', name[1] = 'R';
		for (size_t k = 2; k < n; k++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			name[k] = alphabet[x % (sizeof(alphabet) - 1)];
		}
		name[n] = 0;
		demangle_bounded(name);
	}
	const char *bad[] = {
		"", "_", "_R", "_RN", "_RC", "_RC3", "_RC3fo", "_RCs", "_RCs_", "_R0C3foo", "_Rc3foo",
		"_RNvC3foo3bar$LT$", "_RNvC3foo3bar.\x01", "_RNvC3foo3bar.\xff", "_RNvC3foo3bar. x",
		"_RNvC3foo3bar_", "_RNvC3f\xc3\xb6o3bar", "_RINvC3foo3barKjE", "_RINvC3foo3barKj00_E",
		"_RINvC3foo3barKbf_E", "_RINvC3foo3barKcd800_E", "_RINvC3foo3barKc110000_E",
		"_RINvC3foo3barKc1000000_E", "_RINvC3foo3barKRe0_E", "_RINvC3foo3barKRef0_E",
		"_RINvC3foo3barKRec3_E", "_RINvC3foo3barKRee282_E", "_RINvC3foo3barFK0EuE",
		"_RINvC3foo3barFKu3fooEuE", "_RINvC3foo3barRL0_hE", "_RINvC3foo3barDNtC3foo5TraitEL0_E",
		"_RINvC3foo3barFG_RL1_hEuE", "_RC" "99999999999999999999999" "3foo",
		"_RCszzzzzzzzzzzzzzzzzzz_3foo", "_RINvC3foo3barKbff_E",
		"_RNvC3foo3barBz_", "_RNvC3foo3barBzzzzzzzzzzzz_", "_RC0",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *d = sym_demangle(bad[i]);
		if (d)
			fail_msg("\"%s\" demangled to \"%s\"", bad[i], d);
		demangle_bounded(bad[i]);
	}
	assert_null(sym_demangle(NULL));
	assert_null(sym_demangle_short(NULL));
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void put_base62(struct buf *b, uint64_t v)
{
	static const char digits[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
	char tmp[16];
	size_t i = sizeof(tmp);
	if (v == 0) {
		buf_addch(b, '_');
		return;
	}
	v--;
	tmp[--i] = '_';
	do
		tmp[--i] = digits[v % 62];
	while ((v /= 62) != 0);
	buf_add(b, tmp + i, sizeof(tmp) - i);
}

/*
 * Backrefs double the output at each level: "TTT..p" then k backrefs, each to
 * the tuple opened just inside it, is 2^k copies of "_". Must fail fast.
 */
static void test_backref_explosion(void **state)
{
	(void)state;
	for (int k = 10; k <= 60; k += 25) {
		struct buf b = BUF_INIT;
		buf_addstr(&b, "_RMC0");
		for (int i = 0; i < k; i++)
			buf_addch(&b, 'T');
		buf_addch(&b, 'p');
		for (int i = 0; i < k; i++) {
			buf_addch(&b, 'B');
			put_base62(&b, (uint64_t)(3 + k - i));
			buf_addch(&b, 'E');
		}
		double t0 = now();
		char *d = sym_demangle(b.data);
		if (k == 10) {  /* 2^10 leaves: fine */
			assert_non_null(d);
			assert_true(strlen(d) > 1024 * 3);
		} else {        /* 2^35, 2^60 leaves: over the output cap */
			assert_null(d);
		}
		assert_true(now() - t0 < 2.0);
		free(d);
		demangle_bounded(b.data);
		buf_release(&b);
	}
}

/* A backref to a path that contains the same backref: recursion stops at the depth cap. */
static void test_backref_cycles(void **state)
{
	(void)state;
	const char *cycles[] = {
		"_RNvB_3foo", "_RNvNvB_3foo3bar", "_RINvB_3fooE", "_RINvC3foo3barB_E", "_RMC0TB2_E",
		"_RMC0AB2_KB3_", "_RNvMC0B3_3foo", "_RINvC3foo3barDB7_EL_E", "_RIC0KRB4_E",
	};
	for (size_t i = 0; i < sizeof(cycles) / sizeof(cycles[0]); i++) {
		double t0 = now();
		char *d = sym_demangle(cycles[i]);
		if (d)
			fail_msg("\"%s\" demangled to \"%s\"", cycles[i], d);
		assert_true(now() - t0 < 1.0);
	}
	/* A forward or self reference is refused outright. */
	assert_null(sym_demangle("_RNvB1_3foo"));     /* the "B" itself */
	assert_null(sym_demangle("_RNvB2_3foo"));     /* its own number */
	assert_null(sym_demangle("_RNvB5_3foo"));     /* past it */
}

/* Deep nesting: 490 levels of & demangle (llvm-cxxfilt 14 prints them too), 100000 fail without a crash. */
static void test_deep_nesting(void **state)
{
	(void)state;
	static const char *const kinds[] = { "R", "INvC1a1bI", "Th", "NvNv", "SA", "FE", "Kc", "KRQ", "DNtC1a1b" };
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		struct buf b = BUF_INIT;
		buf_addstr(&b, "_RINvC3foo3bar");
		for (int k = 0; k < 100000; k++)
			buf_addstr(&b, kinds[i]);
		buf_addstr(&b, "hE");
		assert_null(sym_demangle(b.data));
		demangle_bounded(b.data);
		buf_release(&b);
	}
	struct buf b = BUF_INIT, want = BUF_INIT;
	buf_addstr(&b, "_RINvC3foo3bar");
	buf_addstr(&want, "foo::bar::<");
	for (int k = 0; k < 490; k++) {
		buf_addch(&b, 'R');
		buf_addch(&want, '&');
	}
	buf_addstr(&b, "hE");
	buf_addstr(&want, "u8>");
	char *d = sym_demangle(b.data);
	assert_non_null(d);
	assert_string_equal(d, want.data);
	free(d);
	buf_release(&b);
	buf_release(&want);
}

/* Punycode: too long, overflowing deltas, digits out of range, a delimiter only. */
static void test_punycode_hostile(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	buf_addstr(&b, "_RNvC3foou100000_");
	for (int k = 0; k < 100000; k++)
		buf_addch(&b, "ab"[k & 1]);
	double t0 = now();
	assert_null(sym_demangle(b.data));
	assert_true(now() - t0 < 1.0);
	buf_release(&b);
	/* 5000 ASCII code points then one delta: past the 1024-code-point cap. */
	buf_addstr(&b, "_RNvC3foou5003_");
	for (int k = 0; k < 5000; k++)
		buf_addch(&b, 'x');
	buf_addstr(&b, "_ba");
	assert_null(sym_demangle(b.data));
	buf_release(&b);
	const char *bad[] = {
		"_RNvC3foou9zzzzzzzzz", "_RNvC3foou99999999999", "_RNvC3foou2A0", "_RNvC3foou1_",
		"_RNvC3foou4abc_", "_RNvC3foou9999999999999999999999_a", "_RNvC3foou6zzzzz9",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		demangle_bounded(bad[i]);
	assert_null(sym_demangle("_RNvC3foou9zzzzzzzzz"));
}

/* Huge binders and lifetimes: refused, not looped over. */
static void test_binders(void **state)
{
	(void)state;
	const char *bad[] = {
		"_RINvC3foo3barFGzzzzzzzzzz_EuE", "_RINvC3foo3barDGzzzzzzzzzz_EL_E",
		"_RINvC3foo3barFGZZZZZZZZZZZ_RLzzzzzzzzzz_hEuE", "_RINvC3foo3barRLZZZZZZZZZZZ_hE",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		double t0 = now();
		assert_null(sym_demangle(bad[i]));
		assert_true(now() - t0 < 1.0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_names_demangle),
		cmocka_unit_test(test_truncated_at_every_byte),
		cmocka_unit_test(test_mutated_bytes),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_backref_explosion),
		cmocka_unit_test(test_backref_cycles),
		cmocka_unit_test(test_deep_nesting),
		cmocka_unit_test(test_punycode_hostile),
		cmocka_unit_test(test_binders),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

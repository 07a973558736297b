/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers for the probes/output tests: bpftrace golden files, value constructors, whole-program checks. */
#ifndef SCORCH_TESTS_PROBES_OUTPUT_FIXTURE_H
#define SCORCH_TESTS_PROBES_OUTPUT_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/buf.h"
#include "probes/output.h"

/* ---- fixtures ---------------------------------------------------------------------------------- */

static inline char *fixture_path(const char *name)
{
	const char *dir = getenv("SCORCH_BPFTRACE_GOLDENS");
	struct buf p = BUF_INIT;

	if (dir) {
		buf_addf(&p, "%s/%s", dir, name);
	} else {
		/* __FILE__ is tests/probes/output_fixture.h, relative to the repo root the tests run from */
		const char *slash = strrchr(__FILE__, '/');

		buf_addf(&p, "%.*s/../fixtures/bpftrace/%s", (int)(slash ? slash - __FILE__ : 1), slash ? __FILE__ : ".",
			 name);
	}
	return buf_detach(&p, NULL);
}

static inline char *read_fixture(const char *name)
{
	char *path = fixture_path(name);
	FILE *f = fopen(path, "rb");
	struct buf b = BUF_INIT;
	char chunk[4096];
	size_t n;

	if (!f)
		fail_msg("cannot open fixture '%s' (set SCORCH_BPFTRACE_GOLDENS or run from the repo root)", path);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		assert_int_equal(buf_add(&b, chunk, n), 0);
	fclose(f);
	free(path);
	return buf_detach(&b, NULL);
}

/* Compare with a golden file; on mismatch show the first differing line of each. */
static inline void assert_matches_fixture(const struct buf *got, const char *name)
{
	char *want = read_fixture(name);

	if (strcmp(got->data, want) != 0) {
		const char *g = got->data, *w = want;
		int line = 1;

		while (*g && *g == *w) {
			if (*g == '\n')
				line++;
			g++;
			w++;
		}
		while (g > got->data && g[-1] != '\n' && w > want && w[-1] != '\n') {
			g--;
			w--;
		}
		print_error("%s differs at line %d\n  bpftrace: %.*s\n  scorch:   %.*s\n", name, line,
			    (int)strcspn(w, "\n"), w, (int)strcspn(g, "\n"), g);
		free(want);
		fail();
	}
	free(want);
}

static inline struct output_value vint(int64_t v, unsigned int bytes, bool is_signed)
{
	struct output_value x = { .kind = OUTPUT_INT };

	x.i = v;
	x.bytes = (uint8_t)bytes;
	x.is_signed = is_signed;
	return x;
}

static inline struct output_value i64(int64_t v)
{
	return vint(v, 8, true);
}

static inline struct output_value u64(uint64_t v)
{
	return vint((int64_t)v, 8, false);
}

static inline struct output_value str(const char *s)
{
	/* bpftrace strings are 64-byte buffers: pass one so the length cap is exercised */
	struct output_value x = { .kind = OUTPUT_STRING };

	x.str.s = s;
	x.str.len = strlen(s) + 1 < 64 ? strlen(s) + 1 : 64;
	return x;
}

static inline struct output_value sym(uint64_t addr, const char *name)
{
	struct output_value x = { .kind = OUTPUT_SYM };

	x.sym.addr = addr;
	x.sym.name = name;
	return x;
}

static inline struct output_value ptr(int64_t v)
{
	struct output_value x = { .kind = OUTPUT_POINTER };

	x.i = v;
	x.bytes = 8;
	return x;
}

/* Emit the whole output of one program into o; run once per format by check_fixture(). */
typedef void program_fn(const struct output *o);

static inline void check_fixture(const char *name, program_fn *program)
{
	static const struct {
		enum output_format format;
		const char *ext;
	} formats[] = { { OUTPUT_TEXT, "txt" }, { OUTPUT_JSON, "json" } };

	for (size_t i = 0; i < 2; i++) {
		struct buf b = BUF_INIT;
		struct output o = { .format = formats[i].format, .buf = &b };
		char file[128];

		program(&o);
		snprintf(file, sizeof(file), "%s.%s", name, formats[i].ext);
		assert_matches_fixture(&b, file);
		buf_release(&b);
	}
}

#define PRINTF(o, fmt, ...)                                                                              \
	do {                                                                                             \
		struct output_value args_[] = { __VA_ARGS__ };                                           \
		assert_int_equal(output_printf(o, fmt, args_, sizeof(args_) / sizeof(args_[0])), 0);  \
	} while (0)

#endif

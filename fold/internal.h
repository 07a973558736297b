/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers shared inside fold/ by the text readers; nothing outside fold/ includes this. */
#ifndef SCORCH_FOLD_INTERNAL_H
#define SCORCH_FOLD_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <string.h>

#include "fold/fold.h"
#include "lib/buf.h"

struct perf_script_state;
struct folded_state;

/* A streaming text reader (see fold.h): line splitting here, parsing per kind in perf_script.c / folded.c. */
struct fold_reader {
	enum fold_text_kind kind;
	struct profile *p;
	struct fold_read_opts o;
	struct fold_read_stats st;
	struct buf carry;  /* the unfinished line of the previous chunk */
	bool overlong;     /* skipping the rest of a line longer than FOLD_LINE_MAX */
	bool finished;
	int failed;        /* first fatal error; the reader refuses more input */
	struct perf_script_state *ps;
	struct folded_state *fs;
};

/* Count a malformed line, pass it to the warn callback. */
void fold_reader_malformed(struct fold_reader *r, const char *reason, const char *s, size_t len);

/* ASCII character classes as Perl's \s, \d and \w see bytes (no locale, no Unicode). */
static inline bool fold_is_space(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}
static inline bool fold_is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}
static inline bool fold_is_word(unsigned char c)
{
	return fold_is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

/* A byte range of a line. */
struct span {
	const char *s;
	size_t n;
};

static inline bool span_eq(struct span a, const char *lit)
{
	size_t n = strlen(lit);
	return a.n == n && memcmp(a.s, lit, n) == 0;
}

static inline bool span_has(struct span a, const char *lit)
{
	size_t n = strlen(lit);
	return a.n >= n && memmem(a.s, a.n, lit, n) != NULL;
}

/* perf_script_match.c: stackcollapse-perf.pl's expressions on one line `s` of `n` bytes. */
/* /^(\S.+?)\s+(\d+)[\/]*(\d+)*\s+/, a sample header: its comm, pid and tid (tid.n = 0 when absent). */
bool perf_script_match_header(const char *s, size_t n, struct span *comm, struct span *pid, struct span *tid);
/* /:\s*(\d+)*\s+(\S+):\s*$/ on a header: its period (n = 0 when absent) and event. */
bool perf_script_match_event(const char *s, size_t n, struct span *period, struct span *event);
/* /^\s*(\w+)\s*(.+) \((.*)\)/, a frame line: address, symbol, module. */
bool perf_script_match_frame(const char *s, size_t n, struct span *pc, struct span *func, struct span *mod);
/* $mod =~ m/(^\[|vmlinux$)/ && $mod !~ /unknown/ */
bool perf_script_mod_is_kernel(struct span mod);
/* $mod =~ m:/tmp/perf-\d+\.map: */
bool perf_script_mod_is_jit(struct span mod);
/* $tidy_generic and (for a "java..." process) $tidy_java, on `name` in place. */
void perf_script_tidy(struct buf *name, bool java);

/* Per-kind parsers: state set-up, one line (without its '\n'), end of input, teardown. */
int perf_script_begin(struct fold_reader *r);
int perf_script_line(struct fold_reader *r, const char *s, size_t len, struct errbuf *err);
int perf_script_end(struct fold_reader *r, struct errbuf *err);
void perf_script_free(struct fold_reader *r);

int folded_begin(struct fold_reader *r);
int folded_line(struct fold_reader *r, const char *s, size_t len, struct errbuf *err);
int folded_end(struct fold_reader *r, struct errbuf *err);
void folded_free(struct fold_reader *r);

/* Parse "\d+(\.\d*)?" at [s, s+len) exactly; rounds a fraction half up. False if not a number or too large. */
bool fold_parse_count(const char *s, size_t len, int64_t *out, bool *fraction);

#endif

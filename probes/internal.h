/* SPDX-License-Identifier: Apache-2.0 */
/* Declarations shared by the stages of probes/ (lexer, parser, checker, codegen, runtime); nothing outside includes it. */
#ifndef SCORCH_PROBES_INTERNAL_H
#define SCORCH_PROBES_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"
#include "probes/ast.h"

/* ---- diagnostics ------------------------------------------------------------------------------ */

/*
 * Located messages: "FILE:LINE:COL: error: MESSAGE", the source line and a
 * caret under the span, appended to `out`. The first error stops the stage
 * that reports it; warnings go to `out` too and do not stop anything.
 */
struct diag {
	const char *file;	/* shown name: the script path, or "-e" */
	const char *src;	/* borrowed source text */
	size_t len;
	struct buf out;		/* formatted messages (owned) */
	int nerrors;
	int nwarnings;
};

void diag_init(struct diag *d, const char *file, const char *src, size_t len);
void diag_release(struct diag *d);
/* Record an error at `sp`; returns -EINVAL so callers can `return diag_error(...)`. */
int diag_error(struct diag *d, struct span sp, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int diag_verror(struct diag *d, struct span sp, const char *fmt, va_list ap) __attribute__((format(printf, 3, 0)));
void diag_warn(struct diag *d, struct span sp, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/*
 * The candidate closest to `word` by edit distance, if close enough to be a
 * likely typo (distance <= 2 and less than half the word), else NULL.
 */
const char *diag_suggest(const char *word, const char *const *cands, size_t n);

/* ---- lexer -------------------------------------------------------------------------------------- */

struct token {
	enum tok kind;
	struct span span;
	const char *text;	/* the token in the source (borrowed) */
	size_t len;
	uint64_t ival;		/* T_INT, T_PARAM */
	char *sval;		/* T_STR decoded bytes, T_ATTACH text (NUL-terminated, in the arena) */
	size_t slen;
};

struct lexer {
	const char *src;
	size_t len;
	size_t pos;
	uint32_t line, col;
	struct diag *d;
	struct arena *arena;
};

void lexer_init(struct lexer *lx, const char *src, size_t len, struct diag *d, struct arena *arena);
/* The next ordinary token. Errors are reported to lx->d and return T_ERROR. */
void lexer_next(struct lexer *lx, struct token *t);
/*
 * The next attach point, read raw up to whitespace, ',', '{' or '}' (paths may
 * contain '/', '.', '*', '+'); a quoted piece keeps its spaces. Returns T_EOF
 * at the end of input, T_LBRACE or T_COMMA when one comes first.
 */
void lexer_next_attach(struct lexer *lx, struct token *t);

/* ---- parser ------------------------------------------------------------------------------------- */

/* Parse `src` into a new program (you own it: program_free()). NULL with an error in `d`, or on ENOMEM. */
struct program *parse_program(const char *src, size_t len, struct diag *d);

#endif

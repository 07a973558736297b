// SPDX-License-Identifier: Apache-2.0
/* Located error messages for the language: "FILE:LINE:COL: error: ...", the source line and a caret. */
#include "probes/internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void diag_init(struct diag *d, const char *file, const char *src, size_t len)
{
	d->file = file;
	d->src = src;
	d->len = len;
	buf_init(&d->out);
	d->nerrors = 0;
	d->nwarnings = 0;
}

void diag_release(struct diag *d)
{
	buf_release(&d->out);
}

static void show_line(struct diag *d, struct span sp)
{
	size_t off = sp.off <= d->len ? sp.off : d->len;
	size_t start = off, end = off;
	while (start > 0 && d->src[start - 1] != '\n')
		start--;
	while (end < d->len && d->src[end] != '\n')
		end++;
	/* the line, with control characters made visible so the caret lines up */
	for (size_t i = start; i < end; i++) {
		unsigned char c = (unsigned char)d->src[i];
		buf_addch(&d->out, (c < 0x20 && c != '\t') || c == 0x7f ? '?' : (char)c);
	}
	buf_addch(&d->out, '\n');
	for (size_t i = start; i < off; i++)
		buf_addch(&d->out, d->src[i] == '\t' ? '\t' : ' ');
	buf_addch(&d->out, '^');
	size_t n = sp.len;
	if (off + n > end)
		n = end > off ? end - off : 1;
	for (size_t i = 1; i < n; i++)
		buf_addch(&d->out, '~');
	buf_addch(&d->out, '\n');
}

static void report(struct diag *d, const char *level, struct span sp, const char *fmt, va_list ap)
{
	buf_addf(&d->out, "%s:%u:%u: %s: ", d->file ? d->file : "-e", sp.line ? sp.line : 1, sp.col ? sp.col : 1,
		 level);
	buf_vaddf(&d->out, fmt, ap);
	buf_addch(&d->out, '\n');
	if (d->src)
		show_line(d, sp);
}

int diag_verror(struct diag *d, struct span sp, const char *fmt, va_list ap)
{
	d->nerrors++;
	report(d, "error", sp, fmt, ap);
	return -EINVAL;
}

int diag_error(struct diag *d, struct span sp, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = diag_verror(d, sp, fmt, ap);
	va_end(ap);
	return r;
}

void diag_warn(struct diag *d, struct span sp, const char *fmt, ...)
{
	va_list ap;
	d->nwarnings++;
	va_start(ap, fmt);
	report(d, "warning", sp, fmt, ap);
	va_end(ap);
}

/* Levenshtein distance, capped: returns > cap as soon as it cannot be <= cap. */
static size_t edit_distance(const char *a, const char *b, size_t cap)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 64 || lb > 64)
		return cap + 1;
	if ((la > lb ? la - lb : lb - la) > cap)
		return cap + 1;
	size_t row[65];
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t prev = row[0];
		row[0] = i;
		size_t best = row[0];
		for (size_t j = 1; j <= lb; j++) {
			size_t cur = row[j];
			size_t sub = prev + (a[i - 1] != b[j - 1]);
			size_t del = row[j] + 1, ins = row[j - 1] + 1;
			row[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
			prev = cur;
			if (row[j] < best)
				best = row[j];
		}
		if (best > cap)
			return cap + 1;
	}
	return row[lb];
}

const char *diag_suggest(const char *word, const char *const *cands, size_t n)
{
	size_t wl = strlen(word);
	size_t cap = wl <= 2 ? 0 : wl <= 4 ? 1 : 2;
	const char *best = NULL;
	size_t bestd = cap + 1;
	for (size_t i = 0; i < n; i++) {
		if (!cands[i] || strcmp(cands[i], word) == 0)
			continue;
		size_t dist = edit_distance(word, cands[i], cap);
		if (dist < bestd) {
			bestd = dist;
			best = cands[i];
		}
	}
	return best;
}

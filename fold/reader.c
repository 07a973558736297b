// SPDX-License-Identifier: Apache-2.0
/* Streaming text readers (see fold.h): line splitting, kind detection, and dispatch to the per-kind parsers. */
#include "fold/fold.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fold/internal.h"
#include "fold/profile.h"
#include "lib/err.h"

bool fold_parse_count(const char *s, size_t len, int64_t *out, bool *fraction)
{
	size_t i = 0;
	uint64_t v = 0;
	*fraction = false;
	if (!len || !fold_is_digit((unsigned char)s[0]))
		return false;
	for (; i < len && fold_is_digit((unsigned char)s[i]); i++) {
		unsigned d = (unsigned)(s[i] - '0');
		if (v > ((uint64_t)INT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	if (i < len) {
		if (s[i] != '.')
			return false;
		size_t f = i + 1;
		for (size_t j = f; j < len; j++)
			if (!fold_is_digit((unsigned char)s[j]))
				return false;
		if (f < len) {
			*fraction = true;
			if (s[f] >= '5' && v < (uint64_t)INT64_MAX)
				v++;
		}
	}
	*out = (int64_t)v;
	return true;
}

/* Does the line end in whitespace and a count, as folded lines do? */
static bool looks_folded(const char *s, size_t n)
{
	if (n && s[n - 1] == '\r')
		n--;
	size_t i = n;
	while (i > 0 && (fold_is_digit((unsigned char)s[i - 1]) || s[i - 1] == '.'))
		i--;
	if (i == n || i == 0 || !fold_is_space((unsigned char)s[i - 1]) || !fold_is_digit((unsigned char)s[i]))
		return false;
	int64_t v;
	bool frac;
	return fold_parse_count(s + i, n - i, &v, &frac);
}

/* Does the line end in "event:" (and spaces), as perf script sample headers do? */
static bool looks_header(const char *s, size_t n)
{
	while (n > 0 && fold_is_space((unsigned char)s[n - 1]))
		n--;
	return n > 1 && s[n - 1] == ':' && !fold_is_space((unsigned char)s[0]);
}

enum fold_text_kind fold_text_detect(const char *data, size_t len)
{
	unsigned folded = 0, script = 0, seen = 0;
	bool first_header = false, first = true;
	const char *s = data, *end = data + len;

	while (s < end && seen < 200) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t n = nl ? (size_t)(nl - s) : (size_t)(end - s);
		if (!nl && seen)
			break; /* a head cut mid-line: its last piece could look like anything */
		if (n == 0) {
			if (seen)
				script++; /* perf script ends each sample with a blank line; one before any line says nothing */
		} else if (s[0] != '#') {
			seen++;
			if (fold_is_space((unsigned char)s[0]))
				script++;
			else if (looks_folded(s, n))
				folded++;
			else if (looks_header(s, n))
				script++;
			if (first) {
				/* A lone unlabelled line: a "comm pid ..." start says perf script. */
				const char *sp = memchr(s, ' ', n);
				first_header = !fold_is_space((unsigned char)s[0]) && sp && sp + 1 < s + n &&
					       fold_is_digit((unsigned char)sp[1]);
				first = false;
			}
		}
		if (!nl)
			break;
		s = nl + 1;
	}
	if (folded > script)
		return FOLD_TEXT_FOLDED;
	if (script > 0 && seen > 0)
		return FOLD_TEXT_PERF_SCRIPT;
	if (!seen)
		return FOLD_TEXT_UNKNOWN;
	return first_header ? FOLD_TEXT_PERF_SCRIPT : FOLD_TEXT_FOLDED;
}

struct fold_reader *fold_reader_new(enum fold_text_kind kind, struct profile *p, const struct fold_read_opts *o)
{
	if (kind != FOLD_TEXT_PERF_SCRIPT && kind != FOLD_TEXT_FOLDED) {
		errno = EINVAL;
		return NULL;
	}
	struct fold_reader *r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->kind = kind;
	r->p = p;
	if (o)
		r->o = *o;
	buf_init(&r->carry);
	int rc = kind == FOLD_TEXT_PERF_SCRIPT ? perf_script_begin(r) : folded_begin(r);
	if (rc < 0) {
		fold_reader_free(r);
		errno = -rc;
		return NULL;
	}
	return r;
}

void fold_reader_free(struct fold_reader *r)
{
	if (!r)
		return;
	perf_script_free(r);
	folded_free(r);
	buf_release(&r->carry);
	free(r);
}

const struct fold_read_stats *fold_reader_stats(const struct fold_reader *r)
{
	return &r->st;
}

void fold_reader_malformed(struct fold_reader *r, const char *reason, const char *s, size_t len)
{
	r->st.malformed++;
	if (r->o.warn)
		r->o.warn(r->o.warn_arg, r->st.lines, reason, s, len);
}

static int parse_line(struct fold_reader *r, const char *s, size_t len, struct errbuf *err)
{
	r->st.lines++;
	if (len > FOLD_LINE_MAX) {
		fold_reader_malformed(r, "line longer than 64 MiB", s, 256);
		return 0;
	}
	return r->kind == FOLD_TEXT_PERF_SCRIPT ? perf_script_line(r, s, len, err) : folded_line(r, s, len, err);
}

/* The end of an overlong line that was being skipped. */
static void overlong_done(struct fold_reader *r)
{
	r->st.lines++;
	fold_reader_malformed(r, "line longer than 64 MiB", r->carry.data, r->carry.len);
	buf_reset(&r->carry);
	r->overlong = false;
}

/* Keep a partial line for the next chunk; past FOLD_LINE_MAX keep only its start, for the report. */
static int carry_add(struct fold_reader *r, const char *s, size_t n, struct errbuf *err)
{
	if (r->overlong)
		return 0;
	if (r->carry.len + n > FOLD_LINE_MAX) {
		r->overlong = true;
		if (r->carry.len < 256 && buf_add(&r->carry, s, 256 - r->carry.len < n ? 256 - r->carry.len : n))
			goto nomem;
		if (r->carry.len > 256)
			buf_truncate(&r->carry, 256);
		return 0;
	}
	if (buf_add(&r->carry, s, n) == 0)
		return 0;
nomem:
	return errbuf_set(err, -ENOMEM, "cannot read input: out of memory");
}

int fold_reader_feed(struct fold_reader *r, const void *data, size_t len, struct errbuf *err)
{
	const char *s = data, *end = s + len;
	int rc = 0;

	if (r->failed || r->finished)
		return errbuf_set(err, r->failed ? r->failed : -EINVAL, "reader used after a failure or its end");
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		if (!nl) {
			rc = carry_add(r, s, (size_t)(end - s), err);
			break;
		}
		if (r->overlong) {
			overlong_done(r);
		} else if (r->carry.len) {
			rc = carry_add(r, s, (size_t)(nl - s), err);
			if (rc)
				break;
			if (r->overlong) {
				overlong_done(r);
			} else {
				rc = parse_line(r, r->carry.data, r->carry.len, err);
				buf_reset(&r->carry);
			}
		} else {
			rc = parse_line(r, s, (size_t)(nl - s), err);
		}
		if (rc)
			break;
		s = nl + 1;
	}
	if (rc)
		r->failed = rc;
	return rc;
}

int fold_reader_finish(struct fold_reader *r, struct errbuf *err)
{
	int rc = 0;
	if (r->failed || r->finished)
		return errbuf_set(err, r->failed ? r->failed : -EINVAL, "reader used after a failure or its end");
	if (r->overlong)
		overlong_done(r);
	else if (r->carry.len)
		rc = parse_line(r, r->carry.data, r->carry.len, err);
	buf_release(&r->carry);
	if (!rc)
		rc = r->kind == FOLD_TEXT_PERF_SCRIPT ? perf_script_end(r, err) : folded_end(r, err);
	if (!rc && r->st.malformed && profile_add_loss(r->p, FOLD_LOSS_MALFORMED, r->st.malformed) < 0)
		rc = errbuf_set(err, -ENOMEM, "cannot read input: out of memory");
	r->finished = true;
	if (rc)
		r->failed = rc;
	return rc;
}

int fold_read_mem(enum fold_text_kind kind, const void *data, size_t len, struct profile *p,
		  const struct fold_read_opts *o, struct fold_read_stats *st, struct errbuf *err)
{
	struct fold_reader *r = fold_reader_new(kind, p, o);
	if (!r)
		return errbuf_set(err, -errno, "cannot read input: %s", strerror(errno));
	int rc = fold_reader_feed(r, data, len, err);
	if (!rc)
		rc = fold_reader_finish(r, err);
	if (st) {
		*st = r->st;
		st->event = NULL; /* borrowed from the reader, which is gone */
		st->other_event = NULL;
	}
	fold_reader_free(r);
	return rc;
}

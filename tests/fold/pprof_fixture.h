/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers for the fold/pprof tests: a strict decoder of pprof's wire format, profile builders, write-and-decode. */
#ifndef SCORCH_TESTS_FOLD_PPROF_FIXTURE_H
#define SCORCH_TESTS_FOLD_PPROF_FIXTURE_H

/*
 * pprof_write()'s output is inflated and decoded here by a strict reader of the
 * wire format written from profile.proto, then checked against the stacks the
 * test put in; the real Go pprof reads it too when go is installed
 * (tests/golden/pprof_go.sh does that at length).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "fold/fold.h"
#include "fold/pprof.h"
#include "fold/profile.h"
#include "lib/buf.h"
#include "lib/err.h"

/* ---- a strict decoder of the wire format ------------------------------------------------------ */

struct cursor {
	const uint8_t *p, *end;
};

struct field {
	uint32_t num;
	int wt;
	uint64_t v;       /* varint */
	struct cursor in; /* length-delimited */
};

static inline uint64_t read_varint(struct cursor *c)
{
	uint64_t v = 0;
	for (int shift = 0; shift < 70; shift += 7) {
		if (c->p >= c->end)
			fail_msg("truncated varint");
		uint8_t b = *c->p++;
		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return v;
	}
	fail_msg("varint longer than 10 bytes");
	return 0;
}

static inline bool read_field(struct cursor *c, struct field *f)
{
	if (c->p == c->end)
		return false;
	uint64_t key = read_varint(c);
	f->num = (uint32_t)(key >> 3);
	f->wt = (int)(key & 7);
	assert_true(f->num > 0);
	if (f->wt == 0) {
		f->v = read_varint(c);
	} else if (f->wt == 2) {
		uint64_t n = read_varint(c);
		assert_true(n <= (uint64_t)(c->end - c->p));
		f->in.p = c->p;
		f->in.end = c->p + n;
		c->p += n;
	} else {
		fail_msg("unexpected wire type %d", f->wt);
	}
	return true;
}

/* A repeated varint field, packed (wire type 2) or not (0), appended to `a`. */
static inline void read_repeated(const struct field *f, uint64_t **a, size_t *n)
{
	struct cursor c = f->in;
	do {
		uint64_t v = f->wt == 0 ? f->v : read_varint(&c);
		*a = realloc(*a, (*n + 1) * sizeof(**a));
		assert_non_null(*a);
		(*a)[(*n)++] = v;
	} while (f->wt == 2 && c.p < c.end);
}

struct dline {
	uint64_t func;
	int64_t line;
};
struct dloc {
	uint64_t id, mapping, address;
	struct dline lines[16];
	size_t nlines;
};
struct dfunc {
	uint64_t id;
	int64_t name, system_name, filename;
};
struct dmap {
	uint64_t id, flags[11];
	int64_t filename;
};
struct dsample {
	uint64_t *locs;
	size_t nlocs;
	uint64_t *values;
	size_t nvalues;
};
struct decoded {
	int64_t types[PROFILE_MAX_VALUES + 1][2];
	size_t ntypes;
	struct dsample samples[64];
	size_t nsamples;
	struct dloc *locs;
	size_t nlocs;
	struct dfunc *funcs;
	size_t nfuncs;
	struct dmap maps[16];
	size_t nmaps;
	struct buf strs[256];
	size_t nstrs;
	int64_t time, duration, period, period_type[2], default_type;
	uint64_t *comments;
	size_t ncomments;
	size_t seen[17]; /* how often each Profile field came */
};

static inline void decode_profile(struct decoded *d, const uint8_t *data, size_t len)
{
	memset(d, 0, sizeof(*d));
	struct cursor c = { data, data + len };
	struct field f, g, h;
	while (read_field(&c, &f)) {
		assert_true(f.num <= 16);
		d->seen[f.num]++;
		switch (f.num) {
		case 1: /* sample_type */
		case 11: /* period_type */ {
			assert_int_equal(f.wt, 2);
			int64_t *vt = f.num == 1 ? d->types[d->ntypes++] : d->period_type;
			assert_true(d->ntypes <= PROFILE_MAX_VALUES);
			while (read_field(&f.in, &g))
				if (g.num == 1 || g.num == 2)
					vt[g.num - 1] = (int64_t)g.v;
			break;
		}
		case 2: { /* sample */
			assert_true(d->nsamples < 64);
			struct dsample *s = &d->samples[d->nsamples++];
			while (read_field(&f.in, &g)) {
				if (g.num == 1)
					read_repeated(&g, &s->locs, &s->nlocs);
				else if (g.num == 2)
					read_repeated(&g, &s->values, &s->nvalues);
				else
					fail_msg("unexpected Sample field %u", g.num);
			}
			break;
		}
		case 3: { /* mapping */
			assert_true(d->nmaps < 16);
			struct dmap *m = &d->maps[d->nmaps++];
			while (read_field(&f.in, &g)) {
				assert_true(g.num <= 10 && g.wt == 0);
				if (g.num == 5)
					m->filename = (int64_t)g.v;
				else if (g.num == 1)
					m->id = g.v;
				else
					m->flags[g.num] = g.v;
			}
			break;
		}
		case 4: { /* location */
			d->locs = realloc(d->locs, (d->nlocs + 1) * sizeof(*d->locs));
			assert_non_null(d->locs);
			struct dloc *l = memset(&d->locs[d->nlocs++], 0, sizeof(*d->locs));
			while (read_field(&f.in, &g)) {
				if (g.num == 1)
					l->id = g.v;
				else if (g.num == 2)
					l->mapping = g.v;
				else if (g.num == 3)
					l->address = g.v;
				else if (g.num == 4) {
					assert_true(l->nlines < 16);
					struct dline *ln = &l->lines[l->nlines++];
					while (read_field(&g.in, &h)) {
						if (h.num == 1)
							ln->func = h.v;
						else if (h.num == 2)
							ln->line = (int64_t)h.v;
					}
				} else
					fail_msg("unexpected Location field %u", g.num);
			}
			break;
		}
		case 5: { /* function */
			d->funcs = realloc(d->funcs, (d->nfuncs + 1) * sizeof(*d->funcs));
			assert_non_null(d->funcs);
			struct dfunc *fn = memset(&d->funcs[d->nfuncs++], 0, sizeof(*d->funcs));
			while (read_field(&f.in, &g)) {
				assert_int_equal(g.wt, 0);
				if (g.num == 1)
					fn->id = g.v;
				else if (g.num == 2)
					fn->name = (int64_t)g.v;
				else if (g.num == 3)
					fn->system_name = (int64_t)g.v;
				else if (g.num == 4)
					fn->filename = (int64_t)g.v;
			}
			break;
		}
		case 6: /* string_table */
			assert_int_equal(f.wt, 2);
			assert_true(d->nstrs < 256);
			buf_init(&d->strs[d->nstrs]);
			assert_int_equal(buf_add(&d->strs[d->nstrs++], f.in.p, (size_t)(f.in.end - f.in.p)), 0);
			break;
		case 9: d->time = (int64_t)f.v; break;
		case 10: d->duration = (int64_t)f.v; break;
		case 12: d->period = (int64_t)f.v; break;
		case 13: read_repeated(&f, &d->comments, &d->ncomments); break;
		case 14: d->default_type = (int64_t)f.v; break;
		default: fail_msg("unexpected Profile field %u", f.num);
		}
	}
}

static inline void decoded_release(struct decoded *d)
{
	for (size_t i = 0; i < d->nsamples; i++) {
		free(d->samples[i].locs);
		free(d->samples[i].values);
	}
	free(d->locs);
	free(d->funcs);
	for (size_t i = 0; i < d->nstrs; i++)
		buf_release(&d->strs[i]);
	free(d->comments);
}

static inline const char *str(const struct decoded *d, int64_t i)
{
	assert_true(i >= 0 && (size_t)i < d->nstrs);
	return d->strs[i].data;
}

static inline const struct dloc *loc(const struct decoded *d, uint64_t id)
{
	for (size_t i = 0; i < d->nlocs; i++)
		if (d->locs[i].id == id)
			return &d->locs[i];
	fail_msg("no location %llu", (unsigned long long)id);
	return NULL;
}

static inline const struct dfunc *func(const struct decoded *d, uint64_t id)
{
	for (size_t i = 0; i < d->nfuncs; i++)
		if (d->funcs[i].id == id)
			return &d->funcs[i];
	fail_msg("no function %llu", (unsigned long long)id);
	return NULL;
}

/*
 * What profile.proto requires of every profile: string_table[0] = "", string
 * indexes in range, unique nonzero ids, every referenced id defined, one value
 * per sample type. Strings are also not repeated (a compact table).
 */
static inline void check_valid(const struct decoded *d)
{
	assert_true(d->nstrs >= 1);
	assert_int_equal(d->strs[0].len, 0);
	for (size_t i = 1; i < d->nstrs; i++)
		for (size_t j = 0; j < i; j++)
			assert_false(d->strs[i].len == d->strs[j].len &&
				     !memcmp(d->strs[i].data, d->strs[j].data, d->strs[i].len));
	for (size_t i = 0; i < d->ntypes; i++) {
		str(d, d->types[i][0]);
		str(d, d->types[i][1]);
	}
	for (size_t i = 0; i < d->nmaps; i++) {
		assert_int_equal(d->maps[i].id, i + 1);
		str(d, d->maps[i].filename);
		assert_int_equal(d->maps[i].flags[7], 1); /* has_functions: pprof must not re-symbolize */
	}
	for (size_t i = 0; i < d->nfuncs; i++) {
		assert_int_equal(d->funcs[i].id, i + 1);
		str(d, d->funcs[i].name);
		str(d, d->funcs[i].filename);
		assert_int_equal(d->funcs[i].system_name, 0);
	}
	for (size_t i = 0; i < d->nlocs; i++) {
		const struct dloc *l = &d->locs[i];
		assert_int_equal(l->id, i + 1);
		assert_true(l->mapping >= 1 && l->mapping <= d->nmaps);
		assert_true(l->nlines >= 1);
		for (size_t k = 0; k < l->nlines; k++)
			func(d, l->lines[k].func);
	}
	for (size_t i = 0; i < d->nsamples; i++) {
		assert_int_equal(d->samples[i].nvalues, d->ntypes);
		for (size_t k = 0; k < d->samples[i].nlocs; k++)
			loc(d, d->samples[i].locs[k]);
	}
	for (size_t i = 0; i < d->ncomments; i++)
		str(d, (int64_t)d->comments[i]);
}

/* Sample `i` as text, root first: frames joined by ';', "@i" on lines inlined into the next one. */
static inline void sample_text(const struct decoded *d, size_t i, struct buf *out)
{
	const struct dsample *s = &d->samples[i];
	buf_reset(out);
	for (size_t k = s->nlocs; k-- > 0;) {
		const struct dloc *l = loc(d, s->locs[k]);
		for (size_t j = l->nlines; j-- > 0;) {
			if (out->len)
				buf_addch(out, ';');
			buf_addstr(out, str(d, func(d, l->lines[j].func)->name));
			if (j + 1 < l->nlines) /* pprof's last line is the physical frame */
				buf_addstr(out, "@i");
		}
	}
}

/* ---- writing ---------------------------------------------------------------------------------- */

static inline uint8_t *inflate_all(const char *gz, size_t len, size_t *out_len)
{
	z_stream z = { 0 };
	assert_int_equal(inflateInit2(&z, 15 + 16), Z_OK); /* gzip only */
	size_t cap = 4096, n = 0;
	uint8_t *out = malloc(cap);
	assert_non_null(out);
	z.next_in = (Bytef *)gz;
	z.avail_in = (uInt)len;
	int rc;
	do {
		if (n == cap) {
			cap *= 2;
			out = realloc(out, cap);
			assert_non_null(out);
		}
		z.next_out = out + n;
		z.avail_out = (uInt)(cap - n);
		rc = inflate(&z, Z_NO_FLUSH);
		assert_true(rc == Z_OK || rc == Z_STREAM_END);
		n = cap - z.avail_out;
	} while (rc != Z_STREAM_END);
	assert_int_equal(z.avail_in, 0); /* nothing after the gzip member */
	inflateEnd(&z);
	*out_len = n;
	return out;
}

/* Write `p` with `o`, check the gzip header, decode into `d` and check it is valid. */
static inline void write_decode(const struct profile *p, const struct pprof_opts *o, struct decoded *d)
{
	char *gz = NULL;
	size_t gzlen = 0;
	FILE *f = open_memstream(&gz, &gzlen);
	assert_non_null(f);
	struct errbuf err;
	errbuf_init(&err);
	int rc = pprof_write(f, p, o, &err);
	if (rc)
		fail_msg("pprof_write: %d %s", rc, err.msg.data);
	errbuf_release(&err);
	fclose(f);
	assert_true(gzlen > 18);
	assert_memory_equal(gz, "\x1f\x8b\x08", 3); /* gzip magic, deflate */
	size_t len;
	uint8_t *raw = inflate_all(gz, gzlen, &len);
	decode_profile(d, raw, len);
	check_valid(d);
	free(raw);
	free(gz);
}

/* A frame "name" of kind `k` ('u' user, 'i' inlined, 'k' kernel, 's' synthetic) with module and file:line. */
static inline uint32_t frame(struct profile *p, const char *name, char k, const char *module, const char *file, uint32_t line)
{
	enum frame_kind kind = k == 'i' ? FRAME_INLINED : k == 'k' ? FRAME_KERNEL : k == 's' ? FRAME_SYNTHETIC : FRAME_USER;
	struct frame f = {
		.name = (uint32_t)profile_intern(p, name, strlen(name)),
		.module = module ? (uint32_t)profile_intern(p, module, strlen(module)) : 0,
		.file = file ? (uint32_t)profile_intern(p, file, strlen(file)) : 0,
		.line = line,
		.kind = kind,
	};
	int id = profile_frame(p, &f);
	assert_true(id >= 0);
	return (uint32_t)id;
}

/* Add stack "a;b@i;c@k" (root first; @i inlined, @k kernel, @s synthetic) with `values`. */
static inline void add(struct profile *p, const char *stack, const int64_t *values)
{
	uint32_t ids[64];
	size_t n = 0;
	char name[128];
	for (const char *s = stack; *s;) {
		const char *e = strchr(s, ';');
		size_t len = e ? (size_t)(e - s) : strlen(s);
		assert_true(len < sizeof(name) && n < 64);
		memcpy(name, s, len);
		name[len] = 0;
		char k = 'u';
		if (len > 2 && name[len - 2] == '@') {
			k = name[len - 1];
			name[len - 2] = 0;
		}
		ids[n++] = frame(p, name, k, k == 's' ? NULL : k == 'k' ? "[kernel.kallsyms]" : "/usr/bin/app", NULL, 0);
		s += len + (e != NULL);
	}
	assert_true(profile_add_stack(p, ids, n, values) >= 0);
}

static inline struct profile *new_profile(const char *type, const char *unit)
{
	struct profile *p = profile_new();
	assert_non_null(p);
	assert_int_equal(profile_add_value_type(p, type, unit), 0);
	return p;
}

#endif

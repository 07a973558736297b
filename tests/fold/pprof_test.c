// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests of fold/pprof.c: the output is inflated and decoded here by a
 * strict reader of the wire format written from profile.proto, then checked
 * against the stacks the test put in; the real Go pprof reads it too when go
 * is installed (tests/golden/pprof_go.sh does that at length).
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

/* ---- allocation failure injection (glibc lets a program replace malloc; not under ASan) -------- */

#ifndef __SANITIZE_ADDRESS__
extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t n);
extern void __libc_free(void *p);

static long alloc_fail_at = -1; /* fail the allocation with this index (counting from 0), -1: none */
static long alloc_count;        /* allocations since arming */
static long alloc_live;         /* blocks allocated and not freed */

static bool alloc_fails(void)
{
	if (alloc_fail_at < 0)
		return false;
	return alloc_count++ == alloc_fail_at;
}

void *malloc(size_t n)
{
	if (alloc_fails()) {
		errno = ENOMEM;
		return NULL;
	}
	void *p = __libc_malloc(n);
	alloc_live += p != NULL;
	return p;
}

void *calloc(size_t n, size_t size)
{
	if (alloc_fails()) {
		errno = ENOMEM;
		return NULL;
	}
	void *p = __libc_calloc(n, size);
	alloc_live += p != NULL;
	return p;
}

void *realloc(void *old, size_t n)
{
	if (alloc_fails()) {
		errno = ENOMEM;
		return NULL;
	}
	void *p = __libc_realloc(old, n);
	alloc_live += !old && p;
	return p;
}

void free(void *p)
{
	alloc_live -= p != NULL;
	__libc_free(p);
}
#endif

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

static uint64_t read_varint(struct cursor *c)
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

static bool read_field(struct cursor *c, struct field *f)
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
static void read_repeated(const struct field *f, uint64_t **a, size_t *n)
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

static void decode_profile(struct decoded *d, const uint8_t *data, size_t len)
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

static void decoded_release(struct decoded *d)
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

static const char *str(const struct decoded *d, int64_t i)
{
	assert_true(i >= 0 && (size_t)i < d->nstrs);
	return d->strs[i].data;
}

static const struct dloc *loc(const struct decoded *d, uint64_t id)
{
	for (size_t i = 0; i < d->nlocs; i++)
		if (d->locs[i].id == id)
			return &d->locs[i];
	fail_msg("no location %llu", (unsigned long long)id);
	return NULL;
}

static const struct dfunc *func(const struct decoded *d, uint64_t id)
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
static void check_valid(const struct decoded *d)
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
static void sample_text(const struct decoded *d, size_t i, struct buf *out)
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

static uint8_t *inflate_all(const char *gz, size_t len, size_t *out_len)
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
static void write_decode(const struct profile *p, const struct pprof_opts *o, struct decoded *d)
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
static uint32_t frame(struct profile *p, const char *name, char k, const char *module, const char *file, uint32_t line)
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
static void add(struct profile *p, const char *stack, const int64_t *values)
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

static struct profile *new_profile(const char *type, const char *unit)
{
	struct profile *p = profile_new();
	assert_non_null(p);
	assert_int_equal(profile_add_value_type(p, type, unit), 0);
	return p;
}

/* ---- tests ------------------------------------------------------------------------------------ */

static void test_pprof_stacks_round_trip_leaf_first(void **state)
{
	struct profile *p = new_profile("samples", "count");
	assert_int_equal(profile_add_value_type(p, "cpu", "nanoseconds"), 1);
	const char *stacks[] = { "app@s;main;work;hot", "app@s;main;work", "app@s;main;read;sys_read@k;schedule@k" };
	const char *names[] = { "app;main;work;hot", "app;main;work", "app;main;read;sys_read;schedule" };
	const int64_t values[][2] = { { 3, 30000000 }, { 1, 10000000 }, { 2, -5 } };
	for (size_t i = 0; i < 3; i++)
		add(p, stacks[i], values[i]);
	struct decoded d;
	write_decode(p, NULL, &d);
	assert_int_equal(d.ntypes, 2);
	assert_string_equal(str(&d, d.types[0][0]), "samples");
	assert_string_equal(str(&d, d.types[0][1]), "count");
	assert_string_equal(str(&d, d.types[1][0]), "cpu");
	assert_string_equal(str(&d, d.types[1][1]), "nanoseconds");
	assert_int_equal(d.nsamples, 3);
	struct buf t = BUF_INIT;
	for (size_t i = 0; i < 3; i++) {
		sample_text(&d, i, &t);
		assert_string_equal(t.data, names[i]);
		assert_int_equal((int64_t)d.samples[i].values[0], values[i][0]);
		assert_int_equal((int64_t)d.samples[i].values[1], values[i][1]);
	}
	/* the leaf is location_id[0] */
	assert_string_equal(str(&d, func(&d, loc(&d, d.samples[0].locs[0])->lines[0].func)->name), "hot");
	/* shared frames are one location each: app main work hot read sys_read schedule */
	assert_int_equal(d.nlocs, 7);
	assert_int_equal(d.nfuncs, 7);
	/* /usr/bin/app, [kernel.kallsyms], and the one for frames without a module */
	assert_int_equal(d.nmaps, 3);
	assert_string_equal(str(&d, d.maps[0].filename), "/usr/bin/app");
	buf_release(&t);
	decoded_release(&d);
	profile_free(p);
}

static void test_pprof_inlined_frames_share_a_location(void **state)
{
	struct profile *p = new_profile("samples", "count");
	uint32_t ids[] = {
		frame(p, "app", 's', NULL, NULL, 0),
		frame(p, "main", 'u', "/usr/bin/app", "main.c", 40),
		frame(p, "run", 'u', "/usr/bin/app", "run.c", 12),
		frame(p, "step", 'i', "/usr/bin/app", "step.h", 7),
		frame(p, "add", 'i', "/usr/bin/app", "math.h", 3),
		frame(p, "leaf", 'u', "/usr/bin/app", "leaf.c", 99),
	};
	int64_t one = 1;
	assert_true(profile_add_stack(p, ids, 6, &one) >= 0);
	/* inlined at the root, and above a process label: no caller to share */
	uint32_t root[] = { frame(p, "orphan", 'i', "/usr/bin/app", "o.c", 1), frame(p, "inner", 'i', "/usr/bin/app", "i.c", 2) };
	assert_true(profile_add_stack(p, root, 2, &one) >= 0);
	uint32_t label[] = { ids[0], root[0] };
	assert_true(profile_add_stack(p, label, 2, &one) >= 0);

	struct decoded d;
	write_decode(p, NULL, &d);
	struct buf t = BUF_INIT;
	sample_text(&d, 0, &t);
	assert_string_equal(t.data, "app;main;run;step@i;add@i;leaf");
	assert_int_equal(d.samples[0].nlocs, 4); /* app, main, run+step+add, leaf */
	const struct dloc *l = loc(&d, d.samples[0].locs[1]);
	assert_int_equal(l->nlines, 3);
	/* innermost first, each with its own line and file */
	const char *want[][2] = { { "add", "math.h" }, { "step", "step.h" }, { "run", "run.c" } };
	const int64_t lines[] = { 3, 7, 12 };
	for (size_t k = 0; k < 3; k++) {
		const struct dfunc *fn = func(&d, l->lines[k].func);
		assert_string_equal(str(&d, fn->name), want[k][0]);
		assert_string_equal(str(&d, fn->filename), want[k][1]);
		assert_int_equal(l->lines[k].line, lines[k]);
	}
	const struct dmap *m = &d.maps[l->mapping - 1];
	assert_string_equal(str(&d, m->filename), "/usr/bin/app");
	assert_int_equal(m->flags[8], 1);  /* has_filenames */
	assert_int_equal(m->flags[9], 1);  /* has_line_numbers */
	assert_int_equal(m->flags[10], 1); /* has_inline_frames */
	sample_text(&d, 1, &t);
	assert_string_equal(t.data, "orphan;inner@i");
	assert_int_equal(d.samples[1].nlocs, 1);
	sample_text(&d, 2, &t);
	assert_string_equal(t.data, "app;orphan");
	assert_int_equal(d.samples[2].nlocs, 2);
	buf_release(&t);
	decoded_release(&d);
	profile_free(p);
}

static void test_pprof_zero_empty_and_negative_samples(void **state)
{
	struct profile *p = new_profile("before", "count");
	assert_int_equal(profile_add_value_type(p, "after", "count"), 1);
	const int64_t zero[2] = { 0, 0 }, neg[2] = { INT64_MIN, -1 }, big[2] = { INT64_MAX, 1 };
	add(p, "a;b", zero);
	assert_true(profile_add_stack(p, NULL, 0, big) >= 0);
	add(p, "a;c", neg);
	struct decoded d;
	write_decode(p, NULL, &d);
	assert_int_equal(d.nsamples, 3); /* the model's stacks, all of them */
	assert_int_equal(d.samples[0].values[0], 0);
	assert_int_equal(d.samples[1].nlocs, 0);
	assert_int_equal((int64_t)d.samples[1].values[0], INT64_MAX);
	assert_int_equal((int64_t)d.samples[2].values[0], INT64_MIN);
	assert_int_equal((int64_t)d.samples[2].values[1], -1);
	decoded_release(&d);
	profile_free(p);
}

static void test_pprof_empty_profile(void **state)
{
	struct profile *p = new_profile("samples", "count");
	struct decoded d;
	write_decode(p, NULL, &d);
	assert_int_equal(d.ntypes, 1);
	assert_int_equal(d.nsamples, 0);
	assert_int_equal(d.nlocs, 0);
	assert_int_equal(d.nmaps, 0);
	assert_int_equal(d.nstrs, 3); /* "", "samples", "count" */
	decoded_release(&d);
	profile_free(p);
}

static void test_pprof_meta_losses_and_default(void **state)
{
	struct profile *p = new_profile("cpu", "nanoseconds");
	assert_int_equal(profile_add_value_type(p, "off-cpu", "nanoseconds"), 1);
	assert_int_equal(profile_meta_set(p, "event", "cpu-clock"), 0);
	assert_int_equal(profile_meta_set(p, PPROF_META_FREQUENCY, "49"), 0);
	assert_int_equal(profile_meta_set(p, PPROF_META_TIME_NS, "1700000000123456789"), 0);
	assert_int_equal(profile_meta_set(p, PPROF_META_DURATION_NS, "30000000000"), 0);
	assert_int_equal(profile_add_loss(p, "stack map full", 12), 0);
	assert_int_equal(profile_add_loss(p, "ring buffer overflow", 3), 0);
	const int64_t v[2] = { 1, 2 };
	add(p, "main", v);
	struct pprof_opts o = { .has_default_value = true, .default_value = 1 };
	struct decoded d;
	write_decode(p, &o, &d);
	assert_int_equal(d.time, 1700000000123456789LL);
	assert_int_equal(d.duration, 30000000000LL);
	assert_int_equal(d.period, 1000000000 / 49);
	assert_string_equal(str(&d, d.period_type[0]), "cpu");
	assert_string_equal(str(&d, d.period_type[1]), "nanoseconds");
	assert_string_equal(str(&d, d.default_type), "off-cpu");
	assert_int_equal(d.ncomments, 3);
	assert_string_equal(str(&d, (int64_t)d.comments[0]), "event: cpu-clock");
	assert_string_equal(str(&d, (int64_t)d.comments[1]), "lost: 12 stack map full");
	assert_string_equal(str(&d, (int64_t)d.comments[2]), "lost: 3 ring buffer overflow");
	decoded_release(&d);

	/* an explicit period wins over the frequency; numbers that are not plain are ignored */
	assert_int_equal(profile_meta_set(p, PPROF_META_PERIOD, "1000003"), 0);
	assert_int_equal(profile_meta_set(p, PPROF_META_PERIOD_TYPE, "cycles"), 0);
	assert_int_equal(profile_meta_set(p, PPROF_META_TIME_NS, "12x"), 0);
	assert_int_equal(profile_meta_set(p, PPROF_META_DURATION_NS, "99999999999999999999"), 0);
	write_decode(p, NULL, &d);
	assert_int_equal(d.period, 1000003);
	assert_string_equal(str(&d, d.period_type[0]), "cycles");
	assert_string_equal(str(&d, d.period_type[1]), "nanoseconds"); /* the first value type's unit */
	assert_int_equal(d.seen[9], 0);
	assert_int_equal(d.seen[10], 0);
	assert_int_equal(d.seen[14], 0); /* no default: pprof takes the last */
	decoded_release(&d);
	profile_free(p);
}

/* Proto3 strings must be valid UTF-8: each byte of a bad sequence becomes U+FFFD, the rest is kept. */
static void test_pprof_names_made_valid_utf8(void **state)
{
#define CASE(in, out) { in, sizeof(in) - 1, out, sizeof(out) - 1 }
	static const struct {
		const char *in;
		size_t len;
		const char *out;
		size_t out_len;
	} cases[] = {
		CASE("plain \"quoted\" \\ <tag> &amp;", "plain \"quoted\" \\ <tag> &amp;"),
		CASE("ctl\x01\x1b[0m\ttab\nnl\r", "ctl\x01\x1b[0m\ttab\nnl\r"),
		CASE("nul\0byte", "nul\0byte"),
		CASE("日本語 🔥", "日本語 🔥"),
		CASE("bad\xff", "bad\xef\xbf\xbd"),
		CASE("overlong\xc0\x80", "overlong\xef\xbf\xbd\xef\xbf\xbd"),
		CASE("surrogate\xed\xa0\x80", "surrogate\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"),
		CASE("toobig\xf4\x90\x80\x80", "toobig\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"),
		CASE("cut\xe6\x97", "cut\xef\xbf\xbd\xef\xbf\xbd"),
		CASE("\xe6\x97x", "\xef\xbf\xbd\xef\xbf\xbdx"),
		CASE("max\xf4\x8f\xbf\xbf", "max\xf4\x8f\xbf\xbf"),
	};
#undef CASE
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct profile *p = new_profile("samples", "count");
		struct frame f = { .name = (uint32_t)profile_intern(p, cases[i].in, cases[i].len) };
		uint32_t id = (uint32_t)profile_frame(p, &f);
		int64_t one = 1;
		assert_true(profile_add_stack(p, &id, 1, &one) >= 0);
		struct decoded d;
		write_decode(p, NULL, &d);
		const struct buf *name = &d.strs[func(&d, loc(&d, d.samples[0].locs[0])->lines[0].func)->name];
		assert_int_equal(name->len, cases[i].out_len);
		assert_memory_equal(name->data, cases[i].out, cases[i].out_len);
		decoded_release(&d);
		profile_free(p);
	}
}

static void test_pprof_deep_stack(void **state)
{
	struct profile *p = new_profile("samples", "count");
	enum { DEPTH = 10000 };
	uint32_t *ids = calloc(DEPTH, sizeof(*ids));
	assert_non_null(ids);
	ids[0] = frame(p, "main", 'u', "/usr/bin/deep", NULL, 0);
	for (size_t i = 1; i < DEPTH; i++)
		ids[i] = frame(p, "recurse", 'u', "/usr/bin/deep", "r.c", 7);
	int64_t v = 5;
	assert_true(profile_add_stack(p, ids, DEPTH, &v) >= 0);
	free(ids);
	struct decoded d;
	write_decode(p, NULL, &d);
	assert_int_equal(d.samples[0].nlocs, DEPTH);
	assert_int_equal(d.nlocs, 2);
	assert_string_equal(str(&d, func(&d, loc(&d, d.samples[0].locs[DEPTH - 1])->lines[0].func)->name), "main");
	for (size_t i = 0; i + 1 < DEPTH; i++)
		assert_int_equal(d.samples[0].locs[i], d.samples[0].locs[0]);
	decoded_release(&d);
	profile_free(p);
}

/* The main binary is mapping 1 (pprof's mapping[0]), whatever module comes first. */
static void test_pprof_main_binary_first(void **state)
{
	struct profile *p = new_profile("samples", "count");
	uint32_t ids[] = {
		frame(p, "__libc_start_main", 'u', "/usr/lib/x86_64-linux-gnu/libc.so.6", NULL, 0),
		frame(p, "main", 'u', "/srv/app", NULL, 0),
		frame(p, "schedule", 'k', "[kernel.kallsyms]", NULL, 0),
	};
	int64_t one = 1;
	assert_true(profile_add_stack(p, ids, 3, &one) >= 0);
	struct decoded d;
	write_decode(p, NULL, &d);
	assert_int_equal(d.nmaps, 3);
	assert_string_equal(str(&d, d.maps[0].filename), "/srv/app");
	assert_string_equal(str(&d, d.maps[1].filename), "/usr/lib/x86_64-linux-gnu/libc.so.6");
	assert_string_equal(str(&d, d.maps[2].filename), "[kernel.kallsyms]");
	/* locations point at the renumbered mappings */
	const char *mods[] = { "[kernel.kallsyms]", "/srv/app", "/usr/lib/x86_64-linux-gnu/libc.so.6" };
	for (size_t i = 0; i < 3; i++)
		assert_string_equal(str(&d, d.maps[loc(&d, d.samples[0].locs[i])->mapping - 1].filename), mods[i]);
	decoded_release(&d);
	profile_free(p);
}

/* A profile read from folded text, as `scorch render x.folded -o x.pb.gz` makes it. */
static void test_pprof_from_folded(void **state)
{
	const char *text = "bash;main;inl_[i];leaf 7\nbash;main;do_sys_[k] 2\n";
	struct profile *p = profile_new();
	assert_non_null(p);
	assert_int_equal(fold_read_mem(FOLD_TEXT_FOLDED, text, strlen(text), p, NULL, NULL, NULL), 0);
	struct decoded d;
	write_decode(p, NULL, &d);
	struct buf t = BUF_INIT;
	sample_text(&d, 0, &t);
	assert_string_equal(t.data, "bash;main;inl_[i]@i;leaf");
	assert_int_equal(d.samples[0].values[0], 7);
	sample_text(&d, 1, &t);
	assert_string_equal(t.data, "bash;main;do_sys_[k]");
	assert_int_equal(d.samples[1].values[0], 2);
	assert_int_equal(d.nmaps, 1); /* folded frames have no module: one anonymous mapping */
	assert_string_equal(str(&d, d.maps[0].filename), "");
	buf_release(&t);
	decoded_release(&d);
	profile_free(p);
}

static void test_pprof_bad_arguments(void **state)
{
	struct profile *p = profile_new();
	assert_non_null(p);
	struct errbuf err;
	errbuf_init(&err);
	FILE *f = fopen("/dev/null", "w");
	assert_non_null(f);
	assert_int_equal(pprof_write(f, p, NULL, &err), -ENODATA);
	assert_non_null(strstr(err.msg.data, "no value types"));
	assert_int_equal(profile_add_value_type(p, "samples", "count"), 0);
	struct pprof_opts o = { .level = 10 };
	errbuf_release(&err);
	assert_int_equal(pprof_write(f, p, &o, &err), -EINVAL);
	o = (struct pprof_opts){ .has_default_value = true, .default_value = 1 };
	errbuf_release(&err);
	assert_int_equal(pprof_write(f, p, &o, &err), -EINVAL);
	assert_int_equal(pprof_write(f, p, &o, NULL), -EINVAL);
	o = (struct pprof_opts){ .level = 9 };
	assert_int_equal(pprof_write(f, p, &o, NULL), 0);
	errbuf_release(&err);
	fclose(f);
	profile_free(p);
}

static void test_pprof_write_errors(void **state)
{
	struct profile *p = new_profile("samples", "count");
	int64_t one = 1;
	add(p, "a;b;c", &one);
	struct errbuf err;
	errbuf_init(&err);
	FILE *f = fopen("/dev/full", "w");
	if (!f)
		skip();
	assert_int_equal(pprof_write(f, p, NULL, &err), -EIO);
	assert_non_null(strstr(err.msg.data, "No space left on device"));
	fclose(f);
	errbuf_release(&err);
	/* unbuffered, so the very first write fails */
	f = fopen("/dev/full", "w");
	assert_non_null(f);
	setvbuf(f, NULL, _IONBF, 0);
	assert_int_equal(pprof_write(f, p, NULL, &err), -EIO);
	fclose(f);
	errbuf_release(&err);
	/* a stream opened for reading */
	f = fopen("/dev/null", "r");
	assert_non_null(f);
	assert_int_equal(pprof_write(f, p, NULL, &err), -EIO);
	assert_true(err.msg.len > 0);
	fclose(f);
	errbuf_release(&err);
	profile_free(p);
}

/* Every allocation failing in turn: -ENOMEM with a message, nothing leaked, until one run succeeds. */
static void test_pprof_out_of_memory(void **state)
{
#ifdef __SANITIZE_ADDRESS__
	skip(); /* ASan owns malloc */
#else
	void *(*volatile alloc)(size_t) = malloc; /* a call the compiler cannot drop */
	alloc_fail_at = 0;
	alloc_count = 0;
	void *probe = alloc(16);
	alloc_fail_at = -1;
	if (probe) {
		free(probe);
		skip(); /* malloc is not ours (valgrind?) */
	}
	struct profile *p = new_profile("samples", "count");
	assert_int_equal(profile_add_value_type(p, "cpu", "nanoseconds"), 1);
	assert_int_equal(profile_add_loss(p, "stack map full", 2), 0);
	assert_int_equal(profile_meta_set(p, "event", "cpu-clock"), 0);
	uint32_t ids[] = {
		frame(p, "main", 'u', "/usr/bin/app", "main.c", 1),
		frame(p, "run", 'u', "/usr/bin/app", "run.c", 2),
		frame(p, "inl", 'i', "/usr/bin/app", "inl.h", 3),
		frame(p, "bad\xff", 'k', "[kernel.kallsyms]", NULL, 0),
	};
	const int64_t v[2] = { 1, 2 };
	assert_true(profile_add_stack(p, ids, 4, v) >= 0);
	assert_true(profile_add_stack(p, ids, 2, v) >= 0);
	static char iobuf[1 << 16];
	FILE *f = fopen("/dev/null", "w");
	assert_non_null(f);
	setvbuf(f, iobuf, _IOFBF, sizeof(iobuf)); /* stdio allocates nothing while armed */
	struct errbuf err;
	errbuf_init(&err);
	assert_int_equal(buf_grow(&err.msg, 256), 0); /* the message needs no allocation */
	long failures = 0;
	for (long k = 0; k < 10000; k++) {
		long live = alloc_live;
		alloc_count = 0;
		alloc_fail_at = k;
		int rc = pprof_write(f, p, NULL, &err);
		alloc_fail_at = -1;
		assert_int_equal(alloc_live, live);
		if (rc == 0)
			break;
		assert_int_equal(rc, -ENOMEM);
		assert_string_equal(err.msg.data, "cannot write pprof output: out of memory");
		err.code = 0;
		buf_reset(&err.msg);
		failures++;
	}
	assert_true(failures > 10); /* every table, buffer and zlib's state allocates */
	errbuf_release(&err);
	fclose(f);
	profile_free(p);
#endif
}

/* The real reader: `go tool pprof -raw` on what we wrote, when go is installed. */
static void test_pprof_go_pprof_reads_it(void **state)
{
	if (system("command -v go >/dev/null 2>&1") != 0)
		skip();
	const char *tmp = getenv("TMPDIR");
	char dir[256];
	snprintf(dir, sizeof(dir), "%s/pprof_test.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir))
		skip();
	struct profile *p = new_profile("samples", "count");
	assert_int_equal(profile_add_value_type(p, "cpu", "nanoseconds"), 1);
	const int64_t v1[2] = { 3, 30000000 }, v2[2] = { 1, -7 };
	add(p, "main;work;hot", v1);
	add(p, "main;read;schedule@k", v2);
	char path[300], cmd[1200];
	snprintf(path, sizeof(path), "%s/x.pb.gz", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(pprof_write(f, p, NULL, NULL), 0);
	assert_int_equal(fclose(f), 0);
	snprintf(cmd, sizeof(cmd),
		 "HOME='%s' GOCACHE='%s/cache' GOTOOLCHAIN=local GOPROXY=off go tool pprof -traces -sample_index=0 '%s' 2>&1", dir,
		 dir, path);
	FILE *pp = popen(cmd, "r");
	assert_non_null(pp);
	char out[4096];
	size_t n = fread(out, 1, sizeof(out) - 1, pp);
	out[n] = 0;
	int status = pclose(pp);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(status, 0);
	const char *want = "-----------+-------------------------------------------------------\n"
			   "         3   hot\n"
			   "             work\n"
			   "             main\n"
			   "-----------+-------------------------------------------------------\n"
			   "         1   schedule\n"
			   "             read\n"
			   "             main\n"
			   "-----------+-------------------------------------------------------\n";
	if (!strstr(out, want))
		fail_msg("go tool pprof -traces printed:\n%s", out);
	profile_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pprof_stacks_round_trip_leaf_first),
		cmocka_unit_test(test_pprof_inlined_frames_share_a_location),
		cmocka_unit_test(test_pprof_zero_empty_and_negative_samples),
		cmocka_unit_test(test_pprof_empty_profile),
		cmocka_unit_test(test_pprof_meta_losses_and_default),
		cmocka_unit_test(test_pprof_names_made_valid_utf8),
		cmocka_unit_test(test_pprof_deep_stack),
		cmocka_unit_test(test_pprof_main_binary_first),
		cmocka_unit_test(test_pprof_from_folded),
		cmocka_unit_test(test_pprof_bad_arguments),
		cmocka_unit_test(test_pprof_write_errors),
		cmocka_unit_test(test_pprof_out_of_memory),
		cmocka_unit_test(test_pprof_go_pprof_reads_it),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

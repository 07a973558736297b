// SPDX-License-Identifier: Apache-2.0
/* pprof input (see pprof.h): a profile.proto message decoded into the profile model. */
#include "fold/pprof.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "fold/fold.h"
#include "fold/profile.h"
#include "lib/buf.h"
#include "lib/array.h"
#include "lib/err.h"
#include "lib/hash.h"
#include "lib/htab.h"

/* Field numbers of github.com/google/pprof proto/profile.proto that the reader uses. */
enum {
	PROFILE_SAMPLE_TYPE = 1,
	PROFILE_SAMPLE = 2,
	PROFILE_MAPPING = 3,
	PROFILE_LOCATION = 4,
	PROFILE_FUNCTION = 5,
	PROFILE_STRING_TABLE = 6,
	PROFILE_PERIOD_TYPE = 11,
	PROFILE_PERIOD = 12,
	PROFILE_DEFAULT_SAMPLE_TYPE = 14,
};

enum { WIRE_VARINT = 0, WIRE_I64 = 1, WIRE_LEN = 2, WIRE_I32 = 5 };

/* A length-delimited span of the input. */
struct span {
	const uint8_t *p;
	size_t n;
};

/* A cursor over one message: `pos` bytes of `len` read; `base` is its offset in the whole input. */
struct pb {
	const uint8_t *p;
	size_t len, pos, base;
};

struct field {
	uint32_t num, wire;
	uint64_t v;  /* a varint or fixed value */
	struct span s; /* a length-delimited value */
};

struct pp_function {
	uint64_t id;
	uint64_t name, system_name;
};

struct pp_mapping {
	uint64_t id;
	uint64_t file;
};

struct pp_location {
	uint64_t id;
	uint64_t mapping;
	size_t first, n; /* function ids and line numbers in reader.line_funcs, innermost first */
};

struct reader {
	const uint8_t *data;
	size_t len;
	struct profile *p;
	struct errbuf *err;

	struct span *strings;
	size_t nstrings, strings_cap;
	struct pp_function *funcs;
	size_t nfuncs, funcs_cap;
	struct htab func_index;
	struct pp_mapping *maps;
	size_t nmaps, maps_cap;
	struct htab map_index;
	struct pp_location *locs;
	size_t nlocs, locs_cap;
	struct htab loc_index;
	uint64_t *line_funcs;
	size_t nline_funcs, line_funcs_cap;

	/* by location index: where its profile frame ids (outermost, the physical frame, first) start
	 * in frame_pool, or SIZE_MAX until made */
	size_t *loc_frames_at;
	uint32_t *frame_pool;
	size_t nframe_pool, frame_pool_cap;

	uint64_t types[PROFILE_MAX_VALUES * 8][2]; /* sample_type (type, unit) string indexes */
	size_t ntypes;
	uint64_t default_type; /* string index, 0 = unset */
	size_t keep[PROFILE_MAX_VALUES]; /* sample value indexes kept */
	size_t dest[PROFILE_MAX_VALUES]; /* the profile's value index for each */
	size_t nkeep;

	uint32_t *stack;
	size_t stack_cap;
	struct pprof_read_stats *st;
	unsigned fold_flags;  /* FOLD_KERNEL_TAG, FOLD_INLINE_TAG: marks added to names */
	struct buf name;      /* a name being marked */
};

static int damaged(struct reader *r, size_t off, const char *what)
{
	return errbuf_set(r->err, -EBADMSG, "damaged pprof profile at byte %zu: %s", off, what);
}

/* ---- wire format -------------------------------------------------------------------------------- */

/* 1 a field read, 0 the end of the message, <0 damaged (err filled). */
static int next_field(struct reader *r, struct pb *m, struct field *f)
{
	if (m->pos == m->len)
		return 0;
	size_t start = m->base + m->pos; /* damage is reported at the field's first byte */
	uint64_t vals[2] = { 0, 0 };
	for (int k = 0; k < 2; k++) {
		uint64_t v = 0;
		unsigned shift = 0;
		for (;;) {
			if (m->pos == m->len)
				return damaged(r, start, "a varint runs past the end of its message");
			uint8_t b = m->p[m->pos++];
			if (shift == 63 && b > 1)
				return damaged(r, m->base + m->pos - 1, "a varint longer than 64 bits");
			v |= (uint64_t)(b & 0x7f) << shift;
			if (!(b & 0x80))
				break;
			shift += 7;
			if (shift > 63)
				return damaged(r, m->base + m->pos - 1, "a varint longer than 64 bits");
		}
		vals[k] = v;
		if (k == 0) {
			f->num = (uint32_t)(v >> 3 > UINT32_MAX ? 0 : v >> 3);
			f->wire = (uint32_t)(v & 7);
			if (f->num == 0)
				return damaged(r, m->base + m->pos - 1, "field number 0");
			if (f->wire == WIRE_I64 || f->wire == WIRE_I32) {
				size_t w = f->wire == WIRE_I64 ? 8 : 4;
				if (m->len - m->pos < w)
					return damaged(r, start, "a fixed-size value runs past the end of its message");
				f->v = 0;
				for (size_t i = 0; i < w; i++)
					f->v |= (uint64_t)m->p[m->pos + i] << (8 * i);
				m->pos += w;
				return 1;
			}
			if (f->wire != WIRE_VARINT && f->wire != WIRE_LEN)
				return damaged(r, m->base + m->pos - 1, "an unknown wire type (groups are not in profile.proto)");
		}
	}
	f->v = vals[1];
	if (f->wire == WIRE_LEN) {
		if (f->v > m->len - m->pos)
			return damaged(r, start, "a length runs past the end of its message");
		f->s.p = m->p + m->pos;
		f->s.n = (size_t)f->v;
		m->pos += (size_t)f->v;
	}
	return 1;
}

static struct pb sub(const struct pb *m, const struct field *f)
{
	return (struct pb){ .p = f->s.p, .len = f->s.n, .base = m->base + (size_t)(f->s.p - m->p) };
}

/* Each varint of a repeated scalar field, packed or not: calls `fn(r, value, arg)`. */
static int each_varint(struct reader *r, const struct pb *m, const struct field *f, int (*fn)(struct reader *, uint64_t, void *),
		       void *arg)
{
	if (f->wire == WIRE_VARINT)
		return fn(r, f->v, arg);
	if (f->wire != WIRE_LEN)
		return damaged(r, m->base + m->pos, "a repeated integer of the wrong wire type");
	struct pb in = sub(m, f);
	while (in.pos < in.len) {
		uint64_t v = 0;
		unsigned shift = 0;
		for (;;) {
			if (in.pos == in.len)
				return damaged(r, in.base + in.pos, "a packed varint runs past its field");
			uint8_t b = in.p[in.pos++];
			if (shift > 63 || (shift == 63 && (b & 0x7f) > 1))
				return damaged(r, in.base + in.pos - 1, "a varint longer than 64 bits");
			v |= (uint64_t)(b & 0x7f) << shift;
			if (!(b & 0x80))
				break;
			shift += 7;
		}
		int rc = fn(r, v, arg);
		if (rc)
			return rc;
	}
	return 0;
}

/* ---- tables ----------------------------------------------------------------------------------- */

static const struct span *string_at(const struct reader *r, uint64_t i)
{
	static const struct span empty = { (const uint8_t *)"", 0 };
	return i < r->nstrings ? &r->strings[i] : &empty;
}

struct id_key {
	const void *arr;
	size_t stride;
	uint64_t id;
};

static bool id_eq(uint32_t i, const void *key, void *arg)
{
	(void)arg;
	const struct id_key *k = key;
	return *(const uint64_t *)((const char *)k->arr + i * k->stride) == k->id;
}

/* The index of the item with `id` in `arr` (elements of `stride` bytes, id first), or HTAB_NONE. */
static uint32_t find_id(const struct htab *t, const void *arr, size_t stride, uint64_t id)
{
	struct id_key k = { arr, stride, id };
	return htab_find(t, hash_u64(id), id_eq, &k, NULL);
}

static int add_id(struct reader *r, struct htab *t, const void *arr, size_t stride, uint64_t id, size_t index,
		  size_t off, const char *what)
{
	if (id == 0)
		return damaged(r, off, what); /* ids are non-zero: 0 means "none" */
	if (find_id(t, arr, stride, id) != HTAB_NONE)
		return 0; /* a duplicate id: the first one wins, as pprof's own reader keeps one */
	if (index >= UINT32_MAX - 1 || htab_insert(t, hash_u64(id), (uint32_t)index))
		return errbuf_set(r->err, -ENOMEM, "out of memory");
	return 0;
}

/* The varint fields `nums[0..n)` of message `m` into `vals` (left as they are when absent). */
static int scan_varints(struct reader *r, struct pb m, const uint32_t *nums, uint64_t *vals, size_t n)
{
	struct field f;
	int rc;
	while ((rc = next_field(r, &m, &f)) > 0)
		for (size_t k = 0; k < n && f.wire == WIRE_VARINT; k++)
			if (f.num == nums[k])
				vals[k] = f.v;
	return rc;
}

/* Function: id 1, name 2, system_name 3. */
static int read_function(struct reader *r, struct pb m)
{
	static const uint32_t nums[] = { 1, 2, 3 };
	uint64_t v[3] = { 0, 0, 0 };
	int rc = scan_varints(r, m, nums, v, 3);
	if (rc < 0)
		return rc;
	if (array_grow(&r->funcs, sizeof(*r->funcs), &r->funcs_cap, r->nfuncs + 1))
		return errbuf_set(r->err, -ENOMEM, "out of memory");
	r->funcs[r->nfuncs] = (struct pp_function){ .id = v[0], .name = v[1], .system_name = v[2] };
	rc = add_id(r, &r->func_index, r->funcs, sizeof(*r->funcs), v[0], r->nfuncs, m.base, "a function without an id");
	if (!rc)
		r->nfuncs++;
	return rc;
}

/* Mapping: id 1, filename 5. */
static int read_mapping(struct reader *r, struct pb m)
{
	static const uint32_t nums[] = { 1, 5 };
	uint64_t v[2] = { 0, 0 };
	int rc = scan_varints(r, m, nums, v, 2);
	if (rc < 0)
		return rc;
	if (array_grow(&r->maps, sizeof(*r->maps), &r->maps_cap, r->nmaps + 1))
		return errbuf_set(r->err, -ENOMEM, "out of memory");
	r->maps[r->nmaps] = (struct pp_mapping){ .id = v[0], .file = v[1] };
	rc = add_id(r, &r->map_index, r->maps, sizeof(*r->maps), v[0], r->nmaps, m.base, "a mapping without an id");
	if (!rc)
		r->nmaps++;
	return rc;
}

static int read_location(struct reader *r, struct pb m)
{
	struct pp_location loc = { .first = r->nline_funcs };
	struct field f;
	int rc;
	size_t off = m.base;
	while ((rc = next_field(r, &m, &f)) > 0) {
		if (f.num == 1 && f.wire == WIRE_VARINT) {
			loc.id = f.v;
		} else if (f.num == 2 && f.wire == WIRE_VARINT) {
			loc.mapping = f.v;
		} else if (f.num == 4 && f.wire == WIRE_LEN) {
			struct pb line = sub(&m, &f);
			struct field g;
			uint64_t func = 0;
			while ((rc = next_field(r, &line, &g)) > 0)
				if (g.num == 1 && g.wire == WIRE_VARINT)
					func = g.v;
			if (rc < 0)
				return rc;
			if (array_grow(&r->line_funcs, sizeof(*r->line_funcs), &r->line_funcs_cap, r->nline_funcs + 1))
				return errbuf_set(r->err, -ENOMEM, "out of memory");
			r->line_funcs[r->nline_funcs++] = func;
			loc.n++;
		}
	}
	if (rc < 0)
		return rc;
	if (array_grow(&r->locs, sizeof(*r->locs), &r->locs_cap, r->nlocs + 1))
		return errbuf_set(r->err, -ENOMEM, "out of memory");
	r->locs[r->nlocs] = loc;
	rc = add_id(r, &r->loc_index, r->locs, sizeof(*r->locs), loc.id, r->nlocs, off, "a location without an id");
	if (rc)
		return rc;
	r->nlocs++;
	return 0;
}

/* ValueType: type 1, unit 2 (string table indexes). */
static int read_value_type(struct reader *r, struct pb m, uint64_t out[2])
{
	static const uint32_t nums[] = { 1, 2 };
	out[0] = out[1] = 0;
	return scan_varints(r, m, nums, out, 2);
}

/* First pass: strings, functions, mappings, locations, sample types; in whatever order they come. */
static int read_tables(struct reader *r)
{
	struct pb m = { .p = r->data, .len = r->len };
	struct field f;
	int rc;
	while ((rc = next_field(r, &m, &f)) > 0) {
		if (f.num == PROFILE_STRING_TABLE && f.wire == WIRE_LEN) {
			if (array_grow(&r->strings, sizeof(*r->strings), &r->strings_cap, r->nstrings + 1))
				return errbuf_set(r->err, -ENOMEM, "out of memory");
			r->strings[r->nstrings++] = f.s;
		} else if (f.num == PROFILE_FUNCTION && f.wire == WIRE_LEN) {
			rc = read_function(r, sub(&m, &f));
		} else if (f.num == PROFILE_MAPPING && f.wire == WIRE_LEN) {
			rc = read_mapping(r, sub(&m, &f));
		} else if (f.num == PROFILE_LOCATION && f.wire == WIRE_LEN) {
			rc = read_location(r, sub(&m, &f));
		} else if (f.num == PROFILE_SAMPLE_TYPE && f.wire == WIRE_LEN) {
			if (r->ntypes == sizeof(r->types) / sizeof(r->types[0]))
				return damaged(r, m.base + m.pos, "more sample types than any profile has");
			rc = read_value_type(r, sub(&m, &f), r->types[r->ntypes]);
			r->ntypes++;
		} else if (f.num == PROFILE_DEFAULT_SAMPLE_TYPE && f.wire == WIRE_VARINT) {
			r->default_type = f.v;
		}
		if (rc < 0)
			return rc;
	}
	if (rc < 0)
		return rc;
	if (r->nstrings == 0)
		return damaged(r, 0, "no string table (a profile cut short?)");
	if (r->strings[0].n != 0)
		return damaged(r, 0, "the string table does not start with \"\"");
	return 0;
}

/* ---- into the profile --------------------------------------------------------------------------- */

static int intern_span(struct reader *r, const struct span *s)
{
	int id = profile_intern(r->p, (const char *)s->p, s->n);
	return id < 0 ? errbuf_set(r->err, -ENOMEM, "out of memory") : id;
}

/* A value type name from the string table, cut to `cap` - 1 bytes (they are short words: "cpu"). */
static void type_name(const struct reader *r, uint64_t idx, char *out, size_t cap, const char *dflt)
{
	const struct span *t = string_at(r, idx);
	size_t n = t->n < cap - 1 ? t->n : cap - 1;
	const char *nul = memchr(t->p, 0, n);
	if (nul)
		n = (size_t)(nul - (const char *)t->p);
	memcpy(out, t->p, n);
	out[n] = 0;
	if (!n)
		snprintf(out, cap, "%s", dflt);
}

/*
 * The value types, pprof's default first (default_sample_type, else the last
 * one), then the rest in order. Into a profile that already has value types
 * (an earlier input), each goes to the type of the same name; the others are dropped.
 */
static int choose_values(struct reader *r)
{
	if (r->ntypes == 0)
		return errbuf_set(r->err, -EBADMSG, "a pprof profile without sample types");
	size_t def = r->ntypes - 1, order[sizeof(r->types) / sizeof(r->types[0])], norder = 0;
	for (size_t i = 0; r->default_type && i < r->ntypes; i++)
		if (r->types[i][0] == r->default_type) {
			def = i;
			break;
		}
	order[norder++] = def;
	for (size_t i = 0; i < r->ntypes; i++)
		if (i != def)
			order[norder++] = i;
	bool fresh = profile_value_count(r->p) == 0;
	for (size_t k = 0; k < norder; k++) {
		char tb[128], ub[128];
		type_name(r, r->types[order[k]][0], tb, sizeof(tb), "samples");
		type_name(r, r->types[order[k]][1], ub, sizeof(ub), "count");
		int idx = -1;
		if (fresh && profile_value_count(r->p) < PROFILE_MAX_VALUES) {
			idx = profile_add_value_type(r->p, tb, ub);
			if (idx == -ENOMEM)
				return errbuf_set(r->err, -ENOMEM, "out of memory");
		} else {
			for (size_t i = 0; i < profile_value_count(r->p); i++)
				if (strcmp(profile_str(r->p, profile_value_type(r->p, i).type), tb) == 0)
					idx = (int)i;
		}
		bool taken = false;
		for (size_t j = 0; j < r->nkeep; j++)
			taken |= r->dest[j] == (size_t)idx;
		if (idx < 0 || taken) {
			r->st->value_types_dropped++; /* past the model's limit, not in the earlier input, or repeated */
			continue;
		}
		r->keep[r->nkeep] = order[k];
		r->dest[r->nkeep++] = (size_t)idx;
	}
	if (!r->nkeep)
		return errbuf_set(r->err, -EINVAL, "the pprof profile's value types are not those of the inputs before it");
	return 0;
}

static bool kernel_module(const struct span *m)
{
	return m->n == 17 && memcmp(m->p, "[kernel.kallsyms]", 17) == 0;
}

/* The frames of location `li`, outermost first, made once. */
static int location_frames(struct reader *r, size_t li, const uint32_t **frames, size_t *n)
{
	const struct pp_location *loc = &r->locs[li];
	if (r->loc_frames_at[li] != SIZE_MAX) {
		*frames = r->frame_pool + r->loc_frames_at[li];
		*n = loc->n ? loc->n : 1;
		return 0;
	}
	size_t need = loc->n ? loc->n : 1;
	if (array_grow(&r->frame_pool, sizeof(*r->frame_pool), &r->frame_pool_cap, r->nframe_pool + need))
		return errbuf_set(r->err, -ENOMEM, "out of memory");
	const struct span *module = string_at(r, 0);
	uint32_t mi = loc->mapping ? find_id(&r->map_index, r->maps, sizeof(*r->maps), loc->mapping) : HTAB_NONE;
	if (mi != HTAB_NONE)
		module = string_at(r, r->maps[mi].file);
	int mod = intern_span(r, module);
	if (mod < 0)
		return mod;
	bool kernel = kernel_module(module);
	uint32_t *out = r->frame_pool + r->nframe_pool;
	if (loc->n == 0) {
		/* no function: named after its file, as stackcollapse-perf.pl names frames without symbols */
		char name[256];
		const char *base = memrchr(module->p, '/', module->n);
		base = base ? base + 1 : (const char *)module->p;
		size_t bn = module->n - (size_t)(base - (const char *)module->p);
		int len = bn ? snprintf(name, sizeof(name), "[%.*s]", (int)(bn < 200 ? bn : 200), base)
			     : snprintf(name, sizeof(name), "[unknown]");
		if (bn && base[0] == '[') /* already bracketed: [vdso], [kernel.kallsyms] */
			len = snprintf(name, sizeof(name), "%.*s", (int)(bn < 200 ? bn : 200), base);
		int nid = profile_intern(r->p, name, (size_t)len);
		if (nid < 0)
			return errbuf_set(r->err, -ENOMEM, "out of memory");
		struct frame fr = { .name = (uint32_t)nid, .module = (uint32_t)mod,
				    .kind = kernel ? FRAME_KERNEL : bn ? FRAME_USER : FRAME_SYNTHETIC };
		int id = profile_frame(r->p, &fr);
		if (id < 0)
			return errbuf_set(r->err, -ENOMEM, "out of memory");
		out[0] = (uint32_t)id;
		r->st->unsymbolized++;
	}
	for (size_t i = 0; i < loc->n; i++) {
		/* Lines are innermost first; the last one is the function the code is in */
		uint64_t fid = r->line_funcs[loc->first + loc->n - 1 - i];
		uint32_t fi = find_id(&r->func_index, r->funcs, sizeof(*r->funcs), fid);
		const struct span *name = string_at(r, 0);
		if (fi != HTAB_NONE) {
			name = string_at(r, r->funcs[fi].name);
			if (!name->n)
				name = string_at(r, r->funcs[fi].system_name);
		}
		enum frame_kind kind = i > 0 ? FRAME_INLINED : kernel ? FRAME_KERNEL : FRAME_USER;
		const char *mark = kind == FRAME_INLINED && (r->fold_flags & FOLD_INLINE_TAG)	 ? "_[i]"
				   : kind == FRAME_KERNEL && (r->fold_flags & FOLD_KERNEL_TAG) ? "_[k]"
											       : "";
		buf_reset(&r->name);
		if (name->n ? buf_add(&r->name, name->p, name->n) : buf_addstr(&r->name, "[unknown]"))
			return errbuf_set(r->err, -ENOMEM, "out of memory");
		if (buf_addstr(&r->name, mark))
			return errbuf_set(r->err, -ENOMEM, "out of memory");
		int nid = profile_intern(r->p, r->name.data, r->name.len);
		if (nid < 0)
			return errbuf_set(r->err, -ENOMEM, "out of memory");
		struct frame fr = { .name = (uint32_t)nid, .module = (uint32_t)mod, .kind = kind };
		int id = profile_frame(r->p, &fr);
		if (id < 0)
			return errbuf_set(r->err, -ENOMEM, "out of memory");
		out[i] = (uint32_t)id;
	}
	r->loc_frames_at[li] = r->nframe_pool;
	r->nframe_pool += need;
	*frames = r->frame_pool + r->loc_frames_at[li];
	*n = need;
	return 0;
}

struct sample_acc {
	uint64_t *locs;
	size_t nlocs, locs_cap;
	int64_t vals[PROFILE_MAX_VALUES * 8];
	size_t nvals;
	bool too_many;
};

static int push_loc(struct reader *r, uint64_t v, void *arg)
{
	struct sample_acc *a = arg;
	if (array_grow(&a->locs, sizeof(*a->locs), &a->locs_cap, a->nlocs + 1))
		return errbuf_set(r->err, -ENOMEM, "out of memory");
	a->locs[a->nlocs++] = v;
	return 0;
}

static int push_val(struct reader *r, uint64_t v, void *arg)
{
	(void)r;
	struct sample_acc *a = arg;
	if (a->nvals == sizeof(a->vals) / sizeof(a->vals[0]))
		a->too_many = true;
	else
		a->vals[a->nvals++] = (int64_t)v;
	return 0;
}

static int read_sample(struct reader *r, struct pb m, struct sample_acc *a)
{
	struct field f;
	int rc;
	a->nlocs = a->nvals = 0;
	a->too_many = false;
	while ((rc = next_field(r, &m, &f)) > 0) {
		if (f.num == 1)
			rc = each_varint(r, &m, &f, push_loc, a);
		else if (f.num == 2)
			rc = each_varint(r, &m, &f, push_val, a);
		if (rc < 0)
			return rc;
	}
	if (rc < 0)
		return rc;
	if (a->too_many || a->nvals != r->ntypes) {
		r->st->bad_samples++;
		return profile_add_loss(r->p, "pprof sample with a wrong number of values", 1) < 0
			       ? errbuf_set(r->err, -ENOMEM, "out of memory")
			       : 0;
	}
	/* locations are leaf first, each one's frames outermost first: the stack is root first */
	size_t depth = 0;
	for (size_t i = a->nlocs; i-- > 0;) {
		uint32_t li = find_id(&r->loc_index, r->locs, sizeof(*r->locs), a->locs[i]);
		const uint32_t *fr = NULL;
		size_t n = 0;
		if (li == HTAB_NONE) {
			r->st->bad_samples++;
			return profile_add_loss(r->p, "pprof sample naming a location that is not in the profile", 1) < 0
				       ? errbuf_set(r->err, -ENOMEM, "out of memory")
				       : 0;
		}
		rc = location_frames(r, li, &fr, &n);
		if (rc)
			return rc;
		if (array_grow(&r->stack, sizeof(*r->stack), &r->stack_cap, depth + n))
			return errbuf_set(r->err, -ENOMEM, "out of memory");
		memcpy(r->stack + depth, fr, n * sizeof(*fr));
		depth += n;
	}
	int64_t values[PROFILE_MAX_VALUES] = { 0 };
	for (size_t k = 0; k < r->nkeep; k++)
		values[r->dest[k]] = a->vals[r->keep[k]];
	if (profile_add_stack(r->p, r->stack, depth, values) < 0)
		return errbuf_set(r->err, -ENOMEM, "out of memory");
	r->st->samples++;
	return 0;
}

static int read_samples(struct reader *r)
{
	struct pb m = { .p = r->data, .len = r->len };
	struct sample_acc a = { 0 };
	struct field f;
	int rc;
	while ((rc = next_field(r, &m, &f)) > 0) {
		if (f.num == PROFILE_SAMPLE && f.wire == WIRE_LEN) {
			rc = read_sample(r, sub(&m, &f), &a);
			if (rc < 0)
				break;
		}
	}
	free(a.locs);
	return rc;
}

/* period_type and period become the profile's "period" notes, as the writer reads them back. */
static int read_period(struct reader *r)
{
	struct pb m = { .p = r->data, .len = r->len };
	struct field f;
	uint64_t type[2] = { 0, 0 }, period = 0;
	bool have = false;
	int rc;
	while ((rc = next_field(r, &m, &f)) > 0) {
		if (f.num == PROFILE_PERIOD_TYPE && f.wire == WIRE_LEN)
			rc = read_value_type(r, sub(&m, &f), type);
		else if (f.num == PROFILE_PERIOD && f.wire == WIRE_VARINT)
			period = f.v, have = true;
		if (rc < 0)
			return rc;
	}
	if (rc < 0 || !have || !type[0])
		return rc;
	char v[24];
	snprintf(v, sizeof(v), "%" PRIu64, period);
	const struct span *t = string_at(r, type[0]), *u = string_at(r, type[1]);
	char tb[128], ub[128];
	if (memchr(t->p, 0, t->n) || memchr(u->p, 0, u->n))
		return 0; /* not names a note can hold */
	snprintf(tb, sizeof(tb), "%.*s", (int)(t->n < 127 ? t->n : 127), (const char *)t->p);
	snprintf(ub, sizeof(ub), "%.*s", (int)(u->n < 127 ? u->n : 127), (const char *)u->p);
	if (profile_meta_set(r->p, PPROF_META_PERIOD, v) < 0 || profile_meta_set(r->p, PPROF_META_PERIOD_TYPE, tb) < 0 ||
	    profile_meta_set(r->p, PPROF_META_PERIOD_UNIT, ub) < 0)
		return errbuf_set(r->err, -ENOMEM, "out of memory");
	return 0;
}

bool pprof_looks_like(const void *data, size_t len)
{
	/* wire type of fields 1..14: 2 = length-delimited, 0 = varint (13 may also come packed) */
	static const signed char wire[15] = { -1, 2, 2, 2, 2, 2, 2, 0, 0, 0, 0, 2, 0, 0, 0 };
	const uint8_t *p = data;
	size_t i = 0, fields = 0;

	while (i < len) {
		unsigned tag = p[i++];
		unsigned field = tag >> 3, type = tag & 7;
		uint64_t v = 0;
		unsigned shift = 0;

		if (tag & 0x80 || field < 1 || field > 14 || (type != (unsigned)wire[field] && !(field == 13 && type == 2)))
			return false;
		do { /* the varint: a value, or a length */
			if (i == len)
				return fields > 1;
			if (shift > 63)
				return false;
			v |= (uint64_t)(p[i] & 0x7f) << shift;
			shift += 7;
		} while (p[i++] & 0x80);
		fields++;
		if (type == 2) {
			if (v >= len - i)
				return fields > 1; /* runs past what we have */
			i += (size_t)v;
		}
	}
	return fields > 1;
}

int pprof_read(const void *data, size_t len, struct profile *p, unsigned fold_flags, struct pprof_read_stats *st,
	       struct errbuf *err)
{
	struct pprof_read_stats dummy;
	struct reader r = { .data = data, .len = len, .p = p, .err = err, .st = st ? st : &dummy,
			    .fold_flags = fold_flags, .name = BUF_INIT };
	int rc;

	memset(r.st, 0, sizeof(*r.st));
	htab_init(&r.func_index);
	htab_init(&r.map_index);
	htab_init(&r.loc_index);
	rc = read_tables(&r);
	if (!rc)
		rc = choose_values(&r);
	if (!rc) {
		r.loc_frames_at = malloc((r.nlocs ? r.nlocs : 1) * sizeof(*r.loc_frames_at));
		if (!r.loc_frames_at)
			rc = errbuf_set(err, -ENOMEM, "out of memory");
		for (size_t i = 0; i < r.nlocs && !rc; i++)
			r.loc_frames_at[i] = SIZE_MAX;
	}
	if (!rc)
		rc = read_samples(&r);
	if (!rc)
		rc = read_period(&r);
	free(r.strings);
	free(r.funcs);
	free(r.maps);
	free(r.locs);
	free(r.line_funcs);
	free(r.loc_frames_at);
	free(r.frame_pool);
	free(r.stack);
	buf_release(&r.name);
	htab_release(&r.func_index);
	htab_release(&r.map_index);
	htab_release(&r.loc_index);
	return rc;
}

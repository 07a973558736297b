// SPDX-License-Identifier: Apache-2.0
/* pprof output (see pprof.h): profile.proto messages encoded by hand and streamed through zlib's gzip. */
#include "fold/pprof.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "fold/profile.h"
#include "fold/protobuf.h"
#include "lib/buf.h"
#include "lib/array.h"
#include "lib/err.h"
#include "lib/hash.h"
#include "lib/htab.h"
#include "lib/strpool.h"

/* Field numbers of github.com/google/pprof proto/profile.proto. */
enum {
	FIELD_PROFILE_SAMPLE_TYPE = 1,
	FIELD_PROFILE_SAMPLE = 2,
	FIELD_PROFILE_MAPPING = 3,
	FIELD_PROFILE_LOCATION = 4,
	FIELD_PROFILE_FUNCTION = 5,
	FIELD_PROFILE_STRING_TABLE = 6,
	FIELD_PROFILE_TIME_NANOS = 9,
	FIELD_PROFILE_DURATION_NANOS = 10,
	FIELD_PROFILE_PERIOD_TYPE = 11,
	FIELD_PROFILE_PERIOD = 12,
	FIELD_PROFILE_COMMENT = 13,
	FIELD_PROFILE_DEFAULT_SAMPLE_TYPE = 14,
};
enum { FIELD_VALUE_TYPE_TYPE = 1, FIELD_VALUE_TYPE_UNIT = 2 };
enum { FIELD_SAMPLE_LOCATION_ID = 1, FIELD_SAMPLE_VALUE = 2 };
enum {
	FIELD_MAPPING_ID = 1,
	FIELD_MAPPING_FILENAME = 5,
	FIELD_MAPPING_HAS_FUNCTIONS = 7,
	FIELD_MAPPING_HAS_FILENAMES = 8,
	FIELD_MAPPING_HAS_LINE_NUMBERS = 9,
	FIELD_MAPPING_HAS_INLINE_FRAMES = 10,
};
enum { FIELD_LOCATION_ID = 1, FIELD_LOCATION_MAPPING_ID = 2, FIELD_LOCATION_LINE = 4 };
enum { FIELD_LINE_FUNCTION_ID = 1, FIELD_LINE_LINE = 2 };
enum { FIELD_FUNCTION_ID = 1, FIELD_FUNCTION_NAME = 2, FIELD_FUNCTION_FILENAME = 4 };

/* Encoded bytes are handed to zlib in chunks of this size; also zlib's output buffer. */
#define CHUNK (64 * 1024)
/* zlib counts input in uInt: feed larger messages in slices. */
#define SLICE_MAX (1u << 30)

struct pprof_function {
	uint32_t name, file;         /* profile string ids: the key */
	uint32_t out_name, out_file; /* string_table indexes */
};

struct pprof_mapping {
	uint32_t module;   /* profile string id: the key */
	uint32_t out_file; /* string_table index */
	bool files, lines, inlines;
};

/* A location's frames: its physical frame first, then the frames inlined into it, outward in. */
struct pprof_location {
	size_t off;       /* into writer.loc_lines */
	uint32_t n;       /* frames */
	uint32_t mapping; /* mapping id */
};

struct pprof_line {
	uint32_t frame; /* profile frame id: the key */
	uint32_t func;  /* function id */
};

struct writer {
	const struct profile *p;
	FILE *fp;
	struct errbuf *err;

	struct strpool strings; /* the string table; id 0 is "" */
	struct buf scratch;     /* a string being made valid UTF-8 */

	struct pprof_function *funcs;
	size_t nfuncs, funcs_cap;
	struct htab func_index;
	struct pprof_mapping *maps;
	size_t nmaps, maps_cap;
	struct htab map_index;
	size_t main_map; /* index of the main binary's mapping, written first */
	struct pprof_location *locs;
	size_t nlocs, locs_cap;
	struct htab loc_index;
	struct pprof_line *loc_lines;
	size_t nloc_lines, loc_lines_cap;
	uint32_t *single; /* by frame id: the id of the location of that frame alone, or 0 */

	uint64_t *sample_locs; /* one sample's location ids */
	size_t sample_locs_cap;

	struct buf msg;  /* the message being encoded */
	struct buf line; /* a Line or ValueType inside it */
	struct buf tail; /* the scalar fields written last */
	struct buf out;  /* encoded Profile bytes not yet compressed */

	z_stream z;
	bool z_open;
	unsigned char *zbuf;
};

/* ---- strings ---------------------------------------------------------------------------------- */

/* The length of the valid UTF-8 sequence at `s` (`n` bytes left), or 0 if invalid (RFC 3629). */
static size_t utf8_char_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4;
	else
		return 0;
	if (c == 0xe0)
		lo = 0xa0; /* overlong */
	else if (c == 0xed)
		hi = 0x9f; /* surrogates */
	else if (c == 0xf0)
		lo = 0x90; /* overlong */
	else if (c == 0xf4)
		hi = 0x8f; /* past U+10FFFF */
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

/* The string_table index of `len` bytes at `s`, each byte of an invalid UTF-8 sequence as U+FFFD. */
static int intern(struct writer *w, const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, k;
	while (i < len && (k = utf8_char_len(u + i, len - i)) > 0)
		i += k;
	if (i == len)
		return strpool_intern(&w->strings, s, len);
	buf_reset(&w->scratch);
	if (buf_add(&w->scratch, s, i))
		return -ENOMEM;
	while (i < len) {
		k = utf8_char_len(u + i, len - i);
		if (k ? buf_add(&w->scratch, s + i, k) : buf_add(&w->scratch, "\xef\xbf\xbd", 3))
			return -ENOMEM;
		i += k ? k : 1;
	}
	return strpool_intern(&w->strings, w->scratch.data, w->scratch.len);
}

static int intern_id(struct writer *w, uint32_t id)
{
	return intern(w, profile_str(w->p, id), profile_str_len(w->p, id));
}

static int intern_str(struct writer *w, const char *s)
{
	return intern(w, s, strlen(s));
}

/* ---- output ----------------------------------------------------------------------------------- */

static int write_error(struct writer *w)
{
	int e = errno;
	return errbuf_set(w->err, -EIO, "cannot write pprof output: %s", e ? strerror(e) : "write error");
}

/* Compress `len` bytes with zlib flush mode `flush` and write what zlib produces. */
static int gz_write(struct writer *w, const void *data, size_t len, int flush)
{
	const unsigned char *in = data;
	do {
		size_t n = len < SLICE_MAX ? len : SLICE_MAX;
		w->z.next_in = (Bytef *)in;
		w->z.avail_in = (uInt)n;
		int mode = n == len ? flush : Z_NO_FLUSH;
		do {
			w->z.next_out = w->zbuf;
			w->z.avail_out = CHUNK;
			if (deflate(&w->z, mode) == Z_STREAM_ERROR)
				return errbuf_set(w->err, -EIO, "cannot write pprof output: zlib stream error");
			size_t have = CHUNK - w->z.avail_out;
			errno = 0;
			if (have && fwrite(w->zbuf, 1, have, w->fp) != have)
				return write_error(w);
		} while (w->z.avail_out == 0);
		in += n;
		len -= n;
	} while (len);
	return 0;
}

/* Hand the pending encoded bytes to zlib once there are a chunk's worth. */
static int out_flush(struct writer *w)
{
	if (w->out.len < CHUNK)
		return 0;
	int rc = gz_write(w, w->out.data, w->out.len, Z_NO_FLUSH);
	buf_reset(&w->out);
	return rc;
}

static int nomem(struct writer *w)
{
	return errbuf_set(w->err, -ENOMEM, "cannot write pprof output: out of memory");
}

/* Add field `field` of the Profile holding the message encoded in `m`. */
static int emit(struct writer *w, uint32_t field, const struct buf *m)
{
	if (pb_add_bytes(&w->out, field, m->data, m->len))
		return nomem(w);
	return out_flush(w);
}

/* ---- functions, mappings, locations ----------------------------------------------------------- */

static bool func_eq(uint32_t id, const void *key, void *arg)
{
	const struct writer *w = arg;
	const struct frame *f = key;
	return w->funcs[id].name == f->name && w->funcs[id].file == f->file;
}

/* The function id (1-based) of frame `f`'s (name, file), or -ENOMEM. */
static int function_id(struct writer *w, const struct frame *f)
{
	uint64_t h = hash_u64((uint64_t)f->name << 32 | f->file);
	uint32_t id = htab_find(&w->func_index, h, func_eq, f, w);
	if (id != HTAB_NONE)
		return (int)id + 1;
	int name = intern_id(w, f->name), file = intern_id(w, f->file);
	if (name < 0 || file < 0 || w->nfuncs >= INT32_MAX - 1 ||
	    array_grow(&w->funcs, sizeof(*w->funcs), &w->funcs_cap, w->nfuncs + 1) ||
	    htab_insert(&w->func_index, h, (uint32_t)w->nfuncs))
		return -ENOMEM;
	w->funcs[w->nfuncs] = (struct pprof_function){
		.name = f->name, .file = f->file, .out_name = (uint32_t)name, .out_file = (uint32_t)file,
	};
	return (int)++w->nfuncs;
}

static bool map_eq(uint32_t id, const void *key, void *arg)
{
	const struct writer *w = arg;
	return w->maps[id].module == *(const uint32_t *)key;
}

/*
 * The mapping id (1-based) of module `module` (a profile string id), or
 * -ENOMEM. Frames without a module share one mapping with no file name: were
 * a location left without one, and no mapping written at all, `go tool pprof`
 * would add a fake mapping and try to symbolize it ("Main binary filename not
 * available"); ours says has_functions, so nothing is looked up.
 */
static int mapping_id(struct writer *w, uint32_t module)
{
	uint64_t h = hash_u64(module);
	uint32_t id = htab_find(&w->map_index, h, map_eq, &module, w);
	if (id != HTAB_NONE)
		return (int)id + 1;
	int file = intern_id(w, module);
	if (file < 0 || w->nmaps >= INT32_MAX - 1 ||
	    array_grow(&w->maps, sizeof(*w->maps), &w->maps_cap, w->nmaps + 1) ||
	    htab_insert(&w->map_index, h, (uint32_t)w->nmaps))
		return -ENOMEM;
	w->maps[w->nmaps] = (struct pprof_mapping){ .module = module, .out_file = (uint32_t)file };
	return (int)++w->nmaps;
}

struct location_key {
	const uint32_t *frames;
	uint32_t n;
};

static bool loc_eq(uint32_t id, const void *key, void *arg)
{
	const struct writer *w = arg;
	const struct location_key *k = key;
	const struct pprof_location *l = &w->locs[id];
	if (l->n != k->n)
		return false;
	for (uint32_t i = 0; i < k->n; i++)
		if (w->loc_lines[l->off + i].frame != k->frames[i])
			return false;
	return true;
}

/* The location id (1-based) of the `n` frames at `frames` (physical frame first), or -ENOMEM. */
static int location_id(struct writer *w, const uint32_t *frames, uint32_t n)
{
	/* most locations are one frame: look those up by frame id, without hashing */
	if (n == 1 && w->single[frames[0]])
		return (int)w->single[frames[0]];
	struct location_key key = { frames, n };
	uint64_t h = hash_bytes(frames, n * sizeof(*frames), 3);
	uint32_t id = htab_find(&w->loc_index, h, loc_eq, &key, w);
	if (id != HTAB_NONE)
		return (int)id + 1;
	if (w->nlocs >= INT32_MAX - 1 || array_grow(&w->locs, sizeof(*w->locs), &w->locs_cap, w->nlocs + 1) ||
	    array_grow(&w->loc_lines, sizeof(*w->loc_lines), &w->loc_lines_cap, w->nloc_lines + n))
		return -ENOMEM;
	struct pprof_location *l = &w->locs[w->nlocs];
	*l = (struct pprof_location){ .off = w->nloc_lines, .n = n };
	uint32_t module = 0;
	bool files = false, lines = false;
	for (uint32_t i = 0; i < n; i++) {
		const struct frame *f = profile_frame_get(w->p, frames[i]);
		int func = function_id(w, f);
		if (func < 0)
			return func;
		w->loc_lines[l->off + i] = (struct pprof_line){ .frame = frames[i], .func = (uint32_t)func };
		if (!module)
			module = f->module;
		files |= f->file != 0;
		lines |= f->line != 0;
	}
	int m = mapping_id(w, module);
	if (m < 0)
		return m;
	l->mapping = (uint32_t)m;
	w->maps[m - 1].files |= files;
	w->maps[m - 1].lines |= lines;
	w->maps[m - 1].inlines |= n > 1;
	if (htab_insert(&w->loc_index, h, (uint32_t)w->nlocs))
		return -ENOMEM;
	w->nloc_lines += n;
	if (n == 1)
		w->single[frames[0]] = (uint32_t)w->nlocs + 1;
	return (int)++w->nlocs;
}

/* ---- messages --------------------------------------------------------------------------------- */

/*
 * Can frames inlined into `f` share its location? Not a process label, a
 * separator or [lost stack]: synthetic frames with no module are no code.
 */
static bool frame_is_physical(const struct frame *f)
{
	return !(f->kind == FRAME_SYNTHETIC && f->module == 0);
}

static int write_sample(struct writer *w, const struct profile_stack *s, size_t nvalues)
{
	if (array_grow(&w->sample_locs, sizeof(*w->sample_locs), &w->sample_locs_cap, s->depth))
		return nomem(w);
	size_t n = 0;
	for (uint32_t i = 0; i < s->depth;) {
		uint32_t j = i + 1;
		if (frame_is_physical(profile_frame_get(w->p, s->frames[i])))
			while (j < s->depth && profile_frame_get(w->p, s->frames[j])->kind == FRAME_INLINED)
				j++;
		int id = location_id(w, s->frames + i, j - i);
		if (id < 0)
			return nomem(w);
		w->sample_locs[n++] = (uint64_t)id;
		i = j;
	}
	/* pprof lists the leaf first */
	for (size_t a = 0, b = n; a + 1 < b; a++, b--) {
		uint64_t t = w->sample_locs[a];
		w->sample_locs[a] = w->sample_locs[b - 1];
		w->sample_locs[b - 1] = t;
	}
	buf_reset(&w->msg);
	if (pb_add_packed_uint(&w->msg, FIELD_SAMPLE_LOCATION_ID, w->sample_locs, n) ||
	    pb_add_packed_int(&w->msg, FIELD_SAMPLE_VALUE, s->values, nvalues))
		return nomem(w);
	return emit(w, FIELD_PROFILE_SAMPLE, &w->msg);
}

/* A ValueType message of `type` and `unit` in w->line. */
static int encode_value_type(struct writer *w, const char *type, const char *unit)
{
	int t = intern_str(w, type), u = intern_str(w, unit);
	buf_reset(&w->line);
	if (t < 0 || u < 0 || pb_add_int(&w->line, FIELD_VALUE_TYPE_TYPE, t) ||
	    pb_add_int(&w->line, FIELD_VALUE_TYPE_UNIT, u))
		return -ENOMEM;
	return 0;
}

/*
 * pprof takes mapping[0] as the main binary (`File:` in its reports). Choose
 * the first module seen that is a file and not a shared library, else the
 * first file, else the first; it goes out first with id 1.
 */
static void choose_main_mapping(struct writer *w)
{
	size_t file = SIZE_MAX;
	for (size_t i = 0; i < w->nmaps; i++) {
		const char *s = strpool_get(&w->strings, w->maps[i].out_file);
		if (*s == '[' || !*s)
			continue;
		const char *base = strrchr(s, '/');
		if (!strstr(base ? base : s, ".so")) {
			w->main_map = i;
			return;
		}
		if (file == SIZE_MAX)
			file = i;
	}
	w->main_map = file != SIZE_MAX ? file : 0;
}

/* The id a mapping (index `i` in w->maps) is written with: the main one is 1, the others keep their order. */
static uint64_t mapping_out_id(const struct writer *w, size_t i)
{
	return i == w->main_map ? 1 : i < w->main_map ? i + 2 : i + 1;
}

static int write_mappings(struct writer *w)
{
	choose_main_mapping(w);
	for (size_t k = 0; k < w->nmaps; k++) {
		/* the main one, then the others in order */
		size_t i = k == 0 ? w->main_map : k <= w->main_map ? k - 1 : k;
		const struct pprof_mapping *m = &w->maps[i];
		buf_reset(&w->msg);
		if (pb_add_uint(&w->msg, FIELD_MAPPING_ID, mapping_out_id(w, i)) ||
		    pb_add_int(&w->msg, FIELD_MAPPING_FILENAME, m->out_file) ||
		    pb_add_uint(&w->msg, FIELD_MAPPING_HAS_FUNCTIONS, 1) ||
		    pb_add_uint(&w->msg, FIELD_MAPPING_HAS_FILENAMES, m->files) ||
		    pb_add_uint(&w->msg, FIELD_MAPPING_HAS_LINE_NUMBERS, m->lines) ||
		    pb_add_uint(&w->msg, FIELD_MAPPING_HAS_INLINE_FRAMES, m->inlines))
			return nomem(w);
		int rc = emit(w, FIELD_PROFILE_MAPPING, &w->msg);
		if (rc)
			return rc;
	}
	return 0;
}

static int write_locations(struct writer *w)
{
	for (size_t i = 0; i < w->nlocs; i++) {
		const struct pprof_location *l = &w->locs[i];
		buf_reset(&w->msg);
		if (pb_add_uint(&w->msg, FIELD_LOCATION_ID, i + 1) ||
		    pb_add_uint(&w->msg, FIELD_LOCATION_MAPPING_ID, mapping_out_id(w, l->mapping - 1)))
			return nomem(w);
		/* Lines innermost first: the physical frame (our first) is pprof's last */
		for (uint32_t k = l->n; k-- > 0;) {
			const struct pprof_line *ln = &w->loc_lines[l->off + k];
			buf_reset(&w->line);
			if (pb_add_uint(&w->line, FIELD_LINE_FUNCTION_ID, ln->func) ||
			    pb_add_int(&w->line, FIELD_LINE_LINE, profile_frame_get(w->p, ln->frame)->line) ||
			    pb_add_bytes(&w->msg, FIELD_LOCATION_LINE, w->line.data, w->line.len))
				return nomem(w);
		}
		int rc = emit(w, FIELD_PROFILE_LOCATION, &w->msg);
		if (rc)
			return rc;
	}
	return 0;
}

/*
 * Function.system_name (the mangled name) stays unset: the model holds only
 * display names, and pprof "demangles" a function whose name equals its
 * system_name, cutting "(...)" and "<...>" out of names that look like C++.
 */
static int write_functions(struct writer *w)
{
	for (size_t i = 0; i < w->nfuncs; i++) {
		const struct pprof_function *f = &w->funcs[i];
		buf_reset(&w->msg);
		if (pb_add_uint(&w->msg, FIELD_FUNCTION_ID, i + 1) ||
		    pb_add_int(&w->msg, FIELD_FUNCTION_NAME, f->out_name) ||
		    pb_add_int(&w->msg, FIELD_FUNCTION_FILENAME, f->out_file))
			return nomem(w);
		int rc = emit(w, FIELD_PROFILE_FUNCTION, &w->msg);
		if (rc)
			return rc;
	}
	return 0;
}

static int write_strings(struct writer *w)
{
	for (uint32_t i = 0; i < w->strings.count; i++) {
		if (pb_add_bytes(&w->out, FIELD_PROFILE_STRING_TABLE, strpool_get(&w->strings, i),
				 strpool_len(&w->strings, i)))
			return nomem(w);
		int rc = out_flush(w);
		if (rc)
			return rc;
	}
	return 0;
}

/* The meta value `key` as a non-negative int64; false when unset or not a plain number. */
static bool meta_int(const struct profile *p, const char *key, int64_t *out)
{
	const char *s = profile_meta_get(p, key);
	if (!s || !*s)
		return false;
	int64_t v = 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > (INT64_MAX - (*s - '0')) / 10)
			return false;
		v = v * 10 + (*s - '0');
	}
	*out = v;
	return true;
}

/* A comment "KEY: VALUE" from meta `key`, if set. */
static int add_meta_comment(struct writer *w, const char *key)
{
	const char *v = profile_meta_get(w->p, key);
	if (!v)
		return 0;
	buf_reset(&w->msg);
	if (buf_addf(&w->msg, "%s: %s", key, v))
		return -ENOMEM;
	int c = intern(w, w->msg.data, w->msg.len);
	return c < 0 ? c : pb_add_int(&w->tail, FIELD_PROFILE_COMMENT, c);
}

/*
 * Encode the scalar fields (time, duration, period, comments, default sample
 * type) into w->tail now, so that their strings are in the table when it is
 * written; they go out last.
 */
static int encode_tail(struct writer *w, const struct pprof_opts *o)
{
	const struct profile *p = w->p;
	int64_t v, hz;
	if (meta_int(p, PPROF_META_TIME_NS, &v) && pb_add_int(&w->tail, FIELD_PROFILE_TIME_NANOS, v))
		return -ENOMEM;
	if (meta_int(p, PPROF_META_DURATION_NS, &v) && pb_add_int(&w->tail, FIELD_PROFILE_DURATION_NANOS, v))
		return -ENOMEM;

	const char *ptype = NULL, *punit = NULL;
	if (meta_int(p, PPROF_META_PERIOD, &v)) {
		struct value_type vt = profile_value_type(p, 0);
		ptype = profile_meta_get(p, PPROF_META_PERIOD_TYPE);
		punit = profile_meta_get(p, PPROF_META_PERIOD_UNIT);
		if (!ptype)
			ptype = profile_str(p, vt.type);
		if (!punit)
			punit = profile_str(p, vt.unit);
	} else if (meta_int(p, PPROF_META_FREQUENCY, &hz) && hz > 0) {
		v = 1000000000 / hz;
		ptype = "cpu";
		punit = "nanoseconds";
	}
	if (ptype) {
		if (encode_value_type(w, ptype, punit) ||
		    pb_add_bytes(&w->tail, FIELD_PROFILE_PERIOD_TYPE, w->line.data, w->line.len) ||
		    pb_add_int(&w->tail, FIELD_PROFILE_PERIOD, v))
			return -ENOMEM;
	}

	/* comment is a repeated int64: one unpacked entry each, which parsers must accept */
	if (add_meta_comment(w, "event") || add_meta_comment(w, "target"))
		return -ENOMEM;
	for (size_t i = 0; i < profile_loss_count(p); i++) {
		uint64_t count;
		const char *reason = profile_loss_get(p, i, &count);
		buf_reset(&w->msg);
		if (buf_addf(&w->msg, "lost: %" PRIu64 " %s", count, reason))
			return -ENOMEM;
		int c = intern(w, w->msg.data, w->msg.len);
		if (c < 0 || pb_add_int(&w->tail, FIELD_PROFILE_COMMENT, c))
			return -ENOMEM;
	}

	if (o && o->has_default_value) {
		int t = intern_id(w, profile_value_type(p, o->default_value).type);
		if (t < 0 || pb_add_int(&w->tail, FIELD_PROFILE_DEFAULT_SAMPLE_TYPE, t))
			return -ENOMEM;
	}
	return 0;
}

/* ---- the whole profile ------------------------------------------------------------------------ */

static void writer_release(struct writer *w)
{
	if (w->z_open)
		deflateEnd(&w->z);
	free(w->zbuf);
	strpool_release(&w->strings);
	buf_release(&w->scratch);
	free(w->funcs);
	htab_release(&w->func_index);
	free(w->maps);
	htab_release(&w->map_index);
	free(w->locs);
	htab_release(&w->loc_index);
	free(w->loc_lines);
	free(w->single);
	free(w->sample_locs);
	buf_release(&w->msg);
	buf_release(&w->line);
	buf_release(&w->tail);
	buf_release(&w->out);
}

static int write_profile(struct writer *w, const struct pprof_opts *o)
{
	const struct profile *p = w->p;
	size_t nvalues = profile_value_count(p);
	int rc;

	for (size_t i = 0; i < nvalues; i++) {
		struct value_type vt = profile_value_type(p, i);
		if (encode_value_type(w, profile_str(p, vt.type), profile_str(p, vt.unit)))
			return nomem(w);
		if ((rc = emit(w, FIELD_PROFILE_SAMPLE_TYPE, &w->line)))
			return rc;
	}
	if (encode_tail(w, o))
		return nomem(w);
	for (size_t i = 0; i < profile_stack_count(p); i++) {
		struct profile_stack s = profile_stack_get(p, (uint32_t)i);
		if ((rc = write_sample(w, &s, nvalues)))
			return rc;
	}
	if ((rc = write_mappings(w)) || (rc = write_locations(w)) || (rc = write_functions(w)) ||
	    (rc = write_strings(w)))
		return rc;
	if (buf_add(&w->out, w->tail.data, w->tail.len))
		return nomem(w);
	if ((rc = gz_write(w, w->out.data, w->out.len, Z_FINISH)))
		return rc;
	buf_reset(&w->out);
	errno = 0;
	if (fflush(w->fp) != 0 || ferror(w->fp))
		return write_error(w);
	return 0;
}

int pprof_write(FILE *out, const struct profile *p, const struct pprof_opts *o, struct errbuf *err)
{
	if (o && (o->level < 0 || o->level > 9))
		return errbuf_set(err, -EINVAL, "invalid pprof compression level %d: expected 1 to 9", o->level);
	if (!profile_value_count(p))
		return errbuf_set(err, -ENODATA, "cannot write pprof output: the profile has no value types");
	if (o && o->has_default_value && o->default_value >= profile_value_count(p))
		return errbuf_set(err, -EINVAL, "the profile has no value %u", (unsigned)o->default_value);

	struct writer w = { .p = p, .fp = out, .err = err };
	int rc;
	buf_init(&w.scratch);
	buf_init(&w.msg);
	buf_init(&w.line);
	buf_init(&w.tail);
	buf_init(&w.out);
	htab_init(&w.func_index);
	htab_init(&w.map_index);
	htab_init(&w.loc_index);
	if (strpool_init(&w.strings) < 0) {
		rc = nomem(&w);
		goto out;
	}
	w.zbuf = malloc(CHUNK);
	w.single = calloc(profile_frame_count(p) + 1, sizeof(*w.single));
	if (!w.zbuf || !w.single) {
		rc = nomem(&w);
		goto out;
	}
	/* windowBits 15 + 16: a gzip header and trailer around the deflate stream, as pprof files are */
	int level = o && o->level ? o->level : 1;
	int z = deflateInit2(&w.z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
	if (z != Z_OK) {
		rc = z == Z_MEM_ERROR ? nomem(&w)
				      : errbuf_set(err, -EINVAL, "cannot write pprof output: zlib error %d", z);
		goto out;
	}
	w.z_open = true;
	rc = write_profile(&w, o);
out:
	writer_release(&w);
	return rc;
}

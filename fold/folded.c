// SPDX-License-Identifier: Apache-2.0
/* Folded stacks ("a;b;c 123", and the differential "a;b;c 10 20"): streaming reader and sorted writer. */
#include "fold/fold.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fold/internal.h"
#include "fold/profile.h"
#include "lib/buf.h"
#include "lib/err.h"
#include "lib/hash.h"
#include "lib/htab.h"

/*
 * Reading is dominated by naming frames, so two shortcuts keep it to about
 * one hash lookup per new frame: frames named by the same text as the previous
 * line (sorted folded files share long prefixes) reuse its ids, and the others
 * go through one table from frame text straight to frame id (the kind follows
 * from the text, so the text alone names the frame).
 */
struct text_key {
	const char *s;
	size_t len;
};

struct folded_state {
	bool decided;      /* the first data line set the mode */
	bool diff;         /* differential input */
	int idx_a, idx_b;  /* value type indexes; idx_b < 0 when the profile has a single column */
	uint32_t *frames;  /* this line's frame ids */
	size_t *ends;      /* offset of the byte after each frame in the line's stack text */
	size_t cap;
	size_t prev_depth; /* frames of the previous line still in `frames`/`ends` */
	struct buf prev;   /* the previous line's stack text */
	struct htab by_text;
	struct text_key *text; /* per frame id: its name, borrowed from the profile (stable) */
	size_t ntext;
};

int folded_begin(struct fold_reader *r)
{
	r->fs = calloc(1, sizeof(*r->fs));
	if (!r->fs)
		return -ENOMEM;
	buf_init(&r->fs->prev);
	htab_init(&r->fs->by_text);
	return 0;
}

void folded_free(struct fold_reader *r)
{
	if (!r->fs)
		return;
	free(r->fs->frames);
	free(r->fs->ends);
	buf_release(&r->fs->prev);
	htab_release(&r->fs->by_text);
	free(r->fs->text);
	free(r->fs);
	r->fs = NULL;
}

static bool frame_text_eq(uint32_t id, const void *key, void *arg)
{
	const struct folded_state *fs = arg;
	const struct text_key *k = key;
	return fs->text[id].len == k->len && memcmp(fs->text[id].s, k->s, k->len) == 0;
}

/* Remember frame `id`'s text for frame_text_eq(). 0 or -ENOMEM. */
static int note_text(struct folded_state *fs, const struct profile *p, uint32_t id)
{
	if (id >= fs->ntext) {
		size_t n = fs->ntext ? fs->ntext : 1024;
		while (n <= id)
			n *= 2;
		struct text_key *t = realloc(fs->text, n * sizeof(*t));
		if (!t)
			return -ENOMEM;
		memset(t + fs->ntext, 0, (n - fs->ntext) * sizeof(*t));
		fs->text = t;
		fs->ntext = n;
	}
	uint32_t name = profile_frame_get(p, id)->name;
	fs->text[id].s = profile_str(p, name);
	fs->text[id].len = profile_str_len(p, name);
	return 0;
}

int folded_end(struct fold_reader *r, struct errbuf *err)
{
	(void)r;
	(void)err;
	return 0;
}

bool folded_is_differential(const struct profile *p)
{
	const char *d = profile_meta_get(p, "differential");
	return d && strcmp(d, "1") == 0;
}

/*
 * /^(.*)\s+?(\d+(?:\.\d*)?)$/ as flamegraph.pl reads a line: the count is the
 * text after the last blank, the stack what precedes that blank.
 */
static bool split_count(const char *s, size_t n, size_t *stack_len, int64_t *v, bool *frac)
{
	size_t i = n;
	while (i > 0 && !fold_is_space((unsigned char)s[i - 1]))
		i--;
	if (i == 0 || !fold_parse_count(s + i, n - i, v, frac))
		return false;
	*stack_len = i - 1;
	return true;
}

static int choose_types(struct fold_reader *r, struct errbuf *err)
{
	struct folded_state *fs = r->fs;
	struct profile *p = r->p;

	fs->idx_b = -1;
	if (profile_value_count(p) == 0) {
		if (fs->diff) {
			fs->idx_a = profile_add_value_type(p, FOLDED_DIFF_BEFORE, "count");
			fs->idx_b = profile_add_value_type(p, FOLDED_DIFF_AFTER, "count");
			if (fs->idx_b >= 0 && profile_meta_set(p, "differential", "1") < 0)
				fs->idx_b = -ENOMEM;
		} else {
			fs->idx_a = profile_add_value_type(p, "samples", "count");
		}
		if (fs->idx_a < 0 || (fs->diff && fs->idx_b < 0))
			return errbuf_set(err, -ENOMEM, "cannot read folded input: out of memory");
	} else {
		fs->idx_a = 0;
		if (folded_is_differential(p) && profile_value_count(p) >= 2)
			fs->idx_b = 1;
	}
	fs->decided = true;
	return 0;
}

/* Frame kind from the annotations stackcollapse scripts append; the name keeps them. */
static enum frame_kind kind_of(const char *s, size_t n)
{
	if (n >= 4 && s[n - 4] == '_' && s[n - 3] == '[' && s[n - 1] == ']') {
		switch (s[n - 2]) {
		case 'k':
			return FRAME_KERNEL;
		case 'j':
			return FRAME_JIT;
		case 'i':
			return FRAME_INLINED;
		}
	}
	return FRAME_USER;
}

int folded_line(struct fold_reader *r, const char *s, size_t n, struct errbuf *err)
{
	struct folded_state *fs = r->fs;
	size_t len, len2;
	int64_t a, b;
	bool frac, frac2, two = false;

	if (n && s[n - 1] == '\r')
		n--; /* CRLF files */
	if (n == 0 || s[0] == '#')
		return 0;
	if (!split_count(s, n, &len, &b, &frac)) {
		fold_reader_malformed(r, "no count at the end of the line", s, n);
		return 0;
	}
	a = b;
	if ((!fs->decided || fs->diff) && split_count(s, len, &len2, &a, &frac2)) {
		two = true;
		frac |= frac2;
	}
	if (!fs->decided) {
		fs->diff = two;
		r->st.differential = two;
		if (choose_types(r, err) < 0)
			return -ENOMEM;
	}
	if (two && fs->diff)
		len = len2;
	else
		a = b;
	if (frac)
		r->st.rounded++;

	/* split ";": empty fields are kept, trailing empty ones dropped */
	while (len && s[len - 1] == ';')
		len--;
	if (len == 0) {
		/* flamegraph.pl would count it for the root only; nothing folds to it */
		fold_reader_malformed(r, "no frames before the count", s, n);
		return 0;
	}
	/* frames wholly inside the text shared with the previous line keep its ids */
	size_t common = 0, lim = len < fs->prev.len ? len : fs->prev.len;
	while (common < lim && s[common] == fs->prev.data[common])
		common++;
	size_t depth = 0;
	while (depth < fs->prev_depth && fs->ends[depth] < common)
		depth++;
	const char *f = depth ? s + fs->ends[depth - 1] + 1 : s, *end = s + len;
	while (len && f <= end) {
		const char *semi = memchr(f, ';', (size_t)(end - f));
		size_t fl = semi ? (size_t)(semi - f) : (size_t)(end - f);
		if (depth == fs->cap) {
			size_t cap = fs->cap ? fs->cap * 2 : 256;
			uint32_t *v = realloc(fs->frames, cap * sizeof(*v));
			size_t *e = v ? realloc(fs->ends, cap * sizeof(*e)) : NULL;
			if (v)
				fs->frames = v;
			if (!e)
				return errbuf_set(err, -ENOMEM, "cannot read folded input: out of memory");
			fs->ends = e;
			fs->cap = cap;
		}
		struct text_key key = { f, fl };
		uint64_t h = hash_bytes(f, fl, 3);
		uint32_t id = htab_find(&fs->by_text, h, frame_text_eq, &key, fs);
		if (id == HTAB_NONE) {
			int nid = profile_frame_named(r->p, f, fl, kind_of(f, fl));
			if (nid < 0 || note_text(fs, r->p, (uint32_t)nid) < 0 ||
			    htab_insert(&fs->by_text, h, (uint32_t)nid) < 0)
				return errbuf_set(err, -ENOMEM, "cannot read folded input: out of memory");
			id = (uint32_t)nid;
		}
		fs->ends[depth] = (size_t)(f - s) + fl;
		fs->frames[depth++] = id;
		if (!semi)
			break;
		f = semi + 1;
	}
	buf_reset(&fs->prev);
	if (buf_add(&fs->prev, s, len) < 0)
		return errbuf_set(err, -ENOMEM, "cannot read folded input: out of memory");
	fs->prev_depth = depth;

	int64_t values[PROFILE_MAX_VALUES] = { 0 };
	if (fs->idx_b >= 0) {
		values[fs->idx_a] = a;
		values[fs->idx_b] = b;
	} else {
		values[fs->idx_a] = b; /* a differential line into a one-column profile: the newer count */
	}
	if (profile_add_stack(r->p, fs->frames, depth, values) < 0)
		return errbuf_set(err, -ENOMEM, "cannot read folded input: out of memory");
	r->st.samples++;
	return 0;
}

/* ---- writer ------------------------------------------------------------------------------------ */

/*
 * Lines sort as stackcollapse-perf.pl sorts its keys: the joined text,
 * byte-wise. Building every stack's text to sort it costs more than the
 * whole parse, so when no frame name holds a ';' each stack becomes a string
 * of 32-bit big-endian ranks, one per frame, that memcmp() orders exactly as
 * the text: a frame followed by more frames ranks as "name;", the last one as
 * "name" then end-of-line (which sorts before any byte). Equal names get equal
 * ranks. Names holding a ';' make the text itself the sort key.
 */
struct line_ref {
	size_t off, len; /* sort key in the key buffer: text, or ranks (len in bytes) */
	uint32_t stack;
	int64_t v, v2;
};

struct rank_key {
	uint32_t name;
	bool last;
};

static int cmp_rank_keys(const void *x, const void *y, void *arg)
{
	const struct profile *p = arg;
	const struct rank_key *a = x, *b = y;
	const unsigned char *sa = (const unsigned char *)profile_str(p, a->name);
	const unsigned char *sb = (const unsigned char *)profile_str(p, b->name);
	size_t la = profile_str_len(p, a->name), lb = profile_str_len(p, b->name);
	int c = memcmp(sa, sb, la < lb ? la : lb);
	if (c)
		return c;
	/* after the common part: ';' for a frame with more after it, -1 for the end of the line */
	int na = la < lb ? (a->last ? -1 : ';') : la > lb ? sa[lb] : (a->last ? -1 : ';');
	int nb = lb < la ? (b->last ? -1 : ';') : lb > la ? sb[la] : (b->last ? -1 : ';');
	return na - nb;
}

static int cmp_keys(const void *x, const void *y, void *arg)
{
	const char *keys = arg;
	const struct line_ref *a = x, *b = y;
	int c = memcmp(keys + a->off, keys + b->off, a->len < b->len ? a->len : b->len);
	if (c)
		return c;
	return a->len < b->len ? -1 : a->len > b->len;
}

static bool names_have_separator(const struct profile *p)
{
	for (size_t i = 0; i < profile_frame_count(p); i++) {
		uint32_t name = profile_frame_get(p, (uint32_t)i)->name;
		if (memchr(profile_str(p, name), ';', profile_str_len(p, name)))
			return true;
	}
	return false;
}

/* ranks[2 * frame + last]: the rank of every frame as a middle and as a last frame. NULL on ENOMEM. */
static uint32_t *frame_ranks(const struct profile *p)
{
	size_t nf = profile_frame_count(p);
	struct rank_key *keys = calloc(2 * nf + 1, sizeof(*keys));
	uint32_t *ranks = calloc(2 * nf + 1, sizeof(*ranks));
	uint32_t *by_name = NULL;
	if (!keys || !ranks)
		goto fail;
	/* rank names, not frames: frames differing only by module print the same */
	size_t nk = 0;
	for (size_t i = 0; i < nf; i++) {
		keys[nk++] = (struct rank_key){ profile_frame_get(p, (uint32_t)i)->name, false };
		keys[nk++] = (struct rank_key){ profile_frame_get(p, (uint32_t)i)->name, true };
	}
	qsort_r(keys, nk, sizeof(*keys), cmp_rank_keys, (void *)p);
	/* dense ranks, by name id and lastness; the largest name id bounds the table */
	uint32_t max_name = 0;
	for (size_t i = 0; i < nk; i++)
		if (keys[i].name > max_name)
			max_name = keys[i].name;
	by_name = calloc(2 * ((size_t)max_name + 1), sizeof(*by_name));
	if (!by_name)
		goto fail;
	uint32_t rank = 0;
	for (size_t i = 0; i < nk; i++) {
		if (i && cmp_rank_keys(&keys[i - 1], &keys[i], (void *)p) != 0)
			rank++;
		by_name[2 * (size_t)keys[i].name + keys[i].last] = rank;
	}
	for (size_t i = 0; i < nf; i++) {
		uint32_t name = profile_frame_get(p, (uint32_t)i)->name;
		ranks[2 * i] = by_name[2 * (size_t)name];
		ranks[2 * i + 1] = by_name[2 * (size_t)name + 1];
	}
	free(keys);
	free(by_name);
	return ranks;
fail:
	free(keys);
	free(ranks);
	free(by_name);
	return NULL;
}

/*
 * A stack's line text. A ';' inside a name (Rust's `<[u8; 2]>`, a JIT's
 * label) would split the frame: it is written ':', as stackcollapse-perf.pl
 * tidies names.
 */
static int add_stack_text(struct buf *b, const struct profile *p, uint32_t stack)
{
	struct profile_stack st = profile_stack_get(p, stack);
	for (uint32_t d = 0; d < st.depth; d++) {
		uint32_t name = profile_frame_get(p, st.frames[d])->name;
		size_t len = profile_str_len(p, name);
		if ((d && buf_addch(b, ';')) || buf_add(b, profile_str(p, name), len))
			return -ENOMEM;
		for (char *c = b->data + b->len - len; c < b->data + b->len; c++)
			if (*c == ';')
				*c = ':';
	}
	return 0;
}

/* The stacks of `p` as sorted, merged line refs; `keys` holds their sort keys. */
static int sorted_refs(const struct profile *p, const struct folded_write_opts *o, struct line_ref **out,
		       size_t *count, struct buf *keys, struct errbuf *err)
{
	size_t n = profile_stack_count(p), m = 0;
	uint32_t *ranks = NULL;
	struct line_ref *refs = NULL;

	*out = NULL;
	*count = 0;
	if (n && (o->value >= profile_value_count(p) || (o->differential && o->value2 >= profile_value_count(p))))
		return errbuf_set(err, -EINVAL, "cannot write folded output: no such value type");
	refs = calloc(n ? n : 1, sizeof(*refs));
	if (!refs)
		goto nomem;
	if (!names_have_separator(p) && !(ranks = frame_ranks(p)))
		goto nomem;
	for (size_t i = 0; i < n; i++) {
		struct profile_stack st = profile_stack_get(p, (uint32_t)i);
		struct line_ref *l = &refs[m];
		l->stack = (uint32_t)i;
		l->v = st.values[o->value];
		l->v2 = o->differential ? st.values[o->value2] : 0;
		if (o->skip_zero && l->v == 0 && l->v2 == 0)
			continue;
		l->off = keys->len;
		if (!ranks) {
			if (add_stack_text(keys, p, (uint32_t)i) < 0)
				goto nomem;
		} else {
			if (buf_grow(keys, (size_t)st.depth * 4) < 0)
				goto nomem;
			unsigned char *k = (unsigned char *)keys->data + keys->len;
			for (uint32_t d = 0; d < st.depth; d++, k += 4) {
				uint32_t r = ranks[2 * (size_t)st.frames[d] + (d + 1 == st.depth)];
				k[0] = (unsigned char)(r >> 24);
				k[1] = (unsigned char)(r >> 16);
				k[2] = (unsigned char)(r >> 8);
				k[3] = (unsigned char)r;
			}
			keys->len += (size_t)st.depth * 4;
		}
		l->len = keys->len - l->off;
		m++;
	}
	free(ranks);
	ranks = NULL;
	qsort_r(refs, m, sizeof(*refs), cmp_keys, keys->data);
	/* lines whose text is the same are summed into the first */
	size_t k = 0;
	for (size_t i = 0; i < m; i++) {
		if (k && cmp_keys(&refs[k - 1], &refs[i], keys->data) == 0) {
			refs[k - 1].v += refs[i].v;
			refs[k - 1].v2 += refs[i].v2;
			continue;
		}
		refs[k++] = refs[i];
	}
	*out = refs;
	*count = k;
	return 0;
nomem:
	free(ranks);
	free(refs);
	return errbuf_set(err, -ENOMEM, "cannot write folded output: out of memory");
}

int folded_lines_build(const struct profile *p, const struct folded_write_opts *o, struct folded_lines *out,
		       struct errbuf *err)
{
	static const struct folded_write_opts defaults;
	struct buf text = BUF_INIT, scratch = BUF_INIT;
	struct line_ref *refs = NULL;
	size_t m = 0;

	memset(out, 0, sizeof(*out));
	int rc = sorted_refs(p, o ? o : &defaults, &refs, &m, &scratch, err);
	if (rc)
		return rc;
	out->lines = calloc(m ? m : 1, sizeof(*out->lines));
	if (!out->lines)
		goto nomem;
	for (size_t i = 0; i < m; i++) {
		size_t off = text.len;
		if (add_stack_text(&text, p, refs[i].stack) < 0 || buf_addch(&text, '\0') < 0)
			goto nomem;
		out->lines[i].len = text.len - 1 - off;
		out->lines[i].value = refs[i].v;
		out->lines[i].value2 = refs[i].v2;
	}
	out->text = buf_detach(&text, NULL);
	if (!out->text)
		goto nomem;
	/* pointers only now: the text moved while it grew */
	for (size_t i = 0, off = 0; i < m; off += out->lines[i].len + 1, i++)
		out->lines[i].stack = out->text + off;
	out->count = m;
	goto out;
nomem:
	folded_lines_release(out);
	rc = errbuf_set(err, -ENOMEM, "cannot write folded output: out of memory");
out:
	buf_release(&text);
	buf_release(&scratch);
	free(refs);
	return rc;
}

void folded_lines_release(struct folded_lines *l)
{
	if (!l)
		return;
	free(l->lines);
	free(l->text);
	memset(l, 0, sizeof(*l));
}

/* Append the decimal form of `v`. */
static int add_int(struct buf *b, int64_t v)
{
	char tmp[24], *e = tmp + sizeof(tmp), *s = e;
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	do {
		*--s = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		*--s = '-';
	return buf_add(b, s, (size_t)(e - s));
}

int folded_write(const struct profile *p, FILE *out, const struct folded_write_opts *o, struct errbuf *err)
{
	static const struct folded_write_opts defaults;
	struct buf b = BUF_INIT, scratch = BUF_INIT;
	struct line_ref *refs;
	size_t m;

	if (!o)
		o = &defaults;
	int rc = sorted_refs(p, o, &refs, &m, &scratch, err);
	if (rc)
		return rc;
	for (size_t i = 0; i < m && !rc; i++) {
		if (add_stack_text(&b, p, refs[i].stack) || buf_addch(&b, ' ') || add_int(&b, refs[i].v) ||
		    (o->differential && (buf_addch(&b, ' ') || add_int(&b, refs[i].v2))) || buf_addch(&b, '\n')) {
			rc = errbuf_set(err, -ENOMEM, "cannot write folded output: out of memory");
			break;
		}
		if (b.len >= 1 << 16 || i + 1 == m) {
			if (fwrite(b.data, 1, b.len, out) != b.len)
				rc = errbuf_set(err, -EIO, "cannot write folded output: %s", strerror(errno));
			buf_reset(&b);
		}
	}
	buf_release(&b);
	buf_release(&scratch);
	free(refs);
	return rc;
}

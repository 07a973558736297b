// SPDX-License-Identifier: Apache-2.0
/* JSON output: string escaping, and the d3-flame-graph tree {name, value, children} of a profile. */
#include "fold/export.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "fold/profile.h"
#include "lib/buf.h"
#include "lib/err.h"

#define FLUSH_AT (1 << 18)

/* Length of the valid UTF-8 sequence at s (no surrogates or overlongs), or 0. */
static size_t utf8_valid(const unsigned char *s, size_t len)
{
	unsigned char c = s[0];
	if (c < 0x80)
		return 1;
	if (c < 0xc2 || c > 0xf4)
		return 0;
	size_t n = c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
	if (len < n)
		return 0;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] >= 0xa0) || (c == 0xf0 && s[1] < 0x90) ||
	    (c == 0xf4 && s[1] >= 0x90))
		return 0;
	return n;
}

int json_escape(struct buf *out, const char *str, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)str;
	if (buf_grow(out, len + 2) < 0)
		return -ENOMEM;
	for (size_t i = 0; i < len;) {
		size_t run = i;
		while (run < len && s[run] >= 0x20 && s[run] < 0x80 && s[run] != '"' && s[run] != '\\')
			run++;
		if (run > i && buf_add(out, s + i, run - i) < 0)
			return -ENOMEM;
		i = run;
		if (i >= len)
			break;
		unsigned char c = s[i];
		int rc;
		if (c == '"' || c == '\\') {
			char e[2] = { '\\', (char)c };
			rc = buf_add(out, e, 2);
			i++;
		} else if (c < 0x20) {
			const char *e = c == '\n' ? "\\n" : c == '\t' ? "\\t" : c == '\r' ? "\\r" : NULL;
			if (e) {
				rc = buf_addstr(out, e);
			} else {
				char u[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };
				rc = buf_add(out, u, 6);
			}
			i++;
		} else {
			size_t n = utf8_valid(s + i, len - i);
			if (!n) {
				rc = buf_addstr(out, "\\ufffd");
				i++;
			} else if (n == 3 && c == 0xe2 && s[i + 1] == 0x80 && (s[i + 2] == 0xa8 || s[i + 2] == 0xa9)) {
				/* U+2028/9 are valid JSON but end lines in JavaScript: escape them */
				rc = buf_addstr(out, s[i + 2] == 0xa8 ? "\\u2028" : "\\u2029");
				i += 3;
			} else {
				rc = buf_add(out, s + i, n);
				i += n;
			}
		}
		if (rc < 0)
			return -ENOMEM;
	}
	return 0;
}

/* ---- the tree ---- */

struct jstack {
	const uint32_t *frames;
	uint32_t depth;
	int64_t value;
	int64_t before; /* differential: the value before */
};

struct jctx {
	const struct profile *p;
	const uint32_t *fname; /* frame id -> name string id */
};

static int cmp_name(const struct profile *p, uint32_t a, uint32_t b)
{
	if (a == b)
		return 0;
	size_t la = profile_str_len(p, a), lb = profile_str_len(p, b);
	int c = memcmp(profile_str(p, a), profile_str(p, b), la < lb ? la : lb);
	return c ? c : (la > lb) - (la < lb);
}

static int cmp_jstack(const void *x, const void *y, void *arg)
{
	const struct jctx *c = arg;
	const struct jstack *a = x, *b = y;
	uint32_t n = a->depth < b->depth ? a->depth : b->depth;
	for (uint32_t k = 0; k < n; k++) {
		int r = cmp_name(c->p, c->fname[a->frames[k]], c->fname[b->frames[k]]);
		if (r)
			return r;
	}
	return (a->depth > b->depth) - (a->depth < b->depth);
}

static const char *kind_name(uint32_t kind)
{
	switch (kind) {
	case FRAME_KERNEL: return "kernel";
	case FRAME_JIT: return "jit";
	case FRAME_INLINED: return "inlined";
	case FRAME_SYNTHETIC: return "synthetic";
	default: return NULL;
	}
}

/* An open node of the walk: its value and (differential) own change so far. */
struct jopen {
	uint32_t name;
	int64_t value;
	int64_t delta;
	bool has_child;
};

struct jout {
	FILE *fp;
	struct buf b;
	int err;
};

static void jflush(struct jout *o)
{
	if (o->b.len && fwrite(o->b.data, 1, o->b.len, o->fp) != o->b.len && !o->err)
		o->err = -EIO;
	buf_reset(&o->b);
}

static void jcheck(struct jout *o, int rc)
{
	if (rc < 0 && !o->err)
		o->err = -ENOMEM;
	if (o->b.len >= FLUSH_AT)
		jflush(o);
}

static void jclose(struct jout *o, const struct jopen *n, bool diff)
{
	jcheck(o, buf_addf(&o->b, "],\"value\":%lld", (long long)n->value));
	if (diff)
		jcheck(o, buf_addf(&o->b, ",\"delta\":%lld", (long long)n->delta));
	jcheck(o, buf_addch(&o->b, '}'));
}

int profile_write_json(const struct profile *p, FILE *out, uint32_t value_index, int diff_before,
		       struct errbuf *err)
{
	size_t nv = profile_value_count(p);
	bool diff = diff_before >= 0;
	if (value_index >= nv || (diff && (size_t)diff_before >= nv))
		return errbuf_set(err, -EINVAL, "the profile has no value %u", (unsigned)value_index);

	size_t ns = profile_stack_count(p), nf = profile_frame_count(p), m = 0;
	uint32_t maxdepth = 0;
	struct jstack *st = malloc((ns ? ns : 1) * sizeof(*st));
	uint32_t *fname = malloc((nf ? nf : 1) * sizeof(*fname));
	struct jopen *path = NULL;
	struct jout o = { .fp = out, .b = BUF_INIT };
	int rc = 0;
	if (!st || !fname)
		goto nomem;
	for (uint32_t i = 0; i < nf; i++)
		fname[i] = profile_frame_get(p, i)->name;
	for (uint32_t i = 0; i < ns; i++) {
		struct profile_stack s = profile_stack_get(p, i);
		if (s.values[value_index] == 0)
			continue;
		st[m].frames = s.frames;
		st[m].depth = s.depth;
		st[m].value = s.values[value_index];
		st[m].before = diff ? s.values[diff_before] : 0;
		if (s.depth > maxdepth)
			maxdepth = s.depth;
		m++;
	}
	struct jctx ctx = { p, fname };
	qsort_r(st, m, sizeof(*st), cmp_jstack, &ctx);
	path = calloc((size_t)maxdepth + 1, sizeof(*path));
	if (!path)
		goto nomem;

	jcheck(&o, buf_addstr(&o.b, "{\"name\":\"root\",\"children\":["));
	uint32_t open = 0; /* depth of the deepest open node; 0 = root only */
	const struct jstack *prev = NULL;
	for (size_t i = 0; i < m && !o.err; i++) {
		const struct jstack *s = &st[i];
		uint32_t same = 0;
		if (prev) {
			uint32_t n = prev->depth < s->depth ? prev->depth : s->depth;
			while (same < n && same < open && fname[prev->frames[same]] == fname[s->frames[same]])
				same++;
		}
		for (uint32_t d = open; d > same; d--) {
			jclose(&o, &path[d], diff);
			path[d - 1].value += path[d].value;
		}
		open = same;
		for (uint32_t k = same; k < s->depth; k++) {
			const struct frame *f = profile_frame_get(p, s->frames[k]);
			struct jopen *parent = &path[k];
			if (parent->has_child)
				jcheck(&o, buf_addch(&o.b, ','));
			parent->has_child = true;
			jcheck(&o, buf_addstr(&o.b, "{\"name\":\""));
			jcheck(&o, json_escape(&o.b, profile_str(p, f->name), profile_str_len(p, f->name)));
			jcheck(&o, buf_addch(&o.b, '"'));
			const char *kn = kind_name(f->kind);
			if (kn)
				jcheck(&o, buf_addf(&o.b, ",\"kind\":\"%s\"", kn));
			jcheck(&o, buf_addstr(&o.b, ",\"children\":["));
			path[k + 1] = (struct jopen){ .name = f->name };
			open = k + 1;
		}
		/* the stack's own value sits on its leaf; parents add their children when they close */
		path[s->depth].value += s->value;
		path[s->depth].delta += s->value - s->before;
		prev = s;
	}
	for (uint32_t d = open; d > 0; d--) {
		jclose(&o, &path[d], diff);
		path[d - 1].value += path[d].value;
	}
	jclose(&o, &path[0], diff);
	jcheck(&o, buf_addch(&o.b, '\n'));
	jflush(&o);
	if (!o.err && fflush(out) != 0)
		o.err = -EIO;
	if (o.err == -ENOMEM)
		goto nomem;
	if (o.err)
		rc = errbuf_set(err, o.err, "cannot write the JSON profile: %s", strerror(-o.err));
	goto out;
nomem:
	rc = errbuf_set(err, -ENOMEM, "out of memory writing the JSON profile");
out:
	free(st);
	free(fname);
	free(path);
	buf_release(&o.b);
	return rc;
}

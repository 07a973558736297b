// SPDX-License-Identifier: Apache-2.0
/* Flame graph layout: stacks sorted as flamegraph.pl sorts its lines, then merged into frames. */
#include "render/internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/err.h"

/* A stack to draw, with its width value and (differential) change. */
struct lstack {
	const uint32_t *frames; /* frame ids, root first */
	uint32_t depth;
	uint32_t id;            /* profile stack id */
	int64_t width;
	int64_t delta;
};

struct layout_ctx {
	const struct profile *p;
	const uint32_t *fname; /* frame id -> name string id */
	const uint32_t *rank;  /* frame id -> rank of its name in byte order (equal names, equal rank) */
	const uint8_t *prefix; /* frame id -> its name is a proper prefix of another name */
	bool reverse;
};

static inline uint32_t frame_at(const struct layout_ctx *c, const struct lstack *s, uint32_t k)
{
	return s->frames[c->reverse ? s->depth - 1 - k : k];
}

static inline uint32_t name_at(const struct layout_ctx *c, const struct lstack *s, uint32_t k)
{
	return c->fname[frame_at(c, s, k)];
}

/*
 * Compare frame names `a` and `b` (string ids) as they appear inside
 * flamegraph.pl's joined lines: when one is a prefix of the other, the
 * shorter continues with ';' (`more` frames follow) or ' ' (the count).
 */
static int cmp_frame(const struct profile *p, uint32_t a, uint32_t b, bool a_more, bool b_more)
{
	if (a == b)
		return 0;
	const char *sa = profile_str(p, a), *sb = profile_str(p, b);
	size_t la = profile_str_len(p, a), lb = profile_str_len(p, b);
	int c = memcmp(sa, sb, la < lb ? la : lb);
	if (c)
		return c;
	if (la < lb)
		return (a_more ? ';' : ' ') - (unsigned char)sb[la];
	if (lb < la)
		return (unsigned char)sa[lb] - (b_more ? ';' : ' ');
	return 0;
}

int flame_stack_cmp(const struct profile *p, const uint32_t *a, size_t na, const uint32_t *b, size_t nb)
{
	size_t n = na < nb ? na : nb;
	for (size_t k = 0; k < n; k++) {
		int c = cmp_frame(p, a[k], b[k], k + 1 < na, k + 1 < nb);
		if (c)
			return c;
	}
	return (na > nb) - (na < nb);
}

static int cmp_lstack(const void *x, const void *y, void *arg)
{
	const struct layout_ctx *c = arg;
	const struct lstack *a = x, *b = y;
	uint32_t n = a->depth < b->depth ? a->depth : b->depth;
	for (uint32_t k = 0; k < n; k++) {
		uint32_t fa = frame_at(c, a, k), fb = frame_at(c, b, k);
		if (fa == fb)
			continue;
		uint32_t ra = c->rank[fa], rb = c->rank[fb];
		if (ra == rb)
			continue;
		/* byte order of the names decides, unless one may be a prefix of the other */
		if (!(c->prefix[fa] | c->prefix[fb]))
			return ra < rb ? -1 : 1;
		int r = cmp_frame(c->p, c->fname[fa], c->fname[fb], k + 1 < a->depth, k + 1 < b->depth);
		if (r)
			return r;
	}
	if (a->depth != b->depth)
		return a->depth < b->depth ? -1 : 1;
	/* equal names (frames differing only in kind or module): keep profile order */
	return (a->id > b->id) - (a->id < b->id);
}

static int cmp_frame_names(const void *x, const void *y, void *arg)
{
	const struct layout_ctx *c = arg;
	uint32_t a = c->fname[*(const uint32_t *)x], b = c->fname[*(const uint32_t *)y];
	if (a == b)
		return 0;
	size_t la = profile_str_len(c->p, a), lb = profile_str_len(c->p, b);
	int r = memcmp(profile_str(c->p, a), profile_str(c->p, b), la < lb ? la : lb);
	return r ? r : (la > lb) - (la < lb);
}

/*
 * Rank frames by name so the sort compares integers: equal names share a
 * rank. A name that another extends by a byte up to ';' (found next to it in
 * byte order, as those sort first among its extensions) is flagged: there the
 * separator after it (';' or ' ') decides the order, so strings are compared.
 */
static int rank_frames(struct layout_ctx *c, size_t nf, uint32_t *rank, uint8_t *prefix)
{
	uint32_t *order = malloc((nf ? nf : 1) * sizeof(*order));
	if (!order)
		return -ENOMEM;
	for (uint32_t i = 0; i < nf; i++)
		order[i] = i;
	qsort_r(order, nf, sizeof(*order), cmp_frame_names, c);
	uint32_t r = 0;
	for (size_t i = 0; i < nf; i++) {
		uint32_t name = c->fname[order[i]];
		if (i && name != c->fname[order[i - 1]])
			r++;
		rank[order[i]] = r;
		prefix[order[i]] = 0;
	}
	/* walk back so every frame of a name learns whether the next distinct name extends it */
	uint8_t flag = 0;
	for (size_t i = nf; i-- > 0;) {
		uint32_t name = c->fname[order[i]];
		if (i + 1 < nf && name != c->fname[order[i + 1]]) {
			uint32_t next = c->fname[order[i + 1]];
			size_t ln = profile_str_len(c->p, name);
			/* only an extension by a byte up to ';' can sort against the separator after `name` */
			flag = profile_str_len(c->p, next) > ln &&
			       (unsigned char)profile_str(c->p, next)[ln] <= ';' &&
			       memcmp(profile_str(c->p, next), profile_str(c->p, name), ln) == 0;
		} else if (i + 1 == nf) {
			flag = 0;
		}
		prefix[order[i]] = flag;
	}
	free(order);
	return 0;
}

static int grow_nodes(struct flame_layout *l)
{
	if (l->count < l->cap)
		return 0;
	size_t cap = l->cap ? l->cap * 2 : 4096;
	struct flame_node *n = realloc(l->nodes, cap * sizeof(*n));
	if (!n)
		return -ENOMEM;
	l->nodes = n;
	if (l->nvals) {
		int64_t *v = realloc(l->vals, cap * l->nvals * sizeof(*v));
		if (!v)
			return -ENOMEM;
		l->vals = v;
	}
	l->cap = cap;
	return 0;
}

static bool is_separator(const struct profile *p, uint32_t name)
{
	return profile_str_len(p, name) == 2 && memcmp(profile_str(p, name), "--", 2) == 0;
}

/* Close node `i` at `time`: drop it with its subtree (the nodes after it) when too narrow. */
static void close_node(struct flame_layout *l, size_t i, int64_t time)
{
	struct flame_node *n = &l->nodes[i];
	n->end = time;
	if (n->depth > 0 && (double)(n->end - n->start) < l->min_time) {
		l->count = i;
		return;
	}
	if (l->nvals) {
		const int64_t *v = l->vals + i * l->nvals;
		size_t best = 0;
		for (size_t k = 1; k < l->nvals; k++)
			if (v[k] > v[best])
				best = k;
		n->dominant = (uint8_t)best;
	}
}

static int collect(struct flame_layout *l, const struct profile *p, const struct flame_opts *o,
		   struct lstack **out, size_t *nout, uint32_t *maxdepth, struct errbuf *err)
{
	size_t n = profile_stack_count(p), nv = profile_value_count(p), m = 0;
	struct lstack *s = calloc(n ? n : 1, sizeof(*s));
	if (!s)
		return errbuf_set(err, -ENOMEM, "out of memory laying out %zu stacks", n);
	*maxdepth = 0;
	for (uint32_t i = 0; i < n; i++) {
		struct profile_stack st = profile_stack_get(p, i);
		int64_t w = 0, d = 0;
		if (o->diff) {
			w = st.values[o->diff_after];
			d = w - st.values[o->diff_before];
		} else if (o->value_mask) {
			for (size_t k = 0; k < nv; k++)
				if ((o->value_mask >> k) & 1 && st.values[k] > 0 &&
				    __builtin_add_overflow(w, st.values[k], &w))
					goto overflow;
		} else {
			w = st.values[o->value_index];
		}
		if (o->diff) {
			/* every stack counts, also one gone from the second profile (width 0) */
			int64_t ad = d < 0 ? -d : d;
			if (ad > l->max_delta)
				l->max_delta = ad;
		}
		if (w <= 0)
			continue;
		if (__builtin_add_overflow(l->time, w, &l->time))
			goto overflow;
		s[m].frames = st.frames;
		s[m].depth = st.depth;
		s[m].id = i;
		s[m].width = w;
		s[m].delta = d;
		if (st.depth > *maxdepth)
			*maxdepth = st.depth;
		m++;
	}
	*out = s;
	*nout = m;
	return 0;
overflow:
	free(s);
	return errbuf_set(err, -EOVERFLOW, "profile values overflow a 64-bit total");
}

int flame_layout_build(struct flame_layout *l, const struct profile *p, const struct flame_opts *o,
		       struct errbuf *err)
{
	memset(l, 0, sizeof(*l));
	l->max_delta = 1;
	l->has_delta = o->diff;
	size_t nv = profile_value_count(p);
	if (o->diff ? (o->diff_before >= nv || o->diff_after >= nv) : o->value_index >= nv)
		return errbuf_set(err, -EINVAL, "the profile has no value %u to draw",
				  (unsigned)(o->diff ? o->diff_after : o->value_index));
	if (!o->diff && o->value_mask && (o->value_mask >> nv))
		return errbuf_set(err, -EINVAL, "the profile has only %zu value types", nv);
	bool mix = false;
	if (!o->diff && o->value_mask & (o->value_mask - 1))
		for (size_t k = 0; k < nv; k++)
			mix |= (o->value_mask >> k) & 1 && o->value_palettes[k] != FLAME_PAL_NONE;
	l->nvals = mix ? nv : 0;

	struct lstack *st = NULL;
	size_t nst = 0;
	uint32_t maxdepth = 0;
	uint32_t *fname = NULL, *path = NULL, *rank = NULL;
	uint8_t *fkind = NULL, *prefix = NULL;
	int rc = collect(l, p, o, &st, &nst, &maxdepth, err);
	if (rc < 0)
		return rc;
	if (l->time == 0) {
		rc = errbuf_set(err, -ENODATA, "no stack counts found");
		goto out;
	}
	l->timemax = o->total > (double)l->time ? o->total : (double)l->time;
	l->width_per_time = (o->width - 2.0 * FLAME_XPAD) / l->timemax;
	l->min_time = o->minwidth_percent ? l->timemax * o->minwidth / 100 : o->minwidth / l->width_per_time;

	size_t nf = profile_frame_count(p);
	fname = malloc((nf ? nf : 1) * sizeof(*fname));
	fkind = malloc(nf ? nf : 1);
	rank = malloc((nf ? nf : 1) * sizeof(*rank));
	prefix = malloc(nf ? nf : 1);
	path = malloc(((size_t)maxdepth + 1) * sizeof(*path));
	if (!fname || !fkind || !path || !rank || !prefix) {
		rc = errbuf_set(err, -ENOMEM, "out of memory laying out the flame graph");
		goto out;
	}
	for (uint32_t i = 0; i < nf; i++) {
		const struct frame *f = profile_frame_get(p, i);
		fname[i] = f->name;
		fkind[i] = (uint8_t)f->kind;
	}
	struct layout_ctx ctx = { p, fname, rank, prefix, o->reverse };
	if (!o->flamechart) {
		if (rank_frames(&ctx, nf, rank, prefix) < 0) {
			rc = errbuf_set(err, -ENOMEM, "out of memory laying out the flame graph");
			goto out;
		}
		qsort_r(st, nst, sizeof(*st), cmp_lstack, &ctx);
	}

	if (grow_nodes(l) < 0) {
		rc = errbuf_set(err, -ENOMEM, "out of memory laying out the flame graph");
		goto out;
	}
	memset(&l->nodes[0], 0, sizeof(l->nodes[0]));
	if (l->nvals)
		memset(l->vals, 0, l->nvals * sizeof(*l->vals));
	l->count = 1;
	path[0] = 0;
	uint32_t open = 0; /* depth of the deepest open frame */
	/* waker frames are told apart for the chain palette, the main one or a value's (wall + wakeup) */
	bool chain = o->palette == FLAME_PAL_CHAIN;
	for (size_t v = 0; v < PROFILE_MAX_VALUES && !chain; v++)
		chain = o->value_palettes[v] == FLAME_PAL_CHAIN;
	int64_t time = 0;
	const struct lstack *prev = NULL;
	for (size_t i = 0; i < nst; i++) {
		const struct lstack *s = &st[i];
		uint32_t same = 0;
		if (prev) {
			uint32_t n = prev->depth < s->depth ? prev->depth : s->depth;
			while (same < n && name_at(&ctx, prev, same) == name_at(&ctx, s, same))
				same++;
		}
		for (uint32_t d = open; d > same; d--)
			close_node(l, path[d], time);
		open = same;
		for (uint32_t k = same; k < s->depth; k++) {
			if (grow_nodes(l) < 0) {
				rc = errbuf_set(err, -ENOMEM, "out of memory laying out the flame graph");
				goto out;
			}
			const struct flame_node *parent = &l->nodes[path[k]];
			struct flame_node *n = &l->nodes[l->count];
			uint32_t fid = s->frames[o->reverse ? s->depth - 1 - k : k];
			memset(n, 0, sizeof(*n));
			n->name = fname[fid];
			n->kind = fkind[fid];
			n->depth = k + 1;
			n->start = time;
			/* chain graphs: frames after the first ";--;" are the waker's (the "--" has a frame before it) */
			n->waker = chain && (parent->waker || (k >= 2 && is_separator(p, parent->name)));
			if (l->nvals)
				memset(l->vals + l->count * l->nvals, 0, l->nvals * sizeof(*l->vals));
			path[k + 1] = (uint32_t)l->count++;
			open = k + 1;
		}
		if (o->diff)
			l->nodes[path[s->depth]].delta += s->delta;
		if (l->nvals) {
			struct profile_stack ps = profile_stack_get(p, s->id);
			for (uint32_t d = 0; d <= s->depth; d++) {
				int64_t *v = l->vals + (size_t)path[d] * l->nvals;
				for (size_t k = 0; k < l->nvals; k++)
					if ((o->value_mask >> k) & 1 && ps.values[k] > 0)
						v[k] += ps.values[k];
			}
		}
		time += s->width;
		prev = s;
	}
	for (uint32_t d = open; d > 0; d--)
		close_node(l, path[d], time);
	close_node(l, 0, time);
	for (size_t i = 0; i < l->count; i++)
		if (l->nodes[i].depth > l->max_depth)
			l->max_depth = l->nodes[i].depth;
out:
	free(st);
	free(fname);
	free(fkind);
	free(rank);
	free(prefix);
	free(path);
	if (rc < 0 && rc != -ENODATA)
		flame_layout_release(l);
	return rc;
}

void flame_layout_release(struct flame_layout *l)
{
	free(l->nodes);
	free(l->vals);
	l->nodes = NULL;
	l->vals = NULL;
	l->count = l->cap = 0;
}

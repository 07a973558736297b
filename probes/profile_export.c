// SPDX-License-Identifier: Apache-2.0
/* A map keyed by kstack/ustack as a profile (flame graphs through -o): frames symbolized, other keys as labels. */
#include "probes/probes.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fold/profile.h"
#include "lib/buf.h"
#include "lib/err.h"
#include "probes/maps.h"
#include "probes/session.h"
#include "symbolize/symbolize.h"

#define MAX_FRAMES 4096

static bool is_stack(const struct type *t)
{
	return t->kind == TY_KSTACK || t->kind == TY_USTACK;
}

/* The key's parts: one type, or the elements of a multi-key map. */
static uint32_t key_parts(const struct map_info *m, const struct type **types, const uint32_t **offs)
{
	static const uint32_t zero = 0;
	if (m->nkeys > 1) {
		*types = m->key.elems;
		*offs = m->key.offs;
		return m->nkeys;
	}
	*types = &m->key;
	*offs = &zero;
	return m->nkeys;
}

static bool has_stack(const struct map_info *m)
{
	const struct type *types;
	const uint32_t *offs;
	uint32_t n = key_parts(m, &types, &offs);
	for (uint32_t i = 0; i < n; i++)
		if (is_stack(&types[i]))
			return true;
	return false;
}

struct exporter {
	struct trace *t;
	struct map_info *m;
	struct profile *p;
	uint32_t *ids;
	uint64_t *addrs;
	struct errbuf *err;
};

/* Append the frames of one stack, root first. */
static int add_stack_frames(struct exporter *x, const struct type *t, const uint8_t *raw, size_t *depth)
{
	int pid;
	int n = decode_stack_addrs(&x->t->c, t, raw, x->addrs, MAX_FRAMES, &pid);
	if (n == -EFAULT)
		return 0; /* no stack of this kind here (a kernel stack of a user-mode sample) */
	if (n < 0) {
		/* lost: the stack map was full or two stacks collided; shown, never dropped */
		int id = profile_frame_named(x->p, "[lost stack]", 12, FRAME_SYNTHETIC);
		if (id < 0)
			return id;
		if (*depth < MAX_FRAMES)
			x->ids[(*depth)++] = (uint32_t)id;
		return 0;
	}
	if (pid > 0)
		sym_state_snapshot(&x->t->sym, pid);
	else if (!x->t->sym.sym)
		x->t->sym.sym = symbolizer_new(NULL);
	struct symbolizer *s = x->t->sym.sym;
	if (!s)
		return -ENOMEM;
	for (int i = n - 1; i >= 0; i--) {
		struct sym_chain ch;
		/* callers' addresses are return addresses: look up the call instruction */
		unsigned flags = i > 0 ? SYM_RETURN_ADDRESS : 0;
		int r = symbolizer_resolve(s, pid > 0 ? pid : SYM_PID_KERNEL, x->addrs[i], flags, &ch);
		if (r < 0)
			return r;
		r = symbolizer_chain_to_profile(s, &ch, x->p, 0, x->ids + *depth, MAX_FRAMES - *depth);
		if (r == -ENOSPC)
			break;
		if (r < 0)
			return r;
		*depth += (size_t)r;
	}
	return 0;
}

static int add_entry(const uint8_t *key, int64_t value, void *arg)
{
	struct exporter *x = arg;
	const struct type *types;
	const uint32_t *offs;
	uint32_t n = key_parts(x->m, &types, &offs);
	size_t depth = 0;
	int r;
	/* other key parts (comm, pid, ...) become labels at the root, in key order */
	for (uint32_t i = 0; i < n; i++) {
		if (is_stack(&types[i]))
			continue;
		struct decoder d;
		struct output_value v;
		struct buf text = BUF_INIT;
		decoder_init(&d, &x->t->c, &x->t->sym, x->t->rt.ncpus_possible);
		r = decode_value(&d, &types[i], key + offs[i], true, &v);
		if (!r)
			r = output_value_text(&text, &v);
		if (!r) {
			while (text.len && text.data[text.len - 1] == '\n')
				buf_truncate(&text, text.len - 1);
			r = profile_frame_named(x->p, text.data, text.len, FRAME_SYNTHETIC);
			if (r >= 0 && depth < MAX_FRAMES)
				x->ids[depth++] = (uint32_t)r;
		}
		buf_release(&text);
		decoder_release(&d);
		if (r < 0)
			return r;
	}
	/* user frames below kernel frames, as perf and flamegraph.pl draw them */
	for (int pass = 0; pass < 2; pass++)
		for (uint32_t i = 0; i < n; i++)
			if (types[i].kind == (pass ? TY_KSTACK : TY_USTACK) &&
			    (r = add_stack_frames(x, &types[i], key + offs[i], &depth)) < 0)
				return r;
	return profile_add_stack(x->p, x->ids, depth, &value);
}

int trace_profile(struct trace *t, const char *map_name, struct profile **out, struct errbuf *err)
{
	struct map_info *m = NULL;
	*out = NULL;
	for (uint32_t i = 0; i < t->c.nmaps; i++) {
		struct map_info *cand = t->c.maps[i];
		if (map_name ? strcmp(cand->name, map_name) == 0 : has_stack(cand))
			if (!m || strcmp(cand->name, m->name) < 0)
				m = cand;
	}
	if (!m) {
		if (map_name)
			return errbuf_set(err, -ENOENT, "no map '%s' in the program", map_name);
		errbuf_set(err, -ENOENT, "no map keyed by kstack or ustack to draw");
		errbuf_hint(err, "count stacks in a map, e.g. profile:hz:99 { @[ustack, kstack] = count(); }");
		return -ENOENT;
	}
	if (!has_stack(m))
		return errbuf_set(err, -EINVAL, "map '%s' is not keyed by kstack or ustack", m->name);
	if (m->value.kind != TY_COUNT && m->value.kind != TY_SUM && m->value.kind != TY_INT &&
	    m->value.kind != TY_HIST && m->value.kind != TY_LHIST && m->value.kind != TY_AVG &&
	    m->value.kind != TY_STATS && m->value.kind != TY_MIN && m->value.kind != TY_MAX)
		return errbuf_set(err, -EINVAL, "the values of map '%s' are not numbers", m->name);
	struct exporter x = { .t = t, .m = m, .err = err };
	x.p = profile_new();
	x.ids = calloc(MAX_FRAMES, sizeof(*x.ids));
	x.addrs = calloc(MAX_FRAMES, sizeof(*x.addrs));
	int r = -ENOMEM;
	if (!x.p || !x.ids || !x.addrs)
		goto out;
	bool counts = m->value.kind == TY_COUNT || m->value.kind == TY_HIST || m->value.kind == TY_LHIST ||
		      m->value.kind == TY_AVG || m->value.kind == TY_STATS;
	r = profile_add_value_type(x.p, counts ? "samples" : "value", counts ? "count" : "number");
	if (r < 0)
		goto out;
	profile_meta_set(x.p, "source", "scorch trace");
	profile_meta_set(x.p, "map", m->name);
	r = map_each(&t->c, m, t->rt.ncpus_possible, add_entry, &x);
out:
	free(x.ids);
	free(x.addrs);
	if (r < 0) {
		profile_free(x.p);
		return errbuf_set(err, r, "cannot turn map '%s' into a profile: %s", m->name, strerror(-r));
	}
	*out = x.p;
	return 0;
}

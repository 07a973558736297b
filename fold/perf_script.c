// SPDX-License-Identifier: Apache-2.0
/* `perf script` text reader with stackcollapse-perf.pl's semantics: sample headers, frame lines, tidy rules, labels. */
#include "fold/fold.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fold/internal.h"
#include "fold/profile.h"
#include "lib/err.h"
#include "lib/hash.h"
#include "lib/htab.h"

/*
 * The parse follows stackcollapse-perf.pl line by line (FlameGraph 41fee1f),
 * so its output matches byte for byte; the regular expressions are matched by
 * hand, with the same choices a backtracking matcher makes. Where the script
 * would drop data quietly (a sample cut off by the end of input), the drop is
 * the same but counted.
 */

/*
 * Real perf script text repeats the same frame lines ("ADDR SYM+OFF (DSO)")
 * over and over; parsing, tidying and interning one costs far more than
 * hashing it. So each frame line's text (less its indentation) maps to the
 * frame ids it gave. The result also depends on whether the process label
 * starts with "java" (Java tidy rule), which is part of the key. The cache is
 * bounded (LINE_CACHE_BYTES of keys): past that, lines are parsed each time.
 */
enum { LINE_CACHE_BYTES = 32 << 20 };

struct line_entry {
	size_t key_off;   /* into line_cache.keys */
	uint32_t key_len;
	bool java;
	uint32_t ids_off; /* into line_cache.ids */
	uint32_t nids;
};

struct line_cache {
	struct htab index;
	struct line_entry *entries;
	size_t count, cap;
	struct buf keys;
	uint32_t *ids;
	size_t nids, ids_cap;
	bool full;
};

struct pending_func {
	struct buf name;
	uint32_t kind;
	bool src; /* takes a source line */
};

struct line_key {
	const char *s;
	size_t n;
	bool java;
};

struct perf_script_state {
	bool have_pname;     /* the script's $pname: a header was accepted and not yet closed by a blank line */
	uint32_t pname;      /* its frame id */
	bool java;           /* $pname =~ /^java/ */
	int64_t period;      /* $m_period */
	uint32_t *leaf;      /* frames of the open sample, leaf first (the script's @stack reversed) */
	size_t nleaf, leaf_cap;
	uint32_t *root;      /* scratch: the sample root first */
	size_t root_cap;
	struct buf event;    /* the event folded: opts->event or the first one seen (may hold any byte) */
	bool have_event;
	char *other_event;   /* the first event left out */
	struct buf name;     /* scratch: a frame name being tidied */
	struct buf label;    /* scratch: the process label */
	struct buf last_label; /* the label of ps->pname */
	bool label_valid;
	uint32_t value;      /* value type index */
	bool typed;          /* value type chosen */
	bool period_seen;    /* the last accepted header printed a period (decides the value type) */
	const char *last_mod; /* one-entry cache of the last module string and its id */
	size_t last_mod_len;
	struct buf last_mod_buf;
	uint32_t last_mod_id;
	uint32_t *group;     /* scratch: the frames of one line (an inline chain "a->b" gives several) */
	size_t ngroup, group_cap;
	struct line_cache cache;
	struct pending_func *pend; /* --srcline: functions of the last frame line, waiting for source lines */
	size_t npend, pend_cap, pend_next;
	int pend_mod;
};

int perf_script_begin(struct fold_reader *r)
{
	struct perf_script_state *ps = calloc(1, sizeof(*ps));
	if (!ps)
		return -ENOMEM;
	buf_init(&ps->name);
	buf_init(&ps->label);
	buf_init(&ps->last_label);
	buf_init(&ps->last_mod_buf);
	buf_init(&ps->cache.keys);
	buf_init(&ps->event);
	htab_init(&ps->cache.index);
	r->ps = ps;
	if (r->o.event && *r->o.event) {
		if (buf_addstr(&ps->event, r->o.event) < 0)
			return -ENOMEM; /* the caller frees the state */
		ps->have_event = true;
		r->st.event = ps->event.data;
	}
	return 0;
}

void perf_script_free(struct fold_reader *r)
{
	struct perf_script_state *ps = r->ps;
	if (!ps)
		return;
	free(ps->leaf);
	free(ps->root);
	buf_release(&ps->event);
	free(ps->other_event);
	buf_release(&ps->name);
	buf_release(&ps->label);
	buf_release(&ps->last_label);
	buf_release(&ps->last_mod_buf);
	free(ps->group);
	for (size_t i = 0; i < ps->pend_cap; i++)
		buf_release(&ps->pend[i].name);
	free(ps->pend);
	htab_release(&ps->cache.index);
	free(ps->cache.entries);
	buf_release(&ps->cache.keys);
	free(ps->cache.ids);
	free(ps);
	r->ps = NULL;
}

static int nomem(struct errbuf *err)
{
	return errbuf_set(err, -ENOMEM, "cannot fold perf script input: out of memory");
}

static int module_id(struct fold_reader *r, struct span mod)
{
	struct perf_script_state *ps = r->ps;
	if (ps->last_mod && ps->last_mod_len == mod.n && memcmp(ps->last_mod, mod.s, mod.n) == 0)
		return (int)ps->last_mod_id;
	int id = profile_intern(r->p, mod.s, mod.n);
	if (id < 0)
		return id;
	buf_reset(&ps->last_mod_buf);
	if (buf_add(&ps->last_mod_buf, mod.s, mod.n))
		return -ENOMEM;
	ps->last_mod = ps->last_mod_buf.data;
	ps->last_mod_len = mod.n;
	ps->last_mod_id = (uint32_t)id;
	return id;
}

static int leaf_push(struct perf_script_state *ps, uint32_t id)
{
	if (ps->nleaf == ps->leaf_cap) {
		size_t cap = ps->leaf_cap ? ps->leaf_cap * 2 : 128;
		uint32_t *v = realloc(ps->leaf, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		ps->leaf = v;
		ps->leaf_cap = cap;
	}
	ps->leaf[ps->nleaf++] = id;
	return 0;
}

/*
 * The displayed name of one function of a frame line (a part of an "a->b"
 * inline chain) into ps->name, tidied and tagged; its kind into `*kind`.
 */
static int build_name(struct fold_reader *r, struct span func, struct span pc, struct span mod, bool inlined,
		      enum frame_kind *kind_out)
{
	struct perf_script_state *ps = r->ps;
	unsigned flags = r->o.flags;
	enum frame_kind kind = FRAME_USER;

	buf_reset(&ps->name);
	if (span_eq(func, "[unknown]")) {
		struct span base = { "unknown", 7 };
		if (!span_eq(mod, "[unknown]")) {
			const char *slash = memrchr(mod.s, '/', mod.n);
			base = slash ? (struct span){ slash + 1, mod.n - (size_t)(slash + 1 - mod.s) } : mod;
		}
		if (buf_addch(&ps->name, '[') || buf_add(&ps->name, base.s, base.n))
			return -ENOMEM;
		if ((flags & FOLD_ADDRS) &&
		    (buf_add(&ps->name, " <", 2) || buf_add(&ps->name, pc.s, pc.n) || buf_addch(&ps->name, '>')))
			return -ENOMEM;
		if (buf_addch(&ps->name, ']'))
			return -ENOMEM;
		kind = FRAME_SYNTHETIC;
	} else if (buf_add(&ps->name, func.s, func.n)) {
		return -ENOMEM;
	}
	perf_script_tidy(&ps->name, ps->java);

	bool kernel = perf_script_mod_is_kernel(mod), jit = !kernel && perf_script_mod_is_jit(mod);
	struct span name = { ps->name.data, ps->name.len };
	const char *tag = NULL;
	if (inlined) {
		kind = FRAME_INLINED;
		if (!span_has(name, "_[i]"))
			tag = "_[i]";
	} else if ((flags & FOLD_KERNEL_TAG) && kernel) {
		tag = "_[k]";
	} else if ((flags & FOLD_JIT_TAG) && perf_script_mod_is_jit(mod)) {
		if (!span_has(name, "_[j]"))
			tag = "_[j]";
	}
	if (!inlined && kind != FRAME_SYNTHETIC)
		kind = kernel ? FRAME_KERNEL : jit ? FRAME_JIT : FRAME_USER;
	if (tag && buf_add(&ps->name, tag, 4))
		return -ENOMEM;
	*kind_out = kind;
	return 0;
}

static int intern_frame(struct fold_reader *r, const char *name, size_t len, int mod_id, enum frame_kind kind,
			uint32_t *out)
{
	int name_id = profile_intern(r->p, name, len);
	if (name_id < 0)
		return name_id;
	struct frame f = { .name = (uint32_t)name_id, .module = (uint32_t)mod_id, .kind = (uint32_t)kind };
	int id = profile_frame(r->p, &f);
	if (id < 0)
		return id;
	*out = (uint32_t)id;
	return 0;
}

/* --srcline: a function waiting for the source line that follows its frame line. */
static int pending_add(struct perf_script_state *ps, enum frame_kind kind, bool src)
{
	if (ps->npend == ps->pend_cap) {
		size_t cap = ps->pend_cap ? ps->pend_cap * 2 : 8;
		struct pending_func *v = realloc(ps->pend, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		for (size_t i = ps->pend_cap; i < cap; i++)
			buf_init(&v[i].name);
		ps->pend = v;
		ps->pend_cap = cap;
	}
	struct pending_func *f = &ps->pend[ps->npend];
	buf_reset(&f->name);
	if (buf_add(&f->name, ps->name.data, ps->name.len) < 0)
		return -ENOMEM;
	f->kind = kind;
	f->src = src;
	ps->npend++;
	return 0;
}

static int group_push(struct perf_script_state *ps, uint32_t id)
{
	if (ps->ngroup == ps->group_cap) {
		size_t cap = ps->group_cap ? ps->group_cap * 2 : 16;
		uint32_t *g = realloc(ps->group, cap * sizeof(*g));
		if (!g)
			return -ENOMEM;
		ps->group = g;
		ps->group_cap = cap;
	}
	ps->group[ps->ngroup++] = id;
	return 0;
}

/* unshift @stack, @inline: a group keeps its order, so it is pushed reversed onto the leaf-first list */
static int push_group(struct perf_script_state *ps, const uint32_t *ids, size_t n)
{
	for (size_t i = n; i-- > 0;)
		if (leaf_push(ps, ids[i]) < 0)
			return -ENOMEM;
	return 0;
}

/* The frames of one matched frame line into ps->group (none for a "(process)" line). */
static int parse_frame_line(struct fold_reader *r, struct span pc, struct span func, struct span mod)
{
	struct perf_script_state *ps = r->ps;

	ps->ngroup = 0;
	/* $rawfunc =~ s/\+0x[\da-f]+$//: perf 4.8+ prints symbol offsets */
	size_t h = func.n;
	while (h > 0 && (fold_is_digit((unsigned char)func.s[h - 1]) || (func.s[h - 1] >= 'a' && func.s[h - 1] <= 'f')))
		h--;
	if (h < func.n && h >= 3 && memcmp(func.s + h - 3, "+0x", 3) == 0)
		func.n = h - 3;
	if (func.n && func.s[0] == '(')
		return 0; /* a process name, not a frame */

	/* split /\->/: empty fields are kept, trailing empty ones dropped */
	size_t keep = func.n;
	while (keep >= 2 && func.s[keep - 2] == '-' && func.s[keep - 1] == '>')
		keep -= 2;
	if (!keep)
		return 0;
	int mod_id = module_id(r, mod);
	if (mod_id < 0)
		return mod_id;
	const char *s = func.s, *end = func.s + keep;
	bool unknown = false;
	size_t nparts = 0;
	ps->npend = 0;
	ps->pend_mod = mod_id;
	for (;;) {
		const char *arrow = memmem(s, (size_t)(end - s), "->", 2);
		struct span part = { s, arrow ? (size_t)(arrow - s) : (size_t)(end - s) };
		enum frame_kind kind;
		uint32_t id;
		if (build_name(r, part, pc, mod, nparts++ > 0, &kind) < 0)
			return -ENOMEM;
		if (r->o.srcline) {
			/* $is_unknown: from an unknown symbol in an unknown module on, no source lines follow */
			unknown |= span_eq(part, "[unknown]") && span_eq(mod, "[unknown]");
			if (pending_add(ps, kind, !unknown) < 0)
				return -ENOMEM;
		} else if (intern_frame(r, ps->name.data, ps->name.len, mod_id, kind, &id) < 0 || group_push(ps, id) < 0) {
			return -ENOMEM;
		}
		if (!arrow)
			return 0;
		s = arrow + 2;
	}
}

/* --srcline: the pending functions are complete; intern them and add them to the sample. */
static int pending_done(struct fold_reader *r)
{
	struct perf_script_state *ps = r->ps;
	ps->ngroup = 0;
	for (size_t i = 0; i < ps->npend; i++) {
		uint32_t id;
		const struct pending_func *f = &ps->pend[i];
		if (intern_frame(r, f->name.data, f->name.len, ps->pend_mod, (enum frame_kind)f->kind, &id) < 0 ||
		    group_push(ps, id) < 0)
			return -ENOMEM;
	}
	ps->npend = 0;
	ps->pend_next = 0;
	return push_group(ps, ps->group, ps->ngroup);
}

/* The index of the next pending function that takes a source line, or npend. */
static size_t pending_next(const struct perf_script_state *ps, size_t from)
{
	while (from < ps->npend && !ps->pend[from].src)
		from++;
	return from;
}

/*
 * --srcline: `s` is the source line of the next pending function: drop every
 * "[...]", trim blanks, append ":LINE" unless empty (stackcollapse-perf.pl).
 */
static int srcline_line(struct fold_reader *r, const char *s, size_t n)
{
	struct perf_script_state *ps = r->ps;
	struct pending_func *f = &ps->pend[ps->pend_next];
	struct buf *t = &ps->label; /* scratch */
	size_t i = 0;

	buf_reset(t);
	while (i < n) {
		const char *open = memchr(s + i, '[', n - i);
		const char *close = open ? memchr(open + 1, ']', (size_t)(s + n - open - 1)) : NULL;
		size_t upto = close ? (size_t)(open - s) : n;
		if (buf_add(t, s + i, upto - i) < 0)
			return -ENOMEM;
		i = close ? (size_t)(close - s) + 1 : n;
	}
	size_t a = 0, b = t->len;
	while (a < b && fold_is_space((unsigned char)t->data[a]))
		a++;
	while (b > a && fold_is_space((unsigned char)t->data[b - 1]))
		b--;
	if (b > a && (buf_addch(&f->name, ':') < 0 || buf_add(&f->name, t->data + a, b - a) < 0))
		return -ENOMEM;
	ps->pend_next = pending_next(ps, ps->pend_next + 1);
	return ps->pend_next < ps->npend ? 0 : pending_done(r);
}

static bool line_eq(uint32_t id, const void *key, void *arg)
{
	const struct line_cache *c = arg;
	const struct line_key *k = key;
	const struct line_entry *e = &c->entries[id];
	return e->key_len == k->n && e->java == k->java && memcmp(c->keys.data + e->key_off, k->s, k->n) == 0;
}

/* Remember the frames of line `k` (ps->group). Failing to remember only costs time later. */
static void cache_add(struct perf_script_state *ps, const struct line_key *k, uint64_t h)
{
	struct line_cache *c = &ps->cache;
	if (c->full || k->n > UINT32_MAX)
		return;
	if (c->keys.len + k->n > LINE_CACHE_BYTES || c->count >= UINT32_MAX / 2 || c->nids + ps->ngroup > UINT32_MAX) {
		c->full = true;
		return;
	}
	if (c->count == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 1024;
		struct line_entry *e = realloc(c->entries, cap * sizeof(*e));
		if (!e)
			return;
		c->entries = e;
		c->cap = cap;
	}
	if (c->nids + ps->ngroup > c->ids_cap) {
		size_t cap = c->ids_cap ? c->ids_cap : 4096;
		while (cap < c->nids + ps->ngroup)
			cap *= 2;
		uint32_t *ids = realloc(c->ids, cap * sizeof(*ids));
		if (!ids)
			return;
		c->ids = ids;
		c->ids_cap = cap;
	}
	size_t off = c->keys.len;
	if (buf_add(&c->keys, k->s, k->n) < 0)
		return;
	if (htab_insert(&c->index, h, (uint32_t)c->count) < 0) {
		buf_truncate(&c->keys, off);
		return;
	}
	struct line_entry *e = &c->entries[c->count++];
	e->key_off = off;
	e->key_len = (uint32_t)k->n;
	e->java = k->java;
	e->ids_off = (uint32_t)c->nids;
	e->nids = (uint32_t)ps->ngroup;
	if (ps->ngroup)
		memcpy(c->ids + c->nids, ps->group, ps->ngroup * sizeof(uint32_t));
	c->nids += ps->ngroup;
}

/* A line that is not a header: a frame of the open sample, or a malformed line. */
static int frame_line(struct fold_reader *r, const char *s, size_t n, struct errbuf *err)
{
	struct perf_script_state *ps = r->ps;
	struct line_cache *c = &ps->cache;
	size_t a = 0;
	while (a < n && fold_is_space((unsigned char)s[a]))
		a++;
	struct line_key k = { s + a, n - a, ps->java };
	uint64_t h = r->o.srcline ? 0 : hash_bytes(k.s, k.n, k.java);
	uint32_t id = r->o.srcline ? HTAB_NONE : htab_find(&c->index, h, line_eq, &k, c);
	if (id != HTAB_NONE) {
		const struct line_entry *e = &c->entries[id];
		if (ps->have_pname && push_group(ps, c->ids + e->ids_off, e->nids) < 0)
			return nomem(err);
		return 0;
	}

	struct span pc, func, mod;
	if (!perf_script_match_frame(s, n, &pc, &func, &mod)) {
		fold_reader_malformed(r, "unrecognized line", s, n);
		return 0;
	}
	if (!ps->have_pname)
		return 0;
	if (parse_frame_line(r, pc, func, mod) < 0)
		return nomem(err);
	if (r->o.srcline) {
		/* the frames wait for the source lines after this one */
		ps->pend_next = pending_next(ps, 0);
		if (ps->pend_next == ps->npend && pending_done(r) < 0)
			return nomem(err);
		return 0;
	}
	if (push_group(ps, ps->group, ps->ngroup) < 0)
		return nomem(err);
	cache_add(ps, &k, h);
	return 0;
}

static bool id_listed(const int64_t *list, size_t n, struct span digits)
{
	int64_t v = 0;
	for (size_t i = 0; i < digits.n; i++) {
		if (v > INT64_MAX / 10 - 9)
			return false;
		v = v * 10 + (digits.s[i] - '0');
	}
	for (size_t i = 0; i < n; i++)
		if (list[i] == v)
			return true;
	return false;
}

/* The pid/tid/comm filters of the options (not in stackcollapse-perf.pl). */
static bool sample_wanted(const struct fold_read_opts *o, struct span comm, struct span pid, struct span tid,
			  bool have_pid)
{
	if (o->pids && (!have_pid || !id_listed(o->pids, o->npids, pid)))
		return false;
	if (o->tids && !id_listed(o->tids, o->ntids, tid))
		return false;
	if (o->comms) {
		for (size_t i = 0; i < o->ncomms; i++)
			if (span_eq(comm, o->comms[i]))
				return true;
		return false;
	}
	return true;
}

static int header_line(struct fold_reader *r, const char *s, size_t n, struct span comm, struct span pid,
		       struct span tid, struct errbuf *err)
{
	struct perf_script_state *ps = r->ps;
	struct span period = { "", 0 }, event;
	bool have_pid = true;

	r->st.headers++;
	/* default perf script output has the TID but not the PID: "java 25607 ..." */
	if (tid.n == 0 || (tid.n == 1 && tid.s[0] == '0')) {
		tid = pid;
		pid = (struct span){ "?", 1 };
		have_pid = false;
	}
	if (perf_script_match_event(s, n, &period, &event)) {
		if (!ps->have_event) {
			/* only the first event type, as merging cycles with instructions misleads */
			if (buf_add(&ps->event, event.s, event.n) < 0)
				return nomem(err);
			ps->have_event = true;
			r->st.event = ps->event.data;
		} else if (ps->event.len != event.n || memcmp(ps->event.data, event.s, event.n) != 0) {
			r->st.other_events++;
			if (!ps->other_event) {
				ps->other_event = strndup(event.s, event.n);
				if (!ps->other_event)
					return nomem(err);
				r->st.other_event = ps->other_event;
			}
			return 0;
		}
	}
	if (!sample_wanted(&r->o, comm, pid, tid, have_pid)) {
		r->st.filtered++;
		ps->have_pname = false;
		ps->nleaf = 0;
		return 0;
	}

	/* if (not $period) { $period = 1 }: "" and "0" count one */
	int64_t value = 1;
	if (period.n && !(period.n == 1 && period.s[0] == '0') && !r->o.count_samples) {
		bool frac;
		if (!fold_parse_count(period.s, period.n, &value, &frac))
			value = INT64_MAX;
	}
	ps->period_seen = period.n > 0 && !r->o.count_samples;
	ps->period = value;

	struct buf *l = &ps->label;
	buf_reset(l);
	if (buf_add(l, comm.s, comm.n))
		return nomem(err);
	if (r->o.flags & FOLD_TID) {
		if (buf_addch(l, '-') || buf_add(l, pid.s, pid.n) || buf_addch(l, '/') || buf_add(l, tid.s, tid.n))
			return nomem(err);
	} else if (r->o.flags & FOLD_PID) {
		if (buf_addch(l, '-') || buf_add(l, pid.s, pid.n))
			return nomem(err);
	}
	for (char *c = memchr(l->data, ' ', l->len); c; c = memchr(c, ' ', l->len - (size_t)(c - l->data)))
		*c = '_';
	/* consecutive samples mostly share their label */
	if (!ps->label_valid || ps->last_label.len != l->len || memcmp(ps->last_label.data, l->data, l->len) != 0) {
		int id = profile_frame_named(r->p, l->data, l->len, FRAME_SYNTHETIC);
		if (id < 0)
			return nomem(err);
		ps->pname = (uint32_t)id;
		ps->label_valid = false;
		buf_reset(&ps->last_label);
		if (buf_add(&ps->last_label, l->data, l->len) < 0)
			return nomem(err);
		ps->label_valid = true;
	}
	ps->java = l->len >= 4 && memcmp(l->data, "java", 4) == 0;
	ps->have_pname = true;
	return 0;
}

/* Choose the value type when the first sample is added (the event and whether periods are printed are known). */
static int choose_value_type(struct fold_reader *r, struct errbuf *err)
{
	struct perf_script_state *ps = r->ps;
	int idx = 0;
	if (profile_value_count(r->p) == 0) {
		const char *ev = ps->event.data;
		if (!ps->period_seen)
			idx = profile_add_value_type(r->p, "samples", "count");
		else if (strncmp(ev, "cpu-clock", 9) == 0 || strncmp(ev, "task-clock", 10) == 0)
			idx = profile_add_value_type(r->p, "cpu", "nanoseconds");
		else
			idx = profile_add_value_type(r->p, *ev ? ev : "events", "count");
		if (idx < 0)
			return errbuf_set(err, idx, "cannot fold perf script input: cannot add a value type");
		if (ps->have_event && profile_meta_set(r->p, "event", ps->event.data) < 0)
			return nomem(err);
	}
	ps->value = (uint32_t)idx;
	ps->typed = true;
	return 0;
}

static int end_sample(struct fold_reader *r, struct errbuf *err)
{
	struct perf_script_state *ps = r->ps;
	bool comm = !(r->o.flags & FOLD_NO_COMM);
	size_t depth = ps->nleaf + comm;

	if (!ps->have_pname)
		return 0;
	ps->have_pname = false;
	if (depth == 0)
		return 0;
	if (!ps->typed && choose_value_type(r, err) < 0)
		return -ENOMEM;
	if (depth > ps->root_cap) {
		size_t cap = ps->root_cap ? ps->root_cap : 128;
		while (cap < depth)
			cap *= 2;
		uint32_t *v = realloc(ps->root, cap * sizeof(*v));
		if (!v)
			return nomem(err);
		ps->root = v;
		ps->root_cap = cap;
	}
	if (comm)
		ps->root[0] = ps->pname;
	for (size_t i = 0; i < ps->nleaf; i++)
		ps->root[comm + i] = ps->leaf[ps->nleaf - 1 - i];
	ps->nleaf = 0;
	if (profile_add_sample(r->p, ps->root, depth, ps->value, ps->period) < 0)
		return nomem(err);
	r->st.samples++;
	return 0;
}

int perf_script_line(struct fold_reader *r, const char *s, size_t n, struct errbuf *err)
{
	struct perf_script_state *ps = r->ps;
	struct span a, b, c;

	if (ps->pend_next < ps->npend)
		return srcline_line(r, s, n) < 0 ? nomem(err) : 0; /* whatever it holds, as <> reads it */
	if (n && s[0] == '#')
		return 0; /* comments, and the --header block */
	if (n == 0) {
		int rc = end_sample(r, err);
		ps->nleaf = 0;
		return rc;
	}
	if (perf_script_match_header(s, n, &a, &b, &c))
		return header_line(r, s, n, a, b, c, err);
	return frame_line(r, s, n, err);
}

int perf_script_end(struct fold_reader *r, struct errbuf *err)
{
	struct perf_script_state *ps = r->ps;
	if (ps->npend && pending_done(r) < 0)
		return nomem(err); /* source lines cut off by the end of input: the frames stay, unsuffixed */
	if (ps->have_pname) {
		/* stackcollapse-perf.pl folds a sample only at the blank line that ends it */
		r->st.truncated++;
		if (profile_add_loss(r->p, FOLD_LOSS_TRUNCATED, 1) < 0)
			return nomem(err);
	}
	return 0;
}

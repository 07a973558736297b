// SPDX-License-Identifier: Apache-2.0
/* perf.data replay: a sample's callchain (or DWARF-unwound stack) named frame by frame as perf script + stackcollapse-perf.pl do. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/perf_event.h>

#include "fold/fold.h"
#include "fold/perf_data.h"
#include "fold/profile.h"
#include "lib/buf.h"
#include "lib/hash.h"
#include "symbolize/perf_replay_internal.h"
#include "symbolize/symbolize.h"

/* ---- names ---------------------------------------------------------------------------------- */

/* $mod =~ m/(^\[|vmlinux$)/ && $mod !~ /unknown/: what stackcollapse-perf.pl tags "_[k]". */
static bool module_is_kernel(const char *mod)
{
	size_t n = strlen(mod);

	if (!(mod[0] == '[' || (n >= 7 && strcmp(mod + n - 7, "vmlinux") == 0)))
		return false;
	return !strstr(mod, "unknown");
}

/* $mod =~ m:/tmp/perf-\d+\.map: */
static bool module_is_jit(const char *mod)
{
	for (const char *s = strstr(mod, "/tmp/perf-"); s; s = strstr(s + 1, "/tmp/perf-")) {
		const char *d = s + 10;

		while (*d >= '0' && *d <= '9')
			d++;
		if (d > s + 10 && strncmp(d, ".map", 4) == 0)
			return true;
	}
	return false;
}

/* A Go method such as "net/http.(*Client).Do": $func =~ m/\.\(.*\)\./ */
static bool looks_go(const char *s, size_t n)
{
	const char *open = memmem(s, n, ".(", 2);

	return open && memmem(open + 2, n - (size_t)(open + 2 - s), ").", 2);
}

/* stackcollapse-perf.pl's $tidy_generic and $tidy_java, in place on `b`. */
static void tidy_name(struct buf *b, bool java)
{
	static const char anon[] = "anonymous namespace)";
	char *s = b->data;
	size_t n = b->len, o = 0;

	for (size_t i = 0; i < n; i++)
		if (s[i] == ';')
			s[i] = ':';
	if (!looks_go(s, n)) {
		for (char *c = memchr(s, '(', n); c; c = memchr(c + 1, '(', n - (size_t)(c + 1 - s))) {
			size_t rest = n - (size_t)(c + 1 - s);
			if (rest >= sizeof(anon) - 1 && memcmp(c + 1, anon, sizeof(anon) - 1) == 0)
				continue;
			n = (size_t)(c - s);
			break;
		}
	}
	for (size_t i = 0; i < n; i++)
		if (s[i] != '"' && s[i] != '\'')
			s[o++] = s[i];
	n = o;
	if (java && n && s[0] == 'L' && memchr(s, '/', n)) {
		memmove(s, s + 1, n - 1);
		n--;
	}
	buf_truncate(b, n);
}

/* Intern one named frame: tidy, tag, kind. Returns the frame id or -ENOMEM. */
static int intern_frame(struct replay *r, struct buf *name, const char *module, enum frame_kind kind, bool java,
			bool may_tag)
{
	unsigned flags = r->o->fold_flags;
	struct frame f = { 0 };
	int id;

	tidy_name(name, java);
	if (may_tag && (flags & FOLD_KERNEL_TAG) && module_is_kernel(module)) {
		if (buf_addstr(name, "_[k]"))
			return -ENOMEM;
	} else if (may_tag && (flags & FOLD_JIT_TAG) && module_is_jit(module) && !strstr(name->data, "_[j]")) {
		if (buf_addstr(name, "_[j]"))
			return -ENOMEM;
	}
	id = profile_intern(r->p, name->data, name->len);
	if (id < 0)
		return id;
	f.name = (uint32_t)id;
	id = profile_intern(r->p, module, strlen(module));
	if (id < 0)
		return id;
	f.module = (uint32_t)id;
	f.kind = (uint32_t)kind;
	return profile_frame(r->p, &f);
}

/* The frames perf script would print for one resolved address, interned root first into the cache's id pool. */
static int name_chain(struct replay *r, const struct sym_chain *c, enum replay_mode mode, uint64_t addr, bool java,
		      uint32_t *count)
{
	struct buf name = BUF_INIT;
	size_t need = (mode == MODE_USER_DWARF && c->reason == SYM_OK) ? c->nframes : 1;
	int rc = 0;

	if (r->ncache_ids + need > r->cap_cache_ids) {
		size_t cap = r->cap_cache_ids ? r->cap_cache_ids * 2 : 4096;
		uint32_t *n;

		while (cap < r->ncache_ids + need)
			cap *= 2;
		n = realloc(r->cache_ids, cap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		r->cache_ids = n;
		r->cap_cache_ids = cap;
	}
	*count = 0;
	if (c->reason != SYM_OK || (mode != MODE_USER_DWARF && !*c->symbol)) {
		/* perf prints "[unknown] (MODULE)"; stackcollapse names it after the module's base name */
		const char *mod = c->module && *c->module ? c->module : "[unknown]";
		const char *base = strrchr(mod, '/');

		base = base ? base + 1 : mod;
		if (strcmp(mod, "[unknown]") == 0)
			base = "unknown";
		rc = buf_addf(&name, "[%s", base);
		if (!rc && (r->o->fold_flags & FOLD_ADDRS))
			rc = buf_addf(&name, " <%" PRIx64 ">", c->rel_addr ? c->rel_addr : addr);
		if (!rc)
			rc = buf_addch(&name, ']');
		if (!rc)
			rc = intern_frame(r, &name, mod, FRAME_SYNTHETIC, java, true);
		if (rc >= 0)
			r->cache_ids[r->ncache_ids + (*count)++] = (uint32_t)rc;
		goto out;
	}
	if (mode != MODE_USER_DWARF) {
		/* frame-pointer and kernel frames: the ELF or kallsyms symbol, no inline expansion (perf 6.1) */
		enum frame_kind kind = mode == MODE_KERNEL ? FRAME_KERNEL
				       : module_is_jit(c->module) ? FRAME_JIT : FRAME_USER;

		rc = buf_addstr(&name, c->symbol);
		if (!rc)
			rc = intern_frame(r, &name, c->module, kind, java, true);
		if (rc >= 0)
			r->cache_ids[r->ncache_ids + (*count)++] = (uint32_t)rc;
		goto out;
	}
	/*
	 * DWARF-unwound frames: perf expands inlines through addr2line and prints
	 * every level by its DWARF name, the real function too (as "(inlined)"
	 * when that differs from the symbol); those lines carry no kernel or JIT
	 * module, so stackcollapse tags none of the inline levels.
	 */
	for (uint32_t i = c->nframes; i-- > 0 && rc >= 0;) {
		bool outer = i == c->nframes - 1;
		const char *n = outer ? (*c->function ? c->function : c->symbol) : c->frames[i].name;

		buf_reset(&name);
		rc = buf_addstr(&name, n);
		if (!rc)
			rc = intern_frame(r, &name, c->module, outer ? (module_is_jit(c->module) ? FRAME_JIT : FRAME_USER)
							   : FRAME_INLINED, java, outer);
		if (rc >= 0)
			r->cache_ids[r->ncache_ids + (*count)++] = (uint32_t)rc;
	}
out:
	buf_release(&name);
	return rc < 0 ? rc : 0;
}

/* ---- the naming cache ------------------------------------------------------------------------ */

struct cache_key {
	int32_t pid;
	uint32_t gen;
	uint64_t addr;
	uint32_t mode;
};

static bool cache_eq(uint32_t id, const void *key, void *arg)
{
	const struct replay *r = arg;
	const struct frame_cache_entry *e = &r->cache[id];
	const struct cache_key *k = key;

	return e->addr == k->addr && e->pid == k->pid && e->gen == k->gen && e->mode == k->mode;
}

/* The frame ids (root first) naming `addr` in `pid`'s space, from the cache or resolved now. */
static int name_address(struct replay *r, int32_t pid, uint64_t addr, enum replay_mode mode, bool java,
			const uint32_t **ids, uint32_t *count)
{
	struct cache_key k = {
		.pid = mode == MODE_KERNEL ? SYM_PID_KERNEL : pid,
		.addr = addr,
		.mode = (uint32_t)mode | (uint32_t)java << 8,
	};
	struct sym_chain c;
	struct frame_cache_entry *e;
	uint64_t h;
	uint32_t id;
	int rc;

	k.gen = mode == MODE_KERNEL ? 0 : replay_proc_gen(r, k.pid);
	h = hash_u64(addr ^ ((uint64_t)(uint32_t)k.pid << 32) ^ ((uint64_t)k.gen << 12) ^ ((uint64_t)k.mode << 56));
	id = htab_find(&r->cache_index, h, cache_eq, &k, r);
	if (id != HTAB_NONE) {
		e = &r->cache[id];
		*ids = r->cache_ids + e->first;
		*count = e->count;
		return 0;
	}
	/* perf script names frames, it prints no file:line: DWARF line tables stay unread */
	rc = symbolizer_resolve(r->sym, k.pid, addr, mode == MODE_USER_DWARF ? SYM_NO_LINES : SYM_SYMBOL_ONLY, &c);
	if (rc)
		return rc;
	if (r->ncache == r->cap_cache) {
		size_t cap = r->cap_cache ? r->cap_cache * 2 : 1024;
		struct frame_cache_entry *n = realloc(r->cache, cap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		r->cache = n;
		r->cap_cache = cap;
	}
	e = &r->cache[r->ncache];
	e->pid = k.pid;
	e->gen = k.gen;
	e->addr = addr;
	e->mode = k.mode;
	e->first = (uint32_t)r->ncache_ids;
	rc = name_chain(r, &c, mode, addr, java, &e->count);
	if (rc)
		return rc;
	if (htab_insert(&r->cache_index, h, (uint32_t)r->ncache))
		return -ENOMEM;
	r->ncache++;
	r->ncache_ids += e->count;
	*ids = r->cache_ids + e->first;
	*count = e->count;
	return 0;
}

/* ---- stacks -------------------------------------------------------------------------------- */

static int leaf_reserve(struct replay *r, size_t more)
{
	size_t cap = r->cap_leaf ? r->cap_leaf : 256;
	uint32_t *n;

	if (r->nleaf + more <= r->cap_leaf)
		return 0;
	while (cap < r->nleaf + more)
		cap *= 2;
	n = realloc(r->leaf, cap * sizeof(*n));
	if (!n)
		return -ENOMEM;
	r->leaf = n;
	r->cap_leaf = cap;
	return 0;
}

/* Append the frames of one address, innermost first (perf script's order). */
static int push_address(struct replay *r, int32_t pid, uint64_t addr, enum replay_mode mode, bool java)
{
	const uint32_t *ids;
	uint32_t n;
	int rc = name_address(r, pid, addr, mode, java, &ids, &n);

	if (rc)
		return rc;
	if (leaf_reserve(r, n))
		return -ENOMEM;
	for (uint32_t i = n; i-- > 0;)
		r->leaf[r->nleaf++] = ids[i];
	return 0;
}

/* The sample's own ip, by its cpumode (perf's thread__find_map_fb falls back on the address). */
static int push_ip(struct replay *r, const struct perf_sample *s, int32_t pid, bool java)
{
	unsigned cpumode = s->misc & PERF_RECORD_MISC_CPUMODE_MASK;
	bool kernel = cpumode == PERF_RECORD_MISC_KERNEL ||
		      (cpumode != PERF_RECORD_MISC_USER && s->ip >= 0xffff800000000000ULL);

	return push_address(r, pid, s->ip, kernel ? MODE_KERNEL : MODE_USER_FP, java);
}

/* perf's thread__resolve_callchain_sample: context markers switch modes, at most 127 frames. */
static int push_callchain(struct replay *r, const struct perf_sample *s, int32_t pid, bool java)
{
	enum replay_mode mode = MODE_USER_FP;
	unsigned entries = 0;

	for (uint64_t i = 0; i < s->nr_callchain; i++) {
		uint64_t ip = s->callchain[i];
		int rc;

		if (ip >= PERF_CONTEXT_MAX) {
			if (ip == PERF_CONTEXT_KERNEL || ip == PERF_CONTEXT_HV)
				mode = MODE_KERNEL;
			else if (ip == PERF_CONTEXT_USER)
				mode = MODE_USER_FP;
			else { /* guest or invalid context: perf discards the whole chain */
				r->nleaf = 0;
				return 0;
			}
			continue;
		}
		if (entries++ >= REPLAY_MAX_STACK)
			break;
		rc = push_address(r, pid, ip, mode, java);
		if (rc)
			return rc;
	}
	return 0;
}

/* --call-graph dwarf: unwind REGS_USER over STACK_USER into r->frames; callers get named at pc-1 as perf's libdw unwinder does. */
static int unwind_sample(struct replay *r, const struct perf_sample *s, int32_t pid, size_t *n)
{
	struct unwind_regs regs;
	struct unwind_stack stack;
	struct unwind_result res;
	int rc;

	*n = 0;
	unwind_regs_from_perf_x86(&regs, s->user_regs, s->user_nregs, s->user_regs_mask);
	if (!(regs.valid >> UNWIND_REG_SP & 1) || !(regs.valid >> UNWIND_REG_IP & 1))
		return 0;
	stack.data = s->user_stack;
	stack.size = (size_t)s->user_stack_dyn_size;
	stack.start = regs.r[UNWIND_REG_SP];
	if (!r->unwind && !(r->unwind = unwind_cache_new()))
		return -ENOMEM;
	rc = unwind_user_stack(r->sym, r->unwind, pid, &regs, &stack, r->frames, REPLAY_MAX_STACK, &res);
	if (rc)
		return rc;
	r->st->dwarf_samples++;
	if ((unsigned)res.end < sizeof(r->st->unwind_ends) / sizeof(r->st->unwind_ends[0]))
		r->st->unwind_ends[res.end]++;
	*n = res.nframes;
	return 0;
}

/* The root label: "comm", "comm-PID" or "comm-PID/TID", spaces made '_' (stackcollapse's $pname). */
static int thread_label(struct replay *r, struct replay_thread *t, uint32_t *out)
{
	struct buf l = BUF_INIT;
	unsigned flags = r->o->fold_flags;
	int rc, id;

	if (t->label != UINT32_MAX) {
		*out = t->label;
		return 0;
	}
	rc = t->comm ? buf_addstr(&l, t->comm) : buf_addf(&l, ":%d", t->tid);
	if (!rc && (flags & FOLD_TID))
		rc = buf_addf(&l, "-%d/%d", t->pid, t->tid);
	else if (!rc && (flags & FOLD_PID))
		rc = buf_addf(&l, "-%d", t->pid);
	if (rc) {
		buf_release(&l);
		return rc;
	}
	for (size_t i = 0; i < l.len; i++)
		if (l.data[i] == ' ')
			l.data[i] = '_';
	id = profile_frame_named(r->p, l.data, l.len, FRAME_SYNTHETIC);
	buf_release(&l);
	if (id < 0)
		return id;
	t->label = (uint32_t)id;
	*out = t->label;
	return 0;
}

/* Grow `*v` (elements of `size` bytes) to hold `need`. 0 or -ENOMEM. */
static int grow(void *v, size_t size, size_t *cap, size_t need)
{
	size_t n = *cap ? *cap : 256;
	void *p;

	if (need <= *cap)
		return 0;
	while (n < need)
		n *= 2;
	p = realloc(*(void **)v, n * size);
	if (!p)
		return -ENOMEM;
	*(void **)v = p;
	*cap = n;
	return 0;
}

static int key_push(struct replay *r, uint64_t w)
{
	if (r->nkey == r->cap_key && grow(&r->key, sizeof(*r->key), &r->cap_key, r->nkey + 1))
		return -ENOMEM;
	r->key[r->nkey++] = w;
	return 0;
}

#define KEY_DWARF (1ULL << 63)     /* separates the kernel chain from unwound pcs */
#define KEY_ACTIVATION (1ULL << 62)

/* The raw stack of a sample: what decides its frames. DWARF samples are unwound here (*nunwound frames). */
static int build_key(struct replay *r, const struct perf_sample *s, struct replay_thread *t, int32_t pid,
		     uint32_t label, size_t *nunwound)
{
	uint64_t st = s->attr->sample_type;
	int rc = 0;

	r->nkey = 0;
	*nunwound = 0;
	rc |= key_push(r, (uint64_t)label | (uint64_t)t->java << 32);
	rc |= key_push(r, (uint64_t)(uint32_t)pid << 32 | replay_proc_gen(r, pid));
	rc |= key_push(r, s->ip);
	rc |= key_push(r, s->misc & PERF_RECORD_MISC_CPUMODE_MASK);
	if (st & PERF_SAMPLE_CALLCHAIN) {
		rc |= key_push(r, s->nr_callchain);
		for (uint64_t i = 0; i < s->nr_callchain && !rc; i++)
			rc = key_push(r, s->callchain[i]);
	}
	if (!rc && (st & PERF_SAMPLE_REGS_USER) && (st & PERF_SAMPLE_STACK_USER) && s->user_regs_abi &&
	    s->user_stack_dyn_size) {
		size_t n = 0;

		rc = unwind_sample(r, s, pid, &n);
		if (!rc)
			rc = key_push(r, KEY_DWARF | n);
		for (size_t i = 0; i < n && !rc; i++)
			rc = key_push(r, r->frames[i].pc | (r->frames[i].activation ? KEY_ACTIVATION : 0));
		*nunwound = n;
	}
	return rc ? -ENOMEM : 0;
}

/* Name a raw stack: perf's callchain rules, unwound frames, else the ip. Leaves root-first ids in r->root. */
static int name_stack(struct replay *r, const struct perf_sample *s, int32_t pid, bool java, uint32_t label,
		      size_t nunwound, size_t *depth)
{
	bool comm = !(r->o->fold_flags & FOLD_NO_COMM);
	int rc = 0;

	r->nleaf = 0;
	if (s->attr->sample_type & PERF_SAMPLE_CALLCHAIN)
		rc = push_callchain(r, s, pid, java);
	for (size_t i = 0; i < nunwound && !rc; i++) {
		uint64_t pc = r->frames[i].pc;
		rc = push_address(r, pid, r->frames[i].activation ? pc : pc - 1, MODE_USER_DWARF, java);
	}
	/* no chain at all (recorded without -g), or nothing in it: the sample's own ip */
	if (!rc && r->nleaf == 0)
		rc = push_ip(r, s, pid, java);
	if (rc)
		return rc;
	*depth = r->nleaf + comm;
	if (*depth > r->cap_root && grow(&r->root, sizeof(*r->root), &r->cap_root, *depth))
		return -ENOMEM;
	if (comm)
		r->root[0] = label;
	for (size_t i = 0; i < r->nleaf; i++)
		r->root[comm + i] = r->leaf[r->nleaf - 1 - i];
	return 0;
}

static bool raw_eq(uint32_t id, const void *key, void *arg)
{
	const struct replay *r = arg;
	const struct raw_stack *e = &r->raws[id];

	(void)key;
	return e->key_len == r->nkey && memcmp(r->raw_keys + e->key_off, r->key, r->nkey * sizeof(uint64_t)) == 0;
}

/* Keep raw stacks from growing without bound: past this many key words, flush to the profile. */
#define RAW_KEYS_MAX (16u << 20)

int replay_add_sample(struct replay *r, const struct perf_sample *s, struct replay_thread *t, int64_t value)
{
	int32_t pid = s->pid >= 0 ? s->pid : t->pid;
	uint32_t label = 0, id;
	size_t depth = 0, nunwound;
	struct raw_stack *e;
	uint64_t h;
	int rc;

	if (!(r->o->fold_flags & FOLD_NO_COMM) && (rc = thread_label(r, t, &label)))
		return rc;
	if ((rc = build_key(r, s, t, pid, label, &nunwound)))
		return rc;
	h = hash_bytes(r->key, r->nkey * sizeof(uint64_t), 3);
	id = htab_find(&r->raw_index, h, raw_eq, NULL, r);
	if (id != HTAB_NONE) {
		/* saturate: a hostile period must not overflow (profile sums stay below INT64_MAX too) */
		int64_t *v = &r->raws[id].value;
		*v = value > INT64_MAX - *v ? INT64_MAX : *v + value;
		return 0;
	}
	if (r->nraw_keys + r->nkey > RAW_KEYS_MAX && (rc = replay_flush(r)))
		return rc;
	if ((rc = name_stack(r, s, pid, t->java, label, nunwound, &depth)))
		return rc;
	if (grow(&r->raws, sizeof(*r->raws), &r->cap_raws, r->nraws + 1) ||
	    grow(&r->raw_keys, sizeof(*r->raw_keys), &r->cap_raw_keys, r->nraw_keys + r->nkey) ||
	    grow(&r->raw_frames, sizeof(*r->raw_frames), &r->cap_raw_frames, r->nraw_frames + depth) ||
	    htab_insert(&r->raw_index, h, (uint32_t)r->nraws))
		return -ENOMEM;
	e = &r->raws[r->nraws++];
	e->key_off = (uint32_t)r->nraw_keys;
	e->key_len = (uint32_t)r->nkey;
	e->frames_off = (uint32_t)r->nraw_frames;
	e->depth = (uint32_t)depth;
	e->value = value;
	memcpy(r->raw_keys + r->nraw_keys, r->key, r->nkey * sizeof(uint64_t));
	r->nraw_keys += r->nkey;
	memcpy(r->raw_frames + r->nraw_frames, r->root, depth * sizeof(uint32_t));
	r->nraw_frames += depth;
	return 0;
}

int replay_flush(struct replay *r)
{
	/* the profile's total must fit an int64: weights past it are cut, and that is reported */
	int64_t total = r->nraws ? profile_total(r->p, (size_t)r->value_index) : 0;

	for (size_t i = 0; i < r->nraws; i++) {
		const struct raw_stack *e = &r->raws[i];
		int64_t v = e->value;
		int rc;

		if (total < 0 || v > INT64_MAX - total) {
			v = total < 0 ? 0 : INT64_MAX - total;
			r->saturated++;
		}
		total += v;
		rc = profile_add_sample(r->p, r->raw_frames + e->frames_off, e->depth, (size_t)r->value_index, v);
		if (rc < 0)
			return rc;
	}
	r->nraws = r->nraw_keys = r->nraw_frames = 0;
	htab_release(&r->raw_index);
	htab_init(&r->raw_index);
	return 0;
}

void replay_stack_release(struct replay *r)
{
	unwind_cache_free(r->unwind);
	free(r->cache);
	htab_release(&r->cache_index);
	free(r->cache_ids);
	free(r->leaf);
	free(r->root);
	free(r->raws);
	htab_release(&r->raw_index);
	free(r->raw_keys);
	free(r->raw_frames);
	free(r->key);
}

// SPDX-License-Identifier: Apache-2.0
/* Raw stacks from the BPF maps into the profile: process label, user then kernel frames, waker after "--". */
#include "sampler/internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fold/fold.h"
#include "fold/profile.h"
#include "lib/buf.h"
#include "lib/hash.h"
#include "lib/htab.h"
#include "symbolize/symbolize.h"

#define LOST_STACK "[lost stack]"
#define WAKER_SEPARATOR "--"
#define UNKNOWN_FRAMES "[unknown]"
#define IRQ_WAKER "[irq]"

struct readout {
	struct profile *p;
	struct symbolizer *sym;
	struct image_table *images;
	struct sampler_read_opts ro;
	uint32_t *frames; /* the stack being built, root first */
	size_t nframes, cap;
	uint32_t *chain;  /* one address's frames from the symbolizer */
	size_t chain_cap;
	/* frame id -> tagged frame id ("name_[k]"), when tags are asked for */
	uint32_t *tag_from, *tag_to;
	size_t ntags, tags_cap;
	struct htab tag_index;
	struct buf scratch;
	uint64_t lost;
	int sum_index;
	/* raw readouts: no profile, records go to raw_cb */
	sampler_raw_cb *raw_cb;
	void *raw_arg;
	uint64_t raw_stacks, wakers_dropped;
	uint64_t kips[SAMPLER_MAX_DEPTH];
	uint64_t uips[SAMPLER_MAX_DEPTH + 2]; /* + the repaired caller + the first bad address */
};

struct readout *readout_new(struct profile *p, struct symbolizer *sym, struct image_table *images,
			    const struct sampler_read_opts *ro, int sum_index)
{
	struct readout *r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->p = p;
	r->sym = sym;
	r->images = images;
	r->sum_index = sum_index;
	if (ro)
		r->ro = *ro;
	htab_init(&r->tag_index);
	buf_init(&r->scratch);
	return r;
}

struct readout *readout_new_raw(struct symbolizer *sym, struct image_table *images, sampler_raw_cb *cb, void *arg)
{
	struct readout *r = readout_new(NULL, sym, images, NULL, -1);
	if (!r)
		return NULL;
	r->raw_cb = cb;
	r->raw_arg = arg;
	return r;
}

void readout_free(struct readout *r)
{
	if (!r)
		return;
	free(r->frames);
	free(r->chain);
	free(r->tag_from);
	free(r->tag_to);
	htab_release(&r->tag_index);
	buf_release(&r->scratch);
	free(r);
}

uint64_t readout_lost_stacks(const struct readout *r)
{
	return r->lost;
}

uint64_t readout_raw_stacks(const struct readout *r)
{
	return r->raw_stacks;
}

uint64_t readout_wakers_dropped(const struct readout *r)
{
	return r->wakers_dropped;
}

static int push(struct readout *r, uint32_t id)
{
	if (r->nframes == r->cap) {
		size_t ncap = r->cap ? r->cap * 2 : 256;
		uint32_t *f = realloc(r->frames, ncap * sizeof(*f));
		if (!f)
			return -ENOMEM;
		r->frames = f;
		r->cap = ncap;
	}
	r->frames[r->nframes++] = id;
	return 0;
}

static int push_named(struct readout *r, const char *name, size_t len, enum frame_kind kind)
{
	int id = profile_frame_named(r->p, name, len, kind);
	return id < 0 ? id : push(r, (uint32_t)id);
}

static bool tag_eq(uint32_t id, const void *key, void *arg)
{
	const struct readout *r = arg;
	return r->tag_from[id] == *(const uint32_t *)key;
}

/* The annotation stackcollapse-perf.pl gives frames of `kind` under the read flags, or NULL. */
static const char *tag_for(const struct readout *r, uint32_t kind)
{
	unsigned f = r->ro.fold_flags;
	if (kind == FRAME_KERNEL && (f & FOLD_KERNEL_TAG))
		return "_[k]";
	if (kind == FRAME_JIT && (f & FOLD_JIT_TAG))
		return "_[j]";
	if (kind == FRAME_INLINED && (f & FOLD_INLINE_TAG))
		return "_[i]";
	return NULL;
}

/* Frame `id`, renamed with its annotation when the flags ask for one. */
static int tagged(struct readout *r, uint32_t id, uint32_t *out)
{
	const struct frame *f = profile_frame_get(r->p, id);
	const char *tag = tag_for(r, f->kind);
	*out = id;
	if (!tag)
		return 0;
	uint64_t h = hash_u64(id);
	uint32_t i = htab_find(&r->tag_index, h, tag_eq, &id, r);
	if (i != HTAB_NONE) {
		*out = r->tag_to[i];
		return 0;
	}
	struct frame nf = *f;
	buf_reset(&r->scratch);
	if (buf_addstr(&r->scratch, profile_str(r->p, f->name)) || buf_addstr(&r->scratch, tag))
		return -ENOMEM;
	int name = profile_intern(r->p, r->scratch.data, r->scratch.len);
	if (name < 0)
		return name;
	nf.name = (uint32_t)name;
	int nid = profile_frame(r->p, &nf);
	if (nid < 0)
		return nid;
	if (r->ntags == r->tags_cap) {
		size_t ncap = r->tags_cap ? r->tags_cap * 2 : 64;
		uint32_t *a = realloc(r->tag_from, ncap * sizeof(*a));
		if (!a)
			return -ENOMEM;
		r->tag_from = a;
		uint32_t *b = realloc(r->tag_to, ncap * sizeof(*b));
		if (!b)
			return -ENOMEM;
		r->tag_to = b;
		r->tags_cap = ncap;
	}
	if (htab_insert(&r->tag_index, h, (uint32_t)r->ntags))
		return -ENOMEM;
	r->tag_from[r->ntags] = id;
	r->tag_to[r->ntags++] = (uint32_t)nid;
	*out = (uint32_t)nid;
	return 0;
}

/* Push the frames of one address: root first, or innermost first when `leaf_first`. */
static int push_addr(struct readout *r, int pid, uint64_t addr, unsigned sym_flags, bool leaf_first)
{
	struct sym_chain c;
	int e = symbolizer_resolve(r->sym, pid, addr, sym_flags, &c);
	if (e)
		return e;
	int n;
	for (;;) {
		n = symbolizer_chain_to_profile(r->sym, &c, r->p, r->ro.sym_flags, r->chain, r->chain_cap);
		if (n != -ENOSPC)
			break;
		size_t ncap = r->chain_cap ? r->chain_cap * 2 : 32;
		uint32_t *ch = realloc(r->chain, ncap * sizeof(*ch));
		if (!ch)
			return -ENOMEM;
		r->chain = ch;
		r->chain_cap = ncap;
	}
	if (n < 0)
		return n;
	for (int i = 0; i < n; i++) {
		uint32_t id;
		e = tagged(r, r->chain[leaf_first ? n - 1 - i : i], &id);
		if (e)
			return e;
		e = push(r, id);
		if (e)
			return e;
	}
	return 0;
}

/* Kernel frames of the tracing path itself (the BPF program, the tracepoint glue), leaf first. */
static bool is_tracing_frame(const char *name)
{
	static const char *const prefixes[] = {
		"bpf_prog_", "bpf_trace_run", "__bpf_trace_", "__traceiter_", "__bpf_prog_",
		"bpf_get_stack", "__probestub_", "bpf_dispatcher_",
	};
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (strncmp(name, prefixes[i], strlen(prefixes[i])) == 0)
			return true;
	return false;
}

/* Index of the first kernel frame to keep: past the BPF/tracepoint frames at the leaf of an off-CPU stack. */
static uint32_t kernel_skip(struct readout *r, const struct sampler_stack *st)
{
	uint32_t i = 0;
	for (; i < st->nr; i++) {
		struct sym_chain c;
		if (symbolizer_resolve(r->sym, SYM_PID_KERNEL, st->ips[i], i ? SYM_RETURN_ADDRESS : 0, &c))
			break;
		const char *name = c.symbol && *c.symbol ? c.symbol : c.frames[c.nframes - 1].name;
		if (!is_tracing_frame(name) && strcmp(c.module, "[bpf]") != 0)
			break;
	}
	return i < st->nr ? i : 0; /* all tracing frames: keep them rather than nothing */
}

/*
 * How many frames of user stack `st` (leaf first) to keep: a frame-pointer
 * walk through code without frame pointers can run into data and go on
 * (a frame pointing at itself repeats one address 127 times). The first
 * return address in no executable mapping ends the real frames; what follows
 * is dropped and shown as one [unknown] frame (*garbage set).
 */
static uint32_t user_keep(struct readout *r, int pid, const struct sampler_stack *st, bool *garbage)
{
	*garbage = false;
	for (uint32_t i = 1; i < st->nr; i++) {
		struct sym_chain c;
		/* whether a mapping holds it is all that counts here: no DWARF needed */
		if (symbolizer_resolve(r->sym, pid, st->ips[i], SYM_RETURN_ADDRESS | SYM_SYMBOL_ONLY, &c))
			break;
		if (c.reason == SYM_NO_MAPPING) {
			*garbage = true;
			return i;
		}
	}
	return st->nr;
}

/* A kernel entry from an interrupt: below it runs whatever the interrupt hit, unrelated to a wakeup. */
static bool is_irq_entry(struct readout *r, uint64_t addr)
{
	struct sym_chain c;
	if (symbolizer_resolve(r->sym, SYM_PID_KERNEL, addr, SYM_RETURN_ADDRESS, &c))
		return false;
	const char *name = c.symbol && *c.symbol ? c.symbol : c.frames[c.nframes - 1].name;
	return strncmp(name, "asm_sysvec_", 11) == 0 || strcmp(name, "asm_common_interrupt") == 0;
}

/* The process label: "comm", "comm-PID" or "comm-PID/TID", spaces made '_' as stackcollapse-perf.pl does. */
static int push_comm(struct readout *r, const struct raw_part *t, const struct raw_sample *rs)
{
	unsigned f = r->ro.fold_flags;
	if (f & FOLD_NO_COMM)
		return 0;
	size_t len = strnlen(t->comm, SAMPLER_COMM_LEN);
	buf_reset(&r->scratch);
	if (buf_add(&r->scratch, t->comm, len))
		return -ENOMEM;
	for (size_t i = 0; i < r->scratch.len; i++)
		if (r->scratch.data[i] == ' ')
			r->scratch.data[i] = '_';
	int e = 0;
	if ((f & FOLD_TID) && t->tid)
		e = buf_addf(&r->scratch, "-%u/%u", t->tgid, t->tid);
	else if (f & (FOLD_PID | FOLD_TID))
		e = buf_addf(&r->scratch, "-%u", t->tgid);
	if (!e && rs && rs->has_cpu)
		e = buf_addf(&r->scratch, " [cpu %u]", rs->cpu);
	if (e)
		return e;
	return push_named(r, r->scratch.data, r->scratch.len, FRAME_SYNTHETIC);
}

/*
 * The executable's caller BPF found above a library leaf (exe_caller()), or 0
 * when the walk has it already: a library built with frame pointers gives a
 * whole chain, and the found return address is then one of its frames further
 * up, not a skipped one.
 */
static uint64_t skipped_caller(const struct sampler_stack *u, uint32_t keep, uint64_t fix)
{
	for (uint32_t i = 1; fix && i < keep && i < u->nr; i++)
		if (u->ips[i] == fix)
			return 0;
	return fix;
}

/* User frames then kernel frames of `t`, root first. */
static int push_task_root_first(struct readout *r, const struct raw_part *t, bool offcpu)
{
	int e = 0;
	int pid = image_table_sym_pid(r->images, t->tgid, t->gen);
	if (t->flags & SAMPLE_USTACK_LOST) {
		e = push_named(r, LOST_STACK, strlen(LOST_STACK), FRAME_SYNTHETIC);
	} else if (t->ustack) {
		bool garbage;
		uint32_t keep = user_keep(r, pid, t->ustack, &garbage);
		/* a stack cut short (a bad frame, or a DWARF unwind that stopped early) starts at [unknown] */
		if (garbage || (t->flags & SAMPLE_USTACK_TRUNCATED))
			e = push_named(r, UNKNOWN_FRAMES, strlen(UNKNOWN_FRAMES), FRAME_SYNTHETIC);
		uint64_t fix = skipped_caller(t->ustack, keep, t->ufix);
		for (uint32_t i = keep; !e && i-- > 0;) {
			if (i == 0 && fix)
				e = push_addr(r, pid, fix, SYM_RETURN_ADDRESS, false);
			if (!e)
				e = push_addr(r, pid, t->ustack->ips[i], i ? SYM_RETURN_ADDRESS : 0, false);
		}
	}
	if (e)
		return e;
	if (t->flags & SAMPLE_KSTACK_LOST) {
		if (!(t->flags & SAMPLE_USTACK_LOST))
			e = push_named(r, LOST_STACK, strlen(LOST_STACK), FRAME_SYNTHETIC);
	} else if (t->kstack) {
		uint32_t skip = offcpu ? kernel_skip(r, t->kstack) : 0;
		for (uint32_t i = t->kstack->nr; !e && i-- > skip;)
			e = push_addr(r, SYM_PID_KERNEL, t->kstack->ips[i], i ? SYM_RETURN_ADDRESS : 0, false);
	}
	return e;
}

/*
 * Kernel frames then user frames of the waker, leaf first (offwaketime's
 * order above "--"). A wakeup from an interrupt (a timer expiring) ends at
 * the interrupt entry with an "[irq]" frame: the task it interrupted did not
 * wake anyone. Sets *irq then.
 */
static int push_waker_leaf_first(struct readout *r, const struct raw_part *w, bool *irq)
{
	int e = 0;
	*irq = false;
	if (w->flags & SAMPLE_KSTACK_LOST) {
		e = push_named(r, LOST_STACK, strlen(LOST_STACK), FRAME_SYNTHETIC);
	} else if (w->kstack) {
		for (uint32_t i = kernel_skip(r, w->kstack); !e && i < w->kstack->nr; i++) {
			e = push_addr(r, SYM_PID_KERNEL, w->kstack->ips[i], i ? SYM_RETURN_ADDRESS : 0, true);
			if (!e && is_irq_entry(r, w->kstack->ips[i])) {
				*irq = true;
				return push_named(r, IRQ_WAKER, strlen(IRQ_WAKER), FRAME_SYNTHETIC);
			}
		}
	}
	if (e)
		return e;
	int pid = image_table_sym_pid(r->images, w->tgid, w->gen);
	if (w->flags & SAMPLE_USTACK_LOST) {
		if (!(w->flags & SAMPLE_KSTACK_LOST))
			e = push_named(r, LOST_STACK, strlen(LOST_STACK), FRAME_SYNTHETIC);
	} else if (w->ustack) {
		bool garbage;
		uint32_t keep = user_keep(r, pid, w->ustack, &garbage);
		uint64_t fix = skipped_caller(w->ustack, keep, w->ufix);
		for (uint32_t i = 0; !e && i < keep; i++) {
			e = push_addr(r, pid, w->ustack->ips[i], i ? SYM_RETURN_ADDRESS : 0, true);
			if (!e && i == 0 && fix)
				e = push_addr(r, pid, fix, SYM_RETURN_ADDRESS, true);
		}
		if (!e && (garbage || (w->flags & SAMPLE_USTACK_TRUNCATED)))
			e = push_named(r, UNKNOWN_FRAMES, strlen(UNKNOWN_FRAMES), FRAME_SYNTHETIC);
	}
	return e;
}

/*
 * A raw readout's record: the addresses push_task_root_first() names, leaf
 * first, in the same cuts (tracing frames off an off-CPU kernel stack, a
 * frame-pointer walk ended at its first address in no mapping, which is
 * kept: perf names it [unknown] as the folded output does), to the callback.
 */
static int raw_add(struct readout *r, const struct raw_sample *rs)
{
	const struct raw_part *t = &rs->task;
	struct sampler_raw_stack st = {
		.kind = rs->offcpu ? SAMPLER_RAW_OFFCPU : SAMPLER_RAW_ONCPU,
		.tgid = t->tgid,
		.tid = t->tid,
		.sym_pid = image_table_sym_pid(r->images, t->tgid, t->gen),
		.gen = t->gen,
		.cpu = rs->cpu,
		.has_cpu = rs->has_cpu,
		.kernel_ips = r->kips,
		.user_ips = r->uips,
		.kernel_lost = (t->flags & SAMPLE_KSTACK_LOST) != 0,
		.user_lost = (t->flags & SAMPLE_USTACK_LOST) != 0,
		.user_cut = (t->flags & SAMPLE_USTACK_TRUNCATED) != 0,
		.count = rs->count,
		.value_ns = rs->offcpu && rs->value > 0 ? (uint64_t)rs->value : 0,
	};
	char comm[SAMPLER_COMM_LEN];
	size_t n = t->comm ? strnlen(t->comm, SAMPLER_COMM_LEN - 1) : 0;
	if (n)
		memcpy(comm, t->comm, n);
	comm[n] = 0;
	st.comm = comm;
	if (!st.kernel_lost && t->kstack) {
		for (uint32_t i = rs->offcpu ? kernel_skip(r, t->kstack) : 0; i < t->kstack->nr; i++)
			r->kips[st.nkernel++] = t->kstack->ips[i];
	}
	if (!st.user_lost && t->ustack && t->ustack->nr) {
		bool garbage;
		uint32_t keep = user_keep(r, st.sym_pid, t->ustack, &garbage);
		uint64_t fix = skipped_caller(t->ustack, keep, t->ufix);
		for (uint32_t i = 0; i < keep; i++) {
			r->uips[st.nuser++] = t->ustack->ips[i];
			if (i == 0 && fix)
				r->uips[st.nuser++] = fix;
		}
		if (garbage) {
			r->uips[st.nuser++] = t->ustack->ips[keep];
			st.user_cut = true;
		}
	}
	/* counted as the profile readout counts them, the waker's parts too */
	if (st.kernel_lost || st.user_lost ||
	    (rs->has_waker && (rs->waker.flags & (SAMPLE_KSTACK_LOST | SAMPLE_USTACK_LOST))))
		r->lost += rs->count;
	if (rs->has_waker)
		r->wakers_dropped++;
	r->raw_stacks++;
	return r->raw_cb(&st, r->raw_arg);
}

int readout_add(struct readout *r, const struct raw_sample *rs)
{
	if (r->raw_cb)
		return raw_add(r, rs);
	r->nframes = 0;
	int e = push_comm(r, &rs->task, rs);
	if (!e)
		e = push_task_root_first(r, &rs->task, rs->offcpu);
	if (!e && rs->has_waker) {
		bool irq = false;
		e = push_named(r, WAKER_SEPARATOR, strlen(WAKER_SEPARATOR), FRAME_SYNTHETIC);
		if (!e)
			e = push_waker_leaf_first(r, &rs->waker, &irq);
		if (!e && !irq)
			e = push_comm(r, &rs->waker, NULL);
	}
	if (e)
		return e;
	if ((rs->task.flags & (SAMPLE_KSTACK_LOST | SAMPLE_USTACK_LOST)) ||
	    (rs->has_waker && (rs->waker.flags & (SAMPLE_KSTACK_LOST | SAMPLE_USTACK_LOST))))
		r->lost += rs->count;
	int64_t value = rs->value;
	if (rs->value_ns && r->ro.value_unit_ns > 1)
		value = (value + (int64_t)r->ro.value_unit_ns / 2) / (int64_t)r->ro.value_unit_ns;
	int64_t values[PROFILE_MAX_VALUES] = { 0 };
	if (rs->value_index >= PROFILE_MAX_VALUES)
		return -EINVAL;
	values[rs->value_index] = value;
	if (r->sum_index >= 0 && r->sum_index < PROFILE_MAX_VALUES)
		values[r->sum_index] += value;
	int id = profile_add_stack(r->p, r->frames, r->nframes, values);
	return id < 0 ? id : 0;
}

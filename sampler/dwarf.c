// SPDX-License-Identifier: Apache-2.0
/* --call-graph dwarf in user space: drain the copied user stacks, unwind them with DWARF CFI, count each unique stack. */

/*
 * The BPF programs copy the user registers and the top of the user stack of
 * each sample (and of each thread switching out, off-CPU) into the `samples`
 * ring buffer. This drains it while recording, so the records are unwound
 * against the maps of processes that still live (snapshotted when the
 * process's first sample came, see images.c), and turned at once into
 * aggregated stacks of addresses: memory grows with the unique stacks, not
 * with the samples. Names come at the end, once per unique stack, through the
 * readout like every other stack.
 *
 * Off-CPU, the stack is copied when a thread switches out (only then is it the
 * current task, whose memory BPF can read) and the time is known only when
 * it switches back in: a START record carries the stack, an END record the
 * time, matched by thread and interval id. The ring buffer is consumed in
 * order, so a START is always seen before its END; a thread has at most one
 * pending START (a newer one replaces an older one, whose interval was left
 * out by --min-block/--max-block). With --wakeup, the END carries the waker
 * (its stacks walked in the kernel by frame pointers, as without DWARF): the
 * interval is counted under the START's stack and that waker.
 */
#include "sampler/internal.h"
#include "sampler/offcpu.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "lib/err.h"
#include "lib/hash.h"
#include "lib/htab.h"
#include "symbolize/symbolize.h"
#include "symbolize/unwind.h"

/* What identifies an aggregated stack; all bytes are set (it is hashed and compared whole). */
struct dwarf_key {
	uint64_t gen;
	uint64_t kstack;
	uint32_t kind;    /* DWARF_ONCPU or DWARF_OFFCPU_START (both halves of an interval) */
	uint32_t tgid;
	uint32_t tid;     /* 0 unless per-thread */
	uint32_t cpu;     /* 0 unless per-CPU (on-CPU) */
	uint32_t flags;   /* SAMPLE_* */
	uint32_t nframes;
	char comm[SAMPLER_COMM_LEN];
	struct offcpu_waker waker; /* --wakeup: flags has OFFCPU_HAS_WAKER; else all 0 */
};

struct dwarf_entry {
	struct dwarf_key k;
	uint64_t hash;
	size_t frames;    /* index of the first frame in dwarf.ips (leaf first) */
	uint64_t count;   /* samples or intervals */
	uint64_t ns;      /* off-CPU time */
};

/* A thread's START not yet matched by its END. */
struct pending {
	uint32_t tid;
	uint32_t entry;   /* its aggregated stack */
	uint64_t id;      /* the interval's id; 0 once matched */
};

struct dwarf {
	struct ring_buffer *rb;
	struct symbolizer *sym;      /* borrowed */
	struct image_table *images;  /* borrowed */
	struct unwind_cache *cache;
	void (*drain_events)(void *arg);
	void *drain_arg;
	bool per_thread, per_cpu;
	uint32_t max_stacks;

	struct dwarf_entry *entries;
	size_t count, cap;
	struct htab index;
	uint64_t *ips;               /* every entry's frames */
	size_t nips, ips_cap;

	struct pending *pend;
	size_t npend, pend_cap;
	struct htab pend_index;      /* by tid */

	uint64_t seen_snapshots;     /* images->snapshots when the unwind cache last saw the maps */
	uint64_t deadline_ns;        /* dwarf_consume() stops after the record that passes it; 0: none */
	int error;                   /* the first -ENOMEM of a callback */
	struct unwind_frame frames[SAMPLER_MAX_DEPTH];
	struct dwarf_stats st;
};

/* x86-64 struct pt_regs index of each DWARF register 0..16 (ax dx cx bx si di bp sp r8..r15 ip). */
static const uint8_t pt_of_dwarf[UNWIND_NREGS] = { 10, 12, 11, 5, 13, 14, 4, 19, 9, 8, 7, 6, 3, 2, 1, 0, 16 };
#define PT_SP 19
_Static_assert(UNWIND_END_COUNT <= sizeof(((struct dwarf_stats *)0)->ends) / sizeof(uint64_t), "dwarf_stats.ends");

static void regs_from_pt(struct unwind_regs *out, const __u64 *pt)
{
	for (unsigned r = 0; r < UNWIND_NREGS; r++)
		out->r[r] = pt[pt_of_dwarf[r]];
	out->valid = (1u << UNWIND_NREGS) - 1;
}

static uint64_t cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ---- aggregated stacks -------------------------------------------------------------------------- */

struct entry_probe {
	const struct dwarf_key *k;
	const uint64_t *ips;
};

static bool entry_eq(uint32_t id, const void *key, void *arg)
{
	const struct dwarf *d = arg;
	const struct entry_probe *p = key;
	const struct dwarf_entry *e = &d->entries[id];
	return memcmp(&e->k, p->k, sizeof(*p->k)) == 0 &&
	       (!p->k->nframes || memcmp(&d->ips[e->frames], p->ips, p->k->nframes * sizeof(*p->ips)) == 0);
}

/*
 * The entry of key `k` with frames `ips` (k->nframes), made if new and
 * `may_grow`. Returns its index, -ENOSPC (new, and not `may_grow`), or -ENOMEM.
 */
static int64_t entry_get(struct dwarf *d, const struct dwarf_key *k, const uint64_t *ips, bool may_grow)
{
	uint64_t h = hash_bytes(k, sizeof(*k), hash_bytes(ips, k->nframes * sizeof(*ips), 0x5ca1ab1e));
	struct entry_probe p = { k, ips };
	uint32_t i = htab_find(&d->index, h, entry_eq, &p, d);
	if (i != HTAB_NONE)
		return i;
	if (!may_grow)
		return -ENOSPC;
	if (d->count == d->cap) {
		size_t ncap = d->cap ? d->cap * 2 : 256;
		struct dwarf_entry *g = realloc(d->entries, ncap * sizeof(*g));
		if (!g)
			return -ENOMEM;
		d->entries = g;
		d->cap = ncap;
	}
	if (d->nips + k->nframes > d->ips_cap) {
		size_t ncap = d->ips_cap ? d->ips_cap * 2 : 4096;
		while (ncap < d->nips + k->nframes)
			ncap *= 2;
		uint64_t *g = realloc(d->ips, ncap * sizeof(*g));
		if (!g)
			return -ENOMEM;
		d->ips = g;
		d->ips_cap = ncap;
	}
	if (d->count >= HTAB_NONE - 1 || htab_insert(&d->index, h, (uint32_t)d->count))
		return -ENOMEM;
	struct dwarf_entry *e = &d->entries[d->count];
	memset(e, 0, sizeof(*e));
	e->k = *k;
	e->hash = h;
	e->frames = d->nips;
	if (k->nframes)
		memcpy(&d->ips[d->nips], ips, k->nframes * sizeof(*ips));
	d->nips += k->nframes;
	return (int64_t)d->count++;
}

static bool pend_eq(uint32_t id, const void *key, void *arg)
{
	const struct dwarf *d = arg;
	return d->pend[id].tid == *(const uint32_t *)key;
}

static struct pending *pending_of(struct dwarf *d, uint32_t tid, bool make)
{
	uint32_t i = htab_find(&d->pend_index, hash_u64(tid), pend_eq, &tid, d);
	if (i != HTAB_NONE)
		return &d->pend[i];
	if (!make)
		return NULL;
	if (d->npend == d->pend_cap) {
		size_t ncap = d->pend_cap ? d->pend_cap * 2 : 64;
		struct pending *g = realloc(d->pend, ncap * sizeof(*g));
		if (!g)
			return NULL;
		d->pend = g;
		d->pend_cap = ncap;
	}
	if (htab_insert(&d->pend_index, hash_u64(tid), (uint32_t)d->npend))
		return NULL;
	struct pending *p = &d->pend[d->npend++];
	memset(p, 0, sizeof(*p));
	p->tid = tid;
	return p;
}

/* ---- unwinding ---------------------------------------------------------------------------------- */

/*
 * Unwind the stack of record `h` (`stack`: its copied bytes) into `ips`,
 * leaf first; returns the frame count, with SAMPLE_USTACK_TRUNCATED added to
 * *flags when the unwind stopped before the outermost frame. A frame the
 * unwinder reached through a signal frame holds the interrupted instruction
 * itself, not a return address, and the signal trampoline's return address
 * is its first byte (__restore_rt): both are stored one byte on, since the
 * readout looks callers up at their address - 1.
 */
static uint32_t unwind_record(struct dwarf *d, const struct sampler_dwarf_head *h, const uint8_t *stack, int pid,
			      uint64_t *ips, uint32_t *flags)
{
	struct unwind_regs regs;
	struct unwind_stack st = { .data = stack, .size = h->stack_len, .start = h->regs[PT_SP] };
	struct unwind_result res;

	regs_from_pt(&regs, h->regs);
	if (d->images->snapshots != d->seen_snapshots) {
		unwind_cache_maps_changed(d->cache);
		d->seen_snapshots = d->images->snapshots;
	}
	if (unwind_user_stack(d->sym, d->cache, pid, &regs, &st, d->frames, SAMPLER_MAX_DEPTH, &res)) {
		d->error = -ENOMEM;
		return 0;
	}
	if ((res.end == UNWIND_END_NO_MODULE || res.end == UNWIND_END_NO_CFI) &&
	    image_table_refresh(d->images, h->tgid, h->gen, h->ts, sampler_now_ns()) > 0) {
		/*
		 * Code mapped since the last snapshot (dlopen, or a process first
		 * seen in ld.so, before it mapped the libraries, or while it did:
		 * a library's first mapping still covers its later segments): look again.
		 */
		d->st.refreshes++;
		unwind_cache_maps_changed(d->cache);
		d->seen_snapshots = d->images->snapshots;
		pid = image_table_sym_pid(d->images, h->tgid, h->gen);
		if (unwind_user_stack(d->sym, d->cache, pid, &regs, &st, d->frames, SAMPLER_MAX_DEPTH, &res)) {
			d->error = -ENOMEM;
			return 0;
		}
	}
	if ((unsigned)res.end < UNWIND_END_COUNT)
		d->st.ends[res.end]++;
	d->st.frames += res.nframes;
	d->st.fp_frames += res.fp_frames;
	if (res.end != UNWIND_END_OUTERMOST && res.end != UNWIND_END_MAX)
		*flags |= SAMPLE_USTACK_TRUNCATED;
	for (size_t i = 0; i < res.nframes; i++) {
		/* the frame below an activation is a signal trampoline, its return address its first byte */
		bool exact = d->frames[i].activation || (i + 1 < res.nframes && d->frames[i + 1].activation);
		ips[i] = d->frames[i].pc + (i && exact);
	}
	return (uint32_t)res.nframes;
}

/* Make sure the image of a record is known: its NEW_IMAGE event may still wait in the other ring buffer. */
static void image_ensure(struct dwarf *d, uint32_t tgid, uint64_t gen)
{
	if (image_table_known(d->images, tgid, gen))
		return;
	if (d->drain_events)
		d->drain_events(d->drain_arg);
	if (!image_table_known(d->images, tgid, gen)) {
		/* the event was lost (its ring buffer full): snapshot now, the process is most likely alive */
		d->st.late_images++;
		if (image_table_new_image(d->images, tgid, gen, sampler_now_ns()))
			d->error = -ENOMEM;
	}
}

static void key_from_head(const struct dwarf *d, const struct sampler_dwarf_head *h, struct dwarf_key *k)
{
	memset(k, 0, sizeof(*k));
	k->gen = h->gen;
	k->kstack = h->kstack;
	k->kind = h->type == DWARF_ONCPU ? DWARF_ONCPU : DWARF_OFFCPU_START;
	k->tgid = h->tgid;
	k->tid = d->per_thread ? h->tid : 0;
	k->cpu = d->per_cpu && h->type == DWARF_ONCPU ? h->cpu : 0;
	k->flags = h->flags & (SAMPLE_KSTACK_LOST | SAMPLE_USTACK_LOST);
	memcpy(k->comm, h->comm, sizeof(k->comm));
}

/* The waker an END record carries after its head (--wakeup), into *w; false when none. */
static bool end_waker(const struct sampler_dwarf_head *h, const void *data, size_t len, struct offcpu_waker *w)
{
	if (h->stack_len != sizeof(*w) || len < sizeof(*h) + sizeof(*w))
		return false;
	memcpy(w, (const uint8_t *)data + sizeof(*h), sizeof(*w));
	if (!(w->flags & OFFCPU_HAS_WAKER)) {
		memset(w, 0, sizeof(*w));
		return false;
	}
	return true;
}

/*
 * The entry counting entry `at`'s stack woken by `w`: its key with the waker,
 * the same frames. `at` itself when the table is full (the waker is then not
 * shown, counted as capped), or -ENOMEM.
 */
static int64_t entry_with_waker(struct dwarf *d, uint32_t at, const struct offcpu_waker *w)
{
	struct dwarf_key k = d->entries[at].k;
	uint64_t ips[SAMPLER_MAX_DEPTH];
	/* copied: entry_get() may move d->ips */
	memcpy(ips, &d->ips[d->entries[at].frames], k.nframes * sizeof(ips[0]));
	k.waker = *w;
	int64_t i = entry_get(d, &k, ips, d->count < d->max_stacks);
	if (i == -ENOSPC) {
		d->st.capped++;
		return at;
	}
	return i;
}

/* An END whose START is not there: its time is kept, under a [lost stack] (and its waker). */
static void end_unmatched(struct dwarf *d, const struct sampler_dwarf_head *h, const struct offcpu_waker *w)
{
	struct dwarf_key k;
	key_from_head(d, h, &k);
	static const uint64_t none[1];
	k.flags |= SAMPLE_USTACK_LOST;
	if (w)
		k.waker = *w;
	int64_t i = entry_get(d, &k, none, true);
	if (i < 0) {
		d->error = (int)i;
		return;
	}
	d->entries[i].count++;
	d->entries[i].ns += h->ns;
	d->st.unmatched++;
}

int dwarf_add_record(struct dwarf *d, const void *data, size_t len)
{
	struct sampler_dwarf_head h;
	uint64_t ips[SAMPLER_MAX_DEPTH];

	if (len < sizeof(h)) {
		d->st.bad_records++;
		return 0;
	}
	memcpy(&h, data, sizeof(h));
	d->st.records++;
	if (h.type == DWARF_OFFCPU_END) {
		struct offcpu_waker w;
		bool woken = end_waker(&h, data, len, &w);
		struct pending *p = pending_of(d, h.tid, false);
		if (p && p->id && p->id == h.id) {
			int64_t at = woken ? entry_with_waker(d, p->entry, &w) : (int64_t)p->entry;
			p->id = 0;
			if (at < 0) {
				d->error = (int)at;
				return d->error;
			}
			d->entries[at].count++;
			d->entries[at].ns += h.ns;
		} else {
			end_unmatched(d, &h, woken ? &w : NULL);
		}
		return d->error;
	}
	if (h.type != DWARF_ONCPU && h.type != DWARF_OFFCPU_START) {
		d->st.bad_records++;
		return 0;
	}
	if (h.stack_len > len - sizeof(h))
		h.stack_len = (uint32_t)(len - sizeof(h));
	image_ensure(d, h.tgid, h.gen);
	int pid = image_table_sym_pid(d->images, h.tgid, h.gen);
	struct dwarf_key k;
	key_from_head(d, &h, &k);
	k.nframes = unwind_record(d, &h, (const uint8_t *)data + sizeof(h), pid, ips, &k.flags);
	int64_t i = entry_get(d, &k, ips, d->count < d->max_stacks);
	if (i == -ENOSPC) {
		/*
		 * The table is full: keep the sample under its process and kernel
		 * stack with a [lost stack] for the user part. Those entries are
		 * bounded by the kernel's stack map, so they may pass the cap.
		 */
		d->st.capped++;
		k.nframes = 0;
		k.flags = (k.flags & ~SAMPLE_USTACK_TRUNCATED) | SAMPLE_USTACK_LOST;
		i = entry_get(d, &k, ips, true);
	}
	if (i < 0) {
		d->error = (int)i;
		return d->error;
	}
	if (h.type == DWARF_ONCPU) {
		d->entries[i].count++;
	} else {
		struct pending *p = pending_of(d, h.tid, true);
		if (!p) {
			d->error = -ENOMEM;
			return d->error;
		}
		p->entry = (uint32_t)i;
		p->id = h.id;
	}
	return d->error;
}

/*
 * The ring buffer's callback: an error is kept in d->error, and the ring is
 * drained anyway. -EAGAIN stops the drain once its time is up (libbpf then
 * keeps the records not yet read for the next one).
 */
static int on_record(void *ctx, void *data, size_t len)
{
	struct dwarf *d = ctx;
	dwarf_add_record(d, data, len);
	if (d->deadline_ns && sampler_now_ns() >= d->deadline_ns)
		return -EAGAIN;
	return 0;
}

/* ---- the consumer ------------------------------------------------------------------------------- */

static uint32_t pow2_at_least(uint64_t v)
{
	uint32_t p = 1;
	while (p < v && p < (1u << 31))
		p <<= 1;
	return p;
}

void dwarf_ring_size(const struct sampler_opts *o, size_t ncpus, bool wide, uint32_t *ring, uint64_t *wakeup)
{
	long page = sysconf(_SC_PAGESIZE);
	uint64_t min = page > 0 ? (uint64_t)page : 4096;
	*ring = (uint32_t)min;
	*wakeup = 0;
	if (!o->dwarf_stack_size)
		return;
	uint64_t rec = sizeof(struct sampler_dwarf_head) + o->dwarf_stack_size + 8; /* + the ring's own header */
	double per_sec = 0;
	if (o->mode != SAMPLER_OFFCPU)
		per_sec += (double)(o->freq ? o->freq : 99) * (double)ncpus;
	if (o->mode != SAMPLER_ONCPU)
		per_sec += wide ? 20000 : 2000; /* context switches: no option predicts them */
	uint64_t bytes = (uint64_t)(per_sec * (double)rec / 2);
	bytes = bytes < (256u << 10) ? (256u << 10) : bytes > (64u << 20) ? (64u << 20) : bytes;
	const char *env = getenv("SCORCH_DWARF_RING_SIZE");
	if (env && atol(env) > 0)
		bytes = (uint64_t)atol(env);
	if (bytes < min)
		bytes = min;
	*ring = pow2_at_least(bytes);
	*wakeup = *ring / 4;
}

int dwarf_new(struct dwarf **out, int ring_fd, const struct dwarf_opts *o, struct errbuf *err)
{
	struct dwarf *d = calloc(1, sizeof(*d));
	if (!d)
		return errbuf_set(err, -ENOMEM, "out of memory");
	d->sym = o->sym;
	d->images = o->images;
	d->per_thread = o->per_thread;
	d->per_cpu = o->per_cpu;
	d->drain_events = o->drain_events;
	d->drain_arg = o->drain_arg;
	d->max_stacks = o->max_stacks ? o->max_stacks : DWARF_MAX_STACKS;
	htab_init(&d->index);
	htab_init(&d->pend_index);
	d->cache = unwind_cache_new();
	if (!d->cache) {
		dwarf_free(d);
		return errbuf_set(err, -ENOMEM, "out of memory");
	}
	if (ring_fd >= 0)
		d->rb = ring_buffer__new(ring_fd, on_record, d, NULL);
	if (ring_fd >= 0 && !d->rb) {
		int e = -errno;
		dwarf_free(d);
		return errbuf_set(err, e, "cannot open the stack ring buffer: %s", strerror(-e));
	}
	*out = d;
	return 0;
}

int dwarf_poll_fd(const struct dwarf *d)
{
	return d->rb ? ring_buffer__epoll_fd(d->rb) : -1;
}

int dwarf_consume(struct dwarf *d, uint64_t budget_ns)
{
	if (!d->rb)
		return d->error;
	uint64_t t0 = cpu_ns();
	d->deadline_ns = budget_ns ? sampler_now_ns() + budget_ns : 0;
	int n = ring_buffer__consume(d->rb);
	d->deadline_ns = 0;
	d->st.unwind_ns += cpu_ns() - t0;
	if (n < 0 && n != -EINTR && n != -EAGAIN)
		return n;
	return d->error;
}

int dwarf_read(struct dwarf *d, struct readout *r, struct bpf_object *obj, uint32_t kind, size_t value_index,
	       int64_t value_scale, bool has_cpu)
{
	struct stack_cache cache;
	struct sampler_stack *ust = malloc(sizeof(*ust));
	int e = ust ? 0 : -ENOMEM;

	stack_cache_init(&cache, obj);
	for (size_t i = 0; !e && i < d->count; i++) {
		const struct dwarf_entry *en = &d->entries[i];
		if (en->k.kind != kind || !en->count)
			continue;
		struct raw_sample rs;
		memset(&rs, 0, sizeof(rs));
		rs.task.tgid = en->k.tgid;
		rs.task.tid = en->k.tid;
		rs.task.gen = en->k.gen;
		rs.task.comm = en->k.comm;
		rs.task.flags = en->k.flags;
		e = stack_cache_get(&cache, en->k.kstack, &rs.task.kstack);
		if (e == -ENOENT)
			rs.task.flags |= SAMPLE_KSTACK_LOST;
		else if (e)
			break;
		e = 0;
		const struct offcpu_waker *w = &en->k.waker;
		if (w->flags & OFFCPU_HAS_WAKER) {
			/* the waker's stacks are in the same object's maps, walked by frame pointers */
			rs.has_waker = true;
			rs.waker.tgid = w->tgid;
			rs.waker.gen = w->gen;
			rs.waker.comm = w->comm;
			rs.waker.ufix = w->ufix;
			rs.waker.flags = w->flags & ~OFFCPU_HAS_WAKER;
			int got = stack_cache_get(&cache, w->kstack, &rs.waker.kstack);
			if (got == -ENOENT)
				rs.waker.flags |= SAMPLE_KSTACK_LOST;
			else if (got)
				e = got;
			got = stack_cache_get(&cache, w->ustack, &rs.waker.ustack);
			if (got == -ENOENT)
				rs.waker.flags |= SAMPLE_USTACK_LOST;
			else if (got)
				e = got;
			if (e)
				break;
		}
		if (en->k.nframes) {
			ust->nr = en->k.nframes;
			memcpy(ust->ips, &d->ips[en->frames], en->k.nframes * sizeof(ust->ips[0]));
			rs.task.ustack = ust;
		}
		rs.offcpu = kind != DWARF_ONCPU;
		rs.cpu = en->k.cpu;
		rs.has_cpu = has_cpu;
		rs.value_index = value_index;
		if (kind == DWARF_ONCPU) {
			rs.value = (int64_t)en->count * value_scale;
			rs.value_ns = value_scale > 1;
		} else {
			rs.value = (int64_t)en->ns;
			rs.value_ns = true;
		}
		rs.count = en->count;
		e = readout_add(r, &rs);
	}
	stack_cache_release(&cache);
	free(ust);
	return e;
}

void dwarf_get_stats(const struct dwarf *d, struct dwarf_stats *st)
{
	if (!d) {
		memset(st, 0, sizeof(*st));
		return;
	}
	*st = d->st;
	st->stacks = d->count;
}

void dwarf_free(struct dwarf *d)
{
	if (!d)
		return;
	ring_buffer__free(d->rb);
	unwind_cache_free(d->cache);
	htab_release(&d->index);
	htab_release(&d->pend_index);
	free(d->entries);
	free(d->ips);
	free(d->pend);
	free(d);
}

// SPDX-License-Identifier: Apache-2.0
/* A recording: check options, load and attach the BPF objects, follow process events, read into a profile. */
#include "sampler/sampler.h"

#include <errno.h>
#include <signal.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "lib/err.h"
#include "lib/hash.h"
#include "sampler/internal.h"
#include "sampler/target.h"
#include "symbolize/symbolize.h"

_Static_assert(SAMPLER_DWARF_STACK_MAX == SAMPLER_DWARF_MAX_STACK, "one limit on both sides");

/* --call-graph dwarf: sampler_poll() unwinds for about this long at most, the rest at the next call. */
#define DWARF_POLL_BUDGET_NS (100ull * 1000 * 1000)

/* How often sampler_poll() checks that targets still live, in case an exit event was lost. */
#define LIVENESS_CHECK_NS (250ull * 1000 * 1000)


uint32_t sampler_filter_flags(const struct sampler_opts *o)
{
	uint32_t f = 0;
	if (o->npids || o->exec_pid > 0)
		f |= FILTER_TGID;
	if (o->ntids)
		f |= FILTER_TID;
	if (o->cgroup)
		f |= FILTER_CGROUP;
	if (o->ncpus)
		f |= FILTER_CPU;
	return f;
}

/* ---- targets ------------------------------------------------------------------------------------ */

static bool target_eq(uint32_t id, const void *key, void *arg)
{
	const struct sampler *s = arg;
	const struct target *k = key;
	return s->targets[id].id == k->id && s->targets[id].thread == k->thread;
}

static uint64_t target_hash(uint32_t id, bool thread)
{
	return hash_u64((uint64_t)id << 1 | thread);
}

static struct target *target_find(struct sampler *s, uint32_t id, bool thread)
{
	struct target k = { .id = id, .thread = thread };
	uint32_t i = htab_find(&s->target_index, target_hash(id, thread), target_eq, &k, s);
	return i == HTAB_NONE ? NULL : &s->targets[i];
}

static int target_add(struct sampler *s, uint32_t id, bool thread)
{
	struct target *t = target_find(s, id, thread);
	if (t) {
		if (t->dead) {
			t->dead = false; /* a reused pid made a target again by a fork */
			s->live++;
		}
		return 0;
	}
	if (s->ntargets == s->targets_cap) {
		size_t ncap = s->targets_cap ? s->targets_cap * 2 : 16;
		struct target *g = realloc(s->targets, ncap * sizeof(*g));
		if (!g)
			return -ENOMEM;
		s->targets = g;
		s->targets_cap = ncap;
	}
	if (htab_insert(&s->target_index, target_hash(id, thread), (uint32_t)s->ntargets))
		return -ENOMEM;
	s->targets[s->ntargets++] = (struct target){ .id = id, .thread = thread };
	s->live++;
	return 0;
}

static void target_gone(struct sampler *s, uint32_t id, bool thread)
{
	struct target *t = target_find(s, id, thread);
	if (t && !t->dead) {
		t->dead = true;
		s->live--;
	}
}

static void check_liveness(struct sampler *s)
{
	for (size_t i = 0; i < s->ntargets; i++) {
		struct target *t = &s->targets[i];
		if (!t->dead && !target_alive((pid_t)t->id)) {
			t->dead = true;
			s->live--;
		}
	}
}

/* ---- process events ----------------------------------------------------------------------------- */

/*
 * Tell the samplers where the executable's code of image (tgid, gen) lies,
 * for the repair of callers skipped above library leaves. The entry is
 * rewritten only while it still holds this generation (an exec may have
 * replaced it meanwhile).
 */
static void image_set_code_range(struct sampler *s, uint32_t tgid, uint64_t gen)
{
	struct sampler_image im;
	uint64_t lo, hi;
	int fd = s->sm.fd[SHARED_IMAGES];
	if (fd < 0 || target_code_range((pid_t)tgid, &lo, &hi))
		return;
	im.text_lo = lo;
	im.text_hi = hi;
	struct sampler_image cur;
	if (bpf_map_lookup_elem(fd, &tgid, &cur) || cur.gen != gen)
		return;
	im.gen = gen;
	bpf_map_update_elem(fd, &tgid, &im, BPF_EXIST);
}

static int on_event(void *ctx, void *data, size_t len)
{
	struct sampler *s = ctx;
	struct sampler_event ev;
	if (len < sizeof(ev))
		return 0;
	memcpy(&ev, data, sizeof(ev));
	switch (ev.type) {
	case EVENT_NEW_IMAGE:
		if (!s->first_sample_ns || ev.ts < s->first_sample_ns)
			s->first_sample_ns = ev.ts;
		image_table_new_image(&s->images, ev.tgid, ev.gen, sampler_now_ns());
		image_table_seen_at(&s->images, ev.tgid, ev.gen, ev.ts);
		image_set_code_range(s, ev.tgid, ev.gen);
		break;
	case EVENT_EXIT:
		if (ev.flags & EVENT_GROUP_DEAD) {
			image_table_exit(&s->images, ev.tgid);
			target_gone(s, ev.tgid, false);
		}
		target_gone(s, ev.tid, true);
		break;
	case EVENT_FORK:
		if (s->track_targets)
			target_add(s, ev.child, false);
		break;
	default:
		break;
	}
	return 0;
}

/* image_table's check after a re-snapshot: drain pending events, then ask whether `tgid` exited. */
static bool tgid_exited(void *arg, uint32_t tgid)
{
	struct sampler *s = arg;
	if (s->rb)
		ring_buffer__consume(s->rb);
	for (size_t i = 0; i < s->images.count; i++) {
		const struct image *im = &s->images.items[i];
		if (im->tgid == tgid && im->current)
			return im->dead || !target_alive((pid_t)tgid);
	}
	return !target_alive((pid_t)tgid);
}

/* ---- set-up ------------------------------------------------------------------------------------- */

/* The dwarf consumer's way to handle NEW_IMAGE events before the samples of that image. */
static void drain_events(void *arg)
{
	struct sampler *s = arg;
	if (s->rb)
		ring_buffer__consume(s->rb);
	sampler_read_mmaps(s);
	sampler_fill_gone(s);
}

/* --call-graph dwarf: the consumer of the `samples` ring buffer, and one descriptor to wait on both rings. */
static int start_dwarf(struct sampler *s, struct errbuf *err)
{
	struct dwarf_opts o = {
		.sym = s->o.sym,
		.images = &s->images,
		.per_thread = s->o.per_thread,
		.per_cpu = s->o.per_cpu,
		.drain_events = drain_events,
		.drain_arg = s,
	};
	int e = dwarf_new(&s->dw, s->sm.fd[SHARED_SAMPLES], &o, err);
	if (e)
		return e;
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (s->epfd < 0)
		return errbuf_set(err, -errno, "cannot set up the ring buffers: %s", strerror(errno));
	int fds[2] = { ring_buffer__epoll_fd(s->rb), dwarf_poll_fd(s->dw) };
	for (int i = 0; i < 2; i++) {
		struct epoll_event ev = { .events = EPOLLIN, .data.fd = fds[i] };
		if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, fds[i], &ev))
			return errbuf_set(err, -errno, "cannot set up the ring buffers: %s", strerror(errno));
	}
	return 0;
}

/* One descriptor to wait on: the events ring buffer, and what start_dwarf() or the mmap watch add. */
static int ensure_epoll(struct sampler *s)
{
	if (s->epfd >= 0)
		return 0;
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (s->epfd < 0)
		return -errno;
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = ring_buffer__epoll_fd(s->rb) };
	if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, ev.data.fd, &ev))
		return -errno;
	return 0;
}

/* The mmap watch saw a process map new code, exec or fork: log it, snapshot again, follow it. */
static void on_mapped(const struct mmap_seen *m, void *arg)
{
	struct sampler *s = arg;
	if (s->maplog && maplog_add(s->maplog, m) < 0) {
		/* out of memory: stop logging, snapshots go on */
		maplog_free(s->maplog);
		s->maplog = NULL;
	}
	if (m->fork)
		return;
	struct image *im = image_table_current(&s->images, m->pid);
	if (im && im->from_log) {
		/* an image named from the log follows it: a library mapped after its replay, until an exec */
		if (m->exec) {
			im->from_log = false;
		} else if (s->o.sym) {
			struct sym_mmap sm = {
				.start = m->addr, .len = m->len, .pgoff = m->pgoff, .filename = m->filename,
				.build_id = m->build_id, .build_id_len = m->build_id_len, .exec = true,
				.maj = m->maj, .min = m->min, .ino = m->ino,
			};
			if (symbolizer_proc_mmap(s->o.sym, im->sym_pid, &sm) == 0)
				s->images.snapshots++; /* the unwinder's caches see new maps */
		}
	}
	if (!m->exec)
		image_table_mapped(&s->images, m->pid, sampler_now_ns());
}

void sampler_read_mmaps(struct sampler *s)
{
	mmap_watch_read(s->mw, on_mapped, s);
}

/*
 * maplog_prune(): what a live process mapped is kept (it may yet be sampled
 * and be gone before its snapshot, or fork a child that is); a process gone
 * for a while had its samples handled.
 */
static bool log_needed(uint32_t tgid, void *arg)
{
	(void)arg;
	return kill((pid_t)tgid, 0) == 0 || errno == EPERM;
}

/* Every MAPLOG_PRUNE_NS, the log forgets what is older and no longer needed: memory stays bounded in long recordings. */
#define MAPLOG_PRUNE_NS (2ull * 1000 * 1000 * 1000)

static void prune_maplog(struct sampler *s, uint64_t now)
{
	if (!s->maplog || now < s->next_prune_ns)
		return;
	if (s->next_prune_ns)
		maplog_prune(s->maplog, now - MAPLOG_PRUNE_NS, log_needed, s);
	s->next_prune_ns = now + MAPLOG_PRUNE_NS;
}

/*
 * Processes gone before their first snapshot (a millisecond's life), or
 * snapshotted after an exec: their maps from the mmap watch's log, of the
 * image they ran when first sampled. Called once the watch was read after
 * the events: a process that is gone has all its records in the rings then.
 */
void sampler_fill_gone(struct sampler *s)
{
	if (!s->maplog || !s->o.sym)
		return;
	/* each image once, after its first snapshot: the new ones are at the end */
	for (size_t i = s->images.checked; i < s->images.count; i++) {
		struct image *im = &s->images.items[i];
		/*
		 * A snapshot taken after the process exec'd (a loaded machine reads
		 * /proc late) holds the next program's maps: this image's come from
		 * the log too (replayed over them: the right ones win where they overlap).
		 */
		bool stale = im->seen_ns && im->first_snap_ns &&
			     maplog_exec_between(s->maplog, im->tgid, im->seen_ns, im->first_snap_ns);
		if (!im->snap_failed && !stale)
			continue;
		uint64_t at = im->seen_ns ? im->seen_ns : im->snap_ns;
		if (maplog_replay(s->maplog, im->tgid, at, s->o.sym, im->sym_pid) > 0) {
			im->from_log = im->current && !stale; /* after an exec, what comes is the next program's */
			s->filled_from_log++;
			s->images.snapshots++; /* the unwinder's caches see new maps */
		}
		im->snap_failed = false;
	}
	s->images.checked = s->images.count;
}

/*
 * Watch new executable mappings of every process (mmap_watch.c), so that a
 * library loaded and unloaded while recording keeps its names. Best effort:
 * without it, maps are snapshotted as before.
 */
static void start_mmap_watch(struct sampler *s)
{
	int *cpus = NULL;
	size_t n = 0;
	struct errbuf err;
	errbuf_init(&err);
	if (s->o.sym && !getenv("SCORCH_NO_MMAP_WATCH") && ensure_epoll(s) == 0 &&
	    target_online_cpus(&cpus, &n, &err) == 0 && mmap_watch_open(&s->mw, cpus, n, s->epfd, &err) == 0)
		s->maplog = maplog_new();
	free(cpus);
	errbuf_release(&err);
}

static bool have_capabilities(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct data[2];
	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &hdr, data))
		return geteuid() == 0;
#define HAS_CAP(c) ((data[(c) / 32].effective >> ((c) % 32)) & 1)
	/* CAP_PERFMON (38) and CAP_BPF (39) since 5.8; CAP_SYS_ADMIN covers both before and since */
	return HAS_CAP(21) || (HAS_CAP(38) && HAS_CAP(39));
#undef HAS_CAP
}

static int check_opts(const struct sampler_opts *o, struct errbuf *err)
{
	size_t kinds = (o->npids || o->ntids ? 1 : 0) + (o->exec_pid > 0) + o->all;
	if (kinds == 0 && !o->cgroup)
		return errbuf_set(err, -EINVAL, "no target: give -p PID, -t TID, -a, --cgroup PATH or -- COMMAND");
	if (kinds > 1)
		return errbuf_set(err, -EINVAL, "-a, -p/-t and a command are different targets: choose one");
	if (o->user_stacks_only && o->kernel_stacks_only)
		return errbuf_set(err, -EINVAL, "user-stacks-only and kernel-stacks-only exclude each other");
	if (o->mode == SAMPLER_ONCPU && (o->wakeup || o->min_block_ns || o->max_block_ns || o->states))
		return errbuf_set(err, -EINVAL, "--wakeup, --min-block, --max-block and --state need --off-cpu "
						"or --mode wall");
	if (o->mode != SAMPLER_OFFCPU && o->freq > 100000)
		return errbuf_set(err, -EINVAL, "-F %u is too high: at most 100000 Hz", o->freq);
	if (o->mode == SAMPLER_OFFCPU && (o->idle || o->per_cpu))
		return errbuf_set(err, -EINVAL, "--idle and --per-cpu apply to on-CPU sampling only");
	if (o->max_block_ns && o->min_block_ns > o->max_block_ns)
		return errbuf_set(err, -EINVAL, "--min-block is above --max-block");
	if (o->dwarf_stack_size) {
#if !defined(__x86_64__)
		return errbuf_set(err, -EINVAL, "--call-graph dwarf is supported on x86-64 only: use frame pointers (-g)");
#endif
		if (o->dwarf_stack_size > SAMPLER_DWARF_MAX_STACK || o->dwarf_stack_size % 8)
			return errbuf_set(err, -EINVAL, "--call-graph dwarf: stack size %u is not a multiple of 8 up to %u",
					  o->dwarf_stack_size, SAMPLER_DWARF_MAX_STACK);
		if (o->kernel_stacks_only)
			return errbuf_set(err, -EINVAL, "--call-graph dwarf unwinds user stacks: not with --kernel-stacks-only");
		if (!o->sym)
			return errbuf_set(err, -EINVAL, "--call-graph dwarf needs a symbolizer to unwind with");
	}
	return 0;
}

static uint32_t clamp32(uint64_t v, uint32_t lo, uint32_t hi)
{
	return v < lo ? lo : v > hi ? hi : (uint32_t)v;
}

/*
 * Map sizes from the expected number of samples (rate x duration x CPUs).
 * Stack and count maps are preallocated (inserts run with interrupts off,
 * where allocating on demand fails), so they are sized, not just capped.
 */
static void size_maps(struct sampler *s)
{
	const struct sampler_opts *o = &s->o;
	double secs = o->duration > 0 ? o->duration : 30;
	uint64_t expected = (uint64_t)(secs * (o->freq ? o->freq : 99) * (double)s->ncpus);
	bool wide = o->all || o->cgroup;
	int possible = libbpf_num_possible_cpus();

	s->sz.targets_tgid = 16384;
	s->sz.targets_tid = clamp32(o->ntids, 16, 65536);
	s->sz.cpus = possible > 0 ? (uint32_t)possible : 1;
	s->sz.images = wide ? 32768 : 4096;
	/*
	 * Every sample could bring a new kernel and a new user stack, most of them
	 * shallow (the small map). The caps bound kernel memory to about 45 MB
	 * (264 + 1024-byte values); what does not fit shows as [lost stack].
	 */
	s->sz.counts = clamp32(expected, 4096, 1u << 16);
	s->sz.stacks = clamp32(2 * expected, 4096, 1u << 16);
	s->sz.stacks_big = clamp32(expected / 2, 1024, 1u << 14);
	if (o->mode != SAMPLER_ONCPU) {
		/* off-CPU intervals follow the switch rate, which no option predicts */
		s->sz.counts = wide ? 65536 : 16384;
		s->sz.stacks = wide ? 65536 : 16384;
		s->sz.stacks_big = wide ? 16384 : 4096;
	}
	if (o->stack_map_entries) {
		s->sz.stacks = o->stack_map_entries;
		s->sz.stacks_big = o->stack_map_entries / 4 ? o->stack_map_entries / 4 : 1;
	}
	s->sz.offcpu_start = wide ? 65536 : 16384;
	s->sz.wakers = s->sz.offcpu_start;
	dwarf_ring_size(o, s->ncpus, wide, &s->sz.samples_ring, &s->sz.samples_wakeup);
}

static int fill_filters(struct sampler *s, struct errbuf *err)
{
	uint8_t one = 1;
	for (size_t i = 0; i < s->o.npids; i++) {
		uint32_t id = (uint32_t)s->pids[i];
		if (bpf_map_update_elem(s->sm.fd[SHARED_TARGETS_TGID], &id, &one, BPF_ANY))
			return errbuf_set(err, -errno, "cannot add pid %u to the filter: %s", id, strerror(errno));
	}
	for (size_t i = 0; i < s->o.ntids; i++) {
		uint32_t id = (uint32_t)s->tids[i];
		if (bpf_map_update_elem(s->sm.fd[SHARED_TARGETS_TID], &id, &one, BPF_ANY))
			return errbuf_set(err, -errno, "cannot add tid %u to the filter: %s", id, strerror(errno));
	}
	if (s->o.cgroup) {
		uint32_t zero = 0;
		if (bpf_map_update_elem(s->sm.fd[SHARED_CGROUP], &zero, &s->cgroup_fd, BPF_ANY))
			return errbuf_set(err, -errno, "cannot set the cgroup filter: %s", strerror(errno));
	}
	if (s->o.ncpus) {
		for (size_t i = 0; i < s->ncpus; i++) {
			uint32_t c = (uint32_t)s->cpus[i];
			if (c >= s->sz.cpus)
				return errbuf_set(err, -EINVAL, "no CPU %u on this machine", c);
			if (bpf_map_update_elem(s->sm.fd[SHARED_CPUS], &c, &one, BPF_ANY))
				return errbuf_set(err, -errno, "cannot set the CPU filter: %s", strerror(errno));
		}
	}
	return 0;
}

static int copy_ids(pid_t **dst, const pid_t *src, size_t n)
{
	if (!n)
		return 0;
	*dst = malloc(n * sizeof(**dst));
	if (!*dst)
		return -ENOMEM;
	memcpy(*dst, src, n * sizeof(**dst));
	return 0;
}

struct sampler *sampler_new(const struct sampler_opts *opts, struct errbuf *err)
{
	int e = check_opts(opts, err);
	if (e) {
		errno = -e;
		return NULL;
	}
	struct sampler *s = calloc(1, sizeof(*s));
	if (!s) {
		errbuf_set(err, -ENOMEM, "out of memory");
		errno = ENOMEM;
		return NULL;
	}
	s->o = *opts;
	s->cgroup_fd = -1;
	s->epfd = -1;
	s->stats_fd = -1;
	shared_maps_init(&s->sm);
	htab_init(&s->target_index);
	image_table_init(&s->images, opts->sym);
	s->images.exited = tgid_exited;
	s->images.exited_arg = s;
	if (!s->o.freq)
		s->o.freq = 99;

	if (copy_ids(&s->pids, opts->pids, opts->npids) || copy_ids(&s->tids, opts->tids, opts->ntids)) {
		e = errbuf_set(err, -ENOMEM, "out of memory");
		goto out;
	}
	s->o.pids = s->pids;
	s->o.tids = s->tids;
	s->o.cgroup = NULL;
	s->o.cpus = NULL;

	if (!have_capabilities()) {
		e = errbuf_set(err, -EPERM, "recording needs root, or the capabilities CAP_BPF and CAP_PERFMON");
		errbuf_hint(err, "run with sudo, or: sudo setcap cap_bpf,cap_perfmon+ep $(command -v scorch)");
		goto out;
	}
	if (access("/sys/kernel/btf/vmlinux", R_OK)) {
		e = errbuf_set(err, -ENOTSUP, "the kernel has no BTF type information (/sys/kernel/btf/vmlinux)");
		errbuf_hint(err, "scorch needs Linux 6.1 or later built with CONFIG_DEBUG_INFO_BTF=y");
		goto out;
	}
	for (size_t i = 0; i < s->o.npids && !e; i++)
		e = target_check(s->pids[i], false, err);
	for (size_t i = 0; i < s->o.ntids && !e; i++)
		e = target_check(s->tids[i], true, err);
	if (e)
		goto out;
	if (opts->cgroup) {
		s->cgroup_fd = target_open_cgroup(opts->cgroup, (char **)&s->o.cgroup, err);
		if (s->cgroup_fd < 0) {
			e = s->cgroup_fd;
			goto out;
		}
	}
	if (opts->ncpus) {
		s->cpus = malloc(opts->ncpus * sizeof(*s->cpus));
		if (!s->cpus) {
			e = errbuf_set(err, -ENOMEM, "out of memory");
			goto out;
		}
		memcpy(s->cpus, opts->cpus, opts->ncpus * sizeof(*s->cpus));
		s->ncpus = opts->ncpus;
		s->o.cpus = s->cpus;
	} else {
		e = target_online_cpus(&s->cpus, &s->ncpus, err);
		if (e)
			goto out;
	}
	s->filter = sampler_filter_flags(&s->o);
	size_maps(s);

	/*
	 * Load the on-CPU sampler first: it needs no CO-RE and so no parse of
	 * the kernel's BTF, which keeps the time to the first sample short.
	 */
	if (s->o.mode != SAMPLER_OFFCPU) {
		e = oncpu_load(&s->on, &s->o, &s->sm, &s->sz, err);
		if (e)
			goto out;
	}
	if (s->o.mode != SAMPLER_ONCPU) {
		e = offcpu_load(&s->off, &s->o, &s->sm, &s->sz, err);
		if (e)
			goto out;
	}
	e = fill_filters(s, err);
	if (e)
		goto out;
	s->rb = ring_buffer__new(s->sm.fd[SHARED_EVENTS], on_event, s, NULL);
	if (!s->rb) {
		e = errbuf_set(err, -errno, "cannot open the event ring buffer: %s", strerror(errno));
		goto out;
	}
	if (s->o.dwarf_stack_size) {
		e = start_dwarf(s, err);
		if (e)
			goto out;
	}
	s->track_targets = s->o.npids || s->o.ntids || s->o.exec_pid > 0;
	for (size_t i = 0; i < s->o.npids && !e; i++)
		e = target_add(s, (uint32_t)s->pids[i], false);
	for (size_t i = 0; i < s->o.ntids && !e; i++)
		e = target_add(s, (uint32_t)s->tids[i], true);
	if (!e && s->o.exec_pid > 0)
		e = target_add(s, (uint32_t)s->o.exec_pid, false);
	if (e)
		errbuf_set(err, e, "out of memory");
out:
	if (e) {
		sampler_free(s);
		errno = -e;
		return NULL;
	}
	return s;
}

int sampler_attach(struct sampler *s, struct errbuf *err)
{
	int e = 0;
	if (s->o.measure_bpf_time && s->stats_fd < 0)
		s->stats_fd = bpf_time_enable(); /* < 0: not measured, the summary says so */
	s->attach_ns = sampler_now_ns();
	if (s->on) {
		e = oncpu_attach(s->on, s->o.freq, s->cpus, s->ncpus, err);
		if (e)
			return e;
	}
	if (s->off) {
		e = offcpu_attach(s->off, err);
		if (e)
			return e;
	}
	e = procs_start(&s->pr, &s->o, &s->sm, &s->sz, s->filter, err);
	if (e)
		return e;
	start_mmap_watch(s);
	s->attached = true;
	if (s->track_targets && !(s->o.exec_pid > 0)) {
		/* a target may have exited between the check in sampler_new() and now */
		check_liveness(s);
		if (!s->live) {
			e = errbuf_set(err, -ESRCH, "the target exited before recording started");
			return e;
		}
	}
	s->next_liveness_ns = sampler_now_ns() + LIVENESS_CHECK_NS;
	return 0;
}

int sampler_poll_fd(const struct sampler *s)
{
	if (s->epfd >= 0)
		return s->epfd;
	return s->rb ? ring_buffer__epoll_fd(s->rb) : -1;
}

int sampler_poll(struct sampler *s, int timeout_ms)
{
	int n;
	if (s->dw) {
		struct epoll_event ev;
		if (timeout_ms)
			epoll_wait(s->epfd, &ev, 1, timeout_ms);
		/* process events first: a sample's image must be known when it is unwound */
		n = ring_buffer__consume(s->rb);
		sampler_read_mmaps(s);
		sampler_fill_gone(s);
		if (n >= 0 || n == -EINTR) {
			int e = dwarf_consume(s->dw, DWARF_POLL_BUDGET_NS);
			if (e)
				return e;
		}
	} else if (s->epfd >= 0) {
		struct epoll_event ev;
		if (timeout_ms)
			epoll_wait(s->epfd, &ev, 1, timeout_ms);
		n = ring_buffer__consume(s->rb);
	} else {
		n = ring_buffer__poll(s->rb, timeout_ms);
	}
	if (n < 0 && n != -EINTR)
		return n;
	/* after the events: a process's first image is known before its new mappings are */
	sampler_read_mmaps(s);
	sampler_fill_gone(s);
	uint64_t now = sampler_now_ns();
	prune_maplog(s, now);
	image_table_resnap_due(&s->images, now);
	if (s->track_targets && now >= s->next_liveness_ns) {
		check_liveness(s);
		s->next_liveness_ns = now + LIVENESS_CHECK_NS;
	}
	return 0;
}

bool sampler_targets_gone(const struct sampler *s)
{
	return s->track_targets && s->live == 0;
}

void sampler_detach(struct sampler *s)
{
	if (!s || s->detached)
		return;
	oncpu_detach(s->on);
	offcpu_detach(s->off);
	s->detached = true;
	s->detach_ns = sampler_now_ns();
	if (!s->attached)
		s->detach_ns = s->attach_ns;
}

void sampler_free(struct sampler *s)
{
	if (!s)
		return;
	sampler_detach(s);
	procs_free(s->pr);
	dwarf_free(s->dw);
	mmap_watch_free(s->mw);
	maplog_free(s->maplog);
	if (s->epfd >= 0)
		close(s->epfd);
	if (s->stats_fd >= 0)
		close(s->stats_fd);
	offcpu_free(s->off);
	oncpu_free(s->on);
	ring_buffer__free(s->rb);
	shared_maps_release(&s->sm);
	image_table_release(&s->images);
	htab_release(&s->target_index);
	free(s->targets);
	if (s->cgroup_fd >= 0)
		close(s->cgroup_fd);
	free((char *)s->o.cgroup);
	free(s->pids);
	free(s->tids);
	free(s->cpus);
	free(s);
}

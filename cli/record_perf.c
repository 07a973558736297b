// SPDX-License-Identifier: Apache-2.0
/* scorch record -o x.data: a recording's raw stacks, process maps and kernel map as a perf.data file. */
#include "cli/record_perf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "fold/perf_data_write.h"
#include "lib/err.h"
#include "lib/file.h"
#include "symbolize/symbolize.h"

/*
 * perf reads the raw addresses and names them itself, against the maps the
 * file gives each process. scorch keeps aggregated stacks, not a stream of
 * timed events, so the file is laid out in time as follows: every process
 * image (a process, or its program after an exec) gets a time of its own,
 * its first sample's (the generation), where its COMM and its maps come,
 * and its samples just after; the next image comes later. A thread whose
 * stacks carry several names (a rename, or threads of one process folded
 * together) gets a COMM before each group, as perf sees a thread renamed.
 *
 * Stacks deeper than perf's own limit are kept (perf's tools show their
 * --max-stack, kernel.perf_event_max_stack, of them; scorch fold all).
 */
#define MAX_STACK (2 * 127 + 2)

/* One aggregated stack, copied out of the sampler. */
struct rstack {
	enum sampler_raw_kind kind;
	uint32_t tgid, tid, cpu;
	int sym_pid;
	uint64_t gen, count, value_ns;
	size_t ips;        /* index of its kernel frames in collect.ips, the user frames after them */
	uint32_t nk, nu;
	char comm[16];
};

struct collect {
	struct rstack *v;
	size_t n, cap;
	uint64_t *ips;
	size_t nips, ips_cap;
};

static int collect_stack(const struct sampler_raw_stack *st, void *arg)
{
	struct collect *c = arg;
	size_t need = st->nkernel + st->nuser;
	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 1024;
		struct rstack *v = realloc(c->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		c->v = v;
		c->cap = cap;
	}
	if (c->nips + need > c->ips_cap) {
		size_t cap = c->ips_cap ? 2 * c->ips_cap : 16384;
		while (cap < c->nips + need)
			cap *= 2;
		uint64_t *v = realloc(c->ips, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		c->ips = v;
		c->ips_cap = cap;
	}
	struct rstack *r = &c->v[c->n++];
	memset(r, 0, sizeof(*r));
	r->kind = st->kind;
	r->tgid = st->tgid;
	r->tid = st->tid ? st->tid : st->tgid; /* not per-thread: the process's samples under its main thread */
	r->cpu = st->cpu;
	r->sym_pid = st->sym_pid;
	r->gen = st->gen;
	r->count = st->count;
	r->value_ns = st->value_ns;
	snprintf(r->comm, sizeof(r->comm), "%s", st->comm);
	r->ips = c->nips;
	r->nk = (uint32_t)st->nkernel;
	r->nu = (uint32_t)st->nuser;
	if (st->nkernel)
		memcpy(c->ips + c->nips, st->kernel_ips, st->nkernel * sizeof(uint64_t));
	if (st->nuser)
		memcpy(c->ips + c->nips + st->nkernel, st->user_ips, st->nuser * sizeof(uint64_t));
	c->nips += need;
	return 0;
}

static int cmp_u64(uint64_t a, uint64_t b)
{
	return a < b ? -1 : a > b;
}

/* By process, image, thread and name: an image's stacks together, grouped by the COMM they need. */
static int by_image(const void *pa, const void *pb)
{
	const struct rstack *a = pa, *b = pb;
	int c = cmp_u64(a->tgid, b->tgid);
	if (!c)
		c = cmp_u64(a->gen, b->gen);
	if (!c)
		c = cmp_u64(a->tid != a->tgid, b->tid != b->tgid); /* the main thread first: its COMM names the image */
	if (!c)
		c = cmp_u64(a->tid, b->tid);
	if (!c)
		c = strcmp(a->comm, b->comm);
	if (!c)
		c = cmp_u64(a->kind, b->kind);
	return c;
}

/* An image: stacks [first, first + n) of the sorted array. */
struct image {
	uint64_t gen;
	uint32_t tgid;
	bool exec;         /* a later image of its process */
	size_t first, n;
};

static int by_time(const void *pa, const void *pb)
{
	const struct image *a = pa, *b = pb;
	int c = cmp_u64(a->gen, b->gen);
	return c ? c : cmp_u64(a->tgid, b->tgid);
}

struct writing {
	struct perf_data_writer *w;
	struct errbuf *err;
	uint32_t tgid;
	uint64_t time;
};

/* Anonymous executable memory is "//anon" to perf, which then reads /tmp/perf-PID.map (JIT symbols). */
static const char *perf_map_name(const char *name)
{
	if (!*name || strncmp(name, "[anon", 5) == 0 || strcmp(name, "[heap]") == 0 || strncmp(name, "[stack", 6) == 0)
		return "//anon";
	return name;
}

static int write_map(const struct sym_mmap *m, void *arg)
{
	struct writing *wr = arg;
	/* [vsyscall] sits in the kernel's half: perf resolves kernel addresses by the kernel map */
	if (strcmp(m->filename, "[vsyscall]") == 0)
		return 0;
	struct perf_data_write_mmap mm = {
		.pid = (int32_t)wr->tgid,
		.tid = (int32_t)wr->tgid,
		.start = m->start,
		.len = m->len,
		.pgoff = m->pgoff,
		.maj = m->maj,
		.min = m->min,
		.ino = m->ino,
		.prot = PROT_READ | PROT_EXEC,
		.flags = MAP_PRIVATE,
		.path = perf_map_name(m->filename),
		.build_id = m->build_id,
		.build_id_len = m->build_id_len,
		.time = wr->time,
	};
	if (strcmp(m->filename, "[vdso]") == 0) {
		/*
		 * perf finds a vDSO by build-id only in its cache (~/.debug), which
		 * perf record fills and scorch does not; without one it uses its own
		 * copy of the running kernel's, the recording's on this boot.
		 */
		mm.build_id = NULL;
		mm.build_id_len = 0;
	}
	int rc = perf_data_writer_mmap2(wr->w, &mm, wr->err);
	/* a path perf cannot hold (4 KiB and more) is skipped and counted by the writer */
	return rc == -ENAMETOOLONG ? 0 : rc;
}

/* The events of the file: cpu-clock (on-CPU), perf --off-cpu's offcpu-time, or both for wall. */
static size_t set_events(const struct record_perf_opts *o, struct perf_data_write_event *ev)
{
	size_t n = 0;
	if (o->mode != SAMPLER_OFFCPU)
		ev[n++] = (struct perf_data_write_event){
			.type = PERF_DATA_WRITE_CPU_CLOCK,
			.freq = o->freq ? o->freq : 99,
			.exclude_user = o->kernel_only,
			.exclude_kernel = o->user_only,
		};
	if (o->mode != SAMPLER_ONCPU)
		ev[n++] = (struct perf_data_write_event){
			.type = PERF_DATA_WRITE_OFFCPU,
			.exclude_user = o->kernel_only,
			.exclude_kernel = o->user_only,
		};
	return n;
}

/* The images of the sorted stacks, in time order, each marked exec when not its process's first. */
static struct image *find_images(const struct collect *c, size_t *nimages)
{
	struct image *im = calloc(c->n ? c->n : 1, sizeof(*im));
	size_t n = 0;
	if (!im)
		return NULL;
	for (size_t i = 0; i < c->n; i++) {
		const struct rstack *r = &c->v[i];
		if (n && im[n - 1].tgid == r->tgid && im[n - 1].gen == r->gen) {
			im[n - 1].n++;
			continue;
		}
		/* images of one process are adjacent, oldest first; generation 0 has no user part */
		bool exec = n && im[n - 1].tgid == r->tgid && im[n - 1].gen != 0;
		im[n++] = (struct image){ .gen = r->gen, .tgid = r->tgid, .exec = exec, .first = i, .n = 1 };
	}
	qsort(im, n, sizeof(*im), by_time);
	*nimages = n;
	return im;
}

/* COMM, maps and samples of every image, each at its own time. Returns 0 or a negative errno. */
static int write_images(struct perf_data_writer *w, const struct collect *c, const struct image *im, size_t nimages,
			const struct record_perf_opts *o, struct symbolizer *sym, uint64_t *time, struct errbuf *err)
{
	uint64_t t = *time;
	int rc = 0;
	for (size_t i = 0; i < nimages && !rc; i++) {
		const struct image *g = &im[i];
		const struct rstack *head = &c->v[g->first];
		if (g->gen > t)
			t = g->gen;
		/* the image: its name (as an exec after the first), then its maps, before any sample */
		rc = perf_data_writer_comm(w, (int32_t)g->tgid, (int32_t)g->tgid, head->comm, g->exec, t, err);
		if (!rc && g->gen) {
			struct writing wr = { .w = w, .err = err, .tgid = g->tgid, .time = t };
			rc = symbolizer_proc_maps(sym, head->sym_pid, write_map, &wr);
			if (rc == -ESRCH)
				rc = 0; /* no maps stored (the process was gone before its snapshot): perf says [unknown] too */
		}
		uint32_t tid = g->tgid;
		const char *comm = head->comm;
		for (size_t k = g->first; k < g->first + g->n && !rc; k++) {
			const struct rstack *r = &c->v[k];
			if (r->tid != tid || strcmp(r->comm, comm) != 0) {
				/* another thread, or another name: perf takes a thread's name from its last COMM */
				t += 2;
				tid = r->tid;
				comm = r->comm;
				rc = perf_data_writer_comm(w, (int32_t)r->tgid, (int32_t)r->tid, r->comm, false, t, err);
				if (rc)
					break;
			}
			bool off = r->kind == SAMPLER_RAW_OFFCPU;
			struct perf_data_write_sample ws = {
				.event = off && o->mode == SAMPLER_WALL ? 1 : 0,
				.pid = (int32_t)r->tgid,
				.tid = (int32_t)r->tid,
				.cpu = r->cpu,
				.time = t + 1,
				/* off-CPU: one record weighing the blocked time; on-CPU: one per sample, as perf counts them */
				.period = off ? (r->value_ns ? r->value_ns : 1) : 0,
				.count = off ? 1 : r->count,
				.kernel_ips = c->ips + r->ips,
				.nkernel = r->nk,
				.user_ips = c->ips + r->ips + r->nk,
				.nuser = r->nu,
			};
			rc = perf_data_writer_sample(w, &ws, err);
		}
		t += 2;
	}
	*time = t;
	return rc;
}

int record_write_perf_data(const char *path, struct sampler *s, struct symbolizer *sym,
			   const struct record_perf_opts *o, uint64_t *stacks, struct errbuf *err)
{
	struct collect c = { 0 };
	struct sampler_raw_summary sum;
	struct perf_data_write_event ev[2];
	struct perf_data_writer *w = NULL;
	struct atomic_file f = { 0 };
	struct image *im = NULL;
	size_t nimages = 0;
	bool opened = false;
	int rc;

	*stacks = 0;
	rc = sampler_read_raw(s, collect_stack, &c, &sum, err);
	if (rc) /* the sampler's error, or the callback's ENOMEM (which the sampler names) */
		goto out;
	qsort(c.v, c.n, sizeof(*c.v), by_image);
	im = find_images(&c, &nimages);
	if (!im) {
		rc = errbuf_set(err, -ENOMEM, "cannot write '%s': out of memory", path);
		goto out;
	}

	rc = atomic_file_open(&f, path, err);
	if (rc)
		goto out;
	opened = true;
	struct perf_data_writer_opts wo = {
		.events = ev,
		.nevents = set_events(o, ev),
		.sample_cpu = o->per_cpu,
		.max_stack = MAX_STACK,
		.argv = o->argv,
		.argc = o->argc,
	};
	w = perf_data_writer_open(f.fp, path, &wo, err);
	if (!w) {
		rc = errno ? -errno : -EIO;
		goto out;
	}

	uint64_t t = o->start_ns;
	if (!o->user_only) {
		struct perf_data_write_kernel k;
		struct errbuf kerr;
		errbuf_init(&kerr);
		if (perf_data_kernel_probe(&k, NULL, NULL, &kerr) == 0) {
			rc = perf_data_writer_kernel_mmap(w, &k, t, err);
		} else {
			/* kptr_restrict hides the addresses (-EPERM): the user frames are still worth having */
			fprintf(stderr, "scorch: warning: %s: no kernel map, perf will not name kernel frames: %s\n", path,
				kerr.msg.len ? kerr.msg.data : "kallsyms unreadable");
		}
		errbuf_release(&kerr);
		if (rc)
			goto out;
	}
	rc = write_images(w, &c, im, nimages, o, sym, &t, err);
	/* samples dropped whole in the kernel: perf report's "Total Lost Samples" */
	if (!rc && sum.oncpu_dropped && o->mode != SAMPLER_OFFCPU)
		rc = perf_data_writer_lost(w, 0, sum.oncpu_dropped, t, err);
	if (!rc && sum.offcpu_dropped && o->mode != SAMPLER_ONCPU)
		rc = perf_data_writer_lost(w, o->mode == SAMPLER_WALL ? 1 : 0, sum.offcpu_dropped, t, err);
	if (rc)
		goto out;
	struct perf_data_writer_stats st;
	perf_data_writer_get_stats(w, &st);
	rc = perf_data_writer_close(w, err);
	w = NULL;
	if (rc)
		goto out;
	opened = false;
	rc = atomic_file_commit(&f, err);
	if (rc)
		goto out;
	*stacks = c.n;
	if (o->quiet)
		goto out;
	if (sum.waker_stacks)
		fprintf(stderr, "scorch: note: %s: the waker stacks of --wakeup have no perf.data encoding: "
			"%llu off-CPU stacks written without theirs\n", path, (unsigned long long)sum.waker_stacks);
	if (st.stacks_cut)
		fprintf(stderr, "scorch: note: %s: %llu samples with more than %d frames cut to %d\n", path,
			(unsigned long long)st.stacks_cut, MAX_STACK, MAX_STACK);
	if (st.mmaps_skipped)
		fprintf(stderr, "scorch: note: %s: %llu mappings with paths of 4 KiB or more left out\n", path,
			(unsigned long long)st.mmaps_skipped);
out:
	perf_data_writer_free(w);
	if (opened)
		atomic_file_abort(&f);
	free(im);
	free(c.v);
	free(c.ips);
	return rc;
}

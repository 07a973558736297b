// SPDX-License-Identifier: Apache-2.0
/* Test driver for tests/golden/perf_data_write.sh: walks its own frame pointers, snapshots its maps, writes a perf.data. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <elf.h>
#include <gelf.h>
#include <libelf.h>

#include "fold/perf_data_write.h"
#include "lib/err.h"

/*
 * Built by the test with -O1 -fno-omit-frame-pointer -mno-omit-leaf-frame-pointer
 * -fno-inline -fno-optimize-sibling-calls, so every function below keeps its
 * frame and its call. The stacks it writes are its own, captured for real:
 *   A  main;func_a;func_b;leaf                (cpu-clock, 7 samples)
 *   C  main;func_c;leaf, under kernel frames  (cpu-clock, 3 samples; kernel part with --kstack)
 *   S  main;finder;<libc lfind>               (cpu-clock, 2 samples: the return address into libc
 *                                             that lfind called the comparator from)
 *   W  <libc start_thread>;worker, thread "pdw-worker" (cpu-clock, 4 samples)
 *   D  main;deep x 200;capture                (cpu-clock, 1 sample, with --deep: cut at 127)
 *   OA main;func_a;func_b;leaf + kernel       (offcpu-time, period 5 ms, with --two-events)
 *   OW worker                                 (offcpu-time, period 2.5 ms, with --two-events)
 * each rooted in libc's __libc_start_call_main (the first frame outside this
 * binary ends the walk: libc has no frame pointers).
 *
 * Usage: perf_data_write_driver OUT [options]   (OUT "-" = stdout)
 *   --facts FILE      write what was written: per sample kind
 *                       sample KIND EVENT COMM PID TID TIME COUNT PERIOD NFRAMES
 *                     then NFRAMES lines (innermost first; past 127 perf shows none)
 *                       frame ADDR REL DSO VADDR
 *                     REL = ADDR - map start + pgoff (what perf script prints), VADDR its
 *                     address in the DSO's ELF file (for nm); the kernel's are ADDR
 *   --pipe            pipe mode even if OUT is a file
 *   --two-events      add offcpu-time samples
 *   --kstack A,B,...  kernel addresses put under stacks C and OA (innermost first)
 *   --no-kernel-mmap  leave out the kernel's MMAP
 *   --bad-build-id    write a wrong build-id for this binary
 *   --deep            add stack D
 *   --long-comm       name the worker with 40 characters
 *   --long-path       also try to write a mapping with a 5000-byte path (must be refused)
 *                     and write one with a 4095-byte path (the longest the kernel reports)
 *   --no-time         samples without timestamps
 * Exit 0, or 1 with the writer's message on stderr.
 */

#define MAX_CHAIN 512

struct chain {
	uint64_t ip[MAX_CHAIN];
	size_t n;
};

static uint64_t exe_lo, exe_hi;       /* where this binary is mapped */
static uint64_t lfind_ret;            /* where in libc lfind called cmp from */
static pid_t worker_tid;
static struct chain worker_chain;

__attribute__((noipa)) static void capture(struct chain *c)
{
	uintptr_t *fp = __builtin_frame_address(0);

	c->n = 0;
	while (fp && c->n < MAX_CHAIN) {
		uint64_t ret = fp[1];
		uintptr_t *next = (uintptr_t *)fp[0];

		c->ip[c->n++] = ret;
		/* past this binary's code the frame pointer means nothing (libc keeps none) */
		if (ret < exe_lo || ret >= exe_hi || next <= fp)
			break;
		fp = next;
	}
}

__attribute__((noipa)) void leaf(struct chain *c) { capture(c); }
__attribute__((noipa)) void func_b(struct chain *c) { leaf(c); }
__attribute__((noipa)) void func_a(struct chain *c) { func_b(c); }
__attribute__((noipa)) void func_c(struct chain *c) { leaf(c); }
__attribute__((noipa)) void deep(struct chain *c, int n)
{
	if (n > 0)
		deep(c, n - 1);
	else
		capture(c);
	__asm__ volatile("" ::: "memory"); /* keep the recursion a real call */
}

__attribute__((noipa)) static int cmp(const void *a, const void *b)
{
	if (!lfind_ret)
		lfind_ret = (uint64_t)__builtin_return_address(0);
	return *(const int *)a != *(const int *)b;
}

/* <search.h> would do, but its VISIT enum takes the name `leaf` */
void *lfind(const void *key, const void *base, size_t *nmemb, size_t size, int (*compar)(const void *, const void *));

/* lfind, not qsort: ASan intercepts qsort, and the caller of cmp must be libc's own code */
__attribute__((noipa)) void finder(struct chain *c)
{
	int v[64], key = 63;
	size_t n = 64;

	for (int i = 0; i < 64; i++)
		v[i] = i;
	capture(c);
	if (!lfind(&key, v, &n, sizeof(v[0]), cmp))
		abort();
}

__attribute__((noipa)) void *worker(void *arg)
{
	(void)arg;
	worker_tid = gettid();
	capture(&worker_chain);
	return NULL;
}

/* ---- maps and build-ids --------------------------------------------------------------------- */

struct map {
	uint64_t start, end, pgoff, ino;
	unsigned maj, min;
	uint32_t prot;
	char *path;
};

static struct map *maps;
static size_t nmaps;

static void read_maps(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char *line = NULL;
	size_t cap = 0;

	if (!f)
		exit(1);
	while (getline(&line, &cap, f) > 0) {
		struct map m = { 0 };
		char perms[5];
		int off = 0;

		if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %4s %" SCNx64 " %x:%x %" SCNu64 " %n", &m.start, &m.end, perms,
			   &m.pgoff, &m.maj, &m.min, &m.ino, &off) < 7)
			continue;
		line[strcspn(line, "\n")] = 0;
		m.path = strdup(line + off);
		m.prot = (perms[0] == 'r' ? PROT_READ : 0) | (perms[1] == 'w' ? PROT_WRITE : 0) |
			 (perms[2] == 'x' ? PROT_EXEC : 0);
		maps = realloc(maps, (nmaps + 1) * sizeof(*maps));
		maps[nmaps++] = m;
	}
	free(line);
	fclose(f);
}

static const struct map *map_of(uint64_t addr)
{
	for (size_t i = 0; i < nmaps; i++)
		if (addr >= maps[i].start && addr < maps[i].end)
			return &maps[i];
	return NULL;
}

/* The GNU build-id of ELF file `path` and the ELF address of file offset `off` (if vaddr). */
static size_t elf_info(const char *path, uint64_t off, uint64_t *vaddr, uint8_t id[20])
{
	int fd = open(path, O_RDONLY);
	Elf *e;
	Elf_Scn *scn = NULL;
	size_t len = 0, nph = 0;

	if (fd < 0)
		return 0;
	e = elf_begin(fd, ELF_C_READ, NULL);
	while (e && (scn = elf_nextscn(e, scn)) && !len) {
		GElf_Shdr sh;
		Elf_Data *d;
		GElf_Nhdr nh;
		size_t pos = 0, name_off, desc_off;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE || !(d = elf_getdata(scn, NULL)))
			continue;
		while ((pos = gelf_getnote(d, pos, &nh, &name_off, &desc_off)) > 0) {
			if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 &&
			    !memcmp((char *)d->d_buf + name_off, "GNU", 4) && nh.n_descsz <= 20) {
				memcpy(id, (char *)d->d_buf + desc_off, nh.n_descsz);
				len = nh.n_descsz;
				break;
			}
		}
	}
	if (e && vaddr && elf_getphdrnum(e, &nph) == 0) {
		for (size_t i = 0; i < nph; i++) {
			GElf_Phdr ph;
			if (gelf_getphdr(e, (int)i, &ph) && ph.p_type == PT_LOAD && off >= ph.p_offset &&
			    off < ph.p_offset + ph.p_filesz)
				*vaddr = off - ph.p_offset + ph.p_vaddr;
		}
	}
	elf_end(e);
	close(fd);
	return len;
}

/* ---- writing -------------------------------------------------------------------------------- */

static struct errbuf err;
static FILE *facts;

static void check(int rc)
{
	if (rc) {
		fprintf(stderr, "perf_data_write_driver: %s\n", err.msg.data);
		exit(1);
	}
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* One frame of a fact: ADDR, perf's map-relative address, the DSO, the address in the DSO's ELF file. */
static void fact_frame(uint64_t addr, bool kernel)
{
	const struct map *m = kernel ? NULL : map_of(addr);
	uint64_t rel = addr, vaddr = addr;
	uint8_t id[20];

	if (m) {
		rel = addr - m->start + m->pgoff;
		vaddr = rel;
		if (m->path[0] == '/')
			elf_info(m->path, rel, &vaddr, id);
	}
	fprintf(facts, "frame %" PRIx64 " %" PRIx64 " %s %" PRIx64 "\n", addr, rel,
		kernel ? "[kernel.kallsyms]" : m ? m->path : "[unknown]", vaddr);
}

static void sample(struct perf_data_writer *w, const char *kind, uint32_t event, const char *comm, pid_t pid,
		   pid_t tid, uint64_t time, uint64_t count, uint64_t period, const uint64_t *k, size_t nk,
		   const struct chain *u)
{
	struct perf_data_write_sample s = {
		.event = event, .pid = pid, .tid = tid, .time = time, .period = period, .count = count,
		.kernel_ips = k, .nkernel = nk, .user_ips = u->ip, .nuser = u->n,
	};
	check(perf_data_writer_sample(w, &s, &err));
	if (facts) {
		size_t cut = nk + u->n > 127 ? 127 : nk + u->n; /* perf's max stack: the frames perf shows */
		fprintf(facts, "sample %s %u %s %d %d %" PRIu64 " %" PRIu64 " %" PRIu64 " %zu\n", kind, event, comm, pid,
			tid, time, count, period, cut);
		for (size_t i = 0; i < cut; i++)
			fact_frame(i < nk ? k[i] : u->ip[i - nk], i < nk);
	}
}

int main(int argc, char **argv)
{
	static struct chain ca, cc, cs, cd;
	const char *out_path = NULL, *facts_path = NULL;
	bool pipe = false, two = false, no_kmap = false, bad_bid = false, deep_stack = false, long_comm = false;
	bool long_path = false, no_time = false;
	uint64_t kstack[64];
	size_t nk = 0;
	char exe[4096];
	ssize_t n;
	pthread_t th;
	pid_t pid = getpid();
	uint64_t t0 = now_ns();
	const char *worker_comm;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--facts") && i + 1 < argc)
			facts_path = argv[++i];
		else if (!strcmp(argv[i], "--pipe"))
			pipe = true;
		else if (!strcmp(argv[i], "--two-events"))
			two = true;
		else if (!strcmp(argv[i], "--kstack") && i + 1 < argc) {
			for (char *p = argv[++i]; *p && nk < 64; p += *p == ',')
				kstack[nk++] = strtoull(p, &p, 16);
		} else if (!strcmp(argv[i], "--no-kernel-mmap"))
			no_kmap = true;
		else if (!strcmp(argv[i], "--bad-build-id"))
			bad_bid = true;
		else if (!strcmp(argv[i], "--deep"))
			deep_stack = true;
		else if (!strcmp(argv[i], "--long-comm"))
			long_comm = true;
		else if (!strcmp(argv[i], "--long-path"))
			long_path = true;
		else if (!strcmp(argv[i], "--no-time"))
			no_time = true;
		else if (!out_path)
			out_path = argv[i];
		else
			return 2;
	}
	if (!out_path)
		return 2;
	errbuf_init(&err);
	elf_version(EV_CURRENT);

	/* this binary's extent, then the stacks */
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return 1;
	exe[n] = 0;
	read_maps();
	for (size_t i = 0; i < nmaps; i++) {
		if (strcmp(maps[i].path, exe))
			continue;
		if (!exe_lo || maps[i].start < exe_lo)
			exe_lo = maps[i].start;
		if (maps[i].end > exe_hi)
			exe_hi = maps[i].end;
	}
	func_a(&ca);
	func_c(&cc);
	finder(&cs);
	if (deep_stack)
		deep(&cd, 200);
	if (pthread_create(&th, NULL, worker, NULL) || pthread_join(th, NULL))
		return 1;
	/* S: the sample is inside libc's lfind, called from finder */
	memmove(cs.ip + 1, cs.ip, (MAX_CHAIN - 1) * sizeof(cs.ip[0]));
	cs.ip[0] = lfind_ret;
	cs.n++;
	read_maps(); /* again: the worker's stack and libs are mapped now (earlier entries stay first) */

	if (facts_path && !(facts = fopen(facts_path, "w")))
		return 1;
	FILE *out = strcmp(out_path, "-") ? fopen(out_path, "w") : stdout;
	if (!out) {
		perror(out_path);
		return 1;
	}
	static const struct perf_data_write_event events[2] = {
		{ .type = PERF_DATA_WRITE_CPU_CLOCK, .freq = 99 },
		{ .type = PERF_DATA_WRITE_OFFCPU },
	};
	const char *cmdline[] = { "scorch", "record", "-F", "99", "-o", out_path, "--", "pdw-work" };
	struct perf_data_writer_opts o = {
		.events = events, .nevents = two ? 2 : 1, .pipe = pipe, .no_time = no_time,
		.hostname = "pdw-host", .osrelease = "9.9.9-pdw", .nr_cpus_online = 3, .nr_cpus_avail = 4,
		.argv = cmdline, .argc = sizeof(cmdline) / sizeof(cmdline[0]),
	};
	struct perf_data_writer *w = perf_data_writer_open(out, out_path, &o, &err);
	if (!w)
		check(-1);

	check(perf_data_writer_comm(w, pid, pid, "pdw-work", true, t0, &err));
	for (size_t i = 0; i < nmaps; i++) {
		const struct map *m = &maps[i];
		uint8_t id[20];
		size_t idlen = 0;
		bool seen = false;

		if (!(m->prot & PROT_EXEC))
			continue;
		for (size_t j = 0; j < i; j++)
			seen |= maps[j].start == m->start && maps[j].end == m->end && !strcmp(maps[j].path, m->path);
		if (seen)
			continue;
		if (m->path[0] == '/')
			idlen = elf_info(m->path, 0, NULL, id);
		if (bad_bid && idlen && !strcmp(m->path, exe))
			id[0] ^= 0xff;
		struct perf_data_write_mmap mm = {
			.pid = pid, .tid = pid, .start = m->start, .len = m->end - m->start, .pgoff = m->pgoff,
			.maj = m->maj, .min = m->min, .ino = m->ino, .prot = m->prot, .flags = MAP_PRIVATE,
			.path = m->path, .build_id = idlen ? id : NULL, .build_id_len = idlen, .time = t0,
		};
		check(perf_data_writer_mmap2(w, &mm, &err));
	}
	if (long_path) {
		char *p = malloc(5001);
		memset(p, 'x', 5000);
		p[0] = '/';
		p[5000] = 0;
		struct perf_data_write_mmap mm = {
			.pid = pid, .tid = pid, .start = 0x10000, .len = 0x1000, .prot = PROT_READ | PROT_EXEC, .path = p,
			.time = t0,
		};
		int rc = perf_data_writer_mmap2(w, &mm, &err);
		free(p);
		if (rc != -ENAMETOOLONG || !err.code) {
			fprintf(stderr, "perf_data_write_driver: a 5000-byte path was not refused (%d)\n", rc);
			return 1;
		}
		fprintf(stderr, "refused: %s\n", err.msg.data);
		errbuf_release(&err);
		errbuf_init(&err);
		/* 4095 bytes, the longest name the kernel reports, is written */
		p = malloc(4096);
		memset(p, 'y', 4095);
		p[0] = '/';
		p[4095] = 0;
		mm.path = p;
		mm.start = 0x20000;
		rc = perf_data_writer_mmap2(w, &mm, &err);
		free(p);
		check(rc);
	}
	if (!no_kmap) {
		struct perf_data_write_kernel k;
		check(perf_data_kernel_probe(&k, NULL, NULL, &err));
		check(perf_data_writer_kernel_mmap(w, &k, t0, &err));
	}
	worker_comm = long_comm ? "pdw-worker-with-a-name-of-forty-chars-xx" : "pdw-worker";
	check(perf_data_writer_fork(w, pid, pid, worker_tid, pid, t0 + 1, &err));
	check(perf_data_writer_comm(w, pid, worker_tid, worker_comm, false, t0 + 1, &err));

	sample(w, "A", 0, "pdw-work", pid, pid, t0 + 1000000, 7, 0, NULL, 0, &ca);
	sample(w, "C", 0, "pdw-work", pid, pid, t0 + 2000000, 3, 0, kstack, nk, &cc);
	sample(w, "S", 0, "pdw-work", pid, pid, t0 + 3000000, 2, 0, NULL, 0, &cs);
	sample(w, "W", 0, worker_comm, pid, worker_tid, t0 + 4000000, 4, 0, NULL, 0, &worker_chain);
	if (deep_stack)
		sample(w, "D", 0, "pdw-work", pid, pid, t0 + 5000000, 1, 0, NULL, 0, &cd);
	if (two) {
		sample(w, "OA", 1, "pdw-work", pid, pid, t0 + 6000000, 1, 5000000, kstack, nk, &ca);
		sample(w, "OW", 1, worker_comm, pid, worker_tid, t0 + 7000000, 1, 2500000, NULL, 0, &worker_chain);
	}
	check(perf_data_writer_exit(w, pid, pid, worker_tid, pid, t0 + 8000000, &err));
	check(perf_data_writer_lost(w, 0, 5, t0 + 8000000, &err));

	struct perf_data_writer_stats st;
	perf_data_writer_get_stats(w, &st);
	check(perf_data_writer_close(w, &err));
	if (out != stdout && fclose(out)) {
		perror(out_path);
		return 1;
	}
	if (out == stdout && fflush(stdout))
		return 1;
	fprintf(stderr, "pipe %d samples %" PRIu64 " stacks_cut %" PRIu64 " comms_cut %" PRIu64 " mmaps_skipped %" PRIu64
		" build_ids %" PRIu64 "\n", st.pipe, st.samples, st.stacks_cut, st.comms_cut, st.mmaps_skipped, st.build_ids);
	if (facts && fclose(facts))
		return 1;
	for (size_t i = 0; i < nmaps; i++)
		free(maps[i].path);
	free(maps);
	errbuf_release(&err);
	return 0;
}

// SPDX-License-Identifier: Apache-2.0
/* The executable mappings the kernel reported for each process, since its last exec: the maps of a process gone before its snapshot. */

/*
 * Why: a process is snapshotted from /proc/PID/maps when its first sample
 * comes in. A process that lives a millisecond (a shell's `true`, `sed` in a
 * build) is often gone by then, and its samples had no names. The mmap watch
 * already reads every new executable mapping (and every exec) as perf's
 * side-band records; kept here per process, they stand in for the snapshot
 * that failed, as `perf report` rebuilds maps from the same records.
 */
#include "sampler/internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/arena.h"
#include "lib/hash.h"
#include "lib/htab.h"
#include "symbolize/symbolize.h"

/* Mappings kept in all: a build's thousands of short processes fit; a storm past it is counted, not kept. */
#define MAPLOG_MAX_ENTRIES (1u << 18)
/* perf reports at most 20 bytes (a SHA-1 build-id) */
#define MAPLOG_BUILD_ID_MAX 20

struct maplog_entry {
	uint64_t time_ns;  /* when it was mapped */
	uint64_t start, len, pgoff, ino;
	uint32_t maj, min;
	const char *name;  /* in the log's arena */
	uint8_t build_id_len;
	uint8_t build_id[MAPLOG_BUILD_ID_MAX];
};

struct maplog_proc {
	uint32_t tgid;
	/*
	 * Its execs' times. The records come from one ring per CPU, read one ring
	 * after the other, so a mapping may be read before the exec that came
	 * first: an entry belongs to the image its time falls in.
	 */
	uint64_t *execs;
	size_t nexecs, execs_cap;
	struct maplog_entry *e;
	size_t n, cap;
};

struct maplog {
	struct maplog_proc *procs;
	size_t nprocs, cap;
	struct htab by_tgid;
	struct arena names;
	size_t entries;
	uint64_t dropped;
};

struct maplog *maplog_new(void)
{
	struct maplog *l = calloc(1, sizeof(*l));
	if (!l)
		return NULL;
	htab_init(&l->by_tgid);
	arena_init(&l->names);
	return l;
}

void maplog_free(struct maplog *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->nprocs; i++) {
		free(l->procs[i].e);
		free(l->procs[i].execs);
	}
	free(l->procs);
	htab_release(&l->by_tgid);
	arena_release(&l->names);
	free(l);
}

static bool tgid_eq(uint32_t id, const void *key, void *arg)
{
	const struct maplog *l = arg;
	return l->procs[id].tgid == *(const uint32_t *)key;
}

static struct maplog_proc *proc_of(struct maplog *l, uint32_t tgid, bool make)
{
	uint64_t h = hash_u64(tgid);
	uint32_t i = htab_find(&l->by_tgid, h, tgid_eq, &tgid, l);
	if (i != HTAB_NONE)
		return &l->procs[i];
	if (!make)
		return NULL;
	if (l->nprocs == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 64;
		struct maplog_proc *g = realloc(l->procs, ncap * sizeof(*g));
		if (!g)
			return NULL;
		l->procs = g;
		l->cap = ncap;
	}
	if (l->nprocs >= HTAB_NONE - 1 || htab_insert(&l->by_tgid, h, (uint32_t)l->nprocs))
		return NULL;
	struct maplog_proc *p = &l->procs[l->nprocs++];
	memset(p, 0, sizeof(*p));
	p->tgid = tgid;
	return p;
}

int maplog_add(struct maplog *l, const struct mmap_seen *m)
{
	if (m->exec) {
		/* the mappings seen before it belong to the image this exec replaced */
		struct maplog_proc *p = proc_of(l, m->pid, true);
		if (!p)
			return -ENOMEM;
		if (p->nexecs == p->execs_cap) {
			size_t ncap = p->execs_cap ? p->execs_cap * 2 : 4;
			uint64_t *g = realloc(p->execs, ncap * sizeof(*g));
			if (!g)
				return -ENOMEM;
			p->execs = g;
			p->execs_cap = ncap;
		}
		p->execs[p->nexecs++] = m->time_ns;
		return 0;
	}
	if (!m->len || !m->filename)
		return 0;
	if (l->entries >= MAPLOG_MAX_ENTRIES) {
		l->dropped++;
		return 0;
	}
	struct maplog_proc *p = proc_of(l, m->pid, true);
	if (!p)
		return -ENOMEM;
	if (p->n == p->cap) {
		size_t ncap = p->cap ? p->cap * 2 : 16;
		struct maplog_entry *g = realloc(p->e, ncap * sizeof(*g));
		if (!g)
			return -ENOMEM;
		p->e = g;
		p->cap = ncap;
	}
	const char *name = arena_strndup(&l->names, m->filename, strlen(m->filename));
	if (!name)
		return -ENOMEM;
	struct maplog_entry *e = &p->e[p->n++];
	memset(e, 0, sizeof(*e));
	e->time_ns = m->time_ns;
	e->start = m->addr;
	e->len = m->len;
	e->pgoff = m->pgoff;
	e->maj = m->maj;
	e->min = m->min;
	e->ino = m->ino;
	e->name = name;
	if (m->build_id && m->build_id_len && m->build_id_len <= MAPLOG_BUILD_ID_MAX) {
		memcpy(e->build_id, m->build_id, m->build_id_len);
		e->build_id_len = (uint8_t)m->build_id_len;
	}
	l->entries++;
	return 0;
}

int maplog_replay(const struct maplog *l, uint32_t tgid, uint64_t at_ns, struct symbolizer *sym, int sym_pid)
{
	const struct maplog_proc *p = proc_of((struct maplog *)l, tgid, false);
	if (!p || !p->n)
		return 0;
	/* the image running at `at_ns`: from the latest exec before it to the next exec */
	uint64_t from = 0, to = UINT64_MAX;
	for (size_t i = 0; i < p->nexecs; i++) {
		if (p->execs[i] <= at_ns && p->execs[i] > from)
			from = p->execs[i];
		else if (p->execs[i] > at_ns && p->execs[i] < to)
			to = p->execs[i];
	}
	int added = 0;
	for (size_t i = 0; i < p->n; i++) {
		const struct maplog_entry *e = &p->e[i];
		if (e->time_ns < from || e->time_ns >= to)
			continue;
		struct sym_mmap m = {
			.start = e->start,
			.len = e->len,
			.pgoff = e->pgoff,
			.filename = e->name,
			.build_id = e->build_id_len ? e->build_id : NULL,
			.build_id_len = e->build_id_len,
			.exec = true,
			.maj = e->maj,
			.min = e->min,
			.ino = e->ino,
		};
		int rc = symbolizer_proc_mmap(sym, sym_pid, &m);
		if (rc < 0)
			return rc;
		added++;
	}
	return added;
}

void maplog_stats(const struct maplog *l, uint64_t *procs, uint64_t *entries, uint64_t *dropped)
{
	*procs = l ? l->nprocs : 0;
	*entries = l ? l->entries : 0;
	*dropped = l ? l->dropped : 0;
}

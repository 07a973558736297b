// SPDX-License-Identifier: Apache-2.0
/* The executable mappings the kernel reported for each process, per image (between execs): maps for a process /proc could not give. */

/*
 * Why: a process is snapshotted from /proc/PID/maps when its first sample
 * comes in. A process that lives a millisecond (a shell's `true`, `sed` in a
 * build) is often gone by then, and its samples had no names; a child that
 * exec'd in the meantime shows the next program's maps. The mmap watch reads
 * every new executable mapping, exec and fork as perf's side-band records;
 * kept here per process (a child starts with its parent's mappings), they
 * stand in for such a snapshot, as `perf report` rebuilds maps from the same
 * records.
 */
#include "sampler/internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/hash.h"
#include "lib/htab.h"
#include "lib/strpool.h"
#include "symbolize/symbolize.h"

/* Mappings kept in all: a build's thousands of short processes fit; a storm past it is counted, not kept. */
#define MAPLOG_MAX_ENTRIES (1u << 18)
/* perf reports at most 20 bytes (a SHA-1 build-id) */
#define MAPLOG_BUILD_ID_MAX 20

struct maplog_entry {
	uint64_t time_ns;  /* when it was mapped */
	uint64_t start, len, pgoff, ino;
	uint32_t maj, min;
	uint32_t name;     /* in the log's string pool */
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
	uint64_t last_ns;  /* its latest record */
};

struct maplog {
	struct maplog_proc *procs;
	size_t nprocs, cap;
	struct htab by_tgid;
	struct strpool names; /* a few hundred distinct paths, however many processes */
	size_t entries;
	uint64_t dropped;
};

struct maplog *maplog_new(void)
{
	struct maplog *l = calloc(1, sizeof(*l));
	if (!l)
		return NULL;
	htab_init(&l->by_tgid);
	if (strpool_init(&l->names) < 0) {
		free(l);
		return NULL;
	}
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
	strpool_release(&l->names);
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

/* The bounds [*from, *to) of the image `p` ran at `at_ns`: from the exec before it to the exec after. */
static void image_bounds(const struct maplog_proc *p, uint64_t at_ns, uint64_t *from, uint64_t *to)
{
	*from = 0;
	*to = UINT64_MAX;
	for (size_t i = 0; i < p->nexecs; i++) {
		if (p->execs[i] <= at_ns && p->execs[i] > *from)
			*from = p->execs[i];
		else if (p->execs[i] > at_ns && p->execs[i] < *to)
			*to = p->execs[i];
	}
}

static int entry_push(struct maplog *l, struct maplog_proc *p, const struct maplog_entry *e)
{
	if (l->entries >= MAPLOG_MAX_ENTRIES) {
		l->dropped++;
		return 0;
	}
	if (p->n == p->cap) {
		size_t ncap = p->cap ? p->cap * 2 : 16;
		struct maplog_entry *g = realloc(p->e, ncap * sizeof(*g));
		if (!g)
			return -ENOMEM;
		p->e = g;
		p->cap = ncap;
	}
	p->e[p->n++] = *e;
	if (e->time_ns > p->last_ns)
		p->last_ns = e->time_ns;
	l->entries++;
	return 0;
}

/* A fork: the child starts with what its parent had mapped then, dated at the fork. */
static int log_fork(struct maplog *l, const struct mmap_seen *m)
{
	struct maplog_proc *parent = proc_of(l, m->ppid, false);
	if (!parent || !parent->n)
		return 0;
	struct maplog_proc *child = proc_of(l, m->pid, true);
	if (!child)
		return -ENOMEM;
	parent = proc_of(l, m->ppid, false); /* proc_of() may have moved it */
	uint64_t from, to;
	image_bounds(parent, m->time_ns, &from, &to);
	for (size_t i = 0; i < parent->n; i++) {
		struct maplog_entry e = parent->e[i];
		if (e.time_ns < from || e.time_ns >= to || e.time_ns > m->time_ns)
			continue;
		e.time_ns = m->time_ns;
		int rc = entry_push(l, child, &e);
		if (rc < 0)
			return rc;
	}
	return 0;
}

bool maplog_exec_between(const struct maplog *l, uint32_t tgid, uint64_t after_ns, uint64_t before_ns)
{
	const struct maplog_proc *p = proc_of((struct maplog *)l, tgid, false);
	for (size_t i = 0; p && i < p->nexecs; i++)
		if (p->execs[i] > after_ns && p->execs[i] < before_ns)
			return true;
	return false;
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
		if (m->time_ns > p->last_ns)
			p->last_ns = m->time_ns;
		return 0;
	}
	if (m->fork)
		return log_fork(l, m);
	if (!m->len || !m->filename)
		return 0;
	struct maplog_proc *p = proc_of(l, m->pid, true);
	if (!p)
		return -ENOMEM;
	int name = strpool_intern(&l->names, m->filename, strlen(m->filename));
	if (name < 0)
		return -ENOMEM;
	struct maplog_entry e;
	memset(&e, 0, sizeof(e));
	e.time_ns = m->time_ns;
	e.start = m->addr;
	e.len = m->len;
	e.pgoff = m->pgoff;
	e.maj = m->maj;
	e.min = m->min;
	e.ino = m->ino;
	e.name = (uint32_t)name;
	if (m->build_id && m->build_id_len && m->build_id_len <= MAPLOG_BUILD_ID_MAX) {
		memcpy(e.build_id, m->build_id, m->build_id_len);
		e.build_id_len = (uint8_t)m->build_id_len;
	}
	return entry_push(l, p, &e);
}

int maplog_replay(const struct maplog *l, uint32_t tgid, uint64_t at_ns, struct symbolizer *sym, int sym_pid)
{
	const struct maplog_proc *p = proc_of((struct maplog *)l, tgid, false);
	if (!p || !p->n)
		return 0;
	/* the image running at `at_ns`: from the latest exec before it to the next exec */
	uint64_t from, to;
	image_bounds(p, at_ns, &from, &to);
	int added = 0;
	for (size_t i = 0; i < p->n; i++) {
		const struct maplog_entry *e = &p->e[i];
		if (e->time_ns < from || e->time_ns >= to)
			continue;
		struct sym_mmap m = {
			.start = e->start,
			.len = e->len,
			.pgoff = e->pgoff,
			.filename = strpool_get(&l->names, e->name),
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

void maplog_prune(struct maplog *l, uint64_t before_ns, bool (*needed)(uint32_t tgid, void *arg), void *arg)
{
	for (size_t i = 0; l && i < l->nprocs; i++) {
		struct maplog_proc *p = &l->procs[i];
		if ((!p->n && !p->nexecs) || p->last_ns >= before_ns || needed(p->tgid, arg))
			continue;
		/* everything of it is older than `before_ns`: forget it (the slot stays, a few bytes) */
		l->entries -= p->n;
		free(p->e);
		free(p->execs);
		p->e = NULL;
		p->execs = NULL;
		p->n = p->cap = p->nexecs = p->execs_cap = 0;
	}
}

void maplog_stats(const struct maplog *l, uint64_t *procs, uint64_t *entries, uint64_t *dropped)
{
	*procs = l ? l->nprocs : 0;
	*entries = l ? l->entries : 0;
	*dropped = l ? l->dropped : 0;
}

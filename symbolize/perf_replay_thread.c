// SPDX-License-Identifier: Apache-2.0
/* perf.data replay: threads by tid with their current name, and per-process map generations. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/hash.h"
#include "lib/htab.h"
#include "symbolize/perf_replay_internal.h"

static bool thread_eq(uint32_t id, const void *key, void *arg)
{
	const struct replay *r = arg;
	return r->threads[id].tid == *(const int32_t *)key;
}

struct replay_thread *replay_thread_find(struct replay *r, int32_t tid)
{
	uint32_t id;

	if (r->nthreads && r->last_tid == tid)
		return &r->threads[r->last_thread];
	id = htab_find(&r->thread_index, hash_u64((uint64_t)(uint32_t)tid), thread_eq, &tid, r);
	if (id == HTAB_NONE)
		return NULL;
	r->last_tid = tid;
	r->last_thread = id;
	return &r->threads[id];
}

struct replay_thread *replay_thread_findnew(struct replay *r, int32_t pid, int32_t tid)
{
	struct replay_thread *t = replay_thread_find(r, tid);

	if (t) {
		if (t->pid == -1)
			t->pid = pid;
		return t;
	}
	if (r->nthreads == r->cap_threads) {
		size_t cap = r->cap_threads ? r->cap_threads * 2 : 64;
		struct replay_thread *n = realloc(r->threads, cap * sizeof(*n));
		if (!n)
			return NULL;
		r->threads = n;
		r->cap_threads = cap;
	}
	if (htab_insert(&r->thread_index, hash_u64((uint64_t)(uint32_t)tid), (uint32_t)r->nthreads))
		return NULL;
	t = &r->threads[r->nthreads];
	memset(t, 0, sizeof(*t));
	t->tid = tid;
	t->pid = pid;
	t->label = UINT32_MAX;
	r->last_tid = tid;
	r->last_thread = (uint32_t)r->nthreads++;
	/* perf names the idle task "swapper" */
	if (tid == 0 && replay_thread_set_comm(r, t, "swapper"))
		return NULL;
	return t;
}

int replay_thread_set_comm(struct replay *r, struct replay_thread *t, const char *comm)
{
	char *c;

	if (t->comm && strcmp(t->comm, comm) == 0)
		return 0;
	c = strdup(comm);
	if (!c)
		return -ENOMEM;
	free(t->comm);
	t->comm = c;
	t->label = UINT32_MAX;
	t->java = strncmp(comm, "java", 4) == 0;
	return 0;
}

static bool gen_eq(uint32_t id, const void *key, void *arg)
{
	const struct replay *r = arg;
	return r->gens[id].pid == *(const int32_t *)key;
}

uint32_t replay_proc_gen(struct replay *r, int32_t pid)
{
	uint32_t id = htab_find(&r->gen_index, hash_u64((uint64_t)(uint32_t)pid), gen_eq, &pid, r);

	return id == HTAB_NONE ? 0 : r->gens[id].gen;
}

int replay_proc_changed(struct replay *r, int32_t pid)
{
	uint32_t id = htab_find(&r->gen_index, hash_u64((uint64_t)(uint32_t)pid), gen_eq, &pid, r);

	unwind_cache_maps_changed(r->unwind);
	if (id != HTAB_NONE) {
		r->gens[id].gen++;
		return 0;
	}
	if (r->ngens == r->cap_gens) {
		size_t cap = r->cap_gens ? r->cap_gens * 2 : 64;
		struct replay_proc_gen *n = realloc(r->gens, cap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		r->gens = n;
		r->cap_gens = cap;
	}
	if (htab_insert(&r->gen_index, hash_u64((uint64_t)(uint32_t)pid), (uint32_t)r->ngens))
		return -ENOMEM;
	r->gens[r->ngens].pid = pid;
	r->gens[r->ngens].gen = 1;
	r->ngens++;
	return 0;
}

void replay_threads_release(struct replay *r)
{
	for (size_t i = 0; i < r->nthreads; i++)
		free(r->threads[i].comm);
	free(r->threads);
	htab_release(&r->thread_index);
	free(r->gens);
	htab_release(&r->gen_index);
}

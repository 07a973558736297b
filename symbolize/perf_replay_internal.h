/* SPDX-License-Identifier: Apache-2.0 */
/* Internals of the perf.data replay (symbolize/perf_replay*.c); nothing else includes this. */
#ifndef SCORCH_SYMBOLIZE_PERF_REPLAY_INTERNAL_H
#define SCORCH_SYMBOLIZE_PERF_REPLAY_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/htab.h"
#include "symbolize/perf_replay.h"
#include "symbolize/unwind.h"

struct perf_sample;
struct perf_data_attr;
struct symbolizer;
struct profile;
struct errbuf;

/* perf script's callchain depth (sysctl kernel.perf_event_max_stack, PERF_MAX_STACK_DEPTH). */
#define REPLAY_MAX_STACK 127

/* A thread as perf tracks it: its process and its current name. */
struct replay_thread {
	int32_t tid, pid;
	char *comm;          /* owned; NULL = never named (perf shows ":TID") */
	uint32_t label;      /* frame id of the root label for this comm, or UINT32_MAX before first use */
	bool java;           /* comm starts with "java": stackcollapse's Java tidying applies */
};

/* How one address is named: perf script's rules differ by where the address came from. */
enum replay_mode {
	MODE_USER_FP = 0,    /* user frame of a kernel-made callchain: the symbol at the raw address */
	MODE_KERNEL,         /* kernel frame: kallsyms symbol at the raw address */
	MODE_USER_DWARF,     /* DWARF-unwound frame: inline chain with DWARF names (address already pc-1) */
};

/* A cached naming of (address space, generation, address, mode): `count` frame ids at `first`, root first. */
struct frame_cache_entry {
	int32_t pid;
	uint32_t gen;
	uint64_t addr;
	uint32_t mode;       /* enum replay_mode | java << 8 */
	uint32_t first;
	uint32_t count;
};

/*
 * A sample's stack as recorded (thread label, address-space generation and the
 * raw addresses), with the frames it was named as when first seen and the
 * weight of every sample since. Samples fold here first, one hash lookup
 * each; the profile gets each distinct raw stack once, at flush.
 */
struct raw_stack {
	uint32_t key_off, key_len;     /* u64 words in raw_keys */
	uint32_t frames_off, depth;    /* frame ids, root first, in raw_frames */
	int64_t value;
};

/* Per-process generation: bumped whenever its mappings change, so cached names never go stale. */
struct replay_proc_gen {
	int32_t pid;
	uint32_t gen;
};

struct replay {
	const struct perf_replay_opts *o;
	struct perf_replay_stats *st;
	struct profile *p;
	struct symbolizer *sym;
	struct perf_data *d;
	struct errbuf *err;
	const char *name;    /* the input's name for messages */

	/* the event folded */
	const struct perf_data_attr *chosen;
	bool chosen_tried;
	int value_index;

	/* threads by tid */
	struct replay_thread *threads;
	size_t nthreads, cap_threads;
	struct htab thread_index;
	int32_t last_tid;
	uint32_t last_thread;

	/* process generations by pid */
	struct replay_proc_gen *gens;
	size_t ngens, cap_gens;
	struct htab gen_index;

	/* address naming cache */
	struct frame_cache_entry *cache;
	size_t ncache, cap_cache;
	struct htab cache_index;
	uint32_t *cache_ids;
	size_t ncache_ids, cap_cache_ids;

	/* raw stacks seen since the last flush */
	struct raw_stack *raws;
	size_t nraws, cap_raws;
	struct htab raw_index;
	uint64_t *raw_keys;
	size_t nraw_keys, cap_raw_keys;
	uint32_t *raw_frames;
	size_t nraw_frames, cap_raw_frames;
	uint64_t saturated;            /* stacks whose weight was cut to keep sums below INT64_MAX */
	uint64_t *key;                 /* the key being built */
	size_t nkey, cap_key;

	/* per-sample scratch */
	uint32_t *leaf;      /* frame ids, innermost first */
	size_t nleaf, cap_leaf;
	uint32_t *root;
	size_t cap_root;
	struct unwind_frame frames[REPLAY_MAX_STACK];
	struct unwind_cache *unwind;  /* created on the first DWARF sample */
};

/* perf_replay_thread.c */
struct replay_thread *replay_thread_find(struct replay *r, int32_t tid);
/* The thread `tid` of process `pid`, created (unnamed) when new. NULL on ENOMEM. */
struct replay_thread *replay_thread_findnew(struct replay *r, int32_t pid, int32_t tid);
int replay_thread_set_comm(struct replay *r, struct replay_thread *t, const char *comm);
/* The current generation of `pid`'s mappings; replay_proc_changed() starts a new one. */
uint32_t replay_proc_gen(struct replay *r, int32_t pid);
int replay_proc_changed(struct replay *r, int32_t pid);
void replay_threads_release(struct replay *r);

/* perf_replay_stack.c */
/* Fold sample `s` of thread `t` into the profile with weight `value`. 0 or -ENOMEM. */
int replay_add_sample(struct replay *r, const struct perf_sample *s, struct replay_thread *t, int64_t value);
/* Add every raw stack's weight to the profile and forget them. 0 or -ENOMEM. */
int replay_flush(struct replay *r);
void replay_stack_release(struct replay *r);

#endif

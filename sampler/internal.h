/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers shared inside sampler/: BPF object plumbing, the image table and the readout into a profile. */
#ifndef SCORCH_SAMPLER_INTERNAL_H
#define SCORCH_SAMPLER_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/htab.h"
#include "sampler/sampler.h"
#include "sampler/shared.h"

struct bpf_object;
struct bpf_map;
struct bpf_program;
struct bpf_link;
struct profile;
struct errbuf;
struct symbolizer;

/* ---- maps shared by every BPF object of a recording (bpfobj.c) --------------------------------- */

enum shared_map {
	SHARED_TARGETS_TGID,
	SHARED_TARGETS_TID,
	SHARED_CGROUP,
	SHARED_CPUS,
	SHARED_IMAGES,
	SHARED_IMAGE_CACHE,
	SHARED_EVENTS,
	SHARED_SAMPLES,
	SHARED_MAP_COUNT
};

/* Map sizes, from the options (see sampler_sizes()). */
struct sampler_sizes {
	uint32_t targets_tgid, targets_tid, cpus, images;
	uint32_t stacks, stacks_big, counts; /* per sampling object */
	uint32_t offcpu_start, wakers;  /* off-CPU only */
	uint32_t samples_ring;          /* --call-graph dwarf: bytes of the `samples` ring buffer (power of 2) */
	uint64_t samples_wakeup;        /* ... waiting bytes that wake user space */
};

/* fds of the shared maps (owned dups), -1 until the first object created them. */
struct shared_maps {
	int fd[SHARED_MAP_COUNT];
};

void shared_maps_init(struct shared_maps *sm);
void shared_maps_release(struct shared_maps *sm);
/*
 * Before loading `obj`: size its maps from `sz`, and make its shared maps
 * reuse those already created. Returns 0 or a negative errno with `err` filled.
 */
int shared_maps_prepare(struct bpf_object *obj, struct shared_maps *sm, const struct sampler_sizes *sz,
			struct errbuf *err);
/* After loading `obj`: keep dups of the shared maps it created. Returns 0 or a negative errno. */
int shared_maps_collect(struct bpf_object *obj, struct shared_maps *sm, struct errbuf *err);

/*
 * Load `obj`, explaining a failure: permissions (need root or
 * CAP_BPF+CAP_PERFMON), no BTF, a verifier rejection (with -v for its log).
 * `what` names the object ("on-CPU sampler"). Returns 0 or a negative errno.
 */
int bpfobj_load(struct bpf_object *obj, const char *what, struct errbuf *err);
/* Attach every loaded tracing program of `obj`, appending the links to *links (grown). */
int bpfobj_attach_tracing(struct bpf_object *obj, struct bpf_link ***links, size_t *nlinks, struct errbuf *err);
void bpfobj_destroy_links(struct bpf_link **links, size_t n);
/* Sum the per-CPU `stats` map of `obj` into `out[STAT_COUNT]`. */
void bpfobj_add_stats(struct bpf_object *obj, uint64_t *out);
/* Add the run time and count of every loaded program of `obj` (kernel.bpf_stats_enabled). */
void bpfobj_add_run_stats(struct bpf_object *obj, uint64_t *run_ns, uint64_t *run_cnt);
/* Turn BPF run-time statistics on while the returned fd is open; a negative errno when refused. */
int bpf_time_enable(void);
/* Are they on system-wide (the kernel.bpf_stats_enabled sysctl)? */
bool bpf_time_enabled_by_sysctl(void);
/*
 * Add the counts still pending in the per-CPU caches of scratch map
 * `scratch` (in each of its entries, SAMPLER_COUNT_SLOTS slots at byte
 * `offset` of the value) to counts map `counts`, whose values start with
 * struct sampler_count. Once, after detaching. Returns 0 or a negative errno.
 */
int count_caches_flush(const struct bpf_map *counts, const struct bpf_map *scratch, size_t offset);
/* Read stack `id` from the small (`fd`) or big (`fd_big`) stack map into `st`. Returns 0 or -ENOENT. */
int stack_map_read(int fd, int fd_big, uint64_t id, struct sampler_stack *st);

/* Stacks read from a stack map, each once however many keys share it. */
struct stack_cache {
	uint64_t *ids;
	struct sampler_stack **stacks; /* NULL entries: id not in the map */
	size_t count, cap;
	struct htab index;
	int fd, fd_big; /* borrowed */
};
/* A cache over the stack maps `stacks` and `stacks_big` of `obj` (NULL: no maps, every id is missing). */
void stack_cache_init(struct stack_cache *c, struct bpf_object *obj);
void stack_cache_release(struct stack_cache *c);
/*
 * Stack `id` into *out (borrowed until stack_cache_release(); NULL for id 0).
 * Returns 0, -ENOENT when the map has no such stack (*out NULL), or -ENOMEM.
 */
int stack_cache_get(struct stack_cache *c, uint64_t id, const struct sampler_stack **out);

/* ---- images: which symbolizer address space names (tgid, gen) (images.c) ---------------------- */

struct image {
	uint32_t tgid;
	uint64_t gen;
	int sym_pid;      /* the symbolizer's address space: tgid, or an alias for an older image */
	bool current;     /* the process's latest image */
	bool dead;        /* the process exited */
	bool snap_failed; /* its first snapshot failed (gone already): maps from the mmap watch's log, if any */
	uint64_t seen_ns; /* CLOCK_MONOTONIC time of its first sample (0: unknown) */
	uint64_t first_snap_ns; /* ... of its first snapshot */
	bool from_log;    /* its maps came from the mmap log: it follows the new mappings reported */
	uint64_t resnap_ns; /* CLOCK_MONOTONIC time of a second snapshot, 0 = none due */
	uint64_t snap_ns;   /* CLOCK_MONOTONIC time of the last snapshot */
	uint64_t refresh_gap_ns; /* image_table_refresh(): at least this long after a snapshot (doubles) */
};

struct image_table {
	struct image *items;
	size_t count, cap;
	struct htab by_key;   /* (tgid, gen) */
	struct htab by_tgid;  /* tgid -> its current image */
	int next_alias;
	struct symbolizer *sym; /* borrowed */
	/*
	 * Has `tgid` exited? Called after a re-snapshot: a process that exits
	 * while /proc/PID/maps is read leaves an empty or partial snapshot,
	 * which must not replace a good earlier one.
	 */
	bool (*exited)(void *arg, uint32_t tgid);
	void *exited_arg;
	uint64_t snapshots, snapshot_failures;
	size_t checked;       /* sampler_fill_gone() looked at items[0, checked) (items are only appended) */
};

void image_table_init(struct image_table *t, struct symbolizer *sym);
void image_table_release(struct image_table *t);
/* A first sample of (tgid, gen): alias the previous image of tgid if any, snapshot the maps. */
int image_table_new_image(struct image_table *t, uint32_t tgid, uint64_t gen, uint64_t now_ns);
/* The current image of `tgid`, or NULL (valid until the next image is made). */
struct image *image_table_current(struct image_table *t, uint32_t tgid);
/* The time of the first sample of (tgid, gen), as BPF saw it. */
void image_table_seen_at(struct image_table *t, uint32_t tgid, uint64_t gen, uint64_t ts_ns);
/* The process exited: its images stay (for names), no more snapshots. */
void image_table_exit(struct image_table *t, uint32_t tgid);
/* Take the second snapshots that are due at `now_ns`. */
void image_table_resnap_due(struct image_table *t, uint64_t now_ns);
/* Snapshot once more every current image whose process still lives (end of recording). */
void image_table_resnap_live(struct image_table *t);
/* The symbolizer pid for (tgid, gen): the image's address space, else tgid itself. */
int image_table_sym_pid(struct image_table *t, uint32_t tgid, uint64_t gen);
/* Is image (tgid, gen) in the table? */
bool image_table_known(struct image_table *t, uint32_t tgid, uint64_t gen);
/*
 * Something seen at time `event_ns` (CLOCK_MONOTONIC) in image (tgid, gen)
 * is not in its maps: snapshot them again if the image is its process's
 * current one, the process lives and the last snapshot predates the event.
 * The first comes at once, the next ones 10 ms apart, doubling up to a second
 * (code that is in no mapping at all, a JIT's, must not make every sample
 * cost a snapshot). Returns 1 when it did (an earlier snapshot is kept if
 * the new one fails), else 0.
 */
int image_table_refresh(struct image_table *t, uint32_t tgid, uint64_t gen, uint64_t event_ns, uint64_t now_ns);
/*
 * A process mapped new code (mmap_watch): snapshot its current image again,
 * now or, within MAPPED_RESNAP_NS of the last snapshot, at that distance.
 */
void image_table_mapped(struct image_table *t, uint32_t tgid, uint64_t now_ns);

/* ---- readout: raw stacks into a profile (readout.c) -------------------------------------------- */

/* One aggregated record from a counts map, stacks leaf first as the kernel gives them. */
struct raw_part {
	uint32_t tgid, tid;
	uint64_t gen;
	const char *comm;          /* up to SAMPLER_COMM_LEN bytes, maybe not NUL-terminated */
	const struct sampler_stack *kstack; /* NULL = none */
	const struct sampler_stack *ustack; /* NULL = none */
	uint64_t ufix;             /* a caller the frame-pointer walk skipped, inserted above the leaf; 0 = none */
	uint32_t flags;            /* SAMPLE_* */
};

struct raw_sample {
	struct raw_part task;
	struct raw_part waker;     /* when has_waker */
	bool has_waker;
	bool offcpu;               /* kernel stacks start in the tracepoint machinery: strip it */
	uint32_t cpu;              /* with per-CPU keys */
	bool has_cpu;
	size_t value_index;
	int64_t value;
	bool value_ns;             /* value is a time in ns: sampler_read_opts.value_unit_ns applies */
	uint64_t count;            /* samples or intervals aggregated in this record */
};

struct readout;

/*
 * A readout adding to `p` (borrowed), naming frames with `sym` and `images`.
 * With `sum_index` >= 0, every value is also added to that value type (the
 * "wall" total of on- and off-CPU time). NULL on ENOMEM.
 */
struct readout *readout_new(struct profile *p, struct symbolizer *sym, struct image_table *images,
			    const struct sampler_read_opts *ro, int sum_index);
/*
 * A readout handing each record to `cb` as raw addresses (struct
 * sampler_raw_stack: the frames the profile readout names, in the same
 * cuts) instead of adding it to a profile. NULL on ENOMEM.
 */
struct readout *readout_new_raw(struct symbolizer *sym, struct image_table *images, sampler_raw_cb *cb, void *arg);
/* Add one record. Returns 0, -ENOMEM, or (raw readouts) the callback's non-zero return. */
int readout_add(struct readout *r, const struct raw_sample *rs);
/* Samples or intervals (raw_sample.count) that carried a [lost stack] frame so far. */
uint64_t readout_lost_stacks(const struct readout *r);
/* Raw readouts: records given so far, and those of them whose waker's part was left out. */
uint64_t readout_raw_stacks(const struct readout *r);
uint64_t readout_wakers_dropped(const struct readout *r);
void readout_free(struct readout *r);

/* ---- --call-graph dwarf: unwinding copied stacks in user space (dwarf.c) ------------------------ */

struct dwarf;
struct bpf_object;

struct dwarf_opts {
	struct symbolizer *sym;       /* borrowed: modules, CFI and the processes' maps */
	struct image_table *images;   /* borrowed: the image of each record */
	bool per_thread, per_cpu;     /* keep the tid / CPU in the aggregated stacks */
	/* drain the process events (NEW_IMAGE must be handled before the samples of that image) */
	void (*drain_events)(void *arg);
	void *drain_arg;
	/*
	 * Unique unwound stacks kept (0: DWARF_MAX_STACKS). Past it, a sample
	 * with a new stack keeps its kernel stack and process but not its user
	 * stack ([lost stack]), counted in dwarf_stats.capped: a long -a
	 * recording cannot grow without bound.
	 */
	uint32_t max_stacks;
};

/* About 300 MB of unwound stacks at most (an entry and its frames average a few hundred bytes). */
#define DWARF_MAX_STACKS (1u << 20)

struct dwarf_stats {
	uint64_t records;          /* ring buffer records read */
	uint64_t bad_records;      /* ... too short or of an unknown type */
	uint64_t stacks;           /* unique stacks kept */
	uint64_t frames;           /* frames unwound */
	uint64_t fp_frames;        /* ... of them by the frame-pointer fallback (no CFI) */
	uint64_t ends[8];          /* unwinds by enum unwind_end */
	uint64_t unmatched;        /* off-CPU ENDs without their START: kept as [lost stack] */
	uint64_t refreshes;        /* re-snapshots after an unwind ran into unmapped code */
	uint64_t late_images;      /* images snapshotted at their first record (their event was lost) */
	uint64_t capped;           /* records whose new user stack was not kept: max_stacks reached */
	uint64_t unwind_ns;        /* thread CPU time of dwarf_consume(): draining, unwinding, counting */
};

/*
 * The size of the `samples` ring buffer (*ring, a power of 2) and the bytes
 * waiting in it that wake user space (*wakeup): half a second to a second of
 * records at the expected rate (on-CPU: rate x CPUs; off-CPU: a guess of the
 * switch rate, higher when `wide`, system-wide or a cgroup), between 256 KiB
 * and 64 MiB; a wake-up when a quarter is used, so user space drains in
 * batches and has room for three times as much while it is busy (a big
 * process's first snapshot). SCORCH_DWARF_RING_SIZE (bytes) overrides the
 * size, for tests of the loss accounting. Without --call-graph dwarf, one page.
 */
void dwarf_ring_size(const struct sampler_opts *o, size_t ncpus, bool wide, uint32_t *ring, uint64_t *wakeup);
/*
 * A consumer of ring buffer `ring_fd` (the `samples` map; -1: none, records
 * come through dwarf_add_record()). Returns 0 or a negative errno with `err` filled.
 */
int dwarf_new(struct dwarf **out, int ring_fd, const struct dwarf_opts *o, struct errbuf *err);
/*
 * One record (struct sampler_dwarf_head + stack bytes, `len` in all): unwind
 * and count it (ONCPU), keep it for its END (OFFCPU_START) or add the time
 * to its START's stack (OFFCPU_END). Bad records are counted and skipped.
 * Returns 0 or -ENOMEM.
 */
int dwarf_add_record(struct dwarf *d, const void *data, size_t len);
/* An epoll descriptor, readable when records wait. */
int dwarf_poll_fd(const struct dwarf *d);
/*
 * Unwind and count the records waiting, for at most about `budget_ns` (0:
 * all of them, and those arriving meanwhile): a producer faster than the
 * unwinding must not keep the caller from its other work (a signal, the end
 * of -d). Returns 0 or a negative errno (-ENOMEM).
 */
int dwarf_consume(struct dwarf *d, uint64_t budget_ns);
/*
 * Feed the stacks counted of `kind` (DWARF_ONCPU, or DWARF_OFFCPU_START for
 * off-CPU) to `r`, their kernel stacks read from the stack maps of `obj`:
 * on-CPU counts times `value_scale`, off-CPU times. Returns 0 or a negative errno.
 */
int dwarf_read(struct dwarf *d, struct readout *r, struct bpf_object *obj, uint32_t kind, size_t value_index,
	       int64_t value_scale, bool has_cpu);
void dwarf_get_stats(const struct dwarf *d, struct dwarf_stats *st);
void dwarf_free(struct dwarf *d);

/* ---- loaders ------------------------------------------------------------------------------------ */

struct oncpu;
int oncpu_load(struct oncpu **out, const struct sampler_opts *o, struct shared_maps *sm,
	       const struct sampler_sizes *sz, struct errbuf *err);
/* Open a cpu-clock event at `freq` Hz on each CPU and attach. Returns 0 or a negative errno. */
int oncpu_attach(struct oncpu *on, unsigned freq, const int *cpus, size_t ncpus, struct errbuf *err);
void oncpu_detach(struct oncpu *on);
/* Once, after detaching: add the counts still in the per-CPU caches to the counts map. */
int oncpu_flush(struct oncpu *on, struct errbuf *err);
/* Feed every count to `r`; `value_scale` multiplies counts (period in ns for wall mode). */
int oncpu_read(struct oncpu *on, struct readout *r, size_t value_index, int64_t value_scale, struct errbuf *err);
struct bpf_object *oncpu_object(const struct oncpu *on);
/* CLOCK_MONOTONIC ns of the first sample recorded, 0 if none yet. */
uint64_t oncpu_first_sample_ns(const struct oncpu *on);
void oncpu_free(struct oncpu *on);

struct offcpu;
int offcpu_load(struct offcpu **out, const struct sampler_opts *o, struct shared_maps *sm,
		const struct sampler_sizes *sz, struct errbuf *err);
int offcpu_attach(struct offcpu *off, struct errbuf *err);
void offcpu_detach(struct offcpu *off);
/* Once, after detaching: add the counts still in the per-CPU caches to the counts map. */
int offcpu_flush(struct offcpu *off, struct errbuf *err);
int offcpu_read(struct offcpu *off, struct readout *r, size_t value_index, struct errbuf *err);
struct bpf_object *offcpu_object(const struct offcpu *off);
void offcpu_free(struct offcpu *off);

struct procs;
/* Load and attach the process-event programs (fork, exec, exit). `exec_pid` > 0: start recording it at exec. */
int procs_start(struct procs **out, const struct sampler_opts *o, struct shared_maps *sm,
		const struct sampler_sizes *sz, uint32_t filter, struct errbuf *err);
struct bpf_object *procs_object(const struct procs *pr);
void procs_free(struct procs *pr);

/*
 * SCORCH_BENCH_FLOOR, for scripts/bench-sampler.sh only: "walks" makes the
 * sampling programs walk both stacks and keep nothing (1), "empty" return at
 * once (2); else 0, normal recording.
 */
uint32_t sampler_bench_floor(void);

/* The FILTER_* flags the options ask for. */
uint32_t sampler_filter_flags(const struct sampler_opts *o);

/* Monotonic clock in ns (the clock of bpf_ktime_get_ns()). */
uint64_t sampler_now_ns(void);

/* ---- mmap_watch.c: new executable mappings of every process ---------------------------------- */

struct mmap_watch;
/* Watch every CPU of `cpus` (all online ones: a process maps on any), waking `epfd`. 0 or a negative errno with `err`. */
int mmap_watch_open(struct mmap_watch **out, const int *cpus, size_t ncpus, int epfd, struct errbuf *err);
/* What the watch saw: a new executable mapping of process `pid`, or (exec) the process replacing its image. */
struct mmap_seen {
	uint32_t pid, tid;
	uint64_t time_ns;          /* CLOCK_MONOTONIC */
	bool exec;                 /* an exec: the fields below are not set */
	bool fork;                 /* a new process `pid`, forked by `ppid`: neither are they */
	uint32_t ppid;
	uint64_t addr, len, pgoff;
	const char *filename;      /* NUL-terminated, valid during the callback */
	const uint8_t *build_id;   /* NULL: the kernel gave the device and inode instead */
	size_t build_id_len;
	uint32_t maj, min;
	uint64_t ino;
};
/* Call `cb` with each new executable mapping and exec since the last read; returns how many mappings. */
uint64_t mmap_watch_read(struct mmap_watch *w, void (*cb)(const struct mmap_seen *m, void *arg), void *arg);
void mmap_watch_stats(const struct mmap_watch *w, uint64_t *records, uint64_t *lost);
/* sampler.c: read the watch now (new mappings to snapshot, and the log). */
struct sampler;
void sampler_read_mmaps(struct sampler *s);
/* sampler.c: maps from the log for the images whose snapshot failed (their process was gone). */
void sampler_fill_gone(struct sampler *s);
void mmap_watch_free(struct mmap_watch *w);

/* ---- maplog.c: each process's reported mappings, for a process gone before its snapshot ------ */

struct maplog;
struct maplog *maplog_new(void);
void maplog_free(struct maplog *l);
/*
 * Log a mapping, an exec or a fork (the child gets the parent's mappings of
 * that time) from the mmap watch. 0 or -ENOMEM (past a cap, mappings are
 * counted as dropped).
 */
int maplog_add(struct maplog *l, const struct mmap_seen *m);
/*
 * Give the symbolizer's address space `sym_pid` the mappings process `tgid`
 * had in the image it ran at `at_ns` (between the exec before and the one
 * after). Returns how many, or -ENOMEM.
 */
int maplog_replay(const struct maplog *l, uint32_t tgid, uint64_t at_ns, struct symbolizer *sym, int sym_pid);
/*
 * Forget the mappings of every process whose last record is older than
 * `before_ns` and for which `needed` says false (its maps were read, or it is
 * gone: its samples were handled long ago).
 */
void maplog_prune(struct maplog *l, uint64_t before_ns, bool (*needed)(uint32_t tgid, void *arg), void *arg);
/* Whether process `tgid` exec'd after `after_ns` and before `before_ns`. */
bool maplog_exec_between(const struct maplog *l, uint32_t tgid, uint64_t after_ns, uint64_t before_ns);
void maplog_stats(const struct maplog *l, uint64_t *procs, uint64_t *entries, uint64_t *dropped);

/* ---- a recording's state (sampler.c sets it up and runs it; results.c reads it out) ---------- */

struct target {
	uint32_t id;
	bool thread; /* a -t thread rather than a process */
	bool dead;
};

struct sampler {
	struct sampler_opts o;
	pid_t *pids, *tids;
	int *cpus;
	size_t ncpus;
	int cgroup_fd;
	uint32_t filter;
	struct sampler_sizes sz;
	struct shared_maps sm;
	struct oncpu *on;
	struct offcpu *off;
	struct procs *pr;
	struct ring_buffer *rb;
	struct dwarf *dw; /* --call-graph dwarf */
	struct mmap_watch *mw; /* new executable mappings, to snapshot a process again (NULL: not watched) */
	struct maplog *maplog; /* ... and logged, for processes gone before their snapshot */
	uint64_t filled_from_log; /* images whose maps came from the log */
	uint64_t next_prune_ns;   /* when the log is pruned next */
	int epfd;         /* with dw: readable when either ring buffer has records */
	int stats_fd;     /* holds BPF run-time statistics on (bpf_enable_stats), or -1 */
	struct image_table images;

	struct target *targets;
	size_t ntargets, targets_cap, live;
	struct htab target_index;
	bool track_targets; /* end when every target is gone */

	bool attached, detached;
	uint64_t attach_ns, detach_ns, first_sample_ns, next_liveness_ns;
	uint64_t lost_stacks;
	bool drained;   /* sampler_drain() done: the rings read, the count caches flushed */
	bool read_done; /* sampler_read() done */
};

#endif

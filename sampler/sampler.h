/* SPDX-License-Identifier: Apache-2.0 */
/* Live stack sampling with BPF: on-CPU samples and off-CPU time of chosen targets, read into a profile. */
#ifndef SCORCH_SAMPLER_SAMPLER_H
#define SCORCH_SAMPLER_SAMPLER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct sampler;
struct symbolizer;
struct profile;
struct errbuf;

enum sampler_mode {
	SAMPLER_ONCPU = 0, /* cpu-clock samples: value "samples"/"count" */
	SAMPLER_OFFCPU,    /* blocked time from sched_switch: value "off-cpu"/"nanoseconds" */
	SAMPLER_WALL,      /* both: "cpu"/"nanoseconds" (samples x period), "off-cpu"/"nanoseconds",
	                      and their sum "wall"/"nanoseconds" (value types 0, 1, 2) */
};

/* --call-graph dwarf stack sizes, as perf's: the default, and the largest multiple of 8 in a u16. */
#define SAMPLER_DWARF_STACK_DEFAULT 8192
#define SAMPLER_DWARF_STACK_MAX 65528

/* Task states counted off-CPU (the state the task switched out in). */
enum sampler_state {
	SAMPLER_STATE_PREEMPTED = 1 << 0,       /* still runnable: preempted, waiting for a CPU (R) */
	SAMPLER_STATE_INTERRUPTIBLE = 1 << 1,   /* sleeping (S) */
	SAMPLER_STATE_UNINTERRUPTIBLE = 1 << 2, /* disk sleep (D) */
	SAMPLER_STATE_OTHER = 1 << 3,           /* stopped, traced, parked, idle ... */
	SAMPLER_STATE_ALL = 0xf,
};

/*
 * What to record. Zero means the default for every field; the arrays are
 * copied by sampler_new(). Targets: any of pids, tids, exec_pid, cgroup, or
 * `all`; pids and tids together match either.
 */
struct sampler_opts {
	enum sampler_mode mode;
	unsigned freq;            /* on-CPU samples per second per CPU; 0 = 99 */
	const pid_t *pids;        /* processes, all their threads */
	size_t npids;
	const pid_t *tids;        /* single threads */
	size_t ntids;
	pid_t exec_pid;           /* a child about to exec the command (sampler_spawn): recorded from its exec on */
	bool all;                 /* every process (system-wide) */
	const char *cgroup;       /* cgroup v2 directory: tasks in it and below */
	const int *cpus;          /* only these CPUs; NULL = all online */
	size_t ncpus;
	bool no_inherit;          /* don't follow children forked by target processes */
	bool per_thread;          /* key stacks by thread too (needed for FOLD_TID labels) */
	bool per_cpu;             /* on-CPU: key stacks by CPU too */
	bool user_stacks_only;    /* no kernel stacks */
	bool kernel_stacks_only;  /* no user stacks */
	bool idle;                /* on-CPU: count the idle task */
	uint64_t min_block_ns;    /* off-CPU: ignore shorter blocks; 0 = 1 us */
	uint64_t max_block_ns;    /* off-CPU: ignore longer blocks; 0 = no limit */
	unsigned states;          /* off-CPU: enum sampler_state mask; 0 = all */
	bool wakeup;              /* off-CPU: add the waker's stack after a "--" frame */
	double duration;          /* expected seconds, to size the maps; 0 = unknown */
	uint32_t stack_map_entries; /* stacks kept per stack map; 0 = from rate x duration x CPUs */
	uint32_t dwarf_stack_size;  /* --call-graph dwarf: bytes of user stack copied per sample (a
	                               multiple of 8, at most 65528) and unwound with DWARF CFI in
	                               user space; 0 = frame pointers, walked in the kernel.
	                               x86-64 only; needs `sym`; not with --wakeup */
	struct symbolizer *sym;   /* borrowed: process maps are snapshotted into it while they live */
	bool measure_bpf_time;    /* turn on the kernel's BPF run-time statistics while recording
	                             (bpf_enable_stats), for sampler_bpf_time() */
};

/*
 * Check `o` and load the BPF programs (nothing is recorded until
 * sampler_attach()). Returns a sampler (free with sampler_free()), or NULL
 * with `err` saying what failed and why (permissions, BTF, a pid not found,
 * an unsupported combination) and errno set.
 */
struct sampler *sampler_new(const struct sampler_opts *o, struct errbuf *err);

/*
 * Start recording: attach the perf events and tracepoints. Fails with -ESRCH
 * when every target process is gone by then. Returns 0 or a negative errno
 * with `err` filled.
 */
int sampler_attach(struct sampler *s, struct errbuf *err);

/* A descriptor that becomes readable when sampler_poll() has work (process events). */
int sampler_poll_fd(const struct sampler *s);

/*
 * Handle pending process events (maps snapshots, exits, forks), waiting up to
 * `timeout_ms` (0: don't wait). Returns 0 or a negative errno.
 */
int sampler_poll(struct sampler *s, int timeout_ms);

/* True once every target process or thread has exited (never for -a or a cgroup). */
bool sampler_targets_gone(const struct sampler *s);

/* Stop recording: detach every program. Idempotent; sampler_read() still works after it. */
void sampler_detach(struct sampler *s);

/* How sampler_read() labels frames. */
struct sampler_read_opts {
	unsigned fold_flags;     /* enum fold_flags: FOLD_PID, FOLD_TID, FOLD_KERNEL_TAG, FOLD_NO_COMM */
	unsigned sym_flags;      /* enum sym_profile_flags */
	uint64_t value_unit_ns;  /* off-CPU and wall values in this unit: 1 (or 0) ns, 1000 us, 1000000 ms */
};

/*
 * Detach if still attached, then read every recorded stack into `p` (an empty
 * profile: the value types are added here), symbolized, root first: the
 * process name, user frames, kernel frames, and for --wakeup "--" and the
 * waker's frames. Stacks lost in the kernel appear as "[lost stack]" frames
 * and every loss is added with profile_add_loss(). Sets the profile meta
 * "event". Returns 0 or a negative errno with `err` filled.
 */
int sampler_read(struct sampler *s, struct profile *p, const struct sampler_read_opts *ro, struct errbuf *err);

/*
 * Raw stacks, for writing perf.data: what sampler_read() names, as addresses,
 * one aggregated stack at a time.
 */
enum sampler_raw_kind {
	SAMPLER_RAW_ONCPU = 0,   /* on-CPU samples (cpu-clock) */
	SAMPLER_RAW_OFFCPU,      /* off-CPU intervals, weighted by blocked time */
};

struct sampler_raw_stack {
	enum sampler_raw_kind kind;
	uint32_t tgid;           /* process; 0 for the idle task */
	uint32_t tid;            /* thread with opts.per_thread, else 0 */
	int sym_pid;             /* the symbolizer's address space of this image: tgid, or the alias of an
	                            older image (before an exec); walk it with symbolizer_proc_maps() */
	uint64_t gen;            /* the image's generation: CLOCK_MONOTONIC ns of its first sample; 0 when
	                            the stack has no user part (kernel threads, idle, -K) */
	const char *comm;        /* the thread's name, NUL-terminated, at most 15 bytes */
	uint32_t cpu;            /* with has_cpu (opts.per_cpu, on-CPU) */
	bool has_cpu;
	/*
	 * Leaf first. Kernel: the interrupted (on-CPU) or switching (off-CPU)
	 * address, then return addresses; off-CPU without the tracing frames
	 * (BPF program, tracepoint) at the leaf. User: the addresses the folded
	 * output names, with the caller repaired past a frame-pointer-less
	 * library leaf inserted and, with --call-graph dwarf, the unwound frames.
	 */
	const uint64_t *kernel_ips;
	size_t nkernel;
	const uint64_t *user_ips;
	size_t nuser;
	bool kernel_lost;        /* a part lost in the kernel (the folded output shows [lost stack]) */
	bool user_lost;
	/*
	 * The folded output starts this stack at [unknown]: a frame-pointer walk
	 * ran into data (its first address in no mapping ends user_ips: perf
	 * names it [unknown] too), or a DWARF unwind stopped early (user_ips
	 * holds the frames found).
	 */
	bool user_cut;
	uint64_t count;          /* on-CPU samples, or off-CPU intervals, aggregated here */
	uint64_t value_ns;       /* off-CPU: time blocked; 0 on-CPU */
};

/* Called per raw stack; everything it points to is borrowed for the call. Non-zero stops the read. */
typedef int sampler_raw_cb(const struct sampler_raw_stack *st, void *arg);

struct sampler_raw_summary {
	uint64_t stacks;          /* raw stacks delivered */
	uint64_t oncpu_dropped;   /* on-CPU samples dropped whole in the kernel (not delivered) */
	uint64_t offcpu_dropped;  /* off-CPU intervals dropped whole in the kernel */
	uint64_t waker_stacks;    /* --wakeup: stacks delivered without their waker's part */
};

/*
 * Detach if still attached, then call `cb` for every recorded stack, as raw
 * addresses (sampler_read() names the same ones). It can be
 * called before or after sampler_read(), and more than once. Fills `sum`
 * (may be NULL). Returns 0, the non-zero return of `cb`, or a negative errno
 * with `err` filled.
 */
int sampler_read_raw(struct sampler *s, sampler_raw_cb *cb, void *arg, struct sampler_raw_summary *sum,
		     struct errbuf *err);

#define SAMPLER_MAX_LOSSES 16

/* What a recording did. */
struct sampler_stats {
	uint64_t samples;          /* on-CPU samples recorded */
	uint64_t intervals;        /* off-CPU intervals recorded */
	uint64_t lost_stacks;      /* samples or intervals shown with a [lost stack] frame (from sampler_read) */
	uint64_t filtered_blocks;  /* off-CPU intervals outside --min-block/--max-block */
	struct {
		const char *reason;  /* static string */
		uint64_t count;
	} losses[SAMPLER_MAX_LOSSES];
	size_t nlosses;
	uint64_t duration_ns;      /* attach to detach */
	uint64_t period_ns;        /* on-CPU sample period */
	uint64_t bpf_run_ns;       /* BPF run time of the sampling programs (on-CPU, off-CPU) */
	uint64_t bpf_run_cnt;      /* ... and their run count */
	uint64_t bpf_total_ns;     /* ... of every program, process tracking too (sampler_bpf_time()) */
	uint64_t bpf_total_cnt;
	bool bpf_time_measured;    /* BPF statistics were on: else the run times are 0 */
	uint64_t attach_ns;        /* CLOCK_MONOTONIC time sampling started */
	uint64_t first_sample_ns;  /* CLOCK_MONOTONIC of the first sample (on-CPU) or first process seen, 0 if none */
	uint64_t processes;        /* distinct process images seen */
	uint64_t mmaps_seen;       /* new executable mappings the mmap watch saw (any process) */
	uint64_t mmaps_lost;       /* ... records the kernel dropped (its ring was full) */
	uint64_t maps_from_log;    /* process images gone before their snapshot, named from those records */
	size_t targets_live;       /* target processes/threads still alive */
	size_t targets_total;      /* ... of those ever followed */
	/* --call-graph dwarf */
	uint64_t dwarf_records;    /* stack copies unwound in user space */
	uint64_t dwarf_truncated;  /* ... whose unwind stopped before the outermost frame ([unknown] root) */
	uint64_t dwarf_frames;     /* frames unwound */
	uint64_t dwarf_fp_frames;  /* ... by the frame-pointer fallback, where a pc had no CFI */
	uint64_t dwarf_stacks;     /* unique stacks kept */
	uint64_t dwarf_unwind_ns;  /* CPU time of unwinding and counting them */
	uint32_t dwarf_ring_bytes; /* size of the ring buffer they came through */
};
void sampler_get_stats(const struct sampler *s, struct sampler_stats *st);

/*
 * The run time and run count of every BPF program of the recording so far,
 * from bpf_prog_info. The kernel keeps them only while statistics are on:
 * measure_bpf_time, or the kernel.bpf_stats_enabled sysctl. Returns 0, or
 * -ENOTSUP (both 0) when they are off (bpf_enable_stats needs CAP_SYS_ADMIN).
 */
int sampler_bpf_time(const struct sampler *s, uint64_t *run_ns, uint64_t *run_cnt);

/* Detach and free everything; NULL is fine. */
void sampler_free(struct sampler *s);

/* ---- targets (target.c) --------------------------------------------------------------------- */

/*
 * Parse "PID[,PID...]" into a growing array (*ids, *n, caller frees *ids).
 * Returns 0, or -EINVAL with `err` naming the bad item.
 */
int sampler_parse_ids(const char *list, pid_t **ids, size_t *n, struct errbuf *err);
/* Parse a CPU list "0-3,6" into a growing array of ints. Returns 0 or -EINVAL with `err` filled. */
int sampler_parse_cpus(const char *list, int **cpus, size_t *n, struct errbuf *err);
/* Parse a duration: seconds ("2.5"), or with a unit ms, s, m, h. Returns nanoseconds, 0 when invalid. */
uint64_t sampler_parse_duration(const char *s);
/* Parse --state: comma-separated S, D, R, other, all. Returns 0 with *mask set, or -EINVAL / -ENOMEM. */
int sampler_parse_states(const char *list, unsigned *mask);

struct buf;
/*
 * Append what `o` records to `b` for titles and summaries: "pid 1234
 * (nginx)", "tids 5,6", "all processes", "cgroup /sys/fs/cgroup/x",
 * "command 'make -j2'" (when `command`, the argv), "... on CPUs 0,1".
 */
void sampler_describe_target(const struct sampler_opts *o, char *const *command, struct buf *b);

/*
 * Start `argv` as a child that waits before exec: fork, keep it blocked until
 * sampler_spawn_release(). The child is in our process group and is killed
 * if we die first (PR_SET_PDEATHSIG). Returns 0 with *pid set, or a negative
 * errno with `err` filled.
 */
struct spawned {
	pid_t pid;
	int go_fd;   /* write end: closing it releases the child */
	int err_fd;  /* read end: the child's exec errno arrives here (CLOEXEC on success) */
};
int sampler_spawn(char *const argv[], struct spawned *sp, struct errbuf *err);
/*
 * Let the child exec. Returns 0 once exec succeeded, or a negative errno with
 * `err` filled ("cannot run 'x': No such file or directory"); the child has
 * then exited and been reaped.
 */
int sampler_spawn_release(struct spawned *sp, const char *name, struct errbuf *err);
/* Kill (SIGKILL) and reap a child never released. */
void sampler_spawn_abort(struct spawned *sp);

#endif

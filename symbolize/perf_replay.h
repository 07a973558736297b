/* SPDX-License-Identifier: Apache-2.0 */
/* Replay a perf.data file (file or pipe mode) into a profile: thread and map state over time, symbolized stacks. */
#ifndef SCORCH_SYMBOLIZE_PERF_REPLAY_H
#define SCORCH_SYMBOLIZE_PERF_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct profile;
struct errbuf;

/* What a replay did, for the command's summary line and for tests. */
struct perf_replay_stats {
	char event[128];            /* the event folded ("" if none; long names are cut) */
	uint64_t samples;           /* samples of that event folded */
	uint64_t other_samples;     /* samples of other events left out */
	uint64_t filtered;          /* samples of the event left out by the pid/tid/comm filters */
	char other_event[128];      /* the first event left out, or "" */
	uint64_t lost_records;      /* PERF_RECORD_LOST totals: records the kernel dropped */
	uint64_t lost_samples;      /* PERF_RECORD_LOST_SAMPLES totals */
	uint64_t malformed;         /* records skipped because they did not parse */
	uint64_t dwarf_samples;     /* samples unwound from REGS_USER + STACK_USER */
	uint64_t unwind_ends[8];    /* per enum unwind_end (symbolize/unwind.h): why each DWARF unwind stopped */
	bool damaged;               /* the data was damaged: the samples before the damage were kept */
};

struct perf_replay_opts {
	const char *event;               /* event to fold by name; NULL = the first sampling event */
	bool count_samples;              /* weight 1 per sample instead of the sample period */
	const char *kallsyms;            /* the recording machine's kallsyms; NULL = this machine's */
	const char *const *debug_dirs;   /* extra roots for binaries and debug files */
	size_t ndebug_dirs;
	unsigned fold_flags;             /* enum fold_flags (fold/fold.h) */
	bool no_perf_cache;              /* don't look in perf's build-id cache (~/.debug): tests, fuzzing */
	bool no_system_debug;            /* don't look in /usr/lib/debug: tests, fuzzing */
	/* keep only samples of these processes / threads / thread names (exact comm at the sample); NULL = all */
	const int64_t *pids;
	size_t npids;
	const int64_t *tids;
	size_t ntids;
	const char *const *comms;
	size_t ncomms;
	struct perf_replay_stats *stats; /* filled when not NULL */
};

/*
 * Read perf.data at `path` ("-" = stdin, pipe mode allowed) and add every
 * sample of the chosen event to `p`, symbolized and named as
 * `perf script | stackcollapse-perf.pl` names frames: the thread's name as
 * the root frame, then callers to callee; frame-pointer chains by ELF/kallsyms
 * symbol, DWARF-unwound stacks (--call-graph dwarf) with their inline frames
 * by DWARF name.
 *
 * Value type (when `p` has none yet): ("samples", "count") with
 * count_samples; ("cpu", "nanoseconds") for cpu-clock and task-clock;
 * (EVENT, "count") else. Meta "event" names the event.
 *
 * Losses (profile_add_loss()): records the kernel lost, malformed records,
 * unsymbolized frames by reason. Damage after some good data keeps the samples
 * before it and records the reason as a loss ("perf.data damaged: ..."), and
 * returns 0. Returns a negative errno with `err` saying what failed and at
 * which byte offset when nothing could be read (-ENOENT also for an --event
 * the file does not have).
 */
int perf_replay_file(const char *path, const struct perf_replay_opts *o, struct profile *p, struct errbuf *err);

/* The same over `len` bytes in memory (`name` for messages); for tests and fuzzing. */
int perf_replay_mem(const void *data, size_t len, const char *name, const struct perf_replay_opts *o,
		    struct profile *p, struct errbuf *err);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/* Replay a perf.data file (file or pipe mode) into a profile: thread and map state over time, symbolized stacks. */
#ifndef SCORCH_SYMBOLIZE_PERF_REPLAY_H
#define SCORCH_SYMBOLIZE_PERF_REPLAY_H

#include <stdbool.h>
#include <stddef.h>

struct profile;
struct errbuf;

struct perf_replay_opts {
	const char *event;               /* event to fold by name; NULL = the first sampling event */
	bool count_samples;              /* weight 1 per sample instead of the sample period */
	const char *kallsyms;            /* the recording machine's kallsyms; NULL = this machine's */
	const char *const *debug_dirs;   /* extra roots for binaries and debug files */
	size_t ndebug_dirs;
	unsigned fold_flags;             /* enum fold_flags (fold/fold.h) */
};

/*
 * Read perf.data at `path` ("-" = stdin, pipe mode allowed) and add every
 * sample of the chosen event to `p`, symbolized. Damage after some good data
 * keeps the samples before it and records the reason with profile_add_loss().
 * Returns 0, or a negative errno with `err` saying what failed and at which
 * byte offset.
 */
int perf_replay_file(const char *path, const struct perf_replay_opts *o, struct profile *p, struct errbuf *err);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/* scorch record's parts shared by its files: the parsed arguments, the event loop, titles and the summary. */
#ifndef SCORCH_CLI_RECORD_H
#define SCORCH_CLI_RECORD_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "cli/output.h"
#include "lib/overhead.h"
#include "sampler/sampler.h"

struct buf;
struct errbuf;

/* Everything `scorch record`'s options say; lists point into argv (borrowed) and are owned here. */
struct record_args {
	struct sampler_opts so;
	struct output_opts out;
	struct sampler_read_opts ro;
	const char **outputs;
	size_t noutputs;
	const char **debug_dirs;
	size_t ndebug_dirs;
	pid_t *pids, *tids;
	int *cpus;
	uint64_t duration_ns;
	uint64_t unit_ns;   /* off-CPU/wall values divided by this */
	const char *unit;   /* its name for --countname */
	bool colors_given, countname_given;
	bool no_demangle, quiet;
	double max_overhead_pct; /* --max-overhead: % of one CPU; 0 = no limit */
	bool stopped_by_guard;   /* --max-overhead ended it: the graph says so */
	char **command;
};

/* Why a recording ended; every end takes the same path: detach, drain, symbolize, write. */
enum stop_reason { STOP_NONE, STOP_DURATION, STOP_SIGNAL, STOP_COMMAND, STOP_TARGETS, STOP_OVERHEAD };

/* The recording's event loop: signals (a signalfd), the -d timer, the sampler's ring buffer. */
struct loop {
	int epfd, sigfd, timerfd;
	pid_t child; /* our command, if any */
	int child_status;
	bool child_exited;
	struct overhead_guard guard; /* --max-overhead; over_pct: the share that ended it (STOP_OVERHEAD) */
};

/* Set up `l` for `s`: `mask` are the blocked signals that end the recording. 0 or a negative errno with `err`. */
int record_loop_setup(struct loop *l, struct sampler *s, uint64_t duration_ns, sigset_t *mask, struct errbuf *err);
void record_loop_release(struct loop *l);
/* Record until an end condition, polling the sampler meanwhile; returns which one ended it. */
enum stop_reason record_loop_run(struct loop *l, struct sampler *s);

/* Fill in the flame graph's title, subtitle, units and palette unless the user chose them; `subtitle` holds the text. */
void record_flame_defaults(struct record_args *a, const struct sampler_stats *st, const char *target,
			   struct buf *subtitle);
/* Why --max-overhead ended the recording and what to do, on stderr (the summary includes it). */
void record_print_overhead_stop(const struct loop *l);
/* The summary on stderr: what was recorded, why it ended, losses by reason (and more with -v). */
void record_print_summary(const struct record_args *a, const struct sampler_stats *st, const char *target,
			  enum stop_reason why, const struct loop *l);

#endif

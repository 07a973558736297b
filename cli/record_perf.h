/* SPDX-License-Identifier: Apache-2.0 */
/* scorch record -o x.data: a recording's raw stacks, process maps and kernel map as a perf.data file. */
#ifndef SCORCH_CLI_RECORD_PERF_H
#define SCORCH_CLI_RECORD_PERF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sampler/sampler.h"

struct symbolizer;
struct errbuf;

struct record_perf_opts {
	enum sampler_mode mode;        /* cpu-clock, offcpu-time, or both (wall) */
	unsigned freq;                 /* -F: the cpu-clock frequency (Hz) */
	bool per_cpu;                  /* samples carry their CPU */
	bool user_only, kernel_only;   /* -U / -K: the event is cpu-clock:u / cpu-clock:k */
	const char *const *argv;       /* the command line for the CMDLINE feature (borrowed) */
	size_t argc;
	uint64_t start_ns;             /* CLOCK_MONOTONIC when sampling started: the earliest timestamp */
	bool quiet;                    /* no notes on stderr (warnings still go) */
};

/*
 * Write `path` ("-": stdout, perf's pipe mode) as perf.data from the
 * recording in `s`, after sampler_detach(): the kernel's text map, then per
 * process image (oldest first) its COMM (an exec for a process's later
 * images), an MMAP2 with build-id of every executable mapping `sym` stored
 * for it, and its samples, so that each image resolves against its own maps;
 * on-CPU stacks as one record per sample, off-CPU stacks as one record per
 * unique stack weighted by the blocked time (perf --off-cpu's encoding);
 * samples dropped in the kernel as LOST_SAMPLES. Atomic: a failure leaves no
 * file. Sets *stacks to the raw stacks written. Returns 0 or a negative errno
 * with `err` filled; warnings (no kernel map, --wakeup left out, cut stacks)
 * go to stderr.
 */
int record_write_perf_data(const char *path, struct sampler *s, struct symbolizer *sym,
			   const struct record_perf_opts *o, uint64_t *stacks, struct errbuf *err);

#endif

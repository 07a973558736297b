/* SPDX-License-Identifier: Apache-2.0 */
/* The language: compile a bpftrace-dialect program straight to BPF, run it, print what bpftrace prints. */
#ifndef SCORCH_PROBES_PROBES_H
#define SCORCH_PROBES_PROBES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct buf;
struct errbuf;
struct trace;

enum trace_format {
	TRACE_TEXT,	/* bpftrace's text */
	TRACE_JSON,	/* bpftrace -f json: one object per line */
};

enum trace_dump {
	TRACE_DUMP_AST = 1 << 0,	/* the checked syntax tree */
	TRACE_DUMP_IR = 1 << 1,		/* the IR of every program */
	TRACE_DUMP_BPF = 1 << 2,	/* the BPF instructions (after maps are created) */
};

struct trace_opts {
	const char *program;		/* source text (borrowed until trace_free()) */
	size_t program_len;
	const char *filename;		/* name in messages: the script's path, or NULL for "-e" */
	const char *const *params;	/* positional parameters $1.. (borrowed) */
	size_t nparams;
	int pid;			/* -p: filter probes to this process, attach uprobes in it; 0 = all */
	const char *command;		/* -c: run this command (split at blanks), trace until it exits */
	enum trace_format format;
	double duration;		/* -d: stop after this many seconds; 0 = until exit() or Ctrl-C */
	unsigned dump;			/* enum trace_dump: print these to `out` and do not run */
	int verbose;			/* >= 2: a rejected program's whole verifier log goes to the diagnostics */
	double max_overhead_pct;	/* stop as Ctrl-C does when the probes' BPF run time passes this
					   share of one CPU over a second (kernel BPF statistics); 0 = never */
	FILE *out;			/* results; NULL = stdout */
};

/*
 * Compile `o->program`: parse, type-check, generate code. On a language
 * error returns -EINVAL with located messages ("FILE:LINE:COL: error: ...",
 * the line and a caret) appended to `diag`; other failures return a negative
 * errno with `err` filled. On success *out is yours: trace_free().
 */
int trace_new(const struct trace_opts *o, struct trace **out, struct buf *diag, struct errbuf *err);

/*
 * Create maps, load and attach every probe, run BEGIN, print events until
 * exit(), trace_stop(), the -d time or the -c command's end; then run END
 * and print the maps as bpftrace does. A program the verifier rejects
 * returns -EINVAL with a located message in `diag`; other failures a
 * negative errno with `err` filled. With o->dump set, prints the dumps and
 * returns without attaching.
 */
int trace_run(struct trace *t, struct buf *diag, struct errbuf *err);

/*
 * After trace_run(): map `map_name` (NULL: the first, by name, keyed by
 * kstack/ustack) as a profile for flame graphs. Each entry is one stack:
 * its other key parts (comm, pid ...) as root labels, then the user frames,
 * then the kernel frames, symbolized; its value the count (sum, int) or, for
 * hist/avg/stats, the number of samples. *out is yours (profile_free()).
 * 0 or a negative errno with `err` filled.
 */
struct profile;
int trace_profile(struct trace *t, const char *map_name, struct profile **out, struct errbuf *err);

/* Ask a running trace to finish (Ctrl-C); async-signal-safe. */
void trace_stop(struct trace *t);

/* After trace_run(): the share of one CPU (%) that made max_overhead_pct end it, or 0. */
double trace_overhead_stop(const struct trace *t);

void trace_free(struct trace *t);

/*
 * scorch list [PATTERN]: print probes matching PATTERN (a glob over
 * "provider:target:name"; NULL = all) one per line, as bpftrace -l does:
 * tracepoints, raw tracepoints, software and hardware events, and with
 * "uprobe:/path:*" the functions of that binary. A pattern whose first field
 * names no provider ("sched:*") matches TARGET:NAME of every provider.
 * Returns the number of probes printed (0 when none match), or a negative
 * errno with `err`.
 */
int probes_list(const char *pattern, FILE *out, struct errbuf *err);

#endif

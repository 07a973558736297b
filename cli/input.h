/* SPDX-License-Identifier: Apache-2.0 */
/* Load any profile input (perf.data, perf script text, folded text) into a profile, its kind told by content. */
#ifndef SCORCH_CLI_INPUT_H
#define SCORCH_CLI_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct profile;
struct errbuf;

enum input_kind {
	INPUT_UNKNOWN = 0,
	INPUT_PERF_DATA,   /* starts with the magic "PERFILE2" (file or pipe mode) */
	INPUT_PERF_SCRIPT, /* `perf script` text */
	INPUT_FOLDED,      /* folded stacks "a;b;c 123" (or the differential "a;b 1 2") */
	INPUT_PPROF,       /* a pprof profile.proto message (gzip or not) */
};

/* Options shared by every command that reads inputs; a zeroed struct (or NULL) means the defaults. */
struct input_opts {
	unsigned fold_flags;           /* enum fold_flags (fold/fold.h): --pid --tid --kernel --jit --all --addrs */
	const char *event;             /* fold only this event (--event / --event-filter); NULL = the first one */
	bool count_samples;            /* --count samples: weight 1 per sample instead of the period */
	bool srcline;                  /* perf script text from -F+srcline: a source line follows each frame */
	const char *kallsyms;          /* perf.data: kallsyms of the recording machine (--kallsyms FILE) */
	const char *const *debug_dirs; /* perf.data: extra roots for binaries and debug files (--debug-dir) */
	size_t ndebug_dirs;
	/* keep only these pids / tids / process names (NULL = all) */
	const int64_t *pids;
	size_t npids;
	const int64_t *tids;
	size_t ntids;
	const char *const *comms;
	size_t ncomms;
	bool quiet;                    /* no per-line warnings (the summary of skipped lines is still printed) */
};

/*
 * Read `path` ("-" = stdin) and add its samples to `p`. The kind is detected
 * from the content, never the name; gzip-compressed text is read too. Text is
 * streamed: memory grows with unique stacks, not with the input.
 * Malformed lines are printed on stderr with their line number (the first
 * few), their total is printed, and they are recorded as profile losses;
 * every other loss the input added is printed on stderr too.
 * `kind` (may be NULL) receives what was read.
 * Returns 0, or a negative errno with `err` filled (print it with cli_report()).
 */
int input_load(const char *path, const struct input_opts *o, struct profile *p, enum input_kind *kind,
	       struct errbuf *err);

/*
 * The input options every reading command shares (fold, render, diff), all
 * long-only. Put INPUT_LONGOPTS in a command's `struct option` table and, in
 * its getopt_long loop, pass every value in [INPUT_OPT_BASE, INPUT_OPT_END) to
 * input_parse_option(); input_usage() prints their help lines.
 */
enum input_option {
	INPUT_OPT_BASE = 0x800,
	INPUT_OPT_PID = INPUT_OPT_BASE,
	INPUT_OPT_TID,
	INPUT_OPT_KERNEL,
	INPUT_OPT_JIT,
	INPUT_OPT_ALL,
	INPUT_OPT_ADDRS,
	INPUT_OPT_NO_COMM,
	INPUT_OPT_SRCLINE,
	INPUT_OPT_EVENT,
	INPUT_OPT_COUNT,
	INPUT_OPT_KALLSYMS,
	INPUT_OPT_DEBUG_DIR,
	INPUT_OPT_FILTER_PID,
	INPUT_OPT_FILTER_TID,
	INPUT_OPT_FILTER_COMM,
	INPUT_OPT_QUIET,
	INPUT_OPT_END
};

#define INPUT_LONGOPTS                                                           \
	{ "pid", no_argument, NULL, INPUT_OPT_PID },                             \
	{ "tid", no_argument, NULL, INPUT_OPT_TID },                             \
	{ "kernel", no_argument, NULL, INPUT_OPT_KERNEL },                       \
	{ "jit", no_argument, NULL, INPUT_OPT_JIT },                             \
	{ "all", no_argument, NULL, INPUT_OPT_ALL },                             \
	{ "addrs", no_argument, NULL, INPUT_OPT_ADDRS },                         \
	{ "no-comm", no_argument, NULL, INPUT_OPT_NO_COMM },                     \
	{ "srcline", no_argument, NULL, INPUT_OPT_SRCLINE },                     \
	{ "event", required_argument, NULL, INPUT_OPT_EVENT },                   \
	{ "event-filter", required_argument, NULL, INPUT_OPT_EVENT },            \
	{ "count", required_argument, NULL, INPUT_OPT_COUNT },                   \
	{ "kallsyms", required_argument, NULL, INPUT_OPT_KALLSYMS },             \
	{ "debug-dir", required_argument, NULL, INPUT_OPT_DEBUG_DIR },           \
	{ "filter-pid", required_argument, NULL, INPUT_OPT_FILTER_PID },         \
	{ "filter-tid", required_argument, NULL, INPUT_OPT_FILTER_TID },         \
	{ "filter-comm", required_argument, NULL, INPUT_OPT_FILTER_COMM },       \
	{ "quiet", no_argument, NULL, INPUT_OPT_QUIET }

/* Input options being parsed: `opts` plus the lists it points into, owned here. */
struct input_args {
	struct input_opts opts;
	const char **debug_dirs; /* borrowed argv strings */
	const char **comms;
	int64_t *pids;
	int64_t *tids;
};

void input_args_init(struct input_args *a);
void input_args_release(struct input_args *a);
/*
 * Apply option `opt` with argument `arg` (borrowed: argv outlives it) to `a`.
 * Returns 1 when applied, 0 when `opt` is not an input option, -EINVAL with
 * `err` filled for a bad argument, or -ENOMEM.
 */
int input_parse_option(struct input_args *a, int opt, const char *arg, struct errbuf *err);
/* The help lines of the input options. */
void input_usage(FILE *out);

struct output_opts;
/*
 * For commands that take both the input options and the shared flame-graph
 * options (cli/output.h): apply `opt` to whichever it belongs to. Returns 1
 * when applied, 0 when it is neither, -EINVAL with `err` filled, or -ENOMEM.
 */
int input_output_parse_option(struct input_args *a, struct output_opts *out, int opt, const char *arg,
			      struct errbuf *err);

/* "perf.data", "perf script", "folded" or "unknown". */
const char *input_kind_name(enum input_kind kind);

/* Print one stderr line per loss recorded in `p` ("scorch: warning: 12 lost: REASON"); input_load() already prints its own. */
void input_report_losses(const struct profile *p);

#endif

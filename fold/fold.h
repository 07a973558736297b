/* SPDX-License-Identifier: Apache-2.0 */
/* Text readers and writers of the profile model: folded stacks and `perf script` output. */
#ifndef SCORCH_FOLD_FOLD_H
#define SCORCH_FOLD_FOLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct profile;
struct errbuf;

/*
 * How frames are labelled when a stack is folded, as stackcollapse-perf.pl's
 * options do. Every source that folds samples (perf script text, perf.data,
 * the live sampler) honours the same flags so their outputs agree.
 */
enum fold_flags {
	FOLD_PID = 1 << 0,        /* root frame "comm-PID" (--pid) */
	FOLD_TID = 1 << 1,        /* root frame "comm-PID/TID" (--tid) */
	FOLD_KERNEL_TAG = 1 << 2, /* kernel frames get "_[k]" (--kernel) */
	FOLD_JIT_TAG = 1 << 3,    /* JIT frames get "_[j]" (--jit) */
	FOLD_INLINE_TAG = 1 << 4, /* inlined frames get "_[i]" (part of --all) */
	FOLD_ADDRS = 1 << 5,      /* unknown symbols shown as their address (--addrs) */
	FOLD_NO_COMM = 1 << 6,    /* no process-name root frame */
};

/* What a text input holds, told apart by content (fold_text_detect()). */
enum fold_text_kind {
	FOLD_TEXT_UNKNOWN = 0,
	FOLD_TEXT_PERF_SCRIPT, /* `perf script` output: a header line per sample, then its frames */
	FOLD_TEXT_FOLDED,      /* "a;b;c 123" lines, or the differential "a;b;c 10 20" */
};

/*
 * The kind of text whose first bytes are `data` (`len` bytes, any content;
 * pass as much as is at hand, a few KiB is plenty). Lines starting with '#'
 * are ignored; folded text ends its lines in a count, perf script text has
 * indented frame lines and "event:" headers. FOLD_TEXT_UNKNOWN when empty.
 */
enum fold_text_kind fold_text_detect(const char *data, size_t len);

/*
 * Something a reader skipped: the 1-based line number, a short lower-case
 * reason ("unrecognized line") and the line itself (borrowed for the call,
 * `len` bytes, not NUL-terminated, may hold any byte).
 */
typedef void fold_warn_fn(void *arg, uint64_t line, const char *reason, const char *text, size_t len);

/* Reader options; a NULL pointer or a zeroed struct means stackcollapse-perf.pl's defaults. */
struct fold_read_opts {
	unsigned flags;       /* enum fold_flags (perf script) */
	const char *event;    /* perf script: fold only this event (--event-filter); NULL = the first one seen */
	bool count_samples;   /* perf script: weight 1 per sample even where periods are printed */
	bool srcline;         /* perf script -F+srcline: a source line follows each frame line (--srcline) */
	/* perf script: keep only samples of these pids / tids / process names (NULL = all). */
	const int64_t *pids;
	size_t npids;
	const int64_t *tids;
	size_t ntids;
	const char *const *comms;
	size_t ncomms;
	fold_warn_fn *warn;   /* called for every malformed line; NULL = only counted */
	void *warn_arg;
};

/* What a reader did; valid after fold_reader_finish() (counts are running totals before). */
struct fold_read_stats {
	uint64_t lines;        /* lines read */
	uint64_t samples;      /* samples (perf script) or stack lines (folded) added to the profile */
	uint64_t malformed;    /* lines skipped as malformed, also recorded as a profile loss */
	uint64_t filtered;     /* perf script samples left out by the pid/tid/comm filters */
	uint64_t other_events; /* perf script samples left out because of their event */
	uint64_t truncated;    /* perf script: a last sample cut off by the end of input (dropped, a loss) */
	uint64_t rounded;      /* folded: fractional counts rounded to the nearest integer */
	uint64_t headers;      /* perf script: sample header lines seen (0 samples from many headers: no call chains?) */
	bool differential;     /* folded: the input has two count columns */
	const char *event;     /* perf script: the event folded (borrowed, valid until fold_reader_free()), or NULL */
	const char *other_event; /* perf script: the first event left out, or NULL */
};

/*
 * Value types. Readers add a value type to an empty profile; into a profile
 * that already has one they add to index 0, so several inputs merge.
 *  - folded: ("samples", "count"); a differential file (every line "stack A B")
 *    adds ("before", "count") for A and ("after", "count") for B and sets the
 *    profile meta "differential" to "1".
 *  - perf script: ("samples", "count") when it has no periods (or with
 *    count_samples); otherwise ("cpu", "nanoseconds") for cpu-clock and
 *    task-clock, ("EVENT", "count") else. Meta "event" names the event.
 */
#define FOLDED_DIFF_BEFORE "before"
#define FOLDED_DIFF_AFTER "after"

/*
 * A streaming reader: feed it bytes in chunks of any size (lines may straddle
 * chunks), then finish. Memory is bounded by the profile's unique stacks and
 * the longest line (capped at FOLD_LINE_MAX; longer lines are skipped as
 * malformed), never by the input size. Malformed lines are skipped, counted,
 * passed to opts->warn and recorded with profile_add_loss(p, FOLD_LOSS_MALFORMED).
 */
#define FOLD_LINE_MAX (64u << 20)

/* Loss reasons the text readers record (profile_add_loss()). */
#define FOLD_LOSS_MALFORMED "malformed line"
#define FOLD_LOSS_TRUNCATED "sample cut off by the end of input"

struct fold_reader;

/* A reader of `kind` adding to `p` (borrowed until fold_reader_free()). NULL with errno set. */
struct fold_reader *fold_reader_new(enum fold_text_kind kind, struct profile *p, const struct fold_read_opts *o);
/* Parse `len` bytes. Returns 0 or a negative errno (-ENOMEM) with `err` filled; the reader is then unusable. */
int fold_reader_feed(struct fold_reader *r, const void *data, size_t len, struct errbuf *err);
/* End of input: parse a last unterminated line and record end-of-input losses. Returns 0 or a negative errno. */
int fold_reader_finish(struct fold_reader *r, struct errbuf *err);
/* Borrowed statistics, valid until fold_reader_free(). */
const struct fold_read_stats *fold_reader_stats(const struct fold_reader *r);
void fold_reader_free(struct fold_reader *r);

/* One call over a whole buffer: new, feed, finish, copy stats to `st` (may be NULL), free. */
int fold_read_mem(enum fold_text_kind kind, const void *data, size_t len, struct profile *p,
		  const struct fold_read_opts *o, struct fold_read_stats *st, struct errbuf *err);

/*
 * Folded output. Each stack is written "f1;f2;...;fn VALUE" with the frame
 * names joined by ';' (a process label first when the source made one), lines
 * sorted byte-wise and lines with the same text summed, as
 * stackcollapse-perf.pl prints them.
 */
struct folded_write_opts {
	size_t value;      /* value type index written (default 0) */
	bool differential; /* write "stack A B": A from value type `value`, B from `value2` */
	size_t value2;
	bool skip_zero;    /* leave out stacks whose written values are all 0 */
};

/* A stack as one folded line: `len` bytes of text (NUL-terminated) and its values. */
struct folded_line {
	const char *stack;
	size_t len;
	int64_t value;  /* value type `value` */
	int64_t value2; /* value type `value2` when differential, else 0 */
};

/* The sorted, merged lines of a profile; owned, release with folded_lines_release(). */
struct folded_lines {
	struct folded_line *lines;
	size_t count;
	char *text; /* backing store of every line's stack */
};

/* Build the sorted lines of `p` (`o` NULL = defaults). Returns 0 or -ENOMEM/-EINVAL with `err` filled. */
int folded_lines_build(const struct profile *p, const struct folded_write_opts *o, struct folded_lines *out,
		       struct errbuf *err);
void folded_lines_release(struct folded_lines *l);

/* Write `p` as folded text to `out`. Returns 0 or a negative errno with `err` filled (write errors included). */
int folded_write(const struct profile *p, FILE *out, const struct folded_write_opts *o, struct errbuf *err);

/* True when `p` was read from a differential folded file (meta "differential" = "1"). */
bool folded_is_differential(const struct profile *p);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/* pprof: the profile model written as a gzip-compressed profile.proto (github.com/google/pprof) message, and read back. */
#ifndef SCORCH_FOLD_PPROF_H
#define SCORCH_FOLD_PPROF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct profile;
struct errbuf;

/* Options; a NULL pointer or a zeroed struct means the defaults. */
struct pprof_opts {
	/*
	 * Mark value type `default_value` as pprof's default_sample_type (the
	 * value `go tool pprof` shows first). Unset, pprof uses the last one.
	 */
	bool has_default_value;
	uint32_t default_value;
	int level; /* gzip level 1-9; 0 = 1 (fastest, as Go's runtime/pprof writes) */
};

/*
 * Profile meta keys (profile_meta_set()) the writer turns into pprof fields.
 * All are optional; a value that is not a plain non-negative integer is ignored.
 *  - PPROF_META_PERIOD "period": events between samples, with
 *    "period_type"/"period_unit" naming them (default: the first value type).
 *  - PPROF_META_FREQUENCY "frequency": sampling rate in Hz, when no "period" is
 *    set: period_type cpu/nanoseconds, period 1e9/Hz (as Go's CPU profiles).
 *  - "time_ns": when collection started, nanoseconds since the Unix epoch.
 *  - "duration_ns": how long collection ran, in nanoseconds.
 *  - "event" and "target" become comments "event: cpu-clock", "target: pid 1234".
 */
#define PPROF_META_PERIOD "period"
#define PPROF_META_PERIOD_TYPE "period_type"
#define PPROF_META_PERIOD_UNIT "period_unit"
#define PPROF_META_FREQUENCY "frequency"
#define PPROF_META_TIME_NS "time_ns"
#define PPROF_META_DURATION_NS "duration_ns"

/*
 * Write `p` to `out` as a gzip-compressed pprof Profile message
 * (https://github.com/google/pprof/blob/main/proto/profile.proto):
 *  - sample_type: the profile's value types, in order; one Sample per stack,
 *    its location ids leaf first (pprof's order, the reverse of ours).
 *  - location: one per distinct physical frame together with the frames
 *    inlined into it. A FRAME_INLINED frame joins the frame directly below it
 *    (its caller) as an extra Line, innermost first, as pprof models inlining
 *    (one address, several Lines; `pprof -traces` marks them "(inline)").
 *    An inlined frame at the root, or above a synthetic frame without a module
 *    (a process label, a separator, [lost stack]), stands alone.
 *  - function: one per distinct (name, source file); Line.line is the frame's
 *    line. mapping: one per distinct module, the main binary first (pprof's
 *    mapping[0]); frames without a module share one with no file name.
 *    Addresses are 0: the model keeps names, not addresses, and every mapping
 *    says has_functions, so pprof never tries to re-symbolize.
 *  - string_table: index 0 is ""; strings that are not valid UTF-8 (proto3
 *    requires it) have each bad byte replaced by U+FFFD; control characters
 *    and NUL bytes are valid and kept.
 *  - comment: "lost: N REASON" for every loss (losses are data), plus the
 *    "event" and "target" meta; period, time and duration from the meta above.
 * Memory grows with the profile's distinct frames and its deepest stack; the
 * output is streamed through zlib into `out`, which is flushed at the end.
 * Returns 0, or -ENOMEM, -EIO (a write error, errno's text in `err`),
 * -EINVAL (a bad option), -ENODATA (no value types: pprof reads no profile
 * without them; nothing is written) with `err` filled.
 */
int pprof_write(FILE *out, const struct profile *p, const struct pprof_opts *o, struct errbuf *err);

/* What pprof_read() took in and left out. */
struct pprof_read_stats {
	uint64_t samples;             /* Sample messages added */
	uint64_t bad_samples;         /* left out: a wrong number of values, or an unknown location */
	uint64_t unsymbolized;        /* locations without a function, named after their file */
	size_t value_types_dropped;   /* sample types past PROFILE_MAX_VALUES, repeated, or not in `p` */
};

/*
 * Read a pprof Profile message (already gunzipped: `len` bytes at `data`) into
 * `p`. Fields may come in any order.
 *  - Value types: pprof's default first (default_sample_type, else the last
 *    sample type, as `go tool pprof` shows), then the others in order, up to
 *    PROFILE_MAX_VALUES; the rest are dropped and counted. When `p` already
 *    has value types (an earlier input), each goes to the type of the same
 *    name and the others are dropped; none in common is -EINVAL.
 *  - One stack per Sample, root first: its locations in reverse, each
 *    location's Lines in reverse (the last Line is the function the address is
 *    in, the ones before it were inlined into it: FRAME_INLINED). Frames are
 *    named by function name (system_name if the name is empty) and carry the
 *    mapping's file as their module ("[kernel.kallsyms]" makes kernel
 *    frames); line numbers are not kept, so frames aggregate by function as
 *    pprof's flame graph does. A location without Lines is named after its
 *    file ("[libfoo.so]"), or "[unknown]". `fold_flags` (fold.h) may ask for
 *    the marks "_[i]" on inlined frames (FOLD_INLINE_TAG) and "_[k]" on
 *    kernel ones (FOLD_KERNEL_TAG), as the text readers add them.
 *  - A Sample with the wrong number of values or an unknown location id is
 *    left out and recorded as a loss. period_type/period become the
 *    PPROF_META_PERIOD* notes.
 * Every length is checked against the input. Returns 0, -EBADMSG (damaged:
 * the byte offset in `err`; `p` may hold the samples before the damage),
 * -ENOMEM, -EINVAL (no value type in common with `p`'s) with `err` filled.
 * `st` may be NULL.
 */
int pprof_read(const void *data, size_t len, struct profile *p, unsigned fold_flags, struct pprof_read_stats *st,
	       struct errbuf *err);

/*
 * Do these first bytes of an input look like a (gunzipped) pprof Profile?
 * Every top-level field up to `len` must be one of profile.proto's 14 with
 * its wire type; text fails within a few bytes.
 */
bool pprof_looks_like(const void *data, size_t len);

#endif

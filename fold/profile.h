/* SPDX-License-Identifier: Apache-2.0 */
/* The profile model: interned strings and frames, stacks of frames aggregated with typed values. */
#ifndef SCORCH_FOLD_PROFILE_H
#define SCORCH_FOLD_PROFILE_H

#include <stddef.h>
#include <stdint.h>

/*
 * Every source (live sampler, language maps, perf.data, perf script text,
 * folded text) fills a struct profile; every writer reads one.
 *
 * Ownership: the profile owns every string, frame and stack it holds. Pointers
 * it returns are borrowed and valid until the next call that adds to the
 * profile (arrays may move) or profile_free(); ids stay valid for its life.
 */

enum frame_kind {
	FRAME_USER = 0,
	FRAME_KERNEL,
	FRAME_JIT,
	FRAME_INLINED,   /* an inlined call site inside the frame below it */
	FRAME_SYNTHETIC, /* [unknown], [lost stack], a process or thread label, a separator */
	FRAME_KIND_COUNT
};

/* A frame. All string fields are ids into the profile's string pool; 0 is "". */
struct frame {
	uint32_t name;   /* function name as displayed ("main", "[unknown]") */
	uint32_t module; /* binary path, "[kernel.kallsyms]", "[ext4]", or 0 */
	uint32_t file;   /* source file, or 0 */
	uint32_t line;   /* source line, or 0 */
	uint32_t kind;   /* enum frame_kind */
};

/* A unique stack: frame ids root first, and one value per value type. */
struct profile_stack {
	const uint32_t *frames;
	uint32_t depth;
	const int64_t *values;
};

/* What a value counts, pprof style: type "samples"/unit "count", "off-cpu"/"nanoseconds". */
struct value_type {
	uint32_t type; /* string id */
	uint32_t unit; /* string id */
};

#define PROFILE_MAX_VALUES 4

struct profile;

/* A new empty profile with no value types. NULL with errno=ENOMEM. Free with profile_free(). */
struct profile *profile_new(void);
void profile_free(struct profile *p);

/* Intern `len` bytes at `s`. Returns the string id (>= 0) or -ENOMEM. */
int profile_intern(struct profile *p, const char *s, size_t len);
/* Borrowed NUL-terminated string `id` ("" for 0 or an unknown id). */
const char *profile_str(const struct profile *p, uint32_t id);
uint32_t profile_str_len(const struct profile *p, uint32_t id);

/* The id of frame `f`, interning it if new. Returns the frame id (>= 0) or -ENOMEM. */
int profile_frame(struct profile *p, const struct frame *f);
/* Shorthand: a frame with only a name and a kind. Returns the frame id or -ENOMEM. */
int profile_frame_named(struct profile *p, const char *name, size_t len, enum frame_kind kind);
/* Borrowed frame `id`; `id` must be < profile_frame_count(). */
const struct frame *profile_frame_get(const struct profile *p, uint32_t id);
size_t profile_frame_count(const struct profile *p);

/*
 * Add a value type ("samples", "count"). Returns its index (>= 0); -E2BIG past
 * PROFILE_MAX_VALUES, -ENOMEM. Adding the same type twice returns the first index.
 * Value types must be added before the first stack.
 */
int profile_add_value_type(struct profile *p, const char *type, const char *unit);
size_t profile_value_count(const struct profile *p);
struct value_type profile_value_type(const struct profile *p, size_t index);

/*
 * Add `values` (profile_value_count() entries) to the stack of `depth` frame ids
 * `frames` (root first), creating it if new. Identical stacks aggregate, so
 * memory grows with unique stacks, not with samples; sums saturate at the int64
 * limits rather than overflow. Returns the stack id or
 * -ENOMEM, -EINVAL (no value types).
 */
int profile_add_stack(struct profile *p, const uint32_t *frames, size_t depth, const int64_t *values);
/* Shorthand: add `value` to value type `index` only. */
int profile_add_sample(struct profile *p, const uint32_t *frames, size_t depth, size_t index, int64_t value);

size_t profile_stack_count(const struct profile *p);
/* Stack `id` (< profile_stack_count()); the pointers are borrowed. */
struct profile_stack profile_stack_get(const struct profile *p, uint32_t id);
/* The sum of value `index` over all stacks. */
int64_t profile_total(const struct profile *p, size_t index);

/*
 * Losses are data: record `count` events lost for `reason` ("stack map full",
 * "malformed line"). Counts for the same reason add up. Returns 0 or -ENOMEM.
 */
int profile_add_loss(struct profile *p, const char *reason, uint64_t count);
size_t profile_loss_count(const struct profile *p);
/* Loss `index`: its reason (borrowed) and count. */
const char *profile_loss_get(const struct profile *p, size_t index, uint64_t *count);

/*
 * Key/value notes describing the profile ("event" = "cpu-clock", "target" =
 * "pid 1234"), used for titles and metadata. Setting a key again replaces it.
 * Returns 0 or -ENOMEM. profile_meta_get returns NULL when unset.
 */
int profile_meta_set(struct profile *p, const char *key, const char *value);
const char *profile_meta_get(const struct profile *p, const char *key);

/* Bytes of memory the profile holds (for memory reports in benchmarks). */
size_t profile_memory(const struct profile *p);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/* JSON writers of the profile model: a d3-flame-graph tree and a speedscope file. */
#ifndef SCORCH_FOLD_EXPORT_H
#define SCORCH_FOLD_EXPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct buf;
struct profile;
struct errbuf;

/*
 * Append `len` bytes of `s` to `out` as the inside of a JSON string: quotes,
 * backslashes and control characters escaped, U+2028/U+2029 as \u escapes,
 * invalid UTF-8 replaced by U+FFFD. Returns 0 or -ENOMEM.
 */
int json_escape(struct buf *out, const char *s, size_t len);

/*
 * Write `p` as a d3-flame-graph tree: {"name":"root","value":N,"children":[...]}
 * with siblings sorted by name and values from value type `value_index`
 * (stacks with a zero value are left out). Frame kinds other than user add
 * "kind" ("kernel", "jit", "inlined", "synthetic"). When `diff_before` is
 * non-negative, each node also gets "delta": its self value minus that of
 * value type `diff_before` (d3-flame-graph's differential mode).
 * Names are escaped as JSON; invalid UTF-8 and control characters become
 * U+FFFD / \u00XX, so the output is always valid JSON.
 * Returns 0, -EINVAL (bad index), -ENOMEM or -EIO (write error) with `err` filled.
 */
int profile_write_json(const struct profile *p, FILE *out, uint32_t value_index, int diff_before,
		       struct errbuf *err);

/*
 * Write `p` in speedscope's file format
 * (https://www.speedscope.app/file-format-schema.json): shared frames, and one
 * "sampled" profile of value type `value_index` whose samples are the stacks
 * (root first) and whose weights are their values. `name` names the profile
 * (NULL: "scorch"). Returns 0 or a negative errno with `err` filled.
 */
int profile_write_speedscope(const struct profile *p, FILE *out, uint32_t value_index, const char *name,
			     struct errbuf *err);

#endif

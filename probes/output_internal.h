/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers shared by the output_*.c files only (value and key text, JSON escaping, a sticky-error writer). */
#ifndef SCORCH_PROBES_OUTPUT_INTERNAL_H
#define SCORCH_PROBES_OUTPUT_INTERNAL_H

#include <stdint.h>

#include "lib/buf.h"
#include "probes/output.h"

/* Appends to a buf and remembers the first failure, so formatting code reads straight through. */
struct writer {
	struct buf *b;
	int err;		/* 0 or -ENOMEM */
};

void writer_add(struct writer *w, const char *s, size_t len);
void writer_str(struct writer *w, const char *s);
void writer_ch(struct writer *w, char c);
void writer_f(struct writer *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append `s` (len bytes) escaped as bpftrace 0.17's json_escape does (no quotes added). */
void writer_json_escaped(struct writer *w, const char *s, size_t len);
/* Append the bytes of `src` (another buf), escaped. */
static inline void writer_json_buf(struct writer *w, const struct buf *src)
{
	writer_json_escaped(w, src->data, src->len);
}

/* Length of an OUTPUT_STRING's text: up to the first NUL within len. */
size_t output_string_len(const struct output_value *v);

/*
 * A value as bpftrace's Output::value_to_str prints it (`div` applied to
 * integers; 0 is treated as 1). JSON quotes strings, symbols and stacks and
 * writes tuples as arrays. Stacks as values are indented by 8.
 */
void output_write_value(struct writer *w, enum output_format f, const struct output_value *v, uint32_t div);

/* One key argument as bpftrace's MapKey::argument_value prints it (stacks indented by 4). */
void output_write_key_arg(struct writer *w, const struct output_value *v);

/* Stack text as BPFtrace::get_stack builds it: "" if missing, else "\n" and one line per frame. */
void output_write_stack(struct writer *w, const struct output_stack *st, int indent);

/* ksym()/usym() text: the name, or 0x<hex> when unresolved. */
void output_write_sym(struct writer *w, uint64_t addr, const char *name);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/* Turning raw bytes of maps and events into the output module's value model (probes/ internal). */
#ifndef SCORCH_PROBES_DECODE_H
#define SCORCH_PROBES_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/arena.h"
#include "probes/ast.h"
#include "probes/output.h"

struct checker;
struct symbolizer;

/* The symbolizer of a trace and the processes whose maps it has read. */
struct sym_state {
	struct symbolizer *sym;	/* created on first use */
	int *pids;
	size_t npids, cap;
};

void sym_state_release(struct sym_state *s);
/* Read the maps of process `pid` now, once (it may be gone when its addresses are printed). */
void sym_state_snapshot(struct sym_state *s, int pid);

/*
 * One decoding session (a map print, an event): strings, frames and tuples
 * are allocated in `arena`, symbol names borrowed from the symbolizer.
 */
struct decoder {
	struct checker *c;
	struct sym_state *sym;		/* borrowed */
	struct arena arena;
	int ncpus;			/* per-CPU value slots */
};

void decoder_init(struct decoder *d, struct checker *c, struct sym_state *sym, int ncpus);
/* Free what the decoded values borrow; they are invalid afterwards. */
void decoder_release(struct decoder *d);

/*
 * Decode a value of type `t` stored at `p` (its memory representation) into
 * `out`. `as_key` selects key semantics for ints (8 bytes wide). Returns 0
 * or -ENOMEM.
 */
int decode_value(struct decoder *d, const struct type *t, const uint8_t *p, bool as_key, struct output_value *out);

/*
 * The raw addresses of a stack value (TY_KSTACK / TY_USTACK at `p`), innermost
 * first, up to `cap`; *pid is the process of a user stack (-1 for kernel).
 * Returns the number of frames, or a negative errno when the stack is missing:
 * bpf_get_stackid()'s own (-EFAULT: no stack of that kind, e.g. no kernel
 * stack in user mode; -EEXIST, -ENOMEM: lost) or -ENOENT.
 */
int decode_stack_addrs(struct checker *c, const struct type *t, const uint8_t *p, uint64_t *addrs, size_t cap,
		       int *pid);

#endif

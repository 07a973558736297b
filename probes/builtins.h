/* SPDX-License-Identifier: Apache-2.0 */
/* Lookup of built-in names (variables and functions) across the themed tables (probes/ internal). */
#ifndef SCORCH_PROBES_BUILTINS_H
#define SCORCH_PROBES_BUILTINS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "probes/ast.h"

enum builtin_kind {
	BUILTIN_VAR = 1 << 0,	/* a name: pid, comm, kstack */
	BUILTIN_FUNC = 1 << 1,	/* a call: count(), str(x), kstack(5) */
};

struct builtin;
struct checker;
struct cg;
struct val;

/* The built-in called name[0..len) of one of `kinds` (enum builtin_kind bits), or NULL. */
const struct builtin *builtin_find(const char *name, size_t len, unsigned kinds);
/* The closest known built-in name of `kinds` to `word` (a likely typo), or NULL. */
const char *builtin_suggest(const char *word, unsigned kinds);

/* kstack/ustack shared by the variable and call forms: type `n` as a stack of `limit` frames. */
int stack_check(struct checker *c, struct node *n, bool user, uint32_t limit, enum stack_mode mode);
int stack_emit(struct cg *g, struct node *n, struct val *out);

#endif

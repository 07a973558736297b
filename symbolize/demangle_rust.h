/* SPDX-License-Identifier: Apache-2.0 */
/* The Rust v0 demangler's parser state and shared productions (demangle_rust.c paths, demangle_rust_type.c types). */
#ifndef SCORCH_SYMBOLIZE_DEMANGLE_RUST_H
#define SCORCH_SYMBOLIZE_DEMANGLE_RUST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/buf.h"

#define RV0_MAX_DEPTH 500            /* as LLVM's and rustc-demangle's demanglers */
#define RV0_MAX_OUT (256u << 10)     /* real names stay far below (the longest std ones: ~4 KiB) */
#define RV0_MAX_STEPS (1u << 20)     /* parse steps, backrefs included */
#define RV0_MAX_PUNY 1024            /* code points of one punycode identifier */

struct rv0 {
	const char *s;          /* the name after "_R" */
	size_t len, pos;        /* len: up to a "." suffix */
	struct buf out;
	bool print;             /* false while skipping (impl paths, the instantiating crate) */
	bool failed;
	int depth;
	uint32_t steps;
	uint64_t bound_lifetimes; /* lifetimes bound by for<...> binders around here */
};

struct rv0_ident {
	const char *p;
	size_t n;
	bool punycode;
};

static inline char rv0_peek(const struct rv0 *r) { return r->pos < r->len ? r->s[r->pos] : 0; }

static inline bool rv0_eat(struct rv0 *r, char c)
{
	if (rv0_peek(r) != c || c == 0)
		return false;
	r->pos++;
	return true;
}

static inline char rv0_next(struct rv0 *r) { return r->pos < r->len ? r->s[r->pos++] : 0; }

/* Readers and printers (demangle_rust.c). Each returns false once the name is known bad. */
bool rv0_fail(struct rv0 *r);
void rv0_put(struct rv0 *r, const char *s, size_t n);
void rv0_puts(struct rv0 *r, const char *s);
void rv0_putu(struct rv0 *r, uint64_t v);
void rv0_put_utf8(struct rv0 *r, uint32_t c);
bool rv0_enter(struct rv0 *r);
bool rv0_leave(struct rv0 *r);
bool rv0_base62(struct rv0 *r, uint64_t *v);
bool rv0_opt_base62(struct rv0 *r, char tag, uint64_t *v);
bool rv0_ident(struct rv0 *r, struct rv0_ident *id);
bool rv0_put_ident(struct rv0 *r, const struct rv0_ident *id);
bool rv0_backref(struct rv0 *r, bool (*fn)(struct rv0 *, bool), bool arg);
bool rv0_lifetime(struct rv0 *r, uint64_t index);
bool rv0_binder(struct rv0 *r, uint64_t *count);
void rv0_unbind(struct rv0 *r, uint64_t count);
bool rv0_generic_args(struct rv0 *r);
/* <path>: "in_type" spells generic args Foo<T> rather than foo::<T>. */
bool rv0_path(struct rv0 *r, bool in_type);

/* Types and consts (demangle_rust_type.c). */
bool rv0_type(struct rv0 *r);
/* <const>: "in_value" when nested in another const (no braces needed). */
bool rv0_const(struct rv0 *r, bool in_value);

#endif

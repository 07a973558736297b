// SPDX-License-Identifier: Apache-2.0
/* Rust v0 symbol names ("_R...") to paths, in the form llvm-cxxfilt and rustc-demangle's {:#} print. */
/*
 * Written from the v0 grammar (doc.rust-lang.org/rustc/symbol-mangling/v0.html).
 * One recursive pass prints as it parses, like the grammar reads: a path, its
 * generic arguments, types, consts, lifetimes, identifiers (punycode too).
 * Spelling follows LLVM 14's demangler (what llvm-symbolizer prints): crate
 * roots without their hash, "{closure#N}", "<T as Trait>", integers without a
 * type suffix, chars outside ASCII as '\u{..}'. Consts LLVM 14 does not know
 * (str, refs, arrays, tuples, ADTs) are spelt as rustc-demangle spells them.
 * The instantiating crate and a ".llvm.123" suffix are dropped, as
 * rustc-demangle does; so are other "." suffixes (".cold", ".0"), which
 * rustc-demangle keeps and llvm-cxxfilt prints as " (.cold)": in a flame
 * graph they would split one function into several frames.
 *
 * Hostile input: every read is checked against the length; a backref must
 * point before itself, and a cycle through one ends at the depth cap; depth,
 * work and output are capped; any violation fails the whole name (NULL: the
 * caller shows it mangled).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "symbolize/demangle_rust.h"
#include "symbolize/internal.h"

bool rv0_fail(struct rv0 *r)
{
	r->failed = true;
	return false;
}

void rv0_put(struct rv0 *r, const char *s, size_t n)
{
	if (!r->print || r->failed)
		return;
	if (r->out.len + n > RV0_MAX_OUT || buf_add(&r->out, s, n) < 0)
		rv0_fail(r);
}

void rv0_puts(struct rv0 *r, const char *s) { rv0_put(r, s, strlen(s)); }

void rv0_putu(struct rv0 *r, uint64_t v)
{
	char tmp[24];
	size_t i = sizeof(tmp);
	do
		tmp[--i] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	rv0_put(r, tmp + i, sizeof(tmp) - i);
}

/* Entering a production: depth and work are bounded, whatever backrefs do. */
bool rv0_enter(struct rv0 *r)
{
	if (r->failed || r->depth >= RV0_MAX_DEPTH || ++r->steps > RV0_MAX_STEPS)
		return rv0_fail(r);
	r->depth++;
	return true;
}

bool rv0_leave(struct rv0 *r)
{
	r->depth--;
	return !r->failed;
}

/* <decimal-number> = "0" | <[1-9]> {<[0-9]>} */
static bool rv0_decimal(struct rv0 *r, uint64_t *v)
{
	char c = rv0_peek(r);
	if (c < '0' || c > '9')
		return rv0_fail(r);
	*v = 0;
	if (rv0_eat(r, '0'))
		return true;
	while ((c = rv0_peek(r)) >= '0' && c <= '9') {
		if (*v > (UINT64_MAX - 9) / 10)
			return rv0_fail(r);
		*v = *v * 10 + (uint64_t)(c - '0');
		r->pos++;
	}
	return true;
}

/* <base-62-number> = {<0-9a-zA-Z>} "_": "_" is 0, "0_" is 1, ... */
bool rv0_base62(struct rv0 *r, uint64_t *v)
{
	*v = 0;
	if (rv0_eat(r, '_'))
		return true;
	for (;;) {
		char c = rv0_next(r);
		uint64_t d;
		if (c == '_')
			break;
		if (c >= '0' && c <= '9')
			d = (uint64_t)(c - '0');
		else if (c >= 'a' && c <= 'z')
			d = 10 + (uint64_t)(c - 'a');
		else if (c >= 'A' && c <= 'Z')
			d = 36 + (uint64_t)(c - 'A');
		else
			return rv0_fail(r);
		if (*v > (UINT64_MAX - d) / 62)
			return rv0_fail(r);
		*v = *v * 62 + d;
	}
	if (*v == UINT64_MAX)
		return rv0_fail(r);
	(*v)++;
	return true;
}

/* [<tag> <base-62-number>]: 0 when absent, else the number + 1. */
bool rv0_opt_base62(struct rv0 *r, char tag, uint64_t *v)
{
	*v = 0;
	if (!rv0_eat(r, tag))
		return true;
	if (!rv0_base62(r, v) || *v == UINT64_MAX)
		return rv0_fail(r);
	(*v)++;
	return true;
}

/* <undisambiguated-identifier> = ["u"] <decimal-number> ["_"] <bytes> */
bool rv0_ident(struct rv0 *r, struct rv0_ident *id)
{
	uint64_t n;
	id->punycode = rv0_eat(r, 'u');
	if (!rv0_decimal(r, &n))
		return false;
	rv0_eat(r, '_');
	if (n > r->len - r->pos)
		return rv0_fail(r);
	id->p = r->s + r->pos;
	id->n = (size_t)n;
	for (size_t i = 0; i < id->n; i++) {
		char c = id->p[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
			return rv0_fail(r);
	}
	r->pos += id->n;
	return true;
}

void rv0_put_utf8(struct rv0 *r, uint32_t c)
{
	char u[4];
	size_t n;
	if (c < 0x80) {
		u[0] = (char)c;
		n = 1;
	} else if (c < 0x800) {
		u[0] = (char)(0xc0 | c >> 6);
		u[1] = (char)(0x80 | (c & 0x3f));
		n = 2;
	} else if (c < 0x10000) {
		u[0] = (char)(0xe0 | c >> 12);
		u[1] = (char)(0x80 | ((c >> 6) & 0x3f));
		u[2] = (char)(0x80 | (c & 0x3f));
		n = 3;
	} else {
		u[0] = (char)(0xf0 | c >> 18);
		u[1] = (char)(0x80 | ((c >> 12) & 0x3f));
		u[2] = (char)(0x80 | ((c >> 6) & 0x3f));
		u[3] = (char)(0x80 | (c & 0x3f));
		n = 4;
	}
	rv0_put(r, u, n);
}

static uint32_t puny_adapt(uint32_t delta, uint32_t npoints, bool first)
{
	uint32_t k = 0;
	delta = first ? delta / 700 : delta / 2;
	delta += delta / npoints;
	while (delta > (36 - 1) * 26 / 2) {
		delta /= 36 - 1;
		k += 36;
	}
	return k + 36 * delta / (delta + 38);
}

/*
 * RFC 3492 Bootstring with punycode's parameters; Rust writes its "-"
 * delimiter as "_" (the last one splits the ASCII part from the deltas).
 */
static bool rv0_punycode(struct rv0 *r, const struct rv0_ident *id)
{
	uint32_t cp[RV0_MAX_PUNY];
	size_t ncp = 0, in = 0, delim = id->n;
	for (size_t i = 0; i < id->n; i++)
		if (id->p[i] == '_')
			delim = i;
	if (delim < id->n) {
		if (delim > RV0_MAX_PUNY)
			return rv0_fail(r);
		for (; in < delim; in++)
			cp[ncp++] = (unsigned char)id->p[in];
		in++;
	}
	uint32_t n = 128, i = 0, bias = 72;
	while (in < id->n) {
		uint32_t old = i, w = 1;
		for (uint32_t k = 36;; k += 36) {
			if (in >= id->n)
				return rv0_fail(r);
			char c = id->p[in++];
			uint32_t d;
			if (c >= 'a' && c <= 'z')
				d = (uint32_t)(c - 'a');
			else if (c >= '0' && c <= '9')
				d = 26 + (uint32_t)(c - '0');
			else
				return rv0_fail(r);
			if (d > (UINT32_MAX - i) / w)
				return rv0_fail(r);
			i += d * w;
			uint32_t t = k <= bias ? 1 : k >= bias + 26 ? 26 : k - bias;
			if (d < t)
				break;
			if (w > UINT32_MAX / (36 - t))
				return rv0_fail(r);
			w *= 36 - t;
		}
		if (ncp >= RV0_MAX_PUNY)
			return rv0_fail(r);
		bias = puny_adapt(i - old, (uint32_t)ncp + 1, old == 0);
		if (i / (ncp + 1) > UINT32_MAX - n)
			return rv0_fail(r);
		n += i / (uint32_t)(ncp + 1);
		i %= (uint32_t)(ncp + 1);
		if (n > 0x10ffff || (n >= 0xd800 && n <= 0xdfff))
			return rv0_fail(r);
		memmove(cp + i + 1, cp + i, (ncp - i) * sizeof(cp[0]));
		cp[i++] = n;
		ncp++;
	}
	for (size_t k = 0; k < ncp; k++)
		rv0_put_utf8(r, cp[k]);
	return !r->failed;
}

bool rv0_put_ident(struct rv0 *r, const struct rv0_ident *id)
{
	if (!r->print)
		return true;
	if (id->punycode)
		return rv0_punycode(r, id);
	rv0_put(r, id->p, id->n);
	return !r->failed;
}

/* <backref> = "B" <base-62-number>, an offset after "_R" before the "B" itself. */
bool rv0_backref(struct rv0 *r, bool (*fn)(struct rv0 *, bool), bool arg)
{
	size_t at = r->pos - 1;
	uint64_t target;
	if (!rv0_base62(r, &target) || target >= at)
		return rv0_fail(r);
	if (!r->print)
		return true;        /* skipping: what it points at was checked when parsed */
	size_t saved = r->pos;
	r->pos = (size_t)target;
	bool ok = fn(r, arg);
	r->pos = saved;
	return ok;
}

/* A lifetime bound by an enclosing binder, as LLVM names them: 'a ... 'y, then 'z1, 'z2 ... */
bool rv0_lifetime(struct rv0 *r, uint64_t index)
{
	if (!r->print)
		return true;
	if (index == 0) {
		rv0_puts(r, "'_");
		return !r->failed;
	}
	if (index - 1 >= r->bound_lifetimes)
		return rv0_fail(r);
	uint64_t depth = r->bound_lifetimes - index;
	if (depth < 26) {
		char l[2] = { '\'', (char)('a' + depth) };
		rv0_put(r, l, 2);
	} else {
		rv0_puts(r, "'z");
		rv0_putu(r, depth - 26 + 1);
	}
	return !r->failed;
}

/* [<binder>] = "G" <base-62-number>: for<'a, 'b> lifetimes, visible until rv0_unbind(). */
bool rv0_binder(struct rv0 *r, uint64_t *count)
{
	if (!rv0_opt_base62(r, 'G', count))
		return false;
	if (*count == 0)
		return true;
	if (*count > r->len)        /* more lifetimes than bytes: no real name has that */
		return rv0_fail(r);
	if (!r->print) {
		*count = 0;
		return true;
	}
	rv0_puts(r, "for<");
	for (uint64_t i = 0; i < *count && !r->failed; i++) {
		if (i > 0)
			rv0_puts(r, ", ");
		r->bound_lifetimes++;
		rv0_lifetime(r, 1);
	}
	rv0_puts(r, "> ");
	return !r->failed;
}

void rv0_unbind(struct rv0 *r, uint64_t count) { r->bound_lifetimes -= count; }

/* <generic-arg> = <lifetime> | <type> | "K" <const> */
static bool rv0_generic_arg(struct rv0 *r)
{
	uint64_t lt;
	if (rv0_eat(r, 'L'))
		return rv0_base62(r, &lt) && rv0_lifetime(r, lt);
	if (rv0_eat(r, 'K'))
		return rv0_const(r, false);
	return rv0_type(r);
}

/* {<generic-arg>} "E", comma-separated. */
bool rv0_generic_args(struct rv0 *r)
{
	for (size_t i = 0; !rv0_eat(r, 'E'); i++) {
		if (r->pos >= r->len)
			return rv0_fail(r);
		if (i > 0)
			rv0_puts(r, ", ");
		if (!rv0_generic_arg(r))
			return false;
	}
	return !r->failed;
}

/* <impl-path> = [<disambiguator>] <path>: parsed, never printed. */
static bool rv0_impl_path(struct rv0 *r)
{
	uint64_t dis;
	bool print = r->print;
	r->print = false;
	bool ok = rv0_opt_base62(r, 's', &dis) && rv0_path(r, true);
	r->print = print;
	return ok;
}

static bool rv0_path_body(struct rv0 *r, bool in_type)
{
	struct rv0_ident id;
	uint64_t dis;
	char tag = rv0_next(r);
	switch (tag) {
	case 'C':       /* crate root: its disambiguator is the crate hash, not shown */
		return rv0_opt_base62(r, 's', &dis) && rv0_ident(r, &id) && rv0_put_ident(r, &id);
	case 'N': {     /* <namespace> <path> <identifier> */
		char ns = rv0_next(r);
		if (!((ns >= 'a' && ns <= 'z') || (ns >= 'A' && ns <= 'Z')))
			return rv0_fail(r);
		if (!rv0_path(r, in_type) || !rv0_opt_base62(r, 's', &dis) || !rv0_ident(r, &id))
			return false;
		if (ns >= 'a' && ns <= 'z') {   /* implementation namespaces: the name alone */
			if (id.n > 0) {
				rv0_puts(r, "::");
				rv0_put_ident(r, &id);
			}
			return !r->failed;
		}
		rv0_puts(r, "::{");
		if (ns == 'C')
			rv0_puts(r, "closure");
		else if (ns == 'S')
			rv0_puts(r, "shim");
		else
			rv0_put(r, &ns, 1);
		if (id.n > 0) {
			rv0_puts(r, ":");
			rv0_put_ident(r, &id);
		}
		rv0_puts(r, "#");
		rv0_putu(r, dis);
		rv0_puts(r, "}");
		return !r->failed;
	}
	case 'M':       /* <T> */
		if (!rv0_impl_path(r))
			return false;
		rv0_puts(r, "<");
		if (!rv0_type(r))
			return false;
		rv0_puts(r, ">");
		return !r->failed;
	case 'X':       /* <T as Trait> of an impl */
		if (!rv0_impl_path(r))
			return false;
		/* fall through */
	case 'Y':       /* <T as Trait> of the trait's own items */
		rv0_puts(r, "<");
		if (!rv0_type(r))
			return false;
		rv0_puts(r, " as ");
		if (!rv0_path(r, true))
			return false;
		rv0_puts(r, ">");
		return !r->failed;
	case 'I':       /* generic args: foo::<T> in a value, Foo<T> in a type */
		if (!rv0_path(r, in_type))
			return false;
		rv0_puts(r, in_type ? "<" : "::<");
		if (!rv0_generic_args(r))
			return false;
		rv0_puts(r, ">");
		return !r->failed;
	case 'B':
		return rv0_backref(r, rv0_path, in_type);
	default:
		return rv0_fail(r);
	}
}

bool rv0_path(struct rv0 *r, bool in_type)
{
	if (!rv0_enter(r))
		return false;
	rv0_path_body(r, in_type);
	return rv0_leave(r);
}

char *sym_demangle_rust(const char *name)
{
	if (!name || name[0] != '_' || name[1] != 'R')
		return NULL;
	struct rv0 r = { .s = name + 2, .out = BUF_INIT, .print = true };
	/* Paths start upper-case; a leading digit would be a version, and only v0 exists. */
	if (r.s[0] < 'A' || r.s[0] > 'Z')
		return NULL;
	/* A "." suffix (".llvm.123", ".cold", ".0") is dropped if it looks like one, as rustc-demangle does. */
	r.len = strcspn(r.s, ".");
	for (const char *p = r.s + r.len; *p; p++)
		if (*p <= ' ' || *p >= 0x7f)
			return NULL;
	if (rv0_path(&r, false) && r.pos < r.len && r.s[r.pos] >= 'A' && r.s[r.pos] <= 'Z') {
		r.print = false;    /* the instantiating crate: not part of the name */
		rv0_path(&r, false);
	}
	if (r.failed || r.pos != r.len || r.out.len == 0) {
		buf_release(&r.out);
		return NULL;
	}
	return buf_detach(&r.out, NULL);
}

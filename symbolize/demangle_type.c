// SPDX-License-Identifier: Apache-2.0
/* The demangler's types, template arguments, literals and expressions (see demangle.c). */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "lib/arena.h"
#include "lib/buf.h"
#include "symbolize/internal.h"

static const struct {
	char code;
	const char *name;
} builtins[] = {
	{ 'v', "void" }, { 'w', "wchar_t" }, { 'b', "bool" }, { 'c', "char" }, { 'a', "signed char" },
	{ 'h', "unsigned char" }, { 's', "short" }, { 't', "unsigned short" }, { 'i', "int" },
	{ 'j', "unsigned int" }, { 'l', "long" }, { 'm', "unsigned long" }, { 'x', "long long" },
	{ 'y', "unsigned long long" }, { 'n', "__int128" }, { 'o', "unsigned __int128" }, { 'f', "float" },
	{ 'd', "double" }, { 'e', "long double" }, { 'g', "__float128" }, { 'z', "..." },
};

static const struct {
	char code;
	const char *name;
} dbuiltins[] = {
	{ 'd', "decimal64" }, { 'e', "decimal128" }, { 'f', "decimal32" }, { 'h', "half" }, { 'i', "char32_t" },
	{ 's', "char16_t" }, { 'u', "char8_t" }, { 'a', "auto" }, { 'c', "decltype(auto)" }, { 'n', "std::nullptr_t" },
};

/* F [Y] <return> <params> [R|O] E, after cv-qualifiers `cv`. */
static struct dm_node *parse_function_type(struct dm *d, const char *cv)
{
	if (!eat(d, 'F'))
		return dm_fail(d);
	eat(d, 'Y');
	struct dm_node *ret = dm_parse_type(d);
	if (!ret)
		return NULL;
	struct buf b = BUF_INIT;
	buf_addch(&b, '(');
	const char *ref = "";
	bool first = true;
	while (!eat(d, 'E')) {
		if (!more(d) || d->failed) {
			buf_release(&b);
			return dm_fail(d);
		}
		if (look(d, 0) == 'v' && look(d, 1) == 'E') {
			d->p++;
			continue;
		}
		if ((look(d, 0) == 'R' || look(d, 0) == 'O') && look(d, 1) == 'E') {
			ref = look(d, 0) == 'R' ? " &" : " &&";
			d->p++;
			continue;
		}
		struct dm_node *t = dm_parse_type(d);
		if (!t) {
			buf_release(&b);
			return NULL;
		}
		const char *s = dm_full(d, t);
		if (t->kind == DM_PACK && !*s)
			continue;
		if (!first)
			buf_addstr(&b, ", ");
		buf_addstr(&b, s);
		first = false;
	}
	buf_addch(&b, ')');
	const char *post = dm_cat(d, b.data, ret->post, cv, ref);
	buf_release(&b);
	return dm_mk(d, dm_cat(d, ret->pre, " ", NULL, NULL), post, DM_FUNC);
}

static struct dm_node *pack_map(struct dm *d, struct dm_node *t, struct dm_node *(*fn)(struct dm *, struct dm_node *, const char *),
			     const char *arg)
{
	struct dm_node *p = dm_mk(d, NULL, NULL, DM_PACK);
	if (!p)
		return NULL;
	p->elems = arena_alloc(&d->a, (t->nelems ? t->nelems : 1) * sizeof(*p->elems));
	if (!p->elems)
		return dm_fail(d);
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < t->nelems; i++) {
		struct dm_node *e = fn(d, t->elems[i], arg);
		if (!e) {
			buf_release(&b);
			return NULL;
		}
		p->elems[p->nelems++] = e;
		if (i)
			buf_addstr(&b, ", ");
		buf_addstr(&b, dm_full(d, e));
	}
	p->pre = dm_cat(d, b.data, NULL, NULL, NULL);
	buf_release(&b);
	return p;
}

/* Wrap `t` in a pointer-like declarator ("*", "&", "&&", "A::*"); references collapse as in C++. */
static struct dm_node *declarator(struct dm *d, struct dm_node *t, const char *op)
{
	if (t->kind == DM_PACK)
		return pack_map(d, t, declarator, op);
	int ref = strcmp(op, "&") == 0 ? 1 : strcmp(op, "&&") == 0 ? 2 : 0;
	if (ref && t->refkind) {
		if (t->refkind == 1 || ref == 1) {
			/* T& & , T& &&, T&& & -> the lvalue reference */
			if (t->refkind == 1)
				return t;
			struct dm_node *n = dm_mk(d, dm_cat(d, t->base_ref, "&", NULL, NULL), t->post, DM_PLAIN);
			if (n)
				n->refkind = 1;
			return n;
		}
		return t; /* T&& && -> T&& */
	}
	struct dm_node *n;
	if (t->kind == DM_FUNC || t->kind == DM_ARRAY)
		n = dm_mk(d, dm_cat(d, t->pre, t->kind == DM_ARRAY ? " (" : "(", op, NULL), dm_cat(d, ")", t->post, NULL, NULL), DM_PLAIN);
	else
		n = dm_mk(d, dm_cat(d, t->pre, op, NULL, NULL), t->post, DM_PLAIN);
	if (n && ref) {
		n->refkind = ref;
		n->base_ref = t->pre;
	}
	return n;
}

static struct dm_node *qualify(struct dm *d, struct dm_node *t, const char *cv)
{
	if (t->kind == DM_PACK)
		return pack_map(d, t, qualify, cv);
	if (t->kind == DM_FUNC)
		return dm_mk(d, t->pre, dm_cat(d, t->post, cv, NULL, NULL), DM_FUNC);
	return dm_mk(d, dm_cat(d, t->pre, cv, NULL, NULL), t->post, t->kind);
}

const char *dm_parse_cv(struct dm *d)
{
	const char *cv = "";
	if (eat(d, 'r'))
		cv = " restrict";
	if (eat(d, 'V'))
		cv = dm_cat(d, cv, " volatile", NULL, NULL);
	if (eat(d, 'K'))
		cv = dm_cat(d, cv, " const", NULL, NULL);
	return cv;
}

static struct dm_node *parse_type_inner(struct dm *d)
{
	char c = look(d, 0);
	for (size_t i = 0; i < sizeof(builtins) / sizeof(builtins[0]); i++)
		if (c == builtins[i].code) {
			d->p++;
			return dm_mk(d, builtins[i].name, NULL, DM_PLAIN); /* builtins are not substitutable */
		}
	if (c == 'D') {
		for (size_t i = 0; i < sizeof(dbuiltins) / sizeof(dbuiltins[0]); i++)
			if (look(d, 1) == dbuiltins[i].code) {
				d->p += 2;
				/* libiberty spells std::nullptr_t "decltype(nullptr)" */
				return dm_mk(d, d->gnu && dbuiltins[i].code == 'n' ? "decltype(nullptr)" : dbuiltins[i].name,
					     NULL, DM_PLAIN);
			}
	}
	struct dm_node *r = NULL;
	switch (c) {
	case 'r':
	case 'V':
	case 'K': {
		const char *save = d->p;
		const char *cv = dm_parse_cv(d);
		if (look(d, 0) == 'F') {
			r = parse_function_type(d, cv);
			break;
		}
		(void)save;
		struct dm_node *t = dm_parse_type(d);
		if (!t)
			return NULL;
		r = qualify(d, t, cv);
		break;
	}
	case 'P':
	case 'R':
	case 'O': {
		d->p++;
		struct dm_node *t = dm_parse_type(d);
		if (!t)
			return NULL;
		r = declarator(d, t, c == 'P' ? "*" : c == 'R' ? "&" : "&&");
		break;
	}
	case 'F':
		r = parse_function_type(d, "");
		break;
	case 'A': {
		d->p++;
		const char *dim = d->p;
		while (look(d, 0) >= '0' && look(d, 0) <= '9')
			d->p++;
		const char *n = arena_strndup(&d->a, dim, (size_t)(d->p - dim));
		if (!eat(d, '_'))
			return dm_fail(d);
		struct dm_node *t = dm_parse_type(d);
		if (!t)
			return NULL;
		r = dm_mk(d, t->pre, dm_cat(d, " [", n, "]", t->post), DM_ARRAY);
		break;
	}
	case 'M': {
		d->p++;
		struct dm_node *cls = dm_parse_type(d);
		struct dm_node *mem = cls ? dm_parse_type(d) : NULL;
		if (!mem)
			return NULL;
		const char *op = dm_cat(d, dm_full(d, cls), "::*", NULL, NULL);
		if (mem->kind == DM_FUNC || mem->kind == DM_ARRAY)
			r = dm_mk(d, dm_cat(d, mem->pre, "(", op, NULL), dm_cat(d, ")", mem->post, NULL, NULL), DM_PLAIN);
		else
			r = dm_mk(d, dm_cat(d, mem->pre, " ", op, NULL), mem->post, DM_PLAIN);
		break;
	}
	case 'T': {
		r = dm_parse_template_param(d);
		if (!r)
			return NULL;
		if (look(d, 0) == 'I') {
			dm_push_sub(d, r);
			const char *args = dm_parse_template_args(d, false);
			if (!args)
				return NULL;
			r = dm_with_args(d, r, args);
		}
		break;
	}
	case 'S': {
		if (look(d, 1) == 't') {
			r = dm_parse_name(d, NULL);
			break;
		}
		struct dm_node *s = dm_parse_substitution(d);
		if (!s)
			return NULL;
		if (look(d, 0) != 'I')
			return s; /* a substitution is not added again */
		const char *args = dm_parse_template_args(d, false);
		if (!args)
			return NULL;
		r = dm_with_args(d, s, args);
		break;
	}
	case 'D':
		if (look(d, 1) == 'p') {
			d->p += 2;
			struct dm_node *t = dm_parse_type(d);
			if (!t)
				return NULL;
			/* A pack expands to its elements ("A&&, B&&"), empty when the pack is. */
			r = t->kind == DM_PACK ? dm_mk(d, t->pre, NULL, DM_PACK) : dm_mk(d, dm_cat(d, dm_full(d, t), "...", NULL, NULL), NULL, DM_PLAIN);
			break;
		}
		return dm_fail(d); /* decltype, vector types ...: not supported */
	case 'u': {
		d->p++;
		r = dm_parse_source_name(d);
		break;
	}
	default:
		if ((c >= '0' && c <= '9') || c == 'N' || c == 'Z')
			r = dm_parse_name(d, NULL);
		else
			return dm_fail(d);
	}
	if (r)
		dm_push_sub(d, r);
	return r;
}

struct dm_node *dm_parse_type(struct dm *d)
{
	if (++d->depth > DM_MAX_DEPTH)
		return dm_fail(d);
	struct dm_node *r = parse_type_inner(d);
	d->depth--;
	return r;
}

/* L <type> <value> E | L _Z <encoding> E */
struct dm_node *dm_parse_literal(struct dm *d)
{
	if (!eat(d, 'L'))
		return dm_fail(d);
	if (eat2(d, "_Z")) {
		struct dm_node *e = dm_parse_encoding(d);
		return e && eat(d, 'E') ? e : dm_fail(d);
	}
	static const struct {
		char code;
		const char *suffix, *cast;
	} ints[] = {
		{ 'i', "", NULL }, { 'j', "u", NULL }, { 'l', "l", NULL }, { 'm', "ul", NULL }, { 'x', "ll", NULL },
		{ 'y', "ull", NULL }, { 'c', NULL, "char" }, { 'a', NULL, "signed char" }, { 'h', NULL, "unsigned char" },
		{ 's', NULL, "short" }, { 't', NULL, "unsigned short" }, { 'n', NULL, "__int128" },
		{ 'o', NULL, "unsigned __int128" }, { 'w', NULL, "wchar_t" },
	};
	char c = look(d, 0);
	if (c == 'b' && (look(d, 1) == '0' || look(d, 1) == '1') && look(d, 2) == 'E') {
		d->p += 3;
		return dm_mk(d, d->p[-2] == '1' ? "true" : "false", NULL, DM_PLAIN);
	}
	const char *suffix = NULL, *castname = NULL;
	bool known = false;
	for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++)
		if (c == ints[i].code) {
			d->p++;
			suffix = ints[i].suffix;
			castname = ints[i].cast;
			known = true;
			break;
		}
	if (!known) {
		struct dm_node *t = dm_parse_type(d);
		if (!t)
			return NULL;
		castname = dm_full(d, t);
	}
	const char *num = d->p;
	bool neg = eat(d, 'n');
	while (look(d, 0) >= '0' && look(d, 0) <= '9')
		d->p++;
	if (d->p == num + neg || !eat(d, 'E'))
		return dm_fail(d);
	const char *digits = arena_strndup(&d->a, num + neg, (size_t)(d->p - 1 - num - neg));
	const char *v = dm_cat(d, neg ? "-" : "", digits, suffix, NULL);
	if (castname)
		v = dm_cat(d, "(", castname, ")", v);
	return dm_mk(d, v, NULL, DM_PLAIN);
}

/* <simple-id> ::= <source-name> [<template-args>] */
static struct dm_node *parse_simple_id(struct dm *d)
{
	struct dm_node *n = dm_parse_source_name(d);
	if (n && look(d, 0) == 'I') {
		const char *args = dm_parse_template_args(d, false);
		n = args ? dm_with_args(d, n, args) : NULL;
	}
	return n;
}

/* <base-unresolved-name>: a simple id, "on" <operator-name>, or "dn" <destructor-name>. */
static struct dm_node *parse_base_unresolved(struct dm *d)
{
	if (look(d, 0) >= '0' && look(d, 0) <= '9')
		return parse_simple_id(d);
	if (eat2(d, "dn")) {
		struct dm_node *n = look(d, 0) >= '0' && look(d, 0) <= '9' ? parse_simple_id(d) : dm_parse_type(d);
		return n ? dm_mk(d, dm_cat(d, "~", dm_full(d, n), NULL, NULL), NULL, DM_PLAIN) : NULL;
	}
	eat2(d, "on");
	struct dm_node *n = dm_parse_operator_name(d, NULL);
	if (n && look(d, 0) == 'I') {
		const char *args = dm_parse_template_args(d, false);
		n = args ? dm_with_args(d, n, args) : NULL;
	}
	return n;
}

/* sr ...: an unresolved qualified name (std::is_same<T, int>::value). */
static struct dm_node *parse_unresolved(struct dm *d)
{
	struct dm_node *q;
	if (eat(d, 'N')) {
		q = dm_parse_type(d);
		while (q && !eat(d, 'E')) {
			struct dm_node *l = more(d) ? parse_simple_id(d) : dm_fail(d);
			q = l ? dm_join(d, q, l) : NULL;
		}
	} else if (look(d, 0) >= '0' && look(d, 0) <= '9') {
		q = NULL;
		do {
			struct dm_node *l = parse_simple_id(d);
			if (!l)
				return NULL;
			q = dm_join(d, q, l);
		} while (!eat(d, 'E') && more(d));
	} else {
		q = dm_parse_type(d);
	}
	if (!q)
		return NULL;
	struct dm_node *b = parse_base_unresolved(d);
	return b ? dm_join(d, q, b) : NULL;
}

/* Expressions in template arguments: literals, template and function parameters, unresolved names, packs. */
struct dm_node *dm_parse_expression(struct dm *d)
{
	if (++d->depth > DM_MAX_DEPTH)
		return dm_fail(d);
	struct dm_node *r;
	char c = look(d, 0);
	if (c == 'L')
		r = dm_parse_literal(d);
	else if (c == 'T')
		r = dm_parse_template_param(d);
	else if (eat2(d, "sp")) {
		struct dm_node *e = dm_parse_expression(d);
		r = !e ? NULL : e->kind == DM_PACK ? e : dm_mk(d, dm_cat(d, dm_full(d, e), "...", NULL, NULL), NULL, DM_PLAIN);
	} else if (eat2(d, "sr"))
		r = parse_unresolved(d);
	else if (eat2(d, "fp")) {
		dm_parse_cv(d);
		long n = -1;
		if (look(d, 0) != '_' && !dm_parse_number(d, &n))
			r = dm_fail(d);
		else if (!eat(d, '_'))
			r = dm_fail(d);
		else {
			/* LLVM spells fp_ "fp", fp<n>_ "fp<n+1>". */
			struct buf b = BUF_INIT;
			buf_addstr(&b, "fp");
			if (n >= 0)
				buf_addf(&b, "%ld", n + 1);
			r = dm_mk(d, dm_cat(d, b.data, NULL, NULL, NULL), NULL, DM_PLAIN);
			buf_release(&b);
		}
	} else if (c >= '0' && c <= '9')
		r = parse_simple_id(d);
	else
		r = dm_fail(d);
	d->depth--;
	return r;
}

struct dm_node *dm_parse_template_arg(struct dm *d)
{
	char c = look(d, 0);
	if (c == 'L')
		return dm_parse_literal(d);
	if (c == 'J') {
		d->p++;
		struct buf b = BUF_INIT;
		struct dm_node **elems = NULL;
		size_t n = 0, cap = 0;
		while (!eat(d, 'E')) {
			struct dm_node *a = more(d) ? dm_parse_template_arg(d) : dm_fail(d);
			if (!a) {
				buf_release(&b);
				return NULL;
			}
			if (n == cap) {
				size_t nc = cap ? cap * 2 : 4;
				struct dm_node **v = arena_alloc(&d->a, nc * sizeof(*v));
				if (!v) {
					buf_release(&b);
					return dm_fail(d);
				}
				if (n)
					memcpy(v, elems, n * sizeof(*v));
				elems = v;
				cap = nc;
			}
			elems[n++] = a;
			if (b.len)
				buf_addstr(&b, ", ");
			buf_addstr(&b, dm_full(d, a));
		}
		struct dm_node *p = dm_mk(d, dm_cat(d, b.data, NULL, NULL, NULL), NULL, DM_PACK);
		buf_release(&b);
		if (p) {
			p->elems = elems;
			p->nelems = n;
		}
		return p;
	}
	if (c == 'X') {
		d->p++;
		struct dm_node *n = dm_parse_expression(d);
		return n && eat(d, 'E') ? n : dm_fail(d);
	}
	return dm_parse_type(d);
}

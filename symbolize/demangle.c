// SPDX-License-Identifier: Apache-2.0
/*
 * Demangling of Itanium C++ ABI names (g++, clang++) and Rust legacy names,
 * printed as LLVM's demangler prints them (llvm-symbolizer, llvm-cxxfilt), so
 * names compare equal with llvm-symbolizer's.
 *
 * Supported: nested, local and unscoped names, templates (type, literal and
 * pack arguments; template parameters), substitutions (S_, St, Sa, Sb, Ss,
 * Si, So, Sd), ctors/dtors, operators and conversions, ABI tags, lambdas and
 * unnamed types, builtin/qualified/pointer/reference/array/function and
 * pointer-to-member types, pack expansions, special names (vtable, typeinfo,
 * VTT, thunks, guard variables, TLS wrappers), clone suffixes (".cold").
 * Not supported (the name stays mangled): expressions in template arguments
 * and decltype beyond parameters and literals, vendor qualifiers, vector types.
 * Rust v0 ("_R") names are demangle_rust.c's.
 *
 * Each parsed entity is a pair of strings (pre, post): a declarator goes
 * between them ("void (*" ")(int)"), as LLVM's printLeft/printRight do.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/arena.h"
#include "lib/buf.h"
#include "symbolize/internal.h"
#include "symbolize/symbolize.h"

static struct dm_node *parse_encoding(struct dm *d, bool with_return_type);

struct dm_node *dm_fail(struct dm *d)
{
	d->failed = true;
	return NULL;
}

/* A string built from up to four pieces, in the arena. */
const char *dm_cat(struct dm *d, const char *a, const char *b, const char *c, const char *e)
{
	size_t la = a ? strlen(a) : 0, lb = b ? strlen(b) : 0, lc = c ? strlen(c) : 0, le = e ? strlen(e) : 0;
	char *s = arena_alloc(&d->a, la + lb + lc + le + 1);
	if (!s) {
		d->failed = true;
		return "";
	}
	memcpy(s, a ? a : "", la);
	memcpy(s + la, b ? b : "", lb);
	memcpy(s + la + lb, c ? c : "", lc);
	memcpy(s + la + lb + lc, e ? e : "", le);
	s[la + lb + lc + le] = 0;
	return s;
}

struct dm_node *dm_mk(struct dm *d, const char *pre, const char *post, enum dm_node_kind kind)
{
	struct dm_node *n = arena_alloc(&d->a, sizeof(*n));
	if (!n)
		return dm_fail(d);
	*n = (struct dm_node){ .pre = pre ? pre : "", .post = post ? post : "", .kind = kind };
	n->base = n->pre;
	return n;
}

const char *dm_full(struct dm *d, const struct dm_node *n)
{
	return *n->post ? dm_cat(d, n->pre, n->post, NULL, NULL) : n->pre;
}

void dm_push_sub(struct dm *d, struct dm_node *n)
{
	if (!n)
		return;
	if (d->nsubs == d->subcap) {
		size_t cap = d->subcap ? d->subcap * 2 : 16;
		struct dm_node **v = arena_alloc(&d->a, cap * sizeof(*v));
		if (!v) {
			d->failed = true;
			return;
		}
		if (d->nsubs)
			memcpy(v, d->subs, d->nsubs * sizeof(*v));
		d->subs = v;
		d->subcap = cap;
	}
	d->subs[d->nsubs++] = n;
}

bool dm_parse_number(struct dm *d, long *out)
{
	bool neg = eat(d, 'n');
	if (look(d, 0) < '0' || look(d, 0) > '9')
		return false;
	long v = 0;
	while (look(d, 0) >= '0' && look(d, 0) <= '9') {
		if (v > 100000000)
			return false;
		v = v * 10 + (*d->p++ - '0');
	}
	*out = neg ? -v : v;
	return true;
}

/* <seq-id> _ : base 36 with digits and capital letters; "_" alone is 0. */
bool dm_parse_seq_id(struct dm *d, size_t *out)
{
	if (eat(d, '_')) {
		*out = 0;
		return true;
	}
	size_t v = 0;
	int n = 0;
	for (;;) {
		char c = look(d, 0);
		if (c >= '0' && c <= '9')
			v = v * 36 + (size_t)(c - '0');
		else if (c >= 'A' && c <= 'Z')
			v = v * 36 + (size_t)(c - 'A' + 10);
		else
			break;
		d->p++;
		if (++n > 8)
			return false;
	}
	if (!n || !eat(d, '_'))
		return false;
	*out = v + 1;
	return true;
}

static void skip_discriminator(struct dm *d)
{
	if (look(d, 0) != '_')
		return;
	if (look(d, 1) >= '0' && look(d, 1) <= '9') {
		d->p += 2;
		return;
	}
	if (look(d, 1) == '_') {
		const char *save = d->p;
		d->p += 2;
		long n;
		if (!dm_parse_number(d, &n) || !eat(d, '_'))
			d->p = save;
	}
}



struct dm_node *dm_parse_source_name(struct dm *d)
{
	long len;
	if (!dm_parse_number(d, &len) || len <= 0 || len > d->end - d->p)
		return dm_fail(d);
	const char *s = d->p;
	d->p += len;
	if (len >= 10 && strncmp(s, "_GLOBAL__N", 10) == 0)
		return dm_mk(d, "(anonymous namespace)", NULL, DM_PLAIN);
	char *copy = arena_strndup(&d->a, s, (size_t)len);
	return copy ? dm_mk(d, copy, NULL, DM_PLAIN) : dm_fail(d);
}

static const struct {
	char code[3];
	const char *name;
} operators[] = {
	{ "aN", "&=" }, { "aS", "=" }, { "aa", "&&" }, { "ad", "&" }, { "an", "&" }, { "aw", " co_await" },
	{ "cl", "()" }, { "cm", "," }, { "co", "~" }, { "dV", "/=" }, { "da", " delete[]" }, { "de", "*" },
	{ "dl", " delete" }, { "dv", "/" }, { "eO", "^=" }, { "eo", "^" }, { "eq", "==" }, { "ge", ">=" },
	{ "gt", ">" }, { "ix", "[]" }, { "lS", "<<=" }, { "le", "<=" }, { "ls", "<<" }, { "lt", "<" },
	{ "mI", "-=" }, { "mL", "*=" }, { "mi", "-" }, { "ml", "*" }, { "mm", "--" }, { "na", " new[]" },
	{ "ne", "!=" }, { "ng", "-" }, { "nt", "!" }, { "nw", " new" }, { "oR", "|=" }, { "oo", "||" },
	{ "or", "|" }, { "pL", "+=" }, { "pl", "+" }, { "pm", "->*" }, { "pp", "++" }, { "ps", "+" },
	{ "pt", "->" }, { "qu", "?" }, { "rM", "%=" }, { "rS", ">>=" }, { "rm", "%" }, { "rs", ">>" },
	{ "ss", "<=>" },
};

struct dm_node *dm_parse_operator_name(struct dm *d, struct dm_name_state *st)
{
	if (look(d, 0) == 'c' && look(d, 1) == 'v') {
		d->p += 2;
		struct dm_node *t = dm_parse_type(d);
		if (!t)
			return NULL;
		if (st)
			st->ctor_dtor_conversion = true;
		return dm_mk(d, dm_cat(d, "operator ", dm_full(d, t), NULL, NULL), NULL, DM_PLAIN);
	}
	if (look(d, 0) == 'l' && look(d, 1) == 'i') {
		d->p += 2;
		struct dm_node *n = dm_parse_source_name(d);
		return n ? dm_mk(d, dm_cat(d, "operator\"\" ", n->pre, NULL, NULL), NULL, DM_PLAIN) : NULL;
	}
	if (look(d, 0) == 'v' && look(d, 1) >= '0' && look(d, 1) <= '9') {
		d->p += 2;
		struct dm_node *n = dm_parse_source_name(d);
		return n ? dm_mk(d, dm_cat(d, "operator ", n->pre, NULL, NULL), NULL, DM_PLAIN) : NULL;
	}
	for (size_t i = 0; i < sizeof(operators) / sizeof(operators[0]); i++)
		if (look(d, 0) == operators[i].code[0] && look(d, 1) == operators[i].code[1]) {
			d->p += 2;
			return dm_mk(d, dm_cat(d, "operator", operators[i].name, NULL, NULL), NULL, DM_PLAIN);
		}
	return dm_fail(d);
}

static struct dm_node *parse_abi_tags(struct dm *d, struct dm_node *n)
{
	while (n && look(d, 0) == 'B') {
		d->p++;
		struct dm_node *t = dm_parse_source_name(d);
		if (!t)
			return NULL;
		const char *s = dm_cat(d, n->pre, "[abi:", t->pre, "]");
		struct dm_node *m = dm_mk(d, s, NULL, DM_PLAIN);
		if (m)
			m->base = n->base; /* a constructor is named without the tag, as c++filt does */
		n = m;
	}
	return n;
}

/* The GNU spelling's "#N": <number> _ counts from 2 ("_" alone is #1). */
static const char *gnu_ordinal(struct dm *d, const char *num, size_t len)
{
	long v = 0;
	for (size_t i = 0; i < len && v < 100000000; i++)
		v = v * 10 + (num[i] - '0');
	char tmp[24];
	snprintf(tmp, sizeof(tmp), "#%ld}", len ? v + 2 : 1);
	return dm_cat(d, tmp, NULL, NULL, NULL);
}

/*
 * Ul <params> E [<number>] _  -> 'lambda'(params), GNU: {lambda(params)#1};
 * Ut [<number>] _ -> 'unnamed', GNU: {unnamed type#1}
 */
static struct dm_node *parse_unnamed(struct dm *d)
{
	if (eat2(d, "Ut")) {
		const char *num = d->p;
		while (look(d, 0) >= '0' && look(d, 0) <= '9')
			d->p++;
		size_t len = (size_t)(d->p - num);
		const char *n = arena_strndup(&d->a, num, len);
		if (!eat(d, '_'))
			return dm_fail(d);
		if (d->gnu)
			return dm_mk(d, dm_cat(d, "{unnamed type", gnu_ordinal(d, num, len), NULL, NULL), NULL, DM_PLAIN);
		return dm_mk(d, dm_cat(d, "'unnamed", n, "'", NULL), NULL, DM_PLAIN);
	}
	if (!eat2(d, "Ul"))
		return dm_fail(d);
	struct buf params = BUF_INIT;
	if (eat(d, 'v')) {
		/* no parameters */
	} else {
		while (more(d) && look(d, 0) != 'E') {
			struct dm_node *t = dm_parse_type(d);
			if (!t) {
				buf_release(&params);
				return NULL;
			}
			if (params.len)
				buf_addstr(&params, ", ");
			buf_addstr(&params, dm_full(d, t));
		}
	}
	if (!eat(d, 'E')) {
		buf_release(&params);
		return dm_fail(d);
	}
	const char *num = d->p;
	while (look(d, 0) >= '0' && look(d, 0) <= '9')
		d->p++;
	size_t len = (size_t)(d->p - num);
	const char *n = arena_strndup(&d->a, num, len);
	const char *ps = dm_cat(d, params.data, NULL, NULL, NULL);
	buf_release(&params);
	if (!eat(d, '_'))
		return dm_fail(d);
	if (d->gnu)
		return dm_mk(d, dm_cat(d, "{lambda(", ps, ")", gnu_ordinal(d, num, len)), NULL, DM_PLAIN);
	return dm_mk(d, dm_cat(d, "'lambda", n, "'(", dm_cat(d, ps, ")", NULL, NULL)), NULL, DM_PLAIN);
}

static struct dm_node *parse_ctor_dtor(struct dm *d, struct dm_node *so_far, struct dm_name_state *st)
{
	const char *b = so_far->base;
	if (st)
		st->ctor_dtor_conversion = true;
	if (eat(d, 'C')) {
		bool inheriting = eat(d, 'I');
		if (look(d, 0) < '1' || look(d, 0) > '5')
			return dm_fail(d);
		d->p++;
		if (inheriting && !dm_parse_type(d))
			return NULL;
		return dm_mk(d, b, NULL, DM_PLAIN);
	}
	if (eat(d, 'D')) {
		if (look(d, 0) < '0' || look(d, 0) > '5')
			return dm_fail(d);
		d->p++;
		return dm_mk(d, dm_cat(d, "~", b, NULL, NULL), NULL, DM_PLAIN);
	}
	return dm_fail(d);
}

static struct dm_node *parse_unqualified_name(struct dm *d, struct dm_name_state *st)
{
	struct dm_node *n;
	char c = look(d, 0);
	if (c >= '0' && c <= '9')
		n = dm_parse_source_name(d);
	else if (c == 'U')
		n = parse_unnamed(d);
	else if (c == 'L') {
		d->p++; /* internal linkage marker (GNU) */
		n = dm_parse_source_name(d);
		skip_discriminator(d);
	} else if (c == 'D' && look(d, 1) == 'C') {
		d->p += 2;
		struct buf b = BUF_INIT;
		buf_addch(&b, '[');
		while (more(d) && look(d, 0) != 'E') {
			struct dm_node *s = dm_parse_source_name(d);
			if (!s) {
				buf_release(&b);
				return NULL;
			}
			if (b.len > 1)
				buf_addstr(&b, ", ");
			buf_addstr(&b, s->pre);
		}
		buf_addch(&b, ']');
		n = eat(d, 'E') ? dm_mk(d, dm_cat(d, b.data, NULL, NULL, NULL), NULL, DM_PLAIN) : dm_fail(d);
		buf_release(&b);
	} else if (c >= 'a' && c <= 'z')
		n = dm_parse_operator_name(d, st);
	else
		return dm_fail(d);
	return parse_abi_tags(d, n);
}


/* I <template-arg>+ E ; with `tag`, the args become the template parameters (T_, T0_ ...). */
const char *dm_parse_template_args(struct dm *d, bool tag)
{
	if (!eat(d, 'I'))
		return (dm_fail(d), NULL);
	if (tag)
		d->ntparams = 0;
	struct buf b = BUF_INIT;
	buf_addch(&b, '<');
	bool first = true;
	while (more(d) && look(d, 0) != 'E') {
		struct dm_node *a = dm_parse_template_arg(d);
		if (!a) {
			buf_release(&b);
			return NULL;
		}
		if (tag) {
			if (d->ntparams == d->tpcap) {
				size_t cap = d->tpcap ? d->tpcap * 2 : 8;
				struct dm_node **v = arena_alloc(&d->a, cap * sizeof(*v));
				if (!v) {
					buf_release(&b);
					return (dm_fail(d), NULL);
				}
				if (d->ntparams)
					memcpy(v, d->tparams, d->ntparams * sizeof(*v));
				d->tparams = v;
				d->tpcap = cap;
			}
			d->tparams[d->ntparams++] = a;
		}
		const char *s = dm_full(d, a);
		if (a->kind == DM_PACK && !*s)
			continue;
		if (!first)
			buf_addstr(&b, ", ");
		buf_addstr(&b, s);
		first = false;
	}
	if (!eat(d, 'E')) {
		buf_release(&b);
		return (dm_fail(d), NULL);
	}
	if (b.len && b.data[b.len - 1] == '>')
		buf_addch(&b, ' ');
	buf_addch(&b, '>');
	const char *r = dm_cat(d, b.data, NULL, NULL, NULL);
	buf_release(&b);
	return r;
}

struct dm_node *dm_parse_template_param(struct dm *d)
{
	if (!eat(d, 'T'))
		return dm_fail(d);
	size_t idx;
	if (!dm_parse_seq_id(d, &idx) || idx >= d->ntparams)
		return dm_fail(d);
	return d->tparams[idx];
}

static const struct {
	char code;
	const char *name, *expanded, *base;
} std_subs[] = {
	{ 'a', "std::allocator", NULL, "allocator" },
	{ 'b', "std::basic_string", NULL, "basic_string" },
	{ 's', "std::string", "std::basic_string<char, std::char_traits<char>, std::allocator<char> >", "basic_string" },
	{ 'i', "std::istream", "std::basic_istream<char, std::char_traits<char> >", "basic_istream" },
	{ 'o', "std::ostream", "std::basic_ostream<char, std::char_traits<char> >", "basic_ostream" },
	{ 'd', "std::iostream", "std::basic_iostream<char, std::char_traits<char> >", "basic_iostream" },
};

struct dm_node *dm_parse_substitution(struct dm *d)
{
	if (!eat(d, 'S'))
		return dm_fail(d);
	char c = look(d, 0);
	for (size_t i = 0; i < sizeof(std_subs) / sizeof(std_subs[0]); i++)
		if (c == std_subs[i].code) {
			d->p++;
			struct dm_node *n = dm_mk(d, std_subs[i].name, NULL, DM_PLAIN);
			if (n) {
				n->base = std_subs[i].base;
				n->expanded = std_subs[i].expanded;
				n->is_std_expand = std_subs[i].expanded != NULL;
			}
			return n;
		}
	size_t idx;
	if (!dm_parse_seq_id(d, &idx) || idx >= d->nsubs)
		return dm_fail(d);
	return d->subs[idx];
}

struct dm_node *dm_join(struct dm *d, struct dm_node *prefix, struct dm_node *comp)
{
	if (!prefix)
		return comp;
	struct dm_node *n = dm_mk(d, dm_cat(d, dm_full(d, prefix), "::", comp->pre, NULL), NULL, DM_PLAIN);
	if (n)
		n->base = comp->base;
	return n;
}

struct dm_node *dm_with_args(struct dm *d, struct dm_node *name, const char *args)
{
	const char *s = dm_full(d, name);
	size_t len = strlen(s);
	/* libiberty keeps "operator<" and its "<args>" apart: "operator<< <char>" */
	bool space = d->gnu && len && s[len - 1] == '<';
	struct dm_node *n = dm_mk(d, dm_cat(d, s, space ? " " : "", args, NULL), NULL, DM_PLAIN);
	if (n)
		n->base = name->base;
	return n;
}

static struct dm_node *parse_nested_name(struct dm *d, struct dm_name_state *st)
{
	if (!eat(d, 'N'))
		return dm_fail(d);
	const char *cv = "";
	if (eat(d, 'r'))
		cv = dm_cat(d, cv, " restrict", NULL, NULL);
	if (eat(d, 'V'))
		cv = dm_cat(d, cv, " volatile", NULL, NULL);
	if (eat(d, 'K'))
		cv = dm_cat(d, cv, " const", NULL, NULL);
	const char *ref = "";
	if (eat(d, 'R'))
		ref = " &";
	else if (eat(d, 'O'))
		ref = " &&";
	if (st) {
		st->cv = cv;
		st->ref = ref;
	}
	struct dm_node *so_far = NULL;
	if (eat2(d, "St"))
		so_far = dm_mk(d, "std", NULL, DM_PLAIN);
	while (!eat(d, 'E')) {
		if (!more(d) || d->failed)
			return dm_fail(d);
		eat(d, 'L');
		if (eat(d, 'M')) {
			if (!so_far)
				return dm_fail(d);
			continue;
		}
		if (st)
			st->ends_with_template_args = false;
		char c = look(d, 0);
		if (c == 'T') {
			struct dm_node *t = dm_parse_template_param(d);
			if (!t)
				return NULL;
			so_far = dm_join(d, so_far, t);
			dm_push_sub(d, so_far);
			continue;
		}
		if (c == 'I') {
			if (!so_far)
				return dm_fail(d);
			const char *args = dm_parse_template_args(d, st != NULL);
			if (!args)
				return NULL;
			so_far = dm_with_args(d, so_far, args);
			if (st)
				st->ends_with_template_args = true;
			dm_push_sub(d, so_far);
			continue;
		}
		if (c == 'D' && (look(d, 1) == 't' || look(d, 1) == 'T'))
			return dm_fail(d); /* decltype prefix: not supported */
		if (c == 'S' && look(d, 1) != 't') {
			struct dm_node *s = dm_parse_substitution(d);
			if (!s)
				return NULL;
			/* Ss/Si/So/Sd before a constructor or destructor are spelt out. */
			if (s->is_std_expand && (look(d, 0) == 'C' || (look(d, 0) == 'D' && look(d, 1) != 'C'))) {
				struct dm_node *e = dm_mk(d, s->expanded, NULL, DM_PLAIN);
				if (!e)
					return NULL;
				e->base = s->base;
				s = e;
			}
			struct dm_node *prev = so_far;
			so_far = dm_join(d, so_far, s);
			if (prev)
				dm_push_sub(d, so_far);
			continue;
		}
		if (c == 'C' || (c == 'D' && look(d, 1) != 'C')) {
			if (!so_far)
				return dm_fail(d);
			struct dm_node *cd = parse_ctor_dtor(d, so_far, st);
			if (!cd)
				return NULL;
			so_far = parse_abi_tags(d, dm_join(d, so_far, cd));
			dm_push_sub(d, so_far);
			continue;
		}
		struct dm_node *u = parse_unqualified_name(d, st);
		if (!u)
			return NULL;
		so_far = dm_join(d, so_far, u);
		dm_push_sub(d, so_far);
	}
	if (!so_far || !d->nsubs)
		return dm_fail(d);
	d->nsubs--; /* the entity itself is not a substitution candidate */
	return so_far;
}

static struct dm_node *parse_local_name(struct dm *d, struct dm_name_state *st)
{
	if (!eat(d, 'Z'))
		return dm_fail(d);
	/* libiberty elides the enclosing function's return type (d_local_name); LLVM prints it */
	struct dm_node *enc = parse_encoding(d, !d->gnu);
	if (!enc || !eat(d, 'E'))
		return dm_fail(d);
	if (eat(d, 's')) {
		skip_discriminator(d);
		return dm_mk(d, dm_cat(d, dm_full(d, enc), "::string literal", NULL, NULL), NULL, DM_PLAIN);
	}
	if (eat(d, 'd')) {
		long n;
		dm_parse_number(d, &n);
		if (!eat(d, '_'))
			return dm_fail(d);
	}
	struct dm_node *ent = dm_parse_name(d, st);
	if (!ent)
		return NULL;
	skip_discriminator(d);
	struct dm_node *n = dm_mk(d, dm_cat(d, dm_full(d, enc), "::", dm_full(d, ent), NULL), NULL, DM_PLAIN);
	if (n)
		n->base = ent->base;
	return n;
}

struct dm_node *dm_parse_name(struct dm *d, struct dm_name_state *st)
{
	if (++d->depth > DM_MAX_DEPTH)
		return dm_fail(d);
	struct dm_node *r;
	char c = look(d, 0);
	if (c == 'N') {
		r = parse_nested_name(d, st);
	} else if (c == 'Z') {
		r = parse_local_name(d, st);
	} else if (c == 'S' && look(d, 1) != 't') {
		struct dm_node *s = dm_parse_substitution(d);
		if (!s || look(d, 0) != 'I')
			r = dm_fail(d);
		else {
			const char *args = dm_parse_template_args(d, st != NULL);
			r = args ? dm_with_args(d, s, args) : NULL;
			if (st)
				st->ends_with_template_args = true;
		}
	} else {
		bool is_std = eat2(d, "St");
		struct dm_node *u = parse_unqualified_name(d, st);
		if (u && is_std)
			u = dm_join(d, dm_mk(d, "std", NULL, DM_PLAIN), u);
		r = u;
		if (u && look(d, 0) == 'I') {
			dm_push_sub(d, u);
			const char *args = dm_parse_template_args(d, st != NULL);
			r = args ? dm_with_args(d, u, args) : NULL;
			if (st)
				st->ends_with_template_args = true;
		}
	}
	d->depth--;
	return r;
}

static struct dm_node *parse_special_name(struct dm *d)
{
	static const struct {
		const char *code, *prefix;
		int kind; /* 0: type follows, 1: name follows, 2: encoding follows */
	} specials[] = {
		{ "TV", "vtable for ", 0 }, { "TT", "VTT for ", 0 }, { "TI", "typeinfo for ", 0 },
		{ "TS", "typeinfo name for ", 0 }, { "GV", "guard variable for ", 1 },
		{ "TW", "thread-local wrapper routine for ", 1 }, { "TH", "thread-local initialization routine for ", 1 },
		{ "GTt", "transaction clone for ", 2 }, { "GTn", "non-transaction clone for ", 2 },
	};
	for (size_t i = 0; i < sizeof(specials) / sizeof(specials[0]); i++) {
		size_t l = strlen(specials[i].code);
		if ((size_t)(d->end - d->p) >= l && strncmp(d->p, specials[i].code, l) == 0) {
			d->p += l;
			struct dm_node *n = specials[i].kind == 0 ? dm_parse_type(d) :
					 specials[i].kind == 1 ? dm_parse_name(d, NULL) : dm_parse_encoding(d);
			return n ? dm_mk(d, dm_cat(d, specials[i].prefix, dm_full(d, n), NULL, NULL), NULL, DM_PLAIN) : NULL;
		}
	}
	if (eat2(d, "Th") || eat2(d, "Tv") || eat2(d, "Tc")) {
		char kind = d->p[-1];
		long n;
		int offsets = kind == 'h' ? 1 : 2;
		for (int k = 0; k < offsets; k++) {
			if (kind == 'c') {
				/* covariant: two call offsets, each h<n>_ or v<n>_<n>_ */
				if (eat(d, 'h')) {
					if (!dm_parse_number(d, &n) || !eat(d, '_'))
						return dm_fail(d);
				} else if (eat(d, 'v')) {
					if (!dm_parse_number(d, &n) || !eat(d, '_') || !dm_parse_number(d, &n) || !eat(d, '_'))
						return dm_fail(d);
				} else {
					return dm_fail(d);
				}
			} else if (!dm_parse_number(d, &n) || !eat(d, '_')) {
				return dm_fail(d);
			}
		}
		struct dm_node *e = dm_parse_encoding(d);
		const char *pre = kind == 'h' ? "non-virtual thunk to " : kind == 'v' ? "virtual thunk to " :
						"covariant return thunk to ";
		return e ? dm_mk(d, dm_cat(d, pre, dm_full(d, e), NULL, NULL), NULL, DM_PLAIN) : NULL;
	}
	if (eat2(d, "TC")) {
		struct dm_node *first = dm_parse_type(d);
		long n;
		if (!first || !dm_parse_number(d, &n) || !eat(d, '_'))
			return dm_fail(d);
		struct dm_node *second = dm_parse_type(d);
		return second ? dm_mk(d, dm_cat(d, "construction vtable for ", dm_full(d, second), "-in-", dm_full(d, first)), NULL,
				    DM_PLAIN) :
				NULL;
	}
	if (eat2(d, "GR")) {
		struct dm_node *n = dm_parse_name(d, NULL);
		size_t seq = 0;
		if (!n || (look(d, 0) != '_' && !dm_parse_seq_id(d, &seq)))
			return dm_fail(d);
		eat(d, '_');
		return dm_mk(d, dm_cat(d, "reference temporary for ", dm_full(d, n), NULL, NULL), NULL, DM_PLAIN);
	}
	return dm_fail(d);
}

struct dm_node *dm_parse_encoding(struct dm *d)
{
	return parse_encoding(d, true);
}

/* `with_return_type` false: a template function's return type is parsed but not printed. */
static struct dm_node *parse_encoding(struct dm *d, bool with_return_type)
{
	if (++d->depth > DM_MAX_DEPTH)
		return dm_fail(d);
	struct dm_node *r = NULL;
	if (look(d, 0) == 'G' || look(d, 0) == 'T') {
		r = parse_special_name(d);
		d->depth--;
		return r;
	}
	struct dm_name_state st = { .cv = "", .ref = "" };
	struct dm_node *name = dm_parse_name(d, &st);
	if (!name)
		goto out;
	if (!more(d) || look(d, 0) == 'E' || look(d, 0) == '.') {
		r = name;
		goto out;
	}
	struct dm_node *ret = NULL;
	if (!st.ctor_dtor_conversion && st.ends_with_template_args && !(ret = dm_parse_type(d)))
		goto out;
	struct buf b = BUF_INIT;
	buf_addch(&b, '(');
	if (!eat(d, 'v') || (more(d) && look(d, 0) != 'E' && look(d, 0) != '.')) {
		bool first = true;
		while (more(d) && look(d, 0) != 'E' && look(d, 0) != '.') {
			struct dm_node *t = dm_parse_type(d);
			if (!t) {
				buf_release(&b);
				goto out;
			}
			const char *s = dm_full(d, t);
			if (t->kind == DM_PACK && !*s)
				continue;
			if (!first)
				buf_addstr(&b, ", ");
			buf_addstr(&b, s);
			first = false;
		}
	}
	buf_addch(&b, ')');
	const char *params = dm_cat(d, b.data, NULL, NULL, NULL);
	buf_release(&b);
	const char *pre = dm_full(d, name);
	if (!with_return_type)
		ret = NULL;
	if (ret)
		pre = dm_cat(d, ret->pre, *ret->post ? "" : " ", pre, NULL);
	r = dm_mk(d, dm_cat(d, pre, params, ret ? ret->post : "", NULL), dm_cat(d, st.cv, st.ref, NULL, NULL), DM_PLAIN);
	if (r) {
		r->pre = dm_full(d, r);
		r->post = "";
	}
out:
	d->depth--;
	return r;
}

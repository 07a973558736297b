// SPDX-License-Identifier: Apache-2.0
/* Syntax tree allocation and dumping, and the value types' sizes, equality and names. */
#include "probes/ast.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "probes/internal.h"

struct node *node_new(struct program *prog, enum node_kind kind, struct span sp)
{
	struct node *n = arena_alloc(&prog->arena, sizeof(*n));
	if (!n)
		return NULL;
	memset(n, 0, sizeof(*n));
	n->kind = kind;
	n->span = sp;
	return n;
}

int node_push(struct program *prog, struct node *n, struct node *child)
{
	/* capacity is the next power of two >= nargs */
	uint32_t cap = 0;
	if (n->nargs)
		for (cap = 4; cap < n->nargs; cap *= 2)
			;
	if (n->nargs == cap) {
		uint32_t ncap = cap ? cap * 2 : 4;
		struct node **na = arena_alloc(&prog->arena, ncap * sizeof(*na));
		if (!na)
			return -ENOMEM;
		if (n->nargs)
			memcpy(na, n->args, n->nargs * sizeof(*na));
		n->args = na;
	}
	n->args[n->nargs++] = child;
	return 0;
}

struct span span_join(struct span a, struct span b)
{
	if (b.off < a.off)
		return a;
	struct span s = a;
	s.len = b.off + b.len - a.off;
	return s;
}

void program_free(struct program *prog)
{
	if (!prog)
		return;
	arena_release(&prog->arena);
	free(prog);
}

/* ---- types ----------------------------------------------------------------------------------- */

uint32_t type_mem_size(const struct type *t)
{
	switch (t->kind) {
	case TY_INT:
	case TY_PTR:
	case TY_KSTACK:
	case TY_KSYM:
	case TY_PROBE:
	case TY_USERNAME:
	case TY_COUNT:
	case TY_SUM:
		return 8;
	case TY_STR:
		return t->size;
	case TY_TUPLE:
		return t->size;
	case TY_MIN:
	case TY_MAX:
		return 8;
	case TY_USTACK:
	case TY_USYM:
	case TY_AVG:
	case TY_STATS:
		return 16;
	case TY_INET:
		return 24;
	case TY_HIST:
		return 65 * 8;
	case TY_LHIST:
		return t->lstep > 0 && t->lmax > t->lmin ? (uint32_t)(((t->lmax - t->lmin) / t->lstep + 2) * 8) : 8;
	default:
		return 0;
	}
}

bool type_is_agg(const struct type *t)
{
	return t->kind >= TY_COUNT && t->kind <= TY_LHIST;
}

bool type_equal(const struct type *a, const struct type *b)
{
	if (a->kind != b->kind)
		return false;
	switch (a->kind) {
	case TY_INT:
		return a->size == b->size && a->is_signed == b->is_signed;
	case TY_STR:
		return a->size == b->size;
	case TY_TUPLE:
		if (a->nelems != b->nelems)
			return false;
		for (uint32_t i = 0; i < a->nelems; i++)
			if (!type_equal(&a->elems[i], &b->elems[i]))
				return false;
		return true;
	case TY_KSTACK:
	case TY_USTACK:
		return a->stack_limit == b->stack_limit && a->stack_mode == b->stack_mode;
	case TY_LHIST:
		return a->lmin == b->lmin && a->lmax == b->lmax && a->lstep == b->lstep;
	case TY_SUM:
		return true;
	default:
		return true;
	}
}

bool type_compatible(const struct type *a, const struct type *b)
{
	if (a->kind != b->kind)
		return false;
	if (a->kind == TY_TUPLE) {
		if (a->nelems != b->nelems)
			return false;
		for (uint32_t i = 0; i < a->nelems; i++)
			if (!type_compatible(&a->elems[i], &b->elems[i]))
				return false;
		return true;
	}
	if (a->kind == TY_INT || a->kind == TY_STR || a->kind == TY_SUM || a->kind == TY_PTR)
		return true;
	return type_equal(a, b);
}

void type_print(const struct type *t, struct buf *out)
{
	switch (t->kind) {
	case TY_NONE: buf_addstr(out, "none"); break;
	case TY_INT: buf_addf(out, "%sint%u", t->is_signed ? "" : "u", t->size * 8); break;
	case TY_STR: buf_addf(out, "string[%u]", t->size); break;
	case TY_TUPLE:
		buf_addch(out, '(');
		for (uint32_t i = 0; i < t->nelems; i++) {
			if (i)
				buf_addch(out, ',');
			type_print(&t->elems[i], out);
		}
		buf_addch(out, ')');
		break;
	case TY_KSTACK: buf_addstr(out, "kstack"); break;
	case TY_USTACK: buf_addstr(out, "ustack"); break;
	case TY_KSYM: buf_addstr(out, "ksym"); break;
	case TY_USYM: buf_addstr(out, "usym"); break;
	case TY_INET: buf_addstr(out, "inet"); break;
	case TY_PROBE: buf_addstr(out, "probe"); break;
	case TY_USERNAME: buf_addstr(out, "username"); break;
	case TY_PTR:
		if (t->btf && t->btf->name)
			buf_addf(out, "%s *", t->btf->name);
		else
			buf_addstr(out, "pointer");
		break;
	case TY_ARGS: buf_addstr(out, "args"); break;
	case TY_RECORD: buf_addstr(out, t->btf && t->btf->name ? t->btf->name : "struct"); break;
	case TY_STACKMODE: buf_addstr(out, "stack mode"); break;
	case TY_COUNT: buf_addstr(out, "count"); break;
	case TY_SUM: buf_addstr(out, "sum"); break;
	case TY_AVG: buf_addstr(out, "avg"); break;
	case TY_MIN: buf_addstr(out, "min"); break;
	case TY_MAX: buf_addstr(out, "max"); break;
	case TY_STATS: buf_addstr(out, "stats"); break;
	case TY_HIST: buf_addstr(out, "hist"); break;
	case TY_LHIST: buf_addstr(out, "lhist"); break;
	}
}

int type_make_tuple(struct arena *a, const struct type *elems, uint32_t n, struct type *out)
{
	struct type *e = arena_alloc(a, (n ? n : 1) * sizeof(*e));
	uint32_t *offs = arena_alloc(a, (n ? n : 1) * sizeof(*offs));
	if (!e || !offs)
		return -ENOMEM;
	uint32_t off = 0;
	for (uint32_t i = 0; i < n; i++) {
		e[i] = elems[i];
		offs[i] = off;
		off += (type_mem_size(&elems[i]) + 7) & ~7u;
	}
	memset(out, 0, sizeof(*out));
	out->kind = TY_TUPLE;
	out->elems = e;
	out->offs = offs;
	out->nelems = n;
	out->size = off;
	return 0;
}

/* ---- dump ------------------------------------------------------------------------------------- */

static void indent(struct buf *out, int depth)
{
	for (int i = 0; i < depth; i++)
		buf_addstr(out, "  ");
}

static const char *kind_name(enum node_kind k)
{
	static const char *const names[] = {
		[N_INT] = "int", [N_STR] = "string", [N_BUILTIN] = "builtin", [N_IDENT] = "ident",
		[N_VAR] = "variable", [N_PARAM] = "param", [N_MAP] = "map", [N_CALL] = "call",
		[N_BINOP] = "binop", [N_UNOP] = "unop", [N_TERNARY] = "?:", [N_FIELD] = "field",
		[N_INDEX] = "index", [N_CAST] = "cast", [N_TUPLE] = "tuple", [N_ASSIGN] = "assign",
		[N_INCDEC] = "incdec", [S_EXPR] = "expr", [S_IF] = "if", [S_BLOCK] = "block",
		[S_UNROLL] = "unroll", [S_WHILE] = "while", [S_JUMP] = "jump",
	};
	return names[k];
}

static void dump_node(const struct node *n, struct buf *out, int depth)
{
	if (!n)
		return;
	indent(out, depth);
	buf_addstr(out, kind_name(n->kind));
	switch (n->kind) {
	case N_INT: buf_addf(out, " %lld", (long long)n->ival); break;
	case N_STR:
		buf_addstr(out, " \"");
		for (size_t i = 0; i < n->len; i++) {
			unsigned char c = (unsigned char)n->str[i];
			if (c < 0x20 || c == '"' || c == '\\' || c >= 0x7f)
				buf_addf(out, "\\x%02x", c);
			else
				buf_addch(out, (char)c);
		}
		buf_addch(out, '"');
		break;
	case N_PARAM: buf_addf(out, n->op == T_PARAMCOUNT ? " $#" : " $%lld", (long long)n->ival); break;
	case N_BINOP: case N_UNOP: case N_ASSIGN: case N_INCDEC: case S_JUMP:
		buf_addf(out, " %s", tok_name(n->op));
		break;
	case N_CAST: buf_addf(out, " %s%s", n->str, n->ival ? " *" : ""); break;
	case N_FIELD:
		if (n->str)
			buf_addf(out, " %s%s", n->op == T_ARROW ? "->" : ".", n->str);
		else
			buf_addf(out, " .%lld", (long long)n->ival);
		break;
	default:
		if (n->str)
			buf_addf(out, " %s", n->str);
	}
	if (n->ty.kind != TY_NONE) {
		buf_addstr(out, " :: ");
		type_print(&n->ty, out);
	}
	buf_addch(out, '\n');
	dump_node(n->a, out, depth + 1);
	dump_node(n->b, out, depth + 1);
	dump_node(n->c, out, depth + 1);
	for (uint32_t i = 0; i < n->nargs; i++)
		dump_node(n->args[i], out, depth + 1);
}

void program_dump(const struct program *prog, struct buf *out)
{
	buf_addstr(out, "Program\n");
	for (uint32_t i = 0; i < prog->nprobes; i++) {
		const struct probe *p = prog->probes[i];
		for (uint32_t j = 0; j < p->naps; j++)
			buf_addf(out, " %s\n", p->aps[j]->raw);
		if (p->pred) {
			buf_addstr(out, "  predicate\n");
			dump_node(p->pred, out, 2);
		}
		dump_node(p->body, out, 1);
	}
}

// SPDX-License-Identifier: Apache-2.0
/* Recursive-descent parser for the bpftrace dialect: probes, predicates, statements, C-precedence expressions. */
#include "probes/internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probes/builtins.h"

struct parser {
	struct lexer lx;
	struct token tok;
	struct diag *d;
	struct program *prog;
	bool failed;
	uint32_t depth;		/* nesting, bounded so hostile input cannot exhaust the C stack */
};

#define MAX_DEPTH 200

static void next(struct parser *p)
{
	lexer_next(&p->lx, &p->tok);
	if (p->tok.kind == T_ERROR)
		p->failed = true;
}

static void next_attach(struct parser *p)
{
	lexer_next_attach(&p->lx, &p->tok);
	if (p->tok.kind == T_ERROR)
		p->failed = true;
}

static struct node *fail_at(struct parser *p, struct span sp, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static struct node *fail_at(struct parser *p, struct span sp, const char *fmt, ...)
{
	if (!p->failed) {
		va_list ap;
		va_start(ap, fmt);
		diag_verror(p->d, sp, fmt, ap);
		va_end(ap);
	}
	p->failed = true;
	return NULL;
}

/* "expected X, found Y" at the current token. */
static struct node *unexpected(struct parser *p, const char *expected)
{
	char found[64];
	if (p->tok.kind == T_EOF)
		snprintf(found, sizeof(found), "end of input");
	else if (p->tok.kind == T_IDENT || p->tok.kind == T_INT || p->tok.kind == T_VAR || p->tok.kind == T_MAP)
		snprintf(found, sizeof(found), "'%.*s'", (int)(p->tok.len > 40 ? 40 : p->tok.len), p->tok.text);
	else
		snprintf(found, sizeof(found), "%s", tok_name(p->tok.kind));
	struct span sp = p->tok.span;
	if (sp.len == 0)
		sp.len = 1;
	return fail_at(p, sp, "expected %s, found %s", expected, found);
}

static bool expect(struct parser *p, enum tok kind, const char *what)
{
	if (p->failed)
		return false;
	if (p->tok.kind != kind) {
		unexpected(p, what);
		return false;
	}
	next(p);
	return true;
}

static struct node *mk(struct parser *p, enum node_kind kind, struct span sp)
{
	struct node *n = node_new(p->prog, kind, sp);
	if (!n)
		fail_at(p, sp, "out of memory");
	return n;
}

static struct node *push(struct parser *p, struct node *parent, struct node *child)
{
	if (!parent || !child)
		return NULL;
	if (node_push(p->prog, parent, child) < 0)
		return fail_at(p, child->span, "out of memory");
	return parent;
}

static struct node *parse_expr(struct parser *p);
static struct node *parse_cast(struct parser *p);
static struct node *parse_block(struct parser *p, bool top_level);

static char *tok_dup(struct parser *p)
{
	char *s = arena_strndup(&p->prog->arena, p->tok.text, p->tok.len);
	if (!s)
		fail_at(p, p->tok.span, "out of memory");
	return s;
}

/* vargs: expr (',' expr)* up to `close`; appends to n->args. */
static struct node *parse_args(struct parser *p, struct node *n, enum tok close, const char *what)
{
	if (p->tok.kind == close) {
		next(p);
		return n;
	}
	for (;;) {
		struct node *e = parse_expr(p);
		if (!e || !push(p, n, e))
			return NULL;
		if (p->tok.kind == T_COMMA) {
			next(p);
			continue;
		}
		if (!expect(p, close, what))
			return NULL;
		return n;
	}
}

/* Is the current '(' the start of a cast "(type)" / "(type *)" / "(struct x *)"? Peeks without consuming. */
static bool at_cast(struct parser *p)
{
	struct lexer save = p->lx;
	struct token t;
	int errs = p->d->nerrors;
	size_t outlen = p->d->out.len;
	bool cast = false;

	lexer_next(&p->lx, &t);
	if (t.kind != T_IDENT)
		goto out;
	bool tagged = (t.len == 6 && (memcmp(t.text, "struct", 6) == 0)) || (t.len == 5 && memcmp(t.text, "union", 5) == 0) ||
		      (t.len == 4 && memcmp(t.text, "enum", 4) == 0);
	if (tagged) {
		lexer_next(&p->lx, &t);
		if (t.kind != T_IDENT)
			goto out;
	} else if (builtin_find(t.text, t.len, BUILTIN_VAR)) {
		goto out;
	}
	lexer_next(&p->lx, &t);
	while (t.kind == T_MUL)
		lexer_next(&p->lx, &t);
	if (t.kind != T_RPAREN)
		goto out;
	lexer_next(&p->lx, &t);
	switch (t.kind) {
	case T_INT: case T_STR: case T_IDENT: case T_VAR: case T_MAP: case T_PARAM: case T_PARAMCOUNT:
	case T_LPAREN: case T_MINUS: case T_NOT: case T_BNOT: case T_MUL: case T_INC: case T_DEC:
		cast = true;
		break;
	default:
		break;
	}
out:
	p->lx = save;
	/* errors seen while peeking will be reported again when the text is lexed for real */
	if (p->d->nerrors != errs) {
		p->d->nerrors = errs;
		buf_truncate(&p->d->out, outlen);
		cast = false;
	}
	return cast;
}

static struct node *parse_primary(struct parser *p)
{
	struct token t = p->tok;
	struct node *n;

	switch (t.kind) {
	case T_INT:
		n = mk(p, N_INT, t.span);
		if (n)
			n->ival = (int64_t)t.ival;
		next(p);
		return n;
	case T_STR:
		n = mk(p, N_STR, t.span);
		if (n) {
			n->str = t.sval;
			n->len = t.slen;
		}
		next(p);
		return n;
	case T_PARAM:
	case T_PARAMCOUNT:
		n = mk(p, N_PARAM, t.span);
		if (n) {
			n->ival = t.kind == T_PARAM ? (int64_t)t.ival : 0;
			n->op = t.kind;
		}
		next(p);
		return n;
	case T_VAR:
		n = mk(p, N_VAR, t.span);
		if (n)
			n->str = tok_dup(p), n->len = t.len;
		next(p);
		return n;
	case T_MAP:
		n = mk(p, N_MAP, t.span);
		if (!n)
			return NULL;
		n->str = tok_dup(p);
		n->len = t.len;
		next(p);
		if (p->tok.kind == T_LBRACKET) {
			struct span open = p->tok.span;
			next(p);
			if (p->tok.kind == T_RBRACKET)
				return fail_at(p, span_join(open, p->tok.span), "empty map key: write @m without brackets for a scalar map");
			if (!parse_args(p, n, T_RBRACKET, "']' or ','"))
				return NULL;
			n->span = span_join(t.span, open);
		}
		return n;
	case T_IDENT:
		next(p);
		if (p->tok.kind == T_LPAREN) {
			n = mk(p, N_CALL, t.span);
			if (!n)
				return NULL;
			n->str = arena_strndup(&p->prog->arena, t.text, t.len);
			n->len = t.len;
			next(p);
			return parse_args(p, n, T_RPAREN, "')' or ','");
		}
		n = mk(p, builtin_find(t.text, t.len, BUILTIN_VAR) ? N_BUILTIN : N_IDENT, t.span);
		if (n) {
			n->str = arena_strndup(&p->prog->arena, t.text, t.len);
			n->len = t.len;
		}
		return n;
	case T_LPAREN: {
		next(p);
		struct node *e = parse_expr(p);
		if (!e)
			return NULL;
		if (p->tok.kind == T_COMMA) {
			n = mk(p, N_TUPLE, t.span);
			if (!push(p, n, e))
				return NULL;
			next(p);
			if (!parse_args(p, n, T_RPAREN, "')' or ','"))
				return NULL;
			return n;
		}
		if (!expect(p, T_RPAREN, "')'"))
			return NULL;
		return e;
	}
	default:
		return unexpected(p, "an expression");
	}
}

static struct node *parse_postfix(struct parser *p)
{
	struct node *e = parse_primary(p);
	while (e && !p->failed) {
		struct token t = p->tok;
		if (t.kind == T_DOT || t.kind == T_ARROW) {
			next(p);
			struct node *f = mk(p, N_FIELD, t.span);
			if (!f)
				return NULL;
			f->a = e;
			f->op = t.kind;
			if (p->tok.kind == T_INT && t.kind == T_DOT) {
				f->ival = (int64_t)p->tok.ival;
				f->str = NULL;
				f->span = span_join(t.span, p->tok.span);
			} else if (p->tok.kind == T_IDENT) {
				f->str = tok_dup(p);
				f->len = p->tok.len;
				f->span = p->tok.span;
			} else {
				return unexpected(p, "a field name");
			}
			next(p);
			e = f;
		} else if (t.kind == T_LBRACKET) {
			next(p);
			struct node *ix = mk(p, N_INDEX, t.span);
			if (!ix)
				return NULL;
			ix->a = e;
			ix->b = parse_expr(p);
			if (!ix->b || !expect(p, T_RBRACKET, "']'"))
				return NULL;
			e = ix;
		} else if (t.kind == T_INC || t.kind == T_DEC) {
			if (e->kind != N_VAR && e->kind != N_MAP)
				return fail_at(p, t.span, "the %s operator must be applied to a map or a variable",
					       t.kind == T_INC ? "++" : "--");
			next(p);
			struct node *u = mk(p, N_INCDEC, t.span);
			if (!u)
				return NULL;
			u->a = e;
			u->op = t.kind;
			u->postfix = true;
			e = u;
		} else {
			break;
		}
	}
	return e;
}

static struct node *parse_unary(struct parser *p)
{
	struct token t = p->tok;
	if (++p->depth > MAX_DEPTH) {
		p->depth--;
		return fail_at(p, t.span, "expression nested too deeply");
	}
	struct node *n = NULL;
	switch (t.kind) {
	case T_MINUS:
	case T_NOT:
	case T_BNOT:
	case T_MUL:
		next(p);
		n = mk(p, N_UNOP, t.span);
		if (n) {
			n->op = t.kind;
			n->a = parse_cast(p);
			if (!n->a)
				n = NULL;
		}
		break;
	case T_INC:
	case T_DEC:
		next(p);
		if (p->tok.kind != T_VAR && p->tok.kind != T_MAP) {
			n = fail_at(p, t.span, "the %s operator must be applied to a map or a variable",
				    t.kind == T_INC ? "++" : "--");
			break;
		}
		n = mk(p, N_INCDEC, t.span);
		if (n) {
			n->op = t.kind;
			n->a = parse_postfix(p);
			if (!n->a)
				n = NULL;
			else if (n->a->kind != N_VAR && n->a->kind != N_MAP)
				/* --@n++ or ++@m[k]++: the operand is itself an expression, not a map or variable */
				n = fail_at(p, t.span, "the %s operator must be applied to a map or a variable",
					    t.kind == T_INC ? "++" : "--");
		}
		break;
	default:
		n = parse_postfix(p);
	}
	p->depth--;
	return n;
}

static struct node *parse_cast(struct parser *p)
{
	if (p->tok.kind != T_LPAREN || !at_cast(p))
		return parse_unary(p);
	struct span open = p->tok.span;
	next(p);
	struct buf name = BUF_INIT;
	if (p->tok.len == 6 && memcmp(p->tok.text, "struct", 6) == 0) {
		buf_addstr(&name, "struct ");
		next(p);
	} else if (p->tok.len == 5 && memcmp(p->tok.text, "union", 5) == 0) {
		buf_addstr(&name, "union ");
		next(p);
	} else if (p->tok.len == 4 && memcmp(p->tok.text, "enum", 4) == 0) {
		buf_addstr(&name, "enum ");
		next(p);
	}
	buf_add(&name, p->tok.text, p->tok.len);
	next(p);
	int depth = 0;
	while (p->tok.kind == T_MUL) {
		depth++;
		next(p);
	}
	struct span close = p->tok.span;
	next(p); /* ')' (checked by at_cast) */
	struct node *n = mk(p, N_CAST, span_join(open, close));
	if (n) {
		n->str = arena_strndup(&p->prog->arena, name.data, name.len);
		n->len = name.len;
		n->ival = depth;
		if (++p->depth > MAX_DEPTH)
			n = fail_at(p, open, "expression nested too deeply");
		else
			n->a = parse_cast(p);
		p->depth--;
		if (n && !n->a)
			n = NULL;
	}
	buf_release(&name);
	return n;
}

/* Binary operator levels, lowest precedence first. */
static const enum tok levels[][5] = {
	{ T_LOR }, { T_LAND }, { T_BOR }, { T_BXOR }, { T_BAND }, { T_EQ, T_NE },
	{ T_LT, T_LE, T_GT, T_GE }, { T_SHL, T_SHR }, { T_PLUS, T_MINUS }, { T_MUL, T_DIV, T_MOD },
};
#define NLEVELS (sizeof(levels) / sizeof(levels[0]))

static bool in_level(size_t level, enum tok k)
{
	for (size_t i = 0; i < 5 && levels[level][i]; i++)
		if (levels[level][i] == k)
			return true;
	return false;
}

static struct node *parse_binary(struct parser *p, size_t level)
{
	if (level == NLEVELS)
		return parse_cast(p);
	struct node *l = parse_binary(p, level + 1);
	while (l && !p->failed && in_level(level, p->tok.kind)) {
		struct token op = p->tok;
		next(p);
		struct node *r = parse_binary(p, level + 1);
		if (!r)
			return NULL;
		struct node *b = mk(p, N_BINOP, op.span);
		if (!b)
			return NULL;
		b->op = op.kind;
		b->a = l;
		b->b = r;
		l = b;
	}
	return l;
}

static struct node *parse_expr(struct parser *p)
{
	if (++p->depth > MAX_DEPTH) {
		p->depth--;
		return fail_at(p, p->tok.span, "expression nested too deeply");
	}
	struct node *c = parse_binary(p, 0);
	if (c && p->tok.kind == T_QUES) {
		struct node *t = mk(p, N_TERNARY, p->tok.span);
		next(p);
		if (t) {
			t->a = c;
			t->b = parse_expr(p);
			if (t->b && expect(p, T_COLON, "':'"))
				t->c = parse_expr(p);
			c = t->c ? t : NULL;
		} else {
			c = NULL;
		}
	}
	p->depth--;
	return p->failed ? NULL : c;
}

static enum tok compound_op(enum tok k)
{
	switch (k) {
	case T_PLUS_ASSIGN: return T_PLUS;
	case T_MINUS_ASSIGN: return T_MINUS;
	case T_MUL_ASSIGN: return T_MUL;
	case T_DIV_ASSIGN: return T_DIV;
	case T_MOD_ASSIGN: return T_MOD;
	case T_AND_ASSIGN: return T_BAND;
	case T_OR_ASSIGN: return T_BOR;
	case T_XOR_ASSIGN: return T_BXOR;
	case T_SHL_ASSIGN: return T_SHL;
	case T_SHR_ASSIGN: return T_SHR;
	case T_ASSIGN: return T_ASSIGN;
	default: return T_EOF;
	}
}

static struct node *parse_stmt(struct parser *p);

/* if (cond) { ... } [else if ... | else { ... }] */
static struct node *parse_if(struct parser *p)
{
	struct node *n = mk(p, S_IF, p->tok.span);
	next(p);
	if (!n || !expect(p, T_LPAREN, "'(' after 'if'"))
		return NULL;
	n->a = parse_expr(p);
	if (!n->a || !expect(p, T_RPAREN, "')'"))
		return NULL;
	n->b = parse_block(p, false);
	if (!n->b)
		return NULL;
	if (p->tok.kind == T_ELSE) {
		next(p);
		if (p->tok.kind == T_IF) {
			struct node *blk = mk(p, S_BLOCK, p->tok.span);
			struct node *inner = parse_if(p);
			if (!inner || !push(p, blk, inner))
				return NULL;
			n->c = blk;
		} else {
			n->c = parse_block(p, false);
			if (!n->c)
				return NULL;
		}
	}
	return n;
}

static struct node *parse_stmt(struct parser *p)
{
	struct token t = p->tok;
	struct node *n;

	if (++p->depth > MAX_DEPTH) {
		p->depth--;
		return fail_at(p, t.span, "statements nested too deeply");
	}
	switch (t.kind) {
	case T_IF:
		n = parse_if(p);
		break;
	case T_UNROLL:
	case T_WHILE:
		n = mk(p, t.kind == T_UNROLL ? S_UNROLL : S_WHILE, t.span);
		next(p);
		if (!n || !expect(p, T_LPAREN, t.kind == T_UNROLL ? "'(' after 'unroll'" : "'(' after 'while'")) {
			n = NULL;
			break;
		}
		n->a = parse_expr(p);
		if (!n->a || !expect(p, T_RPAREN, "')'")) {
			n = NULL;
			break;
		}
		n->b = parse_block(p, false);
		if (!n->b)
			n = NULL;
		break;
	case T_RETURN:
	case T_BREAK:
	case T_CONTINUE:
		n = mk(p, S_JUMP, t.span);
		if (n)
			n->op = t.kind;
		next(p);
		break;
	default: {
		struct node *e = parse_expr(p);
		if (!e) {
			n = NULL;
			break;
		}
		enum tok op = compound_op(p->tok.kind);
		if (op != T_EOF) {
			struct token at = p->tok;
			if (e->kind == N_FIELD && !e->str)
				n = fail_at(p, span_join(e->span, at.span), 
					    "tuples are immutable once created: build a new tuple and assign it");
			else if (e->kind != N_MAP && e->kind != N_VAR)
				n = fail_at(p, at.span, "can only assign to a map (@m) or a variable ($v)");
			else
				n = mk(p, N_ASSIGN, at.span);
			if (!n)
				break;
			next(p);
			n->op = op;
			n->a = e;
			n->b = parse_expr(p);
			if (!n->b)
				n = NULL;
			break;
		}
		n = mk(p, S_EXPR, e->span);
		if (n)
			n->a = e;
		break;
	}
	}
	p->depth--;
	return p->failed ? NULL : n;
}

/* '{' statements '}'; a top-level block reads an attach point after its '}'. */
static struct node *parse_block(struct parser *p, bool top_level)
{
	struct node *blk = mk(p, S_BLOCK, p->tok.span);
	if (!blk || !expect(p, T_LBRACE, "'{'"))
		return NULL;
	for (;;) {
		if (p->failed)
			return NULL;
		if (p->tok.kind == T_RBRACE)
			break;
		if (p->tok.kind == T_SEMI) {
			next(p);
			continue;
		}
		if (p->tok.kind == T_EOF)
			return unexpected(p, "'}'");
		struct node *s = parse_stmt(p);
		if (!s || !push(p, blk, s))
			return NULL;
		if (s->kind == S_IF || s->kind == S_UNROLL || s->kind == S_WHILE)
			continue;
		if (p->tok.kind == T_SEMI) {
			next(p);
		} else if (p->tok.kind != T_RBRACE) {
			unexpected(p, "';' or '}'");
			return NULL;
		}
	}
	if (top_level)
		next_attach(p);
	else
		next(p);
	return p->failed ? NULL : blk;
}

static int split_attach(struct parser *p, struct attach_point *ap)
{
	const char *s = ap->raw;
	/* at most 4 parts; a uprobe path keeps its own ':'-free text, the last part takes the rest */
	ap->nparts = 0;
	while (ap->nparts < 4) {
		const char *colon = ap->nparts == 3 ? NULL : strchr(s, ':');
		size_t n = colon ? (size_t)(colon - s) : strlen(s);
		ap->parts[ap->nparts] = arena_strndup(&p->prog->arena, s, n);
		if (!ap->parts[ap->nparts])
			return -ENOMEM;
		ap->nparts++;
		if (!colon)
			break;
		s = colon + 1;
	}
	return 0;
}

static struct probe *parse_probe(struct parser *p)
{
	struct probe *pr = arena_alloc(&p->prog->arena, sizeof(*pr));
	if (!pr)
		return (struct probe *)fail_at(p, p->tok.span, "out of memory");
	memset(pr, 0, sizeof(*pr));
	pr->span = p->tok.span;
	uint32_t cap = 0;
	for (;;) {
		if (p->tok.kind != T_ATTACH) {
			unexpected(p, "an attach point (e.g. tracepoint:sched:sched_switch)");
			return NULL;
		}
		struct attach_point *ap = arena_alloc(&p->prog->arena, sizeof(*ap));
		if (!ap)
			return (struct probe *)fail_at(p, p->tok.span, "out of memory");
		memset(ap, 0, sizeof(*ap));
		ap->span = p->tok.span;
		ap->raw = p->tok.sval;
		if (split_attach(p, ap) < 0)
			return (struct probe *)fail_at(p, p->tok.span, "out of memory");
		if (pr->naps == cap) {
			uint32_t ncap = cap ? cap * 2 : 4;
			struct attach_point **na = arena_alloc(&p->prog->arena, ncap * sizeof(*na));
			if (!na)
				return (struct probe *)fail_at(p, p->tok.span, "out of memory");
			if (cap)
				memcpy(na, pr->aps, cap * sizeof(*na));
			pr->aps = na;
			cap = ncap;
		}
		pr->aps[pr->naps++] = ap;
		next(p);
		if (p->failed)
			return NULL;
		if (p->tok.kind == T_COMMA) {
			next_attach(p);
			if (p->failed)
				return NULL;
			continue;
		}
		break;
	}
	if (p->tok.kind == T_DIV) {
		next(p);
		pr->pred = parse_expr(p);
		if (!pr->pred)
			return NULL;
		if (p->tok.kind != T_ENDPRED) {
			unexpected(p, "'/' closing the predicate, then '{'");
			return NULL;
		}
		next(p);
	} else if (p->tok.kind == T_ENDPRED) {
		unexpected(p, "'{'");
		return NULL;
	}
	if (p->tok.kind != T_LBRACE) {
		unexpected(p, p->tok.kind == T_EOF ? "'{' after the attach point" : "'{', ',' or a predicate /.../");
		return NULL;
	}
	pr->body = parse_block(p, true);
	return pr->body ? pr : NULL;
}

struct program *parse_program(const char *src, size_t len, struct diag *d)
{
	struct program *prog = calloc(1, sizeof(*prog));
	if (!prog)
		return NULL;
	arena_init(&prog->arena);
	struct parser p = { .d = d, .prog = prog };
	lexer_init(&p.lx, src, len, d, &prog->arena);
	next_attach(&p);
	uint32_t cap = 0;
	while (!p.failed && p.tok.kind != T_EOF) {
		struct probe *pr = parse_probe(&p);
		if (!pr)
			break;
		if (prog->nprobes == cap) {
			uint32_t ncap = cap ? cap * 2 : 8;
			struct probe **np = arena_alloc(&prog->arena, ncap * sizeof(*np));
			if (!np) {
				fail_at(&p, pr->span, "out of memory");
				break;
			}
			if (cap)
				memcpy(np, prog->probes, cap * sizeof(*np));
			prog->probes = np;
			cap = ncap;
		}
		pr->index = prog->nprobes;
		prog->probes[prog->nprobes++] = pr;
	}
	if (!p.failed && prog->nprobes == 0) {
		struct span sp = { .line = 1, .col = 1, .off = 0, .len = 0 };
		fail_at(&p, sp, "no probes: a program is one or more 'PROBE [/PREDICATE/] { ACTIONS }'");
	}
	if (p.failed || d->nerrors) {
		program_free(prog);
		return NULL;
	}
	return prog;
}

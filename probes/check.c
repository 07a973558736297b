// SPDX-License-Identifier: Apache-2.0
/* Semantic pass: maps, variables, statements and probe instances; expressions are in check_expr.c. */
#include "probes/check.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>
#include <linux/bpf.h>

#include "lib/err.h"
#include "probes/builtins.h"
#include "probes/tracepoint.h"

#define DEFAULT_MAP_ENTRIES 4096

/* Grow an array of pointers by doubling. Returns 0 or -ENOMEM. */
static int grow(void **arr, uint32_t *cap, uint32_t n, size_t elem)
{
	if (n < *cap)
		return 0;
	uint32_t ncap = *cap ? *cap * 2 : 8;
	void *na = realloc(*arr, (size_t)ncap * elem);
	if (!na)
		return -ENOMEM;
	*arr = na;
	*cap = ncap;
	return 0;
}

int checker_init(struct checker *c, struct program *prog, struct diag *d)
{
	memset(c, 0, sizeof(*c));
	c->prog = prog;
	c->d = d;
	c->map_max_entries = DEFAULT_MAP_ENTRIES;
	static const struct bmap fixed[BMAP_FIXED_COUNT] = {
		[BMAP_EVENTS] = { .name = "events", .type = BPF_MAP_TYPE_RINGBUF, .max_entries = 1 << 20, .fd = -1 },
		[BMAP_SCRATCH] = { .name = "scratch", .type = BPF_MAP_TYPE_PERCPU_ARRAY, .key_size = 4, .fd = -1 },
		[BMAP_LOST] = { .name = "lost", .type = BPF_MAP_TYPE_PERCPU_ARRAY, .key_size = 4, .value_size = 8,
				.max_entries = 1, .fd = -1 },
		[BMAP_CTL] = { .name = "ctl", .type = BPF_MAP_TYPE_ARRAY, .key_size = 4, .value_size = 8,
			       .max_entries = 1, .fd = -1 },
		[BMAP_PIDS] = { .name = "pids", .type = BPF_MAP_TYPE_LRU_HASH, .key_size = 4, .value_size = 8,
				.max_entries = 4096, .fd = -1 },
	};
	if (grow((void **)&c->bmaps, &c->bmaps_cap, BMAP_FIXED_COUNT, sizeof(*c->bmaps)) < 0)
		return -ENOMEM;
	memcpy(c->bmaps, fixed, sizeof(fixed));
	c->nbmaps = BMAP_FIXED_COUNT;
	return 0;
}

void checker_release(struct checker *c)
{
	for (uint32_t i = 0; i < c->nmaps; i++)
		free(c->maps[i]);
	free(c->maps);
	for (uint32_t i = 0; i < c->ninsts; i++) {
		struct probe_inst *pi = c->insts[i];
		free(pi->name);
		free(pi->target);
		free(pi->func);
		free(pi->insns);
		free(pi->fds);
		free(pi);
	}
	free(c->insts);
	for (uint32_t i = 0; i < c->nfmts; i++)
		free(c->fmts[i]);
	free(c->fmts);
	free(c->bmaps);
	for (uint32_t i = 0; i < c->ntps; i++)
		tp_format_free(c->tps[i]);
	free(c->tps);
	for (uint32_t i = 0; i < c->nvars; i++)
		free(c->vars[i]);
	free(c->vars);
	btf__free(c->btf);
	memset(c, 0, sizeof(*c));
}

int check_error(struct checker *c, const struct node *n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = diag_verror(c->d, n->span, fmt, ap);
	va_end(ap);
	return r;
}

struct probe_inst *checker_add_inst(struct checker *c, struct probe *probe, struct attach_point *ap,
				    const char *name, const char *target, const char *func)
{
	if (grow((void **)&c->insts, &c->insts_cap, c->ninsts, sizeof(*c->insts)) < 0)
		return NULL;
	struct probe_inst *pi = calloc(1, sizeof(*pi));
	if (!pi)
		return NULL;
	pi->probe = probe;
	pi->ap = ap;
	pi->prov = ap->prov;
	pi->name = strdup(name);
	pi->target = strdup(target ? target : "");
	pi->func = strdup(func ? func : "");
	pi->prog_fd = -1;
	if (!pi->name || !pi->target || !pi->func) {
		free(pi->name);
		free(pi->target);
		free(pi->func);
		free(pi);
		return NULL;
	}
	pi->index = c->ninsts;
	c->insts[c->ninsts++] = pi;
	return pi;
}

int checker_add_fmt(struct checker *c, const char *fmt, const struct type *args)
{
	if (grow((void **)&c->fmts, &c->fmts_cap, c->nfmts, sizeof(*c->fmts)) < 0)
		return -ENOMEM;
	struct fmt_event *f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	f->fmt = fmt;
	f->args = *args;
	f->id = c->nfmts;
	c->fmts[c->nfmts++] = f;
	return (int)f->id;
}

static int add_bmap(struct checker *c, const struct bmap *m)
{
	if (grow((void **)&c->bmaps, &c->bmaps_cap, c->nbmaps, sizeof(*c->bmaps)) < 0)
		return -ENOMEM;
	c->bmaps[c->nbmaps] = *m;
	return (int)c->nbmaps++;
}

int checker_stack_map(struct checker *c, uint32_t limit, bool user)
{
	for (uint32_t i = 0; i < c->nbmaps; i++)
		if (c->bmaps[i].type == BPF_MAP_TYPE_STACK_TRACE && c->bmaps[i].stack_limit == limit &&
		    c->bmaps[i].user_stack == user)
			return (int)i;
	struct bmap m = {
		.name = user ? "ustack" : "kstack",
		.type = BPF_MAP_TYPE_STACK_TRACE,
		.key_size = 4,
		.value_size = limit * 8,
		.max_entries = c->map_max_entries,
		.stack_limit = limit,
		.user_stack = user,
		.fd = -1,
	};
	return add_bmap(c, &m);
}

const struct tp_format *checker_tracepoint(struct checker *c, const char *cat, const char *name, struct errbuf *err)
{
	for (uint32_t i = 0; i < c->ntps; i++)
		if (strcmp(c->tps[i]->category, cat) == 0 && strcmp(c->tps[i]->name, name) == 0)
			return c->tps[i];
	if (grow((void **)&c->tps, &c->tps_cap, c->ntps, sizeof(*c->tps)) < 0) {
		errbuf_set(err, -ENOMEM, "out of memory");
		return NULL;
	}
	struct tp_format *f = tp_format_load(cat, name, err);
	if (f)
		c->tps[c->ntps++] = f;
	return f;
}

struct map_info *checker_map(struct checker *c, struct node *n)
{
	for (uint32_t i = 0; i < c->nmaps; i++)
		if (strcmp(c->maps[i]->name, n->str) == 0)
			return c->maps[i];
	if (grow((void **)&c->maps, &c->maps_cap, c->nmaps, sizeof(*c->maps)) < 0)
		return NULL;
	struct map_info *m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->name = n->str;
	m->id = c->nmaps;
	m->first = n->span;
	m->nkeys = n->nargs;
	struct bmap b = { .name = n->str, .type = BPF_MAP_TYPE_HASH, .user = m, .fd = -1 };
	int id = add_bmap(c, &b);
	if (id < 0) {
		free(m);
		return NULL;
	}
	m->bmap = id;
	c->maps[c->nmaps++] = m;
	return m;
}

/* ---- variables ---------------------------------------------------------------------------------- */

struct var_info *checker_find_var(struct checker *c, const char *name)
{
	for (uint32_t i = 0; i < c->nvars; i++)
		if (strcmp(c->vars[i]->name, name) == 0)
			return c->vars[i];
	return NULL;
}

static struct var_info *add_var(struct checker *c, const char *name)
{
	if (grow((void **)&c->vars, &c->vars_cap, c->nvars, sizeof(*c->vars)) < 0)
		return NULL;
	struct var_info *v = calloc(1, sizeof(*v));
	if (!v)
		return NULL;
	v->name = name;
	v->vreg = -1;
	v->slot = -1;
	c->vars[c->nvars++] = v;
	return v;
}

static void reset_vars(struct checker *c)
{
	for (uint32_t i = 0; i < c->nvars; i++)
		free(c->vars[i]);
	c->nvars = 0;
}

/* ---- helpers for built-ins ------------------------------------------------------------------------ */

static const char *call_name(const struct node *call)
{
	return call->str ? call->str : "?";
}

int check_int_arg(struct checker *c, const struct node *call, uint32_t i)
{
	const struct node *a = call->args[i];
	if (a->ty.kind == TY_INT || a->ty.kind == TY_PTR || (a->ty.kind == TY_NONE && !c->final_pass))
		return 0;
	struct buf t = BUF_INIT;
	type_print(&a->ty, &t);
	int r = check_error(c, a, "%s() argument %u must be an integer, not %s", call_name(call), i + 1, t.data);
	buf_release(&t);
	return r;
}

int check_const_arg(struct checker *c, const struct node *call, uint32_t i, int64_t *out)
{
	const struct node *a = call->args[i];
	if (!a->is_const)
		return check_error(c, a, "%s() argument %u must be a constant integer", call_name(call), i + 1);
	*out = a->const_val;
	return 0;
}

int check_str_literal(struct checker *c, const struct node *call, uint32_t i, const char **out)
{
	const struct node *a = call->args[i];
	if (a->kind == N_STR) {
		*out = a->str;
		return 0;
	}
	if (a->kind == N_PARAM && a->ty.kind == TY_STR) {
		*out = a->ival >= 1 && (size_t)a->ival <= c->nparams ? c->params[a->ival - 1] : "";
		return 0;
	}
	return check_error(c, a, "%s() argument %u must be a string literal", call_name(call), i + 1);
}

/* ---- maps ------------------------------------------------------------------------------------------ */

/* Widen `have` to hold `got` too (strings grow; ints keep the first width). False if they cannot unify. */
static bool unify(struct checker *c, struct type *have, const struct type *got)
{
	if (!type_compatible(have, got))
		return false;
	if (have->kind == TY_STR && got->size > have->size) {
		have->size = got->size;
		c->changed = true;
	}
	if (have->kind == TY_TUPLE) {
		/* element-wise widening needs a new layout */
		bool grow_needed = false;
		for (uint32_t i = 0; i < have->nelems; i++)
			if (have->elems[i].kind == TY_STR && got->elems[i].size > have->elems[i].size)
				grow_needed = true;
		if (grow_needed) {
			struct type *e = arena_alloc(&c->prog->arena, have->nelems * sizeof(*e));
			if (!e)
				return false;
			for (uint32_t i = 0; i < have->nelems; i++) {
				e[i] = have->elems[i];
				if (e[i].kind == TY_STR && got->elems[i].size > e[i].size)
					e[i].size = got->elems[i].size;
			}
			if (type_make_tuple(&c->prog->arena, e, have->nelems, have) < 0)
				return false;
			c->changed = true;
		}
	}
	return true;
}

bool type_storable(const struct type *t)
{
	switch (t->kind) {
	case TY_INT: case TY_STR: case TY_TUPLE: case TY_KSTACK: case TY_USTACK: case TY_KSYM:
	case TY_USYM: case TY_INET: case TY_PROBE: case TY_USERNAME: case TY_PTR:
		return true;
	default:
		return false;
	}
}

int check_type_mismatch(struct checker *c, const struct node *at, const char *what, const struct type *have,
			 const struct type *got)
{
	struct buf a = BUF_INIT, b = BUF_INIT;
	type_print(have, &a);
	type_print(got, &b);
	int r = check_error(c, at, "type mismatch for %s: it holds %s, this is %s", what, a.data, b.data);
	buf_release(&a);
	buf_release(&b);
	return r;
}

int check_map_key(struct checker *c, struct node *m)
{
	struct map_info *mi = m->map;
	for (uint32_t i = 0; i < m->nargs; i++) {
		int r = check_expr(c, m->args[i]);
		if (r)
			return r;
		const struct type *t = &m->args[i]->ty;
		if (t->kind == TY_NONE && !c->final_pass)
			return 0;
		if (t->kind == TY_TUPLE)
			return check_error(c, m->args[i],
					   "a tuple cannot be a map key: use several keys instead, e.g. @m[$a, $b] = ...");
		if (!type_storable(t)) {
			struct buf b = BUF_INIT;
			type_print(t, &b);
			r = check_error(c, m->args[i], "a map key cannot be of type %s", b.data);
			buf_release(&b);
			return r;
		}
	}
	if (!mi->nkeys_known) {
		/* print(@m) and clear(@m) say nothing about the keys: the first access does */
		mi->nkeys = m->nargs;
		mi->nkeys_known = true;
		mi->first = m->span;
	}
	if (mi->nkeys != m->nargs) {
		if (mi->nkeys == 0 || m->nargs == 0)
			return check_error(c, m, "map '%s' is used %s keys here but %s keys at %u:%u", mi->name,
					   m->nargs ? "with" : "without", mi->nkeys ? "with" : "without", mi->first.line,
					   mi->first.col);
		return check_error(c, m, "map '%s' has %u key(s) at %u:%u, not %u", mi->name, mi->nkeys, mi->first.line,
				   mi->first.col, m->nargs);
	}
	if (m->nargs == 0)
		return 0;
	struct type key;
	if (m->nargs == 1) {
		key = m->args[0]->ty;
	} else {
		struct type elems[16];
		if (m->nargs > 16)
			return check_error(c, m, "too many map keys (at most 16)");
		for (uint32_t i = 0; i < m->nargs; i++)
			elems[i] = m->args[i]->ty;
		if (type_make_tuple(&c->prog->arena, elems, m->nargs, &key) < 0)
			return -ENOMEM;
	}
	if (!mi->key_known) {
		mi->key = key;
		mi->key_known = true;
		c->changed = true;
		return 0;
	}
	if (!unify(c, &mi->key, &key)) {
		struct buf name = BUF_INIT;
		buf_addf(&name, "the keys of '%s'", mi->name);
		int r = check_type_mismatch(c, m, name.data, &mi->key, &key);
		buf_release(&name);
		return r;
	}
	return 0;
}

/* Record `t` as the value type of map `mi` (assigned at `at`). */
int check_map_value(struct checker *c, struct map_info *mi, const struct node *at, const struct type *t)
{
	mi->assigned = true;
	if (t->kind == TY_NONE)
		return 0;
	if (!mi->value_known) {
		mi->value = *t;
		mi->value_known = true;
		c->changed = true;
		return 0;
	}
	if (type_is_agg(&mi->value) || type_is_agg(t)) {
		if (mi->value.kind != t->kind || (t->kind == TY_LHIST && !type_equal(&mi->value, t))) {
			struct buf name = BUF_INIT;
			buf_addf(&name, "'%s'", mi->name);
			int r = check_type_mismatch(c, at, name.data, &mi->value, t);
			buf_release(&name);
			return r;
		}
		if (t->is_signed && !mi->value.is_signed)
			mi->value.is_signed = true;
		return 0;
	}
	if (!unify(c, &mi->value, t)) {
		struct buf name = BUF_INIT;
		buf_addf(&name, "'%s'", mi->name);
		int r = check_type_mismatch(c, at, name.data, &mi->value, t);
		buf_release(&name);
		return r;
	}
	return 0;
}

/* ---- statements ------------------------------------------------------------------------------------------ */

static int check_block(struct checker *c, struct node *blk);

static int check_assign(struct checker *c, struct node *n)
{
	struct node *lhs = n->a, *rhs = n->b;
	int r;
	if (n->op != T_ASSIGN) {
		/* a op= b is a = a op b: type the binary operation over the current value */
		struct node tmp = { .kind = N_BINOP, .span = n->span, .op = n->op, .a = lhs, .b = rhs };
		r = check_binop(c, &tmp);
		if (r)
			return r;
		if (tmp.ty.kind != TY_INT && tmp.ty.kind != TY_NONE)
			return check_error(c, n, "%s needs integers", tok_name(n->op));
		n->ty = tmp.ty;
		return 0;
	}
	if (lhs->kind == N_MAP) {
		lhs->map = checker_map(c, lhs);
		if (!lhs->map)
			return -ENOMEM;
		r = check_map_key(c, lhs);
		if (r)
			return r;
		if (rhs->kind == N_CALL) {
			r = check_call(c, rhs);
			if (r)
				return r;
		} else {
			r = check_expr(c, rhs);
			if (r)
				return r;
		}
		if (rhs->kind == N_CALL && (rhs->bi->flags & BI_STMT))
			return check_error(c, rhs, "%s() has no value to assign", rhs->str);
		if (rhs->ty.kind != TY_NONE && !type_storable(&rhs->ty) && !type_is_agg(&rhs->ty)) {
			struct buf b = BUF_INIT;
			type_print(&rhs->ty, &b);
			r = check_error(c, rhs, "a map cannot hold a value of type %s", b.data);
			buf_release(&b);
			return r;
		}
		struct type t = rhs->ty;
		if (t.kind == TY_INT)
			t = TYPE_INT(t.size, t.is_signed);
		r = check_map_value(c, lhs->map, rhs, &t);
		lhs->ty = lhs->map->value;
		return r;
	}
	/* $var = expr */
	if (rhs->kind == N_CALL) {
		r = check_call(c, rhs);
		if (!r && (rhs->bi->flags & BI_AGG))
			return check_error(c, rhs, "%s() is an aggregation: assign it to a map, not a variable", rhs->str);
		if (!r && (rhs->bi->flags & BI_STMT))
			return check_error(c, rhs, "%s() has no value to assign", rhs->str);
	} else {
		r = check_expr(c, rhs);
	}
	if (r)
		return r;
	if (rhs->ty.kind == TY_NONE) {
		if (c->final_pass)
			return check_error(c, rhs, "this has no value to assign");
		return 0;
	}
	if (!type_storable(&rhs->ty)) {
		struct buf b = BUF_INIT;
		type_print(&rhs->ty, &b);
		r = check_error(c, rhs, "a variable cannot hold a value of type %s", b.data);
		buf_release(&b);
		return r;
	}
	struct var_info *v = checker_find_var(c, lhs->str);
	if (!v) {
		v = add_var(c, lhs->str);
		if (!v)
			return -ENOMEM;
	}
	/* a variable keeps the type of its first assignment, integer width included (as bpftrace) */
	struct type t = rhs->ty;
	if (!v->known) {
		v->ty = t;
		v->known = true;
	} else if (!type_compatible(&v->ty, &t)) {
		struct buf name = BUF_INIT;
		buf_addf(&name, "'%s'", v->name);
		r = check_type_mismatch(c, n, name.data, &v->ty, &t);
		buf_release(&name);
		return r;
	} else if (t.kind == TY_STR && t.size > v->ty.size) {
		v->ty.size = t.size;
	} else if (t.kind == TY_TUPLE && !type_equal(&v->ty, &t)) {
		return check_type_mismatch(c, n, "a tuple variable", &v->ty, &t);
	}
	lhs->var = v;
	lhs->ty = v->ty;
	return 0;
}

static int check_stmt(struct checker *c, struct node *s)
{
	switch (s->kind) {
	case S_EXPR: {
		struct node *e = s->a;
		if (e->kind == N_CALL) {
			int r = check_call(c, e);
			if (r)
				return r;
			if (e->bi->flags & BI_AGG)
				return check_error(c, e, "%s() is an aggregation: assign it to a map, e.g. @x = %s(...)",
						   e->str, e->str);
			return 0;
		}
		return check_expr(c, e);
	}
	case N_ASSIGN:
		return check_assign(c, s);
	case S_IF: {
		int r = check_cond(c, s->a, "an if condition");
		if (!r)
			r = check_block(c, s->b);
		if (!r && s->c)
			r = check_block(c, s->c);
		return r;
	}
	case S_UNROLL: {
		int r = check_expr(c, s->a);
		if (r)
			return r;
		if (!s->a->is_const)
			return check_error(c, s->a, "unroll needs a constant count");
		if (s->a->const_val < 1 || s->a->const_val > 100)
			return check_error(c, s->a, "unroll count must be between 1 and 100, not %lld",
					   (long long)s->a->const_val);
		return check_block(c, s->b);
	}
	case S_WHILE: {
		int r = check_cond(c, s->a, "a while condition");
		if (r)
			return r;
		c->loop_depth++;
		r = check_block(c, s->b);
		c->loop_depth--;
		return r;
	}
	case S_JUMP:
		if (s->op != T_RETURN && c->loop_depth == 0)
			return check_error(c, s, "%s outside a loop", s->op == T_BREAK ? "break" : "continue");
		return 0;
	default:
		return check_error(c, s, "not a statement");
	}
}

static int check_block(struct checker *c, struct node *blk)
{
	for (uint32_t i = 0; i < blk->nargs; i++) {
		int r = check_stmt(c, blk->args[i]);
		if (r)
			return r;
	}
	return 0;
}

int check_inst(struct checker *c, struct probe_inst *pi)
{
	c->pi = pi;
	c->loop_depth = 0;
	reset_vars(c);
	int r = 0;
	if (pi->probe->pred) {
		c->in_predicate = true;
		r = check_cond(c, pi->probe->pred, "a predicate");
		c->in_predicate = false;
	}
	if (!r)
		r = check_block(c, pi->probe->body);
	return r;
}

static int expand_probes(struct checker *c)
{
	for (uint32_t i = 0; i < c->prog->nprobes; i++) {
		struct probe *p = c->prog->probes[i];
		for (uint32_t j = 0; j < p->naps; j++) {
			struct attach_point *ap = p->aps[j];
			ap->prov = provider_find(ap->parts[0]);
			if (!ap->prov) {
				size_t n;
				const struct provider *const *all = provider_all(&n);
				const char *names[32];
				size_t k = 0;
				for (size_t q = 0; q < n && k < 30; q++) {
					names[k++] = all[q]->name;
					if (all[q]->alias)
						names[k++] = all[q]->alias;
				}
				const char *s = diag_suggest(ap->parts[0], names, k);
				struct span sp = ap->span;
				sp.len = (uint32_t)strlen(ap->parts[0]);
				if (!sp.len)
					sp.len = 1;
				if (s)
					return diag_error(c->d, sp, "unknown probe type '%s'; did you mean '%s'?",
							  ap->parts[0], s);
				return diag_error(c->d, sp,
						  "unknown probe type '%s' (try BEGIN, END, tracepoint, rawtracepoint, "
						  "uprobe, uretprobe, kfunc, kretfunc, kprobe, kretprobe, profile, "
						  "interval, software, hardware)",
						  ap->parts[0]);
			}
			int r = ap->prov->expand(c, p, ap);
			if (r)
				return r;
		}
	}
	return 0;
}

int check_program(struct checker *c)
{
	int r = expand_probes(c);
	if (r)
		return r;
	/* map types flow between probes in any order: repeat until nothing new is learned */
	for (int pass = 0; pass < 4; pass++) {
		c->changed = false;
		for (uint32_t i = 0; i < c->ninsts; i++) {
			r = check_inst(c, c->insts[i]);
			if (r)
				return r;
		}
		if (!c->changed)
			break;
	}
	c->final_pass = true;
	for (uint32_t i = 0; i < c->ninsts; i++) {
		r = check_inst(c, c->insts[i]);
		if (r)
			return r;
	}
	for (uint32_t i = 0; i < c->nmaps; i++) {
		struct map_info *m = c->maps[i];
		if (!m->value_known) {
			struct span sp = m->first;
			return diag_error(c->d, sp, "map '%s' is never assigned a value", m->name);
		}
	}
	return 0;
}

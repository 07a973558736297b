// SPDX-License-Identifier: Apache-2.0
/* Actions: printf print clear zero delete exit time — events to user space, or map operations in the kernel. */
#include "probes/check.h"

#include <errno.h>
#include <string.h>

#include <linux/bpf.h>

#include "lib/err.h"
#include "probes/ir.h"
#include "probes/output.h"

/* bpftrace's printf() and print() argument type names, as output_printf_check() expects them. */
static const char *printf_type_name(const struct type *t)
{
	switch (t->kind) {
	case TY_INT:
	case TY_PTR:
		return "integer";
	case TY_STR: case TY_KSYM: case TY_USYM: case TY_PROBE: case TY_USERNAME:
	case TY_KSTACK: case TY_USTACK: case TY_INET:
		return "string";
	default:
		return "tuple";
	}
}

/* Emit an event header: kind and id as one u64. */
static void emit_header(struct cg *g, uint32_t off, uint32_t kind, uint32_t id)
{
	ir_emit_store(&g->ir, g->scratch, (int32_t)off, 4, opnd_imm(kind));
	ir_emit_store(&g->ir, g->scratch, (int32_t)off + 4, 4, opnd_imm(id));
}

/* The argument tuple of a format event: args[first..] with ints widened to 8 bytes. */
static int fmt_args_type(struct checker *c, struct node *n, uint32_t first, struct type *out)
{
	struct type elems[64];
	uint32_t k = 0;
	if (n->nargs - first > 64)
		return check_error(c, n, "%s() takes at most 64 arguments", n->str);
	for (uint32_t i = first; i < n->nargs; i++) {
		elems[k] = n->args[i]->ty;
		if (elems[k].kind == TY_INT)
			elems[k] = TYPE_INT(8, elems[k].is_signed);
		k++;
	}
	return type_make_tuple(&c->prog->arena, elems, k, out) < 0 ? -ENOMEM : 0;
}

static int check_printf(struct checker *c, struct node *n)
{
	const char *fmt;
	int r = check_str_literal(c, n, 0, &fmt);
	if (r)
		return r;
	for (uint32_t i = 1; i < n->nargs; i++) {
		if ((r = check_expr(c, n->args[i])))
			return r;
		if (n->args[i]->ty.kind == TY_NONE) {
			if (!c->final_pass)
				return 0;
			return check_error(c, n->args[i], "this has no value to print");
		}
		if (n->args[i]->ty.kind == TY_TUPLE || type_is_agg(&n->args[i]->ty))
			return check_error(c, n->args[i], "printf() cannot print a %s",
					   n->args[i]->ty.kind == TY_TUPLE ? "tuple" : "map aggregation");
	}
	const char *types[64];
	if (n->nargs - 1 > 64)
		return check_error(c, n, "printf() takes at most 64 arguments");
	for (uint32_t i = 1; i < n->nargs; i++)
		types[i - 1] = printf_type_name(&n->args[i]->ty);
	struct errbuf err;
	errbuf_init(&err);
	r = output_printf_check(fmt, types, n->nargs - 1, n->str, &err);
	if (r) {
		r = check_error(c, n, "%s", err.msg.len ? err.msg.data : "invalid format string");
		errbuf_release(&err);
		return r;
	}
	errbuf_release(&err);
	n->ty = TYPE_OF(TY_NONE);
	if (!c->final_pass)
		return 0;
	struct type args;
	if ((r = fmt_args_type(c, n, 1, &args)))
		return r;
	/* one event id per call site: the last pass before codegen assigns it */
	int id = checker_add_fmt(c, fmt, &args);
	if (id < 0)
		return id;
	n->aux = (uint32_t)id;
	return 0;
}

static int emit_fmt_event(struct cg *g, struct node *n, uint32_t first, uint32_t kind, struct val *out)
{
	const struct fmt_event *f = g->c->fmts[n->aux];
	uint32_t size = EVENT_HDR + f->args.size;
	uint32_t buf = cg_scratch(g, size);
	emit_header(g, buf, kind, f->id);
	for (uint32_t i = first; i < n->nargs; i++) {
		struct val v;
		int r = cg_expr(g, n->args[i], &v);
		if (r)
			return r;
		uint32_t k = i - first;
		cg_store_conv(g, &n->args[i]->ty, &v, &f->args.elems[k], buf + EVENT_HDR + f->args.offs[k]);
	}
	cg_output(g, buf, round8(size), false);
	*out = (struct val){ .kind = VAL_NONE };
	return g->err;
}

static int emit_printf(struct cg *g, struct node *n, struct val *out)
{
	return emit_fmt_event(g, n, 1, EV_PRINTF, out);
}

/* The map argument of print/clear/zero, used whole (no keys). */
static int check_map_arg(struct checker *c, struct node *n, struct node *m)
{
	if (m->kind != N_MAP)
		return check_error(c, m, "%s() needs a map, e.g. %s(@x)", n->str, n->str);
	if (m->nargs)
		return check_error(c, m, "%s() takes the whole map: write %s(%s) without keys", n->str, n->str, m->str);
	m->map = checker_map(c, m);
	if (!m->map)
		return -ENOMEM;
	return 0;
}

static int check_print(struct checker *c, struct node *n)
{
	struct node *a = n->args[0];
	int r;
	if (a->kind == N_MAP && a->nargs == 0) {
		if ((r = check_map_arg(c, n, a)))
			return r;
		for (uint32_t i = 1; i < n->nargs; i++) {
			if ((r = check_expr(c, n->args[i])) || (r = check_int_arg(c, n, i)))
				return r;
		}
		n->aux = UINT32_MAX;
		n->ty = TYPE_OF(TY_NONE);
		return 0;
	}
	if (n->nargs > 1)
		return check_error(c, n, "print() takes top and div arguments only for maps");
	if ((r = check_expr(c, a)))
		return r;
	if (a->ty.kind == TY_NONE) {
		if (!c->final_pass)
			return 0;
		return check_error(c, a, "this has no value to print");
	}
	if (type_is_agg(&a->ty))
		return check_error(c, a, "print() of an aggregation needs the whole map: print(%s)", a->str);
	n->ty = TYPE_OF(TY_NONE);
	if (!c->final_pass)
		return 0;
	struct type args;
	if ((r = fmt_args_type(c, n, 0, &args)))
		return r;
	int id = checker_add_fmt(c, NULL, &args);
	if (id < 0)
		return id;
	n->aux = (uint32_t)id;
	return 0;
}

static int emit_print(struct cg *g, struct node *n, struct val *out)
{
	if (n->aux != UINT32_MAX)
		return emit_fmt_event(g, n, 0, EV_PRINT_VALUE, out);
	uint32_t buf = cg_scratch(g, EVENT_HDR + 16);
	emit_header(g, buf, EV_PRINT_MAP, n->args[0]->map->id);
	for (uint32_t i = 0; i < 2; i++) {
		struct val v = { .kind = VAL_IMM, .imm = 0 };
		if (i + 1 < n->nargs) {
			int r = cg_expr(g, n->args[i + 1], &v);
			if (r)
				return r;
		}
		ir_emit_store(&g->ir, g->scratch, (int32_t)(buf + EVENT_HDR + 8 * i), 8, val_opnd(&v));
	}
	cg_output(g, buf, EVENT_HDR + 16, false);
	*out = (struct val){ .kind = VAL_NONE };
	return g->err;
}

static int check_clear(struct checker *c, struct node *n)
{
	n->ty = TYPE_OF(TY_NONE);
	return check_map_arg(c, n, n->args[0]);
}

static int emit_map_event(struct cg *g, struct node *n, uint32_t kind, struct val *out)
{
	uint32_t buf = cg_scratch(g, EVENT_HDR);
	emit_header(g, buf, kind, n->args[0]->map->id);
	cg_output(g, buf, EVENT_HDR, false);
	*out = (struct val){ .kind = VAL_NONE };
	return g->err;
}

static int emit_clear(struct cg *g, struct node *n, struct val *out)
{
	return emit_map_event(g, n, EV_CLEAR, out);
}

static int emit_zero(struct cg *g, struct node *n, struct val *out)
{
	return emit_map_event(g, n, EV_ZERO, out);
}

static int check_delete(struct checker *c, struct node *n)
{
	struct node *m = n->args[0];
	if (m->kind != N_MAP)
		return check_error(c, m, "delete() needs a map element, e.g. delete(@x[key])");
	m->map = checker_map(c, m);
	if (!m->map)
		return -ENOMEM;
	n->ty = TYPE_OF(TY_NONE);
	return check_map_key(c, m);
}

static int emit_delete(struct cg *g, struct node *n, struct val *out)
{
	struct node *m = n->args[0];
	uint32_t key;
	int r = cg_map_key(g, m, &key);
	if (r)
		return r;
	const struct bmap *bm = &g->c->bmaps[m->map->bmap];
	if (bm->type == BPF_MAP_TYPE_PERCPU_ARRAY) {
		/* a scalar count() (an array) cannot lose its entry: store zero, as bpftrace */
		struct ir_opnd args[4] = { opnd_map(m->map->bmap), opnd_addr(g->scratch, (int32_t)key),
					   opnd_addr(g->scratch, 0), opnd_imm(BPF_ANY) }; /* the zero area */
		cg_call(g, BPF_FUNC_map_update_elem, args, 4, false);
	} else {
		struct ir_opnd args[2] = { opnd_map(m->map->bmap), opnd_addr(g->scratch, (int32_t)key) };
		cg_call(g, BPF_FUNC_map_delete_elem, args, 2, false);
	}
	*out = (struct val){ .kind = VAL_NONE };
	return g->err;
}

static int check_exit(struct checker *c, struct node *n)
{
	n->ty = TYPE_OF(TY_NONE);
	return 0;
}

static int emit_exit(struct cg *g, struct node *n, struct val *out)
{
	uint32_t buf = cg_scratch(g, EVENT_HDR);
	emit_header(g, buf, EV_EXIT, 0);
	cg_output(g, buf, EVENT_HDR, true);
	/* bpftrace: nothing after exit() runs */
	ir_emit_jmp(&g->ir, g->exit_label);
	*out = (struct val){ .kind = VAL_NONE };
	return g->err;
}

/* An action whose event carries no arguments, only a text kept with it (time's format, join's delimiter). */
static int add_text_event(struct checker *c, struct node *n, const char *text)
{
	n->ty = TYPE_OF(TY_NONE);
	if (!c->final_pass)
		return 0;
	struct type none;
	if (type_make_tuple(&c->prog->arena, NULL, 0, &none) < 0)
		return -ENOMEM;
	int id = checker_add_fmt(c, text, &none);
	if (id < 0)
		return id;
	n->aux = (uint32_t)id;
	return 0;
}

static int check_time(struct checker *c, struct node *n)
{
	const char *fmt = "%H:%M:%S\n";
	int r;
	if (n->nargs == 1 && (r = check_str_literal(c, n, 0, &fmt)))
		return r;
	return add_text_event(c, n, fmt);
}

static int emit_time(struct cg *g, struct node *n, struct val *out)
{
	uint32_t buf = cg_scratch(g, EVENT_HDR);
	emit_header(g, buf, EV_TIME, n->aux);
	cg_output(g, buf, EVENT_HDR, false);
	*out = (struct val){ .kind = VAL_NONE };
	return g->err;
}

/*
 * join(ARRAY [, DELIM]): the strings of a NULL-terminated array of string pointers (execve's argv) on
 * one line. The event holds a count and JOIN_MAX slots of JOIN_LEN bytes; user space stops at the
 * first empty one, as bpftrace does.
 */
#define JOIN_MAX 16
#define JOIN_LEN 256

static int check_join(struct checker *c, struct node *n)
{
	const char *delim = " ";
	int r = check_expr(c, n->args[0]);
	if (r)
		return r;
	const struct type *t = &n->args[0]->ty;
	if (t->kind != TY_INT && t->kind != TY_PTR && !(t->kind == TY_NONE && !c->final_pass))
		return check_error(c, n->args[0], "join() needs an array of string pointers (as args->argv)");
	if (n->nargs == 2 && (r = check_str_literal(c, n, 1, &delim)))
		return r;
	return add_text_event(c, n, delim); /* the delimiter, kept as the event's "format" */
}

static int emit_join(struct cg *g, struct node *n, struct val *out)
{
	struct val arr;
	int r = cg_expr(g, n->args[0], &arr);
	if (r)
		return r;
	uint32_t size = EVENT_HDR + 8 + JOIN_MAX * JOIN_LEN;
	uint32_t buf = cg_scratch(g, size), slot = cg_scratch(g, 8);
	emit_header(g, buf, EV_JOIN, n->aux);
	ir_emit_store(&g->ir, g->scratch, (int32_t)buf + EVENT_HDR, 8, opnd_imm(0));
	int base = ir_new_vreg(&g->ir), done = ir_alloc_label(&g->ir);
	ir_emit_mov(&g->ir, base, val_opnd(&arr));
	for (uint32_t i = 0; i < JOIN_MAX; i++) {
		/* the i-th pointer; a NULL one (or an unreadable array) ends the list */
		int p = ir_new_vreg(&g->ir);
		ir_emit_mov(&g->ir, p, opnd_reg(base));
		ir_emit_alu(&g->ir, BPF_ADD, p, opnd_reg(p), opnd_imm((int32_t)(i * 8)));
		struct ir_opnd rd[3] = { opnd_addr(g->scratch, (int32_t)slot), opnd_imm(8), opnd_reg(p) };
		int rc = cg_call(g, BPF_FUNC_probe_read, rd, 3, true);
		ir_emit_jcc(&g->ir, BPF_JNE, opnd_reg(rc), opnd_imm(0), done);
		int s = ir_new_vreg(&g->ir);
		ir_emit_load(&g->ir, s, g->scratch, (int32_t)slot, 8);
		ir_emit_jcc(&g->ir, BPF_JEQ, opnd_reg(s), opnd_imm(0), done);
		uint32_t dst = buf + EVENT_HDR + 8 + i * JOIN_LEN;
		ir_emit_store(&g->ir, g->scratch, (int32_t)dst, 1, opnd_imm(0));
		struct ir_opnd rs[3] = { opnd_addr(g->scratch, (int32_t)dst), opnd_imm(JOIN_LEN), opnd_reg(s) };
		cg_call(g, BPF_FUNC_probe_read_str, rs, 3, false);
		ir_emit_store(&g->ir, g->scratch, (int32_t)buf + EVENT_HDR, 8, opnd_imm((int32_t)i + 1));
	}
	ir_emit_label(&g->ir, done);
	cg_output(g, buf, size, false);
	*out = (struct val){ .kind = VAL_NONE };
	return g->err;
}

#define ACT(nm, lo, hi, chk, emt) \
	{ .name = nm, .kind = BUILTIN_FUNC, .min_args = lo, .max_args = hi, .flags = BI_STMT, .check = chk, .emit = emt }

const struct builtin builtins_actions[] = {
	ACT("printf", 1, 65, check_printf, emit_printf),
	ACT("print", 1, 3, check_print, emit_print),
	ACT("clear", 1, 1, check_clear, emit_clear),
	ACT("zero", 1, 1, check_clear, emit_zero),
	ACT("delete", 1, 1, check_delete, emit_delete),
	ACT("exit", 0, 0, check_exit, emit_exit),
	ACT("time", 0, 1, check_time, emit_time),
	ACT("join", 1, 2, check_join, emit_join),
};
const size_t builtins_actions_n = sizeof(builtins_actions) / sizeof(builtins_actions[0]);

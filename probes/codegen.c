// SPDX-License-Identifier: Apache-2.0
/* Code generation: checked syntax tree to IR for one probe instance: prologue, statements, maps, events. */
#include "probes/ir.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/bpf.h>

#include "probes/check.h"
#include "probes/tracepoint.h"

/* Scratch is a per-CPU array value: keep well under the 32 KiB per-CPU allocation limit. */
#define SCRATCH_MAX 30000

int cg_fail(struct cg *g, const struct node *n, const char *msg)
{
	if (!g->err)
		g->err = n ? diag_error(g->d, n->span, "%s", msg) : -EINVAL;
	return g->err;
}

uint32_t cg_scratch(struct cg *g, uint32_t size)
{
	uint32_t off = g->scratch_used;
	size = round8(size ? size : 8);
	if (off + size > SCRATCH_MAX) {
		if (!g->err)
			g->err = -E2BIG;
		return 0;
	}
	g->scratch_used += size;
	return off;
}

void cg_zero(struct cg *g, uint32_t off, uint32_t size)
{
	for (uint32_t i = 0; i < round8(size); i += 8)
		ir_emit_store(&g->ir, g->scratch, (int32_t)(off + i), 8, opnd_imm(0));
}

void cg_copy(struct cg *g, uint32_t dst, uint32_t src, uint32_t size)
{
	if (dst == src)
		return;
	int t = ir_new_vreg(&g->ir);
	for (uint32_t i = 0; i < round8(size); i += 8) {
		ir_emit_load(&g->ir, t, g->scratch, (int32_t)(src + i), 8);
		ir_emit_store(&g->ir, g->scratch, (int32_t)(dst + i), 8, opnd_reg(t));
	}
}

int cg_call(struct cg *g, int helper, const struct ir_opnd *args, int nargs, bool want_result)
{
	int dst = want_result ? ir_new_vreg(&g->ir) : VREG_NONE;
	ir_emit_call(&g->ir, helper, dst, args, nargs);
	return dst;
}

/* A vreg holding integer value `v` (VAL_IMM is materialized). */
int cg_to_reg(struct cg *g, const struct val *v)
{
	if (v->kind == VAL_REG)
		return v->reg;
	int r = ir_new_vreg(&g->ir);
	ir_emit_mov(&g->ir, r, opnd_imm(v->kind == VAL_IMM ? v->imm : 0));
	return r;
}

/* Sign- or zero-extend the low `size` bytes of `r` in place. */
void cg_extend(struct cg *g, int r, uint32_t size, bool is_signed)
{
	if (size >= 8)
		return;
	int sh = 64 - (int)size * 8;
	ir_emit_alu(&g->ir, BPF_LSH, r, opnd_reg(r), opnd_imm(sh));
	ir_emit_alu(&g->ir, is_signed ? BPF_ARSH : BPF_RSH, r, opnd_reg(r), opnd_imm(sh));
}

void cg_store_conv(struct cg *g, const struct type *from, const struct val *v, const struct type *to, uint32_t off)
{
	switch (to->kind) {
	case TY_INT:
	case TY_PTR:
	case TY_KSYM:
	case TY_KSTACK:
	case TY_PROBE:
	case TY_USERNAME:
		if (v->kind == VAL_MEM) {
			cg_copy(g, off, v->off, 8);
			return;
		}
		ir_emit_store(&g->ir, g->scratch, (int32_t)off, 8, val_opnd(v));
		return;
	case TY_STR: {
		uint32_t have = round8(from->size), want = round8(to->size);
		uint32_t n = have < want ? have : want;
		cg_copy(g, off, v->off, n);
		if (want > n)
			cg_zero(g, off + n, want - n);
		if (to->size < from->size && to->size > 0) {
			/* truncated: keep it NUL-terminated */
			ir_emit_store(&g->ir, g->scratch, (int32_t)(off + to->size - 1), 1, opnd_imm(0));
		}
		return;
	}
	case TY_TUPLE:
		if (from->kind == TY_TUPLE && !type_equal(from, to)) {
			for (uint32_t i = 0; i < to->nelems && i < from->nelems; i++) {
				struct val ev = { .kind = VAL_MEM, .off = v->off + from->offs[i] };
				if (from->elems[i].kind == TY_INT || from->elems[i].kind == TY_PTR) {
					ev.kind = VAL_REG;
					ev.reg = ir_new_vreg(&g->ir);
					ir_emit_load(&g->ir, ev.reg, g->scratch, (int32_t)(v->off + from->offs[i]), 8);
				}
				cg_store_conv(g, &from->elems[i], &ev, &to->elems[i], off + to->offs[i]);
			}
			return;
		}
		cg_copy(g, off, v->off, type_mem_size(to));
		return;
	default:
		if (v->kind == VAL_MEM)
			cg_copy(g, off, v->off, type_mem_size(to));
		else
			ir_emit_store(&g->ir, g->scratch, (int32_t)off, 8, val_opnd(v));
		return;
	}
}

int cg_store_at(struct cg *g, struct node *n, uint32_t off)
{
	struct val v;
	int r = cg_expr(g, n, &v);
	if (r)
		return r;
	cg_store_conv(g, &n->ty, &v, &n->ty, off);
	return g->err;
}

int cg_int(struct cg *g, struct node *n, int *reg)
{
	struct val v;
	int r = cg_expr(g, n, &v);
	if (r)
		return r;
	if (v.kind == VAL_MEM) {
		*reg = ir_new_vreg(&g->ir);
		ir_emit_load(&g->ir, *reg, g->scratch, (int32_t)v.off, 8);
		return 0;
	}
	*reg = cg_to_reg(g, &v);
	return 0;
}

/* An integer operand (immediate or register) for `n`. */
int cg_opnd(struct cg *g, struct node *n, struct ir_opnd *o)
{
	struct val v;
	int r = cg_expr(g, n, &v);
	if (r)
		return r;
	if (v.kind == VAL_MEM) {
		int t = ir_new_vreg(&g->ir);
		ir_emit_load(&g->ir, t, g->scratch, (int32_t)v.off, 8);
		*o = opnd_reg(t);
		return 0;
	}
	*o = val_opnd(&v);
	return 0;
}

/* ---- maps ---------------------------------------------------------------------------------------- */

int cg_map_key(struct cg *g, struct node *m, uint32_t *off)
{
	struct map_info *mi = m->map;
	const struct bmap *bm = &g->c->bmaps[mi->bmap];
	*off = cg_scratch(g, bm->key_size);
	if (mi->nkeys == 0) {
		ir_emit_store(&g->ir, g->scratch, (int32_t)*off, 8, opnd_imm(0));
		return g->err;
	}
	if (mi->nkeys == 1) {
		struct val v;
		int r = cg_expr(g, m->args[0], &v);
		if (r)
			return r;
		cg_store_conv(g, &m->args[0]->ty, &v, &mi->key, *off);
		return g->err;
	}
	for (uint32_t i = 0; i < m->nargs; i++) {
		struct val v;
		int r = cg_expr(g, m->args[i], &v);
		if (r)
			return r;
		cg_store_conv(g, &m->args[i]->ty, &v, &mi->key.elems[i], *off + mi->key.offs[i]);
	}
	return g->err;
}

int cg_map_lookup_or_init(struct cg *g, int map_id, uint32_t key_off, uint32_t value_size, int miss)
{
	struct ir_opnd args[4] = { opnd_map(map_id), opnd_addr(g->scratch, (int32_t)key_off) };
	int p = cg_call(g, BPF_FUNC_map_lookup_elem, args, 2, true);
	int have = ir_alloc_label(&g->ir);
	ir_emit_jcc(&g->ir, BPF_JNE, opnd_reg(p), opnd_imm(0), have);
	/* the never-written start of scratch serves as the zeroed initial value */
	if (value_size > g->zero_size)
		cg_fail(g, NULL, "internal: map value larger than the zero area");
	args[2] = opnd_addr(g->scratch, 0);
	args[3] = opnd_imm(BPF_NOEXIST);
	cg_call(g, BPF_FUNC_map_update_elem, args, 4, false);
	/* another CPU may have inserted it meanwhile: look it up either way */
	struct ir_opnd largs[2] = { opnd_map(map_id), opnd_addr(g->scratch, (int32_t)key_off) };
	ir_emit_call(&g->ir, BPF_FUNC_map_lookup_elem, p, largs, 2);
	ir_emit_jcc(&g->ir, BPF_JEQ, opnd_reg(p), opnd_imm(0), miss);
	ir_emit_label(&g->ir, have);
	return p;
}

void cg_output(struct cg *g, uint32_t off, uint32_t size, bool wakeup)
{
	struct ir_opnd args[4] = { opnd_map(BMAP_EVENTS), opnd_addr(g->scratch, (int32_t)off), opnd_imm(size),
				   opnd_imm(wakeup ? BPF_RB_FORCE_WAKEUP : 0) };
	int r = cg_call(g, BPF_FUNC_ringbuf_output, args, 4, true);
	int ok = ir_alloc_label(&g->ir);
	ir_emit_jcc(&g->ir, BPF_JSGE, opnd_reg(r), opnd_imm(0), ok);
	/* count what did not fit, so the runtime can say "Lost N events" */
	ir_emit_store(&g->ir, VREG_FP, -4, 4, opnd_imm(0));
	struct ir_opnd largs[2] = { opnd_map(BMAP_LOST), opnd_addr(VREG_FP, -4) };
	int p = cg_call(g, BPF_FUNC_map_lookup_elem, largs, 2, true);
	ir_emit_jcc(&g->ir, BPF_JEQ, opnd_reg(p), opnd_imm(0), ok);
	ir_emit_xadd(&g->ir, p, 0, opnd_imm(1));
	ir_emit_label(&g->ir, ok);
}

void cg_note_pid(struct cg *g, int pid)
{
	uint32_t key = cg_scratch(g, 8);
	ir_emit_store(&g->ir, g->scratch, (int32_t)key, 8, opnd_reg(pid));
	struct ir_opnd args[4] = { opnd_map(BMAP_PIDS), opnd_addr(g->scratch, (int32_t)key) };
	int p = cg_call(g, BPF_FUNC_map_lookup_elem, args, 2, true);
	int known = ir_alloc_label(&g->ir);
	ir_emit_jcc(&g->ir, BPF_JNE, opnd_reg(p), opnd_imm(0), known);
	args[2] = opnd_addr(g->scratch, (int32_t)key);
	args[3] = opnd_imm(BPF_NOEXIST);
	int r = cg_call(g, BPF_FUNC_map_update_elem, args, 4, true);
	/* only the CPU that inserted it says so */
	ir_emit_jcc(&g->ir, BPF_JNE, opnd_reg(r), opnd_imm(0), known);
	uint32_t ev = cg_scratch(g, 8);
	ir_emit_store(&g->ir, g->scratch, (int32_t)ev, 4, opnd_imm(EV_PID));
	ir_emit_store(&g->ir, g->scratch, (int32_t)ev + 4, 4, opnd_reg(pid));
	cg_output(g, ev, 8, true);
	ir_emit_label(&g->ir, known);
}

int cg_map_read(struct cg *g, struct node *n, struct val *out)
{
	uint32_t key;
	int r = cg_map_key(g, n, &key);
	if (r)
		return r;
	struct map_info *mi = n->map;
	struct ir_opnd args[2] = { opnd_map(mi->bmap), opnd_addr(g->scratch, (int32_t)key) };
	int p = cg_call(g, BPF_FUNC_map_lookup_elem, args, 2, true);
	int done = ir_alloc_label(&g->ir);
	if (mi->value.kind == TY_INT || mi->value.kind == TY_PTR) {
		int res = ir_new_vreg(&g->ir);
		ir_emit_mov(&g->ir, res, opnd_imm(0));
		ir_emit_jcc(&g->ir, BPF_JEQ, opnd_reg(p), opnd_imm(0), done);
		ir_emit_load(&g->ir, res, p, 0, 8);
		ir_emit_label(&g->ir, done);
		*out = (struct val){ .kind = VAL_REG, .reg = res };
		return 0;
	}
	uint32_t size = round8(type_mem_size(&mi->value));
	uint32_t dst = cg_scratch(g, size);
	cg_zero(g, dst, size);
	ir_emit_jcc(&g->ir, BPF_JEQ, opnd_reg(p), opnd_imm(0), done);
	int t = ir_new_vreg(&g->ir);
	for (uint32_t i = 0; i < size; i += 8) {
		ir_emit_load(&g->ir, t, p, (int32_t)i, 8);
		ir_emit_store(&g->ir, g->scratch, (int32_t)(dst + i), 8, opnd_reg(t));
	}
	ir_emit_label(&g->ir, done);
	*out = (struct val){ .kind = VAL_MEM, .off = dst };
	return g->err;
}

/* ---- statements --------------------------------------------------------------------------------------- */

static int cg_block(struct cg *g, struct node *blk);

static int cg_assign_map(struct cg *g, struct node *s)
{
	struct node *lhs = s->a, *rhs = s->b;
	struct map_info *mi = lhs->map;
	if (rhs->kind == N_CALL && (rhs->bi->flags & BI_AGG)) {
		struct val unused;
		g->assign_target = lhs;
		int r = rhs->bi->emit(g, rhs, &unused);
		g->assign_target = NULL;
		return r;
	}
	uint32_t key;
	int r = cg_map_key(g, lhs, &key);
	if (r)
		return r;
	const struct bmap *bm = &g->c->bmaps[mi->bmap];
	uint32_t vo = cg_scratch(g, bm->value_size);
	struct val v;
	if (s->op != T_ASSIGN) {
		/* read-modify-write: @x op= e */
		struct node cur = *lhs;
		struct val old;
		cur.is_const = false;
		if ((r = cg_map_read(g, &cur, &old)))
			return r;
		struct ir_opnd b;
		if ((r = cg_opnd(g, rhs, &b)))
			return r;
		int res = ir_new_vreg(&g->ir);
		uint8_t alu = s->op == T_PLUS ? BPF_ADD : s->op == T_MINUS ? BPF_SUB : s->op == T_MUL ? BPF_MUL
			      : s->op == T_DIV ? BPF_DIV : s->op == T_MOD ? BPF_MOD : s->op == T_BAND ? BPF_AND
			      : s->op == T_BOR ? BPF_OR : s->op == T_BXOR ? BPF_XOR : s->op == T_SHL ? BPF_LSH : BPF_RSH;
		ir_emit_alu(&g->ir, alu, res, val_opnd(&old), b);
		v = (struct val){ .kind = VAL_REG, .reg = res };
		ir_emit_store(&g->ir, g->scratch, (int32_t)vo, 8, opnd_reg(res));
	} else {
		if ((r = cg_expr(g, rhs, &v)))
			return r;
		cg_store_conv(g, &rhs->ty, &v, &mi->value, vo);
	}
	struct ir_opnd args[4] = { opnd_map(mi->bmap), opnd_addr(g->scratch, (int32_t)key),
				   opnd_addr(g->scratch, (int32_t)vo), opnd_imm(BPF_ANY) };
	cg_call(g, BPF_FUNC_map_update_elem, args, 4, false);
	return g->err;
}

static int cg_assign_var(struct cg *g, struct node *s)
{
	struct node *lhs = s->a, *rhs = s->b;
	struct var_info *v = lhs->var;
	int r;
	if (v->ty.kind == TY_INT || v->ty.kind == TY_PTR) {
		if (v->vreg < 0)
			v->vreg = ir_new_vreg(&g->ir);
		struct ir_opnd b;
		if ((r = cg_opnd(g, rhs, &b)))
			return r;
		if (s->op == T_ASSIGN) {
			ir_emit_mov(&g->ir, v->vreg, b);
			if (v->ty.kind == TY_INT && v->ty.size < 8 && !type_equal(&v->ty, &rhs->ty))
				cg_extend(g, v->vreg, v->ty.size, v->ty.is_signed);
		} else {
			uint8_t alu = s->op == T_PLUS ? BPF_ADD : s->op == T_MINUS ? BPF_SUB : s->op == T_MUL ? BPF_MUL
				      : s->op == T_DIV ? BPF_DIV : s->op == T_MOD ? BPF_MOD : s->op == T_BAND ? BPF_AND
				      : s->op == T_BOR ? BPF_OR : s->op == T_BXOR ? BPF_XOR : s->op == T_SHL ? BPF_LSH : BPF_RSH;
			ir_emit_alu(&g->ir, alu, v->vreg, opnd_reg(v->vreg), b);
		}
		return 0;
	}
	if (v->slot < 0) {
		v->slot = (int32_t)cg_scratch(g, type_mem_size(&v->ty));
		cg_zero(g, (uint32_t)v->slot, type_mem_size(&v->ty));
	}
	struct val val;
	if ((r = cg_expr(g, rhs, &val)))
		return r;
	cg_store_conv(g, &rhs->ty, &val, &v->ty, (uint32_t)v->slot);
	return g->err;
}

static int cg_stmt(struct cg *g, struct node *s)
{
	int r;
	g->ir.cur_span = s->kind == S_EXPR ? s->a->span : s->kind == N_ASSIGN ? span_join(s->a->span, s->b->span) : s->span;
	switch (s->kind) {
	case S_EXPR: {
		struct val v;
		return cg_expr(g, s->a, &v);
	}
	case N_ASSIGN:
		return s->a->kind == N_MAP ? cg_assign_map(g, s) : cg_assign_var(g, s);
	case S_IF: {
		int other = ir_alloc_label(&g->ir), done = ir_alloc_label(&g->ir);
		struct ir_opnd c;
		if ((r = cg_opnd(g, s->a, &c)))
			return r;
		if (c.kind == OPND_IMM) {
			/* folded condition: only one branch exists */
			return c.imm ? cg_block(g, s->b) : (s->c ? cg_block(g, s->c) : 0);
		}
		ir_emit_jcc(&g->ir, BPF_JEQ, c, opnd_imm(0), other);
		if ((r = cg_block(g, s->b)))
			return r;
		if (s->c)
			ir_emit_jmp(&g->ir, done);
		ir_emit_label(&g->ir, other);
		if (s->c && (r = cg_block(g, s->c)))
			return r;
		ir_emit_label(&g->ir, done);
		return 0;
	}
	case S_UNROLL:
		for (int64_t i = 0; i < s->a->const_val; i++)
			if ((r = cg_block(g, s->b)))
				return r;
		return 0;
	case S_WHILE: {
		int head = ir_alloc_label(&g->ir), done = ir_alloc_label(&g->ir);
		int ob = g->break_label, oc = g->continue_label;
		ir_emit_label(&g->ir, head);
		struct ir_opnd c;
		if ((r = cg_opnd(g, s->a, &c)))
			return r;
		if (c.kind == OPND_IMM) {
			int t = ir_new_vreg(&g->ir);
			ir_emit_mov(&g->ir, t, c);
			c = opnd_reg(t);
		}
		ir_emit_jcc(&g->ir, BPF_JEQ, c, opnd_imm(0), done);
		g->break_label = done;
		g->continue_label = head;
		r = cg_block(g, s->b);
		g->break_label = ob;
		g->continue_label = oc;
		if (r)
			return r;
		ir_emit_jmp(&g->ir, head);
		ir_emit_label(&g->ir, done);
		return 0;
	}
	case S_JUMP:
		ir_emit_jmp(&g->ir, s->op == T_RETURN ? g->exit_label
				    : s->op == T_BREAK ? g->break_label : g->continue_label);
		return 0;
	default:
		return cg_fail(g, s, "cannot generate code for this statement");
	}
}

static int cg_block(struct cg *g, struct node *blk)
{
	for (uint32_t i = 0; i < blk->nargs; i++) {
		int r = cg_stmt(g, blk->args[i]);
		if (r)
			return r;
	}
	return g->err;
}

/* Zero every integer variable right after the prologue, so a path that skips its assignment reads 0. */
static int init_vars(struct cg *g, size_t at)
{
	struct checker *c = g->c;
	size_t n = 0;
	for (uint32_t i = 0; i < c->nvars; i++)
		if (c->vars[i]->vreg >= 0)
			n++;
	if (!n)
		return 0;
	size_t old = g->ir.n;
	for (uint32_t i = 0; i < c->nvars; i++)
		if (c->vars[i]->vreg >= 0)
			ir_emit_mov(&g->ir, c->vars[i]->vreg, opnd_imm(0));
	if (g->ir.oom)
		return -ENOMEM;
	/* rotate the new instructions from the end to position `at` */
	struct ir_insn *tmp = malloc(n * sizeof(*tmp));
	if (!tmp)
		return -ENOMEM;
	memcpy(tmp, &g->ir.insns[old], n * sizeof(*tmp));
	memmove(&g->ir.insns[at + n], &g->ir.insns[at], (old - at) * sizeof(*tmp));
	memcpy(&g->ir.insns[at], tmp, n * sizeof(*tmp));
	free(tmp);
	return 0;
}

int cg_program(struct cg *g, struct checker *c, struct probe_inst *pi)
{
	memset(g, 0, sizeof(*g));
	g->c = c;
	g->pi = pi;
	g->d = c->d;
	g->break_label = g->continue_label = -1;
	ir_init(&g->ir);
	int r = check_inst(c, pi);
	if (r)
		return r;
	g->ctx = ir_new_vreg(&g->ir); /* vreg 0: bound to r1 on entry */
	g->ir.cur_span = pi->ap->span;
	g->exit_label = ir_alloc_label(&g->ir);
	ir_emit_comment(&g->ir, "%s", pi->name);
	if (c->pid_filter > 0 && !(pi->prov->flags & PROV_NO_PID)) {
		int t = cg_call(g, BPF_FUNC_get_current_pid_tgid, NULL, 0, true);
		ir_emit_alu(&g->ir, BPF_RSH, t, opnd_reg(t), opnd_imm(32));
		ir_emit_jcc(&g->ir, BPF_JNE, opnd_reg(t), opnd_imm(c->pid_filter), g->exit_label);
	}
	if (strcmp(pi->prov->name, "END") != 0) {
		/* stopped (the trace is ending): do nothing, so the maps hold still while they print */
		int ctl = ir_new_vreg(&g->ir);
		ir_emit_mov(&g->ir, ctl, opnd_mapval(BMAP_CTL));
		ir_emit_load(&g->ir, ctl, ctl, 0, 8);
		ir_emit_jcc(&g->ir, BPF_JNE, opnd_reg(ctl), opnd_imm(0), g->exit_label);
	}
	/* scratch starts with a zero area as large as the largest map value (scratch is created zeroed) */
	for (uint32_t i = 0; i < c->nbmaps; i++)
		if (c->bmaps[i].user && c->bmaps[i].value_size > g->zero_size)
			g->zero_size = c->bmaps[i].value_size;
	g->scratch_used = round8(g->zero_size);
	ir_emit_store(&g->ir, VREG_FP, -4, 4, opnd_imm(pi->index));
	struct ir_opnd args[2] = { opnd_map(BMAP_SCRATCH), opnd_addr(VREG_FP, -4) };
	g->scratch = cg_call(g, BPF_FUNC_map_lookup_elem, args, 2, true);
	ir_emit_jcc(&g->ir, BPF_JEQ, opnd_reg(g->scratch), opnd_imm(0), g->exit_label);
	size_t body_at = g->ir.n;
	if (pi->probe->pred) {
		g->ir.cur_span = pi->probe->pred->span;
		ir_emit_comment(&g->ir, "predicate");
		struct ir_opnd p;
		r = cg_opnd(g, pi->probe->pred, &p);
		if (r)
			return r;
		if (p.kind == OPND_IMM) {
			if (!p.imm)
				ir_emit_jmp(&g->ir, g->exit_label);
		} else {
			ir_emit_jcc(&g->ir, BPF_JEQ, p, opnd_imm(0), g->exit_label);
		}
	}
	r = cg_block(g, pi->probe->body);
	if (r)
		return r;
	g->ir.cur_span = pi->ap->span;
	ir_emit_label(&g->ir, g->exit_label);
	ir_emit_exit(&g->ir, opnd_imm(0));
	if (g->err)
		return g->err;
	r = init_vars(g, body_at);
	if (r)
		return r;
	pi->scratch_size = g->scratch_used ? g->scratch_used : 8;
	return g->ir.oom ? -ENOMEM : 0;
}

void cg_release(struct cg *g)
{
	ir_release(&g->ir);
}

// SPDX-License-Identifier: Apache-2.0
/* Code generation, expressions: operators, strings, ternaries, tracepoint and BTF fields, casts, tuples. */
#include "probes/ir.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/bpf.h>

#include "probes/check.h"
#include "probes/tracepoint.h"

/* ---- expressions ------------------------------------------------------------------------------------ */

static int cg_logical(struct cg *g, struct node *n, struct val *out)
{
	int res = ir_new_vreg(&g->ir);
	int done = ir_alloc_label(&g->ir);
	bool is_and = n->op == T_LAND;
	struct ir_opnd a;
	int r = cg_opnd(g, n->a, &a);
	if (r)
		return r;
	ir_emit_mov(&g->ir, res, opnd_imm(is_and ? 0 : 1));
	ir_emit_jcc(&g->ir, is_and ? BPF_JEQ : BPF_JNE, a, opnd_imm(0), done);
	struct ir_opnd b;
	r = cg_opnd(g, n->b, &b);
	if (r)
		return r;
	ir_emit_jcc(&g->ir, is_and ? BPF_JEQ : BPF_JNE, b, opnd_imm(0), done);
	ir_emit_mov(&g->ir, res, opnd_imm(is_and ? 1 : 0));
	ir_emit_label(&g->ir, done);
	*out = (struct val){ .kind = VAL_REG, .reg = res };
	return 0;
}

static int cg_strcmp(struct cg *g, struct node *n, struct val *out)
{
	struct val a, b;
	int r = cg_expr(g, n->a, &a);
	if (!r)
		r = cg_expr(g, n->b, &b);
	if (r)
		return r;
	uint32_t sa = round8(n->a->ty.size), sb = round8(n->b->ty.size);
	uint32_t len = sa < sb ? sa : sb;
	int res = ir_new_vreg(&g->ir);
	int differ = ir_alloc_label(&g->ir);
	bool eq = n->op == T_EQ;
	ir_emit_mov(&g->ir, res, opnd_imm(eq ? 0 : 1));
	int ta = ir_new_vreg(&g->ir), tb = ir_new_vreg(&g->ir);
	/* both sides are zero-padded, so comparing whole words up to the shorter size is strcmp */
	for (uint32_t i = 0; i < len; i += 8) {
		ir_emit_load(&g->ir, ta, g->scratch, (int32_t)(a.off + i), 8);
		ir_emit_load(&g->ir, tb, g->scratch, (int32_t)(b.off + i), 8);
		ir_emit_jcc(&g->ir, BPF_JNE, opnd_reg(ta), opnd_reg(tb), differ);
	}
	ir_emit_mov(&g->ir, res, opnd_imm(eq ? 1 : 0));
	ir_emit_label(&g->ir, differ);
	*out = (struct val){ .kind = VAL_REG, .reg = res };
	return 0;
}

static uint8_t cmp_op(enum tok op, bool is_signed)
{
	switch (op) {
	case T_EQ: return BPF_JEQ;
	case T_NE: return BPF_JNE;
	case T_LT: return is_signed ? BPF_JSLT : BPF_JLT;
	case T_LE: return is_signed ? BPF_JSLE : BPF_JLE;
	case T_GT: return is_signed ? BPF_JSGT : BPF_JGT;
	case T_GE: return is_signed ? BPF_JSGE : BPF_JGE;
	default: return BPF_JEQ;
	}
}

static int cg_binop(struct cg *g, struct node *n, struct val *out)
{
	if (n->op == T_LAND || n->op == T_LOR)
		return cg_logical(g, n, out);
	if (n->a->ty.kind == TY_STR)
		return cg_strcmp(g, n, out);
	struct ir_opnd a, b;
	int r = cg_opnd(g, n->a, &a);
	if (!r)
		r = cg_opnd(g, n->b, &b);
	if (r)
		return r;
	int res = ir_new_vreg(&g->ir);
	uint8_t alu;
	switch (n->op) {
	case T_PLUS: alu = BPF_ADD; break;
	case T_MINUS: alu = BPF_SUB; break;
	case T_MUL: alu = BPF_MUL; break;
	case T_DIV: alu = BPF_DIV; break;
	case T_MOD: alu = BPF_MOD; break;
	case T_BAND: alu = BPF_AND; break;
	case T_BOR: alu = BPF_OR; break;
	case T_BXOR: alu = BPF_XOR; break;
	case T_SHL: alu = BPF_LSH; break;
	case T_SHR: alu = BPF_RSH; break;
	default: {
		/* comparison: signed only when both sides are (bpftrace's rule) */
		bool sgn = n->a->ty.kind == TY_INT && n->a->ty.is_signed && n->b->ty.kind == TY_INT &&
			   n->b->ty.is_signed;
		int yes = ir_alloc_label(&g->ir);
		ir_emit_mov(&g->ir, res, opnd_imm(1));
		if (a.kind == OPND_IMM) {
			/* the BPF compare needs a register on the left */
			int t = ir_new_vreg(&g->ir);
			ir_emit_mov(&g->ir, t, a);
			a = opnd_reg(t);
		}
		ir_emit_jcc(&g->ir, cmp_op(n->op, sgn), a, b, yes);
		ir_emit_mov(&g->ir, res, opnd_imm(0));
		ir_emit_label(&g->ir, yes);
		*out = (struct val){ .kind = VAL_REG, .reg = res };
		return 0;
	}
	}
	ir_emit_alu(&g->ir, alu, res, a, b);
	*out = (struct val){ .kind = VAL_REG, .reg = res };
	return 0;
}

static int cg_unop(struct cg *g, struct node *n, struct val *out)
{
	struct ir_opnd a;
	int r = cg_opnd(g, n->a, &a);
	if (r)
		return r;
	int res = ir_new_vreg(&g->ir);
	switch (n->op) {
	case T_NOT: {
		int done = ir_alloc_label(&g->ir);
		if (a.kind == OPND_IMM) {
			int t = ir_new_vreg(&g->ir);
			ir_emit_mov(&g->ir, t, a);
			a = opnd_reg(t);
		}
		ir_emit_mov(&g->ir, res, opnd_imm(1));
		ir_emit_jcc(&g->ir, BPF_JEQ, a, opnd_imm(0), done);
		ir_emit_mov(&g->ir, res, opnd_imm(0));
		ir_emit_label(&g->ir, done);
		break;
	}
	case T_BNOT:
		ir_emit_alu(&g->ir, BPF_XOR, res, a, opnd_imm(-1));
		break;
	case T_MINUS:
		ir_emit_neg(&g->ir, res, a);
		break;
	case T_MUL: {
		/* *ptr: read 8 bytes of kernel memory */
		uint32_t buf = cg_scratch(g, 8);
		cg_zero(g, buf, 8);
		struct ir_opnd args[3] = { opnd_addr(g->scratch, (int32_t)buf), opnd_imm(8), a };
		cg_call(g, BPF_FUNC_probe_read_kernel, args, 3, false);
		ir_emit_load(&g->ir, res, g->scratch, (int32_t)buf, 8);
		break;
	}
	default:
		return cg_fail(g, n, "unsupported operator");
	}
	*out = (struct val){ .kind = VAL_REG, .reg = res };
	return 0;
}

static int cg_ternary(struct cg *g, struct node *n, struct val *out)
{
	struct ir_opnd cond;
	int r = cg_opnd(g, n->a, &cond);
	if (r)
		return r;
	int other = ir_alloc_label(&g->ir), done = ir_alloc_label(&g->ir);
	if (cond.kind == OPND_IMM) {
		int t = ir_new_vreg(&g->ir);
		ir_emit_mov(&g->ir, t, cond);
		cond = opnd_reg(t);
	}
	if (n->ty.kind == TY_INT || n->ty.kind == TY_PTR) {
		int res = ir_new_vreg(&g->ir);
		ir_emit_jcc(&g->ir, BPF_JEQ, cond, opnd_imm(0), other);
		struct ir_opnd v;
		if ((r = cg_opnd(g, n->b, &v)))
			return r;
		ir_emit_mov(&g->ir, res, v);
		ir_emit_jmp(&g->ir, done);
		ir_emit_label(&g->ir, other);
		if ((r = cg_opnd(g, n->c, &v)))
			return r;
		ir_emit_mov(&g->ir, res, v);
		ir_emit_label(&g->ir, done);
		*out = (struct val){ .kind = VAL_REG, .reg = res };
		return 0;
	}
	uint32_t dst = cg_scratch(g, type_mem_size(&n->ty));
	ir_emit_jcc(&g->ir, BPF_JEQ, cond, opnd_imm(0), other);
	struct val v;
	if ((r = cg_expr(g, n->b, &v)))
		return r;
	cg_store_conv(g, &n->b->ty, &v, &n->ty, dst);
	ir_emit_jmp(&g->ir, done);
	ir_emit_label(&g->ir, other);
	if ((r = cg_expr(g, n->c, &v)))
		return r;
	cg_store_conv(g, &n->c->ty, &v, &n->ty, dst);
	ir_emit_label(&g->ir, done);
	*out = (struct val){ .kind = VAL_MEM, .off = dst };
	return g->err;
}

/* Copy `size` bytes of the context at `ctx_off` into scratch, in naturally aligned loads (the verifier's rule). */
static void copy_from_ctx(struct cg *g, uint32_t dst, uint32_t ctx_off, uint32_t size)
{
	int t = ir_new_vreg(&g->ir);
	uint32_t done = 0;
	while (done < size) {
		uint32_t at = ctx_off + done, left = size - done, chunk = 8;
		while (chunk > 1 && (at % chunk || chunk > left))
			chunk /= 2;
		ir_emit_load(&g->ir, t, g->ctx, (int32_t)at, (uint8_t)chunk);
		ir_emit_store(&g->ir, g->scratch, (int32_t)(dst + done), (uint8_t)chunk, opnd_reg(t));
		done += chunk;
	}
}

static int cg_tp_field(struct cg *g, struct node *n, struct val *out, uint32_t extra_off)
{
	const struct tp_field *f = n->field;
	switch (f->kind) {
	case TPF_STR: {
		uint32_t dst = cg_scratch(g, f->size + 1);
		cg_zero(g, dst, f->size + 1);
		copy_from_ctx(g, dst, f->offset, f->size);
		*out = (struct val){ .kind = VAL_MEM, .off = dst };
		return g->err;
	}
	case TPF_DATA_LOC: {
		/* u32: high 16 bits length, low 16 bits offset of the data in the record */
		int loc = ir_new_vreg(&g->ir);
		ir_emit_load(&g->ir, loc, g->ctx, (int32_t)f->offset, 4);
		ir_emit_alu(&g->ir, BPF_AND, loc, opnd_reg(loc), opnd_imm(0xffff));
		int res = ir_new_vreg(&g->ir);
		ir_emit_mov(&g->ir, res, opnd_reg(g->ctx));
		ir_emit_alu(&g->ir, BPF_ADD, res, opnd_reg(res), opnd_reg(loc));
		*out = (struct val){ .kind = VAL_REG, .reg = res };
		return 0;
	}
	case TPF_ARRAY: {
		uint32_t es = f->elem_size;
		int res = ir_new_vreg(&g->ir);
		ir_emit_load(&g->ir, res, g->ctx, (int32_t)(f->offset + extra_off * es), (uint8_t)es);
		cg_extend(g, res, es, f->is_signed);
		*out = (struct val){ .kind = VAL_REG, .reg = res };
		return 0;
	}
	default: {
		uint32_t sz = f->kind == TPF_INT && f->elem_size ? f->elem_size
			      : f->size == 1 || f->size == 2 || f->size == 4 ? f->size : 8;
		if (f->offset % sz)
			return cg_fail(g, n, "unaligned tracepoint field");
		int res = ir_new_vreg(&g->ir);
		ir_emit_load(&g->ir, res, g->ctx, (int32_t)f->offset, (uint8_t)sz);
		if (f->kind == TPF_INT)
			cg_extend(g, res, sz, f->is_signed);
		*out = (struct val){ .kind = VAL_REG, .reg = res };
		return 0;
	}
	}
}

/* ptr->member / record.member: the member's address, then a kernel read of what is there. */
static int cg_btf_field(struct cg *g, struct node *n, struct val *out)
{
	struct ir_opnd base;
	int r = cg_opnd(g, n->a, &base);
	if (r)
		return r;
	int addr = ir_new_vreg(&g->ir);
	ir_emit_alu(&g->ir, BPF_ADD, addr, base, opnd_imm(n->aux));
	if (n->ty.kind == TY_RECORD) {
		*out = (struct val){ .kind = VAL_REG, .reg = addr };
		return 0;
	}
	uint32_t size = n->ty.kind == TY_STR ? n->ty.size : n->ty.kind == TY_INT ? n->ty.size : 8;
	uint32_t buf = cg_scratch(g, n->ty.kind == TY_STR ? size + 1 : 8);
	cg_zero(g, buf, n->ty.kind == TY_STR ? size + 1 : 8);
	struct ir_opnd args[3] = { opnd_addr(g->scratch, (int32_t)buf), opnd_imm(size), opnd_reg(addr) };
	cg_call(g, BPF_FUNC_probe_read_kernel, args, 3, false);
	if (n->ty.kind == TY_STR) {
		*out = (struct val){ .kind = VAL_MEM, .off = buf };
		return g->err;
	}
	int res = ir_new_vreg(&g->ir);
	ir_emit_load(&g->ir, res, g->scratch, (int32_t)buf, 8);
	if (n->ty.kind == TY_INT)
		cg_extend(g, res, n->ty.size, n->ty.is_signed);
	*out = (struct val){ .kind = VAL_REG, .reg = res };
	return g->err;
}

static int cg_field(struct cg *g, struct node *n, struct val *out)
{
	if (!n->field && (n->a->ty.kind == TY_PTR || n->a->ty.kind == TY_RECORD))
		return cg_btf_field(g, n, out);
	if (n->field) {
		if (n->field->kind == TPF_ARRAY)
			return cg_fail(g, n, "index the array field with [N]");
		return cg_tp_field(g, n, out, 0);
	}
	struct val t;
	int r = cg_expr(g, n->a, &t);
	if (r)
		return r;
	const struct type *tt = &n->a->ty;
	uint32_t off = t.off + tt->offs[n->ival];
	const struct type *et = &tt->elems[n->ival];
	if (et->kind == TY_INT || et->kind == TY_PTR) {
		int res = ir_new_vreg(&g->ir);
		ir_emit_load(&g->ir, res, g->scratch, (int32_t)off, 8);
		*out = (struct val){ .kind = VAL_REG, .reg = res };
		return 0;
	}
	*out = (struct val){ .kind = VAL_MEM, .off = off };
	return 0;
}

static int cg_cast(struct cg *g, struct node *n, struct val *out)
{
	struct ir_opnd a;
	int r = cg_opnd(g, n->a, &a);
	if (r)
		return r;
	int res = ir_new_vreg(&g->ir);
	ir_emit_mov(&g->ir, res, a);
	if (n->ty.kind == TY_INT) {
		/* bpftrace (LLVM IntCast): the source's bits, extended with the *target's* signedness */
		uint32_t src = n->a->ty.kind == TY_INT && n->a->ty.size ? n->a->ty.size : 8;
		cg_extend(g, res, src < n->ty.size ? src : n->ty.size, n->ty.is_signed);
	}
	*out = (struct val){ .kind = VAL_REG, .reg = res };
	return 0;
}

static int cg_tuple(struct cg *g, struct node *n, struct val *out)
{
	uint32_t dst = cg_scratch(g, n->ty.size);
	for (uint32_t i = 0; i < n->nargs; i++) {
		struct val v;
		int r = cg_expr(g, n->args[i], &v);
		if (r)
			return r;
		cg_store_conv(g, &n->args[i]->ty, &v, &n->ty.elems[i], dst + n->ty.offs[i]);
	}
	*out = (struct val){ .kind = VAL_MEM, .off = dst };
	return g->err;
}

static int cg_str_literal(struct cg *g, const char *s, size_t len, uint32_t size, struct val *out)
{
	uint32_t dst = cg_scratch(g, size);
	uint32_t total = round8(size);
	for (uint32_t i = 0; i < total; i += 4) {
		uint32_t w = 0;
		for (uint32_t k = 0; k < 4; k++)
			if (i + k < len)
				w |= (uint32_t)(unsigned char)s[i + k] << (8 * k);
		ir_emit_store(&g->ir, g->scratch, (int32_t)(dst + i), 4, opnd_imm((int32_t)w));
	}
	*out = (struct val){ .kind = VAL_MEM, .off = dst };
	return g->err;
}

static int cg_incdec(struct cg *g, struct node *n, struct val *out)
{
	struct node *t = n->a;
	int64_t delta = n->op == T_INC ? 1 : -1;
	if (t->kind == N_VAR) {
		int v = t->var->vreg;
		int res = ir_new_vreg(&g->ir);
		if (n->postfix)
			ir_emit_mov(&g->ir, res, opnd_reg(v));
		ir_emit_alu(&g->ir, BPF_ADD, v, opnd_reg(v), opnd_imm(delta));
		if (!n->postfix)
			ir_emit_mov(&g->ir, res, opnd_reg(v));
		*out = (struct val){ .kind = VAL_REG, .reg = res };
		return 0;
	}
	uint32_t key;
	int r = cg_map_key(g, t, &key);
	if (r)
		return r;
	int skip = ir_alloc_label(&g->ir);
	int res = ir_new_vreg(&g->ir);
	ir_emit_mov(&g->ir, res, opnd_imm(0));
	int p = cg_map_lookup_or_init(g, t->map->bmap, key, g->c->bmaps[t->map->bmap].value_size, skip);
	ir_emit_load(&g->ir, res, p, 0, 8);
	ir_emit_xadd(&g->ir, p, 0, opnd_imm(delta));
	if (!n->postfix)
		ir_emit_alu(&g->ir, BPF_ADD, res, opnd_reg(res), opnd_imm(delta));
	ir_emit_label(&g->ir, skip);
	*out = (struct val){ .kind = VAL_REG, .reg = res };
	return g->err;
}

int cg_expr(struct cg *g, struct node *n, struct val *out)
{
	if (g->err)
		return g->err;
	if (n->is_const) {
		*out = (struct val){ .kind = VAL_IMM, .imm = n->const_val };
		return 0;
	}
	switch (n->kind) {
	case N_STR:
		return cg_str_literal(g, n->str, n->len, n->ty.size, out);
	case N_PARAM: {
		const char *s = n->ival >= 1 && (size_t)n->ival <= g->c->nparams ? g->c->params[n->ival - 1] : "";
		return cg_str_literal(g, s, strlen(s), n->ty.size, out);
	}
	case N_BUILTIN:
	case N_CALL:
		return n->bi->emit(g, n, out);
	case N_VAR:
		if (n->var->ty.kind == TY_INT || n->var->ty.kind == TY_PTR)
			*out = (struct val){ .kind = VAL_REG, .reg = n->var->vreg };
		else
			*out = (struct val){ .kind = VAL_MEM, .off = (uint32_t)n->var->slot };
		if (n->var->vreg < 0 && n->var->slot < 0)
			return cg_fail(g, n, "variable used before it is assigned");
		return 0;
	case N_MAP:
		return cg_map_read(g, n, out);
	case N_BINOP:
		return cg_binop(g, n, out);
	case N_UNOP:
		return cg_unop(g, n, out);
	case N_TERNARY:
		return cg_ternary(g, n, out);
	case N_FIELD:
		return cg_field(g, n, out);
	case N_INDEX:
		return cg_tp_field(g, n->a, out, (uint32_t)n->b->const_val);
	case N_CAST:
		return cg_cast(g, n, out);
	case N_TUPLE:
		return cg_tuple(g, n, out);
	case N_INCDEC:
		return cg_incdec(g, n, out);
	default:
		return cg_fail(g, n, "cannot generate code for this expression");
	}
}


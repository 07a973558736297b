// SPDX-License-Identifier: Apache-2.0
/* IR to BPF instructions: linear-scan allocation of r6-r9 with spills to the stack, one pass of lowering. */
#include "probes/ir.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "probes/bpf_insn.h"

#define NPHYS 4
static const int phys_regs[NPHYS] = { BPF_REG_6, BPF_REG_7, BPF_REG_8, BPF_REG_9 };

#define MAX_STACK 512

struct interval {
	int vreg;
	long start, end;
};

struct loc {
	int phys;	/* BPF register, or -1 when spilled */
	int16_t slot;	/* frame offset (negative) when spilled */
};

struct lower {
	const struct ir *ir;
	struct loc *locs;
	struct bpf_insn *out;
	struct span *spans;
	struct span cur;
	size_t n, cap;
	long *label_pos;	/* BPF index of each label */
	struct fixup {
		size_t at;
		int label;
	} *fixups;
	size_t nfix, fixcap;
	int (*map_fd)(int id, void *arg);
	void *arg;
	int err;
	int32_t stack_bottom;	/* lowest frame offset used */
};

static void put(struct lower *L, struct bpf_insn in)
{
	if (L->err)
		return;
	if (L->n == L->cap) {
		size_t ncap = L->cap ? L->cap * 2 : 512;
		struct bpf_insn *no = realloc(L->out, ncap * sizeof(*no));
		if (!no) {
			L->err = -ENOMEM;
			return;
		}
		L->out = no;
		struct span *ns = realloc(L->spans, ncap * sizeof(*ns));
		if (!ns) {
			L->err = -ENOMEM;
			return;
		}
		L->spans = ns;
		L->cap = ncap;
	}
	L->spans[L->n] = L->cur;
	L->out[L->n++] = in;
}

static void put_jump(struct lower *L, struct bpf_insn in, int label)
{
	if (L->err)
		return;
	if (L->nfix == L->fixcap) {
		size_t ncap = L->fixcap ? L->fixcap * 2 : 128;
		struct fixup *nf = realloc(L->fixups, ncap * sizeof(*nf));
		if (!nf) {
			L->err = -ENOMEM;
			return;
		}
		L->fixups = nf;
		L->fixcap = ncap;
	}
	L->fixups[L->nfix++] = (struct fixup){ .at = L->n, .label = label };
	put(L, in);
}

static bool fits_s32(int64_t v)
{
	return v >= INT32_MIN && v <= INT32_MAX;
}

static void load_imm(struct lower *L, int r, int64_t v)
{
	if (fits_s32(v)) {
		put(L, BPF_MOV64_IMM(r, (int32_t)v));
	} else {
		put(L, BPF_LD_IMM64_RAW_1(r, 0, v));
		put(L, BPF_LD_IMM64_RAW_2(v));
	}
}

/* Load vreg `v` into BPF register `r` (no-op when it already lives there). */
static void load_vreg(struct lower *L, int r, int v)
{
	if (v == VREG_FP) {
		put(L, BPF_MOV64_REG(r, BPF_REG_10));
		return;
	}
	const struct loc *lc = &L->locs[v];
	if (lc->phys >= 0) {
		if (lc->phys != r)
			put(L, BPF_MOV64_REG(r, lc->phys));
	} else {
		put(L, BPF_LDX_MEM(BPF_DW, r, BPF_REG_10, lc->slot));
	}
}

/* The register holding vreg `v`, loading it into `scratch` if it is spilled. */
static int reg_of(struct lower *L, int v, int scratch)
{
	if (v == VREG_FP)
		return BPF_REG_10;
	if (L->locs[v].phys >= 0)
		return L->locs[v].phys;
	load_vreg(L, scratch, v);
	return scratch;
}

static void load_opnd(struct lower *L, int r, const struct ir_opnd *o)
{
	switch (o->kind) {
	case OPND_REG:
		load_vreg(L, r, o->reg);
		break;
	case OPND_IMM:
		load_imm(L, r, o->imm);
		break;
	case OPND_MAP: {
		int fd = L->map_fd ? L->map_fd((int)o->imm, L->arg) : -1;
		put(L, BPF_LD_IMM64_RAW_1(r, BPF_PSEUDO_MAP_FD, (uint32_t)fd));
		put(L, BPF_LD_IMM64_RAW_2(0));
		break;
	}
	case OPND_MAPVAL: {
		int fd = L->map_fd ? L->map_fd((int)o->imm, L->arg) : -1;
		put(L, BPF_LD_IMM64_RAW_1(r, BPF_PSEUDO_MAP_VALUE, (uint32_t)fd));
		put(L, BPF_LD_IMM64_RAW_2(0));
		break;
	}
	case OPND_ADDR:
		load_vreg(L, r, o->reg);
		if (o->imm)
			put(L, BPF_ALU64_IMM(BPF_ADD, r, (int32_t)o->imm));
		break;
	case OPND_NONE:
		put(L, BPF_MOV64_IMM(r, 0));
		break;
	}
}

/* Where to compute vreg `v`: its register, or r0 when spilled (then store_def). */
static int def_reg(struct lower *L, int v)
{
	return L->locs[v].phys >= 0 ? L->locs[v].phys : BPF_REG_0;
}

static void store_def(struct lower *L, int v, int r)
{
	const struct loc *lc = &L->locs[v];
	if (lc->phys >= 0) {
		if (lc->phys != r)
			put(L, BPF_MOV64_REG(lc->phys, r));
	} else {
		put(L, BPF_STX_MEM(BPF_DW, BPF_REG_10, r, lc->slot));
	}
}

static bool same_phys(struct lower *L, const struct ir_opnd *o, int r)
{
	return o->kind == OPND_REG && o->reg != VREG_FP && L->locs[o->reg].phys == r;
}

static void lower_alu(struct lower *L, const struct ir_insn *in)
{
	int final = def_reg(L, in->dst);
	int rd = final;
	/* computing into rd would clobber b before it is read */
	if (same_phys(L, &in->b, rd) && !(in->a.kind == OPND_REG && in->a.reg == in->b.reg))
		rd = BPF_REG_0;
	load_opnd(L, rd, &in->a);
	if (in->b.kind == OPND_IMM && fits_s32(in->b.imm)) {
		put(L, BPF_ALU64_IMM(in->op, rd, (int32_t)in->b.imm));
	} else {
		int rb;
		if (in->b.kind == OPND_REG && in->b.reg != VREG_FP && L->locs[in->b.reg].phys >= 0) {
			rb = L->locs[in->b.reg].phys;
		} else {
			rb = rd == BPF_REG_1 ? BPF_REG_2 : BPF_REG_1;
			load_opnd(L, rb, &in->b);
		}
		put(L, BPF_ALU64_REG(in->op, rd, rb));
	}
	store_def(L, in->dst, rd);
}

static void lower_insn(struct lower *L, const struct ir_insn *in)
{
	switch (in->kind) {
	case IR_LABEL:
		L->label_pos[in->label] = (long)L->n;
		break;
	case IR_COMMENT:
		break;
	case IR_MOV: {
		const struct loc *lc = &L->locs[in->dst];
		if (lc->phys >= 0) {
			load_opnd(L, lc->phys, &in->a);
		} else if (in->a.kind == OPND_IMM && fits_s32(in->a.imm)) {
			put(L, BPF_ST_MEM(BPF_DW, BPF_REG_10, lc->slot, (int32_t)in->a.imm));
		} else if (in->a.kind == OPND_REG && in->a.reg != VREG_FP && L->locs[in->a.reg].phys >= 0) {
			put(L, BPF_STX_MEM(BPF_DW, BPF_REG_10, L->locs[in->a.reg].phys, lc->slot));
		} else {
			load_opnd(L, BPF_REG_0, &in->a);
			store_def(L, in->dst, BPF_REG_0);
		}
		break;
	}
	case IR_ALU:
		lower_alu(L, in);
		break;
	case IR_NEG: {
		int rd = def_reg(L, in->dst);
		load_opnd(L, rd, &in->a);
		put(L, BPF_NEG64(rd));
		store_def(L, in->dst, rd);
		break;
	}
	case IR_LOAD: {
		int rb = reg_of(L, in->base, BPF_REG_1);
		int rd = def_reg(L, in->dst);
		put(L, BPF_LDX_MEM(bpf_size_code(in->size), rd, rb, (int16_t)in->off));
		store_def(L, in->dst, rd);
		break;
	}
	case IR_STORE: {
		int rb = reg_of(L, in->base, BPF_REG_1);
		if (in->a.kind == OPND_IMM && fits_s32(in->a.imm)) {
			put(L, BPF_ST_MEM(bpf_size_code(in->size), rb, (int16_t)in->off, (int32_t)in->a.imm));
		} else {
			int rs;
			if (in->a.kind == OPND_REG && in->a.reg != VREG_FP && L->locs[in->a.reg].phys >= 0) {
				rs = L->locs[in->a.reg].phys;
			} else {
				rs = BPF_REG_2;
				load_opnd(L, rs, &in->a);
			}
			put(L, BPF_STX_MEM(bpf_size_code(in->size), rb, rs, (int16_t)in->off));
		}
		break;
	}
	case IR_XADD: {
		int rb = reg_of(L, in->base, BPF_REG_1);
		load_opnd(L, BPF_REG_2, &in->a);
		put(L, BPF_ATOMIC_OP(BPF_DW, BPF_ADD, rb, BPF_REG_2, (int16_t)in->off));
		break;
	}
	case IR_XADD_IDX: {
		load_opnd(L, BPF_REG_1, &in->a);
		/* skip the 4 to 6 instructions below when out of range */
		size_t jump_at = L->n;
		put(L, BPF_JMP_IMM(BPF_JGT, BPF_REG_1, in->off, 0));
		put(L, BPF_ALU64_IMM(BPF_LSH, BPF_REG_1, 3));
		load_vreg(L, BPF_REG_2, in->base);
		put(L, BPF_ALU64_REG(BPF_ADD, BPF_REG_2, BPF_REG_1));
		load_opnd(L, BPF_REG_3, &in->b);
		put(L, BPF_ATOMIC_OP(BPF_DW, BPF_ADD, BPF_REG_2, BPF_REG_3, 0));
		if (!L->err)
			L->out[jump_at].off = (int16_t)(L->n - jump_at - 1);
		break;
	}
	case IR_ADDR: {
		int rd = def_reg(L, in->dst);
		load_vreg(L, rd, in->base);
		if (in->off)
			put(L, BPF_ALU64_IMM(BPF_ADD, rd, in->off));
		store_def(L, in->dst, rd);
		break;
	}
	case IR_JMP:
		put_jump(L, BPF_JMP_A(0), in->label);
		break;
	case IR_JCC: {
		int ra;
		if (in->a.kind == OPND_REG && in->a.reg != VREG_FP && L->locs[in->a.reg].phys >= 0) {
			ra = L->locs[in->a.reg].phys;
		} else {
			ra = BPF_REG_0;
			load_opnd(L, ra, &in->a);
		}
		if (in->b.kind == OPND_IMM && fits_s32(in->b.imm)) {
			put_jump(L, BPF_JMP_IMM(in->op, ra, (int32_t)in->b.imm, 0), in->label);
		} else {
			int rb;
			if (in->b.kind == OPND_REG && in->b.reg != VREG_FP && L->locs[in->b.reg].phys >= 0) {
				rb = L->locs[in->b.reg].phys;
			} else {
				rb = BPF_REG_1;
				load_opnd(L, rb, &in->b);
			}
			put_jump(L, BPF_JMP_REG(in->op, ra, rb, 0), in->label);
		}
		break;
	}
	case IR_CALL:
		for (int i = 0; i < in->nargs; i++)
			load_opnd(L, BPF_REG_1 + i, &in->args[i]);
		put(L, BPF_EMIT_CALL(in->helper));
		if (in->dst != VREG_NONE)
			store_def(L, in->dst, BPF_REG_0);
		break;
	case IR_EXIT:
		load_opnd(L, BPF_REG_0, &in->a);
		put(L, BPF_EXIT_INSN());
		break;
	}
}

/* ---- liveness and allocation ------------------------------------------------------------------ */

static void touch(struct interval *iv, int v, long pos)
{
	if (v < 0)
		return;
	if (iv[v].start > pos)
		iv[v].start = pos;
	if (iv[v].end < pos)
		iv[v].end = pos;
}

static void touch_opnd(struct interval *iv, const struct ir_opnd *o, long pos)
{
	if (o->kind == OPND_REG || o->kind == OPND_ADDR)
		touch(iv, o->reg, pos);
}

static int cmp_start(const void *a, const void *b)
{
	const struct interval *x = a, *y = b;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->vreg - y->vreg;
}

static int allocate(const struct ir *ir, uint32_t stack_reserved, struct loc *locs, int32_t *bottom)
{
	int nv = ir->nvregs;
	struct interval *iv = calloc(nv ? nv : 1, sizeof(*iv));
	long *label_at = calloc(ir->nlabels ? ir->nlabels : 1, sizeof(*label_at));
	if (!iv || !label_at) {
		free(iv);
		free(label_at);
		return -ENOMEM;
	}
	for (int v = 0; v < nv; v++) {
		iv[v].vreg = v;
		iv[v].start = LONG_MAX;
		iv[v].end = -2;
	}
	/* vreg 0 is the context, live from the entry */
	if (nv > 0)
		touch(iv, 0, -1);
	for (size_t i = 0; i < ir->n; i++) {
		const struct ir_insn *in = &ir->insns[i];
		long pos = (long)i;
		if (in->kind == IR_LABEL)
			label_at[in->label] = pos;
		touch(iv, in->dst, pos);
		touch(iv, in->base, pos);
		touch_opnd(iv, &in->a, pos);
		touch_opnd(iv, &in->b, pos);
		for (int a = 0; a < in->nargs; a++)
			touch_opnd(iv, &in->args[a], pos);
	}
	/* a value live into a loop's head must survive the whole loop (backward jumps) */
	bool changed = true;
	while (changed) {
		changed = false;
		for (size_t i = 0; i < ir->n; i++) {
			const struct ir_insn *in = &ir->insns[i];
			if ((in->kind != IR_JMP && in->kind != IR_JCC) || label_at[in->label] > (long)i)
				continue;
			long head = label_at[in->label];
			for (int v = 0; v < nv; v++) {
				if (iv[v].start < head && iv[v].end >= head && iv[v].end < (long)i) {
					iv[v].end = (long)i;
					changed = true;
				}
			}
		}
	}
	struct interval *order = malloc((nv ? nv : 1) * sizeof(*order));
	if (!order) {
		free(iv);
		free(label_at);
		return -ENOMEM;
	}
	memcpy(order, iv, nv * sizeof(*order));
	qsort(order, nv, sizeof(*order), cmp_start);

	int active[NPHYS];	/* vreg in each physical register, or -1 */
	for (int r = 0; r < NPHYS; r++)
		active[r] = -1;
	int32_t next_slot = -(int32_t)stack_reserved;
	int err = 0;
	for (int k = 0; k < nv; k++) {
		struct interval *cur = &order[k];
		int v = cur->vreg;
		locs[v].phys = -1;
		locs[v].slot = 0;
		if (cur->end < -1)
			continue; /* never used */
		int free_r = -1;
		for (int r = 0; r < NPHYS; r++) {
			if (active[r] >= 0 && iv[active[r]].end < cur->start)
				active[r] = -1;
			if (active[r] < 0 && free_r < 0)
				free_r = r;
		}
		if (free_r < 0) {
			/* spill whichever lives longest: the new interval or an active one */
			int victim = 0;
			for (int r = 1; r < NPHYS; r++)
				if (iv[active[r]].end > iv[active[victim]].end)
					victim = r;
			int spill = v;
			if (iv[active[victim]].end > cur->end) {
				spill = active[victim];
				locs[v].phys = phys_regs[victim];
				active[victim] = v;
			}
			next_slot -= 8;
			if (-next_slot > MAX_STACK) {
				err = -E2BIG;
				break;
			}
			locs[spill].phys = -1;
			locs[spill].slot = (int16_t)next_slot;
			continue;
		}
		locs[v].phys = phys_regs[free_r];
		active[free_r] = v;
	}
	*bottom = next_slot;
	free(order);
	free(iv);
	free(label_at);
	return err;
}

int ir_lower(const struct ir *ir, uint32_t stack_reserved, int (*map_fd)(int id, void *arg), void *arg,
	     void **insns, size_t *ninsns, struct span **spans)
{
	struct lower L = { .ir = ir, .map_fd = map_fd, .arg = arg };
	int err;

	*insns = NULL;
	*ninsns = 0;
	if (spans)
		*spans = NULL;
	if (ir->oom)
		return -ENOMEM;
	L.locs = calloc(ir->nvregs ? ir->nvregs : 1, sizeof(*L.locs));
	L.label_pos = malloc((ir->nlabels ? ir->nlabels : 1) * sizeof(*L.label_pos));
	if (!L.locs || !L.label_pos) {
		err = -ENOMEM;
		goto out;
	}
	for (int i = 0; i < ir->nlabels; i++)
		L.label_pos[i] = -1;
	err = allocate(ir, stack_reserved, L.locs, &L.stack_bottom);
	if (err)
		goto out;
	/* the context arrives in r1 */
	if (ir->nvregs > 0 && (L.locs[0].phys >= 0 || L.locs[0].slot))
		store_def(&L, 0, BPF_REG_1);
	for (size_t i = 0; i < ir->n && !L.err; i++) {
		L.cur = ir->insns[i].span;
		lower_insn(&L, &ir->insns[i]);
	}
	err = L.err;
	if (err)
		goto out;
	for (size_t f = 0; f < L.nfix; f++) {
		long target = L.label_pos[L.fixups[f].label];
		long delta = target - (long)L.fixups[f].at - 1;
		if (target < 0 || delta < INT16_MIN || delta > INT16_MAX) {
			err = -E2BIG;
			goto out;
		}
		L.out[L.fixups[f].at].off = (int16_t)delta;
	}
	*insns = L.out;
	*ninsns = L.n;
	L.out = NULL;
	if (spans) {
		*spans = L.spans;
		L.spans = NULL;
	}
out:
	free(L.out);
	free(L.spans);
	free(L.fixups);
	free(L.locs);
	free(L.label_pos);
	return err;
}

// SPDX-License-Identifier: Apache-2.0
/* Aggregations: count sum avg min max stats hist lhist, in per-CPU maps updated atomically, merged in user space. */
#include "probes/check.h"

#include <errno.h>

#include <linux/bpf.h>

#include "probes/ir.h"

static int check_value_arg(struct checker *c, struct node *n)
{
	for (uint32_t i = 0; i < n->nargs; i++) {
		int r = check_expr(c, n->args[i]);
		if (r)
			return r;
	}
	if (n->nargs)
		return check_int_arg(c, n, 0);
	return 0;
}

static int check_count(struct checker *c, struct node *n)
{
	n->ty = TYPE_OF(TY_COUNT);
	return 0;
}

static int check_one(struct checker *c, struct node *n, enum type_kind k)
{
	int r = check_value_arg(c, n);
	if (r)
		return r;
	n->ty = TYPE_OF(k);
	n->ty.is_signed = n->args[0]->ty.kind == TY_INT && n->args[0]->ty.is_signed;
	return 0;
}

static int check_sum(struct checker *c, struct node *n) { return check_one(c, n, TY_SUM); }
static int check_avg(struct checker *c, struct node *n) { return check_one(c, n, TY_AVG); }
static int check_min(struct checker *c, struct node *n) { return check_one(c, n, TY_MIN); }
static int check_max(struct checker *c, struct node *n) { return check_one(c, n, TY_MAX); }
static int check_stats(struct checker *c, struct node *n) { return check_one(c, n, TY_STATS); }
static int check_hist(struct checker *c, struct node *n) { return check_one(c, n, TY_HIST); }

static int check_lhist(struct checker *c, struct node *n)
{
	int r = check_value_arg(c, n);
	if (r)
		return r;
	int64_t min, max, step;
	if ((r = check_const_arg(c, n, 1, &min)) || (r = check_const_arg(c, n, 2, &max)) ||
	    (r = check_const_arg(c, n, 3, &step)))
		return r;
	if (step <= 0)
		return check_error(c, n->args[3], "lhist() step must be >= 1, not %lld", (long long)step);
	if (min < 0)
		return check_error(c, n->args[1], "lhist() min must be non-negative, not %lld", (long long)min);
	if (min > max)
		return check_error(c, n, "lhist() min must be less than max (min %lld, max %lld)", (long long)min,
				   (long long)max);
	if (max - min < step)
		return check_error(c, n->args[3], "lhist() step %lld is too large for the range %lld", (long long)step,
				   (long long)(max - min));
	if ((max - min) / step > 1000)
		return check_error(c, n, "lhist() has too many buckets: at most 1000 (this needs %lld)",
				   (long long)((max - min) / step));
	n->ty = TYPE_OF(TY_LHIST);
	n->ty.lmin = min;
	n->ty.lmax = max;
	n->ty.lstep = step;
	return 0;
}

/* The map value for the assignment being emitted, created zeroed if missing; jumps to *skip on failure. */
static int agg_value(struct cg *g, int *skip)
{
	struct node *m = g->assign_target;
	uint32_t key;
	int r = cg_map_key(g, m, &key);
	if (r)
		return -1;
	*skip = ir_alloc_label(&g->ir);
	const struct bmap *bm = &g->c->bmaps[m->map->bmap];
	return cg_map_lookup_or_init(g, m->map->bmap, key, bm->value_size, *skip);
}

static int emit_count(struct cg *g, struct node *n, struct val *out)
{
	int skip, p = agg_value(g, &skip);
	if (p < 0)
		return g->err ? g->err : -EINVAL;
	ir_emit_xadd(&g->ir, p, 0, opnd_imm(1));
	ir_emit_label(&g->ir, skip);
	*out = (struct val){ .kind = VAL_NONE };
	return g->err;
}

static int emit_sum(struct cg *g, struct node *n, struct val *out)
{
	struct ir_opnd v;
	struct val vv;
	int r = cg_expr(g, n->args[0], &vv);
	if (r)
		return r;
	v = val_opnd(&vv);
	int skip, p = agg_value(g, &skip);
	if (p < 0)
		return g->err ? g->err : -EINVAL;
	ir_emit_xadd(&g->ir, p, 0, v);
	ir_emit_label(&g->ir, skip);
	*out = (struct val){ .kind = VAL_NONE };
	return g->err;
}

/* avg and stats: { u64 count, s64 total } */
static int emit_avg(struct cg *g, struct node *n, struct val *out)
{
	struct val vv;
	int r = cg_expr(g, n->args[0], &vv);
	if (r)
		return r;
	int skip, p = agg_value(g, &skip);
	if (p < 0)
		return g->err ? g->err : -EINVAL;
	ir_emit_xadd(&g->ir, p, 0, opnd_imm(1));
	ir_emit_xadd(&g->ir, p, 8, val_opnd(&vv));
	ir_emit_label(&g->ir, skip);
	*out = (struct val){ .kind = VAL_NONE };
	return g->err;
}

/*
 * min and max as bpftrace 0.17 stores them (one s64 per CPU, compared with
 * the old value read as 0 when missing): max keeps x when x >= old; min keeps
 * 0xffffffff - x when that is >= old, and printing inverts it. So max of only
 * negative values, or min of values above 0xffffffff, never creates the entry.
 */
static int emit_minmax(struct cg *g, struct node *n, struct val *out, bool is_min)
{
	struct val vv;
	int r = cg_expr(g, n->args[0], &vv);
	if (r)
		return r;
	int v = ir_new_vreg(&g->ir);
	if (is_min)
		ir_emit_alu(&g->ir, BPF_SUB, v, opnd_imm(0xffffffffLL), val_opnd(&vv));
	else
		ir_emit_mov(&g->ir, v, val_opnd(&vv));
	struct node *m = g->assign_target;
	uint32_t key;
	if ((r = cg_map_key(g, m, &key)))
		return r;
	int id = m->map->bmap;
	struct ir_opnd args[4] = { opnd_map(id), opnd_addr(g->scratch, (int32_t)key) };
	int p = cg_call(g, BPF_FUNC_map_lookup_elem, args, 2, true);
	int old = ir_new_vreg(&g->ir), skip = ir_alloc_label(&g->ir), have = ir_alloc_label(&g->ir);
	ir_emit_mov(&g->ir, old, opnd_imm(0));
	ir_emit_jcc(&g->ir, BPF_JEQ, opnd_reg(p), opnd_imm(0), have);
	ir_emit_load(&g->ir, old, p, 0, 8);
	ir_emit_label(&g->ir, have);
	ir_emit_jcc(&g->ir, BPF_JSLT, opnd_reg(v), opnd_reg(old), skip);
	uint32_t val = cg_scratch(g, 8);
	ir_emit_store(&g->ir, g->scratch, (int32_t)val, 8, opnd_reg(v));
	args[2] = opnd_addr(g->scratch, (int32_t)val);
	args[3] = opnd_imm(BPF_ANY);
	cg_call(g, BPF_FUNC_map_update_elem, args, 4, false);
	ir_emit_label(&g->ir, skip);
	*out = (struct val){ .kind = VAL_NONE };
	return g->err;
}

static int emit_min(struct cg *g, struct node *n, struct val *out)
{
	return emit_minmax(g, n, out, true);
}

static int emit_max(struct cg *g, struct node *n, struct val *out)
{
	return emit_minmax(g, n, out, false);
}

/*
 * hist(): bucket 0 for v < 0, 1 for 0, else 2 + log2(v) found by bpftrace's
 * five halving steps (16, 8, 4, 2, 1 bits), so values of 2^32 and more land
 * where bpftrace puts them.
 */
static int emit_hist(struct cg *g, struct node *n, struct val *out)
{
	struct val vv;
	int r = cg_expr(g, n->args[0], &vv);
	if (r)
		return r;
	int v = ir_new_vreg(&g->ir), idx = ir_new_vreg(&g->ir);
	int done = ir_alloc_label(&g->ir);
	ir_emit_mov(&g->ir, v, val_opnd(&vv));
	ir_emit_mov(&g->ir, idx, opnd_imm(0));
	ir_emit_jcc(&g->ir, BPF_JSLT, opnd_reg(v), opnd_imm(0), done);
	ir_emit_mov(&g->ir, idx, opnd_imm(1));
	ir_emit_jcc(&g->ir, BPF_JEQ, opnd_reg(v), opnd_imm(0), done);
	ir_emit_mov(&g->ir, idx, opnd_imm(2));
	for (int i = 4; i >= 0; i--) {
		int bits = 1 << i, next = ir_alloc_label(&g->ir);
		ir_emit_jcc(&g->ir, BPF_JSLT, opnd_reg(v), opnd_imm(1LL << bits), next);
		ir_emit_alu(&g->ir, BPF_RSH, v, opnd_reg(v), opnd_imm(bits));
		ir_emit_alu(&g->ir, BPF_ADD, idx, opnd_reg(idx), opnd_imm(bits));
		ir_emit_label(&g->ir, next);
	}
	ir_emit_label(&g->ir, done);
	int skip, p = agg_value(g, &skip);
	if (p < 0)
		return g->err ? g->err : -EINVAL;
	ir_emit_xadd_idx(&g->ir, p, opnd_reg(idx), 64, opnd_imm(1));
	ir_emit_label(&g->ir, skip);
	*out = (struct val){ .kind = VAL_NONE };
	return g->err;
}

/* lhist(): 0 below min, 1 + (v - min) / step inside, 1 + (max - min) / step above max (bpftrace's indexing). */
static int emit_lhist(struct cg *g, struct node *n, struct val *out)
{
	struct val vv;
	int r = cg_expr(g, n->args[0], &vv);
	if (r)
		return r;
	int64_t min = n->ty.lmin, max = n->ty.lmax, step = n->ty.lstep;
	int v = ir_new_vreg(&g->ir), idx = ir_new_vreg(&g->ir);
	int done = ir_alloc_label(&g->ir), inside = ir_alloc_label(&g->ir);
	ir_emit_mov(&g->ir, v, val_opnd(&vv));
	ir_emit_mov(&g->ir, idx, opnd_imm(0));
	ir_emit_jcc(&g->ir, BPF_JSLT, opnd_reg(v), opnd_imm(min), done);
	ir_emit_mov(&g->ir, idx, opnd_imm(1 + (max - min) / step));
	ir_emit_jcc(&g->ir, BPF_JSGT, opnd_reg(v), opnd_imm(max), done);
	ir_emit_label(&g->ir, inside);
	ir_emit_alu(&g->ir, BPF_SUB, idx, opnd_reg(v), opnd_imm(min));
	ir_emit_alu(&g->ir, BPF_DIV, idx, opnd_reg(idx), opnd_imm(step));
	ir_emit_alu(&g->ir, BPF_ADD, idx, opnd_reg(idx), opnd_imm(1));
	ir_emit_label(&g->ir, done);
	int skip, p = agg_value(g, &skip);
	if (p < 0)
		return g->err ? g->err : -EINVAL;
	ir_emit_xadd_idx(&g->ir, p, opnd_reg(idx), (int32_t)(1 + (max - min) / step), opnd_imm(1));
	ir_emit_label(&g->ir, skip);
	*out = (struct val){ .kind = VAL_NONE };
	return g->err;
}

#define AGG(nm, lo, hi, chk, emt) \
	{ .name = nm, .kind = BUILTIN_FUNC, .min_args = lo, .max_args = hi, .flags = BI_AGG, .check = chk, .emit = emt }

const struct builtin builtins_aggs[] = {
	AGG("count", 0, 0, check_count, emit_count),
	AGG("sum", 1, 1, check_sum, emit_sum),
	AGG("avg", 1, 1, check_avg, emit_avg),
	AGG("min", 1, 1, check_min, emit_min),
	AGG("max", 1, 1, check_max, emit_max),
	AGG("stats", 1, 1, check_stats, emit_avg),
	AGG("hist", 1, 1, check_hist, emit_hist),
	AGG("lhist", 4, 4, check_lhist, emit_lhist),
};
const size_t builtins_aggs_n = sizeof(builtins_aggs) / sizeof(builtins_aggs[0]);

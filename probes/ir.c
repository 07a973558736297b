// SPDX-License-Identifier: Apache-2.0
/* The IR: appending instructions on virtual registers and labels, and printing it for --dump=ir. */
#include "probes/ir.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/bpf.h>

#include "lib/buf.h"

void ir_init(struct ir *ir)
{
	memset(ir, 0, sizeof(*ir));
}

void ir_release(struct ir *ir)
{
	for (size_t i = 0; i < ir->nstrs; i++)
		free(ir->strs[i]);
	free(ir->strs);
	free(ir->insns);
	memset(ir, 0, sizeof(*ir));
}

int ir_new_vreg(struct ir *ir)
{
	return ir->nvregs++;
}

int ir_alloc_label(struct ir *ir)
{
	return ir->nlabels++;
}

static struct ir_insn *append(struct ir *ir, enum ir_kind kind)
{
	if (ir->n == ir->cap) {
		size_t ncap = ir->cap ? ir->cap * 2 : 256;
		struct ir_insn *ni = realloc(ir->insns, ncap * sizeof(*ni));
		if (!ni) {
			ir->oom = true;
			return NULL;
		}
		ir->insns = ni;
		ir->cap = ncap;
	}
	struct ir_insn *in = &ir->insns[ir->n++];
	memset(in, 0, sizeof(*in));
	in->kind = kind;
	in->span = ir->cur_span;
	in->dst = VREG_NONE;
	in->base = VREG_NONE;
	in->label = -1;
	return in;
}

void ir_emit_label(struct ir *ir, int label)
{
	struct ir_insn *in = append(ir, IR_LABEL);
	if (in)
		in->label = label;
}

void ir_emit_comment(struct ir *ir, const char *fmt, ...)
{
	char *s = NULL;
	va_list ap;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	if (!s) {
		ir->oom = true;
		return;
	}
	if (ir->nstrs == ir->strs_cap) {
		size_t ncap = ir->strs_cap ? ir->strs_cap * 2 : 32;
		char **ns = realloc(ir->strs, ncap * sizeof(*ns));
		if (!ns) {
			free(s);
			ir->oom = true;
			return;
		}
		ir->strs = ns;
		ir->strs_cap = ncap;
	}
	ir->strs[ir->nstrs++] = s;
	struct ir_insn *in = append(ir, IR_COMMENT);
	if (in)
		in->comment = s;
}

void ir_emit_mov(struct ir *ir, int dst, struct ir_opnd a)
{
	struct ir_insn *in = append(ir, IR_MOV);
	if (in) {
		in->dst = dst;
		in->a = a;
	}
}

void ir_emit_alu(struct ir *ir, uint8_t op, int dst, struct ir_opnd a, struct ir_opnd b)
{
	struct ir_insn *in = append(ir, IR_ALU);
	if (in) {
		in->op = op;
		in->dst = dst;
		in->a = a;
		in->b = b;
	}
}

void ir_emit_neg(struct ir *ir, int dst, struct ir_opnd a)
{
	struct ir_insn *in = append(ir, IR_NEG);
	if (in) {
		in->dst = dst;
		in->a = a;
	}
}

void ir_emit_load(struct ir *ir, int dst, int base, int32_t off, uint8_t size)
{
	struct ir_insn *in = append(ir, IR_LOAD);
	if (in) {
		in->dst = dst;
		in->base = base;
		in->off = off;
		in->size = size;
	}
}

void ir_emit_store(struct ir *ir, int base, int32_t off, uint8_t size, struct ir_opnd a)
{
	struct ir_insn *in = append(ir, IR_STORE);
	if (in) {
		in->base = base;
		in->off = off;
		in->size = size;
		in->a = a;
	}
}

void ir_emit_xadd(struct ir *ir, int base, int32_t off, struct ir_opnd a)
{
	struct ir_insn *in = append(ir, IR_XADD);
	if (in) {
		in->base = base;
		in->off = off;
		in->size = 8;
		in->a = a;
	}
}

void ir_emit_xadd_idx(struct ir *ir, int base, struct ir_opnd a, int32_t max, struct ir_opnd b)
{
	struct ir_insn *in = append(ir, IR_XADD_IDX);
	if (in) {
		in->base = base;
		in->a = a;
		in->off = max;
		in->b = b;
	}
}

void ir_emit_addr(struct ir *ir, int dst, int base, int32_t off)
{
	struct ir_insn *in = append(ir, IR_ADDR);
	if (in) {
		in->dst = dst;
		in->base = base;
		in->off = off;
	}
}

void ir_emit_jmp(struct ir *ir, int label)
{
	struct ir_insn *in = append(ir, IR_JMP);
	if (in)
		in->label = label;
}

void ir_emit_jcc(struct ir *ir, uint8_t op, struct ir_opnd a, struct ir_opnd b, int label)
{
	struct ir_insn *in = append(ir, IR_JCC);
	if (in) {
		in->op = op;
		in->a = a;
		in->b = b;
		in->label = label;
	}
}

void ir_emit_call(struct ir *ir, int helper, int dst, const struct ir_opnd *args, int nargs)
{
	struct ir_insn *in = append(ir, IR_CALL);
	if (in) {
		in->helper = helper;
		in->dst = dst;
		in->nargs = (uint8_t)(nargs > 5 ? 5 : nargs);
		for (int i = 0; i < in->nargs; i++)
			in->args[i] = args[i];
	}
}

void ir_emit_exit(struct ir *ir, struct ir_opnd a)
{
	struct ir_insn *in = append(ir, IR_EXIT);
	if (in)
		in->a = a;
}

/* ---- dump ------------------------------------------------------------------------------------- */

static const char *alu_name(uint8_t op)
{
	switch (op) {
	case BPF_ADD: return "add";
	case BPF_SUB: return "sub";
	case BPF_MUL: return "mul";
	case BPF_DIV: return "div";
	case BPF_MOD: return "mod";
	case BPF_AND: return "and";
	case BPF_OR: return "or";
	case BPF_XOR: return "xor";
	case BPF_LSH: return "lsh";
	case BPF_RSH: return "rsh";
	case BPF_ARSH: return "arsh";
	default: return "alu?";
	}
}

static const char *jmp_name(uint8_t op)
{
	switch (op) {
	case BPF_JEQ: return "==";
	case BPF_JNE: return "!=";
	case BPF_JGT: return ">";
	case BPF_JGE: return ">=";
	case BPF_JLT: return "<";
	case BPF_JLE: return "<=";
	case BPF_JSGT: return "s>";
	case BPF_JSGE: return "s>=";
	case BPF_JSLT: return "s<";
	case BPF_JSLE: return "s<=";
	case BPF_JSET: return "&";
	default: return "?";
	}
}

static const char *helper_name(int id)
{
	switch (id) {
	case BPF_FUNC_map_lookup_elem: return "map_lookup_elem";
	case BPF_FUNC_map_update_elem: return "map_update_elem";
	case BPF_FUNC_map_delete_elem: return "map_delete_elem";
	case BPF_FUNC_ktime_get_ns: return "ktime_get_ns";
	case BPF_FUNC_get_prandom_u32: return "get_prandom_u32";
	case BPF_FUNC_get_smp_processor_id: return "get_smp_processor_id";
	case BPF_FUNC_get_current_pid_tgid: return "get_current_pid_tgid";
	case BPF_FUNC_get_current_uid_gid: return "get_current_uid_gid";
	case BPF_FUNC_get_current_comm: return "get_current_comm";
	case BPF_FUNC_get_stackid: return "get_stackid";
	case BPF_FUNC_get_current_task: return "get_current_task";
	case BPF_FUNC_probe_read_str: return "probe_read_str";
	case BPF_FUNC_probe_read: return "probe_read";
	case BPF_FUNC_get_func_ip: return "get_func_ip";
	case BPF_FUNC_get_current_cgroup_id: return "get_current_cgroup_id";
	case BPF_FUNC_probe_read_kernel: return "probe_read_kernel";
	case BPF_FUNC_ringbuf_output: return "ringbuf_output";
	default: return NULL;
	}
}

static void dump_reg(struct buf *out, int r)
{
	if (r == VREG_FP)
		buf_addstr(out, "fp");
	else
		buf_addf(out, "v%d", r);
}

static void dump_opnd(struct buf *out, const struct ir_opnd *o, const char *(*map_name)(int, void *), void *arg)
{
	switch (o->kind) {
	case OPND_NONE: buf_addstr(out, "_"); break;
	case OPND_REG: dump_reg(out, o->reg); break;
	case OPND_IMM: buf_addf(out, "%lld", (long long)o->imm); break;
	case OPND_MAP: {
		const char *n = map_name ? map_name((int)o->imm, arg) : NULL;
		if (n)
			buf_addf(out, "map[%s]", n);
		else
			buf_addf(out, "map[%lld]", (long long)o->imm);
		break;
	}
	case OPND_MAPVAL: {
		const char *n = map_name ? map_name((int)o->imm, arg) : NULL;
		if (n)
			buf_addf(out, "&value(map[%s])", n);
		else
			buf_addf(out, "&value(map[%lld])", (long long)o->imm);
		break;
	}
	case OPND_ADDR:
		dump_reg(out, o->reg);
		buf_addf(out, "%+lld", (long long)o->imm);
		break;
	}
}

void ir_dump(const struct ir *ir, struct buf *out, const char *(*map_name)(int id, void *arg), void *arg)
{
	for (size_t i = 0; i < ir->n; i++) {
		const struct ir_insn *in = &ir->insns[i];
		if (in->kind == IR_LABEL) {
			buf_addf(out, "L%d:\n", in->label);
			continue;
		}
		if (in->kind == IR_COMMENT) {
			buf_addf(out, "\t; %s\n", in->comment);
			continue;
		}
		buf_addch(out, '\t');
		switch (in->kind) {
		case IR_MOV:
			dump_reg(out, in->dst);
			buf_addstr(out, " = ");
			dump_opnd(out, &in->a, map_name, arg);
			break;
		case IR_ALU:
			dump_reg(out, in->dst);
			buf_addstr(out, " = ");
			buf_addf(out, "%s ", alu_name(in->op));
			dump_opnd(out, &in->a, map_name, arg);
			buf_addstr(out, ", ");
			dump_opnd(out, &in->b, map_name, arg);
			break;
		case IR_NEG:
			dump_reg(out, in->dst);
			buf_addstr(out, " = neg ");
			dump_opnd(out, &in->a, map_name, arg);
			break;
		case IR_LOAD:
			dump_reg(out, in->dst);
			buf_addf(out, " = *(u%d *)(", in->size * 8);
			dump_reg(out, in->base);
			buf_addf(out, "%+d)", in->off);
			break;
		case IR_STORE:
		case IR_XADD:
			buf_addf(out, "%s*(u%d *)(", in->kind == IR_XADD ? "atomic " : "", in->size * 8);
			dump_reg(out, in->base);
			buf_addf(out, "%+d) %s ", in->off, in->kind == IR_XADD ? "+=" : "=");
			dump_opnd(out, &in->a, map_name, arg);
			break;
		case IR_XADD_IDX:
			buf_addstr(out, "if ");
			dump_opnd(out, &in->a, map_name, arg);
			buf_addf(out, " <= %d: atomic *(u64 *)(", in->off);
			dump_reg(out, in->base);
			buf_addstr(out, " + ");
			dump_opnd(out, &in->a, map_name, arg);
			buf_addstr(out, " * 8) += ");
			dump_opnd(out, &in->b, map_name, arg);
			break;
		case IR_ADDR:
			dump_reg(out, in->dst);
			buf_addstr(out, " = &");
			dump_reg(out, in->base);
			buf_addf(out, "%+d", in->off);
			break;
		case IR_JMP:
			buf_addf(out, "goto L%d", in->label);
			break;
		case IR_JCC:
			buf_addstr(out, "if ");
			dump_opnd(out, &in->a, map_name, arg);
			buf_addf(out, " %s ", jmp_name(in->op));
			dump_opnd(out, &in->b, map_name, arg);
			buf_addf(out, " goto L%d", in->label);
			break;
		case IR_CALL:
			if (in->dst != VREG_NONE) {
				dump_reg(out, in->dst);
				buf_addstr(out, " = ");
			}
			if (helper_name(in->helper))
				buf_addf(out, "call %s(", helper_name(in->helper));
			else
				buf_addf(out, "call %d(", in->helper);
			for (int a = 0; a < in->nargs; a++) {
				if (a)
					buf_addstr(out, ", ");
				dump_opnd(out, &in->args[a], map_name, arg);
			}
			buf_addch(out, ')');
			break;
		case IR_EXIT:
			buf_addstr(out, "exit ");
			dump_opnd(out, &in->a, map_name, arg);
			break;
		default:
			break;
		}
		buf_addch(out, '\n');
	}
}

// SPDX-License-Identifier: Apache-2.0
/* DWARF CFI unwinding of copied user stacks: libdw's CFI tables, a small DWARF expression evaluator, FP fallback. */
#include "symbolize/unwind.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <dwarf.h>
#include <elfutils/libdw.h>

#include "symbolize/symbolize.h"

/* perf's x86-64 register numbers (asm/perf_regs.h) for DWARF registers 0..16. */
static const unsigned perf_of_dwarf[UNWIND_NREGS] = {
	0 /* ax */, 3 /* dx */, 2 /* cx */, 1 /* bx */, 4 /* si */, 5 /* di */, 6 /* bp */, 7 /* sp */,
	16, 17, 18, 19, 20, 21, 22, 23 /* r8..r15 */, 8 /* ip */,
};

void unwind_regs_from_perf_x86(struct unwind_regs *out, const uint64_t *vals, uint32_t nvals, uint64_t mask)
{
	memset(out, 0, sizeof(*out));
	for (unsigned r = 0; r < UNWIND_NREGS; r++) {
		unsigned p = perf_of_dwarf[r];
		unsigned idx;

		if (!(mask >> p & 1))
			continue;
		idx = (unsigned)__builtin_popcountll(mask & ((1ULL << p) - 1));
		if (idx >= nvals)
			continue;
		out->r[r] = vals[idx];
		out->valid |= 1u << r;
	}
}

const char *unwind_end_str(enum unwind_end e)
{
	static const char *const names[UNWIND_END_COUNT] = {
		[UNWIND_END_OUTERMOST] = "outermost frame",
		[UNWIND_END_MAX] = "frame limit",
		[UNWIND_END_NO_MODULE] = "pc in no file-backed mapping",
		[UNWIND_END_NO_CFI] = "no CFI and no frame pointer",
		[UNWIND_END_STACK] = "read outside the copied stack",
		[UNWIND_END_BAD_FRAME] = "bad frame",
	};
	return (unsigned)e < UNWIND_END_COUNT ? names[e] : "?";
}

struct unwinder {
	const struct unwind_stack *stack;
	struct unwind_regs regs;  /* the current frame's registers */
	uint64_t cfa;
	bool cfa_known;
	bool stack_fault;
};

static bool read_stack(struct unwinder *u, uint64_t addr, uint64_t *val)
{
	const struct unwind_stack *st = u->stack;

	if (addr < st->start || addr - st->start > st->size || st->size - (addr - st->start) < 8) {
		u->stack_fault = true;
		return false;
	}
	memcpy(val, st->data + (addr - st->start), 8);
	return true;
}

enum eval_kind { EVAL_ADDRESS, EVAL_VALUE };

#define EVAL_STACK 16

/*
 * Evaluate a CFI expression over the current registers. Location expressions
 * yield an address unless they end in DW_OP_stack_value (a value) or name a
 * register (DW_OP_regN: its value). false when an op is unsupported, the
 * stack under- or overflows, a register is unknown or a read faults.
 */
static bool eval_ops(struct unwinder *u, const Dwarf_Op *ops, size_t nops, uint64_t *out, enum eval_kind *kind)
{
	uint64_t st[EVAL_STACK];
	size_t sp = 0;

	*kind = EVAL_ADDRESS;
#define PUSH(v) do { if (sp == EVAL_STACK) return false; st[sp++] = (v); } while (0)
#define NEED(n) do { if (sp < (n)) return false; } while (0)
	for (size_t i = 0; i < nops; i++) {
		const Dwarf_Op *op = &ops[i];
		uint8_t a = op->atom;
		uint64_t x, y;
		unsigned reg;

		if (a >= DW_OP_lit0 && a <= DW_OP_lit31) {
			PUSH((uint64_t)(a - DW_OP_lit0));
			continue;
		}
		if ((a >= DW_OP_breg0 && a <= DW_OP_breg31) || a == DW_OP_bregx) {
			reg = a == DW_OP_bregx ? (unsigned)op->number : (unsigned)(a - DW_OP_breg0);
			if (reg >= UNWIND_NREGS || !(u->regs.valid >> reg & 1))
				return false;
			PUSH(u->regs.r[reg] + (a == DW_OP_bregx ? op->number2 : op->number));
			continue;
		}
		if ((a >= DW_OP_reg0 && a <= DW_OP_reg31) || a == DW_OP_regx) {
			reg = a == DW_OP_regx ? (unsigned)op->number : (unsigned)(a - DW_OP_reg0);
			if (reg >= UNWIND_NREGS || !(u->regs.valid >> reg & 1) || nops != 1)
				return false;
			*out = u->regs.r[reg];
			*kind = EVAL_VALUE;
			return true;
		}
		switch (a) {
		case DW_OP_const1u: case DW_OP_const1s: case DW_OP_const2u: case DW_OP_const2s:
		case DW_OP_const4u: case DW_OP_const4s: case DW_OP_const8u: case DW_OP_const8s:
		case DW_OP_constu: case DW_OP_consts:
			PUSH(op->number);
			break;
		case DW_OP_call_frame_cfa:
			if (!u->cfa_known)
				return false;
			PUSH(u->cfa);
			break;
		case DW_OP_plus_uconst:
			NEED(1);
			st[sp - 1] += op->number;
			break;
		case DW_OP_deref:
			NEED(1);
			if (!read_stack(u, st[sp - 1], &st[sp - 1]))
				return false;
			break;
		case DW_OP_dup:
			NEED(1);
			x = st[sp - 1];
			PUSH(x);
			break;
		case DW_OP_drop:
			NEED(1);
			sp--;
			break;
		case DW_OP_over:
			NEED(2);
			x = st[sp - 2];
			PUSH(x);
			break;
		case DW_OP_pick:
			if (op->number >= sp)
				return false;
			x = st[sp - 1 - op->number];
			PUSH(x);
			break;
		case DW_OP_swap:
			NEED(2);
			x = st[sp - 1];
			st[sp - 1] = st[sp - 2];
			st[sp - 2] = x;
			break;
		case DW_OP_rot:
			NEED(3);
			x = st[sp - 1];
			st[sp - 1] = st[sp - 2];
			st[sp - 2] = st[sp - 3];
			st[sp - 3] = x;
			break;
		case DW_OP_neg:
			NEED(1);
			st[sp - 1] = (uint64_t)-(int64_t)st[sp - 1];
			break;
		case DW_OP_not:
			NEED(1);
			st[sp - 1] = ~st[sp - 1];
			break;
		case DW_OP_abs:
			NEED(1);
			if ((int64_t)st[sp - 1] < 0)
				st[sp - 1] = (uint64_t)-(int64_t)st[sp - 1];
			break;
		case DW_OP_plus: case DW_OP_minus: case DW_OP_mul: case DW_OP_and: case DW_OP_or: case DW_OP_xor:
		case DW_OP_shl: case DW_OP_shr: case DW_OP_shra: case DW_OP_div: case DW_OP_mod:
		case DW_OP_eq: case DW_OP_ne: case DW_OP_lt: case DW_OP_le: case DW_OP_gt: case DW_OP_ge:
			NEED(2);
			y = st[--sp];
			x = st[sp - 1];
			switch (a) {
			case DW_OP_plus: x += y; break;
			case DW_OP_minus: x -= y; break;
			case DW_OP_mul: x *= y; break;
			case DW_OP_and: x &= y; break;
			case DW_OP_or: x |= y; break;
			case DW_OP_xor: x ^= y; break;
			case DW_OP_shl: x = y >= 64 ? 0 : x << y; break;
			case DW_OP_shr: x = y >= 64 ? 0 : x >> y; break;
			case DW_OP_shra: x = (uint64_t)((int64_t)x >> (y >= 63 ? 63 : y)); break;
			case DW_OP_div:
				if (y == 0 || ((int64_t)x == INT64_MIN && (int64_t)y == -1))
					return false;
				x = (uint64_t)((int64_t)x / (int64_t)y);
				break;
			case DW_OP_mod:
				if (y == 0)
					return false;
				x %= y;
				break;
			case DW_OP_eq: x = (int64_t)x == (int64_t)y; break;
			case DW_OP_ne: x = (int64_t)x != (int64_t)y; break;
			case DW_OP_lt: x = (int64_t)x < (int64_t)y; break;
			case DW_OP_le: x = (int64_t)x <= (int64_t)y; break;
			case DW_OP_gt: x = (int64_t)x > (int64_t)y; break;
			case DW_OP_ge: x = (int64_t)x >= (int64_t)y; break;
			}
			st[sp - 1] = x;
			break;
		case DW_OP_stack_value:
			*kind = EVAL_VALUE;
			break;
		case DW_OP_nop:
			break;
		default:
			return false;
		}
	}
#undef PUSH
#undef NEED
	if (sp == 0)
		return false;
	*out = st[sp - 1];
	return true;
}

/* The value of `reg` in the caller per `frame`'s rule. 1 known, 0 undefined, -1 evaluation failed. */
static int caller_reg(struct unwinder *u, Dwarf_Frame *frame, unsigned reg, uint64_t *val)
{
	Dwarf_Op ops_mem[3], *ops;
	size_t nops;
	uint64_t v;
	enum eval_kind kind;

	if (dwarf_frame_register(frame, (int)reg, ops_mem, &ops, &nops) != 0)
		return -1;
	if (nops == 0) {
		if (ops == ops_mem)
			return 0; /* undefined */
		if (!(u->regs.valid >> reg & 1))
			return 0; /* same value, but we never knew it */
		*val = u->regs.r[reg];
		return 1;
	}
	if (!eval_ops(u, ops, nops, &v, &kind))
		return -1;
	if (kind == EVAL_ADDRESS && !read_stack(u, v, &v))
		return -1;
	*val = v;
	return 1;
}

/* One step with CFI: `u->regs` becomes the caller's. 1 stepped, 0 outermost, -1 failed. */
static int step_cfi(struct unwinder *u, Dwarf_Frame *frame, bool *signal)
{
	struct unwind_regs caller = { .valid = 0 };
	Dwarf_Op *ops;
	size_t nops;
	Dwarf_Addr start, end;
	enum eval_kind kind;
	int ra;

	if (dwarf_frame_cfa(frame, &ops, &nops) != 0 || nops == 0)
		return -1;
	if (!eval_ops(u, ops, nops, &u->cfa, &kind))
		return -1;
	u->cfa_known = true;
	ra = dwarf_frame_info(frame, &start, &end, signal);
	if (ra < 0 || ra >= UNWIND_NREGS)
		return -1;
	for (unsigned r = 0; r < UNWIND_NREGS; r++) {
		uint64_t v;
		int rc = caller_reg(u, frame, r, &v);

		if (rc < 0) {
			if (r == (unsigned)ra)
				return -1;
			continue; /* a register we cannot recover is simply unknown in the caller */
		}
		if (rc > 0) {
			caller.r[r] = v;
			caller.valid |= 1u << r;
		} else if (r == (unsigned)ra) {
			return 0; /* the return address is undefined: the outermost frame */
		}
	}
	if (!(caller.valid >> UNWIND_REG_SP & 1)) {
		caller.r[UNWIND_REG_SP] = u->cfa; /* x86-64: the caller's stack pointer is the CFA */
		caller.valid |= 1u << UNWIND_REG_SP;
	}
	caller.r[UNWIND_REG_IP] = caller.r[ra];
	caller.valid |= 1u << UNWIND_REG_IP;
	u->regs = caller;
	return 1;
}

/* One step by the frame pointer (libdwfl's x86-64 fallback): 1 stepped, -1 failed. */
static int step_fp(struct unwinder *u)
{
	uint64_t bp = u->regs.r[UNWIND_REG_BP], ra, next_bp;

	if (!(u->regs.valid >> UNWIND_REG_BP & 1) || (bp & 7))
		return -1;
	if ((u->regs.valid >> UNWIND_REG_SP & 1) && bp < u->regs.r[UNWIND_REG_SP])
		return -1;
	if (!read_stack(u, bp, &next_bp) || !read_stack(u, bp + 8, &ra))
		return -1;
	u->regs.valid = (1u << UNWIND_REG_BP) | (1u << UNWIND_REG_SP) | (1u << UNWIND_REG_IP);
	u->regs.r[UNWIND_REG_BP] = next_bp;
	u->regs.r[UNWIND_REG_SP] = bp + 16;
	u->regs.r[UNWIND_REG_IP] = ra;
	return 1;
}

/* ---- rules cached per (module, pc) --------------------------------------------------------- */

enum rule_kind { RULE_UNDEF = 0, RULE_SAME, RULE_OFFSET, RULE_VAL, RULE_REG };

struct rule {
	uint8_t kind;
	uint8_t reg;   /* RULE_REG */
	int32_t off;   /* RULE_OFFSET: saved at CFA+off; RULE_VAL: value CFA+off */
};

enum recipe_state { RECIPE_EMPTY = 0, RECIPE_SIMPLE, RECIPE_COMPLEX, RECIPE_NO_CFI };

/* How to step from one pc: CFA = reg + off, then one rule per register. */
struct recipe {
	const struct sym_module *mod;
	uint64_t pc;          /* ELF address looked up */
	uint8_t state;
	uint8_t cfa_reg, ra;
	bool signal;
	int32_t cfa_off;
	struct rule r[UNWIND_NREGS];
};

#define RECIPES 4096     /* direct-mapped: a collision replaces the older rules */
#define MAP_SLOTS 8

struct map_slot {
	bool valid;
	int pid;
	uint64_t start, end, bias;
	struct sym_module *mod;
};

struct unwind_cache {
	struct recipe recipes[RECIPES];
	struct map_slot maps[MAP_SLOTS];
	unsigned next_map;
	struct unwind_cache_stats st;
};

struct unwind_cache *unwind_cache_new(void)
{
	return calloc(1, sizeof(struct unwind_cache));
}

void unwind_cache_free(struct unwind_cache *c)
{
	free(c);
}

void unwind_cache_maps_changed(struct unwind_cache *c)
{
	if (c)
		memset(c->maps, 0, sizeof(c->maps));
}

void unwind_cache_get_stats(const struct unwind_cache *c, struct unwind_cache_stats *st)
{
	if (c)
		*st = c->st;
	else
		memset(st, 0, sizeof(*st));
}

/* The mapping of `pid` holding `pc`: from the cache, else the symbolizer. false when none or not file-backed. */
static bool lookup_mapping(struct symbolizer *s, struct unwind_cache *c, int pid, uint64_t pc, struct sym_module **mod,
			   uint64_t *bias)
{
	struct sym_mapping m;

	for (unsigned i = 0; c && i < MAP_SLOTS; i++) {
		struct map_slot *ms = &c->maps[i];
		if (ms->valid && ms->pid == pid && pc >= ms->start && pc < ms->end) {
			*mod = ms->mod;
			*bias = ms->bias;
			return true;
		}
	}
	if (symbolizer_module_for(s, pid, pc, &m) != 0 || !m.mod)
		return false;
	*mod = m.mod;
	*bias = m.bias;
	if (c) {
		struct map_slot *ms = &c->maps[c->next_map++ % MAP_SLOTS];
		*ms = (struct map_slot){ .valid = true, .pid = pid, .start = m.start, .end = m.end, .bias = m.bias, .mod = m.mod };
	}
	return true;
}

/* The CFI frame of ELF address `elf_pc` in `mod`: .eh_frame, else .debug_frame of the debug file. */
static Dwarf_Frame *module_frame(struct sym_module *mod, uint64_t elf_pc)
{
	struct sym_module_info info;
	Dwarf_CFI *eh = NULL, *dbg = NULL;
	Dwarf_Frame *frame = NULL;

	if (sym_module_cfi(mod, &eh, NULL) == 0 && dwarf_cfi_addrframe(eh, elf_pc, &frame) == 0)
		return frame;
	if (sym_module_cfi(mod, NULL, &dbg) == 0) {
		sym_module_get_info(mod, &info);
		if (dwarf_cfi_addrframe(dbg, elf_pc + info.dwarf_bias, &frame) == 0)
			return frame;
	}
	return NULL;
}

static bool fits32(int64_t v)
{
	return v >= INT32_MIN && v <= INT32_MAX;
}

/* Turn libdw's rule expressions into a recipe; state RECIPE_COMPLEX when an expression is not one of the usual shapes. */
static void build_recipe(Dwarf_Frame *frame, struct recipe *rc)
{
	Dwarf_Op *ops, ops_mem[3];
	size_t nops;
	Dwarf_Addr start, end;
	int ra;

	rc->state = RECIPE_COMPLEX;
	if (dwarf_frame_cfa(frame, &ops, &nops) != 0 || nops != 1)
		return;
	if (ops[0].atom == DW_OP_bregx && ops[0].number < UNWIND_NREGS && fits32((int64_t)ops[0].number2)) {
		rc->cfa_reg = (uint8_t)ops[0].number;
		rc->cfa_off = (int32_t)(int64_t)ops[0].number2;
	} else if (ops[0].atom >= DW_OP_breg0 && ops[0].atom - DW_OP_breg0 < UNWIND_NREGS && fits32((int64_t)ops[0].number)) {
		rc->cfa_reg = (uint8_t)(ops[0].atom - DW_OP_breg0);
		rc->cfa_off = (int32_t)(int64_t)ops[0].number;
	} else {
		return;
	}
	ra = dwarf_frame_info(frame, &start, &end, &rc->signal);
	if (ra < 0 || ra >= UNWIND_NREGS)
		return;
	rc->ra = (uint8_t)ra;
	for (unsigned r = 0; r < UNWIND_NREGS; r++) {
		struct rule *ru = &rc->r[r];
		size_t i = 0;
		int64_t off = 0;

		if (dwarf_frame_register(frame, (int)r, ops_mem, &ops, &nops) != 0)
			return;
		if (nops == 0) {
			ru->kind = ops == ops_mem ? RULE_UNDEF : RULE_SAME;
			continue;
		}
		if (nops == 1 && (ops[0].atom == DW_OP_regx || (ops[0].atom >= DW_OP_reg0 && ops[0].atom <= DW_OP_reg31))) {
			uint64_t src = ops[0].atom == DW_OP_regx ? ops[0].number : (uint64_t)(ops[0].atom - DW_OP_reg0);
			if (src >= UNWIND_NREGS)
				return;
			ru->kind = RULE_REG;
			ru->reg = (uint8_t)src;
			continue;
		}
		if (ops[i].atom != DW_OP_call_frame_cfa)
			return;
		i++;
		if (i < nops && ops[i].atom == DW_OP_plus_uconst) {
			off = (int64_t)ops[i].number;
			i++;
		}
		ru->kind = RULE_OFFSET;
		if (i < nops && ops[i].atom == DW_OP_stack_value) {
			ru->kind = RULE_VAL;
			i++;
		}
		if (i != nops || !fits32(off))
			return;
		ru->off = (int32_t)off;
	}
	rc->state = RECIPE_SIMPLE;
}

/* One step by a simple recipe: 1 stepped, 0 outermost, -1 failed. */
static int step_recipe(struct unwinder *u, const struct recipe *rc)
{
	struct unwind_regs caller = { .valid = 0 };
	uint64_t cfa;

	if (!(u->regs.valid >> rc->cfa_reg & 1))
		return -1;
	cfa = u->regs.r[rc->cfa_reg] + (uint64_t)(int64_t)rc->cfa_off;
	for (unsigned r = 0; r < UNWIND_NREGS; r++) {
		const struct rule *ru = &rc->r[r];
		uint64_t v;

		switch (ru->kind) {
		case RULE_UNDEF:
			if (r == rc->ra)
				return 0;
			continue;
		case RULE_SAME:
			if (!(u->regs.valid >> r & 1))
				continue;
			v = u->regs.r[r];
			break;
		case RULE_OFFSET:
			if (!read_stack(u, cfa + (uint64_t)(int64_t)ru->off, &v)) {
				if (r == rc->ra)
					return -1;
				continue;
			}
			break;
		case RULE_VAL:
			v = cfa + (uint64_t)(int64_t)ru->off;
			break;
		default: /* RULE_REG */
			if (!(u->regs.valid >> ru->reg & 1))
				continue;
			v = u->regs.r[ru->reg];
			break;
		}
		caller.r[r] = v;
		caller.valid |= 1u << r;
	}
	if (!(caller.valid >> rc->ra & 1))
		return -1;
	if (!(caller.valid >> UNWIND_REG_SP & 1)) {
		caller.r[UNWIND_REG_SP] = cfa;
		caller.valid |= 1u << UNWIND_REG_SP;
	}
	caller.r[UNWIND_REG_IP] = caller.r[rc->ra];
	caller.valid |= 1u << UNWIND_REG_IP;
	u->regs = caller;
	return 1;
}

enum step_how { HOW_NONE, HOW_CFI, HOW_FP };

/* Step from the current frame at `lookup_pc`. 1 stepped, 0 outermost, -1 failed; `how`, `signal` and `have_module` say more. */
static int step(struct symbolizer *s, struct unwind_cache *c, int pid, struct unwinder *u, uint64_t lookup_pc,
		bool *signal, bool *have_module, enum step_how *how)
{
	struct sym_module *mod;
	uint64_t bias, elf_pc;
	struct recipe *rc, tmp;
	Dwarf_Frame *frame;
	int ret;

	*signal = false;
	*how = HOW_NONE;
	*have_module = lookup_mapping(s, c, pid, lookup_pc, &mod, &bias);
	if (!*have_module) {
		*how = HOW_FP;
		return step_fp(u);
	}
	elf_pc = lookup_pc - bias;
	if (c) {
		uintptr_t h = ((uintptr_t)mod >> 4) ^ (uintptr_t)(elf_pc * 0x9e3779b97f4a7c15ULL >> 40);
		rc = &c->recipes[h & (RECIPES - 1)];
		c->st.steps++;
		if (rc->state != RECIPE_EMPTY && rc->mod == mod && rc->pc == elf_pc)
			c->st.rule_hits++;
		else
			rc->state = RECIPE_EMPTY;
	} else {
		rc = &tmp;
		rc->state = RECIPE_EMPTY;
	}
	if (rc->state == RECIPE_EMPTY) {
		rc->mod = mod;
		rc->pc = elf_pc;
		frame = module_frame(mod, elf_pc);
		if (!frame) {
			rc->state = RECIPE_NO_CFI;
		} else {
			build_recipe(frame, rc);
			if (rc->state == RECIPE_COMPLEX) {
				/* evaluate with libdw now, while we hold the frame */
				if (c)
					c->st.complex++;
				*how = HOW_CFI;
				ret = step_cfi(u, frame, signal);
				free(frame);
				return ret;
			}
			free(frame);
		}
	}
	switch (rc->state) {
	case RECIPE_SIMPLE:
		*how = HOW_CFI;
		*signal = rc->signal;
		return step_recipe(u, rc);
	case RECIPE_NO_CFI:
		*how = HOW_FP;
		/*
		 * The psABI marks the deepest frame with a zero frame pointer, and
		 * libdwfl's fallback stops there: code without CFI at the bottom of
		 * a stack (ld.so's _start, run before anything set rbp) is the end.
		 */
		if ((u->regs.valid >> UNWIND_REG_BP & 1) && u->regs.r[UNWIND_REG_BP] == 0)
			return 0;
		return step_fp(u);
	default: /* RECIPE_COMPLEX from the cache: ask libdw again */
		if (c)
			c->st.complex++;
		frame = module_frame(mod, elf_pc);
		if (!frame)
			return -1;
		*how = HOW_CFI;
		ret = step_cfi(u, frame, signal);
		free(frame);
		return ret;
	}
}

int unwind_user_stack(struct symbolizer *s, struct unwind_cache *cache, int pid, const struct unwind_regs *regs,
		      const struct unwind_stack *stack, struct unwind_frame *out, size_t max, struct unwind_result *res)
{
	struct unwinder u = { .stack = stack, .regs = *regs };
	bool activation = true;

	memset(res, 0, sizeof(*res));
	if (!(u.regs.valid >> UNWIND_REG_IP & 1)) {
		res->end = UNWIND_END_BAD_FRAME;
		return 0;
	}
	for (;;) {
		uint64_t pc = u.regs.r[UNWIND_REG_IP], old_sp = u.regs.r[UNWIND_REG_SP];
		bool have_sp = u.regs.valid >> UNWIND_REG_SP & 1, have_module, signal;
		enum step_how how;
		int rc;

		if (res->nframes == max) {
			res->end = UNWIND_END_MAX;
			return 0;
		}
		out[res->nframes].pc = pc;
		out[res->nframes].activation = activation;
		res->nframes++;
		u.cfa_known = false;
		u.stack_fault = false;
		/* a return address points after the call: look up the call itself */
		rc = step(s, cache, pid, &u, activation ? pc : pc - 1, &signal, &have_module, &how);
		if (rc > 0 && how == HOW_FP)
			res->fp_frames++;
		if (rc == 0) {
			res->end = UNWIND_END_OUTERMOST;
			return 0;
		}
		if (rc < 0) {
			res->end = u.stack_fault ? UNWIND_END_STACK
				 : how == HOW_CFI ? UNWIND_END_BAD_FRAME
				 : have_module ? UNWIND_END_NO_CFI : UNWIND_END_NO_MODULE;
			return 0;
		}
		if (u.regs.r[UNWIND_REG_IP] == 0) {
			res->end = UNWIND_END_OUTERMOST;
			return 0;
		}
		/* the stack grows down: a caller's frame sits higher, or we are going round in circles */
		if (have_sp && !signal && u.regs.r[UNWIND_REG_SP] <= old_sp) {
			res->end = UNWIND_END_BAD_FRAME;
			return 0;
		}
		activation = signal;
	}
}

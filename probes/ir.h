/* SPDX-License-Identifier: Apache-2.0 */
/* The IR (virtual registers, labels, comments) and the code generator's state (probes/ internal). */
#ifndef SCORCH_PROBES_IR_H
#define SCORCH_PROBES_IR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "probes/ast.h"

struct buf;
struct checker;
struct probe_inst;
struct node;
struct diag;
struct type;
struct span;

/*
 * Virtual registers are numbered from 0. VREG_FP names the frame pointer
 * (r10) as a base; VREG_CTX is bound to r1 on entry.
 */
#define VREG_FP (-2)
#define VREG_NONE (-1)

enum opnd_kind {
	OPND_NONE,
	OPND_REG,	/* vreg */
	OPND_IMM,	/* 64-bit immediate */
	OPND_MAP,	/* a map, by id in the checker's map table (lowered to a map fd load) */
	OPND_ADDR,	/* address: vreg (or VREG_FP) + off */
	OPND_MAPVAL,	/* the address of the value of single-entry array map `imm` (direct access) */
};

struct ir_opnd {
	enum opnd_kind kind;
	int reg;
	int64_t imm;	/* OPND_IMM value, OPND_ADDR offset, OPND_MAP id */
};

enum ir_kind {
	IR_LABEL,	/* label: */
	IR_COMMENT,	/* ; text */
	IR_MOV,		/* dst = a */
	IR_ALU,		/* dst = a op b (64-bit; op is a BPF_ALU op: BPF_ADD ...) */
	IR_NEG,		/* dst = -a */
	IR_LOAD,	/* dst = *(u{size*8} *)(base + off) */
	IR_STORE,	/* *(u{size*8} *)(base + off) = a */
	IR_XADD,	/* atomic *(u64 *)(base + off) += a */
	IR_ADDR,	/* dst = base + off */
	IR_JMP,		/* goto label */
	IR_JCC,		/* if (a op b) goto label (op: BPF_JEQ ...) */
	IR_CALL,	/* dst = helper(args...) */
	IR_XADD_IDX,	/* if (a <= off) atomic *(u64 *)(base + a * 8) += b: bounds check and access fused */
	IR_EXIT,	/* return a */
};

struct ir_insn {
	enum ir_kind kind;
	uint8_t op;
	uint8_t size;
	uint8_t nargs;
	int dst;
	int base;
	int32_t off;
	int label;
	int helper;
	struct ir_opnd a, b;
	struct ir_opnd args[5];
	const char *comment;	/* static or owned by the IR's string store */
	struct span span;	/* the source this instruction implements */
};

struct ir {
	struct ir_insn *insns;
	size_t n, cap;
	int nvregs;
	int nlabels;
	char **strs;		/* owned comment strings */
	size_t nstrs, strs_cap;
	bool oom;		/* an append failed: the whole IR is invalid */
	struct span cur_span;	/* given to every instruction appended */
};

void ir_init(struct ir *ir);
void ir_release(struct ir *ir);
int ir_new_vreg(struct ir *ir);
int ir_alloc_label(struct ir *ir);

static inline struct ir_opnd opnd_reg(int r) { return (struct ir_opnd){ .kind = OPND_REG, .reg = r }; }
static inline struct ir_opnd opnd_imm(int64_t v) { return (struct ir_opnd){ .kind = OPND_IMM, .imm = v }; }
static inline struct ir_opnd opnd_map(int id) { return (struct ir_opnd){ .kind = OPND_MAP, .imm = id }; }
static inline struct ir_opnd opnd_mapval(int id) { return (struct ir_opnd){ .kind = OPND_MAPVAL, .imm = id }; }
static inline struct ir_opnd opnd_addr(int base, int32_t off)
{
	return (struct ir_opnd){ .kind = OPND_ADDR, .reg = base, .imm = off };
}

void ir_emit_label(struct ir *ir, int label);
void ir_emit_comment(struct ir *ir, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void ir_emit_mov(struct ir *ir, int dst, struct ir_opnd a);
void ir_emit_alu(struct ir *ir, uint8_t op, int dst, struct ir_opnd a, struct ir_opnd b);
void ir_emit_neg(struct ir *ir, int dst, struct ir_opnd a);
void ir_emit_load(struct ir *ir, int dst, int base, int32_t off, uint8_t size);
void ir_emit_store(struct ir *ir, int base, int32_t off, uint8_t size, struct ir_opnd a);
void ir_emit_xadd(struct ir *ir, int base, int32_t off, struct ir_opnd a);
/* Bucket update: if index a <= max, atomically add b to the u64 at base + a * 8. */
void ir_emit_xadd_idx(struct ir *ir, int base, struct ir_opnd a, int32_t max, struct ir_opnd b);
void ir_emit_addr(struct ir *ir, int dst, int base, int32_t off);
void ir_emit_jmp(struct ir *ir, int label);
void ir_emit_jcc(struct ir *ir, uint8_t op, struct ir_opnd a, struct ir_opnd b, int label);
/* dst may be VREG_NONE when the result is not needed. */
void ir_emit_call(struct ir *ir, int helper, int dst, const struct ir_opnd *args, int nargs);
void ir_emit_exit(struct ir *ir, struct ir_opnd a);

/* Print the IR (--dump=ir); `map_name` names OPND_MAP ids (may be NULL). */
void ir_dump(const struct ir *ir, struct buf *out, const char *(*map_name)(int id, void *arg), void *arg);

/*
 * Lower to BPF instructions: linear-scan allocation of r6-r9, spilling to the
 * stack below `stack_reserved` bytes; r0-r5 are scratch. `map_fd` gives the
 * fd of a map id. On success *insns is a malloc()ed array you own, and
 * when `spans` is not NULL, *spans (malloc()ed, yours) the source span of
 * each instruction. Returns 0, -E2BIG (stack or jump range exceeded) or -ENOMEM.
 */
int ir_lower(const struct ir *ir, uint32_t stack_reserved, int (*map_fd)(int id, void *arg), void *arg,
	     void **insns, size_t *ninsns, struct span **spans);

/* ---- code generator ------------------------------------------------------------------------------ */

/* Where a value lives after an expression is emitted. */
enum val_kind {
	VAL_NONE,
	VAL_REG,	/* an integer or pointer in vreg `reg` */
	VAL_MEM,	/* bytes in the scratch area at `off` */
	VAL_IMM,	/* an integer known at compile time */
};

struct val {
	enum val_kind kind;
	int reg;
	uint32_t off;
	int64_t imm;
};

/* The IR operand of an integer value (VAL_REG or VAL_IMM). */
static inline struct ir_opnd val_opnd(const struct val *v)
{
	return v->kind == VAL_IMM ? opnd_imm(v->imm) : opnd_reg(v->reg);
}

struct cg {
	struct checker *c;
	struct probe_inst *pi;
	struct diag *d;
	struct ir ir;
	int ctx;		/* vreg: the program's context */
	int scratch;		/* vreg: base of this program's scratch area (a map value) */
	uint32_t scratch_used;
	uint32_t zero_size;	/* scratch [0, zero_size) is never written: zeroed map values to insert */
	int exit_label;
	int break_label, continue_label;	/* innermost loop, or -1 */
	struct node *assign_target;	/* the map an aggregation call is assigned to */
	int err;
};

/* Event kinds: the first u32 of every ring buffer record; the second is the id (format, map, ...). */
enum event_kind {
	EV_PRINTF = 1,		/* id: format; then the argument tuple */
	EV_EXIT,
	EV_PRINT_MAP,		/* id: map; then u64 top, u64 div */
	EV_CLEAR,		/* id: map */
	EV_ZERO,		/* id: map */
	EV_TIME,		/* id: format (the strftime text) */
	EV_PRINT_VALUE,		/* id: format (its args tuple has one element, the value) */
	EV_SYSTEM,		/* id: format; then the argument tuple */
	EV_CAT,			/* id: format; then the argument tuple */
	EV_PID,			/* id: a process whose user addresses were recorded: read its maps now */
	EV_JOIN,		/* id: format (the delimiter); then u64 count and the strings' slots */
};
#define EVENT_HDR 8

/* Round up to a multiple of 8 (sizes of memory values, keys and map values). */
static inline uint32_t round8(uint32_t n) { return (n + 7) & ~7u; }

/* Emit the program for instance `pi` (checked) into g->ir. 0 or -EINVAL (diag) / -ENOMEM. */
int cg_program(struct cg *g, struct checker *c, struct probe_inst *pi);
void cg_release(struct cg *g);

int cg_expr(struct cg *g, struct node *n, struct val *out);
/* An integer operand (immediate or register) for `n`. */
int cg_opnd(struct cg *g, struct node *n, struct ir_opnd *o);
/* A vreg holding integer value `v` (VAL_IMM is materialized). */
int cg_to_reg(struct cg *g, const struct val *v);
/* Sign- or zero-extend the low `size` bytes of vreg `r` in place. */
void cg_extend(struct cg *g, int r, uint32_t size, bool is_signed);
/* Read map element `n` (an N_MAP): ints into a vreg (0 if missing), others copied to scratch (zeroed if missing). */
int cg_map_read(struct cg *g, struct node *n, struct val *out);
/* Record a located error at `n` once; returns g->err. */
int cg_fail(struct cg *g, const struct node *n, const char *msg);
/* Emit `n` and convert the result to an integer in a vreg. */
int cg_int(struct cg *g, struct node *n, int *reg);
/* Emit `n` and store its value at scratch offset `off` (in its memory representation). */
int cg_store_at(struct cg *g, struct node *n, uint32_t off);
/*
 * Store value `v` of type `from` at scratch offset `off` as type `to`: ints
 * take 8 bytes, strings are copied and zero-padded to `to`'s size, tuples
 * element by element. Memory values are zero-padded to a multiple of 8.
 */
void cg_store_conv(struct cg *g, const struct type *from, const struct val *v, const struct type *to, uint32_t off);
/* Reserve `size` bytes (8-aligned) of scratch; returns the offset. Sets g->err on overflow. */
uint32_t cg_scratch(struct cg *g, uint32_t size);
/* Zero `size` bytes of scratch at `off`. */
void cg_zero(struct cg *g, uint32_t off, uint32_t size);
/* Copy `size` bytes within scratch. */
void cg_copy(struct cg *g, uint32_t dst, uint32_t src, uint32_t size);
/* Build the key of map access `m` (an N_MAP node) in scratch; returns its offset. */
int cg_map_key(struct cg *g, struct node *m, uint32_t *off);
/* A pointer to map `id`'s value for `key_off`, created zeroed if missing; jumps to `miss` if that fails. */
int cg_map_lookup_or_init(struct cg *g, int map_id, uint32_t key_off, uint32_t value_size, int miss);
/* Send `size` bytes at scratch `off` to user space through the event ring buffer. */
void cg_output(struct cg *g, uint32_t off, uint32_t size, bool wakeup);
/*
 * Tell user space, once per process, that user addresses of process `pid`
 * (a vreg holding the tgid) were recorded, so it reads the process's maps
 * while it still lives.
 */
void cg_note_pid(struct cg *g, int pid);
/* Emit a helper call with integer/address arguments, result in a new vreg (or VREG_NONE). */
int cg_call(struct cg *g, int helper, const struct ir_opnd *args, int nargs, bool want_result);

#endif

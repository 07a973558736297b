/* SPDX-License-Identifier: Apache-2.0 */
/* BPF instruction builders with the kernel's macro names (linux/filter.h), so verifier logs read the same. */
#ifndef SCORCH_PROBES_BPF_INSN_H
#define SCORCH_PROBES_BPF_INSN_H

#include <linux/bpf.h>

#define BPF_INSN(c, d, s, o, i) ((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })

#define BPF_ALU64_REG(op, d, s) BPF_INSN(BPF_ALU64 | BPF_OP(op) | BPF_X, d, s, 0, 0)
#define BPF_ALU64_IMM(op, d, i) BPF_INSN(BPF_ALU64 | BPF_OP(op) | BPF_K, d, 0, 0, i)
#define BPF_ALU32_IMM(op, d, i) BPF_INSN(BPF_ALU | BPF_OP(op) | BPF_K, d, 0, 0, i)
#define BPF_MOV64_REG(d, s) BPF_INSN(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define BPF_MOV64_IMM(d, i) BPF_INSN(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define BPF_MOV32_REG(d, s) BPF_INSN(BPF_ALU | BPF_MOV | BPF_X, d, s, 0, 0)
#define BPF_NEG64(d) BPF_INSN(BPF_ALU64 | BPF_NEG | BPF_K, d, 0, 0, 0)
/* Two slots: 64-bit immediate, or a map fd when s is BPF_PSEUDO_MAP_FD. */
#define BPF_LD_IMM64_RAW_1(d, s, v) BPF_INSN(BPF_LD | BPF_DW | BPF_IMM, d, s, 0, (int32_t)(uint32_t)(uint64_t)(v))
#define BPF_LD_IMM64_RAW_2(v) BPF_INSN(0, 0, 0, 0, (int32_t)(uint32_t)((uint64_t)(v) >> 32))
#define BPF_LDX_MEM(sz, d, s, o) BPF_INSN(BPF_LDX | BPF_SIZE(sz) | BPF_MEM, d, s, o, 0)
#define BPF_STX_MEM(sz, d, s, o) BPF_INSN(BPF_STX | BPF_SIZE(sz) | BPF_MEM, d, s, o, 0)
#define BPF_ST_MEM(sz, d, o, i) BPF_INSN(BPF_ST | BPF_SIZE(sz) | BPF_MEM, d, 0, o, i)
#define BPF_ATOMIC_OP(sz, op, d, s, o) BPF_INSN(BPF_STX | BPF_SIZE(sz) | BPF_ATOMIC, d, s, o, op)
#define BPF_JMP_REG(op, d, s, o) BPF_INSN(BPF_JMP | BPF_OP(op) | BPF_X, d, s, o, 0)
#define BPF_JMP_IMM(op, d, i, o) BPF_INSN(BPF_JMP | BPF_OP(op) | BPF_K, d, 0, o, i)
#define BPF_JMP_A(o) BPF_INSN(BPF_JMP | BPF_JA, 0, 0, o, 0)
#define BPF_EMIT_CALL(f) BPF_INSN(BPF_JMP | BPF_CALL, 0, 0, 0, f)
#define BPF_EXIT_INSN() BPF_INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

/* Bytes to a BPF size code. */
static inline int bpf_size_code(unsigned bytes)
{
	return bytes == 1 ? BPF_B : bytes == 2 ? BPF_H : bytes == 4 ? BPF_W : BPF_DW;
}

#endif

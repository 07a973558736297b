/* SPDX-License-Identifier: Apache-2.0 */
/* Offsets of the registers in the kernel's struct pt_regs (x86-64), the context of uprobes, kprobes and perf events. */
#ifndef SCORCH_PROBES_REGS_H
#define SCORCH_PROBES_REGS_H

#if defined(__x86_64__)
#define PT_REGS_R9 64
#define PT_REGS_R8 72
#define PT_REGS_AX 80
#define PT_REGS_CX 88
#define PT_REGS_DX 96
#define PT_REGS_SI 104
#define PT_REGS_DI 112
#define PT_REGS_IP 128
#define PT_REGS_SP 152
/* The System V ABI's argument registers, in order. */
static const int pt_regs_args[6] __attribute__((unused)) = { PT_REGS_DI, PT_REGS_SI, PT_REGS_DX, PT_REGS_CX, PT_REGS_R8, PT_REGS_R9 };
#define PT_REGS_RET PT_REGS_AX
#else
#error "probes/: only x86-64 register layouts are described so far"
#endif

#endif

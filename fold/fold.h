/* SPDX-License-Identifier: Apache-2.0 */
/* Text readers and writers of the profile model: folded stacks and `perf script` output. */
#ifndef SCORCH_FOLD_FOLD_H
#define SCORCH_FOLD_FOLD_H

/*
 * How frames are labelled when a stack is folded, as stackcollapse-perf.pl's
 * options do. Every source that folds samples (perf script text, perf.data,
 * the live sampler) honours the same flags so their outputs agree.
 */
enum fold_flags {
	FOLD_PID = 1 << 0,        /* root frame "comm-PID" (--pid) */
	FOLD_TID = 1 << 1,        /* root frame "comm-PID/TID" (--tid) */
	FOLD_KERNEL_TAG = 1 << 2, /* kernel frames get "_[k]" (--kernel) */
	FOLD_JIT_TAG = 1 << 3,    /* JIT frames get "_[j]" (--jit) */
	FOLD_INLINE_TAG = 1 << 4, /* inlined frames get "_[i]" (part of --all) */
	FOLD_ADDRS = 1 << 5,      /* unknown symbols shown as their address (--addrs) */
	FOLD_NO_COMM = 1 << 6,    /* no process-name root frame */
};

#endif

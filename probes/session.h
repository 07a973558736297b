/* SPDX-License-Identifier: Apache-2.0 */
/* The state of one trace session, shared by runtime.c and profile_export.c (probes/ internal). */
#ifndef SCORCH_PROBES_SESSION_H
#define SCORCH_PROBES_SESSION_H

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "lib/buf.h"
#include "probes/check.h"
#include "probes/decode.h"
#include "probes/internal.h"
#include "probes/output.h"
#include "probes/probes.h"
#include "probes/runtime.h"

struct ir;
struct ring_buffer;
struct errbuf;

struct trace {
	struct trace_opts o;
	struct diag diag;
	struct program *prog;
	struct checker c;
	struct ir *irs;			/* one per probe instance */
	struct runtime rt;
	struct sym_state sym;
	struct output out;
	struct buf outbuf;
	FILE *fp;
	struct ring_buffer *rb;
	volatile sig_atomic_t stop;
	bool exiting;			/* exit() seen: ignore later events until END */
	bool ended;			/* END has run */
	pid_t child;			/* -c command, or 0 */
	int child_go;			/* write end of the child's start pipe, or -1 */
	int child_status;
	bool child_reaped;
	int err;			/* first error inside a ring buffer callback */
	int stats_fd;			/* holds BPF run-time statistics on (max_overhead_pct), or -1 */
	double over_pct;		/* the share of one CPU that ended the trace, or 0 */
	struct errbuf *errp;
};

#endif

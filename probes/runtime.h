/* SPDX-License-Identifier: Apache-2.0 */
/* Loading, attaching and running compiled probes; map readout (probes/ internal). */
#ifndef SCORCH_PROBES_RUNTIME_H
#define SCORCH_PROBES_RUNTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct checker;
struct probe_inst;
struct errbuf;
struct perf_event_attr;
struct symbolizer;
struct output;
struct map_info;

struct runtime {
	struct checker *c;
	int *cpus;		/* online CPUs (perf events are per CPU) */
	size_t ncpus;
	int ncpus_possible;	/* per-CPU map values come in this many slots */
	int target_pid;		/* uprobes: attach in this process only; -1 = every process */
};

/* Online and possible CPUs. 0 or a negative errno with `err`. */
int runtime_cpus(struct runtime *rt, struct errbuf *err);

/* ---- attach helpers (attach.c) ---------------------------------------------------------------------- */

/*
 * perf_event_open(attr, pid, cpu), then attach pi->prog_fd to it and enable
 * it; the fd is appended to pi->fds. 0 or a negative errno with `err`.
 */
int attach_perf_event(struct probe_inst *pi, struct perf_event_attr *attr, int pid, int cpu, struct errbuf *err);
/* bpf_raw_tracepoint_open(name); the fd is appended to pi->fds. */
int attach_raw_tracepoint(struct probe_inst *pi, const char *name, struct errbuf *err);
/* The verifier's log: the index of the last instruction it looked at ("N: (op) ..." lines), or -1. */
long verifier_last_insn(const char *log);
/* The verifier's reason for refusing: its last log line that is not a summary, appended to `out`. */
struct buf;
void verifier_reason(const char *log, struct buf *out);
/* Attach a fentry/fexit program (kfunc, kretfunc) to the function it was loaded against. */
int attach_tracing(struct probe_inst *pi, struct errbuf *err);
/* The type number of a dynamic PMU (/sys/bus/event_source/devices/NAME/type), or -ENOENT. */
int pmu_type(const char *name);
/* The bit of PMU NAME's "retprobe" format (config:N), or -ENOENT. */
int pmu_retprobe_bit(const char *name);
/* Close every fd of pi (detach). */
void detach_inst(struct probe_inst *pi);

/* ---- ELF symbols for uprobes (elfsym.c) --------------------------------------------------------------- */

/* Called for each function symbol: name, file offset, size. Return non-zero to stop. */
typedef int elfsym_cb(const char *name, uint64_t offset, uint64_t size, void *arg);
/*
 * Each defined function in PATH's .symtab and .dynsym (duplicates by name
 * dropped), with its address turned into a file offset through the PT_LOAD
 * that maps it. 0, the callback's value, or a negative errno with `err`.
 */
int elfsym_each(const char *path, elfsym_cb *cb, void *arg, struct errbuf *err);
/*
 * Resolve a uprobe target: an absolute or relative path as is, a bare name
 * through $PATH, "libfoo" / "libfoo.so" through the library directories.
 * Returns a malloc()ed path you own, or NULL with `err`.
 */
char *uprobe_resolve_path(const char *target, int pid, struct errbuf *err);

#endif

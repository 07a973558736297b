/* SPDX-License-Identifier: Apache-2.0 */
/* Target checks used inside sampler/: processes, threads, cgroups, CPUs. */
#ifndef SCORCH_SAMPLER_TARGET_H
#define SCORCH_SAMPLER_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct errbuf;

/* Does task `id` exist and not yet exit (zombies count as exited)? */
bool target_alive(pid_t id);
/*
 * Check that process (or, with `thread`, thread) `id` exists and runs.
 * Returns 0, -ESRCH (none, or exited) or -EINVAL (a thread given as a
 * process) with `err` filled.
 */
int target_check(pid_t id, bool thread, struct errbuf *err);
/*
 * Open cgroup v2 directory `path` (absolute, or relative to /sys/fs/cgroup).
 * Returns the fd (caller closes) with *resolved the full path (caller frees;
 * may be NULL), or a negative errno with `err` filled.
 */
int target_open_cgroup(const char *path, char **resolved, struct errbuf *err);
/*
 * The executable's code of process `pid`, [*lo, *hi) (mm->start_code,
 * end_code, from /proc/PID/stat). Returns 0, or -ENOENT when unknown.
 */
int target_code_range(pid_t pid, uint64_t *lo, uint64_t *hi);
/* Append the online CPUs to *cpus (grown, caller frees). Returns 0 or a negative errno. */
int target_online_cpus(int **cpus, size_t *n, struct errbuf *err);

#endif

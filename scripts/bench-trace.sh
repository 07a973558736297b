#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Benchmark `scorch trace` against bpftrace (Debian's 0.17, an apt package) in one run, on this machine:
#   1. whole-process time of `BEGIN { exit(); }`                          (goal: >= 20x faster)
#   2. launch-to-attached of a 4-tracepoint program: from exec until the last-attached probe has fired
#   3. exit()-to-printed: from the syscall that triggers exit() until the last byte of the printed
#      maps (1000 keys) arrives on the tool's stdout                      (goal: <= 20 ms)
# Each figure is the median of RUNS runs; ratios are bpftrace / scorch. Needs root and tracefs.
# Usage: scripts/bench-trace.sh [RUNS]   (SCORCH=path/to/scorch to pick the binary)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-10}
SCORCH=${SCORCH:-build/scorch}
[ -x "$SCORCH" ] || make -s "$SCORCH"
command -v bpftrace >/dev/null || { echo "bench-trace: bpftrace is not installed (apt install bpftrace)"; exit 1; }
[ "$(id -u)" = 0 ] || { echo "bench-trace: needs root"; exit 1; }
[ -d /sys/kernel/tracing/events/syscalls ] || mount -t tracefs nodev /sys/kernel/tracing

work=$(mktemp -d "${TMPDIR:-/tmp}/bench-trace.XXXXXX")
trap 'rm -rf "$work"' EXIT

# A small driver measures from its own clock: it starts the tool, drives the traced syscalls itself
# (the programs filter on its pid) and timestamps what comes back on the tool's stdout.
cat >"$work/driver.c" <<'EOF'
#define _GNU_SOURCE
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Start argv with stdout on a pipe; returns the read end. */
static int start(char **argv, pid_t *pid)
{
	int fds[2];
	if (pipe(fds) < 0)
		exit(2);
	*pid = fork();
	if (*pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		int null = open("/dev/null", 1);
		dup2(null, 2);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(fds[1]);
	return fds[0];
}

/* Append what is readable within `ms` to buf; returns bytes read, 0 at EOF, -1 on timeout. */
static long drain(int fd, char *buf, size_t *len, size_t cap, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	if (poll(&p, 1, ms) <= 0)
		return -1;
	ssize_t n = read(fd, buf + *len, cap - 1 - *len);
	if (n > 0) {
		*len += (size_t)n;
		buf[*len] = 0;
	}
	return n;
}

int main(int argc, char **argv)
{
	const char *mode = argv[1];
	char **tool = argv + 2;
	static char buf[1 << 20];
	size_t len = 0;
	char prog[2048];
	pid_t pid, me = getpid();
	/* the tool's argv ends with "-e PROGRAM": fill in the program for this mode */
	int ntool = argc - 2;
	char **av = calloc(ntool + 3, sizeof(*av));
	memcpy(av, tool, ntool * sizeof(*av));
	av[ntool] = "-e";
	av[ntool + 1] = prog;
	if (strcmp(mode, "begin") == 0) {
		snprintf(prog, sizeof(prog), "BEGIN { exit(); }");
		double t0 = now_ms();
		int fd = start(av, &pid);
		while (drain(fd, buf, &len, sizeof(buf), 10000) > 0)
			len = 0;
		waitpid(pid, NULL, 0);
		printf("%.2f\n", now_ms() - t0);
		return 0;
	}
	if (strcmp(mode, "attach") == 0) {
		/* four tracepoints; the one that answers is attached last */
		snprintf(prog, sizeof(prog),
			 "tracepoint:syscalls:sys_enter_getpgid /pid == %d/ { @a = count(); }\n"
			 "tracepoint:syscalls:sys_enter_getuid /pid == %d/ { @b = count(); }\n"
			 "tracepoint:sched:sched_process_fork /pid == %d/ { @c = count(); }\n"
			 "tracepoint:syscalls:sys_enter_getppid /pid == %d/ { printf(\"attached\\n\"); exit(); }\n",
			 me, me, me, me);
		double t0 = now_ms();
		int fd = start(av, &pid);
		double t1 = 0;
		while (!t1 && now_ms() - t0 < 20000) {
			syscall(SYS_getppid);
			if (drain(fd, buf, &len, sizeof(buf), 0) == 0)
				break;
			if (strstr(buf, "attached"))
				t1 = now_ms();
			else
				usleep(100);
		}
		while (drain(fd, buf, &len, sizeof(buf), 10000) > 0)
			len = 0;
		waitpid(pid, NULL, 0);
		printf("%.2f\n", t1 ? t1 - t0 : -1);
		return 0;
	}
	/* exit: fill a map with 1000 keys, then time exit() until the printed maps stop arriving */
	snprintf(prog, sizeof(prog),
		 "tracepoint:syscalls:sys_enter_getuid /pid == %d/ { printf(\"ready\\n\"); }\n"
		 "tracepoint:syscalls:sys_enter_getpgid /pid == %d/ { @keys[args->pid] = count(); @h = hist(args->pid); }\n"
		 "tracepoint:syscalls:sys_enter_getppid /pid == %d/ { exit(); }\n",
		 me, me, me);
	int fd = start(av, &pid);
	double t0 = now_ms();
	while (!strstr(buf, "ready") && now_ms() - t0 < 20000) {
		syscall(SYS_getuid);
		if (drain(fd, buf, &len, sizeof(buf), 1) == 0)
			break;
	}
	for (int i = 1; i <= 1000; i++)
		syscall(SYS_getpgid, 100000 + i);
	usleep(50000);
	len = 0;
	buf[0] = 0;
	double start_exit = now_ms(), last = 0;
	syscall(SYS_getppid);
	for (;;) {
		long n = drain(fd, buf, &len, sizeof(buf), 5000);
		if (n <= 0)
			break;
		last = now_ms();
		if (len > sizeof(buf) / 2)
			len = 0;
	}
	waitpid(pid, NULL, 0);
	printf("%.2f\n", last ? last - start_exit : -1);
	return 0;
}
EOF
gcc -O2 -o "$work/driver" "$work/driver.c"

median() { sort -n | awk '{a[NR] = $1} END {if (NR % 2) print a[(NR + 1) / 2]; else printf "%.2f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
measure() { # MODE TOOL...: the median of RUNS runs
	local mode=$1; shift
	for _ in $(seq "$RUNS"); do "$work/driver" "$mode" "$@"; done | median
}

echo "bench-trace: $RUNS runs each, medians in ms, on $(nproc) CPUs, kernel $(uname -r)"
echo "  scorch: $SCORCH   bpftrace: $(bpftrace --version 2>/dev/null)"
printf '%-34s %10s %10s %8s\n' "measure" "scorch" "bpftrace" "ratio"
row() {
	local name=$1 mode=$2
	local s b
	s=$(measure "$mode" "$SCORCH" trace)
	b=$(measure "$mode" bpftrace)
	printf '%-34s %10s %10s %7.1fx\n' "$name" "$s" "$b" "$(awk -v b="$b" -v s="$s" 'BEGIN {print (s > 0 ? b / s : 0)}')"
}
row "BEGIN { exit(); } whole process" begin
row "launch to attached (4 tracepoints)" attach
row "exit() to maps printed (1000 keys)" exit

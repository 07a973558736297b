// SPDX-License-Identifier: Apache-2.0
/*
 * Workload for `scorch record -o x.data` (tests/live/record_perfdata.sh):
 * known chains in several processes, threads and program images, built by
 * the test with frame pointers.
 *
 *   perf_mix mix SECS EXEC_PATH   process "perf_mix", for SECS:
 *       main -> func_a -> func_b -> leaf          CPU in the program (half the time)
 *       main -> sys_loop -> raw_write             write(2) to /dev/null: kernel frames
 *       main -> libc_loop -> memset, getppid      libc frames (no frame pointers in Debian's libc)
 *     thread "pm-worker": worker -> worker_leaf, CPU, for SECS
 *     child "pm-child": child_work -> child_leaf for SECS/3, then it exits
 *     child "pm-preexec": preexec_work -> preexec_leaf for SECS/3, then it execs
 *       EXEC_PATH (a copy of this program) as "execd SECS/2": execd_work -> execd_leaf
 *   perf_mix execd SECS           the program image after that exec
 *   perf_mix block SECS           off-CPU: main -> block_sleep -> nanosleep 10 ms at a time,
 *                                 and main -> block_pipe -> read(2) of a pipe a thread
 *                                 "pm-writer" writes every 5 ms
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline))

static volatile uint64_t sink;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A leaf with a stack frame (a volatile local): GCC sets up no frame pointer in a leaf that needs none. */
#define LEAF(name, mul)                                                          \
	NOINLINE void name(uint64_t n)                                           \
	{                                                                        \
		volatile uint64_t rounds = 0;                                    \
		uint64_t x = sink;                                               \
		for (uint64_t i = 0; i < n; i++)                                 \
			x = (x ^ (x >> 9)) * (mul);                              \
		rounds = rounds + 1;                                             \
		sink = x;                                                        \
	}

LEAF(leaf, 0xD6E8FEB86659FD93ULL)
LEAF(worker_leaf, 0x9E3779B97F4A7C15ULL)
LEAF(child_leaf, 0xBF58476D1CE4E5B9ULL)
LEAF(preexec_leaf, 0x94D049BB133111EBULL)
LEAF(execd_leaf, 0x2545F4914F6CDD1DULL)

NOINLINE void func_b(uint64_t n)
{
	leaf(n);
	sink++;
}

NOINLINE void func_a(uint64_t n)
{
	func_b(n);
	sink++;
}

/* A raw syscall, so the user frame below the kernel's is this function (libc's wrappers have no frame pointer). */
NOINLINE long raw_write(int fd, const void *buf, size_t len)
{
	long ret;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "0"((long)SYS_write), "D"((long)fd), "S"(buf), "d"(len)
			 : "rcx", "r11", "memory");
	return ret;
}

NOINLINE void sys_loop(int fd, double end)
{
	static char buf[65536];
	while (now() < end)
		raw_write(fd, buf, sizeof(buf));
}

NOINLINE void libc_loop(double end)
{
	static char buf[1 << 16];
	while (now() < end) {
		memset(buf, (int)sink, sizeof(buf));
		sink += (uint64_t)getppid();
	}
}

/* Burn `secs` in `fn`'s chain, in 20 ms rounds. */
static void spin(void (*fn)(uint64_t), double secs)
{
	double end = now() + secs;
	while (now() < end)
		fn(100000);
}

static double g_secs;

NOINLINE void *worker(void *arg)
{
	(void)arg;
	prctl(PR_SET_NAME, "pm-worker");
	spin(worker_leaf, g_secs);
	return NULL;
}

NOINLINE void child_work(double secs)
{
	spin(child_leaf, secs);
}

NOINLINE void preexec_work(double secs)
{
	spin(preexec_leaf, secs);
}

NOINLINE void execd_work(double secs)
{
	spin(execd_leaf, secs);
}

static void run_mix(double secs, const char *exec_path)
{
	int fd = open("/dev/null", O_WRONLY);
	pthread_t t;
	char arg[32];
	pid_t child, pre;

	if (fd < 0) {
		perror("/dev/null");
		exit(1);
	}
	g_secs = secs;
	if (pthread_create(&t, NULL, worker, NULL)) {
		perror("pthread_create");
		exit(1);
	}
	child = fork();
	if (child == 0) {
		prctl(PR_SET_NAME, "pm-child");
		child_work(secs / 3);
		_exit(0);
	}
	pre = fork();
	if (pre == 0) {
		prctl(PR_SET_NAME, "pm-preexec");
		preexec_work(secs / 3);
		snprintf(arg, sizeof(arg), "%.3f", secs / 2);
		execl(exec_path, exec_path, "execd", arg, (char *)NULL);
		perror(exec_path);
		_exit(1);
	}
	/* in 20 ms rounds: 10 ms in the program's chain, 5 ms in write(2), 5 ms in libc */
	double end = now() + secs;
	while (now() < end) {
		double t0 = now();
		while (now() < t0 + 0.010)
			func_a(20000);
		sys_loop(fd, now() + 0.005);
		libc_loop(now() + 0.005);
	}
	pthread_join(t, NULL);
	waitpid(child, NULL, 0);
	waitpid(pre, NULL, 0);
	close(fd);
}

/* ---- off-CPU ---- */

static int pipefd[2];

NOINLINE void block_sleep(void)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	nanosleep(&ts, NULL);
}

NOINLINE void block_pipe(void)
{
	char c;
	if (read(pipefd[0], &c, 1) < 0)
		perror("read");
}

NOINLINE void *writer(void *arg)
{
	double end = *(double *)arg;
	struct timespec ts = { 0, 5 * 1000 * 1000 };
	prctl(PR_SET_NAME, "pm-writer");
	while (now() < end) {
		nanosleep(&ts, NULL);
		if (write(pipefd[1], "x", 1) != 1)
			break;
	}
	close(pipefd[1]);
	return NULL;
}

static void run_block(double secs)
{
	double end = now() + secs;
	pthread_t t;
	if (pipe(pipefd) || pthread_create(&t, NULL, writer, &end)) {
		perror("pipe/pthread_create");
		exit(1);
	}
	while (now() < end) {
		block_sleep();
		for (int i = 0; i < 2; i++)
			block_pipe();
	}
	pthread_join(t, NULL);
}

int main(int argc, char **argv)
{
	if (argc >= 4 && strcmp(argv[1], "mix") == 0)
		run_mix(atof(argv[2]), argv[3]);
	else if (argc >= 3 && strcmp(argv[1], "execd") == 0)
		execd_work(atof(argv[2]));
	else if (argc >= 3 && strcmp(argv[1], "block") == 0)
		run_block(atof(argv[2]));
	else {
		fprintf(stderr, "usage: perf_mix mix SECS EXEC_PATH | execd SECS | block SECS\n");
		return 2;
	}
	return 0;
}

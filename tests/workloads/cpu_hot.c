// SPDX-License-Identifier: Apache-2.0
/*
 * On-CPU workload for the sampler's live tests and `make demo`: known call
 * chains burning CPU in known proportions, built by the tests with known flags.
 *
 *   cpu_hot cpu SECS     main -> run_cpu -> outer_a -> leaf_a (2/3 of the time)
 *                                       -> outer_b -> leaf_b (1/3)
 *   cpu_hot sys SECS     main -> run_sys -> sys_loop -> raw write(2) syscalls to /dev/null
 *   cpu_hot libc SECS    main -> run_libc -> libc_loop -> libc's memset and getppid (no frame pointers)
 *   cpu_hot fork SECS    parent: run_parent for SECS; child: run_child for SECS/2, then exits
 *   cpu_hot threads SECS two threads: thread_a -> leaf_a, thread_b -> leaf_b
 *   cpu_hot work ROUNDS  a fixed amount of the `cpu` work, then print its own CPU time
 *                        ("cpu SECONDS", user + system) on stdout: the benchmark's job
 *   cpu_hot wait-stdin cpu SECS   read one byte from stdin first (to be attached with -p), then run
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
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

/*
 * Leaves call nothing: their frames are what the sampler must see on top.
 * Each keeps a volatile local, so it has a stack frame: GCC 12 sets up no
 * frame pointer in a leaf that needs no stack, even with
 * -fno-omit-frame-pointer -mno-omit-leaf-frame-pointer (clang does), and the
 * walk would then skip the leaf's caller.
 */
NOINLINE void leaf_a(uint64_t n)
{
	volatile uint64_t rounds = 0;
	uint64_t x = sink;
	for (uint64_t i = 0; i < n; i++)
		x = (x ^ (x >> 9)) * 0xD6E8FEB86659FD93ULL;
	rounds = rounds + 1;
	sink = x;
}

NOINLINE void leaf_b(uint64_t n)
{
	volatile uint64_t rounds = 0;
	uint64_t x = sink;
	for (uint64_t i = 0; i < n; i++)
		x = (x ^ (x >> 7)) * 0x9E3779B97F4A7C15ULL;
	rounds = rounds + 1;
	sink = x;
}

NOINLINE void outer_a(uint64_t n)
{
	leaf_a(n);
	sink++;
}

NOINLINE void outer_b(uint64_t n)
{
	leaf_b(n);
	sink++;
}

NOINLINE void run_work(long rounds)
{
	for (long r = 0; r < rounds; r++) {
		outer_a(200000);
		outer_a(200000);
		outer_b(200000);
	}
}

NOINLINE void run_cpu(double secs)
{
	double end = now() + secs;
	while (now() < end) {
		outer_a(200000);
		outer_a(200000);
		outer_b(200000);
	}
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
		for (int i = 0; i < 100; i++)
			raw_write(fd, buf, sizeof(buf));
}

NOINLINE void run_sys(double secs)
{
	int fd = open("/dev/null", O_WRONLY);
	if (fd < 0) {
		perror("/dev/null");
		exit(1);
	}
	sys_loop(fd, now() + secs);
	close(fd);
}

NOINLINE void libc_loop(double end)
{
	static char buf[1 << 16];
	while (now() < end)
		for (int i = 0; i < 64; i++) {
			memset(buf, i, sizeof(buf));
			sink += (uint64_t)getppid();
		}
}

NOINLINE void run_libc(double secs)
{
	libc_loop(now() + secs);
}

NOINLINE void run_child(double secs)
{
	double end = now() + secs;
	while (now() < end)
		leaf_b(100000);
}

NOINLINE void run_parent(double secs)
{
	double end = now() + secs;
	while (now() < end)
		leaf_a(100000);
}

static void *thread_a(void *arg)
{
	double end = now() + *(double *)arg;
	while (now() < end)
		leaf_a(100000);
	return NULL;
}

static void *thread_b(void *arg)
{
	double end = now() + *(double *)arg;
	while (now() < end)
		leaf_b(100000);
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "wait-stdin") == 0) {
		char c;
		if (read(0, &c, 1) < 0)
			return 1;
		argv++;
		argc--;
	}
	if (argc < 3) {
		fprintf(stderr, "usage: cpu_hot [wait-stdin] cpu|sys|fork|threads SECONDS | work ROUNDS\n");
		return 2;
	}
	double secs = atof(argv[2]);
	if (strcmp(argv[1], "cpu") == 0) {
		run_cpu(secs);
	} else if (strcmp(argv[1], "work") == 0) {
		struct rusage ru;
		run_work(atol(argv[2]));
		getrusage(RUSAGE_SELF, &ru);
		printf("cpu %.6f\n", (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
					     ru.ru_stime.tv_usec / 1e6);
	} else if (strcmp(argv[1], "sys") == 0) {
		run_sys(secs);
	} else if (strcmp(argv[1], "libc") == 0) {
		run_libc(secs);
	} else if (strcmp(argv[1], "fork") == 0) {
		pid_t pid = fork();
		if (pid == 0) {
			run_child(secs / 2);
			_exit(0);
		}
		run_parent(secs);
		waitpid(pid, NULL, 0);
	} else if (strcmp(argv[1], "threads") == 0) {
		pthread_t a, b;
		pthread_create(&a, NULL, thread_a, &secs);
		pthread_create(&b, NULL, thread_b, &secs);
		pthread_join(a, NULL);
		pthread_join(b, NULL);
	} else {
		fprintf(stderr, "cpu_hot: unknown mode '%s'\n", argv[1]);
		return 2;
	}
	return 0;
}

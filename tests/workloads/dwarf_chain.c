// SPDX-License-Identifier: Apache-2.0
/*
 * Workload for `scorch record --call-graph dwarf` (tests/live/record_dwarf.sh,
 * scripts/bench-sampler.sh): known call chains, meant to be built WITHOUT
 * frame pointers (-O2 -fomit-frame-pointer), so that only DWARF CFI unwinding
 * finds the callers.
 *
 *   dwarf_chain cpu SECS    main -> chain_a -> chain_b -> chain_leaf, a CPU-bound leaf
 *   dwarf_chain qsort SECS  main -> sort_them -> libc's qsort -> ... -> compare_ints (a callback)
 *   dwarf_chain read SECS   main -> reader_outer -> reader_inner -> libc's read(2) on a pipe,
 *                           blocked; a thread "writer" writes a byte every 5 ms
 *   dwarf_chain threads SECS two threads "spin_a", "spin_b" running the `cpu` chain under
 *                           start_thread -> spin -> chain_a -> ...: both CPUs busy at once
 *   dwarf_chain work ROUNDS a fixed amount of the `cpu` work, then print its own CPU time
 *                           ("cpu SECONDS") on stdout: the benchmark's job
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

/* No inlining, cloning or interprocedural shortcuts: each function keeps its own frame and name. */
#ifdef __clang__
#define KEEP __attribute__((noinline))
#else
#define KEEP __attribute__((noinline, noipa))
#endif

static volatile uint64_t sink;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The CPU-bound leaf: a few ms per call, so the clock reads in main are rare. */
KEEP uint64_t chain_leaf(uint64_t n)
{
	uint64_t x = sink;
	for (uint64_t i = 0; i < n; i++)
		x = (x ^ (x >> 11)) * 0xD6E8FEB86659FD93ULL;
	return x;
}

/* Each caller uses the result after the call: the call is never a tail call that would drop the frame. */
KEEP uint64_t chain_b(uint64_t n)
{
	uint64_t r = chain_leaf(n);
	sink ^= r;
	return r + 1;
}

KEEP uint64_t chain_a(uint64_t n)
{
	uint64_t r = chain_b(n);
	sink += r;
	return r * 3;
}

KEEP int compare_ints(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

/* Shuffle and sort 1000 ints again and again: the time is in qsort's frames and the comparator. */
KEEP void sort_them(int *v, size_t n, unsigned *seed)
{
	for (size_t i = 0; i < n; i++)
		v[i] = rand_r(seed);
	qsort(v, n, sizeof(*v), compare_ints);
	sink += (uint64_t)v[n / 2];
}

static void *spin(void *arg)
{
	double end = now() + *(double *)arg;
	while (now() < end)
		sink += chain_a(2000000);
	return NULL;
}

static int pipefd[2];

KEEP int reader_inner(void)
{
	char c = 0;
	if (read(pipefd[0], &c, 1) != 1)
		return -1;
	sink++;
	return c;
}

KEEP int reader_outer(void)
{
	int c = reader_inner();
	sink += (uint64_t)c;
	return c;
}

static void *writer(void *arg)
{
	double end = now() + *(double *)arg;
	struct timespec ts = { 0, 5 * 1000 * 1000 };
	pthread_setname_np(pthread_self(), "writer");
	while (now() < end) {
		nanosleep(&ts, NULL);
		if (write(pipefd[1], "x", 1) != 1)
			break;
	}
	if (write(pipefd[1], "q", 1) != 1)
		perror("write");
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: dwarf_chain cpu|qsort|read|threads SECONDS | work ROUNDS\n");
		return 2;
	}
	double secs = atof(argv[2]);
	double end = now() + secs;
	if (strcmp(argv[1], "cpu") == 0) {
		while (now() < end)
			sink += chain_a(2000000);
	} else if (strcmp(argv[1], "work") == 0) {
		struct rusage ru;
		for (long r = atol(argv[2]); r > 0; r--)
			sink += chain_a(2000000);
		getrusage(RUSAGE_SELF, &ru);
		printf("cpu %.6f\n", (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
					     ru.ru_stime.tv_usec / 1e6);
	} else if (strcmp(argv[1], "qsort") == 0) {
		static int v[1000];
		unsigned seed = 1;
		while (now() < end)
			for (int i = 0; i < 20; i++)
				sort_them(v, sizeof(v) / sizeof(v[0]), &seed);
	} else if (strcmp(argv[1], "threads") == 0) {
		pthread_t t[2];
		for (int i = 0; i < 2; i++) {
			if (pthread_create(&t[i], NULL, spin, &secs))
				return 1;
			pthread_setname_np(t[i], i ? "spin_b" : "spin_a");
		}
		for (int i = 0; i < 2; i++)
			pthread_join(t[i], NULL);
	} else if (strcmp(argv[1], "read") == 0) {
		pthread_t t;
		if (pipe(pipefd) || pthread_create(&t, NULL, writer, &secs))
			return 1;
		while (reader_outer() == 'x')
			;
		pthread_join(t, NULL);
	} else {
		fprintf(stderr, "dwarf_chain: unknown mode '%s'\n", argv[1]);
		return 2;
	}
	return 0;
}

// SPDX-License-Identifier: Apache-2.0
/*
 * A tiny JIT for the sampler's live tests: machine code written at run time
 * into anonymous memory, named in /tmp/perf-PID.map as V8 and the JVM name
 * theirs (PID as the process knows itself: inside a container, its own).
 *
 *   jit_hot SECS   main -> run_jit -> jit_spin_early for the first half,
 *                  main -> run_jit -> jit_spin_late for the second; the late
 *                  function is "compiled" and added to the map halfway, as a
 *                  JIT appends names while it runs.
 *
 * JIT_HOT_NO_MAP=1 writes no map: a JIT run without --perf-basic-prof.
 * The generated code keeps a frame pointer, so frame-pointer walks pass it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#if !defined(__x86_64__)
#error "jit_hot generates x86-64 code"
#endif

typedef void (*spin_fn)(uint64_t n);

/* push rbp; mov rbp,rsp; mov rax,rdi; 1: dec rax; jnz 1b; pop rbp; ret */
static const unsigned char spin_code[] = { 0x55, 0x48, 0x89, 0xe5, 0x48, 0x89, 0xf8, 0x48,
					   0xff, 0xc8, 0x75, 0xfb, 0x5d, 0xc3 };

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* "Compile" one function at `at` and name it in the map, appending as JITs do. */
static spin_fn jit_compile(unsigned char *at, const char *name)
{
	memcpy(at, spin_code, sizeof(spin_code));
	if (getenv("JIT_HOT_NO_MAP"))
		return (spin_fn)(void *)at;
	char path[64];
	snprintf(path, sizeof(path), "/tmp/perf-%d.map", getpid());
	FILE *f = fopen(path, "a");
	if (!f) {
		perror(path);
		exit(1);
	}
	fprintf(f, "%lx %zx %s\n", (unsigned long)(uintptr_t)at, sizeof(spin_code), name);
	fclose(f);
	return (spin_fn)(void *)at;
}

static __attribute__((noinline)) void run_jit(spin_fn fn, double until)
{
	while (now() < until)
		fn(200000);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: jit_hot SECONDS\n");
		return 2;
	}
	double secs = atof(argv[1]);
	/* written while writable, then made executable: W^X, as V8 does */
	unsigned char *code = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (code == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	char path[64];
	snprintf(path, sizeof(path), "/tmp/perf-%d.map", getpid());
	unlink(path);
	spin_fn early = jit_compile(code, "jit_spin_early");
	if (mprotect(code, 8192, PROT_READ | PROT_EXEC)) {
		perror("mprotect");
		return 1;
	}
	double t0 = now();
	run_jit(early, t0 + secs / 2);
	if (mprotect(code, 8192, PROT_READ | PROT_WRITE)) {
		perror("mprotect");
		return 1;
	}
	spin_fn late = jit_compile(code + 256, "jit_spin_late");
	if (mprotect(code, 8192, PROT_READ | PROT_EXEC)) {
		perror("mprotect");
		return 1;
	}
	run_jit(late, t0 + secs);
	return 0;
}

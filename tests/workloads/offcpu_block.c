// SPDX-License-Identifier: Apache-2.0
/*
 * Off-CPU workload for the sampler's live tests and `make demo`: threads that
 * block for known times in known functions, through libc's wrappers (which
 * have no frame pointers):
 *
 *   thread "reader"  block_on_pipe:     read(2) on a pipe, woken by "writer" every 20 ms
 *   thread "sleeper" block_in_nanosleep: nanosleep(2) 50 ms at a time
 *   thread "waiter"  block_on_futex:    futex(2) FUTEX_WAIT with a 100 ms timeout, never woken
 *   thread "writer"  wake_reader:       usleep 20 ms, write a byte to the pipe
 *
 * Usage: offcpu_block SECONDS. Every thread runs for SECONDS, so each blocked
 * thread's off-CPU time is close to SECONDS.
 */
#define _GNU_SOURCE
#include <linux/futex.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline))

static int pipefd[2];
static double secs;
static uint32_t futex_word;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

NOINLINE void block_on_pipe(void)
{
	char c = 0;
	while (c != 'q' && read(pipefd[0], &c, 1) == 1)
		;
}

NOINLINE void block_in_nanosleep(double end)
{
	struct timespec ts = { 0, 50 * 1000 * 1000 };
	while (now() < end)
		nanosleep(&ts, NULL);
}

NOINLINE void block_on_futex(double end)
{
	struct timespec ts = { 0, 100 * 1000 * 1000 };
	while (now() < end)
		syscall(SYS_futex, &futex_word, FUTEX_WAIT_PRIVATE, 0, &ts, NULL, 0);
}

NOINLINE void wake_reader(double end)
{
	while (now() < end) {
		usleep(20 * 1000);
		if (write(pipefd[1], "x", 1) != 1)
			break;
	}
	if (write(pipefd[1], "q", 1) != 1)
		perror("write");
}

static void *reader(void *arg)
{
	(void)arg;
	pthread_setname_np(pthread_self(), "reader");
	block_on_pipe();
	return NULL;
}

static void *sleeper(void *arg)
{
	(void)arg;
	pthread_setname_np(pthread_self(), "sleeper");
	block_in_nanosleep(now() + secs);
	return NULL;
}

static void *waiter(void *arg)
{
	(void)arg;
	pthread_setname_np(pthread_self(), "waiter");
	block_on_futex(now() + secs);
	return NULL;
}

static void *writer(void *arg)
{
	(void)arg;
	pthread_setname_np(pthread_self(), "writer");
	wake_reader(now() + secs);
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: offcpu_block SECONDS\n");
		return 2;
	}
	secs = atof(argv[1]);
	if (pipe(pipefd)) {
		perror("pipe");
		return 1;
	}
	void *(*fns[])(void *) = { reader, sleeper, waiter, writer };
	pthread_t t[4];
	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, fns[i], NULL);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	return 0;
}

// SPDX-License-Identifier: Apache-2.0
/*
 * Two threads, named "tp_ping" and "tp_pong" (or argv[2] and argv[3]), pass one byte back and forth
 * over two pipes ROUNDS times (default 200, or argv[1]): every round blocks each thread
 * once in read(2), so sched_switch sees each of them leave the CPU about
 * ROUNDS times. Each thread also makes exactly ROUNDS 1-byte writes and reads.
 */
#include <pthread.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <unistd.h>

static int ping_to_pong[2], pong_to_ping[2];
static long rounds = 200;
static const char *ping_name = "tp_ping", *pong_name = "tp_pong";

static void *pong(void *arg)
{
	char c;

	(void)arg;
	prctl(PR_SET_NAME, pong_name);
	for (long i = 0; i < rounds; i++) {
		if (read(ping_to_pong[0], &c, 1) != 1 || write(pong_to_ping[1], &c, 1) != 1)
			break;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t t;
	char c = 'x';

	if (argc > 1)
		rounds = strtol(argv[1], NULL, 10);
	if (argc > 3) {
		ping_name = argv[2];
		pong_name = argv[3];
	}
	if (pipe(ping_to_pong) || pipe(pong_to_ping)) {
		perror("trace_pingpong: pipe");
		return 1;
	}
	if (pthread_create(&t, NULL, pong, NULL)) {
		fprintf(stderr, "trace_pingpong: pthread_create failed\n");
		return 1;
	}
	prctl(PR_SET_NAME, ping_name);
	for (long i = 0; i < rounds; i++) {
		if (write(ping_to_pong[1], &c, 1) != 1 || read(pong_to_ping[0], &c, 1) != 1)
			break;
	}
	pthread_join(t, NULL);
	poll(NULL, 0, 50);
	return 0;
}

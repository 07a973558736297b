// SPDX-License-Identifier: Apache-2.0
/*
 * The `make demo` workload: a tiny request pipeline with real on-CPU and
 * off-CPU behaviour, so both flame graphs have a story to tell.
 *
 *   thread "producer": makes requests, writes them to a pipe, paces itself with nanosleep
 *   threads "worker":  block reading the pipe; parse, checksum, compress and render each
 *                      request (CPU), then append the result to a file and fsync it (disk)
 *   thread "stats":    wakes every 100 ms to report progress (sleep)
 *
 * Usage: demo SECONDS [DIR]   (the results file goes to DIR, default /tmp)
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline))
#define REQ_LEN 4096

static int pipefd[2];
static int outfd;
static double end_time;
static volatile uint64_t handled;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

NOINLINE size_t tokenize(const char *req, size_t len, uint32_t *tokens)
{
	size_t n = 0;
	for (size_t i = 0; i < len; i++)
		if (req[i] == ' ')
			tokens[n++ & 255] = (uint32_t)i;
	return n;
}

NOINLINE size_t parse_request(const char *req, size_t len)
{
	uint32_t tokens[256];
	size_t n = 0;
	for (int pass = 0; pass < 8; pass++)
		n += tokenize(req, len, tokens);
	return n;
}

NOINLINE uint32_t crc32_update(uint32_t crc, const char *p, size_t len)
{
	crc = ~crc;
	for (size_t i = 0; i < len; i++) {
		crc ^= (uint8_t)p[i];
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1)));
	}
	return ~crc;
}

NOINLINE uint32_t compute_checksum(const char *req, size_t len)
{
	uint32_t crc = 0;
	for (int pass = 0; pass < 3; pass++)
		crc = crc32_update(crc, req, len);
	return crc;
}

NOINLINE size_t rle_encode(const char *in, size_t len, char *out)
{
	size_t o = 0;
	for (size_t i = 0; i < len;) {
		size_t j = i;
		while (j < len && in[j] == in[i] && j - i < 255)
			j++;
		out[o++] = in[i];
		out[o++] = (char)(j - i);
		i = j;
	}
	return o;
}

NOINLINE size_t compress_body(const char *req, size_t len, char *out)
{
	size_t n = 0;
	for (int pass = 0; pass < 4; pass++)
		n = rle_encode(req, len, out);
	return n;
}

NOINLINE size_t render_response(char *out, size_t cap, size_t tokens, uint32_t crc, size_t packed)
{
	size_t n = 0;
	for (int line = 0; line < 64; line++)
		n += (size_t)snprintf(out + n % (cap / 2), cap / 2, "line %d tokens=%zu crc=%08x packed=%zu\n", line,
				      tokens, crc, packed);
	return n % (cap / 2);
}

NOINLINE void handle_request(const char *req, size_t len)
{
	static __thread char packed[2 * REQ_LEN];
	static __thread char response[8192];
	size_t tokens = parse_request(req, len);
	uint32_t crc = compute_checksum(req, len);
	size_t size = compress_body(req, len, packed);
	size_t n = render_response(response, sizeof(response), tokens, crc, size);
	if (write(outfd, response, n) < 0)
		perror("write");
	if (__sync_add_and_fetch(&handled, 1) % 16 == 0)
		fdatasync(outfd);
}

NOINLINE void serve(void)
{
	char req[REQ_LEN];
	size_t got = 0;
	ssize_t n;
	while ((n = read(pipefd[0], req + got, sizeof(req) - got)) > 0) {
		got += (size_t)n;
		if (got == sizeof(req)) {
			handle_request(req, got);
			got = 0;
		}
	}
}

static void *worker(void *arg)
{
	(void)arg;
	pthread_setname_np(pthread_self(), "worker");
	serve();
	return NULL;
}

NOINLINE void produce(void)
{
	char req[REQ_LEN];
	struct timespec pace = { 0, 500 * 1000 };
	unsigned seed = 1;
	while (now() < end_time) {
		for (size_t i = 0; i < sizeof(req); i++)
			req[i] = (rand_r(&seed) % 7) ? 'a' + (char)(rand_r(&seed) % 4) : ' ';
		if (write(pipefd[1], req, sizeof(req)) != (ssize_t)sizeof(req))
			break;
		nanosleep(&pace, NULL);
	}
	close(pipefd[1]);
}

static void *producer(void *arg)
{
	(void)arg;
	pthread_setname_np(pthread_self(), "producer");
	produce();
	return NULL;
}

NOINLINE void report_progress(void)
{
	struct timespec tick = { 0, 100 * 1000 * 1000 };
	while (now() < end_time)
		nanosleep(&tick, NULL);
	fprintf(stderr, "demo: handled %llu requests\n", (unsigned long long)handled);
}

static void *stats(void *arg)
{
	(void)arg;
	pthread_setname_np(pthread_self(), "stats");
	report_progress();
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: demo SECONDS [DIR]\n");
		return 2;
	}
	char path[4096];
	snprintf(path, sizeof(path), "%s/scorch-demo.%d.out", argc > 2 ? argv[2] : "/tmp", (int)getpid());
	outfd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (outfd < 0 || pipe(pipefd)) {
		perror(path);
		return 1;
	}
	end_time = now() + atof(argv[1]);
	pthread_t t[4];
	pthread_create(&t[0], NULL, producer, NULL);
	pthread_create(&t[1], NULL, worker, NULL);
	pthread_create(&t[2], NULL, worker, NULL);
	pthread_create(&t[3], NULL, stats, NULL);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	close(outfd);
	unlink(path);
	return 0;
}

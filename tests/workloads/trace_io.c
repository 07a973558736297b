// SPDX-License-Identifier: Apache-2.0
/*
 * Deterministic syscall workload for the trace tests: an exact, known sequence
 * of openat/read/write/getppid/nanosleep calls, made with raw syscall(2) so
 * libc cannot add or substitute any. Built static by the tests (no loader
 * reads). The counts are chosen so no two keys tie:
 *   read(/dev/zero):  size 1 x1, 7 x2, 64 x3, 100 x4, 512 x5, 1000 x6, 4096 x7, 65536 x8 (36 calls)
 *   read(-1, 10):     x1 (fails with EBADF)
 *   write(/dev/null): size 3 x2, 30 x4, 300 x6, 3000 x8 (20 calls)
 *   getppid:          x5
 *   nanosleep:        2 ms, 10 ms, 18 ms
 *   openat:           "/dev/zero", "/dev/null"
 * Then it idles 50 ms (poll) so a tracer drains its buffers before the exit.
 */
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static char buf[65536];

static void do_reads(long fd)
{
	static const long sizes[] = { 1, 7, 64, 100, 512, 1000, 4096, 65536 };

	for (int i = 0; i < 8; i++)
		for (int r = 0; r <= i; r++)
			syscall(SYS_read, fd, buf, sizes[i]);
	syscall(SYS_read, -1L, buf, 10L);
}

static void do_writes(long fd)
{
	static const long sizes[] = { 3, 30, 300, 3000 };

	for (int i = 0; i < 4; i++)
		for (int r = 0; r < 2 * (i + 1); r++)
			syscall(SYS_write, fd, buf, sizes[i]);
}

static void do_getppids(void)
{
	for (int i = 0; i < 5; i++)
		syscall(SYS_getppid);
}

static void do_sleeps(void)
{
	static const long ms[] = { 2, 10, 18 };

	for (int i = 0; i < 3; i++) {
		struct timespec ts = { .tv_sec = 0, .tv_nsec = ms[i] * 1000000L };

		syscall(SYS_nanosleep, &ts, NULL);
	}
}

int main(void)
{
	long zfd = syscall(SYS_openat, AT_FDCWD, "/dev/zero", O_RDONLY);
	long nfd = syscall(SYS_openat, AT_FDCWD, "/dev/null", O_WRONLY);

	if (zfd < 0 || nfd < 0) {
		perror("trace_io: open");
		return 1;
	}
	do_reads(zfd);
	do_writes(nfd);
	do_getppids();
	do_sleeps();
	poll(NULL, 0, 50);
	return 0;
}

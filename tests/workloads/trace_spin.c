// SPDX-License-Identifier: Apache-2.0
/*
 * Burns CPU for MS milliseconds (default 1000, or argv[1]) in a known call
 * chain main -> spin_outer -> spin_inner, built with frame pointers and no
 * inlining, so a sampled user stack has a known shape.
 */
#include <stdlib.h>
#include <time.h>

static volatile unsigned long sink;

__attribute__((noinline)) static void spin_inner(void)
{
	for (int i = 0; i < 100000; i++)
		sink += (unsigned long)i * 2654435761u;
}

__attribute__((noinline)) static void spin_outer(long ms)
{
	struct timespec start, now;

	clock_gettime(CLOCK_MONOTONIC, &start);
	do {
		spin_inner();
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while ((now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000 < ms);
}

int main(int argc, char **argv)
{
	spin_outer(argc > 1 ? strtol(argv[1], NULL, 10) : 1000);
	return 0;
}

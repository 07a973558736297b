// SPDX-License-Identifier: Apache-2.0
/* Calls into fp_lib.c's library for ARGV[1] seconds of CPU (record_oncpu.sh: main -> lib_middle -> lib_leaf). */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

long lib_middle(long n);

static double cpu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

__attribute__((noinline)) static long call_library(double secs)
{
	long s = 0;
	while (cpu_now() < secs)
		s += lib_middle(1000000);
	return s;
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 1;
	printf("%ld\n", call_library(secs));
	return 0;
}

// SPDX-License-Identifier: Apache-2.0
/*
 * dlopen()s the plugin ARGV[1], runs plugin_entry for ARGV[2] seconds, dlclose()s it, and
 * does that 3 times with its own busy loop in between (record_oncpu.sh): the plugin is
 * mapped only while it runs, so neither the first snapshot of this process nor the last
 * one at the end of the recording sees it.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

__attribute__((noinline)) static long host_spin(double secs)
{
	volatile long s = 0;
	double end = now() + secs;
	while (now() < end)
		for (int i = 0; i < 10000; i++)
			s += i;
	return s;
}

int main(int argc, char **argv)
{
	if (argc < 3)
		return 2;
	double secs = atof(argv[2]);
	host_spin(0.3);
	for (int round = 0; round < 3; round++) {
		void *h = dlopen(argv[1], RTLD_NOW);
		if (!h) {
			fprintf(stderr, "%s\n", dlerror());
			return 1;
		}
		long (*entry)(long) = (long (*)(long))dlsym(h, "plugin_entry");
		if (!entry)
			return 1;
		long s = 0;
		double end = now() + secs;
		while (now() < end)
			s += entry(1000000);
		dlclose(h);
		printf("%ld\n", s);
		host_spin(0.2);
	}
	return 0;
}

// SPDX-License-Identifier: Apache-2.0
/* A plugin for dl_host.c: loaded, run hot, unloaded while recording (record_oncpu.sh). */
__attribute__((noinline)) long plugin_spin(long n)
{
	volatile long s = 0;
	for (long i = 0; i < n; i++)
		s += i ^ (i >> 3);
	return s;
}

__attribute__((noinline)) long plugin_entry(long n)
{
	return plugin_spin(n) + 1; /* not a tail call: plugin_entry keeps its frame */
}

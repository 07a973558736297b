#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Concurrency: two threads pinned to two CPUs hammer the same map keys through a tracepoint; scorch's
# per-CPU aggregations (count, sum, avg, hist) and its atomic ++ on plain maps must lose no update.
# The workload makes exactly N getppid() calls per thread, so every total is known in advance.
. "$(dirname "$0")/../testlib.sh"

require_bpf
[ "$(nproc)" -ge 2 ] || skip "needs two CPUs"
if [ ! -d /sys/kernel/tracing/events/syscalls ]; then
	mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null
	[ -d /sys/kernel/tracing/events/syscalls ] || skip "tracefs is not mounted and cannot be mounted"
fi

N=${HAMMER_CALLS:-200000}
cat >"$T_WORK/hammer.c" <<'EOF'
/* Two threads, one per CPU, each calling getppid() N times once both are ready. */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static long calls;
static pthread_barrier_t ready;

static void *hammer(void *arg)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET((int)(long)arg, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	pthread_barrier_wait(&ready);
	for (long i = 0; i < calls; i++)
		syscall(SYS_getppid);
	return NULL;
}

int main(int argc, char **argv)
{
	calls = argc > 1 ? atol(argv[1]) : 100000;
	pthread_t t[2];
	pthread_barrier_init(&ready, NULL, 2);
	for (long i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, hammer, (void *)i);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	return 0;
}
EOF
gcc -O2 -o "$T_WORK/hammer" "$T_WORK/hammer.c" -lpthread || { fail "cannot build the workload"; finish; }

prog='tracepoint:syscalls:sys_enter_getppid /pid == cpid/ {
	@count = count();
	@bycpu[cpu] = count();
	@sum = sum(3);
	@avg = avg(5);
	@hist = hist(100);
	@plain[1]++;
	@keyed[comm, 7] = count();
}'
timeout 120 "$SCORCH" trace -c "$T_WORK/hammer $N" -e "$prog" >"$T_WORK/out" 2>"$T_WORK/err"
rc=$?
[ $rc -eq 0 ] || { fail "scorch trace exited $rc: $(head -5 "$T_WORK/err")"; finish; }
want=$((2 * N))

value() { sed -n "s/^$1: \([0-9-]*\)$/\1/p" "$T_WORK/out"; }
check "count() lost nothing ($want calls)" [ "$(value @count)" = "$want" ]
check "sum() lost nothing" [ "$(value @sum)" = "$((3 * want))" ]
check "++ on a plain map lost nothing" [ "$(value '@plain\[1\]')" = "$want" ]
check "keyed count() lost nothing" [ "$(value '@keyed\[hammer, 7\]')" = "$want" ]
check "avg() is exact" [ "$(value @avg)" = 5 ]
hist_line=$(grep -E '^\[64, 128\)' "$T_WORK/out")
check "hist() counted every call" [ "$(echo "$hist_line" | awk '{print $3}')" = "$want" ]
# both CPUs really took part, in about equal shares
ncpu=$(grep -c '^@bycpu\[' "$T_WORK/out")
check "both CPUs counted ($ncpu)" [ "$ncpu" -ge 2 ]
total=$(sed -n 's/^@bycpu\[[0-9]*\]: \([0-9]*\)$/\1/p' "$T_WORK/out" | awk '{s += $1} END {print s}')
check "per-CPU keys add up" [ "$total" = "$want" ]
min_share=$(sed -n 's/^@bycpu\[[0-9]*\]: \([0-9]*\)$/\1/p' "$T_WORK/out" | sort -n | head -1)
check "each CPU saw a real share (>= 25%: $min_share of $want)" [ "$min_share" -ge $((want / 4)) ]
if [ "$T_FAILS" -ne 0 ]; then
	sed 's/^/    /' "$T_WORK/out" | head -40
fi
finish

#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Live: off-CPU time of threads blocked for known times in read(2) on a pipe, nanosleep(2) and a
# futex wait is within 10% of wall time and attributed to the user function that blocked (through
# libc's frame-pointer-less wrappers), also for two callers that differ only above the wrapper;
# --min-block/--max-block filter; --wakeup shows the waker, also with --mode wall.
. "$(dirname "$0")/../testlib.sh"
. "$TOP/tests/workloads/record_helpers.bash"
require_bpf
[ -x "$SCORCH" ] || skip "no scorch binary at $SCORCH"

SECS=2
build_workload block offcpu_block.c clang -O2 -fno-omit-frame-pointer

# thread_total FILE COMM: off-CPU ns of the thread named COMM (root frame "COMM").
thread_total() { fsum "$1" "^$2;"; }

# 1. Every blocked thread's time, and where it is spent.
out=$T_WORK/off.folded
if record --off-cpu -o "$out" -- "$T_WORK/block" $SECS; then
	for t in reader:block_on_pipe:'(read|__GI___libc_read)' sleeper:block_in_nanosleep:'(clock_nanosleep|nanosleep)' \
		waiter:block_on_futex:syscall; do
		comm=${t%%:*}; rest=${t#*:}; fn=${rest%%:*}; wrapper=${rest#*:}
		total=$(thread_total "$out" "$comm")
		r=$(ratio "$total" $((SECS * 1000000000)))
		if between "$r" 0.9 1.1; then ok "$comm: off-CPU $total ns = $r x wall time"
		else fail "$comm: off-CPU $total ns = $r x wall time, expected 0.9-1.1"; fi
		right=$(fsum "$out" "^$comm;start_thread;$comm;$fn;$wrapper[^;]*;")
		check_ratio "$comm: time attributed to start_thread;$comm;$fn;<libc wrapper>" "$right" "$total" 0.95
	done
	grep -q "off-CPU intervals" "$T_WORK/record.err" || fail "summary lacks the interval count"
else
	fail "--off-cpu: record failed"
fi

# 2. --min-block 30000: the reader's ~20 ms blocks go, the 50 ms and 100 ms ones stay.
out=$T_WORK/min.folded
if record --off-cpu --min-block 30000 -o "$out" -- "$T_WORK/block" $SECS; then
	reader=$(thread_total "$out" reader)
	writer=$(fsum "$out" "^writer;.*wake_reader;clock_nanosleep")
	sleeper=$(thread_total "$out" sleeper)
	waiter=$(thread_total "$out" waiter)
	le "$(ratio "$reader" $((SECS * 1000000000)))" 0.2 && ok "--min-block 30 ms: reader's 20 ms blocks left out ($reader ns)" \
		|| fail "--min-block 30 ms: reader still has $reader ns"
	# a 20 ms sleep can overrun past 30 ms on a loaded machine: most must still go
	le "$(ratio "$writer" $((SECS * 1000000000)))" 0.2 && ok "--min-block: writer's 20 ms sleeps left out ($writer ns kept)" \
		|| fail "--min-block: writer has $writer ns"
	between "$(ratio "$sleeper" $((SECS * 1000000000)))" 0.85 1.1 && ok "--min-block: sleeper's 50 ms blocks kept" \
		|| fail "--min-block: sleeper has $sleeper ns"
	between "$(ratio "$waiter" $((SECS * 1000000000)))" 0.85 1.1 && ok "--min-block: waiter's 100 ms blocks kept" \
		|| fail "--min-block: waiter has $waiter ns"
	grep -q "outside --min-block" "$T_WORK/record.err" && ok "summary counts the intervals left out" \
		|| fail "summary does not count the intervals left out"
else
	fail "--min-block: record failed"
fi

# 3. --max-block 70000: the waiter's 100 ms blocks go, the sleeper's 50 ms stay.
out=$T_WORK/max.folded
if record --off-cpu --max-block 70000 -o "$out" -- "$T_WORK/block" $SECS; then
	waiter=$(thread_total "$out" waiter)
	sleeper=$(thread_total "$out" sleeper)
	# futex timeouts never end early: none of the 100 ms blocks pass a 70 ms limit (what is left:
	# short preemptions of the thread on a busy machine)
	le "$(ratio "$waiter" $((SECS * 1000000000)))" 0.05 && ok "--max-block 70 ms: waiter's 100 ms blocks left out ($waiter ns kept)" \
		|| fail "--max-block: waiter has $waiter ns"
	blocks=$(fsum "$out" "^waiter;.*block_on_futex")
	[ "$blocks" -eq 0 ] && ok "--max-block: no futex block of the waiter" || fail "--max-block: $blocks ns of futex blocks kept"
	between "$(ratio "$sleeper" $((SECS * 1000000000)))" 0.85 1.1 && ok "--max-block: sleeper kept" \
		|| fail "--max-block: sleeper has $sleeper ns"
else
	fail "--max-block: record failed"
fi

# 4. --wakeup: the reader is woken by the writer's write(2) from wake_reader.
out=$T_WORK/wake.folded
if record --off-cpu --wakeup -o "$out" -- "$T_WORK/block" $SECS; then
	total=$(thread_total "$out" reader)
	woken=$(fsum "$out" "^reader;.*;block_on_pipe;.*;--;.*(pipe_write|anon_pipe_write).*;wake_reader;writer;start_thread;writer$")
	check_ratio "--wakeup: reader's time with the writer's stack after --" "$woken" "$total" 0.90
	timer=$(fsum "$out" "^sleeper;.*;--;.*hrtimer_wakeup.*\\[irq\\]$")
	stotal=$(thread_total "$out" sleeper)
	check_ratio "--wakeup: sleeper woken by a timer interrupt" "$timer" "$stotal" 0.90
	[ "$stotal" -gt 0 ] && ge "$(ratio "$timer" "$stotal")" 0.90 ||
		{ echo "    the sleeper's other wakers (heaviest first):"
		  grep '^sleeper;' "$out" | grep -v -E ';--;.*hrtimer_wakeup.*\[irq\] [0-9]+$' | sort -t' ' -k2 -n -r |
			head -5 | sed -E 's/^[^-]*;--;/    -- /' | cut -c1-240; }
else
	fail "--wakeup: record failed"
fi

# 4b. --mode wall --wakeup: the same wakers above "--", on-CPU samples beside them, and in the SVG
# the waker frames aqua (flamegraph.pl's chain colours), the blocked ones blue.
out=$T_WORK/wallwake
if record --mode wall --wakeup -o "$out.folded" -o "$out.svg" -- "$T_WORK/block" $SECS; then
	total=$(thread_total "$out.folded" reader)
	woken=$(fsum "$out.folded" "^reader;.*;block_on_pipe;.*;--;.*(pipe_write|anon_pipe_write).*;wake_reader;writer;start_thread;writer$")
	check_ratio "wall --wakeup: reader's time with the writer's stack after --" "$woken" "$total" 0.90
	r=$(ratio "$total" $((SECS * 1000000000)))
	between "$r" 0.9 1.1 && ok "wall --wakeup: reader $r x wall time" || fail "wall --wakeup: reader $r x wall time"
	fill=$(grep -o '<title>wake_reader ([^<]*</title><rect[^>]*fill="rgb([0-9,]*)"' "$out.svg" | head -1 | sed -E 's/.*rgb\(([0-9,]*)\).*/\1/')
	IFS=, read -r cr cg cb <<<"$fill"
	if [ -n "$fill" ] && [ "$cg" = "$cb" ] && [ "$cr" -lt "$cg" ]; then ok "wall --wakeup: the waker's frames are aqua ($fill)"
	else fail "wall --wakeup: wake_reader is coloured '$fill', expected aqua"; fi
else
	fail "wall --wakeup: record failed"
fi

# 5. The raw_tp twins (for kernels whose tp_btf attach fails) give the same attribution.
out=$T_WORK/raw.folded
if SCORCH_RAW_TP=1 record --off-cpu -o "$out" -- "$T_WORK/block" 1; then
	total=$(thread_total "$out" reader)
	right=$(fsum "$out" "^reader;start_thread;reader;block_on_pipe;(read|__GI___libc_read)[^;]*;")
	check_ratio "raw_tp: reader's time in block_on_pipe" "$right" "$total" 0.95
	r=$(ratio "$total" 1000000000)
	between "$r" 0.9 1.1 && ok "raw_tp: reader off-CPU $r x wall time" || fail "raw_tp: reader off-CPU $r x wall time"
else
	fail "raw_tp: record failed"
fi
# 6. Two callers of read() with identical frames, called through one function pointer from one
# call site: the blocked thread's registers and walked stack are the same for both, only the
# return address the repair finds above the wrapper tells them apart. It must be found afresh
# (scorch remembers each thread's last repair, and must see that the word it found has changed).
cat >"$T_WORK/alt.c" <<'C'
#define _GNU_SOURCE
#include <pthread.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#define NOINLINE __attribute__((noinline))
static int fds[2];
static volatile int sink;
NOINLINE void block_in_a(int fd) { char b; volatile char pad[24]; pad[0] = 1; read(fd, &b, 1); sink += pad[0]; }
NOINLINE void block_in_b(int fd) { char b; volatile char pad[24]; pad[0] = 2; read(fd, &b, 1); sink += pad[0]; }
NOINLINE void dispatch(void (*fn)(int), int fd) { fn(fd); sink++; }
static void *alternate(void *arg)
{
	void (*fns[2])(int) = { block_in_a, block_in_b };
	for (unsigned i = 0;; i++)
		dispatch(fns[i & 1], fds[0]);
	return arg;
}
int main(int argc, char **argv)
{
	pthread_t t;
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	double secs = argc > 1 ? atof(argv[1]) : 1;
	if (pipe(fds) || pthread_create(&t, NULL, alternate, NULL))
		return 1;
	pthread_setname_np(t, "alternate");
	for (int i = 0; i < (int)(secs * 100); i++) {
		nanosleep(&ts, NULL);
		if (write(fds[1], "x", 1) != 1)
			return 1;
	}
	return 0;
}
C
clang -O2 -g -fno-omit-frame-pointer -pthread -o "$T_WORK/alt" "$T_WORK/alt.c" || fail "cannot build the alternating reader"
out=$T_WORK/alt.folded
if [ -x "$T_WORK/alt" ] && record --off-cpu -o "$out" -- "$T_WORK/alt" 1.5; then
	total=$(fsum "$out" "^alternate;")
	a=$(fsum "$out" "^alternate;start_thread;alternate;dispatch;block_in_a;(read|__GI___libc_read)[^;]*;")
	b=$(fsum "$out" "^alternate;start_thread;alternate;dispatch;block_in_b;(read|__GI___libc_read)[^;]*;")
	check_ratio "one call site, two callers: time attributed to dispatch;block_in_a|b;read" $((a + b)) "$total" 0.90
	r=$(ratio "$a" $((a + b)))
	between "$r" 0.35 0.65 && ok "each caller gets its own half: block_in_a $a ns, block_in_b $b ns" \
		|| fail "callers mixed up: block_in_a $a ns, block_in_b $b ns (share of a $r)"
else
	fail "alternating reader: record failed"
fi
finish

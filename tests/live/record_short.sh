#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Live: processes that live about a millisecond (a shell loop running `true` and `env true`) are gone
# before /proc/PID/maps can be read; their frames are still named, from the kernel's mmap and exec
# records (as perf names them): >= 97% of the samples have a named leaf (86-97% did without, by
# timing); with no /proc maps at all, the records alone name a workload's exact callers; and a child
# that exec'd before its snapshot keeps the names of its first program (inherited from its parent).
. "$(dirname "$0")/../testlib.sh"
. "$TOP/tests/workloads/record_helpers.bash"
require_bpf
[ -x "$SCORCH" ] || skip "no scorch binary at $SCORCH"

# named_leaf FILE: "named total" over the lines whose root is true or env
named_leaf() {
	awk '{ c = $NF; line = $0; sub(/ [0-9]+$/, "", line); n = split(line, a, ";")
		if (a[1] != "true" && a[1] != "env") next
		t += c; if (a[n] != "[unknown]") k += c }
		END { printf "%d %d\n", k, t }' "$1"
}

HOT='(^|;)main;run_cpu;outer_(a;leaf_a|b;leaf_b)(;|$)'
build_workload hot cpu_hot.c clang -O2 -fno-omit-frame-pointer

# 1. Every process as if gone before its snapshot (SCORCH_TEST_NO_PROC_MAPS: /proc/PID/maps is not
# read): names from the records alone, with exact callers; and without the records, none.
out=$T_WORK/nomaps.folded
if SCORCH_TEST_NO_PROC_MAPS=1 record -F 499 -o "$out" -- "$T_WORK/hot" cpu 1; then
	check_ratio "maps from the mmap records alone: samples in leaf_a/leaf_b with exact callers" \
		"$(fsum "$out" "^hot;.*$HOT")" "$(fsum "$out" "^hot;")" 0.90
else
	fail "record without /proc maps failed"
fi
out=$T_WORK/nomaps-nowatch.folded
if SCORCH_TEST_NO_PROC_MAPS=1 SCORCH_NO_MMAP_WATCH=1 record -F 499 -o "$out" -- "$T_WORK/hot" cpu 0.5; then
	r=$(ratio "$(fsum "$out" "^hot;.*$HOT")" "$(fsum "$out" "^hot;")")
	le "$r" 0.1 && ok "control: neither /proc maps nor records, no names ($r)" \
		|| fail "control: names without /proc maps or records ($r): the test above proves nothing"
fi

# 1b. The same with --call-graph dwarf: user stacks are unwound while recording, with the maps
# from the records (the whole chain of a build without frame pointers).
if [ "$(uname -m)" = x86_64 ]; then
	build_workload dw dwarf_chain.c gcc -O2 -fomit-frame-pointer
	out=$T_WORK/nomaps-dwarf.folded
	if SCORCH_TEST_NO_PROC_MAPS=1 record --call-graph dwarf -F 499 -o "$out" -- "$T_WORK/dw" cpu 1; then
		check_ratio "maps from the records, --call-graph dwarf: samples with _start;...;main;chain_a;chain_b;chain_leaf" \
			"$(fsum "$out" "^dw;_start;([^;]*;)*main;chain_a;chain_b;chain_leaf(;|$)")" "$(fsum "$out" "^dw;")" 0.90
	else
		fail "record --call-graph dwarf without /proc maps failed"
	fi
fi

# 1c. A child that execs before its first snapshot is taken (SCORCH_TEST_SNAPSHOT_DELAY_MS: a loaded
# machine reading /proc late): /proc shows the next program's maps, the records the ones its samples
# before the exec ran in. The child's first program is its parent's, inherited by fork.
cat >"$T_WORK/preexec.c" <<'C'
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#define NOINLINE __attribute__((noinline))
static volatile unsigned long sink;
static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}
NOINLINE void before_exec_leaf(double until) { while (now() < until) for (int i = 0; i < 10000; i++) sink += i; }
NOINLINE void after_exec_leaf(double until) { while (now() < until) for (int i = 0; i < 10000; i++) sink ^= i; }
int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "after") == 0) { /* the program exec'd: 1.5 s */
		after_exec_leaf(now() + atof(argv[2]));
		return 0;
	}
	pid_t c = fork();
	if (c == 0) {
		prctl(PR_SET_NAME, "pre-exec");
		before_exec_leaf(now() + 0.3);
		execl(argv[1], "post_exec", "after", "1.5", (char *)NULL);
		_exit(127);
	}
	int st;
	waitpid(c, &st, 0);
	return 0;
}
C
if gcc -O2 -g -fno-omit-frame-pointer -o "$T_WORK/preexec" "$T_WORK/preexec.c"; then
	cp "$T_WORK/preexec" "$T_WORK/post_exec"
	out=$T_WORK/preexec.folded
	if SCORCH_TEST_SNAPSHOT_DELAY_MS=500 record -F 499 -o "$out" -- "$T_WORK/preexec" "$T_WORK/post_exec"; then
		check_ratio "exec before the snapshot: the child's samples before it named main;before_exec_leaf" \
			"$(fsum "$out" "^pre-exec;.*main;before_exec_leaf$")" "$(fsum "$out" "^pre-exec;")" 0.90
		check_ratio "... and after it, main;after_exec_leaf" \
			"$(fsum "$out" "^post_exec;.*main;after_exec_leaf$")" "$(fsum "$out" "^post_exec;")" 0.90
	else
		fail "record of a child exec'ing before its snapshot failed"
	fi
else
	fail "cannot build the exec workload"
fi

# 2. The real case: a shell loop of processes living a millisecond.
LOOP='for i in $(seq 300); do /bin/true; /usr/bin/env true; done'
out=$T_WORK/short.folded
if RECORD_GLOBAL=-v record -F 999 -o "$out" -- sh -c "$LOOP"; then
	read -r named total < <(named_leaf "$out")
	check_ratio "short-lived processes: samples with a named leaf" "$named" "$total" 0.97
	if grep -q "process images named from those records (gone or exec'd before their maps were read): [1-9]" "$T_WORK/record.err"
	then ok "the summary counts the processes named from the mmap records"
	else fail "-v summary lacks the count of processes named from the mmap records"; fi
else
	fail "record of a shell loop failed"
fi

# For the record (not asserted: it depends on timing): the same without the records.
out=$T_WORK/short-nowatch.folded
if SCORCH_NO_MMAP_WATCH=1 record -F 999 -o "$out" -- sh -c "$LOOP"; then
	read -r named total < <(named_leaf "$out")
	echo "  (control, maps from /proc only: $named of $total samples with a named leaf)"
fi
finish

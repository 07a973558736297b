#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Every probe type and run mode of `scorch trace` on real BPF: uprobe/uretprobe (args, retval, func,
# ustack, wildcards), rawtracepoint, profile, interval, software, BTF struct access, -p, -c, -d,
# Ctrl-C, -f json, time(), scorch list; kprobe and hardware load and verify, then fail clearly at
# attach (this kernel has neither). Counts are checked exactly only where the workload fixes them.
. "$(dirname "$0")/../testlib.sh"

require_bpf
if [ ! -d /sys/kernel/tracing/events/syscalls ]; then
	mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null
	[ -d /sys/kernel/tracing/events/syscalls ] || skip "tracefs is not mounted and cannot be mounted"
fi

cat >"$T_WORK/wl.c" <<'EOF'
/* A deterministic workload: work(i, 3) is called N times and returns i * 3; then it naps. */
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

__attribute__((noinline)) long work(long a, long b)
{
	__asm__ volatile("" ::: "memory");
	return a * b;
}

__attribute__((noinline)) long worker(long n)
{
	long s = 0;
	for (long i = 0; i < n; i++)
		s += work(i, 3);
	return s;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 100;
	int naps = argc > 2 ? atoi(argv[2]) : 0;
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	nanosleep(&ts, NULL);
	long s = worker(n);
	for (int i = 0; i < naps; i++) {
		getppid();
		nanosleep(&ts, NULL);
	}
	return s == 3 * n * (n - 1) / 2 ? 0 : 1;
}
EOF
gcc -O1 -g -fno-omit-frame-pointer -fno-inline -o "$T_WORK/wl" "$T_WORK/wl.c" || { fail "cannot build the workload"; finish; }
WL=$T_WORK/wl

# run NAME ARGS...: scorch trace ARGS, output in $T_WORK/NAME.out / .err, exit code in $rc
run() {
	local name=$1; shift
	timeout 60 "$SCORCH" trace "$@" >"$T_WORK/$name.out" 2>"$T_WORK/$name.err"
	rc=$?
}
val() { sed -n "s/^$2: \(.*\)$/\1/p" "$T_WORK/$1.out"; }
show() { sed 's/^/    /' "$T_WORK/$1.out" "$T_WORK/$1.err" | head -30; }

# uprobe / uretprobe: args, retval, func, counts fixed by the workload (100 calls of work(i, 3)); the
# workload naps after the calls, so scorch has time to read its maps and name func (bpftrace cannot)
run uprobe -c "$WL 100 3" -e "uprobe:$WL:work { @calls = count(); @a0 = sum(arg0); @a1 = max(arg1); @f[func] = count(); }
	uretprobe:$WL:work { @ret = sum(retval); }"
check "uprobe: runs (exit $rc)" [ $rc -eq 0 ]
check "uprobe: 100 calls" [ "$(val uprobe @calls)" = 100 ]
check "uprobe: arg0 summed (0..99)" [ "$(val uprobe @a0)" = 4950 ]
check "uprobe: arg1 is 3" [ "$(val uprobe @a1)" = 3 ]
check "uretprobe: retval summed" [ "$(val uprobe @ret)" = 14850 ]
check "uprobe: func names the function" [ "$(val uprobe '@f\[work\]')" = 100 ]
[ "$T_FAILS" -eq 0 ] || show uprobe

# uprobe wildcard and user stacks through the symbolizer (frame pointers: at a function's first
# instruction the caller's frame is not pushed yet, so work's caller shows as main, as in bpftrace)
run ustack -c "$WL 10 3" -e "uprobe:$WL:wor* { @[probe] = count(); } uprobe:$WL:work { @s[ustack(3)] = count(); }"
check "uprobe wildcard: work and worker" [ "$(grep -c "^@\[uprobe:$WL:work" "$T_WORK/ustack.out")" = 2 ]
frames=$(grep -A3 '^@s\[' "$T_WORK/ustack.out" | tail -n +2 | tr -d ' ' | tr '\n' ' ')
case $frames in
"work+0 main+"*" __libc_start_call_main+"*) ok "ustack: work+0 <- main <- libc ($frames)" ;;
*) fail "ustack: unexpected frames '$frames'"; show ustack ;;
esac

# -o: the stack map as a profile (folded, and an SVG flame graph)
run flame -c "$WL 100 3" -o "$T_WORK/w.folded" -e "uprobe:$WL:work { @[comm, ustack] = count(); }"
check "-o folded: exit $rc" [ $rc -eq 0 ]
check "-o folded: comm;...;main;work 100" grep -q -E '^wl;(.*;)?main;work 100$' "$T_WORK/w.folded"
run flamesvg -c "$WL 100 3" -o "$T_WORK/w.svg" -e "uprobe:$WL:work { @[ustack] = count(); }"
check "-o svg: a flame graph naming work" grep -q 'work' "$T_WORK/w.svg"
[ "$T_FAILS" -eq 0 ] || { show flame; head -5 "$T_WORK/w.folded"; }

# rawtracepoint and -c: the command's syscalls
run rawtp -c "$WL 1 5" -e 'rawtracepoint:sys_enter /pid == cpid/ { @n = count(); @id[arg1 == 110] = count(); }'
check "rawtracepoint: saw the command's syscalls" [ "$(val rawtp @n)" -gt 10 ]
check "rawtracepoint: arg1 is the syscall number (5 getppid)" [ "$(val rawtp '@id\[1\]')" = 5 ]

# timed probes with -d: rates within wide bounds (a loaded 2-CPU box). An idle CPU may take no
# cpu-clock ticks at all (seen here, with bpftrace too), so every CPU gets a spinner meanwhile.
spinners=()
for c in $(seq 0 $(($(nproc) - 1))); do
	taskset -c "$c" timeout 3 sh -c 'while :; do :; done' & spinners+=($!)
done
run timed -d 1 -e 'profile:hz:99 { @p = count(); @c[cpu] = count(); } interval:ms:100 { @i = count(); } software:cpu-clock:10000000 { @s = count(); }'
kill "${spinners[@]}" 2>/dev/null; wait "${spinners[@]}" 2>/dev/null
p=$(val timed @p); i=$(val timed @i); s=$(val timed @s)
check "-d 1: ends and prints (exit $rc)" [ $rc -eq 0 ]
check "profile:hz:99 on every CPU ($p samples)" [ "${p:-0}" -ge $((50 * $(nproc))) -a "${p:-0}" -le $((150 * $(nproc))) ]
for c in $(seq 0 $(($(nproc) - 1))); do
	n=$(val timed "@c\\[$c\\]")
	check "profile:hz:99 on CPU $c (${n:-0} samples)" [ "${n:-0}" -ge 50 ]
done
check "interval:ms:100 ($i ticks)" [ "${i:-0}" -ge 7 -a "${i:-0}" -le 11 ]
check "software:cpu-clock ($s samples)" [ "${s:-0}" -ge 50 ]

# BTF: kernel structs through curtask and casts
run btf -e 'BEGIN { $t = (struct task_struct *)curtask; printf("%d %d %s\n", curtask->tgid == pid, $t->real_parent->tgid > 0, curtask->comm); exit(); }'
check "BTF: curtask->tgid == pid, real_parent, comm" grep -qx '1 1 scorch' "$T_WORK/btf.out"

# -p: only that process, and the trace ends when it exits
"$WL" 1 30 &
wpid=$!
run pidfilter -p $wpid -e 'tracepoint:syscalls:sys_enter_getppid { @[pid] = count(); } tracepoint:sched:sched_switch { @sw[pid] = count(); }'
wait $wpid
check "-p: ends when the process exits (exit $rc)" [ $rc -eq 0 ]
check "-p: only its pid counted" [ "$(grep -c '^@\[' "$T_WORK/pidfilter.out")" = 1 ]
check "-p: its getppid calls" [ "$(val pidfilter "@\\[$wpid\\]")" -ge 25 ]
check "-p: sched_switch filtered too" [ "$(grep -c '^@sw\[' "$T_WORK/pidfilter.out")" -le 1 ]

# Ctrl-C: prints the maps and exits 0
timeout 20 "$SCORCH" trace -e 'interval:ms:10 { @ticks = count(); }' >"$T_WORK/int.out" 2>"$T_WORK/int.err" &
tpid=$!
sleep 0.5
kill -INT $tpid
wait $tpid
rc=$?
check "SIGINT: exit 0 (got $rc)" [ $rc -eq 0 ]
check "SIGINT: maps printed" grep -q '^@ticks: [1-9]' "$T_WORK/int.out"

# -f json and time()
run json -f json -e 'BEGIN { time("%H:%M:%S\n"); printf("x %d\n", 1); @m[1] = 2; exit(); }'
check "json: attached_probes first" [ "$(head -1 "$T_WORK/json.out")" = '{"type": "attached_probes", "data": {"probes": 1}}' ]
check "json: time line" grep -q -E '^\{"type": "time", "data": "[0-9]{2}:[0-9]{2}:[0-9]{2}\\n"\}$' "$T_WORK/json.out"
check "json: printf line" grep -qx '{"type": "printf", "data": "x 1\\n"}' "$T_WORK/json.out"
check "json: map line" grep -qx '{"type": "map", "data": {"@m": {"1": 2}}}' "$T_WORK/json.out"

# options after FILE.bt and its arguments, as bpftrace takes them (GNU getopt): -c here must run the
# command and end the trace when it exits, not become $2 and $3 (which used to hang until Ctrl-C)
printf 'BEGIN { printf("p1=%%s n=%%d\\n", str($1), $#); } END { printf("ended\\n"); }\n' > "$T_WORK/args.bt"
run argsafter "$T_WORK/args.bt" foo -c "$WL 1 0"
check "options after the file: runs and ends with -c's command (exit $rc)" [ $rc -eq 0 ]
check "options after the file: \$1 is foo, one argument" grep -qx 'p1=foo n=1' "$T_WORK/argsafter.out"
check "options after the file: END ran" grep -qx 'ended' "$T_WORK/argsafter.out" || show argsafter
run dashdash -e 'BEGIN { printf("%d %s\n", $1, str($2)); exit(); }' -- -5 -x
check "-- ends the options: -5 and -x are arguments (exit $rc)" grep -qx -- '-5 -x' "$T_WORK/dashdash.out"

# kprobe and hardware: compiled and accepted by the verifier, then a clear error at attach
run kdump --dump=bpf -e 'kprobe:vfs_read { @[comm] = count(); @a = arg2; @f = func; } kretprobe:vfs_read { @r = hist(retval); }'
check "kprobe: programs pass the verifier (exit $rc)" [ $rc -eq 0 ]
check "kprobe: instructions dumped" grep -q '^; kprobe:vfs_read: [0-9]* instructions' "$T_WORK/kdump.out"
if [ -e /sys/bus/event_source/devices/kprobe/type ]; then
	echo "note: this kernel has kprobes; the attach-error check is skipped"
else
	run kprobe -e 'kprobe:vfs_read { @ = count(); }'
	check "kprobe: exit 1 without kprobes (got $rc)" [ $rc -eq 1 ]
	check "kprobe: says why" grep -q "no kprobe support" "$T_WORK/kprobe.err"
fi
# join(): execve's argv on one line, NULL-terminated, at most 16 strings, stopping at an empty one (as
# bpftrace); the shell is a copy under a name of its own, so only its children's execs are seen
cp /bin/dash "$T_WORK/jsh_$$" 2>/dev/null || cp /bin/sh "$T_WORK/jsh_$$"
printf '/bin/echo x y z >/dev/null\n/bin/echo "" after >/dev/null\n/bin/true 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18\n' \
	> "$T_WORK/jrun.sh"
JOIN='tracepoint:syscalls:sys_enter_execve /comm == "jsh_'$$'"/ { join(args->argv); join(args->argv, "-"); }'
run join -c "$T_WORK/jsh_$$ $T_WORK/jrun.sh" -e "$JOIN"
printf '%s\n' "/bin/echo x y z" "/bin/echo-x-y-z" "/bin/echo" "/bin/echo" "/bin/true 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15" \
	"/bin/true-1-2-3-4-5-6-7-8-9-10-11-12-13-14-15" > "$T_WORK/join.want"
grep -v -e '^Attaching' -e '^$' "$T_WORK/join.out" > "$T_WORK/join.got"
check "join: argv joined, with a delimiter, stopping at \"\" and at 16 strings (exit $rc)" \
	cmp -s "$T_WORK/join.want" "$T_WORK/join.got"
cmp -s "$T_WORK/join.want" "$T_WORK/join.got" || show join
if command -v bpftrace >/dev/null; then
	for fmt in text json; do
		timeout 60 bpftrace -f $fmt -c "$T_WORK/jsh_$$ $T_WORK/jrun.sh" -e "$JOIN" > "$T_WORK/join.bt" 2>/dev/null
		timeout 60 "$SCORCH" trace -f $fmt -c "$T_WORK/jsh_$$ $T_WORK/jrun.sh" -e "$JOIN" > "$T_WORK/join.sc" 2>/dev/null
		check "join: the same $fmt output as bpftrace" cmp -s "$T_WORK/join.bt" "$T_WORK/join.sc"
	done
fi

# kfunc / kretfunc (fentry / fexit): arguments by name from BTF (a struct pointer followed with ->),
# retval after them; compiled, then loaded if the kernel takes fentry, else a clear error at load
run kfir --dump=ir -e 'kfunc:vfs_read { @[comm] = count(); @c = sum(args->count); @f = max(args->file->f_flags); }
	kretfunc:vfs_read /retval > 0/ { @r = hist(retval); }'
check "kfunc: args, a BTF struct member and retval compile (exit $rc)" [ $rc -eq 0 ]
check "kfunc: IR dumped for both probes" [ "$(grep -c -x -E '; (kfunc|kretfunc):vfs_read' "$T_WORK/kfir.out")" -eq 2 ]
# func asks the kernel for the traced function's address; an int retval (security_file_open returns
# int) is loaded as 4 bytes and sign-extended, so a negative errno compares as one
run kfir2 --dump=ir -e 'kfunc:vfs_read { @[func] = count(); } kretfunc:security_file_open /retval < 0/ { @e = min(retval); }'
check "kfunc: func compiles to bpf_get_func_ip (exit $rc)" grep -q 'call get_func_ip(' "$T_WORK/kfir2.out"
check "kretfunc: an int retval is read as 4 bytes" grep -q '= \*(u32 \*)(v0+8)$' "$T_WORK/kfir2.out"
check "kretfunc: and sign-extended" grep -q 'arsh v[0-9]*, 32$' "$T_WORK/kfir2.out"
run kfunc -c "$WL 100 0" -e 'kfunc:vfs_read { @reads = count(); } kretfunc:vfs_read { @bytes = sum(retval); }'
if [ $rc -eq 0 ]; then
	echo "note: this kernel takes fentry programs"
	check "kfunc: vfs_read counted" [ -n "$(val kfunc @reads)" ]
else
	check "kfunc: exit 1 when the kernel refuses fentry (got $rc)" [ $rc -eq 1 ]
	check "kfunc: says the kernel refuses fentry/fexit, and what to use" \
		grep -q "this kernel refuses fentry/fexit programs" "$T_WORK/kfunc.err"
	check "kfunc: the hint names the kprobe of the same function" grep -q "kprobe:vfs_read" "$T_WORK/kfunc.err"
fi
run hw -e 'hardware:cycles:1000000 { @ = count(); }'
if [ $rc -eq 0 ]; then
	echo "note: this machine has a hardware PMU"
else
	check "hardware: exit 1 (got $rc)" [ $rc -eq 1 ]
	check "hardware: says why" grep -q "no hardware PMU" "$T_WORK/hw.err"
fi

# scorch list
"$SCORCH" list 'tracepoint:sched:sched_sw*' >"$T_WORK/list.out" 2>&1
check "list: tracepoints" grep -qx 'tracepoint:sched:sched_switch' "$T_WORK/list.out"
"$SCORCH" list "uprobe:$WL:wor*" >"$T_WORK/listu.out" 2>&1
check "list: uprobe functions" [ "$(sort "$T_WORK/listu.out" | tr '\n' ' ')" = "uprobe:$WL:work uprobe:$WL:worker " ]
"$SCORCH" list 'software:*' >"$T_WORK/lists.out" 2>&1
check "list: software events" grep -qx 'software:cpu-clock:' "$T_WORK/lists.out"
"$SCORCH" list 'kfunc:vfs_read' > "$T_WORK/lkf.out" 2>&1
check "list: kernel functions from BTF (kfunc:vfs_read)" [ "$(cat "$T_WORK/lkf.out")" = "kfunc:vfs_read" ]
"$SCORCH" list 'kretfunc:vfs_readv' > "$T_WORK/lkf.out" 2>&1
check "list: kretfunc too" [ "$(cat "$T_WORK/lkf.out")" = "kretfunc:vfs_readv" ]
"$SCORCH" list 'sched:sched_sw*' >"$T_WORK/listp.out" 2>&1
check "list: a pattern without provider matches any provider" grep -qx 'tracepoint:sched:sched_switch' "$T_WORK/listp.out"
"$SCORCH" list 'nosuch:nothing' >"$T_WORK/listn.out" 2>&1; rc=$?
[ $rc = 1 ] && grep -q "no probes match 'nosuch:nothing'" "$T_WORK/listn.out" \
	&& ok "list: no match says so and exits 1" || fail "list: no match: exit $rc, $(cat "$T_WORK/listn.out")"

finish

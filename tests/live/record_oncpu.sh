#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Live: on-CPU sampling names hot functions with their exact callers (clang, gcc and lld-linked
# frame-pointer builds), leaves of a build without frame pointers, kernel frames under the right user frame,
# the caller of a libc leaf (no frame pointers) repaired but not a library's own with frame pointers,
# a plugin dlopen()ed and dlclose()d while recording, and every kind of target: a command, -p of a
# running process, -t, a child exiting halfway.
. "$(dirname "$0")/../testlib.sh"
. "$TOP/tests/workloads/record_helpers.bash"
require_bpf
[ -x "$SCORCH" ] || skip "no scorch binary at $SCORCH"

HOT='(^|;)main;run_cpu;outer_(a;leaf_a|b;leaf_b)(;|$)'

build_workload hot_clang cpu_hot.c clang -O2 -fno-omit-frame-pointer
build_workload hot_gcc cpu_hot.c gcc -O2 -fno-omit-frame-pointer -mno-omit-leaf-frame-pointer
build_workload hot_nofp cpu_hot.c gcc -O2 -fomit-frame-pointer
# linked by lld (as Rust and Chromium are): its text segment shares a file page with the read-only one
build_workload hot_lld cpu_hot.c clang -O2 -fno-omit-frame-pointer -fuse-ld=lld

# 1. Frame-pointer builds: >= 90% of the samples in the hot leaves under main -> run_cpu -> outer_x.
for b in hot_clang hot_gcc hot_lld; do
	out=$T_WORK/$b.folded
	if ! record -F 499 -o "$out" -- "$T_WORK/$b" cpu 1.5; then fail "$b: record failed"; continue; fi
	total=$(fsum "$out" "^$b;")
	hot=$(fsum "$out" "^$b;.*$HOT")
	check_ratio "$b: samples in leaf_a/leaf_b with exact callers" "$hot" "$total" 0.90
	a=$(fsum "$out" "^$b;.*outer_a;leaf_a")
	# outer_a runs twice per round, outer_b once: leaf_a takes about 2/3 (loose: a loaded machine)
	r=$(ratio "$a" "$hot")
	if between "$r" 0.5 0.8; then ok "$b: leaf_a share $r is about 2/3"; else fail "$b: leaf_a share $r, expected about 2/3"; fi
	grep -q "samples at 499 Hz" "$T_WORK/record.err" || fail "$b: summary lacks the sample count and rate"
done

# 2. No frame pointers: callers may be wrong, but the leaves are still named.
out=$T_WORK/nofp.folded
if record -F 499 -o "$out" -- "$T_WORK/hot_nofp" cpu 1; then
	total=$(fsum "$out" "^hot_nofp;")
	leaves=$(fsum "$out" "^hot_nofp;(.*;)?leaf_[ab](;|$)")
	check_ratio "no frame pointers: samples with leaf_a/leaf_b named" "$leaves" "$total" 0.90
else
	fail "hot_nofp: record failed"
fi

# 2b. A stripped binary: its functions have no names, so its frames are named after the file,
# "[hot_stripped]", as perf script | stackcollapse-perf.pl names them (not [unknown]).
build_workload hot_stripped cpu_hot.c gcc -O2 -fno-omit-frame-pointer -s
out=$T_WORK/stripped.folded
if record -F 499 -o "$out" -- "$T_WORK/hot_stripped" cpu 0.8; then
	check_ratio "stripped binary: samples whose leaf is named [hot_stripped]" \
		"$(fsum "$out" ";\\[hot_stripped\\]$")" "$(fsum "$out" "^hot_stripped;")" 0.90
else
	fail "hot_stripped: record failed"
fi

# 3. A syscall-heavy loop: kernel frames sit right under the user function making the syscall.
out=$T_WORK/sys.folded
if record -F 499 -o "$out" -- "$T_WORK/hot_clang" sys 1.5; then
	kern=$(fsum "$out" "^hot_clang;.*;entry_SYSCALL_64")
	under=$(fsum "$out" "^hot_clang;(.*;)?main;run_sys;sys_loop;raw_write;entry_SYSCALL_64[a-z_]*;do_syscall_64(;|$)")
	check_ratio "syscall loop: kernel stacks under main;run_sys;sys_loop;raw_write" "$under" "$kern" 0.95
	writes=$(fsum "$out" "^hot_clang;.*;raw_write;.*(ksys_write|vfs_write|write_null)")
	total=$(fsum "$out" "^hot_clang;")
	check_ratio "syscall loop: samples in the write path" "$writes" "$total" 0.30
else
	fail "sys: record failed"
fi

# 3b. Libc has no frame pointers: the caller of its leaf functions (getppid here) is repaired from
# the stack. With the repair switched off, the walk skips libc_loop: the control shows the test can tell.
out=$T_WORK/libc.folded
if record -F 499 -o "$out" -- "$T_WORK/hot_clang" libc 1.5; then
	total=$(fsum "$out" ";[^;]*getppid")
	right=$(fsum "$out" "(^|;)main;run_libc;libc_loop;[^;]*getppid")
	check_ratio "libc leaf getppid: samples with its caller main;run_libc;libc_loop" "$right" "$total" 0.90
else
	fail "libc: record failed"
fi
out=$T_WORK/libc-nofix.folded
if SCORCH_NO_CALLER_FIX=1 record -F 499 -o "$out" -- "$T_WORK/hot_clang" libc 0.7; then
	skipped=$(fsum "$out" "(^|;)run_libc;[^;]*getppid")
	check_ratio "control: without the repair the frame-pointer walk skips libc_loop" "$skipped" \
		"$(fsum "$out" ";[^;]*getppid")" 0.90
fi

# 3c. A library of our own with frame pointers: its walk is whole, and the repair above must not add
# a caller the walk has already (it did: main;call_library;lib_middle;call_library;lib_leaf).
mkdir -p "$T_WORK/fplib"
gcc -O2 -g -fno-omit-frame-pointer -shared -fPIC -o "$T_WORK/fplib/libfplib.so" "$WL_SRC/fp_lib.c" &&
	gcc -O2 -g -fno-omit-frame-pointer -o "$T_WORK/fplib/fplib_main" "$WL_SRC/fp_lib_main.c" \
		-L"$T_WORK/fplib" -lfplib -Wl,-rpath,"$T_WORK/fplib" || fail "cannot build the frame-pointer library workload"
out=$T_WORK/fplib.folded
if record -F 499 -o "$out" -- "$T_WORK/fplib/fplib_main" 1.5 >/dev/null; then
	total=$(fsum "$out" ";lib_leaf( |;|$)")
	right=$(fsum "$out" "(^|;)main;call_library;lib_middle;lib_leaf(;|$)")
	check_ratio "frame-pointer library: lib_leaf under exactly main;call_library;lib_middle" "$right" "$total" 0.95
else
	fail "fplib: record failed"
fi

# 3d. A plugin dlopen()ed, run and dlclose()d three times while recording: mapped only while it
# runs, it is in neither the first snapshot of the process nor the last one. The mmap watch
# snapshots the process again when it maps the plugin; the control without it shows the test can tell.
mkdir -p "$T_WORK/dl"
gcc -O2 -g -fno-omit-frame-pointer -shared -fPIC -o "$T_WORK/dl/libplugin.so" "$WL_SRC/dl_plugin.c" &&
	gcc -O2 -g -fno-omit-frame-pointer -o "$T_WORK/dl/dl_host" "$WL_SRC/dl_host.c" -ldl ||
	fail "cannot build the dlopen workload"
out=$T_WORK/dl.folded
if record -F 499 -o "$out" -- "$T_WORK/dl/dl_host" "$T_WORK/dl/libplugin.so" 0.4 >/dev/null; then
	total=$(fsum "$out" "^dl_host;")
	named=$(fsum "$out" "(^|;)main;plugin_entry;plugin_spin(;|$)")
	unknown=$(fsum "$out" "\\[unknown\\]")
	check_ratio "dlopen/dlclose: samples under main;plugin_entry;plugin_spin (the plugin runs ~1.2 of ~2.1 s)" \
		"$named" "$total" 0.40
	check_ratio "dlopen/dlclose: samples without an [unknown] frame" "$((total - unknown))" "$total" 0.98
else
	fail "dlopen: record failed"
fi
out=$T_WORK/dl-nowatch.folded
if SCORCH_NO_MMAP_WATCH=1 record -F 499 -o "$out" -- "$T_WORK/dl/dl_host" "$T_WORK/dl/libplugin.so" 0.3 >/dev/null; then
	lost=$(fsum "$out" "\\[unknown\\]")
	check_ratio "control: without the mmap watch the plugin's samples are [unknown]" "$lost" \
		"$(fsum "$out" "^dl_host;")" 0.30
fi

# 4. -p of a process already running, for a fixed -d.
"$T_WORK/hot_clang" cpu 4 &
pid=$!
sleep 0.3
out=$T_WORK/pid.folded
if record -p "$pid" -d 1 --per-pid -o "$out"; then
	total=$(fsum "$out")
	hot=$(fsum "$out" "^hot_clang-$pid;.*$HOT")
	check_ratio "-p $pid: named hot stacks under comm-PID" "$hot" "$total" 0.90
	grep -q "in 1\.0[0-9] s" "$T_WORK/record.err" && ok "-d 1 recorded about 1 s" || fail "-d 1: $(head -1 "$T_WORK/record.err")"
else
	fail "-p: record failed"
fi
kill "$pid" 2>/dev/null
wait "$pid" 2>/dev/null

# 5. -t: one thread of two; the other thread's leaf must not appear.
"$T_WORK/hot_clang" threads 4 &
pid=$!
sleep 0.3
tid=$(ls /proc/$pid/task | sort -n | sed -n 2p) # the first thread created: thread_a
out=$T_WORK/tid.folded
if [ -n "$tid" ] && record -t "$tid" -d 1 --per-thread -o "$out"; then
	total=$(fsum "$out")
	mine=$(fsum "$out" "^hot_clang-$pid/$tid;start_thread;thread_a;leaf_a")
	other=$(fsum "$out" "leaf_b")
	check_ratio "-t $tid: samples of thread_a only" "$mine" "$total" 0.90
	[ "$other" -eq 0 ] && ok "-t: no sample of the other thread" || fail "-t: $other samples of the other thread"
else
	fail "-t: record failed"
fi
kill "$pid" 2>/dev/null
wait "$pid" 2>/dev/null

# 6. A child that exits halfway: forked after the recording starts (followed), still named at the end.
mkfifo "$T_WORK/go"
"$T_WORK/hot_clang" wait-stdin fork 2 <"$T_WORK/go" &
pid=$!
exec 7>"$T_WORK/go"
out=$T_WORK/fork.folded
record -p "$pid" -o "$out" &
rec=$!
sleep 0.5 # attach first, then let it fork
echo go >&7
exec 7>&-
if wait "$rec"; then
	child=$(fsum "$out" "^hot_clang;(.*;)?main;run_child;leaf_b(;|$)")
	parent=$(fsum "$out" "^hot_clang;(.*;)?main;run_parent;leaf_a(;|$)")
	unknown=$(fsum "$out" "run_child.*\\[unknown\\]|\\[unknown\\];.*leaf_b")
	[ "$child" -gt 0 ] && ok "child that exited halfway: $child samples named main;run_child;leaf_b" \
		|| fail "child that exited halfway: no named samples"
	[ "$parent" -gt 0 ] && ok "parent: $parent samples named" || fail "parent: no named samples"
	[ "$unknown" -eq 0 ] && ok "no [unknown] frame in the child's stacks" || fail "$unknown child samples with [unknown]"
	grep -q "every target exited" "$T_WORK/record.err" && ok "the recording ended when the targets exited" \
		|| fail "no 'every target exited' in: $(head -1 "$T_WORK/record.err")"
else
	fail "fork: record failed"
fi
wait "$pid" 2>/dev/null

# 7. -- COMMAND: followed to its exit, and children forked by it (exiting halfway) named.
out=$T_WORK/cmd.folded
if record -o "$out" -- "$T_WORK/hot_gcc" fork 1.5; then
	child=$(fsum "$out" "^hot_gcc;(.*;)?main;run_child;leaf_b(;|$)")
	[ "$child" -gt 0 ] && ok "-- COMMAND: the child's $child samples named" || fail "-- COMMAND: child not named"
else
	fail "-- COMMAND: record failed"
fi
finish

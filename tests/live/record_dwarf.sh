#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Live: `scorch record --call-graph dwarf` on workloads built WITHOUT frame pointers (gcc and clang,
# -O2 -fomit-frame-pointer): the exact chain main;chain_a;chain_b;chain_leaf on >= 90% of the
# samples (and broken with frame pointers: the control); time inside libc's qsort named with its
# libc frames, its callers and its callback, stack for stack as `perf record --call-graph dwarf`
# + perf script shows it; off-CPU time blocked in read(2) under main;reader_outer;reader_inner;
# read with no caller repair, and with --wakeup the writer that woke it; a process already running (-p); a Go program whose assembly leaf
# breaks frame-pointer walks; and with a tiny ring buffer, every sample whose stack could not be
# copied counted, in the output as in the summary.
. "$(dirname "$0")/../testlib.sh"
. "$TOP/tests/workloads/record_helpers.bash"
require_bpf
[ -x "$SCORCH" ] || skip "no scorch binary at $SCORCH"
[ "$(uname -m)" = x86_64 ] || skip "--call-graph dwarf is x86-64 only"

build_workload dw_gcc dwarf_chain.c gcc -O2 -fomit-frame-pointer
build_workload dw_clang dwarf_chain.c clang -O2 -fomit-frame-pointer

# the whole chain, from the outermost frame (_start: the unwind reached the bottom) to the leaf
chain() { echo "^$1;_start;([^;]*;)*main;chain_a;chain_b;chain_leaf(;|$)"; }

# 1. On-CPU: the exact chain, gcc and clang builds.
for b in dw_gcc dw_clang; do
	out=$T_WORK/$b.folded
	if ! record --call-graph dwarf -F 499 -o "$out" -- "$T_WORK/$b" cpu 1.5; then fail "$b: record failed"; continue; fi
	total=$(fsum "$out" "^$b;")
	exact=$(fsum "$out" "$(chain $b)")
	check_ratio "$b, --call-graph dwarf: samples with the whole chain _start;...;main;chain_a;chain_b;chain_leaf" \
		"$exact" "$total" 0.90
	unknown=$(fsum "$out" '\[unknown\]')
	check_ratio "$b, --call-graph dwarf: samples without an [unknown] frame" $((total - unknown)) "$total" 0.95
done
# the control: frame pointers (-g, the default) cannot find these callers
out=$T_WORK/fp.folded
if record -g -F 499 -o "$out" -- "$T_WORK/dw_gcc" cpu 1; then
	total=$(fsum "$out" "^dw_gcc;")
	exact=$(fsum "$out" "(^|;)main;chain_a;chain_b;chain_leaf(;|$)")
	r=$(ratio "$exact" "$total")
	le "$r" 0.5 && ok "control: with frame pointers only $exact/$total samples have the chain (the test can fail)" \
		|| fail "control: frame pointers found the chain in $exact/$total samples: the workload has frame pointers?"
else
	fail "-g: record failed"
fi

# 2. Time in libc (qsort, its merge sort, memcpy) called from a program without frame pointers,
# compared with perf: the same stacks, function for function. Recursion is collapsed (a run of
# msort_with_tmp frames is one frame) and kernel frames left out on both sides.
out=$T_WORK/qsort.folded
if record --call-graph dwarf -U --no-inline -F 499 -o "$out" -- "$T_WORK/dw_gcc" qsort 1.5; then
	total=$(fsum "$out" "^dw_gcc;")
	under=$(fsum "$out" "^dw_gcc;_start;([^;]*;)*main;sort_them;")
	check_ratio "qsort: samples under _start;...;main;sort_them" "$under" "$total" 0.90
	cb=$(fsum "$out" "^dw_gcc;_start;([^;]*;)*main;sort_them;[^;]*qsort[^;]*;(msort_with_tmp[^;]*;)+compare_ints$")
	check_ratio "qsort: the callback under its libc callers main;sort_them;qsort;msort_with_tmp...;compare_ints" \
		"$cb" "$total" 0.10
else
	fail "qsort: record failed"
fi
# perf_fold: perf script -F comm,ip,sym,dso output into folded stacks (user frames, root first)
perf_fold() {
	awk '
	function flush(  s, i) { if (n) { s = f[n]; for (i = n - 1; i >= 1; i--) s = s ";" f[i]; print comm ";" s, 1 } n = 0 }
	/^[^ \t]/ { flush(); comm = $1; next }
	/^[ \t]*$/ { flush(); next }
	{ dso = $NF; if (dso ~ /kernel\.kallsyms/ || (dso ~ /^\(\[[a-z0-9_]+\]\)$/ && dso != "([vdso])")) next
	  sym = $2; for (i = 3; i < NF; i++) sym = sym " " $i; f[++n] = sym }
	END { flush() }' "$1"
}
# normalize FOLDED: "share stack" per stack without its root (comm) frame, repeats collapsed, biggest first
normalize() {
	awk '{ c = $NF; line = $0; sub(/ [0-9]+$/, "", line); n = split(line, f, ";"); s = ""; prev = ""
	       for (i = 2; i <= n; i++) if (f[i] != prev) { s = s (s == "" ? "" : ";") f[i]; prev = f[i] }
	       t[s] += c; tot += c }
	     END { for (k in t) printf "%.4f %s\n", t[k] / tot, k }' "$1" | sort -k1,1gr
}
if ! command -v perf >/dev/null; then
	fail "perf not installed: cannot compare with perf record --call-graph dwarf"
elif [ -s "$out" ] && perf record --call-graph dwarf --user-callchains -F 499 -q -o "$T_WORK/perf.data" -- \
	"$T_WORK/dw_gcc" qsort 1.5 >/dev/null 2>"$T_WORK/perf.err"; then
	perf script -i "$T_WORK/perf.data" -F comm,ip,sym,dso --no-inline 2>/dev/null >"$T_WORK/perf.script"
	perf_fold "$T_WORK/perf.script" >"$T_WORK/perf.folded"
	normalize "$T_WORK/perf.folded" >"$T_WORK/perf.norm"
	normalize "$out" >"$T_WORK/scorch.norm"
	# overlap of the two distributions: the share of samples both put on the same stack
	overlap=$(join -j 2 -a 1 -a 2 -e 0 -o 0,1.1,2.1 <(sort -k2 "$T_WORK/perf.norm") <(sort -k2 "$T_WORK/scorch.norm") |
		awk '{ o += ($2 < $3 ? $2 : $3) } END { printf "%.4f\n", o }')
	echo "  top stacks, share in perf | in scorch (collapsed recursion):"
	join -j 2 -a 1 -a 2 -e 0 -o 1.1,2.1,0 <(sort -k2 "$T_WORK/perf.norm") <(sort -k2 "$T_WORK/scorch.norm") |
		sort -k1,1gr | head -6 | awk '{ printf "    %6.1f%% | %6.1f%%  %s\n", $1 * 100, $2 * 100, $3 }'
	if ge "$overlap" 0.80; then ok "qsort: scorch and perf put $overlap of their samples on the same stacks"
	else fail "qsort: scorch and perf agree on only $overlap of their samples"; fi
	# every stack perf shows in >= 2% of its samples, scorch shows too (function names agree)
	missing=$(awk '$1 >= 0.02 { print $2 }' "$T_WORK/perf.norm" | while read -r st; do
		grep -qF " $st" "$T_WORK/scorch.norm" || echo "$st"; done)
	[ -z "$missing" ] && ok "qsort: every stack perf shows in >= 2% of samples is in scorch's output" \
		|| fail "qsort: perf's stacks missing from scorch's output: $missing"
	extra=$(awk '$1 >= 0.02 { print $2 }' "$T_WORK/scorch.norm" | while read -r st; do
		grep -qF " $st" "$T_WORK/perf.norm" || echo "$st"; done)
	[ -z "$extra" ] && ok "qsort: every stack scorch shows in >= 2% of samples is in perf's output" \
		|| fail "qsort: scorch's stacks that perf does not show: $extra"
else
	fail "perf record --call-graph dwarf failed: $(tail -2 "$T_WORK/perf.err")"
fi

# 3. Off-CPU: the main thread blocks in read(2) on a pipe (libc's wrapper, no frame pointers)
# under reader_outer;reader_inner (no frame pointers either), 1.5 s in all. No caller repair.
out=$T_WORK/read.folded
if SCORCH_NO_CALLER_FIX=1 record --off-cpu --call-graph dwarf -o "$out" -- "$T_WORK/dw_clang" read 1.5; then
	total=$(fsum "$out" "^dw_clang;")
	right=$(fsum "$out" "^dw_clang;_start;([^;]*;)*main;reader_outer;reader_inner;(read|__GI___libc_read)(;|$)")
	check_ratio "off-CPU: blocked time under _start;...;main;reader_outer;reader_inner;read" "$right" "$total" 0.90
	r=$(ratio "$right" 1500000000)
	between "$r" 0.85 1.1 && ok "off-CPU: $right ns in read = $r x the 1.5 s blocked" \
		|| fail "off-CPU: $right ns in read = $r x the 1.5 s blocked, expected 0.85-1.1"
	wr=$(fsum "$out" "^writer;clone3;start_thread;writer;[^;]*nanosleep")
	check_ratio "off-CPU: the writer thread's sleeps under clone3;start_thread;writer;nanosleep" "$wr" \
		"$(fsum "$out" "^writer;")" 0.90
else
	fail "off-CPU --call-graph dwarf: record failed"
fi
# 3b. --wakeup: the same blocked chain, unwound with DWARF, then "--" and the waker: the writer
# thread's write(2) waking the pipe's reader (its stacks walked by frame pointers, as without DWARF).
out=$T_WORK/wake.folded
if record --off-cpu --wakeup --call-graph dwarf -o "$out" -- "$T_WORK/dw_clang" read 1.5; then
	total=$(fsum "$out" "^dw_clang;")
	woken=$(fsum "$out" "^dw_clang;_start;([^;]*;)*main;reader_outer;reader_inner;(read|__GI___libc_read)(;[^;]*)*;--;([^;]*;)*(anon_)?pipe_write;([^;]*;)*writer$")
	check_ratio "--wakeup: blocked DWARF chain, then the writer's pipe_write after --" "$woken" "$total" 0.90
	r=$(ratio "$total" 1500000000)
	between "$r" 0.85 1.1 && ok "--wakeup: $total ns blocked = $r x the 1.5 s" \
		|| fail "--wakeup: $total ns blocked = $r x the 1.5 s, expected 0.85-1.1"
else
	fail "off-CPU --call-graph dwarf --wakeup: record failed"
fi
out=$T_WORK/read-fp.folded
if SCORCH_NO_CALLER_FIX=1 record --off-cpu -o "$out" -- "$T_WORK/dw_clang" read 0.7; then
	right=$(fsum "$out" "(^|;)main;reader_outer;reader_inner;(read|__GI___libc_read)(;|$)")
	r=$(ratio "$right" "$(fsum "$out" "^dw_clang;")")
	le "$r" 0.5 && ok "control: frame pointers without the repair lose the reader's callers ($r)" \
		|| fail "control: frame pointers found the reader's callers ($r)"
fi

# 4. -p of a process already running (its maps snapshotted at its first sample), in wall mode.
"$T_WORK/dw_gcc" cpu 3 &
pid=$!
sleep 0.3
out=$T_WORK/pid.folded
if record --call-graph dwarf --mode wall -p "$pid" -d 1 -o "$out"; then
	check_ratio "-p $pid, wall: time with the whole chain" "$(fsum "$out" "$(chain dw_gcc)")" "$(fsum "$out")" 0.90
else
	fail "-p: record failed"
fi
kill "$pid" 2>/dev/null
wait "$pid" 2>/dev/null

# 5. A ring buffer with room for one stack copy, two busy threads at 2999 Hz: copies are lost, and
# each one is counted as a [lost stack] sample, in the output as in the summary.
out=$T_WORK/tiny.folded
if SCORCH_DWARF_RING_SIZE=16384 record --call-graph dwarf -F 2999 -o "$out" -- "$T_WORK/dw_gcc" threads 1; then
	total=$(fsum "$out")
	lost=$(fsum "$out" '\[lost stack\]')
	recorded=$(sed -nE 's/.*recorded ([0-9,]+) samples.*/\1/p' "$T_WORK/record.err" | tr -d ,)
	reported=$(sed -nE 's/.*lost: ([0-9,]+) of .*/\1/p' "$T_WORK/record.err" | tr -d ,)
	reason=$(sed -nE 's/.*  ([0-9]+): user stack not copied: ring buffer full.*/\1/p' "$T_WORK/record.err")
	[ "$lost" -gt 0 ] && ok "tiny ring buffer: $lost of $total samples lost their stack" \
		|| fail "tiny ring buffer: no loss, the test cannot tell"
	[ "$lost" -eq "${reported:--1}" ] && ok "[lost stack] samples in the output ($lost) = the summary's ($reported)" \
		|| fail "[lost stack] samples in the output $lost, in the summary ${reported:-none}"
	[ "$lost" -eq "${reason:--1}" ] && ok "... all with the reason 'ring buffer full' ($reason)" \
		|| fail "reason 'ring buffer full' counts ${reason:-nothing}, the output has $lost: $(cat "$T_WORK/record.err")"
	[ "$total" -eq "${recorded:--1}" ] && ok "the output holds the $recorded samples the summary reports" \
		|| fail "output has $total samples, the summary says ${recorded:-?}"
	kept=$(fsum "$out" "^spin_[ab];clone3;start_thread;spin;chain_a;chain_b;chain_leaf(;|$)")
	check_ratio "tiny ring buffer: the samples kept have the whole chain clone3;start_thread;spin;...;chain_leaf" \
		"$kept" $((total - lost)) 0.90
else
	fail "tiny ring buffer: record failed"
fi

# 5b. Go: its assembly (crypto/sha256's block) keeps no frame pointer, so a frame-pointer walk
# loses every caller (perf -g shows [unknown] too); Go's .debug_frame gives DWARF mode the whole chain.
if command -v go >/dev/null; then
	if (cd "$WL_SRC/go_hot" && GOCACHE=$T_WORK/gocache GOFLAGS= timeout 300 go build -o "$T_WORK/go_hot" main.go); then
		out=$T_WORK/go.folded
		if record --call-graph dwarf -F 499 -o "$out" -- "$T_WORK/go_hot" 10 >/dev/null; then
			total=$(fsum "$out" ";crypto/sha256\.block[^;]*$")
			right=$(fsum "$out" "^go_hot;runtime\.goexit[^;]*;runtime\.main;main\.main;main\.hashLoop;crypto/sha256\.Sum256;.*crypto/sha256\.block[^;]*$")
			check_ratio "Go: samples in crypto/sha256.block under runtime.main;main.main;main.hashLoop;crypto/sha256.Sum256" \
				"$right" "$total" 0.90
			fp=$T_WORK/go-fp.folded
			record -F 499 -o "$fp" -- "$T_WORK/go_hot" 3 >/dev/null &&
				echo "  (control, frame pointers: $(fsum "$fp" "^go_hot;\[unknown\];crypto/sha256\.block") of" \
					"$(fsum "$fp" ";crypto/sha256\.block[^;]*$") samples in sha256.block lost their callers)"
		else
			fail "Go: record failed"
		fi
	else
		fail "Go: cannot build tests/workloads/go_hot"
	fi
else
	fail "go is not installed (scripts/install-deps.sh installs golang-go)"
fi

# 6. Usage errors: bad sizes, unsupported combinations.
for bad in "--call-graph dwarf,0" "--call-graph dwarf,65536" "--call-graph dwarf,x" "--call-graph lbr" \
	"--call-graph fp,8" "--call-graph dwarf -K"; do
	# shellcheck disable=SC2086
	"$SCORCH" record $bad -o "$T_WORK/x.folded" -- true 2>"$T_WORK/usage.err"
	rc=$?
	[ $rc -eq 2 ] && ok "'$bad': usage error ($(head -1 "$T_WORK/usage.err"))" || fail "'$bad': exit $rc, expected 2"
done
"$SCORCH" record --help | grep -q -- "--call-graph fp|dwarf\[,SIZE\]" && ok "--help describes --call-graph fp|dwarf[,SIZE]" \
	|| fail "--help lacks --call-graph fp|dwarf[,SIZE]"
finish

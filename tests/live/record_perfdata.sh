#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Live: `scorch record -o x.data` writes perf.data that the real perf 6.1 reads and symbolizes itself
# from the raw addresses and the maps of every process image: perf script | scorch fold (our
# stackcollapse-perf.pl-identical reader) equals the folded output of the same recording, line for
# line, on-CPU (a program's chain, libc, kernel frames under a syscall, a thread with its own name, a
# child that exits halfway, a child that execs: each image named against its own maps), off-CPU
# (one record per blocked stack, period = ns blocked), with --call-graph dwarf (the unwound chain
# is in the file) and --mode wall (both events); perf report shows the hot leaf's share, perf evlist
# the event, the header the command line; scorch fold reads the file back the same; and render
# still refuses .data, pointing at record.
#
# The folded outputs are written with --no-inline: scorch names inlined functions (DWARF) by
# default, perf script only with --inline, the one systematic difference (section 1b). The rare
# others are mapped by sorted() below, and an unwind cut short in section 3.
. "$(dirname "$0")/../testlib.sh"
. "$TOP/tests/workloads/record_helpers.bash"
require_bpf
[ -x "$SCORCH" ] || skip "no scorch binary at $SCORCH"
command -v perf >/dev/null || skip "perf not installed (scripts/install-deps.sh installs linux-perf)"
[ "$(awk '$3 == "_text" {print $1; exit}' /proc/kallsyms)" != 0000000000000000 ] ||
	skip "kernel addresses hidden in /proc/kallsyms (kernel.kptr_restrict)"
# perf's build-id cache lives in ~/.debug: an empty one, so only what the file says counts
export HOME=$T_WORK/home
mkdir -p "$HOME"

build_workload perf_mix perf_mix.c gcc -O2 -fno-omit-frame-pointer -mno-omit-leaf-frame-pointer
cp "$T_WORK/perf_mix" "$T_WORK/pm_execd" # the program the "pm-preexec" child execs (comm pm_execd)

# sorted FILE: the folded lines, sorted bytewise, with two known differences of naming mapped (then
# summed), rare (a sample at the very start of a process, or inside a fork, exec or exit):
#  - ld.so's _start ends with `call _dl_start`, whose return address is the first byte of the label
#    _dl_start_user: perf (and scorch fold of perf.data, as perf does) names return addresses as
#    they are, scorch record by address - 1 (as addr2line and llvm-symbolizer): the caller, _start;
#  - a sample inside a BPF program (scorch's own, tracing a fork, exec or exit) is named by scorch
#    while the program is loaded; perf could name it only from KSYMBOL records, which the file does
#    not carry: [unknown] (scorch fold of the file: [[kernel.kallsyms]], the module of an unnamed frame).
sorted() {
	sed -e 's/^\([^;]*\);_dl_start_user;/\1;_start;/' \
		-e 's/;bpf_prog_[0-9a-f]\{16\}_[A-Za-z0-9_]*\([; ]\)/;[unknown]\1/g' \
		-e 's/;\[\[kernel\.kallsyms\]\]\([; ]\)/;[unknown]\1/g' "$1" |
		awk '{n = $NF; sub(/ [0-9]+$/, ""); s[$0] += n} END {for (k in s) print k, s[k]}' | LC_ALL=C sort
}
# same DESC A B: A and B are the same folded lines; else the differing lines
same() {
	if cmp -s <(sorted "$2") <(sorted "$3"); then
		ok "$1: $(wc -l < "$2") stacks, $(fsum "$2") in all"
	else
		fail "$1"
		diff <(sorted "$2") <(sorted "$3") | head -20 | cut -c1-240
	fi
}
# perf_fold FILE [ARGS...]: perf script of FILE through scorch fold (stderr of both in FILE.err)
perf_fold() {
	local f=$1
	shift
	perf script -i "$f" 2> "$f.err" | "$SCORCH" fold "$@" 2>> "$f.err"
}

# ---- 1. on-CPU, frame pointers: every process, image and thread of the workload --------------
X=$T_WORK/x.data
if record --no-inline -F 999 -d 2 -o "$X" -o "$T_WORK/x.folded" -- "$T_WORK/perf_mix" mix 2 "$T_WORK/pm_execd"; then
	F=$T_WORK/x.folded
	# the recording itself has what the comparisons are about
	total=$(fsum "$F")
	[ "$total" -ge 1500 ] && ok "recorded $total samples" || fail "only $total samples recorded"
	for want in "^perf_mix;__libc_start_call_main;main;func_a;func_b;leaf$" \
		"^perf_mix;.*;main;libc_loop;__memset" \
		"^perf_mix;.*;main;raw_write;entry_SYSCALL_64[a-z_]*;do_syscall_64;.*(ksys_write|vfs_write)" \
		"^pm-worker;start_thread;worker;worker_leaf$" \
		"^pm-child;.*;main;child_work;child_leaf$" \
		"^pm-preexec;.*;main;preexec_work;preexec_leaf$" \
		"^pm_execd;.*;main;execd_work;execd_leaf$"; do
		n=$(fsum "$F" "$want")
		[ "$n" -gt 0 ] && ok "x.folded: $n samples of $want" || {
			fail "x.folded: no stack $want"
			# what there is instead, for the diagnosis
			prefix=${want%%;*}
			grep "${prefix}" "$F" | awk '{ print $NF, $0 }' | sort -nr | head -3 | cut -c1-300 | sed 's/^/  have: /'
			sed 's/^/  stderr: /' "$T_WORK/record.err"
		}
	done

	perf_fold "$X" --count samples > "$T_WORK/perf.folded"
	same "perf script | scorch fold --count samples = x.folded, line for line" "$F" "$T_WORK/perf.folded"
	check "perf script complains of nothing" bash -c "! grep -v '^$' '$X.err' | grep -q ."
	grep -v '^$' "$X.err" | head -3

	# maps per image: the child that exits halfway and both images of the one that execs, under one pid
	perf script -F comm,pid,ip,sym,dso -i "$X" 2>/dev/null > "$T_WORK/fields.txt"
	pre=$(awk '/^ *pm-preexec / {print $2; exit}' "$T_WORK/fields.txt")
	post=$(awk '/^ *pm_execd / {print $2; exit}' "$T_WORK/fields.txt")
	[ -n "$pre" ] && [ "$pre" = "$post" ] && ok "exec: pm-preexec and pm_execd samples under one pid ($pre)" ||
		fail "exec: pids '$pre' and '$post'"
	check "exec: before it, perf names preexec_leaf in perf_mix" grep -q " preexec_leaf ($T_WORK/perf_mix)" "$T_WORK/fields.txt"
	check "exec: after it, execd_leaf in pm_execd" grep -q " execd_leaf ($T_WORK/pm_execd)" "$T_WORK/fields.txt"
	check "the child that exited halfway: perf names child_leaf" grep -q " child_leaf ($T_WORK/perf_mix)" "$T_WORK/fields.txt"
	check "libc frames named by perf from libc's own file" grep -q " __libc_start_call_main (/usr/lib/x86_64-linux-gnu/libc.so.6)" "$T_WORK/fields.txt"
	check "kernel frames named by perf from kallsyms" grep -q " do_syscall_64 (\[kernel.kallsyms\])" "$T_WORK/fields.txt"
	check "vDSO frames named by perf (its own copy of this boot's vDSO)" grep -q " __vdso_clock_gettime (\[vdso\])" "$T_WORK/fields.txt"

	# perf report: the hot leaf's share is its share of the samples in x.folded
	perf report --stdio --no-children -i "$X" > "$T_WORK/report.txt" 2> "$T_WORK/report.err"
	got=$(awk '$2 == "perf_mix" && $3 == "perf_mix" && $4 == "[.]" && $5 == "leaf" {sub(/%/, "", $1); print $1}' "$T_WORK/report.txt")
	want=$(awk -v t="$total" '/^perf_mix;.*;leaf [0-9]+$/ {n += $NF} END {printf "%.2f\n", 100 * n / t}' "$F")
	[ -n "$got" ] && between "$got" "$(awk -v w="$want" 'BEGIN {print w - 0.011}')" "$(awk -v w="$want" 'BEGIN {print w + 0.011}')" &&
		ok "perf report --no-children: leaf has $got% (x.folded: $want%)" || fail "perf report: leaf '$got'%, x.folded $want%"
	check "perf report: $total samples of cpu-clock, none lost" bash -c \
		"grep -q \"^# Samples: .* of event 'cpu-clock'\" '$T_WORK/report.txt' && grep -q '^# Total Lost Samples: 0$' '$T_WORK/report.txt'"
	# (perf report cuts a renamed thread's name to the width of its first one: perf script -F comm here)
	check "perf script -F comm: the samples per command of x.folded" bash -c "[ \"\$(perf script -F comm -i '$X' \
		2>/dev/null | awk '{n[\$1]++} END {for (c in n) print c, n[c]}' | LC_ALL=C sort)\" = \
		\"\$(awk '{split(\$1, f, \";\"); n[f[1]] += \$NF} END {for (c in n) print c, n[c]}' '$F' | LC_ALL=C sort)\" ]"
	check "perf evlist names the event: cpu-clock" bash -c "[ \"\$(perf evlist -i '$X' 2>/dev/null)\" = cpu-clock ]"
	check "perf evlist -v: cpu-clock at 999 Hz, raw callchains" bash -c \
		"perf evlist -v -i '$X' 2>/dev/null | grep -q '^cpu-clock: type: 1, .*{ sample_period, sample_freq }: 999, sample_type: IP|TID|TIME|CALLCHAIN|PERIOD, .*freq: 1'"
	check "perf report --header-only: the command line" grep -qxF -- \
		"# cmdline : scorch record --no-inline -F 999 -d 2 -o $X -o $T_WORK/x.folded -- $T_WORK/perf_mix mix 2 $T_WORK/pm_execd " \
		<(perf report --header-only -i "$X" 2>/dev/null)
	check "perf buildid-list: the program with its ELF build-id" grep -qx \
		"$(readelf -n "$T_WORK/perf_mix" | awk '/Build ID/ {print $3}') $T_WORK/perf_mix" <(perf buildid-list -i "$X" 2>/dev/null)

	"$SCORCH" fold --count samples "$X" > "$T_WORK/ours.folded" 2>/dev/null
	same "scorch fold --count samples x.data = x.folded" "$F" "$T_WORK/ours.folded"
else
	fail "record -o x.data failed"
fi

# ---- 1b. by default the folded output names inlined functions too (DWARF); perf script does not -----
# Dropping from our stacks every frame name perf never shows gives perf's stacks back: the inlined
# functions (run_mix, a static function called once, is one) are the whole difference.
I=$T_WORK/inl
if record -F 499 -d 0.5 -o "$I.data" -o "$I.folded" -- "$T_WORK/perf_mix" mix 0.5 "$T_WORK/pm_execd"; then
	perf_fold "$I.data" --count samples > "$I.raw"
	sorted "$I.raw" > "$I.perf"
	sorted "$I.folded" > "$I.ours"
	awk 'NR == FNR { l = $0; sub(/ [0-9]+$/, "", l); n = split(l, f, ";"); for (i = 1; i <= n; i++) known[f[i]] = 1; next }
	     { c = $NF; l = $0; sub(/ [0-9]+$/, "", l); n = split(l, f, ";"); o = ""
	       for (i = 1; i <= n; i++) if (f[i] in known) o = o (o == "" ? "" : ";") f[i]; else print f[i] > "/dev/stderr"
	       s[o] += c }
	     END { for (k in s) print k, s[k] }' "$I.perf" "$I.ours" > "$I.less" 2> "$I.dropped"
	same "default: x.folded without the frames perf never names = perf script | scorch fold" "$I.less" "$I.perf"
	check "default: run_mix (inlined into main) is one of them: $(sort -u "$I.dropped" | tr '\n' ' ')" grep -qx run_mix "$I.dropped"
else
	fail "record with inlines failed"
fi

# ---- 2. off-CPU: one record per blocked stack, period = ns blocked ---------------------------------
O=$T_WORK/off
if record --no-inline --off-cpu -d 1 -o "$O.data" -o "$O.folded" -- "$T_WORK/perf_mix" block 1; then
	perf_fold "$O.data" > "$O.perf"
	same "off-CPU: perf script | scorch fold (periods) = the folded ns, line for line" "$O.folded" "$O.perf"
	total=$(fsum "$O.folded")
	sleep=$(fsum "$O.folded" "^perf_mix;.*;main;block_sleep;.*;do_nanosleep;schedule;__schedule$")
	check_ratio "off-CPU: main;block_sleep;...;do_nanosleep blocked about half the time" "$sleep" 500000000 0.8
	periods=$(perf script -F period -i "$O.data" 2>/dev/null | awk '{s += $1} END {printf "%d\n", s}')
	[ "$periods" = "$total" ] && ok "off-CPU: the periods sum to the folded total, $total ns" || fail "off-CPU: periods $periods, folded $total"
	n=$(perf script -F period -i "$O.data" 2>/dev/null | grep -c .)
	[ "$n" -ge "$(wc -l < "$O.folded")" ] && [ "$n" -lt 100 ] && ok "off-CPU: $n records, one per unique stack" ||
		fail "off-CPU: $n records for $(wc -l < "$O.folded") stacks"
	check "off-CPU: perf evlist names perf --off-cpu's event" bash -c "[ \"\$(perf evlist -i '$O.data' 2>/dev/null)\" = offcpu-time ]"
else
	fail "record --off-cpu -o x.data failed"
fi

# ---- 3. --call-graph dwarf, no frame pointers: the unwound chain is in the file --------------------
build_workload dw dwarf_chain.c gcc -O2 -fomit-frame-pointer
D=$T_WORK/dw
if RECORD_GLOBAL=-v record --no-inline --call-graph dwarf -F 499 -d 1 -o "$D.data" -o "$D.folded" -- "$T_WORK/dw" cpu 1; then
	perf_fold "$D.data" --count samples > "$D.perf"
	total=$(fsum "$D.perf")
	# -v: the unwinding's own figures, one stack copy per sample of this process
	copies=$(sed -n 's/^scorch: --call-graph dwarf: \([0-9]*\) stack copies unwound in [0-9.]* s of CPU.*/\1/p' "$T_WORK/record.err")
	check_ratio "dwarf, -v: '$copies stack copies unwound' for the $total samples" "${copies:-0}" "$total" 0.95
	check "dwarf, -v: frames, unique stacks and cut unwinds counted" \
		grep -q "^scorch: --call-graph dwarf: [0-9]* frames (.*), [0-9]* unique stacks, [0-9]* unwinds cut short" "$T_WORK/record.err"
	chain=$(fsum "$D.perf" "^dw;_start;([^;]*;)*main;chain_a;chain_b;chain_leaf$")
	check_ratio "dwarf: perf script shows _start;...;main;chain_a;chain_b;chain_leaf" "$chain" "$total" 0.90
	if grep -q '\[unknown\]' "$D.folded"; then
		# an unwind cut short is rooted at [unknown] by scorch; the file holds the frames found, which perf shows
		sed 's/^dw;\[unknown\];/dw;/' "$D.folded" > "$D.cmp"
		same "dwarf: perf script | scorch fold = the folded output (less the [unknown] roots of cut unwinds)" "$D.cmp" "$D.perf"
	else
		same "dwarf: perf script | scorch fold = the folded output, line for line" "$D.folded" "$D.perf"
	fi
	check "dwarf: raw callchains only (no user registers or stack copies for perf to unwind)" bash -c \
		"perf evlist -v -i '$D.data' 2>/dev/null | grep -q 'sample_type: IP|TID|TIME|CALLCHAIN|PERIOD,'"
else
	fail "record --call-graph dwarf -o x.data failed"
fi

# ---- 4. --mode wall: both events in one file --------------------------------------------------------
W=$T_WORK/wall
if record --no-inline --mode wall -F 499 -d 0.5 -o "$W.data" -o "$W.folded" -- "$T_WORK/perf_mix" block 0.5; then
	check "wall: perf evlist: cpu-clock and offcpu-time" bash -c \
		"[ \"\$(perf evlist -i '$W.data' 2>/dev/null | tr '\n' ' ')\" = 'cpu-clock offcpu-time ' ]"
	{ perf_fold "$W.data" --event-filter cpu-clock; perf_fold "$W.data" --event-filter offcpu-time; } |
		awk '{n = $NF; sub(/ [0-9]+$/, ""); s[$0] += n} END {for (k in s) print k, s[k]}' > "$W.perf"
	same "wall: perf script | scorch fold, per event and summed = the folded wall ns" "$W.folded" "$W.perf"
else
	fail "record --mode wall -o x.data failed"
fi

# ---- 5. pipe mode, and the refusals ----------------------------------------------------------------
n=$("$SCORCH" record -q --format perf.data -F 499 -d 0.3 -o - -- "$T_WORK/dw" cpu 0.3 2>/dev/null |
	perf script -i - 2>/dev/null | "$SCORCH" fold --count samples 2>/dev/null | fsum /dev/stdin "chain_leaf$")
[ "$n" -gt 50 ] && ok "--format perf.data -o -: perf script -i - reads perf's pipe mode ($n samples)" ||
	fail "pipe mode: $n samples"
printf 'a;b 1\n' > "$T_WORK/y.folded"
"$SCORCH" render "$T_WORK/y.folded" -o "$T_WORK/y.data" 2> "$T_WORK/render.err"
rc=$?
[ $rc = 2 ] && [ ! -e "$T_WORK/y.data" ] && grep -q "scorch record -o x.data" "$T_WORK/render.err" &&
	ok "render -o y.data: refused (exit 2, no file), pointing at scorch record" || fail "render -o y.data: exit $rc: $(cat "$T_WORK/render.err")"
"$SCORCH" fold --format perf.data "$T_WORK/y.folded" > /dev/null 2> "$T_WORK/fold.err"
rc=$?
[ $rc = 2 ] && grep -q "perf.data output from a profile is not supported" "$T_WORK/fold.err" && ok "fold --format perf.data: refused (exit 2)" ||
	fail "fold --format perf.data: exit $rc: $(cat "$T_WORK/fold.err")"
finish

#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Side-by-side golden test: every program in tests/live/trace_programs/ runs under the real bpftrace 0.17
# and under `scorch trace`, each on its own fresh run of the same deterministic workload
# (tests/workloads/trace_*.c, built here), in text and in -f json; the outputs must match after the
# normalisation rules of tests/live/trace_normalize.pl (ties / exact / shape / stacks, described there).
#
# How each program runs (see PROGRAMS below):
#   -c workloads: both tools start the workload with `-c` (it runs only once the probes are attached,
#                 and the tool ends when it exits); programs filter with /comm == "__COMM__"/.
#   -p workloads: the workload is started first, __PID__ in the program is replaced by its pid, and the
#                 tool runs with `-p PID` until the workload exits (the profile seed: /pid == N/).
# Placeholders keep concurrent runs (other tests, other engineers) out of the counts: __COMM__ is this
# run's own name for trace_io ("tio_<pid of this script>", a copy of the binary, so it is its comm),
# __PING__/__PONG__ the thread names given to this run's trace_pingpong, __PID__ the -p workload's pid.
# Each run is capped at CAP seconds (SIGINT, then SIGKILL); the whole script keeps to BUDGET seconds and
# reports scorch runs it had no time for as failures. Until `scorch trace` works, its side fails (never
# skips). Set TRACE_PROGRAMS="01_read_hist 15_kstack" to run a subset, TRACE_KEEP=DIR to keep outputs.
. "$(dirname "$0")/../testlib.sh"

CAP=${TRACE_CAP:-6}
BUDGET=${TRACE_BUDGET:-100}
PROGDIR=$TOP/tests/live/trace_programs
NORMALIZE="perl $TOP/tests/live/trace_normalize.pl"

# name            workload        mode    (mode: exact | shape | timing | stacks: see trace_normalize.pl)
PROGRAMS="
01_read_hist      trace_io        exact
02_read_count     trace_io        exact
03_read_sum       trace_io        exact
04_read_avg       trace_io        exact
05_read_min_max   trace_io        exact
06_read_stats     trace_io        exact
07_read_lhist     trace_io        exact
08_tuple_keys     trace_io        exact
09_write_sizes    trace_io        exact
10_printf_write   trace_io        exact
11_printf_read    trace_io        exact
12_sched_switch   trace_pingpong  shape
13_syscall_latency trace_io       timing
14_profile_ustack -p:trace_spin   stacks
15_kstack         trace_io        exact
16_ustack         trace_io        stacks
17_open_printf    trace_io        exact
18_ternary_if     trace_io        exact
19_probe_key      trace_io        exact
20_wildcard       trace_io        exact
21_begin_end      trace_io        exact
22_print_top_div  trace_io        exact
23_exit           trace_io        exact
24_comm_keys      trace_io        exact
25_integer_ops    trace_io        exact
"

require_bpf
command -v bpftrace >/dev/null || skip "bpftrace is not installed (scripts/install-deps.sh installs it)"
bpftrace --version 2>/dev/null | grep -q 'v0\.17\.' || skip "need bpftrace 0.17, found '$(bpftrace --version 2>&1)'"
command -v perl >/dev/null || skip "perl is not installed"
# syscalls:* tracepoints have no BTF struct: both tools need tracefs for their formats
if [ ! -d /sys/kernel/tracing/events/syscalls ]; then
	mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null
	[ -d /sys/kernel/tracing/events/syscalls ] || skip "tracefs is not mounted at /sys/kernel/tracing and cannot be mounted"
fi

# Workloads: static (no loader syscalls), frame pointers, no inlining.
WL=$T_WORK/wl
mkdir -p "$WL"
for w in trace_io trace_pingpong trace_spin; do
	gcc -O1 -g -static -fno-omit-frame-pointer -fno-inline -o "$WL/$w" "$TOP/tests/workloads/$w.c" -lpthread \
		|| { fail "cannot build workload $w"; finish; }
done
ID=$$
COMM=tio_$ID PING=pi_$ID PONG=po_$ID
cp "$WL/trace_io" "$WL/$COMM"

OUT=${TRACE_KEEP:-$T_WORK/out}
mkdir -p "$OUT"
start_time=$SECONDS
nprog=0

# run_tool SIDE FORMAT NAME WORKLOAD OUTFILE: run one tool on one program; returns its exit status
run_tool() {
	local side=$1 format=$2 name=$3 workload=$4 out=$5
	local rc pid=
	local -a cmd
	if [ "$side" = bpftrace ]; then cmd=(bpftrace); else cmd=("$SCORCH" trace); fi
	[ "$format" = json ] && cmd+=(-f json)
	case $workload in
	-p:*)
		"$WL/${workload#-p:}" 1500 &
		pid=$!
		cmd+=(-p "$pid")
		;;
	trace_io)
		cmd+=(-c "$WL/$COMM")
		;;
	trace_pingpong)
		cmd+=(-c "$WL/trace_pingpong 200 $PING $PONG")
		;;
	*)
		cmd+=(-c "$WL/$workload")
		;;
	esac
	sed -e "s/__PID__/$pid/g; s/__COMM__/$COMM/g; s/__PING__/$PING/g; s/__PONG__/$PONG/g" \
		"$PROGDIR/$name.bt" > "$out.bt"
	timeout -s INT -k 2 "$CAP" "${cmd[@]}" "$out.bt" > "$out" 2> "$out.err"
	rc=$?
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	fi
	return $rc
}

while read -r name workload mode; do
	[ -n "$name" ] || continue
	if [ -n "${TRACE_PROGRAMS:-}" ] && ! [[ " $TRACE_PROGRAMS " == *" $name "* ]]; then
		continue
	fi
	[ -f "$PROGDIR/$name.bt" ] || { fail "$name: $PROGDIR/$name.bt is missing"; continue; }
	nprog=$((nprog + 1))
	for format in text json; do
		b=$OUT/$name.$format.bpftrace s=$OUT/$name.$format.scorch
		if ! run_tool bpftrace "$format" "$name" "$workload" "$b" || ! [ -s "$b" ]; then
			fail "$name ($format): bpftrace itself failed: $(grep -v RLIMIT_MEMLOCK "$b.err" | head -1)"
			continue
		fi
		if [ $((SECONDS - start_time)) -gt "$BUDGET" ]; then
			fail "$name ($format): scorch not run, the ${BUDGET}s time budget is spent"
			continue
		fi
		run_tool scorch "$format" "$name" "$workload" "$s"
		rc=$?
		if [ $rc -ne 0 ]; then
			fail "$name ($format): scorch trace exited $rc: $(head -1 "$s.err")"
			continue
		fi
		$NORMALIZE "$mode" < "$b" > "$b.norm"
		$NORMALIZE "$mode" < "$s" > "$s.norm"
		if cmp -s "$b.norm" "$s.norm"; then
			ok "$name ($format, $mode)"
		else
			fail "$name ($format, $mode): output differs from bpftrace (after normalisation)"
			diff -u --label bpftrace --label scorch "$b.norm" "$s.norm" | head -20 | sed 's/^/    /'
		fi
	done
done <<< "$PROGRAMS"

[ "$nprog" -ge 1 ] || fail "no program selected"
echo "trace_vs_bpftrace: $nprog programs in $((SECONDS - start_time))s"
finish

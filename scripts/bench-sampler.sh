#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Benchmark `scorch record` against perf and bpftrace (on-CPU) and libbpf-tools offcputime
# (off-CPU), measured in one run, interleaved:
#   1. the CPU time of a fixed CPU-bound job (tests/workloads/cpu_hot.c `work`), alone and under
#      scorch record -F 999, perf record -F 999 -g, bpftrace profile:hz:999 { @[kstack, ustack] };
#      medians of ROUNDS rounds, each round running every mode in a rotated order;
#   2. BPF cost per sample and per context switch: run_time_ns / run_cnt of the programs
#      (kernel.bpf_stats_enabled is switched on for the run and restored);
#   3. launch-to-first-sample latency: CLOCK_MONOTONIC before exec to the first sample's timestamp.
# Usage: scripts/bench-sampler.sh [ROUNDS]   (root; SCORCH=path overrides build/scorch)
set -uo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
SCORCH=${SCORCH:-$TOP/build/scorch}
ROUNDS=${1:-7}
WORK=${BENCH_WORK:-1000}
[ "$(id -u)" -eq 0 ] || { echo "bench-sampler: needs root (BPF, perf -a, bpf_stats)" >&2; exit 1; }
[ -x "$SCORCH" ] || { echo "bench-sampler: no scorch at $SCORCH (make first)" >&2; exit 1; }
for t in perf bpftrace bpftool clang; do
	command -v $t >/dev/null || { echo "bench-sampler: $t missing (scripts/install-deps.sh)" >&2; exit 1; }
done
OFFCPUTIME=$(command -v offcputime || true)

T=$(mktemp -d "${TMPDIR:-/tmp}/bench-sampler.XXXXXX")
stats_was=$(sysctl -n kernel.bpf_stats_enabled)
cleanup() {
	sysctl -qw kernel.bpf_stats_enabled="$stats_was"
	kill $(jobs -p) 2>/dev/null
	wait 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
JOB=$T/cpu_hot
clang -O2 -g -fno-omit-frame-pointer -pthread -o "$JOB" "$TOP/tests/workloads/cpu_hot.c"
clang -O2 -g -fno-omit-frame-pointer -pthread -o "$T/demo" "$TOP/tests/workloads/demo.c"

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.6f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# launch CMD...: write CLOCK_MONOTONIC ns to fd 3, then exec CMD (no fork between the two).
cat >"$T/launch.c" <<'C'
#include <stdio.h>
#include <time.h>
#include <unistd.h>
int main(int argc, char **argv)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	dprintf(3, "%lld\n", (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec);
	close(3);
	if (argc > 1)
		execvp(argv[1], argv + 1);
	return 127;
}
C
clang -O2 -o "$T/launch" "$T/launch.c"
launch() { "$T/launch" "$@"; }

# wait_for FILE REGEX: poll up to 20 s for REGEX to appear in FILE.
wait_for() { for _ in $(seq 400); do grep -qE "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done; return 1; }

# ---- 1. overhead on a CPU-bound job ------------------------------------------------------------
job_none() { "$JOB" work "$WORK"; }
job_scorch() { "$SCORCH" record -F 999 -q -o "$T/s.folded" -- "$JOB" work "$WORK"; }
job_perf() { perf record -F 999 -g -q -o "$T/perf.data" -- "$JOB" work "$WORK" 2>/dev/null; }
# END clears the map: printing thousands of system-wide stacks at exit only costs wall time
job_bpftrace() {
	bpftrace -e 'profile:hz:999 { @[kstack, ustack] = count(); } END { clear(@); }' >"$T/bt.out" 2>&1 &
	local bt=$!
	wait_for "$T/bt.out" Attaching || { echo "bpftrace did not attach" >&2; kill $bt; return 1; }
	"$JOB" work "$WORK"
	kill -TERM $bt # a background job of a script ignores SIGINT
	wait $bt 2>/dev/null
}
modes=(none scorch perf bpftrace)
declare -A cpu
echo "== 1. CPU time of a fixed job (cpu_hot work $WORK), $ROUNDS interleaved rounds"
for ((r = 0; r < ROUNDS; r++)); do
	for ((i = 0; i < ${#modes[@]}; i++)); do
		m=${modes[$(((i + r) % ${#modes[@]}))]}
		v=$(job_$m | awk '/^cpu /{ print $2 }')
		[ -n "$v" ] && cpu[$m]+="$v "
	done
	printf '.' >&2
done
echo >&2
base=$(echo ${cpu[none]} | tr ' ' '\n' | median)
printf '%-10s %10s %9s\n' mode "cpu s" overhead
for m in "${modes[@]}"; do
	med=$(echo ${cpu[$m]} | tr ' ' '\n' | median)
	printf '%-10s %10.4f %+8.2f%%\n' "$m" "$med" "$(awk -v a="$med" -v b="$base" 'BEGIN { print (a / b - 1) * 100 }')"
done

# ---- 2. BPF cost per event ---------------------------------------------------------------------
# Each peer runs at the same time as scorch, so both see the same load; the peer's cost is the
# growth of its counters over scorch's recording.
sysctl -qw kernel.bpf_stats_enabled=1
# prog_totals TYPE NAME: "run_cnt run_time_ns" summed over the loaded programs of bpftool TYPE
# called NAME (bpftrace names a profile:hz:999 program "999"; offcputime's is "sched_switch").
prog_totals() {
	bpftool prog show 2>/dev/null | awk -v type="$1" -v name="$2" '
		/^[0-9]+: / { hit = ($2 == type && $4 == name) }
		hit && /run_time_ns/ { for (i = 1; i <= NF; i++) { if ($i == "run_time_ns") ns += $(i + 1); if ($i == "run_cnt") n += $(i + 1) } }
		END { printf "%d %d\n", n, ns }'
}
# per_run N0 NS0 N1 NS1: "ns (runs)" over an interval.
per_run() { awk -v n0="$1" -v t0="$2" -v n1="$3" -v t1="$4" 'BEGIN { n = n1 - n0; if (n > 0) printf "%.0f ns (%d runs)\n", (t1 - t0) / n, n; else print "?" }'; }
scorch_cost() { sed -nE 's/.*bpf: ([0-9]+) runs, ([0-9]+) ns each.*/\2 ns (\1 runs)/p' "$T/s.err"; }

echo
echo "== 2. BPF run time per event (bpf_prog_info run_time_ns / run_cnt), 3 s system-wide, peers alongside"
"$JOB" threads 40 >/dev/null &
load1=$!
"$T/demo" 40 "$T" 2>/dev/null &
load2=$!
sleep 0.3
bpftrace -e 'profile:hz:999 { @[kstack, ustack] = count(); } END { clear(@); }' >"$T/bt.out" 2>&1 &
bt=$!
wait_for "$T/bt.out" Attaching
read -r n0 t0 < <(prog_totals perf_event 999)
"$SCORCH" -v record -a -F 999 -d 3 -o "$T/a.folded" 2>"$T/s.err"
read -r n1 t1 < <(prog_totals perf_event 999)
kill -TERM $bt
wait $bt 2>/dev/null
printf '%-34s %s\n' "scorch, per on-CPU sample:" "$(scorch_cost)"
printf '%-34s %s\n' "bpftrace, same 3 s:" "$(per_run $n0 $t0 $n1 $t1)"
if [ -n "$OFFCPUTIME" ]; then
	"$OFFCPUTIME" 30 >"$T/oc.out" 2>&1 &
	oc=$!
	sleep 1.5
	read -r n0 t0 < <(prog_totals tracing sched_switch)
	"$SCORCH" -v record --off-cpu -a -d 3 -o "$T/o.folded" 2>"$T/s.err"
	read -r n1 t1 < <(prog_totals tracing sched_switch)
	kill -INT $oc 2>/dev/null
	kill -TERM $oc 2>/dev/null
	wait $oc 2>/dev/null
	printf '%-34s %s\n' "scorch, per context switch:" "$(scorch_cost)"
	printf '%-34s %s\n' "offcputime, same 3 s:" "$(per_run $n0 $t0 $n1 $t1)"
else
	"$SCORCH" -v record --off-cpu -a -d 3 -o "$T/o.folded" 2>"$T/s.err"
	printf '%-34s %s\n' "scorch, per context switch:" "$(scorch_cost)"
	echo "offcputime: not installed (apt-get install libbpf-tools)"
fi
kill $load1 $load2 2>/dev/null
wait $load1 $load2 2>/dev/null
sysctl -qw kernel.bpf_stats_enabled="$stats_was"

# ---- 3. launch to first sample -----------------------------------------------------------------
echo
echo "== 3. launch to first sample (CLOCK_MONOTONIC, median of 5; every CPU at 999 Hz, idle included)"
lat_scorch=() lat_bt=() lat_perf=()
for ((r = 0; r < 5; r++)); do
	launch "$SCORCH" -v record -a --idle -F 999 -d 0.2 -o "$T/l.folded" 3>"$T/t0" 2>"$T/l.err"
	t0=$(cat "$T/t0")
	fs=$(sed -nE 's/.*first sample at ([0-9]+) ns.*/\1/p' "$T/l.err")
	[ -n "$fs" ] && lat_scorch+=("$(awk -v a="$fs" -v b="$t0" 'BEGIN { printf "%.1f", (a - b) / 1e6 }')")
	launch bpftrace -e 'profile:hz:999 { printf("first %llu\n", nsecs); exit(); }' 3>"$T/t0" >"$T/bt.out" 2>&1
	t0=$(cat "$T/t0")
	fs=$(sed -nE 's/^first ([0-9]+)/\1/p' "$T/bt.out" | head -1)
	[ -n "$fs" ] && lat_bt+=("$(awk -v a="$fs" -v b="$t0" 'BEGIN { printf "%.1f", (a - b) / 1e6 }')")
	launch perf record -F 999 -a -k CLOCK_MONOTONIC -q -o "$T/l.data" -- sleep 0.3 3>"$T/t0" 2>/dev/null
	t0=$(cat "$T/t0")
	fs=$(perf script -i "$T/l.data" -F time 2>/dev/null | head -1 | tr -d ' :')
	[ -n "$fs" ] && lat_perf+=("$(awk -v a="$fs" -v b="$t0" 'BEGIN { printf "%.1f", a * 1e3 - b / 1e6 }')")
done
printf '%-10s %8s ms   (%s)\n' scorch "$(printf '%s\n' "${lat_scorch[@]}" | median)" "${lat_scorch[*]}"
printf '%-10s %8s ms   (%s)\n' bpftrace "$(printf '%s\n' "${lat_bt[@]}" | median)" "${lat_bt[*]}"
printf '%-10s %8s ms   (%s)\n' perf "$(printf '%s\n' "${lat_perf[@]}" | median)" "${lat_perf[*]}"

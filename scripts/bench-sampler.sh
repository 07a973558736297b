#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Benchmark `scorch record` against perf and bpftrace (on-CPU) and libbpf-tools offcputime
# (off-CPU), measured in one run, interleaved:
#   1. the CPU time of a fixed CPU-bound job (tests/workloads/cpu_hot.c `work`), alone and under
#      scorch record -F 999, perf record -F 999 -g, bpftrace profile:hz:999 { @[kstack, ustack] },
#      and scorch with SCORCH_BENCH_FLOOR=walks (its BPF program walks both stacks and keeps
#      nothing: what any BPF stack sampler pays, sampling interrupts included). ROUNDS rounds,
#      each running every mode in a rotated order; the overhead is the median over rounds of
#      each round's ratio to that round's run alone, with its interquartile range (the machine
#      is shared: the load average is printed too);
#   2. BPF cost per sample and per context switch: run_time_ns / run_cnt of the programs
#      (kernel.bpf_stats_enabled is switched on for the run and restored), split into parts by
#      running scorch as is, without the library caller repair (SCORCH_NO_CALLER_FIX=1) and
#      walking stacks only (the floor: two bpf_get_stack() calls). On-CPU, every variant and
#      bpftrace sample at the same time (separate timers: they do not warm each other's
#      caches). Off-CPU, programs on one tracepoint run back to back, the later one walking
#      stacks the earlier one just brought into the caches: each variant and offcputime then
#      runs alone, in rotated rounds, under the same load. Differences to the floor are taken
#      within a round (the load drifts) and their medians printed;
#   3. launch-to-first-sample latency: CLOCK_MONOTONIC before exec to the first sample's timestamp;
#   4. --call-graph dwarf: BPF time and scorch's own CPU time per sample (stack copies drained,
#      unwound and counted), against frame pointers and against perf record --call-graph dwarf +
#      perf script.
# Usage: scripts/bench-sampler.sh [ROUNDS [COST_ROUNDS]]   (root; SCORCH=path overrides build/scorch;
#        BENCH_WORK=N sets the job's size, BENCH_SECS=S each cost measurement's length)
set -uo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
SCORCH=${SCORCH:-$TOP/build/scorch}
ROUNDS=${1:-15}
COST_ROUNDS=${2:-5}
WORK=${BENCH_WORK:-1000}
SECS=${BENCH_SECS:-3}
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

# quantile Q < numbers: the Q-quantile (0.5 = median), linear between ranks.
quantile() { sort -g | awk -v q="$1" '{ v[NR] = $1 } END { if (!NR) { print "nan"; exit } p = 1 + (NR - 1) * q; i = int(p); f = p - i; printf "%.6f\n", (i < NR ? v[i] + f * (v[i + 1] - v[i]) : v[NR]) }'; }
median() { quantile 0.5; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
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
job_walks() { SCORCH_BENCH_FLOOR=walks "$SCORCH" record -F 999 -q -o "$T/w.folded" -- "$JOB" work "$WORK"; }
job_empty() { SCORCH_BENCH_FLOOR=empty "$SCORCH" record -F 999 -q -o "$T/e.folded" -- "$JOB" work "$WORK"; }
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
modes=(none scorch walks empty perf bpftrace)
declare -A cpu ratio
echo "== 1. CPU time of a fixed job (cpu_hot work $WORK), $ROUNDS interleaved rounds; load average $(loadavg)"
for ((r = 0; r < ROUNDS; r++)); do
	declare -A this=()
	for ((i = 0; i < ${#modes[@]}; i++)); do
		m=${modes[$(((i + r) % ${#modes[@]}))]}
		v=$(job_$m | awk '/^cpu /{ print $2 }')
		[ -n "$v" ] && { cpu[$m]+="$v "; this[$m]=$v; }
	done
	for m in "${modes[@]}"; do
		[ -n "${this[$m]:-}" ] && [ -n "${this[none]:-}" ] &&
			ratio[$m]+="$(awk -v a="${this[$m]}" -v b="${this[none]}" 'BEGIN { printf "%.6f", (a / b - 1) * 100 }') "
	done
	unset this
	printf '.' >&2
done
echo >&2
printf '%-10s %10s %10s   %s\n' mode "cpu s" overhead "(interquartile range of the per-round overhead)"
for m in "${modes[@]}"; do
	med=$(echo ${cpu[$m]:-} | tr ' ' '\n' | median)
	o=$(echo ${ratio[$m]:-} | tr ' ' '\n' | median)
	q1=$(echo ${ratio[$m]:-} | tr ' ' '\n' | quantile 0.25)
	q3=$(echo ${ratio[$m]:-} | tr ' ' '\n' | quantile 0.75)
	printf '%-10s %10.4f %+9.2f%%   (%+.2f%% .. %+.2f%%)\n' "$m" "$med" "$o" "$q1" "$q3"
done
echo "load average after: $(loadavg)"
echo "  walks, empty: scorch's sampling with a BPF program that only walks both stacks, that does nothing:"
echo "  the floors of any BPF stack sampler at 999 Hz on this machine (timer interrupts included)"

# ---- 2. BPF cost per event ---------------------------------------------------------------------
sysctl -qw kernel.bpf_stats_enabled=1
# prog_totals TYPE NAME: "run_cnt run_time_ns" summed over the loaded programs of bpftool TYPE
# called NAME (bpftrace names a profile:hz:999 program "999"; offcputime's is "sched_switch").
prog_totals() {
	bpftool prog show 2>/dev/null | awk -v type="$1" -v name="$2" '
		/^[0-9]+: / { hit = ($2 == type && $4 == name) }
		hit && /run_time_ns/ { for (i = 1; i <= NF; i++) { if ($i == "run_time_ns") ns += $(i + 1); if ($i == "run_cnt") n += $(i + 1) } }
		END { printf "%d %d\n", n, ns }'
}
# per_run N0 NS0 N1 NS1: ns per run over an interval.
per_run() { awk -v n0="$1" -v t0="$2" -v n1="$3" -v t1="$4" 'BEGIN { n = n1 - n0; if (n > 0) printf "%.0f\n", (t1 - t0) / n }'; }
# scorch_ns FILE: ns per run from a `scorch -v record` summary.
scorch_ns() { sed -nE 's/.*bpf: ([0-9]+) runs, ([0-9]+) ns each.*/\2/p' "$1"; }
# scorch_variant NAME ARGS...: run `scorch -v record ARGS` as variant NAME (full, norepair, walks;
# kwalk and uwalk: the kernel or the user stack walk alone).
scorch_variant() {
	local v=$1
	shift
	case $v in
	# --max-overhead 0: system-wide off-CPU under this load can pass the default guard
	full) "$SCORCH" -v record --max-overhead 0 "$@" -o "$T/$v.folded" 2>"$T/$v.err" ;;
	norepair) SCORCH_NO_CALLER_FIX=1 "$SCORCH" -v record --max-overhead 0 "$@" -o "$T/$v.folded" 2>"$T/$v.err" ;;
	walks | kwalk | uwalk)
		SCORCH_BENCH_FLOOR=$v "$SCORCH" -v record --max-overhead 0 "$@" -o "$T/$v.folded" 2>"$T/$v.err" ;;
	esac
}
declare -A cost # cost[VARIANT,ROUND]: ns per run
# report WHAT PEER: medians over rounds, and per-round differences to the floor measured in the same
# round (the load drifts between rounds; a round's measurements share it).
report() {
	local r m line
	declare -A col=()
	for ((r = 0; r < COST_ROUNDS; r++)); do
		for m in full norepair walks peer; do col[$m]+="${cost[$m,$r]:-} "; done
		line=$(awk -v f="${cost[full,$r]:-}" -v n="${cost[norepair,$r]:-}" -v w="${cost[walks,$r]:-}" -v p="${cost[peer,$r]:-}" '
			BEGIN { if (w == "" || f == "") exit; printf "%s %s %s", f - w, n - w, f - n; if (p != "") printf " %s %s", p - w, f / p }')
		read -r d_full d_norepair d_repair d_peer q_peer <<<"$line"
		col[d_full]+="${d_full:-} " col[d_norepair]+="${d_norepair:-} " col[d_repair]+="${d_repair:-} "
		col[d_peer]+="${d_peer:-} " col[q_peer]+="${q_peer:-} "
	done
	med() { echo ${col[$1]} | tr ' ' '\n' | median; }
	printf '%-36s %6.0f ns   (rounds: %s)\n' "scorch, per $1:" "$(med full)" "${col[full]}"
	printf '%-36s %6.0f ns   (rounds: %s)\n' "$2, same load:" "$(med peer)" "${col[peer]}"
	printf '%-36s %6.0f ns   (rounds: %s)\n' "floor, bpf_get_stack() x 2 alone:" "$(med walks)" "${col[walks]}"
	printf '  above the floor (median of per-round differences): scorch %+.0f ns (library caller repair %+.0f,\n' \
		"$(med d_full)" "$(med d_repair)"
	printf '  the rest %+.0f), %s %+.0f ns;  scorch / %s: %.2f\n' "$(med d_norepair)" "${2%% *}" "$(med d_peer)" \
		"${2%% *}" "$(med q_peer)"
}

echo
echo "== 2. BPF run time per event (bpf_prog_info run_time_ns / run_cnt), system-wide under load; load average $(loadavg)"
"$JOB" threads 600 >/dev/null &
load1=$!
"$T/demo" 600 "$T" 2>/dev/null &
load2=$!
sleep 0.3
for ((r = 0; r < COST_ROUNDS; r++)); do
	bpftrace -e 'profile:hz:999 { @[kstack, ustack] = count(); } END { clear(@); }' >"$T/bt.out" 2>&1 &
	bt=$!
	wait_for "$T/bt.out" Attaching
	read -r n0 t0 < <(prog_totals perf_event 999)
	pids=()
	for v in full norepair walks; do
		scorch_variant $v -a -F 999 -d "$SECS" &
		pids+=($!)
	done
	wait "${pids[@]}"
	read -r n1 t1 < <(prog_totals perf_event 999)
	kill -TERM $bt
	wait $bt 2>/dev/null
	for v in full norepair walks; do cost[$v,$r]=$(scorch_ns "$T/$v.err"); done
	cost[peer,$r]=$(per_run $n0 $t0 $n1 $t1)
	printf '.' >&2
done
echo >&2
report "on-CPU sample" "bpftrace"
cost=()

offmodes=(full norepair walks kwalk uwalk)
[ -n "$OFFCPUTIME" ] && offmodes+=(peer)
for ((r = 0; r < COST_ROUNDS; r++)); do
	for ((i = 0; i < ${#offmodes[@]}; i++)); do
		m=${offmodes[$(((i + r) % ${#offmodes[@]}))]}
		if [ "$m" = peer ]; then
			"$OFFCPUTIME" 600 >"$T/oc.out" 2>&1 &
			oc=$!
			sleep 1.5 # its start: kallsyms and BTF
			read -r n0 t0 < <(prog_totals tracing sched_switch)
			sleep "$SECS"
			read -r n1 t1 < <(prog_totals tracing sched_switch)
			kill -INT $oc 2>/dev/null
			kill -TERM $oc 2>/dev/null
			wait $oc 2>/dev/null
			cost[peer,$r]=$(per_run $n0 $t0 $n1 $t1)
		else
			scorch_variant $m --off-cpu -a -d "$SECS"
			cost[$m,$r]=$(scorch_ns "$T/$m.err")
		fi
	done
	printf '.' >&2
done
echo >&2
report "context switch" "offcputime"
for m in kwalk uwalk; do
	col=""
	for ((r = 0; r < COST_ROUNDS; r++)); do col+="${cost[$m,$r]:-} "; done
	printf '%-36s %6.0f ns   (rounds: %s)\n' "  of which the $([ $m = kwalk ] && echo kernel || echo user) stack walk alone:" \
		"$(echo $col | tr ' ' '\n' | median)" "$col"
done
[ -n "$OFFCPUTIME" ] || echo "  (offcputime not installed: apt-get install libbpf-tools)"
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

# ---- 4. --call-graph dwarf ---------------------------------------------------------------------
# A program without frame pointers (tests/workloads/dwarf_chain.c, two busy threads), -p for
# BENCH_SECS at 999 Hz, in rotated rounds: scorch with frame pointers (-g) and with --call-graph
# dwarf (BPF time per sample from bpf_prog_info; scorch's own CPU time, user + system, per sample:
# with dwarf it drains, unwinds and counts every stack copy), and perf record --call-graph dwarf,
# whose stacks are unwound afterwards by perf script (their CPU times per sample; perf's copies in
# the kernel are not in them, as scorch's BPF time is not in its CPU time).
echo
echo "== 4. --call-graph dwarf: cost per sample at 999 Hz, -p of two busy threads without frame pointers; load average $(loadavg)"
gcc -O2 -g -fomit-frame-pointer -pthread -o "$T/dwarf_chain" "$TOP/tests/workloads/dwarf_chain.c"
sysctl -qw kernel.bpf_stats_enabled=1
TIMEFORMAT='%3U %3S'
# cpu_s CMD...: user + system CPU seconds of CMD (its output to $T/c.out, its stderr to $T/c.err)
cpu_s() { { time "$@" >"$T/c.out" 2>"$T/c.err"; } 2>&1 | awk '{ printf "%.3f\n", $1 + $2 }'; }
# us_per A B: A seconds / B samples in microseconds
us_per() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f\n", a * 1e6 / b }'; }
declare -A dw # dw[FIELD]: per-round values, space-separated
dmodes=(fp dwarf perf)
for ((r = 0; r < COST_ROUNDS; r++)); do
	for ((i = 0; i < ${#dmodes[@]}; i++)); do
		m=${dmodes[$(((i + r) % ${#dmodes[@]}))]}
		"$T/dwarf_chain" threads $((SECS + 2)) &
		wl=$!
		sleep 0.3
		case $m in
		fp | dwarf)
			cg=-g
			[ $m = dwarf ] && cg="--call-graph dwarf"
			c=$(cpu_s "$SCORCH" -v record $cg -F 999 -p $wl -d "$SECS" -o "$T/d.folded")
			n=$(sed -nE 's/.*recorded ([0-9,]+) samples.*/\1/p' "$T/c.err" | tr -d ,)
			dw[$m.bpf]+="$(sed -nE 's/.*bpf: ([0-9]+) runs, ([0-9]+) ns each.*/\2/p' "$T/c.err") "
			dw[$m.cpu]+="$(us_per "$c" "$n") "
			dw[$m.cpu_s]+="$c "
			dw[$m.n]+="$n "
			;;
		perf)
			c=$(cpu_s perf record --call-graph dwarf -F 999 -q -p $wl -o "$T/d.data" -- sleep "$SECS")
			c2=$(cpu_s perf script -i "$T/d.data")
			n=$(perf script -i "$T/d.data" -F comm 2>/dev/null | wc -l)
			dw[perf.cpu]+="$(us_per "$c" "$n") "
			dw[perf.script]+="$(us_per "$c2" "$n") "
			dw[perf.n]+="$n "
			;;
		esac
		kill $wl 2>/dev/null
		wait $wl 2>/dev/null
	done
	printf '.' >&2
done
echo >&2
sysctl -qw kernel.bpf_stats_enabled="$stats_was"
dmed() { echo ${dw[$1]:-} | tr ' ' '\n' | median; }
# per-round extra CPU of dwarf over fp, per dwarf sample
extra=$(paste -d' ' <(echo ${dw[dwarf.cpu_s]} | tr ' ' '\n') <(echo ${dw[fp.cpu_s]} | tr ' ' '\n') \
	<(echo ${dw[dwarf.n]} | tr ' ' '\n') | awk 'NF == 3 && $3 > 0 { printf "%.1f\n", ($1 - $2) * 1e6 / $3 }' | median)
printf '%-48s %7.0f ns   (rounds: %s)\n' "scorch -g, BPF per sample:" "$(dmed fp.bpf)" "${dw[fp.bpf]}"
printf '%-48s %7.0f ns   (rounds: %s)\n' "scorch --call-graph dwarf, BPF per sample:" "$(dmed dwarf.bpf)" "${dw[dwarf.bpf]}"
printf '%-48s %7.1f us   (rounds: %s)\n' "scorch -g, its CPU per sample:" "$(dmed fp.cpu)" "${dw[fp.cpu]}"
printf '%-48s %7.1f us   (rounds: %s)\n' "scorch --call-graph dwarf, its CPU per sample:" "$(dmed dwarf.cpu)" "${dw[dwarf.cpu]}"
printf '%-48s %7.1f us   (median of per-round differences)\n' "  of which draining and unwinding:" "$extra"
printf '%-48s %7.1f us   (rounds: %s)\n' "perf record --call-graph dwarf, its CPU:" "$(dmed perf.cpu)" "${dw[perf.cpu]}"
printf '%-48s %7.1f us   (rounds: %s)\n' "  + perf script unwinding them:" "$(dmed perf.script)" "${dw[perf.script]}"
awk -v s="$(dmed dwarf.cpu)" -v p="$(dmed perf.cpu)" -v q="$(dmed perf.script)" \
	'BEGIN { if (p + q > 0) printf "  scorch --call-graph dwarf CPU / perf record + perf script CPU: %.2f\n", s / (p + q) }'
echo "  samples per run: scorch dwarf ${dw[dwarf.n]}; perf ${dw[perf.n]}"

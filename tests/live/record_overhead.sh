#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Live: the overhead guard. The summary states what our BPF programs cost (a share of one CPU, per
# run, runs), and it agrees with what the kernel reports to bpftool mid-run; a light recording is
# left alone by the default --max-overhead; a heavy one (system-wide off-CPU while two threads
# ping-pong over pipes, ~100k context switches a second) is stopped within seconds, says why and
# what to do, and still writes what it recorded; a bad value is a usage error.
. "$(dirname "$0")/../testlib.sh"
. "$TOP/tests/workloads/record_helpers.bash"
require_bpf
[ -x "$SCORCH" ] || skip "no scorch binary at $SCORCH"
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$T_WORK"' EXIT

build_workload hot cpu_hot.c gcc -O2 -fno-omit-frame-pointer
build_workload pingpong trace_pingpong.c gcc -O2

# overhead_pct: the share of one CPU from the summary line "overhead: BPF X% of one CPU (Y us per run, N runs)".
overhead_pct() { sed -nE 's/^scorch: overhead: BPF ([0-9.]+)% of one CPU.*/\1/p' "$T_WORK/record.err"; }

# 1. A light recording: not stopped, and its cost stated.
out=$T_WORK/light.folded
if record -F 99 -o "$out" -- "$T_WORK/hot" cpu 1.5; then
	pct=$(overhead_pct)
	if [ -n "$pct" ] && le "$pct" 10; then ok "light recording: BPF $pct% of one CPU stated, under the default 10%"
	else fail "light recording: overhead line '${pct:-missing}' in: $(cat "$T_WORK/record.err")"; fi
	grep -q "stopped early" "$T_WORK/record.err" && fail "light recording was stopped" || ok "light recording ran to its end"
	[ "$(fsum "$out" "^hot;")" -gt 0 ] && ok "light recording wrote its samples" || fail "light recording: no samples"
else
	fail "light recording failed"
fi

# 2. Heavy: off-CPU of the whole machine while two threads ping-pong. The recording asks for 20 s;
# the guard (set at 2% of one CPU) must end it in its first seconds.
"$T_WORK/pingpong" 100000000 >/dev/null &
pp=$!
sleep 0.3
out=$T_WORK/heavy.folded
start=$(date +%s.%N)
record --off-cpu -a -d 20 --max-overhead 2 -o "$out" -o "$T_WORK/heavy.svg" &
rec=$!
# meanwhile, the kernel's own figures for our off-CPU program, through bpftool (statistics are on
# while scorch records)
sleep 0.5
kern=$(bpftool -j prog show 2>/dev/null | python3 -c '
import json, sys
ns = cnt = 0
for p in json.load(sys.stdin):
    if p.get("name", "").startswith("offcpu_switch"):
        ns += p.get("run_time_ns", 0); cnt += p.get("run_cnt", 0)
print("%d %d" % (ns, cnt))')
wait "$rec"
rc=$?
end=$(date +%s.%N)
kill "$pp" 2>/dev/null
wait "$pp" 2>/dev/null
secs=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
if [ $rc -eq 0 ] && grep -q "stopped early: our BPF programs used .* above --max-overhead 2%" "$T_WORK/record.err"; then
	ok "heavy recording stopped by the guard after ${secs}s of a 20 s -d"
	le "$secs" 6 && ok "stopped within seconds" || fail "took ${secs}s to stop"
	grep -q "hint: lower -F" "$T_WORK/record.err" && ok "the stop says what to do" || fail "no hint"
	pct=$(overhead_pct)
	ge "${pct:-0}" 2 && ok "its stated overhead $pct% is above the 2% budget" || fail "stated overhead '${pct:-missing}'"
	[ "$(fsum "$out" "^tp_p[io]ng;")" -gt 0 ] && ok "what was recorded was written (tp_ping/tp_pong stacks)" \
		|| fail "heavy recording: no tp_ping/tp_pong stacks in the output"
	grep -q "stopped early by --max-overhead" "$T_WORK/heavy.svg" && ok "the flame graph's subtitle says it stopped early" \
		|| fail "the flame graph does not say it stopped early"
	# per run: the summary's figure and the kernel's, mid-run, within a factor of 2
	ours=$(sed -nE 's/^scorch: overhead: BPF [0-9.]+% of one CPU \(([0-9.]+) us per run.*/\1/p' "$T_WORK/record.err")
	read -r kns kcnt <<<"$kern"
	if [ -n "$ours" ] && [ "${kcnt:-0}" -gt 0 ]; then
		theirs=$(awk -v n="$kns" -v c="$kcnt" 'BEGIN { printf "%.2f", n / c / 1000 }')
		r=$(ratio "$ours" "$theirs")
		between "$r" 0.5 2 && ok "per run: ours ${ours} us, bpftool's ${theirs} us for offcpu_switch" \
			|| fail "per run: ours ${ours} us, bpftool's ${theirs} us"
	else
		fail "no per-run figure to compare (ours '${ours:-}', bpftool '${kern:-}')"
	fi
else
	fail "heavy recording was not stopped by the guard (exit $rc): $(cat "$T_WORK/record.err")"
fi

# 3. Usage errors; "5%" is 5.
record --max-overhead 5% -F 99 -o "$T_WORK/pct.folded" -- "$T_WORK/hot" cpu 0.3 && ok "--max-overhead 5% accepted" \
	|| fail "--max-overhead 5% refused"
for bad in x -1 5%% ''; do
	"$SCORCH" record --max-overhead "$bad" -d 1 -a -o /dev/null 2>"$T_WORK/bad.err"
	rc=$?
	[ $rc -eq 2 ] && grep -q "invalid --max-overhead '$bad'" "$T_WORK/bad.err" && ok "--max-overhead $bad: usage error" \
		|| fail "--max-overhead $bad: exit $rc, $(cat "$T_WORK/bad.err")"
done
finish

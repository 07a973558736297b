#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Live: system-wide at 999 Hz for 5 s under load, fewer than 0.5% of samples lose a stack, and
# what is reported equals what happened: every sample the kernel took (the BPF program's run
# count, kept by the kernel itself) is in the output, lost stacks show as [lost stack] frames
# exactly as many times as the summary says. A run with a tiny stack map checks the same
# accounting when losses do happen.
. "$(dirname "$0")/../testlib.sh"
. "$TOP/tests/workloads/record_helpers.bash"
require_bpf
[ -x "$SCORCH" ] || skip "no scorch binary at $SCORCH"

# The kernel counts BPF program runs only with kernel.bpf_stats_enabled; restore it afterwards.
stats_was=$(sysctl -n kernel.bpf_stats_enabled 2>/dev/null) || skip "no kernel.bpf_stats_enabled"
sysctl -qw kernel.bpf_stats_enabled=1 || skip "cannot enable kernel.bpf_stats_enabled"
trap 'sysctl -qw kernel.bpf_stats_enabled="$stats_was"; rm -rf "$T_WORK"; kill $(jobs -p) 2>/dev/null' EXIT

build_workload hot cpu_hot.c clang -O2 -fno-omit-frame-pointer

# summary_num REGEX: the first number in the summary line matching REGEX (commas dropped).
summary_num() { grep -E "$1" "$T_WORK/record.err" | head -1 | sed -E "s/.*$2.*/\\1/" | tr -d ,; }

# account OUT LABEL: check that the output, the summary and the kernel's run count agree.
account() {
	local out=$1 label=$2
	local total lost recorded runs reported dropped
	total=$(fsum "$out")
	lost=$(fsum "$out" '\[lost stack\]')
	recorded=$(summary_num 'recorded' 'recorded ([0-9,]+) samples')
	runs=$(summary_num 'bpf: ' 'bpf: ([0-9]+) runs')
	reported=$(summary_num 'with a \[lost stack\]' 'lost: ([0-9,]+) of')
	reported=${reported:-0}
	dropped=$(summary_num 'sample dropped' '([0-9]+): sample dropped')
	dropped=${dropped:-0}
	[ "$total" -eq "$recorded" ] && ok "$label: the output holds the $recorded samples the summary reports" \
		|| fail "$label: output has $total samples, the summary says $recorded"
	[ -n "$runs" ] && [ "$runs" -eq $((total + dropped)) ] \
		&& ok "$label: every sample the kernel took ($runs) is in the output or counted as dropped ($dropped)" \
		|| fail "$label: the kernel ran the sampler ${runs:-?} times; output $total + dropped $dropped"
	[ "$lost" -eq "$reported" ] && ok "$label: [lost stack] samples in the output ($lost) = reported ($reported)" \
		|| fail "$label: [lost stack] samples in the output $lost, reported $reported"
	LOST=$lost TOTAL=$total
}

# Load: two CPU-bound processes and a syscall-heavy one, many distinct kernel and user stacks.
"$T_WORK/hot" cpu 9 >/dev/null &
"$T_WORK/hot" threads 9 >/dev/null &
"$T_WORK/hot" sys 9 >/dev/null &
sleep 0.2

out=$T_WORK/all.folded
if RECORD_GLOBAL=-v record -a --idle -F 999 -d 5 -o "$out"; then
	account "$out" "-a -F 999 -d 5"
	r=$(ratio "$LOST" "$TOTAL")
	le "$r" 0.005 && ok "stack loss $LOST/$TOTAL = $r < 0.5%" || fail "stack loss $LOST/$TOTAL = $r >= 0.5%"
	hot=$(fsum "$out" '^hot;(.*;)?main;run_cpu;outer_[ab];leaf_[ab]')
	[ "$hot" -gt 0 ] && ok "the load's hot stacks are there ($hot samples)" || fail "no sample of the load"
else
	fail "-a: record failed"
fi

# Force losses: 64 stacks per map. They must show, not vanish.
out=$T_WORK/tiny.folded
if RECORD_GLOBAL=-v record -a --idle -F 999 -d 2 --stack-map-size 64 -o "$out"; then
	account "$out" "--stack-map-size 64"
	[ "$LOST" -gt 0 ] && ok "a 64-entry stack map loses stacks ($LOST), and says so" \
		|| fail "no loss with a 64-entry stack map: the test cannot tell"
	grep -q "stack not stored: stack map full" "$T_WORK/record.err" && ok "the reason is given" \
		|| fail "no loss reason in: $(cat "$T_WORK/record.err")"
else
	fail "--stack-map-size 64: record failed"
fi
finish

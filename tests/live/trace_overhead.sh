#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Live: `scorch trace`'s overhead guard. Probes on every context switch while two threads ping-pong
# over pipes cost more than a tight --max-overhead: the trace ends within seconds of a 20 s -d as
# Ctrl-C ends it (END runs, the maps are printed) and says why and what to do. A light trace is
# left alone by the default; bad values are usage errors.
. "$(dirname "$0")/../testlib.sh"
. "$TOP/tests/workloads/record_helpers.bash"
require_bpf
[ -x "$SCORCH" ] || skip "no scorch binary at $SCORCH"
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$T_WORK"' EXIT

build_workload pingpong trace_pingpong.c gcc -O2

PROG='tracepoint:sched:sched_switch { @[args->prev_comm] = count(); } END { printf("END ran\n"); }'

# 1. Heavy: stopped by the guard, output complete.
"$T_WORK/pingpong" 100000000 >/dev/null &
pp=$!
sleep 0.3
start=$(date +%s.%N)
timeout -k 5 60 "$SCORCH" trace -d 20 --max-overhead 0.2 -e "$PROG" >"$T_WORK/heavy.out" 2>"$T_WORK/heavy.err"
rc=$?
end=$(date +%s.%N)
kill "$pp" 2>/dev/null
wait "$pp" 2>/dev/null
secs=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')
if [ $rc -eq 0 ] && grep -q "trace stopped: the probes used .* above --max-overhead 0.2%" "$T_WORK/heavy.err"; then
	ok "heavy trace stopped by the guard after ${secs}s of a 20 s -d"
	le "$secs" 6 && ok "stopped within seconds" || fail "took ${secs}s to stop"
	grep -q "hint: probe fewer events" "$T_WORK/heavy.err" && ok "the stop says what to do" || fail "no hint"
	grep -q "^END ran$" "$T_WORK/heavy.out" && ok "END ran" || fail "END did not run: $(head -3 "$T_WORK/heavy.out")"
	n=$(sed -nE 's/^@\[tp_ping\]: ([0-9]+)$/\1/p' "$T_WORK/heavy.out")
	[ "${n:-0}" -gt 100 ] && ok "the map was printed: @[tp_ping]: $n" || fail "no @[tp_ping] count: $(head -5 "$T_WORK/heavy.out")"
else
	fail "heavy trace not stopped by the guard (exit $rc): $(cat "$T_WORK/heavy.err")"
fi

# 2. Light: a second of a rare event under the default budget runs to its end.
timeout -k 5 60 "$SCORCH" trace -d 1 -e 'tracepoint:syscalls:sys_enter_getppid { @ = count(); } END { printf("END ran\n"); }' \
	>"$T_WORK/light.out" 2>"$T_WORK/light.err"
rc=$?
[ $rc -eq 0 ] && grep -q "^END ran$" "$T_WORK/light.out" && ! grep -q "trace stopped" "$T_WORK/light.err" \
	&& ok "light trace ran its -d to the end" || fail "light trace (exit $rc): $(cat "$T_WORK/light.err")"

# 3. Usage errors; "5%" is 5.
for bad in x -1 ''; do
	"$SCORCH" trace --max-overhead "$bad" -e 'BEGIN { exit(); }' >/dev/null 2>"$T_WORK/bad.err"
	rc=$?
	[ $rc -eq 2 ] && grep -q "invalid --max-overhead '$bad'" "$T_WORK/bad.err" && ok "--max-overhead '$bad': usage error" \
		|| fail "--max-overhead '$bad': exit $rc, $(cat "$T_WORK/bad.err")"
done
"$SCORCH" trace --max-overhead 5% -e 'BEGIN { exit(); }' >/dev/null 2>&1 && ok "--max-overhead 5% accepted" \
	|| fail "--max-overhead 5% refused"
finish

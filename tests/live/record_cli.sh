#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Live: `scorch record` end conditions (-d, SIGINT, SIGTERM, targets gone) all write every output;
# formats by extension with the title and subtitle filled in; clear errors for a missing
# privilege, a pid that does not exist or has exited, and option combinations that make no sense.
. "$(dirname "$0")/../testlib.sh"
. "$TOP/tests/workloads/record_helpers.bash"
require_bpf
[ -x "$SCORCH" ] || skip "no scorch binary at $SCORCH"

build_workload hot cpu_hot.c clang -O2 -fno-omit-frame-pointer

# expect_error DESC RC REGEX ARGS...: scorch record ARGS exits RC with stderr matching REGEX.
expect_error() {
	local desc=$1 want=$2 re=$3
	shift 3
	"$SCORCH" record "$@" >/dev/null 2>"$T_WORK/err"
	local rc=$?
	if [ $rc -eq "$want" ] && grep -qE "$re" "$T_WORK/err"; then ok "$desc (exit $rc)"
	else fail "$desc: exit $rc, stderr: $(tr '\n' ' ' <"$T_WORK/err")"; fi
}

# 1. Errors, before anything is recorded.
expect_error "no target" 2 "no target" -d 1
expect_error "pid not found" 1 "no process 999999999" -p 999999999
expect_error "bad pid list" 2 "invalid id 'x'" -p 1,x
expect_error "-a with -p" 2 "different targets" -a -p 1
expect_error "--wakeup without --off-cpu" 2 "need --off-cpu" -p 1 --wakeup
expect_error "both stack kinds off" 2 "exclude each other" -a -U -K
expect_error "-F out of range" 2 "invalid -F" -a -F 0
expect_error "--min-block above --max-block" 2 "above --max-block" -a --off-cpu --min-block 10 --max-block 5
expect_error "command that does not exist" 1 "cannot run '/nonexistent/cmd': No such file" -- /nonexistent/cmd
"$T_WORK/hot" threads 3 &
tpid=$!
sleep 0.2
expect_error "a thread given as a process" 2 "is a thread of process $tpid" -d 0.1 -p "$(ls /proc/$tpid/task | sort -n | tail -1)"
kill $tpid
wait $tpid 2>/dev/null
# a zombie: exited, never reaped by its parent (which execs into sleep)
sh -c 'sleep 0.1 & exec sleep 3' &
zparent=$!
sleep 0.5
zombie=$(ps -o pid= --ppid $zparent | tr -d ' ' | head -1)
if [ -n "$zombie" ]; then
	expect_error "a process that has exited" 1 "process $zombie has exited" -p "$zombie"
else
	fail "could not make a zombie"
fi
kill $zparent 2>/dev/null
if command -v setpriv >/dev/null; then
	setpriv --reuid=65534 --regid=65534 --clear-groups "$SCORCH" record -a -d 1 >/dev/null 2>"$T_WORK/err"
	rc=$?
	[ $rc -eq 1 ] && grep -q "needs root, or the capabilities CAP_BPF and CAP_PERFMON" "$T_WORK/err" \
		&& ok "not root: clear error (exit 1)" || fail "not root: exit $rc, $(cat "$T_WORK/err")"
fi
# RLIMIT_MEMLOCK cannot stop us (memcg accounting)
(ulimit -l 0 && "$SCORCH" record -a -d 0.2 -o "$T_WORK/memlock.folded" 2>"$T_WORK/err") \
	&& ok "works with RLIMIT_MEMLOCK 0" || fail "RLIMIT_MEMLOCK 0: $(cat "$T_WORK/err")"

# 2. Outputs by extension, titles, and -d.
if record -d 1 -a -o "$T_WORK/a.svg" -o "$T_WORK/a.folded" -o "$T_WORK/a.json" -o "$T_WORK/a.speedscope.json"; then
	xmllint --noout "$T_WORK/a.svg" 2>/dev/null && ok "SVG is well-formed" || fail "SVG not well-formed"
	grep -q "On-CPU Flame Graph" "$T_WORK/a.svg" && ok "SVG title" || fail "SVG title missing"
	grep -qE 'all processes, 1\.[0-9] s, 99 Hz, [0-9,]+ samples' "$T_WORK/a.svg" && ok "SVG subtitle names target, duration, rate, samples" \
		|| fail "SVG subtitle: $(grep -o 'id="subtitle"[^<]*' "$T_WORK/a.svg")"
	perl -MJSON::PP -e 'for (@ARGV) { local $/; open(my $f, "<", $_) or die; decode_json(<$f>) }' "$T_WORK/a.json" \
		"$T_WORK/a.speedscope.json" && ok "JSON and speedscope files parse" || fail "JSON output does not parse"
	[ "$(fsum "$T_WORK/a.folded")" -gt 0 ] && ok "folded output has samples" || fail "folded output empty"
	grep -q "wrote .*a.svg, .*a.folded, .*a.json, .*a.speedscope.json" "$T_WORK/record.err" && ok "summary lists the files" \
		|| fail "summary: $(cat "$T_WORK/record.err")"
else
	fail "-o several: record failed"
fi
if record --off-cpu -d 0.5 -a -o "$T_WORK/off.svg"; then
	grep -q "Off-CPU Time Flame Graph" "$T_WORK/off.svg" && grep -q "nanoseconds" "$T_WORK/off.svg" \
		&& ok "off-CPU SVG: title and nanoseconds" || fail "off-CPU SVG title or unit"
fi
if record --off-cpu --unit ms -d 0.5 -a -o "$T_WORK/offms.svg"; then
	grep -q "milliseconds" "$T_WORK/offms.svg" && ok "--unit ms: values in milliseconds" || fail "--unit ms: no milliseconds in the SVG"
fi

# 3. End conditions: SIGINT, SIGTERM, every target gone; each writes the output and exits 0.
for sig in INT TERM; do
	"$T_WORK/hot" cpu 5 &
	pid=$!
	"$SCORCH" record -p $pid -o "$T_WORK/sig.folded" 2>"$T_WORK/err" &
	rec=$!
	sleep 1
	kill -$sig $rec
	wait $rec
	rc=$?
	[ $rc -eq 0 ] && [ "$(fsum "$T_WORK/sig.folded")" -gt 0 ] && ok "SIG$sig: output written, exit 0" \
		|| fail "SIG$sig: exit $rc, $(cat "$T_WORK/err")"
	kill $pid 2>/dev/null
	wait $pid 2>/dev/null
	rm -f "$T_WORK/sig.folded"
done
"$T_WORK/hot" cpu 1 &
pid=$!
start=$(date +%s%N)
if record -p $pid -o "$T_WORK/gone.folded"; then
	el=$((($(date +%s%N) - start) / 1000000))
	[ $el -lt 3000 ] && grep -q "every target exited" "$T_WORK/record.err" && ok "stops when the target exits (${el} ms)" \
		|| fail "did not stop with the target: ${el} ms, $(cat "$T_WORK/record.err")"
fi
wait $pid 2>/dev/null
finish

#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Live: JIT code named from /tmp/perf-PID.map (the V8 / JVM convention) with its exact callers,
# including names the JIT appends while running, and for a process in a container (its own PID and
# mount namespaces, a private /tmp holding /tmp/perf-1.map) that has exited, with its namespace,
# before the recording ends, also when the binary itself exists only inside the container. perf 6.1
# names neither of the container's JIT functions.
. "$(dirname "$0")/../testlib.sh"
. "$TOP/tests/workloads/record_helpers.bash"
require_bpf
[ -x "$SCORCH" ] || skip "no scorch binary at $SCORCH"
command -v unshare >/dev/null || skip "unshare (util-linux) not installed"

# Outside /tmp: the container mounts its own /tmp over it.
mkdir -p "$BUILD/workloads"
BIN_DIR=$(mktemp -d "$BUILD/workloads/jit.XXXXXX")
trap 'rm -rf "$BIN_DIR" "$T_WORK"' EXIT
gcc -O2 -g -fno-omit-frame-pointer -o "$BIN_DIR/jit_hot" "$WL_SRC/jit_hot.c" || { fail "cannot build jit_hot"; finish; }

JIT='(^|;)main;run_jit;jit_spin_(early|late)$'

# check_jit NAME FILE: >= 90% of the workload's samples in the JIT functions under main -> run_jit,
# and both of them there (the late one was named after the process was first seen).
check_jit() {
	local total early late
	total=$(fsum "$2" "^jit_hot;")
	check_ratio "$1: samples in jit_spin_early/late under main;run_jit" "$(fsum "$2" "^jit_hot;.*$JIT")" "$total" 0.90
	early=$(fsum "$2" "^jit_hot;.*;run_jit;jit_spin_early$")
	late=$(fsum "$2" "^jit_hot;.*;run_jit;jit_spin_late$")
	# each runs half of the time: loose bounds for a loaded machine
	if between "$(ratio "$late" "$total")" 0.25 0.75; then ok "$1: the late function has $late of $total samples"
	else fail "$1: the late function has $late of $total samples, expected about half"; fi
	if [ "$early" -gt 0 ]; then ok "$1: the early function is named"; else fail "$1: jit_spin_early missing"; fi
}

# 1. A JIT in this mount namespace.
out=$T_WORK/jit.folded
if record -F 499 -o "$out" -- "$BIN_DIR/jit_hot" 1.2; then
	check_jit "plain" "$out"
else
	fail "plain: record failed"
fi
# the workload's map, left in /tmp as JITs leave theirs
pid_maps=$(grep -l jit_spin_early /tmp/perf-*.map 2>/dev/null || true)
[ -n "$pid_maps" ] && rm -f $pid_maps

# 2. The same JIT in a container: pid 1 of a new PID namespace, /tmp a private tmpfs. The process
# and its namespace are gone when scorch names the frames.
out=$T_WORK/jit_ns.folded
if record -F 499 -o "$out" -- unshare --pid --mount --fork --propagation private \
	sh -c 'mount -t tmpfs tmpfs /tmp && exec "$0" 1.2' "$BIN_DIR/jit_hot"; then
	check_jit "container" "$out"
	if grep -q "perf-1.map\|\[perf-[0-9]*\.map\]" "$out"; then fail "container: unnamed JIT frames remain"
	else ok "container: no unnamed JIT frame"; fi
else
	fail "container: record failed"
fi
# 2b. The binary itself only inside the container (copied into its private /tmp): named through
# the process's root, opened while it lived.
out=$T_WORK/jit_ns_bin.folded
[ -e /tmp/jit_hot_in_container ] && fail "/tmp/jit_hot_in_container exists outside the container"
if record -F 499 -o "$out" -- unshare --pid --mount --fork --propagation private \
	sh -c 'mount -t tmpfs tmpfs /tmp && cp "$0" /tmp/jit_hot_in_container && exec /tmp/jit_hot_in_container 1' \
	"$BIN_DIR/jit_hot"; then
	total=$(fsum "$out" "^jit_hot_in_cont[^;]*;")
	check_ratio "binary in the container: samples under main;run_jit;jit_spin_(early|late)" \
		"$(fsum "$out" "^jit_hot_in_cont[^;]*;.*$JIT")" "$total" 0.90
else
	fail "binary in the container: record failed"
fi

# 3. A JIT writing no map: its code is named after the map it lacks, as stackcollapse-perf.pl names
# perf's "[unknown] (/tmp/perf-PID.map)", and the summary says how to get the names.
out=$T_WORK/jit_nomap.folded
if JIT_HOT_NO_MAP=1 record -F 499 -o "$out" -- "$BIN_DIR/jit_hot" 0.6; then
	check_ratio "no map: samples in [perf-PID.map] under main;run_jit" \
		"$(fsum "$out" '^jit_hot;.*main;run_jit;\[perf-[0-9]+\.map\]$')" "$(fsum "$out" '^jit_hot;')" 0.90
	if grep -q "addresses in JIT code have no name: no /tmp/perf-PID.map.*--perf-basic-prof" "$T_WORK/record.err"
	then ok "no map: the summary says how to get JIT names"
	else fail "no map: the summary lacks the JIT map hint"; sed 's/^/  /' "$T_WORK/record.err"; fi
else
	fail "no map: record failed"
fi
finish

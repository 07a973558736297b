#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Re-capture the bpftrace 0.17 goldens in tests/fixtures/bpftrace/: for every NAME.bt, run the real
# bpftrace and store its stdout as NAME.txt (text) and NAME.json (-f json); stderr (warnings) is dropped.
# A .bt whose first line is "// run: bpftrace -c trace_io ..." is run with -c on tests/workloads/trace_io.c,
# built dynamic (so user frames resolve) and under `setarch -R` (so user addresses do not move).
# Needs root and bpftrace 0.17. tests/probes/output_test.c rebuilds each program's values by hand, so
# after re-recording on another kernel, update the kernel frame table there (stacks.*).
set -eu
TOP=$(cd "$(dirname "$0")/.." && pwd)
DIR=$TOP/tests/fixtures/bpftrace
BPFTRACE=${BPFTRACE:-bpftrace}

"$BPFTRACE" --version | grep -q 'v0\.17\.' || { echo "need bpftrace 0.17 (got: $("$BPFTRACE" --version))" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "need root" >&2; exit 1; }
if [ ! -d /sys/kernel/tracing/events ]; then
	mount -t tracefs nodev /sys/kernel/tracing
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/bpftrace-goldens.XXXXXX")
trap 'rm -rf "$work"' EXIT
gcc -O1 -g -fno-omit-frame-pointer -fno-inline -o "$work/trace_io" "$TOP/tests/workloads/trace_io.c"

for bt in "$DIR"/*.bt; do
	name=${bt%.bt}
	args=()
	if head -1 "$bt" | grep -q '^// run: bpftrace -c trace_io'; then
		args=(-c "$(command -v setarch) -R $work/trace_io")
	fi
	"$BPFTRACE" "${args[@]}" "$bt" > "$name.txt" 2>/dev/null
	"$BPFTRACE" -f json "${args[@]}" "$bt" > "$name.json" 2>/dev/null
	echo "recorded $(basename "$name").{txt,json}"
done

# printf_errors.list: "ARG_TYPES<TAB>STATEMENT" per line (ARG_TYPES comma-separated, "-" for none); record what bpftrace says about each statement
# (its message without the "stdin:L:C: ERROR: " location, or "OK") in printf_errors.txt, line for line.
: > "$DIR/printf_errors.txt"
while IFS=$'\t' read -r _types stmt; do
	msg=$("$BPFTRACE" -e "BEGIN { $stmt; exit(); }" 2>&1 >/dev/null | grep -v RLIMIT_MEMLOCK | grep -m1 'ERROR: ' | sed 's/^.*ERROR: //') || true
	echo "${msg:-OK}" >> "$DIR/printf_errors.txt"
done < "$DIR/printf_errors.list"
echo "recorded printf_errors.txt"

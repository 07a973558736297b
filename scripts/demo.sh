#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `make demo`: profile a bundled workload (tests/workloads/demo.c, a small request pipeline) with
# `scorch record`, on-CPU and off-CPU, into demo-cpu.svg and demo-offcpu.svg in the repo root.
# Usage: scripts/demo.sh [path/to/scorch]   (default build/scorch)
set -euo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
SCORCH=${1:-$TOP/build/scorch}
case $SCORCH in /*) ;; *) SCORCH=$PWD/$SCORCH ;; esac
[ -x "$SCORCH" ] || { echo "demo: no scorch at $SCORCH (run make first)" >&2; exit 1; }
SECS=${DEMO_SECONDS:-4}

# Recording needs root (or CAP_BPF+CAP_PERFMON): use sudo when we are not root.
RUN=()
if [ "$(id -u)" -ne 0 ] && ! capsh --print 2>/dev/null | grep -q cap_bpf; then
	if command -v sudo >/dev/null; then
		echo "demo: scorch record needs root for BPF; using sudo" >&2
		RUN=(sudo)
	else
		echo "demo: scorch record needs root or CAP_BPF+CAP_PERFMON; run 'make demo' as root" >&2
		exit 1
	fi
fi

# The workload, with frame pointers (as perf -g, bcc and scorch need for user stacks).
mkdir -p "$TOP/build/workloads"
WL=$TOP/build/workloads/demo
CC=cc
command -v clang >/dev/null && CC=clang
"$CC" -O2 -g -fno-omit-frame-pointer -pthread -o "$WL" "$TOP/tests/workloads/demo.c"

cd "$TOP"
echo "demo: recording $SECS s on-CPU (499 Hz on every CPU) ..." >&2
"${RUN[@]}" "$SCORCH" record -F 499 -o demo-cpu.svg -o build/workloads/demo-cpu.folded \
	-- "$WL" "$SECS" "$TOP/build/workloads"
echo "demo: recording $SECS s off-CPU, with the stacks that woke each thread ..." >&2
"${RUN[@]}" "$SCORCH" record --off-cpu --wakeup --unit us -o demo-offcpu.svg -o build/workloads/demo-offcpu.folded \
	-- "$WL" "$SECS" "$TOP/build/workloads"
if [ ${#RUN[@]} -gt 0 ]; then
	"${RUN[@]}" chown "$(id -u):$(id -g)" demo-cpu.svg demo-offcpu.svg build/workloads/demo-*.folded
fi
echo
echo "demo: open these in a browser (hover for details, click to zoom, Ctrl-F to search):"
echo "  $TOP/demo-cpu.svg"
echo "  $TOP/demo-offcpu.svg"

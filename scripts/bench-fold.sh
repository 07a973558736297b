#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Fold benchmark: `scorch fold` against stackcollapse-perf.pl on the same >= 50 MB `perf script` text of a real
# `perf record -g` of a real workload (built here, recorded once and cached under build/bench/). Prints CPU time
# (user+sys), peak RSS, the ratios, and checks that both outputs are byte-identical.
# stackcollapse-perf.pl is not a Debian package: it runs only when FLAMEGRAPH_DIR points at a checkout of
# https://github.com/brendangregg/FlameGraph; otherwise only scorch's figures are printed, with a note.
# Needs root (or perf_event_paranoid <= 1) and perf to record the first time.
# Usage: [FLAMEGRAPH_DIR=...] [SCORCH=build/scorch] [MIN_MB=50] scripts/bench-fold.sh
set -euo pipefail
cd "$(dirname "$0")/.."
SCORCH=${SCORCH:-build/scorch}
MIN_MB=${MIN_MB:-50}
DIR=build/bench
mkdir -p "$DIR"
[ -x "$SCORCH" ] || { echo "build scorch first (make)" >&2; exit 1; }
command -v perf > /dev/null || { echo "bench-fold: perf is not installed (scripts/install-deps.sh)" >&2; exit 1; }

# The workload: a deterministic mix of deep and shallow call paths (recursion through eight functions picked
# by a pseudo-random walk), libc (qsort, memcpy, malloc) and syscalls (kernel stacks), like a real service.
WL=$DIR/fold-workload
if [ ! -x "$WL" ]; then
	cat > "$DIR/fold-workload.c" <<'C'
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#define NOINLINE __attribute__((noinline))
static volatile unsigned long sink;
static unsigned long seed = 42;
static int devnull;
static unsigned rnd(void) { seed = seed * 6364136223846793005UL + 1442695040888963407UL; return (unsigned)(seed >> 33); }
static int cmp(const void *a, const void *b) { return (*(const int *)a > *(const int *)b) - (*(const int *)a < *(const int *)b); }
NOINLINE static void spin(unsigned n) { unsigned long x = n; for (unsigned i = 0; i < n * 200; i++) x = x * 31 + i; sink += x; }
NOINLINE static void sort_some(unsigned n) { int v[512]; for (int i = 0; i < 512; i++) v[i] = (int)rnd(); qsort(v, 512, sizeof(int), cmp); sink += (unsigned)v[n % 512]; }
NOINLINE static void copy_some(unsigned n) { char *a = malloc(65536), *b = malloc(65536); memset(a, (int)n, 65536); for (int i = 0; i < 8; i++) memcpy(b, a, 65536); sink += (unsigned char)b[n % 65536]; free(a); free(b); }
NOINLINE static void sys_some(unsigned n) { char buf[4096]; memset(buf, (int)n, sizeof(buf)); for (int i = 0; i < 16; i++) sink += (unsigned long)write(devnull, buf, sizeof(buf)); }
typedef void step_fn(unsigned depth);
static step_fn *steps[8];
#define STEP(name) NOINLINE static void name(unsigned depth) { \
	unsigned r = rnd(); \
	if (depth == 0 || r % 7 == 0) { switch (r % 4) { case 0: spin(r % 64); break; case 1: sort_some(r); break; \
		case 2: copy_some(r); break; default: sys_some(r); } return; } \
	steps[r % 8](depth - 1); sink += depth; }
STEP(parse_request) STEP(handle_connection) STEP(dispatch_event) STEP(encode_response)
STEP(lookup_cache) STEP(update_index) STEP(compress_block) STEP(schedule_work)
int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 5;
	struct timespec t0, t;
	step_fn *all[8] = { parse_request, handle_connection, dispatch_event, encode_response,
			    lookup_cache, update_index, compress_block, schedule_work };
	memcpy(steps, all, sizeof(all));
	devnull = open("/dev/null", O_WRONLY);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		for (int i = 0; i < 64; i++)
			steps[rnd() % 8](8 + rnd() % 24);
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while ((double)(t.tv_sec - t0.tv_sec) + (double)(t.tv_nsec - t0.tv_nsec) * 1e-9 < secs);
	return 0;
}
C
	gcc -O1 -g -fno-omit-frame-pointer -mno-omit-leaf-frame-pointer -o "$WL" "$DIR/fold-workload.c"
fi

# Record until the perf script text is at least MIN_MB (cached between runs).
IN=$DIR/fold.script.txt
secs=45
while [ ! -s "$IN" ] || [ $(( $(stat -c %s "$IN") >> 20 )) -lt "$MIN_MB" ]; do
	echo "recording: perf record -g -F 4999 -- $WL $secs"
	perf record -q -g -F 4999 -o "$DIR/fold.data" -- "$WL" "$secs" 2> "$DIR/record.log" ||
		{ cat "$DIR/record.log" >&2; echo "bench-fold: perf record failed (need root or perf_event_paranoid <= 1)" >&2; exit 1; }
	perf script -i "$DIR/fold.data" > "$IN.tmp" 2> /dev/null
	mv "$IN.tmp" "$IN"
	secs=$((secs * 2))
	[ $secs -le 100 ] || { echo "bench-fold: could not make $MIN_MB MB of perf script text" >&2; exit 1; }
done
echo "input: $IN ($(( $(stat -c %s "$IN") >> 20 )) MB, $(grep -c '^$' "$IN") samples, $(wc -l < "$IN") lines)"

# measure OUT CMD...: CPU seconds (user+sys: perf stat's task-clock, mean of 3 runs) and peak RSS (KiB, GNU time)
# of CMD, its stdout to OUT
measure() {
	local out=$1; shift
	/usr/bin/time -f '%M' -o "$DIR/time" "$@" > "$out" 2> /dev/null
	perf stat -x, -e task-clock -r 3 -o "$DIR/stat" -- "$@" > /dev/null 2>&1
	awk -F, '$3 ~ /task-clock/ { printf "%.3f ", $1 / 1000 }' "$DIR/stat"
	cat "$DIR/time"
}
[ -x /usr/bin/time ] || { echo "bench-fold: needs GNU time (/usr/bin/time, Debian package 'time')" >&2; exit 1; }

read -r sc_cpu sc_rss < <(measure "$DIR/fold.scorch.folded" "$SCORCH" fold "$IN")
echo "scorch fold:            cpu ${sc_cpu}s  peak rss ${sc_rss} KiB  ($(wc -l < "$DIR/fold.scorch.folded") unique stacks)"

PL=${FLAMEGRAPH_DIR:-}/stackcollapse-perf.pl
if [ -z "${FLAMEGRAPH_DIR:-}" ] || [ ! -f "$PL" ]; then
	echo "stackcollapse-perf.pl:  SKIPPED (set FLAMEGRAPH_DIR to a FlameGraph checkout to compare)"
	exit 0
fi
read -r pl_cpu pl_rss < <(measure "$DIR/fold.perl.folded" perl "$PL" "$IN")
echo "stackcollapse-perf.pl:  cpu ${pl_cpu}s  peak rss ${pl_rss} KiB"
if cmp -s "$DIR/fold.perl.folded" "$DIR/fold.scorch.folded"; then
	echo "outputs: identical"
else
	echo "outputs: DIFFER"; diff "$DIR/fold.perl.folded" "$DIR/fold.scorch.folded" | head -n 10; exit 1
fi
awk -v a="$pl_cpu" -v b="$sc_cpu" -v c="$pl_rss" -v d="$sc_rss" 'BEGIN {
	printf "ratio: %.1fx less CPU (goal >= 20x), %.1fx less peak memory\n", a / (b > 0.001 ? b : 0.001), c / d }'

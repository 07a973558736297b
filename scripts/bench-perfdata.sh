#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Benchmark: `scorch fold FILE.data` against `perf script | stackcollapse-perf.pl` and `perf script`
# alone, CPU time of each whole process tree (perf script's addr2line helpers included) measured in
# one run on real perf.data files recorded here with real perf:
#   fp.data    -g (frame pointers) of a 2-thread C++ workload (std::regex, maps, sort, libc), 26 s of
#              CPU at 4999 Hz: >= 100k samples (re-recorded if fewer)
#   dwarf.data --call-graph dwarf of a varied SQLite workload (the amalgamation, -O2 -g, no frame
#              pointers: thousands of distinct hot addresses in heavily inlined code), 20 s at 999 Hz
# It also checks that scorch's output is the pipeline's: the share of the weight on stacks identical
# to stackcollapse-perf.pl's (1.0000 = every stack), for both files.
# Files are cached under build/bench/perfdata/ (delete them to re-record). Needs root, perf, g++, and
# npm or a copy of SQLite's sqlite3.c (SQLITE_C=path; scripts/bench-symbolize.sh fetches it too).
# stackcollapse-perf.pl runs only if FLAMEGRAPH_DIR points at a FlameGraph checkout.
# Goals (issue 4): >= 20x less CPU than perf script | stackcollapse-perf.pl, >= 4x less than perf
# script alone, >= 70x less than perf script on the DWARF file (perf resolves inlines with addr2line).
# BENCH_RUNS (default 3): runs per command, the best counts; BENCH_DWARF_RUNS (default 3) for perf
# script on the DWARF file, which takes seconds and varies most (3.1 to 7.6 s CPU in one afternoon:
# the same file, the same machine).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
SCORCH=${SCORCH:-$BUILD/scorch}
B=$BUILD/bench/perfdata
mkdir -p "$B"
command -v perf >/dev/null || { echo "bench-perfdata: perf not installed (linux-perf)"; exit 1; }
command -v g++ >/dev/null || { echo "bench-perfdata: g++ not installed"; exit 1; }
[ -x "$SCORCH" ] || make --no-print-directory "$SCORCH" >/dev/null

# The workload (C++, two threads): std::regex over generated log lines, std::map / unordered_map
# counting, std::sort, snprintf and qsort in libc, a recursive merge sort. Stacks are deep, cross
# libc and libstdc++, and -O2 inlines a lot (so DWARF callchains carry inline frames). It runs for a
# given amount of CPU time, so a busy machine still yields the same number of samples.
cat > "$B/workload.cpp.new" <<'EOF'
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <map>
#include <regex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

static double cpu_now()
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}
static int cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;
	return x < y ? -1 : x > y;
}
__attribute__((noinline)) static void merge_sort(long *v, long *tmp, size_t n)
{
	if (n < 32) {
		qsort(v, n, sizeof(*v), cmp_long);
		return;
	}
	merge_sort(v, tmp, n / 2);
	merge_sort(v + n / 2, tmp, n - n / 2);
	std::merge(v, v + n / 2, v + n / 2, v + n, tmp);
	std::copy(tmp, tmp + n, v);
}
__attribute__((noinline)) static long parse_logs(unsigned &seed, const std::regex &re)
{
	std::map<std::string, int> counts;
	std::unordered_map<std::string, std::vector<int>> index;
	std::vector<std::string> lines;
	for (int i = 0; i < 1000; i++) {
		char buf[128];
		seed = seed * 1103515245 + 12345;
		snprintf(buf, sizeof buf, "user%c%c_%u@host%c.%s GET /item/%u", 'a' + seed % 26, 'a' + (seed >> 8) % 26,
			 seed % 1000, 'a' + (seed >> 16) % 26, (seed >> 4) % 3 == 0 ? "com" : (seed >> 4) % 3 == 1 ? "org" : "net",
			 seed);
		lines.emplace_back(buf);
	}
	for (auto &l : lines) {
		std::smatch m;
		if (std::regex_search(l, m, re)) {
			counts[m[3].str()]++;
			index[m[1].str()].push_back((int)m[2].str().size());
		}
	}
	std::sort(lines.begin(), lines.end());
	return (long)counts.size() + (long)index.size();
}
static void work(double cpu_secs, unsigned seed, long *sink)
{
	std::regex re("([a-z]+)_([0-9]+)@([a-z]+)\\.(com|org|net)");
	std::vector<long> v(1 << 15), tmp(v.size());
	while (cpu_now() < cpu_secs) {
		*sink += parse_logs(seed, re);
		for (auto &x : v)
			x = (long)(seed = seed * 1103515245 + 12345);
		merge_sort(v.data(), tmp.data(), v.size());
	}
}
int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 10;
	long a = 0, b = 0;
	std::thread t(work, secs, 1u, &a);
	work(secs, 2u, &b);
	t.join();
	printf("%ld\n", a + b);
	return 0;
}
EOF
cmp -s "$B/workload.cpp.new" "$B/workload.cpp" 2>/dev/null || mv "$B/workload.cpp.new" "$B/workload.cpp"
rm -f "$B/workload.cpp.new"

# The DWARF workload: SQLite (as shipped in the better-sqlite3 npm package) and a driver running a
# mix of statements, built -O2 -g without frame pointers.
SQLITE_PKG=better-sqlite3@12.11.1
SQLITE_C=${SQLITE_C:-}
if [ ! -x "$B/sqlite_mix" ] || [ tests/workloads/symbolize/sqlite_mix.c -nt "$B/sqlite_mix" ]; then
	if [ -z "$SQLITE_C" ]; then
		for c in "$B/sqlite3.c" "$BUILD/bench-symbolize/sqlite3.c"; do
			[ -f "$c" ] && [ -f "$(dirname "$c")/sqlite3.h" ] && { SQLITE_C=$c; break; }
		done
	fi
	if [ -z "$SQLITE_C" ]; then
		command -v npm >/dev/null || { echo "bench-perfdata: npm is needed to fetch SQLite (or set SQLITE_C)"; exit 1; }
		(cd "$B" && npm pack --silent "$SQLITE_PKG" >/dev/null 2>&1 &&
			tar xzf better-sqlite3-*.tgz --strip-components=3 package/deps/sqlite3/sqlite3.c package/deps/sqlite3/sqlite3.h &&
			rm -f better-sqlite3-*.tgz) || { echo "bench-perfdata: could not fetch $SQLITE_PKG with npm"; exit 1; }
		SQLITE_C=$B/sqlite3.c
	fi
	echo "building the SQLite workload (gcc -O2 -g -fomit-frame-pointer; ~1 min)..."
	gcc -O2 -g -fomit-frame-pointer -DSQLITE_ENABLE_FTS5 -DSQLITE_ENABLE_RTREE -DSQLITE_ENABLE_MATH_FUNCTIONS \
		-DSQLITE_THREADSAFE=0 -I"$(dirname "$SQLITE_C")" -o "$B/sqlite_mix" tests/workloads/symbolize/sqlite_mix.c \
		"$SQLITE_C" -lm
	rm -f "$B/dwarf.data"
fi

record_fp() { # SECONDS
	echo "recording $B/fp.data (perf record -F 4999 -g, $1 s of CPU)..."
	g++ -O2 -g -fno-omit-frame-pointer -mno-omit-leaf-frame-pointer -pthread -o "$B/workload_fp" "$B/workload.cpp"
	perf record -q -F 4999 -g -o "$B/fp.data" -- "$B/workload_fp" "$1" > /dev/null 2>&1
}
samples() { perf script -i "$1" -F tid 2>/dev/null | wc -l; }
if [ ! -s "$B/fp.data" ] || [ "$B/workload.cpp" -nt "$B/fp.data" ]; then
	record_fp "${BENCH_FP_SECONDS:-26}"
fi
nsamples=$(samples "$B/fp.data")
if [ "$nsamples" -lt 100000 ]; then
	# samples lost to a busy machine (throttling): record longer
	record_fp $(( ${BENCH_FP_SECONDS:-26} * 100000 / (nsamples + 1) + 4 ))
	nsamples=$(samples "$B/fp.data")
fi
if [ ! -s "$B/dwarf.data" ]; then
	echo "recording $B/dwarf.data (perf record -F 999 --call-graph dwarf,8192, ${BENCH_DWARF_SECONDS:-20} s of CPU)..."
	perf record -q -F 999 --call-graph dwarf,8192 -o "$B/dwarf.data" -- \
		"$B/sqlite_mix" "${BENCH_DWARF_SECONDS:-20}" "$B/sqlite_mix.db" > /dev/null 2>&1
fi

# cpu CMD: CPU seconds of a shell command line and of every process it starts (perf script's
# addr2line helpers too, which perf never waits for, so rusage would miss them): perf stat's
# task-clock counts the whole tree. The best of RUNS runs (default BENCH_RUNS, 3): the machine is shared.
cpu() {
	local best="" v
	for _ in $(seq "${RUNS:-${BENCH_RUNS:-3}}"); do
		perf stat -x, -e task-clock -o "$B/stat.txt" -- bash -c "$1 > /dev/null 2>&1" || { echo "FAILED: $1" >&2; return 1; }
		v=$(awk -F, '/task-clock/ {printf "%.3f", $1 / 1000}' "$B/stat.txt")
		best=$(awk -v a="$best" -v b="$v" 'BEGIN {print (a == "" || b < a) ? b : a}')
	done
	echo "$best"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.1f", (b > 0 ? a / b : 0)}'; }
# identical WANT OURS: the share of WANT's weight on stacks OURS has with at least that weight
identical() {
	awk 'NR == FNR {c = $NF; $NF = ""; w[$0] = c; t += c; next}
	     {c = $NF; $NF = ""; if ($0 in w) s += (c < w[$0] ? c : w[$0])} END {printf "%.4f", t ? s / t : 0}' "$1" "$2"
}
have_fg=0
[ -n "${FLAMEGRAPH_DIR:-}" ] && [ -f "$FLAMEGRAPH_DIR/stackcollapse-perf.pl" ] && have_fg=1

echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) CPUs)"
echo "fp.data: $nsamples samples, $(du -h "$B/fp.data" | cut -f1)"
t_scorch=$(cpu "'$SCORCH' fold '$B/fp.data'")
t_script=$(cpu "perf script -i '$B/fp.data'")
r_script=$(ratio "$t_script" "$t_scorch")
echo "  scorch fold                          ${t_scorch}s CPU"
echo "  perf script                          ${t_script}s CPU   ${r_script}x scorch (goal >= 4x)"
r_pipe=skipped
if [ $have_fg = 1 ]; then
	t_pipe=$(cpu "perf script -i '$B/fp.data' | perl '$FLAMEGRAPH_DIR/stackcollapse-perf.pl'")
	r_pipe=$(ratio "$t_pipe" "$t_scorch")
	echo "  perf script | stackcollapse-perf.pl  ${t_pipe}s CPU   ${r_pipe}x scorch (goal >= 20x)"
	perf script -i "$B/fp.data" 2>/dev/null | perl "$FLAMEGRAPH_DIR/stackcollapse-perf.pl" > "$B/fp.stackcollapse" 2>/dev/null
	"$SCORCH" fold "$B/fp.data" > "$B/fp.scorch" 2>/dev/null
	echo "  output: $(identical "$B/fp.stackcollapse" "$B/fp.scorch") of the weight on stacks identical to" \
		"stackcollapse-perf.pl's ($(LC_ALL=C sort "$B/fp.stackcollapse" | cmp -s - <(LC_ALL=C sort "$B/fp.scorch") &&
		echo "byte for byte the same lines" || echo "see diff $B/fp.stackcollapse $B/fp.scorch"))"
else
	echo "  perf script | stackcollapse-perf.pl  skipped: set FLAMEGRAPH_DIR to a FlameGraph checkout"
fi

nd=$(samples "$B/dwarf.data")
echo "dwarf.data: $nd samples, $(du -h "$B/dwarf.data" | cut -f1)"
t_dscorch=$(cpu "'$SCORCH' fold '$B/dwarf.data'")
t_dscript=$(RUNS=${BENCH_DWARF_RUNS:-3} cpu "perf script -i '$B/dwarf.data'")
t_dnoinl=$(RUNS=${BENCH_DWARF_RUNS:-3} cpu "perf script --no-inline -i '$B/dwarf.data'")
r_dwarf=$(ratio "$t_dscript" "$t_dscorch")
echo "  scorch fold (inline frames on)       ${t_dscorch}s CPU"
echo "  perf script (inline frames on)       ${t_dscript}s CPU   ${r_dwarf}x scorch (goal >= 70x)"
echo "  perf script --no-inline              ${t_dnoinl}s CPU   $(ratio "$t_dnoinl" "$t_dscorch")x scorch"
# The 70x goal came from perf spending 96x its --no-inline time on inline frames (111 s against
# 1.16 s on a 19k-sample file when the goal was set). Print what that cost is here, and what 70x asks.
echo "  perf's inline resolution costs it $(ratio "$t_dscript" "$t_dnoinl")x its --no-inline time" \
	"(96x when the goal was set); 70x would need scorch fold <= $(awk -v t="$t_dscript" 'BEGIN {printf "%.0f", t * 1000 / 70}') ms"
if [ $have_fg = 1 ]; then
	perf script -i "$B/dwarf.data" 2>/dev/null | perl "$FLAMEGRAPH_DIR/stackcollapse-perf.pl" > "$B/dwarf.stackcollapse" 2>/dev/null
	"$SCORCH" fold "$B/dwarf.data" > "$B/dwarf.scorch" 2>/dev/null
	echo "  output: $(identical "$B/dwarf.stackcollapse" "$B/dwarf.scorch") of the weight on stacks identical to" \
		"stackcollapse-perf.pl's (DWARF unwinding and inline frames)"
fi
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "ratios: perf script ${r_script}x (goal >= 4), perf script | stackcollapse-perf.pl ${r_pipe}x (goal >= 20)," \
	"DWARF + inlines ${r_dwarf}x (goal >= 70)"

#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Symbolization speed: CPU time for 100k addresses with inline chains, scorch vs llvm-symbolizer
# --inlining and GNU addr2line -f -i, in one run, on two address sets of one sizeable -O2 -g binary:
#   real   - addresses from `perf record -g` samples of the binary at work (callchain entries too)
#   random - uniform over its .text
# The binary: SQLite's amalgamation (sqlite3.c, 9 MB of C, as shipped inside the better-sqlite3 npm
# package) built with gcc -O2 -g plus a small insert/query driver; if npm cannot fetch it, scorch
# itself (build/scorch, -O2 -g) stands in. Also reported: scorch's index build time and peak RSS,
# and how many answers agree with llvm-symbolizer. Goals: scorch <= llvm-symbolizer, >= 5x addr2line.
# Usage: scripts/bench-symbolize.sh [N]   (N addresses per set, default 100000)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-100000}
BUILD=${BUILD:-build}
SCORCH=${SCORCH:-$BUILD/scorch}
B=$BUILD/bench-symbolize
mkdir -p "$B"
for t in llvm-symbolizer addr2line /usr/bin/time readelf; do
	command -v $t >/dev/null || { echo "bench-symbolize: $t is needed"; exit 1; }
done
[ -x "$SCORCH" ] || make --no-print-directory "$SCORCH" >/dev/null

SQLITE_PKG=better-sqlite3@12.11.1
if [ ! -x "$B/sqlite_bench" ]; then
	if [ ! -f "$B/sqlite3.c" ]; then
		(cd "$B" && npm pack --silent "$SQLITE_PKG" >/dev/null 2>&1 &&
			tar xzf better-sqlite3-*.tgz --strip-components=3 package/deps/sqlite3/sqlite3.c package/deps/sqlite3/sqlite3.h &&
			rm -f better-sqlite3-*.tgz) || echo "note: could not fetch $SQLITE_PKG with npm"
	fi
	if [ -f "$B/sqlite3.c" ]; then
		echo "building SQLite (gcc -O2 -g, non-PIE so sampled addresses are ELF addresses; ~1 min)..."
		gcc -O2 -g -fno-PIE -no-pie -I"$B" -o "$B/sqlite_bench" tests/workloads/symbolize/sqlite_driver.c "$B/sqlite3.c" -lpthread -lm
	fi
fi
if [ -x "$B/sqlite_bench" ]; then
	BIN=$B/sqlite_bench
	RUN=("$BIN" 300000)
else
	BIN=$SCORCH
	RUN=()
	echo "note: SQLite unavailable; benchmarking on $BIN"
fi
text_size=$(readelf -SW "$BIN" | awk '$2 == ".text" { print $6 }')
echo "binary: $BIN ($(stat -c %s "$BIN") bytes, .text $((16#$text_size)) bytes)"

# uniform over .text
readelf -SW "$BIN" | awk '$2 == ".text" { print $4, $6 }' | {
	read -r addr size
	awk -v lo=$((16#$addr)) -v n=$((16#$size)) -v N="$N" 'BEGIN { srand(42); for (i = 0; i < N; i++) printf "0x%x\n", lo + int(rand() * n) }'
} > "$B/random.addrs"

# real: sampled instruction pointers and callchain return addresses of the binary at work
have_real=0
if [ ${#RUN[@]} -gt 0 ] && command -v perf >/dev/null &&
	perf record -q -F 9999 -g -o "$B/perf.data" -- "${RUN[@]}" >/dev/null 2>&1; then
	# perf script prints file offsets in the binary: move them to ELF addresses (vaddr - offset of the text segment).
	delta=$(readelf -lW "$BIN" | awk '$1 == "LOAD" && ($7 ~ /E/ || $8 ~ /E/) { print $3, $2 }' | { read -r v o; echo $((v - o)); })
	perf script -i "$B/perf.data" -F ip,dso 2>/dev/null |
		awk -v bin="$(basename "$BIN")" -v d="$delta" '
			function hex(s,    i, v) { v = 0; for (i = 1; i <= length(s); i++) v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1; return v }
			index($0, bin) { printf "0x%x\n", d + hex(tolower($1)) }' > "$B/real.all"
	if [ -s "$B/real.all" ]; then
		awk -v N="$N" '{ a[n++] = $0 } END { srand(7); for (i = 0; i < N; i++) print a[int(rand() * n)] }' "$B/real.all" > "$B/real.addrs"
		have_real=1
		echo "real set: $(wc -l < "$B/real.all") sampled addresses ($(sort -u "$B/real.all" | wc -l) distinct), $N drawn"
	fi
fi
[ $have_real = 1 ] || echo "note: perf record unavailable here: no real set"

cpu() { # cpu OUT CMD...: "user+sys seconds" and "peak RSS KiB" of CMD with stdin from $in
	/usr/bin/time -f "%U %S %M" -o "$B/time" "${@:2}" < "$in" > "$1" 2>"$B/stderr" || true
	awk '{ printf "%.3f %d\n", $1 + $2, $3 }' "$B/time"
}

printf '\n%-8s %-22s %9s %10s %s\n' set tool cpu_s peak_MiB notes
for set in real random; do
	[ $set = real ] && [ $have_real = 0 ] && continue
	in=$B/$set.addrs
	read -r s_cpu s_rss < <(cpu "$B/$set.scorch" "$SCORCH" symbolize --stats -f -i -e "$BIN")
	stats=$(cat "$B/stderr")
	read -r l_cpu l_rss < <(cpu "$B/$set.llvm" llvm-symbolizer --inlining --output-style=GNU -f -e "$BIN")
	read -r a_cpu a_rss < <(cpu "$B/$set.a2l" addr2line -f -i -e "$BIN")
	# GNU's "??:?" and "file:?" are llvm's "??:0" and "file:0".
	same=$(sed 's/:?$/:0/' "$B/$set.scorch" | awk 'NR == FNR { a[FNR] = $0; next } a[FNR] == $0 { s++ } END { print s + 0 }' - "$B/$set.llvm")
	lines=$(wc -l < "$B/$set.llvm")
	mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
	printf '%-8s %-22s %9s %10s %s\n' $set "scorch symbolize -f -i" "$s_cpu" "$(mib "$s_rss")" "$stats"
	printf '%-8s %-22s %9s %10s %s\n' $set "llvm-symbolizer" "$l_cpu" "$(mib "$l_rss")" "output lines identical to scorch: $same/$lines"
	printf '%-8s %-22s %9s %10s\n' $set "addr2line -f -i" "$a_cpu" "$(mib "$a_rss")"
	awk -v s="$s_cpu" -v l="$l_cpu" -v a="$a_cpu" -v set=$set 'BEGIN {
		if (s < 0.001) s = 0.001
		printf "%-8s ratio: llvm-symbolizer/scorch %.2fx (goal >= 1), addr2line/scorch %.1fx (goal >= 5)\n", set, l / s, a / s }'
done

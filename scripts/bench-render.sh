#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Render benchmark: a flame graph of a 200k-unique-stack folded file (generated deterministically),
# scorch render against flamegraph.pl measured in the same run: CPU time and peak RSS ratios.
# flamegraph.pl is not a Debian package, so it runs only when FLAMEGRAPH_DIR points at a checkout
# of https://github.com/brendangregg/FlameGraph (otherwise scorch's figures alone are printed).
# Usage: [FLAMEGRAPH_DIR=...] [STACKS=200000] [SCORCH=build/scorch] scripts/bench-render.sh
set -euo pipefail
cd "$(dirname "$0")/.."
SCORCH=${SCORCH:-build/scorch}
STACKS=${STACKS:-200000}
TMP=${TMPDIR:-/tmp}/scorch-bench-render
mkdir -p "$TMP"
[ -x "$SCORCH" ] || { echo "build scorch first (make)" >&2; exit 1; }

# Deterministic input: a call tree of realistic names, fan-out growing with depth, unique stacks,
# sorted like the stackcollapse output that flamegraph.pl is normally given.
IN=$TMP/stacks-$STACKS-v3.folded
if [ ! -s "$IN" ]; then
	echo "generating $STACKS unique stacks into $IN ..."
	perl -e '
		my ($n, $seed) = ($ARGV[0], 42);
		sub rnd { $seed = ($seed * 1103515245 + 12345) % 2147483648; return $seed / 2147483648 }
		my @kinds = ("app::server::Handler::%s_%d", "std::vector<int>::%s_%d", "%s_%d", "sys_%s_%d_[k]",
			     "Ljava/lang/%s%d;::run", "v8::internal::%s_%d", "libc.so.6::%s%d");
		my @words = qw(read write poll handle parse encode decode alloc free lock unlock send recv
			       dispatch compute hash lookup insert update flush sync wait wake schedule copy);
		# 30000 function names, as in a large service; names depend on the path, popular children first
		my @vocab = map { sprintf($kinds[$_ % @kinds], $words[int($_ / @kinds) % @words], int($_ / (@kinds * @words))) } 0 .. 29999;
		my (%seen, $made);
		while ($made < $n) {
			my $depth = 10 + int(rnd() * 41);
			my @st = ("app");
			my $h = 7;
			for my $d (1 .. $depth) {
				my $fan = $d < 4 ? 3 : $d < 10 ? 8 : 24;
				my $c = int(rnd() ** 2 * $fan);
				$h = ($h * 31 + $c * 7919 + $d) % 1000003;
				push @st, $vocab[$h % @vocab];
			}
			my $s = join(";", @st);
			next if $seen{$s}++;
			$made++;
			my $count = 1 + int(rnd() ** 4 * 5000);
			print "$s $count\n";
		}' "$STACKS" | LC_ALL=C sort > "$IN.tmp" # sorted, as stackcollapse-perf.pl writes it
	mv "$IN.tmp" "$IN"
fi
echo "input: $IN ($(wc -l < "$IN") lines, $(du -h "$IN" | cut -f1))"

# measure OUT CMD...: CPU seconds (user+sys) and peak RSS (KiB) of CMD, stdout to OUT
if [ -x /usr/bin/time ]; then
	HOW="GNU time (/usr/bin/time -f '%U %S %M')"
	measure() { local out=$1; shift; /usr/bin/time -f '%U %S %M' -o "$TMP/time" "$@" > "$out"; tail -n 1 "$TMP/time" | awk '{ printf "%.3f %d\n", $1 + $2, $3 }'; }
else
	HOW="getrusage(RUSAGE_CHILDREN) of a small C helper (wait4)"
	cat > "$TMP/rusage.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
int main(int argc, char **argv)
{
	if (argc < 3) return 2;
	pid_t pid = fork();
	if (pid == 0) { if (!freopen(argv[1], "w", stdout)) _exit(127); execvp(argv[2], argv + 2); _exit(127); }
	int st; struct rusage ru;
	if (wait4(pid, &st, 0, &ru) < 0) return 1;
	printf("%.3f %ld\n", ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6, ru.ru_maxrss);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}
C
	gcc -O2 -o "$TMP/rusage" "$TMP/rusage.c"
	measure() { "$TMP/rusage" "$@"; }
fi
echo "measured with $HOW"

read -r s_cpu s_rss < <(measure "$TMP/scorch.svg" "$SCORCH" render "$IN")
echo "scorch render:  cpu ${s_cpu}s  peak rss $((s_rss / 1024)) MiB  svg $(du -h "$TMP/scorch.svg" | cut -f1), $(grep -c '<rect' "$TMP/scorch.svg") rects"
# how much of that is reading the folded text and how much drawing: scorch -v says
"$SCORCH" -v render "$IN" -o "$TMP/scorch-v.svg" 2>&1 >/dev/null | grep 'render: read' | sed 's/^/  /'

if [ -n "${FLAMEGRAPH_DIR:-}" ] && [ -f "$FLAMEGRAPH_DIR/flamegraph.pl" ]; then
	read -r p_cpu p_rss < <(measure "$TMP/flamegraph-pl.svg" perl "$FLAMEGRAPH_DIR/flamegraph.pl" "$IN")
	echo "flamegraph.pl:  cpu ${p_cpu}s  peak rss $((p_rss / 1024)) MiB  svg $(du -h "$TMP/flamegraph-pl.svg" | cut -f1), $(grep -c '<rect' "$TMP/flamegraph-pl.svg") rects"
	awk -v sc="$s_cpu" -v pc="$p_cpu" -v sr="$s_rss" -v pr="$p_rss" 'BEGIN {
		printf "ratio: %.1fx less CPU (goal >= 50x), peak RSS %.3f of flamegraph.pl'"'"'s = 1/%.1f (goal <= 1/10)\n", pc / (sc > 0 ? sc : 0.001), sr / pr, pr / sr }'
	if perl tests/render/compare_frames.pl "$TMP/flamegraph-pl.svg" "$TMP/scorch.svg" > "$TMP/cmp"; then
		echo "same frames: $(cat "$TMP/cmp")"
	else
		echo "FRAMES DIFFER: $(head -3 "$TMP/cmp")"
	fi
else
	echo "flamegraph.pl: skipped (set FLAMEGRAPH_DIR to a FlameGraph checkout to compare)"
fi

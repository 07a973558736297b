#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Regenerate tests/fixtures/perf-script/NAME.OPT.folded with the real stackcollapse-perf.pl (the peer whose output
# `scorch fold` must match). Needs a FlameGraph checkout: FLAMEGRAPH_DIR=/path/to/FlameGraph scripts/update-fold-goldens.sh
set -euo pipefail
cd "$(dirname "$0")/.."
: "${FLAMEGRAPH_DIR:?set FLAMEGRAPH_DIR to a checkout of https://github.com/brendangregg/FlameGraph}"
sc=$FLAMEGRAPH_DIR/stackcollapse-perf.pl
[ -f "$sc" ] || { echo "no $sc" >&2; exit 1; }
for input in tests/fixtures/perf-script/*.txt; do
	base=${input%.txt}
	for opt in default pid tid kernel jit all addrs; do
		flag=()
		[ "$opt" = default ] || flag=("--$opt")
		perl "$sc" "${flag[@]}" "$input" > "$base.$opt.folded" 2>/dev/null
	done
	echo "updated $base.*.folded"
done
# inputs written by `perf script -F+srcline` also get the --srcline answer
for input in tests/fixtures/perf-script/*srcline*.txt; do
	perl "$sc" --srcline "$input" > "${input%.txt}.srcline.folded" 2>/dev/null
	echo "updated ${input%.txt}.srcline.folded"
done

#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The fold + render benchmarks of the Foundation issue in one run: `scorch fold` against
# stackcollapse-perf.pl on >= 50 MB of real `perf script` text (bench-fold.sh), then `scorch render`
# against flamegraph.pl on 200k unique stacks (bench-render.sh). The Perl peers run when
# FLAMEGRAPH_DIR points at a checkout of brendangregg/FlameGraph.
# Usage: [FLAMEGRAPH_DIR=...] [SCORCH=build/scorch] scripts/bench-fold-render.sh
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== fold: scorch fold vs stackcollapse-perf.pl"
scripts/bench-fold.sh
echo
echo "== render: scorch render vs flamegraph.pl"
scripts/bench-render.sh

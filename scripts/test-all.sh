#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Everything `make test` runs after building: unit, golden, the same under ASan+UBSan, the CLI under
# valgrind, live (real BPF), browser, and a short smoke run of each fuzz target. Runs all suites,
# then reports.
set -u
cd "$(dirname "$0")/.."
MAKE=${MAKE:-make}
results=()
status=0
run() {
	local name=$1; shift
	echo
	echo "################ $name"
	if "$@"; then results+=("ok    $name"); else results+=("FAIL  $name"); status=1; fi
}
run unit        $MAKE --no-print-directory unit
run golden      $MAKE --no-print-directory golden
run asan        $MAKE --no-print-directory asan
run valgrind    $MAKE --no-print-directory test-valgrind
run live        $MAKE --no-print-directory test-live
run browser     $MAKE --no-print-directory test-browser
# fixed seed: the smoke run is reproducible; `make fuzz` explores with fresh seeds
run fuzz-smoke  env FUZZ_SEED="${FUZZ_SEED:-1}" $MAKE --no-print-directory fuzz FUZZ_SECONDS="${FUZZ_SMOKE_SECONDS:-10}"
echo
echo "################ summary"
printf '%s\n' "${results[@]}"
exit $status

#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Run one suite of tests (executables or scripts) and report each; exit non-zero if any failed.
# Usage: run-tests.sh SUITE TEST...
# A test passes with exit 0, is skipped with exit 77 (after printing "SKIPPED: reason"), fails otherwise.
# With SCORCH_REQUIRE_LIVE=1 a skipped live or browser test counts as a failure.
set -u
suite=$1; shift
: "${BUILD:=build}"
export SCORCH_FIXTURES="${SCORCH_FIXTURES:-$(cd "$(dirname "$0")/.." && pwd)/../shared/fixtures}"
export TMPDIR="${TMPDIR:-/tmp}"
pass=0 fail=0 skip=0 failed=()
for t in "$@"; do
	[ -e "$t" ] || continue
	name=${t#"$BUILD"/}
	echo "--- $suite: $name"
	start=$(date +%s.%N)
	if [[ $t == *.sh ]]; then bash "$t"; else "$t"; fi
	rc=$?
	secs=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN{printf "%.1f", e-s}')
	if [ $rc -eq 0 ]; then
		pass=$((pass+1)); echo "--- ok   $name (${secs}s)"
	elif [ $rc -eq 77 ]; then
		if [ "${SCORCH_REQUIRE_LIVE:-0}" = 1 ] && { [ "$suite" = live ] || [ "$suite" = browser ]; }; then
			fail=$((fail+1)); failed+=("$name (skipped, but SCORCH_REQUIRE_LIVE=1)")
			echo "--- FAIL $name: skipped but SCORCH_REQUIRE_LIVE=1"
		else
			skip=$((skip+1)); echo "--- skip $name"
		fi
	else
		fail=$((fail+1)); failed+=("$name (exit $rc)"); echo "--- FAIL $name (exit $rc, ${secs}s)"
	fi
done
echo "=== $suite: $pass passed, $fail failed, $skip skipped"
for f in "${failed[@]+"${failed[@]}"}"; do echo "    FAILED: $f"; done
[ $fail -eq 0 ]

# SPDX-License-Identifier: Apache-2.0
# Shared helpers for shell tests (golden, live, browser). Source it: . "$(dirname "$0")/../testlib.sh"
# Exit codes understood by scripts/run-tests.sh: 0 pass, 77 skipped, anything else fails.
set -u
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
: "${BUILD:=build}"
case $BUILD in /*) ;; *) BUILD=$TOP/$BUILD ;; esac
: "${SCORCH:=$BUILD/scorch}"
: "${SCORCH_FIXTURES:=$TOP/../shared/fixtures}"
FIXTURES=$SCORCH_FIXTURES
T_FAILS=0
T_WORK=$(mktemp -d "${TMPDIR:-/tmp}/scorch-test.XXXXXX")
trap 'rm -rf "$T_WORK"' EXIT

# skip REASON: print "SKIPPED: REASON" and exit 77; with SCORCH_REQUIRE_LIVE=1 this fails instead.
skip() {
	echo "SKIPPED: $*"
	if [ "${SCORCH_REQUIRE_LIVE:-0}" = 1 ]; then
		echo "FAIL: a required prerequisite is missing (SCORCH_REQUIRE_LIVE=1)"
		exit 1
	fi
	exit 77
}
fail() { echo "FAIL: $*"; T_FAILS=$((T_FAILS+1)); }
ok() { echo "ok: $*"; }
# check DESCRIPTION CMD...: run CMD, record pass/fail
check() { local d=$1; shift; if "$@"; then ok "$d"; else fail "$d"; fi; }
# finish: exit with the verdict of this script
finish() { if [ "$T_FAILS" -eq 0 ]; then echo "PASS"; exit 0; else echo "$T_FAILS check(s) failed"; exit 1; fi; }
require_fixtures() { [ -d "$FIXTURES" ] || skip "fixtures not found at $FIXTURES (set SCORCH_FIXTURES)"; }
# require_bpf: root or CAP_BPF+CAP_PERFMON, and kernel BTF
require_bpf() {
	[ -r /sys/kernel/btf/vmlinux ] || skip "no kernel BTF at /sys/kernel/btf/vmlinux"
	if [ "$(id -u)" != 0 ]; then
		capsh --print 2>/dev/null | grep -q cap_bpf || skip "need root or CAP_BPF+CAP_PERFMON"
	fi
}

# SPDX-License-Identifier: Apache-2.0
# Helpers for the `scorch record` live tests (tests/live/record_*.sh); source after tests/testlib.sh.

WL_SRC=$TOP/tests/workloads

# build_workload OUT SRC CC FLAGS...: compile a workload into $T_WORK/OUT (skip the test if CC is missing).
build_workload() {
	local out=$1 src=$2 cc=$3
	shift 3
	command -v "$cc" >/dev/null || skip "$cc not installed"
	"$cc" "$@" -g -pthread -o "$T_WORK/$out" "$WL_SRC/$src" || { fail "cannot build $out with $cc $*"; finish; }
}

# fsum FILE [ERE]: the sum of the counts of the folded lines matching ERE (all lines without one).
fsum() {
	awk -v re="${2:-}" '{ n = $NF; line = $0; sub(/ [0-9]+$/, "", line); if (re == "" || line ~ re) s += n }
		END { printf "%d\n", s }' "$1"
}

# ratio A B: A/B with 4 decimals (0 when B is 0).
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print 0; else printf "%.4f\n", a / b }'
}

# ge X Y / le X Y / between X LO HI: numeric comparisons of decimals.
ge() { awk -v x="$1" -v y="$2" 'BEGIN { exit !(x >= y) }'; }
le() { awk -v x="$1" -v y="$2" 'BEGIN { exit !(x <= y) }'; }
between() { awk -v x="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(x >= lo && x <= hi) }'; }

# check_ratio DESC PART TOTAL MIN: check that PART/TOTAL >= MIN, printing the numbers.
check_ratio() {
	local r
	r=$(ratio "$2" "$3")
	if [ "$3" -gt 0 ] && ge "$r" "$4"; then ok "$1: $2/$3 = $r >= $4"; else fail "$1: $2/$3 = $r < $4"; fi
}

# record ARGS...: run scorch record, keeping stderr in $T_WORK/record.err; returns its exit code.
# $RECORD_GLOBAL holds global options (-v) put before "record". A recording that does not end
# by itself within 60 s is stopped (exit 124), so a broken end condition fails instead of hanging.
record() {
	timeout -k 5 60 "$SCORCH" ${RECORD_GLOBAL:-} record "$@" 2>"$T_WORK/record.err"
	local rc=$?
	if [ $rc -ne 0 ]; then sed 's/^/  stderr: /' "$T_WORK/record.err"; fi
	return $rc
}

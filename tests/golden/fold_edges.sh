#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# scorch fold on hand-made perf script inputs full of edge cases (tests/fixtures/perf-script/NAME.txt): the output
# must equal NAME.OPT.folded, which the real stackcollapse-perf.pl printed (scripts/update-fold-goldens.sh).
# Also checks the stderr reports: malformed lines with their line numbers and a count.
. "$(dirname "$0")/../testlib.sh"
DIR=$TOP/tests/fixtures/perf-script
n=0
for input in "$DIR"/*.txt; do
	name=$(basename "$input" .txt)
	for opt in default pid tid kernel jit all addrs; do
		flag=()
		[ "$opt" = default ] || flag=("--$opt")
		"$SCORCH" fold "${flag[@]}" "$input" > "$T_WORK/out" 2>/dev/null || fail "$name.$opt: exit $?"
		if cmp -s "$DIR/$name.$opt.folded" "$T_WORK/out"; then
			ok "$name.$opt"
		else
			fail "$name.$opt"
			diff "$DIR/$name.$opt.folded" "$T_WORK/out" | head -n 8 | cat -A | sed 's/^/    /'
		fi
		n=$((n + 1))
	done
done
[ $n -ge 28 ] || fail "ran only $n cases"
# perf script -F+srcline text with --srcline
for exp in "$DIR"/*.srcline.folded; do
	input=${exp%.srcline.folded}.txt
	"$SCORCH" fold --srcline "$input" > "$T_WORK/out" 2>/dev/null || fail "$(basename "$input") --srcline: exit $?"
	if cmp -s "$exp" "$T_WORK/out"; then ok "$(basename "$input") --srcline"; else
		fail "$(basename "$input") --srcline"; diff "$exp" "$T_WORK/out" | head -n 8 | sed 's/^/    /'; fi
done

# The two lines of quirks.txt that stackcollapse-perf.pl warns about ("Unrecognized line"), by number.
"$SCORCH" fold "$DIR/quirks.txt" > /dev/null 2> "$T_WORK/err"
l1=$(grep -an '^this line is not perf script$' "$DIR/quirks.txt" | cut -d: -f1)
l2=$(grep -an 'neither is this one$' "$DIR/quirks.txt" | cut -d: -f1)
check "malformed line $l1 reported" grep -q "quirks.txt:$l1: unrecognized line: 'this line is not perf script'" "$T_WORK/err"
check "malformed line $l2 reported" grep -q "quirks.txt:$l2: unrecognized line:" "$T_WORK/err"
check "malformed count printed" grep -q "skipped 2 malformed lines of" "$T_WORK/err"
check "--quiet keeps only the count" bash -c "'$SCORCH' fold -q '$DIR/quirks.txt' 2>&1 >/dev/null | grep -c . | grep -qx 1"

# Many malformed lines: the first 10 are printed, then only the total.
{ for i in $(seq 1 50); do echo "garbage-$i-here"; done; cat "$DIR/pid_tid.txt"; } > "$T_WORK/many.txt"
"$SCORCH" fold "$T_WORK/many.txt" > "$T_WORK/out" 2> "$T_WORK/err"
check "exit 0 with malformed lines" test $? -eq 0
check "10 malformed lines printed" test "$(grep -c 'unrecognized line' "$T_WORK/err")" -eq 10
check "total of 50 printed" grep -q "skipped 50 malformed lines of" "$T_WORK/err"
check "the good samples still folded" cmp -s "$DIR/pid_tid.default.folded" "$T_WORK/out"

# Folded input with bad lines: the good ones pass, the bad ones are reported by line number.
printf 'a;b 3\nno count here\na;b 2\nx;y 1.5.5\n\nc 7\n' > "$T_WORK/bad.folded"
"$SCORCH" fold "$T_WORK/bad.folded" > "$T_WORK/out" 2> "$T_WORK/err"
printf 'a;b 5\nc 7\n' > "$T_WORK/exp"
check "folded: good lines kept" cmp -s "$T_WORK/exp" "$T_WORK/out"
check "folded: line 2 reported" grep -q "bad.folded:2: no count at the end of the line: 'no count here'" "$T_WORK/err"
check "folded: line 4 reported" grep -q "bad.folded:4: " "$T_WORK/err"
check "folded: count printed" grep -q "skipped 2 malformed lines of 6" "$T_WORK/err"

# pid/tid/comm filters keep the matching lines of stackcollapse-perf.pl's output (pid_tid.txt has pid/tid fields).
grep '^client;' "$DIR/pid_tid.default.folded" > "$T_WORK/exp"
"$SCORCH" fold --filter-pid 400 "$DIR/pid_tid.txt" > "$T_WORK/out" 2>/dev/null
check "--filter-pid" cmp -s "$T_WORK/exp" "$T_WORK/out"
grep '^server;start_thread;' "$DIR/pid_tid.default.folded" > "$T_WORK/exp"
"$SCORCH" fold --filter-comm server --filter-tid 301,999 "$DIR/pid_tid.txt" > "$T_WORK/out" 2>/dev/null
check "--filter-comm with --filter-tid" cmp -s "$T_WORK/exp" "$T_WORK/out"

# A differential folded file keeps its two columns.
printf 'a;b 1 2\nc 3 0\na;b 1 1\n' | "$SCORCH" fold > "$T_WORK/out" 2>/dev/null
printf 'a;b 2 3\nc 3 0\n' > "$T_WORK/exp"
check "differential folded input" cmp -s "$T_WORK/exp" "$T_WORK/out"

# perf.data is told by content: through a pipe (its magic read first) it folds as from the file.
data=$FIXTURES/perf/a_cpu_fp.data
if [ -f "$data" ]; then
	"$SCORCH" fold "$data" > "$T_WORK/file.folded" 2>/dev/null
	rc=$?
	cat "$data" | "$SCORCH" fold > "$T_WORK/pipe.folded" 2>/dev/null
	check "perf.data from a pipe (exit $rc)" bash -c "[ $rc -eq 0 ] && [ -s '$T_WORK/file.folded' ] && cmp -s '$T_WORK/file.folded' '$T_WORK/pipe.folded'"
fi

# Usage errors exit 2, missing files exit 1 with the file named.
"$SCORCH" fold --count bogus /dev/null > /dev/null 2>&1
check "bad --count exits 2" test $? -eq 2
"$SCORCH" fold "$T_WORK/does-not-exist" > /dev/null 2> "$T_WORK/err"
check "missing input exits 1" test $? -eq 1
check "missing input named" grep -q "cannot open '$T_WORK/does-not-exist'" "$T_WORK/err"
"$SCORCH" fold --help > "$T_WORK/help"
check "--help on stdout with examples" grep -q "^examples:" "$T_WORK/help"
finish

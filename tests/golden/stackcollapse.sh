#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# scorch fold against stackcollapse-perf.pl's own answers: the 13 FlameGraph test inputs x 7 options
# (../shared/fixtures/stackcollapse), and perf script text of the real perf.data fixtures (golden/*.script.txt
# folded by stackcollapse-perf.pl into golden/*.collapsed.txt). Output must match byte for byte.
. "$(dirname "$0")/../testlib.sh"
require_fixtures
SC=$FIXTURES/stackcollapse
[ -d "$SC/inputs" ] || skip "no stackcollapse fixtures at $SC"

# compare DESC EXPECTED GOT: byte equality, with the head of the diff on a mismatch
compare() {
	if cmp -s "$2" "$3"; then
		ok "$1"
	else
		fail "$1"
		diff "$2" "$3" | head -n 8 | sed 's/^/    /'
	fi
}

n=0
for input in "$SC"/inputs/*.txt; do
	name=$(basename "$input" .txt)
	for opt in default pid tid kernel jit all addrs; do
		flag=()
		[ "$opt" = default ] || flag=("--$opt")
		exp=$SC/expected/$name.$opt.folded
		[ -f "$exp" ] || { fail "$name.$opt: expected file missing"; continue; }
		"$SCORCH" fold "${flag[@]}" "$input" > "$T_WORK/out" 2> "$T_WORK/err"
		rc=$?
		[ $rc -eq 0 ] || fail "$name.$opt: exit $rc: $(head -c 300 "$T_WORK/err")"
		compare "$name.$opt" "$exp" "$T_WORK/out"
		n=$((n + 1))
	done
done
[ $n -eq 91 ] || fail "expected 91 (input, option) pairs, ran $n"

# perf script text of real perf 6.1 recordings
for script in "$FIXTURES"/perf/golden/*.script.txt; do
	name=$(basename "$script" .script.txt)
	exp=$FIXTURES/perf/golden/$name.collapsed.txt
	[ -f "$exp" ] || continue
	"$SCORCH" fold "$script" > "$T_WORK/out" 2> "$T_WORK/err" || fail "$name: exit $?"
	compare "perf script of $name" "$exp" "$T_WORK/out"
done

# stdin, gzip, -o and merging take the same path
in=$SC/inputs/perf-java-stacks-01.txt
exp=$SC/expected/perf-java-stacks-01.tid.folded
"$SCORCH" fold --tid < "$in" > "$T_WORK/out" 2>/dev/null
compare "stdin" "$exp" "$T_WORK/out"
gzip -c "$in" | "$SCORCH" fold --tid - > "$T_WORK/out" 2>/dev/null
compare "gzip on stdin" "$exp" "$T_WORK/out"
gzip -c "$in" > "$T_WORK/in.gz"
"$SCORCH" fold --tid "$T_WORK/in.gz" -o "$T_WORK/o.folded" 2>/dev/null
compare "-o FILE from a gzip file" "$exp" "$T_WORK/o.folded"
ls "$T_WORK" | grep -q '\.tmp\.' && fail "a temporary output file was left behind"
# the same input twice: every count doubles (expected computed from the Perl's output)
awk '{ n = $NF; $NF = ""; sub(/ $/, ""); print $0 " " 2 * n }' "$exp" > "$T_WORK/exp2"
"$SCORCH" fold --tid "$in" "$in" > "$T_WORK/out" 2>/dev/null
compare "two inputs merge" "$T_WORK/exp2" "$T_WORK/out"
# folded text folds to itself
"$SCORCH" fold "$exp" > "$T_WORK/out" 2>/dev/null
compare "folded input round-trips" "$exp" "$T_WORK/out"
# perf script and its folded result mixed: counts add
"$SCORCH" fold --tid "$in" "$exp" > "$T_WORK/out" 2>/dev/null
compare "perf script + folded merge" "$T_WORK/exp2" "$T_WORK/out"

# --event-filter picks the other event of a two-event input; the default says what it left out
cyc=$SC/inputs/perf-cycles-instructions-01.txt
"$SCORCH" fold "$cyc" > /dev/null 2> "$T_WORK/err"
check "default event: other event reported" grep -q "left out 111 samples of other events (first: 'cycles')" "$T_WORK/err"
"$SCORCH" fold --event-filter cycles "$cyc" > "$T_WORK/c" 2>/dev/null
"$SCORCH" fold --event-filter instructions "$cyc" > "$T_WORK/i" 2>/dev/null
compare "--event-filter instructions = default" "$SC/expected/perf-cycles-instructions-01.default.folded" "$T_WORK/i"
# every sample is either cycles or instructions: the two filtered outputs sum to the sample count
total=$(cat "$T_WORK/c" "$T_WORK/i" | awk '{ s += $NF } END { print s }')
headers=$(grep -cE '(cycles|instructions): *$' "$cyc")
check "--event-filter cycles + instructions = all $headers samples" [ "$total" = "$headers" ]

# an input that ends inside a sample: the same output as the Perl, and a warning
"$SCORCH" fold "$SC/inputs/perf-dd-stacks-01.txt" > /dev/null 2> "$T_WORK/err"
check "cut-off last sample reported" grep -q "last sample was cut off" "$T_WORK/err"
finish

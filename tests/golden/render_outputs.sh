#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Output choice and content: -o's extension picks SVG / folded / d3 JSON / speedscope (several -o
# at once), --format overrides it, stdout is SVG; files are replaced atomically (a failure leaves
# the old file and no temporary); folded output reproduces stackcollapse-perf.pl's files and
# `scorch diff -o x.folded` difffolded.pl's; JSON totals equal the input's counts.
. "$(dirname "$0")/../testlib.sh"
require_fixtures
W=$T_WORK
IN=$FIXTURES/stackcollapse/expected
CASES=$TOP/tests/fixtures/render
JCHECK=$TOP/tests/render/json_check.pl
sum() { awk '{ s += $NF } END { print s + 0 }' "$1"; }

f=$IN/perf-vertx-stacks-01.default.folded
total=$(sum "$f")
"$SCORCH" render "$f" -o "$W/a.svg" -o "$W/a.json" -o "$W/a.speedscope.json" -o "$W/a.folded" -o "$W/a.txt" -o "$W/A.SVG" ||
	fail "render with six outputs failed"
check "svg by extension" grep -q '^<svg version="1.1"' "$W/a.svg"
check "svg extension is case-insensitive" cmp -s "$W/a.svg" "$W/A.SVG"
check "folded output is stackcollapse-perf.pl's file, byte for byte" cmp -s "$f" "$W/a.folded"
check ".txt is folded too" cmp -s "$f" "$W/a.txt"
check "d3 JSON parses" perl "$JCHECK" "$W/a.json"
check "speedscope JSON parses" perl "$JCHECK" "$W/a.speedscope.json"
root=$(perl -ne 'print $1 if /,"value":(\d+)\}\s*\z/' "$W/a.json")
[ "$root" = "$total" ] && ok "d3 root value $root = the input's total" || fail "d3 root value '$root', input total $total"
grep -q '"$schema":"https://www.speedscope.app/file-format-schema.json"' "$W/a.speedscope.json" && ok "speedscope schema URL" || fail "no speedscope \$schema"
wsum=$(perl -ne 'if (/"weights":\[([\d,]*)\]/) { my $s = 0; $s += $_ for split /,/, $1; print $s }' "$W/a.speedscope.json")
[ "$wsum" = "$total" ] && ok "speedscope weights sum to $wsum" || fail "speedscope weights sum '$wsum', input total $total"

"$SCORCH" render "$f" --format json -o "$W/x.svg" && perl "$JCHECK" "$W/x.svg" >/dev/null && ok "--format overrides the extension" || fail "--format json"
"$SCORCH" render < "$f" > "$W/stdout.svg" && cmp -s "$W/stdout.svg" "$W/a.svg" && ok "stdin to stdout is the same SVG" || fail "stdin/stdout SVG differs"
for i in 1 2 3; do "$SCORCH" render "$f" -o "$W/r$i.svg"; done
cmp -s "$W/r1.svg" "$W/r3.svg" && ok "rendering is deterministic" || fail "two renders differ"

# atomic replacement: a failed write keeps the old file and leaves no temporary behind
echo old > "$W/keep.svg"
if "$SCORCH" render "$f" --value nosuch -o "$W/keep.svg" 2>"$W/err"; then fail "--value nosuch accepted"; fi
check "a failed render keeps the old file" grep -qx old "$W/keep.svg"
grep -q "no value type 'nosuch'" "$W/err" && ok "says which value type is missing" || fail "error: $(cat "$W/err")"
"$SCORCH" render "$f" -o "$W/keep.svg" && check "a good render replaces it" grep -q '<svg' "$W/keep.svg"
[ -z "$(ls "$W" | grep '\.tmp\.')" ] && ok "no temporary files left" || fail "temporary files left: $(ls "$W" | grep '\.tmp\.')"
# a non-regular target (a FIFO here, like /dev/null or /dev/stdout) is written in place, not
# renamed over: a rename would replace the device node
mkfifo "$W/fifo"
cat "$W/fifo" > "$W/from-fifo.svg" &
reader=$!
"$SCORCH" render "$f" -o "$W/fifo" || fail "render into a FIFO failed"
wait "$reader"
[ -p "$W/fifo" ] && cmp -s "$W/from-fifo.svg" "$W/a.svg" && ok "a FIFO target stays a FIFO and gets the SVG" || fail "FIFO target replaced or wrong data"
"$SCORCH" render "$f" -o "$W/x.data" 2>"$W/err"; rc=$?
[ $rc = 2 ] && [ ! -e "$W/x.data" ] && grep -q "not supported yet" "$W/err" && ok "perf.data output refused up front (exit 2, no file)" || fail "perf.data: exit $rc $(cat "$W/err")"
"$SCORCH" render "$f" -o "$W/x.pb.gz" 2>"$W/err" && gzip -t "$W/x.pb.gz" && ok "pprof written by extension (gzip stream; contents checked in pprof_go.sh)" || fail "pprof: $(cat "$W/err")"
"$SCORCH" render "$f" -o /nonexistent-dir/x.svg 2>"$W/err"; rc=$?
[ $rc = 1 ] && grep -q "/nonexistent-dir/x.svg" "$W/err" && ok "unwritable path: exit 1 naming it" || fail "unwritable: exit $rc $(cat "$W/err")"
printf '' | "$SCORCH" render > "$W/empty.svg" 2>"$W/err"; rc=$?
[ $rc = 1 ] && grep -q "ERROR: No valid input" "$W/empty.svg" && ok "empty input: an SVG saying so, exit 1 (as flamegraph.pl)" || fail "empty input: exit $rc"

# scorch diff A B -o x.folded is difffolded.pl A B (sorted), from tests/fixtures/render/*.difffolded
while IFS='|' read -r name kind inputs opts; do
	name=$(echo "$name" | xargs); kind=$(echo "$kind" | xargs)
	[ "$kind" = diff ] || continue
	read -r -a ins <<<"$inputs"; read -r -a op <<<"$opts"
	dopts=(); for o in "${op[@]+"${op[@]}"}"; do case $o in -n|-s) dopts+=("$o") ;; esac; done
	"$SCORCH" diff "${dopts[@]+"${dopts[@]}"}" "$IN/${ins[0]}.folded" "$IN/${ins[1]}.folded" -o "$W/$name.folded"
	check "diff $name ${dopts[*]+"${dopts[*]}"}: folded output is difffolded.pl's" cmp -s "$CASES/$name.difffolded" "$W/$name.folded"
done < "$CASES/cases.txt"
"$SCORCH" diff "$IN/perf-vertx-stacks-01.default.folded" "$IN/perf-vertx-stacks-01.kernel.folded" -o "$W/d.svg" -o "$W/d.json"
"$SCORCH" render "$CASES/diff-vertx.difffolded" -o "$W/r.svg"
check "rendering difffolded.pl's file gives the same SVG as scorch diff" cmp -s "$W/d.svg" "$W/r.svg"
grep -q '"delta":' "$W/d.json" && ok "differential JSON carries deltas" || fail "no delta in the differential JSON"

# --value A+B: both columns of a differential file summed into one graph
a=$(awk '{ s += $(NF-1) } END { print s }' "$CASES/diff-vertx.difffolded"); b=$(awk '{ s += $NF } END { print s }' "$CASES/diff-vertx.difffolded")
"$SCORCH" render "$CASES/diff-vertx.difffolded" --value before+after -o "$W/both.svg"
grep -q "<title>all ($((a + b)) samples, 100%)</title>" "$W/both.svg" && ok "--value before+after draws $((a + b)) = $a + $b" || fail "--value before+after: $(grep -o '<title>all[^<]*' "$W/both.svg")"
"$SCORCH" render "$CASES/diff-vertx.difffolded" --value before -o "$W/before.svg"
grep -q "<title>all ($a samples, 100%)</title>" "$W/before.svg" && ok "--value before draws $a" || fail "--value before: $(grep -o '<title>all[^<]*' "$W/before.svg")"
finish

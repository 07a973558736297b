#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# scorch render / scorch diff against flamegraph.pl (+ difffolded.pl): every frame rectangle of
# flamegraph.pl's SVG appears in ours with the same name and y, x and width within 1 px; and,
# since our colours and info texts follow flamegraph.pl's, those must match exactly too.
# The reference SVGs are tests/fixtures/render/*.flamegraph-pl.svg, made by the real Perl
# scripts (scripts/regen-render-fixtures.sh) from the stackcollapse conformance set.
. "$(dirname "$0")/../testlib.sh"
require_fixtures
command -v xmllint >/dev/null || skip "xmllint not installed (apt-get install libxml2-utils)"
IN=$FIXTURES/stackcollapse/expected
CASES=$TOP/tests/fixtures/render
CMP=$TOP/tests/render/compare_frames.pl
n=0
while IFS='|' read -r name kind inputs opts; do
	name=$(echo "$name" | xargs); kind=$(echo "$kind" | xargs)
	[ -z "$name" ] || [[ $name == \#* ]] && continue
	read -r -a ins <<<"$inputs"
	read -r -a op <<<"$opts"
	files=(); for i in "${ins[@]}"; do files+=("$IN/$i.folded"); done
	ref=$CASES/$name.flamegraph-pl.svg
	out=$T_WORK/$name.svg
	if [ ! -f "$ref" ]; then fail "$name: no reference $ref (run scripts/regen-render-fixtures.sh)"; continue; fi
	if [ "$kind" = diff ]; then cmd=(diff); else cmd=(render); fi
	if ! "$SCORCH" "${cmd[@]}" "${files[@]}" "${op[@]+"${op[@]}"}" -o "$out" 2>"$T_WORK/err"; then
		fail "$name: scorch ${cmd[*]} failed: $(head -c 300 "$T_WORK/err")"; continue
	fi
	check "$name: well-formed XML" xmllint --noout "$out"
	if summary=$(perl "$CMP" --exact "$ref" "$out"); then
		ok "$name: ${summary//$'\n'/ }"
	else
		fail "$name: ${summary//$'\n'/ }"
	fi
	n=$((n+1))
done < "$CASES/cases.txt"
[ "$n" -ge 10 ] || fail "only $n cases ran"

# flamegraph.pl drops the root when --total makes it narrower than --minwidth; we keep it
# (one extra frame), and every one of its frames must still be there.
"$SCORCH" render "$IN/perf-js-stacks-01.default.folded" --total 100000 -o "$T_WORK/total.svg"
check "huge --total keeps the root frame" grep -q '<title>all (100,000 samples, 100%)</title>' "$T_WORK/total.svg"
finish

#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# scorch symbolize against the shared fixtures' reference answers:
#  1. every instruction address of the fixture binaries vs llvm-symbolizer --inlining (golden/symbolize/);
#  2. every user and kernel frame `perf script` printed in the fixture recordings (symbol+offset):
#     the fixture binaries, Debian's libc named through libc6-dbg's build-id debug file (e.g.
#     msort_with_tmp.part.0, __GI___qsort_r, clock_nanosleep@GLIBC_2.2.5: perf's choice among aliases),
#     and kernel symbols from the recording boot's kallsyms.
. "$(dirname "$0")/../testlib.sh"
require_fixtures
FX=$FIXTURES/perf
SRC=$TOP/tests/workloads/symbolize
W=$T_WORK

# ---- 1. llvm-symbolizer's answers for the fixture binaries ----
for addrs in "$FX"/golden/symbolize/*.addrs; do
	b=$(basename "$addrs" .addrs)
	"$SCORCH" symbolize -a -f -i -e "$FX/bin/$b" < "$addrs" > "$W/$b.scorch" || fail "$b: scorch symbolize failed"
	awk -v label="$b" -f "$SRC/compare.awk" "$W/$b.scorch" "$FX/golden/symbolize/$b.llvm-gnu.txt" > "$W/$b.cmp"
	grep -v '^SUMMARY' "$W/$b.cmp" | head -20
	s=$(grep '^SUMMARY' "$W/$b.cmp")
	echo "$s"
	set -- $s
	check "$b: every address as llvm-symbolizer --inlining answers" [ "${6#unexplained=}" -eq 0 -a "${3#total=}" -gt 100 ]
done

# ---- 2. perf script's names ----
# "\t   ADDR SYM+0xOFF (DSO)" lines; the inlined ones come from perf's addr2line run and are left out.
cat "$FX"/golden/*.script.txt | awk '
	/^\t/ && $NF ~ /^\(.*\)$/ && $NF != "(inlined)" && $2 != "[unknown]" {
		dso = $NF; gsub(/[()]/, "", dso); print dso, $1, $2
	}' | sort -u > "$W/frames"
echo "perf frames: $(wc -l < "$W/frames") distinct (module, address, name)"

libc=/usr/lib/x86_64-linux-gnu/libc.so.6
libc_id=$(awk '$2 == "/usr/lib/x86_64-linux-gnu/libc.so.6" { print $1 }' "$FX/bin/BUILD_IDS.all.txt")
have_libc=0
if [ -r "$libc" ] && [ "$(readelf -n "$libc" 2>/dev/null | awk '/Build ID/ { print $3 }')" = "$libc_id" ] &&
	[ -r "/usr/lib/debug/.build-id/${libc_id:0:2}/${libc_id:2}.debug" ]; then
	have_libc=1
else
	echo "note: this machine's libc or libc6-dbg is not the recording's ($libc_id): libc frames not checked"
fi
xz -dc "$FX/bin/kallsyms.xz" > "$W/kallsyms"

checked=0 bad=0
while read -r dso; do
	case $dso in
	/tmp/scorch-fx/bin/*) opts=(-e "$FX/bin/${dso##*/}") ;;
	"$libc") [ $have_libc = 1 ] || continue; opts=(-e "$libc") ;;
	"[kernel.kallsyms]") opts=(--kernel --kallsyms "$W/kallsyms") ;;
	*) continue ;;
	esac
	awk -v d="$dso" '$1 == d { print $2 }' "$W/frames" > "$W/q"
	awk -v d="$dso" '$1 == d { print $3 }' "$W/frames" > "$W/want"
	"$SCORCH" symbolize --perf "${opts[@]}" < "$W/q" | sed 's/ ([^)]*)$//' > "$W/got"
	n=$(wc -l < "$W/q")
	diffs=$(paste -d' ' "$W/q" "$W/want" "$W/got" | awk '$2 != $3')
	if [ -n "$diffs" ]; then
		echo "$dso: perf and scorch disagree (address, perf, scorch):"
		echo "$diffs" | head -20
		bad=$((bad + $(echo "$diffs" | wc -l)))
	fi
	checked=$((checked + n))
	echo "$dso: $n frames"
done < <(awk '{ print $1 }' "$W/frames" | sort -u)
echo "perf names: $checked frames checked, $bad differ"
check "perf frames checked" [ "$checked" -gt 100 ]
check "names and offsets as perf script prints them" [ "$bad" -eq 0 ]
if [ $have_libc = 1 ]; then
	check "libc internals named via libc6-dbg (msort_with_tmp)" grep -q 'msort_with_tmp' "$W/frames"
fi
finish

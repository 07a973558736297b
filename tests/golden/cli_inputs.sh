#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The input options shared by fold, render and diff (cli/input.c): the same perf.data read with
# --kallsyms/--debug-dir/--event/--filter-* gives the same stacks whichever command reads it,
# matching perf's own stackcollapse golden; bad option values are usage errors (exit 2).
. "$(dirname "$0")/../testlib.sh"
require_fixtures
P=$FIXTURES/perf
[ -f "$P/a_mt_fp.data" ] || skip "perf fixtures missing under $P"
K=$T_WORK/kallsyms
xz -dc "$P/bin/kallsyms.xz" > "$K" || { fail "cannot unpack kallsyms"; finish; }
IN=(--kallsyms "$K" --debug-dir "$P/bin")

# render and fold read perf.data with the same options and agree with perf's golden
"$SCORCH" fold "${IN[@]}" "$P/a_cpu_fp.data" > "$T_WORK/fold.folded" 2>"$T_WORK/err"
check "fold a_cpu_fp.data = golden collapsed" cmp -s "$T_WORK/fold.folded" "$P/golden/a_cpu_fp.collapsed.txt"
"$SCORCH" render "${IN[@]}" "$P/a_cpu_fp.data" -o "$T_WORK/render.folded" 2>"$T_WORK/err"
check "render --kallsyms --debug-dir -o x.folded = golden collapsed" cmp -s "$T_WORK/render.folded" "$P/golden/a_cpu_fp.collapsed.txt"

# --event picks the second event of a two-event file in every command
"$SCORCH" fold "${IN[@]}" --event sched:sched_switch "$P/f_sleeper_multi.data" > "$T_WORK/ev.fold" 2>/dev/null
"$SCORCH" render "${IN[@]}" --event sched:sched_switch "$P/f_sleeper_multi.data" -o "$T_WORK/ev.render.folded" 2>/dev/null
check "render --event = fold --event" cmp -s "$T_WORK/ev.fold" "$T_WORK/ev.render.folded"
if grep -q 'schedule' "$T_WORK/ev.fold" && ! grep -q 'burn' "$T_WORK/ev.fold"; then
	ok "--event sched:sched_switch folds switch-out stacks only"
else
	fail "--event sched:sched_switch: unexpected stacks"
fi

# filters: by thread name, on perf.data; every kept root frame is that thread
"$SCORCH" fold "${IN[@]}" --filter-comm mt-sort "$P/a_mt_fp.data" > "$T_WORK/comm.folded" 2>/dev/null
roots=$(cut -d';' -f1 "$T_WORK/comm.folded" | sort -u | tr '\n' ' ')
[ "$roots" = "mt-sort " ] && ok "--filter-comm mt-sort keeps only mt-sort" || fail "--filter-comm: roots '$roots'"
"$SCORCH" fold "${IN[@]}" --filter-tid 1 "$P/a_mt_fp.data" > "$T_WORK/none.folded" 2>"$T_WORK/none.err"
[ ! -s "$T_WORK/none.folded" ] && grep -q "left out by the pid/tid/comm filters" "$T_WORK/none.err" \
	&& ok "a filter matching nothing says so" || fail "--filter-tid 1: $(cat "$T_WORK/none.err")"

# diff reads perf.data too, with the same options: A against itself has no change
"$SCORCH" diff "${IN[@]}" "$P/a_cpu_fp.data" "$P/a_cpu_fp.data" -o "$T_WORK/self.folded" 2>/dev/null
awk '$(NF-1) != $NF { bad++ } END { exit bad ? 1 : 0 }' "$T_WORK/self.folded" && [ -s "$T_WORK/self.folded" ] \
	&& ok "diff of a perf.data with itself: every line unchanged" || fail "diff self: changed lines"

# a pprof profile is told apart from text whatever order its fields come in: scorch's own (sample_type
# first) folds to the stacks it was written from, gzipped or not; the bytes Go's runtime/pprof starts a
# CPU profile with (time_nanos 9, duration_nanos 10, period_type 11 {type 1, unit 2}, period 12:
# hand-encoded), cut there, is a damaged pprof profile: one message with the offset, not text errors
"$SCORCH" render "${IN[@]}" "$P/a_cpu_fp.data" -o "$T_WORK/own.pb.gz" 2>/dev/null
zcat "$T_WORK/own.pb.gz" > "$T_WORK/own.pb"
for f in own.pb.gz own.pb; do
	"$SCORCH" fold "$T_WORK/$f" > "$T_WORK/own.folded" 2>"$T_WORK/pp.err"; rc=$?
	[ $rc = 0 ] && cmp -s "$T_WORK/own.folded" "$P/golden/a_cpu_fp.collapsed.txt" &&
		ok "$f: read as pprof, the stacks it was written from" || fail "$f: exit $rc: $(head -3 "$T_WORK/pp.err")"
done
printf '\x48\xc1\xc6\x9e\x84\x82\xd3\x94\xf5\x18\x50\x80\xa8\xd6\xb9\x07\x5a\x04\x08\x01\x10\x02\x60\x80\xad\xe2\x04' \
	> "$T_WORK/go.pb"
gzip -c "$T_WORK/go.pb" > "$T_WORK/go.pb.gz"
for f in go.pb go.pb.gz; do
	"$SCORCH" fold "$T_WORK/$f" >/dev/null 2>"$T_WORK/pp.err"; rc=$?
	[ $rc = 1 ] && [ "$(wc -l < "$T_WORK/pp.err")" = 1 ] &&
		grep -q "^scorch: cannot read '$T_WORK/$f': damaged pprof profile at byte 0: " "$T_WORK/pp.err" &&
		ok "$f: a pprof head without its tables: one message" || fail "$f: exit $rc: $(head -3 "$T_WORK/pp.err")"
done
# text that starts like a protobuf (a blank line) is still text
printf '\nmain;work 3\n' > "$T_WORK/blank.folded"
[ "$("$SCORCH" fold "$T_WORK/blank.folded" 2>&1)" = "main;work 3" ] && ok "folded text after a blank line still folds" ||
	fail "blank.folded: $("$SCORCH" fold "$T_WORK/blank.folded" 2>&1 | head -2)"

# usage errors: exit 2 with the command's name and a hint
for cmd in fold render; do
	"$SCORCH" $cmd --count bogus "$P/a_cpu_fp.data" >/dev/null 2>"$T_WORK/u.err"; rc=$?
	[ $rc = 2 ] && grep -q "invalid --count 'bogus'" "$T_WORK/u.err" && grep -q "try 'scorch $cmd --help'" "$T_WORK/u.err" \
		&& ok "$cmd --count bogus: usage error" || fail "$cmd --count bogus: exit $rc $(cat "$T_WORK/u.err")"
	"$SCORCH" $cmd --filter-pid 12x "$P/a_cpu_fp.data" >/dev/null 2>"$T_WORK/u.err"; rc=$?
	[ $rc = 2 ] && grep -q "invalid --filter-pid '12x'" "$T_WORK/u.err" && ok "$cmd --filter-pid 12x: usage error" \
		|| fail "$cmd --filter-pid 12x: exit $rc"
done
for cmd in fold render diff symbolize; do
	"$SCORCH" $cmd --no-such-option >/dev/null 2>"$T_WORK/u.err"; rc=$?
	[ $rc = 2 ] && [ "$(wc -l < "$T_WORK/u.err")" = 2 ] && grep -q "scorch $cmd: unknown option '--no-such-option'" "$T_WORK/u.err" \
		&& ok "$cmd --no-such-option: one line naming it, exit 2" || fail "$cmd --no-such-option: exit $rc $(cat "$T_WORK/u.err")"
done
finish

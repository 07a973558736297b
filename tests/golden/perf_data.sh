#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# scorch fold FILE.data against perf 6.1's own answers for the fixtures in ../shared/fixtures/perf:
# frame-pointer files (file, pipe, zstd) print exactly stackcollapse-perf.pl's output of `perf script`,
# DWARF files recover perf script's stacks, the off-CPU tracepoint folds by the switch-out stack,
# two-event files pick one event, and damaged files fail with a byte offset or keep what came first.
. "$(dirname "$0")/../testlib.sh"
require_fixtures
PF=$FIXTURES/perf
[ -f "$PF/a_cpu_fp.data" ] || skip "perf fixtures not found in $PF"
command -v xz >/dev/null || skip "xz not installed (needed to unpack bin/kallsyms.xz)"

# libc frames need the very libc the fixtures were recorded with, and its debug symbols.
libc=/usr/lib/x86_64-linux-gnu/libc.so.6
want=$(awk '$2 ~ /libc\.so\.6$/ {print $1}' "$PF/bin/BUILD_IDS.all.txt")
have=$(readelf -n "$libc" 2>/dev/null | awk '/Build ID/ {print $3}')
[ "$want" = "$have" ] || skip "installed libc build-id $have differs from the recording's $want (Debian 12 libc6 2.36-9+deb12u14)"
[ -f "/usr/lib/debug/.build-id/${want:0:2}/${want:2}.debug" ] || skip "libc6-dbg not installed (libc's local symbols)"

xz -dc "$PF/bin/kallsyms.xz" > "$T_WORK/kallsyms" || { fail "cannot unpack kallsyms.xz"; finish; }
fold() { "$SCORCH" fold --kallsyms "$T_WORK/kallsyms" --debug-dir "$PF/bin" "$@"; }

# Exact: stackcollapse-perf.pl applied to perf script (golden/NAME.collapsed.txt).
for n in a_cpu_fp a_cpu_fp_user a_cpu_fp_clang a_inl_fp_clang a_cpu_nofp_fpchain a_inl_fp a_libchot_fp a_mt_fp \
	c_sleeper_sched_switch d_mt_pipe e_cpu_fp_zstd; do
	if fold "$PF/$n.data" > "$T_WORK/$n.out" 2> "$T_WORK/$n.err" && cmp -s "$T_WORK/$n.out" "$PF/golden/$n.collapsed.txt"; then
		ok "$n: identical to stackcollapse-perf.pl of perf script"
	else
		fail "$n differs from golden/$n.collapsed.txt:"
		diff "$T_WORK/$n.out" "$PF/golden/$n.collapsed.txt" | cut -c1-200 | head -20
		head -5 "$T_WORK/$n.err"
	fi
done

# Pipe mode and file mode through standard input, as `perf record -o - | scorch fold`.
check "d_mt_pipe from a pipe on stdin" bash -c "cat '$PF/d_mt_pipe.data' | '$SCORCH' fold --kallsyms '$T_WORK/kallsyms' --debug-dir '$PF/bin' | cmp -s - '$PF/golden/d_mt_pipe.collapsed.txt'"
check "e_cpu_fp_zstd redirected to stdin" bash -c "'$SCORCH' fold --kallsyms '$T_WORK/kallsyms' --debug-dir '$PF/bin' - < '$PF/e_cpu_fp_zstd.data' | cmp -s - '$PF/golden/e_cpu_fp_zstd.collapsed.txt'"

# Two events (IDENTIFIER): the first by default, the other with --event. stackcollapse-perf.pl
# cannot tell tracepoint samples apart (their header line does not end in "event:") and mixes both
# into its output, so the two folds together must add up to it, line for line.
fold "$PF/f_sleeper_multi.data" > "$T_WORK/f_default" 2>/dev/null
fold --event sched:sched_switch "$PF/f_sleeper_multi.data" > "$T_WORK/f_switch" 2>/dev/null
cat "$T_WORK/f_default" "$T_WORK/f_switch" |
	awk '{c = $NF; $NF = ""; sub(/ $/, ""); s[$0] += c} END {for (k in s) print k, s[k]}' | LC_ALL=C sort > "$T_WORK/f_both"
check "f_sleeper_multi: default event + --event sched:sched_switch = stackcollapse's mix" cmp -s "$T_WORK/f_both" "$PF/golden/f_sleeper_multi.collapsed.txt"
check "f_sleeper_multi: the default is cpu-clock (burn on CPU), not the switches" \
	bash -c "grep -q ';burn ' '$T_WORK/f_default' && ! grep -q ';burn ' '$T_WORK/f_switch'"
check "f_sleeper_multi: --event sched:sched_switch holds only switch-out stacks" \
	bash -c "! grep -v ';__schedule\( \|;\)' '$T_WORK/f_switch' | grep -q ."
n_default=$(grep -c "cpu-clock" "$PF/golden/f_sleeper_multi.script.txt")
check "f_sleeper_multi --count samples: $n_default cpu-clock samples as in perf script" \
	bash -c "[ \"\$('$SCORCH' fold --kallsyms '$T_WORK/kallsyms' --debug-dir '$PF/bin' --count samples '$PF/f_sleeper_multi.data' | awk '{s += \$NF} END {print s}')\" = $n_default ]"

# perf script's own stacks, sample by sample: function names per frame line, the thread name as
# root (what stackcollapse-perf.pl keeps of them; it also runs where perf prints no DSO).
script_stacks() {
	perl -ne '
		if (/^(\S.+?)\s+(\d+)\/*(\d+)*\s+/) { $comm = $1; $comm =~ tr/ /_/; @s = (); next }
		if (defined $comm && /^\s+([0-9a-f]+)\s+(\S+)/) { my $f = $2; $f =~ s/\+0x[\da-f]+$//; unshift @s, $f; next }
		if (/^$/ && defined $comm) { $c{join(";", $comm, @s)}++; undef $comm }
		END { $c{join(";", $comm, @s)}++ if defined $comm; print "$_ $c{$_}\n" for sort keys %c }' "$1"
}

# agreement OURS WANT: share of samples on identical stacks; lists the differences
agreement() {
	awk 'NR == FNR {c = $NF; $NF = ""; sub(/ $/, ""); ours[$0] = c; next}
	     {c = $NF; $NF = ""; sub(/ $/, ""); want[$0] = c; total += c}
	     END {
		for (k in want) { m = (k in ours) ? (ours[k] < want[k] ? ours[k] : want[k]) : 0; same += m
			if (m < want[k]) printf "  perf script has %d more: %s\n", want[k] - m, substr(k, 1, 160) > "/dev/stderr" }
		for (k in ours) if (!(k in want) || ours[k] > want[k])
			printf "  scorch has %d more: %s\n", ours[k] - ((k in want) ? want[k] : 0), substr(k, 1, 160) > "/dev/stderr"
		printf "%.4f\n", total ? same / total : 0 }' "$1" "$2"
}

# DWARF: frame-pointer-less code (cpu_nofp, inl_nofp, libc) unwound from REGS_USER + STACK_USER,
# inline frames by DWARF name, as perf script shows them: >= 95% of samples on identical stacks.
for n in b_cpu_nofp_dwarf b_inl_nofp_dwarf b_libchot_fp_dwarf; do
	script_stacks "$PF/golden/$n.script.txt" > "$T_WORK/$n.want"
	fold --count samples "$PF/$n.data" > "$T_WORK/$n.ours" 2>/dev/null
	share=$(agreement "$T_WORK/$n.ours" "$T_WORK/$n.want" 2> "$T_WORK/$n.diff")
	if awk -v s="$share" 'BEGIN {exit !(s >= 0.95)}'; then
		ok "$n: $share of samples on the same stacks as perf script (DWARF unwinding, inlines)"
	else
		fail "$n: only $share of samples on perf script's stacks"
	fi
	head -10 "$T_WORK/$n.diff"
	check "$n: main's callers recovered through frame-pointer-less code (_start;...;main)" \
		grep -q "^[a-z_]*;_start;__libc_start_main_impl;__libc_start_call_main;main;" "$T_WORK/$n.ours"
	check "$n: weighted by period, identical to golden/$n.collapsed.txt" \
		bash -c "'$SCORCH' fold --kallsyms '$T_WORK/kallsyms' --debug-dir '$PF/bin' '$PF/$n.data' 2>/dev/null | cmp -s - '$PF/golden/$n.collapsed.txt'"
done

# Pipe-mode tracepoints: perf script prints no DSO for this stream, so stackcollapse-perf.pl drops
# every frame line (golden/*.collapsed.txt is just "feeder 100", "sleeper_fp 52"): compare with
# perf script's frames directly, and with the golden per-thread totals.
script_stacks "$PF/golden/g_sleeper_sched_pipe.script.txt" > "$T_WORK/g.want"
fold "$PF/g_sleeper_sched_pipe.data" > "$T_WORK/g.ours" 2>/dev/null
check "g_sleeper_sched_pipe: perf script's switch-out stacks, exactly" cmp -s "$T_WORK/g.ours" "$T_WORK/g.want"
awk '{split($1, f, ";"); s[f[1]] += $NF} END {for (k in s) print k, s[k]}' "$T_WORK/g.ours" | LC_ALL=C sort > "$T_WORK/g.totals"
check "g_sleeper_sched_pipe: per-thread totals of golden/collapsed.txt" cmp -s "$T_WORK/g.totals" "$PF/golden/g_sleeper_sched_pipe.collapsed.txt"

# Off-CPU: the switch-out stack ends in __schedule under the blocking call.
check "c_sleeper_sched_switch: nanosleep blocked in the scheduler" \
	grep -q "^sleeper_fp;__libc_start_call_main;main;clock_nanosleep@GLIBC_2.2.5;.*;schedule;__schedule " "$T_WORK/c_sleeper_sched_switch.out"

# Options reach the replay.
check "--pid labels the root with the pid" bash -c "fold() { '$SCORCH' fold --kallsyms '$T_WORK/kallsyms' --debug-dir '$PF/bin' \"\$@\"; }; fold --pid '$PF/a_cpu_fp.data' | grep -q '^cpu_fp-3664;'"
check "--tid labels threads pid/tid" bash -c "'$SCORCH' fold --tid --kallsyms '$T_WORK/kallsyms' --debug-dir '$PF/bin' '$PF/a_mt_fp.data' | grep -q '^mt-sort-3667/3670;'"
check "--kernel tags kernel frames" bash -c "'$SCORCH' fold --kernel --kallsyms '$T_WORK/kallsyms' --debug-dir '$PF/bin' '$PF/a_cpu_fp.data' | grep -q 'asm_sysvec_apic_timer_interrupt_\[k\]'"
"$SCORCH" fold --event no-such-event "$PF/a_cpu_fp.data" > /dev/null 2> "$T_WORK/noevent.err"
check "--event NAME the file lacks: an error naming the events it has" \
	bash -c "[ $? -ne 0 ] && grep -q \"no event 'no-such-event'.*cpu-clock:ppp\" '$T_WORK/noevent.err'"

# Damage: a cut file keeps the samples before the cut and says where; a cut header is an error with the offset.
size=$(stat -c %s "$PF/a_cpu_fp.data")
head -c $((size / 2)) "$PF/a_cpu_fp.data" > "$T_WORK/half.data"
fold "$T_WORK/half.data" > "$T_WORK/half.out" 2> "$T_WORK/half.err"
rc=$?
check "half a file: exit 0 with the samples before the cut" bash -c "[ $rc -eq 0 ] && [ \$(wc -l < '$T_WORK/half.out') -ge 3 ]"
check "half a file: a warning that says where (byte offset) and why" grep -q "damaged at offset [0-9]*: file truncated" "$T_WORK/half.err"
head -c 300 "$PF/a_cpu_fp.data" > "$T_WORK/head.data"
fold "$T_WORK/head.data" > /dev/null 2> "$T_WORK/head.err"
rc=$?
check "a cut header: exit 1 and the offset" bash -c "[ $rc -eq 1 ] && grep -q 'offset' '$T_WORK/head.err'"
printf 'PERFILE2\x68\0\0\0\0\0\0\0garbage' > "$T_WORK/garbage.data"
fold "$T_WORK/garbage.data" > /dev/null 2> "$T_WORK/garbage.err"
rc=$?
check "perf.data magic then garbage: exit 1, no crash" bash -c "[ $rc -eq 1 ] && grep -q 'offset' '$T_WORK/garbage.err'"

# scorch render reads perf.data straight to a flame graph (with the offline options once render has them).
ropts=()
if "$SCORCH" render --help | grep -q -- "--debug-dir"; then
	ropts=(--kallsyms "$T_WORK/kallsyms" --debug-dir "$PF/bin")
fi
if "$SCORCH" render "${ropts[@]}" "$PF/a_cpu_fp.data" -o "$T_WORK/a.svg" 2> "$T_WORK/render.err"; then
	if [ ${#ropts[@]} -gt 0 ]; then
		check "render FILE.data -o x.svg draws leaf_mul" grep -q "leaf_mul" "$T_WORK/a.svg"
	else
		check "render FILE.data -o x.svg draws the cpu_fp samples" grep -q "cpu_fp" "$T_WORK/a.svg"
	fi
else
	fail "scorch render FILE.data failed: $(head -2 "$T_WORK/render.err")"
fi
finish

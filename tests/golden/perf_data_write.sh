#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# perf.data written by fold/perf_data_write* read by the real perf 6.1: a driver (perf_data_write_driver.c,
# built here with frame pointers) captures its own call chains and maps and writes them; perf script and
# perf report must name every frame (own functions from the source, libc's from nm of its debug file,
# the kernel's from /proc/kallsyms), show the counts, periods, times, pids, events and header features
# written, refuse a wrong build-id, and `scorch fold` of the file must equal `perf script | scorch fold`.
. "$(dirname "$0")/../testlib.sh"

command -v perf >/dev/null || skip "perf not installed (scripts/install-deps.sh installs linux-perf)"
perf --version | grep -q '^perf version 6\.1\.' || echo "note: written against perf 6.1, running $(perf --version)"
for a in libfold.a liblib.a; do
	[ -f "$BUILD/$a" ] || { fail "$BUILD/$a missing: build it first (make $BUILD/$a)"; finish; }
done
libc=/usr/lib/x86_64-linux-gnu/libc.so.6
bid=$(readelf -n "$libc" 2>/dev/null | awk '/Build ID/ {print $3}')
LIBC_DEBUG=/usr/lib/debug/.build-id/${bid:0:2}/${bid:2}.debug
[ -f "$LIBC_DEBUG" ] || skip "libc6-dbg not installed (libc's local symbols: __libc_start_call_main, start_thread)"
[ "$(awk '$3 == "_text" {print $1; exit}' /proc/kallsyms)" != 0000000000000000 ] ||
	skip "kernel addresses hidden in /proc/kallsyms (kernel.kptr_restrict; run as root)"

# perf's build-id cache lives in ~/.debug: start from an empty one, so only what the file says counts.
export HOME=$T_WORK/home
mkdir -p "$HOME"

san=
nm "$BUILD/libfold.a" 2>/dev/null | grep -q __asan_ && san="-fsanitize=address,undefined"
DRV=$T_WORK/perf_data_write_driver
gcc -std=gnu11 -g -O1 -fno-omit-frame-pointer -mno-omit-leaf-frame-pointer -fno-inline -fno-optimize-sibling-calls \
	$san -D_GNU_SOURCE -I"$TOP" -o "$DRV" "$TOP/tests/golden/perf_data_write_driver.c" \
	"$BUILD/libfold.a" "$BUILD/liblib.a" -lelf -lpthread || { fail "cannot build the driver"; finish; }

# Kernel frames: real text addresses inside functions every kernel has, innermost first.
KNAMES=(schedule do_nanosleep do_syscall_64)
KSTACK=$(perl -e '
	my %want = map { $_ => 1 } @ARGV; my (@all, %addr, %n);
	open(my $k, "<", "/proc/kallsyms") or die;
	while (<$k>) { my ($a, $t, $s) = split; next unless $t =~ /^[tT]$/; push @all, hex $a; $n{$a}++; $addr{$s} //= $a if $want{$s} }
	my @sorted = sort { $a <=> $b } @all; my @out;
	for my $s (@ARGV) {
		my $a = $addr{$s} // exit 1; exit 1 if $n{$a} > 1;  # an alias would make the expected name ambiguous
		my ($next) = grep { $_ > hex $a } @sorted; exit 1 unless $next - hex($a) > 0x20;
		push @out, sprintf("%x", hex($a) + 0x10) }
	print join(",", @out)' "${KNAMES[@]}") || skip "kernel lacks one of ${KNAMES[*]} (or it has an alias)"

X=$T_WORK/x.data
"$DRV" "$X" --facts "$T_WORK/x.facts" --two-events --deep --kstack "$KSTACK" 2> "$T_WORK/x.err" ||
	{ fail "driver: $(cat "$T_WORK/x.err")"; finish; }
check "the driver's stack D was cut at 127 entries, counted" grep -q "stacks_cut 1 " "$T_WORK/x.err"

# libc frames: the symbol of libc's debug file (nm) that holds the address. Among aliases perf keeps, as
# choose_best_symbol() in perf 6.1's util/symbol.c does, a non-weak over a weak one, then a global over a
# local one, then the one with fewer leading underscores, then the longer name.
libc_name() {
	nm -S --defined-only "$LIBC_DEBUG" | perl -sane 'next unless @F == 4 && $F[2] =~ /^[tTwWi]$/;
		my ($a, $s) = (hex $F[0], hex $F[1]); push @c, [@F] if hex($v) >= $a && hex($v) < $a + $s;
		END {
			my $u = sub { $_[0] =~ /^(_*)/; length $1 };
			@c = sort { ($a->[2] =~ /[wW]/) <=> ($b->[2] =~ /[wW]/) || ($a->[2] =~ /[a-z]/) <=> ($b->[2] =~ /[a-z]/)
				|| $u->($a->[3]) <=> $u->($b->[3]) || length($b->[3]) <=> length($a->[3]) || $a->[3] cmp $b->[3] } @c;
			print "$c[0][3]\n" if @c }' -- -v="$1"
}
declare -A LIBC
for v in $(awk '$1 == "frame" && $4 ~ /libc\.so/ {print $5}' "$T_WORK/x.facts" | sort -u); do
	n=$(libc_name "$v")
	[ -n "$n" ] || { fail "libc address $v: in no symbol of nm $LIBC_DEBUG"; finish; }
	LIBC[$v]=$n
done
vaddr_of() { awk -v k="$1" -v i="$2" '$1 == "sample" {s = ($2 == k); f = 0; next} s && $1 == "frame" && ++f == i {print $5}' "$T_WORK/x.facts"; }
START_MAIN=${LIBC[$(vaddr_of A 5)]}
FIND_LEAF=${LIBC[$(vaddr_of S 1)]}
START_THREAD=${LIBC[$(vaddr_of W 2)]}
check "nm names the libc frames under main and the thread" [ "$START_MAIN" = __libc_start_call_main -a "$START_THREAD" = start_thread ]

# ---- 1. perf script names every frame: folded as stackcollapse-perf.pl does, from the source's call graph
deep=$(printf 'deep;%.0s' $(seq 126))deep
KROOT="${KNAMES[2]};${KNAMES[1]};${KNAMES[0]}"
cat > "$T_WORK/want.cpu" <<EOF
pdw-work;$START_MAIN;main;func_a;func_b;leaf 7
pdw-work;$START_MAIN;main;func_c;leaf;$KROOT 3
pdw-work;$START_MAIN;main;finder;$FIND_LEAF 2
pdw-work;$deep 1
pdw-worker;$START_THREAD;worker 4
EOF
cat > "$T_WORK/want.off" <<EOF
pdw-work;$START_MAIN;main;func_a;func_b;leaf;$KROOT 5000000
pdw-worker;$START_THREAD;worker 2500000
EOF
LC_ALL=C sort -o "$T_WORK/want.cpu" "$T_WORK/want.cpu"
perf script -i "$X" > "$T_WORK/script.txt" 2> "$T_WORK/script.err"
check "perf script reads the file" [ -s "$T_WORK/script.txt" ]
"$SCORCH" fold --count samples --event-filter cpu-clock < "$T_WORK/script.txt" 2>/dev/null > "$T_WORK/got.cpu"
check "perf script: every cpu-clock frame named, per-stack sample counts" cmp -s "$T_WORK/want.cpu" "$T_WORK/got.cpu"
cmp -s "$T_WORK/want.cpu" "$T_WORK/got.cpu" || diff "$T_WORK/want.cpu" "$T_WORK/got.cpu" | cut -c1-200
"$SCORCH" fold --event-filter offcpu-time < "$T_WORK/script.txt" 2>/dev/null > "$T_WORK/got.off"
check "perf script: offcpu-time stacks weighted by their blocked ns" cmp -s "$T_WORK/want.off" "$T_WORK/got.off"
cmp -s "$T_WORK/want.off" "$T_WORK/got.off" || diff "$T_WORK/want.off" "$T_WORK/got.off" | cut -c1-200
check "perf script shows the cut stack D with 127 frames (perf's max stack)" \
	[ "$(awk '/^pdw-work .*cpu-clock/ {n = 0; on = 1; next} on && /^\t/ {n++} on && /^$/ {if (n > m) m = n; on = 0} END {print m}' "$T_WORK/script.txt")" = 127 ]

# ---- 2. perf script -F comm,pid,tid,time,ip,sym,dso: every field, sample by sample, as written
# Canonical lines: "comm pid/tid sec.usec:" then "rel sym (dso)" per frame; expected from the facts.
perf script -F comm,pid,tid,time,ip,sym,dso -i "$X" 2>/dev/null |
	awk '/^[^\t ]/ {print $1, $2, $3; next} /^\t/ {$1 = $1; print}' > "$T_WORK/fields.got"
awk -v kn="${KNAMES[*]}" -v sm="$START_MAIN" -v sl="$FIND_LEAF" -v st="$START_THREAD" '
	BEGIN {
		split(kn, K, " ")
		own["A"] = "leaf func_b func_a main"; own["C"] = "leaf func_c main"; own["S"] = "finder main"
		own["W"] = "worker"; own["OA"] = own["A"]; own["OW"] = own["W"]
		libc["A"] = sm; libc["C"] = sm; libc["S"] = sm; libc["D"] = sm; libc["OA"] = sm; libc["W"] = st; libc["OW"] = st
	}
	function flush(   r, i) {
		if (kind == "") return
		for (r = 0; r < count; r++) { print head; for (i = 1; i <= nf; i++) print fr[i] }
	}
	$1 == "sample" {
		flush(); kind = $2; count = $8; nf = 0; ko = 0; uo = 0; lo = 0
		split(own[kind], O, " ")
		head = sprintf("%s %d/%d %d.%06d:", $4, $5, $6, int($7 / 1e9), int(($7 % 1e9) / 1e3))
		next
	}
	$1 == "frame" {
		if ($4 == "[kernel.kallsyms]") name = K[++ko]
		else if ($4 ~ /libc\.so/) name = (kind == "S" && lo++ == 0) ? sl : libc[kind]
		else if (kind == "D") name = "deep"
		else name = O[++uo]
		fr[++nf] = $3 " " name " (" $4 ")"
	}
	END { flush() }' "$T_WORK/x.facts" > "$T_WORK/fields.want"
check "perf script -F comm,pid,tid,time,ip,sym,dso: $(grep -c : "$T_WORK/fields.want") samples, every field as written" \
	cmp -s "$T_WORK/fields.want" "$T_WORK/fields.got"
cmp -s "$T_WORK/fields.want" "$T_WORK/fields.got" || diff "$T_WORK/fields.want" "$T_WORK/fields.got" | head -20

# ---- 3. perf report: samples, event counts (sum of periods), overhead per symbol, losses
perf report --stdio --no-children -i "$X" > "$T_WORK/report.txt" 2> "$T_WORK/report.err"
check "perf report: 17 cpu-clock samples, 17 x 10101010 ns" \
	grep -A1 -q "^# Samples: 17  of event 'cpu-clock'" "$T_WORK/report.txt"
check "perf report: the event count is the sum of the periods" grep -q "^# Event count (approx.): 171717170$" "$T_WORK/report.txt"
check "perf report: 2 offcpu-time samples weighing 7.5 ms" \
	bash -c "grep -q \"^# Samples: 2  of event 'offcpu-time'\" '$T_WORK/report.txt' && grep -q '^# Event count (approx.): 7500000$' '$T_WORK/report.txt'"
check "perf report: the 5 lost samples written" grep -q "^# Total Lost Samples: 5$" "$T_WORK/report.txt"
awk '/^# Samples/ {ev = $NF} /^ +[0-9.]+%/ {print ev, $1, $2, $3, $4, $5}' "$T_WORK/report.txt" > "$T_WORK/report.got"
cat > "$T_WORK/report.want" <<EOF
'cpu-clock' 41.18% pdw-work perf_data_write_driver [.] leaf
'cpu-clock' 23.53% pdw-worker perf_data_write_driver [.] worker
'cpu-clock' 17.65% pdw-work [kernel.kallsyms] [k] ${KNAMES[0]}
'cpu-clock' 11.76% pdw-work libc.so.6 [.] $FIND_LEAF
'cpu-clock' 5.88% pdw-work perf_data_write_driver [.] deep
'offcpu-time' 66.67% pdw-work [kernel.kallsyms] [k] ${KNAMES[0]}
'offcpu-time' 33.33% pdw-worker perf_data_write_driver [.] worker
EOF
check "perf report --no-children: overhead per command, DSO and symbol" cmp -s "$T_WORK/report.want" "$T_WORK/report.got"
cmp -s "$T_WORK/report.want" "$T_WORK/report.got" || diff "$T_WORK/report.want" "$T_WORK/report.got"
check "perf report complains of nothing but the losses written" \
	bash -c "! grep -v -e '^Warning:$' -e '^Processed [0-9]* samples and lost [0-9.]*%!$' -e '^$' '$T_WORK/report.err' | grep -q ."
grep -v -e '^Warning:$' -e '^Processed [0-9]* samples and lost [0-9.]*%!$' -e '^$' "$T_WORK/report.err" | head -5

# ---- 4. events: listed by perf evlist, encoded as perf's own, each selectable
check "perf evlist: cpu-clock and offcpu-time" bash -c "[ \"\$(perf evlist -i '$X' 2>/dev/null | tr '\n' ' ')\" = 'cpu-clock offcpu-time ' ]"
check "perf evlist -v: offcpu-time is perf --off-cpu's bpf-output event (type 1, config 0xa)" \
	bash -c "perf evlist -v -i '$X' 2>/dev/null | grep -q '^offcpu-time: type: 1, size: 128, config: 0xa, { sample_period, sample_freq }: 1, sample_type: IP|TID|TIME|CALLCHAIN|PERIOD|IDENTIFIER'"
check "perf evlist -v: cpu-clock at 99 Hz" \
	bash -c "perf evlist -v -i '$X' 2>/dev/null | grep -q '^cpu-clock: type: 1, size: 128, { sample_period, sample_freq }: 99, sample_type: IP|TID|TIME|CALLCHAIN|PERIOD|IDENTIFIER, .*freq: 1'"
(cd "$T_WORK" && perf script --per-event-dump -i "$X" > /dev/null 2>&1)
check "perf script --per-event-dump: 17 cpu-clock samples in their own dump" \
	[ "$(grep -c 'cpu-clock:' "$X.cpu-clock.dump" 2>/dev/null)" = 17 ]
check "perf script --per-event-dump: the 2 offcpu-time samples with periods 5000000, 2500000" \
	[ "$(awk '/offcpu-time:/ {print $(NF-1)}' "$X.offcpu-time.dump" 2>/dev/null | tr '\n' ' ')" = "5000000 2500000 " ]

# ---- 5. header features and build-ids
perf report --header-only -i "$X" > "$T_WORK/header.txt" 2>&1
first=$(awk '$1 == "sample" {printf "%d.%06d\n", int($7 / 1e9), int(($7 % 1e9) / 1e3); exit}' "$T_WORK/x.facts")
for line in "# hostname : pdw-host" "# os release : 9.9.9-pdw" "# perf version : scorch" "# arch : $(uname -m)" \
	"# nrcpus online : 3" "# nrcpus avail : 4" "# cmdline : scorch record -F 99 -o $X -- pdw-work " \
	"# time of first sample : $first"; do
	check "perf report --header-only: '$line'" grep -qxF -- "$line" "$T_WORK/header.txt"
done
check "perf report --header-only: both events by name with their ids" \
	bash -c "grep -q '^# event : name = cpu-clock, , id = { 1 }, type = 1' '$T_WORK/header.txt' && grep -q '^# event : name = offcpu-time, , id = { 2 }, type = 1, size = 128, config = 0xa' '$T_WORK/header.txt'"
perf buildid-list -i "$X" > "$T_WORK/bids.got" 2>/dev/null
for f in "$DRV" "$libc"; do
	check "perf buildid-list: $(basename "$f") with its ELF build-id" \
		grep -qx "$(readelf -n "$f" | awk '/Build ID/ {print $3}') $f" "$T_WORK/bids.got"
done
check "perf buildid-list: the running kernel's build-id" grep -qx "$(perf buildid-list -k) \[kernel.kallsyms\]" "$T_WORK/bids.got"

# ---- 6. our reader agrees with perf: scorch fold FILE = perf script | scorch fold
"$SCORCH" fold --count samples "$X" > "$T_WORK/ours.count" 2>/dev/null
"$SCORCH" fold --count samples < "$T_WORK/script.txt" > "$T_WORK/theirs.count" 2>/dev/null
check "scorch fold --count samples x.data = perf script | scorch fold --count samples" cmp -s "$T_WORK/ours.count" "$T_WORK/theirs.count"
check "... and that is the source's call graph" cmp -s "$T_WORK/ours.count" "$T_WORK/want.cpu"
"$SCORCH" fold "$X" > "$T_WORK/ours.period" 2>/dev/null
"$SCORCH" fold < "$T_WORK/script.txt" > "$T_WORK/theirs.period" 2>/dev/null
check "scorch fold x.data = perf script | scorch fold (weighted by period)" cmp -s "$T_WORK/ours.period" "$T_WORK/theirs.period"
"$SCORCH" fold --event offcpu-time "$X" > "$T_WORK/ours.off" 2>/dev/null
check "scorch fold --event offcpu-time x.data = perf's offcpu-time stacks" cmp -s "$T_WORK/ours.off" "$T_WORK/want.off"

# ---- 7. pipe mode (the output is not seekable): perf report -i - and scorch fold -
"$DRV" - --two-events --deep --kstack "$KSTACK" 2>/dev/null | perf script -i - 2>/dev/null |
	"$SCORCH" fold --count samples --event-filter cpu-clock 2>/dev/null > "$T_WORK/pipe.cpu"
check "pipe mode: perf script -i - names the same stacks" cmp -s "$T_WORK/want.cpu" "$T_WORK/pipe.cpu"
check "pipe mode: perf report -i - counts 17 cpu-clock samples" \
	bash -c "'$DRV' - --two-events --deep --kstack '$KSTACK' 2>/dev/null | perf report --stdio -i - 2>/dev/null | grep -q \"^# Samples: 17  of event 'cpu-clock'\""
"$DRV" - --pipe --deep --kstack "$KSTACK" 2>/dev/null | "$SCORCH" fold --count samples - > "$T_WORK/pipe.ours" 2>/dev/null
check "pipe mode: scorch fold - reads it back" cmp -s "$T_WORK/want.cpu" "$T_WORK/pipe.ours"

# ---- 8. the build-id and the kernel map are what perf resolves by
"$DRV" "$T_WORK/bad.data" --bad-build-id --kstack "$KSTACK" 2>/dev/null
perf script -F ip,sym,dso -i "$T_WORK/bad.data" 2>/dev/null > "$T_WORK/bad.txt"
check "a wrong build-id for the driver: perf refuses its symbols" \
	bash -c "grep -q '\[unknown\] ($DRV)' '$T_WORK/bad.txt' && ! grep -q ' leaf ($DRV)' '$T_WORK/bad.txt'"
check "... while libc, with its right build-id, keeps its names" grep -q "$START_MAIN (/usr/lib/x86_64-linux-gnu/libc.so.6)" "$T_WORK/bad.txt"
"$DRV" "$T_WORK/nokmap.data" --no-kernel-mmap --kstack "$KSTACK" 2>/dev/null
check "without the kernel MMAP perf cannot name kernel frames (with it, it does: 1.)" \
	grep -q "^[[:space:]]*${KSTACK%%,*} \[unknown\] (\[unknown\])" <(perf script -F ip,sym,dso -i "$T_WORK/nokmap.data" 2>/dev/null)

# ---- 9. bad input: a full disk, names and paths the kernel could not report
"$DRV" /dev/full 2> "$T_WORK/full.err"
rc=$?
check "/dev/full: exit 1 and the cause" bash -c "[ $rc = 1 ] && grep -qx \"perf_data_write_driver: cannot write '/dev/full': No space left on device\" '$T_WORK/full.err'"
L=$T_WORK/long.data
"$DRV" "$L" --long-comm --long-path --deep 2> "$T_WORK/long.err" || fail "driver --long-comm --long-path: $(cat "$T_WORK/long.err")"
check "a 5000-byte path is refused with a message" grep -q "refused: mapping of pid [0-9]* at 0x10000 skipped: path longer than 4095 bytes" "$T_WORK/long.err"
check "the comm was cut to 15 bytes, counted" grep -q "comms_cut 1 " "$T_WORK/long.err"
check "perf script: the thread named by the kernel's 15-byte rule" \
	grep -q "^ *pdw-worker-with  *[0-9]*/[0-9]* " <(perf script -F comm,pid,tid,time -i "$L" 2>/dev/null)
check "perf script: the 4095-byte path mapping is read" \
	bash -c "perf script --show-mmap-events -i '$L' 2>/dev/null | grep -q 'r-xp /y\{4094\}$'"
perf report --stdio -i "$L" > "$T_WORK/long.report" 2> "$T_WORK/long.report.err"
check "perf report reads it with its 17 samples, no error" \
	bash -c "grep -q \"^# Samples: 17  of event 'cpu-clock'\" '$T_WORK/long.report' && ! grep -qi 'error\|fail\|invalid' '$T_WORK/long.report.err'"
"$DRV" "$T_WORK/notime.data" --no-time 2>/dev/null
check "without timestamps perf script and report still read every sample" \
	bash -c "[ \$(perf script -F comm,tid,ip,sym -i '$T_WORK/notime.data' 2>/dev/null | grep -c '^ *pdw-work  *[0-9]') = 12 ] && perf report --stdio -i '$T_WORK/notime.data' 2>/dev/null | grep -q \"^# Samples: 16  of event 'cpu-clock'\""

finish

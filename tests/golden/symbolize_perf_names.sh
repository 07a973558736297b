#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Names as perf 6.1 prints them (what `scorch fold FILE.data` must print to equal perf script |
# stackcollapse-perf.pl): every symbol perf keeps of a binary, demangled without parameters or return
# type ({lambda(int)#1}, operator< <long>), PLT stubs ("operator new@plt", libc's unnamed "@plt"),
# against `perf probe -F` (perf's own symbol list of the binary, same loader and demangler as perf
# script), for a C++ test program, libstdc++ and libc (its debug file). Then a real recording of the
# C++ program: scorch fold's stacks equal perf script's, frame for frame.
. "$(dirname "$0")/../testlib.sh"
command -v perf >/dev/null || skip "perf not installed (linux-perf)"
command -v g++ >/dev/null || skip "g++ not installed"
perf probe -F -x /bin/true --filter '*' > /dev/null 2>&1 || skip "perf probe -F cannot list symbols here"
for a in libsymbolize.a libfold.a liblib.a; do
	[ -f "$BUILD/$a" ] || { fail "$BUILD/$a missing: build it first (make $BUILD/$a)"; finish; }
done
W=$T_WORK

# The driver, built like the archives (ASan ones need the sanitizer runtime).
san=
nm "$BUILD/libsymbolize.a" 2>/dev/null | grep -q __asan_ && san="-fsanitize=address,undefined"
DRV=$W/driver
gcc -std=gnu11 -g -O1 $san -D_GNU_SOURCE -I"$TOP" -o "$DRV" "$TOP/tests/golden/symbolize_perf_names_driver.c" \
	"$BUILD/libsymbolize.a" "$BUILD/libfold.a" "$BUILD/liblib.a" -ldw -lelf -lz -lzstd ||
	{ fail "cannot build the driver"; finish; }
g++ -O2 -g -fno-omit-frame-pointer -pthread -o "$W/perfnames" "$TOP/tests/workloads/symbolize/perfnames.cpp" ||
	{ fail "cannot build tests/workloads/symbolize/perfnames.cpp"; finish; }

# The symbols perf 6.1 keeps (dso__load_sym) of SYMFILE's .symtab and .dynsym (readelf shows dynamic
# symbols with their version: "stderr@GLIBC_2.2.5 (2)", the name is "stderr"): named functions and
# objects of allocated sections, and NOTYPE labels not hidden, of sections named *text* or *data*.
kept_symbols() {
	# "[Nr] Name Type Address Off Size ES Flg Lk Inf Al", Flg empty for sections without flags
	readelf -SW "$1" 2>/dev/null | sed -n 's/^ *\[ *\([0-9][0-9]*\)\]/\1/p' |
		awk '{ print $1, $2, ($8 ~ /^[A-Za-z]+$/ && $8 ~ /A/) ? 1 : 0 }' > "$W/sections"
	readelf -sW "$1" 2>/dev/null | awk '
		NR == FNR { name[$1] = $2; alloc[$1] = $3; next }
		/^Symbol table/ { t = $3; gsub(/[^a-z._]/, "", t); next }
		(t == ".symtab" || t == ".dynsym") && $1 ~ /^[0-9]+:$/ && NF >= 8 {
			type = $4; vis = $6; ndx = $7; n = $8
			if (t == ".dynsym") sub(/@.*/, "", n)
			if (ndx == "UND" || ndx == "ABS" || ndx == "COM" || !(ndx in alloc) || !alloc[ndx]) next
			if (type == "FUNC" || type == "OBJECT" || type == "IFUNC") print n
			else if (type == "NOTYPE" && vis != "HIDDEN" && vis != "INTERNAL" && name[ndx] ~ /text|data/) print n
		}' "$W/sections" -
}
# The PLT slots of BIN (x86-64, 16 bytes, after the 16-byte header), one per .rela.plt entry.
plt_slots() {
	local plt n
	plt=$(readelf -SW "$1" | awk '$2 == ".plt" { print $4 }')
	n=$(readelf -rW "$1" | awk '/^Relocation section .\.rela\.plt/ { print $(NF - 1) }')
	[ -n "$plt" ] && [ -n "$n" ] || return 0
	awk -v base=$((16#$plt)) -v n="$n" 'BEGIN { for (i = 1; i <= n; i++) printf "%x\n", base + 16 * i }'
}
# compare LABEL BIN SYMFILE: perf probe -F's names of BIN against ours
compare() {
	local label=$1 bin=$2 symfile=$3
	perf probe -F -x "$bin" --filter '*' 2>/dev/null | LC_ALL=C sort -u > "$W/$label.perf"
	{ kept_symbols "$symfile" | "$DRV" demangle; plt_slots "$bin" | "$DRV" resolve "$bin"; } |
		grep -v '^$' | LC_ALL=C sort -u > "$W/$label.ours"
	local n missing extra
	n=$(wc -l < "$W/$label.perf")
	missing=$(LC_ALL=C comm -23 "$W/$label.perf" "$W/$label.ours" | wc -l)
	extra=$(LC_ALL=C comm -13 "$W/$label.perf" "$W/$label.ours" | wc -l)
	echo "$label: perf lists $n names; $missing of them not ours, $extra of ours not perf's"
	LC_ALL=C comm -3 "$W/$label.perf" "$W/$label.ours" | head -20 | cut -c1-200
	check "$label: the names perf gives its symbols, all of them ($n)" [ "$n" -gt 20 -a "$missing" -eq 0 -a "$extra" -eq 0 ]
}

compare perfnames "$W/perfnames" "$W/perfnames"
check "perfnames: lambdas, operators and clones as perf spells them" \
	grep -qx 'apply_n<main::{lambda(int)#1}>' "$W/perfnames.ours"
check "perfnames: PLT stubs demangled before @plt" grep -qx 'operator new@plt' "$W/perfnames.ours"

libstdcxx=$(g++ -print-file-name=libstdc++.so.6)
[ -r "$libstdcxx" ] || libstdcxx=/usr/lib/x86_64-linux-gnu/libstdc++.so.6
libstdcxx=$(readlink -f "$libstdcxx")
compare libstdc++ "$libstdcxx" "$libstdcxx"

libc=/usr/lib/x86_64-linux-gnu/libc.so.6
id=$(readelf -n "$libc" 2>/dev/null | awk '/Build ID/ { print $3 }')
dbg=/usr/lib/debug/.build-id/${id:0:2}/${id:2}.debug
if [ -n "$id" ] && [ -r "$dbg" ]; then
	compare libc "$libc" "$dbg"
	check "libc: IRELATIVE PLT slots named \"@plt\" as perf names them" grep -qx '@plt' "$W/libc.ours"
else
	echo "note: libc6-dbg not installed: libc's names not compared"
fi

# A recording: perf script's own frames (name per line, thread name as root), sample by sample.
# record_compare LABEL BINARY: record BINARY with perf -g and compare `scorch fold` with perf script.
record_compare() {
	local label=$1 bin=$2
	if ! perf record -q -F 2999 -g -o "$W/$label.data" -- "$bin" 8000 > /dev/null 2> "$W/record.err"; then
		echo "note: perf record failed here ($(head -1 "$W/record.err")): $label not compared"
		return
	fi
	perf script -i "$W/$label.data" 2>/dev/null | perl -ne '
		if (/^(\S.+?)\s+(\d+)\/*(\d+)*\s+/) { $comm = $1; $comm =~ tr/ /_/; @s = (); next }
		if (defined $comm && /^\s+[0-9a-f]+\s+(.+?)\s+\((\S*)\)$/) {
			# stackcollapse-perf.pl: [unknown] named after its module, $tidy_generic
			my ($f, $mod) = ($1, $2); $f =~ s/\+0x[\da-f]+$//;
			if ($f eq "[unknown]") { $f = $mod ne "[unknown]" ? "[" . ($mod =~ s{.*/}{}r) . "]" : "[unknown]" }
			$f =~ s/;/:/g; $f =~ s/\((?!anonymous namespace\)).*// if $f !~ m/\.\(.*\)\./; $f =~ tr/"\x27//d;
			unshift @s, $f; next }
		if (/^$/ && defined $comm) { $c{join(";", $comm, @s)}++; undef $comm }
		END { $c{join(";", $comm, @s)}++ if defined $comm; print "$_ $c{$_}\n" for sort keys %c }' > "$W/$label.want"
	"$SCORCH" fold --count samples "$W/$label.data" 2>/dev/null | LC_ALL=C sort > "$W/$label.ours"
	if [ -n "${3:-}" ]; then
		# perf 6.1 names lld's PLT stubs only sometimes: a sample in one is "[binary]" or "memset@plt"
		# to it, depending on the binary's layout, and "memcpy@plt" to us. Compare every PLT frame, on
		# both sides, as "[binary]" (the GNU ld recording above checks the @plt names exactly).
		local plt f
		plt=$(grep -c '@plt[; ]' "$W/$label.ours")
		for f in "$W/$label.ours" "$W/$label.want"; do
			sed -E "s/;[^;]*@plt( |;)/;[$3]\1/g" "$f" |
				awk '{ c = $NF; $NF = ""; s[$0] += c } END { for (k in s) print k s[k] }' | LC_ALL=C sort > "$f.plt"
			mv "$f.plt" "$f"
		done
		echo "$label: $plt stacks with a frame in a PLT stub, compared as [$3] on both sides"
	fi
	LC_ALL=C sort -o "$W/$label.want" "$W/$label.want"
	total=$(awk '{ s += $NF } END { print s + 0 }' "$W/$label.want")
	same=$(awk 'NR == FNR { c = $NF; $NF = ""; w[$0] = c; next } { c = $NF; $NF = ""; if ($0 in w) s += (c < w[$0] ? c : w[$0]) } END { print s + 0 }' "$W/$label.want" "$W/$label.ours")
	echo "$label: $same of $total samples on stacks identical to perf script's"
	diff "$W/$label.want" "$W/$label.ours" | head -10 | cut -c1-200
	check "$label: every sample's stack named as perf script names it" [ "$total" -gt 100 -a "$same" -eq "$total" ]
	check "$label: C++ frames without return type or parameters" grep -q ';(anonymous namespace)::spin ' "$W/$label.ours"
}
record_compare recording "$W/perfnames"
# Linked by lld, whose text segment shares a file page with the read-only one (Rust, Chromium and
# many clang builds are linked so): every address must still land in the right function.
if clang++ -O2 -g -fno-omit-frame-pointer -fuse-ld=lld -pthread -o "$W/perfnames_lld" \
	"$TOP/tests/workloads/symbolize/perfnames.cpp" 2> "$W/lld.err"; then
	record_compare recording-lld "$W/perfnames_lld" perfnames_lld
else
	fail "cannot link perfnames.cpp with lld: $(head -1 "$W/lld.err") (scripts/install-deps.sh installs lld)"
fi
finish

#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# scorch's demangler against llvm-cxxfilt (LLVM's spelling, which llvm-symbolizer uses) on every C++
# symbol libstdc++ exports, with c++filt as the referee where they differ (LLVM 14 bugs: transaction
# clones, ctors of ABI-tagged classes); Rust legacy names against c++filt (hash suffix dropped);
# Rust v0 names against llvm-cxxfilt and c++filt.
. "$(dirname "$0")/../testlib.sh"
command -v llvm-cxxfilt >/dev/null || skip "llvm-cxxfilt not installed"
command -v c++filt >/dev/null || skip "c++filt not installed"
lib=$(g++ -print-file-name=libstdc++.so 2>/dev/null)
[ -r "$lib" ] || lib=/usr/lib/x86_64-linux-gnu/libstdc++.so.6
[ -r "$lib" ] || skip "no libstdc++ to take names from"
W=$T_WORK

nm -D --defined-only "$lib" | awk '{ print $3 }' | sed 's/@.*//' | grep '^_Z' | sort -u > "$W/names"
# Hostile input rides along: truncated and garbage names must come back unchanged, without a crash.
printf '%s\n' _Z _ZN _ZNK3foo _ZSt _Z3fooILi _ZZZZZZ _Z1fILi5EEvPA9_ '_Z3foo$$' _ZN3fooIS_E _ZSt_ > "$W/hostile"
# ... and a deep but valid one demangles (2000 pointer levels are refused: recursion is bounded).
deep=$(printf 'P%.0s' $(seq 200))
echo "_Z1f${deep}i" > "$W/deep"
n=$(wc -l < "$W/names")
"$SCORCH" symbolize --cxxfilt < "$W/names" > "$W/ours" || fail "scorch symbolize --cxxfilt failed"
llvm-cxxfilt < "$W/names" > "$W/llvm"
c++filt < "$W/names" > "$W/gnu"
paste "$W/names" "$W/ours" "$W/llvm" "$W/gnu" | awk -F'\t' '
	$2 == $3 { same++; next }
	$2 == $4 { ref++; if (ref <= 5) printf "referee c++filt: %s\n  scorch/c++filt: %s\n  llvm-cxxfilt:   %s\n", $1, $2, $3; next }
	{ bad++; printf "UNEXPLAINED: %s\n  scorch:       %s\n  llvm-cxxfilt: %s\n  c++filt:      %s\n", $1, $2, $3, $4 }
	END { printf "SUMMARY same=%d referee=%d unexplained=%d\n", same, ref, bad }' > "$W/cmp"
grep -v '^SUMMARY' "$W/cmp" | head -60
s=$(grep '^SUMMARY' "$W/cmp"); echo "$s ($n names)"
set -- $s
same=${2#same=}; unexpl=${4#unexplained=}
check "libstdc++ names: no unexplained difference" [ "$unexpl" -eq 0 ]
check "libstdc++ names: >= 98% as llvm-cxxfilt spells them" [ $((same * 100)) -ge $((n * 98)) ]

"$SCORCH" symbolize --cxxfilt < "$W/hostile" > "$W/hostile.out" 2>&1
check "hostile names come back unchanged" cmp -s "$W/hostile" "$W/hostile.out"
check "a 200-level pointer type demangles" grep -q "^f(int\*\*\*" <("$SCORCH" symbolize --cxxfilt < "$W/deep")
echo "_Z1f$(printf 'P%.0s' $(seq 2000))i" | "$SCORCH" symbolize --cxxfilt > /dev/null
check "a 2000-level pointer type is refused without a crash" [ $? -eq 0 ]

# Rust legacy: c++filt keeps the ::h<hash> suffix, scorch drops it (as rustc-demangle's {:#} does).
cat > "$W/rust" <<'EOF'
_ZN4core3fmt9Formatter3pad17h0f3f3f3f3f3f3f3fE
_ZN3std2rt10lang_start28_$u7b$$u7b$closure$u7d$$u7d$17h1a2b3c4d5e6f7a8bE
_ZN5alloc7raw_vec19RawVec$LT$T$C$A$GT$7reserve21do_reserve_and_handle17h06b8f1cd1e5c3a4dE
EOF
"$SCORCH" symbolize --cxxfilt < "$W/rust" > "$W/rust.ours"
c++filt < "$W/rust" | sed 's/::h[0-9a-f]\{16\}$//' > "$W/rust.gnu"
check "Rust legacy names as c++filt demangles them" diff "$W/rust.gnu" "$W/rust.ours"

# ---- Rust v0 ("_R...") ----
# data/rust_v0/names.txt: every _R symbol `nm` lists in the four programs beside it, built by
# rustc 1.95 with -C symbol-mangling-version=v0 -O -g (see data/rust_v0/README.md). edge.txt:
# hand-written spec cases (punycode, backrefs, const generics, fn pointers and ABIs, dyn with
# associated types and binders, arrays, suffixes) and malformed names that must stay mangled.
# The referee for both is llvm-cxxfilt (what llvm-symbolizer prints), with one deliberate
# difference: llvm-cxxfilt keeps a "." suffix as " (.llvm.123)"; scorch drops it (rustc-demangle
# drops .llvm.N too; scorch also .cold/.0, so that one function stays one frame), so the suffix is
# cut from llvm-cxxfilt's line before comparing. Every line must match.
V=$TOP/tests/golden/data/rust_v0
for f in names edge; do
	"$SCORCH" symbolize --cxxfilt < "$V/$f.txt" > "$W/v0.$f.ours" || fail "scorch symbolize --cxxfilt failed on $f.txt"
	llvm-cxxfilt < "$V/$f.txt" | sed 's/ (\..*)$//' > "$W/v0.$f.llvm"
	n=$(wc -l < "$V/$f.txt")
	same=$(paste "$W/v0.$f.ours" "$W/v0.$f.llvm" | awk -F'\t' '$1 == $2' | wc -l)
	paste "$V/$f.txt" "$W/v0.$f.ours" "$W/v0.$f.llvm" | awk -F'\t' '$2 != $3 { if (++k <= 10)
		printf "DIFF %s\n  scorch:       %s\n  llvm-cxxfilt: %s\n", $1, $2, $3 }'
	echo "rust v0 $f.txt: $same of $n lines as llvm-cxxfilt spells them"
	check "rust v0 $f.txt: all $n lines as llvm-cxxfilt" [ "$same" -eq "$n" ]
done
check "rust v0 corpus: >= 1000 real symbols" [ "$(wc -l < "$V/names.txt")" -ge 1000 ]
check "rust v0 corpus: every name demangles" [ "$(grep -c '^_R' "$W/v0.names.ours")" -eq 0 ]

# Second peer on the corpus: binutils c++filt prints the non-alternate form; with its crate hashes
# ("core[c1f1a4ba060b9bfa]") and const type suffixes ("3: usize") cut, it must agree on every line.
c++filt < "$V/names.txt" | sed -e 's/\[[0-9a-f]*\]//g' \
	-e 's/\([0-9a-fx}'"'"'e]\): \(bool\|char\|[iu]\(8\|16\|32\|64\|128\|size\)\)\([],>;]\)/\1\4/g' > "$W/v0.names.gnu"
gsame=$(paste "$W/v0.names.ours" "$W/v0.names.gnu" | awk -F'\t' '$1 == $2' | wc -l)
echo "rust v0 names.txt: $gsame of $(wc -l < "$V/names.txt") lines as c++filt spells them"
check "rust v0 corpus: c++filt agrees on every line" [ "$gsame" -eq "$(wc -l < "$V/names.txt")" ]

# Neither LLVM 14 nor binutils 2.40 knows structural consts (str, &, arrays, tuples, ADTs): no peer
# on this machine spells them, so they are only checked for never crashing or running away
# (tests/symbolize/demangle_rust_test.c, tests/fuzz/demangle_fuzz.c).

# Deliberate differences, each left mangled where llvm-cxxfilt prints something:
#  - chars that are not Unicode scalar values (a surrogate, beyond U+10FFFF): rustc never mangles
#    them (a Rust char cannot hold them) and rustc-demangle refuses them (char::from_u32 fails);
#    LLVM 14 prints '\u{d800}' without checking;
#  - "_RC0", a crate with an empty name: LLVM prints an empty line, which would be a nameless frame.
printf '%s\n' _RINvC3foo3barKcd800_E _RINvC3foo3barKc110000_E _RC0 > "$W/v0.refused"
"$SCORCH" symbolize --cxxfilt < "$W/v0.refused" > "$W/v0.refused.out"
check "rust v0: invalid chars and empty names stay mangled" cmp -s "$W/v0.refused" "$W/v0.refused.out"
finish

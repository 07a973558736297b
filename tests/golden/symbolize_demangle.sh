#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# scorch's demangler against llvm-cxxfilt (LLVM's spelling, which llvm-symbolizer uses) on every C++
# symbol libstdc++ exports, with c++filt as the referee where they differ (LLVM 14 bugs: transaction
# clones, ctors of ABI-tagged classes); Rust legacy names against c++filt (hash suffix dropped).
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
finish

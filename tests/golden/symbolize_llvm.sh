#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Acceptance: scorch symbolize agrees with llvm-symbolizer --inlining (function, inline chain, file:line)
# on every byte address of .text of workloads built by gcc and clang at -O2 -g: PIE and
# non-PIE, shared libraries, DWARF 4 and 5, split DWARF (.dwo), compressed debug sections, a stripped binary with its debug
# file found by build-id (--debug-dir), one found by .gnu_debuglink, MiniDebugInfo (names only), and
# C++ (g++ and clang++, demangled; where llvm-symbolizer 14 cannot demangle, c++filt is the referee).
# >= 10,000 addresses, >= 99.9% identical, every disagreement listed with its explanation.
# PLT stubs (which llvm-symbolizer 14 does not name) are checked against objdump's <func@plt> labels.
. "$(dirname "$0")/../testlib.sh"

command -v llvm-symbolizer >/dev/null || skip "llvm-symbolizer not installed"
command -v clang >/dev/null || skip "clang not installed"
for t in objcopy strip objdump readelf xz c++filt; do command -v $t >/dev/null || skip "$t not installed"; done

SRC=$TOP/tests/workloads/symbolize
W=$T_WORK
mkdir -p "$W/bin" "$W/dbg" "$W/ref"

# build NAME CC FLAGS...: an executable linked with lib NAME's compiler's shared library.
build_lib() { # build_lib NAME CC FLAGS...
	local name=$1 cc=$2; shift 2
	$cc -O2 -g "$@" -fPIC -shared -Wl,--build-id -o "$W/bin/$name" "$SRC/symlib.c"
}
build_exe() { # build_exe NAME CC LIB FLAGS...
	local name=$1 cc=$2 lib=$3; shift 3
	$cc -O2 -g "$@" -Wl,--build-id -I"$SRC" -o "$W/bin/$name" "$SRC/symwork.c" "$W/bin/$lib"
}
set -e
build_lib libsym_gcc.so gcc
build_lib libsym_clang.so clang
build_exe gcc_pie gcc libsym_gcc.so -fPIE -pie
build_exe gcc_nopie gcc libsym_gcc.so -fno-PIE -no-pie
build_exe clang_pie clang libsym_clang.so -fPIE -pie
build_exe clang_nopie clang libsym_clang.so -fno-PIE -no-pie
build_exe gcc_dwarf4 gcc libsym_gcc.so -gdwarf-4
build_exe clang_dwarf4 clang libsym_clang.so -gdwarf-4
build_exe gcc_zlib gcc libsym_gcc.so -gz=zlib
build_exe gcc_buildid gcc libsym_gcc.so -fno-omit-frame-pointer
build_exe clang_debuglink clang libsym_clang.so -fno-omit-frame-pointer
build_exe gcc_mini gcc libsym_gcc.so
# Split DWARF: the functions and inline chains in a .dwo found through the skeleton's DW_AT_dwo_name
# under DW_AT_comp_dir (gcc writes it beside the output, clang in the directory it runs in).
(cd "$W" && build_exe gcc_split gcc libsym_gcc.so -gsplit-dwarf && build_exe clang_split clang libsym_clang.so -gsplit-dwarf)
have_cxx=0
if command -v g++ >/dev/null && command -v clang++ >/dev/null; then
	g++ -O2 -g -o "$W/bin/cxx_gcc" "$SRC/cxxwork.cpp"
	clang++ -O2 -g -o "$W/bin/cxx_clang" "$SRC/cxxwork.cpp"
	have_cxx=1
fi

# Stripped, debug file by build-id in a --debug-dir tree. llvm-symbolizer answers from the unstripped copy.
id=$(readelf -n "$W/bin/gcc_buildid" | awk '/Build ID/{print $3}')
mkdir -p "$W/dbg/.build-id/${id:0:2}"
objcopy --only-keep-debug "$W/bin/gcc_buildid" "$W/dbg/.build-id/${id:0:2}/${id:2}.debug"
cp "$W/bin/gcc_buildid" "$W/ref/gcc_buildid"
strip --strip-all "$W/bin/gcc_buildid"

# Stripped, debug file next to it, found only through .gnu_debuglink (its build-id note removed from
# both, so no build-id lookup can find it).
objcopy --remove-section .note.gnu.build-id "$W/bin/clang_debuglink"
cp "$W/bin/clang_debuglink" "$W/ref/clang_debuglink"
objcopy --only-keep-debug "$W/bin/clang_debuglink" "$W/bin/clang_debuglink.debug"
strip --strip-all "$W/bin/clang_debuglink"
(cd "$W/bin" && objcopy --add-gnu-debuglink=clang_debuglink.debug clang_debuglink)

# MiniDebugInfo: strip everything, then add .gnu_debugdata = xz(symbols only), as Fedora does.
# llvm-symbolizer answers from a copy with its .symtab and no DWARF: names only on both sides.
cp "$W/bin/gcc_mini" "$W/ref/gcc_mini"
strip --strip-debug "$W/ref/gcc_mini"
nm -D "$W/bin/gcc_mini" --format=posix --defined-only | awk '{print $1}' | sort > "$W/dynsyms"
nm "$W/bin/gcc_mini" --format=posix --defined-only | awk '$2 ~ /[TtWw]/ {print $1}' | sort > "$W/funcsyms"
comm -13 "$W/dynsyms" "$W/funcsyms" > "$W/keep"
objcopy --only-keep-debug "$W/bin/gcc_mini" "$W/mini.full"
objcopy -S --remove-section .gdb_index --remove-section .comment --keep-symbols="$W/keep" "$W/mini.full" "$W/mini.debug"
xz -f "$W/mini.debug"
strip --strip-all "$W/bin/gcc_mini"
objcopy --add-section .gnu_debugdata="$W/mini.debug.xz" "$W/bin/gcc_mini"
set +e

# addrs FILE: every byte address of .text, in hex.
addrs() {
	readelf -SW "$1" | awk '$2 == ".text" { print $4, $6 } $3 == ".text" { print $5, $7 }' |
		while read -r addr size; do
			a=$((16#$addr)); n=$((16#$size))
			seq "$a" 1 $((a + n - 1))
		done | awk '{ printf "0x%x\n", $1 }'
}

total=0 same=0 expl=0 unexpl=0
compare() { # compare LABEL BIN REF [names-only] [scorch options...]
	local label=$1 bin=$2 ref=$3 mode=$4; shift 4
	addrs "$bin" > "$W/$label.addrs"
	"$SCORCH" symbolize -a -f -i "$@" -e "$bin" < "$W/$label.addrs" > "$W/$label.scorch" ||
		fail "$label: scorch symbolize failed"
	llvm-symbolizer --inlining --output-style=GNU -a -f -e "$ref" < "$W/$label.addrs" > "$W/$label.llvm" 2>/dev/null
	if [ "$mode" = names ]; then
		# Names only: keep the function lines (every other line after an address).
		for f in scorch llvm; do
			awk '/^0x/ { print; k = 0; next } { k++; if (k % 2) print; else print "??:0" }' \
				"$W/$label.$f" > "$W/$label.$f.names"
			mv "$W/$label.$f.names" "$W/$label.$f"
		done
	fi
	awk -v label="$label" -f "$SRC/compare.awk" "$W/$label.scorch" "$W/$label.llvm" > "$W/$label.cmp"
	grep -v '^SUMMARY' "$W/$label.cmp"
	local s
	s=$(grep '^SUMMARY' "$W/$label.cmp")
	echo "$s"
	set -- $s
	total=$((total + ${3#total=})); same=$((same + ${4#identical=}))
	expl=$((expl + ${5#explained=})); unexpl=$((unexpl + ${6#unexplained=}))
}

for b in gcc_pie gcc_nopie clang_pie clang_nopie gcc_dwarf4 clang_dwarf4 gcc_zlib gcc_split clang_split libsym_gcc.so \
	libsym_clang.so; do
	compare "$b" "$W/bin/$b" "$W/bin/$b" full
done
compare gcc_buildid "$W/bin/gcc_buildid" "$W/ref/gcc_buildid" full --debug-dir "$W/dbg"
compare clang_debuglink "$W/bin/clang_debuglink" "$W/ref/clang_debuglink" full
compare gcc_mini "$W/bin/gcc_mini" "$W/ref/gcc_mini" names
c_total=$total c_same=$same c_expl=$expl c_unexpl=$unexpl
# C++: llvm-symbolizer demangles by default; scorch with -C. Counted apart: where they differ,
# llvm-symbolizer 14's demangler fails (enable_if<sr...> names it leaves mangled), and c++filt decides.
total=0 same=0 expl=0 unexpl=0
if [ $have_cxx = 1 ]; then
	compare cxx_gcc "$W/bin/cxx_gcc" "$W/bin/cxx_gcc" full -C
	compare cxx_clang "$W/bin/cxx_clang" "$W/bin/cxx_clang" full -C
	echo "C++: $total addresses, $same identical, $expl explained, $unexpl unexplained"
	check "C++: no unexplained disagreement" [ "$unexpl" -eq 0 ]
	check "C++: >= 99% identical to llvm-symbolizer" [ $((same * 100)) -ge $((total * 99)) ]
else
	fail "C++ not compared: g++ or clang++ missing (scripts/install-deps.sh installs them)"
fi
total=$c_total same=$c_same expl=$c_expl unexpl=$c_unexpl

# PLT stubs: objdump labels each entry <func@plt>; scorch must give that name to every byte of it.
plt_bad=0 plt_n=0
for b in gcc_pie gcc_nopie clang_pie clang_nopie; do
	objdump -d -j .plt -j .plt.sec "$W/bin/$b" | awk '/^[0-9a-f]+ <.*@plt>:$/ { gsub(/[<>:]/, "", $2); print "0x" $1, $2 }' > "$W/$b.plt"
	while read -r addr name; do
		for off in 0 5 15; do
			got=$("$SCORCH" symbolize -f -e "$W/bin/$b" $(printf '0x%x' $((addr + off))) | head -1)
			plt_n=$((plt_n + 1))
			[ "$got" = "$name" ] || { echo "PLT $b $addr+$off: scorch '$got', objdump '$name'"; plt_bad=$((plt_bad + 1)); }
		done
	done < "$W/$b.plt"
done
echo "plt: $plt_n addresses of PLT entries, $plt_bad misnamed"
check "PLT entries named as objdump labels them" test "$plt_n" -gt 0 -a "$plt_bad" -eq 0

echo "C: $total addresses, $same identical, $expl explained, $unexpl unexplained"
check "at least 10,000 addresses compared" [ "$total" -ge 10000 ]
check "no unexplained disagreement" [ "$unexpl" -eq 0 ]
check ">= 99.9% identical to llvm-symbolizer" [ $((same * 1000)) -ge $((total * 999)) ]
finish

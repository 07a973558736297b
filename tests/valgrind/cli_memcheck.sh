#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The scorch binary under valgrind's memcheck: every reader, writer and output on real inputs, bad
# input too, and short live recordings. Fails on any memcheck error (uninitialised reads, invalid
# accesses, bad frees) and on definite or indirect leaks. ASan (`make asan`) does not see
# uninitialised reads; this does. Runs the plain build: valgrind cannot run an ASan binary.
. "$(dirname "$0")/../testlib.sh"
require_fixtures
command -v valgrind >/dev/null || skip "valgrind not installed (apt-get install valgrind)"
[ -x "$SCORCH" ] || { fail "no scorch binary at $SCORCH"; finish; }
if nm "$SCORCH" 2>/dev/null | grep -q __asan_init; then
	skip "$SCORCH is an ASan build; valgrind needs the plain one"
fi

P=$FIXTURES/perf
SC=$FIXTURES/stackcollapse/inputs
SUPP=$(dirname "$0")/libbpf.supp
VG=(valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect
	--errors-for-leak-kinds=definite,indirect --suppressions="$SUPP")
xz -dc "$P/bin/kallsyms.xz" > "$T_WORK/kallsyms"
n=0

# vg NAME WANT_RC ARGS...: scorch ARGS under memcheck; the exit code must be WANT_RC and memcheck quiet
vg() {
	local name=$1 want=$2 rc; shift 2
	n=$((n + 1))
	timeout 300 "${VG[@]}" "$SCORCH" "$@" > "$T_WORK/out" 2> "$T_WORK/err"
	rc=$?
	# "==PID== " lines are memcheck's reports; bpf commands valgrind does not model are only warnings
	if grep -q '^==[0-9]*== ' "$T_WORK/err"; then
		fail "$name: memcheck reports (exit $rc)"
		grep '^==[0-9]*== ' "$T_WORK/err" | head -40
	elif [ "$rc" -ne "$want" ]; then
		fail "$name: exit $rc, want $want"
		grep -v 'unhandled eBPF' "$T_WORK/err" | head -10
	else
		ok "$name"
	fi
}

# perf.data: every fixture (file, pipe, zstd, DWARF, tracepoint, two events), named offline
for f in "$P"/*.data; do
	vg "fold $(basename "$f")" 0 fold --kallsyms "$T_WORK/kallsyms" --debug-dir "$P/bin" "$f"
done
# every output format from one input
vg "render: svg, json, folded, pprof, speedscope" 0 render --kallsyms "$T_WORK/kallsyms" --debug-dir "$P/bin" \
	"$P/a_cpu_fp.data" -o "$T_WORK/a.svg" -o "$T_WORK/a.json" -o "$T_WORK/a.folded" -o "$T_WORK/a.pb.gz" \
	-o "$T_WORK/a.speedscope.json"
vg "render: perf script text, every mark" 0 render --all --pid "$P/golden/b_inl_nofp_dwarf.script-inline.txt" \
	-o "$T_WORK/b.svg"
vg "render: pprof input, to svg" 0 render "$T_WORK/a.pb.gz" -o "$T_WORK/a2.svg"
vg "fold: pprof input, every mark" 0 fold --all "$T_WORK/a.pb.gz"
vg "diff" 0 diff "$T_WORK/a.folded" "$T_WORK/a.folded" -o "$T_WORK/d.svg"
# stackcollapse-perf.pl's conformance inputs, with every option that changes parsing
for f in "$SC"/*.txt; do
	vg "fold $(basename "$f") --all --tid --addrs" 0 fold --all --tid --addrs "$f"
done
# symbolize: inline chains and file:line, demangling, JSON
awk 'NR % 7 == 1' "$P/golden/symbolize/inl_nofp.addrs" | head -300 > "$T_WORK/addrs"
vg "symbolize -f -i -a -C" 0 symbolize -e "$P/bin/inl_nofp" -f -i -a -C < "$T_WORK/addrs"
vg "symbolize -p -s --dwarf-names --stats" 0 symbolize -e "$P/bin/inl_nofp" -p -s --dwarf-names --stats \
	< "$T_WORK/addrs"
vg "symbolize --perf --kernel" 0 symbolize --kernel --perf --kallsyms "$T_WORK/kallsyms" \
	"$(awk '$2 ~ /[Tt]/ {print $1; exit}' "$T_WORK/kallsyms")"

# bad input: cut in the middle of a record, garbage, a file that is not perf.data
head -c 60000 "$P/a_cpu_fp.data" > "$T_WORK/cut.data"
vg "fold: truncated perf.data (warning, samples so far)" 0 fold "$T_WORK/cut.data"
{ printf 'PERFILE2'; head -c 4096 /dev/urandom; } > "$T_WORK/garbage.data"
vg "fold: garbage after the magic" 1 fold "$T_WORK/garbage.data"
head -c 100000 "$P/d_mt_pipe.data" > "$T_WORK/cut-pipe.data"
vg "fold: truncated pipe-mode perf.data (warning, samples so far)" 0 fold "$T_WORK/cut-pipe.data"
head -c 3000 "$P/d_mt_pipe.data" > "$T_WORK/cut-pipe-head.data"
vg "fold: pipe-mode perf.data cut before any sample" 1 fold "$T_WORK/cut-pipe-head.data"

# live recordings (root and BPF): on-CPU, off-CPU with wakers, DWARF stacks, perf.data out
if [ "$(id -u)" = 0 ] && [ -r /sys/kernel/btf/vmlinux ]; then
	cat > "$T_WORK/wl.c" <<'EOF'
#include <time.h>
#include <unistd.h>
__attribute__((noinline)) static long spin(long n) { long s = 0; for (long i = 0; i < n; i++) s += i ^ (s >> 3); return s; }
int main(void)
{
	struct timespec nap = { 0, 2000000 };
	long s = 0;
	for (int i = 0; i < 150; i++) {
		s += spin(400000);
		nanosleep(&nap, NULL);
	}
	return s == 42;
}
EOF
	gcc -O1 -g -fno-omit-frame-pointer -o "$T_WORK/wl" "$T_WORK/wl.c" || fail "cannot build the workload"
	vg "record: on-CPU, svg" 0 record -F 199 -o "$T_WORK/r.svg" -- "$T_WORK/wl"
	vg "record: off-CPU --wakeup, svg and perf.data" 0 record --mode offcpu --wakeup -o "$T_WORK/o.svg" \
		-o "$T_WORK/o.data" -- "$T_WORK/wl"
	vg "record: --call-graph dwarf, folded" 0 record --call-graph dwarf -F 199 -o "$T_WORK/dw.folded" -- "$T_WORK/wl"
	vg "fold: our own perf.data" 0 fold "$T_WORK/o.data"
else
	echo "note: not root or no kernel BTF: the live recordings are left out"
fi
echo "$n runs under memcheck"
finish

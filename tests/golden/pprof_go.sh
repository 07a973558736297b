#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# pprof output read back by the real Go pprof (`go tool pprof`, Debian's golang-go): every stack,
# value, inline frame, name, mapping, comment and period we write must come back as written. And
# pprof input: profiles Go's runtime/pprof writes, folded as `go tool pprof -traces` shows them.
# Profiles come from specs through tests/golden/pprof_go_driver.c (linked with libfold), which also
# prints, from the spec alone, what pprof must show; and from folded text through `scorch render`.
. "$(dirname "$0")/../testlib.sh"

command -v go >/dev/null || skip "go not installed (scripts/install-deps.sh installs golang-go)"
for a in libfold.a liblib.a; do
	[ -f "$BUILD/$a" ] || { fail "$BUILD/$a missing: build it first (make $BUILD/$a)"; finish; }
done

# Go offline and self-contained: its caches under $T_WORK, no toolchain download, no module proxy.
export HOME=$T_WORK/home GOCACHE=$T_WORK/gocache GOPATH=$T_WORK/gopath GOTOOLCHAIN=local GOPROXY=off
export GOFLAGS= PPROF_TMPDIR=$T_WORK/pprof GOTELEMETRY=off
mkdir -p "$HOME" "$PPROF_TMPDIR"

# The driver, built like the archives (ASan ones need the sanitizer runtime).
san=
nm "$BUILD/libfold.a" 2>/dev/null | grep -q __asan_ && san="-fsanitize=address,undefined"
DRV=$T_WORK/pprof_go_driver
gcc -std=gnu11 -g -O1 $san -D_GNU_SOURCE -I"$TOP" -o "$DRV" "$TOP/tests/golden/pprof_go_driver.c" \
	"$BUILD/libfold.a" "$BUILD/liblib.a" -lz || { fail "cannot build the driver"; finish; }

SEP='-----------+-------------------------------------------------------'
# spec NAME: stdin with '|' between fields (escape a real '|' as \x7c) -> $T_WORK/NAME.spec
spec() { tr '|' '\t' > "$T_WORK/$1.spec"; }
write() { "$DRV" write "$T_WORK/$1.spec" "$T_WORK/$1.pb.gz" "${@:2}"; }
pprof() { go tool pprof "$@" 2>>"$T_WORK/pprof.err"; }
# pprof's -traces output from the first separator on; traces_of blanks the value column
traces_raw() { pprof -traces "${@:2}" "$T_WORK/$1.pb.gz" | sed -n "/^$SEP\$/,\$p"; }
traces_of() { traces_raw "$@" | sed "/^$SEP\$/{n;s/^.\{10\}/          /}"; }
# the values of every sample with locations, from -raw's Samples section
values_of() {
	pprof -raw "$T_WORK/$1.pb.gz" | sed -n '/^Samples:/,/^Locations/p' |
		sed -n 's/^ *\(-\{0,1\}[0-9][-0 -9]*\): [0-9].*/\1/p' | tr -s ' '
}
# same NAME WHAT [pprof -traces options]: pprof's traces and values of NAME match the spec's
same() {
	local n=$1 what=$2; shift 2
	"$DRV" traces "$T_WORK/$n.spec" "$@" > "$T_WORK/$n.want" && traces_of "$n" ${1:+-lines} > "$T_WORK/$n.got"
	check "$what: every stack, leaf first, as pprof -traces shows it" cmp -s "$T_WORK/$n.want" "$T_WORK/$n.got"
	cmp -s "$T_WORK/$n.want" "$T_WORK/$n.got" || diff "$T_WORK/$n.want" "$T_WORK/$n.got" | head -20
	"$DRV" values "$T_WORK/$n.spec" > "$T_WORK/$n.vwant" && values_of "$n" > "$T_WORK/$n.vgot"
	check "$what: every value, as pprof -raw shows it" cmp -s "$T_WORK/$n.vwant" "$T_WORK/$n.vgot"
	cmp -s "$T_WORK/$n.vwant" "$T_WORK/$n.vgot" || diff "$T_WORK/$n.vwant" "$T_WORK/$n.vgot" | head -10
}

# 1. Four value types, shared frames, a negative value (differential profiles have them).
spec multi <<'EOF'
type|samples|count
type|cpu|nanoseconds
type|off-cpu|nanoseconds
type|wall|nanoseconds
stack|3,30000000,0,30000000
frame|s|app-123
frame|u|main|/usr/bin/app
frame|u|work|/usr/bin/app
frame|u|hot|/usr/bin/app
end
stack|1,10000000,5000,10005000
frame|s|app-123
frame|u|main|/usr/bin/app
frame|u|work|/usr/bin/app
end
stack|0,0,-700,1
frame|s|app-123
frame|u|main|/usr/bin/app
frame|u|read|/lib/x86_64-linux-gnu/libc.so.6
frame|k|entry_SYSCALL_64|[kernel.kallsyms]
frame|k|schedule|[kernel.kallsyms]
end
EOF
write multi && same multi "four value types"
check "pprof lists the four sample types, the last as default" \
	grep -qx 'samples/count cpu/nanoseconds off-cpu/nanoseconds wall/nanoseconds' <(pprof -raw "$T_WORK/multi.pb.gz")
write multi 2 && check "default_sample_type marks off-cpu" \
	grep -qx 'samples/count cpu/nanoseconds off-cpu/nanoseconds\[dflt\] wall/nanoseconds' <(pprof -raw "$T_WORK/multi.pb.gz")
check "pprof -traces picks the default value type" grep -qx 'Type: off-cpu' <(pprof -traces "$T_WORK/multi.pb.gz")
check "the main binary is mapping 1 (pprof's File:)" grep -qx 'File: app' <(pprof -traces "$T_WORK/multi.pb.gz")
pprof -raw "$T_WORK/multi.pb.gz" | sed -n '/^Mappings/,$p' > "$T_WORK/multi.maps"
check "one mapping per module and one for frames without, all symbolized" \
	test "$(grep -c '^[0-9]*: 0x0/0x0/0x0 .* \[FN\]$' "$T_WORK/multi.maps")" = 4
check "mapping names kept" grep -q ' \[kernel.kallsyms\]  \[FN\]$' "$T_WORK/multi.maps"

# 2. Inlined frames (the symbolizer's chains: the physical frame, then what is inlined into it),
#    files and lines; an inlined frame at the root or above a process label stands alone.
spec inline <<'EOF'
type|samples|count
stack|5
frame|s|app-1
frame|u|main|/usr/bin/app|main.c|40
frame|u|run|/usr/bin/app|run.c|12
frame|i|step|/usr/bin/app|step.h|7
frame|i|add|/usr/bin/app|math.h|3
frame|u|leaf|/usr/bin/app|leaf.c|99
end
stack|2
frame|s|app-1
frame|u|main|/usr/bin/app|main.c|40
frame|u|run|/usr/bin/app|run.c|12
frame|i|step|/usr/bin/app|step.h|8
end
stack|1
frame|i|orphan|/usr/bin/app|o.c|1
frame|i|inner|/usr/bin/app|i.c|2
end
stack|1
frame|s|app-1
frame|i|orphan2|/usr/bin/app|o.c|1
end
stack|4
frame|s|app-1
frame|s|[unknown]|/usr/bin/app
frame|i|dwarf_only|/usr/bin/app|d.c|5
end
EOF
write inline && same inline "inlined frames" && same inline "inlined frames with -lines" lines
check "the mapping says it has inline frames, files and lines" \
	grep -q '/usr/bin/app  \[FN\]\[FL\]\[LN\]\[IN\]$' <(pprof -raw "$T_WORK/inline.pb.gz")
# pprof -raw: location "step" with "add" inlined is one location of two lines, innermost first
pprof -raw "$T_WORK/inline.pb.gz" | sed -n '/^Locations/,/^Mappings/p' > "$T_WORK/inline.locs"
check "an inline chain is one location, innermost line first" \
	grep -A2 -E '^ +[0-9]+: 0x0 M=1 add math.h:3 s=0$' "$T_WORK/inline.locs" | grep -qE '^ +step step.h:7 s=0$'

# 3. Hostile names: UTF-8, quotes, backslashes, control characters, a newline, spaces,
#    separators, C++ punctuation pprof would otherwise "simplify".
spec hostile <<'EOF'
type|samples|count
stack|7
frame|s|app-1
frame|u|日本語::関数
frame|u|emoji 🔥 fn
frame|u|quote"d 'single' `back`
frame|u|back\\slash\\n
frame|u|ctl\x01\x1b[31m\tTAB
frame|u|new\nline
frame|u|  spaces around  
frame|u|semi;colon\x7cpipe
frame|u|std::vector<int, std::allocator<int> >::push_back(int const&)
frame|u|<script>alert(1)</script>
frame|u|nul\x00byte
end
stack|2
frame|s|app-1
frame|u|std::vector<int, std::allocator<int> >::push_back(int const&)
end
EOF
write hostile && same hostile "hostile names"

# invalid UTF-8 (proto3 strings must be valid): each bad byte becomes U+FFFD
spec badutf <<'EOF'
type|samples|count
stack|1
frame|u|bad\xff\xfename
frame|u|cut\xe6\x97
end
EOF
write badutf && pprof -traces "$T_WORK/badutf.pb.gz" > "$T_WORK/badutf.got"
check "invalid UTF-8 bytes each become U+FFFD" grep -q "bad$(printf '\xef\xbf\xbd\xef\xbf\xbd')name" "$T_WORK/badutf.got"
check "a cut UTF-8 sequence becomes U+FFFD per byte" grep -q "cut$(printf '\xef\xbf\xbd\xef\xbf\xbd')\$" "$T_WORK/badutf.got"

# 4. 10k-deep stacks: all distinct frames, and one frame recursing 10k times.
{
	echo 'type|samples|count'
	echo 'stack|11'
	seq -f 'frame|u|f%g|/usr/bin/deep' 0 9999
	echo 'end'
	echo 'stack|13'
	echo 'frame|u|main|/usr/bin/deep'
	for _ in $(seq 10000); do echo 'frame|u|recurse|/usr/bin/deep|r.c|7'; done
	echo 'end'
} | spec deep
write deep && same deep "10k-deep stacks"
check "a recursing frame is one location" \
	test "$(pprof -raw "$T_WORK/deep.pb.gz" | sed -n '/^Locations/,/^Mappings/p' | grep -c ' recurse ')" = 1

# 5. An empty profile: valid, with its sample type and no samples.
printf 'type|samples|count\n' | spec empty
write empty && check "an empty profile reads back empty" \
	test "$(pprof -raw "$T_WORK/empty.pb.gz" | sed -n '/^Samples:/,/^Locations/p' | tr '\n' ' ')" = 'Samples: samples/count Locations '
check "an empty profile has no traces" test "$(traces_of empty)" = "$SEP"
printf '' | spec notypes
check "a profile without value types is refused" bash -c "! '$DRV' write '$T_WORK/notypes.spec' '$T_WORK/notypes.pb.gz' 2>/dev/null"
rm -f "$T_WORK/notypes.pb.gz"

# 6. Losses, event and target as comments; period from the frequency; time and duration.
spec meta <<'EOF'
type|cpu|nanoseconds
meta|event|cpu-clock
meta|target|pid 1234
meta|frequency|99
meta|time_ns|1700000000000000000
meta|duration_ns|2500000000
loss|12|stack map full
loss|3|malformed line
stack|10101010
frame|u|main|/usr/bin/app
end
EOF
write meta && same meta "meta"
pprof -comments "$T_WORK/meta.pb.gz" > "$T_WORK/meta.comments"
check "losses are comments" grep -qx 'lost: 12 stack map full' "$T_WORK/meta.comments"
check "every loss is a comment" grep -qx 'lost: 3 malformed line' "$T_WORK/meta.comments"
check "the event is a comment" grep -qx 'event: cpu-clock' "$T_WORK/meta.comments"
check "the target is a comment" grep -qx 'target: pid 1234' "$T_WORK/meta.comments"
pprof -raw "$T_WORK/meta.pb.gz" > "$T_WORK/meta.raw"
check "period type from the frequency" grep -qx 'PeriodType: cpu nanoseconds' "$T_WORK/meta.raw"
check "period 1e9/99 ns" grep -qx 'Period: 10101010' "$T_WORK/meta.raw"
check "duration" grep -qx 'Duration: 2.5s' "$T_WORK/meta.raw"
check "time" grep -qE "^Time: $(TZ=UTC date -d @1700000000 +%Y-%m-%d)" <(TZ=UTC pprof -raw "$T_WORK/meta.pb.gz")
spec period <<'EOF'
type|samples|count
meta|period|1000003
meta|period_type|cycles
meta|period_unit|count
stack|1
frame|u|main
end
EOF
write period && pprof -raw "$T_WORK/period.pb.gz" > "$T_WORK/period.raw"
check "period and its type from the meta" grep -qx 'Period: 1000003' "$T_WORK/period.raw"
check "period type from the meta" grep -qx 'PeriodType: cycles count' "$T_WORK/period.raw"

check "every file is a valid gzip stream" gzip -t "$T_WORK"/*.pb.gz
check "go tool pprof printed no errors" test ! -s "$T_WORK/pprof.err"
[ -s "$T_WORK/pprof.err" ] && head -5 "$T_WORK/pprof.err"

# 7. The command line: folded text through `scorch render -o x.pb.gz`, back through pprof.
[ -x "$SCORCH" ] || fail "no scorch binary at $SCORCH"
if [ -x "$SCORCH" ]; then
	printf 'app;main;work;hot 30\napp;main;work 10\napp;main;read_[k];schedule_[k] 5\n' > "$T_WORK/cli.folded"
	if "$SCORCH" render "$T_WORK/cli.folded" -o "$T_WORK/cli.pb.gz" 2> "$T_WORK/cli.err"; then
		# -traces blocks (leaf first, the value on the leaf's line) back to folded lines
		traces_raw cli | awk -v sep="$SEP" '$0 == sep { if (s != "") print s " " v; s = ""; next }
			{ if (s == "") { v = substr($0, 1, 10); gsub(/ /, "", v); s = substr($0, 14) } else s = substr($0, 14) ";" s }' |
			sort > "$T_WORK/cli.got"
		sort "$T_WORK/cli.folded" > "$T_WORK/cli.want"
		check "scorch render -o x.pb.gz: pprof reads back the folded stacks" cmp -s "$T_WORK/cli.want" "$T_WORK/cli.got"
	else
		fail "scorch render -o x.pb.gz: $(head -1 "$T_WORK/cli.err")"
	fi
fi


# Reading pprof: profiles written by Go's own runtime/pprof (a CPU profile with an inlined frame, a
# heap profile with four value types), folded by scorch, must give the stacks and values that
# `go tool pprof -traces` shows; and scorch's own pprof output must fold back to perf's golden stacks.
# traces_folded FILE [pprof options]: -traces blocks as sorted folded lines, identical stacks summed,
# pprof's "(inline)" marks and label lines ("bytes: 256kB") dropped
traces_folded() {
	pprof -traces "${@:2}" "$1" | sed -n "/^$SEP\$/,\$p" | awk -v sep="$SEP" '
		function flush() { if (s != "") sum[s] += v; s = "" }
		$0 == sep { flush(); next }
		s == "" && $0 ~ /^ +[A-Za-z_]+: / { next }
		{ name = $0; sub(/ \(inline\)$/, "", name); sub(/^ +/, "", name)
		  if (s == "") { v = name; sub(/ .*/, "", v); sub(/^[^ ]+ +/, "", name); s = name } else s = name ";" s }
		END { flush(); for (k in sum) print k " " sum[k] }' | LC_ALL=C sort
}
if [ -x "$SCORCH" ]; then
	mkdir -p "$T_WORK/gosrc"
	cat > "$T_WORK/gosrc/main.go" <<'GO'
package main

import (
	"os"
	"runtime/pprof"
	"time"
)

var sink uint64

// small enough for Go to inline into hotA: pprof gives it a Line of hotA's location
func mix(x uint64) uint64 { return x*6364136223846793005 + 1442695040888963407 }

//go:noinline
func hotA(n int) uint64 {
	s := uint64(1)
	for i := 0; i < n; i++ {
		s = mix(s) ^ uint64(i)
	}
	return s
}

//go:noinline
func hotB(n int) uint64 {
	s := uint64(7)
	for i := 0; i < n; i++ {
		s ^= s<<13 ^ s>>7 ^ uint64(i)
	}
	return s
}

//go:noinline
func work(d time.Duration) {
	for t := time.Now(); time.Since(t) < d; {
		sink += hotA(200000) + hotB(100000)
	}
}

func main() {
	f, err := os.Create(os.Args[1])
	if err != nil {
		panic(err)
	}
	pprof.StartCPUProfile(f)
	work(800 * time.Millisecond)
	pprof.StopCPUProfile()
	f.Close()
	h, err := os.Create(os.Args[2])
	if err != nil {
		panic(err)
	}
	pprof.WriteHeapProfile(h)
	h.Close()
}
GO
	if (cd "$T_WORK/gosrc" && go build -o "$T_WORK/goprof" main.go) 2> "$T_WORK/gobuild.err" &&
		"$T_WORK/goprof" "$T_WORK/gocpu.pb.gz" "$T_WORK/goheap.pb.gz"; then
		"$SCORCH" -v fold "$T_WORK/gocpu.pb.gz" > "$T_WORK/gocpu.fold" 2> "$T_WORK/gocpu.err"
		check "Go CPU profile: folded, pprof's default value (cpu) first" \
			grep -q '^scorch: value type 0: cpu/nanoseconds' "$T_WORK/gocpu.err"
		check "Go CPU profile: hotB under main.work" \
			grep -q '^runtime.main;main.main;main.work;main.hotB [1-9]' "$T_WORK/gocpu.fold"
		traces_folded "$T_WORK/gocpu.pb.gz" -sample_index=samples > "$T_WORK/gocpu.want"
		"$SCORCH" render "$T_WORK/gocpu.pb.gz" --value samples -o "$T_WORK/gocpu.folded" 2>/dev/null
		LC_ALL=C sort "$T_WORK/gocpu.folded" > "$T_WORK/gocpu.got"
		check "Go CPU profile: every stack and sample count as pprof -traces shows them" \
			cmp -s "$T_WORK/gocpu.want" "$T_WORK/gocpu.got"
		cmp -s "$T_WORK/gocpu.want" "$T_WORK/gocpu.got" || diff "$T_WORK/gocpu.want" "$T_WORK/gocpu.got" | head
		traces_folded "$T_WORK/gocpu.pb.gz" -unit=ns | sed 's/ns$//' > "$T_WORK/gocpu.nswant"
		LC_ALL=C sort "$T_WORK/gocpu.fold" > "$T_WORK/gocpu.nsgot"
		check "Go CPU profile: the cpu values, in nanoseconds" cmp -s "$T_WORK/gocpu.nswant" "$T_WORK/gocpu.nsgot"
		cmp -s "$T_WORK/gocpu.nswant" "$T_WORK/gocpu.nsgot" || diff "$T_WORK/gocpu.nswant" "$T_WORK/gocpu.nsgot" | head
		if pprof -traces "$T_WORK/gocpu.pb.gz" | grep -q 'main.mix (inline)'; then
			"$SCORCH" fold --all "$T_WORK/gocpu.pb.gz" > "$T_WORK/gocpu.all"
			check "Go CPU profile: the inlined mix is marked _[i] under hotA with --all" \
				grep -q '^runtime.main;main.main;main.work;main.hotA;main.mix_\[i\] ' "$T_WORK/gocpu.all"
		else
			echo "note: no sample landed in the inlined mix this run"
		fi
		traces_folded "$T_WORK/goheap.pb.gz" -sample_index=alloc_objects > "$T_WORK/goheap.want"
		"$SCORCH" render "$T_WORK/goheap.pb.gz" --value alloc_objects -o "$T_WORK/goheap.folded" 2>/dev/null
		# pprof -traces leaves out samples whose value of that index is 0 (a stack kept for its other values)
		awk '$NF != 0' "$T_WORK/goheap.folded" | LC_ALL=C sort > "$T_WORK/goheap.got"
		check "Go heap profile: every stack and alloc_objects as pprof -traces shows them" \
			cmp -s "$T_WORK/goheap.want" "$T_WORK/goheap.got"
		cmp -s "$T_WORK/goheap.want" "$T_WORK/goheap.got" || diff "$T_WORK/goheap.want" "$T_WORK/goheap.got" | head
		"$SCORCH" -v fold "$T_WORK/goheap.pb.gz" 2> "$T_WORK/goheap.err" > /dev/null
		check "Go heap profile: four value types, inuse_space (pprof's default) first" \
			grep -q '^scorch: value type 0: inuse_space/bytes' "$T_WORK/goheap.err"
		check "Go heap profile: the fourth value type kept" grep -q '^scorch: value type 3: ' "$T_WORK/goheap.err"
	else
		fail "cannot build or run the Go profile writer: $(head -3 "$T_WORK/gobuild.err")"
	fi
	P=$FIXTURES/perf
	if [ -f "$P/a_cpu_fp.data" ]; then
		xz -dc "$P/bin/kallsyms.xz" > "$T_WORK/kallsyms"
		"$SCORCH" render --kallsyms "$T_WORK/kallsyms" --debug-dir "$P/bin" "$P/a_cpu_fp.data" -o "$T_WORK/own.pb.gz"
		"$SCORCH" fold "$T_WORK/own.pb.gz" > "$T_WORK/own.folded"
		check "scorch's own pprof folds back to perf's golden stacks" \
			cmp -s "$T_WORK/own.folded" "$P/golden/a_cpu_fp.collapsed.txt"
	fi
fi

finish

#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Build each libFuzzer target (tests/fuzz/NAME_fuzz.c) with clang, ASan and UBSan, and run it for
# FUZZ_SECONDS against its seed corpus (tests/fuzz/NAME/ if present). Crashes land in build-fuzz/.
# FUZZ_SEED fixes libFuzzer's seed: `make test` uses one, so its smoke run tries the same inputs on
# every run (a red CI is reproducible, not a lucky find); `make fuzz` alone explores anew each time.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${FUZZ_SECONDS:-30}
[ $# -gt 0 ] || { echo "fuzz: no targets"; exit 0; }
san="-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined"
make --no-print-directory BUILD=build-fuzz CC=clang SAN=fuzz \
	OPT="-O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer" \
	build-fuzz/liblib.a build-fuzz/libfold.a build-fuzz/librender.a build-fuzz/libsymbolize.a \
	build-fuzz/libprobes.a build-fuzz/libsampler.a >/dev/null
pkgs=$(pkg-config --cflags --libs libbpf libelf libdw zlib libzstd)
status=0
for src in "$@"; do
	name=$(basename "$src" .c)
	bin=build-fuzz/tests/fuzz/$name
	mkdir -p "$(dirname "$bin")" "build-fuzz/corpus/$name"
	clang -std=gnu11 -g -O1 $san -D_GNU_SOURCE -I. -Ibuild-fuzz -o "$bin" "$src" \
		build-fuzz/libprobes.a build-fuzz/libsampler.a build-fuzz/librender.a \
		build-fuzz/libsymbolize.a build-fuzz/libfold.a build-fuzz/liblib.a $pkgs -lpthread -lm
	seeds=()
	[ -d "tests/fuzz/$name" ] && seeds+=("tests/fuzz/$name")
	echo "fuzz: $name for ${secs}s"
	if ! (cd build-fuzz && "./tests/fuzz/$name" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=0 ${FUZZ_SEED:+-seed="$FUZZ_SEED"} "corpus/$name" "${seeds[@]/#/../}" 2>&1 | tail -n 3); then
		echo "fuzz: $name FAILED (see build-fuzz/ for the crashing input)"; status=1
	fi
done
exit $status

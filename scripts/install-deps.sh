#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Install, from Debian's apt, whatever scorch needs to build and test that is not yet installed.
set -euo pipefail

# Build: compiler, libraries, BPF tooling. Test peers: perf, bpftrace, llvm-symbolizer,
# libc6-dbg (names Debian libc internals), chromium (browser test of the SVG), xmllint.
# lld: tests link workloads with it, as Rust, Chromium and many clang builds are linked (its
# segment layout differs from GNU ld's). golang-go: Go workloads and pprof as a peer. valgrind:
# memcheck finds the uninitialised reads ASan does not.
pkgs=(
  make gcc g++ clang llvm lld pkg-config bpftool
  libbpf-dev libelf-dev libdw-dev zlib1g-dev libzstd-dev libcmocka-dev
  linux-perf bpftrace libc6-dbg binutils elfutils xz-utils libbpf-tools
  chromium libxml2-utils perl golang-go valgrind
)

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}" >&2
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
# An update is needed on a fresh machine whose package lists are empty or stale.
$SUDO apt-get update -qq >/dev/null || echo "install-deps: apt-get update failed; trying with the lists we have" >&2
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

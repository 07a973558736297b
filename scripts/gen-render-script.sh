#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Regenerate render/script.c (the C string embedded in every SVG) from render/flamegraph.js.
# tests/render/script_test.c fails when the two differ, so edit the .js and run this.
set -euo pipefail
cd "$(dirname "$0")/.."
src=render/flamegraph.js
if grep -q ']]>' "$src"; then echo "$src must not contain ']]>' (it sits in a CDATA section)" >&2; exit 1; fi
command -v node >/dev/null && node --check "$src"
{
	echo '// SPDX-License-Identifier: Apache-2.0'
	echo '/* The script embedded in every SVG flame graph: hover details, click zoom, regex search, URL state. */'
	echo '#include "render/internal.h"'
	echo
	echo '/*'
	echo ' * Generated from render/flamegraph.js by scripts/gen-render-script.sh (without its first,'
	echo ' * SPDX line). It holds no user data: names are read back from the <title> text nodes,'
	echo ' * labels from text nodes in <defs> and numbers from data-* attributes, so nothing a'
	echo ' * profile or an option contains is ever parsed as code.'
	echo ' */'
	echo 'const char flame_svg_script[] ='
	tail -n +2 "$src" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/\t/\\t/g' -e 's/^/\t"/' -e 's/$/\\n"/'
	echo '\t;' | sed 's/\\t/\t/'
} > render/script.c
echo "wrote render/script.c"

// SPDX-License-Identifier: Apache-2.0
/* libFuzzer target for the demanglers: any bytes as a symbol name (Itanium C++, Rust legacy and v0), both forms. */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "symbolize/symbolize.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact-size copy: a read past the terminator is an ASan report, not luck. */
	char *name = malloc(size + 1);
	if (!name)
		return 0;
	memcpy(name, data, size);
	name[size] = 0;
	free(sym_demangle(name));
	free(sym_demangle_short(name));
	/* The same bytes behind "_R" and "_Z": most mutations then reach the parsers' inner states. */
	char *prefixed = malloc(size + 3);
	if (prefixed) {
		prefixed[0] = '_';
		prefixed[1] = 'R';
		memcpy(prefixed + 2, name, size + 1);
		free(sym_demangle(prefixed));
		prefixed[1] = 'Z';
		free(sym_demangle(prefixed));
		free(sym_demangle_short(prefixed));
		free(prefixed);
	}
	free(name);
	return 0;
}

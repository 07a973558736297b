// SPDX-License-Identifier: Apache-2.0
/* libFuzzer target for JIT maps (/tmp/perf-PID.map): any bytes as the file, then lookups around every entry. */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lib/arena.h"
#include "symbolize/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* the parser reads a descriptor: a memory file holds exactly the input */
	int fd = memfd_create("jitmap", MFD_CLOEXEC);
	if (fd < 0)
		return 0;
	if (size && write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	struct arena a;
	arena_init(&a);
	struct symtab t;
	if (jitmap_load_fd(fd, &a, &t) == 0) {
		for (size_t i = 0; i < t.n; i++) {
			const struct sym_symbol *s = &t.syms[i];
			/* each entry's edges, and its name read whole */
			const uint64_t probes[] = { s->start, s->start - 1, s->end, s->end - 1 };
			for (size_t k = 0; k < sizeof(probes) / sizeof(probes[0]); k++) {
				const struct sym_symbol *hit = symtab_find(&t, probes[k]);
				if (hit && strlen(hit->name) == (size_t)-1)
					abort();
			}
		}
		symtab_release(&t);
	}
	arena_release(&a);
	close(fd);
	return 0;
}

// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target for the language's front end and code generator: lex, parse, type-check, generate
 * IR and lower it to BPF (no kernel needed). Attach points that would read the system (tracepoint
 * formats, uprobe binaries) are skipped so the fuzzer explores the language, not the file system.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "probes/check.h"
#include "probes/internal.h"
#include "probes/ir.h"
#include "probes/maps.h"

static int fake_fd(int id, void *arg)
{
	(void)arg;
	return id + 3;
}

static bool hermetic(const struct program *p)
{
	static const char *const ok[] = { "BEGIN", "END", "interval", "i", "profile", "p", "software", "s",
					  "hardware", "h", "kprobe", "k", "kretprobe", "kr" };
	for (uint32_t i = 0; i < p->nprobes; i++)
		for (uint32_t j = 0; j < p->probes[i]->naps; j++) {
			bool found = false;
			for (size_t k = 0; k < sizeof(ok) / sizeof(ok[0]); k++)
				if (strcmp(p->probes[i]->aps[j]->parts[0], ok[k]) == 0)
					found = true;
			if (!found)
				return false;
		}
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct diag d;
	const char *src = (const char *)data;
	diag_init(&d, "-e", src, size);
	struct program *prog = parse_program(src, size, &d);
	if (prog && hermetic(prog)) {
		struct checker c;
		static const char *const params[] = { "42", "text" };
		if (checker_init(&c, prog, &d) == 0) {
			c.params = params;
			c.nparams = 2;
			if (check_program(&c) == 0) {
				maps_plan(&c);
				for (uint32_t i = 0; i < c.ninsts; i++) {
					struct cg g;
					if (cg_program(&g, &c, c.insts[i]) == 0) {
						void *insns = NULL;
						size_t n = 0;
						ir_lower(&g.ir, 8, fake_fd, NULL, &insns, &n, NULL);
						free(insns);
					}
					cg_release(&g);
				}
			}
			checker_release(&c);
		}
	}
	program_free(prog);
	diag_release(&d);
	return 0;
}

// SPDX-License-Identifier: Apache-2.0
/* Test driver for tests/golden/symbolize_perf_names.sh: names addresses of one binary as perf script does (symbol only, short demangling). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/err.h"
#include "symbolize/symbolize.h"

/*
 * Usage:
 *   symbolize_perf_names_driver demangle < NAMES
 *       each line demangled as perf 6.1 prints names (sym_demangle_short), or as is
 *   symbolize_perf_names_driver resolve BIN < ADDRS
 *       ADDRS: one ELF address of BIN per line (hex). For each, the symbol perf
 *       would name it by (its alias choice, PLT stubs, labels, short demangling),
 *       or an empty line; debug files are searched as scorch fold does.
 */
static int demangle(void)
{
	struct buf line = BUF_INIT;
	int c;

	for (;;) {
		buf_reset(&line);
		while ((c = getchar()) != EOF && c != '\n')
			if (buf_addch(&line, (char)c) < 0)
				return 1;
		if (c == EOF && !line.len)
			break;
		char *d = sym_demangle_short(line.data);
		printf("%s\n", d ? d : line.data);
		free(d);
	}
	buf_release(&line);
	return 0;
}

static int resolve(const char *bin)
{
	struct symbolizer_opts o = { .demangle = true, .demangle_short = true };
	struct symbolizer *s = symbolizer_new(&o);
	struct errbuf err;
	char line[256];
	int rc = 0;

	errbuf_init(&err);
	struct sym_module *m = s ? symbolizer_open_file(s, bin, &err) : NULL;
	if (!m) {
		fprintf(stderr, "%s: %s\n", bin, err.msg.len ? err.msg.data : "out of memory");
		rc = 1;
	}
	while (m && fgets(line, sizeof(line), stdin)) {
		struct sym_chain c;

		if (symbolizer_resolve_module(s, m, strtoull(line, NULL, 16), SYM_SYMBOL_ONLY, &c) < 0) {
			rc = 1;
			break;
		}
		printf("%s\n", c.symbol);
	}
	errbuf_release(&err);
	symbolizer_free(s);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "demangle") == 0)
		return demangle();
	if (argc == 3 && strcmp(argv[1], "resolve") == 0)
		return resolve(argv[2]);
	fprintf(stderr, "usage: %s demangle < NAMES | resolve BIN < ADDRS\n", argv[0]);
	return 2;
}

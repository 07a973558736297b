// SPDX-License-Identifier: Apache-2.0
/* scorch entry point: global options, then dispatch to a subcommand from one sorted table. */
#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"

#ifndef SCORCH_VERSION
#define SCORCH_VERSION "0.1.0"
#endif

enum cmd_flags {
	CMD_NEEDS_BPF = 1 << 0, /* route libbpf's log through ours before running */
};

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	unsigned flags;
	const char *summary;
};

static const struct command commands[] = {
	{ "diff", cmd_diff, 0, "differential flame graph of two profiles" },
	{ "fold", cmd_fold, 0, "collapse perf.data, perf script or folded input into folded stacks" },
	{ "list", cmd_list, CMD_NEEDS_BPF, "list probes: tracepoints, software events, uprobe functions" },
	{ "record", cmd_record, CMD_NEEDS_BPF, "sample on-CPU or off-CPU stacks of a process into a flame graph" },
	{ "render", cmd_render, 0, "draw a flame graph (SVG), or write JSON/speedscope, from any input" },
	{ "symbolize", cmd_symbolize, 0, "addresses to function, inline chain and file:line (addr2line-compatible)" },
	{ "trace", cmd_trace, CMD_NEEDS_BPF, "run a bpftrace-dialect program compiled straight to BPF" },
};

static void usage(FILE *out)
{
	fprintf(out, "usage: scorch [-v] [--version] <command> [<args>]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "   %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\n'scorch <command> --help' shows the options and examples of a command.\n");
}

int main(int argc, char **argv)
{
	int verbosity = 0;
	int i = 1;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "-v") == 0 || strcmp(argv[i], "--verbose") == 0) {
			verbosity++;
		} else if (strcmp(argv[i], "--version") == 0) {
			printf("scorch %s\n", SCORCH_VERSION);
			return 0;
		} else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			usage(stdout);
			return 0;
		} else {
			fprintf(stderr, "scorch: unknown option '%s'\n", argv[i]);
			usage(stderr);
			return 2;
		}
	}
	if (i >= argc) {
		usage(stderr);
		return 2;
	}
	const char *name = argv[i];
	if (strcmp(name, "help") == 0) {
		if (i + 1 < argc) {
			char help[] = "--help";
			char *sub[] = { argv[i + 1], help, NULL };
			name = argv[i + 1];
			for (size_t c = 0; c < sizeof(commands) / sizeof(commands[0]); c++)
				if (strcmp(commands[c].name, name) == 0)
					return commands[c].fn(2, sub);
		}
		usage(stdout);
		return 0;
	}
	for (size_t c = 0; c < sizeof(commands) / sizeof(commands[0]); c++) {
		if (strcmp(commands[c].name, name) != 0)
			continue;
		cli_set_verbosity(verbosity);
		if (commands[c].flags & CMD_NEEDS_BPF)
			libbpf_log_setup(verbosity);
		return commands[c].fn(argc - i, argv + i);
	}
	fprintf(stderr, "scorch: '%s' is not a scorch command\n", name);
	usage(stderr);
	return 2;
}

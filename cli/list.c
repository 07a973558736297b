// SPDX-License-Identifier: Apache-2.0
/* scorch list: the probes a program can use (tracepoints, events, a binary's functions), as bpftrace -l. */
#include "cli/cli.h"

#include <stdio.h>
#include <string.h>

#include "lib/err.h"
#include "probes/probes.h"

static const char usage_text[] =
	"usage: scorch list [PATTERN]\n"
	"\n"
	"List probes matching PATTERN, a glob over PROVIDER:TARGET:NAME (default: all):\n"
	"tracepoints and raw tracepoints (from tracefs), software and hardware events,\n"
	"and for uprobe:/path/to/binary:GLOB the functions a uprobe can attach to.\n"
	"\n"
	"examples:\n"
	"  scorch list 'tracepoint:sched:*'          # scheduler tracepoints\n"
	"  scorch list 'sched:*'                     # the same: any provider\n"
	"  scorch list '*sys_enter_read*'            # anything named like it\n"
	"  scorch list 'uprobe:/usr/bin/bash:read*'  # functions of bash\n"
	"  scorch list 'software:*'                  # software perf events\n";

int cmd_list(int argc, char **argv)
{
	if (argc > 1 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
		fputs(usage_text, stdout);
		return 0;
	}
	if (argc > 2)
		return cli_usage_error("list", "takes at most one pattern");
	if (argc > 1 && argv[1][0] == '-')
		return cli_usage_error("list", "unknown option '%s'", argv[1]);
	struct errbuf err;
	errbuf_init(&err);
	int r = probes_list(argc > 1 ? argv[1] : NULL, stdout, &err);
	if (r < 0)
		cli_report(NULL, &err);
	else if (r == 0)
		cli_error("no probes match '%s'", argc > 1 ? argv[1] : "*");
	errbuf_release(&err);
	return r <= 0 ? 1 : 0;
}

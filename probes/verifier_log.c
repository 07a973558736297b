// SPDX-License-Identifier: Apache-2.0
/* Reading the BPF verifier's log: the instruction it stopped at and its reason, for errors located in the source. */
#include "probes/runtime.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"

/* "N: (op) ..." lines of the verifier log: the index of the last instruction it looked at, or -1. */
long verifier_last_insn(const char *log)
{
	long last = -1;
	for (const char *l = log; *l;) {
		char *end;
		long v = strtol(l, &end, 10);
		if (end != l && end[0] == ':' && end[1] == ' ' && end[2] == '(')
			last = v;
		const char *nl = strchr(l, '\n');
		if (!nl)
			break;
		l = nl + 1;
	}
	return last;
}

/* The verifier's reason: the last log line that is not a summary. */
void verifier_reason(const char *log, struct buf *out)
{
	const char *best = NULL;
	size_t best_len = 0;
	for (const char *l = log; *l;) {
		const char *nl = strchr(l, '\n');
		size_t len = nl ? (size_t)(nl - l) : strlen(l);
		static const char *const noise[] = { "processed ", "verification time", "stack depth", "cur state:",
						     "old state:", "from ", "; ", "func#", "last_idx", "regs=", "parent ",
						     "frame", "mark_precise", "Live regs", "R" };
		bool summary = len == 0;
		for (size_t i = 0; i < sizeof(noise) / sizeof(noise[0]) && !summary; i++)
			summary = strncmp(l, noise[i], strlen(noise[i])) == 0 &&
				  (noise[i][0] != 'R' || noise[i][1] || (l[1] >= '0' && l[1] <= '9'));
		char *end;
		strtol(l, &end, 10);
		bool insn = end != l && *end == ':';
		if (!summary && !insn) {
			best = l;
			best_len = len;
		}
		if (!nl)
			break;
		l = nl + 1;
	}
	if (best)
		buf_add(out, best, best_len);
	else
		buf_addstr(out, "(no reason given)");
}

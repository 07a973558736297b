// SPDX-License-Identifier: Apache-2.0
/* Error printing shared by the subcommands (see cli.h). */
#include "cli/cli.h"

#include <stdarg.h>
#include <stdio.h>

#include "lib/err.h"

static int verbosity;

int cli_verbosity(void)
{
	return verbosity;
}

void cli_set_verbosity(int v)
{
	verbosity = v;
}

void cli_error(const char *fmt, ...)
{
	va_list ap;
	fputs("scorch: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void cli_report(const char *what, const struct errbuf *err)
{
	const char *msg = err && err->msg.len ? err->msg.data : "unknown error";
	if (what && *what)
		fprintf(stderr, "scorch: %s: %s\n", what, msg);
	else
		fprintf(stderr, "scorch: %s\n", msg);
	if (err && err->hint.len)
		fprintf(stderr, "hint: %s\n", err->hint.data);
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "scorch %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\ntry 'scorch %s --help'\n", cmd);
	return 2;
}

// SPDX-License-Identifier: Apache-2.0
/* Error printing shared by the subcommands (see cli.h). */
#include "cli/cli.h"

#include <ctype.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

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

int cli_option_error(const char *cmd, char **argv)
{
	const char *arg = optind > 0 ? argv[optind - 1] : NULL;
	/* a short option: optopt holds it, unless it was a long one with a missing argument */
	if (optopt > 0 && optopt < 128 && isprint(optopt) && (!arg || strncmp(arg, "--", 2) != 0))
		return cli_usage_error(cmd, "unknown option '-%c', or it needs an argument", optopt);
	if (arg && arg[0] == '-')
		return cli_usage_error(cmd, "unknown option '%s', or it needs an argument", arg);
	return cli_usage_error(cmd, "unknown option");
}

/* SPDX-License-Identifier: Apache-2.0 */
/* The subcommands of scorch and the few helpers they share. */
#ifndef SCORCH_CLI_CLI_H
#define SCORCH_CLI_CLI_H

/*
 * Adding a subcommand:
 *  1. Write cli/NAME.c exporting only `int cmd_NAME(int argc, char **argv)`;
 *     argv[0] is "NAME". Return the exit code: 0 success (also after Ctrl-C),
 *     1 runtime failure, 2 usage error.
 *  2. Parse with getopt_long; keep the option table next to the usage text;
 *     `--help` prints synopsis, options and commented examples to stdout, exit 0.
 *  3. Check option combinations in one place before opening anything.
 *  4. Do the work through the library modules; print errors once, here, with
 *     cli_error()/cli_report() — what failed, why, and a hint.
 *  5. Add the command to the sorted table in cli/main.c with its flags and summary.
 */

struct errbuf;

int cmd_diff(int argc, char **argv);
int cmd_fold(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_record(int argc, char **argv);
int cmd_render(int argc, char **argv);
int cmd_symbolize(int argc, char **argv);
int cmd_trace(int argc, char **argv);

/* Print "scorch: MESSAGE" to stderr (printf format, one line, no trailing newline needed). */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print "scorch: <what>: <err message>" and the hint line, if any, to stderr. */
void cli_report(const char *what, const struct errbuf *err);
/* Usage error: print "scorch CMD: MESSAGE" and "try 'scorch CMD --help'"; returns 2. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/*
 * The usage error for an option getopt_long() rejected (set `opterr = 0`
 * first, so getopt prints nothing): names the option, unknown or missing its
 * argument. Returns 2.
 */
int cli_option_error(const char *cmd, char **argv);
/* Verbosity from -v flags, set by main before dispatch. */
int cli_verbosity(void);
void cli_set_verbosity(int v);

#endif

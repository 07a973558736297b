// SPDX-License-Identifier: Apache-2.0
/* scorch trace: run a bpftrace-dialect program (-e or a file), compiled straight to BPF, printed like bpftrace. */
#include "cli/cli.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/output.h"
#include "fold/profile.h"
#include "lib/buf.h"
#include "lib/err.h"
#include "lib/file.h"
#include "probes/probes.h"

static const char usage_text[] =
	"usage: scorch trace [options] -e 'PROGRAM' [ARG...]\n"
	"       scorch trace [options] FILE.bt [ARG...]\n"
	"\n"
	"Compile a bpftrace-dialect program straight to BPF (no LLVM), run it, and print\n"
	"what bpftrace 0.17 prints. ARGs are the positional parameters $1, $2, ...\n"
	"Options may also come after FILE.bt and the ARGs, as with bpftrace; after\n"
	"'--' everything is an ARG (scorch trace x.bt -- -5).\n"
	"\n"
	"options:\n"
	"  -e, --program PROGRAM  the program text\n"
	"  -p, --pid PID          only this process: probes filter on it, uprobes attach\n"
	"                         in it, and tracing ends when it exits\n"
	"  -c, --command 'CMD'    run CMD (split at blanks), trace while it runs; cpid is its pid\n"
	"  -f, --format FORMAT    text (default) or json, as bpftrace -f json\n"
	"  -d, --duration SECS    stop after SECS seconds (Ctrl-C stops too)\n"
	"  -o, --output FILE      also draw the map keyed by kstack/ustack as a profile:\n"
	"                         .svg flame graph, .folded, .json, .speedscope.json\n"
	"      --map NAME         the map to draw with -o (default: the first keyed by a stack)\n"
	"      --dump=WHAT        print ast, ir or bpf instead of running (comma list)\n"
	"      --max-overhead PCT stop as Ctrl-C does (END runs, maps are printed) when the\n"
	"                         probes use more than PCT% of one CPU two seconds in a row\n"
	"                         (default 10; 0: never), measured with the kernel's BPF statistics\n"
	"  -h, --help             this text\n"
	"\n"
	"examples:\n"
	"  # bytes asked of read() by java processes, as a power-of-two histogram\n"
	"  scorch trace -e 'tracepoint:syscalls:sys_enter_read /comm == \"java\"/ { @bytes = hist(args->count); }'\n"
	"  # context switches in, by the task switched to\n"
	"  scorch trace -e 'tracepoint:sched:sched_switch { @[args->next_comm] = count(); }'\n"
	"  # read() latency in microseconds, linear buckets\n"
	"  scorch trace -e 'tracepoint:syscalls:sys_enter_read { @start[tid] = nsecs; }\n"
	"      tracepoint:syscalls:sys_exit_read /@start[tid]/ {\n"
	"        @us = lhist((nsecs - @start[tid]) / 1000, 0, 100, 10); delete(@start[tid]); }'\n"
	"  # user stacks of process 1234, sampled at 99 Hz, for 10 seconds\n"
	"  scorch trace -d 10 -e 'profile:hz:99 /pid == 1234/ { @[ustack] = count(); }'\n"
	"  # the same as a flame graph, user and kernel frames\n"
	"  scorch trace -d 10 -o cpu.svg -e 'profile:hz:99 /pid == 1234/ { @[ustack, kstack] = count(); }'\n"
	"  # list the scheduler tracepoints\n"
	"  scorch list 'tracepoint:sched:*'\n"
	"\nflame graph options (with -o):\n";

static struct trace *running;

static void on_signal(int sig)
{
	(void)sig;
	if (running)
		trace_stop(running);
}

static int parse_dump(const char *s, unsigned *out)
{
	char *copy = strdup(s), *save = NULL;
	if (!copy)
		return -ENOMEM;
	for (char *w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		if (strcmp(w, "ast") == 0)
			*out |= TRACE_DUMP_AST;
		else if (strcmp(w, "ir") == 0)
			*out |= TRACE_DUMP_IR;
		else if (strcmp(w, "bpf") == 0)
			*out |= TRACE_DUMP_BPF;
		else {
			free(copy);
			return -EINVAL;
		}
	}
	free(copy);
	return 0;
}

int cmd_trace(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "program", required_argument, NULL, 'e' }, { "pid", required_argument, NULL, 'p' },
		{ "command", required_argument, NULL, 'c' }, { "format", required_argument, NULL, 'f' },
		{ "duration", required_argument, NULL, 'd' }, { "dump", required_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },	     { "output", required_argument, NULL, 'o' },
		{ "map", required_argument, NULL, 'M' },     { "max-overhead", required_argument, NULL, 'O' },
		OUTPUT_FLAME_LONGOPTS,
		{ NULL, 0, NULL, 0 },
	};
	struct trace_opts o = { .max_overhead_pct = 10.0 }; /* as scorch record's (cli/record.c) */
	const char *program = NULL;
	struct buf text = BUF_INIT, diag = BUF_INIT;
	struct errbuf err;
	struct trace *t = NULL;
	const char *out_path = NULL, *map_name = NULL;
	struct output_opts oo;
	int c, rc = 0;

	errbuf_init(&err);
	output_opts_init(&oo, OUTPUT_SVG);
	optind = 1;
	opterr = 0;
	/* Options may follow FILE.bt and its arguments, as bpftrace's GNU getopt allows
	 * (`bpftrace x.bt -c CMD`); `--` ends them, for an argument such as -5. */
	while ((c = getopt_long(argc, argv, "e:p:c:f:d:o:h", lopts, NULL)) != -1) {
		switch (c) {
		case 'e':
			program = optarg;
			break;
		case 'p': {
			char *end;
			long v = strtol(optarg, &end, 10);
			if (*end || v <= 0 || v > 0x3fffffff)
				return cli_usage_error("trace", "-p needs a process id, not '%s'", optarg);
			o.pid = (int)v;
			break;
		}
		case 'c':
			o.command = optarg;
			break;
		case 'f':
			if (strcmp(optarg, "text") == 0)
				o.format = TRACE_TEXT;
			else if (strcmp(optarg, "json") == 0)
				o.format = TRACE_JSON;
			else
				return cli_usage_error("trace", "-f takes text or json, not '%s'", optarg);
			break;
		case 'd': {
			char *end;
			double v = strtod(optarg, &end);
			if (*end || !(v > 0) || v > 1e9)
				return cli_usage_error("trace", "-d needs a positive number of seconds, not '%s'", optarg);
			o.duration = v;
			break;
		}
		case 'D':
			if (parse_dump(optarg, &o.dump) < 0)
				return cli_usage_error("trace", "--dump takes ast, ir or bpf, not '%s'", optarg);
			break;
		case 'o':
			out_path = optarg;
			break;
		case 'M':
			map_name = optarg;
			break;
		case 'O': {
			char *end;
			double v = strtod(optarg, &end);
			if (end != optarg && *end == '%')
				end++;
			if (end == optarg || *end || !(v >= 0 && v <= 100000))
				return cli_usage_error("trace", "invalid --max-overhead '%s': expected a percentage of one "
							       "CPU, e.g. 5 or 0.5 (0: no limit)", optarg);
			o.max_overhead_pct = v;
			break;
		}
		case 'h':
			fputs(usage_text, stdout);
			output_flame_usage(stdout);
			return 0;
		default:
			if (c >= OUTPUT_OPT_BASE) {
				if (output_parse_flame_option(&oo, c, optarg, &err) < 0) {
					rc = cli_usage_error("trace", "%s", err.msg.data);
					errbuf_release(&err);
					return rc;
				}
				break;
			}
			if (optopt && strchr("epcfdo", optopt))
				return cli_usage_error("trace", "option -%c needs a value", optopt);
			if (optopt)
				return cli_usage_error("trace", "unknown option '-%c'", optopt);
			return cli_usage_error("trace", "unknown option '%s'", argv[optind - 1]);
		}
	}
	int first_param = optind;
	if (!program) {
		if (optind >= argc)
			return cli_usage_error("trace", "give a program with -e 'PROGRAM' or a script file");
		const char *path = argv[optind++];
		first_param = optind;
		if (file_read_all(path, &text, &err) < 0) {
			cli_report(NULL, &err);
			rc = 2;
			goto out;
		}
		if (memchr(text.data, 0, text.len)) {
			cli_error("'%s' is not a program (it contains NUL bytes)", path);
			rc = 2;
			goto out;
		}
		o.program = text.data;
		o.program_len = text.len;
		o.filename = path;
	} else {
		o.program = program;
		o.program_len = strlen(program);
	}
	if (o.pid && o.command)
		return cli_usage_error("trace", "-p and -c cannot be used together");
	if (map_name && !out_path)
		return cli_usage_error("trace", "--map picks the map drawn with -o: give -o FILE too");
	if (out_path) {
		if (strcmp(out_path, "-") == 0)
			return cli_usage_error("trace", "-o needs a file: stdout carries the trace's own output");
		if (output_opts_check(&oo, &err) < 0 || output_check_path(out_path, &oo, &err) < 0) {
			rc = cli_usage_error("trace", "%s", err.msg.data);
			errbuf_release(&err);
			return rc;
		}
	}
	o.verbose = cli_verbosity();
	o.params = (const char *const *)argv + first_param;
	o.nparams = (size_t)(argc - first_param);

	int r = trace_new(&o, &t, &diag, &err);
	if (diag.len)
		fwrite(diag.data, 1, diag.len, stderr);
	buf_reset(&diag);
	if (r < 0) {
		if (r != -EINVAL || err.code)
			cli_report(NULL, &err);
		rc = r == -EINVAL ? 2 : 1;
		goto out;
	}
	running = t;
	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	r = trace_run(t, &diag, &err);
	if (diag.len)
		fwrite(diag.data, 1, diag.len, stderr);
	if (r >= 0 && trace_overhead_stop(t) > 0)
		fprintf(stderr,
			"scorch: trace stopped: the probes used %.1f%% of one CPU over the last two seconds, above "
			"--max-overhead %g%%\n"
			"scorch: hint: probe fewer events (a narrower tracepoint, a predicate, -p), or allow more "
			"with --max-overhead\n",
			trace_overhead_stop(t), o.max_overhead_pct);
	if (r < 0) {
		if (err.code)
			cli_report(NULL, &err);
		rc = r == -EINVAL && !err.code ? 2 : 1;
	} else if (out_path && !o.dump) {
		struct profile *p = NULL;
		if (trace_profile(t, map_name, &p, &err) < 0 || output_write(out_path, p, &oo, &err) < 0) {
			cli_report(out_path, &err);
			rc = 1;
		}
		profile_free(p);
	}
	running = NULL;
out:
	trace_free(t);
	buf_release(&text);
	buf_release(&diag);
	errbuf_release(&err);
	return rc;
}

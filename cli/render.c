// SPDX-License-Identifier: Apache-2.0
/* scorch render: draw a flame graph (or write folded/JSON/speedscope) from any profile input. */
#include "cli/cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/input.h"
#include "cli/output.h"
#include "fold/fold.h"
#include "fold/profile.h"
#include "lib/err.h"

static const struct option lopts[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "help", no_argument, NULL, 'h' },
	INPUT_LONGOPTS,
	OUTPUT_FLAME_LONGOPTS,
	{ 0 }
};

static void usage(FILE *out)
{
	fputs("usage: scorch render [IN] [-o OUT]... [options]\n"
	      "\n"
	      "Draw the flame graph of IN, as flamegraph.pl does (same options, same frames),\n"
	      "or write it as folded stacks, a d3-flame-graph JSON tree or a speedscope file,\n"
	      "chosen by the extension of OUT. IN is folded text (\"a;b;c 12\", also the\n"
	      "two-column differential form, drawn red/blue), `perf script` output, a\n"
	      "perf.data file or a pprof profile (Go's runtime/pprof, or ours), told apart\n"
	      "by content; no IN (or -) reads stdin, no -o writes the SVG to stdout.\n"
	      "\n"
	      "options:\n"
	      "  -o, --output FILE     write FILE (replaced atomically); repeat for several formats\n"
	      "  -h, --help            this help\n",
	      out);
	input_usage(out);
	output_flame_usage(out);
	fputs("\n"
	      "In the SVG: hover a frame for its share, click to zoom, \"Reset Zoom\" to go\n"
	      "back; Ctrl-F (or \"Search\") highlights frames matching a regular expression and\n"
	      "prints the share of samples they cover (\"Matched: x%\"); \"ic\" or Ctrl-I\n"
	      "toggles case; the URL keeps the search (?s=) and zoom (?x=&y=) for sharing.\n"
	      "\n"
	      "examples:\n"
	      "  # drop-in for: perf script | stackcollapse-perf.pl | flamegraph.pl > cpu.svg\n"
	      "  perf script | scorch render > cpu.svg\n"
	      "  # from folded stacks, icicle layout, wider, only frames over 0.5% wide\n"
	      "  scorch render stacks.folded --inverted --width 1800 --minwidth 0.5% -o cpu.svg\n"
	      "  # Java colours from a perf.data, plus a speedscope file of the same profile\n"
	      "  scorch render perf.data --all --colors java -o java.svg -o java.speedscope.json\n"
	      "  # memory flame graph with its own units\n"
	      "  scorch render allocs.folded --colors mem --countname bytes --title 'malloc() bytes' -o mem.svg\n"
	      "  # a differential folded file (difffolded.pl output), hues swapped\n"
	      "  scorch render diff.folded --negate -o diff.svg\n",
	      out);
}

static double cpu_seconds(void)
{
	struct timespec t;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int cmd_render(int argc, char **argv)
{
	struct input_args ia;
	struct output_opts out;
	struct errbuf err;
	struct profile *p = NULL;
	const char **outputs = NULL;
	size_t noutputs = 0;
	int c, rc = 2;

	errbuf_init(&err);
	input_args_init(&ia);
	output_opts_init(&out, OUTPUT_SVG);
	optind = 0;
	opterr = 0; /* cli_option_error() names the option */
	while ((c = getopt_long(argc, argv, "o:e:qh", lopts, NULL)) != -1) {
		switch (c) {
		case 'o': {
			const char **o = realloc(outputs, (noutputs + 1) * sizeof(*o));
			if (!o)
				goto nomem;
			outputs = o;
			outputs[noutputs++] = optarg;
			break;
		}
		case 'e':
		case 'q':
			if (input_parse_option(&ia, c == 'e' ? INPUT_OPT_EVENT : INPUT_OPT_QUIET, optarg, &err) < 0) {
				rc = cli_usage_error("render", "%s", err.msg.data);
				goto out;
			}
			break;
		case 'h':
			usage(stdout);
			rc = 0;
			goto out;
		default: {
			int r = input_output_parse_option(&ia, &out, c, optarg, &err);
			if (r == -ENOMEM)
				goto nomem;
			if (r < 0) {
				rc = cli_usage_error("render", "%s", err.msg.data);
				goto out;
			}
			if (r == 0) {
				rc = cli_option_error("render", argv);
				goto out;
			}
			break;
		}
		}
	}
	if (argc - optind > 1) {
		rc = cli_usage_error("render", "one input at most (merge several with 'scorch fold A B')");
		goto out;
	}
	if (output_opts_check(&out, &err) < 0) {
		rc = cli_usage_error("render", "%s", err.msg.data);
		goto out;
	}
	for (size_t i = 0; i < noutputs; i++) {
		if (output_check_path(outputs[i], &out, &err) < 0) {
			cli_report("", &err);
			rc = 2;
			goto out;
		}
	}

	rc = 1;
	p = profile_new();
	if (!p)
		goto nomem;
	double t0 = cpu_seconds();
	if (input_load(optind < argc ? argv[optind] : "-", &ia.opts, p, NULL, &err) < 0) {
		cli_report("", &err);
		goto out;
	}
	double t1 = cpu_seconds();
	rc = 0;
	for (size_t i = 0; i < (noutputs ? noutputs : 1); i++) {
		const char *path = noutputs ? outputs[i] : "-";
		errbuf_release(&err);
		errbuf_init(&err);
		if (output_write(path, p, &out, &err) < 0) {
			cli_report("", &err);
			rc = 1;
		}
	}
	if (cli_verbosity() > 0)
		fprintf(stderr, "scorch: render: read %zu stacks in %.3fs cpu, wrote %zu output%s in %.3fs cpu\n",
			profile_stack_count(p), t1 - t0, noutputs ? noutputs : 1, noutputs > 1 ? "s" : "",
			cpu_seconds() - t1);
	goto out;
nomem:
	cli_error("render: out of memory");
	rc = 1;
out:
	profile_free(p);
	errbuf_release(&err);
	input_args_release(&ia);
	free(outputs);
	return rc;
}

// SPDX-License-Identifier: Apache-2.0
/* scorch fold: collapse perf.data, perf script or folded inputs into folded stacks (stackcollapse-perf.pl's job). */
#include "cli/cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	fputs("usage: scorch fold [IN...] [-o OUT] [options]\n"
	      "\n"
	      "Collapse stacks into folded lines \"root;...;leaf COUNT\", sorted, as\n"
	      "stackcollapse-perf.pl prints them (same output, same options). Each IN is a\n"
	      "perf.data file, `perf script` output, folded text or a pprof profile (plain\n"
	      "or gzip), told apart by content; several inputs merge; no IN (or -) reads stdin.\n"
	      "\n"
	      "options:\n"
	      "  -o, --output FILE     write FILE (replaced atomically) instead of stdout; its\n"
	      "                        extension picks the format (folded unless .svg, .json...)\n"
	      "  -h, --help            this help\n"
	      "  scorch -v fold ...    also print each input's kind, samples and value types\n"
	      "\n"
	      "Malformed lines are skipped; the first ones are printed with their line\n"
	      "number on stderr, and their count always is.\n"
	      "\n"
	      "examples:\n"
	      "  # drop-in for: perf script | stackcollapse-perf.pl > out.folded\n"
	      "  perf script | scorch fold > out.folded\n"
	      "  # read perf.data directly, pid in the root frame, kernel frames marked\n"
	      "  scorch fold perf.data --pid --kernel -o out.folded\n"
	      "  # a perf.data from another machine: its kallsyms and binaries\n"
	      "  scorch fold perf.data --kallsyms kallsyms.txt --debug-dir ./bin\n"
	      "  # only the instructions samples of a two-event recording\n"
	      "  perf script | scorch fold --event-filter instructions\n"
	      "  # merge folded files\n"
	      "  scorch fold a.folded b.folded.gz -o merged.folded\n"
	      "  # fold and draw in one go\n"
	      "  perf script | scorch fold -o cpu.svg --title 'CPU'\n"
	      "\n",
	      out);
	input_usage(out);
	output_flame_usage(out);
}

int cmd_fold(int argc, char **argv)
{
	struct input_args ia;
	const char *out_path = "-";
	struct errbuf err;
	struct profile *p = NULL;
	struct output_opts oo;
	int c, rc = 2;

	errbuf_init(&err);
	input_args_init(&ia);
	output_opts_init(&oo, OUTPUT_FOLDED);
	optind = 0;
	opterr = 0; /* cli_option_error() names the option */
	while ((c = getopt_long(argc, argv, "o:e:qh", lopts, NULL)) != -1) {
		int r = 0;
		switch (c) {
		case 'o':
			out_path = optarg;
			continue;
		case 'e':
			r = input_parse_option(&ia, INPUT_OPT_EVENT, optarg, &err);
			break;
		case 'q':
			r = input_parse_option(&ia, INPUT_OPT_QUIET, optarg, &err);
			break;
		case 'h':
			usage(stdout);
			rc = 0;
			goto out;
		default:
			r = input_output_parse_option(&ia, &oo, c, optarg, &err);
			break;
		}
		if (r == -ENOMEM)
			goto nomem;
		if (r < 0) {
			rc = cli_usage_error("fold", "%s", err.msg.data);
			goto out;
		}
		if (r == 0) {
			rc = cli_option_error("fold", argv);
			goto out;
		}
	}
	if (output_opts_check(&oo, &err) < 0) {
		rc = cli_usage_error("fold", "%s", err.msg.data);
		goto out;
	}
	const struct input_opts *in = &ia.opts;

	rc = 1;
	p = profile_new();
	if (!p)
		goto nomem;
	int ninputs = optind < argc ? argc - optind : 1;
	for (int i = 0; i < ninputs; i++) {
		const char *path = optind < argc ? argv[optind + i] : "-";
		enum input_kind kind;
		size_t before = profile_stack_count(p);
		if (input_load(path, in, p, &kind, &err) < 0) {
			cli_report("", &err);
			goto out;
		}
		if (cli_verbosity() > 0)
			cli_error("%s: %s input, %zu unique stacks now (%zu new)", path, input_kind_name(kind),
				  profile_stack_count(p), profile_stack_count(p) - before);
	}
	if (profile_value_count(p) == 0 && profile_add_value_type(p, "samples", "count") < 0)
		goto nomem; /* empty input: write an empty result, as stackcollapse-perf.pl does */
	if (cli_verbosity() > 0) {
		for (size_t i = 0; i < profile_value_count(p); i++) {
			struct value_type t = profile_value_type(p, i);
			cli_error("value type %zu: %s/%s, total %lld", i, profile_str(p, t.type), profile_str(p, t.unit),
				  (long long)profile_total(p, i));
		}
	}
	if (output_write(out_path, p, &oo, &err) < 0) {
		cli_report("", &err);
		goto out;
	}
	rc = 0;
	goto out;
nomem:
	cli_error("fold: out of memory");
	rc = 1;
out:
	profile_free(p);
	errbuf_release(&err);
	input_args_release(&ia);
	return rc;
}

// SPDX-License-Identifier: Apache-2.0
/* scorch diff: differential flame graph of two profiles (difffolded.pl + flamegraph.pl in one command). */
#include "cli/cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/input.h"
#include "cli/output.h"
#include "fold/profile.h"
#include "lib/err.h"
#include "render/flamegraph.h"

static const struct option lopts[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "normalize", no_argument, NULL, 'n' },
	{ "strip-hex", no_argument, NULL, 's' },
	{ "help", no_argument, NULL, 'h' },
	INPUT_LONGOPTS,
	OUTPUT_FLAME_LONGOPTS,
	{ 0 }
};

static void usage(FILE *out)
{
	fputs("usage: scorch diff A B [-o OUT]... [options]\n"
	      "\n"
	      "Differential flame graph of profile A (before) and B (after), as\n"
	      "difffolded.pl A B | flamegraph.pl draws it: frame widths from B, each frame\n"
	      "coloured by the change of its own samples: red grew, blue shrank (--negate\n"
	      "swaps them). A and B are folded text, `perf script` output, perf.data or pprof.\n"
	      "OUT's extension picks the format: .svg (default, stdout), .folded (the\n"
	      "\"stack A B\" lines difffolded.pl prints), .json (with \"delta\"), .speedscope.json.\n"
	      "\n"
	      "options:\n"
	      "  -o, --output FILE     write FILE (replaced atomically); repeat for several formats\n"
	      "  -n, --normalize       scale A's counts so both profiles have B's total\n"
	      "  -s, --strip-hex       treat 0x<hex> in names as equal (\"0x...\"), for addresses\n"
	      "  -h, --help            this help\n",
	      out);
	input_usage(out);
	output_flame_usage(out);
	fputs("\n"
	      "examples:\n"
	      "  # what changed: widths show the new profile, red = more samples than before\n"
	      "  scorch diff before.folded after.folded -o diff.svg\n"
	      "  # profiles of different lengths: compare shares, not counts\n"
	      "  scorch diff -n before.folded after.folded -o diff.svg\n"
	      "  # widths of the old profile, coloured by what will change\n"
	      "  scorch diff after.folded before.folded --negate -o diff-before.svg\n"
	      "  # the two-column folded file, for flamegraph.pl or later 'scorch render'\n"
	      "  scorch diff before.data after.data -o diff.folded\n",
	      out);
}

/* The index of the value to compare in `p`: --value, else the first one. */
static int pick_value(const struct profile *p, const char *name)
{
	if (!name)
		return 0;
	for (size_t i = 0; i < profile_value_count(p); i++)
		if (strcmp(profile_str(p, profile_value_type(p, i).type), name) == 0)
			return (int)i;
	return -1;
}

int cmd_diff(int argc, char **argv)
{
	struct output_opts out;
	struct input_args ia;
	struct errbuf err;
	struct profile *a = NULL, *b = NULL, *d = NULL;
	const char **outputs = NULL;
	size_t noutputs = 0;
	bool normalize = false, strip_hex = false;
	int c, rc = 2;

	errbuf_init(&err);
	input_args_init(&ia);
	output_opts_init(&out, OUTPUT_SVG);
	optind = 0;
	opterr = 0; /* cli_option_error() names the option */
	while ((c = getopt_long(argc, argv, "o:nsqh", lopts, NULL)) != -1) {
		switch (c) {
		case 'o': {
			const char **o = realloc(outputs, (noutputs + 1) * sizeof(*o));
			if (!o)
				goto nomem;
			outputs = o;
			outputs[noutputs++] = optarg;
			break;
		}
		case 'n':
			normalize = true;
			break;
		case 's':
			strip_hex = true;
			break;
		case 'q':
			input_parse_option(&ia, INPUT_OPT_QUIET, optarg, &err);
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
				rc = cli_usage_error("diff", "%s", err.msg.data);
				goto out;
			}
			if (r == 0) {
				rc = cli_option_error("diff", argv);
				goto out;
			}
			break;
		}
		}
	}
	if (argc - optind != 2) {
		rc = cli_usage_error("diff", "expected two profiles, A (before) and B (after)");
		goto out;
	}
	if (strcmp(argv[optind], "-") == 0 && strcmp(argv[optind + 1], "-") == 0) {
		rc = cli_usage_error("diff", "only one of A and B can be stdin");
		goto out;
	}
	if (output_opts_check(&out, &err) < 0) {
		rc = cli_usage_error("diff", "%s", err.msg.data);
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
	a = profile_new();
	b = profile_new();
	if (!a || !b)
		goto nomem;
	if (input_load(argv[optind], &ia.opts, a, NULL, &err) < 0 || input_load(argv[optind + 1], &ia.opts, b, NULL, &err) < 0) {
		cli_report("", &err);
		goto out;
	}
	int va = pick_value(a, out.value_name), vb = pick_value(b, out.value_name);
	if (va < 0 || vb < 0 || va != vb || !profile_value_count(a) || !profile_value_count(b)) {
		cli_error("diff: the profiles have no common value type%s%s%s to compare",
			  out.value_name ? " '" : "", out.value_name ? out.value_name : "", out.value_name ? "'" : "");
		goto out;
	}
	d = flame_diff_profile(a, b, (uint32_t)va, normalize, strip_hex, &err);
	if (!d || profile_meta_set(d, "differential", "1") < 0) {
		cli_report("", &err);
		goto out;
	}
	if (!out.flame.countname) {
		struct value_type vt = profile_value_type(b, (size_t)vb);
		const char *unit = profile_str(b, vt.unit), *type = profile_str(b, vt.type);
		out.flame.countname = strcmp(unit, "count") && *unit ? unit : *type ? type : "samples";
	}
	out.value_name = NULL; /* the differential profile has "before" and "after" */
	rc = 0;
	for (size_t i = 0; i < (noutputs ? noutputs : 1); i++) {
		errbuf_release(&err);
		errbuf_init(&err);
		if (output_write(noutputs ? outputs[i] : "-", d, &out, &err) < 0) {
			cli_report("", &err);
			rc = 1;
		}
	}
	goto out;
nomem:
	cli_error("diff: out of memory");
	rc = 1;
out:
	profile_free(a);
	profile_free(b);
	profile_free(d);
	errbuf_release(&err);
	input_args_release(&ia);
	free(outputs);
	return rc;
}

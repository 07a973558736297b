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

enum {
	OPT_PID = 0x100,
	OPT_TID,
	OPT_KERNEL,
	OPT_JIT,
	OPT_ALL,
	OPT_ADDRS,
	OPT_NO_COMM,
	OPT_SRCLINE,
	OPT_COUNT,
	OPT_KALLSYMS,
	OPT_DEBUG_DIR,
	OPT_FILTER_PID,
	OPT_FILTER_TID,
	OPT_FILTER_COMM,
};

static const struct option lopts[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "pid", no_argument, NULL, OPT_PID },
	{ "tid", no_argument, NULL, OPT_TID },
	{ "kernel", no_argument, NULL, OPT_KERNEL },
	{ "jit", no_argument, NULL, OPT_JIT },
	{ "all", no_argument, NULL, OPT_ALL },
	{ "addrs", no_argument, NULL, OPT_ADDRS },
	{ "no-comm", no_argument, NULL, OPT_NO_COMM },
	{ "srcline", no_argument, NULL, OPT_SRCLINE },
	{ "event-filter", required_argument, NULL, 'e' },
	{ "event", required_argument, NULL, 'e' },
	{ "count", required_argument, NULL, OPT_COUNT },
	{ "kallsyms", required_argument, NULL, OPT_KALLSYMS },
	{ "debug-dir", required_argument, NULL, OPT_DEBUG_DIR },
	{ "filter-pid", required_argument, NULL, OPT_FILTER_PID },
	{ "filter-tid", required_argument, NULL, OPT_FILTER_TID },
	{ "filter-comm", required_argument, NULL, OPT_FILTER_COMM },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	OUTPUT_FLAME_LONGOPTS,
	{ 0 }
};

static void usage(FILE *out)
{
	fputs("usage: scorch fold [IN...] [-o OUT] [options]\n"
	      "\n"
	      "Collapse stacks into folded lines \"root;...;leaf COUNT\", sorted, as\n"
	      "stackcollapse-perf.pl prints them (same output, same options). Each IN is a\n"
	      "perf.data file, `perf script` output or folded text (plain or gzip), told\n"
	      "apart by content; several inputs merge; no IN (or -) reads stdin.\n"
	      "\n"
	      "options:\n"
	      "  -o, --output FILE     write FILE (replaced atomically) instead of stdout; its\n"
	      "                        extension picks the format (folded unless .svg, .json...)\n"
	      "      --pid             process label with its pid: \"comm-PID\"\n"
	      "      --tid             process label with pid and tid: \"comm-PID/TID\"\n"
	      "      --kernel          mark kernel frames with _[k]\n"
	      "      --jit             mark JIT frames (/tmp/perf-PID.map) with _[j]\n"
	      "      --all             all marks: --kernel --jit and inlined frames _[i]\n"
	      "      --addrs           show unknown symbols with their address: [mod <addr>]\n"
	      "      --no-comm         no process label as the root frame\n"
	      "      --srcline         perf script -F+srcline text: append each frame's source\n"
	      "                        line (\"func:file.c:12\")\n"
	      "  -e, --event-filter EV fold only samples of event EV (default: the first event\n"
	      "                        seen; samples of other events are counted and left out)\n"
	      "      --count samples|period\n"
	      "                        weigh each sample 1, or by its period (default: the\n"
	      "                        period where the input has one)\n"
	      "      --filter-pid PID[,PID...]  keep only these processes (perf script needs\n"
	      "                        a pid field: perf script -F +pid)\n"
	      "      --filter-tid TID[,TID...]  keep only these threads\n"
	      "      --filter-comm NAME keep only processes named NAME (repeatable)\n"
	      "      --kallsyms FILE   perf.data: kallsyms of the machine that recorded it\n"
	      "      --debug-dir DIR   perf.data: look for binaries and debug files under DIR\n"
	      "                        too (repeatable)\n"
	      "  -q, --quiet           do not print malformed lines, only their count\n"
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
	output_flame_usage(out);
}

/* Append the comma-separated ids of `arg` to `*list`. Returns 0 or -EINVAL / -ENOMEM. */
static int parse_ids(const char *arg, int64_t **list, size_t *n)
{
	const char *s = arg;
	while (*s) {
		char *end;
		errno = 0;
		long long v = strtoll(s, &end, 10);
		if (end == s || errno || v < 0 || (*end && *end != ','))
			return -EINVAL;
		int64_t *l = realloc(*list, (*n + 1) * sizeof(*l));
		if (!l)
			return -ENOMEM;
		*list = l;
		l[(*n)++] = v;
		s = *end ? end + 1 : end;
	}
	return *n ? 0 : -EINVAL;
}

static int add_str(const char *arg, const char ***list, size_t *n)
{
	const char **l = realloc(*list, (*n + 1) * sizeof(*l));
	if (!l)
		return -ENOMEM;
	*list = l;
	l[(*n)++] = arg;
	return 0;
}

int cmd_fold(int argc, char **argv)
{
	struct input_opts in = { 0 };
	const char *out_path = "-";
	const char **debug_dirs = NULL, **comms = NULL;
	int64_t *pids = NULL, *tids = NULL;
	size_t ndebug = 0, ncomms = 0, npids = 0, ntids = 0;
	struct errbuf err;
	struct profile *p = NULL;
	struct output_opts oo;
	int c, rc = 2;

	errbuf_init(&err);
	output_opts_init(&oo, OUTPUT_FOLDED);
	optind = 0;
	while ((c = getopt_long(argc, argv, "o:e:qh", lopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out_path = optarg;
			break;
		case OPT_PID:
			in.fold_flags |= FOLD_PID;
			break;
		case OPT_TID:
			in.fold_flags |= FOLD_TID;
			break;
		case OPT_KERNEL:
			in.fold_flags |= FOLD_KERNEL_TAG;
			break;
		case OPT_JIT:
			in.fold_flags |= FOLD_JIT_TAG;
			break;
		case OPT_ALL:
			in.fold_flags |= FOLD_KERNEL_TAG | FOLD_JIT_TAG | FOLD_INLINE_TAG;
			break;
		case OPT_ADDRS:
			in.fold_flags |= FOLD_ADDRS;
			break;
		case OPT_NO_COMM:
			in.fold_flags |= FOLD_NO_COMM;
			break;
		case OPT_SRCLINE:
			in.srcline = true;
			break;
		case 'e':
			if (!*optarg) {
				rc = cli_usage_error("fold", "--event-filter needs an event name");
				goto out;
			}
			in.event = optarg;
			break;
		case OPT_COUNT:
			if (strcmp(optarg, "samples") == 0) {
				in.count_samples = true;
			} else if (strcmp(optarg, "period") == 0) {
				in.count_samples = false;
			} else {
				rc = cli_usage_error("fold", "invalid --count '%s': use samples or period", optarg);
				goto out;
			}
			break;
		case OPT_KALLSYMS:
			in.kallsyms = optarg;
			break;
		case OPT_DEBUG_DIR:
			if (add_str(optarg, &debug_dirs, &ndebug) < 0)
				goto nomem;
			break;
		case OPT_FILTER_PID:
		case OPT_FILTER_TID: {
			int e = c == OPT_FILTER_PID ? parse_ids(optarg, &pids, &npids) : parse_ids(optarg, &tids, &ntids);
			if (e == -ENOMEM)
				goto nomem;
			if (e < 0) {
				rc = cli_usage_error("fold", "invalid %s '%s': expected numbers separated by commas",
						     c == OPT_FILTER_PID ? "--filter-pid" : "--filter-tid", optarg);
				goto out;
			}
			break;
		}
		case OPT_FILTER_COMM:
			if (add_str(optarg, &comms, &ncomms) < 0)
				goto nomem;
			break;
		case 'q':
			in.quiet = true;
			break;
		case 'h':
			usage(stdout);
			rc = 0;
			goto out;
		default:
			if (c >= OUTPUT_OPT_BASE) {
				if (output_parse_flame_option(&oo, c, optarg, &err) < 0) {
					rc = cli_usage_error("fold", "%s", err.msg.data);
					goto out;
				}
				break;
			}
			rc = cli_usage_error("fold", "unknown or incomplete option");
			goto out;
		}
	}
	if (output_opts_check(&oo, &err) < 0) {
		rc = cli_usage_error("fold", "%s", err.msg.data);
		goto out;
	}
	in.debug_dirs = debug_dirs;
	in.ndebug_dirs = ndebug;
	in.pids = pids;
	in.npids = npids;
	in.tids = tids;
	in.ntids = ntids;
	in.comms = comms;
	in.ncomms = ncomms;

	rc = 1;
	p = profile_new();
	if (!p)
		goto nomem;
	int ninputs = optind < argc ? argc - optind : 1;
	for (int i = 0; i < ninputs; i++) {
		const char *path = optind < argc ? argv[optind + i] : "-";
		enum input_kind kind;
		size_t before = profile_stack_count(p);
		if (input_load(path, &in, p, &kind, &err) < 0) {
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
	free(debug_dirs);
	free(comms);
	free(pids);
	free(tids);
	return rc;
}

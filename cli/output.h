/* SPDX-License-Identifier: Apache-2.0 */
/* Writing a profile to -o: format chosen by extension, atomic write, and the shared flame-graph options. */
#ifndef SCORCH_CLI_OUTPUT_H
#define SCORCH_CLI_OUTPUT_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include "render/flamegraph.h"

struct profile;
struct errbuf;

/*
 * Output formats. The extension of -o picks one (output_format_from_path);
 * --format overrides it; stdout ("-") uses the command's default.
 */
enum output_format {
	OUTPUT_AUTO = 0,   /* decide from the path, else the default */
	OUTPUT_SVG,        /* .svg          flame graph */
	OUTPUT_FOLDED,     /* .folded .txt .collapsed  stackcollapse "a;b;c 12" lines */
	OUTPUT_JSON,       /* .json         d3-flame-graph tree {name, value, children} */
	OUTPUT_SPEEDSCOPE, /* .speedscope.json  speedscope file format, one sampled profile */
	OUTPUT_PPROF,      /* .pb.gz .pprof pprof: gzip-compressed protobuf */
	OUTPUT_PERF_DATA,  /* .data         perf.data: raw samples, written by `record` itself (output_opts.raw_samples) */
	OUTPUT_FORMAT_COUNT
};

/* Everything output_write needs besides the profile. Initialise with output_opts_init(). */
struct output_opts {
	enum output_format format;         /* --format, or OUTPUT_AUTO */
	enum output_format default_format; /* for stdout and unknown extensions */
	/*
	 * Flame graph options; flame.value_index also selects the value written to
	 * folded/JSON/speedscope output.
	 */
	struct flame_opts flame;
	const char *palette_file;          /* --cp/--palette-file: palette map read before and saved after an SVG */
	const char *value_name;            /* --value TYPE or TYPE+TYPE: value(s) drawn, by value type name */
	/*
	 * The command has raw samples (addresses, process maps) and writes
	 * perf.data itself (`record`): the checks let .data through, and
	 * output_write() still refuses it. Other commands hold only a profile
	 * of named frames, which perf.data cannot carry: refused with a hint.
	 */
	bool raw_samples;
};

/* Defaults: AUTO format, `default_format` for stdout, flamegraph.pl's flame options. */
void output_opts_init(struct output_opts *o, enum output_format default_format);

/* The format named by `path`'s extension (case-insensitive), or OUTPUT_AUTO. "-" and NULL give OUTPUT_AUTO. */
enum output_format output_format_from_path(const char *path);
/* The format called `name` ("svg", "folded", "json", "speedscope", "pprof", "perf.data"), or OUTPUT_AUTO. */
enum output_format output_format_from_name(const char *name);
const char *output_format_name(enum output_format f);
/* The format output_write would use for `path` with `o`. */
enum output_format output_format_for(const char *path, const struct output_opts *o);

/*
 * Write `p` to `path` ("-" or NULL: stdout) in the format chosen from `o` and
 * the extension. A file is written to a temporary name and renamed when
 * complete, so a failure never leaves half a file. Returns 0 or a negative
 * errno with `err` filled (-ENOTSUP for a format not written yet, -ENODATA
 * for an empty profile drawn as SVG: the SVG saying so is still written).
 */
int output_write(const char *path, const struct profile *p, const struct output_opts *o, struct errbuf *err);

/*
 * The flame-graph options `render`, `diff`, `record` and `trace` share, all
 * long-only (flamegraph.pl's names), so they never clash with a command's
 * short options. Put OUTPUT_FLAME_LONGOPTS inside a command's `struct option`
 * table, and in the getopt_long loop call output_parse_flame_option() for
 * every option value >= OUTPUT_OPT_BASE:
 *
 *	static const struct option lopts[] = {
 *		{ "output", required_argument, NULL, 'o' },
 *		OUTPUT_FLAME_LONGOPTS,
 *		{ 0 }
 *	};
 *	...
 *	default:
 *		if (c >= OUTPUT_OPT_BASE) {
 *			if (output_parse_flame_option(&out, c, optarg, &err) < 0)
 *				return usage error with err's message;
 *			break;
 *		}
 *
 * Call output_opts_check() once after parsing (it resolves --value against
 * the profile later, in output_write, since the profile is not known yet).
 * output_flame_usage() prints the options' help lines for --help.
 */
enum output_option {
	OUTPUT_OPT_BASE = 0x1000,
	OUTPUT_OPT_FORMAT = OUTPUT_OPT_BASE,
	OUTPUT_OPT_TITLE,
	OUTPUT_OPT_SUBTITLE,
	OUTPUT_OPT_WIDTH,
	OUTPUT_OPT_HEIGHT,
	OUTPUT_OPT_MINWIDTH,
	OUTPUT_OPT_FONTTYPE,
	OUTPUT_OPT_FONTSIZE,
	OUTPUT_OPT_FONTWIDTH,
	OUTPUT_OPT_COUNTNAME,
	OUTPUT_OPT_NAMETYPE,
	OUTPUT_OPT_COLORS,
	OUTPUT_OPT_BGCOLORS,
	OUTPUT_OPT_HASH,
	OUTPUT_OPT_RANDOM,
	OUTPUT_OPT_CP,
	OUTPUT_OPT_PALETTE_FILE,
	OUTPUT_OPT_REVERSE,
	OUTPUT_OPT_INVERTED,
	OUTPUT_OPT_FLAMECHART,
	OUTPUT_OPT_NEGATE,
	OUTPUT_OPT_NOTES,
	OUTPUT_OPT_FACTOR,
	OUTPUT_OPT_TOTAL,
	OUTPUT_OPT_VALUE,
	OUTPUT_OPT_END
};

#define OUTPUT_FLAME_LONGOPTS                                                        \
	{ "format", required_argument, NULL, OUTPUT_OPT_FORMAT },                    \
	{ "title", required_argument, NULL, OUTPUT_OPT_TITLE },                      \
	{ "subtitle", required_argument, NULL, OUTPUT_OPT_SUBTITLE },                \
	{ "width", required_argument, NULL, OUTPUT_OPT_WIDTH },                      \
	{ "height", required_argument, NULL, OUTPUT_OPT_HEIGHT },                    \
	{ "minwidth", required_argument, NULL, OUTPUT_OPT_MINWIDTH },                \
	{ "fonttype", required_argument, NULL, OUTPUT_OPT_FONTTYPE },                \
	{ "fontsize", required_argument, NULL, OUTPUT_OPT_FONTSIZE },                \
	{ "fontwidth", required_argument, NULL, OUTPUT_OPT_FONTWIDTH },              \
	{ "countname", required_argument, NULL, OUTPUT_OPT_COUNTNAME },              \
	{ "nametype", required_argument, NULL, OUTPUT_OPT_NAMETYPE },                \
	{ "colors", required_argument, NULL, OUTPUT_OPT_COLORS },                    \
	{ "color", required_argument, NULL, OUTPUT_OPT_COLORS },                     \
	{ "bgcolors", required_argument, NULL, OUTPUT_OPT_BGCOLORS },                \
	{ "hash", no_argument, NULL, OUTPUT_OPT_HASH },                              \
	{ "random", no_argument, NULL, OUTPUT_OPT_RANDOM },                          \
	{ "cp", no_argument, NULL, OUTPUT_OPT_CP },                                  \
	{ "palette-file", required_argument, NULL, OUTPUT_OPT_PALETTE_FILE },        \
	{ "reverse", no_argument, NULL, OUTPUT_OPT_REVERSE },                        \
	{ "inverted", no_argument, NULL, OUTPUT_OPT_INVERTED },                      \
	{ "flamechart", no_argument, NULL, OUTPUT_OPT_FLAMECHART },                  \
	{ "negate", no_argument, NULL, OUTPUT_OPT_NEGATE },                          \
	{ "notes", required_argument, NULL, OUTPUT_OPT_NOTES },                      \
	{ "factor", required_argument, NULL, OUTPUT_OPT_FACTOR },                    \
	{ "total", required_argument, NULL, OUTPUT_OPT_TOTAL },                      \
	{ "value", required_argument, NULL, OUTPUT_OPT_VALUE }

/*
 * Apply option `opt` (an OUTPUT_OPT_* value from getopt_long) with argument
 * `arg` to `o`. Returns 1 when applied, 0 when `opt` is not one of the shared
 * options, or -EINVAL with `err` filled ("invalid --width 'x': ...") for a
 * bad argument. `arg` is borrowed: it must outlive `o` (argv strings do).
 */
int output_parse_flame_option(struct output_opts *o, int opt, const char *arg, struct errbuf *err);
/* Check the combination of options once parsing is done. Returns 0 or -EINVAL with `err` filled. */
int output_opts_check(const struct output_opts *o, struct errbuf *err);
/*
 * Check that `path` can be written with `o` before any work is done (perf.data
 * without o->raw_samples gives -ENOTSUP with `err` filled and a hint). Returns
 * 0 or a negative errno.
 */
int output_check_path(const char *path, const struct output_opts *o, struct errbuf *err);
/* Print the help lines of the shared options (and the -o extensions) to `out`. */
void output_flame_usage(FILE *out);

#endif

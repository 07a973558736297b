// SPDX-License-Identifier: Apache-2.0
/* Writing a profile to -o in the format its extension names, atomically; the shared flame-graph options. */
#include "cli/output.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "fold/export.h"
#include "fold/fold.h"
#include "fold/pprof.h"
#include "fold/profile.h"
#include "lib/buf.h"
#include "lib/err.h"
#include "lib/file.h"

#define OUTPUT_BUFFER (1 << 20)

static const struct {
	const char *suffix;
	enum output_format format;
} suffixes[] = {
	/* longest first: ".speedscope.json" before ".json" */
	{ ".speedscope.json", OUTPUT_SPEEDSCOPE },
	{ ".json", OUTPUT_JSON },
	{ ".svg", OUTPUT_SVG },
	{ ".folded", OUTPUT_FOLDED },
	{ ".collapsed", OUTPUT_FOLDED },
	{ ".txt", OUTPUT_FOLDED },
	{ ".pb.gz", OUTPUT_PPROF },
	{ ".pprof", OUTPUT_PPROF },
	{ ".data", OUTPUT_PERF_DATA },
};

static const char *const format_names[OUTPUT_FORMAT_COUNT] = {
	[OUTPUT_AUTO] = "auto",	       [OUTPUT_SVG] = "svg",   [OUTPUT_FOLDED] = "folded",
	[OUTPUT_JSON] = "json",	       [OUTPUT_SPEEDSCOPE] = "speedscope", [OUTPUT_PPROF] = "pprof",
	[OUTPUT_PERF_DATA] = "perf.data",
};

void output_opts_init(struct output_opts *o, enum output_format default_format)
{
	memset(o, 0, sizeof(*o));
	o->default_format = default_format;
	flame_opts_init(&o->flame);
	o->flame.countname = NULL; /* named after the profile's value type unless --countname */
}

enum output_format output_format_from_path(const char *path)
{
	if (!path || strcmp(path, "-") == 0)
		return OUTPUT_AUTO;
	size_t n = strlen(path);
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		size_t k = strlen(suffixes[i].suffix);
		if (n > k && strcasecmp(path + n - k, suffixes[i].suffix) == 0)
			return suffixes[i].format;
	}
	return OUTPUT_AUTO;
}

enum output_format output_format_from_name(const char *name)
{
	for (int i = OUTPUT_SVG; i < OUTPUT_FORMAT_COUNT; i++)
		if (strcasecmp(name, format_names[i]) == 0)
			return (enum output_format)i;
	if (strcasecmp(name, "collapsed") == 0 || strcasecmp(name, "txt") == 0)
		return OUTPUT_FOLDED;
	if (strcasecmp(name, "d3") == 0)
		return OUTPUT_JSON;
	if (strcasecmp(name, "data") == 0 || strcasecmp(name, "perf") == 0)
		return OUTPUT_PERF_DATA;
	return OUTPUT_AUTO;
}

const char *output_format_name(enum output_format f)
{
	return f < OUTPUT_FORMAT_COUNT ? format_names[f] : "unknown";
}

enum output_format output_format_for(const char *path, const struct output_opts *o)
{
	if (o->format != OUTPUT_AUTO)
		return o->format;
	enum output_format f = output_format_from_path(path);
	return f != OUTPUT_AUTO ? f : o->default_format != OUTPUT_AUTO ? o->default_format : OUTPUT_SVG;
}

/* The index of the value type called `name` ("off-cpu", "off-cpu/nanoseconds" or a number), or -1. */
static int find_value(const struct profile *p, const char *name)
{
	size_t n = profile_value_count(p);
	for (size_t i = 0; i < n; i++) {
		struct value_type vt = profile_value_type(p, i);
		const char *type = profile_str(p, vt.type), *unit = profile_str(p, vt.unit);
		size_t tl = strlen(type);
		if (strcmp(name, type) == 0 ||
		    (strncmp(name, type, tl) == 0 && name[tl] == '/' && strcmp(name + tl + 1, unit) == 0))
			return (int)i;
	}
	char *end;
	long i = strtol(name, &end, 10);
	return *name && !*end && i >= 0 && (size_t)i < n ? (int)i : -1;
}

/* The palette a value type gets when several are drawn together: off-CPU blue, wakeups aqua. */
static enum flame_palette value_palette(const char *type)
{
	if (strstr(type, "off-cpu") || strstr(type, "offcpu") || strstr(type, "off_cpu"))
		return FLAME_PAL_BLUE;
	if (strstr(type, "wakeup") || strstr(type, "waker"))
		return FLAME_PAL_AQUA;
	return FLAME_PAL_NONE; /* the main palette (--colors) */
}

/*
 * --value TYPE draws one value type; --value A+B sums several (a wall-clock
 * view of on- and off-CPU time) and colours each frame with the palette of
 * the value that dominates it. Fills `fo`; returns 0 or -EINVAL with `err`.
 */
static int select_values(const struct profile *p, const char *spec, struct flame_opts *fo, struct errbuf *err)
{
	uint32_t mask = 0;
	int first = -1;
	const char *s = spec;
	while (*s) {
		const char *plus = strchr(s, '+');
		size_t n = plus ? (size_t)(plus - s) : strlen(s);
		char name[128];
		if (n == 0 || n >= sizeof(name))
			goto bad;
		memcpy(name, s, n);
		name[n] = 0;
		int v = find_value(p, name);
		if (v < 0) {
			errbuf_set(err, -EINVAL, "the profile has no value type '%s'", name);
			goto hint;
		}
		if (first < 0)
			first = v;
		mask |= 1u << v;
		fo->value_palettes[v] = value_palette(profile_str(p, profile_value_type(p, (size_t)v).type));
		s = plus ? plus + 1 : s + n;
	}
	if (first < 0)
		goto bad;
	fo->value_index = (uint32_t)first;
	fo->value_mask = mask & (mask - 1) ? mask : 0;
	return 0;
bad:
	errbuf_set(err, -EINVAL, "invalid --value '%s': expected TYPE or TYPE+TYPE...", spec);
hint:
	{
		struct buf types = BUF_INIT;
		for (size_t i = 0; i < profile_value_count(p); i++)
			buf_addf(&types, "%s%s", i ? ", " : "", profile_str(p, profile_value_type(p, i).type));
		errbuf_hint(err, "the profile's value types: %s", types.len ? types.data : "none");
		buf_release(&types);
	}
	return -EINVAL;
}

/* A differential profile: value types "before" and "after" (a differential folded file or `scorch diff`). */
static bool diff_indexes(const struct profile *p, uint32_t *before, uint32_t *after)
{
	int b = -1, a = -1;
	for (size_t i = 0; i < profile_value_count(p); i++) {
		const char *type = profile_str(p, profile_value_type(p, i).type);
		if (strcmp(type, FOLDED_DIFF_BEFORE) == 0)
			b = (int)i;
		else if (strcmp(type, FOLDED_DIFF_AFTER) == 0)
			a = (int)i;
	}
	if (a < 0 || b < 0)
		return false;
	*before = (uint32_t)b;
	*after = (uint32_t)a;
	return true;
}

/* What the values count, for the info text: "samples", or the unit ("nanoseconds"), or the event. */
static const char *count_name(const struct profile *p, uint32_t index)
{
	struct value_type vt = profile_value_type(p, index);
	const char *type = profile_str(p, vt.type), *unit = profile_str(p, vt.unit);
	if (strcmp(unit, "count") != 0 && *unit)
		return unit;
	if (strcmp(type, FOLDED_DIFF_BEFORE) == 0 || strcmp(type, FOLDED_DIFF_AFTER) == 0 || !*type)
		return "samples";
	return type;
}

static int write_svg(FILE *fp, const struct profile *p, const struct output_opts *o, struct flame_opts *fo,
		     struct errbuf *err)
{
	struct palette_map *map = NULL;
	int rc;
	if (o->palette_file) {
		map = palette_map_new();
		if (!map)
			return errbuf_set(err, -ENOMEM, "out of memory");
		rc = palette_map_load(map, o->palette_file, err);
		if (rc < 0)
			goto out;
		fo->palette_map = map;
	}
	rc = flame_render_svg(fp, p, fo, err);
	if (map && (rc == 0 || rc == -ENODATA)) {
		int r = palette_map_save(map, o->palette_file, err);
		if (r < 0 && rc == 0)
			rc = r;
	}
out:
	palette_map_free(map);
	return rc;
}

/*
 * An output being written: a regular file (or a new one) through a temporary
 * name and a rename; stdout as it is; and an existing non-regular file
 * (/dev/null, /dev/stdout, a FIFO) written in place, since a rename would
 * replace the device node itself.
 */
struct out_file {
	struct atomic_file af;
	FILE *direct;
	const char *path;
	char *vbuf;
};

static int out_open(struct out_file *f, const char *path, struct errbuf *err)
{
	struct stat st;
	memset(f, 0, sizeof(*f));
	f->path = path;
	if (strcmp(path, "-") != 0 && stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		if (S_ISDIR(st.st_mode))
			return errbuf_set(err, -EISDIR, "cannot write '%s': is a directory", path);
		f->direct = fopen(path, "w");
		if (!f->direct) {
			int e = errno;
			return errbuf_set(err, -e, "cannot write '%s': %s", path, strerror(e));
		}
		return 0;
	}
	int rc = atomic_file_open(&f->af, path, err);
	if (rc < 0)
		return rc;
	/* a file gets a large buffer; the writers already hand stdout large chunks */
	if (f->af.fp != stdout && (f->vbuf = malloc(OUTPUT_BUFFER)))
		setvbuf(f->af.fp, f->vbuf, _IOFBF, OUTPUT_BUFFER);
	return 0;
}

static FILE *out_fp(const struct out_file *f)
{
	return f->direct ? f->direct : f->af.fp;
}

static int out_commit(struct out_file *f, struct errbuf *err)
{
	int rc = 0;
	if (f->direct) {
		int bad = fflush(f->direct) != 0 || ferror(f->direct);
		int e = errno ? errno : EIO;
		if (fclose(f->direct) != 0 && !bad) {
			bad = 1;
			e = errno;
		}
		f->direct = NULL;
		if (bad)
			rc = errbuf_set(err, -e, "cannot write '%s': %s", f->path, strerror(e));
	} else {
		rc = atomic_file_commit(&f->af, err);
	}
	free(f->vbuf);
	f->vbuf = NULL;
	return rc;
}

static void out_abort(struct out_file *f)
{
	if (f->direct)
		fclose(f->direct);
	else
		atomic_file_abort(&f->af);
	f->direct = NULL;
	free(f->vbuf);
	f->vbuf = NULL;
}

int output_write(const char *path, const struct profile *p, const struct output_opts *o, struct errbuf *err)
{
	if (!path)
		path = "-";
	enum output_format fmt = output_format_for(path, o);
	int rc = output_check_path(path, o, err);
	if (rc < 0)
		return rc;
	if (fmt == OUTPUT_PERF_DATA)
		return errbuf_set(err, -ENOTSUP, "cannot write '%s': perf.data is written from raw samples, not a profile",
				  path);
	if (!profile_value_count(p)) {
		/* nothing was read: write what an empty profile gives (an SVG saying so) */
		struct profile *empty = profile_new();
		if (!empty || profile_add_value_type(empty, "samples", "count") < 0) {
			profile_free(empty);
			return errbuf_set(err, -ENOMEM, "out of memory");
		}
		rc = output_write(path, empty, o, err);
		profile_free(empty);
		return rc;
	}

	struct flame_opts fo = o->flame;
	if (o->value_name) {
		rc = select_values(p, o->value_name, &fo, err);
		if (rc < 0)
			return rc;
	} else if (diff_indexes(p, &fo.diff_before, &fo.diff_after)) {
		fo.diff = true;
		fo.value_index = fo.diff_after;
	}
	if (fo.value_index >= profile_value_count(p))
		return errbuf_set(err, -EINVAL, "the profile has no value %u", (unsigned)fo.value_index);
	if (!fo.countname)
		fo.countname = count_name(p, fo.value_index);
	if (fmt == OUTPUT_SVG && fo.total > 0 && fo.total < (double)profile_total(p, fo.value_index))
		fprintf(stderr, "scorch: warning: --total %g is less than the profile's total %lld, so ignored\n",
			fo.total, (long long)profile_total(p, fo.value_index));

	struct out_file f;
	rc = out_open(&f, path, err);
	if (rc < 0)
		return rc;
	FILE *fp = out_fp(&f);

	switch (fmt) {
	case OUTPUT_FOLDED: {
		struct folded_write_opts wo = { .value = fo.value_index };
		if (fo.diff && !o->value_name) {
			wo.differential = true;
			wo.value = fo.diff_before;
			wo.value2 = fo.diff_after;
		}
		rc = folded_write(p, fp, &wo, err);
		break;
	}
	case OUTPUT_JSON:
		rc = profile_write_json(p, fp, fo.value_index, fo.diff ? (int)fo.diff_before : -1, err);
		break;
	case OUTPUT_SPEEDSCOPE:
		rc = profile_write_speedscope(p, fp, fo.value_index, fo.title, err);
		break;
	case OUTPUT_PPROF: {
		/* every value type goes out; --value picks the one pprof shows first */
		struct pprof_opts po = { .has_default_value = o->value_name != NULL,
					 .default_value = fo.value_index };
		rc = pprof_write(fp, p, &po, err);
		break;
	}
	default:
		rc = write_svg(fp, p, o, &fo, err);
		break;
	}
	/* an empty SVG still says why it is empty, like flamegraph.pl's */
	if (rc == 0 || rc == -ENODATA) {
		int c = out_commit(&f, err);
		if (c < 0)
			rc = c;
	} else {
		out_abort(&f);
	}
	return rc;
}

/* ---- the shared options ---- */

static int parse_double(const char *opt, const char *arg, double min, double *out, struct errbuf *err)
{
	char *end;
	errno = 0;
	double v = strtod(arg, &end);
	if (!*arg || *end || errno || !isfinite(v) || v < min)
		return errbuf_set(err, -EINVAL, "invalid --%s '%s': expected a number >= %g", opt, arg, min);
	*out = v;
	return 1;
}

static int parse_int(const char *opt, const char *arg, long min, long max, int *out, struct errbuf *err)
{
	char *end;
	errno = 0;
	long v = strtol(arg, &end, 10);
	if (!*arg || *end || errno || v < min || v > max)
		return errbuf_set(err, -EINVAL, "invalid --%s '%s': expected an integer from %ld to %ld", opt, arg,
				  min, max);
	*out = (int)v;
	return 1;
}

int output_parse_flame_option(struct output_opts *o, int opt, const char *arg, struct errbuf *err)
{
	struct flame_opts *f = &o->flame;
	switch (opt) {
	case OUTPUT_OPT_FORMAT:
		o->format = output_format_from_name(arg);
		if (o->format == OUTPUT_AUTO)
			return errbuf_set(err, -EINVAL,
					  "invalid --format '%s': expected svg, folded, json or speedscope", arg);
		return 1;
	case OUTPUT_OPT_TITLE: f->title = arg; return 1;
	case OUTPUT_OPT_SUBTITLE: f->subtitle = arg; return 1;
	case OUTPUT_OPT_NOTES: f->notes = arg; return 1;
	case OUTPUT_OPT_COUNTNAME: f->countname = arg; return 1;
	case OUTPUT_OPT_NAMETYPE: f->nametype = arg; return 1;
	case OUTPUT_OPT_FONTTYPE:
		if (!flame_fonttype_valid(arg))
			return errbuf_set(err, -EINVAL,
					  "invalid --fonttype '%s': use letters, digits, spaces, commas and quotes", arg);
		f->fonttype = arg;
		return 1;
	case OUTPUT_OPT_WIDTH: return parse_int("width", arg, 21, 1000000, &f->width, err);
	case OUTPUT_OPT_HEIGHT: return parse_int("height", arg, 1, 10000, &f->frame_height, err);
	case OUTPUT_OPT_FONTSIZE: {
		int r = parse_double("fontsize", arg, 0, &f->fontsize, err);
		if (r > 0 && (f->fontsize <= 0 || f->fontsize > 1000))
			return errbuf_set(err, -EINVAL, "invalid --fontsize '%s': expected a size up to 1000", arg);
		return r;
	}
	case OUTPUT_OPT_FONTWIDTH: {
		int r = parse_double("fontwidth", arg, 0, &f->fontwidth, err);
		if (r > 0 && (f->fontwidth <= 0 || f->fontwidth > 100))
			return errbuf_set(err, -EINVAL, "invalid --fontwidth '%s': expected a ratio up to 100", arg);
		return r;
	}
	case OUTPUT_OPT_MINWIDTH: {
		/* flamegraph.pl: pixels, or a percentage of the total with a trailing '%' */
		size_t n = strlen(arg);
		bool pct = n && arg[n - 1] == '%';
		char tmp[64];
		if (n == 0 || n >= sizeof(tmp) || strspn(arg, "0123456789.") != n - pct)
			return errbuf_set(err, -EINVAL, "invalid --minwidth '%s': expected pixels or a percentage", arg);
		memcpy(tmp, arg, n - pct);
		tmp[n - pct] = 0;
		int r = parse_double("minwidth", tmp, 0, &f->minwidth, err);
		f->minwidth_percent = pct;
		return r;
	}
	case OUTPUT_OPT_COLORS:
		f->palette = flame_palette_from_name(arg);
		if (f->palette == FLAME_PAL_NONE)
			return errbuf_set(err, -EINVAL,
					  "invalid --colors '%s': expected hot, mem, io, wakeup, chain, java, js, perl, "
					  "red, green, blue, aqua, yellow, purple or orange", arg);
		return 1;
	case OUTPUT_OPT_BGCOLORS:
		if (!flame_bgcolors_valid(arg))
			return errbuf_set(err, -EINVAL,
					  "invalid --bgcolors '%s': expected yellow, blue, green, grey or #rrggbb", arg);
		f->bgcolors = arg;
		return 1;
	case OUTPUT_OPT_HASH: f->color_mode = FLAME_COLOR_HASH; return 1;
	case OUTPUT_OPT_RANDOM: f->color_mode = FLAME_COLOR_RANDOM; return 1;
	case OUTPUT_OPT_CP:
		if (!o->palette_file)
			o->palette_file = "palette.map";
		return 1;
	case OUTPUT_OPT_PALETTE_FILE: o->palette_file = arg; return 1;
	case OUTPUT_OPT_REVERSE: f->reverse = true; return 1;
	case OUTPUT_OPT_INVERTED: f->inverted = true; return 1;
	case OUTPUT_OPT_FLAMECHART: f->flamechart = true; return 1;
	case OUTPUT_OPT_NEGATE: f->negate = true; return 1;
	case OUTPUT_OPT_FACTOR: {
		int r = parse_double("factor", arg, -INFINITY, &f->factor, err);
		if (r > 0 && f->factor == 0)
			return errbuf_set(err, -EINVAL, "invalid --factor '%s': expected a non-zero number", arg);
		return r;
	}
	case OUTPUT_OPT_TOTAL: return parse_double("total", arg, 0, &f->total, err);
	case OUTPUT_OPT_VALUE: o->value_name = arg; return 1;
	default:
		return 0;
	}
}

/* perf.data holds raw samples: addresses and process maps, which a profile of named frames no longer has. */
#define PERF_DATA_HINT "perf.data needs raw samples: write it while recording, 'scorch record -o x.data'; here use "

int output_check_path(const char *path, const struct output_opts *o, struct errbuf *err)
{
	enum output_format fmt = output_format_for(path ? path : "-", o);
	if (fmt == OUTPUT_PERF_DATA && !o->raw_samples) {
		errbuf_set(err, -ENOTSUP, "cannot write '%s': %s output from a profile is not supported yet",
			   path ? path : "-", output_format_name(fmt));
		errbuf_hint(err, PERF_DATA_HINT ".svg, .folded, .json, .speedscope.json or .pb.gz");
		return -ENOTSUP;
	}
	return 0;
}

int output_opts_check(const struct output_opts *o, struct errbuf *err)
{
	enum output_format f = o->format;
	if (f == OUTPUT_PERF_DATA && !o->raw_samples) {
		errbuf_set(err, -ENOTSUP, "%s output from a profile is not supported yet", output_format_name(f));
		errbuf_hint(err, PERF_DATA_HINT "--format svg, folded, json, speedscope or pprof");
		return -ENOTSUP;
	}
	return 0;
}

void output_flame_usage(FILE *out)
{
	fputs("output (-o FILE picks the format by extension: .svg flame graph, .folded/.txt\n"
	      "collapsed stacks, .json d3-flame-graph tree, .speedscope.json speedscope,\n"
	      ".pb.gz pprof):\n"
	      "      --format FMT      svg, folded, json, speedscope or pprof, whatever the extension\n"
	      "      --value TYPE      draw value type TYPE (e.g. off-cpu) of a multi-value profile;\n"
	      "                        TYPE+TYPE sums them (cpu+off-cpu: wall clock), off-CPU\n"
	      "                        frames blue, wakeups aqua (SVG; other formats: the first)\n"
	      "flame graph (flamegraph.pl's options):\n"
	      "      --title TEXT      title (default \"Flame Graph\", \"Icicle Graph\")\n"
	      "      --subtitle TEXT   second title line\n"
	      "      --width PX        image width (default 1200)\n"
	      "      --height PX       frame height (default 16)\n"
	      "      --minwidth PX|P%  omit frames narrower than PX pixels or P% (default 0.1)\n"
	      "      --fonttype FONT   font family (default Verdana)\n"
	      "      --fontsize SIZE   font size (default 12)\n"
	      "      --fontwidth R     average glyph width / font size (default 0.59)\n"
	      "      --countname TEXT  what the values count (default: from the profile, \"samples\")\n"
	      "      --nametype TEXT   label of the info bar (default \"Function:\")\n"
	      "      --colors PAL      hot (default), mem, io, wakeup, chain, java, js, perl, red,\n"
	      "                        green, blue, aqua, yellow, purple, orange\n"
	      "      --bgcolors BG     yellow, blue, green, grey or #rrggbb\n"
	      "      --hash            colour by a hash of the name's first characters\n"
	      "      --random          random colours\n"
	      "      --cp              consistent palette: reuse and extend ./palette.map\n"
	      "      --palette-file F  consistent palette kept in file F\n"
	      "      --inverted        icicle graph (root at the top)\n"
	      "      --reverse         reverse the stacks (merge from the leaf)\n"
	      "      --flamechart      keep input order (time) instead of sorting by name\n"
	      "      --negate          differential: swap red and blue\n"
	      "      --factor F        multiply the values shown by F\n"
	      "      --total N         draw as if the values summed to N (when larger)\n"
	      "      --notes TEXT      add TEXT as an XML comment\n",
	      out);
}

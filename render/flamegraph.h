/* SPDX-License-Identifier: Apache-2.0 */
/* Flame graphs: SVG flame/icicle/chart/differential graphs of a profile, flamegraph.pl-compatible. */
#ifndef SCORCH_RENDER_FLAMEGRAPH_H
#define SCORCH_RENDER_FLAMEGRAPH_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "fold/profile.h"

struct errbuf;

/*
 * Colour palettes, as flamegraph.pl's --colors names them. The multi-palettes
 * (java, js, perl, chain) pick a flat palette per frame from the frame's kind
 * (FRAME_KERNEL/JIT/INLINED, like perf's "_[k]" "_[j]" "_[i]" annotations,
 * which are honoured too) and its name. FRAME_SYNTHETIC frames named "[...]"
 * ("[unknown]", "[lost stack]") are grey in every palette.
 */
enum flame_palette {
	FLAME_PAL_NONE = 0, /* "no palette chosen": for value_palettes[] */
	FLAME_PAL_HOT,
	FLAME_PAL_MEM,
	FLAME_PAL_IO,
	FLAME_PAL_WAKEUP,
	FLAME_PAL_CHAIN,
	FLAME_PAL_JAVA,
	FLAME_PAL_JS,
	FLAME_PAL_PERL,
	FLAME_PAL_RED,
	FLAME_PAL_GREEN,
	FLAME_PAL_BLUE,
	FLAME_PAL_AQUA,
	FLAME_PAL_YELLOW,
	FLAME_PAL_PURPLE,
	FLAME_PAL_ORANGE,
	FLAME_PAL_COUNT
};

/* How a frame's colour varies inside its palette. */
enum flame_color_mode {
	FLAME_COLOR_NAME = 0, /* seeded by the name: same name, same colour in every graph (default) */
	FLAME_COLOR_HASH,     /* --hash: by a hash of the name weighting its first characters */
	FLAME_COLOR_RANDOM,   /* --random: random colours */
};

/* A consistent palette (--cp): name -> "rgb(r,g,b)", kept across graphs in a palette.map file. */
struct palette_map;

/*
 * Options of a flame graph. Initialise with flame_opts_init(); every field has
 * flamegraph.pl's default. Strings are borrowed for the duration of the call.
 */
struct flame_opts {
	const char *title;     /* NULL: "Flame Graph", "Icicle Graph" (inverted), "Flame Chart" */
	const char *subtitle;  /* NULL or "": none */
	const char *notes;     /* text put in an XML comment (for tools); NULL: none */
	const char *fonttype;  /* CSS font family, "Verdana" */
	const char *nametype;  /* info-bar label before a name, "Function:" */
	const char *countname; /* what values count, "samples" */
	const char *bgcolors;  /* NULL: from the palette; "yellow" "blue" "green" "grey" or "#rrggbb" */
	int width;             /* image width in pixels, 1200 */
	int frame_height;      /* pixels per frame, 16 */
	double fontsize;       /* 12 */
	double fontwidth;      /* average glyph width relative to fontsize, 0.59 */
	double minwidth;       /* omit frames narrower than this: pixels, 0.1 */
	bool minwidth_percent; /* minwidth is a percentage of the total instead */
	enum flame_palette palette;   /* FLAME_PAL_HOT */
	enum flame_color_mode color_mode;
	struct palette_map *palette_map; /* --cp: looked up and extended while drawing; NULL: off */
	bool inverted;         /* icicle graph: root at the top */
	bool reverse;          /* reverse each stack (merge from the leaf) */
	bool flamechart;       /* keep stack order (time order) instead of sorting and merging */
	bool negate;           /* differential: swap the red/blue hues */
	double factor;         /* scale values shown in the info text, 1 */
	double total;          /* draw as if the values summed to this (when larger), 0: the real sum */

	/*
	 * Which values give the widths. With value_mask 0, value `value_index`
	 * alone. Otherwise the sum of the values whose bit is set (e.g. on-CPU plus
	 * off-CPU time for a wall-clock graph); each frame is then coloured with
	 * value_palettes[i] of the value i contributing most to it, when that
	 * palette is not FLAME_PAL_NONE (e.g. HOT for cpu, BLUE for off-cpu).
	 */
	uint32_t value_index;
	uint32_t value_mask;
	enum flame_palette value_palettes[PROFILE_MAX_VALUES];

	/*
	 * Differential graph (difffolded.pl + flamegraph.pl): widths from value
	 * `diff_after`, each frame coloured by its own change from `diff_before`:
	 * red grew, blue shrank (swapped by `negate`). Overrides value_index/mask.
	 */
	bool diff;
	uint32_t diff_before;
	uint32_t diff_after;
};

/* Fill `o` with the defaults. */
void flame_opts_init(struct flame_opts *o);

/* Is `bg` a background flame_opts.bgcolors accepts ("yellow" "blue" "green" "grey" "#rrggbb")? */
bool flame_bgcolors_valid(const char *bg);
/* Is `font` a font family list flame_opts.fonttype accepts (letters, digits, spaces, commas, quotes)? */
bool flame_fonttype_valid(const char *font);

/* The palette named `name` ("hot", "java", ...), or FLAME_PAL_NONE if unknown. */
enum flame_palette flame_palette_from_name(const char *name);
const char *flame_palette_name(enum flame_palette pal);

/*
 * Write the SVG flame graph of `p` to `out` (buffered by the caller). Frame
 * names and option strings are escaped; invalid UTF-8 and control characters
 * are replaced, so any profile gives well-formed XML with one script element.
 * An empty profile gives a small SVG saying so and returns -ENODATA with `err` filled.
 * Returns 0, or a negative errno (-EINVAL bad options, -ENOMEM, -EIO on a write error).
 */
int flame_render_svg(FILE *out, const struct profile *p, const struct flame_opts *o, struct errbuf *err);

/* A new empty palette map. NULL with errno=ENOMEM. Free with palette_map_free(). */
struct palette_map *palette_map_new(void);
void palette_map_free(struct palette_map *m);
/*
 * Read `path` ("name->rgb(r,g,b)" lines, as flamegraph.pl's palette.map) into
 * `m`. A missing file is not an error (the map starts empty). Returns 0 or a
 * negative errno with `err` filled.
 */
int palette_map_load(struct palette_map *m, const char *path, struct errbuf *err);
/* Write `m` to `path` sorted by name, atomically. Returns 0 or a negative errno with `err` filled. */
int palette_map_save(const struct palette_map *m, const char *path, struct errbuf *err);

/*
 * Build the differential profile of `before` and `after` (difffolded.pl):
 * every stack of either, keyed by frame names, with two values: index 0 from
 * `before`, index 1 from `after` (missing = 0), each from value type
 * `value_index` of its profile. `normalize` scales `before` to the total of
 * `after` (truncating, as difffolded.pl -n); `strip_hex` rewrites 0x<hex> in
 * names as "0x..." (-s). Returns a new profile (free with profile_free()), or
 * NULL with errno set and `err` filled.
 */
struct profile *flame_diff_profile(const struct profile *before, const struct profile *after,
				   uint32_t value_index, bool normalize, bool strip_hex,
				   struct errbuf *err);

#endif

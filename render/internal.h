/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers shared inside render/: layout nodes, palettes, escaping, number formatting. */
#ifndef SCORCH_RENDER_INTERNAL_H
#define SCORCH_RENDER_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "fold/profile.h"
#include "render/flamegraph.h"

struct buf;
struct errbuf;

/* ---- layout.c: stacks merged into frames, as flamegraph.pl's flow() merges sorted lines ---- */

/* One drawn frame: a run of adjacent stacks sharing the same frames up to `depth`. */
struct flame_node {
	uint32_t name;  /* string id in the profile; 0 ("") for the root */
	uint32_t depth; /* 0 = the root "all" frame */
	uint8_t kind;   /* enum frame_kind of the first frame merged here */
	uint8_t waker;  /* chain palette: the frame sits above a "--" separator */
	uint8_t dominant; /* value index contributing most (value-mix colouring) */
	int64_t start;  /* value offset of the left edge */
	int64_t end;    /* value offset of the right edge */
	int64_t delta;  /* differential: change of this frame's own (leaf) value */
};

struct flame_layout {
	struct flame_node *nodes; /* pre-order: a node's subtree follows it, deeper */
	size_t count;
	size_t cap;
	int64_t *vals;      /* value-mix colouring: per node, the values of each type (nvals each) */
	size_t nvals;
	int64_t time;       /* sum of the drawn values */
	double timemax;     /* time, or --total when larger */
	double width_per_time; /* pixels per unit of value */
	double min_time;    /* frames narrower than this are left out */
	int64_t max_delta;  /* differential: largest |change| of a stack, at least 1 */
	uint32_t max_depth; /* deepest frame drawn */
	bool has_delta;
};

/* Horizontal padding of the drawing, pixels. */
#define FLAME_XPAD 10

/*
 * Merge the stacks of `p` into frames following `o` (value selection,
 * reverse, flamechart, diff, minwidth), as flamegraph.pl's flow() merges its
 * sorted lines. Frames narrower than minwidth are dropped as they close, so
 * memory follows the frames drawn. Returns 0, -ENODATA (nothing to draw:
 * l->time is 0) or -ENOMEM with `err` filled. Release with flame_layout_release().
 */
int flame_layout_build(struct flame_layout *l, const struct profile *p, const struct flame_opts *o,
		       struct errbuf *err);
void flame_layout_release(struct flame_layout *l);

/*
 * Compare two stacks as flamegraph.pl sorts its lines: as the strings
 * "f1;f2;...;fn" followed by a space, byte by byte. `a`/`b` are string ids of
 * the frame names. Returns <0, 0, >0.
 */
int flame_stack_cmp(const struct profile *p, const uint32_t *a, size_t na, const uint32_t *b, size_t nb);

/* ---- palette.c ---- */

struct rgb {
	uint8_t r, g, b;
};

/*
 * The colour of a frame called `name` (`len` bytes, already valid UTF-8) of
 * kind `kind` in palette `pal`. `waker` marks waker frames (chain palette).
 * `rng` is the state of FLAME_COLOR_RANDOM.
 */
struct rgb flame_color(enum flame_palette pal, enum flame_color_mode mode, const char *name, size_t len,
		       enum frame_kind kind, bool waker, uint64_t *rng);
/* Differential colour of `delta` against `max_delta` (red grows, blue shrinks; `negate` swaps). */
struct rgb flame_color_delta(int64_t delta, int64_t max_delta, bool negate);
/* Background gradient stops for `bgcolors` (NULL: from the palette). Returns 0 or -EINVAL. */
int flame_bgcolors(const char *bgcolors, enum flame_palette pal, char stop1[8], char stop2[8]);
/* flamegraph.pl's random_namehash: drand48 seeded with the sum of the name's code points. */
double flame_name_seed(const char *name, size_t len);
/* flamegraph.pl's namehash (--hash): weights the first three characters. */
double flame_name_hash(const char *name, size_t len, bool reversed);
/* Look `name` up in `m` (interning the name, which a put then reuses); NULL if absent. Borrowed until palette_map_free(). */
const char *palette_map_get(struct palette_map *m, const char *name, size_t len);
/* Add `name` -> `color`. Returns 0 or -ENOMEM. */
int palette_map_put(struct palette_map *m, const char *name, size_t len, const char *color);

/* ---- escape.c ---- */

/*
 * Append `len` bytes of `s` to `out` escaped for XML text and attributes:
 * & < > " ' become entities; control characters, invalid UTF-8 and
 * non-characters become U+FFFD. At most `max_chars` code points are written
 * (SIZE_MAX: all). Returns 0 or -ENOMEM.
 */
int xml_escape(struct buf *out, const char *s, size_t len, size_t max_chars);
/* The number of code points xml_escape would write for `s` (invalid bytes count one each). */
size_t utf8_chars(const char *s, size_t len);
/* Byte length of the first `n` code points of `s` (as counted by utf8_chars). */
size_t utf8_prefix(const char *s, size_t len, size_t n);
/* Append `s` for an XML comment: sanitized as xml_escape does, no "--", not ending in '-'. */
int xml_comment_text(struct buf *out, const char *s, size_t len);
/* Length of `name` without a trailing perf annotation "_[k]" "_[w]" "_[i]" "_[j]". */
size_t flame_strip_annotation(const char *name, size_t len);
/* The annotation letter of `name` ('k', 'w', 'i', 'j') or 0. */
char flame_annotation(const char *name, size_t len);

/* ---- number formatting as Perl's sprintf/stringification, exactly ---- */

/* Append `x` rounded to `decimals` (1 or 2) places, as printf("%.Nf") rounds (exact binary value, ties to even). */
int fmt_fixed(struct buf *out, double x, int decimals);
/* `x` rounded to one decimal as printf("%.1f") does, as the double strtod would read back. */
double round_1dp(double x);
/* Append `x` as Perl prints a number ("%.15g"). */
int fmt_perl_num(struct buf *out, double x);
/* Append integer `v` with thousands separators ("1,234,567"). */
int fmt_commas(struct buf *out, int64_t v);

/* ---- script.c ---- */

/* The CSS rules and the script of the interactive SVG (no user data inside). */
extern const char flame_svg_script[];

#endif

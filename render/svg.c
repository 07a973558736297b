// SPDX-License-Identifier: Apache-2.0
/* SVG flame graphs: flamegraph.pl's geometry and options, our own escaping and interactive script. */
#include "render/flamegraph.h"
#include "render/internal.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/err.h"

#define FLUSH_AT (1 << 18)

void flame_opts_init(struct flame_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->fonttype = "Verdana";
	o->nametype = "Function:";
	o->countname = "samples";
	o->width = 1200;
	o->frame_height = 16;
	o->fontsize = 12;
	o->fontwidth = 0.59;
	o->minwidth = 0.1;
	o->palette = FLAME_PAL_HOT;
	o->factor = 1;
	o->diff_after = 1;
}

/* Output state: one growing buffer written out in large chunks. */
struct svg_out {
	FILE *fp;
	struct buf b;
	int err; /* first error: -ENOMEM or -EIO */
};

static void out_flush(struct svg_out *o)
{
	if (o->b.len && fwrite(o->b.data, 1, o->b.len, o->fp) != o->b.len && !o->err)
		o->err = -EIO;
	buf_reset(&o->b);
}

static void out_check(struct svg_out *o, int rc)
{
	if (rc < 0 && !o->err)
		o->err = -ENOMEM;
	if (o->b.len >= FLUSH_AT)
		out_flush(o);
}

static void put(struct svg_out *o, const char *s)
{
	out_check(o, buf_addstr(&o->b, s));
}

static void put_text(struct svg_out *o, const char *s, size_t len)
{
	out_check(o, xml_escape(&o->b, s, len, SIZE_MAX));
}

static void put_num(struct svg_out *o, double x)
{
	out_check(o, fmt_perl_num(&o->b, x));
}

static void put_fixed(struct svg_out *o, double x, int decimals)
{
	out_check(o, fmt_fixed(&o->b, x, decimals));
}

/* A font family list: letters, digits, spaces, commas, quotes, hyphens, dots, underscores. */
bool flame_fonttype_valid(const char *s)
{
	if (!*s || strlen(s) > 200)
		return false;
	for (; *s; s++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ,-_.'\"", *s))
			return false;
	return true;
}

static int check_opts(const struct flame_opts *o, struct errbuf *err)
{
	char a[8], b[8];
	if (o->width < 2 * FLAME_XPAD + 1 || o->width > 1000000)
		return errbuf_set(err, -EINVAL, "invalid width %d: expected %d to 1000000 pixels", o->width,
				  2 * FLAME_XPAD + 1);
	if (o->frame_height < 1 || o->frame_height > 10000)
		return errbuf_set(err, -EINVAL, "invalid frame height %d: expected 1 to 10000 pixels",
				  o->frame_height);
	if (!(o->fontsize > 0 && o->fontsize <= 1000) || !(o->fontwidth > 0 && o->fontwidth <= 100))
		return errbuf_set(err, -EINVAL, "invalid font size or width: expected positive numbers");
	if (!(o->minwidth >= 0 && isfinite(o->minwidth)))
		return errbuf_set(err, -EINVAL, "invalid minwidth: expected a non-negative number");
	if (!(isfinite(o->factor) && o->factor != 0))
		return errbuf_set(err, -EINVAL, "invalid factor: expected a non-zero number");
	if (!(o->total >= 0 && isfinite(o->total)))
		return errbuf_set(err, -EINVAL, "invalid total: expected a non-negative number");
	if (o->palette <= FLAME_PAL_NONE || o->palette >= FLAME_PAL_COUNT)
		return errbuf_set(err, -EINVAL, "invalid palette %d", (int)o->palette);
	if (o->fonttype && !flame_fonttype_valid(o->fonttype))
		return errbuf_set(err, -EINVAL, "invalid font type '%s': use letters, digits, spaces and commas",
				  o->fonttype);
	if (flame_bgcolors(o->bgcolors, o->palette, a, b) < 0)
		return errbuf_set(err, -EINVAL,
				  "invalid background colours '%s': expected yellow, blue, green, grey or #rrggbb",
				  o->bgcolors);
	return 0;
}

static const char *or_default(const char *s, const char *def)
{
	return s ? s : def;
}

/* The <svg> element and the comments before the drawing. */
static void put_header(struct svg_out *out, const struct flame_opts *o, double height)
{
	put(out, "<?xml version=\"1.0\" standalone=\"no\"?>\n"
		 "<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\" "
		 "\"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd\">\n<svg version=\"1.1\" width=\"");
	put_num(out, o->width);
	put(out, "\" height=\"");
	put_num(out, height);
	put(out, "\" onload=\"init(evt)\" viewBox=\"0 0 ");
	put_num(out, o->width);
	put(out, " ");
	put_num(out, height);
	put(out, "\" xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\"");
	put(out, " data-fontsize=\"");
	put_num(out, o->fontsize);
	put(out, "\" data-fontwidth=\"");
	put_num(out, o->fontwidth);
	put(out, "\" data-xpad=\"10\" data-inverted=\"");
	put(out, o->inverted ? "1" : "0");
	put(out, "\">\n<!-- Flame graph drawn by scorch; click a frame to zoom, Ctrl-F to search. -->\n");
	if (o->notes && *o->notes) {
		put(out, "<!-- NOTES: ");
		out_check(out, xml_comment_text(&out->b, o->notes, strlen(o->notes)));
		put(out, " -->\n");
	}
	/* user-supplied labels the script needs live in text nodes, never in attributes or code */
	put(out, "<defs>\n\t<text id=\"cfg-nametype\">");
	const char *nt = or_default(o->nametype, "Function:");
	put_text(out, nt, strlen(nt));
	put(out, "</text>\n\t<text id=\"cfg-countname\">");
	const char *cn = or_default(o->countname, "samples");
	put_text(out, cn, strlen(cn));
	put(out, "</text>\n</defs>\n");
}

/* A <text> element with an optional id and extra attributes (trusted, ours). */
static void put_label(struct svg_out *out, const char *id, double x, double y, const char *extra,
		      const char *s, size_t len)
{
	put(out, "<text");
	if (id) {
		put(out, " id=\"");
		put(out, id);
		put(out, "\"");
	}
	put(out, " x=\"");
	put_fixed(out, x, 2);
	put(out, "\" y=\"");
	put_num(out, y);
	put(out, "\"");
	if (extra) {
		put(out, " ");
		put(out, extra);
	}
	put(out, ">");
	put_text(out, s, len);
	put(out, "</text>\n");
}

static void put_style(struct svg_out *out, const struct flame_opts *o)
{
	char bg1[8], bg2[8];
	flame_bgcolors(o->bgcolors, o->palette, bg1, bg2);
	put(out, "<defs>\n\t<linearGradient id=\"background\" y1=\"0\" y2=\"1\" x1=\"0\" x2=\"0\" >\n"
		 "\t\t<stop stop-color=\"");
	put(out, bg1);
	put(out, "\" offset=\"5%\" />\n\t\t<stop stop-color=\"");
	put(out, bg2);
	put(out, "\" offset=\"95%\" />\n\t</linearGradient>\n</defs>\n<style type=\"text/css\">\n\ttext { font-family:");
	put_text(out, o->fonttype, strlen(o->fonttype));
	put(out, "; font-size:");
	put_num(out, o->fontsize);
	put(out, "px; fill:rgb(0,0,0); }\n"
		 "\t#search, #ignorecase { opacity:0.1; cursor:pointer; }\n"
		 "\t#search:hover, #search.show, #ignorecase:hover, #ignorecase.show { opacity:1; }\n"
		 "\t#subtitle { text-anchor:middle; fill:rgb(160,160,160); }\n"
		 "\t#title { text-anchor:middle; font-size:");
	put_num(out, o->fontsize + 5);
	put(out, "px; }\n"
		 "\t#unzoom { cursor:pointer; }\n"
		 "\t#frames > *:hover { stroke:black; stroke-width:0.5; cursor:pointer; }\n"
		 "\t.hide { display:none; }\n"
		 "\t.parent { opacity:0.5; }\n"
		 "</style>\n<script type=\"text/ecmascript\">\n<![CDATA[\n");
	put(out, flame_svg_script);
	put(out, "]]>\n</script>\n");
}

static void put_rgb(struct svg_out *out, struct rgb c)
{
	out_check(out, buf_addf(&out->b, "rgb(%u,%u,%u)", c.r, c.g, c.b));
}

/* "12,345" of `v` as flamegraph.pl prints sprintf("%.0f") with commas; returns the value printed. */
static double put_count(struct svg_out *out, double v)
{
	if (v == floor(v) && fabs(v) < 9e15) {
		out_check(out, fmt_commas(&out->b, (int64_t)v));
		return v;
	}
	char tmp[64];
	snprintf(tmp, sizeof(tmp), "%.0f", v);
	double shown = strtod(tmp, NULL);
	if (fabs(shown) < 9e15)
		out_check(out, fmt_commas(&out->b, (int64_t)shown));
	else
		put(out, tmp);
	return shown;
}

struct frame_ctx {
	const struct profile *p;
	const struct flame_opts *o;
	const struct flame_layout *l;
	double imageheight, ypad1, ypad2, ypad3;
	const char *countname;
	uint64_t rng;
	int err;
};

static struct rgb frame_color(struct frame_ctx *c, const struct flame_node *n, const char *name, size_t len)
{
	const struct flame_opts *o = c->o;
	static const struct rgb vdgrey = { 160, 160, 160 }, dgrey = { 200, 200, 200 };
	if (len == 2 && memcmp(name, "--", 2) == 0 && !(o->palette == FLAME_PAL_CHAIN && n->waker))
		return vdgrey;
	if (len == 1 && name[0] == '-')
		return dgrey;
	if (c->l->has_delta)
		return flame_color_delta(n->delta, c->l->max_delta, o->negate);
	enum flame_palette pal = o->palette;
	if (c->l->nvals && o->value_palettes[n->dominant] != FLAME_PAL_NONE)
		pal = o->value_palettes[n->dominant];
	if (o->palette_map && !memchr(name, '\n', len) && !memchr(name, '\r', len)) {
		const char *known = palette_map_get(o->palette_map, name, len);
		unsigned r, g, b;
		if (known && sscanf(known, "rgb(%u,%u,%u)", &r, &g, &b) == 3 && r < 256 && g < 256 && b < 256) {
			struct rgb k = { (uint8_t)r, (uint8_t)g, (uint8_t)b };
			return k;
		}
		struct rgb col = flame_color(pal, o->color_mode, name, len, (enum frame_kind)n->kind, n->waker,
					     &c->rng);
		char s[32];
		snprintf(s, sizeof(s), "rgb(%u,%u,%u)", col.r, col.g, col.b);
		if (palette_map_put(o->palette_map, name, len, s) < 0)
			c->err = -ENOMEM;
		return col;
	}
	return flame_color(pal, o->color_mode, name, len, (enum frame_kind)n->kind, n->waker, &c->rng);
}

static void put_frame(struct svg_out *out, struct frame_ctx *c, const struct flame_node *n)
{
	const struct flame_opts *o = c->o;
	const struct flame_layout *l = c->l;
	bool root = n->depth == 0;
	const char *name = root ? "" : profile_str(c->p, n->name);
	size_t len = root ? 0 : profile_str_len(c->p, n->name);
	size_t shown_len = flame_strip_annotation(name, len);
	double end = root ? l->timemax : (double)n->end;
	double x1 = FLAME_XPAD + (double)n->start * l->width_per_time;
	double x2 = FLAME_XPAD + end * l->width_per_time;
	double y1, y2;
	if (!o->inverted) {
		y1 = c->imageheight - c->ypad2 - (n->depth + 1.0) * o->frame_height + 1;
		y2 = c->imageheight - c->ypad2 - (double)n->depth * o->frame_height;
	} else {
		double top = c->ypad1 + (o->subtitle && *o->subtitle ? c->ypad3 : 0);
		y1 = top + (double)n->depth * o->frame_height;
		y2 = top + (n->depth + 1.0) * o->frame_height - 1;
	}

	put(out, "<g>\n<title>");
	if (root)
		put(out, "all");
	else
		put_text(out, name, shown_len);
	put(out, " (");
	double samples = put_count(out, (end - (double)n->start) * o->factor);
	put(out, " ");
	put_text(out, c->countname, strlen(c->countname));
	if (root) {
		put(out, ", 100%)");
	} else {
		put(out, ", ");
		put_fixed(out, 100 * samples / (l->timemax * o->factor), 2);
		put(out, "%");
		if (l->has_delta) {
			double d = (double)(o->negate ? -n->delta : n->delta);
			put(out, "; ");
			if (d > 0)
				put(out, "+");
			put_fixed(out, 100 * d / (l->timemax * o->factor), 2);
			put(out, "%");
		}
		put(out, ")");
	}
	put(out, "</title><rect x=\"");
	double rx1 = round_1dp(x1), rx2 = round_1dp(x2);
	put_fixed(out, rx1, 1);
	put(out, "\" y=\"");
	put_num(out, y1);
	put(out, "\" width=\"");
	put_fixed(out, rx2 - rx1, 1);
	put(out, "\" height=\"");
	put_fixed(out, y2 - y1, 1);
	put(out, "\" fill=\"");
	put_rgb(out, frame_color(c, n, name, len));
	put(out, "\" rx=\"2\" ry=\"2\" />\n<text x=\"");
	put_fixed(out, x1 + 3, 2);
	put(out, "\" y=\"");
	put_num(out, 3 + (y1 + y2) / 2);
	put(out, "\">");
	double chars = floor((x2 - x1) / (o->fontsize * o->fontwidth));
	if (chars >= 3) {
		if (root) {
			put(out, "all");
		} else {
			size_t have = utf8_chars(name, shown_len);
			if (chars < (double)have)
				out_check(out, xml_escape(&out->b, name, shown_len, (size_t)chars - 2) ?:
						       buf_addstr(&out->b, ".."));
			else
				put_text(out, name, shown_len);
		}
	}
	put(out, "</text>\n</g>\n");
}

static int render_empty(struct svg_out *out, const struct flame_opts *o)
{
	double h = o->fontsize * 5;
	put_header(out, o, h);
	const char *msg = "ERROR: No valid input provided to scorch render (no stack counts found).";
	put_label(out, NULL, (int)(o->width / 2), o->fontsize * 2, "text-anchor=\"middle\"", msg, strlen(msg));
	put(out, "</svg>\n");
	return 0;
}

int flame_render_svg(FILE *fp, const struct profile *p, const struct flame_opts *o, struct errbuf *err)
{
	struct svg_out out = { .fp = fp, .b = BUF_INIT };
	struct flame_layout l;
	int rc = check_opts(o, err);
	if (rc < 0)
		return rc;
	rc = flame_layout_build(&l, p, o, err);
	if (rc == -ENODATA) {
		render_empty(&out, o);
		out_flush(&out);
		buf_release(&out.b);
		return rc;
	}
	if (rc < 0)
		return rc;

	struct frame_ctx c = {
		.p = p, .o = o, .l = &l,
		.ypad1 = o->fontsize * 3, .ypad2 = o->fontsize * 2 + 10, .ypad3 = o->fontsize * 2,
		.countname = or_default(o->countname, "samples"),
		.rng = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32),
	};
	c.imageheight = (l.max_depth + 1.0) * o->frame_height + c.ypad1 + c.ypad2;
	if (o->subtitle && *o->subtitle)
		c.imageheight += c.ypad3;

	const char *title = o->title && *o->title ? o->title
			    : o->flamechart	  ? "Flame Chart"
			    : o->inverted	  ? "Icicle Graph"
						  : "Flame Graph";
	put_header(&out, o, c.imageheight);
	put_style(&out, o);
	put(&out, "<rect x=\"0.0\" y=\"0\" width=\"");
	put_fixed(&out, o->width, 1);
	put(&out, "\" height=\"");
	put_fixed(&out, c.imageheight, 1);
	put(&out, "\" fill=\"url(#background)\" />\n");
	double mid = (int)(o->width / 2);
	put_label(&out, "title", mid, o->fontsize * 2, NULL, title, strlen(title));
	if (o->subtitle && *o->subtitle)
		put_label(&out, "subtitle", mid, o->fontsize * 4, NULL, o->subtitle, strlen(o->subtitle));
	put_label(&out, "details", FLAME_XPAD, c.imageheight - c.ypad2 / 2, NULL, " ", 1);
	put_label(&out, "unzoom", FLAME_XPAD, o->fontsize * 2, "class=\"hide\"", "Reset Zoom", 10);
	put_label(&out, "search", o->width - FLAME_XPAD - 100, o->fontsize * 2, NULL, "Search", 6);
	put_label(&out, "ignorecase", o->width - FLAME_XPAD - 16, o->fontsize * 2, NULL, "ic", 2);
	put_label(&out, "matched", o->width - FLAME_XPAD - 100, c.imageheight - c.ypad2 / 2, NULL, " ", 1);

	put(&out, "<g id=\"frames\">\n");
	for (size_t i = 0; i < l.count && !out.err && !c.err; i++)
		put_frame(&out, &c, &l.nodes[i]);
	put(&out, "</g>\n</svg>\n");
	out_flush(&out);
	if (!out.err && c.err)
		out.err = c.err;
	if (out.err == -ENOMEM)
		rc = errbuf_set(err, -ENOMEM, "out of memory drawing the flame graph");
	else if (out.err)
		rc = errbuf_set(err, out.err, "cannot write the flame graph: %s", strerror(-out.err));
	flame_layout_release(&l);
	buf_release(&out.b);
	return rc;
}

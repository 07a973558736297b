// SPDX-License-Identifier: Apache-2.0
/* Flame graph colours: flamegraph.pl's palettes, name-seeded hues, differential scale, palette maps. */
#include "render/flamegraph.h"
#include "render/internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/err.h"
#include "lib/file.h"
#include "lib/strpool.h"

static const char *const palette_names[FLAME_PAL_COUNT] = {
	[FLAME_PAL_NONE] = "none",     [FLAME_PAL_HOT] = "hot",       [FLAME_PAL_MEM] = "mem",
	[FLAME_PAL_IO] = "io",         [FLAME_PAL_WAKEUP] = "wakeup", [FLAME_PAL_CHAIN] = "chain",
	[FLAME_PAL_JAVA] = "java",     [FLAME_PAL_JS] = "js",         [FLAME_PAL_PERL] = "perl",
	[FLAME_PAL_RED] = "red",       [FLAME_PAL_GREEN] = "green",   [FLAME_PAL_BLUE] = "blue",
	[FLAME_PAL_AQUA] = "aqua",     [FLAME_PAL_YELLOW] = "yellow", [FLAME_PAL_PURPLE] = "purple",
	[FLAME_PAL_ORANGE] = "orange",
};

enum flame_palette flame_palette_from_name(const char *name)
{
	for (int i = FLAME_PAL_HOT; i < FLAME_PAL_COUNT; i++)
		if (strcmp(name, palette_names[i]) == 0)
			return (enum flame_palette)i;
	return FLAME_PAL_NONE;
}

const char *flame_palette_name(enum flame_palette pal)
{
	return pal < FLAME_PAL_COUNT ? palette_names[pal] : "none";
}

/* Decode one UTF-8 code point at s[*i] (advancing); an invalid byte decodes as itself (Latin-1). */
static uint32_t next_code_point(const unsigned char *s, size_t len, size_t *i)
{
	unsigned char c = s[*i];
	size_t n = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
	if (n == 1 || *i + n > len) {
		(*i)++;
		return c;
	}
	uint32_t cp = c & (0x7f >> n);
	for (size_t k = 1; k < n; k++) {
		if ((s[*i + k] & 0xc0) != 0x80) {
			(*i)++;
			return c;
		}
		cp = (cp << 6) | (s[*i + k] & 0x3f);
	}
	*i += n;
	return cp;
}

/*
 * flamegraph.pl colours a name by seeding Perl's rand() with the sum of its
 * code points; Perl's rand is drand48, so this reproduces its colours exactly.
 */
double flame_name_seed(const char *name, size_t len)
{
	uint32_t sum = 0;
	for (size_t i = 0; i < len;)
		sum += next_code_point((const unsigned char *)name, len, &i);
	uint64_t x = ((uint64_t)sum << 16) + 0x330e;
	x = (x * 0x5deece66dULL + 0xb) & 0xffffffffffffULL;
	return (double)x / 281474976710656.0; /* 2^48 */
}

/* flamegraph.pl's namehash: a vector over the first three characters, after any "module`" prefix. */
double flame_name_hash(const char *name, size_t len, bool reversed)
{
	uint32_t cps[3];
	size_t n = 0;
	const unsigned char *s = (const unsigned char *)name;
	if (!reversed) {
		/* "mod`func" hashes "func": drop everything up to the first backtick after the first char */
		const char *tick = len > 1 ? memchr(name + 1, '`', len - 1) : NULL;
		size_t i = tick ? (size_t)(tick - name) + 1 : 0;
		while (i < len && n < 3)
			cps[n++] = next_code_point(s, len, &i);
	} else {
		/*
		 * The reversed string: its first character is our last; the
		 * backtick rule then drops everything from the end back to the
		 * last backtick before the final character.
		 */
		size_t end = len;
		while (end > 0 && (s[end - 1] & 0xc0) == 0x80)
			end--;
		if (end > 0)
			end--; /* the start of the last code point */
		size_t cut = len;
		for (size_t i = end; i > 0; i--) {
			if (s[i - 1] == '`') {
				cut = i - 1;
				break;
			}
		}
		size_t i = cut;
		while (i > 0 && n < 3) {
			size_t j = i - 1;
			while (j > 0 && (s[j] & 0xc0) == 0x80 && i - j < 4)
				j--;
			size_t k = j;
			uint32_t cp = next_code_point(s, i, &k);
			if (k != i) { /* not a whole sequence: take the last byte alone */
				j = i - 1;
				cp = s[j];
			}
			cps[n++] = cp;
			i = j;
		}
	}
	double vector = 0, weight = 1, max = 1;
	for (size_t k = 0; k < n; k++) {
		uint32_t mod = 10 + (uint32_t)k;
		vector += ((double)(cps[k] % mod) / (double)(mod - 1)) * weight;
		max += weight;
		weight *= 0.70;
	}
	return 1 - vector / max;
}

static bool has(const char *s, size_t len, const char *needle)
{
	return memmem(s, len, needle, strlen(needle)) != NULL;
}


static bool java_package(const char *s, size_t len)
{
	static const char *const pkgs[] = { "java/", "javax/", "jdk/", "net/", "org/", "com/", "io/", "sun/" };
	if (len && s[0] == 'L') {
		s++;
		len--;
	}
	for (size_t i = 0; i < sizeof(pkgs) / sizeof(pkgs[0]); i++) {
		size_t n = strlen(pkgs[i]);
		if (len >= n && memcmp(s, pkgs[i], n) == 0)
			return true;
	}
	return false;
}

/* "/" followed somewhere later by ".js" (flamegraph.pl's m:/.*\.js:). */
static bool js_path(const char *s, size_t len)
{
	const char *slash = memchr(s, '/', len);
	return slash && has(slash + 1, len - (size_t)(slash + 1 - s), ".js");
}

/* A multi-palette picks a flat palette per frame from its kind (or annotation) and its name. */
static enum flame_palette pick_flat(enum flame_palette pal, const char *s, size_t len, enum frame_kind kind,
				    bool waker)
{
	char ann = flame_annotation(s, len);
	bool jit = ann == 'j' || kind == FRAME_JIT;
	bool inl = ann == 'i' || kind == FRAME_INLINED;
	bool kern = ann == 'k' || kind == FRAME_KERNEL;

	switch (pal) {
	case FLAME_PAL_JAVA:
		if (jit)
			return FLAME_PAL_GREEN;
		if (inl)
			return FLAME_PAL_AQUA;
		if (java_package(s, len) || has(s, len, ":::"))
			return FLAME_PAL_GREEN;
		if (has(s, len, "::"))
			return FLAME_PAL_YELLOW;
		if (kern)
			return FLAME_PAL_ORANGE;
		return FLAME_PAL_RED;
	case FLAME_PAL_PERL:
		if (has(s, len, "::"))
			return FLAME_PAL_YELLOW;
		if (has(s, len, "Perl") || has(s, len, ".pl"))
			return FLAME_PAL_GREEN;
		if (kern)
			return FLAME_PAL_ORANGE;
		return FLAME_PAL_RED;
	case FLAME_PAL_JS:
		if (jit)
			return memchr(s, '/', len) ? FLAME_PAL_GREEN : FLAME_PAL_AQUA;
		if (has(s, len, "::"))
			return FLAME_PAL_YELLOW;
		if (js_path(s, len))
			return FLAME_PAL_GREEN;
		if (memchr(s, ':', len))
			return FLAME_PAL_AQUA;
		if (len == 1 && s[0] == ' ')
			return FLAME_PAL_GREEN;
		if (kern || has(s, len, "_[k]"))
			return FLAME_PAL_ORANGE;
		return FLAME_PAL_RED;
	case FLAME_PAL_WAKEUP:
		return FLAME_PAL_AQUA;
	case FLAME_PAL_CHAIN:
		/* waker frames: annotated "_[w]", or above a "--" separator in the stack */
		return waker || has(s, len, "_[w]") ? FLAME_PAL_AQUA : FLAME_PAL_BLUE;
	default:
		return pal;
	}
}

static uint64_t rng_next(uint64_t *state)
{
	/* splitmix64: only for --random, which promises nothing but variety */
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static double rng_unit(uint64_t *state)
{
	return (double)(rng_next(state) >> 11) / 9007199254740992.0; /* 2^53 */
}

static struct rgb mk(int r, int g, int b)
{
	struct rgb c = { (uint8_t)r, (uint8_t)g, (uint8_t)b };
	return c;
}

struct rgb flame_color(enum flame_palette pal, enum flame_color_mode mode, const char *name, size_t len,
		       enum frame_kind kind, bool waker, uint64_t *rng)
{
	double v1, v2, v3;
	if (pal == FLAME_PAL_CHAIN && waker && !flame_annotation(name, len)) {
		/* flamegraph.pl renames waker frames "name_[w]" and colours that name */
		char *w = malloc(len + 5);
		if (w) {
			memcpy(w, name, len);
			memcpy(w + len, "_[w]", 5);
			struct rgb c = flame_color(pal, mode, w, len + 4, kind, true, rng);
			free(w);
			return c;
		}
	}
	if (mode == FLAME_COLOR_HASH) {
		v1 = flame_name_hash(name, len, false);
		v2 = v3 = flame_name_hash(name, len, true);
	} else if (mode == FLAME_COLOR_RANDOM && rng) {
		v1 = rng_unit(rng);
		v2 = rng_unit(rng);
		v3 = rng_unit(rng);
	} else {
		v1 = v2 = v3 = flame_name_seed(name, len);
	}

	/* "[unknown]", "[lost stack]" made by a sampler: grey in every palette, losses stand out */
	if (kind == FRAME_SYNTHETIC && len && name[0] == '[') {
		int x = 170 + (int)(50 * v1);
		return mk(x, x, x);
	}
	switch (pal) {
	case FLAME_PAL_HOT:
		return mk(205 + (int)(50 * v3), (int)(230 * v1), (int)(55 * v2));
	case FLAME_PAL_MEM:
		return mk(0, 190 + (int)(50 * v2), (int)(210 * v1));
	case FLAME_PAL_IO: {
		int x = 80 + (int)(60 * v1);
		return mk(x, x, 190 + (int)(55 * v2));
	}
	default:
		break;
	}
	switch (pick_flat(pal, name, len, kind, waker)) {
	case FLAME_PAL_RED: {
		int x = 50 + (int)(80 * v1);
		return mk(200 + (int)(55 * v1), x, x);
	}
	case FLAME_PAL_GREEN: {
		int x = 50 + (int)(60 * v1);
		return mk(x, 200 + (int)(55 * v1), x);
	}
	case FLAME_PAL_BLUE: {
		int x = 80 + (int)(60 * v1);
		return mk(x, x, 205 + (int)(50 * v1));
	}
	case FLAME_PAL_YELLOW: {
		int x = 175 + (int)(55 * v1);
		return mk(x, x, 50 + (int)(20 * v1));
	}
	case FLAME_PAL_PURPLE: {
		int x = 190 + (int)(65 * v1);
		return mk(x, 80 + (int)(60 * v1), x);
	}
	case FLAME_PAL_AQUA:
		return mk(50 + (int)(60 * v1), 165 + (int)(55 * v1), 165 + (int)(55 * v1));
	case FLAME_PAL_ORANGE:
		return mk(190 + (int)(65 * v1), 90 + (int)(65 * v1), 0);
	default:
		return mk(0, 0, 0);
	}
}

struct rgb flame_color_delta(int64_t delta, int64_t max_delta, bool negate)
{
	int r = 255, g = 255, b = 255;
	double v = (double)(negate ? -delta : delta), max = (double)(max_delta > 0 ? max_delta : 1);
	if (v > max)
		v = max;
	if (v < -max)
		v = -max;
	if (v > 0)
		g = b = (int)(210 * (max - v) / max);
	else if (v < 0)
		r = g = (int)(210 * (max + v) / max);
	return mk(r, g, b);
}

static bool is_hex_color(const char *s)
{
	if (s[0] != '#' || strlen(s) != 7)
		return false;
	for (int i = 1; i < 7; i++)
		if (!strchr("0123456789abcdefABCDEF", s[i]))
			return false;
	return true;
}

int flame_bgcolors(const char *bgcolors, enum flame_palette pal, char stop1[8], char stop2[8])
{
	const char *bg = bgcolors;
	if (!bg || !*bg) {
		if (pal == FLAME_PAL_MEM)
			bg = "green";
		else if (pal == FLAME_PAL_IO || pal == FLAME_PAL_WAKEUP || pal == FLAME_PAL_CHAIN)
			bg = "blue";
		else if (pal >= FLAME_PAL_RED)
			bg = "grey";
		else
			bg = "yellow";
	}
	const char *a, *b;
	if (strcmp(bg, "yellow") == 0) {
		a = "#eeeeee";
		b = "#eeeeb0";
	} else if (strcmp(bg, "blue") == 0) {
		a = "#eeeeee";
		b = "#e0e0ff";
	} else if (strcmp(bg, "green") == 0) {
		a = "#eef2ee";
		b = "#e0ffe0";
	} else if (strcmp(bg, "grey") == 0 || strcmp(bg, "gray") == 0) {
		a = "#f8f8f8";
		b = "#e8e8e8";
	} else if (is_hex_color(bg)) {
		a = b = bg;
	} else {
		return -EINVAL;
	}
	memcpy(stop1, a, 8);
	memcpy(stop2, b, 8);
	return 0;
}

bool flame_bgcolors_valid(const char *bg)
{
	char a[8], b[8];
	return bg && flame_bgcolors(bg, FLAME_PAL_HOT, a, b) == 0;
}

/* ---- consistent palettes ---- */

struct palette_map {
	struct strpool names;
	struct strpool colors;
	uint32_t *color_of; /* name id -> color id */
	size_t cap;
};

struct palette_map *palette_map_new(void)
{
	struct palette_map *m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	if (strpool_init(&m->names) < 0 || strpool_init(&m->colors) < 0) {
		palette_map_free(m);
		errno = ENOMEM;
		return NULL;
	}
	return m;
}

void palette_map_free(struct palette_map *m)
{
	if (!m)
		return;
	strpool_release(&m->names);
	strpool_release(&m->colors);
	free(m->color_of);
	free(m);
}

const char *palette_map_get(struct palette_map *m, const char *name, size_t len)
{
	/* strpool has no lookup without insert; every name looked up is put right after anyway */
	int id = strpool_intern(&m->names, name, len);
	if (id < 0 || (size_t)id >= m->cap || !m->color_of[id])
		return NULL;
	return strpool_get(&m->colors, m->color_of[id]);
}

int palette_map_put(struct palette_map *m, const char *name, size_t len, const char *color)
{
	int id = strpool_intern(&m->names, name, len);
	int c = strpool_intern(&m->colors, color, strlen(color));
	if (id < 0 || c < 0)
		return -ENOMEM;
	if ((size_t)id >= m->cap) {
		size_t cap = m->cap ? m->cap : 64;
		while (cap <= (size_t)id)
			cap *= 2;
		uint32_t *n = realloc(m->color_of, cap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		memset(n + m->cap, 0, (cap - m->cap) * sizeof(*n));
		m->color_of = n;
		m->cap = cap;
	}
	m->color_of[id] = (uint32_t)c;
	return 0;
}

/* A palette.map colour must be "rgb(r,g,b)" with small integers: it goes into an attribute. */
static bool valid_rgb(const char *s, size_t len)
{
	if (len < 10 || len > 16 || memcmp(s, "rgb(", 4) != 0 || s[len - 1] != ')')
		return false;
	int commas = 0;
	for (size_t i = 4; i < len - 1; i++) {
		if (s[i] == ',')
			commas++;
		else if (s[i] < '0' || s[i] > '9')
			return false;
	}
	return commas == 2;
}

int palette_map_load(struct palette_map *m, const char *path, struct errbuf *err)
{
	struct buf b = BUF_INIT;
	struct errbuf tmp;
	errbuf_init(&tmp);
	int rc = file_read_all(path, &b, &tmp);
	if (rc == -ENOENT) {
		rc = 0;
		goto out;
	}
	if (rc < 0) {
		rc = errbuf_set(err, rc, "%s", tmp.msg.data);
		goto out;
	}
	size_t lineno = 0;
	for (char *line = b.data; line < b.data + b.len;) {
		char *nl = memchr(line, '\n', (size_t)(b.data + b.len - line));
		size_t n = nl ? (size_t)(nl - line) : (size_t)(b.data + b.len - line);
		lineno++;
		if (n && line[n - 1] == '\r')
			n--;
		/* flamegraph.pl splits at "->"; a name may itself hold "->", so split at the last one */
		char *sep = NULL;
		for (char *q = line; q + 1 < line + n; q++)
			if (q[0] == '-' && q[1] == '>')
				sep = q;
		if (n) {
			if (!sep || !valid_rgb(sep + 2, (size_t)(line + n - sep - 2))) {
				rc = errbuf_set(err, -EINVAL, "bad palette map '%s' line %zu: expected NAME->rgb(R,G,B)",
						path, lineno);
				goto out;
			}
			char color[17];
			size_t cl = (size_t)(line + n - sep - 2);
			memcpy(color, sep + 2, cl);
			color[cl] = 0;
			if (palette_map_put(m, line, (size_t)(sep - line), color) < 0) {
				rc = errbuf_set(err, -ENOMEM, "out of memory reading '%s'", path);
				goto out;
			}
		}
		line += n + (nl ? (size_t)(nl - line - n) + 1 : 0);
		if (!nl)
			break;
	}
out:
	errbuf_release(&tmp);
	buf_release(&b);
	return rc;
}

static int cmp_names(const void *a, const void *b, void *arg)
{
	const struct strpool *pool = arg;
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	uint32_t lx = strpool_len(pool, x), ly = strpool_len(pool, y);
	int c = memcmp(strpool_get(pool, x), strpool_get(pool, y), lx < ly ? lx : ly);
	return c ? c : (lx > ly) - (lx < ly);
}

int palette_map_save(const struct palette_map *m, const char *path, struct errbuf *err)
{
	size_t n = 0;
	uint32_t *ids = malloc((m->names.count + 1) * sizeof(*ids));
	if (!ids)
		return errbuf_set(err, -ENOMEM, "out of memory writing '%s'", path);
	for (uint32_t id = 1; id < m->names.count; id++)
		if (id < m->cap && m->color_of[id])
			ids[n++] = id;
	qsort_r(ids, n, sizeof(*ids), cmp_names, (void *)&m->names);
	struct atomic_file f;
	int rc = atomic_file_open(&f, path, err);
	if (rc < 0)
		goto out;
	for (size_t i = 0; i < n; i++) {
		fwrite(strpool_get(&m->names, ids[i]), 1, strpool_len(&m->names, ids[i]), f.fp);
		fprintf(f.fp, "->%s\n", strpool_get(&m->colors, m->color_of[ids[i]]));
	}
	rc = atomic_file_commit(&f, err);
out:
	free(ids);
	return rc;
}

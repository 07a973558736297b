// SPDX-License-Identifier: Apache-2.0
/* Differential profiles (difffolded.pl semantics): stacks of two profiles side by side, keyed by names. */
#include "render/flamegraph.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/err.h"

static bool is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* `name` with every 0x<hex digits> written "0x..." (difffolded.pl -s). */
static int strip_hex_into(struct buf *out, const char *s, size_t len)
{
	buf_reset(out);
	for (size_t i = 0; i < len;) {
		if (s[i] == '0' && i + 2 < len && s[i + 1] == 'x' && is_hex(s[i + 2])) {
			if (buf_add(out, "0x...", 5) < 0)
				return -ENOMEM;
			i += 2;
			while (i < len && is_hex(s[i]))
				i++;
			continue;
		}
		if (buf_addch(out, s[i++]) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* Map every frame of `src` to a frame of `dst` with the same (possibly stripped) name and kind. */
static int map_frames(struct profile *dst, const struct profile *src, bool strip_hex, uint32_t **out)
{
	size_t n = profile_frame_count(src);
	uint32_t *map = malloc((n ? n : 1) * sizeof(*map));
	struct buf b = BUF_INIT;
	if (!map)
		return -ENOMEM;
	for (uint32_t i = 0; i < n; i++) {
		const struct frame *f = profile_frame_get(src, i);
		const char *name = profile_str(src, f->name);
		size_t len = profile_str_len(src, f->name);
		if (strip_hex) {
			if (strip_hex_into(&b, name, len) < 0)
				goto nomem;
			name = b.data;
			len = b.len;
		}
		int id = profile_frame_named(dst, name, len, (enum frame_kind)f->kind);
		if (id < 0)
			goto nomem;
		map[i] = (uint32_t)id;
	}
	buf_release(&b);
	*out = map;
	return 0;
nomem:
	buf_release(&b);
	free(map);
	return -ENOMEM;
}

static int add_side(struct profile *dst, const struct profile *src, const uint32_t *map, uint32_t value_index,
		    int side, uint32_t **frames, size_t *cap)
{
	size_t n = profile_stack_count(src);
	for (uint32_t i = 0; i < n; i++) {
		struct profile_stack st = profile_stack_get(src, i);
		int64_t v[2] = { 0, 0 };
		v[side] = st.values[value_index];
		if (!v[side])
			continue;
		if (st.depth > *cap) {
			uint32_t *f = realloc(*frames, st.depth * sizeof(*f));
			if (!f)
				return -ENOMEM;
			*frames = f;
			*cap = st.depth;
		}
		for (uint32_t k = 0; k < st.depth; k++)
			(*frames)[k] = map[st.frames[k]];
		if (profile_add_stack(dst, *frames, st.depth, v) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* A copy of `d` with the before values scaled by after/before totals, truncated as Perl's int(). */
static struct profile *normalized(const struct profile *d, const char *unit)
{
	int64_t t1 = profile_total(d, 0), t2 = profile_total(d, 1);
	struct profile *q = profile_new();
	if (!q)
		return NULL;
	if (profile_add_value_type(q, "before", unit) < 0 || profile_add_value_type(q, "after", unit) < 0)
		goto fail;
	for (uint32_t i = 0; i < profile_frame_count(d); i++) {
		const struct frame *f = profile_frame_get(d, i);
		if (profile_frame_named(q, profile_str(d, f->name), profile_str_len(d, f->name),
					(enum frame_kind)f->kind) != (int)i)
			goto fail;
	}
	for (uint32_t i = 0; i < profile_stack_count(d); i++) {
		struct profile_stack st = profile_stack_get(d, i);
		int64_t v[2] = { st.values[0], st.values[1] };
		if (t1 != t2 && t1 != 0)
			v[0] = (int64_t)((__int128)v[0] * t2 / t1);
		if (profile_add_stack(q, st.frames, st.depth, v) < 0)
			goto fail;
	}
	return q;
fail:
	profile_free(q);
	return NULL;
}

struct profile *flame_diff_profile(const struct profile *before, const struct profile *after,
				   uint32_t value_index, bool normalize, bool strip_hex, struct errbuf *err)
{
	uint32_t *map_a = NULL, *map_b = NULL, *frames = NULL;
	size_t cap = 0;
	struct profile *d = NULL;
	if (value_index >= profile_value_count(before) || value_index >= profile_value_count(after)) {
		errbuf_set(err, -EINVAL, "both profiles need value %u to compare", (unsigned)value_index);
		errno = EINVAL;
		return NULL;
	}
	const char *unit = profile_str(after, profile_value_type(after, value_index).unit);
	d = profile_new();
	if (!d || profile_add_value_type(d, "before", unit) < 0 || profile_add_value_type(d, "after", unit) < 0 ||
	    map_frames(d, before, strip_hex, &map_a) < 0 || map_frames(d, after, strip_hex, &map_b) < 0 ||
	    add_side(d, before, map_a, value_index, 0, &frames, &cap) < 0 ||
	    add_side(d, after, map_b, value_index, 1, &frames, &cap) < 0)
		goto nomem;
	if (normalize) {
		struct profile *q = normalized(d, unit);
		if (!q)
			goto nomem;
		profile_free(d);
		d = q;
	}
	free(map_a);
	free(map_b);
	free(frames);
	return d;
nomem:
	free(map_a);
	free(map_b);
	free(frames);
	profile_free(d);
	errbuf_set(err, -ENOMEM, "out of memory comparing profiles");
	errno = ENOMEM;
	return NULL;
}

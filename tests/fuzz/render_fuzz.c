// SPDX-License-Identifier: Apache-2.0
/* libFuzzer target: folded text -> profile -> SVG, JSON and speedscope; the outputs must stay well-formed. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fold/export.h"
#include "fold/fold.h"
#include "fold/profile.h"
#include "lib/err.h"
#include "render/flamegraph.h"

/* Output invariants: one script element, valid UTF-8, no control characters but tab and newline. */
static void check_output(const char *s, size_t n, int scripts)
{
	int found = 0;
	for (const char *q = s; (q = memmem(q, (size_t)(s + n - q), "<script", 7)); q += 7)
		found++;
	if (scripts >= 0 && found != scripts)
		abort();
	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 && c != '\n' && c != '\t')
			abort();
		size_t len = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 ? 2 : 0;
		if (!len || i + len > n)
			abort();
		for (size_t k = 1; k < len; k++)
			if (((unsigned char)s[i + k] & 0xc0) != 0x80)
				abort();
		i += len;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	uint8_t opt = data[0], pal = data[1];
	struct profile *p = profile_new();
	if (!p)
		return 0;
	fold_read_mem(FOLD_TEXT_FOLDED, data + 2, size - 2, p, NULL, NULL, NULL);
	struct flame_opts o;
	flame_opts_init(&o);
	o.inverted = opt & 1;
	o.reverse = opt & 2;
	o.flamechart = opt & 4;
	o.negate = opt & 8;
	o.minwidth = (opt & 16) ? 0 : 0.1;
	o.color_mode = (opt & 32) ? FLAME_COLOR_HASH : FLAME_COLOR_NAME;
	o.palette = (enum flame_palette)(1 + pal % (FLAME_PAL_COUNT - 1));
	o.title = "t<&>\"";
	o.subtitle = (opt & 64) ? "sub]]>" : NULL;
	if (profile_value_count(p) >= 2 && (opt & 128)) {
		o.diff = true;
		o.diff_before = 0;
		o.diff_after = 1;
	}
	char *out = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&out, &n);
	if (f) {
		int rc = profile_value_count(p) ? flame_render_svg(f, p, &o, NULL) : -1;
		fclose(f);
		if (rc == 0 || rc == -ENODATA)
			check_output(out, n, rc == 0 ? 1 : 0); /* the empty-profile SVG has no script */
		free(out);
	}
	if (profile_value_count(p)) {
		out = NULL;
		f = open_memstream(&out, &n);
		if (f) {
			int rc = profile_write_json(p, f, 0, -1, NULL);
			fclose(f);
			if (rc == 0)
				check_output(out, n, -1);
			free(out);
		}
		out = NULL;
		f = open_memstream(&out, &n);
		if (f) {
			int rc = profile_write_speedscope(p, f, 0, NULL, NULL);
			fclose(f);
			if (rc == 0)
				check_output(out, n, -1);
			free(out);
		}
	}
	profile_free(p);
	return 0;
}

// SPDX-License-Identifier: Apache-2.0
/* Making arbitrary bytes safe inside SVG: XML escaping, UTF-8 repair, comment text, annotations. */
#include "render/internal.h"

#include <errno.h>
#include <string.h>

#include "lib/buf.h"

static const char replacement[] = "\xef\xbf\xbd"; /* U+FFFD */

/*
 * Length of the valid UTF-8 sequence at s[0] that XML 1.0 allows (no C0
 * controls but tab, no surrogates, overlongs or U+FFFE/U+FFFF), or 0.
 */
static size_t valid_seq(const unsigned char *s, size_t len)
{
	unsigned char c = s[0];
	if (c < 0x80)
		return c >= 0x20 || c == '\t' ? 1 : 0;
	if (c < 0xc2)
		return 0;
	if (c < 0xe0)
		return len >= 2 && (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c < 0xf0) {
		if (len < 3 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
			return 0;
		if (c == 0xe0 && s[1] < 0xa0)
			return 0; /* overlong */
		if (c == 0xed && s[1] >= 0xa0)
			return 0; /* surrogate */
		if (c == 0xef && s[1] == 0xbf && s[2] >= 0xbe)
			return 0; /* U+FFFE, U+FFFF */
		return 3;
	}
	if (c < 0xf5) {
		if (len < 4 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 || (s[3] & 0xc0) != 0x80)
			return 0;
		if (c == 0xf0 && s[1] < 0x90)
			return 0; /* overlong */
		if (c == 0xf4 && s[1] >= 0x90)
			return 0; /* above U+10FFFF */
		return 4;
	}
	return 0;
}

/* Step over one character at s[*i]: a valid sequence, or one bad byte. */
static size_t step(const unsigned char *s, size_t len, size_t i)
{
	size_t n = valid_seq(s + i, len - i);
	return n ? n : 1;
}

size_t utf8_chars(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n = 0;
	for (size_t i = 0; i < len; n++) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		i += step(s, len, i);
	}
	return n;
}

size_t utf8_prefix(const char *str, size_t len, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;
	while (i < len && n--)
		i += s[i] < 0x80 ? 1 : step(s, len, i);
	return i;
}

int xml_escape(struct buf *out, const char *str, size_t len, size_t max_chars)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t chars = 0, i = 0;
	/* worst case grows 6x (a byte to "&quot;"), reserve once for the common case */
	if (buf_grow(out, len < max_chars ? len + len / 8 + 8 : max_chars * 4 + 8) < 0)
		return -ENOMEM;
	while (i < len && chars < max_chars) {
		size_t run = i;
		/* copy a run of plain ASCII at once */
		while (run < len && chars < max_chars && s[run] >= 0x20 && s[run] < 0x80 && s[run] != '&' &&
		       s[run] != '<' && s[run] != '>' && s[run] != '"' && s[run] != '\'') {
			run++;
			chars++;
		}
		if (run > i && buf_add(out, s + i, run - i) < 0)
			return -ENOMEM;
		i = run;
		if (i >= len || chars >= max_chars)
			break;
		const char *rep = NULL;
		size_t n = 1;
		switch (s[i]) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		default:
			n = valid_seq(s + i, len - i);
			if (!n || s[i] == '\t') {
				/* tabs become spaces so names stay on one line in every viewer */
				rep = s[i] == '\t' ? " " : replacement;
				n = 1;
			}
		}
		if (rep ? buf_addstr(out, rep) < 0 : buf_add(out, s + i, n) < 0)
			return -ENOMEM;
		i += n;
		chars++;
	}
	return 0;
}

int xml_comment_text(struct buf *out, const char *s, size_t len)
{
	struct buf tmp = BUF_INIT;
	if (xml_escape(&tmp, s, len, SIZE_MAX) < 0) {
		buf_release(&tmp);
		return -ENOMEM;
	}
	int rc = 0;
	for (size_t i = 0; i < tmp.len && !rc; i++) {
		rc = buf_addch(out, tmp.data[i]);
		/* "--" may not appear inside a comment */
		if (!rc && tmp.data[i] == '-' && i + 1 < tmp.len && tmp.data[i + 1] == '-')
			rc = buf_addch(out, ' ');
	}
	if (!rc && tmp.len && tmp.data[tmp.len - 1] == '-')
		rc = buf_addch(out, ' ');
	buf_release(&tmp);
	return rc;
}

char flame_annotation(const char *name, size_t len)
{
	if (len >= 4 && name[len - 4] == '_' && name[len - 3] == '[' && name[len - 1] == ']' &&
	    strchr("kwij", name[len - 2]) && name[len - 2])
		return name[len - 2];
	return 0;
}

size_t flame_strip_annotation(const char *name, size_t len)
{
	return flame_annotation(name, len) ? len - 4 : len;
}

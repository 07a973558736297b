// SPDX-License-Identifier: Apache-2.0
/* stackcollapse-perf.pl's regular expressions and tidy rules, matched by hand for `perf script` lines. */
#include <string.h>

#include "fold/internal.h"

/*
 * Each function gives the result Perl's backtracking matcher gives for the
 * expression in its comment (FlameGraph 41fee1f), on bytes, with ASCII \s \d \w.
 */

/*
 * /^(\S.+?)\s+(\d+)[\/]*(\d+)*\s+/: the sample header. The lazy comm ends at the
 * first whitespace run (from byte 2 on) that a pid, an optional "/tid" and
 * whitespace follow.
 */
bool perf_script_match_header(const char *s, size_t n, struct span *comm, struct span *pid, struct span *tid)
{
	if (n < 3 || fold_is_space((unsigned char)s[0]))
		return false;
	for (size_t e = 2; e < n; e++) {
		if (!fold_is_space((unsigned char)s[e]) || (e > 2 && fold_is_space((unsigned char)s[e - 1])))
			continue;
		size_t w = e, d, sl, t;
		while (w < n && fold_is_space((unsigned char)s[w]))
			w++;
		for (d = w; d < n && fold_is_digit((unsigned char)s[d]); d++)
			;
		if (d == w || d >= n)
			continue;
		if (fold_is_space((unsigned char)s[d])) {
			sl = t = d;
		} else if (s[d] == '/') {
			for (sl = d; sl < n && s[sl] == '/'; sl++)
				;
			for (t = sl; t < n && fold_is_digit((unsigned char)s[t]); t++)
				;
			if (t >= n || !fold_is_space((unsigned char)s[t]))
				continue;
		} else {
			continue;
		}
		*comm = (struct span){ s, e };
		*pid = (struct span){ s + w, d - w };
		*tid = (struct span){ s + sl, t - sl };
		return true;
	}
	return false;
}

/*
 * /:\s*(\d+)*\s+(\S+):\s*$/: the period and event at the end of a header. The
 * event is the last word less its final ':'; before it, whitespace, optional
 * digits (the period), optional whitespace and a ':'.
 */
bool perf_script_match_event(const char *s, size_t n, struct span *period, struct span *event)
{
	size_t c = n, x, y, z, u;
	while (c > 0 && fold_is_space((unsigned char)s[c - 1]))
		c--;
	if (c == 0 || s[c - 1] != ':')
		return false;
	c--;
	for (x = c; x > 0 && !fold_is_space((unsigned char)s[x - 1]); x--)
		;
	if (x == c || x == 0)
		return false;
	for (y = x; y > 0 && fold_is_space((unsigned char)s[y - 1]); y--)
		;
	for (z = y; z > 0 && fold_is_digit((unsigned char)s[z - 1]); z--)
		;
	for (u = z; u > 0 && fold_is_space((unsigned char)s[u - 1]); u--)
		;
	if (u == 0 || s[u - 1] != ':')
		return false;
	*period = (struct span){ s + z, y - z };
	*event = (struct span){ s + x, c - x };
	return true;
}

/*
 * /^\s*(\w+)\s*(.+) \((.*)\)/: a frame line "ADDR SYMBOL (MODULE)". Greedy:
 * the module runs from the last " (" that a ')' follows to the last ')'.
 */
bool perf_script_match_frame(const char *s, size_t n, struct span *pc, struct span *func, struct span *mod)
{
	const char *rp = memrchr(s, ')', n);
	if (!rp)
		return false;
	size_t r = (size_t)(rp - s), p = r, a, b, q;
	for (;;) {
		const char *lp = p > 1 ? memrchr(s + 1, '(', p - 1) : NULL;
		if (!lp)
			return false;
		p = (size_t)(lp - s);
		if (s[p - 1] == ' ')
			break;
	}
	p--; /* the space of " (" */
	for (a = 0; a < n && fold_is_space((unsigned char)s[a]); a++)
		;
	for (b = a; b < n && fold_is_word((unsigned char)s[b]); b++)
		;
	if (b == a)
		return false;
	for (q = b; q < n && fold_is_space((unsigned char)s[q]); q++)
		;
	if (p >= q + 1) {
		*pc = (struct span){ s + a, b - a };
		*func = (struct span){ s + q, p - q };
	} else if (p >= b + 1) {
		/* \s* gives back one blank so that (.+) has a character */
		*pc = (struct span){ s + a, b - a };
		*func = (struct span){ s + p - 1, 1 };
	} else if (p == b && b - a >= 2) {
		/* \w+ gives back its last character */
		*pc = (struct span){ s + a, b - 1 - a };
		*func = (struct span){ s + b - 1, 1 };
	} else {
		return false;
	}
	*mod = (struct span){ s + p + 2, r - p - 2 };
	return true;
}

/* $mod =~ m/(^\[|vmlinux$)/ && $mod !~ /unknown/ */
bool perf_script_mod_is_kernel(struct span mod)
{
	bool k = (mod.n && mod.s[0] == '[') ||
		 (mod.n >= 7 && memcmp(mod.s + mod.n - 7, "vmlinux", 7) == 0);
	return k && !span_has(mod, "unknown");
}

/* $mod =~ m:/tmp/perf-\d+\.map: */
bool perf_script_mod_is_jit(struct span mod)
{
	const char *s = mod.s, *end = mod.s + mod.n;
	while ((s = memmem(s, (size_t)(end - s), "/tmp/perf-", 10)) != NULL) {
		const char *d = s + 10;
		while (d < end && fold_is_digit((unsigned char)*d))
			d++;
		if (d > s + 10 && end - d >= 4 && memcmp(d, ".map", 4) == 0)
			return true;
		s++;
	}
	return false;
}

/* $func =~ m/\.\(.*\)\./: a Go method such as "net/http.(*Client).Do". */
static bool looks_go(const char *s, size_t n)
{
	const char *open = memmem(s, n, ".(", 2);
	if (!open)
		return false;
	size_t from = (size_t)(open - s) + 2;
	return memmem(s + from, n - from, ").", 2) != NULL;
}

void perf_script_tidy(struct buf *name, bool java)
{
	char *s = name->data;
	size_t n = name->len;

	for (char *c = memchr(s, ';', n); c; c = memchr(c, ';', n - (size_t)(c - s)))
		*c = ':';
	if (!looks_go(s, n)) {
		/* everything after the first '(' that does not open "(anonymous namespace)" is noise */
		static const char anon[] = "anonymous namespace)";
		for (char *c = memchr(s, '(', n); c; c = memchr(c + 1, '(', n - (size_t)(c + 1 - s))) {
			size_t rest = n - (size_t)(c + 1 - s);
			if (rest >= sizeof(anon) - 1 && memcmp(c + 1, anon, sizeof(anon) - 1) == 0)
				continue;
			n = (size_t)(c - s);
			break;
		}
	}
	if (memchr(s, '"', n) || memchr(s, '\'', n)) {
		size_t o = 0;
		for (size_t i = 0; i < n; i++)
			if (s[i] != '"' && s[i] != '\'')
				s[o++] = s[i];
		n = o;
	}
	if (java && n && s[0] == 'L' && memchr(s, '/', n)) {
		memmove(s, s + 1, n - 1);
		n--;
	}
	buf_truncate(name, n);
}

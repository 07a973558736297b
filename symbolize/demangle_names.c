// SPDX-License-Identifier: Apache-2.0
/* Demangling entry points: the full signature (addr2line -C, llvm-symbolizer), the name alone (perf script), Rust legacy and v0 paths. */
#include <stdlib.h>
#include <string.h>

#include "lib/arena.h"
#include "lib/buf.h"
#include "symbolize/internal.h"
#include "symbolize/symbolize.h"

/* Rust legacy: "a::b::h0123456789abcdef" with $LT$-style escapes -> "a::b". NULL if not Rust. */
static char *rust_legacy(const char *s)
{
	size_t len = strlen(s);
	if (len < 20 || strncmp(s + len - 19, "::h", 3) != 0)
		return NULL;
	for (size_t i = len - 16; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return NULL;
	static const struct {
		const char *from, *to;
	} esc[] = {
		{ "$SP$", "@" }, { "$BP$", "*" }, { "$RF$", "&" }, { "$LT$", "<" }, { "$GT$", ">" }, { "$LP$", "(" },
		{ "$RP$", ")" }, { "$C$", "," }, { "$u7e$", "~" }, { "$u20$", " " }, { "$u27$", "'" },
		{ "$u5b$", "[" }, { "$u5d$", "]" }, { "$u7b$", "{" }, { "$u7d$", "}" }, { "$u3b$", ";" },
		{ "$u2b$", "+" }, { "$u22$", "\"" },
	};
	struct buf b = BUF_INIT;
	size_t end = len - 19;
	for (size_t i = 0; i < end;) {
		if (s[i] == '.' && i + 1 < end && s[i + 1] == '.') {
			buf_addstr(&b, "::");
			i += 2;
			continue;
		}
		if (s[i] == '$') {
			size_t k;
			for (k = 0; k < sizeof(esc) / sizeof(esc[0]); k++) {
				size_t l = strlen(esc[k].from);
				if (i + l <= end && strncmp(s + i, esc[k].from, l) == 0) {
					buf_addstr(&b, esc[k].to);
					i += l;
					break;
				}
			}
			if (k == sizeof(esc) / sizeof(esc[0])) {
				buf_release(&b);
				return NULL;
			}
			continue;
		}
		/* A component starting with "_$" drops the underscore. */
		if (s[i] == '_' && i + 1 < end && s[i + 1] == '$' && (i == 0 || s[i - 1] == ':')) {
			i++;
			continue;
		}
		buf_addch(&b, s[i++]);
	}
	return buf_detach(&b, NULL);
}

char *sym_demangle(const char *name)
{
	if (name && strncmp(name, "_R", 2) == 0)
		return sym_demangle_rust(name);
	if (!name || strncmp(name, "_Z", 2) != 0)
		return NULL;
	struct dm d = { .p = name + 2, .end = name + strlen(name) };
	arena_init(&d.a);
	char *out = NULL;
	struct dm_node *n = dm_parse_encoding(&d);
	if (n && !d.failed && (!more(&d) || look(&d, 0) == '.')) {
		const char *s = dm_full(&d, n);
		if (more(&d))
			s = dm_cat(&d, s, " (", d.p, ")");
		if (!d.failed) {
			out = rust_legacy(s);
			if (!out)
				out = strdup(s);
		}
	}
	arena_release(&d.a);
	return out;
}

char *sym_demangle_short(const char *name)
{
	/* Rust v0 has no parameters to leave out: the path is the name (perf 6.1 leaves it mangled). */
	if (name && strncmp(name, "_R", 2) == 0)
		return sym_demangle_rust(name);
	if (!name || strncmp(name, "_Z", 2) != 0)
		return NULL;
	struct dm d = { .p = name + 2, .end = name + strlen(name), .gnu = true };
	arena_init(&d.a);
	char *out = NULL;
	/*
	 * libiberty without DMGL_PARAMS: special names (thunks, vtables) in full,
	 * else just the <name> of the encoding; what follows it (parameters,
	 * clone suffixes, a version "@@GLIBCXX_3.4") is not even looked at.
	 */
	struct dm_name_state st = { .cv = "", .ref = "" };
	struct dm_node *n = look(&d, 0) == 'G' || look(&d, 0) == 'T' ? dm_parse_encoding(&d) : dm_parse_name(&d, &st);
	if (n && !d.failed) {
		const char *s = dm_full(&d, n);
		if (!d.failed) {
			out = rust_legacy(s);
			if (!out)
				out = strdup(s);
		}
	}
	arena_release(&d.a);
	return out;
}

// SPDX-License-Identifier: Apache-2.0
/* Rust v0 demangling of types (fn pointers, dyn, arrays, tuples ...) and const generics. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "symbolize/demangle_rust.h"

static bool rv0_type_backref(struct rv0 *r, bool unused);

/* A dyn trait's path, with its generic args left open for "Assoc = T" bindings. */
static bool rv0_dyn_trait_path(struct rv0 *r, bool *open)
{
	if (!rv0_enter(r))
		return false;
	*open = false;
	if (rv0_eat(r, 'B')) {
		size_t at = r->pos - 1;
		uint64_t target;
		if (rv0_base62(r, &target) && target >= at)
			rv0_fail(r);
		else if (!r->failed && r->print) {
			size_t saved = r->pos;
			r->pos = (size_t)target;
			rv0_dyn_trait_path(r, open);
			r->pos = saved;
		}
	} else if (rv0_eat(r, 'I')) {
		if (rv0_path(r, true)) {
			rv0_puts(r, "<");
			rv0_generic_args(r);
			*open = true;
		}
	} else {
		rv0_path(r, true);
	}
	return rv0_leave(r);
}

/* <dyn-trait> = <path> {"p" <undisambiguated-identifier> <type>} */
static bool rv0_dyn_trait(struct rv0 *r)
{
	bool open;
	if (!rv0_dyn_trait_path(r, &open))
		return false;
	while (rv0_eat(r, 'p')) {
		struct rv0_ident id;
		rv0_puts(r, open ? ", " : "<");
		open = true;
		if (!rv0_ident(r, &id) || !rv0_put_ident(r, &id))
			return false;
		rv0_puts(r, " = ");
		if (!rv0_type(r))
			return false;
	}
	if (open)
		rv0_puts(r, ">");
	return !r->failed;
}

/* <dyn-bounds> = [<binder>] {<dyn-trait>} "E", then the object lifetime. */
static bool rv0_dyn(struct rv0 *r)
{
	uint64_t bound;
	rv0_puts(r, "dyn ");
	if (!rv0_binder(r, &bound))
		return false;
	for (size_t i = 0; !rv0_eat(r, 'E'); i++) {
		if (r->pos >= r->len)
			return rv0_fail(r);
		if (i > 0)
			rv0_puts(r, " + ");
		if (!rv0_dyn_trait(r))
			return false;
	}
	rv0_unbind(r, bound);
	uint64_t lt;
	if (!rv0_eat(r, 'L') || !rv0_base62(r, &lt))
		return rv0_fail(r);
	if (lt != 0) {
		rv0_puts(r, " + ");
		rv0_lifetime(r, lt);
	}
	return !r->failed;
}

/* <fn-sig> = [<binder>] ["U"] ["K" <abi>] {<type>} "E" <type> */
static bool rv0_fn_sig(struct rv0 *r)
{
	uint64_t bound;
	if (!rv0_binder(r, &bound))
		return false;
	if (rv0_eat(r, 'U'))
		rv0_puts(r, "unsafe ");
	if (rv0_eat(r, 'K')) {
		rv0_puts(r, "extern \"");
		if (rv0_eat(r, 'C')) {
			rv0_puts(r, "C");
		} else {
			struct rv0_ident id;
			if (!rv0_ident(r, &id) || id.punycode || id.n == 0)
				return rv0_fail(r);
			for (size_t i = 0; i < id.n; i++)   /* "-" was mangled as "_" */
				rv0_put(r, id.p[i] == '_' ? "-" : &id.p[i], 1);
		}
		rv0_puts(r, "\" ");
	}
	rv0_puts(r, "fn(");
	for (size_t i = 0; !rv0_eat(r, 'E'); i++) {
		if (r->pos >= r->len)
			return rv0_fail(r);
		if (i > 0)
			rv0_puts(r, ", ");
		if (!rv0_type(r))
			return false;
	}
	rv0_puts(r, ")");
	if (!rv0_eat(r, 'u')) {      /* a () return is not shown */
		rv0_puts(r, " -> ");
		if (!rv0_type(r))
			return false;
	}
	rv0_unbind(r, bound);
	return !r->failed;
}

/* <basic-type> letters; NULL for anything else. */
static const char *rv0_basic(char c)
{
	switch (c) {
	case 'a': return "i8";
	case 'b': return "bool";
	case 'c': return "char";
	case 'd': return "f64";
	case 'e': return "str";
	case 'f': return "f32";
	case 'h': return "u8";
	case 'i': return "isize";
	case 'j': return "usize";
	case 'l': return "i32";
	case 'm': return "u32";
	case 'n': return "i128";
	case 'o': return "u128";
	case 's': return "i16";
	case 't': return "u16";
	case 'u': return "()";
	case 'v': return "...";
	case 'x': return "i64";
	case 'y': return "u64";
	case 'z': return "!";
	case 'p': return "_";
	default: return NULL;
	}
}

static bool rv0_type_body(struct rv0 *r)
{
	char tag = rv0_peek(r);
	if (tag == 0)
		return rv0_fail(r);
	const char *basic = rv0_basic(tag);
	if (basic) {
		r->pos++;
		rv0_puts(r, basic);
		return !r->failed;
	}
	r->pos++;
	switch (tag) {
	case 'A':
	case 'S':
		rv0_puts(r, "[");
		if (!rv0_type(r))
			return false;
		if (tag == 'A') {
			rv0_puts(r, "; ");
			if (!rv0_const(r, true))
				return false;
		}
		rv0_puts(r, "]");
		return !r->failed;
	case 'T': {
		size_t i;
		rv0_puts(r, "(");
		for (i = 0; !rv0_eat(r, 'E'); i++) {
			if (r->pos >= r->len)
				return rv0_fail(r);
			if (i > 0)
				rv0_puts(r, ", ");
			if (!rv0_type(r))
				return false;
		}
		rv0_puts(r, i == 1 ? ",)" : ")");
		return !r->failed;
	}
	case 'R':
	case 'Q':
		rv0_puts(r, "&");
		if (rv0_eat(r, 'L')) {
			uint64_t lt;
			if (!rv0_base62(r, &lt))
				return false;
			if (lt != 0) {
				rv0_lifetime(r, lt);
				rv0_puts(r, " ");
			}
		}
		if (tag == 'Q')
			rv0_puts(r, "mut ");
		return rv0_type(r);
	case 'P':
		rv0_puts(r, "*const ");
		return rv0_type(r);
	case 'O':
		rv0_puts(r, "*mut ");
		return rv0_type(r);
	case 'F':
		return rv0_fn_sig(r);
	case 'D':
		return rv0_dyn(r);
	case 'B':
		return rv0_backref(r, rv0_type_backref, false);
	default:
		r->pos--;
		return rv0_path(r, true);
	}
}

bool rv0_type(struct rv0 *r)
{
	if (!rv0_enter(r))
		return false;
	rv0_type_body(r);
	return rv0_leave(r);
}

static bool rv0_type_backref(struct rv0 *r, bool unused)
{
	(void)unused;
	return rv0_type(r);
}

/* <const-data> = ["n"] {<hex-digit>} "_", kept as its digits (no leading zeros but "0"). */
static bool rv0_hex(struct rv0 *r, const char **digits, size_t *n)
{
	*digits = r->s + r->pos;
	char c;
	while ((c = rv0_peek(r)) != '_') {
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return rv0_fail(r);
		r->pos++;
	}
	*n = (size_t)(r->s + r->pos - *digits);
	r->pos++;
	if (*n == 0 || (**digits == '0' && *n > 1))
		return rv0_fail(r);
	return true;
}

static uint64_t rv0_hex_value(const char *d, size_t n)
{
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++)
		v = v << 4 | (uint64_t)(d[i] <= '9' ? d[i] - '0' : d[i] - 'a' + 10);
	return v;
}

static bool rv0_const_int(struct rv0 *r, bool is_signed)
{
	const char *d;
	size_t n;
	if (is_signed && rv0_eat(r, 'n'))
		rv0_puts(r, "-");
	if (!rv0_hex(r, &d, &n))
		return false;
	if (n <= 16) {
		rv0_putu(r, rv0_hex_value(d, n));
	} else {                    /* beyond 64 bits, as LLVM does */
		rv0_puts(r, "0x");
		rv0_put(r, d, n);
	}
	return !r->failed;
}

/* One code point in quotes, escaped; `q` is the quote. LLVM escapes everything beyond ASCII. */
static void rv0_put_escaped(struct rv0 *r, uint32_t c, char q)
{
	char e[2] = { '\\', 0 };
	switch (c) {
	case '\t': e[1] = 't'; break;
	case '\r': e[1] = 'r'; break;
	case '\n': e[1] = 'n'; break;
	case '\\': e[1] = '\\'; break;
	case '\'':
	case '"':
		if (c == (uint32_t)q)
			e[1] = q;
		break;
	}
	if (e[1]) {
		rv0_put(r, e, 2);
	} else if (c >= 0x20 && c < 0x7f) {
		char ch = (char)c;
		rv0_put(r, &ch, 1);
	} else {
		static const char hex[] = "0123456789abcdef";
		char u[16];
		size_t i = sizeof(u);
		u[--i] = '}';
		do
			u[--i] = hex[c & 15];
		while ((c >>= 4) != 0);
		rv0_puts(r, "\\u{");
		rv0_put(r, u + i, sizeof(u) - i);
	}
}

/* A str const: hex bytes of UTF-8, printed as "..." (rustc-demangle's spelling). */
static bool rv0_const_str(struct rv0 *r)
{
	const char *d = r->s + r->pos;
	size_t n = 0;
	while (rv0_peek(r) != '_') {
		char c = rv0_next(r);
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return rv0_fail(r);
		n++;
	}
	r->pos++;
	if (n % 2)
		return rv0_fail(r);
	rv0_puts(r, "\"");
	for (size_t i = 0; i < n / 2;) {
		uint32_t b = (uint32_t)rv0_hex_value(d + 2 * i++, 2), c, more;
		if (b < 0x80)
			c = b, more = 0;
		else if ((b & 0xe0) == 0xc0)
			c = b & 0x1f, more = 1;
		else if ((b & 0xf0) == 0xe0)
			c = b & 0x0f, more = 2;
		else if ((b & 0xf8) == 0xf0)
			c = b & 0x07, more = 3;
		else
			return rv0_fail(r);
		for (; more > 0; more--) {
			if (i >= n / 2)
				return rv0_fail(r);
			b = (uint32_t)rv0_hex_value(d + 2 * i++, 2);
			if ((b & 0xc0) != 0x80)
				return rv0_fail(r);
			c = c << 6 | (b & 0x3f);
		}
		if (c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
			return rv0_fail(r);
		if (c == 0)
			rv0_puts(r, "\\0");
		else if (c >= 0xa0)     /* as rustc-demangle, text beyond ASCII as is (C1 controls escaped) */
			rv0_put_utf8(r, c);
		else
			rv0_put_escaped(r, c, '"');
	}
	rv0_puts(r, "\"");
	return !r->failed;
}

/* {<const>} "E", comma-separated, each in value position. */
static size_t rv0_const_list(struct rv0 *r)
{
	size_t i;
	for (i = 0; !rv0_eat(r, 'E'); i++) {
		if (r->pos >= r->len) {
			rv0_fail(r);
			break;
		}
		if (i > 0)
			rv0_puts(r, ", ");
		if (!rv0_const(r, true))
			break;
	}
	return i;
}

/* Structural consts (ADTs): <path> then "U" (unit), "T" {<const>} "E" or "S" {<identifier> <const>} "E". */
static bool rv0_const_variant(struct rv0 *r)
{
	if (!rv0_path(r, false))
		return false;
	switch (rv0_next(r)) {
	case 'U':
		return true;
	case 'T':
		rv0_puts(r, "(");
		rv0_const_list(r);
		rv0_puts(r, ")");
		return !r->failed;
	case 'S':
		rv0_puts(r, " { ");
		for (size_t i = 0; !rv0_eat(r, 'E'); i++) {
			struct rv0_ident id;
			uint64_t dis;
			if (r->pos >= r->len)
				return rv0_fail(r);
			if (i > 0)
				rv0_puts(r, ", ");
			if (!rv0_opt_base62(r, 's', &dis) || !rv0_ident(r, &id) || !rv0_put_ident(r, &id))
				return false;
			rv0_puts(r, ": ");
			if (!rv0_const(r, true))
				return false;
		}
		rv0_puts(r, " }");
		return !r->failed;
	default:
		return rv0_fail(r);
	}
}

static bool rv0_const_body(struct rv0 *r, bool in_value)
{
	char tag = rv0_next(r);
	bool braces = false;
	const char *d;
	size_t n;
	switch (tag) {
	case 'p':
		rv0_puts(r, "_");
		return !r->failed;
	case 'h': case 't': case 'm': case 'y': case 'o': case 'j':
		return rv0_const_int(r, false);
	case 'a': case 's': case 'l': case 'x': case 'n': case 'i':
		return rv0_const_int(r, true);
	case 'b':
		if (!rv0_hex(r, &d, &n) || n != 1 || (*d != '0' && *d != '1'))
			return rv0_fail(r);
		rv0_puts(r, *d == '1' ? "true" : "false");
		return !r->failed;
	case 'c': {
		if (!rv0_hex(r, &d, &n) || n > 6)
			return rv0_fail(r);
		uint64_t c = rv0_hex_value(d, n);
		if (c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
			return rv0_fail(r);
		rv0_puts(r, "'");
		rv0_put_escaped(r, (uint32_t)c, '\'');
		rv0_puts(r, "'");
		return !r->failed;
	}
	case 'B':
		return rv0_backref(r, rv0_const, in_value);
	case 'R':
		if (rv0_eat(r, 'e'))     /* &str: the literal itself */
			return rv0_const_str(r);
		/* fall through */
	case 'Q': case 'e': case 'A': case 'T': case 'V':
		break;
	default:
		return rv0_fail(r);
	}
	/* Expressions need braces where a literal would stand alone: foo::<{[1, 2]}>. */
	if (!in_value) {
		braces = true;
		rv0_puts(r, "{");
	}
	switch (tag) {
	case 'e':
		rv0_puts(r, "*");
		rv0_const_str(r);
		break;
	case 'R':
	case 'Q':
		rv0_puts(r, tag == 'R' ? "&" : "&mut ");
		rv0_const(r, true);
		break;
	case 'A':
		rv0_puts(r, "[");
		rv0_const_list(r);
		rv0_puts(r, "]");
		break;
	case 'T':
		rv0_puts(r, "(");
		if (rv0_const_list(r) == 1)
			rv0_puts(r, ",");
		rv0_puts(r, ")");
		break;
	case 'V':
		rv0_const_variant(r);
		break;
	}
	if (braces)
		rv0_puts(r, "}");
	return !r->failed;
}

bool rv0_const(struct rv0 *r, bool in_value)
{
	if (!rv0_enter(r))
		return false;
	rv0_const_body(r, in_value);
	return rv0_leave(r);
}

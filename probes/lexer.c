// SPDX-License-Identifier: Apache-2.0
/* Hand-written lexer for the bpftrace dialect: tokens with spans, decoded strings and integers. */
#include "probes/internal.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

static const char *const tok_names[] = {
	[T_EOF] = "end of input", [T_INT] = "integer", [T_STR] = "string", [T_IDENT] = "identifier",
	[T_VAR] = "variable", [T_MAP] = "map", [T_PARAM] = "positional parameter",
	[T_PARAMCOUNT] = "'$#'", [T_ATTACH] = "attach point",
	[T_LBRACE] = "'{'", [T_RBRACE] = "'}'", [T_LPAREN] = "'('", [T_RPAREN] = "')'",
	[T_LBRACKET] = "'['", [T_RBRACKET] = "']'", [T_SEMI] = "';'", [T_COMMA] = "','",
	[T_COLON] = "':'", [T_QUES] = "'?'", [T_DOT] = "'.'", [T_ARROW] = "'->'",
	[T_ASSIGN] = "'='", [T_PLUS_ASSIGN] = "'+='", [T_MINUS_ASSIGN] = "'-='", [T_MUL_ASSIGN] = "'*='",
	[T_DIV_ASSIGN] = "'/='", [T_MOD_ASSIGN] = "'%='", [T_AND_ASSIGN] = "'&='", [T_OR_ASSIGN] = "'|='",
	[T_XOR_ASSIGN] = "'^='", [T_SHL_ASSIGN] = "'<<='", [T_SHR_ASSIGN] = "'>>='",
	[T_EQ] = "'=='", [T_NE] = "'!='", [T_LT] = "'<'", [T_LE] = "'<='", [T_GT] = "'>'", [T_GE] = "'>='",
	[T_LAND] = "'&&'", [T_LOR] = "'||'", [T_NOT] = "'!'",
	[T_PLUS] = "'+'", [T_MINUS] = "'-'", [T_MUL] = "'*'", [T_DIV] = "'/'", [T_MOD] = "'%'",
	[T_BAND] = "'&'", [T_BOR] = "'|'", [T_BXOR] = "'^'", [T_BNOT] = "'~'", [T_SHL] = "'<<'", [T_SHR] = "'>>'",
	[T_INC] = "'++'", [T_DEC] = "'--'", [T_ENDPRED] = "'/'",
	[T_IF] = "'if'", [T_ELSE] = "'else'", [T_UNROLL] = "'unroll'", [T_WHILE] = "'while'",
	[T_RETURN] = "'return'", [T_BREAK] = "'break'", [T_CONTINUE] = "'continue'", [T_ERROR] = "error",
};

const char *tok_name(enum tok t)
{
	if ((size_t)t < sizeof(tok_names) / sizeof(tok_names[0]) && tok_names[t])
		return tok_names[t];
	return "token";
}

void lexer_init(struct lexer *lx, const char *src, size_t len, struct diag *d, struct arena *arena)
{
	lx->src = src;
	lx->len = len;
	lx->pos = 0;
	lx->line = 1;
	lx->col = 1;
	lx->d = d;
	lx->arena = arena;
}

static int peek(const struct lexer *lx, size_t ahead)
{
	return lx->pos + ahead < lx->len ? (unsigned char)lx->src[lx->pos + ahead] : -1;
}

static void advance(struct lexer *lx, size_t n)
{
	while (n-- && lx->pos < lx->len) {
		if (lx->src[lx->pos] == '\n') {
			lx->line++;
			lx->col = 1;
		} else {
			lx->col++;
		}
		lx->pos++;
	}
}

static struct span here(const struct lexer *lx)
{
	return (struct span){ .line = lx->line, .col = lx->col, .off = (uint32_t)lx->pos, .len = 1 };
}

static void finish(struct lexer *lx, struct token *t, enum tok kind, struct span start)
{
	t->kind = kind;
	t->span = start;
	t->span.len = (uint32_t)(lx->pos - start.off);
	t->text = lx->src + start.off;
	t->len = lx->pos - start.off;
}

static void lex_error(struct lexer *lx, struct token *t, struct span sp, const char *msg, const char *what)
{
	if (what)
		diag_error(lx->d, sp, "%s '%s'", msg, what);
	else
		diag_error(lx->d, sp, "%s", msg);
	t->kind = T_ERROR;
	t->span = sp;
}

/* Skip whitespace and comments; at top level also '#' lines (shebang, #include). Returns -1 on an unterminated comment. */
static int skip_space(struct lexer *lx, bool top_level, struct token *t)
{
	for (;;) {
		int c = peek(lx, 0);
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
			advance(lx, 1);
		} else if (c == '/' && peek(lx, 1) == '/') {
			while (peek(lx, 0) != -1 && peek(lx, 0) != '\n')
				advance(lx, 1);
		} else if (c == '/' && peek(lx, 1) == '*') {
			struct span start = here(lx);
			advance(lx, 2);
			while (!(peek(lx, 0) == '*' && peek(lx, 1) == '/')) {
				if (peek(lx, 0) == -1) {
					start.len = 2;
					lex_error(lx, t, start, "unterminated comment", NULL);
					return -1;
				}
				advance(lx, 1);
			}
			advance(lx, 2);
		} else if (c == '#' && (top_level || (lx->pos == 0 && peek(lx, 1) == '!'))) {
			while (peek(lx, 0) != -1 && peek(lx, 0) != '\n')
				advance(lx, 1);
		} else {
			return 0;
		}
	}
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void lex_string(struct lexer *lx, struct token *t, struct span start)
{
	struct buf b = BUF_INIT;
	advance(lx, 1); /* opening quote */
	for (;;) {
		int c = peek(lx, 0);
		if (c == -1 || c == '\n') {
			lex_error(lx, t, start, "unterminated string", NULL);
			goto out;
		}
		if (c == '"') {
			advance(lx, 1);
			break;
		}
		if (c != '\\') {
			buf_addch(&b, (char)c);
			advance(lx, 1);
			continue;
		}
		struct span esc = here(lx);
		int e = peek(lx, 1);
		advance(lx, 2);
		switch (e) {
		case 'n': buf_addch(&b, '\n'); break;
		case 't': buf_addch(&b, '\t'); break;
		case 'r': buf_addch(&b, '\r'); break;
		case '"': buf_addch(&b, '"'); break;
		case '\\': buf_addch(&b, '\\'); break;
		case 'x':
		case 'X': {
			int v = hexval(peek(lx, 0));
			if (v < 0) {
				esc.len = 2;
				lex_error(lx, t, esc, "invalid escape sequence in string", NULL);
				goto out;
			}
			advance(lx, 1);
			if (hexval(peek(lx, 0)) >= 0) {
				v = v * 16 + hexval(peek(lx, 0));
				advance(lx, 1);
			}
			buf_addch(&b, (char)v);
			break;
		}
		default:
			if (e >= '0' && e <= '7') {
				int v = e - '0';
				for (int i = 0; i < 2 && peek(lx, 0) >= '0' && peek(lx, 0) <= '7'; i++) {
					v = v * 8 + peek(lx, 0) - '0';
					advance(lx, 1);
				}
				if (v > 255) {
					esc.len = (uint32_t)(lx->pos - esc.off);
					lex_error(lx, t, esc, "octal escape sequence out of range", NULL);
					goto out;
				}
				buf_addch(&b, (char)v);
				break;
			}
			esc.len = 2;
			{
				char what[3] = { '\\', e > 0 ? (char)e : '?', 0 };
				lex_error(lx, t, esc, "invalid escape character", what);
			}
			goto out;
		}
	}
	finish(lx, t, T_STR, start);
	t->sval = arena_strndup(lx->arena, b.data, b.len);
	t->slen = b.len;
	if (!t->sval)
		lex_error(lx, t, start, "out of memory", NULL);
out:
	buf_release(&b);
}

static bool is_ident_start(int c)
{
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_ident_char(int c)
{
	return is_ident_start(c) || (c >= '0' && c <= '9');
}

/* Digits with '_' separators in `base`; returns false on overflow. */
static bool accumulate(const char *s, size_t n, unsigned base, uint64_t *out)
{
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '_')
			continue;
		unsigned d = (unsigned)hexval((unsigned char)s[i]);
		if (v > (UINT64_MAX - d) / base)
			return false;
		v = v * base + d;
	}
	*out = v;
	return true;
}

static void lex_number(struct lexer *lx, struct token *t, struct span start)
{
	size_t s = lx->pos;
	uint64_t v = 0;
	bool ok;
	if (peek(lx, 0) == '0' && (peek(lx, 1) == 'x' || peek(lx, 1) == 'X') && hexval(peek(lx, 2)) >= 0) {
		advance(lx, 2);
		size_t ds = lx->pos;
		while (hexval(peek(lx, 0)) >= 0)
			advance(lx, 1);
		ok = accumulate(lx->src + ds, lx->pos - ds, 16, &v);
	} else {
		while ((peek(lx, 0) >= '0' && peek(lx, 0) <= '9') || peek(lx, 0) == '_')
			advance(lx, 1);
		size_t n = lx->pos - s;
		bool octal = n > 1 && lx->src[s] == '0';
		if (octal) {
			for (size_t i = s; i < lx->pos; i++)
				if (lx->src[i] == '8' || lx->src[i] == '9') {
					finish(lx, t, T_INT, start);
					lex_error(lx, t, t->span, "invalid digit in octal integer", NULL);
					return;
				}
		}
		ok = accumulate(lx->src + s, n, octal ? 8 : 10, &v);
		if (ok && (peek(lx, 0) == 'e' || peek(lx, 0) == 'E') && peek(lx, 1) >= '0' && peek(lx, 1) <= '9') {
			advance(lx, 1);
			size_t es = lx->pos;
			while (peek(lx, 0) >= '0' && peek(lx, 0) <= '9')
				advance(lx, 1);
			uint64_t e = 0;
			ok = accumulate(lx->src + es, lx->pos - es, 10, &e);
			if (ok && v && e > 19)
				ok = false; /* 1e20 does not fit; checked before looping over a hostile exponent */
			for (uint64_t i = 0; ok && v && i < e; i++) {
				if (v > UINT64_MAX / 10)
					ok = false;
				else
					v *= 10;
			}
		}
	}
	/* C suffixes: u, l, ul, ll, ull (case-insensitive) */
	size_t suf = 0;
	while (suf < 3 && (peek(lx, suf) == 'u' || peek(lx, suf) == 'U' || peek(lx, suf) == 'l' || peek(lx, suf) == 'L'))
		suf++;
	advance(lx, suf);
	finish(lx, t, T_INT, start);
	if (is_ident_char(peek(lx, 0))) {
		while (is_ident_char(peek(lx, 0)))
			advance(lx, 1);
		finish(lx, t, T_INT, start);
		lex_error(lx, t, t->span, "invalid integer literal", NULL);
		return;
	}
	if (!ok) {
		lex_error(lx, t, t->span, "integer literal is too large for 64 bits", NULL);
		return;
	}
	t->ival = v;
}

struct keyword {
	const char *word;
	enum tok kind;
};

static const struct keyword keywords[] = {
	{ "if", T_IF },		{ "else", T_ELSE },	    { "unroll", T_UNROLL }, { "while", T_WHILE },
	{ "return", T_RETURN }, { "break", T_BREAK }, { "continue", T_CONTINUE },
};

/* Operators, longest first so "<<=" wins over "<<" and "<". */
struct op {
	const char *text;
	enum tok kind;
};

static const struct op ops[] = {
	{ "<<=", T_SHL_ASSIGN }, { ">>=", T_SHR_ASSIGN }, { "->", T_ARROW },	  { "==", T_EQ },
	{ "!=", T_NE },		 { "<=", T_LE },	  { ">=", T_GE },	  { "&&", T_LAND },
	{ "||", T_LOR },	 { "++", T_INC },	  { "--", T_DEC },	  { "+=", T_PLUS_ASSIGN },
	{ "-=", T_MINUS_ASSIGN }, { "*=", T_MUL_ASSIGN }, { "/=", T_DIV_ASSIGN }, { "%=", T_MOD_ASSIGN },
	{ "&=", T_AND_ASSIGN },	 { "|=", T_OR_ASSIGN },	  { "^=", T_XOR_ASSIGN }, { "<<", T_SHL },
	{ ">>", T_SHR },	 { "{", T_LBRACE },	  { "}", T_RBRACE },	  { "(", T_LPAREN },
	{ ")", T_RPAREN },	 { "[", T_LBRACKET },	  { "]", T_RBRACKET },	  { ";", T_SEMI },
	{ ",", T_COMMA },	 { ":", T_COLON },	  { "?", T_QUES },	  { ".", T_DOT },
	{ "=", T_ASSIGN },	 { "<", T_LT },		  { ">", T_GT },	  { "!", T_NOT },
	{ "+", T_PLUS },	 { "-", T_MINUS },	  { "*", T_MUL },	  { "/", T_DIV },
	{ "%", T_MOD },		 { "&", T_BAND },	  { "|", T_BOR },	  { "^", T_BXOR },
	{ "~", T_BNOT },
};

/* A '/' that closes a predicate is followed (after blanks) by '{' or the end of input. */
static bool closes_predicate(const struct lexer *lx)
{
	size_t i = lx->pos + 1;
	while (i < lx->len && strchr(" \t\r\n", lx->src[i]))
		i++;
	return i >= lx->len || lx->src[i] == '{';
}

void lexer_next(struct lexer *lx, struct token *t)
{
	memset(t, 0, sizeof(*t));
	if (skip_space(lx, false, t) < 0)
		return;
	struct span start = here(lx);
	int c = peek(lx, 0);
	if (c == -1) {
		start.len = 0;
		finish(lx, t, T_EOF, start);
		return;
	}
	if (c >= '0' && c <= '9') {
		lex_number(lx, t, start);
		return;
	}
	if (c == '"') {
		lex_string(lx, t, start);
		return;
	}
	if (is_ident_start(c)) {
		while (is_ident_char(peek(lx, 0)))
			advance(lx, 1);
		finish(lx, t, T_IDENT, start);
		for (size_t i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++)
			if (strlen(keywords[i].word) == t->len && memcmp(keywords[i].word, t->text, t->len) == 0)
				t->kind = keywords[i].kind;
		return;
	}
	if (c == '$') {
		if (peek(lx, 1) == '#') {
			advance(lx, 2);
			finish(lx, t, T_PARAMCOUNT, start);
			return;
		}
		if (peek(lx, 1) >= '0' && peek(lx, 1) <= '9') {
			advance(lx, 1);
			size_t ds = lx->pos;
			while (peek(lx, 0) >= '0' && peek(lx, 0) <= '9')
				advance(lx, 1);
			finish(lx, t, T_PARAM, start);
			uint64_t v = 0;
			if (!accumulate(lx->src + ds, lx->pos - ds, 10, &v) || v == 0 || v > 1000000) {
				lex_error(lx, t, t->span, "positional parameter out of range", NULL);
				return;
			}
			t->ival = v;
			return;
		}
		if (is_ident_start(peek(lx, 1))) {
			advance(lx, 1);
			while (is_ident_char(peek(lx, 0)))
				advance(lx, 1);
			finish(lx, t, T_VAR, start);
			return;
		}
		advance(lx, 1);
		finish(lx, t, T_ERROR, start);
		lex_error(lx, t, t->span, "expected a variable name after '$'", NULL);
		return;
	}
	if (c == '@') {
		advance(lx, 1);
		while (is_ident_char(peek(lx, 0)))
			advance(lx, 1);
		finish(lx, t, T_MAP, start);
		return;
	}
	if (c == '/' && closes_predicate(lx)) {
		advance(lx, 1);
		finish(lx, t, T_ENDPRED, start);
		return;
	}
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		size_t n = strlen(ops[i].text);
		if (lx->pos + n <= lx->len && memcmp(lx->src + lx->pos, ops[i].text, n) == 0) {
			advance(lx, n);
			finish(lx, t, ops[i].kind, start);
			return;
		}
	}
	char what[16]; /* a byte shown as \xNN */
	if (c >= 0x20 && c < 0x7f)
		snprintf(what, sizeof(what), "%c", c);
	else
		snprintf(what, sizeof(what), "\\x%02x", (unsigned)(unsigned char)c);
	advance(lx, 1);
	finish(lx, t, T_ERROR, start);
	lex_error(lx, t, t->span, "unexpected character", what);
}

void lexer_next_attach(struct lexer *lx, struct token *t)
{
	memset(t, 0, sizeof(*t));
	if (skip_space(lx, true, t) < 0)
		return;
	struct span start = here(lx);
	int c = peek(lx, 0);
	if (c == -1) {
		start.len = 0;
		finish(lx, t, T_EOF, start);
		return;
	}
	if (c == '{' || c == ',') {
		advance(lx, 1);
		finish(lx, t, c == '{' ? T_LBRACE : T_COMMA, start);
		return;
	}
	struct buf b = BUF_INIT;
	for (;;) {
		c = peek(lx, 0);
		if (c == -1 || c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ',' || c == '{' || c == '}' ||
		    c == ';' || c == '(' || c == ')')
			break;
		if (c == '"') {
			advance(lx, 1);
			while (peek(lx, 0) != -1 && peek(lx, 0) != '"' && peek(lx, 0) != '\n') {
				buf_addch(&b, (char)peek(lx, 0));
				advance(lx, 1);
			}
			if (peek(lx, 0) != '"') {
				lex_error(lx, t, start, "unterminated string", NULL);
				buf_release(&b);
				return;
			}
			advance(lx, 1);
			continue;
		}
		if (c == '\\' && peek(lx, 1) != -1) {
			advance(lx, 1);
			c = peek(lx, 0);
		}
		buf_addch(&b, (char)c);
		advance(lx, 1);
	}
	finish(lx, t, T_ATTACH, start);
	if (lx->pos == start.off) {
		/* a character that cannot start an attach point */
		char what[2] = { (char)c, 0 };
		advance(lx, 1);
		finish(lx, t, T_ERROR, start);
		lex_error(lx, t, t->span, "expected an attach point, found", what);
		buf_release(&b);
		return;
	}
	t->sval = arena_strndup(lx->arena, b.data, b.len);
	t->slen = b.len;
	buf_release(&b);
	if (!t->sval)
		lex_error(lx, t, start, "out of memory", NULL);
}

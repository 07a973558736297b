/* SPDX-License-Identifier: Apache-2.0 */
/* A strict little JSON parser for the tests of the JSON writers: parses back what they wrote. */
#ifndef SCORCH_TESTS_FOLD_JSON_TEST_PARSE_H
#define SCORCH_TESTS_FOLD_JSON_TEST_PARSE_H

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

enum jt_type { JT_NULL, JT_BOOL, JT_NUM, JT_STR, JT_ARR, JT_OBJ };

struct jt {
	enum jt_type type;
	double num;
	char *str;       /* JT_STR: decoded UTF-8 (NUL-terminated); JT_OBJ member: its key */
	size_t len;      /* of str */
	struct jt **kids; /* JT_ARR elements, JT_OBJ members (each with its key in ->key) */
	char **keys;
	size_t n;
};

struct jt_parser {
	const char *s, *end;
	const char *error;
};

static void jt_free(struct jt *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < v->n; i++) {
		jt_free(v->kids[i]);
		if (v->keys)
			free(v->keys[i]);
	}
	free(v->kids);
	free(v->keys);
	free(v->str);
	free(v);
}

static void jt_ws(struct jt_parser *p)
{
	while (p->s < p->end && (*p->s == ' ' || *p->s == '\t' || *p->s == '\n' || *p->s == '\r'))
		p->s++;
}

static void jt_put_utf8(char *out, size_t *n, unsigned cp)
{
	if (cp < 0x80) {
		out[(*n)++] = (char)cp;
	} else if (cp < 0x800) {
		out[(*n)++] = (char)(0xc0 | cp >> 6);
		out[(*n)++] = (char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		out[(*n)++] = (char)(0xe0 | cp >> 12);
		out[(*n)++] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[(*n)++] = (char)(0x80 | (cp & 0x3f));
	} else {
		out[(*n)++] = (char)(0xf0 | cp >> 18);
		out[(*n)++] = (char)(0x80 | ((cp >> 12) & 0x3f));
		out[(*n)++] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[(*n)++] = (char)(0x80 | (cp & 0x3f));
	}
}

/* A string at p->s (on its opening quote); raw control characters and bad escapes are errors. */
static char *jt_string(struct jt_parser *p, size_t *len)
{
	p->s++;
	char *out = malloc((size_t)(p->end - p->s) + 1);
	size_t n = 0;
	while (p->s < p->end && *p->s != '"') {
		unsigned char c = (unsigned char)*p->s;
		if (c < 0x20) {
			p->error = "control character in a string";
			free(out);
			return NULL;
		}
		if (c != '\\') {
			out[n++] = (char)c;
			p->s++;
			continue;
		}
		if (p->end - p->s < 2)
			break;
		char e = p->s[1];
		p->s += 2;
		const char *simple = strchr("\"\\/bfnrt", e);
		if (simple && e) {
			out[n++] = "\"\\/\b\f\n\r\t"[simple - "\"\\/bfnrt"];
			continue;
		}
		if (e != 'u' || p->end - p->s < 4) {
			p->error = "bad escape";
			free(out);
			return NULL;
		}
		char hex[5] = { p->s[0], p->s[1], p->s[2], p->s[3], 0 };
		char *endp;
		unsigned cp = (unsigned)strtoul(hex, &endp, 16);
		if (*endp) {
			p->error = "bad \\u escape";
			free(out);
			return NULL;
		}
		p->s += 4;
		jt_put_utf8(out, &n, cp);
	}
	if (p->s >= p->end) {
		p->error = "unterminated string";
		free(out);
		return NULL;
	}
	p->s++;
	out[n] = 0;
	*len = n;
	return out;
}

static struct jt *jt_value(struct jt_parser *p)
{
	jt_ws(p);
	if (p->s >= p->end) {
		p->error = "unexpected end";
		return NULL;
	}
	struct jt *v = calloc(1, sizeof(*v));
	char c = *p->s;
	if (c == '"') {
		v->type = JT_STR;
		v->str = jt_string(p, &v->len);
		if (!v->str)
			goto bad;
	} else if (c == '{' || c == '[') {
		v->type = c == '{' ? JT_OBJ : JT_ARR;
		char close = c == '{' ? '}' : ']';
		p->s++;
		jt_ws(p);
		if (p->s < p->end && *p->s == close) {
			p->s++;
			return v;
		}
		for (;;) {
			char *key = NULL;
			size_t klen;
			jt_ws(p);
			if (v->type == JT_OBJ) {
				if (p->s >= p->end || *p->s != '"') {
					p->error = "expected a key";
					goto bad;
				}
				key = jt_string(p, &klen);
				if (!key)
					goto bad;
				jt_ws(p);
				if (p->s >= p->end || *p->s != ':') {
					free(key);
					p->error = "expected ':'";
					goto bad;
				}
				p->s++;
			}
			struct jt *kid = jt_value(p);
			if (!kid) {
				free(key);
				goto bad;
			}
			v->kids = realloc(v->kids, (v->n + 1) * sizeof(*v->kids));
			if (v->type == JT_OBJ) {
				v->keys = realloc(v->keys, (v->n + 1) * sizeof(*v->keys));
				v->keys[v->n] = key;
			}
			v->kids[v->n++] = kid;
			jt_ws(p);
			if (p->s < p->end && *p->s == ',') {
				p->s++;
				continue;
			}
			if (p->s < p->end && *p->s == close) {
				p->s++;
				return v;
			}
			p->error = "expected ',' or a close";
			goto bad;
		}
	} else if (!strncmp(p->s, "true", 4) || !strncmp(p->s, "null", 4)) {
		v->type = c == 't' ? JT_BOOL : JT_NULL;
		v->num = c == 't';
		p->s += 4;
	} else if (!strncmp(p->s, "false", 5)) {
		v->type = JT_BOOL;
		p->s += 5;
	} else {
		char *endp;
		v->type = JT_NUM;
		v->num = strtod(p->s, &endp);
		if (endp == p->s || c == '+' || c == '.') {
			p->error = "bad value";
			goto bad;
		}
		p->s = endp;
	}
	return v;
bad:
	jt_free(v);
	return NULL;
}

/* Parse all of `s` (`len` bytes) as one JSON value; NULL (and *error set) if it is not. */
static struct jt *jt_parse(const char *s, size_t len, const char **error)
{
	struct jt_parser p = { s, s + len, NULL };
	struct jt *v = jt_value(&p);
	jt_ws(&p);
	if (v && p.s != p.end) {
		p.error = "trailing data";
		jt_free(v);
		v = NULL;
	}
	if (error)
		*error = p.error;
	return v;
}

/* Member `key` of object `v`, or NULL. */
static struct jt *jt_get(const struct jt *v, const char *key)
{
	if (!v || v->type != JT_OBJ)
		return NULL;
	for (size_t i = 0; i < v->n; i++)
		if (strcmp(v->keys[i], key) == 0)
			return v->kids[i];
	return NULL;
}

#endif

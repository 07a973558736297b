// SPDX-License-Identifier: Apache-2.0
/* printf() as bpftrace 0.17 formats and checks it: its conversion scanner, part splitting and argument conversions. */
#include "probes/output_internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lib/err.h"

enum conv_class {
	CONV_NONE,
	CONV_INT,
	CONV_STRING,
	CONV_BUFFER,
};

/* One conversion bpftrace's format_specifier_re finds: "%-?[0-9]*(\.[0-9]+)?(s|r|rx|rh|c|<len><d|u|o|x|X|p>)". */
struct token {
	size_t start, end;	/* fmt[start] == '%'; end is one past the conversion */
	size_t type_at;		/* where the type text ("lu", "s") starts: after '-', width and precision */
	enum conv_class cls;
};

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Length of the type alternative at s, or 0; the longest wins (only "r" vs "rx"/"rh" overlap). */
static size_t match_type(const char *s, enum conv_class *cls)
{
	size_t n = 0;

	if (s[0] == 's' || s[0] == 'c') {
		*cls = s[0] == 's' ? CONV_STRING : CONV_INT;
		return 1;
	}
	if (s[0] == 'r') {
		*cls = CONV_BUFFER;
		return s[1] == 'x' || s[1] == 'h' ? 2 : 1;
	}
	if ((s[0] == 'h' && s[1] == 'h') || (s[0] == 'l' && s[1] == 'l'))
		n = 2;
	else if (s[0] == 'h' || s[0] == 'l' || s[0] == 'j' || s[0] == 'z' || s[0] == 't')
		n = 1;
	if (s[n] && strchr("duoxXp", s[n])) {
		*cls = CONV_INT;
		return n + 1;
	}
	return 0;
}

/* The regex match starting exactly at fmt[p] == '%', if any. */
static bool match_token_at(const char *fmt, size_t p, struct token *t)
{
	size_t q = p + 1, n;

	if (fmt[q] == '-')
		q++;
	while (is_digit(fmt[q]))
		q++;
	if (fmt[q] == '.' && is_digit(fmt[q + 1])) {
		q++;
		while (is_digit(fmt[q]))
			q++;
	}
	n = match_type(fmt + q, &t->cls);
	if (!n)
		return false;
	t->start = p;
	t->type_at = q;
	t->end = q + n;
	return true;
}

/* Next regex match at or after `from` (std::sregex_iterator semantics: leftmost, non-overlapping). */
static bool next_token(const char *fmt, size_t from, struct token *t)
{
	for (size_t p = from; fmt[p]; p++)
		if (fmt[p] == '%' && match_token_at(fmt, p, t))
			return true;
	return false;
}

size_t output_printf_conversions(const char *fmt)
{
	struct token t;
	size_t n = 0, pos = 0;

	while (next_token(fmt, pos, &t)) {
		n++;
		pos = t.end;
	}
	return n;
}

static const char *class_name(enum conv_class c)
{
	return c == CONV_INT ? "integer" : c == CONV_STRING ? "string" : "buffer";
}

int output_printf_check(const char *fmt, const char *const *arg_types, size_t nargs, const char *func,
			struct errbuf *err)
{
	size_t ntokens = output_printf_conversions(fmt), pos = 0;
	struct token t;

	if (nargs < ntokens)
		return errbuf_set(err, -EINVAL, "%s: Not enough arguments for format string (%zu supplied, %zu expected)",
				  func, nargs, ntokens);
	if (nargs > ntokens)
		return errbuf_set(err, -EINVAL, "%s: Too many arguments for format string (%zu supplied, %zu expected)",
				  func, nargs, ntokens);
	for (size_t i = 0; i < nargs && next_token(fmt, pos, &t); i++) {
		const char *want = class_name(t.cls);
		int len = (int)(t.end - t.type_at);

		pos = t.end;
		if (strcmp(arg_types[i], want) != 0)
			return errbuf_set(err, -EINVAL, "%s: %%%.*s specifier expects a value of type %s (%s supplied)",
					  func, len, fmt + t.type_at, want, arg_types[i]);
	}
	return 0;
}

/* Length of a glibc conversion spec at s[0] == '%' (flags, width, precision, length, conversion). */
static size_t glibc_spec_len(const char *s)
{
	size_t i = 1;

	while (s[i] && strchr("-+ #0'I", s[i]))
		i++;
	while (is_digit(s[i]) || s[i] == '*')
		i++;
	if (s[i] == '.') {
		i++;
		while (is_digit(s[i]) || s[i] == '*')
			i++;
	}
	while (s[i] && strchr("hlLqjzZt", s[i]))
		i++;
	return s[i] ? i + 1 : i;
}

/* Format one conversion with its argument the way snprintf sees bpftrace's 64-bit PrintableInt/String. */
static int format_conversion(struct writer *w, const char *fmt, const struct token *t, const struct output_value *arg)
{
	char spec[64];
	size_t len = t->end - t->start;
	char conv = fmt[t->end - 1];
	const char *mod = fmt + t->type_at;
	bool is_int_arg = arg->kind == OUTPUT_INT || arg->kind == OUTPUT_POINTER;

	if (len >= sizeof(spec)) {
		writer_add(w, fmt + t->start, len);
		return -EINVAL;
	}
	memcpy(spec, fmt + t->start, len);
	spec[len] = '\0';

	if (t->cls == CONV_INT) {
		if (!is_int_arg) {
			writer_add(w, spec, len);
			return -EINVAL;
		}
		if (conv == 'p')
			writer_f(w, spec, (void *)(uintptr_t)arg->i);
		else if (mod[0] == 'l' && mod[1] == 'l')
			writer_f(w, spec, (long long)arg->i);
		else if (mod[0] == 'l' || mod[0] == 'j' || mod[0] == 'z' || mod[0] == 't')
			writer_f(w, spec, (long)arg->i);
		else
			writer_f(w, spec, (int)arg->i);	/* glibc reads an int out of the 64-bit vararg */
		return 0;
	}

	/* %s, and %r/%rx/%rh printed as %s (we have no buffer type: the text is shown as is) */
	struct buf text = BUF_INIT;
	struct writer tw = { .b = &text, .err = 0 };
	int err = 0;

	if (is_int_arg || arg->kind == OUTPUT_TUPLE)
		err = -EINVAL;
	output_write_value(&tw, OUTPUT_TEXT, arg, 1);
	if (t->cls == CONV_BUFFER) {
		spec[t->type_at - t->start] = 's';
		spec[t->type_at - t->start + 1] = '\0';
	}
	writer_f(w, spec, text.data);
	if (tw.err)
		err = tw.err;
	buf_release(&text);
	return err;
}

/*
 * One part "text...%conv" through snprintf, as FormatString::format does:
 * "%%" before the conversion becomes "%"; a "%%" that swallows the
 * conversion's '%' leaves the argument unused, as in glibc. Anything after
 * a NUL in the result is dropped (bpftrace streams the C string).
 */
static int format_part(struct writer *w, const char *fmt, size_t start, const struct token *t,
		       const struct output_value *arg)
{
	struct buf tmp = BUF_INIT;
	struct writer pw = { .b = &tmp, .err = 0 };
	int err = 0;

	for (size_t i = start; i < t->end;) {
		if (fmt[i] != '%') {
			writer_ch(&pw, fmt[i++]);
		} else if (fmt[i + 1] == '%') {
			writer_ch(&pw, '%');
			i += 2;
		} else if (i == t->start) {
			err = format_conversion(&pw, fmt, t, arg);
			i = t->end;
		} else {
			/* a conversion bpftrace does not recognise: glibc behaviour is undefined here; show it */
			size_t n = glibc_spec_len(fmt + i);

			if (i + n > t->end)
				n = t->end - i;
			writer_add(&pw, fmt + i, n);
			i += n;
		}
	}
	writer_add(w, tmp.data, strlen(tmp.data));
	if (pw.err)
		err = pw.err;
	buf_release(&tmp);
	return err;
}

static int format_printf(struct writer *w, const char *fmt, const struct output_value *args, size_t nargs)
{
	size_t pos = 0, i;
	struct token t;
	int err = 0;

	for (i = 0; i < nargs; i++) {
		if (!next_token(fmt, pos, &t))
			return -EINVAL;	/* more arguments than conversions: the check forbids it */
		int e = format_part(w, fmt, pos, &t, &args[i]);

		if (e && !err)
			err = e;
		pos = t.end;
	}
	/* the next part goes out as is: a trailing "%%" stays "%%" (only one part, as bpftrace) */
	if (fmt[pos]) {
		size_t end = next_token(fmt, pos, &t) ? t.end : strlen(fmt);

		writer_add(w, fmt + pos, end - pos);
	}
	return err;
}

int output_printf(const struct output *o, const char *fmt, const struct output_value *args, size_t nargs)
{
	struct writer w = { .b = o->buf, .err = 0 };
	int err;

	if (o->format == OUTPUT_TEXT) {
		err = format_printf(&w, fmt, args, nargs);
		return w.err ? w.err : err;
	}

	struct buf tmp = BUF_INIT;
	struct writer tw = { .b = &tmp, .err = 0 };

	err = format_printf(&tw, fmt, args, nargs);
	writer_str(&w, "{\"type\": \"printf\", \"data\": \"");
	writer_json_buf(&w, &tmp);
	writer_str(&w, "\"}\n");
	if (tw.err)
		err = tw.err;
	buf_release(&tmp);
	return w.err ? w.err : err;
}

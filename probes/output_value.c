// SPDX-License-Identifier: Apache-2.0
/* Text of single values, map keys and stacks as bpftrace 0.17 prints them, and its JSON string escaping. */
#include "probes/output_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

void writer_add(struct writer *w, const char *s, size_t len)
{
	if (!w->err && buf_add(w->b, s, len))
		w->err = -ENOMEM;
}

void writer_str(struct writer *w, const char *s)
{
	writer_add(w, s, strlen(s));
}

void writer_ch(struct writer *w, char c)
{
	writer_add(w, &c, 1);
}

void writer_f(struct writer *w, const char *fmt, ...)
{
	va_list ap;

	if (w->err)
		return;
	va_start(ap, fmt);
	if (buf_vaddf(w->b, fmt, ap))
		w->err = -ENOMEM;
	va_end(ap);
}

/*
 * bpftrace escapes '"', '\\', \n, \r, \t, and every char <= 0x1f as \u00XX.
 * Its test is on a signed char, so bytes >= 0x80 are escaped too, and
 * printed through a sign-extended int: "é" (c3 a9) becomes
 * "\uffffffc3\uffffffa9". We reproduce that byte for byte.
 */
void writer_json_escaped(struct writer *w, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		signed char c = (signed char)s[i];

		switch (c) {
		case '"':
			writer_add(w, "\\\"", 2);
			break;
		case '\\':
			writer_add(w, "\\\\", 2);
			break;
		case '\n':
			writer_add(w, "\\n", 2);
			break;
		case '\r':
			writer_add(w, "\\r", 2);
			break;
		case '\t':
			writer_add(w, "\\t", 2);
			break;
		default:
			if (c <= 0x1f)
				writer_f(w, "\\u%04x", (unsigned int)(int)c);
			else
				writer_ch(w, (char)c);
		}
	}
}

size_t output_string_len(const struct output_value *v)
{
	if (!v->str.s)
		return 0;
	return strnlen(v->str.s, v->str.len);
}

/* C++ prints a void* as "0x<hex>", and a null one as "0". */
static void write_pointer_text(struct writer *w, uint64_t addr)
{
	if (addr)
		writer_f(w, "0x%" PRIx64, addr);
	else
		writer_ch(w, '0');
}

void output_write_sym(struct writer *w, uint64_t addr, const char *name)
{
	if (name)
		writer_str(w, name);
	else
		write_pointer_text(w, addr);
}

void output_write_stack(struct writer *w, const struct output_stack *st, int indent)
{
	if (st->missing)
		return;
	writer_ch(w, '\n');
	for (size_t i = 0; i < st->nframes; i++) {
		const struct output_frame *fr = &st->frames[i];

		if (!fr->addr)
			break;
		if (st->mode == OUTPUT_STACK_PERF)
			writer_f(w, "\t%" PRIx64 " ", fr->addr);
		else
			writer_f(w, "%*s", indent, "");
		if (fr->name)
			writer_f(w, "%s+%" PRIu64, fr->name, fr->offset);
		else
			write_pointer_text(w, fr->addr);
		if (st->mode == OUTPUT_STACK_PERF && st->is_user)
			writer_f(w, " (%s)", fr->name && fr->module ? fr->module : "[unknown]");
		writer_ch(w, '\n');
	}
}

/* An integer of `bytes` width read back as that C type would hold it. */
static int64_t narrow(int64_t v, unsigned int bytes, bool is_signed)
{
	switch (bytes) {
	case 1:
		return is_signed ? (int64_t)(int8_t)v : (int64_t)(uint8_t)v;
	case 2:
		return is_signed ? (int64_t)(int16_t)v : (int64_t)(uint16_t)v;
	case 4:
		return is_signed ? (int64_t)(int32_t)v : (int64_t)(uint32_t)v;
	default:
		return v;
	}
}

/* Integer division as bpftrace does it in the value's own C++ type; a zero divisor is taken as 1. */
static void write_int(struct writer *w, int64_t i, unsigned int bytes, bool is_signed, uint32_t div)
{
	if (div == 0)
		div = 1;
	if (bytes == 1 || bytes == 2 || bytes == 4) {
		/* reduce_value<intN_t>(...) / (intN_t)div: both narrowed, then promoted */
		int64_t x = narrow(i, bytes, is_signed), d = narrow(div, bytes, is_signed);

		writer_f(w, "%" PRId64, x / (d ? d : 1));
	} else if (is_signed) {
		writer_f(w, "%" PRId64, i / (int64_t)div);
	} else {
		writer_f(w, "%" PRIu64, (uint64_t)i / div);
	}
}

static bool is_quoted(const struct output_value *v)
{
	return v->kind == OUTPUT_STRING || v->kind == OUTPUT_SYM || v->kind == OUTPUT_STACK;
}

/* The value's text without JSON quoting (Output::value_to_str). */
static void write_value_raw(struct writer *w, enum output_format f, const struct output_value *v, uint32_t div)
{
	switch (v->kind) {
	case OUTPUT_INT:
		write_int(w, v->i, v->bytes, v->is_signed, div);
		break;
	case OUTPUT_POINTER:
		write_int(w, v->i, 8, true, div);
		break;
	case OUTPUT_STRING:
		writer_add(w, v->str.s, output_string_len(v));
		break;
	case OUTPUT_SYM:
		output_write_sym(w, v->sym.addr, v->sym.name);
		break;
	case OUTPUT_STACK:
		output_write_stack(w, &v->stack, 8);
		break;
	case OUTPUT_TUPLE:
		writer_str(w, f == OUTPUT_JSON ? "[" : "(");
		for (size_t i = 0; i < v->tuple.n; i++) {
			if (i)
				writer_str(w, f == OUTPUT_JSON ? "," : ", ");
			output_write_value(w, f, &v->tuple.elems[i], div);
		}
		writer_str(w, f == OUTPUT_JSON ? "]" : ")");
		break;
	}
}

void output_write_value(struct writer *w, enum output_format f, const struct output_value *v, uint32_t div)
{
	if (f == OUTPUT_JSON && is_quoted(v)) {
		struct buf tmp = BUF_INIT;
		struct writer t = { .b = &tmp, .err = 0 };

		write_value_raw(&t, f, v, div);
		writer_ch(w, '"');
		writer_json_buf(w, &tmp);
		writer_ch(w, '"');
		if (t.err && !w->err)
			w->err = t.err;
		buf_release(&tmp);
		return;
	}
	write_value_raw(w, f, v, div);
}

void output_write_key_arg(struct writer *w, const struct output_value *v)
{
	switch (v->kind) {
	case OUTPUT_INT:
		/* MapKey::argument_value reads every integer key as signed at its width */
		write_int(w, v->i, v->bytes, true, 1);
		break;
	case OUTPUT_POINTER:
		writer_f(w, "0x%" PRIx64, (uint64_t)v->i);
		break;
	case OUTPUT_STACK:
		output_write_stack(w, &v->stack, 4);
		break;
	default:
		write_value_raw(w, OUTPUT_TEXT, v, 1);
	}
}

int output_value_text(struct buf *b, const struct output_value *v)
{
	struct writer w = { .b = b, .err = 0 };

	output_write_value(&w, OUTPUT_TEXT, v, 1);
	return w.err;
}

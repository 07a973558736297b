// SPDX-License-Identifier: Apache-2.0
/*
 * libFuzzer target for probes/output_printf.c: user-written printf formats. The first input byte picks
 * the argument kinds (one bit each: integer or string) and count; the rest is the format. The check and
 * both output formats must never crash, read out of bounds or hand a bad spec to snprintf.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/err.h"
#include "probes/output.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct output_value args[4];
	const char *types[4];
	size_t nargs, run = 0;
	char *fmt;

	if (size < 1)
		return 0;
	/* widths like %999999999d are legal and print that many bytes (as bpftrace would): keep them small */
	for (size_t i = 1; i < size; i++) {
		run = data[i] >= '0' && data[i] <= '9' ? run + 1 : 0;
		if (run > 4)
			return 0;
	}
	nargs = data[0] & 3;
	for (size_t i = 0; i < nargs; i++) {
		memset(&args[i], 0, sizeof(args[i]));
		if (data[0] & (4u << i)) {
			args[i].kind = OUTPUT_STRING;
			args[i].str.s = "fuzz";
			args[i].str.len = 5;
			types[i] = "string";
		} else {
			args[i].kind = OUTPUT_INT;
			args[i].i = -(int64_t)i - 1;
			args[i].bytes = 8;
			args[i].is_signed = true;
			types[i] = "integer";
		}
	}
	fmt = malloc(size);
	if (!fmt)
		return 0;
	memcpy(fmt, data + 1, size - 1);
	fmt[size - 1] = '\0';

	struct errbuf err;
	struct buf b = BUF_INIT;
	struct output text = { .format = OUTPUT_TEXT, .buf = &b }, json = { .format = OUTPUT_JSON, .buf = &b };

	errbuf_init(&err);
	(void)output_printf_check(fmt, types, nargs, "printf", &err);
	(void)output_printf_conversions(fmt);
	(void)output_printf(&text, fmt, args, nargs);
	(void)output_printf(&json, fmt, args, nargs);
	errbuf_release(&err);
	buf_release(&b);
	free(fmt);
	return 0;
}

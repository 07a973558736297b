// SPDX-License-Identifier: Apache-2.0
/* Error reporting (see err.h). */
#include "lib/err.h"

#include <stdarg.h>

void errbuf_init(struct errbuf *e)
{
	e->code = 0;
	buf_init(&e->msg);
	buf_init(&e->hint);
}

void errbuf_release(struct errbuf *e)
{
	if (!e)
		return;
	buf_release(&e->msg);
	buf_release(&e->hint);
	e->code = 0;
}

int errbuf_set(struct errbuf *e, int code, const char *fmt, ...)
{
	if (!e || e->code)
		return code;
	va_list ap;
	va_start(ap, fmt);
	buf_reset(&e->msg);
	buf_vaddf(&e->msg, fmt, ap);
	va_end(ap);
	e->code = code ? code : -1;
	return code;
}

void errbuf_hint(struct errbuf *e, const char *fmt, ...)
{
	if (!e)
		return;
	va_list ap;
	va_start(ap, fmt);
	buf_reset(&e->hint);
	buf_vaddf(&e->hint, fmt, ap);
	va_end(ap);
}

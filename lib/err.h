/* SPDX-License-Identifier: Apache-2.0 */
/* Error reporting: lower layers record one message in an optional errbuf; only cli/ prints it. */
#ifndef SCORCH_LIB_ERR_H
#define SCORCH_LIB_ERR_H

#include "lib/buf.h"

/*
 * Holds the first error of an operation: a negative errno-style code and a
 * one-line, lower-case message ("cannot open 'x': No such file or directory")
 * plus an optional hint line ("try 'scorch record --help'").
 */
struct errbuf {
	int code;
	struct buf msg;
	struct buf hint;
};

void errbuf_init(struct errbuf *e);
void errbuf_release(struct errbuf *e);
/*
 * Record an error unless one is already recorded (the first cause wins) and
 * return `code`, so callers can write `return errbuf_set(err, -ENOENT, ...)`.
 * `e` may be NULL: then only the code is returned.
 */
int errbuf_set(struct errbuf *e, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Add or replace the hint line of a recorded error. */
void errbuf_hint(struct errbuf *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline int errbuf_failed(const struct errbuf *e) { return e && e->code; }

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/* Growable byte buffer, always NUL-terminated, grown in place (never moved under the caller). */
#ifndef SCORCH_LIB_BUF_H
#define SCORCH_LIB_BUF_H

#include <stdarg.h>
#include <stddef.h>

/*
 * A buffer owns `data` (malloc()ed) once it has grown; an initialised empty
 * buffer points at a shared static "" and owns nothing. `data[len]` is always 0.
 */
struct buf {
	char *data;
	size_t len;
	size_t cap;
};

#define BUF_INIT { .data = (char *)buf_empty, .len = 0, .cap = 0 }
extern const char buf_empty[1];

void buf_init(struct buf *b);
/* Free the storage and leave `b` initialised and empty. */
void buf_release(struct buf *b);
/* Make room for `extra` more bytes. Returns 0 or -ENOMEM (contents unchanged). */
int buf_grow(struct buf *b, size_t extra);
/* Append; each returns 0 or -ENOMEM. */
int buf_add(struct buf *b, const void *data, size_t len);
int buf_addstr(struct buf *b, const char *s);
int buf_addch(struct buf *b, char c);
int buf_addf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_vaddf(struct buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Set the length to `len` (<= current len) and terminate. */
void buf_truncate(struct buf *b, size_t len);
static inline void buf_reset(struct buf *b) { buf_truncate(b, 0); }
/* Hand over the storage: you now own the returned malloc()ed string; `b` is empty. NULL on ENOMEM. */
char *buf_detach(struct buf *b, size_t *len);

#endif

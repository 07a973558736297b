// SPDX-License-Identifier: Apache-2.0
/* JIT symbols from /tmp/perf-PID.map ("START SIZE name", hex), the convention of perf, V8, the JVM agents and LuaJIT. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/buf.h"
#include "symbolize/internal.h"

static const char *parse_hex(const char *p, const char *end, uint64_t *out)
{
	if (end - p > 2 && p[0] == '0' && (p[1] | 0x20) == 'x')
		p += 2;
	uint64_t v = 0;
	int digits = 0;
	for (; p < end && digits < 17; p++, digits++) {
		int c = *p, d;
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			d = (c | 0x20) - 'a' + 10;
		else
			break;
		v = v << 4 | (uint64_t)d;
	}
	if (!digits || digits > 16)
		return NULL;
	*out = v;
	return p;
}

/* A map bigger than this is read up to here: a sparse hostile file must not exhaust memory. */
#define JITMAP_MAX_BYTES (1ull << 30)

int jitmap_open(const char *path, const uint32_t *uids, size_t nuids)
{
	/* O_NONBLOCK: a FIFO planted under the map's name would block open() forever */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return -errno;
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -EINVAL;
	}
	bool trusted = st.st_uid == 0 || !nuids;
	for (size_t i = 0; i < nuids && !trusted; i++)
		trusted = st.st_uid == uids[i];
	if (!trusted) {
		close(fd);
		return -EPERM;
	}
	return fd;
}

/* The whole of `fd` from offset 0 (pread: its position is not ours to move), up to JITMAP_MAX_BYTES. */
static int read_from_start(int fd, struct buf *out)
{
	uint64_t off = 0;
	for (;;) {
		if (buf_grow(out, 65536) < 0)
			return -ENOMEM;
		size_t room = out->cap - out->len - 1;
		if (room > JITMAP_MAX_BYTES - off)
			room = (size_t)(JITMAP_MAX_BYTES - off);
		if (!room)
			return 0;
		ssize_t n = pread(fd, out->data + out->len, room, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return 0;
		out->len += (size_t)n;
		out->data[out->len] = '\0';
		off += (uint64_t)n;
	}
}

int jitmap_load_fd(int fd, struct arena *a, struct symtab *out)
{
	struct buf text = BUF_INIT;
	int rc = read_from_start(fd, &text);
	out->syms = NULL;
	out->n = 0;
	if (rc < 0) {
		buf_release(&text);
		return rc;
	}
	struct sym_symbol *v = NULL;
	size_t n = 0, cap = 0;
	const char *p = text.data, *end = text.data + text.len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		uint64_t start, size;
		const char *q = parse_hex(p, le, &start);
		if (q && q < le && *q == ' ' && (q = parse_hex(q + 1, le, &size)) && q < le && *q == ' ' && q + 1 < le) {
			q++;
			size_t len = (size_t)(le - q);
			if (len && q[len - 1] == '\r')
				len--;
			char *name = arena_strndup(a, q, len);
			if (!name) {
				rc = -ENOMEM;
				break;
			}
			if (n == cap) {
				cap = cap ? cap * 2 : 256;
				struct sym_symbol *nv = realloc(v, cap * sizeof(*nv));
				if (!nv) {
					rc = -ENOMEM;
					break;
				}
				v = nv;
			}
			/* A zero size still names its start address. */
			v[n++] = (struct sym_symbol){ .start = start, .end = start + (size ? size : 1), .name = name };
		}
		p = le + 1;
	}
	buf_release(&text);
	if (rc < 0) {
		free(v);
		return rc;
	}
	/* Several entries at one start (code reused by the JIT): perf's alias rule picks one. */
	symtab_finish(out, v, n, NULL);
	return 0;
}

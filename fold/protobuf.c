// SPDX-License-Identifier: Apache-2.0
/* Protocol Buffers wire-format encoding (see protobuf.h). */
#include "fold/protobuf.h"

#include <errno.h>

#include "lib/buf.h"

size_t pb_varint_encode(uint8_t *out, uint64_t v)
{
	size_t n = 0;
	while (v >= 0x80) {
		out[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	out[n++] = (uint8_t)v;
	return n;
}

int pb_add_varint(struct buf *b, uint64_t v)
{
	uint8_t tmp[PB_VARINT_MAX];
	return buf_add(b, tmp, pb_varint_encode(tmp, v));
}

int pb_add_tag(struct buf *b, uint32_t field, enum pb_wire_type wt)
{
	return pb_add_varint(b, (uint64_t)field << 3 | (uint64_t)wt);
}

int pb_add_uint(struct buf *b, uint32_t field, uint64_t v)
{
	if (!v)
		return 0;
	uint8_t tmp[2 * PB_VARINT_MAX];
	size_t n = pb_varint_encode(tmp, (uint64_t)field << 3 | PB_VARINT);
	n += pb_varint_encode(tmp + n, v);
	return buf_add(b, tmp, n);
}

int pb_add_int(struct buf *b, uint32_t field, int64_t v)
{
	return pb_add_uint(b, field, (uint64_t)v);
}

int pb_add_bytes(struct buf *b, uint32_t field, const void *data, size_t len)
{
	uint8_t tmp[2 * PB_VARINT_MAX];
	size_t n = pb_varint_encode(tmp, (uint64_t)field << 3 | PB_LEN);
	n += pb_varint_encode(tmp + n, len);
	if (buf_grow(b, n + len))
		return -ENOMEM;
	buf_add(b, tmp, n);
	return buf_add(b, data, len);
}

int pb_add_packed_uint(struct buf *b, uint32_t field, const uint64_t *v, size_t n)
{
	if (!n)
		return 0;
	size_t len = 0;
	uint8_t tmp[PB_VARINT_MAX];
	for (size_t i = 0; i < n; i++)
		len += pb_varint_encode(tmp, v[i]);
	if (pb_add_tag(b, field, PB_LEN) || pb_add_varint(b, len) || buf_grow(b, len))
		return -ENOMEM;
	/* buf_grow reserved the room: the appends below cannot fail */
	for (size_t i = 0; i < n; i++)
		buf_add(b, tmp, pb_varint_encode(tmp, v[i]));
	return 0;
}

int pb_add_packed_int(struct buf *b, uint32_t field, const int64_t *v, size_t n)
{
	if (!n)
		return 0;
	size_t len = 0;
	uint8_t tmp[PB_VARINT_MAX];
	for (size_t i = 0; i < n; i++)
		len += pb_varint_encode(tmp, (uint64_t)v[i]);
	if (pb_add_tag(b, field, PB_LEN) || pb_add_varint(b, len) || buf_grow(b, len))
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		buf_add(b, tmp, pb_varint_encode(tmp, (uint64_t)v[i]));
	return 0;
}

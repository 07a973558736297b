/* SPDX-License-Identifier: Apache-2.0 */
/* A tiny Protocol Buffers wire-format encoder appending to a struct buf (varints, tags, packed fields). */
#ifndef SCORCH_FOLD_PROTOBUF_H
#define SCORCH_FOLD_PROTOBUF_H

#include <stddef.h>
#include <stdint.h>

struct buf;

/*
 * Only what a writer of proto3 messages needs: varint (0) and
 * length-delimited (2) wire types. Nested messages are encoded into their own
 * buf first and then added with pb_add_bytes(), since their length comes first.
 * Every function returns 0 or -ENOMEM; on failure `b` may hold a partial field.
 * The encoding follows https://protobuf.dev/programming-guides/encoding/.
 */
enum pb_wire_type {
	PB_VARINT = 0,
	PB_LEN = 2,
};

/* Largest encoded varint: 10 bytes for 64 bits. */
#define PB_VARINT_MAX 10

/* Encode `v` as a base-128 varint into `out` (room for PB_VARINT_MAX bytes); returns its length. */
size_t pb_varint_encode(uint8_t *out, uint64_t v);

int pb_add_varint(struct buf *b, uint64_t v);
/* The key of field `field` with wire type `wt`. */
int pb_add_tag(struct buf *b, uint32_t field, enum pb_wire_type wt);

/*
 * A scalar field (int64, uint64, bool): tag and varint. int64 is two's
 * complement, so a negative value takes ten bytes (proto3's int64, not sint64).
 * Proto3 leaves out fields holding their default: pb_add_int skips 0.
 */
int pb_add_int(struct buf *b, uint32_t field, int64_t v);
int pb_add_uint(struct buf *b, uint32_t field, uint64_t v);

/* A length-delimited field: string, bytes or an already encoded nested message. Empty data is still written. */
int pb_add_bytes(struct buf *b, uint32_t field, const void *data, size_t len);

/* A packed repeated int64 / uint64 field (one LEN field of varints); nothing for n == 0. */
int pb_add_packed_int(struct buf *b, uint32_t field, const int64_t *v, size_t n);
int pb_add_packed_uint(struct buf *b, uint32_t field, const uint64_t *v, size_t n);

#endif

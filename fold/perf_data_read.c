// SPDX-License-Identifier: Apache-2.0
/* perf.data decoder: the record stream (image or pipe), perf's time ordering per round, zstd, tool records. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <linux/perf_event.h>
#include <zstd.h>

#include "fold/perf_data.h"
#include "fold/perf_data_internal.h"
#include "lib/err.h"

#define BLOCK_MIN (64u << 10)  /* the first copy block; later ones double up to BLOCK_MAX */
#define BLOCK_MAX (1u << 20)
#define ZBUF_SIZE (1u << 18)   /* > PERF_RECORD_MAX: a partial record always leaves room to progress */
#define MISC_BUILD_ID_SIZE (1u << 15)

static int handle_record(struct perf_data *d, const uint8_t *rec, size_t size, uint64_t offset, bool stable,
			 bool in_zstd, uint64_t *extra);

static int damaged(struct perf_data *d, uint64_t offset, const char *what)
{
	if (d->zrec_offset)
		return errbuf_set(d->err, -EBADMSG,
				  "cannot read '%s': damaged at offset %" PRIu64 " of the compressed stream of the record at offset %" PRIu64 ": %s",
				  d->name, offset, d->zrec_offset, what);
	return errbuf_set(d->err, -EBADMSG, "cannot read '%s': damaged at offset %" PRIu64 ": %s", d->name, offset, what);
}

/* ---- ordered delivery ----------------------------------------------------------------------- */

static int deliver_now(struct perf_data *d, const uint8_t *rec, uint64_t offset)
{
	if ((uintptr_t)rec & 7) {
		memcpy(d->scratch, rec, pd_u16(rec + 6));
		rec = (const uint8_t *)d->scratch;
	}
	return pd_deliver(d, rec, offset);
}

static void block_put(struct perf_data *d, struct pd_block *b)
{
	struct pd_block **pp;

	if (!b || --b->refs)
		return;
	if (b == d->blocks) { /* the head keeps receiving copies: reuse it */
		b->used = 0;
		return;
	}
	for (pp = &d->blocks; *pp; pp = &(*pp)->next) {
		if (*pp == b) {
			*pp = b->next;
			free(b);
			return;
		}
	}
}

/* Copy `size` bytes to queue storage (8-aligned). NULL on ENOMEM. */
static const uint8_t *block_copy(struct perf_data *d, const uint8_t *rec, size_t size, struct pd_block **owner)
{
	struct pd_block *b = d->blocks;
	size_t need = (size + 7) & ~(size_t)7;

	if (!b || b->cap - b->used < need) {
		size_t cap = b ? (b->cap * 2 > BLOCK_MAX ? BLOCK_MAX : b->cap * 2) : BLOCK_MIN;

		if (cap < need)
			cap = need;
		b = malloc(sizeof(*b) + cap);
		if (!b)
			return NULL;
		b->cap = cap;
		b->used = 0;
		b->refs = 0;
		b->next = d->blocks;
		d->blocks = b;
	}
	memcpy(b->data + b->used, rec, size);
	b->refs++;
	*owner = b;
	b->used += need;
	return b->data + b->used - need;
}

static int cmp_queued(const void *a, const void *b)
{
	const struct pd_queued *x = a, *y = b;

	if (x->time != y->time)
		return x->time < y->time ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int flush_queue(struct perf_data *d, uint64_t limit);

static int queue_record(struct perf_data *d, const uint8_t *rec, size_t size, uint64_t offset, uint64_t t,
			bool stable)
{
	struct pd_queued *q;

	/*
	 * Out of room (a file without rounds, a zstd stream that inflates into
	 * millions of records): deliver the older half, as perf's OE_FLUSH__HALF does.
	 */
	if (d->queued_bytes > PD_QUEUE_MAX && d->qlen) {
		uint64_t first, last;
		int rc;

		if (!d->qsorted) {
			qsort(d->queue, d->qlen, sizeof(*d->queue), cmp_queued);
			d->qsorted = true;
		}
		first = d->queue[0].time;
		last = d->queue[d->qlen - 1].time;
		rc = flush_queue(d, first + (last - first) / 2);
		if (rc)
			return rc;
		if (d->queued_bytes > PD_QUEUE_MAX && (rc = flush_queue(d, UINT64_MAX)))
			return rc;
	}

	if (t < d->last_flush)
		d->stats.out_of_order++;
	if (d->qlen == d->qcap) {
		size_t ncap = d->qcap ? d->qcap * 2 : 4096;
		struct pd_queued *n = realloc(d->queue, ncap * sizeof(*n));
		if (!n)
			return errbuf_set(d->err, -ENOMEM, "cannot read '%s': out of memory", d->name);
		d->queue = n;
		d->qcap = ncap;
	}
	q = &d->queue[d->qlen];
	q->block = NULL;
	if (!stable || ((uintptr_t)rec & 7)) {
		rec = block_copy(d, rec, size, &q->block);
		if (!rec)
			return errbuf_set(d->err, -ENOMEM, "cannot read '%s': out of memory", d->name);
	}
	d->queued_bytes += sizeof(*q) + (q->block ? size : 0);
	q->rec = rec;
	q->time = t;
	q->seq = d->qseq++;
	q->offset = offset;
	/* perf's queue: the newest maximum timestamp, reset when the queue had emptied */
	if (d->qlen == 0) {
		d->max_time = d->tail_time = t;
	} else {
		if (t < d->queue[d->qlen - 1].time)
			d->qsorted = false;
		if (t >= d->tail_time)
			d->max_time = d->tail_time = t;
	}
	d->qlen++;
	return 0;
}

/* Deliver the queued records with time <= limit, oldest first (perf's do_flush). */
static int flush_queue(struct perf_data *d, uint64_t limit)
{
	size_t i;
	int rc = 0;

	if (!limit || !d->qlen)
		return 0;
	if (!d->qsorted) {
		qsort(d->queue, d->qlen, sizeof(*d->queue), cmp_queued);
		d->qsorted = true;
	}
	for (i = 0; i < d->qlen && d->queue[i].time <= limit; i++) {
		struct pd_queued *q = &d->queue[i];

		rc = pd_deliver(d, q->rec, q->offset);
		d->last_flush = q->time;
		d->queued_bytes -= sizeof(*q) + (q->block ? pd_u16(q->rec + 6) : 0);
		block_put(d, q->block);
		if (rc) {
			i++;
			break;
		}
	}
	memmove(d->queue, d->queue + i, (d->qlen - i) * sizeof(*d->queue));
	d->qlen -= i;
	return rc;
}

/* ---- tool records ---------------------------------------------------------------------------- */

static int deliver_build_id(struct perf_data *d, const uint8_t *rec, size_t size)
{
	struct perf_build_id_event b;
	const char *name;

	if (size < 37 || !memchr(rec + 36, 0, size - 36)) {
		d->stats.malformed++;
		return 0;
	}
	name = (const char *)rec + 36;
	b.misc = pd_u16(rec + 4);
	b.pid = (int32_t)pd_u32(rec + 8);
	b.build_id = rec + 12;
	b.build_id_len = (b.misc & MISC_BUILD_ID_SIZE) ? rec[32] : 20;
	if (b.build_id_len > 20)
		b.build_id_len = 20;
	b.filename = name;
	return d->ops->build_id ? d->ops->build_id(&b, d->arg) : 0;
}

static int deliver_build_id_feature(struct perf_data *d)
{
	const uint8_t *p = d->feat_build_id, *end;

	if (!p)
		return 0;
	end = p + d->feat_build_id_len;
	while (end - p >= 8) {
		size_t size = pd_u16(p + 6);
		int rc;

		if (size < 8 || size > (size_t)(end - p))
			break; /* a damaged optional section: stop using it */
		rc = deliver_build_id(d, p, size);
		if (rc)
			return rc;
		p += size;
	}
	return 0;
}

static int inflate(struct perf_data *d, const uint8_t *src, size_t len, uint64_t rec_offset)
{
	ZSTD_inBuffer in = { src, len, 0 };
	int rc = 0;

	if (!d->zstd) {
		d->zstd = ZSTD_createDCtx();
		d->zcap = ZBUF_SIZE;
		d->zbuf = malloc(d->zcap);
		if (!d->zstd || !d->zbuf)
			return errbuf_set(d->err, -ENOMEM, "cannot read '%s': out of memory", d->name);
	}
	d->stats.compressed_records++;
	d->zrec_offset = rec_offset;
	for (;;) {
		ZSTD_outBuffer out = { d->zbuf, d->zcap, d->zlen };
		size_t ret = ZSTD_decompressStream(d->zstd, &out, &in);
		size_t p = 0;

		if (ZSTD_isError(ret)) {
			rc = errbuf_set(d->err, -EBADMSG, "cannot read '%s': compressed record at offset %" PRIu64 " is damaged: %s",
					d->name, rec_offset, ZSTD_getErrorName(ret));
			break;
		}
		d->stats.decompressed_bytes += out.pos - d->zlen;
		d->zlen = out.pos;
		while (d->zlen - p >= 8) {
			size_t size = pd_u16(d->zbuf + p + 6);
			uint64_t extra = 0;

			if (size < 8) {
				rc = damaged(d, d->zoff + p, "record size below 8 bytes");
				break;
			}
			if (size > d->zlen - p)
				break;
			rc = handle_record(d, d->zbuf + p, size, d->zoff + p, false, true, &extra);
			if (rc)
				break;
			p += size;
		}
		memmove(d->zbuf, d->zbuf + p, d->zlen - p);
		d->zlen -= p;
		d->zoff += p;
		if (rc || (in.pos == in.size && out.pos < out.size))
			break;
	}
	d->zrec_offset = 0;
	return rc;
}

static int handle_user_record(struct perf_data *d, const uint8_t *rec, size_t size, uint64_t offset,
			      bool in_zstd, uint64_t *extra)
{
	uint32_t type = pd_u32(rec);
	const uint8_t *b = rec + 8;
	size_t blen = size - 8;
	int rc = 0;

	switch (type) {
	case PERF_DATA_HEADER_ATTR: {
		uint32_t asz = blen >= 8 ? pd_u32(b + 4) : 0;

		if (asz == 0)
			asz = PERF_ATTR_SIZE_VER0;
		if (asz > blen)
			return damaged(d, offset, "event attr record shorter than its attr");
		rc = pd_add_attr(d, b, blen, b + asz, (blen - asz) / 8, offset, d->err);
		if (!rc && d->ops->attr_added)
			rc = d->ops->attr_added(&d->attrs[d->nattrs - 1]->pub, d->arg);
		return rc;
	}
	case PERF_DATA_HEADER_TRACING_DATA:
		if (blen < 4)
			return damaged(d, offset, "tracing data record too short");
		*extra = ((uint64_t)pd_u32(b) + 7) & ~7ULL;
		return 0;
	case PERF_DATA_AUXTRACE:
		if (blen < 8)
			return damaged(d, offset, "auxtrace record too short");
		*extra = pd_u64(b);
		break;
	case PERF_DATA_HEADER_BUILD_ID:
		return deliver_build_id(d, rec, size);
	case PERF_DATA_FINISHED_ROUND:
		d->stats.rounds++;
		rc = flush_queue(d, d->next_flush);
		d->next_flush = d->max_time;
		return rc;
	case PERF_DATA_ID_INDEX: {
		uint64_t nr = blen >= 8 ? pd_u64(b) : 0;

		if (nr > (blen - (blen >= 8 ? 8 : blen)) / 32) {
			d->stats.malformed++;
			return 0;
		}
		for (uint64_t i = 0; i < nr && !rc; i++) {
			const uint8_t *e = b + 8 + 32 * i;
			uint64_t idx = pd_u64(e + 8);

			if (idx < d->nattrs)
				rc = pd_add_id(d, (size_t)idx, pd_u64(e));
		}
		return rc;
	}
	case PERF_DATA_EVENT_UPDATE:
		if (blen > 16 && pd_u64(b) == 2 /* PERF_EVENT_UPDATE__NAME (3 is CPUS) */) {
			const struct pd_attr *a = pd_attr_for_id(d, pd_u64(b + 8));
			if (a)
				return pd_set_attr_name(d, a->pub.index, (const char *)b + 16, blen - 16);
		}
		break;
	case PERF_DATA_HEADER_FEATURE:
		if (blen < 8) {
			d->stats.malformed++;
			return 0;
		}
		rc = pd_parse_feature(d, (unsigned)pd_u64(b), b + 8, blen - 8, offset, NULL);
		if (rc == -EBADMSG) { /* features are optional: count and go on */
			d->stats.malformed++;
			rc = 0;
		}
		return rc;
	case PERF_DATA_COMPRESSED:
	case PERF_DATA_COMPRESSED2: {
		uint64_t clen = blen;

		if (in_zstd) {
			d->stats.malformed++;
			return 0;
		}
		if (type == PERF_DATA_COMPRESSED2) {
			if (blen < 8 || pd_u64(b) > blen - 8)
				return damaged(d, offset, "compressed record shorter than its data size");
			clen = pd_u64(b);
			b += 8;
		}
		return inflate(d, b, (size_t)clen, offset);
	}
	case PERF_DATA_FINISHED_INIT:
	case PERF_DATA_HEADER_EVENT_TYPE:
		return 0;
	default:
		break;
	}
	if (d->ops->other) {
		struct perf_record r = { .offset = offset, .type = type, .misc = pd_u16(rec + 4),
					 .size = (uint16_t)size, .body = b };
		if ((uintptr_t)rec & 7) {
			memcpy(d->scratch, rec, size);
			r.body = (const uint8_t *)d->scratch + 8;
		}
		r.sid.pid = r.sid.tid = -1;
		rc = d->ops->other(&r, d->arg);
	}
	return rc;
}

static int handle_record(struct perf_data *d, const uint8_t *rec, size_t size, uint64_t offset, bool stable,
			 bool in_zstd, uint64_t *extra)
{
	uint32_t type = pd_u32(rec);
	uint64_t t;

	d->stats.records++;
	if (type >= PERF_DATA_HEADER_ATTR)
		return handle_user_record(d, rec, size, offset, in_zstd, extra);
	t = pd_record_time(d, rec);
	if (t == 0 || t == ~0ULL)
		return deliver_now(d, rec, offset);
	return queue_record(d, rec, size, offset, t, stable);
}

/* ---- the two inputs ---------------------------------------------------------------------------- */

static int read_image(struct perf_data *d)
{
	uint64_t off = d->info.data_offset;
	uint64_t end = d->info.data_offset + d->info.data_size;
	bool cut = false;

	if (end > d->image_len || end < off) {
		end = d->image_len;
		cut = true;
	}
	while (off < end) {
		const uint8_t *rec = d->image + off;
		size_t size;
		uint64_t extra = 0;
		int rc;

		if (end - off < 8)
			return damaged(d, off, cut ? "file truncated inside a record header" : "record header cut by the end of the data section");
		size = pd_u16(rec + 6);
		if (size < 8)
			return damaged(d, off, "record size below 8 bytes");
		if (size > end - off) {
			char what[96];

			snprintf(what, sizeof(what), "%s inside a record of type %u and %zu bytes",
				 cut ? "file truncated" : "data section ends", pd_u32(rec), size);
			return damaged(d, off, what);
		}
		rc = handle_record(d, rec, size, off, true, false, &extra);
		if (rc)
			return rc;
		off += size;
		if (extra > end - off)
			return damaged(d, off, "payload after the record runs past the end of the data");
		off += extra;
	}
	if (cut)
		return errbuf_set(d->err, -EBADMSG, "cannot read '%s': truncated at offset %" PRIu64 " (the header says the data runs to %" PRIu64 ")",
				  d->name, d->image_len, d->info.data_offset + d->info.data_size);
	return 0;
}

/* Make `n` bytes available at sbuf+spos. 1 ok, 0 clean EOF before any byte, <0 error (-EPIPE: EOF inside). */
static int stream_need(struct perf_data *d, size_t n)
{
	if (d->slen - d->spos >= n)
		return 1;
	if (d->spos) {
		memmove(d->sbuf, d->sbuf + d->spos, d->slen - d->spos);
		d->soff += d->spos;
		d->slen -= d->spos;
		d->spos = 0;
	}
	while (d->slen < n) {
		ssize_t r;

		if (d->seof)
			return d->slen ? -EPIPE : 0;
		r = read(d->fd, d->sbuf + d->slen, d->scap - d->slen);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			d->seof = true;
		d->slen += (size_t)r;
	}
	return 1;
}

static int stream_skip(struct perf_data *d, uint64_t n)
{
	while (n) {
		size_t have = d->slen - d->spos;
		int rc;

		if (have == 0) {
			rc = stream_need(d, 1);
			if (rc <= 0)
				return -EPIPE;
			continue;
		}
		if (have > n)
			have = (size_t)n;
		d->spos += have;
		n -= have;
	}
	return 0;
}

static int read_stream(struct perf_data *d)
{
	for (;;) {
		const uint8_t *rec;
		size_t size;
		uint64_t off, extra = 0;
		int rc = stream_need(d, 8);

		if (rc == 0)
			return 0;
		off = d->soff + d->spos;
		if (rc == -EPIPE)
			return damaged(d, off, "stream ends inside a record header");
		if (rc < 0)
			return errbuf_set(d->err, rc, "cannot read '%s': %s", d->name, strerror(-rc));
		size = pd_u16(d->sbuf + d->spos + 6);
		if (size < 8)
			return damaged(d, off, "record size below 8 bytes");
		rc = stream_need(d, size);
		if (rc <= 0) {
			char what[96];

			if (rc < 0 && rc != -EPIPE)
				return errbuf_set(d->err, rc, "cannot read '%s': %s", d->name, strerror(-rc));
			snprintf(what, sizeof(what), "stream ends inside a record of type %u and %zu bytes",
				 pd_u32(d->sbuf + d->spos), size);
			return damaged(d, off, what);
		}
		rec = d->sbuf + d->spos;
		d->spos += size;
		rc = handle_record(d, rec, size, off, false, false, &extra);
		if (rc)
			return rc;
		if (extra && stream_skip(d, extra))
			return damaged(d, off + size, "stream ends inside the payload after a record");
	}
}

int perf_data_read(struct perf_data *d, const struct perf_data_ops *ops, void *arg, struct errbuf *err)
{
	static const struct perf_data_ops none;
	int rc, frc;

	if (d->read_done)
		return errbuf_set(err, -EINVAL, "cannot read '%s' twice", d->name);
	d->read_done = true;
	d->ops = ops ? ops : &none;
	d->arg = arg;
	d->err = err;
	d->scratch = malloc(PERF_RECORD_MAX + 8);
	if (!d->scratch)
		return errbuf_set(err, -ENOMEM, "cannot read '%s': out of memory", d->name);
	rc = deliver_build_id_feature(d);
	if (!rc)
		rc = d->fd >= 0 ? read_stream(d) : read_image(d);
	/* whatever happened, deliver what is queued: the samples before the damage count */
	if (rc == 0 || rc == -EBADMSG) {
		frc = flush_queue(d, UINT64_MAX);
		if (!rc)
			rc = frc;
	}
	d->err = NULL;
	return rc;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Internals shared by fold/perf_data*.c: the decoder session and its helpers. Nothing else includes this. */
#ifndef SCORCH_FOLD_PERF_DATA_INTERNAL_H
#define SCORCH_FOLD_PERF_DATA_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fold/perf_data.h"
#include "lib/arena.h"

struct errbuf;
struct ZSTD_DCtx_s;

#define PERF_MAGIC2 0x32454c4946524550ULL    /* "PERFILE2" read on a machine of the file's byte order */
#define PERF_MAGIC2_SWAPPED 0x50455246494c4532ULL
#define PERF_FILE_HEADER_SIZE 104
#define PERF_PIPE_HEADER_SIZE 16
#define PERF_ATTR_SIZE_VER0 64
#define PERF_ATTR_SIZE_MAX 512     /* far above any real attr (136 in 2024); bounds a hostile size */
#define PERF_RECORD_MAX 65536      /* header.size is a u16 */
#define PD_QUEUE_MAX (256u << 20)  /* bytes the time-ordering queue may hold (perf's ordered_events max_alloc_size) */

/* One queued record waiting for its turn in time order. */
struct pd_queued {
	uint64_t time;
	uint64_t seq;              /* arrival order: ties keep it, as perf's list insertion does */
	uint64_t offset;
	const uint8_t *rec;        /* in the mapping, or in `block` */
	struct pd_block *block;    /* copy storage, or NULL */
};

/* Storage for copies of queued records (pipe and decompressed data), freed when all are delivered. */
struct pd_block {
	struct pd_block *next;
	size_t used, cap;
	size_t refs;
	uint8_t data[];
};

struct pd_id_slot {
	uint64_t id;
	uint32_t attr1;            /* attr index + 1; 0 = empty */
};

struct pd_attr {
	struct perf_data_attr pub;
	uint64_t *ids;             /* owned */
	uint32_t cap_ids;
	char *name;                /* owned, or NULL (pub.name then points at a static/arena name) */
	uint32_t trailer_size;     /* bytes of the sample_id trailer of non-sample records */
};

struct perf_data {
	char *name;                /* for messages (owned) */
	/* input: a whole image in memory (mapped, owned or borrowed), or a stream */
	const uint8_t *image;
	size_t image_len;
	void *map;                 /* munmap() on close */
	uint8_t *owned_image;      /* free() on close */
	int fd;                    /* stream source, -1 when reading an image */
	bool close_fd;
	uint8_t *sbuf;             /* stream buffer */
	size_t scap, slen, spos;
	uint64_t soff;             /* stream offset of sbuf[0] */
	bool seof;

	struct perf_data_info info;
	struct arena arena;        /* feature strings */
	struct pd_attr **attrs;    /* each owned; pointers stay valid as attrs are added */
	size_t nattrs, cap_attrs;
	const uint8_t *feat_build_id; /* BUILD_ID feature section in the image, delivered by perf_data_read() */
	uint64_t feat_build_id_len, feat_build_id_off;
	size_t map_len;
	struct pd_id_slot *idtab;
	uint32_t idmask, nids;
	int id_pos;                /* u64 index of ID in a SAMPLE body (perf's id_pos), -1 none */
	int is_pos;                /* u64 index from the end of a non-sample trailer (perf's is_pos), -1 none */
	bool read_done;

	/* reading */
	const struct perf_data_ops *ops;
	void *arg;
	struct errbuf *err;
	uint64_t *scratch;         /* PERF_RECORD_MAX bytes, 8-aligned: misaligned records are copied here */

	/* ordered delivery (perf's ordered_events) */
	struct pd_queued *queue;
	size_t qlen, qcap;
	bool qsorted;
	uint64_t qseq;
	uint64_t next_flush, max_time, tail_time, last_flush;
	uint64_t queued_bytes;     /* entries and copies held: past PD_QUEUE_MAX the older half is delivered */
	struct pd_block *blocks;   /* newest first; the head receives copies */

	/* zstd: all COMPRESSED payloads are one stream */
	struct ZSTD_DCtx_s *zstd;
	uint8_t *zbuf;             /* decompressed bytes not yet parsed into records */
	size_t zcap, zlen;
	uint64_t zoff;             /* decompressed-stream offset of zbuf[0] */
	uint64_t zrec_offset;      /* file offset of the COMPRESSED record being inflated */

	struct perf_data_stats stats;
};

static inline uint64_t pd_u64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint32_t pd_u32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint16_t pd_u16(const uint8_t *p)
{
	uint16_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

/* perf_data.c */
int pd_add_attr(struct perf_data *d, const uint8_t *attr, size_t avail, const uint8_t *ids, size_t nids,
		uint64_t offset, struct errbuf *err);
int pd_add_id(struct perf_data *d, size_t attr_index, uint64_t id);
int pd_set_attr_name(struct perf_data *d, size_t attr_index, const char *name, size_t len);
int pd_parse_feature(struct perf_data *d, unsigned feat, const uint8_t *p, size_t len, uint64_t offset,
		     struct errbuf *err);
const struct pd_attr *pd_attr_for_id(const struct perf_data *d, uint64_t id);
/* The attr of a record (SAMPLE: by its id; others: by the trailer's id), or NULL for an unknown id. */
const struct pd_attr *pd_record_attr(const struct perf_data *d, const uint8_t *rec, size_t size);

/* perf_data_record.c */
/* The timestamp perf orders `rec` by: 0 or ~0 when it has none (delivered at once). */
uint64_t pd_record_time(const struct perf_data *d, const uint8_t *rec);
/* Decode kernel record `rec` (8-aligned) and call its callback. */
int pd_deliver(struct perf_data *d, const uint8_t *rec, uint64_t offset);

#endif

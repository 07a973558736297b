/* SPDX-License-Identifier: Apache-2.0 */
/* Test helper: build small perf.data images (file or pipe mode) in memory, record by record. */
#ifndef SCORCH_TESTS_FOLD_PERF_DATA_BUILD_H
#define SCORCH_TESTS_FOLD_PERF_DATA_BUILD_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <linux/perf_event.h>

/*
 * One event: sample_type IP|TID|TIME|CALLCHAIN|PERIOD (plus `extra_sample_type`),
 * sample_id_all with TID|TIME in the trailer of other records. perf 6.1 writes
 * the same for `perf record -g`.
 */
struct pdb {
	uint8_t *data;
	size_t len, cap;
	bool pipe;
	uint64_t sample_type;
	size_t data_start;
};

#define PDB_SAMPLE_TYPE (PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_CALLCHAIN | PERF_SAMPLE_PERIOD)

static inline void pdb_put(struct pdb *b, const void *p, size_t n)
{
	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2 + 256;
		b->data = realloc(b->data, b->cap);
	}
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
}

static inline void pdb_u64(struct pdb *b, uint64_t v) { pdb_put(b, &v, 8); }
static inline void pdb_u32(struct pdb *b, uint32_t v) { pdb_put(b, &v, 4); }

/* The 128-byte attr (VER7) of a cpu-clock event. */
static inline void pdb_attr(struct pdb *b, uint64_t sample_type, uint32_t type, uint64_t config)
{
	uint8_t a[128] = { 0 };
	uint32_t size = 128;
	uint64_t flags = (1ULL << 18) /* sample_id_all */ | (1ULL << 23) /* mmap2 */ | (1ULL << 24) /* comm_exec */;

	memcpy(a, &type, 4);
	memcpy(a + 4, &size, 4);
	memcpy(a + 8, &config, 8);
	memcpy(a + 24, &sample_type, 8);
	memcpy(a + 40, &flags, 8);
	pdb_put(b, a, sizeof(a));
}

static inline void pdb_begin(struct pdb *b, bool pipe, uint64_t extra_sample_type)
{
	memset(b, 0, sizeof(*b));
	b->pipe = pipe;
	b->sample_type = PDB_SAMPLE_TYPE | extra_sample_type;
	pdb_put(b, "PERFILE2", 8);
	if (pipe) {
		uint64_t id = 7;
		uint16_t hdr[4] = { 64, 0, 0, 0 };
		uint32_t type = 64;

		pdb_u64(b, 16);
		/* HEADER_ATTR: header, attr, one id */
		memcpy(hdr, &type, 4);
		hdr[3] = 8 + 128 + 8;
		pdb_put(b, hdr, 8);
		pdb_attr(b, b->sample_type, PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_CLOCK);
		pdb_u64(b, id);
		b->data_start = 16;
		return;
	}
	/* file header: magic, size, attr_size, attrs{off,size}, data{off,size}, event_types{0,0}, features[4] */
	pdb_u64(b, 104);
	pdb_u64(b, 144);
	pdb_u64(b, 104);
	pdb_u64(b, 144);
	pdb_u64(b, 104 + 144 + 8); /* data offset: after the attr and its one id */
	pdb_u64(b, 0);             /* data size, patched by pdb_end() */
	pdb_u64(b, 0);
	pdb_u64(b, 0);
	for (int i = 0; i < 4; i++)
		pdb_u64(b, 0);
	pdb_attr(b, b->sample_type, PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_CLOCK);
	pdb_u64(b, 104 + 144);     /* ids section */
	pdb_u64(b, 8);
	pdb_u64(b, 7);             /* the id */
	b->data_start = b->len;
}

/* Append a record: header + body. The trailer (sample_id_all: pid/tid, time) is added by the callers below. */
static inline void pdb_record(struct pdb *b, uint32_t type, uint16_t misc, const void *body, size_t n)
{
	uint16_t size = (uint16_t)(8 + n);

	pdb_u32(b, type);
	pdb_put(b, &misc, 2);
	pdb_put(b, &size, 2);
	pdb_put(b, body, n);
}

struct pdb_body {
	uint8_t d[4096];
	size_t n;
};
static inline void pdb_b64(struct pdb_body *x, uint64_t v) { memcpy(x->d + x->n, &v, 8); x->n += 8; }
static inline void pdb_b32(struct pdb_body *x, uint32_t v) { memcpy(x->d + x->n, &v, 4); x->n += 4; }
static inline void pdb_bstr(struct pdb_body *x, const char *s)
{
	size_t l = strlen(s) + 1, padded = (l + 7) & ~(size_t)7;
	memset(x->d + x->n, 0, padded);
	memcpy(x->d + x->n, s, l);
	x->n += padded;
}
static inline void pdb_trailer(struct pdb_body *x, uint32_t pid, uint32_t tid, uint64_t time)
{
	pdb_b32(x, pid);
	pdb_b32(x, tid);
	pdb_b64(x, time);
}

static inline void pdb_comm(struct pdb *b, uint32_t pid, uint32_t tid, const char *comm, bool exec, uint64_t time)
{
	struct pdb_body x = { .n = 0 };
	pdb_b32(&x, pid);
	pdb_b32(&x, tid);
	pdb_bstr(&x, comm);
	pdb_trailer(&x, pid, tid, time);
	pdb_record(b, PERF_RECORD_COMM, exec ? PERF_RECORD_MISC_COMM_EXEC : 0, x.d, x.n);
}

static inline void pdb_mmap2(struct pdb *b, uint32_t pid, uint64_t start, uint64_t len, uint64_t pgoff,
			     const char *file, uint64_t time)
{
	struct pdb_body x = { .n = 0 };
	pdb_b32(&x, pid);
	pdb_b32(&x, pid);
	pdb_b64(&x, start);
	pdb_b64(&x, len);
	pdb_b64(&x, pgoff);
	pdb_b32(&x, 8);  /* maj */
	pdb_b32(&x, 1);  /* min */
	pdb_b64(&x, 1234); /* ino */
	pdb_b64(&x, 0);
	pdb_b32(&x, 5);  /* PROT_READ|PROT_EXEC */
	pdb_b32(&x, 2);  /* MAP_PRIVATE */
	pdb_bstr(&x, file);
	pdb_trailer(&x, pid, pid, time);
	pdb_record(b, PERF_RECORD_MMAP2, PERF_RECORD_MISC_USER, x.d, x.n);
}

static inline void pdb_task(struct pdb *b, bool fork, uint32_t pid, uint32_t ppid, uint32_t tid, uint32_t ptid,
			    uint64_t time)
{
	struct pdb_body x = { .n = 0 };
	pdb_b32(&x, pid);
	pdb_b32(&x, ppid);
	pdb_b32(&x, tid);
	pdb_b32(&x, ptid);
	pdb_b64(&x, time);
	pdb_trailer(&x, pid, tid, time);
	pdb_record(b, fork ? PERF_RECORD_FORK : PERF_RECORD_EXIT, 0, x.d, x.n);
}

/* A sample; `chain` holds `n` entries (context markers included). Pipe mode adds the ID field. */
static inline void pdb_sample(struct pdb *b, uint64_t ip, uint32_t pid, uint32_t tid, uint64_t time, uint64_t period,
			      const uint64_t *chain, size_t n, uint16_t misc)
{
	struct pdb_body x = { .n = 0 };
	pdb_b64(&x, ip);
	pdb_b32(&x, pid);
	pdb_b32(&x, tid);
	pdb_b64(&x, time);
	pdb_b64(&x, period);
	pdb_b64(&x, n);
	for (size_t i = 0; i < n; i++)
		pdb_b64(&x, chain[i]);
	pdb_record(b, PERF_RECORD_SAMPLE, misc, x.d, x.n);
}

static inline void pdb_finished_round(struct pdb *b)
{
	pdb_record(b, 68, 0, NULL, 0);
}

/* Patch the data size (file mode). The image stays owned by `b`: free(b->data). */
static inline void pdb_end(struct pdb *b)
{
	if (!b->pipe) {
		uint64_t size = b->len - b->data_start;
		memcpy(b->data + 48, &size, 8);
	}
}

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/* Internals shared by fold/perf_data_write*.c: the writer session and its record helpers. Nothing else includes this. */
#ifndef SCORCH_FOLD_PERF_DATA_WRITE_INTERNAL_H
#define SCORCH_FOLD_PERF_DATA_WRITE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <linux/perf_event.h>

#include "fold/perf_data_write.h"
#include "lib/buf.h"
#include "lib/err.h"
#include "lib/htab.h"

#define FILE_HEADER_SIZE 104
#define PIPE_HEADER_SIZE 16
#define ATTR_SIZE 128              /* PERF_ATTR_SIZE_VER7, what perf 6.1 writes */
#define ATTR_ENTRY_SIZE (ATTR_SIZE + 16) /* the attr and its ids section: the header's attr_size */
#define RECORD_MAX 65535           /* perf_event_header.size is a u16 */
#define PATH_LIMIT 4096            /* PATH_MAX, NUL included: the kernel never reports a longer name */
#define COMM_LIMIT 16              /* TASK_COMM_LEN, NUL included */
#define BUILD_ID_MAX 20
#define NAME_ALIGN 64              /* perf pads feature strings and build-id file names to 64 */
#define MAX_STACK_LIMIT 4096       /* keeps a sample record far below RECORD_MAX */
#define MISC_MMAP_BUILD_ID (1u << 14) /* PERF_RECORD_MISC_MMAP_BUILD_ID (uapi 5.12) */
#define MISC_BUILD_ID_SIZE (1u << 15) /* build_id_event carries its size byte */
#define MISC_COMM_EXEC (1u << 13)
#define MISC_MMAP_DATA (1u << 13)
#define EVENT_NAME_LIMIT 1024      /* keeps EVENT_DESC inside a pipe-mode feature record */

/* perf_event_attr flag bits (the bit-field word at offset 40). */
enum {
	ATTR_EXCLUDE_USER = 1ULL << 4,
	ATTR_EXCLUDE_KERNEL = 1ULL << 5,
	ATTR_MMAP = 1ULL << 8,
	ATTR_COMM = 1ULL << 9,
	ATTR_FREQ = 1ULL << 10,
	ATTR_TASK = 1ULL << 13,
	ATTR_SAMPLE_ID_ALL = 1ULL << 18,
	ATTR_EXCLUDE_GUEST = 1ULL << 20,
	ATTR_MMAP2 = 1ULL << 23,
	ATTR_COMM_EXEC = 1ULL << 24,
};

struct pdw_event {
	uint8_t attr[ATTR_SIZE];
	char *name;                /* owned */
	uint64_t id;               /* the event id samples and trailers carry */
	uint64_t period;           /* of samples giving none */
};

struct pdw_build_id {
	char *path;                /* owned */
	uint16_t misc;             /* cpumode of the DSO */
	uint8_t len;
	uint8_t id[BUILD_ID_MAX];
};

struct perf_data_writer {
	FILE *out;
	char *name;                /* for messages (owned) */
	bool pipe;
	struct errbuf failure;     /* the first error: every later call returns it */
	struct pdw_event ev[PERF_DATA_WRITE_MAX_EVENTS];
	size_t nev;
	uint64_t sample_type;
	unsigned max_stack;
	uint64_t data_offset;
	uint64_t first_time, last_time;
	bool any_time;
	struct buf hostname, osrelease, arch, version;
	uint32_t nr_cpus_online, nr_cpus_avail;
	char **argv;               /* owned copies */
	size_t argc;
	struct pdw_build_id *bids;
	size_t nbids, cap_bids;
	struct htab bid_index;
	struct perf_data_writer_stats st;
	size_t len;                /* bytes of the record being built in `rec` */
	uint8_t rec[RECORD_MAX + 1];
};

/* ---- records being built in w->rec (bounded by the callers: names, paths, stack depth) ---- */

static inline void pdw_put(struct perf_data_writer *w, const void *p, size_t n)
{
	memcpy(w->rec + w->len, p, n);
	w->len += n;
}

static inline void pdw_put_u64(struct perf_data_writer *w, uint64_t v) { pdw_put(w, &v, 8); }
static inline void pdw_put_u32(struct perf_data_writer *w, uint32_t v) { pdw_put(w, &v, 4); }

static inline void pdw_rec_begin(struct perf_data_writer *w, uint32_t type, uint16_t misc)
{
	struct perf_event_header h = { .type = type, .misc = misc, .size = 0 };

	w->len = 0;
	pdw_put(w, &h, sizeof(h));
}

/* perf_data_write.c */
/* Keep the first failure ("cannot write 'NAME': WHAT") and copy it to `err`; returns its code. */
int pdw_fail(struct perf_data_writer *w, struct errbuf *err, int code, const char *what);
/* Write `n` bytes to the output, counted in st.bytes. 0 or the (sticky) error. */
int pdw_out_write(struct perf_data_writer *w, const void *p, size_t n, struct errbuf *err);
/* Set the size of the record in w->rec and write it. */
int pdw_rec_end(struct perf_data_writer *w, struct errbuf *err);

/* perf_data_write_header.c */
/* Pipe mode at open: the short header, a HEADER_ATTR per event, the features as HEADER_FEATURE records. */
int pdw_write_pipe_start(struct perf_data_writer *w, struct errbuf *err);
/* File mode at open: the header (rewritten at close), the attrs and their ids. */
int pdw_write_file_start(struct perf_data_writer *w, struct errbuf *err);
/* File mode at close: the features after the data, then the final header. */
int pdw_write_file_end(struct perf_data_writer *w, struct errbuf *err);

#endif

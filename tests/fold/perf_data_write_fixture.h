/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers for the perf.data writer tests: scratch paths, what the decoder delivers as text, shared inputs. */
#ifndef SCORCH_TESTS_FOLD_PERF_DATA_WRITE_FIXTURE_H
#define SCORCH_TESTS_FOLD_PERF_DATA_WRITE_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include <linux/perf_event.h>

#include "fold/perf_data.h"
#include "fold/perf_data_write.h"
#include "lib/buf.h"
#include "lib/err.h"
#include "lib/file.h"

/*
 * The expectations are written from the inputs the tests hand to the writer
 * (and from perf's format: markers, misc bits, the 15-byte comm limit); the
 * golden test tests/golden/perf_data_write.sh checks the same files with the
 * real perf 6.1.
 */

static inline char *tmp_path(const char *name)
{
	static char path[4096];
	const char *dir = getenv("TMPDIR");
	snprintf(path, sizeof(path), "%s/scorch-pdw-%d-%s", dir && *dir ? dir : "/tmp", (int)getpid(), name);
	return path;
}

/* ---- what the decoder sees, as text --------------------------------------------------------- */

struct seen {
	struct buf log;     /* one line per record, in delivery order */
	struct buf bids;    /* build-ids (feature or records), in order */
};

static inline void hex(struct buf *b, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		buf_addf(b, "%02x", p[i]);
}

static inline int on_sample(const struct perf_sample *s, void *arg)
{
	struct seen *w = arg;

	buf_addf(&w->log, "sample ev=%u pid=%d tid=%d time=%" PRIu64 " cpu=%u period=%" PRIu64 " ip=%" PRIx64
		 " misc=%u chain=", s->attr ? s->attr->index : 99, s->pid, s->tid, s->time, s->cpu, s->period, s->ip,
		 s->misc & 7);
	for (uint64_t i = 0; i < s->nr_callchain; i++)
		buf_addf(&w->log, "%s%" PRIx64, i ? "," : "", s->callchain[i]);
	buf_addch(&w->log, '\n');
	return 0;
}

static inline int on_mmap(const struct perf_mmap_event *m, void *arg)
{
	struct seen *w = arg;

	buf_addf(&w->log, "mmap%s pid=%d tid=%d %" PRIx64 "+%" PRIx64 "@%" PRIx64 " misc=%x", m->mmap2 ? "2" : "",
		 m->pid, m->tid, m->start, m->len, m->pgoff, m->misc);
	if (m->mmap2)
		buf_addf(&w->log, " prot=%u flags=%u", m->prot, m->flags);
	if (m->build_id) {
		buf_addstr(&w->log, " bid=");
		hex(&w->log, m->build_id, m->build_id_len);
	} else if (m->mmap2) {
		buf_addf(&w->log, " dev=%u:%u ino=%" PRIu64, m->maj, m->min, m->ino);
	}
	buf_addf(&w->log, " '%s' t=%" PRIu64 "\n", m->filename, m->sid.time);
	return 0;
}

static inline int on_comm(const struct perf_comm_event *c, void *arg)
{
	struct seen *w = arg;
	buf_addf(&w->log, "comm pid=%d tid=%d '%s'%s t=%" PRIu64 "\n", c->pid, c->tid, c->comm, c->exec ? " exec" : "",
		 c->sid.time);
	return 0;
}

static inline int on_task(const struct perf_task_event *t, void *arg)
{
	struct seen *w = arg;
	buf_addf(&w->log, "%s pid=%d ppid=%d tid=%d ptid=%d time=%" PRIu64 " t=%" PRIu64 "\n", t->fork ? "fork" : "exit",
		 t->pid, t->ppid, t->tid, t->ptid, t->time, t->sid.time);
	return 0;
}

static inline int on_lost(const struct perf_lost_event *l, void *arg)
{
	struct seen *w = arg;
	buf_addf(&w->log, "lost%s n=%" PRIu64 " ev=%u t=%" PRIu64 "\n", l->samples ? "_samples" : "", l->lost,
		 l->sid.attr ? l->sid.attr->index : 99, l->sid.time);
	return 0;
}

static inline int on_build_id(const struct perf_build_id_event *b, void *arg)
{
	struct seen *w = arg;
	buf_addf(&w->bids, "bid pid=%d misc=%u ", b->pid, b->misc & 7);
	hex(&w->bids, b->build_id, b->build_id_len);
	buf_addf(&w->bids, " '%s'\n", b->filename);
	return 0;
}

static inline int on_other(const struct perf_record *r, void *arg)
{
	struct seen *w = arg;
	/* header records of pipe mode are the decoder's business; anything else is unexpected */
	if (r->type != PERF_DATA_HEADER_ATTR && r->type != PERF_DATA_HEADER_FEATURE)
		buf_addf(&w->log, "other type=%u\n", r->type);
	return 0;
}

static const struct perf_data_ops ops = {
	.sample = on_sample, .mmap = on_mmap, .comm = on_comm, .task = on_task, .lost = on_lost,
	.build_id = on_build_id, .other = on_other,
};

/* Read `d` whole into `w`; the decoder must find nothing malformed. */
static inline void read_all(struct perf_data *d, struct seen *w)
{
	struct errbuf e;
	struct perf_data_stats st;

	errbuf_init(&e);
	buf_init(&w->log);
	buf_init(&w->bids);
	assert_non_null(d);
	assert_int_equal(perf_data_read(d, &ops, w, &e), 0);
	perf_data_get_stats(d, &st);
	assert_int_equal(st.malformed, 0);
	assert_int_equal(st.unknown_id, 0);
	assert_int_equal(st.out_of_order, 0);
	errbuf_release(&e);
}

static inline void seen_release(struct seen *w)
{
	buf_release(&w->log);
	buf_release(&w->bids);
}

/* ---- inputs shared by the tests ------------------------------------------------------------- */

static const uint64_t kips[] = { 0xffffffff81a00010ULL, 0xffffffff81b00020ULL };
static const uint64_t uips[] = { 0x5555555551a0ULL, 0x5555555552b0ULL, 0x7ffff7dd324aULL };

static const struct perf_data_write_event cpu_clock = { .type = PERF_DATA_WRITE_CPU_CLOCK, .freq = 99 };

#endif

// SPDX-License-Identifier: Apache-2.0
/* Executable mmaps of every process as they happen: perf's side-band MMAP2 records from a dummy event per CPU. */

/*
 * Why: process maps are snapshotted when a process is first sampled and at
 * the end. A library loaded after the first snapshot and unloaded before the
 * end (dlopen, run, dlclose: plugins, Python extensions) was in neither, and
 * its samples had no names. The kernel tells every new executable mapping to
 * a perf event that asks for mmap records, as it tells `perf record`: a
 * software dummy event (it never samples) per CPU, system-wide, with a small
 * ring buffer. Each record names the process; the image table then takes a
 * new snapshot of it while the library is mapped. The records (and each
 * exec's COMM) are also logged (maplog.c): a process that lives a
 * millisecond is gone before its snapshot, and they are its maps then.
 */
#include "sampler/internal.h"

#include <errno.h>
#include <linux/perf_event.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "lib/err.h"

/* Data pages per CPU: a dlopen makes a handful of ~100-byte records; bursts of exec()s a few hundred. */
#define RING_PAGES 16

struct mmap_watch {
	size_t n;
	int *fds;
	unsigned char **rings; /* header page, then RING_PAGES data pages */
	size_t page, data_size;
	uint64_t records, lost;
	unsigned char *scratch; /* a record that wraps around the ring's end, copied whole */
};

void mmap_watch_free(struct mmap_watch *w)
{
	if (!w)
		return;
	for (size_t i = 0; i < w->n; i++) {
		if (w->rings && w->rings[i])
			munmap(w->rings[i], w->page * (1 + RING_PAGES));
		if (w->fds && w->fds[i] >= 0)
			close(w->fds[i]);
	}
	free(w->fds);
	free(w->rings);
	free(w->scratch);
	free(w);
}

int mmap_watch_open(struct mmap_watch **out, const int *cpus, size_t ncpus, int epfd, struct errbuf *err)
{
	*out = NULL;
	struct mmap_watch *w = calloc(1, sizeof(*w));
	if (!w)
		return errbuf_set(err, -ENOMEM, "out of memory");
	w->page = (size_t)sysconf(_SC_PAGESIZE);
	w->data_size = w->page * RING_PAGES;
	w->fds = malloc(ncpus * sizeof(*w->fds));
	w->rings = calloc(ncpus, sizeof(*w->rings));
	w->scratch = malloc(w->data_size);
	if (!w->fds || !w->rings || !w->scratch) {
		mmap_watch_free(w);
		return errbuf_set(err, -ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < ncpus; i++)
		w->fds[i] = -1;
	w->n = ncpus;
	struct perf_event_attr attr = {
		.type = PERF_TYPE_SOFTWARE,
		.size = sizeof(attr),
		.config = PERF_COUNT_SW_DUMMY,
		.mmap = 1,  /* executable mappings only (no mmap_data) */
		.mmap2 = 1, /* with the process id, device, inode, protection */
		.build_id = 1, /* MMAP2 with the build-id instead of device and inode (5.12+; older kernels ignore it) */
		.comm = 1,
		.task = 1, /* FORK records: a child starts with its parent's mappings */
		.comm_exec = 1, /* an exec's COMM says so: the mappings before it are gone */
		.sample_id_all = 1,
		.sample_type = PERF_SAMPLE_TIME, /* each record ends with its time */
		.use_clockid = 1,
		.clockid = CLOCK_MONOTONIC, /* the sampler's clock */
		.watermark = 1,
		.wakeup_watermark = 1, /* readable as soon as a record is there */
		.exclude_kernel = 1,
		.exclude_hv = 1,
	};
	for (size_t i = 0; i < ncpus; i++) {
		int fd = (int)syscall(SYS_perf_event_open, &attr, -1, cpus[i], -1, PERF_FLAG_FD_CLOEXEC);
		if (fd < 0 && errno == EINVAL && attr.build_id) {
			/* before 5.12 the bit is reserved: device and inode instead */
			attr.build_id = 0;
			fd = (int)syscall(SYS_perf_event_open, &attr, -1, cpus[i], -1, PERF_FLAG_FD_CLOEXEC);
		}
		if (fd < 0) {
			int e = -errno;
			mmap_watch_free(w);
			return errbuf_set(err, e, "cannot watch mmaps on CPU %d: %s", cpus[i], strerror(-e));
		}
		w->fds[i] = fd;
		void *ring = mmap(NULL, w->page * (1 + RING_PAGES), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (ring == MAP_FAILED) {
			int e = -errno;
			mmap_watch_free(w);
			return errbuf_set(err, e, "cannot map the mmap watch ring of CPU %d: %s", cpus[i], strerror(-e));
		}
		w->rings[i] = ring;
		struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };
		if (epfd >= 0 && epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev)) {
			int e = -errno;
			mmap_watch_free(w);
			return errbuf_set(err, e, "cannot wait on the mmap watch: %s", strerror(-e));
		}
	}
	*out = w;
	return 0;
}

/* The layout of PERF_RECORD_MMAP2 (include/uapi/linux/perf_event.h), the file name and sample_id after it. */
struct mmap2_head {
	struct perf_event_header h;
	uint32_t pid, tid;
	uint64_t addr, len, pgoff;
	union {
		struct {
			uint32_t maj, min;
			uint64_t ino, ino_generation;
		} file;
		struct {
			uint8_t size, reserved1;
			uint16_t reserved2;
			uint8_t bytes[20];
		} build_id;
	} id;
	uint32_t prot, flags;
};

/* PERF_RECORD_MISC_* bits, spelled out: older uapi headers lack the second one */
#define MISC_COMM_EXEC (1u << 13)
#define MISC_MMAP_BUILD_ID (1u << 14)

/*
 * One record, whole in `rec` (`size` bytes): a mapping or an exec to `cb`.
 * Every record ends with its time (sample_id_all with PERF_SAMPLE_TIME).
 * Returns 1 for a mapping.
 */
static int decode(const unsigned char *rec, size_t size, void (*cb)(const struct mmap_seen *m, void *arg), void *arg)
{
	struct perf_event_header eh;
	memcpy(&eh, rec, sizeof(eh));
	struct mmap_seen m;
	memset(&m, 0, sizeof(m));
	if (size < sizeof(eh) + 8 + 8)
		return 0;
	memcpy(&m.time_ns, rec + size - 8, 8);
	if (eh.type == PERF_RECORD_COMM) {
		if (!(eh.misc & MISC_COMM_EXEC))
			return 0; /* a thread renamed itself */
		memcpy(&m.pid, rec + sizeof(eh), 4);
		memcpy(&m.tid, rec + sizeof(eh) + 4, 4);
		m.exec = true;
		cb(&m, arg);
		return 0;
	}
	if (eh.type == PERF_RECORD_FORK) {
		uint32_t ids[4]; /* pid, ppid, tid, ptid */
		if (size < sizeof(eh) + sizeof(ids) + 8)
			return 0;
		memcpy(ids, rec + sizeof(eh), sizeof(ids));
		if (ids[0] != ids[2] || ids[0] == ids[1])
			return 0; /* a new thread, not a new process */
		m.pid = ids[0];
		m.tid = ids[2];
		m.ppid = ids[1];
		m.fork = true;
		cb(&m, arg);
		return 0;
	}
	if (eh.type != PERF_RECORD_MMAP2 || size < sizeof(struct mmap2_head) + 8)
		return 0;
	struct mmap2_head h;
	memcpy(&h, rec, sizeof(h));
	/* the name: NUL-terminated inside the record, before the time */
	const char *name = (const char *)rec + sizeof(h);
	size_t room = size - sizeof(h) - 8;
	if (!memchr(name, 0, room))
		return 1;
	m.pid = h.pid;
	m.tid = h.tid;
	m.addr = h.addr;
	m.len = h.len;
	m.pgoff = h.pgoff;
	m.filename = name;
	if (eh.misc & MISC_MMAP_BUILD_ID) {
		m.build_id = h.id.build_id.bytes;
		m.build_id_len = h.id.build_id.size <= sizeof(h.id.build_id.bytes) ? h.id.build_id.size : 0;
		if (!m.build_id_len)
			m.build_id = NULL;
	} else {
		m.maj = h.id.file.maj;
		m.min = h.id.file.min;
		m.ino = h.id.file.ino;
	}
	cb(&m, arg);
	return 1;
}

uint64_t mmap_watch_read(struct mmap_watch *w, void (*cb)(const struct mmap_seen *m, void *arg), void *arg)
{
	uint64_t seen = 0;
	if (!w)
		return 0;
	for (size_t i = 0; i < w->n; i++) {
		struct perf_event_mmap_page *h = (struct perf_event_mmap_page *)w->rings[i];
		const unsigned char *data = w->rings[i] + w->page;
		uint64_t head = __atomic_load_n(&h->data_head, __ATOMIC_ACQUIRE);
		uint64_t tail = h->data_tail;
		while (tail < head) {
			size_t at = (size_t)(tail % w->data_size);
			struct perf_event_header eh;
			/* the header itself may wrap: copy it byte by byte */
			for (size_t k = 0; k < sizeof(eh); k++)
				((unsigned char *)&eh)[k] = data[(at + k) % w->data_size];
			if (eh.size < sizeof(eh) || eh.size > head - tail || eh.size > w->data_size)
				break; /* cannot happen with a sane kernel: stop rather than loop */
			const unsigned char *rec = data + at;
			if (at + eh.size > w->data_size) {
				size_t first = w->data_size - at;
				memcpy(w->scratch, data + at, first);
				memcpy(w->scratch + first, data, eh.size - first);
				rec = w->scratch;
			}
			if (eh.type == PERF_RECORD_LOST) {
				w->lost++;
			} else if (decode(rec, eh.size, cb, arg)) {
				w->records++;
				seen++;
			}
			tail += eh.size;
		}
		__atomic_store_n(&h->data_tail, tail, __ATOMIC_RELEASE);
	}
	return seen;
}

void mmap_watch_stats(const struct mmap_watch *w, uint64_t *records, uint64_t *lost)
{
	*records = w ? w->records : 0;
	*lost = w ? w->lost : 0;
}

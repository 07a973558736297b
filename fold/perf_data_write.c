// SPDX-License-Identifier: Apache-2.0
/* perf.data writer: the session (open, close, first error) and the records (COMM, MMAP2, SAMPLE ...). */
#include "fold/perf_data_write.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "fold/perf_data.h"
#include "fold/perf_data_write_internal.h"
#include "lib/buf.h"
#include "lib/err.h"
#include "lib/hash.h"
#include "lib/htab.h"

/* ---- output --------------------------------------------------------------------------------- */

/* Keep the first failure and hand it to the caller's `err` too. */
int pdw_fail(struct perf_data_writer *w, struct errbuf *err, int code, const char *what)
{
	if (!w->failure.code)
		errbuf_set(&w->failure, code, "cannot write '%s': %s", w->name, what);
	errbuf_set(err, w->failure.code, "%s", w->failure.msg.data);
	return w->failure.code;
}

static int failed(struct perf_data_writer *w, struct errbuf *err)
{
	return pdw_fail(w, err, w->failure.code, "");
}

int pdw_out_write(struct perf_data_writer *w, const void *p, size_t n, struct errbuf *err)
{
	if (w->failure.code)
		return failed(w, err);
	errno = 0; /* a short write need not set it, and fileno() of a memory stream leaves EBADF */
	if (n && fwrite(p, 1, n, w->out) != n) {
		int e = errno ? errno : EIO;
		return pdw_fail(w, err, -e, strerror(e));
	}
	w->st.bytes += n;
	return 0;
}

/* ---- records -------------------------------------------------------------------------------- */

/* A string of `n` bytes, NUL-terminated and zero-padded to a multiple of 8, as the kernel writes names. */
static void put_name(struct perf_data_writer *w, const char *s, size_t n)
{
	size_t padded = (n + 1 + 7) & ~(size_t)7;

	memset(w->rec + w->len, 0, padded);
	memcpy(w->rec + w->len, s, n);
	w->len += padded;
}

/* The sample_id trailer of a non-sample record (attr.sample_id_all), for the first event. */
static void put_trailer(struct perf_data_writer *w, int32_t pid, int32_t tid, uint64_t time)
{
	if (w->sample_type & PERF_SAMPLE_TID) {
		pdw_put_u32(w, (uint32_t)pid);
		pdw_put_u32(w, (uint32_t)tid);
	}
	if (w->sample_type & PERF_SAMPLE_TIME)
		pdw_put_u64(w, time);
	if (w->sample_type & PERF_SAMPLE_CPU)
		pdw_put_u64(w, 0);
	if (w->sample_type & PERF_SAMPLE_IDENTIFIER)
		pdw_put_u64(w, w->ev[0].id);
}

/* Finish the record in `rec`: set its size and write it. */
int pdw_rec_end(struct perf_data_writer *w, struct errbuf *err)
{
	uint16_t size = (uint16_t)w->len;

	/* every caller bounds its input (names, paths, stack depth) far below a u16 */
	if (w->len > RECORD_MAX)
		return pdw_fail(w, err, -EOVERFLOW, "record larger than 64 KiB");
	memcpy(w->rec + 6, &size, sizeof(size));
	w->st.records++;
	return pdw_out_write(w, w->rec, w->len, err);
}

static void see_time(struct perf_data_writer *w, uint64_t time)
{
	if (!(w->sample_type & PERF_SAMPLE_TIME))
		return;
	if (!w->any_time || time < w->first_time)
		w->first_time = time;
	if (!w->any_time || time > w->last_time)
		w->last_time = time;
	w->any_time = true;
}

int perf_data_writer_comm(struct perf_data_writer *w, int32_t pid, int32_t tid, const char *comm, bool exec,
			  uint64_t time, struct errbuf *err)
{
	size_t n = strnlen(comm ? comm : "", COMM_LIMIT);

	if (w->failure.code)
		return failed(w, err);
	if (n >= COMM_LIMIT) {
		n = COMM_LIMIT - 1;
		w->st.comms_cut++;
	}
	pdw_rec_begin(w, PERF_RECORD_COMM, exec ? MISC_COMM_EXEC : 0);
	pdw_put_u32(w, (uint32_t)pid);
	pdw_put_u32(w, (uint32_t)tid);
	put_name(w, comm ? comm : "", n);
	put_trailer(w, pid, tid, time);
	return pdw_rec_end(w, err);
}

static bool bid_eq(uint32_t id, const void *key, void *arg)
{
	const struct pdw_build_id *a = &((const struct perf_data_writer *)arg)->bids[id], *b = key;

	return a->len == b->len && a->misc == b->misc && !memcmp(a->id, b->id, a->len) && !strcmp(a->path, b->path);
}

static uint64_t bid_hash(const struct pdw_build_id *b)
{
	return hash_bytes(b->path, strlen(b->path), hash_bytes(b->id, b->len, b->misc));
}

/*
 * Remember (path, build-id) for the BUILD_ID feature; in pipe mode write a
 * HEADER_BUILD_ID record at once, so perf knows it before the first sample.
 */
static int add_build_id(struct perf_data_writer *w, const char *path, const uint8_t *id, size_t len, uint16_t misc,
			struct errbuf *err)
{
	struct pdw_build_id key = { .path = (char *)path, .misc = misc, .len = (uint8_t)len };
	uint64_t h;

	memcpy(key.id, id, len);
	h = bid_hash(&key);
	if (htab_find(&w->bid_index, h, bid_eq, &key, w) != HTAB_NONE)
		return 0;
	if (w->nbids == w->cap_bids) {
		size_t cap = w->cap_bids ? 2 * w->cap_bids : 32;
		struct pdw_build_id *n = realloc(w->bids, cap * sizeof(*n));
		if (!n)
			return pdw_fail(w, err, -ENOMEM, "out of memory");
		w->bids = n;
		w->cap_bids = cap;
	}
	key.path = strdup(path);
	if (!key.path || htab_insert(&w->bid_index, h, (uint32_t)w->nbids) < 0) {
		free(key.path);
		return pdw_fail(w, err, -ENOMEM, "out of memory");
	}
	w->bids[w->nbids++] = key;
	w->st.build_ids = w->nbids;
	if (!w->pipe)
		return 0;
	pdw_rec_begin(w, PERF_DATA_HEADER_BUILD_ID, misc | MISC_BUILD_ID_SIZE);
	pdw_put_u32(w, (uint32_t)-1); /* the machine pid: -1 is the host */
	memset(w->rec + w->len, 0, 24);
	memcpy(w->rec + w->len, key.id, key.len);
	w->rec[w->len + 20] = key.len;
	w->len += 24;
	{
		size_t n = strlen(path), padded = (n + 1 + NAME_ALIGN - 1) & ~(size_t)(NAME_ALIGN - 1);
		memset(w->rec + w->len, 0, padded);
		memcpy(w->rec + w->len, path, n);
		w->len += padded;
	}
	return pdw_rec_end(w, err);
}

int perf_data_writer_mmap2(struct perf_data_writer *w, const struct perf_data_write_mmap *m, struct errbuf *err)
{
	const char *path = m->path ? m->path : "";
	size_t n = strnlen(path, PATH_LIMIT);
	bool bid = m->build_id && m->build_id_len;
	uint16_t misc = PERF_RECORD_MISC_USER;
	int rc;

	if (w->failure.code)
		return failed(w, err);
	if (n >= PATH_LIMIT) {
		w->st.mmaps_skipped++;
		return errbuf_set(err, -ENAMETOOLONG, "mapping of pid %" PRId32 " at 0x%" PRIx64 " skipped: path longer than %d bytes",
				  m->pid, m->start, PATH_LIMIT - 1);
	}
	if (m->build_id_len > BUILD_ID_MAX)
		return errbuf_set(err, -EINVAL, "mapping of '%s': build-id of %zu bytes (at most %d)", path,
				  m->build_id_len, BUILD_ID_MAX);
	if (bid) {
		rc = add_build_id(w, path, m->build_id, m->build_id_len, PERF_RECORD_MISC_USER, err);
		if (rc)
			return rc;
		misc |= MISC_MMAP_BUILD_ID;
	}
	if (!(m->prot & PROT_EXEC))
		misc |= MISC_MMAP_DATA;
	pdw_rec_begin(w, PERF_RECORD_MMAP2, misc);
	pdw_put_u32(w, (uint32_t)m->pid);
	pdw_put_u32(w, (uint32_t)m->tid);
	pdw_put_u64(w, m->start);
	pdw_put_u64(w, m->len);
	pdw_put_u64(w, m->pgoff);
	if (bid) {
		/* u8 build_id_size, u8, u16, u8 build_id[20]: the same 24 bytes as maj, min, ino, ino_generation */
		memset(w->rec + w->len, 0, 24);
		w->rec[w->len] = (uint8_t)m->build_id_len;
		memcpy(w->rec + w->len + 4, m->build_id, m->build_id_len);
		w->len += 24;
	} else {
		pdw_put_u32(w, m->maj);
		pdw_put_u32(w, m->min);
		pdw_put_u64(w, m->ino);
		pdw_put_u64(w, 0);
	}
	pdw_put_u32(w, m->prot);
	pdw_put_u32(w, m->flags);
	put_name(w, path, n);
	put_trailer(w, m->pid, m->tid, m->time);
	return pdw_rec_end(w, err);
}

int perf_data_writer_kernel_mmap(struct perf_data_writer *w, const struct perf_data_write_kernel *k,
				 uint64_t time, struct errbuf *err)
{
	static const char name[] = "[kernel.kallsyms]_text";
	int rc;

	if (w->failure.code)
		return failed(w, err);
	if (k->build_id_len > BUILD_ID_MAX)
		return errbuf_set(err, -EINVAL, "kernel build-id of %zu bytes (at most %d)", k->build_id_len, BUILD_ID_MAX);
	if (k->text_end && k->text_end <= k->text_start)
		return errbuf_set(err, -EINVAL, "kernel text ends (0x%" PRIx64 ") before it starts (0x%" PRIx64 ")",
				  k->text_end, k->text_start);
	if (k->build_id_len) {
		rc = add_build_id(w, "[kernel.kallsyms]", k->build_id, k->build_id_len, PERF_RECORD_MISC_KERNEL, err);
		if (rc)
			return rc;
	}
	/* perf's synthesized kernel map: pid -1, tid 0, pgoff = the address of _text (its ref_reloc_sym) */
	pdw_rec_begin(w, PERF_RECORD_MMAP, PERF_RECORD_MISC_KERNEL);
	pdw_put_u32(w, (uint32_t)-1);
	pdw_put_u32(w, 0);
	pdw_put_u64(w, k->text_start);
	pdw_put_u64(w, k->text_end ? k->text_end - k->text_start : ~0ULL - k->text_start);
	pdw_put_u64(w, k->text_start);
	put_name(w, name, sizeof(name) - 1);
	put_trailer(w, -1, 0, time);
	return pdw_rec_end(w, err);
}

static int task(struct perf_data_writer *w, uint32_t type, int32_t pid, int32_t ppid, int32_t tid, int32_t ptid,
		uint64_t time, struct errbuf *err)
{
	if (w->failure.code)
		return failed(w, err);
	pdw_rec_begin(w, type, 0);
	pdw_put_u32(w, (uint32_t)pid);
	pdw_put_u32(w, (uint32_t)ppid);
	pdw_put_u32(w, (uint32_t)tid);
	pdw_put_u32(w, (uint32_t)ptid);
	pdw_put_u64(w, time);
	put_trailer(w, pid, tid, time);
	return pdw_rec_end(w, err);
}

int perf_data_writer_fork(struct perf_data_writer *w, int32_t pid, int32_t ppid, int32_t tid, int32_t ptid,
			  uint64_t time, struct errbuf *err)
{
	return task(w, PERF_RECORD_FORK, pid, ppid, tid, ptid, time, err);
}

int perf_data_writer_exit(struct perf_data_writer *w, int32_t pid, int32_t ppid, int32_t tid, int32_t ptid,
			  uint64_t time, struct errbuf *err)
{
	return task(w, PERF_RECORD_EXIT, pid, ppid, tid, ptid, time, err);
}

int perf_data_writer_sample(struct perf_data_writer *w, const struct perf_data_write_sample *s,
			    struct errbuf *err)
{
	const struct pdw_event *ev;
	size_t nk = s->nkernel, nu = s->nuser;
	uint64_t ip, count = s->count ? s->count : 1;
	int rc = 0;

	if (w->failure.code)
		return failed(w, err);
	if (s->event >= w->nev)
		return errbuf_set(err, -EINVAL, "sample of event %" PRIu32 ": '%s' has %zu event(s)", s->event, w->name,
				  w->nev);
	if ((nk && !s->kernel_ips) || (nu && !s->user_ips))
		return errbuf_set(err, -EINVAL, "sample with addresses missing");
	ev = &w->ev[s->event];
	/* the kernel stores the kernel part first and stops at max_stack entries, markers not counted */
	if (nk + nu > w->max_stack) {
		w->st.stacks_cut += count;
		if (nk > w->max_stack)
			nk = w->max_stack;
		nu = w->max_stack - nk;
	}
	ip = nk ? s->kernel_ips[0] : nu ? s->user_ips[0] : 0;
	pdw_rec_begin(w, PERF_RECORD_SAMPLE, nk ? PERF_RECORD_MISC_KERNEL : PERF_RECORD_MISC_USER);
	if (w->sample_type & PERF_SAMPLE_IDENTIFIER)
		pdw_put_u64(w, ev->id);
	pdw_put_u64(w, ip);
	pdw_put_u32(w, (uint32_t)s->pid);
	pdw_put_u32(w, (uint32_t)s->tid);
	if (w->sample_type & PERF_SAMPLE_TIME)
		pdw_put_u64(w, s->time);
	if (w->sample_type & PERF_SAMPLE_CPU) {
		pdw_put_u32(w, s->cpu);
		pdw_put_u32(w, 0);
	}
	pdw_put_u64(w, s->period ? s->period : ev->period);
	pdw_put_u64(w, (nk ? nk + 1 : 0) + (nu ? nu + 1 : 0));
	if (nk) {
		pdw_put_u64(w, PERF_CONTEXT_KERNEL);
		pdw_put(w, s->kernel_ips, 8 * nk);
	}
	if (nu) {
		pdw_put_u64(w, PERF_CONTEXT_USER);
		pdw_put(w, s->user_ips, 8 * nu);
	}
	see_time(w, s->time);
	for (uint64_t i = 0; i < count && !rc; i++) {
		rc = pdw_rec_end(w, err);
		if (!rc)
			w->st.samples++;
	}
	return rc;
}

int perf_data_writer_lost(struct perf_data_writer *w, uint32_t event, uint64_t n, uint64_t time, struct errbuf *err)
{
	if (w->failure.code)
		return failed(w, err);
	if (event >= w->nev)
		return errbuf_set(err, -EINVAL, "losses of event %" PRIu32 ": '%s' has %zu event(s)", event, w->name, w->nev);
	pdw_rec_begin(w, PERF_RECORD_LOST_SAMPLES, 0);
	pdw_put_u64(w, n);
	/* the trailer names the event the samples were lost from */
	put_trailer(w, -1, -1, time);
	if (w->sample_type & PERF_SAMPLE_IDENTIFIER)
		memcpy(w->rec + w->len - 8, &w->ev[event].id, 8);
	return pdw_rec_end(w, err);
}

void perf_data_writer_get_stats(const struct perf_data_writer *w, struct perf_data_writer_stats *st)
{
	*st = w->st;
	st->pipe = w->pipe;
}

/* ---- open and close ------------------------------------------------------------------------- */

static int set_event(struct perf_data_writer *w, size_t i, const struct perf_data_write_event *e, struct errbuf *err)
{
	struct pdw_event *ev = &w->ev[i];
	uint32_t type = PERF_TYPE_SOFTWARE, size = ATTR_SIZE;
	uint64_t config, period, flags = ATTR_SAMPLE_ID_ALL | ATTR_EXCLUDE_GUEST;
	const char *name = e->name;

	if (e->exclude_user && e->exclude_kernel)
		return errbuf_set(err, -EINVAL, "event %zu excludes both user and kernel", i);
	if (e->type == PERF_DATA_WRITE_CPU_CLOCK) {
		config = PERF_COUNT_SW_CPU_CLOCK;
		if (e->freq || !e->period) {
			uint64_t f = e->freq ? e->freq : 99;
			flags |= ATTR_FREQ;
			period = f;
			ev->period = f >= 1000000000ULL ? 1 : 1000000000ULL / f;
		} else {
			period = ev->period = e->period;
		}
		if (!name)
			name = e->exclude_kernel ? "cpu-clock:u" : e->exclude_user ? "cpu-clock:k" : "cpu-clock";
	} else if (e->type == PERF_DATA_WRITE_OFFCPU) {
		config = PERF_COUNT_SW_BPF_OUTPUT;
		period = ev->period = e->period ? e->period : 1;
		if (!name)
			name = "offcpu-time";
	} else {
		return errbuf_set(err, -EINVAL, "event %zu: unknown type %d", i, (int)e->type);
	}
	if (strlen(name) > EVENT_NAME_LIMIT)
		return errbuf_set(err, -EINVAL, "event %zu: name longer than %d bytes", i, EVENT_NAME_LIMIT);
	if (i == 0) /* the tracking event: perf expects mmap/comm/task records to come with the first one */
		flags |= ATTR_MMAP | ATTR_COMM | ATTR_TASK | ATTR_MMAP2 | ATTR_COMM_EXEC;
	if (e->exclude_user)
		flags |= ATTR_EXCLUDE_USER;
	if (e->exclude_kernel)
		flags |= ATTR_EXCLUDE_KERNEL;
	memset(ev->attr, 0, ATTR_SIZE);
	memcpy(ev->attr + 0, &type, 4);
	memcpy(ev->attr + 4, &size, 4);
	memcpy(ev->attr + 8, &config, 8);
	memcpy(ev->attr + 16, &period, 8);
	memcpy(ev->attr + 24, &w->sample_type, 8);
	memcpy(ev->attr + 40, &flags, 8);
	ev->id = i + 1;
	ev->name = strdup(name);
	return ev->name ? 0 : errbuf_set(err, -ENOMEM, "out of memory");
}

static int set_host(struct perf_data_writer *w, const struct perf_data_writer_opts *o)
{
	struct utsname u;
	long n;

	if (uname(&u) < 0)
		memset(&u, 0, sizeof(u));
	if (buf_addstr(&w->hostname, o->hostname ? o->hostname : u.nodename) ||
	    buf_addstr(&w->osrelease, o->osrelease ? o->osrelease : u.release) ||
	    buf_addstr(&w->arch, o->arch ? o->arch : u.machine) ||
	    buf_addstr(&w->version, o->version ? o->version : "scorch"))
		return -ENOMEM;
	n = sysconf(_SC_NPROCESSORS_ONLN);
	w->nr_cpus_online = o->nr_cpus_online ? o->nr_cpus_online : n > 0 ? (uint32_t)n : 1;
	n = sysconf(_SC_NPROCESSORS_CONF);
	w->nr_cpus_avail = o->nr_cpus_avail ? o->nr_cpus_avail : n > 0 ? (uint32_t)n : w->nr_cpus_online;
	if (o->argc) {
		w->argv = calloc(o->argc, sizeof(*w->argv));
		if (!w->argv)
			return -ENOMEM;
		for (; w->argc < o->argc; w->argc++) {
			w->argv[w->argc] = strdup(o->argv[w->argc] ? o->argv[w->argc] : "");
			if (!w->argv[w->argc])
				return -ENOMEM;
		}
	}
	return 0;
}

/* File mode needs a regular file (or memory stream) positioned at its start, so the header can be rewritten. */
static bool seekable_at_start(FILE *out)
{
	struct stat sb;
	int fd = fileno(out);

	if (fd >= 0 && (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)))
		return false;
	/* O_APPEND would put the rewritten header at the end */
	if (fd >= 0 && (fcntl(fd, F_GETFL) & O_APPEND))
		return false;
	return ftello(out) == 0 && fseeko(out, 0, SEEK_SET) == 0;
}

struct perf_data_writer *perf_data_writer_open(FILE *out, const char *name, const struct perf_data_writer_opts *o,
					       struct errbuf *err)
{
	struct perf_data_writer *w;
	int rc = 0;

	name = name ? name : "perf.data";
	if (!o || !o->nevents || o->nevents > PERF_DATA_WRITE_MAX_EVENTS || !o->events) {
		errbuf_set(err, -EINVAL, "cannot write '%s': %zu events (1 to %d)", name, o && o->events ? o->nevents : 0,
			   PERF_DATA_WRITE_MAX_EVENTS);
		errno = EINVAL;
		return NULL;
	}
	if (o->max_stack > MAX_STACK_LIMIT) {
		errbuf_set(err, -EINVAL, "cannot write '%s': max stack %u (at most %d)", name, o->max_stack, MAX_STACK_LIMIT);
		errno = EINVAL;
		return NULL;
	}
	w = calloc(1, sizeof(*w));
	if (!w || !(w->name = strdup(name))) {
		free(w);
		errbuf_set(err, -ENOMEM, "cannot write '%s': out of memory", name);
		errno = ENOMEM;
		return NULL;
	}
	w->out = out;
	errbuf_init(&w->failure);
	buf_init(&w->hostname);
	buf_init(&w->osrelease);
	buf_init(&w->arch);
	buf_init(&w->version);
	htab_init(&w->bid_index);
	w->max_stack = o->max_stack ? o->max_stack : PERF_DATA_WRITE_MAX_STACK;
	/* what perf record -g writes, with IDENTIFIER first when several events share the file */
	w->sample_type = PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_PERIOD | PERF_SAMPLE_CALLCHAIN;
	if (!o->no_time)
		w->sample_type |= PERF_SAMPLE_TIME;
	if (o->sample_cpu)
		w->sample_type |= PERF_SAMPLE_CPU;
	if (o->nevents > 1)
		w->sample_type |= PERF_SAMPLE_IDENTIFIER;
	for (size_t i = 0; i < o->nevents && !rc; i++, w->nev++)
		rc = set_event(w, i, &o->events[i], err);
	if (!rc && set_host(w, o) < 0)
		rc = errbuf_set(err, -ENOMEM, "cannot write '%s': out of memory", name);
	if (!rc) {
		w->pipe = o->pipe || !seekable_at_start(out);
		rc = w->pipe ? pdw_write_pipe_start(w, err) : pdw_write_file_start(w, err);
	}
	if (rc) {
		perf_data_writer_free(w);
		errno = -rc;
		return NULL;
	}
	return w;
}

void perf_data_writer_free(struct perf_data_writer *w)
{
	if (!w)
		return;
	for (size_t i = 0; i < w->nev; i++)
		free(w->ev[i].name);
	for (size_t i = 0; i < w->nbids; i++)
		free(w->bids[i].path);
	free(w->bids);
	htab_release(&w->bid_index);
	for (size_t i = 0; i < w->argc; i++)
		free(w->argv[i]);
	free(w->argv);
	buf_release(&w->hostname);
	buf_release(&w->osrelease);
	buf_release(&w->arch);
	buf_release(&w->version);
	errbuf_release(&w->failure);
	free(w->name);
	free(w);
}

int perf_data_writer_close(struct perf_data_writer *w, struct errbuf *err)
{
	int rc;

	if (!w)
		return 0;
	rc = w->failure.code ? failed(w, err) : 0;
	if (!rc && !w->pipe)
		rc = pdw_write_file_end(w, err);
	errno = 0;
	if (!rc && (fflush(w->out) || ferror(w->out))) {
		int e = errno ? errno : EIO;
		rc = pdw_fail(w, err, -e, strerror(e));
	}
	perf_data_writer_free(w);
	return rc;
}

// SPDX-License-Identifier: Apache-2.0
/* Unit tests of the perf.data decoder (fold/perf_data*.c) against perf 6.1's own files and answers, and bad input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "fold/perf_data.h"
#include "lib/buf.h"
#include "lib/err.h"
#include "lib/file.h"
#include "tests/fold/perf_data_build.h"

static const char *fixtures(void)
{
	const char *f = getenv("SCORCH_FIXTURES");
	return f ? f : "../shared/fixtures";
}

static char *fixture_path(const char *name)
{
	static char path[4096];
	snprintf(path, sizeof(path), "%s/perf/%s", fixtures(), name);
	return path;
}

static bool load(const char *path, struct buf *out)
{
	struct errbuf e;
	int rc;

	errbuf_init(&e);
	buf_init(out);
	rc = file_read_all(path, out, &e);
	errbuf_release(&e);
	return rc == 0;
}

/* ---- what a read saw ------------------------------------------------------------------------ */

struct seen {
	struct buf order;      /* "tid time\n" per sample, in delivery order */
	uint64_t samples, mmaps, comms, tasks, builds, other, lost;
	uint64_t touched;      /* a sum over every byte the callbacks were handed: ASan checks each read */
	int stop_after;        /* return PERF_DATA_STOP after this many samples (0 = never) */
	bool record_order;
};

static int on_sample(const struct perf_sample *s, void *arg)
{
	struct seen *w = arg;

	w->samples++;
	for (uint64_t i = 0; i < s->nr_callchain; i++)
		w->touched += s->callchain[i];
	for (uint32_t i = 0; i < s->raw_size; i++)
		w->touched += s->raw[i];
	for (uint32_t i = 0; s->user_regs_abi && i < s->user_nregs; i++)
		w->touched += s->user_regs[i];
	for (uint64_t i = 0; i < s->user_stack_size; i += 64)
		w->touched += s->user_stack[i];
	w->touched += strlen(s->attr->name);
	if (w->record_order)
		buf_addf(&w->order, "%d %" PRIu64 ".%06" PRIu64 "\n", s->tid, s->time / 1000000000,
			 s->time % 1000000000 / 1000);
	if (w->stop_after && w->samples == (uint64_t)w->stop_after)
		return PERF_DATA_STOP;
	return 0;
}

static int on_mmap(const struct perf_mmap_event *m, void *arg)
{
	struct seen *w = arg;
	w->mmaps++;
	w->touched += strlen(m->filename);
	for (uint32_t i = 0; i < m->build_id_len; i++)
		w->touched += m->build_id[i];
	return 0;
}

static int on_comm(const struct perf_comm_event *c, void *arg)
{
	struct seen *w = arg;
	w->comms++;
	w->touched += strlen(c->comm);
	return 0;
}

static int on_task(const struct perf_task_event *t, void *arg)
{
	((struct seen *)arg)->tasks++;
	return 0;
}

static int on_build_id(const struct perf_build_id_event *b, void *arg)
{
	struct seen *w = arg;
	w->builds++;
	w->touched += strlen(b->filename);
	for (uint32_t i = 0; i < b->build_id_len; i++)
		w->touched += b->build_id[i];
	return 0;
}

static int on_other(const struct perf_record *r, void *arg)
{
	struct seen *w = arg;
	w->other++;
	for (size_t i = 0; i + 8 < r->size; i++)
		w->touched += r->body[i];
	return 0;
}

static int on_lost(const struct perf_lost_event *l, void *arg)
{
	((struct seen *)arg)->lost += l->lost;
	return 0;
}

static const struct perf_data_ops seen_ops = {
	.sample = on_sample, .mmap = on_mmap, .comm = on_comm, .task = on_task,
	.build_id = on_build_id, .other = on_other, .lost = on_lost,
};

/* Open and read `len` bytes; returns the read's result, or the open's error. `msg` gets the error text. */
static int read_mem(const void *data, size_t len, struct seen *w, struct buf *msg)
{
	struct errbuf e;
	struct perf_data *d;
	int rc;

	errbuf_init(&e);
	d = perf_data_open_mem(data, len, "test.data", &e);
	if (!d) {
		rc = e.code;
		assert_true(rc < 0);
	} else {
		rc = perf_data_read(d, &seen_ops, w, &e);
		perf_data_close(d);
	}
	if (msg) {
		buf_reset(msg);
		buf_addstr(msg, e.msg.data);
	}
	errbuf_release(&e);
	return rc;
}

/* ---- perf's answers ------------------------------------------------------------------------- */

/* "tid sec.usec" per sample header of perf's `perf script` output, in its order. */
static void script_order(const char *name, struct buf *out)
{
	char path[4200];
	struct buf txt;

	snprintf(path, sizeof(path), "%s/perf/golden/%s.script.txt", fixtures(), name);
	assert_true(load(path, &txt));
	buf_init(out);
	for (char *line = txt.data, *nl; *line; line = nl + 1) {
		nl = strchr(line, '\n');
		if (!nl)
			break;
		if (line[0] != ' ' && line[0] != '\t' && line != nl) {
			/* "comm  tid [cpu]  sec.usec: ..." — comm may hold spaces, so find " tid " before the time */
			char *colon = strstr(line, ": ");
			char *t = colon, *tid_end, *tid;
			while (t > line && t[-1] != ' ')
				t--;
			tid_end = t;
			while (tid_end > line && tid_end[-1] == ' ')
				tid_end--;
			if (tid_end[-1] == ']') { /* [cpu] */
				while (tid_end > line && tid_end[-1] != '[')
					tid_end--;
				tid_end--;
				while (tid_end > line && tid_end[-1] == ' ')
					tid_end--;
			}
			tid = tid_end;
			while (tid > line && tid[-1] >= '0' && tid[-1] <= '9')
				tid--;
			buf_add(out, tid, (size_t)(tid_end - tid));
			buf_addch(out, ' ');
			buf_add(out, t, (size_t)(colon - t));
			buf_addch(out, '\n');
		}
	}
	buf_release(&txt);
}

static const char *const all_fixtures[] = {
	"a_cpu_fp", "a_cpu_fp_user", "a_cpu_fp_clang", "a_inl_fp_clang", "a_cpu_nofp_fpchain", "a_inl_fp",
	"a_libchot_fp", "a_mt_fp", "b_cpu_nofp_dwarf", "b_inl_nofp_dwarf", "b_libchot_fp_dwarf",
	"c_sleeper_sched_switch", "d_mt_pipe", "e_cpu_fp_zstd", "f_sleeper_multi", "g_sleeper_sched_pipe",
};

/* Every sample, in perf's delivery order: the (tid, time) sequence equals `perf script`'s. */
static void test_perf_data_fixtures_match_perf_script_order(void **state)
{
	for (size_t i = 0; i < sizeof(all_fixtures) / sizeof(all_fixtures[0]); i++) {
		char name[256];
		struct buf img, want, msg;
		struct seen w = { .record_order = true };

		snprintf(name, sizeof(name), "%s.data", all_fixtures[i]);
		if (!load(fixture_path(name), &img))
			skip();
		buf_init(&w.order);
		buf_init(&msg);
		assert_int_equal(read_mem(img.data, img.len, &w, &msg), 0);
		script_order(all_fixtures[i], &want);
		if (strcmp(want.data, w.order.data) != 0)
			fail_msg("%s: sample order differs from perf script", all_fixtures[i]);
		assert_true(w.samples > 50);
		assert_true(w.mmaps >= 4 && w.comms >= 2);
		buf_release(&img);
		buf_release(&want);
		buf_release(&w.order);
		buf_release(&msg);
	}
}

/* Event names and sample types equal `perf evlist -v`'s. */
static void test_perf_data_attrs_match_evlist(void **state)
{
	for (size_t i = 0; i < sizeof(all_fixtures) / sizeof(all_fixtures[0]); i++) {
		char path[4200];
		struct buf ev;
		struct errbuf e;
		struct perf_data *d;
		size_t n = 0;

		snprintf(path, sizeof(path), "%s/perf/golden/%s.evlist.txt", fixtures(), all_fixtures[i]);
		if (!load(path, &ev))
			skip();
		errbuf_init(&e);
		snprintf(path, sizeof(path), "%s/perf/%s.data", fixtures(), all_fixtures[i]);
		d = perf_data_open(path, &e);
		assert_non_null(d);
		if (perf_data_get_info(d)->pipe) { /* attrs arrive with the records */
			assert_int_equal(perf_data_read(d, NULL, NULL, &e), 0);
		}
		for (char *line = ev.data, *nl; (nl = strchr(line, '\n')); line = nl + 1) {
			const struct perf_data_attr *a = perf_data_attr_get(d, n++);
			char *colon = strstr(line, ": type: ");
			assert_non_null(a);
			assert_non_null(colon);
			/* perf evlist does not read a pipe's stream, so it cannot name its tracepoints */
			if (strncmp(line, "unknown tracepoint:", 19) != 0) {
				assert_int_equal((size_t)(colon - line), strlen(a->name));
				assert_memory_equal(line, a->name, strlen(a->name));
			} else {
				assert_string_equal(a->name, "sched:sched_switch");
			}
			assert_true(a->sample_type & PERF_SAMPLE_CALLCHAIN);
			if (strstr(line, "sample_type: IP|TID|TIME|CALLCHAIN|PERIOD,"))
				assert_int_equal(a->sample_type, PDB_SAMPLE_TYPE);
			if (strstr(line, "IDENTIFIER"))
				assert_true(a->sample_type & PERF_SAMPLE_IDENTIFIER);
		}
		assert_int_equal(n, perf_data_attr_count(d));
		perf_data_close(d);
		errbuf_release(&e);
		buf_release(&ev);
	}
}

static void test_perf_data_features(void **state)
{
	struct errbuf e;
	struct perf_data *d;
	const struct perf_data_info *in;
	struct seen w = { 0 };

	errbuf_init(&e);
	d = perf_data_open(fixture_path("f_sleeper_multi.data"), &e);
	assert_non_null(d);
	in = perf_data_get_info(d);
	/* perf report --header-only: hostname, os release, cmdline, nrcpus, data offset 424, size 73648 */
	assert_string_equal(in->hostname, "vm");
	assert_string_equal(in->osrelease, "6.18.44-fc-v595");
	assert_string_equal(in->version, "6.1.192");
	assert_int_equal(in->nr_cpus_online, 2);
	assert_int_equal(in->data_offset, 424);
	assert_int_equal(in->data_size, 73648);
	assert_non_null(strstr(in->cmdline, "record -g -c 1 -e cpu-clock/freq=999/ -e sched:sched_switch"));
	assert_int_equal(perf_data_attr_count(d), 2);
	assert_int_equal(perf_data_attr_by_id(d, 2605)->index, 1);
	assert_int_equal(perf_data_attr_by_id(d, 2604)->index, 0);
	assert_null(perf_data_attr_by_id(d, 9999));
	assert_int_equal(perf_data_read(d, &seen_ops, &w, &e), 0);
	/* the BUILD_ID feature: perf buildid-list lists 4 entries for this file */
	assert_true(w.builds >= 3);
	perf_data_close(d);
	errbuf_release(&e);
}

/* COMPRESSED: one zstd stream over all records; the same 999 samples as perf script. */
static void test_perf_data_zstd(void **state)
{
	struct errbuf e;
	struct perf_data *d;
	struct perf_data_stats st;
	struct seen w = { 0 };

	errbuf_init(&e);
	d = perf_data_open(fixture_path("e_cpu_fp_zstd.data"), &e);
	assert_non_null(d);
	assert_int_equal(perf_data_get_info(d)->comp_type, 1);
	assert_int_equal(perf_data_read(d, &seen_ops, &w, &e), 0);
	perf_data_get_stats(d, &st);
	assert_true(st.compressed_records >= 1);
	assert_true(st.decompressed_bytes > 100000);
	assert_int_equal(w.samples, 999);
	assert_int_equal(st.malformed, 0);
	perf_data_close(d);
	errbuf_release(&e);
}

/* Pipe mode through a real pipe (streamed), and a file-mode file through a pipe (read whole). */
static void pipe_through(const char *name, uint64_t want_samples)
{
	int fds[2];
	pid_t pid;
	struct buf img;
	struct seen w = { 0 };
	struct errbuf e;
	struct perf_data *d;
	int saved = dup(0), status;

	assert_true(load(fixture_path(name), &img));
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		for (size_t off = 0; off < img.len;) { /* small writes: records straddle reads */
			size_t n = img.len - off < 1000 ? img.len - off : 1000;
			ssize_t r = write(fds[1], img.data + off, n);
			if (r <= 0)
				_exit(1);
			off += (size_t)r;
		}
		_exit(0);
	}
	close(fds[1]);
	dup2(fds[0], 0);
	close(fds[0]);
	errbuf_init(&e);
	d = perf_data_open("-", &e);
	assert_non_null(d);
	assert_int_equal(perf_data_read(d, &seen_ops, &w, &e), 0);
	assert_int_equal(w.samples, want_samples);
	perf_data_close(d);
	dup2(saved, 0);
	close(saved);
	waitpid(pid, &status, 0);
	errbuf_release(&e);
	buf_release(&img);
}

static void test_perf_data_pipe_stdin(void **state)
{
	pipe_through("d_mt_pipe.data", 1993);
	pipe_through("g_sleeper_sched_pipe.data", 152);
	pipe_through("a_cpu_fp.data", 999);
}

static void test_perf_data_stop(void **state)
{
	struct buf img;
	struct seen w = { .stop_after = 10 };

	assert_true(load(fixture_path("a_cpu_fp.data"), &img));
	assert_int_equal(read_mem(img.data, img.len, &w, NULL), PERF_DATA_STOP);
	assert_int_equal(w.samples, 10);
	buf_release(&img);
}

/* ---- bad input ------------------------------------------------------------------------------ */

/* A message names its byte offset: "... at offset N ..." or "truncated at offset N". */
static void assert_offset_message(const struct buf *msg)
{
	if (!strstr(msg->data, "offset ") && !strstr(msg->data, "not a perf.data file") &&
	    !strstr(msg->data, "empty") && !strstr(msg->data, "lists no events"))
		fail_msg("error without a byte offset: %s", msg->data);
}


/* The end of the data section of a file-mode image (its header's data offset + size). */
static uint64_t data_end_of(const void *img)
{
	uint64_t off, size;
	memcpy(&off, (const uint8_t *)img + 40, 8);
	memcpy(&size, (const uint8_t *)img + 48, 8);
	return off + size;
}

/* Marks the offsets worth cutting at: each record start (2) and 1, 7, 8 and 9 bytes into it (1). */
static uint8_t *cut_points(const uint8_t *img, size_t len, bool is_pipe)
{
	uint8_t *mark = calloc(len + 1, 1);
	uint64_t off = is_pipe ? 16 : 0, end = len;

	if (!is_pipe) {
		memcpy(&off, img + 40, 8);
		end = data_end_of(img);
	}
	while (off + 8 <= end && off + 8 <= len) {
		uint16_t size;
		static const int into[] = { 0, 1, 7, 8, 9 };

		memcpy(&size, img + off + 6, 2);
		for (size_t k = 0; k < sizeof(into) / sizeof(into[0]); k++)
			if (off + into[k] <= len && mark[off + into[k]] != 2)
				mark[off + into[k]] = k == 0 ? 2 : 1;
		if (size < 8)
			break;
		off += size;
	}
	return mark;
}

/* Cut a fixture at every record boundary and inside records: errors with offsets, never a crash. */
static void truncate_everywhere(const char *name, bool is_pipe)
{
	struct buf img, msg;
	struct seen full = { 0 };
	uint64_t data_end;
	size_t cuts = 0;
	uint8_t *mark;

	if (!load(fixture_path(name), &img))
		skip();
	buf_init(&msg);
	assert_int_equal(read_mem(img.data, img.len, &full, &msg), 0);
	data_end = is_pipe ? img.len : data_end_of(img.data);
	mark = cut_points((const uint8_t *)img.data, img.len, is_pipe);
	for (size_t cut = 0; cut <= img.len; cut++) {
		/* every byte of the headers, every record boundary and 1, 7, 8, 9 bytes into each record */
		bool boundary = cut < 600 || mark[cut];
		uint8_t *copy;
		struct seen w = { 0 };
		int rc;

		if (!boundary && cut + 64 < img.len && (cut % 97) != 0)
			continue;
		copy = malloc(cut ? cut : 1); /* exactly `cut` bytes: ASan sees any read past the end */
		memcpy(copy, img.data, cut);
		rc = read_mem(copy, cut, &w, &msg);
		if (is_pipe && cut >= 16 && mark[cut] == 2 && rc == 0) {
			/* a stream cut between records looks complete: it keeps the records before the cut */
		} else if (cut < data_end) {
			if (rc == 0)
				fail_msg("cut at %zu (mark %d) read without error", cut, mark[cut]);
			assert_true(rc < 0);
			assert_offset_message(&msg);
		} else {
			assert_int_equal(rc, 0); /* only features were cut: they are optional */
			assert_int_equal(w.samples, full.samples);
		}
		assert_true(w.samples <= full.samples);
		free(copy);
		cuts++;
	}
	assert_true(cuts > 1000 || cuts > img.len / 20);
	free(mark);
	buf_release(&img);
	buf_release(&msg);
}

static void test_perf_data_truncated_file(void **state)
{
	truncate_everywhere("a_cpu_fp.data", false);
}

static void test_perf_data_truncated_pipe(void **state)
{
	truncate_everywhere("d_mt_pipe.data", true);
}

static void test_perf_data_truncated_zstd(void **state)
{
	truncate_everywhere("e_cpu_fp_zstd.data", false);
}

/* A truncated file keeps the samples before the damage: most of them when cut near the end. */
static void test_perf_data_truncated_keeps_samples(void **state)
{
	struct buf img, msg;
	struct seen w = { 0 };
	size_t cut;

	assert_true(load(fixture_path("a_cpu_fp.data"), &img));
	buf_init(&msg);
	cut = (size_t)data_end_of(img.data) - 3000;
	assert_int_equal(read_mem(img.data, cut, &w, &msg), -EBADMSG);
	assert_true(w.samples > 900);
	assert_non_null(strstr(msg.data, "truncated"));
	buf_release(&img);
	buf_release(&msg);
}

/* Flipped bytes anywhere: a result or an error, never a crash or a hang. */
static void flip_bytes(const char *name, unsigned rounds)
{
	struct buf img, msg;
	uint64_t x = 88172645463325252ULL;

	if (!load(fixture_path(name), &img))
		skip();
	buf_init(&msg);
	for (unsigned r = 0; r < rounds; r++) {
		uint8_t *copy = malloc(img.len);
		struct seen w = { 0 };
		int rc;

		memcpy(copy, img.data, img.len);
		for (int k = 0; k < 1 + (int)(r % 4); k++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			/* half the flips hit the headers and the first records, where sizes live */
			size_t pos = (r & 1) ? (size_t)(x % img.len) : (size_t)(x % (img.len < 4096 ? img.len : 4096));
			copy[pos] ^= (uint8_t)(1u << (x >> 60 & 7)) | (uint8_t)((r & 8) ? 0xff : 0);
		}
		rc = read_mem(copy, img.len, &w, &msg);
		if (rc < 0 && rc != -ENOMEM)
			assert_offset_message(&msg);
		free(copy);
	}
	buf_release(&img);
	buf_release(&msg);
}

static void test_perf_data_flipped_bytes(void **state)
{
	flip_bytes("a_cpu_fp.data", 300);
	flip_bytes("d_mt_pipe.data", 300);
	flip_bytes("e_cpu_fp_zstd.data", 300);
	flip_bytes("f_sleeper_multi.data", 200);
	flip_bytes("b_cpu_nofp_dwarf.data", 100);
	flip_bytes("g_sleeper_sched_pipe.data", 200);
}

static void put64(struct pdb *b, size_t off, uint64_t v)
{
	memcpy(b->data + off, &v, 8);
}

static void test_perf_data_absurd_sizes(void **state)
{
	static const struct {
		size_t off;
		uint64_t val;
		const char *want;
	} hdr_cases[] = {
		{ 8, 1ULL << 62, "header size" },          /* header size */
		{ 16, 1ULL << 40, "attr size" },           /* attr_size */
		{ 16, 12, "attr size" },
		{ 24, ~0ULL - 4, "attrs section" },        /* attrs offset past the end */
		{ 32, 1ULL << 63, "attrs section" },       /* attrs size */
		{ 32, 0, "lists no events" },
		{ 40, 1ULL << 50, "data section" },        /* data offset */
		{ 48, ~0ULL, "truncated" },                /* data size */
		{ 104 + 128, ~0ULL, "ids" },               /* ids offset */
		{ 104 + 136, 1ULL << 62, "ids" },          /* ids size */
	};
	uint64_t chain[3] = { PERF_CONTEXT_USER, 0x401000, 0x401100 };
	struct buf msg;

	buf_init(&msg);
	for (size_t i = 0; i < sizeof(hdr_cases) / sizeof(hdr_cases[0]); i++) {
		struct pdb b;
		struct seen w = { 0 };
		int rc;

		pdb_begin(&b, false, 0);
		pdb_comm(&b, 10, 10, "x", true, 100);
		pdb_sample(&b, 0x401000, 10, 10, 200, 1000, chain, 3, PERF_RECORD_MISC_USER);
		pdb_end(&b);
		put64(&b, hdr_cases[i].off, hdr_cases[i].val);
		rc = read_mem(b.data, b.len, &w, &msg);
		assert_true(rc < 0);
		if (!strstr(msg.data, hdr_cases[i].want))
			fail_msg("case %zu: '%s' lacks '%s'", i, msg.data, hdr_cases[i].want);
		free(b.data);
	}
	/* inside records: callchain nr, record size 0, size past the end, attr size in a pipe */
	{
		struct pdb b;
		struct seen w = { 0 };
		struct perf_data_stats st;
		struct errbuf e;
		struct perf_data *d;
		size_t at;

		pdb_begin(&b, false, 0);
		pdb_comm(&b, 10, 10, "x", true, 100);
		at = b.len;
		pdb_sample(&b, 0x401000, 10, 10, 200, 1000, chain, 3, PERF_RECORD_MISC_USER);
		pdb_sample(&b, 0x401000, 10, 10, 300, 1000, chain, 3, PERF_RECORD_MISC_USER);
		pdb_end(&b);
		put64(&b, at + 8 + 32, 1ULL << 60); /* nr of the first sample's callchain */
		errbuf_init(&e);
		d = perf_data_open_mem(b.data, b.len, "x", &e);
		assert_non_null(d);
		assert_int_equal(perf_data_read(d, &seen_ops, &w, &e), 0);
		perf_data_get_stats(d, &st);
		assert_int_equal(st.malformed, 1); /* skipped, counted; the next sample reads fine */
		assert_int_equal(w.samples, 1);
		perf_data_close(d);
		errbuf_release(&e);

		memset(b.data + at + 6, 0, 2); /* record size 0 */
		assert_int_equal(read_mem(b.data, b.len, &w, &msg), -EBADMSG);
		assert_non_null(strstr(msg.data, "offset"));
		assert_non_null(strstr(msg.data, "size below 8"));
		free(b.data);
	}
	{
		struct pdb b;
		struct seen w = { 0 };
		uint32_t huge = 1u << 30;

		pdb_begin(&b, true, 0);
		memcpy(b.data + 16 + 8 + 4, &huge, 4); /* HEADER_ATTR's attr.size */
		pdb_sample(&b, 0x401000, 10, 10, 200, 1000, chain, 3, PERF_RECORD_MISC_USER);
		assert_int_equal(read_mem(b.data, b.len, &w, &msg), -EBADMSG);
		assert_non_null(strstr(msg.data, "offset 16"));
		free(b.data);
	}
	buf_release(&msg);
}

static void test_perf_data_not_perf_data(void **state)
{
	struct buf msg;
	struct seen w = { 0 };
	uint8_t swapped[128] = { '2', 'E', 'L', 'I', 'F', 'R', 'E', 'P' };

	buf_init(&msg);
	assert_int_equal(read_mem("hello world, not perf", 21, &w, &msg), -EBADMSG);
	assert_non_null(strstr(msg.data, "not a perf.data file"));
	assert_int_equal(read_mem("", 0, &w, &msg), -EBADMSG);
	assert_non_null(strstr(msg.data, "empty"));
	assert_int_equal(read_mem(swapped, sizeof(swapped), &w, &msg), -ENOTSUP);
	assert_non_null(strstr(msg.data, "byte order"));
	assert_true(perf_data_has_magic("PERFILE2xx", 10));
	assert_true(perf_data_has_magic(swapped, 8));
	assert_false(perf_data_has_magic("PERFFILE", 8));
	assert_false(perf_data_has_magic("PERF", 4));
	buf_release(&msg);
}

/* perf's ordering: records of a round are delivered by time, held until the next round passes them. */
static void test_perf_data_round_ordering(void **state)
{
	struct pdb b;
	struct seen w = { .record_order = true };
	uint64_t chain[2] = { PERF_CONTEXT_USER, 0x401000 };

	pdb_begin(&b, false, 0);
	/* round 1: two CPUs' buffers, each in order */
	pdb_sample(&b, 1, 1, 1, 1000000, 1, chain, 2, PERF_RECORD_MISC_USER);
	pdb_sample(&b, 1, 1, 1, 3000000, 1, chain, 2, PERF_RECORD_MISC_USER);
	pdb_sample(&b, 1, 2, 2, 2000000, 1, chain, 2, PERF_RECORD_MISC_USER);
	pdb_finished_round(&b);
	/* round 2 holds an event older than round 1's newest: still delivered in order */
	pdb_sample(&b, 1, 2, 2, 2500000, 1, chain, 2, PERF_RECORD_MISC_USER);
	pdb_sample(&b, 1, 1, 1, 4000000, 1, chain, 2, PERF_RECORD_MISC_USER);
	pdb_sample(&b, 1, 3, 3, 3000000, 1, chain, 2, PERF_RECORD_MISC_USER); /* tie: after tid 1's */
	pdb_finished_round(&b);
	pdb_end(&b);
	buf_init(&w.order);
	assert_int_equal(read_mem(b.data, b.len, &w, NULL), 0);
	assert_string_equal(w.order.data, "1 0.001000\n2 0.002000\n2 0.002500\n1 0.003000\n3 0.003000\n1 0.004000\n");
	buf_release(&w.order);
	free(b.data);
}

/* EVENT_UPDATE records (pipe mode): type 2 names the event; type 3 (a CPU map) must not. */
static void test_perf_data_event_update_name(void **state)
{
	struct pdb b;
	struct pdb_body x = { .n = 0 };
	struct errbuf e;
	uint64_t chain[2] = { PERF_CONTEXT_USER, 0x401000 };

	pdb_begin(&b, true, 0);
	pdb_b64(&x, 3); /* PERF_EVENT_UPDATE__CPUS */
	pdb_b64(&x, 7);
	pdb_b64(&x, 0x0000000200000000ULL);
	pdb_record(&b, PERF_DATA_EVENT_UPDATE, 0, x.d, x.n);
	x.n = 0;
	pdb_b64(&x, 2); /* PERF_EVENT_UPDATE__NAME */
	pdb_b64(&x, 7);
	pdb_bstr(&x, "my-event");
	pdb_record(&b, PERF_DATA_EVENT_UPDATE, 0, x.d, x.n);
	pdb_sample(&b, 0x401000, 10, 10, 100, 1000, chain, 2, PERF_RECORD_MISC_USER);
	errbuf_init(&e);
	struct perf_data *d = perf_data_open_mem(b.data, b.len, "update.data", &e);
	assert_non_null(d);
	assert_int_equal(perf_data_read(d, &seen_ops, &(struct seen){ 0 }, &e), 0);
	assert_int_equal(perf_data_attr_count(d), 1);
	assert_string_equal(perf_data_attr_get(d, 0)->name, "my-event");
	perf_data_close(d);
	errbuf_release(&e);
	free(b.data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_perf_data_fixtures_match_perf_script_order),
		cmocka_unit_test(test_perf_data_attrs_match_evlist),
		cmocka_unit_test(test_perf_data_features),
		cmocka_unit_test(test_perf_data_zstd),
		cmocka_unit_test(test_perf_data_pipe_stdin),
		cmocka_unit_test(test_perf_data_stop),
		cmocka_unit_test(test_perf_data_truncated_file),
		cmocka_unit_test(test_perf_data_truncated_pipe),
		cmocka_unit_test(test_perf_data_truncated_zstd),
		cmocka_unit_test(test_perf_data_truncated_keeps_samples),
		cmocka_unit_test(test_perf_data_flipped_bytes),
		cmocka_unit_test(test_perf_data_absurd_sizes),
		cmocka_unit_test(test_perf_data_not_perf_data),
		cmocka_unit_test(test_perf_data_event_update_name),
		cmocka_unit_test(test_perf_data_round_ordering),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: Apache-2.0
/* Unit tests of the perf.data writer (fold/perf_data_write*.c): files read back field by field with the decoder, limits, write errors. */
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

static char *tmp_path(const char *name)
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

static void hex(struct buf *b, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		buf_addf(b, "%02x", p[i]);
}

static int on_sample(const struct perf_sample *s, void *arg)
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

static int on_mmap(const struct perf_mmap_event *m, void *arg)
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

static int on_comm(const struct perf_comm_event *c, void *arg)
{
	struct seen *w = arg;
	buf_addf(&w->log, "comm pid=%d tid=%d '%s'%s t=%" PRIu64 "\n", c->pid, c->tid, c->comm, c->exec ? " exec" : "",
		 c->sid.time);
	return 0;
}

static int on_task(const struct perf_task_event *t, void *arg)
{
	struct seen *w = arg;
	buf_addf(&w->log, "%s pid=%d ppid=%d tid=%d ptid=%d time=%" PRIu64 " t=%" PRIu64 "\n", t->fork ? "fork" : "exit",
		 t->pid, t->ppid, t->tid, t->ptid, t->time, t->sid.time);
	return 0;
}

static int on_lost(const struct perf_lost_event *l, void *arg)
{
	struct seen *w = arg;
	buf_addf(&w->log, "lost%s n=%" PRIu64 " ev=%u t=%" PRIu64 "\n", l->samples ? "_samples" : "", l->lost,
		 l->sid.attr ? l->sid.attr->index : 99, l->sid.time);
	return 0;
}

static int on_build_id(const struct perf_build_id_event *b, void *arg)
{
	struct seen *w = arg;
	buf_addf(&w->bids, "bid pid=%d misc=%u ", b->pid, b->misc & 7);
	hex(&w->bids, b->build_id, b->build_id_len);
	buf_addf(&w->bids, " '%s'\n", b->filename);
	return 0;
}

static int on_other(const struct perf_record *r, void *arg)
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
static void read_all(struct perf_data *d, struct seen *w)
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

static void seen_release(struct seen *w)
{
	buf_release(&w->log);
	buf_release(&w->bids);
}

/* ---- a small recording ---------------------------------------------------------------------- */

static const uint8_t bid_app[20] = { 0x52, 0xcc, 0xd9, 0x64, 0x75, 0xaa, 0x24, 0x87, 0x07, 0x29,
				     0xb3, 0x11, 0xcd, 0x0d, 0x08, 0x87, 0x4c, 0x78, 0x60, 0xc3 };
static const uint8_t bid_libc[20] = { 0x93, 0xac, 0x61, 0xec, 0x5a, 0x8e, 0xb1, 0x39, 0x6f, 0x9f,
				      0xbd, 0x35, 0x0d, 0x16, 0x9a, 0x55, 0x85, 0x28, 0xa4, 0x0a };
static const uint8_t bid_kernel[20] = { 0xe4, 0xf1, 0x8d, 0x9d, 0xc1, 0xd0, 0xe6, 0xfc, 0x2b, 0x17,
					0xe9, 0x3e, 0x88, 0x5a, 0x64, 0x7b, 0x3c, 0x0a, 0x6f, 0xc1 };
static const uint64_t kips[] = { 0xffffffff81a00010ULL, 0xffffffff81b00020ULL };
static const uint64_t uips[] = { 0x5555555551a0ULL, 0x5555555552b0ULL, 0x7ffff7dd324aULL };

static const char *const cmdline[] = { "scorch", "record", "-o", "x.data", "--", "./app" };

static void write_recording(FILE *out, const char *name, const struct perf_data_writer_opts *o)
{
	struct errbuf e;
	struct perf_data_writer *w;
	struct perf_data_write_kernel k = { .text_start = 0xffffffff81000000ULL, .text_end = 0xffffffff82200000ULL,
					    .build_id_len = 20 };
	struct perf_data_write_mmap app = {
		.pid = 100, .tid = 100, .start = 0x555555555000ULL, .len = 0x2000, .pgoff = 0x1000,
		.prot = PROT_READ | PROT_EXEC, .flags = MAP_PRIVATE, .path = "/srv/app", .build_id = bid_app,
		.build_id_len = 20, .time = 1000,
	};
	struct perf_data_write_mmap libc = {
		.pid = 100, .tid = 100, .start = 0x7ffff7dac000ULL, .len = 0x155000, .pgoff = 0x26000, .maj = 8, .min = 1,
		.ino = 4242, .prot = PROT_READ | PROT_EXEC, .flags = MAP_PRIVATE,
		.path = "/usr/lib/x86_64-linux-gnu/libc.so.6", .time = 1000,
	};
	struct perf_data_write_mmap data = {
		.pid = 100, .tid = 100, .start = 0x555555559000ULL, .len = 0x1000, .pgoff = 0x4000,
		.prot = PROT_READ | PROT_WRITE, .flags = MAP_PRIVATE, .path = "/srv/app", .time = 1000,
	};
	struct perf_data_write_sample both = {
		.pid = 100, .tid = 101, .time = 3000, .cpu = 1, .kernel_ips = kips, .nkernel = 2, .user_ips = uips,
		.nuser = 3,
	};
	struct perf_data_write_sample user = {
		.pid = 100, .tid = 100, .time = 4000, .period = 777, .count = 3, .user_ips = uips, .nuser = 3,
	};
	struct perf_data_write_sample empty = { .pid = 100, .tid = 100, .time = 5000 };

	memcpy(k.build_id, bid_kernel, 20);
	errbuf_init(&e);
	w = perf_data_writer_open(out, name, o, &e);
	assert_non_null(w);
	assert_int_equal(perf_data_writer_comm(w, 100, 100, "app", true, 1000, &e), 0);
	assert_int_equal(perf_data_writer_mmap2(w, &app, &e), 0);
	assert_int_equal(perf_data_writer_mmap2(w, &libc, &e), 0);
	assert_int_equal(perf_data_writer_mmap2(w, &data, &e), 0);
	assert_int_equal(perf_data_writer_kernel_mmap(w, &k, 1000, &e), 0);
	assert_int_equal(perf_data_writer_fork(w, 100, 100, 101, 100, 2000, &e), 0);
	assert_int_equal(perf_data_writer_comm(w, 100, 101, "worker", false, 2000, &e), 0);
	assert_int_equal(perf_data_writer_sample(w, &both, &e), 0);
	assert_int_equal(perf_data_writer_sample(w, &user, &e), 0);
	assert_int_equal(perf_data_writer_sample(w, &empty, &e), 0);
	assert_int_equal(perf_data_writer_exit(w, 100, 100, 101, 100, 6000, &e), 0);
	assert_int_equal(perf_data_writer_lost(w, 0, 9, 6000, &e), 0);
	assert_int_equal(perf_data_writer_close(w, &e), 0);
	assert_int_equal(e.code, 0);
	errbuf_release(&e);
}

/* What the decoder must deliver for write_recording(), given `cpu` (opts.sample_cpu) and `ev` (attr index). */
static void expected_log(struct buf *b, bool cpu, bool no_time)
{
	uint64_t t1 = no_time ? 0 : 1000, t2 = no_time ? 0 : 2000, t6 = no_time ? 0 : 6000;
	const char *user_chain = "fffffffffffffe00,5555555551a0,5555555552b0,7ffff7dd324a";

	buf_init(b);
	buf_addf(b, "comm pid=100 tid=100 'app' exec t=%" PRIu64 "\n", t1);
	buf_addf(b, "mmap2 pid=100 tid=100 555555555000+2000@1000 misc=4002 prot=5 flags=2 bid=52ccd96475aa24870729b311cd0d08874c7860c3 '/srv/app' t=%" PRIu64 "\n", t1);
	buf_addf(b, "mmap2 pid=100 tid=100 7ffff7dac000+155000@26000 misc=2 prot=5 flags=2 dev=8:1 ino=4242 '/usr/lib/x86_64-linux-gnu/libc.so.6' t=%" PRIu64 "\n", t1);
	buf_addf(b, "mmap2 pid=100 tid=100 555555559000+1000@4000 misc=2002 prot=3 flags=2 dev=0:0 ino=0 '/srv/app' t=%" PRIu64 "\n", t1);
	buf_addf(b, "mmap pid=-1 tid=0 ffffffff81000000+1200000@ffffffff81000000 misc=1 '[kernel.kallsyms]_text' t=%" PRIu64 "\n", t1);
	buf_addf(b, "fork pid=100 ppid=100 tid=101 ptid=100 time=2000 t=%" PRIu64 "\n", t2);
	buf_addf(b, "comm pid=100 tid=101 'worker' t=%" PRIu64 "\n", t2);
	buf_addf(b, "sample ev=0 pid=100 tid=101 time=%d cpu=%d period=10101010 ip=ffffffff81a00010 misc=1 chain="
		 "ffffffffffffff80,ffffffff81a00010,ffffffff81b00020,%s\n", no_time ? 0 : 3000, cpu ? 1 : 0, user_chain);
	for (int i = 0; i < 3; i++)
		buf_addf(b, "sample ev=0 pid=100 tid=100 time=%d cpu=0 period=777 ip=5555555551a0 misc=2 chain=%s\n",
			 no_time ? 0 : 4000, user_chain);
	buf_addf(b, "sample ev=0 pid=100 tid=100 time=%d cpu=0 period=10101010 ip=0 misc=2 chain=\n", no_time ? 0 : 5000);
	buf_addf(b, "exit pid=100 ppid=100 tid=101 ptid=100 time=6000 t=%" PRIu64 "\n", t6);
	buf_addf(b, "lost_samples n=9 ev=0 t=%" PRIu64 "\n", t6);
}

static const char expected_bids[] =
	"bid pid=-1 misc=2 52ccd96475aa24870729b311cd0d08874c7860c3 '/srv/app'\n"
	"bid pid=-1 misc=1 e4f18d9dc1d0e6fc2b17e93e885a647b3c0a6fc1 '[kernel.kallsyms]'\n";

static const struct perf_data_write_event cpu_clock = { .type = PERF_DATA_WRITE_CPU_CLOCK, .freq = 99 };

static struct perf_data_writer_opts recording_opts(void)
{
	struct perf_data_writer_opts o = {
		.events = &cpu_clock, .nevents = 1, .hostname = "host-a", .osrelease = "6.1.0-test", .arch = "x86_64",
		.version = "scorch 0.1.0", .nr_cpus_online = 2, .nr_cpus_avail = 4, .argv = cmdline, .argc = 6,
	};
	return o;
}

static void check_attr_and_info(struct perf_data *d, bool pipe, bool no_time, bool cpu)
{
	const struct perf_data_info *in = perf_data_get_info(d);
	const struct perf_data_attr *a;
	uint64_t st = PERF_SAMPLE_IP | PERF_SAMPLE_TID | PERF_SAMPLE_PERIOD | PERF_SAMPLE_CALLCHAIN |
		      (no_time ? 0 : PERF_SAMPLE_TIME) | (cpu ? PERF_SAMPLE_CPU : 0);

	assert_int_equal(in->pipe, pipe);
	assert_string_equal(in->hostname, "host-a");
	assert_string_equal(in->osrelease, "6.1.0-test");
	assert_string_equal(in->arch, "x86_64");
	assert_string_equal(in->version, "scorch 0.1.0");
	assert_string_equal(in->cmdline, "scorch record -o x.data -- ./app");
	assert_int_equal(in->nr_cpus_online, 2);
	assert_int_equal(in->nr_cpus_avail, 4);
	if (!pipe && !no_time) {
		assert_int_equal(in->first_sample_time, 3000);
		assert_int_equal(in->last_sample_time, 5000);
	}
	assert_int_equal(perf_data_attr_count(d), 1);
	a = perf_data_attr_get(d, 0);
	assert_int_equal(a->type, PERF_TYPE_SOFTWARE);
	assert_int_equal(a->config, PERF_COUNT_SW_CPU_CLOCK);
	assert_int_equal(a->size, 128);
	assert_int_equal(a->sample_period, 99);
	assert_true(a->flags & PERF_ATTR_FLAG_FREQ);
	assert_true(a->flags & PERF_ATTR_FLAG_SAMPLE_ID_ALL);
	assert_int_equal(a->sample_type, st);
	assert_string_equal(a->name, "cpu-clock");
	assert_int_equal(a->nids, 1);
}

static void test_perf_data_write_file_round_trip(void **state)
{
	struct perf_data_writer_opts o = recording_opts();
	char *path = tmp_path("rt.data");
	FILE *f = fopen(path, "w");
	struct perf_data *d;
	struct seen w;
	struct buf want;
	struct stat sb;
	(void)state;

	assert_non_null(f);
	write_recording(f, path, &o);
	assert_int_equal(fclose(f), 0);
	d = perf_data_open(path, NULL);
	assert_non_null(d);
	check_attr_and_info(d, false, false, false);
	/* header sizes agree with the file: data, then the feature index and sections */
	assert_int_equal(stat(path, &sb), 0);
	assert_true(perf_data_get_info(d)->data_offset + perf_data_get_info(d)->data_size < (uint64_t)sb.st_size);
	read_all(d, &w);
	expected_log(&want, false, false);
	assert_string_equal(w.log.data, want.data);
	assert_string_equal(w.bids.data, expected_bids);
	seen_release(&w);
	buf_release(&want);
	perf_data_close(d);
	unlink(path);
}

static void test_perf_data_write_pipe_round_trip(void **state)
{
	struct perf_data_writer_opts o = recording_opts();
	char *path = tmp_path("rt-pipe.data");
	FILE *f = fopen(path, "w");
	struct perf_data *d;
	struct seen w;
	struct buf want;
	(void)state;

	o.pipe = true;
	o.sample_cpu = true;
	assert_non_null(f);
	write_recording(f, path, &o);
	assert_int_equal(fclose(f), 0);
	d = perf_data_open(path, NULL);
	assert_non_null(d);
	read_all(d, &w); /* pipe mode: the attrs and features come with the stream */
	check_attr_and_info(d, true, false, true);
	expected_log(&want, true, false);
	assert_string_equal(w.log.data, want.data);
	/* pipe mode: HEADER_BUILD_ID records, each before its first use */
	assert_string_equal(w.bids.data, expected_bids);
	seen_release(&w);
	buf_release(&want);
	perf_data_close(d);
	unlink(path);
}

/* An output that cannot seek (a pipe) gets pipe mode by itself. */
static void test_perf_data_write_pipe_detected(void **state)
{
	int fds[2], status;
	pid_t child;
	struct buf all = BUF_INIT;
	char chunk[4096];
	ssize_t n;
	struct perf_data *d;
	struct seen w;
	struct buf want;
	(void)state;

	assert_int_equal(pipe(fds), 0);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		struct perf_data_writer_opts o = recording_opts();
		FILE *out = fdopen(fds[1], "w");
		close(fds[0]);
		write_recording(out, "pipe", &o);
		_exit(fclose(out) ? 1 : 0);
	}
	close(fds[1]);
	while ((n = read(fds[0], chunk, sizeof(chunk))) > 0)
		buf_add(&all, chunk, (size_t)n);
	close(fds[0]);
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	d = perf_data_open_mem(all.data, all.len, "pipe", NULL);
	read_all(d, &w);
	check_attr_and_info(d, true, false, false);
	expected_log(&want, false, false);
	assert_string_equal(w.log.data, want.data);
	seen_release(&w);
	buf_release(&want);
	perf_data_close(d);
	buf_release(&all);
}

static void test_perf_data_write_no_time(void **state)
{
	struct perf_data_writer_opts o = recording_opts();
	char *path = tmp_path("notime.data");
	FILE *f = fopen(path, "w");
	struct perf_data *d;
	struct seen w;
	struct buf want;
	(void)state;

	o.no_time = true;
	write_recording(f, path, &o);
	assert_int_equal(fclose(f), 0);
	d = perf_data_open(path, NULL);
	check_attr_and_info(d, false, true, false);
	assert_false(perf_data_get_info(d)->features[0] & (1ULL << PERF_FEAT_SAMPLE_TIME));
	read_all(d, &w);
	expected_log(&want, false, true);
	assert_string_equal(w.log.data, want.data);
	seen_release(&w);
	buf_release(&want);
	perf_data_close(d);
	unlink(path);
}

/* Two events: IDENTIFIER in every sample and trailer, each sample back on its own attr, perf's names. */
static void test_perf_data_write_two_events(void **state)
{
	static const struct perf_data_write_event evs[2] = {
		{ .type = PERF_DATA_WRITE_CPU_CLOCK, .period = 250000, .exclude_kernel = true },
		{ .type = PERF_DATA_WRITE_OFFCPU },
	};
	struct perf_data_writer_opts o = { .events = evs, .nevents = 2 };
	struct perf_data_write_sample on = { .event = 0, .pid = 7, .tid = 7, .time = 10, .user_ips = uips, .nuser = 1 };
	struct perf_data_write_sample off = { .event = 1, .pid = 7, .tid = 8, .time = 20, .period = 5000000,
					      .kernel_ips = kips, .nkernel = 1, .user_ips = uips, .nuser = 2 };
	char *path = tmp_path("two.data");
	FILE *f = fopen(path, "w");
	struct perf_data_writer *w;
	struct perf_data *d;
	const struct perf_data_attr *a0, *a1;
	struct errbuf e;
	struct seen s;
	(void)state;

	errbuf_init(&e);
	w = perf_data_writer_open(f, path, &o, &e);
	assert_non_null(w);
	assert_int_equal(perf_data_writer_comm(w, 7, 7, "two", false, 1, &e), 0);
	assert_int_equal(perf_data_writer_sample(w, &on, &e), 0);
	assert_int_equal(perf_data_writer_sample(w, &off, &e), 0);
	assert_int_equal(perf_data_writer_lost(w, 1, 4, 30, &e), 0);
	off.event = 2;
	assert_int_equal(perf_data_writer_sample(w, &off, &e), -EINVAL);
	assert_non_null(strstr(e.msg.data, "event 2"));
	errbuf_release(&e);
	assert_int_equal(perf_data_writer_close(w, &e), 0);
	assert_int_equal(fclose(f), 0);

	d = perf_data_open(path, NULL);
	assert_int_equal(perf_data_attr_count(d), 2);
	a0 = perf_data_attr_get(d, 0);
	a1 = perf_data_attr_get(d, 1);
	assert_string_equal(a0->name, "cpu-clock:u");
	assert_int_equal(a0->config, PERF_COUNT_SW_CPU_CLOCK);
	assert_int_equal(a0->sample_period, 250000);
	assert_false(a0->flags & PERF_ATTR_FLAG_FREQ);
	assert_true(a0->flags & (1ULL << 5)); /* exclude_kernel */
	assert_string_equal(a1->name, "offcpu-time");
	assert_int_equal(a1->type, PERF_TYPE_SOFTWARE);
	assert_int_equal(a1->config, PERF_COUNT_SW_BPF_OUTPUT);
	assert_int_equal(a1->sample_period, 1);
	assert_true(a0->sample_type & PERF_SAMPLE_IDENTIFIER);
	assert_int_equal(a0->sample_type, a1->sample_type);
	assert_int_not_equal(a0->ids[0], a1->ids[0]);
	read_all(d, &s);
	assert_string_equal(s.log.data,
			    "comm pid=7 tid=7 'two' t=1\n"
			    "sample ev=0 pid=7 tid=7 time=10 cpu=0 period=250000 ip=5555555551a0 misc=2 chain=fffffffffffffe00,5555555551a0\n"
			    "sample ev=1 pid=7 tid=8 time=20 cpu=0 period=5000000 ip=ffffffff81a00010 misc=1 chain=ffffffffffffff80,ffffffff81a00010,fffffffffffffe00,5555555551a0,5555555552b0\n"
			    "lost_samples n=4 ev=1 t=30\n");
	assert_string_equal(s.bids.data, "");
	seen_release(&s);
	perf_data_close(d);
	unlink(path);
}

/* Deeper than max_stack: the kernel part first, then as much of the user part as fits, markers not counted. */
static void test_perf_data_write_stack_cut(void **state)
{
	static uint64_t k[300], u[300];
	struct perf_data_writer_opts o = { .events = &cpu_clock, .nevents = 1 };
	struct perf_data_write_sample s = { .pid = 1, .tid = 1, .time = 5, .kernel_ips = k, .user_ips = u };
	char *path = tmp_path("deep.data");
	FILE *f = fopen(path, "w");
	struct perf_data_writer *w;
	struct perf_data_writer_stats st;
	struct perf_data *d;
	struct errbuf e;
	struct seen seen;
	char *line;
	static const size_t cases[][4] = { /* nkernel, nuser -> kept kernel, kept user */
		{ 100, 100, 100, 27 }, { 200, 5, 127, 0 }, { 0, 300, 0, 127 }, { 60, 67, 60, 67 }, { 0, 0, 0, 0 },
	};
	(void)state;

	for (size_t i = 0; i < 300; i++) {
		k[i] = 0xffffffff81000000ULL + i;
		u[i] = 0x400000 + i;
	}
	errbuf_init(&e);
	w = perf_data_writer_open(f, path, &o, &e);
	for (size_t i = 0; i < 5; i++) {
		s.nkernel = cases[i][0];
		s.nuser = cases[i][1];
		s.count = i + 1;
		assert_int_equal(perf_data_writer_sample(w, &s, &e), 0);
	}
	perf_data_writer_get_stats(w, &st);
	assert_int_equal(st.stacks_cut, 1 + 2 + 3);
	assert_int_equal(st.samples, 1 + 2 + 3 + 4 + 5);
	assert_int_equal(perf_data_writer_close(w, &e), 0);
	assert_int_equal(fclose(f), 0);
	d = perf_data_open(path, NULL);
	read_all(d, &seen);
	line = seen.log.data;
	for (size_t i = 0; i < 5; i++) {
		for (size_t rep = 0; rep <= i; rep++) {
			struct buf want = BUF_INIT;
			size_t len;

			buf_addf(&want, "sample ev=0 pid=1 tid=1 time=5 cpu=0 period=10101010 ip=%" PRIx64 " misc=%d chain=",
				 cases[i][2] ? k[0] : cases[i][3] ? u[0] : 0, cases[i][2] ? 1 : 2);
			if (cases[i][2])
				buf_addstr(&want, "ffffffffffffff80");
			for (size_t j = 0; j < cases[i][2]; j++)
				buf_addf(&want, ",%" PRIx64, k[j]);
			if (cases[i][3])
				buf_addstr(&want, cases[i][2] ? ",fffffffffffffe00" : "fffffffffffffe00");
			for (size_t j = 0; j < cases[i][3]; j++)
				buf_addf(&want, ",%" PRIx64, u[j]);
			buf_addch(&want, '\n');
			len = strcspn(line, "\n") + 1;
			assert_int_equal(len, want.len);
			assert_memory_equal(line, want.data, len);
			line += len;
			buf_release(&want);
		}
	}
	assert_string_equal(line, "");
	seen_release(&seen);
	perf_data_close(d);
	unlink(path);

	/* a smaller max_stack is honoured the same way */
	o.max_stack = 10;
	f = fopen(path, "w");
	w = perf_data_writer_open(f, path, &o, &e);
	s.nkernel = 4;
	s.nuser = 20;
	s.count = 1;
	assert_int_equal(perf_data_writer_sample(w, &s, &e), 0);
	assert_int_equal(perf_data_writer_close(w, &e), 0);
	assert_int_equal(fclose(f), 0);
	d = perf_data_open(path, NULL);
	read_all(d, &seen);
	assert_string_equal(seen.log.data, "sample ev=0 pid=1 tid=1 time=5 cpu=0 period=10101010 ip=ffffffff81000000 misc=1 "
			    "chain=ffffffffffffff80,ffffffff81000000,ffffffff81000001,ffffffff81000002,ffffffff81000003,"
			    "fffffffffffffe00,400000,400001,400002,400003,400004,400005\n");
	seen_release(&seen);
	perf_data_close(d);
	unlink(path);
	errbuf_release(&e);
}

/* Names and paths the kernel could never report: cut (comm) or refused (path) so perf still reads the file. */
static void test_perf_data_write_long_inputs(void **state)
{
	struct perf_data_writer_opts o = { .events = &cpu_clock, .nevents = 1 };
	char *path = tmp_path("long.data"), *longpath = malloc(5001);
	FILE *f = fopen(path, "w");
	struct perf_data_writer *w;
	struct perf_data_writer_stats st;
	struct perf_data *d;
	struct errbuf e;
	struct seen seen;
	uint8_t big_id[21] = { 1 };
	struct perf_data_write_mmap m = { .pid = 3, .tid = 3, .start = 0x1000, .len = 0x1000, .prot = PROT_EXEC,
					  .path = longpath, .time = 1 };
	(void)state;

	memset(longpath, 'a', 5000);
	longpath[0] = '/';
	longpath[5000] = 0;
	errbuf_init(&e);
	w = perf_data_writer_open(f, path, &o, &e);
	assert_int_equal(perf_data_writer_comm(w, 3, 3, "a-name-of-forty-characters-for-a-thread", false, 1, &e), 0);
	assert_int_equal(perf_data_writer_mmap2(w, &m, &e), -ENAMETOOLONG);
	assert_string_equal(e.msg.data, "mapping of pid 3 at 0x1000 skipped: path longer than 4095 bytes");
	errbuf_release(&e);
	longpath[4095] = 0; /* 4095 bytes: the longest the kernel reports */
	assert_int_equal(perf_data_writer_mmap2(w, &m, &e), 0);
	m.path = "/ok";
	m.build_id = big_id;
	m.build_id_len = 21;
	assert_int_equal(perf_data_writer_mmap2(w, &m, &e), -EINVAL);
	assert_non_null(strstr(e.msg.data, "build-id of 21 bytes"));
	errbuf_release(&e);
	perf_data_writer_get_stats(w, &st);
	assert_int_equal(st.comms_cut, 1);
	assert_int_equal(st.mmaps_skipped, 1);
	assert_int_equal(perf_data_writer_close(w, &e), 0);
	assert_int_equal(fclose(f), 0);
	d = perf_data_open(path, NULL);
	read_all(d, &seen);
	{
		struct buf want = BUF_INIT;
		buf_addf(&want, "comm pid=3 tid=3 'a-name-of-forty' t=1\n"
			 "mmap2 pid=3 tid=3 1000+1000@0 misc=2 prot=4 flags=0 dev=0:0 ino=0 '%s' t=1\n", longpath);
		assert_int_equal(strlen(longpath), 4095);
		assert_string_equal(seen.log.data, want.data);
		buf_release(&want);
	}
	seen_release(&seen);
	perf_data_close(d);
	unlink(path);
	free(longpath);
}

/* The same (path, build-id) mapped again, or by another process, is one BUILD_ID entry. */
static void test_perf_data_write_build_id_once(void **state)
{
	struct perf_data_writer_opts o = { .events = &cpu_clock, .nevents = 1 };
	char *path = tmp_path("bid.data");
	FILE *f = fopen(path, "w");
	struct perf_data_writer *w;
	struct perf_data_writer_stats st;
	struct perf_data *d;
	struct errbuf e;
	struct seen seen;
	struct perf_data_write_mmap m = { .pid = 3, .tid = 3, .start = 0x1000, .len = 0x1000, .prot = PROT_EXEC,
					  .path = "/usr/lib/x86_64-linux-gnu/libc.so.6", .build_id = bid_libc,
					  .build_id_len = 20, .time = 1 };
	(void)state;

	errbuf_init(&e);
	w = perf_data_writer_open(f, path, &o, &e);
	assert_int_equal(perf_data_writer_mmap2(w, &m, &e), 0);
	m.pid = m.tid = 4;
	assert_int_equal(perf_data_writer_mmap2(w, &m, &e), 0);
	m.build_id_len = 16; /* a shorter (md5-style) id is another one */
	assert_int_equal(perf_data_writer_mmap2(w, &m, &e), 0);
	m.path = "/bin/other";
	assert_int_equal(perf_data_writer_mmap2(w, &m, &e), 0);
	perf_data_writer_get_stats(w, &st);
	assert_int_equal(st.build_ids, 3);
	assert_int_equal(perf_data_writer_close(w, &e), 0);
	assert_int_equal(fclose(f), 0);
	d = perf_data_open(path, NULL);
	read_all(d, &seen);
	assert_string_equal(seen.bids.data,
			    "bid pid=-1 misc=2 93ac61ec5a8eb1396f9fbd350d169a558528a40a '/usr/lib/x86_64-linux-gnu/libc.so.6'\n"
			    "bid pid=-1 misc=2 93ac61ec5a8eb1396f9fbd350d169a55 '/usr/lib/x86_64-linux-gnu/libc.so.6'\n"
			    "bid pid=-1 misc=2 93ac61ec5a8eb1396f9fbd350d169a55 '/bin/other'\n");
	seen_release(&seen);
	perf_data_close(d);
	unlink(path);
	errbuf_release(&e);
}

/* Nothing written but the header: a valid file with its features. */
static void test_perf_data_write_empty(void **state)
{
	struct perf_data_writer_opts o = { .events = &cpu_clock, .nevents = 1 };
	char *path = tmp_path("empty.data");
	FILE *f = fopen(path, "w");
	struct perf_data_writer *w;
	struct perf_data_writer_stats st;
	struct perf_data *d;
	struct errbuf e;
	struct seen seen;
	struct stat sb;
	(void)state;

	errbuf_init(&e);
	w = perf_data_writer_open(f, path, &o, &e);
	assert_int_equal(perf_data_writer_close(w, &e), 0);
	assert_int_equal(fclose(f), 0);
	d = perf_data_open(path, NULL);
	assert_non_null(d);
	assert_int_equal(perf_data_get_info(d)->data_size, 8); /* a FINISHED_ROUND: 0 would mean "read to the end" */
	assert_true(perf_data_get_info(d)->hostname[0]); /* uname's */
	assert_true(perf_data_get_info(d)->nr_cpus_online >= 1);
	read_all(d, &seen);
	assert_string_equal(seen.log.data, "");
	seen_release(&seen);
	perf_data_close(d);

	/* stats.bytes counts the bytes written so far: header, attr, id, then the records */
	f = fopen(path, "w");
	w = perf_data_writer_open(f, path, &o, &e);
	assert_int_equal(perf_data_writer_comm(w, 1, 1, "x", false, 1, &e), 0);
	perf_data_writer_get_stats(w, &st);
	assert_false(st.pipe);
	assert_int_equal(perf_data_writer_close(w, &e), 0);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(st.bytes, 104 + 144 + 8 + 40);
	assert_true((uint64_t)sb.st_size > st.bytes); /* and the features after the data */
	unlink(path);
	errbuf_release(&e);
}

/* ---- failures ------------------------------------------------------------------------------- */

static void test_perf_data_write_bad_options(void **state)
{
	static const struct perf_data_write_event both = { .type = PERF_DATA_WRITE_CPU_CLOCK, .exclude_user = true,
							   .exclude_kernel = true };
	static const struct perf_data_write_event bad_type = { .type = 7 };
	struct perf_data_write_event evs[PERF_DATA_WRITE_MAX_EVENTS + 1];
	struct perf_data_writer_opts o = { .events = evs, .nevents = 0 };
	char *name = malloc(2000);
	struct errbuf e;
	(void)state;

	for (size_t i = 0; i <= PERF_DATA_WRITE_MAX_EVENTS; i++)
		evs[i] = cpu_clock;
	errbuf_init(&e);
	assert_null(perf_data_writer_open(stdout, "x", &o, &e));
	assert_string_equal(e.msg.data, "cannot write 'x': 0 events (1 to 16)");
	errbuf_release(&e);
	o.nevents = PERF_DATA_WRITE_MAX_EVENTS + 1;
	assert_null(perf_data_writer_open(stdout, "x", &o, &e));
	assert_int_equal(errno, EINVAL);
	errbuf_release(&e);
	o.nevents = 1;
	o.max_stack = 5000;
	assert_null(perf_data_writer_open(stdout, "x", &o, &e));
	assert_non_null(strstr(e.msg.data, "max stack 5000"));
	errbuf_release(&e);
	o.max_stack = 0;
	o.events = &both;
	assert_null(perf_data_writer_open(stdout, "x", &o, &e));
	assert_non_null(strstr(e.msg.data, "excludes both"));
	errbuf_release(&e);
	o.events = &bad_type;
	assert_null(perf_data_writer_open(stdout, "x", &o, &e));
	assert_non_null(strstr(e.msg.data, "unknown type"));
	errbuf_release(&e);
	memset(name, 'n', 1999);
	name[1999] = 0;
	evs[0].name = name;
	o.events = evs;
	assert_null(perf_data_writer_open(stdout, "x", &o, &e));
	assert_non_null(strstr(e.msg.data, "name longer than"));
	errbuf_release(&e);
	assert_null(perf_data_writer_open(stdout, "x", NULL, &e));
	errbuf_release(&e);
	free(name);
	perf_data_writer_free(NULL);
	assert_int_equal(perf_data_writer_close(NULL, NULL), 0);
}

/* A full disk: the error names the output and the cause, and sticks. */
static void test_perf_data_write_dev_full(void **state)
{
	struct perf_data_writer_opts o = { .events = &cpu_clock, .nevents = 1 };
	struct perf_data_write_sample s = { .pid = 1, .tid = 1, .user_ips = uips, .nuser = 3, .count = 10000 };
	FILE *f = fopen("/dev/full", "w");
	struct perf_data_writer *w;
	struct errbuf e;
	int rc;
	(void)state;

	if (!f)
		skip();
	errbuf_init(&e);
	w = perf_data_writer_open(f, "/dev/full", &o, &e);
	assert_non_null(w); /* buffered: nothing reached the device yet */
	rc = perf_data_writer_sample(w, &s, &e); /* 1 MB: stdio flushes on the way */
	assert_int_equal(rc, -ENOSPC);
	assert_string_equal(e.msg.data, "cannot write '/dev/full': No space left on device");
	errbuf_release(&e);
	assert_int_equal(perf_data_writer_comm(w, 1, 1, "x", false, 0, &e), -ENOSPC);
	assert_string_equal(e.msg.data, "cannot write '/dev/full': No space left on device");
	errbuf_release(&e);
	assert_int_equal(perf_data_writer_close(w, &e), -ENOSPC);
	assert_string_equal(e.msg.data, "cannot write '/dev/full': No space left on device");
	errbuf_release(&e);
	fclose(f);

	/* a short write only seen at close */
	f = fopen("/dev/full", "w");
	w = perf_data_writer_open(f, "/dev/full", &o, &e);
	assert_non_null(w);
	assert_int_equal(perf_data_writer_close(w, &e), -ENOSPC);
	assert_string_equal(e.msg.data, "cannot write '/dev/full': No space left on device");
	errbuf_release(&e);
	fclose(f);
}

/* File mode into a memory stream too small for it: the seek-back path fails cleanly. */
static void test_perf_data_write_short_file(void **state)
{
	struct perf_data_writer_opts o = { .events = &cpu_clock, .nevents = 1 };
	char mem[512];
	FILE *f = fmemopen(mem, sizeof(mem), "w");
	struct perf_data_writer *w;
	struct errbuf e;
	int rc = 0;
	(void)state;

	assert_non_null(f);
	setvbuf(f, NULL, _IONBF, 0);
	errbuf_init(&e);
	w = perf_data_writer_open(f, "mem", &o, &e);
	assert_non_null(w);
	for (int i = 0; i < 20 && !rc; i++)
		rc = perf_data_writer_comm(w, 1, 1, "filler", false, 0, &e);
	assert_true(rc < 0); /* glibc's memory stream reports a short write without errno: EIO */
	assert_non_null(strstr(e.msg.data, "cannot write 'mem': "));
	errbuf_release(&e);
	assert_int_equal(perf_data_writer_close(w, &e), rc);
	errbuf_release(&e);
	fclose(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_perf_data_write_file_round_trip),
		cmocka_unit_test(test_perf_data_write_pipe_round_trip),
		cmocka_unit_test(test_perf_data_write_pipe_detected),
		cmocka_unit_test(test_perf_data_write_no_time),
		cmocka_unit_test(test_perf_data_write_two_events),
		cmocka_unit_test(test_perf_data_write_stack_cut),
		cmocka_unit_test(test_perf_data_write_long_inputs),
		cmocka_unit_test(test_perf_data_write_build_id_once),
		cmocka_unit_test(test_perf_data_write_empty),
		cmocka_unit_test(test_perf_data_write_bad_options),
		cmocka_unit_test(test_perf_data_write_dev_full),
		cmocka_unit_test(test_perf_data_write_short_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

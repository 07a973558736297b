// SPDX-License-Identifier: Apache-2.0
/* Unit tests of the perf.data writer (fold/perf_data_write*.c): a small recording in file and pipe mode, read back field by field. */
#include "tests/fold/perf_data_write_fixture.h"

/* ---- a small recording ---------------------------------------------------------------------- */

static const uint8_t bid_app[20] = { 0x52, 0xcc, 0xd9, 0x64, 0x75, 0xaa, 0x24, 0x87, 0x07, 0x29,
				     0xb3, 0x11, 0xcd, 0x0d, 0x08, 0x87, 0x4c, 0x78, 0x60, 0xc3 };
static const uint8_t bid_kernel[20] = { 0xe4, 0xf1, 0x8d, 0x9d, 0xc1, 0xd0, 0xe6, 0xfc, 0x2b, 0x17,
					0xe9, 0x3e, 0x88, 0x5a, 0x64, 0x7b, 0x3c, 0x0a, 0x6f, 0xc1 };

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_perf_data_write_file_round_trip),
		cmocka_unit_test(test_perf_data_write_pipe_round_trip),
		cmocka_unit_test(test_perf_data_write_pipe_detected),
		cmocka_unit_test(test_perf_data_write_no_time),
		cmocka_unit_test(test_perf_data_write_two_events),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

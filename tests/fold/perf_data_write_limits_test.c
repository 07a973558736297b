// SPDX-License-Identifier: Apache-2.0
/* Unit tests of the perf.data writer's limits: stacks over max_stack, over-long names and paths, build-ids once, an empty file. */
#include "tests/fold/perf_data_write_fixture.h"

/* ---- limits ------------------------------------------------------------------------------- */

static const uint8_t bid_libc[20] = { 0x93, 0xac, 0x61, 0xec, 0x5a, 0x8e, 0xb1, 0x39, 0x6f, 0x9f,
				      0xbd, 0x35, 0x0d, 0x16, 0x9a, 0x55, 0x85, 0x28, 0xa4, 0x0a };

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_perf_data_write_stack_cut),
		cmocka_unit_test(test_perf_data_write_long_inputs),
		cmocka_unit_test(test_perf_data_write_build_id_once),
		cmocka_unit_test(test_perf_data_write_empty),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

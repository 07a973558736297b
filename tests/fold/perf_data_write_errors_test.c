// SPDX-License-Identifier: Apache-2.0
/* Unit tests of the perf.data writer's failures: bad options, a full disk, a short memory stream. */
#include "tests/fold/perf_data_write_fixture.h"

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
		cmocka_unit_test(test_perf_data_write_bad_options),
		cmocka_unit_test(test_perf_data_write_dev_full),
		cmocka_unit_test(test_perf_data_write_short_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: Apache-2.0
/* Unit tests of fold/perf_data_write_header.c: the running kernel's text and build-id from kallsyms and notes files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "fold/perf_data_write.h"
#include "lib/err.h"

static const uint8_t bid_kernel[20] = { 0xe4, 0xf1, 0x8d, 0x9d, 0xc1, 0xd0, 0xe6, 0xfc, 0x2b, 0x17,
					0xe9, 0x3e, 0x88, 0x5a, 0x64, 0x7b, 0x3c, 0x0a, 0x6f, 0xc1 };
static const struct perf_data_write_event cpu_clock = { .type = PERF_DATA_WRITE_CPU_CLOCK, .freq = 99 };

static char *tmp_path(const char *name)
{
	static char path[4096];
	const char *dir = getenv("TMPDIR");
	snprintf(path, sizeof(path), "%s/scorch-pdwh-%d-%s", dir && *dir ? dir : "/tmp", (int)getpid(), name);
	return path;
}

static void write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void test_perf_data_write_kernel_probe(void **state)
{
	static const char ksyms[] = "0000000000000000 A fixed_percpu_data\n"
				    "ffffffff81000000 T startup_64\n"
				    "ffffffff81000000 T _stext\n"
				    "ffffffff81000000 T _text\n"
				    "ffffffff81001000 t a_function_with_a_long_name\n"
				    "ffffffff822090c8 T _etext\n"
				    "ffffffffc0000000 t mod_fn\t[mod]\n";
	static const char hidden[] = "0000000000000000 T _text\n0000000000000000 T _etext\n";
	static const char no_text[] = "ffffffff81000000 T startup_64\nnot a line\n\n";
	/* two notes: "Xen" first (type 6), then GNU build-id (type 3) */
	static const uint8_t notes[] = {
		4, 0, 0, 0, 4, 0, 0, 0, 6, 0, 0, 0, 'X', 'e', 'n', 0, 1, 2, 3, 4,
		4, 0, 0, 0, 20, 0, 0, 0, 3, 0, 0, 0, 'G', 'N', 'U', 0,
		0xe4, 0xf1, 0x8d, 0x9d, 0xc1, 0xd0, 0xe6, 0xfc, 0x2b, 0x17, 0xe9, 0x3e, 0x88, 0x5a, 0x64, 0x7b, 0x3c, 0x0a,
		0x6f, 0xc1,
	};
	static const uint8_t bad_notes[] = { 4, 0, 0, 0, 0xff, 0xff, 0xff, 0x7f, 3, 0, 0, 0, 'G', 'N', 'U', 0 };
	struct perf_data_write_kernel k;
	struct errbuf e;
	char ks[4096], nt[4096];
	(void)state;

	snprintf(ks, sizeof(ks), "%s", tmp_path("kallsyms"));
	snprintf(nt, sizeof(nt), "%s", tmp_path("notes"));
	errbuf_init(&e);
	write_file(ks, ksyms, sizeof(ksyms) - 1);
	write_file(nt, notes, sizeof(notes));
	assert_int_equal(perf_data_kernel_probe(&k, ks, nt, &e), 0);
	assert_int_equal(k.text_start, 0xffffffff81000000ULL);
	assert_int_equal(k.text_end, 0xffffffff822090c8ULL);
	assert_int_equal(k.build_id_len, 20);
	assert_memory_equal(k.build_id, bid_kernel, 20);

	write_file(nt, bad_notes, sizeof(bad_notes)); /* a note claiming 2 GB: no build-id, no crash */
	assert_int_equal(perf_data_kernel_probe(&k, ks, nt, &e), 0);
	assert_int_equal(k.build_id_len, 0);
	assert_int_equal(perf_data_kernel_probe(&k, ks, tmp_path("no-such-notes"), &e), 0);
	assert_int_equal(k.build_id_len, 0);

	write_file(ks, hidden, sizeof(hidden) - 1);
	assert_int_equal(perf_data_kernel_probe(&k, ks, nt, &e), -EPERM);
	assert_non_null(strstr(e.msg.data, "kernel.kptr_restrict"));
	errbuf_release(&e);
	write_file(ks, no_text, sizeof(no_text) - 1);
	assert_int_equal(perf_data_kernel_probe(&k, ks, nt, &e), -ENOENT);
	assert_non_null(strstr(e.msg.data, "no _text symbol"));
	errbuf_release(&e);
	unlink(ks);
	assert_int_equal(perf_data_kernel_probe(&k, ks, nt, &e), -ENOENT);
	assert_non_null(strstr(e.msg.data, "cannot open"));
	errbuf_release(&e);
	unlink(nt);

	/* a kernel map ending before it starts is refused */
	{
		struct perf_data_writer_opts o = { .events = &cpu_clock, .nevents = 1 };
		FILE *f = fopen("/dev/null", "w");
		struct perf_data_writer *w = perf_data_writer_open(f, "/dev/null", &o, &e);
		struct perf_data_write_kernel bad = { .text_start = 0xffffffff82000000ULL, .text_end = 0xffffffff81000000ULL };
		assert_int_equal(perf_data_writer_kernel_mmap(w, &bad, 0, &e), -EINVAL);
		errbuf_release(&e);
		assert_int_equal(perf_data_writer_close(w, &e), 0);
		fclose(f);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_perf_data_write_kernel_probe),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

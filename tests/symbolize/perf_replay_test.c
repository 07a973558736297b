// SPDX-License-Identifier: Apache-2.0
/* Unit tests of the perf.data replay (symbolize/perf_replay*.c): threads, maps and names over time, options, damage. */
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

#include "fold/fold.h"
#include "fold/profile.h"
#include "lib/buf.h"
#include "lib/err.h"
#include "lib/file.h"
#include "symbolize/perf_replay.h"
#include "tests/fold/perf_data_build.h"

#define KBASE 0xffffffff81000000ULL
static char kallsyms_path[256];

static int setup(void **state)
{
	const char *tmp = getenv("TMPDIR");
	FILE *f;

	snprintf(kallsyms_path, sizeof(kallsyms_path), "%s/scorch-replay-kallsyms.%d", tmp ? tmp : "/tmp", (int)getpid());
	f = fopen(kallsyms_path, "w");
	if (!f)
		return -1;
	fprintf(f, "ffffffff81000000 T _stext\nffffffff81000100 T do_thing\nffffffff81000200 t helper_fn\n"
		   "ffffffff81000300 T _etext\n");
	return fclose(f);
}

static int teardown(void **state)
{
	unlink(kallsyms_path);
	return 0;
}

/* Replay `b` and return the folded text (owned by `out`). */
static int replay(struct pdb *b, struct perf_replay_opts *o, struct buf *out, struct buf *err_msg,
		  struct profile **keep)
{
	struct profile *p = profile_new();
	struct errbuf e;
	struct perf_replay_opts def = { 0 };
	char *text = NULL;
	size_t len = 0;
	FILE *mem;
	int rc;

	pdb_end(b);
	errbuf_init(&e);
	if (!o)
		o = &def;
	if (!o->kallsyms)
		o->kallsyms = kallsyms_path;
	rc = perf_replay_mem(b->data, b->len, "test.data", o, p, &e);
	buf_init(out);
	if (!rc) {
		mem = open_memstream(&text, &len);
		assert_int_equal(folded_write(p, mem, NULL, &e), 0);
		fclose(mem);
		buf_add(out, text, len);
		free(text);
	}
	if (err_msg) {
		buf_init(err_msg);
		buf_addstr(err_msg, e.msg.data);
	}
	errbuf_release(&e);
	if (keep)
		*keep = p;
	else
		profile_free(p);
	return rc;
}

static const uint64_t user_chain[] = { PERF_CONTEXT_USER, 0x401010, 0x402020 };

/* Names follow the thread over time, in time order even when records come out of order within a round. */
static void test_perf_replay_comm_over_time(void **state)
{
	struct pdb b;
	struct buf out;

	pdb_begin(&b, false, 0);
	pdb_comm(&b, 100, 100, "perf-exec", false, 0);
	pdb_comm(&b, 100, 100, "app", true, 1000);
	pdb_mmap2(&b, 100, 0x400000, 0x10000, 0, "/nonexistent/app", 1100);
	pdb_task(&b, true, 100, 100, 101, 100, 1200);                  /* a thread: inherits "app" */
	pdb_sample(&b, 0x401010, 100, 101, 1250, 7, user_chain, 3, PERF_RECORD_MISC_USER);
	pdb_comm(&b, 100, 101, "worker 1", false, 1500);                /* pthread_setname_np */
	pdb_sample(&b, 0x401010, 100, 101, 1300, 5, user_chain, 3, PERF_RECORD_MISC_USER); /* before the rename */
	pdb_finished_round(&b);
	pdb_sample(&b, 0x401010, 100, 101, 1600, 3, user_chain, 3, PERF_RECORD_MISC_USER);
	pdb_sample(&b, 0x401010, 100, 100, 1700, 2, user_chain, 3, PERF_RECORD_MISC_USER);
	pdb_sample(&b, 0x401010, 0, 0, 1800, 1, user_chain, 3, PERF_RECORD_MISC_USER);
	assert_int_equal(replay(&b, NULL, &out, NULL, NULL), 0);
	/* the binary is not found: frames are named after it; spaces in names become '_' */
	assert_string_equal(out.data, "app;[app];[app] 14\n"
				      "swapper;[unknown];[unknown] 1\n"
				      "worker_1;[app];[app] 3\n");
	buf_release(&out);
	free(b.data);
}

/* A forked process starts with its parent's maps; exec forgets them; a thread never seen is ":TID". */
static void test_perf_replay_fork_exec_maps(void **state)
{
	struct pdb b;
	struct buf out;

	pdb_begin(&b, false, 0);
	pdb_comm(&b, 200, 200, "parent", true, 100);
	pdb_mmap2(&b, 200, 0x400000, 0x10000, 0, "/nonexistent/parent", 110);
	pdb_task(&b, true, 201, 200, 201, 200, 200);                    /* fork: child 201 */
	pdb_sample(&b, 0x401010, 201, 201, 300, 1, user_chain, 3, PERF_RECORD_MISC_USER);
	pdb_comm(&b, 201, 201, "child", true, 400);                     /* exec: the old maps go */
	pdb_sample(&b, 0x401010, 201, 201, 500, 10, user_chain, 3, PERF_RECORD_MISC_USER);
	pdb_sample(&b, 0x401010, 300, 301, 600, 100, user_chain, 3, PERF_RECORD_MISC_USER);
	assert_int_equal(replay(&b, NULL, &out, NULL, NULL), 0);
	assert_string_equal(out.data, ":301;[unknown];[unknown] 100\n"
				      "child;[unknown];[unknown] 10\n"
				      "parent;[parent];[parent] 1\n");
	buf_release(&out);
	free(b.data);
}

/* Kernel frames from --kallsyms, user frames below them; context markers switch between the two. */
static void test_perf_replay_kernel_frames(void **state)
{
	struct pdb b;
	struct buf out;
	struct perf_replay_opts o = { .fold_flags = FOLD_KERNEL_TAG };
	const uint64_t chain[] = { PERF_CONTEXT_KERNEL, KBASE + 0x150, KBASE + 0x210, PERF_CONTEXT_USER, 0x401010 };

	pdb_begin(&b, false, 0);
	pdb_comm(&b, 10, 10, "k", true, 100);
	pdb_mmap2(&b, 10, 0x400000, 0x10000, 0, "/nonexistent/k", 110);
	pdb_sample(&b, KBASE + 0x150, 10, 10, 300, 1, chain, 5, PERF_RECORD_MISC_KERNEL);
	assert_int_equal(replay(&b, &o, &out, NULL, NULL), 0);
	assert_string_equal(out.data, "k;[k];helper_fn_[k];do_thing_[k] 1\n");
	buf_release(&out);
	free(b.data);
}

/* No callchain (recorded without -g): the sample's ip; an empty chain: the ip too. */
static void test_perf_replay_no_callchain(void **state)
{
	struct pdb b;
	struct buf out;

	pdb_begin(&b, false, 0);
	pdb_comm(&b, 10, 10, "nochain", true, 100);
	pdb_sample(&b, KBASE + 0x110, 10, 10, 300, 4, NULL, 0, PERF_RECORD_MISC_KERNEL);
	assert_int_equal(replay(&b, NULL, &out, NULL, NULL), 0);
	assert_string_equal(out.data, "nochain;do_thing 4\n");
	buf_release(&out);
	free(b.data);
}

/* --pid / --tid labels, --no-comm, --count samples, and the value type by event. */
static void test_perf_replay_options(void **state)
{
	static const struct {
		unsigned flags;
		bool samples;
		const char *want;
	} cases[] = {
		{ 0, false, "app;[app];[app] 30\n" },
		{ FOLD_PID, false, "app-100;[app];[app] 30\n" },
		{ FOLD_TID, false, "app-100/100;[app];[app] 10\napp-100/102;[app];[app] 20\n" },
		{ FOLD_NO_COMM, true, "[app];[app] 2\n" },
		{ FOLD_ADDRS, false, "app;[app <402020>];[app <401010>] 30\n" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pdb b;
		struct buf out;
		struct profile *p;
		struct perf_replay_opts o = { .fold_flags = cases[i].flags, .count_samples = cases[i].samples };

		pdb_begin(&b, false, 0);
		pdb_comm(&b, 100, 100, "app", true, 100);
		pdb_mmap2(&b, 100, 0x400000, 0x10000, 0, "/nonexistent/app", 110);
		pdb_task(&b, true, 100, 100, 102, 100, 120);
		pdb_sample(&b, 0x401010, 100, 100, 300, 10, user_chain, 3, PERF_RECORD_MISC_USER);
		pdb_sample(&b, 0x401010, 100, 102, 310, 20, user_chain, 3, PERF_RECORD_MISC_USER);
		assert_int_equal(replay(&b, &o, &out, NULL, &p), 0);
		if (strcmp(out.data, cases[i].want) != 0)
			fail_msg("case %zu: got '%s' want '%s'", i, out.data, cases[i].want);
		assert_string_equal(profile_meta_get(p, "event"), "cpu-clock");
		assert_string_equal(profile_str(p, profile_value_type(p, 0).type), cases[i].samples ? "samples" : "cpu");
		profile_free(p);
		buf_release(&out);
		free(b.data);
	}
}

static void test_perf_replay_filters(void **state)
{
	struct pdb b;
	struct buf out;
	int64_t tid = 102, pid = 100;
	const char *comm = "other";
	struct perf_replay_opts by_tid = { .tids = &tid, .ntids = 1 };
	struct perf_replay_opts by_pid = { .pids = &pid, .npids = 1 };
	struct perf_replay_opts by_comm = { .comms = &comm, .ncomms = 1 };
	struct perf_replay_stats st;

	pdb_begin(&b, false, 0);
	pdb_comm(&b, 100, 100, "app", true, 100);
	pdb_task(&b, true, 100, 100, 102, 100, 120);
	pdb_comm(&b, 200, 200, "other", true, 130);
	pdb_sample(&b, 0x401010, 100, 100, 300, 10, user_chain, 3, PERF_RECORD_MISC_USER);
	pdb_sample(&b, 0x401010, 100, 102, 310, 20, user_chain, 3, PERF_RECORD_MISC_USER);
	pdb_sample(&b, 0x401010, 200, 200, 320, 40, user_chain, 3, PERF_RECORD_MISC_USER);
	by_tid.stats = &st;
	assert_int_equal(replay(&b, &by_tid, &out, NULL, NULL), 0);
	assert_string_equal(out.data, "app;[unknown];[unknown] 20\n");
	assert_int_equal(st.filtered, 2);
	buf_release(&out);
	assert_int_equal(replay(&b, &by_pid, &out, NULL, NULL), 0);
	assert_string_equal(out.data, "app;[unknown];[unknown] 30\n");
	buf_release(&out);
	assert_int_equal(replay(&b, &by_comm, &out, NULL, NULL), 0);
	assert_string_equal(out.data, "other;[unknown];[unknown] 40\n");
	buf_release(&out);
	free(b.data);
}

/* Losses are data: LOST and LOST_SAMPLES records become profile losses. */
static void test_perf_replay_lost(void **state)
{
	struct pdb b;
	struct buf out;
	struct profile *p;
	struct pdb_body x = { .n = 0 };
	uint64_t count;
	bool records = false, samples = false;

	pdb_begin(&b, false, 0);
	pdb_comm(&b, 100, 100, "app", true, 100);
	pdb_b64(&x, 7);   /* id */
	pdb_b64(&x, 42);  /* lost */
	pdb_trailer(&x, 100, 100, 200);
	pdb_record(&b, PERF_RECORD_LOST, 0, x.d, x.n);
	x.n = 0;
	pdb_b64(&x, 5);
	pdb_trailer(&x, 100, 100, 210);
	pdb_record(&b, PERF_RECORD_LOST_SAMPLES, 0, x.d, x.n);
	pdb_sample(&b, 0x401010, 100, 100, 300, 10, user_chain, 3, PERF_RECORD_MISC_USER);
	assert_int_equal(replay(&b, NULL, &out, NULL, &p), 0);
	for (size_t i = 0; i < profile_loss_count(p); i++) {
		const char *why = profile_loss_get(p, i, &count);
		if (strstr(why, "ring buffer")) {
			records = true;
			assert_int_equal(count, 42);
		}
		if (strstr(why, "LOST_SAMPLES")) {
			samples = true;
			assert_int_equal(count, 5);
		}
	}
	assert_true(records && samples);
	profile_free(p);
	buf_release(&out);
	free(b.data);
}

/* Hostile periods: weights saturate below 2^63 instead of overflowing, and the cut is reported. */
static void test_perf_replay_huge_periods(void **state)
{
	struct pdb b;
	struct buf out;
	struct profile *p;
	const uint64_t other[] = { PERF_CONTEXT_USER, 0x401010 };
	bool reported = false;

	pdb_begin(&b, false, 0);
	pdb_comm(&b, 100, 100, "app", true, 100);
	pdb_sample(&b, 0x401010, 100, 100, 300, UINT64_MAX, user_chain, 3, PERF_RECORD_MISC_USER);
	pdb_sample(&b, 0x401010, 100, 100, 310, 1ULL << 62, user_chain, 3, PERF_RECORD_MISC_USER);
	pdb_sample(&b, 0x401010, 100, 100, 320, 1ULL << 62, other, 2, PERF_RECORD_MISC_USER);
	assert_int_equal(replay(&b, NULL, &out, NULL, &p), 0);
	assert_true(profile_total(p, 0) == INT64_MAX);
	for (size_t i = 0; i < profile_loss_count(p); i++) {
		uint64_t n;
		if (strstr(profile_loss_get(p, i, &n), "weights cut"))
			reported = true;
	}
	assert_true(reported);
	profile_free(p);
	buf_release(&out);
	free(b.data);
}

/* --event: a name the file lacks is an error that lists the events it has; modifiers may be left out. */
static void test_perf_replay_event_choice(void **state)
{
	struct pdb b;
	struct buf out, msg;
	struct perf_replay_opts bad = { .event = "cycles" }, good = { .event = "cpu-clock" };

	pdb_begin(&b, true, 0);
	pdb_comm(&b, 100, 100, "app", true, 100);
	pdb_sample(&b, 0x401010, 100, 100, 300, 10, user_chain, 3, PERF_RECORD_MISC_USER);
	assert_int_equal(replay(&b, &bad, &out, &msg, NULL), -ENOENT);
	assert_non_null(strstr(msg.data, "no event 'cycles'"));
	assert_non_null(strstr(msg.data, "'cpu-clock'"));
	buf_release(&msg);
	buf_release(&out);
	assert_int_equal(replay(&b, &good, &out, NULL, NULL), 0);
	assert_string_equal(out.data, "app;[unknown];[unknown] 10\n");
	buf_release(&out);
	free(b.data);
}

/* Damage: the samples before it stay, the damage is a loss; damage before any sample is an error. */
static void test_perf_replay_damage(void **state)
{
	struct pdb b;
	struct buf out, msg;
	struct profile *p;
	struct perf_replay_stats st;
	struct perf_replay_opts o = { .stats = &st };
	size_t cut;
	bool found = false;

	pdb_begin(&b, false, 0);
	pdb_comm(&b, 100, 100, "app", true, 100);
	pdb_sample(&b, 0x401010, 100, 100, 300, 10, user_chain, 3, PERF_RECORD_MISC_USER);
	pdb_finished_round(&b);
	cut = b.len;
	pdb_sample(&b, 0x401010, 100, 100, 400, 20, user_chain, 3, PERF_RECORD_MISC_USER);
	pdb_end(&b);
	b.len = cut + 12; /* the second sample is cut; the header still claims it */
	assert_int_equal(replay(&b, &o, &out, NULL, &p), 0);
	assert_string_equal(out.data, "app;[unknown];[unknown] 10\n");
	assert_true(st.damaged);
	for (size_t i = 0; i < profile_loss_count(p); i++) {
		uint64_t n;
		if (strstr(profile_loss_get(p, i, &n), "damaged at offset"))
			found = true;
	}
	assert_true(found);
	profile_free(p);
	buf_release(&out);

	b.len = cut - 20; /* inside the first sample: nothing to keep */
	assert_int_equal(replay(&b, NULL, &out, &msg, NULL), -EBADMSG);
	assert_non_null(strstr(msg.data, "offset"));
	buf_release(&out);
	buf_release(&msg);
	free(b.data);
}

/* Every cut of a real file replays without a crash; fewer samples, never more. Flipped bytes too. */
static void test_perf_replay_cut_and_flipped_fixture(void **state)
{
	const char *fx = getenv("SCORCH_FIXTURES");
	char path[4096];
	struct buf img;
	struct errbuf e;
	uint64_t full, x = 0x9e3779b97f4a7c15ULL;
	const uint8_t *d;
	uint64_t off, end;

	snprintf(path, sizeof(path), "%s/perf/d_mt_pipe.data", fx ? fx : "../shared/fixtures");
	buf_init(&img);
	errbuf_init(&e);
	if (file_read_all(path, &img, &e)) {
		errbuf_release(&e);
		skip();
	}
	{
		struct perf_replay_stats st;
		struct perf_replay_opts o = { .kallsyms = "/dev/null", .stats = &st };
		struct profile *p = profile_new();
		assert_int_equal(perf_replay_mem(img.data, img.len, "d", &o, p, &e), 0);
		full = st.samples;
		assert_int_equal(full, 1993);
		profile_free(p);
	}
	/* cut at every 150th record boundary and 9 bytes into it (each replay opens the real libc) */
	d = (const uint8_t *)img.data;
	end = img.len;
	off = 16;
	for (unsigned n = 0; off + 8 <= end; n++) {
		uint16_t size;

		memcpy(&size, d + off + 6, 2);
		if (n % 150 == 0) {
			for (int k = 0; k < 2; k++) {
				size_t cut = off + (k ? 9 : 0);
				uint8_t *copy = malloc(cut);
				struct perf_replay_stats st;
				struct perf_replay_opts o = { .kallsyms = "/dev/null", .stats = &st };
				struct profile *p = profile_new();

				memcpy(copy, d, cut);
				perf_replay_mem(copy, cut, "cut", &o, p, NULL);
				assert_true(st.samples <= full);
				profile_free(p);
				free(copy);
			}
		}
		off += size;
	}
	for (int r = 0; r < 16; r++) {
		uint8_t *copy = malloc(img.len);
		struct perf_replay_opts o = { .kallsyms = "/dev/null" };
		struct profile *p = profile_new();

		memcpy(copy, d, img.len);
		for (int k = 0; k < 4; k++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			copy[x % img.len] ^= (uint8_t)(x >> 56);
		}
		perf_replay_mem(copy, img.len, "flipped", &o, p, NULL);
		profile_free(p);
		free(copy);
	}
	errbuf_release(&e);
	buf_release(&img);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_perf_replay_comm_over_time),
		cmocka_unit_test(test_perf_replay_fork_exec_maps),
		cmocka_unit_test(test_perf_replay_kernel_frames),
		cmocka_unit_test(test_perf_replay_no_callchain),
		cmocka_unit_test(test_perf_replay_options),
		cmocka_unit_test(test_perf_replay_filters),
		cmocka_unit_test(test_perf_replay_lost),
		cmocka_unit_test(test_perf_replay_huge_periods),
		cmocka_unit_test(test_perf_replay_event_choice),
		cmocka_unit_test(test_perf_replay_damage),
		cmocka_unit_test(test_perf_replay_cut_and_flipped_fixture),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

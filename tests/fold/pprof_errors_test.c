// SPDX-License-Identifier: Apache-2.0
/* Unit tests of fold/pprof.c's failures: bad arguments, write errors, and every allocation failing in turn. */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>

/* ---- allocation failure injection (glibc lets a program replace malloc; not under ASan) -------- */

#ifndef __SANITIZE_ADDRESS__
extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t n);
extern void __libc_free(void *p);

static long alloc_fail_at = -1; /* fail the allocation with this index (counting from 0), -1: none */
static long alloc_count;        /* allocations since arming */
static long alloc_live;         /* blocks allocated and not freed */

static bool alloc_fails(void)
{
	if (alloc_fail_at < 0)
		return false;
	return alloc_count++ == alloc_fail_at;
}

void *malloc(size_t n)
{
	if (alloc_fails()) {
		errno = ENOMEM;
		return NULL;
	}
	void *p = __libc_malloc(n);
	alloc_live += p != NULL;
	return p;
}

void *calloc(size_t n, size_t size)
{
	if (alloc_fails()) {
		errno = ENOMEM;
		return NULL;
	}
	void *p = __libc_calloc(n, size);
	alloc_live += p != NULL;
	return p;
}

void *realloc(void *old, size_t n)
{
	if (alloc_fails()) {
		errno = ENOMEM;
		return NULL;
	}
	void *p = __libc_realloc(old, n);
	alloc_live += !old && p;
	return p;
}

void free(void *p)
{
	alloc_live -= p != NULL;
	__libc_free(p);
}
#endif

#include "tests/fold/pprof_fixture.h"

/* ---- tests ------------------------------------------------------------------------------------ */

static void test_pprof_bad_arguments(void **state)
{
	struct profile *p = profile_new();
	assert_non_null(p);
	struct errbuf err;
	errbuf_init(&err);
	FILE *f = fopen("/dev/null", "w");
	assert_non_null(f);
	assert_int_equal(pprof_write(f, p, NULL, &err), -ENODATA);
	assert_non_null(strstr(err.msg.data, "no value types"));
	assert_int_equal(profile_add_value_type(p, "samples", "count"), 0);
	struct pprof_opts o = { .level = 10 };
	errbuf_release(&err);
	assert_int_equal(pprof_write(f, p, &o, &err), -EINVAL);
	o = (struct pprof_opts){ .has_default_value = true, .default_value = 1 };
	errbuf_release(&err);
	assert_int_equal(pprof_write(f, p, &o, &err), -EINVAL);
	assert_int_equal(pprof_write(f, p, &o, NULL), -EINVAL);
	o = (struct pprof_opts){ .level = 9 };
	assert_int_equal(pprof_write(f, p, &o, NULL), 0);
	errbuf_release(&err);
	fclose(f);
	profile_free(p);
}

static void test_pprof_write_errors(void **state)
{
	struct profile *p = new_profile("samples", "count");
	int64_t one = 1;
	add(p, "a;b;c", &one);
	struct errbuf err;
	errbuf_init(&err);
	FILE *f = fopen("/dev/full", "w");
	if (!f)
		skip();
	assert_int_equal(pprof_write(f, p, NULL, &err), -EIO);
	assert_non_null(strstr(err.msg.data, "No space left on device"));
	fclose(f);
	errbuf_release(&err);
	/* unbuffered, so the very first write fails */
	f = fopen("/dev/full", "w");
	assert_non_null(f);
	setvbuf(f, NULL, _IONBF, 0);
	assert_int_equal(pprof_write(f, p, NULL, &err), -EIO);
	fclose(f);
	errbuf_release(&err);
	/* a stream opened for reading */
	f = fopen("/dev/null", "r");
	assert_non_null(f);
	assert_int_equal(pprof_write(f, p, NULL, &err), -EIO);
	assert_true(err.msg.len > 0);
	fclose(f);
	errbuf_release(&err);
	profile_free(p);
}

/* Every allocation failing in turn: -ENOMEM with a message, nothing leaked, until one run succeeds. */
static void test_pprof_out_of_memory(void **state)
{
#ifdef __SANITIZE_ADDRESS__
	skip(); /* ASan owns malloc */
#else
	void *(*volatile alloc)(size_t) = malloc; /* a call the compiler cannot drop */
	alloc_fail_at = 0;
	alloc_count = 0;
	void *probe = alloc(16);
	alloc_fail_at = -1;
	if (probe) {
		free(probe);
		skip(); /* malloc is not ours (valgrind?) */
	}
	struct profile *p = new_profile("samples", "count");
	assert_int_equal(profile_add_value_type(p, "cpu", "nanoseconds"), 1);
	assert_int_equal(profile_add_loss(p, "stack map full", 2), 0);
	assert_int_equal(profile_meta_set(p, "event", "cpu-clock"), 0);
	uint32_t ids[] = {
		frame(p, "main", 'u', "/usr/bin/app", "main.c", 1),
		frame(p, "run", 'u', "/usr/bin/app", "run.c", 2),
		frame(p, "inl", 'i', "/usr/bin/app", "inl.h", 3),
		frame(p, "bad\xff", 'k', "[kernel.kallsyms]", NULL, 0),
	};
	const int64_t v[2] = { 1, 2 };
	assert_true(profile_add_stack(p, ids, 4, v) >= 0);
	assert_true(profile_add_stack(p, ids, 2, v) >= 0);
	static char iobuf[1 << 16];
	FILE *f = fopen("/dev/null", "w");
	assert_non_null(f);
	setvbuf(f, iobuf, _IOFBF, sizeof(iobuf)); /* stdio allocates nothing while armed */
	struct errbuf err;
	errbuf_init(&err);
	assert_int_equal(buf_grow(&err.msg, 256), 0); /* the message needs no allocation */
	long failures = 0;
	for (long k = 0; k < 10000; k++) {
		long live = alloc_live;
		alloc_count = 0;
		alloc_fail_at = k;
		int rc = pprof_write(f, p, NULL, &err);
		alloc_fail_at = -1;
		assert_int_equal(alloc_live, live);
		if (rc == 0)
			break;
		assert_int_equal(rc, -ENOMEM);
		assert_string_equal(err.msg.data, "cannot write pprof output: out of memory");
		err.code = 0;
		buf_reset(&err.msg);
		failures++;
	}
	assert_true(failures > 10); /* every table, buffer and zlib's state allocates */
	errbuf_release(&err);
	fclose(f);
	profile_free(p);
#endif
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pprof_bad_arguments),
		cmocka_unit_test(test_pprof_write_errors),
		cmocka_unit_test(test_pprof_out_of_memory),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

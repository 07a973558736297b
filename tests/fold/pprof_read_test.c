// SPDX-License-Identifier: Apache-2.0
/* Tests for the pprof reader (fold/pprof_read.c): Profile messages encoded here by hand, per profile.proto. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fold/fold.h"
#include "fold/pprof.h"
#include "fold/profile.h"
#include "lib/err.h"

/* ---- a protobuf encoder, the wire format by hand ---------------------------------------------- */

struct msg {
	uint8_t b[4096];
	size_t n;
};

static void varint(struct msg *m, uint64_t v)
{
	do {
		assert_true(m->n < sizeof(m->b));
		m->b[m->n++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
		v >>= 7;
	} while (v);
}

static void field_varint(struct msg *m, unsigned num, uint64_t v)
{
	varint(m, (uint64_t)num << 3 | 0);
	varint(m, v);
}

static void field_bytes(struct msg *m, unsigned num, const void *p, size_t n)
{
	varint(m, (uint64_t)num << 3 | 2);
	varint(m, n);
	assert_true(m->n + n <= sizeof(m->b));
	memcpy(m->b + m->n, p, n);
	m->n += n;
}

static void field_msg(struct msg *m, unsigned num, const struct msg *sub)
{
	field_bytes(m, num, sub->b, sub->n);
}

static void string_table(struct msg *m, const char *const *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		field_bytes(m, 6, s[i], strlen(s[i]));
}

static void value_type(struct msg *m, unsigned num, uint64_t type, uint64_t unit)
{
	struct msg v = { .n = 0 };
	field_varint(&v, 1, type);
	field_varint(&v, 2, unit);
	field_msg(m, num, &v);
}

static void function(struct msg *m, uint64_t id, uint64_t name)
{
	struct msg f = { .n = 0 };
	field_varint(&f, 1, id);
	field_varint(&f, 2, name);
	field_msg(m, 5, &f);
}

static void mapping(struct msg *m, uint64_t id, uint64_t file)
{
	struct msg f = { .n = 0 };
	field_varint(&f, 1, id);
	field_varint(&f, 5, file);
	field_msg(m, 3, &f);
}

/* A location with `n` Lines (function ids, innermost first). */
static void location(struct msg *m, uint64_t id, uint64_t map, const uint64_t *funcs, size_t n)
{
	struct msg l = { .n = 0 };
	field_varint(&l, 1, id);
	if (map)
		field_varint(&l, 2, map);
	for (size_t i = 0; i < n; i++) {
		struct msg line = { .n = 0 };
		field_varint(&line, 1, funcs[i]);
		field_varint(&line, 2, 10 + i);
		field_msg(&l, 4, &line);
	}
	field_msg(m, 4, &l);
}

/* A sample; `packed` writes the location ids and values packed, as Go does, else one field each. */
static void sample(struct msg *m, const uint64_t *locs, size_t nl, const int64_t *vals, size_t nv, bool packed)
{
	struct msg s = { .n = 0 };
	if (packed) {
		struct msg p = { .n = 0 };
		for (size_t i = 0; i < nl; i++)
			varint(&p, locs[i]);
		field_msg(&s, 1, &p);
		p.n = 0;
		for (size_t i = 0; i < nv; i++)
			varint(&p, (uint64_t)vals[i]);
		field_msg(&s, 2, &p);
	} else {
		for (size_t i = 0; i < nl; i++)
			field_varint(&s, 1, locs[i]);
		for (size_t i = 0; i < nv; i++)
			field_varint(&s, 2, (uint64_t)vals[i]);
	}
	field_msg(m, 2, &s);
}

/* ---- the profile read, as folded text ---------------------------------------------------------- */

static char *folded(const struct profile *p, uint32_t value)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	struct errbuf err;
	struct folded_write_opts o = { .value = value };
	errbuf_init(&err);
	assert_non_null(f);
	assert_int_equal(folded_write(p, f, &o, &err), 0);
	fclose(f);
	errbuf_release(&err);
	return text;
}

enum { S_EMPTY, S_SAMPLES, S_COUNT, S_CPU, S_NS, S_MAIN, S_WORK, S_INL, S_APP, S_LIBFOO, S_KERNEL, S_SCHED, S_N };
static const char *const strings[S_N] = {
	"", "samples", "count", "cpu", "nanoseconds", "main", "work", "inl", "/bin/app", "/usr/lib/libfoo.so",
	"[kernel.kallsyms]", "schedule",
};

/*
 * main -> work, with inl inlined into work (one location, two Lines), in /bin/app; a frame in
 * libfoo.so without a function; a kernel frame. Sample types samples/count then cpu/nanoseconds.
 * The string table comes last and samples first: fields in any order.
 */
static void basic_profile(struct msg *m, bool with_default)
{
	m->n = 0;
	const uint64_t work_inl[] = { 3, 2 }, main_only[] = { 1 }, sched[] = { 4 };
	const uint64_t s1[] = { 10, 11 }, s2[] = { 12, 10, 11 }, s3[] = { 13, 11 };
	const int64_t v1[] = { 2, 20000000 }, v2[] = { 1, 10000000 }, v3[] = { 3, 30000000 };
	sample(m, s1, 2, v1, 2, false);
	sample(m, s2, 3, v2, 2, true);
	sample(m, s3, 2, v3, 2, true);
	value_type(m, 1, S_SAMPLES, S_COUNT);
	value_type(m, 1, S_CPU, S_NS);
	mapping(m, 1, S_APP);
	mapping(m, 2, S_LIBFOO);
	mapping(m, 3, S_KERNEL);
	location(m, 10, 1, work_inl, 2);
	location(m, 11, 1, main_only, 1);
	location(m, 12, 2, NULL, 0);
	location(m, 13, 3, sched, 1);
	function(m, 1, S_MAIN);
	function(m, 2, S_WORK);
	function(m, 3, S_INL);
	function(m, 4, S_SCHED);
	if (with_default)
		field_varint(m, 14, S_SAMPLES);
	field_varint(m, 12, 10000000); /* period */
	value_type(m, 11, S_CPU, S_NS);
	string_table(m, strings, S_N);
}

static void test_pprof_read_stacks(void **state)
{
	(void)state;
	struct msg m;
	basic_profile(&m, false);
	struct profile *p = profile_new();
	struct pprof_read_stats st;
	struct errbuf err;
	errbuf_init(&err);
	assert_int_equal(pprof_read(m.b, m.n, p, 0, &st, &err), 0);
	assert_int_equal(st.samples, 3);
	assert_int_equal(st.bad_samples, 0);
	assert_int_equal(st.unsymbolized, 1);
	/* no default_sample_type: pprof's default is the last type, cpu; samples follows */
	assert_int_equal(profile_value_count(p), 2);
	assert_string_equal(profile_str(p, profile_value_type(p, 0).type), "cpu");
	assert_string_equal(profile_str(p, profile_value_type(p, 0).unit), "nanoseconds");
	assert_string_equal(profile_str(p, profile_value_type(p, 1).type), "samples");
	char *t = folded(p, 0);
	assert_string_equal(t, "main;schedule 30000000\n"
			       "main;work;inl 20000000\n"
			       "main;work;inl;[libfoo.so] 10000000\n");
	free(t);
	t = folded(p, 1);
	assert_string_equal(t, "main;schedule 3\nmain;work;inl 2\nmain;work;inl;[libfoo.so] 1\n");
	free(t);
	/* kinds: the inlined Line, the kernel mapping */
	for (size_t i = 0; i < profile_frame_count(p); i++) {
		const struct frame *f = profile_frame_get(p, (uint32_t)i);
		const char *name = profile_str(p, f->name);
		if (strcmp(name, "inl") == 0)
			assert_int_equal(f->kind, FRAME_INLINED);
		if (strcmp(name, "work") == 0) {
			assert_int_equal(f->kind, FRAME_USER);
			assert_string_equal(profile_str(p, f->module), "/bin/app");
		}
		if (strcmp(name, "schedule") == 0)
			assert_int_equal(f->kind, FRAME_KERNEL);
	}
	assert_string_equal(profile_meta_get(p, PPROF_META_PERIOD), "10000000");
	assert_string_equal(profile_meta_get(p, PPROF_META_PERIOD_TYPE), "cpu");
	profile_free(p);
	errbuf_release(&err);
}

static void test_pprof_read_default_and_marks(void **state)
{
	(void)state;
	struct msg m;
	basic_profile(&m, true);
	struct profile *p = profile_new();
	struct errbuf err;
	errbuf_init(&err);
	assert_int_equal(pprof_read(m.b, m.n, p, FOLD_INLINE_TAG | FOLD_KERNEL_TAG, NULL, &err), 0);
	/* default_sample_type names samples: it comes first */
	assert_string_equal(profile_str(p, profile_value_type(p, 0).type), "samples");
	char *t = folded(p, 0);
	assert_string_equal(t, "main;schedule_[k] 3\nmain;work;inl_[i] 2\nmain;work;inl_[i];[libfoo.so] 1\n");
	free(t);
	profile_free(p);
	errbuf_release(&err);
}

static void test_pprof_read_bad_samples(void **state)
{
	(void)state;
	struct msg m;
	basic_profile(&m, false);
	const uint64_t unknown[] = { 10, 99 }, ok[] = { 11 };
	const int64_t three[] = { 1, 2, 3 }, two[] = { 5, 50 };
	sample(&m, unknown, 2, two, 2, false); /* location 99 is not in the profile */
	sample(&m, ok, 1, three, 3, true);     /* three values for two sample types */
	sample(&m, ok, 1, two, 2, false);      /* fine */
	struct profile *p = profile_new();
	struct pprof_read_stats st;
	struct errbuf err;
	errbuf_init(&err);
	assert_int_equal(pprof_read(m.b, m.n, p, 0, &st, &err), 0);
	assert_int_equal(st.samples, 4);
	assert_int_equal(st.bad_samples, 2);
	assert_int_equal(profile_loss_count(p), 2);
	char *t = folded(p, 0);
	assert_string_equal(t, "main 50\n"
			       "main;schedule 30000000\n"
			       "main;work;inl 20000000\n"
			       "main;work;inl;[libfoo.so] 10000000\n");
	free(t);
	profile_free(p);
	errbuf_release(&err);
}

static void test_pprof_read_into_earlier_input(void **state)
{
	(void)state;
	struct msg m;
	basic_profile(&m, false);
	struct profile *p = profile_new();
	struct errbuf err;
	errbuf_init(&err);
	/* an earlier input had samples/count only: the pprof's samples go there, cpu is dropped */
	assert_int_equal(profile_add_value_type(p, "samples", "count"), 0);
	struct pprof_read_stats st;
	assert_int_equal(pprof_read(m.b, m.n, p, 0, &st, &err), 0);
	assert_int_equal(st.value_types_dropped, 1);
	char *t = folded(p, 0);
	assert_string_equal(t, "main;schedule 3\nmain;work;inl 2\nmain;work;inl;[libfoo.so] 1\n");
	free(t);
	profile_free(p);
	/* none in common */
	p = profile_new();
	assert_int_equal(profile_add_value_type(p, "off-cpu", "nanoseconds"), 0);
	assert_int_equal(pprof_read(m.b, m.n, p, 0, NULL, &err), -EINVAL);
	profile_free(p);
	errbuf_release(&err);
}

static void test_pprof_read_damaged(void **state)
{
	(void)state;
	struct msg m;
	basic_profile(&m, true);
	struct errbuf err;
	errbuf_init(&err);
	/* every cut: 0 (a cut between fields is a valid shorter message) or -EBADMSG with the offset */
	for (size_t cut = 0; cut < m.n; cut++) {
		struct profile *p = profile_new();
		int rc = pprof_read(m.b, cut, p, 0, NULL, &err);
		assert_true(rc == 0 || rc == -EBADMSG);
		if (rc == -EBADMSG)
			assert_non_null(strstr(err.msg.data, "damaged pprof profile at byte "));
		errbuf_release(&err);
		errbuf_init(&err);
		profile_free(p);
	}
	/* every byte flipped */
	for (size_t i = 0; i < m.n; i++) {
		struct msg bad = m;
		bad.b[i] ^= 0xff;
		struct profile *p = profile_new();
		int rc = pprof_read(bad.b, bad.n, p, FOLD_INLINE_TAG, NULL, &err);
		assert_true(rc == 0 || rc == -EBADMSG || rc == -EINVAL);
		errbuf_release(&err);
		errbuf_init(&err);
		profile_free(p);
	}
	/* a string table not starting with "" */
	struct msg s = { .n = 0 };
	value_type(&s, 1, 1, 2);
	static const char *const bad_strings[] = { "x", "samples", "count" };
	string_table(&s, bad_strings, 3);
	struct profile *p = profile_new();
	assert_int_equal(pprof_read(s.b, s.n, p, 0, NULL, &err), -EBADMSG);
	profile_free(p);
	errbuf_release(&err);
	errbuf_init(&err);
	/* a length past the end */
	const uint8_t past[] = { 0x32, 0x7f, 0x0a };
	p = profile_new();
	assert_int_equal(pprof_read(past, sizeof(past), p, 0, NULL, &err), -EBADMSG);
	assert_non_null(strstr(err.msg.data, "at byte 0: a length runs past"));
	profile_free(p);
	errbuf_release(&err);
}

static void test_pprof_looks_like(void **state)
{
	(void)state;
	struct msg m;
	basic_profile(&m, false);
	assert_true(pprof_looks_like(m.b, m.n));
	assert_true(pprof_looks_like(m.b, 40)); /* a head cut anywhere */
	static const char folded_text[] = "main;work 3\n", script[] = "app 123 1.0: 1 cpu-clock:\n\tffff main (/bin/app)\n\n";
	assert_false(pprof_looks_like(folded_text, sizeof(folded_text) - 1));
	assert_false(pprof_looks_like(script, sizeof(script) - 1));
	assert_false(pprof_looks_like("\nmain;work 3\n", 13));
	assert_false(pprof_looks_like("", 0));
	/* Go's CPU profiles open with time_nanos (9), duration_nanos (10), period_type (11) */
	static const uint8_t go_head[] = { 0x48, 0xc1, 0xc6, 0x9e, 0x84, 0x82, 0xd3, 0x94, 0xf5, 0x18, 0x50, 0x80,
					   0xa8, 0xd6, 0xb9, 0x07, 0x5a, 0x04, 0x08, 0x01, 0x10, 0x02 };
	assert_true(pprof_looks_like(go_head, sizeof(go_head)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pprof_read_stacks),
		cmocka_unit_test(test_pprof_read_default_and_marks),
		cmocka_unit_test(test_pprof_read_bad_samples),
		cmocka_unit_test(test_pprof_read_into_earlier_input),
		cmocka_unit_test(test_pprof_read_damaged),
		cmocka_unit_test(test_pprof_looks_like),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

// SPDX-License-Identifier: Apache-2.0
/* Unit tests of tracefs format parsing: field kinds, offsets, bpftrace's integer types; malformed text. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lib/err.h"
#include "probes/tracepoint.h"

/* Real format files of this machine's kernel (6.18), trimmed of their print fmt. */
static const char sys_enter_openat[] =
	"name: sys_enter_openat\nID: 782\nformat:\n"
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
	"\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"
	"\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n"
	"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n\n"
	"\tfield:int __syscall_nr;\toffset:8;\tsize:4;\tsigned:1;\n"
	"\tfield:int dfd;\toffset:16;\tsize:8;\tsigned:0;\n"
	"\tfield:const char * filename;\toffset:24;\tsize:8;\tsigned:0;\n"
	"\tfield:int flags;\toffset:32;\tsize:8;\tsigned:0;\n"
	"\tfield:umode_t mode;\toffset:40;\tsize:8;\tsigned:0;\n\n"
	"print fmt: \"dfd: 0x%08lx\", ((unsigned long)(REC->dfd))\n";

static const char sched_switch[] =
	"name: sched_switch\nID: 372\nformat:\n"
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
	"\tfield:char prev_comm[16];\toffset:8;\tsize:16;\tsigned:0;\n"
	"\tfield:pid_t prev_pid;\toffset:24;\tsize:4;\tsigned:1;\n"
	"\tfield:long prev_state;\toffset:32;\tsize:8;\tsigned:1;\n"
	"\tfield:char next_comm[16];\toffset:40;\tsize:16;\tsigned:0;\n"
	"\tfield:pid_t next_pid;\toffset:56;\tsize:4;\tsigned:1;\n"
	"print fmt: \"x\"\n";

static const char raw_sys_enter[] =
	"name: sys_enter\nID: 443\nformat:\n"
	"\tfield:long id;\toffset:8;\tsize:8;\tsigned:1;\n"
	"\tfield:unsigned long args[6];\toffset:16;\tsize:48;\tsigned:0;\n"
	"\tfield:__data_loc char[] name;\toffset:64;\tsize:4;\tsigned:0;\n"
	"print fmt: \"x\"\n";

static struct tp_format *parse(const char *cat, const char *name, const char *text)
{
	struct errbuf err;
	errbuf_init(&err);
	struct tp_format *f = tp_format_parse(cat, name, text, strlen(text), &err);
	errbuf_release(&err);
	return f;
}

static void test_format_syscall_fields_get_bpftrace_types(void **state)
{
	(void)state;
	struct tp_format *f = parse("syscalls", "sys_enter_openat", sys_enter_openat);
	assert_non_null(f);
	assert_int_equal(f->id, 782);
	assert_int_equal(f->nfields, 5); /* common_* dropped */
	const struct tp_field *dfd = tp_format_field(f, "dfd");
	assert_non_null(dfd);
	assert_int_equal(dfd->offset, 16);
	/* bpftrace widens an 8-byte "int" to s64: AT_FDCWD prints -100 */
	assert_int_equal(dfd->ty.kind, TY_INT);
	assert_int_equal(dfd->ty.size, 8);
	assert_true(dfd->ty.is_signed);
	const struct tp_field *fn = tp_format_field(f, "filename");
	assert_int_equal(fn->kind, TPF_PTR);
	assert_string_equal(fn->ctype, "const char *");
	/* umode_t is 2 bytes even in an 8-byte slot */
	const struct tp_field *mode = tp_format_field(f, "mode");
	assert_int_equal(mode->ty.size, 2);
	assert_false(mode->ty.is_signed);
	assert_int_equal(tp_format_field(f, "__syscall_nr")->ty.size, 4);
	assert_null(tp_format_field(f, "common_pid"));
	assert_null(tp_format_field(f, "nope"));
	tp_format_free(f);
}

static void test_format_strings_and_typedefs(void **state)
{
	(void)state;
	struct tp_format *f = parse("sched", "sched_switch", sched_switch);
	assert_non_null(f);
	const struct tp_field *c = tp_format_field(f, "next_comm");
	assert_int_equal(c->kind, TPF_STR);
	assert_int_equal(c->ty.kind, TY_STR);
	assert_int_equal(c->ty.size, 16);
	assert_int_equal(c->offset, 40);
	const struct tp_field *p = tp_format_field(f, "next_pid");
	assert_int_equal(p->ty.size, 4);
	assert_true(p->ty.is_signed);
	assert_int_equal(tp_format_field(f, "prev_state")->ty.size, 8);
	tp_format_free(f);
}

static void test_format_arrays_and_data_loc(void **state)
{
	(void)state;
	struct tp_format *f = parse("raw_syscalls", "sys_enter", raw_sys_enter);
	assert_non_null(f);
	const struct tp_field *a = tp_format_field(f, "args");
	assert_int_equal(a->kind, TPF_ARRAY);
	assert_int_equal(a->nelems, 6);
	assert_int_equal(a->elem_size, 8);
	const struct tp_field *n = tp_format_field(f, "name");
	assert_int_equal(n->kind, TPF_DATA_LOC);
	assert_int_equal(f->record_size, 68);
	tp_format_free(f);
}

static void test_format_malformed(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"format:\n\tfield:int x;\toffset:8;\tsize:4;\tsigned:1;\n",	  /* no ID */
		"ID: 1\n\tfield:int x;\toffset:;\tsize:4;\tsigned:1;\n",	  /* empty offset */
		"ID: 1\n\tfield:int x\toffset:8;\tsize:4;\tsigned:1;\n",	  /* no ';' after the declaration */
		"ID: 1\n\tfield:;\toffset:8;\tsize:4;\tsigned:1;\n",		  /* no name */
		"ID: 1\n\tfield:int x;\toffset:99999999;\tsize:4;\tsigned:1;\n", /* offset out of range */
		"ID: 1\n\tfield:int x;\toffset:-8;\tsize:4;\tsigned:1;\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct errbuf err;
		errbuf_init(&err);
		struct tp_format *f = tp_format_parse("c", "n", bad[i], strlen(bad[i]), &err);
		if (f)
			fail_msg("accepted malformed format %zu", i);
		assert_int_equal(err.code, -EINVAL);
		assert_non_null(strstr(err.msg.data, "malformed format of tracepoint 'c:n'"));
		errbuf_release(&err);
	}
	/* truncated anywhere: no crash, either an error or a smaller format */
	size_t len = strlen(sys_enter_openat);
	for (size_t cut = 0; cut < len; cut++) {
		struct errbuf err;
		errbuf_init(&err);
		tp_format_free(tp_format_parse("c", "n", sys_enter_openat, cut, &err));
		errbuf_release(&err);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_syscall_fields_get_bpftrace_types),
		cmocka_unit_test(test_format_strings_and_typedefs),
		cmocka_unit_test(test_format_arrays_and_data_loc),
		cmocka_unit_test(test_format_malformed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

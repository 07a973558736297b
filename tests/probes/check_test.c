// SPDX-License-Identifier: Apache-2.0
/* Unit tests of the semantic pass: bpftrace's types for builtins, literals, operators, casts, maps and variables. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lib/buf.h"
#include "probes/check.h"
#include "probes/internal.h"

struct checked {
	struct diag d;
	struct program *prog;
	struct checker c;
	int rc;
};

static void check_src(struct checked *k, const char *src)
{
	memset(k, 0, sizeof(*k));
	diag_init(&k->d, "-e", src, strlen(src));
	k->prog = parse_program(src, strlen(src), &k->d);
	assert_non_null(k->prog);
	assert_int_equal(checker_init(&k->c, k->prog, &k->d), 0);
	k->rc = check_program(&k->c);
}

static void checked_release(struct checked *k)
{
	checker_release(&k->c);
	program_free(k->prog);
	diag_release(&k->d);
}

/* The printed value type of map `name`. */
static const char *map_type(struct checked *k, const char *name, struct buf *b)
{
	buf_reset(b);
	for (uint32_t i = 0; i < k->c.nmaps; i++)
		if (strcmp(k->c.maps[i]->name, name) == 0) {
			type_print(&k->c.maps[i]->value, b);
			return b->data;
		}
	fail_msg("no map %s", name);
	return NULL;
}

static const char *key_type(struct checked *k, const char *name, struct buf *b)
{
	buf_reset(b);
	for (uint32_t i = 0; i < k->c.nmaps; i++)
		if (strcmp(k->c.maps[i]->name, name) == 0) {
			type_print(&k->c.maps[i]->key, b);
			return b->data;
		}
	fail_msg("no map %s", name);
	return NULL;
}

static void test_check_builtin_and_literal_types(void **state)
{
	(void)state;
	struct checked k;
	struct buf b = BUF_INIT;
	check_src(&k, "BEGIN { @pid = pid; @comm = comm; @lit = 5; @s = \"abc\"; @cpu = cpu; @cg = cgroup;"
		      "@n = nsecs; @k = kstack; @u = ustack(3); @p = probe; @user = username; }");
	assert_int_equal(k.rc, 0);
	assert_string_equal(map_type(&k, "@pid", &b), "uint64");
	assert_string_equal(map_type(&k, "@comm", &b), "string[16]");
	assert_string_equal(map_type(&k, "@lit", &b), "int64");
	assert_string_equal(map_type(&k, "@s", &b), "string[4]");
	assert_string_equal(map_type(&k, "@cpu", &b), "uint64");
	assert_string_equal(map_type(&k, "@k", &b), "kstack");
	assert_string_equal(map_type(&k, "@u", &b), "ustack");
	assert_string_equal(map_type(&k, "@p", &b), "probe");
	checked_release(&k);
	buf_release(&b);
}

static void test_check_operator_signedness(void **state)
{
	(void)state;
	struct checked k;
	struct buf b = BUF_INIT;
	/* signed only when both sides are (comparisons too); shifts take the left side's sign; casts keep their width */
	check_src(&k, "BEGIN { @a = 1 - 2; @b = pid - 2; @c = 2 - pid; @d = -1 >> pid; @e = pid << 1;"
		      "@f = (int8)pid; @g = (uint16)-1; @h = !pid; @i = pid > 1; @j = ~5; }");
	assert_int_equal(k.rc, 0);
	assert_string_equal(map_type(&k, "@a", &b), "int64");
	assert_string_equal(map_type(&k, "@b", &b), "uint64");
	assert_string_equal(map_type(&k, "@c", &b), "uint64");
	assert_string_equal(map_type(&k, "@d", &b), "int64");
	assert_string_equal(map_type(&k, "@e", &b), "uint64");
	assert_string_equal(map_type(&k, "@f", &b), "int8");
	assert_string_equal(map_type(&k, "@g", &b), "uint16");
	assert_string_equal(map_type(&k, "@h", &b), "int64");
	assert_string_equal(map_type(&k, "@i", &b), "uint64");
	assert_string_equal(map_type(&k, "@j", &b), "int64");
	checked_release(&k);
	buf_release(&b);
}

static void test_check_constant_folding(void **state)
{
	(void)state;
	struct checked k;
	check_src(&k, "BEGIN { $x = (1 + 2) * 3 - -4 / 2; }");
	assert_int_equal(k.rc, 0);
	struct node *rhs = k.prog->probes[0]->body->args[0]->b;
	assert_true(rhs->is_const);
	/* -4 / 2 is unsigned division in bpftrace */
	assert_true(rhs->const_val == (int64_t)(9 - (uint64_t)-4 / 2));
	checked_release(&k);
}

static void test_check_map_types_flow_between_probes(void **state)
{
	(void)state;
	struct checked k;
	struct buf b = BUF_INIT;
	/* END reads @x before the probe that assigns it is seen: the passes settle it */
	check_src(&k, "END { @y = @x + 1; @z[@s] = 1; } BEGIN { @x = 5; @s = comm; @t[1, \"a\"] = (pid, comm); }");
	assert_int_equal(k.rc, 0);
	assert_string_equal(map_type(&k, "@y", &b), "int64");
	assert_string_equal(key_type(&k, "@z", &b), "string[16]");
	assert_string_equal(key_type(&k, "@t", &b), "(int64,string[2])");
	assert_string_equal(map_type(&k, "@t", &b), "(uint64,string[16])");
	checked_release(&k);
	buf_release(&b);
}

static void test_check_strings_widen(void **state)
{
	(void)state;
	struct checked k;
	struct buf b = BUF_INIT;
	check_src(&k, "BEGIN { @s = \"a\"; @s = \"longer\"; @k[\"x\"] = 1; @k[comm] = 2; $v = \"ab\"; $v = \"abcdef\"; @v = $v; }");
	assert_int_equal(k.rc, 0);
	assert_string_equal(map_type(&k, "@s", &b), "string[7]");
	assert_string_equal(key_type(&k, "@k", &b), "string[16]");
	assert_string_equal(map_type(&k, "@v", &b), "string[7]");
	checked_release(&k);
	buf_release(&b);
}

static void test_check_aggregations(void **state)
{
	(void)state;
	struct checked k;
	struct buf b = BUF_INIT;
	check_src(&k, "BEGIN { @c = count(); @s = sum(-1); @u = sum(pid); @l = lhist(pid, 0, 100, 10); @h[comm] = hist(5); }");
	assert_int_equal(k.rc, 0);
	assert_string_equal(map_type(&k, "@c", &b), "count");
	assert_string_equal(map_type(&k, "@l", &b), "lhist");
	assert_string_equal(key_type(&k, "@h", &b), "string[16]");
	for (uint32_t i = 0; i < k.c.nmaps; i++) {
		if (strcmp(k.c.maps[i]->name, "@s") == 0)
			assert_true(k.c.maps[i]->value.is_signed);
		if (strcmp(k.c.maps[i]->name, "@u") == 0)
			assert_false(k.c.maps[i]->value.is_signed);
		if (strcmp(k.c.maps[i]->name, "@l") == 0)
			assert_int_equal(type_mem_size(&k.c.maps[i]->value), (10 + 2) * 8);
	}
	checked_release(&k);
	buf_release(&b);
}

static void test_check_errors_are_located(void **state)
{
	(void)state;
	static const struct {
		const char *src;
		const char *want;
	} cases[] = {
		{ "BEGIN { @x = nsec; }", "-e:1:14: error: unknown identifier 'nsec'; did you mean 'nsecs'?" },
		{ "BEGIN { @x = 1; @x = \"a\"; }", "-e:1:22: error: type mismatch for '@x'" },
		{ "BEGIN { @x[1] = 1; }\nEND { @x[1, 2] = 1; }", "-e:2:7: error: map '@x' has 1 key(s) at 1:9, not 2" },
		{ "BEGIN { printf(\"%d\\n\"); }", "-e:1:9: error: printf: Not enough arguments" },
		{ "BEGIN { @ = hist(1); @ = count(); }", "-e:1:26: error: type mismatch for '@'" },
		{ "BEGIN { @x = $y; }", "-e:1:14: error: variable '$y' is used before it is assigned" },
		{ "nope:x { }", "-e:1:1: error: unknown probe type 'nope'" },
		{ "BEGIN { @x = curtask->pid; @y = sum(1); @z = @y; }", "can only be printed" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct checked k;
		check_src(&k, cases[i].src);
		assert_int_equal(k.rc, -EINVAL);
		assert_int_equal(k.d.nerrors, 1);
		if (!strstr(k.d.out.data, cases[i].want))
			fail_msg("'%s': got '%s', want '%s'", cases[i].src, k.d.out.data, cases[i].want);
		checked_release(&k);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check_builtin_and_literal_types),
		cmocka_unit_test(test_check_operator_signedness),
		cmocka_unit_test(test_check_constant_folding),
		cmocka_unit_test(test_check_map_types_flow_between_probes),
		cmocka_unit_test(test_check_strings_widen),
		cmocka_unit_test(test_check_aggregations),
		cmocka_unit_test(test_check_errors_are_located),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

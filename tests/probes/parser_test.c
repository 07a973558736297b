// SPDX-License-Identifier: Apache-2.0
/* Unit tests of the lexer and parser: tokens and spans, precedence, attach points, predicates, located errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lib/buf.h"
#include "probes/ast.h"
#include "probes/internal.h"

/* ---- lexer ---------------------------------------------------------------------------------------- */

static void lex_all(const char *src, enum tok *kinds, size_t cap, size_t *n, struct arena *a, struct diag *d)
{
	struct lexer lx;
	struct token t;
	lexer_init(&lx, src, strlen(src), d, a);
	*n = 0;
	do {
		lexer_next(&lx, &t);
		assert_true(*n < cap);
		kinds[(*n)++] = t.kind;
	} while (t.kind != T_EOF && t.kind != T_ERROR);
}

static void test_lexer_operators_longest_match(void **state)
{
	(void)state;
	struct arena a;
	struct diag d;
	enum tok k[32];
	size_t n;
	arena_init(&a);
	diag_init(&d, "-e", "", 0);
	lex_all("<<= >>= << >> <= >= == != && || ++ -- -> += %", k, 32, &n, &a, &d);
	enum tok want[] = { T_SHL_ASSIGN, T_SHR_ASSIGN, T_SHL, T_SHR, T_LE, T_GE, T_EQ, T_NE, T_LAND,
			    T_LOR, T_INC, T_DEC, T_ARROW, T_PLUS_ASSIGN, T_MOD, T_EOF };
	assert_int_equal(n, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < n; i++)
		assert_int_equal(k[i], want[i]);
	diag_release(&d);
	arena_release(&a);
}

static void test_lexer_integers(void **state)
{
	(void)state;
	struct arena a;
	struct diag d;
	struct lexer lx;
	struct token t;
	const char *src = "42 0x1F 1_000_000 1e6 010 7ul 18446744073709551615";
	uint64_t want[] = { 42, 31, 1000000, 1000000, 8, 7, UINT64_MAX };
	arena_init(&a);
	diag_init(&d, "-e", src, strlen(src));
	lexer_init(&lx, src, strlen(src), &d, &a);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		lexer_next(&lx, &t);
		assert_int_equal(t.kind, T_INT);
		assert_true(t.ival == want[i]);
	}
	lexer_next(&lx, &t);
	assert_int_equal(t.kind, T_EOF);
	assert_int_equal(d.nerrors, 0);
	diag_release(&d);
	arena_release(&a);
}

static void test_lexer_integer_overflow_is_an_error(void **state)
{
	(void)state;
	struct arena a;
	struct diag d;
	struct lexer lx;
	struct token t;
	const char *src = "18446744073709551616";
	arena_init(&a);
	diag_init(&d, "-e", src, strlen(src));
	lexer_init(&lx, src, strlen(src), &d, &a);
	lexer_next(&lx, &t);
	assert_int_equal(t.kind, T_ERROR);
	assert_int_equal(d.nerrors, 1);
	assert_non_null(strstr(d.out.data, "-e:1:1: error: integer literal is too large"));
	diag_release(&d);
	/* hostile exponents: no loop over them (a fuzzer found 0e9223273036857874057 spinning) */
	const char *src2 = "0e9223273036857874057 1e99999999999 0e5";
	diag_init(&d, "-e", src2, strlen(src2));
	lexer_init(&lx, src2, strlen(src2), &d, &a);
	lexer_next(&lx, &t);
	assert_int_equal(t.kind, T_INT);
	assert_true(t.ival == 0);
	lexer_next(&lx, &t);
	assert_int_equal(t.kind, T_ERROR);
	diag_release(&d);
	arena_release(&a);
}

static void test_lexer_string_escapes(void **state)
{
	(void)state;
	struct arena a;
	struct diag d;
	struct lexer lx;
	struct token t;
	const char *src = "\"a\\tb\\n\\\"\\\\\\x41\\101\"";
	arena_init(&a);
	diag_init(&d, "-e", src, strlen(src));
	lexer_init(&lx, src, strlen(src), &d, &a);
	lexer_next(&lx, &t);
	assert_int_equal(t.kind, T_STR);
	assert_int_equal(t.slen, 8);
	assert_memory_equal(t.sval, "a\tb\n\"\\AA", 8);
	diag_release(&d);
	arena_release(&a);
}

static void test_lexer_spans_count_lines_and_columns(void **state)
{
	(void)state;
	struct arena a;
	struct diag d;
	struct lexer lx;
	struct token t;
	const char *src = "// comment\n  /* multi\nline */ @map[$var]";
	arena_init(&a);
	diag_init(&d, "-e", src, strlen(src));
	lexer_init(&lx, src, strlen(src), &d, &a);
	lexer_next(&lx, &t);
	assert_int_equal(t.kind, T_MAP);
	assert_int_equal(t.span.line, 3);
	assert_int_equal(t.span.col, 9);
	assert_int_equal(t.span.len, 4);
	lexer_next(&lx, &t);
	assert_int_equal(t.kind, T_LBRACKET);
	lexer_next(&lx, &t);
	assert_int_equal(t.kind, T_VAR);
	assert_int_equal(t.span.col, 14);
	diag_release(&d);
	arena_release(&a);
}

static void test_lexer_attach_points_keep_paths(void **state)
{
	(void)state;
	struct arena a;
	struct diag d;
	struct lexer lx;
	struct token t;
	const char *src = "uprobe:/usr/lib/libc.so.6:mal*,t:sched:sched_switch /pid/";
	arena_init(&a);
	diag_init(&d, "-e", src, strlen(src));
	lexer_init(&lx, src, strlen(src), &d, &a);
	lexer_next_attach(&lx, &t);
	assert_int_equal(t.kind, T_ATTACH);
	assert_string_equal(t.sval, "uprobe:/usr/lib/libc.so.6:mal*");
	lexer_next(&lx, &t);
	assert_int_equal(t.kind, T_COMMA);
	lexer_next_attach(&lx, &t);
	assert_string_equal(t.sval, "t:sched:sched_switch");
	lexer_next(&lx, &t);
	assert_int_equal(t.kind, T_DIV);
	diag_release(&d);
	arena_release(&a);
}

/* ---- parser -------------------------------------------------------------------------------------- */

struct parsed {
	struct diag d;
	struct program *prog;
	struct buf dump;
};

static void parse(struct parsed *p, const char *src)
{
	diag_init(&p->d, "-e", src, strlen(src));
	buf_init(&p->dump);
	p->prog = parse_program(src, strlen(src), &p->d);
	if (p->prog)
		program_dump(p->prog, &p->dump);
}

static void parsed_release(struct parsed *p)
{
	program_free(p->prog);
	diag_release(&p->d);
	buf_release(&p->dump);
}

static void test_parser_precedence(void **state)
{
	(void)state;
	struct parsed p;
	parse(&p, "BEGIN { @x = 1 + 2 * 3 << 1 == 14 && !0 || 5 & 3 ? -1 : ~2; }");
	assert_non_null(p.prog);
	/* ?: at the top, then ||, && under it, == under &&, << under ==, + under << */
	const char *s = p.dump.data;
	const char *tern = strstr(s, "?:"), *lor = strstr(s, "'||'"), *land = strstr(s, "'&&'"),
		   *eq = strstr(s, "'=='"), *shl = strstr(s, "'<<'"), *plus = strstr(s, "'+'"), *mul = strstr(s, "'*'");
	assert_non_null(tern);
	assert_true(tern < lor && lor < land && land < eq && eq < shl && shl < plus && plus < mul);
	parsed_release(&p);
}

static void test_parser_probe_list_predicate_and_statements(void **state)
{
	(void)state;
	struct parsed p;
	parse(&p, "tracepoint:a:b, tracepoint:c:d /pid == 1/ { $x = 1; if ($x) { @[comm] = count(); } else if (1) "
		  "{ $x++; } else { delete(@m[1]); } unroll(2) { @y += 2 } }\nEND { exit() }");
	assert_non_null(p.prog);
	assert_int_equal(p.prog->nprobes, 2);
	struct probe *pr = p.prog->probes[0];
	assert_int_equal(pr->naps, 2);
	assert_string_equal(pr->aps[0]->raw, "tracepoint:a:b");
	assert_int_equal(pr->aps[0]->nparts, 3);
	assert_string_equal(pr->aps[1]->parts[2], "d");
	assert_non_null(pr->pred);
	assert_int_equal(pr->pred->kind, N_BINOP);
	assert_int_equal(pr->body->nargs, 3);
	assert_int_equal(pr->body->args[1]->kind, S_IF);
	assert_non_null(pr->body->args[1]->c); /* else if chain */
	assert_int_equal(pr->body->args[2]->kind, S_UNROLL);
	assert_int_equal(p.prog->probes[1]->body->nargs, 1);
	parsed_release(&p);
}

static void test_parser_casts_and_parenthesized_builtins(void **state)
{
	(void)state;
	struct parsed p;
	parse(&p, "BEGIN { @a = (uint8)300; @b = (pid) + 1; @c = (struct task_struct *)curtask; @d = (1, \"x\").1; }");
	assert_non_null(p.prog);
	struct node **s = p.prog->probes[0]->body->args;
	assert_int_equal(s[0]->b->kind, N_CAST);
	assert_string_equal(s[0]->b->str, "uint8");
	assert_int_equal(s[1]->b->kind, N_BINOP); /* (pid) is not a cast */
	assert_int_equal(s[2]->b->kind, N_CAST);
	assert_string_equal(s[2]->b->str, "struct task_struct");
	assert_int_equal(s[2]->b->ival, 1);
	assert_int_equal(s[3]->b->kind, N_FIELD);
	assert_int_equal(s[3]->b->ival, 1);
	parsed_release(&p);
}

static void test_parser_division_inside_predicate(void **state)
{
	(void)state;
	struct parsed p;
	parse(&p, "BEGIN /10 / 2 == 5/ { exit(); }");
	assert_non_null(p.prog);
	assert_int_equal(p.prog->probes[0]->pred->op, T_EQ);
	assert_int_equal(p.prog->probes[0]->pred->a->op, T_DIV);
	parsed_release(&p);
}

static void test_parser_error_is_located(void **state)
{
	(void)state;
	struct parsed p;
	parse(&p, "BEGIN {\n  @x = 1\n  @y = 2;\n}");
	assert_null(p.prog);
	assert_int_equal(p.d.nerrors, 1);
	assert_string_equal(p.d.out.data, "-e:3:3: error: expected ';' or '}', found '@y'\n"
					  "  @y = 2;\n"
					  "  ^~\n");
	parsed_release(&p);
}

static void test_parser_rejects_bad_shapes(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"", "{ }", "BEGIN { ", "BEGIN { @x = ; }", "BEGIN { 1 = 2; }", "BEGIN { @x[] = 1; }",
		"BEGIN /pid { }", "BEGIN { if pid { } }", "BEGIN { $t.0 = 1; }", "BEGIN {} }", "BEGIN { ++1; }",
		"BEGIN { @x = (1, ; }", "BEGIN { @x = a->; }", ",BEGIN {}", "BEGIN { --@n++; }",
		"BEGIN { ++$x--; }", "BEGIN { @y = ++@m[1]++; }",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct parsed p;
		parse(&p, bad[i]);
		if (p.prog)
			fail_msg("parsed: '%s'", bad[i]);
		assert_int_equal(p.d.nerrors, 1);
		assert_non_null(strstr(p.d.out.data, ": error: "));
		parsed_release(&p);
	}
}

static void test_parser_deep_nesting_is_an_error_not_a_crash(void **state)
{
	(void)state;
	struct buf src = BUF_INIT;
	buf_addstr(&src, "BEGIN { @x = ");
	for (int i = 0; i < 100000; i++)
		buf_addch(&src, '(');
	buf_addstr(&src, "1; }");
	struct parsed p;
	parse(&p, src.data);
	assert_null(p.prog);
	assert_non_null(strstr(p.d.out.data, "nested too deeply"));
	parsed_release(&p);
	buf_release(&src);
}

/* ---- diagnostics ----------------------------------------------------------------------------------- */

static void test_diag_suggest(void **state)
{
	(void)state;
	const char *names[] = { "nsecs", "pid", "tid", "comm", "count", "kstack" };
	assert_string_equal(diag_suggest("nsec", names, 6), "nsecs");
	assert_string_equal(diag_suggest("cont", names, 6), "count");
	assert_string_equal(diag_suggest("ktsack", names, 6), "kstack");
	assert_null(diag_suggest("xyz", names, 6));
	assert_null(diag_suggest("p", names, 6)); /* too short to guess */
	assert_null(diag_suggest("completely_different", names, 6));
}

static void test_diag_caret_under_tabs(void **state)
{
	(void)state;
	const char *src = "BEGIN {\n\t\t@x = bad;\n}";
	struct diag d;
	diag_init(&d, "f.bt", src, strlen(src));
	struct span sp = { .line = 2, .col = 8, .off = 15, .len = 3 };
	diag_error(&d, sp, "unknown '%s'", "bad");
	assert_string_equal(d.out.data, "f.bt:2:8: error: unknown 'bad'\n\t\t@x = bad;\n\t\t     ^~~\n");
	diag_release(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lexer_operators_longest_match),
		cmocka_unit_test(test_lexer_integers),
		cmocka_unit_test(test_lexer_integer_overflow_is_an_error),
		cmocka_unit_test(test_lexer_string_escapes),
		cmocka_unit_test(test_lexer_spans_count_lines_and_columns),
		cmocka_unit_test(test_lexer_attach_points_keep_paths),
		cmocka_unit_test(test_parser_precedence),
		cmocka_unit_test(test_parser_probe_list_predicate_and_statements),
		cmocka_unit_test(test_parser_casts_and_parenthesized_builtins),
		cmocka_unit_test(test_parser_division_inside_predicate),
		cmocka_unit_test(test_parser_error_is_located),
		cmocka_unit_test(test_parser_rejects_bad_shapes),
		cmocka_unit_test(test_parser_deep_nesting_is_an_error_not_a_crash),
		cmocka_unit_test(test_diag_suggest),
		cmocka_unit_test(test_diag_caret_under_tabs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

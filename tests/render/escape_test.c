// SPDX-License-Identifier: Apache-2.0
/* Unit tests of render/escape.c: XML escaping, UTF-8 repair, truncation, comment text, annotations. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "lib/buf.h"
#include "render/internal.h"

static void expect_escaped(const char *in, size_t len, size_t max, const char *want)
{
	struct buf b = BUF_INIT;
	assert_int_equal(xml_escape(&b, in, len, max), 0);
	assert_string_equal(b.data, want);
	buf_release(&b);
}

#define ESC(s, want) expect_escaped(s, sizeof(s) - 1, SIZE_MAX, want)

static void test_escape_markup(void **state)
{
	(void)state;
	ESC("plain_name::x", "plain_name::x");
	ESC("a<b>&\"c'", "a&lt;b&gt;&amp;&quot;c&#39;");
	ESC("]]></text><script>", "]]&gt;&lt;/text&gt;&lt;script&gt;");
	ESC("&amp;", "&amp;amp;");
	ESC("", "");
}

static void test_escape_controls_and_bad_utf8(void **state)
{
	(void)state;
	ESC("a\x01" "b\x1f" "c\x7f", "a\xef\xbf\xbd" "b\xef\xbf\xbd" "c\x7f");
	ESC("nul\0x", "nul\xef\xbf\xbdx");
	ESC("tab\there\r\n", "tab here\xef\xbf\xbd\xef\xbf\xbd");
	ESC("\xff\xfe", "\xef\xbf\xbd\xef\xbf\xbd");
	ESC("\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd");         /* overlong '/' */
	ESC("\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"); /* surrogate */
	ESC("\xef\xbf\xbe", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"); /* U+FFFE, not XML */
	ESC("\xf4\x90\x80\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"); /* > U+10FFFF */
	ESC("cut\xe2\x82", "cut\xef\xbf\xbd\xef\xbf\xbd");
	ESC("ok\xc3\xa9\xe6\x97\xa5\xf0\x9f\x94\xa5", "ok\xc3\xa9\xe6\x97\xa5\xf0\x9f\x94\xa5");
}

static void test_escape_truncates_by_characters(void **state)
{
	(void)state;
	expect_escaped("abcdef", 6, 3, "abc");
	expect_escaped("\xc3\xa9\xc3\xa9\xc3\xa9", 6, 2, "\xc3\xa9\xc3\xa9");
	expect_escaped("<<<<", 4, 2, "&lt;&lt;");
	expect_escaped("a\xffz", 3, 2, "a\xef\xbf\xbd");
	assert_int_equal(utf8_chars("\xc3\xa9x\xff\xe6\x97\xa5", 7), 4);
	assert_int_equal(utf8_prefix("\xc3\xa9x\xff\xe6\x97\xa5", 7, 3), 4);
	assert_int_equal(utf8_prefix("abc", 3, 10), 3);
}

static void test_comment_text(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	assert_int_equal(xml_comment_text(&b, "a--b---c-", 9), 0);
	assert_null(strstr(b.data, "--"));
	assert_true(b.data[b.len - 1] != '-');
	buf_reset(&b);
	assert_int_equal(xml_comment_text(&b, "x -->", 5), 0);
	assert_null(strstr(b.data, "--"));
	assert_null(strstr(b.data, "-->"));
	buf_release(&b);
}

static void test_annotations(void **state)
{
	(void)state;
	assert_int_equal(flame_annotation("foo_[k]", 7), 'k');
	assert_int_equal(flame_annotation("foo_[j]", 7), 'j');
	assert_int_equal(flame_annotation("foo_[x]", 7), 0);
	assert_int_equal(flame_annotation("_[i]", 4), 'i');
	assert_int_equal(flame_annotation("[k]", 3), 0);
	assert_int_equal(flame_strip_annotation("sys_read_[k]", 12), 8);
	assert_int_equal(flame_strip_annotation("sys_read", 8), 8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape_markup),
		cmocka_unit_test(test_escape_controls_and_bad_utf8),
		cmocka_unit_test(test_escape_truncates_by_characters),
		cmocka_unit_test(test_comment_text),
		cmocka_unit_test(test_annotations),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

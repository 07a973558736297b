// SPDX-License-Identifier: Apache-2.0
/* Unit tests of render/script.c: the embedded script is render/flamegraph.js and safe inside CDATA. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render/internal.h"

static char *read_source(void)
{
	char path[512];
	const char *slash = strrchr(__FILE__, '/');
	const char *candidates[2] = { "render/flamegraph.js", NULL };
	snprintf(path, sizeof(path), "%.*s/../../render/flamegraph.js", slash ? (int)(slash - __FILE__) : 1,
		 slash ? __FILE__ : ".");
	candidates[1] = path;
	for (int i = 0; i < 2; i++) {
		FILE *f = fopen(candidates[i], "r");
		if (!f)
			continue;
		char *data = NULL;
		size_t len = 0;
		FILE *m = open_memstream(&data, &len);
		int c;
		while ((c = fgetc(f)) != EOF)
			fputc(c, m);
		fclose(f);
		fclose(m);
		return data;
	}
	return NULL;
}

/* scripts/gen-render-script.sh makes script.c from flamegraph.js; they must not drift apart. */
static void test_script_is_generated_from_source(void **state)
{
	(void)state;
	char *src = read_source();
	assert_non_null(src);
	char *body = strchr(src, '\n'); /* after the SPDX line */
	assert_non_null(body);
	if (strcmp(body + 1, flame_svg_script) != 0)
		fail_msg("render/script.c is stale: run scripts/gen-render-script.sh");
	free(src);
}

static void test_script_is_cdata_safe(void **state)
{
	(void)state;
	assert_null(strstr(flame_svg_script, "]]>"));
	assert_non_null(strstr(flame_svg_script, "function init(evt)"));
	/* user text is read as text, never as markup or code */
	assert_null(strstr(flame_svg_script, "innerHTML"));
	assert_null(strstr(flame_svg_script, "eval("));
	assert_null(strstr(flame_svg_script, "document.write"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_script_is_generated_from_source),
		cmocka_unit_test(test_script_is_cdata_safe),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

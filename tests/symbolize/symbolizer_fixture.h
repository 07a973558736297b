/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers for the symbolize/ tests: fixture binaries and llvm-symbolizer's goldens, a scratch directory, file writing. */
#ifndef SCORCH_TESTS_SYMBOLIZE_SYMBOLIZER_FIXTURE_H
#define SCORCH_TESTS_SYMBOLIZE_SYMBOLIZER_FIXTURE_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A scratch directory per test binary, made by setup() and removed (empty) by teardown(). */
static char tmpdir[256];

static inline const char *fixtures(void)
{
	const char *f = getenv("SCORCH_FIXTURES");
	return f ? f : "../shared/fixtures";
}

/* The path of fixture binary NAME, or NULL (then the test is skipped). */
static inline const char *fixture_bin(const char *name, char *out, size_t len)
{
	snprintf(out, len, "%s/perf/bin/%s", fixtures(), name);
	return access(out, R_OK) == 0 ? out : NULL;
}

/* The first address of `bin` whose llvm-symbolizer answer (golden/symbolize) names function `fn`. */
static inline uint64_t golden_addr(const char *bin, const char *fn)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/perf/golden/symbolize/%s.llvm-gnu.txt", fixtures(), bin);
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	char line[1024];
	uint64_t addr = 0, found = 0;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		if (strncmp(line, "0x", 2) == 0)
			addr = strtoull(line, NULL, 16);
		else if (strcmp(line, fn) == 0) {
			found = addr;
			break;
		}
	}
	fclose(f);
	return found;
}

/* Write `len` bytes to a new file. */
static inline void write_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
}

static inline int setup(void **state)
{
	snprintf(tmpdir, sizeof(tmpdir), "%s/scorch-symtest.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static inline int teardown(void **state)
{
	rmdir(tmpdir);
	return 0;
}

#endif

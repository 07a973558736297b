// SPDX-License-Identifier: Apache-2.0
/* Unit tests of lib/file.c and lib/err.c: atomic writes, whole-file reads, error messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "lib/err.h"
#include "lib/file.h"

static char dir[256];

static int setup(void **state)
{
	const char *tmp = getenv("TMPDIR");
	snprintf(dir, sizeof(dir), "%s/scorch-file-test.XXXXXX", tmp ? tmp : "/tmp");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static int count_entries(void)
{
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "ls -A '%s' | wc -l", dir);
	FILE *p = popen(cmd, "r");
	int n = -1;
	if (p) {
		if (fscanf(p, "%d", &n) != 1)
			n = -1;
		pclose(p);
	}
	return n;
}

static void test_atomic_file_commit_renames(void **state)
{
	char path[300];
	struct atomic_file f;
	struct errbuf err;
	struct buf got = BUF_INIT;
	errbuf_init(&err);
	snprintf(path, sizeof(path), "%s/out.svg", dir);
	assert_int_equal(atomic_file_open(&f, path, &err), 0);
	fputs("<svg/>\n", f.fp);
	/* Until commit, the real name does not exist. */
	assert_int_not_equal(access(path, F_OK), 0);
	assert_int_equal(atomic_file_commit(&f, &err), 0);
	assert_int_equal(file_read_all(path, &got, &err), 0);
	assert_string_equal(got.data, "<svg/>\n");
	assert_int_equal(count_entries(), 1);
	buf_release(&got);
	errbuf_release(&err);
}

static void test_atomic_file_abort_leaves_nothing(void **state)
{
	char path[300];
	struct atomic_file f;
	snprintf(path, sizeof(path), "%s/never.svg", dir);
	assert_int_equal(atomic_file_open(&f, path, NULL), 0);
	fputs("partial", f.fp);
	atomic_file_abort(&f);
	assert_int_not_equal(access(path, F_OK), 0);
	assert_int_equal(count_entries(), 0);
}

static void test_atomic_file_bad_dir_reports(void **state)
{
	struct atomic_file f;
	struct errbuf err;
	errbuf_init(&err);
	int rc = atomic_file_open(&f, "/nonexistent-dir/x.svg", &err);
	assert_int_equal(rc, -ENOENT);
	assert_int_equal(err.code, -ENOENT);
	assert_non_null(strstr(err.msg.data, "cannot create '/nonexistent-dir/x.svg'"));
	errbuf_release(&err);
}

static void test_file_read_all_missing(void **state)
{
	struct errbuf err;
	struct buf b = BUF_INIT;
	errbuf_init(&err);
	assert_int_equal(file_read_all("/nonexistent-file", &b, &err), -ENOENT);
	assert_string_equal(err.msg.data, "cannot open '/nonexistent-file': No such file or directory");
	buf_release(&b);
	errbuf_release(&err);
}

static void test_errbuf_first_error_wins(void **state)
{
	struct errbuf err;
	errbuf_init(&err);
	assert_int_equal(errbuf_set(&err, -EIO, "first %d", 1), -EIO);
	assert_int_equal(errbuf_set(&err, -EINVAL, "second"), -EINVAL);
	assert_string_equal(err.msg.data, "first 1");
	assert_int_equal(err.code, -EIO);
	errbuf_hint(&err, "try %s", "this");
	assert_string_equal(err.hint.data, "try this");
	assert_int_equal(errbuf_set(NULL, -EPERM, "ignored"), -EPERM);
	errbuf_release(&err);
}

static void test_atomic_file_device_written_in_place(void **state)
{
	/* Through a link in our own dir, so a regression replaces the link, never /dev/null itself. */
	char link[300];
	struct atomic_file f;
	struct errbuf err;
	struct stat st;
	errbuf_init(&err);
	snprintf(link, sizeof(link), "%s/null-link", dir);
	assert_int_equal(symlink("/dev/null", link), 0);
	assert_int_equal(atomic_file_open(&f, link, &err), 0);
	assert_null(f.tmp_path);
	fputs("discarded", f.fp);
	assert_int_equal(atomic_file_commit(&f, &err), 0);
	assert_int_equal(lstat(link, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(stat("/dev/null", &st), 0);
	assert_true(S_ISCHR(st.st_mode));
	assert_int_equal(count_entries(), 1);
	errbuf_release(&err);
}

static void test_atomic_file_symlink_target_replaced(void **state)
{
	char target[300], link[300];
	struct atomic_file f;
	struct buf got = BUF_INIT;
	struct stat st;
	snprintf(target, sizeof(target), "%s/real.svg", dir);
	snprintf(link, sizeof(link), "%s/link.svg", dir);
	FILE *fp = fopen(target, "w");
	assert_non_null(fp);
	fputs("old", fp);
	fclose(fp);
	assert_int_equal(symlink("real.svg", link), 0);
	assert_int_equal(atomic_file_open(&f, link, NULL), 0);
	fputs("new", f.fp);
	assert_int_equal(atomic_file_commit(&f, NULL), 0);
	assert_int_equal(lstat(link, &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(file_read_all(target, &got, NULL), 0);
	assert_string_equal(got.data, "new");
	assert_int_equal(count_entries(), 2);
	buf_release(&got);
}

static void test_atomic_file_directory_refused(void **state)
{
	struct atomic_file f;
	struct errbuf err;
	errbuf_init(&err);
	assert_int_equal(atomic_file_open(&f, dir, &err), -EISDIR);
	assert_non_null(strstr(err.msg.data, "is a directory"));
	errbuf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_atomic_file_commit_renames, setup, teardown),
		cmocka_unit_test_setup_teardown(test_atomic_file_abort_leaves_nothing, setup, teardown),
		cmocka_unit_test(test_atomic_file_bad_dir_reports),
		cmocka_unit_test_setup_teardown(test_atomic_file_device_written_in_place, setup, teardown),
		cmocka_unit_test_setup_teardown(test_atomic_file_symlink_target_replaced, setup, teardown),
		cmocka_unit_test_setup_teardown(test_atomic_file_directory_refused, setup, teardown),
		cmocka_unit_test(test_file_read_all_missing),
		cmocka_unit_test(test_errbuf_first_error_wins),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

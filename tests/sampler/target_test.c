// SPDX-License-Identifier: Apache-2.0
/* Unit tests of sampler/target.c: pid and CPU lists, process and thread checks, cgroups, a command held before exec. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "lib/buf.h"
#include "lib/err.h"
#include "sampler/sampler.h"
#include "sampler/target.h"

static void test_target_parse_ids_list(void **state)
{
	pid_t *ids = NULL;
	size_t n = 0;
	struct errbuf err;
	errbuf_init(&err);
	assert_int_equal(sampler_parse_ids("12,3,4567", &ids, &n, &err), 0);
	assert_int_equal(n, 3);
	assert_int_equal(ids[0], 12);
	assert_int_equal(ids[1], 3);
	assert_int_equal(ids[2], 4567);
	/* a second -p appends */
	assert_int_equal(sampler_parse_ids("8", &ids, &n, &err), 0);
	assert_int_equal(n, 4);
	assert_int_equal(ids[3], 8);
	free(ids);
	errbuf_release(&err);
}

static void test_target_parse_ids_rejects_garbage(void **state)
{
	static const char *const bad[] = { "", "0", "-1", "1,,2", "1,", ",1", "12x", "abc", "99999999999", "1 2", "+3" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		pid_t *ids = NULL;
		size_t n = 0;
		struct errbuf err;
		errbuf_init(&err);
		assert_int_equal(sampler_parse_ids(bad[i], &ids, &n, &err), -EINVAL);
		assert_non_null(strstr(err.msg.data, "invalid id"));
		free(ids);
		errbuf_release(&err);
	}
}

static void test_target_parse_cpus_ranges(void **state)
{
	int *cpus = NULL;
	size_t n = 0;
	struct errbuf err;
	errbuf_init(&err);
	assert_int_equal(sampler_parse_cpus("0-3,6,8-9\n", &cpus, &n, &err), 0);
	int want[] = { 0, 1, 2, 3, 6, 8, 9 };
	assert_int_equal(n, 7);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(cpus[i], want[i]);
	free(cpus);
	errbuf_release(&err);
}

static void test_target_parse_cpus_rejects_garbage(void **state)
{
	static const char *const bad[] = { "", "3-1", "a", "1-", "-1", "1,,2", "0-70000", "1;2" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int *cpus = NULL;
		size_t n = 0;
		struct errbuf err;
		errbuf_init(&err);
		assert_int_equal(sampler_parse_cpus(bad[i], &cpus, &n, &err), -EINVAL);
		free(cpus);
		errbuf_release(&err);
	}
}

static void test_target_parse_duration_units(void **state)
{
	assert_int_equal(sampler_parse_duration("30"), 30000000000ull);
	assert_int_equal(sampler_parse_duration("2.5"), 2500000000ull);
	assert_int_equal(sampler_parse_duration("500ms"), 500000000ull);
	assert_int_equal(sampler_parse_duration("10s"), 10000000000ull);
	assert_int_equal(sampler_parse_duration("2m"), 120000000000ull);
	assert_int_equal(sampler_parse_duration("1h"), 3600000000000ull);
	static const char *const bad[] = { "", "0", "-1", "abc", "5x", "1e400", "nan", "inf", "5 s" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(sampler_parse_duration(bad[i]), 0);
}

static void test_target_parse_states(void **state)
{
	unsigned m;
	assert_int_equal(sampler_parse_states("S", &m), 0);
	assert_int_equal(m, SAMPLER_STATE_INTERRUPTIBLE);
	assert_int_equal(sampler_parse_states("D,R", &m), 0);
	assert_int_equal(m, SAMPLER_STATE_UNINTERRUPTIBLE | SAMPLER_STATE_PREEMPTED);
	assert_int_equal(sampler_parse_states("all", &m), 0);
	assert_int_equal(m, SAMPLER_STATE_ALL);
	assert_int_equal(sampler_parse_states("uninterruptible,other", &m), 0);
	assert_int_equal(m, SAMPLER_STATE_UNINTERRUPTIBLE | SAMPLER_STATE_OTHER);
	assert_int_equal(sampler_parse_states("X", &m), -EINVAL);
	assert_int_equal(sampler_parse_states("S,bogus", &m), -EINVAL);
	assert_int_equal(sampler_parse_states(",", &m), -EINVAL);
}

static void test_target_describe(void **state)
{
	struct buf b = BUF_INIT;
	pid_t pids[] = { getpid() };
	int cpus[] = { 0, 1 };
	struct sampler_opts o = { .pids = pids, .npids = 1, .cpus = cpus, .ncpus = 2 };
	sampler_describe_target(&o, NULL, &b);
	char want[128];
	snprintf(want, sizeof(want), "pid %d (target_test) on CPUs 0,1", (int)getpid());
	assert_string_equal(b.data, want);
	buf_reset(&b);
	char *cmd[] = { "make", "-j2", NULL };
	struct sampler_opts none = { 0 };
	sampler_describe_target(&none, cmd, &b);
	assert_string_equal(b.data, "command 'make -j2'");
	buf_reset(&b);
	struct sampler_opts all = { .all = true };
	sampler_describe_target(&all, NULL, &b);
	assert_string_equal(b.data, "all processes");
	buf_release(&b);
}

static void test_target_online_cpus_has_ours(void **state)
{
	int *cpus = NULL;
	size_t n = 0;
	struct errbuf err;
	errbuf_init(&err);
	assert_int_equal(target_online_cpus(&cpus, &n, &err), 0);
	assert_true(n >= 1);
	assert_true((long)n <= sysconf(_SC_NPROCESSORS_CONF));
	free(cpus);
	errbuf_release(&err);
}

static void *park(void *arg)
{
	pid_t *tid = arg;
	*tid = (pid_t)syscall(SYS_gettid);
	pause();
	return NULL;
}

static void test_target_check_process_thread_and_gone(void **state)
{
	struct errbuf err;
	errbuf_init(&err);
	assert_int_equal(target_check(getpid(), false, &err), 0);
	assert_true(target_alive(getpid()));

	/* a thread is a valid -t, not a valid -p */
	pthread_t t;
	volatile pid_t tid = 0;
	assert_int_equal(pthread_create(&t, NULL, park, (void *)&tid), 0);
	while (!tid)
		usleep(1000);
	assert_int_equal(target_check(tid, true, &err), 0);
	assert_int_equal(target_check(tid, false, &err), -EINVAL);
	assert_non_null(strstr(err.msg.data, "is a thread of process"));
	assert_non_null(strstr(err.hint.data, "-t"));
	pthread_cancel(t);
	pthread_join(t, NULL);
	errbuf_release(&err);

	/* a zombie has exited */
	errbuf_init(&err);
	pid_t child = fork();
	if (child == 0)
		_exit(0);
	for (int i = 0; i < 500 && target_alive(child); i++)
		usleep(10 * 1000); /* a loaded machine may take a while to run the child */
	assert_false(target_alive(child));
	assert_int_equal(target_check(child, false, &err), -ESRCH);
	assert_non_null(strstr(err.msg.data, "has exited"));
	waitpid(child, NULL, 0);
	errbuf_release(&err);

	errbuf_init(&err);
	assert_int_equal(target_check(child, false, &err), -ESRCH); /* reaped: gone */
	errbuf_release(&err);
}

static void test_target_cgroup_not_a_cgroup(void **state)
{
	struct errbuf err;
	errbuf_init(&err);
	char *resolved = NULL;
	assert_true(target_open_cgroup("/tmp", &resolved, &err) < 0);
	assert_null(resolved);
	assert_non_null(strstr(err.msg.data, "not a cgroup v2 directory"));
	errbuf_release(&err);
	errbuf_init(&err);
	assert_int_equal(target_open_cgroup("/nonexistent/scorch-cgroup", &resolved, &err), -ENOENT);
	assert_non_null(strstr(err.msg.data, "cannot open cgroup"));
	errbuf_release(&err);
}

static void test_target_spawn_runs_after_release(void **state)
{
	const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s/scorch-spawn.XXXXXX", tmp);
	assert_non_null(mkdtemp(dir));
	char path[4200];
	snprintf(path, sizeof(path), "%s/ran", dir);
	char *argv[] = { "touch", path, NULL };
	struct spawned sp;
	struct errbuf err;
	errbuf_init(&err);
	assert_int_equal(sampler_spawn(argv, &sp, &err), 0);
	usleep(50 * 1000);
	assert_int_not_equal(access(path, F_OK), 0); /* held until released */
	assert_int_equal(sampler_spawn_release(&sp, argv[0], &err), 0);
	int status;
	assert_int_equal(waitpid(sp.pid, &status, 0), sp.pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(access(path, F_OK), 0);
	unlink(path);
	rmdir(dir);
	errbuf_release(&err);
}

static void test_target_spawn_reports_exec_failure(void **state)
{
	char *argv[] = { "/nonexistent/scorch-cmd", NULL };
	struct spawned sp;
	struct errbuf err;
	errbuf_init(&err);
	assert_int_equal(sampler_spawn(argv, &sp, &err), 0);
	assert_int_equal(sampler_spawn_release(&sp, argv[0], &err), -ENOENT);
	assert_non_null(strstr(err.msg.data, "cannot run '/nonexistent/scorch-cmd': No such file"));
	assert_int_equal(sp.pid, -1); /* reaped */
	errbuf_release(&err);
}

static void test_target_spawn_abort_kills(void **state)
{
	char *argv[] = { "sleep", "100", NULL };
	struct spawned sp;
	struct errbuf err;
	errbuf_init(&err);
	assert_int_equal(sampler_spawn(argv, &sp, &err), 0);
	pid_t pid = sp.pid;
	sampler_spawn_abort(&sp);
	assert_int_equal(kill(pid, 0), -1); /* killed and reaped */
	assert_int_equal(sp.pid, -1);
	errbuf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_target_parse_ids_list),
		cmocka_unit_test(test_target_parse_ids_rejects_garbage),
		cmocka_unit_test(test_target_parse_cpus_ranges),
		cmocka_unit_test(test_target_parse_cpus_rejects_garbage),
		cmocka_unit_test(test_target_parse_duration_units),
		cmocka_unit_test(test_target_parse_states),
		cmocka_unit_test(test_target_describe),
		cmocka_unit_test(test_target_online_cpus_has_ours),
		cmocka_unit_test(test_target_check_process_thread_and_gone),
		cmocka_unit_test(test_target_cgroup_not_a_cgroup),
		cmocka_unit_test(test_target_spawn_runs_after_release),
		cmocka_unit_test(test_target_spawn_reports_exec_failure),
		cmocka_unit_test(test_target_spawn_abort_kills),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

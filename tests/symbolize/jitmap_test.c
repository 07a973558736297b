// SPDX-License-Identifier: Apache-2.0
/* Unit tests of JIT maps (symbolize/jitmap.c): hostile files, who may own a map, processes in containers. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fold/profile.h"
#include "symbolize/internal.h"
#include "symbolize/symbolize.h"

#define CODE_BYTES 8192

static void *exec_page(void)
{
	void *code = mmap(NULL, CODE_BYTES, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(code != MAP_FAILED);
	return code;
}

static void write_map(const char *path, uint64_t addr, const char *name, const char *mode)
{
	FILE *f = fopen(path, mode);
	assert_non_null(f);
	fprintf(f, "%llx 40 %s\n", (unsigned long long)addr, name);
	assert_int_equal(fclose(f), 0);
}

/* Resolve `addr` of `pid` with a fresh snapshot; the reason, and the name in `name` (size 128). */
static enum sym_reason resolve_fresh(int pid, uint64_t addr, char *name)
{
	struct symbolizer *s = symbolizer_new(NULL);
	assert_non_null(s);
	assert_int_equal(symbolizer_proc_snapshot(s, pid, NULL), 0);
	struct sym_chain c;
	assert_int_equal(symbolizer_resolve(s, pid, addr, 0, &c), 0);
	snprintf(name, 128, "%s", c.frames[c.nframes - 1].name);
	enum sym_reason r = c.reason;
	symbolizer_free(s);
	return r;
}

static void on_alarm(int sig)
{
	(void)sig;
	fail_msg("a JIT map that is a FIFO blocked the symbolizer");
}

static void test_jitmap_fifo_does_not_block(void **state)
{
	(void)state;
	void *code = exec_page();
	char path[64];
	snprintf(path, sizeof(path), "/tmp/perf-%d.map", getpid());
	unlink(path);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(jitmap_open(path, NULL, 0), -EINVAL);
	signal(SIGALRM, on_alarm);
	alarm(10);
	char name[128];
	assert_int_equal(resolve_fresh(getpid(), (uint64_t)(uintptr_t)code + 8, name), SYM_ANON);
	alarm(0);
	unlink(path);
	/* a directory under that name: not a map either */
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(jitmap_open(path, NULL, 0), -EINVAL);
	assert_int_equal(resolve_fresh(getpid(), (uint64_t)(uintptr_t)code + 8, name), SYM_ANON);
	rmdir(path);
	munmap(code, CODE_BYTES);
}

static void test_jitmap_garbage_and_huge_sizes(void **state)
{
	(void)state;
	char path[] = "/tmp/scorch-jitmap-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	static const char text[] = "ffffffffffffffff ffffffffffffffff wraps\n"
				   "1000 0 zero_size\n"
				   "12345678901234567890 10 too_many_digits\n"
				   "2000 10\n"
				   "3000 10 \n"
				   "zz 10 bad_hex\n"
				   "4000 10 fine name with spaces\r\n"
				   "5000 10 no_newline_at_end";
	assert_int_equal(write(fd, text, sizeof(text) - 1), (ssize_t)(sizeof(text) - 1));
	/* read from the start whatever the descriptor's position */
	struct arena a;
	arena_init(&a);
	struct symtab t;
	assert_int_equal(jitmap_load_fd(fd, &a, &t), 0);
	const struct sym_symbol *sym = symtab_find(&t, 0x4008);
	assert_non_null(sym);
	assert_string_equal(sym->name, "fine name with spaces");
	sym = symtab_find(&t, 0x5001);
	assert_non_null(sym);
	assert_string_equal(sym->name, "no_newline_at_end");
	sym = symtab_find(&t, 0x1000);
	assert_non_null(sym);
	assert_string_equal(sym->name, "zero_size");
	sym = symtab_find(&t, 0x2008);
	assert_true(!sym || strcmp(sym->name, "") != 0);
	symtab_release(&t);
	arena_release(&a);
	close(fd);
	unlink(path);
}

/* The owner rule: root, or the process's own user; anyone else's map is ignored and says so. */
static void test_jitmap_owner(void **state)
{
	(void)state;
	if (geteuid() != 0) {
		printf("SKIPPED: owner checks need root (chown)\n");
		skip();
	}
	void *code = exec_page();
	uint64_t addr = (uint64_t)(uintptr_t)code;
	char path[64], name[128];
	snprintf(path, sizeof(path), "/tmp/perf-%d.map", getpid());
	write_map(path, addr, "rooted_jit", "w");
	assert_int_equal(resolve_fresh(getpid(), addr + 4, name), SYM_OK);
	assert_string_equal(name, "rooted_jit");
	/* someone else's file under our name: it could lie about us */
	assert_int_equal(chown(path, 4242, 4242), 0);
	assert_int_equal(resolve_fresh(getpid(), addr + 4, name), SYM_JIT_MAP_UNTRUSTED);
	assert_string_equal(name, "[unknown]");
	assert_non_null(strstr(sym_reason_str(SYM_JIT_MAP_UNTRUSTED), "owned by"));
	unlink(path);

	/* a process of user 4242 writing its own map: trusted by root */
	int go[2], ready[2];
	assert_int_equal(pipe(go), 0);
	assert_int_equal(pipe(ready), 0);
	pid_t child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		alarm(20); /* never outlive a failed test */
		close(go[1]);
		close(ready[0]);
		if (setresgid(4242, 4242, 4242) || setresuid(4242, 4242, 4242))
			_exit(2);
		char own[64];
		snprintf(own, sizeof(own), "/tmp/perf-%d.map", getpid());
		FILE *f = fopen(own, "w");
		if (!f)
			_exit(3);
		fprintf(f, "%llx 40 users_own_jit\n", (unsigned long long)addr);
		fclose(f);
		char c = 'r';
		if (write(ready[1], &c, 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(4);
		unlink(own);
		_exit(0);
	}
	char c;
	assert_int_equal(read(ready[0], &c, 1), 1);
	assert_int_equal(resolve_fresh(child, addr + 4, name), SYM_OK);
	assert_string_equal(name, "users_own_jit");
	/* ... but not when a third user owns it */
	char theirs[64];
	snprintf(theirs, sizeof(theirs), "/tmp/perf-%d.map", child);
	assert_int_equal(chown(theirs, 4343, 4343), 0);
	assert_int_equal(resolve_fresh(child, addr + 4, name), SYM_JIT_MAP_UNTRUSTED);
	assert_int_equal(write(go[1], "x", 1), 1);
	int status;
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	unlink(theirs);
	close(go[0]);
	close(go[1]);
	close(ready[0]);
	close(ready[1]);
	munmap(code, CODE_BYTES);
}

/*
 * A process in its own PID and mount namespaces (a container) with a private
 * /tmp writes /tmp/perf-1.map there. `early`: the map exists before the
 * snapshot, and lines added after it (the JIT compiled more) are read after
 * the process and its namespaces are gone. Otherwise the map appears after
 * the snapshot and is found through the live process's root.
 */
static void container_case(bool early)
{
	void *code = exec_page();
	uint64_t addr = (uint64_t)(uintptr_t)code;
	int to_child[2], to_parent[2], pid_pipe[2]; /* the pid apart: its writer races the other's */
	assert_int_equal(pipe(to_child), 0);
	assert_int_equal(pipe(to_parent), 0);
	assert_int_equal(pipe(pid_pipe), 0);
	pid_t mid = fork();
	assert_true(mid >= 0);
	if (mid == 0) {
		alarm(20); /* never outlive a failed test */
		close(to_child[1]);
		close(to_parent[0]);
		if (unshare(CLONE_NEWNS | CLONE_NEWPID))
			_exit(2);
		pid_t inner = fork();
		if (inner < 0)
			_exit(3);
		if (inner > 0) {
			/* tell the test the container's process by its pid out here */
			if (write(pid_pipe[1], &inner, sizeof(inner)) != sizeof(inner))
				_exit(4);
			int st;
			waitpid(inner, &st, 0);
			_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 5);
		}
		/* pid 1 of the new namespace, with a /tmp nobody outside sees */
		if (getpid() != 1 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
		    mount("tmpfs", "/tmp", "tmpfs", 0, "size=1m"))
			_exit(6);
		char c;
		if (early) {
			write_map("/tmp/perf-1.map", addr, "container_jit_one", "w");
			if (write(to_parent[1], "m", 1) != 1 || read(to_child[0], &c, 1) != 1)
				_exit(7);
			write_map("/tmp/perf-1.map", addr + 0x100, "container_jit_later", "a");
		} else {
			if (write(to_parent[1], "m", 1) != 1 || read(to_child[0], &c, 1) != 1)
				_exit(7);
			write_map("/tmp/perf-1.map", addr, "container_jit_one", "w");
			write_map("/tmp/perf-1.map", addr + 0x100, "container_jit_later", "a");
		}
		if (write(to_parent[1], "w", 1) != 1 || read(to_child[0], &c, 1) != 1)
			_exit(8);
		_exit(0);
	}
	pid_t inner;
	char c;
	assert_int_equal(read(pid_pipe[0], &inner, sizeof(inner)), (ssize_t)sizeof(inner));
	assert_int_equal(read(to_parent[0], &c, 1), 1);
	char host_map[64];
	snprintf(host_map, sizeof(host_map), "/tmp/perf-%d.map", inner);
	assert_int_equal(access(host_map, F_OK), -1); /* only the container has it */

	struct symbolizer *s = symbolizer_new(NULL);
	assert_non_null(s);
	assert_int_equal(symbolizer_proc_snapshot(s, inner, NULL), 0);
	assert_int_equal(write(to_child[1], "a", 1), 1);
	assert_int_equal(read(to_parent[0], &c, 1), 1); /* both lines are written */
	if (early) {
		/* let it exit: its namespaces and its /tmp go with it */
		assert_int_equal(write(to_child[1], "x", 1), 1);
		int st;
		assert_int_equal(waitpid(mid, &st, 0), mid);
		assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	struct sym_chain ch;
	assert_int_equal(symbolizer_resolve(s, inner, addr + 4, 0, &ch), 0);
	assert_int_equal(ch.reason, SYM_OK);
	assert_string_equal(ch.frames[0].name, "container_jit_one");
	assert_int_equal(ch.frames[0].kind, FRAME_JIT);
	assert_string_equal(ch.module, host_map);
	assert_int_equal(symbolizer_resolve(s, inner, addr + 0x104, 0, &ch), 0);
	assert_int_equal(ch.reason, SYM_OK);
	assert_string_equal(ch.frames[0].name, "container_jit_later");
	symbolizer_free(s);
	if (!early) {
		assert_int_equal(write(to_child[1], "x", 1), 1);
		int st;
		assert_int_equal(waitpid(mid, &st, 0), mid);
		assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	close(to_child[0]);
	close(to_child[1]);
	close(to_parent[0]);
	close(to_parent[1]);
	close(pid_pipe[0]);
	close(pid_pipe[1]);
	munmap(code, CODE_BYTES);
}

static void test_jitmap_container_exited(void **state)
{
	(void)state;
	if (geteuid() != 0) {
		printf("SKIPPED: namespaces need root\n");
		skip();
	}
	container_case(true);
}

static void test_jitmap_container_live(void **state)
{
	(void)state;
	if (geteuid() != 0) {
		printf("SKIPPED: namespaces need root\n");
		skip();
	}
	container_case(false);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_jitmap_fifo_does_not_block),
		cmocka_unit_test(test_jitmap_garbage_and_huge_sizes),
		cmocka_unit_test(test_jitmap_owner),
		cmocka_unit_test(test_jitmap_container_exited),
		cmocka_unit_test(test_jitmap_container_live),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

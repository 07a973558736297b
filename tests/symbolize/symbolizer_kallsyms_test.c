// SPDX-License-Identifier: Apache-2.0
/* Unit tests of symbolize/'s kernel symbols: kallsyms regions and aliases, perf's saved copy, hostile text, this machine's. */
#include "tests/symbolize/symbolizer_fixture.h"

#include <errno.h>

#include "fold/profile.h"
#include "lib/buf.h"
#include "lib/err.h"
#include "lib/file.h"
#include "symbolize/symbolize.h"

static void test_symbolize_kallsyms_regions(void **state)
{
	/*
	 * A kallsyms with a core region, a module and BPF, aliases and a hole. The
	 * getpid and memcpy alias groups are this kernel's; `perf script` (6.1)
	 * names a sample in getpid __x64_sys_getpid: of unsized aliases perf keeps
	 * the last in file order (only it gets a size before duplicates are
	 * dropped), not the global one with the longest name (__ia32_sys_getpid).
	 */
	static const char text[] = "ffffffff81000000 T _stext\n"
				   "ffffffff81000000 T _text\n"
				   "ffffffff81000100 t local_fn\n"
				   "ffffffff81000200 t __do_sys_getpid\n"
				   "ffffffff81000200 T __ia32_sys_getpid\n"
				   "ffffffff81000200 T __x64_sys_getpid\n"
				   "ffffffff81000280 T memcpy\n"
				   "ffffffff81000280 T __memcpy\n"
				   "ffffffff81000280 T __pi_memcpy\n"
				   "ffffffff81000280 d data_alias\n"
				   "ffffffff81000300 T last_core_fn\n"
				   "ffffffff82000000 D some_data\n"
				   "ffffffffc0001000 t ext4_read\t[ext4]\n"
				   "ffffffffc0001080 t ext4_last\t[ext4]\n"
				   "ffffffffc0100000 t bpf_prog_0123456789abcdef_handler\t[bpf]\n"
				   "bogus line\n"
				   "zzzz T nothex\n";
	char path[512];
	snprintf(path, sizeof(path), "%s/kallsyms", tmpdir);
	write_file(path, text, sizeof(text) - 1);
	struct symbolizer_opts o = { .kallsyms = path };
	struct symbolizer *s = symbolizer_new(&o);
	struct sym_chain c;
	assert_int_equal(symbolizer_resolve(s, SYM_PID_KERNEL, 0xffffffff81000010, 0, &c), 0);
	assert_string_equal(c.symbol, "_text");
	assert_int_equal(c.symbol_offset, 0x10);
	assert_string_equal(c.module, "[kernel.kallsyms]");
	assert_int_equal(c.frames[0].kind, FRAME_KERNEL);
	assert_int_equal(symbolizer_resolve(s, SYM_PID_KERNEL, 0xffffffff81000250, 0, &c), 0);
	assert_string_equal(c.symbol, "__x64_sys_getpid");
	/* A data symbol at the address of text does not name it. */
	assert_int_equal(symbolizer_resolve(s, SYM_PID_KERNEL, 0xffffffff81000290, 0, &c), 0);
	assert_string_equal(c.symbol, "__pi_memcpy");
	assert_int_equal(symbolizer_resolve(s, 0, 0xffffffff810001ff, 0, &c), 0);
	assert_string_equal(c.symbol, "local_fn");
	/* A return address at a symbol's start belongs to the call before it. */
	assert_int_equal(symbolizer_resolve(s, SYM_PID_KERNEL, 0xffffffff81000200, SYM_RETURN_ADDRESS, &c), 0);
	assert_string_equal(c.symbol, "local_fn");
	/* Past the last symbols: not blamed on them. */
	assert_int_equal(symbolizer_resolve(s, SYM_PID_KERNEL, 0xffffffff81900000, 0, &c), 0);
	assert_int_equal(c.reason, SYM_NO_SYMBOL);
	assert_int_equal(symbolizer_resolve(s, SYM_PID_KERNEL, 0xffffffffc0001090, 0, &c), 0);
	assert_string_equal(c.symbol, "ext4_last");
	assert_string_equal(c.module, "[ext4]");
	assert_int_equal(symbolizer_resolve(s, SYM_PID_KERNEL, 0xffffffffc0050000, 0, &c), 0);
	assert_int_equal(c.reason, SYM_NO_SYMBOL);
	assert_int_equal(symbolizer_resolve(s, SYM_PID_KERNEL, 0xffffffffc0100040, 0, &c), 0);
	assert_string_equal(c.symbol, "bpf_prog_0123456789abcdef_handler");
	assert_string_equal(c.module, "[bpf]");
	assert_int_equal(symbolizer_resolve(s, SYM_PID_KERNEL, 0xffffffffc0200000, 0, &c), 0);
	assert_int_equal(c.reason, SYM_NO_SYMBOL);
	/* The data symbol ends the core text before it but is never an answer. */
	assert_int_equal(symbolizer_resolve(s, SYM_PID_KERNEL, 0xffffffff82000010, 0, &c), 0);
	assert_int_equal(c.reason, SYM_NO_SYMBOL);
	symbolizer_free(s);
	/* Hidden addresses (kptr_restrict) and a missing file. */
	static const char hidden[] = "0000000000000000 T _text\n0000000000000000 T foo\n";
	write_file(path, hidden, sizeof(hidden) - 1);
	s = symbolizer_new(&o);
	assert_int_equal(symbolizer_resolve(s, SYM_PID_KERNEL, 0xffffffff81000000, 0, &c), 0);
	assert_int_equal(c.reason, SYM_NO_KERNEL_SYMBOLS);
	symbolizer_free(s);
	o.kallsyms = "/nonexistent/kallsyms";
	s = symbolizer_new(&o);
	assert_int_equal(symbolizer_resolve(s, SYM_PID_KERNEL, 0xffffffff81000000, 0, &c), 0);
	assert_int_equal(c.reason, SYM_NO_KERNEL_SYMBOLS);
	symbolizer_free(s);
	unlink(path);
}

/* Write a kallsyms copy for build-id `hexid` into perf's cache under `home`. */
static void write_cached_kallsyms(const char *home, const char *hexid, const char *text)
{
	char dir[600], path[700], mk[800];
	snprintf(dir, sizeof(dir), "%s/.debug/[kernel.kallsyms]/%s", home, hexid);
	snprintf(mk, sizeof(mk), "mkdir -p '%s'", dir);
	assert_int_equal(system(mk), 0);
	snprintf(path, sizeof(path), "%s/kallsyms", dir);
	write_file(path, text, strlen(text));
}

static void test_symbolize_kallsyms_perf_cache(void **state)
{
	/*
	 * perf record saves the kernel's kallsyms under its build-id, and perf
	 * script names kernel frames from that copy: so do we, when the recording's
	 * "[kernel.kallsyms]_text" mapping puts _text where the copy does.
	 */
	static const char hexid[] = "e4f18d9dc1d0e6fc2b17e93e885a647b3c0a6fc1";
	static const char text[] = "ffffffff81000000 T _text\n"
				   "ffffffff81000100 T only_in_the_saved_copy\n"
				   "ffffffff81000200 T after_it\n";
	uint8_t id[20];
	for (int i = 0; i < 20; i++)
		sscanf(hexid + 2 * i, "%2hhx", &id[i]);
	write_cached_kallsyms(tmpdir, hexid, text);
	char *old_home = getenv("HOME") ? strdup(getenv("HOME")) : NULL;
	setenv("HOME", tmpdir, 1);
	struct symbolizer *same = symbolizer_new(NULL);
	struct symbolizer *moved = symbolizer_new(NULL);
	struct symbolizer_opts off = { .no_perf_cache = true };
	struct symbolizer *nocache = symbolizer_new(&off);
	if (old_home)
		setenv("HOME", old_home, 1);
	free(old_home);
	struct sym_chain c;
	assert_int_equal(symbolizer_add_build_id(same, "[kernel.kallsyms]", id, 20), 0);
	assert_int_equal(symbolizer_kernel_ref(same, "_text", 0xffffffff81000000), 0);
	assert_int_equal(symbolizer_resolve(same, SYM_PID_KERNEL, 0xffffffff81000110, 0, &c), 0);
	assert_string_equal(c.symbol, "only_in_the_saved_copy");
	assert_int_equal(c.symbol_offset, 0x10);
	/* Another boot's layout (KASLR): the copy is not used. */
	assert_int_equal(symbolizer_add_build_id(moved, "[kernel.kallsyms]", id, 20), 0);
	assert_int_equal(symbolizer_kernel_ref(moved, "_text", 0xffffffff9a000000), 0);
	assert_int_equal(symbolizer_resolve(moved, SYM_PID_KERNEL, 0xffffffff81000110, 0, &c), 0);
	assert_string_not_equal(c.symbol, "only_in_the_saved_copy");
	/* Nor with the cache turned off. */
	assert_int_equal(symbolizer_add_build_id(nocache, "[kernel.kallsyms]", id, 20), 0);
	assert_int_equal(symbolizer_kernel_ref(nocache, "_text", 0xffffffff81000000), 0);
	assert_int_equal(symbolizer_resolve(nocache, SYM_PID_KERNEL, 0xffffffff81000110, 0, &c), 0);
	assert_string_not_equal(c.symbol, "only_in_the_saved_copy");
	symbolizer_free(same);
	symbolizer_free(moved);
	symbolizer_free(nocache);
	char rm[600];
	snprintf(rm, sizeof(rm), "rm -rf '%s/.debug'", tmpdir);
	assert_int_equal(system(rm), 0);
}

static void test_symbolize_kallsyms_hostile(void **state)
{
	/* Bad kallsyms text: never a crash (ASan), and the good lines still count. */
	char path[512];
	snprintf(path, sizeof(path), "%s/kallsyms", tmpdir);
	struct buf t = BUF_INIT;
	buf_addstr(&t, "ffffffff81000000 T good_fn\n"
		       "ffffffff81000010 T\n"                 /* no name */
		       "ffffffff81000020 T \n"                /* empty name */
		       "ffffffff81000030 T tabbed\t[\n"       /* unterminated module */
		       "ffffffff81000040 X odd_type\n"
		       "fffffffffffffffffffff T too_many_digits\n"
		       "\n\n \t\n"
		       "ffffffff81000050 t long_");
	for (int i = 0; i < 70000; i++) /* a name longer than perf's KSYM_NAME_LEN, or 16 bits */
		buf_addch(&t, 'x');
	buf_addstr(&t, "\nffffffff81000060 T last_no_newline");
	write_file(path, t.data, t.len);
	buf_release(&t);
	struct symbolizer_opts o = { .kallsyms = path };
	struct symbolizer *s = symbolizer_new(&o);
	struct sym_chain c;
	assert_int_equal(symbolizer_resolve(s, SYM_PID_KERNEL, 0xffffffff81000004, 0, &c), 0);
	assert_string_equal(c.symbol, "good_fn");
	assert_int_equal(symbolizer_resolve(s, SYM_PID_KERNEL, 0xffffffff81000061, 0, &c), 0);
	assert_string_equal(c.symbol, "last_no_newline");
	symbolizer_free(s);
	/* Empty and binary files: no kernel symbols, no crash. */
	static const char junk[] = "\0\x01\xff\xfe ffff T \0name\n";
	write_file(path, junk, sizeof(junk) - 1);
	s = symbolizer_new(&o);
	assert_int_equal(symbolizer_resolve(s, SYM_PID_KERNEL, 0xffffffff81000000, 0, &c), 0);
	symbolizer_free(s);
	write_file(path, "", 0);
	s = symbolizer_new(&o);
	assert_int_equal(symbolizer_resolve(s, SYM_PID_KERNEL, 0xffffffff81000000, 0, &c), 0);
	assert_int_equal(c.reason, SYM_NO_KERNEL_SYMBOLS);
	symbolizer_free(s);
	unlink(path);
}

static void test_symbolize_kallsyms_live(void **state)
{
	/* Symbols sampled from this machine's /proc/kallsyms resolve to themselves (or an alias) and their module. */
	struct buf text = BUF_INIT;
	if (file_read_all("/proc/kallsyms", &text, NULL) < 0 || text.len == 0 || strncmp(text.data, "0000000000000000", 16) == 0) {
		buf_release(&text);
		skip();
	}
	struct symbolizer *s = symbolizer_new(NULL);
	char *save = NULL;
	size_t n = 0, checked = 0;
	uint64_t prev = 0;
	for (char *line = strtok_r(text.data, "\n", &save); line; line = strtok_r(NULL, "\n", &save), n++) {
		if (n % 97)
			continue;
		char type, name[512], mod[128] = "";
		unsigned long long addr;
		if (sscanf(line, "%llx %c %511s %127s", &addr, &type, name, mod) < 3 || (type | 0x20) != 't' || addr == prev)
			continue;
		prev = addr;
		struct sym_chain c;
		assert_int_equal(symbolizer_resolve(s, SYM_PID_KERNEL, addr, 0, &c), 0);
		assert_int_equal(c.reason, SYM_OK);
		assert_int_equal(c.symbol_offset, 0);
		if (*mod)
			assert_string_equal(c.module, mod);
		else
			assert_string_equal(c.module, "[kernel.kallsyms]");
		/* The name is this one or an alias at the same address. */
		if (strcmp(c.symbol, name) != 0) {
			struct buf want = BUF_INIT;
			buf_addf(&want, "\n%llx %c %s", addr, 'T', c.symbol);
			struct buf want2 = BUF_INIT;
			buf_addf(&want2, "%llx", addr);
			assert_true(strncmp(line, want2.data, want2.len) == 0);
			buf_release(&want);
			buf_release(&want2);
		}
		checked++;
	}
	assert_true(checked > 100);
	buf_release(&text);
	symbolizer_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_symbolize_kallsyms_regions),
		cmocka_unit_test(test_symbolize_kallsyms_perf_cache),
		cmocka_unit_test(test_symbolize_kallsyms_hostile),
		cmocka_unit_test(test_symbolize_kallsyms_live),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

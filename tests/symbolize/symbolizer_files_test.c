// SPDX-License-Identifier: Apache-2.0
/* Unit tests of symbolize/ on binaries on disk: replayed maps, inlines, debug dirs and build-id caches, damaged ELF, demangled names. */
#include "tests/symbolize/symbolizer_fixture.h"

#include <errno.h>

#include "fold/profile.h"
#include "lib/buf.h"
#include "lib/err.h"
#include "lib/file.h"
#include "symbolize/symbolize.h"

static void test_symbolize_replay_maps(void **state)
{
	char bin[512];
	if (!fixture_bin("cpu_fp", bin, sizeof(bin)))
		skip();
	uint64_t main_addr = golden_addr("cpu_fp", "main");
	assert_true(main_addr > 0);
	struct symbolizer *s = symbolizer_new(NULL);
	/* cpu_fp is PIE: text mapped at 0x555555555000 from file offset 0x1000. */
	struct sym_mmap m = { .start = 0x555555555000, .len = 0x1000, .pgoff = 0x1000, .filename = bin, .exec = true };
	assert_int_equal(symbolizer_proc_mmap(s, 100, &m), 0);
	uint64_t rt = 0x555555554000 + main_addr;
	struct sym_chain c;
	assert_int_equal(symbolizer_resolve(s, 100, rt, 0, &c), 0);
	assert_string_equal(c.frames[c.nframes - 1].name, "main");
	assert_int_equal(c.rel_addr, main_addr);
	/* A fork inherits; an exec forgets; a data mmap over the text removes it. */
	assert_int_equal(symbolizer_proc_fork(s, 101, 100), 0);
	assert_int_equal(symbolizer_resolve(s, 101, rt + 4, SYM_RETURN_ADDRESS, &c), 0);
	assert_int_equal(c.reason, SYM_OK);
	symbolizer_proc_exec(s, 100);
	assert_int_equal(symbolizer_resolve(s, 100, rt, 0, &c), 0);
	assert_int_equal(c.reason, SYM_NO_MAPPING);
	struct sym_mmap data = { .start = rt & ~0xfffULL, .len = 0x1000, .filename = "//anon", .exec = false };
	assert_int_equal(symbolizer_proc_mmap(s, 101, &data), 0);
	assert_int_equal(symbolizer_resolve(s, 101, rt, 0, &c), 0);
	assert_int_equal(c.reason, SYM_NO_MAPPING);
	/* A missing file, and one whose build-id is not the recorded one. */
	struct sym_mmap gone = { .start = 0x7f0000000000, .len = 0x1000, .filename = "/nonexistent/lib.so", .exec = true };
	assert_int_equal(symbolizer_proc_mmap(s, 102, &gone), 0);
	assert_int_equal(symbolizer_resolve(s, 102, 0x7f0000000010, 0, &c), 0);
	assert_int_equal(c.reason, SYM_NO_FILE);
	assert_string_equal(c.module, "/nonexistent/lib.so");
	static const uint8_t other_id[20] = { 1, 2, 3 };
	struct sym_mmap wrong = { .start = 0x7f0000000000, .len = 0x1000, .pgoff = 0x1000, .filename = bin,
				  .build_id = other_id, .build_id_len = 20, .exec = true };
	assert_int_equal(symbolizer_proc_mmap(s, 103, &wrong), 0);
	assert_int_equal(symbolizer_resolve(s, 103, 0x7f0000000010, 0, &c), 0);
	assert_int_equal(c.reason, SYM_BUILD_ID_MISMATCH);
	struct symbolizer_stats st;
	symbolizer_get_stats(s, &st);
	assert_int_equal(st.unknown[SYM_NO_FILE], 1);
	assert_int_equal(st.unknown[SYM_BUILD_ID_MISMATCH], 1);
	/* Into a profile: root first, unknown frames keep their module, losses reported. */
	struct profile *p = profile_new();
	uint32_t ids[8];
	assert_int_equal(symbolizer_proc_mmap(s, 104, &m), 0);
	assert_int_equal(symbolizer_resolve(s, 104, 0x555555554000 + golden_addr("cpu_fp", "leaf_mul"), 0, &c), 0);
	int n = symbolizer_chain_to_profile(s, &c, p, 0, ids, 8);
	assert_int_equal(n, (int)c.nframes);
	const struct frame *f = profile_frame_get(p, ids[n - 1]);
	assert_string_equal(profile_str(p, f->name), "leaf_mul");
	assert_string_equal(profile_str(p, f->module), bin);
	assert_int_equal(f->kind, FRAME_USER);
	assert_int_equal(symbolizer_resolve(s, 102, 0x7f0000000010, 0, &c), 0);
	assert_int_equal(symbolizer_chain_to_profile(s, &c, p, 0, ids, 8), 1);
	f = profile_frame_get(p, ids[0]);
	/* named after its file, as perf script | stackcollapse-perf.pl names "[unknown] (/nonexistent/lib.so)" */
	assert_string_equal(profile_str(p, f->name), "[lib.so]");
	assert_string_equal(profile_str(p, f->module), "/nonexistent/lib.so");
	assert_int_equal(f->kind, FRAME_SYNTHETIC);
	assert_int_equal(symbolizer_chain_to_profile(s, &c, p, 0, ids, 0), -ENOSPC);
	assert_int_equal(symbolizer_report_unknown(s, p), 0);
	assert_true(profile_loss_count(p) >= 2);
	profile_free(p);
	symbolizer_free(s);
}

static void test_symbolize_inlines_into_profile(void **state)
{
	/* inl_fp: outer_two -> inl_mid -> inl_leaf, all but outer_two inlined (llvm-symbolizer's golden). */
	char bin[512];
	if (!fixture_bin("inl_fp", bin, sizeof(bin)))
		skip();
	struct symbolizer *s = symbolizer_new(NULL);
	struct sym_module *mod = symbolizer_open_file(s, bin, NULL);
	assert_non_null(mod);
	uint64_t a = golden_addr("inl_fp", "inl_leaf");
	assert_true(a > 0);
	struct sym_chain c;
	assert_int_equal(symbolizer_resolve_module(s, mod, a, 0, &c), 0);
	assert_true(c.nframes >= 2);
	assert_string_equal(c.frames[0].name, "inl_leaf");
	assert_int_equal(c.frames[0].kind, FRAME_INLINED);
	assert_int_equal(c.frames[c.nframes - 1].kind, FRAME_USER);
	struct profile *p = profile_new();
	uint32_t ids[16];
	int n = symbolizer_chain_to_profile(s, &c, p, SYM_PROFILE_LINES, ids, 16);
	assert_int_equal(n, (int)c.nframes);
	assert_string_equal(profile_str(p, profile_frame_get(p, ids[n - 1])->name), "inl_leaf");
	assert_true(profile_frame_get(p, ids[n - 1])->line > 0);
	assert_string_equal(profile_str(p, profile_frame_get(p, ids[0])->name), c.frames[c.nframes - 1].name);
	assert_int_equal(symbolizer_chain_to_profile(s, &c, p, SYM_PROFILE_NO_INLINES, ids, 16), 1);
	assert_int_equal(symbolizer_resolve_module(s, mod, a, SYM_NO_INLINES, &c), 0);
	assert_int_equal(c.nframes, 1);
	profile_free(p);
	symbolizer_free(s);
}

static void test_symbolize_debug_dir_build_id(void **state)
{
	/* perf.data names /tmp/scorch-fx/bin/X; the binary is found in --debug-dir by its build-id. */
	char dir[512], bin[512];
	if (!fixture_bin("inl_fp", bin, sizeof(bin)))
		skip();
	snprintf(dir, sizeof(dir), "%s/perf/bin", fixtures());
	/* Its build-id, as the fixtures list it. */
	uint8_t id[20];
	char list[512], line[256], hexid[64] = "";
	snprintf(list, sizeof(list), "%s/perf/bin/BUILD_IDS.txt", fixtures());
	FILE *f = fopen(list, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		if (strstr(line, " inl_fp\n"))
			sscanf(line, "%63s", hexid);
	fclose(f);
	assert_int_equal(strlen(hexid), 40);
	for (int i = 0; i < 20; i++)
		sscanf(hexid + 2 * i, "%2hhx", &id[i]);
	const char *dirs[] = { dir };
	struct symbolizer_opts o = { .debug_dirs = dirs, .ndebug_dirs = 1, .no_perf_cache = true };
	struct symbolizer *s = symbolizer_new(&o);
	uint64_t a = golden_addr("inl_fp", "outer_one");
	struct sym_mmap m = { .start = 0x400000 + 0x1000, .len = 0x1000, .pgoff = 0x1000,
			      .filename = "/tmp/scorch-fx/bin/inl_fp-not-here", .exec = true };
	assert_int_equal(symbolizer_add_build_id(s, m.filename, id, 20), 0);
	assert_int_equal(symbolizer_proc_mmap(s, 7, &m), 0);
	struct sym_chain c;
	assert_int_equal(symbolizer_resolve(s, 7, 0x400000 + a, 0, &c), 0);
	assert_int_equal(c.reason, SYM_OK);
	assert_string_equal(c.frames[c.nframes - 1].name, "outer_one");
	assert_string_equal(c.module, "/tmp/scorch-fx/bin/inl_fp-not-here");
	/* No build-id: found by base name in the debug dir. */
	struct sym_mmap byname = { .start = 0x400000 + 0x1000, .len = 0x1000, .pgoff = 0x1000,
				   .filename = "/elsewhere/inl_fp", .exec = true };
	assert_int_equal(symbolizer_proc_mmap(s, 8, &byname), 0);
	assert_int_equal(symbolizer_resolve(s, 8, 0x400000 + a, 0, &c), 0);
	assert_string_equal(c.frames[c.nframes - 1].name, "outer_one");
	/* And directly by build-id. */
	struct errbuf err;
	errbuf_init(&err);
	assert_non_null(symbolizer_open_build_id(s, id, 20, &err));
	static const uint8_t nobody[20] = { 0xde, 0xad };
	assert_null(symbolizer_open_build_id(s, nobody, 20, &err));
	errbuf_release(&err);
	symbolizer_free(s);
}

static void test_symbolize_perf_buildid_cache(void **state)
{
	/* perf's cache: ~/.debug/.build-id/xx/rest/elf holds the binary a recording names by build-id. */
	char bin[512];
	if (!fixture_bin("inl_fp", bin, sizeof(bin)))
		skip();
	static const char hexid[] = "b785047cfe94172185f3fea0d144b3d9a874470d"; /* bin/BUILD_IDS.txt */
	uint8_t id[20];
	for (int i = 0; i < 20; i++)
		sscanf(hexid + 2 * i, "%2hhx", &id[i]);
	char dir[600], path[700];
	snprintf(dir, sizeof(dir), "%s/.debug/.build-id/b7/%s", tmpdir, hexid + 2);
	char mk[700];
	snprintf(mk, sizeof(mk), "mkdir -p '%s'", dir);
	assert_int_equal(system(mk), 0);
	struct buf elf = BUF_INIT;
	assert_int_equal(file_read_all(bin, &elf, NULL), 0);
	snprintf(path, sizeof(path), "%s/elf", dir);
	write_file(path, elf.data, elf.len);
	buf_release(&elf);
	char *old_home = getenv("HOME") ? strdup(getenv("HOME")) : NULL;
	setenv("HOME", tmpdir, 1);
	struct symbolizer *s = symbolizer_new(NULL);
	if (old_home)
		setenv("HOME", old_home, 1);
	free(old_home);
	struct sym_mmap m = { .start = 0x400000 + 0x1000, .len = 0x1000, .pgoff = 0x1000,
			      .filename = "/gone/inl_fp", .build_id = id, .build_id_len = 20, .exec = true };
	assert_int_equal(symbolizer_proc_mmap(s, 9, &m), 0);
	struct sym_chain c;
	assert_int_equal(symbolizer_resolve(s, 9, 0x400000 + golden_addr("inl_fp", "outer_one"), 0, &c), 0);
	assert_string_equal(c.frames[c.nframes - 1].name, "outer_one");
	symbolizer_free(s);
	snprintf(mk, sizeof(mk), "rm -rf '%s/.debug'", tmpdir);
	assert_int_equal(system(mk), 0);
}

static void test_symbolize_bad_files(void **state)
{
	char bin[512];
	if (!fixture_bin("inl_fp", bin, sizeof(bin)))
		skip();
	struct buf elf = BUF_INIT;
	assert_int_equal(file_read_all(bin, &elf, NULL), 0);
	uint64_t a = golden_addr("inl_fp", "outer_one");
	char path[512];
	snprintf(path, sizeof(path), "%s/bad.elf", tmpdir);
	/* Truncated copies at many lengths, then garbage over every region: never a crash. */
	size_t cuts[] = { 0, 1, 4, 16, 52, 64, 100, 200, 1000, 4096, 8192, elf.len / 2, elf.len - 100, elf.len - 1 };
	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		write_file(path, elf.data, cuts[i]);
		struct symbolizer *s = symbolizer_new(NULL);
		struct errbuf err;
		errbuf_init(&err);
		struct sym_module *m = symbolizer_open_file(s, path, &err);
		if (m) {
			struct sym_chain c;
			assert_int_equal(symbolizer_resolve_module(s, m, a, 0, &c), 0);
			assert_true(c.nframes >= 1);
		} else {
			assert_true(err.msg.len > 0);
		}
		struct sym_mmap mm = { .start = 0x10000, .len = 0x1000, .pgoff = 0x1000, .filename = path, .exec = true };
		symbolizer_proc_mmap(s, 1, &mm);
		struct sym_chain c;
		assert_int_equal(symbolizer_resolve(s, 1, 0x10010, 0, &c), 0);
		assert_true(c.nframes >= 1);
		errbuf_release(&err);
		symbolizer_free(s);
	}
	srand(1);
	char *copy = malloc(elf.len);
	assert_non_null(copy);
	for (int round = 0; round < 40; round++) {
		memcpy(copy, elf.data, elf.len);
		/* Scribble over one region: headers, section table, DWARF or symbols. */
		size_t at = round < 4 ? (size_t)round * 16 : (size_t)rand() % elf.len;
		size_t len = 1 + (size_t)rand() % 512;
		for (size_t k = at; k < at + len && k < elf.len; k++)
			copy[k] = (char)rand();
		write_file(path, copy, elf.len);
		struct symbolizer *s = symbolizer_new(NULL);
		struct sym_module *m = symbolizer_open_file(s, path, NULL);
		if (m) {
			struct sym_chain c;
			for (uint64_t x = 0x1000; x < 0x1400; x += 7)
				assert_int_equal(symbolizer_resolve_module(s, m, x, 0, &c), 0);
		}
		symbolizer_free(s);
	}
	/* Not ELF at all, and a directory. */
	write_file(path, "hello world, not an elf file at all\n", 36);
	struct symbolizer *s = symbolizer_new(NULL);
	struct errbuf err;
	errbuf_init(&err);
	assert_null(symbolizer_open_file(s, path, &err));
	assert_non_null(strstr(err.msg.data, "not an ELF"));
	errbuf_release(&err);
	assert_null(symbolizer_open_file(s, tmpdir, NULL));
	struct sym_mmap mm = { .start = 0x10000, .len = 0x1000, .filename = path, .exec = true };
	assert_int_equal(symbolizer_proc_mmap(s, 1, &mm), 0);
	struct sym_chain c;
	assert_int_equal(symbolizer_resolve(s, 1, 0x10010, 0, &c), 0);
	assert_string_equal(c.frames[0].name, "[unknown]");
	assert_true(c.reason != SYM_OK);
	symbolizer_free(s);
	free(copy);
	buf_release(&elf);
	unlink(path);
}

static void test_symbolize_demangle_short(void **state)
{
	/*
	 * Names as `perf probe -F` (perf 6.1's loader and demangler, the same as
	 * perf script's) lists them for tests/workloads/symbolize/perfnames.cpp
	 * built with g++ 12: no parameters, return type, qualifiers or clone
	 * suffix; GNU spellings of lambdas, of "operator<" before template args,
	 * and of the enclosing function of a local name.
	 */
	static const char *const cases[][2] = {
		{ "_Z7apply_nIZ4mainEUliE_ElT_i.constprop.0", "apply_n<main::{lambda(int)#1}>" },
		{ "_Z7apply_nIZZ4mainENKUlvE1_clEvEUliE_ElT_i.constprop.0",
		  "apply_n<main::{lambda()#3}::operator()() const::{lambda(int)#1}>" },
		{ "_ZN12_GLOBAL__N_17Counter3addEPKcl.cold", "(anonymous namespace)::Counter::add" },
		{ "_ZN12_GLOBAL__N_17CounterD2Ev", "(anonymous namespace)::Counter::~Counter" },
		{ "_ZN3geolsIlEEbRKNS_3VecIT_EEi.isra.0", "geo::operator<< <long>" },
		{ "_ZN3geoltIlEEbRKNS_3VecIT_EES5_", "geo::operator< <long>" },
		{ "_ZNSt17_Function_handlerIFliEZ4mainEUliE0_E9_M_invokeERKSt9_Any_dataOi",
		  "std::_Function_handler<long (int), main::{lambda(int)#2}>::_M_invoke" },
		{ "_ZZNSt8__detail18__to_chars_10_implIjEEvPcjT_E8__digits",
		  "std::__detail::__to_chars_10_impl<unsigned int>(char*, unsigned int, unsigned int)::__digits" },
		/* libstdc++'s: a transaction clone in full, nullptr_t as libiberty spells it */
		{ "_ZGTtNKSt11logic_error4whatEv", "transaction clone for std::logic_error::what() const" },
		{ "_ZTIDn", "typeinfo for decltype(nullptr)" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *d = sym_demangle_short(cases[i][0]);
		assert_non_null(d);
		assert_string_equal(d, cases[i][1]);
		free(d);
	}
	assert_null(sym_demangle_short("main"));
	assert_null(sym_demangle_short("_Z"));
	/* addr2line -C / llvm-symbolizer keep the full signature */
	char *full = sym_demangle("_ZN3geoltIlEEbRKNS_3VecIT_EES5_");
	assert_string_equal(full, "bool geo::operator<<long>(geo::Vec<long> const&, geo::Vec<long> const&)");
	free(full);
}

/*
 * Return addresses are named by the byte before them (the call). One at the very start of a
 * function whose byte before is in no function (alignment padding) follows no call: a function
 * pointer a frame-pointer walk read off the stack, named, as perf names it, by the function it
 * points to. In cpu_fp (nm -S): leaf_mul 0x12a0 + 0x3b, padding, leaf_div at 0x12e0, ..., func_a at 0x1320.
 */
static void test_symbolize_return_address_at_function_start(void **state)
{
	(void)state;
	char bin[512];
	if (!fixture_bin("cpu_fp", bin, sizeof(bin)))
		skip();
	uint64_t div = golden_addr("cpu_fp", "leaf_div"), fa = golden_addr("cpu_fp", "func_a");
	assert_true(div > 0 && fa > 0);
	struct symbolizer *s = symbolizer_new(NULL);
	struct sym_mmap m = { .start = 0x555555555000, .len = 0x1000, .pgoff = 0x1000, .filename = bin, .exec = true };
	assert_int_equal(symbolizer_proc_mmap(s, 100, &m), 0);
	struct sym_chain c;
	/* after padding: the function it points at */
	assert_int_equal(symbolizer_resolve(s, 100, 0x555555554000 + div, SYM_RETURN_ADDRESS, &c), 0);
	assert_int_equal(c.reason, SYM_OK);
	assert_string_equal(c.frames[c.nframes - 1].name, "leaf_div");
	/* one byte in: the byte before is leaf_div's first, the call's */
	assert_int_equal(symbolizer_resolve(s, 100, 0x555555554000 + div + 1, SYM_RETURN_ADDRESS, &c), 0);
	assert_int_equal(c.reason, SYM_OK);
	assert_string_equal(c.frames[c.nframes - 1].name, "leaf_div");
	/* not a return address: the function itself */
	assert_int_equal(symbolizer_resolve(s, 100, 0x555555554000 + fa, 0, &c), 0);
	assert_string_equal(c.frames[c.nframes - 1].name, "func_a");
	symbolizer_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_symbolize_replay_maps),
		cmocka_unit_test(test_symbolize_inlines_into_profile),
		cmocka_unit_test(test_symbolize_debug_dir_build_id),
		cmocka_unit_test(test_symbolize_perf_buildid_cache),
		cmocka_unit_test(test_symbolize_bad_files),
		cmocka_unit_test(test_symbolize_demangle_short),
		cmocka_unit_test(test_symbolize_return_address_at_function_start),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

// SPDX-License-Identifier: Apache-2.0
/* Unit tests of symbolize/: live processes, replayed maps, debug dirs, kernel symbols, JIT maps, bad input. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dlfcn.h>
#include <elf.h>
#include <link.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fold/profile.h"
#include "lib/buf.h"
#include "lib/err.h"
#include "lib/file.h"
#include "symbolize/symbolize.h"

static char tmpdir[256];

static const char *fixtures(void)
{
	const char *f = getenv("SCORCH_FIXTURES");
	return f ? f : "../shared/fixtures";
}

/* The path of fixture binary NAME, or NULL (then the test is skipped). */
static const char *fixture_bin(const char *name, char *out, size_t len)
{
	snprintf(out, len, "%s/perf/bin/%s", fixtures(), name);
	return access(out, R_OK) == 0 ? out : NULL;
}

/* The first address of `bin` whose llvm-symbolizer answer (golden/symbolize) names function `fn`. */
static uint64_t golden_addr(const char *bin, const char *fn)
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

static __attribute__((noinline)) int local_marker_function(int x)
{
	return x * 3 + 1;
}

static int (*volatile keep_marker)(int) = local_marker_function;

static void test_symbolize_self_live(void **state)
{
	struct symbolizer_opts o = { .demangle = true };
	struct symbolizer *s = symbolizer_new(&o);
	assert_non_null(s);
	struct errbuf err;
	errbuf_init(&err);
	assert_int_equal(symbolizer_proc_snapshot(s, getpid(), &err), 0);
	errbuf_release(&err);
	struct sym_chain c;
	/* One of our own static functions, by the compiler's own address of it. */
	assert_int_equal(symbolizer_resolve(s, getpid(), (uint64_t)(uintptr_t)keep_marker + 2, 0, &c), 0);
	assert_int_equal(c.reason, SYM_OK);
	assert_string_equal(c.frames[c.nframes - 1].name, "local_marker_function");
	assert_string_equal(c.function, "local_marker_function");
	assert_int_equal(c.symbol_offset, 2);
	assert_non_null(strstr(c.frames[c.nframes - 1].file, "symbolizer_test.c"));
	assert_true(c.frames[c.nframes - 1].line > 0);
	/* A libc function, by the address the dynamic linker gave it. */
	void *libc = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
	assert_non_null(libc);
	void *fn = dlsym(libc, "qsort"); /* libc's own, not a sanitizer's interceptor */
	dlclose(libc);
	assert_non_null(fn);
	assert_int_equal(symbolizer_resolve(s, getpid(), (uint64_t)(uintptr_t)fn, 0, &c), 0);
	assert_int_equal(c.reason, SYM_OK);
	assert_non_null(strstr(c.module, "libc.so"));
	assert_non_null(strstr(c.symbol, "qsort"));
	/* The stack is not executable: no mapping. */
	int local;
	assert_int_equal(symbolizer_resolve(s, getpid(), (uint64_t)(uintptr_t)&local, 0, &c), 0);
	assert_int_equal(c.reason, SYM_NO_MAPPING);
	assert_string_equal(c.frames[0].name, "[unknown]");
	assert_int_equal(c.frames[0].kind, FRAME_SYNTHETIC);
	/* The unwinder's view of the same address. */
	struct sym_mapping m;
	assert_int_equal(symbolizer_module_for(s, getpid(), (uint64_t)(uintptr_t)keep_marker, &m), 0);
	struct sym_module_info info;
	sym_module_get_info(m.mod, &info);
	assert_non_null(info.elf);
	assert_non_null(info.dwarf);
	assert_true(m.start <= (uint64_t)(uintptr_t)keep_marker && (uint64_t)(uintptr_t)keep_marker < m.end);
	struct Dwarf_CFI_s *eh = NULL, *dbg = NULL;
	assert_int_equal(sym_module_cfi(m.mod, &eh, &dbg), 0);
	assert_non_null(eh);
	assert_int_equal(symbolizer_module_for(s, getpid(), (uint64_t)(uintptr_t)&local, &m), -ENOENT);
	assert_int_equal(symbolizer_module_for(s, 999999999, 0x1000, &m), -ESRCH);
	struct symbolizer_stats st;
	symbolizer_get_stats(s, &st);
	assert_int_equal(st.lookups, 3);
	assert_int_equal(st.resolved, 2);
	assert_int_equal(st.unknown[SYM_NO_MAPPING], 1);
	/* The vDSO: its exported clock_gettime entry is named, in module [vdso]. */
	FILE *maps = fopen("/proc/self/maps", "r");
	char line[512];
	unsigned long long lo = 0, hi = 0;
	while (maps && fgets(line, sizeof(line), maps))
		if (strstr(line, "[vdso]"))
			sscanf(line, "%llx-%llx", &lo, &hi);
	if (maps)
		fclose(maps);
	if (lo) {
		bool seen = false;
		for (uint64_t a = lo; a < hi && !seen; a += 4) {
			assert_int_equal(symbolizer_resolve(s, getpid(), a, 0, &c), 0);
			if (c.reason == SYM_OK) {
				assert_string_equal(c.module, "[vdso]");
				seen = strstr(c.symbol, "clock_gettime") != NULL;
			}
		}
		assert_true(seen);
	}
	symbolizer_free(s);
}

static void test_symbolize_jit_map(void **state)
{
	/* Anonymous executable memory named by /tmp/perf-PID.map, as JITs write it. */
	void *code = mmap(NULL, 8192, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(code != MAP_FAILED);
	char path[64];
	snprintf(path, sizeof(path), "/tmp/perf-%d.map", getpid());
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	uint64_t base = (uint64_t)(uintptr_t)code;
	fprintf(f, "%llx 100 LazyCompile:~hot /app/x.js:10\n", (unsigned long long)base);
	fprintf(f, "0x%llx 0x40 jitted_two\n", (unsigned long long)base + 0x200);
	fprintf(f, "garbage line\n\n");
	fclose(f);
	struct symbolizer *s = symbolizer_new(NULL);
	assert_int_equal(symbolizer_proc_snapshot(s, getpid(), NULL), 0);
	struct sym_chain c;
	assert_int_equal(symbolizer_resolve(s, getpid(), base + 0x10, 0, &c), 0);
	assert_string_equal(c.frames[0].name, "LazyCompile:~hot /app/x.js:10");
	assert_int_equal(c.frames[0].kind, FRAME_JIT);
	assert_string_equal(c.module, path);
	assert_int_equal(symbolizer_resolve(s, getpid(), base + 0x23f, 0, &c), 0);
	assert_string_equal(c.frames[0].name, "jitted_two");
	/* Between entries: anonymous memory nobody named. */
	assert_int_equal(symbolizer_resolve(s, getpid(), base + 0x150, 0, &c), 0);
	assert_int_equal(c.reason, SYM_ANON);
	assert_string_equal(c.module, path);
	symbolizer_free(s);
	unlink(path);
	munmap(code, 8192);
}

static void test_symbolize_exited_child(void **state)
{
	/* A process that exits after its snapshot is still symbolized. */
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		pause();
		_exit(0);
	}
	struct symbolizer *s = symbolizer_new(NULL);
	assert_int_equal(symbolizer_proc_snapshot(s, pid, NULL), 0);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	struct sym_chain c;
	assert_int_equal(symbolizer_resolve(s, pid, (uint64_t)(uintptr_t)keep_marker, 0, &c), 0);
	assert_string_equal(c.frames[c.nframes - 1].name, "local_marker_function");
	/* A snapshot taken after it is gone fails, and keeps the maps taken while it lived. */
	assert_true(symbolizer_proc_snapshot(s, pid, NULL) < 0);
	assert_int_equal(symbolizer_resolve(s, pid, (uint64_t)(uintptr_t)keep_marker + 1, 0, &c), 0);
	assert_string_equal(c.frames[c.nframes - 1].name, "local_marker_function");
	/* A pid that never existed: SYM_NO_PROCESS, and the snapshot says why. */
	struct errbuf err;
	errbuf_init(&err);
	assert_true(symbolizer_proc_snapshot(s, 999999999, &err) < 0);
	assert_true(err.msg.len > 0);
	errbuf_release(&err);
	assert_int_equal(symbolizer_resolve(s, 999999999, 0x401000, 0, &c), 0);
	assert_int_equal(c.reason, SYM_NO_PROCESS);
	assert_int_equal(symbolizer_resolve(s, 424242, 0x401000, 0, &c), 0);
	assert_int_equal(c.reason, SYM_NO_PROCESS);
	symbolizer_free(s);
}

/* ---- symbolizer_proc_maps(): the stored maps, as perf.data's MMAP2 records need them ---- */

struct maps_seen {
	struct buf text;   /* "start-end pgoff maj:min ino path" per map */
	uint8_t build_id[20];
	size_t build_id_len; /* of the map holding keep_marker */
	size_t n, stop_at;
};

static int collect_map(const struct sym_mmap *m, void *arg)
{
	struct maps_seen *w = arg;
	uint64_t marker = (uint64_t)(uintptr_t)keep_marker;
	assert_true(m->exec);
	buf_addf(&w->text, "%llx-%llx %08llx %02x:%02x %llu %s\n", (unsigned long long)m->start,
		 (unsigned long long)(m->start + m->len), (unsigned long long)m->pgoff, m->maj, m->min,
		 (unsigned long long)m->ino, m->filename);
	if (marker >= m->start && marker < m->start + m->len && m->build_id) {
		assert_true(m->build_id_len <= sizeof(w->build_id));
		memcpy(w->build_id, m->build_id, m->build_id_len);
		w->build_id_len = m->build_id_len;
	}
	return ++w->n == w->stop_at ? 42 : 0;
}

/* This program's GNU build-id, from its own note as the loader mapped it. */
static int own_build_id(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct maps_seen *w = arg;
	(void)size;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_NOTE)
			continue;
		const uint8_t *p = (const uint8_t *)(info->dlpi_addr + ph->p_vaddr), *end = p + ph->p_memsz;
		while (p + 12 <= end) {
			uint32_t namesz, descsz, type;
			memcpy(&namesz, p, 4);
			memcpy(&descsz, p + 4, 4);
			memcpy(&type, p + 8, 4);
			const uint8_t *desc = p + 12 + ((namesz + 3) & ~3u);
			if (type == NT_GNU_BUILD_ID && namesz == 4 && !memcmp(p + 12, "GNU", 4) && descsz <= 20) {
				memcpy(w->build_id, desc, descsz);
				w->build_id_len = descsz;
				return 1;
			}
			p = desc + ((descsz + 3) & ~3u);
		}
	}
	return 1; /* the first object is the program itself */
}

static void test_symbolize_proc_maps(void **state)
{
	struct symbolizer *s = symbolizer_new(NULL);
	assert_non_null(s);
	assert_int_equal(symbolizer_proc_snapshot(s, getpid(), NULL), 0);
	/* what /proc/self/maps says now: every executable line (the snapshot keeps those only) */
	struct buf want = BUF_INIT, text = BUF_INIT;
	assert_int_equal(file_read_all("/proc/self/maps", &text, NULL), 0);
	for (char *line = strtok(text.data, "\n"); line; line = strtok(NULL, "\n")) {
		unsigned long long lo, hi, off, ino;
		unsigned maj, min;
		char perms[8];
		int pos = 0;
		if (sscanf(line, "%llx-%llx %7s %llx %x:%x %llu %n", &lo, &hi, perms, &off, &maj, &min, &ino, &pos) < 7 ||
		    perms[2] != 'x')
			continue;
		buf_addf(&want, "%llx-%llx %08llx %02x:%02x %llu %s\n", lo, hi, off, maj, min, ino, pos ? line + pos : "");
	}
	buf_release(&text);
	struct maps_seen got = { .text = BUF_INIT };
	assert_int_equal(symbolizer_proc_maps(s, getpid(), collect_map, &got), 0);
	assert_true(got.n >= 2); /* this program and libc at least */
	assert_string_equal(got.text.data, want.data);
	/* the map of our own code carries the build-id of this program */
	struct maps_seen own = { .text = BUF_INIT };
	dl_iterate_phdr(own_build_id, &own);
	assert_true(own.build_id_len > 0);
	assert_int_equal(got.build_id_len, own.build_id_len);
	assert_memory_equal(got.build_id, own.build_id, own.build_id_len);
	/* an alias (an older image of a process) walks the same maps */
	struct maps_seen alias = { .text = BUF_INIT };
	assert_int_equal(symbolizer_proc_fork(s, 1 << 24, getpid()), 0);
	assert_int_equal(symbolizer_proc_maps(s, 1 << 24, collect_map, &alias), 0);
	assert_string_equal(alias.text.data, want.data);
	/* a non-zero return stops the walk and comes back */
	struct maps_seen stop = { .text = BUF_INIT, .stop_at = 1 };
	assert_int_equal(symbolizer_proc_maps(s, getpid(), collect_map, &stop), 42);
	assert_int_equal(stop.n, 1);
	/* replayed maps: exec ones only, no device known; an unknown pid has none */
	struct sym_mmap a = { .start = 0x7000, .len = 0x1000, .pgoff = 0x2000, .filename = "/x/a.so", .exec = true };
	struct sym_mmap d = { .start = 0x9000, .len = 0x1000, .filename = "/x/data", .exec = false };
	assert_int_equal(symbolizer_proc_mmap(s, 555, &a), 0);
	assert_int_equal(symbolizer_proc_mmap(s, 555, &d), 0);
	struct maps_seen replay = { .text = BUF_INIT };
	assert_int_equal(symbolizer_proc_maps(s, 555, collect_map, &replay), 0);
	assert_string_equal(replay.text.data, "7000-8000 00002000 00:00 0 /x/a.so\n");
	assert_int_equal(symbolizer_proc_maps(s, 556, collect_map, &replay), -ESRCH);
	symbolizer_proc_exec(s, 555);
	assert_int_equal(symbolizer_proc_maps(s, 555, collect_map, &replay), -ESRCH);
	buf_release(&want);
	buf_release(&got.text);
	buf_release(&own.text);
	buf_release(&alias.text);
	buf_release(&stop.text);
	buf_release(&replay.text);
	symbolizer_free(s);
}

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

static void write_file(const char *path, const void *data, size_t len);

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

/* Write `len` bytes to a new file. */
static void write_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
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

static int setup(void **state)
{
	snprintf(tmpdir, sizeof(tmpdir), "%s/scorch-symtest.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	rmdir(tmpdir);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_symbolize_self_live),
		cmocka_unit_test(test_symbolize_jit_map),
		cmocka_unit_test(test_symbolize_exited_child),
		cmocka_unit_test(test_symbolize_replay_maps),
		cmocka_unit_test(test_symbolize_proc_maps),
		cmocka_unit_test(test_symbolize_inlines_into_profile),
		cmocka_unit_test(test_symbolize_debug_dir_build_id),
		cmocka_unit_test(test_symbolize_perf_buildid_cache),
		cmocka_unit_test(test_symbolize_bad_files),
		cmocka_unit_test(test_symbolize_kallsyms_regions),
		cmocka_unit_test(test_symbolize_kallsyms_perf_cache),
		cmocka_unit_test(test_symbolize_demangle_short),
		cmocka_unit_test(test_symbolize_kallsyms_hostile),
		cmocka_unit_test(test_symbolize_kallsyms_live),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

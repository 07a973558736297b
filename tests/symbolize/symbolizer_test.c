// SPDX-License-Identifier: Apache-2.0
/* Unit tests of symbolize/ on live processes: this one, a JIT's perf map, an exited child, the stored maps. */
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_symbolize_self_live),
		cmocka_unit_test(test_symbolize_jit_map),
		cmocka_unit_test(test_symbolize_exited_child),
		cmocka_unit_test(test_symbolize_proc_maps),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

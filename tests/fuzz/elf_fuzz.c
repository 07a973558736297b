// SPDX-License-Identifier: Apache-2.0
/* libFuzzer target for symbolize/'s ELF and DWARF loader: any bytes as a binary, then lookups across it. */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "symbolize/symbolize.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = memfd_create("elf_fuzz", MFD_CLOEXEC);
	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	struct symbolizer_opts o = { .demangle = true, .no_perf_cache = true, .no_system_debug = true };
	struct symbolizer *s = symbolizer_new(&o);
	struct sym_module *m = s ? symbolizer_open_file(s, path, NULL) : NULL;
	if (m) {
		struct sym_chain c;
		/* Symbols, DWARF ranges, inline chains and line rows all get built on the first lookup. */
		for (uint64_t a = 0; a < 0x3000; a += 0x11)
			symbolizer_resolve_module(s, m, a, a & 1 ? SYM_RETURN_ADDRESS : 0, &c);
		symbolizer_resolve_module(s, m, 0x401000, SYM_NO_INLINES, &c);
		struct sym_module_info info;
		sym_module_get_info(m, &info);
		struct Dwarf_CFI_s *eh, *dbg;
		sym_module_cfi(m, &eh, &dbg);
		symbolizer_resolve_module(s, m, 0x401000, SYM_SYMBOL_ONLY, &c);
		uint64_t v;
		sym_module_offset_to_vaddr(m, 0x1000, &v);
		struct sym_mmap mm = { .start = 0x10000, .len = 0x4000, .pgoff = 0, .filename = path, .exec = true };
		symbolizer_proc_mmap(s, 1, &mm);
		symbolizer_resolve(s, 1, 0x11234, 0, &c);
	}
	symbolizer_free(s);
	close(fd);
	return 0;
}

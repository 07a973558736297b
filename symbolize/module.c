// SPDX-License-Identifier: Apache-2.0
/* One ELF module: open, program headers and bias, build-id, debug file, symbol tables (symtab, dynsym, PLT, MiniDebugInfo), DWARF, CFI. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <elfutils/libdwfl.h>
#include <gelf.h>

#include "lib/err.h"
#include "symbolize/internal.h"

size_t elf_build_id(Elf *elf, uint8_t *out)
{
	/* Prefer the section headers (debug files keep notes there); fall back to PT_NOTE segments. */
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	while ((scn = elf_nextscn(elf, scn))) {
		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE)
			continue;
		Elf_Data *d = elf_getdata(scn, NULL);
		if (!d || !d->d_buf)
			continue;
		size_t off = 0, name_off, desc_off;
		GElf_Nhdr nh;
		while ((off = gelf_getnote(d, off, &nh, &name_off, &desc_off)) > 0) {
			if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 &&
			    memcmp((char *)d->d_buf + name_off, "GNU", 4) == 0 && nh.n_descsz > 0 &&
			    nh.n_descsz <= SYM_BUILD_ID_MAX) {
				memcpy(out, (char *)d->d_buf + desc_off, nh.n_descsz);
				return nh.n_descsz;
			}
		}
	}
	size_t nph = 0;
	if (elf_getphdrnum(elf, &nph) != 0)
		return 0;
	for (size_t i = 0; i < nph; i++) {
		GElf_Phdr ph;
		if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_NOTE)
			continue;
		Elf_Data *d = elf_getdata_rawchunk(elf, (int64_t)ph.p_offset, ph.p_filesz, ELF_T_NHDR);
		if (!d || !d->d_buf)
			continue;
		size_t off = 0, name_off, desc_off;
		GElf_Nhdr nh;
		while ((off = gelf_getnote(d, off, &nh, &name_off, &desc_off)) > 0) {
			if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 &&
			    memcmp((char *)d->d_buf + name_off, "GNU", 4) == 0 && nh.n_descsz > 0 &&
			    nh.n_descsz <= SYM_BUILD_ID_MAX) {
				memcpy(out, (char *)d->d_buf + desc_off, nh.n_descsz);
				return nh.n_descsz;
			}
		}
	}
	return 0;
}

static int read_loads(struct sym_module *m)
{
	size_t nph = 0;
	if (elf_getphdrnum(m->elf, &nph) != 0)
		return 0; /* a debug-only or relocatable file: no segments, bias from the map only */
	m->loads = calloc(nph ? nph : 1, sizeof(*m->loads));
	if (!m->loads)
		return -ENOMEM;
	m->min_vaddr = UINT64_MAX;
	for (size_t i = 0; i < nph; i++) {
		GElf_Phdr ph;
		if (!gelf_getphdr(m->elf, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		struct phdr_load *l = &m->loads[m->nloads++];
		l->vaddr = ph.p_vaddr;
		l->memsz = ph.p_memsz;
		l->offset = ph.p_offset;
		l->filesz = ph.p_filesz;
		l->align = ph.p_align;
		l->exec = ph.p_flags & PF_X;
		uint64_t v = ph.p_vaddr & ~4095ULL;
		if (v < m->min_vaddr)
			m->min_vaddr = v;
	}
	if (m->min_vaddr == UINT64_MAX)
		m->min_vaddr = 0;
	return 0;
}

static struct sym_module *module_from_elf(struct symbolizer *s, const char *path, int fd, Elf *elf,
					  struct errbuf *err)
{
	GElf_Ehdr eh;
	if (elf_kind(elf) != ELF_K_ELF || !gelf_getehdr(elf, &eh)) {
		errbuf_set(err, -ENOEXEC, "cannot read '%s': not an ELF file", path);
		elf_end(elf);
		errno = ENOEXEC;
		return NULL;
	}
	struct sym_module *m = calloc(1, sizeof(*m));
	if (!m || !(m->path = strdup(path))) {
		free(m);
		elf_end(elf);
		errno = ENOMEM;
		return NULL;
	}
	m->owner = s;
	m->fd = fd;
	m->debug_fd = -1;
	m->elf = elf;
	m->is_exec = eh.e_type == ET_EXEC;
	m->build_id_len = elf_build_id(elf, m->build_id);
	if (read_loads(m) < 0) {
		module_free(m);
		errno = ENOMEM;
		return NULL;
	}
	return m;
}

struct sym_module *module_open(struct symbolizer *s, const char *path, int fd, struct errbuf *err)
{
	if (fd < 0)
		fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		errbuf_set(err, -e, "cannot open '%s': %s", path, strerror(e));
		errno = e;
		return NULL;
	}
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		errbuf_set(err, -EINVAL, "cannot read '%s': not a regular file", path);
		close(fd);
		errno = EINVAL;
		return NULL;
	}
	Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf) {
		errbuf_set(err, -ENOEXEC, "cannot read '%s': %s", path, elf_errmsg(-1));
		close(fd);
		errno = ENOEXEC;
		return NULL;
	}
	struct sym_module *m = module_from_elf(s, path, fd, elf, err);
	if (!m) {
		int e = errno;
		close(fd);
		errno = e;
		return NULL;
	}
	m->dev = st.st_dev;
	m->ino = st.st_ino;
	return m;
}

struct sym_module *module_open_memory(struct symbolizer *s, const char *name, void *image, size_t len)
{
	Elf *elf = elf_memory(image, len);
	if (!elf) {
		free(image);
		errno = ENOEXEC;
		return NULL;
	}
	struct sym_module *m = module_from_elf(s, name, -1, elf, NULL);
	if (!m) {
		free(image);
		return NULL;
	}
	m->image = image;
	return m;
}

void module_free(struct sym_module *m)
{
	if (!m)
		return;
	dwarf_index_free(m->dw);
	symtab_release(&m->symtab);
	if (m->eh_cfi)
		dwarf_cfi_end(m->eh_cfi);
	if (m->dwarf)
		dwarf_end(m->dwarf);
	if (m->debug_elf)
		elf_end(m->debug_elf);
	if (m->elf)
		elf_end(m->elf);
	if (m->debug_fd >= 0)
		close(m->debug_fd);
	if (m->fd >= 0)
		close(m->fd);
	free(m->image);
	free(m->loads);
	free(m->path);
	free(m->debug_path);
	free(m);
}

/*
 * The PT_LOAD whose file range holds pgoff tells where the mapping sits in
 * ELF addresses. Segments can share a page: lld packs the read-only segment
 * and the text one into the page at 0x14000 (offsets 0-0x14318 and 0x14320-,
 * text at vaddr 0x15320), and ld.so maps the text from that page. So the
 * segment that starts in the mapped page wins, an executable one first for an
 * executable mapping; a mapping from the middle of a segment (split by
 * mprotect) falls to the segment that holds the page.
 */
uint64_t module_bias(const struct sym_module *m, uint64_t start, uint64_t pgoff, bool exec)
{
	const struct phdr_load *best = NULL;
	int best_score = -1;
	for (size_t i = 0; i < m->nloads; i++) {
		const struct phdr_load *l = &m->loads[i];
		uint64_t off = l->offset & ~4095ULL;
		uint64_t end = l->offset + (l->filesz ? l->filesz : 1);
		if (pgoff < off || pgoff >= end)
			continue;
		int score = (off == pgoff ? 2 : 0) + (l->exec == exec ? 1 : 0);
		if (score > best_score) {
			best = l;
			best_score = score;
		}
	}
	if (best)
		return start - pgoff - (best->vaddr - best->offset);
	return start - pgoff;
}

/* A section's header and name, or false. */
static bool section_named(Elf *elf, const char *want, GElf_Shdr *out, Elf_Scn **scn_out)
{
	size_t shstrndx;
	if (elf_getshdrstrndx(elf, &shstrndx) != 0)
		return false;
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh))
			continue;
		const char *name = elf_strptr(elf, shstrndx, sh.sh_name);
		if (name && strcmp(name, want) == 0) {
			*out = sh;
			if (scn_out)
				*scn_out = scn;
			return true;
		}
	}
	return false;
}

static bool has_section_data(Elf *elf, const char *name)
{
	GElf_Shdr sh;
	return section_named(elf, name, &sh, NULL) && sh.sh_type != SHT_NOBITS && sh.sh_size > 0;
}

static bool has_symtab(Elf *elf)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	while ((scn = elf_nextscn(elf, scn)))
		if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_SYMTAB && sh.sh_size > 0 && sh.sh_entsize > 0)
			return true;
	return false;
}

static bool same_build_id(const struct sym_module *m, Elf *other)
{
	if (!m->build_id_len)
		return true;
	uint8_t id[SYM_BUILD_ID_MAX];
	size_t n = elf_build_id(other, id);
	return n == m->build_id_len && memcmp(id, m->build_id, n) == 0;
}

/* Try `path` as m's debug file: it must be ELF, carry DWARF or a symtab, and match the build-id. */
static bool try_debug_file(struct sym_module *m, const char *path)
{
	if (!path || (m->path && strcmp(path, m->path) == 0))
		return false;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	GElf_Ehdr eh;
	if (!elf || elf_kind(elf) != ELF_K_ELF || !gelf_getehdr(elf, &eh) || !same_build_id(m, elf) ||
	    (!has_section_data(elf, ".debug_info") && !has_symtab(elf))) {
		if (elf)
			elf_end(elf);
		close(fd);
		return false;
	}
	m->debug_elf = elf;
	m->debug_fd = fd;
	m->debug_path = strdup(path);
	return true;
}

static void find_debug(struct sym_module *m)
{
	if (m->debug_searched)
		return;
	m->debug_searched = true;
	struct symbolizer *s = m->owner;
	/* A binary with its own DWARF needs nothing else. */
	if (has_section_data(m->elf, ".debug_info"))
		return;
	char *p = NULL;
	if (m->build_id_len) {
		p = debugfind_build_id(s, m->build_id, m->build_id_len, true);
		bool ok = try_debug_file(m, p);
		free(p);
		if (ok)
			return;
	}
	p = debugfind_debuglink(s, m);
	bool ok = try_debug_file(m, p);
	free(p);
	if (ok || m->build_id_len)
		return;
	/* No build-id: a file of the same base name in a --debug-dir. */
	p = debugfind_by_name(s, m->path);
	try_debug_file(m, p);
	free(p);
}

struct symvec {
	struct sym_symbol *v;
	int *bind;
	size_t n, cap;
};

static int symvec_push(struct symvec *sv, uint64_t start, uint64_t size, const char *name, int bind, bool label)
{
	if (sv->n == sv->cap) {
		size_t cap = sv->cap ? sv->cap * 2 : 256;
		struct sym_symbol *v = realloc(sv->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		sv->v = v;
		int *b = realloc(sv->bind, cap * sizeof(*b));
		if (!b)
			return -ENOMEM;
		sv->bind = b;
		sv->cap = cap;
	}
	sv->v[sv->n] = (struct sym_symbol){ .start = start, .end = start + size, .name = name, .label = label };
	sv->bind[sv->n] = bind;
	sv->n++;
	return 0;
}

/* A section name holding "text" or "data": where perf 6.1 takes NOTYPE labels from (elf_sec__filter). */
static bool section_text_or_data(Elf *elf, size_t shstrndx, const GElf_Shdr *sh)
{
	const char *name = elf_strptr(elf, shstrndx, sh->sh_name);
	return name && (strstr(name, "text") || strstr(name, "data"));
}

/*
 * The symbols perf 6.1 keeps (dso__load_sym): named, defined functions and
 * objects of allocated sections, and NOTYPE labels that are not hidden, of
 * sections named "*text*" or "*data*" (as `_dl_start_user` in ld.so).
 * `*label` tells which kind it is.
 */
static bool keep_symbol(Elf *elf, size_t shstrndx, const GElf_Sym *sym, bool *label)
{
	int type = GELF_ST_TYPE(sym->st_info);
	if (sym->st_name == 0 || sym->st_shndx == SHN_UNDEF || sym->st_shndx >= SHN_LORESERVE)
		return false;
	*label = type == STT_NOTYPE;
	if (*label) {
		int vis = GELF_ST_VISIBILITY(sym->st_other);
		if (vis == STV_HIDDEN || vis == STV_INTERNAL)
			return false;
	} else if (type != STT_FUNC && type != STT_GNU_IFUNC && type != STT_OBJECT) {
		return false;
	}
	if (!elf)
		return !*label;
	Elf_Scn *scn = elf_getscn(elf, sym->st_shndx);
	GElf_Shdr sh;
	if (!scn || !gelf_getshdr(scn, &sh) || !(sh.sh_flags & SHF_ALLOC))
		return false;
	return !*label || section_text_or_data(elf, shstrndx, &sh);
}

/* Append the symbols of the first section of type `type` in `elf`. Returns how many. */
static size_t load_elf_symbols(Elf *elf, Elf64_Word type, struct symvec *sv)
{
	size_t shstrndx, before = sv->n;
	if (elf_getshdrstrndx(elf, &shstrndx) != 0)
		return 0;
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	while ((scn = elf_nextscn(elf, scn)))
		if (gelf_getshdr(scn, &sh) && sh.sh_type == type && sh.sh_entsize > 0)
			break;
	if (!scn)
		return 0;
	Elf_Data *d = elf_getdata(scn, NULL);
	if (!d || !d->d_buf)
		return 0;
	size_t n = sh.sh_size / sh.sh_entsize;
	const char *file = NULL;
	for (size_t i = 1; i < n; i++) {
		GElf_Sym sym;
		if (!gelf_getsym(d, (int)i, &sym))
			continue;
		/* Local symbols follow the STT_FILE of their object file (the ELF spec's order). */
		if (GELF_ST_TYPE(sym.st_info) == STT_FILE) {
			file = elf_strptr(elf, sh.sh_link, sym.st_name);
			continue;
		}
		bool label;
		if (!keep_symbol(elf, shstrndx, &sym, &label))
			continue;
		const char *name = elf_strptr(elf, sh.sh_link, sym.st_name);
		if (!name || !*name)
			continue;
		if (symvec_push(sv, sym.st_value, sym.st_size, name, GELF_ST_BIND(sym.st_info), label) < 0)
			break;
		if (GELF_ST_BIND(sym.st_info) == STB_LOCAL && file && *file)
			sv->v[sv->n - 1].file = file;
	}
	return sv->n - before;
}

/*
 * PLT stubs as `name@plt`, in .rela.plt order: the .plt header is 16 bytes and
 * each entry 16 (x86-64); with IBT, the entries a call reaches are in .plt.sec.
 */
static void load_plt(struct sym_module *m, struct symvec *sv)
{
	Elf *elf = m->elf;
	GElf_Ehdr eh;
	GElf_Shdr plt, rel, sec;
	Elf_Scn *rel_scn = NULL;
	if (!gelf_getehdr(elf, &eh) || eh.e_machine != EM_X86_64)
		return;
	if (!section_named(elf, ".plt", &plt, NULL) || !section_named(elf, ".rela.plt", &rel, &rel_scn))
		return;
	uint64_t addr = plt.sh_addr + 16, entry = 16;
	if (section_named(elf, ".plt.sec", &sec, NULL))
		addr = sec.sh_addr;
	Elf_Data *rd = elf_getdata(rel_scn, NULL);
	Elf_Scn *dynsym = elf_getscn(elf, rel.sh_link);
	GElf_Shdr dsh;
	if (!rd || !dynsym || !gelf_getshdr(dynsym, &dsh) || !rel.sh_entsize)
		return;
	Elf_Data *dd = elf_getdata(dynsym, NULL);
	if (!dd)
		return;
	size_t n = rel.sh_size / rel.sh_entsize;
	for (size_t i = 0; i < n; i++, addr += entry) {
		GElf_Rela r;
		GElf_Sym sym;
		if (!gelf_getrela(rd, (int)i, &r) || !gelf_getsym(dd, (int)GELF_R_SYM(r.r_info), &sym))
			continue;
		/* An IRELATIVE slot has no symbol: perf 6.1 names it "@plt" all the same. */
		const char *name = elf_strptr(elf, dsh.sh_link, sym.st_name);
		if (!name)
			name = "";
		size_t len = strlen(name);
		char *pn = arena_alloc(&m->owner->arena, len + 5);
		if (!pn)
			return;
		memcpy(pn, name, len);
		memcpy(pn + len, "@plt", 5);
		if (symvec_push(sv, addr, entry, pn, STB_GLOBAL, false) < 0)
			return;
	}
}

static int no_debuginfo(Dwfl_Module *mod, void **userdata, const char *modname, Dwarf_Addr base,
			const char *file_name, const char *debuglink_file, GElf_Word debuglink_crc,
			char **debuginfo_file_name)
{
	return -1;
}

/* MiniDebugInfo (.gnu_debugdata, xz): libdwfl decompresses it (Debian's elfutils is built with lzma). */
static void load_minidebuginfo(struct sym_module *m, struct symvec *sv)
{
	if (m->fd < 0 || !has_section_data(m->elf, ".gnu_debugdata"))
		return;
	static const Dwfl_Callbacks cb = {
		.find_elf = dwfl_build_id_find_elf,
		.find_debuginfo = no_debuginfo,
		.section_address = dwfl_offline_section_address,
	};
	Dwfl *d = dwfl_begin(&cb);
	if (!d)
		return;
	int fd = dup(m->fd);
	Dwfl_Module *dm = fd >= 0 ? dwfl_report_offline(d, "", m->path, fd) : NULL;
	dwfl_report_end(d, NULL, NULL);
	int n = dm ? dwfl_module_getsymtab(dm) : -1;
	GElf_Addr bias = 0;
	if (dm)
		dwfl_module_getelf(dm, &bias);
	for (int i = 1; i < n; i++) {
		GElf_Sym sym;
		GElf_Addr addr;
		GElf_Word shndx;
		Elf *selem;
		Dwarf_Addr sbias;
		const char *name = dwfl_module_getsym_info(dm, i, &sym, &addr, &shndx, &selem, &sbias);
		bool label;
		if (!name || !*name || !keep_symbol(NULL, 0, &sym, &label))
			continue;
		char *copy = arena_strndup(&m->owner->arena, name, strlen(name));
		if (!copy || symvec_push(sv, addr - bias, sym.st_size, copy, GELF_ST_BIND(sym.st_info), false) < 0)
			break;
	}
	dwfl_end(d);
}

void module_load_symbols(struct sym_module *m)
{
	if (m->syms_loaded)
		return;
	m->syms_loaded = true;
	uint64_t t0 = sym_cpu_ns();
	find_debug(m);
	struct symvec sv = { 0 };
	/*
	 * Like perf 6.1 (dso__load_sym): the debug file's .symtab, else the
	 * binary's and then its .dynsym too (versioned names differ there:
	 * "stderr" beside "stderr@GLIBC_2.2.5"), else .dynsym (+ MiniDebugInfo).
	 * A debug file's .dynsym is empty (NOBITS), so it adds nothing.
	 */
	size_t got = 0;
	if (m->debug_elf)
		got = load_elf_symbols(m->debug_elf, SHT_SYMTAB, &sv);
	if (!got && (got = load_elf_symbols(m->elf, SHT_SYMTAB, &sv)))
		load_elf_symbols(m->elf, SHT_DYNSYM, &sv);
	if (!got) {
		load_elf_symbols(m->elf, SHT_DYNSYM, &sv);
		load_minidebuginfo(m, &sv);
	}
	load_plt(m, &sv);
	symtab_finish(&m->symtab, sv.v, sv.n, sv.bind);
	free(sv.bind);
	m->index_bytes += m->symtab.n * sizeof(struct sym_symbol);
	m->owner->st.index_ns += sym_cpu_ns() - t0;
}

void module_load_dwarf(struct sym_module *m)
{
	if (m->dwarf_loaded)
		return;
	m->dwarf_loaded = true;
	find_debug(m);
	uint64_t t0 = sym_cpu_ns();
	Elf *src = m->debug_elf && has_section_data(m->debug_elf, ".debug_info") ? m->debug_elf : m->elf;
	m->dwarf = dwarf_begin_elf(src, DWARF_C_READ, NULL);
	if (m->dwarf) {
		m->dw = dwarf_index_new(m->dwarf);
		if (m->dw)
			m->owner->st.modules_indexed++;
	}
	m->owner->st.index_ns += sym_cpu_ns() - t0;
}

/* ---- public accessors ---------------------------------------------------------------------- */

void sym_module_get_info(const struct sym_module *mod, struct sym_module_info *info)
{
	struct sym_module *m = (struct sym_module *)mod;
	module_load_dwarf(m);
	*info = (struct sym_module_info){
		.path = m->path ? m->path : "",
		.debug_path = m->debug_path ? m->debug_path : "",
		.build_id = m->build_id_len ? m->build_id : NULL,
		.build_id_len = m->build_id_len,
		.is_exec = m->is_exec,
		.elf = (struct Elf *)m->elf,
		.debug_elf = (struct Elf *)(m->debug_elf ? m->debug_elf : m->dwarf ? m->elf : NULL),
		.dwarf = (struct Dwarf *)m->dwarf,
		.dwarf_bias = m->dwarf_bias,
	};
}

int sym_module_offset_to_vaddr(const struct sym_module *m, uint64_t offset, uint64_t *vaddr)
{
	for (size_t i = 0; i < m->nloads; i++) {
		const struct phdr_load *l = &m->loads[i];
		if (offset >= l->offset && offset < l->offset + l->filesz) {
			*vaddr = offset - l->offset + l->vaddr;
			return 0;
		}
	}
	return -ENOENT;
}

int sym_module_cfi(struct sym_module *m, struct Dwarf_CFI_s **eh, struct Dwarf_CFI_s **debug)
{
	/* .eh_frame is in the binary; .debug_frame needs the debug file's DWARF: loaded only when asked for. */
	if (!m->cfi_loaded) {
		m->cfi_loaded = true;
		if (m->elf)
			m->eh_cfi = dwarf_getcfi_elf(m->elf);
	}
	if (debug && !m->debug_cfi_loaded) {
		m->debug_cfi_loaded = true;
		module_load_dwarf(m);
		/* Owned by the Dwarf handle: freed by dwarf_end(). */
		if (m->dwarf)
			m->debug_cfi = dwarf_getcfi(m->dwarf);
	}
	if (eh)
		*eh = m->eh_cfi;
	if (debug)
		*debug = m->debug_cfi;
	return (eh && m->eh_cfi) || (debug && m->debug_cfi) ? 0 : -ENOENT;
}

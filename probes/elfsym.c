// SPDX-License-Identifier: Apache-2.0
/* Function symbols of an ELF file as uprobe file offsets, and resolving a uprobe's binary or library name. */
#include "probes/runtime.h"

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gelf.h>
#include <libelf.h>

#include "lib/buf.h"
#include "lib/err.h"

struct sym {
	char *name;
	uint64_t offset, size;
};

static int cmp_sym(const void *a, const void *b)
{
	const struct sym *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	if (c)
		return c;
	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

int elfsym_each(const char *path, elfsym_cb *cb, void *arg, struct errbuf *err)
{
	int ret = 0;
	Elf *elf = NULL;
	struct sym *syms = NULL;
	size_t n = 0, cap = 0;
	GElf_Phdr *phdrs = NULL;
	size_t nph = 0;

	elf_version(EV_CURRENT);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		return errbuf_set(err, -e, "cannot open '%s': %s", path, strerror(e));
	}
	elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf || elf_kind(elf) != ELF_K_ELF) {
		ret = errbuf_set(err, -EINVAL, "'%s' is not an ELF file", path);
		goto out;
	}
	if (elf_getphdrnum(elf, &nph) != 0)
		nph = 0;
	phdrs = calloc(nph ? nph : 1, sizeof(*phdrs));
	if (!phdrs) {
		ret = errbuf_set(err, -ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < nph; i++)
		if (!gelf_getphdr(elf, (int)i, &phdrs[i]))
			phdrs[i].p_type = PT_NULL;
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || (sh.sh_type != SHT_SYMTAB && sh.sh_type != SHT_DYNSYM) || !sh.sh_entsize)
			continue;
		Elf_Data *data = elf_getdata(scn, NULL);
		if (!data)
			continue;
		size_t count = sh.sh_size / sh.sh_entsize;
		for (size_t i = 0; i < count; i++) {
			GElf_Sym s;
			if (!gelf_getsym(data, (int)i, &s))
				break;
			int type = GELF_ST_TYPE(s.st_info);
			if ((type != STT_FUNC && type != STT_GNU_IFUNC) || s.st_shndx == SHN_UNDEF || !s.st_value)
				continue;
			const char *name = elf_strptr(elf, sh.sh_link, s.st_name);
			if (!name || !*name)
				continue;
			uint64_t off = UINT64_MAX;
			for (size_t p = 0; p < nph; p++) {
				if (phdrs[p].p_type == PT_LOAD && s.st_value >= phdrs[p].p_vaddr &&
				    s.st_value < phdrs[p].p_vaddr + phdrs[p].p_memsz) {
					off = s.st_value - phdrs[p].p_vaddr + phdrs[p].p_offset;
					break;
				}
			}
			if (off == UINT64_MAX)
				continue;
			if (n == cap) {
				size_t ncap = cap ? cap * 2 : 1024;
				struct sym *ns = realloc(syms, ncap * sizeof(*ns));
				if (!ns) {
					ret = errbuf_set(err, -ENOMEM, "out of memory");
					goto out;
				}
				syms = ns;
				cap = ncap;
			}
			syms[n].name = strdup(name);
			if (!syms[n].name) {
				ret = errbuf_set(err, -ENOMEM, "out of memory");
				goto out;
			}
			syms[n].offset = off;
			syms[n].size = s.st_size;
			n++;
		}
	}
	qsort(syms, n, sizeof(*syms), cmp_sym);
	for (size_t i = 0; i < n && !ret; i++) {
		if (i && strcmp(syms[i].name, syms[i - 1].name) == 0)
			continue;
		ret = cb(syms[i].name, syms[i].offset, syms[i].size, arg);
	}
out:
	for (size_t i = 0; i < n; i++)
		free(syms[i].name);
	free(syms);
	free(phdrs);
	if (elf)
		elf_end(elf);
	close(fd);
	return ret;
}

static bool is_elf(const char *path)
{
	unsigned char magic[4];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	bool ok = read(fd, magic, 4) == 4 && memcmp(magic, "\177ELF", 4) == 0;
	close(fd);
	return ok;
}

/* The first ELF file matching `pattern` (libc.so is often a linker script). */
static char *first_glob(const char *pattern)
{
	glob_t g;
	char *found = NULL;
	if (glob(pattern, 0, NULL, &g) == 0)
		for (size_t i = 0; i < g.gl_pathc && !found; i++)
			if (is_elf(g.gl_pathv[i]))
				found = strdup(g.gl_pathv[i]);
	globfree(&g);
	return found;
}

char *uprobe_resolve_path(const char *target, int pid, struct errbuf *err)
{
	if (!*target) {
		errbuf_set(err, -EINVAL, "a uprobe needs a binary: uprobe:/path/to/binary:function");
		return NULL;
	}
	if (strchr(target, '/')) {
		if (access(target, R_OK) != 0) {
			int e = errno;
			errbuf_set(err, -e, "cannot open uprobe binary '%s': %s", target, strerror(e));
			return NULL;
		}
		return strdup(target);
	}
	if (pid > 0) {
		/* -p: a file the process has mapped whose name starts with the target ("libc", "python3") */
		char maps[64];
		snprintf(maps, sizeof(maps), "/proc/%d/maps", pid);
		FILE *fp = fopen(maps, "r");
		char *line = NULL, *found = NULL;
		size_t cap = 0;
		size_t tlen = strlen(target);
		while (fp && !found && getline(&line, &cap, fp) > 0) {
			char *path = strchr(line, '/');
			if (!path)
				continue;
			path[strcspn(path, "\n")] = 0;
			const char *base = strrchr(path, '/') + 1;
			if (strncmp(base, target, tlen) == 0 && (base[tlen] == 0 || base[tlen] == '.' || base[tlen] == '-'))
				found = strdup(path);
		}
		free(line);
		if (fp)
			fclose(fp);
		if (found) {
			/* the same file as we see it; else through the process's root (a container) */
			struct buf root = BUF_INIT;
			struct stat a, b;
			buf_addf(&root, "/proc/%d/root%s", pid, found);
			bool same = stat(found, &a) == 0 && stat(root.data, &b) == 0 && a.st_dev == b.st_dev &&
				    a.st_ino == b.st_ino;
			if (!same && access(root.data, R_OK) == 0) {
				free(found);
				return buf_detach(&root, NULL);
			}
			buf_release(&root);
			return found;
		}
	}
	if (strncmp(target, "lib", 3) == 0) {
		static const char *const dirs[] = { "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64",
						    "/usr/lib64", "/lib", "/usr/lib", "/usr/local/lib" };
		struct buf pat = BUF_INIT;
		for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
			const char *suffixes[] = { "", ".so", ".so.*" };
			for (size_t s = 0; s < 3; s++) {
				buf_reset(&pat);
				buf_addf(&pat, "%s/%s%s", dirs[i], target, suffixes[s]);
				char *p = s == 2 ? first_glob(pat.data) : (is_elf(pat.data) ? strdup(pat.data) : NULL);
				if (p) {
					buf_release(&pat);
					return p;
				}
			}
		}
		buf_release(&pat);
	}
	const char *path = getenv("PATH");
	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin";
	struct buf cand = BUF_INIT;
	for (const char *p = path; *p;) {
		const char *colon = strchr(p, ':');
		size_t len = colon ? (size_t)(colon - p) : strlen(p);
		buf_reset(&cand);
		buf_add(&cand, p, len);
		buf_addf(&cand, "/%s", target);
		if (len && access(cand.data, X_OK) == 0) {
			char *r = strdup(cand.data);
			buf_release(&cand);
			return r;
		}
		if (!colon)
			break;
		p = colon + 1;
	}
	buf_release(&cand);
	errbuf_set(err, -ENOENT, "uprobe binary '%s' not found (give its path, e.g. uprobe:/usr/bin/%s:main)", target,
		   target);
	return NULL;
}

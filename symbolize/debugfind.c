// SPDX-License-Identifier: Apache-2.0
/* Finding binaries and debug files: build-id trees, --debug-dir roots, perf's ~/.debug cache, .gnu_debuglink. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gelf.h>

#include "lib/buf.h"
#include "symbolize/internal.h"

/* The ELF files found directly in one --debug-dir, with their build-ids (read once, on first need). */
struct debug_scan_entry {
	char *path;
	uint8_t id[SYM_BUILD_ID_MAX];
	size_t len;
	bool has_debug; /* carries .debug_info */
};

struct debug_scan {
	bool done;
	struct debug_scan_entry *v;
	size_t n;
};

static bool file_exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static void hex(const uint8_t *id, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[id[i] >> 4];
		out[2 * i + 1] = digits[id[i] & 15];
	}
	out[2 * len] = 0;
}

static bool elf_has_debug_info(Elf *elf)
{
	size_t shstrndx;
	if (elf_getshdrstrndx(elf, &shstrndx) != 0)
		return false;
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	while ((scn = elf_nextscn(elf, scn))) {
		if (!gelf_getshdr(scn, &sh) || sh.sh_type == SHT_NOBITS)
			continue;
		const char *name = elf_strptr(elf, shstrndx, sh.sh_name);
		if (name && strcmp(name, ".debug_info") == 0)
			return true;
	}
	return false;
}

static void scan_dir(struct debug_scan *sc, const char *dir)
{
	sc->done = true;
	DIR *d = opendir(dir);
	if (!d)
		return;
	size_t cap = 0;
	struct dirent *de;
	struct buf path = BUF_INIT;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		buf_reset(&path);
		if (buf_addf(&path, "%s/%s", dir, de->d_name) < 0)
			break;
		int fd = open(path.data, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
		if (fd < 0)
			continue;
		struct stat st;
		char magic[4];
		if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || pread(fd, magic, 4, 0) != 4 ||
		    memcmp(magic, ELFMAG, SELFMAG) != 0) {
			close(fd);
			continue;
		}
		Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
		if (elf && elf_kind(elf) == ELF_K_ELF) {
			struct debug_scan_entry e = { 0 };
			e.len = elf_build_id(elf, e.id);
			e.has_debug = elf_has_debug_info(elf);
			if (sc->n == cap) {
				size_t ncap = cap ? cap * 2 : 16;
				struct debug_scan_entry *v = realloc(sc->v, ncap * sizeof(*v));
				if (!v) {
					elf_end(elf);
					close(fd);
					break;
				}
				sc->v = v;
				cap = ncap;
			}
			e.path = strdup(path.data);
			if (e.path)
				sc->v[sc->n++] = e;
		}
		if (elf)
			elf_end(elf);
		close(fd);
	}
	buf_release(&path);
	closedir(d);
}

static struct debug_scan *scan_of(struct symbolizer *s, size_t i)
{
	if (!s->scans)
		s->scans = calloc(s->o.ndebug_dirs ? s->o.ndebug_dirs : 1, sizeof(*s->scans));
	if (!s->scans)
		return NULL;
	if (!s->scans[i].done)
		scan_dir(&s->scans[i], s->debug_dirs[i]);
	return &s->scans[i];
}

void debugfind_release(struct symbolizer *s)
{
	if (!s->scans)
		return;
	for (size_t i = 0; i < s->o.ndebug_dirs; i++) {
		for (size_t j = 0; j < s->scans[i].n; j++)
			free(s->scans[i].v[j].path);
		free(s->scans[i].v);
	}
	free(s->scans);
	s->scans = NULL;
}

/* ROOT/.build-id/xx/rest<suffix> if it exists. */
static char *tree_path(const char *root, const char *hexid, const char *suffix)
{
	struct buf b = BUF_INIT;
	if (buf_addf(&b, "%s/.build-id/%.2s/%s%s", root, hexid, hexid + 2, suffix) < 0 || !file_exists(b.data)) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b, NULL);
}

char *debugfind_build_id(struct symbolizer *s, const uint8_t *id, size_t len, bool want_debug)
{
	if (!len || len > SYM_BUILD_ID_MAX)
		return NULL;
	char hexid[2 * SYM_BUILD_ID_MAX + 1];
	hex(id, len, hexid);
	char *p = NULL;
	/* Pass 1 wants the preferred kind (debug file, or binary); pass 2 takes either. */
	for (int pass = 0; pass < 2 && !p; pass++) {
		bool debug = pass == 0 ? want_debug : !want_debug;
		for (size_t i = 0; i < s->o.ndebug_dirs && !p; i++) {
			p = tree_path(s->debug_dirs[i], hexid, debug ? ".debug" : "");
			struct debug_scan *sc = p ? NULL : scan_of(s, i);
			for (size_t j = 0; sc && j < sc->n && !p; j++)
				if (sc->v[j].len == len && memcmp(sc->v[j].id, id, len) == 0 &&
				    (pass == 1 || sc->v[j].has_debug == debug))
					p = strdup(sc->v[j].path);
		}
		if (!p && debug && !s->o.no_system_debug)
			p = tree_path("/usr/lib/debug", hexid, ".debug");
		if (!p && s->home_debug) {
			/* perf's cache: ~/.debug/.build-id/xx/rest -> a directory with elf, debug or vdso. */
			static const char *const names[] = { "/debug", "/elf", "/vdso" };
			for (size_t k = 0; k < 3 && !p; k++)
				if ((k == 0) == debug || pass == 1)
					p = tree_path(s->home_debug, hexid, names[k]);
		}
	}
	return p;
}

static char *join3(const char *a, const char *b, const char *c)
{
	struct buf out = BUF_INIT;
	if (buf_addf(&out, "%s%s%s", a, b, c) < 0) {
		buf_release(&out);
		return NULL;
	}
	return buf_detach(&out, NULL);
}

char *debugfind_debuglink(struct symbolizer *s, struct sym_module *m)
{
	GElf_Shdr sh;
	size_t shstrndx;
	Elf_Scn *scn = NULL;
	if (!m->elf || elf_getshdrstrndx(m->elf, &shstrndx) != 0)
		return NULL;
	const char *link = NULL;
	while ((scn = elf_nextscn(m->elf, scn))) {
		if (!gelf_getshdr(scn, &sh) || sh.sh_type == SHT_NOBITS)
			continue;
		const char *name = elf_strptr(m->elf, shstrndx, sh.sh_name);
		if (!name || strcmp(name, ".gnu_debuglink") != 0)
			continue;
		Elf_Data *d = elf_getdata(scn, NULL);
		if (d && d->d_buf && d->d_size > 4 && memchr(d->d_buf, 0, d->d_size - 4))
			link = d->d_buf;
		break;
	}
	if (!link || !*link || strchr(link, '/'))
		return NULL;
	/* The binary's directory: for a live process, the path it was mapped from. */
	char *dir = strdup(m->path ? m->path : "");
	if (!dir)
		return NULL;
	char *slash = strrchr(dir, '/');
	if (slash)
		slash[1] = 0;
	else
		dir[0] = 0;
	char *cands[8] = { 0 };
	size_t nc = 0;
	cands[nc++] = join3(dir, "", link);
	cands[nc++] = join3(dir, ".debug/", link);
	if (!s->o.no_system_debug && dir[0] == '/')
		cands[nc++] = join3("/usr/lib/debug", dir, link);
	char *found = NULL;
	for (size_t i = 0; i < nc; i++) {
		if (!found && cands[i] && file_exists(cands[i]) && strcmp(cands[i], m->path) != 0) {
			found = cands[i];
			continue;
		}
		free(cands[i]);
	}
	for (size_t i = 0; i < s->o.ndebug_dirs && !found; i++) {
		char *p = join3(s->debug_dirs[i], "/", link);
		if (p && file_exists(p))
			found = p;
		else
			free(p);
	}
	free(dir);
	return found;
}

char *debugfind_by_name(struct symbolizer *s, const char *path)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	if (!*base)
		return NULL;
	for (size_t i = 0; i < s->o.ndebug_dirs; i++) {
		static const char *const suffix[] = { "", ".debug" };
		for (size_t k = 0; k < 2; k++) {
			char *p = join3(s->debug_dirs[i], "/", base);
			char *q = p ? join3(p, suffix[k], "") : NULL;
			free(p);
			if (q && file_exists(q) && strcmp(q, path) != 0)
				return q;
			free(q);
		}
	}
	return NULL;
}

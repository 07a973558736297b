// SPDX-License-Identifier: Apache-2.0
/* The symbolizer: options, module cache, memoised resolution of (pid | kernel | module, address) into frame chains. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <time.h>

#include <gelf.h>

#include "fold/profile.h"
#include "lib/buf.h"
#include "lib/err.h"
#include "lib/hash.h"
#include "symbolize/internal.h"

struct memo_entry {
	const void *key;       /* module, kernel or JIT table, or an unknown-reason marker */
	const char *mapname;   /* interned */
	uint64_t addr;
	uint32_t flags;
	struct sym_chain chain;
};

/* Distinct addresses used as memo keys for what has no module. */
static const char kernel_key, unknown_keys[SYM_REASON_COUNT];

static const char *const reason_text[SYM_REASON_COUNT] = {
	[SYM_OK] = "resolved",
	[SYM_NO_PROCESS] = "process unknown or its maps unreadable",
	[SYM_NO_MAPPING] = "address in no mapping",
	[SYM_NO_FILE] = "binary not found",
	[SYM_BAD_FILE] = "binary is not a readable ELF file",
	[SYM_BUILD_ID_MISMATCH] = "binary found has another build-id",
	[SYM_NO_SYMBOL] = "no symbol covers the address",
	[SYM_ANON] = "anonymous executable memory without a JIT map",
	[SYM_NO_KERNEL_SYMBOLS] = "kernel symbols unavailable",
	[SYM_JIT_MAP_UNTRUSTED] = "JIT map ignored: owned by neither the process's user nor root",
};

const char *sym_reason_str(enum sym_reason r)
{
	return (unsigned)r < SYM_REASON_COUNT ? reason_text[r] : "unknown reason";
}

uint64_t sym_cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* ---- interned names ---- */

struct name_key {
	const char *s;
	size_t len;
};

static bool name_eq(uint32_t id, const void *key, void *arg)
{
	const struct symbolizer *s = arg;
	const struct name_key *k = key;
	return strncmp(s->name_list[id], k->s, k->len) == 0 && s->name_list[id][k->len] == 0;
}

const char *sym_intern(struct symbolizer *s, const char *str, size_t len)
{
	struct name_key k = { str, len };
	uint64_t h = hash_bytes(str, len, 0);
	uint32_t id = htab_find(&s->names, h, name_eq, &k, s);
	if (id != HTAB_NONE)
		return s->name_list[id];
	if (s->nnames == s->name_cap) {
		size_t cap = s->name_cap ? s->name_cap * 2 : 256;
		const char **v = realloc(s->name_list, cap * sizeof(*v));
		if (!v)
			return NULL;
		s->name_list = v;
		s->name_cap = cap;
	}
	char *copy = arena_strndup(&s->arena, str, len);
	if (!copy || htab_insert(&s->names, h, (uint32_t)s->nnames) < 0)
		return NULL;
	s->name_list[s->nnames++] = copy;
	return copy;
}

/* ---- lifecycle ---- */

struct symbolizer *symbolizer_new(const struct symbolizer_opts *o)
{
	elf_version(EV_CURRENT);
	struct symbolizer *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	if (o)
		s->o = *o;
	s->o.debug_dirs = NULL;
	arena_init(&s->arena);
	htab_init(&s->names);
	htab_init(&s->memo);
	htab_init(&s->proc_index);
	if (s->o.ndebug_dirs) {
		s->debug_dirs = calloc(s->o.ndebug_dirs, sizeof(*s->debug_dirs));
		if (!s->debug_dirs)
			goto fail;
		for (size_t i = 0; i < s->o.ndebug_dirs; i++) {
			size_t len = strlen(o->debug_dirs[i]);
			while (len > 1 && o->debug_dirs[i][len - 1] == '/')
				len--;
			if (!(s->debug_dirs[i] = strndup(o->debug_dirs[i], len)))
				goto fail;
		}
	}
	s->o.kallsyms = NULL;
	if (o && o->kallsyms && !(s->o.kallsyms = strdup(o->kallsyms)))
		goto fail;
	const char *home = getenv("HOME");
	struct stat st;
	if (!s->o.no_perf_cache && home && *home) {
		struct buf b = BUF_INIT;
		if (buf_addf(&b, "%s/.debug", home) == 0 && stat(b.data, &st) == 0 && S_ISDIR(st.st_mode))
			s->home_debug = buf_detach(&b, NULL);
		buf_release(&b);
	}
	return s;
fail:
	symbolizer_free(s);
	errno = ENOMEM;
	return NULL;
}

void symbolizer_free(struct symbolizer *s)
{
	if (!s)
		return;
	proc_free_all(s);
	for (size_t i = 0; i < s->modules.n; i++)
		module_free(s->modules.mods[i]);
	free(s->modules.mods);
	kallsyms_free(s->kernel);
	debugfind_release(s);
	for (size_t i = 0; i < s->o.ndebug_dirs && s->debug_dirs; i++)
		free(s->debug_dirs[i]);
	free(s->debug_dirs);
	free((char *)s->o.kallsyms);
	free(s->home_debug);
	free(s->path_ids);
	free(s->memo_list);
	free(s->name_list);
	free(s->dwbuf);
	htab_release(&s->memo);
	htab_release(&s->names);
	arena_release(&s->arena);
	free(s);
}

/* ---- module cache ---- */

int module_cache_add(struct symbolizer *s, struct sym_module *m)
{
	struct module_cache *c = &s->modules;
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 32;
		struct sym_module **v = realloc(c->mods, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		c->mods = v;
		c->cap = cap;
	}
	c->mods[c->n++] = m;
	s->st.modules++;
	return 0;
}

struct sym_module *module_cache_find_build_id(struct symbolizer *s, const uint8_t *id, size_t len)
{
	for (size_t i = 0; i < s->modules.n; i++) {
		struct sym_module *m = s->modules.mods[i];
		if (m->build_id_len == len && memcmp(m->build_id, id, len) == 0)
			return m;
	}
	return NULL;
}

struct sym_module *module_cache_find_path(struct symbolizer *s, const char *path)
{
	for (size_t i = 0; i < s->modules.n; i++)
		if (s->modules.mods[i]->path && strcmp(s->modules.mods[i]->path, path) == 0)
			return s->modules.mods[i];
	return NULL;
}

struct sym_module *module_cache_find_inode(struct symbolizer *s, dev_t dev, ino_t ino)
{
	for (size_t i = 0; i < s->modules.n; i++) {
		struct sym_module *m = s->modules.mods[i];
		if (m->ino == ino && m->dev == dev && ino)
			return m;
	}
	return NULL;
}

int symbolizer_add_build_id(struct symbolizer *s, const char *path, const uint8_t *id, size_t len)
{
	if (!len || len > SYM_BUILD_ID_MAX)
		return 0;
	if (s->npath_ids == s->path_id_cap) {
		size_t cap = s->path_id_cap ? s->path_id_cap * 2 : 16;
		void *v = realloc(s->path_ids, cap * sizeof(*s->path_ids));
		if (!v)
			return -ENOMEM;
		s->path_ids = v;
		s->path_id_cap = cap;
	}
	const char *p = sym_intern(s, path, strlen(path));
	if (!p)
		return -ENOMEM;
	s->path_ids[s->npath_ids].path = p;
	memcpy(s->path_ids[s->npath_ids].id, id, len);
	s->path_ids[s->npath_ids].len = len;
	s->npath_ids++;
	return 0;
}

const uint8_t *sym_path_build_id(struct symbolizer *s, const char *path, size_t *len)
{
	/* The last one recorded for a path wins. */
	for (size_t i = s->npath_ids; i-- > 0;)
		if (strcmp(s->path_ids[i].path, path) == 0) {
			*len = s->path_ids[i].len;
			return s->path_ids[i].id;
		}
	return NULL;
}

struct sym_module *sym_vdso(struct symbolizer *s)
{
	if (s->vdso_loaded)
		return s->vdso;
	s->vdso_loaded = true;
	uint64_t base = getauxval(AT_SYSINFO_EHDR);
	if (!base)
		return NULL;
	/* Its size: our own [vdso] line in /proc/self/maps. */
	FILE *f = fopen("/proc/self/maps", "re");
	uint64_t start = 0, end = 0;
	char line[512];
	while (f && fgets(line, sizeof(line), f)) {
		unsigned long long a, b;
		if (strstr(line, "[vdso]") && sscanf(line, "%llx-%llx", &a, &b) == 2) {
			start = a;
			end = b;
			break;
		}
	}
	if (f)
		fclose(f);
	if (start != base || end <= start || end - start > (1u << 24))
		return NULL;
	void *copy = malloc(end - start);
	if (!copy)
		return NULL;
	memcpy(copy, (const void *)(uintptr_t)start, end - start);
	struct sym_module *m = module_open_memory(s, "[vdso]", copy, end - start);
	if (m && module_cache_add(s, m) < 0) {
		module_free(m);
		m = NULL;
	}
	s->vdso = m;
	return m;
}

/* ---- memo ---- */

struct memo_key {
	const void *key;
	const char *mapname;
	uint64_t addr;
	uint32_t flags;
};

static bool memo_eq(uint32_t id, const void *key, void *arg)
{
	const struct symbolizer *s = arg;
	const struct memo_key *k = key;
	const struct memo_entry *e = s->memo_list[id];
	return e->addr == k->addr && e->key == k->key && e->mapname == k->mapname && e->flags == k->flags;
}

static uint64_t memo_hash(const struct memo_key *k)
{
	return hash_u64(k->addr ^ ((uint64_t)(uintptr_t)k->key * 0x9e3779b97f4a7c15ULL) ^
			((uint64_t)(uintptr_t)k->mapname << 7) ^ k->flags);
}

static const struct memo_entry *memo_find(struct symbolizer *s, const struct memo_key *k, uint64_t h)
{
	uint32_t id = htab_find(&s->memo, h, memo_eq, k, s);
	return id == HTAB_NONE ? NULL : s->memo_list[id];
}

static struct memo_entry *memo_add(struct symbolizer *s, const struct memo_key *k, uint64_t h, size_t nframes)
{
	if (s->nmemo == s->memo_cap) {
		size_t cap = s->memo_cap ? s->memo_cap * 2 : 1024;
		struct memo_entry **v = realloc(s->memo_list, cap * sizeof(*v));
		if (!v)
			return NULL;
		s->memo_list = v;
		s->memo_cap = cap;
	}
	struct memo_entry *e = arena_alloc(&s->arena, sizeof(*e) + nframes * sizeof(struct sym_frame));
	if (!e || htab_insert(&s->memo, h, (uint32_t)s->nmemo) < 0)
		return NULL;
	*e = (struct memo_entry){ .key = k->key, .mapname = k->mapname, .addr = k->addr, .flags = k->flags };
	e->chain.frames = (const struct sym_frame *)(e + 1);
	e->chain.nframes = (uint32_t)nframes;
	s->memo_list[s->nmemo++] = e;
	return e;
}

static void count(struct symbolizer *s, const struct sym_chain *c)
{
	s->st.lookups++;
	if (c->reason == SYM_OK)
		s->st.resolved++;
	else if (c->reason < SYM_REASON_COUNT)
		s->st.unknown[c->reason]++;
}

/* A name as shown: demangled if asked (a PLT stub's name before its "@plt"), interned. */
static const char *show_name(struct symbolizer *s, const char *name)
{
	if (!name || !s->o.demangle)
		return name;
	size_t len = strlen(name), base = len;
	if (len > 4 && strcmp(name + len - 4, "@plt") == 0)
		base = len - 4;
	if (!(name[0] == '_' && (name[1] == 'Z' || (name[1] == '_' && name[2] == 'Z') || name[1] == 'R')))
		return name;
	char *mangled = base < len ? strndup(name, base) : NULL;
	if (base < len && !mangled)
		return name;
	const char *in = mangled ? mangled : name;
	char *d = s->o.demangle_short ? sym_demangle_short(in) : sym_demangle(in);
	free(mangled);
	if (!d)
		return name;
	struct buf b = BUF_INIT;
	const char *r = NULL;
	if (buf_addstr(&b, d) == 0 && buf_addstr(&b, name + base) == 0)
		r = sym_intern(s, b.data, b.len);
	buf_release(&b);
	free(d);
	return r ? r : name;
}

static int unknown_chain(struct symbolizer *s, enum sym_reason why, const char *module, uint64_t addr,
			 struct sym_chain *out)
{
	const char *mod = module ? module : "[unknown]";
	struct memo_key k = { .key = &unknown_keys[why], .mapname = mod, .addr = 0, .flags = 0 };
	uint64_t h = memo_hash(&k);
	const struct memo_entry *e = memo_find(s, &k, h);
	if (!e) {
		struct memo_entry *ne = memo_add(s, &k, h, 1);
		if (!ne)
			return -ENOMEM;
		struct sym_frame *f = (struct sym_frame *)ne->chain.frames;
		*f = (struct sym_frame){ .name = "[unknown]", .file = "", .kind = FRAME_SYNTHETIC };
		ne->chain.reason = why;
		ne->chain.module = mod;
		ne->chain.symbol = "";
		ne->chain.function = "[unknown]";
		e = ne;
	}
	*out = e->chain;
	out->rel_addr = addr;
	count(s, out);
	return 0;
}

/* ---- resolving in a module ---- */

static int resolve_in_module(struct symbolizer *s, struct sym_module *m, const char *mapname, uint64_t rel,
			     unsigned flags, struct sym_chain *out)
{
	struct memo_key k = { .key = m, .mapname = mapname, .addr = rel, .flags = flags };
	uint64_t h = memo_hash(&k);
	const struct memo_entry *e = memo_find(s, &k, h);
	if (e) {
		*out = e->chain;
		count(s, out);
		return 0;
	}
	uint64_t la = rel - ((flags & SYM_RETURN_ADDRESS) && rel ? 1 : 0);
	module_load_symbols(m);
	/* DWARF only when inlines or lines are wanted: indexing it is most of a module's cost. */
	if (!(flags & SYM_SYMBOL_ONLY))
		module_load_dwarf(m);
	const struct sym_symbol *sym = symtab_find(&m->symtab, la);
	if (!sym && la != rel) {
		/*
		 * A "return address" at the very start of a function with no function
		 * before it follows no call: a function pointer a frame-pointer walk
		 * read off the stack. Named as perf names it, by the function it points to.
		 */
		const struct sym_symbol *at = symtab_find(&m->symtab, rel);
		if (at && at->start == rel) {
			sym = at;
			la = rel;
		}
	}
	int n = 0;
	if (m->dw && !(flags & SYM_SYMBOL_ONLY)) {
		n = dwarf_index_lookup(m->dw, la + m->dwarf_bias, !(flags & SYM_NO_INLINES), !(flags & SYM_NO_LINES),
				       &s->dwbuf, &s->dwcap);
		if (n < 0)
			return n;
	}
	size_t nf = n > 0 ? (size_t)n : 1;
	struct memo_entry *ne = memo_add(s, &k, h, nf);
	if (!ne)
		return -ENOMEM;
	struct sym_frame *f = (struct sym_frame *)ne->chain.frames;
	struct sym_chain *c = &ne->chain;
	c->module = mapname;
	c->mod = m;
	c->rel_addr = rel;
	const char *symname = sym ? show_name(s, sym->name) : NULL;
	c->symbol = sym ? symname : "";
	c->symbol_offset = sym ? rel - sym->start : 0;
	for (int i = 0; i < n; i++) {
		const struct dw_frame *d = &s->dwbuf[i];
		f[i] = (struct sym_frame){
			.name = show_name(s, d->name),
			.file = d->file ? d->file : "",
			.line = d->line,
			.column = d->column,
			.discriminator = d->discriminator,
			.kind = i + 1 < n ? FRAME_INLINED : FRAME_USER,
		};
		if (!f[i].name)
			f[i].name = i + 1 < n ? "[unknown]" : NULL;
	}
	struct sym_frame *last = &f[nf - 1];
	if (n == 0)
		*last = (struct sym_frame){ .file = "", .kind = FRAME_USER };
	/* The real function: DWARF's name for addr2line, the symbol (as perf and llvm-symbolizer show). */
	c->function = last->name ? last->name : sym ? symname : "[unknown]";
	if (sym) {
		last->name = symname;
		if (!*last->file && sym->file)
			last->file = sym->file;
	}
	if (!last->name) {
		last->name = "[unknown]";
		last->kind = FRAME_SYNTHETIC;
		c->reason = SYM_NO_SYMBOL;
	}
	*out = *c;
	count(s, out);
	return 0;
}

int symbolizer_kernel_ref(struct symbolizer *s, const char *ref, uint64_t addr)
{
	const char *r = sym_intern(s, ref, strlen(ref));
	if (!r)
		return -ENOMEM;
	s->kernel_ref = r;
	s->kernel_ref_addr = addr;
	return 0;
}

/*
 * perf's copy of the recording's kallsyms (perf record saves it in its
 * build-id cache), if the kernel's build-id and its reference symbol were
 * recorded and the copy agrees on the reference symbol's address.
 */
static struct kallsyms *kallsyms_from_perf_cache(struct symbolizer *s)
{
	size_t len = 0;
	const uint8_t *id = s->home_debug && s->kernel_ref && *s->kernel_ref
				    ? sym_path_build_id(s, "[kernel.kallsyms]", &len) : NULL;
	if (!id)
		return NULL;
	struct buf path = BUF_INIT;
	struct kallsyms *k = NULL;
	if (buf_addf(&path, "%s/[kernel.kallsyms]/", s->home_debug) == 0) {
		for (size_t i = 0; i < len; i++)
			buf_addf(&path, "%02x", id[i]);
		if (buf_addstr(&path, "/kallsyms") == 0)
			k = kallsyms_load(path.data, s->kernel_ref, s->kernel_ref_addr);
	}
	buf_release(&path);
	return k;
}

static int resolve_kernel(struct symbolizer *s, uint64_t addr, unsigned flags, struct sym_chain *out)
{
	if (!s->kernel_loaded) {
		s->kernel_loaded = true;
		uint64_t t0 = sym_cpu_ns();
		if (!s->o.kallsyms)
			s->kernel = kallsyms_from_perf_cache(s);
		if (!s->kernel)
			s->kernel = kallsyms_load(s->o.kallsyms, NULL, 0);
		s->kernel_errno = s->kernel ? 0 : errno;
		s->st.index_ns += sym_cpu_ns() - t0;
	}
	if (!s->kernel)
		return unknown_chain(s, SYM_NO_KERNEL_SYMBOLS, "[kernel.kallsyms]", addr, out);
	uint64_t la = addr - ((flags & SYM_RETURN_ADDRESS) && addr ? 1 : 0);
	struct memo_key k = { .key = &kernel_key, .mapname = NULL, .addr = addr, .flags = flags & SYM_RETURN_ADDRESS };
	uint64_t h = memo_hash(&k);
	const struct memo_entry *e = memo_find(s, &k, h);
	if (e) {
		*out = e->chain;
		count(s, out);
		return 0;
	}
	struct ksym_hit sym;
	if (!kallsyms_find(s->kernel, la, &sym))
		return unknown_chain(s, SYM_NO_SYMBOL, "[kernel.kallsyms]", addr, out);
	const char *name = sym_intern(s, sym.name, sym.name_len);
	const char *module = sym_intern(s, sym.module, strlen(sym.module));
	struct memo_entry *ne = name && module ? memo_add(s, &k, h, 1) : NULL;
	if (!ne)
		return -ENOMEM;
	struct sym_frame *f = (struct sym_frame *)ne->chain.frames;
	*f = (struct sym_frame){ .name = show_name(s, name), .file = "", .kind = FRAME_KERNEL };
	ne->chain.module = module;
	ne->chain.symbol = f->name;
	ne->chain.function = f->name;
	ne->chain.symbol_offset = addr - sym.start;
	ne->chain.rel_addr = addr;
	*out = ne->chain;
	count(s, out);
	return 0;
}

/*
 * Read the JIT map of `p` (named `path`, /tmp/perf-PID.map): the one opened
 * while it lived, else the one in its root if it still lives, else `path`.
 */
static void jit_load(struct symbolizer *s, struct sym_proc *p, const char *path)
{
	int fd = p->jit_fd;
	if (fd < 0 && p->live && !p->jit_untrusted) {
		char in_root[96];
		snprintf(in_root, sizeof(in_root), "/proc/%d/root/tmp/perf-%d.map", p->host_pid, p->nspid);
		fd = jitmap_open(in_root, p->uids, 4);
	}
	if (fd < 0 && !p->jit_untrusted)
		fd = jitmap_open(path, p->uids, p->live ? 4 : 0);
	if (fd == -EPERM)
		p->jit_untrusted = true;
	if (fd < 0)
		return;
	jitmap_load_fd(fd, &s->arena, &p->jit);
	if (fd != p->jit_fd)
		close(fd);
}

static int resolve_jit(struct symbolizer *s, struct sym_proc *p, uint64_t addr, struct sym_chain *out)
{
	if (!p->jit_loaded) {
		p->jit_loaded = true;
		char path[64];
		snprintf(path, sizeof(path), "/tmp/perf-%d.map", p->live ? p->host_pid : p->pid);
		p->jit_name = sym_intern(s, path, strlen(path));
		if (!s->o.no_jit_maps)
			jit_load(s, p, path);
	}
	const struct sym_symbol *sym = symtab_find(&p->jit, addr);
	if (!sym || addr >= sym->end)
		return unknown_chain(s, p->jit_untrusted ? SYM_JIT_MAP_UNTRUSTED : SYM_ANON, p->jit_name, addr, out);
	struct memo_key k = { .key = &p->jit, .mapname = p->jit_name, .addr = addr, .flags = 0 };
	uint64_t h = memo_hash(&k);
	const struct memo_entry *e = memo_find(s, &k, h);
	if (!e) {
		struct memo_entry *ne = memo_add(s, &k, h, 1);
		if (!ne)
			return -ENOMEM;
		struct sym_frame *f = (struct sym_frame *)ne->chain.frames;
		*f = (struct sym_frame){ .name = show_name(s, sym->name), .file = "", .kind = FRAME_JIT };
		ne->chain.module = p->jit_name;
		ne->chain.symbol = f->name;
		ne->chain.function = f->name;
		ne->chain.symbol_offset = addr - sym->start;
		ne->chain.rel_addr = addr;
		e = ne;
	}
	*out = e->chain;
	count(s, out);
	return 0;
}

int symbolizer_resolve(struct symbolizer *s, int pid, uint64_t addr, unsigned flags, struct sym_chain *out)
{
	if (pid == SYM_PID_KERNEL || addr >= SYM_KERNEL_HALF)
		return resolve_kernel(s, addr, flags, out);
	struct sym_proc *p = proc_get(s, pid, false);
	if (!p && s->o.snapshot_unknown_pids) {
		symbolizer_proc_snapshot(s, pid, NULL);
		p = proc_get(s, pid, false);
	}
	if (!p || p->failed)
		return unknown_chain(s, SYM_NO_PROCESS, NULL, addr, out);
	struct sym_map *m = proc_find_map(p, addr);
	if (!m)
		return unknown_chain(s, SYM_NO_MAPPING, NULL, addr, out);
	if (m->anon)
		return resolve_jit(s, p, addr, out);
	proc_open_map(s, p, m);
	if (!m->mod)
		return unknown_chain(s, (enum sym_reason)m->open_reason, m->name, addr, out);
	return resolve_in_module(s, m->mod, m->name, addr - m->bias, flags, out);
}

int symbolizer_resolve_many(struct symbolizer *s, int pid, const uint64_t *addrs, size_t n, unsigned flags,
			    struct sym_chain *out)
{
	for (size_t i = 0; i < n; i++) {
		int rc = symbolizer_resolve(s, pid, addrs[i], flags, &out[i]);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int symbolizer_resolve_module(struct symbolizer *s, struct sym_module *mod, uint64_t vaddr, unsigned flags,
			      struct sym_chain *out)
{
	const char *name = sym_intern(s, mod->path ? mod->path : "", mod->path ? strlen(mod->path) : 0);
	if (!name)
		return -ENOMEM;
	return resolve_in_module(s, mod, name, vaddr, flags, out);
}

/* ---- modules by file or build-id ---- */

struct sym_module *symbolizer_open_file(struct symbolizer *s, const char *path, struct errbuf *err)
{
	struct sym_module *m = module_cache_find_path(s, path);
	if (m)
		return m;
	m = module_open(s, path, -1, err);
	if (m && module_cache_add(s, m) < 0) {
		module_free(m);
		errbuf_set(err, -ENOMEM, "cannot open '%s': out of memory", path);
		return NULL;
	}
	return m;
}

struct sym_module *symbolizer_open_build_id(struct symbolizer *s, const uint8_t *id, size_t len,
					    struct errbuf *err)
{
	struct sym_module *m = module_cache_find_build_id(s, id, len);
	if (m)
		return m;
	char *path = debugfind_build_id(s, id, len, false);
	if (!path) {
		struct buf hexid = BUF_INIT;
		for (size_t i = 0; i < len; i++)
			buf_addf(&hexid, "%02x", id[i]);
		errbuf_set(err, -ENOENT, "cannot find build-id '%s': not in any debug directory", hexid.data);
		errbuf_hint(err, "add the directory holding the binary with --debug-dir");
		buf_release(&hexid);
		return NULL;
	}
	m = module_open(s, path, -1, err);
	free(path);
	if (m && (m->build_id_len != len || memcmp(m->build_id, id, len) != 0)) {
		module_free(m);
		errbuf_set(err, -ENOENT, "cannot open build-id: the file found carries another build-id");
		return NULL;
	}
	if (m && module_cache_add(s, m) < 0) {
		module_free(m);
		return NULL;
	}
	return m;
}

int symbolizer_module_for(struct symbolizer *s, int pid, uint64_t addr, struct sym_mapping *out)
{
	struct sym_proc *p = proc_get(s, pid, false);
	if (!p || p->failed)
		return -ESRCH;
	struct sym_map *m = proc_find_map(p, addr);
	if (!m || m->anon)
		return -ENOENT;
	proc_open_map(s, p, m);
	if (!m->mod)
		return -ENOENT;
	*out = (struct sym_mapping){
		.mod = m->mod, .start = m->start, .end = m->end, .pgoff = m->pgoff, .bias = m->bias,
		.load_base = m->bias + m->mod->min_vaddr, .name = m->name,
	};
	return 0;
}

/* ---- into a profile ---- */

/* "[cc1]" for code in /usr/lib/gcc/.../cc1 without a symbol, interned in `p`: as perf script |
 * stackcollapse-perf.pl names "[unknown] (MODULE)". */
static int intern_file_frame_name(struct profile *p, const char *module)
{
	const char *base = strrchr(module, '/');
	base = base && base[1] ? base + 1 : module;
	struct buf b = BUF_INIT;
	int id = buf_addf(&b, "[%s]", base) < 0 ? -ENOMEM : profile_intern(p, b.data, b.len);
	buf_release(&b);
	return id;
}

int symbolizer_chain_to_profile(struct symbolizer *s, const struct sym_chain *c, struct profile *p,
				unsigned flags, uint32_t *ids, size_t cap)
{
	(void)s;
	size_t first = (flags & SYM_PROFILE_NO_INLINES) ? c->nframes - 1 : 0;
	size_t need = c->nframes - first;
	if (need > cap)
		return -ENOSPC;
	int module = profile_intern(p, c->module, strlen(c->module));
	if (module < 0)
		return module;
	/* No symbol in a known file (a stripped binary): named after it; [unknown] stays for no file at all. */
	bool in_file = *c->module && strcmp(c->module, "[unknown]") != 0;
	size_t k = 0;
	for (size_t i = c->nframes; i-- > first;) {
		const struct sym_frame *sf = &c->frames[i];
		const char *name = sf->name;
		if (i == c->nframes - 1 && (flags & SYM_PROFILE_DWARF_NAMES) && sf->kind != FRAME_SYNTHETIC)
			name = c->function;
		struct frame f = { .module = (uint32_t)module, .kind = sf->kind };
		int id;
		if (in_file && sf->kind == FRAME_SYNTHETIC && i == c->nframes - 1 && strcmp(name, "[unknown]") == 0)
			id = intern_file_frame_name(p, c->module);
		else
			id = profile_intern(p, name, strlen(name));
		if (id < 0)
			return id;
		f.name = (uint32_t)id;
		if (flags & SYM_PROFILE_LINES) {
			if ((id = profile_intern(p, sf->file, strlen(sf->file))) < 0)
				return id;
			f.file = (uint32_t)id;
			f.line = sf->line;
		}
		if ((id = profile_frame(p, &f)) < 0)
			return id;
		ids[k++] = (uint32_t)id;
	}
	return (int)k;
}

/* ---- accounting ---- */

void symbolizer_get_stats(const struct symbolizer *s, struct symbolizer_stats *st)
{
	*st = s->st;
	uint64_t bytes = s->arena.total + kallsyms_bytes(s->kernel);
	for (size_t i = 0; i < s->modules.n; i++) {
		const struct sym_module *m = s->modules.mods[i];
		bytes += m->index_bytes + dwarf_index_bytes(m->dw);
		st->index_ns += dwarf_index_build_ns(m->dw);
	}
	st->index_bytes = bytes;
}

int symbolizer_report_unknown(const struct symbolizer *s, struct profile *p)
{
	for (int r = 1; r < SYM_REASON_COUNT; r++) {
		if (!s->st.unknown[r])
			continue;
		struct buf b = BUF_INIT;
		int rc = buf_addf(&b, "unsymbolized frames: %s", sym_reason_str((enum sym_reason)r));
		if (rc == 0)
			rc = profile_add_loss(p, b.data, s->st.unknown[r]);
		buf_release(&b);
		if (rc < 0)
			return rc;
	}
	return 0;
}

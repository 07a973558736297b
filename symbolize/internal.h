/* SPDX-License-Identifier: Apache-2.0 */
/* symbolize/ internals shared between its files; nothing outside symbolize/ includes this. */
#ifndef SCORCH_SYMBOLIZE_INTERNAL_H
#define SCORCH_SYMBOLIZE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <elfutils/libdw.h>
#include <gelf.h>

#include "lib/arena.h"
#include "lib/htab.h"
#include "symbolize/symbolize.h"

#define SYM_BUILD_ID_MAX 64
#define SYM_KERNEL_HALF 0xffff800000000000ULL

/* ---- symbol tables (symtab.c) ---- */

/* One function symbol: [start, end), name borrowed from the ELF's string table or an arena. */
struct sym_symbol {
	uint64_t start;
	uint64_t end;
	const char *name;
	const char *file; /* a local symbol's STT_FILE (llvm-symbolizer's file when DWARF has none), or NULL */
	bool label;       /* an ELF NOTYPE label (perf names addresses by them too, as `_dl_start_user`) */
};

/* A sorted symbol table with one symbol per start address (aliases already resolved). */
struct symtab {
	struct sym_symbol *syms;
	size_t n;
};

/*
 * The rules perf (util/symbol.c choose_best_symbol) uses to pick one of the
 * aliases at an address: sized over unsized, non-weak over weak, global over
 * local, fewer leading underscores, longer name, else the first seen.
 * Returns true when `b` should replace `a`.
 */
bool symbol_better(uint64_t a_size, int a_bind, const char *a_name, uint64_t b_size, int b_bind,
		   const char *b_name);
/* Sort, pick aliases, fill unsized ends from the next start (as perf does). Takes `syms` (malloc()ed). */
void symtab_finish(struct symtab *t, struct sym_symbol *syms, size_t n, const int *binds);
/* The symbol containing `addr`, or NULL. */
const struct sym_symbol *symtab_find(const struct symtab *t, uint64_t addr);
void symtab_release(struct symtab *t);

/* ---- modules (module.c, debugfind.c) ---- */

struct phdr_load {
	uint64_t vaddr, memsz, offset, filesz, align;
	bool exec;
};

struct dwarf_index;

struct sym_module {
	char *path;              /* binary as opened ("" when only a debug file) */
	char *debug_path;        /* separate debug file, or NULL */
	uint8_t build_id[SYM_BUILD_ID_MAX];
	size_t build_id_len;
	int fd, debug_fd;
	Elf *elf;                /* the binary */
	Elf *debug_elf;          /* separate debug file (owned), or NULL */
	Dwarf *dwarf;            /* of debug_elf if set, else of elf; NULL if none */
	void *image;             /* malloc()ed memory `elf` reads from (vDSO copy), or NULL */
	uint64_t dwarf_bias;
	bool is_exec;
	struct phdr_load *loads;
	size_t nloads;
	uint64_t min_vaddr;      /* lowest PT_LOAD p_vaddr, page aligned */
	bool syms_loaded, dwarf_loaded, debug_searched, cfi_loaded, debug_cfi_loaded;
	struct symtab symtab;
	struct dwarf_index *dw;
	Dwarf_CFI *eh_cfi, *debug_cfi;
	uint64_t index_bytes;
	struct symbolizer *owner;
	dev_t dev;               /* identity for the live cache (0/0 when unknown) */
	ino_t ino;
};

/* Open the ELF at `path` (fd `fd` if >= 0 is used instead and taken). NULL with errno / err. */
struct sym_module *module_open(struct symbolizer *s, const char *path, int fd, struct errbuf *err);
/* A module over `len` bytes at `image` (taken: malloc()ed). NULL with errno. */
struct sym_module *module_open_memory(struct symbolizer *s, const char *name, void *image, size_t len);
void module_free(struct sym_module *m);
/* Read the build-id note of `elf` into `out` (room SYM_BUILD_ID_MAX). Returns its length, 0 if none. */
size_t elf_build_id(Elf *elf, uint8_t *out);
/* Load symbols (debug file's .symtab, binary's .symtab, .dynsym + PLT, MiniDebugInfo) once. */
void module_load_symbols(struct sym_module *m);
/* Find the debug file and open DWARF once. */
void module_load_dwarf(struct sym_module *m);
/* Runtime address - ELF address for a mapping at `start` of file offset `pgoff`. */
uint64_t module_bias(const struct sym_module *m, uint64_t start, uint64_t pgoff, bool exec);

/* Search the debug roots for a file with this build-id: `want_debug` prefers a .debug file
 * with DWARF, else the binary. Returns a malloc()ed path or NULL. */
char *debugfind_build_id(struct symbolizer *s, const uint8_t *id, size_t len, bool want_debug);
/* .gnu_debuglink of module `m` (in the usual places). Returns a malloc()ed path or NULL. */
char *debugfind_debuglink(struct symbolizer *s, struct sym_module *m);
/* A file named like `path`'s base name in one of the --debug-dir roots. malloc()ed or NULL. */
char *debugfind_by_name(struct symbolizer *s, const char *path);
void debugfind_release(struct symbolizer *s);

/* ---- DWARF index (dwarf_index.c) ---- */

/* One inline level found for an address, innermost first. */
struct dw_frame {
	const char *name;  /* NULL if the DIE has no name */
	const char *file;  /* NULL if unknown */
	uint32_t line, column, discriminator;
};

struct dwarf_index *dwarf_index_new(Dwarf *dw);
void dwarf_index_free(struct dwarf_index *x);
/*
 * Look up `addr` (an address of the DWARF file): fills `*out` (grown as
 * needed, capacity `*cap`, owned by the caller) innermost first, the last
 * frame being the subprogram; each frame's file:line is the location inside
 * it (the line row for the first, call sites after). Without `inlines`, one
 * frame: the outermost function with the line row. Without `lines`, names
 * only (file NULL, line 0), and the CU's line table is not read. When no
 * function covers `addr` but a line row does, one frame with a NULL name.
 * Returns the frame count (0: nothing known), or -ENOMEM.
 */
int dwarf_index_lookup(struct dwarf_index *x, uint64_t addr, bool inlines, bool lines, struct dw_frame **out,
		       size_t *cap);
size_t dwarf_index_bytes(const struct dwarf_index *x);
/* CPU time spent so far building the per-CU indexes (they are built on first lookup). */
uint64_t dwarf_index_build_ns(const struct dwarf_index *x);

/* ---- kernel (kallsyms.c) ---- */

struct kallsyms;
/*
 * Parse `path` (NULL = /proc/kallsyms). With `ref`, only if symbol `ref` is at
 * `ref_addr` in it (else NULL with errno ESTALE). NULL with errno; ENODATA
 * when addresses are hidden.
 */
struct kallsyms *kallsyms_load(const char *path, const char *ref, uint64_t ref_addr);
void kallsyms_free(struct kallsyms *k);
/* A kernel symbol found; strings borrowed until kallsyms_free(). */
struct ksym_hit {
	uint64_t start;
	const char *name;     /* not NUL-terminated: `name_len` bytes */
	size_t name_len;
	const char *module;   /* "[kernel.kallsyms]", "[ext4]", "[bpf]" */
};
/* The symbol containing `addr`: true with `out` filled, false when none does. */
bool kallsyms_find(const struct kallsyms *k, uint64_t addr, struct ksym_hit *out);
size_t kallsyms_bytes(const struct kallsyms *k);

/* ---- JIT maps (jitmap.c) ---- */

/*
 * Open a JIT map to read, without trusting it: a regular file (a FIFO would
 * block), owned by root or by one of `uids` (the process's own; none given:
 * any owner). An fd, or -errno: -EPERM when someone else owns it (it could
 * lie about the process), -EINVAL when it is not a regular file.
 */
int jitmap_open(const char *path, const uint32_t *uids, size_t nuids);
/* Parse the JIT map open at `fd` ("START SIZE name" in hex), read from its start. Names go to `a`. 0 or -errno. */
int jitmap_load_fd(int fd, struct arena *a, struct symtab *out);

/* ---- processes (proc.c) ---- */

struct sym_map {
	uint64_t start, end, pgoff;
	const char *name;          /* interned in the symbolizer's arena */
	uint8_t build_id[SYM_BUILD_ID_MAX];
	size_t build_id_len;
	bool exec;
	bool anon;                 /* anonymous / JIT memory */
	bool opened;               /* module lookup done (mod may still be NULL) */
	uint8_t open_reason;       /* enum sym_reason when mod == NULL */
	struct sym_module *mod;
	uint64_t bias;
	dev_t dev;
	ino_t ino;
	char *open_path;           /* /proc/PID/map_files/... path used while live, or NULL */
};

struct sym_proc {
	int pid;
	bool failed;               /* snapshot failed: lookups give SYM_NO_PROCESS */
	bool jit_loaded;
	struct sym_map *maps;      /* sorted by start, non-overlapping */
	size_t nmaps, cap;
	struct symtab jit;
	const char *jit_name;      /* "/tmp/perf-PID.map" */
	bool jit_untrusted;        /* its map was owned by another user: ignored */
	/*
	 * Where its JIT map is, learnt from /proc while it lived (`live`): a
	 * process in a container writes /tmp/perf-NSPID.map in its own /tmp, under
	 * the pid it knows itself by. The map is opened then, when there is one,
	 * and read at the first lookup: the open file outlives the process and its
	 * mount namespace, and the JIT's later lines are read too.
	 */
	bool live;
	int host_pid;              /* the process's pid here (an alias's is its original's) */
	int nspid;                 /* its pid in its own PID namespace */
	uint32_t uids[4];          /* real, effective, saved, filesystem: who may own its map */
	int jit_fd;                /* -1: not opened */
};

struct sym_proc *proc_get(struct symbolizer *s, int pid, bool create);
void proc_free_all(struct symbolizer *s);
/* The mapping of `p` containing `addr`, or NULL. */
struct sym_map *proc_find_map(struct sym_proc *p, uint64_t addr);
/* Open the module of map `m` (once). */
void proc_open_map(struct symbolizer *s, struct sym_proc *p, struct sym_map *m);

/* ---- the symbolizer (symbolizer.c) ---- */

struct module_cache {
	struct sym_module **mods;
	size_t n, cap;
};

struct symbolizer {
	struct symbolizer_opts o;
	char **debug_dirs;
	struct arena arena;          /* interned names, memo chains and frames */
	struct htab names;           /* interned strings */
	const char **name_list;
	size_t nnames, name_cap;
	struct module_cache modules;
	struct htab memo;
	struct memo_entry **memo_list; /* entries live in `arena` */
	size_t nmemo, memo_cap;
	struct sym_proc **procs;
	size_t nprocs, proc_cap;
	struct htab proc_index;
	struct kallsyms *kernel;
	bool kernel_loaded;
	const char *kernel_ref;      /* symbolizer_kernel_ref(): a kernel symbol (interned) ... */
	uint64_t kernel_ref_addr;    /* ... and its address in the recording */
	int kernel_errno;
	struct sym_module *vdso;     /* this machine's vDSO */
	bool vdso_loaded;
	struct {                      /* perf BUILD_ID feature: path -> build-id */
		const char *path;
		uint8_t id[SYM_BUILD_ID_MAX];
		size_t len;
	} *path_ids;
	size_t npath_ids, path_id_cap;
	struct debug_scan *scans;    /* per --debug-dir: build-ids of the ELF files in it */
	struct symbolizer_stats st;
	struct dw_frame *dwbuf;      /* scratch for DWARF lookups */
	size_t dwcap;
	char *home_debug;            /* ~/.debug, or NULL */
};

/* Intern `s` in the symbolizer; borrowed until symbolizer_free(). NULL on ENOMEM. */
const char *sym_intern(struct symbolizer *s, const char *str, size_t len);
/* Register a newly opened module. 0 or -ENOMEM (then the caller frees it). */
int module_cache_add(struct symbolizer *s, struct sym_module *m);
struct sym_module *module_cache_find_build_id(struct symbolizer *s, const uint8_t *id, size_t len);
struct sym_module *module_cache_find_path(struct symbolizer *s, const char *path);
struct sym_module *module_cache_find_inode(struct symbolizer *s, dev_t dev, ino_t ino);
/* The recorded build-id (symbolizer_add_build_id) for `path`, or NULL. */
const uint8_t *sym_path_build_id(struct symbolizer *s, const char *path, size_t *len);
/* This machine's vDSO as a module (copied from our own address space), or NULL. */
struct sym_module *sym_vdso(struct symbolizer *s);
/* Monotonic CPU time in ns, for stats. */
uint64_t sym_cpu_ns(void);

/* ---- the demangler (demangle.c names and encodings, demangle_type.c types and expressions,
 * demangle_rust.c Rust v0) ---- */

enum dm_node_kind { DM_PLAIN, DM_FUNC, DM_ARRAY, DM_PACK };

struct dm_node {
	const char *pre, *post;
	const char *base;       /* a name's last component without template args (ctor/dtor names) */
	enum dm_node_kind kind;
	bool is_std_expand;     /* Ss/Si/So/Sd: spelt out in full before a ctor/dtor */
	const char *expanded;   /* that spelling */
	int refkind;            /* 1: T&, 2: T&& (for reference collapsing) */
	const char *base_ref;   /* a reference's text without its & or && */
	struct dm_node **elems;    /* DM_PACK: the pack's elements */
	size_t nelems;
};

struct dm_name_state {
	bool ends_with_template_args;
	bool ctor_dtor_conversion;
	const char *cv;         /* " const" ... of a member function */
	const char *ref;        /* " &" / " &&" */
};

struct dm {
	const char *p, *end;
	struct arena a;
	struct dm_node **subs;
	size_t nsubs, subcap;
	struct dm_node **tparams;
	size_t ntparams, tpcap;
	int depth;
	bool failed;
	bool gnu;               /* spell lambdas and unnamed types as libiberty does ({lambda()#1}) */
};

#define DM_MAX_DEPTH 256

static inline bool more(struct dm *d) { return d->p < d->end; }
static inline char look(struct dm *d, size_t i) { return d->p + i < d->end ? d->p[i] : 0; }
static inline bool eat(struct dm *d, char c)
{
	if (look(d, 0) == c) {
		d->p++;
		return true;
	}
	return false;
}
static inline bool eat2(struct dm *d, const char *s)
{
	if (look(d, 0) == s[0] && look(d, 1) == s[1]) {
		d->p += 2;
		return true;
	}
	return false;
}

/* Shared by demangle.c (names, encodings) and demangle_type.c (types, literals, expressions). */
struct dm_node *dm_fail(struct dm *d);
const char *dm_cat(struct dm *d, const char *a, const char *b, const char *c, const char *e);
struct dm_node *dm_mk(struct dm *d, const char *pre, const char *post, enum dm_node_kind kind);
const char *dm_full(struct dm *d, const struct dm_node *n);
void dm_push_sub(struct dm *d, struct dm_node *n);
bool dm_parse_number(struct dm *d, long *out);
bool dm_parse_seq_id(struct dm *d, size_t *out);
struct dm_node *dm_parse_type(struct dm *d);
struct dm_node *dm_parse_encoding(struct dm *d);
struct dm_node *dm_parse_name(struct dm *d, struct dm_name_state *st);
struct dm_node *dm_parse_source_name(struct dm *d);
struct dm_node *dm_parse_operator_name(struct dm *d, struct dm_name_state *st);
const char *dm_parse_template_args(struct dm *d, bool tag);
struct dm_node *dm_parse_template_param(struct dm *d);
struct dm_node *dm_parse_substitution(struct dm *d);
struct dm_node *dm_parse_template_arg(struct dm *d);
struct dm_node *dm_parse_expression(struct dm *d);
struct dm_node *dm_parse_literal(struct dm *d);
struct dm_node *dm_join(struct dm *d, struct dm_node *prefix, struct dm_node *comp);
struct dm_node *dm_with_args(struct dm *d, struct dm_node *name, const char *args);
const char *dm_parse_cv(struct dm *d);

/* Rust v0 ("_R...") names to "<Foo as Trait>::bar::<T>", the crate hashes and "." suffixes dropped
 * (demangle_rust.c). Malloc()ed; NULL when not v0, malformed or over the size limits. */
char *sym_demangle_rust(const char *name);

#endif

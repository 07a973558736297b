/* SPDX-License-Identifier: Apache-2.0 */
/* Name every frame: addresses of processes, the kernel or a binary to functions, inline chains, file:line, module. */
#ifndef SCORCH_SYMBOLIZE_SYMBOLIZE_H
#define SCORCH_SYMBOLIZE_SYMBOLIZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * A struct symbolizer holds everything needed to name addresses:
 *  - modules (ELF binaries with their symbol tables and DWARF index), cached by
 *    build-id (else by path and inode), so a libc shared by 50 processes is
 *    opened and indexed once, lazily, on its first lookup;
 *  - address spaces per pid, filled from /proc/PID/maps (live) or from
 *    perf.data events (replay), kept after the process exits;
 *  - kernel symbols (kallsyms), parsed on the first kernel lookup;
 *  - JIT maps (/tmp/perf-PID.map), read on the first lookup that needs them.
 *
 * Frame sources per module, best first: DWARF (libdw; an index of
 * subprogram and inlined-subroutine ranges and the line table, built once per
 * module, answered by binary search), then .symtab, then .dynsym, then PLT
 * stubs (`func@plt`), each from the binary or its debug file (build-id,
 * .gnu_debuglink, MiniDebugInfo).
 *
 * Not thread-safe: use one symbolizer per thread, or lock around it.
 *
 * Lifetimes: every pointer the symbolizer hands out (chains, frames, names,
 * modules) is borrowed and stays valid until symbolizer_free(), unless stated.
 */

struct symbolizer;
struct sym_module;
struct profile;
struct errbuf;
/* libelf / libdw handles, for DWARF unwinding (symbolize/unwind.c). */
struct Elf;
struct Dwarf;
struct Dwarf_CFI_s;

/* The pid that names the kernel's address space. */
#define SYM_PID_KERNEL (-1)

/* Why a frame is [unknown]. Counted per reason in struct symbolizer_stats. */
enum sym_reason {
	SYM_OK = 0,
	SYM_NO_PROCESS,      /* pid unknown: never snapshotted, /proc/PID/maps unreadable */
	SYM_NO_MAPPING,      /* address in no mapping of the process */
	SYM_NO_FILE,         /* mapped file not found (deleted, another host: try --debug-dir) */
	SYM_BAD_FILE,        /* file is not a usable ELF (truncated, garbage) */
	SYM_BUILD_ID_MISMATCH, /* the file found has another build-id than the one recorded */
	SYM_NO_SYMBOL,       /* inside the module, but in no symbol (stripped, gap, past the end) */
	SYM_ANON,            /* anonymous executable memory with no JIT map entry */
	SYM_NO_KERNEL_SYMBOLS, /* kallsyms unreadable or hidden (kptr_restrict: addresses are 0) */
	SYM_JIT_MAP_UNTRUSTED, /* anonymous executable memory whose JIT map another user owns: ignored */
	SYM_REASON_COUNT
};

/* A short lower-case description of `r` ("binary not found"); never NULL. */
const char *sym_reason_str(enum sym_reason r);

struct symbolizer_opts {
	const char *const *debug_dirs; /* extra roots: binaries and debug files by build-id
	                                  (DIR/.build-id/xx/rest[.debug], or any ELF in DIR
	                                  with that build-id), else by base name */
	size_t ndebug_dirs;
	const char *kallsyms;   /* kallsyms file (e.g. another boot's); NULL = /proc/kallsyms */
	bool demangle;          /* demangle C++ (Itanium) and Rust (legacy and v0) names */
	bool demangle_short;    /* with demangle: the name alone, as perf script prints it
	                           (sym_demangle_short()); else the full signature, as addr2line -C
	                           and llvm-symbolizer print it (sym_demangle()) */
	bool no_perf_cache;     /* don't look in perf's build-id cache (~/.debug) */
	bool no_system_debug;   /* don't look in /usr/lib/debug (tests) */
	bool no_jit_maps;       /* don't read /tmp/perf-PID.map (a live process's own /tmp:
	                           perf-NSPID.map in its root, owned by it or root) */
	bool snapshot_unknown_pids; /* live use: a pid never seen is snapshotted from /proc on its
	                               first lookup (leave false when replaying a recording) */
};

/*
 * A new symbolizer. `o` may be NULL (defaults: no extra dirs, /proc/kallsyms,
 * no demangling). The option strings are copied. NULL with errno=ENOMEM.
 */
struct symbolizer *symbolizer_new(const struct symbolizer_opts *o);
/* Free everything; NULL is fine. Every borrowed pointer dies here. */
void symbolizer_free(struct symbolizer *s);

/* ---- address spaces ------------------------------------------------------------------------ */

/*
 * Live: snapshot /proc/PID/maps now, replacing any earlier maps of `pid`
 * (call again after exec). Files are opened through /proc/PID/map_files or
 * /proc/PID/root while the process lives, so deleted files and containers
 * work, and build-ids are read now; the index is built later, on first
 * lookup. When the maps cannot be read or are empty (the process exited or
 * is exiting), the maps of an earlier snapshot are kept, so its samples are
 * still named. Returns 0, or a negative errno with `err` filled (-ESRCH:
 * gone or exiting, -EACCES); lookups in a pid never snapshotted give
 * SYM_NO_PROCESS frames.
 */
int symbolizer_proc_snapshot(struct symbolizer *s, int pid, struct errbuf *err);

/* One mapping, as perf's MMAP/MMAP2 records describe it. */
struct sym_mmap {
	uint64_t start;          /* runtime address */
	uint64_t len;            /* bytes */
	uint64_t pgoff;          /* file offset of `start` */
	const char *filename;    /* path, "[vdso]", "//anon", "[anon:...]", "/memfd:x (deleted)" ... (copied) */
	const uint8_t *build_id; /* optional (MMAP2 with build-id); NULL if none */
	size_t build_id_len;
	bool exec;               /* PROT_EXEC (perf: true unless the record says otherwise) */
	uint32_t maj, min;       /* device and inode of the file, as /proc/PID/maps showed them (0: unknown); */
	uint64_t ino;            /* set by symbolizer_proc_maps(), unused by symbolizer_proc_mmap() */
};

/*
 * Replay: add a mapping to `pid` (created if unknown). It replaces whatever
 * it overlaps, as in the kernel (older mappings are split or trimmed).
 * Returns 0 or -ENOMEM.
 */
int symbolizer_proc_mmap(struct symbolizer *s, int pid, const struct sym_mmap *m);
/*
 * Live: after a new snapshot of `pid`, keep the executable mappings `from`
 * (its previous maps, saved with symbolizer_proc_fork()) had where nothing is
 * mapped now: a library loaded and unloaded (dlclose) between snapshots still
 * names the samples taken while it was there. 0 or -ENOMEM.
 */
int symbolizer_proc_keep_gone(struct symbolizer *s, int pid, int from);
/* Replay: COMM with exec, a new program image: forget the maps of `pid`. */
void symbolizer_proc_exec(struct symbolizer *s, int pid);
/* Replay: FORK of a new process `child` (child != parent): it starts with a copy of the parent's maps. 0 or -ENOMEM. */
int symbolizer_proc_fork(struct symbolizer *s, int child, int parent);
/*
 * The executable mappings stored for `pid` (a snapshot's, a replay's, or an
 * alias made with symbolizer_proc_fork(), e.g. an older image of a process),
 * in address order: `cb` gets each with its path as the process saw it ("" for
 * anonymous memory), the build-id read when the snapshot opened the file
 * (NULL when none), and device and inode. Everything `m` points to is
 * borrowed for the call. A non-zero return of `cb` stops the walk and is
 * returned. Returns 0, or -ESRCH when `pid` has no stored maps.
 */
int symbolizer_proc_maps(struct symbolizer *s, int pid, int (*cb)(const struct sym_mmap *m, void *arg), void *arg);

/*
 * EXIT: nothing changes for lookups (samples may still arrive or be resolved
 * later); the maps stay until the pid is reused (fork/exec/snapshot).
 */
void symbolizer_proc_exit(struct symbolizer *s, int pid);

/*
 * Replay: the build-id perf recorded for `path` (perf.data's BUILD_ID
 * feature). It takes precedence over the file found at `path`: the module
 * is looked up by this build-id first. Returns 0 or -ENOMEM.
 */
int symbolizer_add_build_id(struct symbolizer *s, const char *path, const uint8_t *build_id, size_t len);

/*
 * Replay: the kernel's own mapping as perf recorded it (the MMAP of pid -1
 * named "[kernel.kallsyms]_text"): symbol `ref` ("_text") was at `addr` in
 * the recording. With the kernel's build-id recorded too (path
 * "[kernel.kallsyms]"), kernel frames are named from perf's saved copy of
 * the recording's kallsyms (~/.debug/[kernel.kallsyms]/ID/kallsyms, as perf
 * script does) when that copy has `ref` at `addr` (same boot layout): the
 * modules and BPF programs of that moment, and far cheaper to read than
 * /proc/kallsyms. Unused with opts.kallsyms or no_perf_cache. 0 or -ENOMEM.
 */
int symbolizer_kernel_ref(struct symbolizer *s, const char *ref, uint64_t addr);

/* ---- resolving ------------------------------------------------------------------------------ */

enum sym_flags {
	SYM_RETURN_ADDRESS = 1 << 0, /* a caller's return address: look up addr-1, so a call at the
	                                end of a function is not blamed on the next one */
	SYM_NO_INLINES     = 1 << 1, /* one frame: the real function with the innermost line (perf
	                                without --inline); cheaper than building inline chains */
	SYM_SYMBOL_ONLY    = 1 << 2, /* one frame named by the ELF/kallsyms/JIT symbol alone, as perf
	                                names frame-pointer and kernel frames: DWARF is not loaded
	                                (no file:line; `function` is the symbol) */
	SYM_NO_LINES       = 1 << 3, /* names (inline chains too) without file:line: DWARF line
	                                tables are not read, the costly part of a big CU */
};

/*
 * One frame. Strings are borrowed (never NULL; "" when absent) until
 * symbolizer_free().
 */
struct sym_frame {
	const char *name;      /* function; "[unknown]" when not resolved */
	const char *file;      /* source file ("" if unknown) */
	uint32_t line;         /* 0 if unknown */
	uint32_t column;       /* 0 if unknown */
	uint32_t discriminator;/* DWARF line discriminator (addr2line prints it), 0 if none */
	uint32_t kind;         /* enum frame_kind (fold/profile.h): USER, KERNEL, JIT, INLINED, SYNTHETIC */
};

/*
 * What an address resolves to. `frames` is innermost first: the inlined
 * callees (kind FRAME_INLINED, DWARF names), each with the file:line inside
 * that function, then last, frames[nframes-1], the real function the code
 * belongs to, whose file:line is the call site of the frame before it.
 * nframes >= 1 always: an unresolved address is one "[unknown]" frame of
 * kind FRAME_SYNTHETIC with `reason` set and `module` kept when known.
 */
struct sym_chain {
	const struct sym_frame *frames;
	uint32_t nframes;
	uint32_t reason;        /* enum sym_reason; SYM_OK when named */
	const char *module;     /* module path as mapped ("/usr/lib/x86_64-linux-gnu/libc.so.6"),
	                           "[kernel.kallsyms]", "[ext4]", "[bpf]", "[vdso]", "//anon" ...;
	                           "[unknown]" when in no mapping */
	const char *symbol;     /* the ELF/kallsyms/JIT symbol containing the address, chosen among
	                           aliases as perf does (sized over unsized, non-weak over weak, global
	                           over local, fewer leading '_', longer name, first): perf's name;
	                           "" when none, or in a section perf ignores (.init, .fini) */
	uint64_t symbol_offset; /* address - symbol start (perf's "sym+0x1f") */
	uint64_t rel_addr;      /* address in the module's ELF address space (what addr2line takes;
	                           for the kernel the address itself) */
	const char *function;   /* the real function's DWARF name (addr2line's -f), else `symbol` */
	const struct sym_module *mod; /* NULL for kernel, JIT, anonymous and unknown */
};

/*
 * Resolve `addr` in the address space of `pid` (SYM_PID_KERNEL for the
 * kernel; an address in the kernel half, >= 0xffff800000000000, resolves as
 * kernel whatever the pid). The result is memoised: `out` points into storage owned by `s`
 * (valid until symbolizer_free()). An address that cannot be named still
 * returns 0 with an [unknown] chain and its reason counted in the stats.
 * Returns 0, or -ENOMEM.
 */
int symbolizer_resolve(struct symbolizer *s, int pid, uint64_t addr, unsigned flags, struct sym_chain *out);

/*
 * Batch: resolve `n` addresses of one pid into `out[0..n)`. Same results as
 * n calls of symbolizer_resolve(). Returns 0 or -ENOMEM.
 */
int symbolizer_resolve_many(struct symbolizer *s, int pid, const uint64_t *addrs, size_t n, unsigned flags,
			    struct sym_chain *out);

/* ---- modules (a binary on its own: addr2line -e, build-id + file offset) --------------------- */

/*
 * The module for the ELF file at `path` (cached: opening it twice returns the
 * same module). Its debug file is searched as for any module. NULL with `err`
 * filled when the file cannot be opened or is not ELF.
 */
struct sym_module *symbolizer_open_file(struct symbolizer *s, const char *path, struct errbuf *err);
/* The module with this build-id, found in the debug roots (see opts), perf's cache or loaded modules. NULL with `err` filled. */
struct sym_module *symbolizer_open_build_id(struct symbolizer *s, const uint8_t *build_id, size_t len,
					    struct errbuf *err);

/*
 * Resolve `vaddr`, an address in the module's own ELF address space (as
 * addr2line takes it), into `out` (memoised, like symbolizer_resolve()).
 * Returns 0 or -ENOMEM.
 */
int symbolizer_resolve_module(struct symbolizer *s, struct sym_module *mod, uint64_t vaddr, unsigned flags,
			      struct sym_chain *out);
/* The ELF address of file offset `offset` (through the PT_LOAD that maps it). 0 or -ENOENT. */
int sym_module_offset_to_vaddr(const struct sym_module *mod, uint64_t offset, uint64_t *vaddr);

/* What a module is made of; all borrowed until symbolizer_free(). */
struct sym_module_info {
	const char *path;          /* the binary opened ("" when only a debug file was found) */
	const char *debug_path;    /* the separate debug file used, or "" */
	const uint8_t *build_id;   /* NULL if none */
	size_t build_id_len;
	bool is_exec;              /* ET_EXEC (fixed addresses) rather than ET_DYN */
	struct Elf *elf;           /* the binary (.eh_frame lives here); NULL when not found */
	struct Elf *debug_elf;     /* the file holding DWARF (may equal `elf`), or NULL */
	struct Dwarf *dwarf;       /* DWARF of `debug_elf`, or NULL */
	uint64_t dwarf_bias;       /* add to an ELF address of `elf` to get one of `debug_elf`
	                              (0 unless prelinked) */
};
void sym_module_get_info(const struct sym_module *mod, struct sym_module_info *info);

/*
 * Call frame information for unwinding, loaded once and owned by the module:
 * `eh` from the binary's .eh_frame (dwarf_getcfi_elf), `debug` from .debug_frame
 * of the debug file (dwarf_getcfi; asking for it loads the module's DWARF, so
 * ask only when .eh_frame has no entry). Either pointer may be NULL: that table
 * is then neither loaded nor returned. Addresses in both are ELF addresses
 * (runtime address - bias). Returns 0, or -ENOENT if none of those asked for exists.
 */
int sym_module_cfi(struct sym_module *mod, struct Dwarf_CFI_s **eh, struct Dwarf_CFI_s **debug);

/* Where an address of a process lands. */
struct sym_mapping {
	struct sym_module *mod;  /* NULL if the file could not be opened */
	uint64_t start, end;     /* the mapping [start, end) */
	uint64_t pgoff;
	uint64_t bias;           /* runtime address - ELF address, from the program headers */
	uint64_t load_base;      /* runtime address of the module's lowest PT_LOAD (first mapping) */
	const char *name;        /* the mapping's file name as seen by the process */
};

/*
 * For unwinding: the mapping of `pid` containing `addr` and its module
 * (opened if needed). Returns 0; -ESRCH for an unknown pid, -ENOENT when no
 * mapping holds `addr` or it is not file-backed.
 */
int symbolizer_module_for(struct symbolizer *s, int pid, uint64_t addr, struct sym_mapping *out);

/* ---- into a profile ------------------------------------------------------------------------- */

enum sym_profile_flags {
	SYM_PROFILE_NO_INLINES = 1 << 0, /* only the real function */
	SYM_PROFILE_LINES      = 1 << 1, /* put file:line in the frames (splits frames by line) */
	SYM_PROFILE_DWARF_NAMES = 1 << 2,/* real function by DWARF name ("foo") rather than the
	                                    symbol perf shows ("foo.constprop.0") */
};

/*
 * Intern the frames of `c` into `p` and write their ids to `ids` (room for
 * `cap`), ROOT FIRST: the real function, then its inlined callees, the
 * innermost last — so a stack built from its root appends chain after chain.
 * Kinds: FRAME_USER, FRAME_KERNEL, FRAME_JIT, FRAME_INLINED; an unknown frame
 * is "[unknown]" (FRAME_SYNTHETIC) with the module kept. Returns the number
 * of ids written, -ENOSPC if `cap` is too small, or -ENOMEM.
 */
int symbolizer_chain_to_profile(struct symbolizer *s, const struct sym_chain *c, struct profile *p,
				unsigned flags, uint32_t *ids, size_t cap);

/* ---- accounting ----------------------------------------------------------------------------- */

struct symbolizer_stats {
	uint64_t lookups;                     /* symbolizer_resolve*() calls */
	uint64_t resolved;                    /* ... that named a function */
	uint64_t unknown[SYM_REASON_COUNT];   /* ... that gave [unknown], per reason */
	uint64_t modules;                     /* modules opened */
	uint64_t modules_indexed;             /* ... whose DWARF index was built */
	uint64_t index_ns;                    /* CPU-clock time spent building indexes */
	uint64_t index_bytes;                 /* memory held by symbol tables and indexes */
};
void symbolizer_get_stats(const struct symbolizer *s, struct symbolizer_stats *st);

/*
 * Record the unknown frames counted so far in `p` as losses, one per reason
 * ("unsymbolized frames: binary not found"), so the profile reports them.
 * Returns 0 or -ENOMEM.
 */
int symbolizer_report_unknown(const struct symbolizer *s, struct profile *p);

/* ---- names ---------------------------------------------------------------------------------- */

/*
 * Demangle `name` (Itanium C++ "_Z...", Rust legacy "_ZN...17h<hash>E", Rust v0 "_R...") into
 * a malloc()ed string you own; NULL when `name` is not mangled or not
 * understood (use it as is) or on ENOMEM.
 */
char *sym_demangle(const char *name);

/*
 * Demangle `name` as perf 6.1 prints it (libiberty with DMGL_NO_OPTS): the
 * name alone, without parameters, return type, cv/ref qualifiers or clone
 * suffix ("std::vector<int, std::allocator<int> >::push_back"), lambdas as
 * "{lambda()#1}". Malloc()ed, you own it; NULL when not mangled or not
 * understood, or on ENOMEM.
 */
char *sym_demangle_short(const char *name);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/* The semantic pass's state: maps, variables, probe instances, providers and built-ins (probes/ internal). */
#ifndef SCORCH_PROBES_CHECK_H
#define SCORCH_PROBES_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "probes/ast.h"
#include "probes/builtins.h"
#include "probes/internal.h"

struct cg;
struct val;
struct runtime;
struct errbuf;
struct tp_format;

/* ---- maps and variables ----------------------------------------------------------------------- */

struct map_info {
	const char *name;	/* "@x", "@" */
	uint32_t id;		/* index in checker.maps */
	struct span first;	/* first mention, for messages */
	bool key_known;
	bool value_known;
	bool assigned;		/* written somewhere (else: "map used but never assigned") */
	uint32_t nkeys;		/* key expressions per access; 0 = scalar map */
	bool nkeys_known;	/* set by the first keyed or scalar access (not by print(@m)) */
	struct type key;	/* nkeys == 1: the key's type; nkeys > 1: a tuple of them */
	struct type value;	/* an aggregation kind, or any storable type */
	int bmap;		/* its BPF map: index in checker.bmaps */
};

/* A BPF map the programs use: a language map, or one of the runtime's own. */
struct bmap {
	const char *name;	/* "@x", "events", "scratch", "stack_127" (static or arena) */
	uint32_t type;		/* enum bpf_map_type */
	uint32_t key_size, value_size, max_entries, flags;
	struct map_info *user;	/* the language map, or NULL */
	uint32_t stack_limit;	/* stack maps: frames kept */
	bool user_stack;
	int fd;			/* -1 until created */
};

/* Fixed ids of the runtime's own maps. */
enum {
	BMAP_EVENTS,		/* ring buffer: printf, exit, print ... */
	BMAP_SCRATCH,		/* per-CPU array, one slot per program: strings, keys, events */
	BMAP_LOST,		/* per-CPU array[1]: events that did not fit the ring buffer */
	BMAP_CTL,		/* array[1]: u64 "stopped"; set at the end so probes stop at once */
	BMAP_PIDS,		/* LRU hash: processes whose user addresses were recorded (EV_PID sent once) */
	BMAP_FIXED_COUNT,
};

struct var_info {
	const char *name;	/* "$x" */
	struct type ty;
	bool known;
	/* codegen */
	int vreg;		/* integers: virtual register; -1 until first assigned */
	int32_t slot;		/* other types: offset in the scratch area; -1 until assigned */
};

/* ---- probe instances: one BPF program per concrete attach point ---------------------------------- */

struct probe_inst {
	struct probe *probe;
	struct attach_point *ap;
	const struct provider *prov;
	char *name;		/* canonical "tracepoint:sched:sched_switch" (the probe builtin's text) */
	char *target;		/* tracepoint category, uprobe binary, profile unit ... (expanded) */
	char *func;		/* tracepoint name, uprobe function, profile rate ... (expanded) */
	uint64_t addr;		/* uprobe: file offset of the function; software/profile: period or freq */
	bool freq;		/* profile:hz: addr is a frequency */
	bool is_ret;		/* uretprobe, kretprobe, kretfunc */
	uint8_t ret_size;	/* kretfunc: bytes of the function's integer return value (0: 8, unsigned) */
	bool ret_signed;
	const struct tp_format *tp;	/* tracepoint fields */
	uint32_t index;		/* position in checker.insts (its probe builtin id) */
	/* codegen and runtime */
	void *insns;		/* struct bpf_insn array (owned) */
	size_t ninsns;
	uint32_t scratch_size;	/* bytes of the per-program scratch area */
	int prog_fd;
	int *fds;		/* perf event / link fds (owned) */
	size_t nfds;
};

/* A printf()/system() or other event with arguments: its format and argument layout. */
struct fmt_event {
	const char *fmt;		/* format text (arena) */
	struct type args;		/* a tuple of the argument types */
	uint32_t id;
};

/* ---- the checker --------------------------------------------------------------------------------- */

struct checker {
	struct program *prog;
	struct diag *d;
	const char *const *params;	/* positional parameters $1.. (borrowed) */
	size_t nparams;
	bool has_child;			/* -c given: cpid works */
	int pid_filter;			/* -p PID, or 0 */

	struct map_info **maps;
	uint32_t nmaps, maps_cap;
	struct probe_inst **insts;
	uint32_t ninsts, insts_cap;
	struct fmt_event **fmts;
	uint32_t nfmts, fmts_cap;
	struct bmap *bmaps;
	uint32_t nbmaps, bmaps_cap;
	struct tp_format **tps;		/* tracepoint formats loaded so far (owned) */
	uint32_t ntps, tps_cap;
	uint32_t map_max_entries;	/* hash maps' size (bpftrace's default 4096) */
	uint64_t start_ns;		/* CLOCK_MONOTONIC at start: elapsed is nsecs - start_ns */
	struct btf *btf;		/* vmlinux BTF, loaded on first use (owned) */
	int child_pid;			/* -c: the command's pid (cpid) */

	/* the instance being checked */
	struct probe_inst *pi;
	struct var_info **vars;
	uint32_t nvars, vars_cap;
	bool final_pass;		/* map types settled: report "never assigned" etc. */
	bool changed;			/* a map type was learned in this pass */
	uint32_t loop_depth;
	bool in_predicate;
};

int checker_init(struct checker *c, struct program *prog, struct diag *d);
void checker_release(struct checker *c);
/* Expand attach points into instances and type-check every instance. 0 or -EINVAL (diag filled) / -ENOMEM. */
int check_program(struct checker *c);
/* Re-check one instance (types on the nodes are per instance), as codegen does before emitting it. */
int check_inst(struct checker *c, struct probe_inst *pi);

/* Type-check an expression in place (folding constants). 0 or -EINVAL with the error in c->d. */
int check_expr(struct checker *c, struct node *n);
/* Report an error at `n` and return -EINVAL. */
int check_error(struct checker *c, const struct node *n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The map named n->str, created on first sight. NULL on ENOMEM. */
struct map_info *checker_map(struct checker *c, struct node *n);
/* A new probe instance for `ap` of `probe`; `name`, `target` and `func` are copied. NULL on ENOMEM. */
struct probe_inst *checker_add_inst(struct checker *c, struct probe *probe, struct attach_point *ap,
				    const char *name, const char *target, const char *func);
/* The id of the stack map keeping `limit` frames (created on first use), or -ENOMEM. */
int checker_stack_map(struct checker *c, uint32_t limit, bool user);
/* The format of tracepoint CAT:NAME (loaded once). NULL with the reason in err. */
const struct tp_format *checker_tracepoint(struct checker *c, const char *cat, const char *name, struct errbuf *err);
/* ---- kernel types (btf.c) ---- */
struct btf;
/* vmlinux BTF, loaded on first use. NULL with `err` filled. */
struct btf *checker_btf(struct checker *c, struct errbuf *err);
/* The BTF id of "struct NAME", "union NAME" or a typedef of one; -ENOENT. */
int btf_struct_id(const struct btf *btf, const char *name);
/* Member NAME of struct `sid` (anonymous members searched): bit offset, type id, bitfield size. 0 or -ENOENT. */
int btf_member(const struct btf *btf, uint32_t sid, const char *name, uint32_t *off_bits, uint32_t *type_id,
	       uint32_t *bitfield);
/* The member names of struct `sid`, up to `cap` (borrowed from the BTF). */
size_t btf_member_names(const struct btf *btf, uint32_t sid, const char **names, size_t cap);
/* The language type of BTF type `id`: ints, enums, pointers, char arrays (strings), structs. -EOPNOTSUPP otherwise. */
int btf_to_type(struct checker *c, uint32_t id, struct type *out);
/*
 * kfunc/kretfunc: the parameters of kernel function `name` as the fields of a
 * tracepoint-style format (category "kfunc"; field i at offset 8*i of the
 * fentry context), cached in c->tps; `func_id` is its BTF id (the program's
 * attach_btf_id). 0, or a negative errno with `err` filled (-ENOENT: no such
 * function; -EOPNOTSUPP: a struct passed by value, varargs).
 */
struct tp_format;
int btf_kfunc_format(struct checker *c, const char *name, const struct tp_format **out, uint32_t *func_id,
		     struct errbuf *err);
/* The size (1, 2, 4, 8) and sign of kernel function `func_id`'s integer return value; 0 if it returns a pointer or void. */
uint8_t btf_func_ret(struct checker *c, uint32_t func_id, bool *is_signed);

/* Register a format event (printf etc.); returns its id or -ENOMEM. */
int checker_add_fmt(struct checker *c, const char *fmt, const struct type *args);
/* Require `n` (already checked) to be an integer; "FUNC: argument N must be an integer" otherwise. */
int check_int_arg(struct checker *c, const struct node *call, uint32_t i);
/* Require a compile-time integer; stores it in *out. */
int check_const_arg(struct checker *c, const struct node *call, uint32_t i, int64_t *out);
/* Require a string literal (or a positional parameter holding text); returns it in *out. */
int check_str_literal(struct checker *c, const struct node *call, uint32_t i, const char **out);
/* Unify the key of map access `m` (checked keys) with the map's key type. */
int check_map_key(struct checker *c, struct node *m);

/* Shared by check.c and check_expr.c. */
bool type_storable(const struct type *t);
bool type_is_truthy(const struct type *t);
int check_type_mismatch(struct checker *c, const struct node *at, const char *what, const struct type *have,
			const struct type *got);
/* Record `t` as the value type of map `mi` (assigned at `at`). */
int check_map_value(struct checker *c, struct map_info *mi, const struct node *at, const struct type *t);
struct var_info *checker_find_var(struct checker *c, const char *name);
int check_cond(struct checker *c, struct node *n, const char *what);
int check_binop(struct checker *c, struct node *n);
/* A call: arity, then the built-in's own check (aggregations allowed: the caller decides). */
int check_call(struct checker *c, struct node *n);

/* ---- providers ----------------------------------------------------------------------------------- */

enum provider_flags {
	PROV_ARGN = 1 << 0,	/* arg0..argN */
	PROV_RETVAL = 1 << 1,	/* retval */
	PROV_ARGS = 1 << 2,	/* args->field */
	PROV_FUNC = 1 << 3,	/* func */
	PROV_REGS = 1 << 4,	/* ctx is struct pt_regs (ustack, usym(reg)) */
	PROV_NO_PID = 1 << 5,	/* not filtered by -p (BEGIN, END, interval) */
};

struct provider {
	const char *name;	/* "tracepoint" */
	const char *alias;	/* "t", or NULL */
	int prog_type;		/* enum bpf_prog_type */
	unsigned flags;
	const char *usage;	/* "tracepoint:CATEGORY:NAME" for messages */
	/* Check the parts of `ap` and add one instance per concrete attach point (wildcards expanded). */
	int (*expand)(struct checker *c, struct probe *probe, struct attach_point *ap);
	/* Emit code for argN (idx >= 0) or retval (idx == -1); NULL if not supported. */
	int (*emit_arg)(struct cg *g, int idx, struct val *out);
	/* Attach the loaded program of `pi` (pi->prog_fd); fills pi->fds. 0 or negative errno with err. */
	int (*attach)(struct runtime *rt, struct probe_inst *pi, struct errbuf *err);
};

/* The provider called `name` (or its alias), NULL if none. */
const struct provider *provider_find(const char *name);
/* Every provider, for listing and suggestions. */
const struct provider *const *provider_all(size_t *n);
/* The software (or hardware) event names, up to `cap` into `names`; returns how many exist. */
size_t provider_perf_events(bool hardware, const char **names, size_t cap);

/* ---- built-ins ----------------------------------------------------------------------------------- */

enum builtin_flags {
	BI_AGG = 1 << 0,	/* aggregation: only as `@m[k] = f(...)` */
	BI_STMT = 1 << 1,	/* action with no value: only as a statement */
	BI_MAP_ARG = 1 << 2,	/* first argument is a map used as a whole: print(@m), clear(@m) */
};

struct builtin {
	const char *name;
	unsigned kind;		/* enum builtin_kind */
	int8_t min_args, max_args;	/* calls; max -1 = variadic */
	unsigned flags;		/* enum builtin_flags */
	/* Type-check `n` (an N_BUILTIN or N_CALL) and set n->ty. Checks its own arguments. */
	int (*check)(struct checker *c, struct node *n);
	/* Emit code for `n`; the value (if any) in *out. */
	int (*emit)(struct cg *g, struct node *n, struct val *out);
};

/* Tables, grouped by theme (builtins_*.c). */
extern const struct builtin builtins_vars[];	/* pid tid comm nsecs ... */
extern const struct builtin builtins_aggs[];	/* count sum avg min max stats hist lhist */
extern const struct builtin builtins_actions[];	/* printf print clear zero delete exit time */
extern const struct builtin builtins_funcs[];	/* str ntop ksym usym kstack ustack */
extern const size_t builtins_vars_n, builtins_aggs_n, builtins_actions_n, builtins_funcs_n;

#endif

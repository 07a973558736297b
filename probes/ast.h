/* SPDX-License-Identifier: Apache-2.0 */
/* The language's syntax tree and value types: every node carries its source span (probes/ internal). */
#ifndef SCORCH_PROBES_AST_H
#define SCORCH_PROBES_AST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/arena.h"

/* Where a node came from: 1-based line and column, byte offset and length in the source. */
struct span {
	uint32_t line;
	uint32_t col;
	uint32_t off;
	uint32_t len;
};

/* ---- tokens (the lexer's output; also the operator codes of binop/unop nodes) ------------------ */

enum tok {
	T_EOF,
	T_INT,		/* 123, 0x1f, 1_000, 1e6 */
	T_STR,		/* "text" (escapes decoded) */
	T_IDENT,	/* names: builtins, functions, types, stack modes */
	T_VAR,		/* $name */
	T_MAP,		/* @name or @ */
	T_PARAM,	/* $1 */
	T_PARAMCOUNT,	/* $# */
	T_ATTACH,	/* a raw attach point, lexed on the parser's request */
	T_LBRACE, T_RBRACE, T_LPAREN, T_RPAREN, T_LBRACKET, T_RBRACKET,
	T_SEMI, T_COMMA, T_COLON, T_QUES, T_DOT, T_ARROW,
	T_ASSIGN,
	T_PLUS_ASSIGN, T_MINUS_ASSIGN, T_MUL_ASSIGN, T_DIV_ASSIGN, T_MOD_ASSIGN,
	T_AND_ASSIGN, T_OR_ASSIGN, T_XOR_ASSIGN, T_SHL_ASSIGN, T_SHR_ASSIGN,
	T_EQ, T_NE, T_LT, T_LE, T_GT, T_GE,
	T_LAND, T_LOR, T_NOT,
	T_PLUS, T_MINUS, T_MUL, T_DIV, T_MOD,
	T_BAND, T_BOR, T_BXOR, T_BNOT, T_SHL, T_SHR,
	T_INC, T_DEC,
	T_ENDPRED,	/* the '/' closing a predicate: followed by '{' */
	T_IF, T_ELSE, T_UNROLL, T_WHILE, T_RETURN, T_BREAK, T_CONTINUE,
	T_ERROR,	/* the lexer reported an error */
};

/* Printable spelling of a token kind ("'+='", "identifier"). */
const char *tok_name(enum tok t);

/* ---- types -------------------------------------------------------------------------------------- */

enum type_kind {
	TY_NONE,	/* no value: statements, actions */
	TY_INT,		/* size 1, 2, 4 or 8 bytes (always 8 in memory), signed or not */
	TY_STR,		/* NUL-padded bytes; size includes the NUL */
	TY_TUPLE,
	TY_KSTACK,	/* memory: u64 stack id */
	TY_USTACK,	/* memory: u64 stack id, u64 pid */
	TY_KSYM,	/* memory: u64 address */
	TY_USYM,	/* memory: u64 address, u64 pid */
	TY_INET,	/* ntop(): memory u64 family, 16 address bytes */
	TY_PROBE,	/* probe builtin: memory u64 probe index */
	TY_USERNAME,	/* memory: u64 uid */
	TY_PTR,		/* a pointer (ints with a pointee type), 8 bytes */
	TY_ARGS,	/* tracepoint args: only for args->field */
	TY_STACKMODE,	/* the bare words bpftrace / perf inside kstack()/ustack() */
	TY_RECORD,	/* a kernel struct or union (BTF) inside another: its address, for .field */
	/* aggregations: only as map values */
	TY_COUNT, TY_SUM, TY_AVG, TY_MIN, TY_MAX, TY_STATS, TY_HIST, TY_LHIST,
};

enum stack_mode { STACK_BPFTRACE, STACK_PERF };

struct type {
	enum type_kind kind;
	bool is_signed;		/* TY_INT, TY_SUM (of a signed expression) */
	uint32_t size;		/* declared width (int), bytes (str); see type_mem_size() */
	/* TY_TUPLE: element types and their offsets in memory (borrowed from the arena) */
	const struct type *elems;
	const uint32_t *offs;
	uint32_t nelems;
	/* TY_KSTACK, TY_USTACK */
	uint32_t stack_limit;
	enum stack_mode stack_mode;
	/* TY_LHIST */
	int64_t lmin, lmax, lstep;
	/* TY_PTR: the pointee struct, if known (NULL: untyped); TY_RECORD: the struct itself */
	struct btf_ref *btf;
};

/* A kernel struct type for casts and ->, resolved in vmlinux BTF on first use. */
struct btf_ref {
	uint32_t type_id;	/* the struct's BTF id, or 0 until looked up by name */
	const char *name;	/* "struct task_struct"; NULL for a pointer to a scalar */
};

#define TYPE_INT(sz, sgn) ((struct type){ .kind = TY_INT, .size = (sz), .is_signed = (sgn) })
#define TYPE_STR(sz) ((struct type){ .kind = TY_STR, .size = (sz) })
#define TYPE_OF(k) ((struct type){ .kind = (k) })

/* Bytes a value of type `t` takes in BPF memory (keys, values, events, $vars). */
uint32_t type_mem_size(const struct type *t);
/* Structural equality (sizes included). */
bool type_equal(const struct type *a, const struct type *b);
/* Same kind, strings of any size and ints of any width count as equal (bpftrace's "type"). */
bool type_compatible(const struct type *a, const struct type *b);
/* Append a bpftrace-style name ("uint64", "string[16]", "(int64,string[4])") to `out`. */
struct buf;
void type_print(const struct type *t, struct buf *out);
/* True for the aggregation kinds. */
bool type_is_agg(const struct type *t);
/* A tuple of `n` element types, laid out with 8-byte aligned elements; storage from `a`. NULL on ENOMEM. */
int type_make_tuple(struct arena *a, const struct type *elems, uint32_t n, struct type *out);

/* ---- nodes --------------------------------------------------------------------------------------- */

enum node_kind {
	N_INT,		/* ival */
	N_STR,		/* str, len (bytes, no NUL) */
	N_BUILTIN,	/* name: pid, comm, args, arg0 ... */
	N_IDENT,	/* a bare word: stack modes, type names in sizeof-like positions */
	N_VAR,		/* $name */
	N_PARAM,	/* $N: ival = N; $#: ival = 0 and op = T_PARAMCOUNT */
	N_MAP,		/* @name[args] */
	N_CALL,		/* name(args) */
	N_BINOP,	/* a op b */
	N_UNOP,		/* op a (T_MINUS, T_NOT, T_BNOT, T_MUL deref) */
	N_TERNARY,	/* a ? b : c */
	N_FIELD,	/* a.name, a->name (op = T_ARROW), tuple a.N (ival) */
	N_INDEX,	/* a[b] */
	N_CAST,		/* (name) a; ival = pointer depth */
	N_TUPLE,	/* (args...) */
	N_ASSIGN,	/* a = b; a op= b (op = the binary operator, or T_ASSIGN) */
	N_INCDEC,	/* a++ / ++a / a-- / --a: op T_INC/T_DEC, postfix flag */
	S_EXPR,		/* a; */
	S_IF,		/* if (a) b else c; b, c are S_BLOCK (c may be NULL) */
	S_BLOCK,	/* { args... } */
	S_UNROLL,	/* unroll (a) b */
	S_WHILE,	/* while (a) b */
	S_JUMP,		/* op = T_RETURN, T_BREAK, T_CONTINUE */
};

struct builtin;
struct provider;
struct map_info;
struct var_info;
struct tp_field;

struct node {
	enum node_kind kind;
	struct span span;
	enum tok op;
	bool postfix;		/* N_INCDEC */
	const char *str;	/* names, string literal bytes (NUL-terminated, may contain NULs) */
	size_t len;		/* length of str */
	int64_t ival;
	struct node *a, *b, *c;
	struct node **args;	/* call arguments, map keys, tuple elements, block statements */
	uint32_t nargs;

	/* Filled by the checker (valid for the attach point being compiled). */
	struct type ty;
	bool is_const;		/* an integer known at compile time: const_val */
	int64_t const_val;
	const struct builtin *bi;	/* N_BUILTIN, N_CALL */
	struct map_info *map;		/* N_MAP */
	struct var_info *var;		/* N_VAR */
	const struct tp_field *field;	/* N_FIELD of args */
	uint32_t aux;			/* per-kind: str literal id, field offset, ... */
};

/* One attach point as written, and what the provider made of it. */
struct attach_point {
	struct span span;
	const char *raw;		/* "tracepoint:syscalls:sys_enter_read" */
	const struct provider *prov;	/* set by the checker */
	char *parts[4];			/* raw split at ':' (quotes removed); owned by the arena */
	uint32_t nparts;
};

struct probe {
	struct span span;
	struct attach_point **aps;
	uint32_t naps;
	struct node *pred;		/* may be NULL */
	struct node *body;		/* S_BLOCK */
	uint32_t index;			/* position in the program */
};

struct program {
	struct probe **probes;
	uint32_t nprobes;
	struct arena arena;		/* every node, string and type of this program */
};

/* Allocate a zeroed node of `kind` at `sp` in `prog`'s arena; NULL on ENOMEM. */
struct node *node_new(struct program *prog, enum node_kind kind, struct span sp);
/* Append `child` to n->args (grown in the arena). Returns 0 or -ENOMEM. */
int node_push(struct program *prog, struct node *n, struct node *child);
/* The span from the start of `a` to the end of `b`. */
struct span span_join(struct span a, struct span b);
/* Free the program's arena and the program. NULL is fine. */
void program_free(struct program *prog);
/* Print the tree (for --dump=ast) into `out`. */
void program_dump(const struct program *prog, struct buf *out);

#endif

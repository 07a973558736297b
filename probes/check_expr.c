// SPDX-License-Identifier: Apache-2.0
/* Semantic pass, expressions: types, constant folding, map reads, tracepoint and BTF fields, casts, calls. */
#include "probes/check.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>

#include "lib/err.h"
#include "probes/builtins.h"
#include "probes/tracepoint.h"

static int check_map_read(struct checker *c, struct node *n)
{
	n->map = checker_map(c, n);
	if (!n->map)
		return -ENOMEM;
	int r = check_map_key(c, n);
	if (r)
		return r;
	struct map_info *mi = n->map;
	if (!mi->value_known) {
		if (c->final_pass)
			return check_error(c, n, "map '%s' is read but never assigned", mi->name);
		n->ty = TYPE_OF(TY_NONE);
		return 0;
	}
	if (type_is_agg(&mi->value)) {
		switch (mi->value.kind) {
		case TY_COUNT: case TY_SUM: case TY_MIN: case TY_MAX:
			/* per-CPU storage: a probe sees only its own CPU's share */
			return check_error(c, n, "map '%s' holds a %s() aggregation, which can only be printed, not read in a probe",
					   mi->name, mi->value.kind == TY_COUNT ? "count" : mi->value.kind == TY_SUM ? "sum"
									     : mi->value.kind == TY_MIN ? "min" : "max");
		default:
			return check_error(c, n, "map '%s' holds an aggregation, which can only be printed", mi->name);
		}
	}
	n->ty = mi->value;
	return 0;
}

/* ---- expressions ------------------------------------------------------------------------------------- */

bool type_is_truthy(const struct type *t)
{
	return t->kind == TY_INT || t->kind == TY_PTR;
}

int check_cond(struct checker *c, struct node *n, const char *what)
{
	int r = check_expr(c, n);
	if (r)
		return r;
	if (type_is_truthy(&n->ty) || (n->ty.kind == TY_NONE && !c->final_pass))
		return 0;
	struct buf b = BUF_INIT;
	type_print(&n->ty, &b);
	r = check_error(c, n, "%s must be an integer or a pointer, not %s", what, b.data);
	buf_release(&b);
	return r;
}

static void set_const(struct node *n, int64_t v, bool is_signed)
{
	n->is_const = true;
	n->const_val = v;
	n->ty = TYPE_INT(8, is_signed);
}

static bool param_is_number(const char *s, int64_t *out)
{
	if (!*s)
		return false;
	char *end;
	errno = 0;
	long long v;
	if (s[0] == '-')
		v = strtoll(s, &end, 0);
	else
		v = (long long)strtoull(s, &end, 0);
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

static int check_param(struct checker *c, struct node *n)
{
	if (n->op == T_PARAMCOUNT) {
		set_const(n, (int64_t)c->nparams, true);
		return 0;
	}
	const char *v = n->ival >= 1 && (size_t)n->ival <= c->nparams ? c->params[n->ival - 1] : NULL;
	int64_t num;
	if (!v) {
		/* bpftrace: a missing parameter reads as 0, or "" inside str() */
		set_const(n, 0, true);
		return 0;
	}
	if (param_is_number(v, &num)) {
		set_const(n, num, true);
		return 0;
	}
	n->ty = TYPE_STR((uint32_t)strlen(v) + 1);
	return 0;
}

int check_binop(struct checker *c, struct node *n)
{
	int r = check_expr(c, n->a);
	if (!r)
		r = check_expr(c, n->b);
	if (r)
		return r;
	struct type *l = &n->a->ty, *rt = &n->b->ty;
	if ((l->kind == TY_NONE || rt->kind == TY_NONE) && !c->final_pass) {
		n->ty = TYPE_OF(TY_NONE);
		return 0;
	}
	enum tok op = n->op;
	if (op == T_LAND || op == T_LOR) {
		if (!type_is_truthy(l))
			return check_cond(c, n->a, "an operand of && and ||");
		if (!type_is_truthy(rt))
			return check_cond(c, n->b, "an operand of && and ||");
		n->ty = TYPE_INT(8, true);
		if (n->a->is_const && n->b->is_const)
			set_const(n, op == T_LAND ? (n->a->const_val && n->b->const_val) : (n->a->const_val || n->b->const_val),
				  true);
		/* short-circuit folding: a false (or true) left side decides */
		else if (n->a->is_const && ((op == T_LAND && !n->a->const_val) || (op == T_LOR && n->a->const_val)))
			set_const(n, op == T_LOR, true);
		return 0;
	}
	if ((l->kind == TY_STR || rt->kind == TY_STR) && (op == T_EQ || op == T_NE)) {
		if (l->kind != TY_STR || rt->kind != TY_STR) {
			struct buf a = BUF_INIT, b = BUF_INIT;
			type_print(l, &a);
			type_print(rt, &b);
			r = check_error(c, n, "cannot compare %s with %s: use str() to turn a pointer into a string", a.data,
					b.data);
			buf_release(&a);
			buf_release(&b);
			return r;
		}
		n->ty = TYPE_INT(8, true);
		return 0;
	}
	if (l->kind == TY_STR && rt->kind == TY_STR)
		return check_error(c, n, "strings can only be compared with == and !=, not %s", tok_name(op));
	bool lint = l->kind == TY_INT || l->kind == TY_PTR, rint = rt->kind == TY_INT || rt->kind == TY_PTR;
	if (!lint || !rint) {
		struct buf a = BUF_INIT, b = BUF_INIT;
		type_print(l, &a);
		type_print(rt, &b);
		r = check_error(c, n, "operator %s cannot be used on %s and %s", tok_name(op), a.data, b.data);
		buf_release(&a);
		buf_release(&b);
		return r;
	}
	bool lsign = l->kind == TY_INT && l->is_signed, rsign = rt->kind == TY_INT && rt->is_signed;
	bool sgn = (op == T_SHL || op == T_SHR) ? lsign : (lsign && rsign);
	n->ty = TYPE_INT(8, sgn);
	if (l->kind == TY_PTR && (op == T_PLUS || op == T_MINUS) && rt->kind == TY_INT)
		n->ty = *l;
	if ((op == T_DIV || op == T_MOD) && n->b->is_const && n->b->const_val == 0)
		return check_error(c, n->b, "division by zero");
	if (n->a->is_const && n->b->is_const) {
		uint64_t a = (uint64_t)n->a->const_val, b = (uint64_t)n->b->const_val;
		bool ds = lsign && rsign;
		int64_t v = 0;
		switch (op) {
		case T_PLUS: v = (int64_t)(a + b); break;
		case T_MINUS: v = (int64_t)(a - b); break;
		case T_MUL: v = (int64_t)(a * b); break;
		case T_DIV: v = (int64_t)(a / b); break;
		case T_MOD: v = (int64_t)(a % b); break;
		case T_BAND: v = (int64_t)(a & b); break;
		case T_BOR: v = (int64_t)(a | b); break;
		case T_BXOR: v = (int64_t)(a ^ b); break;
		case T_SHL: v = b >= 64 ? 0 : (int64_t)(a << b); break;
		case T_SHR: v = b >= 64 ? 0 : (int64_t)(a >> b); break;
		case T_EQ: v = a == b; break;
		case T_NE: v = a != b; break;
		case T_LT: v = ds ? (int64_t)a < (int64_t)b : a < b; break;
		case T_LE: v = ds ? (int64_t)a <= (int64_t)b : a <= b; break;
		case T_GT: v = ds ? (int64_t)a > (int64_t)b : a > b; break;
		case T_GE: v = ds ? (int64_t)a >= (int64_t)b : a >= b; break;
		default: return 0;
		}
		set_const(n, v, sgn);
	}
	return 0;
}

static int check_unop(struct checker *c, struct node *n)
{
	int r = check_expr(c, n->a);
	if (r)
		return r;
	const struct type *t = &n->a->ty;
	if (t->kind == TY_NONE && !c->final_pass) {
		n->ty = *t;
		return 0;
	}
	if (n->op == T_MUL) {
		if (t->kind != TY_PTR)
			return check_error(c, n, "cannot dereference a non-pointer");
		/* a pointer of unknown pointee reads 8 bytes, as bpftrace does for args pointers */
		n->ty = TYPE_INT(8, false);
		return 0;
	}
	if (!type_is_truthy(t)) {
		struct buf b = BUF_INIT;
		type_print(t, &b);
		r = check_error(c, n, "operator %s cannot be used on %s", tok_name(n->op), b.data);
		buf_release(&b);
		return r;
	}
	switch (n->op) {
	case T_NOT:
		n->ty = TYPE_INT(8, true);
		if (n->a->is_const)
			set_const(n, !n->a->const_val, true);
		break;
	case T_BNOT:
		n->ty = TYPE_INT(8, t->kind == TY_INT && t->is_signed);
		if (n->a->is_const)
			set_const(n, ~n->a->const_val, n->ty.is_signed);
		break;
	case T_MINUS:
		n->ty = TYPE_INT(8, true);
		if (n->a->is_const)
			set_const(n, (int64_t)(0 - (uint64_t)n->a->const_val), true);
		break;
	default:
		return check_error(c, n, "unknown operator");
	}
	return 0;
}

static int check_ternary(struct checker *c, struct node *n)
{
	int r = check_cond(c, n->a, "the condition of ?:");
	if (!r)
		r = check_expr(c, n->b);
	if (!r)
		r = check_expr(c, n->c);
	if (r)
		return r;
	struct type *b = &n->b->ty, *e = &n->c->ty;
	if ((b->kind == TY_NONE || e->kind == TY_NONE) && !c->final_pass) {
		n->ty = TYPE_OF(TY_NONE);
		return 0;
	}
	if (!type_compatible(b, e) || !type_storable(b)) {
		struct buf x = BUF_INIT, y = BUF_INIT;
		type_print(b, &x);
		type_print(e, &y);
		r = check_error(c, n, "the branches of ?: have different types: %s and %s", x.data, y.data);
		buf_release(&x);
		buf_release(&y);
		return r;
	}
	n->ty = *b;
	if (b->kind == TY_INT)
		n->ty = TYPE_INT(8, b->is_signed && e->is_signed);
	if (b->kind == TY_STR && e->size > b->size)
		n->ty.size = e->size;
	if (b->kind == TY_TUPLE)
		return check_error(c, n, "?: cannot choose between tuples");
	if (n->a->is_const && n->b->is_const && n->c->is_const)
		set_const(n, n->a->const_val ? n->b->const_val : n->c->const_val, n->ty.is_signed);
	return 0;
}

static int unknown_field(struct checker *c, struct node *n, const struct tp_format *tp)
{
	const char **names = calloc(tp->nfields + 1, sizeof(*names));
	if (!names)
		return -ENOMEM;
	for (size_t i = 0; i < tp->nfields; i++)
		names[i] = tp->fields[i].name;
	const char *s = diag_suggest(n->str, names, tp->nfields);
	struct buf list = BUF_INIT;
	for (size_t i = 0; i < tp->nfields && i < 12; i++)
		buf_addf(&list, "%s%s", i ? ", " : "", names[i]);
	if (tp->nfields > 12)
		buf_addstr(&list, ", ...");
	int r;
	if (strcmp(tp->category, "kfunc") == 0) /* a kernel function's parameters (btf_kfunc_format) */
		r = s ? check_error(c, n, "kernel function '%s' has no parameter '%s'; did you mean '%s'?", tp->name, n->str, s)
		      : check_error(c, n, "kernel function '%s' has no parameter '%s' (parameters: %s)", tp->name, n->str,
				    list.len ? list.data : "none");
	else if (s)
		r = check_error(c, n, "tracepoint '%s:%s' has no field '%s'; did you mean '%s'?", tp->category, tp->name,
				n->str, s);
	else
		r = check_error(c, n, "tracepoint '%s:%s' has no field '%s' (fields: %s)", tp->category, tp->name, n->str,
				list.data);
	buf_release(&list);
	free(names);
	return r;
}

/* The struct a pointer's "struct X *" C type names (tracepoint fields), or NULL. */
static struct btf_ref *ref_from_ctype(struct checker *c, const char *ctype)
{
	const char *s = ctype;
	while (strncmp(s, "const ", 6) == 0)
		s += 6;
	if (strncmp(s, "struct ", 7) != 0 && strncmp(s, "union ", 6) != 0)
		return NULL;
	const char *star = strchr(s, '*');
	if (!star || strchr(star + 1, '*'))
		return NULL;
	size_t n = (size_t)(star - s);
	while (n && s[n - 1] == ' ')
		n--;
	struct btf_ref *ref = arena_alloc(&c->prog->arena, sizeof(*ref));
	if (!ref)
		return NULL;
	ref->type_id = 0;
	ref->name = arena_strndup(&c->prog->arena, s, n);
	return ref->name ? ref : NULL;
}

/* ptr->field and record.field through vmlinux BTF. */
static int check_btf_field(struct checker *c, struct node *n)
{
	struct node *a = n->a;
	if (a->ty.kind == TY_PTR && n->op != T_ARROW)
		return check_error(c, n, "this is a pointer: use ->%s", n->str);
	if (a->ty.kind == TY_RECORD && n->op != T_DOT)
		return check_error(c, n, "this is a struct, not a pointer: use .%s", n->str);
	struct btf_ref *ref = a->ty.btf;
	if (!ref && a->kind == N_FIELD && a->field && a->field->kind == TPF_PTR) {
		ref = ref_from_ctype(c, a->field->ctype);
		a->ty.btf = ref;
	}
	if (!ref || !ref->name)
		return check_error(c, n, "cannot read '%s' through an untyped pointer: cast it first, e.g. "
				   "((struct task_struct *)arg0)->%s", n->str, n->str);
	struct errbuf err;
	errbuf_init(&err);
	struct btf *btf = checker_btf(c, &err);
	if (!btf) {
		int r = check_error(c, n, "%s", err.msg.data);
		errbuf_release(&err);
		return r;
	}
	errbuf_release(&err);
	if (!ref->type_id) {
		int id = btf_struct_id(btf, ref->name);
		if (id < 0)
			return check_error(c, a, "unknown kernel type '%s' (not in the kernel's BTF)", ref->name);
		ref->type_id = (uint32_t)id;
	}
	uint32_t off_bits, tid, bitfield;
	if (btf_member(btf, ref->type_id, n->str, &off_bits, &tid, &bitfield) < 0) {
		const char *names[512];
		size_t k = btf_member_names(btf, ref->type_id, names, 512);
		const char *s = diag_suggest(n->str, names, k);
		if (s)
			return check_error(c, n, "'%s' has no member '%s'; did you mean '%s'?", ref->name, n->str, s);
		return check_error(c, n, "'%s' has no member '%s'", ref->name, n->str);
	}
	if (bitfield || off_bits % 8)
		return check_error(c, n, "'%s' is a bitfield of '%s': bitfields cannot be read yet", n->str, ref->name);
	int r = btf_to_type(c, tid, &n->ty);
	if (r == -ENOMEM)
		return r;
	if (r)
		return check_error(c, n, "member '%s' of '%s' has a type that cannot be read yet", n->str, ref->name);
	n->aux = off_bits / 8;
	return 0;
}

static int check_field(struct checker *c, struct node *n)
{
	struct node *a = n->a;
	if (a->kind == N_BUILTIN && strcmp(a->str, "args") == 0) {
		int r = check_expr(c, a);
		if (r)
			return r;
		if (n->op != T_ARROW || !n->str)
			return check_error(c, n, "use args->FIELD to read a tracepoint field");
		const struct tp_format *tp = c->pi->tp;
		if (!tp)
			return check_error(c, a, "args is only available in tracepoint and kfunc probes");
		const struct tp_field *f = tp_format_field(tp, n->str);
		if (!f)
			return unknown_field(c, n, tp);
		n->field = f;
		n->ty = f->ty;
		if (f->kind == TPF_ARRAY)
			n->ty = TYPE_INT(8, false); /* the array's address; index it with [] */
		return 0;
	}
	int r = check_expr(c, a);
	if (r)
		return r;
	if (a->ty.kind == TY_NONE && !c->final_pass) {
		n->ty = a->ty;
		return 0;
	}
	if (!n->str) {
		if (a->ty.kind != TY_TUPLE)
			return check_error(c, n, "only tuples have numbered fields (.%lld)", (long long)n->ival);
		if (n->ival < 0 || (uint64_t)n->ival >= a->ty.nelems)
			return check_error(c, n, "tuple index %lld is out of range (the tuple has %u elements)",
					   (long long)n->ival, a->ty.nelems);
		n->ty = a->ty.elems[n->ival];
		return 0;
	}
	if (a->ty.kind == TY_PTR || a->ty.kind == TY_RECORD)
		return check_btf_field(c, n);
	return check_error(c, n, "'%s' has no fields", a->kind == N_BUILTIN ? a->str : "this expression");
}

static int check_index(struct checker *c, struct node *n)
{
	int r = check_expr(c, n->a);
	if (!r)
		r = check_expr(c, n->b);
	if (r)
		return r;
	if (n->a->kind == N_FIELD && n->a->field && n->a->field->kind == TPF_ARRAY) {
		const struct tp_field *f = n->a->field;
		if (!n->b->is_const)
			return check_error(c, n->b, "an array index must be a constant");
		if (n->b->const_val < 0 || (uint64_t)n->b->const_val >= f->nelems)
			return check_error(c, n->b, "index %lld is out of bounds for '%s' (%u elements)",
					   (long long)n->b->const_val, f->name, f->nelems);
		n->ty = f->ty;
		return 0;
	}
	if (n->a->ty.kind == TY_TUPLE)
		return check_error(c, n, "index a tuple with .N, not [N]");
	return check_error(c, n, "only array fields can be indexed with []");
}

static const struct {
	const char *name;
	uint8_t size;
	bool is_signed;
} int_types[] = {
	{ "int8", 1, true },	{ "int16", 2, true },	{ "int32", 4, true },	{ "int64", 8, true },
	{ "uint8", 1, false },	{ "uint16", 2, false }, { "uint32", 4, false }, { "uint64", 8, false },
	{ "int", 4, true },	{ "char", 1, true },	{ "u8", 1, false },	{ "u16", 2, false },
	{ "u32", 4, false },	{ "u64", 8, false },	{ "s8", 1, true },	{ "s16", 2, true },
	{ "s32", 4, true },	{ "s64", 8, true },	{ "long", 8, true },	{ "short", 2, true },
};

static int check_cast(struct checker *c, struct node *n)
{
	int r = check_expr(c, n->a);
	if (r)
		return r;
	if (n->a->ty.kind == TY_NONE && !c->final_pass) {
		n->ty = n->a->ty;
		return 0;
	}
	if (n->ival > 0) {
		if (!type_is_truthy(&n->a->ty))
			return check_error(c, n, "only integers and pointers can be cast to a pointer");
		n->ty = (struct type){ .kind = TY_PTR, .size = 8 };
		if (n->ival == 1 && (strncmp(n->str, "struct ", 7) == 0 || strncmp(n->str, "union ", 6) == 0)) {
			/* resolved in BTF when a member is read */
			struct btf_ref *ref = arena_alloc(&c->prog->arena, sizeof(*ref));
			if (!ref)
				return -ENOMEM;
			ref->type_id = 0;
			ref->name = n->str;
			n->ty.btf = ref;
		}
		return 0;
	}
	for (size_t i = 0; i < sizeof(int_types) / sizeof(int_types[0]); i++) {
		if (strcmp(n->str, int_types[i].name) != 0)
			continue;
		if (!type_is_truthy(&n->a->ty))
			return check_error(c, n, "only integers and pointers can be cast to %s", n->str);
		n->ty = TYPE_INT(int_types[i].size, int_types[i].is_signed);
		if (n->a->is_const) {
			/* as cg_cast: the source's bits, extended with the target's signedness */
			uint64_t v = (uint64_t)n->a->const_val;
			uint32_t src = n->a->ty.kind == TY_INT && n->a->ty.size ? n->a->ty.size : 8;
			unsigned bits = (src < int_types[i].size ? src : int_types[i].size) * 8;
			if (bits < 64) {
				v &= (1ULL << bits) - 1;
				if (int_types[i].is_signed && (v >> (bits - 1)))
					v |= ~((1ULL << bits) - 1);
			}
			n->is_const = true;
			n->const_val = (int64_t)v;
		}
		return 0;
	}
	const char *names[sizeof(int_types) / sizeof(int_types[0])];
	for (size_t i = 0; i < sizeof(int_types) / sizeof(int_types[0]); i++)
		names[i] = int_types[i].name;
	const char *s = diag_suggest(n->str, names, sizeof(names) / sizeof(names[0]));
	if (s)
		return check_error(c, n, "unknown type '%s' in cast; did you mean '%s'?", n->str, s);
	if (strncmp(n->str, "struct ", 7) == 0 || strncmp(n->str, "union ", 6) == 0)
		return check_error(c, n, "a cast to '%s' needs '*': only pointers to structs can be cast", n->str);
	return check_error(c, n, "unknown type '%s' in cast (integer types: int8..int64, uint8..uint64)", n->str);
}

static int check_tuple(struct checker *c, struct node *n)
{
	struct type elems[16];
	if (n->nargs > 16)
		return check_error(c, n, "tuples have at most 16 elements");
	for (uint32_t i = 0; i < n->nargs; i++) {
		int r = check_expr(c, n->args[i]);
		if (r)
			return r;
		elems[i] = n->args[i]->ty;
		if (elems[i].kind == TY_NONE && !c->final_pass) {
			n->ty = TYPE_OF(TY_NONE);
			return 0;
		}
		if (!type_storable(&elems[i]))
			return check_error(c, n->args[i], "this cannot be a tuple element");
		if (elems[i].kind == TY_INT)
			elems[i] = TYPE_INT(8, elems[i].is_signed);
	}
	return type_make_tuple(&c->prog->arena, elems, n->nargs, &n->ty) < 0 ? -ENOMEM : 0;
}

static int unknown_call(struct checker *c, struct node *n)
{
	const char *s = builtin_suggest(n->str, BUILTIN_FUNC);
	if (s)
		return check_error(c, n, "unknown function '%s'; did you mean '%s'?", n->str, s);
	if (builtin_find(n->str, n->len, BUILTIN_VAR))
		return check_error(c, n, "'%s' is a builtin variable, not a function: drop the parentheses", n->str);
	return check_error(c, n, "unknown function '%s'", n->str);
}

int check_call(struct checker *c, struct node *n)
{
	const struct builtin *bi = builtin_find(n->str, n->len, BUILTIN_FUNC);
	if (!bi)
		return unknown_call(c, n);
	n->bi = bi;
	if ((int)n->nargs < bi->min_args || (bi->max_args >= 0 && (int)n->nargs > bi->max_args)) {
		if (bi->min_args == bi->max_args)
			return check_error(c, n, "%s() takes %d argument%s, not %u", bi->name, bi->min_args,
					   bi->min_args == 1 ? "" : "s", n->nargs);
		if (bi->max_args < 0)
			return check_error(c, n, "%s() takes at least %d argument%s, not %u", bi->name, bi->min_args,
					   bi->min_args == 1 ? "" : "s", n->nargs);
		return check_error(c, n, "%s() takes %d to %d arguments, not %u", bi->name, bi->min_args, bi->max_args,
				   n->nargs);
	}
	return bi->check(c, n);
}

int check_expr(struct checker *c, struct node *n)
{
	n->is_const = false;
	switch (n->kind) {
	case N_INT:
		set_const(n, n->ival, true);
		return 0;
	case N_STR:
		n->ty = TYPE_STR((uint32_t)n->len + 1);
		return 0;
	case N_PARAM:
		return check_param(c, n);
	case N_BUILTIN: {
		const struct builtin *bi = builtin_find(n->str, n->len, BUILTIN_VAR);
		if (!bi)
			return check_error(c, n, "unknown builtin '%s'", n->str);
		n->bi = bi;
		return bi->check(c, n);
	}
	case N_IDENT: {
		const char *s = builtin_suggest(n->str, BUILTIN_VAR);
		if (s)
			return check_error(c, n, "unknown identifier '%s'; did you mean '%s'?", n->str, s);
		if (builtin_find(n->str, n->len, BUILTIN_FUNC))
			return check_error(c, n, "'%s' is a function: call it as %s(...)", n->str, n->str);
		return check_error(c, n, "unknown identifier '%s'", n->str);
	}
	case N_VAR: {
		struct var_info *v = checker_find_var(c, n->str);
		if (!v || !v->known)
			return check_error(c, n, "variable '%s' is used before it is assigned", n->str);
		n->var = v;
		n->ty = v->ty;
		return 0;
	}
	case N_MAP:
		return check_map_read(c, n);
	case N_CALL: {
		int r = check_call(c, n);
		if (r)
			return r;
		if (n->bi->flags & BI_AGG)
			return check_error(c, n, "%s() is an aggregation: assign it to a map, e.g. @x = %s(...)", n->str,
					   n->str);
		return 0;
	}
	case N_BINOP:
		return check_binop(c, n);
	case N_UNOP:
		return check_unop(c, n);
	case N_TERNARY:
		return check_ternary(c, n);
	case N_FIELD:
		return check_field(c, n);
	case N_INDEX:
		return check_index(c, n);
	case N_CAST:
		return check_cast(c, n);
	case N_TUPLE:
		return check_tuple(c, n);
	case N_INCDEC: {
		struct node *t = n->a;
		if (t->kind == N_VAR) {
			int r = check_expr(c, t);
			if (r)
				return r;
		} else {
			t->map = checker_map(c, t);
			if (!t->map)
				return -ENOMEM;
			int r = check_map_key(c, t);
			if (r)
				return r;
			struct type i64 = TYPE_INT(8, true);
			if (!t->map->value_known || t->map->value.kind == TY_INT) {
				r = check_map_value(c, t->map, t, t->map->value_known ? &t->map->value : &i64);
				if (r)
					return r;
			}
			t->ty = t->map->value;
		}
		if (t->ty.kind != TY_INT)
			return check_error(c, n, "%s needs an integer", n->op == T_INC ? "++" : "--");
		n->ty = TYPE_INT(8, t->ty.is_signed);
		return 0;
	}
	case N_ASSIGN:
		return check_error(c, n, "an assignment is a statement, not a value");
	default:
		return check_error(c, n, "not an expression");
	}
}


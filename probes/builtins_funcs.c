// SPDX-License-Identifier: Apache-2.0
/* Built-in value functions: str ksym usym kstack ustack ntop strncmp. */
#include "probes/check.h"

#include <string.h>
#include <sys/socket.h>

#include <linux/bpf.h>

#include "probes/builtins.h"
#include "probes/ir.h"

/* bpftrace's default string size (BPFTRACE_STRLEN). */
#define STRLEN_DEFAULT 64
#define STRLEN_MAX 1024

static int check_args(struct checker *c, struct node *n)
{
	for (uint32_t i = 0; i < n->nargs; i++) {
		if (n->args[i]->kind == N_IDENT)
			continue; /* stack modes; checked by the function */
		int r = check_expr(c, n->args[i]);
		if (r)
			return r;
	}
	return 0;
}

static int check_str(struct checker *c, struct node *n)
{
	int r = check_args(c, n);
	if (r)
		return r;
	const struct type *t = &n->args[0]->ty;
	uint32_t size = STRLEN_DEFAULT;
	if (n->nargs == 2) {
		int64_t len;
		if ((r = check_int_arg(c, n, 1)))
			return r;
		if (n->args[1]->is_const) {
			if ((r = check_const_arg(c, n, 1, &len)))
				return r;
			if (len < 1 || len > STRLEN_MAX)
				return check_error(c, n->args[1], "str() length must be between 1 and %d, not %lld",
						   STRLEN_MAX, (long long)len);
			size = (uint32_t)len;
		}
	}
	if (t->kind == TY_STR) {
		n->ty = *t;
		if (n->nargs == 2 && size < t->size)
			n->ty.size = size;
		return 0;
	}
	if (t->kind == TY_NONE && !c->final_pass) {
		n->ty = TYPE_STR(size);
		return 0;
	}
	if (t->kind != TY_INT && t->kind != TY_PTR)
		return check_error(c, n->args[0], "str() needs a pointer (an address) or a string");
	n->ty = TYPE_STR(size);
	return 0;
}

static int emit_str(struct cg *g, struct node *n, struct val *out)
{
	struct val v;
	int r = cg_expr(g, n->args[0], &v);
	if (r)
		return r;
	if (n->args[0]->ty.kind == TY_STR) {
		if (n->ty.size == n->args[0]->ty.size) {
			*out = v;
			return 0;
		}
		uint32_t dst = cg_scratch(g, n->ty.size);
		cg_store_conv(g, &n->args[0]->ty, &v, &n->ty, dst);
		*out = (struct val){ .kind = VAL_MEM, .off = dst };
		return g->err;
	}
	uint32_t size = n->ty.size;
	uint32_t buf = cg_scratch(g, size);
	cg_zero(g, buf, size);
	struct ir_opnd len = opnd_imm(size);
	if (n->nargs == 2 && !n->args[1]->is_const) {
		/* a run-time length: clamp it to the buffer, checked on the register passed */
		struct val lv;
		if ((r = cg_expr(g, n->args[1], &lv)))
			return r;
		int l = ir_new_vreg(&g->ir), ok = ir_alloc_label(&g->ir), skip = ir_alloc_label(&g->ir);
		ir_emit_mov(&g->ir, l, val_opnd(&lv));
		ir_emit_jcc(&g->ir, BPF_JLE, opnd_reg(l), opnd_imm(size), ok);
		ir_emit_mov(&g->ir, l, opnd_imm(size));
		ir_emit_label(&g->ir, ok);
		ir_emit_jcc(&g->ir, BPF_JEQ, opnd_reg(l), opnd_imm(0), skip);
		struct ir_opnd args[3] = { opnd_addr(g->scratch, (int32_t)buf), opnd_reg(l), val_opnd(&v) };
		cg_call(g, BPF_FUNC_probe_read_str, args, 3, false);
		ir_emit_label(&g->ir, skip);
	} else {
		struct ir_opnd args[3] = { opnd_addr(g->scratch, (int32_t)buf), len, val_opnd(&v) };
		cg_call(g, BPF_FUNC_probe_read_str, args, 3, false);
	}
	*out = (struct val){ .kind = VAL_MEM, .off = buf };
	return g->err;
}

static int check_sym(struct checker *c, struct node *n, enum type_kind k)
{
	int r = check_args(c, n);
	if (!r)
		r = check_int_arg(c, n, 0);
	if (r)
		return r;
	n->ty = TYPE_OF(k);
	return 0;
}

static int check_ksym(struct checker *c, struct node *n)
{
	return check_sym(c, n, TY_KSYM);
}

static int check_usym(struct checker *c, struct node *n)
{
	return check_sym(c, n, TY_USYM);
}

static int emit_ksym(struct cg *g, struct node *n, struct val *out)
{
	return cg_expr(g, n->args[0], out);
}

static int emit_usym(struct cg *g, struct node *n, struct val *out)
{
	struct val v;
	int r = cg_expr(g, n->args[0], &v);
	if (r)
		return r;
	uint32_t buf = cg_scratch(g, 16);
	ir_emit_store(&g->ir, g->scratch, (int32_t)buf, 8, val_opnd(&v));
	int pid = cg_call(g, BPF_FUNC_get_current_pid_tgid, NULL, 0, true);
	ir_emit_alu(&g->ir, BPF_RSH, pid, opnd_reg(pid), opnd_imm(32));
	ir_emit_store(&g->ir, g->scratch, (int32_t)buf + 8, 8, opnd_reg(pid));
	cg_note_pid(g, pid);
	*out = (struct val){ .kind = VAL_MEM, .off = buf };
	return g->err;
}

static int check_stack_call(struct checker *c, struct node *n, bool user)
{
	uint32_t limit = 127;
	enum stack_mode mode = STACK_BPFTRACE;
	const char *fn = user ? "ustack" : "kstack";
	for (uint32_t i = 0; i < n->nargs; i++) {
		struct node *a = n->args[i];
		if (a->kind == N_IDENT) {
			if (i != 0)
				return check_error(c, a, "%s(): the stack mode comes first, e.g. %s(perf, 5)", fn, fn);
			if (strcmp(a->str, "perf") == 0)
				mode = STACK_PERF;
			else if (strcmp(a->str, "bpftrace") == 0)
				mode = STACK_BPFTRACE;
			else
				return check_error(c, a, "%s(): unknown stack mode '%s' (use bpftrace or perf)", fn, a->str);
			a->ty = TYPE_OF(TY_STACKMODE);
			continue;
		}
		int r = check_expr(c, a);
		if (r)
			return r;
		if (!a->is_const)
			return check_error(c, a, "%s(): the number of frames must be a constant", fn);
		if (a->const_val < 1 || a->const_val > 1024)
			return check_error(c, a, "%s(): the number of frames must be between 1 and 1024, not %lld", fn,
					   (long long)a->const_val);
		limit = (uint32_t)a->const_val;
	}
	return stack_check(c, n, user, limit, mode);
}

static int check_kstack_call(struct checker *c, struct node *n)
{
	return check_stack_call(c, n, false);
}

static int check_ustack_call(struct checker *c, struct node *n)
{
	return check_stack_call(c, n, true);
}

/* ntop([af,] addr): an int is IPv4, 16 bytes IPv6, 4 bytes IPv4. */
static int check_ntop(struct checker *c, struct node *n)
{
	int r = check_args(c, n);
	if (r)
		return r;
	struct node *addr = n->args[n->nargs - 1];
	if (n->nargs == 2) {
		int64_t af;
		if ((r = check_const_arg(c, n, 0, &af)))
			return r;
		if (af != AF_INET && af != AF_INET6)
			return check_error(c, n->args[0], "ntop(): address family must be AF_INET (%d) or AF_INET6 (%d)",
					   AF_INET, AF_INET6);
		n->aux = (uint32_t)af;
	} else {
		n->aux = addr->ty.kind == TY_STR && addr->ty.size == 16 ? AF_INET6 : AF_INET;
	}
	if (addr->ty.kind == TY_INT || addr->ty.kind == TY_PTR) {
		if (n->aux != AF_INET)
			return check_error(c, addr, "ntop(): an IPv6 address must be a 16-byte array");
	} else if (addr->ty.kind == TY_STR) {
		if (addr->ty.size != 4 && addr->ty.size != 16)
			return check_error(c, addr, "ntop(): the address must be 4 or 16 bytes, not %u", addr->ty.size);
	} else if (!(addr->ty.kind == TY_NONE && !c->final_pass)) {
		return check_error(c, addr, "ntop(): the address must be an integer or a 4- or 16-byte array");
	}
	n->ty = TYPE_OF(TY_INET);
	return 0;
}

static int emit_ntop(struct cg *g, struct node *n, struct val *out)
{
	struct node *addr = n->args[n->nargs - 1];
	struct val v;
	int r = cg_expr(g, addr, &v);
	if (r)
		return r;
	uint32_t buf = cg_scratch(g, 24);
	cg_zero(g, buf, 24);
	ir_emit_store(&g->ir, g->scratch, (int32_t)buf, 8, opnd_imm(n->aux));
	if (v.kind == VAL_MEM)
		cg_copy(g, buf + 8, v.off, addr->ty.size >= 16 ? 16 : 8);
	else
		ir_emit_store(&g->ir, g->scratch, (int32_t)buf + 8, 4, val_opnd(&v));
	*out = (struct val){ .kind = VAL_MEM, .off = buf };
	return g->err;
}

/* strncmp(a, b, n): 0 when the first n bytes (up to a NUL) are equal, as bpftrace. */
static int check_strncmp(struct checker *c, struct node *n)
{
	int r = check_args(c, n);
	if (r)
		return r;
	for (int i = 0; i < 2; i++)
		if (n->args[i]->ty.kind != TY_STR && !(n->args[i]->ty.kind == TY_NONE && !c->final_pass))
			return check_error(c, n->args[i], "strncmp() argument %d must be a string", i + 1);
	int64_t len;
	if ((r = check_const_arg(c, n, 2, &len)))
		return r;
	if (len < 0 || len > STRLEN_MAX)
		return check_error(c, n->args[2], "strncmp() length must be between 0 and %d", STRLEN_MAX);
	n->ty = TYPE_INT(8, false);
	return 0;
}

static int emit_strncmp(struct cg *g, struct node *n, struct val *out)
{
	struct val a, b;
	int r = cg_expr(g, n->args[0], &a);
	if (!r)
		r = cg_expr(g, n->args[1], &b);
	if (r)
		return r;
	uint32_t len = (uint32_t)n->args[2]->const_val;
	uint32_t sa = n->args[0]->ty.size, sb = n->args[1]->ty.size;
	int res = ir_new_vreg(&g->ir), done = ir_alloc_label(&g->ir), same = ir_alloc_label(&g->ir);
	int ta = ir_new_vreg(&g->ir), tb = ir_new_vreg(&g->ir);
	ir_emit_mov(&g->ir, res, opnd_imm(1));
	for (uint32_t i = 0; i < len; i++) {
		if (i < sa)
			ir_emit_load(&g->ir, ta, g->scratch, (int32_t)(a.off + i), 1);
		else
			ir_emit_mov(&g->ir, ta, opnd_imm(0));
		if (i < sb)
			ir_emit_load(&g->ir, tb, g->scratch, (int32_t)(b.off + i), 1);
		else
			ir_emit_mov(&g->ir, tb, opnd_imm(0));
		ir_emit_jcc(&g->ir, BPF_JNE, opnd_reg(ta), opnd_reg(tb), done);
		ir_emit_jcc(&g->ir, BPF_JEQ, opnd_reg(ta), opnd_imm(0), same);
	}
	ir_emit_label(&g->ir, same);
	ir_emit_mov(&g->ir, res, opnd_imm(0));
	ir_emit_label(&g->ir, done);
	*out = (struct val){ .kind = VAL_REG, .reg = res };
	return 0;
}

#define FUNC(nm, lo, hi, chk, emt) \
	{ .name = nm, .kind = BUILTIN_FUNC, .min_args = lo, .max_args = hi, .check = chk, .emit = emt }

const struct builtin builtins_funcs[] = {
	FUNC("str", 1, 2, check_str, emit_str),
	FUNC("ksym", 1, 1, check_ksym, emit_ksym),
	FUNC("usym", 1, 1, check_usym, emit_usym),
	FUNC("kstack", 0, 2, check_kstack_call, stack_emit),
	FUNC("ustack", 0, 2, check_ustack_call, stack_emit),
	FUNC("ntop", 1, 2, check_ntop, emit_ntop),
	FUNC("strncmp", 3, 3, check_strncmp, emit_strncmp),
};
const size_t builtins_funcs_n = sizeof(builtins_funcs) / sizeof(builtins_funcs[0]);

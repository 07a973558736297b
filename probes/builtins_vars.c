// SPDX-License-Identifier: Apache-2.0
/* Built-in variables: pid tid uid gid comm nsecs elapsed cpu cgroup probe argN retval func args kstack ustack ... */
#include "probes/check.h"

#include <errno.h>
#include <string.h>

#include <linux/bpf.h>

#include "probes/ir.h"
#include "probes/regs.h"

/* Default frames kept for kstack/ustack, as bpftrace (perf_event_max_stack). */
#define DEFAULT_STACK_LIMIT 127

static int check_u64(struct checker *c, struct node *n)
{
	n->ty = TYPE_INT(8, false);
	return 0;
}

static int emit_helper_u64(struct cg *g, int helper, struct val *out)
{
	*out = (struct val){ .kind = VAL_REG, .reg = cg_call(g, helper, NULL, 0, true) };
	return 0;
}

static int emit_pid(struct cg *g, struct node *n, struct val *out)
{
	int r = cg_call(g, BPF_FUNC_get_current_pid_tgid, NULL, 0, true);
	ir_emit_alu(&g->ir, BPF_RSH, r, opnd_reg(r), opnd_imm(32));
	*out = (struct val){ .kind = VAL_REG, .reg = r };
	return 0;
}

/* The low 32 bits of a helper's result. */
static int emit_low32(struct cg *g, int helper, struct val *out)
{
	int r = cg_call(g, helper, NULL, 0, true);
	ir_emit_alu(&g->ir, BPF_LSH, r, opnd_reg(r), opnd_imm(32));
	ir_emit_alu(&g->ir, BPF_RSH, r, opnd_reg(r), opnd_imm(32));
	*out = (struct val){ .kind = VAL_REG, .reg = r };
	return 0;
}

static int emit_tid(struct cg *g, struct node *n, struct val *out)
{
	return emit_low32(g, BPF_FUNC_get_current_pid_tgid, out);
}

static int emit_uid(struct cg *g, struct node *n, struct val *out)
{
	return emit_low32(g, BPF_FUNC_get_current_uid_gid, out);
}

static int emit_gid(struct cg *g, struct node *n, struct val *out)
{
	int r = cg_call(g, BPF_FUNC_get_current_uid_gid, NULL, 0, true);
	ir_emit_alu(&g->ir, BPF_RSH, r, opnd_reg(r), opnd_imm(32));
	*out = (struct val){ .kind = VAL_REG, .reg = r };
	return 0;
}

static int emit_nsecs(struct cg *g, struct node *n, struct val *out)
{
	return emit_helper_u64(g, BPF_FUNC_ktime_get_ns, out);
}

static int emit_elapsed(struct cg *g, struct node *n, struct val *out)
{
	int r = cg_call(g, BPF_FUNC_ktime_get_ns, NULL, 0, true);
	ir_emit_alu(&g->ir, BPF_SUB, r, opnd_reg(r), opnd_imm((int64_t)g->c->start_ns));
	*out = (struct val){ .kind = VAL_REG, .reg = r };
	return 0;
}

static int emit_cpu(struct cg *g, struct node *n, struct val *out)
{
	return emit_helper_u64(g, BPF_FUNC_get_smp_processor_id, out);
}

static int emit_cgroup(struct cg *g, struct node *n, struct val *out)
{
	return emit_helper_u64(g, BPF_FUNC_get_current_cgroup_id, out);
}

static int emit_rand(struct cg *g, struct node *n, struct val *out)
{
	return emit_helper_u64(g, BPF_FUNC_get_prandom_u32, out);
}

static int emit_curtask(struct cg *g, struct node *n, struct val *out)
{
	return emit_helper_u64(g, BPF_FUNC_get_current_task, out);
}

static int check_comm(struct checker *c, struct node *n)
{
	n->ty = TYPE_STR(16);
	return 0;
}

static int emit_comm(struct cg *g, struct node *n, struct val *out)
{
	uint32_t buf = cg_scratch(g, 16);
	struct ir_opnd args[2] = { opnd_addr(g->scratch, (int32_t)buf), opnd_imm(16) };
	cg_call(g, BPF_FUNC_get_current_comm, args, 2, false);
	*out = (struct val){ .kind = VAL_MEM, .off = buf };
	return g->err;
}

static int check_probe(struct checker *c, struct node *n)
{
	n->ty = TYPE_OF(TY_PROBE);
	return 0;
}

static int emit_probe(struct cg *g, struct node *n, struct val *out)
{
	*out = (struct val){ .kind = VAL_IMM, .imm = g->pi->index };
	return 0;
}

static int check_username(struct checker *c, struct node *n)
{
	n->ty = TYPE_OF(TY_USERNAME);
	return 0;
}

static int check_cpid(struct checker *c, struct node *n)
{
	if (!c->has_child)
		return check_error(c, n, "cpid needs a command to trace: scorch trace -c 'CMD' ...");
	n->ty = TYPE_INT(4, false);
	return 0;
}

static int emit_cpid(struct cg *g, struct node *n, struct val *out)
{
	*out = (struct val){ .kind = VAL_IMM, .imm = g->c->child_pid };
	return 0;
}

static int check_argn(struct checker *c, struct node *n)
{
	const struct provider *p = c->pi->prov;
	if (!(p->flags & PROV_ARGN) || !p->emit_arg)
		return check_error(c, n, "%s is not available in %s probes (it works in uprobe, kprobe and rawtracepoint)",
				   n->str, p->name);
	int idx = n->str[3] - '0';
	if (idx > 5 && strcmp(p->name, "rawtracepoint") != 0)
		return check_error(c, n, "%s is out of range: x86-64 passes arg0..arg5 in registers", n->str);
	n->aux = (uint32_t)idx;
	n->ty = TYPE_INT(8, false);
	return 0;
}

static int emit_argn(struct cg *g, struct node *n, struct val *out)
{
	return g->pi->prov->emit_arg(g, (int)n->aux, out);
}

static int check_retval(struct checker *c, struct node *n)
{
	const struct provider *p = c->pi->prov;
	if (!(p->flags & PROV_RETVAL) || !c->pi->is_ret)
		return check_error(c, n, "retval is only available in uretprobe, kretprobe and kretfunc probes%s",
				   strcmp(p->name, "tracepoint") == 0 ? " (in tracepoints try args->ret)" : "");
	/* kretfunc knows the function's return type from BTF: a negative errno reads as one */
	n->ty = TYPE_INT(8, c->pi->ret_size ? c->pi->ret_signed : false);
	return 0;
}

static int emit_retval(struct cg *g, struct node *n, struct val *out)
{
	return g->pi->prov->emit_arg(g, -1, out);
}

static int check_func(struct checker *c, struct node *n)
{
	const struct provider *p = c->pi->prov;
	if (!(p->flags & PROV_FUNC))
		return check_error(c, n, "func is only available in uprobe, kprobe and kfunc probes, not %s", p->name);
	n->ty = TYPE_OF(strncmp(p->name, "u", 1) == 0 ? TY_USYM : TY_KSYM);
	return 0;
}

static int emit_func(struct cg *g, struct node *n, struct val *out)
{
	int ip;
	if (g->pi->prov->prog_type == BPF_PROG_TYPE_TRACING) {
		/* kfunc / kretfunc: no pt_regs, the kernel tells the traced function's address */
		struct ir_opnd a[1] = { opnd_reg(g->ctx) };
		ip = cg_call(g, BPF_FUNC_get_func_ip, a, 1, true);
	} else {
		ip = ir_new_vreg(&g->ir);
		ir_emit_load(&g->ir, ip, g->ctx, PT_REGS_IP, 8);
	}
	if (n->ty.kind == TY_KSYM) {
		*out = (struct val){ .kind = VAL_REG, .reg = ip };
		return 0;
	}
	uint32_t buf = cg_scratch(g, 16);
	ir_emit_store(&g->ir, g->scratch, (int32_t)buf, 8, opnd_reg(ip));
	int pid = cg_call(g, BPF_FUNC_get_current_pid_tgid, NULL, 0, true);
	ir_emit_alu(&g->ir, BPF_RSH, pid, opnd_reg(pid), opnd_imm(32));
	ir_emit_store(&g->ir, g->scratch, (int32_t)buf + 8, 8, opnd_reg(pid));
	cg_note_pid(g, pid);
	*out = (struct val){ .kind = VAL_MEM, .off = buf };
	return g->err;
}

static int check_args(struct checker *c, struct node *n)
{
	if (!(c->pi->prov->flags & PROV_ARGS) || !c->pi->tp)
		return check_error(c, n, "args is only available in tracepoint and kfunc probes, not %s", c->pi->prov->name);
	n->ty = TYPE_OF(TY_ARGS);
	return 0;
}

static int emit_args(struct cg *g, struct node *n, struct val *out)
{
	if (!g->err)
		g->err = diag_error(g->d, n->span, "use args->FIELD to read a field of the tracepoint");
	return g->err;
}

int stack_check(struct checker *c, struct node *n, bool user, uint32_t limit, enum stack_mode mode)
{
	int id = checker_stack_map(c, limit, user);
	if (id < 0)
		return id;
	n->aux = (uint32_t)id;
	n->ty = TYPE_OF(user ? TY_USTACK : TY_KSTACK);
	n->ty.stack_limit = limit;
	n->ty.stack_mode = mode;
	return 0;
}

int stack_emit(struct cg *g, struct node *n, struct val *out)
{
	bool user = n->ty.kind == TY_USTACK;
	struct ir_opnd args[3] = { opnd_reg(g->ctx), opnd_map((int)n->aux), opnd_imm(user ? BPF_F_USER_STACK : 0) };
	int id = cg_call(g, BPF_FUNC_get_stackid, args, 3, true);
	if (!user) {
		*out = (struct val){ .kind = VAL_REG, .reg = id };
		return 0;
	}
	uint32_t buf = cg_scratch(g, 16);
	ir_emit_store(&g->ir, g->scratch, (int32_t)buf, 8, opnd_reg(id));
	int pid = cg_call(g, BPF_FUNC_get_current_pid_tgid, NULL, 0, true);
	ir_emit_alu(&g->ir, BPF_RSH, pid, opnd_reg(pid), opnd_imm(32));
	ir_emit_store(&g->ir, g->scratch, (int32_t)buf + 8, 8, opnd_reg(pid));
	cg_note_pid(g, pid);
	*out = (struct val){ .kind = VAL_MEM, .off = buf };
	return g->err;
}

static int check_kstack(struct checker *c, struct node *n)
{
	return stack_check(c, n, false, DEFAULT_STACK_LIMIT, STACK_BPFTRACE);
}

static int check_ustack(struct checker *c, struct node *n)
{
	return stack_check(c, n, true, DEFAULT_STACK_LIMIT, STACK_BPFTRACE);
}

static int check_curtask(struct checker *c, struct node *n)
{
	/* resolved in BTF only if a member is read: printing the pointer needs no BTF */
	struct btf_ref *ref = arena_alloc(&c->prog->arena, sizeof(*ref));
	if (!ref)
		return -ENOMEM;
	ref->type_id = 0;
	ref->name = "struct task_struct";
	n->ty = (struct type){ .kind = TY_PTR, .size = 8, .btf = ref };
	return 0;
}

#define VAR(nm, chk, emt) { .name = nm, .kind = BUILTIN_VAR, .check = chk, .emit = emt }

const struct builtin builtins_vars[] = {
	VAR("pid", check_u64, emit_pid),
	VAR("tid", check_u64, emit_tid),
	VAR("uid", check_u64, emit_uid),
	VAR("gid", check_u64, emit_gid),
	VAR("nsecs", check_u64, emit_nsecs),
	VAR("elapsed", check_u64, emit_elapsed),
	VAR("cpu", check_u64, emit_cpu),
	VAR("cgroup", check_u64, emit_cgroup),
	VAR("rand", check_u64, emit_rand),
	VAR("comm", check_comm, emit_comm),
	VAR("probe", check_probe, emit_probe),
	VAR("username", check_username, emit_uid),
	VAR("cpid", check_cpid, emit_cpid),
	VAR("curtask", check_curtask, emit_curtask),
	VAR("retval", check_retval, emit_retval),
	VAR("func", check_func, emit_func),
	VAR("args", check_args, emit_args),
	VAR("kstack", check_kstack, stack_emit),
	VAR("ustack", check_ustack, stack_emit),
	VAR("arg0", check_argn, emit_argn),
	VAR("arg1", check_argn, emit_argn),
	VAR("arg2", check_argn, emit_argn),
	VAR("arg3", check_argn, emit_argn),
	VAR("arg4", check_argn, emit_argn),
	VAR("arg5", check_argn, emit_argn),
	VAR("arg6", check_argn, emit_argn),
	VAR("arg7", check_argn, emit_argn),
	VAR("arg8", check_argn, emit_argn),
	VAR("arg9", check_argn, emit_argn),
};
const size_t builtins_vars_n = sizeof(builtins_vars) / sizeof(builtins_vars[0]);

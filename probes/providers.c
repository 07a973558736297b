// SPDX-License-Identifier: Apache-2.0
/* Probe types as data: each provider parses and expands its attach points, reads its arguments and attaches. */
#include "probes/check.h"

#include <errno.h>
#include <stdarg.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/bpf.h>
#include <linux/perf_event.h>

#include "lib/buf.h"
#include "lib/err.h"
#include "probes/ir.h"
#include "probes/regs.h"
#include "probes/runtime.h"
#include "probes/tracepoint.h"

static int ap_error(struct checker *c, const struct attach_point *ap, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int ap_error(struct checker *c, const struct attach_point *ap, const char *fmt, ...)
{
	va_list args;
	va_start(args, fmt);
	int r = diag_verror(c->d, ap->span, fmt, args);
	va_end(args);
	return r;
}

static bool has_glob(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

static int add_inst(struct checker *c, struct probe *p, struct attach_point *ap, const char *target,
		    const char *func, struct probe_inst **out)
{
	struct buf name = BUF_INIT;
	buf_addstr(&name, ap->prov->name);
	if (target)
		buf_addf(&name, ":%s", target);
	if (func)
		buf_addf(&name, ":%s", func);
	struct probe_inst *pi = checker_add_inst(c, p, ap, name.data, target, func);
	buf_release(&name);
	if (!pi)
		return -ENOMEM;
	if (out)
		*out = pi;
	return 0;
}

static int parts_exactly(struct checker *c, struct attach_point *ap, uint32_t n)
{
	if (ap->nparts != n || !*ap->parts[n - 1])
		return ap_error(c, ap, "malformed attach point '%s': expected %s", ap->raw, ap->prov->usage);
	return 0;
}

/* ---- BEGIN / END ---------------------------------------------------------------------------------- */

static int expand_special(struct checker *c, struct probe *p, struct attach_point *ap)
{
	if (ap->nparts != 1)
		return ap_error(c, ap, "%s takes no arguments", ap->prov->name);
	for (uint32_t i = 0; i < c->ninsts; i++)
		if (c->insts[i]->prov == ap->prov)
			return ap_error(c, ap, "only one %s probe is allowed", ap->prov->name);
	return add_inst(c, p, ap, NULL, NULL, NULL);
}

/* ---- tracepoint -------------------------------------------------------------------------------------- */

struct tp_expand {
	struct checker *c;
	struct probe *p;
	struct attach_point *ap;
	uint32_t matched;
	int err;
	/* suggestions */
	const char *want;
	char *best;
	size_t best_dist;
};

static int tp_add(const char *cat, const char *name, void *arg)
{
	struct tp_expand *x = arg;
	struct errbuf err;
	errbuf_init(&err);
	const struct tp_format *f = checker_tracepoint(x->c, cat, name, &err);
	if (!f) {
		x->err = ap_error(x->c, x->ap, "cannot read tracepoint '%s:%s': %s", cat, name, err.msg.data);
		errbuf_release(&err);
		return 1;
	}
	errbuf_release(&err);
	struct probe_inst *pi;
	x->err = add_inst(x->c, x->p, x->ap, cat, name, &pi);
	if (x->err)
		return 1;
	pi->tp = f;
	x->matched++;
	return 0;
}

static int tp_collect(const char *cat, const char *name, void *arg)
{
	struct buf *names = arg;
	buf_addf(names, "%s:%s", cat, name);
	buf_addch(names, 0);
	return 0;
}

/* "did you mean" for a tracepoint that does not exist, from the full list. */
static int tp_unknown(struct checker *c, struct attach_point *ap, const char *cat, const char *name)
{
	struct buf all = BUF_INIT;
	struct errbuf err;
	errbuf_init(&err);
	tp_list("*", "*", tp_collect, &all, &err);
	errbuf_release(&err);
	size_t n = 0;
	for (size_t i = 0; i < all.len; i += strlen(all.data + i) + 1)
		n++;
	const char **names = calloc(n + 1, sizeof(*names));
	int r;
	if (!names) {
		buf_release(&all);
		return -ENOMEM;
	}
	size_t k = 0;
	for (size_t i = 0; i < all.len; i += strlen(all.data + i) + 1)
		names[k++] = all.data + i;
	char want[512];
	snprintf(want, sizeof(want), "%s:%s", cat, name);
	const char *s = diag_suggest(want, names, k);
	if (s)
		r = ap_error(c, ap, "no tracepoint '%s'; did you mean 'tracepoint:%s'?", want, s);
	else
		r = ap_error(c, ap, "no tracepoint '%s' (scorch list 'tracepoint:%s:*' shows what exists)", want, cat);
	free(names);
	buf_release(&all);
	return r;
}

static int expand_tracepoint(struct checker *c, struct probe *p, struct attach_point *ap)
{
	int r = parts_exactly(c, ap, 3);
	if (r)
		return r;
	const char *cat = ap->parts[1], *name = ap->parts[2];
	struct tp_expand x = { .c = c, .p = p, .ap = ap };
	if (!has_glob(cat) && !has_glob(name)) {
		struct errbuf err;
		errbuf_init(&err);
		const struct tp_format *f = checker_tracepoint(c, cat, name, &err);
		if (!f) {
			r = err.code == -ENOENT ? tp_unknown(c, ap, cat, name)
						: ap_error(c, ap, "%s", err.msg.data);
			if (err.hint.len)
				buf_addf(&c->d->out, "hint: %s\n", err.hint.data);
			errbuf_release(&err);
			return r;
		}
		errbuf_release(&err);
		struct probe_inst *pi;
		r = add_inst(c, p, ap, cat, name, &pi);
		if (!r)
			pi->tp = f;
		return r;
	}
	struct errbuf err;
	errbuf_init(&err);
	r = tp_list(cat, name, tp_add, &x, &err);
	if (r < 0) {
		r = ap_error(c, ap, "%s", err.msg.data);
		errbuf_release(&err);
		return r;
	}
	errbuf_release(&err);
	if (x.err)
		return x.err;
	if (!x.matched)
		return ap_error(c, ap, "no tracepoint matches '%s:%s'", cat, name);
	return 0;
}

static int attach_tracepoint(struct runtime *rt, struct probe_inst *pi, struct errbuf *err)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_TRACEPOINT,
		.config = pi->tp->id,
		.sample_period = 1,
		.wakeup_events = 1,
	};
	/* one event is enough: the program runs wherever the tracepoint fires */
	return attach_perf_event(pi, &attr, -1, rt->cpus[0], err);
}

/* ---- rawtracepoint -------------------------------------------------------------------------------------- */

struct rt_expand {
	struct checker *c;
	struct probe *p;
	struct attach_point *ap;
	const char *glob;
	char *last;
	uint32_t matched;
	int err;
};

static int rawtp_add(const char *cat, const char *name, void *arg)
{
	struct rt_expand *x = arg;
	if (fnmatch(x->glob, name, 0) != 0)
		return 0;
	if (x->last && strcmp(x->last, name) == 0)
		return 0;
	free(x->last);
	x->last = strdup(name);
	x->err = add_inst(x->c, x->p, x->ap, NULL, name, NULL);
	x->matched++;
	return x->err ? 1 : 0;
}

static int expand_rawtracepoint(struct checker *c, struct probe *p, struct attach_point *ap)
{
	/* rawtracepoint:NAME, or rawtracepoint:CATEGORY:NAME as newer bpftrace writes it */
	const char *name = ap->nparts == 3 ? ap->parts[2] : ap->parts[1];
	if ((ap->nparts != 2 && ap->nparts != 3) || !*name)
		return ap_error(c, ap, "malformed attach point '%s': expected %s", ap->raw, ap->prov->usage);
	if (!has_glob(name))
		return add_inst(c, p, ap, NULL, name, NULL);
	struct rt_expand x = { .c = c, .p = p, .ap = ap, .glob = name };
	struct errbuf err;
	errbuf_init(&err);
	int r = tp_list(ap->nparts == 3 ? ap->parts[1] : "*", "*", rawtp_add, &x, &err);
	free(x.last);
	if (r < 0) {
		r = ap_error(c, ap, "%s", err.msg.data);
		errbuf_release(&err);
		return r;
	}
	errbuf_release(&err);
	if (x.err)
		return x.err;
	if (!x.matched)
		return ap_error(c, ap, "no raw tracepoint matches '%s'", name);
	return 0;
}

static int rawtp_arg(struct cg *g, int idx, struct val *out)
{
	if (idx < 0)
		return -EINVAL;
	int r = ir_new_vreg(&g->ir);
	ir_emit_load(&g->ir, r, g->ctx, idx * 8, 8);
	*out = (struct val){ .kind = VAL_REG, .reg = r };
	return 0;
}

static int attach_rawtracepoint(struct runtime *rt, struct probe_inst *pi, struct errbuf *err)
{
	return attach_raw_tracepoint(pi, pi->func, err);
}

/* ---- kfunc / kretfunc (fentry / fexit) ------------------------------------------------------------- */

static int expand_kfunc(struct checker *c, struct probe *p, struct attach_point *ap)
{
	/* kfunc:FUNCTION, or kfunc:vmlinux:FUNCTION as newer bpftrace writes it */
	if ((ap->nparts != 2 && ap->nparts != 3) || (ap->nparts == 3 && strcmp(ap->parts[1], "vmlinux") != 0))
		return ap_error(c, ap, "malformed attach point '%s': expected %s (functions of vmlinux)", ap->raw,
				ap->prov->usage);
	const char *fn = ap->parts[ap->nparts - 1];
	if (has_glob(fn))
		return ap_error(c, ap, "kfunc wildcards are not supported: name one kernel function");
	const struct tp_format *f;
	uint32_t id;
	struct errbuf err;
	errbuf_init(&err);
	int r = btf_kfunc_format(c, fn, &f, &id, &err);
	if (r < 0) {
		r = ap_error(c, ap, "%s", err.msg.data);
		errbuf_release(&err);
		return r;
	}
	struct probe_inst *pi;
	r = add_inst(c, p, ap, NULL, fn, &pi);
	if (!r) {
		pi->tp = f;
		pi->addr = id; /* the BTF id the program is loaded against */
		pi->is_ret = strcmp(ap->prov->name, "kretfunc") == 0;
		pi->ret_size = btf_func_ret(c, id, &pi->ret_signed);
	}
	return r;
}

/* retval of kretfunc: the slot after the arguments in fexit's context */
static int kfunc_arg(struct cg *g, int idx, struct val *out)
{
	if (idx != -1 || !g->pi->tp)
		return -EINVAL;
	/* an int return leaves the slot's upper bytes undefined: load its own size, then extend */
	uint8_t size = g->pi->ret_size ? g->pi->ret_size : 8;
	int r = ir_new_vreg(&g->ir);
	ir_emit_load(&g->ir, r, g->ctx, (int32_t)(g->pi->tp->nfields * 8), size);
	cg_extend(g, r, size, g->pi->ret_signed);
	*out = (struct val){ .kind = VAL_REG, .reg = r };
	return 0;
}

static int attach_kfunc(struct runtime *rt, struct probe_inst *pi, struct errbuf *err)
{
	(void)rt;
	return attach_tracing(pi, err);
}

/* ---- kprobe / uprobe ----------------------------------------------------------------------------------- */

static int regs_arg(struct cg *g, int idx, struct val *out)
{
	int r = ir_new_vreg(&g->ir);
	ir_emit_load(&g->ir, r, g->ctx, idx < 0 ? PT_REGS_RET : pt_regs_args[idx], 8);
	*out = (struct val){ .kind = VAL_REG, .reg = r };
	return 0;
}

/* "name+off" into name and offset. */
static int split_offset(const char *s, char **name, uint64_t *off)
{
	const char *plus = strrchr(s, '+');
	*off = 0;
	if (plus && plus[1]) {
		char *end;
		unsigned long long v = strtoull(plus + 1, &end, 0);
		if (*end)
			return -EINVAL;
		*off = v;
		*name = strndup(s, (size_t)(plus - s));
	} else {
		*name = strdup(s);
	}
	return *name ? 0 : -ENOMEM;
}

static int expand_kprobe(struct checker *c, struct probe *p, struct attach_point *ap)
{
	int r = parts_exactly(c, ap, 2);
	if (r)
		return r;
	if (has_glob(ap->parts[1]))
		return ap_error(c, ap, "kprobe wildcards are not supported (this kernel has no kprobes anyway)");
	char *fn;
	uint64_t off;
	if (split_offset(ap->parts[1], &fn, &off) < 0)
		return ap_error(c, ap, "malformed kprobe offset in '%s'", ap->raw);
	struct probe_inst *pi;
	r = add_inst(c, p, ap, NULL, ap->parts[1], &pi);
	if (!r) {
		free(pi->func);
		pi->func = fn;
		pi->addr = off;
		pi->is_ret = strcmp(ap->prov->name, "kretprobe") == 0;
	} else {
		free(fn);
	}
	return r;
}

static int attach_kprobe(struct runtime *rt, struct probe_inst *pi, struct errbuf *err)
{
	int type = pmu_type("kprobe");
	if (type < 0) {
		errbuf_set(err, -EOPNOTSUPP, "cannot attach '%s': this kernel has no kprobe support (CONFIG_KPROBES is off)",
			   pi->name);
		errbuf_hint(err, "trace the same code through a tracepoint (scorch list) or rawtracepoint instead");
		return -EOPNOTSUPP;
	}
	struct perf_event_attr attr = {
		.type = (uint32_t)type,
		.config1 = (uint64_t)(uintptr_t)pi->func,
		.config2 = pi->addr,
	};
	if (pi->is_ret) {
		int bit = pmu_retprobe_bit("kprobe");
		if (bit >= 0)
			attr.config |= 1ULL << bit;
	}
	return attach_perf_event(pi, &attr, -1, rt->cpus[0], err);
}

struct up_expand {
	struct checker *c;
	struct probe *p;
	struct attach_point *ap;
	const char *path;
	const char *glob;
	uint32_t matched;
	bool is_ret;
	int err;
};

static int uprobe_add(const char *name, uint64_t offset, uint64_t size, void *arg)
{
	struct up_expand *x = arg;
	if (fnmatch(x->glob, name, 0) != 0)
		return 0;
	struct probe_inst *pi;
	x->err = add_inst(x->c, x->p, x->ap, x->path, name, &pi);
	if (x->err)
		return 1;
	pi->addr = offset;
	pi->is_ret = x->is_ret;
	x->matched++;
	return 0;
}

static int expand_uprobe(struct checker *c, struct probe *p, struct attach_point *ap)
{
	int r = parts_exactly(c, ap, 3);
	if (r)
		return r;
	struct errbuf err;
	errbuf_init(&err);
	char *path = uprobe_resolve_path(ap->parts[1], c->pid_filter, &err);
	if (!path) {
		r = ap_error(c, ap, "%s", err.msg.data);
		errbuf_release(&err);
		return r;
	}
	bool is_ret = strcmp(ap->prov->name, "uretprobe") == 0;
	const char *fn = ap->parts[2];
	if (fn[0] >= '0' && fn[0] <= '9') {
		char *end;
		unsigned long long addr = strtoull(fn, &end, 0);
		if (*end) {
			free(path);
			errbuf_release(&err);
			return ap_error(c, ap, "malformed uprobe address '%s'", fn);
		}
		struct probe_inst *pi;
		r = add_inst(c, p, ap, path, fn, &pi);
		if (!r) {
			pi->addr = addr;
			pi->is_ret = is_ret;
		}
		free(path);
		errbuf_release(&err);
		return r;
	}
	char *name;
	uint64_t off;
	if (split_offset(fn, &name, &off) < 0) {
		free(path);
		errbuf_release(&err);
		return ap_error(c, ap, "malformed uprobe offset in '%s'", ap->raw);
	}
	struct up_expand x = { .c = c, .p = p, .ap = ap, .path = path, .glob = name, .is_ret = is_ret };
	uint32_t before = c->ninsts;
	r = elfsym_each(path, uprobe_add, &x, &err);
	if (r < 0) {
		r = ap_error(c, ap, "%s", err.msg.data);
	} else if (x.err) {
		r = x.err;
	} else if (!x.matched) {
		r = has_glob(name) ? ap_error(c, ap, "no function in '%s' matches '%s'", path, name)
				   : ap_error(c, ap, "no function '%s' in '%s' (scorch list 'uprobe:%s:*' shows them)", name,
					      path, path);
	} else {
		for (uint32_t i = before; i < c->ninsts; i++)
			c->insts[i]->addr += off;
		r = 0;
	}
	free(name);
	free(path);
	errbuf_release(&err);
	return r;
}

static int attach_uprobe(struct runtime *rt, struct probe_inst *pi, struct errbuf *err)
{
	int type = pmu_type("uprobe");
	if (type < 0)
		return errbuf_set(err, -EOPNOTSUPP, "cannot attach '%s': this kernel has no uprobe PMU", pi->name);
	struct perf_event_attr attr = {
		.type = (uint32_t)type,
		.config1 = (uint64_t)(uintptr_t)pi->target,
		.config2 = pi->addr,
	};
	if (pi->is_ret) {
		int bit = pmu_retprobe_bit("uprobe");
		if (bit < 0)
			return errbuf_set(err, -EOPNOTSUPP, "cannot attach '%s': this kernel has no uretprobe support",
					  pi->name);
		attr.config |= 1ULL << bit;
	}
	int pid = rt->target_pid > 0 ? rt->target_pid : -1;
	return attach_perf_event(pi, &attr, pid, pid > 0 ? -1 : rt->cpus[0], err);
}

/* ---- profile / interval / software / hardware ---------------------------------------------------------- */

/* "UNIT:N" or "N" (hz) into a period in ns or a frequency. */
static int parse_rate(struct checker *c, struct attach_point *ap, bool allow_hz_default, struct probe_inst *pi)
{
	const char *unit = ap->nparts == 3 ? ap->parts[1] : "hz";
	const char *num = ap->nparts == 3 ? ap->parts[2] : ap->parts[1];
	if ((ap->nparts != 3 && !(allow_hz_default && ap->nparts == 2)) || !*num)
		return ap_error(c, ap, "malformed attach point '%s': expected %s", ap->raw, ap->prov->usage);
	char *end;
	unsigned long long v = strtoull(num, &end, 10);
	if (*end || v == 0)
		return ap_error(c, ap, "'%s' in '%s' must be a positive integer", num, ap->raw);
	uint64_t mult;
	if (strcmp(unit, "hz") == 0) {
		pi->freq = true;
		pi->addr = v;
		return 0;
	} else if (strcmp(unit, "s") == 0) {
		mult = 1000000000ULL;
	} else if (strcmp(unit, "ms") == 0) {
		mult = 1000000ULL;
	} else if (strcmp(unit, "us") == 0) {
		mult = 1000ULL;
	} else {
		return ap_error(c, ap, "unknown unit '%s' in '%s' (use hz, s, ms or us)", unit, ap->raw);
	}
	pi->addr = v * mult;
	return 0;
}

static int expand_timed(struct checker *c, struct probe *p, struct attach_point *ap)
{
	struct probe_inst *pi;
	const char *unit = ap->nparts == 3 ? ap->parts[1] : NULL;
	int r = add_inst(c, p, ap, unit, ap->nparts >= 2 ? ap->parts[ap->nparts - 1] : "", &pi);
	if (r)
		return r;
	return parse_rate(c, ap, strcmp(ap->prov->name, "profile") == 0, pi);
}

static int attach_profile(struct runtime *rt, struct probe_inst *pi, struct errbuf *err)
{
	for (size_t i = 0; i < rt->ncpus; i++) {
		struct perf_event_attr attr = {
			.type = PERF_TYPE_SOFTWARE,
			.config = PERF_COUNT_SW_CPU_CLOCK,
			.freq = pi->freq,
		};
		if (pi->freq)
			attr.sample_freq = pi->addr;
		else
			attr.sample_period = pi->addr;
		int r = attach_perf_event(pi, &attr, -1, rt->cpus[i], err);
		if (r)
			return r;
	}
	return 0;
}

static int attach_interval(struct runtime *rt, struct probe_inst *pi, struct errbuf *err)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_SOFTWARE,
		.config = PERF_COUNT_SW_CPU_CLOCK,
		.freq = pi->freq,
	};
	if (pi->freq)
		attr.sample_freq = pi->addr;
	else
		attr.sample_period = pi->addr;
	return attach_perf_event(pi, &attr, -1, rt->cpus[0], err);
}

struct perf_event_name {
	const char *name, *alias;
	uint64_t config;
	uint64_t default_period;
};

static const struct perf_event_name sw_events[] = {
	{ "cpu-clock", "cpu", PERF_COUNT_SW_CPU_CLOCK, 1000000 },
	{ "task-clock", NULL, PERF_COUNT_SW_TASK_CLOCK, 1000000 },
	{ "page-faults", "faults", PERF_COUNT_SW_PAGE_FAULTS, 100 },
	{ "context-switches", "cs", PERF_COUNT_SW_CONTEXT_SWITCHES, 1000 },
	{ "cpu-migrations", NULL, PERF_COUNT_SW_CPU_MIGRATIONS, 1 },
	{ "minor-faults", NULL, PERF_COUNT_SW_PAGE_FAULTS_MIN, 100 },
	{ "major-faults", NULL, PERF_COUNT_SW_PAGE_FAULTS_MAJ, 1 },
	{ "alignment-faults", NULL, PERF_COUNT_SW_ALIGNMENT_FAULTS, 1 },
	{ "emulation-faults", NULL, PERF_COUNT_SW_EMULATION_FAULTS, 1 },
	{ "dummy", NULL, PERF_COUNT_SW_DUMMY, 1 },
	{ "bpf-output", NULL, PERF_COUNT_SW_BPF_OUTPUT, 1 },
};

static const struct perf_event_name hw_events[] = {
	{ "cpu-cycles", "cycles", PERF_COUNT_HW_CPU_CYCLES, 1000000 },
	{ "instructions", NULL, PERF_COUNT_HW_INSTRUCTIONS, 1000000 },
	{ "cache-references", NULL, PERF_COUNT_HW_CACHE_REFERENCES, 1000000 },
	{ "cache-misses", NULL, PERF_COUNT_HW_CACHE_MISSES, 1000000 },
	{ "branch-instructions", "branches", PERF_COUNT_HW_BRANCH_INSTRUCTIONS, 100000 },
	{ "branch-misses", NULL, PERF_COUNT_HW_BRANCH_MISSES, 100000 },
	{ "bus-cycles", NULL, PERF_COUNT_HW_BUS_CYCLES, 100000 },
	{ "frontend-stalls", NULL, PERF_COUNT_HW_STALLED_CYCLES_FRONTEND, 1000000 },
	{ "backend-stalls", NULL, PERF_COUNT_HW_STALLED_CYCLES_BACKEND, 1000000 },
	{ "ref-cycles", NULL, PERF_COUNT_HW_REF_CPU_CYCLES, 1000000 },
};

static int expand_perf(struct checker *c, struct probe *p, struct attach_point *ap, const struct perf_event_name *ev,
		       size_t nev)
{
	if (ap->nparts != 2 && ap->nparts != 3)
		return ap_error(c, ap, "malformed attach point '%s': expected %s", ap->raw, ap->prov->usage);
	const struct perf_event_name *e = NULL;
	for (size_t i = 0; i < nev && !e; i++)
		if (strcmp(ev[i].name, ap->parts[1]) == 0 || (ev[i].alias && strcmp(ev[i].alias, ap->parts[1]) == 0))
			e = &ev[i];
	if (!e) {
		const char *names[32];
		for (size_t i = 0; i < nev; i++)
			names[i] = ev[i].name;
		const char *s = diag_suggest(ap->parts[1], names, nev);
		if (s)
			return ap_error(c, ap, "unknown %s event '%s'; did you mean '%s'?", ap->prov->name, ap->parts[1], s);
		return ap_error(c, ap, "unknown %s event '%s' (scorch list %s:* shows them)", ap->prov->name,
				ap->parts[1], ap->prov->name);
	}
	uint64_t period = e->default_period;
	if (ap->nparts == 3 && *ap->parts[2]) {
		char *end;
		unsigned long long v = strtoull(ap->parts[2], &end, 10);
		if (*end || !v)
			return ap_error(c, ap, "the period '%s' in '%s' must be a positive integer", ap->parts[2], ap->raw);
		period = v;
	}
	struct probe_inst *pi;
	char pstr[32];
	snprintf(pstr, sizeof(pstr), "%llu", (unsigned long long)period);
	int r = add_inst(c, p, ap, e->name, pstr, &pi);
	if (r)
		return r;
	pi->addr = period;
	/* attach finds the event again by its canonical name */
	free(pi->target);
	pi->target = strdup(e->name);
	return pi->target ? 0 : -ENOMEM;
}

static int expand_software(struct checker *c, struct probe *p, struct attach_point *ap)
{
	return expand_perf(c, p, ap, sw_events, sizeof(sw_events) / sizeof(sw_events[0]));
}

static int expand_hardware(struct checker *c, struct probe *p, struct attach_point *ap)
{
	return expand_perf(c, p, ap, hw_events, sizeof(hw_events) / sizeof(hw_events[0]));
}

static int attach_perf_events(struct runtime *rt, struct probe_inst *pi, uint32_t type,
			      const struct perf_event_name *ev, size_t nev, struct errbuf *err)
{
	const struct perf_event_name *e = NULL;
	for (size_t i = 0; i < nev && !e; i++)
		if (strcmp(ev[i].name, pi->target) == 0)
			e = &ev[i];
	if (!e)
		return errbuf_set(err, -EINVAL, "unknown event '%s'", pi->target);
	for (size_t i = 0; i < rt->ncpus; i++) {
		struct perf_event_attr attr = { .type = type, .config = e->config, .sample_period = pi->addr };
		int r = attach_perf_event(pi, &attr, -1, rt->cpus[i], err);
		if (r)
			return r;
	}
	return 0;
}

static int attach_software(struct runtime *rt, struct probe_inst *pi, struct errbuf *err)
{
	return attach_perf_events(rt, pi, PERF_TYPE_SOFTWARE, sw_events, sizeof(sw_events) / sizeof(sw_events[0]), err);
}

static int attach_hardware(struct runtime *rt, struct probe_inst *pi, struct errbuf *err)
{
	return attach_perf_events(rt, pi, PERF_TYPE_HARDWARE, hw_events, sizeof(hw_events) / sizeof(hw_events[0]), err);
}

/* ---- the table --------------------------------------------------------------------------------------- */

static const struct provider prov_begin = {
	.name = "BEGIN", .prog_type = BPF_PROG_TYPE_RAW_TRACEPOINT, .flags = PROV_NO_PID, .usage = "BEGIN",
	.expand = expand_special,
};
static const struct provider prov_end = {
	.name = "END", .prog_type = BPF_PROG_TYPE_RAW_TRACEPOINT, .flags = PROV_NO_PID, .usage = "END",
	.expand = expand_special,
};
static const struct provider prov_tracepoint = {
	.name = "tracepoint", .alias = "t", .prog_type = BPF_PROG_TYPE_TRACEPOINT, .flags = PROV_ARGS,
	.usage = "tracepoint:CATEGORY:NAME", .expand = expand_tracepoint, .attach = attach_tracepoint,
};
static const struct provider prov_rawtracepoint = {
	.name = "rawtracepoint", .alias = "rt", .prog_type = BPF_PROG_TYPE_RAW_TRACEPOINT, .flags = PROV_ARGN,
	.usage = "rawtracepoint:NAME", .expand = expand_rawtracepoint, .emit_arg = rawtp_arg,
	.attach = attach_rawtracepoint,
};
static const struct provider prov_kprobe = {
	.name = "kprobe", .alias = "k", .prog_type = BPF_PROG_TYPE_KPROBE,
	.flags = PROV_ARGN | PROV_FUNC | PROV_REGS, .usage = "kprobe:FUNCTION[+OFFSET]", .expand = expand_kprobe,
	.emit_arg = regs_arg, .attach = attach_kprobe,
};
static const struct provider prov_kretprobe = {
	.name = "kretprobe", .alias = "kr", .prog_type = BPF_PROG_TYPE_KPROBE,
	.flags = PROV_RETVAL | PROV_FUNC | PROV_REGS, .usage = "kretprobe:FUNCTION", .expand = expand_kprobe,
	.emit_arg = regs_arg, .attach = attach_kprobe,
};
static const struct provider prov_kfunc = {
	.name = "kfunc", .alias = "f", .prog_type = BPF_PROG_TYPE_TRACING, .flags = PROV_ARGS | PROV_FUNC,
	.usage = "kfunc:FUNCTION", .expand = expand_kfunc, .emit_arg = kfunc_arg, .attach = attach_kfunc,
};
static const struct provider prov_kretfunc = {
	.name = "kretfunc", .alias = "fr", .prog_type = BPF_PROG_TYPE_TRACING,
	.flags = PROV_ARGS | PROV_RETVAL | PROV_FUNC,
	.usage = "kretfunc:FUNCTION", .expand = expand_kfunc, .emit_arg = kfunc_arg, .attach = attach_kfunc,
};
static const struct provider prov_uprobe = {
	.name = "uprobe", .alias = "u", .prog_type = BPF_PROG_TYPE_KPROBE,
	.flags = PROV_ARGN | PROV_FUNC | PROV_REGS, .usage = "uprobe:BINARY:FUNCTION[+OFFSET]",
	.expand = expand_uprobe, .emit_arg = regs_arg, .attach = attach_uprobe,
};
static const struct provider prov_uretprobe = {
	.name = "uretprobe", .alias = "ur", .prog_type = BPF_PROG_TYPE_KPROBE,
	.flags = PROV_RETVAL | PROV_FUNC | PROV_REGS, .usage = "uretprobe:BINARY:FUNCTION",
	.expand = expand_uprobe, .emit_arg = regs_arg, .attach = attach_uprobe,
};
static const struct provider prov_profile = {
	.name = "profile", .alias = "p", .prog_type = BPF_PROG_TYPE_PERF_EVENT, .flags = PROV_REGS,
	.usage = "profile:hz:N, profile:s:N, profile:ms:N or profile:us:N", .expand = expand_timed,
	.attach = attach_profile,
};
static const struct provider prov_interval = {
	.name = "interval", .alias = "i", .prog_type = BPF_PROG_TYPE_PERF_EVENT, .flags = PROV_NO_PID,
	.usage = "interval:s:N, interval:ms:N, interval:us:N or interval:hz:N", .expand = expand_timed,
	.attach = attach_interval,
};
static const struct provider prov_software = {
	.name = "software", .alias = "s", .prog_type = BPF_PROG_TYPE_PERF_EVENT, .flags = PROV_REGS,
	.usage = "software:EVENT[:PERIOD]", .expand = expand_software, .attach = attach_software,
};
static const struct provider prov_hardware = {
	.name = "hardware", .alias = "h", .prog_type = BPF_PROG_TYPE_PERF_EVENT, .flags = PROV_REGS,
	.usage = "hardware:EVENT[:PERIOD]", .expand = expand_hardware, .attach = attach_hardware,
};

static const struct provider *const providers[] = {
	&prov_begin, &prov_end, &prov_tracepoint, &prov_rawtracepoint, &prov_kprobe, &prov_kretprobe,
	&prov_kfunc, &prov_kretfunc, &prov_uprobe, &prov_uretprobe, &prov_profile, &prov_interval,
	&prov_software, &prov_hardware,
};

const struct provider *provider_find(const char *name)
{
	for (size_t i = 0; i < sizeof(providers) / sizeof(providers[0]); i++)
		if (strcmp(providers[i]->name, name) == 0 || (providers[i]->alias && strcmp(providers[i]->alias, name) == 0))
			return providers[i];
	return NULL;
}

const struct provider *const *provider_all(size_t *n)
{
	*n = sizeof(providers) / sizeof(providers[0]);
	return providers;
}

/* For `scorch list`: the software and hardware event names. */
size_t provider_perf_events(bool hardware, const char **names, size_t cap)
{
	const struct perf_event_name *ev = hardware ? hw_events : sw_events;
	size_t n = hardware ? sizeof(hw_events) / sizeof(hw_events[0]) : sizeof(sw_events) / sizeof(sw_events[0]);
	size_t k = 0;
	for (size_t i = 0; i < n && k < cap; i++)
		names[k++] = ev[i].name;
	return n;
}

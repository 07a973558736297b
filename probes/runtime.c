// SPDX-License-Identifier: Apache-2.0
/* A trace session: compile, create maps, load (verifier errors mapped to source), attach, run, print, finish. */
#include "probes/probes.h"

#include <errno.h>

#ifndef ENOTSUPP
#define ENOTSUPP 524 /* the kernel's own, not in userspace errno.h */
#endif
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "lib/buf.h"
#include "lib/err.h"
#include "lib/overhead.h"
#include "probes/check.h"
#include "probes/decode.h"
#include "probes/internal.h"
#include "probes/ir.h"
#include "probes/maps.h"
#include "probes/output.h"
#include "probes/runtime.h"
#include "probes/session.h"


static const char *bmap_name(int id, void *arg)
{
	struct checker *c = arg;
	return id >= 0 && (uint32_t)id < c->nbmaps ? c->bmaps[id].name : NULL;
}

static int bmap_fd(int id, void *arg)
{
	struct checker *c = arg;
	return id >= 0 && (uint32_t)id < c->nbmaps ? c->bmaps[id].fd : -1;
}

/* ---- -c COMMAND -------------------------------------------------------------------------------------- */

/* Split at blanks, honouring simple quotes, as bpftrace does with -c. NULL-terminated; free with free_argv. */
static char **split_command(const char *cmd)
{
	size_t cap = 8, n = 0;
	char **argv = calloc(cap, sizeof(*argv));
	struct buf w = BUF_INIT;
	if (!argv)
		return NULL;
	const char *s = cmd;
	for (;;) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s)
			break;
		buf_reset(&w);
		char quote = 0;
		while (*s && (quote || (*s != ' ' && *s != '\t'))) {
			if (!quote && (*s == '\'' || *s == '"'))
				quote = *s;
			else if (quote && *s == quote)
				quote = 0;
			else
				buf_addch(&w, *s);
			s++;
		}
		if (n + 2 > cap) {
			cap *= 2;
			char **na = realloc(argv, cap * sizeof(*na));
			if (!na)
				goto oom;
			argv = na;
		}
		argv[n] = strdup(w.data);
		if (!argv[n])
			goto oom;
		argv[++n] = NULL;
	}
	buf_release(&w);
	return argv;
oom:
	for (size_t i = 0; i < n; i++)
		free(argv[i]);
	free(argv);
	buf_release(&w);
	return NULL;
}

static void free_argv(char **argv)
{
	for (size_t i = 0; argv && argv[i]; i++)
		free(argv[i]);
	free(argv);
}

/* Fork the command, held until start_child(): it must not run before the probes are attached. */
static int spawn_child(struct trace *t, struct errbuf *err)
{
	char **argv = split_command(t->o.command);
	if (!argv || !argv[0]) {
		free_argv(argv);
		return errbuf_set(err, -EINVAL, "empty command for -c");
	}
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) < 0) {
		free_argv(argv);
		return errbuf_set(err, -errno, "cannot create a pipe: %s", strerror(errno));
	}
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(fds[0]);
		close(fds[1]);
		free_argv(argv);
		return errbuf_set(err, -e, "cannot fork: %s", strerror(e));
	}
	if (pid == 0) {
		char go;
		close(fds[1]);
		if (read(fds[0], &go, 1) != 1)
			_exit(127);
		execvp(argv[0], argv);
		dprintf(2, "scorch: cannot run '%s': %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(fds[0]);
	free_argv(argv);
	t->child = pid;
	t->child_go = fds[1];
	return 0;
}

static void start_child(struct trace *t)
{
	if (t->child_go >= 0) {
		char go = 'g';
		if (write(t->child_go, &go, 1) != 1) {
			/* the child sees EOF and exits */
		}
		close(t->child_go);
		t->child_go = -1;
	}
}

/* ---- compile ------------------------------------------------------------------------------------------ */

int trace_new(const struct trace_opts *o, struct trace **out, struct buf *diag, struct errbuf *err)
{
	struct trace *t = calloc(1, sizeof(*t));
	int r;
	*out = NULL;
	if (!t)
		return errbuf_set(err, -ENOMEM, "out of memory");
	t->o = *o;
	t->fp = o->out ? o->out : stdout;
	t->child_go = -1;
	t->stats_fd = -1;
	buf_init(&t->outbuf);
	t->out.format = o->format == TRACE_JSON ? OUTPUT_JSON : OUTPUT_TEXT;
	t->out.buf = &t->outbuf;
	diag_init(&t->diag, o->filename ? o->filename : "-e", o->program, o->program_len);
	t->rt.target_pid = o->pid > 0 ? o->pid : -1;

	t->prog = parse_program(o->program, o->program_len, &t->diag);
	if (!t->prog) {
		r = t->diag.nerrors ? -EINVAL : errbuf_set(err, -ENOMEM, "out of memory");
		goto fail;
	}
	if ((r = checker_init(&t->c, t->prog, &t->diag)) < 0) {
		errbuf_set(err, r, "out of memory");
		goto fail;
	}
	t->c.params = o->params;
	t->c.nparams = o->nparams;
	t->c.pid_filter = o->pid > 0 ? o->pid : 0;
	t->c.has_child = o->command != NULL;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	t->c.start_ns = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
	r = check_program(&t->c);
	if (r) {
		if (r != -EINVAL || !t->diag.nerrors)
			errbuf_set(err, r, "cannot check the program: %s", strerror(-r));
		goto fail;
	}
	/* key and value sizes are needed by the code (zeroed initial values) */
	maps_plan(&t->c);
	if (o->command && !o->dump) {
		if ((r = spawn_child(t, err)) < 0)
			goto fail;
		t->c.child_pid = t->child;
		t->rt.target_pid = t->child;
	}
	t->irs = calloc(t->c.ninsts ? t->c.ninsts : 1, sizeof(*t->irs));
	if (!t->irs) {
		r = errbuf_set(err, -ENOMEM, "out of memory");
		goto fail;
	}
	for (uint32_t i = 0; i < t->c.ninsts; i++) {
		struct cg g;
		r = cg_program(&g, &t->c, t->c.insts[i]);
		if (r) {
			if (r == -E2BIG && !t->diag.nerrors)
				r = diag_error(&t->diag, t->c.insts[i]->probe->span,
					       "probe '%s' needs more than the %d bytes of scratch memory a program may use",
					       t->c.insts[i]->name, 30000);
			else if (r != -EINVAL || !t->diag.nerrors)
				r = errbuf_set(err, r, "cannot generate code for '%s': %s", t->c.insts[i]->name, strerror(-r));
			cg_release(&g);
			goto fail;
		}
		t->irs[i] = g.ir;
	}
	if (t->diag.out.len)
		buf_add(diag, t->diag.out.data, t->diag.out.len); /* warnings */
	*out = t;
	return 0;
fail:
	if (t->diag.out.len)
		buf_add(diag, t->diag.out.data, t->diag.out.len);
	trace_free(t);
	return r ? r : -EINVAL;
}

void trace_stop(struct trace *t)
{
	t->stop = 1;
}

double trace_overhead_stop(const struct trace *t)
{
	return t->over_pct;
}

void trace_free(struct trace *t)
{
	if (!t)
		return;
	if (t->rb)
		ring_buffer__free(t->rb);
	if (t->stats_fd >= 0)
		close(t->stats_fd);
	for (uint32_t i = 0; i < t->c.ninsts; i++) {
		detach_inst(t->c.insts[i]);
		if (t->c.insts[i]->prog_fd >= 0)
			close(t->c.insts[i]->prog_fd);
	}
	if (t->c.bmaps)
		maps_close(&t->c);
	if (t->irs)
		for (uint32_t i = 0; i < t->c.ninsts; i++)
			ir_release(&t->irs[i]);
	free(t->irs);
	if (t->child_go >= 0)
		close(t->child_go);
	if (t->child > 0 && !t->child_reaped) {
		kill(t->child, SIGTERM);
		waitpid(t->child, NULL, 0);
	}
	checker_release(&t->c);
	program_free(t->prog);
	sym_state_release(&t->sym);
	diag_release(&t->diag);
	buf_release(&t->outbuf);
	free(t->rt.cpus);
	free(t);
}

/* ---- load ----------------------------------------------------------------------------------------------- */

static int load_inst(struct trace *t, struct probe_inst *pi, struct ir *ir, struct buf *diag, struct errbuf *err)
{
	struct span *spans = NULL;
	void *insns = NULL;
	size_t n = 0;
	int r = ir_lower(ir, 8, bmap_fd, &t->c, &insns, &n, &spans);
	if (r) {
		free(spans);
		if (r == -E2BIG) {
			diag_error(&t->diag, pi->probe->span,
				   "probe '%s' is too large for BPF (more than 512 bytes of stack or too long jumps)", pi->name);
			buf_add(diag, t->diag.out.data, t->diag.out.len);
			return -EINVAL;
		}
		return errbuf_set(err, r, "cannot generate code for '%s'", pi->name);
	}
	free(pi->insns);
	pi->insns = insns;
	pi->ninsns = n;
	char name[BPF_OBJ_NAME_LEN] = { 0 };
	snprintf(name, sizeof(name), "scorch_%u", pi->index);
	/* kfunc / kretfunc: fentry / fexit programs are verified against the function's BTF */
	bool tracing = pi->prov->prog_type == BPF_PROG_TYPE_TRACING;
	enum bpf_attach_type attach_type = pi->is_ret ? BPF_TRACE_FEXIT : BPF_TRACE_FENTRY;
	LIBBPF_OPTS(bpf_prog_load_opts, opts);
	if (tracing) {
		opts.expected_attach_type = attach_type;
		opts.attach_btf_id = (uint32_t)pi->addr;
	}
	int fd = bpf_prog_load(pi->prov->prog_type, name, "GPL", insns, n, &opts);
	if (fd < 0) {
		/* load again with the log on: it is slow, so only when something is wrong */
		size_t logsz = 4 << 20;
		char *log = malloc(logsz);
		if (!log) {
			free(spans);
			return errbuf_set(err, -ENOMEM, "out of memory");
		}
		log[0] = 0;
		LIBBPF_OPTS(bpf_prog_load_opts, lopts, .log_buf = log, .log_size = (uint32_t)logsz, .log_level = 1);
		if (tracing) {
			lopts.expected_attach_type = attach_type;
			lopts.attach_btf_id = (uint32_t)pi->addr;
		}
		fd = bpf_prog_load(pi->prov->prog_type, name, "GPL", insns, n, &lopts);
		if (fd >= 0) {
			/* loads with the log on: fine, keep it */
			free(log);
		} else {
			int e = errno;
			if (tracing && !log[0] && (e == EPERM || e == ENOTSUPP || e == EOPNOTSUPP || e == EINVAL)) {
				/* refused before the verifier looked: the kernel does not take fentry/fexit here */
				free(log);
				free(spans);
				errbuf_set(err, -e, "cannot load '%s': this kernel refuses fentry/fexit programs (%s)", pi->name,
					   e == ENOTSUPP ? "not supported" : strerror(e));
				errbuf_hint(err, "trace it through a tracepoint or rawtracepoint (scorch list 'tracepoint:*'), "
						 "or kprobe:%s where the kernel has kprobes", pi->func);
				return -e;
			}
			if (e == EPERM || (e == EACCES && !log[0])) {
				free(log);
				free(spans);
				errbuf_set(err, -e, "cannot load the BPF program of '%s': %s", pi->name, strerror(e));
				errbuf_hint(err, "need root or CAP_BPF+CAP_PERFMON");
				return -e;
			}
			long at = verifier_last_insn(log);
			struct buf reason = BUF_INIT;
			verifier_reason(log, &reason);
			const char *ai = strstr(reason.data, "at insn ");
			if (ai)
				at = strtol(ai + 8, NULL, 10);
			struct span sp = at >= 0 && (size_t)at < n && spans[at].line ? spans[at] : pi->probe->span;
			diag_error(&t->diag, sp, "the BPF verifier rejected probe '%s': %s", pi->name, reason.data);
			if (t->o.verbose >= 2)
				buf_addf(&t->diag.out, "verifier log:\n%s\n", log);
			else
				buf_addstr(&t->diag.out, "hint: 'scorch -v -v trace ...' shows the verifier's log\n");
			buf_add(diag, t->diag.out.data, t->diag.out.len);
			buf_release(&reason);
			free(log);
			free(spans);
			return -EINVAL;
		}
	}
	free(spans);
	pi->prog_fd = fd;
	return 0;
}

/* ---- events ----------------------------------------------------------------------------------------------- */

static void flush_out(struct trace *t)
{
	if (t->outbuf.len) {
		fwrite(t->outbuf.data, 1, t->outbuf.len, t->fp);
		buf_reset(&t->outbuf);
	}
	fflush(t->fp);
}

static int print_map(struct trace *t, struct map_info *m, uint32_t top, uint32_t div)
{
	struct decoder d;
	struct output_map om;
	decoder_init(&d, &t->c, &t->sym, t->rt.ncpus_possible);
	int r = map_read(&t->c, m, &d, &om, t->errp);
	if (!r)
		r = output_map(&t->out, &om, top, div);
	decoder_release(&d);
	return r;
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct trace *t = ctx;
	uint32_t kind, id;
	if (size < EVENT_HDR)
		return 0;
	memcpy(&kind, data, 4);
	memcpy(&id, (char *)data + 4, 4);
	if (kind == EV_PID) {
		sym_state_snapshot(&t->sym, (int)id);
		return 0;
	}
	/* after exit(), only END's own events are printed (as bpftrace) */
	if (t->exiting && !t->ended)
		return 0;
	const uint8_t *payload = (const uint8_t *)data + EVENT_HDR;
	int r = 0;
	switch (kind) {
	case EV_EXIT:
		t->exiting = true;
		return 1; /* stop consuming: the rest is discarded */
	case EV_PRINTF:
	case EV_PRINT_VALUE: {
		if (id >= t->c.nfmts)
			return 0;
		const struct fmt_event *f = t->c.fmts[id];
		if (EVENT_HDR + f->args.size > size)
			return 0;
		struct decoder d;
		decoder_init(&d, &t->c, &t->sym, t->rt.ncpus_possible);
		struct output_value *vals = arena_alloc(&d.arena, (f->args.nelems ? f->args.nelems : 1) * sizeof(*vals));
		if (!vals) {
			decoder_release(&d);
			return -ENOMEM;
		}
		for (uint32_t i = 0; i < f->args.nelems && !r; i++)
			r = decode_value(&d, &f->args.elems[i], payload + f->args.offs[i], false, &vals[i]);
		if (!r) {
			if (kind == EV_PRINTF)
				r = output_printf(&t->out, f->fmt, vals, f->args.nelems);
			else
				r = output_value(&t->out, &vals[0]);
		}
		decoder_release(&d);
		break;
	}
	case EV_TIME: {
		if (id >= t->c.nfmts)
			return 0;
		time_t now = time(NULL);
		struct tm tm;
		localtime_r(&now, &tm);
		output_time(&t->out, t->c.fmts[id]->fmt, &tm);
		break;
	}
	case EV_JOIN: {
		/* u64 count, then 16 slots of 256 bytes (probes/builtins_actions.c); bpftrace stops at an empty one */
		enum { JOIN_SLOTS = 16, JOIN_SLOT = 256 };
		uint64_t count = 0;
		if (id >= t->c.nfmts || size < EVENT_HDR + 8 + JOIN_SLOTS * JOIN_SLOT)
			return 0;
		memcpy(&count, payload, 8);
		const char *parts[JOIN_SLOTS];
		char text[JOIN_SLOTS][JOIN_SLOT];
		size_t n = 0;
		for (; n < count && n < JOIN_SLOTS; n++) {
			memcpy(text[n], payload + 8 + n * JOIN_SLOT, JOIN_SLOT);
			text[n][JOIN_SLOT - 1] = 0;
			if (!text[n][0])
				break;
			parts[n] = text[n];
		}
		r = output_join(&t->out, parts, n, t->c.fmts[id]->fmt);
		break;
	}
	case EV_PRINT_MAP: {
		uint64_t top = 0, div = 0;
		if (size >= EVENT_HDR + 16) {
			memcpy(&top, payload, 8);
			memcpy(&div, payload + 8, 8);
		}
		if (id < t->c.nmaps)
			r = print_map(t, t->c.maps[id], (uint32_t)top, (uint32_t)div);
		break;
	}
	case EV_CLEAR:
		if (id < t->c.nmaps)
			map_clear(&t->c, t->c.maps[id], t->rt.ncpus_possible);
		break;
	case EV_ZERO:
		if (id < t->c.nmaps)
			map_zero(&t->c, t->c.maps[id], t->rt.ncpus_possible);
		break;
	default:
		break;
	}
	if (r < 0 && r != -EINVAL && !t->err)
		t->err = r;
	return 0;
}

/* ---- run ------------------------------------------------------------------------------------------------- */

static int run_special(struct trace *t, const char *which)
{
	for (uint32_t i = 0; i < t->c.ninsts; i++) {
		struct probe_inst *pi = t->c.insts[i];
		if (strcmp(pi->prov->name, which) != 0 || pi->prog_fd < 0)
			continue;
		uint64_t ctx[1] = { 0 };
		LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = ctx, .ctx_size_in = sizeof(ctx));
		int r = bpf_prog_test_run_opts(pi->prog_fd, &opts);
		if (r < 0)
			return -errno;
	}
	return 0;
}

static void dump_program(struct trace *t)
{
	struct buf b = BUF_INIT;
	if (t->o.dump & TRACE_DUMP_AST)
		program_dump(t->prog, &b);
	for (uint32_t i = 0; i < t->c.ninsts; i++) {
		if (t->o.dump & TRACE_DUMP_IR) {
			buf_addf(&b, "; %s\n", t->c.insts[i]->name);
			ir_dump(&t->irs[i], &b, bmap_name, &t->c);
		}
	}
	fwrite(b.data, 1, b.len, t->fp);
	buf_release(&b);
}

static void dump_bpf(struct trace *t)
{
	struct buf b = BUF_INIT;
	for (uint32_t i = 0; i < t->c.ninsts; i++) {
		const struct probe_inst *pi = t->c.insts[i];
		const struct bpf_insn *in = pi->insns;
		buf_addf(&b, "; %s: %zu instructions\n", pi->name, pi->ninsns);
		for (size_t k = 0; k < pi->ninsns; k++)
			buf_addf(&b, "%4zu: %02x %x %x %+5d %d\n", k, in[k].code, in[k].dst_reg, in[k].src_reg, in[k].off,
				 in[k].imm);
	}
	fwrite(b.data, 1, b.len, t->fp);
	buf_release(&b);
}

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* The BPF run time of every probe so far (bpf_prog_info; counted while statistics are on). */
static uint64_t probes_run_ns(const struct trace *t)
{
	uint64_t ns = 0;
	for (uint32_t i = 0; i < t->c.ninsts; i++) {
		struct bpf_prog_info info;
		uint32_t len = sizeof(info);
		memset(&info, 0, sizeof(info));
		if (t->c.insts[i]->prog_fd >= 0 && !bpf_obj_get_info_by_fd(t->c.insts[i]->prog_fd, &info, &len))
			ns += info.run_time_ns;
	}
	return ns;
}

/* Wait for events until exit(), a stop request, the deadline or the watched process's end. */
static int event_loop(struct trace *t, int watch_fd)
{
	int ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		return -errno;
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = 0 };
	epoll_ctl(ep, EPOLL_CTL_ADD, ring_buffer__epoll_fd(t->rb), &ev);
	if (watch_fd >= 0) {
		ev.data.u32 = 1;
		epoll_ctl(ep, EPOLL_CTL_ADD, watch_fd, &ev);
	}
	uint64_t deadline = t->o.duration > 0 ? now_ms() + (uint64_t)(t->o.duration * 1000.0) : 0;
	struct overhead_guard guard = { .budget_pct = t->stats_fd >= 0 ? t->o.max_overhead_pct : 0 };
	overhead_guard_check(&guard, now_ms() * 1000000, probes_run_ns(t)); /* the baseline */
	int r = 0;
	while (!t->stop && !t->exiting && !t->err) {
		int timeout = -1;
		if (deadline) {
			uint64_t now = now_ms();
			if (now >= deadline)
				break;
			timeout = (int)(deadline - now);
		}
		if (t->stats_fd >= 0 && (timeout < 0 || timeout > 250))
			timeout = 250; /* wake up for the guard */
		uint64_t now_ns = now_ms() * 1000000;
		if (overhead_guard_due(&guard, now_ns) && overhead_guard_check(&guard, now_ns, probes_run_ns(t))) {
			t->over_pct = guard.over_pct;
			break;
		}
		struct epoll_event evs[2];
		int n = epoll_wait(ep, evs, 2, timeout);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			break;
		}
		bool watched_done = false;
		for (int i = 0; i < n; i++)
			if (evs[i].data.u32 == 1)
				watched_done = true;
		ring_buffer__consume(t->rb);
		flush_out(t);
		if (watched_done)
			break;
	}
	close(ep);
	return r ? r : t->err;
}

static int pidfd_open_compat(pid_t pid)
{
#ifdef SYS_pidfd_open
	return (int)syscall(SYS_pidfd_open, pid, 0);
#else
	errno = ENOSYS;
	return -1;
#endif
}

/*
 * Detach every probe. Closing a tracepoint's perf event waits for RCU grace
 * periods under a kernel-wide mutex (~60 ms each here), so a wildcard over
 * 350 syscalls would hold the exit for 20 s. The probes are already stopped
 * (the ctl flag) and the results printed, so a detached child process does
 * the slow closing while this one exits at once; without fork(), we wait.
 */
static void detach_all(struct trace *t)
{
	size_t total = 0;
	for (uint32_t i = 0; i < t->c.ninsts; i++)
		total += t->c.insts[i]->nfds;
	if (!total)
		return;
	pid_t pid = fork();
	if (pid == 0) {
		/* the child holds no terminal and no pipe, and Ctrl-C no longer reaches it */
		setsid();
		for (int fd = 0; fd < 3; fd++)
			close(fd);
		for (uint32_t i = 0; i < t->c.ninsts; i++)
			for (size_t j = 0; j < t->c.insts[i]->nfds; j++)
				close(t->c.insts[i]->fds[j]);
		_exit(0);
	}
	/* our copies go fast once the child holds the last references (or slowly, if fork failed) */
	for (uint32_t i = 0; i < t->c.ninsts; i++)
		detach_inst(t->c.insts[i]);
}

static int finish(struct trace *t, struct errbuf *err)
{
	/* stop every probe at once (closing perf events takes a grace period each): the maps hold still */
	uint32_t zero = 0;
	uint64_t one = 1;
	bpf_map_update_elem(t->c.bmaps[BMAP_CTL].fd, &zero, &one, BPF_ANY);
	/* events from before the stop: printed, unless exit() was called (bpftrace drops them) */
	ring_buffer__consume(t->rb);
	t->ended = true;
	int r = run_special(t, "END");
	if (r < 0)
		return errbuf_set(err, r, "cannot run END: %s", strerror(-r));
	t->exiting = false;
	ring_buffer__consume(t->rb);
	uint64_t lost = maps_lost_events(&t->c, t->rt.ncpus_possible);
	if (lost)
		output_lost_events(&t->out, lost);
	struct decoder d;
	decoder_init(&d, &t->c, &t->sym, t->rt.ncpus_possible);
	struct output_map *maps = calloc(t->c.nmaps ? t->c.nmaps : 1, sizeof(*maps));
	if (!maps) {
		decoder_release(&d);
		return errbuf_set(err, -ENOMEM, "out of memory");
	}
	for (uint32_t i = 0; i < t->c.nmaps && !r; i++)
		r = map_read(&t->c, t->c.maps[i], &d, &maps[i], err);
	if (!r)
		r = output_maps_at_exit(&t->out, maps, t->c.nmaps);
	free(maps);
	decoder_release(&d);
	flush_out(t);
	detach_all(t);
	return r;
}

int trace_run(struct trace *t, struct buf *diag, struct errbuf *err)
{
	int r;
	t->errp = err;
	if (t->o.dump & (TRACE_DUMP_AST | TRACE_DUMP_IR)) {
		dump_program(t);
		if (!(t->o.dump & TRACE_DUMP_BPF))
			return 0;
	}
	if ((r = runtime_cpus(&t->rt, err)) < 0)
		return r;
	/* the scratch map's size is known once every program is generated */
	if ((r = maps_create(&t->c, err)) < 0)
		return r;
	for (uint32_t i = 0; i < t->c.ninsts; i++)
		if ((r = load_inst(t, t->c.insts[i], &t->irs[i], diag, err)) < 0)
			return r;
	if (t->o.dump & TRACE_DUMP_BPF) {
		dump_bpf(t);
		return 0;
	}
	t->rb = ring_buffer__new(t->c.bmaps[BMAP_EVENTS].fd, on_event, t, NULL);
	if (!t->rb)
		return errbuf_set(err, -errno, "cannot open the event ring buffer: %s", strerror(errno));
	output_attached_probes(&t->out, t->c.ninsts);
	flush_out(t);
	t->rt.c = &t->c;
	/* as bpftrace: BEGIN runs first, so its maps are set before any other probe fires */
	if ((r = run_special(t, "BEGIN")) < 0)
		return errbuf_set(err, r, "cannot run BEGIN: %s", strerror(-r));
	ring_buffer__consume(t->rb);
	flush_out(t);
	if (t->exiting) /* BEGIN called exit(): nothing else needs attaching */
		return finish(t, err);
	if (t->o.max_overhead_pct > 0) {
		/* statistics on before the probes fire; refused (no CAP_SYS_ADMIN): no guard */
		t->stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	}
	for (uint32_t i = 0; i < t->c.ninsts; i++) {
		struct probe_inst *pi = t->c.insts[i];
		if (!pi->prov->attach)
			continue;
		if ((r = pi->prov->attach(&t->rt, pi, err)) < 0)
			return r;
	}
	start_child(t);
	int watch = -1;
	if (t->child > 0)
		watch = pidfd_open_compat(t->child);
	else if (t->o.pid > 0)
		watch = pidfd_open_compat(t->o.pid);
	r = event_loop(t, watch);
	if (watch >= 0)
		close(watch);
	if (t->child > 0) {
		if (!t->exiting && !t->stop) {
			waitpid(t->child, &t->child_status, 0);
			t->child_reaped = true;
		}
	}
	if (r < 0) {
		errbuf_set(err, r, "tracing failed: %s", strerror(-r));
		return r;
	}
	return finish(t, err);
}

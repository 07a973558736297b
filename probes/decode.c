// SPDX-License-Identifier: Apache-2.0
/* Decode map and event bytes into the output model: ints, strings, tuples, symbols and symbolized stacks. */
#include "probes/decode.h"

#include <arpa/inet.h>
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <bpf/bpf.h>
#include <linux/bpf.h>

#include "probes/check.h"
#include "symbolize/symbolize.h"

void sym_state_release(struct sym_state *s)
{
	symbolizer_free(s->sym);
	free(s->pids);
	memset(s, 0, sizeof(*s));
}

void decoder_init(struct decoder *d, struct checker *c, struct sym_state *sym, int ncpus)
{
	d->c = c;
	d->sym = sym;
	d->ncpus = ncpus;
	arena_init(&d->arena);
}

void decoder_release(struct decoder *d)
{
	arena_release(&d->arena);
}

static struct symbolizer *get_sym(struct decoder *d)
{
	if (!d->sym->sym)
		d->sym->sym = symbolizer_new(NULL);
	return d->sym->sym;
}

void sym_state_snapshot(struct sym_state *s, int pid)
{
	for (size_t i = 0; i < s->npids; i++)
		if (s->pids[i] == pid)
			return;
	if (!s->sym)
		s->sym = symbolizer_new(NULL);
	struct symbolizer *sy = s->sym;
	if (!sy)
		return;
	if (s->npids == s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 16;
		int *np = realloc(s->pids, ncap * sizeof(*np));
		if (!np)
			return;
		s->pids = np;
		s->cap = ncap;
	}
	s->pids[s->npids++] = pid;
	symbolizer_proc_snapshot(sy, pid, NULL);
}

/* Make sure the maps of `pid` are known (snapshotted once, while it lives). */
static void want_pid(struct decoder *d, int pid)
{
	sym_state_snapshot(d->sym, pid);
}

/* Symbol containing addr in pid (SYM_PID_KERNEL for the kernel), or NULL; *off its offset. */
static const char *lookup(struct decoder *d, int pid, uint64_t addr, uint64_t *off, const char **module)
{
	struct symbolizer *sy = get_sym(d);
	struct sym_chain ch;
	*off = 0;
	if (module)
		*module = NULL;
	if (!sy)
		return NULL;
	if (pid != SYM_PID_KERNEL)
		want_pid(d, pid);
	if (symbolizer_resolve(sy, pid, addr, SYM_NO_INLINES, &ch) < 0)
		return NULL;
	if (module && ch.module && strcmp(ch.module, "[unknown]") != 0)
		*module = ch.module;
	if (ch.reason != SYM_OK || !ch.symbol || !*ch.symbol)
		return NULL;
	*off = ch.symbol_offset;
	return ch.symbol;
}

static int find_stack_map(struct checker *c, uint32_t limit, bool user)
{
	for (uint32_t i = 0; i < c->nbmaps; i++)
		if (c->bmaps[i].type == BPF_MAP_TYPE_STACK_TRACE && c->bmaps[i].stack_limit == limit &&
		    c->bmaps[i].user_stack == user)
			return c->bmaps[i].fd;
	return -1;
}

int decode_stack_addrs(struct checker *c, const struct type *t, const uint8_t *p, uint64_t *addrs, size_t cap,
		       int *pid)
{
	bool user = t->kind == TY_USTACK;
	int64_t id;
	uint64_t upid = 0;
	memcpy(&id, p, 8);
	if (user)
		memcpy(&upid, p + 8, 8);
	*pid = user ? (int)upid : -1;
	int fd = find_stack_map(c, t->stack_limit, user);
	if (id < 0)
		return id >= -4095 ? (int)id : -ENOENT; /* bpf_get_stackid()'s error */
	if (fd < 0 || cap < t->stack_limit)
		return -ENOENT;
	uint32_t key = (uint32_t)id;
	if (bpf_map_lookup_elem(fd, &key, addrs) != 0)
		return -ENOENT;
	size_t n = 0;
	while (n < t->stack_limit && addrs[n])
		n++;
	return (int)n;
}

static int decode_stack(struct decoder *d, const struct type *t, const uint8_t *p, struct output_value *out)
{
	bool user = t->kind == TY_USTACK;
	int64_t id;
	uint64_t pid = 0;
	memcpy(&id, p, 8);
	if (user)
		memcpy(&pid, p + 8, 8);
	out->kind = OUTPUT_STACK;
	out->stack.is_user = user;
	out->stack.mode = t->stack_mode == STACK_PERF ? OUTPUT_STACK_PERF : OUTPUT_STACK_BPFTRACE;
	out->stack.frames = NULL;
	out->stack.nframes = 0;
	out->stack.missing = false;
	int fd = find_stack_map(d->c, t->stack_limit, user);
	uint64_t *addrs = arena_alloc(&d->arena, (size_t)t->stack_limit * 8);
	if (!addrs)
		return -ENOMEM;
	uint32_t key = (uint32_t)id;
	if (id < 0 || fd < 0 || bpf_map_lookup_elem(fd, &key, addrs) != 0) {
		out->stack.missing = true;
		return 0;
	}
	size_t n = 0;
	while (n < t->stack_limit && addrs[n])
		n++;
	struct output_frame *frames = arena_alloc(&d->arena, (n ? n : 1) * sizeof(*frames));
	if (!frames)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		frames[i].addr = addrs[i];
		frames[i].name = lookup(d, user ? (int)pid : SYM_PID_KERNEL, addrs[i], &frames[i].offset,
					&frames[i].module);
	}
	out->stack.frames = frames;
	out->stack.nframes = n;
	return 0;
}

static int decode_string(struct decoder *d, const char *s, struct output_value *out)
{
	char *copy = arena_strndup(&d->arena, s, strlen(s));
	if (!copy)
		return -ENOMEM;
	out->kind = OUTPUT_STRING;
	out->str.s = copy;
	out->str.len = strlen(copy);
	return 0;
}

int decode_value(struct decoder *d, const struct type *t, const uint8_t *p, bool as_key, struct output_value *out)
{
	memset(out, 0, sizeof(*out));
	uint64_t u;
	switch (t->kind) {
	case TY_INT: {
		memcpy(&u, p, 8);
		out->kind = OUTPUT_INT;
		out->i = (int64_t)u;
		out->bytes = as_key ? 8 : (uint8_t)(t->size ? t->size : 8);
		out->is_signed = t->is_signed;
		return 0;
	}
	case TY_PTR:
		memcpy(&u, p, 8);
		out->kind = OUTPUT_POINTER;
		out->i = (int64_t)u;
		out->bytes = 8;
		return 0;
	case TY_STR:
		out->kind = OUTPUT_STRING;
		out->str.s = (const char *)p;
		out->str.len = t->size;
		return 0;
	case TY_KSYM: {
		uint64_t off;
		memcpy(&u, p, 8);
		out->kind = OUTPUT_SYM;
		out->sym.addr = u;
		out->sym.name = lookup(d, SYM_PID_KERNEL, u, &off, NULL);
		return 0;
	}
	case TY_USYM: {
		uint64_t off, pid;
		memcpy(&u, p, 8);
		memcpy(&pid, p + 8, 8);
		out->kind = OUTPUT_SYM;
		out->sym.addr = u;
		out->sym.name = lookup(d, (int)pid, u, &off, NULL);
		return 0;
	}
	case TY_KSTACK:
	case TY_USTACK:
		return decode_stack(d, t, p, out);
	case TY_INET: {
		uint64_t af;
		char text[INET6_ADDRSTRLEN];
		memcpy(&af, p, 8);
		if (!inet_ntop(af == AF_INET6 ? AF_INET6 : AF_INET, p + 8, text, sizeof(text)))
			snprintf(text, sizeof(text), "?");
		return decode_string(d, text, out);
	}
	case TY_PROBE: {
		memcpy(&u, p, 8);
		const char *name = u < d->c->ninsts ? d->c->insts[u]->name : "";
		return decode_string(d, name, out);
	}
	case TY_USERNAME: {
		memcpy(&u, p, 8);
		struct passwd pw, *res = NULL;
		char buf[1024], text[32];
		if (getpwuid_r((uid_t)u, &pw, buf, sizeof(buf), &res) == 0 && res)
			return decode_string(d, res->pw_name, out);
		snprintf(text, sizeof(text), "%llu", (unsigned long long)u);
		return decode_string(d, text, out);
	}
	case TY_TUPLE: {
		struct output_value *elems = arena_alloc(&d->arena, (t->nelems ? t->nelems : 1) * sizeof(*elems));
		if (!elems)
			return -ENOMEM;
		for (uint32_t i = 0; i < t->nelems; i++) {
			int r = decode_value(d, &t->elems[i], p + t->offs[i], false, &elems[i]);
			if (r)
				return r;
		}
		out->kind = OUTPUT_TUPLE;
		out->tuple.elems = elems;
		out->tuple.n = t->nelems;
		return 0;
	}
	default:
		out->kind = OUTPUT_INT;
		out->bytes = 8;
		return 0;
	}
}

// SPDX-License-Identifier: Apache-2.0
/* scorch list: tracepoints, raw tracepoints, kernel functions (kfunc), software/hardware events and a binary's uprobe functions. */
#include "probes/probes.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>

#include "lib/buf.h"
#include "lib/err.h"
#include "probes/check.h"
#include "probes/runtime.h"
#include "probes/tracepoint.h"

struct lister {
	const char *pattern;
	const char *prefix;
	FILE *out;
	struct buf line;
	size_t shown;
};

static int show(struct lister *l, const char *a, const char *b)
{
	buf_reset(&l->line);
	buf_addstr(&l->line, l->prefix);
	if (a)
		buf_addf(&l->line, ":%s", a);
	if (b)
		buf_addf(&l->line, ":%s", b);
	if (fnmatch(l->pattern, l->line.data, 0) == 0) {
		fprintf(l->out, "%s\n", l->line.data);
		l->shown++;
	}
	return 0;
}

static int on_tp(const char *cat, const char *name, void *arg)
{
	return show(arg, cat, name);
}

static int on_rawtp(const char *cat, const char *name, void *arg)
{
	return show(arg, name, NULL);
}

static int on_sym(const char *name, uint64_t off, uint64_t size, void *arg)
{
	struct lister *l = arg;
	buf_reset(&l->line);
	buf_addf(&l->line, "%s:%s", l->prefix, name);
	if (fnmatch(l->pattern, l->line.data, 0) == 0) {
		fprintf(l->out, "%s\n", l->line.data);
		l->shown++;
	}
	return 0;
}

/* Expand a leading alias ("t:" → "tracepoint:"). Returns a malloc()ed pattern. */
static char *normalize(const char *pattern)
{
	const char *colon = strchr(pattern, ':');
	if (colon) {
		char prov[32];
		size_t n = (size_t)(colon - pattern);
		if (n < sizeof(prov)) {
			memcpy(prov, pattern, n);
			prov[n] = 0;
			const struct provider *p = provider_find(prov);
			if (p) {
				struct buf b = BUF_INIT;
				buf_addf(&b, "%s%s", p->name, colon);
				return buf_detach(&b, NULL);
			}
		}
		/* "sched:*" names no provider: match it against TARGET:NAME of every provider */
		if (pattern[0] != '*') {
			struct buf b = BUF_INIT;
			buf_addf(&b, "*:%s", pattern);
			return buf_detach(&b, NULL);
		}
	}
	return strdup(pattern);
}

int probes_list(const char *pattern, FILE *out, struct errbuf *err)
{
	char *pat = normalize(pattern ? pattern : "*");
	if (!pat)
		return errbuf_set(err, -ENOMEM, "out of memory");
	struct lister l = { .pattern = pat, .out = out, .line = BUF_INIT };
	int r = 0;
	if (strncmp(pat, "uprobe:", 7) == 0 || strncmp(pat, "uretprobe:", 10) == 0) {
		/* uprobe:/path:glob — the path must be literal */
		const char *path = strchr(pat, ':') + 1;
		const char *end = strchr(path, ':');
		char *p = strndup(path, end ? (size_t)(end - path) : strlen(path));
		char *resolved = p ? uprobe_resolve_path(p, 0, err) : NULL;
		if (!resolved) {
			r = p ? (err ? err->code : -ENOENT) : errbuf_set(err, -ENOMEM, "out of memory");
			free(p);
			goto out;
		}
		struct buf prefix = BUF_INIT;
		buf_addf(&prefix, "%.*s:%s", (int)(strchr(pat, ':') - pat), pat, resolved);
		l.prefix = prefix.data;
		/* match the resolved path too: "uprobe:bash:*" lists uprobe:/usr/bin/bash:... */
		char *rest = end ? strdup(end + 1) : strdup("*");
		struct buf np = BUF_INIT;
		buf_addf(&np, "%s:%s", prefix.data, rest ? rest : "*");
		l.pattern = np.data;
		r = elfsym_each(resolved, on_sym, &l, err);
		free(rest);
		free(resolved);
		free(p);
		buf_release(&prefix);
		if (r >= 0)
			r = 0;
		l.pattern = pat;
		buf_release(&np);
		goto out;
	}
	bool want_tp = fnmatch(pat, "tracepoint:a:b", 0) == 0 || strncmp(pat, "tracepoint:", 11) == 0 || pat[0] == '*';
	if (want_tp) {
		l.prefix = "tracepoint";
		r = tp_list("*", "*", on_tp, &l, err);
		if (r < 0)
			goto out;
	}
	if (strncmp(pat, "kfunc:", 6) == 0 || strncmp(pat, "kretfunc:", 9) == 0) {
		/* the kernel's functions from its BTF, as bpftrace -l lists them */
		struct btf *btf = btf__load_vmlinux_btf();
		if (!btf) {
			r = errbuf_set(err, -errno, "cannot load the kernel's BTF (/sys/kernel/btf/vmlinux): %s", strerror(errno));
			goto out;
		}
		l.prefix = pat[1] == 'f' ? "kfunc" : "kretfunc";
		for (uint32_t id = 1, n = btf__type_cnt(btf); id < n; id++) {
			const struct btf_type *t = btf__type_by_id(btf, id);
			if (t && btf_is_func(t))
				show(&l, btf__name_by_offset(btf, t->name_off), NULL);
		}
		btf__free(btf);
		goto out;
	}
	if (strncmp(pat, "rawtracepoint:", 14) == 0) {
		l.prefix = "rawtracepoint";
		r = tp_list("*", "*", on_rawtp, &l, err);
		if (r < 0)
			goto out;
	}
	const char *names[32];
	for (int hw = 0; hw < 2; hw++) {
		size_t n = provider_perf_events(hw, names, 32);
		l.prefix = hw ? "hardware" : "software";
		for (size_t i = 0; i < n && i < 32; i++)
			show(&l, names[i], "");
	}
	r = (int)(l.shown < INT32_MAX ? l.shown : INT32_MAX);
out:
	if (r == 0 && l.shown)
		r = (int)(l.shown < INT32_MAX ? l.shown : INT32_MAX);
	buf_release(&l.line);
	free(pat);
	return r;
}

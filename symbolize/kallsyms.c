// SPDX-License-Identifier: Apache-2.0
/* Kernel symbols from kallsyms: one read, a hand-written parser (no scanf), perf's alias choice, bounded ends, binary search. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <elf.h>

#include "lib/buf.h"
#include "lib/file.h"
#include "symbolize/internal.h"

/* No kernel function is this long: a bigger gap to the next symbol is a hole, not the symbol's tail. */
#define KSYM_MAX_SIZE (1ULL << 20)

struct kallsyms {
	struct buf text;      /* the file; names point into it (NUL-terminated in place) */
	struct symtab tab;
	const char **module;  /* per symbol of `tab`: "[kernel.kallsyms]", "[ext4]", "[bpf]" */
	const char **modnames;/* distinct module names, owned */
	size_t nmod, modcap;
};

static const char *intern_module(struct kallsyms *k, const char *name, size_t len)
{
	for (size_t i = 0; i < k->nmod; i++)
		if (strlen(k->modnames[i]) == len + 2 && memcmp(k->modnames[i] + 1, name, len) == 0)
			return k->modnames[i];
	if (k->nmod == k->modcap) {
		size_t cap = k->modcap ? k->modcap * 2 : 16;
		const char **v = realloc(k->modnames, cap * sizeof(*v));
		if (!v)
			return NULL;
		k->modnames = v;
		k->modcap = cap;
	}
	char *s = malloc(len + 3);
	if (!s)
		return NULL;
	s[0] = '[';
	memcpy(s + 1, name, len);
	s[len + 1] = ']';
	s[len + 2] = 0;
	k->modnames[k->nmod++] = s;
	return s;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

struct kentry {
	struct sym_symbol sym;
	const char *module;
	int bind;
	uint32_t order;
};

static int cmp_kentry(const void *pa, const void *pb)
{
	const struct kentry *a = pa, *b = pb;
	if (a->sym.start != b->sym.start)
		return a->sym.start < b->sym.start ? -1 : 1;
	return a->order < b->order ? -1 : a->order > b->order;
}

static int parse(struct kallsyms *k, const char *core)
{
	char *p = k->text.data, *end = p + k->text.len;
	struct kentry *v = NULL;
	size_t n = 0, cap = 0;
	bool any_nonzero = false;
	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		char *line_end = nl ? nl : end;
		char *q = p;
		uint64_t addr = 0;
		int d, digits = 0;
		while (q < line_end && (d = hexval(*q)) >= 0 && digits < 16) {
			addr = addr << 4 | (uint64_t)d;
			q++;
			digits++;
		}
		/* "ADDR TYPE NAME[\t[MODULE]]" */
		if (digits == 0 || q + 3 > line_end || q[0] != ' ' || q[2] != ' ')
			goto next;
		char type = q[1];
		char *name = q + 3;
		char *tab = memchr(name, '\t', (size_t)(line_end - name));
		char *name_end = tab ? tab : line_end;
		if (name_end == name)
			goto next;
		int t = toupper((unsigned char)type);
		/* Text symbols only, plus data/rodata ones as ends of the text before them. */
		if (t != 'T' && t != 'W' && t != 'D' && t != 'B' && t != 'R')
			goto next;
		const char *module = core;
		if (tab && tab + 2 < line_end && tab[1] == '[') {
			char *close = memchr(tab + 2, ']', (size_t)(line_end - tab - 2));
			if (close && !(module = intern_module(k, tab + 2, (size_t)(close - tab - 2)))) {
				free(v);
				return -ENOMEM;
			}
		}
		*name_end = 0;
		if (addr)
			any_nonzero = true;
		if (n == cap) {
			cap = cap ? cap * 2 : 65536;
			struct kentry *nv = realloc(v, cap * sizeof(*nv));
			if (!nv) {
				free(v);
				return -ENOMEM;
			}
			v = nv;
		}
		v[n] = (struct kentry){
			.sym = { .start = addr, .end = addr, .name = name },
			.module = module,
			.bind = t == 'W' ? STB_WEAK : (type == t ? STB_GLOBAL : STB_LOCAL),
			.order = (uint32_t)n,
		};
		/* Data symbols end text but are never answers. */
		if (t != 'T' && t != 'W')
			v[n].sym.name = NULL;
		n++;
next:
		p = line_end + 1;
	}
	if (!any_nonzero) {
		free(v);
		return -ENODATA;
	}
	/* Usually sorted already; qsort with the position as tie-break keeps it stable. */
	bool sorted = true;
	for (size_t i = 1; i < n && sorted; i++)
		sorted = v[i - 1].sym.start <= v[i].sym.start;
	if (!sorted)
		qsort(v, n, sizeof(*v), cmp_kentry);
	/* Pick one symbol per address (perf's rule), drop data-only addresses, then set ends. */
	size_t out = 0;
	for (size_t i = 0; i < n;) {
		size_t best = SIZE_MAX, j = i;
		for (; j < n && v[j].sym.start == v[i].sym.start; j++) {
			if (!v[j].sym.name)
				continue;
			if (best == SIZE_MAX || symbol_better(0, v[best].bind, v[best].sym.name, 0, v[j].bind, v[j].sym.name))
				best = j;
		}
		v[out] = best == SIZE_MAX ? v[i] : v[best];
		v[out].sym.name = best == SIZE_MAX ? NULL : v[best].sym.name;
		out++;
		i = j;
	}
	n = out;
	k->module = malloc((n ? n : 1) * sizeof(*k->module));
	struct sym_symbol *syms = malloc((n ? n : 1) * sizeof(*syms));
	if (!k->module || !syms) {
		free(syms);
		free(v);
		return -ENOMEM;
	}
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		if (!v[i].sym.name)
			continue;
		uint64_t start = v[i].sym.start, e;
		/*
		 * A symbol ends where the next one (text or data) starts, within its own
		 * region (core kernel, one module, BPF). At a region's last symbol, or
		 * before a hole, it gets the rest of its page plus one (as perf does), so
		 * addresses past the end of a region are not blamed on its last symbol.
		 */
		if (i + 1 < n && v[i + 1].module == v[i].module && v[i + 1].sym.start - start <= KSYM_MAX_SIZE)
			e = v[i + 1].sym.start;
		else
			e = ((start + 4096) & ~4095ULL) + 4096;
		if (i + 1 < n && e > v[i + 1].sym.start)
			e = v[i + 1].sym.start > start ? v[i + 1].sym.start : start + 1;
		syms[m] = (struct sym_symbol){ .start = start, .end = e, .name = v[i].sym.name };
		k->module[m] = v[i].module;
		m++;
	}
	free(v);
	k->tab.syms = syms;
	k->tab.n = m;
	return 0;
}

struct kallsyms *kallsyms_load(const char *path)
{
	struct kallsyms *k = calloc(1, sizeof(*k));
	if (!k)
		return NULL;
	buf_init(&k->text);
	const char *core = NULL;
	int rc = file_read_all(path ? path : "/proc/kallsyms", &k->text, NULL);
	if (rc == 0 && !(core = intern_module(k, "kernel.kallsyms", 15)))
		rc = -ENOMEM;
	if (rc == 0)
		rc = parse(k, core);
	if (rc < 0) {
		kallsyms_free(k);
		errno = -rc;
		return NULL;
	}
	return k;
}

void kallsyms_free(struct kallsyms *k)
{
	if (!k)
		return;
	buf_release(&k->text);
	symtab_release(&k->tab);
	free(k->module);
	for (size_t i = 0; i < k->nmod; i++)
		free((char *)k->modnames[i]);
	free(k->modnames);
	free(k);
}

const struct sym_symbol *kallsyms_find(const struct kallsyms *k, uint64_t addr, const char **module)
{
	const struct sym_symbol *s = symtab_find(&k->tab, addr);
	if (s && module)
		*module = k->module[s - k->tab.syms];
	return s;
}

size_t kallsyms_bytes(const struct kallsyms *k)
{
	return k ? k->text.cap + k->tab.n * (sizeof(struct sym_symbol) + sizeof(char *)) : 0;
}

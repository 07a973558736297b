// SPDX-License-Identifier: Apache-2.0
/* Sorted function-symbol tables: perf's choice among aliases, ends of unsized symbols, lookup by address. */
#include <stdlib.h>
#include <string.h>

#include <elf.h>

#include "symbolize/internal.h"

static int leading_underscores(const char *s)
{
	int n = 0;
	while (s[n] == '_')
		n++;
	return n;
}

bool symbol_better(uint64_t a_size, int a_bind, const char *a_name, uint64_t b_size, int b_bind,
		   const char *b_name)
{
	/* Same order of tests as perf's choose_best_symbol(), so names match `perf report`. */
	if (a_size == 0 && b_size > 0)
		return true;
	if (a_size > 0 && b_size == 0)
		return false;
	bool aw = a_bind == STB_WEAK, bw = b_bind == STB_WEAK;
	if (aw != bw)
		return aw;
	bool ag = a_bind == STB_GLOBAL, bg = b_bind == STB_GLOBAL;
	if (ag != bg)
		return bg;
	int au = leading_underscores(a_name), bu = leading_underscores(b_name);
	if (au != bu)
		return bu < au;
	size_t al = strlen(a_name), bl = strlen(b_name);
	return bl > al;
}

struct ranked {
	struct sym_symbol sym;
	int bind;
	size_t order;
};

static int cmp_ranked(const void *pa, const void *pb)
{
	const struct ranked *a = pa, *b = pb;
	if (a->sym.start != b->sym.start)
		return a->sym.start < b->sym.start ? -1 : 1;
	return a->order < b->order ? -1 : a->order > b->order;
}

void symtab_finish(struct symtab *t, struct sym_symbol *syms, size_t n, const int *binds)
{
	t->syms = NULL;
	t->n = 0;
	if (!n) {
		free(syms);
		return;
	}
	struct ranked *r = malloc(n * sizeof(*r));
	if (!r) {
		free(syms);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		r[i].sym = syms[i];
		r[i].bind = binds ? binds[i] : STB_GLOBAL;
		r[i].order = i;
	}
	qsort(r, n, sizeof(*r), cmp_ranked);
	/*
	 * perf (dso__load_sym) first gives unsized symbols the space up to the next
	 * symbol (symbols__fixup_end), then picks one per address
	 * (symbols__fixup_duplicate): so of several unsized aliases only the last
	 * in file order has a size, and that one wins over its unsized peers.
	 */
	for (size_t i = 0; i < n; i++)
		if (r[i].sym.end == r[i].sym.start)
			r[i].sym.end = i + 1 < n ? r[i + 1].sym.start : ((r[i].sym.start + 4095) & ~4095ULL) + 4096;
	size_t out = 0;
	for (size_t i = 0; i < n;) {
		size_t best = i, j = i + 1;
		for (; j < n && r[j].sym.start == r[i].sym.start; j++) {
			const struct ranked *a = &r[best], *b = &r[j];
			if (symbol_better(a->sym.end - a->sym.start, a->bind, a->sym.name, b->sym.end - b->sym.start,
					  b->bind, b->sym.name))
				best = j;
		}
		syms[out++] = r[best].sym;
		i = j;
	}
	free(r);
	t->syms = syms;
	t->n = out;
}

const struct sym_symbol *symtab_find(const struct symtab *t, uint64_t addr)
{
	size_t lo = 0, hi = t->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (t->syms[mid].start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* lo = first symbol starting after addr. A symbol may nest in a bigger one, so look back a little. */
	for (size_t k = 0; k < 4 && lo > 0; k++, lo--) {
		const struct sym_symbol *s = &t->syms[lo - 1];
		if (addr < s->end || (addr == s->start))
			return s;
	}
	return NULL;
}

void symtab_release(struct symtab *t)
{
	free(t->syms);
	t->syms = NULL;
	t->n = 0;
}

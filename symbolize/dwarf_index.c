// SPDX-License-Identifier: Apache-2.0
/*
 * A per-module DWARF index answered by binary search: a table of CU address
 * ranges, and per CU (built on its first lookup) the function tree flattened
 * into disjoint address segments, each naming its innermost subprogram or
 * inlined subroutine, plus the CU's line table, read only when a lookup wants
 * file:line (naming frames needs just the functions). DIEs are walked once per
 * CU, never per address.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <dwarf.h>
#include <elfutils/libdw.h>

#include "symbolize/internal.h"

#define NONE UINT32_MAX

struct dw_node {
	Dwarf_Off die_off;     /* for the name, computed on first use */
	const char *name;      /* valid once `named` */
	uint32_t call_file;    /* where an inlined subroutine was called from: a file index of the CU */
	uint32_t call_line, call_col;
	uint32_t parent;       /* enclosing inlined/subprogram node; NONE for a subprogram */
	bool named;
};

struct dw_line {
	uint64_t addr;
	const char *file;
	uint32_t line, col, discr;
	uint32_t end_seq;
};

struct file_alias {
	const char *from, *to;
};

struct dw_cu {
	Dwarf_Off die_off;     /* the unit's DIE: the skeleton's for a split unit (ranges, line table) */
	Dwarf *dies_dw;        /* where its function DIEs are: the module's, or a split unit's .dwo */
	Dwarf_Off dies_off;    /* ... and its unit DIE there */
	bool built;            /* the function segments */
	bool lines_built;      /* the files and the line table */
	Dwarf_Files *files;
	size_t nfiles;
	struct file_alias *alias; /* libdw's relative names -> joined with DW_AT_comp_dir, sorted by `from` */
	size_t nalias;
	uint64_t *seg_lo;      /* segment i covers [seg_lo[i], seg_lo[i+1]) */
	uint32_t *seg_node;    /* its innermost node, or NONE */
	size_t nseg;
	struct dw_node *nodes;
	size_t nnodes;
	struct dw_line *lines;
	size_t nlines;
};

struct cu_range {
	uint64_t lo, hi;
	uint32_t cu;
};

struct dwarf_index {
	Dwarf *dw;
	struct arena names;    /* file names made absolute with the CU's directory */
	struct dw_cu *cus;
	size_t ncus;
	struct cu_range *ranges;
	uint64_t *maxhi;       /* max hi of ranges[0..i], to stop looking back early */
	size_t nranges, range_cap;
	size_t bytes;
	uint64_t build_ns;     /* CPU time spent building CU indexes */
};

/* ---- growable arrays ---- */

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return 0;
	size_t n = *cap ? *cap : 16;
	while (n < need)
		n *= 2;
	void *q = realloc(*p, n * elem);
	if (!q)
		return -ENOMEM;
	*p = q;
	*cap = n;
	return 0;
}

/* ---- building one CU ---- */

struct interval {
	uint64_t lo, hi;
	uint32_t node, depth;
};

static int cmp_interval(const void *pa, const void *pb)
{
	const struct interval *a = pa, *b = pb;
	if (a->lo != b->lo)
		return a->lo < b->lo ? -1 : 1;
	if (a->hi != b->hi)
		return a->hi > b->hi ? -1 : 1;
	return a->depth < b->depth ? -1 : a->depth > b->depth;
}

struct builder {
	struct interval *iv;
	size_t niv, iv_cap;
	size_t node_cap, seg_cap;
};

static int cmp_alias(const void *pa, const void *pb)
{
	const struct file_alias *a = pa, *b = pb;
	return a->from < b->from ? -1 : a->from > b->from;
}

/* A relative file name gets the compilation directory in front, as llvm-symbolizer prints it. */
static const char *absolute(const struct dw_cu *b, const char *name)
{
	if (!name || strcmp(name, "???") == 0)
		return NULL;
	if (name[0] == '/' || !b->nalias)
		return name;
	size_t lo = 0, hi = b->nalias;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (b->alias[mid].from < name)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < b->nalias && b->alias[lo].from == name ? b->alias[lo].to : name;
}

static void make_aliases(struct dwarf_index *x, struct dw_cu *b, Dwarf_Die *cudie)
{
	Dwarf_Attribute a;
	const char *dir = dwarf_attr(cudie, DW_AT_comp_dir, &a) ? dwarf_formstring(&a) : NULL;
	if (!dir || !*dir || !b->files || !(b->alias = malloc(b->nfiles * sizeof(*b->alias))))
		return;
	size_t dlen = strlen(dir);
	for (size_t i = 0; i < b->nfiles; i++) {
		const char *name = dwarf_filesrc(b->files, i, NULL, NULL);
		if (!name || name[0] == '/' || strcmp(name, "???") == 0)
			continue;
		size_t nlen = strlen(name);
		char *joined = arena_alloc(&x->names, dlen + nlen + 2);
		if (!joined)
			break;
		memcpy(joined, dir, dlen);
		joined[dlen] = '/';
		memcpy(joined + dlen + 1, name, nlen + 1);
		b->alias[b->nalias++] = (struct file_alias){ name, joined };
	}
	qsort(b->alias, b->nalias, sizeof(*b->alias), cmp_alias);
}

static const char *file_name(const struct dw_cu *b, Dwarf_Word idx)
{
	if (!b->files || idx >= b->nfiles)
		return NULL;
	return absolute(b, dwarf_filesrc(b->files, idx, NULL, NULL));
}

static uint32_t attr_u32(Dwarf_Die *die, unsigned name)
{
	Dwarf_Attribute a;
	Dwarf_Word v;
	if (!dwarf_attr(die, name, &a) || dwarf_formudata(&a, &v) != 0)
		return 0;
	return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

static int add_node(struct dw_cu *cu, struct builder *b, Dwarf_Die *die, uint32_t parent, uint32_t depth,
		    bool inlined, uint32_t *out)
{
	size_t before = b->niv;
	ptrdiff_t off = 0;
	Dwarf_Addr base, lo, hi;
	while ((off = dwarf_ranges(die, off, &base, &lo, &hi)) > 0) {
		/* Discarded code keeps address 0 (or -1 with lld): never real text. */
		if (lo >= hi || lo == 0 || hi == UINT64_MAX)
			continue;
		if (grow((void **)&b->iv, &b->iv_cap, b->niv + 1, sizeof(*b->iv)) < 0)
			return -ENOMEM;
		b->iv[b->niv++] = (struct interval){ .lo = lo, .hi = hi, .node = (uint32_t)cu->nnodes, .depth = depth };
	}
	if (b->niv == before) {
		*out = NONE;
		return 0;
	}
	if (grow((void **)&cu->nodes, &b->node_cap, cu->nnodes + 1, sizeof(*cu->nodes)) < 0)
		return -ENOMEM;
	struct dw_node *n = &cu->nodes[cu->nnodes];
	*n = (struct dw_node){ .die_off = dwarf_dieoffset(die), .parent = inlined ? parent : NONE };
	if (inlined) {
		n->call_file = attr_u32(die, DW_AT_call_file);
		n->call_line = attr_u32(die, DW_AT_call_line);
		n->call_col = attr_u32(die, DW_AT_call_column);
	}
	*out = (uint32_t)cu->nnodes++;
	return 0;
}

/* Tags whose children never hold code: skipping them saves most of the walk. */
static bool no_code_inside(int tag)
{
	switch (tag) {
	case DW_TAG_formal_parameter:
	case DW_TAG_variable:
	case DW_TAG_member:
	case DW_TAG_enumeration_type:
	case DW_TAG_subroutine_type:
	case DW_TAG_array_type:
	case DW_TAG_call_site:
	case DW_TAG_GNU_call_site:
	case DW_TAG_template_type_parameter:
	case DW_TAG_template_value_parameter:
	case DW_TAG_GNU_template_parameter_pack:
	case DW_TAG_GNU_formal_parameter_pack:
		return true;
	default:
		return false;
	}
}

struct walk_level {
	Dwarf_Die die;
	uint32_t node; /* innermost function node enclosing the children of this level */
};

static int walk_dies(struct dw_cu *cu, struct builder *b, Dwarf_Die *cudie)
{
	struct walk_level *stack = NULL;
	size_t depth = 0, cap = 0;
	Dwarf_Die die;
	uint32_t parent = NONE;
	int rc = 0;
	if (dwarf_child(cudie, &die) != 0)
		return 0;
	for (;;) {
		int tag = dwarf_tag(&die);
		bool descend = dwarf_haschildren(&die) > 0;
		uint32_t child_parent = parent;
		if (tag == DW_TAG_subprogram || tag == DW_TAG_inlined_subroutine || tag == DW_TAG_entry_point) {
			uint32_t node;
			if ((rc = add_node(cu, b, &die, parent, (uint32_t)depth, tag == DW_TAG_inlined_subroutine,
					   &node)) < 0)
				break;
			if (node == NONE)
				descend = false; /* an abstract instance or a declaration: no code */
			else
				child_parent = node;
		} else if (no_code_inside(tag)) {
			descend = false;
		}
		Dwarf_Die child;
		if (descend && dwarf_child(&die, &child) == 0) {
			if ((rc = grow((void **)&stack, &cap, depth + 1, sizeof(*stack))) < 0)
				break;
			stack[depth++] = (struct walk_level){ .die = die, .node = parent };
			parent = child_parent;
			die = child;
			continue;
		}
		/* Next sibling, climbing up as levels run out. */
		while (dwarf_siblingof(&die, &die) != 0) {
			if (depth == 0)
				goto out;
			depth--;
			die = stack[depth].die;
			parent = stack[depth].node;
		}
	}
out:
	free(stack);
	return rc;
}

static int push_segment(struct dw_cu *cu, struct builder *b, uint64_t lo, uint32_t node)
{
	if (cu->nseg && cu->seg_lo[cu->nseg - 1] == lo) {
		cu->nseg--;
	}
	if (cu->nseg && cu->seg_node[cu->nseg - 1] == node)
		return 0;
	size_t cap = b->seg_cap;
	if (grow((void **)&cu->seg_lo, &cap, cu->nseg + 1, sizeof(*cu->seg_lo)) < 0)
		return -ENOMEM;
	if (cap != b->seg_cap) {
		uint32_t *n = realloc(cu->seg_node, cap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		cu->seg_node = n;
		b->seg_cap = cap;
	}
	cu->seg_lo[cu->nseg] = lo;
	cu->seg_node[cu->nseg] = node;
	cu->nseg++;
	return 0;
}

/* Flatten properly nested intervals into disjoint segments labelled with the innermost one. */
static int flatten(struct dw_cu *cu, struct builder *b)
{
	if (b->niv)
		qsort(b->iv, b->niv, sizeof(*b->iv), cmp_interval);
	struct interval *stack = malloc((b->niv ? b->niv : 1) * sizeof(*stack));
	if (!stack)
		return -ENOMEM;
	size_t sp = 0;
	int rc = 0;
	for (size_t i = 0; i < b->niv && !rc; i++) {
		struct interval iv = b->iv[i];
		while (sp && stack[sp - 1].hi <= iv.lo && !rc) {
			sp--;
			rc = push_segment(cu, b, stack[sp].hi, sp ? stack[sp - 1].node : NONE);
		}
		if (sp && iv.hi > stack[sp - 1].hi)
			iv.hi = stack[sp - 1].hi; /* improperly nested: the outer range wins past its end */
		if (iv.hi <= iv.lo || rc)
			continue;
		stack[sp++] = iv;
		rc = push_segment(cu, b, iv.lo, iv.node);
	}
	while (sp && !rc) {
		sp--;
		rc = push_segment(cu, b, stack[sp].hi, sp ? stack[sp - 1].node : NONE);
	}
	free(stack);
	return rc;
}

/* Line rows by address; an end of sequence first, before a row starting the next sequence there. */
static int cmp_line(const struct dw_line *a, const struct dw_line *b)
{
	if (a->addr != b->addr)
		return a->addr < b->addr ? -1 : 1;
	if (a->end_seq != b->end_seq)
		return a->end_seq ? -1 : 1;
	return 0;
}

struct keyed_line {
	struct dw_line l;
	size_t pos;
};

/* qsort is not stable: the table position breaks ties, so the last row at an address stays last. */
static int cmp_keyed(const void *pa, const void *pb)
{
	const struct keyed_line *a = pa, *b = pb;
	int c = cmp_line(&a->l, &b->l);
	if (c)
		return c;
	return a->pos < b->pos ? -1 : a->pos > b->pos;
}

static int load_lines(struct dw_cu *cu, struct dw_cu *b, Dwarf_Die *cudie)
{
	Dwarf_Lines *lines;
	size_t n;
	if (dwarf_getsrclines(cudie, &lines, &n) != 0 || n == 0)
		return 0;
	cu->lines = malloc(n * sizeof(*cu->lines));
	if (!cu->lines)
		return -ENOMEM;
	bool sorted = true;
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		Dwarf_Line *l = dwarf_onesrcline(lines, i);
		Dwarf_Addr addr;
		if (!l || dwarf_lineaddr(l, &addr) != 0)
			continue;
		struct dw_line *r = &cu->lines[k];
		int line = 0, col = 0;
		unsigned discr = 0;
		bool end = false;
		dwarf_lineno(l, &line);
		dwarf_linecol(l, &col);
		dwarf_linediscriminator(l, &discr);
		dwarf_lineendsequence(l, &end);
		r->addr = addr;
		r->file = absolute(b, dwarf_linesrc(l, NULL, NULL));
		r->line = line > 0 ? (uint32_t)line : 0;
		r->col = col > 0 ? (uint32_t)col : 0;
		r->discr = discr;
		r->end_seq = end;
		if (k && cmp_line(&cu->lines[k - 1], r) > 0)
			sorted = false;
		k++;
	}
	cu->nlines = k;
	if (!sorted) {
		struct keyed_line *tmp = malloc(k * sizeof(*tmp));
		if (!tmp)
			return -ENOMEM;
		for (size_t i = 0; i < k; i++)
			tmp[i] = (struct keyed_line){ cu->lines[i], i };
		qsort(tmp, k, sizeof(*tmp), cmp_keyed);
		for (size_t i = 0; i < k; i++)
			cu->lines[i] = tmp[i].l;
		free(tmp);
	}
	return 0;
}

/* The CU's functions: DIEs walked once, flattened into segments. */
static void build_cu(struct dwarf_index *x, struct dw_cu *cu)
{
	uint64_t t0 = sym_cpu_ns();
	cu->built = true;
	Dwarf_Die cudie;
	if (!dwarf_offdie(cu->dies_dw, cu->dies_off, &cudie))
		return;
	struct builder b = { 0 };
	if (walk_dies(cu, &b, &cudie) == 0)
		flatten(cu, &b);
	free(b.iv);
	x->bytes += cu->nnodes * sizeof(*cu->nodes) + cu->nseg * (sizeof(uint64_t) + sizeof(uint32_t));
	x->build_ns += sym_cpu_ns() - t0;
}

/* The CU's file names and line table (libdw decodes the whole line program: costly for a big CU). */
static void build_lines(struct dwarf_index *x, struct dw_cu *cu)
{
	uint64_t t0 = sym_cpu_ns();
	cu->lines_built = true;
	Dwarf_Die cudie;
	if (!dwarf_offdie(x->dw, cu->die_off, &cudie))
		return;
	if (dwarf_getsrcfiles(&cudie, &cu->files, &cu->nfiles) != 0)
		cu->files = NULL;
	make_aliases(x, cu, &cudie);
	load_lines(cu, cu, &cudie);
	x->bytes += cu->nlines * sizeof(*cu->lines) + cu->nalias * sizeof(*cu->alias);
	x->build_ns += sym_cpu_ns() - t0;
}

/* ---- the module-wide CU table ---- */

static int add_range(struct dwarf_index *x, uint64_t lo, uint64_t hi, uint32_t cu)
{
	if (lo >= hi || lo == 0 || hi == UINT64_MAX)
		return 0;
	if (grow((void **)&x->ranges, &x->range_cap, x->nranges + 1, sizeof(*x->ranges)) < 0)
		return -ENOMEM;
	x->ranges[x->nranges++] = (struct cu_range){ lo, hi, cu };
	return 0;
}

static int cmp_range(const void *pa, const void *pb)
{
	const struct cu_range *a = pa, *b = pb;
	if (a->lo != b->lo)
		return a->lo < b->lo ? -1 : 1;
	return a->cu < b->cu ? -1 : a->cu > b->cu;
}

struct dwarf_index *dwarf_index_new(Dwarf *dw)
{
	struct dwarf_index *x = calloc(1, sizeof(*x));
	if (!x)
		return NULL;
	x->dw = dw;
	arena_init(&x->names);
	size_t cap = 0;
	Dwarf_CU *cu = NULL, *next;
	Dwarf_Half version;
	uint8_t unit_type;
	Dwarf_Die cudie, subdie;
	memset(&subdie, 0, sizeof(subdie));
	while (dwarf_get_units(dw, cu, &next, &version, &unit_type, &cudie, &subdie) == 0) {
		cu = next;
		/*
		 * A skeleton (-gsplit-dwarf) keeps the ranges and the line table here,
		 * its functions in the .dwo file libdw found for it (DW_AT_dwo_name
		 * under DW_AT_comp_dir); without that file it still names lines.
		 */
		bool skeleton = unit_type == DW_UT_skeleton;
		if (unit_type != DW_UT_compile && unit_type != DW_UT_partial && !skeleton)
			continue;
		if (grow((void **)&x->cus, &cap, x->ncus + 1, sizeof(*x->cus)) < 0)
			goto fail;
		uint32_t id = (uint32_t)x->ncus;
		struct dw_cu *nc = &x->cus[x->ncus++];
		*nc = (struct dw_cu){ .die_off = dwarf_dieoffset(&cudie), .dies_dw = dw, .dies_off = dwarf_dieoffset(&cudie) };
		if (skeleton) {
			Dwarf *split = subdie.cu ? dwarf_cu_getdwarf(subdie.cu) : NULL;
			if (split) {
				nc->dies_dw = split;
				nc->dies_off = dwarf_dieoffset(&subdie);
			} else {
				nc->built = true; /* no .dwo: no functions to walk, lines only */
			}
			memset(&subdie, 0, sizeof(subdie));
		}
		ptrdiff_t off = 0;
		Dwarf_Addr base, lo, hi;
		size_t before = x->nranges;
		while ((off = dwarf_ranges(&cudie, off, &base, &lo, &hi)) > 0)
			if (add_range(x, lo, hi, id) < 0)
				goto fail;
		if (x->nranges == before && unit_type == DW_UT_compile) {
			/* No CU ranges: index it now and cover what its functions and lines cover. */
			struct dw_cu *c = &x->cus[id];
			build_cu(x, c);
			build_lines(x, c);
			for (size_t i = 0; i + 1 < c->nseg; i++)
				if (c->seg_node[i] != NONE && add_range(x, c->seg_lo[i], c->seg_lo[i + 1], id) < 0)
					goto fail;
			for (size_t i = 0; i + 1 < c->nlines; i++)
				if (!c->lines[i].end_seq && add_range(x, c->lines[i].addr, c->lines[i + 1].addr, id) < 0)
					goto fail;
		}
	}
	if (x->nranges)
		qsort(x->ranges, x->nranges, sizeof(*x->ranges), cmp_range);
	x->maxhi = malloc((x->nranges ? x->nranges : 1) * sizeof(*x->maxhi));
	if (!x->maxhi)
		goto fail;
	for (size_t i = 0; i < x->nranges; i++)
		x->maxhi[i] = i && x->maxhi[i - 1] > x->ranges[i].hi ? x->maxhi[i - 1] : x->ranges[i].hi;
	x->bytes += sizeof(*x) + x->ncus * sizeof(*x->cus) + x->nranges * (sizeof(*x->ranges) + 8);
	return x;
fail:
	dwarf_index_free(x);
	return NULL;
}

void dwarf_index_free(struct dwarf_index *x)
{
	if (!x)
		return;
	for (size_t i = 0; i < x->ncus; i++) {
		free(x->cus[i].seg_lo);
		free(x->cus[i].seg_node);
		free(x->cus[i].nodes);
		free(x->cus[i].lines);
		free(x->cus[i].alias);
	}
	free(x->cus);
	free(x->ranges);
	free(x->maxhi);
	arena_release(&x->names);
	free(x);
}

uint64_t dwarf_index_build_ns(const struct dwarf_index *x)
{
	return x ? x->build_ns : 0;
}

size_t dwarf_index_bytes(const struct dwarf_index *x)
{
	return x ? x->bytes + x->names.total : 0;
}

/* ---- lookups ---- */

static struct dw_cu *find_cu(struct dwarf_index *x, uint64_t addr)
{
	size_t lo = 0, hi = x->nranges;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (x->ranges[mid].lo <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	while (lo > 0 && x->maxhi[lo - 1] > addr) {
		lo--;
		if (addr < x->ranges[lo].hi)
			return &x->cus[x->ranges[lo].cu];
	}
	return NULL;
}

static const char *node_name(const struct dw_cu *cu, struct dw_node *n)
{
	if (n->named)
		return n->name;
	n->named = true;
	Dwarf_Die die;
	Dwarf_Attribute a;
	if (!dwarf_offdie(cu->dies_dw, n->die_off, &die))
		return NULL;
	if (dwarf_attr_integrate(&die, DW_AT_linkage_name, &a) ||
	    dwarf_attr_integrate(&die, DW_AT_MIPS_linkage_name, &a) || dwarf_attr_integrate(&die, DW_AT_name, &a))
		n->name = dwarf_formstring(&a);
	return n->name;
}

static const struct dw_line *find_line(const struct dw_cu *cu, uint64_t addr)
{
	size_t lo = 0, hi = cu->nlines;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (cu->lines[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0 || cu->lines[lo - 1].end_seq)
		return NULL;
	return &cu->lines[lo - 1];
}

int dwarf_index_lookup(struct dwarf_index *x, uint64_t addr, bool inlines, bool lines, struct dw_frame **out,
		       size_t *cap)
{
	struct dw_cu *cu = find_cu(x, addr);
	if (!cu)
		return 0;
	if (!cu->built)
		build_cu(x, cu);
	if (lines && !cu->lines_built)
		build_lines(x, cu);
	const struct dw_line *row = lines ? find_line(cu, addr) : NULL;
	size_t lo = 0, hi = cu->nseg;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (cu->seg_lo[mid] <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	uint32_t node = lo ? cu->seg_node[lo - 1] : NONE;
	if (grow((void **)out, cap, 1, sizeof(**out)) < 0)
		return -ENOMEM;
	struct dw_frame *f = *out;
	f[0] = (struct dw_frame){ 0 };
	if (row) {
		f[0].file = row->file;
		f[0].line = row->line;
		f[0].column = row->col;
		f[0].discriminator = row->discr;
	}
	if (node == NONE)
		return row ? 1 : 0;
	size_t n = 0;
	for (;;) {
		struct dw_node *dn = &cu->nodes[node];
		if (dn->parent == NONE || !inlines) {
			/* Without inlines: the outermost function, with the innermost line. */
			while (!inlines && dn->parent != NONE)
				dn = &cu->nodes[dn->parent];
			(*out)[n].name = node_name(cu, dn);
			return (int)n + 1;
		}
		(*out)[n].name = node_name(cu, dn);
		if (grow((void **)out, cap, n + 2, sizeof(**out)) < 0)
			return -ENOMEM;
		(*out)[n + 1] = (struct dw_frame){ 0 };
		if (lines)
			(*out)[n + 1] = (struct dw_frame){
				.file = file_name(cu, dn->call_file), .line = dn->call_line, .column = dn->call_col };
		n++;
		node = dn->parent;
	}
}

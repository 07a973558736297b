// SPDX-License-Identifier: Apache-2.0
/* Kernel symbols from kallsyms: one read (or mmap), one pass of a hand-written parser, perf's alias choice, bounded ends, binary search. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/file.h"
#include "symbolize/internal.h"

/* No kernel function is this long: a bigger gap to the next symbol is a hole, not the symbol's tail. */
#define KSYM_MAX_SIZE (1ULL << 20)

/* One text symbol: [start, end), its name in the text (not NUL-terminated), its module. */
struct ksym {
	uint64_t start, end;
	uint32_t name_off;
	uint16_t name_len;
	uint16_t module;     /* index in modnames; 0 is "[kernel.kallsyms]" */
};

struct kallsyms {
	const char *text;     /* the file: mapped, or in `buf` */
	size_t len;
	void *map;
	size_t map_len;
	struct buf buf;
	struct ksym *syms;    /* sorted by start, non-overlapping */
	size_t n, cap;
	char **modnames;      /* "[kernel.kallsyms]", "[ext4]", "[bpf]" ... owned */
	size_t nmod, modcap;
	size_t last_mod;      /* the module the previous line named (lines come grouped by module) */
};

/* The index of module "[name]", added when new; -1 on ENOMEM or too many modules. */
static int module_index(struct kallsyms *k, const char *name, size_t len)
{
	if (k->nmod && strlen(k->modnames[k->last_mod]) == len + 2 &&
	    memcmp(k->modnames[k->last_mod] + 1, name, len) == 0)
		return (int)k->last_mod;
	for (size_t i = 0; i < k->nmod; i++)
		if (strlen(k->modnames[i]) == len + 2 && memcmp(k->modnames[i] + 1, name, len) == 0)
			return (int)(k->last_mod = i);
	if (k->nmod > UINT16_MAX)
		return -1;
	if (k->nmod == k->modcap) {
		size_t cap = k->modcap ? k->modcap * 2 : 16;
		char **v = realloc(k->modnames, cap * sizeof(*v));
		if (!v)
			return -1;
		k->modnames = v;
		k->modcap = cap;
	}
	char *s = malloc(len + 3);
	if (!s)
		return -1;
	s[0] = '[';
	memcpy(s + 1, name, len);
	s[len + 1] = ']';
	s[len + 2] = 0;
	k->modnames[k->nmod] = s;
	return (int)(k->last_mod = k->nmod++);
}

/* A hex digit's value; -1 for anything else. */
static inline int hexval(unsigned char c)
{
	unsigned d = (unsigned)c - '0';
	if (d < 10)
		return (int)d;
	d = (unsigned)(c | 0x20) - 'a';
	return d < 6 ? (int)d + 10 : -1;
}

/* One line as perf keeps it (types T, W, D, B in either case: map__process_kallsym_symbol). */
struct kline {
	uint64_t addr;
	uint32_t name_off;
	uint16_t name_len;
	uint16_t module;
	uint32_t order;      /* the line's position, for a stable sort */
	bool text;           /* T or W: may name an address; D and B only end the text before them */
};

/*
 * Parse the line at `*pos` ("ADDR TYPE NAME[\t[MODULE]]"), moving `*pos` to
 * the next line. 1 with `out` filled, 0 for a line perf ignores, -ENOMEM.
 */
static int parse_line(struct kallsyms *k, size_t *pos, struct kline *out)
{
	const char *t = k->text, *p = t + *pos, *end = t + k->len;
	const char *nl = memchr(p, '\n', (size_t)(end - p));
	const char *line_end = nl ? nl : end;
	uint64_t addr = 0;
	int d, digits = 0;

	*pos = (size_t)(line_end - t) + (nl ? 1 : 0);
	while (p < line_end && (d = hexval((unsigned char)*p)) >= 0 && digits < 16) {
		addr = addr << 4 | (uint64_t)d;
		p++;
		digits++;
	}
	if (digits == 0 || line_end - p < 4 || p[0] != ' ' || p[2] != ' ')
		return 0;
	char type = p[1] & ~0x20; /* upper case */
	if (type != 'T' && type != 'W' && type != 'D' && type != 'B')
		return 0;
	const char *name = p + 3, *tab = memchr(name, '\t', (size_t)(line_end - name));
	const char *name_end = tab ? tab : line_end;
	if (name_end == name || name_end - name > UINT16_MAX || (size_t)(name - t) > UINT32_MAX)
		return 0;
	int module = 0;
	if (tab && line_end - tab > 2 && tab[1] == '[') {
		const char *open = tab + 2, *close = memchr(open, ']', (size_t)(line_end - open));
		if (close && (module = module_index(k, open, (size_t)(close - open))) < 0)
			return -ENOMEM;
	}
	*out = (struct kline){ .addr = addr, .name_off = (uint32_t)(name - t), .name_len = (uint16_t)(name_end - name),
			       .module = (uint16_t)module, .text = type == 'T' || type == 'W' };
	return 1;
}

/*
 * Lines fed in address order become symbols. perf gives each kallsyms symbol
 * the space up to the next one before it drops aliases (symbols__fixup_end,
 * then symbols__fixup_duplicate): of several names at one address only the
 * last in file order has a size, so it wins (__x64_sys_getpid over
 * __ia32_sys_getpid, __pi_memcpy over memcpy). A data symbol at the address of
 * text does not name it.
 */
struct feeder {
	struct kallsyms *k;
	bool pending;          /* `p` waits for its end: the next line at a higher address */
	struct ksym p;
};

static int push_sym(struct kallsyms *k, const struct ksym *s)
{
	if (k->n == k->cap) {
		size_t cap = k->cap ? k->cap * 2 : 4096;
		struct ksym *v = realloc(k->syms, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		k->syms = v;
		k->cap = cap;
	}
	k->syms[k->n++] = *s;
	return 0;
}

/*
 * End the pending symbol before a line at `next` of module `mod` (or, with
 * `last`, none). Within its region (core kernel, one module, BPF) it ends at
 * the next symbol; at a region's last symbol, or before a hole, it gets the
 * rest of its page plus one, as perf does between the kernel and its modules
 * (roundup(start + 4096, 4096)), so addresses past the end of a region are not
 * blamed on its last symbol.
 */
static int feed_end(struct feeder *f, uint64_t next, uint16_t mod, bool last)
{
	struct ksym *p = &f->p;
	uint64_t e;

	if (!f->pending)
		return 0;
	f->pending = false;
	if (!last && mod == p->module && next - p->start <= KSYM_MAX_SIZE)
		e = next;
	else
		e = (p->start + 4096 + 4095) & ~4095ULL;
	if (!last && e > next)
		e = next;
	p->end = e;
	return push_sym(f->k, p);
}

static int feed(struct feeder *f, const struct kline *l)
{
	if (f->pending && l->addr == f->p.start) {
		if (l->text) { /* a later alias */
			f->p.name_off = l->name_off;
			f->p.name_len = l->name_len;
			f->p.module = l->module;
		}
		return 0;
	}
	int rc = feed_end(f, l->addr, l->module, false);
	if (rc == 0 && l->text) {
		f->p = (struct ksym){ .start = l->addr, .name_off = l->name_off, .name_len = l->name_len, .module = l->module };
		f->pending = true;
	}
	return rc;
}

static int cmp_kline(const void *pa, const void *pb)
{
	const struct kline *a = pa, *b = pb;
	if (a->addr != b->addr)
		return a->addr < b->addr ? -1 : 1;
	return a->order < b->order ? -1 : a->order > b->order;
}

/* Lines out of address order (module or BPF lines may be): collect them all, sort stably, then feed. */
static int parse_unsorted(struct kallsyms *k)
{
	struct feeder f = { .k = k };
	struct kline *v = NULL, l;
	size_t n = 0, cap = 0, pos = 0;
	int rc = 0;

	k->n = 0;
	while (pos < k->len && rc >= 0) {
		if ((rc = parse_line(k, &pos, &l)) <= 0)
			continue;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 65536;
			struct kline *nv = realloc(v, ncap * sizeof(*nv));
			if (!nv) {
				rc = -ENOMEM;
				break;
			}
			v = nv;
			cap = ncap;
		}
		l.order = (uint32_t)n;
		v[n++] = l;
	}
	if (rc >= 0) {
		qsort(v, n, sizeof(*v), cmp_kline);
		rc = 0;
		for (size_t i = 0; i < n && !rc; i++)
			rc = feed(&f, &v[i]);
		if (!rc)
			rc = feed_end(&f, 0, 0, true);
	}
	free(v);
	return rc;
}

static int parse(struct kallsyms *k)
{
	struct feeder f = { .k = k };
	struct kline l;
	size_t pos = 0;
	uint64_t prev = 0;
	bool any_nonzero = false;
	int rc;

	if (module_index(k, "kernel.kallsyms", 15) != 0)
		return -ENOMEM;
	/* The core kernel comes sorted, and usually all of it: one pass then. */
	while (pos < k->len) {
		if ((rc = parse_line(k, &pos, &l)) < 0)
			return rc;
		if (rc == 0)
			continue;
		any_nonzero |= l.addr != 0;
		if (l.addr < prev)
			return parse_unsorted(k);
		prev = l.addr;
		if ((rc = feed(&f, &l)) < 0)
			return rc;
	}
	if (!any_nonzero)
		return -ENODATA; /* kptr_restrict: every address reads 0 */
	return feed_end(&f, 0, 0, true);
}

/* Is symbol `ref` at `addr` in the text? A cheap look at the few lines naming it, before any parsing. */
static bool ref_matches(const struct kallsyms *k, const char *ref, uint64_t addr)
{
	size_t rl = strlen(ref);
	const char *t = k->text, *p = t, *end = t + k->len;
	while (rl && p < end) {
		const char *hit = memmem(p, (size_t)(end - p), ref, rl);
		if (!hit)
			return false;
		p = hit + 1;
		/* "ADDR T ref\n": the name follows "X " and runs to the line's end */
		if (hit - t < 3 || hit[-1] != ' ' || hit[-3] != ' ' ||
		    (hit + rl < end && hit[rl] != '\n' && hit[rl] != '\t'))
			continue;
		const char *line = hit - 3;
		while (line > t && line[-1] != '\n')
			line--;
		uint64_t a = 0;
		const char *q = line;
		while (q < hit - 3 && hexval((unsigned char)*q) >= 0)
			a = a << 4 | (uint64_t)hexval((unsigned char)*q++);
		if (q == hit - 3 && a == addr)
			return true;
	}
	return false;
}

/* The file's bytes: a regular file is mapped, /proc/kallsyms (size 0) is read. */
static int load_text(struct kallsyms *k, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
		void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (m != MAP_FAILED) {
			close(fd);
			madvise(m, (size_t)st.st_size, MADV_SEQUENTIAL);
			k->map = m;
			k->map_len = (size_t)st.st_size;
			k->text = m;
			k->len = k->map_len;
			return 0;
		}
	}
	close(fd);
	int rc = file_read_all(path, &k->buf, NULL);
	k->text = k->buf.data;
	k->len = k->buf.len;
	return rc;
}

struct kallsyms *kallsyms_load(const char *path, const char *ref, uint64_t ref_addr)
{
	struct kallsyms *k = calloc(1, sizeof(*k));
	if (!k)
		return NULL;
	buf_init(&k->buf);
	int rc = load_text(k, path ? path : "/proc/kallsyms");
	if (rc == 0 && ref && !ref_matches(k, ref, ref_addr))
		rc = -ESTALE;
	if (rc == 0)
		rc = parse(k);
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
	if (k->map)
		munmap(k->map, k->map_len);
	buf_release(&k->buf);
	free(k->syms);
	for (size_t i = 0; i < k->nmod; i++)
		free(k->modnames[i]);
	free(k->modnames);
	free(k);
}

bool kallsyms_find(const struct kallsyms *k, uint64_t addr, struct ksym_hit *out)
{
	size_t lo = 0, hi = k->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (k->syms[mid].start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return false;
	const struct ksym *s = &k->syms[lo - 1];
	if (addr >= s->end && addr != s->start)
		return false;
	*out = (struct ksym_hit){ .start = s->start, .name = k->text + s->name_off, .name_len = s->name_len,
				  .module = k->modnames[s->module] };
	return true;
}

size_t kallsyms_bytes(const struct kallsyms *k)
{
	return k ? k->len + k->cap * sizeof(struct ksym) : 0;
}

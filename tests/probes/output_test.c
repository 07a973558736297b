// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests of probes/output.c against real bpftrace 0.17 output: each test rebuilds, by hand, the
 * values the program in tests/fixtures/bpftrace/NAME.bt produces, prints them with our formatter in
 * text and JSON, and compares byte for byte with NAME.txt / NAME.json, which bpftrace itself printed
 * (scripts/record-bpftrace-goldens.sh).
 */
#include <errno.h>

#include "lib/buf.h"
#include "probes/output.h"
#include "tests/probes/output_fixture.h"

/* ---- model builders ---------------------------------------------------------------------------- */

#define MAX_MAPS 32
#define MAX_ENTRIES 128
#define MAX_VALUES 512

struct model {
	struct output_map maps[MAX_MAPS];
	size_t nmaps;
	struct output_entry entries[MAX_ENTRIES];
	size_t nentries;
	struct output_value values[MAX_VALUES];
	size_t nvalues;
	uint64_t buckets[MAX_ENTRIES][1002];
};

static struct output_value tuple(struct model *md, size_t n, ...)
{
	struct output_value x = { .kind = OUTPUT_TUPLE };
	va_list ap;

	assert_true(md->nvalues + n <= MAX_VALUES);
	x.tuple.elems = &md->values[md->nvalues];
	x.tuple.n = n;
	va_start(ap, n);
	for (size_t i = 0; i < n; i++)
		md->values[md->nvalues++] = va_arg(ap, struct output_value);
	va_end(ap);
	return x;
}

static struct model *model_new(void)
{
	struct model *md = calloc(1, sizeof(*md));

	assert_non_null(md);
	return md;
}

/* Start a map; its entries must be added before the next map is started. */
static struct output_map *map_new(struct model *md, const char *name, size_t nkeys, enum output_agg agg)
{
	struct output_map *m;

	assert_true(md->nmaps < MAX_MAPS);
	m = &md->maps[md->nmaps++];
	memset(m, 0, sizeof(*m));
	m->name = name;
	m->nkeys = nkeys;
	m->agg = agg;
	m->entries = &md->entries[md->nentries];
	return m;
}

static struct output_map *lhist_new(struct model *md, const char *name, size_t nkeys, int64_t min, int64_t max,
				    int64_t step)
{
	struct output_map *m = map_new(md, name, nkeys, OUTPUT_AGG_LHIST);

	m->lhist_min = min;
	m->lhist_max = max;
	m->lhist_step = step;
	return m;
}

/* Add an entry with m->nkeys keys given as struct output_value varargs. */
static struct output_entry *entry_new(struct model *md, struct output_map *m, ...)
{
	struct output_entry *e;
	va_list ap;

	assert_true(md->nentries < MAX_ENTRIES && md->nvalues + m->nkeys <= MAX_VALUES);
	assert_ptr_equal(m->entries + m->nentries, &md->entries[md->nentries]);
	e = &md->entries[md->nentries];
	memset(e, 0, sizeof(*e));
	if (m->nkeys) {
		e->key = &md->values[md->nvalues];
		va_start(ap, m);
		for (size_t i = 0; i < m->nkeys; i++)
			md->values[md->nvalues++] = va_arg(ap, struct output_value);
		va_end(ap);
	}
	if (m->agg == OUTPUT_AGG_HIST || m->agg == OUTPUT_AGG_LHIST) {
		e->hist.buckets = md->buckets[md->nentries];
		e->hist.nbuckets = m->agg == OUTPUT_AGG_HIST
					   ? OUTPUT_HIST_BUCKETS
					   : output_lhist_buckets(m->lhist_min, m->lhist_max, m->lhist_step);
	}
	md->nentries++;
	m->nentries++;
	return e;
}

static void set_value(struct output_entry *e, struct output_value v)
{
	e->value = v;
}

static void set_stats(struct output_entry *e, int64_t count, int64_t total)
{
	e->stats.count = count;
	e->stats.total = total;
}

/* bpftrace 0.17's hist() index (codegen_llvm.cpp createLog2Function): saturates at 33 = [2G, 4G). */
static size_t hist_index(int64_t v)
{
	size_t idx = 2;
	uint64_t n = (uint64_t)v;

	if (v < 0)
		return 0;
	if (v == 0)
		return 1;
	for (int i = 4; i >= 0; i--) {
		unsigned int shift = (n >= (1ull << (1u << i))) ? 1u << i : 0;

		n >>= shift;
		idx += shift;
	}
	return idx;
}

static void hist_add(struct output_entry *e, int64_t v)
{
	((uint64_t *)e->hist.buckets)[hist_index(v)]++;
}

/* bpftrace 0.17's lhist() index (createLinearFunction). */
static void lhist_add(const struct output_map *m, struct output_entry *e, int64_t v)
{
	size_t idx;

	if (v < m->lhist_min)
		idx = 0;
	else if (v > m->lhist_max)
		idx = 1 + (size_t)((m->lhist_max - m->lhist_min) / m->lhist_step);
	else
		idx = 1 + (size_t)((v - m->lhist_min) / m->lhist_step);
	((uint64_t *)e->hist.buckets)[idx]++;
}

static void exit_maps(const struct output *o, struct model *md)
{
	assert_int_equal(output_maps_at_exit(o, md->maps, md->nmaps), 0);
}

/* ---- scalars.bt -------------------------------------------------------------------------------- */

static void program_scalars(const struct output *o)
{
	struct model *md = model_new();
	struct output_map *m;

	assert_int_equal(output_attached_probes(o, 1), 0);
	/* deliberately not in name order: output_maps_at_exit sorts */
	m = map_new(md, "@s", 0, OUTPUT_AGG_SUM);
	set_value(entry_new(md, m), i64(5 + -12));
	m = map_new(md, "@c", 0, OUTPUT_AGG_COUNT);
	set_value(entry_new(md, m), u64(2));
	m = map_new(md, "@mn", 0, OUTPUT_AGG_MIN);
	set_value(entry_new(md, m), i64(3));
	m = map_new(md, "@mx", 0, OUTPUT_AGG_MAX);
	set_value(entry_new(md, m), u64(9));
	m = map_new(md, "@av", 0, OUTPUT_AGG_AVG);
	set_stats(entry_new(md, m), 2, 13);
	m = map_new(md, "@st", 0, OUTPUT_AGG_STATS);
	set_stats(entry_new(md, m), 3, 11);
	m = map_new(md, "@i64", 0, OUTPUT_AGG_NONE);
	set_value(entry_new(md, m), i64(-5));
	m = map_new(md, "@u8", 0, OUTPUT_AGG_NONE);
	set_value(entry_new(md, m), vint(300 & 0xff, 1, false));
	m = map_new(md, "@i16", 0, OUTPUT_AGG_NONE);
	set_value(entry_new(md, m), vint(-3, 2, true));
	m = map_new(md, "@u32", 0, OUTPUT_AGG_NONE);
	set_value(entry_new(md, m), vint(4294967295, 4, false));
	m = map_new(md, "@str", 0, OUTPUT_AGG_NONE);
	set_value(entry_new(md, m), str("hello"));
	m = map_new(md, "@tup", 0, OUTPUT_AGG_NONE);
	set_value(entry_new(md, m), tuple(md, 3, i64(1), str("two"), tuple(md, 2, i64(3), str("four"))));
	map_new(md, "@empty", 1, OUTPUT_AGG_NONE);
	m = map_new(md, "@never", 0, OUTPUT_AGG_COUNT);
	set_value(entry_new(md, m), u64(0));
	m = map_new(md, "@", 0, OUTPUT_AGG_NONE);
	set_value(entry_new(md, m), i64(42));
	exit_maps(o, md);
	free(md);
}

static void test_output_scalars(void **state)
{
	(void)state;
	check_fixture("scalars", program_scalars);
}

/* ---- keyed.bt ---------------------------------------------------------------------------------- */

static void program_keyed(const struct output *o)
{
	struct model *md = model_new();
	struct output_map *m;

	assert_int_equal(output_attached_probes(o, 1), 0);
	m = map_new(md, "@bykey", 1, OUTPUT_AGG_COUNT);
	set_value(entry_new(md, m, i64(3)), u64(3));
	set_value(entry_new(md, m, i64(1)), u64(1));
	set_value(entry_new(md, m, i64(2)), u64(2));
	m = map_new(md, "@neg", 1, OUTPUT_AGG_NONE);
	set_value(entry_new(md, m, i64(-5)), i64(10));
	set_value(entry_new(md, m, i64(7)), i64(-3));
	set_value(entry_new(md, m, i64(0)), i64(4));
	m = map_new(md, "@str", 1, OUTPUT_AGG_NONE);
	set_value(entry_new(md, m, str("cherry")), i64(3));
	set_value(entry_new(md, m, str("apple")), i64(1));
	set_value(entry_new(md, m, str("banana")), i64(2));
	m = map_new(md, "@sv", 1, OUTPUT_AGG_NONE);
	set_value(entry_new(md, m, i64(-1)), str("neg"));
	set_value(entry_new(md, m, i64(5)), str("five"));
	set_value(entry_new(md, m, i64(2)), str("two"));
	m = map_new(md, "@mk", 2, OUTPUT_AGG_NONE);
	set_value(entry_new(md, m, i64(2), str("b")), str("x"));
	set_value(entry_new(md, m, i64(1), str("z")), str("y"));
	set_value(entry_new(md, m, i64(1), str("a")), str("z"));
	m = map_new(md, "@sums", 2, OUTPUT_AGG_SUM);
	set_value(entry_new(md, m, str("x"), i64(1)), i64(10));
	set_value(entry_new(md, m, str("y"), i64(2)), i64(-4));
	m = map_new(md, "@mins", 1, OUTPUT_AGG_MIN);
	set_value(entry_new(md, m, i64(1)), i64(50));
	set_value(entry_new(md, m, i64(2)), i64(-7));
	m = map_new(md, "@maxs", 1, OUTPUT_AGG_MAX);
	set_value(entry_new(md, m, i64(1)), u64(5));
	set_value(entry_new(md, m, i64(2)), u64(100));
	m = map_new(md, "@avgs", 1, OUTPUT_AGG_AVG);
	set_stats(entry_new(md, m, i64(1)), 1, 10);
	set_stats(entry_new(md, m, i64(2)), 1, -20);
	set_stats(entry_new(md, m, i64(3)), 1, 7);
	m = map_new(md, "@stats", 1, OUTPUT_AGG_STATS);
	set_stats(entry_new(md, m, str("b")), 2, 150);
	set_stats(entry_new(md, m, str("a")), 1, 1);
	m = map_new(md, "@tv", 1, OUTPUT_AGG_NONE);
	set_value(entry_new(md, m, i64(1)), tuple(md, 2, i64(2), str("three")));
	set_value(entry_new(md, m, i64(0)), tuple(md, 2, i64(5), str("six")));
	exit_maps(o, md);
	free(md);
}

static void test_output_keyed(void **state)
{
	(void)state;
	check_fixture("keyed", program_keyed);
}

/* ---- hist.bt / lhist.bt ------------------------------------------------------------------------ */

static void program_hist(const struct output *o)
{
	static const int64_t h_values[] = { -1, 0, 1, 2, 3, 1023, 1024, 1048576, 1LL << 30, 1LL << 40, 1LL << 62 };
	struct model *md = model_new();
	struct output_map *m;
	struct output_entry *e;

	assert_int_equal(output_attached_probes(o, 1), 0);
	m = map_new(md, "@h", 0, OUTPUT_AGG_HIST);
	e = entry_new(md, m);
	for (size_t i = 0; i < sizeof(h_values) / sizeof(h_values[0]); i++)
		hist_add(e, h_values[i]);
	m = map_new(md, "@one", 0, OUTPUT_AGG_HIST);
	hist_add(entry_new(md, m), 5);
	m = map_new(md, "@kh", 1, OUTPUT_AGG_HIST);
	e = entry_new(md, m, str("a"));
	hist_add(e, 1);
	hist_add(e, 2);
	hist_add(e, 100);
	hist_add(entry_new(md, m, str("b")), 7);
	e = entry_new(md, m, str("c"));
	hist_add(e, 0);
	hist_add(e, 0);
	m = map_new(md, "@small", 0, OUTPUT_AGG_HIST);
	e = entry_new(md, m);
	hist_add(e, 10);
	hist_add(e, 10);
	hist_add(e, 10);
	hist_add(e, 3);
	hist_add(e, 40);
	exit_maps(o, md);
	free(md);
}

static void test_output_hist(void **state)
{
	(void)state;
	check_fixture("hist", program_hist);
}

static void program_lhist(const struct output *o)
{
	struct model *md = model_new();
	struct output_map *m;
	struct output_entry *e;

	assert_int_equal(output_attached_probes(o, 1), 0);
	m = lhist_new(md, "@l", 0, 0, 2048, 1024);
	e = entry_new(md, m);
	lhist_add(m, e, -5);
	lhist_add(m, e, 3000);
	lhist_add(m, e, 0);
	m = lhist_new(md, "@m", 0, 0, 100, 10);
	e = entry_new(md, m);
	lhist_add(m, e, 5);
	lhist_add(m, e, 50);
	lhist_add(m, e, 50);
	lhist_add(m, e, 99);
	m = lhist_new(md, "@n", 0, 1048576, 4194304, 1048576);
	lhist_add(m, entry_new(md, m), 2097152);
	m = lhist_new(md, "@edge", 0, 0, 10, 3);
	e = entry_new(md, m);
	lhist_add(m, e, 9);
	lhist_add(m, e, 10);
	lhist_add(m, e, 11);
	lhist_add(m, e, 2);
	m = lhist_new(md, "@kl", 1, 0, 10, 1);
	lhist_add(m, entry_new(md, m, i64(1)), 3);
	e = entry_new(md, m, i64(2));
	lhist_add(m, e, 4);
	lhist_add(m, e, 8);
	exit_maps(o, md);
	free(md);
}

static void test_output_lhist(void **state)
{
	(void)state;
	check_fixture("lhist", program_lhist);
}

/* ---- print.bt ---------------------------------------------------------------------------------- */

static void print_map(const struct output *o, struct output_map *m, uint32_t top, uint32_t div)
{
	assert_int_equal(output_map(o, m, top, div), 0);
}

static void print_value(const struct output *o, struct output_value v)
{
	assert_int_equal(output_value(o, &v), 0);
}

static void program_print(const struct output *o)
{
	struct model *md = model_new();
	struct output_map *c, *s, *h, *av, *st, *l, *scalar, *text, *z;
	struct output_entry *e;

	assert_int_equal(output_attached_probes(o, 1), 0);
	c = map_new(md, "@c", 1, OUTPUT_AGG_COUNT);
	set_value(entry_new(md, c, i64(3)), u64(3));
	set_value(entry_new(md, c, i64(1)), u64(1));
	set_value(entry_new(md, c, i64(2)), u64(2));
	s = map_new(md, "@s", 1, OUTPUT_AGG_SUM);
	set_value(entry_new(md, s, i64(20)), i64(250));
	set_value(entry_new(md, s, i64(10)), i64(100));
	set_value(entry_new(md, s, i64(30)), i64(999));
	h = map_new(md, "@h", 1, OUTPUT_AGG_HIST);
	hist_add(entry_new(md, h, i64(1)), 10);
	e = entry_new(md, h, i64(3));
	for (int i = 0; i < 3; i++)
		hist_add(e, 1000);
	e = entry_new(md, h, i64(2));
	hist_add(e, 20);
	hist_add(e, 20);
	av = map_new(md, "@av", 1, OUTPUT_AGG_AVG);
	set_stats(entry_new(md, av, i64(1)), 1, 100);
	set_stats(entry_new(md, av, i64(2)), 1, 250);
	set_stats(entry_new(md, av, i64(3)), 1, 999);
	st = map_new(md, "@st", 1, OUTPUT_AGG_STATS);
	set_stats(entry_new(md, st, i64(1)), 1, 100);
	set_stats(entry_new(md, st, i64(2)), 1, 250);
	l = lhist_new(md, "@l", 0, 0, 100, 10);
	lhist_add(l, entry_new(md, l), 15);
	scalar = map_new(md, "@scalar", 0, OUTPUT_AGG_NONE);
	set_value(entry_new(md, scalar), i64(7));
	text = map_new(md, "@str", 0, OUTPUT_AGG_NONE);
	set_value(entry_new(md, text), str("text"));
	z = map_new(md, "@z", 1, OUTPUT_AGG_SUM);
	set_value(entry_new(md, z, i64(1)), i64(0));

	print_map(o, c, 0, 0);
	print_map(o, c, 2, 0);
	print_map(o, s, 0, 10);
	print_map(o, s, 1, 100);
	print_map(o, h, 2, 0);
	print_map(o, h, 0, 2);
	print_map(o, av, 2, 10);
	print_map(o, st, 1, 10);
	print_map(o, l, 0, 5);
	print_map(o, scalar, 0, 0);
	print_map(o, text, 0, 0);
	print_value(o, i64(5));
	print_value(o, i64(-3));
	print_value(o, str("a string"));
	print_value(o, tuple(md, 2, i64(1), str("two")));
	print_value(o, str("bpftrace"));
	c->nentries = 0;	/* clear(@c) */
	print_map(o, c, 0, 0);
	print_map(o, z, 0, 0);	/* @z[1] = sum(5); zero(@z) */
	for (size_t i = 0; i < h->nentries; i++)	/* zero(@h) */
		memset((uint64_t *)h->entries[i].hist.buckets, 0, OUTPUT_HIST_BUCKETS * sizeof(uint64_t));
	print_map(o, h, 0, 0);
	av->nentries = 0;	/* clear(@av) */
	print_map(o, av, 0, 0);
	exit_maps(o, md);
	free(md);
}

static void test_output_print(void **state)
{
	(void)state;
	check_fixture("print", program_print);
}

/* ---- escape.bt, symbols.bt --------------------------------------------------------------------- */

static void program_escape(const struct output *o)
{
	struct model *md = model_new();
	struct output_map *m;

	assert_int_equal(output_attached_probes(o, 1), 0);
	assert_int_equal(output_printf(o, "p\"q\\r\t\n", NULL, 0), 0);
	print_value(o, str("x\"y"));
	m = map_new(md, "@q", 1, OUTPUT_AGG_NONE);
	set_value(entry_new(md, m, str("a,b")), i64(5));
	set_value(entry_new(md, m, str("new\nline")), i64(4));
	set_value(entry_new(md, m, str("quote\"d")), i64(1));
	set_value(entry_new(md, m, str("tab\tx")), i64(3));
	set_value(entry_new(md, m, str("back\\slash")), i64(2));
	m = map_new(md, "@v", 0, OUTPUT_AGG_NONE);
	set_value(entry_new(md, m), str("v\"al\\ue\t\n"));
	exit_maps(o, md);
	free(md);
}

static void test_output_escape(void **state)
{
	(void)state;
	check_fixture("escape", program_escape);
}

static void program_symbols(const struct output *o)
{
	struct model *md = model_new();
	struct output_map *m;

	assert_int_equal(output_attached_probes(o, 1), 0);
	PRINTF(o, "[%s|%s|%s]\n", sym(0, NULL), sym(0, NULL), sym(4096, NULL));
	print_value(o, str("BEGIN"));
	m = map_new(md, "@k", 1, OUTPUT_AGG_COUNT);
	set_value(entry_new(md, m, sym(0, NULL)), u64(1));
	m = map_new(md, "@ks", 1, OUTPUT_AGG_NONE);
	set_value(entry_new(md, m, i64(2)), sym(2, NULL));
	set_value(entry_new(md, m, i64(1)), sym(1, NULL));
	m = map_new(md, "@v", 0, OUTPUT_AGG_NONE);
	set_value(entry_new(md, m), sym(1, NULL));
	m = map_new(md, "@w", 0, OUTPUT_AGG_NONE);
	set_value(entry_new(md, m), sym(2, NULL));
	m = map_new(md, "@p", 1, OUTPUT_AGG_COUNT);
	set_value(entry_new(md, m, str("BEGIN")), u64(1));
	m = map_new(md, "@pt", 1, OUTPUT_AGG_NONE);
	set_value(entry_new(md, m, ptr(16)), i64(1));
	m = map_new(md, "@pv", 0, OUTPUT_AGG_NONE);
	set_value(entry_new(md, m), ptr(4096));
	m = map_new(md, "@n", 1, OUTPUT_AGG_NONE);
	set_value(entry_new(md, m, i64(2)), sym(0, "127.0.0.2"));
	set_value(entry_new(md, m, i64(1)), sym(0, "127.0.0.1"));
	m = map_new(md, "@kn", 1, OUTPUT_AGG_COUNT);
	set_value(entry_new(md, m, str("127.0.0.1")), u64(1));
	PRINTF(o, "%s|\n", sym(0, "127.0.0.1"));
	exit_maps(o, md);
	free(md);
}

static void test_output_symbols(void **state)
{
	(void)state;
	check_fixture("symbols", program_symbols);
}

/* ---- stacks.bt: frames as bpftrace symbolized them on the recording machine -------------------- */

static const struct output_frame kernel_frames[] = {
	{ 0xffffffff814b096d, "perf_syscall_enter", 397, NULL },
	{ 0xffffffff81415b70, "syscall_trace_enter", 384, NULL },
	{ 0xffffffff821ecdda, "do_syscall_64", 506, NULL },
	{ 0xffffffff81000130, "entry_SYSCALL_64_after_hwframe", 118, NULL },
};

/* user frames: the process had exited when bpftrace printed the maps, so none resolved */
static const struct output_frame user_frames[] = {
	{ 0x7ffff7ed4829, NULL, 0, NULL },
	{ 0x55555555537d, NULL, 0, NULL },
	{ 0x7ffff7dfa24a, NULL, 0, NULL },
};

static struct output_value stack(const struct output_frame *frames, size_t n, bool user, enum output_stack_mode mode)
{
	struct output_value v = { .kind = OUTPUT_STACK };

	v.stack.frames = frames;
	v.stack.nframes = n;
	v.stack.is_user = user;
	v.stack.mode = mode;
	return v;
}

static void program_stacks(const struct output *o)
{
	struct model *md = model_new();
	struct output_map *m;
	struct output_value missing = stack(NULL, 0, false, OUTPUT_STACK_BPFTRACE);

	missing.stack.missing = true;	/* bpftrace 0.17 fails to look up this kstack(3) value's id */
	assert_int_equal(output_attached_probes(o, 1), 0);
	PRINTF(o, "stack:%s|\n", stack(kernel_frames, 2, false, OUTPUT_STACK_BPFTRACE));
	print_value(o, stack(kernel_frames, 2, false, OUTPUT_STACK_BPFTRACE));
	m = map_new(md, "@k", 1, OUTPUT_AGG_COUNT);
	set_value(entry_new(md, m, stack(kernel_frames, 4, false, OUTPUT_STACK_BPFTRACE)), u64(5));
	m = map_new(md, "@kp", 1, OUTPUT_AGG_COUNT);
	set_value(entry_new(md, m, stack(kernel_frames, 4, false, OUTPUT_STACK_PERF)), u64(5));
	m = map_new(md, "@k3", 1, OUTPUT_AGG_COUNT);
	set_value(entry_new(md, m, stack(kernel_frames, 3, false, OUTPUT_STACK_BPFTRACE)), u64(5));
	m = map_new(md, "@u", 1, OUTPUT_AGG_COUNT);
	set_value(entry_new(md, m, stack(user_frames, 3, true, OUTPUT_STACK_BPFTRACE)), u64(5));
	m = map_new(md, "@up", 1, OUTPUT_AGG_COUNT);
	set_value(entry_new(md, m, stack(user_frames, 3, true, OUTPUT_STACK_PERF)), u64(5));
	m = map_new(md, "@kv", 0, OUTPUT_AGG_NONE);
	set_value(entry_new(md, m), stack(kernel_frames, 4, false, OUTPUT_STACK_BPFTRACE));
	m = map_new(md, "@kv2", 1, OUTPUT_AGG_NONE);
	set_value(entry_new(md, m, i64(2)), missing);
	set_value(entry_new(md, m, i64(1)), stack(kernel_frames, 2, false, OUTPUT_STACK_BPFTRACE));
	m = map_new(md, "@seen", 0, OUTPUT_AGG_NONE);
	set_value(entry_new(md, m), i64(1));
	exit_maps(o, md);
	free(md);
}

static void test_output_stacks(void **state)
{
	(void)state;
	check_fixture("stacks", program_stacks);
}

/* ---- messages from bpftrace 0.17's source (output.cpp), not capturable on demand ------------------ */

static void test_output_messages(void **state)
{
	struct buf b = BUF_INIT;
	struct output t = { .format = OUTPUT_TEXT, .buf = &b }, j = { .format = OUTPUT_JSON, .buf = &b };
	const char *parts[] = { "/bin/ls", "-l", "x\"y" };
	struct tm tm = { .tm_year = 123, .tm_mon = 0, .tm_mday = 2, .tm_hour = 3, .tm_min = 4, .tm_sec = 5 };

	(void)state;
	assert_int_equal(output_attached_probes(&t, 3), 0);
	assert_int_equal(output_lost_events(&t, 12), 0);
	assert_int_equal(output_lost_events(&j, 12), 0);
	assert_int_equal(output_join(&t, parts, 3, " "), 0);
	assert_int_equal(output_join(&j, parts, 3, ","), 0);
	assert_int_equal(output_time(&t, "%H:%M:%S\n", &tm), 0);
	assert_int_equal(output_time(&j, "%H:%M:%S\n", &tm), 0);
	assert_string_equal(b.data, "Attaching 3 probes...\n"
				    "Lost 12 events\n"
				    "{\"type\": \"lost_events\", \"data\": {\"events\": 12}}\n"
				    "/bin/ls -l x\"y\n"
				    "{\"type\": \"join\", \"data\": \"/bin/ls,-l,x\\\"y\"}\n"
				    "03:04:05\n"
				    "{\"type\": \"time\", \"data\": \"03:04:05\\n\"}\n");
	buf_reset(&b);
	/* strftime output over bpftrace's 64-byte buffer: nothing printed, an error returned */
	assert_int_equal(output_time(&t, "%H%H%H%H%H%H%H%H%H%H%H%H%H%H%H%H%H%H%H%H%H%H%H%H%H%H%H%H%H%H%H%H", &tm),
			 -ERANGE);
	assert_int_equal(b.len, 0);
	buf_release(&b);
}

/* UTF-8 in JSON strings: bpftrace 0.17 escapes each byte >= 0x80 through a sign-extended int. */
static void test_output_json_utf8_quirk(void **state)
{
	struct buf b = BUF_INIT;
	struct output j = { .format = OUTPUT_JSON, .buf = &b };
	struct output_value v = str("\xc3\xa9\x01");

	(void)state;
	assert_int_equal(output_value(&j, &v), 0);
	/* captured: bpftrace -f json -e 'BEGIN { @s = "é\x01"; exit(); }' -> "\uffffffc3\uffffffa9\u0001" */
	assert_string_equal(b.data, "{\"type\": \"value\", \"data\": \"\\uffffffc3\\uffffffa9\\u0001\"}\n");
	buf_release(&b);
}

/* ---- hostile and degenerate models: no crash, defined results ----------------------------------- */

static void test_output_degenerate_models(void **state)
{
	struct buf b = BUF_INIT;
	struct output t = { .format = OUTPUT_TEXT, .buf = &b };
	struct output_map m = { .name = "@x", .nkeys = 0, .agg = OUTPUT_AGG_LHIST };
	uint64_t few[2] = { 1, 2 };
	struct output_entry e = { 0 };
	struct output_value longs = { .kind = OUTPUT_STRING };
	char unterminated[8];

	(void)state;
	/* lhist with step 0 and fewer buckets than its range: prints what exists */
	e.hist.buckets = few;
	e.hist.nbuckets = 2;
	m.entries = &e;
	m.nentries = 1;
	m.lhist_min = 0;
	m.lhist_max = 10;
	m.lhist_step = 0;
	assert_int_equal(output_map(&t, &m, 0, 0), 0);
	assert_int_equal(output_lhist_buckets(0, 10, 0), 0);
	assert_int_equal(output_lhist_buckets(5, 1, 1), 0);
	/* entries missing while nentries says otherwise */
	m.entries = NULL;
	assert_int_equal(output_map(&t, &m, 0, 0), -EINVAL);
	/* a string without a NUL inside its length */
	memset(unterminated, 'A', sizeof(unterminated));
	longs.str.s = unterminated;
	longs.str.len = sizeof(unterminated);
	buf_reset(&b);
	assert_int_equal(output_value(&t, &longs), 0);
	assert_string_equal(b.data, "AAAAAAAA\n");
	/* printf with more arguments than conversions, or mismatched kinds: -EINVAL, no crash */
	struct output_value one = i64(1), text = str("s");

	buf_reset(&b);
	assert_int_equal(output_printf(&t, "ok\n", &one, 1), -EINVAL);
	assert_int_equal(output_printf(&t, "%d\n", &text, 1), -EINVAL);
	assert_int_equal(output_printf(&t, "%s\n", &one, 1), -EINVAL);
	assert_int_equal(output_printf(&t, "%d %d\n", &one, 1), 0);
	buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_output_scalars),
		cmocka_unit_test(test_output_keyed),
		cmocka_unit_test(test_output_hist),
		cmocka_unit_test(test_output_lhist),
		cmocka_unit_test(test_output_print),
		cmocka_unit_test(test_output_escape),
		cmocka_unit_test(test_output_symbols),
		cmocka_unit_test(test_output_stacks),
		cmocka_unit_test(test_output_messages),
		cmocka_unit_test(test_output_json_utf8_quirk),
		cmocka_unit_test(test_output_degenerate_models),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

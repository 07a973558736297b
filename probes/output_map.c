// SPDX-License-Identifier: Apache-2.0
/* Map printing as bpftrace 0.17 does it: entry order, top/div, text rows and bars, JSON map/hist/stats lines. */
#include "probes/output_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ---- ordering ---------------------------------------------------------------------------------- */

static bool agg_is_hist(enum output_agg a)
{
	return a == OUTPUT_AGG_HIST || a == OUTPUT_AGG_LHIST;
}

static bool agg_is_stats(enum output_agg a)
{
	return a == OUTPUT_AGG_AVG || a == OUTPUT_AGG_STATS;
}

static uint64_t int_masked(const struct output_value *v)
{
	switch (v->bytes) {
	case 1:
		return (uint8_t)v->i;
	case 2:
		return (uint16_t)v->i;
	case 4:
		return (uint32_t)v->i;
	default:
		return (uint64_t)v->i;
	}
}

static int cmp_u64(uint64_t a, uint64_t b)
{
	return a < b ? -1 : a > b;
}

static int cmp_i64(int64_t a, int64_t b)
{
	return a < b ? -1 : a > b;
}

static int cmp_strings(const struct output_value *a, const struct output_value *b)
{
	size_t la = output_string_len(a), lb = output_string_len(b);
	int c = memcmp(a->str.s ? a->str.s : "", b->str.s ? b->str.s : "", la < lb ? la : lb);

	return c ? (c < 0 ? -1 : 1) : cmp_u64(la, lb);
}

/* BPFtrace::sort_by_key: integers as unsigned, strings as strncmp; other kinds do not order. */
static int key_cmp_sorted(const struct output_map *m, const struct output_entry *a, const struct output_entry *b)
{
	for (size_t i = 0; i < m->nkeys; i++) {
		const struct output_value *x = &a->key[i], *y = &b->key[i];
		int c = 0;

		if (x->kind != y->kind)
			continue;
		if (x->kind == OUTPUT_INT)
			c = cmp_u64(int_masked(x), int_masked(y));
		else if (x->kind == OUTPUT_STRING)
			c = cmp_strings(x, y);
		if (c)
			return c;
	}
	return 0;
}

static int bytes_cmp_le(uint64_t a, uint64_t b, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		unsigned int x = (a >> (8 * i)) & 0xff, y = (b >> (8 * i)) & 0xff;

		if (x != y)
			return x < y ? -1 : 1;
	}
	return 0;
}

/*
 * Hist, avg and stats maps are gathered in a std::map keyed by the raw key
 * bytes (little-endian integers, NUL-padded strings) and then sorted with a
 * sort that is stable at these sizes, so ties print in raw-byte order.
 */
static int key_cmp_raw(const struct output_map *m, const struct output_entry *a, const struct output_entry *b)
{
	for (size_t i = 0; i < m->nkeys; i++) {
		const struct output_value *x = &a->key[i], *y = &b->key[i];
		int c = 0;

		if (x->kind != y->kind)
			continue;
		switch (x->kind) {
		case OUTPUT_INT:
			c = bytes_cmp_le((uint64_t)x->i, (uint64_t)y->i, x->bytes >= 1 && x->bytes <= 8 ? x->bytes : 8);
			break;
		case OUTPUT_POINTER:
			c = bytes_cmp_le((uint64_t)x->i, (uint64_t)y->i, 8);
			break;
		case OUTPUT_SYM:
			c = bytes_cmp_le(x->sym.addr, y->sym.addr, 8);
			break;
		case OUTPUT_STRING:
			c = cmp_strings(x, y);
			break;
		default:
			break;
		}
		if (c)
			return c;
	}
	return 0;
}

static bool value_is_numeric(const struct output_map *m)
{
	switch (m->agg) {
	case OUTPUT_AGG_COUNT:
	case OUTPUT_AGG_SUM:
	case OUTPUT_AGG_MIN:
	case OUTPUT_AGG_MAX:
		return true;
	case OUTPUT_AGG_NONE:
		return m->nentries && m->entries[0].value.kind == OUTPUT_INT;
	default:
		return false;
	}
}

static bool value_is_signed(const struct output_map *m)
{
	switch (m->agg) {
	case OUTPUT_AGG_COUNT:
	case OUTPUT_AGG_MAX:
		return false;
	case OUTPUT_AGG_MIN:
		return true;
	default:
		return m->nentries && m->entries[0].value.is_signed;
	}
}

static uint64_t hist_total(const struct output_entry *e)
{
	int64_t sum = 0;

	for (size_t i = 0; i < e->hist.nbuckets; i++)
		sum += (int64_t)e->hist.buckets[i];
	return (uint64_t)sum;
}

static int64_t stats_average(const struct output_entry *e)
{
	if (e->stats.count == 0)
		return 0;
	if (e->stats.count == -1 && e->stats.total == INT64_MIN)
		return INT64_MIN;
	return e->stats.total / e->stats.count;
}

struct sort_item {
	struct output_entry e;
	size_t index;
};

static int entry_cmp(const void *pa, const void *pb, void *arg)
{
	const struct sort_item *a = pa, *b = pb;
	const struct output_map *m = arg;
	int c = 0;

	if (agg_is_hist(m->agg)) {
		c = cmp_i64((int64_t)hist_total(&a->e), (int64_t)hist_total(&b->e));
		if (!c)
			c = key_cmp_raw(m, &a->e, &b->e);
	} else if (agg_is_stats(m->agg)) {
		c = cmp_i64(stats_average(&a->e), stats_average(&b->e));
		if (!c)
			c = key_cmp_raw(m, &a->e, &b->e);
	} else {
		if (value_is_numeric(m)) {
			if (value_is_signed(m))
				c = cmp_i64(a->e.value.i, b->e.value.i);
			else
				c = cmp_u64((uint64_t)a->e.value.i, (uint64_t)b->e.value.i);
		}
		/* bpftrace leaves ties in hash order (random); we order them by key */
		if (!c)
			c = key_cmp_sorted(m, &a->e, &b->e);
		if (!c)
			c = key_cmp_raw(m, &a->e, &b->e);
	}
	return c ? c : cmp_u64(a->index, b->index);
}

static int sort_entries(struct output_map *m)
{
	struct sort_item *items;

	if (m->nentries < 2)
		return 0;
	items = calloc(m->nentries, sizeof(*items));
	if (!items)
		return -ENOMEM;
	for (size_t i = 0; i < m->nentries; i++) {
		items[i].e = m->entries[i];
		items[i].index = i;
	}
	qsort_r(items, m->nentries, sizeof(*items), entry_cmp, m);
	for (size_t i = 0; i < m->nentries; i++)
		m->entries[i] = items[i].e;
	free(items);
	return 0;
}

/* ---- histograms -------------------------------------------------------------------------------- */

static uint64_t bucket(const struct output_entry *e, size_t i)
{
	return i < e->hist.nbuckets ? e->hist.buckets[i] : 0;
}

/* TextOutput::hist_index_label: 1 << power with a K/M/G/T suffix, in C int arithmetic. */
static void write_hist_label(struct writer *w, int power)
{
	char suffix = 0;

	if (power >= 40) {
		suffix = 'T';
		power -= 40;
	} else if (power >= 30) {
		suffix = 'G';
		power -= 30;
	} else if (power >= 20) {
		suffix = 'M';
		power -= 20;
	} else if (power >= 10) {
		suffix = 'K';
		power -= 10;
	}
	writer_f(w, "%d", (int)(1u << (power & 31)));
	if (suffix)
		writer_ch(w, suffix);
}

static void write_lhist_label(struct writer *w, int n)
{
	if (n == 0)
		writer_ch(w, '0');
	else if (n % 1048576 == 0)
		writer_f(w, "%dM", n / 1048576);
	else if (n % 1024 == 0)
		writer_f(w, "%dK", n / 1024);
	else
		writer_f(w, "%d", n);
}

/* One "header  count |bar|" row; the bar uses bpftrace's float arithmetic on the undivided count. */
static void write_row(struct writer *w, const struct buf *header, uint64_t shown, uint64_t v, int max_value)
{
	int bar = (int)((float)v / (float)max_value * 52);

	if (bar < 0)
		bar = 0;
	if (bar > 52)
		bar = 52;
	writer_f(w, "%-16s%8llu |", header->data, (unsigned long long)shown);
	for (int i = 0; i < 52; i++)
		writer_ch(w, i < bar ? '@' : ' ');
	writer_str(w, "|\n");
}

struct hist_range {
	int first, last;	/* -1 when nothing to print */
	int max_value;
};

/* Output::hist_prepare: counts are read through an int, as bpftrace does. */
static struct hist_range hist_prepare(const struct output_entry *e)
{
	struct hist_range r = { -1, -1, 0 };

	for (size_t i = 0; i < e->hist.nbuckets; i++) {
		int v = (int)bucket(e, i);

		if (v > 0) {
			if (r.first == -1)
				r.first = (int)i;
			r.last = (int)i;
		}
		if (v > r.max_value)
			r.max_value = v;
	}
	return r;
}

/* Output::lhist_prepare: trims to the first and last non-empty bucket of 0..n+1. */
static struct hist_range lhist_prepare(const struct output_map *m, const struct output_entry *e, int *nbuckets)
{
	struct hist_range r = { -1, -1, 0 };
	int max_index = -1;
	int step = (int)m->lhist_step;

	*nbuckets = step ? ((int)m->lhist_max - (int)m->lhist_min) / step : 0;
	for (size_t i = 0; i < e->hist.nbuckets; i++) {
		int v = (int)bucket(e, i);

		if (v != 0)
			max_index = (int)i;
		if (v > r.max_value)
			r.max_value = v;
	}
	if (max_index == -1)
		return r;
	for (int i = 0; i <= *nbuckets + 1; i++) {
		if (bucket(e, (size_t)i) > 0) {
			if (r.first == -1)
				r.first = i;
			r.last = i;
		}
	}
	if (r.first == -1) {
		r.first = 0;
		r.last = 0;
	}
	return r;
}

static void write_hist_text(struct writer *w, const struct output_entry *e, uint32_t div)
{
	struct hist_range r = hist_prepare(e);
	struct buf header = BUF_INIT;
	struct writer h = { .b = &header, .err = 0 };

	for (int i = r.first; r.first != -1 && i <= r.last; i++) {
		buf_reset(&header);
		if (i == 0) {
			writer_str(&h, "(..., 0)");
		} else if (i == 1) {
			writer_str(&h, "[0]");
		} else if (i == 2) {
			writer_str(&h, "[1]");
		} else {
			writer_ch(&h, '[');
			write_hist_label(&h, i - 2);
			writer_str(&h, ", ");
			write_hist_label(&h, i - 1);
			writer_ch(&h, ')');
		}
		write_row(w, &header, bucket(e, (size_t)i) / div, bucket(e, (size_t)i), r.max_value);
	}
	if (h.err && !w->err)
		w->err = h.err;
	buf_release(&header);
}

static void write_lhist_text(struct writer *w, const struct output_map *m, const struct output_entry *e)
{
	int n;
	struct hist_range r = lhist_prepare(m, e, &n);
	int min = (int)m->lhist_min, max = (int)m->lhist_max, step = (int)m->lhist_step;
	struct buf header = BUF_INIT;
	struct writer h = { .b = &header, .err = 0 };

	for (int i = r.first; r.first != -1 && i <= r.last; i++) {
		buf_reset(&header);
		if (i == 0) {
			writer_str(&h, "(..., ");
			write_lhist_label(&h, min);
			writer_ch(&h, ')');
		} else if (i == n + 1) {
			writer_ch(&h, '[');
			write_lhist_label(&h, max);
			writer_str(&h, ", ...)");
		} else {
			writer_ch(&h, '[');
			write_lhist_label(&h, (i - 1) * step + min);
			writer_str(&h, ", ");
			write_lhist_label(&h, i * step + min);
			writer_ch(&h, ')');
		}
		write_row(w, &header, bucket(e, (size_t)i), bucket(e, (size_t)i), r.max_value);
	}
	if (h.err && !w->err)
		w->err = h.err;
	buf_release(&header);
}

static void write_hist_json(struct writer *w, const struct output_entry *e, uint32_t div)
{
	struct hist_range r = hist_prepare(e);

	if (r.first == -1) {
		writer_str(w, "[]");
		return;
	}
	writer_ch(w, '[');
	for (int i = r.first; i <= r.last; i++) {
		if (i > r.first)
			writer_str(w, ", ");
		writer_ch(w, '{');
		if (i == 0) {
			writer_str(w, "\"max\": -1, ");
		} else if (i == 1) {
			writer_str(w, "\"min\": 0, \"max\": 0, ");
		} else if (i == 2) {
			writer_str(w, "\"min\": 1, \"max\": 1, ");
		} else {
			/* `1 << n` in C int, as bpftrace computes it: [2G, 4G) prints min -2147483648, max 0 */
			int low = (int)(1u << ((i - 2) & 31));
			int high = (int)((1u << ((i - 1) & 31)) - 1u);

			writer_f(w, "\"min\": %d, \"max\": %d, ", low, high);
		}
		writer_f(w, "\"count\": %llu}", (unsigned long long)(bucket(e, (size_t)i) / div));
	}
	writer_ch(w, ']');
}

static void write_lhist_json(struct writer *w, const struct output_map *m, const struct output_entry *e)
{
	int n;
	struct hist_range r = lhist_prepare(m, e, &n);
	int min = (int)m->lhist_min, max = (int)m->lhist_max, step = (int)m->lhist_step;

	if (r.first == -1) {
		writer_str(w, "[]");
		return;
	}
	writer_ch(w, '[');
	for (int i = r.first; i <= r.last; i++) {
		if (i > r.first)
			writer_str(w, ", ");
		writer_ch(w, '{');
		if (i == 0)
			writer_f(w, "\"max\": %d, ", min - 1);
		else if (i == n + 1)
			writer_f(w, "\"min\": %d, ", max);
		else
			writer_f(w, "\"min\": %d, \"max\": %d, ", (i - 1) * step + min, i * step + min - 1);
		writer_f(w, "\"count\": %llu}", (unsigned long long)bucket(e, (size_t)i));
	}
	writer_ch(w, ']');
}

/* ---- entries ----------------------------------------------------------------------------------- */

static void write_key(struct writer *w, enum output_format f, const struct output_map *m, const struct output_entry *e)
{
	if (f == OUTPUT_TEXT) {
		writer_str(w, m->name);
		if (!m->nkeys)
			return;
		writer_ch(w, '[');
		for (size_t i = 0; i < m->nkeys; i++) {
			if (i)
				writer_str(w, ", ");
			output_write_key_arg(w, &e->key[i]);
		}
		writer_ch(w, ']');
		return;
	}
	if (!m->nkeys)
		return;
	/* JSON: the key arguments' text joined by ",", escaped, as one string */
	struct buf tmp = BUF_INIT;
	struct writer t = { .b = &tmp, .err = 0 };

	for (size_t i = 0; i < m->nkeys; i++) {
		if (i)
			writer_ch(&t, ',');
		output_write_key_arg(&t, &e->key[i]);
	}
	writer_ch(w, '"');
	writer_json_buf(w, &tmp);
	writer_str(w, "\": ");
	if (t.err && !w->err)
		w->err = t.err;
	buf_release(&tmp);
}

static void write_entry_value(struct writer *w, enum output_format f, const struct output_map *m,
			      const struct output_entry *e, uint32_t div)
{
	struct output_value v;

	switch (m->agg) {
	case OUTPUT_AGG_HIST:
		if (f == OUTPUT_JSON)
			write_hist_json(w, e, div);
		else
			write_hist_text(w, e, div);
		return;
	case OUTPUT_AGG_LHIST:
		if (f == OUTPUT_JSON)
			write_lhist_json(w, m, e);
		else
			write_lhist_text(w, m, e);
		return;
	case OUTPUT_AGG_STATS: {
		int64_t avg = stats_average(e);

		if (f == OUTPUT_JSON)
			writer_f(w, "{\"count\": %lld, \"average\": %lld, \"total\": %lld}", (long long)e->stats.count,
				 (long long)avg, (long long)e->stats.total);
		else
			writer_f(w, "count %lld, average %lld, total %lld", (long long)e->stats.count, (long long)avg,
				 (long long)e->stats.total);
		return;
	}
	case OUTPUT_AGG_AVG:
		writer_f(w, "%lld", (long long)(stats_average(e) / (int64_t)div));
		return;
	case OUTPUT_AGG_NONE:
		output_write_value(w, f, &e->value, div);
		return;
	default:
		/* count/sum/min/max always print as 64-bit integers of the aggregation's signedness */
		v = e->value;
		v.kind = OUTPUT_INT;
		v.bytes = 8;
		v.is_signed = value_is_signed(m);
		output_write_value(w, f, &v, div);
		return;
	}
}

/* TextOutput::map_elem_delim_to_str: entries whose values are stacks or symbols are not separated. */
static const char *text_delimiter(const struct output_map *m)
{
	if (m->agg == OUTPUT_AGG_NONE && m->nentries &&
	    (m->entries[0].value.kind == OUTPUT_STACK || m->entries[0].value.kind == OUTPUT_SYM))
		return "";
	return "\n";
}

static const char *json_type(const struct output_map *m)
{
	return agg_is_hist(m->agg) ? "hist" : agg_is_stats(m->agg) ? "stats" : "map";
}

int output_map(const struct output *o, struct output_map *m, uint32_t top, uint32_t div)
{
	struct writer w = { .b = o->buf, .err = 0 };
	bool json = o->format == OUTPUT_JSON;
	size_t skip = 0;
	bool first = true;
	int err;

	if (m->nentries && !m->entries)
		return -EINVAL;
	err = sort_entries(m);
	if (err)
		return err;
	if (div == 0)
		div = 1;
	/* top keeps the last `top` entries; stats() maps ignore it (bpftrace warns at compile time) */
	if (top && m->nentries > top && m->agg != OUTPUT_AGG_STATS)
		skip = m->nentries - top;

	if (json) {
		if (!m->nentries)
			return 0;
		writer_f(&w, "{\"type\": \"%s\", \"data\": {\"", json_type(m));
		writer_json_escaped(&w, m->name, strlen(m->name));
		writer_str(&w, "\": ");
		if (m->nkeys)
			writer_ch(&w, '{');
	}
	for (size_t i = skip; i < m->nentries; i++) {
		const struct output_entry *e = &m->entries[i];

		if (!first)
			writer_str(&w, json ? ", " : agg_is_hist(m->agg) || agg_is_stats(m->agg) ? "\n" : text_delimiter(m));
		first = false;
		write_key(&w, o->format, m, e);
		if (!json)
			writer_str(&w, agg_is_hist(m->agg) ? ": \n" : ": ");
		write_entry_value(&w, o->format, m, e, div);
	}
	if (json) {
		if (m->nkeys)
			writer_ch(&w, '}');
		writer_str(&w, "}}\n");
	} else {
		writer_str(&w, agg_is_stats(m->agg) ? "\n\n" : "\n");
	}
	return w.err;
}

static int map_name_cmp(const void *a, const void *b)
{
	const struct output_map *x = a, *y = b;

	return strcmp(x->name, y->name);
}

int output_maps_at_exit(const struct output *o, struct output_map *maps, size_t nmaps)
{
	int err = buf_addstr(o->buf, "\n\n");

	if (err)
		return err;
	if (nmaps > 1)
		qsort(maps, nmaps, sizeof(*maps), map_name_cmp);
	for (size_t i = 0; i < nmaps; i++) {
		err = output_map(o, &maps[i], 0, 0);
		if (err)
			return err;
	}
	return 0;
}

/* SPDX-License-Identifier: Apache-2.0 */
/* bpftrace 0.17-identical printing of trace results (text and -f json) from an already-decoded value model. */
#ifndef SCORCH_PROBES_OUTPUT_H
#define SCORCH_PROBES_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct buf;
struct errbuf;

/*
 * How to use it (the runtime's side):
 *   1. After reading a BPF map, merge per-CPU slots, decode each key and value
 *      into the model below (struct output_value / output_entry / output_map).
 *      Strings, symbols and stack frames are borrowed: they must stay valid
 *      until the output_* call returns. Nothing here frees anything.
 *   2. Call output_* with a struct output whose `buf` collects the bytes;
 *      write buf to stdout (and fflush) when you like, then buf_reset().
 *   3. Ordering and the "which entries print" decisions bpftrace makes at
 *      print time (sort by value, sort by key, top, div) are done here, so
 *      hand the entries over in any order. Everything else (map types, what
 *      clear()/zero()/delete() leave behind, min()'s storage) is the
 *      runtime's: see docs/bpftrace-compat.md.
 * Every function returns 0 or -ENOMEM (or -EINVAL for a malformed model).
 */

enum output_format {
	OUTPUT_TEXT,		/* bpftrace's default text */
	OUTPUT_JSON,		/* bpftrace -f json: one JSON object per line */
};

struct output {
	enum output_format format;
	struct buf *buf;	/* borrowed: bytes are appended here */
};

/* ---- values ---------------------------------------------------------------------------------- */

enum output_kind {
	/*
	 * An integer. `i` holds it sign- or zero-extended to 64 bits per `is_signed`;
	 * `bytes` (1, 2, 4, 8) is its declared width. As a map value it prints
	 * truncated to that width and signedness; as a map key it prints signed
	 * at its width (bpftrace prints key (uint32)-1 as 4294967295 because keys
	 * are widened, so pass the key's stored width, normally 8).
	 */
	OUTPUT_INT,
	/*
	 * Text: str() results, comm, and anything the runtime has already turned
	 * into text (probe, username, strftime(), cgroup path, strerror).
	 * Printed up to the first NUL within `len` bytes. Quoted in JSON.
	 */
	OUTPUT_STRING,
	/*
	 * ksym()/usym(): `sym.name` (NULL when unresolved: printed as 0x<hex addr>).
	 * Also ntop() results (name = the address text): bpftrace prints maps of
	 * ksym, usym and inet values with no newline between entries
	 * ("@n[1]: 127.0.0.1@n[2]: 127.0.0.2"). Quoted in JSON.
	 */
	OUTPUT_SYM,
	/* kstack/ustack: frames, innermost first. Quoted in JSON. */
	OUTPUT_STACK,
	/* A tuple: text "(a, b)", JSON "[a,b]". */
	OUTPUT_TUPLE,
	/* A pointer (a cast): as a key "0x<hex>", as a value signed decimal, in printf an unsigned int. */
	OUTPUT_POINTER,
};

enum output_stack_mode {
	OUTPUT_STACK_BPFTRACE,	/* "        func+off" lines (default) */
	OUTPUT_STACK_PERF,	/* "\t<hex addr> func+off (module)" lines: kstack(perf) / ustack(perf) */
};

/* One stack frame, already symbolized. */
struct output_frame {
	uint64_t addr;
	const char *name;	/* symbol, or NULL when unresolved (printed as 0x<hex addr>) */
	uint64_t offset;	/* addr - symbol start */
	const char *module;	/* user frames in perf mode: object path; NULL prints "[unknown]" */
};

struct output_stack {
	bool is_user;			/* ustack (perf mode then shows the module) */
	bool missing;			/* stack id lookup failed (e.g. -EFAULT): prints as "" */
	enum output_stack_mode mode;
	const struct output_frame *frames;	/* borrowed; innermost first, no 0 addresses */
	size_t nframes;
};

struct output_value {
	enum output_kind kind;
	union {
		struct {
			int64_t i;		/* OUTPUT_INT, OUTPUT_POINTER */
			uint8_t bytes;		/* 1, 2, 4 or 8 */
			bool is_signed;
		};
		struct {
			const char *s;		/* OUTPUT_STRING; borrowed */
			size_t len;		/* at most this many bytes are read */
		} str;
		struct {
			uint64_t addr;		/* OUTPUT_SYM */
			const char *name;	/* NULL: unresolved */
		} sym;
		struct output_stack stack;	/* OUTPUT_STACK */
		struct {
			const struct output_value *elems;	/* OUTPUT_TUPLE; borrowed */
			size_t n;
		} tuple;
	};
};

/* ---- maps ------------------------------------------------------------------------------------ */

/* What a map holds: plain assigned values, or one of the aggregations. */
enum output_agg {
	OUTPUT_AGG_NONE,	/* @x = expr: entry.value (any kind) */
	OUTPUT_AGG_COUNT,	/* entry.value: OUTPUT_INT, unsigned, 8 bytes, merged over CPUs */
	OUTPUT_AGG_SUM,		/* entry.value: OUTPUT_INT, 8 bytes, signed when the summed expression is */
	OUTPUT_AGG_MIN,		/* entry.value: OUTPUT_INT, signed, 8 bytes (the decoded minimum) */
	OUTPUT_AGG_MAX,		/* entry.value: OUTPUT_INT, unsigned 8 bytes (bpftrace prints max as u64) */
	OUTPUT_AGG_AVG,		/* entry.stats */
	OUTPUT_AGG_STATS,	/* entry.stats */
	OUTPUT_AGG_HIST,	/* entry.hist with OUTPUT_HIST_BUCKETS buckets */
	OUTPUT_AGG_LHIST,	/* entry.hist with output_lhist_buckets() buckets */
};

/*
 * hist() buckets, indexed as bpftrace 0.17 indexes them: 0 holds values < 0,
 * 1 holds 0, 2 holds 1, and i >= 3 holds [2^(i-2), 2^(i-1)).
 */
#define OUTPUT_HIST_BUCKETS 65

/*
 * lhist(v, min, max, step) buckets: 0 holds v < min, i in 1..n holds
 * [min + (i-1)*step, min + i*step), n+1 holds v >= max, n = (max - min) / step.
 */
static inline size_t output_lhist_buckets(int64_t min, int64_t max, int64_t step)
{
	return step > 0 && max > min ? (size_t)((max - min) / step) + 2 : 0;
}

struct output_entry {
	const struct output_value *key;	/* borrowed; map.nkeys values, NULL when nkeys == 0 */
	union {
		struct output_value value;	/* NONE, COUNT, SUM, MIN, MAX */
		struct {
			int64_t count;		/* AVG, STATS: merged over CPUs */
			int64_t total;
		} stats;
		struct {
			const uint64_t *buckets;	/* HIST, LHIST: merged counts; borrowed */
			size_t nbuckets;
		} hist;
	};
};

struct output_map {
	const char *name;		/* "@x", or "@" for the anonymous map */
	size_t nkeys;			/* key arguments: @m[a, b] has 2; 0 for a scalar map */
	enum output_agg agg;
	int64_t lhist_min, lhist_max, lhist_step;	/* OUTPUT_AGG_LHIST only */
	struct output_entry *entries;	/* borrowed; reordered in place when printed */
	size_t nentries;		/* 0 is legal: text prints a blank line, JSON nothing */
};

/* ---- printing -------------------------------------------------------------------------------- */

/* "Attaching N probe(s)..." / {"type": "attached_probes", ...}. */
int output_attached_probes(const struct output *o, uint64_t nprobes);

/* "Lost N events" / {"type": "lost_events", "data": {"events": N}}: perf ring buffer losses. */
int output_lost_events(const struct output *o, uint64_t nlost);

/*
 * print(@m) and print(@m, top, div) (top 0 = all, div 0 = 1): sorts the
 * entries exactly as bpftrace does (by value, or by key for non-numeric
 * values; ties keep a deterministic key order) and prints the map.
 */
int output_map(const struct output *o, struct output_map *m, uint32_t top, uint32_t div);

/*
 * Everything printed when the program ends (exit(), Ctrl-C, -d, -c command
 * ending): the two newlines bpftrace prints first, then every map in name
 * order (strcmp), each as output_map(o, m, 0, 0). `maps` is reordered.
 */
int output_maps_at_exit(const struct output *o, struct output_map *maps, size_t nmaps);

/* print(expr) of a non-map value: the value and a newline / {"type": "value", "data": ...}. */
int output_value(const struct output *o, const struct output_value *v);

/*
 * printf(fmt, args...): formats as bpftrace 0.17 does (including its quirks:
 * a "%%" after the last conversion, or in a format with no conversions, is
 * printed as "%%"). Integers are converted per the conversion's length
 * modifier the way glibc reads a 64-bit vararg; strings, symbols and stacks
 * print as text. The caller has checked the format with
 * output_printf_check(); a mismatch here prints what it can and returns
 * -EINVAL.
 */
int output_printf(const struct output *o, const char *fmt, const struct output_value *args, size_t nargs);

/*
 * The semantic check bpftrace 0.17 does on printf()/system()/cat() formats.
 * `arg_types` are bpftrace's type names after its conversions: "integer"
 * (ints and pointers), "string" (strings, ksym, usym, probe, username,
 * kstack, ustack, inet, timestamp, cgroup_path, strerror), "buffer", or
 * anything else ("tuple", ...) which no conversion accepts. `func` is
 * "printf", "system" or "cat". Returns 0, or -EINVAL with bpftrace's message
 * in err ("printf: Too many arguments for format string (2 supplied, 1 expected)").
 */
int output_printf_check(const char *fmt, const char *const *arg_types, size_t nargs, const char *func,
			struct errbuf *err);

/* Number of conversions bpftrace finds in `fmt` (its printf argument count). */
size_t output_printf_conversions(const char *fmt);

/*
 * time(fmt): strftime of `tm` into at most 63 bytes (bpftrace's buffer), no
 * newline added / {"type": "time", "data": "..."}. Returns -ERANGE (and prints
 * nothing) when the result does not fit, as bpftrace ("strftime returned 0").
 */
int output_time(const struct output *o, const char *fmt, const struct tm *tm);

/* join(array, delim) message: parts joined by delim, then a newline / {"type": "join", ...}. */
int output_join(const struct output *o, const char *const *parts, size_t nparts, const char *delim);

/*
 * Text of one value as print()/map printing shows it (text format, value
 * context: stacks indented by 8), appended to `b`; for the runtime's own
 * uses (e.g. the %s of a stack in printf goes through output_printf).
 */
int output_value_text(struct buf *b, const struct output_value *v);

#endif

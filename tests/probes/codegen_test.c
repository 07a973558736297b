// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests of code generation and register allocation without a kernel: programs are compiled and
 * lowered to BPF, then run by a small BPF interpreter in this file with stub helpers (fixed pid, comm,
 * maps in memory, events captured). Results are compared with the same arithmetic done in C under
 * bpftrace's rules (64-bit, unsigned division, signed compares only when both sides are signed).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <linux/bpf.h>

#include "lib/buf.h"
#include "probes/check.h"
#include "probes/internal.h"
#include "probes/ir.h"
#include "probes/maps.h"

#define PID 1234ULL
#define TID 5678ULL
#define MAXMAPS 64
#define MAXENT 256

/* ---- an in-memory BPF map ------------------------------------------------------------------------- */

struct vmap {
	uint32_t type, key_size, value_size, max;
	uint8_t *keys, *vals;
	bool *used;
};

struct vm {
	struct vmap maps[MAXMAPS];
	uint32_t nmaps;
	uint8_t events[1 << 16];
	size_t evlen;
	uint32_t nevents;
	uint8_t stack[512];
	uint64_t steps;
};

static void vm_init(struct vm *vm, const struct checker *c)
{
	memset(vm, 0, sizeof(*vm));
	vm->nmaps = c->nbmaps;
	assert_true(vm->nmaps <= MAXMAPS);
	for (uint32_t i = 0; i < c->nbmaps; i++) {
		struct vmap *m = &vm->maps[i];
		m->type = c->bmaps[i].type;
		m->key_size = c->bmaps[i].key_size ? c->bmaps[i].key_size : 4;
		m->value_size = c->bmaps[i].value_size ? c->bmaps[i].value_size : 8;
		m->max = MAXENT;
		m->keys = calloc(MAXENT, m->key_size);
		m->vals = calloc(MAXENT, m->value_size);
		m->used = calloc(MAXENT, sizeof(bool));
		if (m->type == BPF_MAP_TYPE_PERCPU_ARRAY || m->type == BPF_MAP_TYPE_ARRAY)
			for (uint32_t k = 0; k < MAXENT; k++) {
				m->used[k] = true;
				memcpy(m->keys + k * m->key_size, &k, 4);
			}
	}
}

static void vm_release(struct vm *vm)
{
	for (uint32_t i = 0; i < vm->nmaps; i++) {
		free(vm->maps[i].keys);
		free(vm->maps[i].vals);
		free(vm->maps[i].used);
	}
}

static uint8_t *map_find(struct vmap *m, const void *key)
{
	for (uint32_t k = 0; k < m->max; k++)
		if (m->used[k] && memcmp(m->keys + k * m->key_size, key, m->key_size) == 0)
			return m->vals + k * m->value_size;
	return NULL;
}

static int map_update(struct vmap *m, const void *key, const void *val, uint64_t flags)
{
	uint8_t *v = map_find(m, key);
	if (v && flags == BPF_NOEXIST)
		return -17;
	if (!v) {
		for (uint32_t k = 0; k < m->max && !v; k++)
			if (!m->used[k]) {
				m->used[k] = true;
				memcpy(m->keys + k * m->key_size, key, m->key_size);
				v = m->vals + k * m->value_size;
			}
		if (!v)
			return -7;
	}
	memcpy(v, val, m->value_size);
	return 0;
}

/* ---- the interpreter ----------------------------------------------------------------------------------- */

static uint64_t helper(struct vm *vm, int fn, uint64_t *r)
{
	switch (fn) {
	case BPF_FUNC_map_lookup_elem:
		return (uint64_t)(uintptr_t)map_find(&vm->maps[r[1]], (void *)(uintptr_t)r[2]);
	case BPF_FUNC_map_update_elem:
		return (uint64_t)(int64_t)map_update(&vm->maps[r[1]], (void *)(uintptr_t)r[2], (void *)(uintptr_t)r[3],
						    r[4]);
	case BPF_FUNC_map_delete_elem: {
		struct vmap *m = &vm->maps[r[1]];
		uint8_t *v = map_find(m, (void *)(uintptr_t)r[2]);
		if (!v)
			return (uint64_t)-2;
		m->used[(v - m->vals) / m->value_size] = false;
		return 0;
	}
	case BPF_FUNC_ringbuf_output:
		assert_true(vm->evlen + 8 + r[3] <= sizeof(vm->events));
		memcpy(vm->events + vm->evlen, &r[3], 8);
		memcpy(vm->events + vm->evlen + 8, (void *)(uintptr_t)r[2], r[3]);
		vm->evlen += 8 + r[3];
		vm->nevents++;
		return 0;
	case BPF_FUNC_get_current_pid_tgid:
		return PID << 32 | TID;
	case BPF_FUNC_get_current_uid_gid:
		return 1000ULL << 32 | 1001;
	case BPF_FUNC_ktime_get_ns:
		return 5000000000ULL;
	case BPF_FUNC_get_smp_processor_id:
		return 1;
	case BPF_FUNC_get_current_comm:
		memset((void *)(uintptr_t)r[1], 0, r[2]);
		strncpy((char *)(uintptr_t)r[1], "vmtest", r[2] - 1);
		return 0;
	case BPF_FUNC_probe_read_str: {
		char *dst = (char *)(uintptr_t)r[1];
		const char *src = (const char *)(uintptr_t)r[3];
		size_t n = strnlen(src, r[2] - 1);
		memcpy(dst, src, n);
		dst[n] = 0;
		return n + 1;
	}
	case BPF_FUNC_probe_read_kernel:
		memcpy((void *)(uintptr_t)r[1], (void *)(uintptr_t)r[3], r[2]);
		return 0;
	case BPF_FUNC_get_stackid:
		return 7;
	default:
		fail_msg("unexpected helper %d", fn);
		return 0;
	}
}

static uint64_t mem_load(uint64_t addr, int size)
{
	switch (size) {
	case BPF_B: return *(uint8_t *)(uintptr_t)addr;
	case BPF_H: { uint16_t v; memcpy(&v, (void *)(uintptr_t)addr, 2); return v; }
	case BPF_W: { uint32_t v; memcpy(&v, (void *)(uintptr_t)addr, 4); return v; }
	default: { uint64_t v; memcpy(&v, (void *)(uintptr_t)addr, 8); return v; }
	}
}

static void mem_store(uint64_t addr, int size, uint64_t v)
{
	switch (size) {
	case BPF_B: *(uint8_t *)(uintptr_t)addr = (uint8_t)v; break;
	case BPF_H: { uint16_t x = (uint16_t)v; memcpy((void *)(uintptr_t)addr, &x, 2); break; }
	case BPF_W: { uint32_t x = (uint32_t)v; memcpy((void *)(uintptr_t)addr, &x, 4); break; }
	default: memcpy((void *)(uintptr_t)addr, &v, 8);
	}
}

static bool jump_taken(int op, uint64_t a, uint64_t b)
{
	switch (op) {
	case BPF_JEQ: return a == b;
	case BPF_JNE: return a != b;
	case BPF_JGT: return a > b;
	case BPF_JGE: return a >= b;
	case BPF_JLT: return a < b;
	case BPF_JLE: return a <= b;
	case BPF_JSGT: return (int64_t)a > (int64_t)b;
	case BPF_JSGE: return (int64_t)a >= (int64_t)b;
	case BPF_JSLT: return (int64_t)a < (int64_t)b;
	case BPF_JSLE: return (int64_t)a <= (int64_t)b;
	case BPF_JSET: return (a & b) != 0;
	default: fail_msg("bad jump op %x", op); return false;
	}
}

static uint64_t run(struct vm *vm, const struct bpf_insn *prog, size_t n, void *ctx)
{
	uint64_t r[11] = { 0 };
	r[1] = (uint64_t)(uintptr_t)ctx;
	r[10] = (uint64_t)(uintptr_t)(vm->stack + sizeof(vm->stack));
	for (size_t pc = 0; pc < n; pc++) {
		const struct bpf_insn *in = &prog[pc];
		assert_true(++vm->steps < 10000000);
		int cls = BPF_CLASS(in->code);
		uint64_t src = BPF_SRC(in->code) == BPF_X ? r[in->src_reg] : (uint64_t)(int64_t)in->imm;
		if (cls == BPF_ALU64) {
			uint64_t *d = &r[in->dst_reg];
			switch (BPF_OP(in->code)) {
			case BPF_ADD: *d += src; break;
			case BPF_SUB: *d -= src; break;
			case BPF_MUL: *d *= src; break;
			case BPF_DIV: *d = src ? *d / src : 0; break;
			case BPF_MOD: *d = src ? *d % src : *d; break;
			case BPF_OR: *d |= src; break;
			case BPF_AND: *d &= src; break;
			case BPF_XOR: *d ^= src; break;
			case BPF_LSH: *d <<= (src & 63); break;
			case BPF_RSH: *d >>= (src & 63); break;
			case BPF_ARSH: *d = (uint64_t)((int64_t)*d >> (src & 63)); break;
			case BPF_NEG: *d = -*d; break;
			case BPF_MOV: *d = src; break;
			default: fail_msg("bad alu op %x at %zu", in->code, pc);
			}
		} else if (cls == BPF_JMP) {
			int op = BPF_OP(in->code);
			if (op == BPF_EXIT)
				return r[0];
			if (op == BPF_CALL) {
				r[0] = helper(vm, in->imm, r);
				for (int k = 1; k <= 5; k++)
					r[k] = 0xdeadbeefdeadbeefULL; /* clobbered */
				continue;
			}
			if (op == BPF_JA || jump_taken(op, r[in->dst_reg], src))
				pc += in->off;
		} else if (cls == BPF_LD && in->code == (BPF_LD | BPF_DW | BPF_IMM)) {
			if (in->src_reg == BPF_PSEUDO_MAP_VALUE) /* direct value access: element 0 + offset */
				r[in->dst_reg] = (uint64_t)(uintptr_t)(vm->maps[in->imm].vals + prog[pc + 1].imm);
			else
				r[in->dst_reg] = (uint32_t)in->imm | (uint64_t)(uint32_t)prog[pc + 1].imm << 32;
			pc++;
		} else if (cls == BPF_LDX) {
			r[in->dst_reg] = mem_load(r[in->src_reg] + in->off, BPF_SIZE(in->code));
		} else if (cls == BPF_STX && BPF_MODE(in->code) == BPF_ATOMIC) {
			assert_int_equal(in->imm, BPF_ADD);
			uint64_t a = r[in->dst_reg] + in->off;
			mem_store(a, BPF_DW, mem_load(a, BPF_DW) + r[in->src_reg]);
		} else if (cls == BPF_STX) {
			mem_store(r[in->dst_reg] + in->off, BPF_SIZE(in->code), r[in->src_reg]);
		} else if (cls == BPF_ST) {
			mem_store(r[in->dst_reg] + in->off, BPF_SIZE(in->code), (uint64_t)(int64_t)in->imm);
		} else {
			fail_msg("unsupported instruction %02x at %zu", in->code, pc);
		}
	}
	fail_msg("fell off the end");
	return 0;
}

/* ---- compile and run a program ---------------------------------------------------------------------- */

struct run {
	struct diag d;
	struct program *prog;
	struct checker c;
	struct vm vm;
	int spills;
};

static int map_id_fd(int id, void *arg)
{
	(void)arg;
	return id;
}

/* Compile `src` (BEGIN only), run BEGIN, keep the events in r->vm. Returns the checker error, or 0. */
static int compile_run(struct run *r, const char *src)
{
	memset(r, 0, sizeof(*r));
	diag_init(&r->d, "-e", src, strlen(src));
	r->prog = parse_program(src, strlen(src), &r->d);
	if (!r->prog)
		return -1;
	assert_int_equal(checker_init(&r->c, r->prog, &r->d), 0);
	int e = check_program(&r->c);
	if (e)
		return e;
	maps_plan(&r->c);
	struct ir irs[8];
	assert_true(r->c.ninsts <= 8);
	for (uint32_t i = 0; i < r->c.ninsts; i++) {
		struct cg g;
		e = cg_program(&g, &r->c, r->c.insts[i]);
		if (e) {
			cg_release(&g);
			return e;
		}
		irs[i] = g.ir;
	}
	maps_plan(&r->c);
	vm_init(&r->vm, &r->c);
	for (uint32_t i = 0; i < r->c.ninsts; i++) {
		void *insns;
		size_t n;
		assert_int_equal(ir_lower(&irs[i], 8, map_id_fd, NULL, &insns, &n, NULL), 0);
		for (size_t k = 0; k < n; k++) {
			const struct bpf_insn *in = (const struct bpf_insn *)insns + k;
			if (BPF_CLASS(in->code) == BPF_STX && in->dst_reg == BPF_REG_10 && in->off < -8)
				r->spills++;
		}
		if (strcmp(r->c.insts[i]->prov->name, "BEGIN") == 0) {
			uint64_t ctx[8] = { 0 };
			assert_int_equal(run(&r->vm, insns, n, ctx), 0);
		}
		free(insns);
		ir_release(&irs[i]);
	}
	return 0;
}

static void run_release(struct run *r)
{
	vm_release(&r->vm);
	checker_release(&r->c);
	program_free(r->prog);
	diag_release(&r->d);
}

/* The integer arguments of the k-th event (a printf) into vals. */
static void event_ints(struct run *r, uint32_t k, int64_t *vals, uint32_t nvals)
{
	size_t off = 0;
	for (uint32_t i = 0; i < k; i++) {
		uint64_t sz;
		memcpy(&sz, r->vm.events + off, 8);
		off += 8 + sz;
	}
	const uint8_t *ev = r->vm.events + off + 8;
	uint32_t kind, id;
	memcpy(&kind, ev, 4);
	memcpy(&id, ev + 4, 4);
	assert_int_equal(kind, EV_PRINTF);
	const struct fmt_event *f = r->c.fmts[id];
	assert_int_equal(f->args.nelems, nvals);
	for (uint32_t i = 0; i < nvals; i++)
		memcpy(&vals[i], ev + EVENT_HDR + f->args.offs[i], 8);
}

static const char *event_str(struct run *r, uint32_t k, uint32_t arg)
{
	size_t off = 0;
	for (uint32_t i = 0; i < k; i++) {
		uint64_t sz;
		memcpy(&sz, r->vm.events + off, 8);
		off += 8 + sz;
	}
	const uint8_t *ev = r->vm.events + off + 8;
	uint32_t id;
	memcpy(&id, ev + 4, 4);
	return (const char *)ev + EVENT_HDR + r->c.fmts[id]->args.offs[arg];
}

/* The value of scalar map `name` (first 8 bytes of its one entry), or -1 if it has none. */
static int64_t map_scalar(struct run *r, const char *name)
{
	for (uint32_t i = 0; i < r->c.nmaps; i++) {
		if (strcmp(r->c.maps[i]->name, name) != 0)
			continue;
		struct vmap *m = &r->vm.maps[r->c.maps[i]->bmap];
		for (uint32_t k = 0; k < m->max; k++)
			if (m->used[k]) {
				int64_t v;
				memcpy(&v, m->vals + k * m->value_size, 8);
				return v;
			}
		return -1;
	}
	fail_msg("no map %s", name);
	return 0;
}

/* ---- tests --------------------------------------------------------------------------------------------- */

static void test_codegen_arithmetic_rules(void **state)
{
	(void)state;
	struct run r;
	assert_int_equal(compile_run(&r, "BEGIN { $p = pid; $t = tid; $n = 0 - $p;"
					 "printf(\"%d %d %d %d %d %d %d %d %d %d %d %d\\n\","
					 "$p * 3 + $t, $p > $t, $n / 7, $n % 7, $n >> 60, (int8)$t, (uint16)($t * 100),"
					 "$n < 1, (int64)$n < 1, $t << 3 | 5, $t ^ $p & 255, ~$p); exit(); }"),
			 0);
	assert_int_equal(r.vm.nevents, 2); /* printf, exit */
	int64_t v[12];
	event_ints(&r, 0, v, 12);
	uint64_t p = PID, t = TID, n = 0 - PID;
	assert_int_equal(v[0], (int64_t)(p * 3 + t));
	assert_int_equal(v[1], p > t);
	assert_int_equal(v[2], (int64_t)(n / 7)); /* unsigned division, as bpftrace */
	assert_int_equal(v[3], (int64_t)(n % 7));
	assert_int_equal(v[4], (int64_t)(n >> 60)); /* logical shift */
	assert_int_equal(v[5], (int8_t)t);
	assert_int_equal(v[6], (uint16_t)(t * 100));
	assert_int_equal(v[7], 0);		    /* pid is unsigned: 0 - pid is huge */
	assert_int_equal(v[8], 1);		    /* cast to signed: both signed, negative < 1 */
	assert_int_equal(v[9], (int64_t)(t << 3 | 5));
	assert_int_equal(v[10], (int64_t)(t ^ (p & 255)));
	assert_int_equal(v[11], (int64_t)~p);
	run_release(&r);
}

static void test_codegen_folding_matches_runtime(void **state)
{
	(void)state;
	static const char *const exprs[] = {
		"7 + 3 * 5", "-7 / 2", "-7 % 3", "1 << 63", "(uint8)300", "(int8)200", "-1 > 1", "(uint64)-1 > 1",
		"10 >= 10 && 3 < 2 || 1", "!5 + ~0", "5 ? 6 : 7", "0 ? 6 : 7", "0x10 | 0x01 ^ 0x11", "100 >> 3",
	};
	for (size_t i = 0; i < sizeof(exprs) / sizeof(exprs[0]); i++) {
		/* the same expression folded, and computed at run time ($z is 0 only at run time) */
		char src[512];
		snprintf(src, sizeof(src), "BEGIN { $z = pid - %llu; printf(\"%%d %%d\\n\", %s, ($z + (%s))); }",
			 PID, exprs[i], exprs[i]);
		struct run r;
		assert_int_equal(compile_run(&r, src), 0);
		int64_t v[2];
		event_ints(&r, 0, v, 2);
		if (v[0] != v[1])
			fail_msg("'%s' folds to %lld but computes %lld", exprs[i], (long long)v[0], (long long)v[1]);
		run_release(&r);
	}
}

static void test_codegen_spills_under_register_pressure(void **state)
{
	(void)state;
	struct run r;
	/* twelve live values at once: far more than r6-r9 */
	assert_int_equal(compile_run(&r, "BEGIN { $a = pid; $b = tid; $c = $a + 1; $d = $b + 2; $e = $a * 2; $f = $b * 3;"
					 "$g = $c + $d; $h = $e - $f; $i = $a ^ $b; $j = $c | $d; $k = $g & $h; $l = $i + $j;"
					 "printf(\"%d %d\\n\", (($a + $b) * ($c + $d) + ($e + $f) * ($g + $h)) * "
					 "(($i + $j) * ($k + $l) + ($a - $l) * ($b - $k)), $a + $b + $c + $d + $e + $f + $g"
					 " + $h + $i + $j + $k + $l); }"),
			 0);
	assert_true(r.spills > 0);
	uint64_t a = PID, b = TID, c = a + 1, d = b + 2, e = a * 2, f = b * 3, g = c + d, h = e - f, i = a ^ b,
		 j = c | d, k = g & h, l = i + j;
	int64_t v[2];
	event_ints(&r, 0, v, 2);
	assert_int_equal(v[0], (int64_t)(((a + b) * (c + d) + (e + f) * (g + h)) * ((i + j) * (k + l) + (a - l) * (b - k))));
	assert_int_equal(v[1], (int64_t)(a + b + c + d + e + f + g + h + i + j + k + l));
	run_release(&r);
}

static void test_codegen_short_circuit(void **state)
{
	(void)state;
	struct run r;
	assert_int_equal(compile_run(&r, "BEGIN { @n = 0; $x = pid == 0 && @n++; $y = pid != 0 || @n++;"
					 "$z = pid != 0 && @n++ >= 0; printf(\"%d %d %d\\n\", $x, $y, $z); }"),
			 0);
	int64_t v[3];
	event_ints(&r, 0, v, 3);
	assert_int_equal(v[0], 0);
	assert_int_equal(v[1], 1);
	assert_int_equal(v[2], 1);
	assert_int_equal(map_scalar(&r, "@n"), 1); /* only the third ++ ran */
	run_release(&r);
}

static void test_codegen_strings(void **state)
{
	(void)state;
	struct run r;
	assert_int_equal(compile_run(&r, "BEGIN { printf(\"%d %d %d %d %s %s\\n\", comm == \"vmtest\", comm == \"vmtes\","
					 "comm == \"vmtestx\", comm != \"x\", pid > 1 ? \"big\" : \"small\", comm); }"),
			 0);
	int64_t v[4];
	size_t off = 0;
	(void)off;
	const uint8_t *ev = r.vm.events + 8;
	uint32_t id;
	memcpy(&id, ev + 4, 4);
	const struct fmt_event *f = r.c.fmts[id];
	for (int i = 0; i < 4; i++)
		memcpy(&v[i], ev + EVENT_HDR + f->args.offs[i], 8);
	assert_int_equal(v[0], 1);
	assert_int_equal(v[1], 0);
	assert_int_equal(v[2], 0);
	assert_int_equal(v[3], 1);
	assert_string_equal(event_str(&r, 0, 4), "big");
	assert_string_equal(event_str(&r, 0, 5), "vmtest");
	run_release(&r);
}

static void test_codegen_loops(void **state)
{
	(void)state;
	struct run r;
	assert_int_equal(compile_run(&r, "BEGIN { $i = 1; $s = 0; while ($i <= 10) { $s += $i; $i++; if ($i == 100) { break; } }"
					 "$u = 0; unroll(5) { $u = $u * 2 + 1; } printf(\"%d %d %d\\n\", $s, $i, $u); }"),
			 0);
	int64_t v[3];
	event_ints(&r, 0, v, 3);
	assert_int_equal(v[0], 55);
	assert_int_equal(v[1], 11);
	assert_int_equal(v[2], 31);
	run_release(&r);
}

static void test_codegen_exit_ends_the_probe(void **state)
{
	(void)state;
	struct run r;
	assert_int_equal(compile_run(&r, "BEGIN { @a = 1; exit(); @b = 2; printf(\"never\\n\"); }"), 0);
	assert_int_equal(r.vm.nevents, 1);
	assert_int_equal(map_scalar(&r, "@a"), 1);
	assert_int_equal(map_scalar(&r, "@b"), -1);
	run_release(&r);
}

static uint64_t hist_bucket_count(struct run *r, const char *name, size_t bucket)
{
	for (uint32_t i = 0; i < r->c.nmaps; i++)
		if (strcmp(r->c.maps[i]->name, name) == 0) {
			struct vmap *m = &r->vm.maps[r->c.maps[i]->bmap];
			for (uint32_t k = 0; k < m->max; k++)
				if (m->used[k]) {
					uint64_t x;
					memcpy(&x, m->vals + k * m->value_size + bucket * 8, 8);
					return x;
				}
		}
	return 0;
}

static void test_codegen_hist_and_lhist_buckets(void **state)
{
	(void)state;
	struct run r;
	/* pid 1234: log2 bucket 2 + 10; (1 << 40) saturates at bucket 33 as in bpftrace; lhist 1 + (1234-1000)/100 */
	assert_int_equal(compile_run(&r, "BEGIN { @h = hist(pid); @h = hist(pid - pid); @h = hist(0 - 1); @h = hist(pid << 30);"
					 "@l = lhist(pid, 1000, 2000, 100); @l = lhist(pid - 1000, 1000, 2000, 100);"
					 "@l = lhist(pid * 2, 1000, 2000, 100); @l = lhist(pid + 766, 1000, 2000, 100); }"),
			 0);
	assert_int_equal(hist_bucket_count(&r, "@h", 12), 1);
	assert_int_equal(hist_bucket_count(&r, "@h", 1), 1);
	assert_int_equal(hist_bucket_count(&r, "@h", 0), 1); /* literals are int64: 0 - 1 is negative */
	assert_int_equal(hist_bucket_count(&r, "@h", 33), 1);
	assert_int_equal(hist_bucket_count(&r, "@l", 3), 1);
	assert_int_equal(hist_bucket_count(&r, "@l", 0), 1);
	assert_int_equal(hist_bucket_count(&r, "@l", 11), 2); /* 2468 > max, and 2000 == max */
	run_release(&r);
}

static void test_codegen_min_max_encoding(void **state)
{
	(void)state;
	struct run r;
	assert_int_equal(compile_run(&r, "BEGIN { @mn = min(pid); @mn = min(tid); @mx = max(pid); @mx = max(tid);"
					 "@neg = max((int64)0 - 5); }"),
			 0);
	assert_int_equal(map_scalar(&r, "@mn"), 0xffffffffLL - (int64_t)PID); /* stored inverted, as bpftrace */
	assert_int_equal(map_scalar(&r, "@mx"), TID);
	assert_int_equal(map_scalar(&r, "@neg"), -1);			  /* never created */
	run_release(&r);
}

static void test_codegen_map_keys_and_tuples(void **state)
{
	(void)state;
	struct run r;
	assert_int_equal(compile_run(&r, "BEGIN { @m[comm, pid] = 5; @m[\"vmtest\", 1234] = @m[comm, pid] + 1;"
					 "$t = (pid, \"ab\", tid); printf(\"%d %d %d\\n\", @m[comm, pid], $t.0 + $t.2, "
					 "@m[\"other\", 1]); }"),
			 0);
	int64_t v[3];
	event_ints(&r, 0, v, 3);
	assert_int_equal(v[0], 6);
	assert_int_equal(v[1], (int64_t)(PID + TID));
	assert_int_equal(v[2], 0);
	run_release(&r);
}

static void test_codegen_count_sum_avg(void **state)
{
	(void)state;
	struct run r;
	assert_int_equal(compile_run(&r, "BEGIN { $i = 0; while ($i < 7) { @c = count(); @s = sum($i); @a[1] = avg($i); $i++; } }"),
			 0);
	assert_int_equal(map_scalar(&r, "@c"), 7);
	assert_int_equal(map_scalar(&r, "@s"), 21);
	assert_int_equal(map_scalar(&r, "@a"), 7); /* avg's count; total follows */
	run_release(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_codegen_arithmetic_rules),
		cmocka_unit_test(test_codegen_folding_matches_runtime),
		cmocka_unit_test(test_codegen_spills_under_register_pressure),
		cmocka_unit_test(test_codegen_short_circuit),
		cmocka_unit_test(test_codegen_strings),
		cmocka_unit_test(test_codegen_loops),
		cmocka_unit_test(test_codegen_exit_ends_the_probe),
		cmocka_unit_test(test_codegen_hist_and_lhist_buckets),
		cmocka_unit_test(test_codegen_min_max_encoding),
		cmocka_unit_test(test_codegen_map_keys_and_tuples),
		cmocka_unit_test(test_codegen_count_sum_avg),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

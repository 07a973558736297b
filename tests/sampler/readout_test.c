// SPDX-License-Identifier: Apache-2.0
/* Unit tests of sampler/readout.c and images.c: raw stacks of this very process into named, labelled profile stacks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "fold/fold.h"
#include "fold/profile.h"
#include "lib/err.h"
#include "sampler/internal.h"
#include "symbolize/symbolize.h"

/* Three functions of this binary whose addresses play a stack: root_fn -> mid_fn -> leaf_fn. */
__attribute__((noinline, used)) int leaf_fn(int x)
{
	__asm__ volatile("" ::: "memory");
	return x * 3 + 1;
}

__attribute__((noinline, used)) int mid_fn(int x)
{
	int r = leaf_fn(x) + leaf_fn(x + 1);
	__asm__ volatile("" ::: "memory");
	return r * 2;
}

__attribute__((noinline, used)) int root_fn(int x)
{
	int r = mid_fn(x) + mid_fn(x + 2);
	__asm__ volatile("" ::: "memory");
	return r - 1;
}

#define IN(fn) ((uint64_t)(uintptr_t)(fn) + 4) /* inside fn, past its first byte (return addresses look up addr-1) */

struct fixture {
	struct symbolizer *sym;
	struct image_table images;
	struct profile *p;
	struct folded_lines lines;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	if (!f)
		return -1;
	struct symbolizer_opts so = { .no_system_debug = true, .no_perf_cache = true, .no_jit_maps = true };
	f->sym = symbolizer_new(&so);
	image_table_init(&f->images, f->sym);
	f->p = profile_new();
	if (!f->sym || !f->p || profile_add_value_type(f->p, "samples", "count") < 0)
		return -1;
	if (image_table_new_image(&f->images, (uint32_t)getpid(), 1, 0))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	folded_lines_release(&f->lines);
	profile_free(f->p);
	image_table_release(&f->images);
	symbolizer_free(f->sym);
	free(f);
	return 0;
}

static struct sampler_stack mkstack(size_t n, const uint64_t *ips)
{
	struct sampler_stack st;
	memset(&st, 0, sizeof(st));
	st.nr = (uint32_t)n;
	memcpy(st.ips, ips, n * sizeof(*ips));
	return st;
}

static void part(struct raw_part *t, const char *comm, const struct sampler_stack *ust)
{
	memset(t, 0, sizeof(*t));
	t->tgid = (uint32_t)getpid();
	t->gen = 1;
	t->comm = comm;
	t->ustack = ust;
}

/* The folded line of the only stack of the profile (text before the count). */
static const char *only_line(struct fixture *f)
{
	struct errbuf err;
	errbuf_init(&err);
	folded_lines_release(&f->lines);
	memset(&f->lines, 0, sizeof(f->lines));
	assert_int_equal(folded_lines_build(f->p, NULL, &f->lines, &err), 0);
	errbuf_release(&err);
	assert_int_equal(f->lines.count, 1);
	return f->lines.lines[0].stack;
}

static struct readout *readout(struct fixture *f, unsigned fold_flags)
{
	struct sampler_read_opts ro = { .fold_flags = fold_flags };
	struct readout *r = readout_new(f->p, f->sym, &f->images, &ro, -1);
	assert_non_null(r);
	return r;
}

static void test_readout_user_stack_root_first(void **state)
{
	struct fixture *f = *state;
	uint64_t ips[] = { IN(leaf_fn), IN(mid_fn), IN(root_fn) };
	struct sampler_stack ust = mkstack(3, ips);
	struct raw_sample rs = { .value = 5, .count = 5 };
	part(&rs.task, "my prog", &ust);
	struct readout *r = readout(f, 0);
	assert_int_equal(readout_add(r, &rs), 0);
	assert_int_equal(readout_lost_stacks(r), 0);
	readout_free(r);
	/* the comm's space becomes '_', as stackcollapse-perf.pl does */
	assert_string_equal(only_line(f), "my_prog;root_fn;mid_fn;leaf_fn");
	assert_int_equal(f->lines.lines[0].value, 5);
}

static void test_readout_inserts_the_repaired_caller(void **state)
{
	struct fixture *f = *state;
	/* the frame-pointer walk skipped mid_fn (it called a frame-pointer-less leaf) */
	uint64_t ips[] = { IN(leaf_fn), IN(root_fn) };
	struct sampler_stack ust = mkstack(2, ips);
	struct raw_sample rs = { .value = 1, .count = 1 };
	part(&rs.task, "p", &ust);
	rs.task.ufix = IN(mid_fn);
	struct readout *r = readout(f, 0);
	assert_int_equal(readout_add(r, &rs), 0);
	readout_free(r);
	assert_string_equal(only_line(f), "p;root_fn;mid_fn;leaf_fn");
}

static void test_readout_lost_stack_is_a_frame_and_counted(void **state)
{
	struct fixture *f = *state;
	struct raw_sample rs = { .value = 7, .count = 7 };
	part(&rs.task, "p", NULL);
	rs.task.flags = SAMPLE_USTACK_LOST | SAMPLE_KSTACK_LOST;
	struct readout *r = readout(f, 0);
	assert_int_equal(readout_add(r, &rs), 0);
	assert_int_equal(readout_lost_stacks(r), 7);
	readout_free(r);
	/* one [lost stack] frame, however many parts were lost */
	assert_string_equal(only_line(f), "p;[lost stack]");
}

static void test_readout_cuts_a_walk_into_data(void **state)
{
	struct fixture *f = *state;
	/* after mid_fn the walk read data: addresses in no mapping, then anything */
	uint64_t ips[] = { IN(leaf_fn), IN(mid_fn), 0x10, IN(root_fn), 0x20 };
	struct sampler_stack ust = mkstack(5, ips);
	struct raw_sample rs = { .value = 1, .count = 1 };
	part(&rs.task, "p", &ust);
	struct readout *r = readout(f, 0);
	assert_int_equal(readout_add(r, &rs), 0);
	readout_free(r);
	assert_string_equal(only_line(f), "p;[unknown];mid_fn;leaf_fn");
}

static void test_readout_pid_and_tid_labels(void **state)
{
	struct fixture *f = *state;
	uint64_t ips[] = { IN(leaf_fn) };
	struct sampler_stack ust = mkstack(1, ips);
	struct raw_sample rs = { .value = 1, .count = 1 };
	part(&rs.task, "worker", &ust);
	rs.task.tid = 4242;
	char want[128];

	struct readout *r = readout(f, FOLD_PID);
	assert_int_equal(readout_add(r, &rs), 0);
	readout_free(r);
	snprintf(want, sizeof(want), "worker-%d;leaf_fn", (int)getpid());
	assert_string_equal(only_line(f), want);

	profile_free(f->p);
	f->p = profile_new();
	assert_true(profile_add_value_type(f->p, "samples", "count") >= 0);
	r = readout(f, FOLD_TID);
	assert_int_equal(readout_add(r, &rs), 0);
	readout_free(r);
	snprintf(want, sizeof(want), "worker-%d/4242;leaf_fn", (int)getpid());
	assert_string_equal(only_line(f), want);

	profile_free(f->p);
	f->p = profile_new();
	assert_true(profile_add_value_type(f->p, "samples", "count") >= 0);
	r = readout(f, FOLD_NO_COMM);
	assert_int_equal(readout_add(r, &rs), 0);
	readout_free(r);
	assert_string_equal(only_line(f), "leaf_fn");
}

static void test_readout_waker_after_separator(void **state)
{
	struct fixture *f = *state;
	uint64_t blocked[] = { IN(leaf_fn), IN(root_fn) };
	uint64_t waker[] = { IN(leaf_fn), IN(mid_fn), IN(root_fn) };
	struct sampler_stack bst = mkstack(2, blocked), wst = mkstack(3, waker);
	struct raw_sample rs = { .value = 1000, .count = 1, .value_ns = true, .offcpu = true, .has_waker = true };
	part(&rs.task, "reader", &bst);
	part(&rs.waker, "writer", &wst);
	struct readout *r = readout(f, 0);
	assert_int_equal(readout_add(r, &rs), 0);
	readout_free(r);
	/* offwaketime's order: blocked stack root first, "--", waker leaf first, waker's name last */
	assert_string_equal(only_line(f), "reader;root_fn;leaf_fn;--;leaf_fn;mid_fn;root_fn;writer");
}

static void test_readout_time_units_and_wall_sum(void **state)
{
	struct fixture *f = *state;
	profile_free(f->p);
	f->p = profile_new();
	assert_true(profile_add_value_type(f->p, "cpu", "microseconds") >= 0);
	assert_true(profile_add_value_type(f->p, "off-cpu", "microseconds") >= 0);
	assert_true(profile_add_value_type(f->p, "wall", "microseconds") >= 0);
	uint64_t ips[] = { IN(leaf_fn) };
	struct sampler_stack ust = mkstack(1, ips);
	struct sampler_read_opts ro = { .value_unit_ns = 1000 };
	struct readout *r = readout_new(f->p, f->sym, &f->images, &ro, 2);
	assert_non_null(r);
	struct raw_sample on = { .value = 10101010, .count = 1, .value_ns = true, .value_index = 0 };
	struct raw_sample off = { .value = 2499, .count = 1, .value_ns = true, .value_index = 1 };
	part(&on.task, "p", &ust);
	part(&off.task, "p", &ust);
	assert_int_equal(readout_add(r, &on), 0);
	assert_int_equal(readout_add(r, &off), 0);
	readout_free(r);
	assert_int_equal(profile_stack_count(f->p), 1);
	struct profile_stack st = profile_stack_get(f->p, 0);
	assert_int_equal(st.values[0], 10101); /* rounded to the unit */
	assert_int_equal(st.values[1], 2);
	assert_int_equal(st.values[2], 10103); /* the wall sum */
}

/* ---- raw readouts: the same records as addresses, for perf.data ---- */

struct raw_seen {
	size_t n;
	struct sampler_raw_stack st; /* pointers borrowed for the call: copied below */
	uint64_t kips[8], uips[8];
	char comm[16];
	int stop;
};

static int raw_keep(const struct sampler_raw_stack *st, void *arg)
{
	struct raw_seen *w = arg;
	w->n++;
	w->st = *st;
	assert_true(st->nkernel <= 8 && st->nuser <= 8);
	memcpy(w->kips, st->kernel_ips, st->nkernel * sizeof(uint64_t));
	memcpy(w->uips, st->user_ips, st->nuser * sizeof(uint64_t));
	snprintf(w->comm, sizeof(w->comm), "%s", st->comm);
	return w->stop;
}

static struct raw_seen raw_of(struct fixture *f, const struct raw_sample *rs, int want_rc)
{
	struct raw_seen w;
	memset(&w, 0, sizeof(w));
	struct readout *r = readout_new_raw(f->sym, &f->images, raw_keep, &w);
	assert_non_null(r);
	assert_int_equal(readout_add(r, rs), want_rc);
	assert_int_equal(readout_raw_stacks(r), 1);
	readout_free(r);
	assert_int_equal(w.n, 1);
	return w;
}

static void test_readout_raw_addresses_in_the_folded_cuts(void **state)
{
	struct fixture *f = *state;
	/* the repaired caller goes right above the leaf, where the folded stack has it */
	uint64_t ips[] = { IN(leaf_fn), IN(root_fn) };
	struct sampler_stack ust = mkstack(2, ips);
	struct raw_sample rs = { .value = 4, .count = 4 };
	part(&rs.task, "p", &ust);
	rs.task.ufix = IN(mid_fn);
	struct raw_seen w = raw_of(f, &rs, 0);
	assert_int_equal(w.st.kind, SAMPLER_RAW_ONCPU);
	assert_int_equal(w.st.nuser, 3);
	assert_true(w.uips[0] == IN(leaf_fn) && w.uips[1] == IN(mid_fn) && w.uips[2] == IN(root_fn));
	assert_int_equal(w.st.nkernel, 0);
	assert_int_equal(w.st.count, 4);
	assert_int_equal(w.st.value_ns, 0);
	assert_int_equal(w.st.tgid, (uint32_t)getpid());
	assert_int_equal(w.st.sym_pid, getpid());
	assert_int_equal(w.st.gen, 1);
	assert_string_equal(w.comm, "p");
	assert_false(w.st.user_cut || w.st.user_lost || w.st.kernel_lost);

	/* a walk into data: cut where the folded stack has [unknown], its first bad address kept */
	uint64_t bad[] = { IN(leaf_fn), IN(mid_fn), 0x10, IN(root_fn), 0x20 };
	struct sampler_stack bst = mkstack(5, bad);
	part(&rs.task, "p", &bst);
	w = raw_of(f, &rs, 0);
	assert_int_equal(w.st.nuser, 3);
	assert_true(w.uips[0] == IN(leaf_fn) && w.uips[1] == IN(mid_fn) && w.uips[2] == 0x10);
	assert_true(w.st.user_cut);

	/* a DWARF unwind stopped early: every frame found, marked cut */
	part(&rs.task, "p", &ust);
	rs.task.flags = SAMPLE_USTACK_TRUNCATED;
	w = raw_of(f, &rs, 0);
	assert_int_equal(w.st.nuser, 2);
	assert_true(w.st.user_cut);
}

static void test_readout_raw_lost_parts_and_wakers(void **state)
{
	struct fixture *f = *state;
	/* lost parts: no addresses, flagged, counted as the profile readout counts them */
	struct raw_sample rs = { .value = 7, .count = 7 };
	part(&rs.task, "p", NULL);
	rs.task.flags = SAMPLE_USTACK_LOST | SAMPLE_KSTACK_LOST;
	struct raw_seen w;
	memset(&w, 0, sizeof(w));
	struct readout *r = readout_new_raw(f->sym, &f->images, raw_keep, &w);
	assert_int_equal(readout_add(r, &rs), 0);
	assert_int_equal(readout_lost_stacks(r), 7);
	readout_free(r);
	assert_true(w.st.user_lost && w.st.kernel_lost);
	assert_int_equal(w.st.nuser + w.st.nkernel, 0);

	/* off-CPU with a waker: the blocked stack and its time, the waker's part left out and counted */
	uint64_t blocked[] = { IN(leaf_fn), IN(root_fn) };
	uint64_t waker[] = { IN(mid_fn) };
	struct sampler_stack bst = mkstack(2, blocked), wst = mkstack(1, waker);
	struct raw_sample off = { .value = 123456, .count = 3, .value_ns = true, .offcpu = true, .has_waker = true };
	part(&off.task, "reader", &bst);
	part(&off.waker, "writer", &wst);
	off.task.tid = 77;
	memset(&w, 0, sizeof(w));
	r = readout_new_raw(f->sym, &f->images, raw_keep, &w);
	assert_int_equal(readout_add(r, &off), 0);
	assert_int_equal(readout_wakers_dropped(r), 1);
	readout_free(r);
	assert_int_equal(w.st.kind, SAMPLER_RAW_OFFCPU);
	assert_int_equal(w.st.value_ns, 123456);
	assert_int_equal(w.st.count, 3);
	assert_int_equal(w.st.tid, 77);
	assert_string_equal(w.comm, "reader");
	assert_true(w.st.nuser == 2 && w.uips[0] == IN(leaf_fn) && w.uips[1] == IN(root_fn));

	/* a comm of 16 bytes without a NUL (the kernel's buffer) comes out terminated */
	part(&rs.task, "0123456789abcdefXYZ", NULL);
	rs.task.flags = 0;
	w = raw_of(f, &rs, 0);
	assert_string_equal(w.comm, "0123456789abcde");

	/* the callback's non-zero return stops the read and comes back */
	memset(&w, 0, sizeof(w));
	w.stop = 9;
	r = readout_new_raw(f->sym, &f->images, raw_keep, &w);
	assert_int_equal(readout_add(r, &rs), 9);
	readout_free(r);
}

static void test_readout_raw_older_image_has_its_alias(void **state)
{
	struct fixture *f = *state;
	uint32_t me = (uint32_t)getpid();
	assert_int_equal(image_table_new_image(&f->images, me, 2, 0), 0);
	uint64_t ips[] = { IN(leaf_fn) };
	struct sampler_stack ust = mkstack(1, ips);
	struct raw_sample rs = { .value = 1, .count = 1 };
	part(&rs.task, "old", &ust); /* generation 1: before the "exec" */
	struct raw_seen w = raw_of(f, &rs, 0);
	assert_int_equal(w.st.sym_pid, image_table_sym_pid(&f->images, me, 1));
	assert_true(w.st.sym_pid >= (1 << 24));
	assert_int_equal(w.st.gen, 1);
	rs.task.gen = 2;
	w = raw_of(f, &rs, 0);
	assert_int_equal(w.st.sym_pid, (int)me);
}

static void test_images_alias_the_older_generation(void **state)
{
	struct fixture *f = *state;
	uint32_t me = (uint32_t)getpid();
	assert_int_equal(image_table_sym_pid(&f->images, me, 1), (int)me);
	/* an exec (or a reused pid) makes a new generation: the old one keeps its maps under an alias */
	assert_int_equal(image_table_new_image(&f->images, me, 2, 0), 0);
	int old = image_table_sym_pid(&f->images, me, 1);
	assert_true(old >= (1 << 24));
	assert_int_equal(image_table_sym_pid(&f->images, me, 2), (int)me);
	assert_int_equal(image_table_sym_pid(&f->images, 99999, 7), 99999); /* unknown: the pid itself */

	/* both generations still name this binary's functions */
	struct sym_chain c;
	assert_int_equal(symbolizer_resolve(f->sym, old, IN(mid_fn), 0, &c), 0);
	assert_string_equal(c.frames[c.nframes - 1].name, "mid_fn");
	assert_int_equal(image_table_new_image(&f->images, me, 2, 0), 0); /* seen: nothing changes */
	assert_int_equal(image_table_sym_pid(&f->images, me, 1), old);
	assert_int_equal(f->images.count, 2);
}

static bool never_exited(void *arg, uint32_t tgid)
{
	(void)arg;
	(void)tgid;
	return false;
}

static bool always_exited(void *arg, uint32_t tgid)
{
	(void)arg;
	(void)tgid;
	return true;
}

static void test_images_resnapshot_keeps_maps_of_a_dying_process(void **state)
{
	struct fixture *f = *state;
	uint32_t me = (uint32_t)getpid();
	struct sym_chain c;
	/* a re-snapshot that raced with an exit must not throw away the good maps */
	f->images.exited = always_exited;
	image_table_resnap_live(&f->images);
	assert_int_equal(symbolizer_resolve(f->sym, (int)me, IN(root_fn), 0, &c), 0);
	assert_string_equal(c.frames[c.nframes - 1].name, "root_fn");
	assert_true(f->images.snapshot_failures >= 1);
	f->images.exited = never_exited;
	uint64_t before = f->images.snapshots;
	image_table_resnap_live(&f->images);
	assert_int_equal(f->images.snapshots, before + 1);
	image_table_exit(&f->images, me);
	image_table_resnap_live(&f->images); /* exited: no more snapshots */
	assert_int_equal(f->images.snapshots, before + 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_readout_user_stack_root_first, setup, teardown),
		cmocka_unit_test_setup_teardown(test_readout_inserts_the_repaired_caller, setup, teardown),
		cmocka_unit_test_setup_teardown(test_readout_lost_stack_is_a_frame_and_counted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_readout_cuts_a_walk_into_data, setup, teardown),
		cmocka_unit_test_setup_teardown(test_readout_pid_and_tid_labels, setup, teardown),
		cmocka_unit_test_setup_teardown(test_readout_waker_after_separator, setup, teardown),
		cmocka_unit_test_setup_teardown(test_readout_time_units_and_wall_sum, setup, teardown),
		cmocka_unit_test_setup_teardown(test_readout_raw_addresses_in_the_folded_cuts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_readout_raw_lost_parts_and_wakers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_readout_raw_older_image_has_its_alias, setup, teardown),
		cmocka_unit_test_setup_teardown(test_images_alias_the_older_generation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_images_resnapshot_keeps_maps_of_a_dying_process, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

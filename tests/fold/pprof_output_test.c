// SPDX-License-Identifier: Apache-2.0
/* Unit tests of fold/pprof.c's output: stacks, inlined lines, mappings, metadata and names, as decoded and as go pprof reads them. */
#include "tests/fold/pprof_fixture.h"

/* ---- tests ------------------------------------------------------------------------------------ */

static void test_pprof_stacks_round_trip_leaf_first(void **state)
{
	struct profile *p = new_profile("samples", "count");
	assert_int_equal(profile_add_value_type(p, "cpu", "nanoseconds"), 1);
	const char *stacks[] = { "app@s;main;work;hot", "app@s;main;work", "app@s;main;read;sys_read@k;schedule@k" };
	const char *names[] = { "app;main;work;hot", "app;main;work", "app;main;read;sys_read;schedule" };
	const int64_t values[][2] = { { 3, 30000000 }, { 1, 10000000 }, { 2, -5 } };
	for (size_t i = 0; i < 3; i++)
		add(p, stacks[i], values[i]);
	struct decoded d;
	write_decode(p, NULL, &d);
	assert_int_equal(d.ntypes, 2);
	assert_string_equal(str(&d, d.types[0][0]), "samples");
	assert_string_equal(str(&d, d.types[0][1]), "count");
	assert_string_equal(str(&d, d.types[1][0]), "cpu");
	assert_string_equal(str(&d, d.types[1][1]), "nanoseconds");
	assert_int_equal(d.nsamples, 3);
	struct buf t = BUF_INIT;
	for (size_t i = 0; i < 3; i++) {
		sample_text(&d, i, &t);
		assert_string_equal(t.data, names[i]);
		assert_int_equal((int64_t)d.samples[i].values[0], values[i][0]);
		assert_int_equal((int64_t)d.samples[i].values[1], values[i][1]);
	}
	/* the leaf is location_id[0] */
	assert_string_equal(str(&d, func(&d, loc(&d, d.samples[0].locs[0])->lines[0].func)->name), "hot");
	/* shared frames are one location each: app main work hot read sys_read schedule */
	assert_int_equal(d.nlocs, 7);
	assert_int_equal(d.nfuncs, 7);
	/* /usr/bin/app, [kernel.kallsyms], and the one for frames without a module */
	assert_int_equal(d.nmaps, 3);
	assert_string_equal(str(&d, d.maps[0].filename), "/usr/bin/app");
	buf_release(&t);
	decoded_release(&d);
	profile_free(p);
}

static void test_pprof_inlined_frames_share_a_location(void **state)
{
	struct profile *p = new_profile("samples", "count");
	uint32_t ids[] = {
		frame(p, "app", 's', NULL, NULL, 0),
		frame(p, "main", 'u', "/usr/bin/app", "main.c", 40),
		frame(p, "run", 'u', "/usr/bin/app", "run.c", 12),
		frame(p, "step", 'i', "/usr/bin/app", "step.h", 7),
		frame(p, "add", 'i', "/usr/bin/app", "math.h", 3),
		frame(p, "leaf", 'u', "/usr/bin/app", "leaf.c", 99),
	};
	int64_t one = 1;
	assert_true(profile_add_stack(p, ids, 6, &one) >= 0);
	/* inlined at the root, and above a process label: no caller to share */
	uint32_t root[] = { frame(p, "orphan", 'i', "/usr/bin/app", "o.c", 1), frame(p, "inner", 'i', "/usr/bin/app", "i.c", 2) };
	assert_true(profile_add_stack(p, root, 2, &one) >= 0);
	uint32_t label[] = { ids[0], root[0] };
	assert_true(profile_add_stack(p, label, 2, &one) >= 0);

	struct decoded d;
	write_decode(p, NULL, &d);
	struct buf t = BUF_INIT;
	sample_text(&d, 0, &t);
	assert_string_equal(t.data, "app;main;run;step@i;add@i;leaf");
	assert_int_equal(d.samples[0].nlocs, 4); /* app, main, run+step+add, leaf */
	const struct dloc *l = loc(&d, d.samples[0].locs[1]);
	assert_int_equal(l->nlines, 3);
	/* innermost first, each with its own line and file */
	const char *want[][2] = { { "add", "math.h" }, { "step", "step.h" }, { "run", "run.c" } };
	const int64_t lines[] = { 3, 7, 12 };
	for (size_t k = 0; k < 3; k++) {
		const struct dfunc *fn = func(&d, l->lines[k].func);
		assert_string_equal(str(&d, fn->name), want[k][0]);
		assert_string_equal(str(&d, fn->filename), want[k][1]);
		assert_int_equal(l->lines[k].line, lines[k]);
	}
	const struct dmap *m = &d.maps[l->mapping - 1];
	assert_string_equal(str(&d, m->filename), "/usr/bin/app");
	assert_int_equal(m->flags[8], 1);  /* has_filenames */
	assert_int_equal(m->flags[9], 1);  /* has_line_numbers */
	assert_int_equal(m->flags[10], 1); /* has_inline_frames */
	sample_text(&d, 1, &t);
	assert_string_equal(t.data, "orphan;inner@i");
	assert_int_equal(d.samples[1].nlocs, 1);
	sample_text(&d, 2, &t);
	assert_string_equal(t.data, "app;orphan");
	assert_int_equal(d.samples[2].nlocs, 2);
	buf_release(&t);
	decoded_release(&d);
	profile_free(p);
}

static void test_pprof_zero_empty_and_negative_samples(void **state)
{
	struct profile *p = new_profile("before", "count");
	assert_int_equal(profile_add_value_type(p, "after", "count"), 1);
	const int64_t zero[2] = { 0, 0 }, neg[2] = { INT64_MIN, -1 }, big[2] = { INT64_MAX, 1 };
	add(p, "a;b", zero);
	assert_true(profile_add_stack(p, NULL, 0, big) >= 0);
	add(p, "a;c", neg);
	struct decoded d;
	write_decode(p, NULL, &d);
	assert_int_equal(d.nsamples, 3); /* the model's stacks, all of them */
	assert_int_equal(d.samples[0].values[0], 0);
	assert_int_equal(d.samples[1].nlocs, 0);
	assert_int_equal((int64_t)d.samples[1].values[0], INT64_MAX);
	assert_int_equal((int64_t)d.samples[2].values[0], INT64_MIN);
	assert_int_equal((int64_t)d.samples[2].values[1], -1);
	decoded_release(&d);
	profile_free(p);
}

static void test_pprof_empty_profile(void **state)
{
	struct profile *p = new_profile("samples", "count");
	struct decoded d;
	write_decode(p, NULL, &d);
	assert_int_equal(d.ntypes, 1);
	assert_int_equal(d.nsamples, 0);
	assert_int_equal(d.nlocs, 0);
	assert_int_equal(d.nmaps, 0);
	assert_int_equal(d.nstrs, 3); /* "", "samples", "count" */
	decoded_release(&d);
	profile_free(p);
}

static void test_pprof_meta_losses_and_default(void **state)
{
	struct profile *p = new_profile("cpu", "nanoseconds");
	assert_int_equal(profile_add_value_type(p, "off-cpu", "nanoseconds"), 1);
	assert_int_equal(profile_meta_set(p, "event", "cpu-clock"), 0);
	assert_int_equal(profile_meta_set(p, PPROF_META_FREQUENCY, "49"), 0);
	assert_int_equal(profile_meta_set(p, PPROF_META_TIME_NS, "1700000000123456789"), 0);
	assert_int_equal(profile_meta_set(p, PPROF_META_DURATION_NS, "30000000000"), 0);
	assert_int_equal(profile_add_loss(p, "stack map full", 12), 0);
	assert_int_equal(profile_add_loss(p, "ring buffer overflow", 3), 0);
	const int64_t v[2] = { 1, 2 };
	add(p, "main", v);
	struct pprof_opts o = { .has_default_value = true, .default_value = 1 };
	struct decoded d;
	write_decode(p, &o, &d);
	assert_int_equal(d.time, 1700000000123456789LL);
	assert_int_equal(d.duration, 30000000000LL);
	assert_int_equal(d.period, 1000000000 / 49);
	assert_string_equal(str(&d, d.period_type[0]), "cpu");
	assert_string_equal(str(&d, d.period_type[1]), "nanoseconds");
	assert_string_equal(str(&d, d.default_type), "off-cpu");
	assert_int_equal(d.ncomments, 3);
	assert_string_equal(str(&d, (int64_t)d.comments[0]), "event: cpu-clock");
	assert_string_equal(str(&d, (int64_t)d.comments[1]), "lost: 12 stack map full");
	assert_string_equal(str(&d, (int64_t)d.comments[2]), "lost: 3 ring buffer overflow");
	decoded_release(&d);

	/* an explicit period wins over the frequency; numbers that are not plain are ignored */
	assert_int_equal(profile_meta_set(p, PPROF_META_PERIOD, "1000003"), 0);
	assert_int_equal(profile_meta_set(p, PPROF_META_PERIOD_TYPE, "cycles"), 0);
	assert_int_equal(profile_meta_set(p, PPROF_META_TIME_NS, "12x"), 0);
	assert_int_equal(profile_meta_set(p, PPROF_META_DURATION_NS, "99999999999999999999"), 0);
	write_decode(p, NULL, &d);
	assert_int_equal(d.period, 1000003);
	assert_string_equal(str(&d, d.period_type[0]), "cycles");
	assert_string_equal(str(&d, d.period_type[1]), "nanoseconds"); /* the first value type's unit */
	assert_int_equal(d.seen[9], 0);
	assert_int_equal(d.seen[10], 0);
	assert_int_equal(d.seen[14], 0); /* no default: pprof takes the last */
	decoded_release(&d);
	profile_free(p);
}

/* Proto3 strings must be valid UTF-8: each byte of a bad sequence becomes U+FFFD, the rest is kept. */
static void test_pprof_names_made_valid_utf8(void **state)
{
#define CASE(in, out) { in, sizeof(in) - 1, out, sizeof(out) - 1 }
	static const struct {
		const char *in;
		size_t len;
		const char *out;
		size_t out_len;
	} cases[] = {
		CASE("plain \"quoted\" \\ <tag> &amp;", "plain \"quoted\" \\ <tag> &amp;"),
		CASE("ctl\x01\x1b[0m\ttab\nnl\r", "ctl\x01\x1b[0m\ttab\nnl\r"),
		CASE("nul\0byte", "nul\0byte"),
		CASE("日本語 🔥", "日本語 🔥"),
		CASE("bad\xff", "bad\xef\xbf\xbd"),
		CASE("overlong\xc0\x80", "overlong\xef\xbf\xbd\xef\xbf\xbd"),
		CASE("surrogate\xed\xa0\x80", "surrogate\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"),
		CASE("toobig\xf4\x90\x80\x80", "toobig\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"),
		CASE("cut\xe6\x97", "cut\xef\xbf\xbd\xef\xbf\xbd"),
		CASE("\xe6\x97x", "\xef\xbf\xbd\xef\xbf\xbdx"),
		CASE("max\xf4\x8f\xbf\xbf", "max\xf4\x8f\xbf\xbf"),
	};
#undef CASE
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct profile *p = new_profile("samples", "count");
		struct frame f = { .name = (uint32_t)profile_intern(p, cases[i].in, cases[i].len) };
		uint32_t id = (uint32_t)profile_frame(p, &f);
		int64_t one = 1;
		assert_true(profile_add_stack(p, &id, 1, &one) >= 0);
		struct decoded d;
		write_decode(p, NULL, &d);
		const struct buf *name = &d.strs[func(&d, loc(&d, d.samples[0].locs[0])->lines[0].func)->name];
		assert_int_equal(name->len, cases[i].out_len);
		assert_memory_equal(name->data, cases[i].out, cases[i].out_len);
		decoded_release(&d);
		profile_free(p);
	}
}

static void test_pprof_deep_stack(void **state)
{
	struct profile *p = new_profile("samples", "count");
	enum { DEPTH = 10000 };
	uint32_t *ids = calloc(DEPTH, sizeof(*ids));
	assert_non_null(ids);
	ids[0] = frame(p, "main", 'u', "/usr/bin/deep", NULL, 0);
	for (size_t i = 1; i < DEPTH; i++)
		ids[i] = frame(p, "recurse", 'u', "/usr/bin/deep", "r.c", 7);
	int64_t v = 5;
	assert_true(profile_add_stack(p, ids, DEPTH, &v) >= 0);
	free(ids);
	struct decoded d;
	write_decode(p, NULL, &d);
	assert_int_equal(d.samples[0].nlocs, DEPTH);
	assert_int_equal(d.nlocs, 2);
	assert_string_equal(str(&d, func(&d, loc(&d, d.samples[0].locs[DEPTH - 1])->lines[0].func)->name), "main");
	for (size_t i = 0; i + 1 < DEPTH; i++)
		assert_int_equal(d.samples[0].locs[i], d.samples[0].locs[0]);
	decoded_release(&d);
	profile_free(p);
}

/* The main binary is mapping 1 (pprof's mapping[0]), whatever module comes first. */
static void test_pprof_main_binary_first(void **state)
{
	struct profile *p = new_profile("samples", "count");
	uint32_t ids[] = {
		frame(p, "__libc_start_main", 'u', "/usr/lib/x86_64-linux-gnu/libc.so.6", NULL, 0),
		frame(p, "main", 'u', "/srv/app", NULL, 0),
		frame(p, "schedule", 'k', "[kernel.kallsyms]", NULL, 0),
	};
	int64_t one = 1;
	assert_true(profile_add_stack(p, ids, 3, &one) >= 0);
	struct decoded d;
	write_decode(p, NULL, &d);
	assert_int_equal(d.nmaps, 3);
	assert_string_equal(str(&d, d.maps[0].filename), "/srv/app");
	assert_string_equal(str(&d, d.maps[1].filename), "/usr/lib/x86_64-linux-gnu/libc.so.6");
	assert_string_equal(str(&d, d.maps[2].filename), "[kernel.kallsyms]");
	/* locations point at the renumbered mappings */
	const char *mods[] = { "[kernel.kallsyms]", "/srv/app", "/usr/lib/x86_64-linux-gnu/libc.so.6" };
	for (size_t i = 0; i < 3; i++)
		assert_string_equal(str(&d, d.maps[loc(&d, d.samples[0].locs[i])->mapping - 1].filename), mods[i]);
	decoded_release(&d);
	profile_free(p);
}

/* A profile read from folded text, as `scorch render x.folded -o x.pb.gz` makes it. */
static void test_pprof_from_folded(void **state)
{
	const char *text = "bash;main;inl_[i];leaf 7\nbash;main;do_sys_[k] 2\n";
	struct profile *p = profile_new();
	assert_non_null(p);
	assert_int_equal(fold_read_mem(FOLD_TEXT_FOLDED, text, strlen(text), p, NULL, NULL, NULL), 0);
	struct decoded d;
	write_decode(p, NULL, &d);
	struct buf t = BUF_INIT;
	sample_text(&d, 0, &t);
	assert_string_equal(t.data, "bash;main;inl_[i]@i;leaf");
	assert_int_equal(d.samples[0].values[0], 7);
	sample_text(&d, 1, &t);
	assert_string_equal(t.data, "bash;main;do_sys_[k]");
	assert_int_equal(d.samples[1].values[0], 2);
	assert_int_equal(d.nmaps, 1); /* folded frames have no module: one anonymous mapping */
	assert_string_equal(str(&d, d.maps[0].filename), "");
	buf_release(&t);
	decoded_release(&d);
	profile_free(p);
}

/* The real reader: `go tool pprof -raw` on what we wrote, when go is installed. */
static void test_pprof_go_pprof_reads_it(void **state)
{
	if (system("command -v go >/dev/null 2>&1") != 0)
		skip();
	const char *tmp = getenv("TMPDIR");
	char dir[256];
	snprintf(dir, sizeof(dir), "%s/pprof_test.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir))
		skip();
	struct profile *p = new_profile("samples", "count");
	assert_int_equal(profile_add_value_type(p, "cpu", "nanoseconds"), 1);
	const int64_t v1[2] = { 3, 30000000 }, v2[2] = { 1, -7 };
	add(p, "main;work;hot", v1);
	add(p, "main;read;schedule@k", v2);
	char path[300], cmd[1200];
	snprintf(path, sizeof(path), "%s/x.pb.gz", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(pprof_write(f, p, NULL, NULL), 0);
	assert_int_equal(fclose(f), 0);
	snprintf(cmd, sizeof(cmd),
		 "HOME='%s' GOCACHE='%s/cache' GOTOOLCHAIN=local GOPROXY=off go tool pprof -traces -sample_index=0 '%s' 2>&1", dir,
		 dir, path);
	FILE *pp = popen(cmd, "r");
	assert_non_null(pp);
	char out[4096];
	size_t n = fread(out, 1, sizeof(out) - 1, pp);
	out[n] = 0;
	int status = pclose(pp);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(status, 0);
	const char *want = "-----------+-------------------------------------------------------\n"
			   "         3   hot\n"
			   "             work\n"
			   "             main\n"
			   "-----------+-------------------------------------------------------\n"
			   "         1   schedule\n"
			   "             read\n"
			   "             main\n"
			   "-----------+-------------------------------------------------------\n";
	if (!strstr(out, want))
		fail_msg("go tool pprof -traces printed:\n%s", out);
	profile_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pprof_stacks_round_trip_leaf_first),
		cmocka_unit_test(test_pprof_inlined_frames_share_a_location),
		cmocka_unit_test(test_pprof_zero_empty_and_negative_samples),
		cmocka_unit_test(test_pprof_empty_profile),
		cmocka_unit_test(test_pprof_meta_losses_and_default),
		cmocka_unit_test(test_pprof_names_made_valid_utf8),
		cmocka_unit_test(test_pprof_deep_stack),
		cmocka_unit_test(test_pprof_main_binary_first),
		cmocka_unit_test(test_pprof_from_folded),
		cmocka_unit_test(test_pprof_go_pprof_reads_it),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

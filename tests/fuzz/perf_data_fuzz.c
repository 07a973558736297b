// SPDX-License-Identifier: Apache-2.0
/* libFuzzer target: the perf.data decoder over arbitrary bytes (file and pipe mode, zstd), touching every field,
 * then the replay (threads, maps, naming, DWARF unwinding) over the same bytes. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fold/fold.h"
#include "fold/perf_data.h"
#include "fold/profile.h"
#include "lib/err.h"
#include "symbolize/perf_replay.h"

static volatile uint64_t sink;

static int on_sample(const struct perf_sample *s, void *arg)
{
	uint64_t v = s->ip + s->time + s->period + (uint64_t)s->pid + strlen(s->attr->name);

	for (uint64_t i = 0; i < s->nr_callchain; i++)
		v += s->callchain[i];
	for (uint32_t i = 0; i < s->raw_size; i++)
		v += s->raw[i];
	for (uint32_t i = 0; s->user_regs_abi && i < s->user_nregs; i++)
		v += s->user_regs[i];
	for (uint64_t i = 0; i < s->user_stack_size; i++)
		v += s->user_stack[i];
	for (unsigned r = 0; r < PERF_X86_REG_COUNT; r++) {
		uint64_t x;
		if (perf_sample_user_reg(s, r, &x))
			v += x;
	}
	sink += v;
	return 0;
}

static int on_mmap(const struct perf_mmap_event *m, void *arg)
{
	sink += strlen(m->filename) + m->start;
	for (uint32_t i = 0; i < m->build_id_len; i++)
		sink += m->build_id[i];
	return 0;
}

static int on_comm(const struct perf_comm_event *c, void *arg)
{
	sink += strlen(c->comm);
	return 0;
}

static int on_build_id(const struct perf_build_id_event *b, void *arg)
{
	sink += strlen(b->filename);
	for (uint32_t i = 0; i < b->build_id_len; i++)
		sink += b->build_id[i];
	return 0;
}

static int on_other(const struct perf_record *r, void *arg)
{
	for (size_t i = 0; i + 8 < r->size; i++)
		sink += r->body[i];
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct perf_data_ops ops = {
		.sample = on_sample, .mmap = on_mmap, .comm = on_comm, .build_id = on_build_id, .other = on_other,
	};
	struct errbuf e;
	struct perf_data *d;

	errbuf_init(&e);
	d = perf_data_open_mem(data, size, "fuzz", &e);
	if (d) {
		const struct perf_data_info *in = perf_data_get_info(d);
		sink += strlen(in->hostname) + strlen(in->cmdline);
		perf_data_read(d, &ops, NULL, &e);
		for (size_t i = 0; i < perf_data_attr_count(d); i++)
			sink += strlen(perf_data_attr_get(d, i)->name);
		perf_data_close(d);

		/* the replay, hermetic: no kernel symbols, no debug directories, flags from the input */
		struct profile *p = profile_new();
		struct perf_replay_opts o = {
			.kallsyms = "/dev/null", .no_perf_cache = true, .no_system_debug = true,
			.fold_flags = size ? data[size - 1] & 0x7f : 0, .count_samples = size > 1 && (data[size - 2] & 1),
		};
		if (p) {
			perf_replay_mem(data, size, "fuzz", &o, p, NULL);
			for (size_t i = 0; i < profile_stack_count(p); i++)
				sink += profile_stack_get(p, i).depth;
			profile_free(p);
		}
	}
	errbuf_release(&e);
	return 0;
}

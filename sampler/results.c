// SPDX-License-Identifier: Apache-2.0
/* A finished recording's results: loss and run-time statistics, and the readout into a profile or raw stacks. */
#include "sampler/sampler.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/libbpf.h>

#include "fold/profile.h"
#include "lib/err.h"
#include "sampler/internal.h"
#include "symbolize/symbolize.h"
#include "symbolize/unwind.h"

/* ---- statistics --------------------------------------------------------------------------------- */

static void gather_stats(const struct sampler *s, uint64_t *st)
{
	memset(st, 0, STAT_COUNT * sizeof(*st));
	if (s->on)
		bpfobj_add_stats(oncpu_object(s->on), st);
	if (s->off)
		bpfobj_add_stats(offcpu_object(s->off), st);
	if (s->pr)
		bpfobj_add_stats(procs_object(s->pr), st);
}

static const char *const loss_reasons[STAT_COUNT] = {
	[LOSS_KSTACK_MAP_FULL] = "kernel stack not stored: stack map full",
	[LOSS_USTACK_MAP_FULL] = "user stack not stored: stack map full",
	[LOSS_KSTACK_ERROR] = "kernel stack walk failed",
	[LOSS_NO_USTACK] = "no user stack (task exiting or stack unreadable)",
	[LOSS_COUNTS_MAP_FULL] = "sample dropped: counts map full",
	[LOSS_IMAGES_MAP_FULL] = "process not tracked: image map full (frames may be unnamed)",
	[LOSS_EVENTS_FULL] = "process event lost: ring buffer full (frames may be unnamed)",
	[LOSS_START_MAP_FULL] = "off-CPU interval dropped: no room to keep the thread's start",
	[LOSS_WAKER_MAP_FULL] = "waker stack dropped: waker map full",
	[LOSS_RINGBUF_FULL] = "user stack not copied: ring buffer full (--call-graph dwarf)",
};

/* Lost in user space: an off-CPU interval's time came without its stack (cannot happen: the ring keeps order). */
#define LOSS_UNMATCHED "off-CPU interval's stack record missing (--call-graph dwarf)"
/* ... and user stacks not kept: the table of unique unwound stacks was full. */
#define LOSS_DWARF_CAPPED "user stack not kept: too many unique unwound stacks (--call-graph dwarf)"


int sampler_bpf_time(const struct sampler *s, uint64_t *run_ns, uint64_t *run_cnt)
{
	*run_ns = *run_cnt = 0;
	if (s->stats_fd < 0 && !bpf_time_enabled_by_sysctl())
		return -ENOTSUP;
	if (s->on)
		bpfobj_add_run_stats(oncpu_object(s->on), run_ns, run_cnt);
	if (s->off)
		bpfobj_add_run_stats(offcpu_object(s->off), run_ns, run_cnt);
	if (s->pr)
		bpfobj_add_run_stats(procs_object(s->pr), run_ns, run_cnt);
	return 0;
}

void sampler_get_stats(const struct sampler *s, struct sampler_stats *out)
{
	uint64_t st[STAT_COUNT];
	memset(out, 0, sizeof(*out));
	gather_stats(s, st);
	if (s->o.mode == SAMPLER_OFFCPU) {
		out->intervals = st[STAT_SAMPLES];
	} else if (s->o.mode == SAMPLER_ONCPU) {
		out->samples = st[STAT_SAMPLES];
	} else {
		uint64_t on[STAT_COUNT] = { 0 }, off[STAT_COUNT] = { 0 };
		bpfobj_add_stats(oncpu_object(s->on), on);
		bpfobj_add_stats(offcpu_object(s->off), off);
		out->samples = on[STAT_SAMPLES];
		out->intervals = off[STAT_SAMPLES];
	}
	out->filtered_blocks = st[STAT_SHORT_BLOCKS] + st[STAT_LONG_BLOCKS];
	for (int i = 0; i < STAT_COUNT && out->nlosses < SAMPLER_MAX_LOSSES; i++) {
		if (!loss_reasons[i] || !st[i])
			continue;
		out->losses[out->nlosses].reason = loss_reasons[i];
		out->losses[out->nlosses++].count = st[i];
	}
	struct dwarf_stats ds;
	dwarf_get_stats(s->dw, &ds);
	if (ds.unmatched && out->nlosses < SAMPLER_MAX_LOSSES) {
		out->losses[out->nlosses].reason = LOSS_UNMATCHED;
		out->losses[out->nlosses++].count = ds.unmatched;
	}
	if (ds.capped && out->nlosses < SAMPLER_MAX_LOSSES) {
		out->losses[out->nlosses].reason = LOSS_DWARF_CAPPED;
		out->losses[out->nlosses++].count = ds.capped;
	}
	out->dwarf_records = ds.records;
	out->dwarf_frames = ds.frames;
	out->dwarf_fp_frames = ds.fp_frames;
	out->dwarf_stacks = ds.stacks;
	out->dwarf_unwind_ns = ds.unwind_ns;
	out->dwarf_truncated = 0;
	for (int i = 0; i < UNWIND_END_COUNT; i++)
		if (i != UNWIND_END_OUTERMOST && i != UNWIND_END_MAX)
			out->dwarf_truncated += ds.ends[i];
	out->dwarf_ring_bytes = s->dw ? s->sz.samples_ring : 0;
	out->lost_stacks = s->lost_stacks;
	uint64_t end = s->detached ? s->detach_ns : sampler_now_ns();
	out->duration_ns = s->attach_ns && end > s->attach_ns ? end - s->attach_ns : 0;
	out->period_ns = 1000000000ull / (s->o.freq ? s->o.freq : 99);
	out->bpf_time_measured = sampler_bpf_time(s, &out->bpf_total_ns, &out->bpf_total_cnt) == 0;
	if (s->on)
		bpfobj_add_run_stats(oncpu_object(s->on), &out->bpf_run_ns, &out->bpf_run_cnt);
	if (s->off)
		bpfobj_add_run_stats(offcpu_object(s->off), &out->bpf_run_ns, &out->bpf_run_cnt);
	out->attach_ns = s->attach_ns;
	out->first_sample_ns = s->first_sample_ns;
	uint64_t first = oncpu_first_sample_ns(s->on);
	if (first && (!out->first_sample_ns || first < out->first_sample_ns))
		out->first_sample_ns = first;
	out->processes = s->images.count;
	mmap_watch_stats(s->mw, &out->mmaps_seen, &out->mmaps_lost);
	out->maps_from_log = s->filled_from_log;
	out->targets_live = s->live;
	out->targets_total = s->ntargets;
}

/* ---- readout ------------------------------------------------------------------------------------ */

/*
 * Once, before the first read: detach, take the process events and stack
 * copies still in the rings, snapshot the survivors' maps a last time, and
 * add the counts still in the per-CPU caches to the counts maps (twice would
 * count them twice).
 */
static int sampler_drain(struct sampler *s, struct errbuf *err)
{
	int e = 0;
	if (s->drained)
		return 0;
	sampler_detach(s);
	if (s->rb)
		ring_buffer__consume(s->rb);
	if (s->dw) {
		e = dwarf_consume(s->dw, 0);
		if (e)
			return errbuf_set(err, e, "cannot unwind the stacks: %s", strerror(-e));
	}
	sampler_read_mmaps(s); /* the last mappings and execs */
	image_table_resnap_live(&s->images);
	sampler_fill_gone(s);
	if (s->on)
		e = oncpu_flush(s->on, err);
	if (!e && s->off)
		e = offcpu_flush(s->off, err);
	if (!e)
		s->drained = true;
	return e;
}

/* Feed every stack to `r`: from the counts maps, then those unwound in user space. */
static int read_all(struct sampler *s, struct readout *r, size_t on_index, size_t off_index, int64_t scale,
		    struct errbuf *err)
{
	int e = 0;
	if (s->on)
		e = oncpu_read(s->on, r, on_index, scale, err);
	if (!e && s->off)
		e = offcpu_read(s->off, r, off_index, err);
	if (!e && s->dw && s->on)
		e = dwarf_read(s->dw, r, oncpu_object(s->on), DWARF_ONCPU, on_index, scale, s->o.per_cpu);
	if (!e && s->dw && s->off)
		e = dwarf_read(s->dw, r, offcpu_object(s->off), DWARF_OFFCPU_START, off_index, 1, false);
	if (e < 0 && !errbuf_failed(err))
		errbuf_set(err, e, "cannot read the unwound stacks: %s", strerror(-e));
	return e;
}

int sampler_read_raw(struct sampler *s, sampler_raw_cb *cb, void *arg, struct sampler_raw_summary *sum,
		     struct errbuf *err)
{
	if (sum)
		memset(sum, 0, sizeof(*sum));
	int e = sampler_drain(s, err);
	if (e)
		return e;
	struct readout *r = readout_new_raw(s->o.sym, &s->images, cb, arg);
	if (!r)
		return errbuf_set(err, -ENOMEM, "out of memory");
	e = read_all(s, r, 0, 0, 1, err);
	if (!e && !s->read_done)
		s->lost_stacks = readout_lost_stacks(r); /* for the summary when no profile is read */
	if (sum) {
		uint64_t on[STAT_COUNT] = { 0 }, off[STAT_COUNT] = { 0 };
		if (s->on)
			bpfobj_add_stats(oncpu_object(s->on), on);
		if (s->off)
			bpfobj_add_stats(offcpu_object(s->off), off);
		sum->stacks = readout_raw_stacks(r);
		sum->oncpu_dropped = on[LOSS_COUNTS_MAP_FULL];
		sum->offcpu_dropped = off[LOSS_COUNTS_MAP_FULL] + off[LOSS_START_MAP_FULL];
		sum->waker_stacks = readout_wakers_dropped(r);
	}
	readout_free(r);
	return e;
}

int sampler_read(struct sampler *s, struct profile *p, const struct sampler_read_opts *ro, struct errbuf *err)
{
	int e = 0;
	size_t on_index = 0, off_index = 0;
	int64_t scale = 1;
	int sum_index = -1;

	if (s->read_done)
		return errbuf_set(err, -EINVAL, "the recording was read already");
	e = sampler_drain(s, err);
	if (e)
		return e;

	uint64_t unit = ro && ro->value_unit_ns > 1 ? ro->value_unit_ns : 1;
	const char *unit_name = unit == 1 ? "nanoseconds" : unit == 1000 ? "microseconds"
				: unit == 1000000 ? "milliseconds" : "units";
	switch (s->o.mode) {
	case SAMPLER_ONCPU:
		e = profile_add_value_type(p, "samples", "count");
		profile_meta_set(p, "event", "cpu-clock");
		break;
	case SAMPLER_OFFCPU:
		e = profile_add_value_type(p, "off-cpu", unit_name);
		profile_meta_set(p, "event", "sched:sched_switch");
		break;
	case SAMPLER_WALL:
		scale = (int64_t)(1000000000ull / s->o.freq);
		e = profile_add_value_type(p, "cpu", unit_name);
		if (e >= 0)
			e = profile_add_value_type(p, "off-cpu", unit_name);
		if (e >= 0)
			e = profile_add_value_type(p, "wall", unit_name);
		off_index = 1;
		sum_index = 2;
		profile_meta_set(p, "event", "cpu-clock,sched:sched_switch");
		break;
	}
	if (e < 0)
		return errbuf_set(err, e, "cannot set up the profile: %s", strerror(-e));
	e = 0;
	struct readout *r = readout_new(p, s->o.sym, &s->images, ro, sum_index);
	if (!r)
		return errbuf_set(err, -ENOMEM, "out of memory");
	e = read_all(s, r, on_index, off_index, scale, err);
	s->lost_stacks = readout_lost_stacks(r);
	readout_free(r);
	s->read_done = true;
	if (e)
		return e;

	uint64_t st[STAT_COUNT];
	gather_stats(s, st);
	for (int i = 0; i < STAT_COUNT; i++)
		if (loss_reasons[i] && st[i] && profile_add_loss(p, loss_reasons[i], st[i]))
			return errbuf_set(err, -ENOMEM, "out of memory");
	struct dwarf_stats ds;
	dwarf_get_stats(s->dw, &ds);
	if (ds.unmatched && profile_add_loss(p, LOSS_UNMATCHED, ds.unmatched))
		return errbuf_set(err, -ENOMEM, "out of memory");
	if (ds.capped && profile_add_loss(p, LOSS_DWARF_CAPPED, ds.capped))
		return errbuf_set(err, -ENOMEM, "out of memory");
	if (s->o.sym && symbolizer_report_unknown(s->o.sym, p))
		return errbuf_set(err, -ENOMEM, "out of memory");
	return 0;
}


// SPDX-License-Identifier: Apache-2.0
/* perf.data replay: the decoder's records drive thread and map state; samples of the chosen event become stacks. */
#include "symbolize/perf_replay.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <linux/perf_event.h>

#include "fold/perf_data.h"
#include "fold/profile.h"
#include "lib/buf.h"
#include "lib/err.h"
#include "symbolize/perf_replay_internal.h"
#include "symbolize/symbolize.h"

_Static_assert(UNWIND_END_COUNT <= 8, "perf_replay_stats.unwind_ends is too small");

/* "cpu-clock:ppp" answers to "cpu-clock:ppp", "cpu-clock"; "cpu-clock/freq=999/" to "cpu-clock" too. */
static bool event_matches(const char *name, const char *want)
{
	size_t n = strlen(want);
	const char *colon;

	if (strcmp(name, want) == 0)
		return true;
	if (strncmp(name, want, n) != 0)
		return false;
	if (name[n] == '/')
		return true;
	/* a trailing ":modifiers" suffix (u, k, p, H, G ...), not the "sched:" of a tracepoint */
	colon = strrchr(name, ':');
	if (colon != name + n)
		return false;
	return strspn(colon + 1, "ukhHGpPSDIWebx") == strlen(colon + 1) && colon[1];
}

static bool is_dummy(const struct perf_data_attr *a)
{
	return a->type == PERF_TYPE_SOFTWARE && a->config == PERF_COUNT_SW_DUMMY;
}

static int choose_event(struct replay *r)
{
	size_t n = perf_data_attr_count(r->d);
	const struct perf_data_attr *a = NULL;
	const char *ev;
	int idx = 0;

	r->chosen_tried = true;
	if (r->o->event) {
		for (size_t i = 0; i < n && !a; i++)
			if (event_matches(perf_data_attr_get(r->d, i)->name, r->o->event))
				a = perf_data_attr_get(r->d, i);
		if (!a) {
			struct buf list = BUF_INIT;
			int rc;

			for (size_t i = 0; i < n; i++)
				buf_addf(&list, "%s'%s'", i ? ", " : "", perf_data_attr_get(r->d, i)->name);
			rc = errbuf_set(r->err, -ENOENT, "no event '%s' in '%s' (it has %s)", r->o->event, r->name,
					n ? list.data : "no events");
			buf_release(&list);
			return rc;
		}
	} else {
		/* the first event that samples; perf adds a "dummy" one for side-band records */
		for (size_t i = 0; i < n && !a; i++)
			if (!is_dummy(perf_data_attr_get(r->d, i)))
				a = perf_data_attr_get(r->d, i);
		if (!a && n)
			a = perf_data_attr_get(r->d, 0);
		if (!a)
			return 0;
	}
	r->chosen = a;
	ev = a->name;
	snprintf(r->st->event, sizeof(r->st->event), "%s", ev);
	if (profile_value_count(r->p) == 0) {
		if (r->o->count_samples)
			idx = profile_add_value_type(r->p, "samples", "count");
		else if (strncmp(ev, "cpu-clock", 9) == 0 || strncmp(ev, "task-clock", 10) == 0)
			idx = profile_add_value_type(r->p, "cpu", "nanoseconds");
		else
			idx = profile_add_value_type(r->p, ev, "count");
		if (idx < 0)
			return errbuf_set(r->err, idx, "cannot read '%s': cannot add a value type", r->name);
		if (profile_meta_set(r->p, "event", ev))
			return errbuf_set(r->err, -ENOMEM, "cannot read '%s': out of memory", r->name);
	}
	r->value_index = idx;
	return 0;
}

static int nomem(struct replay *r)
{
	return errbuf_set(r->err, -ENOMEM, "cannot read '%s': out of memory", r->name);
}

static bool id_listed(const int64_t *list, size_t n, int64_t v)
{
	for (size_t i = 0; i < n; i++)
		if (list[i] == v)
			return true;
	return false;
}

/* --filter-pid/--filter-tid/--filter-comm, as the perf script reader applies them. */
static bool sample_wanted(const struct perf_replay_opts *o, const struct replay_thread *t, int32_t pid, int32_t tid)
{
	if (o->pids && !id_listed(o->pids, o->npids, pid))
		return false;
	if (o->tids && !id_listed(o->tids, o->ntids, tid))
		return false;
	if (o->comms) {
		for (size_t i = 0; i < o->ncomms; i++)
			if (t->comm && strcmp(t->comm, o->comms[i]) == 0)
				return true;
		return false;
	}
	return true;
}

static int on_sample(const struct perf_sample *s, void *arg)
{
	struct replay *r = arg;
	struct replay_thread *t;
	int rc;

	if (!r->chosen_tried && (rc = choose_event(r)))
		return rc;
	if (s->attr != r->chosen) {
		if (!r->st->other_samples)
			snprintf(r->st->other_event, sizeof(r->st->other_event), "%s", s->attr->name);
		r->st->other_samples++;
		return 0;
	}
	t = replay_thread_findnew(r, s->pid, s->tid);
	if (!t)
		return nomem(r);
	if ((r->o->pids || r->o->tids || r->o->comms) && !sample_wanted(r->o, t, s->pid >= 0 ? s->pid : t->pid, s->tid)) {
		r->st->filtered++;
		return 0;
	}
	/* stackcollapse-perf.pl: `if (not $period) { $period = 1 }` */
	rc = replay_add_sample(r, s, t, r->o->count_samples || !s->period ? 1
				     : s->period > INT64_MAX ? INT64_MAX : (int64_t)s->period);
	if (rc)
		return nomem(r);
	r->st->samples++;
	return 0;
}

static int on_mmap(const struct perf_mmap_event *m, void *arg)
{
	struct replay *r = arg;
	struct sym_mmap sm = {
		.start = m->start, .len = m->len, .pgoff = m->pgoff, .filename = m->filename,
		.build_id = m->build_id, .build_id_len = m->build_id_len,
		.exec = m->mmap2 ? (m->prot & PROT_EXEC) != 0 : !(m->misc & PERF_RECORD_MISC_MMAP_DATA),
	};

	if (m->pid == -1) {
		/* the kernel and its modules: named through kallsyms; "[kernel.kallsyms]_text" tells the layout */
		static const char kname[] = "[kernel.kallsyms]";
		if (strncmp(m->filename, kname, sizeof(kname) - 1) == 0 && m->filename[sizeof(kname) - 1] &&
		    symbolizer_kernel_ref(r->sym, m->filename + sizeof(kname) - 1, m->pgoff))
			return nomem(r);
		return 0;
	}
	if (symbolizer_proc_mmap(r->sym, m->pid, &sm) || replay_proc_changed(r, m->pid))
		return nomem(r);
	return 0;
}

static int on_comm(const struct perf_comm_event *c, void *arg)
{
	struct replay *r = arg;
	struct replay_thread *t = replay_thread_findnew(r, c->pid, c->tid);

	if (!t || replay_thread_set_comm(r, t, c->comm))
		return nomem(r);
	if (c->exec) {
		symbolizer_proc_exec(r->sym, c->pid);
		if (replay_proc_changed(r, c->pid))
			return nomem(r);
	}
	return 0;
}

static int on_task(const struct perf_task_event *e, void *arg)
{
	struct replay *r = arg;
	struct replay_thread *child, *parent;

	if (!e->fork) {
		if (e->pid == e->tid)
			symbolizer_proc_exit(r->sym, e->pid);
		return 0;
	}
	parent = replay_thread_findnew(r, e->ppid, e->ptid);
	if (!parent)
		return nomem(r);
	/* copy the parent's name first: creating the child may move the thread array */
	{
		char *pcomm = parent->comm ? strdup(parent->comm) : NULL;
		int rc = 0;

		if (parent->comm && !pcomm)
			return nomem(r);
		child = replay_thread_findnew(r, e->pid, e->tid);
		if (!child)
			rc = -ENOMEM;
		else if (pcomm)
			rc = replay_thread_set_comm(r, child, pcomm);
		else {
			free(child->comm);
			child->comm = NULL;
			child->label = UINT32_MAX;
		}
		free(pcomm);
		if (rc)
			return nomem(r);
		child->pid = e->pid;
	}
	if (e->pid != e->ppid) {
		if (symbolizer_proc_fork(r->sym, e->pid, e->ppid) || replay_proc_changed(r, e->pid))
			return nomem(r);
	}
	return 0;
}

static int on_lost(const struct perf_lost_event *l, void *arg)
{
	struct replay *r = arg;

	if (l->samples)
		r->st->lost_samples += l->lost;
	else
		r->st->lost_records += l->lost;
	if (l->lost && profile_add_loss(r->p, l->samples ? "samples dropped by the kernel (perf LOST_SAMPLES)"
						      : "records lost: perf's ring buffer was full (perf LOST)",
					l->lost))
		return nomem(r);
	return 0;
}

static int on_build_id(const struct perf_build_id_event *b, void *arg)
{
	struct replay *r = arg;

	if (b->pid != -1 || !b->build_id_len)
		return 0; /* a guest machine's build-id names nothing on the host (as in perf) */
	if (symbolizer_add_build_id(r->sym, b->filename, b->build_id, b->build_id_len))
		return nomem(r);
	return 0;
}

static const struct perf_data_ops replay_ops = {
	.sample = on_sample, .mmap = on_mmap, .comm = on_comm, .task = on_task,
	.lost = on_lost, .build_id = on_build_id,
};

static int replay_run(struct replay *r, struct errbuf *err)
{
	struct symbolizer_opts so = {
		.debug_dirs = r->o->debug_dirs,
		.ndebug_dirs = r->o->ndebug_dirs,
		.kallsyms = r->o->kallsyms,
		.demangle = true, /* perf script demangles by default, printing the name alone */
		.demangle_short = true,
		.no_perf_cache = r->o->no_perf_cache,
		.no_system_debug = r->o->no_system_debug,
	};
	struct errbuf rerr;
	struct perf_data_stats ds;
	int rc;

	errbuf_init(&rerr);
	r->err = &rerr;
	r->sym = symbolizer_new(&so);
	if (!r->sym) {
		rc = nomem(r);
		goto out;
	}
	if (perf_data_attr_count(r->d) && !perf_data_get_info(r->d)->pipe && (rc = choose_event(r)))
		goto out;
	rc = perf_data_read(r->d, &replay_ops, r, &rerr);
	if (rc != -ENOMEM && replay_flush(r))
		rc = nomem(r);
	if (rc == 0 && !r->chosen_tried && r->o->event)
		rc = choose_event(r); /* an --event the file does not have is an error even without samples */
	perf_data_get_stats(r->d, &ds);
	r->st->malformed = ds.malformed;
	if (rc == -EBADMSG && r->st->samples) {
		/* the samples before the damage stand; the damage is reported as a loss */
		struct buf reason = BUF_INIT;

		r->st->damaged = true;
		rc = buf_addf(&reason, "perf.data damaged, samples after it dropped: %s", rerr.msg.data);
		if (!rc)
			rc = profile_add_loss(r->p, reason.data, 1);
		buf_release(&reason);
	}
	if (rc)
		goto out;
	if (ds.malformed && profile_add_loss(r->p, "malformed perf.data records skipped", ds.malformed))
		rc = -ENOMEM;
	if (!rc && ds.unknown_id && profile_add_loss(r->p, "samples of an event id the file does not list", ds.unknown_id))
		rc = -ENOMEM;
	if (!rc && r->saturated &&
	    profile_add_loss(r->p, "stack weights cut: the periods add up past 2^63", r->saturated))
		rc = -ENOMEM;
	if (!rc && symbolizer_report_unknown(r->sym, r->p))
		rc = -ENOMEM;
	if (rc)
		rc = nomem(r);
out:
	if (rc < 0 && err) {
		errbuf_set(err, rc, "%s", rerr.msg.len ? rerr.msg.data : "cannot read perf.data");
		if (rerr.hint.len)
			errbuf_hint(err, "%s", rerr.hint.data);
	}
	errbuf_release(&rerr);
	symbolizer_free(r->sym);
	replay_threads_release(r);
	replay_stack_release(r);
	return rc < 0 ? rc : 0;
}

static int replay_data(struct perf_data *d, const struct perf_replay_opts *o, struct profile *p, struct errbuf *err)
{
	static const struct perf_replay_opts defaults;
	struct perf_replay_stats local;
	struct replay r;

	memset(&r, 0, sizeof(r));
	r.o = o ? o : &defaults;
	r.st = r.o->stats ? r.o->stats : &local;
	memset(r.st, 0, sizeof(*r.st));
	r.p = p;
	r.d = d;
	r.name = perf_data_name(d);
	htab_init(&r.thread_index);
	htab_init(&r.gen_index);
	htab_init(&r.cache_index);
	htab_init(&r.raw_index);
	return replay_run(&r, err);
}

int perf_replay_file(const char *path, const struct perf_replay_opts *o, struct profile *p, struct errbuf *err)
{
	struct perf_data *d = perf_data_open(path, err);
	int rc;

	if (!d)
		return err && err->code ? err->code : -EINVAL;
	rc = replay_data(d, o, p, err);
	perf_data_close(d);
	return rc;
}

int perf_replay_mem(const void *data, size_t len, const char *name, const struct perf_replay_opts *o,
		    struct profile *p, struct errbuf *err)
{
	struct perf_data *d = perf_data_open_mem(data, len, name, err);
	int rc;

	if (!d)
		return err && err->code ? err->code : -EINVAL;
	rc = replay_data(d, o, p, err);
	perf_data_close(d);
	return rc;
}

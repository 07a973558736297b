// SPDX-License-Identifier: Apache-2.0
/* Loader of the process-event programs: fork (follow children), exec (start a command, new images), exit. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "lib/err.h"
#include "sampler/internal.h"

#include "procs.skel.h"

struct procs {
	struct procs_bpf *skel;
	struct bpf_link **links;
	size_t nlinks;
};

static int load(struct procs *pr, const struct sampler_opts *o, struct shared_maps *sm,
		const struct sampler_sizes *sz, uint32_t filter, bool raw_tp, struct errbuf *err)
{
	pr->skel = procs_bpf__open();
	if (!pr->skel)
		return errbuf_set(err, -errno, "cannot open the process-event BPF object: %s", strerror(errno));
	pr->skel->rodata->filter = filter;
	pr->skel->rodata->inherit = !o->no_inherit;
	int ncpus = libbpf_num_possible_cpus();
	pr->skel->rodata->nr_cpus = ncpus > 0 ? (uint32_t)ncpus : 1;
	bpf_program__set_autoload(pr->skel->progs.procs_fork, !raw_tp);
	bpf_program__set_autoload(pr->skel->progs.procs_exec, !raw_tp);
	bpf_program__set_autoload(pr->skel->progs.procs_exit, !raw_tp);
	bpf_program__set_autoload(pr->skel->progs.procs_fork_raw, raw_tp);
	bpf_program__set_autoload(pr->skel->progs.procs_exec_raw, raw_tp);
	bpf_program__set_autoload(pr->skel->progs.procs_exit_raw, raw_tp);
	int e = shared_maps_prepare(pr->skel->obj, sm, sz, err);
	if (e)
		return e;
	e = bpfobj_load(pr->skel->obj, "process tracker", err);
	if (e)
		return e;
	e = shared_maps_collect(pr->skel->obj, sm, err);
	if (e)
		return e;
	if (o->exec_pid > 0) {
		uint32_t pid = (uint32_t)o->exec_pid;
		uint8_t one = 1;
		if (bpf_map_update_elem(bpf_map__fd(pr->skel->maps.exec_targets), &pid, &one, BPF_ANY))
			return errbuf_set(err, -errno, "cannot register the command's pid: %s", strerror(errno));
	}
	return bpfobj_attach_tracing(pr->skel->obj, &pr->links, &pr->nlinks, err);
}

int procs_start(struct procs **out, const struct sampler_opts *o, struct shared_maps *sm,
		const struct sampler_sizes *sz, uint32_t filter, struct errbuf *err)
{
	struct procs *pr = calloc(1, sizeof(*pr));
	if (!pr)
		return errbuf_set(err, -ENOMEM, "out of memory");
	/* SCORCH_RAW_TP=1 loads the raw_tp twins directly (kernels without tp_btf; tests) */
	bool raw_only = getenv("SCORCH_RAW_TP") != NULL;
	struct errbuf first;
	errbuf_init(&first);
	int e = load(pr, o, sm, sz, filter, raw_only, &first);
	if (e && e != -EPERM && !raw_only) {
		bpfobj_destroy_links(pr->links, pr->nlinks);
		pr->nlinks = 0;
		procs_bpf__destroy(pr->skel);
		pr->skel = NULL;
		struct errbuf second;
		errbuf_init(&second);
		e = load(pr, o, sm, sz, filter, true, &second);
		if (e) /* the tp_btf failure explains more */
			errbuf_set(err, e, "%s", first.msg.data);
		errbuf_release(&second);
	} else if (e) {
		errbuf_set(err, e, "%s", first.msg.data);
		if (first.hint.len)
			errbuf_hint(err, "%s", first.hint.data);
	}
	errbuf_release(&first);
	if (e) {
		procs_free(pr);
		return e;
	}
	*out = pr;
	return 0;
}

struct bpf_object *procs_object(const struct procs *pr)
{
	return pr ? pr->skel->obj : NULL;
}

void procs_free(struct procs *pr)
{
	if (!pr)
		return;
	bpfobj_destroy_links(pr->links, pr->nlinks);
	free(pr->links);
	procs_bpf__destroy(pr->skel);
	free(pr);
}

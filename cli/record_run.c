// SPDX-License-Identifier: Apache-2.0
/* scorch record's run: the event loop that ends a recording, the flame graph's titles, the summary. */
#include "cli/record.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "lib/buf.h"
#include "lib/err.h"

/* 1234567 -> "1,234,567" into `b`. */
static void add_count(struct buf *b, uint64_t v)
{
	char digits[32];
	int n = snprintf(digits, sizeof(digits), "%llu", (unsigned long long)v);
	for (int i = 0; i < n; i++) {
		if (i && (n - i) % 3 == 0)
			buf_addch(b, ',');
		buf_addch(b, digits[i]);
	}
}


int record_loop_setup(struct loop *l, struct sampler *s, uint64_t duration_ns, sigset_t *mask, struct errbuf *err)
{
	struct epoll_event ev = { .events = EPOLLIN };
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	l->sigfd = signalfd(-1, mask, SFD_CLOEXEC | SFD_NONBLOCK);
	l->timerfd = -1;
	if (l->epfd < 0 || l->sigfd < 0)
		return errbuf_set(err, -errno, "cannot set up the event loop: %s", strerror(errno));
	ev.data.fd = l->sigfd;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, l->sigfd, &ev))
		return errbuf_set(err, -errno, "cannot set up the event loop: %s", strerror(errno));
	int rfd = sampler_poll_fd(s);
	ev.data.fd = rfd;
	if (rfd >= 0 && epoll_ctl(l->epfd, EPOLL_CTL_ADD, rfd, &ev))
		return errbuf_set(err, -errno, "cannot set up the event loop: %s", strerror(errno));
	if (duration_ns) {
		/* -d counts from the moment sampling started, not from now */
		struct sampler_stats st;
		sampler_get_stats(s, &st);
		uint64_t end = st.attach_ns + duration_ns;
		l->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
		struct itimerspec its = { .it_value = { .tv_sec = (time_t)(end / 1000000000ull),
							.tv_nsec = (long)(end % 1000000000ull) } };
		if (l->timerfd < 0 || timerfd_settime(l->timerfd, TFD_TIMER_ABSTIME, &its, NULL))
			return errbuf_set(err, -errno, "cannot set the -d timer: %s", strerror(errno));
		ev.data.fd = l->timerfd;
		if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, l->timerfd, &ev))
			return errbuf_set(err, -errno, "cannot set up the event loop: %s", strerror(errno));
	}
	return 0;
}

void record_loop_release(struct loop *l)
{
	if (l->epfd >= 0)
		close(l->epfd);
	if (l->sigfd >= 0)
		close(l->sigfd);
	if (l->timerfd >= 0)
		close(l->timerfd);
}

/* Reap our command if it exited. */
static void reap_child(struct loop *l)
{
	if (l->child <= 0 || l->child_exited)
		return;
	int status;
	if (waitpid(l->child, &status, WNOHANG) == l->child) {
		l->child_exited = true;
		l->child_status = status;
	}
}

/* The overhead guard (lib/overhead.h) with our BPF programs' run time, checked at most once a second. */
static bool over_budget(struct loop *l, const struct sampler *s)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	uint64_t now = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec, run_ns, cnt;
	if (!overhead_guard_due(&l->guard, now) || sampler_bpf_time(s, &run_ns, &cnt))
		return false; /* off, not yet, or not measured (the summary says so) */
	return overhead_guard_check(&l->guard, now, run_ns);
}

void record_print_overhead_stop(const struct loop *l)
{
	fprintf(stderr,
		"scorch: stopped early: our BPF programs used %.1f%% of one CPU over the last two seconds, above "
		"--max-overhead %g%%\n"
		"scorch: hint: lower -F, narrow the target (-p, -t, --cgroup), raise --min-block (off-CPU), or "
		"allow more with --max-overhead\n",
		l->guard.over_pct, l->guard.budget_pct);
}

/* Record until an end condition; every one of them returns here, and the caller detaches and writes. */
enum stop_reason record_loop_run(struct loop *l, struct sampler *s)
{
	over_budget(l, s); /* the baseline */
	for (;;) {
		struct epoll_event evs[4];
		int n = epoll_wait(l->epfd, evs, 4, 200);
		if (n < 0 && errno != EINTR)
			return STOP_SIGNAL;
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;
			if (fd == l->sigfd) {
				struct signalfd_siginfo si;
				while (read(l->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
					if (si.ssi_signo == SIGINT || si.ssi_signo == SIGTERM)
						return STOP_SIGNAL;
				}
			} else if (fd == l->timerfd) {
				return STOP_DURATION;
			}
		}
		sampler_poll(s, 0);
		reap_child(l);
		if (l->child_exited)
			return STOP_COMMAND;
		if (l->child <= 0 && sampler_targets_gone(s))
			return STOP_TARGETS;
		if (over_budget(l, s))
			return STOP_OVERHEAD;
	}
}

static const char *mode_title(const struct record_args *a)
{
	switch (a->so.mode) {
	case SAMPLER_OFFCPU:
		return a->so.wakeup ? "Off-Wake Time Flame Graph" : "Off-CPU Time Flame Graph";
	case SAMPLER_WALL:
		return "Wall-Clock Time Flame Graph";
	default:
		return "On-CPU Flame Graph";
	}
}

/* Fill in the flame graph's title, subtitle, units and palette unless the user chose them. */
void record_flame_defaults(struct record_args *a, const struct sampler_stats *st, const char *target,
			   struct buf *subtitle)
{
	struct flame_opts *f = &a->out.flame;
	if (!f->title)
		f->title = mode_title(a);
	if (!f->subtitle || !*f->subtitle) {
		buf_addf(subtitle, "%s, %.1f s", target, st->duration_ns / 1e9);
		if (a->so.mode != SAMPLER_OFFCPU) {
			buf_addf(subtitle, ", %u Hz, ", a->so.freq ? a->so.freq : 99);
			add_count(subtitle, st->samples);
			buf_addstr(subtitle, " samples");
		}
		if (a->so.mode != SAMPLER_ONCPU) {
			buf_addstr(subtitle, ", ");
			add_count(subtitle, st->intervals);
			buf_addstr(subtitle, " blocks");
		}
		if (st->lost_stacks) {
			buf_addstr(subtitle, ", ");
			add_count(subtitle, st->lost_stacks);
			buf_addstr(subtitle, " lost stacks");
		}
		if (a->stopped_by_guard)
			buf_addstr(subtitle, ", stopped early by --max-overhead");
		f->subtitle = subtitle->data;
	}
	if (!a->countname_given) {
		if (a->so.mode == SAMPLER_ONCPU)
			f->countname = "samples";
		else if (!a->unit || strcmp(a->unit, "ns") == 0)
			f->countname = "nanoseconds";
		else
			f->countname = strcmp(a->unit, "us") == 0 ? "microseconds" : "milliseconds";
	}
	if (a->so.mode == SAMPLER_WALL) {
		/* widths from both values; each frame coloured by the one that dominates it */
		f->value_index = 2; /* the sum, for folded and JSON output */
		f->value_mask = 0x3;
		f->value_palettes[0] = a->colors_given ? f->palette : FLAME_PAL_HOT;
		/* off-CPU blue, and with --wakeup the wakers above "--" aqua (flamegraph.pl's chain colours) */
		f->value_palettes[1] = a->so.wakeup ? FLAME_PAL_CHAIN : FLAME_PAL_BLUE;
	} else if (!a->colors_given && a->so.mode == SAMPLER_OFFCPU) {
		f->palette = a->so.wakeup ? FLAME_PAL_CHAIN : FLAME_PAL_IO;
	}
}

void record_print_summary(const struct record_args *a, const struct sampler_stats *st, const char *target,
			  enum stop_reason why, const struct loop *l)
{
	struct buf b = BUF_INIT;
	double secs = st->duration_ns / 1e9;
	uint64_t events = a->so.mode == SAMPLER_OFFCPU ? st->intervals : st->samples;

	buf_addstr(&b, "scorch: recorded ");
	if (a->so.mode != SAMPLER_OFFCPU) {
		add_count(&b, st->samples);
		buf_addf(&b, " samples at %u Hz", a->so.freq ? a->so.freq : 99);
	}
	if (a->so.mode == SAMPLER_WALL)
		buf_addstr(&b, " and ");
	if (a->so.mode != SAMPLER_ONCPU) {
		add_count(&b, st->intervals);
		buf_addstr(&b, " off-CPU intervals");
	}
	buf_addf(&b, " of %s in %.2f s", target, secs);
	if (why == STOP_COMMAND && l->child_exited) {
		if (WIFEXITED(l->child_status) && WEXITSTATUS(l->child_status))
			buf_addf(&b, " (the command exited with status %d)", WEXITSTATUS(l->child_status));
		else if (WIFSIGNALED(l->child_status))
			buf_addf(&b, " (the command was killed by signal %d)", WTERMSIG(l->child_status));
	} else if (why == STOP_TARGETS) {
		buf_addstr(&b, " (every target exited)");
	}
	fprintf(stderr, "%s\n", b.data);
	buf_reset(&b);
	if (why == STOP_OVERHEAD)
		record_print_overhead_stop(l);
	if (st->bpf_time_measured && st->duration_ns) {
		/* what recording cost: our BPF programs' run time, as a share of one CPU */
		fprintf(stderr, "scorch: overhead: BPF %.2f%% of one CPU (%.1f us per run, ",
			100.0 * (double)st->bpf_total_ns / (double)st->duration_ns,
			st->bpf_total_cnt ? (double)st->bpf_total_ns / 1e3 / (double)st->bpf_total_cnt : 0.0);
		add_count(&b, st->bpf_total_cnt);
		fprintf(stderr, "%s runs)\n", b.data);
		buf_reset(&b);
	} else if (cli_verbosity() > 0) {
		fprintf(stderr, "scorch: overhead: not measured (BPF statistics need CAP_SYS_ADMIN); "
				"--max-overhead is off\n");
	}

	uint64_t lost = 0;
	for (size_t i = 0; i < st->nlosses; i++)
		lost += st->losses[i].count;
	if (!lost && !st->lost_stacks) {
		fprintf(stderr, "scorch: lost: none\n");
	} else {
		buf_addstr(&b, "scorch: lost: ");
		add_count(&b, st->lost_stacks);
		buf_addf(&b, " of %llu %s with a [lost stack] (%.2f%%)", (unsigned long long)events,
			 a->so.mode == SAMPLER_OFFCPU ? "intervals" : "samples",
			 events ? 100.0 * (double)st->lost_stacks / (double)events : 0.0);
		fprintf(stderr, "%s\n", b.data);
		for (size_t i = 0; i < st->nlosses; i++)
			fprintf(stderr, "scorch:   %llu: %s\n", (unsigned long long)st->losses[i].count,
				st->losses[i].reason);
	}
	if (st->filtered_blocks)
		fprintf(stderr, "scorch: %llu off-CPU intervals outside --min-block/--max-block left out\n",
			(unsigned long long)st->filtered_blocks);
	if (cli_verbosity() > 0) {
		if (st->bpf_run_cnt)
			fprintf(stderr, "scorch: bpf: %llu runs, %.0f ns each (the sampling programs)\n",
				(unsigned long long)st->bpf_run_cnt, (double)st->bpf_run_ns / (double)st->bpf_run_cnt);
		fprintf(stderr, "scorch: processes seen: %llu; targets alive at the end: %zu of %zu\n",
			(unsigned long long)st->processes, st->targets_live, st->targets_total);
		fprintf(stderr, "scorch: executable mappings seen: %llu (%llu lost)\n",
			(unsigned long long)st->mmaps_seen, (unsigned long long)st->mmaps_lost);
		if (st->maps_from_log)
			fprintf(stderr, "scorch: process images named from those records (gone or exec'd before their maps were read): %llu\n",
				(unsigned long long)st->maps_from_log);
		if (st->first_sample_ns)
			fprintf(stderr, "scorch: attach at %llu ns, first sample at %llu ns (CLOCK_MONOTONIC)\n",
				(unsigned long long)st->attach_ns, (unsigned long long)st->first_sample_ns);
		if (a->so.dwarf_stack_size) {
			fprintf(stderr,
				"scorch: --call-graph dwarf: %llu stack copies unwound in %.3f s of CPU (%.1f us each), "
				"through a %u KiB ring buffer\n",
				(unsigned long long)st->dwarf_records, st->dwarf_unwind_ns / 1e9,
				st->dwarf_records ? st->dwarf_unwind_ns / 1e3 / (double)st->dwarf_records : 0.0,
				st->dwarf_ring_bytes / 1024);
			fprintf(stderr,
				"scorch: --call-graph dwarf: %llu frames (%llu by frame pointers where no CFI), "
				"%llu unique stacks, %llu unwinds cut short ([unknown] root)\n",
				(unsigned long long)st->dwarf_frames, (unsigned long long)st->dwarf_fp_frames,
				(unsigned long long)st->dwarf_stacks, (unsigned long long)st->dwarf_truncated);
		}
	}
	buf_release(&b);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* perf.data writer: raw samples (addresses), process maps and build-ids into a file perf 6.1 reads. */
#ifndef SCORCH_FOLD_PERF_DATA_WRITE_H
#define SCORCH_FOLD_PERF_DATA_WRITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct errbuf;
struct perf_data_writer;

/*
 * Writing a perf.data file that `perf report`, `perf script` and `scorch
 * fold` read and symbolize: the caller streams what the kernel would have
 * put in perf's ring buffer (COMM, MMAP2 of every executable mapping with its
 * build-id, the kernel's text map, SAMPLEs with raw callchains, losses), and
 * perf_data_writer_close() adds the header, the attrs and the feature
 * sections (host, command line, event names, sample times, build-ids).
 *
 * Output: a seekable regular file (at offset 0, not O_APPEND) gets perf's
 * file mode; any other output (a pipe, stdout on a tty, /dev/full) or
 * opts.pipe gets perf's pipe mode (`perf record -o -`), readable by
 * `perf report -i -`. A file-mode writer that dies before close leaves a data
 * size of 0, which perf (and scorch) read as "records up to the end".
 *
 * Time: perf delivers records in timestamp order, so a COMM or MMAP2 must
 * carry a time no later than the samples that need it (equal times keep
 * file order). Without timestamps (opts.no_time) perf keeps file order.
 *
 * Every write is checked: the first failure is kept, later calls return it
 * at once, and perf_data_writer_close() reports it.
 */

/* How each event is encoded; both are what perf itself writes. */
enum perf_data_write_event_type {
	/*
	 * On-CPU: software cpu-clock (attr.type PERF_TYPE_SOFTWARE, config
	 * PERF_COUNT_SW_CPU_CLOCK), as `perf record -e cpu-clock` writes it. The
	 * period of a sample is CPU time in nanoseconds.
	 */
	PERF_DATA_WRITE_CPU_CLOCK = 0,
	/*
	 * Off-CPU: "offcpu-time", the event `perf record --off-cpu` writes (a
	 * bpf-output software event, config PERF_COUNT_SW_BPF_OUTPUT, period 1).
	 * The period of a sample is blocked time in nanoseconds, one sample per
	 * blocked stack, as perf's off-CPU samples are; `perf report` weighs by
	 * it. Needs no tracefs format (unlike sched:sched_switch) and no
	 * boot-specific tracepoint id.
	 */
	PERF_DATA_WRITE_OFFCPU,
};

struct perf_data_write_event {
	enum perf_data_write_event_type type;
	const char *name;        /* EVENT_DESC name; NULL = perf's: "cpu-clock" (":u"/":k" with an
	                            exclude flag), "offcpu-time" (perf matches its off-CPU event by it) */
	uint64_t freq;           /* cpu-clock: sampled at this frequency (Hz, attr.freq); or 0 and ... */
	uint64_t period;         /* ... a fixed period (ns); also the period of samples giving none.
	                            Both 0: cpu-clock at 99 Hz (a sample = 10101010 ns); off-CPU 1 */
	bool exclude_user;       /* the recording had no user stacks / kernel stacks (perf's :k / :u) */
	bool exclude_kernel;
};

#define PERF_DATA_WRITE_MAX_EVENTS 16
#define PERF_DATA_WRITE_MAX_STACK 127  /* kernel.perf_event_max_stack's default */

struct perf_data_writer_opts {
	const struct perf_data_write_event *events; /* 1..PERF_DATA_WRITE_MAX_EVENTS, copied; with
	                                               more than one, samples carry PERF_SAMPLE_IDENTIFIER */
	size_t nevents;
	bool sample_cpu;         /* samples carry PERF_SAMPLE_CPU (perf script's cpu column, --sort cpu) */
	bool no_time;            /* samples and records carry no PERF_SAMPLE_TIME */
	unsigned max_stack;      /* callchain entries kept per sample (kernel first, then user, as
	                            the kernel cuts them); 0 = PERF_DATA_WRITE_MAX_STACK */
	bool pipe;               /* pipe mode even when the output is seekable */
	/* The host, for `perf report --header`: NULL / 0 = this machine's (uname, sysconf). */
	const char *hostname;
	const char *osrelease;
	const char *arch;
	const char *version;     /* "perf version" line; NULL = "scorch" */
	uint32_t nr_cpus_online, nr_cpus_avail;
	const char *const *argv; /* the recording's command line (CMDLINE feature), copied; none if argc 0 */
	size_t argc;
};

/*
 * Start writing to `out` (borrowed: flushed, never closed; it must stay open
 * until perf_data_writer_close()). `name` (copied) names the output in
 * messages. File mode writes the header now and rewrites it at close. Returns
 * the writer, or NULL with `err` filled (bad options, ENOMEM, a write error).
 */
struct perf_data_writer *perf_data_writer_open(FILE *out, const char *name, const struct perf_data_writer_opts *o,
					       struct errbuf *err);

/*
 * Finish: in file mode write the feature sections (HOSTNAME, OSRELEASE,
 * VERSION, ARCH, NRCPUS, CMDLINE, EVENT_DESC, SAMPLE_TIME, BUILD_ID with
 * every DSO mapped, machine pid -1) after the data and rewrite the header
 * with the data size and feature bits; flush `out`. Frees `w` in every case
 * (NULL is fine). Returns 0, or the first error of the whole writing with
 * `err` filled ("cannot write 'x.data': No space left on device").
 */
int perf_data_writer_close(struct perf_data_writer *w, struct errbuf *err);

/* Free `w` without finishing the file (after an error). NULL is fine. */
void perf_data_writer_free(struct perf_data_writer *w);

/*
 * COMM: thread `tid` of process `pid` is named `comm` from `time` on. exec:
 * the name came with an exec (perf's COMM_EXEC), a new program image, whose
 * earlier maps scorch's reader forgets: write it before the process's
 * MMAP2s. Names are cut to 15 bytes, as the kernel's TASK_COMM_LEN does
 * (counted in stats.comms_cut). Returns 0 or a negative errno.
 */
int perf_data_writer_comm(struct perf_data_writer *w, int32_t pid, int32_t tid, const char *comm, bool exec,
			  uint64_t time, struct errbuf *err);

/* One mapping of a process (a line of /proc/PID/maps), as an MMAP2 record. */
struct perf_data_write_mmap {
	int32_t pid, tid;        /* tid: any thread of the process (perf uses pid) */
	uint64_t start, len;     /* runtime address and bytes */
	uint64_t pgoff;          /* file offset of `start` */
	uint32_t maj, min;       /* device and inode of the file (used when there is no build-id) */
	uint64_t ino;
	uint32_t prot, flags;    /* PROT_* and MAP_* (MAP_PRIVATE for file maps); no PROT_EXEC = a data map */
	const char *path;        /* "/usr/lib/x86_64-linux-gnu/libc.so.6", "[vdso]", "//anon" ... */
	const uint8_t *build_id; /* the file's GNU build-id, or NULL */
	size_t build_id_len;     /* 1..20 bytes */
	uint64_t time;
};

/*
 * MMAP2. With a build-id it is written in the record (perf's --buildid-mmap
 * form) and, once per (path, build-id), in the BUILD_ID feature (file mode)
 * or a HEADER_BUILD_ID record (pipe mode): perf finds the binary by it in
 * ~/.debug, /usr/lib/debug/.build-id or at `path` (checking it matches).
 * Without one, maj/min/ino identify the file. Returns 0, or -ENAMETOOLONG
 * (path of 4096 bytes or more: the mapping is skipped, counted in
 * stats.mmaps_skipped, the writer goes on) or -EINVAL (a build-id longer than
 * 20 bytes), or a write error.
 */
int perf_data_writer_mmap2(struct perf_data_writer *w, const struct perf_data_write_mmap *m, struct errbuf *err);

/* The kernel's text, for the MMAP perf resolves kernel frames by (against kallsyms). */
struct perf_data_write_kernel {
	uint64_t text_start;     /* address of _text */
	uint64_t text_end;       /* address of _etext (0: up to the top of the address space) */
	uint8_t build_id[20];    /* /sys/kernel/notes' GNU build-id, for the BUILD_ID feature */
	size_t build_id_len;     /* 0 = unknown */
};

/*
 * Find the running kernel's text from `kallsyms` (NULL = /proc/kallsyms) and
 * its build-id from `notes` (NULL = /sys/kernel/notes; unreadable = no
 * build-id). Returns 0; -ENOENT when _text is missing, -EPERM when addresses
 * are hidden (kptr_restrict: all zero), or an open error; `err` filled.
 */
int perf_data_kernel_probe(struct perf_data_write_kernel *k, const char *kallsyms, const char *notes,
			   struct errbuf *err);

/*
 * The kernel's MMAP (pid -1, "[kernel.kallsyms]_text", pgoff = _text), as
 * perf synthesizes it, and its build-id. Write it before any sample with
 * kernel frames. Returns 0 or a negative errno.
 */
int perf_data_writer_kernel_mmap(struct perf_data_writer *w, const struct perf_data_write_kernel *k,
				 uint64_t time, struct errbuf *err);

/* FORK (child `pid`/`tid` from `ppid`/`ptid`) and EXIT. Return 0 or a negative errno. */
int perf_data_writer_fork(struct perf_data_writer *w, int32_t pid, int32_t ppid, int32_t tid, int32_t ptid,
			  uint64_t time, struct errbuf *err);
int perf_data_writer_exit(struct perf_data_writer *w, int32_t pid, int32_t ppid, int32_t tid, int32_t ptid,
			  uint64_t time, struct errbuf *err);

/*
 * A sample: its stack as raw addresses, innermost first (the interrupted ip,
 * then return addresses), the kernel part and the user part apart. The
 * callchain is written [PERF_CONTEXT_KERNEL, kernel..., PERF_CONTEXT_USER,
 * user...] (a part with no address has no marker) and the sample ip is its
 * first address; cpumode is kernel when there is a kernel part.
 */
struct perf_data_write_sample {
	uint32_t event;          /* index in opts.events */
	int32_t pid, tid;
	uint32_t cpu;            /* with opts.sample_cpu */
	uint64_t time;           /* ns, perf's clock (CLOCK_MONOTONIC); ignored with opts.no_time */
	uint64_t period;         /* per record; 0 = the event's period */
	uint64_t count;          /* write this many identical records (aggregated on-CPU samples:
	                            perf counts each); 0 = 1 */
	const uint64_t *kernel_ips;
	size_t nkernel;
	const uint64_t *user_ips;
	size_t nuser;
};

/*
 * SAMPLE (count times). A stack deeper than opts.max_stack is cut as the
 * kernel cuts it (the outermost user frames go) and counted in
 * stats.stacks_cut. Returns 0, -EINVAL (no such event), or a write error.
 */
int perf_data_writer_sample(struct perf_data_writer *w, const struct perf_data_write_sample *s,
			    struct errbuf *err);

/*
 * LOST_SAMPLES: `n` samples of `event` that were dropped (stack-map
 * collisions, ring-buffer overflow); `perf report` prints them as "Total Lost
 * Samples". Returns 0 or a negative errno.
 */
int perf_data_writer_lost(struct perf_data_writer *w, uint32_t event, uint64_t n, uint64_t time,
			  struct errbuf *err);

struct perf_data_writer_stats {
	bool pipe;               /* writing pipe mode */
	uint64_t bytes;          /* written so far */
	uint64_t records;
	uint64_t samples;        /* SAMPLE records (count included) */
	uint64_t stacks_cut;     /* samples whose callchain was cut at max_stack */
	uint64_t comms_cut;      /* COMM names cut to 15 bytes */
	uint64_t mmaps_skipped;  /* mappings with an impossible path */
	uint64_t build_ids;      /* distinct (path, build-id) pairs */
};
void perf_data_writer_get_stats(const struct perf_data_writer *w, struct perf_data_writer_stats *st);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/* perf.data decoder: header, attrs, features and the record stream (file and pipe mode, zstd), no symbols. */
#ifndef SCORCH_FOLD_PERF_DATA_H
#define SCORCH_FOLD_PERF_DATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct errbuf;
struct perf_data;

/*
 * Reading a perf.data file: perf_data_open() (or _open_mem()) reads the
 * header, the attrs and, in file mode, the feature sections; perf_data_read()
 * then walks the data in perf's delivery order (records with a timestamp are
 * sorted per FINISHED_ROUND exactly as perf's ordered-events queue does;
 * COMPRESSED records are inflated as one zstd stream) and hands each record to
 * the callbacks of a struct perf_data_ops.
 *
 * Everything passed to a callback is borrowed and valid only during that call.
 * Every read is checked against the record and the file: a damaged file gives
 * a clear error with its byte offset, never a crash.
 */

/* Record types perf writes itself (tools/perf/util/event.h); the kernel's are in <linux/perf_event.h>. */
enum perf_data_user_type {
	PERF_DATA_HEADER_ATTR = 64,
	PERF_DATA_HEADER_EVENT_TYPE = 65,
	PERF_DATA_HEADER_TRACING_DATA = 66,
	PERF_DATA_HEADER_BUILD_ID = 67,
	PERF_DATA_FINISHED_ROUND = 68,
	PERF_DATA_ID_INDEX = 69,
	PERF_DATA_AUXTRACE_INFO = 70,
	PERF_DATA_AUXTRACE = 71,
	PERF_DATA_AUXTRACE_ERROR = 72,
	PERF_DATA_THREAD_MAP = 73,
	PERF_DATA_CPU_MAP = 74,
	PERF_DATA_STAT_CONFIG = 75,
	PERF_DATA_STAT = 76,
	PERF_DATA_STAT_ROUND = 77,
	PERF_DATA_EVENT_UPDATE = 78,
	PERF_DATA_TIME_CONV = 79,
	PERF_DATA_HEADER_FEATURE = 80,
	PERF_DATA_COMPRESSED = 81,
	PERF_DATA_FINISHED_INIT = 82,
	PERF_DATA_COMPRESSED2 = 83,
};

/* Feature bits of the file header (perf 6.1 numbering). */
enum perf_data_feature {
	PERF_FEAT_TRACING_DATA = 1,
	PERF_FEAT_BUILD_ID = 2,
	PERF_FEAT_HOSTNAME = 3,
	PERF_FEAT_OSRELEASE = 4,
	PERF_FEAT_VERSION = 5,
	PERF_FEAT_ARCH = 6,
	PERF_FEAT_NRCPUS = 7,
	PERF_FEAT_CPUDESC = 8,
	PERF_FEAT_CPUID = 9,
	PERF_FEAT_TOTAL_MEM = 10,
	PERF_FEAT_CMDLINE = 11,
	PERF_FEAT_EVENT_DESC = 12,
	PERF_FEAT_SAMPLE_TIME = 21,
	PERF_FEAT_COMPRESSED = 27,
};

/* One event (perf_event_attr) of the file, with its ids and name. */
struct perf_data_attr {
	uint32_t index;             /* position in the file's attr list */
	uint32_t type;              /* PERF_TYPE_* */
	uint32_t size;              /* attr size as recorded (64 = VER0 ... 136) */
	uint64_t config;
	uint64_t sample_period;     /* or sample_freq when `freq` */
	uint64_t sample_type;       /* PERF_SAMPLE_* bits */
	uint64_t read_format;       /* PERF_FORMAT_* bits */
	uint64_t flags;             /* the bit-field word: disabled, inherit, ..., sample_id_all (bit 18) */
	uint64_t branch_sample_type;
	uint64_t sample_regs_user;  /* register mask of REGS_USER */
	uint32_t sample_stack_user; /* bytes of user stack per sample */
	uint64_t sample_regs_intr;
	uint16_t sample_max_stack;
	const char *name;           /* "cpu-clock:ppp" from EVENT_DESC/EVENT_UPDATE, else made from type+config */
	const uint64_t *ids;        /* kernel event ids of this attr */
	uint32_t nids;
};

#define PERF_ATTR_FLAG_FREQ (1ULL << 10)
#define PERF_ATTR_FLAG_SAMPLE_ID_ALL (1ULL << 18)
#define PERF_ATTR_FLAG_EXCLUDE_CALLCHAIN_USER (1ULL << 22)

/* What the header and feature sections say (strings borrowed until perf_data_close(); "" when absent). */
struct perf_data_info {
	bool pipe;                /* pipe-mode stream */
	uint64_t file_size;       /* bytes (0 for a pipe) */
	uint64_t data_offset, data_size;
	const char *hostname, *osrelease, *version, *arch, *cpudesc, *cpuid;
	const char *cmdline;      /* argv joined by spaces */
	uint32_t nr_cpus_online, nr_cpus_avail;
	uint64_t total_mem_kb;
	uint64_t first_sample_time, last_sample_time;
	uint32_t comp_type;       /* 1 = zstd (COMPRESSED feature), 0 = none */
	uint64_t comp_mmap_len;
	uint64_t features[4];     /* the header's feature bitmap */
};

/* The optional trailer of non-sample records (attr.sample_id_all); absent fields are 0 / -1. */
struct perf_sample_id {
	int32_t pid, tid;         /* -1 when absent */
	uint64_t time;            /* 0 when absent */
	uint64_t id;
	uint32_t cpu;
	const struct perf_data_attr *attr; /* the event the record belongs to, NULL if unknown */
};

/* A SAMPLE record, parsed by its attr's sample_type. Absent fields are 0. */
struct perf_sample {
	const struct perf_data_attr *attr;
	uint64_t offset;          /* byte offset of the record (in the decompressed stream if compressed) */
	uint16_t misc;            /* header misc; misc & 7 = cpumode */
	uint64_t id, ip, time, addr, stream_id, period;
	int32_t pid, tid;
	uint32_t cpu;
	uint64_t nr_callchain;
	const uint64_t *callchain; /* nr_callchain entries, context markers included (8-aligned) */
	uint32_t raw_size;
	const uint8_t *raw;
	uint64_t user_regs_abi;   /* 0 = no registers */
	uint64_t user_regs_mask;  /* attr.sample_regs_user */
	const uint64_t *user_regs; /* popcount(mask) registers, ascending bit order, when abi != 0 */
	uint32_t user_nregs;
	uint64_t user_stack_size; /* bytes copied */
	const uint8_t *user_stack;
	uint64_t user_stack_dyn_size; /* valid bytes from the stack pointer (<= size) */
	uint64_t weight, data_src;
};

/* MMAP and MMAP2. */
struct perf_mmap_event {
	uint64_t offset;
	uint16_t misc;            /* cpumode; PERF_RECORD_MISC_MMAP_DATA for non-exec maps */
	bool mmap2;
	int32_t pid, tid;
	uint64_t start, len, pgoff;
	uint32_t maj, min;
	uint64_t ino, ino_generation;
	const uint8_t *build_id;  /* MMAP2 with PERF_RECORD_MISC_MMAP_BUILD_ID, else NULL */
	uint32_t build_id_len;
	uint32_t prot, flags;     /* MMAP2 only (PROT_EXEC ...); prot 0 for MMAP */
	const char *filename;     /* NUL-terminated, within the record */
	struct perf_sample_id sid;
};

struct perf_comm_event {
	uint64_t offset;
	bool exec;                /* PERF_RECORD_MISC_COMM_EXEC: the name changed through exec */
	int32_t pid, tid;
	const char *comm;
	struct perf_sample_id sid;
};

/* FORK and EXIT. */
struct perf_task_event {
	uint64_t offset;
	bool fork;
	int32_t pid, ppid, tid, ptid;
	uint64_t time;
	struct perf_sample_id sid;
};

/* LOST (lost records of one ring buffer) and LOST_SAMPLES (samples dropped in the kernel). */
struct perf_lost_event {
	uint64_t offset;
	bool samples;             /* LOST_SAMPLES */
	uint64_t id, lost;
	struct perf_sample_id sid;
};

/* A build-id: BUILD_ID feature entry or HEADER_BUILD_ID record. */
struct perf_build_id_event {
	int32_t pid;              /* machine pid: -1 = the host */
	uint16_t misc;            /* cpumode of the DSO (kernel or user) */
	const uint8_t *build_id;
	uint32_t build_id_len;
	const char *filename;
};

/* Any record, undecoded: type, misc, size and the bytes after the 8-byte header. */
struct perf_record {
	uint64_t offset;
	uint32_t type;
	uint16_t misc;
	uint16_t size;
	const uint8_t *body;      /* size - 8 bytes, 8-aligned */
	struct perf_sample_id sid; /* parsed for kernel records when sample_id_all */
};

/*
 * Callbacks; any may be NULL. Each returns 0 to go on, a negative errno to
 * stop the read with that error (filling `err` is the callback's job), or
 * PERF_DATA_STOP to stop early without error.
 */
#define PERF_DATA_STOP 1
struct perf_data_ops {
	int (*attr_added)(const struct perf_data_attr *a, void *arg);  /* pipe mode HEADER_ATTR; file-mode attrs exist before */
	int (*sample)(const struct perf_sample *s, void *arg);
	int (*mmap)(const struct perf_mmap_event *m, void *arg);
	int (*comm)(const struct perf_comm_event *c, void *arg);
	int (*task)(const struct perf_task_event *t, void *arg);       /* FORK and EXIT */
	int (*lost)(const struct perf_lost_event *l, void *arg);
	int (*build_id)(const struct perf_build_id_event *b, void *arg);
	int (*other)(const struct perf_record *r, void *arg);          /* every record not handled above */
};

/* Counters of what a read saw, for reports and tests. */
struct perf_data_stats {
	uint64_t records;          /* records delivered (decompressed ones included) */
	uint64_t samples;
	uint64_t compressed_records;
	uint64_t decompressed_bytes;
	uint64_t rounds;           /* FINISHED_ROUND markers */
	uint64_t malformed;        /* records skipped because their body did not parse */
	uint64_t unknown_id;       /* samples whose id named no attr */
	uint64_t out_of_order;     /* records older than the last flush (perf's "out of order event") */
};

/*
 * Open `path` ("-" = standard input). A regular file is mmap()ed; a pipe is
 * read as a stream (pipe mode, or file mode read whole into memory). The
 * header, attrs and (file mode) features are read now. NULL with `err` filled
 * ("cannot read 'x': not a perf.data file", "... recorded on a big-endian
 * machine", "... truncated at offset N").
 */
struct perf_data *perf_data_open(const char *path, struct errbuf *err);
/* The same over `len` bytes at `data`, borrowed until perf_data_close(); `name` is used in messages. */
struct perf_data *perf_data_open_mem(const void *data, size_t len, const char *name, struct errbuf *err);
/* Close and free; NULL is fine. */
void perf_data_close(struct perf_data *d);

/* Does `data` (at least 8 bytes) start with the perf.data magic "PERFILE2" (either byte order)? */
bool perf_data_has_magic(const void *data, size_t len);

/*
 * Deliver every record of the data section (or the rest of the pipe) to `ops`
 * in perf's order. Returns 0 at the end of the data; PERF_DATA_STOP when a
 * callback stopped; a callback's negative error; or -EBADMSG when the data is
 * damaged, with `err` naming the byte offset and what is wrong (records
 * before the damage have been delivered). -ENOMEM, -EIO as usual. Call once.
 */
int perf_data_read(struct perf_data *d, const struct perf_data_ops *ops, void *arg, struct errbuf *err);

/* Borrowed until perf_data_close(). In pipe mode the attrs grow while reading. */
const struct perf_data_info *perf_data_get_info(const struct perf_data *d);
size_t perf_data_attr_count(const struct perf_data *d);
const struct perf_data_attr *perf_data_attr_get(const struct perf_data *d, size_t index);
/* The attr with kernel id `id`, or NULL. With one attr, that attr whatever the id. */
const struct perf_data_attr *perf_data_attr_by_id(const struct perf_data *d, uint64_t id);
void perf_data_get_stats(const struct perf_data *d, struct perf_data_stats *st);
/* The name given in messages: the path, "standard input" or the mem name. */
const char *perf_data_name(const struct perf_data *d);

/* x86-64 perf register numbers (arch/x86/include/uapi/asm/perf_regs.h). */
enum perf_x86_reg {
	PERF_X86_AX, PERF_X86_BX, PERF_X86_CX, PERF_X86_DX, PERF_X86_SI, PERF_X86_DI,
	PERF_X86_BP, PERF_X86_SP, PERF_X86_IP, PERF_X86_FLAGS, PERF_X86_CS, PERF_X86_SS,
	PERF_X86_DS, PERF_X86_ES, PERF_X86_FS, PERF_X86_GS,
	PERF_X86_R8, PERF_X86_R9, PERF_X86_R10, PERF_X86_R11,
	PERF_X86_R12, PERF_X86_R13, PERF_X86_R14, PERF_X86_R15,
	PERF_X86_REG_COUNT
};

/* Register `reg` of a sample's REGS_USER into `*val`. false when not recorded. */
bool perf_sample_user_reg(const struct perf_sample *s, unsigned reg, uint64_t *val);

#endif

// SPDX-License-Identifier: Apache-2.0
/* Load any profile input into a profile (see input.h): perf.data, perf script or folded text, gzip or not. */
#include "cli/input.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#include "cli/cli.h"
#include "cli/output.h"
#include "fold/fold.h"
#include "fold/pprof.h"
#include "fold/profile.h"
#include "lib/err.h"
#include "symbolize/perf_replay.h"

enum {
	HEAD_SIZE = 64 * 1024,    /* bytes looked at to tell the kind of text */
	CHUNK_SIZE = 1024 * 1024, /* read size while streaming */
	WARN_LINES = 10,          /* malformed lines printed one by one; the rest are only counted */
	MAP_WINDOW = 4 << 20,    /* a regular file is mapped this much at a time: no copy, bounded RSS */
};

/* A byte stream: `fd` after some already-read raw bytes, inflated when it is gzip. */
struct source {
	const char *name;
	int fd;
	bool eof;
	bool gz;
	z_stream zs;
	unsigned char *raw; /* raw bytes read ahead (the head, then gzip input) */
	size_t raw_len, raw_off;
};

const char *input_kind_name(enum input_kind kind)
{
	switch (kind) {
	case INPUT_PERF_DATA:
		return "perf.data";
	case INPUT_PERF_SCRIPT:
		return "perf script";
	case INPUT_FOLDED:
		return "folded";
	case INPUT_PPROF:
		return "pprof";
	default:
		return "unknown";
	}
}

void input_report_losses(const struct profile *p)
{
	for (size_t i = 0; i < profile_loss_count(p); i++) {
		uint64_t n;
		const char *why = profile_loss_get(p, i, &n);
		cli_error("warning: %llu lost: %s", (unsigned long long)n, why);
	}
}

/* Print the losses one input added (`before`: counts of the first `nbefore` reasons before it). */
static void report_new_losses(const char *name, const struct profile *p, const uint64_t *before, size_t nbefore,
			      bool text)
{
	for (size_t i = 0; i < profile_loss_count(p); i++) {
		uint64_t n;
		const char *why = profile_loss_get(p, i, &n);
		if (i < nbefore)
			n -= before[i];
		/* the text summary has already told these, with line numbers */
		if (!n || (text && (strcmp(why, FOLD_LOSS_MALFORMED) == 0 || strcmp(why, FOLD_LOSS_TRUNCATED) == 0)))
			continue;
		cli_error("%s: warning: %llu lost: %s", name, (unsigned long long)n, why);
	}
}

static int read_raw(struct source *s, void *buf, size_t cap, struct errbuf *err)
{
	for (;;) {
		ssize_t n = read(s->fd, buf, cap);
		if (n >= 0) {
			if (n == 0)
				s->eof = true;
			return (int)n;
		}
		if (errno != EINTR)
			return errbuf_set(err, -errno, "cannot read '%s': %s", s->name, strerror(errno));
	}
}

/* Read the first raw bytes (at least 8, for magics, unless the input is shorter). */
static int source_open(struct source *s, struct errbuf *err)
{
	s->raw = malloc(HEAD_SIZE);
	if (!s->raw)
		return errbuf_set(err, -ENOMEM, "cannot read '%s': out of memory", s->name);
	while (s->raw_len < 8 && !s->eof) {
		int n = read_raw(s, s->raw + s->raw_len, HEAD_SIZE - s->raw_len, err);
		if (n < 0)
			return n;
		s->raw_len += (size_t)n;
	}
	if (s->raw_len >= 2 && s->raw[0] == 0x1f && s->raw[1] == 0x8b) {
		if (inflateInit2(&s->zs, 15 + 32) != Z_OK)
			return errbuf_set(err, -ENOMEM, "cannot read '%s': cannot start gzip decompression", s->name);
		s->gz = true;
		s->zs.next_in = s->raw;
		s->zs.avail_in = (uInt)s->raw_len;
	}
	return 0;
}

static void source_close(struct source *s)
{
	if (s->gz)
		inflateEnd(&s->zs);
	free(s->raw);
	s->raw = NULL;
}

/* Up to `cap` bytes of content into `buf`. Returns the count (0 at the end) or a negative errno. */
static ssize_t source_read(struct source *s, char *buf, size_t cap, struct errbuf *err)
{
	if (!s->gz) {
		if (s->raw_off < s->raw_len) {
			size_t n = s->raw_len - s->raw_off < cap ? s->raw_len - s->raw_off : cap;
			memcpy(buf, s->raw + s->raw_off, n);
			s->raw_off += n;
			return (ssize_t)n;
		}
		return s->eof ? 0 : read_raw(s, buf, cap, err);
	}
	s->zs.next_out = (unsigned char *)buf;
	s->zs.avail_out = (uInt)cap;
	while (s->zs.avail_out == cap) {
		if (s->zs.avail_in == 0) {
			if (s->eof)
				break;
			int n = read_raw(s, s->raw, HEAD_SIZE, err);
			if (n < 0)
				return n;
			s->zs.next_in = s->raw;
			s->zs.avail_in = (uInt)n;
			if (n == 0)
				break;
		}
		int z = inflate(&s->zs, Z_NO_FLUSH);
		if (z == Z_STREAM_END) {
			/* concatenated gzip members (cat a.gz b.gz) continue */
			if (inflateReset(&s->zs) != Z_OK)
				return errbuf_set(err, -EIO, "cannot decompress '%s'", s->name);
		} else if (z != Z_OK && z != Z_BUF_ERROR) {
			return errbuf_set(err, -EIO, "cannot decompress '%s': %s", s->name,
					  s->zs.msg ? s->zs.msg : "corrupt gzip data");
		}
	}
	return (ssize_t)(cap - s->zs.avail_out);
}

/* ---- perf.data ---------------------------------------------------------------------------------- */

struct pipe_copy {
	int in_fd, out_fd;
	const unsigned char *head;
	size_t head_len;
};

static bool write_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		p += n;
		len -= (size_t)n;
	}
	return true;
}

/* Feed the bytes already read, then the rest of stdin, into the pipe the replay reads. */
static void *pipe_copy_run(void *arg)
{
	struct pipe_copy *c = arg;
	sigset_t set;
	char buf[65536];

	sigemptyset(&set);
	sigaddset(&set, SIGPIPE); /* the reader may stop early: get EPIPE, not a signal */
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if (write_all(c->out_fd, c->head, c->head_len)) {
		for (;;) {
			ssize_t n = read(c->in_fd, buf, sizeof(buf));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0 || !write_all(c->out_fd, buf, (size_t)n))
				break;
		}
	}
	close(c->out_fd);
	return NULL;
}

static int replay_perf_data(const char *path, struct source *s, const struct input_opts *o, struct profile *p,
			    struct perf_replay_stats *stats, struct errbuf *err)
{
	struct perf_replay_opts ro = {
		.stats = stats,
		.event = o->event,
		.count_samples = o->count_samples,
		.kallsyms = o->kallsyms,
		.debug_dirs = o->debug_dirs,
		.ndebug_dirs = o->ndebug_dirs,
		.fold_flags = o->fold_flags,
		.pids = o->pids,
		.npids = o->npids,
		.tids = o->tids,
		.ntids = o->ntids,
		.comms = o->comms,
		.ncomms = o->ncomms,
	};
	struct stat st;

	if (strcmp(path, "-") != 0)
		return perf_replay_file(path, &ro, p, err);
	/* stdin: its first bytes are consumed; rewind a file, or replay a pipe through a new pipe */
	if (fstat(s->fd, &st) == 0 && S_ISREG(st.st_mode) && lseek(s->fd, 0, SEEK_SET) == 0)
		return perf_replay_file("-", &ro, p, err);

	int fds[2], saved = dup(STDIN_FILENO);
	if (saved < 0 || pipe(fds) < 0) {
		int e = errno;
		if (saved >= 0)
			close(saved);
		return errbuf_set(err, -e, "cannot read perf.data from standard input: %s", strerror(e));
	}
	struct pipe_copy c = { .in_fd = saved, .out_fd = fds[1], .head = s->raw, .head_len = s->raw_len };
	pthread_t th;
	dup2(fds[0], STDIN_FILENO);
	close(fds[0]);
	int rc = pthread_create(&th, NULL, pipe_copy_run, &c);
	if (rc) {
		close(fds[1]);
		rc = errbuf_set(err, -rc, "cannot read perf.data from standard input: %s", strerror(rc));
	} else {
		rc = perf_replay_file("-", &ro, p, err);
		/* closing our end makes the copier's next write fail, so it always ends */
		close(STDIN_FILENO);
		pthread_join(th, NULL);
	}
	dup2(saved, STDIN_FILENO);
	close(saved);
	return rc;
}

/* What a replay left out, said once on stderr (losses are printed with the others). */
static void perf_data_summary(const char *name, const struct input_opts *o, const struct perf_replay_stats *st)
{
	if (st->other_samples)
		cli_error("%s: folded event '%s' only; left out %llu sample%s of other events (first: '%s')%s", name,
			  st->event, (unsigned long long)st->other_samples, st->other_samples == 1 ? "" : "s",
			  st->other_event, o->event ? "" : ": choose one with --event");
	if (st->filtered && (cli_verbosity() > 0 || st->samples == 0))
		cli_error("%s: %llu sample%s left out by the pid/tid/comm filters", name,
			  (unsigned long long)st->filtered, st->filtered == 1 ? "" : "s");
	if (st->samples == 0 && !st->filtered && !st->other_samples)
		cli_error("%s: warning: no samples of event '%s'", name, st->event[0] ? st->event : "?");
}

static int load_perf_data(const char *path, struct source *s, const struct input_opts *o, struct profile *p,
			  struct errbuf *err)
{
	struct perf_replay_stats st;
	memset(&st, 0, sizeof(st));
	int rc = replay_perf_data(path, s, o, p, &st, err);
	if (rc == 0 && !o->quiet)
		perf_data_summary(strcmp(path, "-") == 0 ? "<stdin>" : path, o, &st);
	return rc;
}

/* ---- text --------------------------------------------------------------------------------------- */

struct warn_ctx {
	const char *name;
	bool quiet;
	uint64_t printed;
};

/* Print `text` quoted, shortened, with control bytes and non-ASCII as \xNN: a hostile line stays one line. */
static void print_line_excerpt(FILE *out, const char *text, size_t len)
{
	size_t max = len < 120 ? len : 120;
	fputc('\'', out);
	for (size_t i = 0; i < max; i++) {
		unsigned char c = (unsigned char)text[i];
		if (c < 0x20 || c >= 0x7f || c == '\\' || c == '\'')
			fprintf(out, "\\x%02x", c);
		else
			fputc(c, out);
	}
	fputs(len > max ? "'..." : "'", out);
}

static void warn_line(void *arg, uint64_t line, const char *reason, const char *text, size_t len)
{
	struct warn_ctx *w = arg;
	if (w->quiet || w->printed >= WARN_LINES)
		return;
	w->printed++;
	fprintf(stderr, "scorch: %s:%llu: %s: ", w->name, (unsigned long long)line, reason);
	print_line_excerpt(stderr, text, len);
	fputc('\n', stderr);
}

static void text_summary(const char *name, const struct input_opts *o, const struct fold_read_stats *st)
{
	if (st->malformed)
		cli_error("%s: skipped %llu malformed line%s of %llu", name, (unsigned long long)st->malformed,
			  st->malformed == 1 ? "" : "s", (unsigned long long)st->lines);
	if (st->other_events)
		cli_error("%s: folded event '%s' only; left out %llu sample%s of other events (first: '%s')%s", name,
			  st->event ? st->event : "?", (unsigned long long)st->other_events,
			  st->other_events == 1 ? "" : "s", st->other_event ? st->other_event : "?",
			  o->event ? "" : ": choose one with --event-filter");
	if (st->truncated)
		cli_error("%s: warning: the last sample was cut off by the end of input and left out", name);
	if (st->rounded)
		cli_error("%s: warning: %llu fractional count%s rounded to integers", name,
			  (unsigned long long)st->rounded, st->rounded == 1 ? "" : "s");
	if (st->samples == 0 && st->headers > 1 && !st->filtered && !st->other_events)
		cli_error("%s: warning: %llu sample headers but no call chains: record with 'perf record -g'", name,
			  (unsigned long long)st->headers);
	if (st->filtered && (cli_verbosity() > 0 || st->samples == 0))
		cli_error("%s: %llu sample%s left out by the pid/tid/comm filters%s", name,
			  (unsigned long long)st->filtered, st->filtered == 1 ? "" : "s",
			  st->samples == 0 && o->pids ? " (no pid in the input? use perf script -F +pid)" : "");
}

/* The rest of a pprof profile after the `head_len` bytes in `*buf` (CHUNK_SIZE of room), into `p`. */
static int load_pprof(const char *name, struct source *s, char **buf, size_t head_len, const struct input_opts *o,
		      struct profile *p, struct errbuf *err)
{
	size_t len = head_len, cap = CHUNK_SIZE;
	struct pprof_read_stats st;

	for (;;) {
		if (cap - len < CHUNK_SIZE / 2) {
			char *n = cap < SIZE_MAX / 2 ? realloc(*buf, cap * 2) : NULL;
			if (!n)
				return errbuf_set(err, -ENOMEM, "cannot read '%s': out of memory", name);
			*buf = n;
			cap *= 2;
		}
		ssize_t n = source_read(s, *buf + len, cap - len, err);
		if (n < 0)
			return (int)n;
		if (n == 0)
			break;
		len += (size_t)n;
	}
	int rc = pprof_read(*buf, len, p, o->fold_flags, &st, err);
	if (rc < 0) {
		/* say which file: the reader's message has the offset */
		struct buf msg = BUF_INIT;
		int ok = buf_addf(&msg, "cannot read '%s': %s", name, err->msg.data) == 0;
		errbuf_release(err);
		errbuf_init(err);
		errbuf_set(err, rc, "%s", ok ? msg.data : "out of memory");
		buf_release(&msg);
		if (rc == -EINVAL)
			errbuf_hint(err, "the inputs before it count other things: fold or draw '%s' on its own", name);
		return rc;
	}
	if (o->quiet)
		return 0;
	if (st.bad_samples)
		cli_error("%s: warning: %llu pprof sample%s left out (a wrong number of values, or an unknown location)",
			  name, (unsigned long long)st.bad_samples, st.bad_samples == 1 ? "" : "s");
	if (st.value_types_dropped)
		cli_error("%s: warning: %zu value type%s left out (scorch keeps %d, by name across inputs)", name,
			  st.value_types_dropped, st.value_types_dropped == 1 ? "" : "s", PROFILE_MAX_VALUES);
	return 0;
}

static int load_text(const char *name, struct source *s, enum input_kind *kind, const struct input_opts *o,
		     struct profile *p, struct errbuf *err)
{
	struct warn_ctx w = { .name = name, .quiet = o->quiet };
	struct fold_read_opts ro = {
		.flags = o->fold_flags,
		.event = o->event,
		.count_samples = o->count_samples,
		.srcline = o->srcline,
		.pids = o->pids,
		.npids = o->npids,
		.tids = o->tids,
		.ntids = o->ntids,
		.comms = o->comms,
		.ncomms = o->ncomms,
		.warn = warn_line,
		.warn_arg = &w,
	};
	struct fold_reader *r = NULL;
	size_t head_len = 0;
	int rc = 0;
	char *buf = malloc(CHUNK_SIZE);

	if (!buf)
		return errbuf_set(err, -ENOMEM, "cannot read '%s': out of memory", name);
	while (head_len < HEAD_SIZE) {
		ssize_t n = source_read(s, buf + head_len, HEAD_SIZE - head_len, err);
		if (n < 0) {
			rc = (int)n;
			goto out;
		}
		if (n == 0)
			break;
		head_len += (size_t)n;
	}
	if (s->gz && head_len >= 8 && memcmp(buf, "PERFILE2", 8) == 0) {
		rc = errbuf_set(err, -ENOTSUP, "cannot read '%s': gzip-compressed perf.data", name);
		errbuf_hint(err, "decompress it first: gunzip -k '%s'", name);
		goto out;
	}
	if (pprof_looks_like(buf, head_len)) {
		*kind = INPUT_PPROF;
		if (o->pids || o->tids || o->comms) {
			rc = errbuf_set(err, -ENOTSUP, "cannot filter '%s' by pid, tid or command: a pprof profile has no such fields",
					name);
			goto out;
		}
		rc = load_pprof(name, s, &buf, head_len, o, p, err);
		goto out;
	}
	enum fold_text_kind tk = fold_text_detect(buf, head_len);
	if (tk == FOLD_TEXT_UNKNOWN)
		tk = FOLD_TEXT_FOLDED; /* empty or comments only: nothing to add either way */
	*kind = tk == FOLD_TEXT_PERF_SCRIPT ? INPUT_PERF_SCRIPT : INPUT_FOLDED;
	if (tk == FOLD_TEXT_FOLDED && (o->pids || o->tids || o->comms)) {
		rc = errbuf_set(err, -ENOTSUP, "cannot filter '%s' by pid, tid or command: folded input has no such fields",
				name);
		goto out;
	}
	r = fold_reader_new(tk, p, &ro);
	if (!r) {
		rc = errbuf_set(err, -errno, "cannot read '%s': %s", name, strerror(errno));
		goto out;
	}
	struct stat st;
	if (!s->gz && fstat(s->fd, &st) == 0 && S_ISREG(st.st_mode) && (off_t)head_len < st.st_size) {
		/* the rest of a regular file: map it window by window instead of copying it in */
		rc = fold_reader_feed(r, buf, head_len, err);
		off_t off = (off_t)head_len & ~(off_t)(sysconf(_SC_PAGESIZE) - 1);
		size_t skip = head_len - (size_t)off;
		while (!rc && off < st.st_size) {
			size_t len = st.st_size - off < MAP_WINDOW ? (size_t)(st.st_size - off) : MAP_WINDOW;
			void *m = mmap(NULL, len, PROT_READ, MAP_PRIVATE, s->fd, off);
			if (m == MAP_FAILED) {
				rc = errbuf_set(err, -errno, "cannot read '%s': %s", name, strerror(errno));
				break;
			}
			madvise(m, len, MADV_SEQUENTIAL);
			rc = fold_reader_feed(r, (char *)m + skip, len - skip, err);
			munmap(m, len);
			off += (off_t)len;
			skip = 0;
		}
		goto finish;
	}
	rc = fold_reader_feed(r, buf, head_len, err);
	while (!rc) {
		ssize_t n = source_read(s, buf, CHUNK_SIZE, err);
		if (n <= 0) {
			rc = (int)n;
			break;
		}
		rc = fold_reader_feed(r, buf, (size_t)n, err);
	}
finish:
	if (!rc)
		rc = fold_reader_finish(r, err);
	if (!rc)
		text_summary(name, o, fold_reader_stats(r));
out:
	fold_reader_free(r);
	free(buf);
	return rc;
}

int input_load(const char *path, const struct input_opts *o, struct profile *p, enum input_kind *kind,
	       struct errbuf *err)
{
	static const struct input_opts defaults;
	struct source s = { .name = path, .fd = -1 };
	enum input_kind k = INPUT_UNKNOWN;
	bool is_stdin = strcmp(path, "-") == 0;
	int rc;

	if (!o)
		o = &defaults;
	if (is_stdin) {
		s.fd = STDIN_FILENO;
		s.name = "<stdin>";
	} else {
		s.fd = open(path, O_RDONLY | O_CLOEXEC);
		if (s.fd < 0)
			return errbuf_set(err, -errno, "cannot open '%s': %s", path, strerror(errno));
		struct stat st;
		if (fstat(s.fd, &st) == 0 && S_ISDIR(st.st_mode)) {
			close(s.fd);
			return errbuf_set(err, -EISDIR, "cannot read '%s': is a directory", path);
		}
	}
	size_t nloss = profile_loss_count(p);
	uint64_t *before = calloc(nloss + 1, sizeof(*before));
	if (!before) {
		if (!is_stdin)
			close(s.fd);
		return errbuf_set(err, -ENOMEM, "cannot read '%s': out of memory", path);
	}
	for (size_t i = 0; i < nloss; i++)
		profile_loss_get(p, i, &before[i]);
	rc = source_open(&s, err);
	if (!rc && !s.gz && s.raw_len >= 8 && memcmp(s.raw, "PERFILE2", 8) == 0) {
		k = INPUT_PERF_DATA;
		rc = load_perf_data(path, &s, o, p, err);
	} else if (!rc) {
		rc = load_text(s.name, &s, &k, o, p, err);
	}
	source_close(&s);
	if (!is_stdin)
		close(s.fd);
	if (!rc)
		report_new_losses(s.name, p, before, nloss, k != INPUT_PERF_DATA);
	free(before);
	if (kind)
		*kind = k;
	return rc;
}

/* ---- shared option parsing ---------------------------------------------------------------------- */

void input_args_init(struct input_args *a)
{
	memset(a, 0, sizeof(*a));
}

void input_args_release(struct input_args *a)
{
	free(a->debug_dirs);
	free(a->comms);
	free(a->pids);
	free(a->tids);
	input_args_init(a);
}

/* Append the comma-separated ids of `arg` to `*list`. Returns 0 or -EINVAL / -ENOMEM. */
static int parse_ids(const char *arg, int64_t **list, size_t *n)
{
	const char *s = arg;
	while (*s) {
		char *end;
		errno = 0;
		long long v = strtoll(s, &end, 10);
		if (end == s || errno || v < 0 || (*end && *end != ','))
			return -EINVAL;
		int64_t *l = realloc(*list, (*n + 1) * sizeof(*l));
		if (!l)
			return -ENOMEM;
		*list = l;
		l[(*n)++] = v;
		s = *end ? end + 1 : end;
	}
	return *n ? 0 : -EINVAL;
}

static int add_str(const char *arg, const char ***list, size_t *n)
{
	const char **l = realloc(*list, (*n + 1) * sizeof(*l));
	if (!l)
		return -ENOMEM;
	*list = l;
	l[(*n)++] = arg;
	return 0;
}

int input_parse_option(struct input_args *a, int opt, const char *arg, struct errbuf *err)
{
	struct input_opts *o = &a->opts;
	int rc;

	switch (opt) {
	case INPUT_OPT_PID: o->fold_flags |= FOLD_PID; break;
	case INPUT_OPT_TID: o->fold_flags |= FOLD_TID; break;
	case INPUT_OPT_KERNEL: o->fold_flags |= FOLD_KERNEL_TAG; break;
	case INPUT_OPT_JIT: o->fold_flags |= FOLD_JIT_TAG; break;
	case INPUT_OPT_ALL: o->fold_flags |= FOLD_KERNEL_TAG | FOLD_JIT_TAG | FOLD_INLINE_TAG; break;
	case INPUT_OPT_ADDRS: o->fold_flags |= FOLD_ADDRS; break;
	case INPUT_OPT_NO_COMM: o->fold_flags |= FOLD_NO_COMM; break;
	case INPUT_OPT_SRCLINE: o->srcline = true; break;
	case INPUT_OPT_QUIET: o->quiet = true; break;
	case INPUT_OPT_KALLSYMS: o->kallsyms = arg; break;
	case INPUT_OPT_EVENT:
		if (!*arg)
			return errbuf_set(err, -EINVAL, "--event needs an event name");
		o->event = arg;
		break;
	case INPUT_OPT_COUNT:
		if (strcmp(arg, "samples") == 0)
			o->count_samples = true;
		else if (strcmp(arg, "period") == 0)
			o->count_samples = false;
		else
			return errbuf_set(err, -EINVAL, "invalid --count '%s': use samples or period", arg);
		break;
	case INPUT_OPT_DEBUG_DIR:
		if (add_str(arg, &a->debug_dirs, &o->ndebug_dirs) < 0)
			return errbuf_set(err, -ENOMEM, "out of memory");
		o->debug_dirs = a->debug_dirs;
		break;
	case INPUT_OPT_FILTER_COMM:
		if (add_str(arg, &a->comms, &o->ncomms) < 0)
			return errbuf_set(err, -ENOMEM, "out of memory");
		o->comms = a->comms;
		break;
	case INPUT_OPT_FILTER_PID:
	case INPUT_OPT_FILTER_TID:
		rc = opt == INPUT_OPT_FILTER_PID ? parse_ids(arg, &a->pids, &o->npids) : parse_ids(arg, &a->tids, &o->ntids);
		o->pids = a->pids;
		o->tids = a->tids;
		if (rc == -ENOMEM)
			return errbuf_set(err, -ENOMEM, "out of memory");
		if (rc < 0)
			return errbuf_set(err, -EINVAL, "invalid %s '%s': expected numbers separated by commas",
					  opt == INPUT_OPT_FILTER_PID ? "--filter-pid" : "--filter-tid", arg);
		break;
	default:
		return 0;
	}
	return 1;
}

int input_output_parse_option(struct input_args *a, struct output_opts *out, int opt, const char *arg,
			      struct errbuf *err)
{
	if (opt >= INPUT_OPT_BASE && opt < INPUT_OPT_END)
		return input_parse_option(a, opt, arg, err);
	if (opt >= OUTPUT_OPT_BASE && opt < OUTPUT_OPT_END)
		return output_parse_flame_option(out, opt, arg, err);
	return 0;
}

void input_usage(FILE *out)
{
	fputs("input (perf.data, `perf script` text, folded text or pprof, told apart by content):\n"
	      "      --pid             process label with its pid: \"comm-PID\"\n"
	      "      --tid             process label with pid and tid: \"comm-PID/TID\"\n"
	      "      --kernel          mark kernel frames with _[k]\n"
	      "      --jit             mark JIT frames (/tmp/perf-PID.map) with _[j]\n"
	      "      --all             all marks: --kernel --jit and inlined frames _[i]\n"
	      "      --addrs           show unknown symbols with their address: [mod <addr>]\n"
	      "      --no-comm         no process label as the root frame\n"
	      "      --srcline         perf script -F+srcline text: append each frame's source\n"
	      "                        line (\"func:file.c:12\")\n"
	      "  -e, --event EV        only samples of event EV (--event-filter is the same;\n"
	      "                        default: the first event; others are counted and left out)\n"
	      "      --count samples|period\n"
	      "                        weigh each sample 1, or by its period (default: the\n"
	      "                        period where the input has one)\n"
	      "      --filter-pid PID[,PID...]  keep only these processes (perf script text needs\n"
	      "                        a pid field: perf script -F +pid)\n"
	      "      --filter-tid TID[,TID...]  keep only these threads\n"
	      "      --filter-comm NAME keep only processes named NAME (repeatable)\n"
	      "      --kallsyms FILE   perf.data: kallsyms of the machine that recorded it\n"
	      "      --debug-dir DIR   perf.data: look for binaries and debug files under DIR\n"
	      "                        too, by build-id or name (repeatable)\n"
	      "  -q, --quiet           do not print malformed lines, only their count\n",
	      out);
}

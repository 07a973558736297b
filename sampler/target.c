// SPDX-License-Identifier: Apache-2.0
/* Targets: pid and CPU lists, checking processes and threads, cgroups, and starting a command held before exec. */
#include "sampler/sampler.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/statfs.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/err.h"
#include "lib/file.h"
#include "sampler/target.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

static int append_int(int **v, size_t *n, size_t *cap, int x)
{
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		int *g = realloc(*v, ncap * sizeof(**v));
		if (!g)
			return -ENOMEM;
		*v = g;
		*cap = ncap;
	}
	(*v)[(*n)++] = x;
	return 0;
}

/* Parse a decimal in [0, max] at *s, advancing it. */
static bool parse_uint(const char **s, long max, long *out)
{
	const char *p = *s;
	long v = 0;
	if (!isdigit((unsigned char)*p))
		return false;
	while (isdigit((unsigned char)*p)) {
		v = v * 10 + (*p++ - '0');
		if (v > max)
			return false;
	}
	*s = p;
	*out = v;
	return true;
}

int sampler_parse_ids(const char *list, pid_t **ids, size_t *n, struct errbuf *err)
{
	size_t cap = *n;
	const char *s = list;
	for (;;) {
		long v;
		const char *start = s;
		if (!parse_uint(&s, INT_MAX, &v) || v == 0 || (*s && *s != ',')) {
			const char *end = strchr(start, ',');
			int len = end ? (int)(end - start) : (int)strlen(start);
			return errbuf_set(err, -EINVAL, "invalid id '%.*s' in '%s': expected a positive number", len,
					  start, list);
		}
		if (append_int((int **)ids, n, &cap, (int)v))
			return errbuf_set(err, -ENOMEM, "out of memory");
		if (!*s)
			return 0;
		s++;
	}
}

int sampler_parse_cpus(const char *list, int **cpus, size_t *n, struct errbuf *err)
{
	size_t cap = *n;
	const char *s = list;
	while (*s && *s != '\n') {
		long a, b;
		if (!parse_uint(&s, 65535, &a))
			goto bad;
		b = a;
		if (*s == '-' && (s++, !parse_uint(&s, 65535, &b)))
			goto bad;
		if (b < a)
			goto bad;
		for (long c = a; c <= b; c++)
			if (append_int(cpus, n, &cap, (int)c))
				return errbuf_set(err, -ENOMEM, "out of memory");
		if (*s == ',')
			s++;
		else if (*s && *s != '\n')
			goto bad;
	}
	if (*n)
		return 0;
bad:
	return errbuf_set(err, -EINVAL, "invalid CPU list '%s': expected e.g. '0-3,6'", list);
}

int target_online_cpus(int **cpus, size_t *n, struct errbuf *err)
{
	struct buf text = BUF_INIT;
	int e = file_read_all("/sys/devices/system/cpu/online", &text, NULL);
	if (e == 0)
		e = sampler_parse_cpus(text.data, cpus, n, err);
	buf_release(&text);
	if (e) {
		/* no sysfs: every configured CPU */
		long nc = sysconf(_SC_NPROCESSORS_CONF);
		size_t cap = *n;
		for (long c = 0; c < nc; c++)
			if (append_int(cpus, n, &cap, (int)c))
				return errbuf_set(err, -ENOMEM, "out of memory");
		errbuf_release(err);
		errbuf_init(err);
	}
	return *n ? 0 : errbuf_set(err, -ENODEV, "no online CPU found");
}

/* The state letter of /proc/ID/stat (after the parenthesised comm), or 0 when unreadable. */
static char proc_state(pid_t id)
{
	char path[64];
	struct buf text = BUF_INIT;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)id);
	char state = 0;
	if (file_read_all(path, &text, NULL) == 0) {
		const char *rp = strrchr(text.data, ')');
		if (rp && rp[1] == ' ' && rp[2])
			state = rp[2];
	}
	buf_release(&text);
	return state;
}

/* The Tgid of task `id` from /proc/ID/status, or -1. */
static long proc_tgid(pid_t id)
{
	char path[64];
	struct buf text = BUF_INIT;
	long tgid = -1;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)id);
	if (file_read_all(path, &text, NULL) == 0) {
		const char *t = strstr(text.data, "\nTgid:");
		if (t)
			tgid = strtol(t + 6, NULL, 10);
	}
	buf_release(&text);
	return tgid;
}

bool target_alive(pid_t id)
{
	char st = proc_state(id);
	return st && st != 'Z' && st != 'X' && st != 'x';
}

int target_check(pid_t id, bool thread, struct errbuf *err)
{
	long tgid = proc_tgid(id);
	if (tgid < 0)
		return errbuf_set(err, -ESRCH, "no %s %d", thread ? "thread" : "process", (int)id);
	if (!thread && tgid != id) {
		errbuf_set(err, -EINVAL, "%d is a thread of process %ld, not a process", (int)id, tgid);
		errbuf_hint(err, "use -t %d for this thread, or -p %ld for the whole process", (int)id, tgid);
		return -EINVAL;
	}
	if (!target_alive(id))
		return errbuf_set(err, -ESRCH, "%s %d has exited", thread ? "thread" : "process", (int)id);
	return 0;
}

static bool is_cgroup2(int fd)
{
	struct statfs sfs;
	return fstatfs(fd, &sfs) == 0 && sfs.f_type == CGROUP2_SUPER_MAGIC;
}

int target_open_cgroup(const char *path, char **resolved, struct errbuf *err)
{
	/* a relative name is looked up in the cgroup v2 mount: /sys/fs/cgroup, or .../unified on hybrid systems */
	static const char *const roots[] = { "/sys/fs/cgroup/", "/sys/fs/cgroup/unified/" };
	bool relative = path[0] != '/' && path[0] != '.';
	struct buf full = BUF_INIT;
	int fd = -1, e = 0;

	for (size_t i = 0; i < (relative ? 2 : 1); i++) {
		buf_reset(&full);
		if ((relative && buf_addstr(&full, roots[i])) || buf_addstr(&full, path)) {
			buf_release(&full);
			return errbuf_set(err, -ENOMEM, "out of memory");
		}
		fd = open(full.data, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		e = fd < 0 ? -errno : 0;
		if (fd >= 0 && is_cgroup2(fd))
			break;
		if (fd >= 0) {
			close(fd);
			fd = -1;
			e = -EINVAL;
		}
	}
	if (fd < 0 && e != -EINVAL) {
		errbuf_set(err, e, "cannot open cgroup '%s': %s", path, strerror(-e));
		errbuf_hint(err, "give a cgroup v2 directory, e.g. /sys/fs/cgroup/system.slice/nginx.service");
	} else if (fd < 0) {
		errbuf_set(err, -EINVAL, "'%s' is not a cgroup v2 directory", full.data);
		errbuf_hint(err, "scorch filters by cgroup v2 only (mounted at /sys/fs/cgroup, or /sys/fs/cgroup/unified "
				 "on hybrid systems)");
	} else if (resolved) {
		*resolved = buf_detach(&full, NULL);
	}
	buf_release(&full);
	return fd >= 0 ? fd : e;
}

int sampler_spawn(char *const argv[], struct spawned *sp, struct errbuf *err)
{
	int go[2], ep[2];
	sp->pid = -1;
	sp->go_fd = sp->err_fd = -1;
	if (pipe2(go, O_CLOEXEC))
		return errbuf_set(err, -errno, "cannot start '%s': %s", argv[0], strerror(errno));
	if (pipe2(ep, O_CLOEXEC)) {
		int e = -errno;
		close(go[0]);
		close(go[1]);
		return errbuf_set(err, e, "cannot start '%s': %s", argv[0], strerror(-e));
	}
	pid_t pid = fork();
	if (pid < 0) {
		int e = -errno;
		close(go[0]);
		close(go[1]);
		close(ep[0]);
		close(ep[1]);
		return errbuf_set(err, e, "cannot start '%s': %s", argv[0], strerror(-e));
	}
	if (pid == 0) {
		/* the child: wait for the go (the write end closing), then exec */
		char c;
		close(go[1]);
		close(ep[0]);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() == 1)
			_exit(127);
		while (read(go[0], &c, 1) < 0 && errno == EINTR)
			;
		prctl(PR_SET_PDEATHSIG, 0);
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		execvp(argv[0], argv);
		int code = errno;
		while (write(ep[1], &code, sizeof(code)) < 0 && errno == EINTR)
			;
		_exit(127);
	}
	close(go[0]);
	close(ep[1]);
	sp->pid = pid;
	sp->go_fd = go[1];
	sp->err_fd = ep[0];
	return 0;
}

int sampler_spawn_release(struct spawned *sp, const char *name, struct errbuf *err)
{
	int code = 0;
	close(sp->go_fd);
	sp->go_fd = -1;
	ssize_t n;
	while ((n = read(sp->err_fd, &code, sizeof(code))) < 0 && errno == EINTR)
		;
	close(sp->err_fd);
	sp->err_fd = -1;
	if (n == (ssize_t)sizeof(code)) {
		waitpid(sp->pid, NULL, 0);
		sp->pid = -1;
		errbuf_set(err, -code, "cannot run '%s': %s", name, strerror(code));
		if (code == ENOENT)
			errbuf_hint(err, "check the command's name and $PATH");
		return -code;
	}
	return 0;
}

void sampler_spawn_abort(struct spawned *sp)
{
	if (sp->pid > 0) {
		kill(sp->pid, SIGKILL);
		waitpid(sp->pid, NULL, 0);
	}
	if (sp->go_fd >= 0)
		close(sp->go_fd);
	if (sp->err_fd >= 0)
		close(sp->err_fd);
	sp->pid = -1;
	sp->go_fd = sp->err_fd = -1;
}

uint64_t sampler_parse_duration(const char *s)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || !(v > 0) || !isfinite(v))
		return 0;
	double mult = 1e9;
	if (strcmp(end, "ms") == 0)
		mult = 1e6;
	else if (strcmp(end, "m") == 0 || strcmp(end, "min") == 0)
		mult = 60e9;
	else if (strcmp(end, "h") == 0)
		mult = 3600e9;
	else if (*end && strcmp(end, "s") != 0)
		return 0;
	double ns = v * mult;
	return ns >= 1 && ns < 1e19 ? (uint64_t)ns : 0;
}

int sampler_parse_states(const char *list, unsigned *mask)
{
	char *copy = strdup(list);
	if (!copy)
		return -ENOMEM;
	int e = 0;
	*mask = 0;
	for (char *save = NULL, *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		if (strcasecmp(t, "S") == 0 || strcasecmp(t, "interruptible") == 0)
			*mask |= SAMPLER_STATE_INTERRUPTIBLE;
		else if (strcasecmp(t, "D") == 0 || strcasecmp(t, "uninterruptible") == 0)
			*mask |= SAMPLER_STATE_UNINTERRUPTIBLE;
		else if (strcasecmp(t, "R") == 0 || strcasecmp(t, "preempted") == 0)
			*mask |= SAMPLER_STATE_PREEMPTED;
		else if (strcasecmp(t, "other") == 0)
			*mask |= SAMPLER_STATE_OTHER;
		else if (strcasecmp(t, "all") == 0 || strcasecmp(t, "any") == 0)
			*mask |= SAMPLER_STATE_ALL;
		else
			e = -EINVAL;
	}
	free(copy);
	return e ? e : (*mask ? 0 : -EINVAL);
}

/* "nginx" from /proc/PID/comm appended to `b`, or nothing. */
static void add_proc_comm(pid_t pid, struct buf *b)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	struct buf t = BUF_INIT;
	if (file_read_all(path, &t, NULL) == 0) {
		while (t.len && t.data[t.len - 1] == '\n')
			buf_truncate(&t, t.len - 1);
		buf_addf(b, " (%s)", t.data);
	}
	buf_release(&t);
}

void sampler_describe_target(const struct sampler_opts *o, char *const *command, struct buf *b)
{
	if (command) {
		buf_addstr(b, "command '");
		for (char *const *c = command; *c; c++)
			buf_addf(b, "%s%s", c == command ? "" : " ", *c);
		buf_addch(b, '\'');
	} else if (o->all) {
		buf_addstr(b, "all processes");
	} else if (o->cgroup) {
		buf_addf(b, "cgroup %s", o->cgroup);
	}
	for (int kind = 0; kind < 2; kind++) {
		const pid_t *ids = kind ? o->tids : o->pids;
		size_t n = kind ? o->ntids : o->npids;
		if (!n)
			continue;
		if (b->len)
			buf_addstr(b, ", ");
		buf_addf(b, "%s%s ", kind ? "tid" : "pid", n > 1 ? "s" : "");
		for (size_t i = 0; i < n && i < 8; i++)
			buf_addf(b, "%s%d", i ? "," : "", (int)ids[i]);
		if (n > 8)
			buf_addstr(b, ",...");
		if (n == 1)
			add_proc_comm(ids[0], b);
	}
	if (o->ncpus) {
		buf_addstr(b, " on CPU");
		for (size_t i = 0; i < o->ncpus && i < 8; i++)
			buf_addf(b, "%s%d", i ? "," : (o->ncpus > 1 ? "s " : " "), o->cpus[i]);
		if (o->ncpus > 8)
			buf_addstr(b, ",...");
	}
}

int target_code_range(pid_t pid, uint64_t *lo, uint64_t *hi)
{
	char path[64];
	struct buf text = BUF_INIT;
	int e = -ENOENT;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	*lo = *hi = 0;
	if (file_read_all(path, &text, NULL) == 0) {
		/* fields after the parenthesised comm start at 3; startcode and endcode are 26 and 27 */
		const char *p = strrchr(text.data, ')');
		int field = 2;
		while (p && *p && field < 27) {
			p = strchr(p + 1, ' ');
			if (!p)
				break;
			field++;
			if (field == 26)
				*lo = strtoull(p + 1, NULL, 10);
			else if (field == 27)
				*hi = strtoull(p + 1, NULL, 10);
		}
		if (*lo && *hi > *lo)
			e = 0;
	}
	buf_release(&text);
	return e;
}

// SPDX-License-Identifier: Apache-2.0
/* Attaching loaded programs: perf events (tracepoints, uprobes, profile, software), raw tracepoints; CPU lists. */
#include "probes/runtime.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/perf_event.h>

#include "lib/buf.h"
#include "lib/err.h"
#include "lib/file.h"
#include "probes/check.h"

static int push_fd(struct probe_inst *pi, int fd)
{
	int *nf = realloc(pi->fds, (pi->nfds + 1) * sizeof(*nf));
	if (!nf) {
		close(fd);
		return -ENOMEM;
	}
	pi->fds = nf;
	pi->fds[pi->nfds++] = fd;
	return 0;
}

int attach_perf_event(struct probe_inst *pi, struct perf_event_attr *attr, int pid, int cpu, struct errbuf *err)
{
	attr->size = sizeof(*attr);
	int fd = (int)syscall(__NR_perf_event_open, attr, pid, cpu, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		if (attr->type == PERF_TYPE_HARDWARE && (e == ENOENT || e == EOPNOTSUPP || e == ENODEV)) {
			errbuf_set(err, -e, "cannot attach '%s': this machine has no hardware PMU (perf_event_open: %s)",
				   pi->name, strerror(e));
			errbuf_hint(err, "use software events instead, e.g. software:cpu-clock:1000000 or profile:hz:99");
		} else {
			errbuf_set(err, -e, "cannot attach '%s': perf_event_open: %s", pi->name, strerror(e));
			if (e == EACCES || e == EPERM)
				errbuf_hint(err, "need root or CAP_PERFMON (and kernel.perf_event_paranoid allowing it)");
		}
		return -e;
	}
	int r = push_fd(pi, fd);
	if (r)
		return errbuf_set(err, r, "out of memory");
	if (ioctl(fd, PERF_EVENT_IOC_SET_BPF, pi->prog_fd) < 0) {
		int e = errno;
		return errbuf_set(err, -e, "cannot attach '%s': PERF_EVENT_IOC_SET_BPF: %s", pi->name, strerror(e));
	}
	if (ioctl(fd, PERF_EVENT_IOC_ENABLE, 0) < 0) {
		int e = errno;
		return errbuf_set(err, -e, "cannot enable '%s': %s", pi->name, strerror(e));
	}
	return 0;
}

int attach_raw_tracepoint(struct probe_inst *pi, const char *name, struct errbuf *err)
{
	int fd = bpf_raw_tracepoint_open(name, pi->prog_fd);
	if (fd < 0) {
		int e = errno;
		if (e == ENOENT)
			return errbuf_set(err, -e, "cannot attach '%s': no raw tracepoint '%s'", pi->name, name);
		return errbuf_set(err, -e, "cannot attach '%s': %s", pi->name, strerror(e));
	}
	int r = push_fd(pi, fd);
	return r ? errbuf_set(err, r, "out of memory") : 0;
}

int attach_tracing(struct probe_inst *pi, struct errbuf *err)
{
	/* fentry/fexit: the target is the attach_btf_id the program was loaded with */
	int fd = bpf_raw_tracepoint_open(NULL, pi->prog_fd);
	if (fd < 0) {
		int e = errno;
		return errbuf_set(err, -e, "cannot attach '%s': %s", pi->name, strerror(e));
	}
	int r = push_fd(pi, fd);
	return r ? errbuf_set(err, r, "out of memory") : 0;
}

void detach_inst(struct probe_inst *pi)
{
	for (size_t i = 0; i < pi->nfds; i++)
		close(pi->fds[i]);
	free(pi->fds);
	pi->fds = NULL;
	pi->nfds = 0;
}

static int read_int_file(const char *path, long *out)
{
	char buf[64];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = 0;
	char *end;
	long v = strtol(buf, &end, 10);
	if (end == buf)
		return -EINVAL;
	*out = v;
	return 0;
}

int pmu_type(const char *name)
{
	char path[256];
	long v = 0;
	snprintf(path, sizeof(path), "/sys/bus/event_source/devices/%s/type", name);
	int r = read_int_file(path, &v);
	return r < 0 ? -ENOENT : (int)v;
}

int pmu_retprobe_bit(const char *name)
{
	char path[256], buf[64];
	snprintf(path, sizeof(path), "/sys/bus/event_source/devices/%s/format/retprobe", name);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -ENOENT;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -ENOENT;
	buf[n] = 0;
	int bit;
	if (sscanf(buf, "config:%d", &bit) != 1)
		return -ENOENT;
	return bit;
}

/* Parse a CPU list ("0-3,5") into a malloc()ed array. */
static int parse_cpu_list(const char *s, int **out, size_t *n)
{
	int *cpus = NULL;
	size_t cnt = 0, cap = 0;
	while (*s && *s != '\n') {
		char *end;
		long a = strtol(s, &end, 10), b;
		if (end == s)
			break;
		b = a;
		if (*end == '-') {
			s = end + 1;
			b = strtol(s, &end, 10);
		}
		for (long c = a; c <= b && c < 4096; c++) {
			if (cnt == cap) {
				size_t ncap = cap ? cap * 2 : 16;
				int *nc = realloc(cpus, ncap * sizeof(*nc));
				if (!nc) {
					free(cpus);
					return -ENOMEM;
				}
				cpus = nc;
				cap = ncap;
			}
			cpus[cnt++] = (int)c;
		}
		s = *end == ',' ? end + 1 : end;
	}
	*out = cpus;
	*n = cnt;
	return cnt ? 0 : -EINVAL;
}

int runtime_cpus(struct runtime *rt, struct errbuf *err)
{
	struct buf b = BUF_INIT;
	int r = file_read_all("/sys/devices/system/cpu/online", &b, err);
	if (r == 0)
		r = parse_cpu_list(b.data, &rt->cpus, &rt->ncpus);
	buf_release(&b);
	if (r < 0)
		return errbuf_set(err, r, "cannot read the online CPUs from /sys/devices/system/cpu/online");
	rt->ncpus_possible = libbpf_num_possible_cpus();
	if (rt->ncpus_possible <= 0)
		return errbuf_set(err, -EINVAL, "cannot read the possible CPUs");
	return 0;
}

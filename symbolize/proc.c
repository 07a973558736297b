// SPDX-License-Identifier: Apache-2.0
/* Address spaces of processes: /proc/PID/maps snapshots (live) and mmap/fork/exec events (replay). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/err.h"
#include "lib/file.h"
#include "lib/hash.h"
#include "symbolize/internal.h"

static bool proc_eq(uint32_t id, const void *key, void *arg)
{
	struct symbolizer *s = arg;
	return s->procs[id]->pid == *(const int *)key;
}

struct sym_proc *proc_get(struct symbolizer *s, int pid, bool create)
{
	uint64_t h = hash_u64((uint64_t)(uint32_t)pid);
	uint32_t id = htab_find(&s->proc_index, h, proc_eq, &pid, s);
	if (id != HTAB_NONE)
		return s->procs[id];
	if (!create)
		return NULL;
	if (s->nprocs == s->proc_cap) {
		size_t cap = s->proc_cap ? s->proc_cap * 2 : 64;
		struct sym_proc **v = realloc(s->procs, cap * sizeof(*v));
		if (!v)
			return NULL;
		s->procs = v;
		s->proc_cap = cap;
	}
	struct sym_proc *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->pid = pid;
	p->jit_fd = -1;
	if (htab_insert(&s->proc_index, h, (uint32_t)s->nprocs) < 0) {
		free(p);
		return NULL;
	}
	s->procs[s->nprocs++] = p;
	return p;
}

static void map_release(struct sym_map *m)
{
	free(m->open_path);
	m->open_path = NULL;
}

static void proc_clear(struct sym_proc *p)
{
	for (size_t i = 0; i < p->nmaps; i++)
		map_release(&p->maps[i]);
	p->nmaps = 0;
	p->failed = false;
	symtab_release(&p->jit);
	p->jit_loaded = false;
	p->jit_untrusted = false;
	p->live = false;
	if (p->jit_fd >= 0)
		close(p->jit_fd);
	p->jit_fd = -1;
}

void proc_free_all(struct symbolizer *s)
{
	for (size_t i = 0; i < s->nprocs; i++) {
		proc_clear(s->procs[i]);
		free(s->procs[i]->maps);
		free(s->procs[i]);
	}
	free(s->procs);
	s->procs = NULL;
	s->nprocs = s->proc_cap = 0;
	htab_release(&s->proc_index);
}

struct sym_map *proc_find_map(struct sym_proc *p, uint64_t addr)
{
	size_t lo = 0, hi = p->nmaps;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (p->maps[mid].start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo && addr < p->maps[lo - 1].end)
		return &p->maps[lo - 1];
	return NULL;
}

/* Make room and cut [start, end) out of the existing maps, as a new mmap does. */
static int punch_hole(struct sym_proc *p, uint64_t start, uint64_t end)
{
	if (p->nmaps + 2 > p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 32;
		while (cap < p->nmaps + 2)
			cap *= 2;
		struct sym_map *v = realloc(p->maps, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		p->maps = v;
		p->cap = cap;
	}
	for (size_t i = 0; i < p->nmaps; i++) {
		struct sym_map *m = &p->maps[i];
		if (m->end <= start || m->start >= end)
			continue;
		if (m->start < start && m->end > end) {
			/* Split in two around the hole. */
			memmove(&p->maps[i + 2], &p->maps[i + 1], (p->nmaps - i - 1) * sizeof(*m));
			p->maps[i + 1] = *m;
			struct sym_map *tail = &p->maps[i + 1];
			tail->open_path = m->open_path ? strdup(m->open_path) : NULL;
			tail->pgoff += end - m->start;
			tail->start = end;
			m->end = start;
			p->nmaps++;
			i++;
		} else if (m->start < start) {
			m->end = start;
		} else if (m->end > end) {
			m->pgoff += end - m->start;
			m->start = end;
		} else {
			map_release(m);
			memmove(m, m + 1, (p->nmaps - i - 1) * sizeof(*m));
			p->nmaps--;
			i--;
		}
	}
	return 0;
}

static int insert_map(struct sym_proc *p, const struct sym_map *nm)
{
	int rc = punch_hole(p, nm->start, nm->end);
	if (rc < 0)
		return rc;
	size_t i = 0;
	while (i < p->nmaps && p->maps[i].start < nm->start)
		i++;
	memmove(&p->maps[i + 1], &p->maps[i], (p->nmaps - i) * sizeof(*nm));
	p->maps[i] = *nm;
	p->nmaps++;
	return 0;
}

static bool is_anon_name(const char *name)
{
	return !*name || strncmp(name, "[anon", 5) == 0 || strcmp(name, "//anon") == 0 ||
	       strcmp(name, "[heap]") == 0 || strncmp(name, "[stack", 6) == 0 || strncmp(name, "/dev/zero", 9) == 0 ||
	       strncmp(name, "/anon_hugepage", 14) == 0;
}

int symbolizer_proc_mmap(struct symbolizer *s, int pid, const struct sym_mmap *m)
{
	struct sym_proc *p = proc_get(s, pid, true);
	if (!p)
		return -ENOMEM;
	if (!m->len || m->start + m->len < m->start)
		return 0;
	p->failed = false; /* a snapshot that failed: these mappings stand in for it */
	if (!m->exec)
		return punch_hole(p, m->start, m->start + m->len);
	const char *fname = m->filename ? m->filename : "";
	struct sym_map nm = {
		.start = m->start,
		.end = m->start + m->len,
		.pgoff = m->pgoff,
		.exec = true,
		.anon = is_anon_name(fname),
		.name = sym_intern(s, fname, strlen(fname)),
	};
	if (!nm.name)
		return -ENOMEM;
	if (m->build_id && m->build_id_len && m->build_id_len <= SYM_BUILD_ID_MAX) {
		memcpy(nm.build_id, m->build_id, m->build_id_len);
		nm.build_id_len = m->build_id_len;
	}
	return insert_map(p, &nm);
}

void symbolizer_proc_exec(struct symbolizer *s, int pid)
{
	struct sym_proc *p = proc_get(s, pid, false);
	if (p)
		proc_clear(p);
}

int symbolizer_proc_fork(struct symbolizer *s, int child, int parent)
{
	if (child == parent)
		return 0;
	struct sym_proc *pp = proc_get(s, parent, false);
	struct sym_proc *c = proc_get(s, child, true);
	if (!c)
		return -ENOMEM;
	proc_clear(c);
	if (!pp || !pp->nmaps)
		return 0;
	if (pp->live) {
		/* an alias of a live snapshot (an older image, a backup): the same JIT map */
		c->live = true;
		c->host_pid = pp->host_pid;
		c->nspid = pp->nspid;
		memcpy(c->uids, pp->uids, sizeof(c->uids));
		c->jit_fd = pp->jit_fd >= 0 ? fcntl(pp->jit_fd, F_DUPFD_CLOEXEC, 0) : -1;
	}
	if (c->cap < pp->nmaps) {
		struct sym_map *v = realloc(c->maps, pp->nmaps * sizeof(*v));
		if (!v)
			return -ENOMEM;
		c->maps = v;
		c->cap = pp->nmaps;
	}
	for (size_t i = 0; i < pp->nmaps; i++) {
		c->maps[i] = pp->maps[i];
		c->maps[i].open_path = pp->maps[i].open_path ? strdup(pp->maps[i].open_path) : NULL;
	}
	c->nmaps = pp->nmaps;
	return 0;
}

int symbolizer_proc_maps(struct symbolizer *s, int pid, int (*cb)(const struct sym_mmap *m, void *arg), void *arg)
{
	struct sym_proc *p = proc_get(s, pid, false);
	if (!p || p->failed || !p->nmaps)
		return -ESRCH;
	for (size_t i = 0; i < p->nmaps; i++) {
		const struct sym_map *sm = &p->maps[i];
		struct sym_mmap m = {
			.start = sm->start,
			.len = sm->end - sm->start,
			.pgoff = sm->pgoff,
			.filename = sm->name ? sm->name : "",
			.build_id = sm->build_id_len ? sm->build_id : NULL,
			.build_id_len = sm->build_id_len,
			.exec = sm->exec,
			.maj = major(sm->dev),
			.min = minor(sm->dev),
			.ino = (uint64_t)sm->ino,
		};
		int rc = cb(&m, arg);
		if (rc)
			return rc;
	}
	return 0;
}

int symbolizer_proc_keep_gone(struct symbolizer *s, int pid, int from)
{
	struct sym_proc *src = proc_get(s, from, false), *p = proc_get(s, pid, false);
	if (!src || !p || p == src || p->failed)
		return 0;
	for (size_t i = 0; i < src->nmaps; i++) {
		const struct sym_map *old = &src->maps[i];
		/* the first map ending after old->start is the only one that can overlap it first */
		size_t lo = 0, hi = p->nmaps;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (p->maps[mid].end <= old->start)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo < p->nmaps && p->maps[lo].start < old->end)
			continue; /* something is mapped there now: the new mapping names it */
		struct sym_map nm = *old;
		/* its map_files entry is gone with the mapping; the module stays open */
		nm.open_path = NULL;
		int rc = insert_map(p, &nm);
		if (rc < 0)
			return rc;
	}
	return 0;
}

void symbolizer_proc_exit(struct symbolizer *s, int pid)
{
	(void)s;
	(void)pid;
}

/* ---- live snapshots ---- */

static const char *parse_hex(const char *p, const char *end, uint64_t *out)
{
	uint64_t v = 0;
	const char *start = p;
	for (; p < end; p++) {
		int c = *p, d;
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else
			break;
		v = v << 4 | (uint64_t)d;
	}
	*out = v;
	return p > start && p - start <= 16 ? p : NULL;
}

/* The module of a live mapping, opened now, through map_files or the process's root. */
static void open_live(struct symbolizer *s, int pid, struct sym_map *m, const char *path)
{
	m->opened = true;
	m->open_reason = SYM_NO_FILE;
	if (strcmp(path, "[vdso]") == 0) {
		m->mod = sym_vdso(s);
		goto done;
	}
	if (path[0] != '/')
		return; /* [vsyscall], [vvar] ... */
	if (m->ino && (m->mod = module_cache_find_inode(s, m->dev, m->ino)))
		goto done;
	struct buf b = BUF_INIT;
	int fd = -1;
	if (buf_addf(&b, "/proc/%d/map_files/%" PRIx64 "-%" PRIx64, pid, m->start, m->end) == 0)
		fd = open(b.data, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		/* Without CAP_SYS_ADMIN: the path inside the process's root (containers), then as is. */
		size_t len = strlen(path);
		static const char deleted[] = " (deleted)";
		if (len > sizeof(deleted) - 1 && strcmp(path + len - (sizeof(deleted) - 1), deleted) == 0)
			len -= sizeof(deleted) - 1;
		buf_reset(&b);
		if (buf_addf(&b, "/proc/%d/root%.*s", pid, (int)len, path) == 0)
			fd = open(b.data, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			buf_reset(&b);
			buf_add(&b, path, len);
			fd = open(b.data, O_RDONLY | O_CLOEXEC);
		}
	}
	if (fd < 0) {
		buf_release(&b);
		return;
	}
	struct stat st;
	if (fstat(fd, &st) == 0 && (m->mod = module_cache_find_inode(s, st.st_dev, st.st_ino))) {
		close(fd);
		buf_release(&b);
		goto done;
	}
	struct sym_module *mod = module_open(s, path, fd, NULL);
	if (!mod) {
		m->open_reason = SYM_BAD_FILE;
		buf_release(&b);
		return;
	}
	/* Same file seen through another path (container, hard link): one module per build-id. */
	struct sym_module *same = mod->build_id_len ? module_cache_find_build_id(s, mod->build_id, mod->build_id_len) : NULL;
	if (same) {
		module_free(mod);
		m->mod = same;
	} else if (module_cache_add(s, mod) < 0) {
		module_free(mod);
	} else {
		m->mod = mod;
	}
	if (m->mod)
		m->open_path = buf_detach(&b, NULL);
	buf_release(&b);
done:
	if (m->mod) {
		m->open_reason = SYM_OK;
		m->bias = module_bias(m->mod, m->start, m->pgoff, m->exec);
		memcpy(m->build_id, m->mod->build_id, m->mod->build_id_len);
		m->build_id_len = m->mod->build_id_len;
	}
}

/*
 * Who `pid` is to its JIT map: its uids and its pid in its own PID namespace,
 * from /proc/PID/status ("Uid:" and "NSpid:", the last of which is the
 * innermost). False when unreadable.
 */
static bool read_identity(int pid, struct sym_proc *p)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	struct buf text = BUF_INIT;
	if (file_read_all(path, &text, NULL) < 0) {
		buf_release(&text);
		return false;
	}
	bool uids = false;
	p->nspid = pid;
	for (const char *c = text.data, *end = text.data + text.len; c < end;) {
		const char *nl = memchr(c, '\n', (size_t)(end - c));
		const char *le = nl ? nl : end;
		if (le - c > 4 && memcmp(c, "Uid:", 4) == 0) {
			const char *q = c + 4;
			int n = 0;
			for (; n < 4; n++) {
				while (q < le && (*q == ' ' || *q == '\t'))
					q++;
				uint64_t v = 0;
				const char *d = q;
				while (q < le && *q >= '0' && *q <= '9' && q - d < 10)
					v = v * 10 + (uint64_t)(*q++ - '0');
				if (q == d || v > UINT32_MAX)
					break;
				p->uids[n] = (uint32_t)v;
			}
			uids = n == 4;
		} else if (le - c > 6 && memcmp(c, "NSpid:", 6) == 0) {
			/* the last number on the line */
			const char *q = le;
			while (q > c + 6 && (q[-1] == ' ' || q[-1] == '\t'))
				q--;
			const char *d = q;
			while (d > c + 6 && d[-1] >= '0' && d[-1] <= '9' && q - d < 10)
				d--;
			int v = 0;
			for (const char *k = d; k < q; k++)
				v = v * 10 + (*k - '0');
			if (d < q && v > 0)
				p->nspid = v;
		}
		c = le + 1;
	}
	buf_release(&text);
	return uids;
}

/* A live process with anonymous executable memory: open its JIT map now, while its root is reachable. */
static void open_live_jit_map(struct sym_proc *p, int pid)
{
	p->host_pid = pid;
	p->live = read_identity(pid, p);
	if (!p->live)
		return;
	bool anon = false;
	for (size_t i = 0; i < p->nmaps && !anon; i++)
		anon = p->maps[i].anon;
	if (!anon)
		return;
	char path[96];
	snprintf(path, sizeof(path), "/proc/%d/root/tmp/perf-%d.map", pid, p->nspid);
	int fd = jitmap_open(path, p->uids, 4);
	if (fd >= 0)
		p->jit_fd = fd;
	else if (fd == -EPERM)
		p->jit_untrusted = true;
}

int symbolizer_proc_snapshot(struct symbolizer *s, int pid, struct errbuf *err)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	struct sym_proc *p = proc_get(s, pid, true);
	if (!p)
		return errbuf_set(err, -ENOMEM, "cannot snapshot pid %d: out of memory", pid);
	struct buf text = BUF_INIT;
	int rc = file_read_all(path, &text, NULL);
	if (rc < 0 || text.len == 0) {
		/*
		 * Gone, or exiting (a zombie's maps file is empty): the maps taken
		 * while it lived still name its samples, so keep them.
		 */
		if (!p->nmaps) {
			proc_clear(p);
			p->failed = true;
		}
		buf_release(&text);
		if (rc < 0)
			return errbuf_set(err, rc, "cannot read '%s': %s", path, strerror(-rc));
		return errbuf_set(err, -ESRCH, "cannot snapshot pid %d: it has no mappings left (exiting)", pid);
	}
	proc_clear(p);
	const char *c = text.data, *end = text.data + text.len;
	while (c < end && rc == 0) {
		const char *nl = memchr(c, '\n', (size_t)(end - c));
		const char *le = nl ? nl : end;
		/* start-end perms offset maj:min inode   path */
		uint64_t start, stop, off, maj, min, ino;
		const char *q = parse_hex(c, le, &start);
		if (q && q < le && *q == '-' && (q = parse_hex(q + 1, le, &stop)) && q + 6 < le && q[0] == ' ') {
			bool exec = q[3] == 'x';
			q += 6;
			if ((q = parse_hex(q, le, &off)) && q < le && *q == ' ' && (q = parse_hex(q + 1, le, &maj)) &&
			    q < le && *q == ':' && (q = parse_hex(q + 1, le, &min)) && q < le && *q == ' ') {
				q++;
				ino = 0;
				while (q < le && *q >= '0' && *q <= '9')
					ino = ino * 10 + (uint64_t)(*q++ - '0');
				while (q < le && *q == ' ')
					q++;
				if (exec && stop > start) {
					char *name = strndup(q, (size_t)(le - q));
					struct sym_map nm = {
						.start = start, .end = stop, .pgoff = off, .exec = true,
						.dev = makedev((unsigned)maj, (unsigned)min), .ino = (ino_t)ino,
					};
					if (!name) {
						rc = -ENOMEM;
						break;
					}
					nm.anon = is_anon_name(name);
					nm.name = sym_intern(s, name, strlen(name));
					if (!nm.name) {
						free(name);
						rc = -ENOMEM;
						break;
					}
					if (!nm.anon)
						open_live(s, pid, &nm, name);
					else
						nm.opened = true;
					free(name);
					rc = insert_map(p, &nm);
				}
			}
		}
		c = le + 1;
	}
	buf_release(&text);
	if (rc < 0)
		return errbuf_set(err, rc, "cannot snapshot pid %d: out of memory", pid);
	if (!s->o.no_jit_maps)
		open_live_jit_map(p, pid);
	return 0;
}

/* ---- replay: open a mapping's module on its first lookup ---- */

static struct sym_module *open_by_build_id(struct symbolizer *s, const uint8_t *id, size_t len)
{
	struct sym_module *m = module_cache_find_build_id(s, id, len);
	if (m)
		return m;
	char *path = debugfind_build_id(s, id, len, false);
	if (!path)
		return NULL;
	m = module_open(s, path, -1, NULL);
	free(path);
	if (m && (m->build_id_len != len || memcmp(m->build_id, id, len) != 0)) {
		module_free(m);
		return NULL;
	}
	if (m && module_cache_add(s, m) < 0) {
		module_free(m);
		return NULL;
	}
	return m;
}

void proc_open_map(struct symbolizer *s, struct sym_proc *p, struct sym_map *m)
{
	(void)p;
	if (m->opened)
		return;
	m->opened = true;
	m->open_reason = SYM_NO_FILE;
	const char *name = m->name;
	const uint8_t *id = m->build_id_len ? m->build_id : NULL;
	size_t idlen = m->build_id_len;
	if (!id)
		id = sym_path_build_id(s, name, &idlen);
	struct sym_module *mod = NULL;
	if (strcmp(name, "[vdso]") == 0) {
		mod = sym_vdso(s);
		if (id && mod && (mod->build_id_len != idlen || memcmp(mod->build_id, id, idlen) != 0))
			mod = open_by_build_id(s, id, idlen);
	} else if (name[0] == '[' || !*name) {
		return; /* [vsyscall], [kernel.kallsyms] ... */
	} else if (id) {
		mod = module_cache_find_build_id(s, id, idlen);
		if (!mod && !(mod = module_cache_find_path(s, name))) {
			struct sym_module *local = module_open(s, name, -1, NULL);
			if (local && local->build_id_len == idlen && memcmp(local->build_id, id, idlen) == 0 &&
			    module_cache_add(s, local) == 0) {
				mod = local;
			} else {
				if (local)
					m->open_reason = SYM_BUILD_ID_MISMATCH;
				module_free(local);
			}
		} else if (mod && (mod->build_id_len != idlen || memcmp(mod->build_id, id, idlen) != 0)) {
			m->open_reason = SYM_BUILD_ID_MISMATCH;
			mod = NULL;
		}
		if (!mod) {
			mod = open_by_build_id(s, id, idlen);
			if (mod)
				m->open_reason = SYM_OK;
		}
	} else {
		mod = module_cache_find_path(s, name);
		if (!mod) {
			char *alt = debugfind_by_name(s, name);
			struct sym_module *local = module_open(s, name, -1, NULL);
			if (!local && alt)
				local = module_open(s, alt, -1, NULL);
			if (local && module_cache_add(s, local) < 0) {
				module_free(local);
				local = NULL;
			}
			free(alt);
			mod = local;
		}
	}
	if (!mod)
		return;
	m->mod = mod;
	m->open_reason = SYM_OK;
	m->bias = module_bias(mod, m->start, m->pgoff, m->exec);
}

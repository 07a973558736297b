// SPDX-License-Identifier: Apache-2.0
/* Tracepoints through tracefs: locate or mount it, list available events, parse format files into typed fields. */
#include "probes/tracepoint.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include "lib/buf.h"
#include "lib/err.h"
#include "lib/file.h"

#define TRACEFS_MAGIC 0x74726163

static bool is_tracefs(const char *path)
{
	struct statfs st;
	return statfs(path, &st) == 0 && (unsigned long)st.f_type == TRACEFS_MAGIC;
}

const char *tracefs_path(struct errbuf *err)
{
	static const char *const candidates[] = { "/sys/kernel/tracing", "/sys/kernel/debug/tracing" };
	for (size_t i = 0; i < 2; i++)
		if (is_tracefs(candidates[i]))
			return candidates[i];
	/* a fresh machine: mount it ourselves, as perf and bpftrace need it too */
	if (mount("nodev", "/sys/kernel/tracing", "tracefs", 0, NULL) == 0 || errno == EBUSY) {
		if (is_tracefs("/sys/kernel/tracing"))
			return "/sys/kernel/tracing";
	}
	int e = errno;
	errbuf_set(err, -e, "tracefs is not mounted and mounting it at '/sys/kernel/tracing' failed: %s", strerror(e));
	errbuf_hint(err, "run as root, or mount it: mount -t tracefs nodev /sys/kernel/tracing");
	return NULL;
}

void tp_format_free(struct tp_format *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->nfields; i++) {
		free((char *)f->fields[i].name);
		free((char *)f->fields[i].ctype);
	}
	free(f->fields);
	free(f->category);
	free(f->name);
	free(f);
}

const struct tp_field *tp_format_field(const struct tp_format *f, const char *name)
{
	for (size_t i = 0; i < f->nfields; i++)
		if (strcmp(f->fields[i].name, name) == 0)
			return &f->fields[i];
	return NULL;
}

/* Value of "key:NUMBER;" in `line`, or -1. */
static long attr_num(const char *line, const char *key)
{
	const char *p = strstr(line, key);
	if (!p)
		return -1;
	p += strlen(key);
	char *end;
	long v = strtol(p, &end, 10);
	if (end == p || *end != ';' || v < 0)
		return -1;
	return v;
}

/* C integer types and common kernel typedefs, as clang sees them when bpftrace parses the format. */
static const struct {
	const char *name;
	uint8_t size;
	bool is_signed;
} ctypes[] = {
	{ "char", 1, true }, { "signed char", 1, true }, { "unsigned char", 1, false },
	{ "short", 2, true }, { "short int", 2, true }, { "signed short", 2, true },
	{ "unsigned short", 2, false }, { "unsigned short int", 2, false }, { "int", 4, true },
	{ "signed int", 4, true }, { "signed", 4, true }, { "unsigned int", 4, false }, { "unsigned", 4, false },
	{ "long", 8, true }, { "long int", 8, true }, { "signed long", 8, true }, { "unsigned long", 8, false },
	{ "unsigned long int", 8, false }, { "long long", 8, true }, { "long long int", 8, true },
	{ "unsigned long long", 8, false }, { "unsigned long long int", 8, false }, { "bool", 1, false },
	{ "_Bool", 1, false }, { "s8", 1, true }, { "__s8", 1, true }, { "int8_t", 1, true }, { "u8", 1, false },
	{ "__u8", 1, false }, { "uint8_t", 1, false }, { "s16", 2, true }, { "__s16", 2, true },
	{ "int16_t", 2, true }, { "u16", 2, false }, { "__u16", 2, false }, { "uint16_t", 2, false },
	{ "__le16", 2, false }, { "__be16", 2, false }, { "s32", 4, true }, { "__s32", 4, true },
	{ "int32_t", 4, true }, { "u32", 4, false }, { "__u32", 4, false }, { "uint32_t", 4, false },
	{ "__le32", 4, false }, { "__be32", 4, false }, { "s64", 8, true }, { "__s64", 8, true },
	{ "int64_t", 8, true }, { "u64", 8, false }, { "__u64", 8, false }, { "uint64_t", 8, false },
	{ "__le64", 8, false }, { "__be64", 8, false }, { "pid_t", 4, true }, { "uid_t", 4, false },
	{ "gid_t", 4, false }, { "size_t", 8, false }, { "ssize_t", 8, true }, { "loff_t", 8, true },
	{ "off_t", 8, true }, { "umode_t", 2, false }, { "mode_t", 4, false }, { "dev_t", 4, false },
	{ "ino_t", 8, false }, { "clockid_t", 4, true }, { "key_t", 4, true }, { "qid_t", 4, false },
	{ "gfp_t", 4, false }, { "fmode_t", 4, false }, { "sector_t", 8, false }, { "blkcnt_t", 8, false },
	{ "time64_t", 8, true }, { "ktime_t", 8, true }, { "key_serial_t", 4, true }, { "rwf_t", 4, true },
	{ "aio_context_t", 8, false }, { "__poll_t", 4, false }, { "timer_t", 4, true },
	{ "phys_addr_t", 8, false }, { "dma_addr_t", 8, false },
	{ "resource_size_t", 8, false }, { "pgoff_t", 8, false }, { "xfs_ino_t", 8, false },
	{ "cpumask_t", 8, false },
};

/*
 * The integer type bpftrace gives a field: its C type (after bpftrace's
 * adjust_integer_types(): an 8-byte "int" is s64, an 8-byte "unsigned int",
 * "u32", "pid_t", "uid_t" or "gid_t" is u64), else the format's size and sign.
 */
static void resolve_int(const char *ctype, uint32_t fsize, bool fsigned, uint32_t *size, bool *is_signed)
{
	const char *t = ctype;
	while (strncmp(t, "const ", 6) == 0 || strncmp(t, "volatile ", 9) == 0)
		t += t[0] == 'c' ? 6 : 9;
	if (fsize == 8) {
		if (strcmp(t, "int") == 0) {
			*size = 8, *is_signed = true;
			return;
		}
		if (strcmp(t, "unsigned int") == 0 || strcmp(t, "unsigned") == 0 || strcmp(t, "u32") == 0 ||
		    strcmp(t, "pid_t") == 0 || strcmp(t, "uid_t") == 0 || strcmp(t, "gid_t") == 0) {
			*size = 8, *is_signed = false;
			return;
		}
	}
	for (size_t i = 0; i < sizeof(ctypes) / sizeof(ctypes[0]); i++) {
		if (strcmp(ctypes[i].name, t) == 0) {
			*size = ctypes[i].size <= fsize ? ctypes[i].size : fsize;
			*is_signed = ctypes[i].is_signed;
			return;
		}
	}
	*size = fsize == 1 || fsize == 2 || fsize == 4 ? fsize : 8;
	*is_signed = fsigned;
}

static char *trim_dup(const char *s, size_t n)
{
	while (n && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	return strndup(s, n);
}

/* "field:DECL;\toffset:N;\tsize:N;\tsigned:N;" into `f`. Returns 0, 1 for a line to skip, -EINVAL. */
static int parse_field_line(const char *line, struct tp_field *f)
{
	memset(f, 0, sizeof(*f));
	const char *p = strstr(line, "field:");
	if (!p)
		return 1;
	p += 6;
	const char *semi = strchr(p, ';');
	if (!semi)
		return -EINVAL;
	long off = attr_num(semi, "offset:"), size = attr_num(semi, "size:"), sgn = attr_num(semi, "signed:");
	if (off < 0 || size < 0 || off > 65535 || size > 65535)
		return -EINVAL;
	/* DECL: "TYPE NAME" or "TYPE NAME[N]"; the name is the last word */
	size_t dlen = (size_t)(semi - p);
	size_t end = dlen;
	while (end && (p[end - 1] == ' ' || p[end - 1] == '\t'))
		end--;
	/* an array suffix belongs to the name ("x[16]"), not to a type ("__data_loc char[] x") */
	size_t bracket = end;
	if (end && p[end - 1] == ']')
		for (size_t i = end - 1; i > 0; i--)
			if (p[i] == '[') {
				bracket = i;
				break;
			}
	size_t name_start = bracket;
	while (name_start && p[name_start - 1] != ' ' && p[name_start - 1] != '\t' && p[name_start - 1] != '*')
		name_start--;
	if (name_start == bracket)
		return -EINVAL;
	f->name = strndup(p + name_start, bracket - name_start);
	f->ctype = trim_dup(p, name_start);
	if (!f->name || !f->ctype)
		return -ENOMEM;
	f->offset = (uint32_t)off;
	f->size = (uint32_t)size;
	f->is_signed = sgn == 1;
	bool array = bracket < end;
	long nelems = 0;
	if (array) {
		char *close;
		nelems = strtol(p + bracket + 1, &close, 10);
		if (*close != ']')
			nelems = 0; /* "[]" or a symbolic size: use the byte size */
	}
	if (strstr(f->ctype, "__data_loc")) {
		f->kind = TPF_DATA_LOC;
		f->ty = (struct type){ .kind = TY_PTR, .size = 8 };
	} else if (array && strstr(f->ctype, "char") && !strchr(f->ctype, '*')) {
		f->kind = TPF_STR;
		f->ty = TYPE_STR(f->size ? f->size : 1);
	} else if (array) {
		f->kind = TPF_ARRAY;
		f->nelems = nelems > 0 ? (uint32_t)nelems : 1;
		f->elem_size = f->size / f->nelems;
		if (f->elem_size != 1 && f->elem_size != 2 && f->elem_size != 4 && f->elem_size != 8) {
			f->elem_size = 1;
			f->nelems = f->size;
		}
		f->ty = TYPE_INT(f->elem_size, f->is_signed);
	} else if (strchr(f->ctype, '*')) {
		f->kind = TPF_PTR;
		f->ty = (struct type){ .kind = TY_PTR, .size = 8 };
	} else {
		f->kind = TPF_INT;
		uint32_t sz;
		bool is_signed;
		resolve_int(f->ctype, f->size, f->is_signed, &sz, &is_signed);
		f->elem_size = sz; /* bytes loaded (the low ones of a wider slot) */
		f->is_signed = is_signed;
		f->ty = TYPE_INT(sz, is_signed);
	}
	return 0;
}

struct tp_format *tp_format_parse(const char *category, const char *name, const char *text, size_t len,
				  struct errbuf *err)
{
	struct tp_format *f = calloc(1, sizeof(*f));
	size_t cap = 0;
	char *line = NULL;
	if (!f)
		goto oom;
	f->category = strdup(category);
	f->name = strdup(name);
	if (!f->category || !f->name)
		goto oom;
	size_t pos = 0;
	bool have_id = false;
	while (pos < len) {
		size_t e = pos;
		while (e < len && text[e] != '\n')
			e++;
		free(line);
		line = strndup(text + pos, e - pos);
		if (!line)
			goto oom;
		pos = e + 1;
		if (strncmp(line, "ID:", 3) == 0) {
			char *end;
			unsigned long id = strtoul(line + 3, &end, 10);
			if (end != line + 3 && id <= UINT32_MAX) {
				f->id = (uint32_t)id;
				have_id = true;
			}
			continue;
		}
		if (strncmp(line, "print fmt:", 10) == 0)
			break;
		if (f->nfields == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			struct tp_field *nf = realloc(f->fields, ncap * sizeof(*nf));
			if (!nf)
				goto oom;
			f->fields = nf;
			cap = ncap;
		}
		struct tp_field *fld = &f->fields[f->nfields];
		int r = parse_field_line(line, fld);
		if (r == 1)
			continue;
		if (r < 0) {
			free((char *)fld->name);
			free((char *)fld->ctype);
			if (r == -ENOMEM)
				goto oom;
			errbuf_set(err, -EINVAL, "malformed format of tracepoint '%s:%s': '%s'", category, name, line);
			goto fail;
		}
		if (fld->offset + fld->size > f->record_size)
			f->record_size = fld->offset + fld->size;
		if (strncmp(fld->name, "common_", 7) == 0) {
			free((char *)fld->name);
			free((char *)fld->ctype);
			continue;
		}
		f->nfields++;
	}
	if (!have_id) {
		errbuf_set(err, -EINVAL, "malformed format of tracepoint '%s:%s': no ID line", category, name);
		goto fail;
	}
	free(line);
	return f;
oom:
	errbuf_set(err, -ENOMEM, "out of memory reading tracepoint '%s:%s'", category, name);
fail:
	free(line);
	tp_format_free(f);
	return NULL;
}

static bool safe_component(const char *s)
{
	return *s && !strchr(s, '/') && strcmp(s, ".") != 0 && strcmp(s, "..") != 0;
}

struct tp_format *tp_format_load(const char *category, const char *name, struct errbuf *err)
{
	const char *dir = tracefs_path(err);
	if (!dir)
		return NULL;
	if (!safe_component(category) || !safe_component(name)) {
		errbuf_set(err, -ENOENT, "no tracepoint '%s:%s'", category, name);
		return NULL;
	}
	struct buf path = BUF_INIT, text = BUF_INIT;
	struct tp_format *f = NULL;
	buf_addf(&path, "%s/events/%s/%s/format", dir, category, name);
	FILE *fp = fopen(path.data, "r");
	if (!fp) {
		int e = errno;
		if (e == ENOENT)
			errbuf_set(err, -ENOENT, "no tracepoint '%s:%s'", category, name);
		else
			errbuf_set(err, -e, "cannot read '%s': %s", path.data, strerror(e));
		goto out;
	}
	char chunk[4096];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		buf_add(&text, chunk, n);
	fclose(fp);
	f = tp_format_parse(category, name, text.data, text.len, err);
out:
	buf_release(&path);
	buf_release(&text);
	return f;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int tp_list(const char *cat_glob, const char *name_glob, tp_list_cb *cb, void *arg, struct errbuf *err)
{
	const char *dir = tracefs_path(err);
	if (!dir)
		return err ? err->code : -ENOENT;
	struct buf path = BUF_INIT, text = BUF_INIT;
	char **lines = NULL;
	size_t n = 0, cap = 0;
	int ret = 0;
	buf_addf(&path, "%s/available_events", dir);
	ret = file_read_all(path.data, &text, err);
	if (ret < 0)
		goto out;
	for (char *s = text.data; *s;) {
		char *nl = strchr(s, '\n');
		if (nl)
			*nl = 0;
		if (*s && strchr(s, ':')) {
			if (n == cap) {
				size_t ncap = cap ? cap * 2 : 1024;
				char **nlines = realloc(lines, ncap * sizeof(*nlines));
				if (!nlines) {
					ret = errbuf_set(err, -ENOMEM, "out of memory listing tracepoints");
					goto out;
				}
				lines = nlines;
				cap = ncap;
			}
			lines[n++] = s;
		}
		if (!nl)
			break;
		s = nl + 1;
	}
	qsort(lines, n, sizeof(*lines), cmp_str);
	for (size_t i = 0; i < n && ret == 0; i++) {
		char *colon = strchr(lines[i], ':');
		*colon = 0;
		const char *cat = lines[i], *name = colon + 1;
		if (fnmatch(cat_glob, cat, 0) == 0 && fnmatch(name_glob, name, 0) == 0)
			ret = cb(cat, name, arg);
		*colon = ':';
	}
out:
	free(lines);
	buf_release(&path);
	buf_release(&text);
	return ret;
}

// SPDX-License-Identifier: Apache-2.0
/* perf.data decoder: opening, the file header, attrs and ids, feature sections. */
#include "fold/perf_data.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/perf_event.h>
#include <zstd.h>

#include "fold/perf_data_internal.h"
#include "lib/err.h"
#include "lib/hash.h"

static const char *const hw_names[] = {
	"cycles", "instructions", "cache-references", "cache-misses", "branches", "branch-misses",
	"bus-cycles", "stalled-cycles-frontend", "stalled-cycles-backend", "ref-cycles",
};
static const char *const sw_names[] = {
	"cpu-clock", "task-clock", "page-faults", "context-switches", "cpu-migrations", "minor-faults",
	"major-faults", "alignment-faults", "emulation-faults", "dummy", "bpf-output", "cgroup-switches",
};

bool perf_data_has_magic(const void *data, size_t len)
{
	uint64_t m;

	if (len < 8)
		return false;
	memcpy(&m, data, 8);
	return m == PERF_MAGIC2 || m == PERF_MAGIC2_SWAPPED;
}

/* The name perf gives an event that has no EVENT_DESC ("cpu-clock", "raw 0x1234"). */
static int default_name(struct perf_data *d, struct pd_attr *a)
{
	char tmp[64];
	const char *s = NULL;
	uint64_t c = a->pub.config;

	if (a->pub.type == PERF_TYPE_HARDWARE && c < sizeof(hw_names) / sizeof(hw_names[0]))
		s = hw_names[c];
	else if (a->pub.type == PERF_TYPE_SOFTWARE && c < sizeof(sw_names) / sizeof(sw_names[0]))
		s = sw_names[c];
	if (!s) {
		snprintf(tmp, sizeof(tmp), "%s 0x%" PRIx64,
			 a->pub.type == PERF_TYPE_TRACEPOINT ? "tracepoint" : "raw", c);
		s = tmp;
	}
	return pd_set_attr_name(d, a->pub.index, s, strlen(s));
}

int pd_set_attr_name(struct perf_data *d, size_t attr_index, const char *name, size_t len)
{
	struct pd_attr *a;
	char *n;

	if (attr_index >= d->nattrs)
		return 0;
	a = d->attrs[attr_index];
	n = malloc(len + 1);
	if (!n)
		return -ENOMEM;
	memcpy(n, name, len);
	n[len] = 0;
	n[strnlen(n, len)] = 0;
	free(a->name);
	a->name = n;
	a->pub.name = n;
	return 0;
}

static int idtab_grow(struct perf_data *d)
{
	uint32_t ncap = d->idmask ? (d->idmask + 1) * 2 : 64;
	struct pd_id_slot *t = calloc(ncap, sizeof(*t));

	if (!t)
		return -ENOMEM;
	for (uint32_t i = 0; d->idtab && i <= d->idmask; i++) {
		struct pd_id_slot *s = &d->idtab[i];
		uint32_t h;

		if (!s->attr1)
			continue;
		for (h = (uint32_t)hash_u64(s->id) & (ncap - 1); t[h].attr1; h = (h + 1) & (ncap - 1))
			;
		t[h] = *s;
	}
	free(d->idtab);
	d->idtab = t;
	d->idmask = ncap - 1;
	return 0;
}

int pd_add_id(struct perf_data *d, size_t attr_index, uint64_t id)
{
	struct pd_attr *a = d->attrs[attr_index];
	uint32_t h;

	if (!d->idtab || (d->nids + 1) * 2 > d->idmask + 1) {
		int rc = idtab_grow(d);
		if (rc)
			return rc;
	}
	for (h = (uint32_t)hash_u64(id) & d->idmask; d->idtab[h].attr1; h = (h + 1) & d->idmask)
		if (d->idtab[h].id == id)
			return 0; /* first attr wins, as perf's id hash lookup finds the first */
	d->idtab[h].id = id;
	d->idtab[h].attr1 = (uint32_t)attr_index + 1;
	d->nids++;
	if (a->pub.nids == a->cap_ids) {
		uint32_t ncap = a->cap_ids ? a->cap_ids * 2 : 4;
		uint64_t *n = realloc(a->ids, ncap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		a->ids = n;
		a->cap_ids = ncap;
	}
	a->ids[a->pub.nids++] = id;
	a->pub.ids = a->ids;
	return 0;
}

const struct pd_attr *pd_attr_for_id(const struct perf_data *d, uint64_t id)
{
	if (!d->idtab)
		return NULL;
	for (uint32_t h = (uint32_t)hash_u64(id) & d->idmask; d->idtab[h].attr1; h = (h + 1) & d->idmask)
		if (d->idtab[h].id == id)
			return d->attrs[d->idtab[h].attr1 - 1];
	return NULL;
}

/* perf's id_pos / is_pos, taken from the first attr (perf requires all to agree). */
static void compute_id_positions(struct perf_data *d)
{
	uint64_t st = d->attrs[0]->pub.sample_type;

	if (st & PERF_SAMPLE_IDENTIFIER) {
		d->id_pos = 0;
		d->is_pos = 1;
	} else if (!(st & PERF_SAMPLE_ID)) {
		d->id_pos = -1;
		d->is_pos = -1;
	} else {
		d->id_pos = !!(st & PERF_SAMPLE_IP) + !!(st & PERF_SAMPLE_TID) + !!(st & PERF_SAMPLE_TIME) +
			    !!(st & PERF_SAMPLE_ADDR);
		d->is_pos = 1 + !!(st & PERF_SAMPLE_CPU) + !!(st & PERF_SAMPLE_STREAM_ID);
	}
}

int pd_add_attr(struct perf_data *d, const uint8_t *p, size_t avail, const uint8_t *ids, size_t nids,
		uint64_t offset, struct errbuf *err)
{
	uint8_t buf[PERF_ATTR_SIZE_MAX] = { 0 };
	uint32_t size;
	struct pd_attr *a;
	int rc;

	if (avail < PERF_ATTR_SIZE_VER0)
		return errbuf_set(err, -EBADMSG, "cannot read '%s': event attr at offset %" PRIu64 " is cut short",
				  d->name, offset);
	size = pd_u32(p + 4);
	if (size == 0)
		size = PERF_ATTR_SIZE_VER0;
	if (size < PERF_ATTR_SIZE_VER0 || size > PERF_ATTR_SIZE_MAX || size > avail)
		return errbuf_set(err, -EBADMSG, "cannot read '%s': event attr at offset %" PRIu64 " has a bad size %u",
				  d->name, offset, size);
	memcpy(buf, p, size); /* zero-filled tail: fields of newer attr versions read as 0 */
	if (d->nattrs == d->cap_attrs) {
		size_t ncap = d->cap_attrs ? d->cap_attrs * 2 : 4;
		struct pd_attr **n = realloc(d->attrs, ncap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		d->attrs = n;
		d->cap_attrs = ncap;
	}
	a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	d->attrs[d->nattrs] = a;
	a->pub.index = (uint32_t)d->nattrs;
	a->pub.type = pd_u32(buf);
	a->pub.size = size;
	a->pub.config = pd_u64(buf + 8);
	a->pub.sample_period = pd_u64(buf + 16);
	a->pub.sample_type = pd_u64(buf + 24);
	a->pub.read_format = pd_u64(buf + 32);
	a->pub.flags = pd_u64(buf + 40);
	a->pub.branch_sample_type = pd_u64(buf + 72);
	a->pub.sample_regs_user = pd_u64(buf + 80);
	a->pub.sample_stack_user = pd_u32(buf + 88);
	a->pub.sample_regs_intr = pd_u64(buf + 96);
	a->pub.sample_max_stack = pd_u16(buf + 108);
	if (a->pub.flags & PERF_ATTR_FLAG_SAMPLE_ID_ALL) {
		uint64_t st = a->pub.sample_type;
		a->trailer_size = 8 * (!!(st & PERF_SAMPLE_TID) + !!(st & PERF_SAMPLE_TIME) + !!(st & PERF_SAMPLE_ID) +
				       !!(st & PERF_SAMPLE_STREAM_ID) + !!(st & PERF_SAMPLE_CPU) +
				       !!(st & PERF_SAMPLE_IDENTIFIER));
	}
	d->nattrs++;
	rc = default_name(d, a);
	for (size_t i = 0; !rc && i < nids; i++)
		rc = pd_add_id(d, a->pub.index, pd_u64(ids + 8 * i));
	if (rc)
		return rc;
	compute_id_positions(d);
	return 0;
}

const struct pd_attr *pd_record_attr(const struct perf_data *d, const uint8_t *rec, size_t size)
{
	uint64_t id;

	if (d->nattrs == 0)
		return NULL;
	if (d->nattrs == 1)
		return d->attrs[0];
	if (pd_u32(rec) == PERF_RECORD_SAMPLE) {
		if (d->id_pos < 0)
			return d->attrs[0];
		if (8 + 8 * (size_t)d->id_pos + 8 > size)
			return NULL;
		id = pd_u64(rec + 8 + 8 * d->id_pos);
	} else {
		if (!(d->attrs[0]->pub.flags & PERF_ATTR_FLAG_SAMPLE_ID_ALL) || d->is_pos < 0)
			return d->attrs[0];
		if (8 * (size_t)d->is_pos + 8 > size)
			return NULL;
		id = pd_u64(rec + size - 8 * d->is_pos);
	}
	if (id == 0) /* synthesized records carry id 0 */
		return d->attrs[0];
	return pd_attr_for_id(d, id);
}

static void info_defaults(struct perf_data_info *in)
{
	in->hostname = in->osrelease = in->version = in->arch = in->cpudesc = in->cpuid = in->cmdline = "";
}

static struct perf_data *pd_new(const char *name)
{
	struct perf_data *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->fd = -1;
	d->id_pos = d->is_pos = -1;
	d->qsorted = true;
	arena_init(&d->arena);
	info_defaults(&d->info);
	d->name = strdup(name);
	if (!d->name) {
		free(d);
		return NULL;
	}
	return d;
}

/* File mode: the header, attrs with their ids, and the feature sections of an image in memory. */
static int parse_file_header(struct perf_data *d, struct errbuf *err)
{
	const uint8_t *img = d->image;
	uint64_t n = d->image_len;
	uint64_t hsize, attr_size, attrs_off, attrs_size, data_off, data_size, fidx;
	unsigned nfeat = 0;

	if (n < PERF_FILE_HEADER_SIZE)
		return errbuf_set(err, -EBADMSG, "cannot read '%s': truncated at offset %" PRIu64 " (file header needs %d bytes)",
				  d->name, n, PERF_FILE_HEADER_SIZE);
	hsize = pd_u64(img + 8);
	attr_size = pd_u64(img + 16);
	attrs_off = pd_u64(img + 24);
	attrs_size = pd_u64(img + 32);
	data_off = pd_u64(img + 40);
	data_size = pd_u64(img + 48);
	memcpy(d->info.features, img + 72, sizeof(d->info.features));
	if (hsize < PERF_FILE_HEADER_SIZE || hsize > n)
		return errbuf_set(err, -EBADMSG, "cannot read '%s': bad header size %" PRIu64 " at offset 8", d->name, hsize);
	if (attr_size < PERF_ATTR_SIZE_VER0 + 16 || attr_size > PERF_ATTR_SIZE_MAX + 16)
		return errbuf_set(err, -EBADMSG, "cannot read '%s': bad attr size %" PRIu64 " at offset 16", d->name,
				  attr_size);
	if (attrs_off > n || attrs_size > n - attrs_off)
		return errbuf_set(err, -EBADMSG, "cannot read '%s': truncated at offset %" PRIu64 " (attrs section %" PRIu64
				  "+%" PRIu64 ")", d->name, n, attrs_off, attrs_size);
	if (attrs_size / attr_size == 0)
		return errbuf_set(err, -EBADMSG, "cannot read '%s': the file lists no events", d->name);
	for (uint64_t i = 0; i < attrs_size / attr_size; i++) {
		uint64_t off = attrs_off + i * attr_size, ids_off, ids_size;
		uint32_t asz;
		int rc;

		asz = pd_u32(img + off + 4);
		if (asz == 0)
			asz = PERF_ATTR_SIZE_VER0;
		if ((uint64_t)asz + 16 > attr_size)
			return errbuf_set(err, -EBADMSG, "cannot read '%s': event attr at offset %" PRIu64 " has a bad size %u",
					  d->name, off, asz);
		/* perf reads the ids section right after attr.size bytes */
		ids_off = pd_u64(img + off + asz);
		ids_size = pd_u64(img + off + asz + 8);
		if (ids_off > n || ids_size > n - ids_off)
			return errbuf_set(err, -EBADMSG, "cannot read '%s': truncated at offset %" PRIu64 " (ids of event %" PRIu64
					  " at %" PRIu64 "+%" PRIu64 ")", d->name, n, i, ids_off, ids_size);
		rc = pd_add_attr(d, img + off, attr_size - 16, img + ids_off, ids_size / 8, off, err);
		if (rc)
			return rc;
	}
	if (data_off < hsize || data_off > n)
		return errbuf_set(err, -EBADMSG, "cannot read '%s': truncated at offset %" PRIu64 " (data section starts at %" PRIu64 ")",
				  d->name, n, data_off);
	d->info.data_offset = data_off;
	d->info.data_size = data_size;
	if (data_size == 0) {
		/* perf record was killed before it wrote the header: the records run to the end */
		d->info.data_size = n - data_off;
		memset(d->info.features, 0, sizeof(d->info.features));
		return 0;
	}
	if (data_size > n - data_off)
		return 0; /* truncated data: perf_data_read() delivers what is there, then reports it */
	fidx = data_off + data_size;
	for (unsigned bit = 0; bit < 256; bit++) {
		uint64_t foff, fsize;
		int rc;

		if (!(d->info.features[bit / 64] >> (bit % 64) & 1))
			continue;
		if (fidx + 16 * (nfeat + 1) > n)
			return 0; /* features cut off: they are optional */
		foff = pd_u64(img + fidx + 16 * nfeat);
		fsize = pd_u64(img + fidx + 16 * nfeat + 8);
		nfeat++;
		if (foff > n || fsize > n - foff)
			continue;
		if (bit == PERF_FEAT_BUILD_ID) {
			d->feat_build_id = img + foff;
			d->feat_build_id_len = fsize;
			d->feat_build_id_off = foff;
			continue;
		}
		rc = pd_parse_feature(d, bit, img + foff, fsize, foff, NULL);
		if (rc == -ENOMEM)
			return errbuf_set(err, rc, "cannot read '%s': out of memory", d->name);
	}
	return 0;
}

static int open_image(struct perf_data *d, struct errbuf *err)
{
	uint64_t magic;

	if (d->image_len < 8)
		return errbuf_set(err, -EBADMSG, "cannot read '%s': %s", d->name,
				  d->image_len ? "not a perf.data file (too short)" : "empty file");
	magic = pd_u64(d->image);
	if (magic == PERF_MAGIC2_SWAPPED)
		return errbuf_set(err, -ENOTSUP, "cannot read '%s': recorded on a machine of the other byte order",
				  d->name);
	if (magic != PERF_MAGIC2)
		return errbuf_set(err, -EBADMSG, "cannot read '%s': not a perf.data file (no PERFILE2 magic)", d->name);
	d->info.file_size = d->image_len;
	if (d->image_len >= 16 && pd_u64(d->image + 8) == PERF_PIPE_HEADER_SIZE) {
		d->info.pipe = true;
		d->info.data_offset = PERF_PIPE_HEADER_SIZE;
		d->info.data_size = d->image_len - PERF_PIPE_HEADER_SIZE;
		return 0;
	}
	return parse_file_header(d, err);
}

struct perf_data *perf_data_open_mem(const void *data, size_t len, const char *name, struct errbuf *err)
{
	struct perf_data *d = pd_new(name ? name : "(memory)");

	if (!d) {
		errbuf_set(err, -ENOMEM, "cannot read '%s': out of memory", name ? name : "(memory)");
		return NULL;
	}
	d->image = data;
	d->image_len = len;
	if (open_image(d, err)) {
		perf_data_close(d);
		return NULL;
	}
	return d;
}

/* Read exactly `len` bytes from the stream into `dst`; returns bytes read (short at EOF) or -errno. */
static ssize_t read_full(int fd, void *dst, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t r = read(fd, (char *)dst + got, len - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

/* A non-seekable input: a pipe stream stays a stream; a file-mode image is read whole. */
static int open_stream(struct perf_data *d, struct errbuf *err)
{
	uint8_t hdr[16];
	ssize_t got = read_full(d->fd, hdr, sizeof(hdr));
	uint64_t magic;

	if (got < 0)
		return errbuf_set(err, (int)got, "cannot read '%s': %s", d->name, strerror((int)-got));
	if (got < 16)
		return errbuf_set(err, -EBADMSG, "cannot read '%s': %s", d->name,
				  got ? "not a perf.data file (too short)" : "empty input");
	magic = pd_u64(hdr);
	if (magic == PERF_MAGIC2_SWAPPED)
		return errbuf_set(err, -ENOTSUP, "cannot read '%s': recorded on a machine of the other byte order",
				  d->name);
	if (magic != PERF_MAGIC2)
		return errbuf_set(err, -EBADMSG, "cannot read '%s': not a perf.data file (no PERFILE2 magic)", d->name);
	if (pd_u64(hdr + 8) == PERF_PIPE_HEADER_SIZE) {
		d->info.pipe = true;
		d->info.data_offset = PERF_PIPE_HEADER_SIZE;
		d->scap = 1 << 20;
		d->sbuf = malloc(d->scap);
		if (!d->sbuf)
			return errbuf_set(err, -ENOMEM, "cannot read '%s': out of memory", d->name);
		d->soff = PERF_PIPE_HEADER_SIZE;
		return 0;
	}
	/* file mode through a pipe: needs random access, so read it all */
	size_t cap = 1 << 20, len = 16;
	uint8_t *img = malloc(cap);
	if (!img)
		return errbuf_set(err, -ENOMEM, "cannot read '%s': out of memory", d->name);
	memcpy(img, hdr, 16);
	for (;;) {
		if (len == cap) {
			uint8_t *n = realloc(img, cap * 2);
			if (!n) {
				free(img);
				return errbuf_set(err, -ENOMEM, "cannot read '%s': out of memory", d->name);
			}
			img = n;
			cap *= 2;
		}
		got = read_full(d->fd, img + len, cap - len);
		if (got < 0) {
			free(img);
			return errbuf_set(err, (int)got, "cannot read '%s': %s", d->name, strerror((int)-got));
		}
		len += (size_t)got;
		if (len < cap)
			break;
	}
	d->owned_image = img;
	d->image = img;
	d->image_len = len;
	if (d->close_fd)
		close(d->fd);
	d->fd = -1;
	return open_image(d, err);
}

struct perf_data *perf_data_open(const char *path, struct errbuf *err)
{
	bool is_stdin = strcmp(path, "-") == 0;
	struct perf_data *d = pd_new(is_stdin ? "standard input" : path);
	struct stat st;
	int rc;

	if (!d) {
		errbuf_set(err, -ENOMEM, "cannot read '%s': out of memory", path);
		return NULL;
	}
	d->fd = is_stdin ? 0 : open(path, O_RDONLY | O_CLOEXEC);
	d->close_fd = !is_stdin;
	if (d->fd < 0) {
		rc = errbuf_set(err, -errno, "cannot open '%s': %s", path, strerror(errno));
		d->close_fd = false;
		goto fail;
	}
	if (fstat(d->fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
		off_t start = is_stdin ? lseek(d->fd, 0, SEEK_CUR) : 0;
		size_t len = (size_t)(st.st_size - (start > 0 ? start : 0));
		void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, d->fd, 0);

		if (m != MAP_FAILED) {
			madvise(m, (size_t)st.st_size, MADV_SEQUENTIAL);
			d->map = m;
			d->image_len = len;
			d->image = (const uint8_t *)m + (st.st_size - len);
			d->map_len = (size_t)st.st_size;
			if (d->close_fd)
				close(d->fd);
			d->fd = -1;
			rc = open_image(d, err);
			if (rc)
				goto fail;
			return d;
		}
	}
	rc = open_stream(d, err);
	if (rc)
		goto fail;
	return d;
fail:
	perf_data_close(d);
	return NULL;
}

void perf_data_close(struct perf_data *d)
{
	if (!d)
		return;
	if (d->map)
		munmap(d->map, d->map_len);
	free(d->owned_image);
	if (d->fd >= 0 && d->close_fd)
		close(d->fd);
	free(d->sbuf);
	for (size_t i = 0; i < d->nattrs; i++) {
		free(d->attrs[i]->ids);
		free(d->attrs[i]->name);
		free(d->attrs[i]);
	}
	free(d->attrs);
	free(d->idtab);
	free(d->scratch);
	free(d->queue);
	while (d->blocks) {
		struct pd_block *b = d->blocks;
		d->blocks = b->next;
		free(b);
	}
	ZSTD_freeDCtx(d->zstd);
	free(d->zbuf);
	arena_release(&d->arena);
	free(d->name);
	free(d);
}

const struct perf_data_info *perf_data_get_info(const struct perf_data *d)
{
	return &d->info;
}

size_t perf_data_attr_count(const struct perf_data *d)
{
	return d->nattrs;
}

const struct perf_data_attr *perf_data_attr_get(const struct perf_data *d, size_t index)
{
	return index < d->nattrs ? &d->attrs[index]->pub : NULL;
}

const struct perf_data_attr *perf_data_attr_by_id(const struct perf_data *d, uint64_t id)
{
	const struct pd_attr *a;

	if (d->nattrs == 1)
		return &d->attrs[0]->pub;
	a = pd_attr_for_id(d, id);
	return a ? &a->pub : NULL;
}

void perf_data_get_stats(const struct perf_data *d, struct perf_data_stats *st)
{
	*st = d->stats;
}

const char *perf_data_name(const struct perf_data *d)
{
	return d->name;
}

bool perf_sample_user_reg(const struct perf_sample *s, unsigned reg, uint64_t *val)
{
	uint64_t mask = s->user_regs_mask;
	unsigned idx;

	if (!s->user_regs_abi || reg >= 64 || !(mask >> reg & 1))
		return false;
	idx = (unsigned)__builtin_popcountll(mask & ((1ULL << reg) - 1));
	if (idx >= s->user_nregs)
		return false;
	*val = s->user_regs[idx];
	return true;
}

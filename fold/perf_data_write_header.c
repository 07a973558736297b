// SPDX-License-Identifier: Apache-2.0
/* perf.data writer: the file header, attrs and feature sections (file mode) or their records (pipe mode); the running kernel's text and build-id. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "fold/perf_data.h"
#include "fold/perf_data_write.h"
#include "fold/perf_data_write_internal.h"
#include "lib/buf.h"
#include "lib/err.h"

/* ---- header and features -------------------------------------------------------------------- */

/* A feature string {u32 len; char s[len]}: NUL included, padded to 64 as perf writes it. */
static int feat_string(struct buf *b, const char *s)
{
	size_t n = strlen(s), padded = (n + 1 + NAME_ALIGN - 1) & ~(size_t)(NAME_ALIGN - 1);
	uint32_t len = (uint32_t)padded;
	static const char zeros[NAME_ALIGN];

	if (buf_add(b, &len, 4) || buf_add(b, s, n) || buf_add(b, zeros, padded - n))
		return -ENOMEM;
	return 0;
}

static int feat_u32(struct buf *b, uint32_t v) { return buf_add(b, &v, 4); }
static int feat_u64(struct buf *b, uint64_t v) { return buf_add(b, &v, 8); }

/* The payload of feature `feat` into `b`; 1 when the feature has nothing to say. */
static int feature_payload(const struct perf_data_writer *w, unsigned feat, struct buf *b)
{
	int rc = 0;

	switch (feat) {
	case PERF_FEAT_BUILD_ID:
		if (w->pipe || !w->nbids)
			return 1;
		for (size_t i = 0; i < w->nbids && !rc; i++) {
			const struct pdw_build_id *e = &w->bids[i];
			size_t n = strlen(e->path), padded = (n + 1 + NAME_ALIGN - 1) & ~(size_t)(NAME_ALIGN - 1);
			struct perf_event_header h = { .type = 0, .misc = e->misc | MISC_BUILD_ID_SIZE };
			uint8_t id[24] = { 0 };
			static const char zeros[NAME_ALIGN];

			/* build_id_event: header, machine pid -1 (the host), id[20], size, pad[3], name */
			h.size = (uint16_t)(sizeof(h) + 4 + sizeof(id) + padded);
			memcpy(id, e->id, e->len);
			id[20] = e->len;
			rc = buf_add(b, &h, sizeof(h)) || feat_u32(b, (uint32_t)-1) || buf_add(b, id, sizeof(id)) ||
			     buf_add(b, e->path, n) || buf_add(b, zeros, padded - n);
		}
		break;
	case PERF_FEAT_HOSTNAME: rc = feat_string(b, w->hostname.data); break;
	case PERF_FEAT_OSRELEASE: rc = feat_string(b, w->osrelease.data); break;
	case PERF_FEAT_VERSION: rc = feat_string(b, w->version.data); break;
	case PERF_FEAT_ARCH: rc = feat_string(b, w->arch.data); break;
	case PERF_FEAT_NRCPUS:
		/* perf 6.1 order: nr_cpus_avail, then nr_cpus_online */
		rc = feat_u32(b, w->nr_cpus_avail) || feat_u32(b, w->nr_cpus_online);
		break;
	case PERF_FEAT_CMDLINE:
		if (!w->argc)
			return 1;
		rc = feat_u32(b, (uint32_t)w->argc);
		for (size_t i = 0; i < w->argc && !rc; i++)
			rc = feat_string(b, w->argv[i]);
		break;
	case PERF_FEAT_EVENT_DESC:
		rc = feat_u32(b, (uint32_t)w->nev) || feat_u32(b, ATTR_SIZE);
		for (size_t i = 0; i < w->nev && !rc; i++)
			rc = buf_add(b, w->ev[i].attr, ATTR_SIZE) || feat_u32(b, 1) || feat_string(b, w->ev[i].name) ||
			     feat_u64(b, w->ev[i].id);
		break;
	case PERF_FEAT_SAMPLE_TIME:
		if (w->pipe || !w->any_time)
			return 1;
		rc = feat_u64(b, w->first_time) || feat_u64(b, w->last_time);
		break;
	default:
		return 1;
	}
	return rc ? -ENOMEM : 0;
}

static const unsigned features[] = {
	PERF_FEAT_BUILD_ID, PERF_FEAT_HOSTNAME, PERF_FEAT_OSRELEASE, PERF_FEAT_VERSION, PERF_FEAT_ARCH,
	PERF_FEAT_NRCPUS, PERF_FEAT_CMDLINE, PERF_FEAT_EVENT_DESC, PERF_FEAT_SAMPLE_TIME,
};
#define NFEATURES (sizeof(features) / sizeof(features[0]))

/* Pipe mode: each feature as a HEADER_FEATURE record {header, u64 feat_id, payload}. */
static int write_pipe_features(struct perf_data_writer *w, struct errbuf *err)
{
	struct buf b = BUF_INIT;
	int rc = 0;

	for (size_t i = 0; i < NFEATURES && !rc; i++) {
		buf_reset(&b);
		rc = feature_payload(w, features[i], &b);
		if (rc < 0)
			rc = pdw_fail(w, err, rc, "out of memory");
		else if (rc == 0 && b.len <= RECORD_MAX - 16) { /* a command line too long for a record is left out */
			pdw_rec_begin(w, PERF_DATA_HEADER_FEATURE, 0);
			pdw_put_u64(w, features[i]);
			pdw_put(w, b.data, b.len);
			rc = pdw_rec_end(w, err);
		} else {
			rc = 0;
		}
	}
	buf_release(&b);
	return rc;
}

/* File mode: the feature index {off,size} per feature, then the payloads, after the data. Sets `bits`. */
static int write_file_features(struct perf_data_writer *w, uint64_t bits[4], struct errbuf *err)
{
	struct buf payload[NFEATURES];
	uint64_t index[2 * NFEATURES], off;
	size_t n = 0;
	int rc = 0;

	for (size_t i = 0; i < NFEATURES; i++)
		buf_init(&payload[i]);
	for (size_t i = 0; i < NFEATURES && !rc; i++) {
		rc = feature_payload(w, features[i], &payload[n]);
		if (rc == 0) {
			bits[features[i] / 64] |= 1ULL << (features[i] % 64);
			n++;
		} else if (rc > 0) {
			buf_reset(&payload[n]);
			rc = 0;
		}
	}
	if (rc < 0)
		rc = pdw_fail(w, err, rc, "out of memory");
	/* the index sits at data.offset + data.size, the payloads follow it, in ascending bit order */
	off = w->st.bytes + 16 * n;
	for (size_t i = 0; i < n; i++) {
		index[2 * i] = off;
		index[2 * i + 1] = payload[i].len;
		off += payload[i].len;
	}
	if (!rc)
		rc = pdw_out_write(w, index, 16 * n, err);
	for (size_t i = 0; i < n && !rc; i++)
		rc = pdw_out_write(w, payload[i].data, payload[i].len, err);
	for (size_t i = 0; i < NFEATURES; i++)
		buf_release(&payload[i]);
	return rc;
}

static void file_header(const struct perf_data_writer *w, uint64_t data_size, const uint64_t bits[4], uint64_t h[13])
{
	h[0] = 0x32454c4946524550ULL; /* "PERFILE2" */
	h[1] = FILE_HEADER_SIZE;
	h[2] = ATTR_ENTRY_SIZE;
	h[3] = FILE_HEADER_SIZE;      /* attrs */
	h[4] = ATTR_ENTRY_SIZE * w->nev;
	h[5] = w->data_offset;        /* data */
	h[6] = data_size;
	h[7] = 0;                     /* event_types: unused since perf 2.6.3x */
	h[8] = 0;
	memcpy(&h[9], bits, 4 * sizeof(uint64_t));
}

/* File mode at open: header (data size 0 for now), attrs with their ids sections, the ids. */
int pdw_write_file_start(struct perf_data_writer *w, struct errbuf *err)
{
	uint64_t h[13], bits[4] = { 0 }, ids_off = FILE_HEADER_SIZE + ATTR_ENTRY_SIZE * w->nev;
	int rc;

	w->data_offset = ids_off + 8 * w->nev;
	file_header(w, 0, bits, h);
	rc = pdw_out_write(w, h, sizeof(h), err);
	for (size_t i = 0; i < w->nev && !rc; i++) {
		uint64_t ids[2] = { ids_off + 8 * i, 8 };
		rc = pdw_out_write(w, w->ev[i].attr, ATTR_SIZE, err);
		if (!rc)
			rc = pdw_out_write(w, ids, sizeof(ids), err);
	}
	for (size_t i = 0; i < w->nev && !rc; i++)
		rc = pdw_out_write(w, &w->ev[i].id, 8, err);
	return rc;
}

/* Pipe mode at open: the short header, a HEADER_ATTR per event (with its id), the features. */
int pdw_write_pipe_start(struct perf_data_writer *w, struct errbuf *err)
{
	uint64_t h[2] = { 0x32454c4946524550ULL, PIPE_HEADER_SIZE };
	int rc = pdw_out_write(w, h, sizeof(h), err);

	for (size_t i = 0; i < w->nev && !rc; i++) {
		pdw_rec_begin(w, PERF_DATA_HEADER_ATTR, 0);
		pdw_put(w, w->ev[i].attr, ATTR_SIZE);
		pdw_put_u64(w, w->ev[i].id);
		rc = pdw_rec_end(w, err);
	}
	if (!rc)
		rc = write_pipe_features(w, err);
	w->data_offset = w->st.bytes;
	return rc;
}

int pdw_write_file_end(struct perf_data_writer *w, struct errbuf *err)
{
	uint64_t bits[4] = { 0 }, h[13], data_size;
	int rc = 0;

	/* a data size of 0 means "perf record was killed: read to the end", so an empty file gets a FINISHED_ROUND */
	if (w->st.bytes == w->data_offset) {
		pdw_rec_begin(w, PERF_DATA_FINISHED_ROUND, 0);
		rc = pdw_rec_end(w, err);
	}
	data_size = w->st.bytes - w->data_offset;
	if (!rc)
		rc = write_file_features(w, bits, err);

	file_header(w, data_size, bits, h);
	errno = 0;
	if (!rc && (fflush(w->out) || fseeko(w->out, 0, SEEK_SET))) {
		int e = errno ? errno : EIO;
		return pdw_fail(w, err, -e, strerror(e));
	}
	if (!rc) {
		rc = pdw_out_write(w, h, sizeof(h), err);
		w->st.bytes -= sizeof(h); /* rewritten, not added */
	}
	errno = 0;
	if (!rc && fseeko(w->out, 0, SEEK_END)) {
		int e = errno ? errno : EIO;
		return pdw_fail(w, err, -e, strerror(e));
	}
	return rc;
}

/* ---- the running kernel --------------------------------------------------------------------- */

/* The GNU build-id note in an ELF note section image. */
static size_t notes_build_id(const uint8_t *p, size_t len, uint8_t out[BUILD_ID_MAX])
{
	size_t off = 0;

	while (len - off >= 12) {
		uint32_t namesz, descsz, type;
		size_t name_off = off + 12, desc_off;

		memcpy(&namesz, p + off, 4);
		memcpy(&descsz, p + off + 4, 4);
		memcpy(&type, p + off + 8, 4);
		desc_off = name_off + (((size_t)namesz + 3) & ~(size_t)3);
		if (namesz > len || descsz > len || desc_off > len || len - desc_off < descsz)
			return 0;
		if (type == 3 /* NT_GNU_BUILD_ID */ && namesz == 4 && !memcmp(p + name_off, "GNU", 4) && descsz &&
		    descsz <= BUILD_ID_MAX) {
			memcpy(out, p + desc_off, descsz);
			return descsz;
		}
		off = desc_off + (((size_t)descsz + 3) & ~(size_t)3);
		if (off > len)
			return 0;
	}
	return 0;
}

int perf_data_kernel_probe(struct perf_data_write_kernel *k, const char *kallsyms, const char *notes,
			   struct errbuf *err)
{
	FILE *f;
	char *line = NULL;
	size_t cap = 0;
	bool have_text = false, have_etext = false;
	uint8_t nbuf[4096];
	size_t n;

	memset(k, 0, sizeof(*k));
	kallsyms = kallsyms ? kallsyms : "/proc/kallsyms";
	f = fopen(kallsyms, "r");
	if (!f)
		return errbuf_set(err, -errno, "cannot open '%s': %s", kallsyms, strerror(errno));
	while ((!have_text || !have_etext) && getline(&line, &cap, f) > 0) {
		char *end, *name;
		uint64_t addr = strtoull(line, &end, 16);

		if (end == line || end[0] != ' ' || !end[1] || end[2] != ' ')
			continue;
		name = end + 3;
		name[strcspn(name, " \t\n")] = 0;
		if (!strcmp(name, "_text") && !have_text) {
			k->text_start = addr;
			have_text = true;
		} else if (!strcmp(name, "_etext") && !have_etext) {
			k->text_end = addr;
			have_etext = true;
		}
	}
	free(line);
	fclose(f);
	if (!have_text)
		return errbuf_set(err, -ENOENT, "no _text symbol in '%s'", kallsyms);
	if (!k->text_start)
		return errbuf_set(err, -EPERM, "kernel addresses are hidden in '%s' (kernel.kptr_restrict)", kallsyms);
	if (k->text_end <= k->text_start)
		k->text_end = 0;
	f = fopen(notes ? notes : "/sys/kernel/notes", "rb");
	if (f) {
		n = fread(nbuf, 1, sizeof(nbuf), f);
		fclose(f);
		k->build_id_len = notes_build_id(nbuf, n, k->build_id);
	}
	return 0;
}

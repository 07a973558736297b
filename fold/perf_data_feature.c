// SPDX-License-Identifier: Apache-2.0
/* perf.data decoder: feature sections (file mode) and HEADER_FEATURE records (pipe mode). */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "fold/perf_data.h"
#include "fold/perf_data_internal.h"
#include "lib/err.h"

/* A feature string {u32 len; char s[len]} at *p; advances *p. NULL on damage or ENOMEM (*bad set). */
static const char *feat_string(struct perf_data *d, const uint8_t **p, const uint8_t *end, bool *bad)
{
	uint32_t len;
	const char *s;

	if (end - *p < 4) {
		*bad = true;
		return NULL;
	}
	len = pd_u32(*p);
	*p += 4;
	if ((uint64_t)(end - *p) < len) {
		*bad = true;
		return NULL;
	}
	s = arena_strndup(&d->arena, (const char *)*p, strnlen((const char *)*p, len));
	*p += len;
	if (!s)
		*bad = true;
	return s;
}

static int parse_event_desc(struct perf_data *d, const uint8_t *p, const uint8_t *end)
{
	uint32_t nr, attr_size;

	if (end - p < 8)
		return -EBADMSG;
	nr = pd_u32(p);
	attr_size = pd_u32(p + 4);
	p += 8;
	for (uint32_t i = 0; i < nr; i++) {
		uint32_t nr_ids, len;
		int rc;

		if ((uint64_t)(end - p) < (uint64_t)attr_size + 8)
			return -EBADMSG;
		p += attr_size;
		nr_ids = pd_u32(p);
		len = pd_u32(p + 4);
		p += 8;
		if ((uint64_t)(end - p) < len)
			return -EBADMSG;
		rc = pd_set_attr_name(d, i, (const char *)p, len);
		if (rc)
			return rc;
		p += len;
		if ((uint64_t)(end - p) / 8 < nr_ids)
			return -EBADMSG;
		p += 8 * (size_t)nr_ids;
	}
	return 0;
}

static void set_string(const char **field, const char *s)
{
	if (s)
		*field = s;
}

int pd_parse_feature(struct perf_data *d, unsigned feat, const uint8_t *p, size_t len, uint64_t offset,
		     struct errbuf *err)
{
	const uint8_t *end = p + len;
	struct perf_data_info *in = &d->info;
	bool bad = false;
	int rc = 0;

	switch (feat) {
	case PERF_FEAT_HOSTNAME: set_string(&in->hostname, feat_string(d, &p, end, &bad)); break;
	case PERF_FEAT_OSRELEASE: set_string(&in->osrelease, feat_string(d, &p, end, &bad)); break;
	case PERF_FEAT_VERSION: set_string(&in->version, feat_string(d, &p, end, &bad)); break;
	case PERF_FEAT_ARCH: set_string(&in->arch, feat_string(d, &p, end, &bad)); break;
	case PERF_FEAT_CPUDESC: set_string(&in->cpudesc, feat_string(d, &p, end, &bad)); break;
	case PERF_FEAT_CPUID: set_string(&in->cpuid, feat_string(d, &p, end, &bad)); break;
	case PERF_FEAT_NRCPUS:
		if (len < 8)
			bad = true;
		else {
			in->nr_cpus_avail = pd_u32(p);
			in->nr_cpus_online = pd_u32(p + 4);
		}
		break;
	case PERF_FEAT_TOTAL_MEM:
		if (len < 8)
			bad = true;
		else
			in->total_mem_kb = pd_u64(p);
		break;
	case PERF_FEAT_SAMPLE_TIME:
		if (len < 16)
			bad = true;
		else {
			in->first_sample_time = pd_u64(p);
			in->last_sample_time = pd_u64(p + 8);
		}
		break;
	case PERF_FEAT_COMPRESSED:
		if (len < 20)
			bad = true;
		else {
			in->comp_type = pd_u32(p + 4);
			in->comp_mmap_len = pd_u32(p + 16);
		}
		break;
	case PERF_FEAT_CMDLINE: {
		char *joined;
		size_t jlen = 0;
		uint32_t nr;

		if (len < 4) {
			bad = true;
			break;
		}
		nr = pd_u32(p);
		p += 4;
		if (nr > len) { /* each string takes at least 4 bytes */
			bad = true;
			break;
		}
		joined = arena_alloc(&d->arena, len + 1);
		if (!joined) {
			rc = -ENOMEM;
			break;
		}
		for (uint32_t i = 0; i < nr && !bad; i++) {
			const char *s = feat_string(d, &p, end, &bad);
			size_t sl;

			if (!s)
				break;
			sl = strlen(s);
			if (jlen + sl + 1 > len)
				break;
			if (jlen)
				joined[jlen++] = ' ';
			memcpy(joined + jlen, s, sl);
			jlen += sl;
		}
		joined[jlen] = 0;
		in->cmdline = joined;
		break;
	}
	case PERF_FEAT_EVENT_DESC:
		rc = parse_event_desc(d, p, end);
		if (rc == -EBADMSG) {
			bad = true;
			rc = 0;
		}
		break;
	default:
		break;
	}
	if (rc)
		return rc;
	if (bad)
		return errbuf_set(err, -EBADMSG, "cannot read '%s': feature section %u at offset %" PRIu64 " is damaged",
				  d->name, feat, offset);
	return 0;
}

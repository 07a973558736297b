// SPDX-License-Identifier: Apache-2.0
/* speedscope output: the profile as one "sampled" profile of speedscope's file format. */
#include "fold/export.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "fold/profile.h"
#include "lib/buf.h"
#include "lib/err.h"

#define FLUSH_AT (1 << 18)

struct sout {
	FILE *fp;
	struct buf b;
	int err;
};

static void sflush(struct sout *o)
{
	if (o->b.len && fwrite(o->b.data, 1, o->b.len, o->fp) != o->b.len && !o->err)
		o->err = -EIO;
	buf_reset(&o->b);
}

static void scheck(struct sout *o, int rc)
{
	if (rc < 0 && !o->err)
		o->err = -ENOMEM;
	if (o->b.len >= FLUSH_AT)
		sflush(o);
}

static void sstr(struct sout *o, const char *s, size_t len)
{
	scheck(o, buf_addch(&o->b, '"'));
	scheck(o, json_escape(&o->b, s, len));
	scheck(o, buf_addch(&o->b, '"'));
}

/* speedscope's units: none, nanoseconds, microseconds, milliseconds, seconds, bytes. */
static const char *speedscope_unit(const char *unit)
{
	static const char *const known[] = { "nanoseconds", "microseconds", "milliseconds", "seconds", "bytes" };
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(unit, known[i]) == 0)
			return known[i];
	return "none";
}

int profile_write_speedscope(const struct profile *p, FILE *out, uint32_t value_index, const char *name,
			     struct errbuf *err)
{
	if (value_index >= profile_value_count(p))
		return errbuf_set(err, -EINVAL, "the profile has no value %u", (unsigned)value_index);
	size_t nf = profile_frame_count(p), ns = profile_stack_count(p);
	/* frames are numbered in order of first use, so unused frames are left out */
	uint32_t *index = malloc((nf ? nf : 1) * sizeof(*index));
	uint32_t *order = malloc((nf ? nf : 1) * sizeof(*order));
	struct sout o = { .fp = out, .b = BUF_INIT };
	int rc = 0;
	if (!index || !order) {
		rc = errbuf_set(err, -ENOMEM, "out of memory writing the speedscope profile");
		goto out;
	}
	memset(index, 0xff, (nf ? nf : 1) * sizeof(*index));
	uint32_t used = 0;
	int64_t total = 0;
	for (uint32_t i = 0; i < ns; i++) {
		struct profile_stack s = profile_stack_get(p, i);
		if (s.values[value_index] <= 0)
			continue;
		if (__builtin_add_overflow(total, s.values[value_index], &total)) {
			rc = errbuf_set(err, -EOVERFLOW, "profile values overflow a 64-bit total");
			goto out;
		}
		for (uint32_t k = 0; k < s.depth; k++) {
			if (index[s.frames[k]] == UINT32_MAX) {
				index[s.frames[k]] = used;
				order[used++] = s.frames[k];
			}
		}
	}

	scheck(&o, buf_addstr(&o.b, "{\"$schema\":\"https://www.speedscope.app/file-format-schema.json\","
				    "\"exporter\":\"scorch\",\"name\":"));
	const char *title = name ? name : "scorch";
	sstr(&o, title, strlen(title));
	scheck(&o, buf_addstr(&o.b, ",\"activeProfileIndex\":0,\"shared\":{\"frames\":["));
	for (uint32_t i = 0; i < used; i++) {
		const struct frame *f = profile_frame_get(p, order[i]);
		scheck(&o, buf_addstr(&o.b, i ? ",\n{\"name\":" : "\n{\"name\":"));
		sstr(&o, profile_str(p, f->name), profile_str_len(p, f->name));
		if (f->file) {
			scheck(&o, buf_addstr(&o.b, ",\"file\":"));
			sstr(&o, profile_str(p, f->file), profile_str_len(p, f->file));
		} else if (f->module) {
			/* no source file: the binary is the best "file" speedscope can show */
			scheck(&o, buf_addstr(&o.b, ",\"file\":"));
			sstr(&o, profile_str(p, f->module), profile_str_len(p, f->module));
		}
		if (f->line)
			scheck(&o, buf_addf(&o.b, ",\"line\":%u", f->line));
		scheck(&o, buf_addch(&o.b, '}'));
	}
	struct value_type vt = profile_value_type(p, value_index);
	scheck(&o, buf_addstr(&o.b, "]},\"profiles\":[{\"type\":\"sampled\",\"name\":"));
	const char *type = profile_str(p, vt.type);
	sstr(&o, type, strlen(type));
	scheck(&o, buf_addf(&o.b, ",\"unit\":\"%s\",\"startValue\":0,\"endValue\":%lld,\"samples\":[",
			    speedscope_unit(profile_str(p, vt.unit)), (long long)total));
	bool first = true;
	for (uint32_t i = 0; i < ns && !o.err; i++) {
		struct profile_stack s = profile_stack_get(p, i);
		if (s.values[value_index] <= 0)
			continue;
		scheck(&o, buf_addstr(&o.b, first ? "\n[" : ",\n["));
		first = false;
		for (uint32_t k = 0; k < s.depth; k++)
			scheck(&o, buf_addf(&o.b, k ? ",%u" : "%u", index[s.frames[k]]));
		scheck(&o, buf_addch(&o.b, ']'));
	}
	scheck(&o, buf_addstr(&o.b, "],\"weights\":["));
	first = true;
	for (uint32_t i = 0; i < ns && !o.err; i++) {
		struct profile_stack s = profile_stack_get(p, i);
		if (s.values[value_index] <= 0)
			continue;
		scheck(&o, buf_addf(&o.b, first ? "%lld" : ",%lld", (long long)s.values[value_index]));
		first = false;
	}
	scheck(&o, buf_addstr(&o.b, "]}]}\n"));
	sflush(&o);
	if (!o.err && fflush(out) != 0)
		o.err = -EIO;
	if (o.err == -ENOMEM)
		rc = errbuf_set(err, -ENOMEM, "out of memory writing the speedscope profile");
	else if (o.err)
		rc = errbuf_set(err, o.err, "cannot write the speedscope profile: %s", strerror(-o.err));
out:
	free(index);
	free(order);
	buf_release(&o.b);
	return rc;
}

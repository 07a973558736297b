// SPDX-License-Identifier: Apache-2.0
/* bpftrace 0.17 messages other than maps and printf: attach count, lost events, print(value), time(), join(). */
#include "probes/output.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "probes/output_internal.h"

/* JsonOutput::message(type, msg): {"type": "<type>", "data": "<escaped msg>"} */
static void write_json_message(struct writer *w, const char *type, const char *msg, size_t len)
{
	writer_f(w, "{\"type\": \"%s\", \"data\": \"", type);
	writer_json_escaped(w, msg, len);
	writer_str(w, "\"}\n");
}

int output_attached_probes(const struct output *o, uint64_t nprobes)
{
	struct writer w = { .b = o->buf, .err = 0 };

	if (o->format == OUTPUT_JSON)
		writer_f(&w, "{\"type\": \"attached_probes\", \"data\": {\"probes\": %" PRIu64 "}}\n", nprobes);
	else
		writer_f(&w, "Attaching %" PRIu64 " probe%s...\n", nprobes, nprobes == 1 ? "" : "s");
	return w.err;
}

int output_lost_events(const struct output *o, uint64_t nlost)
{
	struct writer w = { .b = o->buf, .err = 0 };

	if (o->format == OUTPUT_JSON)
		writer_f(&w, "{\"type\": \"lost_events\", \"data\": {\"events\": %" PRIu64 "}}\n", nlost);
	else
		writer_f(&w, "Lost %" PRIu64 " events\n", nlost);
	return w.err;
}

int output_value(const struct output *o, const struct output_value *v)
{
	struct writer w = { .b = o->buf, .err = 0 };

	if (o->format == OUTPUT_JSON) {
		writer_str(&w, "{\"type\": \"value\", \"data\": ");
		output_write_value(&w, OUTPUT_JSON, v, 1);
		writer_str(&w, "}\n");
	} else {
		output_write_value(&w, OUTPUT_TEXT, v, 1);
		writer_ch(&w, '\n');
	}
	return w.err;
}

int output_time(const struct output *o, const char *fmt, const struct tm *tm)
{
	/* bpftrace formats into a STRING_SIZE (64) buffer and gives up when strftime returns 0 */
	char text[64];
	size_t n = strftime(text, sizeof(text), fmt, tm);
	struct writer w = { .b = o->buf, .err = 0 };

	if (n == 0)
		return -ERANGE;
	if (o->format == OUTPUT_JSON)
		write_json_message(&w, "time", text, n);
	else
		writer_add(&w, text, n);
	return w.err;
}

int output_join(const struct output *o, const char *const *parts, size_t nparts, const char *delim)
{
	struct buf tmp = BUF_INIT;
	struct writer t = { .b = &tmp, .err = 0 };
	struct writer w = { .b = o->buf, .err = 0 };

	for (size_t i = 0; i < nparts; i++) {
		if (i)
			writer_str(&t, delim);
		writer_str(&t, parts[i]);
	}
	if (o->format == OUTPUT_JSON) {
		write_json_message(&w, "join", tmp.data, tmp.len);
	} else {
		writer_add(&w, tmp.data, tmp.len);
		writer_ch(&w, '\n');
	}
	buf_release(&tmp);
	return t.err ? t.err : w.err;
}

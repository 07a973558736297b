// SPDX-License-Identifier: Apache-2.0
/* libFuzzer target: the perf script and folded text readers, fed in two chunks, then the sorted folded lines. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fold/fold.h"
#include "fold/profile.h"
#include "lib/err.h"

static void fold_one(enum fold_text_kind kind, const uint8_t *data, size_t size, unsigned flags, size_t split)
{
	struct profile *p = profile_new();
	struct errbuf err;
	struct fold_read_opts o = { .flags = flags & 0x7f, .count_samples = flags & 0x80, .srcline = flags & 0x200 };
	int64_t pid = 1;
	if (flags & 0x100) {
		o.pids = &pid;
		o.npids = 1;
	}
	if (!p)
		return;
	errbuf_init(&err);
	struct fold_reader *r = fold_reader_new(kind, p, &o);
	if (r) {
		/* the same bytes across a chunk boundary must parse as they do whole */
		if (fold_reader_feed(r, data, split, &err) == 0 &&
		    fold_reader_feed(r, data + split, size - split, &err) == 0 && fold_reader_finish(r, &err) == 0 &&
		    profile_value_count(p)) {
			struct folded_lines l;
			struct folded_write_opts wo = { 0 };
			if (folded_is_differential(p)) {
				wo.differential = true;
				wo.value2 = 1;
			}
			if (folded_lines_build(p, &wo, &l, &err) == 0) {
				/* sorted, merged: strictly increasing byte order */
				for (size_t i = 1; i < l.count; i++) {
					size_t n = l.lines[i - 1].len < l.lines[i].len ? l.lines[i - 1].len : l.lines[i].len;
					int c = memcmp(l.lines[i - 1].stack, l.lines[i].stack, n);
					if (c > 0 || (c == 0 && l.lines[i - 1].len >= l.lines[i].len))
						__builtin_trap();
				}
				folded_lines_release(&l);
			}
		}
		fold_reader_free(r);
	}
	errbuf_release(&err);
	profile_free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned flags = 0;
	size_t split = 0;
	if (size >= 2) {
		/* the first two bytes pick the fold flags and where the input splits */
		flags = (unsigned)data[0] | ((unsigned)(data[1] & 3) << 8);
		split = data[1] >> 2;
		data += 2;
		size -= 2;
	}
	if (split > size)
		split = size;
	(void)fold_text_detect((const char *)data, size);
	fold_one(FOLD_TEXT_PERF_SCRIPT, data, size, flags, split);
	fold_one(FOLD_TEXT_FOLDED, data, size, flags, split);
	return 0;
}

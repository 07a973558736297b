// SPDX-License-Identifier: Apache-2.0
/* libFuzzer target for the pprof reader: any bytes as a gunzipped Profile, read, then folded out. */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "fold/fold.h"
#include "fold/pprof.h"
#include "fold/profile.h"
#include "lib/err.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct profile *p = profile_new();
	struct errbuf err;
	struct pprof_read_stats st;

	if (!p)
		return 0;
	errbuf_init(&err);
	(void)pprof_looks_like(data, size);
	/* with every mark: names are built, not just copied */
	if (pprof_read(data, size, p, FOLD_INLINE_TAG | FOLD_KERNEL_TAG, &st, &err) == 0 && profile_value_count(p)) {
		FILE *out = fopen("/dev/null", "w");
		if (out) {
			struct folded_write_opts wo = { .value = 0 };
			(void)folded_write(p, out, &wo, &err);
			fclose(out);
		}
	}
	errbuf_release(&err);
	profile_free(p);
	return 0;
}

// SPDX-License-Identifier: Apache-2.0
/* perf.data replay: placeholder until the perf.data reader lands (see perf_replay.h). */
#include "symbolize/perf_replay.h"

#include <errno.h>

#include "lib/err.h"

int perf_replay_file(const char *path, const struct perf_replay_opts *o, struct profile *p, struct errbuf *err)
{
	(void)o;
	(void)p;
	return errbuf_set(err, -ENOSYS, "cannot read '%s': perf.data input is not supported yet", path);
}

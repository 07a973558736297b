// SPDX-License-Identifier: Apache-2.0
/* libbpf log routing (see log.h). */
#include "lib/log.h"

#include <stdarg.h>
#include <stdio.h>

#include <bpf/libbpf.h>

static int libbpf_verbosity;

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG && libbpf_verbosity < 2)
		return 0;
	if (level == LIBBPF_INFO && libbpf_verbosity < 1)
		return 0;
	/* Without -v, libbpf's warnings repeat what our own error line says better. */
	if (level == LIBBPF_WARN && libbpf_verbosity < 1)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

void libbpf_log_setup(int verbosity)
{
	libbpf_verbosity = verbosity;
	libbpf_set_print(libbpf_print);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Prerequisite checks for live (real BPF) cmocka tests: skip with a reason, or fail under SCORCH_REQUIRE_LIVE=1. */
#ifndef SCORCH_TESTS_LIVE_H
#define SCORCH_TESTS_LIVE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Inside a cmocka test: if `cond` is false, skip the test with `reason` (or fail when required). */
#define LIVE_REQUIRE(cond, reason)                                                        \
	do {                                                                              \
		if (!(cond)) {                                                            \
			const char *req_ = getenv("SCORCH_REQUIRE_LIVE");                 \
			printf("SKIPPED: %s\n", (reason));                               \
			if (req_ && strcmp(req_, "1") == 0)                               \
				fail_msg("prerequisite missing under SCORCH_REQUIRE_LIVE=1: %s", (reason)); \
			skip();                                                           \
		}                                                                         \
	} while (0)

static inline int live_have_bpf(void)
{
	return access("/sys/kernel/btf/vmlinux", R_OK) == 0 && geteuid() == 0;
}

#endif

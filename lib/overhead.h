/* SPDX-License-Identifier: Apache-2.0 */
/* The overhead guard's rule: a run time's share of one CPU, checked once a second, over budget twice in a row. */
#ifndef SCORCH_LIB_OVERHEAD_H
#define SCORCH_LIB_OVERHEAD_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Fed with a clock and a growing run-time counter (BPF programs' run_time_ns),
 * it says when the run time took more than `budget_pct` of one CPU in each of
 * two whole seconds in a row: whole seconds, twice, so that a burst (the start,
 * when every stack is new) does not trip it. Zero-initialise, set budget_pct.
 */
struct overhead_guard {
	double budget_pct;       /* % of one CPU; 0 = never over */
	uint64_t last_ns;        /* the clock at the last check (0: none yet) */
	uint64_t last_run_ns;    /* the counter then */
	double last_over_pct;    /* the last second's share when it was over, else 0 */
	double over_pct;         /* once over: the mean share of the two seconds */
};

/*
 * Check at `now_ns` with the counter at `run_ns`: true once over budget. At
 * most once a second counts; earlier calls return false and change nothing.
 * The first call sets the baseline.
 */
bool overhead_guard_check(struct overhead_guard *g, uint64_t now_ns, uint64_t run_ns);

/* Would a check at `now_ns` count (the guard is on and a second has passed)? Reading the counter costs syscalls. */
bool overhead_guard_due(const struct overhead_guard *g, uint64_t now_ns);

#endif

// SPDX-License-Identifier: Apache-2.0
/* The overhead guard's rule (see overhead.h), shared by scorch record and scorch trace. */
#include "lib/overhead.h"

#define SECOND_NS 1000000000ull

bool overhead_guard_due(const struct overhead_guard *g, uint64_t now_ns)
{
	return g->budget_pct > 0 && (!g->last_ns || now_ns - g->last_ns >= SECOND_NS);
}

bool overhead_guard_check(struct overhead_guard *g, uint64_t now_ns, uint64_t run_ns)
{
	if (g->budget_pct <= 0)
		return false;
	if (g->last_ns && now_ns - g->last_ns < SECOND_NS)
		return false;
	bool over = false;
	if (g->last_ns && run_ns >= g->last_run_ns && now_ns > g->last_ns) {
		double pct = 100.0 * (double)(run_ns - g->last_run_ns) / (double)(now_ns - g->last_ns);
		if (pct > g->budget_pct) {
			over = g->last_over_pct > 0;
			g->over_pct = over ? (pct + g->last_over_pct) / 2 : pct;
			g->last_over_pct = pct;
		} else {
			g->last_over_pct = 0;
		}
	}
	g->last_ns = now_ns;
	g->last_run_ns = run_ns;
	return over;
}

// SPDX-License-Identifier: Apache-2.0
/* Lookup of built-in variables and functions across the themed tables. */
#include "probes/builtins.h"

#include <string.h>

#include "probes/check.h"
#include "probes/internal.h"

struct table {
	const struct builtin *items;
	const size_t *n;
};

static const struct table tables[] = {
	{ builtins_vars, &builtins_vars_n },
	{ builtins_funcs, &builtins_funcs_n },
	{ builtins_aggs, &builtins_aggs_n },
	{ builtins_actions, &builtins_actions_n },
};

const struct builtin *builtin_find(const char *name, size_t len, unsigned kinds)
{
	for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++) {
		for (size_t i = 0; i < *tables[t].n; i++) {
			const struct builtin *b = &tables[t].items[i];
			if ((b->kind & kinds) && strlen(b->name) == len && memcmp(b->name, name, len) == 0)
				return b;
		}
	}
	return NULL;
}

const char *builtin_suggest(const char *word, unsigned kinds)
{
	const char *names[128];
	size_t n = 0;
	for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++)
		for (size_t i = 0; i < *tables[t].n && n < 128; i++)
			if (tables[t].items[i].kind & kinds)
				names[n++] = tables[t].items[i].name;
	return diag_suggest(word, names, n);
}

/* SPDX-License-Identifier: Apache-2.0 */
/* Tracepoints through tracefs: finding (or mounting) it, listing events, parsing their format files (probes/ internal). */
#ifndef SCORCH_PROBES_TRACEPOINT_H
#define SCORCH_PROBES_TRACEPOINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "probes/ast.h"

struct errbuf;

enum tp_field_kind {
	TPF_INT,	/* integer of `size` bytes */
	TPF_STR,	/* char array: a string of `size` bytes */
	TPF_PTR,	/* pointer */
	TPF_ARRAY,	/* array of `nelems` integers of `elem_size` bytes */
	TPF_DATA_LOC,	/* __data_loc: u32 (len << 16 | offset) of data inside the record */
};

struct tp_field {
	const char *name;
	const char *ctype;	/* the C type as tracefs writes it ("const char *") */
	enum tp_field_kind kind;
	uint32_t offset, size;
	bool is_signed;
	uint32_t elem_size, nelems;
	struct type ty;		/* the language's type of the field's value */
};

struct tp_format {
	char *category, *name;
	uint32_t id;		/* perf tracepoint id */
	struct tp_field *fields;	/* common_* fields excluded */
	size_t nfields;
	uint32_t record_size;	/* bytes up to the end of the last field */
};

/*
 * The tracefs directory: /sys/kernel/tracing, else /sys/kernel/debug/tracing;
 * when neither is mounted, tracefs is mounted at /sys/kernel/tracing (needs
 * root). Returns a static path, or NULL with `err` filled.
 */
const char *tracefs_path(struct errbuf *err);

/* Parse events/CAT/NAME/format. NULL with `err` filled (-ENOENT: no such tracepoint). Free with tp_format_free(). */
struct tp_format *tp_format_load(const char *category, const char *name, struct errbuf *err);
/* Parse format text (for tests): NULL with `err` filled on malformed text. */
struct tp_format *tp_format_parse(const char *category, const char *name, const char *text, size_t len,
				  struct errbuf *err);
void tp_format_free(struct tp_format *f);
/* The field called `name`, or NULL. */
const struct tp_field *tp_format_field(const struct tp_format *f, const char *name);

/*
 * Call `cb` for each tracepoint "category:name" matching the glob patterns
 * (fnmatch) in tracefs available_events, sorted. `cb` returns 0 to go on, or
 * non-zero to stop (returned). Returns 0, the callback's value, or a negative
 * errno with `err` filled.
 */
typedef int tp_list_cb(const char *category, const char *name, void *arg);
int tp_list(const char *cat_glob, const char *name_glob, tp_list_cb *cb, void *arg, struct errbuf *err);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
/* File helpers: whole-file reads and atomic writes (temporary file, then rename). */
#ifndef SCORCH_LIB_FILE_H
#define SCORCH_LIB_FILE_H

#include <stdio.h>

#include "lib/buf.h"

struct errbuf;

/*
 * An output file being written. Data goes to a temporary file in the same
 * directory; atomic_file_commit() renames it over `path`, so a crash never
 * leaves half a file under the real name. A symlink is followed (the link
 * stays, its target is replaced). Path "-" writes to stdout, and an existing
 * file that is not a regular one (/dev/null, a FIFO, /dev/stdout) is written
 * in place: a rename would replace the device node itself.
 */
struct atomic_file {
	FILE *fp;       /* write here */
	char *path;     /* final name (owned) */
	char *tmp_path; /* temporary name (owned); NULL when writing in place */
};

/* Open `path` for writing. Returns 0 or a negative errno with `err` filled. */
int atomic_file_open(struct atomic_file *f, const char *path, struct errbuf *err);
/* Flush, close and rename into place. Returns 0 or a negative errno with `err` filled; the temp file is removed on failure. */
int atomic_file_commit(struct atomic_file *f, struct errbuf *err);
/* Close and delete the temporary file (no-op if never opened or already committed). */
void atomic_file_abort(struct atomic_file *f);

/* Append the whole of `path` ("-" = stdin) to `out`. Returns 0 or a negative errno with `err` filled. */
int file_read_all(const char *path, struct buf *out, struct errbuf *err);

#endif

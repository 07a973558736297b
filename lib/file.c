// SPDX-License-Identifier: Apache-2.0
/* File helpers (see file.h). */
#include "lib/file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/err.h"

int atomic_file_open(struct atomic_file *f, const char *path, struct errbuf *err)
{
	memset(f, 0, sizeof(*f));
	if (strcmp(path, "-") == 0) {
		f->fp = stdout;
		f->path = strdup(path);
		return f->path ? 0 : errbuf_set(err, -ENOMEM, "out of memory");
	}
	struct stat st;
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		if (S_ISDIR(st.st_mode))
			return errbuf_set(err, -EISDIR, "cannot write '%s': is a directory", path);
		f->path = strdup(path);
		if (!f->path)
			return errbuf_set(err, -ENOMEM, "out of memory");
		f->fp = fopen(path, "w");
		if (!f->fp) {
			int e = errno;
			atomic_file_abort(f);
			return errbuf_set(err, -e, "cannot write '%s': %s", path, strerror(e));
		}
		return 0;
	}
	/* Replace a symlink's target, not the link: rename() would swap the link for a file. */
	char *real = NULL;
	struct stat lst;
	if (lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode))
		real = realpath(path, NULL);
	f->path = real ? real : strdup(path);
	size_t n = strlen(f->path);
	f->tmp_path = malloc(n + sizeof(".tmp.XXXXXX"));
	if (!f->path || !f->tmp_path) {
		atomic_file_abort(f);
		return errbuf_set(err, -ENOMEM, "out of memory");
	}
	memcpy(f->tmp_path, f->path, n);
	memcpy(f->tmp_path + n, ".tmp.XXXXXX", sizeof(".tmp.XXXXXX"));
	int fd = mkstemp(f->tmp_path);
	if (fd < 0) {
		int e = errno;
		free(f->tmp_path);
		f->tmp_path = NULL;
		atomic_file_abort(f);
		return errbuf_set(err, -e, "cannot create '%s': %s", path, strerror(e));
	}
	/* mkstemp makes 0600; an output file should get the usual umask-based mode. */
	mode_t mask = umask(0);
	umask(mask);
	fchmod(fd, 0666 & ~mask);
	f->fp = fdopen(fd, "w");
	if (!f->fp) {
		int e = errno;
		close(fd);
		atomic_file_abort(f);
		return errbuf_set(err, -e, "cannot write '%s': %s", path, strerror(e));
	}
	return 0;
}

int atomic_file_commit(struct atomic_file *f, struct errbuf *err)
{
	int rc = 0;
	if (!f->fp)
		return errbuf_set(err, -EBADF, "output file was not opened");
	if (!f->tmp_path) {
		/* stdout, or a device/FIFO written in place */
		int bad = fflush(f->fp) != 0 || ferror(f->fp);
		int e = errno ? errno : EIO;
		if (f->fp != stdout && fclose(f->fp) != 0 && !bad) {
			bad = 1;
			e = errno;
		}
		if (bad)
			rc = f->fp == stdout ? errbuf_set(err, -e, "cannot write to standard output: %s", strerror(e))
					     : errbuf_set(err, -e, "cannot write '%s': %s", f->path, strerror(e));
		f->fp = NULL;
		free(f->path);
		f->path = NULL;
		return rc;
	}
	int bad = ferror(f->fp);
	int e = errno;
	if (fclose(f->fp) != 0 && !bad) {
		bad = 1;
		e = errno;
	}
	f->fp = NULL;
	if (bad) {
		rc = errbuf_set(err, -(e ? e : EIO), "cannot write '%s': %s", f->path, strerror(e ? e : EIO));
	} else if (rename(f->tmp_path, f->path) != 0) {
		e = errno;
		rc = errbuf_set(err, -e, "cannot rename '%s' to '%s': %s", f->tmp_path, f->path, strerror(e));
	} else {
		free(f->tmp_path);
		f->tmp_path = NULL;
	}
	atomic_file_abort(f);
	return rc;
}

void atomic_file_abort(struct atomic_file *f)
{
	if (f->fp && f->fp != stdout)
		fclose(f->fp);
	f->fp = NULL;
	if (f->tmp_path)
		unlink(f->tmp_path);
	free(f->tmp_path);
	free(f->path);
	f->tmp_path = NULL;
	f->path = NULL;
}

int file_read_all(const char *path, struct buf *out, struct errbuf *err)
{
	int fd = strcmp(path, "-") == 0 ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		return errbuf_set(err, -e, "cannot open '%s': %s", path, strerror(e));
	}
	struct stat st;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
	    buf_grow(out, (size_t)st.st_size) < 0) {
		if (fd != STDIN_FILENO)
			close(fd);
		return errbuf_set(err, -ENOMEM, "cannot read '%s': out of memory", path);
	}
	int rc = 0;
	for (;;) {
		if (buf_grow(out, 65536) < 0) {
			rc = errbuf_set(err, -ENOMEM, "cannot read '%s': out of memory", path);
			break;
		}
		ssize_t n = read(fd, out->data + out->len, out->cap - out->len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			rc = errbuf_set(err, -e, "cannot read '%s': %s", path, strerror(e));
			break;
		}
		if (n == 0)
			break;
		out->len += (size_t)n;
		out->data[out->len] = '\0';
	}
	if (fd != STDIN_FILENO)
		close(fd);
	return rc;
}

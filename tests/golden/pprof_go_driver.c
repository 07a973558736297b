// SPDX-License-Identifier: Apache-2.0
/* Test driver for tests/golden/pprof_go.sh: builds a profile from a spec, writes it with pprof_write, prints what pprof should show. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fold/pprof.h"
#include "fold/profile.h"
#include "lib/buf.h"
#include "lib/err.h"

/*
 * The spec, one item per line, fields separated by a TAB; inside a field
 * \t \n \r \\ and \xHH stand for those bytes:
 *   type NAME UNIT            a value type
 *   meta KEY VALUE            profile_meta_set
 *   loss COUNT REASON         profile_add_loss
 *   stack V1,V2,...           start a stack with these values
 *   frame KIND NAME [MODULE [FILE [LINE]]]   its frames, root first; KIND u k j i s
 *   end                       add the stack
 *
 * Usage:
 *   pprof_go_driver write SPEC OUT [DEFAULT_INDEX]   write OUT with pprof_write
 *   pprof_go_driver traces SPEC [lines]     print what `go tool pprof -traces [-lines]` shows of each
 *                                           stack below its header, with the value column blank
 *   pprof_go_driver values SPEC             print each stack's values as `go tool pprof -raw` does
 * Stacks with no frames or only zero values are left out of the last two, as
 * pprof drops them. The expectations come from the spec alone: pprof shows
 * each stack leaf first, a frame inlined into the one below it marked
 * "(inline)", and with -lines "NAME FILE:LINE" (file names must be clean:
 * pprof shows them through Go's filepath.Clean).
 */

#define MAX_FIELDS 8

struct spec_frame {
	char kind;
	struct buf name, module, file;
	long line;
};

struct spec_stack {
	int64_t values[PROFILE_MAX_VALUES];
	size_t nframes, cap;
	struct spec_frame *frames;
};

static struct spec_stack *stacks;
static size_t nstacks;
static size_t ntypes;

static void die(const char *what)
{
	fprintf(stderr, "pprof_go_driver: %s\n", what);
	exit(2);
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Unescape `len` bytes at `s` into `out`. */
static void unescape(struct buf *out, const char *s, size_t len)
{
	buf_init(out);
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (c == '\\' && i + 1 < len) {
			char e = s[++i];
			if (e == 't')
				c = '\t';
			else if (e == 'n')
				c = '\n';
			else if (e == 'r')
				c = '\r';
			else if (e == 'x' && i + 2 < len && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
				c = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
				i += 2;
			} else
				c = e;
		}
		if (buf_addch(out, c))
			die("out of memory");
	}
}

/* Split `line` at TABs into unescaped fields; returns the count. */
static size_t split(char *line, struct buf *f)
{
	size_t n = 0;
	char *s = line;
	for (;;) {
		char *t = strchr(s, '\t');
		size_t len = t ? (size_t)(t - s) : strlen(s);
		if (n == MAX_FIELDS)
			die("too many fields");
		unescape(&f[n++], s, len);
		if (!t)
			return n;
		s = t + 1;
	}
}

static enum frame_kind kind_of(char k)
{
	switch (k) {
	case 'u': return FRAME_USER;
	case 'k': return FRAME_KERNEL;
	case 'j': return FRAME_JIT;
	case 'i': return FRAME_INLINED;
	case 's': return FRAME_SYNTHETIC;
	}
	die("bad frame kind");
	return FRAME_USER;
}

static int intern(struct profile *p, const struct buf *b)
{
	int id = profile_intern(p, b->data, b->len);
	if (id < 0)
		die("out of memory");
	return id;
}

static struct profile *read_spec(const char *path)
{
	FILE *in = fopen(path, "r");
	if (!in)
		die("cannot open the spec");
	struct profile *p = profile_new();
	if (!p)
		die("out of memory");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	struct spec_stack *cur = NULL;
	while ((n = getline(&line, &cap, in)) >= 0) {
		if (n && line[n - 1] == '\n')
			line[--n] = 0;
		if (!n || line[0] == '#')
			continue;
		struct buf f[MAX_FIELDS];
		size_t nf = split(line, f);
		const char *cmd = f[0].data;
		if (!strcmp(cmd, "type") && nf == 3) {
			if (profile_add_value_type(p, f[1].data, f[2].data) < 0)
				die("cannot add a value type");
			ntypes = profile_value_count(p);
		} else if (!strcmp(cmd, "meta") && nf == 3) {
			if (profile_meta_set(p, f[1].data, f[2].data))
				die("out of memory");
		} else if (!strcmp(cmd, "loss") && nf == 3) {
			if (profile_add_loss(p, f[2].data, strtoull(f[1].data, NULL, 10)))
				die("out of memory");
		} else if (!strcmp(cmd, "stack") && nf == 2) {
			stacks = realloc(stacks, (nstacks + 1) * sizeof(*stacks));
			if (!stacks)
				die("out of memory");
			cur = &stacks[nstacks++];
			memset(cur, 0, sizeof(*cur));
			char *s = f[1].data;
			for (size_t i = 0; i < ntypes; i++) {
				cur->values[i] = strtoll(s, &s, 10);
				if (*s == ',')
					s++;
			}
		} else if (!strcmp(cmd, "frame") && nf >= 3 && cur) {
			if (cur->nframes == cur->cap) {
				cur->cap = cur->cap ? 2 * cur->cap : 16;
				cur->frames = realloc(cur->frames, cur->cap * sizeof(*cur->frames));
				if (!cur->frames)
					die("out of memory");
			}
			struct spec_frame *fr = &cur->frames[cur->nframes++];
			fr->kind = f[1].data[0];
			fr->name = f[2];
			buf_init(&f[2]);
			buf_init(&fr->module);
			buf_init(&fr->file);
			if (nf > 3) {
				fr->module = f[3];
				buf_init(&f[3]);
			}
			if (nf > 4) {
				fr->file = f[4];
				buf_init(&f[4]);
			}
			fr->line = nf > 5 ? strtol(f[5].data, NULL, 10) : 0;
		} else if (!strcmp(cmd, "end") && cur) {
			uint32_t *ids = calloc(cur->nframes + 1, sizeof(*ids));
			if (!ids)
				die("out of memory");
			for (size_t i = 0; i < cur->nframes; i++) {
				struct spec_frame *fr = &cur->frames[i];
				struct frame fm = {
					.name = (uint32_t)intern(p, &fr->name),
					.module = (uint32_t)intern(p, &fr->module),
					.file = (uint32_t)intern(p, &fr->file),
					.line = (uint32_t)fr->line,
					.kind = kind_of(fr->kind),
				};
				int id = profile_frame(p, &fm);
				if (id < 0)
					die("out of memory");
				ids[i] = (uint32_t)id;
			}
			if (profile_add_stack(p, ids, cur->nframes, cur->values) < 0)
				die("cannot add a stack");
			free(ids);
			cur = NULL;
		} else {
			die("bad spec line");
		}
		for (size_t i = 0; i < nf; i++)
			buf_release(&f[i]);
	}
	free(line);
	fclose(in);
	return p;
}

static int shown(const struct spec_stack *s)
{
	int nonzero = 0;
	for (size_t i = 0; i < ntypes; i++)
		nonzero |= s->values[i] != 0;
	return nonzero && s->nframes > 0;
}

/* pprof's -traces body: a separator per stack, the leaf first, "%10s   %s%s" with the value blank. */
static void print_traces(int lines)
{
	const char *sep = "-----------+-------------------------------------------------------";
	for (size_t k = 0; k < nstacks; k++) {
		const struct spec_stack *s = &stacks[k];
		if (!shown(s))
			continue;
		puts(sep);
		for (size_t i = s->nframes; i-- > 0;) {
			const struct spec_frame *f = &s->frames[i];
			/* an inlined frame directly above a frame of code shares its address: pprof's inline */
			int inl = f->kind == 'i' && i > 0 && !(s->frames[i - 1].kind == 's' && !s->frames[i - 1].module.len);
			printf("%10s   ", "");
			fwrite(f->name.data, 1, f->name.len, stdout);
			/* pprof's NodeInfo.NameComponents: "NAME FILE:LINE", "NAME FILE" without a line */
			if (lines && (f->line || f->file.len)) {
				printf(" ");
				fwrite(f->file.data, 1, f->file.len, stdout);
				if (f->line)
					printf(":%ld", f->line);
			}
			printf("%s\n", inl ? " (inline)" : "");
		}
	}
	puts(sep);
}

static void print_values(void)
{
	for (size_t k = 0; k < nstacks; k++) {
		if (!shown(&stacks[k]))
			continue;
		for (size_t i = 0; i < ntypes; i++)
			printf("%s%" PRId64, i ? " " : "", stacks[k].values[i]);
		printf("\n");
	}
}

int main(int argc, char **argv)
{
	if (argc < 3)
		die("usage: pprof_go_driver write|traces|values SPEC [OUT]");
	struct profile *p = read_spec(argv[2]);
	int rc = 0;
	if (!strcmp(argv[1], "write") && argc >= 4) {
		struct pprof_opts o = { 0 };
		if (argc > 4) {
			o.has_default_value = true;
			o.default_value = (uint32_t)atoi(argv[4]);
		}
		FILE *out = fopen(argv[3], "w");
		if (!out)
			die("cannot open the output");
		struct errbuf err;
		errbuf_init(&err);
		if (pprof_write(out, p, &o, &err) < 0) {
			fprintf(stderr, "pprof_go_driver: %s\n", err.msg.data);
			rc = 1;
		}
		errbuf_release(&err);
		if (fclose(out))
			rc = 1;
	} else if (!strcmp(argv[1], "traces")) {
		print_traces(argc > 3 && !strcmp(argv[3], "lines"));
	} else if (!strcmp(argv[1], "values")) {
		print_values();
	} else {
		die("unknown mode");
	}
	for (size_t k = 0; k < nstacks; k++) {
		for (size_t i = 0; i < stacks[k].nframes; i++) {
			buf_release(&stacks[k].frames[i].name);
			buf_release(&stacks[k].frames[i].module);
			buf_release(&stacks[k].frames[i].file);
		}
		free(stacks[k].frames);
	}
	free(stacks);
	profile_free(p);
	return rc;
}

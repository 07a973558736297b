// SPDX-License-Identifier: Apache-2.0
/* scorch symbolize: addr2line-compatible address to function/file:line, plus live processes and the kernel. */
#include "cli/cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fold/profile.h"
#include "lib/buf.h"
#include "lib/err.h"
#include "symbolize/symbolize.h"

enum {
	OPT_PID = 0x100,
	OPT_KERNEL,
	OPT_KALLSYMS,
	OPT_DEBUG_DIR,
	OPT_NO_DEMANGLE,
	OPT_PERF_NAMES,
	OPT_PERF,
	OPT_CXXFILT,
	OPT_STATS,
};

static const struct option lopts[] = {
	{ "exe", required_argument, NULL, 'e' },
	{ "functions", no_argument, NULL, 'f' },
	{ "inlines", no_argument, NULL, 'i' },
	{ "demangle", optional_argument, NULL, 'C' },
	{ "no-demangle", no_argument, NULL, OPT_NO_DEMANGLE },
	{ "addresses", no_argument, NULL, 'a' },
	{ "pretty-print", no_argument, NULL, 'p' },
	{ "basenames", no_argument, NULL, 's' },
	{ "pid", required_argument, NULL, OPT_PID },
	{ "kernel", no_argument, NULL, OPT_KERNEL },
	{ "kallsyms", required_argument, NULL, OPT_KALLSYMS },
	{ "debug-dir", required_argument, NULL, OPT_DEBUG_DIR },
	{ "dwarf-names", no_argument, NULL, OPT_PERF_NAMES },
	{ "perf", no_argument, NULL, OPT_PERF },
	{ "cxxfilt", no_argument, NULL, OPT_CXXFILT },
	{ "stats", no_argument, NULL, OPT_STATS },
	{ "help", no_argument, NULL, 'h' },
	{ 0 }
};

static void usage(FILE *out)
{
	fputs("usage: scorch symbolize [-e BIN | --pid PID | --kernel] [-afipsC] [ADDR...]\n"
	      "\n"
	      "Print the function and file:line of each address, as GNU addr2line does\n"
	      "(same options, same output), with inline chains and separate debug files\n"
	      "(build-id, .gnu_debuglink, MiniDebugInfo). Addresses are hex (0x optional),\n"
	      "from the arguments or, when there are none, from stdin.\n"
	      "\n"
	      "options:\n"
	      "  -e, --exe BIN         addresses are ELF addresses of BIN (default a.out)\n"
	      "      --pid PID         addresses are runtime addresses of live process PID\n"
	      "      --kernel          addresses are kernel addresses (kallsyms)\n"
	      "  -f, --functions       print the function name\n"
	      "  -i, --inlines         print the inlined callers too (innermost first)\n"
	      "  -a, --addresses       print each address before its answer\n"
	      "  -p, --pretty-print    one line per address (\"func at file:line\"); with\n"
	      "                        --pid or --kernel, the module follows in parentheses\n"
	      "  -s, --basenames       file names without their directories\n"
	      "  -C, --demangle        demangle C++ and Rust names (--no-demangle: don't)\n"
	      "      --dwarf-names     name the real function as DWARF does (\"foo\") rather\n"
	      "                        than by its symbol (\"foo.constprop.0\"), like addr2line\n"
	      "      --perf            print what `perf script` shows for the address:\n"
	      "                        \"symbol+0xoffset (module)\", \"[unknown] (module)\"\n"
	      "      --cxxfilt         demangle the names given instead of addresses (c++filt)\n"
	      "      --stats           print lookups, index build time and memory to stderr\n"
	      "      --kallsyms FILE   kernel symbols from FILE (default /proc/kallsyms)\n"
	      "      --debug-dir DIR   also look for binaries and debug files in DIR (by\n"
	      "                        build-id, or by name); repeatable\n"
	      "  -h, --help            this help\n"
	      "\n"
	      "Function names follow llvm-symbolizer: the symbol table names the real\n"
	      "function, DWARF names the inlined ones. Unknown parts print as ?? and ?.\n"
	      "\n"
	      "examples:\n"
	      "  # function, inline chain and line of two addresses of a binary\n"
	      "  scorch symbolize -e ./app -f -i -p 0x1139 0x1150\n"
	      "  # addresses seen in a running process (e.g. from a stack dump)\n"
	      "  scorch symbolize --pid 1234 -f -p 0x7f12a0c3d1e0\n"
	      "  # kernel addresses\n"
	      "  scorch symbolize --kernel -f -p ffffffff81234567\n",
	      out);
}

struct run {
	struct symbolizer *s;
	struct sym_module *mod;
	int pid;
	bool kernel, functions, inlines, addresses, pretty, basenames, dwarf_names, with_module, perf, cxxfilt, stats;
	struct buf out;
};

static const char *base(const char *path, bool basenames)
{
	const char *s = basenames ? strrchr(path, '/') : NULL;
	return s ? s + 1 : path;
}

static void put_location(struct run *r, const struct sym_frame *f)
{
	buf_addstr(&r->out, *f->file ? base(f->file, r->basenames) : "??");
	buf_addch(&r->out, ':');
	if (f->line) {
		buf_addf(&r->out, "%u", f->line);
		if (f->discriminator)
			buf_addf(&r->out, " (discriminator %u)", f->discriminator);
	} else {
		buf_addch(&r->out, '?');
	}
}

static const char *frame_name(const struct run *r, const struct sym_chain *c, uint32_t i)
{
	const struct sym_frame *f = &c->frames[i];
	if (f->kind == FRAME_SYNTHETIC)
		return "??";
	if (i + 1 == c->nframes && r->dwarf_names)
		return c->function;
	return f->name;
}

static int answer(struct run *r, uint64_t addr, bool valid)
{
	struct sym_chain c;
	int rc = 0;
	if (!valid) {
		static const struct sym_frame none = { .name = "??", .file = "", .kind = FRAME_SYNTHETIC };
		c = (struct sym_chain){ .frames = &none, .nframes = 1, .module = "", .function = "??" };
	} else if (r->mod) {
		rc = symbolizer_resolve_module(r->s, r->mod, addr, 0, &c);
	} else {
		rc = symbolizer_resolve(r->s, r->kernel ? SYM_PID_KERNEL : r->pid, addr, 0, &c);
	}
	if (rc < 0)
		return rc;
	if (r->addresses)
		buf_addf(&r->out, r->pretty || r->perf ? "0x%016llx: " : "0x%016llx\n", (unsigned long long)addr);
	if (r->perf) {
		if (*c.symbol)
			buf_addf(&r->out, "%s+0x%llx (%s)\n", c.symbol, (unsigned long long)c.symbol_offset, c.module);
		else
			buf_addf(&r->out, "[unknown] (%s)\n", *c.module ? c.module : "[unknown]");
		return 0;
	}
	uint32_t n = r->inlines ? c.nframes : 1;
	for (uint32_t i = 0; i < n; i++) {
		const struct sym_frame *f = &c.frames[i];
		if (r->pretty) {
			if (i)
				buf_addstr(&r->out, "\n (inlined by) ");
			if (r->functions)
				buf_addf(&r->out, "%s at ", frame_name(r, &c, i));
			put_location(r, f);
			if (r->with_module && i + 1 == n && *c.module)
				buf_addf(&r->out, " (%s)", c.module);
			if (i + 1 == n)
				buf_addch(&r->out, '\n');
		} else {
			if (r->functions)
				buf_addf(&r->out, "%s\n", frame_name(r, &c, i));
			put_location(r, f);
			buf_addch(&r->out, '\n');
		}
	}
	return 0;
}

static bool parse_addr(const char *s, size_t len, uint64_t *out)
{
	size_t i = 0;
	if (len >= 2 && s[0] == '0' && (s[1] | 0x20) == 'x')
		i = 2;
	uint64_t v = 0;
	size_t digits = 0;
	for (; i < len; i++, digits++) {
		int c = s[i], d;
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			d = (c | 0x20) - 'a' + 10;
		else
			return false;
		v = v << 4 | (uint64_t)d;
	}
	*out = v;
	return digits > 0 && digits <= 16;
}

static int flush_out(struct run *r)
{
	if (r->out.len && fwrite(r->out.data, 1, r->out.len, stdout) != r->out.len)
		return -EIO;
	buf_reset(&r->out);
	return fflush(stdout) == 0 ? 0 : -EIO;
}

static int one_token(struct run *r, const char *tok, size_t len)
{
	if (r->cxxfilt) {
		char *name = strndup(tok, len);
		char *d = name ? sym_demangle(name) : NULL;
		int rc = name ? buf_addf(&r->out, "%s\n", d ? d : name) : -ENOMEM;
		free(d);
		free(name);
		return rc;
	}
	uint64_t a = 0;
	bool ok = parse_addr(tok, len, &a);
	return answer(r, a, ok);
}

/* Tokens from stdin; output is flushed after each read, so a coprocess (as perf runs addr2line) gets answers. */
static int from_stdin(struct run *r)
{
	struct buf in = BUF_INIT;
	int rc = 0;
	for (;;) {
		if (buf_grow(&in, 65536) < 0) {
			rc = -ENOMEM;
			break;
		}
		ssize_t n = read(STDIN_FILENO, in.data + in.len, in.cap - in.len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -errno;
			break;
		}
		in.len += (size_t)n;
		in.data[in.len] = 0;
		size_t used = 0;
		for (size_t i = 0; i < in.len;) {
			while (i < in.len && (in.data[i] == ' ' || in.data[i] == '\t' || in.data[i] == '\n' || in.data[i] == '\r'))
				i++;
			size_t j = i;
			while (j < in.len && !(in.data[j] == ' ' || in.data[j] == '\t' || in.data[j] == '\n' || in.data[j] == '\r'))
				j++;
			if (j == in.len && n > 0)
				break; /* an incomplete token: wait for more */
			if (j > i && (rc = one_token(r, in.data + i, j - i)) < 0)
				break;
			i = j;
			used = i;
		}
		if (rc < 0)
			break;
		memmove(in.data, in.data + used, in.len - used);
		buf_truncate(&in, in.len - used);
		if ((rc = flush_out(r)) < 0 || n == 0)
			break;
	}
	buf_release(&in);
	return rc;
}

int cmd_symbolize(int argc, char **argv)
{
	struct run r = { .pid = -1 };
	struct symbolizer_opts o = { 0 };
	const char *exe = NULL;
	const char **dirs = NULL;
	size_t ndirs = 0;
	int c, status = 0;
	char *end;
	buf_init(&r.out);
	optind = 1;
	opterr = 0; /* cli_option_error() names the option */
	while ((c = getopt_long(argc, argv, "e:fiC::apsbj:rRh", lopts, NULL)) != -1) {
		switch (c) {
		case 'e':
			exe = optarg;
			break;
		case 'f':
			r.functions = true;
			break;
		case 'i':
			r.inlines = true;
			break;
		case 'C':
			o.demangle = true;
			break;
		case OPT_NO_DEMANGLE:
			o.demangle = false;
			break;
		case 'a':
			r.addresses = true;
			break;
		case 'p':
			r.pretty = true;
			break;
		case 's':
			r.basenames = true;
			break;
		case 'b': case 'j': case 'r': case 'R':
			break; /* addr2line options with no meaning here (target, section, recursion limits) */
		case OPT_PID:
			errno = 0;
			r.pid = (int)strtol(optarg, &end, 10);
			if (errno || *end || r.pid <= 0) {
				status = cli_usage_error("symbolize", "bad pid '%s'", optarg);
				goto out;
			}
			break;
		case OPT_KERNEL:
			r.kernel = true;
			break;
		case OPT_KALLSYMS:
			o.kallsyms = optarg;
			break;
		case OPT_DEBUG_DIR: {
			const char **v = realloc(dirs, (ndirs + 1) * sizeof(*v));
			if (!v) {
				cli_error("out of memory");
				status = 1;
				goto out;
			}
			dirs = v;
			dirs[ndirs++] = optarg;
			break;
		}
		case OPT_PERF_NAMES:
			r.dwarf_names = true;
			break;
		case OPT_PERF:
			r.perf = true;
			break;
		case OPT_CXXFILT:
			r.cxxfilt = true;
			break;
		case OPT_STATS:
			r.stats = true;
			break;
		case 'h':
			usage(stdout);
			goto out;
		default:
			status = cli_option_error("symbolize", argv);
			goto out;
		}
	}
	if ((exe != NULL) + (r.pid > 0) + r.kernel > 1) {
		status = cli_usage_error("symbolize", "-e, --pid and --kernel exclude each other");
		goto out;
	}
	o.debug_dirs = dirs;
	o.ndebug_dirs = ndirs;
	/* perf script prints names alone: no parameters, no return type */
	if (r.perf)
		o.demangle_short = true;
	r.s = symbolizer_new(&o);
	if (!r.s) {
		cli_error("out of memory");
		status = 1;
		goto out;
	}
	struct errbuf err;
	errbuf_init(&err);
	if (r.cxxfilt) {
		/* names only: nothing to open */
	} else if (r.pid > 0) {
		r.with_module = true;
		if (symbolizer_proc_snapshot(r.s, r.pid, &err) < 0) {
			cli_report("symbolize", &err);
			status = 1;
		}
	} else if (r.kernel) {
		r.with_module = true;
	} else {
		r.mod = symbolizer_open_file(r.s, exe ? exe : "a.out", &err);
		if (!r.mod) {
			cli_report("symbolize", &err);
			status = 1;
		}
	}
	errbuf_release(&err);
	if (status)
		goto out;
	int rc = 0;
	if (optind < argc) {
		for (int i = optind; i < argc && rc == 0; i++) {
			rc = one_token(&r, argv[i], strlen(argv[i]));
			if (r.out.len > 1 << 16 && rc == 0)
				rc = flush_out(&r);
		}
		if (rc == 0)
			rc = flush_out(&r);
	} else {
		rc = from_stdin(&r);
	}
	if (rc < 0) {
		cli_error("symbolize: %s", strerror(-rc));
		status = 1;
	}
	if (r.stats) {
		struct symbolizer_stats st;
		symbolizer_get_stats(r.s, &st);
		uint64_t unknown = 0;
		for (int i = 0; i < SYM_REASON_COUNT; i++)
			unknown += st.unknown[i];
		fprintf(stderr, "lookups %llu resolved %llu unknown %llu modules %llu indexed %llu index_ms %.1f index_mb %.1f\n",
			(unsigned long long)st.lookups, (unsigned long long)st.resolved, (unsigned long long)unknown,
			(unsigned long long)st.modules, (unsigned long long)st.modules_indexed, st.index_ns / 1e6,
			st.index_bytes / 1048576.0);
	}
out:
	symbolizer_free(r.s);
	buf_release(&r.out);
	free(dirs);
	return status;
}

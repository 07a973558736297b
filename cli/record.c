// SPDX-License-Identifier: Apache-2.0
/* scorch record: sample on-CPU stacks or trace off-CPU time of a process, command or the system, into flame graphs. */
#include "cli/cli.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli/output.h"
#include "cli/record.h"
#include "cli/record_perf.h"
#include "fold/fold.h"
#include "fold/profile.h"
#include "lib/buf.h"
#include "lib/err.h"
#include "lib/file.h"
#include "sampler/sampler.h"
#include "symbolize/symbolize.h"

#define DEFAULT_OUTPUT "scorch.svg"
/*
 * --max-overhead: a few percent of one CPU. Off-CPU recording of a process doing 10k context
 * switches a second (our demo) costs ~5%; system-wide on a machine doing 100k, 25-50%.
 */
#define DEFAULT_MAX_OVERHEAD 10.0
#define DEFAULT_MAX_OVERHEAD_TEXT "10"

enum {
	OPT_OFFCPU = 0x100,
	OPT_MODE,
	OPT_WAKEUP,
	OPT_MIN_BLOCK,
	OPT_MAX_BLOCK,
	OPT_STATE,
	OPT_CGROUP,
	OPT_NO_INHERIT,
	OPT_IDLE,
	OPT_PER_THREAD,
	OPT_PER_PID,
	OPT_PER_CPU,
	OPT_KERNEL_TAG,
	OPT_NO_INLINE,
	OPT_LINES,
	OPT_DEBUG_DIR,
	OPT_NO_DEMANGLE,
	OPT_UNIT,
	OPT_STACK_MAP_SIZE,
	OPT_CALL_GRAPH,
	OPT_MAX_OVERHEAD,
};

static const struct option lopts[] = {
	{ "off-cpu", no_argument, NULL, OPT_OFFCPU },
	{ "mode", required_argument, NULL, OPT_MODE },
	{ "freq", required_argument, NULL, 'F' },
	{ "wakeup", no_argument, NULL, OPT_WAKEUP },
	{ "min-block", required_argument, NULL, OPT_MIN_BLOCK },
	{ "max-block", required_argument, NULL, OPT_MAX_BLOCK },
	{ "state", required_argument, NULL, OPT_STATE },
	{ "pid", required_argument, NULL, 'p' },
	{ "tid", required_argument, NULL, 't' },
	{ "all-cpus", no_argument, NULL, 'a' },
	{ "cgroup", required_argument, NULL, OPT_CGROUP },
	{ "cpu", required_argument, NULL, 'C' },
	{ "no-inherit", no_argument, NULL, OPT_NO_INHERIT },
	{ "duration", required_argument, NULL, 'd' },
	{ "user-stacks-only", no_argument, NULL, 'U' },
	{ "kernel-stacks-only", no_argument, NULL, 'K' },
	{ "idle", no_argument, NULL, OPT_IDLE },
	{ "per-thread", no_argument, NULL, OPT_PER_THREAD },
	{ "per-pid", no_argument, NULL, OPT_PER_PID },
	{ "per-cpu", no_argument, NULL, OPT_PER_CPU },
	{ "kernel-tag", no_argument, NULL, OPT_KERNEL_TAG },
	{ "no-inline", no_argument, NULL, OPT_NO_INLINE },
	{ "lines", no_argument, NULL, OPT_LINES },
	{ "debug-dir", required_argument, NULL, OPT_DEBUG_DIR },
	{ "no-demangle", no_argument, NULL, OPT_NO_DEMANGLE },
	{ "unit", required_argument, NULL, OPT_UNIT },
	{ "stack-map-size", required_argument, NULL, OPT_STACK_MAP_SIZE },
	{ "call-graph", required_argument, NULL, OPT_CALL_GRAPH },
	{ "max-overhead", required_argument, NULL, OPT_MAX_OVERHEAD },
	{ "output", required_argument, NULL, 'o' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	OUTPUT_FLAME_LONGOPTS,
	{ 0 }
};

static void usage(FILE *out)
{
	fputs("usage: scorch record [options] -p PID[,PID...] | -t TID[,...] | -a | --cgroup PATH\n"
	      "       scorch record [options] [--] COMMAND [ARGS...]\n"
	      "\n"
	      "Record where a process spends its time and write a symbolized flame graph:\n"
	      "on-CPU stacks sampled by a timer (default), off-CPU time by blocked stack\n"
	      "(--off-cpu), or both as wall-clock time in one graph (--mode wall). Stacks are\n"
	      "counted in the kernel with BPF; nothing is lost silently: stacks that could\n"
	      "not be kept show as [lost stack] and every loss is counted in the summary.\n"
	      "Recording ends after -d, on Ctrl-C or SIGTERM, or when every target exits.\n"
	      "\n"
	      "what:\n"
	      "  -F, --freq HZ         on-CPU samples per second on each CPU (default 99)\n"
	      "      --off-cpu         off-CPU time: blocked stacks weighted by time (sched_switch)\n"
	      "      --mode MODE       cpu (default), off-cpu, or wall: on-CPU samples as time\n"
	      "                        (count x period) and off-CPU time, off-CPU frames in blue\n"
	      "      --wakeup          off-CPU and wall: add the waker's stack above a \"--\" frame\n"
	      "                        (aqua in flame graphs)\n"
	      "      --min-block US    off-CPU: ignore blocks shorter than US microseconds (default 1)\n"
	      "      --max-block US    off-CPU: ignore blocks longer than US microseconds\n"
	      "      --state LIST      off-CPU: task states counted, comma-separated: S (sleeping),\n"
	      "                        D (uninterruptible), R (preempted), other, all (default)\n"
	      "      --unit UNIT       off-CPU and wall values in ns (default), us or ms\n"
	      "\n"
	      "targets:\n"
	      "  -p, --pid PID[,...]   processes (all threads), and children they fork\n"
	      "  -t, --tid TID[,...]   single threads\n"
	      "  -a, --all-cpus        every process (system-wide)\n"
	      "      --cgroup PATH     tasks in a cgroup v2 directory and below (absolute, or\n"
	      "                        relative to /sys/fs/cgroup)\n"
	      "  -C, --cpu LIST        only these CPUs, e.g. 0-3,6\n"
	      "      --no-inherit      don't follow children of -p processes or of COMMAND\n"
	      "  COMMAND [ARGS...]     run COMMAND, recording it and its children until it exits\n"
	      "  -d, --duration TIME   stop after TIME: seconds, or with a unit (500ms, 10s, 2m)\n"
	      "\n"
	      "stacks and labels:\n"
	      "  -g                    user stacks by frame pointers (the default): --call-graph fp\n"
	      "      --call-graph fp|dwarf[,SIZE]  how user stacks are found. fp: frame pointers,\n"
	      "                        walked in the kernel. dwarf: the registers and the top SIZE\n"
	      "                        bytes of the user stack (default 8192, at most 65528) are\n"
	      "                        copied at each sample (off-CPU: each switch-out) and unwound\n"
	      "                        with DWARF CFI (.eh_frame, .debug_frame), as perf record\n"
	      "                        --call-graph dwarf does: callers of code built without frame\n"
	      "                        pointers (Debian's libc, -O2 builds) are found. It costs a\n"
	      "                        copy per sample and unwinding in scorch; a stack deeper than\n"
	      "                        SIZE, or code without CFI, starts at an [unknown] frame.\n"
	      "                        x86-64. With --wakeup the waker's stacks are still walked\n"
	      "                        by frame pointers (at the wakeup, in the kernel)\n"
	      "  -U, --user-stacks-only    no kernel frames\n"
	      "  -K, --kernel-stacks-only  no user frames\n"
	      "      --idle            on-CPU: count the idle task too\n"
	      "      --per-pid         root frame \"comm-PID\" instead of \"comm\"\n"
	      "      --per-thread      root frame \"comm-PID/TID\"\n"
	      "      --per-cpu         on-CPU: add the CPU to the root frame\n"
	      "      --kernel-tag      kernel frames get \"_[k]\" (stackcollapse-perf.pl --kernel)\n"
	      "      --no-inline       real functions only, no inlined ones\n"
	      "      --lines           split frames by source line (name at file:line)\n"
	      "      --debug-dir DIR   also look for binaries and debug files in DIR (repeatable)\n"
	      "      --no-demangle     keep C++ and Rust names mangled\n"
	      "      --stack-map-size N  distinct stacks kept in the kernel (default: from rate x\n"
	      "                        duration x CPUs); stacks past it show as [lost stack]\n"
	      "\n"
	      "output:\n"
	      "  -o, --output FILE     write FILE, format by extension: .svg .folded .txt .json\n"
	      "                        .speedscope.json .pb.gz .data; repeat for several (default\n"
	      "                        " DEFAULT_OUTPUT "; '-' writes folded stacks to stdout)\n"
	      "                        .data is perf.data for perf report and perf script: the raw\n"
	      "                        addresses (kernel then user, as the other outputs name them),\n"
	      "                        every process image's executable maps with build-ids, and the\n"
	      "                        kernel map, which perf symbolizes itself; events cpu-clock\n"
	      "                        (one record per sample) and/or offcpu-time (one record per\n"
	      "                        unique blocked stack, period = ns blocked), as perf record\n"
	      "                        -e cpu-clock -g and --off-cpu write them. Not the waker\n"
	      "                        stacks of --wakeup. --format perf.data -o - writes perf's\n"
	      "                        pipe mode (perf script -i -)\n"
	      "  -q, --quiet           no summary on stderr\n"
	      "  -h, --help            this help\n"
	      "\n"
	      "safety:\n"
	      "      --max-overhead PCT  stop recording (and write what was recorded) when our\n"
	      "                        BPF programs use more than PCT% of one CPU two seconds\n"
	      "                        in a row\n"
	      "                        (default " DEFAULT_MAX_OVERHEAD_TEXT "; 0: never). Measured with the\n"
	      "                        kernel's BPF statistics; the summary shows the figure\n",
	      out);
	output_flame_usage(out);
	fputs("\n"
	      "examples:\n"
	      "  # 30 seconds of a running service, on-CPU\n"
	      "  scorch record -p 1234 -d 30 -o cpu.svg\n"
	      "  # where it blocks instead, with the stacks that woke it\n"
	      "  scorch record --off-cpu --wakeup -p 1234 -d 30 -o offwake.svg\n"
	      "  # a command from start to end, on- and off-CPU in one graph, plus folded text\n"
	      "  scorch record --mode wall -o wall.svg -o wall.folded -- make -j2\n"
	      "  # the whole machine at 999 Hz for 5 seconds\n"
	      "  scorch record -a -F 999 -d 5 -o all.svg\n"
	      "  # blocks of 1 ms or more in uninterruptible sleep (disk I/O), in ms\n"
	      "  scorch record --off-cpu --state D --min-block 1000 --unit ms -p 1234 -o io.svg\n"
	      "  # a program built without frame pointers, with its callers through libc\n"
	      "  scorch record --call-graph dwarf -p 1234 -d 10 -o cpu.svg\n"
	      "  # perf.data as well, for perf report / perf script, and the flame graph\n"
	      "  scorch record -F 999 -d 10 -p 1234 -o cpu.data -o cpu.svg && perf report -i cpu.data\n",
	      out);
}

static bool parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v > max)
		return false;
	*out = v;
	return true;
}

/*
 * --call-graph MODE[,SIZE] as perf spells it: "fp" (frame pointers, the
 * default), "dwarf" with an optional stack size in bytes, rounded up to a
 * multiple of 8 as perf does. Returns 0 with *dwarf_size set (0 for fp), or
 * -1 with `why` saying what is wrong.
 */
static int parse_call_graph(const char *arg, uint32_t *dwarf_size, const char **why)
{
	const char *comma = strchr(arg, ',');
	size_t mlen = comma ? (size_t)(comma - arg) : strlen(arg);
	uint64_t v = SAMPLER_DWARF_STACK_DEFAULT;
	if (mlen == 2 && strncmp(arg, "fp", 2) == 0) {
		*dwarf_size = 0;
		if (comma) {
			*why = "fp takes no size";
			return -1;
		}
		return 0;
	}
	if (mlen == 3 && strncmp(arg, "lbr", 3) == 0) {
		*why = "lbr needs Intel's hardware branch records, which scorch does not use: try fp or dwarf";
		return -1;
	}
	if (mlen != 5 || strncmp(arg, "dwarf", 5) != 0) {
		*why = "expected fp or dwarf[,SIZE]";
		return -1;
	}
	if (comma && (!parse_u64(comma + 1, UINT32_MAX, &v) || v == 0 || (v + 7) / 8 * 8 > SAMPLER_DWARF_STACK_MAX)) {
		*why = "the stack size is bytes, 8 to 65528";
		return -1;
	}
	*dwarf_size = (uint32_t)((v + 7) / 8 * 8);
	return 0;
}

/* Everything the command line asked for. */
static int add_str(const char ***v, size_t *n, const char *s)
{
	const char **g = realloc(*v, (*n + 1) * sizeof(**v));
	if (!g)
		return -ENOMEM;
	*v = g;
	g[(*n)++] = s;
	return 0;
}

/* Parse argv into `a`. Returns 0, or the exit code (2 usage error, 0 after --help, 1 out of memory) + 1000. */
static int parse_args(int argc, char **argv, struct record_args *a)
{
	struct errbuf err;
	int c, rc = 0;
	errbuf_init(&err);
	optind = 0;
	opterr = 0; /* our message names the option */
	/* '+': the first non-option starts the command, as with perf record */
	while ((c = getopt_long(argc, argv, "+F:p:t:aC:d:gUKo:qh", lopts, NULL)) != -1) {
		uint64_t v;
		const char *why;
		switch (c) {
		case 'g':
			a->so.dwarf_stack_size = 0;
			break;
		case OPT_CALL_GRAPH:
			if (parse_call_graph(optarg, &a->so.dwarf_stack_size, &why)) {
				rc = cli_usage_error("record", "invalid --call-graph '%s': %s", optarg, why);
				goto out;
			}
			break;
		case 'F':
			if (!parse_u64(optarg, 100000, &v) || v == 0) {
				rc = cli_usage_error("record", "invalid -F '%s': expected samples per second, 1 to 100000",
						     optarg);
				goto out;
			}
			a->so.freq = (unsigned)v;
			break;
		case OPT_OFFCPU:
			a->so.mode = SAMPLER_OFFCPU;
			break;
		case OPT_MODE:
			if (strcmp(optarg, "cpu") == 0 || strcmp(optarg, "on-cpu") == 0)
				a->so.mode = SAMPLER_ONCPU;
			else if (strcmp(optarg, "off-cpu") == 0 || strcmp(optarg, "offcpu") == 0)
				a->so.mode = SAMPLER_OFFCPU;
			else if (strcmp(optarg, "wall") == 0)
				a->so.mode = SAMPLER_WALL;
			else {
				rc = cli_usage_error("record", "invalid --mode '%s': expected cpu, off-cpu or wall", optarg);
				goto out;
			}
			break;
		case OPT_WAKEUP:
			a->so.wakeup = true;
			break;
		case OPT_MIN_BLOCK:
		case OPT_MAX_BLOCK:
			if (!parse_u64(optarg, UINT64_MAX / 1000, &v)) {
				rc = cli_usage_error("record", "invalid --%s '%s': expected microseconds",
						     c == OPT_MIN_BLOCK ? "min-block" : "max-block", optarg);
				goto out;
			}
			if (c == OPT_MIN_BLOCK)
				a->so.min_block_ns = v ? v * 1000 : 1; /* 0 means the default (1 us): ask for 1 ns */
			else
				a->so.max_block_ns = v * 1000;
			if (c == OPT_MAX_BLOCK && v == 0) {
				rc = cli_usage_error("record", "--max-block must be above 0");
				goto out;
			}
			break;
		case OPT_STATE:
			if (sampler_parse_states(optarg, &a->so.states)) {
				rc = cli_usage_error("record", "invalid --state '%s': expected S, D, R, other or all",
						     optarg);
				goto out;
			}
			break;
		case OPT_UNIT:
			if (strcmp(optarg, "ns") == 0)
				a->unit_ns = 1;
			else if (strcmp(optarg, "us") == 0)
				a->unit_ns = 1000;
			else if (strcmp(optarg, "ms") == 0)
				a->unit_ns = 1000000;
			else {
				rc = cli_usage_error("record", "invalid --unit '%s': expected ns, us or ms", optarg);
				goto out;
			}
			a->unit = optarg;
			break;
		case 'p':
		case 't':
			if (sampler_parse_ids(optarg, c == 'p' ? &a->pids : &a->tids,
					      c == 'p' ? &a->so.npids : &a->so.ntids, &err)) {
				rc = cli_usage_error("record", "%s", err.msg.data);
				goto out;
			}
			break;
		case 'a':
			a->so.all = true;
			break;
		case OPT_CGROUP:
			a->so.cgroup = optarg;
			break;
		case 'C':
			if (sampler_parse_cpus(optarg, &a->cpus, &a->so.ncpus, &err)) {
				rc = cli_usage_error("record", "%s", err.msg.data);
				goto out;
			}
			break;
		case OPT_NO_INHERIT:
			a->so.no_inherit = true;
			break;
		case 'd':
			a->duration_ns = sampler_parse_duration(optarg);
			if (!a->duration_ns) {
				rc = cli_usage_error("record", "invalid -d '%s': expected seconds, e.g. 30, 2.5, 500ms, 5m",
						     optarg);
				goto out;
			}
			break;
		case 'U':
			a->so.user_stacks_only = true;
			break;
		case 'K':
			a->so.kernel_stacks_only = true;
			break;
		case OPT_IDLE:
			a->so.idle = true;
			break;
		case OPT_PER_THREAD:
			a->so.per_thread = true;
			a->ro.fold_flags |= FOLD_TID;
			break;
		case OPT_PER_PID:
			a->ro.fold_flags |= FOLD_PID;
			break;
		case OPT_PER_CPU:
			a->so.per_cpu = true;
			break;
		case OPT_KERNEL_TAG:
			a->ro.fold_flags |= FOLD_KERNEL_TAG;
			break;
		case OPT_NO_INLINE:
			a->ro.sym_flags |= SYM_PROFILE_NO_INLINES;
			break;
		case OPT_LINES:
			a->ro.sym_flags |= SYM_PROFILE_LINES;
			break;
		case OPT_MAX_OVERHEAD: {
			char *end;
			errno = 0;
			double pct = strtod(optarg, &end);
			if (end != optarg && *end == '%') /* "5%" reads as 5 */
				end++;
			if (errno || end == optarg || *end || !(pct >= 0 && pct <= 100000)) {
				rc = cli_usage_error("record", "invalid --max-overhead '%s': expected a percentage of one CPU, "
						     "e.g. 5 or 0.5 (0: no limit)", optarg);
				goto out;
			}
			a->max_overhead_pct = pct;
			break;
		}
		case OPT_STACK_MAP_SIZE:
			if (!parse_u64(optarg, 1u << 22, &v) || v == 0) {
				rc = cli_usage_error("record", "invalid --stack-map-size '%s': expected 1 to 4194304", optarg);
				goto out;
			}
			a->so.stack_map_entries = (uint32_t)v;
			break;
		case OPT_DEBUG_DIR:
			if (add_str(&a->debug_dirs, &a->ndebug_dirs, optarg))
				goto nomem;
			break;
		case OPT_NO_DEMANGLE:
			a->no_demangle = true;
			break;
		case 'o':
			if (add_str(&a->outputs, &a->noutputs, optarg))
				goto nomem;
			break;
		case 'q':
			a->quiet = true;
			break;
		case 'h':
			usage(stdout);
			rc = 1000;
			goto out;
		default:
			if (c >= OUTPUT_OPT_BASE && c < OUTPUT_OPT_END) {
				if (c == OUTPUT_OPT_COLORS)
					a->colors_given = true;
				if (c == OUTPUT_OPT_COUNTNAME)
					a->countname_given = true;
				if (output_parse_flame_option(&a->out, c, optarg, &err) < 0) {
					rc = cli_usage_error("record", "%s", err.msg.data);
					goto out;
				}
				break;
			}
			if (c == ':' || (c == '?' && optopt && strchr("FptCdo", optopt)))
				rc = cli_usage_error("record", "option '%s' needs a value", argv[optind - 1]);
			else if (optopt)
				rc = cli_usage_error("record", "unknown option '-%c'", optopt);
			else
				rc = cli_usage_error("record", "unknown option '%s'", argv[optind - 1]);
			goto out;
		}
	}
	a->so.pids = a->pids;
	a->so.tids = a->tids;
	a->so.cpus = a->cpus;
	a->so.duration = a->duration_ns / 1e9;
	if (optind < argc)
		a->command = argv + optind;
	if (a->unit && a->so.mode == SAMPLER_ONCPU) {
		rc = cli_usage_error("record", "--unit applies to --off-cpu and --mode wall");
		goto out;
	}
	if (a->so.dwarf_stack_size && a->so.kernel_stacks_only) {
		rc = cli_usage_error("record", "--call-graph dwarf unwinds user stacks: it cannot be combined with -K");
		goto out;
	}
	if (a->so.idle && !a->so.all && !a->so.cgroup && a->so.mode != SAMPLER_OFFCPU) {
		rc = cli_usage_error("record", "--idle needs -a (the idle task belongs to no process)");
		goto out;
	}
	if (output_opts_check(&a->out, &err) < 0)
		rc = cli_usage_error("record", "%s", err.msg.data);
	goto out;
nomem:
	cli_error("record: out of memory");
	rc = 1;
out:
	errbuf_release(&err);
	return rc;
}

static void args_release(struct record_args *a)
{
	free(a->outputs);
	free(a->debug_dirs);
	free(a->pids);
	free(a->tids);
	free(a->cpus);
}

/* JIT code left unnamed: say why and how to get the names, once, after the summary. */
static void print_jit_hints(const struct symbolizer *sym)
{
	struct symbolizer_stats st;
	symbolizer_get_stats(sym, &st);
	if (st.unknown[SYM_ANON])
		fprintf(stderr, "scorch: %llu addresses in JIT code have no name: no /tmp/perf-PID.map covers them "
				"(start node with --perf-basic-prof; for a JVM, `jcmd PID Compiler.perfmap` before the "
				"recording ends)\n", (unsigned long long)st.unknown[SYM_ANON]);
	if (st.unknown[SYM_JIT_MAP_UNTRUSTED])
		fprintf(stderr, "scorch: %llu addresses in JIT code have no name: their /tmp/perf-PID.map is owned by "
				"neither the process's user nor root, so it was ignored (it could lie); chown it to "
				"the process's user\n", (unsigned long long)st.unknown[SYM_JIT_MAP_UNTRUSTED]);
}

int cmd_record(int argc, char **argv)
{
	struct record_args a;
	struct errbuf err;
	struct symbolizer *sym = NULL;
	struct sampler *s = NULL;
	struct profile *p = NULL;
	struct spawned sp = { .pid = -1, .go_fd = -1, .err_fd = -1 };
	struct loop l = { .epfd = -1, .sigfd = -1, .timerfd = -1, .child = -1 };
	struct buf target = BUF_INIT, subtitle = BUF_INIT;
	sigset_t mask, oldmask;
	bool masked = false;
	int rc;

	memset(&a, 0, sizeof(a));
	errbuf_init(&err);
	output_opts_init(&a.out, OUTPUT_FOLDED);
	a.max_overhead_pct = DEFAULT_MAX_OVERHEAD;
	a.so.measure_bpf_time = true; /* for --max-overhead and the summary's figure */
	a.out.raw_samples = true; /* -o x.data: perf.data from the raw stacks */
	rc = parse_args(argc, argv, &a);
	if (rc) {
		rc = rc == 1000 ? 0 : rc;
		goto out;
	}
	if (a.command && (a.so.npids || a.so.ntids || a.so.all || a.so.cgroup)) {
		rc = cli_usage_error("record", "a command cannot be combined with -p, -t, -a or --cgroup");
		goto out;
	}
	a.ro.value_unit_ns = a.unit_ns;
	rc = 1;

	struct symbolizer_opts syo = {
		.debug_dirs = a.debug_dirs,
		.ndebug_dirs = a.ndebug_dirs,
		.demangle = !a.no_demangle,
		.demangle_short = true, /* names as perf shows them: no parameters or return type */
	};
	sym = symbolizer_new(&syo);
	if (!sym) {
		cli_error("record: out of memory");
		goto out;
	}
	a.so.sym = sym;

	/* signals are read from a signalfd; block them before any child exists */
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, &oldmask);
	masked = true;

	if (a.command) {
		if (sampler_spawn(a.command, &sp, &err)) {
			cli_report("record", &err);
			goto out;
		}
		a.so.exec_pid = sp.pid;
		l.child = sp.pid;
	}
	s = sampler_new(&a.so, &err);
	if (!s) {
		cli_report("record", &err);
		rc = err.code == -EINVAL ? 2 : 1;
		if (rc == 2)
			fputs("try 'scorch record --help'\n", stderr);
		goto out;
	}
	sampler_describe_target(&a.so, a.command, &target);
	if (sampler_attach(s, &err)) {
		cli_report("record", &err);
		goto out;
	}
	if (a.command && sampler_spawn_release(&sp, a.command[0], &err)) {
		l.child = -1;
		cli_report("record", &err);
		goto out;
	}
	l.guard.budget_pct = a.max_overhead_pct;
	if (record_loop_setup(&l, s, a.duration_ns, &mask, &err)) {
		cli_report("record", &err);
		goto out;
	}
	enum stop_reason why = record_loop_run(&l, s);
	a.stopped_by_guard = why == STOP_OVERHEAD;

	/* every end condition lands here: detach, drain, symbolize, write */
	sampler_detach(s);
	if (l.child > 0 && !l.child_exited) {
		/* stopped by -d or a signal: don't leave the command running unrecorded */
		kill(l.child, SIGTERM);
		waitpid(l.child, &l.child_status, 0);
		l.child_exited = true;
	}
	/* a second Ctrl-C while symbolizing ends scorch at once */
	sigprocmask(SIG_SETMASK, &oldmask, NULL);
	masked = false;

	/* the symbolized profile, unless every output is perf.data (perf names the frames itself) */
	const char *def = DEFAULT_OUTPUT;
	size_t nout = a.noutputs ? a.noutputs : 1;
	const char *const *outs = a.noutputs ? a.outputs : &def;
	bool want_profile = false;
	for (size_t i = 0; i < nout; i++)
		want_profile |= output_format_for(outs[i], &a.out) != OUTPUT_PERF_DATA;
	struct sampler_stats st;
	if (want_profile) {
		p = profile_new();
		if (!p) {
			cli_error("record: out of memory");
			goto out;
		}
		if (sampler_read(s, p, &a.ro, &err)) {
			cli_report("record", &err);
			goto out;
		}
		sampler_get_stats(s, &st);
		record_flame_defaults(&a, &st, target.data, &subtitle);
		profile_meta_set(p, "target", target.data);
		profile_meta_set(p, "title", a.out.flame.title);
		profile_meta_set(p, "subtitle", a.out.flame.subtitle);
	}

	rc = 0;
	struct buf written = BUF_INIT;
	const char **cmdline = calloc((size_t)argc + 1, sizeof(*cmdline));
	if (!cmdline) {
		cli_error("record: out of memory");
		rc = 1;
		goto out;
	}
	cmdline[0] = "scorch";
	for (int i = 0; i < argc; i++)
		cmdline[i + 1] = argv[i];
	struct sampler_stats st0;
	sampler_get_stats(s, &st0);
	struct record_perf_opts po = {
		.mode = a.so.mode,
		.freq = a.so.freq,
		.per_cpu = a.so.per_cpu,
		.user_only = a.so.user_stacks_only,
		.kernel_only = a.so.kernel_stacks_only,
		.argv = cmdline,
		.argc = (size_t)argc + 1,
		.start_ns = st0.attach_ns,
		.quiet = a.quiet,
	};
	uint64_t raw_stacks = 0;
	for (size_t i = 0; i < nout; i++) {
		const char *path = outs[i];
		errbuf_release(&err);
		errbuf_init(&err);
		int e;
		if (output_format_for(path, &a.out) == OUTPUT_PERF_DATA)
			e = record_write_perf_data(path, s, sym, &po, &raw_stacks, &err);
		else
			e = output_write(path, p, &a.out, &err);
		if (e < 0 && e != -ENODATA) {
			cli_report("record", &err);
			rc = 1;
			continue;
		}
		if (strcmp(path, "-") != 0)
			buf_addf(&written, "%s%s", written.len ? ", " : "", path);
	}
	free(cmdline);
	if (why == STOP_OVERHEAD && a.quiet) /* -q or not, an early end is said */
		record_print_overhead_stop(&l);
	if (!a.quiet) {
		sampler_get_stats(s, &st); /* lost stacks are known once the stacks were read */
		record_print_summary(&a, &st, target.data, why, &l);
		if (written.len)
			fprintf(stderr, "scorch: wrote %s\n", written.data);
		if (p)
			print_jit_hints(sym);
		if (p ? !profile_stack_count(p) : !raw_stacks)
			fprintf(stderr, "scorch: nothing was recorded: did the target run%s?\n",
				a.so.mode == SAMPLER_OFFCPU ? " and block" : " on a CPU");
	}
	buf_release(&written);
out:
	if (sp.pid > 0 && sp.go_fd >= 0)
		sampler_spawn_abort(&sp);
	if (masked)
		sigprocmask(SIG_SETMASK, &oldmask, NULL);
	record_loop_release(&l);
	profile_free(p);
	sampler_free(s);
	symbolizer_free(sym);
	buf_release(&target);
	buf_release(&subtitle);
	errbuf_release(&err);
	args_release(&a);
	return rc;
}

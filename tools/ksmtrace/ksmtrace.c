// SPDX-License-Identifier: GPL-2.0
/*
 * ksmtrace - stream KSM events and check KSM's invariants live.
 *
 *   ksmtrace [-e EVENTS] [-p PID] [--mm ADDR] [--pfn PFN] [--node ADDR]
 *            [-K] [-j] [--perfetto FILE] [-d SECONDS] [-v]
 *   ksmtrace --check [-d SECONDS] [--tolerate-loss] [--kmsg] [--first]
 *            [-- COMMAND ARGS...]
 *   ksmtrace --why PID [-d SECONDS] [-j]
 *
 * Filters run in BPF.  --check loads the invariant engine (BPF state per
 * stable node and rmap_item, see docs/invariants.md), prints every
 * violation with the recent history of what it involves, and ends with
 * one summary line.  Exit status: 0 clean, 1 violation or lost events,
 * 2 usage or setup error, 130 interrupted.  COMMAND's own status is
 * reported in the summary, it does not decide the verdict.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "ksm_bpf.h"
#include "ksm_check.h"
#include "ksm_evdesc.h"
#include "ksm_sysfs.h"
#include "ksm_util.h"
#include "ksm_whyev.h"
#include "output.h"

#define EXIT_VIOLATION 1
#define EXIT_SETUP 2
#define EXIT_INTERRUPTED 130

/* The command line. */
struct opts {
	__u64 events;		/* stream mask */
	bool events_given;
	int pid;
	int why;		/* --why PID */
	__u64 mm, pfn, node;
	bool stack, json, check, tolerate_loss, kmsg, first, verbose;
	const char *perfetto;
	double duration;
	char **cmd;
};

/*
 * One run: what setup opens, the stream and the end work on, and the
 * one teardown at the end of main() closes.
 */
struct ksmtrace {
	struct opts opt;
	struct ksm_bpf bpf;
	struct ksm_checker checker;
	struct ring_buffer *rb;
	struct ksmtrace_out out;
	unsigned long long streamed;	/* events taken off the ring buffer */
	pid_t child;			/* COMMAND while it runs, else -1 */
	int status;			/* its wait status, -1 before it ends */
	bool first_hit;			/* --first stopped the stream */
	__u64 cnt[KSM_CNT_NR];		/* BPF's counters at the end */
};

/* set by the signal handler, so file-scope; read by the loops that wait */
static volatile sig_atomic_t stop, interrupted;

static void on_signal(int sig)
{
	if (sig == SIGINT || sig == SIGTERM)
		interrupted = 1;
	stop = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
"usage: ksmtrace [-e EVENT,...] [-p PID] [--mm ADDR] [--pfn PFN] [--node ADDR]\n"
"                [-K] [-j] [--perfetto FILE] [-d SECONDS] [-v]\n"
"       ksmtrace --check [-d SECONDS] [--tolerate-loss] [--kmsg] [--first]\n"
"                [-- COMMAND ARGS...]\n"
"       ksmtrace --why PID [-d SECONDS] [-j]\n"
"Stream the kernel's ksm:* events; check KSM's invariants.  Needs root.\n\n"
"  -e, --events LIST    event names (ksm_stale_node or stale_node), comma\n"
"                       separated; default: every one the kernel has\n"
"  -p, --pid PID        events of that process's mm, or run in it\n"
"      --mm ADDR        events naming that mm_struct (0x...)\n"
"      --pfn PFN        events naming that page frame\n"
"      --node ADDR      events naming that stable node (0x...)\n"
"  -K, --stack          the kernel stack of each event\n"
"  -j, --json           JSON lines instead of text\n"
"      --perfetto FILE  also write a Chrome/Perfetto trace-event timeline\n"
"  -d, --duration S     stop after S seconds\n"
"      --check          check invariants (docs/invariants.md); print only\n"
"                       violations and a summary; exit 1 on a violation or\n"
"                       a lost event\n"
"      --tolerate-loss  with --check: lost events do not fail the check\n"
"      --kmsg           with --check: each violation's first line also goes\n"
"                       to the kernel log (/dev/kmsg), next to any oops\n"
"      --first          with --check: stop at the first violation (COMMAND\n"
"                       is ended), for a kernel that may not survive it\n"
"      --why PID        why PID's anonymous memory is not merged: its pages\n"
"                       by reason, read twice -d seconds apart (default 1),\n"
"                       with its mm's events meanwhile (docs/ksmtrace.md)\n"
"  -v, --verbose        libbpf's messages\n"
"  -- COMMAND ARGS      run COMMAND and stop when it exits\n\n"
"exit status: 0 fine, 1 violation or lost events (--check), 2 bad usage or\n"
"setup, 130 interrupted (the summary so far is printed).\n");
}

static int parse_events(struct opts *o, const char *list, char *err,
			size_t len)
{
	char buf[1024], *tok, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		char name[96];
		int t = ksm_event_type(tok);

		if (t < 0) {
			snprintf(name, sizeof(name), "ksm_%s", tok);
			t = ksm_event_type(name);
		}
		if (t < 0) {
			snprintf(err, len, "unknown event '%s'", tok);
			return -1;
		}
		o->events |= 1ULL << t;
	}
	o->events_given = true;
	return 0;
}

static int parse_u64(const char *s, __u64 *out)
{
	char *end;

	errno = 0;
	*out = strtoull(s, &end, 0);
	return end == s || *end || errno || !*out ? -1 : 0;
}

static int parse_args(struct opts *o, int argc, char **argv, char *err,
		      size_t len)
{
	enum { O_MM = 256, O_PFN, O_NODE, O_PERFETTO, O_CHECK, O_TOL, O_KMSG,
	       O_FIRST, O_WHY };
	static const struct option lo[] = {
		{ "events", required_argument, NULL, 'e' },
		{ "pid", required_argument, NULL, 'p' },
		{ "mm", required_argument, NULL, O_MM },
		{ "pfn", required_argument, NULL, O_PFN },
		{ "node", required_argument, NULL, O_NODE },
		{ "stack", no_argument, NULL, 'K' },
		{ "json", no_argument, NULL, 'j' },
		{ "perfetto", required_argument, NULL, O_PERFETTO },
		{ "duration", required_argument, NULL, 'd' },
		{ "check", no_argument, NULL, O_CHECK },
		{ "tolerate-loss", no_argument, NULL, O_TOL },
		{ "kmsg", no_argument, NULL, O_KMSG },
		{ "first", no_argument, NULL, O_FIRST },
		{ "why", required_argument, NULL, O_WHY },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:e:p:Kjd:vh", lo, NULL)) != -1) {
		switch (c) {
		case 'e':
			if (parse_events(o, optarg, err, len))
				return -1;
			break;
		case 'p':
			o->pid = (int)strtol(optarg, &end, 10);
			if (*end || o->pid <= 0) {
				snprintf(err, len, "bad pid '%s'", optarg);
				return -1;
			}
			break;
		case O_MM:
		case O_PFN:
		case O_NODE:
			if (parse_u64(optarg, c == O_MM ? &o->mm : c == O_PFN ?
				      &o->pfn : &o->node)) {
				snprintf(err, len, "bad %s '%s'", c == O_MM ? "--mm" :
					 c == O_PFN ? "--pfn" : "--node", optarg);
				return -1;
			}
			break;
		case 'K':
			o->stack = true;
			break;
		case 'j':
			o->json = true;
			break;
		case O_PERFETTO:
			o->perfetto = optarg;
			break;
		case 'd':
			o->duration = strtod(optarg, &end);
			if (end == optarg || *end || !(o->duration > 0)) {
				snprintf(err, len, "-d needs seconds > 0, not '%s'",
					 optarg);
				return -1;
			}
			break;
		case O_CHECK:
			o->check = true;
			break;
		case O_TOL:
			o->tolerate_loss = true;
			break;
		case O_KMSG:
			o->kmsg = true;
			break;
		case O_FIRST:
			o->first = true;
			break;
		case O_WHY:
			o->why = (int)strtol(optarg, &end, 10);
			if (*end || o->why <= 0) {
				snprintf(err, len, "bad pid '%s' for --why", optarg);
				return -1;
			}
			break;
		case 'v':
			o->verbose = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:	/* ':' value missing, '?' unknown */
			ksm_opt_error(c, optopt, argv[optind - 1], err, len);
			return -1;
		}
	}
	if (optind < argc) {
		if (optind < 2 || strcmp(argv[optind - 1], "--")) {
			/* a bare word: COMMAND must follow "--" */
			snprintf(err, len, "unexpected argument '%s' (a "
				 "command goes after --)", argv[optind]);
			return -1;
		}
		o->cmd = &argv[optind];
	}
	return 0;
}

/* ---- the stream ---- */

static int on_record(void *ctx, void *data, size_t len)
{
	struct ksmtrace *kt = ctx;
	const struct ksm_event *e = data;

	if (len < sizeof(*e))
		return 0;
	if (e->type == KSM_REC_VIOLATION) {
		ksm_check_record(&kt->checker, e);
		return 0;
	}
	if (e->type >= KSM_EV_NR)
		return 0;
	kt->streamed++;
	out_perfetto_event(&kt->out, e);
	if (kt->opt.check && !kt->opt.events_given)
		return 0;
	out_event(&kt->out, e);
	return 0;
}

/* ---- COMMAND ---- */

static pid_t start_command(char **argv, char *err, size_t len)
{
	int p[2], e = 0;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC)) {
		snprintf(err, len, "pipe: %s", strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		snprintf(err, len, "fork: %s", strerror(errno));
		return -1;
	}
	if (!pid) {
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		execvp(argv[0], argv);
		e = errno;
		if (write(p[1], &e, sizeof(e)) < 0)
			_exit(127);
		_exit(127);
	}
	close(p[1]);
	if (read(p[0], &e, sizeof(e)) == sizeof(e)) {
		close(p[0]);
		waitpid(pid, NULL, 0);
		snprintf(err, len, "cannot run '%s': %s", argv[0], strerror(e));
		return -1;
	}
	close(p[0]);
	return pid;
}

/* ---- setup: each step 0, or EXIT_SETUP with the error said ---- */

/* The command line, and whether this machine can run us at all. */
static int setup_args(struct opts *o, int argc, char **argv)
{
	char err[512];

	if (parse_args(o, argc, argv, err, sizeof(err))) {
		fprintf(stderr, "ksmtrace: error: %s (ksmtrace -h for help)\n",
			err);
		return EXIT_SETUP;
	}
	if (geteuid()) {
		fprintf(stderr, "ksmtrace: error: needs root (BPF)\n");
		return EXIT_SETUP;
	}
	if (!ksm_present()) {
		fprintf(stderr, "ksmtrace: error: no %s: the kernel has no KSM "
			"(CONFIG_KSM)\n", ksm_sysfs_dir());
		return EXIT_SETUP;
	}
	return 0;
}

static int setup_outputs(struct ksmtrace *kt)
{
	kt->out.stream = stdout;
	kt->out.json = kt->opt.json;
	kt->out.stack = kt->opt.stack;
	if (kt->opt.perfetto && out_perfetto_open(&kt->out, kt->opt.perfetto)) {
		fprintf(stderr, "ksmtrace: error: cannot write %s: %s\n",
			kt->opt.perfetto, strerror(errno));
		return EXIT_SETUP;
	}
	return 0;
}

/* tests: a small ring buffer, to make losses happen */
static int ringbuf_bytes_from_env(__u32 *bytes)
{
	const char *v = getenv("KSMSCOPE_RINGBUF_BYTES");
	unsigned long n;
	char *end;

	if (!v)
		return 0;
	n = strtoul(v, &end, 0);
	if (*end || n < 4096 || n > (1ul << 30) || (n & (n - 1))) {
		fprintf(stderr, "ksmtrace: error: KSMSCOPE_RINGBUF_BYTES "
			"must be a power of 2 from 4096 to 2^30, not "
			"'%s'\n", v);
		return EXIT_SETUP;
	}
	*bytes = (__u32)n;
	return 0;
}

/* Load and attach (filters in force from the start), then the checker. */
static int setup_bpf(struct ksmtrace *kt)
{
	struct ksm_bpf_opts bo = { .tool = "ksmtrace" };
	struct opts *o = &kt->opt;
	char err[512];
	int t;

	if (!o->events_given && (!o->check || o->perfetto))
		o->events = (1ULL << KSM_EV_NR) - 1;
	bo.stream_mask = o->events;
	bo.filter_tgid = (__u32)o->pid;
	bo.filter_mm = o->mm;
	bo.filter_pfn = o->pfn;
	bo.filter_node = o->node;
	bo.check = o->check;
	bo.stack = o->stack;
	bo.verbose = o->verbose;
	if (ringbuf_bytes_from_env(&bo.ringbuf_bytes))
		return EXIT_SETUP;
	if (ksm_bpf_open(&kt->bpf, &bo, err, sizeof(err))) {
		fprintf(stderr, "ksmtrace: error: %s\n", err);
		return EXIT_SETUP;
	}
	if (!kt->bpf.n_attached && !kt->bpf.probes.on) {
		fprintf(stderr, "ksmtrace: error: nothing to attach: %s\n",
			kt->bpf.why_none);
		return EXIT_SETUP;
	}
	fprintf(stderr, "%s\n", kt->bpf.summary);
	for (t = 0; t < KSM_EV_NR; t++)
		if (o->events_given && (o->events & (1ULL << t)) &&
		    !kt->bpf.attached[t])
			fprintf(stderr, "ksmtrace: warning: %s is not in this "
				"kernel\n", ksm_event_desc[t].name);
	kt->out.stacks_fd = ksm_bpf_map_fd(&kt->bpf, KSM_MAP_STACKS);
	kt->out.src = kt->bpf.src;
	ksm_check_init(&kt->checker, &kt->bpf, stdout);
	if (o->check && o->kmsg) {
		kt->checker.kmsg_fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
		if (kt->checker.kmsg_fd < 0)
			fprintf(stderr, "ksmtrace: warning: cannot write /dev/kmsg: "
				"%s\n", strerror(errno));
	}
	if (o->check) {
		char cov[512];

		ksm_check_coverage(&kt->checker, cov, sizeof(cov));
		fprintf(stderr, "ksmtrace: invariants %s\n", cov);
	}
	if (o->pid && !kt->bpf.filter_mm)
		fprintf(stderr, "ksmtrace: warning: no mm for pid %d: only events "
			"in its own context\n", o->pid);
	return 0;
}

/* The ring buffer, the signals, time zero, and COMMAND last. */
static int setup_start(struct ksmtrace *kt)
{
	struct sigaction sa = { .sa_handler = on_signal };
	char err[512];

	kt->rb = ring_buffer__new(ksm_bpf_events_fd(&kt->bpf), on_record, kt,
				  NULL);
	if (!kt->rb) {
		fprintf(stderr, "ksmtrace: error: ring buffer: %s\n",
			strerror(errno));
		return EXIT_SETUP;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	kt->out.t0_ns = ksm_now_ns();
	if (kt->opt.cmd) {
		kt->child = start_command(kt->opt.cmd, err, sizeof(err));
		if (kt->child < 0) {
			fprintf(stderr, "ksmtrace: error: %s\n", err);
			return EXIT_SETUP;
		}
	}
	return 0;
}

/* Each step in turn, up to the first that fails; 0 or EXIT_SETUP. */
static int setup(struct ksmtrace *kt)
{
	int ret = setup_outputs(kt);

	if (!ret)
		ret = setup_bpf(kt);
	if (!ret)
		ret = setup_start(kt);
	return ret;
}

/* ---- the run ---- */

/*
 * Until a signal, -d, COMMAND's end, --first's first violation or a ring
 * buffer error (EXIT_SETUP; else 0).
 */
static int stream(struct ksmtrace *kt)
{
	double end = kt->opt.duration > 0 ? ksm_now() + kt->opt.duration : 0;
	double next_check = ksm_now() + 1;

	while (!stop) {
		int r = ring_buffer__poll(kt->rb, 100);

		/* BPF wakes us per batch: drain what a quiet stream left */
		if (!r)
			r = ring_buffer__consume(kt->rb);
		if (r < 0 && r != -EINTR) {
			fprintf(stderr, "ksmtrace: error: ring buffer: %s\n",
				strerror(-r));
			return EXIT_SETUP;
		}
		ksm_check_poll(&kt->checker, false);
		/* I5, global and per process, wherever ksmd is quiet */
		if (kt->opt.check && ksm_now() >= next_check) {
			ksm_check_counters(&kt->checker);
			next_check = ksm_now() + 1;
		}
		if (kt->opt.first && ksm_check_total(&kt->checker)) {
			kt->first_hit = true;
			return 0;
		}
		if (kt->child > 0 &&
		    waitpid(kt->child, &kt->status, WNOHANG) == kt->child) {
			kt->child = -1;
			return 0;
		}
		if (end && ksm_now() >= end)
			return 0;
	}
	return 0;
}

/* COMMAND still running: ended, its status as for one that ended by itself */
static void end_command(struct ksmtrace *kt)
{
	if (kt->child > 0) {
		kill(kt->child, SIGTERM);
		if (waitpid(kt->child, &kt->status, 0) == kt->child)
			kt->child = -1;
	}
}

/* Wait for ksmd to finish n full scans (bounded), for the end checks. */
static void wait_full_scans(int n, double max_s)
{
	long start = ksm_read("full_scans");
	double t0 = ksm_now();

	if (ksm_read("run") != 1 || start < 0)
		return;
	while (!interrupted && ksm_read("full_scans") < start + n &&
	       ksm_now() - t0 < max_s)
		usleep(50000);
}

/* --check's end: I5 at quiescent points, suspects due, I6 leftovers. */
static void end_check(struct ksmtrace *kt)
{
	struct ksm_checker *c = &kt->checker;
	int i, compared = 0;

	/* quiescent points: ksmd between batches, no event meanwhile */
	wait_full_scans(2, 30);
	for (i = 0; i < 200 && compared < 3 && !interrupted; i++) {
		ring_buffer__consume(kt->rb);
		compared += ksm_check_counters(c);
		usleep(20000);
	}
	if (!compared && c->checkable[KSM_INV_I5])
		snprintf(c->i5_note, sizeof(c->i5_note),
			 "I5 not compared: ksmd never quiescent");
	ring_buffer__consume(kt->rb);
	ksm_check_poll(c, true);
	ksm_check_leftovers(c);
}

/* ---- the end: summary and verdict ---- */

static void print_summary(const struct ksmtrace *kt, FILE *f, int cmd_status)
{
	const struct ksm_checker *ck = &kt->checker;
	const __u64 *cnt = kt->cnt, *base = ck->base_cnt;
	char cov[512];
	int k, place, c;

	if (kt->opt.check) {
		ksm_check_procs_line(ck, cov, sizeof(cov));
		fprintf(f, "ksmtrace: %s\n", cov);
	}
	/* the classes in their summary places (bpf/ksm_events.def) */
	fprintf(f, "ksmtrace: events");
	for (place = 1; place <= KSM_CLASS_NR; place++)
		for (c = 0; c < KSM_CLASS_NR; c++) {
			int slot = ksm_class_desc[c].slot;

			if (ksm_class_desc[c].summary != place ||
			    !ksm_class_available(c, kt->bpf.attached))
				continue;
			fprintf(f, " %s=%llu", ksm_class_desc[c].key,
				(unsigned long long)(cnt[slot] - base[slot]));
		}
	fprintf(f, "; lost %llu", (unsigned long long)(cnt[KSM_CNT_LOST] -
						       base[KSM_CNT_LOST]));
	if (kt->opt.check) {
		fprintf(f, "; violations %llu", ksm_check_total(ck));
		for (k = 1; k < KSM_INV_NR; k++)
			if (ck->found[k])
				fprintf(f, " %s=%llu", ksm_inv_desc[k].id,
					ck->found[k]);
		ksm_check_coverage(ck, cov, sizeof(cov));
		fprintf(f, "; %s", cov);
	} else {
		unsigned long long fired = 0;

		/* what the kernel fired of the streamed types, counted in BPF */
		for (k = 0; k < KSM_EV_NR; k++)
			if (kt->opt.events & (1ULL << k))
				fired += cnt[k] - base[k];
		fprintf(f, "; streamed %llu of %llu fired", kt->streamed, fired);
	}
	if (cmd_status >= 0)
		fprintf(f, "; command exit %d", cmd_status);
	fprintf(f, "%s\n", interrupted ? "; interrupted" : "");
	fflush(f);
}

/* The last events, the counters, the summary; the Perfetto file ended. */
static void report(struct ksmtrace *kt)
{
	const struct opts *o = &kt->opt;
	int status = kt->status;

	ring_buffer__consume(kt->rb);
	ksm_bpf_counters(&kt->bpf, kt->cnt);
	/* COMMAND's exit status, 128 + the signal that ended it */
	if (kt->child == -1 && o->cmd && status >= 0)
		status = WIFEXITED(status) ? WEXITSTATUS(status) :
			 128 + WTERMSIG(status);
	print_summary(kt, o->check ? stdout : stderr, o->cmd ? status : -1);
	if ((o->pid || o->mm || o->pfn || o->node) && !kt->streamed &&
	    !o->check)
		fprintf(stderr, "ksmtrace: warning: the filters matched no "
			"event\n");
	out_perfetto_finish(&kt->out);
}

/* The exit status: the stream's error, else interrupted, else --check's. */
static int verdict(const struct ksmtrace *kt, int ret)
{
	const struct ksm_checker *c = &kt->checker;

	if (ret)
		return ret;
	if (interrupted)
		return EXIT_INTERRUPTED;
	if (kt->opt.check && (ksm_check_total(c) ||
			      (!kt->opt.tolerate_loss &&
			       kt->cnt[KSM_CNT_LOST] != c->base_cnt[KSM_CNT_LOST])))
		return EXIT_VIOLATION;
	return 0;
}

/*
 * --why PID: one reading (tools/lib/ksm_why.c) with the events of its mm,
 * from whatever this kernel lets us attach; 0, 2 for a process that is
 * not there or has no memory, 130 interrupted, 1 otherwise.
 */
static int why(struct ksmtrace *kt)
{
	struct ksm_bpf_opts bo = { .tool = "ksmtrace" };
	struct sigaction sa = { .sa_handler = on_signal };
	const struct opts *o = &kt->opt;
	struct ksm_why_events ev;
	struct ksm_why w;
	char err[512], path[64];
	int ret;

	if (o->check || o->pid || o->mm || o->pfn || o->node || o->events_given ||
	    o->stack || o->perfetto || o->cmd) {
		fprintf(stderr, "ksmtrace: error: --why takes only -d and -j "
			"(ksmtrace -h for help)\n");
		return EXIT_SETUP;
	}
	snprintf(path, sizeof(path), "%s/%d", ksm_proc_root(), o->why);
	if (access(path, F_OK)) {
		fprintf(stderr, "ksmtrace: error: no process %d\n", o->why);
		return EXIT_SETUP;
	}
	bo.verbose = o->verbose;
	bo.no_probes = true;
	if (ksm_bpf_open(&kt->bpf, &bo, err, sizeof(err))) {
		fprintf(stderr, "ksmtrace: error: %s\n", err);
		return EXIT_SETUP;
	}
	fprintf(stderr, "%s\n", kt->bpf.summary);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	ret = ksm_why_run(&kt->bpf, o->why, o->duration > 0 ? o->duration : 1,
			  &stop, &w, &ev, err, sizeof(err));
	if (ret == -EINTR)
		return EXIT_INTERRUPTED;
	if (ret) {
		fprintf(stderr, "ksmtrace: error: %s\n", err);
		return ret == -ESRCH || ret == -EINVAL ? EXIT_SETUP : 1;
	}
	ksm_why_print(stdout, &w, &ev, o->json);
	return 0;
}

int main(int argc, char **argv)
{
	struct ksmtrace kt = {
		.bpf.stats_fd = -1,	/* ksm_bpf_close() before ksm_bpf_open() */
		.out.stacks_fd = -1,
		.child = -1,
		.status = -1,
	};
	int ret;

	ret = setup_args(&kt.opt, argc, argv);
	if (!ret && kt.opt.why) {
		ret = why(&kt);
		goto cleanup;
	}
	ret = ret ? ret : setup(&kt);
	if (ret)
		goto cleanup;
	ret = stream(&kt);
	end_command(&kt);
	/* after --first, the kernel may be past saving: no waiting on ksmd */
	if (kt.opt.check && !interrupted && !kt.first_hit)
		end_check(&kt);
	report(&kt);
	ret = verdict(&kt, ret);
cleanup:
	/* detach and free; a Perfetto file that setup left is closed as is */
	ring_buffer__free(kt.rb);
	ksm_check_free(&kt.checker);
	ksm_bpf_close(&kt.bpf);
	out_perfetto_close(&kt.out);
	return ret;
}

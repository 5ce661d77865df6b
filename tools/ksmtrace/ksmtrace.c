// SPDX-License-Identifier: GPL-2.0
/*
 * ksmtrace - stream KSM events and check KSM's invariants live.
 *
 *   ksmtrace [-e EVENTS] [-p PID] [--mm ADDR] [--pfn PFN] [--node ADDR]
 *            [-K] [-j] [--perfetto FILE] [-d SECONDS] [-v]
 *   ksmtrace --check [-d SECONDS] [--tolerate-loss] [--kmsg] [--first]
 *            [-- COMMAND ARGS...]
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
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "ksm_bpf.h"
#include "ksm_check.h"
#include "ksm_evdesc.h"
#include "ksm_fmt.h"
#include "ksm_sysfs.h"
#include "ksm_util.h"

#define EXIT_VIOLATION 1
#define EXIT_SETUP 2
#define EXIT_INTERRUPTED 130

static struct {
	__u64 events;		/* stream mask */
	bool events_given;
	int pid;
	__u64 mm, pfn, node;
	bool stack, json, check, tolerate_loss, kmsg, first, verbose;
	const char *perfetto;
	double duration;
	char **cmd;
} opt;

static volatile sig_atomic_t stop, interrupted;
static struct ksm_bpf bpf;
static struct ksm_checker checker;
static FILE *perfetto;
static unsigned long long streamed, perfetto_n;
static __u64 t0_ns;

static void on_signal(int sig)
{
	if (sig == SIGINT || sig == SIGTERM)
		interrupted = 1;
	stop = 1;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void usage(FILE *f)
{
	fprintf(f,
"usage: ksmtrace [-e EVENT,...] [-p PID] [--mm ADDR] [--pfn PFN] [--node ADDR]\n"
"                [-K] [-j] [--perfetto FILE] [-d SECONDS] [-v]\n"
"       ksmtrace --check [-d SECONDS] [--tolerate-loss] [--kmsg] [--first]\n"
"                [-- COMMAND ARGS...]\n"
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
"  -v, --verbose        libbpf's messages\n"
"  -- COMMAND ARGS      run COMMAND and stop when it exits\n\n"
"exit status: 0 fine, 1 violation or lost events (--check), 2 bad usage or\n"
"setup, 130 interrupted (the summary so far is printed).\n");
}

static int parse_events(const char *list, char *err, size_t len)
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
		opt.events |= 1ULL << t;
	}
	opt.events_given = true;
	return 0;
}

static int parse_u64(const char *s, __u64 *out)
{
	char *end;

	errno = 0;
	*out = strtoull(s, &end, 0);
	return end == s || *end || errno || !*out ? -1 : 0;
}

static int parse_args(int argc, char **argv, char *err, size_t len)
{
	enum { O_MM = 256, O_PFN, O_NODE, O_PERFETTO, O_CHECK, O_TOL, O_KMSG,
	       O_FIRST };
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
			if (parse_events(optarg, err, len))
				return -1;
			break;
		case 'p':
			opt.pid = (int)strtol(optarg, &end, 10);
			if (*end || opt.pid <= 0) {
				snprintf(err, len, "bad pid '%s'", optarg);
				return -1;
			}
			break;
		case O_MM:
		case O_PFN:
		case O_NODE:
			if (parse_u64(optarg, c == O_MM ? &opt.mm : c == O_PFN ?
				      &opt.pfn : &opt.node)) {
				snprintf(err, len, "bad %s '%s'", c == O_MM ? "--mm" :
					 c == O_PFN ? "--pfn" : "--node", optarg);
				return -1;
			}
			break;
		case 'K':
			opt.stack = true;
			break;
		case 'j':
			opt.json = true;
			break;
		case O_PERFETTO:
			opt.perfetto = optarg;
			break;
		case 'd':
			opt.duration = strtod(optarg, &end);
			if (end == optarg || *end || !(opt.duration > 0)) {
				snprintf(err, len, "-d needs seconds > 0, not '%s'",
					 optarg);
				return -1;
			}
			break;
		case O_CHECK:
			opt.check = true;
			break;
		case O_TOL:
			opt.tolerate_loss = true;
			break;
		case O_KMSG:
			opt.kmsg = true;
			break;
		case O_FIRST:
			opt.first = true;
			break;
		case 'v':
			opt.verbose = true;
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
		opt.cmd = &argv[optind];
	}
	return 0;
}

/* ---- output ---- */

static void print_text(const struct ksm_event *e)
{
	char buf[512];

	ksm_event_format(e, buf, sizeof(buf));
	printf("%12.6f %3u %7u %-15.15s %s\n", (e->ts_ns - t0_ns) / 1e9,
	       e->cpu, e->tgid, e->comm, buf);
}

static void json_args(FILE *f, const struct ksm_event *e)
{
	const struct ksm_event_desc *d = &ksm_event_desc[e->type];
	int i;

	fputc('{', f);
	for (i = 0; i < d->nargs && i < e->nargs; i++) {
		char val[40];

		ksm_arg_format(e->type, i, e->args[i], val, sizeof(val));
		if (d->kind[i] == KSM_ARG_PTR || d->kind[i] == KSM_ARG_HEX ||
		    d->kind[i] >= KSM_ARG_FIRST_ENUM)
			fprintf(f, "%s\"%s\":\"%s\"", i ? "," : "", d->arg[i], val);
		else
			fprintf(f, "%s\"%s\":%s", i ? "," : "", d->arg[i], val);
	}
	fputc('}', f);
}

static void print_stack(FILE *f, const struct ksm_event *e, bool json)
{
	__u64 ips[16] = { 0 };
	int fd = ksm_bpf_map_fd(&bpf, KSM_MAP_STACKS), i;

	if (e->stack_id < 0 || fd < 0 ||
	    bpf_map_lookup_elem(fd, &e->stack_id, ips)) {
		if (json)
			fprintf(f, ",\"stack\":[]");
		return;
	}
	if (json)
		fprintf(f, ",\"stack\":[");
	for (i = 0; i < 16 && ips[i]; i++) {
		if (json)
			fprintf(f, "%s\"0x%" PRIx64 "\"", i ? "," : "",
				(uint64_t)ips[i]);
		else
			fprintf(f, "%28s0x%" PRIx64 "\n", "", (uint64_t)ips[i]);
	}
	if (json)
		fputc(']', f);
}

static void print_json(const struct ksm_event *e)
{
	printf("{\"ts_ns\":%llu,\"cpu\":%u,\"pid\":%u,\"tid\":%u,\"comm\":",
	       (unsigned long long)e->ts_ns, e->cpu, e->tgid, e->pid);
	ksm_json_str(stdout, e->comm);
	printf(",\"event\":\"%s\",\"args\":", ksm_event_desc[e->type].name);
	json_args(stdout, e);
	if (opt.stack)
		print_stack(stdout, e, true);
	printf("}\n");
}

/* Chrome trace-event format: one instant per event, a track per CPU. */
static void perfetto_event(const struct ksm_event *e)
{
	fprintf(perfetto, "%s{\"name\":\"%s\",\"cat\":\"ksm\",\"ph\":\"i\","
		"\"s\":\"t\",\"ts\":%.3f,\"pid\":1,\"tid\":%u,\"args\":",
		perfetto_n++ ? ",\n" : "", ksm_event_desc[e->type].name,
		(e->ts_ns - t0_ns) / 1e3, e->cpu);
	json_args(perfetto, e);
	fputc('}', perfetto);
}

static void perfetto_close(void)
{
	long ncpu = sysconf(_SC_NPROCESSORS_CONF), c;

	if (!perfetto)
		return;
	fprintf(perfetto, "%s{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":1,"
		"\"args\":{\"name\":\"KSM events\"}}", perfetto_n ? ",\n" : "");
	for (c = 0; c < ncpu; c++)
		fprintf(perfetto, ",\n{\"name\":\"thread_name\",\"ph\":\"M\","
			"\"pid\":1,\"tid\":%ld,\"args\":{\"name\":\"CPU %ld\"}}",
			c, c);
	fprintf(perfetto, "\n],\"displayTimeUnit\":\"ns\"}\n");
	fclose(perfetto);
	perfetto = NULL;
}

static int on_record(void *ctx, void *data, size_t len)
{
	const struct ksm_event *e = data;

	(void)ctx;
	if (len < sizeof(*e))
		return 0;
	if (e->type == KSM_REC_VIOLATION) {
		ksm_check_record(&checker, e);
		return 0;
	}
	if (e->type >= KSM_EV_NR)
		return 0;
	streamed++;
	if (perfetto)
		perfetto_event(e);
	if (opt.check && !opt.events_given)
		return 0;
	if (opt.json) {
		print_json(e);
	} else {
		print_text(e);
		if (opt.stack)
			print_stack(stdout, e, false);
	}
	return 0;
}

/* ---- COMMAND ---- */

static pid_t start_command(char **argv, char *err, size_t len)
{
	int p[2], e = 0;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC))
		return -1;
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

/* ---- summary ---- */

static void summary(FILE *f, const __u64 *cnt, int cmd_status)
{
	static const int shown[] = {
		KSM_CLASS_MERGES, KSM_CLASS_UNMERGES, KSM_CLASS_STABLE_INSERTS,
		KSM_CLASS_UNSTABLE_INSERTS, KSM_CLASS_STALE, KSM_CLASS_RETRIES,
		KSM_CLASS_MIGRATIONS, KSM_CLASS_PURGES, KSM_CLASS_RMAP_WALKS,
		KSM_CLASS_SCANS,
	};
	char cov[512];
	size_t i;
	int k;

	fprintf(f, "ksmtrace: events");
	for (i = 0; i < sizeof(shown) / sizeof(shown[0]); i++) {
		int c = shown[i];

		if (!ksm_class_available(c, bpf.attached))
			continue;
		fprintf(f, " %s=%llu", ksm_class_desc[c].key,
			(unsigned long long)(cnt[ksm_class_desc[c].slot] -
					     checker.base_cnt[ksm_class_desc[c].slot]));
	}
	fprintf(f, "; lost %llu", (unsigned long long)(cnt[KSM_CNT_LOST] -
				checker.base_cnt[KSM_CNT_LOST]));
	if (opt.check) {
		fprintf(f, "; violations %llu", ksm_check_total(&checker));
		for (k = 1; k < KSM_INV_NR; k++)
			if (checker.found[k])
				fprintf(f, " %s=%llu", ksm_inv_desc[k].id,
					checker.found[k]);
		ksm_check_coverage(&checker, cov, sizeof(cov));
		fprintf(f, "; %s", cov);
	} else {
		unsigned long long fired = 0;

		/* what the kernel fired of the streamed types, counted in BPF */
		for (k = 0; k < KSM_EV_NR; k++)
			if (opt.events & (1ULL << k))
				fired += cnt[k] - checker.base_cnt[k];
		fprintf(f, "; streamed %llu of %llu fired", streamed, fired);
	}
	if (cmd_status >= 0)
		fprintf(f, "; command exit %d", cmd_status);
	fprintf(f, "%s\n", interrupted ? "; interrupted" : "");
	fflush(f);
}

/* Wait for ksmd to finish n full scans (bounded), for the end checks. */
static void settle(int n, double max_s)
{
	long start = ksm_read("full_scans");
	double t0 = now();

	if (ksm_read("run") != 1 || start < 0)
		return;
	while (!interrupted && ksm_read("full_scans") < start + n &&
	       now() - t0 < max_s)
		usleep(50000);
}

int main(int argc, char **argv)
{
	struct ksm_bpf_opts bo = { .tool = "ksmtrace" };
	struct sigaction sa = { .sa_handler = on_signal };
	struct ring_buffer *rb = NULL;
	__u64 cnt[KSM_CNT_NR];
	char err[512];
	pid_t child = -1;
	int status = -1, ret = 0, t;
	bool first_hit = false;
	double end;

	if (parse_args(argc, argv, err, sizeof(err))) {
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
	if (opt.perfetto) {
		perfetto = fopen(opt.perfetto, "w");
		if (!perfetto) {
			fprintf(stderr, "ksmtrace: error: cannot write %s: %s\n",
				opt.perfetto, strerror(errno));
			return EXIT_SETUP;
		}
		fprintf(perfetto, "{\"traceEvents\":[\n");
	}
	if (!opt.events_given && (!opt.check || opt.perfetto))
		opt.events = (1ULL << KSM_EV_NR) - 1;
	bo.stream_mask = opt.events;
	bo.filter_tgid = (__u32)opt.pid;
	bo.filter_mm = opt.mm;
	bo.filter_pfn = opt.pfn;
	bo.filter_node = opt.node;
	bo.check = opt.check;
	bo.stack = opt.stack;
	bo.verbose = opt.verbose;
	/* tests: a small ring buffer, to make losses happen */
	if (getenv("KSMSCOPE_RINGBUF_BYTES")) {
		const char *v = getenv("KSMSCOPE_RINGBUF_BYTES");
		char *end;
		unsigned long n = strtoul(v, &end, 0);

		if (*end || n < 4096 || n > (1ul << 30) || (n & (n - 1))) {
			fprintf(stderr, "ksmtrace: error: KSMSCOPE_RINGBUF_BYTES "
				"must be a power of 2 from 4096 to 2^30, not "
				"'%s'\n", v);
			return EXIT_SETUP;
		}
		bo.ringbuf_bytes = (__u32)n;
	}
	if (ksm_bpf_open(&bpf, &bo, err, sizeof(err))) {
		fprintf(stderr, "ksmtrace: error: %s\n", err);
		ksm_bpf_close(&bpf);
		return EXIT_SETUP;
	}
	if (!bpf.n_attached) {
		fprintf(stderr, "ksmtrace: error: the kernel has no ksm:* "
			"tracepoints (6.4+, or the ksmscope series)\n");
		ksm_bpf_close(&bpf);
		return EXIT_SETUP;
	}
	fprintf(stderr, "%s\n", bpf.summary);
	for (t = 0; t < KSM_EV_NR; t++)
		if (opt.events_given && (opt.events & (1ULL << t)) &&
		    !bpf.attached[t])
			fprintf(stderr, "ksmtrace: warning: %s is not in this "
				"kernel\n", ksm_event_desc[t].name);
	ksm_check_init(&checker, &bpf, stdout);
	if (opt.check && opt.kmsg) {
		checker.kmsg_fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
		if (checker.kmsg_fd < 0)
			fprintf(stderr, "ksmtrace: warning: cannot write /dev/kmsg: "
				"%s\n", strerror(errno));
	}
	if (opt.check) {
		char cov[512];

		ksm_check_coverage(&checker, cov, sizeof(cov));
		fprintf(stderr, "ksmtrace: invariants %s\n", cov);
	}
	if (opt.pid && !bpf.filter_mm)
		fprintf(stderr, "ksmtrace: warning: no mm for pid %d: only events "
			"in its own context\n", opt.pid);
	rb = ring_buffer__new(ksm_bpf_events_fd(&bpf), on_record, NULL, NULL);
	if (!rb) {
		fprintf(stderr, "ksmtrace: error: ring buffer: %s\n",
			strerror(errno));
		ksm_bpf_close(&bpf);
		return EXIT_SETUP;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	t0_ns = 0;
	{
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		t0_ns = (__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec;
	}
	if (opt.cmd) {
		child = start_command(opt.cmd, err, sizeof(err));
		if (child < 0) {
			fprintf(stderr, "ksmtrace: error: %s\n", err);
			ring_buffer__free(rb);
			ksm_bpf_close(&bpf);
			if (perfetto)
				fclose(perfetto);
			return EXIT_SETUP;
		}
	}
	end = opt.duration > 0 ? now() + opt.duration : 0;
	while (!stop) {
		int r = ring_buffer__poll(rb, 100);

		/* BPF wakes us per batch: drain what a quiet stream left */
		if (!r)
			r = ring_buffer__consume(rb);
		if (r < 0 && r != -EINTR) {
			fprintf(stderr, "ksmtrace: error: ring buffer: %s\n",
				strerror(-r));
			ret = EXIT_SETUP;
			break;
		}
		ksm_check_poll(&checker, false);
		if (opt.first && ksm_check_total(&checker)) {
			first_hit = true;
			break;
		}
		if (child > 0 && waitpid(child, &status, WNOHANG) == child) {
			child = -1;
			break;
		}
		if (end && now() >= end)
			break;
	}
	if (child > 0) {
		kill(child, SIGTERM);
		/* its status as for one that ended by itself ("command exit") */
		if (waitpid(child, &status, 0) == child)
			child = -1;
	}
	/* after --first, the kernel may be past saving: no waiting on ksmd */
	if (opt.check && !interrupted && !first_hit) {
		int i, compared = 0;

		/* quiescent points: ksmd between batches, no event meanwhile */
		settle(2, 30);
		for (i = 0; i < 200 && compared < 3 && !interrupted; i++) {
			ring_buffer__consume(rb);
			compared += ksm_check_counters(&checker);
			usleep(20000);
		}
		if (!compared && checker.checkable[KSM_INV_I5])
			snprintf(checker.i5_note, sizeof(checker.i5_note),
				 "I5 not compared: ksmd never quiescent");
		ring_buffer__consume(rb);
		ksm_check_poll(&checker, true);
		ksm_check_leftovers(&checker);
	}
	ring_buffer__consume(rb);
	ksm_bpf_counters(&bpf, cnt);
	if (child == -1 && opt.cmd && status >= 0)
		status = WIFEXITED(status) ? WEXITSTATUS(status) :
			 128 + WTERMSIG(status);
	summary(opt.check ? stdout : stderr, cnt, opt.cmd ? status : -1);
	if ((opt.pid || opt.mm || opt.pfn || opt.node) && !streamed &&
	    !opt.check)
		fprintf(stderr, "ksmtrace: warning: the filters matched no "
			"event\n");
	perfetto_close();
	ring_buffer__free(rb);
	ksm_bpf_close(&bpf);
	if (ret)
		return ret;
	if (interrupted)
		return EXIT_INTERRUPTED;
	if (opt.check && (ksm_check_total(&checker) ||
			  (!opt.tolerate_loss &&
			   cnt[KSM_CNT_LOST] != checker.base_cnt[KSM_CNT_LOST])))
		return EXIT_VIOLATION;
	return 0;
}

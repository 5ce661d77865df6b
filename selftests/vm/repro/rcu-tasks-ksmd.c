// SPDX-License-Identifier: GPL-2.0
/*
 * rcu-tasks-ksmd.c - does ksmd, running with sleep_millisecs 0, hold up
 * RCU Tasks?  A reproducer that uses no ksmscope code.
 *
 *   rcu-tasks-ksmd [-m ftrace|fentry|kprobe] [-t SECONDS] [-n PAGES]
 *
 * Build: cc -O2 -o rcu-tasks-ksmd rcu-tasks-ksmd.c -lbpf  (-static -lelf -lz for a guest)
 *
 * A child maps PAGES identical anonymous pages and marks them
 * MADV_MERGEABLE; ksmd is started with sleep_millisecs 0, so that it
 * always has work.  Once ksmd has merged them, one tracing attachment is
 * made and removed, in a child process, and timed:
 *
 *   ftrace  function tracing of ksm_madvise in a tracefs instance of our
 *           own (an instance's ftrace_ops is allocated, so turning it off
 *           is ftrace_shutdown() of a dynamic ops: synchronize_rcu_tasks()
 *           on a preemptible kernel)
 *   fentry  a do-nothing BPF fentry program on ksm_madvise, attached and
 *           closed (bpf_link_release -> bpf_trampoline_update ->
 *           unregister_ftrace_direct*: the same wait)
 *   kprobe  a kprobe event on ksm_madvise through tracefs, enabled and
 *           disabled (the ftrace-based kprobe's ftrace_ops is static:
 *           this is the attachment that should not wait)
 *
 * If the removal has not returned after SECONDS (default 20), it is
 * reported as blocked, and sleep_millisecs is set to 20: ksmd then
 * sleeps, which is a voluntary context switch, and the removal returns.
 * The KSM knobs are put back as they were, whatever happens.
 *
 * Exit status: 0 the removal returned in time, 1 it blocked, 2 the
 * set-up failed (not root, no KSM, no tracefs, no fentry, ...).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>

#define KSM "/sys/kernel/mm/ksm/"
#define TRACEFS "/sys/kernel/tracing"
#define PROBED "ksm_madvise"

static const char *const knobs[] = { "run", "sleep_millisecs", "pages_to_scan" };
static char saved[3][32];
static char instance[128];
static pid_t holder;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int put(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY), ok;

	if (fd < 0)
		return -errno;
	ok = write(fd, val, strlen(val)) == (ssize_t)strlen(val);
	close(fd);
	return ok ? 0 : -EIO;
}

static long get(const char *path)
{
	char buf[32] = "";
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 ? strtol(buf, NULL, 10) : -1;
}

static void knob(const char *name, const char *val)
{
	char path[96];

	snprintf(path, sizeof(path), KSM "%s", name);
	if (put(path, val))
		fprintf(stderr, "rcu-tasks-ksmd: cannot write %s to %s\n", val, path);
}

static void restore(void)
{
	size_t i;

	if (holder > 0) {
		kill(holder, SIGKILL);
		waitpid(holder, NULL, 0);
		holder = 0;
	}
	/* run last: it stops ksmd before the other knobs change back */
	for (i = sizeof(knobs) / sizeof(knobs[0]); i-- > 0;)
		if (saved[i][0])
			knob(knobs[i], saved[i]);
	if (instance[0])
		rmdir(instance);
}

static void on_signal(int sig)
{
	(void)sig;
	restore();
	_exit(2);
}

static int die(const char *what)
{
	fprintf(stderr, "rcu-tasks-ksmd: error: %s\n", what);
	restore();
	return 2;
}

/* the pages ksmd merges, then keeps scanning */
static pid_t hold_pages(long pages)
{
	pid_t pid = fork();

	if (pid == 0) {
		size_t len = (size_t)pages * 4096;
		char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			_exit(1);
		memset(p, 0x5a, len);
		if (madvise(p, len, MADV_MERGEABLE))
			_exit(1);
		for (;;)
			pause();
	}
	return pid;
}

/* ftrace: an instance of our own, filtered on PROBED (nothing blocks here) */
static int ftrace_instance(void)
{
	char path[192];

	snprintf(instance, sizeof(instance), TRACEFS "/instances/rcu-tasks-ksmd-%d",
		 (int)getpid());
	if (mkdir(instance, 0755)) {
		instance[0] = 0;
		return -errno;
	}
	snprintf(path, sizeof(path), "%s/set_ftrace_filter", instance);
	return put(path, PROBED);
}

/* in the child: function tracing on, then off (ftrace_shutdown) */
static int ftrace_cycle(void)
{
	char path[192];

	snprintf(path, sizeof(path), "%s/current_tracer", instance);
	if (put(path, "function") || put(path, "nop")) {
		perror("rcu-tasks-ksmd: current_tracer");
		return 1;
	}
	return 0;
}

/*
 * In the child: a do-nothing fentry program on PROBED, attached (a BPF
 * trampoline: register_ftrace_direct*) and closed (bpf_link_release).
 */
static int fentry_cycle(void)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	struct btf *btf = btf__load_vmlinux_btf();
	int id, fd, link;

	if (!btf) {
		perror("rcu-tasks-ksmd: vmlinux BTF");
		return 1;
	}
	id = btf__find_by_name_kind(btf, PROBED, BTF_KIND_FUNC);
	btf__free(btf);
	if (id < 0) {
		fprintf(stderr, "rcu-tasks-ksmd: %s not in BTF\n", PROBED);
		return 1;
	}
	LIBBPF_OPTS(bpf_prog_load_opts, o, .expected_attach_type = BPF_TRACE_FENTRY,
		    .attach_btf_id = (__u32)id);
	fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, "repro", "GPL", insns, 2, &o);
	if (fd < 0) {
		perror("rcu-tasks-ksmd: BPF_PROG_LOAD fentry");
		return 1;
	}
	link = bpf_raw_tracepoint_open(NULL, fd);
	close(fd);
	if (link < 0) {
		perror("rcu-tasks-ksmd: attach fentry");
		return 1;
	}
	return close(link) ? 1 : 0;
}

/* in the child: a kprobe event on PROBED, enabled, disabled and removed */
static int kprobe_cycle(void)
{
	char name[64], def[128], path[192];
	int fd, ok;

	snprintf(name, sizeof(name), "rcu_tasks_ksmd_%d", (int)getppid());
	snprintf(def, sizeof(def), "p:%s %s\n", name, PROBED);
	fd = open(TRACEFS "/kprobe_events", O_WRONLY | O_APPEND);
	if (fd < 0 || write(fd, def, strlen(def)) != (ssize_t)strlen(def)) {
		perror("rcu-tasks-ksmd: kprobe_events");
		return 1;
	}
	snprintf(path, sizeof(path), TRACEFS "/events/kprobes/%s/enable", name);
	ok = !put(path, "1") && !put(path, "0");
	snprintf(def, sizeof(def), "-:%s\n", name);
	if (write(fd, def, strlen(def)) != (ssize_t)strlen(def))
		ok = 0;
	close(fd);
	if (!ok)
		fprintf(stderr, "rcu-tasks-ksmd: cannot enable, disable and remove kprobe %s\n", name);
	return !ok;
}

/* where a blocked task waits: its kernel stack, function names only */
static void print_stack(pid_t pid)
{
	char path[64], line[256];
	FILE *f;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/stack", (int)pid);
	f = fopen(path, "r");
	if (!f) {
		printf("rcu-tasks-ksmd:   (%s: %s)\n", path, strerror(errno));
		return;
	}
	while (fgets(line, sizeof(line), f) && n++ < 8) {
		char *fn = strchr(line, ' '), *end;

		fn = fn ? fn + 1 : line;
		end = strpbrk(fn, "+\n");
		if (end)
			*end = 0;
		printf("rcu-tasks-ksmd:   %s\n", fn);
	}
	fclose(f);
}

int main(int argc, char **argv)
{
	const char *mode = "ftrace";
	long pages = 4096, limit = 20, shared = 0;
	double t0, t1;
	int c, st, fentry, kprobe;
	size_t i;
	pid_t child;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((c = getopt(argc, argv, "m:t:n:")) != -1) {
		switch (c) {
		case 'm': mode = optarg; break;
		case 't': limit = strtol(optarg, NULL, 10); break;
		case 'n': pages = strtol(optarg, NULL, 10); break;
		default:
			fprintf(stderr, "usage: rcu-tasks-ksmd [-m ftrace|fentry|kprobe] [-t SECONDS] [-n PAGES]\n");
			return 2;
		}
	}
	if (strcmp(mode, "ftrace") && strcmp(mode, "fentry") && strcmp(mode, "kprobe"))
		return die("-m: ftrace, fentry or kprobe");
	fentry = !strcmp(mode, "fentry");
	kprobe = !strcmp(mode, "kprobe");
	if (limit < 1 || pages < 2)
		return die("-t and -n: positive numbers (-n at least 2)");
	for (i = 0; i < sizeof(knobs) / sizeof(knobs[0]); i++) {
		char path[96];
		int fd;
		ssize_t n;

		snprintf(path, sizeof(path), KSM "%s", knobs[i]);
		fd = open(path, O_RDONLY);
		if (fd < 0)
			return die("no /sys/kernel/mm/ksm (CONFIG_KSM)");
		n = read(fd, saved[i], sizeof(saved[i]) - 1);
		close(fd);
		if (n <= 0)
			return die("cannot read /sys/kernel/mm/ksm");
		saved[i][n] = 0;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	holder = hold_pages(pages);
	if (holder < 0)
		return die("fork");
	knob("run", "0");
	knob("pages_to_scan", "100");
	knob("sleep_millisecs", "0");
	knob("run", "1");
	for (t0 = now(); now() - t0 < 120; usleep(100000)) {
		shared = get(KSM "pages_sharing");
		if (shared > 0)
			break;
		if (waitpid(holder, &st, WNOHANG) == holder) {
			holder = 0;
			return die("the process holding the pages died");
		}
	}
	if (shared <= 0)
		return die("ksmd merged nothing in 120 s");
	printf("rcu-tasks-ksmd: ksmd merged %ld pages and runs with sleep_millisecs 0\n", shared);

	if (!fentry && !kprobe && ftrace_instance())
		return die("cannot make a tracefs instance with a filter on " PROBED
			   " (tracefs, CONFIG_FUNCTION_TRACER)");
	/* attach and remove, in a child: if it blocks, it blocks there */
	t0 = now();
	child = fork();
	if (child == 0)
		_exit(fentry ? fentry_cycle() : kprobe ? kprobe_cycle() : ftrace_cycle());
	while (waitpid(child, &st, WNOHANG) == 0 && now() - t0 < limit)
		usleep(10000);
	t1 = now();
	if (kill(child, 0) == 0 && waitpid(child, &st, WNOHANG) == 0) {
		printf("rcu-tasks-ksmd: BLOCKED: attaching and removing %s had not returned after %.0f s; "
		       "its kernel stack:\n", mode, t1 - t0);
		print_stack(child);
		knob("sleep_millisecs", "20");
		while (waitpid(child, &st, WNOHANG) == 0 && now() - t1 < 60)
			usleep(10000);
		if (kill(child, 0) == 0 && waitpid(child, &st, WNOHANG) == 0)
			printf("rcu-tasks-ksmd: still blocked 60 s after sleep_millisecs was set to 20\n");
		else
			printf("rcu-tasks-ksmd: it returned %.1f s after sleep_millisecs was set to 20\n",
			       now() - t1);
		restore();
		return 1;
	}
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		return die(fentry ? "cannot attach a BPF fentry program (BTF, CONFIG_FUNCTION_TRACER, permission)"
			   : kprobe ? "cannot use a kprobe event (CONFIG_KPROBE_EVENTS, tracefs)"
				    : "cannot turn function tracing on and off in the instance");
	printf("rcu-tasks-ksmd: OK: attaching and removing %s took %.0f ms with ksmd at "
	       "sleep_millisecs 0\n", mode, (t1 - t0) * 1000);
	restore();
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * ksmwl - KSM workloads that provoke each ksm:* tracepoint.
 *
 *   ksmwl [-n PAGES] [-s SECONDS] [-t TIMEOUT] [-r RATE] [-p] WORKLOAD
 *
 * -p keeps the process (and what it merged) until a signal arrives.
 * -r paces ksmd at about RATE pages scanned per second (RATE/10 pages
 * every 100 ms) instead of as fast as it goes.
 *
 * Each workload saves /sys/kernel/mm/ksm, sets what it needs, and restores
 * it on every exit path (atexit and SIGINT/SIGTERM).  Exit status: 0 done,
 * 1 failed, 2 usage, 4 skipped (the kernel or machine cannot do it; the
 * reason is printed).  Progress goes to stdout as "ksmwl: ..." lines, and
 * a final "ksmwl: WORKLOAD ok key=value ..." line that tests can parse.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/userfaultfd.h>

#include "ksm_sysfs.h"
#include "ksm_util.h"

#ifndef MADV_FREE
#define MADV_FREE 8
#endif
#define MPOL_MF_MOVE (1 << 1)
#define MPOL_MF_MOVE_ALL (1 << 2)	/* KSM pages are mapped more than once */
#define EXIT_SKIP 4
#define CGROUP_DIR "/sys/fs/cgroup/ksmwl"

static struct ksm_knobs saved;
static long npages = 512;
static int seconds = 10;
static int timeout_s = 120;
static int hold;
static long rate;
static size_t psz;
static const char *cmd = "ksmwl";
static int in_child;		/* a forked child: die() runs no atexit */

static void restore_knobs(void)
{
	ksm_sysfs_restore(&saved);
}

static void on_signal(int sig)
{
	restore_knobs();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void msg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	printf("ksmwl: %s: ", cmd);
	vprintf(fmt, ap);
	putchar('\n');
	fflush(stdout);
	va_end(ap);
}

static void __attribute__((noreturn)) die(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	printf("ksmwl: %s: %s", cmd, code == EXIT_SKIP ? "SKIP: " : "error: ");
	vprintf(fmt, ap);
	putchar('\n');
	fflush(stdout);
	va_end(ap);
	/* a forked child restores nothing: the knobs are its parent's */
	if (in_child)
		_exit(code);
	exit(code);
}

static char *map_pages(long n, int mergeable);
static void scribble(char *p, long i);

static void set(const char *knob, long v)
{
	int err = ksm_write(knob, v);

	if (err)
		die(1, "cannot set %s=%ld: %s", knob, v, strerror(-err));
}

/* Save the knobs and start ksmd fast; everything is restored at exit. */
static void ksm_start(long pages_to_scan, long sleep_ms)
{
	if (!ksm_present())
		die(EXIT_SKIP, "no " KSM_SYSFS_DIR " (kernel without CONFIG_KSM)");
	if (ksm_sysfs_save(&saved))
		die(1, "cannot read " KSM_SYSFS_DIR);
	atexit(restore_knobs);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (rate) {
		pages_to_scan = rate / 10 ? rate / 10 : 1;
		sleep_ms = 100;
	}
	set("pages_to_scan", pages_to_scan);
	set("sleep_millisecs", sleep_ms);
	/* smart_scan (6.7+) skips pages that failed to merge for a while */
	ksm_write("smart_scan", 0);
	set("run", 1);
	/*
	 * ksmd drops an mm with no mergeable vma left, and then counts no
	 * more full scans: keep one unique mergeable page for the whole run.
	 */
	scribble(map_pages(1, 1), 0);
}

/* Processes other than this one that KSM merged pages of, now. */
static long others_merging(void)
{
	char path[64];
	long n = 0;
	DIR *d = opendir("/proc");
	struct dirent *e;

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		long v = 0;
		FILE *f;

		if (e->d_name[0] < '1' || e->d_name[0] > '9' ||
		    atoi(e->d_name) == getpid())
			continue;
		snprintf(path, sizeof(path), "/proc/%.16s/ksm_merging_pages",
			 e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fscanf(f, "%ld", &v) == 1 && v > 0)
			n++;
		fclose(f);
	}
	closedir(d);
	return n;
}

static long self_merging(void)
{
	long v = -1;
	FILE *f = fopen("/proc/self/ksm_merging_pages", "r");

	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

static char *map_pages(long n, int mergeable)
{
	char *p = mmap(NULL, n * psz, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		die(1, "mmap %ld pages: %s", n, strerror(errno));
	/* no THP: KSM scans only small pages */
	madvise(p, n * psz, MADV_NOHUGEPAGE);
	if (mergeable && madvise(p, n * psz, MADV_MERGEABLE))
		die(1, "madvise(MADV_MERGEABLE): %s", strerror(errno));
	return p;
}

/*
 * The word page i is filled with: content class (i / group), the
 * workload's seed, and this run's salt, so that pages of two runs never
 * merge (a freed page of the last run can still be a KSM page).
 */
static uint32_t salt;

static uint64_t content(long i, long group, unsigned int seed)
{
	return ((uint64_t)(seed ^ salt) << 32) | (uint64_t)(i / group);
}

/* Page i gets content class (i / group): groups of identical pages. */
static void refill(char *p, long i, long group, unsigned int seed);

static void fill(char *p, long n, long group, unsigned int seed)
{
	long i;

	for (i = 0; i < n; i++)
		refill(p, i, group, seed);
}

/* Give page i back the content fill() gave it. */
static void refill(char *p, long i, long group, unsigned int seed)
{
	uint64_t v = content(i, group, seed);
	size_t off;

	for (off = 0; off < psz; off += sizeof(v))
		memcpy(p + i * psz + off, &v, sizeof(v));
}

/* Make page i unique, so it leaves KSM (COW break, or unstable). */
static void scribble(char *p, long i)
{
	uint64_t v = 0x5c51bb1e00000000ull ^ (uint64_t)(uintptr_t)(p + i * psz);

	memcpy(p + i * psz, &v, sizeof(v));
	memcpy(p + i * psz + psz / 2, &i, sizeof(i));
}

/*
 * KSM must never change what a process reads: pages [from, from + n) of
 * p must hold what fill() gave them.  Exits 1 naming the first page that
 * does not (the check every workload makes of its own data).
 */
/*
 * How many of pages from, from + step, ... below from + n of p do not
 * hold what fill() gave them; *first (if given) the first of them.
 */
static long differ_from_fill(const char *p, long from, long step, long n,
			     long group, unsigned int seed, long *first)
{
	long i, bad = 0;
	size_t off;

	for (i = from; i < from + n; i += step) {
		uint64_t want = content(i, group, seed);

		for (off = 0; off < psz; off += sizeof(want))
			if (memcmp(p + i * psz + off, &want, sizeof(want)))
				break;
		if (off < psz && !bad++ && first)
			*first = i;
	}
	return bad;
}

static void verify(const char *p, long from, long n, long group,
		   unsigned int seed, const char *what)
{
	long first = -1, bad = differ_from_fill(p, from, 1, n, group, seed,
						&first);

	if (bad)
		die(1, "%s: %ld of %ld pages do not hold what was written "
		    "(first: page %ld)", what, bad, n, first);
}

/* The same for pages scribble() made unique. */
static void verify_scribbled(char *p, long from, long n, const char *what)
{
	long i, bad = 0;

	for (i = from; i < from + n; i++) {
		uint64_t v = 0x5c51bb1e00000000ull ^
			     (uint64_t)(uintptr_t)(p + i * psz);

		bad += memcmp(p + i * psz, &v, sizeof(v)) ||
		       memcmp(p + i * psz + psz / 2, &i, sizeof(i));
	}
	if (bad)
		die(1, "%s: %ld of %ld written pages lost what was written",
		    what, bad, n);
}

static bool page_is_zero(const char *p, long i)
{
	size_t off;

	for (off = 0; off < psz; off++)
		if (p[i * psz + off])
			return false;
	return true;
}

static void wait_merging(long want)
{
	double t0 = ksm_now();
	long m = 0;

	while ((m = self_merging()) < want) {
		if (m < 0)
			die(1, "no /proc/self/ksm_merging_pages");
		if (ksm_now() - t0 > timeout_s)
			die(1, "only %ld of %ld pages merged after %ds "
			    "(pages_sharing=%ld)", m, want, timeout_s,
			    ksm_read("pages_sharing"));
		usleep(20000);
	}
	msg("%ld pages merged in %.1fs", m, ksm_now() - t0);
}

/* Wait until ksmd completed @n more full scans. */
static void wait_scans(int n)
{
	long start = ksm_read("full_scans");
	double t0 = ksm_now();

	while (ksm_read("full_scans") < start + n) {
		if (ksm_now() - t0 > timeout_s)
			die(1, "ksmd did not complete %d full scans in %ds",
			    n, timeout_s);
		usleep(20000);
	}
}

static long pfn_of(void *addr)
{
	static int fd = -1;
	uint64_t e;

	if (fd < 0)
		fd = open("/proc/self/pagemap", O_RDONLY);
	if (fd < 0 || pread(fd, &e, sizeof(e),
			    ((uintptr_t)addr / psz) * sizeof(e)) != sizeof(e))
		return -1;
	if (!(e & (1ull << 63)))
		return -1;
	return (long)(e & ((1ull << 55) - 1));
}

static int write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

/* ---- memory cgroup, for proactive reclaim of our own pages ---- */

static void cg_cleanup(void)
{
	write_file("/sys/fs/cgroup/cgroup.procs", "0");
	rmdir(CGROUP_DIR);
}

static void cg_enter(void)
{
	char pid[32];

	if (access("/sys/fs/cgroup/cgroup.controllers", F_OK))
		die(EXIT_SKIP, "cgroup v2 not mounted at /sys/fs/cgroup");
	write_file("/sys/fs/cgroup/cgroup.subtree_control", "+memory");
	if (mkdir(CGROUP_DIR, 0755) && errno != EEXIST)
		die(1, "mkdir " CGROUP_DIR ": %s", strerror(errno));
	if (access(CGROUP_DIR "/memory.reclaim", F_OK))
		die(EXIT_SKIP, "no memory.reclaim (memcg off or kernel < 5.19)");
	snprintf(pid, sizeof(pid), "%d", getpid());
	if (write_file(CGROUP_DIR "/cgroup.procs", pid))
		die(1, "cannot join " CGROUP_DIR);
	atexit(cg_cleanup);
}

static void cg_reclaim(long bytes)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%ld", bytes);
	/* EAGAIN just means it could not reclaim all of it */
	write_file(CGROUP_DIR "/memory.reclaim", buf);
}

static long swap_used_kb(void)
{
	char line[256];
	long total = 0, free_kb = 0;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		sscanf(line, "SwapTotal: %ld", &total);
		sscanf(line, "SwapFree: %ld", &free_kb);
	}
	fclose(f);
	return total - free_kb;
}

/* ---- workloads ---- */

/* Pairs of identical pages merge: unstable and stable inserts, appends. */
static int wl_merge(void)
{
	char *p = map_pages(npages, 1);

	ksm_start(npages, 0);
	fill(p, npages, 2, 1);
	wait_merging(npages);
	verify(p, 0, npages, 2, 1, "merged");
	msg("ok merged=%ld pages_shared=%ld pages_sharing=%ld", self_merging(),
	    ksm_read("pages_shared"), ksm_read("pages_sharing"));
	if (!hold)	/* -p holds what it merged */
		munmap(p, npages * psz);
	return 0;
}

/*
 * Steady merging and unmerging for -s SECONDS: every 200 ms a sixteenth
 * of the pages is written (COW break: unmerge) and given its old content
 * back, so ksmd merges it again.  The demo of `make run` and the churn
 * the benchmarks measure under.
 */
static int wl_churn(void)
{
	char *p = map_pages(npages, 1);
	long i = 0, k, rounds = 0;
	double end;

	ksm_start(npages, 0);
	fill(p, npages, 2, 3);
	msg("rewriting %ld of %ld pages every 200 ms for %ds", npages / 16,
	    npages, seconds);
	end = ksm_now() + seconds;
	while (ksm_now() < end) {
		usleep(200000);
		for (k = 0; k < npages / 16; k++, i = (i + 1) % npages)
			refill(p, i, 2, 3);
		rounds++;
	}
	verify(p, 0, npages, 2, 3, "churned");
	msg("ok rounds=%ld merging=%ld", rounds, self_merging());
	return 0;
}

/*
 * Many KSM processes at once: PAGES/4 children with four identical
 * mergeable pages each, for -s SECONDS (tools must cope with thousands).
 */
static int wl_many(void)
{
	long n = npages / 4, i;

	ksm_start(npages, 0);
	for (i = 0; i < n; i++) {
		pid_t pid = fork();

		if (pid < 0)
			die(1, "fork %ld: %s", i, strerror(errno));
		if (!pid) {
			char *p;

			/* children restore nothing: that is the parent's job */
			in_child = 1;
			signal(SIGINT, SIG_DFL);
			signal(SIGTERM, SIG_DFL);
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (getppid() == 1)
				_exit(0);
			p = map_pages(4, 1);
			fill(p, 4, 4, 5);
			sleep((unsigned int)seconds);
			verify(p, 0, 4, 4, 5, "a child's pages");
			_exit(0);
		}
	}
	msg("%ld processes with 4 mergeable pages each, for %ds", n, seconds);
	for (i = 0; i < n; ) {
		int st;

		if (wait(&st) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		i++;
		if (!WIFEXITED(st) || WEXITSTATUS(st))
			die(1, "a child failed (status 0x%x): see its line above", st);
	}
	msg("ok processes=%ld", n);
	return 0;
}

/* the moment ksmd completes its next full scan, within a millisecond */
static long next_scan(void)
{
	long start = ksm_read("full_scans"), n;
	double t0 = ksm_now();

	while ((n = ksm_read("full_scans")) == start) {
		if (ksm_now() - t0 > timeout_s)
			die(1, "ksmd did not complete a full scan in %ds",
			    timeout_s);
		usleep(1000);
	}
	return n;
}

/*
 * ksmd's speed: PAGES pages (half in identical pairs, half unique), ksmd
 * at full speed; after 3 warm-up passes, time whole full scans for at
 * least -s SECONDS and print milliseconds per full scan (benchmarks
 * compare kernels and tools with it).
 */
static int wl_scan(void)
{
	char *p = map_pages(npages, 1);
	long i, start, scans;
	double t0, t1;

	ksm_start(npages, 0);
	fill(p, npages / 2, 2, 7);
	for (i = npages / 2; i < npages; i++)
		scribble(p, i);
	wait_scans(3);
	start = next_scan();
	t0 = ksm_now();
	while (ksm_now() - t0 < seconds)
		usleep(10000);
	scans = next_scan() - start;
	t1 = ksm_now();
	msg("ok scans=%ld seconds=%.3f per_scan_ms=%.3f", scans, t1 - t0,
	    (t1 - t0) * 1000 / scans);
	return 0;
}

/* Zero-filled pages merged with the zero page (ksm_merge_one_page). */
static int wl_zero(void)
{
	char *p = map_pages(npages, 1);

	char *z = map_pages(1, 0);
	volatile char c = z[0];	/* a read fault maps the zero page */
	long zero_pfn = pfn_of(z), merged = 0, i;
	double t0 = ksm_now();

	(void)c;
	ksm_start(npages, 0);
	set("use_zero_pages", 1);
	memset(p, 0x11, npages * psz);
	memset(p, 0, npages * psz);
	/* merged with the zero page: the PTE maps it again */
	while (zero_pfn > 0 && merged < npages) {
		if (ksm_now() - t0 > timeout_s)
			die(1, "only %ld of %ld pages merged with the zero page "
			    "after %ds", merged, npages, timeout_s);
		usleep(20000);
		for (merged = 0, i = 0; i < npages; i++)
			merged += pfn_of(p + i * psz) == zero_pfn;
	}
	if (zero_pfn <= 0)
		wait_scans(3);	/* pfns hidden: at least let ksmd see them */
	for (i = 0; i < npages * (long)psz; i++)
		if (p[i])
			die(1, "a page merged with the zero page reads %d at %ld",
			    p[i], i);
	msg("ok zero_pages_merged=%ld", zero_pfn > 0 ? merged : -1);
	return 0;
}

/* KSM pages freed behind ksmd's back: get_ksm_page finds nodes stale. */
static int wl_stale(void)
{
	char *p = map_pages(npages, 1);
	long shared, after, others, i;

	ksm_start(npages, 0);
	fill(p, npages, 2, 2);
	wait_merging(npages);
	verify(p, 0, npages, 2, 2, "merged");
	shared = ksm_read("pages_shared");
	for (i = 0; i < npages; i++)
		scribble(p, i);
	msg("wrote all %ld pages, KSM pages now free", npages);
	wait_scans(3);
	verify_scribbled(p, 0, npages, "written");
	after = ksm_read("pages_shared");
	/*
	 * Every rmap_item of ours was on a node whose page is gone: ksmd
	 * must have found them and let go of all of them, and (when nobody
	 * else merges meanwhile) removed the npages/2 stale nodes.
	 */
	/* held (-p): its counter is for the checker to judge (I5 per process) */
	if (self_merging() != 0 && !hold)
		die(1, "ksmd still counts %ld of our pages as merged after 3 "
		    "full scans", self_merging());
	others = others_merging();
	if (!others && shared - after < npages / 2)
		die(1, "ksmd removed %ld stale nodes of %ld (pages_shared %ld -> "
		    "%ld)", shared - after, npages / 2, shared, after);
	if (others)
		msg("pages_shared not judged: %ld other processes merge too",
		    others);
	msg("ok pages_shared before=%ld after=%ld", shared, after);
	return 0;
}

/*
 * max_page_sharing=2 turns a page shared N times into a chain of dups;
 * freeing dups and merging again prunes them, collapses the chain to one
 * dup, and frees an emptied chain head.
 */
static int wl_chain(void)
{
	long n = npages < 16 ? 16 : npages, i, round;
	char *a;

	ksm_start(n, 0);
	set("run", 2);
	set("max_page_sharing", 2);
	set("stable_node_chains_prune_millisecs", 0);
	set("run", 1);
	for (round = 0; round < 3; round++) {
		char *b;

		a = map_pages(n, 1);
		fill(a, n, n, 3);	/* all n pages identical */
		wait_merging(n / 2);
		verify(a, 0, n, n, 3, "merged into a chain");
		msg("round %ld: chains=%ld dups=%ld", round,
		    ksm_read("stable_node_chains"), ksm_read("stable_node_dups"));
		if (ksm_read("stable_node_chains") < 1)
			die(1, "no stable node chain with max_page_sharing=2");
		/* free all dups but the one mapping the last page */
		for (i = 0; i < n - 1; i++)
			scribble(a, i);
		wait_scans(2);
		/* same content again: searches walk and prune the chain */
		b = map_pages(4, 1);
		fill(b, 4, 4, 3);
		wait_scans(3);
		msg("round %ld after prune: chains=%ld dups=%ld", round,
		    ksm_read("stable_node_chains"), ksm_read("stable_node_dups"));
		/* everything of that content goes: an empty chain is freed */
		scribble(a, n - 1);
		for (i = 0; i < 4; i++)
			scribble(b, i);
		munmap(b, 4 * psz);
		munmap(a, n * psz);
		wait_scans(2);
	}
	msg("ok chains=%ld dups=%ld", ksm_read("stable_node_chains"),
	    ksm_read("stable_node_dups"));
	return 0;
}

/*
 * Swap KSM pages out and in: a forked child maps them without rmap_items,
 * so rmap_walk_ksm() must take its second pass (search_new_forks).
 */
static int wl_fork_reclaim(void)
{
	char *p = map_pages(npages, 1);
	long swapped, i, sum = 0;
	int fds[2], st = 0;
	pid_t child;

	if (swap_used_kb() < 0 || ksm_read("run") < 0)
		die(EXIT_SKIP, "no /proc/meminfo or KSM");
	cg_enter();
	ksm_start(npages, 0);
	fill(p, npages, 2, 4);
	wait_merging(npages);
	if (pipe(fds))
		die(1, "pipe: %s", strerror(errno));
	/*
	 * Stop ksmd before fork: a child without rmap_items is what makes
	 * rmap_walk_ksm() take its second pass (search_new_forks).
	 */
	set("run", 0);
	child = fork();
	if (child == 0) {
		char c;

		/* the child reads every page once they went out to swap */
		in_child = 1;
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		close(fds[1]);
		if (read(fds[0], &c, 1) != 1)
			_exit(1);
		cmd = "fork-reclaim (child)";
		verify(p, 0, npages, 2, 4, "the child's pages after swap");
		_exit(0);
	}
	close(fds[0]);
	for (i = 0; i < 8; i++)
		cg_reclaim(npages * psz);
	swapped = swap_used_kb();
	msg("reclaimed, swap used %ld kB", swapped);
	for (i = 0; i < npages; i++)
		sum += p[i * psz];
	verify(p, 0, npages, 2, 4, "the parent's pages after swap");
	if (write(fds[1], "x", 1) != 1)
		die(1, "pipe write");
	if (waitpid(child, &st, 0) != child || !WIFEXITED(st) ||
	    WEXITSTATUS(st))
		die(1, "the child's check failed (status 0x%x)", st);
	set("run", 1);
	wait_scans(1);
	if (swapped <= 0)
		die(1, "reclaim swapped out nothing (swap used %ld kB)", swapped);
	msg("ok swap_used_kb=%ld checksum=%ld", swapped, sum);
	return 0;
}

static long move_all(char *p, long n, int node, int *status)
{
	void **pages = calloc(n, sizeof(void *));
	int *nodes = calloc(n, sizeof(int));
	long i, moved = 0;

	if (!pages || !nodes)
		die(1, "out of memory");
	for (i = 0; i < n; i++) {
		pages[i] = p + i * psz;
		nodes[i] = node;
	}
	/*
	 * ENOENT: nothing needed moving.  Later kernels (6.12) return the
	 * number of pages not moved, > 0, with errno unset: status says.
	 */
	if (syscall(SYS_move_pages, 0, n, pages, nodes, status,
		    MPOL_MF_MOVE | MPOL_MF_MOVE_ALL) < 0 && errno != ENOENT)
		die(errno == ENOSYS ? EXIT_SKIP : 1, "move_pages: %s",
		    strerror(errno));
	for (i = 0; i < n; i++)
		moved += status[i] == node;
	free(pages);
	free(nodes);
	return moved;
}

/* Allocate the (untouched) pages of [p, p + n pages) on @node only. */
static void bind_node(char *p, long n, int node)
{
	unsigned long mask = 1UL << node;

	if (syscall(SYS_mbind, p, n * psz, 2 /* MPOL_BIND */, &mask,
		    sizeof(mask) * 8, 0))
		die(errno == ENOSYS ? EXIT_SKIP : 1, "mbind: %s",
		    strerror(errno));
}

/* Two NUMA nodes, one stable tree each (merge_across_nodes=0). */
static void numa_start(int *status)
{
	if (access("/sys/devices/system/node/node1", F_OK))
		die(EXIT_SKIP, "needs two NUMA nodes");
	if (!status)
		die(1, "out of memory");
	ksm_start(npages, 0);
	set("run", 2);
	set("merge_across_nodes", 0);
	set("run", 1);
}

/*
 * Bounce merged pages between NUMA nodes while ksmd scans at full speed
 * and removes rmap_items under the page lock: get_ksm_page() sees the
 * old page go stale and must retry with the new kpfn.
 */
static int wl_migrate(void)
{
	long rounds = 0, moved = 0, i;
	int *status = calloc(npages, sizeof(int));
	char *p;
	double t0;

	numa_start(status);
	p = map_pages(npages, 1);
	fill(p, npages, 2, 5);
	/*
	 * Every page on node 0 before merging: with merge_across_nodes=0 a
	 * page left on node 1 (a fresh page can fail to move while it waits
	 * for the LRU) never merges with its partner
	 */
	for (i = 0; move_all(p, npages, 0, status) < npages; i++) {
		if (i == 100)
			die(1, "not all %ld pages would move to node 0", npages);
		usleep(50000);
	}
	wait_merging(npages);
	t0 = ksm_now();
	while (ksm_now() - t0 < seconds) {
		moved += move_all(p, npages, ++rounds % 2, status);
		/* make ksmd drop and re-add items while pages move */
		for (i = rounds % 8; i < npages; i += 8) {
			scribble(p, i);
			memcpy(p + i * psz, p + (i ^ 1) * psz, psz);
		}
	}
	verify(p, 0, npages, 2, 5, "migrated");
	if (!moved)
		die(1, "no page moved in %ld rounds", rounds);
	msg("ok rounds=%ld moved=%ld pages_shared=%ld", rounds, moved,
	    ksm_read("pages_shared"));
	free(status);
	return 0;
}

/*
 * merge_across_nodes=0: KSM pages of one content on node 0 (A) and on
 * node 1 (B).  A's pages, left mapped once, move to node 1, and ksmd
 * moves their nodes to migrate_nodes; then A's pages are freed, and the
 * prune of migrate_nodes before the next full scan finds them stale.
 */
static int wl_numa_prune(void)
{
	int *status = calloc(npages, sizeof(int));
	char *a, *b;
	long i, moved = 0;

	numa_start(status);
	a = map_pages(npages, 1);
	b = map_pages(npages, 1);
	bind_node(a, npages, 0);	/* A and B must never share a page */
	bind_node(b, npages, 1);
	fill(a, npages, 2, 10);
	fill(b, npages, 2, 10);
	wait_merging(2 * npages);
	for (i = 0; i < npages; i += 2)
		scribble(a, i);		/* A's KSM pages now mapped once */
	wait_scans(2);
	set("run", 0);	/* ksmd must see the pages only once they moved */
	for (i = 1; i < npages; i += 2) {
		void *pg = a + i * psz;
		int node = 1, st = -1;

		if (!syscall(SYS_move_pages, 0, 1, &pg, &node, &st, MPOL_MF_MOVE))
			moved += st == 1;
	}
	msg("moved %ld of A's KSM pages to node 1", moved);
	set("run", 1);
	wait_scans(3);
	/*
	 * ksmd has moved A's nodes to migrate_nodes but cannot merge their
	 * pages into B's (replace_page() finds no anon_vma on a KSM page, so
	 * it fails with -EFAULT every pass).  Free the pages: the nodes go
	 * stale where only the migrate_nodes prune will find them.
	 */
	for (i = 1; i < npages; i += 2)
		scribble(a, i);
	wait_scans(2);
	verify(b, 0, npages, 2, 10, "node 1's pages");
	if (!moved)
		die(1, "none of A's KSM pages moved to node 1");
	msg("ok moved=%ld pages_shared=%ld", moved, ksm_read("pages_shared"));
	free(status);
	return 0;
}

/*
 * run=2 unmerges everything: mapped KSM pages are broken by COW and their
 * nodes go stale.  remove_all_stable_nodes() purges a node only when its
 * page is alive but mapped nowhere, as when a pipe holds a reference:
 * vmsplice pins some KSM pages first, then every mapping is written.
 */
static int wl_unmerge_all(void)
{
	char *p = map_pages(npages, 1);
	long pinned = 0, i;
	int fds[2];

	ksm_start(npages, 0);
	fill(p, npages, 2, 6);
	wait_merging(npages);
	verify(p, 0, npages, 2, 6, "merged");
	set("run", 0);
	if (pipe(fds))
		die(1, "pipe: %s", strerror(errno));
	fcntl(fds[1], F_SETPIPE_SZ, (int)(64 * psz));
	fcntl(fds[1], F_SETFL, O_NONBLOCK);
	for (i = 0; i < npages && pinned < 64; i += 2) {
		struct iovec iov = { .iov_base = p + i * psz, .iov_len = psz };

		if (vmsplice(fds[1], &iov, 1, 0) != (ssize_t)psz)
			break;
		pinned++;
	}
	for (i = 0; i < npages; i++)
		scribble(p, i);
	msg("%ld KSM pages pinned by a pipe, all mappings written", pinned);
	set("run", 2);
	if (ksm_read("pages_shared") != 0 || self_merging() != 0)
		die(1, "run=2 left pages_shared=%ld merging=%ld",
		    ksm_read("pages_shared"), self_merging());
	verify_scribbled(p, 0, npages, "written, then unmerged");
	if (!pinned)
		die(1, "no KSM page could be pinned by the pipe");
	msg("ok pages_shared=0 after run=2 pinned=%ld", pinned);
	close(fds[0]);
	close(fds[1]);
	return 0;
}

/*
 * MADV_FREE pages discarded by reclaim: plain anonymous pages, and KSM
 * pages left mapped once (their stable node goes stale).
 */
static int wl_lazyfree(void)
{
	char *plain = map_pages(npages, 0), *k = map_pages(npages, 1);
	long before, after, i;

	cg_enter();
	ksm_start(npages, 0);
	fill(plain, npages, 1, 7);
	fill(k, npages, 2, 8);
	wait_merging(npages);
	/* leave each KSM page mapped once, then free that mapping lazily */
	for (i = 0; i < npages; i += 2)
		scribble(k, i);
	set("run", 0);
	if (madvise(plain, npages * psz, MADV_FREE) ||
	    madvise(k, npages * psz, MADV_FREE))
		die(errno == EINVAL ? EXIT_SKIP : 1, "madvise(MADV_FREE): %s",
		    strerror(errno));
	before = 0;
	for (i = 0; i < npages; i++)
		before += pfn_of(plain + i * psz) > 0;
	for (i = 0; i < 8; i++)
		cg_reclaim(2 * npages * psz);
	after = 0;
	for (i = 0; i < npages; i++)
		after += pfn_of(plain + i * psz) > 0;
	/* a lazily freed page reads as it was, or as zeroes once discarded */
	for (i = 0; i < npages; i++) {
		if (!page_is_zero(plain, i))
			verify(plain, i, 1, 1, 7, "a lazily freed plain page");
		if (i % 2 && !page_is_zero(k, i))
			verify(k, i, 1, 2, 8, "a lazily freed KSM page");
	}
	if (after >= before)
		die(1, "reclaim discarded none of the %ld lazily freed pages", before);
	msg("ok plain_present before=%ld after=%ld", before, after);
	return 0;
}

/* Pages of p that do not hold what fill(p, ..., group, seed) gave them. */

/*
 * One page of each identical pair is MADV_FREEd before ksmd merges the
 * pair: the KSM page may then be the lazyfree one, but it now also maps
 * the other page, which was never freed.  Reclaim must keep it (or swap
 * it): the pages that never had MADV_FREE must read back intact.
 */
static int wl_lazyfree_pair(void)
{
	char *k = map_pages(npages, 1);
	long lost, gone = 0, i;

	cg_enter();
	ksm_start(npages, 0);
	set("run", 0);		/* no merge before MADV_FREE */
	fill(k, npages, 2, 11);
	/*
	 * The odd page of a pair is scanned second: it becomes the KSM
	 * page, the even one is replaced by it.
	 */
	for (i = 1; i < npages; i += 2)
		if (madvise(k + i * psz, psz, MADV_FREE))
			die(errno == EINVAL ? EXIT_SKIP : 1,
			    "madvise(MADV_FREE): %s", strerror(errno));
	set("run", 1);
	wait_merging(npages);
	set("run", 0);
	for (i = 0; i < 8; i++)
		cg_reclaim(npages * psz);
	for (i = 1; i < npages; i += 2)	/* MADV_FREEd: their data may go */
		gone += pfn_of(k + i * psz) < 0;
	lost = differ_from_fill(k, 0, 2, npages, 2, 11, NULL);
	if (lost)
		die(1, "%ld of the %ld pages never MADV_FREEd lost their data "
		    "(a shared KSM page discarded as lazyfree?)", lost,
		    npages / 2);
	msg("ok lost=0 freed_not_present=%ld swap_used_kb=%ld", gone,
	    swap_used_kb());
	return 0;
}

/*
 * One page of each merged pair is written (COW): its rmap_item leaves the
 * stable tree (unique now, for the unstable one), its mate stays merged.
 */
static int wl_cow(void)
{
	char *p = map_pages(npages, 1);
	long merging, i;

	ksm_start(npages, 0);
	set("run", 0);		/* each pair merges the first time it is seen */
	fill(p, npages, 2, 12);
	set("run", 1);
	wait_merging(npages);
	for (i = 1; i < npages; i += 2)
		scribble(p, i);
	wait_scans(3);
	merging = self_merging();
	if (differ_from_fill(p, 0, 2, npages, 2, 12, NULL))
		die(1, "pages not written to lost their data");
	if (differ_from_fill(p, 1, 2, npages - 1, 2, 12, NULL) != npages / 2)
		die(1, "written pages do not hold what was written");
	if (merging != npages / 2)
		die(1, "%ld pages merged after writing half of %ld, not %ld",
		    merging, npages, npages / 2);
	msg("ok merging=%ld pages_shared=%ld pages_sharing=%ld", merging,
	    ksm_read("pages_shared"), ksm_read("pages_sharing"));
	return 0;
}

/*
 * Processes exit while ksmd merges their pages: PAGES/8 children, one
 * after another, map 64 pages with the content of the parent's KSM pages
 * and exit as soon as ksmd has merged a few of them, so that ksmd is in
 * the middle of merging into the mm that exits.
 */
static int wl_exit_merge(void)
{
	long nchild = npages / 8 ? npages / 8 : 1, c;
	char *p = map_pages(64, 1);

	ksm_start(npages, 0);
	fill(p, 64, 2, 13);
	wait_merging(64);
	for (c = 0; c < nchild; c++) {
		pid_t pid = fork();
		int status;

		if (pid < 0)
			die(1, "fork: %s", strerror(errno));
		if (!pid) {
			double t0 = ksm_now();
			long base;
			char *q;

			/* children restore nothing: that is the parent's job */
			signal(SIGINT, SIG_DFL);
			signal(SIGTERM, SIG_DFL);
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			/* counted from what it has now: 6.1.y hands a child
			 * its parent's count (kernel/patches/0012)
			 */
			base = self_merging();
			q = map_pages(64, 1);
			fill(q, 64, 2, 13);
			while (self_merging() - base < 8)
				if (ksm_now() - t0 > timeout_s)
					_exit(3);
			_exit(0);
		}
		if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
		    WEXITSTATUS(status))
			die(1, "child %ld: %s", c, WIFEXITED(status) &&
			    WEXITSTATUS(status) == 3 ? "ksmd merged none of its "
			    "pages" : "did not exit cleanly");
	}
	if (differ_from_fill(p, 0, 1, 64, 2, 13, NULL))
		die(1, "the parent's merged pages lost their data");
	msg("ok children=%ld merging=%ld", nchild, self_merging());
	return 0;
}

/*
 * Try to offline (and online again) a movable memory block holding one of
 * @kpfn.  Returns the block, or -1 with *tried counting the attempts.
 */
static long offline_block_of(const long *kpfn, long n, long block_pages,
			     int *tried)
{
	char path[160], zones[64];
	long i, j;
	int err;

	for (i = 0; i < n; i++) {
		long blk = kpfn[i] / block_pages;
		int fd;

		if (kpfn[i] <= 0)
			continue;
		for (j = 0; j < i; j++)
			if (kpfn[j] / block_pages == blk)
				break;
		if (j < i)
			continue;
		snprintf(path, sizeof(path),
			 "/sys/devices/system/memory/memory%ld/valid_zones", blk);
		fd = open(path, O_RDONLY);
		if (fd < 0)
			continue;
		zones[0] = '\0';
		if (read(fd, zones, sizeof(zones) - 1) > 0)
			zones[sizeof(zones) - 1] = '\0';
		close(fd);
		if (!strstr(zones, "Movable"))
			continue;
		snprintf(path, sizeof(path),
			 "/sys/devices/system/memory/memory%ld/state", blk);
		(*tried)++;
		/* EBUSY is often a page in transit (LRU, migration): try again */
		for (j = 0; j < 3; j++) {
			err = write_file(path, "offline");
			if (err != -EBUSY)
				break;
			usleep(200000);
		}
		if (err) {
			msg("cannot offline memory%ld: %s", blk, strerror(-err));
			continue;
		}
		msg("offlined memory%ld (held kpfn %ld)", blk, kpfn[i]);
		if (write_file(path, "online_movable") && write_file(path, "online"))
			die(1, "cannot online memory%ld again", blk);
		return blk;
	}
	return -1;
}

/*
 * Offline a memory block that held KSM pages whose stable nodes are
 * stale (ksmd stopped): ksm_check_stable_tree() purges them.  Needs
 * movable memory (boot with movablecore=) and CONFIG_MEMORY_HOTREMOVE.
 * Where the pages land is up to the allocator: try a few fresh regions.
 */
static int wl_hotremove(void)
{
	long *kpfn = calloc(npages, sizeof(long)), block_pages, i, blk = -1;
	unsigned long block_bytes = 0;
	int tried = 0, attempt;
	FILE *f;

	if (!kpfn)
		die(1, "out of memory");
	f = fopen("/sys/devices/system/memory/block_size_bytes", "r");
	if (!f || fscanf(f, "%lx", &block_bytes) != 1)
		die(EXIT_SKIP, "no memory hotplug in this kernel");
	fclose(f);
	block_pages = block_bytes / psz;
	ksm_start(npages, 0);
	for (attempt = 0; attempt < 4 && blk < 0; attempt++) {
		char *p = map_pages(npages, 1);

		/* the end of node 0 tends to hold unmovable boot memory */
		if (!access("/sys/devices/system/node/node1", F_OK))
			bind_node(p, npages, 1 - attempt % 2);
		set("run", 1);
		fill(p, npages, 2, 9 + attempt);
		wait_merging(npages);
		for (i = 0; i < npages; i++)
			kpfn[i] = pfn_of(p + i * psz);
		set("run", 0);
		for (i = 0; i < npages; i++)
			scribble(p, i);
		blk = offline_block_of(kpfn, npages, block_pages, &tried);
		munmap(p, npages * psz);
	}
	free(kpfn);
	if (blk < 0)
		die(EXIT_SKIP, "no movable memory block with a KSM page could be "
		    "offlined (%d tried in %d regions; boot with movablecore=)",
		    tried, attempt);
	msg("ok block=%ld", blk);
	return 0;
}

/*
 * Offline (and online again) the highest movable memory block that will
 * go: returns its number, -1 if none would.
 */
static long offline_any_block(void)
{
	char path[160], zones[64];
	long blk;
	int fd;

	for (blk = 1023; blk >= 0; blk--) {
		snprintf(path, sizeof(path),
			 "/sys/devices/system/memory/memory%ld/valid_zones", blk);
		fd = open(path, O_RDONLY);
		if (fd < 0)
			continue;
		zones[0] = '\0';
		if (read(fd, zones, sizeof(zones) - 1) > 0)
			zones[sizeof(zones) - 1] = '\0';
		close(fd);
		if (!strstr(zones, "Movable"))
			continue;
		snprintf(path, sizeof(path),
			 "/sys/devices/system/memory/memory%ld/state", blk);
		if (write_file(path, "offline"))
			continue;
		if (write_file(path, "online_movable") && write_file(path, "online"))
			die(1, "cannot online memory%ld again", blk);
		return blk;
	}
	return -1;
}

/*
 * A forked child maps KSM pages on node 0 that ksmd has not seen in it
 * yet (ksmd stopped), and a movable block of node 1 (above them) goes
 * offline and online: their stable nodes must stay, so that ksmd merges
 * the child's mappings into them when it runs again (its ksm-page-forked
 * shortcut).  The child checks its data.
 */
static int wl_offline_fork(void)
{
	long n = 2, blk;	/* one KSM page, mapped twice */
	int fds[2], ready[2], status;
	char *p, c;
	pid_t child;
	FILE *f;

	f = fopen("/sys/devices/system/memory/block_size_bytes", "r");
	if (!f)
		die(EXIT_SKIP, "no memory hotplug in this kernel");
	fclose(f);
	if (access("/sys/devices/system/node/node1", F_OK))
		die(EXIT_SKIP, "needs two NUMA nodes");
	ksm_start(n, 0);
	p = map_pages(n, 1);
	bind_node(p, n, 0);	/* below every block of node 1 */
	fill(p, n, 2, 14);
	wait_merging(n);
	set("run", 0);
	if (pipe(fds) || pipe(ready))
		die(1, "pipe: %s", strerror(errno));
	child = fork();
	if (child < 0)
		die(1, "fork: %s", strerror(errno));
	if (!child) {
		long base, scans;
		double t0;

		/* children restore nothing: that is the parent's job */
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(fds[1]);
		close(ready[0]);
		/*
		 * 6.1 copies the parent's count into the child's mm: read it
		 * while ksmd is still stopped, before it can merge ours
		 */
		base = self_merging();
		if (write(ready[1], "r", 1) != 1 || read(fds[0], &c, 1) != 1)
			_exit(3);
		t0 = ksm_now();
		while (self_merging() < base + n)	/* ksmd's first look */
			if (ksm_now() - t0 > timeout_s)
				_exit(4);
		/* exit only once ksmd is done with us: no merge in flight */
		scans = ksm_read("full_scans");
		while (ksm_read("full_scans") < scans + 2)
			if (ksm_now() - t0 > timeout_s)
				_exit(4);
		_exit(differ_from_fill(p, 0, 1, n, 2, 14, NULL) ? 5 : 0);
	}
	close(fds[0]);
	close(ready[1]);
	if (read(ready[0], &c, 1) != 1)
		die(1, "the child did not start");
	blk = offline_any_block();
	if (blk < 0)
		die(EXIT_SKIP, "no movable memory block could be offlined "
		    "(boot with movablecore=)");
	msg("offlined and onlined memory%ld", blk);
	set("run", 1);
	if (write(fds[1], "x", 1) != 1)
		die(1, "pipe write");
	if (waitpid(child, &status, 0) != child || !WIFEXITED(status))
		die(1, "child did not exit cleanly");
	switch (WEXITSTATUS(status)) {
	case 0:
		break;
	case 4:
		die(1, "ksmd did not merge the child's %ld KSM pages in %ds",
		    n, timeout_s);
	case 5:
		die(1, "the child's KSM pages lost their data");
	default:
		die(1, "child exited with %d", WEXITSTATUS(status));
	}
	msg("ok block=%ld child_merged=%ld pages_shared=%ld", blk, n,
	    ksm_read("pages_shared"));
	return 0;
}

/*
 * Forks of a process whose pages KSM merged: the child's mm starts as a
 * copy of the parent's, the KSM pages mapped in both, and ksmd meets the
 * child's rmap_items later.  Children: a reader, a COW writer (half of
 * the pages), an exec (a new mm), one that outlives the process that
 * forked it, and three generations.  All but the exec are held until
 * ksmd has done 3 full scans over them (it merges them itself) and -s
 * SECONDS have passed, then
 * check their data again and exit.  fork-stopped forks with ksmd
 * stopped and starts it only once every child exists.  Each process
 * prints its ksm_merging_pages; ksmtrace --check compares them with the
 * events.
 */
enum { FK_READ, FK_COW, FK_EXEC, FK_ORPHAN, FK_GENS, FK_NR };
static const char *const fk_name[FK_NR] = {
	"reader", "cow", "exec", "orphan", "generation"
};

static int fk_ready = -1;	/* write end: "this one is in place" */
#define FK_HELD 6		/* reader, cow, orphan's child, 3 generations */

static void fork_release_wait(int fd, const char *who)
{
	char c;

	if (write(fk_ready, "r", 1) != 1)
		die(1, "%s: ready pipe: %s", who, strerror(errno));
	/* the parent closes its end when ksmd has seen every child */
	if (read(fd, &c, 1) < 0)
		die(1, "%s: pipe: %s", who, strerror(errno));
}

static void __attribute__((noreturn)) fork_child(char *p, int kind, int fd,
						 int gen)
{
	char who[64];
	long half = npages / 2;

	in_child = 1;
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	if (kind == FK_GENS)
		snprintf(who, sizeof(who), "fork (generation %d)", gen);
	else
		snprintf(who, sizeof(who), "fork (%s)", fk_name[kind]);
	cmd = who;
	if (kind == FK_EXEC) {
		execl("/proc/self/exe", "ksmwl", "exec-child", (char *)NULL);
		die(1, "exec /proc/self/exe: %s", strerror(errno));
	}
	verify(p, 0, npages, 2, 21, "the child's pages after fork");
	if (kind == FK_COW) {
		long i;

		for (i = 0; i < half; i++)
			scribble(p, i);
	}
	if (kind == FK_ORPHAN) {
		pid_t g = fork();

		if (g < 0)
			die(1, "fork: %s", strerror(errno));
		if (g > 0)
			_exit(0);	/* the grandchild outlives it */
		snprintf(who, sizeof(who), "fork (orphan's child)");
	}
	if (kind == FK_GENS && gen < 3) {
		pid_t g = fork();

		if (g < 0)
			die(1, "fork: %s", strerror(errno));
		if (g == 0)
			fork_child(p, FK_GENS, fd, gen + 1);
	}
	fork_release_wait(fd, who);
	if (kind == FK_COW) {
		verify_scribbled(p, 0, half, who);
		if (differ_from_fill(p, half, 1, npages - half, 2, 21, NULL))
			die(1, "%s: pages not written to lost their data", who);
	} else {
		verify(p, 0, npages, 2, 21, who);
	}
	msg("pid %d ppid %d ksm_merging_pages %ld", getpid(),
	    getppid(), self_merging());
	if (kind == FK_GENS && gen < 3) {
		int st;

		if (wait(&st) < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
			die(1, "generation %d failed (status 0x%x)", gen + 1, st);
	}
	_exit(0);
}

static int fork_family(int stopped)
{
	char *p = map_pages(npages, 1);
	int fds[2], rd[2], k, st, n = 0, bad = 0, held = 0;
	double t0;
	char c;
	pid_t pid;

	ksm_start(npages, 0);
	fill(p, npages, 2, 21);
	wait_merging(npages);
	if (prctl(PR_SET_CHILD_SUBREAPER, 1))
		die(1, "PR_SET_CHILD_SUBREAPER: %s", strerror(errno));
	if (pipe(fds) || pipe(rd))
		die(1, "pipe: %s", strerror(errno));
	fk_ready = rd[1];
	if (stopped)
		set("run", 0);
	for (k = 0; k < FK_NR; k++) {
		pid = fork();
		if (pid < 0)
			die(1, "fork: %s", strerror(errno));
		if (pid == 0) {
			close(fds[1]);
			close(rd[0]);
			fork_child(p, k, fds[0], 1);
		}
		n++;
	}
	close(fds[0]);
	close(rd[1]);
	/* every descendant in place (forked, COW done) before ksmd looks */
	while (held < FK_HELD && read(rd[0], &c, 1) == 1)
		held++;
	close(rd[0]);
	if (held < FK_HELD)
		die(1, "only %d of %d children got in place", held, FK_HELD);
	if (stopped)
		set("run", 1);
	/*
	 * ksmd scans and merges every child (and the orphan, the
	 * generations); they stay -s SECONDS at least, so that a checker
	 * reading once a second judges each of them several times
	 */
	t0 = ksm_now();
	wait_scans(3);
	while (ksm_now() - t0 < seconds)
		usleep(100000);
	msg("parent pid %d ksm_merging_pages %ld", getpid(), self_merging());
	close(fds[1]);
	/* every descendant reaches us: the orphan through the subreaper */
	while ((pid = wait(&st)) > 0) {
		if (!WIFEXITED(st) || WEXITSTATUS(st))
			bad++;
		n--;
	}
	if (bad)
		die(1, "%d of the fork family failed", bad);
	verify(p, 0, npages, 2, 21, "the parent's pages after its children");
	wait_scans(2);
	msg("ok stopped=%d merging=%ld pages_shared=%ld pages_sharing=%ld",
	    stopped, self_merging(), ksm_read("pages_shared"),
	    ksm_read("pages_sharing"));
	return 0;
}

static int wl_fork(void)
{
	return fork_family(0);
}

static int wl_fork_stopped(void)
{
	return fork_family(1);
}

/* the exec'ed child: a new mm, nothing of KSM's */
static int wl_exec_child(void)
{
	FILE *f = fopen("/proc/self/ksm_stat", "r");
	long rmap = -1;

	if (f) {
		if (fscanf(f, "ksm_rmap_items %ld", &rmap) != 1)
			rmap = -1;
		fclose(f);
	}
	if (self_merging() != 0 || (f && rmap != 0))
		die(1, "exec'ed: ksm_merging_pages %ld, ksm_rmap_items %ld, "
		    "not 0", self_merging(), rmap);
	msg("ok exec'ed pid %d ksm_merging_pages 0", getpid());
	return 0;
}

/*
 * Peers of the kernel's own tests: tools/testing/selftests/mm/
 * ksm_functional_tests.c (6.2 and later) checks what MADV_UNMERGEABLE,
 * prctl(PR_SET_MEMORY_MERGE) and fork leave behind.  The 6.1 tree has
 * only ksm_tests.c, so these are our own checks of the same behaviour,
 * one workload each (ft-*), run in the VM under ksmtrace --check.  A
 * peer whose interface the kernel does not have (prctl: 6.4, KSM zero
 * page counters: 6.10) exits 4 and says which kernel brought it; the VM
 * suite expects exactly that on 6.1, and the test itself on 6.12.
 */

static int cmp_pfn(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return (x > y) - (x < y);
}

/* How many pages of [p, p + n pages) map a pfn another one maps too. */
static long shared_pfns(const char *p, long n)
{
	long *v = calloc((size_t)n, sizeof(*v)), i, m = 0, dup = 0;

	if (!v)
		die(1, "out of memory");
	for (i = 0; i < n; i++) {
		long pfn = pfn_of((void *)(p + i * psz));

		if (pfn > 0)	/* 0: pfns hidden; -1: not present */
			v[m++] = pfn;
	}
	qsort(v, (size_t)m, sizeof(*v), cmp_pfn);
	for (i = 0; i < m; i++)
		dup += (i > 0 && v[i] == v[i - 1]) ||
		       (i + 1 < m && v[i] == v[i + 1]);
	free(v);
	return dup;
}

/* A field of /proc/self/ksm_stat, -1 if this kernel has none. */
static long self_stat(const char *field)
{
	char line[128];
	long v = -1;
	size_t len = strlen(field);
	FILE *f = fopen("/proc/self/ksm_stat", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, len) && line[len] == ' ')
			v = strtol(line + len + 1, NULL, 10);
	fclose(f);
	return v;
}

/* npages mergeable pages in identical pairs, merged: pfns say so too. */
static char *ft_merged(unsigned int seed)
{
	char *p = map_pages(npages, 1);
	long dup;

	ksm_start(npages, 0);
	fill(p, npages, 2, seed);
	wait_merging(npages);
	dup = shared_pfns(p, npages);
	if (dup != npages)
		die(1, "merged: %ld of %ld pages share a pfn (pagemap), not all",
		    dup, npages);
	return p;
}

static void ft_unmerge(char *p, long n, const char *how)
{
	if (madvise(p, n * psz, MADV_UNMERGEABLE))
		die(1, "%s: madvise(MADV_UNMERGEABLE): %s", how,
		    strerror(errno));
}

/*
 * After MADV_UNMERGEABLE no page of the range is KSM's: no two share a
 * pfn at once (what the kernel's test checks), and once ksmd has been
 * over the mm twice (it drops the rmap_items of a vma no longer
 * mergeable on its next pass) ksm_merging_pages is 0.
 */
static void ft_unmerged(const char *p, long n, const char *how)
{
	long dup = shared_pfns(p, n), m;

	if (dup)
		die(1, "%s: still merged after unmerging: %ld of %ld pages "
		    "share a pfn", how, dup, n);
	wait_scans(2);
	m = self_merging();
	if (m)
		die(1, "%s: ksm_merging_pages %ld two full scans after "
		    "unmerging, not 0", how, m);
}

/* test_unmerge: MADV_UNMERGEABLE unmerges every page of the range. */
static int wl_ft_unmerge(void)
{
	char *p = ft_merged(20);

	ft_unmerge(p, npages, "unmerge");
	ft_unmerged(p, npages, "unmerge");
	verify(p, 0, npages, 2, 20, "unmerged");
	msg("ok unmerged=%ld merging=%ld", npages, self_merging());
	return 0;
}

/* test_unmerge_discarded: half of the range is pte_none (MADV_DONTNEED). */
static int wl_ft_unmerge_discarded(void)
{
	char *p = ft_merged(21);
	long half = npages / 2, i;

	if (madvise(p + half * psz, half * psz, MADV_DONTNEED))
		die(1, "madvise(MADV_DONTNEED): %s", strerror(errno));
	ft_unmerge(p, npages, "unmerge-discarded");
	ft_unmerged(p, npages, "unmerge-discarded");
	verify(p, 0, half, 2, 21, "unmerged");
	for (i = half; i < npages; i++)
		if (!page_is_zero(p, i))
			die(1, "discarded page %ld reads non-zero", i);
	msg("ok unmerged=%ld discarded=%ld merging=%ld", half, half,
	    self_merging());
	return 0;
}

/*
 * test_unmerge_uffd_wp: the merged pages are write-protected with
 * userfaultfd.  Unmerging must still work: 6.1 breaks COW with a fake
 * write fault, which uffd-wp turns into SIGBUS, and break_ksm() gives up
 * silently (fixed upstream in 6.2, in the series by patch 0013).
 */
static int wl_ft_unmerge_uffd_wp(void)
{
	struct uffdio_api api = { .api = UFFD_API,
				  .features = UFFD_FEATURE_PAGEFAULT_FLAG_WP };
	struct uffdio_register reg = { 0 };
	struct uffdio_writeprotect wp = { 0 };
	char *p = ft_merged(22);
	int uffd = (int)syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);

	if (uffd < 0)
		die(1, "userfaultfd: %s (kernel without CONFIG_USERFAULTFD?)",
		    strerror(errno));
	if (ioctl(uffd, UFFDIO_API, &api) ||
	    !(api.features & UFFD_FEATURE_PAGEFAULT_FLAG_WP))
		die(1, "userfaultfd: no write-protect feature: %s",
		    strerror(errno));
	reg.range.start = (uintptr_t)p;
	reg.range.len = npages * psz;
	reg.mode = UFFDIO_REGISTER_MODE_WP;
	if (ioctl(uffd, UFFDIO_REGISTER, &reg))
		die(1, "UFFDIO_REGISTER (write-protect): %s", strerror(errno));
	wp.range = reg.range;
	wp.mode = UFFDIO_WRITEPROTECT_MODE_WP;
	if (ioctl(uffd, UFFDIO_WRITEPROTECT, &wp))
		die(1, "UFFDIO_WRITEPROTECT: %s", strerror(errno));
	ft_unmerge(p, npages, "unmerge-uffd-wp");
	ft_unmerged(p, npages, "unmerge-uffd-wp");
	verify(p, 0, npages, 2, 22, "unmerged under uffd-wp");
	close(uffd);
	msg("ok unmerged=%ld under uffd-wp merging=%ld", npages,
	    self_merging());
	return 0;
}

/*
 * test_prot_none: the merged range is PROT_NONE while it is unmerged.
 * 6.1's follow_page() does not find a protnone pte's page for
 * break_ksm(), which gives up silently (fixed upstream in 6.5, in the
 * series by patch 0014).
 */
static int wl_ft_prot_none(void)
{
	char *p = ft_merged(23);

	if (mprotect(p, npages * psz, PROT_NONE))
		die(1, "mprotect(PROT_NONE): %s", strerror(errno));
	ft_unmerge(p, npages, "prot-none");
	if (mprotect(p, npages * psz, PROT_READ | PROT_WRITE))
		die(1, "mprotect(PROT_READ|PROT_WRITE): %s", strerror(errno));
	ft_unmerged(p, npages, "prot-none");
	verify(p, 0, npages, 2, 23, "unmerged while PROT_NONE");
	msg("ok unmerged=%ld while PROT_NONE merging=%ld", npages,
	    self_merging());
	return 0;
}

/* wait for a child that reports through its exit status */
static int ft_wait(pid_t pid, const char *who)
{
	int status;

	if (pid < 0)
		die(1, "fork: %s", strerror(errno));
	if (waitpid(pid, &status, 0) != pid)
		die(1, "waitpid %s: %s", who, strerror(errno));
	if (!WIFEXITED(status))
		die(1, "%s: killed by signal %d", who, WTERMSIG(status));
	return WEXITSTATUS(status);
}

/*
 * test_fork_ksm_merging_page_count: a forked child starts with
 * ksm_merging_pages 0, whatever its parent had (6.1.y copies the
 * parent's: kernel/patches/0012).
 */
static int wl_ft_fork_count(void)
{
	char *p = ft_merged(24);
	long parent = self_merging(), child;
	int fds[2];
	pid_t pid;

	if (pipe(fds))
		die(1, "pipe: %s", strerror(errno));
	/* ksmd stopped: it would merge the child's pages before it reads */
	set("run", 0);
	pid = fork();
	if (!pid) {
		long v = self_merging();

		in_child = 1;
		_exit(write(fds[1], &v, sizeof(v)) == sizeof(v) ? 0 : 3);
	}
	if (ft_wait(pid, "child") || read(fds[0], &child, sizeof(child)) !=
	    sizeof(child))
		die(1, "the child could not report its count");
	close(fds[0]);
	close(fds[1]);
	if (child)
		die(1, "a forked child's ksm_merging_pages is %ld, not 0 "
		    "(its parent's: %ld)", child, parent);
	verify(p, 0, npages, 2, 24, "merged, after fork");
	msg("ok parent merging=%ld child merging=0", parent);
	return 0;
}

/*
 * test_unmerge_zero_pages: with use_zero_pages, pages merged with the
 * zero page are counted (6.10+: ksm_zero_pages, global and per process)
 * and MADV_UNMERGEABLE unshares them again.
 */
static long ft_zero_merged(char **pp)
{
	double t0 = ksm_now();
	char *p;

	if (ksm_read("ksm_zero_pages") < 0 || self_stat("ksm_zero_pages") < 0)
		die(EXIT_SKIP, "not on this kernel: no ksm_zero_pages (6.10+; "
		    "before, KSM's zero pages are neither counted nor "
		    "unshared)");
	p = map_pages(npages, 1);
	ksm_start(npages, 0);
	set("use_zero_pages", 1);
	memset(p, 0x11, npages * psz);
	memset(p, 0, npages * psz);
	while (self_stat("ksm_zero_pages") < npages)
		if (ksm_now() - t0 > timeout_s)
			die(1, "only %ld of %ld pages merged with the zero page "
			    "after %ds", self_stat("ksm_zero_pages"), npages,
			    timeout_s);
		else
			usleep(20000);
	*pp = p;
	return ksm_read("ksm_zero_pages");
}

static int wl_ft_unmerge_zero(void)
{
	char *p;
	long global = ft_zero_merged(&p), after;

	if (global < npages)
		die(1, "global ksm_zero_pages %ld below this process's %ld",
		    global, npages);
	ft_unmerge(p, npages, "unmerge-zero");
	after = ksm_read("ksm_zero_pages");
	if (self_stat("ksm_zero_pages") || after != global - npages)
		die(1, "after MADV_UNMERGEABLE: ksm_zero_pages %ld (not 0), "
		    "global %ld (not %ld)", self_stat("ksm_zero_pages"), after,
		    global - npages);
	if (!page_is_zero(p, 0) || !page_is_zero(p, npages - 1))
		die(1, "unshared zero pages do not read zero");
	msg("ok zero_pages=%ld unshared, global %ld -> %ld", npages, global,
	    after);
	return 0;
}

/*
 * test_fork_global_ksm_zero_pages_count: a child maps its parent's KSM
 * zero pages: the global count grows by them at fork and shrinks back
 * when the child unshares them.
 */
static int wl_ft_fork_zero(void)
{
	char *p;
	long before = ft_zero_merged(&p), after;
	pid_t pid = fork();

	if (!pid) {
		in_child = 1;
		if (self_stat("ksm_zero_pages") != npages)
			_exit(3);
		if (ksm_read("ksm_zero_pages") != before + npages)
			_exit(5);
		_exit(madvise(p, npages * psz, MADV_UNMERGEABLE) ? 4 : 0);
	}
	switch (ft_wait(pid, "child")) {
	case 0:
		break;
	case 3:
		die(1, "the child did not inherit the %ld KSM zero pages it "
		    "maps", npages);
	case 5:
		die(1, "global ksm_zero_pages did not grow by the child's %ld "
		    "at fork", npages);
	default:
		die(1, "the child could not unmerge its zero pages");
	}
	after = ksm_read("ksm_zero_pages");
	if (after != before)
		die(1, "global ksm_zero_pages %ld after the child unshared its "
		    "copy, %ld before the fork", after, before);
	msg("ok global zero_pages %ld before fork, %ld after the child", before,
	    after);
	return 0;
}

/*
 * test_prctl, test_prctl_fork, test_prctl_fork_exec, test_prctl_unmerge:
 * PR_SET_MEMORY_MERGE (6.4) makes every vma mergeable, survives fork
 * and exec, and clearing it unmerges.
 */
#ifndef PR_SET_MEMORY_MERGE
#define PR_SET_MEMORY_MERGE 67
#define PR_GET_MEMORY_MERGE 68
#endif
static int wl_ft_prctl(void)
{
	char *p;
	pid_t pid;

	if (prctl(PR_GET_MEMORY_MERGE, 0, 0, 0, 0) < 0 && errno == EINVAL)
		die(EXIT_SKIP, "not on this kernel: no PR_SET_MEMORY_MERGE "
		    "(6.4+)");
	if (prctl(PR_SET_MEMORY_MERGE, 1, 0, 0, 0))
		die(1, "PR_SET_MEMORY_MERGE 1: %s", strerror(errno));
	if (prctl(PR_GET_MEMORY_MERGE, 0, 0, 0, 0) != 1)
		die(1, "PR_GET_MEMORY_MERGE is not 1 after setting it");
	p = map_pages(npages, 0);	/* no madvise: the prctl does it */
	ksm_start(npages, 0);
	fill(p, npages, 2, 25);
	wait_merging(npages);
	/* a forked child still has it, and so does an exec'ed one */
	pid = fork();
	if (!pid) {
		in_child = 1;
		_exit(prctl(PR_GET_MEMORY_MERGE, 0, 0, 0, 0) == 1 ? 0 : 3);
	}
	if (ft_wait(pid, "child"))
		die(1, "a forked child lost PR_SET_MEMORY_MERGE");
	pid = fork();
	if (!pid) {
		in_child = 1;
		execl("/proc/self/exe", "ksmwl", "ft-prctl-exec", (char *)NULL);
		_exit(5);
	}
	switch (ft_wait(pid, "exec'ed child")) {
	case 0:
		break;
	case 5:
		die(1, "exec /proc/self/exe failed");
	default:
		die(1, "an exec'ed child lost PR_SET_MEMORY_MERGE");
	}
	if (prctl(PR_SET_MEMORY_MERGE, 0, 0, 0, 0))
		die(1, "PR_SET_MEMORY_MERGE 0: %s", strerror(errno));
	/*
	 * clearing it unmerged every vma, ksm_start()'s mergeable page
	 * too: one more, so that ksmd keeps scanning this mm
	 */
	scribble(map_pages(1, 1), 0);
	ft_unmerged(p, npages, "prctl 0");
	verify(p, 0, npages, 2, 25, "unmerged by the prctl");
	msg("ok merged=%ld by prctl, kept over fork and exec, unmerged by "
	    "clearing it", npages);
	return 0;
}

/* ft-prctl's exec'ed child: PR_SET_MEMORY_MERGE survived exec */
static int wl_ft_prctl_exec(void)
{
	return prctl(PR_GET_MEMORY_MERGE, 0, 0, 0, 0) == 1 ? 0 : 3;
}

/*
 * ---- why-*: one reason each for ksmtrace --why / ksmtop --why ----
 * Each puts PAGES pages of its own in the state its name says, prints
 * "ksmwl: why-X ready pid=PID pages=N", and holds them until a signal
 * (which restores the knobs).  The tests read the process from outside
 * and expect those pages under that reason.
 */
/*
 * ksmd sleeps between batches while the tools attach to it: patching
 * kernel text (tracepoints, probes) next to a ksmd that never sleeps
 * oopsed Debian's kernels in our TCG guests (docs/kernels.md)
 */
#define WHY_SLEEP_MS 20

static void why_ready(long pages)
{
	msg("ready pid=%d pages=%ld", getpid(), pages);
}

static void __attribute__((noreturn)) why_hold(void)
{
	for (;;)
		pause();
}

/* pairs of identical pages, merged */
static int wl_why_merged(void)
{
	char *p;

	ksm_start(npages, WHY_SLEEP_MS);
	p = map_pages(npages, 1);
	fill(p, npages, 2, 40);
	wait_merging(npages);
	verify(p, 0, npages, 2, 40, "merged");
	why_ready(npages);
	why_hold();
}

/* pairs that would merge, in an area never registered */
static int wl_why_unregistered(void)
{
	char *p;

	ksm_start(npages, WHY_SLEEP_MS);
	p = map_pages(npages, 0);
	fill(p, npages, 2, 41);
	wait_scans(2);
	if (self_merging() > 0)
		die(1, "%ld pages merged without MADV_MERGEABLE", self_merging());
	why_ready(npages);
	why_hold();
}

/* shared anonymous memory: MADV_MERGEABLE is ignored there */
static int wl_why_shared(void)
{
	char *p = mmap(NULL, npages * psz, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		die(1, "mmap shared: %s", strerror(errno));
	ksm_start(npages, WHY_SLEEP_MS);
	if (madvise(p, npages * psz, MADV_MERGEABLE))
		die(1, "madvise(MADV_MERGEABLE) on shared memory: %s",
		    strerror(errno));
	fill(p, npages, 2, 42);
	wait_scans(2);
	why_ready(npages);
	why_hold();
}

/* registered, scanned, no two alike */
static int wl_why_unique(void)
{
	char *p;

	ksm_start(npages, WHY_SLEEP_MS);
	p = map_pages(npages, 1);
	fill(p, npages, 1, 43);
	wait_scans(2);
	if (self_merging() > 0)
		die(1, "%ld unique pages merged", self_merging());
	why_ready(npages);
	why_hold();
}

/*
 * pairs rewritten every 10 ms, ksmd at npages / 16 pages every 20 ms: a
 * full pass takes about 340 ms, and no page is the same at two scans
 */
static int wl_why_volatile(void)
{
	char *p;
	long i, round = 0;

	ksm_start(npages / 16 ? npages / 16 : 1, 20);
	p = map_pages(npages, 1);
	fill(p, npages, 2, 44);
	why_ready(npages);
	for (;;) {
		round++;
		for (i = 0; i < npages; i++)
			memcpy(p + i * psz + 64, &round, sizeof(round));
		usleep(10000);
	}
	return 0;
}

/* pages written, then zeroed; use_zero_pages 0 and ksmd stopped */
static int wl_why_zero(void)
{
	char *p;

	ksm_start(npages, WHY_SLEEP_MS);
	set("run", 0);
	set("use_zero_pages", 0);
	p = map_pages(npages, 1);
	fill(p, npages, 2, 45);
	memset(p, 0, npages * psz);
	why_ready(npages);
	why_hold();
}

/* pairs that would merge, ksmd stopped */
static int wl_why_stopped(void)
{
	char *p;

	ksm_start(npages, WHY_SLEEP_MS);
	set("run", 0);
	p = map_pages(npages, 1);
	fill(p, npages, 2, 46);
	why_ready(npages);
	why_hold();
}

/* pairs, ksmd at 1 page a second: a full pass takes minutes */
static int wl_why_slow(void)
{
	char *p;

	ksm_start(1, 1000);
	p = map_pages(npages, 1);
	fill(p, npages, 2, 47);
	why_ready(npages);
	why_hold();
}

/*
 * max_page_sharing 2, groups of three alike: two share a KSM page, the
 * third has no room and no partner.  npages / 3 such pages.
 */
static int wl_why_max_sharing(void)
{
	long n = npages / 3 * 3;
	char *p;

	ksm_start(n, WHY_SLEEP_MS);
	set("run", 2);
	set("max_page_sharing", 2);
	set("run", 1);
	p = map_pages(n, 1);
	fill(p, n, 3, 48);
	wait_merging(n / 3 * 2);
	wait_scans(2);
	verify(p, 0, n, 3, 48, "merged by twos");
	why_ready(n / 3);
	why_hold();
}

/* merge_across_nodes 0, each page's twin on the other node */
static int wl_why_other_node(void)
{
	int *status = calloc(npages, sizeof(int));
	char *a, *b;

	numa_start(status);
	a = map_pages(npages, 1);
	b = map_pages(npages, 1);
	bind_node(a, npages, 0);
	bind_node(b, npages, 1);
	fill(a, npages, 1, 49);
	fill(b, npages, 1, 49);
	wait_scans(2);
	if (self_merging() > 0)
		die(1, "%ld pages merged across nodes", self_merging());
	free(status);
	why_ready(2 * npages);
	why_hold();
}

static const struct {
	const char *name;
	int (*fn)(void);
	const char *help;
} workloads[] = {
	{ "scan", wl_scan, "time ksmd's full scans over PAGES pages" },
	{ "churn", wl_churn, "rewrite pages so they unmerge and merge again" },
	{ "many", wl_many, "PAGES/4 processes with 4 KSM pages each" },
	{ "merge", wl_merge, "pairs of identical pages merge" },
	{ "zero", wl_zero, "zero pages merged with use_zero_pages=1" },
	{ "stale", wl_stale, "KSM pages freed, ksmd finds nodes stale" },
	{ "chain", wl_chain, "max_page_sharing=2: chains, dups, pruning" },
	{ "fork-reclaim", wl_fork_reclaim, "fork, swap KSM pages out and in" },
	{ "migrate", wl_migrate, "move KSM pages between NUMA nodes" },
	{ "numa-prune", wl_numa_prune, "stale nodes pruned from migrate_nodes" },
	{ "unmerge-all", wl_unmerge_all, "run=2 unmerges everything" },
	{ "lazyfree", wl_lazyfree, "MADV_FREE pages discarded by reclaim" },
	{ "lazyfree-pair", wl_lazyfree_pair,
	  "MADV_FREE half of each pair, merge, reclaim" },
	{ "cow", wl_cow, "write one page of each merged pair" },
	{ "exit-merge", wl_exit_merge, "processes exit while ksmd merges them" },
	{ "hotremove", wl_hotremove, "offline a block with stale KSM pages" },
	{ "offline-fork", wl_offline_fork,
	  "offline a block above a child's unseen KSM pages" },
	{ "fork", wl_fork, "merged parent forks: reader, COW, exec, orphan, "
	  "generations" },
	{ "fork-stopped", wl_fork_stopped, "the same, forked with ksmd stopped" },
	{ "exec-child", wl_exec_child, "(fork's exec'ed child) counters 0" },
	{ "ft-unmerge", wl_ft_unmerge, "peer: MADV_UNMERGEABLE unmerges all" },
	{ "ft-unmerge-discarded", wl_ft_unmerge_discarded,
	  "peer: the same with half the range discarded" },
	{ "ft-unmerge-uffd-wp", wl_ft_unmerge_uffd_wp,
	  "peer: the same under userfaultfd write-protect" },
	{ "ft-prot-none", wl_ft_prot_none, "peer: the same while PROT_NONE" },
	{ "ft-fork-count", wl_ft_fork_count,
	  "peer: a forked child's ksm_merging_pages is 0" },
	{ "ft-unmerge-zero", wl_ft_unmerge_zero,
	  "peer: KSM zero pages counted and unshared (6.10+)" },
	{ "ft-fork-zero", wl_ft_fork_zero,
	  "peer: global ksm_zero_pages over fork (6.10+)" },
	{ "ft-prctl", wl_ft_prctl,
	  "peer: PR_SET_MEMORY_MERGE, over fork and exec (6.4+)" },
	{ "ft-prctl-exec", wl_ft_prctl_exec, "(ft-prctl's exec'ed child)" },
	{ "why-merged", wl_why_merged, "why: pairs merged, held" },
	{ "why-unregistered", wl_why_unregistered,
	  "why: pairs in an area not MADV_MERGEABLE" },
	{ "why-shared", wl_why_shared, "why: pairs in shared anonymous memory" },
	{ "why-unique", wl_why_unique, "why: registered, no two pages alike" },
	{ "why-volatile", wl_why_volatile, "why: pairs rewritten every 10 ms" },
	{ "why-zero", wl_why_zero, "why: zero-filled, use_zero_pages 0, run 0" },
	{ "why-stopped", wl_why_stopped, "why: pairs, ksmd stopped" },
	{ "why-slow", wl_why_slow, "why: pairs, ksmd at 1 page a second" },
	{ "why-max-sharing", wl_why_max_sharing,
	  "why: threes alike, max_page_sharing 2" },
	{ "why-other-node", wl_why_other_node,
	  "why: twins on two NUMA nodes, merge_across_nodes 0" },
};

static void usage(FILE *out)
{
	size_t i;

	fprintf(out, "usage: ksmwl [-n PAGES] [-s SECONDS] [-t TIMEOUT] [-r RATE] [-p] WORKLOAD\n");
	for (i = 0; i < ARRAY_SIZE(workloads); i++)
		fprintf(out, "  %-21s %s\n", workloads[i].name, workloads[i].help);
}

int main(int argc, char **argv)
{
	size_t i;
	int c;

	salt = (uint32_t)getpid() << 8;
	while ((c = getopt(argc, argv, "n:s:t:r:ph")) != -1) {
		char *end;
		long v;

		if (c == 'h') {
			usage(stdout);
			return 0;
		}
		if (c == 'p') {
			hold = 1;
			continue;
		}
		if (c == '?') {
			usage(stderr);
			return 2;
		}
		v = strtol(optarg, &end, 10);
		if (*end || v <= 0 || v > 1L << 24) {
			fprintf(stderr, "ksmwl: -%c needs a positive number, not '%s'\n",
				c, optarg);
			return 2;
		}
		if (c == 'n')
			npages = v & ~1L;
		else if (c == 's')
			seconds = (int)v;
		else if (c == 'r')
			rate = v;
		else
			timeout_s = (int)v;
	}
	if (optind != argc - 1) {
		usage(stderr);
		return 2;
	}
	psz = (size_t)sysconf(_SC_PAGESIZE);
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 0; i < ARRAY_SIZE(workloads); i++)
		if (!strcmp(argv[optind], workloads[i].name)) {
			cmd = workloads[i].name;
			if (geteuid())
				die(EXIT_SKIP, "needs root");
			c = workloads[i].fn();
			if (hold) {
				msg("holding until a signal");
				pause();
			}
			return c;
		}
	fprintf(stderr, "ksmwl: unknown workload '%s'\n", argv[optind]);
	usage(stderr);
	return 2;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * check_tests.c - the invariant engine on synthetic event streams: the
 * real BPF programs (raw_tp, run with BPF_PROG_TEST_RUN, nothing
 * attached) and the real user-space checker.  For each invariant one
 * stream that must pass and one that must fail.  Needs root (BPF); any
 * kernel with BPF test runs for raw_tp (5.10+).  Prints TAP.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "ksm_bpf.h"
#include "ksm_check.h"
#include "ksm_evdesc.h"
#include "ksm_probes.h"
#include "ksm_sysfs.h"

static struct ksm_bpf bpf;
static struct ksm_checker chk;
static struct ring_buffer *rb;
static int n, failed, inject_failed;
static __u64 base;

static int on_record(void *ctx, void *data, size_t len)
{
	const struct ksm_event *e = data;

	(void)ctx;
	if (len >= sizeof(*e) && e->type == KSM_REC_VIOLATION)
		ksm_check_record(&chk, e);
	return 0;
}

#define PLAIN KSM_TP_NODE_ROLE_PLAIN
#define LAZYFREE KSM_TP_PURGE_CAUSE_LAZYFREE
#define MAPPING KSM_TP_STALE_REASON_MAPPING
#define EV(type, ...) ev(type, (const __u64[KSM_EV_MAX_ARGS]){ __VA_ARGS__ })
static void ev(int type, const __u64 *args)
{
	int err = ksm_bpf_inject(&bpf, type, args);

	/* a stream that did not run proves nothing: the next verdict fails */
	if (err) {
		printf("# inject %s failed: %s\n", ksm_event_desc[type].name,
		       strerror(-err));
		inject_failed++;
	}
}

/* drain the ring buffer: violations of each invariant since the last call */
static unsigned long long seen[KSM_INV_NR];
static void drain(unsigned long long *delta)
{
	int i;

	ring_buffer__consume(rb);
	ksm_check_poll(&chk, true);
	for (i = 0; i < KSM_INV_NR; i++) {
		delta[i] = chk.found[i] - seen[i];
		seen[i] = chk.found[i];
	}
}

/*
 * One TAP result.  A stream whose events could not all be injected did
 * not run: its result is a failure whatever the checker said.
 */
static void __attribute__((format(printf, 2, 3))) result(bool ok,
							  const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	ok = ok && !inject_failed;
	failed += !ok;
	printf("%sok %d %s%s\n", ok ? "" : "not ", ++n, buf,
	       inject_failed ? " (events not injected)" : "");
	inject_failed = 0;
}

static void verdict(int inv, bool must_fail, const char *desc)
{
	unsigned long long d[KSM_INV_NR];
	unsigned long long others = 0;
	bool ok;
	int i;

	drain(d);
	for (i = 1; i < KSM_INV_NR; i++)
		if (i != inv)
			others += d[i];
	ok = must_fail ? d[inv] > 0 && !others : !d[inv] && !others;
	result(ok, "%s %s: %s (%s %llu, others %llu)", ksm_inv_desc[inv].id,
	       must_fail ? "must fail" : "must pass", desc,
	       ksm_inv_desc[inv].id, d[inv], others);
}

/* fresh pointers for each stream: the BPF state outlives a stream */
#define NODE (base + 0x1000)
#define NODE2 (base + 0x1800)
#define ITEM (base + 0x2000)
#define ITEM2 (base + 0x2040)
#define MM (base + 0x3000)
#define KPAGE (base + 0x4000)
#define PFN(x) ((base >> 8) + (x))
static void next(void)
{
	base += 0x100000;
}

static void put(const char *dir, const char *name, long v)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f || fprintf(f, "%ld\n", v) < 0 || fclose(f)) {
		/* the next verdict then fails: it did not see this value */
		printf("# cannot write %s: %s\n", path, strerror(errno));
		inject_failed++;
	}
}

/* NODE's page moves on from PFN(from), more times than its history holds */
static void migrate_on(__u64 from)
{
	__u64 i;

	for (i = from; i < from + KSM_NODE_HIST; i++)
		EV(KSM_EV_MIGRATE_PAGE, NODE, PFN(i), PFN(i + 1), 0, 1);
}

/* what the LRU map does when full: the node's state is gone */
static void evict_node(__u64 node)
{
	bpf_map_delete_elem(ksm_bpf_map_fd(&bpf, KSM_MAP_NODES), &node);
}

/*
 * I5's baseline read while KSM works: an event lands after sysfs's
 * pages_unshared was read and before BPF's counts are.  A FIFO in the
 * fake sysfs (a file read after pages_unshared) lets this thread act at
 * exactly that moment, like ksmd does when ksmtop starts mid-workload.
 */
struct race {
	const char *dir;
	long unshared;
};

static void *race_writer(void *arg)
{
	struct race *r = arg;
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/full_scans", r->dir);
	fd = open(path, O_WRONLY);	/* the checker is reading sysfs */
	EV(KSM_EV_UNSTABLE_TREE_INSERT, ITEM, MM, 0x1000, PFN(1), 0);
	put(r->dir, "pages_unshared", r->unshared + 1);
	unlink(path);			/* next readings: a plain file */
	put(r->dir, "full_scans", 0);
	if (fd >= 0) {
		if (write(fd, "0\n", 2) != 2)
			perror("fifo");
		close(fd);
	}
	return NULL;
}

/* an invariant is checkable only if every event it needs is attached */
static void test_plan(void)
{
	bool att[KSM_EV_NR], pres[KSM_EV_NR], ck[KSM_INV_NR];
	int err[KSM_EV_NR] = { 0 }, t, k;
	char why[400], list[64];

	for (t = 0; t < KSM_EV_NR; t++)
		att[t] = pres[t] = true;
	k = ksm_check_plan(att, pres, err, false, ck, why, sizeof(why));
	result(k == KSM_INV_NR - 1 && !why[0], "coverage: every event attached, "
	       "all %d invariants checkable (%d)", KSM_INV_NR - 1, k);
	att[KSM_EV_MIGRATE_PAGE] = false;
	err[KSM_EV_MIGRATE_PAGE] = EPERM;
	k = ksm_check_plan(att, pres, err, false, ck, why, sizeof(why));
	list[0] = '\0';
	for (t = 1; t < KSM_INV_NR; t++)
		if (!ck[t])
			strcat(list, ksm_inv_desc[t].id);
	result(!strcmp(list, "I2I3I4") &&
	       strstr(why, "ksm_migrate_page: attach failed: Operation not "
		      "permitted"), "coverage: ksm_migrate_page failed to attach: "
	       "I2 I3 I4 not checkable, and why (%s: %s)", list, why);
	att[KSM_EV_MIGRATE_PAGE] = true;
	att[KSM_EV_EXIT] = pres[KSM_EV_EXIT] = false;
	ksm_check_plan(att, pres, err, false, ck, why, sizeof(why));
	result(!ck[KSM_INV_I6] && !ck[KSM_INV_I8] && ck[KSM_INV_I7] &&
	       strstr(why, "ksm_exit: not in this kernel"), "coverage: no "
	       "ksm_exit: I6 and I8 not checkable (%s)", why);
	for (t = 0; t < KSM_EV_NR; t++)
		att[t] = pres[t] = t < KSM_EV_FIRST_SERIES;
	k = ksm_check_plan(att, pres, err, false, ck, why, sizeof(why));
	/*
	 * I8 too: the later kernels emit ksm_merge_with_ksm_page after
	 * mmap_read_unlock(), where its order with ksm_exit proves nothing
	 */
	result(k == 0 && !strncmp(why, "the ksmscope series' tracepoints: not "
	       "in this kernel; I8: ", 52) && strstr(why, "mmap_read_unlock"),
	       "coverage: upstream tracepoints only: nothing checkable, and "
	       "why (%d; %s)", k, why);
	/*
	 * Debian's 6.1 with the probe tier: everything but the scans, the
	 * unstable tree's inserts and the retries (ksm_stop_scan stood in
	 * for by ksmd's own count); its merges come under the mmap lock
	 */
	for (t = 0; t < KSM_EV_NR; t++) {
		pres[t] = false;
		att[t] = t != KSM_EV_START_SCAN && t != KSM_EV_ADVISOR &&
			 t != KSM_EV_UNSTABLE_TREE_INSERT &&
			 t != KSM_EV_GET_KSM_PAGE_RETRY;
	}
	k = ksm_check_plan(att, pres, err, true, ck, why, sizeof(why));
	list[0] = '\0';
	for (t = 1; t < KSM_INV_NR; t++)
		if (ck[t])
			strcat(list, ksm_inv_desc[t].id);
	result(!strcmp(list, "I1I3I4I5I6I8I9") && strstr(why,
	       "ksm_unstable_tree_insert") && strstr(why, "ksm_get_ksm_page_retry"),
	       "coverage: the probe tier: I1 I3 I4 I5 I6 I8 I9 checkable, I2 "
	       "and I7 not, and why (%s; %s)", list, why);
	k = ksm_check_plan(att, pres, err, false, ck, why, sizeof(why));
	result(!ck[KSM_INV_I8] && strstr(why, "mmap_read_unlock"),
	       "coverage: merges made after the unlock: I8 not checkable (%s)",
	       why);
}

/*
 * The probe tier's plan from a made-up kallsyms, against this machine's
 * BTF (which has KSM's functions with 6.1's and 6.12's signatures): what
 * it finds, renamed or cloned or missing, and what it then leaves absent.
 */
static void fake_kallsyms(const char *path, const char *const *syms)
{
	FILE *f = fopen(path, "w");
	unsigned long long a = 0xffffffff81000000ULL;
	int i;

	if (!f) {
		result(false, "probe plan: write %s: %s", path, strerror(errno));
		return;
	}
	for (i = 0; syms[i]; i++, a += 0x400)
		fprintf(f, "%016llx %s\n", syms[i][0] == '0' ? 0ULL : a,
			syms[i] + (syms[i][0] == '0'));
	fprintf(f, "%016llx t zz_after_the_last\n", syms[0][0] == '0' ? 0ULL : a);
	fclose(f);
}

static void test_probe_plan(const char *dir)
{
	static const char *const all[] = {
		"t try_to_merge_with_ksm_page", "t try_to_merge_one_page",
		"t stable_tree_append", "t alloc_stable_node_chain",
		"t remove_rmap_item_from_tree", "t remove_node_from_stable_tree",
		"T folio_migrate_ksm", "T rmap_walk_ksm", "t break_ksm",
		"T __ksm_enter", "T __ksm_exit", "t ksm_get_folio",
		"t remove_stable_node", "t remove_all_stable_nodes",
		"t ksm_memory_callback", "D vmemmap_base", "d ksm_scan",
		"d migrate_nodes", NULL,
	};
	static const char *const gaps[] = {
		"t try_to_merge_with_ksm_page", "t try_to_merge_one_page",
		"t alloc_stable_node_chain", "t remove_rmap_item_from_tree.isra.0",
		"t remove_node_from_stable_tree", "T folio_migrate_ksm",
		"T rmap_walk_ksm", "t break_ksm", "T __ksm_enter", "T __ksm_exit",
		"t get_ksm_page.constprop.0", "t remove_stable_node",
		"D vmemmap_base", NULL,
	};
	static const char *const hidden[] = { "0t stable_tree_append",
		"0T __ksm_enter", NULL };
	struct btf *btf = btf__parse("/sys/kernel/btf/vmlinux", NULL);
	bool present[KSM_EV_NR] = { false };
	char ks[512], pmu[512];
	struct ksm_probes p;
	int t;

	if (!btf) {
		result(false, "probe plan: this machine's BTF: %s", strerror(errno));
		return;
	}
	snprintf(ks, sizeof(ks), "%s/kallsyms", dir);
	snprintf(pmu, sizeof(pmu), "%s/kprobe-type", dir);
	put(dir, "kprobe-type", 6);
	setenv("KSMSCOPE_KPROBE_PMU", pmu, 1);
	fake_kallsyms(ks, all);
	ksm_probes_plan(&p, ks, btf, present, false);
	result(!p.why_none && p.mask == p.want && p.want ==
	       ((1ULL << KSM_EV_NR) - 1 - (1ULL << KSM_EV_START_SCAN) -
		(1ULL << KSM_EV_STOP_SCAN) - (1ULL << KSM_EV_ADVISOR) -
		(1ULL << KSM_EV_UNSTABLE_TREE_INSERT) -
		(1ULL << KSM_EV_GET_KSM_PAGE_RETRY) -
		(1ULL << KSM_EV_RMAP_ITEM_ALLOC) -
		(1ULL << KSM_EV_RMAP_ITEM_FREE)) &&
	       !strcmp(p.fn[KFN_GET].sym, "ksm_get_folio") &&
	       p.fn[KFN_GET].hi == p.fn[KFN_GET].lo + 0x400 && p.seqnr_addr &&
	       p.dup_head && p.vmemmap_addr,
	       "probe plan: every function out of line: 15 events from probes, "
	       "get_ksm_page found as ksm_get_folio with its range (mask %#llx, "
	       "%s)", (unsigned long long)p.mask, p.fn[KFN_GET].sym);
	result(p.absent[KSM_EV_GET_KSM_PAGE_RETRY] &&
	       strstr(p.absent[KSM_EV_GET_KSM_PAGE_RETRY], "goto") &&
	       strstr(p.absent[KSM_EV_UNSTABLE_TREE_INSERT], "inlined"),
	       "probe plan: the retry (a goto) and unstable inserts (inlined) "
	       "are absent, and why (%s; %s)",
	       p.absent[KSM_EV_GET_KSM_PAGE_RETRY],
	       p.absent[KSM_EV_UNSTABLE_TREE_INSERT]);
	/* a kernel with the upstream tracepoints: probes only where better */
	for (t = 0; t < KSM_EV_FIRST_SERIES; t++)
		present[t] = true;
	ksm_probes_plan(&p, ks, btf, present, false);
	result((p.mask >> KSM_EV_MERGE_WITH_KSM_PAGE & 1) &&
	       !(p.mask >> KSM_EV_ENTER & 1) && !(p.mask >> KSM_EV_REMOVE_KSM_PAGE & 1) &&
	       (p.mask >> KSM_EV_STALE_NODE & 1),
	       "probe plan: with upstream's tracepoints, probes for the series' "
	       "events and ksm_merge_with_ksm_page (under the lock) only "
	       "(mask %#llx)", (unsigned long long)p.mask);
	memset(present, 0, sizeof(present));
	fake_kallsyms(ks, gaps);
	ksm_probes_plan(&p, ks, btf, present, false);
	result(!(p.mask >> KSM_EV_STABLE_TREE_APPEND & 1) &&
	       !strcmp(p.absent[KSM_EV_STABLE_TREE_APPEND], "not out of line") &&
	       !(p.mask >> KSM_EV_REMOVE_RMAP_ITEM_FROM_TREE & 1) &&
	       strstr(p.absent[KSM_EV_REMOVE_RMAP_ITEM_FROM_TREE], "clone") &&
	       (p.mask >> KSM_EV_STALE_NODE & 1) &&
	       !strcmp(p.fn[KFN_GET].sym, "get_ksm_page.constprop.0") &&
	       !(p.mask >> KSM_EV_PURGE & 1) == 0 && !p.dup_head,
	       "probe plan: an inlined function and an .isra clone leave their "
	       "events absent and named (%s; %s); a clone's range still tells "
	       "the caller (%s)", p.absent[KSM_EV_STABLE_TREE_APPEND],
	       p.absent[KSM_EV_REMOVE_RMAP_ITEM_FROM_TREE], p.fn[KFN_GET].sym);
	fake_kallsyms(ks, hidden);
	ksm_probes_plan(&p, ks, btf, present, false);
	result(!p.mask && p.why_none && strstr(p.why_none, "kptr_restrict"),
	       "probe plan: kallsyms with its addresses hidden: no probe, and "
	       "why (%s)", p.why_none ? p.why_none : "-");
	snprintf(ks, sizeof(ks), "%s/no-such-kallsyms", dir);
	ksm_probes_plan(&p, ks, btf, present, false);
	result(!p.mask && p.why_none && strstr(p.why_none, "unreadable"),
	       "probe plan: kallsyms unreadable: no probe, and why (%s)",
	       p.why_none ? p.why_none : "-");
	snprintf(pmu, sizeof(pmu), "%s/no-kprobe-pmu", dir);
	setenv("KSMSCOPE_KPROBE_PMU", pmu, 1);
	ksm_probes_plan(&p, ks, btf, present, false);
	result(!p.mask && p.why_none && strstr(p.why_none, "kprobes"),
	       "probe plan: no kprobes in the kernel: no probe, and why (%s)",
	       p.why_none ? p.why_none : "-");
	ksm_probes_plan(&p, ks, btf, present, true);
	result(!p.mask && p.why_none && strstr(p.why_none, "not needed"),
	       "probe plan: the series' kernel needs none (%s)",
	       p.why_none ? p.why_none : "-");
	/*
	 * A kernel whose functions changed: a made-up BTF where
	 * stable_tree_append() takes a folio and struct folio lost its
	 * mapping; __ksm_enter() is as expected, the rest has no prototype
	 */
	btf__free(btf);
	btf = btf__new_empty();
	if (btf) {
		int i_t = btf__add_int(btf, "long", 8, BTF_INT_SIGNED), mm, fo,
		    node, pr, fn, pmm, pfo, pnode;

		mm = btf__add_struct(btf, "mm_struct", 8);
		btf__add_field(btf, "x", i_t, 0, 0);
		fo = btf__add_struct(btf, "folio", 8);
		btf__add_field(btf, "flags", i_t, 0, 0);
		node = btf__add_struct(btf, "ksm_stable_node", 8);
		btf__add_field(btf, "kpfn", i_t, 0, 0);
		/* parameters follow their prototype: pointer types first */
		pmm = btf__add_ptr(btf, mm);
		pfo = btf__add_ptr(btf, fo);
		pnode = btf__add_ptr(btf, node);
		pr = btf__add_func_proto(btf, i_t);
		btf__add_func_param(btf, "folio", pfo);
		btf__add_func_param(btf, "stable_node", pnode);
		fn = btf__add_func(btf, "stable_tree_append", BTF_FUNC_STATIC, pr);
		pr = btf__add_func_proto(btf, i_t);
		btf__add_func_param(btf, "newfolio", pfo);
		btf__add_func_param(btf, "folio", pfo);
		btf__add_func(btf, "folio_migrate_ksm", BTF_FUNC_STATIC, pr);
		pr = btf__add_func_proto(btf, i_t);
		btf__add_func_param(btf, "mm", pmm);
		btf__add_func(btf, "__ksm_enter", BTF_FUNC_STATIC, pr);
		snprintf(pmu, sizeof(pmu), "%s/kprobe-type", dir);
		setenv("KSMSCOPE_KPROBE_PMU", pmu, 1);
		snprintf(ks, sizeof(ks), "%s/kallsyms", dir);
		fake_kallsyms(ks, all);
		ksm_probes_plan(&p, ks, btf, present, false);
		result(fn > 0 && !strcmp(p.absent[KSM_EV_STABLE_TREE_APPEND],
					 "signature changed") &&
		       !strcmp(p.absent[KSM_EV_MIGRATE_PAGE],
			       "a field it reads is gone") &&
		       !strcmp(p.absent[KSM_EV_RMAP_WALK], "no BTF prototype") &&
		       p.mask == 1ULL << KSM_EV_ENTER,
		       "probe plan: a changed signature, a field gone, no "
		       "prototype: those events absent and named (%s; %s; %s), "
		       "ksm_enter still probed (mask %#llx)",
		       p.absent[KSM_EV_STABLE_TREE_APPEND],
		       p.absent[KSM_EV_MIGRATE_PAGE], p.absent[KSM_EV_RMAP_WALK],
		       (unsigned long long)p.mask);
		unsetenv("KSMSCOPE_KPROBE_PMU");
	} else {
		result(false, "probe plan: a made-up BTF: %s", strerror(errno));
	}
	btf__free(btf);
}

static void i5_baseline_race(const char *dir, FILE *rep)
{
	struct race r = { .dir = dir };
	struct ksm_checker c;
	char path[512];
	pthread_t t;
	long v;
	int i;
	bool ok;

	ksm_read_value("pages_unshared", &v);
	r.unshared = v;
	snprintf(path, sizeof(path), "%s/full_scans", dir);
	unlink(path);
	if (mkfifo(path, 0600) || pthread_create(&t, NULL, race_writer, &r)) {
		result(false, "I5 baseline: set up the race: %s",
		       strerror(errno));
		return;
	}
	ksm_check_init(&c, &bpf, rep);
	pthread_join(t, NULL);
	for (i = 0; i < 3; i++)
		ksm_check_counters(&c);
	ok = c.i5_ready && !c.found[KSM_INV_I5];
	result(ok, "I5 must pass: an unstable insert while the baseline "
	       "reads sysfs (I5 %llu)", c.found[KSM_INV_I5]);
	/* and the checker it built still catches a lost update */
	EV(KSM_EV_UNSTABLE_TREE_INSERT, ITEM2, MM, 0x2000, PFN(2), MAPPING);
	for (i = 0; i < 3; i++)
		ksm_check_counters(&c);
	ok = c.found[KSM_INV_I5] == 1;
	result(ok, "I5 must fail: then an insert sysfs does not count "
	       "(I5 %llu)", c.found[KSM_INV_I5]);
	put(dir, "pages_unshared", r.unshared + 2);
	drain((unsigned long long[KSM_INV_NR]){ 0 });
}

/* the checker's cost to the verifier, for docs/performance.md */
static void print_verifier_cost(void)
{
	__u32 per[KSM_EV_NR];
	long sum = ksm_bpf_verified_insns(&bpf, per);
	int t, max = 0;

	for (t = 1; t < KSM_EV_NR; t++)
		if (per[t] > per[max])
			max = t;
	if (sum < 0)
		return;
	printf("# verifier: %ld instructions verified for the %d event "
	       "programs, most %u (%s)\n#  ", sum, KSM_EV_NR, per[max],
	       ksm_event_desc[max].name);
	for (t = 0; t < KSM_EV_NR; t++)
		printf(" %s=%u", ksm_event_desc[t].name + 4, per[t]);
	printf("\n");
}

/* a fake /proc/PID for I5 per process (KSMSCOPE_PROC) */
static void put_proc(const char *root, int pid, long rmap, long merging,
		     unsigned long long start, bool stat)
{
	char d[512], path[600];
	FILE *f;

	snprintf(d, sizeof(d), "%s/%d", root, pid);
	mkdir(root, 0755);
	mkdir(d, 0755);
	snprintf(path, sizeof(path), "%s/ksm_stat", d);
	if (stat) {
		f = fopen(path, "w");
		if (!f || fprintf(f, "ksm_rmap_items %ld\n", rmap) < 0 || fclose(f))
			inject_failed++;
	} else {
		unlink(path);
	}
	put(d, "ksm_merging_pages", merging);
	snprintf(path, sizeof(path), "%s/stat", d);
	f = fopen(path, "w");
	if (!f || fprintf(f, "%d (check_tests) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 "
			  "20 0 1 0 %llu 0 0\n", pid, start) < 0 || fclose(f))
		inject_failed++;
}

static void procs(int times)
{
	while (times--)
		ksm_check_procs(&chk);
}

/*
 * I5 per process: events naming this process's real mm (the task
 * iterator maps it to our pid), its counters from a fake /proc.
 */
static void test_procs(const char *dir)
{
	char root[512];
	int pid = getpid();
	__u64 mm = ksm_bpf_mm_of(&bpf, pid), node = base + 0x1000;
	unsigned long long j0 = chk.procs.judged;

	snprintf(root, sizeof(root), "%s/proc", dir);
	setenv("KSMSCOPE_PROC", root, 1);
	result(mm != 0 && chk.procs.merging && chk.procs.rmap,
	       "I5 per process: this process's mm is known (%#llx), both "
	       "counters compared with every event attached",
	       (unsigned long long)mm);
	EV(KSM_EV_ENTER, mm);
	EV(KSM_EV_RMAP_ITEM_ALLOC, ITEM, mm, 0x1000);
	EV(KSM_EV_RMAP_ITEM_ALLOC, ITEM2, mm, 0x2000);
	EV(KSM_EV_RMAP_ITEM_ALLOC, ITEM + 0x80, mm, 0x3000);
	EV(KSM_EV_STABLE_TREE_INSERT, node, 0, PFN(1), 0, PLAIN);
	EV(KSM_EV_STABLE_TREE_APPEND, node, ITEM, mm, 0x1000, 0, PFN(1), 1);
	EV(KSM_EV_STABLE_TREE_APPEND, node, ITEM2, mm, 0x2000, 0, PFN(1), 2);
	put_proc(root, pid, 3, 2, 100, true);
	procs(4);
	verdict(KSM_INV_I5, false, "per process: 3 allocated, 2 appended; "
		"ksm_rmap_items 3, ksm_merging_pages 2");
	result(chk.procs.judged == j0 + 4, "I5 per process: 4 readings "
	       "judged (%llu)", chk.procs.judged - j0);
	/* a dropped node's last rmap_item, the one upstream's event omits */
	EV(KSM_EV_DROP_RMAP_ITEM, node, ITEM2, mm, PFN(1));
	EV(KSM_EV_DROP_RMAP_ITEM, node, ITEM, mm, PFN(1));
	put_proc(root, pid, 3, 2, 100, true);
	procs(2);
	verdict(KSM_INV_I5, false, "per process: 2 readings that differ are "
		"not yet a violation");
	procs(1);
	verdict(KSM_INV_I5, true, "per process: both rmap_items dropped with "
		"their node, ksm_merging_pages stays 2 over 3 readings");
	result(ksm_check_proc_marked(&chk, mm), "I5 per process: the process "
	       "is marked for ksmtop");
	EV(KSM_EV_RMAP_ITEM_FREE, ITEM, mm);
	put_proc(root, pid, 2, 0, 100, true);
	procs(4);
	verdict(KSM_INV_I5, false, "per process: one rmap_item freed, "
		"ksm_rmap_items 2");
	/* bad input: none of these is judged, each is counted */
	j0 = chk.procs.judged;
	put_proc(root, pid, 9, 9, 100, false);
	procs(4);
	verdict(KSM_INV_I5, false, "per process: no ksm_stat (an older kernel) "
		"is not judged");
	result(chk.procs.judged == j0 && chk.procs.no_stat >= 4, "I5 per "
	       "process: no ksm_stat counted (%llu), nothing judged (%llu)",
	       chk.procs.no_stat, chk.procs.judged - j0);
	put_proc(root, pid, 9, 9, 200, true);
	procs(4);
	verdict(KSM_INV_I5, false, "per process: the pid now another process "
		"(start time changed) is not judged");
	result(chk.procs.judged == j0 && chk.procs.gone >= 4, "I5 per process: "
	       "pid reuse counted as gone (%llu)", chk.procs.gone);
	{
		/* hidepid, another pid namespace: the process is not in /proc */
		char d[600];
		unsigned long long u0 = chk.procs.unreadable;

		snprintf(d, sizeof(d), "rm -rf %s/%d", root, pid);
		if (system(d))
			inject_failed++;
		procs(4);
		verdict(KSM_INV_I5, false, "per process: a live process missing "
			"from /proc (hidepid) is not judged");
		result(chk.procs.judged == j0 && chk.procs.unreadable >= u0 + 4,
		       "I5 per process: unreadable counted (%llu)",
		       chk.procs.unreadable - u0);
	}
	EV(KSM_EV_EXIT, mm);
	put_proc(root, pid, 9, 9, 100, true);
	procs(4);
	verdict(KSM_INV_I5, false, "per process: an mm after its ksm_exit is "
		"not judged");
	result(chk.procs.judged == j0, "I5 per process: nothing judged after "
	       "ksm_exit (%llu)", chk.procs.judged - j0);
	unsetenv("KSMSCOPE_PROC");
}

int main(void)
{
	struct ksm_bpf_opts o = { .check = true, .synthetic = true,
				  .tool = "check_tests" };
	const char *td = getenv("TMPDIR");
	char err[1024], dir[400], *out = NULL;
	size_t outlen = 0;
	FILE *rep;
	int i;

	/* results reach a pipe line by line, even if we die half-way */
	setvbuf(stdout, NULL, _IOLBF, 0);
	snprintf(dir, sizeof(dir), "%s/ksmscope-check-XXXXXX",
		 td && *td ? td : "/tmp");
	printf("TAP version 13\n");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	/* I5 compares with sysfs: a fake one, that the test controls */
	setenv("KSMSCOPE_SYSFS", dir, 1);
	for (i = KSM_SYS_FIRST_COUNTER; i < KSM_SYS_NR; i++)
		put(dir, ksm_sys_names[i], 0);
	put(dir, "run", 0);
	if (ksm_bpf_open(&bpf, &o, err, sizeof(err))) {
		printf("not ok 1 load the checker for synthetic events: %s\n", err);
		printf("1..1\n");
		return 1;
	}
	print_verifier_cost();
	rep = open_memstream(&out, &outlen);
	ksm_check_init(&chk, &bpf, rep);
	rb = ring_buffer__new(ksm_bpf_events_fd(&bpf), on_record, NULL, NULL);
	base = 0xffff888000000000ull;
	test_plan();
	test_probe_plan(dir);

	/* I1: removal once per insertion */
	EV(KSM_EV_STABLE_TREE_INSERT, NODE, 0, PFN(1), 0, PLAIN);
	EV(KSM_EV_STALE_NODE, NODE, PFN(1), MAPPING);
	EV(KSM_EV_STABLE_TREE_INSERT, NODE, 0, PFN(2), 0, PLAIN);
	EV(KSM_EV_PURGE, NODE, PFN(2), 0, 0, KSM_TP_PURGE_CAUSE_REMOVE_ALL);
	verdict(KSM_INV_I1, false, "insert, stale, insert again, purge");
	next();
	{
		/* ksmtrace --kmsg: the report's first line, one record */
		int kp[2];
		char kl[512] = "";
		ssize_t kn = -1;

		if (pipe(kp) == 0) {
			chk.kmsg_fd = kp[1];
			fcntl(kp[0], F_SETFL, O_NONBLOCK);
		}
		EV(KSM_EV_STABLE_TREE_INSERT, NODE, 0, PFN(1), 0, PLAIN);
		EV(KSM_EV_STALE_NODE, NODE, PFN(1), MAPPING);
		EV(KSM_EV_STALE_NODE, NODE, PFN(1), MAPPING);
		verdict(KSM_INV_I1, true, "insert, stale, stale");
		if (chk.kmsg_fd >= 0) {
			kn = read(kp[0], kl, sizeof(kl) - 1);
			kl[kn > 0 ? kn : 0] = '\0';
			close(kp[0]);
			close(kp[1]);
			chk.kmsg_fd = -1;
		}
		kl[strcspn(kl, "\n")] = '\0';
		result(!strncmp(kl, "<3>ksmscope: VIOLATION I1 (", 27),
		       "--kmsg: the violation's first line goes to the kernel "
		       "log as one KERN_ERR record (%s)", kl);
		next();
	}

	/* I2: a retry's new kpfn is the last migration's */
	EV(KSM_EV_STABLE_TREE_INSERT, NODE, 0, PFN(1), 0, PLAIN);
	EV(KSM_EV_MIGRATE_PAGE, NODE, PFN(1), PFN(2), 0, 1);
	EV(KSM_EV_GET_KSM_PAGE_RETRY, NODE, PFN(1), PFN(2), MAPPING);
	verdict(KSM_INV_I2, false, "migrate 1->2, retry 1->2");
	next();
	/* the migration event may come after the retry: still fine */
	EV(KSM_EV_STABLE_TREE_INSERT, NODE, 0, PFN(1), 0, PLAIN);
	EV(KSM_EV_GET_KSM_PAGE_RETRY, NODE, PFN(1), PFN(2), MAPPING);
	EV(KSM_EV_MIGRATE_PAGE, NODE, PFN(1), PFN(2), 0, 1);
	verdict(KSM_INV_I2, false, "retry 1->2, then its migration event");
	next();
	EV(KSM_EV_STABLE_TREE_INSERT, NODE, 0, PFN(1), 0, PLAIN);
	EV(KSM_EV_MIGRATE_PAGE, NODE, PFN(1), PFN(2), 0, 1);
	EV(KSM_EV_GET_KSM_PAGE_RETRY, NODE, PFN(1), PFN(3), MAPPING);
	verdict(KSM_INV_I2, true, "migrate 1->2, retry 1->3");
	next();
	/*
	 * Judged late (ksmtop reads every interval): by then the node has
	 * migrated on, more often than its history holds.  Seen in the VM.
	 */
	EV(KSM_EV_STABLE_TREE_INSERT, NODE, 0, PFN(1), 0, PLAIN);
	EV(KSM_EV_GET_KSM_PAGE_RETRY, NODE, PFN(1), PFN(2), MAPPING);
	EV(KSM_EV_MIGRATE_PAGE, NODE, PFN(1), PFN(2), 0, 1);
	migrate_on(2);
	verdict(KSM_INV_I2, false, "retry 1->2, its migration, then the node "
		"migrates on past its history");
	next();
	EV(KSM_EV_STABLE_TREE_INSERT, NODE, 0, PFN(1), 0, PLAIN);
	EV(KSM_EV_GET_KSM_PAGE_RETRY, NODE, PFN(1), PFN(2), MAPPING);
	for (i = 1; i < 1 + KSM_NODE_HIST; i++)
		EV(KSM_EV_RMAP_WALK, NODE, PFN(1), 0, 1, 1,
		   KSM_TP_WALK_END_COMPLETE);
	EV(KSM_EV_MIGRATE_PAGE, NODE, PFN(1), PFN(2), 0, 1);
	verdict(KSM_INV_I2, false, "retry 1->2, rmap walks past the node's "
		"history, then its migration");
	next();
	EV(KSM_EV_STABLE_TREE_INSERT, NODE, 0, PFN(1), 0, PLAIN);
	EV(KSM_EV_GET_KSM_PAGE_RETRY, NODE, PFN(1), PFN(2), MAPPING);
	EV(KSM_EV_MIGRATE_PAGE, NODE, PFN(1), PFN(3), 0, 1);
	migrate_on(3);
	verdict(KSM_INV_I2, true, "retry 1->2, no migration ever went to 2");
	next();
	/* more suspects than user space keeps: only the oldest is judged early */
	EV(KSM_EV_STABLE_TREE_INSERT, NODE, 0, PFN(1), 0, PLAIN);
	for (i = 0; i < KSM_CHECK_PENDING; i++)
		EV(KSM_EV_GET_KSM_PAGE_RETRY, NODE, PFN(1), PFN(100 + i),
		   MAPPING);
	ring_buffer__consume(rb);
	EV(KSM_EV_MIGRATE_PAGE, NODE, PFN(1), PFN(100), 0, 1);
	EV(KSM_EV_GET_KSM_PAGE_RETRY, NODE, PFN(1), PFN(100 + i),
		   MAPPING);
	ring_buffer__consume(rb);
	for (i = 1; i <= KSM_CHECK_PENDING; i++)
		EV(KSM_EV_MIGRATE_PAGE, NODE, PFN(1), PFN(100 + i), 0, 1);
	verdict(KSM_INV_I2, false, "257 retries waiting: the oldest is judged "
		"early, the others get their time");
	next();

	/* I3: no stale removal with the kpfn the page migrated away from */
	EV(KSM_EV_STABLE_TREE_INSERT, NODE, 0, PFN(1), 0, PLAIN);
	EV(KSM_EV_MIGRATE_PAGE, NODE, PFN(1), PFN(2), 0, 1);
	EV(KSM_EV_STALE_NODE, NODE, PFN(2), MAPPING);
	verdict(KSM_INV_I3, false, "migrate 1->2, stale at 2");
	next();
	EV(KSM_EV_STABLE_TREE_INSERT, NODE, 0, PFN(1), 0, PLAIN);
	EV(KSM_EV_MIGRATE_PAGE, NODE, PFN(1), PFN(2), 0, 1);
	EV(KSM_EV_STALE_NODE, NODE, PFN(1), MAPPING);
	verdict(KSM_INV_I3, true, "migrate 1->2, stale at 1");
	next();
	EV(KSM_EV_STABLE_TREE_INSERT, NODE, 0, PFN(1), 0, PLAIN);
	EV(KSM_EV_STALE_NODE, NODE, PFN(1), MAPPING);
	EV(KSM_EV_MIGRATE_PAGE, NODE, PFN(1), PFN(2), 0, 1);
	verdict(KSM_INV_I3, true, "stale at 1, then the migration 1->2 it raced");
	next();

	/* I4: merges target live nodes */
	EV(KSM_EV_STABLE_TREE_INSERT, NODE, 0, PFN(1), 0, PLAIN);
	EV(KSM_EV_MERGE_WITH_KSM_PAGE, KPAGE, PFN(1), ITEM, MM, 0);
	verdict(KSM_INV_I4, false, "merge into a live node's page");
	next();
	EV(KSM_EV_STABLE_TREE_INSERT, NODE, 0, PFN(1), 0, PLAIN);
	EV(KSM_EV_STALE_NODE, NODE, PFN(1), MAPPING);
	EV(KSM_EV_MERGE_WITH_KSM_PAGE, KPAGE, PFN(1), ITEM, MM, 0);
	verdict(KSM_INV_I4, true, "merge into a removed node's page");
	next();

	/* I5: counts against (fake) sysfs */
	EV(KSM_EV_UNSTABLE_TREE_INSERT, ITEM, MM, 0x1000, PFN(1), 0);
	EV(KSM_EV_UNSTABLE_TREE_INSERT, ITEM2, MM, 0x2000, PFN(2), MAPPING);
	EV(KSM_EV_REMOVE_RMAP_ITEM_FROM_TREE, ITEM2, 0, MM, 0x2000, 0, 0);
	put(dir, "pages_unshared", 1);
	for (i = 0; i < 3; i++)
		ksm_check_counters(&chk);
	verdict(KSM_INV_I5, false, "2 unstable inserts, 1 removal, pages_unshared 1");
	next();
	EV(KSM_EV_UNSTABLE_TREE_INSERT, ITEM, MM, 0x1000, PFN(1), 0);
	EV(KSM_EV_REMOVE_RMAP_ITEM_FROM_TREE, ITEM, 0, MM, 0x1000, 0, 0);
	/* the removal forgot its pages_unshared-- : 2 where events say 1 */
	put(dir, "pages_unshared", 2);
	for (i = 0; i < 3; i++)
		ksm_check_counters(&chk);
	verdict(KSM_INV_I5, true, "pages_unshared 2 where the events say 1");
	put(dir, "pages_unshared", 1);
	for (i = 0; i < 3; i++)
		ksm_check_counters(&chk);
	drain(seen);
	next();
	i5_baseline_race(dir, rep);
	next();

	/* I6: appends and removals pair up */
	EV(KSM_EV_STABLE_TREE_INSERT, NODE, 0, PFN(1), 0, PLAIN);
	EV(KSM_EV_STABLE_TREE_APPEND, NODE, ITEM, MM, 0x1000, 0, PFN(1), 1);
	EV(KSM_EV_REMOVE_RMAP_ITEM_FROM_TREE, ITEM, NODE, MM, 0x1000, PFN(1), 0);
	EV(KSM_EV_EXIT, MM);
	ksm_check_leftovers(&chk);
	verdict(KSM_INV_I6, false, "append, remove, exit");
	next();
	EV(KSM_EV_STABLE_TREE_INSERT, NODE, 0, PFN(1), 0, PLAIN);
	EV(KSM_EV_STABLE_TREE_APPEND, NODE, ITEM, MM, 0x1000, 0, PFN(1), 1);
	EV(KSM_EV_STABLE_TREE_APPEND, NODE, ITEM, MM, 0x1000, 0, PFN(1), 2);
	verdict(KSM_INV_I6, true, "the same rmap_item appended twice");
	next();
	EV(KSM_EV_STABLE_TREE_INSERT, NODE, 0, PFN(1), 0, PLAIN);
	EV(KSM_EV_STABLE_TREE_APPEND, NODE, ITEM, MM, 0x1000, 0, PFN(1), 1);
	EV(KSM_EV_EXIT, MM);
	EV(KSM_EV_STOP_SCAN, 1, 1);
	ksm_check_leftovers(&chk);
	verdict(KSM_INV_I6, false, "stable one full scan after its mm exited (ksmd not there yet)");
	EV(KSM_EV_STOP_SCAN, 2, 1);
	ksm_check_leftovers(&chk);
	verdict(KSM_INV_I6, true, "still stable two full scans after its mm exited");
	ksm_check_leftovers(&chk);
	verdict(KSM_INV_I6, false, "the same leftover counted once, not again at the next look");
	next();
	/*
	 * the exit is of an mm a live task maps (this process's): it
	 * entered KSM again and its ksm_enter was not seen, so the exit
	 * record is not this mm's: noted, not judged
	 */
	{
		__u64 self = ksm_bpf_mm_of(&bpf, getpid());
		unsigned long long alive = chk.i6_alive;
		long scans = 10;

		EV(KSM_EV_EXIT, self);
		EV(KSM_EV_STABLE_TREE_INSERT, NODE, 0, PFN(1), 0, PLAIN);
		EV(KSM_EV_STABLE_TREE_APPEND, NODE, ITEM, self, 0x1000, 0, PFN(1), 1);
		EV(KSM_EV_STOP_SCAN, scans++, 1);
		EV(KSM_EV_STOP_SCAN, scans++, 1);
		EV(KSM_EV_STOP_SCAN, scans++, 1);
		ksm_check_leftovers(&chk);
		verdict(KSM_INV_I6, false, "stable after an exit of its mm, "
			"but a live task maps the mm (a missed ksm_enter)");
		result(self && chk.i6_alive == alive + 1, "I6: the live mm "
		       "noted once (%llu)", chk.i6_alive - alive);
		EV(KSM_EV_REMOVE_RMAP_ITEM_FROM_TREE, ITEM, NODE, self, 0x1000, PFN(1), 0);
		verdict(KSM_INV_I6, false, "its removal later finds it stable "
			"(the checker left BPF's state alone)");
		EV(KSM_EV_ENTER, self);
		next();
	}

	/*
	 * the same without a live task: an mm that exited and whose pointer
	 * came back with its ksm_enter missed, gone again by the time of the
	 * look; its item was appended after the recorded exit, so the record
	 * is not this mm's: noted, not judged
	 */
	{
		unsigned long long noted = chk.i6_alive;
		long scans = 20;

		EV(KSM_EV_EXIT, MM + 0x40);
		EV(KSM_EV_STABLE_TREE_INSERT, NODE, 0, PFN(1), 0, PLAIN);
		EV(KSM_EV_STABLE_TREE_APPEND, NODE, ITEM, MM + 0x40, 0x1000, 0, PFN(1), 1);
		EV(KSM_EV_STOP_SCAN, scans++, 1);
		EV(KSM_EV_STOP_SCAN, scans++, 1);
		EV(KSM_EV_STOP_SCAN, scans++, 1);
		ksm_check_leftovers(&chk);
		verdict(KSM_INV_I6, false, "stable two scans after an exit of its "
			"mm, but appended after that exit (the mm came back unseen)");
		result(chk.i6_alive == noted + 1, "I6: the returned mm noted once (%llu)",
		       chk.i6_alive - noted);
		next();
	}

	/* the LRU map evicted the node's state: its items are not judged */
	EV(KSM_EV_STABLE_TREE_INSERT, NODE, 0, PFN(1), 0, PLAIN);
	EV(KSM_EV_STABLE_TREE_APPEND, NODE, ITEM, MM, 0x1000, 0, PFN(1), 1);
	EV(KSM_EV_EXIT, MM);
	evict_node(NODE);
	EV(KSM_EV_STOP_SCAN, 3, 1);
	EV(KSM_EV_STOP_SCAN, 4, 1);
	ksm_check_leftovers(&chk);
	verdict(KSM_INV_I6, false, "stable two scans after exit, but its node's "
		"state was evicted");
	next();

	/* I7: one tree at a time */
	EV(KSM_EV_STABLE_TREE_INSERT, NODE, 0, PFN(1), 0, PLAIN);
	EV(KSM_EV_UNSTABLE_TREE_INSERT, ITEM, MM, 0x1000, PFN(2), MAPPING);
	EV(KSM_EV_REMOVE_RMAP_ITEM_FROM_TREE, ITEM, 0, MM, 0x1000, 0, 0);
	EV(KSM_EV_STABLE_TREE_APPEND, NODE, ITEM, MM, 0x1000, 0, PFN(1), 1);
	verdict(KSM_INV_I7, false, "unstable, removed, then stable");
	next();
	EV(KSM_EV_STABLE_TREE_INSERT, NODE, 0, PFN(1), 0, PLAIN);
	EV(KSM_EV_UNSTABLE_TREE_INSERT, ITEM, MM, 0x1000, PFN(2), MAPPING);
	EV(KSM_EV_STABLE_TREE_APPEND, NODE, ITEM, MM, 0x1000, 0, PFN(1), 1);
	verdict(KSM_INV_I7, true, "stable while still unstable");
	next();
	EV(KSM_EV_STABLE_TREE_INSERT, NODE, 0, PFN(1), 0, PLAIN);
	EV(KSM_EV_STABLE_TREE_APPEND, NODE, ITEM, MM, 0x1000, 0, PFN(1), 1);
	evict_node(NODE);
	EV(KSM_EV_UNSTABLE_TREE_INSERT, ITEM, MM, 0x1000, PFN(2), MAPPING);
	verdict(KSM_INV_I7, false, "unstable after stable on a node whose state "
		"was evicted");
	next();

	/* I8: nothing merges into an mm after ksm_exit */
	EV(KSM_EV_EXIT, MM);
	EV(KSM_EV_MERGE_WITH_KSM_PAGE, KPAGE, PFN(1), ITEM, MM, (__u64)-14);
	EV(KSM_EV_ENTER, MM);
	EV(KSM_EV_MERGE_WITH_KSM_PAGE, 0, PFN(1), ITEM, MM, 0);
	verdict(KSM_INV_I8, false, "failed merge after exit; merge after re-enter");
	next();
	EV(KSM_EV_EXIT, MM);
	EV(KSM_EV_MERGE_WITH_KSM_PAGE, 0, PFN(1), ITEM, MM, 0);
	verdict(KSM_INV_I8, true, "a merge succeeds after exit");
	next();

	/* I9: no shared KSM page discarded as lazyfree */
	EV(KSM_EV_STABLE_TREE_INSERT, NODE, 0, PFN(1), 0, PLAIN);
	EV(KSM_EV_STABLE_TREE_APPEND, NODE, ITEM, MM, 0x1000, 0, PFN(1), 1);
	EV(KSM_EV_PURGE, NODE, PFN(1), 0, MM, LAZYFREE);
	EV(KSM_EV_PURGE, 0, PFN(9), 0, MM, LAZYFREE);
	verdict(KSM_INV_I9, false, "lazyfree of a KSM page mapped once, of a plain page");
	next();
	EV(KSM_EV_STABLE_TREE_INSERT, NODE, 0, PFN(1), 0, PLAIN);
	EV(KSM_EV_STABLE_TREE_APPEND, NODE, ITEM, MM, 0x1000, 0, PFN(1), 1);
	EV(KSM_EV_STABLE_TREE_APPEND, NODE, ITEM2, MM, 0x2000, 0, PFN(1), 2);
	EV(KSM_EV_PURGE, NODE, PFN(1), 0, MM, LAZYFREE);
	verdict(KSM_INV_I9, true, "lazyfree of a KSM page mapped twice");
	next();

	/*
	 * Per-mm counts: events counted in each CPU's pending slot reach
	 * the reader (ksm_bpf_mms adds the slots in), none lost or doubled
	 * when the mm changes, and a newer entry at a reused mm address
	 * does not inherit an older one's pending counts.
	 */
	{
		__u64 a = MM, b = MM + 0x40, got_a = 0, got_b = 0;
		struct ksm_mm_entry *mms = NULL;
		int k, nm;
		bool ok;

		for (k = 0; k < 3; k++)
			EV(KSM_EV_MERGE_WITH_KSM_PAGE, KPAGE, PFN(1), ITEM, a, 0);
		for (k = 0; k < 2; k++)
			EV(KSM_EV_MERGE_WITH_KSM_PAGE, KPAGE, PFN(1), ITEM, b, 0);
		EV(KSM_EV_MERGE_WITH_KSM_PAGE, KPAGE, PFN(1), ITEM, a, 0);
		EV(KSM_EV_MERGE_WITH_KSM_PAGE, KPAGE, PFN(1), ITEM, a, -14);
		nm = ksm_bpf_mms(&bpf, &mms);
		for (k = 0; k < nm; k++) {
			if (mms[k].mm == a)
				got_a = mms[k].s.merges * 10 + mms[k].s.merge_fails;
			if (mms[k].mm == b)
				got_b = mms[k].s.merges;
		}
		free(mms);
		ok = got_a == 41 && got_b == 2;
		result(ok, "per-mm counts through the per-CPU slots: mm A "
		       "4 merges 1 failure, mm B 2 merges (got %llu, %llu)",
		       (unsigned long long)got_a, (unsigned long long)got_b);
		/* A exits and its address comes back as a new mm */
		EV(KSM_EV_EXIT, a);
		EV(KSM_EV_ENTER, a);
		EV(KSM_EV_MERGE_WITH_KSM_PAGE, KPAGE, PFN(1), ITEM, a, 0);
		mms = NULL;
		nm = ksm_bpf_mms(&bpf, &mms);
		got_a = 0;
		for (k = 0; k < nm; k++)
			if (mms[k].mm == a)
				got_a = mms[k].s.merges;
		free(mms);
		result(got_a == 1, "per-mm counts: an mm address reused after "
		       "ksm_exit starts from 0 (got %llu merges)",
		       (unsigned long long)got_a);
		drain((unsigned long long[KSM_INV_NR]){ 0 });
		next();
	}

	test_procs(dir);
	next();

	/* the report carries the node's history, oldest first */
	fflush(rep);
	{
		const char *v = out ? strstr(out, "VIOLATION I3") : NULL;
		const char *h = v ? strstr(v, "history of node") : NULL;
		const char *ins = h ? strstr(h, "ksm_stable_tree_insert") : NULL;
		const char *mig = ins ? strstr(ins, "ksm_migrate_page") : NULL;
		result(mig && strstr(mig, "ksm_stale_node"), "report: a violation "
		       "prints the node's history in order (insert, migrate, "
		       "stale)");
	}
	if (getenv("CHECK_TESTS_SHOW"))
		fputs(out, stderr);
	fclose(rep);
	free(out);
	ring_buffer__free(rb);
	ksm_bpf_close(&bpf);
	snprintf(err, sizeof(err), "rm -rf %s", dir);
	if (system(err))
		perror("rm");
	printf("1..%d\n", n);
	return failed ? 1 : 0;
}

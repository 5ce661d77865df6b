// SPDX-License-Identifier: GPL-2.0
/*
 * ksm_pcheck.c - I5 per process: each process's /proc/PID/ksm_merging_pages
 * and ksm_stat's ksm_rmap_items against what its mm's events say.
 *
 * BPF counts per mm (struct ksm_mm_stats): rmap_items joining a stable
 * node, leaving it on their own or dropped with it (merging pages), and
 * allocated and freed (rmap_items).  An mm whose entry ksm_enter created
 * ("born") is judged from zero; any other one gets an offset at its first
 * judged reading (the kernel's value minus the events'), and is judged
 * against it afterwards.  A reading counts only when the mm's counts and
 * its process are the same before and after /proc was read: an event in
 * between would look like a difference.  See docs/invariants.md, I5.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ksm_check.h"
#include "ksm_proc.h"
#include "ksm_util.h"

enum { PC_MERGING, PC_RMAP, PC_NR };

static const char *const pc_name[PC_NR] = {
	"ksm_merging_pages", "ksm_rmap_items"
};

/* what the events say the kernel's counter moved by */
static long long derived(const struct ksm_mm_stats *s, int k)
{
	if (k == PC_MERGING)
		return (long long)s->appends - (long long)s->stable_outs -
		       (long long)s->drops;
	return (long long)s->rmap_allocs - (long long)s->rmap_frees;
}

static bool same_counts(const struct ksm_mm_stats *a,
			const struct ksm_mm_stats *b)
{
	return a->appends == b->appends && a->stable_outs == b->stable_outs &&
	       a->drops == b->drops && a->rmap_allocs == b->rmap_allocs &&
	       a->rmap_frees == b->rmap_frees && a->enters == b->enters;
}

void ksm_check_procs_plan(struct ksm_checker *c, const bool *all)
{
	struct ksm_proc_check *pc = &c->procs;
	size_t off = 0;

	pc->merging = all[KSM_EV_ENTER] && all[KSM_EV_STABLE_TREE_APPEND] &&
		      all[KSM_EV_REMOVE_RMAP_ITEM_FROM_TREE] &&
		      all[KSM_EV_DROP_RMAP_ITEM];
	pc->rmap = all[KSM_EV_ENTER] && all[KSM_EV_RMAP_ITEM_ALLOC] &&
		   all[KSM_EV_RMAP_ITEM_FREE];
	if (!c->b->synthetic && !c->b->iter_link) {
		pc->merging = pc->rmap = false;
		snprintf(pc->why, sizeof(pc->why), "no task iterator (mm -> "
			 "pid)");
		return;
	}
	pc->profit = pc->merging;
	if (!pc->merging)
		off += (size_t)snprintf(pc->why, sizeof(pc->why),
					"ksm_merging_pages: needs ksm_enter, "
					"ksm_stable_tree_append, "
					"ksm_remove_rmap_item_from_tree and "
					"ksm_drop_rmap_item");
	if (!pc->rmap && off < sizeof(pc->why))
		snprintf(pc->why + off, sizeof(pc->why) - off, "%sksm_rmap_items"
			 ": needs ksm_enter, ksm_rmap_item_alloc and "
			 "ksm_rmap_item_free", off ? "; " : "");
}

static int cmp_mm(const void *a, const void *b)
{
	const struct ksm_mm_entry *x = a, *y = b;

	return x->mm < y->mm ? -1 : x->mm > y->mm;
}

static int cmp_tgid(const void *a, const void *b)
{
	const struct ksm_task_rec *x = a, *y = b;

	return (x->tgid > y->tgid) - (x->tgid < y->tgid);
}

static const struct ksm_mm_entry *find_mm(const struct ksm_mm_entry *v,
					  int n, __u64 mm)
{
	struct ksm_mm_entry key = { .mm = mm };

	return n > 0 ? bsearch(&key, v, (size_t)n, sizeof(*v), cmp_mm) : NULL;
}

static const struct ksm_task_rec *find_task(const struct ksm_task_rec *v,
					    int n, __u32 tgid)
{
	struct ksm_task_rec key = { .tgid = tgid };

	return n > 0 ? bsearch(&key, v, (size_t)n, sizeof(*v), cmp_tgid) : NULL;
}

static struct ksm_proc_track *track(struct ksm_proc_check *pc, __u64 mm,
				    __u64 id)
{
	int i;

	for (i = 0; i < pc->ntrack; i++)
		if (pc->t[i].mm == mm && pc->t[i].id == id)
			return &pc->t[i];
	if (ksm_grow(&pc->t, &pc->cap, (size_t)pc->ntrack, sizeof(*pc->t)))
		return NULL;
	memset(&pc->t[pc->ntrack], 0, sizeof(*pc->t));
	pc->t[pc->ntrack].mm = mm;
	pc->t[pc->ntrack].id = id;
	return &pc->t[pc->ntrack++];
}

/* one counter of one judged reading */
static void judge_one(struct ksm_checker *c, struct ksm_proc_track *t,
		      const struct ksm_mm_entry *e, const struct ksm_proc *p,
		      const char *comm, int k)
{
	struct ksm_proc_check *pc = &c->procs;
	long long have = k == PC_MERGING ? p->merging_pages : p->rmap_items;
	long long want, diff;
	char text[256];

	if (!t->based[k]) {
		t->based[k] = true;
		/* born in KSM after attach: every event of it was counted */
		t->base[k] = e->s.born ? 0 : have - derived(&e->s, k);
		if (!e->s.born) {
			pc->based++;
			return;
		}
	}
	want = t->base[k] + derived(&e->s, k);
	diff = have - want;
	if (!diff) {
		t->runs[k] = 0;
		return;
	}
	pc->differ++;
	/* the same difference three judged readings in a row: real */
	t->runs[k] = t->runs[k] && t->last[k] == diff ? t->runs[k] + 1 : 1;
	t->last[k] = diff;
	if (t->runs[k] < 3 || t->reported[k])
		return;
	t->reported[k] = true;
	pc->marked++;
	snprintf(text, sizeof(text), "pid %d (%s): %s %lld, events say %lld "
		 "(%s, %llu events of its mm)", t->pid, comm, pc_name[k], have,
		 want, e->s.born ? "entered KSM after attach" : "offset at "
		 "first reading", (unsigned long long)(e->s.appends +
		 e->s.stable_outs + e->s.drops + e->s.rmap_allocs +
		 e->s.rmap_frees));
	ksm_check_report(c, KSM_INV_I5, text, 0, 0, NULL);
}

/* the kernel's own formula, over its own counters (6.6+) */
static void judge_profit(struct ksm_checker *c, struct ksm_proc_track *t,
			 const struct ksm_proc *p, const char *comm)
{
	long want = ksm_profit(p->merging_pages, p->zero_pages, p->rmap_items,
			       sysconf(_SC_PAGESIZE),
			       c->b->probe.rmap_item_size);
	char text[256];

	if (!p->kernel_profit || p->profit == want || t->reported[PC_MERGING])
		return;
	t->reported[PC_MERGING] = true;
	c->procs.marked++;
	snprintf(text, sizeof(text), "pid %d (%s): ksm_process_profit %ld, "
		 "its counters say %ld", t->pid, comm, p->profit, want);
	ksm_check_report(c, KSM_INV_I5, text, 0, 0, NULL);
}

int ksm_check_procs(struct ksm_checker *c)
{
	struct ksm_proc_check *pc = &c->procs;
	struct ksm_mm_entry *m1 = NULL, *m2 = NULL;
	struct ksm_task_rec *t1 = NULL, *t2 = NULL;
	struct ksm_proc *pr = NULL;
	int *rc = NULL, n1, n2, nt1, nt2, i, judged = 0;

	if (!c->checkable[KSM_INV_I5] || (!pc->merging && !pc->rmap))
		return 0;
	pc->rounds++;
	n1 = ksm_bpf_mms(c->b, &m1);
	nt1 = ksm_bpf_tasks(c->b, &t1);
	if (n1 <= 0 || nt1 <= 0)
		goto out;
	pr = calloc((size_t)nt1, sizeof(*pr));
	rc = calloc((size_t)nt1, sizeof(*rc));
	if (!pr || !rc)
		goto out;
	for (i = 0; i < nt1; i++) {
		char d[300];

		rc[i] = ksm_proc_read_all(ksm_proc_root(), (int)t1[i].tgid,
					  c->b->probe.rmap_item_size, &pr[i]);
		/* its directory but no ksm_stat: a kernel before 6.1 */
		snprintf(d, sizeof(d), "%s/%u", ksm_proc_root(), t1[i].tgid);
		if (rc[i] == -ENOENT && !access(d, F_OK))
			rc[i] = -ENODATA;
	}
	n2 = ksm_bpf_mms(c->b, &m2);
	nt2 = ksm_bpf_tasks(c->b, &t2);
	if (n2 <= 0 || nt2 < 0)
		goto out;
	qsort(m1, (size_t)n1, sizeof(*m1), cmp_mm);
	qsort(m2, (size_t)n2, sizeof(*m2), cmp_mm);
	qsort(t2, (size_t)nt2, sizeof(*t2), cmp_tgid);
	for (i = 0; i < pc->ntrack; i++)
		pc->t[i].seen = false;
	for (i = 0; i < nt1; i++) {
		const struct ksm_mm_entry *a = find_mm(m1, n1, t1[i].mm);
		const struct ksm_mm_entry *b = find_mm(m2, n2, t1[i].mm);
		const struct ksm_task_rec *later = find_task(t2, nt2, t1[i].tgid);
		struct ksm_proc_track *t;

		if (!a)
			continue;	/* not an mm BPF counts */
		t = track(pc, a->mm, a->s.id);
		if (!t)
			break;
		t->seen = true;
		/* exited, exec'ed (a new mm) or its entry renewed meanwhile */
		if (!b || b->s.id != a->s.id || !later ||
		    later->mm != t1[i].mm || rc[i] == -ENOENT ||
		    rc[i] == -ESRCH) {
			pc->gone += !later || later->mm != t1[i].mm ||
				    !b || b->s.id != a->s.id;
			pc->unreadable += later && later->mm == t1[i].mm &&
					  b && b->s.id == a->s.id;
			continue;
		}
		if (rc[i] == -ENODATA) {
			pc->no_stat++;
			continue;
		}
		if (rc[i]) {
			pc->unreadable++;
			continue;
		}
		if (!same_counts(&a->s, &b->s)) {
			pc->busy++;
			continue;
		}
		/* the same pid, another process: a new track */
		if (t->pid && (t->pid != (int)t1[i].tgid ||
			       (pr[i].start_time && t->start_time &&
				t->start_time != pr[i].start_time))) {
			pc->gone++;
			continue;
		}
		t->pid = (int)t1[i].tgid;
		t->start_time = pr[i].start_time;
		t->judged = true;
		pc->judged++;
		judged++;
		if (pc->merging)
			judge_one(c, t, b, &pr[i], t1[i].comm, PC_MERGING);
		if (pc->rmap)
			judge_one(c, t, b, &pr[i], t1[i].comm, PC_RMAP);
		if (pc->profit)
			judge_profit(c, t, &pr[i], t1[i].comm);
	}
	/* forget the mms that are gone: counted if never judged */
	for (i = 0; i < pc->ntrack;) {
		if (pc->t[i].seen) {
			i++;
			continue;
		}
		pc->lost += !pc->t[i].judged;
		pc->t[i] = pc->t[--pc->ntrack];
	}
out:
	free(m1);
	free(m2);
	free(t1);
	free(t2);
	free(pr);
	free(rc);
	return judged;
}

bool ksm_check_proc_marked(const struct ksm_checker *c, __u64 mm)
{
	int i;

	for (i = 0; i < c->procs.ntrack; i++)
		if (c->procs.t[i].mm == mm &&
		    (c->procs.t[i].reported[PC_MERGING] ||
		     c->procs.t[i].reported[PC_RMAP]))
			return true;
	return false;
}

void ksm_check_procs_line(const struct ksm_checker *c, char *buf, size_t len)
{
	const struct ksm_proc_check *pc = &c->procs;

	if (!c->checkable[KSM_INV_I5] || (!pc->merging && !pc->rmap)) {
		snprintf(buf, len, "I5 per process: not checked (%s)",
			 c->checkable[KSM_INV_I5] ? pc->why : "I5 is not");
		return;
	}
	snprintf(buf, len, "I5 per process (%s%s%s%s): %llu readings judged, "
		 "%llu offsets taken, %llu differed, %llu processes reported; "
		 "not judged: %llu busy, %llu gone (exit, exec, pid reuse), "
		 "%llu without ksm_stat, %llu unreadable, %llu processes gone "
		 "before judged%s%s",
		 pc->merging ? "ksm_merging_pages" : "",
		 pc->merging && pc->rmap ? ", " : "",
		 pc->rmap ? "ksm_rmap_items" : "",
		 pc->profit ? ", ksm_process_profit" : "",
		 pc->judged, pc->based, pc->differ, pc->marked, pc->busy,
		 pc->gone, pc->no_stat, pc->unreadable, pc->lost,
		 pc->why[0] ? "; not compared: " : "", pc->why);
}

void ksm_check_free(struct ksm_checker *c)
{
	free(c->procs.t);
	c->procs.t = NULL;
	c->procs.ntrack = 0;
	c->procs.cap = 0;
	free(c->i6_reported);
	c->i6_reported = NULL;
	c->i6_nreported = c->i6_cap = 0;
}

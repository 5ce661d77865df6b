// SPDX-License-Identifier: GPL-2.0
/*
 * model.c - ksmtop's figures from two samples: event rates per class and
 * per process, the rows filtered (-p, -c) and sorted (-s, -r), derived
 * unmerges on upstream kernels, the BPF programs' cost, the sparklines'
 * history.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ksm_util.h"
#include "model.h"

/* the pid/comm filter: -p, -c, or key f */
static bool wanted(const struct options *o, int pid, const char *comm)
{
	int i;

	if (o->comm[0] && !strstr(comm, o->comm))
		return false;
	if (!o->npids)
		return true;
	for (i = 0; i < o->npids; i++)
		if (o->pids[i] == pid)
			return true;
	return false;
}

/* a row's figure for a numeric sort key (-s): most first */
static double sort_value(const struct row *r, enum sort_key key)
{
	switch (key) {
	case SORT_MERGING:	return (double)r->merging;
	case SORT_PROFIT:	return (double)r->profit;
	case SORT_RMAP:		return (double)r->rmap;
	case SORT_MERGES:	return r->merges_s;
	case SORT_UNMERGES:	return r->unmerges_s;
	case SORT_DROPPED:	return (double)r->dropped;
	default:		return 0;
	}
}

/* by the sort key, ties by pid; -r reverses both */
static int cmp_rows(const void *a, const void *b, void *arg)
{
	const struct options *o = arg;
	const struct row *x = a, *y = b;
	double d;
	int r;

	if (o->sort == SORT_PID)
		d = (double)x->pid - (double)y->pid;
	else if (o->sort == SORT_COMM)
		d = strcmp(x->comm, y->comm);
	else
		d = sort_value(y, o->sort) - sort_value(x, o->sort);
	r = d < 0 ? -1 : d > 0;
	if (!r)
		r = x->pid < y->pid ? -1 : x->pid > y->pid;
	return o->reverse ? -r : r;
}

static struct row *find_row(struct ksmtop_model *m, int pid)
{
	int i;

	for (i = 0; i < m->nrows; i++)
		if (m->rows[i].pid == pid)
			return &m->rows[i];
	return NULL;
}

/* pid's row, added if new; NULL when out of memory */
static struct row *row_of(struct ksmtop_model *m, int pid, size_t *cap)
{
	bool per_mm = m->bpf->iter_link;
	struct row *r = find_row(m, pid);

	if (r)
		return r;
	if (ksm_grow(&m->rows, cap, (size_t)m->nrows, sizeof(*r)))
		return NULL;
	r = &m->rows[m->nrows++];
	memset(r, 0, sizeof(*r));
	r->pid = pid;
	r->merges_s = per_mm ? 0 : -1;
	r->unmerges_s = -1;
	r->dropped = per_mm ? 0 : -1;
	r->merges = per_mm ? 0 : -1;
	r->unmerges = -1;
	return r;
}

static void build_rows(struct ksmtop_model *m, const struct sample *prev,
		       const struct sample *cur)
{
	bool events_unmerge = ksm_class_available(KSM_CLASS_UNMERGES,
						  m->bpf->attached);
	const struct options *o = m->opt;
	size_t cap = 0;
	int i;

	for (i = 0; i < cur->nprocs; i++) {
		const struct ksm_proc *p = &cur->procs[i];
		struct row *r;

		if (!wanted(o, p->pid, p->comm))
			continue;
		r = row_of(m, p->pid, &cap);
		if (!r)
			return;
		snprintf(r->comm, sizeof(r->comm), "%s", p->comm);
		snprintf(r->group, sizeof(r->group), "%s", p->group);
		snprintf(r->guest, sizeof(r->guest), "%s", p->guest);
		r->merging = p->merging_pages;
		r->rmap = p->rmap_items;
		r->zero = p->zero_pages;
		r->profit = p->profit;
	}
	/* events per mm, joined to processes through the task iterator */
	for (i = 0; i < cur->nmms; i++) {
		const struct ksm_mm_entry *mm = &cur->mms[i], *pm;
		const struct ksm_task_rec *t, *pt;
		struct ksm_mm_stats zero = {}, before;
		double merges, unmerges;
		struct row *r;

		t = sample_find_task(cur, mm->mm);
		if (!t || !wanted(o, (int)t->tgid, t->comm))
			continue;
		pm = sample_find_mm(prev, mm->mm);
		pt = sample_find_task(prev, mm->mm);
		/* an mm pointer reused by another process starts afresh */
		before = pm && pt && pt->tgid == t->tgid ? pm->s : zero;
		merges = ksm_rate(before.merges, mm->s.merges, m->dt);
		unmerges = ksm_rate(before.unmerges, mm->s.unmerges, m->dt);
		/* a process that left KSM shows while its events go on */
		r = find_row(m, (int)t->tgid);
		if (!r && !merges && !unmerges)
			continue;
		if (!r)
			r = row_of(m, (int)t->tgid, &cap);
		if (!r)
			return;
		if (!r->comm[0])
			snprintf(r->comm, sizeof(r->comm), "%.15s", t->comm);
		r->merges_s = merges;
		r->dropped = (long long)mm->s.dropped;
		r->merges = (long long)mm->s.merges;
		if (events_unmerge) {
			r->unmerges_s = unmerges;
			r->unmerges = (long long)mm->s.unmerges;
		}
	}
	/* upstream kernels: unmerges = merges - growth of merging pages */
	if (!events_unmerge && m->bpf->iter_link) {
		for (i = 0; i < cur->nprocs; i++) {
			const struct ksm_proc *p = &cur->procs[i];
			const struct ksm_proc *pp = sample_find_proc(prev, p);
			struct row *r = find_row(m, p->pid);
			double u;

			if (!r || !pp || r->merges_s < 0)
				continue;
			u = r->merges_s - (double)(p->merging_pages -
						   pp->merging_pages) / m->dt;
			r->unmerges_s = u > 0 ? u : 0;
		}
	}
	if (m->nrows)	/* else rows may be NULL */
		qsort_r(m->rows, (size_t)m->nrows, sizeof(*m->rows), cmp_rows,
			(void *)o);
}

static int cmp_groups(const void *a, const void *b)
{
	const struct group_row *x = a, *y = b;

	if (x->merging != y->merging)
		return x->merging < y->merging ? 1 : -1;
	return strcmp(x->name, y->name);
}

/* the rows summed per cgroup unit */
static void build_groups(struct ksmtop_model *m)
{
	size_t cap = 0;
	int i, j;

	for (i = 0; i < m->nrows; i++) {
		const struct row *r = &m->rows[i];
		const char *name = r->group[0] ? r->group : "?";
		struct group_row *g = NULL;

		for (j = 0; j < m->ngroups && !g; j++)
			if (!strcmp(m->groups[j].name, name))
				g = &m->groups[j];
		if (!g) {
			if (ksm_grow(&m->groups, &cap, (size_t)m->ngroups,
				     sizeof(*g)))
				break;
			g = &m->groups[m->ngroups++];
			memset(g, 0, sizeof(*g));
			snprintf(g->name, sizeof(g->name), "%s", name);
		}
		g->procs++;
		g->merging += r->merging;
		g->rmap += r->rmap;
		g->zero += r->zero;
		g->profit += r->profit;
		if (r->merges_s < 0 || (g->procs > 1 && g->merges_s < 0))
			g->merges_s = -1;
		else
			g->merges_s += r->merges_s;
	}
	if (m->ngroups)
		qsort(m->groups, (size_t)m->ngroups, sizeof(*m->groups),
		      cmp_groups);
	m->gshown = m->opt->top && m->opt->top < m->ngroups ? m->opt->top :
		    m->ngroups;
}

/* ksmd's cost in the interval, and what the scan model makes of it */
static void ksmd_update(struct ksmtop_model *m, const struct sample *prev,
			const struct sample *cur)
{
	const struct ksm_snapshot *a = &prev->sys, *b = &cur->sys;
	struct ksmd_cost *k = &m->ksmd;
	struct ksm_scan_cost c;
	long scans = b->have[KSM_SYS_FULL_SCANS] ? b->v[KSM_SYS_FULL_SCANS] : -1;
	long scanned = b->have[KSM_SYS_PAGES_SCANNED] ?
		       b->v[KSM_SYS_PAGES_SCANNED] : -1;
	long psz = sysconf(_SC_PAGESIZE), profit;

	k->advisor = cur->advisor;
	k->pid = cur->ksmd.pid;
	k->cpu_s = k->pid ? cur->ksmd.cpu_s : -1;
	k->cpu_pct = k->pid && prev->ksmd.pid == k->pid && m->dt > 0 ?
		     (cur->ksmd.cpu_s - prev->ksmd.cpu_s) / m->dt * 100 : -1;
	/* every rmap_item is one page of a full pass */
	k->pass_pages = b->v[KSM_SYS_PAGES_SHARED] + b->v[KSM_SYS_PAGES_SHARING] +
			b->v[KSM_SYS_PAGES_UNSHARED] + b->v[KSM_SYS_PAGES_VOLATILE];
	/* a pass measured: between two rises of full_scans ksmtop saw */
	if (scans >= 0 && a->have[KSM_SYS_FULL_SCANS] &&
	    scans > a->v[KSM_SYS_FULL_SCANS]) {
		if (k->tick_t > 0 && scans > k->tick_scans)
			k->pass_measured_s = (cur->t - k->tick_t) /
					     (double)(scans - k->tick_scans);
		k->tick_t = cur->t;
		k->tick_scans = scans;
		if (!k->have_base && k->pid) {
			k->have_base = true;
			k->base_cpu_s = cur->ksmd.cpu_s;
			k->base_scans = scans;
			k->base_scanned = scanned;
		}
	} else if (k->tick_t <= 0) {
		k->pass_measured_s = -1;
	}
	k->scanned_s = m->scanned_s;
	k->cpu_per_page_s = -1;
	if (k->have_base && k->pid) {
		double cpu = cur->ksmd.cpu_s - k->base_cpu_s, pages = -1;

		if (scanned >= 0 && scanned > k->base_scanned)
			pages = (double)(scanned - k->base_scanned);
		else if (scanned < 0 && scans > k->base_scans)
			pages = (double)(scans - k->base_scans) *
				(double)k->pass_pages;
		if (pages > 0)
			k->cpu_per_page_s = cpu / pages;
	}
	/* before 6.7 no pages_scanned: passes times their size */
	if (k->scanned_s < 0 && k->pass_measured_s > 0)
		k->scanned_s = (double)k->pass_pages / k->pass_measured_s;
	k->pass_model_s = -1;
	if (b->v[KSM_SYS_RUN] == 1 &&
	    !ksm_scan_model(k->pass_pages, b->v[KSM_SYS_PAGES_TO_SCAN],
			    b->v[KSM_SYS_SLEEP_MILLISECS],
			    k->cpu_per_page_s >= 0 ? k->cpu_per_page_s : 0, &c))
		k->pass_model_s = c.pass_s;
	k->whatif_pages = m->opt->whatif_pages ? m->opt->whatif_pages :
			  2 * b->v[KSM_SYS_PAGES_TO_SCAN];
	k->whatif_sleep = m->opt->whatif_sleep >= 0 ? m->opt->whatif_sleep :
			  b->v[KSM_SYS_SLEEP_MILLISECS];
	/* no cost per page measured yet: the sleeps alone, CPU unknown */
	k->whatif_pass_s = k->whatif_cpu_pct = -1;
	if (!ksm_scan_model(k->pass_pages, k->whatif_pages, k->whatif_sleep,
			    k->cpu_per_page_s >= 0 ? k->cpu_per_page_s : 0, &c)) {
		k->whatif_pass_s = c.pass_s;
		if (k->cpu_per_page_s >= 0)
			k->whatif_cpu_pct = c.cpu_share * 100;
	}
	/* the kernel's general_profit, else its formula */
	profit = b->have[KSM_SYS_GENERAL_PROFIT] ? b->v[KSM_SYS_GENERAL_PROFIT] :
		 (b->v[KSM_SYS_PAGES_SHARING] +
		  (b->have[KSM_SYS_KSM_ZERO_PAGES] ? b->v[KSM_SYS_KSM_ZERO_PAGES] : 0)) *
		 psz - k->pass_pages * m->bpf->probe.rmap_item_size;
	k->profit_per_cpu_s = k->pid && k->cpu_s > 0 ? (double)profit / k->cpu_s :
			      -1;
}

void ksmtop_model_init(struct ksmtop_model *m, const struct ksm_bpf *b,
		       const struct options *o)
{
	memset(m, 0, sizeof(*m));
	m->bpf = b;
	m->opt = o;
	m->ksmd.pass_measured_s = -1;
}

void ksmtop_model_update(struct ksmtop_model *m, const struct sample *prev,
			 const struct sample *cur, long violations)
{
	const struct ksm_snapshot *a = &prev->sys, *b = &cur->sys;
	const struct ksm_bpf *bpf = m->bpf;
	int c;

	free(m->rows);
	m->rows = NULL;
	m->nrows = 0;
	free(m->groups);
	m->groups = NULL;
	m->ngroups = 0;
	m->derived_unmerges = false;
	m->dt = cur->t - prev->t;
	for (c = 0; c < KSM_CLASS_NR; c++) {
		int slot = ksm_class_desc[c].slot;

		m->rate[c] = ksm_class_available(c, bpf->attached) ?
			     ksm_rate(prev->cnt[slot], cur->cnt[slot], m->dt) :
			     -1;
	}
	if (bpf->fidelity == KSM_FIDELITY_COUNTERS &&
	    b->have[KSM_SYS_FULL_SCANS])
		m->rate[KSM_CLASS_SCANS] = ksm_rate(a->v[KSM_SYS_FULL_SCANS],
						    b->v[KSM_SYS_FULL_SCANS],
						    m->dt);
	if (m->rate[KSM_CLASS_UNMERGES] < 0 && m->rate[KSM_CLASS_MERGES] >= 0) {
		long grew = b->v[KSM_SYS_PAGES_SHARED] +
			    b->v[KSM_SYS_PAGES_SHARING] -
			    a->v[KSM_SYS_PAGES_SHARED] -
			    a->v[KSM_SYS_PAGES_SHARING];
		double u = m->rate[KSM_CLASS_MERGES] - grew / m->dt;

		m->rate[KSM_CLASS_UNMERGES] = u > 0 ? u : 0;
		m->derived_unmerges = true;
	}
	m->scanned_s = b->have[KSM_SYS_PAGES_SCANNED] ?
		       ksm_rate(a->v[KSM_SYS_PAGES_SCANNED],
				b->v[KSM_SYS_PAGES_SCANNED], m->dt) : -1;
	m->ns_per_event = m->events_s = m->cpu_pct = -1;
	if (bpf->stats_fd >= 0) {
		__u64 dn = cur->run_ns - prev->run_ns;
		__u64 dc = cur->run_cnt - prev->run_cnt;

		m->ns_per_event = dc ? (double)dn / dc : 0;
		m->events_s = ksm_rate(prev->run_cnt, cur->run_cnt, m->dt);
		m->cpu_pct = m->dt > 0 ? dn / (m->dt * 1e9) * 100 : 0;
	}
	ksmd_update(m, prev, cur);
	m->lost = cur->cnt[KSM_CNT_LOST];
	m->violations = violations;
	build_rows(m, prev, cur);
	m->nshown = m->opt->top && m->opt->top < m->nrows ? m->opt->top :
		    m->nrows;
	build_groups(m);
	ksm_hist_push(&m->hist[HIST_MERGES],
		      fmax(m->rate[KSM_CLASS_MERGES], 0));
	ksm_hist_push(&m->hist[HIST_UNMERGES],
		      fmax(m->rate[KSM_CLASS_UNMERGES], 0));
	ksm_hist_push(&m->hist[HIST_SCANNED], m->scanned_s >= 0 ? m->scanned_s :
		      fmax(m->rate[KSM_CLASS_SCANS], 0));
	ksm_hist_push(&m->hist[HIST_STALE],
		      fmax(m->rate[KSM_CLASS_STALE] >= 0 ?
			   m->rate[KSM_CLASS_STALE] :
			   m->rate[KSM_CLASS_NODES_REMOVED], 0));
}

void ksmtop_model_free(struct ksmtop_model *m)
{
	free(m->rows);
	m->rows = NULL;
	m->nrows = m->nshown = 0;
	free(m->groups);
	m->groups = NULL;
	m->ngroups = m->gshown = 0;
}

/* SPDX-License-Identifier: GPL-2.0 */
/* ksmtop.h - what ksmtop reads each interval and what it shows of it */
#ifndef KSMTOP_KSMTOP_H
#define KSMTOP_KSMTOP_H

#include <stdbool.h>
#include <linux/types.h>

#include "ksm_bpf.h"
#include "ksm_check.h"
#include "ksm_evdesc.h"
#include "ksm_proc.h"
#include "ksm_sysfs.h"

/* One reading of everything. */
struct sample {
	double t;
	__u64 cnt[KSM_CNT_NR];
	struct ksm_snapshot sys;
	struct ksm_proc *procs;
	int nprocs;
	struct ksm_mm_entry *mms;
	int nmms;
	struct ksm_task_rec *tasks;
	int ntasks;
	__u64 run_ns, run_cnt;
};

struct row {
	int pid;
	char comm[16];
	long merging, rmap, zero, profit;
	double merges_s, unmerges_s;	/* < 0: not known */
	long long dropped;		/* < 0: not known */
	long long merges, unmerges;	/* since attach; < 0: not known */
};

/* What one interval shows. */
struct view {
	double dt;
	double rate[KSM_CLASS_NR];	/* < 0: the kernel does not offer it */
	bool derived_unmerges;
	double scanned_s;		/* pages_scanned/s, < 0 if absent */
	double ns_per_event, events_s, cpu_pct;	/* < 0 if unknown */
	__u64 lost;
	long violations;
	struct row *rows;
	int nrows, nshown;
};

struct ksm_http;

/*
 * The Prometheus exposition of one interval (exporter.c): settings,
 * counters, event classes, the first v->nshown processes, invariants, own
 * cost.  Returns a malloc'ed document and its length in *len, or NULL.
 */
char *exporter_render(const struct view *v, const struct sample *cur,
		      const struct ksm_bpf *b, const struct ksm_checker *c,
		      bool checking, const struct ksm_http *h, size_t *len);

#endif

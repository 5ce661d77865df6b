/* SPDX-License-Identifier: GPL-2.0 */
/*
 * model.h - what ksmtop shows, computed from two samples: rates, the
 * per-process rows (filtered, sorted), ksmtop's own cost and the history
 * behind the sparklines.  No output here: the views (screen.c, textout.c,
 * exporter.c) render a struct ksmtop_model.
 */
#ifndef KSMTOP_MODEL_H
#define KSMTOP_MODEL_H

#include <stdbool.h>
#include <linux/types.h>

#include "ksm_bpf.h"
#include "ksm_evdesc.h"
#include "ksm_fmt.h"
#include "options.h"
#include "sample.h"

struct row {
	int pid;
	char comm[16];
	long merging, rmap, zero, profit;
	double merges_s, unmerges_s;	/* < 0: not known */
	long long dropped;		/* < 0: not known */
	long long merges, unmerges;	/* since attach; < 0: not known */
	bool mismatch;			/* its counters disagree with its
					 * events (I5 per process reported) */
	char group[128];		/* its cgroup unit, "" unknown */
	char guest[64];			/* a QEMU guest's name, "" */
};

/* The rows of one cgroup unit (ksm_group.h), summed. */
struct group_row {
	char name[128];			/* "?" for rows without a cgroup */
	int procs;
	long merging, rmap, zero, profit;
	double merges_s;		/* < 0: not known */
};

/* the rates kept for sparklines */
enum ksmtop_hist {
	HIST_MERGES, HIST_UNMERGES,
	HIST_SCANNED,	/* pages scanned/s, else full scans/s */
	HIST_STALE,	/* stale nodes/s, else nodes removed/s */
	HIST_NR
};

/* What ksmd costs (docs/ksmtop.md, "What ksmd costs"); < 0: unknown. */
struct ksmd_cost {
	int pid;			/* 0: ksmd not found */
	double cpu_pct;			/* its CPU share in the interval */
	double cpu_s;			/* its CPU time since it started */
	double scanned_s;		/* pages scanned per second */
	double pass_measured_s;		/* between the last two full scans */
	double pass_model_s;		/* the scan model, at cpu_per_page */
	double cpu_per_page_s;		/* its CPU over the pages it scanned,
					 * since ksmtop started */
	long pass_pages;		/* what a pass scans: every rmap_item */
	double profit_per_cpu_s;	/* profit (bytes) per CPU-second */
	long whatif_pages, whatif_sleep;
	double whatif_pass_s, whatif_cpu_pct;
	struct ksm_advisor advisor;
	/* kept between intervals */
	double tick_t;			/* when full_scans last went up */
	long tick_scans;
	double base_cpu_s;		/* at the first full scan seen */
	long base_scans, base_scanned;
	bool have_base;
};

struct ksmtop_model {
	/* set once: what BPF offers; sort key, order, filter and -N */
	const struct ksm_bpf *bpf;
	const struct options *opt;
	/* the last interval, rebuilt by ksmtop_model_update() */
	double dt;
	double rate[KSM_CLASS_NR];	/* < 0: the kernel does not offer it */
	bool derived_unmerges;
	double scanned_s;		/* pages_scanned/s, < 0 if absent */
	double ns_per_event, events_s, cpu_pct;	/* < 0 if unknown */
	__u64 lost;
	long violations;
	long mismatched;		/* processes I5 per process reported */
	struct ksmd_cost ksmd;
	struct row *rows;
	int nrows, nshown;
	struct group_row *groups;	/* by merging pages, most first */
	int ngroups, gshown;		/* gshown: the first -N */		/* nshown: the first -N of nrows */
	/* the rates of the last KSM_HIST_LEN intervals */
	struct ksm_hist hist[HIST_NR];
};

/* A model of nothing yet that reads its settings from b and o. */
void ksmtop_model_init(struct ksmtop_model *m, const struct ksm_bpf *b,
		       const struct options *o);
/*
 * The interval from prev to cur, with violations confirmed so far by
 * the invariant checker.  The rows of the last interval are freed.
 */
void ksmtop_model_update(struct ksmtop_model *m, const struct sample *prev,
			 const struct sample *cur, long violations);
void ksmtop_model_free(struct ksmtop_model *m);

#endif

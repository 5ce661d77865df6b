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
};

/* the rates kept for sparklines */
enum ksmtop_hist {
	HIST_MERGES, HIST_UNMERGES,
	HIST_SCANNED,	/* pages scanned/s, else full scans/s */
	HIST_STALE,	/* stale nodes/s, else nodes removed/s */
	HIST_NR
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
	struct row *rows;
	int nrows, nshown;		/* nshown: the first -N of nrows */
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

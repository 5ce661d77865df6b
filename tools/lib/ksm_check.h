/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ksm_check.h - the user-space half of the invariant engine: confirms
 * what BPF suspects (I2), cross-checks BPF's counts with
 * /sys/kernel/mm/ksm at quiescent points (I5), finds rmap_items left
 * behind by exited mms (I6), and prints each violation with the recent
 * history of the stable node and rmap_item involved.
 */
#ifndef KSMSCOPE_KSM_CHECK_H
#define KSMSCOPE_KSM_CHECK_H

#include <stdbool.h>
#include <stdio.h>

#include "ksm_bpf.h"
#include "ksm_sysfs.h"

struct ksm_inv_desc {
	const char *id;		/* "I1" */
	const char *what;	/* one line */
	__u64 needs;		/* event types it needs attached (1 << type) */
	bool series_order;	/* judged by an order only the ksmscope
				 * series' events keep (kernel/patches) */
};
extern const struct ksm_inv_desc ksm_inv_desc[KSM_INV_NR];

/*
 * Which invariants can be checked with these events attached: an
 * invariant only if every event it needs is.  why gets the missing ones
 * and the reason (not in this kernel, or attach failed: error); returns
 * how many are checkable.  merge_locked: ksm_merge_with_ksm_page is made
 * under the mmap lock without the series (by the probe tier), as I8
 * needs.
 */
int ksm_check_plan(const bool *attached, const bool *present,
		   const int *attach_err, bool merge_locked, bool *checkable,
		   char *why, size_t len);

#define KSM_CHECK_PENDING 256

/* I5 per process: one mm_stats entry (mm, id) as its process shows it */
struct ksm_proc_track {
	__u64 mm, id;
	int pid;
	unsigned long long start_time;	/* /proc/PID/stat: tells pid reuse */
	bool seen;			/* in this round */
	bool judged;			/* once at least */
	bool based[2];			/* [merging, rmap_items]: offset known */
	long long base[2];		/* kernel's value minus the events' */
	int runs[2];			/* readings in a row with ... */
	long long last[2];		/* ... this difference */
	bool reported[2];
};

struct ksm_proc_check {
	bool merging, rmap, profit;	/* what is compared */
	char why[240];			/* what is not, and why */
	unsigned long long rounds;	/* ksm_check_procs() calls */
	unsigned long long judged;	/* process readings compared */
	unsigned long long based;	/* readings that became an offset */
	unsigned long long busy;	/* its mm had events meanwhile */
	unsigned long long gone;	/* exited, exec'ed or pid reused */
	unsigned long long no_stat;	/* no /proc/PID/ksm_stat */
	unsigned long long unreadable;	/* not readable (hidepid, pidns) */
	unsigned long long lost;	/* tracks gone before ever judged */
	unsigned long long differ;	/* readings that disagreed */
	unsigned long long marked;	/* processes reported (each once) */
	int ntrack;
	size_t cap;
	struct ksm_proc_track *t;
};

struct ksm_checker {
	struct ksm_bpf *b;
	FILE *out;			/* reports */
	bool json;			/* reports as JSON lines */
	int kmsg_fd;			/* >= 0: each report's first line also
					 * to the kernel log (/dev/kmsg) */
	bool checkable[KSM_INV_NR];
	bool i5_unshared;		/* I5 judges pages_unshared too (the
					 * unstable tree's inserts are seen) */
	char missing[400];		/* why the others are not (ksm_check_plan) */
	unsigned long long found[KSM_INV_NR];	/* confirmed violations */
	/* I2 suspects waiting for the migration event */
	struct {
		double due;
		struct ksm_event e;
	} pending[KSM_CHECK_PENDING];
	int npending;
	/* at attach, for the summaries */
	struct ksm_snapshot base;
	__u64 base_cnt[KSM_CNT_NR];
	/*
	 * I5 baseline: sysfs and BPF's counts read with no event in
	 * between (at attach if KSM was quiet, else at the first quiet
	 * reading after it)
	 */
	bool i5_ready;
	struct ksm_snapshot i5_base;
	__u64 i5_cnt[KSM_CNT_NR];
	bool tree_empty_at_start;	/* at the I5 baseline */
	int i5_mismatch_runs;
	long long i5_last[2];
	char i5_note[160];
	struct ksm_proc_check procs;	/* I5 per process */
	/* I6 leftovers reported (and mms found alive), each once */
	struct {
		__u64 item, node, gen;
	} *i6_reported;
	size_t i6_nreported, i6_cap;
	unsigned long long i6_alive;	/* exit records a live task overruled */
};

/* Baseline and which invariants this kernel lets us check. */
void ksm_check_init(struct ksm_checker *c, struct ksm_bpf *b, FILE *out);
/* A KSM_REC_VIOLATION record from the ring buffer. */
void ksm_check_record(struct ksm_checker *c, const struct ksm_event *e);
/* Confirm or drop suspects that are due; call often. */
void ksm_check_poll(struct ksm_checker *c, bool final);
/*
 * Counters against sysfs (I5), once: returns 1 if compared, 0 if the
 * kernel was not quiescent or this reading became the baseline (the
 * first quiet one).  Call at quiescent points, e.g. repeatedly at the end
 * of a check.
 */
int ksm_check_counters(struct ksm_checker *c);
/*
 * I5 per process, once: every process whose mm BPF counts, its
 * ksm_merging_pages and ksm_rmap_items against its mm's events, judged
 * only if nothing changed while /proc was read; a difference reported
 * once it persists over 3 judged readings.  Returns readings judged.
 * Called by ksm_check_counters().
 */
int ksm_check_procs(struct ksm_checker *c);
/* Is this mm's process reported by ksm_check_procs() (ksmtop's mark)? */
bool ksm_check_proc_marked(const struct ksm_checker *c, __u64 mm);
/* "I5 per process (...): N readings judged, ..." */
void ksm_check_procs_line(const struct ksm_checker *c, char *buf, size_t len);
/* What ksm_check_init() decides: which halves, and why not. */
void ksm_check_procs_plan(struct ksm_checker *c, const bool *attached);
/* Free its state. */
void ksm_check_free(struct ksm_checker *c);

/* rmap_items still stable for mms that exited (I6); at the end. */
void ksm_check_leftovers(struct ksm_checker *c);
/* Total confirmed violations. */
unsigned long long ksm_check_total(const struct ksm_checker *c);
/* "checked: I1 I2 ...; not checkable here: ..." */
void ksm_check_coverage(const struct ksm_checker *c, char *buf, size_t len);
/* Print one violation and the history behind it. */
void ksm_check_report(struct ksm_checker *c, int inv, const char *text,
		      __u64 node, __u64 item, const struct ksm_event *e);

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ksm_why.h - why a process's anonymous memory is not merged.
 *
 * One reading sorts every anonymous page of a process into one reason:
 * from /proc/PID/smaps (which areas are VM_MERGEABLE, which KSM cannot
 * take), /proc/PID/pagemap with /proc/kpageflags and /proc/kpagecount
 * (merged, zero page, swapped, how full a KSM page is), the pages'
 * contents read twice an interval apart through /proc/PID/mem (volatile,
 * zero-filled, a partner anywhere in memory KSM may merge), the pages'
 * NUMA nodes (move_pages(2) query) when merge_across_nodes is 0, and
 * /sys/kernel/mm/ksm.  docs/ksmtop.md ("Why not merging") says what each
 * reason means and how it is decided.  Reads only: nothing is faulted in
 * (only present pages are read), no setting changes.
 */
#ifndef KSMSCOPE_KSM_WHY_H
#define KSMSCOPE_KSM_WHY_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "ksm_proc.h"

/* In the order they are decided: a page gets the first that applies. */
enum ksm_why_reason {
	KSM_WHY_MERGED,		/* backed by a KSM page */
	KSM_WHY_ZERO_PAGE,	/* mapped to the shared zero page */
	KSM_WHY_NOT_REGISTERED,	/* area without VM_MERGEABLE */
	KSM_WHY_SKIPPED,	/* area KSM cannot merge (shared, hugetlb..) */
	KSM_WHY_SWAPPED,	/* not in memory: ksmd skips it */
	KSM_WHY_UNREADABLE,	/* present, but its content could not be read */
	KSM_WHY_VOLATILE,	/* changed between the two reads */
	KSM_WHY_ZERO_FILLED,	/* all zeroes, not merged yet */
	KSM_WHY_STOPPED,	/* has a partner; ksmd is not running */
	KSM_WHY_PENDING,	/* has a partner; ksmd has not got to it */
	KSM_WHY_MAX_SHARING,	/* its twin is a KSM page already shared
				 * max_page_sharing times, no other partner */
	KSM_WHY_OTHER_NODE,	/* partners only on other NUMA nodes and
				 * merge_across_nodes 0 */
	KSM_WHY_UNIQUE,		/* no partner: no other page has its content */
	KSM_WHY_NR
};

struct ksm_why_desc {
	const char *key;	/* JSON key */
	const char *text;	/* one line, for people */
};
extern const struct ksm_why_desc ksm_why_desc[KSM_WHY_NR];

/* The kinds of area KSM cannot merge (smaps VmFlags), in skipped_kind[]. */
enum ksm_why_skip {
	KSM_SKIP_SHARED,	/* sh, ms: shared memory */
	KSM_SKIP_HUGETLB,	/* ht */
	KSM_SKIP_PFNMAP,	/* pf, io: no struct page behind it */
	KSM_SKIP_DONTEXPAND,	/* de: driver mappings */
	KSM_SKIP_MIXEDMAP,	/* mm */
	KSM_SKIP_NR
};
extern const char *const ksm_why_skip_names[KSM_SKIP_NR];

/*
 * The smaps VmFlags of an area ("rd wr mr mw me ac mg"): -1 when KSM can
 * take it, else the enum ksm_why_skip that rules it out.  *mergeable
 * says whether it is VM_MERGEABLE ("mg") now.
 */
int ksm_why_vmflags(const char *flags, bool *mergeable);

/* One page of the process's mergeable areas that is not merged. */
struct ksm_why_page {
	unsigned long long h1, h2;	/* content hashes, first and second read */
	int nid;			/* NUMA node, -1 unknown */
	bool zero;			/* all zeroes at the second read */
	bool unreadable;
};

/*
 * A content -> who else has it table, for the classification: every
 * present page of every process with mergeable areas (the target's
 * included), unmerged ones and KSM pages, by content hash (and node).
 */
struct ksm_why_table;
struct ksm_why_table *ksm_why_table_new(size_t expect);
void ksm_why_table_free(struct ksm_why_table *t);
/* A page with that content: merged (ksm, full: at max_page_sharing) or not. */
int ksm_why_table_add(struct ksm_why_table *t, unsigned long long h, int nid,
		      bool ksm, bool full);

struct ksm_why_ctx {
	long run;			/* ksmd's run knob */
	bool across_nodes;		/* merge_across_nodes (true if absent) */
};

/* The reason of one unmerged page (pages added to t with h2). */
enum ksm_why_reason ksm_why_classify(const struct ksm_why_page *p,
				     const struct ksm_why_table *t,
				     const struct ksm_why_ctx *c);

/* What one reading found. */
struct ksm_why {
	int pid;
	char comm[16];
	double interval;		/* seconds between the two reads */
	long pages[KSM_WHY_NR];
	/* the reason cannot be told apart on this kernel or machine */
	bool unknown[KSM_WHY_NR];
	char unknown_why[KSM_WHY_NR][80];
	long skipped_kind[KSM_SKIP_NR];
	long anon_pages;		/* the sum of pages[] */
	long areas, mergeable_areas;
	bool have_stat;			/* /proc/PID/ksm_stat read */
	struct ksm_proc stat;
	int merge_any;			/* ksm_stat's ksm_merge_any: 1, 0,
					 * -1 when the kernel does not say */
	long knob_run, pages_to_scan, sleep_ms, max_page_sharing;
	long use_zero_pages, merge_across_nodes;	/* -1: absent */
	long full_scans;		/* full scans during the interval */
	long items_all;			/* rmap_items of every process */
	long mergeable_all;		/* present pages in every process's
					 * mergeable areas: a full pass */
	double pass_s;			/* ksmd's full pass, seconds (model) */
	long partner_procs;		/* other processes read for partners */
	bool kpf_ksm_broken;		/* KPF_KSM on every anonymous page: KSM
					 * pages told by their map count */
	long long bytes_read;		/* page contents read, all processes */
};

/*
 * Read process pid (under proc root, normally "/proc") twice, interval
 * seconds apart, and sort its pages.  0, or -errno with a one-line msg:
 * -ESRCH no such process (or it exited while read), -EINVAL no memory
 * (a kernel thread), -EACCES not readable, -EINTR *stop was set.
 */
int ksm_why_read(const char *root, int pid, double interval,
		 long rmap_item_size, const volatile sig_atomic_t *stop,
		 struct ksm_why *w, char *msg, size_t len);

/* The report as lines for people (emit called once a line) and as JSON. */
void ksm_why_lines(const struct ksm_why *w,
		   void (*emit)(void *ctx, const char *line), void *ctx);
/* events: a JSON value for the "events" member (NULL: null) */
void ksm_why_json(FILE *f, const struct ksm_why *w, const char *events);

#endif

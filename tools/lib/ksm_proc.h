/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ksm_proc.h - per-process KSM figures from /proc/PID/ksm_stat and
 * /proc/PID/ksm_merging_pages (5.19+; ksm_stat gained fields up to 6.x).
 */
#ifndef KSMSCOPE_KSM_PROC_H
#define KSMSCOPE_KSM_PROC_H

#include <stdbool.h>
#include <stddef.h>

struct ksm_proc {
	int pid;
	unsigned long long start_time;	/* /proc/PID/stat field 22: tells reuse */
	char comm[16];
	long rmap_items;
	long merging_pages;
	long zero_pages;		/* 6.10+, else 0 */
	long profit;			/* bytes: the kernel's, or computed */
	bool kernel_profit;		/* ksm_process_profit was there */
	char group[128];		/* its cgroup unit (ksm_group.h) */
	char guest[64];			/* a QEMU guest's -name, or "" */
};

/* Parse ksm_stat's "name value" lines into p; returns fields found. */
int ksm_stat_parse(const char *text, struct ksm_proc *p);

/* starttime (field 22, clock ticks after boot) of /proc/PID/stat's text; 0 if none */
unsigned long long ksm_stat_start_time(const char *stat);

/* The kernel's per-process profit formula (fs/proc/base.c, mm/ksm.c). */
long ksm_profit(long merging_pages, long zero_pages, long rmap_items,
		long page_size, long rmap_item_size);

/*
 * Read one process under root (normally "/proc").  0 on success,
 * -ENOENT when it is gone, -ENODATA when the kernel has no ksm_stat.
 */
int ksm_proc_read(const char *root, int pid, long rmap_item_size,
		  struct ksm_proc *p);

/* The same, every file read even for a process without rmap_items. */
int ksm_proc_read_all(const char *root, int pid, long rmap_item_size,
		      struct ksm_proc *p);

/*
 * Every process with rmap_items or merging pages.  *out is malloc'ed
 * (free it); returns the count, or -errno when root cannot be read.
 */
int ksm_proc_scan(const char *root, long rmap_item_size,
		  struct ksm_proc **out);

/* Read a small file whole, NUL-terminated; returns bytes or -errno. */
int ksm_slurp(const char *path, char *buf, size_t len);

/* Default root: $KSMSCOPE_PROC or "/proc". */
const char *ksm_proc_root(void);

#endif

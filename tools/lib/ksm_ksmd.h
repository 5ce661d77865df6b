/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ksm_ksmd.h - what ksmd costs: its CPU time (its own /proc/PID/stat),
 * the advisor's settings (6.8+), and the scan model: how long a full pass
 * takes and what share of a CPU ksmd needs for given pages_to_scan and
 * sleep_millisecs (docs/ksmtop.md, "What ksmd costs").
 */
#ifndef KSMSCOPE_KSM_KSMD_H
#define KSMSCOPE_KSM_KSMD_H

#include <stdbool.h>

/*
 * ksmd: the kernel thread (PF_KTHREAD) that kthreadd (pid 2) started
 * with the name "ksmd" - a kernel thread has no other identity to find
 * it by; once found it is followed by pid and start time.
 */
struct ksm_ksmd {
	int pid;			/* 0: not found */
	unsigned long long start_time;	/* tells a reused pid */
	double cpu_s;			/* utime + stime, seconds */
};

/*
 * Find ksmd under root ("/proc") if k->pid is 0 or no longer it, and
 * read its CPU time.  0, or -ENOENT (no ksmd: KSM not built in, or
 * another pid namespace).
 */
int ksm_ksmd_read(const char *root, struct ksm_ksmd *k);

/* true if the stat line (after "pid (comm) ") is a kernel thread's */
bool ksm_stat_is_kthread(const char *stat, int *ppid);

/*
 * The scan model.  ksmd scans pages_to_scan pages, then sleeps
 * sleep_millisecs, until it has been through every page of every
 * mergeable area (pages); each page costs it cpu_per_page seconds of CPU
 * (measured: its CPU time over the pages it scanned; 0 if unknown).
 *   batches   = ceil(pages / pages_to_scan)
 *   pass_s    = batches * (pages_to_scan * cpu_per_page + sleep_ms / 1000)
 *   cpu_share = pages_to_scan * cpu_per_page /
 *               (pages_to_scan * cpu_per_page + sleep_ms / 1000)
 * 0, or -1 with nothing set when an input is missing (< 0, or no pages
 * to scan per batch).
 */
struct ksm_scan_cost {
	double pass_s;
	double cpu_share;	/* 0..1 of one CPU */
};
int ksm_scan_model(long pages, long pages_to_scan, long sleep_ms,
		   double cpu_per_page, struct ksm_scan_cost *c);

/* The advisor (6.8+): mode "none" or "scan-time" and its limits. */
struct ksm_advisor {
	bool present;
	char mode[16];
	long target_scan_time, max_cpu, min_pages, max_pages;
};
void ksm_advisor_read(struct ksm_advisor *a);

#endif

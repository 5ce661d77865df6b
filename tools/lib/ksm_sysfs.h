/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ksm_sysfs.h - read, set and restore /sys/kernel/mm/ksm.
 *
 * /sys/kernel/mm/ksm is global state.  Whoever changes a knob saves all of
 * them first (ksm_sysfs_save) and puts them back on every exit path
 * (ksm_sysfs_restore, also from a signal handler: it only uses open,
 * write and close).
 */
#ifndef KSMSCOPE_KSM_SYSFS_H
#define KSMSCOPE_KSM_SYSFS_H

#include <stdbool.h>

#define KSM_SYSFS_DIR "/sys/kernel/mm/ksm"

/* The writable knobs, in the order they are restored. */
#define KSM_KNOBS_MAX 16
struct ksm_knobs {
	int n;
	struct {
		char name[40];
		char value[32];
	} knob[KSM_KNOBS_MAX];
};

/* The directory: $KSMSCOPE_SYSFS when set (tests), else KSM_SYSFS_DIR. */
const char *ksm_sysfs_dir(void);
/* Read a counter or knob into *out; 0, or -errno when absent. */
int ksm_read_value(const char *name, long *out);
/* Read a counter or knob; -1 when absent (or when it reads -1). */
long ksm_read(const char *name);
/* Write a knob; returns 0 or -errno. */
int ksm_write(const char *name, long value);
/* True when /sys/kernel/mm/ksm exists. */
bool ksm_present(void);
/* Save every writable knob that exists on this kernel. */
int ksm_sysfs_save(struct ksm_knobs *k);
/* Restore what ksm_sysfs_save saved; async-signal-safe. */
void ksm_sysfs_restore(const struct ksm_knobs *k);

/* What the tools show: settings first, then counters. */
enum ksm_sys {
	KSM_SYS_RUN, KSM_SYS_PAGES_TO_SCAN, KSM_SYS_SLEEP_MILLISECS,
	KSM_SYS_MERGE_ACROSS_NODES, KSM_SYS_MAX_PAGE_SHARING,
	KSM_SYS_USE_ZERO_PAGES,
	KSM_SYS_PAGES_SHARED,		/* first counter */
	KSM_SYS_PAGES_SHARING, KSM_SYS_PAGES_UNSHARED, KSM_SYS_PAGES_VOLATILE,
	KSM_SYS_STABLE_NODE_CHAINS, KSM_SYS_STABLE_NODE_DUPS,
	KSM_SYS_FULL_SCANS, KSM_SYS_KSM_ZERO_PAGES, KSM_SYS_GENERAL_PROFIT,
	KSM_SYS_PAGES_SCANNED,
	KSM_SYS_NR
};
#define KSM_SYS_FIRST_COUNTER KSM_SYS_PAGES_SHARED
extern const char *const ksm_sys_names[KSM_SYS_NR];

/* One reading of every file of ksm_sys_names; have[] says which exist. */
struct ksm_snapshot {
	long v[KSM_SYS_NR];
	bool have[KSM_SYS_NR];
};
void ksm_snapshot_read(struct ksm_snapshot *s);

#endif

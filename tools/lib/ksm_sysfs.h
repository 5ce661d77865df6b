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

/* Read a counter or knob; returns -1 and sets errno when absent. */
long ksm_read(const char *name);
/* Write a knob; returns 0 or -errno. */
int ksm_write(const char *name, long value);
/* True when /sys/kernel/mm/ksm exists. */
bool ksm_present(void);
/* Save every writable knob that exists on this kernel. */
int ksm_sysfs_save(struct ksm_knobs *k);
/* Restore what ksm_sysfs_save saved; async-signal-safe. */
void ksm_sysfs_restore(const struct ksm_knobs *k);

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ksm_event.h - what each ksm:* tracepoint carries, and how the tools
 * name, decode and print it.  The record itself is bpf/ksm_events.h.
 */
#ifndef KSMSCOPE_KSM_EVENT_H
#define KSMSCOPE_KSM_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>

#include "ksm_events.h"

enum ksm_arg_kind {
	KSM_ARG_PTR,	/* kernel pointer, printed 0x... */
	KSM_ARG_U,	/* unsigned long */
	KSM_ARG_S,	/* int */
	KSM_ARG_S64,	/* s64 */
	KSM_ARG_HEX,	/* address */
	KSM_ARG_ENUM,	/* int with names, see syms */
};

struct ksm_event_desc {
	const char *name;		/* tracepoint, in group "ksm" */
	bool series;			/* from kernel/patches, not upstream */
	int nargs;
	const char *arg[KSM_EV_MAX_ARGS];
	unsigned char kind[KSM_EV_MAX_ARGS];
	const char *const *syms;	/* names of the one KSM_ARG_ENUM arg */
	int nsyms;
};

extern const struct ksm_event_desc ksm_event_desc[KSM_EV_NR];

/* enum ksm_ev_type of a tracepoint name (with or without "ksm:"), or -1 */
int ksm_event_type(const char *name);

/* One argument as text: decimal, 0x-hex, or its symbolic name. */
int ksm_arg_format(int type, int i, __u64 v, char *buf, size_t len);

/* "name field=value ..." (no newline); returns what snprintf returns. */
int ksm_event_format(const struct ksm_event *e, char *buf, size_t len);

/*
 * The same arguments as one JSON object, {"name":value,...}: numbers
 * bare, pointers, addresses and enum names as strings.  An unknown type
 * gives {}.
 */
void ksm_event_json_args(FILE *f, const struct ksm_event *e);

/*
 * The rate classes the tools show.  A class is available when every
 * event it needs is attached (ksm_class_available).
 */
enum ksm_class {
	KSM_CLASS_SCANS, KSM_CLASS_MERGES, KSM_CLASS_MERGE_FAILS,
	KSM_CLASS_UNMERGES, KSM_CLASS_STABLE_INSERTS,
	KSM_CLASS_UNSTABLE_INSERTS, KSM_CLASS_APPENDS, KSM_CLASS_NODES_REMOVED,
	KSM_CLASS_STALE, KSM_CLASS_RETRIES, KSM_CLASS_MIGRATIONS,
	KSM_CLASS_PURGES, KSM_CLASS_RMAP_WALKS, KSM_CLASS_ENTERS,
	KSM_CLASS_EXITS,
	KSM_CLASS_NR
};

struct ksm_class_desc {
	const char *key;	/* JSON key */
	const char *label;	/* short column label */
	int slot;		/* enum ksm_counter / ksm_ev_type slot */
	int needs;		/* event type that must be attached */
};

extern const struct ksm_class_desc ksm_class_desc[KSM_CLASS_NR];

bool ksm_class_available(int cls, const bool attached[KSM_EV_NR]);

#endif

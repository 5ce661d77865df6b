/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ksm_evdesc.h - the descriptors of the ksm:* events and of the rate
 * classes, made from bpf/ksm_events.def: how the tools name, decode and
 * print an event.  The record itself is bpf/ksm_records.h.
 */
#ifndef KSMSCOPE_KSM_EVDESC_H
#define KSMSCOPE_KSM_EVDESC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/types.h>

#include "ksm_records.h"

enum ksm_arg_kind {
	KSM_ARG_PTR,		/* kernel pointer, printed 0x... */
	KSM_ARG_U,		/* unsigned long */
	KSM_ARG_S,		/* int */
	KSM_ARG_S64,		/* s64 */
	KSM_ARG_HEX,		/* address */
	/* an int of one of the series' enums: printed by its name */
	KSM_ARG_NODE_ROLE,
	KSM_ARG_STALE_REASON,
	KSM_ARG_WALK_END,
	KSM_ARG_PURGE_CAUSE,
	KSM_ARG_KIND_NR
};
#define KSM_ARG_FIRST_ENUM KSM_ARG_NODE_ROLE

struct ksm_event_desc {
	const char *name;		/* tracepoint, in group "ksm" */
	const char *help;		/* one line */
	bool series;			/* from kernel/patches, not upstream */
	bool probe_only;		/* no tracepoint: the probe tier's */
	int nargs;
	const char *arg[KSM_EV_MAX_ARGS];
	unsigned char kind[KSM_EV_MAX_ARGS];	/* enum ksm_arg_kind */
	unsigned char role[KSM_EV_MAX_ARGS];	/* enum ksm_arg_role */
};

extern const struct ksm_event_desc ksm_event_desc[KSM_EV_NR];

/* the name of value v of an enum kind (KSM_ARG_NODE_ROLE...), or NULL */
const char *ksm_sym_name(int kind, __u64 v);

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
 * The rate classes the tools show (KSM_CLASS of ksm_events.def).  A class
 * is available when every event it needs is attached (ksm_class_available).
 */
enum ksm_class {
#define KSM_CLASS(id, key, label, slot, needs, summary, help) KSM_CLASS_##id,
#include "ksm_events.def"
	KSM_CLASS_NR
};

struct ksm_class_desc {
	const char *key;	/* JSON key, metric name */
	const char *label;	/* short column label */
	const char *help;	/* one line: the exporter's HELP */
	int slot;		/* enum ksm_counter / ksm_ev_type slot */
	__u64 needs;		/* KSM_EVBIT()s that must all be attached */
	int summary;		/* place in ksmtrace's summary, 0: none */
};

extern const struct ksm_class_desc ksm_class_desc[KSM_CLASS_NR];

bool ksm_class_available(int cls, const bool attached[KSM_EV_NR]);

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ksm_events.h - the records BPF and user space share.  Included by
 * bpf/ksm.bpf.c (after ksm_vmlinux.h) and by tools/lib (after
 * <linux/types.h>): every definition here exists exactly once.
 *
 * Event types follow the ksm:* tracepoints one to one; an event's args[]
 * are the tracepoint's TP_PROTO arguments in order (their names and kinds
 * are in tools/lib/ksm_event.c, ksm_event_desc[]).
 */
#ifndef KSMSCOPE_KSM_EVENTS_H
#define KSMSCOPE_KSM_EVENTS_H

enum ksm_ev_type {
	/* upstream (6.4+; advisor 6.8+) */
	KSM_EV_START_SCAN,
	KSM_EV_STOP_SCAN,
	KSM_EV_ENTER,
	KSM_EV_EXIT,
	KSM_EV_MERGE_ONE_PAGE,
	KSM_EV_MERGE_WITH_KSM_PAGE,
	KSM_EV_REMOVE_KSM_PAGE,
	KSM_EV_REMOVE_RMAP_ITEM,
	KSM_EV_ADVISOR,
	/* ksmscope kernel series (kernel/patches) */
	KSM_EV_STABLE_TREE_INSERT,
	KSM_EV_UNSTABLE_TREE_INSERT,
	KSM_EV_STABLE_TREE_APPEND,
	KSM_EV_REMOVE_RMAP_ITEM_FROM_TREE,
	KSM_EV_STALE_NODE,
	KSM_EV_GET_KSM_PAGE_RETRY,
	KSM_EV_MIGRATE_PAGE,
	KSM_EV_RMAP_WALK,
	KSM_EV_PURGE,
	KSM_EV_NR
};

#define KSM_EV_FIRST_SERIES KSM_EV_STABLE_TREE_INSERT
#define KSM_EV_MAX_ARGS 7
#define KSM_COMM_LEN 16
#define KSM_MAX_NIDS 64
#define KSM_MAX_MMS 16384

/* One streamed event (ring buffer "events"). */
struct ksm_event {
	__u64 ts_ns;			/* bpf_ktime_get_ns() */
	__u32 cpu;
	__u32 pid;			/* thread that hit the tracepoint */
	__u32 tgid;
	__u16 type;			/* enum ksm_ev_type */
	__u16 nargs;
	char comm[KSM_COMM_LEN];
	__u64 args[KSM_EV_MAX_ARGS];	/* TP_PROTO arguments, in order */
};

/*
 * Slots of the per-CPU "counters" array: one per event type, then the
 * classes user space shows that are not one event type each.
 */
enum ksm_counter {
	KSM_CNT_MERGE_OK = KSM_EV_NR,	/* merge_with_ksm_page, err == 0 */
	KSM_CNT_MERGE_FAIL,		/* merge_with_ksm_page, err != 0 */
	KSM_CNT_UNMERGE,		/* rmap_items leaving a stable node */
	KSM_CNT_LOST,			/* events the ring buffer had no room for */
	KSM_CNT_NR
};

/* Per mm_struct, key: the mm pointer. */
struct ksm_mm_stats {
	__u64 merges;		/* merge_with_ksm_page, err == 0 */
	__u64 merge_fails;	/* merge_with_ksm_page, err != 0 */
	__u64 unmerges;		/* rmap_items of this mm leaving a stable node */
	__u64 dropped;		/* ... because the whole node was removed */
	__u64 unstable_inserts;
	__u64 appends;		/* rmap_items joining a stable node */
};

/* Per NUMA node (stable tree), index: nid. */
struct ksm_nid_stats {
	__u64 stable_inserts;
	__u64 migrate_in;
	__u64 migrate_out;
	__u64 purges;
};

/* What the task iterator reports: one per thread-group leader with an mm. */
struct ksm_task_rec {
	__u64 mm;
	__u32 tgid;
	__u32 pad;
	char comm[KSM_COMM_LEN];
};

#endif

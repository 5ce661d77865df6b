/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ksm_records.h - the records BPF and user space share.  Included by
 * bpf/ksm.bpf.c (after ksm_vmlinux.h) and by tools/lib (after
 * <linux/types.h>): every definition here exists exactly once.
 *
 * Event types follow the ksm:* tracepoints one to one, as listed in
 * ksm_events.def; an event's args[] are the tracepoint's TP_PROTO arguments
 * in order (their names, kinds and roles are in ksm_events.def too).
 */
#ifndef KSMSCOPE_KSM_RECORDS_H
#define KSMSCOPE_KSM_RECORDS_H

/*
 * The events, one per KSM_EVENT of ksm_events.def (which also gives each
 * event's arguments): KSM_EV_<ID>, upstream first, then the series.
 */
enum ksm_ev_type {
#define KSM_EVENT(id, name, origin, help, ...) KSM_EV_##id,
#include "ksm_events.def"
	KSM_EV_NR
};
#define KSM_EVBIT(id) (1ULL << KSM_EV_##id)

/* The series' enums, named after the kernel's: KSM_TP_<ENUM>_<ID> */
enum ksm_tp_sym {
#define KSM_SYM(e, id, value, name) KSM_TP_##e##_##id = value,
#include "ksm_events.def"
};
#define KSM_TP_SYM_MAX 8	/* values per enum, at most */

#define KSM_EV_FIRST_SERIES KSM_EV_STABLE_TREE_INSERT
#define KSM_EV_FIRST_PROBE KSM_EV_BREAK_KSM	/* after the series' */
/* an enum argument the probe tier cannot know (printed "unknown") */
#define KSM_TP_UNKNOWN 0xffffffffu
#define KSM_EV_MAX_ARGS 7
#define KSM_COMM_LEN 16
#define KSM_MAX_NIDS 64
#define KSM_MAX_MMS 16384
#define KSM_MAX_RETRIES 1024	/* get_ksm_page retries awaiting their migration */

/* Records of the ring buffer that are not tracepoints */
#define KSM_REC_VIOLATION 32

/* One streamed event (ring buffer "events"). */
struct ksm_event {
	__u64 ts_ns;			/* bpf_ktime_get_ns() */
	__u32 cpu;
	__u32 pid;			/* thread that hit the tracepoint */
	__u32 tgid;
	__u16 type;			/* enum ksm_ev_type, or KSM_REC_* */
	__u16 nargs;
	__s32 stack_id;			/* in map "stacks", < 0: none */
	__u32 pad;
	char comm[KSM_COMM_LEN];
	__u64 args[KSM_EV_MAX_ARGS];	/* TP_PROTO arguments, in order */
};

/*
 * Invariants (docs/invariants.md).  A violation is a KSM_REC_VIOLATION
 * record: args[0] invariant (| KSM_VIOL_SUSPECT when user space must
 * confirm it later), [1] stable node, [2] rmap_item, [3] mm, [4] the
 * event type that broke it, [5] what was expected, [6] what was seen.
 */
enum ksm_inv {
	KSM_INV_NONE,
	KSM_INV_I1,	/* node removed only once per insertion */
	KSM_INV_I2,	/* a get_ksm_page retry follows a migration */
	KSM_INV_I3,	/* no stale removal with a migrated-away kpfn */
	KSM_INV_I4,	/* merges target a live node's page */
	KSM_INV_I5,	/* counters agree (user space) */
	KSM_INV_I6,	/* appends and removals pair up; none left after exit */
	KSM_INV_I7,	/* one tree at a time */
	KSM_INV_I8,	/* nothing but cleanup after ksm_exit */
	KSM_INV_I9,	/* no shared KSM page discarded as lazyfree */
	KSM_INV_NR
};
#define KSM_VIOL_SUSPECT 0x100
/* a suspect I2 whose key could not be kept in map "retries" (full) */
#define KSM_VIOL_UNTRACKED 0x200

/*
 * Map "retries": a get_ksm_page retry to a kpfn no migration of the node
 * has gone to yet.  The migration's event deletes it; user space judges
 * the retry a violation only if its key is still there when it is due.
 */
struct ksm_retry_key {
	__u64 node;
	__u64 kpfn;
};

/*
 * What an event's KSM_EVENT args expand to: KSM_EV_NARGS(args...) counts
 * them, KSM_EV_EACH(m, args...) calls m(i, (name, kind, role)) on each.
 */
#define KSM_EV_NARGS(...) KSM__NARGS(__VA_ARGS__, 7, 6, 5, 4, 3, 2, 1, 0)
#define KSM__NARGS(a1, a2, a3, a4, a5, a6, a7, n, ...) n
#define KSM__CAT(a, b) KSM__CAT_(a, b)
#define KSM__CAT_(a, b) a##b
#define KSM_EV_EACH(m, ...) \
	KSM__CAT(KSM__EACH, KSM_EV_NARGS(__VA_ARGS__))(m, 0, __VA_ARGS__)
#define KSM__EACH1(m, i, a) m(i, a)
#define KSM__EACH2(m, i, a, ...) m(i, a) KSM__EACH1(m, (i) + 1, __VA_ARGS__)
#define KSM__EACH3(m, i, a, ...) m(i, a) KSM__EACH2(m, (i) + 1, __VA_ARGS__)
#define KSM__EACH4(m, i, a, ...) m(i, a) KSM__EACH3(m, (i) + 1, __VA_ARGS__)
#define KSM__EACH5(m, i, a, ...) m(i, a) KSM__EACH4(m, (i) + 1, __VA_ARGS__)
#define KSM__EACH6(m, i, a, ...) m(i, a) KSM__EACH5(m, (i) + 1, __VA_ARGS__)
#define KSM__EACH7(m, i, a, ...) m(i, a) KSM__EACH6(m, (i) + 1, __VA_ARGS__)
#define KSM_ARG_NAME(n, k, r) #n
#define KSM_ARG_KIND(n, k, r) KSM_ARG_##k
#define KSM_ARG_ROLE(n, k, r) KSM_ROLE_##r

enum ksm_arg_role { KSM_ROLE__, KSM_ROLE_MM, KSM_ROLE_PFN, KSM_ROLE_NODE,
		    KSM_ROLE_ITEM };

/* Which args name an mm, a pfn, a stable node, an rmap_item (bit i: args[i]) */
struct ksm_ev_roles {
	__u8 mm, pfn, node, item;
};
#define KSM__ROLEBIT(i, a, role) | ((KSM_ARG_ROLE a == (role)) << (i))
#define KSM__MM(i, a) KSM__ROLEBIT(i, a, KSM_ROLE_MM)
#define KSM__PFN(i, a) KSM__ROLEBIT(i, a, KSM_ROLE_PFN)
#define KSM__NODE(i, a) KSM__ROLEBIT(i, a, KSM_ROLE_NODE)
#define KSM__ITEM(i, a) KSM__ROLEBIT(i, a, KSM_ROLE_ITEM)
/* a struct ksm_ev_roles initializer: KSM_EVENT(...) KSM_EV_ROLES(id, ...) */
#define KSM_EV_ROLES(id, ...) [KSM_EV_##id] = {				\
	0 KSM_EV_EACH(KSM__MM, __VA_ARGS__),				\
	0 KSM_EV_EACH(KSM__PFN, __VA_ARGS__),				\
	0 KSM_EV_EACH(KSM__NODE, __VA_ARGS__),				\
	0 KSM_EV_EACH(KSM__ITEM, __VA_ARGS__) },

/* Checker state (maps "nodes", "items", "kpfns", "exited"), per key. */
#define KSM_NODE_HIST 32
#define KSM_ITEM_HIST 8
struct ksm_hist_ent {
	__u64 ts_ns;
	__u32 tgid;
	__u16 cpu;
	__u16 type;
	__u64 args[KSM_EV_MAX_ARGS];
};

#define KSM_NODE_LIVE 1
#define KSM_NODE_DEAD 2
#define KSM_NODE_MIGRATED 4	/* migr_old/migr_new valid */
#define KSM_NODE_COUNTED 8	/* inserted since attach: items is exact */
struct ksm_node_state {
	__u64 kpfn;
	__u64 migr_old, migr_new;
	__u32 flags;
	__s32 items;		/* rmap_items on it, if COUNTED */
	__u32 nhist;		/* events recorded, the last KSM_NODE_HIST kept */
	__u32 gen;		/* incarnation: +1 when the address is reused */
	struct ksm_hist_ent hist[KSM_NODE_HIST];
};

#define KSM_ITEM_NONE 0
#define KSM_ITEM_UNSTABLE 1
#define KSM_ITEM_STABLE 2
struct ksm_item_state {
	__u64 node;		/* when STABLE */
	__u64 mm;
	__u32 state;
	__u32 nhist;
	__u32 node_gen;		/* the node's incarnation it was appended to */
	__u32 pad;
	struct ksm_hist_ent hist[KSM_ITEM_HIST];
};

struct ksm_kpfn_state {
	__u64 node;
	__u32 live;
	__u32 pad;
};

struct ksm_exit_state {
	__u64 ts_ns;
	__u64 scans;		/* full scans completed when it exited */
};

/*
 * Slots of the per-CPU "counters" array: one per event type, then the
 * classes user space shows that are not one event type each.
 */
enum ksm_counter {
	KSM_CNT_MERGE_OK = KSM_EV_NR,	/* merge_with_ksm_page, err == 0;
					 * derived by ksm_bpf_counters() */
	KSM_CNT_MERGE_FAIL,		/* merge_with_ksm_page, err != 0 */
	KSM_CNT_UNMERGE,		/* rmap_items leaving a stable node:
					 * remove_rmap_item + STABLE_OUT,
					 * derived by ksm_bpf_counters() */
	KSM_CNT_LOST,			/* events the ring buffer had no room for */
	KSM_CNT_STABLE_OUT,		/* remove_rmap_item_from_tree, stable */
	KSM_CNT_UNSTABLE_OUT,		/* remove_rmap_item_from_tree, unstable */
	KSM_CNT_DROPPED_KNOWN,		/* items dropped with counted nodes */
	KSM_CNT_DROPPED_UNKNOWN,	/* removals of nodes not counted (from
					 * before attach) */
	KSM_CNT_VIOL,			/* + enum ksm_inv: violations */
	KSM_CNT_NR = KSM_CNT_VIOL + KSM_INV_NR
};

/* Per mm_struct, key: the mm pointer. */
struct ksm_mm_stats {
	__u64 merges;		/* merge_with_ksm_page, err == 0 */
	__u64 merge_fails;	/* merge_with_ksm_page, err != 0 */
	__u64 unmerges;		/* rmap_items of this mm leaving a stable node */
	__u64 dropped;		/* ... because the whole node was removed */
	__u64 unstable_inserts;
	__u64 appends;		/* rmap_items joining a stable node */
	/* what /proc/PID/ksm_merging_pages and ksm_stat count (I5 per mm) */
	__u64 stable_outs;	/* rmap_items leaving a stable node on their own */
	__u64 drops;		/* ksm_drop_rmap_item: with their node, all */
	__u64 rmap_allocs;	/* ksm_rmap_item_alloc */
	__u64 rmap_frees;	/* ksm_rmap_item_free */
	__u64 enters;		/* ksm_enter */
	__u64 id;		/* this entry's creation number (see below) */
	__u64 born;		/* created by ksm_enter: every event counted */
};
/* the counters: every field before id */
#define KSM_MM_NCOUNTS \
	(__builtin_offsetof(struct ksm_mm_stats, id) / sizeof(__u64))

/*
 * Per CPU: counts for the mm this CPU's events named last, not yet added
 * to its mm_stats entry.  ksmd scans one mm after another, so most events
 * only bump these; they are added (flushed) when another mm comes, or
 * dropped if the mm's entry is gone or is a newer one (id differs).  After
 * any ksm_exit (exits differs) they are re-checked before use, so an
 * exited mm is noticed (I8).  Readers add them in.
 */
struct ksm_mm_pending {
	__u64 mm;
	__u64 id;		/* the mm_stats entry's id */
	__u64 exits;		/* ksm_exit events seen when it was filled */
	struct ksm_mm_stats d;
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

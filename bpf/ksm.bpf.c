// SPDX-License-Identifier: GPL-2.0
/*
 * ksm.bpf.c - count, aggregate and (on request) stream the ksm:*
 * tracepoints.  One object serves every tool: each tracepoint has a
 * tp_btf program and a raw_tp twin, user space loads one of the two (or
 * neither, when the kernel lacks the tracepoint), see tools/lib/ksm_bpf.c.
 *
 * Counting happens here, in per-CPU and per-mm/per-node maps; only the
 * event types set in stream_mask go to the ring buffer.
 */
#include "ksm_vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include "ksm_records.h"

char LICENSE[] SEC("license") = "GPL";

/* set by user space before load */
const volatile __u64 stream_mask;
const volatile bool check;		/* invariant checks (ksmtrace --check) */
const volatile bool check_full;		/* the kernel has the ksmscope series:
					 * per-node and per-item state; else
					 * only I8 can be checked, keep none */
const volatile bool want_stack;		/* kernel stack id per streamed event */

/* the task iterator reports every process, not only mms with events */
__u32 iter_all;

/* full scans seen since load (ksm_stop_scan), to order "later" */
__u64 scans_done;

/* stream filters, set after load and before attach; 0: no filter */
__u32 filter_tgid;
__u64 filter_mm, filter_pfn, filter_node;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, KSM_CNT_NR);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, KSM_MAX_MMS);
	__type(key, __u64);
	__type(value, struct ksm_mm_stats);
} mm_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ksm_mm_pending);
} mm_pending SEC(".maps");

/* ksm_exit events seen, and mm_stats entries created */
__u64 exits_seen, mm_ids;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, KSM_MAX_NIDS);
	__type(key, __u32);
	__type(value, struct ksm_nid_stats);
} nid_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(max_entries, 1);		/* user space sizes it when wanted */
	__type(key, __u32);
	__uint(value_size, 16 * sizeof(__u64));
} stacks SEC(".maps");

/* checker state; user space sizes these when check is on */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1);
	__type(key, __u64);
	__type(value, struct ksm_node_state);
} nodes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1);
	__type(key, __u64);
	__type(value, struct ksm_item_state);
} items SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1);
	__type(key, __u64);
	__type(value, struct ksm_kpfn_state);
} kpfns SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1);
	__type(key, __u64);
	__type(value, struct ksm_exit_state);
} exited SEC(".maps");

/* get_ksm_page retries waiting for their migration's event (I2) */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);		/* KSM_MAX_RETRIES when checking */
	__type(key, struct ksm_retry_key);
	__type(value, __u64);		/* when the retry was seen */
} retries SEC(".maps");

/* zeroes to create states from: too large for the BPF stack; never written */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ksm_node_state);
} zeroes SEC(".maps");

static const struct ksm_ev_roles roles[KSM_EV_NR] = {
#define KSM_EVENT(id, name, origin, help, ...) KSM_EV_ROLES(id, __VA_ARGS__)
#include "ksm_events.def"
};

static __always_inline void count(__u32 slot)
{
	__u64 *v = bpf_map_lookup_elem(&counters, &slot);

	if (v)
		*v += 1;
}

static __always_inline bool has(__u64 *ctx, int nargs, __u8 mask, __u64 v)
{
	int i;

#pragma unroll
	for (i = 0; i < KSM_EV_MAX_ARGS; i++)
		if (i < nargs && (mask & (1 << i)) && ctx[i] == v)
			return true;
	return false;
}

static __always_inline bool passes_filters(__u64 *ctx, int type, int nargs)
{
	const struct ksm_ev_roles *r = &roles[type];

	if (filter_node && !has(ctx, nargs, r->node, filter_node))
		return false;
	if (filter_pfn && !has(ctx, nargs, r->pfn, filter_pfn))
		return false;
	if (filter_mm && !has(ctx, nargs, r->mm, filter_mm) &&
	    !(filter_tgid && bpf_get_current_pid_tgid() >> 32 == filter_tgid))
		return false;
	if (!filter_mm && filter_tgid &&
	    bpf_get_current_pid_tgid() >> 32 != filter_tgid)
		return false;
	return true;
}

/*
 * The kernel stack of the event being handled, taken once by the program
 * (a tracepoint's or a probe's: only the program's own context can give
 * it) before its events are handled.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __s32);
} cur_stack SEC(".maps");

static __always_inline void note_stack(void *pctx)
{
	__u32 zero = 0;
	__s32 *s;

	if (!want_stack)
		return;
	s = bpf_map_lookup_elem(&cur_stack, &zero);
	if (s)
		*s = bpf_get_stackid(pctx, &stacks, 0);
}

static __always_inline __s32 stack_id(void)
{
	__u32 zero = 0;
	__s32 *s;

	if (!want_stack)
		return -1;
	s = bpf_map_lookup_elem(&cur_stack, &zero);
	return s ? *s : -1;
}

static __always_inline void fill(struct ksm_event *e, __u64 *ctx, int type,
				 int nargs)
{
	__u64 id = bpf_get_current_pid_tgid();
	int i;

	e->ts_ns = bpf_ktime_get_ns();
	e->cpu = bpf_get_smp_processor_id();
	e->pid = (__u32)id;
	e->tgid = id >> 32;
	e->type = type;
	e->nargs = nargs;
	e->stack_id = stack_id();
	e->pad = 0;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
#pragma unroll
	for (i = 0; i < KSM_EV_MAX_ARGS; i++)
		e->args[i] = i < nargs ? ctx[i] : 0;
}

/*
 * Wake the reader only once a batch is waiting: a wake-up per event (an
 * irq_work, then a context switch) costs several times the event itself.
 * The reader polls with a timeout and drains on it, so a quiet stream is
 * late by at most that timeout.
 */
#define KSM_WAKE_BYTES (64 * sizeof(struct ksm_event))

static __always_inline __u64 wakeup(void)
{
	return bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= KSM_WAKE_BYTES ?
	       BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP;
}

static __always_inline void stream(__u64 *ctx, int type, int nargs)
{
	struct ksm_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e) {
		count(KSM_CNT_LOST);
		return;
	}
	fill(e, ctx, type, nargs);
	bpf_ringbuf_submit(e, wakeup());
}

/* ---- invariant checks ---- */

static __always_inline void violation(__u64 *ctx, int type, int nargs,
				      __u32 inv, __u64 node, __u64 item,
				      __u64 mm, __u64 expected, __u64 seen)
{
	struct ksm_event *e;

	if (!(inv & KSM_VIOL_SUSPECT))
		count(KSM_CNT_VIOL + (inv & 0xff));
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count(KSM_CNT_LOST);
		return;
	}
	fill(e, ctx, type, nargs);
	e->type = KSM_REC_VIOLATION;
	e->nargs = 7;
	e->args[0] = inv;
	e->args[1] = node;
	e->args[2] = item;
	e->args[3] = mm;
	e->args[4] = type;
	e->args[5] = expected;
	e->args[6] = seen;
	bpf_ringbuf_submit(e, BPF_RB_FORCE_WAKEUP);	/* rare, and urgent */
}

static __always_inline void hist_put(struct ksm_hist_ent *h, __u64 *ctx,
				     int type, int nargs)
{
	int i;

	h->ts_ns = bpf_ktime_get_ns();
	h->tgid = bpf_get_current_pid_tgid() >> 32;
	h->cpu = bpf_get_smp_processor_id();
	h->type = type;
#pragma unroll
	for (i = 0; i < KSM_EV_MAX_ARGS; i++)
		h->args[i] = i < nargs ? ctx[i] : 0;
}

/* The node's state, created (unknown, not counted) when absent. */
static __always_inline struct ksm_node_state *node_get(__u64 node)
{
	struct ksm_node_state *n;
	__u32 zero = 0;

	if (!node)
		return NULL;
	n = bpf_map_lookup_elem(&nodes, &node);
	if (n)
		return n;
	n = bpf_map_lookup_elem(&zeroes, &zero);
	if (!n)
		return NULL;
	bpf_map_update_elem(&nodes, &node, n, BPF_NOEXIST);
	return bpf_map_lookup_elem(&nodes, &node);
}

static __always_inline struct ksm_item_state *item_get(__u64 item)
{
	struct ksm_item_state *it;
	__u32 zero = 0;

	if (!item)
		return NULL;
	it = bpf_map_lookup_elem(&items, &item);
	if (it)
		return it;
	/* a zeroed node state is larger than an item state */
	it = bpf_map_lookup_elem(&zeroes, &zero);
	if (!it)
		return NULL;
	bpf_map_update_elem(&items, &item, it, BPF_NOEXIST);
	return bpf_map_lookup_elem(&items, &item);
}

static __always_inline void node_hist(struct ksm_node_state *n, __u64 *ctx,
				      int type, int nargs)
{
	__u32 i = n->nhist++ & (KSM_NODE_HIST - 1);	/* racy: history only */

	hist_put(&n->hist[i], ctx, type, nargs);
}

static __always_inline void item_hist(struct ksm_item_state *it, __u64 *ctx,
				      int type, int nargs)
{
	__u32 i = it->nhist++ & (KSM_ITEM_HIST - 1);

	hist_put(&it->hist[i], ctx, type, nargs);
}

static __always_inline void kpfn_set(__u64 kpfn, __u64 node, __u32 live)
{
	struct ksm_kpfn_state k = { .node = node, .live = live };

	if (kpfn)
		bpf_map_update_elem(&kpfns, &kpfn, &k, BPF_ANY);
}

/*
 * The page at kpfn is no longer node's.  Only if it still was: the pfn
 * may already be another KSM page's (freed, reused, merged into).
 */
static __always_inline void kpfn_drop(__u64 kpfn, __u64 node)
{
	struct ksm_kpfn_state *k = bpf_map_lookup_elem(&kpfns, &kpfn);

	if (k && k->node == node)
		k->live = 0;
}

/*
 * An rmap_item on a node that was removed was dropped with it; for the
 * last one of the node no event says so: notice it here.  A node whose
 * state the LRU map evicted is unknown: its items are not judged.
 */
static __always_inline void item_revalidate(struct ksm_item_state *it)
{
	struct ksm_node_state *n;

	if (it->state != KSM_ITEM_STABLE)
		return;
	n = bpf_map_lookup_elem(&nodes, &it->node);
	if (!n || (n->flags & KSM_NODE_DEAD) || n->gen != it->node_gen)
		it->state = KSM_ITEM_NONE;
}

/* a node leaves the tree (stale, or a removing purge): I1 */
static __always_inline void node_removed(__u64 *ctx, int type, int nargs,
					 struct ksm_node_state *n, __u64 node)
{
	if (n->flags & KSM_NODE_DEAD)
		violation(ctx, type, nargs, KSM_INV_I1, node, 0, 0,
			  KSM_NODE_LIVE, n->flags);
	n->flags = (n->flags & ~KSM_NODE_LIVE) | KSM_NODE_DEAD;
	kpfn_drop(n->kpfn, node);
	/* remove_node_from_stable_tree() drops its rmap_items next (I5) */
	if (n->flags & KSM_NODE_COUNTED) {
		__u32 slot = KSM_CNT_DROPPED_KNOWN;
		__u64 *v = bpf_map_lookup_elem(&counters, &slot);

		if (v && n->items > 0)
			*v += n->items;
	} else {
		count(KSM_CNT_DROPPED_UNKNOWN);
	}
	n->items = 0;
}

/*
 * The checker, one handler per event.  Each gets the event and fills in
 * the node and rmap_item states it touched, whose histories then record
 * the event (a violation's report shows them).
 */
struct touched {
	struct ksm_node_state *n;
	struct ksm_item_state *it;
};

/* node chain kpfn nid role */
static __always_inline void chk_stable_tree_insert(__u64 *ctx, int type,
		int nargs, struct ksm_node_state *n)
{
	__u64 node = ctx[0];

	if (!(n->flags & KSM_NODE_LIVE) && ctx[4] != KSM_TP_NODE_ROLE_REPLUG &&
	    ctx[4] != KSM_TP_NODE_ROLE_REPLUG_DUP) {
		/* a new node (not a replug): its items are counted */
		n->flags = KSM_NODE_COUNTED;
		n->items = 0;
		n->gen++;
	}
	n->flags = (n->flags & ~KSM_NODE_DEAD) | KSM_NODE_LIVE;
	n->kpfn = ctx[2];
	if (ctx[4] != KSM_TP_NODE_ROLE_CHAIN)	/* no page of its own */
		kpfn_set(ctx[2], node, 1);
}

/* rmap_item mm address pfn nid */
static __always_inline void chk_unstable_tree_insert(__u64 *ctx, int type,
						     int nargs,
						     struct touched *w)
{
	__u64 item = ctx[0];
	struct ksm_item_state *it = item_get(item);

	if (!it)
		return;
	item_revalidate(it);
	if (it->state == KSM_ITEM_STABLE)
		violation(ctx, type, nargs, KSM_INV_I7, it->node, item,
			  ctx[1], KSM_ITEM_NONE, it->state);
	it->state = KSM_ITEM_UNSTABLE;
	it->mm = ctx[1];
	w->it = it;
}

/* node item mm addr anon_vma kpfn len */
static __always_inline void chk_stable_tree_append(__u64 *ctx, int type,
						   int nargs, struct touched *w)
{
	__u64 node = ctx[0], item = ctx[1];
	struct ksm_item_state *it = item_get(item);
	struct ksm_node_state *n = node_get(node);

	if (it) {
		item_revalidate(it);
		if (it->state == KSM_ITEM_UNSTABLE)
			violation(ctx, type, nargs, KSM_INV_I7, node, item,
				  ctx[2], KSM_ITEM_NONE, it->state);
		else if (it->state == KSM_ITEM_STABLE)
			violation(ctx, type, nargs, KSM_INV_I6, node, item,
				  ctx[2], KSM_ITEM_NONE, it->state);
		it->state = KSM_ITEM_STABLE;
		it->node = node;
		it->node_gen = n ? n->gen : 0;
		it->mm = ctx[2];
	}
	if (n && (n->flags & KSM_NODE_COUNTED))
		n->items += 1;
	w->n = n;
	w->it = it;
}

/* item node mm addr kpfn len */
static __always_inline void chk_remove_rmap_item_from_tree(__u64 *ctx,
							   int type, int nargs,
							   struct touched *w)
{
	__u64 item = ctx[0], node = ctx[1];
	struct ksm_item_state *it = item_get(item);
	struct ksm_node_state *n;

	if (it) {
		__u32 want = node ? KSM_ITEM_STABLE : KSM_ITEM_UNSTABLE;

		item_revalidate(it);
		/* a known item must be in the tree it leaves */
		if (it->nhist && it->state != want)
			violation(ctx, type, nargs, KSM_INV_I6, node, item,
				  ctx[2], want, it->state);
		it->state = KSM_ITEM_NONE;
	}
	n = node_get(node);
	if (n && (n->flags & KSM_NODE_COUNTED))
		n->items -= 1;
	w->n = n;
	w->it = it;
}

/* pfn item mm: dropped with its node */
static __always_inline void chk_remove_rmap_item(__u64 *ctx, int type,
						 int nargs, struct touched *w)
{
	__u64 item = ctx[1];
	struct ksm_item_state *it = item_get(item);

	if (it)
		it->state = KSM_ITEM_NONE;
	w->it = it;
}

/* node kpfn why */
static __always_inline void chk_stale_node(__u64 *ctx, int type,
		int nargs, struct ksm_node_state *n)
{
	__u64 node = ctx[0];

	/* I3: stale with the pfn the node's page migrated away from */
	if ((n->flags & KSM_NODE_MIGRATED) && ctx[1] == n->migr_old &&
	    n->migr_new != n->migr_old)
		violation(ctx, type, nargs, KSM_INV_I3, node, 0, 0,
			  n->migr_new, ctx[1]);
	node_removed(ctx, type, nargs, n, node);
}

/* node pfn nid mm cause */
static __always_inline void chk_purge(__u64 *ctx, int type,
		int nargs, struct ksm_node_state *n)
{
	__u64 node = ctx[0];

	if (ctx[4] == KSM_TP_PURGE_CAUSE_LAZYFREE) {		/* I9 */
		if (node && (n->flags & KSM_NODE_COUNTED) && n->items > 1)
			violation(ctx, type, nargs, KSM_INV_I9, node, 0,
				  ctx[3], 1, n->items);
	} else if (ctx[4] != KSM_TP_PURGE_CAUSE_DUP_PRUNE &&
		   ctx[4] != KSM_TP_PURGE_CAUSE_MIGRATE_NODES) {
		/* hotremove, remove_all, chain_collapse/free remove it */
		node_removed(ctx, type, nargs, n, node);
	}
}

/* node old_pfn new_pfn old_nid new_nid */
static __always_inline void chk_migrate_page(__u64 *ctx, int type,
		int nargs, struct ksm_node_state *n)
{
	struct ksm_retry_key rk = { .node = ctx[0], .kpfn = ctx[2] };
	__u64 node = ctx[0];

	/* I3, the other order: the node went stale with this old pfn */
	if ((n->flags & KSM_NODE_DEAD) && n->kpfn == ctx[1])
		violation(ctx, type, nargs, KSM_INV_I3, node, 0, 0, ctx[2],
			  ctx[1]);
	n->migr_old = ctx[1];
	n->migr_new = ctx[2];
	n->kpfn = ctx[2];
	n->flags |= KSM_NODE_MIGRATED;
	kpfn_drop(ctx[1], node);
	kpfn_set(ctx[2], node, 1);
	/*
	 * a retry waiting for this migration is answered (after the store
	 * to migr_new, which the retry re-reads)
	 */
	bpf_map_delete_elem(&retries, &rk);
}

/* node old new why */
static __always_inline void chk_get_ksm_page_retry(__u64 *ctx, int type,
		int nargs, struct ksm_node_state *n)
{
	struct ksm_retry_key rk = { .node = ctx[0], .kpfn = ctx[2] };
	__u64 ts = bpf_ktime_get_ns(), node = ctx[0];
	__u32 inv = KSM_INV_I2 | KSM_VIOL_SUSPECT;

	/*
	 * I2: the new kpfn is the last migration's.  The migration's event
	 * comes after its kpfn update, so it may not be here yet: the retry
	 * waits in "retries" for it, and user space judges it a little
	 * later.  A migration recorded on another CPU between the test and
	 * the update is seen by the re-read.
	 */
	if ((n->flags & KSM_NODE_MIGRATED) && n->migr_new == ctx[2])
		return;
	if (bpf_map_update_elem(&retries, &rk, &ts, BPF_ANY))
		inv |= KSM_VIOL_UNTRACKED;
	else if (*(volatile __u64 *)&n->migr_new == ctx[2]) {
		bpf_map_delete_elem(&retries, &rk);
		return;
	}
	violation(ctx, type, nargs, inv, node, 0, 0, ctx[2], n->migr_new);
}

/* ksm_page pfn item mm err */
static __always_inline void chk_merge_with_ksm_page(__u64 *ctx, int type,
						    int nargs,
						    struct touched *w)
{
	struct ksm_kpfn_state *k;
	__u64 item = ctx[2], pfn;

	w->it = item_get(item);
	if ((int)ctx[4])
		return;
	/* ksm_page NULL: this page becomes a KSM page (its node next) */
	if (!ctx[0]) {
		kpfn_set(ctx[1], 0, 1);
		return;
	}
	/* I8 is checked where the mm's stats are found: mm_get() */
	pfn = ctx[1];		/* as a key on the stack */
	k = bpf_map_lookup_elem(&kpfns, &pfn);
	if (k && !k->live)
		violation(ctx, type, nargs, KSM_INV_I4, k->node, item, ctx[3],
			  1, 0);
}

/*
 * Full scans so far: the ksm_stop_scan events seen, or, on a kernel
 * without that tracepoint, ksmd's own count (ksm_scan.seqnr, what sysfs
 * full_scans shows), when user space found its address in kallsyms.
 */
const volatile __u64 seqnr_addr;

static __always_inline __u64 scans_now(void)
{
	__u64 v = 0;

	if (!seqnr_addr)
		return scans_done;
	bpf_probe_read_kernel(&v, sizeof(v), (void *)seqnr_addr);
	return v;
}

/* mm */
static __always_inline void chk_enter(__u64 *ctx)
{
	__u64 mm = ctx[0];

	bpf_map_delete_elem(&exited, &mm);
}

/* mm */
static __always_inline void chk_exit(__u64 *ctx)
{
	struct ksm_exit_state x = { .ts_ns = bpf_ktime_get_ns() };
	__u64 mm = ctx[0];

	x.scans = scans_now();
	bpf_map_update_elem(&exited, &mm, &x, BPF_ANY);
}

/* node kpfn pass ...: only its node's history */
static __always_inline void chk_rmap_walk(__u64 *ctx, struct touched *w)
{
	__u64 node = ctx[0];

	w->n = bpf_map_lookup_elem(&nodes, &node);
}

static __always_inline void check_event(__u64 *ctx, int type, int nargs)
{
	struct touched w = {};

	/*
	 * Upstream tracepoints only: I8 is the one invariant they allow, and
	 * it needs the exited mms (see mm_get()), no node or rmap_item state,
	 * whose upkeep costs most of the checker's time.
	 */
	if (type == KSM_EV_ENTER)
		chk_enter(ctx);
	else if (type == KSM_EV_EXIT)
		chk_exit(ctx);
	if (!check_full)
		return;
	switch (type) {
/* a handler of the node named first (args[0]), given its state */
#define CHK_NODE(id, fn) case KSM_EV_##id:				\
	w.n = node_get(ctx[0]);						\
	if (w.n)							\
		fn(ctx, type, nargs, w.n);				\
	break
/* a handler that finds its states itself */
#define CHK(id, fn) case KSM_EV_##id: fn(ctx, type, nargs, &w); break
	CHK_NODE(STABLE_TREE_INSERT, chk_stable_tree_insert);
	CHK(UNSTABLE_TREE_INSERT, chk_unstable_tree_insert);
	CHK(STABLE_TREE_APPEND, chk_stable_tree_append);
	CHK(REMOVE_RMAP_ITEM_FROM_TREE, chk_remove_rmap_item_from_tree);
	CHK(REMOVE_RMAP_ITEM, chk_remove_rmap_item);
	CHK_NODE(STALE_NODE, chk_stale_node);
	CHK_NODE(PURGE, chk_purge);
	CHK_NODE(MIGRATE_PAGE, chk_migrate_page);
	CHK_NODE(GET_KSM_PAGE_RETRY, chk_get_ksm_page_retry);
	CHK(MERGE_WITH_KSM_PAGE, chk_merge_with_ksm_page);
#undef CHK
#undef CHK_NODE
	case KSM_EV_RMAP_WALK:
		chk_rmap_walk(ctx, &w);
		break;
	}
	if (w.n)
		node_hist(w.n, ctx, type, nargs);
	if (w.it)
		item_hist(w.it, ctx, type, nargs);
}

/*
 * An mm's stats.  create: only events that need a live mm may add an
 * entry.  With the checker on, an mm that exited gets none until it
 * enters again: so a merge (merged: it succeeded) finds no entry for an
 * exited mm, and I8 costs a lookup only on the rare miss, not per event.
 */
static __always_inline struct ksm_mm_stats *mm_get(__u64 *ctx, int type,
						   int nargs, __u64 mm,
						   bool create, bool merged)
{
	static const struct ksm_mm_stats zero;
	struct ksm_exit_state *x;
	struct ksm_mm_stats *s;

	if (!mm)
		return NULL;
	s = bpf_map_lookup_elem(&mm_stats, &mm);
	if (s || !create)
		return s;
	x = check ? bpf_map_lookup_elem(&exited, &mm) : NULL;
	if (x) {
		/*
		 * I8: a merge that succeeded after ksm_exit.  ksmd gives up
		 * on an exiting mm under its mmap lock, and __ksm_exit takes
		 * that lock before its event; failed attempts (-EFAULT) and
		 * the lock-free tree inserts of 6.1 are fine.
		 */
		if (merged)
			violation(ctx, type, nargs, KSM_INV_I8, 0,
				  type == KSM_EV_MERGE_WITH_KSM_PAGE ? ctx[2] : 0,
				  mm, 0, x->ts_ns);
		return NULL;
	}
	bpf_map_update_elem(&mm_stats, &mm, &zero, BPF_NOEXIST);
	s = bpf_map_lookup_elem(&mm_stats, &mm);
	/* two CPUs may create it at once: one id wins */
	if (s && !s->id)
		__sync_val_compare_and_swap(&s->id, 0,
					    __sync_add_and_fetch(&mm_ids, 1));
	return s;
}

/* add this CPU's pending counts to their mm's entry, if it is still it */
static __always_inline void mm_flush(struct ksm_mm_pending *p)
{
	struct ksm_mm_stats *s;
	__u64 *d = (__u64 *)&p->d, *v;
	int i;

	if (!p->mm)
		return;
	s = bpf_map_lookup_elem(&mm_stats, &p->mm);
	if (s && s->id == p->id) {
		v = (__u64 *)s;
#pragma unroll
		for (i = 0; i < KSM_MM_NCOUNTS; i++)
			if (d[i])
				__sync_fetch_and_add(&v[i], d[i]);
	}
	__builtin_memset(&p->d, 0, sizeof(p->d));
	p->mm = 0;
}

/*
 * Where to count an event of mm: this CPU's pending counts when they are
 * mm's already (no hash lookup, no atomic: the common case, ksmd works
 * through one mm at a time), else after a flush and mm_get().
 */
static __always_inline struct ksm_mm_stats *mm_acc(__u64 *ctx, int type,
						   int nargs, __u64 mm,
						   bool create, bool merged)
{
	struct ksm_mm_pending *p;
	struct ksm_mm_stats *s;
	__u32 zero = 0;

	p = bpf_map_lookup_elem(&mm_pending, &zero);
	if (!p || !mm)
		return NULL;
	if (p->mm == mm && p->exits == exits_seen)
		return &p->d;
	mm_flush(p);
	s = mm_get(ctx, type, nargs, mm, create, merged);
	if (!s)
		return NULL;
	p->mm = mm;
	p->id = s->id;
	p->exits = exits_seen;
	return &p->d;
}

static __always_inline struct ksm_nid_stats *nid_get(__u64 nid)
{
	__u32 key = (__u32)nid;

	return bpf_map_lookup_elem(&nid_stats, &key);
}

static __always_inline void unmerge(__u64 *ctx, int type, int nargs,
				    __u64 mm, bool dropped)
{
	struct ksm_mm_stats *s = mm_acc(ctx, type, nargs, mm, false, false);

	if (!s)
		return;
	s->unmerges++;
	if (dropped)
		s->dropped++;
	else
		s->stable_outs++;
}

/*
 * ksm_enter: the entry of an mm that has none yet is "born": it sees every
 * event of the mm from its start in KSM, so its counts are the kernel's.
 */
static __always_inline void agg_enter(__u64 *ctx, int type, int nargs)
{
	__u64 mm = ctx[0];
	bool fresh = !bpf_map_lookup_elem(&mm_stats, &mm);
	struct ksm_mm_stats *s = mm_get(ctx, type, nargs, mm, true, false);

	if (!s)
		return;
	__sync_fetch_and_add(&s->enters, 1);
	if (fresh)
		s->born = 1;
}

/* ksm_rmap_item_alloc: rmap_item mm address; ksm_rmap_item_free: item mm;
 * ksm_drop_rmap_item: node rmap_item mm kpfn */
static __always_inline void agg_rmap_item(__u64 *ctx, int type, int nargs)
{
	bool alloc = type == KSM_EV_RMAP_ITEM_ALLOC;
	__u64 mm = ctx[type == KSM_EV_DROP_RMAP_ITEM ? 2 : 1];
	struct ksm_mm_stats *s = mm_acc(ctx, type, nargs, mm, alloc, false);

	if (!s)
		return;
	if (alloc)
		s->rmap_allocs++;
	else if (type == KSM_EV_RMAP_ITEM_FREE)
		s->rmap_frees++;
	else
		s->drops++;
}

/* The per-mm and per-NUMA-node counts, one handler per event. */

static __always_inline void agg_stop_scan(void)
{
	if (check && check_full)	/* I6's leftovers only */
		__sync_fetch_and_add(&scans_done, 1);
}

/* ksm_page pfn rmap_item mm err */
static __always_inline void agg_merge_with_ksm_page(__u64 *ctx, int type,
						    int nargs)
{
	bool ok = !(int)ctx[4];
	struct ksm_mm_stats *s = mm_acc(ctx, type, nargs, ctx[3], true, ok);

	if (!ok)
		count(KSM_CNT_MERGE_FAIL);
	if (s && ok)
		s->merges++;
	else if (s)
		s->merge_fails++;
}

/* pfn rmap_item mm */
static __always_inline void agg_remove_rmap_item(__u64 *ctx, int type,
						 int nargs)
{
	unmerge(ctx, type, nargs, ctx[2], true);
}

/* rmap_item node mm ... */
static __always_inline void agg_remove_rmap_item_from_tree(__u64 *ctx,
							   int type, int nargs)
{
	count(ctx[1] ? KSM_CNT_STABLE_OUT : KSM_CNT_UNSTABLE_OUT);
	if (ctx[1])
		unmerge(ctx, type, nargs, ctx[2], false);
}

/* rmap_item mm address pfn nid */
static __always_inline void agg_unstable_tree_insert(__u64 *ctx, int type,
						     int nargs)
{
	struct ksm_mm_stats *s = mm_acc(ctx, type, nargs, ctx[1], true, false);

	if (s)
		s->unstable_inserts++;
}

/* node rmap_item mm ... */
static __always_inline void agg_stable_tree_append(__u64 *ctx, int type,
						   int nargs)
{
	struct ksm_mm_stats *s = mm_acc(ctx, type, nargs, ctx[2], true, false);

	if (s)
		s->appends++;
}

/* mm */
static __always_inline void agg_exit(__u64 *ctx)
{
	__u64 mm = ctx[0];

	/* every CPU's pending counts are re-checked after an exit */
	__sync_fetch_and_add(&exits_seen, 1);
	bpf_map_delete_elem(&mm_stats, &mm);
}

static __always_inline void nid_add(__u64 nid, int field)
{
	struct ksm_nid_stats *n = nid_get(nid);

	if (!n)
		return;
	if (field == 0)
		__sync_fetch_and_add(&n->stable_inserts, 1);
	else if (field == 1)
		__sync_fetch_and_add(&n->migrate_in, 1);
	else if (field == 2)
		__sync_fetch_and_add(&n->migrate_out, 1);
	else
		__sync_fetch_and_add(&n->purges, 1);
}

static __always_inline void aggregate(__u64 *ctx, int type, int nargs)
{
	switch (type) {
	case KSM_EV_STOP_SCAN:
		agg_stop_scan();
		break;
	case KSM_EV_MERGE_WITH_KSM_PAGE:
		agg_merge_with_ksm_page(ctx, type, nargs);
		break;
	case KSM_EV_REMOVE_RMAP_ITEM:
		agg_remove_rmap_item(ctx, type, nargs);
		break;
	case KSM_EV_REMOVE_RMAP_ITEM_FROM_TREE:
		agg_remove_rmap_item_from_tree(ctx, type, nargs);
		break;
	case KSM_EV_UNSTABLE_TREE_INSERT:
		agg_unstable_tree_insert(ctx, type, nargs);
		break;
	case KSM_EV_STABLE_TREE_APPEND:
		agg_stable_tree_append(ctx, type, nargs);
		break;
	case KSM_EV_EXIT:
		agg_exit(ctx);
		break;
	case KSM_EV_ENTER:
		agg_enter(ctx, type, nargs);
		break;
	case KSM_EV_RMAP_ITEM_ALLOC:
	case KSM_EV_RMAP_ITEM_FREE:
	case KSM_EV_DROP_RMAP_ITEM:
		agg_rmap_item(ctx, type, nargs);
		break;
	case KSM_EV_STABLE_TREE_INSERT:		/* node chain kpfn nid role */
		nid_add(ctx[3], 0);
		break;
	case KSM_EV_MIGRATE_PAGE:	/* node old_pfn new_pfn old_nid new_nid */
		nid_add(ctx[3], 2);
		nid_add(ctx[4], 1);
		break;
	case KSM_EV_PURGE:			/* node pfn nid mm cause */
		nid_add(ctx[2], 3);
		break;
	}
}

static __always_inline int on_event(__u64 *ctx, int type, int nargs)
{
	count(type);
	/* first: ksm_exit marks the mm exited before its stats go */
	if (check)
		check_event(ctx, type, nargs);
	aggregate(ctx, type, nargs);
	if ((stream_mask & (1ULL << type)) &&
	    passes_filters(ctx, type, nargs))
		stream(ctx, type, nargs);
	return 0;
}

/* tp_btf and raw_tp see the same u64 argument array */
#define KSM_TP(name, type, nargs)					\
SEC("tp_btf/" #name)							\
int btf_##name(__u64 *ctx)						\
{									\
	note_stack(ctx);						\
	return on_event(ctx, type, nargs);				\
}									\
SEC("raw_tp/" #name)							\
int raw_##name(__u64 *ctx)						\
{									\
	note_stack(ctx);						\
	return on_event(ctx, type, nargs);				\
}

#define KSM_EVENT(id, name, origin, help, ...)				\
	KSM_TP(name, KSM_EV_##id, KSM_EV_NARGS(__VA_ARGS__))
#include "ksm_events.def"

/* the probe tier: the same events, made from KSM's functions */
#include "ksm_probes.h"

/*
 * mm_struct -> process: ksmd merges on behalf of mms, so the events name
 * mm pointers; this iterator says which thread group owns each mm that
 * mm_stats knows about.
 */
SEC("iter/task")
int ksm_tasks(struct bpf_iter__task *ctx)
{
	struct task_struct *task = ctx->task;
	struct ksm_task_rec rec = {};

	if (!task || task->pid != task->tgid || !task->mm)
		return 0;
	rec.mm = (__u64)task->mm;
	if (!iter_all && !bpf_map_lookup_elem(&mm_stats, &rec.mm))
		return 0;
	rec.tgid = task->tgid;
	BPF_CORE_READ_STR_INTO(&rec.comm, task, comm);
	bpf_seq_write(ctx->meta->seq, &rec, sizeof(rec));
	return 0;
}

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
#include "ksm_events.h"

char LICENSE[] SEC("license") = "GPL";

/* set by user space before load */
const volatile __u64 stream_mask;

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
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, KSM_MAX_NIDS);
	__type(key, __u32);
	__type(value, struct ksm_nid_stats);
} nid_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);
} events SEC(".maps");

static __always_inline void count(__u32 slot)
{
	__u64 *v = bpf_map_lookup_elem(&counters, &slot);

	if (v)
		*v += 1;
}

/* create: only events that need a live mm may add an entry */
static __always_inline struct ksm_mm_stats *mm_get(__u64 mm, bool create)
{
	static const struct ksm_mm_stats zero;
	struct ksm_mm_stats *s;

	if (!mm)
		return NULL;
	s = bpf_map_lookup_elem(&mm_stats, &mm);
	if (s || !create)
		return s;
	bpf_map_update_elem(&mm_stats, &mm, &zero, BPF_NOEXIST);
	return bpf_map_lookup_elem(&mm_stats, &mm);
}

static __always_inline struct ksm_nid_stats *nid_get(__u64 nid)
{
	__u32 key = (__u32)nid;

	return bpf_map_lookup_elem(&nid_stats, &key);
}

static __always_inline void unmerge(__u64 mm, bool dropped)
{
	struct ksm_mm_stats *s = mm_get(mm, false);

	count(KSM_CNT_UNMERGE);
	if (!s)
		return;
	__sync_fetch_and_add(&s->unmerges, 1);
	if (dropped)
		__sync_fetch_and_add(&s->dropped, 1);
}

static __always_inline void aggregate(__u64 *ctx, int type)
{
	struct ksm_mm_stats *s;
	struct ksm_nid_stats *n;

	switch (type) {
	case KSM_EV_MERGE_WITH_KSM_PAGE:	/* ksm_page pfn rmap_item mm err */
		s = mm_get(ctx[3], true);
		if ((int)ctx[4] == 0) {
			count(KSM_CNT_MERGE_OK);
			if (s)
				__sync_fetch_and_add(&s->merges, 1);
		} else {
			count(KSM_CNT_MERGE_FAIL);
			if (s)
				__sync_fetch_and_add(&s->merge_fails, 1);
		}
		break;
	case KSM_EV_REMOVE_RMAP_ITEM:		/* pfn rmap_item mm */
		unmerge(ctx[2], true);
		break;
	case KSM_EV_REMOVE_RMAP_ITEM_FROM_TREE:	/* rmap_item node mm ... */
		if (ctx[1])
			unmerge(ctx[2], false);
		break;
	case KSM_EV_UNSTABLE_TREE_INSERT:	/* rmap_item mm address pfn nid */
		s = mm_get(ctx[1], true);
		if (s)
			__sync_fetch_and_add(&s->unstable_inserts, 1);
		break;
	case KSM_EV_STABLE_TREE_APPEND:		/* node rmap_item mm ... */
		s = mm_get(ctx[2], true);
		if (s)
			__sync_fetch_and_add(&s->appends, 1);
		break;
	case KSM_EV_EXIT: {			/* mm */
		__u64 mm = ctx[0];

		bpf_map_delete_elem(&mm_stats, &mm);
		break;
	}
	case KSM_EV_STABLE_TREE_INSERT:		/* node chain kpfn nid role */
		n = nid_get(ctx[3]);
		if (n)
			__sync_fetch_and_add(&n->stable_inserts, 1);
		break;
	case KSM_EV_MIGRATE_PAGE:	/* node old_pfn new_pfn old_nid new_nid */
		n = nid_get(ctx[3]);
		if (n)
			__sync_fetch_and_add(&n->migrate_out, 1);
		n = nid_get(ctx[4]);
		if (n)
			__sync_fetch_and_add(&n->migrate_in, 1);
		break;
	case KSM_EV_PURGE:			/* node pfn nid mm cause */
		n = nid_get(ctx[2]);
		if (n)
			__sync_fetch_and_add(&n->purges, 1);
		break;
	}
}

static __always_inline int on_event(__u64 *ctx, int type, int nargs)
{
	struct ksm_event *e;
	__u64 id;
	int i;

	count(type);
	aggregate(ctx, type);
	if (!(stream_mask & (1ULL << type)))
		return 0;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count(KSM_CNT_LOST);
		return 0;
	}
	id = bpf_get_current_pid_tgid();
	e->ts_ns = bpf_ktime_get_ns();
	e->cpu = bpf_get_smp_processor_id();
	e->pid = (__u32)id;
	e->tgid = id >> 32;
	e->type = type;
	e->nargs = nargs;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
#pragma unroll
	for (i = 0; i < KSM_EV_MAX_ARGS; i++)
		e->args[i] = i < nargs ? ctx[i] : 0;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

/* tp_btf and raw_tp see the same u64 argument array */
#define KSM_TP(name, type, nargs)					\
SEC("tp_btf/" #name)							\
int btf_##name(__u64 *ctx) { return on_event(ctx, type, nargs); }	\
SEC("raw_tp/" #name)							\
int raw_##name(__u64 *ctx) { return on_event(ctx, type, nargs); }

KSM_TP(ksm_start_scan,			KSM_EV_START_SCAN, 2)
KSM_TP(ksm_stop_scan,			KSM_EV_STOP_SCAN, 2)
KSM_TP(ksm_enter,			KSM_EV_ENTER, 1)
KSM_TP(ksm_exit,			KSM_EV_EXIT, 1)
KSM_TP(ksm_merge_one_page,		KSM_EV_MERGE_ONE_PAGE, 4)
KSM_TP(ksm_merge_with_ksm_page,		KSM_EV_MERGE_WITH_KSM_PAGE, 5)
KSM_TP(ksm_remove_ksm_page,		KSM_EV_REMOVE_KSM_PAGE, 1)
KSM_TP(ksm_remove_rmap_item,		KSM_EV_REMOVE_RMAP_ITEM, 3)
KSM_TP(ksm_advisor,			KSM_EV_ADVISOR, 3)
KSM_TP(ksm_stable_tree_insert,		KSM_EV_STABLE_TREE_INSERT, 5)
KSM_TP(ksm_unstable_tree_insert,	KSM_EV_UNSTABLE_TREE_INSERT, 5)
KSM_TP(ksm_stable_tree_append,		KSM_EV_STABLE_TREE_APPEND, 7)
KSM_TP(ksm_remove_rmap_item_from_tree,	KSM_EV_REMOVE_RMAP_ITEM_FROM_TREE, 6)
KSM_TP(ksm_stale_node,			KSM_EV_STALE_NODE, 3)
KSM_TP(ksm_get_ksm_page_retry,		KSM_EV_GET_KSM_PAGE_RETRY, 4)
KSM_TP(ksm_migrate_page,		KSM_EV_MIGRATE_PAGE, 5)
KSM_TP(ksm_rmap_walk,			KSM_EV_RMAP_WALK, 6)
KSM_TP(ksm_purge,			KSM_EV_PURGE, 5)

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
	if (!bpf_map_lookup_elem(&mm_stats, &rec.mm))
		return 0;
	rec.tgid = task->tgid;
	BPF_CORE_READ_STR_INTO(&rec.comm, task, comm);
	bpf_seq_write(ctx->meta->seq, &rec, sizeof(rec));
	return 0;
}

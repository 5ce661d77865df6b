/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ksm_probes.h - the probe tier: on a kernel without the ksmscope series
 * (or without the upstream tracepoints), kprobes on KSM's out-of-line
 * functions make the same events the tracepoints would, with the same
 * arguments where the functions allow it.  Included by bpf/ksm.bpf.c; the
 * functions are resolved, their signatures and fields checked, and the
 * programs chosen by tools/lib/ksm_probes.c.
 *
 * kprobes, not fentry: removing a BPF trampoline waits for an RCU Tasks
 * grace period, which ksmd at sleep_millisecs 0 holds up on preemptible
 * kernels (docs/kernels.md); a kprobe waits for nothing of the kind.
 *
 * An event is made here only if it is in probe_mask (fixed at load: the
 * events user space chose to take from probes) and in probe_on (set once
 * every function it needs is attached).  What a function cannot tell
 * (which check of get_ksm_page failed, how many VMAs a walk visited) is
 * KSM_TP_UNKNOWN or -1, never a guess.
 */

const volatile __u64 probe_mask;	/* events taken from probes */
__u64 probe_on;				/* ... whose functions all attached */

/* kallsyms, resolved by user space before load; 0: unknown */
const volatile __u64 vmemmap_addr;	/* &vmemmap_base */
const volatile __u64 dup_head;		/* STABLE_NODE_DUP_HEAD */
/* text ranges of remove_node_from_stable_tree()'s callers */
const volatile __u64 stale_lo, stale_hi;	/* get_ksm_page / ksm_get_folio */
const volatile __u64 purge_lo[2], purge_hi[2];	/* remove_stable_node,
						 * remove_all_stable_nodes */
const volatile __u64 hot_lo, hot_hi;		/* ksm_memory_callback */
/* page->flags >> nid_shift is the NUMA node; 0: no NUMA; 64: unknown */
const volatile __u32 nid_shift;

__u64 vmemmap;				/* vmemmap_base, read once */

#define KSM_STABLE_FLAG 0x200
#define KSM_PAGE_MASK (~0xfffUL)
#define KSM_MAPPING_FLAGS 3UL		/* PAGE_MAPPING_ANON | _MOVABLE */
#define KSM_MAPPING_KSM 3UL

/* What a function's entry leaves for its return, per thread. */
struct ksm_pctx {
	/* try_to_merge_with_ksm_page(rmap_item, page, kpage) */
	__u64 tm_item, tm_mm, tm_pfn, tm_kpage;
	/* try_to_merge_one_page(vma, page, kpage) */
	__u64 mo_mm, mo_pfn;
	/* remove_rmap_item_from_tree(rmap_item), a stable one */
	__u64 rr_item, rr_node, rr_mm, rr_addr, rr_kpfn;
	__s64 rr_len;
	/* folio_migrate_ksm(newfolio, folio) */
	__u64 mg_node, mg_old, mg_new;
	__s64 mg_onid, mg_nnid;
	/* __ksm_enter(mm), __ksm_exit(mm), alloc_stable_node_chain(dup) */
	__u64 en_mm, ex_mm, ch_kpfn;
	__s64 ch_nid;
	__u8 tm_on, tm_done, mo_on, rr_on, rr_gone, mg_on, ch_on, pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 1);		/* user space sizes it for probes */
	__type(key, __u32);
	__type(value, struct ksm_pctx);
} pctx SEC(".maps");

static __always_inline struct ksm_pctx *pctx_get(bool create)
{
	static const struct ksm_pctx zero;
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct ksm_pctx *p = bpf_map_lookup_elem(&pctx, &tid);

	if (p || !create)
		return p;
	bpf_map_update_elem(&pctx, &tid, &zero, BPF_NOEXIST);
	return bpf_map_lookup_elem(&pctx, &tid);
}

static __always_inline bool probe_wants(int type)
{
	return (probe_mask >> type & 1) && (probe_on >> type & 1);
}

/*
 * One event made by a probe: like a tracepoint's, through on_event().
 * EMIT_ keeps the stack the program noted already.
 */
#define EMIT_(type, ...) do {						\
	__u64 a_[KSM_EV_MAX_ARGS] = { __VA_ARGS__ };			\
									\
	if (probe_wants(type))						\
		on_event(a_, type, KSM_EV_NARGS(__VA_ARGS__));		\
} while (0)
#define EMIT(regs, type, ...) do {					\
	if (probe_wants(type))						\
		note_stack(regs);					\
	EMIT_(type, __VA_ARGS__);					\
} while (0)

static __always_inline __u64 pfn_of(__u64 page)
{
	/* no vmemmap_base (no randomized memory layout): the fixed one */
	if (!vmemmap && vmemmap_addr)
		bpf_probe_read_kernel(&vmemmap, sizeof(vmemmap),
				      (void *)vmemmap_addr);
	else if (!vmemmap)
		vmemmap = 0xffffea0000000000ULL;
	if (!page || !vmemmap || page < vmemmap)
		return 0;
	return (page - vmemmap) / bpf_core_type_size(struct page);
}

static __always_inline __s64 nid_of(__u64 page)
{
	if (!nid_shift)
		return 0;
	if (nid_shift >= 64 || !page)
		return -1;
	return BPF_CORE_READ((struct page *)page, flags) >> nid_shift;
}

/* folio_stable_node(): the node of a KSM folio, else 0 */
static __always_inline __u64 stable_node_of(__u64 folio)
{
	__u64 m = (__u64)BPF_CORE_READ((struct folio *)folio, mapping);

	return (m & KSM_MAPPING_FLAGS) == KSM_MAPPING_KSM ?
	       m & ~KSM_MAPPING_FLAGS : 0;
}

static __always_inline __s64 node_nid(__u64 node)
{
	if (!bpf_core_field_exists(struct ksm_stable_node, nid))
		return 0;
	return BPF_CORE_READ((struct ksm_stable_node *)node, nid);
}

static __always_inline bool in(__u64 ra, __u64 lo, __u64 hi)
{
	return lo && ra >= lo && ra < hi;
}

/* ---- merges: under the mmap lock, as the series emits them ---- */

SEC("kprobe")
int kp_try_to_merge_with_ksm_page(struct pt_regs *regs)
{
	struct ksm_rmap_item *item = (void *)regs->di;
	struct ksm_pctx *p = pctx_get(true);
	__u64 page = regs->si, kpage = regs->dx;

	if (!p)
		return 0;
	p->tm_item = (__u64)item;
	p->tm_mm = (__u64)BPF_CORE_READ(item, mm);
	p->tm_kpage = kpage;
	p->tm_pfn = pfn_of(kpage ? kpage : page);
	p->tm_on = 1;
	p->tm_done = 0;
	return 0;
}

/* no try_to_merge_one_page() came: the vma was gone (-EFAULT) */
SEC("kretprobe")
int kr_try_to_merge_with_ksm_page(struct pt_regs *regs)
{
	struct ksm_pctx *p = pctx_get(false);

	if (!p || !p->tm_on)
		return 0;
	p->tm_on = 0;
	if (!p->tm_done)
		EMIT(regs, KSM_EV_MERGE_WITH_KSM_PAGE, p->tm_kpage, p->tm_pfn,
		     p->tm_item, p->tm_mm, (__s64)(int)regs->ax);
	return 0;
}

SEC("kprobe")
int kp_try_to_merge_one_page(struct pt_regs *regs)
{
	struct vm_area_struct *vma = (void *)regs->di;
	struct ksm_pctx *p = pctx_get(true);
	__u64 page = regs->si, kpage = regs->dx;

	if (!p)
		return 0;
	p->mo_mm = (__u64)BPF_CORE_READ(vma, vm_mm);
	p->mo_pfn = pfn_of(kpage ? kpage : page);
	p->mo_on = 1;
	return 0;
}

/*
 * Inside try_to_merge_with_ksm_page(): its result, still under the mmap
 * lock.  Else the zero-page merge of cmp_and_merge_page(), which names no
 * rmap_item.
 */
SEC("kretprobe")
int kr_try_to_merge_one_page(struct pt_regs *regs)
{
	struct ksm_pctx *p = pctx_get(false);
	__s64 err = (int)regs->ax;

	if (!p || !p->mo_on)
		return 0;
	p->mo_on = 0;
	if (p->tm_on && !p->tm_done) {
		p->tm_done = 1;
		EMIT(regs, KSM_EV_MERGE_WITH_KSM_PAGE, p->tm_kpage, p->tm_pfn,
		     p->tm_item, p->tm_mm, err);
	} else if (!p->tm_on) {
		EMIT(regs, KSM_EV_MERGE_ONE_PAGE, p->mo_pfn, 0, p->mo_mm, err);
	}
	return 0;
}

/* ---- rmap_items joining and leaving stable nodes ---- */

SEC("kprobe")
int kp_stable_tree_append(struct pt_regs *regs)
{
	struct ksm_rmap_item *item = (void *)regs->di;
	struct ksm_stable_node *node = (void *)regs->si;
	__u64 kpfn = BPF_CORE_READ(node, kpfn), n = (__u64)node;
	__s64 len = BPF_CORE_READ(node, rmap_hlist_len);

	/* a node's first rmap_item: it was just inserted (or a dup made) */
	if (!BPF_CORE_READ(node, hlist.first)) {
		__u64 role = dup_head &&
			     (__u64)BPF_CORE_READ(node, head) == dup_head ?
			     KSM_TP_NODE_ROLE_DUP : KSM_TP_NODE_ROLE_PLAIN;

		EMIT(regs, KSM_EV_STABLE_TREE_INSERT, n, 0, kpfn, node_nid(n),
		     role);
	}
	EMIT(regs, KSM_EV_STABLE_TREE_APPEND, n, (__u64)item,
	     (__u64)BPF_CORE_READ(item, mm),
	     BPF_CORE_READ(item, address) & KSM_PAGE_MASK,
	     (__u64)BPF_CORE_READ(item, anon_vma), kpfn, len + 1);
	return 0;
}

SEC("kprobe")
int kp_alloc_stable_node_chain(struct pt_regs *regs)
{
	struct ksm_stable_node *dup = (void *)regs->di;
	struct ksm_pctx *p = pctx_get(true);

	if (!p)
		return 0;
	p->ch_kpfn = BPF_CORE_READ(dup, kpfn);
	p->ch_nid = node_nid((__u64)dup);
	p->ch_on = 1;
	return 0;
}

SEC("kretprobe")
int kr_alloc_stable_node_chain(struct pt_regs *regs)
{
	struct ksm_pctx *p = pctx_get(false);

	if (!p || !p->ch_on)
		return 0;
	p->ch_on = 0;
	if (regs->ax)
		EMIT(regs, KSM_EV_STABLE_TREE_INSERT, regs->ax, 0, p->ch_kpfn,
		     p->ch_nid, KSM_TP_NODE_ROLE_CHAIN);
	return 0;
}

/*
 * Only stable rmap_items: the unstable tree's inserts are inlined
 * everywhere, so their removals would be half a story.  Made at return,
 * after hlist_del(): if get_ksm_page() found the node stale instead, the
 * node's removal dropped the item and no removal of it is made here.
 */
SEC("kprobe")
int kp_remove_rmap_item_from_tree(struct pt_regs *regs)
{
	struct ksm_rmap_item *item = (void *)regs->di;
	__u64 addr = BPF_CORE_READ(item, address);
	struct ksm_stable_node *node;
	struct ksm_pctx *p;

	if (!(addr & KSM_STABLE_FLAG))
		return 0;
	p = pctx_get(true);
	if (!p)
		return 0;
	node = BPF_CORE_READ(item, head);
	p->rr_item = (__u64)item;
	p->rr_node = (__u64)node;
	p->rr_mm = (__u64)BPF_CORE_READ(item, mm);
	p->rr_addr = addr & KSM_PAGE_MASK;
	p->rr_kpfn = BPF_CORE_READ(node, kpfn);
	p->rr_len = BPF_CORE_READ(node, rmap_hlist_len);
	p->rr_on = 1;
	p->rr_gone = 0;
	return 0;
}

SEC("kretprobe")
int kr_remove_rmap_item_from_tree(struct pt_regs *regs)
{
	struct ksm_pctx *p = pctx_get(false);

	if (!p || !p->rr_on)
		return 0;
	p->rr_on = 0;
	if (!p->rr_gone)
		EMIT(regs, KSM_EV_REMOVE_RMAP_ITEM_FROM_TREE, p->rr_item,
		     p->rr_node, p->rr_mm, p->rr_addr, p->rr_kpfn,
		     p->rr_len - 1);
	return 0;
}

/* ---- stable nodes removed, with the caller that removed them ---- */

struct rmi_walk {
	__u64 pos;		/* struct hlist_node * of the next rmap_item */
	__u64 node;
	__u64 kpfn;
};

/*
 * The node's rmap_items: upstream's ksm_remove_rmap_item for every one but
 * the last, the series' ksm_drop_rmap_item for all.
 */
static long rmi_step(__u32 i, void *data)
{
	struct rmi_walk *w = data;
	struct hlist_node *h = (void *)w->pos;
	__u64 next, item, mm;

	if (!h)
		return 1;
	next = (__u64)BPF_CORE_READ(h, next);
	item = w->pos - bpf_core_field_offset(struct ksm_rmap_item, hlist);
	mm = (__u64)BPF_CORE_READ((struct ksm_rmap_item *)item, mm);
	if (next)
		EMIT_(KSM_EV_REMOVE_RMAP_ITEM, w->kpfn, item, mm);
	EMIT_(KSM_EV_DROP_RMAP_ITEM, w->node, item, mm, w->kpfn);
	w->pos = next;
	return next ? 0 : 1;
}

SEC("kprobe")
int kp_remove_node_from_stable_tree(struct pt_regs *regs)
{
	struct ksm_stable_node *node = (void *)regs->di;
	__u64 n = (__u64)node, kpfn = BPF_CORE_READ(node, kpfn), ra = 0;
	struct ksm_pctx *p = pctx_get(false);
	struct rmi_walk w = {};

	/* the return address: which function is removing it */
	bpf_probe_read_kernel(&ra, sizeof(ra), (void *)regs->sp);
	if (p && p->rr_on && p->rr_node == n)
		p->rr_gone = 1;
	if (in(ra, stale_lo, stale_hi))
		EMIT(regs, KSM_EV_STALE_NODE, n, kpfn, KSM_TP_UNKNOWN);
	else if (in(ra, purge_lo[0], purge_hi[0]) ||
		 in(ra, purge_lo[1], purge_hi[1]))
		EMIT(regs, KSM_EV_PURGE, n, kpfn, node_nid(n), 0,
		     KSM_TP_PURGE_CAUSE_REMOVE_ALL);
	else
		EMIT(regs, KSM_EV_PURGE, n, kpfn, node_nid(n), 0,
		     in(ra, hot_lo, hot_hi) ? KSM_TP_PURGE_CAUSE_HOTREMOVE :
		     KSM_TP_UNKNOWN);
	if (probe_wants(KSM_EV_REMOVE_RMAP_ITEM) ||
	    probe_wants(KSM_EV_DROP_RMAP_ITEM)) {
		w.pos = (__u64)BPF_CORE_READ(node, hlist.first);
		w.node = n;
		w.kpfn = kpfn;
		note_stack(regs);
		bpf_loop(1 << 16, rmi_step, &w, 0);
	}
	EMIT(regs, KSM_EV_REMOVE_KSM_PAGE, kpfn);
	return 0;
}

/* ---- migration, rmap walks, unmerging, mms entering and leaving ---- */

SEC("kprobe")
int kp_folio_migrate_ksm(struct pt_regs *regs)
{
	__u64 newf = regs->di, old = regs->si, node = stable_node_of(old);
	struct ksm_pctx *p;

	if (!node)
		return 0;
	p = pctx_get(true);
	if (!p)
		return 0;
	p->mg_node = node;
	p->mg_old = pfn_of(old);
	p->mg_new = pfn_of(newf);
	p->mg_onid = nid_of(old);
	p->mg_nnid = nid_of(newf);
	p->mg_on = 1;
	return 0;
}

/* after the node's kpfn was updated, like the series' event */
SEC("kretprobe")
int kr_folio_migrate_ksm(struct pt_regs *regs)
{
	struct ksm_pctx *p = pctx_get(false);

	if (!p || !p->mg_on)
		return 0;
	p->mg_on = 0;
	EMIT(regs, KSM_EV_MIGRATE_PAGE, p->mg_node, p->mg_old, p->mg_new,
	     p->mg_onid, p->mg_nnid);
	return 0;
}

/* one event per call: the passes, VMAs and how it ended are not known */
SEC("kprobe")
int kp_rmap_walk_ksm(struct pt_regs *regs)
{
	__u64 folio = regs->di, node = stable_node_of(folio);

	if (!node)
		return 0;
	EMIT(regs, KSM_EV_RMAP_WALK, node, pfn_of(folio), -1,
	     BPF_CORE_READ((struct ksm_stable_node *)node, rmap_hlist_len),
	     -1, KSM_TP_UNKNOWN);
	return 0;
}

SEC("kprobe")
int kp_break_ksm(struct pt_regs *regs)
{
	struct vm_area_struct *vma = (void *)regs->di;

	EMIT(regs, KSM_EV_BREAK_KSM, (__u64)BPF_CORE_READ(vma, vm_mm),
	     regs->si);
	return 0;
}

SEC("kprobe")
int kp___ksm_enter(struct pt_regs *regs)
{
	struct ksm_pctx *p = pctx_get(true);

	if (p)
		p->en_mm = regs->di;
	return 0;
}

/* like ksm_enter, only once it succeeded */
SEC("kretprobe")
int kr___ksm_enter(struct pt_regs *regs)
{
	struct ksm_pctx *p = pctx_get(false);

	if (!p || !p->en_mm)
		return 0;
	if (!(int)regs->ax)
		EMIT(regs, KSM_EV_ENTER, p->en_mm);
	p->en_mm = 0;
	return 0;
}

SEC("kprobe")
int kp___ksm_exit(struct pt_regs *regs)
{
	struct ksm_pctx *p = pctx_get(true);

	if (p)
		p->ex_mm = regs->di;
	return 0;
}

/* like ksm_exit: after __ksm_exit() took and dropped the mmap lock */
SEC("kretprobe")
int kr___ksm_exit(struct pt_regs *regs)
{
	struct ksm_pctx *p = pctx_get(false);

	if (!p || !p->ex_mm)
		return 0;
	EMIT(regs, KSM_EV_EXIT, p->ex_mm);
	p->ex_mm = 0;
	return 0;
}

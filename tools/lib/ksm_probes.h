/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ksm_probes.h - the probe tier: which events a kernel without the series
 * lets bpf/ksm_probes.h make from kprobes on KSM's out-of-line functions,
 * resolved at run time (kallsyms, BTF), and attaching them.
 */
#ifndef KSMSCOPE_KSM_PROBES_H
#define KSMSCOPE_KSM_PROBES_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "ksm_records.h"

/* KSM's functions the probes use: attached, or only their text range */
enum ksm_kfn {
	KFN_MERGE_WITH,		/* try_to_merge_with_ksm_page */
	KFN_MERGE_ONE,		/* try_to_merge_one_page */
	KFN_APPEND,		/* stable_tree_append */
	KFN_CHAIN,		/* alloc_stable_node_chain */
	KFN_RMTREE,		/* remove_rmap_item_from_tree */
	KFN_RMNODE,		/* remove_node_from_stable_tree */
	KFN_MIGRATE,		/* folio_migrate_ksm */
	KFN_WALK,		/* rmap_walk_ksm */
	KFN_BREAK,		/* break_ksm */
	KFN_ENTER,		/* __ksm_enter */
	KFN_EXIT,		/* __ksm_exit */
	KFN_FIRST_RANGE,
	KFN_GET = KFN_FIRST_RANGE,	/* get_ksm_page / ksm_get_folio */
	KFN_RSN,		/* remove_stable_node */
	KFN_RASN,		/* remove_all_stable_nodes */
	KFN_HOT,		/* ksm_memory_callback */
	KFN_NR
};

struct ksm_kfn_state {
	char sym[128];		/* as in kallsyms ("" if not found) */
	__u64 lo, hi;		/* its text */
	const char *why;	/* NULL: usable; else why not (one phrase) */
	int attach_err;		/* errno of a failed attach */
};

struct ksm_probes {
	bool kprobes;		/* the kprobe PMU exists */
	const char *why_none;	/* no probe at all: why */
	__u64 want;		/* events the probes would make */
	__u64 mask;		/* ... chosen (no tracepoint does it better) */
	__u64 on;		/* ... whose functions all attached */
	struct ksm_kfn_state fn[KFN_NR];
	const char *absent[KSM_EV_NR];	/* why an event has no probe */
	__u64 vmemmap_addr, dup_head, seqnr_addr;
	__u32 nid_shift;
	int n_links;
	struct bpf_link *links[2 * KFN_FIRST_RANGE];
};

/* the KFN_* an event's probes need, all of them */
extern const __u32 ksm_probe_needs[KSM_EV_NR];
/* the function's name (the first candidate), for people */
const char *ksm_kfn_name(int fn);

/*
 * Plan from kallsyms text (a /proc/kallsyms path; NULL: the real one)
 * and kernel BTF: which events probes can make.  present[] are the
 * tracepoints the kernel has, series: it has the ksmscope series (then
 * no probe is needed).  Fills p; never fails (p->why_none says why not).
 */
struct btf;
void ksm_probes_plan(struct ksm_probes *p, const char *kallsyms,
		     const struct btf *btf, const bool *present, bool series);

struct ksm_skel;
/* Before load: rodata, autoload of the programs p->mask needs. */
void ksm_probes_prepare(const struct ksm_probes *p, struct ksm_skel *s);
/* After load: attach; p->on is what works.  Returns attached links. */
int ksm_probes_attach(struct ksm_probes *p, struct ksm_skel *s);
void ksm_probes_detach(struct ksm_probes *p);
/* run time and count of the probe programs attached */
void ksm_probes_runtime(const struct ksm_probes *p, struct ksm_skel *s,
			__u64 *run_ns, __u64 *run_cnt);

#endif

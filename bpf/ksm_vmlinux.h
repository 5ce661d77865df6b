/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ksm_vmlinux.h - the few kernel types bpf/ksm.bpf.c touches, described
 * with preserve_access_index so CO-RE relocates each field access against
 * the running kernel's BTF.  Nothing here comes from the build machine's
 * kernel: the KSM tracepoints take only scalars and opaque pointers, the
 * task iterator reads four fields of task_struct, and the probe tier
 * (bpf/ksm_probes.h) reads the fields below of mm/ksm.c's structures,
 * each checked in the running kernel's BTF before its program is loaded
 * (tools/lib/ksm_probes.c).
 */
#ifndef KSMSCOPE_KSM_VMLINUX_H
#define KSMSCOPE_KSM_VMLINUX_H

#include <linux/types.h>
#include <linux/bpf.h>
#include <stdbool.h>

struct mm_struct;
struct seq_file;
struct anon_vma;
struct address_space;

#define KSM__CORE __attribute__((preserve_access_index))

struct list_head {
	struct list_head *next, *prev;
} KSM__CORE;

struct hlist_node {
	struct hlist_node *next, **pprev;
} KSM__CORE;

struct hlist_head {
	struct hlist_node *first;
} KSM__CORE;

/* mm/ksm.c (6.1: renamed from stable_node and rmap_item) */
struct ksm_stable_node {
	struct list_head *head;
	struct hlist_head hlist;
	unsigned long kpfn;
	int rmap_hlist_len;
	int nid;		/* CONFIG_NUMA */
} KSM__CORE;

struct ksm_rmap_item {
	struct anon_vma *anon_vma;
	struct mm_struct *mm;
	unsigned long address;
	struct ksm_stable_node *head;
	struct hlist_node hlist;
} KSM__CORE;

struct ksm_scan {
	unsigned long seqnr;
} KSM__CORE;

struct vm_area_struct {
	struct mm_struct *vm_mm;
} KSM__CORE;

/* only its size (page_to_pfn) and flags (page_to_nid) */
struct page {
	unsigned long flags;
} KSM__CORE;

struct folio {
	unsigned long flags;
	struct address_space *mapping;
} KSM__CORE;

/* the kprobe context on x86_64: fixed layout, read directly */
struct pt_regs {
	unsigned long r15, r14, r13, r12, bp, bx, r11, r10, r9, r8;
	unsigned long ax, cx, dx, si, di, orig_ax, ip, cs, flags, sp, ss;
};

struct task_struct {
	int pid;
	int tgid;
	struct mm_struct *mm;
	char comm[16];
} __attribute__((preserve_access_index));

struct bpf_iter_meta {
	struct seq_file *seq;
	__u64 session_id;
	__u64 seq_num;
} __attribute__((preserve_access_index));

struct bpf_iter__task {
	struct bpf_iter_meta *meta;
	struct task_struct *task;
} __attribute__((preserve_access_index));

#endif

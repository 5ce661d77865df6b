/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ksm_vmlinux.h - the few kernel types bpf/ksm.bpf.c touches, described
 * with preserve_access_index so CO-RE relocates each field access against
 * the running kernel's BTF.  Nothing here comes from the build machine's
 * kernel: the KSM tracepoints take only scalars and opaque pointers, and
 * the task iterator reads four fields of task_struct.
 */
#ifndef KSMSCOPE_KSM_VMLINUX_H
#define KSMSCOPE_KSM_VMLINUX_H

#include <linux/types.h>
#include <linux/bpf.h>
#include <stdbool.h>

struct mm_struct;
struct seq_file;

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

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ksm_bpf.h - find out what the running kernel offers, load and attach
 * bpf/ksm.bpf.c accordingly, and read its maps.
 */
#ifndef KSMSCOPE_KSM_BPF_H
#define KSMSCOPE_KSM_BPF_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "ksm_records.h"
#include "ksm_probes.h"

enum ksm_fidelity {
	KSM_FIDELITY_COUNTERS,	/* sysfs/procfs only */
	KSM_FIDELITY_UPSTREAM,	/* the upstream ksm:* tracepoints */
	KSM_FIDELITY_FULL,	/* plus every tracepoint of kernel/patches */
	KSM_FIDELITY_PROBES,	/* no tracepoint: probes (Debian's 6.1) */
	KSM_FIDELITY_UPSTREAM_PROBES,	/* upstream's and probes (6.12) */
};

/* where an event comes from */
enum ksm_source {
	KSM_SRC_NONE,
	KSM_SRC_TRACEPOINT,	/* its ksm:* tracepoint (tp_btf or raw_tp) */
	KSM_SRC_PROBE,		/* made by kprobes (bpf/ksm_probes.h) */
};
const char *ksm_source_name(enum ksm_source s);
const char *ksm_fidelity_name(enum ksm_fidelity f);

/* What probing found; filled by ksm_probe() without loading anything. */
struct ksm_probe {
	bool btf;			/* kernel BTF readable */
	bool present[KSM_EV_NR];	/* tracepoint exists */
	int fentry_err;			/* 0: fentry attaches; else errno */
	long rmap_item_size;		/* sizeof(struct ksm_rmap_item), BTF */
	char btf_path[256];
};

/*
 * Probe the kernel: BTF ($KSMSCOPE_BTF or /sys/kernel/btf/vmlinux),
 * tracepoints (btf_trace_<name>, else tracefs), fentry.  Returns 0, or
 * -errno when there is no BTF (msg says so).
 */
int ksm_probe(struct ksm_probe *p, char *msg, size_t len);

struct ksm_skel;
struct bpf_link;

struct ksm_bpf {
	struct ksm_probe probe;
	struct ksm_skel *skel;
	bool attached[KSM_EV_NR];	/* from a tracepoint or from probes */
	enum ksm_source src[KSM_EV_NR];
	int attach_err[KSM_EV_NR];	/* errno where a present one failed */
	struct ksm_probes probes;	/* the probe tier's plan and links */
	bool synthetic;			/* loaded for ksm_bpf_inject() only */
	bool scans_from_kernel;		/* full scans: ksm_scan.seqnr, read at
					 * ksm_exit (no ksm_stop_scan) */
	struct bpf_link *links[KSM_EV_NR];
	struct bpf_link *iter_link;	/* NULL: no mm -> pid mapping */
	const char *via;		/* "tp_btf" or "raw_tp", for people */
	bool raw;			/* attached as raw_tp (via "raw_tp") */
	int n_attached;
	int stats_fd;			/* BPF_ENABLE_STATS, -1 if refused */
	enum ksm_fidelity fidelity;
	__u64 filter_mm;		/* the mm filtered on (filter_tgid's) */
	char summary[4096];		/* the one line of what was attached */
	char why_none[512];		/* nothing attached: why ("" if some) */
};

struct ksm_bpf_opts {
	__u64 stream_mask;	/* event types for the ring buffer */
	bool verbose;		/* libbpf's messages to stderr */
	bool no_bpf;		/* counters only, load nothing */
	bool no_probes;		/* a short reading (--why): tracepoints
				 * only, no probe tier and no BPF_ENABLE_STATS
				 * (attaching kprobes, and patching kernel
				 * text, next to a busy ksmd oopsed Debian's
				 * kernels in our guests: docs/kernels.md) */
	bool check;		/* invariant checks in BPF (ksmtrace --check) */
	bool stack;		/* a kernel stack per streamed event */
	bool synthetic;		/* load every raw_tp program, attach none:
				 * events come from ksm_bpf_inject() (tests) */
	__u32 ringbuf_bytes;	/* ring buffer size (power of 2); 0: 4 MiB
				 * when streaming, else 256 KiB */
	const char *tool;	/* name in the summary line */
	/*
	 * Stream filters (0: off), in force before the first program is
	 * attached: events of that process (its mm, or in its context),
	 * naming that mm, page frame or stable node.
	 */
	__u32 filter_tgid;
	__u64 filter_mm, filter_pfn, filter_node;
};

/*
 * Probe, load and attach what this kernel allows.  Returns 0: b->summary
 * says what was attached and from where, and the fidelity; when nothing
 * could be (no BTF, nothing loads, nothing attaches), the fidelity is
 * counters and b->why_none says why.  msg: unused, kept for callers.
 */
int ksm_bpf_open(struct ksm_bpf *b, const struct ksm_bpf_opts *o, char *msg,
		 size_t len);
/* Detach and free everything; safe on a zeroed or half-opened struct. */
void ksm_bpf_close(struct ksm_bpf *b);

/* Sum of the per-CPU counters, out[KSM_CNT_NR]; 0 or -errno. */
int ksm_bpf_counters(const struct ksm_bpf *b, __u64 *out);

struct ksm_mm_entry {
	__u64 mm;
	struct ksm_mm_stats s;
};
/* Every mm_stats entry; *out malloc'ed; returns count or -errno. */
int ksm_bpf_mms(const struct ksm_bpf *b, struct ksm_mm_entry **out);
/* mm -> process from the task iterator; *out malloc'ed; count or -errno */
int ksm_bpf_tasks(const struct ksm_bpf *b, struct ksm_task_rec **out);
/* The same for every process with an mm, KSM's or not. */
int ksm_bpf_tasks_all(const struct ksm_bpf *b, struct ksm_task_rec **out);
/* The mm_struct of a process (task iterator), 0 if none or unknown. */
__u64 ksm_bpf_mm_of(const struct ksm_bpf *b, int tgid);
/* Per-NUMA-node stats, out[KSM_MAX_NIDS]; 0 or -errno */
int ksm_bpf_nids(const struct ksm_bpf *b, struct ksm_nid_stats *out);
/* Run time and run count summed over the attached programs. */
int ksm_bpf_runtime(const struct ksm_bpf *b, __u64 *run_ns, __u64 *run_cnt);
/* fd of the "events" ring buffer */
int ksm_bpf_events_fd(const struct ksm_bpf *b);
/* the maps user space reads besides the counters and the ring buffer */
enum ksm_bpf_map {
	KSM_MAP_NODES,		/* struct ksm_node_state by node */
	KSM_MAP_ITEMS,		/* struct ksm_item_state by rmap_item */
	KSM_MAP_EXITED,		/* struct ksm_exit_state by mm */
	KSM_MAP_RETRIES,	/* struct ksm_retry_key -> ns */
	KSM_MAP_STACKS,		/* stack traces by stack_id */
	KSM_MAP_NR
};
/* fd of that map, -1 before load */
int ksm_bpf_map_fd(const struct ksm_bpf *b, enum ksm_bpf_map map);
/*
 * Instructions the verifier processed for each event's loaded program
 * (per_event[t], 0 if not loaded); returns their sum, or -errno.
 */
long ksm_bpf_verified_insns(const struct ksm_bpf *b, __u32 per_event[KSM_EV_NR]);
/* Full scans ksmd completed since the programs were loaded. */
__u64 ksm_bpf_scans_done(const struct ksm_bpf *b);
/* Synthetic mode: run the raw_tp program of type on args; 0 or -errno. */
int ksm_bpf_inject(struct ksm_bpf *b, int type, const __u64 *args);

#endif

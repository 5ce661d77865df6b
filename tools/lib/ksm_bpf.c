// SPDX-License-Identifier: GPL-2.0
/*
 * ksm_bpf.c - probe the running kernel, then load and attach only the
 * programs of bpf/ksm.bpf.c that can work there.
 *
 * Probing goes by what exists, never by version: a tracepoint is there
 * when BTF has btf_trace_<name> (or tracefs has events/ksm/<name>);
 * tp_btf is tried first and raw_tp is the fallback; the task iterator
 * (mm -> pid) is optional.  Where the kernel lacks the series, the probe
 * tier (tools/lib/ksm_probes.c) makes what it can of the missing events
 * from kprobes; fentry is only probed (loaded, not attached) and
 * reported, never used (docs/kernels.md: RCU Tasks).
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "ksm_bpf.h"
#include "ksm_evdesc.h"
#include "ksm_sysfs.h"
#include "ksm_util.h"
#include "ksm.skel.h"

const char *ksm_fidelity_name(enum ksm_fidelity f)
{
	switch (f) {
	case KSM_FIDELITY_FULL:
		return "full";
	case KSM_FIDELITY_UPSTREAM:
		return "upstream";
	case KSM_FIDELITY_PROBES:
		return "probes";
	case KSM_FIDELITY_UPSTREAM_PROBES:
		return "upstream+probes";
	default:
		return "counters";
	}
}

const char *ksm_source_name(enum ksm_source s)
{
	return s == KSM_SRC_TRACEPOINT ? "tracepoint" :
	       s == KSM_SRC_PROBE ? "probe" : "none";
}

static bool verbose;

static int print_fn(enum libbpf_print_level level, const char *fmt,
		    va_list ap)
{
	if (!verbose || level == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static bool tracefs_has(const char *name)
{
	static const char *const roots[] = {
		"/sys/kernel/tracing", "/sys/kernel/debug/tracing",
	};
	char path[256];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(roots); i++) {
		snprintf(path, sizeof(path), "%s/events/ksm/%s", roots[i], name);
		if (!access(path, F_OK))
			return true;
	}
	return false;
}

/*
 * Can fentry programs be loaded?  A do-nothing program for ksm_madvise is
 * loaded and closed, never attached: attaching makes a BPF trampoline,
 * and removing the last program of a trampoline waits for an RCU Tasks
 * grace period, which a kthread that never sleeps (ksmd at
 * sleep_millisecs 0) holds up for as long as it runs, on a preemptible
 * kernel (docs/kernels.md).  Whether an attachment works is known when
 * one is made.
 */
static int probe_fentry(const struct btf *btf)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	int id, fd;

	id = btf__find_by_name_kind(btf, "ksm_madvise", BTF_KIND_FUNC);
	if (id < 0)
		return ENOENT;
	LIBBPF_OPTS(bpf_prog_load_opts, o,
		    .expected_attach_type = BPF_TRACE_FENTRY,
		    .attach_btf_id = (__u32)id);
	fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, "ksm_fentry_prb", "GPL",
			   insns, 2, &o);
	if (fd < 0)
		return errno ? errno : -fd;
	close(fd);
	return 0;
}

int ksm_probe(struct ksm_probe *p, char *msg, size_t len)
{
	const char *path = getenv("KSMSCOPE_BTF");
	struct btf *btf;
	int t, id;

	memset(p, 0, sizeof(*p));
	p->rmap_item_size = 64;		/* x86_64, 6.1 to 6.18 */
	snprintf(p->btf_path, sizeof(p->btf_path), "%s",
		 path && *path ? path : "/sys/kernel/btf/vmlinux");
	if (access(p->btf_path, R_OK)) {
		snprintf(msg, len, "no kernel BTF (%s: %s): the kernel needs "
			 "CONFIG_DEBUG_INFO_BTF=y", p->btf_path, strerror(errno));
		return -ENOENT;
	}
	btf = btf__parse(p->btf_path, NULL);
	if (!btf) {
		snprintf(msg, len, "cannot parse kernel BTF %s: %s",
			 p->btf_path, strerror(errno));
		return -EINVAL;
	}
	p->btf = true;
	for (t = 0; t < KSM_EV_NR; t++) {
		char name[96];

		snprintf(name, sizeof(name), "btf_trace_%s",
			 ksm_event_desc[t].name);
		p->present[t] = btf__find_by_name_kind(btf, name,
						       BTF_KIND_TYPEDEF) > 0 ||
				tracefs_has(ksm_event_desc[t].name);
	}
	id = btf__find_by_name_kind(btf, "ksm_rmap_item", BTF_KIND_STRUCT);
	if (id > 0)
		p->rmap_item_size = btf__type_by_id(btf, id)->size;
	p->fentry_err = probe_fentry(btf);
	btf__free(btf);
	return 0;
}

/* each event's two programs in the skeleton (bpf/ksm.bpf.c, KSM_TP) */
static const struct {
	size_t btf, raw;
} prog_off[KSM_EV_NR] = {
#define KSM_EVENT(id, name, origin, help, ...) [KSM_EV_##id] = {	\
	offsetof(struct ksm_skel, progs.btf_##name),			\
	offsetof(struct ksm_skel, progs.raw_##name) },
#include "ksm_events.def"
};

static struct bpf_program *prog_of(struct ksm_skel *s, int t, bool raw)
{
	return *(struct bpf_program **)((char *)s + (raw ? prog_off[t].raw :
						      prog_off[t].btf));
}

/* One attempt: open, choose programs, load.  NULL on failure (errno). */
static struct ksm_skel *try_load(const struct ksm_bpf *b,
				 const struct ksm_bpf_opts *o, bool raw, bool iter,
				 bool probes)
{
	struct ksm_skel *s = ksm_skel__open();
	struct ksm_probes none = { 0 };
	const struct ksm_probes *pp = probes ? &b->probes : &none;
	/*
	 * per-node and per-item state only where the series' events (or the
	 * probes' versions of them) feed it
	 */
	bool full = o->synthetic || b->probe.present[KSM_EV_STABLE_TREE_INSERT] ||
		    (pp->mask >> KSM_EV_STABLE_TREE_APPEND & 1);
	int t, err;

	if (!s)
		return NULL;
	ksm_probes_prepare(pp, s);
	/* full scans from ksmd's own count where no ksm_stop_scan says it */
	if (pp->mask && !b->probe.present[KSM_EV_STOP_SCAN])
		s->rodata->seqnr_addr = pp->seqnr_addr;
	s->rodata->stream_mask = o->stream_mask;
	s->rodata->check = o->check;
	s->rodata->check_full = full;
	s->rodata->want_stack = o->stack;
	if (o->check)
		bpf_map__set_max_entries(s->maps.exited, 4096);
	/* LRU maps are preallocated: about 80 MB, only where they are fed */
	if (o->check && full) {
		bpf_map__set_max_entries(s->maps.nodes, 16384);
		bpf_map__set_max_entries(s->maps.items, 65536);
		bpf_map__set_max_entries(s->maps.kpfns, 65536);
		bpf_map__set_max_entries(s->maps.retries, KSM_MAX_RETRIES);
	}
	if (o->stack)
		bpf_map__set_max_entries(s->maps.stacks, 16384);
	/* a ring for streamed events; violation records alone need little */
	bpf_map__set_max_entries(s->maps.events, o->ringbuf_bytes ?
				 o->ringbuf_bytes : o->stream_mask ?
				 4u << 20 : 256u << 10);
	for (t = 0; t < KSM_EV_NR; t++) {
		/* also where probes make it: the fallback if they fail */
		bool want = b->probe.present[t] || o->synthetic;

		bpf_program__set_autoload(prog_of(s, t, false), !raw && want);
		bpf_program__set_autoload(prog_of(s, t, true), raw && want);
	}
	bpf_program__set_autoload(s->progs.ksm_tasks, iter);
	err = ksm_skel__load(s);
	if (err) {
		ksm_skel__destroy(s);
		errno = err < 0 ? -err : err;
		return NULL;
	}
	return s;
}

/* names of the events with source src, comma-separated, into buf */
static int list_events(const struct ksm_bpf *b, enum ksm_source src,
		       char *buf, size_t len)
{
	size_t off = 0;
	int t, n = 0;

	buf[0] = '\0';
	for (t = 0; t < KSM_EV_NR; t++) {
		if (b->src[t] != src || off >= len)
			continue;
		off += (size_t)snprintf(buf + off, len - off, "%s%s",
					n++ ? "," : "", ksm_event_desc[t].name);
	}
	return n;
}

/* why event t is absent, one phrase; the same pointer for the same why */
static const char *absent_why(const struct ksm_bpf *b, int t)
{
	static char none[256];

	if (b->probe.present[t])
		return "attach failed";
	if (!b->probes.why_none)
		return b->probes.absent[t];
	if (!ksm_probe_needs[t])
		return "not in this kernel";
	snprintf(none, sizeof(none), "no tracepoint; no probe: %s",
		 b->probes.why_none);
	return none;
}

/*
 * The events neither source gives, grouped by why: "name,name (why)".
 */
static void list_absent(const struct ksm_bpf *b, char *buf, size_t len)
{
	const char *done[KSM_EV_NR];
	size_t off = 0;
	int t, u, nd = 0;

	buf[0] = '\0';
	for (t = 0; t < KSM_EV_NR; t++) {
		const char *why;
		bool seen = false;
		int d, n = 0;

		if (b->attached[t])
			continue;
		why = absent_why(b, t);
		for (d = 0; d < nd; d++)
			seen |= !strcmp(done[d], why);
		if (seen)
			continue;
		done[nd++] = why;
		for (u = t; u < KSM_EV_NR && off < len; u++) {
			if (b->attached[u] || strcmp(absent_why(b, u), why))
				continue;
			off += (size_t)snprintf(buf + off, len - off, "%s%s",
						n++ ? "," : off ? "; " : "",
						ksm_event_desc[u].name);
		}
		if (off < len)
			off += (size_t)snprintf(buf + off, len - off, " (%s)",
						why);
	}
}

static void summarize(struct ksm_bpf *b, const char *tool)
{
	char tps[1024], prs[1024], absent[1024];
	int t, ntp, npr, ser = 0, ser_n = 0;

	for (t = KSM_EV_FIRST_SERIES; t < KSM_EV_FIRST_PROBE; t++) {
		ser_n++;
		ser += b->src[t] == KSM_SRC_TRACEPOINT;
	}
	ntp = list_events(b, KSM_SRC_TRACEPOINT, tps, sizeof(tps));
	npr = list_events(b, KSM_SRC_PROBE, prs, sizeof(prs));
	list_absent(b, absent, sizeof(absent));
	if (ser == ser_n)
		b->fidelity = KSM_FIDELITY_FULL;
	else if (ntp && npr)
		b->fidelity = KSM_FIDELITY_UPSTREAM_PROBES;
	else if (npr)
		b->fidelity = KSM_FIDELITY_PROBES;
	else if (b->attached[KSM_EV_MERGE_WITH_KSM_PAGE])
		b->fidelity = KSM_FIDELITY_UPSTREAM;
	else
		b->fidelity = KSM_FIDELITY_COUNTERS;
	snprintf(b->summary, sizeof(b->summary),
		 "%s: attached %d ksm tracepoints via %s (%s) and %d events "
		 "from kprobes (%s); absent: %s; task iterator %s; fentry %s; "
		 "fidelity %s", tool, ntp, b->via ? b->via : "-",
		 ntp ? tps : "none", npr, npr ? prs : b->probes.why_none ?
		 b->probes.why_none : "none", absent[0] ? absent : "none",
		 b->iter_link ? "on" : "off",
		 b->probe.fentry_err ? (b->probe.fentry_err == EPERM ?
		 "refused (EPERM), not needed" : "unavailable, not needed") :
		 "allowed, not used (its detach can wait on RCU Tasks)",
		 ksm_fidelity_name(b->fidelity));
}

/*
 * The stream filters, written while nothing is attached yet: the first
 * event any program sees is filtered already.  A pid is resolved to its
 * mm here (the task iterator is loaded, the tracepoints are not).
 */
static void set_filters(struct ksm_bpf *b, const struct ksm_bpf_opts *o)
{
	b->filter_mm = o->filter_mm;
	if (o->filter_tgid && !b->filter_mm)
		b->filter_mm = ksm_bpf_mm_of(b, (int)o->filter_tgid);
	b->skel->bss->filter_tgid = o->filter_tgid;
	b->skel->bss->filter_mm = b->filter_mm;
	b->skel->bss->filter_pfn = o->filter_pfn;
	b->skel->bss->filter_node = o->filter_node;
}

/* Nothing attached after all: the counters only, and why in the line. */
static int counters_only(struct ksm_bpf *b, const char *tool)
{
	memset(b->attached, 0, sizeof(b->attached));
	memset(b->src, 0, sizeof(b->src));
	b->fidelity = KSM_FIDELITY_COUNTERS;
	snprintf(b->summary, sizeof(b->summary), "%s: %s; fidelity counters "
		 "(sysfs and /proc only)", tool, b->why_none);
	return 0;
}

/* The probe tier's plan: what kprobes can make of what is missing. */
static void plan_probes(struct ksm_bpf *b, const struct ksm_bpf_opts *o)
{
	struct btf *btf;
	bool series = b->probe.present[KSM_EV_STABLE_TREE_INSERT];

	if (o->synthetic || o->no_bpf || o->no_probes) {
		memset(&b->probes, 0, sizeof(b->probes));
		b->probes.why_none = o->no_bpf ? "BPF not used" : o->no_probes ?
				     "not used for one short reading" : "synthetic";
		return;
	}
	btf = btf__parse(b->probe.btf_path, NULL);
	if (!btf) {
		memset(&b->probes, 0, sizeof(b->probes));
		b->probes.why_none = "kernel BTF unreadable";
		return;
	}
	ksm_probes_plan(&b->probes, getenv("KSMSCOPE_KALLSYMS"), btf,
			b->probe.present, series);
	btf__free(btf);
}

/* Probes first, then the tracepoints of the events they do not make. */
static void attach_all(struct ksm_bpf *b)
{
	int t;

	if (b->probes.mask)
		ksm_probes_attach(&b->probes, b->skel);
	for (t = 0; t < KSM_EV_NR; t++) {
		struct bpf_program *p = prog_of(b->skel, t, b->raw);

		if (b->probes.on >> t & 1) {
			b->attached[t] = true;
			b->src[t] = KSM_SRC_PROBE;
			continue;
		}
		if (!b->probe.present[t])
			continue;
		b->links[t] = bpf_program__attach(p);
		if (!b->links[t]) {
			b->attach_err[t] = errno;
			continue;
		}
		b->attached[t] = true;
		b->src[t] = KSM_SRC_TRACEPOINT;
		b->n_attached++;
	}
}

int ksm_bpf_open(struct ksm_bpf *b, const struct ksm_bpf_opts *o, char *msg,
		 size_t len)
{
	/* with probes first; without, if their programs do not load */
	static const struct { bool raw, iter, probes; } tries[] = {
		{ false, true, true }, { false, false, true },
		{ true, true, true }, { true, false, true },
		{ false, true, false }, { true, true, false },
		{ true, false, false },
	};
	const char *tool = o->tool ? o->tool : "ksmscope";
	int err, t, any = 0, last = 0;

	(void)msg;
	(void)len;
	size_t i;

	memset(b, 0, sizeof(*b));
	b->stats_fd = -1;
	verbose = o->verbose;
	libbpf_set_print(print_fn);
	err = ksm_probe(&b->probe, b->why_none, sizeof(b->why_none));
	if (err)
		return counters_only(b, tool);
	plan_probes(b, o);
	for (t = 0; t < KSM_EV_NR; t++)
		any += b->probe.present[t] || (b->probes.mask >> t & 1);
	if (o->no_bpf || (!any && !o->synthetic)) {
		if (o->no_bpf)
			snprintf(b->why_none, sizeof(b->why_none), "BPF not "
				 "used (--counters)");
		else
			snprintf(b->why_none, sizeof(b->why_none), "the kernel "
				 "has no ksm tracepoints and no probes (%s)",
				 b->probes.why_none ? b->probes.why_none :
				 "none of KSM's functions is usable");
		return counters_only(b, tool);
	}
	for (i = o->synthetic ? 2 : 0;
	     i < ARRAY_SIZE(tries) && !b->skel; i++) {
		b->skel = try_load(b, o, tries[i].raw, tries[i].iter,
				   tries[i].probes);
		if (!b->skel) {
			last = errno;
			continue;
		}
		if (!tries[i].probes && b->probes.mask) {
			b->probes.mask = 0;
			b->probes.why_none = "their programs did not load; "
					     "-v shows libbpf's log";
		}
		b->raw = tries[i].raw;
		b->via = b->raw ? "raw_tp" : "tp_btf";
		b->scans_from_kernel = b->skel->rodata->seqnr_addr != 0;
		if (tries[i].iter) {
			b->iter_link = bpf_program__attach_iter(
					b->skel->progs.ksm_tasks, NULL);
		}
	}
	if (!b->skel) {
		/* the counters are still there: say why there is nothing else */
		snprintf(b->why_none, sizeof(b->why_none), "cannot load the "
			 "BPF programs: %s%s", strerror(last), o->verbose ? "" :
			 " (-v shows libbpf's log)");
		return counters_only(b, tool);
	}
	if (o->synthetic) {
		b->synthetic = true;
		b->fidelity = KSM_FIDELITY_FULL;
		snprintf(b->summary, sizeof(b->summary), "%s: synthetic "
			 "events, nothing attached", tool);
		return 0;
	}
	set_filters(b, o);
	attach_all(b);
	if (!b->n_attached && !b->probes.on) {
		int f, err = errno;
		bool any_tp = false;

		for (t = 0; t < KSM_EV_NR; t++)
			any_tp |= b->probe.present[t];

		for (f = 0; f < KFN_FIRST_RANGE && !b->probes.fn[f].attach_err; f++)
			;
		if (f < KFN_FIRST_RANGE)
			snprintf(b->why_none, sizeof(b->why_none), "cannot "
				 "attach to any ksm tracepoint or probe (a "
				 "kprobe on %s: %s)", b->probes.fn[f].sym,
				 strerror(b->probes.fn[f].attach_err));
		else if (b->probes.why_none && !any_tp)
			snprintf(b->why_none, sizeof(b->why_none), "the kernel "
				 "has no ksm tracepoints, and no probes (%s)",
				 b->probes.why_none);
		else if (b->probes.why_none)
			snprintf(b->why_none, sizeof(b->why_none), "cannot "
				 "attach to any ksm tracepoint (%s), and no "
				 "probes (%s)", strerror(err), b->probes.why_none);
		else
			snprintf(b->why_none, sizeof(b->why_none), "cannot "
				 "attach to any ksm tracepoint or probe: %s",
				 strerror(err));
		ksm_bpf_close(b);
		return counters_only(b, tool);
	}
	/*
	 * run time stats on while this fd is open: off again when we exit;
	 * not for a short reading (no_probes): switching them flips a static
	 * key inside the BPF runner that a busy ksmd is executing
	 */
	b->stats_fd = o->no_probes ? -1 : bpf_enable_stats(BPF_STATS_RUN_TIME);
	summarize(b, tool);
	return 0;
}

void ksm_bpf_close(struct ksm_bpf *b)
{
	int t;

	for (t = 0; t < KSM_EV_NR; t++) {
		bpf_link__destroy(b->links[t]);
		b->links[t] = NULL;
		b->attached[t] = false;
	}
	ksm_probes_detach(&b->probes);
	bpf_link__destroy(b->iter_link);
	b->iter_link = NULL;
	if (b->skel)
		ksm_skel__destroy(b->skel);
	b->skel = NULL;
	if (b->stats_fd >= 0)
		close(b->stats_fd);
	b->stats_fd = -1;
	b->n_attached = 0;
}

int ksm_bpf_counters(const struct ksm_bpf *b, __u64 *out)
{
	int ncpu = libbpf_num_possible_cpus(), fd, slot, c;
	__u64 *v;

	memset(out, 0, KSM_CNT_NR * sizeof(*out));
	if (!b->skel)
		return -ENOENT;
	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	v = calloc((size_t)ncpu, sizeof(*v));
	if (!v)
		return -ENOMEM;
	fd = bpf_map__fd(b->skel->maps.counters);
	for (slot = 0; slot < KSM_CNT_NR; slot++) {
		__u32 key = (__u32)slot;

		if (bpf_map_lookup_elem(fd, &key, v))
			continue;
		for (c = 0; c < ncpu; c++)
			out[slot] += v[c];
	}
	free(v);
	/* derived, not counted twice per event in BPF */
	out[KSM_CNT_MERGE_OK] = out[KSM_EV_MERGE_WITH_KSM_PAGE] -
				out[KSM_CNT_MERGE_FAIL];
	out[KSM_CNT_UNMERGE] = out[KSM_EV_REMOVE_RMAP_ITEM] +
			       out[KSM_CNT_STABLE_OUT];
	return 0;
}

/* each CPU's counts not yet in mm_stats (struct ksm_mm_pending) */
static void add_pending(const struct ksm_bpf *b, struct ksm_mm_entry *v,
			size_t n)
{
	int ncpu = libbpf_num_possible_cpus(), c;
	size_t i, k;
	struct ksm_mm_pending *p;
	__u32 zero = 0;

	if (ncpu <= 0 || !n)
		return;
	p = calloc((size_t)ncpu, sizeof(*p));
	if (!p)
		return;
	if (bpf_map_lookup_elem(bpf_map__fd(b->skel->maps.mm_pending), &zero,
				p)) {
		free(p);
		return;
	}
	for (c = 0; c < ncpu; c++) {
		const __u64 *d = (const __u64 *)&p[c].d;

		if (!p[c].mm)
			continue;
		for (i = 0; i < n; i++) {
			__u64 *s = (__u64 *)&v[i].s;

			if (v[i].mm != p[c].mm || v[i].s.id != p[c].id)
				continue;
			for (k = 0; k < KSM_MM_NCOUNTS; k++)
				s[k] += d[k];
			break;
		}
	}
	free(p);
}

int ksm_bpf_mms(const struct ksm_bpf *b, struct ksm_mm_entry **out)
{
	struct ksm_mm_entry *v = NULL;
	size_t n = 0, cap = 0;
	__u64 key, next, *prev = NULL;
	int fd;

	*out = NULL;
	if (!b->skel)
		return 0;
	fd = bpf_map__fd(b->skel->maps.mm_stats);
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (ksm_grow(&v, &cap, n, sizeof(*v))) {
			free(v);
			return -ENOMEM;
		}
		/* deleted since get_next_key (mm exited): skip */
		if (bpf_map_lookup_elem(fd, &key, &v[n].s))
			continue;
		v[n++].mm = key;
	}
	add_pending(b, v, n);
	*out = v;
	return (int)n;
}

int ksm_bpf_tasks(const struct ksm_bpf *b, struct ksm_task_rec **out)
{
	struct ksm_task_rec *v = NULL;
	size_t n = 0, cap = 0, have = 0;
	char *buf;
	ssize_t r;
	int fd;

	*out = NULL;
	if (!b->iter_link)
		return -ENOENT;
	fd = bpf_iter_create(bpf_link__fd(b->iter_link));
	if (fd < 0)
		return -errno;
	buf = malloc(65536);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	while ((r = read(fd, buf + have, 65536 - have)) > 0) {
		size_t off = 0;

		have += (size_t)r;
		for (; have - off >= sizeof(*v); off += sizeof(*v)) {
			if (ksm_grow(&v, &cap, n, sizeof(*v))) {
				r = -1;
				errno = ENOMEM;
				goto out;
			}
			memcpy(&v[n++], buf + off, sizeof(*v));
		}
		memmove(buf, buf + off, have - off);
		have -= off;
	}
out:
	free(buf);
	close(fd);
	if (r < 0) {
		free(v);
		return -errno;
	}
	*out = v;
	return (int)n;
}

int ksm_bpf_tasks_all(const struct ksm_bpf *b, struct ksm_task_rec **out)
{
	int n;

	*out = NULL;
	if (!b->skel || !b->iter_link)
		return -ENOENT;
	b->skel->bss->iter_all = 1;
	n = ksm_bpf_tasks(b, out);
	b->skel->bss->iter_all = 0;
	return n;
}

__u64 ksm_bpf_mm_of(const struct ksm_bpf *b, int tgid)
{
	struct ksm_task_rec *t = NULL;
	__u64 mm = 0;
	int n = ksm_bpf_tasks_all(b, &t), i;

	for (i = 0; i < n; i++)
		if ((int)t[i].tgid == tgid)
			mm = t[i].mm;
	free(t);
	return mm;
}

int ksm_bpf_nids(const struct ksm_bpf *b, struct ksm_nid_stats *out)
{
	__u32 i;
	int fd;

	memset(out, 0, KSM_MAX_NIDS * sizeof(*out));
	if (!b->skel)
		return -ENOENT;
	fd = bpf_map__fd(b->skel->maps.nid_stats);
	for (i = 0; i < KSM_MAX_NIDS; i++)
		bpf_map_lookup_elem(fd, &i, &out[i]);
	return 0;
}

int ksm_bpf_runtime(const struct ksm_bpf *b, __u64 *run_ns, __u64 *run_cnt)
{
	int t;

	*run_ns = *run_cnt = 0;
	if (!b->skel || b->stats_fd < 0)
		return -ENOTSUP;
	for (t = 0; t < KSM_EV_NR; t++) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);
		struct bpf_program *p;

		if (b->src[t] != KSM_SRC_TRACEPOINT)
			continue;
		p = prog_of(b->skel, t, b->raw);
		if (bpf_obj_get_info_by_fd(bpf_program__fd(p), &info, &len))
			continue;
		*run_ns += info.run_time_ns;
		*run_cnt += info.run_cnt;
	}
	ksm_probes_runtime(&b->probes, b->skel, run_ns, run_cnt);
	return 0;
}

long ksm_bpf_verified_insns(const struct ksm_bpf *b, __u32 per_event[KSM_EV_NR])
{
	long sum = 0;
	int t, fd;

	if (!b->skel)
		return -ENOTSUP;
	for (t = 0; t < KSM_EV_NR; t++) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);

		per_event[t] = 0;
		fd = bpf_program__fd(prog_of(b->skel, t, b->raw));
		if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len))
			continue;
		per_event[t] = info.verified_insns;
		sum += info.verified_insns;
	}
	return sum;
}

int ksm_bpf_events_fd(const struct ksm_bpf *b)
{
	return b->skel ? bpf_map__fd(b->skel->maps.events) : -1;
}

int ksm_bpf_map_fd(const struct ksm_bpf *b, enum ksm_bpf_map map)
{
	struct ksm_skel *s = b->skel;

	if (!s || map < 0 || map >= KSM_MAP_NR)
		return -1;
	struct bpf_map *const maps[KSM_MAP_NR] = {
		[KSM_MAP_NODES] = s->maps.nodes,
		[KSM_MAP_ITEMS] = s->maps.items,
		[KSM_MAP_EXITED] = s->maps.exited,
		[KSM_MAP_RETRIES] = s->maps.retries,
		[KSM_MAP_STACKS] = s->maps.stacks,
	};
	return bpf_map__fd(maps[map]);
}

__u64 ksm_bpf_scans_done(const struct ksm_bpf *b)
{
	struct ksm_snapshot s;

	if (!b->skel)
		return 0;
	/* ksmd's own count, as BPF records it at ksm_exit (ksm_probes.h) */
	if (b->scans_from_kernel) {
		ksm_snapshot_read(&s);
		return (__u64)s.v[KSM_SYS_FULL_SCANS];
	}
	return b->skel->bss->scans_done;
}

int ksm_bpf_inject(struct ksm_bpf *b, int type, const __u64 *args)
{
	__u64 ctx[KSM_EV_MAX_ARGS];
	struct bpf_program *p;
	int n;

	if (!b->skel || type < 0 || type >= KSM_EV_NR)
		return -EINVAL;
	n = ksm_event_desc[type].nargs;
	memcpy(ctx, args, sizeof(ctx));
	p = prog_of(b->skel, type, true);
	LIBBPF_OPTS(bpf_test_run_opts, t, .ctx_in = ctx,
		    .ctx_size_in = (__u32)(n * sizeof(__u64)));
	return bpf_prog_test_run_opts(bpf_program__fd(p), &t) ? -errno : 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * exporter.c - ksmtop --prometheus: one interval as the Prometheus text
 * exposition format.  Counters are the kernel's and BPF's own monotonic
 * counts (Prometheus takes the rates); gauges are the last reading.
 * docs/ksmtop.md lists every metric.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "ksm_http.h"
#include "ksm_prom.h"
#include "ksm_util.h"
#include "ksmtop.h"

#define NS "ksmscope_"

/* /sys/kernel/mm/ksm, file by file */
static const struct {
	int sys;
	const char *name, *type, *help;
	double scale;
} sysfs_metrics[] = {
	{ KSM_SYS_RUN, "ksmd_run", "gauge",
	  "ksmd's run knob: 0 stopped, 1 merging, 2 unmerging everything", 1 },
	{ KSM_SYS_PAGES_TO_SCAN, "ksmd_pages_to_scan", "gauge",
	  "Pages ksmd scans per wake-up", 1 },
	{ KSM_SYS_SLEEP_MILLISECS, "ksmd_sleep_seconds", "gauge",
	  "How long ksmd sleeps between wake-ups (sleep_millisecs)", 1e-3 },
	{ KSM_SYS_MERGE_ACROSS_NODES, "ksmd_merge_across_nodes", "gauge",
	  "1 if pages of different NUMA nodes may merge", 1 },
	{ KSM_SYS_MAX_PAGE_SHARING, "ksmd_max_page_sharing", "gauge",
	  "Most rmap_items one stable node may have before a chain forms", 1 },
	{ KSM_SYS_USE_ZERO_PAGES, "ksmd_use_zero_pages", "gauge",
	  "1 if empty pages merge with the kernel's zero page", 1 },
	{ KSM_SYS_PAGES_SHARED, "pages_shared", "gauge",
	  "KSM pages in use (stable tree pages)", 1 },
	{ KSM_SYS_PAGES_SHARING, "pages_sharing", "gauge",
	  "Page table entries mapping a KSM page, less one per KSM page", 1 },
	{ KSM_SYS_PAGES_UNSHARED, "pages_unshared", "gauge",
	  "Pages checked for merging that are unique (unstable tree)", 1 },
	{ KSM_SYS_PAGES_VOLATILE, "pages_volatile", "gauge",
	  "Pages changing too fast to be placed in a tree", 1 },
	{ KSM_SYS_STABLE_NODE_CHAINS, "stable_node_chains", "gauge",
	  "Stable node chains (KSM pages past max_page_sharing)", 1 },
	{ KSM_SYS_STABLE_NODE_DUPS, "stable_node_dups", "gauge",
	  "Stable nodes that are dups of a chain", 1 },
	{ KSM_SYS_FULL_SCANS, "full_scans_total", "counter",
	  "Passes ksmd completed over all mergeable areas", 1 },
	{ KSM_SYS_KSM_ZERO_PAGES, "zero_pages", "gauge",
	  "Empty pages merged with the kernel's zero page", 1 },
	{ KSM_SYS_GENERAL_PROFIT, "general_profit_bytes", "gauge",
	  "Memory KSM saves less what its rmap_items cost (kernel's figure)",
	  1 },
	{ KSM_SYS_PAGES_SCANNED, "pages_scanned_total", "counter",
	  "Pages ksmd scanned", 1 },
};

/* per event class: the monotonic count since the programs were loaded */
static void one(FILE *f, const char *name, const char *type,
		const char *help, double v)
{
	ksm_prom_family(f, name, type, help);
	ksm_prom_sample(f, name, v, 0);
}

static void sysfs_part(FILE *f, const struct sample *cur)
{
	const struct ksm_snapshot *s = &cur->sys;
	char name[96];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(sysfs_metrics); i++) {
		if (!s->have[sysfs_metrics[i].sys])
			continue;
		snprintf(name, sizeof(name), NS "%s", sysfs_metrics[i].name);
		one(f, name, sysfs_metrics[i].type, sysfs_metrics[i].help,
		    (double)s->v[sysfs_metrics[i].sys] * sysfs_metrics[i].scale);
	}
	one(f, NS "saved_bytes", "gauge", "Memory KSM saves: pages_sharing "
	    "times the page size", (double)s->v[KSM_SYS_PAGES_SHARING] *
	    (double)sysconf(_SC_PAGESIZE));
}

static void events_part(FILE *f, const struct sample *cur,
			const struct ksm_bpf *b)
{
	char name[96], help[160];
	int c, t;

	if (!b->skel)
		return;
	for (c = 0; c < KSM_CLASS_NR; c++) {
		if (!ksm_class_available(c, b->attached))
			continue;
		snprintf(name, sizeof(name), NS "%s_total", ksm_class_desc[c].key);
		snprintf(help, sizeof(help), "%s, since ksmtop attached",
			 ksm_class_desc[c].help);
		one(f, name, "counter", help,
		    (double)cur->cnt[ksm_class_desc[c].slot]);
	}
	ksm_prom_family(f, NS "tracepoint_events_total", "counter",
			"Hits of each attached ksm:* tracepoint since ksmtop "
			"attached");
	for (t = 0; t < KSM_EV_NR; t++)
		if (b->attached[t])
			ksm_prom_sample(f, NS "tracepoint_events_total",
					(double)cur->cnt[t], 1, "tracepoint",
					ksm_event_desc[t].name);
	ksm_prom_family(f, NS "tracepoint_attached", "gauge",
			"1 if the ksm:* event is attached (its tracepoint, or "
			"the probe tier's kprobes), 0 if this kernel lacks it");
	for (t = 0; t < KSM_EV_NR; t++)
		if (!ksm_event_desc[t].probe_only)
			ksm_prom_sample(f, NS "tracepoint_attached",
					b->attached[t], 1, "tracepoint",
					ksm_event_desc[t].name);
	ksm_prom_family(f, NS "event_source", "gauge",
			"1 for each attached event, labelled with where it "
			"comes from: tracepoint or probe");
	for (t = 0; t < KSM_EV_NR; t++)
		if (b->attached[t])
			ksm_prom_sample(f, NS "event_source", 1, 2, "tracepoint",
					ksm_event_desc[t].name, "source",
					ksm_source_name(b->src[t]));
	one(f, NS "lost_events_total", "counter", "Events the ring buffer had "
	    "no room for (the invariant checker missed them)",
	    (double)cur->cnt[KSM_CNT_LOST]);
}

/* what ksmd costs: only what is known */
static void ksmd_part(FILE *f, const struct ksmtop_model *m)
{
	const struct ksmd_cost *k = &m->ksmd;
	char p[24], s[24];

	if (k->pid) {
		one(f, NS "ksmd_cpu_seconds_total", "counter", "CPU time ksmd "
		    "has used (its /proc/PID/stat utime + stime)", k->cpu_s);
		if (k->cpu_s > 0)
			one(f, NS "ksmd_profit_per_cpu_second_bytes", "gauge",
			    "KSM's profit (general_profit) per second of CPU "
			    "ksmd has used", k->profit_per_cpu_s);
	}
	if (k->cpu_pct >= 0)
		one(f, NS "ksmd_cpu_ratio", "gauge", "Share of one CPU ksmd "
		    "used in the last interval", k->cpu_pct / 100);
	if (k->scanned_s >= 0)
		one(f, NS "ksmd_pages_scanned_per_second", "gauge", "Pages ksmd "
		    "scanned per second in the last interval (pages_scanned; "
		    "before 6.7 a pass's pages over its time)", k->scanned_s);
	one(f, NS "ksmd_full_pass_pages", "gauge", "Pages a full pass scans "
	    "(every rmap_item)", (double)k->pass_pages);
	if (k->pass_measured_s >= 0 || k->pass_model_s >= 0)
		ksm_prom_family(f, NS "ksmd_full_pass_seconds", "gauge",
				"How long ksmd's full pass over every mergeable "
				"page takes: measured between two full scans, "
				"and by the scan model");
	if (k->pass_measured_s >= 0)
		ksm_prom_sample(f, NS "ksmd_full_pass_seconds",
				k->pass_measured_s, 1, "source", "measured");
	if (k->pass_model_s >= 0)
		ksm_prom_sample(f, NS "ksmd_full_pass_seconds", k->pass_model_s,
				1, "source", "model");
	if (k->cpu_per_page_s >= 0)
		one(f, NS "ksmd_cpu_seconds_per_page", "gauge", "ksmd's CPU time "
		    "per page it scanned, since ksmtop started", k->cpu_per_page_s);
	if (k->whatif_cpu_pct >= 0) {
		snprintf(p, sizeof(p), "%ld", k->whatif_pages);
		snprintf(s, sizeof(s), "%ld", k->whatif_sleep);
		ksm_prom_family(f, NS "ksmd_whatif_full_pass_seconds", "gauge",
				"The scan model's full pass at the given "
				"pages_to_scan and sleep_millisecs");
		ksm_prom_sample(f, NS "ksmd_whatif_full_pass_seconds",
				k->whatif_pass_s, 2, "pages_to_scan", p,
				"sleep_millisecs", s);
		ksm_prom_family(f, NS "ksmd_whatif_cpu_ratio", "gauge",
				"The scan model's share of one CPU for ksmd at "
				"the given pages_to_scan and sleep_millisecs");
		ksm_prom_sample(f, NS "ksmd_whatif_cpu_ratio",
				k->whatif_cpu_pct / 100, 2, "pages_to_scan", p,
				"sleep_millisecs", s);
	}
	if (k->advisor.present) {
		ksm_prom_family(f, NS "ksmd_advisor_info", "gauge", "The KSM "
				"advisor's mode (6.8+): none or scan-time");
		ksm_prom_sample(f, NS "ksmd_advisor_info", 1, 1, "mode",
				k->advisor.mode);
	}
}

/* per-process values; < 0: not known (no task iterator, or upstream) */
static double p_merging(const struct row *r) { return (double)r->merging; }
static double p_rmap(const struct row *r) { return (double)r->rmap; }
static double p_zero(const struct row *r) { return (double)r->zero; }
static double p_profit(const struct row *r) { return (double)r->profit; }
static double p_merges(const struct row *r) { return (double)r->merges; }
static double p_unmerges(const struct row *r) { return (double)r->unmerges; }
static double p_dropped(const struct row *r) { return (double)r->dropped; }

static void procs_part(FILE *f, const struct ksmtop_model *m)
{
	static const struct {
		const char *name, *type, *help;
		double (*get)(const struct row *r);
	} metrics[] = {
		{ "process_merging_pages", "gauge", "Pages of the process "
		  "mapped to a KSM page (/proc/PID/ksm_merging_pages)",
		  p_merging },
		{ "process_rmap_items", "gauge", "rmap_items of the process "
		  "(/proc/PID/ksm_stat)", p_rmap },
		{ "process_zero_pages", "gauge", "Pages of the process merged "
		  "with the zero page", p_zero },
		{ "process_profit_bytes", "gauge", "What KSM saves the process "
		  "less its rmap_items (ksm_process_profit)", p_profit },
		{ "process_merges_total", "counter", "Pages of the process "
		  "merged since ksmtop attached", p_merges },
		{ "process_unmerges_total", "counter", "rmap_items of the "
		  "process that left a stable node since ksmtop attached",
		  p_unmerges },
		{ "process_dropped_total", "counter", "rmap_items of the "
		  "process dropped with their whole stable node", p_dropped },
	};
	long others = 0;
	size_t k;
	int i;

	one(f, NS "processes", "gauge", "Processes with KSM state (rmap_items "
	    "or merging pages) that pass ksmtop's filters", m->nrows);
	for (i = m->nshown; i < m->nrows; i++)
		others += m->rows[i].merging;
	one(f, NS "processes_unlisted_merging_pages", "gauge", "Merging pages "
	    "of the processes beyond the listed top N", (double)others);
	for (k = 0; k < ARRAY_SIZE(metrics); k++) {
		char name[96], pid[16];
		bool any = false;

		snprintf(name, sizeof(name), NS "%s", metrics[k].name);
		for (i = 0; i < m->nshown; i++) {
			const struct row *r = &m->rows[i];
			double val = metrics[k].get(r);

			/* a counter not known */
			if (val < 0 && metrics[k].type[0] == 'c')
				continue;
			if (!any)
				ksm_prom_family(f, name, metrics[k].type,
						metrics[k].help);
			any = true;
			snprintf(pid, sizeof(pid), "%d", r->pid);
			ksm_prom_sample(f, name, val, 2, "pid", pid, "comm",
					r->comm[0] ? r->comm : "?");
		}
	}
}

/* per cgroup unit: the first -N, the rest summed; QEMU guests' names */
static void groups_part(FILE *f, const struct ksmtop_model *m)
{
	static const struct {
		const char *name, *help;
		int what;
	} metrics[] = {
		{ "cgroup_processes", "Processes with KSM state in the cgroup "
		  "unit (systemd service or scope, container, libvirt machine)", 0 },
		{ "cgroup_merging_pages", "Merging pages of the cgroup unit's "
		  "processes", 1 },
		{ "cgroup_profit_bytes", "KSM's profit for the cgroup unit's "
		  "processes (the sum of theirs)", 2 },
		{ "cgroup_merges_per_second", "Pages of the cgroup unit's "
		  "processes merged per second in the last interval", 3 },
	};
	long others = 0;
	size_t k;
	int i;

	for (k = 0; k < ARRAY_SIZE(metrics); k++) {
		char name[96];
		bool any = false;

		snprintf(name, sizeof(name), NS "%s", metrics[k].name);
		for (i = 0; i < m->gshown; i++) {
			const struct group_row *g = &m->groups[i];
			double v = metrics[k].what == 0 ? g->procs :
				   metrics[k].what == 1 ? (double)g->merging :
				   metrics[k].what == 2 ? (double)g->profit :
				   g->merges_s;

			if (v < 0 && metrics[k].what == 3)
				continue;
			if (!any)
				ksm_prom_family(f, name, "gauge", metrics[k].help);
			any = true;
			ksm_prom_sample(f, name, v, 1, "cgroup", g->name);
		}
	}
	for (i = m->gshown; i < m->ngroups; i++)
		others += m->groups[i].merging;
	one(f, NS "cgroups_unlisted_merging_pages", "gauge", "Merging pages "
	    "of the cgroup units beyond the listed top N", (double)others);
	for (i = 0, k = 0; i < m->nshown; i++) {
		const struct row *r = &m->rows[i];
		char pid[16];

		if (!r->guest[0])
			continue;
		if (!k++)
			ksm_prom_family(f, NS "process_guest_info", "gauge", "1 for "
					"each listed process that is a QEMU guest, "
					"with its -name");
		snprintf(pid, sizeof(pid), "%d", r->pid);
		ksm_prom_sample(f, NS "process_guest_info", 1, 3, "pid", pid,
				"comm", r->comm[0] ? r->comm : "?", "guest",
				r->guest);
	}
}

static void checks_part(FILE *f, const struct ksm_checker *c, bool checking)
{
	int i;

	ksm_prom_family(f, NS "invariant_checked", "gauge", "1 if ksmtop checks "
			"the invariant on this kernel (docs/invariants.md)");
	for (i = 1; i < KSM_INV_NR; i++)
		ksm_prom_sample(f, NS "invariant_checked",
				checking && c->checkable[i], 1, "invariant",
				ksm_inv_desc[i].id);
	ksm_prom_family(f, NS "invariant_violations_total", "counter",
			"Confirmed violations of the invariant since ksmtop "
			"attached");
	for (i = 1; i < KSM_INV_NR; i++)
		ksm_prom_sample(f, NS "invariant_violations_total",
				(double)c->found[i], 1, "invariant",
				ksm_inv_desc[i].id);
	ksm_prom_family(f, NS "process_counters_mismatched_total", "counter",
			"Processes whose /proc KSM counters disagreed with "
			"their mm's events (I5 per process), since attach");
	ksm_prom_sample(f, NS "process_counters_mismatched_total",
			(double)c->procs.marked, 0);
}

/* the exporter process itself, under the names client libraries use */
static void self_part(FILE *f, const struct ksm_bpf *b,
		      const struct sample *cur, const struct ksm_http *h)
{
	struct rusage ru;
	long pages = 0, ticks = sysconf(_SC_CLK_TCK);
	unsigned long long start = 0;
	double btime = 0;
	char line[256];
	struct dirent *d;
	FILE *p;
	DIR *dir;
	int i, fds = 0;

	if (b->stats_fd >= 0) {
		one(f, NS "bpf_run_seconds_total", "counter", "CPU time ksmtop's "
		    "BPF programs ran (kernel.bpf_stats_enabled)",
		    (double)cur->run_ns / 1e9);
		one(f, NS "bpf_runs_total", "counter", "Runs of ksmtop's BPF "
		    "programs", (double)cur->run_cnt);
	}
	ksm_prom_family(f, NS "http_requests_total", "counter",
			"HTTP requests answered, by status code");
	for (i = 0; i < KSM_HTTP_NCODES; i++) {
		char code[8];

		snprintf(code, sizeof(code), "%d", ksm_http_codes[i]);
		ksm_prom_sample(f, NS "http_requests_total",
				(double)h->answered[i], 1, "code", code);
	}
	one(f, NS "http_connections", "gauge", "Connections open at the last "
	    "reading", ksm_http_open_conns(h));
	one(f, NS "http_connections_dropped_total", "counter", "Connections "
	    "closed unanswered: timed out, reset by the client, or given up "
	    "for a new one when all were taken",
	    (double)h->dropped);
	getrusage(RUSAGE_SELF, &ru);
	one(f, "process_cpu_seconds_total", "counter", "User and system CPU "
	    "time of ksmtop", ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
	    (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6);
	p = fopen("/proc/self/statm", "r");
	if (p) {
		if (fscanf(p, "%*d %ld", &pages) != 1)
			pages = 0;
		fclose(p);
	}
	one(f, "process_resident_memory_bytes", "gauge", "Resident memory of "
	    "ksmtop", (double)pages * (double)sysconf(_SC_PAGESIZE));
	dir = opendir("/proc/self/fd");
	while (dir && (d = readdir(dir)))
		fds += d->d_name[0] != '.';
	if (dir)
		closedir(dir);
	one(f, "process_open_fds", "gauge", "Open file descriptors of ksmtop",
	    fds - 1);	/* less the directory being read */
	p = fopen("/proc/stat", "r");
	while (p && fgets(line, sizeof(line), p))
		if (sscanf(line, "btime %lf", &btime) == 1)
			break;
	if (p)
		fclose(p);
	p = fopen("/proc/self/stat", "r");
	if (p && fgets(line, sizeof(line), p))
		start = ksm_stat_start_time(line);
	if (p)
		fclose(p);
	if (btime > 0 && start && ticks > 0)
		one(f, "process_start_time_seconds", "gauge", "When ksmtop "
		    "started, seconds since the epoch",
		    btime + (double)start / (double)ticks);
}

char *exporter_render(const struct ksmtop_model *m, const struct sample *cur,
		      const struct ksm_checker *c, bool checking,
		      const struct ksm_http *h, size_t *len)
{
	const struct ksm_bpf *b = m->bpf;
	char *doc = NULL;
	struct utsname u;
	FILE *f;

	f = open_memstream(&doc, len);
	if (!f)
		return NULL;
	uname(&u);
	ksm_prom_family(f, NS "info", "gauge", "What ksmtop attached to: "
			"fidelity full (patched kernel), upstream (ksm:* of "
			"6.4+) or counters (no BPF)");
	ksm_prom_sample(f, NS "info", 1, 3, "fidelity",
			ksm_fidelity_name(b->fidelity), "kernel", u.release,
			"via", b->via ? b->via : "none");
	sysfs_part(f, cur);
	ksmd_part(f, m);
	events_part(f, cur, b);
	procs_part(f, m);
	groups_part(f, m);
	checks_part(f, c, checking);
	self_part(f, b, cur, h);
	if (fclose(f)) {
		free(doc);
		return NULL;
	}
	return doc;
}

void exporter_publish(struct ksm_http *h, const struct ksmtop_model *m,
		      const struct sample *cur, const struct ksm_checker *c,
		      bool checking)
{
	size_t len;
	char *doc = exporter_render(m, cur, c, checking, h, &len);

	if (doc)	/* else the last document stays */
		ksm_http_set_doc(h, doc, len);
}

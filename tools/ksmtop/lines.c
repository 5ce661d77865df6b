// SPDX-License-Identifier: GPL-2.0
/* lines.c - a frame's text: the same lines for the screen and for -b */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "ksm_fmt.h"
#include "ksm_util.h"
#include "lines.h"

static char *rate_str(double r, char *buf, size_t len)
{
	if (r < 0)
		return snprintf(buf, len, "-"), buf;
	return ksm_fmt_count(r, buf, len);
}

/* Items packed into lines no wider than the screen, wrapped with an indent. */
struct pack {
	emit_fn emit;
	int y, width, len;
	char line[1024];
};

static void pack_flush(struct pack *pk)
{
	if (pk->len)
		pk->emit(pk->y++, pk->line, LINE_PLAIN);
	pk->len = 0;
	pk->line[0] = '\0';
}

static void __attribute__((format(printf, 2, 3)))
pack_item(struct pack *pk, const char *fmt, ...)
{
	char item[128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(item, sizeof(item), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (pk->len > 6 && pk->len + 2 + n > pk->width)
		pack_flush(pk);
	if (!pk->len && pk->y > 0 && item[0] != '@')
		pk->len = snprintf(pk->line, sizeof(pk->line), "   ");
	if (item[0] == '@')	/* the first item of a group: a new line */
		memmove(item, item + 1, strlen(item));
	pk->len += snprintf(pk->line + pk->len, sizeof(pk->line) - (size_t)pk->len,
			    "%s%s", pk->len > 3 ? "  " : "", item);
}

static void pack_group(struct pack *pk, const char *title)
{
	pack_flush(pk);
	pack_item(pk, "@%s", title);
}

static void pack_sys(struct pack *pk, const struct ksm_snapshot *s, int i,
		     const char *label)
{
	if (s->have[i])
		pack_item(pk, "%s %ld", label, s->v[i]);
}

/* one line a history: name, newest value, sparkline sw wide */
static void sparklines(struct pack *pk, const struct ksmtop_model *m,
		       bool utf8, int sw)
{
	static const char *const names[HIST_NR] = {
		[HIST_MERGES] = "merges/s",
		[HIST_UNMERGES] = "unmerges/s",
		[HIST_SCANNED] = "scanned/s",
		[HIST_STALE] = "stale/s",
	};
	char spark[KSM_HIST_LEN * 3 + 1], a[32];
	int i;

	for (i = 0; i < HIST_NR; i++) {
		const char *name = names[i];

		if (i == HIST_SCANNED && m->scanned_s < 0)
			name = "scans/s";
		if (i == HIST_STALE && m->rate[KSM_CLASS_STALE] < 0)
			name = "nodes-/s";
		snprintf(pk->line, sizeof(pk->line), "%-11s %8s %s", name,
			 ksm_fmt_count(ksm_hist_get(&m->hist[i], 0), a,
				       sizeof(a)),
			 ksm_sparkline(&m->hist[i], sw, utf8, spark,
				       sizeof(spark)));
		pk->emit(pk->y++, pk->line, LINE_PLAIN);
	}
}

static char *secs(double v, char *buf, size_t len)
{
	if (v < 0)
		snprintf(buf, len, "-");
	else if (v < 10)
		snprintf(buf, len, "%.2fs", v);
	else
		snprintf(buf, len, "%.0fs", v);
	return buf;
}

/* what ksmd costs, and what the scan model says another setting would */
static void ksmd_lines(struct pack *pk, const struct ksmd_cost *k)
{
	char a[32], b[32];

	pack_group(pk, "ksmd cost:");
	if (!k->pid) {
		pack_item(pk, "ksmd not found");
	} else {
		if (k->cpu_pct >= 0)
			pack_item(pk, "cpu %.1f%%", k->cpu_pct);
		else
			pack_item(pk, "cpu -");
		pack_item(pk, "total %.1fs", k->cpu_s);
	}
	pack_item(pk, "scanned/s %s", rate_str(k->scanned_s, a, sizeof(a)));
	pack_item(pk, "pass %s (model %s)", secs(k->pass_measured_s, a,
						  sizeof(a)),
		  secs(k->pass_model_s, b, sizeof(b)));
	if (k->cpu_per_page_s >= 0)
		pack_item(pk, "%.1f us/page", k->cpu_per_page_s * 1e6);
	pack_item(pk, "profit/cpu-s %s", k->pid && k->cpu_s > 0 ?
		  ksm_fmt_bytes(k->profit_per_cpu_s, a, sizeof(a)) : "-");
	if (k->advisor.present && !strcmp(k->advisor.mode, "scan-time"))
		pack_item(pk, "advisor scan-time (target %lds, max cpu %ld%%)",
			  k->advisor.target_scan_time, k->advisor.max_cpu);
	else if (k->advisor.present)
		pack_item(pk, "advisor %s", k->advisor.mode);
	pack_group(pk, "what-if:");
	pack_item(pk, "pages_to_scan %ld sleep_millisecs %ld:", k->whatif_pages,
		  k->whatif_sleep);
	if (k->whatif_cpu_pct >= 0)
		pack_item(pk, "pass %s, ksmd cpu %.1f%%", secs(k->whatif_pass_s, a,
							       sizeof(a)),
			  k->whatif_cpu_pct);
	else if (k->whatif_pass_s >= 0)
		pack_item(pk, "pass >= %s (its sleeps; CPU per page not "
			  "measured yet)", secs(k->whatif_pass_s, a, sizeof(a)));
	else
		pack_item(pk, "-");
	pack_flush(pk);
}

int lines_header(const struct ksmtop_model *m, const struct sample *cur,
		 const struct head_state *hs, emit_fn emit, int width)
{
	static const struct {
		int sys;
		const char *label;
	} settings[] = {
		{ KSM_SYS_RUN, "run" }, { KSM_SYS_PAGES_TO_SCAN, "pages_to_scan" },
		{ KSM_SYS_SLEEP_MILLISECS, "sleep_millisecs" },
		{ KSM_SYS_MERGE_ACROSS_NODES, "merge_across_nodes" },
		{ KSM_SYS_MAX_PAGE_SHARING, "max_page_sharing" },
		{ KSM_SYS_USE_ZERO_PAGES, "use_zero_pages" },
	}, counters[] = {
		{ KSM_SYS_PAGES_SHARED, "shared" },
		{ KSM_SYS_PAGES_SHARING, "sharing" },
		{ KSM_SYS_PAGES_UNSHARED, "unshared" },
		{ KSM_SYS_PAGES_VOLATILE, "volatile" },
		{ KSM_SYS_STABLE_NODE_CHAINS, "chains" },
		{ KSM_SYS_STABLE_NODE_DUPS, "dups" },
		{ KSM_SYS_FULL_SCANS, "full_scans" },
		{ KSM_SYS_KSM_ZERO_PAGES, "zero_pages" },
	};
	const struct ksm_snapshot *s = &cur->sys;
	struct pack pk = { .emit = emit, .width = width };
	long psz = sysconf(_SC_PAGESIZE);
	char a[32], tm[16];
	struct utsname u;
	time_t t = time(NULL);
	size_t i;
	int c;

	uname(&u);
	strftime(tm, sizeof(tm), "%H:%M:%S", localtime(&t));
	snprintf(pk.line, sizeof(pk.line), "ksmtop %s  %s  fidelity %s  "
		 "every %gs%s", tm, u.release,
		 ksm_fidelity_name(m->bpf->fidelity), m->opt->delay,
		 hs->paused ? "  [paused]" : "");
	emit(pk.y++, pk.line, LINE_BOLD);
	pk.line[0] = '\0';
	pack_group(&pk, "ksmd:");
	for (i = 0; i < ARRAY_SIZE(settings); i++)
		pack_sys(&pk, s, settings[i].sys, settings[i].label);
	pack_group(&pk, "pages:");
	for (i = 0; i < ARRAY_SIZE(counters); i++)
		pack_sys(&pk, s, counters[i].sys, counters[i].label);
	pack_group(&pk, "saved");
	pack_item(&pk, "%s", ksm_fmt_bytes((double)s->v[KSM_SYS_PAGES_SHARING] *
					   psz, a, sizeof(a)));
	if (s->have[KSM_SYS_GENERAL_PROFIT])
		pack_item(&pk, "general_profit %s",
			  ksm_fmt_bytes((double)s->v[KSM_SYS_GENERAL_PROFIT],
					a, sizeof(a)));
	/* every event class, "-" where the kernel has no tracepoint */
	pack_group(&pk, "rates/s:");
	for (c = 0; c < KSM_CLASS_NR; c++) {
		if (c == KSM_CLASS_ENTERS || c == KSM_CLASS_MERGE_FAILS)
			continue;
		pack_item(&pk, "%s %s%s", ksm_class_desc[c].label,
			  rate_str(m->rate[c], a, sizeof(a)),
			  c == KSM_CLASS_UNMERGES && m->derived_unmerges ? "~" : "");
	}
	pack_flush(&pk);
	if (width - 21 > 8)
		sparklines(&pk, m, hs->utf8, width - 21);
	pk.line[0] = '\0';
	ksmd_lines(&pk, &m->ksmd);
	pack_group(&pk, "overhead:");
	if (m->ns_per_event >= 0) {
		pack_item(&pk, "%.0f ns/event", m->ns_per_event);
		pack_item(&pk, "%s events/s",
			  ksm_fmt_count(m->events_s, a, sizeof(a)));
		pack_item(&pk, "%.3f%% cpu", m->cpu_pct);
	} else {
		pack_item(&pk, "%s", m->bpf->skel ? "unknown (BPF_ENABLE_STATS "
			  "refused)" : "none (no BPF)");
	}
	pack_item(&pk, " violations %ld", m->violations);
	pack_item(&pk, " lost %llu", (unsigned long long)m->lost);
	pack_flush(&pk);
	if (s->have[KSM_SYS_RUN] && s->v[KSM_SYS_RUN] != 1)
		emit(pk.y++, s->v[KSM_SYS_RUN] == 0 ?
		     "ksmd is off (run=0): nothing merges" :
		     "ksmd is unmerging everything (run=2)", LINE_BOLD);
	if (hs->notice[0])
		emit(pk.y++, hs->notice, LINE_BOLD);
	return pk.y;
}

const char *lines_table_head(void)
{
	/* 80 columns; lines_row() uses the same widths */
	return "    PID COMM            MERGING     RMAP  ZERO PROF-MiB MERGE/s"
	       " UNMRG/s DROPPED";
}

void lines_row(const struct row *r, char *line, size_t len)
{
	char m[16], u[16], d[24];

	rate_str(r->merges_s, m, sizeof(m));
	rate_str(r->unmerges_s, u, sizeof(u));
	if (r->dropped < 0)
		snprintf(d, sizeof(d), "-");
	else
		snprintf(d, sizeof(d), "%lld", r->dropped);
	/* '!' after the pid: the kernel's counters disagree with the events */
	snprintf(line, len, "%6d%c %-15.15s %7ld %8ld %5ld %8.1f %7s %7s %7s%s%s",
		 r->pid, r->mismatch ? '!' : ' ', r->comm[0] ? r->comm : "?",
		 r->merging, r->rmap,
		 r->zero, r->profit / 1048576.0, m, u, d,
		 r->guest[0] ? " guest " : "", r->guest);
}

const char *lines_group_head(void)
{
	return "  PROCS MERGING PROF-MiB MERGE/s GROUP (cgroup unit)";
}

void lines_group_row(const struct group_row *g, char *line, size_t len)
{
	char m[16];

	rate_str(g->merges_s, m, sizeof(m));
	snprintf(line, len, "%7d %7ld %8.1f %7s %s", g->procs, g->merging,
		 g->profit / 1048576.0, m, g->name);
}

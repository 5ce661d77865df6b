// SPDX-License-Identifier: GPL-2.0
/*
 * ksmtop - live view of Kernel Samepage Merging.
 *
 * Every interval it reads /sys/kernel/mm/ksm, the KSM processes of /proc
 * and the maps of bpf/ksm.bpf.c (counted per event class, per mm and per
 * NUMA node in the kernel), and shows settings, counters, event rates,
 * per-process gains and its own BPF cost: on an ncurses screen, as text
 * frames (-b) or as JSON lines (-j).  docs/ksmtop.md has every column.
 */
#include <errno.h>
#include <langinfo.h>
#include <locale.h>
#include <math.h>
#include <ncurses.h>
#include <poll.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "ksm_bpf.h"
#include "ksm_check.h"
#include "ksm_evdesc.h"
#include "ksm_fmt.h"
#include "ksm_http.h"
#include "ksm_prom.h"
#include "ksm_proc.h"
#include "ksm_sysfs.h"
#include "ksm_util.h"
#include "ksmtop.h"
#include "options.h"

#define MIN_COLS 50
#define MIN_LINES 12

static struct options opt;
static struct ksm_bpf bpf;
static struct ksm_checker checker;
static struct ring_buffer *violations_rb;	/* only violation records */
static struct ksm_http http;			/* --prometheus */
static long samples;
static volatile sig_atomic_t quit;
static bool utf8, curses_on, paused, help_on;
static struct ksm_hist hist_merges, hist_unmerges, hist_scanned, hist_stale;
static char notice[600];

static int on_violation(void *ctx, void *data, size_t len)
{
	(void)ctx;
	if (len >= sizeof(struct ksm_event) &&
	    ((struct ksm_event *)data)->type == KSM_REC_VIOLATION)
		ksm_check_record(&checker, data);
	return 0;
}

static void on_signal(int sig)
{
	(void)sig;
	quit = 1;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void sample_free(struct sample *s)
{
	free(s->procs);
	free(s->mms);
	free(s->tasks);
	memset(s, 0, sizeof(*s));
}

static int cmp_mm(const void *a, const void *b)
{
	__u64 x = ((const struct ksm_mm_entry *)a)->mm;
	__u64 y = ((const struct ksm_mm_entry *)b)->mm;

	return x < y ? -1 : x > y;
}

static int cmp_task(const void *a, const void *b)
{
	__u64 x = ((const struct ksm_task_rec *)a)->mm;
	__u64 y = ((const struct ksm_task_rec *)b)->mm;

	return x < y ? -1 : x > y;
}

static void sample_take(struct sample *s)
{
	int n;

	memset(s, 0, sizeof(*s));
	if (violations_rb) {
		ring_buffer__consume(violations_rb);
		ksm_check_poll(&checker, false);
		ksm_check_counters(&checker);
		if (++samples % 10 == 0)
			ksm_check_leftovers(&checker);
	}
	s->t = now();
	ksm_snapshot_read(&s->sys);
	ksm_bpf_counters(&bpf, s->cnt);
	ksm_bpf_runtime(&bpf, &s->run_ns, &s->run_cnt);
	n = ksm_bpf_mms(&bpf, &s->mms);
	s->nmms = n > 0 ? n : 0;
	qsort(s->mms, (size_t)s->nmms, sizeof(*s->mms), cmp_mm);
	n = ksm_bpf_tasks(&bpf, &s->tasks);
	s->ntasks = n > 0 ? n : 0;
	qsort(s->tasks, (size_t)s->ntasks, sizeof(*s->tasks), cmp_task);
	n = ksm_proc_scan(ksm_proc_root(), bpf.probe.rmap_item_size, &s->procs);
	s->nprocs = n > 0 ? n : 0;
}

static const struct ksm_mm_entry *find_mm(const struct sample *s, __u64 mm)
{
	struct ksm_mm_entry key = { .mm = mm };

	return bsearch(&key, s->mms, (size_t)s->nmms, sizeof(key), cmp_mm);
}

static const struct ksm_task_rec *find_task(const struct sample *s, __u64 mm)
{
	struct ksm_task_rec key = { .mm = mm };

	return bsearch(&key, s->tasks, (size_t)s->ntasks, sizeof(key),
		       cmp_task);
}

static const struct ksm_proc *find_proc(const struct sample *s,
					const struct ksm_proc *p)
{
	int i;

	/* same pid and start time: the same process, not a reused pid */
	for (i = 0; i < s->nprocs; i++)
		if (s->procs[i].pid == p->pid &&
		    s->procs[i].start_time == p->start_time)
			return &s->procs[i];
	return NULL;
}

static bool wanted(int pid, const char *comm)
{
	int i;

	if (opt.comm[0] && !strstr(comm, opt.comm))
		return false;
	if (!opt.npids)
		return true;
	for (i = 0; i < opt.npids; i++)
		if (opt.pids[i] == pid)
			return true;
	return false;
}

static int cmp_rows(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	double d = 0;
	int r;

	switch (opt.sort) {
	case SORT_MERGING:
		d = (double)y->merging - (double)x->merging;
		break;
	case SORT_PROFIT:
		d = (double)y->profit - (double)x->profit;
		break;
	case SORT_RMAP:
		d = (double)y->rmap - (double)x->rmap;
		break;
	case SORT_MERGES:
		d = y->merges_s - x->merges_s;
		break;
	case SORT_UNMERGES:
		d = y->unmerges_s - x->unmerges_s;
		break;
	case SORT_DROPPED:
		d = (double)y->dropped - (double)x->dropped;
		break;
	case SORT_PID:
		d = (double)x->pid - (double)y->pid;
		break;
	case SORT_COMM:
		d = strcmp(x->comm, y->comm);
		break;
	default:
		break;
	}
	r = d < 0 ? -1 : d > 0;
	if (!r)
		r = x->pid < y->pid ? -1 : x->pid > y->pid;
	return opt.reverse ? -r : r;
}

static struct row *find_row(struct view *v, int pid)
{
	int i;

	for (i = 0; i < v->nrows; i++)
		if (v->rows[i].pid == pid)
			return &v->rows[i];
	return NULL;
}

static struct row *row_of(struct view *v, int pid, size_t *cap)
{
	struct row *r = find_row(v, pid);

	if (r)
		return r;
	if (ksm_grow(&v->rows, cap, (size_t)v->nrows, sizeof(*r)))
		return NULL;
	memset(&v->rows[v->nrows], 0, sizeof(*v->rows));
	v->rows[v->nrows].pid = pid;
	v->rows[v->nrows].merges_s = bpf.iter_link ? 0 : -1;
	v->rows[v->nrows].unmerges_s = -1;
	v->rows[v->nrows].dropped = bpf.iter_link ? 0 : -1;
	v->rows[v->nrows].merges = bpf.iter_link ? 0 : -1;
	v->rows[v->nrows].unmerges = -1;
	return &v->rows[v->nrows++];
}

static void build_rows(struct view *v, const struct sample *prev,
		       const struct sample *cur)
{
	bool events_unmerge = ksm_class_available(KSM_CLASS_UNMERGES,
						  bpf.attached);
	size_t cap = 0;
	int i;

	for (i = 0; i < cur->nprocs; i++) {
		const struct ksm_proc *p = &cur->procs[i];
		struct row *r;

		if (!wanted(p->pid, p->comm))
			continue;
		r = row_of(v, p->pid, &cap);
		if (!r)
			return;
		snprintf(r->comm, sizeof(r->comm), "%s", p->comm);
		r->merging = p->merging_pages;
		r->rmap = p->rmap_items;
		r->zero = p->zero_pages;
		r->profit = p->profit;
	}
	/* events per mm, joined to processes through the task iterator */
	for (i = 0; i < cur->nmms; i++) {
		const struct ksm_mm_entry *m = &cur->mms[i], *pm;
		const struct ksm_task_rec *t = find_task(cur, m->mm), *pt;
		struct ksm_mm_stats zero = {}, before;
		double merges, unmerges;
		struct row *r;

		if (!t || !wanted((int)t->tgid, t->comm))
			continue;
		pm = find_mm(prev, m->mm);
		pt = find_task(prev, m->mm);
		/* an mm pointer reused by another process starts afresh */
		before = pm && pt && pt->tgid == t->tgid ? pm->s : zero;
		merges = ksm_rate(before.merges, m->s.merges, v->dt);
		unmerges = ksm_rate(before.unmerges, m->s.unmerges, v->dt);
		/* a process that left KSM shows while its events go on */
		r = find_row(v, (int)t->tgid);
		if (!r && !merges && !unmerges)
			continue;
		if (!r)
			r = row_of(v, (int)t->tgid, &cap);
		if (!r)
			return;
		if (!r->comm[0])
			snprintf(r->comm, sizeof(r->comm), "%.15s", t->comm);
		r->merges_s = merges;
		r->dropped = (long long)m->s.dropped;
		r->merges = (long long)m->s.merges;
		if (events_unmerge) {
			r->unmerges_s = unmerges;
			r->unmerges = (long long)m->s.unmerges;
		}
	}
	/* upstream kernels: unmerges = merges - growth of merging pages */
	if (!events_unmerge && bpf.iter_link) {
		for (i = 0; i < cur->nprocs; i++) {
			const struct ksm_proc *p = &cur->procs[i];
			const struct ksm_proc *pp = find_proc(prev, p);
			struct row *r = find_row(v, p->pid);
			double u;

			if (!r || !pp || r->merges_s < 0)
				continue;
			u = r->merges_s -
			    (double)(p->merging_pages - pp->merging_pages) / v->dt;
			r->unmerges_s = u > 0 ? u : 0;
		}
	}
	qsort(v->rows, (size_t)v->nrows, sizeof(*v->rows), cmp_rows);
}

static void build_view(struct view *v, const struct sample *prev,
		       const struct sample *cur)
{
	const struct ksm_snapshot *a = &prev->sys, *b = &cur->sys;
	int c;

	memset(v, 0, sizeof(*v));
	v->dt = cur->t - prev->t;
	for (c = 0; c < KSM_CLASS_NR; c++) {
		int slot = ksm_class_desc[c].slot;

		v->rate[c] = ksm_class_available(c, bpf.attached) ?
			     ksm_rate(prev->cnt[slot], cur->cnt[slot], v->dt) :
			     -1;
	}
	if (bpf.fidelity == KSM_FIDELITY_COUNTERS &&
	    b->have[KSM_SYS_FULL_SCANS])
		v->rate[KSM_CLASS_SCANS] = ksm_rate(a->v[KSM_SYS_FULL_SCANS],
						    b->v[KSM_SYS_FULL_SCANS],
						    v->dt);
	if (v->rate[KSM_CLASS_UNMERGES] < 0 && v->rate[KSM_CLASS_MERGES] >= 0) {
		long grew = b->v[KSM_SYS_PAGES_SHARED] +
			    b->v[KSM_SYS_PAGES_SHARING] -
			    a->v[KSM_SYS_PAGES_SHARED] -
			    a->v[KSM_SYS_PAGES_SHARING];
		double u = v->rate[KSM_CLASS_MERGES] - grew / v->dt;

		v->rate[KSM_CLASS_UNMERGES] = u > 0 ? u : 0;
		v->derived_unmerges = true;
	}
	v->scanned_s = b->have[KSM_SYS_PAGES_SCANNED] ?
		       ksm_rate(a->v[KSM_SYS_PAGES_SCANNED],
				b->v[KSM_SYS_PAGES_SCANNED], v->dt) : -1;
	v->ns_per_event = v->events_s = v->cpu_pct = -1;
	if (bpf.stats_fd >= 0) {
		__u64 dn = cur->run_ns - prev->run_ns;
		__u64 dc = cur->run_cnt - prev->run_cnt;

		v->ns_per_event = dc ? (double)dn / dc : 0;
		v->events_s = ksm_rate(prev->run_cnt, cur->run_cnt, v->dt);
		v->cpu_pct = v->dt > 0 ? dn / (v->dt * 1e9) * 100 : 0;
	}
	v->lost = cur->cnt[KSM_CNT_LOST];
	v->violations = (long)ksm_check_total(&checker);
	build_rows(v, prev, cur);
	v->nshown = opt.top && opt.top < v->nrows ? opt.top : v->nrows;
	ksm_hist_push(&hist_merges, fmax(v->rate[KSM_CLASS_MERGES], 0));
	ksm_hist_push(&hist_unmerges, fmax(v->rate[KSM_CLASS_UNMERGES], 0));
	ksm_hist_push(&hist_scanned, v->scanned_s >= 0 ? v->scanned_s :
		      fmax(v->rate[KSM_CLASS_SCANS], 0));
	ksm_hist_push(&hist_stale, fmax(v->rate[KSM_CLASS_STALE] >= 0 ?
					v->rate[KSM_CLASS_STALE] :
					v->rate[KSM_CLASS_NODES_REMOVED], 0));
}

/* ---- text: the same lines for the screen and for -b ---- */

typedef void (*emit_fn)(int y, const char *line, int attr);

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
		pk->emit(pk->y++, pk->line, 0);
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

static int header(const struct view *v, const struct sample *cur, emit_fn emit,
		  int width)
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
	char a[2][32], tm[16];
	struct utsname u;
	time_t t = time(NULL);
	int c, sw;
	size_t i;

	uname(&u);
	strftime(tm, sizeof(tm), "%H:%M:%S", localtime(&t));
	snprintf(pk.line, sizeof(pk.line), "ksmtop %s  %s  fidelity %s  "
		 "every %gs%s", tm, u.release, ksm_fidelity_name(bpf.fidelity),
		 opt.delay, paused ? "  [paused]" : "");
	emit(pk.y++, pk.line, A_BOLD);
	pk.line[0] = '\0';
	pack_group(&pk, "ksmd:");
	for (i = 0; i < sizeof(settings) / sizeof(settings[0]); i++)
		pack_sys(&pk, s, settings[i].sys, settings[i].label);
	pack_group(&pk, "pages:");
	for (i = 0; i < sizeof(counters) / sizeof(counters[0]); i++)
		pack_sys(&pk, s, counters[i].sys, counters[i].label);
	pack_group(&pk, "saved");
	pack_item(&pk, "%s", ksm_fmt_bytes((double)s->v[KSM_SYS_PAGES_SHARING] *
					   psz, a[0], 32));
	if (s->have[KSM_SYS_GENERAL_PROFIT])
		pack_item(&pk, "general_profit %s",
			  ksm_fmt_bytes((double)s->v[KSM_SYS_GENERAL_PROFIT],
					a[0], 32));
	/* every event class, "-" where the kernel has no tracepoint */
	pack_group(&pk, "rates/s:");
	for (c = 0; c < KSM_CLASS_NR; c++) {
		if (c == KSM_CLASS_ENTERS || c == KSM_CLASS_MERGE_FAILS)
			continue;
		pack_item(&pk, "%s %s%s", ksm_class_desc[c].label,
			  rate_str(v->rate[c], a[0], 32),
			  c == KSM_CLASS_UNMERGES && v->derived_unmerges ? "~" : "");
	}
	pack_flush(&pk);
	sw = width - 21;
	if (sw > 8) {
		static const struct {
			const char *name;
			struct ksm_hist *h;
		} sp[] = {
			{ "merges/s", &hist_merges },
			{ "unmerges/s", &hist_unmerges },
			{ "scanned/s", &hist_scanned },
			{ "stale/s", &hist_stale },
		};

		for (i = 0; i < sizeof(sp) / sizeof(sp[0]); i++) {
			char spark[KSM_HIST_LEN * 3 + 1];
			const char *name = sp[i].name;

			if (sp[i].h == &hist_scanned && v->scanned_s < 0)
				name = "scans/s";
			if (sp[i].h == &hist_stale &&
			    v->rate[KSM_CLASS_STALE] < 0)
				name = "nodes-/s";
			snprintf(pk.line, sizeof(pk.line), "%-11s %8s %s", name,
				 ksm_fmt_count(ksm_hist_get(sp[i].h, 0), a[0], 32),
				 ksm_sparkline(sp[i].h, sw, utf8, spark,
					       sizeof(spark)));
			emit(pk.y++, pk.line, 0);
		}
	}
	pk.line[0] = '\0';
	pack_group(&pk, "overhead:");
	if (v->ns_per_event >= 0) {
		pack_item(&pk, "%.0f ns/event", v->ns_per_event);
		pack_item(&pk, "%s events/s", ksm_fmt_count(v->events_s, a[0], 32));
		pack_item(&pk, "%.3f%% cpu", v->cpu_pct);
	} else {
		pack_item(&pk, "%s", bpf.skel ? "unknown (BPF_ENABLE_STATS "
			  "refused)" : "none (no BPF)");
	}
	pack_item(&pk, " violations %ld", v->violations);
	pack_item(&pk, " lost %llu", (unsigned long long)v->lost);
	pack_flush(&pk);
	if (s->have[KSM_SYS_RUN] && s->v[KSM_SYS_RUN] != 1)
		emit(pk.y++, s->v[KSM_SYS_RUN] == 0 ?
		     "ksmd is off (run=0): nothing merges" :
		     "ksmd is unmerging everything (run=2)", A_BOLD);
	if (notice[0])
		emit(pk.y++, notice, A_BOLD);
	return pk.y;
}

static const char *table_head(void)
{
	/* 80 columns; row_str() uses the same widths */
	return "    PID COMM            MERGING     RMAP  ZERO PROF-MiB MERGE/s"
	       " UNMRG/s DROPPED";
}

static void row_str(const struct row *r, char *line, size_t len)
{
	char m[16], u[16], d[24];

	rate_str(r->merges_s, m, sizeof(m));
	rate_str(r->unmerges_s, u, sizeof(u));
	if (r->dropped < 0)
		snprintf(d, sizeof(d), "-");
	else
		snprintf(d, sizeof(d), "%lld", r->dropped);
	snprintf(line, len, "%7d %-15.15s %7ld %8ld %5ld %8.1f %7s %7s %7s",
		 r->pid, r->comm[0] ? r->comm : "?", r->merging, r->rmap,
		 r->zero, r->profit / 1048576.0, m, u, d);
}

/* ---- -b ---- */

static void emit_stdout(int y, const char *line, int attr)
{
	(void)y;
	(void)attr;
	puts(line);
}

static void print_batch(const struct view *v, const struct sample *cur)
{
	char line[256];
	int i;

	header(v, cur, emit_stdout, 120);
	printf("\n%s\n", table_head());
	for (i = 0; i < v->nshown; i++) {
		row_str(&v->rows[i], line, sizeof(line));
		puts(line);
	}
	putchar('\n');
	fflush(stdout);
}

/* ---- -j ---- */

static void json_num(const char *key, double v, bool comma)
{
	if (v < 0)
		printf("\"%s\":null%s", key, comma ? "," : "");
	else
		printf("\"%s\":%.3f%s", key, v, comma ? "," : "");
}

static void print_json(const struct view *v, const struct sample *cur)
{
	const struct ksm_snapshot *s = &cur->sys;
	long psz = sysconf(_SC_PAGESIZE);
	int i;

	printf("{\"time\":%.3f,\"interval\":%.3f,\"fidelity\":\"%s\",",
	       (double)time(NULL), v->dt, ksm_fidelity_name(bpf.fidelity));
	printf("\"settings\":{");
	for (i = 0; i < KSM_SYS_FIRST_COUNTER; i++)
		printf("%s\"%s\":%ld", i ? "," : "", ksm_sys_names[i], s->v[i]);
	printf("},\"counters\":{");
	for (i = KSM_SYS_FIRST_COUNTER; i < KSM_SYS_NR; i++)
		if (s->have[i])
			printf("\"%s\":%ld,", ksm_sys_names[i], s->v[i]);
	printf("\"memory_saved_bytes\":%ld},\"rates\":{",
	       s->v[KSM_SYS_PAGES_SHARING] * psz);
	for (i = 0; i < KSM_CLASS_NR; i++)
		json_num(ksm_class_desc[i].key, v->rate[i], true);
	json_num("pages_scanned", v->scanned_s, true);
	printf("\"unmerges_derived\":%s},", v->derived_unmerges ? "true" :
	       "false");
	printf("\"processes\":[");
	for (i = 0; i < v->nshown; i++) {
		const struct row *r = &v->rows[i];

		printf("%s{\"pid\":%d,\"comm\":", i ? "," : "", r->pid);
		ksm_json_str(stdout, r->comm);
		printf(",\"merging_pages\":%ld,\"rmap_items\":%ld,"
		       "\"zero_pages\":%ld,\"profit_bytes\":%ld,", r->merging,
		       r->rmap, r->zero, r->profit);
		json_num("merges_per_s", r->merges_s, true);
		json_num("unmerges_per_s", r->unmerges_s, true);
		if (r->dropped < 0)
			printf("\"dropped\":null}");
		else
			printf("\"dropped\":%lld}", r->dropped);
	}
	printf("],\"overhead\":{");
	json_num("ns_per_event", v->ns_per_event, true);
	json_num("events_per_s", v->events_s, true);
	json_num("cpu_percent", v->cpu_pct, false);
	printf("},\"violations\":%ld,\"lost_events\":%llu}\n", v->violations,
	       (unsigned long long)v->lost);
	fflush(stdout);
}

/* ---- --prometheus ---- */

static void publish(const struct view *v, const struct sample *cur)
{
	size_t len;
	char *doc = exporter_render(v, cur, &bpf, &checker, !opt.no_check,
				    &http, &len);

	if (doc)	/* else the last document stays */
		ksm_http_set_doc(&http, doc, len);
}

/* ---- the screen ---- */

/* Bytes of line that fill at most cols cells (UTF-8: one cell a char). */
static int fit(const char *line, int cols)
{
	int i, cells = 0;

	for (i = 0; line[i]; i++) {
		if (((unsigned char)line[i] & 0xc0) == 0x80)
			continue;
		if (cells++ == cols)
			break;
	}
	return i;
}

static void emit_curses(int y, const char *line, int attr)
{
	if (y >= LINES - 1)
		return;
	attron(attr);
	mvaddnstr(y, 0, line, fit(line, COLS));
	attroff(attr);
}

static void draw_help(void)
{
	static const char *const lines[] = {
		"ksmtop keys",
		"",
		"  q          quit (also SIGINT, SIGTERM)",
		"  h ?        this help; any key closes it",
		"  space p    pause / resume",
		"  s  S       next / previous sort key",
		"  r          reverse the order",
		"  d          set the interval (seconds)",
		"  +  -       interval halved / doubled",
		"  f          filter: a pid or part of a name",
		"  c          clear the filter",
		"",
		"columns: docs/ksmtop.md, or man ksmtop",
	};
	size_t i;

	erase();
	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		mvaddnstr((int)i, 0, lines[i], COLS);
	refresh();
}

static void draw(const struct view *v, const struct sample *cur)
{
	char line[512];
	int y, i;

	erase();
	if (COLS < MIN_COLS || LINES < MIN_LINES) {
		snprintf(line, sizeof(line), "terminal %dx%d is too small for "
			 "ksmtop: needs %dx%d (q quits)", COLS, LINES, MIN_COLS,
			 MIN_LINES);
		mvaddnstr(0, 0, line, COLS);
		refresh();
		return;
	}
	y = header(v, cur, emit_curses, COLS) + 1;
	attron(A_REVERSE);
	snprintf(line, sizeof(line), "%-*s", COLS, table_head());
	mvaddnstr(y++, 0, line, COLS);
	attroff(A_REVERSE);
	for (i = 0; i < v->nshown && y < LINES - 1; i++, y++) {
		row_str(&v->rows[i], line, sizeof(line));
		mvaddnstr(y, 0, line, COLS);
	}
	snprintf(line, sizeof(line), "%d processes  sort %s%s%s%s%s  "
		 "h help  q quit", v->nrows, sort_names[opt.sort],
		 opt.reverse ? " (reversed)" : "",
		 opt.comm[0] || opt.npids ? "  filter " : "", opt.comm,
		 opt.npids ? " pid" : "");
	attron(A_DIM);
	mvaddnstr(LINES - 1, 0, line, COLS);
	attroff(A_DIM);
	refresh();
}

static void prompt(const char *what, char *buf, int len)
{
	mvaddnstr(LINES - 1, 0, what, COLS);
	clrtoeol();
	echo();
	curs_set(1);
	timeout(-1);
	getnstr(buf, len - 1);
	noecho();
	curs_set(0);
}

static void set_filter(const char *s)
{
	char *end;
	long pid = strtol(s, &end, 10);

	opt.npids = 0;
	opt.comm[0] = '\0';
	if (!*s)
		return;
	if (!*end && pid > 0) {
		opt.pids[0] = (int)pid;
		opt.npids = 1;
	} else {
		snprintf(opt.comm, sizeof(opt.comm), "%.15s", s);
	}
}

/* Handle keys until the interval is over; false to quit. */
static bool wait_keys(double until, const struct view *v,
		      const struct sample *cur)
{
	while (!quit) {
		double left = until - now();
		char buf[64];
		int ch;

		if (left <= 0 && !paused)
			return true;
		timeout(left > 0 && !paused ? (int)(left * 1000) + 1 : 250);
		ch = getch();
		if (ch == ERR)
			continue;
		if (help_on) {
			help_on = false;
			draw(v, cur);
			continue;
		}
		switch (ch) {
		case 'q':
		case 'Q':
			return false;
		case 'h':
		case '?':
			help_on = true;
			draw_help();
			continue;
		case ' ':
		case 'p':
			paused = !paused;
			break;
		case 's':
			opt.sort = (enum sort_key)((opt.sort + 1) % SORT_NR);
			break;
		case 'S':
			opt.sort = (enum sort_key)((opt.sort + SORT_NR - 1) %
						   SORT_NR);
			break;
		case 'r':
			opt.reverse = !opt.reverse;
			break;
		case '+':
			opt.delay = fmax(opt.delay / 2, 0.1);
			break;
		case '-':
			opt.delay = fmin(opt.delay * 2, 3600);
			break;
		case 'd':
			prompt("interval in seconds: ", buf, sizeof(buf));
			if (parse_interval(buf) > 0)
				opt.delay = parse_interval(buf);
			else
				snprintf(notice, sizeof(notice),
					 "interval '%s' ignored: needs > 0 and <= 3600",
					 buf);
			break;
		case 'f':
			prompt("filter (pid or part of a name, empty: none): ",
			       buf, sizeof(buf));
			set_filter(buf);
			break;
		case 'c':
			set_filter("");
			break;
		case KEY_RESIZE:
			break;
		default:
			continue;
		}
		/* new sort, filter or size: the next frame comes at once */
		return true;
	}
	return false;
}

static int run(void)
{
	struct sample prev, cur;
	struct view v = { 0 };
	long n = 0;
	int ret = 0;
	double next;

	sample_take(&prev);
	next = prev.t + opt.delay;
	if (curses_on || opt.prometheus) {
		/* a first frame without rates, so the screen is not blank */
		struct sample first = prev;

		first.t -= opt.delay;
		memset(first.cnt, 0, sizeof(first.cnt));
		first.procs = NULL;
		first.mms = NULL;
		first.tasks = NULL;
		first.nprocs = first.nmms = first.ntasks = 0;
		build_view(&v, &first, &prev);
		if (curses_on)
			draw(&v, &prev);
		else
			publish(&v, &prev);
	}
	while (!quit) {
		if (curses_on) {
			if (!wait_keys(next, &v, &prev))
				break;
		} else {
			double left = next - now();
			int err;

			if (left > 0 && opt.prometheus) {
				err = ksm_http_serve(&http, (int)(left * 1000) + 1);
				if (err) {
					fprintf(stderr, "ksmtop: error: serving "
						"%s: %s\n", http.where,
						strerror(-err));
					ret = 1;
					break;
				}
			} else if (left > 0) {
				poll(NULL, 0, (int)(left * 1000) + 1);
			}
			if (quit)
				break;
			if (now() < next)
				continue;
		}
		sample_take(&cur);
		free(v.rows);
		build_view(&v, &prev, &cur);
		if (opt.prometheus)
			publish(&v, &cur);
		if (curses_on && !paused && !help_on)
			draw(&v, &cur);
		else if (opt.json)
			print_json(&v, &cur);
		else if (opt.batch)
			print_batch(&v, &cur);
		sample_free(&prev);
		prev = cur;
		next = now() + opt.delay;
		if (opt.iterations && ++n >= opt.iterations)
			break;
	}
	free(v.rows);
	sample_free(&prev);
	return ret;
}

int main(int argc, char **argv)
{
	struct ksm_bpf_opts bo = { .tool = "ksmtop" };
	struct sigaction sa = { .sa_handler = on_signal };
	char err[512];
	int ret;

	setlocale(LC_ALL, "");
	utf8 = !strcmp(nl_langinfo(CODESET), "UTF-8");
	ret = parse_options(argc, argv, &opt, err, sizeof(err));
	if (ret == OPT_HELP) {
		print_usage(stdout);
		return 0;
	}
	if (ret == OPT_ERROR) {
		fprintf(stderr, "ksmtop: error: %s (ksmtop -h for help)\n", err);
		return 2;
	}
	if (!opt.batch && !opt.prometheus &&
	    (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))) {
		fprintf(stderr, "ksmtop: error: no terminal: use -b or -j\n");
		return 2;
	}
	if (geteuid()) {
		fprintf(stderr, "ksmtop: error: needs root (BPF and "
			"/proc/PID/ksm_stat)\n");
		return 1;
	}
	if (!ksm_present()) {
		fprintf(stderr, "ksmtop: error: no %s: the kernel has no KSM "
			"(CONFIG_KSM)\n", ksm_sysfs_dir());
		return 1;
	}
	/* before loading anything: a taken port is a one-line error */
	if (opt.prometheus &&
	    ksm_http_listen(&http, opt.prom_addr[0] ? opt.prom_addr :
			    PROM_DEFAULT_ADDR, PROM_DEFAULT_PORT, "/metrics",
			    KSM_PROM_CONTENT_TYPE, err, sizeof(err))) {
		fprintf(stderr, "ksmtop: error: %s\n", err);
		ksm_http_close(&http);
		return 2;
	}
	bo.verbose = opt.verbose;
	bo.no_bpf = opt.counters_only;
	bo.check = !opt.no_check;
	if (ksm_bpf_open(&bpf, &bo, err, sizeof(err))) {
		fprintf(stderr, "ksmtop: error: %s\n", err);
		ksm_bpf_close(&bpf);
		ksm_http_close(&http);
		return 1;
	}
	/* violations: counted; reported on stderr in batch mode */
	ksm_check_init(&checker, &bpf, opt.batch || opt.prometheus ? stderr :
		       fopen("/dev/null", "w"));
	if (bpf.skel && bo.check)
		violations_rb = ring_buffer__new(ksm_bpf_events_fd(&bpf),
						 on_violation, NULL, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	if (opt.prometheus) {
		signal(SIGPIPE, SIG_IGN);
		fprintf(stderr, "ksmtop: serving the Prometheus text format at "
			"http://%s/metrics (top %d processes)\n", http.where,
			opt.top);
	}
	if (opt.batch || opt.prometheus) {
		fprintf(stderr, "%s\n", bpf.summary);
		if (ksm_read("run") == 0)
			fprintf(stderr, "ksmtop: notice: ksmd is off (run=0): "
				"nothing merges\n");
	} else {
		snprintf(notice, sizeof(notice), "%s", bpf.summary);
		initscr();
		cbreak();
		noecho();
		keypad(stdscr, TRUE);
		curs_set(0);
		curses_on = true;
	}
	ret = run();
	if (curses_on)
		endwin();
	ring_buffer__free(violations_rb);
	ksm_bpf_close(&bpf);
	ksm_http_close(&http);
	return ret;
}

// SPDX-License-Identifier: GPL-2.0
/* ksm_check.c - the user-space half of the invariant engine */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "ksm_check.h"
#include "ksm_evdesc.h"
#include "ksm_fmt.h"
#include "ksm_util.h"

#define EV(x) (1ULL << KSM_EV_##x)
/* a node's life: inserted (live, counted), removed (stale, purge) */
#define NODE_LIFE (EV(STABLE_TREE_INSERT) | EV(STALE_NODE) | EV(PURGE))
/* an rmap_item joining and leaving stable nodes */
#define STABLE_ITEMS (EV(STABLE_TREE_APPEND) | EV(REMOVE_RMAP_ITEM_FROM_TREE) | \
		      EV(REMOVE_RMAP_ITEM))
/* ... and the unstable tree (its inserts: the series only) */
#define ITEM_TREE (EV(UNSTABLE_TREE_INSERT) | STABLE_ITEMS)

/*
 * What each invariant needs attached: every event whose absence would
 * make its check wrong (a missed removal, a missed move), not only the
 * ones it is judged at.
 */
const struct ksm_inv_desc ksm_inv_desc[KSM_INV_NR] = {
	[KSM_INV_I1] = { .id = "I1",
		.what = "a stable node is removed once per insertion",
		.needs = NODE_LIFE },
	[KSM_INV_I2] = { .id = "I2",
		.what = "a get_ksm_page retry's new kpfn is the node's last "
			"migration target",
		.needs = EV(GET_KSM_PAGE_RETRY) | EV(MIGRATE_PAGE) },
	[KSM_INV_I3] = { .id = "I3",
		.what = "a node whose page migrated is not removed as stale "
			"with the old kpfn",
		.needs = EV(STALE_NODE) | EV(MIGRATE_PAGE) | NODE_LIFE },
	[KSM_INV_I4] = { .id = "I4",
		.what = "merges with a KSM page target a live node's page",
		.needs = EV(MERGE_WITH_KSM_PAGE) | EV(MIGRATE_PAGE) | NODE_LIFE },
	/* pages_unshared too where the unstable tree's inserts are seen */
	[KSM_INV_I5] = { .id = "I5",
		.what = "counts derived from events agree with "
			"/sys/kernel/mm/ksm",
		.needs = STABLE_ITEMS | NODE_LIFE },
	/* ksm_stop_scan, or ksmd's own count of full scans (ksm_probes.h) */
	[KSM_INV_I6] = { .id = "I6",
		.what = "each append pairs with one removal; nothing stays "
			"stable after its mm exited",
		.needs = STABLE_ITEMS | NODE_LIFE | EV(EXIT) | EV(STOP_SCAN) },
	[KSM_INV_I7] = { .id = "I7",
		.what = "an rmap_item is in one tree at a time",
		.needs = ITEM_TREE | NODE_LIFE },
	/*
	 * and the series' ksm_merge_with_ksm_page, emitted under the mmap
	 * lock (kernel/patches/0009): the later kernels emit it after the
	 * unlock, where its order with ksm_exit proves nothing
	 */
	[KSM_INV_I8] = { .id = "I8",
		.what = "after ksm_exit no merge into the mm succeeds",
		.needs = EV(EXIT) | EV(ENTER) | EV(MERGE_WITH_KSM_PAGE),
		.series_order = true },
	[KSM_INV_I9] = { .id = "I9",
		.what = "a KSM page mapped more than once is never discarded "
			"as lazyfree",
		.needs = EV(PURGE) | EV(STABLE_TREE_APPEND) |
			 EV(REMOVE_RMAP_ITEM_FROM_TREE) | NODE_LIFE },
};
#undef EV

int ksm_check_plan(const bool *attached, const bool *present,
		   const int *attach_err, bool merge_locked, bool *checkable,
		   char *why, size_t len)
{
	__u64 missing = 0, series = 0, absent = 0;
	size_t off = 0;
	int i, t, n = 0;

	bool order_gap = false, got = false;	/* got: some series event */

	for (t = KSM_EV_FIRST_SERIES; t < KSM_EV_FIRST_PROBE; t++) {
		series |= 1ULL << t;
		got |= attached[t];
		if (!present[t])
			absent |= 1ULL << t;
	}
	for (i = 1; i < KSM_INV_NR; i++) {
		__u64 gap = 0;

		for (t = 0; t < KSM_EV_NR; t++)
			if ((ksm_inv_desc[i].needs >> t & 1) && !attached[t])
				gap |= 1ULL << t;
		checkable[i] = !gap;
		/* the series' event order: judged only where the series is */
		if (ksm_inv_desc[i].series_order && absent && !merge_locked) {
			checkable[i] = false;
			order_gap = true;
		}
		n += checkable[i];
		missing |= gap;
	}
	if (!why || !len)
		return n;
	why[0] = '\0';
	/* a kernel without the series (nor probes): one reason, not nine */
	if ((missing & series || order_gap) && absent == series && !got) {
		off += (size_t)snprintf(why, len, "the ksmscope series' "
					"tracepoints: not in this kernel");
		missing &= ~series;
	}
	if (order_gap && off < len)
		off += (size_t)snprintf(why + off, len - off, "%sI8: this "
					"kernel's ksm_merge_with_ksm_page comes "
					"after mmap_read_unlock(), so its order "
					"with ksm_exit proves nothing",
					off ? "; " : "");
	for (t = 0; t < KSM_EV_NR && off < len; t++) {
		if (!(missing >> t & 1))
			continue;
		off += (size_t)snprintf(why + off, len - off, "%s%s: %s%s",
					off ? "; " : "", ksm_event_desc[t].name,
					present[t] ? "attach failed: " :
					"not in this kernel",
					present[t] ? strerror(attach_err[t] ?
					attach_err[t] : EINVAL) : "");
	}
	return n;
}

void ksm_check_init(struct ksm_checker *c, struct ksm_bpf *b, FILE *out)
{
	bool all[KSM_EV_NR];
	int i, t;

	memset(c, 0, sizeof(*c));
	c->kmsg_fd = -1;
	c->b = b;
	c->out = out;
	/* synthetic events (tests): every program loaded, none attached */
	for (t = 0; t < KSM_EV_NR; t++)
		all[t] = b->synthetic || b->attached[t];
	/* ksmd's own count of full scans stands in for ksm_stop_scan */
	if (b->scans_from_kernel)
		all[KSM_EV_STOP_SCAN] = true;
	c->i5_unshared = all[KSM_EV_UNSTABLE_TREE_INSERT];
	ksm_check_plan(all, b->synthetic ? all : b->probe.present,
		       b->attach_err, b->src[KSM_EV_MERGE_WITH_KSM_PAGE] ==
		       KSM_SRC_PROBE, c->checkable, c->missing,
		       sizeof(c->missing));
	ksm_check_procs_plan(c, all);
	ksm_snapshot_read(&c->base);
	ksm_bpf_counters(b, c->base_cnt);
	for (i = 0; i < 10 && !c->i5_ready; i++)
		ksm_check_counters(c);
}

unsigned long long ksm_check_total(const struct ksm_checker *c)
{
	unsigned long long t = 0;
	int i;

	for (i = 1; i < KSM_INV_NR; i++)
		t += c->found[i];
	return t;
}

void ksm_check_coverage(const struct ksm_checker *c, char *buf, size_t len)
{
	size_t off = 0;
	int i, pass, n;

	for (pass = 0; pass < 2; pass++) {
		off += (size_t)snprintf(buf + off, len > off ? len - off : 0,
					"%s", pass ? "; not checkable here:" :
					"checked:");
		for (i = 1, n = 0; i < KSM_INV_NR; i++)
			if (c->checkable[i] == !pass && off < len) {
				off += (size_t)snprintf(buf + off, len - off,
							" %s", ksm_inv_desc[i].id);
				n++;
			}
		if (!n && off < len)
			off += (size_t)snprintf(buf + off, len - off, " none");
	}
	if (c->missing[0] && off < len)
		off += (size_t)snprintf(buf + off, len - off, " (missing: %s)",
					c->missing);
	if (c->i5_note[0] && off < len)
		snprintf(buf + off, len - off, "; %s", c->i5_note);
}

/* ---- reports ---- */

struct hrow {
	__u64 ts;
	const char *whose;
	struct ksm_hist_ent h;
};

static int cmp_hrow(const void *a, const void *b)
{
	const struct hrow *x = a, *y = b;

	return x->ts < y->ts ? -1 : x->ts > y->ts;
}

static int collect(struct hrow *rows, int n, const struct ksm_hist_ent *h,
		   unsigned int nh, unsigned int cap, const char *whose)
{
	unsigned int i, have = nh < cap ? nh : cap;

	for (i = 0; i < have; i++) {
		if (!h[i].ts_ns)
			continue;
		rows[n].ts = h[i].ts_ns;
		rows[n].whose = whose;
		rows[n++].h = h[i];
	}
	return n;
}

void ksm_check_report(struct ksm_checker *c, int inv, const char *text,
		      __u64 node, __u64 item, const struct ksm_event *e)
{
	struct hrow rows[KSM_NODE_HIST + KSM_ITEM_HIST];
	struct ksm_node_state ns;
	struct ksm_item_state is;
	char ev[512];
	int n = 0, i, fd;

	/* what this kernel does not let us check is no verdict either */
	if (inv <= 0 || inv >= KSM_INV_NR || !c->checkable[inv])
		return;
	c->found[inv]++;
	/*
	 * First, and in the kernel log too if asked: ordered there with
	 * whatever the kernel prints next (an oops the race leads to).
	 * KERN_ERR, so a console at the quiet loglevel shows it.
	 */
	if (c->kmsg_fd >= 0) {
		char line[512];
		int len = snprintf(line, sizeof(line), "<3>ksmscope: VIOLATION "
				   "%s (%s): %s\n", ksm_inv_desc[inv].id,
				   ksm_inv_desc[inv].what, text);

		/* one write() is one record (dprintf() fails on /dev/kmsg) */
		if (len > 0 && write(c->kmsg_fd, line, (size_t)len < sizeof(line) ?
				     (size_t)len : sizeof(line) - 1) < 0)
			c->kmsg_fd = -1;
	}
	fd = ksm_bpf_map_fd(c->b, KSM_MAP_NODES);
	if (node && fd >= 0 && !bpf_map_lookup_elem(fd, &node, &ns))
		n = collect(rows, n, ns.hist, ns.nhist, KSM_NODE_HIST, "node");
	fd = ksm_bpf_map_fd(c->b, KSM_MAP_ITEMS);
	if (item && fd >= 0 && !bpf_map_lookup_elem(fd, &item, &is))
		n = collect(rows, n, is.hist, is.nhist, KSM_ITEM_HIST, "item");
	qsort(rows, (size_t)n, sizeof(rows[0]), cmp_hrow);
	snprintf(ev, sizeof(ev), "%s", e ? ksm_event_desc[e->args[4] %
						KSM_EV_NR].name : "-");
	if (c->json) {
		fprintf(c->out, "{\"violation\":\"%s\",\"what\":",
			ksm_inv_desc[inv].id);
		ksm_json_str(c->out, text);
		fprintf(c->out, ",\"node\":\"0x%" PRIx64 "\",\"rmap_item\":"
			"\"0x%" PRIx64 "\",\"history\":[", (uint64_t)node,
			(uint64_t)item);
		for (i = 0; i < n; i++) {
			struct ksm_event t = { .type = rows[i].h.type };

			t.nargs = (__u16)ksm_event_desc[t.type % KSM_EV_NR].nargs;
			memcpy(t.args, rows[i].h.args, sizeof(t.args));
			ksm_event_format(&t, ev, sizeof(ev));
			fprintf(c->out, "%s{\"ts_ns\":%llu,\"cpu\":%u,\"tgid\":%u,"
				"\"of\":\"%s\",\"event\":", i ? "," : "",
				(unsigned long long)rows[i].ts, rows[i].h.cpu,
				rows[i].h.tgid, rows[i].whose);
			ksm_json_str(c->out, ev);
			fputc('}', c->out);
		}
		fprintf(c->out, "]}\n");
		fflush(c->out);
		return;
	}
	fprintf(c->out, "VIOLATION %s (%s): %s\n", ksm_inv_desc[inv].id,
		ksm_inv_desc[inv].what, text);
	if (e)
		fprintf(c->out, "  at %.6f cpu %u pid %u (%s), in %s\n",
			e->ts_ns / 1e9, e->cpu, e->pid, e->comm, ev);
	fprintf(c->out, "  history of node 0x%" PRIx64 " and rmap_item 0x%"
		PRIx64 ", oldest first (%d events):\n", (uint64_t)node,
		(uint64_t)item, n);
	for (i = 0; i < n; i++) {
		struct ksm_event t = { .type = rows[i].h.type };

		t.nargs = (__u16)ksm_event_desc[t.type % KSM_EV_NR].nargs;
		memcpy(t.args, rows[i].h.args, sizeof(t.args));
		ksm_event_format(&t, ev, sizeof(ev));
		fprintf(c->out, "    %.6f cpu %-2u tgid %-6u %-4s %s\n",
			rows[i].ts / 1e9, rows[i].h.cpu, rows[i].h.tgid,
			rows[i].whose, ev);
	}
	fflush(c->out);
}

static const char *const item_states[] = { "in no tree", "unstable", "stable" };

static const char *state_name(__u64 v)
{
	return v < 3 ? item_states[v] : "?";
}

/* What a BPF violation record means, in words. */
static void explain(const struct ksm_event *e, char *buf, size_t len)
{
	unsigned long long want = e->args[5], saw = e->args[6];

	switch (e->args[0] & 0xff) {
	case KSM_INV_I1:
		snprintf(buf, len, "stable node removed again without being "
			 "inserted again");
		break;
	case KSM_INV_I2:
		snprintf(buf, len, "get_ksm_page retried to kpfn %llu, but the "
			 "node's last migration went to %llu", want, saw);
		break;
	case KSM_INV_I3:
		snprintf(buf, len, "node removed as stale at kpfn %llu, the pfn "
			 "its page had migrated away from (to %llu)", saw, want);
		break;
	case KSM_INV_I4:
		snprintf(buf, len, "merged into the page of a stable node that "
			 "was already removed");
		break;
	case KSM_INV_I6:
		snprintf(buf, len, "rmap_item should have been %s but was %s",
			 state_name(want), state_name(saw));
		break;
	case KSM_INV_I7:
		snprintf(buf, len, "rmap_item entered a tree while %s",
			 state_name(saw));
		break;
	case KSM_INV_I8:
		snprintf(buf, len, "a merge into the mm succeeded after its "
			 "ksm_exit");
		break;
	case KSM_INV_I9:
		snprintf(buf, len, "KSM page with %lld rmap_items discarded as "
			 "lazyfree", (long long)saw);
		break;
	default:
		snprintf(buf, len, "?");
	}
}

/* A suspect I2 that is due: a violation if its migration never came. */
static void judge(struct ksm_checker *c, const struct ksm_event *e)
{
	int fd = ksm_bpf_map_fd(c->b, KSM_MAP_NODES);
	int rfd = ksm_bpf_map_fd(c->b, KSM_MAP_RETRIES);
	struct ksm_node_state ns;
	__u64 node = e->args[1], want = e->args[5], ts;
	struct ksm_retry_key rk = { .node = node, .kpfn = want };
	bool ok = false;
	unsigned int h;

	/*
	 * The migration to the retry's kpfn deletes its key: gone means it
	 * came, however much the node did since (its history holds only
	 * the last KSM_NODE_HIST events).
	 */
	if (rfd >= 0 && !(e->args[0] & KSM_VIOL_UNTRACKED)) {
		ok = bpf_map_lookup_elem(rfd, &rk, &ts) != 0;
		if (!ok)
			bpf_map_delete_elem(rfd, &rk);
	}
	if (!ok && fd >= 0 && !bpf_map_lookup_elem(fd, &node, &ns)) {
		/* any migration of the node to that pfn will do */
		for (h = 0; h < KSM_NODE_HIST && !ok; h++)
			ok = ns.hist[h].type == KSM_EV_MIGRATE_PAGE &&
			     ns.hist[h].args[2] == want;
		ok = ok || ((ns.flags & KSM_NODE_MIGRATED) &&
			    ns.migr_new == want);
	}
	if (!ok) {
		char text[256];

		explain(e, text, sizeof(text));
		ksm_check_report(c, KSM_INV_I2, text, node, 0, e);
	}
}

void ksm_check_record(struct ksm_checker *c, const struct ksm_event *e)
{
	int inv = (int)(e->args[0] & 0xff);
	char text[256];

	if (inv <= 0 || inv >= KSM_INV_NR)
		return;
	if (e->args[0] & KSM_VIOL_SUSPECT) {
		if (c->npending == KSM_CHECK_PENDING) {
			/* cannot wait for all: judge the oldest now */
			judge(c, &c->pending[0].e);
			memmove(&c->pending[0], &c->pending[1],
				--c->npending * sizeof(c->pending[0]));
		}
		c->pending[c->npending].due = ksm_now() + 0.5;
		c->pending[c->npending++].e = *e;
		return;
	}
	explain(e, text, sizeof(text));
	ksm_check_report(c, inv, text, e->args[1], e->args[2], e);
}

void ksm_check_poll(struct ksm_checker *c, bool final)
{
	double t = ksm_now();
	int i, k = 0;

	for (i = 0; i < c->npending; i++) {
		if (!final && c->pending[i].due > t)
			c->pending[k++] = c->pending[i];
		else
			judge(c, &c->pending[i].e);
	}
	c->npending = k;
}

/*
 * sysfs between two readings of BPF's counts: true if no event came in
 * between, so the two agree on what happened.
 */
static bool quiet_reading(struct ksm_checker *c, __u64 *cnt,
			  struct ksm_snapshot *s)
{
	__u64 again[KSM_CNT_NR];

	ksm_bpf_counters(c->b, cnt);
	ksm_snapshot_read(s);
	ksm_bpf_counters(c->b, again);
	return !memcmp(cnt, again, sizeof(again));
}

int ksm_check_counters(struct ksm_checker *c)
{
	__u64 a[KSM_CNT_NR];
	struct ksm_snapshot s;
	long long unshared, total, want_u, want_t;

	if (!c->checkable[KSM_INV_I5])
		return 0;
	ksm_check_procs(c);
	if (!quiet_reading(c, a, &s))
		return 0;
	if (!c->i5_ready) {
		/*
		 * The baseline too must be read with no event in between:
		 * one event between sysfs and the counts would be a lasting
		 * difference of one, reported as I5 on a correct kernel.
		 */
		c->i5_base = s;
		memcpy(c->i5_cnt, a, sizeof(a));
		c->tree_empty_at_start = !s.v[KSM_SYS_PAGES_SHARED] &&
					 !s.v[KSM_SYS_PAGES_SHARING];
		c->i5_ready = true;
		return 0;
	}
	unshared = s.v[KSM_SYS_PAGES_UNSHARED];
	want_u = !c->i5_unshared ? unshared :
		 c->i5_base.v[KSM_SYS_PAGES_UNSHARED] +
		 (long long)(a[KSM_EV_UNSTABLE_TREE_INSERT] -
			     c->i5_cnt[KSM_EV_UNSTABLE_TREE_INSERT]) -
		 (long long)(a[KSM_CNT_UNSTABLE_OUT] -
			     c->i5_cnt[KSM_CNT_UNSTABLE_OUT]);
	total = s.v[KSM_SYS_PAGES_SHARED] + s.v[KSM_SYS_PAGES_SHARING];
	want_t = total;
	if (c->tree_empty_at_start &&
	    a[KSM_CNT_DROPPED_UNKNOWN] == c->i5_cnt[KSM_CNT_DROPPED_UNKNOWN])
		want_t = (long long)(a[KSM_EV_STABLE_TREE_APPEND] -
				     c->i5_cnt[KSM_EV_STABLE_TREE_APPEND]) -
			 (long long)(a[KSM_CNT_STABLE_OUT] -
				     c->i5_cnt[KSM_CNT_STABLE_OUT]) -
			 (long long)(a[KSM_CNT_DROPPED_KNOWN] -
				     c->i5_cnt[KSM_CNT_DROPPED_KNOWN]);
	else if (c->i5_unshared)
		snprintf(c->i5_note, sizeof(c->i5_note), "I5 checks "
			 "pages_unshared only (stable tree not empty at start)");
	else
		snprintf(c->i5_note, sizeof(c->i5_note), "I5 checks nothing "
			 "(stable tree not empty at start, and no unstable "
			 "tree inserts)");
	if (!c->i5_unshared && !c->i5_note[0])
		snprintf(c->i5_note, sizeof(c->i5_note), "I5 checks "
			 "pages_shared+pages_sharing only (no unstable tree "
			 "inserts)");
	if (unshared == want_u && total == want_t) {
		c->i5_mismatch_runs = 0;
		return 1;
	}
	/* the same mismatch three quiescent readings in a row: real */
	if (c->i5_mismatch_runs && c->i5_last[0] == unshared - want_u &&
	    c->i5_last[1] == total - want_t)
		c->i5_mismatch_runs++;
	else
		c->i5_mismatch_runs = 1;
	c->i5_last[0] = unshared - want_u;
	c->i5_last[1] = total - want_t;
	if (c->i5_mismatch_runs == 3) {
		char text[256];

		snprintf(text, sizeof(text), "pages_unshared %lld, events say "
			 "%lld; pages_shared+pages_sharing %lld, events say %lld",
			 unshared, want_u, total, want_t);
		ksm_check_report(c, KSM_INV_I5, text, 0, 0, NULL);
	}
	return 1;
}

/* reported already: each (rmap_item, node incarnation) once */
static bool i6_seen(struct ksm_checker *c, __u64 item, __u64 node, __u64 gen)
{
	size_t i;

	for (i = 0; i < c->i6_nreported; i++)
		if (c->i6_reported[i].item == item &&
		    c->i6_reported[i].node == node &&
		    c->i6_reported[i].gen == gen)
			return true;
	if (!ksm_grow(&c->i6_reported, &c->i6_cap, c->i6_nreported,
		      sizeof(*c->i6_reported))) {
		c->i6_reported[c->i6_nreported].item = item;
		c->i6_reported[c->i6_nreported].node = node;
		c->i6_reported[c->i6_nreported++].gen = gen;
	}
	return false;
}

/*
 * A live task maps this mm: it entered KSM again after the exit the
 * checker holds (ksm_enter's return probe can be missed), so the exit
 * record is not this mm's.  Said once per mm, never judged.
 */
static bool i6_alive(struct ksm_checker *c, const struct ksm_task_rec *t,
		     int nt, __u64 mm)
{
	int i;

	for (i = 0; i < nt; i++)
		if (t[i].mm == mm)
			break;
	if (i == nt)
		return false;
	if (!i6_seen(c, mm, 0, 0)) {
		c->i6_alive++;
		fprintf(c->out, "note: I6: mm 0x%llx exited, then entered KSM "
			"again unseen: pid %u (%.16s) maps it; its rmap_items "
			"are not judged\n", (unsigned long long)mm, t[i].tgid,
			t[i].comm);
	}
	return true;
}

/*
 * The item took part in an event after its mm's recorded exit (its last
 * append named that mm): the mm_struct was allocated again and entered
 * KSM without its ksm_enter seen, so the exit record is another mm's.
 */
static bool i6_after_exit(struct ksm_checker *c, const struct ksm_item_state *is,
			  const struct ksm_exit_state *x)
{
	__u32 i, n = is->nhist < KSM_ITEM_HIST ? is->nhist : KSM_ITEM_HIST;

	for (i = 0; i < n; i++)
		if (is->hist[i].ts_ns > x->ts_ns)
			break;
	if (i == n)
		return false;
	if (!i6_seen(c, is->mm, 0, 0)) {
		c->i6_alive++;
		fprintf(c->out, "note: I6: mm 0x%llx exited, then entered KSM "
			"again unseen (an event names it after the exit); its "
			"rmap_items are not judged\n", (unsigned long long)is->mm);
	}
	return true;
}

void ksm_check_leftovers(struct ksm_checker *c)
{
	int ifd = ksm_bpf_map_fd(c->b, KSM_MAP_ITEMS);
	int xfd = ksm_bpf_map_fd(c->b, KSM_MAP_EXITED);
	int nfd = ksm_bpf_map_fd(c->b, KSM_MAP_NODES);
	__u64 key, next, *prev = NULL;
	struct ksm_item_state is;
	struct ksm_task_rec *tasks = NULL;
	int nt;

	if (!c->checkable[KSM_INV_I6] || ifd < 0 || xfd < 0)
		return;
	nt = ksm_bpf_tasks_all(c->b, &tasks);
	while (!bpf_map_get_next_key(ifd, prev, &next)) {
		struct ksm_exit_state x;
		struct ksm_node_state ns;

		key = next;
		prev = &key;
		if (bpf_map_lookup_elem(ifd, &key, &is) ||
		    is.state != KSM_ITEM_STABLE ||
		    bpf_map_lookup_elem(xfd, &is.mm, &x))
			continue;
		/*
		 * ksmd frees an exited mm's rmap_items when it next reaches
		 * its slot, within the pass after the exit: only judge mms
		 * that exited two full scans ago or more.
		 */
		if (x.scans + 2 > ksm_bpf_scans_done(c->b))
			continue;
		/*
		 * dropped with its node (no event names the last item), or
		 * the node's state was evicted from the LRU map: unknown
		 */
		if (bpf_map_lookup_elem(nfd, &is.node, &ns) ||
		    (ns.flags & KSM_NODE_DEAD) || ns.gen != is.node_gen)
			continue;
		if (i6_alive(c, tasks, nt, is.mm) || i6_after_exit(c, &is, &x))
			continue;
		/*
		 * reported once; BPF's state is left alone (rewriting it
		 * here would race with the events that change it)
		 */
		if (i6_seen(c, key, is.node, is.node_gen))
			continue;
		ksm_check_report(c, KSM_INV_I6, "rmap_item still stable two "
				 "full scans after its mm exited",
				 is.node, key, NULL);
	}
	free(tasks);
}

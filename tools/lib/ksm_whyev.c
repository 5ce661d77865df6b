// SPDX-License-Identifier: GPL-2.0
/* ksm_whyev.c - a why-not-merging reading with the process's KSM events */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ksm_whyev.h"

static bool mm_stats(const struct ksm_bpf *b, __u64 mm, struct ksm_mm_stats *s)
{
	struct ksm_mm_entry *v = NULL;
	int n = ksm_bpf_mms(b, &v), i;
	bool found = false;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < n; i++)
		if (v[i].mm == mm) {
			*s = v[i].s;
			found = true;
		}
	free(v);
	return found;
}

int ksm_why_run(const struct ksm_bpf *b, int pid, double interval,
		const volatile sig_atomic_t *stop, struct ksm_why *w,
		struct ksm_why_events *ev, char *msg, size_t len)
{
	struct ksm_mm_stats s0, s1;
	__u64 mm = 0;
	int err;

	memset(ev, 0, sizeof(*ev));
	if (!b->skel || !b->n_attached)
		snprintf(ev->why_none, sizeof(ev->why_none), "no KSM event "
			 "attached (fidelity %s)", ksm_fidelity_name(b->fidelity));
	else if (!b->iter_link)
		snprintf(ev->why_none, sizeof(ev->why_none), "no task iterator: "
			 "mm unknown");
	else if (!(mm = ksm_bpf_mm_of(b, pid)))
		snprintf(ev->why_none, sizeof(ev->why_none), "no mm");
	if (mm)
		mm_stats(b, mm, &s0);
	err = ksm_why_read(ksm_proc_root(), pid, interval,
			   b->probe.rmap_item_size, stop, w, msg, len);
	if (err || !mm)
		return err;
	mm_stats(b, mm, &s1);
	ev->have = true;
	ev->have_merges = b->attached[KSM_EV_MERGE_WITH_KSM_PAGE];
	ev->have_unstable = b->attached[KSM_EV_UNSTABLE_TREE_INSERT];
	ev->have_appends = b->attached[KSM_EV_STABLE_TREE_APPEND];
	ev->have_unmerges = b->attached[KSM_EV_REMOVE_RMAP_ITEM_FROM_TREE];
	/* an entry made again (mm reused) starts at 0: no negative deltas */
#define D(f) (s1.f >= s0.f ? s1.f - s0.f : s1.f)
	ev->merges = D(merges);
	ev->merge_fails = D(merge_fails);
	ev->unstable_inserts = D(unstable_inserts);
	ev->appends = D(appends);
	ev->unmerges = D(unmerges);
#undef D
	return 0;
}

static int one(char *buf, size_t len, const char *name, bool have, __u64 v,
	       bool json, bool first)
{
	if (json)
		return have ? snprintf(buf, len, "%s\"%s\":%llu", first ? "" : ",",
				       name, (unsigned long long)v) :
			      snprintf(buf, len, "%s\"%s\":null", first ? "" : ",",
				       name);
	return have ? snprintf(buf, len, "%s %s %llu", first ? "" : ",", name,
			       (unsigned long long)v) :
		      snprintf(buf, len, "%s %s -", first ? "" : ",", name);
}

static void fields(const struct ksm_why_events *ev, char *buf, size_t len,
		   bool json)
{
	size_t n = 0;

#define ONE(name, have, v, first)					\
	do {								\
		if (n < len)						\
			n += one(buf + n, len - n, name, have, v, json, first); \
	} while (0)
	ONE("merges", ev->have_merges, ev->merges, true);
	ONE("merge_fails", ev->have_merges, ev->merge_fails, false);
	ONE("unstable_inserts", ev->have_unstable, ev->unstable_inserts, false);
	ONE("appends", ev->have_appends, ev->appends, false);
	ONE("unmerges", ev->have_unmerges, ev->unmerges, false);
#undef ONE
}

void ksm_why_events_line(const struct ksm_why_events *ev, double interval,
			 char *buf, size_t len)
{
	int n;

	if (!ev->have) {
		snprintf(buf, len, "events: unknown (%s)", ev->why_none);
		return;
	}
	n = snprintf(buf, len, "events of its mm in the %.1f s read:", interval);
	if (n > 0 && (size_t)n < len)
		fields(ev, buf + n, len - (size_t)n, false);
}

void ksm_why_events_json(const struct ksm_why_events *ev, char *buf,
			 size_t len)
{
	int n;

	if (!ev->have) {
		snprintf(buf, len, "null");
		return;
	}
	n = snprintf(buf, len, "{");
	fields(ev, buf + n, len - (size_t)n - 1, true);
	strncat(buf, "}", len - strlen(buf) - 1);
}

static void to_file(void *ctx, const char *line)
{
	fprintf(ctx, "%s\n", line);
}

void ksm_why_print(FILE *f, const struct ksm_why *w,
		   const struct ksm_why_events *ev, bool json)
{
	char buf[512];

	if (json) {
		ksm_why_events_json(ev, buf, sizeof(buf));
		ksm_why_json(f, w, buf);
	} else {
		ksm_why_lines(w, to_file, f);
		ksm_why_events_line(ev, w->interval, buf, sizeof(buf));
		fprintf(f, "%s\n", buf);
	}
	fflush(f);
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ksm_whyev.h - a why-not-merging reading (ksm_why.h) with what ksmd did
 * to the process meanwhile: its mm's events over the reading's interval,
 * from the BPF programs the tool has attached (none: events unknown).
 */
#ifndef KSMSCOPE_KSM_WHYEV_H
#define KSMSCOPE_KSM_WHYEV_H

#include "ksm_bpf.h"
#include "ksm_why.h"

struct ksm_why_events {
	bool have;		/* an mm and the events below were attached */
	bool have_merges, have_unstable, have_appends, have_unmerges;
	__u64 merges, merge_fails, unstable_inserts, appends, unmerges;
	char why_none[96];	/* have false: why */
};

/*
 * ksm_why_read() of pid with the events of its mm (b may have nothing
 * attached).  Returns what ksm_why_read() returns.
 */
int ksm_why_run(const struct ksm_bpf *b, int pid, double interval,
		const volatile sig_atomic_t *stop, struct ksm_why *w,
		struct ksm_why_events *ev, char *msg, size_t len);

/* One line for people; the JSON value of the report's "events". */
void ksm_why_events_line(const struct ksm_why_events *ev, double interval,
			 char *buf, size_t len);
void ksm_why_events_json(const struct ksm_why_events *ev, char *buf,
			 size_t len);

/* The whole report on f: lines, or one JSON object (json). */
void ksm_why_print(FILE *f, const struct ksm_why *w,
		   const struct ksm_why_events *ev, bool json);

#endif

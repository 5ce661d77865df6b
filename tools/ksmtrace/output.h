/* SPDX-License-Identifier: GPL-2.0 */
/*
 * output.h - how ksmtrace prints a streamed event: a text line or a JSON
 * line on the stream, and an instant in the Perfetto (Chrome trace-event)
 * file.  Everything it needs is in struct ksmtrace_out, nothing global.
 */
#ifndef KSMTRACE_OUTPUT_H
#define KSMTRACE_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>

#include "ksm_bpf.h"

struct ksmtrace_out {
	FILE *stream;		/* text or JSON lines: stdout */
	bool json;		/* -j: JSON lines, else text */
	bool stack;		/* -K: each event's kernel stack */
	int stacks_fd;		/* BPF "stacks" map, < 0: none */
	/* where each event type comes from (enum ksm_source), NULL: unknown */
	const enum ksm_source *src;
	__u64 t0_ns;		/* text and Perfetto times count from here */
	FILE *perfetto;		/* --perfetto FILE, NULL: not asked */
	unsigned long long perfetto_n;	/* instants written */
};

/*
 * Create FILE and start the trace in it.  0, or -1 with errno set
 * (nothing opened).
 */
int out_perfetto_open(struct ksmtrace_out *o, const char *path);
/* The event as an instant on its CPU's track; nothing without --perfetto. */
void out_perfetto_event(struct ksmtrace_out *o, const struct ksm_event *e);
/* End the trace (names of the process and CPU tracks) and close FILE. */
void out_perfetto_finish(struct ksmtrace_out *o);
/*
 * Close FILE as it is, unfinished (setup failed before any event); a
 * no-op once out_perfetto_finish() closed it.
 */
void out_perfetto_close(struct ksmtrace_out *o);

/* The event on the stream: one text or JSON line, and its stack (-K). */
void out_event(const struct ksmtrace_out *o, const struct ksm_event *e);

#endif

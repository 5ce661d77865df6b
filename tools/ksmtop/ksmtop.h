/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ksmtop.h - the views of ksmtop's model (model.h): the ncurses screen
 * (screen.c), text frames and JSON lines (textout.c), the Prometheus
 * exporter (exporter.c).  Each renders the model and the sample it came
 * from, passed in.
 */
#ifndef KSMTOP_KSMTOP_H
#define KSMTOP_KSMTOP_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "ksm_bpf.h"
#include "ksm_check.h"
#include "ksm_evdesc.h"
#include "model.h"
#include "options.h"
#include "sample.h"

/* ---- screen.c ---- */

struct screen {
	bool on;		/* initscr() done, endwin() due */
	bool utf8;		/* sparklines in block characters */
	bool paused;		/* space, p: the frame stays */
	bool help_on;		/* h, ?, w: a page shows until a key */
	int sel;		/* the selected row (up, down) */
	bool groups;		/* g: the cgroup units, not the processes */
	const struct ksm_bpf *bpf;	/* for w: the events of a process */
	char notice[4096];	/* a bold last header line, "" for none */
};

/* Take the terminal (curses mode), and give it back. */
void screen_start(struct screen *sc);
void screen_end(struct screen *sc);
/* On, neither paused nor showing the help: new frames are drawn. */
bool screen_showing(const struct screen *sc);
void screen_draw(const struct screen *sc, const struct ksmtop_model *m,
		 const struct sample *cur);
/*
 * Handle keys until the monotonic time until, or at once after a key
 * that changes what a frame shows (sort, filter, interval: in o).
 * false to quit: q, or *quit set by a signal.
 */
bool screen_wait(struct screen *sc, double until, struct options *o,
		 const struct ksmtop_model *m, const struct sample *cur,
		 const volatile sig_atomic_t *quit);

/* ---- textout.c ---- */

/* -b: one text frame, the header 120 wide. */
void textout_batch(const struct ksmtop_model *m, const struct sample *cur,
		   bool utf8);
/* -j: one JSON object on one line. */
void textout_json(const struct ksmtop_model *m, const struct sample *cur);

/* ---- exporter.c ---- */

struct ksm_http;

/*
 * The Prometheus exposition of one interval: settings, counters, event
 * classes, the first m->nshown processes, invariants, own cost.  Returns
 * a malloc'ed document and its length in *len, or NULL.
 */
char *exporter_render(const struct ksmtop_model *m, const struct sample *cur,
		      const struct ksm_checker *c, bool checking,
		      const struct ksm_http *h, size_t *len);
/* Render and hand to h for the scrapes until the next; else keep the last. */
void exporter_publish(struct ksm_http *h, const struct ksmtop_model *m,
		      const struct sample *cur, const struct ksm_checker *c,
		      bool checking);

#endif

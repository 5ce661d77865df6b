/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lines.h - the text of a frame, line by line, for both the screen
 * (screen.c) and -b (textout.c): the header packed to a width, the table
 * head and one line per process.
 */
#ifndef KSMTOP_LINES_H
#define KSMTOP_LINES_H

#include <stdbool.h>
#include <stddef.h>

#include "model.h"
#include "sample.h"

enum line_attr { LINE_PLAIN, LINE_BOLD };

/* Where a view puts line y of the header. */
typedef void (*emit_fn)(int y, const char *line, enum line_attr attr);

/* What the header shows besides the model: the view's own state. */
struct head_state {
	bool utf8;		/* sparklines in block characters */
	bool paused;		/* "[paused]" in the first line */
	const char *notice;	/* a bold last line; "" for none */
};

/*
 * The header: title, ksmd settings, counters, rates, sparklines (when
 * wider than 29), overhead, warnings.  Items wrap at width.  Returns the
 * number of lines emitted.
 */
int lines_header(const struct ksmtop_model *m, const struct sample *cur,
		 const struct head_state *hs, emit_fn emit, int width);
/* The table's column titles, 80 wide */
const char *lines_table_head(void);
/* One process in the columns of lines_table_head() */
void lines_row(const struct row *r, char *line, size_t len);
/* The same for the cgroup units (key g, and after the processes in -b) */
const char *lines_group_head(void);
void lines_group_row(const struct group_row *g, char *line, size_t len);

#endif

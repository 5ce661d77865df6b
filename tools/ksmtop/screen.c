// SPDX-License-Identifier: GPL-2.0
/* screen.c - ksmtop's ncurses screen: frames, keys, the help page */
#include <math.h>
#include <ncurses.h>
#include <stdio.h>
#include <stdlib.h>

#include "ksm_util.h"
#include "ksm_whyev.h"
#include "ksmtop.h"
#include "lines.h"

#define MIN_COLS 50
#define MIN_LINES 12

void screen_start(struct screen *sc)
{
	initscr();
	cbreak();
	noecho();
	keypad(stdscr, TRUE);
	curs_set(0);
	sc->on = true;
}

void screen_end(struct screen *sc)
{
	if (sc->on)
		endwin();
	sc->on = false;
}

bool screen_showing(const struct screen *sc)
{
	return sc->on && !sc->paused && !sc->help_on;
}

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

static void emit_curses(int y, const char *line, enum line_attr attr)
{
	int a = attr == LINE_BOLD ? A_BOLD : 0;

	if (y >= LINES - 1)
		return;
	attron(a);
	mvaddnstr(y, 0, line, fit(line, COLS));
	attroff(a);
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
		"  up down    select a process",
		"  w          why the selected process is not merged",
		"  g          processes / their cgroup units (services, containers, VMs)",
		"",
		"columns: docs/ksmtop.md, or man ksmtop",
	};
	size_t i;

	erase();
	for (i = 0; i < ARRAY_SIZE(lines); i++)
		mvaddnstr((int)i, 0, lines[i], COLS);
	refresh();
}

void screen_draw(const struct screen *sc, const struct ksmtop_model *m,
		 const struct sample *cur)
{
	const struct head_state hs = {
		.utf8 = sc->utf8, .paused = sc->paused, .notice = sc->notice,
	};
	const struct options *o = m->opt;
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
	y = lines_header(m, cur, &hs, emit_curses, COLS) + 1;
	attron(A_REVERSE);
	snprintf(line, sizeof(line), "%-*s", COLS, sc->groups ?
		 lines_group_head() : lines_table_head());
	mvaddnstr(y++, 0, line, COLS);
	attroff(A_REVERSE);
	for (i = 0; sc->groups && i < m->gshown && y < LINES - 1; i++, y++) {
		lines_group_row(&m->groups[i], line, sizeof(line));
		mvaddnstr(y, 0, line, COLS);
	}
	for (i = 0; !sc->groups && i < m->nshown && y < LINES - 1; i++, y++) {
		int a = i == sc->sel ? A_BOLD | A_UNDERLINE : 0;

		lines_row(&m->rows[i], line, sizeof(line));
		attron(a);
		mvaddnstr(y, 0, line, COLS);
		attroff(a);
	}
	snprintf(line, sizeof(line), "%d processes%s  sort %s%s%s%s%s  "
		 "h help  q quit", m->nrows, sc->groups ? " in groups (g)" : "",
		 sort_names[o->sort],
		 o->reverse ? " (reversed)" : "",
		 o->comm[0] || o->npids ? "  filter " : "", o->comm,
		 o->npids ? " pid" : "");
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

/* key f: a pid, or else part of a name; "" clears the filter */
static void set_filter(struct options *o, const char *s)
{
	char *end;
	long pid = strtol(s, &end, 10);

	o->npids = 0;
	o->comm[0] = '\0';
	if (!*s)
		return;
	if (!*end && pid > 0) {
		o->pids[0] = (int)pid;
		o->npids = 1;
	} else {
		snprintf(o->comm, sizeof(o->comm), "%.15s", s);
	}
}

/* w: the why page of the selected row's process, until a key */
struct why_page {
	int y;
};

static void why_emit(void *ctx, const char *line)
{
	struct why_page *wp = ctx;

	if (wp->y < LINES - 1)
		mvaddnstr(wp->y++, 0, line, COLS);
}

static void draw_why(struct screen *sc, const struct ksmtop_model *m,
		     double interval, const volatile sig_atomic_t *quit)
{
	struct why_page wp = { 0 };
	struct ksm_why_events ev;
	struct ksm_why w;
	char msg[256], line[512];
	int pid, err;

	if (sc->sel < 0 || sc->sel >= m->nshown) {
		snprintf(sc->notice, sizeof(sc->notice), "w: no process selected");
		return;
	}
	pid = m->rows[sc->sel].pid;
	erase();
	snprintf(line, sizeof(line), "why: reading pid %d for %.1f s ...", pid,
		 interval);
	mvaddnstr(0, 0, line, COLS);
	refresh();
	err = ksm_why_run(sc->bpf, pid, interval, quit, &w, &ev, msg,
			  sizeof(msg));
	erase();
	if (err) {
		snprintf(line, sizeof(line), "why: %s", msg);
		why_emit(&wp, line);
	} else {
		ksm_why_lines(&w, why_emit, &wp);
		ksm_why_events_line(&ev, w.interval, line, sizeof(line));
		why_emit(&wp, line);
	}
	why_emit(&wp, "");
	why_emit(&wp, "any key returns; docs/ksmtop.md \"Why not merging\"");
	refresh();
	sc->help_on = true;
}

bool screen_wait(struct screen *sc, double until, struct options *o,
		 const struct ksmtop_model *m, const struct sample *cur,
		 const volatile sig_atomic_t *quit)
{
	while (!*quit) {
		double left = until - ksm_now();
		char buf[64];
		int ch;

		if (left <= 0 && !sc->paused)
			return true;
		timeout(left > 0 && !sc->paused ? (int)(left * 1000) + 1 : 250);
		ch = getch();
		if (ch == ERR)
			continue;
		if (sc->help_on) {
			sc->help_on = false;
			screen_draw(sc, m, cur);
			continue;
		}
		switch (ch) {
		case 'q':
		case 'Q':
			return false;
		case 'h':
		case '?':
			sc->help_on = true;
			draw_help();
			continue;
		case ' ':
		case 'p':
			sc->paused = !sc->paused;
			break;
		case 's':
			o->sort = (enum sort_key)((o->sort + 1) % SORT_NR);
			break;
		case 'S':
			o->sort = (enum sort_key)((o->sort + SORT_NR - 1) %
						  SORT_NR);
			break;
		case 'r':
			o->reverse = !o->reverse;
			break;
		case '+':
			o->delay = fmax(o->delay / 2, 0.1);
			break;
		case '-':
			o->delay = fmin(o->delay * 2, 3600);
			break;
		case 'd':
			prompt("interval in seconds: ", buf, sizeof(buf));
			if (parse_interval(buf) > 0)
				o->delay = parse_interval(buf);
			else
				snprintf(sc->notice, sizeof(sc->notice),
					 "interval '%s' ignored: needs > 0 and <= 3600",
					 buf);
			break;
		case 'f':
			prompt("filter (pid or part of a name, empty: none): ",
			       buf, sizeof(buf));
			set_filter(o, buf);
			break;
		case 'c':
			set_filter(o, "");
			break;
		case KEY_UP:
			if (sc->sel > 0)
				sc->sel--;
			break;
		case KEY_DOWN:
			if (sc->sel + 1 < m->nshown)
				sc->sel++;
			break;
		case 'g':
			sc->groups = !sc->groups;
			break;
		case 'w':
			if (sc->groups) {
				snprintf(sc->notice, sizeof(sc->notice),
					 "w: select a process (g: back to them)");
				break;
			}
			draw_why(sc, m, fmin(o->delay, 5), quit);
			if (sc->help_on)
				continue;
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

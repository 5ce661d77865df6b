/* SPDX-License-Identifier: GPL-2.0 */
/* options.h - ksmtop's command line */
#ifndef KSMTOP_OPTIONS_H
#define KSMTOP_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

enum sort_key {
	SORT_MERGING, SORT_PROFIT, SORT_RMAP, SORT_MERGES, SORT_UNMERGES,
	SORT_DROPPED, SORT_PID, SORT_COMM, SORT_NR
};
extern const char *const sort_names[SORT_NR];

#define MAX_PIDS 32
/* --prometheus: where it listens by default, and the most processes */
#define PROM_DEFAULT_ADDR "127.0.0.1"
#define PROM_DEFAULT_PORT 9757
#define PROM_DEFAULT_TOP 10
#define PROM_MAX_TOP 1000

struct options {
	bool batch;
	bool json;
	bool counters_only;	/* --counters: no BPF */
	bool no_check;		/* --no-check: no invariant checks */
	bool verbose;
	bool reverse;
	long iterations;	/* 0: until quit */
	double delay;		/* seconds */
	int pids[MAX_PIDS];
	int npids;
	char comm[16];		/* substring filter, "" = none */
	enum sort_key sort;
	int top;		/* rows, 0 = all (batch) or screen */
	bool prometheus;	/* --prometheus: serve /metrics */
	char prom_addr[128];	/* ADDR:PORT as given, "" = default */
	int why;		/* --why PID: one report (-b text, -j JSON) */
	long whatif_pages;	/* --what-if PAGES:MS; 0: twice pages_to_scan */
	long whatif_sleep;	/* ... at the same sleep_millisecs (-1) */
};

enum { OPT_OK, OPT_HELP, OPT_ERROR };

/* Fills o; OPT_ERROR with one line in err. */
int parse_options(int argc, char **argv, struct options *o, char *err,
		  size_t len);
void print_usage(FILE *f);
int sort_key_of(const char *name);
/* Parse an interval in seconds: > 0 and <= 3600; -1 if bad. */
double parse_interval(const char *s);

#endif

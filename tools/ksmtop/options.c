// SPDX-License-Identifier: GPL-2.0
/* options.c - ksmtop's command line */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ksm_http.h"
#include "ksm_util.h"
#include "options.h"

const char *const sort_names[SORT_NR] = {
	"merging", "profit", "rmap", "merges", "unmerges", "dropped", "pid",
	"comm",
};

void print_usage(FILE *f)
{
	fprintf(f,
"usage: ksmtop [-b] [-j] [-n COUNT] [-d SECONDS] [-p PID[,PID...]] [-c COMM]\n"
"              [-s KEY] [-r] [-N ROWS] [--counters] [--no-check] [-v]\n"
"              [--prometheus [ADDR:PORT]] [--what-if PAGES:MS]\n"
"       ksmtop --why PID [-j] [-d SECONDS]\n"
"Live view of Kernel Samepage Merging: ksmd settings, counters, event rates\n"
"and the processes that gain.  Needs root.\n\n"
"  -b, --batch          plain text frames on stdout, no terminal UI\n"
"  -j, --json           one JSON object per interval on stdout (implies -b)\n"
"  -n, --iterations N   stop after N intervals (default: until q or a signal)\n"
"  -d, --delay SECONDS  interval, > 0 and <= 3600 (default 1)\n"
"  -p, --pid PID,...    only these processes (repeatable)\n"
"  -c, --comm TEXT      only processes whose name contains TEXT\n"
"  -s, --sort KEY       merging (default), profit, rmap, merges, unmerges,\n"
"                       dropped, pid, comm\n"
"  -r, --reverse        reverse the sort order\n"
"  -N, --top ROWS       at most ROWS processes\n"
"      --counters       use no BPF: sysfs and /proc only\n"
"      --no-check       do not check KSM's invariants (docs/invariants.md)\n"
"      --prometheus [ADDR:PORT]\n"
"                       serve the Prometheus text format at\n"
"                       http://ADDR:PORT/metrics (default " PROM_DEFAULT_ADDR ":%d),\n"
"                       the top -N processes (default %d, at most %d)\n"
"      --what-if PAGES:MS\n"
"                       what ksmd would cost at pages_to_scan PAGES and\n"
"                       sleep_millisecs MS (default: twice pages_to_scan)\n"
"  -w, --why PID        why PID's memory is not merged: its pages by reason,\n"
"                       read twice -d seconds apart, as text (-j: JSON)\n"
"  -v, --verbose        show libbpf's messages\n"
"  -h, --help           this text\n\n"
"keys: q quit, h help, space pause, s/S next/previous sort key, r reverse,\n"
"      d interval, +/- faster/slower, f filter, c clear filter,\n"
"      up/down select a row, w why the selected process is not merged\n\n"
"examples:\n"
"  ksmtop                     interactive\n"
"  ksmtop -b -n 3 -d 2        three text frames, two seconds apart\n"
"  ksmtop -j -n 10 -s profit  JSON lines for scripts\n"
"  ksmtop --prometheus        exporter on " PROM_DEFAULT_ADDR ":%d\n\n"
"exit status: 0 done, 1 cannot run here (not root, no KSM, no BTF, BPF\n"
"load failure), 2 bad command line or address (in use, not here).\n"
"See docs/ksmtop.md.\n", PROM_DEFAULT_PORT, PROM_DEFAULT_TOP, PROM_MAX_TOP,
		PROM_DEFAULT_PORT);
}

int sort_key_of(const char *name)
{
	int i;

	for (i = 0; i < SORT_NR; i++)
		if (!strcmp(name, sort_names[i]))
			return i;
	return -1;
}

double parse_interval(const char *s)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || *end || !(v > 0) || v > 3600)
		return -1;
	return v;
}

static int parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (end == s || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static int add_pids(struct options *o, const char *arg, char *err,
		    size_t len)
{
	char buf[256], *tok, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", arg);
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		long pid;

		if (parse_long(tok, 1, 0x3fffffff, &pid)) {
			snprintf(err, len, "bad pid '%s'", tok);
			return -1;
		}
		if (o->npids == MAX_PIDS) {
			snprintf(err, len, "at most %d pids", MAX_PIDS);
			return -1;
		}
		o->pids[o->npids++] = (int)pid;
	}
	if (!o->npids) {
		snprintf(err, len, "-p needs a pid");
		return -1;
	}
	return 0;
}

int parse_options(int argc, char **argv, struct options *o, char *err,
		  size_t len)
{
	static const struct option longopts[] = {
		{ "batch", no_argument, NULL, 'b' },
		{ "json", no_argument, NULL, 'j' },
		{ "iterations", required_argument, NULL, 'n' },
		{ "delay", required_argument, NULL, 'd' },
		{ "pid", required_argument, NULL, 'p' },
		{ "comm", required_argument, NULL, 'c' },
		{ "sort", required_argument, NULL, 's' },
		{ "reverse", no_argument, NULL, 'r' },
		{ "top", required_argument, NULL, 'N' },
		{ "counters", no_argument, NULL, 'C' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "no-check", no_argument, NULL, 'X' },
		{ "prometheus", optional_argument, NULL, 'P' },
		{ "why", required_argument, NULL, 'w' },
		{ "what-if", required_argument, NULL, 'W' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	long v;
	int c;

	memset(o, 0, sizeof(*o));
	o->delay = 1.0;
	o->sort = SORT_MERGING;
	o->whatif_sleep = -1;
	optind = 0;	/* glibc: full re-initialisation */
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":bjn:d:p:c:s:rN:vhw:", longopts,
				NULL)) != -1) {
		switch (c) {
		case 'b':
			o->batch = true;
			break;
		case 'j':
			o->json = o->batch = true;
			break;
		case 'n':
			if (parse_long(optarg, 1, 1L << 30, &v)) {
				snprintf(err, len, "-n needs a positive count, "
					 "not '%s'", optarg);
				return OPT_ERROR;
			}
			o->iterations = v;
			break;
		case 'd':
			o->delay = parse_interval(optarg);
			if (o->delay < 0) {
				snprintf(err, len, "-d needs seconds > 0 and "
					 "<= 3600, not '%s'", optarg);
				return OPT_ERROR;
			}
			break;
		case 'p':
			if (add_pids(o, optarg, err, len))
				return OPT_ERROR;
			break;
		case 'c':
			snprintf(o->comm, sizeof(o->comm), "%.15s", optarg);
			break;
		case 's':
			c = sort_key_of(optarg);
			if (c < 0) {
				snprintf(err, len, "unknown sort key '%s' (merging,"
					 " profit, rmap, merges, unmerges, dropped,"
					 " pid, comm)", optarg);
				return OPT_ERROR;
			}
			o->sort = (enum sort_key)c;
			break;
		case 'r':
			o->reverse = true;
			break;
		case 'N':
			if (parse_long(optarg, 1, 1000000, &v)) {
				snprintf(err, len, "-N needs a positive number of "
					 "rows, not '%s'", optarg);
				return OPT_ERROR;
			}
			o->top = (int)v;
			break;
		case 'C':
			o->counters_only = true;
			break;
		case 'v':
			o->verbose = true;
			break;
		case 'X':
			o->no_check = true;
			break;
		case 'P':
			o->prometheus = true;
			/* "--prometheus ADDR:PORT" as well as "=ADDR:PORT":
			 * ksmtop takes no other operands */
			if (!optarg && optind < argc && argv[optind][0] != '-')
				optarg = argv[optind++];
			if (optarg && (!optarg[0] ||
				       strlen(optarg) >= sizeof(o->prom_addr))) {
				snprintf(err, len, "bad address '%.40s' for "
					 "--prometheus: want ADDR:PORT", optarg);
				return OPT_ERROR;
			}
			snprintf(o->prom_addr, sizeof(o->prom_addr), "%s",
				 optarg ? optarg : "");
			break;
		case 'w':
			if (parse_long(optarg, 1, 0x3fffffff, &v)) {
				snprintf(err, len, "bad pid '%s' for --why", optarg);
				return OPT_ERROR;
			}
			o->why = (int)v;
			break;
		case 'W': {
			char *colon = strchr(optarg, ':'), pages[32];

			snprintf(pages, sizeof(pages), "%.*s", colon ?
				 (int)(colon - optarg) : 0, optarg);
			if (!colon || parse_long(pages, 1, 1L << 30,
						 &o->whatif_pages) ||
			    parse_long(colon + 1, 0, 1L << 30, &o->whatif_sleep)) {
				snprintf(err, len, "--what-if needs PAGES:MS "
					 "(pages_to_scan >= 1, sleep_millisecs "
					 ">= 0), not '%s'", optarg);
				return OPT_ERROR;
			}
			break;
		}
		case 'h':
			return OPT_HELP;
		default:	/* ':' value missing, '?' unknown */
			ksm_opt_error(c, optopt, argv[optind - 1], err, len);
			return OPT_ERROR;
		}
	}
	if (optind < argc) {
		snprintf(err, len, "unexpected argument '%s'", argv[optind]);
		return OPT_ERROR;
	}
	if (o->why && (o->prometheus || o->npids || o->comm[0] ||
		       o->iterations || o->top || o->counters_only)) {
		snprintf(err, len, "--why takes only -j, -b and -d");
		return OPT_ERROR;
	}
	if (o->prometheus) {
		struct sockaddr_storage ss;
		socklen_t sslen;

		if (ksm_http_parse_addr(o->prom_addr[0] ? o->prom_addr :
					PROM_DEFAULT_ADDR, PROM_DEFAULT_PORT,
					&ss, &sslen, err, len))
			return OPT_ERROR;
		/* label cardinality stays bounded */
		if (o->top > PROM_MAX_TOP) {
			snprintf(err, len, "--prometheus exports at most %d "
				 "processes (-N %d)", PROM_MAX_TOP, o->top);
			return OPT_ERROR;
		}
		if (!o->top)
			o->top = PROM_DEFAULT_TOP;
	}
	return OPT_OK;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * ksmtop - live view of Kernel Samepage Merging.
 *
 * Every interval it reads /sys/kernel/mm/ksm, the KSM processes of /proc
 * and the maps of bpf/ksm.bpf.c (counted per event class, per mm and per
 * NUMA node in the kernel), and shows settings, counters, event rates,
 * per-process gains and its own BPF cost: on an ncurses screen, as text
 * frames (-b) or as JSON lines (-j).  docs/ksmtop.md has every column.
 *
 * This file is the program: options, BPF, the invariant checker and the
 * loop.  sample.c reads, model.c computes, and the views render the model:
 * screen.c, textout.c (-b, -j), exporter.c (--prometheus), with the lines
 * the screen and -b share in lines.c.
 */
#include <errno.h>
#include <langinfo.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "ksm_bpf.h"
#include "ksm_check.h"
#include "ksm_evdesc.h"
#include "ksm_http.h"
#include "ksm_prom.h"
#include "ksm_sysfs.h"
#include "ksm_util.h"
#include "ksm_whyev.h"
#include "ksmtop.h"
#include "model.h"
#include "options.h"
#include "sample.h"

/* set by SIGINT, SIGTERM, SIGHUP: the handler can reach nothing else */
static volatile sig_atomic_t quit;

/* What the program holds from start to end. */
struct ksmtop {
	struct options opt;		/* the keys of the screen change it */
	struct ksm_bpf bpf;
	struct ksm_checker checker;
	FILE *check_out;		/* its reports: stderr or /dev/null */
	struct ring_buffer *violations_rb;	/* only violation records */
	long samples;			/* readings so far */
	struct ksm_http http;		/* --prometheus */
	bool utf8;			/* the locale's; sparklines */
	struct ksmtop_model model;
	struct screen screen;
};

static int on_violation(void *ctx, void *data, size_t len)
{
	if (len >= sizeof(struct ksm_event) &&
	    ((struct ksm_event *)data)->type == KSM_REC_VIOLATION)
		ksm_check_record(ctx, data);
	return 0;
}

static void on_signal(int sig)
{
	(void)sig;
	quit = 1;
}

/* A reading, after the checker has had the violations and counters. */
static void take(struct ksmtop *k, struct sample *s)
{
	if (k->violations_rb) {
		ring_buffer__consume(k->violations_rb);
		ksm_check_poll(&k->checker, false);
		ksm_check_counters(&k->checker);
		if (++k->samples % 10 == 0)
			ksm_check_leftovers(&k->checker);
	}
	sample_take(s, &k->bpf);
}

static void update(struct ksmtop *k, const struct sample *prev,
		   const struct sample *cur)
{
	int i, j;

	ksmtop_model_update(&k->model, prev, cur,
			    (long)ksm_check_total(&k->checker));
	/* the rows whose kernel counters the checker found wrong */
	k->model.mismatched = (long)k->checker.procs.marked;
	for (i = 0; i < k->model.nrows && k->checker.procs.marked; i++)
		for (j = 0; j < cur->ntasks; j++)
			if ((int)cur->tasks[j].tgid == k->model.rows[i].pid)
				k->model.rows[i].mismatch =
					ksm_check_proc_marked(&k->checker,
							      cur->tasks[j].mm);
}

static void publish(struct ksmtop *k, const struct sample *cur)
{
	exporter_publish(&k->http, &k->model, cur, &k->checker,
			 !k->opt.no_check);
}

/*
 * Without a screen: serve scrapes, or sleep, until next.  1 when it is
 * time for a reading, 0 not yet, -1 when serving failed.
 */
static int sleep_until(struct ksmtop *k, double next)
{
	double left = next - ksm_now();
	int err;

	if (left > 0 && k->opt.prometheus) {
		err = ksm_http_serve(&k->http, (int)(left * 1000) + 1);
		if (err) {
			fprintf(stderr, "ksmtop: error: serving %s: %s\n",
				k->http.where, strerror(-err));
			return -1;
		}
	} else if (left > 0) {
		poll(NULL, 0, (int)(left * 1000) + 1);
	}
	return ksm_now() >= next;
}

static int run(struct ksmtop *k)
{
	struct sample prev, cur;
	long n = 0;
	int ret = 0;
	double next;

	take(k, &prev);
	next = prev.t + k->opt.delay;
	if (k->screen.on || k->opt.prometheus) {
		/* a first frame without rates, so the screen is not blank */
		struct sample first;

		sample_blank(&first, &prev, k->opt.delay);
		update(k, &first, &prev);
		if (k->screen.on)
			screen_draw(&k->screen, &k->model, &prev);
		else
			publish(k, &prev);
	}
	while (!quit) {
		if (k->screen.on) {
			if (!screen_wait(&k->screen, next, &k->opt, &k->model,
					 &prev, &quit))
				break;
		} else {
			int due = sleep_until(k, next);

			if (due < 0) {
				ret = 1;
				break;
			}
			if (quit)
				break;
			if (!due)
				continue;
		}
		take(k, &cur);
		update(k, &prev, &cur);
		if (k->opt.prometheus)
			publish(k, &cur);
		if (screen_showing(&k->screen))
			screen_draw(&k->screen, &k->model, &cur);
		else if (k->opt.json)
			textout_json(&k->model, &cur);
		else if (k->opt.batch)
			textout_batch(&k->model, &cur, k->utf8);
		sample_free(&prev);
		prev = cur;
		next = ksm_now() + k->opt.delay;
		if (k->opt.iterations && ++n >= k->opt.iterations)
			break;
	}
	sample_free(&prev);
	return ret;
}

/*
 * --why PID: one report, text or JSON (docs/ksmtop.md "Why not merging");
 * 0, 2 for a process that is not there or has no memory, 1 otherwise.
 */
static int why_main(struct ksmtop *k)
{
	struct ksm_bpf_opts bo = { .tool = "ksmtop", .verbose = k->opt.verbose,
				   .no_probes = true };
	struct sigaction sa = { .sa_handler = on_signal };
	struct ksm_why_events ev;
	struct ksm_why w;
	char err[512], path[64];
	int ret;

	snprintf(path, sizeof(path), "%s/%d", ksm_proc_root(), k->opt.why);
	if (access(path, F_OK)) {
		fprintf(stderr, "ksmtop: error: no process %d\n", k->opt.why);
		return 2;
	}
	if (ksm_bpf_open(&k->bpf, &bo, err, sizeof(err))) {
		fprintf(stderr, "ksmtop: error: %s\n", err);
		return 1;
	}
	fprintf(stderr, "%s\n", k->bpf.summary);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	ret = ksm_why_run(&k->bpf, k->opt.why, k->opt.delay, &quit, &w, &ev,
			  err, sizeof(err));
	if (ret == -EINTR)
		return 130;
	if (ret) {
		fprintf(stderr, "ksmtop: error: %s\n", err);
		return ret == -ESRCH || ret == -EINVAL ? 2 : 1;
	}
	ksm_why_print(stdout, &w, &ev, k->opt.json);
	return 0;
}

int main(int argc, char **argv)
{
	struct ksm_bpf_opts bo = { .tool = "ksmtop" };
	struct sigaction sa = { .sa_handler = on_signal };
	/* zeroed, and safe for the cleanup at out: from the start */
	struct ksmtop k = { .bpf = { .stats_fd = -1 } };
	char err[512];
	int ret;

	setlocale(LC_ALL, "");
	k.utf8 = !strcmp(nl_langinfo(CODESET), "UTF-8");
	ksmtop_model_init(&k.model, &k.bpf, &k.opt);
	ret = parse_options(argc, argv, &k.opt, err, sizeof(err));
	if (ret == OPT_HELP) {
		print_usage(stdout);
		ret = 0;
		goto out;
	}
	if (ret == OPT_ERROR) {
		fprintf(stderr, "ksmtop: error: %s (ksmtop -h for help)\n", err);
		ret = 2;
		goto out;
	}
	if (!k.opt.batch && !k.opt.prometheus && !k.opt.why &&
	    (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))) {
		fprintf(stderr, "ksmtop: error: no terminal: use -b or -j\n");
		ret = 2;
		goto out;
	}
	if (geteuid()) {
		fprintf(stderr, "ksmtop: error: needs root (BPF and "
			"/proc/PID/ksm_stat)\n");
		ret = 1;
		goto out;
	}
	if (!ksm_present()) {
		fprintf(stderr, "ksmtop: error: no %s: the kernel has no KSM "
			"(CONFIG_KSM)\n", ksm_sysfs_dir());
		ret = 1;
		goto out;
	}
	if (k.opt.why) {
		ret = why_main(&k);
		goto out;
	}
	/* before loading anything: a taken port is a one-line error */
	if (k.opt.prometheus &&
	    ksm_http_listen(&k.http, k.opt.prom_addr[0] ? k.opt.prom_addr :
			    PROM_DEFAULT_ADDR, PROM_DEFAULT_PORT, "/metrics",
			    KSM_PROM_CONTENT_TYPE, err, sizeof(err))) {
		fprintf(stderr, "ksmtop: error: %s\n", err);
		ret = 2;
		goto out;
	}
	bo.verbose = k.opt.verbose;
	bo.no_bpf = k.opt.counters_only;
	bo.check = !k.opt.no_check;
	if (ksm_bpf_open(&k.bpf, &bo, err, sizeof(err))) {
		fprintf(stderr, "ksmtop: error: %s\n", err);
		ret = 1;
		goto out;
	}
	/* violations: counted; reported on stderr in batch mode */
	k.check_out = k.opt.batch || k.opt.prometheus ? stderr :
		      fopen("/dev/null", "w");
	if (!k.check_out) {
		fprintf(stderr, "ksmtop: error: /dev/null: %s\n",
			strerror(errno));
		ret = 1;
		goto out;
	}
	ksm_check_init(&k.checker, &k.bpf, k.check_out);
	if (k.bpf.skel && bo.check)
		k.violations_rb = ring_buffer__new(ksm_bpf_events_fd(&k.bpf),
						   on_violation, &k.checker,
						   NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	if (k.opt.prometheus) {
		signal(SIGPIPE, SIG_IGN);
		fprintf(stderr, "ksmtop: serving the Prometheus text format at "
			"http://%s/metrics (top %d processes)\n", k.http.where,
			k.opt.top);
	}
	if (k.opt.batch || k.opt.prometheus) {
		fprintf(stderr, "%s\n", k.bpf.summary);
		if (ksm_read("run") == 0)
			fprintf(stderr, "ksmtop: notice: ksmd is off (run=0): "
				"nothing merges\n");
	} else {
		snprintf(k.screen.notice, sizeof(k.screen.notice), "%s",
			 k.bpf.summary);
		k.screen.utf8 = k.utf8;
		k.screen.bpf = &k.bpf;
		screen_start(&k.screen);
	}
	ret = run(&k);
out:
	screen_end(&k.screen);
	ring_buffer__free(k.violations_rb);
	if (k.check_out && k.check_out != stderr)
		fclose(k.check_out);
	ksmtop_model_free(&k.model);
	ksm_check_free(&k.checker);
	ksm_bpf_close(&k.bpf);
	ksm_http_close(&k.http);
	return ret;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * unit_tests.c - tools/lib and ksmtop's option parsing, without root or a
 * kernel: event decoding, rates and sparklines, /proc and sysfs parsing
 * (on fake trees), the command line, ksmtop's model fed two synthetic
 * samples.  Prints TAP.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ksm_evdesc.h"
#include "ksm_fmt.h"
#include "ksm_http.h"
#include "ksm_prom.h"
#include "ksm_proc.h"
#include "ksm_sysfs.h"
#include "ksm_util.h"
#include "ksm_why.h"
#include "ksm_group.h"
#include "ksm_ksmd.h"
#include "model.h"
#include "options.h"

static int n, failed, abort_after;

static void check(int cond, const char *desc)
{
	n++;
	if (!cond)
		failed++;
	printf("%sok %d %s\n", cond ? "" : "not ", n, desc);
	/* the runner's self-test: a TAP program that crashes half-way */
	if (abort_after && n == abort_after)
		abort();
}

static int parse(const char *line, struct options *o, char *err)
{
	char buf[256], *argv[32], *tok, *save = NULL;
	int argc = 0;

	snprintf(buf, sizeof(buf), "%s", line);
	for (tok = strtok_r(buf, " ", &save); tok && argc < 31;
	     tok = strtok_r(NULL, " ", &save))
		argv[argc++] = tok;
	argv[argc] = NULL;
	err[0] = '\0';
	return parse_options(argc, argv, o, err, 256);
}

static void test_options(void)
{
	struct options o;
	char err[256];

	check(parse("ksmtop", &o, err) == OPT_OK && !o.batch &&
	      o.delay == 1.0 && o.iterations == 0 && o.sort == SORT_MERGING,
	      "options: defaults (interactive, 1 s, until quit, by merging)");
	check(parse("ksmtop -b -n 3 -d 0.5", &o, err) == OPT_OK && o.batch &&
	      o.iterations == 3 && o.delay == 0.5, "options: -b -n 3 -d 0.5");
	check(parse("ksmtop --json --iterations 2 --delay 2", &o, err) == OPT_OK
	      && o.json && o.batch && o.iterations == 2 && o.delay == 2,
	      "options: --json implies batch; long forms");
	check(parse("ksmtop -d 0", &o, err) == OPT_ERROR &&
	      strstr(err, "-d needs seconds > 0"), "options: -d 0 is an error");
	check(parse("ksmtop -d -1", &o, err) == OPT_ERROR &&
	      strstr(err, "-d needs seconds > 0"),
	      "options: negative interval is an error");
	check(parse("ksmtop -d 1x", &o, err) == OPT_ERROR,
	      "options: -d 1x is an error");
	check(parse("ksmtop -d 3601", &o, err) == OPT_ERROR,
	      "options: -d above an hour is an error");
	check(parse("ksmtop -n 0", &o, err) == OPT_ERROR &&
	      strstr(err, "-n needs a positive count"),
	      "options: -n 0 is an error");
	check(parse("ksmtop --frobnicate", &o, err) == OPT_ERROR &&
	      strstr(err, "unknown option '--frobnicate'"),
	      "options: unknown long option named");
	check(parse("ksmtop -x", &o, err) == OPT_ERROR &&
	      strstr(err, "unknown option '-x'"),
	      "options: unknown short option named");
	check(parse("ksmtop -d", &o, err) == OPT_ERROR &&
	      strstr(err, "needs a value"), "options: missing value named");
	ksm_opt_error(':', 0x101, "--node", err, 256);
	check(!strcmp(err, "option '--node' needs a value"),
	      "options: a long-only option (getopt code >= 256) named as typed");
	check(parse("ksmtop -s nosuch", &o, err) == OPT_ERROR &&
	      strstr(err, "unknown sort key 'nosuch'"),
	      "options: unknown sort key");
	check(parse("ksmtop -s profit -r", &o, err) == OPT_OK &&
	      o.sort == SORT_PROFIT && o.reverse, "options: -s profit -r");
	check(parse("ksmtop -p 1,22 -p 333 -c kvm", &o, err) == OPT_OK &&
	      o.npids == 3 && o.pids[1] == 22 && o.pids[2] == 333 &&
	      !strcmp(o.comm, "kvm"), "options: pid lists and comm filter");
	check(parse("ksmtop -p 12x", &o, err) == OPT_ERROR &&
	      strstr(err, "bad pid '12x'"), "options: bad pid");
	check(parse("ksmtop -N 0", &o, err) == OPT_ERROR,
	      "options: -N 0 is an error");
	check(parse("ksmtop extra", &o, err) == OPT_ERROR &&
	      strstr(err, "unexpected argument 'extra'"),
	      "options: stray argument is an error");
	check(parse("ksmtop -h", &o, err) == OPT_HELP, "options: -h is help");
	check(parse("ksmtop --counters -v --no-check", &o, err) == OPT_OK &&
	      o.counters_only && o.verbose && o.no_check,
	      "options: --counters -v --no-check");
	check(parse("ksmtop --prometheus", &o, err) == OPT_OK &&
	      o.prometheus && !o.prom_addr[0] && o.top == PROM_DEFAULT_TOP,
	      "options: --prometheus alone: default address, top 10");
	check(parse("ksmtop --prometheus 127.0.0.1:9100 -N 3", &o, err) ==
	      OPT_OK && !strcmp(o.prom_addr, "127.0.0.1:9100") && o.top == 3,
	      "options: --prometheus ADDR:PORT (a separate word) and -N");
	check(parse("ksmtop --prometheus=[::1]:9100", &o, err) == OPT_OK &&
	      !strcmp(o.prom_addr, "[::1]:9100"),
	      "options: --prometheus=[IPv6]:PORT");
	check(parse("ksmtop --prometheus -b", &o, err) == OPT_OK &&
	      o.prometheus && o.batch && !o.prom_addr[0],
	      "options: --prometheus does not take the next option");
	check(parse("ksmtop --prometheus 300.1.1.1:9100", &o, err) ==
	      OPT_ERROR && strstr(err, "bad address '300.1.1.1:9100'"),
	      "options: --prometheus with a bad address");
	check(parse("ksmtop --prometheus 127.0.0.1:70000", &o, err) ==
	      OPT_ERROR && strstr(err, "port must be 1-65535"),
	      "options: --prometheus with a bad port");
	check(parse("ksmtop --prometheus -N 1001", &o, err) == OPT_ERROR &&
	      strstr(err, "at most 1000 processes"),
	      "options: --prometheus bounds -N (label cardinality)");
}

static int route(const char *req, bool *head)
{
	return ksm_http_route(req, strlen(req), "/metrics", head);
}

static void test_http(void)
{
	char big[KSM_HTTP_MAX_REQ + 16], err[256];
	struct sockaddr_storage ss;
	socklen_t sl;
	bool head;

	check(route("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", &head) ==
	      200 && !head, "http: GET /metrics is 200");
	check(route("GET /metrics?x=1 HTTP/1.0\n\n", &head) == 200,
	      "http: query string ignored, bare LF accepted");
	check(route("HEAD /metrics HTTP/1.1\r\n\r\n", &head) == 200 && head,
	      "http: HEAD /metrics is 200 without a body");
	check(route("POST /metrics HTTP/1.1\r\nContent-Length: 3\r\n\r\n",
		    &head) == 405, "http: POST /metrics is 405");
	check(route("DELETE /metrics HTTP/1.1\r\n\r\n", &head) == 405,
	      "http: DELETE /metrics is 405");
	check(route("GET / HTTP/1.1\r\n\r\n", &head) == 404 &&
	      route("GET /metricsx HTTP/1.1\r\n\r\n", &head) == 404 &&
	      route("GET /metric HTTP/1.1\r\n\r\n", &head) == 404,
	      "http: other paths are 404");
	check(route("GET /metrics HTTP/1.1\r\nHost: x\r\n", &head) == 0 &&
	      route("GET /metr", &head) == 0 && route("", &head) == 0,
	      "http: incomplete requests wait");
	{
		/* what a client sending a byte at a time gets read as */
		static const char req[] = "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n";
		size_t k, bad = 0;

		for (k = 0; k + 1 < sizeof(req) - 1; k++)
			if (ksm_http_route(req, k, "/metrics", &head) != 0)
				bad = k;
		check(!bad && route(req, &head) == 200,
		      "http: every prefix of a request waits (a CR before its "
		      "LF too), the whole is 200");
	}
	check(route("\x01\x02garbage", &head) == 400 &&
	      route("get /metrics HTTP/1.1\r\n", &head) == 400 &&
	      route("GET /metrics\r\n\r\n", &head) == 400 &&
	      route("GET  /metrics HTTP/1.1\r\n\r\n", &head) == 400 &&
	      route("GET /metrics HTTP/2.0\r\n\r\n", &head) == 400 &&
	      route("GET /metrics HTTP/1.1 x\r\n\r\n", &head) == 400 &&
	      route("GET /m\xc3\xa9trics HTTP/1.1\r\n\r\n", &head) == 400,
	      "http: malformed request lines are 400 at once");
	memset(big, 'a', sizeof(big));
	memcpy(big, "GET /metrics HTTP/1.1\r\nX: ", 27);
	check(ksm_http_route(big, KSM_HTTP_MAX_REQ, "/metrics", &head) == 431,
	      "http: headers past the limit are 431");
	memset(big, 'A', sizeof(big));
	check(ksm_http_route(big, KSM_HTTP_MAX_REQ, "/metrics", &head) == 431,
	      "http: a request line past the limit is 431");
	check(!ksm_http_parse_addr("127.0.0.1:9100", 1, &ss, &sl, err, 256) &&
	      ss.ss_family == AF_INET &&
	      !ksm_http_parse_addr("[::1]:9100", 1, &ss, &sl, err, 256) &&
	      ss.ss_family == AF_INET6 &&
	      !ksm_http_parse_addr(":9100", 1, &ss, &sl, err, 256) &&
	      !ksm_http_parse_addr("localhost", 9757, &ss, &sl, err, 256),
	      "http: IPv4, [IPv6], :PORT and a bare address parse");
	check(ksm_http_parse_addr("example.com:80", 1, &ss, &sl, err, 256) &&
	      strstr(err, "not a numeric") &&
	      ksm_http_parse_addr("::1:80", 1, &ss, &sl, err, 256) &&
	      strstr(err, "[ADDR]:PORT") &&
	      ksm_http_parse_addr("1.2.3.4:0", 1, &ss, &sl, err, 256) &&
	      ksm_http_parse_addr("1.2.3.4:", 1, &ss, &sl, err, 256) &&
	      ksm_http_parse_addr("[::1", 1, &ss, &sl, err, 256),
	      "http: names, bare IPv6, port 0, no port, unclosed [ refused");
}

static void test_prom(void)
{
	char *buf = NULL;
	size_t len;
	FILE *f = open_memstream(&buf, &len);
	int ok;

	ksm_prom_family(f, "a_total", "counter", "back\\slash\nnewline");
	ksm_prom_sample(f, "a_total", 3, 2, "pid", "1", "comm",
			"q\"b\\n\nx");
	ksm_prom_sample(f, "b", 0.25, 1, "comm", "cut\xc3");
	ksm_prom_sample(f, "c", 1e300 * 1e300, 0);
	ksm_prom_sample(f, "d", 12345678, 0);
	fclose(f);
	ok = !strcmp(buf, "# HELP a_total back\\\\slash\\nnewline\n"
		      "# TYPE a_total counter\n"
		      "a_total{pid=\"1\",comm=\"q\\\"b\\\\n\\nx\"} 3\n"
		      "b{comm=\"cut\xef\xbf\xbd\"} 0.25\n"
		      "c +Inf\n"
		      "d 12345678\n");
	check(ok, "prom: HELP, TYPE, escaped labels, a comm cut "
	      "mid-character, +Inf, integers");
	if (!ok)
		printf("# got: %s\n", buf);
	free(buf);
	check(ksm_utf8_char((const unsigned char *)"\xc3\xa9") == 2 &&
	      ksm_utf8_char((const unsigned char *)"\xe2\x82\xac") == 3 &&
	      ksm_utf8_char((const unsigned char *)"\xf0\x9f\x98\x80") == 4 &&
	      !ksm_utf8_char((const unsigned char *)"\xc0\xaf") &&
	      !ksm_utf8_char((const unsigned char *)"\xed\xa0\x80") &&
	      !ksm_utf8_char((const unsigned char *)"\xe2\x82") &&
	      !ksm_utf8_char((const unsigned char *)"\xff"),
	      "prom: UTF-8 characters told from overlong, surrogate, cut, "
	      "invalid bytes");
}

static void test_rates(void)
{
	struct ksm_hist h = { 0 };
	char buf[1024];
	int i;

	check(ksm_rate(100, 350, 0.5) == 500, "rate: 250 in 0.5 s is 500/s");
	check(ksm_rate(100, 100, 1) == 0, "rate: no change is 0");
	check(ksm_rate(500, 100, 1) == 0,
	      "rate: a counter that went back (recreated) gives 0, not < 0");
	check(ksm_rate(0, 10, 0) == 0 && ksm_rate(0, 10, -1) == 0,
	      "rate: interval <= 0 gives 0, not inf");
	for (i = 1; i <= 300; i++)
		ksm_hist_push(&h, i);
	check(h.n == KSM_HIST_LEN && ksm_hist_get(&h, 0) == 300 &&
	      ksm_hist_get(&h, KSM_HIST_LEN - 1) == 300 - KSM_HIST_LEN + 1 &&
	      ksm_hist_get(&h, KSM_HIST_LEN) == 0,
	      "history: keeps the newest KSM_HIST_LEN values in order");
	memset(&h, 0, sizeof(h));
	ksm_hist_push(&h, 0);
	ksm_hist_push(&h, 5);
	ksm_hist_push(&h, 10);
	check(!strcmp(ksm_sparkline(&h, 5, false, buf, sizeof(buf)), "   =#"),
	      "sparkline: ascii, blank for missing history, scaled to max");
	check(!strcmp(ksm_sparkline(&h, 3, true, buf, sizeof(buf)),
		      "\u2581\u2585\u2588"), "sparkline: utf8 blocks");
	memset(&h, 0, sizeof(h));
	ksm_hist_push(&h, 1);
	ksm_hist_push(&h, 1000);
	check(!strcmp(ksm_sparkline(&h, 2, false, buf, sizeof(buf)), ".#"),
	      "sparkline: a small non-zero rate still shows");
	check(strlen(ksm_sparkline(&h, 100, true, buf, 10)) < 10,
	      "sparkline: never overruns its buffer");
	check(!strcmp(ksm_fmt_count(999, buf, 32), "999") &&
	      !strcmp(ksm_fmt_count(1500, buf, 32), "1.5k") &&
	      !strcmp(ksm_fmt_count(2.5e6, buf, 32), "2.5M") &&
	      !strcmp(ksm_fmt_count(0.5, buf, 32), "0.5") &&
	      !strcmp(ksm_fmt_count(-1, buf, 32), "-"),
	      "format: counts 999, 1.5k, 2.5M, 0.5, unknown");
	check(!strcmp(ksm_fmt_bytes(512, buf, 32), "512 B") &&
	      !strcmp(ksm_fmt_bytes(3 * 1048576.0, buf, 32), "3.0 MiB") &&
	      !strcmp(ksm_fmt_bytes(-2048, buf, 32), "-2.0 KiB"),
	      "format: bytes, also negative (general_profit)");
}

static void test_json(void)
{
	char buf[128] = "";
	FILE *f = fmemopen(buf, sizeof(buf), "w");

	ksm_json_str(f, "a\"b\\c\n\x01\xc3");
	fclose(f);
	check(!strcmp(buf, "\"a\\\"b\\\\c\\u000a\\u0001\\u00c3\""),
	      "json: quotes, backslashes, control and high bytes escaped");
}

static void json_args(const struct ksm_event *e, char *buf, size_t len)
{
	FILE *f = fmemopen(buf, len, "w");

	buf[0] = '\0';
	if (!f)
		return;
	ksm_event_json_args(f, e);
	fclose(f);
}

static void test_events(void)
{
	struct ksm_event e = { .type = KSM_EV_MERGE_WITH_KSM_PAGE, .nargs = 5,
			       .args = { 0xffff888001234000ull, 4660,
					 0xffff888000abc000ull, 0xffff888000def000ull,
					 (__u64)-14 } };
	bool att[KSM_EV_NR] = { false };
	char buf[512];
	int t;

	ksm_event_format(&e, buf, sizeof(buf));
	check(!strcmp(buf, "ksm_merge_with_ksm_page ksm_page=0xffff888001234000 "
		      "pfn=4660 rmap_item=0xffff888000abc000 "
		      "mm=0xffff888000def000 err=-14"),
	      "decode: merge_with_ksm_page, sign-extended err");
	e = (struct ksm_event){ .type = KSM_EV_GET_KSM_PAGE_RETRY, .nargs = 4,
				.args = { 0x10, 100, 200, 3 } };
	ksm_event_format(&e, buf, sizeof(buf));
	check(!strcmp(buf, "ksm_get_ksm_page_retry node=0x10 old_kpfn=100 "
		      "new_kpfn=200 why=mapping_lock"),
	      "decode: get_ksm_page_retry with its reason's name");
	e = (struct ksm_event){ .type = KSM_EV_PURGE, .nargs = 5,
				.args = { 0, 7, (__u64)-1, 0, 99 } };
	ksm_event_format(&e, buf, sizeof(buf));
	check(!strcmp(buf, "ksm_purge node=0x0 pfn=7 nid=-1 mm=0x0 cause=99"),
	      "decode: unknown enum value printed as a number");
	json_args(&e, buf, sizeof(buf));
	check(!strcmp(buf, "{\"node\":\"0x0\",\"pfn\":7,\"nid\":-1,\"mm\":\"0x0\","
		      "\"cause\":\"99\"}"),
	      "json: event args, numbers bare, pointers and enums quoted");
	e.type = 200;
	ksm_event_format(&e, buf, sizeof(buf));
	check(!strcmp(buf, "unknown_event_200"), "decode: unknown event type");
	json_args(&e, buf, sizeof(buf));
	check(!strcmp(buf, "{}"), "json: no args of an unknown event type");
	e = (struct ksm_event){ .type = KSM_EV_STABLE_TREE_APPEND, .nargs = 7 };
	check(ksm_event_format(&e, buf, 16) > 16 && strlen(buf) == 15,
	      "decode: truncates safely, returns the full length");
	check(ksm_event_type("ksm:ksm_stale_node") == KSM_EV_STALE_NODE &&
	      ksm_event_type("ksm_purge") == KSM_EV_PURGE &&
	      ksm_event_type("ksm_nosuch") == -1,
	      "decode: event types by name, with or without ksm:");
	for (t = 0; t < KSM_EV_NR; t++)
		if (!ksm_event_desc[t].name ||
		    ksm_event_desc[t].nargs > KSM_EV_MAX_ARGS ||
		    ksm_event_desc[t].series != (t >= KSM_EV_FIRST_SERIES &&
						  t < KSM_EV_FIRST_PROBE) ||
		    ksm_event_desc[t].probe_only != (t >= KSM_EV_FIRST_PROBE))
			break;
	check(t == KSM_EV_NR, "decode: every event type described");
	att[KSM_EV_MERGE_WITH_KSM_PAGE] = att[KSM_EV_REMOVE_RMAP_ITEM] = true;
	check(ksm_class_available(KSM_CLASS_MERGES, att) &&
	      !ksm_class_available(KSM_CLASS_UNMERGES, att) &&
	      !ksm_class_available(KSM_CLASS_RETRIES, att),
	      "classes: upstream events give merges, not unmerges or retries");
	att[KSM_EV_REMOVE_RMAP_ITEM_FROM_TREE] = true;
	check(ksm_class_available(KSM_CLASS_UNMERGES, att),
	      "classes: unmerges with both removal events");
}

/* bpf/ksm_events.def: the descriptors and BPF's roles made from it agree */
static const struct ksm_ev_roles roles[KSM_EV_NR] = {
#define KSM_EVENT(id, name, origin, help, ...) KSM_EV_ROLES(id, __VA_ARGS__)
#include "ksm_events.def"
};

/* what an argument's name says it is: the role the table must give it */
static int role_by_name(const char *a)
{
	size_t l = strlen(a);

	if (!strcmp(a, "mm"))
		return KSM_ROLE_MM;
	if (!strcmp(a, "rmap_item"))
		return KSM_ROLE_ITEM;
	if (!strcmp(a, "node") || !strcmp(a, "chain"))
		return KSM_ROLE_NODE;
	if (l >= 3 && !strcmp(a + l - 3, "pfn"))
		return KSM_ROLE_PFN;
	return KSM_ROLE__;
}

static bool mask_is(__u8 mask, const struct ksm_event_desc *d, int role)
{
	int i;

	for (i = 0; i < KSM_EV_MAX_ARGS; i++)
		if (!!(mask & (1u << i)) != (i < d->nargs && d->role[i] == role))
			return false;
	return true;
}

static void test_table(void)
{
	int t, i, c, k, v, places = 0;
	char why[160] = "";

	for (t = 0; t < KSM_EV_NR && !why[0]; t++) {
		const struct ksm_event_desc *d = &ksm_event_desc[t];
		const struct ksm_ev_roles *r = &roles[t];

		if (!d->name || !d->help || d->nargs < 1 ||
		    d->nargs > KSM_EV_MAX_ARGS ||
		    d->series != (t >= KSM_EV_FIRST_SERIES &&
				   t < KSM_EV_FIRST_PROBE) ||
		    d->probe_only != (t >= KSM_EV_FIRST_PROBE))
			snprintf(why, sizeof(why), "event %d: name, help, "
				 "nargs or origin", t);
		for (i = 0; i < d->nargs && !why[0]; i++)
			if (!d->arg[i] || d->kind[i] >= KSM_ARG_KIND_NR ||
			    d->role[i] != role_by_name(d->arg[i]))
				snprintf(why, sizeof(why), "%s: arg %d (%s): "
					 "kind or role", d->name, i,
					 d->arg[i] ? d->arg[i] : "?");
		if (!why[0] && !(mask_is(r->mm, d, KSM_ROLE_MM) &&
				 mask_is(r->pfn, d, KSM_ROLE_PFN) &&
				 mask_is(r->node, d, KSM_ROLE_NODE) &&
				 mask_is(r->item, d, KSM_ROLE_ITEM)))
			snprintf(why, sizeof(why), "%s: BPF's roles differ "
				 "from the descriptor's", d->name);
	}
	check(!why[0], why[0] ? why : "table: every event described, its "
	      "args' roles as their names say, BPF's roles the same");
	why[0] = '\0';
	for (c = 0; c < KSM_CLASS_NR && !why[0]; c++) {
		const struct ksm_class_desc *d = &ksm_class_desc[c];

		if (!d->key || !d->label || !d->help || !d->needs ||
		    d->slot < 0 || d->slot >= KSM_CNT_NR ||
		    d->needs >> KSM_EV_NR)
			snprintf(why, sizeof(why), "class %d", c);
		places += d->summary > 0;
		for (k = 0; k < c && !why[0]; k++)
			if (d->summary && ksm_class_desc[k].summary == d->summary)
				snprintf(why, sizeof(why), "class %s: summary "
					 "place %d twice", d->key, d->summary);
	}
	for (c = 0; c < KSM_CLASS_NR && !why[0]; c++)
		if (ksm_class_desc[c].summary > places)
			snprintf(why, sizeof(why), "class %s: summary place "
				 "beyond %d", ksm_class_desc[c].key, places);
	check(!why[0], why[0] ? why : "table: every class described, "
	      "ksmtrace's summary places 1..N each once");
	why[0] = '\0';
	for (k = KSM_ARG_FIRST_ENUM; k < KSM_ARG_KIND_NR && !why[0]; k++) {
		for (v = 0; ksm_sym_name(k, v); v++)
			;
		if (!v)
			snprintf(why, sizeof(why), "enum kind %d: no names", k);
		for (; v < KSM_TP_SYM_MAX && !why[0]; v++)
			if (ksm_sym_name(k, v))
				snprintf(why, sizeof(why), "enum kind %d: value "
					 "%d after a gap", k, v);
	}
	check(!why[0] && !ksm_sym_name(KSM_ARG_U, 0) &&
	      !strcmp(ksm_sym_name(KSM_ARG_PURGE_CAUSE,
				   KSM_TP_PURGE_CAUSE_LAZYFREE), "lazyfree"),
	      why[0] ? why : "table: the series' enums have names 0..N-1, "
	      "no gaps");
}

/* --events: the table as selftests/unit/table.sh compares it with the series */
static int dump_events(void)
{
	static const char *const kinds[KSM_ARG_KIND_NR] = {
		[KSM_ARG_PTR] = "PTR", [KSM_ARG_U] = "U", [KSM_ARG_S] = "S",
		[KSM_ARG_S64] = "S", [KSM_ARG_HEX] = "U",
		[KSM_ARG_NODE_ROLE] = "NODE_ROLE",
		[KSM_ARG_STALE_REASON] = "STALE_REASON",
		[KSM_ARG_WALK_END] = "WALK_END",
		[KSM_ARG_PURGE_CAUSE] = "PURGE_CAUSE",
	};
	int t, i, k, v;

	for (t = 0; t < KSM_EV_NR; t++) {
		const struct ksm_event_desc *d = &ksm_event_desc[t];

		printf("event %s %s", d->name, d->probe_only ? "probe" :
		       d->series ? "series" : "upstream");
		for (i = 0; i < d->nargs; i++)
			printf(" %s:%s", d->arg[i], kinds[d->kind[i]]);
		printf("\n");
	}
	for (k = KSM_ARG_FIRST_ENUM; k < KSM_ARG_KIND_NR; k++)
		for (v = 0; ksm_sym_name(k, v); v++)
			printf("sym %s %d %s\n", kinds[k], v, ksm_sym_name(k, v));
	return 0;
}

static void put(const char *dir, const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	/* a fixture not written is a failure, not a test of something else */
	if (!f || fputs(text, f) < 0 || fclose(f))
		check(0, path);
}

static void test_proc(const char *tmp)
{
	struct ksm_proc p = { 0 }, *all = NULL;
	char dir[512];
	int cnt;

	check(ksm_stat_parse("ksm_rmap_items 10\n", &p) == 1 &&
	      p.rmap_items == 10 && !p.kernel_profit,
	      "ksm_stat: 6.1 format (rmap items only)");
	memset(&p, 0, sizeof(p));
	check(ksm_stat_parse("ksm_rmap_items 4097\nksm_zero_pages 3\n"
			     "ksm_merging_pages 4078\nksm_process_profit 16438528\n"
			     "ksm_merge_any: no\nksm_mergeable: yes\n", &p) == 4 &&
	      p.merging_pages == 4078 && p.zero_pages == 3 &&
	      p.profit == 16438528 && p.kernel_profit,
	      "ksm_stat: 6.18 format, yes/no lines ignored");
	memset(&p, 0, sizeof(p));
	check(ksm_stat_parse("garbage\nksm_rmap_items x\n", &p) == 0,
	      "ksm_stat: garbage gives nothing");
	check(ksm_profit(4078, 0, 4097, 4096, 64) == 4078L * 4096 - 4097L * 64,
	      "profit: merging*PAGE_SIZE - rmap_items*sizeof(rmap_item)");
	snprintf(dir, sizeof(dir), "%s/123", tmp);
	mkdir(dir, 0755);
	put(dir, "ksm_stat", "ksm_rmap_items 8\n");
	put(dir, "ksm_merging_pages", "6\n");
	put(dir, "comm", "my prog\n");
	put(dir, "stat", "123 (my prog) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 "
	    "17 18 4242 20 21\n");
	snprintf(dir, sizeof(dir), "%s/124", tmp);
	mkdir(dir, 0755);
	put(dir, "ksm_stat", "ksm_rmap_items 0\n");
	check(ksm_proc_read(tmp, 123, 64, &p) == 0 && p.merging_pages == 6 &&
	      p.rmap_items == 8 && !strcmp(p.comm, "my prog") &&
	      p.start_time == 4242 && p.profit == 6 * 4096 - 8 * 64,
	      "proc: 6.1 files, comm with a space, start time, profit computed");
	check(ksm_proc_read(tmp, 999, 64, &p) == -ENOENT,
	      "proc: a process that is gone is -ENOENT");
	cnt = ksm_proc_scan(tmp, 64, &all);
	check(cnt == 1 && all[0].pid == 123,
	      "proc: scan lists only processes with KSM rmap items");
	free(all);
	check(ksm_proc_scan("/nonexistent-ksmscope", 64, &all) < 0,
	      "proc: unreadable root is an error");
	check(ksm_stat_start_time("42 (a b) c) S 1 2 3 4 5 6 7 8 9 10 11 12 13 "
				  "14 15 16 17 18 4242 19") == 4242 &&
	      ksm_stat_start_time("42 (x) S 1 2") == 0 &&
	      ksm_stat_start_time("no comm") == 0,
	      "proc: start time after a comm with spaces and ')'; none in a "
	      "short line");
}

static void test_sysfs(const char *tmp)
{
	struct ksm_snapshot s;
	long v;

	/* ksm_sysfs_dir() read $KSMSCOPE_SYSFS (= tmp/ksm) at first use */
	put(ksm_sysfs_dir(), "run", "1\n");
	put(ksm_sysfs_dir(), "pages_sharing", "42\n");
	put(ksm_sysfs_dir(), "general_profit", "-64\n");
	ksm_snapshot_read(&s);
	check(s.have[KSM_SYS_RUN] && s.v[KSM_SYS_RUN] == 1 &&
	      s.v[KSM_SYS_PAGES_SHARING] == 42 &&
	      !s.have[KSM_SYS_KSM_ZERO_PAGES] &&
	      s.v[KSM_SYS_GENERAL_PROFIT] == -64,
	      "sysfs: snapshot, absent files marked, negative profit kept");
	check(ksm_read_value("nosuch", &v) == -ENOENT, "sysfs: absent knob");
	check(strstr(ksm_sysfs_dir(), tmp) != NULL && ksm_present(),
	      "sysfs: $KSMSCOPE_SYSFS moves the directory");
}

/* the pids of the model's rows, in order: "20 30 10" */
static const char *row_pids(const struct ksmtop_model *m, char *buf,
			    size_t len)
{
	size_t at = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < m->nrows && at < len; i++)
		at += (size_t)snprintf(buf + at, len - at, "%s%d", i ? " " : "",
				       m->rows[i].pid);
	return buf;
}

/* ksmd's cost over three intervals of 10 s: 2 s of its CPU each */
static void test_group(void)
{
	static const struct {
		const char *path, *want;
	} units[] = {
		{ "/system.slice/docker-4f2a.scope", "/system.slice/docker-4f2a.scope" },
		{ "/machine.slice/machine-qemu\\x2d1\\x2dvm1.scope/libvirt/emulator",
		  "/machine.slice/machine-qemu\\x2d1\\x2dvm1.scope" },
		{ "/system.slice/foo.service/payload", "/system.slice/foo.service" },
		{ "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1.slice/"
		  "cri-containerd-ab.scope", "/kubepods.slice/kubepods-burstable.slice/"
		  "kubepods-burstable-pod1.slice/cri-containerd-ab.scope" },
		{ "/user.slice/user-0.slice/session-3.scope", "/user.slice/user-0.slice/session-3.scope" },
		{ "/ksmscope-test/a", "/ksmscope-test/a" },
		{ "/", "/" },
		{ "/x.scopes/y", "/x.scopes/y" },
	};
	static const char cmd1[] = "qemu-system-x86_64\0-m\0002G\0-name\0guest=vm1,debug-threads=on\0-smp\0002";
	static const char cmd2[] = "qemu-kvm\0-name\0web,,db\0";
	static const char cmd3[] = "qemu\0-name=guest=eq\0";
	static const char cmd4[] = "qemu\0-name\0process=p1\0";
	static const char cmd5[] = "qemu\0-name\0";
	char buf[256];
	size_t i;
	int good = 1;

	for (i = 0; i < ARRAY_SIZE(units); i++)
		if (strcmp(ksm_cgroup_group(units[i].path, buf, sizeof(buf)),
			   units[i].want)) {
			printf("# %s -> %s\n", units[i].path, buf);
			good = 0;
		}
	check(good, "group: cgroup paths cut at their last .service/.scope unit");
	check(!strcmp(ksm_cgroup_parse("0::/system.slice/a.service\n", buf, sizeof(buf)),
		      "/system.slice/a.service") &&
	      !strcmp(ksm_cgroup_parse("12:memory:/m\n1:name=systemd:/user.slice/s.scope\n",
				       buf, sizeof(buf)), "/user.slice/s.scope") &&
	      !ksm_cgroup_parse("5:cpu:/x\n", buf, sizeof(buf))[0] &&
	      !strcmp(ksm_cgroup_parse("9:name=systemd:/system.slice/b.service\n0::/\n",
				       buf, sizeof(buf)), "/system.slice/b.service") &&
	      !strcmp(ksm_cgroup_parse("9:name=systemd:/\n0::/t/a\n", buf, sizeof(buf)),
		      "/t/a"),
	      "group: /proc/PID/cgroup: v2's 0:: line, v1's name=systemd where v2 is only /, else none");
	check(!strcmp(ksm_guest_parse(cmd1, sizeof(cmd1), buf, sizeof(buf)), "vm1") &&
	      !strcmp(ksm_guest_parse(cmd2, sizeof(cmd2), buf, sizeof(buf)), "web,db") &&
	      !strcmp(ksm_guest_parse(cmd3, sizeof(cmd3), buf, sizeof(buf)), "eq"),
	      "group: QEMU's -name guest=NAME, -name NAME (,, is a comma), -name=...");
	{
		char g[64] = "x", q[64] = "x";

		/* a process (or its cgroup file) gone while read: nothing */
		ksm_group_read("/nonexistent-ksmscope", 1, g, sizeof(g), q, sizeof(q));
		check(!g[0] && !q[0], "group: a process gone while read: no group, "
		      "no guest (its row sums under '?')");
	}
	check(!ksm_guest_parse(cmd4, sizeof(cmd4), buf, sizeof(buf))[0] &&
	      !ksm_guest_parse(cmd5, sizeof(cmd5), buf, sizeof(buf))[0] &&
	      !ksm_guest_parse("sleep\0" "10", 8, buf, sizeof(buf))[0],
	      "group: no guest name: process= only, -name last with no value, not QEMU");
}

static void test_model_ksmd(struct ksm_bpf *b, struct options *o)
{
	struct sample s[4];
	struct ksmtop_model m;
	int i;

	memset(s, 0, sizeof(s));
	parse("ksmtop -b --what-if 200:10", o, (char[256]){ 0 });
	for (i = 0; i < 4; i++) {
		struct ksm_snapshot *y = &s[i].sys;

		s[i].t = 100 + 10 * i;
		s[i].ksmd = (struct ksm_ksmd){ .pid = 37, .start_time = 5,
					       .cpu_s = 50 + 2 * i };
		y->v[KSM_SYS_RUN] = 1;
		y->v[KSM_SYS_PAGES_TO_SCAN] = 100;
		y->v[KSM_SYS_SLEEP_MILLISECS] = 20;
		/* 10000 rmap_items; a full pass every 10 s: 1000 pages/s */
		y->v[KSM_SYS_PAGES_SHARED] = 1000;
		y->v[KSM_SYS_PAGES_SHARING] = 4000;
		y->v[KSM_SYS_PAGES_UNSHARED] = 5000;
		y->v[KSM_SYS_FULL_SCANS] = 7 + i;
		y->have[KSM_SYS_FULL_SCANS] = true;
		y->v[KSM_SYS_PAGES_SCANNED] = 70000 + 10000 * i;
		y->have[KSM_SYS_PAGES_SCANNED] = true;
		y->v[KSM_SYS_GENERAL_PROFIT] = 1 << 20;
		y->have[KSM_SYS_GENERAL_PROFIT] = true;
	}
	ksmtop_model_init(&m, b, o);
	ksmtop_model_update(&m, &s[0], &s[1], 0);
	check(m.ksmd.pid == 37 && fabs(m.ksmd.cpu_pct - 20) < 1e-9 &&
	      m.ksmd.pass_measured_s < 0 && m.ksmd.pass_pages == 10000 &&
	      m.ksmd.cpu_per_page_s < 0 &&
	      fabs(m.ksmd.profit_per_cpu_s - (1 << 20) / 52.0) < 1e-6,
	      "model: ksmd 2 s of CPU in 10 s is 20%; one full scan seen: no pass yet");
	ksmtop_model_update(&m, &s[1], &s[2], 0);
	ksmtop_model_update(&m, &s[2], &s[3], 0);
	/* 4 s of CPU over 20000 pages: 200 us a page */
	check(fabs(m.ksmd.pass_measured_s - 10) < 1e-9 &&
	      fabs(m.ksmd.cpu_per_page_s - 200e-6) < 1e-12 &&
	      fabs(m.ksmd.scanned_s - 1000) < 1e-9,
	      "model: a pass measured between two full scans, CPU per page since the first");
	/* 100 batches of (100 * 200 us + 20 ms) */
	check(fabs(m.ksmd.pass_model_s - 100 * 0.04) < 1e-9 &&
	      m.ksmd.whatif_pages == 200 && m.ksmd.whatif_sleep == 10 &&
	      fabs(m.ksmd.whatif_pass_s - 50 * 0.05) < 1e-9 &&
	      fabs(m.ksmd.whatif_cpu_pct - 80) < 1e-9,
	      "model: the scan model at the measured cost, and --what-if 200:10");
	s[3].ksmd.pid = 0;
	ksmtop_model_update(&m, &s[2], &s[3], 0);
	check(m.ksmd.cpu_pct < 0 && m.ksmd.cpu_s < 0,
	      "model: no ksmd (another pid namespace): its CPU unknown");
	ksmtop_model_free(&m);
	check(parse("ksmtop --what-if 0:10", o, (char[256]){ 0 }) == OPT_ERROR &&
	      parse("ksmtop --what-if 100", o, (char[256]){ 0 }) == OPT_ERROR &&
	      parse("ksmtop --what-if 100:-1", o, (char[256]){ 0 }) == OPT_ERROR,
	      "options: --what-if needs PAGES:MS, pages >= 1, ms >= 0");
}

static void test_model(void)
{
	struct ksm_proc procs[] = {
		{ .pid = 10, .start_time = 1, .comm = "alpha",
		  .merging_pages = 50, .rmap_items = 60 },
		{ .pid = 20, .start_time = 2, .comm = "beta",
		  .merging_pages = 200, .rmap_items = 210 },
		{ .pid = 30, .start_time = 3, .comm = "alpine",
		  .merging_pages = 100, .rmap_items = 110 },
	};
	/* one mm, pid 20's: 20 merges then 40, two seconds apart */
	struct ksm_mm_entry mm0 = { .mm = 0x1000, .s = { .merges = 20 } };
	struct ksm_mm_entry mm1 = { .mm = 0x1000, .s = { .merges = 40 } };
	struct ksm_task_rec task = { .mm = 0x1000, .tgid = 20, .comm = "beta" };
	struct ksm_task_rec other = { .mm = 0x1000, .tgid = 99, .comm = "x" };
	struct sample prev = {
		.t = 10, .procs = procs, .nprocs = 3, .mms = &mm0, .nmms = 1,
		.tasks = &task, .ntasks = 1,
	}, cur = prev;
	int merges = ksm_class_desc[KSM_CLASS_MERGES].slot;
	struct ksmtop_model m;
	struct ksm_bpf b = { .stats_fd = -1 };
	struct options o;
	char err[256], buf[64];
	int t;

	parse("ksmtop -b", &o, err);
	for (t = 0; t < KSM_EV_NR; t++)
		b.attached[t] = true;
	b.fidelity = KSM_FIDELITY_FULL;
	b.iter_link = (struct bpf_link *)&b;	/* any: a task iterator */
	cur.t = 12;
	cur.mms = &mm1;
	prev.cnt[merges] = 100;
	cur.cnt[merges] = 300;
	ksmtop_model_init(&m, &b, &o);
	ksmtop_model_update(&m, &prev, &cur, 3);
	check(m.dt == 2 && m.rate[KSM_CLASS_MERGES] == 100 &&
	      ksm_hist_get(&m.hist[HIST_MERGES], 0) == 100 &&
	      m.violations == 3 && !m.derived_unmerges,
	      "model: 200 merges in 2 s is 100/s, into the history");
	check(!strcmp(row_pids(&m, buf, sizeof(buf)), "20 30 10") &&
	      m.nshown == 3, "model: rows by merging pages, most first");
	check(m.ngroups == 1 && m.groups[0].procs == 3 &&
	      m.groups[0].merging == 350 && !strcmp(m.groups[0].name, "?") &&
	      m.groups[0].merges_s == 10,
	      "model: rows without a cgroup sum into one group '?'");
	snprintf(procs[0].group, sizeof(procs[0].group), "/a.scope");
	snprintf(procs[2].group, sizeof(procs[2].group), "/a.scope");
	ksmtop_model_update(&m, &prev, &cur, 3);
	check(m.ngroups == 2 && !strcmp(m.groups[0].name, "?") &&
	      m.groups[0].merging == 200 && !strcmp(m.groups[1].name, "/a.scope") &&
	      m.groups[1].procs == 2 && m.groups[1].merging == 150,
	      "model: groups by cgroup unit, most merging first");
	procs[0].group[0] = procs[2].group[0] = '\0';
	check(m.rows[0].merges_s == 10 && m.rows[0].merges == 40 &&
	      m.rows[0].unmerges_s == 0 && m.rows[1].merges_s == 0,
	      "model: per-process merges/s from the mm of the task iterator");
	snprintf(o.comm, sizeof(o.comm), "alp");
	o.sort = SORT_PID;
	o.top = 1;
	ksmtop_model_update(&m, &prev, &cur, 3);
	check(!strcmp(row_pids(&m, buf, sizeof(buf)), "10 30") &&
	      m.nshown == 1, "model: -c alp -s pid -N 1: two rows, one shown");
	o.reverse = true;
	o.comm[0] = '\0';
	o.pids[0] = 30;
	o.pids[1] = 20;
	o.npids = 2;
	o.top = 0;
	ksmtop_model_update(&m, &prev, &cur, 3);
	check(!strcmp(row_pids(&m, buf, sizeof(buf)), "30 20") &&
	      m.nshown == 2, "model: -p 30,20 -s pid -r");
	o.npids = 0;
	prev.tasks = &other;
	ksmtop_model_update(&m, &prev, &cur, 3);
	check(m.nrows == 3 && m.rows[1].pid == 20 && m.rows[1].merges_s == 20,
	      "model: an mm pointer that was another process's starts afresh");
	/* upstream: no unmerge events; merges less the growth of sharing */
	prev.tasks = &task;
	b.attached[KSM_EV_REMOVE_RMAP_ITEM_FROM_TREE] = false;
	cur.sys.v[KSM_SYS_PAGES_SHARED] = 50;
	cur.sys.v[KSM_SYS_PAGES_SHARING] = 50;
	ksmtop_model_update(&m, &prev, &cur, 0);
	check(m.derived_unmerges && m.rate[KSM_CLASS_UNMERGES] == 50 &&
	      m.rows[1].pid == 20 && m.rows[1].unmerges_s == 10 &&
	      m.rows[1].unmerges == -1,
	      "model: upstream: unmerges derived per class and per process");
	ksmtop_model_free(&m);
	check(!m.rows && !m.nrows, "model: freed");
	test_model_ksmd(&b, &o);
}

static void test_why(const char *tmp)
{
	struct ksm_why_page pg = { .h1 = 7, .h2 = 7, .nid = 0 };
	struct ksm_why_ctx run = { .run = 1, .across_nodes = true };
	struct ksm_why_ctx stopped = { .run = 0, .across_nodes = true };
	struct ksm_why_ctx pernode = { .run = 1, .across_nodes = false };
	struct ksm_why_table *t = ksm_why_table_new(4);
	struct ksm_why w = { .pid = 42, .interval = 1 };
	struct ksm_scan_cost cost;
	struct options o;
	char err[256], path[600], buf[4096];
	bool mg;
	int ppid;
	FILE *f;
	size_t len;
	long i;

	check(ksm_why_vmflags(" rd wr mr mw me ac sd mg\n", &mg) == -1 && mg,
	      "why: VmFlags with mg: registered, mergeable kind");
	check(ksm_why_vmflags(" rd wr sh mr mw me ms sd\n", &mg) == KSM_SKIP_SHARED &&
	      !mg, "why: VmFlags sh ms: shared, skipped");
	check(ksm_why_vmflags(" rd wr mr mw me de ac sd ht\n", &mg) ==
	      KSM_SKIP_DONTEXPAND && !mg &&
	      ksm_why_vmflags("rd io pf", &mg) == KSM_SKIP_PFNMAP,
	      "why: VmFlags de/ht/io/pf: the first kind that rules it out");
	check(ksm_why_vmflags("rd wr mgx mm", &mg) == KSM_SKIP_MIXEDMAP && !mg,
	      "why: VmFlags: only whole two-letter words count");
	check(t != NULL, "why: a table");
	if (!t)
		return;
	/* the page itself is in the table, as ksm_why_read() adds it */
	ksm_why_table_add(t, 7, 0, false, false);
	check(ksm_why_classify(&pg, t, &run) == KSM_WHY_UNIQUE,
	      "why: alone in the table: unique");
	pg.h2 = 8;
	check(ksm_why_classify(&pg, t, &run) == KSM_WHY_VOLATILE,
	      "why: changed between reads: volatile, before anything else");
	pg.h2 = 7;
	pg.unreadable = true;
	check(ksm_why_classify(&pg, t, &run) == KSM_WHY_UNREADABLE,
	      "why: unreadable comes first");
	pg.unreadable = false;
	pg.zero = true;
	check(ksm_why_classify(&pg, t, &run) == KSM_WHY_ZERO_FILLED,
	      "why: zero-filled before partners");
	pg.zero = false;
	ksm_why_table_add(t, 7, 0, true, true);
	check(ksm_why_classify(&pg, t, &run) == KSM_WHY_MAX_SHARING,
	      "why: twin of a full KSM page only: max_page_sharing");
	ksm_why_table_add(t, 7, 1, false, false);
	check(ksm_why_classify(&pg, t, &run) == KSM_WHY_PENDING &&
	      ksm_why_classify(&pg, t, &stopped) == KSM_WHY_STOPPED,
	      "why: an unmerged partner: not reached (run 1), ksmd stopped (run 0)");
	check(ksm_why_classify(&pg, t, &pernode) == KSM_WHY_MAX_SHARING,
	      "why: merge_across_nodes 0: a partner on node 1 does not count for node 0");
	ksm_why_table_free(t);
	t = ksm_why_table_new(1);
	ksm_why_table_add(t, 7, 0, false, false);
	ksm_why_table_add(t, 7, 1, false, false);
	ksm_why_table_add(t, 9, 1, true, false);
	check(ksm_why_classify(&pg, t, &pernode) == KSM_WHY_OTHER_NODE &&
	      ksm_why_classify(&pg, t, &run) == KSM_WHY_PENDING,
	      "why: partner only on another node: other_node, unless across nodes");
	pg.h1 = pg.h2 = 9;
	check(ksm_why_classify(&pg, t, &pernode) == KSM_WHY_OTHER_NODE,
	      "why: a KSM page with room on another node: other_node");
	/* the table grows past its first size and keeps every entry */
	for (i = 0; i < 100000; i++)
		ksm_why_table_add(t, 1000 + (unsigned long long)i, -1, false, false);
	pg.h1 = pg.h2 = 1000 + 99999;
	pg.nid = -1;
	check(ksm_why_classify(&pg, t, &run) == KSM_WHY_UNIQUE,
	      "why: 100000 contents: the table grew, lookups still right");
	pg.h1 = pg.h2 = 7;
	check(ksm_why_classify(&pg, t, &run) == KSM_WHY_PENDING,
	      "why: and the first entries survived the growth");
	ksm_why_table_free(t);
	check(!ksm_scan_model(1000, 100, 20, 0, &cost) && cost.pass_s == 0.2 &&
	      cost.cpu_share == 0 &&
	      !ksm_scan_model(1001, 100, 20, 0, &cost) && fabs(cost.pass_s - 11 * 0.02) < 1e-9 &&
	      ksm_scan_model(10, 0, 20, 0, &cost) < 0 &&
	      !ksm_scan_model(256, 1, 1000, 0, &cost) && cost.pass_s == 256,
	      "scan model: ceil(pages / pages_to_scan) batches of sleep_millisecs");
	check(!ksm_scan_model(1000, 100, 20, 20e-6, &cost) &&
	      fabs(cost.pass_s - 10 * (0.002 + 0.02)) < 1e-9 &&
	      fabs(cost.cpu_share - 0.002 / 0.022) < 1e-9 &&
	      !ksm_scan_model(1000, 100, 0, 20e-6, &cost) && cost.cpu_share == 1 &&
	      ksm_scan_model(1000, 100, 20, -1, &cost) < 0,
	      "scan model: each batch costs pages_to_scan * cpu_per_page of CPU; "
	      "sleep 0 is a whole CPU");
	check(parse("ksmtop --why 42 -j -d 2", &o, err) == OPT_OK && o.why == 42 &&
	      o.json && o.delay == 2,
	      "options: --why PID with -j and -d");
	check(parse("ksmtop --why 0", &o, err) == OPT_ERROR &&
	      strstr(err, "bad pid '0'"), "options: --why 0 is refused");
	check(parse("ksmtop --why 42 --prometheus", &o, err) == OPT_ERROR &&
	      strstr(err, "--why takes only"),
	      "options: --why with --prometheus is refused");
	check(ksm_stat_is_kthread("37 (ksmd) S 2 0 0 0 -1 2097216 0 0 0 0 5 7", &ppid) &&
	      ppid == 2 &&
	      !ksm_stat_is_kthread("99 (ksmd) S 1 99 99 0 -1 4194560 0 0", &ppid),
	      "ksmd: a kernel thread of kthreadd by its stat flags, not a process named ksmd");
	/* the JSON: one line, every reason, null for the unknown ones */
	snprintf(w.comm, sizeof(w.comm), "a \"q\" b");
	w.pages[KSM_WHY_UNIQUE] = 5;
	w.anon_pages = 5;
	w.unknown[KSM_WHY_MAX_SHARING] = true;
	snprintf(w.unknown_why[KSM_WHY_MAX_SHARING], 80, "no /proc/kpagecount");
	w.pass_s = -1;
	w.merge_any = -1;
	snprintf(path, sizeof(path), "%s/why.json", tmp);
	f = fopen(path, "w+");
	if (!f) {
		check(0, path);
		return;
	}
	ksm_why_json(f, &w, NULL);
	rewind(f);
	len = fread(buf, 1, sizeof(buf) - 1, f);
	buf[len] = '\0';
	fclose(f);
	check(strstr(buf, "\"comm\":\"a \\\"q\\\" b\"") && strstr(buf, "\"unique\":5") &&
	      strstr(buf, "\"max_page_sharing\":null") &&
	      strstr(buf, "\"unknown\":{\"max_page_sharing\":\"no /proc/kpagecount\"}") &&
	      strstr(buf, "\"pass_s\":null") && strstr(buf, "\"events\":null") &&
	      strchr(buf, '\n') == buf + len - 1,
	      "why: JSON on one line: reasons, unknown ones null with why, comm quoted");
}

int main(int argc, char **argv)
{
	const char *td = getenv("TMPDIR"), *ab = getenv("KSMSCOPE_UNIT_ABORT_AFTER");
	char tmp[400], ksm[600], rm[600];

	if (argc == 2 && !strcmp(argv[1], "--events"))
		return dump_events();
	/* results reach a pipe line by line, even if we die half-way */
	setvbuf(stdout, NULL, _IOLBF, 0);
	abort_after = ab ? atoi(ab) : 0;
	snprintf(tmp, sizeof(tmp), "%s/ksmscope-unit-XXXXXX", td && *td ? td : "/tmp");
	if (!mkdtemp(tmp)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(ksm, sizeof(ksm), "%s/ksm", tmp);
	mkdir(ksm, 0755);
	setenv("KSMSCOPE_SYSFS", ksm, 1);
	printf("TAP version 13\n");
	test_options();
	test_http();
	test_prom();
	test_rates();
	test_json();
	test_events();
	test_table();
	test_proc(tmp);
	test_sysfs(tmp);
	test_model();
	test_why(tmp);
	test_group();
	printf("1..%d\n", n);
	snprintf(rm, sizeof(rm), "rm -rf '%s'", tmp);
	if (system(rm) == -1)
		perror("rm");
	return failed ? 1 : 0;
}

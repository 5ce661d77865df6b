// SPDX-License-Identifier: GPL-2.0
/* textout.c - ksmtop -b (text frames) and -j (JSON lines) on stdout */
#include <stdbool.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "ksm_fmt.h"
#include "ksmtop.h"
#include "lines.h"

static void emit_stdout(int y, const char *line, enum line_attr attr)
{
	(void)y;
	(void)attr;
	puts(line);
}

void textout_batch(const struct ksmtop_model *m, const struct sample *cur,
		   bool utf8)
{
	const struct head_state hs = { .utf8 = utf8, .notice = "" };
	char line[256];
	int i;

	lines_header(m, cur, &hs, emit_stdout, 120);
	printf("\n%s\n", lines_table_head());
	for (i = 0; i < m->nshown; i++) {
		lines_row(&m->rows[i], line, sizeof(line));
		puts(line);
	}
	printf("\n%s\n", lines_group_head());
	for (i = 0; i < m->gshown; i++) {
		lines_group_row(&m->groups[i], line, sizeof(line));
		puts(line);
	}
	putchar('\n');
	fflush(stdout);
}

/* "key":value, null when not known (< 0) */
static void json_num(const char *key, double v, bool comma)
{
	if (v < 0)
		printf("\"%s\":null%s", key, comma ? "," : "");
	else
		printf("\"%s\":%.3f%s", key, v, comma ? "," : "");
}

void textout_json(const struct ksmtop_model *m, const struct sample *cur)
{
	const struct ksm_snapshot *s = &cur->sys;
	long psz = sysconf(_SC_PAGESIZE);
	int i;

	printf("{\"time\":%.3f,\"interval\":%.3f,\"fidelity\":\"%s\",",
	       (double)time(NULL), m->dt, ksm_fidelity_name(m->bpf->fidelity));
	printf("\"settings\":{");
	for (i = 0; i < KSM_SYS_FIRST_COUNTER; i++)
		printf("%s\"%s\":%ld", i ? "," : "", ksm_sys_names[i], s->v[i]);
	printf("},\"counters\":{");
	for (i = KSM_SYS_FIRST_COUNTER; i < KSM_SYS_NR; i++)
		if (s->have[i])
			printf("\"%s\":%ld,", ksm_sys_names[i], s->v[i]);
	printf("\"memory_saved_bytes\":%ld},\"rates\":{",
	       s->v[KSM_SYS_PAGES_SHARING] * psz);
	for (i = 0; i < KSM_CLASS_NR; i++)
		json_num(ksm_class_desc[i].key, m->rate[i], true);
	json_num("pages_scanned", m->scanned_s, true);
	printf("\"unmerges_derived\":%s},", m->derived_unmerges ? "true" :
	       "false");
	printf("\"processes\":[");
	for (i = 0; i < m->nshown; i++) {
		const struct row *r = &m->rows[i];

		printf("%s{\"pid\":%d,\"comm\":", i ? "," : "", r->pid);
		ksm_json_str(stdout, r->comm);
		printf(",\"merging_pages\":%ld,\"rmap_items\":%ld,"
		       "\"zero_pages\":%ld,\"profit_bytes\":%ld,", r->merging,
		       r->rmap, r->zero, r->profit);
		json_num("merges_per_s", r->merges_s, true);
		json_num("unmerges_per_s", r->unmerges_s, true);
		if (r->dropped < 0)
			printf("\"dropped\":null,");
		else
			printf("\"dropped\":%lld,", r->dropped);
		printf("\"counters_mismatch\":%s,\"cgroup\":", r->mismatch ?
		       "true" : "false");
		if (r->group[0])
			ksm_json_str(stdout, r->group);
		else
			printf("null");
		printf(",\"guest\":");
		if (r->guest[0])
			ksm_json_str(stdout, r->guest);
		else
			printf("null");
		putchar('}');
	}
	printf("],\"groups\":[");
	for (i = 0; i < m->gshown; i++) {
		const struct group_row *g = &m->groups[i];

		printf("%s{\"cgroup\":", i ? "," : "");
		ksm_json_str(stdout, g->name);
		printf(",\"processes\":%d,\"merging_pages\":%ld,"
		       "\"rmap_items\":%ld,\"zero_pages\":%ld,"
		       "\"profit_bytes\":%ld,", g->procs, g->merging, g->rmap,
		       g->zero, g->profit);
		json_num("merges_per_s", g->merges_s, false);
		putchar('}');
	}
	printf("],\"ksmd\":{\"pid\":%d,", m->ksmd.pid);
	json_num("cpu_percent", m->ksmd.cpu_pct, true);
	json_num("cpu_seconds", m->ksmd.cpu_s, true);
	json_num("pages_scanned_per_s", m->ksmd.scanned_s, true);
	json_num("full_pass_s", m->ksmd.pass_measured_s, true);
	json_num("full_pass_model_s", m->ksmd.pass_model_s, true);
	printf("\"full_pass_pages\":%ld,", m->ksmd.pass_pages);
	json_num("cpu_us_per_page", m->ksmd.cpu_per_page_s >= 0 ?
		 m->ksmd.cpu_per_page_s * 1e6 : -1, true);
	if (m->ksmd.pid && m->ksmd.cpu_s > 0)
		printf("\"profit_bytes_per_cpu_s\":%.1f,", m->ksmd.profit_per_cpu_s);
	else
		printf("\"profit_bytes_per_cpu_s\":null,");
	if (m->ksmd.advisor.present) {
		printf("\"advisor\":{\"mode\":");
		ksm_json_str(stdout, m->ksmd.advisor.mode);
		printf(",\"target_scan_time\":%ld,\"max_cpu\":%ld,"
		       "\"min_pages_to_scan\":%ld,\"max_pages_to_scan\":%ld},",
		       m->ksmd.advisor.target_scan_time, m->ksmd.advisor.max_cpu,
		       m->ksmd.advisor.min_pages, m->ksmd.advisor.max_pages);
	} else {
		printf("\"advisor\":null,");
	}
	printf("\"what_if\":{\"pages_to_scan\":%ld,\"sleep_millisecs\":%ld,",
	       m->ksmd.whatif_pages, m->ksmd.whatif_sleep);
	json_num("full_pass_s", m->ksmd.whatif_pass_s, true);
	json_num("cpu_percent", m->ksmd.whatif_cpu_pct, false);
	printf("}},\"overhead\":{");
	json_num("ns_per_event", m->ns_per_event, true);
	json_num("events_per_s", m->events_s, true);
	json_num("cpu_percent", m->cpu_pct, false);
	printf("},\"violations\":%ld,\"processes_mismatched\":%ld,"
	       "\"lost_events\":%llu}\n", m->violations, m->mismatched,
	       (unsigned long long)m->lost);
	fflush(stdout);
}

// SPDX-License-Identifier: GPL-2.0
/* output.c - ksmtrace's text, JSON lines and Perfetto output */
#include <inttypes.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "ksm_bpf.h"
#include "ksm_evdesc.h"
#include "ksm_fmt.h"
#include "output.h"

#define STACK_DEPTH 16		/* as bpf/ksm.bpf.c's "stacks" map */

/* "tracepoint" or "probe": which source made the event */
static const char *source_of(const struct ksmtrace_out *o,
			     const struct ksm_event *e)
{
	if (!o->src || e->type >= KSM_EV_NR)
		return "none";
	return ksm_source_name(o->src[e->type]);
}

/* The kernel stack of e: a JSON member ,"stack":[...] or indented lines. */
static void print_stack(const struct ksmtrace_out *o, const struct ksm_event *e)
{
	__u64 ips[STACK_DEPTH] = { 0 };
	FILE *f = o->stream;
	int i;

	if (e->stack_id < 0 || o->stacks_fd < 0 ||
	    bpf_map_lookup_elem(o->stacks_fd, &e->stack_id, ips)) {
		if (o->json)
			fprintf(f, ",\"stack\":[]");
		return;
	}
	if (o->json)
		fprintf(f, ",\"stack\":[");
	for (i = 0; i < STACK_DEPTH && ips[i]; i++) {
		if (o->json)
			fprintf(f, "%s\"0x%" PRIx64 "\"", i ? "," : "",
				(uint64_t)ips[i]);
		else
			fprintf(f, "%28s0x%" PRIx64 "\n", "", (uint64_t)ips[i]);
	}
	if (o->json)
		fputc(']', f);
}

static void print_text(const struct ksmtrace_out *o, const struct ksm_event *e)
{
	char buf[512];

	ksm_event_format(e, buf, sizeof(buf));
	fprintf(o->stream, "%12.6f %3u %7u %-15.15s %s%s\n",
		(e->ts_ns - o->t0_ns) / 1e9, e->cpu, e->tgid, e->comm, buf,
		o->src && o->src[e->type % KSM_EV_NR] == KSM_SRC_PROBE ?
		" [probe]" : "");
	if (o->stack)
		print_stack(o, e);
}

static void print_json(const struct ksmtrace_out *o, const struct ksm_event *e)
{
	FILE *f = o->stream;

	fprintf(f, "{\"ts_ns\":%llu,\"cpu\":%u,\"pid\":%u,\"tid\":%u,\"comm\":",
		(unsigned long long)e->ts_ns, e->cpu, e->tgid, e->pid);
	ksm_json_str(f, e->comm);
	fprintf(f, ",\"event\":\"%s\",\"source\":\"%s\",\"args\":",
		ksm_event_desc[e->type].name, source_of(o, e));
	ksm_event_json_args(f, e);
	if (o->stack)
		print_stack(o, e);
	fprintf(f, "}\n");
}

void out_event(const struct ksmtrace_out *o, const struct ksm_event *e)
{
	if (o->json)
		print_json(o, e);
	else
		print_text(o, e);
}

/* ---- Perfetto: Chrome trace-event JSON, one instant per event ---- */

int out_perfetto_open(struct ksmtrace_out *o, const char *path)
{
	o->perfetto = fopen(path, "w");
	if (!o->perfetto)
		return -1;
	o->perfetto_n = 0;
	fprintf(o->perfetto, "{\"traceEvents\":[\n");
	return 0;
}

/* a track per CPU (tid = CPU), in one process */
void out_perfetto_event(struct ksmtrace_out *o, const struct ksm_event *e)
{
	if (!o->perfetto)
		return;
	/* the source as a category too: Perfetto can filter on it */
	fprintf(o->perfetto, "%s{\"name\":\"%s\",\"cat\":\"ksm,%s\",\"ph\":\"i\","
		"\"s\":\"t\",\"ts\":%.3f,\"pid\":1,\"tid\":%u,\"args\":",
		o->perfetto_n++ ? ",\n" : "", ksm_event_desc[e->type].name,
		source_of(o, e), (e->ts_ns - o->t0_ns) / 1e3, e->cpu);
	ksm_event_json_args(o->perfetto, e);
	fputc('}', o->perfetto);
}

void out_perfetto_finish(struct ksmtrace_out *o)
{
	long ncpu = sysconf(_SC_NPROCESSORS_CONF), c;

	if (!o->perfetto)
		return;
	fprintf(o->perfetto, "%s{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":1,"
		"\"args\":{\"name\":\"KSM events\"}}", o->perfetto_n ? ",\n" : "");
	for (c = 0; c < ncpu; c++)
		fprintf(o->perfetto, ",\n{\"name\":\"thread_name\",\"ph\":\"M\","
			"\"pid\":1,\"tid\":%ld,\"args\":{\"name\":\"CPU %ld\"}}",
			c, c);
	fprintf(o->perfetto, "\n],\"displayTimeUnit\":\"ns\"}\n");
	out_perfetto_close(o);
}

void out_perfetto_close(struct ksmtrace_out *o)
{
	if (o->perfetto)
		fclose(o->perfetto);
	o->perfetto = NULL;
}

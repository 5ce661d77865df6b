// SPDX-License-Identifier: GPL-2.0
/* sample.c - ksmtop's reading of sysfs, /proc and the BPF maps */
#include <stdlib.h>
#include <string.h>

#include "ksm_util.h"
#include "sample.h"

void sample_take(struct sample *s, const struct ksm_bpf *b)
{
	/* ksmd, once found, is read by its pid (and start time) */
	static struct ksm_ksmd ksmd;
	int n;

	memset(s, 0, sizeof(*s));
	if (ksm_ksmd_read(ksm_proc_root(), &ksmd))
		memset(&ksmd, 0, sizeof(ksmd));
	s->ksmd = ksmd;
	ksm_advisor_read(&s->advisor);
	s->t = ksm_now();
	ksm_snapshot_read(&s->sys);
	ksm_bpf_counters(b, s->cnt);
	ksm_bpf_runtime(b, &s->run_ns, &s->run_cnt);
	n = ksm_bpf_mms(b, &s->mms);
	s->nmms = n > 0 ? n : 0;
	if (s->nmms)	/* else mms may be NULL, which qsort must not get */
		qsort(s->mms, (size_t)s->nmms, sizeof(*s->mms), sample_cmp_mm);
	n = ksm_bpf_tasks(b, &s->tasks);
	s->ntasks = n > 0 ? n : 0;
	if (s->ntasks)
		qsort(s->tasks, (size_t)s->ntasks, sizeof(*s->tasks),
		      sample_cmp_task);
	n = ksm_proc_scan(ksm_proc_root(), b->probe.rmap_item_size, &s->procs);
	s->nprocs = n > 0 ? n : 0;
}

void sample_free(struct sample *s)
{
	free(s->procs);
	free(s->mms);
	free(s->tasks);
	memset(s, 0, sizeof(*s));
}

void sample_blank(struct sample *out, const struct sample *s, double dt)
{
	*out = *s;
	out->t -= dt;
	memset(out->cnt, 0, sizeof(out->cnt));
	out->procs = NULL;
	out->mms = NULL;
	out->tasks = NULL;
	out->nprocs = out->nmms = out->ntasks = 0;
}

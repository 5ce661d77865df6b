/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sample.h - one reading of everything ksmtop shows: /sys/kernel/mm/ksm,
 * the KSM processes of /proc and the maps of bpf/ksm.bpf.c.
 */
#ifndef KSMTOP_SAMPLE_H
#define KSMTOP_SAMPLE_H

#include <stdlib.h>
#include <linux/types.h>

#include "ksm_bpf.h"
#include "ksm_ksmd.h"
#include "ksm_proc.h"
#include "ksm_sysfs.h"

struct sample {
	double t;			/* monotonic seconds */
	__u64 cnt[KSM_CNT_NR];
	struct ksm_snapshot sys;
	struct ksm_proc *procs;
	int nprocs;
	struct ksm_mm_entry *mms;	/* sorted by mm */
	int nmms;
	struct ksm_task_rec *tasks;	/* sorted by mm */
	int ntasks;
	__u64 run_ns, run_cnt;
	struct ksm_ksmd ksmd;		/* pid 0: not found */
	struct ksm_advisor advisor;
};

/* Read everything now; what cannot be read is left empty. */
void sample_take(struct sample *s, const struct ksm_bpf *b);
void sample_free(struct sample *s);
/*
 * s's reading of sysfs dt seconds earlier, with no events and no
 * processes (not to be freed): a first frame from one reading shows
 * settings and counters, and rates of 0.
 */
void sample_blank(struct sample *out, const struct sample *s, double dt);

/*
 * The lookups are inline: the model (model.c) uses them, and links into
 * the unit tests without libbpf.
 */
static inline int sample_cmp_mm(const void *a, const void *b)
{
	__u64 x = ((const struct ksm_mm_entry *)a)->mm;
	__u64 y = ((const struct ksm_mm_entry *)b)->mm;

	return x < y ? -1 : x > y;
}

static inline int sample_cmp_task(const void *a, const void *b)
{
	__u64 x = ((const struct ksm_task_rec *)a)->mm;
	__u64 y = ((const struct ksm_task_rec *)b)->mm;

	return x < y ? -1 : x > y;
}

static inline const struct ksm_mm_entry *
sample_find_mm(const struct sample *s, __u64 mm)
{
	struct ksm_mm_entry key = { .mm = mm };

	if (!s->nmms)	/* mms may be NULL: not for bsearch */
		return NULL;
	return bsearch(&key, s->mms, (size_t)s->nmms, sizeof(key),
		       sample_cmp_mm);
}

/* The process behind an mm (task iterator), NULL if not known. */
static inline const struct ksm_task_rec *
sample_find_task(const struct sample *s, __u64 mm)
{
	struct ksm_task_rec key = { .mm = mm };

	if (!s->ntasks)
		return NULL;
	return bsearch(&key, s->tasks, (size_t)s->ntasks, sizeof(key),
		       sample_cmp_task);
}

/* p in s: same pid and start time, so not a reused pid.  NULL if gone. */
static inline const struct ksm_proc *
sample_find_proc(const struct sample *s, const struct ksm_proc *p)
{
	int i;

	for (i = 0; i < s->nprocs; i++)
		if (s->procs[i].pid == p->pid &&
		    s->procs[i].start_time == p->start_time)
			return &s->procs[i];
	return NULL;
}

#endif

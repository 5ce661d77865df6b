// SPDX-License-Identifier: GPL-2.0
/* ksm_ksmd.c - ksmd's CPU time, the advisor, the scan model */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ksm_ksmd.h"
#include "ksm_proc.h"
#include "ksm_sysfs.h"

#define PF_KTHREAD 0x00200000

/* field k (1-based, /proc/PID/stat numbering) after the comm's ')' */
static unsigned long long field(const char *stat, int k)
{
	const char *s = strrchr(stat, ')');
	int f = 2;

	if (!s)
		return 0;
	for (s++; *s && f < k; s++)
		if (*s == ' ')
			f++;
	return f == k ? strtoull(s, NULL, 10) : 0;
}

bool ksm_stat_is_kthread(const char *stat, int *ppid)
{
	*ppid = (int)field(stat, 4);
	return field(stat, 9) & PF_KTHREAD;
}

static int read_cpu(const char *root, struct ksm_ksmd *k)
{
	char path[256], buf[1024];

	snprintf(path, sizeof(path), "%s/%d/stat", root, k->pid);
	if (ksm_slurp(path, buf, sizeof(buf)) <= 0 ||
	    ksm_stat_start_time(buf) != k->start_time)
		return -ENOENT;
	k->cpu_s = (double)(field(buf, 14) + field(buf, 15)) /
		   (double)sysconf(_SC_CLK_TCK);
	return 0;
}

int ksm_ksmd_read(const char *root, struct ksm_ksmd *k)
{
	struct dirent *de;
	DIR *d;

	if (k->pid && !read_cpu(root, k))
		return 0;
	k->pid = 0;
	d = opendir(root);
	if (!d)
		return -ENOENT;
	while ((de = readdir(d))) {
		char path[256], buf[1024];
		int ppid;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "%s/%.16s/stat", root, de->d_name);
		if (ksm_slurp(path, buf, sizeof(buf)) <= 0 ||
		    !strstr(buf, " (ksmd) ") || !ksm_stat_is_kthread(buf, &ppid) ||
		    ppid != 2)
			continue;
		k->pid = atoi(de->d_name);
		k->start_time = ksm_stat_start_time(buf);
		break;
	}
	closedir(d);
	return k->pid && !read_cpu(root, k) ? 0 : -ENOENT;
}

int ksm_scan_model(long pages, long pages_to_scan, long sleep_ms,
		   double cpu_per_page, struct ksm_scan_cost *c)
{
	double batch_cpu, batch_s;

	if (pages < 0 || pages_to_scan <= 0 || sleep_ms < 0 ||
	    cpu_per_page < 0)
		return -1;
	batch_cpu = (double)pages_to_scan * cpu_per_page;
	batch_s = batch_cpu + (double)sleep_ms / 1000.0;
	c->pass_s = ceil((double)(pages ? pages : 1) / (double)pages_to_scan) *
		    batch_s;
	c->cpu_share = batch_s > 0 ? batch_cpu / batch_s : 1;
	return 0;
}

void ksm_advisor_read(struct ksm_advisor *a)
{
	char path[512], buf[128], *l, *r;

	memset(a, 0, sizeof(*a));
	snprintf(path, sizeof(path), "%s/advisor_mode", ksm_sysfs_dir());
	if (ksm_slurp(path, buf, sizeof(buf)) <= 0)
		return;
	a->present = true;
	/* "[none] scan-time": the one in brackets */
	l = strchr(buf, '[');
	r = l ? strchr(l, ']') : NULL;
	if (l && r)
		snprintf(a->mode, sizeof(a->mode), "%.*s", (int)(r - l - 1), l + 1);
	else
		snprintf(a->mode, sizeof(a->mode), "%.*s", (int)strcspn(buf, "\n"),
			 buf);
	a->target_scan_time = ksm_read("advisor_target_scan_time");
	a->max_cpu = ksm_read("advisor_max_cpu");
	a->min_pages = ksm_read("advisor_min_pages_to_scan");
	a->max_pages = ksm_read("advisor_max_pages_to_scan");
}

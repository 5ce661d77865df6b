// SPDX-License-Identifier: GPL-2.0
/* ksm_sysfs.c - read, set and restore /sys/kernel/mm/ksm */
/* POSIX clocks: selftests/unit/run.sh also builds it without -D_GNU_SOURCE */
#ifndef _GNU_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ksm_sysfs.h"
#include "ksm_util.h"

/*
 * Restore order matters: run last, so ksmd does not start with half the
 * old settings; merge_across_nodes and max_page_sharing first, since the
 * kernel only accepts them while no page is shared.
 */
static const char *const knob_names[] = {
	"max_page_sharing", "merge_across_nodes", "use_zero_pages",
	"stable_node_chains_prune_millisecs", "pages_to_scan",
	"sleep_millisecs", "smart_scan", "advisor_mode",
	"advisor_max_cpu", "advisor_min_pages_to_scan",
	"advisor_max_pages_to_scan", "advisor_target_scan_time", "run",
};

const char *ksm_sysfs_dir(void)
{
	static const char *dir;

	if (!dir) {
		dir = getenv("KSMSCOPE_SYSFS");
		if (!dir || !*dir)
			dir = KSM_SYSFS_DIR;
	}
	return dir;
}

static int path_of(char *buf, size_t len, const char *name)
{
	int n = snprintf(buf, len, "%s/%s", ksm_sysfs_dir(), name);

	return n < 0 || (size_t)n >= len ? -1 : 0;
}

int ksm_read_value(const char *name, long *out)
{
	char path[256], buf[64], *end;
	ssize_t n;
	int fd;

	if (path_of(path, sizeof(path), name))
		return -EINVAL;
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	*out = strtol(buf, &end, 10);
	return end == buf ? -EINVAL : 0;
}

long ksm_read(const char *name)
{
	long v;

	return ksm_read_value(name, &v) ? -1 : v;
}

const char *const ksm_sys_names[KSM_SYS_NR] = {
	"run", "pages_to_scan", "sleep_millisecs", "merge_across_nodes",
	"max_page_sharing", "use_zero_pages",
	"pages_shared", "pages_sharing", "pages_unshared", "pages_volatile",
	"stable_node_chains", "stable_node_dups", "full_scans",
	"ksm_zero_pages", "general_profit", "pages_scanned",
};

void ksm_snapshot_read(struct ksm_snapshot *s)
{
	int i;

	for (i = 0; i < KSM_SYS_NR; i++) {
		s->have[i] = ksm_read_value(ksm_sys_names[i], &s->v[i]) == 0;
		if (!s->have[i])
			s->v[i] = 0;
	}
}

static int write_str(const char *name, const char *val)
{
	char path[256];
	size_t len = strlen(val);
	int fd, ret = 0;

	if (path_of(path, sizeof(path), name))
		return -EINVAL;
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	if (write(fd, val, len) != (ssize_t)len)
		ret = -errno;
	close(fd);
	return ret;
}

int ksm_write(const char *name, long value)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%ld", value);
	return write_str(name, buf);
}

bool ksm_present(void)
{
	char path[256];

	return !path_of(path, sizeof(path), "run") && access(path, F_OK) == 0;
}

int ksm_sysfs_save(struct ksm_knobs *k)
{
	char path[256], buf[32];
	size_t i;

	k->n = 0;
	for (i = 0; i < ARRAY_SIZE(knob_names); i++) {
		ssize_t n;
		int fd;

		if (path_of(path, sizeof(path), knob_names[i]))
			continue;
		fd = open(path, O_RDONLY);
		if (fd < 0)
			continue;
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n <= 0)
			continue;
		buf[n] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		snprintf(k->knob[k->n].name, sizeof(k->knob[0].name), "%s",
			 knob_names[i]);
		snprintf(k->knob[k->n].value, sizeof(k->knob[0].value), "%s",
			 buf);
		k->n++;
	}
	return k->n > 0 ? 0 : -ENOENT;
}

static bool differs(const char *name, const char *saved)
{
	char path[256], buf[32];
	ssize_t n;
	int fd;

	if (path_of(path, sizeof(path), name))
		return true;
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return true;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return true;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return strcmp(buf, saved) != 0;
}

static bool needs_empty_tree(const char *name)
{
	return !strcmp(name, "merge_across_nodes") ||
	       !strcmp(name, "max_page_sharing");
}

void ksm_sysfs_restore(const struct ksm_knobs *k)
{
	int i;

	/*
	 * The kernel takes merge_across_nodes and max_page_sharing only with
	 * an empty stable tree: unmerge first, but only when one of them
	 * really has to change, so restoring never unmerges for nothing.
	 */
	for (i = 0; i < k->n; i++)
		if (needs_empty_tree(k->knob[i].name) &&
		    differs(k->knob[i].name, k->knob[i].value)) {
			write_str("run", "2");
			break;
		}
	for (i = 0; i < k->n; i++)
		if (differs(k->knob[i].name, k->knob[i].value))
			write_str(k->knob[i].name, k->knob[i].value);
}

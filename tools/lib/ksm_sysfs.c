// SPDX-License-Identifier: GPL-2.0
/* ksm_sysfs.c - read, set and restore /sys/kernel/mm/ksm */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ksm_sysfs.h"

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

static int path_of(char *buf, size_t len, const char *name)
{
	int n = snprintf(buf, len, KSM_SYSFS_DIR "/%s", name);

	return n < 0 || (size_t)n >= len ? -1 : 0;
}

long ksm_read(const char *name)
{
	char path[128], buf[64];
	ssize_t n;
	int fd;

	if (path_of(path, sizeof(path), name))
		return -1;
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return strtol(buf, NULL, 10);
}

static int write_str(const char *name, const char *val)
{
	char path[128];
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
	return access(KSM_SYSFS_DIR "/run", F_OK) == 0;
}

int ksm_sysfs_save(struct ksm_knobs *k)
{
	char path[128], buf[32];
	size_t i;

	k->n = 0;
	for (i = 0; i < sizeof(knob_names) / sizeof(knob_names[0]); i++) {
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
	char path[128], buf[32];
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

// SPDX-License-Identifier: GPL-2.0
/* ksm_proc.c - /proc/PID/ksm_stat and friends */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ksm_group.h"
#include "ksm_proc.h"
#include "ksm_util.h"

const char *ksm_proc_root(void)
{
	const char *r = getenv("KSMSCOPE_PROC");

	return r && *r ? r : "/proc";
}

int ksm_slurp(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0)
		n = -errno;
	close(fd);
	if (n >= 0)
		buf[n] = '\0';
	return (int)n;
}

int ksm_stat_parse(const char *text, struct ksm_proc *p)
{
	static const struct {
		const char *name;
		size_t off;
	} fields[] = {
		{ "ksm_rmap_items", offsetof(struct ksm_proc, rmap_items) },
		{ "ksm_merging_pages", offsetof(struct ksm_proc, merging_pages) },
		{ "ksm_zero_pages", offsetof(struct ksm_proc, zero_pages) },
		{ "ksm_process_profit", offsetof(struct ksm_proc, profit) },
	};
	const char *line = text;
	int found = 0;

	while (line && *line) {
		const char *nl = strchr(line, '\n');
		size_t i;

		for (i = 0; i < ARRAY_SIZE(fields); i++) {
			size_t n = strlen(fields[i].name);
			char *end;
			long v;

			if (strncmp(line, fields[i].name, n) || line[n] != ' ')
				continue;
			v = strtol(line + n + 1, &end, 10);
			if (end == line + n + 1)
				continue;
			*(long *)((char *)p + fields[i].off) = v;
			if (i == 3)
				p->kernel_profit = true;
			found++;
		}
		line = nl ? nl + 1 : NULL;
	}
	return found;
}

long ksm_profit(long merging_pages, long zero_pages, long rmap_items,
		long page_size, long rmap_item_size)
{
	return (merging_pages + zero_pages) * page_size -
	       rmap_items * rmap_item_size;
}

unsigned long long ksm_stat_start_time(const char *stat)
{
	const char *s = strrchr(stat, ')');
	int field = 2;

	if (!s)
		return 0;
	/* field 22 is starttime; the comm in (...) may hold spaces and ')' */
	for (s++; *s && field < 22; s++)
		if (*s == ' ')
			field++;
	return field == 22 ? strtoull(s, NULL, 10) : 0;
}

static int proc_read(const char *root, int pid, long rmap_item_size,
		     struct ksm_proc *p, bool all);

int ksm_proc_read(const char *root, int pid, long rmap_item_size,
		  struct ksm_proc *p)
{
	return proc_read(root, pid, rmap_item_size, p, false);
}

int ksm_proc_read_all(const char *root, int pid, long rmap_item_size,
		      struct ksm_proc *p)
{
	return proc_read(root, pid, rmap_item_size, p, true);
}

static int proc_read(const char *root, int pid, long rmap_item_size,
		     struct ksm_proc *p, bool all)
{
	char path[256], buf[1024];
	int n;

	memset(p, 0, sizeof(*p));
	p->pid = pid;
	snprintf(path, sizeof(path), "%s/%d/ksm_stat", root, pid);
	n = ksm_slurp(path, buf, sizeof(buf));
	if (n < 0)
		return n == -ENOENT && !access(path, F_OK) ? -ENODATA : n;
	ksm_stat_parse(buf, p);
	if (!p->rmap_items && !all)
		return 0;
	/* before 6.x ksm_stat lacks ksm_merging_pages: its own file has it */
	snprintf(path, sizeof(path), "%s/%d/ksm_merging_pages", root, pid);
	if (ksm_slurp(path, buf, sizeof(buf)) > 0 && !strstr(buf, "ksm_"))
		p->merging_pages = strtol(buf, NULL, 10);
	if (!p->kernel_profit)
		p->profit = ksm_profit(p->merging_pages, p->zero_pages,
				       p->rmap_items, sysconf(_SC_PAGESIZE),
				       rmap_item_size);
	snprintf(path, sizeof(path), "%s/%d/comm", root, pid);
	if (ksm_slurp(path, buf, sizeof(buf)) > 0) {
		buf[strcspn(buf, "\n")] = '\0';
		snprintf(p->comm, sizeof(p->comm), "%.15s", buf);
	}
	snprintf(path, sizeof(path), "%s/%d/stat", root, pid);
	if (ksm_slurp(path, buf, sizeof(buf)) > 0)
		p->start_time = ksm_stat_start_time(buf);
	ksm_group_read(root, pid, p->group, sizeof(p->group), p->guest,
		       sizeof(p->guest));
	return 0;
}

int ksm_proc_scan(const char *root, long rmap_item_size,
		  struct ksm_proc **out)
{
	struct ksm_proc *v = NULL, p;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *d = opendir(root);

	*out = NULL;
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		/* a process may exit between readdir and read: skip it */
		if (ksm_proc_read(root, atoi(de->d_name), rmap_item_size, &p))
			continue;
		if (!p.rmap_items && !p.merging_pages)
			continue;
		if (ksm_grow(&v, &cap, n, sizeof(*v))) {
			free(v);
			closedir(d);
			return -ENOMEM;
		}
		v[n++] = p;
	}
	closedir(d);
	*out = v;
	return (int)n;
}

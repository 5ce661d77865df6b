// SPDX-License-Identifier: GPL-2.0
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
/* ksm_group.c - a process's cgroup unit and QEMU guest name */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ksm_group.h"
#include "ksm_proc.h"

char *ksm_cgroup_parse(const char *text, char *buf, size_t len)
{
	const char *line = text, *v1 = NULL, *v2 = NULL;
	size_t n1 = 0, n2 = 0;

	buf[0] = '\0';
	while (line && *line) {
		const char *nl = strchr(line, '\n');
		size_t n = nl ? (size_t)(nl - line) : strlen(line);

		if (n >= 3 && !strncmp(line, "0::", 3)) {
			v2 = line + 3;
			n2 = n - 3;
		} else if (!v1 && n > 14 && !strncmp(line + strcspn(line, ":"),
						     ":name=systemd:", 14)) {
			v1 = line + strcspn(line, ":") + 14;
			n1 = n - (size_t)(v1 - line);
		}
		line = nl ? nl + 1 : NULL;
	}
	/* hybrid hosts: v2's tree may be empty ("/") where systemd's is not */
	if (v2 && (n2 > 1 || !v1 || n1 <= 1))
		snprintf(buf, len, "%.*s", (int)n2, v2);
	else if (v1)
		snprintf(buf, len, "%.*s", (int)n1, v1);
	return buf;
}

static int is_unit(const char *s, size_t n)
{
	return (n > 8 && !strncmp(s + n - 8, ".service", 8)) ||
	       (n > 6 && !strncmp(s + n - 6, ".scope", 6));
}

char *ksm_cgroup_group(const char *path, char *buf, size_t len)
{
	const char *s = path, *cut = NULL;

	while (*s) {
		size_t n;

		while (*s == '/')
			s++;
		n = strcspn(s, "/");
		if (n && is_unit(s, n))
			cut = s + n;
		s += n;
	}
	if (cut)
		snprintf(buf, len, "%.*s", (int)(cut - path), path);
	else
		snprintf(buf, len, "%s", *path ? path : "/");
	if (!buf[0])
		snprintf(buf, len, "/");
	return buf;
}

char *ksm_guest_parse(const char *cmdline, size_t n, char *buf, size_t len)
{
	const char *a = cmdline, *end = cmdline + n, *val = NULL;

	buf[0] = '\0';
	while (a < end) {
		size_t al = strnlen(a, (size_t)(end - a));
		const char *next = a + al + 1;

		if (!strcmp(a, "-name") || !strcmp(a, "--name")) {
			val = next < end ? next : NULL;
		} else if (!strncmp(a, "-name=", 6) || !strncmp(a, "--name=", 7)) {
			val = strchr(a, '=') + 1;
		}
		a = next;
	}
	if (val) {
		size_t i, o = 0;

		if (!strncmp(val, "guest=", 6))
			val += 6;
		else if (strchr(val, '=') && strchr(val, '=') < val + strcspn(val, ","))
			return buf;	/* -name process=...: no guest name */
		for (i = 0; val[i] && o + 1 < len; i++) {
			if (val[i] == ',' && val[i + 1] == ',') {
				buf[o++] = ',';
				i++;
			} else if (val[i] == ',') {
				break;
			} else {
				buf[o++] = val[i];
			}
		}
		buf[o] = '\0';
	}
	return buf;
}

void ksm_group_read(const char *root, int pid, char *group, size_t glen,
		    char *guest, size_t qlen)
{
	char path[256], buf[4096], cg[1024];
	int n;

	group[0] = guest[0] = '\0';
	snprintf(path, sizeof(path), "%s/%d/cgroup", root, pid);
	if (ksm_slurp(path, buf, sizeof(buf)) > 0 &&
	    ksm_cgroup_parse(buf, cg, sizeof(cg))[0])
		ksm_cgroup_group(cg, group, glen);
	snprintf(path, sizeof(path), "%s/%d/cmdline", root, pid);
	n = ksm_slurp(path, buf, sizeof(buf));
	if (n > 0)
		ksm_guest_parse(buf, (size_t)n, guest, qlen);
}

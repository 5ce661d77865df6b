/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ksm_group.h - which container, service or VM a process belongs to:
 * its cgroup (v2, or v1's systemd hierarchy) cut to the unit that owns
 * it (systemd's .service and .scope units: services, sessions, container
 * runtimes' scopes, libvirt's machine.slice/machine-qemu-*.scope), and a
 * QEMU guest's name (-name guest=NAME or -name NAME).
 */
#ifndef KSMSCOPE_KSM_GROUP_H
#define KSMSCOPE_KSM_GROUP_H

#include <stddef.h>

/*
 * The cgroup path of /proc/PID/cgroup's text: the v2 line ("0::PATH"),
 * else v1's name=systemd line; "" if neither.  Returns buf.
 */
char *ksm_cgroup_parse(const char *text, char *buf, size_t len);

/*
 * The group a cgroup path counts under: the path up to its last
 * component that is a systemd .service or .scope unit (what runs below
 * it is that unit's), else the whole path; "/" for the root.  Returns
 * buf.
 */
char *ksm_cgroup_group(const char *path, char *buf, size_t len);

/*
 * A QEMU guest's name from a process's command line (NUL-separated, n
 * bytes): "-name guest=NAME,..." or "-name NAME,..." ("--name" too, and
 * "-name=..."); "" when it has none.  ",," in NAME is a comma, as QEMU
 * reads it.  Returns buf.
 */
char *ksm_guest_parse(const char *cmdline, size_t n, char *buf, size_t len);

/* Both for process pid under root ("/proc"); "" where unreadable. */
void ksm_group_read(const char *root, int pid, char *group, size_t glen,
		    char *guest, size_t qlen);

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/* ksm_util.h - small helpers the tools share */
#ifndef KSMSCOPE_KSM_UTIL_H
#define KSMSCOPE_KSM_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

/* Seconds on the monotonic clock (needs _POSIX_C_SOURCE or _GNU_SOURCE). */
static inline double ksm_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Make room for one more element in a malloc'ed array *v of *cap elements
 * of which n are used: doubles it when full.  0, or -1 (ENOMEM, *v kept).
 */
static inline int ksm_grow(void *v, size_t *cap, size_t n, size_t size)
{
	void **pv = v, *nv;
	size_t ncap;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 64;
	nv = realloc(*pv, ncap * size);
	if (!nv)
		return -1;
	*pv = nv;
	*cap = ncap;
	return 0;
}

/*
 * The one-line error for what getopt_long returned as ':' (value missing)
 * or '?' (unknown option), naming the option as the user wrote it.
 */
static inline void ksm_opt_error(int c, int opt, const char *arg, char *err,
				 size_t len)
{
	char name[64];

	if (opt)
		snprintf(name, sizeof(name), "-%c", opt);
	else
		snprintf(name, sizeof(name), "%s", arg);
	if (c == ':')
		snprintf(err, len, "option '%s' needs a value", name);
	else
		snprintf(err, len, "unknown option '%s'", name);
}

#endif

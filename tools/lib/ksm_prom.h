/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ksm_prom.h - writing the Prometheus text exposition format (0.0.4):
 * metric families with HELP and TYPE, samples with escaped labels.
 */
#ifndef KSMSCOPE_KSM_PROM_H
#define KSMSCOPE_KSM_PROM_H

#include <stddef.h>
#include <stdio.h>

#define KSM_PROM_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* "# HELP name help" and "# TYPE name type" (help escaped). */
void ksm_prom_family(FILE *f, const char *name, const char *type,
		     const char *help);
/*
 * One sample: name{k1="v1",...} value.  nlabels pairs of (const char *
 * key, const char *value) follow; values are escaped, and bytes that are
 * not UTF-8 (a comm cut in a character) become U+FFFD.
 */
void ksm_prom_sample(FILE *f, const char *name, double value, int nlabels,
		     ...);
/* A label value as the format wants it, quotes not included. */
void ksm_prom_escape(FILE *f, const char *s);
/* Length of the valid UTF-8 character at s, 0 if none starts there. */
size_t ksm_utf8_char(const unsigned char *s);

#endif

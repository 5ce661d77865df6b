/* SPDX-License-Identifier: GPL-2.0 */
/* ksm_fmt.h - rates, histories, sparklines and number formatting */
#ifndef KSMSCOPE_KSM_FMT_H
#define KSMSCOPE_KSM_FMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/*
 * Per-second rate of a monotonic counter between two readings.  A counter
 * that went backwards (map entry recreated, kernel counter reset) or a
 * non-positive interval gives 0, never a negative or infinite rate.
 */
double ksm_rate(unsigned long long prev, unsigned long long cur, double dt);

/* The last KSM_HIST_LEN values of one rate, for sparklines. */
#define KSM_HIST_LEN 256
struct ksm_hist {
	double v[KSM_HIST_LEN];
	int n;		/* values held, <= KSM_HIST_LEN */
	int head;	/* next slot to write */
};
void ksm_hist_push(struct ksm_hist *h, double v);
/* i-th most recent value (0 = newest); 0 when not held */
double ksm_hist_get(const struct ksm_hist *h, int i);

/*
 * The newest @width values as a sparkline, oldest left, scaled to the
 * largest of them; blocks U+2581..U+2588 when utf8, else " .:-=+*#".
 * Missing history is blank.  Returns buf.
 */
char *ksm_sparkline(const struct ksm_hist *h, int width, bool utf8,
		    char *buf, size_t len);

/* 1234567 -> "1.2M", 999 -> "999", 0.5 -> "0.5"; returns buf */
char *ksm_fmt_count(double v, char *buf, size_t len);
/* bytes -> "12.3 MiB"; returns buf */
char *ksm_fmt_bytes(double bytes, char *buf, size_t len);
/* JSON string literal, quotes included */
void ksm_json_str(FILE *f, const char *s);

#endif

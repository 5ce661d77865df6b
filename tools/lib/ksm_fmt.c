// SPDX-License-Identifier: GPL-2.0
/* ksm_fmt.c - rates, histories, sparklines and number formatting */
#include <math.h>
#include <string.h>

#include "ksm_fmt.h"

double ksm_rate(unsigned long long prev, unsigned long long cur, double dt)
{
	if (!(dt > 0) || cur < prev)
		return 0;
	return (double)(cur - prev) / dt;
}

void ksm_hist_push(struct ksm_hist *h, double v)
{
	h->v[h->head] = v;
	h->head = (h->head + 1) % KSM_HIST_LEN;
	if (h->n < KSM_HIST_LEN)
		h->n++;
}

double ksm_hist_get(const struct ksm_hist *h, int i)
{
	if (i < 0 || i >= h->n)
		return 0;
	return h->v[(h->head - 1 - i + 2 * KSM_HIST_LEN) % KSM_HIST_LEN];
}

char *ksm_sparkline(const struct ksm_hist *h, int width, bool utf8,
		    char *buf, size_t len)
{
	static const char *const blocks[] = {
		"\u2581", "\u2582", "\u2583", "\u2584",
		"\u2585", "\u2586", "\u2587", "\u2588",
	};
	static const char ascii[] = " .:-=+*#";
	double max = 0;
	size_t off = 0;
	int i;

	if (!len)
		return buf;
	buf[0] = '\0';
	if (width > KSM_HIST_LEN)
		width = KSM_HIST_LEN;
	for (i = 0; i < width && i < h->n; i++)
		if (ksm_hist_get(h, i) > max)
			max = ksm_hist_get(h, i);
	for (i = width - 1; i >= 0; i--) {
		const char *cell;
		char a[2] = { ' ', '\0' };
		size_t cl;

		if (i >= h->n) {
			cell = " ";
		} else {
			double v = ksm_hist_get(h, i);
			int k = max > 0 ? (int)lround(v / max * 7) : 0;

			if (k < 0)
				k = 0;
			if (k > 7)
				k = 7;
			/* a non-zero rate never draws as nothing */
			if (v > 0 && !utf8 && k == 0)
				k = 1;
			a[0] = ascii[k];
			cell = utf8 ? blocks[k] : a;
		}
		cl = strlen(cell);
		if (off + cl >= len)
			break;
		memcpy(buf + off, cell, cl);
		off += cl;
		buf[off] = '\0';
	}
	return buf;
}

char *ksm_fmt_count(double v, char *buf, size_t len)
{
	static const char units[] = " kMGTP";
	int u = 0;

	if (v < 0) {
		snprintf(buf, len, "-");
		return buf;
	}
	if (v < 10 && v != floor(v)) {
		snprintf(buf, len, "%.1f", v);
		return buf;
	}
	while (v >= 999.5 && u < 5) {
		v /= 1000;
		u++;
	}
	if (!u)
		snprintf(buf, len, "%.0f", v);
	else
		snprintf(buf, len, v < 9.95 ? "%.1f%c" : "%.0f%c", v, units[u]);
	return buf;
}

char *ksm_fmt_bytes(double bytes, char *buf, size_t len)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double a = fabs(bytes);
	int u = 0;

	while (a >= 1024 && u < 4) {
		a /= 1024;
		bytes /= 1024;
		u++;
	}
	snprintf(buf, len, u ? "%.1f %s" : "%.0f %s", bytes, units[u]);
	return buf;
}

void ksm_json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)	/* bytes of any charset stay valid JSON */
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

// SPDX-License-Identifier: GPL-2.0
/* ksm_prom.c - the Prometheus text exposition format */
#include <math.h>
#include <stdarg.h>

#include "ksm_prom.h"

size_t ksm_utf8_char(const unsigned char *s)
{
	unsigned int cp;
	size_t n, i;

	if (s[0] < 0x80)
		return s[0] ? 1 : 0;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* overlong, surrogate, beyond U+10FFFF */
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

void ksm_prom_escape(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		size_t n = ksm_utf8_char(p);

		if (!n) {
			fputs("\xef\xbf\xbd", f);	/* U+FFFD */
			p++;
		} else if (*p == '\\' || *p == '"') {
			fputc('\\', f);
			fputc(*p++, f);
		} else if (*p == '\n') {
			fputs("\\n", f);
			p++;
		} else {
			fwrite(p, 1, n, f);
			p += n;
		}
	}
}

void ksm_prom_family(FILE *f, const char *name, const char *type,
		     const char *help)
{
	const char *p;

	fprintf(f, "# HELP %s ", name);
	for (p = help; *p; p++)
		if (*p == '\\')
			fputs("\\\\", f);
		else if (*p == '\n')
			fputs("\\n", f);
		else
			fputc(*p, f);
	fprintf(f, "\n# TYPE %s %s\n", name, type);
}

void ksm_prom_sample(FILE *f, const char *name, double value, int nlabels,
		     ...)
{
	va_list ap;
	int i;

	fputs(name, f);
	va_start(ap, nlabels);
	for (i = 0; i < nlabels; i++) {
		const char *k = va_arg(ap, const char *);
		const char *v = va_arg(ap, const char *);

		fprintf(f, "%s%s=\"", i ? "," : "{", k);
		ksm_prom_escape(f, v);
		fputc('"', f);
	}
	va_end(ap);
	if (nlabels)
		fputc('}', f);
	if (isnan(value))
		fputs(" NaN\n", f);
	else if (isinf(value))
		fputs(value > 0 ? " +Inf\n" : " -Inf\n", f);
	else if (value == floor(value) && fabs(value) < 1e15)
		fprintf(f, " %.0f\n", value);
	else if (value == floor(value))
		fprintf(f, " %.17g\n", value);
	else	/* 15 digits: no 0.0697839999999 for 0.069784 */
		fprintf(f, " %.15g\n", value);
}

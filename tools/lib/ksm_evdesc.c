// SPDX-License-Identifier: GPL-2.0
/* ksm_evdesc.c - the descriptors of bpf/ksm_events.def, and printing */
#include <inttypes.h>
#include <string.h>

#include "ksm_evdesc.h"

/* [kind][value]: the kernel's __print_symbolic names of the series' enums */
static const char *const sym_names[KSM_ARG_KIND_NR][KSM_TP_SYM_MAX] = {
#define KSM_SYM(e, id, value, name) [KSM_ARG_##e][value] = #name,
#include "ksm_events.def"
};

#define KSM__DESC_ARG(i, a) [i] = KSM_ARG_NAME a,
#define KSM__DESC_KIND(i, a) [i] = KSM_ARG_KIND a,
#define KSM__DESC_ROLE(i, a) [i] = KSM_ARG_ROLE a,
#define KSM__ORIGIN_UPSTREAM false
#define KSM__ORIGIN_SERIES true
#define KSM__ORIGIN_PROBE false
#define KSM__PROBE_UPSTREAM false
#define KSM__PROBE_SERIES false
#define KSM__PROBE_PROBE true

const struct ksm_event_desc ksm_event_desc[KSM_EV_NR] = {
#define KSM_EVENT(id, tp, origin, text, ...) [KSM_EV_##id] = {		\
	.name = #tp,							\
	.help = text,							\
	.series = KSM__ORIGIN_##origin,					\
	.probe_only = KSM__PROBE_##origin,				\
	.nargs = KSM_EV_NARGS(__VA_ARGS__),				\
	.arg = { KSM_EV_EACH(KSM__DESC_ARG, __VA_ARGS__) },		\
	.kind = { KSM_EV_EACH(KSM__DESC_KIND, __VA_ARGS__) },		\
	.role = { KSM_EV_EACH(KSM__DESC_ROLE, __VA_ARGS__) },		\
},
#include "ksm_events.def"
};

const struct ksm_class_desc ksm_class_desc[KSM_CLASS_NR] = {
#define KSM_CLASS(id, k, l, s, n, sum, text) [KSM_CLASS_##id] = {	\
	.key = #k, .label = l, .help = text, .slot = s, .needs = n,	\
	.summary = sum,							\
},
#include "ksm_events.def"
};

const char *ksm_sym_name(int kind, __u64 v)
{
	if (kind < KSM_ARG_FIRST_ENUM || kind >= KSM_ARG_KIND_NR)
		return NULL;
	if ((__u32)v == KSM_TP_UNKNOWN)
		return "unknown";	/* what a probe cannot know */
	if (v >= KSM_TP_SYM_MAX)
		return NULL;
	return sym_names[kind][v];
}

bool ksm_class_available(int cls, const bool attached[KSM_EV_NR])
{
	int t;

	if (cls < 0 || cls >= KSM_CLASS_NR)
		return false;
	for (t = 0; t < KSM_EV_NR; t++)
		if ((ksm_class_desc[cls].needs & (1ULL << t)) && !attached[t])
			return false;
	return true;
}

int ksm_event_type(const char *name)
{
	int t;

	if (!strncmp(name, "ksm:", 4))
		name += 4;
	for (t = 0; t < KSM_EV_NR; t++)
		if (!strcmp(name, ksm_event_desc[t].name))
			return t;
	return -1;
}

int ksm_arg_format(int type, int i, __u64 v, char *buf, size_t len)
{
	const struct ksm_event_desc *d;

	if (type < 0 || type >= KSM_EV_NR || i < 0 || i >= KSM_EV_MAX_ARGS)
		return snprintf(buf, len, "?");
	d = &ksm_event_desc[type];
	switch (d->kind[i]) {
	case KSM_ARG_PTR:
	case KSM_ARG_HEX:
		return snprintf(buf, len, "0x%" PRIx64, (uint64_t)v);
	case KSM_ARG_S:
		return snprintf(buf, len, "%d", (int)(__u32)v);
	case KSM_ARG_S64:
		return snprintf(buf, len, "%" PRId64, (int64_t)v);
	case KSM_ARG_U:
		return snprintf(buf, len, "%" PRIu64, (uint64_t)v);
	default: {
		const char *sym = ksm_sym_name(d->kind[i], (__u32)v);

		if (sym)
			return snprintf(buf, len, "%s", sym);
		return snprintf(buf, len, "%d", (int)(__u32)v);
	}
	}
}

int ksm_event_format(const struct ksm_event *e, char *buf, size_t len)
{
	const struct ksm_event_desc *d;
	size_t off;
	int i, n;

	if (e->type >= KSM_EV_NR)
		return snprintf(buf, len, "unknown_event_%u", e->type);
	d = &ksm_event_desc[e->type];
	n = snprintf(buf, len, "%s", d->name);
	for (i = 0; i < d->nargs && i < e->nargs; i++) {
		char val[32];

		off = n < 0 ? 0 : (size_t)n;
		ksm_arg_format(e->type, i, e->args[i], val, sizeof(val));
		n += snprintf(off < len ? buf + off : NULL,
			      off < len ? len - off : 0, " %s=%s", d->arg[i],
			      val);
	}
	return n;
}

void ksm_event_json_args(FILE *f, const struct ksm_event *e)
{
	const struct ksm_event_desc *d;
	int i;

	fputc('{', f);
	d = e->type < KSM_EV_NR ? &ksm_event_desc[e->type] : NULL;
	for (i = 0; d && i < d->nargs && i < e->nargs; i++) {
		bool quoted = d->kind[i] == KSM_ARG_PTR ||
			      d->kind[i] == KSM_ARG_HEX ||
			      d->kind[i] >= KSM_ARG_FIRST_ENUM;
		char val[40];

		ksm_arg_format(e->type, i, e->args[i], val, sizeof(val));
		fprintf(f, quoted ? "%s\"%s\":\"%s\"" : "%s\"%s\":%s",
			i ? "," : "", d->arg[i], val);
	}
	fputc('}', f);
}

// SPDX-License-Identifier: GPL-2.0
/* ksm_event.c - names, argument kinds and printing of the ksm:* events */
#include <inttypes.h>
#include <string.h>

#include "ksm_event.h"

static const char *const node_roles[] = {
	"node", "chain", "dup", "replug", "replug_dup",
};
static const char *const stale_reasons[] = {
	"mapping", "refcount", "mapping_ref", "mapping_lock",
};
static const char *const walk_ends[] = {
	"complete", "stopped", "done", "contended",
};
static const char *const purge_causes[] = {
	"hotremove", "remove_all", "dup_prune", "migrate_nodes",
	"chain_collapse", "chain_free", "lazyfree",
};

#define P KSM_ARG_PTR
#define U KSM_ARG_U
#define S KSM_ARG_S
#define X KSM_ARG_HEX
#define E KSM_ARG_ENUM
#define NOSYMS NULL, 0
#define SYMS(a) .syms = (a), .nsyms = sizeof(a) / sizeof((a)[0])

/* args in TP_PROTO order: bpf/ksm.bpf.c copies them so */
const struct ksm_event_desc ksm_event_desc[KSM_EV_NR] = {
	[KSM_EV_START_SCAN] = { "ksm_start_scan", false, 2,
		{ "seq", "rmap_entries" }, { S, U }, NOSYMS },
	[KSM_EV_STOP_SCAN] = { "ksm_stop_scan", false, 2,
		{ "seq", "rmap_entries" }, { S, U }, NOSYMS },
	[KSM_EV_ENTER] = { "ksm_enter", false, 1, { "mm" }, { P }, NOSYMS },
	[KSM_EV_EXIT] = { "ksm_exit", false, 1, { "mm" }, { P }, NOSYMS },
	[KSM_EV_MERGE_ONE_PAGE] = { "ksm_merge_one_page", false, 4,
		{ "pfn", "rmap_item", "mm", "err" }, { U, P, P, S }, NOSYMS },
	[KSM_EV_MERGE_WITH_KSM_PAGE] = { "ksm_merge_with_ksm_page", false, 5,
		{ "ksm_page", "pfn", "rmap_item", "mm", "err" },
		{ P, U, P, P, S }, NOSYMS },
	[KSM_EV_REMOVE_KSM_PAGE] = { "ksm_remove_ksm_page", false, 1,
		{ "pfn" }, { U }, NOSYMS },
	[KSM_EV_REMOVE_RMAP_ITEM] = { "ksm_remove_rmap_item", false, 3,
		{ "pfn", "rmap_item", "mm" }, { U, P, P }, NOSYMS },
	[KSM_EV_ADVISOR] = { "ksm_advisor", false, 3,
		{ "scan_time", "pages_to_scan", "cpu_percent" },
		{ KSM_ARG_S64, U, U }, NOSYMS },
	[KSM_EV_STABLE_TREE_INSERT] = { "ksm_stable_tree_insert", true, 5,
		{ "node", "chain", "kpfn", "nid", "role" }, { P, P, U, S, E },
		SYMS(node_roles) },
	[KSM_EV_UNSTABLE_TREE_INSERT] = { "ksm_unstable_tree_insert", true, 5,
		{ "rmap_item", "mm", "address", "pfn", "nid" },
		{ P, P, X, U, S }, NOSYMS },
	[KSM_EV_STABLE_TREE_APPEND] = { "ksm_stable_tree_append", true, 7,
		{ "node", "rmap_item", "mm", "address", "anon_vma", "kpfn",
		  "hlist_len" }, { P, P, P, X, P, U, S }, NOSYMS },
	[KSM_EV_REMOVE_RMAP_ITEM_FROM_TREE] = {
		"ksm_remove_rmap_item_from_tree", true, 6,
		{ "rmap_item", "node", "mm", "address", "kpfn", "hlist_len" },
		{ P, P, P, X, U, S }, NOSYMS },
	[KSM_EV_STALE_NODE] = { "ksm_stale_node", true, 3,
		{ "node", "kpfn", "why" }, { P, U, E }, SYMS(stale_reasons) },
	[KSM_EV_GET_KSM_PAGE_RETRY] = { "ksm_get_ksm_page_retry", true, 4,
		{ "node", "old_kpfn", "new_kpfn", "why" }, { P, U, U, E },
		SYMS(stale_reasons) },
	[KSM_EV_MIGRATE_PAGE] = { "ksm_migrate_page", true, 5,
		{ "node", "old_pfn", "new_pfn", "old_nid", "new_nid" },
		{ P, U, U, S, S }, NOSYMS },
	[KSM_EV_RMAP_WALK] = { "ksm_rmap_walk", true, 6,
		{ "node", "kpfn", "pass", "rmap_items", "vmas", "end" },
		{ P, U, S, U, U, E }, SYMS(walk_ends) },
	[KSM_EV_PURGE] = { "ksm_purge", true, 5,
		{ "node", "pfn", "nid", "mm", "cause" }, { P, U, S, P, E },
		SYMS(purge_causes) },
};

const struct ksm_class_desc ksm_class_desc[KSM_CLASS_NR] = {
	[KSM_CLASS_SCANS] = { "scans", "scans", KSM_EV_STOP_SCAN,
			      KSM_EV_STOP_SCAN },
	[KSM_CLASS_MERGES] = { "merges", "merges", KSM_CNT_MERGE_OK,
			       KSM_EV_MERGE_WITH_KSM_PAGE },
	[KSM_CLASS_MERGE_FAILS] = { "merge_fails", "mfails",
				    KSM_CNT_MERGE_FAIL,
				    KSM_EV_MERGE_WITH_KSM_PAGE },
	[KSM_CLASS_UNMERGES] = { "unmerges", "unmerges", KSM_CNT_UNMERGE,
				 KSM_EV_REMOVE_RMAP_ITEM_FROM_TREE },
	[KSM_CLASS_STABLE_INSERTS] = { "stable_inserts", "stable+",
				       KSM_EV_STABLE_TREE_INSERT,
				       KSM_EV_STABLE_TREE_INSERT },
	[KSM_CLASS_UNSTABLE_INSERTS] = { "unstable_inserts", "unstable+",
					 KSM_EV_UNSTABLE_TREE_INSERT,
					 KSM_EV_UNSTABLE_TREE_INSERT },
	[KSM_CLASS_APPENDS] = { "appends", "appends",
				KSM_EV_STABLE_TREE_APPEND,
				KSM_EV_STABLE_TREE_APPEND },
	[KSM_CLASS_NODES_REMOVED] = { "nodes_removed", "nodes-",
				      KSM_EV_REMOVE_KSM_PAGE,
				      KSM_EV_REMOVE_KSM_PAGE },
	[KSM_CLASS_STALE] = { "stale", "stale", KSM_EV_STALE_NODE,
			      KSM_EV_STALE_NODE },
	[KSM_CLASS_RETRIES] = { "retries", "retries",
				KSM_EV_GET_KSM_PAGE_RETRY,
				KSM_EV_GET_KSM_PAGE_RETRY },
	[KSM_CLASS_MIGRATIONS] = { "migrations", "migrate",
				   KSM_EV_MIGRATE_PAGE, KSM_EV_MIGRATE_PAGE },
	[KSM_CLASS_PURGES] = { "purges", "purges", KSM_EV_PURGE,
			       KSM_EV_PURGE },
	[KSM_CLASS_RMAP_WALKS] = { "rmap_walks", "rmapwalk", KSM_EV_RMAP_WALK,
				   KSM_EV_RMAP_WALK },
	[KSM_CLASS_ENTERS] = { "enters", "enters", KSM_EV_ENTER, KSM_EV_ENTER },
	[KSM_CLASS_EXITS] = { "exits", "exits", KSM_EV_EXIT, KSM_EV_EXIT },
};

bool ksm_class_available(int cls, const bool attached[KSM_EV_NR])
{
	if (cls < 0 || cls >= KSM_CLASS_NR)
		return false;
	/* unmerges: both removal events, or the count is partial */
	if (cls == KSM_CLASS_UNMERGES)
		return attached[KSM_EV_REMOVE_RMAP_ITEM] &&
		       attached[KSM_EV_REMOVE_RMAP_ITEM_FROM_TREE];
	return attached[ksm_class_desc[cls].needs];
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
	case KSM_ARG_ENUM:
		if ((int)(__u32)v >= 0 && (int)(__u32)v < d->nsyms)
			return snprintf(buf, len, "%s", d->syms[(__u32)v]);
		return snprintf(buf, len, "%d", (int)(__u32)v);
	default:
		return snprintf(buf, len, "%" PRIu64, (uint64_t)v);
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
			      d->kind[i] == KSM_ARG_ENUM;
		char val[40];

		ksm_arg_format(e->type, i, e->args[i], val, sizeof(val));
		fprintf(f, quoted ? "%s\"%s\":\"%s\"" : "%s\"%s\":%s",
			i ? "," : "", d->arg[i], val);
	}
	fputc('}', f);
}

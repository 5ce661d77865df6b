// SPDX-License-Identifier: GPL-2.0
/*
 * ksm_probes.c - the probe tier's user-space half: find KSM's functions in
 * kallsyms (names move between kernels, inlining differs between builds),
 * check their signatures and the fields bpf/ksm_probes.h reads against the
 * running kernel's BTF, decide which events the probes make, and attach
 * them as kprobes.
 *
 * An event is made by probes when the kernel has no tracepoint for it and
 * every function it needs is out of line, has the expected signature and
 * attaches; ksm_merge_with_ksm_page too when the kernel has the upstream
 * tracepoint but not the series, since upstream emits it after
 * mmap_read_unlock() and the probe can emit it under the lock (what I8
 * needs).  Anything else is absent, with the reason.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "ksm_probes.h"
#include "ksm_util.h"
#include "ksm.skel.h"

#define F(x) (1u << KFN_##x)
const __u32 ksm_probe_needs[KSM_EV_NR] = {
	[KSM_EV_ENTER] = F(ENTER),
	[KSM_EV_EXIT] = F(EXIT),
	[KSM_EV_MERGE_WITH_KSM_PAGE] = F(MERGE_WITH) | F(MERGE_ONE),
	[KSM_EV_MERGE_ONE_PAGE] = F(MERGE_WITH) | F(MERGE_ONE),
	[KSM_EV_REMOVE_KSM_PAGE] = F(RMNODE),
	[KSM_EV_REMOVE_RMAP_ITEM] = F(RMNODE),
	[KSM_EV_DROP_RMAP_ITEM] = F(RMNODE),
	[KSM_EV_STABLE_TREE_INSERT] = F(APPEND) | F(CHAIN),
	[KSM_EV_STABLE_TREE_APPEND] = F(APPEND),
	[KSM_EV_REMOVE_RMAP_ITEM_FROM_TREE] = F(RMTREE) | F(RMNODE),
	[KSM_EV_STALE_NODE] = F(RMNODE) | F(GET),
	[KSM_EV_PURGE] = F(RMNODE) | F(RSN),
	[KSM_EV_MIGRATE_PAGE] = F(MIGRATE),
	[KSM_EV_RMAP_WALK] = F(WALK),
	[KSM_EV_BREAK_KSM] = F(BREAK),
};

/* the events no out-of-line function shows */
static const char *const no_probe[KSM_EV_NR] = {
	[KSM_EV_START_SCAN] = "scan_get_next_rmap_item() is inlined",
	[KSM_EV_STOP_SCAN] = "scan_get_next_rmap_item() is inlined",
	[KSM_EV_ADVISOR] = "no advisor before 6.8",
	[KSM_EV_UNSTABLE_TREE_INSERT] = "unstable_tree_search_insert() is "
					"inlined",
	[KSM_EV_GET_KSM_PAGE_RETRY] = "an internal goto of get_ksm_page()",
	[KSM_EV_RMAP_ITEM_ALLOC] = "alloc_rmap_item() and get_next_rmap_item() "
				   "are inlined",
	[KSM_EV_RMAP_ITEM_FREE] = "free_rmap_item() is inlined",
};

/*
 * Candidates (a renamed function's names, newest last), and the struct
 * each leading argument must point to ("a|b": either).
 */
static const struct {
	const char *name[2];
	const char *arg[3];
	size_t entry, ret;	/* skeleton program offsets, 0: none */
} kfns[KFN_NR] = {
#define P(x) offsetof(struct ksm_skel, progs.x)
	[KFN_MERGE_WITH] = { { "try_to_merge_with_ksm_page" },
		{ "ksm_rmap_item", "page|folio", "page|folio" },
		P(kp_try_to_merge_with_ksm_page),
		P(kr_try_to_merge_with_ksm_page) },
	[KFN_MERGE_ONE] = { { "try_to_merge_one_page" },
		{ "vm_area_struct", "page|folio", "page|folio" },
		P(kp_try_to_merge_one_page), P(kr_try_to_merge_one_page) },
	[KFN_APPEND] = { { "stable_tree_append" },
		{ "ksm_rmap_item", "ksm_stable_node" },
		P(kp_stable_tree_append), 0 },
	[KFN_CHAIN] = { { "alloc_stable_node_chain" }, { "ksm_stable_node" },
		P(kp_alloc_stable_node_chain), P(kr_alloc_stable_node_chain) },
	[KFN_RMTREE] = { { "remove_rmap_item_from_tree" }, { "ksm_rmap_item" },
		P(kp_remove_rmap_item_from_tree),
		P(kr_remove_rmap_item_from_tree) },
	[KFN_RMNODE] = { { "remove_node_from_stable_tree" },
		{ "ksm_stable_node" }, P(kp_remove_node_from_stable_tree), 0 },
	[KFN_MIGRATE] = { { "folio_migrate_ksm" }, { "folio", "folio" },
		P(kp_folio_migrate_ksm), P(kr_folio_migrate_ksm) },
	[KFN_WALK] = { { "rmap_walk_ksm" }, { "folio" }, P(kp_rmap_walk_ksm),
		0 },
	[KFN_BREAK] = { { "break_ksm" }, { "vm_area_struct" }, P(kp_break_ksm),
		0 },
	[KFN_ENTER] = { { "__ksm_enter" }, { "mm_struct" }, P(kp___ksm_enter),
		P(kr___ksm_enter) },
	[KFN_EXIT] = { { "__ksm_exit" }, { "mm_struct" }, P(kp___ksm_exit),
		P(kr___ksm_exit) },
	[KFN_GET] = { { "get_ksm_page", "ksm_get_folio" }, { 0 }, 0, 0 },
	[KFN_RSN] = { { "remove_stable_node" }, { 0 }, 0, 0 },
	[KFN_RASN] = { { "remove_all_stable_nodes" }, { 0 }, 0, 0 },
	[KFN_HOT] = { { "ksm_memory_callback" }, { 0 }, 0, 0 },
#undef P
};

/* the fields bpf/ksm_probes.h reads, checked before anything is loaded */
static const struct {
	const char *type, *field;
	__u32 fns;		/* the functions whose probes read it */
} fields[] = {
	{ "ksm_rmap_item", "mm", F(MERGE_WITH) | F(APPEND) | F(RMTREE) |
				 F(RMNODE) },
	{ "ksm_rmap_item", "address", F(APPEND) | F(RMTREE) },
	{ "ksm_rmap_item", "anon_vma", F(APPEND) },
	{ "ksm_rmap_item", "head", F(RMTREE) },
	{ "ksm_rmap_item", "hlist", F(RMNODE) },
	{ "ksm_stable_node", "kpfn", F(APPEND) | F(CHAIN) | F(RMTREE) |
				     F(RMNODE) },
	{ "ksm_stable_node", "hlist", F(APPEND) | F(RMNODE) },
	{ "ksm_stable_node", "rmap_hlist_len", F(APPEND) | F(RMTREE) |
					       F(WALK) },
	{ "ksm_stable_node", "head", F(APPEND) },
	{ "vm_area_struct", "vm_mm", F(MERGE_ONE) | F(BREAK) },
	{ "folio", "mapping", F(MIGRATE) | F(WALK) },
	{ "page", "flags", F(MIGRATE) },
};
#undef F

const char *ksm_kfn_name(int fn)
{
	return fn >= 0 && fn < KFN_NR ? kfns[fn].name[0] : "?";
}

struct ksym {
	__u64 addr;
	char type;
	char name[128];
};

static int cmp_addr(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* the kernel's own symbols (no module's), sorted by address */
static struct ksym *read_kallsyms(const char *path, size_t *n)
{
	struct ksym *v = NULL;
	size_t cap = 0;
	char line[512];
	FILE *f = fopen(path, "r");

	*n = 0;
	if (!f)
		return NULL;
	while (fgets(line, sizeof(line), f)) {
		struct ksym k;
		unsigned long long a;

		if (strchr(line, '[') ||
		    sscanf(line, "%llx %c %127s", &a, &k.type, k.name) != 3)
			continue;
		k.addr = a;
		if (ksm_grow(&v, &cap, *n, sizeof(*v))) {
			free(v);
			fclose(f);
			*n = 0;
			return NULL;
		}
		v[(*n)++] = k;
	}
	fclose(f);
	qsort(v, *n, sizeof(*v), cmp_addr);
	return v;
}

static bool is_text(char t)
{
	return t == 't' || t == 'T';
}

/* name, or a clone of it (name.constprop.0, name.isra.0, ...) */
static const struct ksym *find_sym(const struct ksym *v, size_t n,
				   const char *name, bool *clone)
{
	const struct ksym *c = NULL;
	size_t i, len = strlen(name);

	*clone = false;
	for (i = 0; i < n; i++) {
		if (strncmp(v[i].name, name, len))
			continue;
		if (!v[i].name[len])
			return &v[i];
		if (v[i].name[len] == '.' && is_text(v[i].type) && !c)
			c = &v[i];
	}
	*clone = c != NULL;
	return c;
}

static __u64 text_end(const struct ksym *v, size_t n, const struct ksym *s)
{
	size_t i = (size_t)(s - v) + 1;

	for (; i < n; i++)
		if (v[i].addr > s->addr)
			return v[i].addr;
	return s->addr + 1;
}

/* the struct a pointer type points to, or NULL */
static const char *pointee(const struct btf *btf, __u32 id)
{
	const struct btf_type *t = btf__type_by_id(btf, id);

	if (!t || !btf_is_ptr(t))
		return NULL;
	id = t->type;
	t = btf__type_by_id(btf, id);
	while (t && (btf_is_mod(t) || btf_is_typedef(t))) {
		id = t->type;
		t = btf__type_by_id(btf, id);
	}
	return t && (btf_is_struct(t) || btf_is_union(t)) ?
	       btf__name_by_offset(btf, t->name_off) : NULL;
}

static bool name_in(const char *name, const char *alts)
{
	size_t len = name ? strlen(name) : 0;
	const char *p = alts;

	while (len && p && *p) {
		if (!strncmp(p, name, len) && (p[len] == '|' || !p[len]))
			return true;
		p = strchr(p, '|');
		p = p ? p + 1 : NULL;
	}
	return false;
}

/* NULL if fn's BTF prototype is what its probes expect, else why not */
static const char *check_proto(const struct btf *btf, int fn, const char *name)
{
	const struct btf_type *t;
	const struct btf_param *pr;
	int id, i;

	id = btf__find_by_name_kind(btf, name, BTF_KIND_FUNC);
	if (id < 0)
		return "no BTF prototype";
	t = btf__type_by_id(btf, btf__type_by_id(btf, id)->type);
	if (!t || !btf_is_func_proto(t))
		return "no BTF prototype";
	pr = btf_params(t);
	for (i = 0; i < 3 && kfns[fn].arg[i]; i++)
		if (i >= btf_vlen(t) ||
		    !name_in(pointee(btf, pr[i].type), kfns[fn].arg[i]))
			return "signature changed";
	return NULL;
}

static int member_offset(const struct btf *btf, const char *type,
			 const char *field);

/* offset of field in struct type (anonymous members searched), or -1 */
static int member_in(const struct btf *btf, __u32 id, const char *field)
{
	const struct btf_type *t = btf__type_by_id(btf, id);
	const struct btf_member *m;
	int i;

	while (t && (btf_is_mod(t) || btf_is_typedef(t)))
		t = btf__type_by_id(btf, t->type);
	if (!t || !(btf_is_struct(t) || btf_is_union(t)))
		return -1;
	m = btf_members(t);
	for (i = 0; i < btf_vlen(t); i++) {
		const char *n = btf__name_by_offset(btf, m[i].name_off);
		int off = (int)(btf_member_bit_offset(t, (__u32)i) / 8), in;

		if (n && *n) {
			if (!strcmp(n, field))
				return off;
			continue;
		}
		in = member_in(btf, m[i].type, field);
		if (in >= 0)
			return off + in;
	}
	return -1;
}

static int member_offset(const struct btf *btf, const char *type,
			 const char *field)
{
	int id = btf__find_by_name_kind(btf, type, BTF_KIND_STRUCT);

	return id < 0 ? -1 : member_in(btf, (__u32)id, field);
}

/* page->flags >> shift is the NUMA node: 0 no NUMA, 64 unknown */
static __u32 nid_shift(const struct btf *btf)
{
	int id = btf__find_by_name_kind(btf, "nodemask_t", BTF_KIND_TYPEDEF);
	__s64 bits;
	__u32 s = 0;

	if (member_offset(btf, "ksm_stable_node", "nid") < 0)
		return 0;
	bits = id < 0 ? -1 : btf__resolve_size(btf, (__u32)id) * 8;
	/* MAX_NUMNODES; below 64 the mask's size does not tell it */
	if (bits < 64 || (bits & (bits - 1)))
		return 64;
	while ((1LL << s) < bits)
		s++;
	return 64 - s;
}

void ksm_probes_plan(struct ksm_probes *p, const char *kallsyms,
		     const struct btf *btf, const bool *present, bool series)
{
	const char *path = kallsyms ? kallsyms : "/proc/kallsyms", *pmu;
	struct ksym *v;
	size_t n, i;
	__u32 ok = 0;
	int f, t, seq;

	memset(p, 0, sizeof(*p));
	for (t = 0; t < KSM_EV_NR; t++)
		p->absent[t] = no_probe[t] ? no_probe[t] : "no probe";
	if (series) {
		p->why_none = "not needed (the series' tracepoints)";
		return;
	}
	pmu = getenv("KSMSCOPE_KPROBE_PMU");	/* tests */
	p->kprobes = !access(pmu && *pmu ? pmu :
			     "/sys/bus/event_source/devices/kprobe/type", F_OK);
	if (!p->kprobes) {
		p->why_none = "kprobes: not in this kernel";
		return;
	}
	v = read_kallsyms(path, &n);
	if (!v || !n) {
		p->why_none = "kallsyms unreadable";
		free(v);
		return;
	}
	for (i = 0; i < n && !v[i].addr; i++)
		;
	if (i == n) {
		p->why_none = "kallsyms hides addresses (kptr_restrict)";
		free(v);
		return;
	}
	for (f = 0; f < KFN_NR; f++) {
		struct ksm_kfn_state *s = &p->fn[f];
		const struct ksym *k = NULL;
		bool clone = false;
		int c;

		for (c = 0; c < 2 && kfns[f].name[c] && !k; c++)
			k = find_sym(v, n, kfns[f].name[c], &clone);
		if (!k || !is_text(k->type)) {
			s->why = "not out of line";
			continue;
		}
		snprintf(s->sym, sizeof(s->sym), "%s", k->name);
		s->lo = k->addr;
		s->hi = text_end(v, n, k);
		/* a caller's range: any clone of it will do */
		if (f >= KFN_FIRST_RANGE) {
			ok |= 1u << f;
			continue;
		}
		if (clone) {
			s->why = "only a clone, whose arguments may differ";
			continue;
		}
		s->why = check_proto(btf, f, k->name);
		for (i = 0; i < ARRAY_SIZE(fields) && !s->why; i++)
			if ((fields[i].fns >> f & 1) &&
			    member_offset(btf, fields[i].type,
					  fields[i].field) < 0)
				s->why = "a field it reads is gone";
		if (!s->why)
			ok |= 1u << f;
	}
	for (i = 0; i < n; i++) {
		if (!strcmp(v[i].name, "vmemmap_base"))
			p->vmemmap_addr = v[i].addr;
		else if (!strcmp(v[i].name, "migrate_nodes"))
			p->dup_head = v[i].addr + sizeof(__u64);
		else if (!strcmp(v[i].name, "ksm_scan") &&
			 (seq = member_offset(btf, "ksm_scan", "seqnr")) >= 0)
			p->seqnr_addr = v[i].addr + (__u64)seq;
	}
	free(v);
	p->nid_shift = nid_shift(btf);
	for (t = 0; t < KSM_EV_NR; t++) {
		__u32 need = ksm_probe_needs[t];

		if (!need)
			continue;
		if ((need & ok) != need) {
			for (f = 0; f < KFN_NR; f++)
				if ((need >> f & 1) && !(ok >> f & 1))
					break;
			p->absent[t] = p->fn[f].why;
			continue;
		}
		p->want |= 1ULL << t;
		if (!present[t] || t == KSM_EV_MERGE_WITH_KSM_PAGE)
			p->mask |= 1ULL << t;
	}
}

static struct bpf_program *prog_at(struct ksm_skel *s, size_t off)
{
	return off ? *(struct bpf_program **)((char *)s + off) : NULL;
}

/* the functions the chosen events need, to attach */
static __u32 fns_of(__u64 events)
{
	__u32 fns = 0;
	int t;

	for (t = 0; t < KSM_EV_NR; t++)
		if (events >> t & 1)
			fns |= ksm_probe_needs[t];
	return fns & ((1u << KFN_FIRST_RANGE) - 1);
}

void ksm_probes_prepare(const struct ksm_probes *p, struct ksm_skel *s)
{
	__u32 fns = fns_of(p->mask);
	const struct ksm_kfn_state *f = p->fn;
	int i;

	for (i = 0; i < KFN_FIRST_RANGE; i++) {
		struct bpf_program *e = prog_at(s, kfns[i].entry),
				   *r = prog_at(s, kfns[i].ret);

		if (e)
			bpf_program__set_autoload(e, fns >> i & 1);
		if (r)
			bpf_program__set_autoload(r, fns >> i & 1);
	}
	if (!p->mask)
		return;
	bpf_map__set_max_entries(s->maps.pctx, 4096);
	s->rodata->probe_mask = p->mask;
	s->rodata->vmemmap_addr = p->vmemmap_addr;
	s->rodata->dup_head = p->dup_head;
	s->rodata->nid_shift = p->nid_shift;
	s->rodata->stale_lo = f[KFN_GET].lo;
	s->rodata->stale_hi = f[KFN_GET].hi;
	s->rodata->purge_lo[0] = f[KFN_RSN].lo;
	s->rodata->purge_hi[0] = f[KFN_RSN].hi;
	s->rodata->purge_lo[1] = f[KFN_RASN].lo;
	s->rodata->purge_hi[1] = f[KFN_RASN].hi;
	s->rodata->hot_lo = f[KFN_HOT].lo;
	s->rodata->hot_hi = f[KFN_HOT].hi;
}

int ksm_probes_attach(struct ksm_probes *p, struct ksm_skel *s)
{
	__u32 fns = fns_of(p->mask), bad = 0;
	int i, t, k;

	for (i = 0; i < KFN_FIRST_RANGE; i++) {
		if (!(fns >> i & 1))
			continue;
		for (k = 0; k < 2; k++) {
			struct bpf_program *pr = prog_at(s, k ? kfns[i].ret :
							 kfns[i].entry);
			struct bpf_link *l;

			if (!pr)
				continue;
			l = bpf_program__attach_kprobe(pr, k, p->fn[i].sym);
			if (!l) {
				p->fn[i].attach_err = errno ? errno : EINVAL;
				p->fn[i].why = "attach failed";
				bad |= 1u << i;
				break;
			}
			p->links[p->n_links++] = l;
		}
	}
	p->on = 0;
	for (t = 0; t < KSM_EV_NR; t++) {
		if (!(p->mask >> t & 1))
			continue;
		if (ksm_probe_needs[t] & bad) {
			for (i = 0; !(ksm_probe_needs[t] >> i & bad & 1); i++)
				;
			p->absent[t] = p->fn[i].why;
			continue;
		}
		p->on |= 1ULL << t;
	}
	/* from now on the probes make events: all their functions are in */
	s->bss->probe_on = p->on;
	return p->n_links;
}

void ksm_probes_detach(struct ksm_probes *p)
{
	int i;

	for (i = 0; i < p->n_links; i++)
		bpf_link__destroy(p->links[i]);
	p->n_links = 0;
	p->on = 0;
}

void ksm_probes_runtime(const struct ksm_probes *p, struct ksm_skel *s,
			__u64 *run_ns, __u64 *run_cnt)
{
	__u32 fns = fns_of(p->on);
	int i, k;

	for (i = 0; i < KFN_FIRST_RANGE; i++) {
		for (k = 0; k < 2 && (fns >> i & 1); k++) {
			struct bpf_program *pr = prog_at(s, k ? kfns[i].ret :
							 kfns[i].entry);
			struct bpf_prog_info info = {};
			__u32 len = sizeof(info);

			if (!pr || bpf_obj_get_info_by_fd(bpf_program__fd(pr),
							  &info, &len))
				continue;
			*run_ns += info.run_time_ns;
			*run_cnt += info.run_cnt;
		}
	}
}

// SPDX-License-Identifier: GPL-2.0
/* ksm_why.c - why a process's anonymous memory is not merged */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ksm_fmt.h"
#include "ksm_ksmd.h"
#include "ksm_sysfs.h"
#include "ksm_util.h"
#include "ksm_why.h"

const struct ksm_why_desc ksm_why_desc[KSM_WHY_NR] = {
	[KSM_WHY_MERGED] = { "merged", "backed by a KSM page" },
	[KSM_WHY_ZERO_PAGE] = { "zero_page",
		"mapped to the shared zero page (use_zero_pages, or never written)" },
	[KSM_WHY_NOT_REGISTERED] = { "not_registered",
		"in areas not registered for KSM (no MADV_MERGEABLE, no prctl merge-any)" },
	[KSM_WHY_SKIPPED] = { "skipped_area",
		"in areas KSM cannot merge (shared, hugetlb, pfnmap/io, ...)" },
	[KSM_WHY_SWAPPED] = { "swapped", "swapped out: ksmd skips pages not in memory" },
	[KSM_WHY_UNREADABLE] = { "unreadable", "present, content could not be read" },
	[KSM_WHY_VOLATILE] = { "volatile",
		"changed between two reads: ksmd never sees them stable" },
	[KSM_WHY_ZERO_FILLED] = { "zero_filled", "all zeroes, not merged yet" },
	[KSM_WHY_STOPPED] = { "ksmd_stopped",
		"have a partner, but ksmd is not running (run != 1)" },
	[KSM_WHY_PENDING] = { "not_reached",
		"have a partner; ksmd has not got to them yet (full pass below)" },
	[KSM_WHY_MAX_SHARING] = { "max_page_sharing",
		"twin of a KSM page already shared max_page_sharing times" },
	[KSM_WHY_OTHER_NODE] = { "other_node",
		"partners only on other NUMA nodes, merge_across_nodes 0" },
	[KSM_WHY_UNIQUE] = { "unique", "no other page has their content" },
};

const char *const ksm_why_skip_names[KSM_SKIP_NR] = {
	"shared", "hugetlb", "pfnmap", "dontexpand", "mixedmap",
};

/* ---- areas ---- */

int ksm_why_vmflags(const char *flags, bool *mergeable)
{
	static const struct {
		char f[3];
		int kind;
	} skip[] = {
		{ "sh", KSM_SKIP_SHARED }, { "ms", KSM_SKIP_SHARED },
		{ "ht", KSM_SKIP_HUGETLB }, { "pf", KSM_SKIP_PFNMAP },
		{ "io", KSM_SKIP_PFNMAP }, { "de", KSM_SKIP_DONTEXPAND },
		{ "mm", KSM_SKIP_MIXEDMAP },
	};
	const char *s = flags;
	int kind = -1;

	*mergeable = false;
	while (*s) {
		size_t i, n;

		while (*s == ' ')
			s++;
		n = strcspn(s, " \n");
		if (n == 2) {
			if (!strncmp(s, "mg", 2))
				*mergeable = true;
			for (i = 0; i < ARRAY_SIZE(skip); i++)
				if (!strncmp(s, skip[i].f, 2) && kind < 0)
					kind = skip[i].kind;
		}
		s += n;
		if (*s == '\n')
			break;
	}
	return kind;
}

/* ---- the content table: open addressing on (hash, node) ---- */

struct why_ent {
	unsigned long long h;
	int nid;		/* -1: every node together */
	bool used;
	unsigned int unmerged, ksm_free, ksm_full;
};

struct ksm_why_table {
	struct why_ent *e;
	size_t cap, n;
};

struct ksm_why_table *ksm_why_table_new(size_t expect)
{
	struct ksm_why_table *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->cap = 1024;
	while (t->cap < expect * 4)
		t->cap *= 2;
	t->e = calloc(t->cap, sizeof(*t->e));
	if (!t->e) {
		free(t);
		return NULL;
	}
	return t;
}

void ksm_why_table_free(struct ksm_why_table *t)
{
	if (t)
		free(t->e);
	free(t);
}

static size_t slot_of(const struct ksm_why_table *t, unsigned long long h,
		      int nid)
{
	size_t i = (size_t)((h ^ (unsigned long long)(nid + 1) *
			     0x9e3779b97f4a7c15ull) & (t->cap - 1));

	while (t->e[i].used && (t->e[i].h != h || t->e[i].nid != nid))
		i = (i + 1) & (t->cap - 1);
	return i;
}

static const struct why_ent *lookup(const struct ksm_why_table *t,
				    unsigned long long h, int nid)
{
	const struct why_ent *e = &t->e[slot_of(t, h, nid)];

	return e->used ? e : NULL;
}

static int grow(struct ksm_why_table *t)
{
	struct ksm_why_table nt = { .cap = t->cap * 2 };
	size_t i;

	nt.e = calloc(nt.cap, sizeof(*nt.e));
	if (!nt.e)
		return -ENOMEM;
	for (i = 0; i < t->cap; i++)
		if (t->e[i].used)
			nt.e[slot_of(&nt, t->e[i].h, t->e[i].nid)] = t->e[i];
	free(t->e);
	t->e = nt.e;
	t->cap = nt.cap;
	return 0;
}

static int add_one(struct ksm_why_table *t, unsigned long long h, int nid,
		   bool ksm, bool full)
{
	struct why_ent *e;

	if (t->n * 2 >= t->cap && grow(t))
		return -ENOMEM;
	e = &t->e[slot_of(t, h, nid)];
	if (!e->used) {
		e->used = true;
		e->h = h;
		e->nid = nid;
		t->n++;
	}
	if (!ksm)
		e->unmerged++;
	else if (full)
		e->ksm_full++;
	else
		e->ksm_free++;
	return 0;
}

int ksm_why_table_add(struct ksm_why_table *t, unsigned long long h, int nid,
		      bool ksm, bool full)
{
	int err = add_one(t, h, -1, ksm, full);

	if (!err && nid >= 0)
		err = add_one(t, h, nid, ksm, full);
	return err;
}

/* does e hold a partner for a page that is itself one of its unmerged? */
static bool partner(const struct why_ent *e)
{
	return e && (e->ksm_free || e->unmerged > 1);
}

enum ksm_why_reason ksm_why_classify(const struct ksm_why_page *p,
				     const struct ksm_why_table *t,
				     const struct ksm_why_ctx *c)
{
	const struct why_ent *any, *local;
	bool node_rule = !c->across_nodes && p->nid >= 0;

	if (p->unreadable)
		return KSM_WHY_UNREADABLE;
	if (p->h1 != p->h2)
		return KSM_WHY_VOLATILE;
	if (p->zero)
		return KSM_WHY_ZERO_FILLED;
	any = lookup(t, p->h2, -1);
	local = node_rule ? lookup(t, p->h2, p->nid) : any;
	if (partner(local))
		return c->run == 1 ? KSM_WHY_PENDING : KSM_WHY_STOPPED;
	if (local && local->ksm_full)
		return KSM_WHY_MAX_SHARING;
	if (node_rule && any && (any->ksm_free || any->ksm_full ||
				 any->unmerged > 1))
		return KSM_WHY_OTHER_NODE;
	return KSM_WHY_UNIQUE;
}

/* ---- reading a process ---- */

#define PM_PRESENT (1ull << 63)
#define PM_SWAP (1ull << 62)
#define PM_PFN_MASK ((1ull << 55) - 1)
#define KPF_ANON 12
#define KPF_KSM 21
#define KPF_ZERO_PAGE 24
#define CHUNK 64		/* pages read at once */

struct area {
	unsigned long start, end;
	int skip;		/* enum ksm_why_skip, -1 */
	bool mergeable;
	bool anon_like;		/* no file, or shmem-like: its Rss counts */
	long anon_kb, rss_kb, hugetlb_kb;
};

/* One process's files, open while it is read. */
struct proc_files {
	int mem, pagemap;
};

struct reader {
	const char *root;
	long psz;
	int kflags, kcount;	/* /proc/kpageflags, /proc/kpagecount */
	bool ksm_by_count;	/* KPF_KSM is set on every anonymous page
				 * here: a KSM page is one mapped twice */
	bool numa;		/* more than one node, merge_across_nodes 0 */
	long max_sharing;
	char *buf;		/* CHUNK pages */
	long long bytes;
};

static int parse_smaps(const char *root, int pid, struct area **out,
		       size_t *n)
{
	char path[256], line[1024];
	struct area *v = NULL, *a = NULL;
	size_t cap = 0;
	FILE *f;

	*n = 0;
	snprintf(path, sizeof(path), "%s/%d/smaps", root, pid);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		unsigned long s, e;
		char name[64];
		long kb;
		int pos = 0;

		if (sscanf(line, "%lx-%lx %*s %*s %*s %*s %n", &s, &e, &pos) >= 2 &&
		    pos && strchr(line, '-') < strchr(line, ' ')) {
			const char *file = line + pos;

			if (ksm_grow(&v, &cap, *n, sizeof(*v))) {
				free(v);
				fclose(f);
				return -ENOMEM;
			}
			a = &v[(*n)++];
			memset(a, 0, sizeof(*a));
			a->start = s;
			a->end = e;
			a->skip = -1;
			a->anon_like = *file == '\n' || *file == '[' ||
				       !strncmp(file, "/dev/zero", 9) ||
				       !strncmp(file, "/SYSV", 5) ||
				       !strncmp(file, "/memfd:", 7);
			continue;
		}
		if (!a)
			continue;
		if (!strncmp(line, "VmFlags:", 8)) {
			a->skip = ksm_why_vmflags(line + 8, &a->mergeable);
			continue;
		}
		if (sscanf(line, "%63[^:]: %ld kB", name, &kb) != 2)
			continue;
		if (!strcmp(name, "Anonymous"))
			a->anon_kb = kb;
		else if (!strcmp(name, "Rss"))
			a->rss_kb = kb;
		else if (!strcmp(name, "Private_Hugetlb") ||
			 !strcmp(name, "Shared_Hugetlb"))
			a->hugetlb_kb += kb;
	}
	fclose(f);
	*out = v;
	return 0;
}

static unsigned long long hash_page(const unsigned char *p, long psz,
				    bool *zero)
{
	unsigned long long h = 0xcbf29ce484222325ull, acc = 0, w;
	long i;

	for (i = 0; i < psz; i += 8) {
		memcpy(&w, p + i, 8);
		acc |= w;
		h = (h ^ w) * 0x100000001b3ull;
		h ^= h >> 29;
	}
	*zero = !acc;
	return h;
}

static int pread_u64(int fd, unsigned long long idx, unsigned long long *v)
{
	return pread(fd, v, 8, (off_t)(idx * 8)) == 8 ? 0 : -1;
}

static int page_nids(int pid, unsigned long *addrs, int *nids, size_t n)
{
	void **pages = malloc(n * sizeof(*pages));
	size_t i;
	long r;

	for (i = 0; i < n; i++)
		nids[i] = -1;
	if (!pages)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		pages[i] = (void *)addrs[i];
	r = syscall(SYS_move_pages, pid, n, pages, NULL, nids, 0);
	free(pages);
	if (r < 0)
		return -errno;
	for (i = 0; i < n; i++)
		if (nids[i] < 0)
			nids[i] = -1;
	return 0;
}

/*
 * Visit every present anonymous page of the mergeable areas of one
 * process: fn gets its address, content hash, zero, ksm and full flags.
 * Contents are read only where pagemap says present, CHUNK at a time.
 */
struct visit {
	unsigned long addr;
	unsigned long long h;
	bool zero, ksm, full, unreadable, zero_page, swapped;
	bool anon;		/* an anonymous (or KSM) page, not page cache */
};

typedef int (*visit_fn)(void *ctx, const struct visit *v);

static int visit_area(struct reader *r, struct proc_files *pf,
		      const struct area *a, visit_fn fn, void *ctx)
{
	unsigned long addr;

	for (addr = a->start; addr < a->end; addr += CHUNK * r->psz) {
		unsigned long long pm[CHUNK];
		size_t i, n = (a->end - addr) / r->psz;
		ssize_t got;

		if (n > CHUNK)
			n = CHUNK;
		got = pread(pf->pagemap, pm, n * 8, (off_t)(addr / r->psz * 8));
		if (got < (ssize_t)(n * 8))
			return got < 0 ? -errno : -ESRCH;
		for (i = 0; i < n; i++) {
			struct visit v = { .addr = addr + i * r->psz };
			unsigned long long pfn = pm[i] & PM_PFN_MASK, fl = 0, cnt = 0;
			int err;

			if (!(pm[i] & PM_PRESENT)) {
				if (!(pm[i] & PM_SWAP))
					continue;
				v.swapped = v.anon = true;
				err = fn(ctx, &v);
				if (err)
					return err;
				continue;
			}
			if (r->kflags >= 0 && pfn)
				pread_u64(r->kflags, pfn, &fl);
			v.ksm = fl & (1ull << KPF_KSM);
			if (r->ksm_by_count && v.ksm) {
				v.ksm = r->kcount >= 0 && pfn &&
					!pread_u64(r->kcount, pfn, &cnt) && cnt >= 2;
				cnt = 0;
			}
			v.zero_page = fl & (1ull << KPF_ZERO_PAGE);
			v.anon = v.ksm || v.zero_page || (fl & (1ull << KPF_ANON)) ||
				 r->kflags < 0;
			if (!v.anon)
				continue;
			if (v.ksm && r->kcount >= 0 && !pread_u64(r->kcount, pfn, &cnt))
				v.full = r->max_sharing > 0 &&
					 (long)cnt >= r->max_sharing;
			if (!v.zero_page) {
				got = pread(pf->mem, r->buf, r->psz,
					    (off_t)v.addr);
				if (got == r->psz) {
					v.h = hash_page((unsigned char *)r->buf,
							r->psz, &v.zero);
					r->bytes += got;
				} else {
					v.unreadable = true;
				}
			}
			err = fn(ctx, &v);
			if (err)
				return err;
		}
	}
	return 0;
}

static int open_proc(const char *root, int pid, struct proc_files *pf)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%d/mem", root, pid);
	pf->pagemap = -1;
	pf->mem = open(path, O_RDONLY | O_CLOEXEC);
	if (pf->mem < 0)
		return -errno;
	snprintf(path, sizeof(path), "%s/%d/pagemap", root, pid);
	pf->pagemap = open(path, O_RDONLY | O_CLOEXEC);
	if (pf->pagemap < 0) {
		int err = -errno;

		close(pf->mem);
		pf->mem = -1;
		return err;
	}
	return 0;
}

static void close_proc(struct proc_files *pf)
{
	if (pf->mem >= 0)
		close(pf->mem);
	if (pf->pagemap >= 0)
		close(pf->pagemap);
}

/* the target's unmerged pages, and its counts */
struct target {
	struct ksm_why *w;
	struct ksm_why_page *pages;
	unsigned long *addrs;
	size_t n, cap;
	int pass;		/* 1: first read, 2: second */
	size_t next;		/* second read: index of the next page */
	struct visit *ksm;	/* its KSM pages: twins for the others */
	size_t nksm, capksm;
};

static int target_visit(void *ctx, const struct visit *v)
{
	struct target *tg = ctx;
	struct ksm_why *w = tg->w;

	if (tg->pass == 1) {
		if (v->swapped) {
			w->pages[KSM_WHY_SWAPPED]++;
			return 0;
		}
		w->mergeable_all++;
		if (v->zero_page) {
			w->pages[KSM_WHY_ZERO_PAGE]++;
			return 0;
		}
		if (v->ksm) {
			w->pages[KSM_WHY_MERGED]++;
			if (v->unreadable)
				return 0;
			if (ksm_grow(&tg->ksm, &tg->capksm, tg->nksm,
				     sizeof(*tg->ksm)))
				return -ENOMEM;
			tg->ksm[tg->nksm++] = *v;
			return 0;
		}
		if (ksm_grow(&tg->pages, &tg->cap, tg->n, sizeof(*tg->pages)))
			return -ENOMEM;
		tg->addrs = realloc(tg->addrs, tg->cap * sizeof(*tg->addrs));
		if (!tg->addrs)
			return -ENOMEM;
		tg->addrs[tg->n] = v->addr;
		tg->pages[tg->n++] = (struct ksm_why_page){
			.h1 = v->h, .nid = -1, .unreadable = v->unreadable,
		};
		return 0;
	}
	/* second read: the pages of the first, matched by address */
	while (tg->next < tg->n && tg->addrs[tg->next] < v->addr)
		tg->pages[tg->next++].h2 = ~0ull;	/* gone: volatile */
	if (tg->next < tg->n && tg->addrs[tg->next] == v->addr) {
		struct ksm_why_page *p = &tg->pages[tg->next++];

		if (v->ksm || v->zero_page || v->swapped)
			p->h2 = ~0ull;		/* changed state: not stable */
		else {
			p->h2 = v->h;
			p->zero = v->zero;
			p->unreadable |= v->unreadable;
		}
	}
	return 0;
}

/* other processes' pages (and the target's KSM pages): partners */
struct partners {
	struct ksm_why *w;
	struct ksm_why_table *t;
	bool numa;
	int pid;
	unsigned long *addrs;
	struct visit *vs;
	size_t n, cap;
};

static int partner_visit(void *ctx, const struct visit *v)
{
	struct partners *p = ctx;

	if (!v->swapped && p->pid != p->w->pid)
		p->w->mergeable_all++;
	if (v->swapped || v->zero_page || v->unreadable)
		return 0;
	if (!p->numa)
		return ksm_why_table_add(p->t, v->h, -1, v->ksm, v->full);
	if (ksm_grow(&p->vs, &p->cap, p->n, sizeof(*p->vs)))
		return -ENOMEM;
	p->vs[p->n++] = *v;
	return 0;
}

/* with NUMA in play, nodes are asked for in one call per process */
static int partner_flush(struct partners *p)
{
	int *nids;
	size_t i;
	int err = 0;

	if (!p->n)
		return 0;
	nids = malloc(p->n * sizeof(*nids));
	p->addrs = malloc(p->n * sizeof(*p->addrs));
	if (!nids || !p->addrs) {
		free(nids);
		free(p->addrs);
		p->addrs = NULL;
		return -ENOMEM;
	}
	for (i = 0; i < p->n; i++)
		p->addrs[i] = p->vs[i].addr;
	page_nids(p->pid, p->addrs, nids, p->n);
	for (i = 0; i < p->n && !err; i++)
		err = ksm_why_table_add(p->t, p->vs[i].h, nids[i], p->vs[i].ksm,
					p->vs[i].full);
	free(nids);
	free(p->addrs);
	p->addrs = NULL;
	p->n = 0;
	return err;
}

/* every area of pid that KSM may merge, visited */
static int visit_process(struct reader *r, int pid, bool only_mergeable,
			 visit_fn fn, void *ctx, struct area **areas_out,
			 size_t *nareas)
{
	struct proc_files pf;
	struct area *areas;
	size_t i, n;
	int err = parse_smaps(r->root, pid, &areas, &n);

	if (err)
		return err;
	for (i = 0; i < n && !areas[i].mergeable; i++)
		;
	if (i < n || (!only_mergeable && n)) {
		err = open_proc(r->root, pid, &pf);
		for (i = 0; i < n && !err; i++)
			if (areas[i].mergeable)
				err = visit_area(r, &pf, &areas[i], fn, ctx);
		close_proc(&pf);
	}
	if (areas_out && !err) {
		*areas_out = areas;
		*nareas = n;
	} else {
		free(areas);
	}
	return err;
}

static int read_others(struct reader *r, struct ksm_why *w,
		       struct partners *p)
{
	struct dirent *de;
	DIR *d = opendir(r->root);

	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		int pid;
		long before = (long)r->bytes;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		pid = atoi(de->d_name);
		if (pid == w->pid || pid == getpid())
			continue;
		p->pid = pid;
		p->n = 0;
		/* one that exits or hides meanwhile is no partner: fine */
		if (visit_process(r, pid, true, partner_visit, p, NULL, NULL) == -ENOMEM ||
		    partner_flush(p) == -ENOMEM) {
			closedir(d);
			return -ENOMEM;
		}
		if ((long)r->bytes > before)
			w->partner_procs++;
	}
	closedir(d);
	return 0;
}

static int wait_for(double s, const volatile sig_atomic_t *stop)
{
	double until = ksm_now() + s;

	while (ksm_now() < until) {
		if (stop && *stop)
			return -EINTR;
		poll(NULL, 0, 50);
	}
	return stop && *stop ? -EINTR : 0;
}

static int numa_nodes(void)
{
	char path[64];
	int n = 0;

	while (n < 1024) {
		snprintf(path, sizeof(path), "/sys/devices/system/node/node%d", n);
		if (access(path, F_OK))
			break;
		n++;
	}
	return n;
}

static long knob(const char *name)
{
	long v;

	return ksm_read_value(name, &v) ? -1 : v;
}

static void set_unknown(struct ksm_why *w, enum ksm_why_reason r,
			const char *why)
{
	w->unknown[r] = true;
	snprintf(w->unknown_why[r], sizeof(w->unknown_why[r]), "%s", why);
}

static void read_stat_extra(const char *root, int pid, struct ksm_why *w)
{
	char path[256], buf[1024];
	const char *s;

	w->merge_any = -1;
	snprintf(path, sizeof(path), "%s/%d/ksm_stat", root, pid);
	if (ksm_slurp(path, buf, sizeof(buf)) <= 0)
		return;
	s = strstr(buf, "ksm_merge_any");
	if (s) {
		s += strlen("ksm_merge_any");
		s += strspn(s, ": ");
		w->merge_any = !strncmp(s, "yes", 3);
	}
}

static void comm_of(const char *root, int pid, char *comm, size_t len)
{
	char path[256], buf[64];

	snprintf(path, sizeof(path), "%s/%d/comm", root, pid);
	comm[0] = '\0';
	if (ksm_slurp(path, buf, sizeof(buf)) <= 0)
		return;
	buf[strcspn(buf, "\n")] = '\0';
	snprintf(comm, len, "%.15s", buf);
}

static int fail(int err, char *msg, size_t len, const char *fmt, int pid)
{
	snprintf(msg, len, fmt, pid, strerror(-err));
	return err;
}

/*
 * Does this kernel's /proc/kpageflags set KPF_KSM on a page that cannot
 * be KSM's: one of our own, never registered?  (Debian's 6.12.118 does,
 * for every anonymous page.)
 */
static bool kpf_ksm_broken(int kflags, long psz)
{
	unsigned long long pm = 0, fl = 0;
	bool broken = false;
	char *p = aligned_alloc((size_t)psz, (size_t)psz);
	int fd;

	if (!p || kflags < 0) {
		free(p);
		return false;
	}
	memset(p, 0x5a, (size_t)psz);
	fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (fd >= 0 && !pread_u64(fd, (unsigned long long)(uintptr_t)p / (unsigned long long)psz, &pm) &&
	    (pm & PM_PRESENT) && (pm & PM_PFN_MASK) &&
	    !pread_u64(kflags, pm & PM_PFN_MASK, &fl))
		broken = (fl & (1ull << KPF_ANON)) && (fl & (1ull << KPF_KSM));
	if (fd >= 0)
		close(fd);
	free(p);
	return broken;
}

int ksm_why_read(const char *root, int pid, double interval,
		 long rmap_item_size, const volatile sig_atomic_t *stop,
		 struct ksm_why *w, char *msg, size_t len)
{
	struct reader r = { .root = root, .kflags = -1, .kcount = -1 };
	struct target tg = { .w = w };
	struct partners pp = { 0 };
	struct ksm_why_ctx c;
	struct ksm_proc *all = NULL;
	struct area *areas = NULL;
	size_t i, nareas = 0;
	struct ksm_scan_cost cost;
	long scans0;
	int err, nall, nid_err = 0;
	char path[256];
	struct stat st;

	memset(w, 0, sizeof(*w));
	w->pid = pid;
	w->interval = interval;
	snprintf(path, sizeof(path), "%s/%d", root, pid);
	if (stat(path, &st))
		return fail(-ESRCH, msg, len, "no process %d", pid);
	comm_of(root, pid, w->comm, sizeof(w->comm));
	r.psz = sysconf(_SC_PAGESIZE);
	r.buf = malloc((size_t)r.psz * CHUNK);
	if (!r.buf)
		return fail(-ENOMEM, msg, len, "process %d: %s", pid);
	w->knob_run = knob("run");
	w->pages_to_scan = knob("pages_to_scan");
	w->sleep_ms = knob("sleep_millisecs");
	w->max_page_sharing = knob("max_page_sharing");
	w->use_zero_pages = knob("use_zero_pages");
	w->merge_across_nodes = knob("merge_across_nodes");
	scans0 = knob("full_scans");
	r.max_sharing = w->max_page_sharing;
	r.kflags = open("/proc/kpageflags", O_RDONLY | O_CLOEXEC);
	r.kcount = open("/proc/kpagecount", O_RDONLY | O_CLOEXEC);
	r.numa = w->merge_across_nodes == 0 && numa_nodes() > 1;
	r.ksm_by_count = w->kpf_ksm_broken = kpf_ksm_broken(r.kflags, r.psz);
	w->have_stat = !ksm_proc_read_all(root, pid, rmap_item_size, &w->stat);
	read_stat_extra(root, pid, w);

	tg.pass = 1;
	err = visit_process(&r, pid, false, target_visit, &tg, &areas, &nareas);
	if (err == -ENOENT || err == -ESRCH) {
		err = fail(-ESRCH, msg, len, "process %d exited while read (%s)",
			   pid);
		goto out;
	}
	if (err) {
		snprintf(msg, len, "process %d: cannot read its memory: %s", pid,
			 strerror(-err));
		goto out;
	}
	if (!nareas) {
		err = -EINVAL;
		snprintf(msg, len, "process %d (%s) has no memory: a kernel "
			 "thread, or a zombie", pid, w->comm);
		goto out;
	}
	for (i = 0; i < nareas; i++) {
		const struct area *a = &areas[i];
		long pages;

		w->areas++;
		if (a->mergeable) {
			w->mergeable_areas++;
			continue;
		}
		pages = a->anon_kb;
		if (a->skip >= 0) {
			if (a->skip == KSM_SKIP_HUGETLB)
				pages = a->hugetlb_kb;
			else if (a->skip == KSM_SKIP_SHARED && a->anon_like)
				pages = a->rss_kb;
			pages = pages * 1024 / r.psz;
			w->pages[KSM_WHY_SKIPPED] += pages;
			w->skipped_kind[a->skip] += pages;
		} else {
			w->pages[KSM_WHY_NOT_REGISTERED] += pages * 1024 / r.psz;
		}
	}

	err = wait_for(interval, stop);
	if (err) {
		snprintf(msg, len, "interrupted");
		goto out;
	}
	tg.pass = 2;
	err = visit_process(&r, pid, true, target_visit, &tg, NULL, NULL);
	if (err) {
		err = fail(-ESRCH, msg, len, "process %d exited while read (%s)",
			   pid);
		goto out;
	}
	while (tg.next < tg.n)
		tg.pages[tg.next++].h2 = ~0ull;
	if (r.numa && tg.n) {
		int *nids = malloc(tg.n * sizeof(*nids));

		if (nids) {
			nid_err = page_nids(pid, tg.addrs, nids, tg.n);
			for (i = 0; i < tg.n; i++)
				tg.pages[i].nid = nids[i];
		}
		free(nids);
	}

	/* every page KSM may merge, the target's and the others' */
	pp.w = w;
	pp.t = ksm_why_table_new(tg.n);
	pp.numa = r.numa;
	if (!pp.t) {
		err = fail(-ENOMEM, msg, len, "process %d: %s", pid);
		goto out;
	}
	for (i = 0; i < tg.n; i++)
		if (!tg.pages[i].unreadable && tg.pages[i].h1 == tg.pages[i].h2)
			ksm_why_table_add(pp.t, tg.pages[i].h2, tg.pages[i].nid,
					  false, false);
	/* the target's own KSM pages count as twins too */
	pp.pid = pid;
	err = 0;
	for (i = 0; i < tg.nksm && !err; i++)
		err = partner_visit(&pp, &tg.ksm[i]);
	if (!err)
		err = partner_flush(&pp);
	if (!err)
		err = read_others(&r, w, &pp);
	if (err) {
		snprintf(msg, len, "process %d: %s", pid, strerror(-err));
		goto out;
	}
	c.run = w->knob_run;
	c.across_nodes = !r.numa;
	for (i = 0; i < tg.n; i++)
		w->pages[ksm_why_classify(&tg.pages[i], pp.t, &c)]++;

	if (r.kflags < 0)
		for (i = KSM_WHY_MERGED; i < KSM_WHY_NR; i++)
			if (i != KSM_WHY_NOT_REGISTERED && i != KSM_WHY_SKIPPED)
				set_unknown(w, i, "no /proc/kpageflags");
	if (r.kcount < 0)
		set_unknown(w, KSM_WHY_MAX_SHARING, "no /proc/kpagecount");
	/* merge_across_nodes 1 (or one node): no page waits for its node */
	if (nid_err)
		set_unknown(w, KSM_WHY_OTHER_NODE, "move_pages(2) refused");
	for (i = 0; i < KSM_WHY_NR; i++)
		w->anon_pages += w->pages[i];
	w->full_scans = scans0 >= 0 && knob("full_scans") >= scans0 ?
			knob("full_scans") - scans0 : -1;
	nall = ksm_proc_scan(root, rmap_item_size, &all);
	for (i = 0; nall > 0 && i < (size_t)nall; i++)
		w->items_all += all[i].rmap_items;
	free(all);
	w->pass_s = -1;
	if (w->knob_run == 1 &&
	    !ksm_scan_model(w->items_all > w->mergeable_all ? w->items_all :
			    w->mergeable_all, w->pages_to_scan, w->sleep_ms, 0,
			    &cost))
		w->pass_s = cost.pass_s;
	w->bytes_read = r.bytes;
	err = 0;
out:
	free(areas);
	free(tg.pages);
	free(tg.addrs);
	free(pp.vs);
	free(tg.ksm);
	ksm_why_table_free(pp.t);
	free(r.buf);
	if (r.kflags >= 0)
		close(r.kflags);
	if (r.kcount >= 0)
		close(r.kcount);
	return err;
}

/* ---- the report ---- */

void ksm_why_lines(const struct ksm_why *w,
		   void (*emit)(void *ctx, const char *line), void *ctx)
{
	long unmerged = w->anon_pages - w->pages[KSM_WHY_MERGED] -
			w->pages[KSM_WHY_ZERO_PAGE];
	char line[256], b[32];
	int i;

	snprintf(line, sizeof(line), "why: pid %d (%s): %ld anonymous pages, "
		 "%ld merged, %ld not merged", w->pid, w->comm, w->anon_pages,
		 w->pages[KSM_WHY_MERGED], unmerged > 0 ? unmerged : 0);
	emit(ctx, line);
	for (i = 0; i < KSM_WHY_NR; i++) {
		if (w->unknown[i])
			snprintf(b, sizeof(b), "unknown");
		else
			snprintf(b, sizeof(b), "%ld", w->pages[i]);
		snprintf(line, sizeof(line), "  %-16s %9s  %s%s%s%s", ksm_why_desc[i].key,
			 b, ksm_why_desc[i].text, w->unknown[i] ? " (" : "",
			 w->unknown[i] ? w->unknown_why[i] : "",
			 w->unknown[i] ? ")" : "");
		emit(ctx, line);
	}
	if (w->pages[KSM_WHY_SKIPPED]) {
		int n = snprintf(line, sizeof(line), "  skipped areas:");

		for (i = 0; i < KSM_SKIP_NR; i++)
			if (w->skipped_kind[i] && n < (int)sizeof(line))
				n += snprintf(line + n, sizeof(line) - n,
					      " %s %ld", ksm_why_skip_names[i],
					      w->skipped_kind[i]);
		emit(ctx, line);
	}
	if (w->pages[KSM_WHY_ZERO_FILLED]) {
		snprintf(line, sizeof(line), "  zero-filled: use_zero_pages %ld: %s",
			 w->use_zero_pages, w->use_zero_pages == 1 ?
			 "ksmd maps them to the zero page when it gets to them" :
			 "they merge with each other into KSM pages, "
			 "max_page_sharing sharers each");
		emit(ctx, line);
	}
	if (w->kpf_ksm_broken)
		emit(ctx, "  note: this kernel's /proc/kpageflags marks every "
		     "anonymous page KSM; merged pages are told by being mapped "
		     "twice or more (see ksm_stat's merging_pages below)");
	snprintf(line, sizeof(line), "areas: %ld, %ld registered (VM_MERGEABLE)%s",
		 w->areas, w->mergeable_areas, w->merge_any == 1 ?
		 "; merge-any (prctl) on" : w->merge_any == 0 ?
		 "; merge-any (prctl) off" : "");
	emit(ctx, line);
	if (w->have_stat)
		snprintf(line, sizeof(line), "ksm_stat: rmap_items %ld (pages "
			 "ksmd tracks), merging_pages %ld, zero_pages %ld, "
			 "profit %s", w->stat.rmap_items, w->stat.merging_pages,
			 w->stat.zero_pages, ksm_fmt_bytes((double)w->stat.profit,
							   b, sizeof(b)));
	else
		snprintf(line, sizeof(line), "ksm_stat: none (kernel before "
			 "5.19, or not readable)");
	emit(ctx, line);
	if (w->knob_run != 1)
		snprintf(line, sizeof(line), "ksmd: run %ld: it does not scan, "
			 "nothing new merges", w->knob_run);
	else
		snprintf(line, sizeof(line), "ksmd: run 1, pages_to_scan %ld, "
			 "sleep_millisecs %ld: a full pass over %ld pages takes "
			 "about %.1f s; %ld full scans in the %.1f s read",
			 w->pages_to_scan, w->sleep_ms,
			 w->items_all > w->mergeable_all ? w->items_all :
			 w->mergeable_all, w->pass_s,
			 w->full_scans, w->interval);
	emit(ctx, line);
	snprintf(line, sizeof(line), "read: %s of page contents, %ld other "
		 "processes with mergeable areas", ksm_fmt_bytes((double)w->bytes_read,
								b, sizeof(b)),
		 w->partner_procs);
	emit(ctx, line);
}

void ksm_why_json(FILE *f, const struct ksm_why *w, const char *events)
{
	int i, first;

	fprintf(f, "{\"pid\":%d,\"comm\":", w->pid);
	ksm_json_str(f, w->comm);
	fprintf(f, ",\"interval_s\":%.3f,\"anon_pages\":%ld,\"reasons\":{",
		w->interval, w->anon_pages);
	for (i = 0; i < KSM_WHY_NR; i++) {
		if (w->unknown[i])
			fprintf(f, "%s\"%s\":null", i ? "," : "",
				ksm_why_desc[i].key);
		else
			fprintf(f, "%s\"%s\":%ld", i ? "," : "",
				ksm_why_desc[i].key, w->pages[i]);
	}
	fprintf(f, "},\"unknown\":{");
	for (i = 0, first = 1; i < KSM_WHY_NR; i++)
		if (w->unknown[i]) {
			fprintf(f, "%s\"%s\":", first ? "" : ",",
				ksm_why_desc[i].key);
			ksm_json_str(f, w->unknown_why[i]);
			first = 0;
		}
	fprintf(f, "},\"skipped\":{");
	for (i = 0; i < KSM_SKIP_NR; i++)
		fprintf(f, "%s\"%s\":%ld", i ? "," : "", ksm_why_skip_names[i],
			w->skipped_kind[i]);
	fprintf(f, "},\"areas\":%ld,\"mergeable_areas\":%ld,\"merge_any\":%s",
		w->areas, w->mergeable_areas, w->merge_any < 0 ? "null" :
		w->merge_any ? "true" : "false");
	if (w->have_stat)
		fprintf(f, ",\"ksm_stat\":{\"rmap_items\":%ld,\"merging_pages\":%ld,"
			"\"zero_pages\":%ld,\"profit\":%ld}", w->stat.rmap_items,
			w->stat.merging_pages, w->stat.zero_pages, w->stat.profit);
	else
		fprintf(f, ",\"ksm_stat\":null");
	fprintf(f, ",\"ksmd\":{\"run\":%ld,\"pages_to_scan\":%ld,"
		"\"sleep_millisecs\":%ld,\"use_zero_pages\":%ld,"
		"\"max_page_sharing\":%ld,\"merge_across_nodes\":%ld,"
		"\"full_scans\":%ld,\"rmap_items_all\":%ld,"
		"\"mergeable_pages_all\":%ld,\"pass_s\":",
		w->knob_run, w->pages_to_scan, w->sleep_ms, w->use_zero_pages,
		w->max_page_sharing, w->merge_across_nodes, w->full_scans,
		w->items_all, w->mergeable_all);
	if (w->pass_s >= 0)
		fprintf(f, "%.3f}", w->pass_s);
	else
		fprintf(f, "null}");
	fprintf(f, ",\"kpf_ksm_broken\":%s,\"partner_processes\":%ld,"
		"\"bytes_read\":%lld,\"events\":%s}\n",
		w->kpf_ksm_broken ? "true" : "false", w->partner_procs,
		w->bytes_read, events ? events : "null");
}

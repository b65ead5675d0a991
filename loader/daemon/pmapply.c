// SPDX-License-Identifier: GPL-2.0
/* Path-manager settings in the namespaces of enforced cgroups, and back. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/mptcp.h>
#include "log.h"
#include "pmapply.h"
#include "pmconfig.h"
#include "pmreport.h"
#include "state.h"
#include "core/growarray.h"
#include "core/netns.h"

#define MAX_DEV_ADDRESSES 8
#define MAX_DUMP 256

static struct pm_applied *find(struct pm_table *t, __u64 netns)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (t->v[i].netns == netns)
			return &t->v[i];
	return NULL;
}

static struct pm_applied *add(struct pm_table *t, __u64 netns, int selector, const char *rel)
{
	struct pm_applied *a;

	if (growarray_reserve(t->v, t->cap, t->n + 1))
		return NULL;
	a = &t->v[t->n];
	memset(a, 0, sizeof(*a));
	a->rel = strdup(rel);
	if (!a->rel)
		return NULL;
	a->netns = netns;
	a->fd = -1;
	a->selector = selector;
	a->sweep = t->sweep;
	a->want = -1;
	a->what = "applied";
	t->n++;
	return a;
}

static void failed(struct pm_applied *a, int err, const char *what)
{
	if (a->err)
		return; /* the first says most */
	a->err = err;
	a->what = what;
}

/* Endpoint ids present now, as a bitmap of 256. */
static int ids_now(struct pm_conn *c, __u8 ids[32])
{
	struct pm_endpoint *eps = calloc(MAX_DUMP, sizeof(*eps));
	size_t i, n = 0;
	int err;

	memset(ids, 0, 32);
	err = eps ? pm_get_endpoints(c, eps, MAX_DUMP, &n) : -ENOMEM;
	for (i = 0; !err && i < n && i < MAX_DUMP; i++)
		ids[eps[i].id / 8] |= (__u8)(1 << (eps[i].id % 8));
	free(eps);
	return err;
}

static void add_endpoint(struct pm_applied *a, struct pm_conn *c, struct pm_endpoint *ep)
{
	int err = pm_add_endpoint(c, ep);

	/* There already: the operator's, not the daemon's to remove later. */
	if (err && err != -EEXIST)
		failed(a, err, "adding an endpoint");
}

static void add_endpoints(struct pm_applied *a, struct pm_conn *c, const struct pm_config *pm)
{
	struct pm_endpoint addrs[MAX_DEV_ADDRESSES], ep;
	int ifindex = 0, n, j;
	size_t i;

	for (i = 0; i < pm->nendpoints; i++) {
		const struct pm_endpoint_config *e = &pm->endpoints[i];

		if (e->dev[0]) {
			ifindex = pm_ifindex(c, e->dev);
			if (ifindex < 0) {
				failed(a, ifindex, "no such device in the namespace");
				continue;
			}
		}
		if (e->has_address) {
			ep = e->ep;
			ep.ifindex = e->dev[0] ? ifindex : 0;
			add_endpoint(a, c, &ep);
			continue;
		}
		n = pm_dev_addresses(a->fd, e->dev, addrs, MAX_DEV_ADDRESSES);
		if (n <= 0)
			failed(a, n < 0 ? n : -EADDRNOTAVAIL, "the device has no address");
		for (j = 0; j < n; j++) {
			ep = addrs[j];
			ep.flags = e->ep.flags;
			ep.ifindex = ifindex;
			add_endpoint(a, c, &ep);
		}
	}
}

/* Save what the namespace has, then set what @pm says. */
static void apply(struct pm_applied *a, const struct pm_config *pm)
{
	__u8 *before = a->ids_before, after[32];
	struct pm_limits l;
	struct pm_conn c;
	const char *why;
	int err, id;

	err = pm_connect(&c, a->fd, &why);
	if (err) {
		failed(a, err, why);
		return;
	}
	err = pm_get_limits(&c, &a->before);
	if (!err)
		err = ids_now(&c, before);
	if (err) {
		failed(a, err, "reading the path manager");
		pm_disconnect(&c);
		return;
	}
	if (pm->has_subflows || pm->has_add_addr) {
		l = a->before;
		if (pm->has_subflows)
			l.subflows = pm->limits.subflows;
		if (pm->has_add_addr)
			l.add_addr_accepted = pm->limits.add_addr_accepted;
		err = pm_set_limits(&c, &l);
		if (err)
			failed(a, err, "setting the limits");
		a->limits_set = !err;
	}
	add_endpoints(a, &c, pm);
	/* Ours are the ids that were not there before. */
	if (!ids_now(&c, after))
		for (id = 0; id < 256 && a->nadded < sizeof(a->added); id++)
			if ((after[id / 8] & ~before[id / 8]) & (1 << (id % 8)))
				a->added[a->nadded++] = (__u8)id;
	pm_disconnect(&c);
}

/*
 * Remove the endpoints the kernel made itself (implicit: the local address
 * of a subflow to an announced one) that were not there before: a
 * consequence of the limits, gone with them.
 */
static void drop_implicit(struct pm_applied *a, struct pm_conn *c)
{
	struct pm_endpoint *eps = calloc(MAX_DUMP, sizeof(*eps));
	size_t i, n = 0;

	if (!eps || pm_get_endpoints(c, eps, MAX_DUMP, &n))
		n = 0;
	for (i = 0; i < n && i < MAX_DUMP; i++)
		if ((eps[i].flags & MPTCP_PM_ADDR_FLAG_IMPLICIT) &&
		    !(a->ids_before[eps[i].id / 8] & (1 << (eps[i].id % 8))))
			pm_del_endpoint(c, eps[i].id);
	free(eps);
}

/* What was there before, the namespace kept open: 1 (put back), 0 (none), -errno. */
static int undo(struct pm_applied *a)
{
	const char *why = NULL;
	struct pm_conn c;
	int err = 0;
	size_t i;

	if (a->fd < 0 || (!a->limits_set && !a->nadded))
		return 0;
	err = pm_connect(&c, a->fd, &why);
	for (i = 0; !err && i < a->nadded; i++)
		pm_del_endpoint(&c, a->added[i]);
	if (!err)
		drop_implicit(a, &c);
	if (!err && a->limits_set)
		err = pm_set_limits(&c, &a->before);
	if (c.nl)
		pm_disconnect(&c);
	a->limits_set = false;
	a->nadded = 0;
	return err ? err : 1;
}

/* As it was, and closed: 1 (put back), 0 (nothing to), or -errno. */
static int restore(struct pm_applied *a)
{
	int err = undo(a);

	if (err)
		log_event(err < 0 ? LOG_ERR : LOG_INFO, "path-manager-restore", "cgroup", a->rel,
			  "error", err < 0 ? strerror(-err) : NULL, NULL);
	if (a->fd >= 0)
		close(a->fd);
	free(a->rel);
	return err;
}

/* Restored, and shown so where it had been applied or something was put back. */
static void restored(struct state *r, struct pm_applied *a)
{
	int err = restore(a);

	if (err || !a->err)
		pmreport_restored(&r->pm->report, a->netns, err < 0 ? err : 0);
}

/* Set the block of selector @sel in @a's namespace, entered through a->ns. */
static void attempt(struct state *r, struct pm_applied *a, int sel)
{
	const struct selector *s = &r->cfg.selectors[sel];

	a->err = 0;
	a->what = "applied";
	a->selector = sel;
	a->matched = true;
	a->tried = r->pm->sweep;
	memcpy(&a->cfg, s->pm, sizeof(a->cfg));
	if (a->ns.host && !s->pm->host_namespace) {
		if (a->fd >= 0)
			close(a->fd); /* nothing of ours there to put back */
		a->fd = -1;
		failed(a, -EPERM, "the host's namespace (host-namespace is not set)");
		return;
	}
	if (a->fd < 0)
		a->fd = netns_open(&a->ns);
	if (a->fd < 0) {
		failed(a, a->fd, "its process has gone");
		a->fd = -1;
		return;
	}
	apply(a, s->pm);
}

/* Logged when the result is new or another than before, not at each try. */
static void report(struct state *r, struct pm_applied *a, int was_err, const char *was,
		   const char *why)
{
	char ino[32];

	if (was && was_err == a->err && !strcmp(was, a->what))
		return;
	a->since = time(NULL);
	r->version++; /* for /metrics */
	snprintf(ino, sizeof(ino), "%llu", (unsigned long long)a->netns);
	log_event(a->err ? LOG_WARNING : LOG_INFO, "path-manager", "cgroup", a->rel, "selector",
		  r->cfg.selectors[a->selector].name, "netns", ino, "result", a->what, "why", why,
		  "errno", a->err ? strerror(-a->err) : NULL, NULL);
}

/*
 * A namespace of @rel's processes: a new one is set now; a known one is
 * noted, and settled at the end of the sweep (settle()), when every
 * selector that finds it has.
 */
static void visit_ns(struct state *r, const struct netns_found *ns, int sel, __u64 cgid,
		     const char *rel)
{
	const struct selector *s = &r->cfg.selectors[sel];
	struct pm_applied *a = find(r->pm, ns->ino);

	pmreport_pair(&r->pm->report, cgid, ns->ino);
	if (!a) {
		a = add(r->pm, ns->ino, sel, rel);
		if (!a)
			return;
		a->ns = *ns;
		attempt(r, a, sel);
		report(r, a, 0, NULL, "found");
		return;
	}
	if (a->sweep != r->pm->sweep) {
		a->sweep = r->pm->sweep;
		a->matched = false;
		a->want = -1;
	}
	if (a->matched)
		return;
	/* The parser zeroes a block and sets its fields: equal blocks are equal bytes. */
	if (!memcmp(&a->cfg, s->pm, sizeof(a->cfg))) {
		a->matched = true;
		a->selector = sel; /* its index in this configuration, after a reload */
		a->ns = *ns;
	} else if (a->want < 0) {
		a->want = sel;
		a->ns = *ns;
	}
}

/* Again, restored first: @sel's block, now. */
static void redo(struct state *r, struct pm_applied *a, int sel, const char *why)
{
	/* Another block is news whatever its result; a retry, only a new result. */
	const char *was = a->matched ? a->what : NULL;
	int was_err = a->err;
	int err = undo(a);

	if (err < 0) {
		/* What was set cannot be taken back: not set over it either. */
		a->err = err;
		a->what = "restoring before setting anew";
		report(r, a, was_err, was, why);
		return;
	}
	attempt(r, a, sel);
	report(r, a, was_err, was, why);
}

/*
 * The known namespaces found this sweep: set anew where no selector that
 * found it has the block it was set from (a reload changed it); on a full
 * pass, tried again where refused, at most once a pass.
 */
static void settle(struct state *r, bool full)
{
	struct pm_applied *a;
	size_t i;

	for (i = 0; i < r->pm->n; i++) {
		a = &r->pm->v[i];
		if (a->sweep != r->pm->sweep)
			continue;
		if (!a->matched && a->want >= 0)
			redo(r, a, a->want, "its selector's block changed");
		else if (a->matched && a->err && full && a->tried != r->pm->sweep)
			redo(r, a, a->selector, "retry");
	}
}

struct lookup {
	const struct state *r;
	struct idmap by_netns; /* netns -> struct pm_applied */
};

/* What `stats` shows of a namespace: its result now. */
static bool result_of(void *ctx, __u64 netns, struct pmresult_val *v)
{
	const struct lookup *l = ctx;
	const struct pm_applied *a = idmap_get(&l->by_netns, netns);

	if (!a)
		return false;
	memset(v, 0, sizeof(*v));
	v->result = a->err ? PMRESULT_REFUSED : PMRESULT_APPLIED;
	v->err = -a->err;
	v->since = (__u64)a->since;
	if (a->selector >= 0 && a->selector < l->r->cfg.nselectors)
		snprintf(v->selector, sizeof(v->selector), "%s",
			 l->r->cfg.selectors[a->selector].name);
	if (a->err)
		snprintf(v->step, sizeof(v->step), "%s", a->what);
	return true;
}

static void publish(struct state *r)
{
	struct lookup l = {.r = r};
	size_t i;

	for (i = 0; i < r->pm->n; i++)
		if (idmap_put(&l.by_netns, r->pm->v[i].netns, &r->pm->v[i]))
			break; /* memory short: shown as before */
	if (i == r->pm->n)
		pmreport_publish(&r->pm->report, r, result_of, &l);
	idmap_free(&l.by_netns);
}

void pmapply_sweep(struct state *r, bool full)
{
	struct netns_found *found;
	char path[PATH_MAX * 2];
	const struct owned *o;
	size_t it, i, n;
	void *val;
	__u64 key;

	if (!r->pm) {
		for (i = 0; i < (size_t)r->cfg.nselectors && !r->cfg.selectors[i].pm; i++)
			;
		if (i == (size_t)r->cfg.nselectors)
			return; /* nothing to apply, nothing applied */
		r->pm = calloc(1, sizeof(*r->pm));
		if (!r->pm)
			return;
	}
	r->pm->sweep++;
	r->pm->report.npairs = 0;
	for (it = 0; idmap_next(&r->owned, &it, &key, &val);) {
		o = val;
		if (o->selector < 0 || o->selector >= r->cfg.nselectors ||
		    !r->cfg.selectors[o->selector].pm)
			continue;
		snprintf(path, sizeof(path), "%s%s", r->cgroup2, o->rel);
		if (netns_of_cgroup(path, &found, &n))
			continue; /* gone meanwhile */
		for (i = 0; i < n; i++)
			visit_ns(r, &found[i], o->selector, key, o->rel);
		free(found);
	}
	settle(r, full);
	/* Where no selected process is left: as it was. */
	for (i = 0; i < r->pm->n;) {
		if (r->pm->v[i].sweep == r->pm->sweep) {
			i++;
			continue;
		}
		restored(r, &r->pm->v[i]);
		r->pm->v[i] = r->pm->v[--r->pm->n];
		r->version++; /* for /metrics */
	}
	publish(r);
}

void pmapply_free(struct state *r, bool undo)
{
	size_t i;

	if (!r->pm)
		return;
	for (i = 0; i < r->pm->n; i++) {
		if (undo) {
			restored(r, &r->pm->v[i]);
		} else {
			if (r->pm->v[i].fd >= 0)
				close(r->pm->v[i].fd);
			free(r->pm->v[i].rel);
		}
	}
	if (undo) {
		r->pm->n = 0;
		r->pm->report.npairs = 0;
		publish(r); /* the rows of cgroups whose entries stay: restored */
	}
	pmreport_free(&r->pm->report);
	free(r->pm->v);
	free(r->pm);
	r->pm = NULL;
}

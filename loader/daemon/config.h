/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The daemon's YAML configuration (see README, "Daemon"), read with libyaml.
 * Every error names FILE:LINE:COLUMN of the offending node.
 *
 *   resync: 60              # seconds between full reconciles
 *   cgroup-metrics: all     # per-cgroup series: all, pods (summed per pod) or off
 *   profiles:               # named subflow profiles: rules as for "subflow set"
 *     NAME: ["RULE", ...]
 *   selectors:              # first match wins, in this order
 *     - name: NAME          # metric label; unique
 *       cgroup: GLOB        # or unit: GLOB, pod: {...}, container: ID
 *       mode: rewrite       # rewrite (default), audit or exclude
 *       on-incompatible: keep  # or exclude: TCP after an option was refused
 *       subflow: PROFILE    # optional
 *       path-manager: {...} # optional: MPTCP path manager of its namespaces (pmconfig.h)
 */
#ifndef MPTCPIFY_CONFIG_H
#define MPTCPIFY_CONFIG_H

#include <limits.h>
#include <stddef.h>
#include <linux/types.h>
#include "mptcpify.h"

struct pm_config;

#define CONFIG_NAME_MAX 64
#define CONFIG_DEFAULT_RESYNC 60

enum selector_kind {
	SELECTOR_CGROUP,    /* glob on the path below the cgroup2 mount */
	SELECTOR_UNIT,	    /* glob on a systemd unit name */
	SELECTOR_POD,	    /* Kubernetes pod: namespace/name globs, or UID */
	SELECTOR_CONTAINER, /* container ID, or a prefix of at least 12 */
};

/*
 * How much the per-cgroup metric families say, as --cgroup-metrics spells
 * it: a series per enforced cgroup, labelled with its path; a series per
 * pod, its cgroups summed, with no path (a pod's count of series, not its
 * cgroups'); or none. The selectors' families are there in every case.
 */
enum cgroup_metrics {
	CGROUP_METRICS_ALL, /* the default */
	CGROUP_METRICS_PODS,
	CGROUP_METRICS_OFF,
};

/* "all", "pods" or "off": 0, or -EINVAL for any other word. */
int config_cgroup_metrics_parse(const char *s, enum cgroup_metrics *out);
const char *config_cgroup_metrics_name(enum cgroup_metrics m);

struct selector {
	char name[CONFIG_NAME_MAX];
	enum selector_kind kind;
	char *pattern;			     /* cgroup, unit or container; NULL for pod */
	char pod_namespace[CONFIG_NAME_MAX]; /* glob; "" matches any */
	char pod_name[256];		     /* glob; "" matches any */
	char pod_uid[40];		     /* with dashes, lower case; "" for any */
	__u32 mode;			     /* enum mptcpify_mode */
	__u32 flags;			     /* MPTCPIFY_PROTECT: on-incompatible: exclude */
	int profile;			     /* index in config.profiles, or -1 */
	struct pm_config *pm;		     /* path-manager: NULL when none */
	int line;			     /* where it was declared */
};

struct profile_config {
	char name[CONFIG_NAME_MAX];
	struct mptcpify_profile prof;
};

struct config {
	char path[PATH_MAX];
	unsigned int resync_s;
	enum cgroup_metrics cgroup_metrics;
	int nselectors;
	struct selector *selectors;
	int nprofiles;
	struct profile_config *profiles;
	/* selector.c's lookup table, made at the first match: one allocation. */
	void *index;
};

/*
 * Parse @len bytes of YAML named @source in messages. @available_cc as for
 * rules_parse(). Returns 0, or -EINVAL with "SOURCE:LINE:COL: what" in @err.
 * *out is only valid on success; release it with config_free().
 */
int config_parse(const char *text, size_t len, const char *source, const char *available_cc,
		 struct config *out, char *err, size_t errlen);

/* The same for a file. -errno with a message when it cannot be read. */
int config_load(const char *path, const char *available_cc, struct config *out, char *err,
		size_t errlen);

void config_free(struct config *c);

/* The links (bits of enum pins_link) that the selectors of @c need. */
unsigned int config_links(const struct config *c);

#endif

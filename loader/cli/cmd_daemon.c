// SPDX-License-Identifier: GPL-2.0
/* mptcpify daemon: the command line of daemon/. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "cmd.h"
#include "core/output.h"
#include "daemon/daemon.h"
#include "daemon/service.h"

/*
 * How long `daemon --reload` (the unit's ExecReload=) waits for the daemon
 * to apply a file: systemd's own default for a job, as a reload that loads
 * programs on a busy node may take more than seconds.
 */
#define RELOAD_WAIT_S 90

static void check_plain(json_t *res)
{
	printf("%s: %lld selectors, %lld profiles: ok\n",
	       json_string_value(json_object_get(res, "config")),
	       json_integer_value(json_object_get(res, "selectors")),
	       json_integer_value(json_object_get(res, "profiles")));
}

int cmd_daemon(const struct cmd_args *a)
{
	struct daemon_opts o = {
		.config = a->config ? a->config : DAEMON_DEFAULT_CONFIG,
		.metrics = a->metrics ? a->metrics : DAEMON_DEFAULT_METRICS,
		.pods_dir = a->pods_dir ? a->pods_dir : DAEMON_DEFAULT_PODS_DIR,
		.pin_dir = a->pin_dir,
		.cleanup = a->cleanup,
		.cgroup_metrics = !a->cgroup_metrics || !strcmp(a->cgroup_metrics, "all"),
	};
	struct config cfg;
	char why[600];
	int rc;

	if (a->reload) {
		rc = service_request_reload(RELOAD_WAIT_S, why, sizeof(why));
		if (!rc)
			return EXIT_OK;
		p_err(rc == -ECANCELED || rc == -EINVAL ? 0 : -rc,
		      rc == -ECANCELED ? "the daemon keeps its configuration; fix the file" : NULL,
		      "reload %s: %s", rc == -ECANCELED ? "refused" : "failed", why);
		return EXIT_FAIL;
	}
	rc = daemon_load_config(&o, &cfg);
	if (rc)
		return rc;
	if (a->check) {
		emit(json_pack("{s:o, s:i, s:i}", "config", json_text(o.config), "selectors",
			       cfg.nselectors, "profiles", cfg.nprofiles),
		     check_plain);
		config_free(&cfg);
		return EXIT_OK;
	}
	if (cmd_need_root()) {
		config_free(&cfg);
		return EXIT_FAIL;
	}
	return daemon_run(&o, &cfg);
}

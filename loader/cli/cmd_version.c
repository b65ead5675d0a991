// SPDX-License-Identifier: GPL-2.0
/* mptcpify version: this build, and the BPF object it carries. */
#include <stdio.h>
#include <bpf/libbpf.h>
#include "cmd.h"
#include "core/lifecycle.h"
#include "core/output.h"

static void version_plain(json_t *v)
{
	printf("mptcpify %s (libbpf %s, BPF object %s)\n",
	       json_string_value(json_object_get(v, "version")),
	       json_string_value(json_object_get(v, "libbpf")),
	       json_string_value(json_object_get(v, "build_id")));
}

/* mptcpify version: this build, and the hash of its BPF object that pins record. */
int cmd_version(const struct cmd_args *a)
{
	char id[17];

	(void)a;
	snprintf(id, sizeof(id), "%016llx", (unsigned long long)lifecycle_build_id());
	emit(json_pack("{s:s, s:s, s:s}", "version", MPTCPIFY_VERSION, "libbpf",
		       libbpf_version_string(), "build_id", id),
	     version_plain);
	return EXIT_OK;
}

// SPDX-License-Identifier: GPL-2.0
/* libFuzzer: the daemon's configuration parser, limits and all. */
#include <stddef.h>
#include <stdint.h>
#include "daemon/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config cfg;
	char err[512];

	if (!config_parse((const char *)data, size, "fuzz", "reno cubic", &cfg, err, sizeof(err)))
		config_free(&cfg);
	return 0;
}

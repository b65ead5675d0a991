// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer: subflow rules. Whatever parses must print back to a text that
 * parses to the same rule: rules_format() and rules_parse() agree.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "core/rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mptcpify_rule rule, again;
	char *text, err[256], printed[512];

	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (!rules_parse(text, "reno cubic bbr", &rule, err, sizeof(err))) {
		if (rules_format(&rule, printed, sizeof(printed)) < 0)
			abort();
		if (rules_parse(printed, "reno cubic bbr", &again, err, sizeof(err)) ||
		    memcmp(&rule, &again, sizeof(rule)))
			abort();
	}
	free(text);
	return 0;
}

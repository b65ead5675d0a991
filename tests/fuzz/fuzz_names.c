// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer: names from the node, which users may choose: cgroup paths
 * (their layouts), /var/log/pods entries, pod UIDs, and their escaping,
 * which must give printable UTF-8 whatever came in.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "core/escape.h"
#include "daemon/classify.h"

/* Valid UTF-8, with no control character. */
static void check_printable(const unsigned char *s)
{
	size_t n, i;

	for (; *s; s += n) {
		if (*s < 0x20 || *s == 0x7f)
			abort();
		n = *s < 0x80 ? 1 : *s < 0xe0 ? 2 : *s < 0xf0 ? 3 : 4;
		if (*s >= 0x80 && (*s < 0xc2 || *s > 0xf4))
			abort();
		for (i = 1; i < n; i++)
			if ((s[i] & 0xc0) != 0x80)
				abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text, out[512], uid[POD_UID_LEN + 1];
	struct cgroup_kind k;
	struct pod pod;

	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	classify_cgroup(text, &k);
	if (k.unit && (k.unit < text || k.unit > text + size))
		abort();
	if (!pod_from_log_dir(text, &pod) && strlen(pod.uid) != POD_UID_LEN)
		abort();
	if (!pod_uid_normalize(text, size, uid) && strlen(uid) != POD_UID_LEN)
		abort();
	check_printable((const unsigned char *)escape_text(text, out, sizeof(out)));
	free(text);
	return 0;
}

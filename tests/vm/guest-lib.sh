# shellcheck shell=sh
# Helpers for the VM cases, installed in the guest as /usr/bin/mptcpify-guest-lib.sh.
# The guest has busybox, ip, ss and our static programs; no jq, so counters
# are picked out of the JSON with grep.

CG2=/sys/fs/cgroup
# shellcheck source=tap.sh
. "${TAP_SH:-/tap.sh}"
# shellcheck source=topology.sh
. /usr/bin/mptcpify-topology.sh

# stat_of CGROUP COUNTER: one counter from `mptcpify -j stats CGROUP`.
stat_of() {
	mptcpify -j stats "$1" | grep -o "\"$2\":[0-9]*" | cut -d: -f2
}

verdict() {
	mptcpify -j probe | grep -o '"verdict":"[a-z ]*"' | cut -d'"' -f4
}

# The rewrite cases need the hook: on 6.1 they say why they skip.
need_rewrite() {
	if [ "$(verdict)" != rewrite ]; then
		skip "$1" "kernel $(uname -r) cannot rewrite: $(mptcpify -j probe |
			grep -o '"reason":"[^"]*"' | cut -d'"' -f4)"
		exit 0
	fi
}

# Every case keeps its cgroups below $T; this leaves nothing for the next.
T=$CG2/t
case_cleanup() {
	mptcpify unload >/dev/null 2>&1
	if [ -d "$T" ]; then
		find "$T" -depth -type d -exec rmdir {} \; 2>/dev/null
	fi
}

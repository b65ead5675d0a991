# shellcheck shell=sh
# Helpers for the VM cases, installed in the guest as /usr/bin/mptcpify-guest-lib.sh.
# The guest has busybox, ip, ss and our static programs; no jq, so counters
# are picked out of the JSON with grep.

CG2=/sys/fs/cgroup
# shellcheck source=tap.sh
. "${TAP_SH:-/tap.sh}"

# stat_of CGROUP COUNTER: one counter from `mptcpify -j stats CGROUP`.
stat_of() {
	mptcpify -j stats "$1" | grep -o "\"$2\":[0-9]*" | cut -d: -f2
}

# in_cg CGROUP CMD...: CMD as a new process inside CGROUP.
in_cg() {
	_cg=$1
	shift
	sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$_cg" "$@"
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

# two_paths: namespaces cli and srv joined by two veth pairs (10.0.1.0/24 and
# 10.0.2.0/24). The server announces its second address (ip mptcp endpoint
# ... signal) so an MPTCP client opens a second subflow over the second pair.
two_paths() {
	ip netns add cli && ip netns add srv || return 1
	for i in 1 2; do
		ip link add "c$i" netns cli type veth peer name "s$i" netns srv || return 1
		ip -n cli addr add "10.0.$i.1/24" dev "c$i"
		ip -n srv addr add "10.0.$i.2/24" dev "s$i"
		ip -n cli link set "c$i" up
		ip -n srv link set "s$i" up
	done
	ip -n cli link set lo up
	ip -n srv link set lo up
	ip -n srv mptcp endpoint add 10.0.2.2 dev s2 signal &&
		ip -n srv mptcp limits set subflows 2 add_addr_accepted 2 &&
		ip -n cli mptcp limits set subflows 2 add_addr_accepted 2
}

two_paths_cleanup() {
	ip netns del cli 2>/dev/null
	ip netns del srv 2>/dev/null
}

# start_server CGROUP: an unmodified TCP server on port 8080 of every address
# of srv (the second subflow joins on the announced 10.0.2.2),
# inside CGROUP, in the background; returns once it listens. Its report goes
# to stdout when it exits.
start_server() {
	rm -f /tmp/ready
	in_cg "$1" ip netns exec srv mptcp_conn server --ready /tmp/ready 0.0.0.0 8080 &
	_i=0
	while [ ! -e /tmp/ready ] && [ $_i -lt 100 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
}

# Every case keeps its cgroups below $T; this leaves nothing for the next.
T=$CG2/t
case_cleanup() {
	mptcpify unload >/dev/null 2>&1
	if [ -d "$T" ]; then
		find "$T" -depth -type d -exec rmdir {} \; 2>/dev/null
	fi
}

# shellcheck shell=sh
# Test hosts for MPTCP over two paths, shared by the VM cases (installed in
# the guest as /usr/bin/mptcpify-topology.sh) and the host tests.
#
#   cli  c1 10.0.1.1/24 ---- s1 10.0.1.2/24  srv
#        c2 10.0.2.1/24 ---- s2 10.0.2.2/24
#
# Only these namespaces' own addresses are ever used.

# in_cg CGROUP CMD...: CMD as a new process inside CGROUP.
in_cg() {
	_cg=$1
	shift
	sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$_cg" "$@"
}

# paths_links: the two namespaces and their two links, with no MPTCP
# settings: a namespace's limits and endpoints as the kernel made them.
paths_links() {
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
}

paths_setup() {
	paths_links &&
		ip -n srv mptcp limits set subflows 2 add_addr_accepted 2 &&
		ip -n cli mptcp limits set subflows 2 add_addr_accepted 2
}

# two_paths: the server announces 10.0.2.2 (ip mptcp endpoint ... signal);
# the client's second subflow goes c2 -> s2.
two_paths() {
	paths_setup && ip -n srv mptcp endpoint add 10.0.2.2 dev s2 signal
}

# join_paths: the client opens its second subflow itself, from 10.0.2.1 to
# the server's 10.0.1.2. The endpoint names no device (with one the kernel
# binds the subflow to it), so, routed by destination, it leaves by c1;
# policy routing by mark (join_paths_route_mark MARK) sends it out c2.
join_paths() {
	paths_setup && ip -n cli mptcp endpoint add 10.0.2.1 subflow
}

join_paths_route_mark() {
	ip -n cli rule add fwmark "$1" table 100 &&
		ip -n cli route add 10.0.1.0/24 dev c2 table 100
}

two_paths_cleanup() {
	ip netns del cli 2>/dev/null
	ip netns del srv 2>/dev/null
}

# tx_bytes NETNS DEV: bytes sent so far on DEV.
tx_bytes() {
	ip netns exec "$1" cat "/sys/class/net/$2/statistics/tx_bytes"
}

# start_server CGROUP [ARGS...]: an unmodified TCP server on port 8080 of
# every address of srv, inside CGROUP, in the background ($! is the subshell that runs it);
# returns once it listens (true), or once it has exited (false). Its report
# goes to stdout when it exits. Starting it can take seconds on a loaded
# machine: the bound (at least 120 s) is only a hang guard, the server's own
# alarm (300 s) ending it sooner if it hangs.
start_server() {
	_cg=$1
	shift
	rm -f /tmp/mptcpify-ready
	in_cg "$_cg" ip netns exec srv mptcp_conn server "$@" --ready /tmp/mptcpify-ready \
		0.0.0.0 8080 &
	_i=0
	while [ ! -e /tmp/mptcpify-ready ] && kill -0 $! 2>/dev/null && [ $_i -lt 1200 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	[ -e /tmp/mptcpify-ready ]
}

# ss_subflows NETNS: its established TCP sockets (MPTCP subflows among them),
# one line each: ss puts the -i details on a second, indented line.
ss_subflows() {
	ip netns exec "$1" ss -tnie state established 2>/dev/null |
		awk '/^[0-9]/ { if (l) print l; l = $0; next } { l = l " " $0 } END { if (l) print l }'
}

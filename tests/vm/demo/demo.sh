#!/bin/sh
# make demo: what an operator sees, on a real 6.12 kernel. An unmodified
# TCP client and server (plain socket(AF_INET, SOCK_STREAM, 0), statically
# linked) run in a cgroup that mptcpify enforces, over two network paths.
. /usr/bin/mptcpify-guest-lib.sh

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

step mptcpify probe
mptcpify probe

two_paths || exit 1
mkdir -p "$CG2/demo/client" "$CG2/demo/server"
step mptcpify attach demo
mptcpify attach demo || exit 1
step mptcpify list
mptcpify list

step "server and client, plain TCP sockets, inside the demo cgroup"
start_server "$CG2/demo/server" >/tmp/server.out
echo "client: $(in_cg "$CG2/demo/client" ip netns exec cli mptcp_conn client --bytes 4000000 \
	--subflows 2 10.0.1.2 8080)"
wait
echo "server: $(cat /tmp/server.out)"
echo "(protocol 262 is IPPROTO_MPTCP; subflows counts the initial one)"

step "the same client outside the cgroup"
start_server "$CG2/demo/server" >/tmp/server.out
echo "client: $(ip netns exec cli mptcp_conn client 10.0.1.2 8080)"
wait

step mptcpify stats
mptcpify stats
two_paths_cleanup
step mptcpify unload
mptcpify unload

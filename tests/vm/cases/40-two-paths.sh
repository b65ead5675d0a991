#!/bin/sh
# End to end: an unmodified client and server (plain socket(AF_INET,
# SOCK_STREAM, 0)) in enforced cgroups talk MPTCP over two paths. Two network
# namespaces joined by two veth pairs; the server announces its second
# address (ip mptcp endpoint ... signal), the client opens a second subflow.
. /usr/bin/mptcpify-guest-lib.sh
need_rewrite "two-path MPTCP connection"

check "two namespaces, two veth pairs, MPTCP endpoints" two_paths
# ping ends at the first reply: -W (its wait for one) is only a hang guard.
check "path 1 answers" ip netns exec cli ping -c1 -W 60 10.0.1.2
check "path 2 answers" ip netns exec cli ping -c1 -W 60 10.0.2.2

mkdir -p "$T/client" "$T/server"
check "attach the client's cgroup" mptcpify attach "$T/client"
check "attach the server's cgroup" mptcpify attach "$T/server"

start_server "$T/server" >/tmp/server.out
client=$(in_cg "$T/client" ip netns exec cli mptcp_conn client --bytes 1000000 --subflows 2 \
	10.0.1.2 8080 2>&1)
wait
server=$(cat /tmp/server.out)
diag "client: $client"
diag "server: $server"
ss_out=$(ip netns exec cli ss -tniM 2>/dev/null | tr '\n' ' ')
case "$client" in
"protocol=262 fallback=0 subflows=2 bytes=1000000 reply=1000000") ok "the client got MPTCP, no fallback, two subflows" ;;
*) not_ok "the client got MPTCP, no fallback, two subflows" "$client" "$ss_out" ;;
esac
case "$server" in
"protocol=262 fallback=0 subflows="*" bytes=1000000") ok "the server's plain TCP listener accepted MPTCP" ;;
*) not_ok "the server's plain TCP listener accepted MPTCP" "$server" ;;
esac
is "the client's cgroup counted one rewrite" "$(stat_of "$T/client" rewritten)" 1
is "the server's cgroup counted one rewrite (the listener)" "$(stat_of "$T/server" rewritten)" 1

two_paths_cleanup
case_cleanup

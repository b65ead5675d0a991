#!/bin/sh
# End to end: an unmodified client and server (plain socket(AF_INET,
# SOCK_STREAM, 0)) in enforced cgroups talk MPTCP over two paths. Two network
# namespaces joined by two veth pairs; the server announces its second
# address (ip mptcp endpoint ... signal), the client opens a second subflow.
# Both paths are shaped alike, low enough for an emulated guest to fill
# them, so that both carry data: the bytes each carried are counted per path.
. /usr/bin/mptcpify-guest-lib.sh
need_rewrite "two-path MPTCP connection"

check "two namespaces, two veth pairs, MPTCP endpoints" two_paths
# ping ends at the first reply: -W (its wait for one) is only a hang guard.
check "path 1 answers" ip netns exec cli ping -c1 -W 60 10.0.1.2
check "path 2 answers" ip netns exec cli ping -c1 -W 60 10.0.2.2
check "both paths shaped to 4 Mbit/s" sh -c '
	for d in c1 c2; do
		ip netns exec cli tc qdisc add dev $d root tbf rate 4mbit burst 16kb latency 200ms || exit 1
	done'

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

# bytes CG PATH DIR: what CG's closed subflows of PATH carried in DIR.
bytes() {
	mptcpify -j stats "$1" | grep -o "\"$2\":{\"sent\":[0-9]*,\"received\":[0-9]*}" |
		head -n1 | sed "s/.*\"$3\":\([0-9]*\).*/\1/"
}
# bytes_counted CG DIR N: CG's subflows have counted N bytes or more in DIR.
bytes_counted() {
	[ $(($(bytes "$1" initial "$2") + $(bytes "$1" additional "$2"))) -ge "$3" ]
}
# Each subflow counts as it closes, the join maybe after the connection.
check "the client's sent bytes are counted" wait_for 300 bytes_counted "$T/client" sent 1000000
check "the server's received bytes are counted" wait_for 300 bytes_counted "$T/server" received 1000000
ci=$(bytes "$T/client" initial sent) ca=$(bytes "$T/client" additional sent)
si=$(bytes "$T/server" initial received) sa=$(bytes "$T/server" additional received)
diag "client sent: $ci initial, $ca additional; server received: $si initial, $sa additional"
share=$((ca * 100 / (ci + ca)))
check "the additional subflow carried a good part ($share%) of two equal paths' bytes" \
	test "$share" -ge 20 -a "$share" -le 80
# A sender's bytes_acked counts its FIN (and a join's SYN) too: a byte or two.
check "what the server received per path is what the client sent" \
	test $((ci - si)) -ge 0 -a $((ci - si)) -le 2 -a $((ca - sa)) -ge 0 -a $((ca - sa)) -le 2
verdict=$(mptcpify stats "$T/client" | tail -n1)
case "$verdict" in
*"100% MPTCP end to end (1 connections), "[0-9]*"% of bytes over additional subflows") ok "the verdict gives the share of bytes" ;;
*) not_ok "the verdict gives the share of bytes" "$verdict" ;;
esac

two_paths_cleanup
case_cleanup

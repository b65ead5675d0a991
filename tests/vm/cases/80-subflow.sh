#!/bin/sh
# Per-subflow options through the rewrite: an unmodified client and server
# (plain TCP sockets) in enforced cgroups with subflow profiles. The join
# subflow gets a mark and reno, policy routing by the mark sends it out of
# the second pair, and the counters equal the subflows each rule saw.
. /usr/bin/mptcpify-guest-lib.sh
need_rewrite "per-subflow options through the rewrite"

mkdir -p "$T/client" "$T/server"
check "client and server cgroups enforced" sh -c \
	"mptcpify attach $T/client && mptcpify attach $T/server"
check "client profile" mptcpify subflow set "$T/client" \
	"join -> mark 0x20 cc reno user-timeout 5000" "initial -> tos 0x10"
check "server profile" mptcpify subflow set "$T/server" "passive -> priority 6"
# Equal rate limits on both paths, so the scheduler uses both subflows.
paths() {
	join_paths && join_paths_route_mark 0x20 &&
		ip netns exec cli tc qdisc add dev c1 root tbf rate 40mbit burst 64kb latency 100ms &&
		ip netns exec cli tc qdisc add dev c2 root tbf rate 40mbit burst 64kb latency 100ms
}
check "two paths, the join from 10.0.2.1, policy routing by mark 0x20" paths

# ss must see both subflows while the client holds its connection: it looks
# until it does, or the client is gone. The hold is the window for that
# look, 10 s: a few of ss's runs on a loaded machine.
both_subflows() {
	ss_subflows cli >/tmp/ss.out
	grep -q '10.0.2.1:' /tmp/ss.out && grep -q '10.0.1.1:' /tmp/ss.out && return
	! kill -0 "$client_pid" 2>/dev/null
}
before=$(tx_bytes cli c2)
start_server "$T/server" >/tmp/server.out
in_cg "$T/client" ip netns exec cli mptcp_conn client --bytes 2000000 --subflows 2 --hold 10000 \
	--msk-user-timeout 10.0.1.2 8080 >/tmp/client.out &
client_pid=$!
wait_for 120 both_subflows
wait
c2=$(($(tx_bytes cli c2) - before))
diag "client: $(cat /tmp/client.out)" "server: $(cat /tmp/server.out)" "bytes out of c2: $c2"
client=$(cat /tmp/client.out)
case "$client" in
"protocol=262 fallback=0 subflows=2 bytes=2000000 reply=2000000 "*) ok "rewritten to MPTCP, two subflows" ;;
*) not_ok "rewritten to MPTCP, two subflows" "$client" ;;
esac
case "$client" in
*"msk_user_timeout=Protocol not available") ok "TCP_USER_TIMEOUT on the MPTCP socket fails" ;;
*"msk_user_timeout=ok") skip "TCP_USER_TIMEOUT on the MPTCP socket fails" \
	"this kernel accepts it on MPTCP sockets" ;;
*) not_ok "TCP_USER_TIMEOUT on the MPTCP socket fails" "$client" ;;
esac
join=$(grep '10.0.2.1:' /tmp/ss.out)
initial=$(grep '10.0.1.1:' /tmp/ss.out)
case "$join" in
*fwmark:0x20*reno*) ok "the join subflow has the mark and reno" ;;
*) not_ok "the join subflow has the mark and reno" "$join" ;;
esac
case "$initial" in
*fwmark* | *reno*) not_ok "the initial subflow keeps its defaults" "$initial" ;;
"") not_ok "the initial subflow keeps its defaults" "not found in ss" ;;
*) ok "the initial subflow keeps its defaults" ;;
esac
check "the marked subflow left by c2 (> 200 kB of 2 MB)" test "$c2" -gt 200000

rule() { # CGROUP RULE_INDEX FIELD: from subflow show -j, without jq
	mptcpify -j subflow show "$1" | tr '{' '\n' | grep '"rule"' | sed -n "$(($2 + 1))p" |
		grep -o "\"$3\":[0-9]*" | cut -d: -f2
}
is "join rule: matched 1" "$(rule "$T/client" 0 matched)" 1
is "join rule: applied 3 (mark, cc and user-timeout on the subflow)" \
	"$(rule "$T/client" 0 applied)" 3
is "join rule: failed 0" "$(rule "$T/client" 0 failed)" 0
is "initial rule: matched 1" "$(rule "$T/client" 1 matched)" 1
is "passive rule: matched 2" "$(rule "$T/server" 0 matched)" 2

# A congestion control this kernel has not loaded is refused up front.
absent=""
for cc in vegas westwood hybla illinois htcp nv; do
	grep -qw "$cc" /proc/sys/net/ipv4/tcp_available_congestion_control || {
		absent=$cc
		break
	}
done
out=$(mptcpify subflow set "$T/client" "join -> cc $absent" 2>&1)
is "an absent congestion control ($absent) is refused with exit 64" "$?" 64
is "the profile in place is unchanged" "$(rule "$T/client" 0 matched)" 1

# An option refused at run time is counted; the connection carries on.
check "a rule binding joins to a device that does not exist" \
	mptcpify subflow set "$T/client" "join -> dev nosuchdev0"
start_server "$T/server" >/tmp/server.out
client=$(in_cg "$T/client" ip netns exec cli mptcp_conn client --bytes 100000 --subflows 2 \
	10.0.1.2 8080)
wait
case "$client" in
"protocol=262 fallback=0 subflows="*" bytes=100000 reply=100000") ok "the connection carried on" ;;
*) not_ok "the connection carried on" "$client" ;;
esac
is "the failure is counted" "$(rule "$T/client" 0 failed)" 1
check "with its errno" sh -c "mptcpify -j subflow show $T/client | grep -q '\"last_error\":\"No such device\"'"

two_paths_cleanup
case_cleanup

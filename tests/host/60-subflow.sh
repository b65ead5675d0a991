#!/bin/bash
# Per-subflow socket options on the host kernel: sockops runs here, and the
# applications open MPTCP themselves (the rewrite is proven in the VMs).
# Two namespaces joined by two veth pairs; the client's second subflow comes
# from 10.0.2.1 and, routed by destination, would leave by c1.
. "$(dirname "$0")/env.sh"
# shellcheck source=../vm/topology.sh
. "$ROOT/tests/vm/topology.sh"
export PATH=$BUILD/tests:$PATH
trap 'two_paths_cleanup; host_cleanup' EXIT
two_paths_cleanup

mkdir -p "$TESTCG/client" "$TESTCG/server"
check "two namespaces, two veth pairs, a subflow endpoint" join_paths
check "rate-limit both paths equally" sh -c '
	ip netns exec cli tc qdisc add dev c1 root tbf rate 40mbit burst 64kb latency 100ms &&
	ip netns exec cli tc qdisc add dev c2 root tbf rate 40mbit burst 64kb latency 100ms'

# A congestion control this kernel has not loaded is refused up front.
absent=""
for cc in vegas westwood hybla illinois htcp nv; do
	grep -qw "$cc" /proc/sys/net/ipv4/tcp_available_congestion_control || { absent=$cc; break; }
done
out=$("$M" subflow set "$TESTCG/client" "join -> cc $absent" 2>&1)
is "an absent congestion control is refused (exit 64)" "$?" 64
case "$out" in
"Error: rule 1: congestion control '$absent' is not available"*) ok "it says which and why" ;;
*) not_ok "it says which and why" "$out" ;;
esac
check "and nothing was loaded" test ! -e "$MPTCPIFY_PIN_DIR"
out=$("$M" subflow set "$TESTCG/client" "join -> mark" 2>&1)
is "a rule without a value is refused (exit 64)" "$?" 64

check "client profile: mark and reno on joins, TOS on the initial subflow" \
	"$M" subflow set "$TESTCG/client" "join -> mark 0x20 cc reno user-timeout 5000" \
	"initial -> tos 0x10"
check "server profile: priority on every accepted subflow" \
	"$M" subflow set "$TESTCG/server" "passive -> priority 6"
check "the sockops program is pinned" test -e "$MPTCPIFY_PIN_DIR/links/subflow"

# connect: one 4 MB transfer; the client keeps its subflows 1.5 s once both
# are up, and ss looks as soon as it sees both (when, on a loaded machine,
# is anyone's guess: ss is asked until then, or until the client is done).
connect() {
	local client end=$((SECONDS + HANG_S))
	start_server "$TESTCG/server" --proto mptcp >/tmp/mptcpify-server.out
	in_cg "$TESTCG/client" ip netns exec cli mptcp_conn client --proto mptcp --bytes 4000000 \
		--subflows 2 --hold 10000 --msk-user-timeout 10.0.1.2 8080 >/tmp/mptcpify-client.out &
	client=$!
	until ss_subflows cli >/tmp/mptcpify-ss.out &&
		grep -q '10.0.2.1:' /tmp/mptcpify-ss.out && grep -q '10.0.1.1:' /tmp/mptcpify-ss.out; do
		if ! kill -0 "$client" 2>/dev/null || [ "$SECONDS" -ge "$end" ]; then
			break
		fi
		sleep 0.05
	done
	wait
}

before=$(tx_bytes cli c2)
connect
client=$(cat /tmp/mptcpify-client.out)
diag "client: $client"
case "$client" in
"protocol=262 fallback=0 subflows=2 bytes=4000000 reply=4000000 msk_user_timeout="*) ok "an MPTCP connection with two subflows" ;;
*) not_ok "an MPTCP connection with two subflows" "$client" ;;
esac
join=$(grep '10.0.2.1:' /tmp/mptcpify-ss.out)
initial=$(grep '10.0.1.1:' /tmp/mptcpify-ss.out)
diag "join subflow: $join" "initial subflow: $initial"
check "the join subflow carries the mark" grep -q 'fwmark:0x20' <<<"$join"
check "the join subflow runs reno" grep -qw reno <<<"$join"
check "the initial subflow has no mark" bash -c "! grep -q fwmark <<<'$initial'"
check "the initial subflow keeps the default congestion control" \
	bash -c "! grep -qw reno <<<'$initial'"
case "$client" in
*"msk_user_timeout=Protocol not available") ok "TCP_USER_TIMEOUT on the MPTCP socket fails" ;;
*"msk_user_timeout=ok") skip "TCP_USER_TIMEOUT on the MPTCP socket fails" \
	"this kernel accepts it on MPTCP sockets" ;;
*) not_ok "TCP_USER_TIMEOUT on the MPTCP socket fails" "$client" ;;
esac

rule_counter() { # CGROUP RULE FIELD
	"$M" -j subflow show "$1" | jq -r ".profiles[0].rules[$2].$3"
}
is "join rule matched the one join subflow" "$(rule_counter "$TESTCG/client" 0 matched)" 1
is "join rule applied mark, cc and user-timeout" "$(rule_counter "$TESTCG/client" 0 applied)" 3
is "join rule failed nothing (TCP_USER_TIMEOUT applies per subflow)" \
	"$(rule_counter "$TESTCG/client" 0 failed)" 0
is "initial rule matched the initial subflow" "$(rule_counter "$TESTCG/client" 1 matched)" 1
is "passive rule matched both accepted subflows" "$(rule_counter "$TESTCG/server" 0 matched)" 2
is "output flags may follow the subcommand" \
	"$("$M" subflow show "$TESTCG/server" -j | jq -r '.profiles[0].rules[0].matched')" 2
is "stats shows the same counters" \
	"$("$M" -j stats | jq -r "[.subflow_profiles[] | .rules[].matched] | add")" 4

# Policy routing by the mark: the marked join subflow leaves by c2.
c2_plain=$(($(tx_bytes cli c2) - before))
check "policy routing: fwmark 0x20 uses table 100, out of c2" join_paths_route_mark 0x20
before=$(tx_bytes cli c2)
connect
c2_marked=$(($(tx_bytes cli c2) - before))
diag "bytes out of c2: $c2_plain without the route, $c2_marked with it"
check "without the route the join subflow left by c1 (c2 < 100 kB)" test "$c2_plain" -lt 100000
# How much of the 4 MB the join carries depends on how soon it came up (on a
# loaded machine, late): that it carried data out of c2 is what is judged.
check "with it the marked subflow left by c2 (> 100 kB)" test "$c2_marked" -gt 100000
is "counters equal the subflows seen: 2 connections, 2 joins" \
	"$(rule_counter "$TESTCG/client" 0 matched)" 2

# An option refused at run time is counted; the connection carries on.
check "a rule binding joins to a device that does not exist" \
	"$M" subflow set "$TESTCG/client" "join -> dev nosuchdev0"
connect
case "$(cat /tmp/mptcpify-client.out)" in
"protocol=262 fallback=0 subflows="*" bytes=4000000 reply=4000000"*) ok "the connection carried on" ;;
*) not_ok "the connection carried on" "$(cat /tmp/mptcpify-client.out)" ;;
esac
is "the failure is counted" "$(rule_counter "$TESTCG/client" 0 failed)" 1
is "with its errno" "$(rule_counter "$TESTCG/client" 0 last_error)" "No such device"

# The nearest profile follows changes: the program caches which cgroup's
# profile answers for a socket's cgroup, and a profile added nearer, or the
# one that answered deleted, must take effect on the next connection.
matched_by() { # CGROUP CMD...: how many more subflows CGROUP's rule 1 matched
	local cg=$1 before
	shift
	before=$(rule_counter "$cg" 0 matched)
	"$@"
	echo $(($(rule_counter "$cg" 0 matched) - before))
}
check "a profile on the parent too: priority 5 on accepted subflows" \
	"$M" subflow set "$TESTCG" "passive -> priority 5"
is "the server's own profile is nearer: it matched both accepted subflows" \
	"$(matched_by "$TESTCG/server" connect)" 2
is "and the parent's matched none" "$(rule_counter "$TESTCG" 0 matched)" 0
check "clear the server's profile" "$M" subflow clear "$TESTCG/server"
is "the parent's profile answers now: it matched both accepted subflows" \
	"$(matched_by "$TESTCG" connect)" 2
check "a server profile again: priority 7" "$M" subflow set "$TESTCG/server" "passive -> priority 7"
is "the server's new profile answers: it matched both accepted subflows" \
	"$(matched_by "$TESTCG/server" connect)" 2
is "and the parent's no more" "$(rule_counter "$TESTCG" 0 matched)" 2

check "clear the client profile" "$M" subflow clear "$TESTCG/client"
check "clear the server profile" "$M" subflow clear "$TESTCG/server"
check "clear the parent's profile" "$M" subflow clear "$TESTCG"
check "nothing left loaded" test ! -e "$MPTCPIFY_PIN_DIR"
tap_done

#!/bin/bash
# What became of the connections, and what an MPTCP socket refused, on the
# host kernel: the applications open MPTCP themselves (native), audit
# entries watch them, and the counters must equal what each step did. The
# same through the rewrite, with fallback reasons and MSG_OOB, is in the
# VM matrix (tests/vm/cases/85-outcomes.sh).
. "$(dirname "$0")/env.sh"
# shellcheck source=daemon-lib.sh
. "$(dirname "$0")/daemon-lib.sh"
# shellcheck source=../vm/topology.sh
. "$ROOT/tests/vm/topology.sh"
export PATH=$BUILD/tests:$PATH
listener=
trap 'two_paths_cleanup; [ -z "$listener" ] || kill "$listener" 2>/dev/null; daemon_cleanup' EXIT
two_paths_cleanup

# outcome CG NAME: one outcome counter of CG's entry.
outcome() {
	"$M" -j stats "$1" | jq -r ".cgroups[0].outcomes.$2"
}
# refused CG OPTION OP PREDICTED: "count error" of one refused-option entry.
refused() {
	"$M" -j stats "$1" | jq -r --arg o "$2" --arg op "$3" --argjson p "$4" \
		'[.cgroups[0].refused[] | select(.option == $o and .op == $op and .predicted == $p)] |
		 if length == 1 then "\(.[0].count) \(.[0].error)" else "\(length) entries" end'
}

mkdir -p "$TESTCG/native" "$TESTCG/tcp" "$TESTCG/client" "$TESTCG/server"
for cg in native tcp; do
	check "audit $cg" "$M" attach --mode audit "$TESTCG/$cg"
done
# The connections' ends are the daemon's: its metrics must add up too.
{
	echo "selectors:"
	printf '  - {name: %s, cgroup: "%s", mode: audit}\n' client "$(rel "$TESTCG/client")" server "$(rel "$TESTCG/server")"
} >"$CONF"
start_daemon

# --- Options: the refused set is the kernel's, learned by trying. ---
known="TCP_MD5SIG TCP_USER_TIMEOUT TCP_QUICKACK TCP_WINDOW_CLAMP TCP_REPAIR TCP_ULP TCP_SYNCNT
TCP_LINGER2 TCP_MAXSEG SO_ZEROCOPY SO_TXTIME SO_MAX_PACING_RATE SO_PEEK_OFF IP_TTL IP_RECVERR
IP_MTU_DISCOVER IP_PKTINFO"
learned=$("$M" -j probe | jq -r '.refused_options[] | select(.op == "set") | .option')
set_opts=$(for o in $known; do grep -qx "$o" <<<"$learned" && echo "$o"; done | tr '\n' ' ')
learned_get=$("$M" -j probe | jq -r '.refused_options[] | select(.op == "get") | .option')
get_opt=$(for o in $known; do grep -qx "$o" <<<"$learned_get" && echo "$o"; done | head -n1)
diag "this kernel's MPTCP sockets refuse, of those optcheck sets: $set_opts"
check "probe learned TCP_MD5SIG among them (every MPTCP kernel refuses it)" \
	grep -qw TCP_MD5SIG <<<"$set_opts"
check "and not TCP_NODELAY, which MPTCP sockets take" bash -c "! grep -qx TCP_NODELAY <<<'$learned'"

# shellcheck disable=SC2086 # one argument per option
in_cgroup "$TESTCG/native" optcheck --proto mptcp $set_opts TCP_NODELAY >/tmp/mptcpify-opt.out
# TCP refuses getsockopt(TCP_MD5SIG) too: not an MPTCP incompatibility.
in_cgroup "$TESTCG/native" optcheck --proto mptcp --get "$get_opt" TCP_MD5SIG >/tmp/mptcpify-get.out
# shellcheck disable=SC2086
in_cgroup "$TESTCG/tcp" optcheck $set_opts TCP_NODELAY >/tmp/mptcpify-tcp.out
is "optcheck's sockets were MPTCP" "$(head -n1 /tmp/mptcpify-opt.out)" "protocol=262"
is "TCP_NODELAY worked on them" "$(grep '^TCP_NODELAY=' /tmp/mptcpify-opt.out)" "TCP_NODELAY=ok"
n=0
for o in $set_opts; do
	want=$(sed -n "s/^$o=//p" /tmp/mptcpify-opt.out)
	is "$o: refused once, with the errno the application got" \
		"$(refused "$TESTCG/native" "$o" set false)" "1 $want"
	is "$o on TCP in audit: predicted once, same errno" \
		"$(refused "$TESTCG/tcp" "$o" set true)" "1 $want"
	n=$((n + 1))
done
is "nothing else counted as refused" \
	"$("$M" -j stats "$TESTCG/native" | jq '[.cgroups[0].refused[] | select(.op == "set")] | length')" "$n"
is "getsockopt($get_opt) refused, with the kernel's own errno" \
	"$(refused "$TESTCG/native" "$get_opt" get false)" "1 $(sed -n "s/^$get_opt=//p" /tmp/mptcpify-get.out)"
is "getsockopt(TCP_MD5SIG), which TCP refuses as well, is not counted" \
	"$(refused "$TESTCG/native" TCP_MD5SIG get false)" "0 entries"
is "the TCP sockets' own calls did not fail for TCP_MD5SIG as MPTCP's did" \
	"$(grep -c '^TCP_MD5SIG=Protocol not available' /tmp/mptcpify-tcp.out)" 0
verdict=$("$M" stats "$TESTCG/tcp" | tail -n1)
diag "verdict: $verdict"
case "$verdict" in
*"would refuse: "*"TCP_MD5SIG x1"*) ok "the audit verdict names what would break" ;;
*) not_ok "the audit verdict names what would break" "$verdict" ;;
esac

# --- Landlock's TCP rules on an MPTCP socket, against the README's row ---
# A listener on 9000, alive until killed (or for 10 minutes) however long
# Python takes to start here.
python3 -c 'import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 9000)); s.listen(8); time.sleep(600)' >/dev/null 2>&1 &
listener=$!
poll "ss -Hltn 'sport = :9000' | grep -q ."
tcp=$(landlock_tcp 127.0.0.1 8999 9000)
case "$tcp" in
landlock=unavailable*) skip "Landlock's TCP rule on an MPTCP socket" "$tcp" ;;
*)
	is "Landlock's TCP rule holds for a TCP socket" "$tcp" "protocol=6 connect=denied"
	kernel=$(uname -r | cut -d. -f1,2)
	want=$(sed -n "s/^ *| $kernel | denied | \([a-z]*\) |.*/\1/p" "$ROOT/README.md")
	if [ -z "$want" ]; then
		skip "Landlock's TCP rule on an MPTCP socket" "the README has no row for $kernel"
	else
		is "on an MPTCP socket: as the README's limits say for $kernel" \
			"$(landlock_tcp --proto mptcp 127.0.0.1 8999 9000)" "protocol=262 connect=$want"
	fi
	;;
esac
kill "$listener" 2>/dev/null
listener=

# --- Outcomes over two paths. ---
check "two namespaces, two veth pairs, a subflow endpoint" join_paths

# conn SERVER_PROTO CLIENT_PROTO [CLIENT ARGS]: one connection, both ends reported.
conn() {
	local server
	start_server "$TESTCG/server" --proto "$1" >/tmp/mptcpify-server.out
	server=$!
	in_cg "$TESTCG/client" ip netns exec cli mptcp_conn client --proto "$2" --bytes 100000 \
		"${@:3}" 10.0.1.2 8080 >/tmp/mptcpify-client.out
	wait "$server" # not the daemon
	diag "server: $(cat /tmp/mptcpify-server.out)" "client: $(cat /tmp/mptcpify-client.out)"
}

conn tcp mptcp
is "a client against a TCP-only server fell back" "$(outcome "$TESTCG/client" fell_back_active)" 1
is "and was not counted MPTCP" "$(outcome "$TESTCG/client" mptcp_active)" 0
is "the plain server counted nothing" "$(outcome "$TESTCG/server" fell_back_passive)" 0
case "$("$M" stats "$TESTCG/client" | tail -n1)" in
*"0% MPTCP end to end (1 connections), 100% fell back (no MP_CAPABLE from peer)"*)
	ok "the verdict says so, and why" ;;
*) not_ok "the verdict says so, and why" "$("$M" stats "$TESTCG/client")" ;;
esac

conn mptcp tcp
is "an MPTCP listener's plain TCP client is counted" "$(outcome "$TESTCG/server" fell_back_passive)" 1

conn mptcp mptcp --subflows 2 --hold 3000
is "MPTCP end to end, client side" "$(outcome "$TESTCG/client" mptcp_active)" 1
is "MPTCP end to end, server side" "$(outcome "$TESTCG/server" mptcp_passive)" 1
is "the client's join came up" "$(outcome "$TESTCG/client" joins_established)" 1
is "the server accepted it" "$(outcome "$TESTCG/server" joins_established)" 1
is "one connection with two subflows (client)" \
	"$(outcome "$TESTCG/client" 'connections_by_subflows[0:3] | join(",")')" "1,1,0"
is "one connection with two subflows (server)" \
	"$(outcome "$TESTCG/server" 'connections_by_subflows[0:3] | join(",")')" "1,1,0"
# The join closes with its connection; TIME_WAIT ends it in the kernel's time.
wait_for "the client's join closed with the connection" \
	"[ \"\$(outcome '$TESTCG/client' joins_closed)\" = 1 ]"
# Counted closed, it can no more be counted failed.
is "no join failed" "$(outcome "$TESTCG/client" joins_failed)" 0

# A server that takes no additional subflow: the client's join is refused.
ip -n srv mptcp limits set subflows 0 add_addr_accepted 0
conn mptcp mptcp --hold 5000
# The refusal closes the join in the kernel's time, maybe after the client.
wait_for "a join the server refused is counted failed" \
	"[ \"\$(outcome '$TESTCG/client' joins_failed)\" = 1 ]"
is "the connection itself was MPTCP" "$(outcome "$TESTCG/client" mptcp_active)" 2
verdict=$("$M" stats "$TESTCG/client" | tail -n1)
diag "verdict: $verdict"
case "$verdict" in
"         66% MPTCP end to end (3 connections), 33% fell back (no MP_CAPABLE from peer)"*)
	ok "the client's verdict adds up" ;;
*) not_ok "the client's verdict adds up" "$verdict" ;;
esac
is "fallback reasons need fexit: none on this host" \
	"$("$M" -j stats "$TESTCG/client" | jq -c '.cgroups[0].fallback_reasons')" "{}"

# --- Bytes by path: two paths of equal rate, both used. ---
# The client's own endpoint sends its join out c1, beside the first
# subflow (join_paths): the server announces 10.0.2.2 instead, which the
# client reaches by c2, so that each path has its own shaper.
# bytes CG: "initial-sent initial-received additional-sent additional-received".
bytes() {
	"$M" -j stats "$1" | jq -r '.cgroups[0].bytes | "\(.initial.sent) \(.initial.received)
		\(.additional.sent) \(.additional.received)"' | tr -s ' \n\t' ' ' | sed 's/ $//'
}
ip -n srv mptcp limits set subflows 2 add_addr_accepted 2
ip -n cli mptcp endpoint flush
ip -n srv mptcp endpoint add 10.0.2.2 dev s2 signal
for i in 1 2; do
	ip netns exec cli tc qdisc add dev "c$i" root tbf rate 8mbit burst 16kb latency 100ms
done
read -r ci0 cr0 ca0 car0 <<<"$(bytes "$TESTCG/client")"
read -r si0 sr0 sa0 sar0 <<<"$(bytes "$TESTCG/server")"
diag "before: client $ci0 $cr0 $ca0 $car0, server $si0 $sr0 $sa0 $sar0"
conn mptcp mptcp --subflows 2 --bytes 2000000
# Each subflow adds its bytes as it closes: the join may close last.
wait_for "the client's bytes over both paths are counted" \
	"read -r ci cr ca car <<<\"\$(bytes '$TESTCG/client')\"; [ \$((ci - ci0 + ca - ca0)) -ge 2000000 ]"
wait_for "the server's bytes over both paths are counted" \
	"read -r si sr sa sar <<<\"\$(bytes '$TESTCG/server')\"; [ \$((sr - sr0 + sar - sar0)) -ge 2000000 ]"
read -r ci cr ca car <<<"$(bytes "$TESTCG/client")"
read -r si sr sa sar <<<"$(bytes "$TESTCG/server")"
diag "after: client $ci $cr $ca $car, server $si $sr $sa $sar"
# A sender's bytes_acked counts the FIN (and a join's SYN) as well: a byte or two more.
about() { # GOT WANT: within two bytes above
	[ "$1" -ge "$2" ] && [ "$1" -le $(($2 + 2)) ]
}
check "what the client sent on its initial subflow, the server received on it" \
	about "$((ci - ci0))" "$((sr - sr0))"
check "and on the additional one" about "$((ca - ca0))" "$((sar - sar0))"
check "the server's reply came back on the paths it took" \
	about "$((si - si0 + sa - sa0))" "$((cr - cr0 + car - car0))"
share=$(((ca - ca0) * 100 / (ci - ci0 + ca - ca0)))
diag "client: ${share}% of this connection's bytes sent over the additional subflow"
check "the additional subflow carried a good part of them (two equal paths)" \
	test "$share" -ge 20 -a "$share" -le 80
verdict=$("$M" stats "$TESTCG/client" | tail -n1)
case "$verdict" in
*", "[0-9]*"% of bytes over additional subflows") ok "the verdict gives the share of bytes" ;;
*) not_ok "the verdict gives the share of bytes" "$verdict" ;;
esac

# The same counts as Prometheus series, per selector (a scrape is a second
# or two old: metric_is asks again until it shows them).
metric_is "metrics: MPTCP end to end" \
	'mptcpify_connections_total{selector="client",outcome="mptcp_active"}' 3
metric_is "metrics: fell back" \
	'mptcpify_connections_total{selector="client",outcome="fell_back_active"}' 1
metric_is "metrics: plain-TCP clients of the MPTCP listener" \
	'mptcpify_connections_total{selector="server",outcome="fell_back_passive"}' 1
metric_is "metrics: joins failed" 'mptcpify_subflows_total{selector="client",event="failed"}' 1
metric_is "metrics: joins closed" 'mptcpify_subflows_total{selector="client",event="closed"}' 2
# The refused join completed its handshake before the refusal: it counts here.
metric_is "metrics: connections with two subflows or more" \
	'mptcpify_connections_with_subflows_total{selector="client",subflows="2"}' 3
metric_is "metrics: joins whose handshake completed" \
	'mptcpify_subflows_total{selector="client",event="established"}' 3
metric_is "metrics: bytes the client sent on initial subflows" \
	'mptcpify_subflow_bytes_total{selector="client",direction="sent",subflow="initial"}' "$ci"
metric_is "metrics: bytes the server received on additional subflows" \
	'mptcpify_subflow_bytes_total{selector="server",direction="received",subflow="additional"}' "$sar"
curl -s -m 30 "http://127.0.0.1:$PORT/metrics" >"$WORK/expo.txt"
check "promtool finds the exposition valid" sh -c "promtool check metrics <'$WORK/expo.txt'"
stop_daemon "the daemon stops cleanly (ASan)"
tap_done

#!/bin/sh
# What became of rewritten connections, and what their MPTCP sockets
# refused: unmodified programs (plain TCP sockets) in rewritten, audit and
# protected cgroups. Every counter must equal what the case did; fallback
# reasons where the kernel has __mptcp_try_fallback() (fexit).
. /usr/bin/mptcpify-guest-lib.sh
need_rewrite "connection outcomes and refused options through the rewrite"

mkdir -p "$T/client" "$T/server" "$T/plain" "$T/audit" "$T/protect"
check "client and server rewritten" sh -c "mptcpify attach $T/client && mptcpify attach $T/server"
check "an audit cgroup" mptcpify attach --mode audit "$T/audit"
check "a rewritten cgroup with on-incompatible exclude" \
	mptcpify attach --on-incompatible exclude "$T/protect"
check "two paths, the client's join from 10.0.2.1" join_paths

outcome() { # CGROUP NAME: one outcome counter
	mptcpify -j stats "$1" | grep -o "\"$2\":[0-9]*" | head -n1 | cut -d: -f2
}
refused() { # CGROUP OPTION OP PREDICTED: "count error" of its entry
	mptcpify -j stats "$1" |
		grep -o "\"option\":\"$2\",\"op\":\"$3\",[^}]*\"predicted\":$4,\"count\":[0-9]*" |
		sed 's/.*"error":"\([^"]*\)".*"count":\([0-9]*\)$/\2 \1/'
}
conn() { # SERVER_CG CLIENT_CG [CLIENT ARGS]: one connection of unmodified programs
	_s=$1 _c=$2
	shift 2
	start_server "$_s" >/tmp/server.out
	in_cg "$_c" ip netns exec cli mptcp_conn client --bytes 100000 "$@" 10.0.1.2 8080 \
		>/tmp/client.out
	wait
	diag "server: $(cat /tmp/server.out)" "client: $(cat /tmp/client.out)"
}

# --- Outcomes ---
conn "$T/plain" "$T/client"
is "against a TCP server the rewritten client fell back" "$(outcome "$T/client" fell_back_active)" 1
if mptcpify -j probe | grep -q '"fallback_reasons":true'; then
	reasons=$(mptcpify -j stats "$T/client" | grep -o '"fallback_reasons":{[^}]*}')
	diag "$reasons"
	case "$reasons" in
	*'{"'*'":1}') ok "with the kernel's reason" ;;
	*) not_ok "with the kernel's reason" "$reasons" ;;
	esac
else
	skip "with the kernel's reason" "kernel $(uname -r) has no __mptcp_try_fallback() to trace"
fi
conn "$T/server" "$T/plain"
is "the rewritten listener's plain TCP client is counted" \
	"$(outcome "$T/server" fell_back_passive)" 1
conn "$T/server" "$T/client" --subflows 2 --hold 3000
is "MPTCP end to end, client side" "$(outcome "$T/client" mptcp_active)" 1
is "MPTCP end to end, server side" "$(outcome "$T/server" mptcp_passive)" 1
is "the client's join came up" "$(outcome "$T/client" joins_established)" 1
is "the server accepted one join" "$(outcome "$T/server" joins_established)" 1
check "one connection with two subflows" sh -c \
	"mptcpify -j stats $T/client | grep -q '\"connections_by_subflows\":\[1,1,0,'"
verdict=$(mptcpify stats "$T/client" | tail -n1)
diag "verdict: $verdict"
case "$verdict" in
*"50% MPTCP end to end (2 connections), 50% fell back (no MP_CAPABLE from peer)"*)
	ok "the verdict adds up" ;;
*) not_ok "the verdict adds up" "$verdict" ;;
esac

# --- Options: what this kernel's MPTCP sockets refuse, learned at load ---
known="TCP_MD5SIG TCP_USER_TIMEOUT TCP_QUICKACK TCP_WINDOW_CLAMP TCP_REPAIR TCP_ULP TCP_SYNCNT
TCP_LINGER2 TCP_MAXSEG SO_ZEROCOPY SO_TXTIME SO_MAX_PACING_RATE SO_PEEK_OFF IP_TTL IP_RECVERR
IP_MTU_DISCOVER IP_PKTINFO"
learned=$(mptcpify -j probe | grep -o '"option":"[A-Z0-9_]*","op":"set"' | cut -d'"' -f4)
opts=$(for o in $known; do echo "$learned" | grep -qx "$o" && echo "$o"; done | tr '\n' ' ')
diag "refused here, of those optcheck sets: $opts"
# shellcheck disable=SC2086 # one argument per option
in_cg "$T/client" optcheck $opts TCP_NODELAY >/tmp/opt.out
# shellcheck disable=SC2086
in_cg "$T/audit" optcheck $opts >/tmp/audit.out
is "the unmodified program's sockets were rewritten" "$(head -n1 /tmp/opt.out)" protocol=262
is "and in audit mode stayed TCP" "$(head -n1 /tmp/audit.out)" protocol=6
n=0
for o in $opts; do
	want=$(sed -n "s/^$o=//p" /tmp/opt.out)
	is "$o: counted once, with the errno the program got" \
		"$(refused "$T/client" "$o" set false)" "1 $want"
	is "$o in audit mode: predicted once" "$(refused "$T/audit" "$o" set true | cut -d' ' -f1)" 1
	n=$((n + 1))
done
is "nothing else counted" "$(mptcpify -j stats "$T/client" | grep -o '"op":"set"' | wc -l)" "$n"

# --- MSG_OOB: accepted, and sent in band ---
start_server "$T/server" >/dev/null
in_cg "$T/client" ip netns exec cli optcheck --oob 10.0.1.2 8080 >/tmp/oob.out
wait
start_server "$T/plain" >/dev/null
in_cg "$T/audit" ip netns exec cli optcheck --oob 10.0.1.2 8080 >/tmp/oob-audit.out
wait
diag "rewritten: $(cat /tmp/oob.out | tr '\n' ' ')" "audit: $(cat /tmp/oob-audit.out | tr '\n' ' ')"
is "send(MSG_OOB) on the MPTCP socket said nothing" "$(tail -n1 /tmp/oob.out)" oob=ok
is "and is counted" "$(refused "$T/client" MSG_OOB send false)" "1 accepted, not honoured"
is "on the audit cgroup's TCP socket it is predicted" \
	"$(refused "$T/audit" MSG_OOB send true | cut -d' ' -f1)" 1

# --- Protection: after a refusal, the cgroup's next sockets stay TCP ---
in_cg "$T/protect" optcheck TCP_MD5SIG >/tmp/p1.out
in_cg "$T/protect" optcheck TCP_NODELAY >/tmp/p2.out
diag "before: $(tr '\n' ' ' </tmp/p1.out)" "after: $(tr '\n' ' ' </tmp/p2.out)"
is "the first program's sockets were MPTCP" "$(head -n1 /tmp/p1.out)" protocol=262
is "after its refusal, the next program's stay TCP" "$(head -n1 /tmp/p2.out)" protocol=6
is "the next program's option works" "$(tail -n1 /tmp/p2.out)" TCP_NODELAY=ok
check "list says the protection tripped" sh -c \
	"mptcpify -j list | grep -q '\"on_incompatible\":\"exclude (tripped)\"'"
is "rewritten before: 2 sockets" "$(stat_of "$T/protect" rewritten)" 2
is "kept TCP after: 2 sockets, counted incompatible" "$(stat_of "$T/protect" incompatible)" 2

# --- Every socket of the client cgroup accounted for ---
# mptcp_conn: 2 connections; optcheck: one socket to report, one per option; --oob: 1.
is "the client cgroup's rewritten sockets equal the ones made" \
	"$(stat_of "$T/client" rewritten)" $((2 + 1 + n + 1 + 1))

two_paths_cleanup
case_cleanup

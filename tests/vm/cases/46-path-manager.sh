#!/bin/sh
# The daemon's path-manager block where it pays off: a client namespace
# with no MPTCP settings (a new namespace's), two shaped paths to a server
# that announces its second address. An unmodified iperf3 client in a
# selected cgroup gets MPTCP from the rewrite either way; only with the
# selector's path-manager limits does it accept the announced address and
# use both paths. Throughput is compared as a ratio of two runs on the same
# guest, at rates low enough for an emulated CPU to fill both paths; the
# bytes per path come from mptcpify's own counters. Once the entry goes,
# the client namespace is as it was.
. /usr/bin/mptcpify-guest-lib.sh
need_rewrite "path-manager settings through the daemon"
command -v iperf3 >/dev/null || {
	skip "two paths with the path-manager block" "no iperf3 in the guest (none on the host)"
	tap_done
	exit 0
}

CONF=/tmp/pm.yaml
LOG=/tmp/pm-daemon.log
RATE=${PM_RATE:-10mbit}

# The two-path hosts, the client namespace left as the kernel made it.
setup() {
	paths_links || return 1
	for i in 1 2; do
		ip netns exec cli tc qdisc add dev "c$i" root tbf rate $RATE burst 32kb latency 200ms ||
			return 1
	done
	ip -n srv mptcp limits set subflows 2 add_addr_accepted 2 &&
		ip -n srv mptcp endpoint add 10.0.2.2 dev s2 signal
}
check "two paths of $RATE, the server announcing its second address" setup
cli_before=$(ip -n cli mptcp limits show; ip -n cli mptcp endpoint show)
diag "client namespace: $cli_before"

mkdir -p "$T/client" "$T/server"
config() { # PATH-MANAGER-LINES...
	{
		echo "resync: 1"
		echo "selectors:"
		echo "  - name: server"
		echo "    cgroup: \"${T#"$CG2"}/server\""
		echo "  - name: client"
		echo "    cgroup: \"${T#"$CG2"}/client\""
		for l in "$@"; do echo "$l"; done
	} >"$CONF"
}
config
mptcpify daemon --config "$CONF" --metrics off 2>>"$LOG" &
DPID=$!
ready() { grep -q ' ready ' "$LOG"; }
check "the daemon is ready" wait_for 120 ready

# An anchor in the client cgroup and namespace: what the daemon finds there.
in_cg "$T/client" ip netns exec cli sleep 600 &
anchor=$!

settled() { ! ip netns exec cli ss -Htn | grep -qv '^TIME-WAIT'; }
listening() { ip netns exec srv ss -Hltn 'sport = :5201' | grep -q .; }
# run: one iperf3 upload of 5 s; its receiver's rate in Kbit/s.
run() {
	in_cg "$T/server" ip netns exec srv iperf3 -s -1 >/dev/null 2>&1 &
	_srv=$!
	wait_for 120 listening
	in_cg "$T/client" ip netns exec cli iperf3 -c 10.0.1.2 -t 5 -f k >/tmp/iperf.out 2>&1
	wait "$_srv"
	# Subflows count their bytes as they close: until every one has.
	wait_for 120 settled
	awk '/receiver/ { for (i = 2; i <= NF; i++) if ($i == "Kbits/sec") print int($(i - 1)) }' \
		/tmp/iperf.out
}
# bytes PATH: what the client's closed subflows of PATH carried, both ways.
bytes() {
	mptcpify -j stats "$T/client" | grep -o "\"$1\":{\"sent\":[0-9]*,\"received\":[0-9]*}" |
		head -n1 | sed 's/.*"sent":\([0-9]*\),"received":\([0-9]*\)}/\1 \2/' |
		{ read -r s r && echo $((s + r)); }
}
share() { # the share of the client's bytes over additional subflows, in %
	_a=$(bytes additional) _i=$(bytes initial)
	echo $((_a * 100 / (_a + _i + 1)))
}

one=$(run)
diag "without path-manager: ${one} Kbit/s; $(grep -E 'sender|receiver' /tmp/iperf.out | tr -s ' ')"
is "the client's namespace still has no setting" \
	"$(ip -n cli mptcp limits show; ip -n cli mptcp endpoint show)" "$cli_before"
check "iperf3 ran over MPTCP" stat_above "$T/client" rewritten 0
a0=$(bytes additional) i0=$(bytes initial)
diag "bytes: initial $i0, additional $a0"
is "no byte over an additional subflow" "$a0" 0

config "    path-manager:" "      limits: {subflows: 2, add-addr-accepted: 2}"
kill -HUP "$DPID"
applied() { [ "$(ip -n cli mptcp limits show)" = "add_addr_accepted 2 subflows 2 " ]; }
check "the reload applies the limits in the client's namespace" wait_for 120 applied
pmrow=$(mptcpify -j stats "$T/client" | grep -o '"path_manager":\[[^]]*\]')
diag "stats: $pmrow"
case "$pmrow" in
*'"result":"applied"'*'"selector":"client"'* | *'"selector":"client"'*'"result":"applied"'*)
	ok "-j stats says the client's namespace has them" ;;
*) not_ok "-j stats says the client's namespace has them" "$pmrow" ;;
esac
two=$(run)
diag "with path-manager: ${two} Kbit/s; $(grep -E 'sender|receiver' /tmp/iperf.out | tr -s ' ')"
check "iperf3 gets at least 1.8 times one path ($two vs $one Kbit/s)" \
	test $((two * 10)) -ge $((one * 18))
a1=$(($(bytes additional) - a0)) i1=$(($(bytes initial) - i0))
diag "bytes of that run: initial $i1, additional $a1"
pct=$((a1 * 100 / (a1 + i1 + 1)))
check "about half its bytes over the additional subflow ($pct%)" test "$pct" -ge 30 -a "$pct" -le 70
verdict=$(mptcpify stats "$T/client" | tail -n1)
diag "verdict: $verdict"
case "$verdict" in
*"% of bytes over additional subflows"*) ok "the verdict says how much" ;;
*) not_ok "the verdict says how much" "$verdict" ;;
esac

# The entry goes: the client selector leaves the configuration.
{
	echo "resync: 1"
	echo "selectors:"
	echo "  - name: server"
	echo "    cgroup: \"${T#"$CG2"}/server\""
} >"$CONF"
kill -HUP "$DPID"
restored() { [ "$(ip -n cli mptcp limits show; ip -n cli mptcp endpoint show)" = "$cli_before" ]; }
check "once the entry goes, the client's namespace is as before" wait_for 120 restored ||
	diag "$(ip -n cli mptcp limits show; ip -n cli mptcp endpoint show)" "$(tail -n 8 "$LOG")"
kill "$anchor" 2>/dev/null
kill -TERM "$DPID"
wait "$DPID"
is "the daemon stops cleanly" "$?" 0
two_paths_cleanup
case_cleanup

#!/bin/sh
# Landlock's TCP port rules on sockets the rewrite made MPTCP: a program
# restricts its own connect() to one port, then connects elsewhere from a
# plain and from a rewritten cgroup. What each kernel does is a row of the
# README's limits (copied to the guest); this holds the README to it.
. /usr/bin/mptcpify-guest-lib.sh
need_rewrite "Landlock's TCP rules on rewritten sockets"

mkdir -p "$T/plain" "$T/rewritten"
check "a rewritten cgroup" mptcpify attach "$T/rewritten"
ip link set lo up

# The server listens, or has exited: nothing more to wait for.
listening() { [ -e /tmp/ll-ready ] || ! kill -0 "$_srv" 2>/dev/null; }

landlock_in() { # CGROUP: one run of landlock_tcp against a listener on port 9000
	rm -f /tmp/ll-ready
	mptcp_conn server --ready /tmp/ll-ready 127.0.0.1 9000 >/dev/null &
	_srv=$!
	wait_for 120 listening
	in_cg "$1" landlock_tcp 127.0.0.1 8999 9000
	kill "$_srv" 2>/dev/null
	wait "$_srv" 2>/dev/null
}

plain=$(landlock_in "$T/plain")
case "$plain" in landlock=unavailable*)
	skip "Landlock's TCP rules on rewritten sockets" "kernel $(uname -r): $plain"
	case_cleanup
	exit 0
	;;
esac
is "a TCP socket: the rule holds" "$plain" "protocol=6 connect=denied"
rewritten=$(landlock_in "$T/rewritten")
kernel=$(uname -r | cut -d. -f1,2)
want=$(sed -n "s/^$kernel //p" /usr/bin/mptcpify-landlock.txt)
diag "kernel $kernel, rewritten: $rewritten; the README says: ${want:-nothing}"
is "the same program rewritten: as the README's limits say for $kernel" "$rewritten" \
	"protocol=262 connect=$want"
case_cleanup

#!/bin/sh
# Never break an application: where net.mptcp.enabled=0 makes MPTCP
# impossible in the caller's network namespace, socket() still succeeds, as
# TCP, and the "unavailable" counter says so.
. /usr/bin/mptcpify-guest-lib.sh
need_rewrite "MPTCP-disabled namespaces"

mkdir -p "$T/app"
check "attach $T/app" mptcpify attach "$T/app"

got=$(unshare -n sh -c 'sysctl -qw net.mptcp.enabled=0 && sockcheck inet stream 262')
is "native MPTCP fails there (the kernel's ENOPROTOOPT)" "$got" "error 92"

got=$(in_cg "$T/app" unshare -n sh -c '
	sysctl -qw net.mptcp.enabled=0
	sockcheck inet stream 0; sockcheck inet6 stream,nonblock 0; sockcheck --raw inet stream 6' |
	tr '\n' ' ')
is "socket() in the cgroup succeeds and stays TCP" "$got" "6 6 6 "
is "unavailable counts the 3 sockets" "$(stat_of "$T/app" unavailable)" 3
is "rewritten counts none of them" "$(stat_of "$T/app" rewritten)" 0

got=$(in_cg "$T/app" unshare -n sockcheck inet stream 0)
is "a namespace with MPTCP enabled still gets MPTCP" "$got" 262
is "rewritten counts it" "$(stat_of "$T/app" rewritten)" 1
case_cleanup

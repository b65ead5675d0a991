#!/bin/sh
# Audit mode works on every kernel with cgroup BPF, the hook or not, and
# counts exactly.
. /usr/bin/mptcpify-guest-lib.sh

mkdir -p "$T/app/child" "$T/app/skip"
check "attach --mode audit" mptcpify attach --mode audit "$T/app"
check "attach --exclude" mptcpify attach --exclude "$T/app/skip"
got=$(in_cg "$T/app/child" sh -c '
	sockcheck inet stream 0; sockcheck inet6 stream,cloexec 6; sockcheck inet stream 262
	sockcheck inet dgram 0' | tr '\n' ' ')
is "audit changes nothing" "$got" "6 6 262 17 "
in_cg "$T/app/skip" sockcheck inet stream 0 >/dev/null
is "tcp_created" "$(stat_of "$T/app" tcp_created)" 2
is "mptcp_created" "$(stat_of "$T/app" mptcp_created)" 1
is "non_tcp" "$(stat_of "$T/app" non_tcp)" 1
is "rewritten" "$(stat_of "$T/app" rewritten)" 0
case_cleanup

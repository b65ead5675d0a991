#!/bin/sh
# Inside an enforced cgroup, TCP socket() calls come back MPTCP, however they
# are made; outside it, and for anything but TCP, nothing changes. The
# counters equal what the case did, exactly. sockcheck is a static binary:
# LD_PRELOAD (mptcpize) could never reach it.
. /usr/bin/mptcpify-guest-lib.sh
need_rewrite "socket() rewrite"

mkdir -p "$T/app" "$T/other"
check "attach $T/app" mptcpify attach "$T/app"

is "socket(AF_INET, SOCK_STREAM, 0) is MPTCP" "$(in_cg "$T/app" sockcheck inet stream 0)" 262
is "socket(AF_INET6, STREAM|NONBLOCK|CLOEXEC, IPPROTO_TCP) is MPTCP" \
	"$(in_cg "$T/app" sockcheck inet6 stream,nonblock,cloexec 6)" 262
is "raw syscall(SYS_socket, AF_INET, SOCK_STREAM, 0) is MPTCP" \
	"$(in_cg "$T/app" sockcheck --raw inet stream 0)" 262
is "a native MPTCP socket stays MPTCP" "$(in_cg "$T/app" sockcheck inet stream 262)" 262
is "UDP is untouched" "$(in_cg "$T/app" sockcheck inet dgram 0)" 17
is "AF_UNIX is untouched" "$(in_cg "$T/app" sockcheck unix stream 0)" 0
is "an unconfigured cgroup stays TCP" "$(in_cg "$T/other" sockcheck inet stream 0)" 6
is "the root cgroup stays TCP" "$(sockcheck inet6 stream 0)" 6

is "rewritten counts the 3 TCP sockets" "$(stat_of "$T/app" rewritten)" 3
is "native_mptcp counts 1" "$(stat_of "$T/app" native_mptcp)" 1
is "non_tcp counts UDP and AF_UNIX" "$(stat_of "$T/app" non_tcp)" 2
is "nothing is unavailable" "$(stat_of "$T/app" unavailable)" 0

# Many sockets, one process: the cached policy answers every time.
out=$(in_cg "$T/app" sockcheck --loop 1 inet stream 0)
diag "loop: $out"
case "$out" in
"tcp=0 mptcp="*" other=0 errors=0") ok "a socket() loop in the cgroup gets only MPTCP" ;;
*) not_ok "a socket() loop in the cgroup gets only MPTCP" "$out" ;;
esac
n=$(echo "$out" | sed 's/.*mptcp=\([0-9]*\).*/\1/')
is "rewritten grew by exactly the loop's count" "$(stat_of "$T/app" rewritten)" $((3 + n))

case_cleanup

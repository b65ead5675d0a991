#!/bin/bash
# Audit mode on the real host kernel counts exactly the sockets created in an
# enforced cgroup, inherits to descendants, honours exclusions, changes nothing.
. "$(dirname "$0")/env.sh"

mkdir -p "$TESTCG/app/worker/deep" "$TESTCG/app/skip" "$TESTCG/other"
check "attach --mode audit" "$M" attach --mode audit "$TESTCG/app"
check "attach --exclude below it" "$M" attach --exclude "$TESTCG/app/skip"

# sockets CG: 3 TCP v4, 2 TCP v6 (flags set), 1 native MPTCP, 2 UDP, 1 unix.
sockets() {
	in_cgroup "$1" sh -c "
		for i in 1 2 3; do $SOCKCHECK inet stream 0; done
		$SOCKCHECK inet6 stream,nonblock,cloexec 6
		$SOCKCHECK --raw inet6 stream 0
		$SOCKCHECK inet stream 262
		$SOCKCHECK inet dgram 0; $SOCKCHECK inet6 dgram 0
		$SOCKCHECK unix stream 0" | tr '\n' ' '
}

got=$(sockets "$TESTCG/app")
is "audit changes no protocol" "$got" "6 6 6 6 6 262 17 17 0 "
is "tcp_created counts the 5 TCP sockets" "$(stat_of "$TESTCG/app" tcp_created)" 5
is "mptcp_created counts the native MPTCP one" "$(stat_of "$TESTCG/app" mptcp_created)" 1
# cgroup/sock_create runs for AF_INET and AF_INET6 only: unix is not seen.
is "non_tcp counts the 2 UDP sockets" "$(stat_of "$TESTCG/app" non_tcp)" 2
is "audit rewrites nothing" "$(stat_of "$TESTCG/app" rewritten)" 0

sockets "$TESTCG/app/worker/deep" >/dev/null
is "a grandchild counts in its nearest entry" "$(stat_of "$TESTCG/app" tcp_created)" 10
sockets "$TESTCG/app/skip" >/dev/null
is "an excluded child is not counted" "$(stat_of "$TESTCG/app" tcp_created)" 10
is "the exclude entry counts nothing in audit mode" "$(stat_of "$TESTCG/app/skip" excluded)" 0
sockets "$TESTCG/other" >/dev/null
is "an unconfigured sibling is not counted" "$(stat_of "$TESTCG/app" tcp_created)" 10

# Policy changes take effect on the next socket(): the cache is invalidated.
check "detach the exclusion" "$M" detach "$TESTCG/app/skip"
sockets "$TESTCG/app/skip" >/dev/null
is "without the exclusion the child counts" "$(stat_of "$TESTCG/app" tcp_created)" 15
tap_done

#!/bin/sh
# The nearest configured cgroup wins: a parent's entry covers its
# grandchildren, an --exclude child stays TCP, and policy changes apply to
# the next socket() (the per-cgroup cache is invalidated).
. /usr/bin/mptcpify-guest-lib.sh
need_rewrite "nearest-entry inheritance"

mkdir -p "$T/pod/ctr/proc" "$T/pod/sidecar/inner"
check "enforce the parent" mptcpify attach "$T/pod"
check "exclude one child" mptcpify attach --exclude "$T/pod/sidecar"

is "a grandchild of the enforced parent gets MPTCP" \
	"$(in_cg "$T/pod/ctr/proc" sockcheck inet stream 0)" 262
is "the excluded child stays TCP" "$(in_cg "$T/pod/sidecar" sockcheck inet stream 0)" 6
is "below the excluded child stays TCP" "$(in_cg "$T/pod/sidecar/inner" sockcheck inet6 stream 0)" 6
is "the parent counted the grandchild's socket" "$(stat_of "$T/pod" rewritten)" 1
is "the exclusion counted its two sockets" "$(stat_of "$T/pod/sidecar" excluded)" 2

check "a deeper entry can enforce again" mptcpify attach "$T/pod/sidecar/inner"
is "below it: MPTCP again" "$(in_cg "$T/pod/sidecar/inner" sockcheck inet stream 0)" 262
check "detach the exclusion" mptcpify detach "$T/pod/sidecar"
is "without it the child inherits MPTCP at once" "$(in_cg "$T/pod/sidecar" sockcheck inet stream 0)" 262
check "detach the parent" mptcpify detach "$T/pod"
is "without it the grandchild is TCP at once" "$(in_cg "$T/pod/ctr/proc" sockcheck inet stream 0)" 6
is "the deeper entry still holds" "$(in_cg "$T/pod/sidecar/inner" sockcheck inet stream 0)" 262
case_cleanup

#!/bin/sh
# What no entry covers sees no difference, on every kernel: a fixed table
# of setsockopt()/getsockopt() calls (size queries, page ends, NULL; TCP,
# UDP, MPTCP, Unix, netlink) answers byte for byte the same with entries
# elsewhere (rewrite where the kernel has the hook, and audit) as with none.
# Inside the audit entry only the documented [short] rows differ.
. /usr/bin/mptcpify-guest-lib.sh

mkdir -p "$T/app" "$T/aud" "$T/other/deep"
before=$(in_cg "$T/other/deep" sockopt_table)
check "the table runs" test "$(echo "$before" | wc -l)" -ge 60
if [ "$(verdict)" = rewrite ]; then
	check "attach $T/app" mptcpify attach "$T/app"
else
	skip "a rewrite entry beside it" "kernel $(uname -r) cannot rewrite"
fi
check "audit $T/aud" mptcpify attach --mode audit "$T/aud"

out=$(in_cg "$T/other/deep" sockopt_table)
is "outside every entry: the same answers" "$out" "$before"
out=$(in_cg "$T/aud" sockopt_table)
is "in the audit entry: the same but the [short] rows" \
	"$(echo "$out" | grep -v '\[short\]')" "$(echo "$before" | grep -v '\[short\]')"
case_cleanup

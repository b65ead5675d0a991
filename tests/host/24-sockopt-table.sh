#!/bin/bash
# What no entry covers sees no difference: a fixed table of setsockopt()
# and getsockopt() calls (size queries, buffers at a page's end, past a
# page, NULL; TCP, UDP, MPTCP, Unix, netlink) answers byte for byte the
# same with mptcpify loaded as without, in a cgroup outside every entry.
# Inside an audit or subflow-profile entry the only difference is the
# documented one: a setsockopt() whose optlen is larger than its readable
# buffer fails EFAULT (the kernel copies optlen bytes before any cgroup
# setsockopt program), the rows marked [short].
. "$(dirname "$0")/env.sh"
TABLE=$BUILD/tests/sockopt_table
[ -x "$TABLE" ] || skip_all "test programs not built (make test-build)"

mkdir -p "$TESTCG/audit" "$TESTCG/profile" "$TESTCG/other/deep"
table_in() { in_cgroup "$1" "$TABLE"; }
without_short() { grep -v '\[short\]' <<<"$1"; }

before=$(table_in "$TESTCG/other/deep")
rows=$(wc -l <<<"$before")
check "the table runs: $rows rows" test "$rows" -ge 60
is "every row's socket was made" "$(grep -c 'socket errno' <<<"$before")" 0

check "an audit entry" "$M" attach --mode audit "$TESTCG/audit"
check "a subflow profile entry" "$M" subflow set "$TESTCG/profile" "join -> user-timeout 5000"

out=$(table_in "$TESTCG/other/deep")
is "outside every entry: 0 differences" "$(diff <(echo "$before") <(echo "$out") | grep -c '^>')" 0
diff <(echo "$before") <(echo "$out") | head -n 20 | while read -r l; do diag "$l"; done

for cg in audit profile; do
	out=$(table_in "$TESTCG/$cg")
	is "in the $cg entry: 0 differences but the [short] rows" \
		"$(diff <(without_short "$before") <(without_short "$out") | grep -c '^>')" 0
	diff <(without_short "$before") <(without_short "$out") | head -n 20 |
		while read -r l; do diag "$l"; done
	is "and those fail EFAULT there, as documented" \
		"$(grep '\[short\]' <<<"$out" | grep -vc 'errno=14')" 0
done

check "unload" "$M" unload
out=$(table_in "$TESTCG/audit")
is "after unload the audit entry's cgroup answers as before" \
	"$(diff <(echo "$before") <(echo "$out") | grep -c '^>')" 0
tap_done
